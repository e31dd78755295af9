//! The Response tab: the selected event's last delivery — status, latency, attempts, where it
//! went, the answer's body and headers, and the request's headers and body exactly as written
//! (key masked; a batch's whole envelope), for dry runs too.

use ratatui::style::Style;
use ratatui::text::Line;

use crate::highlight::{Highlighter, Language, content_key};
use crate::model::app::App;
use crate::model::measure::written_text;
use crate::model::sending::outcome_mark;
use crate::text::{span, styled_line};
use hookbench_core::segment::Outcome;
use hookbench_core::segment::send::ResponseBody;

/// The style of an outcome.
pub fn outcome_style(app: &App, outcome: Outcome) -> Style {
    let p = &app.theme.palette;
    match outcome {
        Outcome::Delivered => p.ok,
        Outcome::DryRun | Outcome::Cancelled => p.accent,
        Outcome::Rejected | Outcome::Failed | Outcome::Refused => p.error,
    }
}

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let Some(event) = app.selected() else {
        return Vec::new();
    };
    let in_flight = app.send.is_sending();
    let Some(entry) = app.send.last_report(&event.key) else {
        let hint = if in_flight {
            "sending…".to_string()
        } else {
            format!(
                "Not sent yet. s sends this event to {}; S sends every listed event.",
                app.send.label()
            )
        };
        return vec![styled_line(hint, p.dim)];
    };
    let d = &entry.report;
    let status = d
        .status
        .map(|s| format!("{s} {}", reason(s)))
        .unwrap_or_else(|| "no answer".to_string());
    let mut lines = vec![Line::from(vec![
        span(
            format!("{} {} ", outcome_mark(d.outcome), d.outcome.as_str()),
            outcome_style(app, d.outcome),
        ),
        span(status, p.text),
        span(
            format!(
                " · {} ms · {} attempt(s) · {} · {}",
                d.latency_ms, d.attempts, d.destination, entry.at
            ),
            p.dim,
        ),
    ])];
    if let Some(message) = &d.message {
        lines.push(styled_line(message.clone(), p.warning));
    }
    lines.push(Line::from(vec![
        span("→ ", p.dim),
        span(format!("{} {}", d.request.method, d.request.url), p.accent),
    ]));
    match &d.body {
        Some(ResponseBody::Json(value)) => {
            // Short answers ({"success":true}) on one line, so the headers stay in view.
            let compact = value.to_string();
            let text = if compact.len() <= 100 {
                compact
            } else {
                serde_json::to_string_pretty(value).unwrap_or(compact)
            };
            let count = Highlighter::line_count(&text);
            let styled = app
                .highlighter
                .lines(content_key(&text), &text, Language::Json, 0, count);
            for spans in styled {
                let mut line = vec![span("← ", p.dim)];
                line.extend(spans.into_iter().map(|(style, t)| span(t, style)));
                lines.push(Line::from(line));
            }
        }
        Some(ResponseBody::Text(text)) => {
            for line in text.lines().take(20) {
                lines.push(Line::from(vec![
                    span("← ", p.dim),
                    span(line.replace('\t', "  "), p.text),
                ]));
            }
        }
        None => {}
    }
    for (name, value) in &d.response_headers {
        lines.push(styled_line(format!("← {name}: {value}"), p.dim));
    }
    for (name, value) in &d.request.headers {
        lines.push(styled_line(format!("→ {name}: {value}"), p.dim));
    }
    if let (Some(text), Some(written)) = (written_text(&d.request), d.request.written.as_deref()) {
        lines.push(styled_line(
            format!(
                "→ body as written ({}):",
                hookbench_core::text::human_bytes(written.len())
            ),
            p.dim,
        ));
        let count = Highlighter::line_count(&text);
        let styled = app
            .highlighter
            .lines(content_key(&text), &text, Language::Json, 0, count);
        for spans in styled {
            let mut line = vec![span("→ ", p.dim)];
            line.extend(spans.into_iter().map(|(style, t)| span(t, style)));
            lines.push(Line::from(line));
        }
    }
    lines
}

/// The reason phrase of common statuses.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}
