//! The bottom panel: tabs for the run's logs, the selected event's last response, and the
//! session's deliveries (`[` and `]` switch).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::app::{App, BottomTab, Pane};

use super::frame::pane_block;
use super::{logs, response, sends};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let p = &app.theme.palette;
    let mut title = vec![Span::raw("5 ")];
    for (i, tab) in BottomTab::ALL.into_iter().enumerate() {
        if i > 0 {
            title.push(Span::styled(" │ ", p.dim));
        }
        let label = match tab {
            BottomTab::Sends if !app.send.reports.is_empty() => {
                format!("{} {}", tab.title(), app.send.reports.len())
            }
            _ => tab.title().to_string(),
        };
        title.push(if tab == app.bottom {
            Span::styled(label, p.title_focused)
        } else {
            Span::styled(label, p.dim)
        });
    }
    if let Some(entry) = app.selected() {
        title.push(Span::styled(format!(" · {}", entry.key), p.dim));
    }
    title.push(Span::styled("  [ ] switch", p.dim));
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
    title.insert(0, Span::styled(mark, p.border_focused));
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
    title.push(Span::styled(" — ", p.dim));
    if let Some(line) = first.into_iter().next() {
        title.extend(line.spans);
    }
    let line = Line::from(title);
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
    for span in line.spans {
        let room = width.saturating_sub(used + 1);
        let w = span.width();
        if w <= room {
            used += w;
            spans.push(span);
        } else {
            let text = crate::text::truncate(&span.content, room + 1);
            spans.push(Span::styled(text, span.style));
            break;
        }
    }
    Line::from(spans)
}
