//! Text output for people: records, diagnostics, errors with the offending source line.

use std::io::Write;

use anstyle::Style;

use hookbench_core::marks::Mark;
use hookbench_core::pipeline::RunRecord;
use hookbench_core::segment::diagnostic::Finding;
use hookbench_core::segment::{Diagnostic, Severity};
use hookbench_core::text::{Shown, escape_controls};
use hookbench_core::transform::{CompatWarning, LogLevel, TransformError};
use hookbench_core::webhook::schema::ReadWarning;
use hookbench_core::webhook::{InputDiagnostic, Schema};

use super::style::{BLUE, BOLD, CYAN, DIM, GREEN, RED_BOLD, YELLOW_BOLD};

/// `error: …` on stderr.
pub fn error_line(message: &str) {
    let mut err = super::output::stderr_text();
    let message = escape_controls(message, true);
    let _ = writeln!(err, "{RED_BOLD}error{RED_BOLD:#}: {message}");
}

/// `warning: …` on stderr.
pub fn warning_line(message: &str) {
    let mut err = super::output::stderr_text();
    let message = escape_controls(message, true);
    let _ = writeln!(err, "{YELLOW_BOLD}warning{YELLOW_BOLD:#}: {message}");
}

/// Compatibility warnings about the source, on stderr, once per run of a command.
pub fn compat_warnings(transform_name: &str, warnings: &[CompatWarning]) {
    for w in warnings {
        warning_line(&format!(
            "{transform_name}:{}:{}: {}",
            w.line, w.column, w.message
        ));
    }
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Error => RED_BOLD,
        Severity::Warning => YELLOW_BOLD,
        Severity::Info => BLUE,
    }
}

/// One finding as a row: severity, code, path, message, each shown escaped.
struct Row {
    severity: Severity,
    code: String,
    path: String,
    message: String,
}

/// Rows aligned on code and path.
fn rows(out: &mut impl Write, rows: &[Row]) -> std::io::Result<()> {
    let code_width = rows.iter().map(|d| d.code.len()).max().unwrap_or(0);
    let path_width = rows
        .iter()
        .map(|d| display_path(&d.path).len())
        .max()
        .unwrap_or(0);
    for d in rows {
        let style = severity_style(d.severity);
        writeln!(
            out,
            "  {style}{:<7}{style:#} {:<code_width$}  {DIM}{:<path_width$}{DIM:#}  {}",
            d.severity.as_str(),
            d.code,
            display_path(&d.path),
            d.message
        )?;
    }
    Ok(())
}

/// Findings of either kind as rows.
fn rows_of<F: Finding>(findings: &[F]) -> Vec<Row> {
    findings
        .iter()
        .map(|f| Row {
            severity: f.severity(),
            code: escape_controls(f.code(), false),
            path: escape_controls(f.path(), false),
            message: escape_controls(f.message(), false),
        })
        .collect()
}

/// Diagnostics as aligned rows: severity, code, path, message.
pub fn diagnostics(out: &mut impl Write, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    rows(out, &rows_of(diagnostics))
}

/// Dodo's schema's findings on a received body; none when the body is not JSON (that is
/// reported where the body is used).
pub fn body_diagnostics(body: &[u8]) -> Vec<InputDiagnostic> {
    serde_json::from_slice::<serde_json::Value>(body)
        .map(|json| hookbench_core::pipeline::input_diagnostics(&json))
        .unwrap_or_default()
}

/// The webhook body's findings against Dodo's schema, under a heading that says they are the
/// webhook's (not Segment's); nothing when the body conforms.
pub fn input_diagnostics(
    out: &mut impl Write,
    diagnostics: &[InputDiagnostic],
) -> std::io::Result<()> {
    if diagnostics.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "  {BOLD}webhook{BOLD:#} {DIM}body vs Dodo's schema ({}):{DIM:#}",
        Schema::dodo().version().date
    )?;
    rows(out, &rows_of(diagnostics))
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

fn duration(us: u64) -> String {
    if us >= 10_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{us} µs")
    }
}

