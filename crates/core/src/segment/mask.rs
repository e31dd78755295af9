//! Write keys and other secrets shown masked: `abcd…wxyz`, enough to tell keys apart, not to use
//! one. Every place that shows a key, a header or a body goes through here.

use serde_json::Value;

/// Secrets shorter than this are shown as `…` alone: four characters each side would give most
/// of them away.
const MIN_SHOWN_CHARS: usize = 12;

/// `abcd…wxyz` for secrets of 12 characters or more, `…` for shorter ones.
pub fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < MIN_SHOWN_CHARS {
        return "…".to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// Replaces every occurrence of `secret` in `text` by its masked form.
pub fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    text.replace(secret, &mask_secret(secret))
}

/// Masks every string `writeKey` member in `value`, at any depth, and gives every other string
/// to `scrub`, which returns its replacement when it holds a secret.
pub fn mask_write_keys(value: &mut Value, scrub: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::Object(map) => {
            for (name, member) in map.iter_mut() {
                match member {
                    Value::String(s) if name == "writeKey" => *s = mask_secret(s),
                    _ => mask_write_keys(member, scrub),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| mask_write_keys(item, scrub)),
        Value::String(s) => {
            if let Some(clean) = scrub(s) {
                *s = clean;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_show_their_ends_only() {
        assert_eq!(
            mask_secret("wk_1234567890abcdefghijklmnopqrst"),
            "wk_1…qrst"
        );
        assert_eq!(mask_secret("short"), "…");
        assert_eq!(
            redact("a wk_1234567890abcd b", "wk_1234567890abcd"),
            "a wk_1…abcd b"
        );
        assert_eq!(redact("text", ""), "text");
    }

    #[test]
    fn write_key_members_are_masked_at_any_depth() {
        let key = "wk_1234567890abcdefghijklmnopqrst";
        let mut value = json!({
            "writeKey": key,
            "batch": [{"writeKey": key, "note": format!("key {key}")}],
            "other": {"writeKey": 7},
        });
        mask_write_keys(&mut value, &|s| s.contains(key).then(|| redact(s, key)));
        assert_eq!(
            value,
            json!({
                "writeKey": "wk_1…qrst",
                "batch": [{"writeKey": "wk_1…qrst", "note": "key wk_1…qrst"}],
                "other": {"writeKey": 7},
            })
        );
    }
}
