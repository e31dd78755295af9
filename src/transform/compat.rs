//! Stub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatWarning;
pub fn scan_compat(_source: &str) -> Vec<CompatWarning> { Vec::new() }
