//! Text output for people: records, diagnostics, errors with the offending source line.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use hookbench_core::pipeline::RunRecord;
use hookbench_core::segment::{Diagnostic, Severity};
use hookbench_core::transform::{CompatWarning, LogLevel, TransformError};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const BLUE: Style = AnsiColor::Blue.on_default();
const GREEN: Style = AnsiColor::Green.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();

/// `error: …` on stderr.
pub fn error_line(message: &str) {
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{RED}error{RED:#}: {message}");
}

/// `warning: …` on stderr.
pub fn warning_line(message: &str) {
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{YELLOW}warning{YELLOW:#}: {message}");
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
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Info => BLUE,
    }
}

/// Diagnostics as aligned rows: severity, code, path, message.
pub fn diagnostics(out: &mut impl Write, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    let code_width = diagnostics.iter().map(|d| d.code.len()).max().unwrap_or(0);
    let path_width = diagnostics
        .iter()
        .map(|d| display_path(&d.path).len())
        .max()
        .unwrap_or(0);
    for d in diagnostics {
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
    writeln!(out, "  {DIM}{line_no} |{DIM:#} {line}")?;
    if let Some(column) = error.column {
        let pad: String = line
            .chars()
            .take(column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(out, "  {DIM}{:gutter$} |{DIM:#} {pad}{RED}^{RED:#}", "")?;
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
    match (&record.webhook, &record.error) {
        (_, Some(error)) => {
            let place = match (error.line, error.column) {
                (Some(l), Some(c)) => format!(" at {transform_name}:{l}:{c}"),
                (Some(l), None) => format!(" at {transform_name}:{l}"),
                _ => String::new(),
            };
            writeln!(
                out,
                "{RED}✗{RED:#} {BOLD}{label}{BOLD:#} → {RED}{}{place}{RED:#} {DIM}· {took}{DIM:#}",
                error.kind
            )?;
            writeln!(out, "  {}", error.message)?;
            excerpt(out, source, error)?;
        }
        (Some(webhook), None) if webhook.cancel => {
            writeln!(
                out,
                "{DIM}○{DIM:#} {BOLD}{label}{BOLD:#} → {DIM}cancelled: nothing is sent · {took}{DIM:#}"
            )?;
        }
        (Some(webhook), None) => {
            let mark = if record.has_lint_errors() {
                format!("{RED}✗{RED:#}")
            } else if record
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Warning)
            {
                format!("{YELLOW}!{YELLOW:#}")
            } else {
                format!("{GREEN}●{GREEN:#}")
            };
            writeln!(
                out,
                "{mark} {BOLD}{label}{BOLD:#} → {CYAN}{} {}{CYAN:#} {DIM}· {took}{DIM:#}",
                webhook.method, webhook.url
            )?;
            for (name, value) in &webhook.headers {
                writeln!(out, "  {DIM}{name}: {value}{DIM:#}")?;
            }
            let pretty = serde_json::to_string_pretty(&webhook.payload)
                .unwrap_or_else(|_| webhook.payload.to_string());
            for line in pretty.lines() {
                writeln!(out, "  {line}")?;
            }
            diagnostics(out, &record.diagnostics)?;
        }
        (None, None) => {}
    }
    for log in &record.logs {
        let style = match log.level {
            LogLevel::Error => RED,
            LogLevel::Warn => YELLOW,
            _ => DIM,
        };
        writeln!(
            out,
            "  {style}console.{}{style:#} {}",
            log.level.as_str(),
            log.message
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
            format!("{RED}{} failed{RED:#}", self.failed)
        } else {
            "0 failed".into()
        };
        let errors = if self.lint_errors > 0 {
            format!("{RED}{} errors{RED:#}", self.lint_errors)
        } else {
            "0 errors".into()
        };
        let bad_input = if self.input_errors > 0 {
            format!(" · {RED}{} unreadable inputs{RED:#}", self.input_errors)
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

/// A call's answer as `send` prints it; `listen --forward` and `history replay --send` print
/// theirs the same way.
pub mod answers {
    use std::io::Write;

    use anstyle::{AnsiColor, Effects, Style};
    use serde_json::Value;

    use hookbench_core::pipeline::RunRecord;
    use hookbench_core::segment::delivery::ResponseBody;
    use hookbench_core::segment::{Delivery, Outcome};

    const RED: Style = AnsiColor::Red.on_default();
    const GREEN: Style = AnsiColor::Green.on_default();
    const YELLOW: Style = AnsiColor::Yellow.on_default();
    const CYAN: Style = AnsiColor::Cyan.on_default();
    const DIM: Style = Style::new().effects(Effects::DIMMED);
    const BOLD: Style = Style::new().effects(Effects::BOLD);

    pub fn print_json(
        out: &mut dyn Write,
        record: &RunRecord,
        delivery: Option<&Delivery>,
    ) -> std::io::Result<()> {
        let mut value = serde_json::to_value(record).unwrap_or(Value::Null);
        let delivery = match (record.cancelled(), delivery) {
            (_, Some(d)) => d.to_json(),
            (true, None) => serde_json::json!({"outcome": "cancelled"}),
            (false, None) => Value::Null,
        };
        if let Value::Object(map) = &mut value {
            map.insert("delivery".into(), delivery);
        }
        serde_json::to_writer(&mut *out, &value)?;
        out.write_all(b"\n")
    }

    pub fn print_text(
        out: &mut dyn Write,
        label: &str,
        record: &RunRecord,
        delivery: Option<&Delivery>,
    ) -> std::io::Result<()> {
        if let Some(error) = &record.error {
            writeln!(
                out,
                "{RED}✗{RED:#} {BOLD}{label}{BOLD:#} → {RED}transformation failed ({}){RED:#}: {}",
                error.kind, error.message
            )?;
            return Ok(());
        }
        if record.cancelled() {
            writeln!(
                out,
                "{DIM}○{DIM:#} {BOLD}{label}{BOLD:#} → {DIM}cancelled (not sent){DIM:#}"
            )?;
            return Ok(());
        }
        let Some(delivery) = delivery else {
            return Ok(());
        };
        let status = delivery.status.map(|s| s.to_string()).unwrap_or_default();
        let body = match &delivery.body {
            Some(ResponseBody::Json(v)) => v.to_string(),
            Some(ResponseBody::Text(t)) => t.trim().to_string(),
            None => String::new(),
        };
        match delivery.outcome {
            Outcome::DryRun => {
                writeln!(
                    out,
                    "{CYAN}→{CYAN:#} {BOLD}{label}{BOLD:#} {CYAN}{} {}{CYAN:#} {DIM}(dry run: nothing sent){DIM:#}",
                    delivery.request.method, delivery.request.url
                )?;
                for (name, value) in &delivery.request.headers {
                    writeln!(out, "  {DIM}{name}: {value}{DIM:#}")?;
                }
                let pretty =
                    serde_json::to_string_pretty(&delivery.request.body).unwrap_or_default();
                for line in pretty.lines() {
                    writeln!(out, "  {line}")?;
                }
            }
            Outcome::Delivered => writeln!(
                out,
                "{GREEN}✓{GREEN:#} {BOLD}{label}{BOLD:#} → {GREEN}{status}{GREEN:#} {DIM}· {} ms · attempt {} · {} {}{DIM:#} {body}",
                delivery.latency_ms,
                delivery.attempts,
                delivery.request.method,
                delivery.request.url
            )?,
            Outcome::Refused => writeln!(
                out,
                "{RED}✗{RED:#} {BOLD}{label}{BOLD:#} → {RED}refused{RED:#}: {}",
                delivery.message.as_deref().unwrap_or("")
            )?,
            Outcome::Rejected | Outcome::Failed | Outcome::Cancelled => writeln!(
                out,
                "{RED}✗{RED:#} {BOLD}{label}{BOLD:#} → {RED}{}{}{RED:#} {DIM}· {} ms · {} attempt(s){DIM:#} {}{body}",
                delivery.outcome.as_str(),
                if status.is_empty() {
                    String::new()
                } else {
                    format!(" {status}")
                },
                delivery.latency_ms,
                delivery.attempts,
                delivery
                    .message
                    .as_deref()
                    .map(|m| format!("{m} "))
                    .unwrap_or_default()
            )?,
        }
        if let Some(message) = &delivery.message
            && delivery.outcome == Outcome::Delivered
        {
            writeln!(out, "  {YELLOW}{message}{YELLOW:#}")?;
        }
        Ok(())
    }
}
