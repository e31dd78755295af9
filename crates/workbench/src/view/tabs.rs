//! The tab bar over the middle pane on narrow screens.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::layout::tab_label;
use crate::model::app::{App, Pane};
use crate::text::{raw_span, span};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let p = &app.theme.palette;
    let mut spans = Vec::new();
    for pane in [Pane::Webhook, Pane::Transform, Pane::Segment] {
        let style = if pane == app.tab {
            p.selection.patch(p.title_focused)
        } else {
            p.dim
        };
        spans.push(span(tab_label(pane), style));
        spans.push(raw_span(" "));
    }
    spans.push(span("Tab/h/l switch", p.dim));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