/// The user's source line an error points at, with a caret under the column.
fn excerpt(out: &mut impl Write, source: &str, error: &TransformError) -> std::io::Result<()> {
    let Some(line_no) = error.line else {
        return Ok(());
    };
    let Some(line) = source.lines().nth(line_no.saturating_sub(1) as usize) else {
        return Ok(());
    };
    let gutter = line_no.to_string().len();
    writeln!(
        out,
        "  {DIM}{line_no} |{DIM:#} {}",
        escape_controls(line, true)
    )?;
    if let Some(column) = error.column {
        let pad: String = line
            .chars()
            .take(column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(
            out,
            "  {DIM}{:gutter$} |{DIM:#} {pad}{RED_BOLD}^{RED_BOLD:#}",
            ""
        )?;
    }
    Ok(())
}

/// One record for people: what would be sent, the findings and the console.
pub fn record(
    out: &mut impl Write,
    label: &str,
    record: &RunRecord,
    transform_name: &str,
    source: &str,
) -> std::io::Result<()> {
    let took = duration(record.duration_us);
    let label = Shown(label);
    match (&record.webhook, &record.error) {
        (_, Some(error)) => {
            let place = match (error.line, error.column) {
                (Some(l), Some(c)) => format!(" at {transform_name}:{l}:{c}"),
                (Some(l), None) => format!(" at {transform_name}:{l}"),
                _ => String::new(),
            };
            writeln!(
                out,
                "{RED_BOLD}{}{RED_BOLD:#} {BOLD}{label}{BOLD:#} → {RED_BOLD}{}{place}{RED_BOLD:#} {DIM}· {took}{DIM:#}",
                Mark::Failed.symbol(),
                error.kind
            )?;
            writeln!(out, "  {}", escape_controls(&error.message, true))?;
            excerpt(out, source, error)?;
            input_diagnostics(out, &record.input_diagnostics)?;
        }
        (Some(webhook), None) if webhook.cancel => {
            writeln!(
                out,
                "{DIM}{}{DIM:#} {BOLD}{label}{BOLD:#} → {DIM}cancelled: nothing is sent · {took}{DIM:#}",
                Mark::Cancelled.symbol()
            )?;
            input_diagnostics(out, &record.input_diagnostics)?;
        }
        (Some(webhook), None) => {
            let outcome = Mark::of_run(record);
            let style = match outcome {
                Mark::LintErrors => RED_BOLD,
                Mark::Warnings => YELLOW_BOLD,
                _ => GREEN,
            };
            let mark = format!("{style}{}{style:#}", outcome.symbol());
            writeln!(
                out,
                "{mark} {BOLD}{label}{BOLD:#} → {CYAN}{} {}{CYAN:#} {DIM}· {took}{DIM:#}",
                Shown(&webhook.method),
                Shown(&webhook.url)
            )?;
            for (name, value) in &webhook.headers {
                writeln!(out, "  {DIM}{}: {}{DIM:#}", Shown(name), Shown(value))?;
            }
            let pretty = serde_json::to_string_pretty(&webhook.payload)
                .unwrap_or_else(|_| webhook.payload.to_string());
            for line in pretty.lines() {
                writeln!(out, "  {}", Shown(line))?;
            }
            input_diagnostics(out, &record.input_diagnostics)?;
            if !record.input_diagnostics.is_empty() && !record.diagnostics.is_empty() {
                writeln!(out, "  {BOLD}segment{BOLD:#} {DIM}lint of the call:{DIM:#}")?;
            }
            diagnostics(out, &record.diagnostics)?;
        }
        (None, None) => {}
    }
    read_warnings(out, transform_name, &record.read_warnings)?;
    for log in &record.logs {
        let style = match log.level {
            LogLevel::Error => RED_BOLD,
            LogLevel::Warn => YELLOW_BOLD,
            _ => DIM,
        };
        writeln!(
            out,
            "  {style}console.{}{style:#} {}",
            log.level.as_str(),
            escape_controls(&log.message, true)
        )?;
    }
    Ok(())
}

/// Paths the handler read that the event type's body never has, at the handler's lines.
fn read_warnings(
    out: &mut impl Write,
    transform_name: &str,
    warnings: &[ReadWarning],
) -> std::io::Result<()> {
    for w in warnings {
        let place = match (w.line, w.column) {
            (Some(l), Some(c)) => format!("{transform_name}:{l}:{c}: "),
            (Some(l), None) => format!("{transform_name}:{l}: "),
            _ => format!("{transform_name}: "),
        };
        writeln!(
            out,
            "  {YELLOW_BOLD}▲ read{YELLOW_BOLD:#} {place}{}",
            Shown(&w.message)
        )?;
    }
    Ok(())
}

/// Counts for the closing summary.
#[derive(Debug, Default)]
pub struct Tally {
    pub events: usize,
    pub sent: usize,
    pub cancelled: usize,
    pub failed: usize,
    pub lint_errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub input_errors: usize,
}

impl Tally {
    pub fn add(&mut self, record: &RunRecord) {
        self.events += 1;
        if record.failed() {
            self.failed += 1;
        } else if record.cancelled() {
            self.cancelled += 1;
        } else {
            self.sent += 1;
        }
        for d in &record.diagnostics {
            match d.severity {
                Severity::Error => self.lint_errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }

    pub fn summary(&self, out: &mut impl Write) -> std::io::Result<()> {
        let failed = if self.failed > 0 {
            format!("{RED_BOLD}{} failed{RED_BOLD:#}", self.failed)
        } else {
            "0 failed".into()
        };
        let errors = if self.lint_errors > 0 {
            format!("{RED_BOLD}{} errors{RED_BOLD:#}", self.lint_errors)
        } else {
            "0 errors".into()
        };
        let bad_input = if self.input_errors > 0 {
            format!(
                " · {RED_BOLD}{} unreadable inputs{RED_BOLD:#}",
                self.input_errors
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "{BOLD}{} events{BOLD:#} · {} to send · {} cancelled · {failed} · lint: {errors}, {} warnings, {} info{bad_input}",
            self.events, self.sent, self.cancelled, self.warnings, self.infos
        )
    }

    /// 2 for unreadable input, else 1 if any run failed, else 3 on lint errors.
    pub fn exit_code(&self) -> u8 {
        use super::{Finding, Verdict};
        let mut verdict = Verdict::default();
        verdict.note_if(self.input_errors > 0, Finding::BadInput);
        verdict.note_if(self.failed > 0, Finding::TransformFailed);
        verdict.note_if(self.lint_errors > 0, Finding::LintErrors);
        verdict.code()
    }
}
