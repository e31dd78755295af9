//! The bottom panel: tabs for the run's logs, the selected event's last response, and the
//! session's deliveries (`[` and `]` switch).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::model::app::{App, BottomTab, Pane};

use super::frame::pane_block;
use super::{logs, response, sends};
use crate::text::{raw_span, span};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let p = &app.theme.palette;
    let mut title = vec![raw_span("5 ")];
    for (i, tab) in BottomTab::ALL.into_iter().enumerate() {
        if i > 0 {
            title.push(span(" │ ", p.dim));
        }
        let label = app.bottom_tab_label(tab);
        title.push(if tab == app.bottom {
            span(label, p.title_focused)
        } else {
            span(label, p.dim)
        });
    }
    if let Some(entry) = app.selected() {
        title.push(span(format!(" · {}", entry.key), p.dim));
    }
    title.push(span("  [ ] switch", p.dim));
    let block = pane_block(app, Pane::Logs, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    let lines: Vec<Line> = match app.bottom {
        BottomTab::Logs => logs::visible_lines(app, height),
        BottomTab::Response => response::lines(app)
            .into_iter()
            .skip(app.bottom_scroll)
            .take(height)
            .collect(),
        BottomTab::Sends => sends::lines(app, usize::from(inner.width))
            .into_iter()
            .skip(app.bottom_scroll)
            .take(height)
            .collect(),
    };
    frame.render_widget(Paragraph::new(lines), inner);
}
