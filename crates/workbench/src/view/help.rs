//! The `?` overlay: every action with its keys as currently bound, the editor's keys, the mouse.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::keymap::{Action, EDITOR_KEYS};
use crate::model::app::{App, DELIVERY_MARKS, LIST_MARKS};
use crate::model::measure;

use super::frame::{centered, draw_modal};
use crate::text::{raw_line, span, styled_line};

const WIDTH: u16 = 78;

pub(crate) fn lines(app: &App) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let mut lines = Vec::new();
    let mut group = "";
    for &action in Action::all() {
        if action.group() != group {
            group = action.group();
            if !lines.is_empty() {
                lines.push(raw_line(""));
            }
            lines.push(styled_line(group.to_string(), p.accent));
        }
        lines.push(Line::from(vec![
            span(
                format!("  {:<18}", app.keymap.keys_text(action)),
                p.key_hint,
            ),
            span(action.description().to_string(), p.text),
        ]));
    }
    lines.push(raw_line(""));
    lines.push(styled_line("Editing (i transformation, m body)", p.accent));
    for action in [Action::EditorLeave, Action::EditorSave] {
        lines.push(Line::from(vec![
            span(
                format!("  {:<18}", app.keymap.keys_text(action)),
                p.key_hint,
            ),
            span(action.description().to_string(), p.text),
        ]));
    }
    for (keys, what) in EDITOR_KEYS {
        lines.push(Line::from(vec![
            span(format!("  {keys:<18}"), p.key_hint),
            span(what.to_string(), p.text),
        ]));
    }
    lines.push(raw_line(""));
    lines.push(styled_line(
        "Marks (events list, and the command line's run output)",
        p.accent,
    ));
    for (mark, what) in LIST_MARKS {
        lines.push(Line::from(vec![
            span(format!("  {mark:<18}"), p.key_hint),
            span(what.to_string(), p.text),
        ]));
    }
    lines.push(styled_line(
        "  Incoming deliveries: the mark above, then the signature's",
        p.dim,
    ));
    for (mark, what) in DELIVERY_MARKS {
        lines.push(Line::from(vec![
            span(format!("  {mark:<18}"), p.key_hint),
            span(what.to_string(), p.text),
        ]));
    }
    lines.push(raw_line(""));
    lines.push(styled_line("Mouse", p.accent));
    lines.push(Line::from(vec![
        span(format!("  {:<18}", "click"), p.key_hint),
        span(
            "Focus a pane, select an event, pick a tab, place the cursor",
            p.text,
        ),
    ]));
    lines.push(Line::from(vec![
        span(format!("  {:<18}", "wheel"), p.key_hint),
        span("Scroll the pane under the pointer", p.text),
    ]));
    lines.push(raw_line(""));
    lines.push(styled_line(
        "Keys are remappable in the config file's [keys] section.",
        p.dim,
    ));
    lines
}

fn box_area(app: &App) -> Rect {
    let screen = Rect::new(0, 0, app.size.0, app.size.1);
    let height = u16::try_from(measure::help_lines() + 2).unwrap_or(u16::MAX);
    centered(screen, WIDTH, height)
}

pub fn draw(app: &App, frame: &mut Frame, scroll: u16) {
    let area = box_area(app).intersection(frame.area());
    let title = format!(
        "Help · {}/{} scroll · any other key closes",
        app.keymap.first_key_text(Action::HelpDown),
        app.keymap.first_key_text(Action::HelpUp)
    );
    draw_modal(
        app,
        frame,
        area,
        title,
        app.theme.palette.border_focused,
        Paragraph::new(lines(app)).scroll((scroll, 0)),
    );
}
