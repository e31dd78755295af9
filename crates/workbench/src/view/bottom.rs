//! The bottom panel: tabs for the run's logs, the selected event's last response, and the
//! session's deliveries (`[` and `]` switch).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
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
    if area.height == 0 {
        return;
    }
    if area.height == 1 {
        folded(app, frame, area, title);
        return;
    }
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

/// The panel in one row, when its tab has at most one line: the tab bar, then that line.
fn folded(app: &App, frame: &mut Frame, area: Rect, mut title: Vec<Span<'static>>) {
    let p = &app.theme.palette;
    let focused = app.focus == Pane::Logs;
    let mark = if focused { "▸ " } else { "  " };
    let title_style = if focused { p.title_focused } else { p.title };
    for span in &mut title {
        if span.style == ratatui::style::Style::default() {
            span.style = title_style;
        }
    }
    title.insert(0, span(mark, p.border_focused));
    let first = match app.bottom {
        BottomTab::Logs => logs::visible_lines(app, 1),
        BottomTab::Response => response::lines(app).into_iter().take(1).collect(),
        BottomTab::Sends => sends::lines(app, usize::from(area.width))
            .into_iter()
            .take(1)
            .collect(),
    };
    // The tab bar's hint gives way to the line.
    title.pop();
    title.push(span(" — ", p.dim));
    if let Some(line) = first.into_iter().next() {
        title.extend(line.spans);
    }
    let spans = title;
    let line = Line::from(spans);
    frame.render_widget(Paragraph::new(truncate_line(line, area.width)), area);
}

/// A line cut to `width` columns, with an ellipsis when something is cut.
fn truncate_line(line: Line<'static>, width: u16) -> Line<'static> {
    let width = usize::from(width);
    if line.width() <= width {
        return line;
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for piece in line.spans {
        let room = width.saturating_sub(used + 1);
        let w = piece.width();
        if w <= room {
            used += w;
            spans.push(piece);
        } else {
            let text = crate::text::truncate(&piece.content, room + 1);
            spans.push(span(text, piece.style));
            break;
        }
    }
    Line::from(spans)
}
