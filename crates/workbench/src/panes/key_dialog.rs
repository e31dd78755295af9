//! The write-key dialog (`K`): the key masked as typed, its region, and what each key does.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::{App, KeyDialog, Pane};
use crate::keymap::Action;
use hookbench_core::segment::keycheck::KEY_LENGTH;
use hookbench_core::segment::{Region, mask_secret};

use super::{centered, pane_block};

pub fn draw(app: &App, frame: &mut Frame, dialog: &KeyDialog) {
    let p = &app.theme.palette;
    let shown = if dialog.input.is_empty() {
        match &app.send.write_key {
            Some(key) => format!("(keep {})", key.masked()),
            None => "(type or paste the key)".to_string(),
        }
    } else if dialog.reveal {
        dialog.input.clone()
    } else {
        // Enough to tell what was typed from a mistake, never the key.
        let count = dialog.input.chars().count();
        let note = if count == KEY_LENGTH {
            String::new()
        } else {
            format!("; Segment's keys have {KEY_LENGTH}")
        };
        format!("{} ({count} characters{note})", mask_secret(&dialog.input))
    };
    let region = |r: Region, label: &str| {
        if dialog.region == r {
            Span::styled(format!("[{label}]"), p.title_focused)
        } else {
            Span::styled(format!(" {label} "), p.dim)
        }
    };
    let current = match &app.send.key_check {
        Some(check) => format!("{} — {}", app.send.key_label(), check.message),
        None => app.send.key_label(),
    };
    let lines = vec![
        Line::from(vec![
            Span::styled("Key     ", p.dim),
            Span::styled(shown, p.text),
        ]),
        Line::from(vec![
            Span::styled("Region  ", p.dim),
            region(Region::Us, "us · api.segment.io"),
            Span::raw(" "),
            region(Region::Eu, "eu · events.eu1.segmentapis.com"),
        ]),
        Line::from(vec![
            Span::styled("Now     ", p.dim),
            Span::styled(current, p.dim),
        ]),
        Line::raw(""),
        hints(
            app,
            &[
                Action::KeyDialogUse,
                Action::KeyDialogCheck,
                Action::KeyDialogSave,
            ],
            true,
        ),
        hints(
            app,
            &[
                Action::KeyDialogRegion,
                Action::KeyDialogReveal,
                Action::KeyDialogClear,
                Action::KeyDialogClose,
            ],
            false,
        ),
        Line::styled(
            "The check asks Segment's settings CDN; it never sends an event.",
            p.dim,
        ),
    ];
    let area = centered(frame.area(), 76, 9);
    let block = pane_block(app, Pane::Events, vec![Span::raw("Segment write key")])
        .border_style(p.border_focused);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// A line of " key what" hints, each action shown by its first key and its description;
/// `trailing` keeps the gap after the last one too.
fn hints(app: &App, actions: &[Action], trailing: bool) -> Line<'static> {
    let p = &app.theme.palette;
    let mut spans = Vec::with_capacity(actions.len() * 2);
    for (i, &action) in actions.iter().enumerate() {
        let gap = if trailing || i + 1 < actions.len() {
            "  "
        } else {
            ""
        };
        spans.push(Span::styled(
            format!(" {} ", app.keymap.first_key_text(action)),
            p.key_hint,
        ));
        spans.push(Span::styled(
            format!("{}{gap}", action.description()),
            p.text,
        ));
    }
    Line::from(spans)
}
