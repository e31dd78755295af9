//! The Webhook pane: the selected event's body as received (or as modified), highlighted, with
//! what Dodo's schema says about it listed under it and its lines marked; the body editor while
//! modifying it.

use crate::text::{raw_span, span, styled_line};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Paragraph, Wrap};

use crate::highlight::Language;
use crate::model::app::{App, Mode, Pane};
use crate::model::events_list::NOT_DODO_GROUP;
use crate::model::field_cursor;
use crate::model::findings::{self, pane_findings};
use crate::model::measure::{input_findings_height, input_summary};

use super::code::{
    GutterMark, Reader, bottom_note, code_view, fit_title, hint, render_code, render_editor,
    render_findings, said, worst_mark,
};
use super::frame::pane_block;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let p = &app.theme.palette;
    let Some(entry) = app.selected() else {
        let block = pane_block(app, Pane::Webhook, vec![raw_span("2 Webhook")]);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(
            Paragraph::new(styled_line("no event selected", p.dim)),
            inner,
        );
        return;
    };
    let editing = app.mode == Mode::EditBody
        && app
            .body_editor
            .as_ref()
            .is_some_and(|(k, _)| *k == entry.key);
    let mut title = vec![said(raw_span("2 Webhook "))];
    match &entry.incoming {
        Some(info) => {
            let name = if entry.event_type.is_empty() {
                entry.key.clone()
            } else {
                format!("{} {}", entry.event_type, entry.key)
            };
            title.push(said(span(name, p.accent)));
            let (text, style) = match info.verification {
                hookbench_core::store::Verification::Valid => ("✓ valid", p.ok),
                hookbench_core::store::Verification::Invalid => ("✗ invalid", p.error),
                hookbench_core::store::Verification::Unsigned => ("– unsigned", p.dim),
            };
            title.push(said(span(format!(" {text}"), style)));
            if info.redeliveries > 0 {
                // Redelivered: Dodo retried it; counted, not stored again.
                title.push(said(span(format!(" ↻{}", info.redeliveries), p.warning)));
            }
            title.push(hint(span(format!(" · {}", entry.origin), p.dim)));
        }
        None => {
            title.push(said(span(entry.key.clone(), p.accent)));
            if entry.not_dodo {
                // Before the origin: the title is cut on narrow panes, and this matters more.
                title.push(said(span(format!(" · {NOT_DODO_GROUP}"), p.warning)));
            }
            title.push(hint(span(format!(" · {}", entry.origin), p.dim)));
        }
    }
    if entry.modified.is_some() {
        title.push(said(span(" ✎ modified", p.warning)));
        title.push(hint(span(" (r resets)", p.warning)));
    }
    if editing {
        title.push(said(span(" · editing", p.accent)));
        title.push(hint(span(", Esc to run", p.accent)));
    } else if field_cursor::active(app) {
        title.push(hint(span(
            format!(
                " · {} picks the field at ▸",
                app.keymap
                    .first_key_text(crate::keymap::Action::MappingPick)
            ),
            p.dim,
        )));
    }
    let mut block = pane_block(app, Pane::Webhook, fit_title(title, area.width));
    if !editing && let Some(note) = bottom_note(app, Pane::Webhook) {
        block = block.title_bottom(note);
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if editing && let Some((_, editor)) = &app.body_editor {
        let reader = Reader {
            editing: true,
            ..Reader::of(app, Pane::Webhook)
        };
        render_editor(app, frame, inner, (editor, Language::Json), reader, |_| {
            None
        });
        return;
    }

    let (code_area, error_area) = match &entry.view.parse_error {
        Some(_) => {
            let [code, error] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
            (code, Some(error))
        }
        None => (inner, None),
    };
    // While a mapping is edited, the schema's fields this body lacks are listed under it.
    let missing = field_cursor::missing_height(app, code_area.height);
    let [code_area, missing_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(missing)]).areas(code_area);
    let findings = input_findings_height(app, code_area.width, code_area.height);
    let [code_area, findings_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(findings)]).areas(code_area);
    let cursor_field = field_cursor::active(app)
        .then(|| field_cursor::current(app))
        .flatten();
    let cursor_line = cursor_field.as_ref().and_then(|f| f.line);
    let rows = pane_findings(app, Pane::Webhook);
    let layout = findings::layout(app, Pane::Webhook, code_area.width);
    let worst = layout.worst_by_line();
    let error_line = entry.view.parse_error.as_deref().and_then(parse_error_line);
    let view = code_view(
        app,
        entry.view.doc,
        (&entry.view.text, entry.view.line_count),
        Language::Json,
        app.scroll.webhook,
        usize::from(code_area.height),
        |line| {
            if Some(line) == cursor_line {
                return Some(GutterMark {
                    symbol: "▸",
                    style: p.accent,
                });
            }
            (Some(line) == error_line)
                .then_some(GutterMark {
                    symbol: "✗",
                    style: p.error,
                })
                .or_else(|| worst_mark(app, worst, line))
        },
    );
    let cursor = app.reading.webhook_findings;
    let mut reader = Reader::of(app, Pane::Webhook);
    reader.pointed = cursor
        .selected
        .and_then(|i| rows.get(i))
        .and_then(|r| entry.view.lines.line_of(r.path))
        .or(cursor_line);
    render_code(app, frame, code_area, view, reader);
    if missing > 0 {
        super::field_cursor::draw(app, frame, missing_area, cursor_field.as_ref());
    }
    if findings > 0 {
        render_findings(
            app,
            frame,
            findings_area,
            Pane::Webhook,
            input_summary,
            cursor,
        );
    }
    if let (Some(area), Some(error)) = (error_area, &entry.view.parse_error) {
        frame.render_widget(
            Paragraph::new(styled_line(format!("✗ not valid JSON: {error}"), p.error))
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}

/// The 0-based line of a "line L, column C: …" parse error.
fn parse_error_line(error: &str) -> Option<usize> {
    let rest = error.strip_prefix("line ")?;
    let number: usize = rest.split(',').next()?.trim().parse().ok()?;
    number.checked_sub(1)
}
