//! Write keys and other secrets shown masked: `abcd…wxyz`, enough to tell keys apart, not to use
//! one. Every place that shows a key, a header or a body goes through here.

use std::borrow::Cow;

use base64::Engine as _;
use serde_json::Value;

/// Secrets shorter than this are shown as `…` alone: four characters each side would give most
/// of them away.
const MIN_SHOWN_CHARS: usize = 12;

/// `abcd…wxyz` for secrets of 12 characters or more, `…` for shorter ones. A shown character
/// that is not a letter, a digit, `_` or `-` is shown as `*`, so the mask is itself safe in
/// JSON, a URL or a header, wherever it replaces the secret.
pub fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < MIN_SHOWN_CHARS {
        return "…".to_string();
    }
    let shown = |c: &char| {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '-') {
            *c
        } else {
            '*'
        }
    };
    let head: String = chars[..4].iter().map(shown).collect();
    let tail: String = chars[chars.len() - 4..].iter().map(shown).collect();
    format!("{head}…{tail}")
}

/// How deep encodings nest in what is shown or stored: a JSON text inside a JSON string
/// inside another (a stored request in `--output json`), or JSON text percent-encoded.
const NESTING: u8 = 3;

/// The ways one character can be written besides itself: JSON escapes (serde's and
/// `JSON.stringify`'s: short forms, `\uXXXX`, surrogate pairs), percent-encoding of its UTF-8
/// bytes, and `+` for a space in a form-encoded query. Hex digits match in either case.
fn encodings(c: char) -> Vec<String> {
    let mut forms = Vec::with_capacity(5);
    match c {
        '"' => forms.push("\\\"".to_string()),
        '\\' => forms.push("\\\\".to_string()),
        '/' => forms.push("\\/".to_string()),
        '\n' => forms.push("\\n".to_string()),
        '\r' => forms.push("\\r".to_string()),
        '\t' => forms.push("\\t".to_string()),
        '\u{8}' => forms.push("\\b".to_string()),
        '\u{c}' => forms.push("\\f".to_string()),
        ' ' => forms.push("+".to_string()),
        _ => {}
    }
    let mut units = [0u16; 2];
    let escaped: String = c
        .encode_utf16(&mut units)
        .iter()
        .map(|u| format!("\\u{u:04x}"))
        .collect();
    forms.push(escaped);
    let mut bytes = [0u8; 4];
    let percent: String = c
        .encode_utf8(&mut bytes)
        .bytes()
        .map(|b| format!("%{b:02x}"))
        .collect();
    forms.push(percent);
    forms
}

/// The encodings of the characters met while matching, each worked out once per call of
/// [`replace_forms`].
#[derive(Default)]
struct Encodings {
    known: Vec<(char, Vec<String>)>,
}

impl Encodings {
    fn of(&mut self, c: char) -> Vec<String> {
        if let Some((_, forms)) = self.known.iter().find(|(k, _)| *k == c) {
            return forms.clone();
        }
        let forms = encodings(c);
        self.known.push((c, forms.clone()));
        forms
    }
}

/// Whether an encoding of some character can start at `rest`: `\u`, `\\`, `\` and a short
/// escape, `%` and a hex digit, or `+`.
fn may_start_encoding(rest: &[u8]) -> bool {
    match rest {
        [b'\\', next, ..] => matches!(
            next,
            b'u' | b'U' | b'\\' | b'"' | b'/' | b'n' | b'r' | b't' | b'b' | b'f' | b'%'
        ),
        [b'%', next, ..] => next.is_ascii_hexdigit(),
        [b'+', ..] => true,
        _ => false,
    }
}

