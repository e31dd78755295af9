//! The mapping carried inside its compiled handler, as a trailing comment block, so the `.js`
//! alone is enough to get the mapping back ([`extract`]); and the ejected handler ([`eject`]),
//! which carries no mapping and is ordinary code from then on.
//!
//! The block:
//!
//! ```text
//! // The mapping this handler was compiled from (`hookbench mapping import` recovers it):
//! // hookbench-mapping v1 text 3 lines 42 bytes
//! // [mapping]
//! // name = "shop"
//! //
//! // hookbench-mapping end
//! ```
//!
//! Each line of the text is `// ` + the line (`//` alone for an empty one). A text with CRLF line
//! ends only is embedded as LF lines and marked `crlf`; a text with any other CR, or U+2028 or
//! U+2029 (line breaks to JavaScript), is embedded as base64 and marked `base64`. The counts let a
//! damaged block (a line lost, added or changed) be told from an intact one.

use base64::Engine as _;

use super::compile::{self, GENERATED_FROM, Header};
use super::model::Mapping;

/// The first words of the block's header line.
const HEADER: &str = "// hookbench-mapping v1 ";
/// The block's last line.
const END: &str = "// hookbench-mapping end";
/// The line before the header, for a reader of the file.
const INTRO: &str =
    "// The mapping this handler was compiled from (`hookbench mapping import` recovers it):";
/// Base64 characters per line.
const BASE64_LINE: usize = 76;

/// Why no mapping could be recovered from a handler.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The file carries no mapping: written by hand, ejected, or the block was cut off whole.
    #[error(
        "no embedded mapping: the file has no `{}` block (it was not compiled by hookbench, or was ejected)",
        HEADER.trim_end()
    )]
    NoBlock,
    /// A block is there but cannot be read back exactly.
    #[error("line {line}: the embedded mapping is damaged: {reason}")]
    Damaged {
        /// 1-based line of the file where the damage shows.
        line: usize,
        reason: String,
    },
}

/// How the text is written in the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// The lines as they are (LF line ends).
    Text,
    /// The lines of a text whose every line end is CRLF, written with the CRs left out.
    Crlf,
    /// Base64 of the bytes, in lines of [`BASE64_LINE`] characters.
    Base64,
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Text => "text",
            Encoding::Crlf => "crlf",
            Encoding::Base64 => "base64",
        }
    }

    fn parse(word: &str) -> Option<Encoding> {
        [Encoding::Text, Encoding::Crlf, Encoding::Base64]
            .into_iter()
            .find(|e| e.name() == word)
    }
}

/// True when `text` cannot ride in `//` lines as it is: it has a character JavaScript takes for
/// a line break, or one a terminal or an editor would act on (a control character other than
/// a tab, a bidi override), which must not reach a pasted handler raw.
fn breaks_js_comment(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\r' | '\u{2028}' | '\u{2029}')
            || (crate::text::is_unsafe_char(c) && !matches!(c, '\n' | '\t'))
    })
}

