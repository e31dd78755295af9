//! Turns what the handler returned into the normalised webhook, or an `invalid-return` error.
//! The sandbox hands back one JSON text; everything is checked here, in plain Rust.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{ErrorKind, TransformError, WebhookOut};

fn invalid(message: impl Into<String>) -> TransformError {
    TransformError::new(ErrorKind::InvalidReturn, message)
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Normalises the driver's reply: `{"ok":{…}}`, `{"missing":true}`, `{"notObject":"…"}` or
/// `{"notJson":"…"}`.
pub(crate) fn normalize_reply(text: &str) -> Result<WebhookOut, TransformError> {
    let reply: Value = serde_json::from_str(text).map_err(|e| match lone_surrogate(text) {
        Some((path, unit)) => invalid(format!(
            "{path} holds a lone surrogate (\\u{unit:04X}, half of a UTF-16 pair without its other half): it cannot be sent as UTF-8 JSON"
        )),
        None => invalid(format!("the handler's result could not be read: {e}")),
    })?;
    normalize_value(reply)
}

/// Normalises the driver's reply already read as JSON (the same shapes as [`normalize_reply`]).
pub(crate) fn normalize_value(mut reply: Value) -> Result<WebhookOut, TransformError> {
    if reply.get("missing").is_some() {
        return Err(TransformError::new(
            ErrorKind::Syntax,
            "no handler: the transformation must declare `function handler(webhook) { … return webhook; }`",
        ));
    }
    if let Some(what) = reply.get("notObject").and_then(Value::as_str) {
        let hint = if what == "undefined" {
            " (missing `return webhook;`?)"
        } else {
            ""
        };
        return Err(invalid(format!(
            "the handler returned {what}; it must return the webhook object it received{hint}"
        )));
    }
    if let Some(why) = reply.get("notJson").and_then(Value::as_str) {
        return Err(invalid(format!(
            "the returned webhook cannot be serialised as JSON: {why}"
        )));
    }
    let Some(Value::Object(out)) = reply.get_mut("ok") else {
        return Err(invalid("the handler's result could not be read"));
    };
    normalize_object(out)
}

/// Where the driver's reply (`{"ok":{…}}`, as `JSON.stringify` wrote it) first holds an unpaired
/// surrogate escape: where in the returned webhook (`` `payload.properties.name` ``, a key in …)
/// and the code unit. Only called once parsing failed, so it may be slow.
fn lone_surrogate(text: &str) -> Option<(String, u32)> {
    enum Frame {
        Object { key: Option<String> },
        Array { index: usize },
    }
    fn path_of(frames: &[Frame]) -> String {
        let mut path = String::new();
        // The first frame is the reply and the second key is `ok`: paths start inside it.
        for frame in frames.iter().skip(1) {
            match frame {
                Frame::Object { key: Some(key) } => {
                    let plain = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
                    if plain {
                        if !path.is_empty() {
                            path.push('.');
                        }
                        path.push_str(key);
                    } else {
                        path.push_str(&format!("[{key:?}]"));
                    }
                }
                Frame::Object { key: None } => {}
                Frame::Array { index } => path.push_str(&format!("[{index}]")),
            }
        }
        path
    }
    let bytes = text.as_bytes();
    let mut frames: Vec<Frame> = Vec::new();
    let mut expecting_key = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                frames.push(Frame::Object { key: None });
                expecting_key = true;
            }
            b'[' => frames.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                frames.pop();
            }
            b':' => expecting_key = false,
            b',' => match frames.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { .. }) => expecting_key = true,
                None => {}
            },
            b'"' => {
                let (value, lone, end) = read_string(bytes, i + 1);
                if let Some(unit) = lone {
                    let inside = path_of(&frames);
                    let path = match (expecting_key, inside.is_empty()) {
                        (true, true) => "a key of the webhook".to_string(),
                        (true, false) => format!("a key in `{inside}`"),
                        (false, _) => format!("`{inside}`"),
                    };
                    return Some((path, unit));
                }
                if expecting_key && let Some(Frame::Object { key }) = frames.last_mut() {
                    *key = Some(value);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Reads a JSON string whose opening quote is just before `start`: its text (lone surrogates
/// dropped), the first unpaired surrogate if any, and the index after the closing quote.
fn read_string(bytes: &[u8], start: usize) -> (String, Option<u32>, usize) {
    let hex = |at: usize| -> Option<u32> {
        let digits = bytes.get(at..at + 4)?;
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let mut units: Vec<u16> = Vec::new();
    let mut raw = Vec::new();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => break,
            b'\\' if bytes.get(i + 1) == Some(&b'u') => {
                let Some(unit) = hex(i + 2) else {
                    i += 2;
                    continue;
                };
                if (0xD800..0xDC00).contains(&unit) {
                    let low = (bytes.get(i + 6..i + 8) == Some(b"\\u".as_slice()))
                        .then(|| hex(i + 8))
                        .flatten()
                        .filter(|low| (0xDC00..0xE000).contains(low));
                    let Some(low) = low else {
                        return (String::new(), Some(unit), i);
                    };
                    units.extend([unit as u16, low as u16]);
                    i += 12;
                    continue;
                }
                if (0xDC00..0xE000).contains(&unit) {
                    return (String::new(), Some(unit), i);
                }
                units.push(unit as u16);
                i += 6;
                continue;
            }
            b'\\' => {
                let escaped = match bytes.get(i + 1) {
                    Some(b'n') => b'\n',
                    Some(b't') => b'\t',
                    Some(b'r') => b'\r',
                    Some(b'b') => 0x08,
                    Some(b'f') => 0x0c,
                    Some(&other) => other,
                    None => break,
                };
                raw.push(escaped);
                i += 2;
                continue;
            }
            byte => raw.push(byte),
        }
        i += 1;
    }
    // Keys are rebuilt for the path: plain bytes first, then any escaped units, which is exact
    // for the keys real payloads have and close enough to name one otherwise.
    let mut text = String::from_utf8_lossy(&raw).into_owned();
    text.push_str(&String::from_utf16_lossy(&units));
    (text, None, i + 1)
}

/// Checks the returned webhook's fields; its payload is taken out of `out`, not copied.
fn normalize_object(
    out: &mut serde_json::Map<String, Value>,
) -> Result<WebhookOut, TransformError> {
    let method = match out.get("method") {
        None => {
            return Err(invalid(
                "the returned object has no `method`: return the webhook object the handler received",
            ));
        }
        Some(Value::String(m)) if m == "POST" || m == "PUT" => m.clone(),
        Some(Value::String(m))
            if m.eq_ignore_ascii_case("post") || m.eq_ignore_ascii_case("put") =>
        {
            return Err(invalid(format!(
                "method must be \"POST\" or \"PUT\" in capitals, got {m:?}"
            )));
        }
        Some(other) => {
            return Err(invalid(format!(
                "method must be \"POST\" or \"PUT\", got {}",
                short(other)
            )));
        }
    };
    let url = match out.get("url") {
        None => {
            return Err(invalid(
                "the returned object has no `url`: return the webhook object the handler received",
            ));
        }
        Some(Value::String(u)) => {
            let parsed = url::Url::parse(u)
                .map_err(|e| invalid(format!("url {u:?} is not a valid URL: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                return Err(invalid(format!(
                    "url {u:?} must be an absolute http(s) URL"
                )));
            }
            u.clone()
        }
        Some(other) => {
            return Err(invalid(format!(
                "url must be a string, got {}",
                short(other)
            )));
        }
    };
    let mut headers = BTreeMap::new();
    match out.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (name, value) in map {
                match value {
                    Value::String(v) => {
                        headers.insert(name.clone(), v.clone());
                    }
                    other => {
                        return Err(invalid(format!(
                            "header {name:?} must be a string, got {}",
                            short(other)
                        )));
                    }
                }
            }
        }
        Some(other) => {
            return Err(invalid(format!(
                "headers must be an object of strings, got {}",
                short(other)
            )));
        }
    }
    let cancel = match out.get("cancel") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(invalid(format!(
                "cancel must be true or false, got {}",
                short(other)
            )));
        }
    };
    let payload = out.remove("payload").unwrap_or(Value::Null);
    Ok(WebhookOut {
        method,
        url,
        headers,
        cancel,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reply(ok: Value) -> String {
        json!({ "ok": ok }).to_string()
    }

    #[test]
    fn a_plain_webhook_normalises() {
        let out = normalize_reply(&reply(json!({
            "method": "POST", "url": "https://api.segment.io/v1/track",
            "payload": {"userId": "u1"}
        })))
        .expect("valid");
        assert_eq!(out.method, "POST");
        assert!(!out.cancel);
        assert!(out.headers.is_empty());
        assert_eq!(out.payload, json!({"userId": "u1"}));
    }

    #[test]
    fn headers_cancel_and_put_are_kept() {
        let out = normalize_reply(&reply(json!({
            "method": "PUT", "url": "https://example.com/x", "cancel": true,
            "headers": {"X-A": "1"}, "payload": null
        })))
        .expect("valid");
        assert_eq!(out.method, "PUT");
        assert!(out.cancel);
        assert_eq!(out.headers.get("X-A").map(String::as_str), Some("1"));
    }

    #[test]
    fn bad_returns_are_invalid_return_with_reasons() {
        let cases = [
            (json!({"url": "https://a.b/"}), "no `method`"),
            (
                json!({"method": "GET", "url": "https://a.b/"}),
                "\"POST\" or \"PUT\"",
            ),
            (
                json!({"method": "post", "url": "https://a.b/"}),
                "in capitals",
            ),
            (json!({"method": "POST"}), "no `url`"),
            (
                json!({"method": "POST", "url": "not a url"}),
                "not a valid URL",
            ),
            (json!({"method": "POST", "url": "ftp://a.b/"}), "http(s)"),
            (json!({"method": "POST", "url": 3}), "url must be a string"),
            (
                json!({"method": "POST", "url": "https://a.b/", "headers": {"a": 1}}),
                "header \"a\"",
            ),
            (
                json!({"method": "POST", "url": "https://a.b/", "headers": []}),
                "headers must be",
            ),
            (
                json!({"method": "POST", "url": "https://a.b/", "cancel": "yes"}),
                "cancel must be",
            ),
        ];
        for (value, expected) in cases {
            let err = normalize_reply(&reply(value.clone())).expect_err("must fail");
            assert_eq!(err.kind, ErrorKind::InvalidReturn, "{value}");
            assert!(err.message.contains(expected), "{value}: {}", err.message);
        }
    }

    #[test]
    fn a_lone_surrogate_is_named_by_its_path_in_the_payload() {
        let text = r#"{"ok":{"method":"POST","url":"https://api.segment.io/v1/track","payload":{"event":"x","properties":{"name":"ab\ud800cd","list":[1,"\udc00"]}}}}"#;
        let error = normalize_reply(text).expect_err("refused");
        assert_eq!(error.kind, ErrorKind::InvalidReturn);
        assert!(
            error
                .message
                .starts_with("`payload.properties.name` holds a lone surrogate (\\uD800"),
            "{}",
            error.message
        );
        let text = r#"{"ok":{"payload":{"properties":{"ok":"\ud83d\ude00","list":[1,"\udc00"]}}}}"#;
        let error = normalize_reply(text).expect_err("refused");
        assert!(
            error.message.starts_with("`payload.properties.list[1]`"),
            "{}",
            error.message
        );
        let text = r#"{"ok":{"payload":{"traits":{"a\ud800":1}}}}"#;
        let error = normalize_reply(text).expect_err("refused");
        assert!(
            error.message.starts_with("a key in `payload.traits`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn driver_markers_map_to_kinds() {
        let missing = normalize_reply(r#"{"missing":true}"#).expect_err("fails");
        assert_eq!(missing.kind, ErrorKind::Syntax);
        let undef = normalize_reply(r#"{"notObject":"undefined"}"#).expect_err("fails");
        assert_eq!(undef.kind, ErrorKind::InvalidReturn);
        assert!(undef.message.contains("return webhook"));
        let cyclic = normalize_reply(r#"{"notJson":"circular reference"}"#).expect_err("fails");
        assert!(cyclic.message.contains("circular reference"));
    }
}
