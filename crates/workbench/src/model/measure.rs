//! How tall the scrolling texts are, counted from the app's data without building styled lines:
//! what `update` clamps scroll offsets and pages with, and what the panes size their parts by.
//! The panes draw the same content; tests keep the counts and the drawn lines in step.

use similar::TextDiff;
use unicode_width::UnicodeWidthStr;

use hookbench_core::segment::Severity;
use hookbench_core::segment::diagnostic::Finding;
use hookbench_core::segment::send::{RequestInfo, ResponseBody};

use crate::highlight::Highlighter;
use crate::keymap::Action;
use crate::keymap::EDITOR_KEYS;
use crate::layout::Areas;
use crate::model::app::{App, BottomTab, EventResult, LIST_MARKS};

/// Lines of context around each change in the Segment pane's diff.
pub const DIFF_CONTEXT: usize = 3;

/// The gutter symbol of a lint finding's severity.
pub fn severity_symbol(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "✗",
        Severity::Warning => "▲",
        Severity::Info => "ℹ",
    }
}

/// Lines of the selected event's body.
pub fn webhook_lines(app: &App) -> usize {
    app.selected()
        .map_or(0, |e| Highlighter::line_count(&e.view.text))
}

/// Lines the Segment pane scrolls through: the payload, the diff or the error.
pub fn segment_lines(app: &App) -> usize {
    let Some(result) = app.selected_result() else {
        return 0;
    };
    if app.diff {
        return diff_lines(result);
    }
    match &result.output {
        Some(output) => Highlighter::line_count(&output.text),
        None => error_lines(app, result),
    }
}

/// Height of the Segment pane's scrolling part, once the request line and the findings are
/// placed.
pub fn segment_payload_height(app: &App, areas: &Areas) -> usize {
    let Some(area) = areas.segment else { return 0 };
    let inner_height = area.height.saturating_sub(2);
    let inner_width = area.width.saturating_sub(2);
    let findings = findings_height(app, inner_width, inner_height);
    usize::from(inner_height.saturating_sub(1 + findings))
}

/// One finding as a pane lists it under its text: a lint finding of the output or an input
/// diagnostic of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingRow<'a> {
    pub severity: Severity,
    pub code: &'a str,
    /// A JSON pointer; "" is the whole document.
    pub path: &'a str,
    pub message: &'a str,
}

impl FindingRow<'_> {
    /// The pointer as listed: `/` for the whole document.
    pub fn shown_path(&self) -> &str {
        if self.path.is_empty() { "/" } else { self.path }
    }
}

/// Findings of either kind as rows.
fn finding_rows<F: Finding>(findings: &[F]) -> Vec<FindingRow<'_>> {
    findings
        .iter()
        .map(|f| FindingRow {
            severity: f.severity(),
            code: f.code(),
            path: f.path(),
            message: f.message(),
        })
        .collect()
}

/// The selected output's lint findings.
pub fn lint_findings(app: &App) -> Vec<FindingRow<'_>> {
    finding_rows(
        app.selected_result()
            .map_or(&[][..], |r| r.record.diagnostics.as_slice()),
    )
}

/// What Dodo's schema says about the selected body.
pub fn input_findings(app: &App) -> Vec<FindingRow<'_>> {
    finding_rows(app.selected_input_diagnostics())
}

/// Errors, warnings and infos among findings.
pub fn severity_counts(rows: &[FindingRow]) -> (usize, usize, usize) {
    let count = |s: Severity| rows.iter().filter(|r| r.severity == s).count();
    (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    )
}

/// Rows findings take when wrapped to `width` under their summary line: at most half of
/// `height`.
fn rows_height(rows: &[FindingRow], summary: &str, width: u16, height: u16) -> u16 {
    if rows.is_empty() {
        return 0;
    }
    let width = usize::from(width.max(1));
    let rows_of = |text_width: usize| text_width.div_ceil(width).max(1);
    let total: usize = rows_of(summary.width())
        + rows
            .iter()
            .map(|r| {
                rows_of(
                    format!(
                        "{} {} {} {}",
                        severity_symbol(r.severity),
                        r.code,
                        r.shown_path(),
                        r.message
                    )
                    .width(),
                )
            })
            .sum::<usize>();
    u16::try_from(total).unwrap_or(u16::MAX).min(height / 2)
}

