//! The path syntax of a mapping (`data.product_cart[0].product_id`, `data.metadata["order.ref"]`)
//! and its templates (`"{data.a}-{data.b}"`), both ways: text to segments and segments to text.

use super::model::{PathSegment, SourcePath, TemplatePart};

/// What is wrong with a path or a template, and where: `offset` is a byte offset in its text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}")]
pub struct PathError {
    pub offset: usize,
    pub problem: PathProblem,
}

/// The ways a path or a template can be malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathProblem {
    #[error("the path is empty")]
    Empty,
    #[error("expected a key after `.`")]
    KeyAfterDot,
    #[error(
        "expected a key, `.` or `[` here, not `{0}` (a key with other characters is written [\"…\"])"
    )]
    Unexpected(char),
    #[error("unclosed `[`")]
    UnclosedBracket,
    #[error("index is not a number")]
    IndexNotNumber,
    #[error("the quoted key is not a JSON string")]
    BadQuotedKey,
    #[error("unclosed `{{` in the template")]
    UnclosedBrace,
    #[error("lone `}}` in the template (write `}}}}` for a brace)")]
    LoneBrace,
}

impl PathError {
    fn at(offset: usize, problem: PathProblem) -> PathError {
        PathError { offset, problem }
    }
}

/// True for the characters a key may have without quoting.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '-')
}

/// Reads a path: keys joined by `.`, `[n]` indices and `["…"]` quoted keys.
pub fn parse_path(text: &str) -> Result<SourcePath, PathError> {
    if text.is_empty() {
        return Err(PathError::at(0, PathProblem::Empty));
    }
    let mut segments = Vec::new();
    let mut i = 0;
    // A bare key may start the path or follow a dot; a `[` may follow anything.
    let mut key_allowed = true;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or('\0');
        if c == '[' {
            let (segment, next) = bracket(text, i)?;
            segments.push(segment);
            i = next;
            key_allowed = false;
        } else if c == '.' && !segments.is_empty() {
            let start = i + 1;
            let end = plain_end(text, start);
            if end == start {
                return Err(PathError::at(start, PathProblem::KeyAfterDot));
            }
            segments.push(PathSegment::Key(text[start..end].to_string()));
            i = end;
        } else if key_allowed && is_plain(c) {
            let end = plain_end(text, i);
            segments.push(PathSegment::Key(text[i..end].to_string()));
            i = end;
            key_allowed = false;
        } else {
            return Err(PathError::at(i, PathProblem::Unexpected(c)));
        }
    }
    Ok(SourcePath {
        text: text.to_string(),
        segments,
    })
}

fn plain_end(text: &str, start: usize) -> usize {
    text[start..]
        .char_indices()
        .find(|(_, c)| !is_plain(*c))
        .map_or(text.len(), |(j, _)| start + j)
}

/// Reads `[n]` or `["key"]` starting at the `[` at `open`; returns the segment and the offset
/// after the `]`.
fn bracket(text: &str, open: usize) -> Result<(PathSegment, usize), PathError> {
    let inner = open + 1;
    let rest = &text[inner..];
    if rest.starts_with('"') {
        let end = string_end(text, inner)
            .ok_or_else(|| PathError::at(open, PathProblem::UnclosedBracket))?;
        let key: String = serde_json::from_str(&text[inner..end])
            .map_err(|_| PathError::at(inner, PathProblem::BadQuotedKey))?;
        if !text[end..].starts_with(']') {
            return Err(PathError::at(open, PathProblem::UnclosedBracket));
        }
        return Ok((PathSegment::Key(key), end + 1));
    }
    let Some(close) = rest.find(']') else {
        return Err(PathError::at(open, PathProblem::UnclosedBracket));
    };
    let digits = &rest[..close];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PathError::at(inner, PathProblem::IndexNotNumber));
    }
    let index = digits
        .parse::<usize>()
        .map_err(|_| PathError::at(inner, PathProblem::IndexNotNumber))?;
    Ok((PathSegment::Index(index), inner + close + 1))
}

/// The offset just after the JSON string starting with the `"` at `start`, if it is closed.
fn string_end(text: &str, start: usize) -> Option<usize> {
    let mut escaped = false;
    for (j, c) in text[start + 1..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(start + 1 + j + 1),
            _ => {}
        }
    }
    None
}

