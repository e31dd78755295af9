//! The tab bar over the middle panes that are tabs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::layout::tab_label;
use crate::model::app::{App, Pane};
use crate::text::{raw_span, span};

/// Draws `panes` as tabs, `shown` as the selected one.
pub fn draw(app: &App, frame: &mut Frame, area: Rect, panes: &[Pane], shown: Option<Pane>) {
    let p = &app.theme.palette;
    let mut spans = Vec::new();
    for &pane in panes {
        let style = if Some(pane) == shown {
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
