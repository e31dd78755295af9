//! The Segment pane: what would be sent (method, the URL it would actually go to, payload) with lint findings under it and
//! their lines marked; the transformation's error when it failed; the diff against the
//! saved version's output on `d`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use similar::{ChangeTag, TextDiff};

use crate::highlight::Language;
use crate::model::app::{App, EventResult, Pane};
use crate::model::measure::{DIFF_CONTEXT, finding_summary, findings_height, lint_findings};
use hookbench_core::text::human_bytes;

use super::code::{self, code_view, render_code, worst_mark};
use super::frame::pane_block;

/// The lint findings listed under the payload.
pub(crate) fn finding_lines(app: &App) -> Vec<Line<'static>> {
    code::finding_lines(app, &lint_findings(app), finding_summary)
}

pub(crate) fn error_lines(app: &App, result: &EventResult) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let Some(error) = &result.record.error else {
        return vec![Line::styled("no output", p.dim)];
    };
    let at = match (error.line, error.column) {
        (Some(l), Some(c)) => format!(" at {}:{l}:{c}", app.transform.source.name),
        (Some(l), None) => format!(" at {}:{l}", app.transform.source.name),
        _ => String::new(),
    };
    let mut lines = vec![
        Line::styled(format!("✗ {}{at}", error.kind), p.error),
        Line::styled(error.message.clone(), p.text),
    ];
    if let Some(line) = error.line
        && let Some(source) = app
            .transform
            .editor
            .lines()
            .get((line as usize).saturating_sub(1))
    {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(format!("{line:>4} │ "), p.line_number),
            Span::styled(source.replace('\t', "  "), p.text),
        ]));
        if let Some(column) = error.column {
            let pad = " ".repeat(7 + (column as usize).saturating_sub(1));
            lines.push(Line::styled(format!("{pad}^"), p.error));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Nothing would be sent: Dodo's runtime fails the same way on this event.",
        p.dim,
    ));
    lines
}

pub(crate) fn diff_lines(app: &App, result: &EventResult) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let (Some(previous), Some(current)) = (&result.saved, &result.output) else {
        return vec![Line::styled(
            "No output of the saved version on this body yet: the diff compares the output with the saved transformation's.",
            p.dim,
        )];
    };
    let mut lines = Vec::new();
    if previous.request_line != current.request_line {
        lines.push(Line::styled(
            format!("- {}", previous.request_line),
            p.diff_removed,
        ));
        lines.push(Line::styled(
            format!("+ {}", current.request_line),
            p.diff_added,
        ));
    }
    let diff = TextDiff::from_lines(&previous.text, &current.text);
    for group in diff.grouped_ops(DIFF_CONTEXT) {
        if let (Some(first), Some(last)) = (group.first(), group.last()) {
            let old = first.old_range().start + 1..last.old_range().end + 1;
            let new = first.new_range().start + 1..last.new_range().end + 1;
            lines.push(Line::styled(
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
                lines.push(Line::styled(format!("{sign}{text}"), style));
            }
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("No change.", p.dim));
    }
    lines
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let p = &app.theme.palette;
    let mut title = vec![Span::raw("4 Segment")];
    if let Some(badge) = super::frame::live_badge(app) {
        title.push(Span::raw(" "));
        title.push(badge);
    }
    if app.diff {
        title.push(Span::styled(" · diff vs saved version", p.accent));
    }
    if app.selected_is_pending() {
        // An output shown while pending came from an earlier text or body: say so.
        let stale = app.selected().is_some_and(|e| {
            let now = app.basis_now(&e.key);
            app.shown_result(&e.key)
                .is_some_and(|r| Some(r.basis) != now)
        });
        let text = if stale {
            " · ◌ running… (out of date until it finishes; s waits for it)"
        } else {
            " · ◌ running…"
        };
        title.push(Span::styled(text, p.dim));
    }
    let block = pane_block(app, Pane::Segment, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let rejected = app
        .selected()
        .and_then(|e| e.incoming.as_ref())
        .filter(|i| !i.accepted());
    if let (Some(info), None) = (rejected, app.selected_result()) {
        let lines = vec![
            Line::styled(
                format!(
                    "✗ the receiver answered {}: {}",
                    info.status,
                    info.reason.as_deref().unwrap_or("rejected")
                ),
                p.error,
            ),
            Line::styled(
                "A rejected delivery is not transformed; m modifies its body to try it anyway.",
                p.dim,
            ),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        return;
    }
    if let Some(error) = app.selected().and_then(|e| e.invalid_body()) {
        let lines = vec![
            Line::styled(format!("! the body is not valid JSON: {error}"), p.error),
            Line::styled(
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
        frame.render_widget(Paragraph::new(Line::styled(text, p.dim)), inner);
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
            Span::styled("⊘ cancelled: nothing is sent ", p.warning),
            Span::styled(format!("({})", output.request_line), p.dim),
        ]),
        (Some(webhook), Some(output)) => {
            let target = app.send.target_of(&webhook.url);
            let mut spans = vec![
                match &target {
                    Ok(target) => Span::styled(format!("{} {target}", webhook.method), p.accent),
                    // Not known yet (the sink is starting) or not sendable: the handler's URL.
                    Err(_) => Span::styled(output.request_line.clone(), p.accent),
                },
                Span::styled(
                    format!(
                        " · {} · {} µs",
                        human_bytes(output.bytes),
                        result.record.duration_us
                    ),
                    p.dim,
                ),
            ];
            if let Err(why) = target {
                spans.push(Span::styled(format!(" · {why}"), p.warning));
            }
            Line::from(spans)
        }
        _ => Line::styled(
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
        let rows = lint_findings(app);
        let view = code_view(
            app,
            output.doc,
            &output.text,
            Language::Json,
            app.scroll.segment,
            height,
            |line| worst_mark(app, &rows, line, |path| output.line_of(path)),
        );
        render_code(frame, body, view, 0);
    } else {
        let lines: Vec<Line> = error_lines(app, result)
            .into_iter()
            .skip(app.scroll.segment)
            .collect();
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    }

    if findings > 0 {
        frame.render_widget(
            Paragraph::new(finding_lines(app)).wrap(Wrap { trim: false }),
            findings_area,
        );
    }
}
