//! `hookbench lint`: lint Segment calls directly, one file or a JSONL of calls.

use std::io::Write;

use serde_json::Value;

use hookbench_core::segment::{Diagnostic, MessageIds, Severity, lint};

use super::args::{GlobalArgs, LintArgs, OutputFormat};
use super::input::{self, Source};
use super::render;
use super::{Failure, Finding, Verdict};

#[derive(Default)]
struct Counts {
    calls: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    bad_lines: usize,
}

pub fn run(global: &GlobalArgs, args: &LintArgs) -> Result<u8, Failure> {
    let config = super::common::load_config(global)?;
    let options = super::common::lint_options(&config);
    url::Url::parse(&args.url)
        .map_err(|e| Failure::input(format!("--url {:?} is not a URL: {e}", args.url)))?;
    let source = input::open(&args.file)?;
    let mut out: Box<dyn Write> = super::output::stdout_for(args.output);
    let mut counts = Counts::default();
    // Segment keeps one call per messageId: later calls of one file that reuse one are flagged.
    let mut message_ids = MessageIds::new();
    let mut emit = |label: &str, call: &Value, counts: &mut Counts| {
        let mut found = lint(&args.url, call, None, &options);
        let repeats = message_ids.check(label, &args.url, call);
        if !repeats.is_empty() {
            found.extend(repeats);
            found.sort_by_key(|d| d.severity);
        }
        counts.calls += 1;
        for d in &found {
            match d.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Info => counts.infos += 1,
            }
        }
        let _ = print(&mut out, args.output, label, call, &found);
    };
    match source {
        Source::Single { origin, json, .. } => emit(&origin, &json, &mut counts),
        Source::Lines { origin, reader } => {
            for line in input::lines(&origin, reader) {
                match line.parsed {
                    Ok((_, json)) => emit(&format!("{origin}:{}", line.number), &json, &mut counts),
                    Err(message) => {
                        render::error_line(&message);
                        counts.bad_lines += 1;
                    }
                }
            }
        }
    }
    if counts.calls == 0 && counts.bad_lines == 0 {
        return Err(Failure::input(format!(
            "{} holds no Segment calls",
            args.file
        )));
    }
    if args.output == OutputFormat::Text && counts.calls > 1 {
        let _ = writeln!(
            out,
            "\n{} calls · {} errors · {} warnings · {} info",
            counts.calls, counts.errors, counts.warnings, counts.infos
        );
    }
    let _ = out.flush();
    let mut verdict = Verdict::default();
    verdict.note_if(counts.bad_lines > 0, Finding::BadInput);
    verdict.note_if(counts.errors > 0, Finding::LintErrors);
    Ok(verdict.code())
}

fn print(
    out: &mut impl Write,
    format: OutputFormat,
    label: &str,
    call: &Value,
    found: &[Diagnostic],
) -> std::io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer(&mut *out, &serde_json::json!({ "diagnostics": found }))?;
            out.write_all(b"\n")
        }
        OutputFormat::Text => {
            let what = [call.get("type"), call.get("event")]
                .iter()
                .filter_map(|v| v.and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(" ");
            let what = hookbench_core::text::escape_controls(&what, false);
            let label = hookbench_core::text::Shown(label);
            if found.is_empty() {
                writeln!(out, "✓ {label} {what}: no findings")
            } else {
                writeln!(out, "{label} {what}")?;
                render::diagnostics(out, found)
            }
        }
    }
}
