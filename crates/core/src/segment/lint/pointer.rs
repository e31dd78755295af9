//! JSON pointers (building and ordering) and how values are shown in messages.

use serde_json::Value;
use std::cmp::Ordering;

/// `base` + `/key`, with `~` and `/` escaped as RFC 6901 requires.
pub(super) fn child(base: &str, key: &str) -> String {
    let mut p = String::with_capacity(base.len() + key.len() + 1);
    p.push_str(base);
    p.push('/');
    for c in key.chars() {
        match c {
            '~' => p.push_str("~0"),
            '/' => p.push_str("~1"),
            c => p.push(c),
        }
    }
    p
}

/// Orders JSON pointers segment by segment, array indexes numerically ("/batch/2" < "/batch/10").
pub(super) fn cmp_pointer(a: &str, b: &str) -> Ordering {
    let mut xs = a.split('/');
    let mut ys = b.split('/');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n).then_with(|| x.cmp(y)),
                    _ => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// A string quoted as JSON, shortened when long.
pub(super) fn show_str(s: &str) -> String {
    const MAX: usize = 40;
    let shown = if s.chars().count() > MAX {
        let mut t: String = s.chars().take(MAX - 1).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    };
    serde_json::to_string(&shown).unwrap_or_else(|_| "\"…\"".to_string())
}

/// A value as compact JSON when short, else its kind.
pub(super) fn show(v: &Value) -> String {
    match v {
        Value::String(s) => show_str(s),
        Value::Array(_) | Value::Object(_) => describe(v),
        other => other.to_string(),
    }
}

/// "a number (42)", "an object", ...
pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => {
            let s = n.to_string();
            if s.len() <= 40 {
                format!("a number ({s})")
            } else {
                "a number".to_string()
            }
        }
        Value::String(s) => format!("a string ({})", show_str(s)),
        Value::Array(a) if a.is_empty() => "an empty array".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_show_short_values_only() {
        assert_eq!(show_str("abc"), "\"abc\"");
        assert_eq!(show_str("a\"b"), "\"a\\\"b\"");
        let long = show_str(&"x".repeat(100));
        assert!(
            long.chars().count() <= 42 && long.ends_with("…\""),
            "{long}"
        );
        assert_eq!(describe(&json!({})), "an object");
        assert_eq!(describe(&json!([])), "an empty array");
        assert_eq!(describe(&json!(1.5)), "a number (1.5)");
    }
}