/// A path written back in the syntax `parse_path` reads: plain keys dotted, other keys as
/// `["…"]` (JSON-quoted), indices as `[n]`.
pub fn display(path: &[PathSegment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            PathSegment::Key(key) if !key.is_empty() && key.chars().all(is_plain) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            PathSegment::Key(key) => {
                out.push('[');
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(']');
            }
            PathSegment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Reads a template: text with `{path}` placeholders, `{{` and `}}` for literal braces.
pub fn parse_template(text: &str) -> Result<Vec<TemplatePart>, PathError> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().is_some_and(|(_, n)| *n == '{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek().is_some_and(|(_, n)| *n == '}') => {
                chars.next();
                literal.push('}');
            }
            '}' => return Err(PathError::at(i, PathProblem::LoneBrace)),
            '{' => {
                let start = i + 1;
                let end = placeholder_end(text, start)
                    .ok_or_else(|| PathError::at(i, PathProblem::UnclosedBrace))?;
                let path = parse_path(&text[start..end]).map_err(|e| PathError {
                    offset: start + e.offset,
                    problem: e.problem,
                })?;
                if !literal.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut literal)));
                }
                parts.push(TemplatePart::Path(path));
                while chars.peek().is_some_and(|(j, _)| *j <= end) {
                    chars.next();
                }
            }
            _ => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(TemplatePart::Text(literal));
    }
    Ok(parts)
}

/// The offset of the `}` closing a placeholder whose path starts at `start`; a `}` inside a
/// quoted key does not close it.
fn placeholder_end(text: &str, start: usize) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (j, c) in text[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '}' if !in_string => return Some(start + j),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(path: &str) -> Vec<PathSegment> {
        parse_path(path).expect("parses").segments
    }

    fn err(path: &str) -> (usize, String) {
        let e = parse_path(path).expect_err("fails");
        (e.offset, e.to_string())
    }

    #[test]
    fn paths_read_keys_indices_and_quoted_keys() {
        assert_eq!(
            keys("data.product_cart[0].product_id"),
            vec![
                PathSegment::Key("data".into()),
                PathSegment::Key("product_cart".into()),
                PathSegment::Index(0),
                PathSegment::Key("product_id".into()),
            ]
        );
        assert_eq!(
            keys(r#"data.metadata["order.ref"]"#),
            vec![
                PathSegment::Key("data".into()),
                PathSegment::Key("metadata".into()),
                PathSegment::Key("order.ref".into()),
            ]
        );
        assert_eq!(
            keys("timestamp"),
            vec![PathSegment::Key("timestamp".into())]
        );
        assert_eq!(
            keys(r#"["a b"][12]"#),
            vec![PathSegment::Key("a b".into()), PathSegment::Index(12)]
        );
    }

    #[test]
    fn canonical_paths_round_trip() {
        for path in [
            "timestamp",
            "data.product_cart[0].product_id",
            r#"data.metadata["order.ref"]"#,
            r#"data.metadata["quote\"d"].x"#,
            "data.$weird-key_1",
            r#"["é"][3][4]"#,
            r#"data[""]"#,
        ] {
            assert_eq!(display(&keys(path)), path);
        }
    }

    #[test]
    fn malformed_paths_say_what_and_where() {
        assert_eq!(err("data.").0, 5);
        assert_eq!(err("data.").1, "expected a key after `.`");
        assert_eq!(err("data..x").0, 5);
        assert_eq!(err("data.cart[0").0, 9);
        assert_eq!(err("data.cart[0").1, "unclosed `[`");
        assert_eq!(err(r#"data.m["a"#).0, 6);
        assert_eq!(err("data.cart[x]").0, 10);
        assert_eq!(err("data.cart[x]").1, "index is not a number");
        assert_eq!(err("data.cart[]").0, 10);
        assert_eq!(err("data.cart[-1]").0, 10);
        assert_eq!(err("data cart").0, 4);
        assert_eq!(err(".data").0, 0);
        assert_eq!(err("data.a]").0, 6);
        assert_eq!(err("").1, "the path is empty");
        assert_eq!(err(r#"data["\q"]"#).0, 5);
    }

    #[test]
    fn templates_read_placeholders_and_escapes() {
        let parts = parse_template("{data.a}-{{x}}-{data.m[\"}\"]}").expect("parses");
        assert_eq!(
            parts,
            vec![
                TemplatePart::Path(parse_path("data.a").expect("path")),
                TemplatePart::Text("-{x}-".into()),
                TemplatePart::Path(parse_path("data.m[\"}\"]").expect("path")),
            ]
        );
        assert_eq!(
            parse_template("plain").expect("parses"),
            vec![TemplatePart::Text("plain".into())]
        );
        assert!(parse_template("").expect("parses").is_empty());
    }

    #[test]
    fn malformed_templates_say_what_and_where() {
        let e = parse_template("ab{data.a").expect_err("unclosed");
        assert_eq!((e.offset, e.problem), (2, PathProblem::UnclosedBrace));
        let e = parse_template("ab}c").expect_err("lone");
        assert_eq!((e.offset, e.problem), (2, PathProblem::LoneBrace));
        let e = parse_template("x-{data.}").expect_err("bad path");
        assert_eq!((e.offset, e.problem), (8, PathProblem::KeyAfterDot));
        let e = parse_template("{}").expect_err("empty");
        assert_eq!((e.offset, e.problem), (1, PathProblem::Empty));
    }
}
