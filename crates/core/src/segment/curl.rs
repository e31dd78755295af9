//! A transformation's output as a curl command, to send it by hand. The write key is never in
//! it: auth reads `$SEGMENT_WRITE_KEY` when the command runs, and a `writeKey` the transformation
//! put in the payload, an auth header, or the configured key wherever the transformation wrote
//! it (in any encoding), is masked.

use serde_json::Value;

use super::mask::{mask_secret, mask_write_keys, redact, reveals};
use crate::transform::WebhookOut;

/// A curl command that sends the output as Segment's API expects, with no secret in it:
/// `secret` (the configured write key) is masked wherever the transformation wrote it.
pub fn curl_command(webhook: &WebhookOut, secret: Option<&str>) -> String {
    let secret = secret.filter(|s| !s.is_empty());
    let scrub = |text: &str| -> String {
        match secret {
            Some(secret) if reveals(text, secret) => redact(text, secret),
            _ => text.to_string(),
        }
    };
    let mut payload = webhook.payload.clone();
    mask_write_keys(&mut payload, &|s| {
        let clean = scrub(s);
        (clean != s).then_some(clean)
    });
    mask_member_names(&mut payload, &scrub);
    let body = serde_json::to_string(&payload).unwrap_or_default();
    let mut command = format!(
        "curl -sS -X {} {} \\\n  -H 'Content-Type: application/json' \\\n  -u \"$SEGMENT_WRITE_KEY:\"",
        scrub(&webhook.method),
        shell_quote(&scrub(&webhook.url))
    );
    for (name, value) in &webhook.headers {
        let lower = name.to_ascii_lowercase();
        if lower == "content-type" {
            continue;
        }
        let shown = if lower == "authorization" {
            mask_secret(value)
        } else {
            scrub(value)
        };
        command.push_str(&format!(
            " \\\n  -H {}",
            shell_quote(&format!("{}: {shown}", scrub(name)))
        ));
    }
    command.push_str(&format!(" \\\n  --data-raw {}", shell_quote(&body)));
    command
}

/// Masks the secret in the member names of `value`, at any depth (`scrub` returns the name
/// masked).
fn mask_member_names(value: &mut Value, scrub: &dyn Fn(&str) -> String) {
    match value {
        Value::Object(map) => {
            let members = std::mem::take(map);
            for (name, mut member) in members {
                mask_member_names(&mut member, scrub);
                map.insert(scrub(&name), member);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| mask_member_names(item, scrub)),
        _ => {}
    }
}

/// Single-quotes for POSIX shells: `'` becomes `'\''`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn the_curl_command_carries_no_secret() {
        let key = "wk_1234567890abcdefghijklmnopqrstuv";
        let mut headers = BTreeMap::new();
        headers.insert("Authorization".to_string(), format!("Basic {key}"));
        headers.insert("X-Source".to_string(), "dodo".to_string());
        let webhook = WebhookOut {
            method: "POST".into(),
            url: "https://api.segment.io/v1/track".into(),
            headers,
            cancel: false,
            payload: json!({"userId": "o'brien", "writeKey": key, "event": "Order Completed"}),
        };
        let command = curl_command(&webhook, Some(key));
        assert!(!command.contains(key), "{command}");
        assert!(command.contains("-u \"$SEGMENT_WRITE_KEY:\""));
        assert!(command.contains("'https://api.segment.io/v1/track'"));
        assert!(command.contains("-H 'X-Source: dodo'"));
        assert!(command.contains("o'\\''brien"), "{command}");
        assert!(command.contains("\"writeKey\":\"wk_1…stuv\""), "{command}");
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn the_configured_key_is_masked_wherever_the_handler_wrote_it() {
        let key = "wk_é\"quote\nline_Q7mvT2xkLp9RsW4b";
        let encoded: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
        let mut headers = BTreeMap::new();
        headers.insert("X-Key".to_string(), format!("k {key}"));
        let webhook = WebhookOut {
            method: "POST".into(),
            url: format!("https://api.segment.io/v1/track?k={encoded}"),
            headers,
            cancel: false,
            payload: json!({
                "userId": "u_1",
                "note": format!("key {key}"),
                "nested": [{"json": serde_json::to_string(&json!({"k": key})).expect("json")}],
                key: "as a name",
            }),
        };
        let command = curl_command(&webhook, Some(key));
        assert!(!reveals(&command, key), "{command}");
        assert!(!command.contains("Q7mvT2xkLp9"), "{command}");
        assert!(command.contains("\"userId\":\"u_1\""), "{command}");
        // Without a configured key only the writeKey members and auth headers are masked.
        assert!(curl_command(&webhook, None).contains("Q7mvT2xkLp9"));
    }
}
