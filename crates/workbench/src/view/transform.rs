//! The Transform pane: the transformation's source, highlighted, with the selected event's
//! error and the sandbox warnings marked at their lines; the editor while editing.

use crate::text::{raw_span, span};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::highlight::Language;
use crate::model::app::{App, Mode, Pane};
use hookbench_core::transform::{ErrorKind, TransformError};

use super::code::{GutterMark, Reader, bottom_note, fit_title, hint, render_editor, said};
use super::frame::pane_block;
use super::segment::TIMEOUT_PLACE;

/// The selected event's transformation error, when it has one.
pub fn selected_error(app: &App) -> Option<&TransformError> {
    app.selected_result().and_then(|r| r.record.error.as_ref())
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    if let Some(mapping) = &app.transform.mapping
        && !mapping.show_js
    {
        super::mapping_table::draw(app, frame, area, mapping);
        return;
    }
    let p = &app.theme.palette;
    let editing = app.mode == Mode::EditTransform;
    let mut title = vec![
        said(raw_span("3 Transform ")),
        said(span(app.transform_name(), p.accent)),
    ];
    if app.transform.is_dirty() {
        title.push(said(span(" ● unsaved", p.warning)));
        title.push(hint(span(" (ctrl-s)", p.warning)));
    }
    if app.transform.mapping.is_some() {
        // The generated JavaScript, shown read-only in place of the mapping table.
        title.push(said(span(" · generated JavaScript", p.dim)));
        title.push(hint(span(
            format!(
                ", {} table",
                app.keymap
                    .first_key_text(crate::keymap::Action::MappingShowJs)
            ),
            p.dim,
        )));
    }
    if editing {
        title.push(said(span(" · editing", p.accent)));
        title.push(hint(span(", Esc leaves", p.accent)));
    }
    let mut block = pane_block(app, Pane::Transform, fit_title(title, area.width));
    if !editing && let Some(note) = bottom_note(app, Pane::Transform) {
        block = block.title_bottom(note);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let error = selected_error(app);
    let error_line = error
        .and_then(|e| e.line)
        .map(|l| (l as usize).saturating_sub(1));
    let (code_area, message_area) = match error {
        Some(_) if inner.height > 4 => {
            let [code, message] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
            (code, Some(message))
        }
        _ => (inner, None),
    };
    let compat = &app.transform.compat;
    let reads = app
        .selected_result()
        .map(|r| r.record.read_warnings.as_slice())
        .unwrap_or_default();
    render_editor(
        app,
        frame,
        code_area,
        (&app.transform.editor, Language::JavaScript),
        Reader {
            editing,
            ..Reader::of(app, Pane::Transform)
        },
        |line| {
            if Some(line) == error_line {
                Some(GutterMark {
                    symbol: "✗",
                    style: p.error,
                })
            } else if compat
                .iter()
                .any(|w| (w.line as usize).saturating_sub(1) == line)
                || reads
                    .iter()
                    .any(|w| w.line.map(|l| (l as usize).saturating_sub(1)) == Some(line))
            {
                Some(GutterMark {
                    symbol: "▲",
                    style: p.warning,
                })
            } else {
                None
            }
        },
    );
    if let (Some(area), Some(error)) = (message_area, error) {
        let at = match (error.line, error.column) {
            (Some(l), Some(c)) => format!(" at {l}:{c}"),
            (Some(l), None) => format!(" at line {l}"),
            _ if error.kind == ErrorKind::Timeout => format!(" ({TIMEOUT_PLACE})"),
            _ => String::new(),
        };
        let text = Line::from(vec![
            span(format!("✗ {}{at}: ", error.kind), p.error),
            span(error.message.clone(), p.text),
        ]);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
    }
}
