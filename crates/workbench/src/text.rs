//! Text for the panes: display widths. Escaping
//! and sizes are the core's (`hookbench_core::text`).

use unicode_width::UnicodeWidthChar;

/// Columns a character takes on screen; tabs count as two (how the panes draw them).
pub fn char_width(c: char) -> usize {
    if c == '\t' { 2 } else { c.width().unwrap_or(0) }
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

/// The width of a code gutter (a mark, the line number, a space) for a text of `lines` lines.
pub fn gutter_width(lines: usize) -> u16 {
    let number_width = lines.max(1).to_string().len().max(2);
    u16::try_from(number_width + 2).unwrap_or(u16::MAX)
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
    fn widths_and_truncation() {
        assert_eq!(columns_before("\tab", 2), 3);
        assert_eq!(truncate("payment.succeeded", 8), "payment…");
        assert_eq!(truncate("short", 8), "short");
    }
}
