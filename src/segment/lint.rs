//! Stub: replaced by the linter.
use super::{Diagnostic, Region};
use serde_json::Value;
#[derive(Debug, Clone, Default)]
pub struct LintOptions { pub endpoint: Option<url::Url>, pub region: Option<Region> }
pub fn lint(_url: &str, _payload: &Value, _source: Option<&Value>, _opts: &LintOptions) -> Vec<Diagnostic> { Vec::new() }
