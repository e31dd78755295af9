//! JSON parse errors told the same way everywhere: where, then what.

/// serde_json appends " at line L column C" to its messages; callers put the position in
/// front instead, so it is cut here.
pub fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// "line L, column C: what is wrong".
pub fn describe(error: &serde_json::Error) -> String {
    format!(
        "line {}, column {}: {}",
        error.line(),
        error.column().max(1),
        strip_position(&error.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_position_comes_first_and_once() {
        let error = serde_json::from_str::<serde_json::Value>("{\n  \"a\": ,\n}").expect_err("bad");
        let text = describe(&error);
        assert!(text.starts_with("line 2, column 8: "), "{text}");
        assert!(!text.contains(" at line "), "{text}");
    }
}
