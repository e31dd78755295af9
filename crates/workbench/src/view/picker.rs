//! The transformation picker (`t`): presets, `*.js` in the current directory, config paths.

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::keymap::Action;
use crate::model::app::{App, Picker};
use crate::text::{raw_span, span, styled_line, truncate};

use super::frame::{centered, draw_modal};

pub fn draw(app: &App, frame: &mut Frame, picker: &Picker) {
    let p = &app.theme.palette;
    let count = picker.entries.as_ref().map_or(1, Vec::len).max(1);
    let height = u16::try_from(count + 2).unwrap_or(u16::MAX).min(20);
    let area = centered(frame.area(), 64, height);
    let title = format!(
        "Transformation · {} loads · {} closes",
        app.keymap.first_key_text(Action::PickerLoad),
        app.keymap.first_key_text(Action::PickerClose)
    );
    let inner_height = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line> = match &picker.entries {
        None => vec![styled_line("reading…", p.dim)],
        Some(entries) if entries.is_empty() => vec![styled_line("nothing found", p.dim)],
        Some(entries) => {
            let first = picker
                .selected
                .saturating_sub(inner_height.saturating_sub(1));
            entries
                .iter()
                .enumerate()
                .skip(first)
                .take(inner_height)
                .map(|(i, entry)| {
                    let origin = format!(" {}", entry.origin);
                    let name = truncate(&entry.spec, width.saturating_sub(origin.len() + 2));
                    let pad = width.saturating_sub(2 + name.chars().count() + origin.len());
                    let line = Line::from(vec![
                        raw_span("  "),
                        span(name, p.text),
                        raw_span(" ".repeat(pad)),
                        span(origin, p.dim),
                    ]);
                    if i == picker.selected {
                        line.patch_style(p.selection)
                    } else {
                        line
                    }
                })
                .collect()
        }
    };
    draw_modal(
        app,
        frame,
        area,
        title,
        p.border_focused,
        Paragraph::new(lines),
    );
}
