//! The Segment pane's view of an output payload: pretty-printed JSON, and the line where each
//! JSON pointer starts, so a diagnostic's `path` can mark its line. The Webhook pane marks its
//! body's lines by the same rule ([`PointerLines`]).

use std::collections::HashMap;

use serde_json::Value;

use hookbench_core::transform::WebhookOut;

use crate::highlight::{Highlighter, content_key};

/// An output payload laid out for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputView {
    /// `POST https://api.segment.io/v1/track`
    pub request_line: String,
    /// The payload, pretty-printed as `serde_json` does (two spaces).
    pub text: String,
    pub doc: u64,
    /// JSON pointer → 0-based line where that member or element starts.
    pub lines_by_pointer: PointerLines,
    /// Lines of `text` (as [`Highlighter::line_count`] counts them), counted once.
    pub line_count: usize,
    /// Compact size in bytes: what Segment's 32 KB limit counts.
    pub bytes: usize,
}

impl OutputView {
    pub fn of(webhook: &WebhookOut) -> OutputView {
        let mut printer = Printer::default();
        printer.value(&webhook.payload, String::new(), 0);
        let Printer {
            out: text,
            lines_by_pointer,
            ..
        } = printer;
        OutputView {
            request_line: format!("{} {}", webhook.method, webhook.url),
            doc: content_key(&text),
            line_count: Highlighter::line_count(&text),
            text,
            lines_by_pointer: PointerLines(lines_by_pointer),
            bytes: serde_json::to_vec(&webhook.payload).map_or(0, |v| v.len()),
        }
    }

    /// The line a diagnostic path points at (see [`PointerLines::line_of`]).
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        self.lines_by_pointer.line_of(pointer)
    }
}

/// JSON pointer → 0-based line where that member (its key) or element starts in a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PointerLines(HashMap<String, usize>);

impl PointerLines {
    /// The lines of every pointer in a JSON text as it is laid out (any indentation, members on
    /// one line or many). A text that is not valid JSON maps what precedes the fault.
    pub fn scan(text: &str) -> PointerLines {
        let mut scanner = Scanner {
            bytes: text.as_bytes(),
            at: 0,
            line: 0,
            lines: HashMap::new(),
        };
        scanner.value(String::new());
        PointerLines(scanner.lines)
    }

    /// The line a diagnostic path points at: the pointer's own line, else its nearest ancestor
    /// that exists (a missing field is marked on the object that lacks it).
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        let mut p = pointer;
        loop {
            if let Some(line) = self.0.get(p) {
                return Some(*line);
            }
            if p.is_empty() {
                return None;
            }
            p = match p.rfind('/') {
                Some(at) => &p[..at],
                None => "",
            };
        }
    }
}

/// Writes JSON like `serde_json::to_string_pretty`, noting where each pointer starts.
#[derive(Default)]
struct Printer {
    out: String,
    line: usize,
    lines_by_pointer: HashMap<String, usize>,
}

impl Printer {
    fn newline(&mut self, depth: usize) {
        self.out.push('\n');
        self.line += 1;
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn value(&mut self, value: &Value, pointer: String, depth: usize) {
        self.lines_by_pointer.insert(pointer.clone(), self.line);
        match value {
            Value::Object(map) if !map.is_empty() => {
                self.out.push('{');
                for (i, (key, member)) in map.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline(depth + 1);
                    self.out
                        .push_str(&serde_json::to_string(key).unwrap_or_default());
                    self.out.push_str(": ");
                    let child = format!("{pointer}/{}", escape_pointer(key));
                    self.value(member, child, depth + 1);
                }
                self.newline(depth);
                self.out.push('}');
            }
            Value::Array(items) if !items.is_empty() => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline(depth + 1);
                    self.value(item, format!("{pointer}/{i}"), depth + 1);
                }
                self.newline(depth);
                self.out.push(']');
            }
            scalar => self
                .out
                .push_str(&serde_json::to_string(scalar).unwrap_or_default()),
        }
    }
}

/// Walks a JSON text once, noting the line each pointer starts on. Stops at the first thing
/// that is not JSON.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
    lines: HashMap<String, usize>,
}

