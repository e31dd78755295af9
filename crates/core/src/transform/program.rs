//! A registered transformation source: what the engine hands out and its workers compile. Kept
//! apart from both so neither has to know the other's internals.

use std::sync::Arc;

/// A transformation's source, compiled once per worker and reused across events.
#[derive(Debug)]
pub(crate) struct ProgramSource {
    /// Distinguishes sources, so a worker knows when to compile again.
    pub id: u64,
    /// The name stack frames carry; also how positions are found in them.
    pub filename: String,
    pub source: String,
    /// How many lines `source` has, counted once: every recorded read and every error is
    /// positioned against it, and a generated handler can have a thousand lines.
    pub lines: u32,
}

/// A handle on a transformation source, cheap to clone.
#[derive(Debug, Clone)]
pub struct Program {
    inner: Arc<ProgramSource>,
}

impl Program {
    pub(crate) fn new(source: ProgramSource) -> Program {
        Program {
            inner: Arc::new(source),
        }
    }

    /// The source text as given.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// The source as a job carries it to a worker.
    pub(crate) fn shared_source(&self) -> Arc<ProgramSource> {
        Arc::clone(&self.inner)
    }
}
