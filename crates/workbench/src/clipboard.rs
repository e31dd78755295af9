//! Copying out of the workbench: OSC 52 (the terminal puts the text on the system clipboard,
//! also over SSH). The curl command `Y` copies is the core's
//! (`hookbench_core::segment::curl::curl_command`).

use base64::Engine as _;

/// The escape sequence that asks the terminal to set its clipboard to `text`.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_wraps_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
