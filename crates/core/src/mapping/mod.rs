//! Mappings: a declarative transformation (`*.mapping.toml`) saying, per Dodo event type, which
//! Segment call it becomes and where each field comes from. It compiles to one plain, readable
//! `handler(webhook)` that runs wherever a transformation runs.
//!
//! - [`model`]: what a mapping file says, as values with their positions;
//! - [`parse`]: the file's text to a [`Mapping`] and its diagnostics (TOML errors, unknown keys,
//!   event types and conversions, paths Dodo's schema lacks, Segment's naming rules);
//! - [`resolve`]: one event type's rules after merging defaults, family and own table;
//! - [`compile`]: the mapping as JavaScript; [`embed`]: the mapping carried inside that
//!   JavaScript, so it can be recovered, and the ejected plain `.js`;
//! - [`describe`]: a rule in words, for `mapping show` and the workbench's table;
//! - [`edit`]: changes to the file's text that keep the user's formatting and comments;
//! - [`suggest`]: what the editor's field picker proposes (names, conversions, targets, spec
//!   event names, the schema's fields per type).

pub mod check;
pub mod compile;
pub mod describe;
pub mod edit;
pub mod embed;
pub mod model;
pub mod parse;
pub mod path;
pub mod resolve;
mod runtime;
pub mod suggest;

#[cfg(test)]
mod preset_tests;

pub use model::{Diagnostic, Mapping, Severity, Span};

/// One diagnostic as a line of text: `shop.mapping.toml:12:5: error[unknown-key]: …`, `file`
/// naming the file and `text` its contents (for the line and column).
pub fn render(file: &str, text: &str, d: &Diagnostic) -> String {
    let (line, column) = line_column(text, d.at.start);
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    format!(
        "{file}:{line}:{column}: {severity}[{}]: {}",
        d.code, d.message
    )
}

/// A mapping read and compiled.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub mapping: Mapping,
    /// The compiled handler, the mapping embedded at its end.
    pub javascript: String,
    /// Warnings about the file (it has no errors).
    pub warnings: Vec<Diagnostic>,
}

/// Reads and compiles a mapping file's `text`; `file` names it in diagnostics (as given, so an
/// editor can jump to it) and, by its last component, in the compiled handler's first comment.
/// The error is every error found, each rendered with its line and column.
pub fn load(text: &str, file: &str) -> Result<Loaded, Vec<String>> {
    let parsed = parse::parse(text);
    let Some(mapping) = parsed.mapping else {
        return Err(parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| render(file, text, d))
            .collect());
    };
    let file_name = std::path::Path::new(file)
        .file_name()
        .map_or_else(|| file.to_string(), |n| n.to_string_lossy().into_owned());
    let javascript = compile::compile(&mapping, text, &file_name);
    Ok(Loaded {
        mapping,
        javascript,
        warnings: parsed.diagnostics,
    })
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_from_one() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 3));
        assert_eq!(line_column(text, 999), (3, 1));
    }
}
