//! The Deliveries tab: every send of the session, newest first.

use ratatui::text::Line;

use crate::model::app::App;
use crate::text::{span, styled_line, truncate};

use super::response::outcome_style;
use crate::model::sending::outcome_mark;

pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    if app.send.reports.is_empty() {
        return vec![styled_line(
            "No sends yet this session: s sends the selected event, S every listed one.",
            p.dim,
        )];
    }
    let mut lines: Vec<Line> = app
        .send
        .in_flight
        .iter()
        .map(|progress| {
            styled_line(
                format!(
                    "⟳ send {}: {}/{} answered · x cancels waiting retries",
                    progress.id, progress.done, progress.total
                ),
                p.accent,
            )
        })
        .collect();
    lines.extend(app.send.reports.iter().rev().map(|entry| {
        let d = &entry.report;
        let status = d
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "—".into());
        let detail = format!(
            " {status:>3} · {:>5} ms · {}× · {}",
            d.latency_ms, d.attempts, d.destination
        );
        let name_width = width.saturating_sub(detail.chars().count() + 14).max(8);
        Line::from(vec![
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
        ])
    }));
    lines
}
