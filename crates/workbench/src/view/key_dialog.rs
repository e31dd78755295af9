//! The write-key dialog (`K`): the key masked as typed, its region, and what each key does.

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use crate::keymap::Action;
use crate::model::app::{App, KeyDialog};
use hookbench_core::segment::keycheck::KEY_LENGTH;
use hookbench_core::segment::{Region, mask_secret};

use super::frame::{centered, draw_modal, hint_line};
use crate::text::{raw_line, raw_span, span, styled_line};

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
            span(format!("[{label}]"), p.title_focused)
        } else {
            span(format!(" {label} "), p.dim)
        }
    };
    let current = match &app.send.key_check {
        Some(check) => format!("{} — {}", app.send.key_label(), check.message),
        None => app.send.key_label(),
    };
    let lines = vec![
        Line::from(vec![span("Key     ", p.dim), span(shown, p.text)]),
        Line::from(vec![
            span("Region  ", p.dim),
            region(Region::Us, "us · api.segment.io"),
            raw_span(" "),
            region(Region::Eu, "eu · events.eu1.segmentapis.com"),
        ]),
        Line::from(vec![span("Now     ", p.dim), span(current, p.dim)]),
        raw_line(""),
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
        styled_line(
            "The check asks Segment's settings CDN; it never sends an event.",
            p.dim,
        ),
    ];
    draw_modal(
        app,
        frame,
        centered(frame.area(), 76, 9),
        "Segment write key".to_string(),
        p.border_focused,
        Paragraph::new(lines).wrap(Wrap { trim: false }),
    );
}

/// Hints for actions, each with its own description.
fn hints(app: &App, actions: &[Action], trailing: bool) -> Line<'static> {
    let described: Vec<(Action, &str)> = actions.iter().map(|&a| (a, a.description())).collect();
    hint_line(app, &described, trailing)
}
