//! Reading webhook bodies or Segment calls: one JSON file, a JSONL file streamed line by line
//! (never read whole), or stdin.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use serde_json::Value;

use super::Failure;
use super::common::parse_json;

/// Where input comes from.
pub enum Source {
    /// One JSON document.
    Single {
        origin: String,
        text: String,
        json: Value,
    },
    /// One JSON document per line.
    Lines {
        origin: String,
        reader: Box<dyn BufRead>,
    },
}

/// One line of a JSONL stream: its number and its text and JSON, or why it is unusable.
pub struct Line {
    pub number: usize,
    pub parsed: Result<(String, Value), String>,
}

/// Opens `spec`: a path (`.jsonl` streams) or `-` for stdin (one document, or JSONL when the
/// whole is not one document).
pub fn open(spec: &str) -> Result<Source, Failure> {
    if spec == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::input(format!("cannot read stdin: {e}")))?;
        let text = String::from_utf8(strip_bom(bytes))
            .map_err(|_| Failure::input("stdin is not UTF-8 text"))?;
        return match serde_json::from_str::<Value>(&text) {
            Ok(json) => Ok(Source::Single {
                origin: "stdin".into(),
                text,
                json,
            }),
            Err(_) if first_line_is_a_document(&text) => Ok(Source::Lines {
                origin: "stdin".into(),
                reader: Box::new(std::io::Cursor::new(text.into_bytes())),
            }),
            Err(_) => {
                let json = parse_json("stdin", &text)?;
                Ok(Source::Single {
                    origin: "stdin".into(),
                    text,
                    json,
                })
            }
        };
    }
    let file = File::open(spec).map_err(|e| Failure::input(format!("cannot read {spec}: {e}")))?;
    if spec.to_ascii_lowercase().ends_with(".jsonl") {
        return Ok(Source::Lines {
            origin: spec.to_string(),
            reader: Box::new(BufReader::with_capacity(256 * 1024, file)),
        });
    }
    let mut bytes = Vec::new();
    BufReader::new(file)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::input(format!("cannot read {spec}: {e}")))?;
    let text = String::from_utf8(strip_bom(bytes))
        .map_err(|_| Failure::input(format!("{spec} is not UTF-8 text")))?;
    let json = parse_json(spec, &text)?;
    Ok(Source::Single {
        origin: spec.to_string(),
        text,
        json,
    })
}

/// Editors on some platforms start UTF-8 files with a byte-order mark; JSON parsers do not
/// accept it.
fn strip_bom(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    bytes
}

/// Stdin that is not one document is JSONL only if its first line is a document by itself;
/// otherwise it is one broken document, and its own error is the useful one.
fn first_line_is_a_document(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| serde_json::from_str::<Value>(l).is_ok())
}

/// The non-blank lines of a JSONL stream, parsed one at a time.
pub fn lines(origin: &str, reader: Box<dyn BufRead>) -> impl Iterator<Item = Line> + use<> {
    let origin = origin.to_string();
    let mut reader = reader;
    let mut number = 0usize;
    let mut buffer = String::new();
    std::iter::from_fn(move || {
        loop {
            buffer.clear();
            number += 1;
            match reader.read_line(&mut buffer) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    return Some(Line {
                        number,
                        parsed: Err(format!("{origin}:{number}: cannot read: {e}")),
                    });
                }
            }
            let text = buffer.trim_end_matches(['\n', '\r']);
            let text = if number == 1 {
                text.trim_start_matches('\u{feff}')
            } else {
                text
            };
            if text.trim().is_empty() {
                continue;
            }
            let parsed = serde_json::from_str::<Value>(text)
                .map(|json| (text.to_string(), json))
                .map_err(|e| {
                    format!(
                        "{origin}:{number}:{}: invalid JSON: {}",
                        e.column().max(1),
                        super::common::strip_position(&e.to_string())
                    )
                });
            return Some(Line { number, parsed });
        }
    })
}
