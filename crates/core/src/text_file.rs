//! Text read from a file or a stream, decided the same way wherever a body is read: one leading
//! UTF-8 byte-order mark dropped, and bytes that are not UTF-8 refused with their position.

/// The UTF-8 byte-order mark some editors put at the start of a file.
const BOM: char = '\u{feff}';

/// `text` without one leading byte-order mark. JSON parsers refuse the mark, and editors on some
/// platforms write it, so every body read (fixture files, payload files, the first line of a
/// JSONL stream, stdin) goes through here.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

/// Where the first byte that is not UTF-8 is: 1-based line, and column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: not UTF-8 text")]
pub struct NotUtf8 {
    pub line: usize,
    pub column: usize,
}

/// The text of `bytes` without a leading byte-order mark, or where it stops being UTF-8.
pub fn decode(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(match strip_bom(&text).len() {
            len if len == text.len() => text,
            len => text[text.len() - len..].to_string(),
        }),
        Err(e) => {
            let bytes = e.as_bytes();
            let valid = &bytes[..e.utf8_error().valid_up_to()];
            // `valid` is UTF-8 by construction; the fallback never runs.
            let before = std::str::from_utf8(valid).unwrap_or_default();
            let before = strip_bom(before);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(NotUtf8 { line, column })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_leading_mark_is_dropped() {
        assert_eq!(strip_bom("\u{feff}{}"), "{}");
        assert_eq!(strip_bom("\u{feff}\u{feff}{}"), "\u{feff}{}");
        assert_eq!(strip_bom("{}\u{feff}"), "{}\u{feff}");
        assert_eq!(
            decode(b"\xEF\xBB\xBF{\"a\":1}".to_vec()),
            Ok("{\"a\":1}".into())
        );
        assert_eq!(decode(b"{}".to_vec()), Ok("{}".into()));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_placed() {
        assert_eq!(
            decode(b"{\n  \"type\": \"a\xff\"}".to_vec()),
            Err(NotUtf8 {
                line: 2,
                column: 13
            })
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBF\xff".to_vec()),
            Err(NotUtf8 { line: 1, column: 1 })
        );
    }
}
