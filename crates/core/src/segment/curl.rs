//! A transformation's output as a curl command, to send it by hand. The write key is never in
//! it: auth reads `$SEGMENT_WRITE_KEY` when the command runs, and a `writeKey` the transformation
//! put in the payload, or an auth header, is masked.

use super::mask::{mask_secret, mask_write_keys};
use crate::transform::WebhookOut;

/// A curl command that sends the output as Segment's API expects, with no secret in it.
pub fn curl_command(webhook: &WebhookOut) -> String {
    let mut payload = webhook.payload.clone();
    mask_write_keys(&mut payload, &|_| None);
    let body = serde_json::to_string(&payload).unwrap_or_default();
    let mut command = format!(
        "curl -sS -X {} {} \\\n  -H 'Content-Type: application/json' \\\n  -u \"$SEGMENT_WRITE_KEY:\"",
        webhook.method,
        shell_quote(&webhook.url)
    );
    for (name, value) in &webhook.headers {
        let lower = name.to_ascii_lowercase();
        if lower == "content-type" {
            continue;
        }
        let shown = if lower == "authorization" {
            mask_secret(value)
        } else {
            value.clone()
        };
        command.push_str(&format!(
            " \\\n  -H {}",
            shell_quote(&format!("{name}: {shown}"))
        ));
    }
    command.push_str(&format!(" \\\n  --data-raw {}", shell_quote(&body)));
    command
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
        let command = curl_command(&webhook);
        assert!(!command.contains(key), "{command}");
        assert!(command.contains("-u \"$SEGMENT_WRITE_KEY:\""));
        assert!(command.contains("'https://api.segment.io/v1/track'"));
        assert!(command.contains("-H 'X-Source: dodo'"));
        assert!(command.contains("o'\\''brien"), "{command}");
        assert!(command.contains("\"writeKey\":\"wk_1…stuv\""), "{command}");
    }
}
