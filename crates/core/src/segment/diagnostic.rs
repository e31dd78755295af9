//! A lint finding about one Segment call.

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered worst first, so sorting puts errors on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Segment rejects or silently drops the call.
    Error,
    /// Segment accepts the call but data is lost or mangled downstream.
    Warning,
    /// Style or robustness advice.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: a stable `code`, a JSON pointer `path` into the output payload ("" is the whole
/// payload) and a message saying what Segment will do with the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: String,
    pub path: String,
    pub message: String,
    /// The code Segment's Delivery Overview gives when it discards such a call on ingest
    /// (`no_user_anon_id`, `event_not_defined`, ...). Absent when Segment names no such reason;
    /// records stored before the field existed read back without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_code: Option<String>,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        code: &str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            code: code.to_string(),
            path: path.into(),
            message: message.into(),
            segment_code: None,
        }
    }

    /// The same finding, naming Segment's discard code.
    pub fn with_segment_code(mut self, code: &str) -> Self {
        self.segment_code = Some(code.to_string());
        self
    }
}
/// What every finding shows, whether about the call (lint) or about the webhook body (Dodo's
/// schema): a severity, a stable code, a JSON pointer and a message.
pub trait Finding {
    fn severity(&self) -> Severity;
    fn code(&self) -> &str;
    /// A JSON pointer into the document the finding is about; "" is the whole document.
    fn path(&self) -> &str;
    fn message(&self) -> &str;
}

impl Finding for Diagnostic {
    fn severity(&self) -> Severity {
        self.severity
    }
    fn code(&self) -> &str {
        &self.code
    }
    fn path(&self) -> &str {
        &self.path
    }
    fn message(&self) -> &str {
        &self.message
    }
}
