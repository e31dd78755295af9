//! Text functions shared by every front end: text from the network made safe to show, byte sizes
//! and counts for people, short times, line numbers of offsets and error chains in words.

use std::error::Error;

/// Whether `c` must never reach a terminal raw: a control character (C0, DEL, C1, U+009B CSI
/// among them) or a bidirectional override or isolate (U+202A–U+202E, U+2066–U+2069), which
/// reorder what a terminal shows.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text made safe for a terminal: every unsafe character ([`is_unsafe_char`]: control
/// characters, escape sequences above all, and bidi overrides) shown as `\xNN` (or `\u{NNNN}`
/// beyond U+00FF); line breaks and tabs are kept when `keep_lines`.
pub fn escape_controls(text: &str, keep_lines: bool) -> String {
    if !text.chars().any(is_unsafe_char) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        let kept = keep_lines && matches!(c, '\n' | '\t' | '\r');
        if is_unsafe_char(c) && !kept {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write as _;
    if (c as u32) < 0x100 {
        let _ = write!(out, "\\x{:02X}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:X}}}", c as u32);
    }
}

/// A value shown with [`escape_controls`] (line breaks escaped too): for `format!` arguments
/// that hold data from a body, a file, a transformation or the network.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a>(pub &'a str);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.chars().any(is_unsafe_char) {
            f.write_str(&escape_controls(self.0, false))
        } else {
            f.write_str(self.0)
        }
    }
}

/// How a [`SafeWriter`] writes an unsafe character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escaping {
    /// `\x1B`, `\u{202E}`: text for people.
    Text,
    /// `\u001b`, `\u202e`: the same JSON value (the writer only ever sees unsafe characters
    /// inside JSON strings, where this escape means the character itself).
    Json,
}

/// A writer that lets no unsafe character ([`is_unsafe_char`]) through, whatever its callers
/// write: the last guard of every output stream of a command. In text mode the exact escape
/// sequences given as `allowed` (the program's own colours) pass; every other unsafe character
/// is escaped. In JSON mode unsafe characters (serde leaves DEL, C1 and bidi controls raw)
/// become `\uXXXX` escapes, which keeps the JSON value the same.
///
/// Output is processed a line at a time, so a character or an allowed sequence split across
/// two writes is still recognised; [`Write::flush`] and dropping the writer write the rest.
pub struct SafeWriter<W: std::io::Write> {
    inner: W,
    escaping: Escaping,
    allowed: Vec<Vec<u8>>,
    pending: Vec<u8>,
    /// Where a line is made safe before it is written, kept between lines.
    scratch: Vec<u8>,
}

/// Whether all eight bytes of `word` are printable ASCII (0x20 to 0x7E). A byte below 0x20
/// borrows through `- 0x20` into its own top bit, and one of 0x7F or above carries into it
/// through `+ 0x01` or has it already; a borrow or carry that spills into the next byte only ever
/// adds a false "no", which sends the bytes the slow way.
fn all_printable_ascii(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    let from_del = word.wrapping_add(ONES) | word;
    (below_space | from_del) & TOPS == 0
}