/// Rows the lint findings take when wrapped to `width`: at most half of `height`.
pub fn findings_height(app: &App, width: u16, height: u16) -> u16 {
    let rows = lint_findings(app);
    let (e, w, i) = severity_counts(&rows);
    rows_height(&rows, &finding_summary(e, w, i), width, height)
}

/// Rows the body's input diagnostics take when wrapped to `width`: at most half of `height`.
pub fn input_findings_height(app: &App, width: u16, height: u16) -> u16 {
    let rows = input_findings(app);
    let (e, w, i) = severity_counts(&rows);
    rows_height(&rows, &input_summary(e, w, i), width, height)
}

/// The first line of the lint findings.
pub fn finding_summary(errors: usize, warnings: usize, infos: usize) -> String {
    format!("── lint: {errors} error(s), {warnings} warning(s), {infos} info")
}

/// The first line of the body's input diagnostics.
pub fn input_summary(errors: usize, warnings: usize, infos: usize) -> String {
    format!("── Dodo's schema: {errors} error(s), {warnings} warning(s), {infos} info")
}

/// Height of the Webhook pane's scrolling part, once the input diagnostics are placed.
pub fn webhook_body_height(app: &App, areas: &Areas) -> usize {
    let Some(area) = areas.webhook else { return 0 };
    let inner_height = area.height.saturating_sub(2);
    let inner_width = area.width.saturating_sub(2);
    let findings = input_findings_height(app, inner_width, inner_height);
    usize::from(inner_height.saturating_sub(findings))
}

/// Lines of the diff of a result's output against the saved version's.
fn diff_lines(result: &EventResult) -> usize {
    let (Some(previous), Some(current)) = (&result.saved, &result.output) else {
        return 1;
    };
    let mut lines = 0;
    if previous.request_line != current.request_line {
        lines += 2;
    }
    let diff = TextDiff::from_lines(&previous.text, &current.text);
    for group in diff.grouped_ops(DIFF_CONTEXT) {
        if !group.is_empty() {
            lines += 1;
        }
        lines += group
            .iter()
            .map(|op| diff.iter_changes(op).count())
            .sum::<usize>();
    }
    lines.max(1)
}

/// Lines of a failed run's error: kind, message, the source line and caret, the note.
fn error_lines(app: &App, result: &EventResult) -> usize {
    let Some(error) = &result.record.error else {
        return 1;
    };
    let mut lines = 2;
    let source_line = error.line.and_then(|line| {
        app.transform
            .editor
            .lines()
            .get((line as usize).saturating_sub(1))
    });
    if source_line.is_some() {
        lines += 2 + usize::from(error.column.is_some());
    }
    lines + 2
}

/// Lines of the Logs tab: sandbox warnings, then the selected run's console output.
pub fn logs_lines(app: &App) -> usize {
    let warnings = app.transform.compat.len();
    let Some(result) = app.selected_result() else {
        return warnings;
    };
    let logs = &result.record.logs;
    let console: usize = logs.iter().map(|log| log.message.split('\n').count()).sum();
    warnings + result.record.read_warnings.len() + console + usize::from(logs.is_empty())
}

/// Lines the bottom panel's current tab scrolls through.
pub fn bottom_lines(app: &App) -> usize {
    match app.bottom {
        BottomTab::Logs => logs_lines(app),
        BottomTab::Response => response_lines(app),
        BottomTab::Sends => app.send.reports.len().max(1),
    }
}

/// The request body as written, laid out for reading: pretty-printed when it is JSON (the
/// members and their order as written), else as written. None when the request was never built.
pub fn written_text(request: &RequestInfo) -> Option<String> {
    let written = request.written.as_deref()?;
    Some(
        serde_json::from_str::<serde_json::Value>(written)
            .ok()
            .and_then(|value| serde_json::to_string_pretty(&value).ok())
            .unwrap_or_else(|| written.to_string()),
    )
}

