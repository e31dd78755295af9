//! The events list: every fixture, grouped by family, with a mark for how its output fares
//! (or that its run is pending, or that its body is not valid JSON), and `≠` after the name of
//! a body Dodo's schema refuses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::app::{App, Mode, Pane, RunMark};
use crate::model::events_list::{EventEntry, Row};
use crate::text::truncate;
use hookbench_core::store::Verification;
use hookbench_core::text::short_local_time;

use super::frame::pane_block;

/// The mark and its style for an event's mark ([`App::mark`]).
pub fn verdict_mark(app: &App, mark: Option<RunMark>) -> (&'static str, Style) {
    let p = &app.theme.palette;
    match mark {
        None => ("·", p.dim),
        Some(RunMark::Failed) => ("✗", p.error),
        Some(RunMark::Errors) => ("●", p.error),
        Some(RunMark::Warnings) => ("▲", p.warning),
        Some(RunMark::Clean) => ("✓", p.ok),
        Some(RunMark::Cancelled) => ("⊘", p.dim),
        Some(RunMark::Pending) => ("◌", p.dim),
        Some(RunMark::InvalidBody) => ("!", p.error),
    }
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
        return Line::raw("");
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
        Span::raw(indent),
        Span::styled(mark, mark_style),
        Span::raw(" "),
        Span::styled(info.badge(), badge_style),
        Span::raw(" "),
        Span::styled(format!("{time} "), p.dim),
        Span::styled(text, text_style),
        Span::styled(schema, p.warning),
        Span::raw(pad),
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
    let mut title = vec![Span::raw("1 Events")];
    if app.mode == Mode::Filter || !list.filter.is_empty() {
        let cursor = if app.mode == Mode::Filter { "▏" } else { "" };
        title.push(Span::styled(
            format!(" /{}{cursor}", list.filter),
            app.theme.palette.accent,
        ));
        title.push(Span::raw(format!(" {visible}/{total}")));
    } else {
        title.push(Span::raw(format!(" {total}")));
    }
    if !app.skipped_fixtures.is_empty() {
        title.push(Span::styled(
            format!(" ✗ {} not loaded", app.skipped_fixtures.len()),
            app.theme.palette.error,
        ));
    }
    if let Some(marker) = list.new_marker() {
        title.push(Span::styled(format!(" {marker}"), app.theme.palette.accent));
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
        frame.render_widget(Paragraph::new(Line::styled(hint, p.dim)), inner);
        return;
    }
    let lines: Vec<Line> = rows
        .iter()
        .skip(list.offset)
        .take(height)
        .map(|row| match *row {
            Row::Header { group, count } => Line::from(vec![
                Span::styled(format!("▾ {group}"), p.accent),
                Span::styled(format!(" {count}"), p.dim),
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
                    Span::raw(indent),
                    Span::styled(mark, mark_style),
                    Span::raw(" "),
                    Span::styled(name, p.text),
                    Span::styled(modified, p.warning),
                    Span::styled(schema, p.warning),
                    Span::raw(pad),
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
