//! The Response tab: the selected event's last delivery — status, latency, attempts, where it
//! went, the answer's body and headers, and the request's headers and body exactly as written
//! (key masked; a batch's whole envelope), for dry runs too.

use ratatui::style::Style;
use ratatui::text::Line;

use crate::highlight::{Highlighter, Language, content_key};
use crate::model::app::App;
use crate::model::events_list::IncomingInfo;
use crate::model::measure::written_text;
use crate::model::sending::{SendEntry, outcome_mark, shown};
use crate::text::{raw_line, span, styled_line};
use hookbench_core::segment::Outcome;
use hookbench_core::segment::send::ResponseBody;
use hookbench_core::store::Verification;
use hookbench_core::text::short_local_time;

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
    let mut lines = event
        .incoming
        .as_ref()
        .map(|info| received_lines(app, info))
        .unwrap_or_default();
    let in_flight = app.send.is_sending();
    let Some(entry) = app.send.last_report(&event.key) else {
        let hint = if in_flight {
            match app.send.in_flight.iter().find_map(|p| p.retry.as_ref()) {
                Some(retry) => format!("⟳ sending… {}", retry.label()),
                None => "sending…".to_string(),
            }
        } else {
            format!(
                "Not sent yet. s sends this event to {}; S sends every listed event.",
                app.send.label()
            )
        };
        lines.push(styled_line(hint, p.dim));
        return lines;
    };
    lines.extend(report_lines(app, entry));
    lines
}

/// A received delivery: when and what the receiver answered, the verification and why, its
/// webhook-id and redeliveries, and the request's headers as stored.
pub fn received_lines(app: &App, info: &IncomingInfo) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let answer_style = if info.accepted() { p.ok } else { p.error };
    let mut lines = vec![Line::from(vec![
        span("⇣ received ", p.dim),
        span(short_local_time(&info.received_at), p.text),
        span(
            format!(" ({}) · answered ", shown(&info.received_at)),
            p.dim,
        ),
        span(
            format!("{} {}", info.status, reason(info.status)),
            answer_style,
        ),
    ])];
    let verification_style = match info.verification {
        Verification::Valid => p.ok,
        Verification::Invalid => p.error,
        Verification::Unsigned => p.dim,
    };
    lines.push(Line::from(vec![
        span(format!("  {} ", info.badge()), verification_style),
        span(info.verification_label(), verification_style),
    ]));
    let redelivered = match info.redeliveries {
        0 => "not redelivered".to_string(),
        n => format!("redelivered {n}× (Dodo retried; kept once)"),
    };
    lines.push(styled_line(
        format!(
            "  webhook-id {} · {redelivered}",
            info.webhook_id.as_deref().map_or("–".to_string(), shown)
        ),
        p.dim,
    ));
    lines.push(styled_line("  headers:", p.dim));
    match &info.headers {
        None => lines.push(styled_line("    reading from history…", p.dim)),
        Some(Err(e)) => lines.push(styled_line(
            format!("    cannot be read: {}", shown(e)),
            p.warning,
        )),
        Some(Ok(headers)) if headers.is_empty() => {
            lines.push(styled_line("    none stored", p.dim));
        }
        Some(Ok(headers)) => {
            for (name, value) in headers {
                lines.push(Line::from(vec![
                    span(format!("    {}: ", shown(name)), p.dim),
                    span(shown(value), p.text),
                ]));
            }
        }
    }
    lines.push(raw_line(""));
    lines
}

/// One send in full: outcome, status, latency, attempts, where and when; why it failed; the
/// answer's body and headers; the request's headers and body as written (key masked).
pub fn report_lines(app: &App, entry: &SendEntry) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
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
        let style = if d.outcome.is_failure() {
            p.error
        } else {
            p.warning
        };
        lines.push(styled_line(format!("why: {}", shown(message)), style));
    }
    lines.push(Line::from(vec![
        span("→ ", p.dim),
        span(
            format!("{} {}", shown(&d.request.method), shown(&d.request.url)),
            p.accent,
        ),
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
                    span(shown(&line.replace('\t', "  ")), p.text),
                ]));
            }
        }
        None => {}
    }
    for (name, value) in &d.response_headers {
        lines.push(styled_line(
            format!("← {}: {}", shown(name), shown(value)),
            p.dim,
        ));
    }
    for (name, value) in &d.request.headers {
        lines.push(styled_line(
            format!("→ {}: {}", shown(name), shown(value)),
            p.dim,
        ));
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
