//! Frames: every pane's border and title, and the boxes drawn over the panes (help, the picker,
//! the questions, the write-key dialog), framed, centred and hinted the same way.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use crate::keymap::Action;
use crate::model::app::{App, Pane};
use crate::text::{raw_span, span};

/// A pane's frame: rounded borders, the title, and a bold accent border when focused.
pub fn pane_block<'a>(app: &App, pane: Pane, title: Vec<Span<'a>>) -> Block<'a> {
    let focused = app.focus == pane;
    let palette = &app.theme.palette;
    let (border, title_style) = if focused {
        (palette.border_focused, palette.title_focused)
    } else {
        (palette.border, palette.title)
    };
    let mut spans = vec![span(" ", title_style)];
    spans.extend(title.into_iter().map(|s| {
        if s.style == Style::default() {
            s.style(title_style)
        } else {
            s
        }
    }));
    spans.push(span(" ", title_style));
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(border)
        .title(Line::from(spans))
}

/// A box of `width` × `height` centred in `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// Draws `body` in a box over the panes at `area`: what lies under it is cleared, and it is
/// framed like a pane, titled `title`, its border in `border`.
pub fn draw_modal(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    title: String,
    border: Style,
    body: Paragraph<'_>,
) {
    let block = pane_block(app, Pane::Events, vec![raw_span(title)]).border_style(border);
    frame.render_widget(Clear, area);
    frame.render_widget(body.block(block), area);
}

/// A line of key hints: each action by its first key as bound, then what it does here;
/// `trailing` keeps the gap after the last one too.
pub fn hint_line(app: &App, hints: &[(Action, &str)], trailing: bool) -> Line<'static> {
    let p = &app.theme.palette;
    let mut spans = Vec::with_capacity(hints.len() * 2);
    for (i, &(action, what)) in hints.iter().enumerate() {
        let gap = if trailing || i + 1 < hints.len() {
            "  "
        } else {
            ""
        };
        spans.push(span(
            format!(" {} ", app.keymap.first_key_text(action)),
            p.key_hint,
        ));
        spans.push(span(format!("{what}{gap}"), p.text));
    }
    Line::from(spans)
}
