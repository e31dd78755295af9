//! The Segment pane's view of an output payload: pretty-printed JSON, and the line where each
//! JSON pointer starts, so a diagnostic's `path` can mark its line.

use std::collections::HashMap;

use serde_json::Value;

use hookbench_core::transform::WebhookOut;

use crate::highlight::content_key;

/// An output payload laid out for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputView {
    /// `POST https://api.segment.io/v1/track`
    pub request_line: String,
    /// The payload, pretty-printed as `serde_json` does (two spaces).
    pub text: String,
    pub doc: u64,
    /// JSON pointer → 0-based line where that member or element starts.
    pub lines_by_pointer: HashMap<String, usize>,
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
            text,
            lines_by_pointer,
            bytes: serde_json::to_vec(&webhook.payload).map_or(0, |v| v.len()),
        }
    }

    /// The line a diagnostic path points at: the pointer's own line, else its nearest ancestor
    /// that exists (a missing field is marked on the object that lacks it).
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        let mut p = pointer;
        loop {
            if let Some(line) = self.lines_by_pointer.get(p) {
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
}
