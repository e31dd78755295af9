//! Every stream a command writes to, each behind a [`SafeWriter`]: whatever a print site
//! writes, no control character, escape sequence or bidi override from a body, a file, a
//! transformation or the network reaches the terminal raw; only the CLI's own colours pass.
//! Commands get their streams here and nowhere else (a test below checks the sources).

use std::io::{BufWriter, StdoutLock, Write};

use anstream::AutoStream;
use hookbench_core::text::SafeWriter;

use super::args::OutputFormat;
use super::style::{BLUE, BOLD, CYAN, DIM, GREEN, GREEN_BOLD, RED, RED_BOLD, YELLOW, YELLOW_BOLD};

/// The exact sequences of the CLI's colours: each style's start and the reset.
fn own_styles() -> Vec<Vec<u8>> {
    let styles = [
        BOLD,
        DIM,
        RED,
        GREEN,
        YELLOW,
        BLUE,
        CYAN,
        RED_BOLD,
        YELLOW_BOLD,
        GREEN_BOLD,
    ];
    let mut sequences: Vec<Vec<u8>> = styles
        .iter()
        .flat_map(|s| {
            [
                s.render().to_string().into_bytes(),
                s.render_reset().to_string().into_bytes(),
            ]
        })
        .filter(|s| !s.is_empty())
        .collect();
    // Longest first, so a sequence that begins another one never cuts it short.
    sequences.sort_by_key(|s| std::cmp::Reverse(s.len()));
    sequences.dedup();
    sequences
}

/// Text for people on stdout, locked for the caller.
pub fn stdout_text() -> SafeWriter<AutoStream<StdoutLock<'static>>> {
    SafeWriter::text(anstream::stdout().lock(), own_styles())
}

/// JSON on stdout, locked for the caller.
pub fn stdout_json() -> SafeWriter<StdoutLock<'static>> {
    SafeWriter::json(std::io::stdout().lock())
}

/// Text for people on stderr, locked for the caller.
pub fn stderr_text() -> SafeWriter<AutoStream<std::io::StderrLock<'static>>> {
    SafeWriter::text(anstream::stderr().lock(), own_styles())
}

/// Buffered stdout for a command that prints many items, in the chosen format.
pub fn stdout_for(output: OutputFormat) -> Box<dyn Write> {
    match output {
        OutputFormat::Json => Box::new(SafeWriter::json(BufWriter::new(std::io::stdout().lock()))),
        OutputFormat::Text => Box::new(SafeWriter::text(
            BufWriter::new(anstream::stdout()),
            own_styles(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_colours_pass_and_nothing_else() {
        let mut w = SafeWriter::text(Vec::new(), own_styles());
        let _ = writeln!(
            w,
            "{RED_BOLD}error{RED_BOLD:#}: \u{1b}[2J\u{1b}]52;c;aGk=\u{7}"
        );
        let _ = w.flush();
        let written = String::from_utf8_lossy(w.get_ref()).into_owned();
        assert_eq!(
            written,
            format!("{RED_BOLD}error{RED_BOLD:#}: \\x1B[2J\\x1B]52;c;aGk=\\x07\n")
        );
    }

    /// Every command takes its streams from this module, so none can print around the guard.
    #[test]
    fn no_command_opens_a_stream_of_its_own() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
        let mut offenders = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src/cli") {
            let path = entry.expect("entry").path();
            if path.file_name().is_some_and(|n| n == "output.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if [
                    "stdout()",
                    "stderr()",
                    "println!",
                    "eprintln!",
                    "print!(",
                    "eprint!(",
                ]
                .iter()
                .any(|p| code.contains(p))
                {
                    offenders.push(format!("{}:{}: {line}", path.display(), n + 1));
                }
            }
        }
        assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    }
}
