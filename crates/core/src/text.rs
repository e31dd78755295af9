//! Text functions shared by every front end: text from the network made safe to show, byte sizes
//! and counts for people, short times, line numbers of offsets and error chains in words.

use std::error::Error;

/// Text made safe for a terminal: every control character (escape sequences above all) shown as
/// `\xNN` (or `\u{NNNN}` beyond U+00FF); line breaks and tabs are kept when `keep_lines`.
pub fn escape_controls(text: &str, keep_lines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let kept = keep_lines && matches!(c, '\n' | '\t' | '\r');
        if c.is_control() && !kept {
            if (c as u32) < 0x100 {
                out.push_str(&format!("\\x{:02X}", c as u32));
            } else {
                out.push_str(&format!("\\u{{{:X}}}", c as u32));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Bytes as text: valid UTF-8 as is, every other byte as `\xNN`, so nothing is hidden and
/// nothing reaches the terminal raw.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// At most `max` characters, ending with `…` when cut; control characters become spaces, so a
/// value fits on its line.
pub fn shorten(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A byte count for people: `812 B`, `1.2 KB`, `3.4 MB` (1 KB = 1,000 bytes).
pub fn human_bytes(n: usize) -> String {
    if n < 1_000_000 {
        kilobytes(n)
    } else {
        format!("{:.1} MB", n as f64 / 1_000_000.0)
    }
}

/// A byte count in bytes or kilobytes only: `412 B`, `31.2 KB`, `1234.5 KB`, as Segment's
/// limits are read (1 KB = 1,000 bytes).
pub fn kilobytes(n: usize) -> String {
    if n < 1_000 {
        format!("{n} B")
    } else {
        format!("{:.1} KB", n as f64 / 1_000.0)
    }
}

/// A number with its thousands grouped: `12,345`.
pub fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `14:02:11` from an RFC 3339 time, in the offset it was written with; the text itself when it
/// is not one.
pub fn short_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// `14:02:11` from an RFC 3339 time, in this machine's time zone; the text itself when it is
/// not one.
pub fn short_local_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The 1-based line of a byte offset (offsets past the end count as the last line).
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// An error and all its sources, joined with `: `.
pub fn error_chain(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    for cause in sources(error) {
        text.push_str(": ");
        text.push_str(&cause.to_string());
    }
    text
}

/// An error and its sources joined with `: `, leaving out a source whose text the chain already
/// ends with (wrappers that repeat their cause).
pub fn error_chain_deduplicated(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    for cause in sources(error) {
        let cause = cause.to_string();
        if !text.ends_with(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// The sources of an error, outermost first (the error itself not included).
pub fn sources<'a>(
    error: &'a (dyn Error + 'static),
) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(error.source(), |&e| e.source())
}

/// The innermost cause of an error: the last of its sources, or the error itself.
pub fn root_cause<'a>(error: &'a (dyn Error + 'static)) -> &'a (dyn Error + 'static) {
    sources(error).last().unwrap_or(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Layer {
        text: &'static str,
        #[source]
        source: Option<Box<Layer>>,
    }

    fn layers(texts: &[&'static str]) -> Layer {
        texts
            .iter()
            .rev()
            .fold(None, |inner, text| {
                Some(Layer {
                    text,
                    source: inner.map(Box::new),
                })
            })
            .expect("at least one layer")
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape_controls("msg_\u{1b}[31mred", false),
            "msg_\\x1B[31mred"
        );
        assert_eq!(escape_controls("a\nb", false), "a\\x0Ab");
        assert_eq!(escape_controls("a\n\tb\u{7f}", true), "a\n\tb\\x7F");
        assert_eq!(escape_controls("\u{9b}", false), "\\x9B");
        assert_eq!(escape_controls("ünïcode ✓", false), "ünïcode ✓");
    }

    #[test]
    fn invalid_utf8_is_escaped() {
        assert_eq!(escape_bytes(b"ok \xff\xfe end"), "ok \\xFF\\xFE end");
        assert_eq!(escape_bytes("héllo".as_bytes()), "héllo");
    }

    #[test]
    fn shortening_cuts_and_blanks_controls() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abcd", 4), "abcd");
        assert_eq!(shorten("a\nb", 4), "a b");
    }

    #[test]
    fn sizes_and_counts() {
        assert_eq!(human_bytes(812), "812 B");
        assert_eq!(human_bytes(1234), "1.2 KB");
        assert_eq!(human_bytes(3_400_000), "3.4 MB");
        assert_eq!(kilobytes(412), "412 B");
        assert_eq!(kilobytes(40_123), "40.1 KB");
        assert_eq!(kilobytes(1_234_500), "1234.5 KB");
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(12), "12");
        assert_eq!(group_digits(32_000), "32,000");
        assert_eq!(group_digits(475_000), "475,000");
        assert_eq!(group_digits(500_000), "500,000");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }

    #[test]
    fn short_times() {
        assert_eq!(short_time("2026-02-03T15:02:11.5+01:00"), "15:02:11");
        assert_eq!(short_time("yesterday"), "yesterday");
        assert_eq!(short_local_time("yesterday"), "yesterday");
    }

    #[test]
    fn lines_of_offsets() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }

    #[test]
    fn error_chains() {
        let error = layers(&["outer", "middle", "inner"]);
        assert_eq!(error_chain(&error), "outer: middle: inner");
        assert_eq!(root_cause(&error).to_string(), "inner");
        let repeating = layers(&["read failed: inner", "inner"]);
        assert_eq!(error_chain(&repeating), "read failed: inner: inner");
        assert_eq!(error_chain_deduplicated(&repeating), "read failed: inner");
        let single = layers(&["only"]);
        assert_eq!(root_cause(&single).to_string(), "only");
    }
}
