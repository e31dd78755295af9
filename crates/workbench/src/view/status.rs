//! The status bar: mode, destination, key and listener state, the last message, help hint.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::keymap::Action;
use crate::model::app::{App, Mode};
use crate::model::status_labels;
use crate::text::truncate;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let p = &app.theme.palette;
    let bar = p.status;
    let mode = Span::styled(
        format!(" {} ", app.mode.label()),
        p.title_focused.add_modifier(Modifier::REVERSED),
    );
    let sending: usize = app
        .send
        .in_flight
        .iter()
        .map(|p| p.total.saturating_sub(p.done))
        .sum();
    let progress = if sending > 0 {
        format!(" · ⟳ sending {sending}")
    } else {
        String::new()
    };
    // The addresses stay on screen: shortened, then the key hints too, when room runs out.
    let state = |compact: bool| {
        format!(
            " → {}{progress} ",
            status_labels::state_label(&app.send, &app.listener, compact)
        )
    };
    let first_key = |a: Action| app.keymap.first_key_text(a);
    // What matters most in this mode, the rest is in the help.
    let help = match app.mode {
        Mode::EditTransform | Mode::EditBody => format!(
            " {} leave · {} save · ctrl-z undo ",
            first_key(Action::EditorLeave),
            first_key(Action::EditorSave)
        ),
        Mode::Filter => " enter keep · esc clear ".to_string(),
        Mode::Normal => format!(
            " {} edit · {} transforms · {} help · {} quit ",
            first_key(Action::Edit),
            first_key(Action::PickTransform),
            first_key(Action::Help),
            first_key(Action::Quit)
        ),
    };
    let width = usize::from(area.width);
    // A message keeps room for its first words, or the full state gives way to the short one.
    let message_room = app
        .status
        .as_ref()
        .map_or(0, |s| (s.text.chars().count() + 1).min(40));
    let fits = |left: &str, help: &str| {
        mode.width() + left.chars().count() + help.chars().count() + message_room <= width
    };
    let (left, help) = if fits(&state(false), &help) {
        (state(false), help)
    } else if fits(&state(true), &help) || app.mode != Mode::Normal {
        (state(true), help)
    } else {
        let short = format!(
            " {} help · {} quit ",
            first_key(Action::Help),
            first_key(Action::Quit)
        );
        (state(true), short)
    };
    // The key hints stay whole; the state gives way first, then the message.
    let left = truncate(
        &left,
        width.saturating_sub(mode.width() + help.chars().count()),
    );
    let used = mode.width() + left.chars().count() + help.chars().count();
    let room = width.saturating_sub(used + 1);
    let message = match &app.status {
        Some(status) => Span::styled(
            format!(" {}", truncate(&status.text, room)),
            if status.is_error {
                bar.patch(p.error)
            } else {
                bar.patch(p.accent)
            },
        ),
        None => Span::raw(""),
    };
    let pad = width.saturating_sub(used + message.width());
    let line = Line::from(vec![
        mode,
        Span::styled(left, bar),
        message,
        Span::styled(" ".repeat(pad), bar),
        Span::styled(help, bar.patch(p.key_hint)),
    ]);
    frame.render_widget(Paragraph::new(line).style(bar), area);
}
