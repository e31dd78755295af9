//! The transformation picker (`t`): presets, `*.js` in the current directory, config paths;
//! typing filters the list, the first line shows the filter and how many match.

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::keymap::Action;
use crate::model::app::{App, Picker};
use crate::text::{raw_span, span, styled_line, truncate};

use super::frame::{centered, draw_modal};

pub fn draw(app: &App, frame: &mut Frame, picker: &Picker) {
    let p = &app.theme.palette;
    let matches = picker.matches();
    let total = picker.entries.as_ref().map_or(0, Vec::len);
    // The filter line, then the entries (or one line saying there are none).
    let rows = total.max(1) + 1;
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX).min(21);
    let area = centered(frame.area(), 64, height);
    let first_key = |a: Action| app.keymap.first_key_text(a);
    let title = format!(
        "Transformation · type to filter · {} loads · {} closes",
        first_key(Action::PickerLoad),
        first_key(Action::PickerClose)
    );
    let inner_height = usize::from(area.height.saturating_sub(3));
    let width = usize::from(area.width.saturating_sub(2));
    let count = if picker.entries.is_some() {
        format!("{}/{total}", matches.len())
    } else {
        String::new()
    };
    let clear = if picker.filter.is_empty() {
        String::new()
    } else {
        format!(" · {} clears", first_key(Action::PickerClearFilter))
    };
    let filter = truncate(
        &picker.filter,
        width.saturating_sub(4 + count.len() + clear.chars().count()),
    );
    let pad =
        width.saturating_sub(3 + filter.chars().count() + count.len() + clear.chars().count());
    let mut lines = vec![Line::from(vec![
        span("> ", p.accent),
        span(filter, p.text),
        span("▏", p.accent),
        raw_span(" ".repeat(pad)),
        span(count, p.dim),
        span(clear, p.dim),
    ])];
    match &picker.entries {
        None => lines.push(styled_line("reading…", p.dim)),
        Some(entries) if entries.is_empty() => lines.push(styled_line("nothing found", p.dim)),
        Some(_) if matches.is_empty() => lines.push(styled_line(
            format!(
                "nothing matches; {} clears the filter",
                first_key(Action::PickerClearFilter)
            ),
            p.dim,
        )),
        Some(_) => {
            let first = picker
                .selected
                .saturating_sub(inner_height.saturating_sub(1));
            lines.extend(
                matches
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
                    }),
            );
        }
    }
    draw_modal(
        app,
        frame,
        area,
        title,
        p.border_focused,
        Paragraph::new(lines),
    );
}
