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
    let reply: Value = serde_json::from_str(text)
        .map_err(|e| invalid(format!("the handler's result could not be read: {e}")))?;
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
    let Some(Value::Object(out)) = reply.get("ok") else {
        return Err(invalid("the handler's result could not be read"));
    };
    normalize_object(out)
}

fn normalize_object(out: &serde_json::Map<String, Value>) -> Result<WebhookOut, TransformError> {
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
    let payload = out.get("payload").cloned().unwrap_or(Value::Null);
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