/// The ends of every way `c` can be written at `pos` of `text`, nested up to `depth` deep.
/// `fold` compares ASCII letters in either case (the characters of an encoding, whose hex
/// digits may be upper or lower case).
fn ends_of(
    text: &[u8],
    pos: usize,
    c: char,
    depth: u8,
    fold: bool,
    cache: &mut Encodings,
    ends: &mut Vec<usize>,
) {
    let Some(rest) = text.get(pos..) else { return };
    let mut bytes = [0u8; 4];
    let raw = c.encode_utf8(&mut bytes).as_bytes();
    let same = if fold {
        rest.len() >= raw.len() && rest[..raw.len()].eq_ignore_ascii_case(raw)
    } else {
        rest.starts_with(raw)
    };
    if same && !ends.contains(&(pos + raw.len())) {
        ends.push(pos + raw.len());
    }
    // URL parsers drop tabs and line breaks, so a URL shows the secret without them.
    if !fold && matches!(c, '\t' | '\n' | '\r') && !ends.contains(&pos) {
        ends.push(pos);
    }
    if depth == 0 || !may_start_encoding(rest) {
        return;
    }
    for form in cache.of(c) {
        for end in ends_of_text(text, pos, &form, depth - 1, true, cache) {
            if !ends.contains(&end) {
                ends.push(end);
            }
        }
    }
}

/// The ends of every way `needle` can be written from `pos` of `text`.
fn ends_of_text(
    text: &[u8],
    pos: usize,
    needle: &str,
    depth: u8,
    fold: bool,
    cache: &mut Encodings,
) -> Vec<usize> {
    let mut positions = vec![pos];
    for c in needle.chars() {
        let mut next = Vec::new();
        for &p in &positions {
            ends_of(text, p, c, depth, fold, cache, &mut next);
        }
        if next.is_empty() {
            return next;
        }
        positions = next;
    }
    positions
}

