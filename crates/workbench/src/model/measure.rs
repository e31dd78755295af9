//! How tall the scrolling texts are, counted from the app's data without building styled lines:
//! what `update` clamps scroll offsets and pages with, and what the panes size their parts by.
//! The panes draw the same content; tests keep the counts and the drawn lines in step.

use similar::TextDiff;

use hookbench_core::segment::Severity;
use hookbench_core::segment::send::RequestInfo;

use crate::keymap::Action;
use crate::keymap::EDITOR_KEYS;
use crate::layout::{Areas, Pane};
use crate::model::app::{App, BottomTab, DELIVERY_MARKS, EventResult, LIST_MARKS};
use crate::text::char_width;

use super::findings;

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
    app.selected().map_or(0, |e| e.view.line_count)
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
        Some(output) => output.line_count,
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

/// The selected output's lint findings, as rows.
pub fn lint_findings(app: &App) -> Vec<FindingRow<'_>> {
    findings::pane_findings(app, Pane::Segment).iter().collect()
}

/// Where the rows of `text` start when it is wrapped to `width` columns, as the panes wrap it:
/// at the last space that fits, else at the last character that fits (a character wider than
/// the width gets a row of its own). Character indices; the first row starts at 0, and an empty
/// text is one empty row. At most `max_rows` rows are laid out.
pub fn wrap_starts(text: &str, width: usize, max_rows: usize) -> Vec<usize> {
    let width = width.max(1);
    let max_rows = max_rows.max(1);
    let mut starts = vec![0];
    let mut row_start = 0;
    let mut used = 0;
    // The character after the last space of the current row, and the columns up to it.
    let mut after_space: Option<(usize, usize)> = None;
    for (i, c) in text.chars().enumerate() {
        let w = char_width(c);
        while used + w > width && i > row_start {
            let (at, columns) = match after_space {
                Some((at, columns)) if at > row_start => (at, columns),
                _ => (i, used),
            };
            if starts.len() == max_rows {
                return starts;
            }
            starts.push(at);
            row_start = at;
            used -= columns;
            after_space = None;
        }
        used += w;
        if c == ' ' {
            after_space = Some((i + 1, used));
        }
    }
    starts
}

/// Columns the gutter (mark, line number, space) takes for a text of `lines` lines.
pub fn gutter_width(lines: usize) -> usize {
    lines.max(1).to_string().len().max(2) + 2
}

/// A finding's line as listed, in its three styled parts: severity and code, path, message.
pub fn finding_parts(row: &FindingRow) -> [String; 3] {
    [
        format!("{} {} ", severity_symbol(row.severity), row.code),
        format!("{} ", row.shown_path()),
        row.message.to_string(),
    ]
}

/// Wrapped rows each finding takes at `width`, in order.
pub fn finding_row_counts(rows: &[FindingRow], width: u16) -> Vec<usize> {
    rows.iter()
        .map(|r| wrap_starts(&finding_parts(r).concat(), usize::from(width), usize::MAX).len())
        .collect()
}

/// Rows the findings area takes in a pane of `width` × `height`: the summary line, then the
/// findings wrapped to `width`, at most half the pane (and at least the summary and one row);
/// the list scrolls within it.
fn rows_height(app: &App, pane: Pane, width: u16, height: u16) -> u16 {
    if findings::pane_findings(app, pane).is_empty() {
        return 0;
    }
    let cap = (height / 2).max(2).min(height);
    let rows = findings::rows_up_to(app, pane, width, usize::from(cap));
    u16::try_from(1 + rows).unwrap_or(u16::MAX).min(cap)
}

/// Rows the lint findings take in a pane of `width` × `height`.
pub fn findings_height(app: &App, width: u16, height: u16) -> u16 {
    rows_height(app, Pane::Segment, width, height)
}

/// Rows the body's input diagnostics take in a pane of `width` × `height`.
pub fn input_findings_height(app: &App, width: u16, height: u16) -> u16 {
    rows_height(app, Pane::Webhook, width, height)
}

/// The findings area of a pane as placed on screen: its width and the rows its list (under
/// the summary) has. None when the pane lists no findings.
pub fn findings_area(app: &App, areas: &Areas, pane: Pane) -> Option<(u16, usize)> {
    let area = areas.of(pane)?;
    let width = area.width.saturating_sub(2);
    let height = area.height.saturating_sub(2);
    let shown = match pane {
        Pane::Webhook => {
            let parse_error = app.selected().is_some_and(|e| e.view.parse_error.is_some());
            let height = if parse_error {
                height.saturating_sub(2)
            } else {
                height
            };
            let height = height.saturating_sub(super::field_cursor::missing_height(app, height));
            input_findings_height(app, width, height)
        }
        Pane::Segment => findings_height(app, width, height),
        _ => 0,
    };
    (shown > 0).then(|| (width, usize::from(shown - 1)))
}

/// The text lines a pane shows and searches, and the first of them shown; None when the pane
/// shows no such text (a diff, an error, no event).
pub fn pane_text(app: &App, pane: Pane) -> Option<(Vec<&str>, usize)> {
    match pane {
        Pane::Webhook => {
            let entry = app.selected()?;
            Some((entry.view.text.split('\n').collect(), app.scroll.webhook))
        }
        Pane::Transform => Some((
            app.transform
                .editor
                .lines()
                .iter()
                .map(String::as_str)
                .collect(),
            app.transform.editor.top,
        )),
        Pane::Segment if !app.diff => {
            let output = app.selected_result()?.output.as_ref()?;
            Some((output.text.split('\n').collect(), app.scroll.segment))
        }
        _ => None,
    }
}

