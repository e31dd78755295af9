//! Text for the panes: bodies pretty-printed for reading, and display widths. Escaping
//! and sizes are the core's (`hookbench_core::text`).

use serde_json::Value;
use unicode_width::UnicodeWidthChar;

/// A body as the Webhook pane shows it, and its JSON error if it does not parse. A body stored
/// on one line (as most deliveries are) is pretty-printed; one already laid out is kept exactly.
pub fn pretty_body(body: &str) -> (String, Option<String>) {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => {
            if body.trim_end().contains('\n') {
                (body.to_string(), None)
            } else {
                let pretty = serde_json::to_string_pretty(&value).unwrap_or_else(|_| body.into());
                (pretty, None)
            }
        }
        Err(e) => (
            body.to_string(),
            Some(hookbench_core::json_error::describe(&e)),
        ),
    }
}

/// Columns a character takes on screen; tabs count as two (how the panes draw them).
pub fn char_width(c: char) -> usize {
    if c == '\t' { 2 } else { c.width().unwrap_or(0) }
}

/// Columns the first `chars` characters of a line take.
pub fn columns_before(line: &str, chars: usize) -> usize {
    line.chars().take(chars).map(char_width).sum()
}

/// Shortens `text` to at most `width` columns, ending with `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    let total: usize = text.chars().map(char_width).sum();
    if total <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_bodies_are_pretty_printed_and_laid_out_ones_kept() {
        let (text, error) = pretty_body("{\"a\":1,\"b\":[true]}");
        assert_eq!(text, "{\n  \"a\": 1,\n  \"b\": [\n    true\n  ]\n}");
        assert!(error.is_none());
        let laid_out = "{\n    \"a\": 1\n}\n";
        assert_eq!(pretty_body(laid_out).0, laid_out);
    }

    #[test]
    fn a_bad_body_is_kept_with_its_position() {
        let (text, error) = pretty_body("{\n  \"a\": ,\n}");
        assert_eq!(text, "{\n  \"a\": ,\n}");
        let error = error.expect("error");
        assert!(error.starts_with("line 2, column 8: "), "{error}");
        assert!(!error.contains(" at line "), "{error}");
    }

    #[test]
    fn widths_and_truncation() {
        assert_eq!(columns_before("\tab", 2), 3);
        assert_eq!(truncate("payment.succeeded", 8), "payment…");
        assert_eq!(truncate("short", 8), "short");
    }
}
