//! The tab bar over the middle panes that are tabs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::layout::tab_label;
use crate::model::app::{App, Pane};

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
        spans.push(Span::styled(tab_label(pane), style));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled("Tab/h/l switch", p.dim));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
