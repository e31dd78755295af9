//! The transformation engine: runs a user's `function handler(webhook)` in a sandboxed QuickJS
//! runtime on worker threads the engine owns, with Svix semantics.

mod allocator;
mod body;
mod compat;
mod engine;
mod native;
mod normalize;
pub mod presets;
mod program;
mod reply;
mod seal;
mod worker;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use compat::{CompatWarning, scan_compat};
pub use engine::{Engine, Pending, PendingRun};
pub use program::Program;

/// The URL the handler's input carries when nothing else is configured.
pub const DEFAULT_URL: &str = "https://api.segment.io/v1/track";

/// Resource limits of one run. Local assumptions: hosted Svix documents none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock budget of one run.
    pub timeout: Duration,
    /// QuickJS heap limit in bytes.
    pub memory_bytes: usize,
    /// QuickJS stack limit in bytes.
    pub stack_bytes: usize,
    /// Most console lines kept per run.
    pub max_log_lines: usize,
    /// Most bytes of console output kept per run.
    pub max_log_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_millis(500),
            memory_bytes: 64 * 1024 * 1024,
            stack_bytes: 512 * 1024,
            max_log_lines: 1000,
            max_log_bytes: 256 * 1024,
        }
    }
}

/// What the handler receives, minus `eventType` (taken from the payload's `type`).
#[derive(Debug, Clone)]
pub struct RunInput {
    /// The raw webhook body as JSON text; parsed inside the sandbox unless `json` is given.
    pub body: String,
    /// The body already parsed, when the caller has it (it must be `body`'s reading): the
    /// handler's payload is built from it directly, and `body` is not read again.
    pub json: Option<Arc<Value>>,
    /// The event type (`payload.type`), passed as `webhook.eventType`.
    pub event_type: String,
    /// `webhook.url` before the handler runs.
    pub url: String,
    /// `webhook.env`: configured variables.
    pub env: BTreeMap<String, String>,
}

impl RunInput {
    /// Input for a body whose `type` names the event, with the default URL and no env.
    pub fn from_body(body: impl Into<String>, event_type: impl Into<String>) -> Self {
        RunInput {
            body: body.into(),
            json: None,
            event_type: event_type.into(),
            url: DEFAULT_URL.to_string(),
            env: BTreeMap::new(),
        }
    }
}

/// The normalised webhook the handler returned: what would be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookOut {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub cancel: bool,
    pub payload: Value,
}

/// Why a run produced no webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The source does not parse, or defines no `handler` function.
    Syntax,
    /// The handler threw.
    Exception,
    /// The run went past its time budget.
    Timeout,
    /// The run went past its heap or stack limit.
    Memory,
    /// The handler returned something that is not a valid webhook object.
    InvalidReturn,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::Exception => "exception",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Memory => "memory",
            ErrorKind::InvalidReturn => "invalid-return",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed run. `line` and `column` are 1-based positions in the user's own file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformError {
    pub kind: ErrorKind,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl TransformError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        TransformError {
            kind,
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl std::fmt::Display for TransformError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, " (line {l}, column {c})"),
            (Some(l), None) => write!(f, " (line {l})"),
            _ => Ok(()),
        }
    }
}

/// Console levels captured from `console.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Log,
    Info,
    Warn,
    Error,
    Debug,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Log => "log",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Debug => "debug",
        }
    }
}

/// One captured console line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub level: LogLevel,
    pub message: String,
}

/// Marks an array index in a [`PathRead`]'s path: every index of an array reads as this one.
pub const ANY_INDEX: &str = "[]";

/// Most distinct paths a run records; reads past it are not recorded.
pub const MAX_PATH_READS: usize = 256;

/// A property path of `webhook.payload` the handler read, present or missing, recorded the first
/// time the handler's own code read it. Reads made by built-ins on its behalf (`JSON.stringify`,
/// `Object.keys`, spread, `console.log`) are not recorded path by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRead {
    /// From the payload's root, e.g. `["data", "customer", "email"]`; array indices are
    /// [`ANY_INDEX`], e.g. `["data", "product_cart", "[]", "product_id"]`. Every prefix read on
    /// the way is recorded as a path of its own.
    pub path: Vec<String>,
    /// 1-based line in the user's file of the first read, when the engine can tell.
    pub line: Option<u32>,
    /// 1-based column of that read, when the engine can tell.
    pub column: Option<u32>,
}

impl PathRead {
    /// The path as written in JavaScript-like notation: `data.product_cart[].product_id`.
    pub fn dotted(&self) -> String {
        let mut text = String::new();
        for segment in &self.path {
            if segment != ANY_INDEX && !text.is_empty() {
                text.push('.');
            }
            text.push_str(segment);
        }
        text
    }
}

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub result: Result<WebhookOut, TransformError>,
    pub logs: Vec<LogLine>,
    /// The payload paths the handler read, in first-read order, each once, at most
    /// [`MAX_PATH_READS`]; kept after a failed run too. Empty when recording is off. Recorded
    /// once per program and event type on each worker (the first run that succeeds); later runs
    /// of that pair run on the plain payload and carry those reads (shared, not copied).
    pub reads: Arc<[PathRead]>,
    pub duration: Duration,
}

impl RunOutput {
    /// The output of a run the engine could not finish: its worker stopped before answering.
    pub fn stopped() -> RunOutput {
        RunOutput {
            result: Err(TransformError::new(
                ErrorKind::Exception,
                "the transformation worker stopped before answering",
            )),
            logs: Vec::new(),
            reads: Arc::default(),
            duration: Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod engine_tests;
#[cfg(test)]
mod read_tests;
#[cfg(test)]
mod sealing_tests;