impl Scanner<'_> {
    fn skip_space(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// A value at `pointer`; its line is noted unless a member's key noted it already.
    fn value(&mut self, pointer: String) -> Option<()> {
        self.skip_space();
        self.lines.entry(pointer.clone()).or_insert(self.line);
        match self.peek()? {
            b'{' => {
                self.at += 1;
                loop {
                    self.skip_space();
                    match self.peek()? {
                        b'}' => {
                            self.at += 1;
                            return Some(());
                        }
                        b',' => self.at += 1,
                        b'"' => {
                            let line = self.line;
                            let key = self.string()?;
                            let child = format!("{pointer}/{}", escape_pointer(&key));
                            self.lines.insert(child.clone(), line);
                            self.skip_space();
                            if self.peek()? != b':' {
                                return None;
                            }
                            self.at += 1;
                            self.value(child)?;
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut index = 0;
                loop {
                    self.skip_space();
                    match self.peek()? {
                        b']' => {
                            self.at += 1;
                            return Some(());
                        }
                        b',' => self.at += 1,
                        _ => {
                            self.value(format!("{pointer}/{index}"))?;
                            index += 1;
                        }
                    }
                }
            }
            b'"' => self.string().map(drop),
            _ => {
                // A number, true, false or null: up to the next delimiter.
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.at += 1;
                }
                Some(())
            }
        }
    }

    /// A string starting at the quote, decoded.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        self.at += 1;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    let raw = std::str::from_utf8(self.bytes.get(start..self.at)?).ok()?;
                    return serde_json::from_str(raw).ok();
                }
                b'\n' => return None,
                _ => self.at += 1,
            }
        }
    }
}

/// RFC 6901: `~` → `~0`, `/` → `~1`.
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn webhook(payload: Value) -> WebhookOut {
        WebhookOut {
            method: "POST".into(),
            url: "https://api.segment.io/v1/track".into(),
            headers: BTreeMap::new(),
            cancel: false,
            payload,
        }
    }

    #[test]
    fn the_text_is_what_serde_json_pretty_prints() {
        let payload = json!({"userId": "u", "properties": {"a/b": [1, {"x": null}], "e": {}, "f": []}, "n": 1.5});
        let view = OutputView::of(&webhook(payload.clone()));
        assert_eq!(
            view.text,
            serde_json::to_string_pretty(&payload).expect("pretty")
        );
        assert_eq!(view.request_line, "POST https://api.segment.io/v1/track");
        assert_eq!(
            view.bytes,
            serde_json::to_vec(&payload).expect("compact").len()
        );
    }

    #[test]
    fn pointers_name_their_lines() {
        let payload =
            json!({"userId": "u", "properties": {"a/b": [1, {"x": null}], "revenue": "4.00"}});
        let view = OutputView::of(&webhook(payload));
        let lines: Vec<&str> = view.text.lines().collect();
        let at = |p: &str| lines[view.line_of(p).expect(p)].trim().to_string();
        assert_eq!(at(""), "{");
        assert_eq!(at("/userId"), "\"userId\": \"u\",");
        assert_eq!(at("/properties/revenue"), "\"revenue\": \"4.00\"");
        assert_eq!(at("/properties/a~1b/1/x"), "\"x\": null");
        assert_eq!(at("/properties/a~1b/0"), "1,");
        // A missing member is marked on the object that lacks it.
        assert_eq!(at("/properties/currency"), "\"properties\": {");
        assert_eq!(at("/anonymousId"), "{");
    }

    #[test]
    fn a_text_laid_out_any_way_maps_its_pointers() {
        let text = "{\n    \"type\": \"payment.succeeded\",\n    \"data\": {\"a~b\": [1,\n      {\"x\": \"q\\\"\\n\"}],\n\n      \"n\": null\n    }\n}\n";
        serde_json::from_str::<Value>(text).expect("valid JSON");
        let lines = PointerLines::scan(text);
        assert_eq!(lines.line_of(""), Some(0));
        assert_eq!(lines.line_of("/type"), Some(1));
        assert_eq!(lines.line_of("/data"), Some(2));
        assert_eq!(lines.line_of("/data/a~0b"), Some(2));
        assert_eq!(lines.line_of("/data/a~0b/0"), Some(2));
        assert_eq!(lines.line_of("/data/a~0b/1/x"), Some(3));
        assert_eq!(lines.line_of("/data/n"), Some(5));
        // A missing member: the object that lacks it.
        assert_eq!(lines.line_of("/data/payment_provider"), Some(2));
        // The pretty printer's text maps the same way as its own notes.
        let payload =
            json!({"userId": "u", "properties": {"a/b": [1, {"x": null}], "revenue": "4.00"}});
        let view = OutputView::of(&webhook(payload));
        assert_eq!(PointerLines::scan(&view.text), view.lines_by_pointer);
    }
}