/// Lines of the Response tab: outcome, message, request, answer body, headers, and the
/// request's headers and body as written.
fn response_lines(app: &App) -> usize {
    let Some(event) = app.selected() else {
        return 0;
    };
    let Some(entry) = app.send.last_report(&event.key) else {
        return 1;
    };
    let d = &entry.report;
    let body = match &d.body {
        Some(ResponseBody::Json(value)) => {
            let compact = value.to_string();
            if compact.len() <= 100 {
                Highlighter::line_count(&compact)
            } else {
                let pretty = serde_json::to_string_pretty(value).unwrap_or(compact);
                Highlighter::line_count(&pretty)
            }
        }
        Some(ResponseBody::Text(text)) => text.lines().take(20).count(),
        None => 0,
    };
    let written = written_text(&d.request).map_or(0, |text| 1 + Highlighter::line_count(&text));
    2 + usize::from(d.message.is_some())
        + body
        + d.response_headers.len()
        + d.request.headers.len()
        + written
}

/// Lines of the `?` overlay.
pub fn help_lines() -> usize {
    let actions = Action::all();
    let mut groups = 0;
    let mut group = "";
    for action in actions {
        if action.group() != group {
            group = action.group();
            groups += 1;
        }
    }
    // Headings and the blank lines between groups.
    let keys = actions.len() + groups * 2 - 1;
    // "Editing": blank, heading, its two actions and the editor's own keys.
    let editing = 2 + 2 + EDITOR_KEYS.len();
    // "Events list marks": blank, heading, one line each.
    let marks = 2 + LIST_MARKS.len();
    // "Mouse": blank, heading, click, wheel; then blank and the closing note.
    let mouse = 4 + 2;
    keys + editing + marks + mouse
}

/// How far the `?` overlay can scroll on this screen: its box is as tall as its lines and
/// borders, or the screen.
pub fn help_max_scroll(app: &App) -> u16 {
    let lines = u16::try_from(help_lines()).unwrap_or(u16::MAX);
    let box_height = lines.saturating_add(2).min(app.size.1);
    lines.saturating_sub(box_height.saturating_sub(2))
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;
    use crate::testing::Harness;
    use crate::view;

    /// The counts agree with the lines the panes draw.
    fn assert_in_step(h: &Harness, what: &str) {
        let app = &h.app;
        assert_eq!(
            logs_lines(app),
            view::logs::lines(app).len(),
            "logs: {what}"
        );
        assert_eq!(help_lines(), view::help::lines(app).len(), "help: {what}");
        if app.bottom == BottomTab::Response {
            assert_eq!(
                bottom_lines(app),
                view::response::lines(app).len(),
                "response: {what}"
            );
        }
        if let Some(result) = app.selected_result() {
            let drawn = if app.diff {
                view::segment::diff_lines(app, result).len()
            } else if let Some(output) = &result.output {
                Highlighter::line_count(&output.text)
            } else {
                view::segment::error_lines(app, result).len()
            };
            assert_eq!(segment_lines(app), drawn, "segment: {what}");
            for (width, height) in [(20, 40), (60, 40), (200, 10)] {
                let rows: usize = view::segment::finding_lines(app)
                    .iter()
                    .map(|l| l.width().div_ceil(usize::from(width)).max(1))
                    .sum();
                let expected = u16::try_from(rows).unwrap_or(u16::MAX).min(height / 2);
                assert_eq!(
                    findings_height(app, width, height),
                    expected,
                    "findings: {what}"
                );
            }
        }
    }

    #[test]
    fn counts_match_the_drawn_lines_on_every_event() {
        let mut h = Harness::new(180, 45);
        let count = h.app.events.entries().len();
        for i in 0..count {
            assert_in_step(&h, &format!("event {i}"));
            h.press(KeyCode::Char('j'));
        }
        // A failing transformation, then the diff against the output before it.
        h.press(KeyCode::Char('g'));
        h.press(KeyCode::Char('i'));
        h.type_text("x");
        h.press(KeyCode::Esc);
        assert_in_step(&h, "syntax error");
        h.press(KeyCode::Char('i'));
        h.press_with(KeyCode::Char('z'), KeyModifiers::CONTROL);
        h.press(KeyCode::Esc);
        h.press(KeyCode::Char('d'));
        assert_in_step(&h, "diff");
        h.press(KeyCode::Char(']'));
        assert_in_step(&h, "response tab");
    }

    #[test]
    fn help_scrolls_only_as_far_as_its_lines_overflow() {
        let tall = Harness::new(180, 200);
        assert_eq!(help_max_scroll(&tall.app), 0);
        let short = Harness::new(180, 30);
        let lines = u16::try_from(help_lines()).unwrap_or(u16::MAX);
        assert_eq!(help_max_scroll(&short.app), lines - 28);
    }
}