/// How many lines [`pane_text`] gives a pane, counted without splitting its text.
fn pane_text_lines(app: &App, pane: Pane) -> Option<usize> {
    // A text ending in a newline splits into one more line than it shows.
    let split = |line_count: usize, text: &str| {
        line_count + usize::from(text.is_empty() || text.ends_with('\n'))
    };
    match pane {
        Pane::Webhook => app
            .selected()
            .map(|e| split(e.view.line_count, &e.view.text)),
        Pane::Transform => Some(app.transform.editor.lines().len()),
        Pane::Segment if !app.diff => {
            let output = app.selected_result()?.output.as_ref()?;
            Some(split(output.line_count, &output.text))
        }
        _ => None,
    }
}

/// Height of a text pane's code: the rows under its borders less the findings, header and
/// error lines.
pub fn text_height(app: &App, areas: &Areas, pane: Pane) -> usize {
    match pane {
        Pane::Webhook => webhook_body_height(app, areas),
        Pane::Segment => segment_payload_height(app, areas),
        _ => areas.inner_height(pane),
    }
}

/// Columns a text pane shows of each line, right of its gutter.
pub fn text_width(app: &App, areas: &Areas, pane: Pane) -> usize {
    let Some(area) = areas.of(pane) else { return 0 };
    let lines = pane_text_lines(app, pane).unwrap_or(1);
    usize::from(area.width.saturating_sub(2)).saturating_sub(gutter_width(lines))
}

/// The furthest a text pane's first line can go: the last lines fill its height, wrapped when
/// it wraps.
pub fn max_top(app: &App, areas: &Areas, pane: Pane, lines: usize) -> usize {
    let height = text_height(app, areas, pane).max(1);
    let wrapping = app.reading.sideways(pane).is_some_and(|s| s.wrap);
    // Split into lines only when it wraps: a body can be megabytes.
    let text = wrapping.then(|| pane_text(app, pane)).flatten();
    let Some((text, _)) = text else {
        return lines.saturating_sub(height);
    };
    let width = text_width(app, areas, pane);
    let mut rows = 0;
    for (i, line) in text.iter().enumerate().rev() {
        rows += wrap_starts(line, width, height + 1).len();
        if rows > height {
            return i + 1;
        }
    }
    0
}

/// Columns of the widest line a text pane has in view.
pub fn widest_in_view(app: &App, areas: &Areas, pane: Pane) -> usize {
    let Some((lines, top)) = pane_text(app, pane) else {
        return 0;
    };
    let height = text_height(app, areas, pane).max(1);
    lines
        .iter()
        .skip(top)
        .take(height)
        .map(|l| l.chars().map(char_width).sum::<usize>())
        .max()
        .unwrap_or(0)
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
    // A body that is not JSON says why in two rows under it.
    let inner_height = match app.selected().and_then(|e| e.view.parse_error.as_ref()) {
        Some(_) => inner_height.saturating_sub(2),
        None => inner_height,
    };
    // The schema's fields the body lacks, listed under it while the field cursor shows.
    let inner_height =
        inner_height.saturating_sub(super::field_cursor::missing_height(app, inner_height));
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
        BottomTab::Sends => super::sending::sends_line_count(&app.send),
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

/// Lines of the Response tab: a received delivery's detail, then its last send's.
fn response_lines(app: &App) -> usize {
    let Some(event) = app.selected() else {
        return 0;
    };
    let received = event
        .incoming
        .as_ref()
        .map_or(0, |info| info.detail_line_count());
    received
        + app
            .send
            .last_report(&event.key)
            .map_or(1, |entry| super::sending::report_line_count(&entry.report))
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
    // "Marks": blank, heading, one line each; the deliveries' note and their marks.
    let marks = 2 + LIST_MARKS.len() + 1 + DELIVERY_MARKS.len();
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
    use crate::highlight::Highlighter;
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
                view::segment::error_lines(app, result, 60).len()
            };
            assert_eq!(segment_lines(app), drawn, "segment: {what}");
            // The findings list draws exactly the rows it is measured to take.
            let rows = lint_findings(app);
            for width in [20u16, 60, 200] {
                let total = 1 + finding_row_counts(&rows, width).iter().sum::<usize>();
                let backend = ratatui::backend::TestBackend::new(width, 200);
                let mut terminal = ratatui::Terminal::new(backend).expect("terminal");
                terminal
                    .draw(|frame| {
                        view::code::render_findings(
                            app,
                            frame,
                            frame.area(),
                            Pane::Segment,
                            finding_summary,
                            crate::model::reading::FindingsCursor::default(),
                        )
                    })
                    .expect("draw");
                let buffer = terminal.backend().buffer();
                let drawn = (0..200u16)
                    .filter(|&y| (0..width).any(|x| buffer[(x, y)].symbol() != " "))
                    .count();
                let expected = if rows.is_empty() { 0 } else { total };
                assert_eq!(drawn, expected, "findings at width {width}: {what}");
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
