//! The message log (`@`): every status message, warning and error of the session, whole, with
//! its time and level, newest last.

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::keymap::Action;
use crate::model::app::App;
use crate::model::messages::{Level, PREFIX_WIDTH, box_size, inner_size};

use super::frame::{centered, draw_modal};
use crate::text::{raw_span, span, styled_line};

/// The log's rows on this screen, as drawn (before scrolling).
pub(crate) fn lines(app: &App) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let (_, width) = inner_size(app.size);
    if app.messages.is_empty() {
        return vec![styled_line("no messages yet", p.dim)];
    }
    app.messages
        .rows(width)
        .into_iter()
        .map(|row| {
            let level_style = match row.message.level {
                Level::Info => p.accent,
                Level::Warning => p.warning,
                Level::Error => p.error,
            };
            let prefix = if row.first {
                vec![
                    span(format!("{} ", row.message.time), p.dim),
                    span(format!("{} ", row.message.level.label()), level_style),
                ]
            } else {
                vec![raw_span(" ".repeat(PREFIX_WIDTH))]
            };
            let text_style = if row.message.level == Level::Info {
                p.text
            } else {
                level_style
            };
            let mut spans = prefix;
            spans.push(span(row.text, text_style));
            Line::from(spans)
        })
        .collect()
}

pub fn draw(app: &App, frame: &mut Frame, scroll: usize) {
    let (width, height) = box_size(app.size);
    let area = centered(frame.area(), width, height);
    let dropped = match app.messages.dropped() {
        0 => String::new(),
        n => format!(" (+{n} older dropped)"),
    };
    let title = format!(
        "Messages {}{dropped} · {}/{} scroll · {} closes",
        app.messages.len(),
        app.keymap.first_key_text(Action::MessagesDown),
        app.keymap.first_key_text(Action::MessagesUp),
        app.keymap.first_key_text(Action::MessagesClose),
    );
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    draw_modal(
        app,
        frame,
        area,
        title,
        app.theme.palette.border_focused,
        Paragraph::new(lines(app)).scroll((scroll, 0)),
    );
}
