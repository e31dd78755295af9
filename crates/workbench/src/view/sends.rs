//! The Sends tab: the sends in flight (and the retry each waits for), then every send of the
//! session, newest first, with why it failed; with the panel focused, j/k select a send and
//! Enter opens it: its request and answer in full, as the Response tab shows the latest.

use ratatui::text::Line;

use crate::model::app::{App, BottomTab, Pane};
use crate::model::sending::{outcome_mark, shown};
use crate::text::{span, styled_line, truncate};

use super::response::{outcome_style, report_lines};

pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    if app.send.open
        && let Some(entry) = app.send.selected_report()
    {
        let close = app.keymap.first_key_text(crate::keymap::Action::SendsClose);
        let mut lines = vec![Line::from(vec![
            span(
                format!("send {} · {} · {} ", entry.send, entry.key, entry.at),
                p.accent,
            ),
            span(format!("· {close} back to the list"), p.dim),
        ])];
        lines.extend(report_lines(app, entry));
        return lines;
    }
    let mut lines: Vec<Line> = Vec::new();
    for progress in &app.send.in_flight {
        lines.push(styled_line(
            format!(
                "⟳ send {}: {}/{} answered · x cancels waiting retries",
                progress.id, progress.done, progress.total
            ),
            p.accent,
        ));
        if let Some(retry) = &progress.retry {
            lines.push(styled_line(
                truncate(&format!("  {}", retry.label()), width),
                p.warning,
            ));
        }
    }
    if app.send.reports.is_empty() {
        if lines.is_empty() {
            lines.push(styled_line(
                "No sends yet this session: s sends the selected event, S every listed one.",
                p.dim,
            ));
        }
        return lines;
    }
    let focused = app.focus == Pane::Logs && app.bottom == BottomTab::Sends;
    lines.extend(
        app.send
            .reports
            .iter()
            .rev()
            .enumerate()
            .map(|(row, entry)| {
                let d = &entry.report;
                let status = d
                    .status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "—".into());
                // A failure's reason takes the destination's place (the opened send has both).
                let failure = d
                    .outcome
                    .is_failure()
                    .then_some(d.message.as_deref())
                    .flatten();
                let detail = format!(" {status:>3} · {:>5} ms · {}× · ", d.latency_ms, d.attempts);
                // Time and outcome take 21 columns; the name at most 24.
                let name_width = width
                    .saturating_sub(detail.chars().count() + 21)
                    .clamp(8, 24);
                let room = width.saturating_sub(21 + name_width + detail.chars().count());
                let (tail, tail_style) = match failure {
                    Some(message) => (truncate(&shown(message), room), p.error),
                    None => (truncate(&d.destination, room), p.dim),
                };
                let mut line = Line::from(vec![
                    span(format!("{} ", entry.at), p.dim),
                    span(
                        format!("{} {:<9} ", outcome_mark(d.outcome), d.outcome.as_str()),
                        outcome_style(app, d.outcome),
                    ),
                    span(
                        format!("{:<name_width$}", truncate(&entry.key, name_width)),
                        p.text,
                    ),
                    span(detail, p.dim),
                    span(tail, tail_style),
                ]);
                if focused && row == app.send.cursor {
                    line = line.patch_style(p.selection);
                }
                line
            }),
    );
    lines
}
