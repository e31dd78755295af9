//! The Segment pane: what would be sent (method, the URL it would actually go to, payload) with lint findings under it and
//! their lines marked; the transformation's error when it failed; the diff against the
//! saved version's output on `d`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use similar::{ChangeTag, TextDiff};

use crate::highlight::Language;
use crate::model::app::{App, EventResult, Pane};
use crate::model::findings::{self, pane_findings};
use crate::model::measure::{DIFF_CONTEXT, finding_summary, findings_height};
use crate::text::{char_width, columns_before, raw_line, raw_span, span, styled_line};
use hookbench_core::text::human_bytes;
use hookbench_core::transform::ErrorKind;

use super::code::{
    Reader, bottom_note, code_view, fit_title, hint, render_code, render_findings, said, worst_mark,
};
use super::frame::pane_block;

/// What a timeout says of where it stopped: the engine positions an interrupt at the start of
/// the function it stopped, never at the loop, so no line is given.
pub const TIMEOUT_PLACE: &str = "line unknown: interrupted in a loop or a built-in";

/// The source line of an error, cut to `width` columns around its column so the caret under it
/// stays in place however long the line is: (the text shown, the caret's column in it).
fn around_column(source: &str, column: Option<usize>, width: usize) -> (String, Option<usize>) {
    let source = source.replace('\t', "  ");
    let caret = column.map(|c| columns_before(&source, c.saturating_sub(1)));
    let total: usize = source.chars().map(char_width).sum();
    let width = width.max(8);
    if total <= width {
        return (source, caret);
    }
    // Start so the caret sits a third of the way in, then cut at the window's right edge.
    let start = caret.map_or(0, |c| c.saturating_sub(width / 3));
    let mut shown = String::new();
    let mut column = 0;
    let mut used = 0;
    if start > 0 {
        shown.push('…');
        used += 1;
    }
    let mut first_shown = None;
    for c in source.chars() {
        let w = char_width(c);
        if column >= start {
            if used + w + 1 > width {
                shown.push('…');
                break;
            }
            first_shown.get_or_insert(column);
            shown.push(c);
            used += w;
        }
        column += w;
    }
    let offset = usize::from(start > 0);
    let caret = caret.map(|c| c - first_shown.unwrap_or(start) + offset);
    (shown, caret)
}

/// A failed run's lines at a pane `width` columns wide: kind and place, message, the source
/// line with a caret under the column, the note.
pub(crate) fn error_lines(app: &App, result: &EventResult, width: usize) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let Some(error) = &result.record.error else {
        return vec![styled_line("no output", p.dim)];
    };
    let at = match (error.line, error.column) {
        (Some(l), Some(c)) => format!(" at {}:{l}:{c}", app.transform.source.name),
        (Some(l), None) => format!(" at {}:{l}", app.transform.source.name),
        _ if error.kind == ErrorKind::Timeout => format!(" ({TIMEOUT_PLACE})"),
        _ => String::new(),
    };
    let mut lines = vec![
        styled_line(format!("✗ {}{at}", error.kind), p.error),
        styled_line(error.message.clone(), p.text),
    ];
    if let Some(line) = error.line
        && let Some(source) = app
            .transform
            .editor
            .lines()
            .get((line as usize).saturating_sub(1))
    {
        lines.push(raw_line(""));
        let gutter = format!("{line:>4} │ ");
        let gutter_width = gutter.chars().count();
        let (shown, caret) = around_column(
            source,
            error.column.map(|c| c as usize),
            width.saturating_sub(gutter_width),
        );
        lines.push(Line::from(vec![
            span(gutter, p.line_number),
            span(shown, p.text),
        ]));
        if let Some(caret) = caret {
            let pad = " ".repeat(gutter_width + caret);
            lines.push(styled_line(format!("{pad}^"), p.error));
        }
    }
    lines.push(raw_line(""));
    lines.push(styled_line(
        "Nothing would be sent: Dodo's runtime fails the same way on this event.",
        p.dim,
    ));
    lines
}