/// The character `bytes` starts with, when they start with a whole UTF-8 character.
fn char_at(bytes: &[u8]) -> Option<char> {
    let width = match bytes.first()? {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let text = std::str::from_utf8(bytes.get(..width)?).ok()?;
    text.chars().next()
}

/// Past this many pending bytes without a line break, a [`SafeWriter`] writes what it has.
const SAFE_WRITER_MAX_PENDING: usize = 64 * 1024;

impl<W: std::io::Write> SafeWriter<W> {
    /// Text for people: `allowed` are the exact sequences that pass (colours and resets).
    pub fn text(inner: W, allowed: Vec<Vec<u8>>) -> SafeWriter<W> {
        SafeWriter {
            inner,
            escaping: Escaping::Text,
            allowed,
            pending: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// JSON or JSON lines.
    pub fn json(inner: W) -> SafeWriter<W> {
        SafeWriter {
            inner,
            escaping: Escaping::Json,
            allowed: Vec::new(),
            pending: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Writes `bytes` made safe to the inner writer, in one write. Runs of bytes that need no
    /// look (printable ASCII, line breaks, tabs and safe multi-byte characters) are copied whole;
    /// only an escape, an unsafe character or a byte that is not UTF-8 is looked at on its own.
    fn write_safe(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        out.reserve(bytes.len() + 16);
        // Bytes from `plain` up to `i` are passed as they are.
        let (mut plain, mut i) = (0, 0);
        while i < bytes.len() {
            // Eight printable ASCII bytes at a time: most of any output is nothing else.
            if let Some(word) = bytes.get(i..i + 8) {
                let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
                if all_printable_ascii(word) {
                    i += 8;
                    continue;
                }
            }
            let b = bytes[i];
            if (0x20..0x7F).contains(&b) || b == b'\n' || b == b'\t' {
                i += 1;
                continue;
            }
            if b >= 0x80
                && let Some(c) = char_at(&bytes[i..])
                && !is_unsafe_char(c)
            {
                i += c.len_utf8();
                continue;
            }
            out.extend_from_slice(&bytes[plain..i]);
            if b == 0x1B
                && let Some(seq) = self.allowed.iter().find(|a| bytes[i..].starts_with(a))
            {
                out.extend_from_slice(seq);
                i += seq.len();
            } else if let Some(c) = char_at(&bytes[i..]) {
                let mut escaped = String::new();
                match self.escaping {
                    Escaping::Text => push_escaped(&mut escaped, c),
                    Escaping::Json => {
                        use std::fmt::Write as _;
                        let _ = write!(escaped, "\\u{:04x}", c as u32);
                    }
                }
                out.extend_from_slice(escaped.as_bytes());
                i += c.len_utf8();
            } else {
                // Not UTF-8: each such byte is shown as itself.
                out.extend_from_slice(format!("\\x{b:02X}").as_bytes());
                i += 1;
            }
            plain = i;
        }
        out.extend_from_slice(&bytes[plain..]);
        let written = self.inner.write_all(&out);
        self.scratch = out;
        written
    }

    /// Writes the pending bytes up to the last line break, `newline` when the bytes just
    /// added hold one, or most of them when they grew long without one (never cutting a
    /// character or a possible allowed sequence).
    fn drain_lines(&mut self, newline: Option<usize>) -> std::io::Result<()> {
        let cut = match newline {
            Some(nl) => nl + 1,
            None if self.pending.len() > SAFE_WRITER_MAX_PENDING => {
                let mut cut = self.pending.len().saturating_sub(32);
                // Back to a character start.
                while cut > 0 && (self.pending[cut] & 0xC0) == 0x80 {
                    cut -= 1;
                }
                cut
            }
            None => 0,
        };
        if cut > 0 {
            let pending = std::mem::take(&mut self.pending);
            let written = self.write_safe(&pending[..cut]);
            self.pending = pending;
            self.pending.drain(..cut);
            written?;
        }
        Ok(())
    }

    /// The inner writer (what has been written so far reached it only after a flush).
    pub fn get_ref(&self) -> &W {
        &self.inner
    }
}

impl<W: std::io::Write> std::io::Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Only the new bytes are searched: the pending ones hold no line break.
        let newline = buf
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|i| self.pending.len() + i);
        self.pending.extend_from_slice(buf);
        self.drain_lines(newline)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        self.write_safe(&rest)?;
        self.inner.flush()
    }
}

impl<W: std::io::Write> Drop for SafeWriter<W> {
    fn drop(&mut self) {
        // Nothing can report an error from a drop; a failed write here is a closed stream.
        let _ = std::io::Write::flush(self);
    }
}

/// A URL as it may be shown or stored: without its user info (`user:password@`), which can
/// hold a key. Text that is not a URL loses everything between `//` and the last `@` before
/// the path.
pub fn without_userinfo(url: &str) -> String {
    if let Ok(mut parsed) = url::Url::parse(url) {
        if parsed.username().is_empty() && parsed.password().is_none() {
            return url.to_string();
        }
        // Only URLs that cannot be a base refuse these, and they have no user info.
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        return parsed.to_string();
    }
    let Some(start) = url.find("//").map(|i| i + 2) else {
        return url.to_string();
    };
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &url[..start], &url[start + at + 1..]),
        None => url.to_string(),
    }
}

