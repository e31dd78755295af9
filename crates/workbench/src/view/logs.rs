//! The bottom panel's Logs tab: the sandbox warnings about the transformation, the paths the
//! selected run read that its event type's body never has, and the run's console output.

use ratatui::text::Line;

use crate::model::app::App;
use crate::text::{span, styled_line};
use hookbench_core::transform::LogLevel;

pub(crate) fn lines(app: &App) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let mut lines = Vec::new();
    for warning in &app.transform.compat {
        lines.push(Line::from(vec![
            span(
                format!("▲ sandbox {}:{} ", warning.line, warning.column),
                p.warning,
            ),
            span(warning.message.clone(), p.text),
        ]));
    }
    let Some(result) = app.selected_result() else {
        return lines;
    };
    for warning in &result.record.read_warnings {
        let place = match (warning.line, warning.column) {
            (Some(l), Some(c)) => format!("▲ read {l}:{c} "),
            (Some(l), None) => format!("▲ read {l} "),
            _ => "▲ read ".to_string(),
        };
        lines.push(Line::from(vec![
            span(place, p.warning),
            span(warning.message.clone(), p.text),
        ]));
    }
    for log in &result.record.logs {
        let style = match log.level {
            LogLevel::Error => p.error,
            LogLevel::Warn => p.warning,
            LogLevel::Info => p.info,
            LogLevel::Debug => p.dim,
            LogLevel::Log => p.text,
        };
        let label = format!("console.{}: ", log.level.as_str());
        for (i, text) in log.message.split('\n').enumerate() {
            let prefix = if i == 0 {
                label.clone()
            } else {
                " ".repeat(label.len())
            };
            lines.push(Line::from(vec![
                span(prefix, p.dim),
                span(text.replace('\t', "  "), style),
            ]));
        }
    }
    if result.record.logs.is_empty() {
        lines.push(styled_line("no console output from this run", p.dim));
    }
    lines
}

/// The Logs tab's visible lines.
pub fn visible_lines(app: &App, height: usize) -> Vec<Line<'static>> {
    lines(app)
        .into_iter()
        .skip(app.scroll.logs)
        .take(height)
        .collect()
}
