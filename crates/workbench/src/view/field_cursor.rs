//! The field cursor's part of the Webhook pane: the fields Dodo's schema defines for the event's
//! type that the body lacks, listed dimmed under it with their types (the cursor moves on to
//! them after the body's own fields).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::model::app::App;
use crate::model::field_cursor::{self, BodyField};
use crate::text::{span, styled_line, truncate};

pub fn draw(app: &App, frame: &mut Frame, area: Rect, cursor: Option<&BodyField>) {
    let p = &app.theme.palette;
    let Some(body) = app.selected().and_then(|e| e.view.parsed.as_ref()) else {
        return;
    };
    let event_type = app.selected().map(|e| e.event_type.as_str()).unwrap_or("");
    let missing = field_cursor::missing_fields(event_type, body);
    let width = usize::from(area.width);
    let rows = usize::from(area.height).saturating_sub(1);
    let at = cursor
        .filter(|f| f.line.is_none())
        .and_then(|f| missing.iter().position(|m| m.path == f.path));
    let first = at.map_or(0, |i| i.saturating_sub(rows.saturating_sub(1)));
    let mut lines = vec![styled_line(
        truncate(
            &format!(
                "── not in this body, in Dodo's schema: {} field(s)",
                missing.len()
            ),
            width,
        ),
        p.dim,
    )];
    let path_width = missing
        .iter()
        .map(|m| m.path.text.chars().count())
        .max()
        .unwrap_or(0)
        .min(width * 2 / 3);
    for (i, field) in missing.iter().enumerate().skip(first).take(rows) {
        let (ty, required) = field.schema.clone().unwrap_or_default();
        let path = truncate(&field.path.text, path_width);
        let pad = path_width.saturating_sub(path.chars().count());
        let ty = if required {
            format!("{ty}, required")
        } else {
            ty
        };
        let marker = if Some(i) == at { "▸ " } else { "  " };
        let line = Line::from(vec![
            span(marker, p.accent),
            span(format!("{path}{} ", " ".repeat(pad)), p.dim),
            span(truncate(&ty, width.saturating_sub(path_width + 3)), p.dim),
        ]);
        lines.push(if Some(i) == at {
            line.patch_style(p.selection)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), area);
}
