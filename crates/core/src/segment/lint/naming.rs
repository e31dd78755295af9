//! Naming style: Title Case event names and snake_case property / trait names.

use super::pointer::{child, show_str};
use super::{Found, Rule};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// Event names

/// Words that stay lower case inside a Title Case name ("Product Added to Wishlist").
const MINOR_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
    "via", "with",
];

/// "Object Action" in Title Case: two or more words, single spaces, each capitalised (or a
/// number), minor words lower case only inside.
pub(crate) fn is_title_case_event(name: &str) -> bool {
    let words: Vec<&str> = name.split(' ').collect();
    if words.len() < 2 {
        return false;
    }
    let last = words.len() - 1;
    words.iter().enumerate().all(|(i, w)| {
        if w.is_empty() || w.contains(['_', '.', '-', ':']) {
            return false;
        }
        if i != 0 && i != last && MINOR_WORDS.contains(w) {
            return true;
        }
        w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
    })
}

/// Words of a name written in any style: split at separators and camelCase humps.
fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_alphanumeric() || c == '\'' {
            if c.is_uppercase()
                && prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                && !word.is_empty()
            {
                words.push(std::mem::take(&mut word));
            }
            word.push(c);
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev = Some(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

pub(crate) fn title_case_suggestion(name: &str) -> Option<String> {
    let words = split_words(name);
    if words.len() < 2 {
        return None;
    }
    let shouting = !name.chars().any(char::is_lowercase);
    let last = words.len() - 1;
    let titled: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            if i != 0 && i != last && MINOR_WORDS.contains(&lower.as_str()) {
                return lower;
            }
            let rest: &str = if shouting { &lower } else { w };
            let mut chars = rest.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect();
    let s = titled.join(" ");
    (s != name && is_title_case_event(&s)).then_some(s)
}

pub(super) fn check_event_name(name: &str, path: &str, found: &mut Found) {
    if is_title_case_event(name) {
        return;
    }
    let hint = match title_case_suggestion(name) {
        Some(s) => format!(": {}", show_str(&s)),
        None if split_words(name).len() < 2 => {
            ", and this is a single word (\"Order Completed\" names the object too)".to_string()
        }
        None => " (\"Order Completed\")".to_string(),
    };
    found.push(
        Rule::EventNameStyle,
        path,
        format!(
            "Segment keeps the event name {} as is, but its spec names events \"Object Action\" in Title Case{hint}",
            show_str(name)
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// Property names

/// Identify/group traits the Spec reserves, in its own camelCase.
pub(crate) const RESERVED_TRAITS: &[&str] = &[
    "address",
    "age",
    "avatar",
    "birthday",
    "company",
    "createdAt",
    "description",
    "email",
    "firstName",
    "gender",
    "id",
    "lastName",
    "name",
    "phone",
    "title",
    "username",
    "website",
    "industry",
    "employees",
    "plan",
];

/// `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
pub(crate) fn is_snake_case(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
        && s.split('_').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

pub(crate) fn snake_suggestion(key: &str) -> Option<String> {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase()
                && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                && !out.is_empty()
                && !out.ends_with('_')
            {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        prev = Some(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    (out != key && is_snake_case(&out)).then_some(out)
}

pub(super) fn check_property_style(
    map: &Map<String, Value>,
    path: &str,
    traits: bool,
    found: &mut Found,
) {
    let kind = if traits { "trait" } else { "property" };
    for key in map.keys() {
        if is_snake_case(key) || (traits && RESERVED_TRAITS.contains(&key.as_str())) {
            continue;
        }
        let hint = snake_suggestion(key)
            .map(|s| format!(" ({})", show_str(&s)))
            .unwrap_or_default();
        found.push(
            Rule::PropertyStyle,
            child(path, key),
            format!(
                "Segment keeps the {kind} name {} as is; its naming guide asks for snake_case{hint}",
                show_str(key)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_helpers() {
        for ok in ["a", "order_id", "step2", "a_1_b", "x9"] {
            assert!(is_snake_case(ok), "{ok}");
        }
        for bad in ["", "_a", "a_", "a__b", "A", "aB", "1a", "a-b", "a b", "é"] {
            assert!(!is_snake_case(bad), "{bad}");
        }
        assert_eq!(
            snake_suggestion("Referrer Name").as_deref(),
            Some("referrer_name")
        );
        assert_eq!(snake_suggestion("userID").as_deref(), Some("user_id"));
        assert_eq!(snake_suggestion("CDN").as_deref(), Some("cdn"));
        assert_eq!(snake_suggestion("ÉÉ"), None);
    }
}