/// The comment block carrying `text`, ending with a newline.
pub(crate) fn block(text: &str) -> String {
    let lf = text.replace("\r\n", "\n");
    let (encoding, lines): (Encoding, Vec<String>) = if !breaks_js_comment(text) {
        (
            Encoding::Text,
            text.split('\n').map(str::to_string).collect(),
        )
    } else if !breaks_js_comment(&lf) && lf.replace('\n', "\r\n") == text {
        (Encoding::Crlf, lf.split('\n').map(str::to_string).collect())
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        let lines = encoded
            .as_bytes()
            .chunks(BASE64_LINE)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        (Encoding::Base64, lines)
    };
    let mut out = String::new();
    out.push_str(INTRO);
    out.push('\n');
    out.push_str(&format!(
        "{HEADER}{} {} lines {} bytes\n",
        encoding.name(),
        lines.len(),
        text.len()
    ));
    for line in &lines {
        if line.is_empty() {
            out.push_str("//\n");
        } else {
            out.push_str("// ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// The header line's parts.
struct BlockHeader {
    encoding: Encoding,
    lines: usize,
    bytes: usize,
}

fn parse_header(line: &str) -> Option<Result<BlockHeader, String>> {
    let rest = line.strip_prefix(HEADER)?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let parsed = match words.as_slice() {
        [encoding, lines, "lines", bytes, "bytes"] => Encoding::parse(encoding)
            .zip(lines.parse().ok())
            .zip(bytes.parse().ok())
            .map(|((encoding, lines), bytes)| BlockHeader {
                encoding,
                lines,
                bytes,
            }),
        _ => None,
    };
    Some(parsed.ok_or_else(|| format!("the header `{}` cannot be read", line.trim_end())))
}

/// The file's lines, without their line ends (a CR before the LF is dropped too, so a file an
/// editor saved with CRLF line ends reads the same).
fn lines_of(js: &str) -> Vec<&str> {
    js.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

/// Where the block is: the header's and the end line's indexes (0-based) and the header.
fn find_block(lines: &[&str]) -> Result<(usize, usize, BlockHeader), ExtractError> {
    let end = lines.iter().rposition(|l| l.trim_end() == END);
    let headers: Vec<usize> = (0..end.unwrap_or(lines.len()))
        .filter(|i| lines[*i].starts_with(HEADER))
        .collect();
    let Some(end) = end else {
        return match headers.first() {
            Some(h) => Err(ExtractError::Damaged {
                line: h + 1,
                reason: format!("the block has no `{END}` line"),
            }),
            None => Err(ExtractError::NoBlock),
        };
    };
    // The header is the last line before the end line that announces exactly the lines between
    // them: a line of the mapping that looks like a header cannot be taken for it.
    let mut first_problem = None;
    for &h in headers.iter().rev() {
        match parse_header(lines[h]) {
            Some(Ok(header)) if header.lines == end - h - 1 => return Ok((h, end, header)),
            Some(Ok(header)) => {
                first_problem = Some(ExtractError::Damaged {
                    line: h + 1,
                    reason: format!(
                        "the header announces {} lines, the block has {}",
                        header.lines,
                        end - h - 1
                    ),
                })
            }
            Some(Err(reason)) => {
                first_problem = Some(ExtractError::Damaged {
                    line: h + 1,
                    reason,
                })
            }
            None => {}
        }
    }
    Err(first_problem.unwrap_or(ExtractError::Damaged {
        line: end + 1,
        reason: "the block has no `// hookbench-mapping v1 …` header line".to_string(),
    }))
}

/// The mapping's text embedded in a compiled handler, byte for byte.
pub fn extract(js: &str) -> Result<String, ExtractError> {
    let lines = lines_of(js);
    let (header_at, end, header) = find_block(&lines)?;
    let mut content: Vec<&str> = Vec::with_capacity(end - header_at - 1);
    for (i, line) in lines.iter().enumerate().take(end).skip(header_at + 1) {
        let text = if *line == "//" {
            ""
        } else if let Some(rest) = line.strip_prefix("// ") {
            rest
        } else {
            return Err(ExtractError::Damaged {
                line: i + 1,
                reason: "a line of the block does not start with `// `".to_string(),
            });
        };
        content.push(text);
    }
    let damaged = |reason: String| ExtractError::Damaged {
        line: header_at + 1,
        reason,
    };
    let text = match header.encoding {
        Encoding::Text => content.join("\n"),
        Encoding::Crlf => content.join("\r\n"),
        Encoding::Base64 => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(content.concat())
                .map_err(|e| damaged(format!("the base64 text cannot be decoded: {e}")))?;
            String::from_utf8(bytes).map_err(|_| damaged("the text is not UTF-8".to_string()))?
        }
    };
    if text.len() != header.bytes {
        return Err(damaged(format!(
            "the header announces {} bytes, the block holds {}",
            header.bytes,
            text.len()
        )));
    }
    Ok(text)
}

/// The compiled handler of `mapping` without the embedded mapping, its first comment saying it
/// was ejected from `file_name` and is now ordinary code to edit by hand: an ejected handler no
/// longer carries its mapping.
pub fn eject(mapping: &Mapping, file_name: &str) -> String {
    compile::handler(mapping, file_name, Header::Ejected)
}

/// True when the code outside the embedded block of `js` differs from that of `recompiled` (the
/// handler compiled again from the mapping `js` carries): someone edited the generated code, and
/// importing the mapping would lose the edit. Line ends (LF or CRLF) and trailing blank lines do
/// not count.
pub fn edited_since(js: &str, recompiled: &str) -> bool {
    code_outside_block(js) != code_outside_block(recompiled)
}

fn code_outside_block(js: &str) -> Vec<&str> {
    let mut lines = lines_of(js);
    // The first line names the file the mapping was compiled from: where it was, not what the
    // code does.
    if lines.first().is_some_and(|l| l.starts_with(GENERATED_FROM)) {
        lines.remove(0);
    }
    let mut code: Vec<&str> = match find_block(&lines) {
        Ok((header_at, end, _)) => {
            let start = if header_at > 0 && lines[header_at - 1] == INTRO {
                header_at - 1
            } else {
                header_at
            };
            lines[..start]
                .iter()
                .chain(lines.iter().skip(end + 1))
                .copied()
                .collect()
        }
        Err(_) => lines,
    };
    while code.last().is_some_and(|l| l.trim().is_empty()) {
        code.pop();
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = "[mapping]\nname = \"shop\"\n\n[defaults]\ncall = \"track\"\n";

    fn wrapped(text: &str) -> String {
        format!(
            "function handler(webhook) {{\n  return webhook;\n}}\n\n{}",
            block(text)
        )
    }

    #[test]
    fn plain_text_comes_back_byte_for_byte() {
        for text in [
            PLAIN,
            "",
            "\n",
            "no final newline",
            "a = 1\n\n\n",
            "  indented = true\n// a comment-looking line\n",
            "x = \"hookbench-mapping end\"\n// hookbench-mapping end\n",
            "tab\tand é and 😀\n",
        ] {
            let js = wrapped(text);
            assert_eq!(extract(&js).as_deref(), Ok(text), "{js}");
            assert!(js.contains("hookbench-mapping v1 text"), "{js}");
        }
    }

    #[test]
    fn crlf_text_is_marked_and_comes_back() {
        let text = "[mapping]\r\nname = \"shop\"\r\n";
        let js = wrapped(text);
        assert!(js.contains("hookbench-mapping v1 crlf"), "{js}");
        assert!(!js.contains('\r'));
        assert_eq!(extract(&js).as_deref(), Ok(text));
    }

    #[test]
    fn a_lone_cr_or_a_js_line_separator_goes_base64() {
        for text in [
            "a = 1\rb = 2\n",
            "mixed = 1\r\nline = 2\n",
            "name = \"x\u{2028}y\"\n",
            "name = \"x\u{2029}y\"\n",
            &"long = \"é\"\r".repeat(40),
        ] {
            let js = wrapped(text);
            assert!(js.contains("hookbench-mapping v1 base64"), "{js}");
            assert!(!js.contains(['\r', '\u{2028}', '\u{2029}']), "{js}");
            let content = js
                .lines()
                .skip_while(|l| !l.starts_with(HEADER))
                .skip(1)
                .take_while(|l| *l != END);
            assert!(content.clone().count() >= 1);
            assert!(content.clone().all(|l| l.len() <= BASE64_LINE + 3), "{js}");
            assert_eq!(extract(&js).as_deref(), Ok(text));
        }
    }

    #[test]
    fn a_file_saved_with_crlf_line_ends_still_gives_the_text() {
        let js = wrapped(PLAIN).replace('\n', "\r\n");
        assert_eq!(extract(&js).as_deref(), Ok(PLAIN));
    }

    #[test]
    fn a_header_lookalike_inside_the_mapping_is_not_the_header() {
        let text = "# hookbench-mapping v1 text 1 lines 3 bytes\nx = 1\n";
        let js = wrapped(text);
        assert_eq!(extract(&js).as_deref(), Ok(text));
    }

    #[test]
    fn no_block_is_its_own_error() {
        assert_eq!(
            extract("function handler(webhook) { return webhook; }\n"),
            Err(ExtractError::NoBlock)
        );
        assert!(
            ExtractError::NoBlock
                .to_string()
                .contains("no embedded mapping")
        );
    }

    #[test]
    fn damage_is_a_typed_error_naming_the_line() {
        let js = wrapped(PLAIN);
        let header_line = js
            .lines()
            .position(|l| l.starts_with(HEADER))
            .expect("header")
            + 1;

        // A line lost.
        let lost: Vec<&str> = js.lines().filter(|l| *l != "// call = \"track\"").collect();
        let err = extract(&(lost.join("\n") + "\n")).expect_err("a line lost");
        assert!(
            matches!(&err, ExtractError::Damaged { line, reason } if *line == header_line && reason.contains("lines")),
            "{err:?}"
        );

        // A line changed in place.
        let changed = js.replace("// call = \"track\"", "// call = \"identify\"");
        let err = extract(&changed).expect_err("a line changed");
        assert!(
            matches!(&err, ExtractError::Damaged { line, reason } if *line == header_line && reason.contains("bytes")),
            "{err:?}"
        );

        // A line without its comment mark.
        let unmarked = js.replace("// name = \"shop\"", "name = \"shop\"");
        let err = extract(&unmarked).expect_err("unmarked");
        assert_eq!(
            err,
            ExtractError::Damaged {
                line: header_line + 2,
                reason: "a line of the block does not start with `// `".to_string()
            }
        );
        assert!(
            err.to_string()
                .starts_with(&format!("line {}: ", header_line + 2))
        );

        // The end cut off.
        let cut = js.replace(END, "");
        let err = extract(&cut).expect_err("cut");
        assert!(
            matches!(&err, ExtractError::Damaged { line, .. } if *line == header_line),
            "{err:?}"
        );

        // A header that cannot be read.
        let garbled = js.replace(" text ", " txet ");
        let err = extract(&garbled).expect_err("garbled");
        assert!(
            matches!(&err, ExtractError::Damaged { line, reason } if *line == header_line && reason.contains("header")),
            "{err:?}"
        );

        // Base64 that does not decode.
        let js = wrapped("a\rb");
        let bad = js.replace("// YQ1i", "// Y!1i");
        let err = extract(&bad).expect_err("bad base64");
        assert!(
            matches!(&err, ExtractError::Damaged { reason, .. } if reason.contains("base64")),
            "{err:?}"
        );
    }

    #[test]
    fn edited_since_sees_a_changed_line_outside_the_block_only() {
        let js = wrapped(PLAIN);
        assert!(!edited_since(&js, &js));
        assert!(!edited_since(&js.replace('\n', "\r\n"), &js));
        assert!(!edited_since(&format!("{js}\n\n"), &js));
        let edited = js.replace("return webhook;", "return webhook; // mine");
        assert!(edited_since(&edited, &js));
        // The block itself is the mapping's business, not the code's.
        let other_mapping = wrapped("[mapping]\nname = \"other\"\n");
        assert!(!edited_since(&other_mapping, &js));
        // A line added after the block is code too.
        assert!(edited_since(&format!("{js}console.log(1);\n"), &js));
    }
}
