//! The marks both shells put before a run, a body or a delivery, each with what it means: the
//! command line's text output and the workbench's events list draw the same symbol for the same
//! outcome, and the workbench's help explains them from here.

use crate::pipeline::RunRecord;
use crate::segment::Severity;

/// What one mark says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    /// The output is clean: no lint warning or error.
    Ok,
    /// The output has lint warnings.
    Warnings,
    /// The output has lint errors: Segment rejects or drops the call.
    LintErrors,
    /// The transformation failed.
    Failed,
    /// The handler cancelled the webhook: nothing is sent.
    Cancelled,
    /// A newer run is pending: the output shown is not the current one.
    Pending,
    /// The body is not valid JSON: it is not run and cannot be sent.
    InvalidBody,
    /// Not run: not yet, or a delivery the receiver rejected.
    NotRun,
    /// The body differs from the one stored.
    Modified,
    /// The body breaks Dodo's schema.
    BreaksSchema,
    /// A delivery's signature is valid.
    SignatureValid,
    /// A delivery's signature is invalid.
    SignatureInvalid,
    /// A delivery came without a signature.
    Unsigned,
}

impl Mark {
    /// The outcomes of a run, worst first.
    pub const OUTCOMES: [Mark; 5] = [
        Mark::Failed,
        Mark::LintErrors,
        Mark::Warnings,
        Mark::Ok,
        Mark::Cancelled,
    ];

    /// Every mark, in the order a list of them explains them: a run's outcomes, the states of a
    /// body, then a delivery's signature.
    pub const ALL: [Mark; 13] = [
        Mark::Ok,
        Mark::Warnings,
        Mark::LintErrors,
        Mark::Failed,
        Mark::Cancelled,
        Mark::Pending,
        Mark::InvalidBody,
        Mark::NotRun,
        Mark::Modified,
        Mark::BreaksSchema,
        Mark::SignatureValid,
        Mark::SignatureInvalid,
        Mark::Unsigned,
    ];

    /// The symbol, one column wide.
    pub const fn symbol(self) -> &'static str {
        match self {
            Mark::Ok => "✓",
            Mark::Warnings => "▲",
            Mark::LintErrors => "●",
            Mark::Failed => "✗",
            Mark::Cancelled => "⊘",
            Mark::Pending => "◌",
            Mark::InvalidBody => "!",
            Mark::NotRun => "·",
            Mark::Modified => "✎",
            Mark::BreaksSchema => "≠",
            Mark::SignatureValid => "✓",
            Mark::SignatureInvalid => "✗",
            Mark::Unsigned => "–",
        }
    }

    /// What the mark means, in a few words.
    pub const fn meaning(self) -> &'static str {
        match self {
            Mark::Ok => "Clean output: no lint warning or error",
            Mark::Warnings => "Lint warnings",
            Mark::LintErrors => "Lint errors: Segment rejects or drops the call",
            Mark::Failed => "The transformation failed",
            Mark::Cancelled => "Cancelled by the handler: nothing is sent",
            Mark::Pending => "A run is pending: the output shown is not current",
            Mark::InvalidBody => "The body is not valid JSON: not run, cannot be sent",
            Mark::NotRun => "Not run: not yet, or a delivery the receiver rejected",
            Mark::Modified => "The body is modified",
            Mark::BreaksSchema => "The body breaks Dodo's schema",
            Mark::SignatureValid => "Delivery signature valid",
            Mark::SignatureInvalid => "Delivery signature invalid",
            Mark::Unsigned => "Delivery not signed",
        }
    }

    /// The outcome of a run: failed, cancelled, else the worst lint finding of its output.
    pub fn of_run(record: &RunRecord) -> Mark {
        if record.failed() {
            return Mark::Failed;
        }
        if record.cancelled() {
            return Mark::Cancelled;
        }
        match record.diagnostics.iter().map(|d| d.severity).min() {
            Some(Severity::Error) => Mark::LintErrors,
            Some(Severity::Warning) => Mark::Warnings,
            Some(Severity::Info) | None => Mark::Ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_have_distinct_symbols() {
        let mut symbols: Vec<&str> = Mark::OUTCOMES.iter().map(|m| m.symbol()).collect();
        symbols.sort_unstable();
        symbols.dedup();
        assert_eq!(symbols.len(), Mark::OUTCOMES.len());
    }

    #[test]
    fn every_mark_is_one_column_and_explained() {
        for mark in Mark::ALL {
            assert_eq!(mark.symbol().chars().count(), 1, "{mark:?}");
            // The workbench's help gives a meaning 56 columns.
            assert!(
                (1..=56).contains(&mark.meaning().chars().count()),
                "{mark:?}"
            );
        }
    }

    #[test]
    fn a_run_is_marked_by_its_worst_outcome() {
        let clean = RunRecord {
            event_type: "payment.succeeded".to_string(),
            webhook: None,
            error: None,
            logs: Vec::new(),
            input_diagnostics: Vec::new(),
            diagnostics: Vec::new(),
            read_warnings: Vec::new(),
            duration_us: 0,
        };
        assert_eq!(Mark::of_run(&clean), Mark::Ok);
    }
}