/// Whether `url` carries user info (`user:password@host`).
pub fn has_userinfo(url: &url::Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
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
        .map(|c| if is_unsafe_char(c) { ' ' } else { c })
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
        assert_eq!(
            escape_controls("a\u{202E}b\u{2066}", true),
            "a\\u{202E}b\\u{2066}"
        );
        assert_eq!(Shown("\u{1b}]0;x\u{7}").to_string(), "\\x1B]0;x\\x07");
    }

    fn through(writer: impl FnOnce(Vec<u8>) -> SafeWriter<Vec<u8>>, parts: &[&[u8]]) -> String {
        use std::io::Write as _;
        let mut w = writer(Vec::new());
        for part in parts {
            w.write_all(part).expect("write");
        }
        w.flush().expect("flush");
        String::from_utf8(w.get_ref().clone()).expect("utf-8")
    }

    #[test]
    fn the_safe_writer_escapes_all_but_the_allowed_sequences() {
        let text = |inner| SafeWriter::text(inner, vec![b"\x1b[1m".to_vec(), b"\x1b[0m".to_vec()]);
        assert_eq!(
            through(text, &[b"\x1b[1mok\x1b[0m \x1b]0;pwned\x07 \x1b[2J\n"]),
            "\x1b[1mok\x1b[0m \\x1B]0;pwned\\x07 \\x1B[2J\n"
        );
        // A C1 control and a bidi override split across writes.
        let c1 = "\u{9b}31m\u{202E}\n".as_bytes();
        assert_eq!(
            through(text, &[&c1[..1], &c1[1..6], &c1[6..]]),
            "\\x9B31m\\u{202E}\n"
        );
        // An allowed sequence split across writes still passes.
        assert_eq!(through(text, &[b"\x1b[", b"1mx\n"]), "\x1b[1mx\n");
        assert_eq!(through(text, &[b"bad \xff\n"]), "bad \\xFF\n");
        // Safe multi-byte characters pass whole; a cut one is shown byte by byte.
        assert_eq!(
            through(text, &["café ✓\t".as_bytes(), b"\xe2\x82A\xf0\n"]),
            "café ✓\t\\xE2\\x82A\\xF0\n"
        );
    }

    #[test]
    fn the_word_test_finds_every_byte_that_is_not_printable_ascii() {
        for position in 0..8 {
            for byte in 0..=255u8 {
                let mut word = *b"abcdefgh";
                word[position] = byte;
                // The neighbours that borrow or carry most.
                for fill in [b' ', b'~'] {
                    let mut filled = [fill; 8];
                    filled[position] = byte;
                    for bytes in [word, filled] {
                        assert_eq!(
                            all_printable_ascii(u64::from_le_bytes(bytes)),
                            bytes.iter().all(|b| (0x20..0x7F).contains(b)),
                            "{bytes:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_safe_writer_keeps_json_values() {
        let value = serde_json::json!({"type": "\u{1b}[2J\u{9b}31m\u{202E}\u{7f}"});
        let written = through(SafeWriter::json, &[value.to_string().as_bytes(), b"\n"]);
        assert!(
            !written.chars().any(|c| is_unsafe_char(c) && c != '\n'),
            "{written}"
        );
        let back: serde_json::Value = serde_json::from_str(&written).expect("json");
        assert_eq!(back, value);
    }

    #[test]
    fn user_info_is_left_out_of_urls() {
        assert_eq!(
            without_userinfo("http://wk_SECRET:@127.0.0.1:9/v1"),
            "http://127.0.0.1:9/v1"
        );
        assert_eq!(
            without_userinfo("https://u:p@api.segment.io/v1/track?a=b@c"),
            "https://api.segment.io/v1/track?a=b@c"
        );
        assert_eq!(without_userinfo("http://h/p@x"), "http://h/p@x");
        assert_eq!(without_userinfo("http://k:@[bad/x"), "http://[bad/x");
        assert_eq!(without_userinfo("not a url"), "not a url");
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
