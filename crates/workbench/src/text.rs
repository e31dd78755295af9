//! Text for the panes: the one door through which text becomes a span or a line, and display
//! widths. Whatever a view draws (bodies, headers, event types, console lines, file names,
//! messages) passes [`shown`]: the core's rule ([`is_unsafe_char`]) decides which characters
//! would reach the terminal raw, and those are drawn escaped (`\x1B`, `\u{202E}`). Sizes and
//! the escaping itself are the core's (`hookbench_core::text`).

use std::borrow::Cow;

use hookbench_core::text::{escape_controls, is_unsafe_char};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// What a tab becomes on screen: the panes are narrow and JSON/JS indent by two.
const TAB: &str = "  ";

/// Text as a pane draws it: tabs as two spaces, every other unsafe character escaped.
/// Borrowed, without a copy, when there is nothing to escape (nearly always).
pub fn shown<'a>(text: impl Into<Cow<'a, str>>) -> Cow<'a, str> {
    let text = text.into();
    if !text.chars().any(is_unsafe_char) {
        return text;
    }
    Cow::Owned(escape_controls(&text.replace('\t', TAB), false))
}

/// A styled span of `text`, made safe with [`shown`].
pub fn span<'a>(text: impl Into<Cow<'a, str>>, style: impl Into<Style>) -> Span<'a> {
    Span::styled(shown(text), style)
}

/// An unstyled span of `text`, made safe with [`shown`].
pub fn raw_span<'a>(text: impl Into<Cow<'a, str>>) -> Span<'a> {
    Span::raw(shown(text))
}

/// A styled line of `text`, made safe with [`shown`].
pub fn styled_line<'a>(text: impl Into<Cow<'a, str>>, style: impl Into<Style>) -> Line<'a> {
    Line::styled(shown(text), style)
}

/// An unstyled line of `text`, made safe with [`shown`].
pub fn raw_line<'a>(text: impl Into<Cow<'a, str>>) -> Line<'a> {
    Line::raw(shown(text))
}

/// Columns a character takes on screen as [`shown`] draws it: tabs count as two, an unsafe
/// character as its escape.
pub fn char_width(c: char) -> usize {
    // Most text is printable ASCII, one column each, without a look in the width tables.
    if (' '..='~').contains(&c) {
        1
    } else if c == '\t' {
        TAB.len()
    } else if is_unsafe_char(c) {
        let mut bytes = [0u8; 4];
        // The escape is ASCII: one column a byte.
        escape_controls(c.encode_utf8(&mut bytes), false).len()
    } else {
        c.width().unwrap_or(0)
    }
}

/// Columns the first `chars` characters of a line take.
pub fn columns_before(line: &str, chars: usize) -> usize {
    line.chars().take(chars).map(char_width).sum()
}

/// The character at or under column `column` of a line: the inverse of [`columns_before`]
/// (a click on the right half of a wide character lands on it; past the end, the end).
pub fn char_at_column(line: &str, column: usize) -> usize {
    let mut used = 0;
    for (i, c) in line.chars().enumerate() {
        used += char_width(c);
        if used > column {
            return i;
        }
    }
    line.chars().count()
}

/// `text` as [`shown`], shortened to at most `width` columns, ending with `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    let text = shown(text);
    let total: usize = text.chars().map(char_width).sum();
    if total <= width {
        return text.into_owned();
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
    use std::path::Path;

    #[test]
    fn widths_and_truncation() {
        assert_eq!(columns_before("\tab", 2), 3);
        assert_eq!(truncate("payment.succeeded", 8), "payment…");
        assert_eq!(truncate("short", 8), "short");
    }

    #[test]
    fn unsafe_characters_are_drawn_escaped_and_counted_so() {
        let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202E}x\ty";
        let drawn = shown(hostile);
        assert_eq!(drawn, "\\x1B]0;pwned\\x07\\x1B[2J\\x9B31m\\u{202E}x  y");
        assert!(!drawn.chars().any(is_unsafe_char));
        assert!(matches!(shown("plain ✓"), Cow::Borrowed(_)));
        // The cursor sits after the escape, where the character is drawn.
        assert_eq!(columns_before("\u{1b}a", 1), 4);
        assert_eq!(columns_before("\u{202E}a", 1), "\\u{202E}".len());
        let cut = truncate(hostile, 12);
        assert_eq!(cut, "\\x1B]0;pwne…");
        for text in [
            span(hostile, Style::default()).content,
            raw_span(hostile).content,
        ] {
            assert!(!text.chars().any(is_unsafe_char), "{text}");
        }
        for line in [styled_line(hostile, Style::default()), raw_line(hostile)] {
            assert!(!line.to_string().chars().any(is_unsafe_char), "{line}");
        }
    }

    /// The code of a view without comments and without its inline test module (which comes
    /// last).
    fn production_lines(text: &str) -> Vec<String> {
        let mut lines = Vec::new();
        for line in text.lines() {
            if line.trim() == "#[cfg(test)]" {
                break;
            }
            let code = line.find("//").map_or(line, |at| &line[..at]);
            lines.push(code.to_string());
        }
        lines
    }

    /// Where a view makes text into a span, a line or a cell other than through this file's
    /// helpers: any such place could draw a body's escape sequence raw.
    fn raw_text_uses(code: &str) -> Vec<&'static str> {
        const FORBIDDEN: [&str; 8] = [
            "Span::",
            "Line::raw",
            "Line::styled",
            "Text::",
            "Span {",
            "set_symbol",
            "set_string",
            "set_span",
        ];
        // Lines are built from spans only: a list of them or a variable holding one.
        const LINE_FROM_ALLOWED: [&str; 4] = ["vec![", "spans)", "line)", "pieces)"];
        let mut found: Vec<&'static str> =
            FORBIDDEN.into_iter().filter(|f| code.contains(f)).collect();
        let mut rest = code;
        while let Some(at) = rest.find("Line::from(") {
            rest = &rest[at + "Line::from(".len()..];
            let args = rest.trim_start();
            if !LINE_FROM_ALLOWED.iter().any(|a| args.starts_with(a)) {
                found.push("Line::from(<text>)");
            }
        }
        found
    }

    #[test]
    fn the_raw_text_check_catches_what_it_is_for() {
        assert_eq!(raw_text_uses("Span::styled(body, s)"), ["Span::"]);
        assert_eq!(
            raw_text_uses("Line::from(format!(\"{x}\"))"),
            ["Line::from(<text>)"]
        );
        assert!(raw_text_uses("Line::from(vec![span(a, s)]) Line::from(spans)").is_empty());
    }

    #[test]
    fn views_make_text_into_spans_only_through_this_file() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/view");
        let mut offences = Vec::new();
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).expect("the view sources") {
            let path = entry.expect("a view source").path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).expect("readable");
            for (number, line) in production_lines(&text).iter().enumerate() {
                for what in raw_text_uses(line) {
                    offences.push(format!(
                        "{}:{}: {what}: use crate::text::{{span, raw_span, styled_line, raw_line}}",
                        path.display(),
                        number + 1
                    ));
                }
            }
        }
        assert!(files > 10, "the views were not found in {}", dir.display());
        assert!(offences.is_empty(), "{}", offences.join("\n"));
    }
}