/// Replaces every written form of each needle in `text` by `mask`: as is, percent-encoded,
/// JSON-escaped, and any nesting of these. Borrowed when there is nothing to replace.
fn replace_forms<'a>(text: &'a str, needles: &[&str], mask: &str) -> Cow<'a, str> {
    if only_raw_forms(text, needles) && !needles.iter().any(|n| text.contains(n)) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    // The bytes a written form can start with: a needle's first byte, or an encoding's.
    let mut starts = [false; 256];
    for needle in needles {
        if let Some(&first) = needle.as_bytes().first() {
            starts[usize::from(first)] = true;
        }
    }
    for b in [b'\\', b'%', b'+'] {
        starts[usize::from(b)] = true;
    }
    let plain: Vec<bool> = needles.iter().map(|n| is_plain(n)).collect();
    let mut cache = Encodings::default();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !starts[usize::from(bytes[i])] || !text.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let end = needles
            .iter()
            .zip(&plain)
            .filter_map(|(needle, &plain)| last_end(bytes, i, needle, plain, &mut cache))
            .max();
        match end {
            Some(end) if end > i && text.is_char_boundary(end) => {
                out.push_str(&text[copied..i]);
                out.push_str(mask);
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// True when no character of `needle` starts an encoding (`\\`, `%`, `+`) or is one a URL
/// drops: written as itself, it can only be followed as itself.
fn is_plain(needle: &str) -> bool {
    !needle.contains(['\\', '%', '+', '\t', '\n', '\r'])
}

/// The furthest end of a written form of `needle` starting at `pos` of `text`. For a `plain`
/// needle, text that follows it as itself up to a byte starting no encoding is settled without
/// trying the encodings: only such a byte can begin another way of writing the next character,
/// and most candidates (a needle's first letter in ordinary text) fail at once.
fn last_end(
    text: &[u8],
    pos: usize,
    needle: &str,
    plain: bool,
    cache: &mut Encodings,
) -> Option<usize> {
    let rest = text.get(pos..)?;
    if plain && !may_start_encoding(rest) {
        let wanted = needle.as_bytes();
        let same = rest
            .iter()
            .zip(wanted)
            .take_while(|(got, want)| got == want)
            .count();
        if same == wanted.len() {
            return Some(pos + same);
        }
        if !may_start_encoding(&rest[same..]) {
            return None;
        }
    }
    ends_of_text(text, pos, needle, NESTING, false, cache)
        .into_iter()
        .max()
}

/// True when a needle can only be written in `text` as itself: no encoding starts anywhere in
/// it (no `\`, `%` or `+`), and no needle has a character a URL drops. Most strings are such,
/// and a plain search answers for them.
fn only_raw_forms(text: &str, needles: &[&str]) -> bool {
    !text.bytes().any(|b| matches!(b, b'\\' | b'%' | b'+'))
        && !needles.iter().any(|n| n.contains(['\t', '\n', '\r']))
}

/// One secret and what masks it, worked out once: for masking many strings with the same
/// secret, as [`redact`] does for one.
#[derive(Debug, Clone)]
pub struct Redactor {
    secret: String,
    /// `base64("<secret>:")`, the secret's Basic credentials.
    basic: String,
    mask: String,
}

impl Redactor {
    /// The redactor of `secret`; None for an empty secret, which masks nothing.
    pub fn new(secret: &str) -> Option<Redactor> {
        if secret.is_empty() {
            return None;
        }
        Some(Redactor {
            secret: secret.to_string(),
            basic: base64::engine::general_purpose::STANDARD.encode(format!("{secret}:")),
            mask: mask_secret(secret),
        })
    }

    /// [`redact`] with this secret; borrowed when `text` does not hold it.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        replace_forms(text, &[&self.secret, &self.basic], &self.mask)
    }

    /// [`reveals`] with this secret.
    pub fn reveals(&self, text: &str) -> bool {
        matches!(self.redact(text), Cow::Owned(_))
    }
}

/// Replaces every occurrence of `secret` in `text` by its masked form: the secret as is,
/// percent-encoded (either hex case), JSON-escaped (serde's and `JSON.stringify`'s forms), its
/// Basic credentials (`base64("<secret>:")`), and any nesting of these.
pub fn redact(text: &str, secret: &str) -> String {
    match Redactor::new(secret) {
        Some(redactor) => redactor.redact(text).into_owned(),
        None => text.to_string(),
    }
}

/// Whether `text` holds `secret` in any form [`redact`] masks.
pub fn reveals(text: &str, secret: &str) -> bool {
    Redactor::new(secret).is_some_and(|redactor| redactor.reveals(text))
}

/// Whether [`mask_write_keys`] would change `value`: a string `writeKey` member that is not
/// already masked, or a string `reveals` says holds a secret. Reads without copying.
pub fn shows_write_keys(value: &Value, reveals: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(name, member)| match member {
            Value::String(s) if name == "writeKey" => mask_secret(s) != *s,
            _ => shows_write_keys(member, reveals),
        }),
        Value::Array(items) => items.iter().any(|item| shows_write_keys(item, reveals)),
        Value::String(s) => reveals(s),
        _ => false,
    }
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

    /// A key with a non-ASCII letter, a quote, a newline and a backslash.
    const AWKWARD: &str = "wk_é\"line\nback\\slash_0123";

    fn assert_masked(text: &str) {
        let masked = redact(text, AWKWARD);
        assert_eq!(masked, "<wk_*…0123>", "{text}");
        assert!(!reveals(&masked, AWKWARD));
    }

    #[test]
    fn every_encoding_of_a_secret_is_masked() {
        let json = serde_json::to_string(AWKWARD).expect("json");
        let percent: String = AWKWARD.bytes().map(|b| format!("%{b:02X}")).collect();
        let lower = percent.to_lowercase();
        let mut url = url::Url::parse("http://h/").expect("url");
        url.path_segments_mut().expect("base").push(AWKWARD);
        let path = url.path().trim_start_matches('/').to_string();
        let js = "wk_\\u00e9\\\"line\\u000aback\\\\slash_0123";
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{AWKWARD}:"));
        let nested = serde_json::to_string(&json).expect("json in json");
        let nested_percent = serde_json::to_string(&percent).expect("json");
        for form in [
            AWKWARD.to_string(),
            json.trim_matches('"').to_string(),
            percent,
            lower,
            path,
            js.to_string(),
            basic,
            // Without the quotes of both levels: `"\"` and `\""`.
            nested[3..nested.len() - 3].to_string(),
            nested_percent.trim_matches('"').to_string(),
        ] {
            assert_masked(&format!("<{form}>"));
        }
        // Another text is left alone; the mask is safe in JSON.
        assert_eq!(redact("wk_other", AWKWARD), "wk_other");
        let masked = redact(&json, AWKWARD);
        assert!(serde_json::from_str::<String>(&masked).is_ok(), "{masked}");
    }

    #[test]
    fn webhook_secrets_are_masked_in_every_encoding_too() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let percent: String = secret.bytes().map(|b| format!("%{b:02x}")).collect();
        assert_eq!(redact(&format!("s={percent}"), secret), "s=whse…LaSw");
        assert_eq!(redact(&format!("\"{secret}\""), secret), "\"whse…LaSw\"");
    }

    #[test]
    fn a_redactor_borrows_what_holds_no_secret() {
        let key = "wk_1234567890abcdefghijklmnopqrst";
        let redactor = Redactor::new(key).expect("a key");
        assert!(Redactor::new("").is_none());
        for clean in [
            "",
            "plain text",
            "a+b 100% \\ escaped",
            "wk_1234567890abcdefghijklmnopqrs",
        ] {
            assert!(
                matches!(redactor.redact(clean), Cow::Borrowed(_)),
                "{clean}"
            );
            assert!(!redactor.reveals(clean));
        }
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
        for holder in [
            format!("k={key}"),
            format!("Basic {basic}"),
            format!("%77{}", &key[1..]),
        ] {
            assert_eq!(redactor.redact(&holder), redact(&holder, key));
            assert!(redactor.reveals(&holder), "{holder}");
        }
        assert_eq!(redactor.redact(&format!("k={key}")), "k=wk_1…qrst");
    }

    /// [`replace_forms`] trying every encoding at every position: what the shortcuts must
    /// agree with.
    fn replace_forms_everywhere(text: &str, needles: &[&str], mask: &str) -> String {
        let bytes = text.as_bytes();
        let mut cache = Encodings::default();
        let mut out = String::new();
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            let end = text
                .is_char_boundary(i)
                .then(|| {
                    needles
                        .iter()
                        .filter_map(|n| {
                            ends_of_text(bytes, i, n, NESTING, false, &mut cache)
                                .into_iter()
                                .max()
                        })
                        .max()
                })
                .flatten();
            match end {
                Some(end) if end > i && text.is_char_boundary(end) => {
                    out.push_str(&text[copied..i]);
                    out.push_str(mask);
                    copied = end;
                    i = end;
                }
                _ => i += 1,
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    #[test]
    fn the_shortcuts_find_what_trying_everything_finds() {
        let needles = [
            "bench-write-key-0123456789abcdef",
            "YmVuY2gtd3JpdGUta2V5LTAxMjM0NTY3ODlhYmNkZWY6",
            "k+y/b%c\\d",
            "wk_é tab\there",
        ];
        let texts = [
            "plain bbb bench bench-write-key-0123456789abcde bench-write-key-0123456789abcdef!",
            r#"{"a":"bench\u002dwrite-key-0123456789abcdef","b":"b%65nch-write-key-0123456789abcdef"}"#,
            "bench-write-key-0123456789abcdef%20 and bench-write-key-0123456789abcde%66",
            "Basic YmVuY2gtd3JpdGUta2V5LTAxMjM0NTY3ODlhYmNkZWY6 YmVuY2gtd3JpdGUta2V5LTAxMjM0NTY3ODlhYmNkZWY",
            "k+y/b%c\\d k%2By/b%25c%5Cd k y/b%c\\\\d kk+y/b%c\\d+",
            r"wk_é tab\there wk_\u00e9+tab%09here wk_é tabhere wk_é tab\\there é",
            "+%\\\\u0062ench-write-key-0123456789abcdef+%%5c",
        ];
        for needle in needles {
            let mask = mask_secret(needle);
            for text in texts {
                let text = format!("{text} {needle} x{needle}y");
                assert_eq!(
                    replace_forms(&text, &[needle, needles[1]], &mask),
                    replace_forms_everywhere(&text, &[needle, needles[1]], &mask),
                    "{needle:?} in {text:?}"
                );
            }
        }
    }

    #[test]
    fn shows_write_keys_says_whether_masking_changes_anything() {
        let key = "wk_1234567890abcdefghijklmnopqrst";
        let reveals = |s: &str| s.contains(key);
        assert!(!shows_write_keys(
            &json!({"a": [1, "x", {"b": null}]}),
            &reveals
        ));
        assert!(!shows_write_keys(
            &json!({"writeKey": "…", "n": {"writeKey": 7}}),
            &reveals
        ));
        assert!(shows_write_keys(
            &json!({"n": [{"writeKey": "anything long"}]}),
            &reveals
        ));
        assert!(shows_write_keys(
            &json!({"n": [format!("key {key}")]}),
            &reveals
        ));
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