pub(crate) fn diff_lines(app: &App, result: &EventResult) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let (Some(previous), Some(current)) = (&result.saved, &result.output) else {
        return vec![styled_line(
            "No output of the saved version on this body yet: the diff compares the output with the saved transformation's.",
            p.dim,
        )];
    };
    let mut lines = Vec::new();
    if previous.request_line != current.request_line {
        lines.push(styled_line(
            format!("- {}", previous.request_line),
            p.diff_removed,
        ));
        lines.push(styled_line(
            format!("+ {}", current.request_line),
            p.diff_added,
        ));
    }
    let diff = TextDiff::from_lines(&previous.text, &current.text);
    for group in diff.grouped_ops(DIFF_CONTEXT) {
        if let (Some(first), Some(last)) = (group.first(), group.last()) {
            let old = first.old_range().start + 1..last.old_range().end + 1;
            let new = first.new_range().start + 1..last.new_range().end + 1;
            lines.push(styled_line(
                format!(
                    "@@ -{},{} +{},{} @@",
                    old.start,
                    old.len(),
                    new.start,
                    new.len()
                ),
                p.dim,
            ));
        }
        for op in &group {
            for change in diff.iter_changes(op) {
                let text = change.value().trim_end_matches('\n').replace('\t', "  ");
                let (sign, style) = match change.tag() {
                    ChangeTag::Delete => ("- ", p.diff_removed),
                    ChangeTag::Insert => ("+ ", p.diff_added),
                    ChangeTag::Equal => ("  ", p.text),
                };
                lines.push(styled_line(format!("{sign}{text}"), style));
            }
        }
    }
    if lines.is_empty() {
        lines.push(styled_line("No change.", p.dim));
    }
    lines
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let p = &app.theme.palette;
    let mut title = vec![said(raw_span("4 Segment"))];
    if let Some(badge) = super::frame::live_badge(app) {
        title.push(said(raw_span(" ")));
        title.push(said(badge));
    }
    if app.diff {
        title.push(said(span(" · diff", p.accent)));
        title.push(hint(span(" vs saved version", p.accent)));
    }
    if app.selected_is_pending() {
        // An output shown while pending came from an earlier text or body: say so.
        let stale = app.selected().is_some_and(|e| {
            let now = app.basis_now(&e.key);
            app.shown_result(&e.key)
                .is_some_and(|r| Some(r.basis) != now)
        });
        title.push(said(span(" · ◌ running…", p.dim)));
        if stale {
            title.push(said(span(" (out of date", p.dim)));
            title.push(hint(span(" until it finishes; s waits for it", p.dim)));
            title.push(said(span(")", p.dim)));
        }
    }
    let mut block = pane_block(app, Pane::Segment, fit_title(title, area.width));
    if let Some(note) = bottom_note(app, Pane::Segment) {
        block = block.title_bottom(note);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let rejected = app
        .selected()
        .and_then(|e| e.incoming.as_ref())
        .filter(|i| !i.accepted());
    if let (Some(info), None) = (rejected, app.selected_result()) {
        let lines = vec![
            styled_line(
                format!(
                    "✗ the receiver answered {}: {}",
                    info.status,
                    info.reason.as_deref().unwrap_or("rejected")
                ),
                p.error,
            ),
            styled_line(
                "A rejected delivery is not transformed; m modifies its body to try it anyway.",
                p.dim,
            ),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    if let Some(error) = app.selected().and_then(|e| e.invalid_body()) {
        let lines = vec![
            styled_line(format!("! the body is not valid JSON: {error}"), p.error),
            styled_line(
                "It is not run and nothing can be sent for it: m fixes the body, r resets it.",
                p.dim,
            ),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    let Some(result) = app.selected_result() else {
        let text = if app.selected_is_pending() {
            "running…"
        } else {
            "no output yet"
        };
        frame.render_widget(Paragraph::new(styled_line(text, p.dim)), inner);
        return;
    };

    let findings = findings_height(app, inner.width, inner.height);
    let [header, body, findings_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(findings),
    ])
    .areas(inner);

    let header_line = match (&result.record.webhook, &result.output) {
        (Some(webhook), Some(output)) if webhook.cancel => Line::from(vec![
            span("⊘ cancelled: nothing is sent ", p.warning),
            span(format!("({})", output.request_line), p.dim),
        ]),
        (Some(webhook), Some(output)) => {
            let target = app.send.target_of(&webhook.url);
            let mut spans = vec![
                match &target {
                    Ok(target) => span(format!("{} {target}", webhook.method), p.accent),
                    // Not known yet (the sink is starting) or not sendable: the handler's URL.
                    Err(_) => span(output.request_line.clone(), p.accent),
                },
                span(
                    format!(
                        " · {} · {} µs",
                        human_bytes(output.bytes),
                        result.record.duration_us
                    ),
                    p.dim,
                ),
            ];
            if let Err(why) = target {
                spans.push(span(format!(" · {why}"), p.warning));
            }
            Line::from(spans)
        }
        _ => styled_line(
            format!("✗ failed · {} µs", result.record.duration_us),
            p.error,
        ),
    };
    frame.render_widget(Paragraph::new(header_line), header);

    let height = usize::from(body.height);
    if app.diff {
        let lines: Vec<Line> = diff_lines(app, result)
            .into_iter()
            .skip(app.scroll.segment)
            .take(height)
            .collect();
        frame.render_widget(Paragraph::new(lines), body);
    } else if let Some(output) = &result.output {
        let rows = pane_findings(app, Pane::Segment);
        let layout = findings::layout(app, Pane::Segment, findings_area.width);
        let worst = layout.worst_by_line();
        let view = code_view(
            app,
            output.doc,
            (&output.text, output.line_count),
            Language::Json,
            app.scroll.segment,
            height,
            |line| worst_mark(app, worst, line),
        );
        let mut reader = Reader::of(app, Pane::Segment);
        reader.pointed = app
            .reading
            .segment_findings
            .selected
            .and_then(|i| rows.get(i))
            .and_then(|r| output.line_of(r.path));
        render_code(app, frame, body, view, reader);
    } else {
        let lines: Vec<Line> = error_lines(app, result, usize::from(body.width))
            .into_iter()
            .skip(app.scroll.segment)
            .collect();
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    }

    if findings > 0 {
        render_findings(
            app,
            frame,
            findings_area,
            Pane::Segment,
            finding_summary,
            app.reading.segment_findings,
        );
    }
}
