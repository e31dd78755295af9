//! Reading webhook bodies or Segment calls: one JSON file, a JSONL file streamed line by line
//! (never read whole), or stdin.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use serde_json::Value;

use hookbench_core::text_file;

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

/// Opens `spec`: a path (`.jsonl` streams) or `-` for stdin (one document, or JSONL when its
/// first line is a document and more follow).
pub fn open(spec: &str) -> Result<Source, Failure> {
    if spec == "-" {
        return open_stdin(BufReader::with_capacity(
            256 * 1024,
            std::io::stdin().lock(),
        ));
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
    let text = text_file::decode(bytes)
        .map_err(|_| Failure::input(format!("{spec} is not UTF-8 text")))?;
    let json = parse_json(spec, &text)?;
    Ok(Source::Single {
        origin: spec.to_string(),
        text,
        json,
    })
}

/// Stdin, decided by its first non-blank line: a document by itself followed by more
/// non-blank lines is JSONL, streamed a line at a time like a `.jsonl` file; anything else is
/// read whole as one document (which may span many lines), and its own error is the useful one.
fn open_stdin(mut reader: impl BufRead + 'static) -> Result<Source, Failure> {
    let origin = "stdin";
    // What has been read so far, kept to hand on unchanged.
    let mut head = Vec::new();
    let first = read_to_non_blank_line(&mut reader, &mut head)?;
    let first_is_a_document = first.as_deref().is_some_and(|line| {
        serde_json::from_str::<Value>(text_file::strip_bom(line.trim_end())).is_ok()
    });
    if first_is_a_document && read_to_non_blank_line(&mut reader, &mut head)?.is_some() {
        let reader = std::io::Cursor::new(head).chain(reader);
        return Ok(Source::Lines {
            origin: origin.into(),
            reader: Box::new(BufReader::new(reader)),
        });
    }
    reader
        .read_to_end(&mut head)
        .map_err(|e| Failure::input(format!("cannot read stdin: {e}")))?;
    let text = text_file::decode(head).map_err(|_| Failure::input("stdin is not UTF-8 text"))?;
    let json = parse_json(origin, &text)?;
    Ok(Source::Single {
        origin: origin.into(),
        text,
        json,
    })
}

/// Reads lines into `head` up to and including the next one that is not blank, and returns it
/// as text; `None` at the end of the input. Bytes that are not UTF-8 count as content.
fn read_to_non_blank_line(
    reader: &mut impl BufRead,
    head: &mut Vec<u8>,
) -> Result<Option<String>, Failure> {
    loop {
        let start = head.len();
        let read = reader
            .read_until(b'\n', head)
            .map_err(|e| Failure::input(format!("cannot read stdin: {e}")))?;
        if read == 0 {
            return Ok(None);
        }
        let line = String::from_utf8_lossy(&head[start..]);
        if !text_file::strip_bom(&line).trim().is_empty() {
            return Ok(Some(line.into_owned()));
        }
    }
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
                text_file::strip_bom(text)
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
