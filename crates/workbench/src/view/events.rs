//! The events list: every fixture, grouped by family, with a mark for how its output fares
//! (or that its run is pending, or that its body is not valid JSON), and `≠` after the name of
//! a body Dodo's schema refuses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::model::app::{App, Mode, Pane, RunMark};
use crate::model::events_list::{EventEntry, Row};
use crate::text::{raw_line, raw_span, span, styled_line, truncate};
use hookbench_core::marks::Mark;
use hookbench_core::store::Verification;
use hookbench_core::text::short_local_time;

use super::frame::pane_block;

/// The mark and its style for an event's mark ([`App::mark`]).
pub fn verdict_mark(app: &App, mark: Option<RunMark>) -> (&'static str, Style) {
    let p = &app.theme.palette;
    let style = match mark {
        None | Some(RunMark::Cancelled | RunMark::Pending) => p.dim,
        Some(RunMark::Failed | RunMark::Errors | RunMark::InvalidBody) => p.error,
        Some(RunMark::Warnings) => p.warning,
        Some(RunMark::Clean) => p.ok,
    };
    let symbol = mark.map_or(Mark::NotRun, RunMark::mark).symbol();
    (symbol, style)
}

/// The mark after an event's name when its body has input errors: Dodo does not send it so.
pub const INPUT_ERRORS_MARK: &str = " ≠";

fn input_mark(app: &App, entry: &EventEntry) -> &'static str {
    if app.has_input_errors(&entry.key) {
        INPUT_ERRORS_MARK
    } else {
        ""
    }
}

/// A received delivery's row: outcome mark, verification badge, time and type; a rejected one
/// dimmed, with its status and reason.
fn incoming_row(
    app: &App,
    entry: &EventEntry,
    width: usize,
    grouped: bool,
    selected: bool,
) -> Line<'static> {
    let p = &app.theme.palette;
    let Some(info) = &entry.incoming else {
        return raw_line("");
    };
    let indent = if grouped { "  " } else { "" };
    let time = short_local_time(&info.received_at);
    let (mark, mark_style) = if info.accepted() {
        verdict_mark(app, app.mark(&entry.key))
    } else {
        ("·", p.dim)
    };
    let badge_style = match info.verification {
        Verification::Valid => p.ok,
        Verification::Invalid => p.error,
        Verification::Unsigned => p.dim,
    };
    let what = if info.accepted() {
        if entry.event_type.is_empty() {
            "(no type)".to_string()
        } else {
            entry.event_type.clone()
        }
    } else {
        format!(
            "{} {}",
            info.status,
            info.reason.as_deref().unwrap_or("rejected")
        )
    };
    let schema = input_mark(app, entry);
    let used = indent.len() + 4 + time.len() + 1 + schema.chars().count();
    let text = truncate(&what, width.saturating_sub(used));
    let pad = " ".repeat(width.saturating_sub(used + text.chars().count()));
    let text_style = if info.accepted() { p.text } else { p.dim };
    let mut line = Line::from(vec![
        raw_span(indent),
        span(mark, mark_style),
        raw_span(" "),
        span(info.badge(), badge_style),
        raw_span(" "),
        span(format!("{time} "), p.dim),
        span(text, text_style),
        span(schema, p.warning),
        raw_span(pad),
    ]);
    if selected {
        line = line.patch_style(p.selection);
    }
    line
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let list = &app.events;
    let visible = list.visible().len();
    let total = list.entries().len();
    let mut title = vec![raw_span("1 Events")];
    if app.mode == Mode::Filter || !list.filter.is_empty() {
        let cursor = if app.mode == Mode::Filter { "▏" } else { "" };
        title.push(span(
            format!(" /{}{cursor}", list.filter),
            app.theme.palette.accent,
        ));
        title.push(raw_span(format!(" {visible}/{total}")));
    } else {
        title.push(raw_span(format!(" {total}")));
    }
    if !app.skipped_fixtures.is_empty() {
        title.push(span(
            format!(" ✗ {} not loaded", app.skipped_fixtures.len()),
            app.theme.palette.error,
        ));
    }
    if let Some(marker) = list.new_marker() {
        title.push(span(format!(" {marker}"), app.theme.palette.accent));
    }
    let block = pane_block(app, Pane::Events, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    let selected = list.selected_index();
    let p = &app.theme.palette;
    let rows = list.rows();
    if rows.is_empty() {
        let hint = if list.filter.is_empty() {
            "no events"
        } else {
            "no event matches; Esc clears the filter"
        };
        frame.render_widget(Paragraph::new(styled_line(hint, p.dim)), inner);
        return;
    }
    let lines: Vec<Line> = rows
        .iter()
        .skip(list.offset)
        .take(height)
        .map(|row| match *row {
            Row::Header { group, count } => Line::from(vec![
                span(format!("▾ {group}"), p.accent),
                span(format!(" {count}"), p.dim),
            ]),
            Row::Event(index) if list.entries()[index].incoming.is_some() => {
                let entry = &list.entries()[index];
                incoming_row(app, entry, width, list.grouped, Some(index) == selected)
            }
            Row::Event(index) => {
                let entry = &list.entries()[index];
                let (mark, mark_style) = verdict_mark(app, app.mark(&entry.key));
                let modified = if entry.modified.is_some() { " ✎" } else { "" };
                let schema = input_mark(app, entry);
                let suffix = modified.chars().count() + schema.chars().count();
                let indent = if list.grouped { "  " } else { "" };
                let name_width = width.saturating_sub(indent.len() + 2 + suffix);
                let name = truncate(&entry.key, name_width);
                let used = indent.len() + 2 + name.chars().count() + suffix;
                let pad = " ".repeat(width.saturating_sub(used));
                let mut line = Line::from(vec![
                    raw_span(indent),
                    span(mark, mark_style),
                    raw_span(" "),
                    span(name, p.text),
                    span(modified, p.warning),
                    span(schema, p.warning),
                    raw_span(pad),
                ]);
                if Some(index) == selected {
                    line = line.patch_style(p.selection);
                }
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::app::LIST_MARKS;
    use crate::testing::Harness;

    #[test]
    fn the_help_explains_every_mark_the_list_draws() {
        let h = Harness::new(120, 40);
        let explained: Vec<&str> = LIST_MARKS.iter().map(|(mark, _)| *mark).collect();
        let drawn = [
            RunMark::Failed,
            RunMark::Errors,
            RunMark::Warnings,
            RunMark::Clean,
            RunMark::Cancelled,
            RunMark::Pending,
            RunMark::InvalidBody,
        ]
        .map(|m| verdict_mark(&h.app, Some(m)).0);
        for mark in drawn.iter().chain([&"✎", &INPUT_ERRORS_MARK.trim()]) {
            assert!(explained.contains(mark), "{mark} is not explained");
        }
    }
}
