//! Frames: every pane's border and title, and the boxes drawn over the panes (help, the picker,
//! the questions, the write-key dialog), framed, centred and hinted the same way.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use crate::keymap::Action;
use crate::model::app::{App, Pane};
use crate::model::sending::DestinationChoice;
use crate::text::{raw_line, raw_span, span};

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

/// An action's keys for a question's choice list: every key as bound, but a capital letter
/// only when its small letter is not bound too (`y / enter`, not `y / Y / enter`).
pub fn choice_keys(app: &App, action: Action) -> String {
    let keys: Vec<String> = app
        .keymap
        .keys(action)
        .iter()
        .map(ToString::to_string)
        .collect();
    keys.iter()
        .filter(|k| {
            let mut chars = k.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_uppercase() => {
                    !keys.contains(&c.to_lowercase().to_string())
                }
                _ => true,
            }
        })
        .cloned()
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A question over the panes: its text, then one line per choice with its keys, in a box sized
/// to fit (at most `max_width` wide), centred and framed in `border`.
pub fn draw_question(
    app: &App,
    frame: &mut Frame,
    title: &str,
    question: Vec<Line<'static>>,
    choices: &[(Action, &str)],
    border: Style,
) {
    const MAX_WIDTH: u16 = 72;
    let p = &app.theme.palette;
    let area = frame.area();
    let width = MAX_WIDTH.min(area.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let keys: Vec<String> = choices.iter().map(|&(a, _)| choice_keys(app, a)).collect();
    let key_width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
    let mut lines = question;
    lines.push(raw_line(""));
    for (key, &(_, what)) in keys.iter().zip(choices) {
        lines.push(Line::from(vec![
            span(format!(" {key:<key_width$} "), p.key_hint),
            span(format!(" {what}"), p.text),
        ]));
    }
    // Rows the wrapped text takes, a line at a time.
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    draw_modal(
        app,
        frame,
        centered(area, width, height),
        title.to_string(),
        border,
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
    );
}

/// The badge a live destination gets wherever the destination shows: sends go to a real
/// Segment workspace (or the endpoint configured as Segment), not the sink or a dry run.
pub fn live_badge(app: &App) -> Option<Span<'static>> {
    (app.send.choice == DestinationChoice::Segment).then(|| {
        span(
            " → SEGMENT (live) ",
            app.theme
                .palette
                .error
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )
    })
}
