//! The Deliveries tab: every send of the session, newest first.

use ratatui::text::{Line, Span};

use crate::model::app::App;
use crate::text::truncate;

use super::response::outcome_style;
use crate::model::sending::outcome_mark;

pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    if app.send.reports.is_empty() {
        return vec![Line::styled(
            "No sends yet this session: s sends the selected event, S every listed one.",
            p.dim,
        )];
    }
    let mut lines: Vec<Line> = app
        .send
        .in_flight
        .iter()
        .map(|progress| {
            Line::styled(
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
            Span::styled(format!("{} ", entry.at), p.dim),
            Span::styled(
                format!("{} {:<9} ", outcome_mark(d.outcome), d.outcome.as_str()),
                outcome_style(app, d.outcome),
            ),
            Span::styled(
                format!("{:<name_width$}", truncate(&entry.key, name_width)),
                p.text,
            ),
            Span::styled(detail, p.dim),
        ])
    }));
    lines
}
