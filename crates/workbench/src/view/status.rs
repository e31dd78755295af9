//! The status bar: mode, destination, key and listener state, the newest message (cut to fit,
//! with the key of the message log when cut), and the keys that matter most in the focused pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::keymap::Action;
use crate::model::app::{App, Mode, Pane};
use crate::model::messages::Level;
use crate::model::status_labels;
use crate::text::{char_width, raw_span, span, truncate};

/// The hints of the focused pane in normal mode, most useful first; help always comes last.
fn pane_hints(pane: Pane) -> &'static [(Action, &'static str)] {
    match pane {
        Pane::Events => &[
            (Action::Open, "output"),
            (Action::Filter, "filter"),
            (Action::Send, "send"),
            (Action::ModifyBody, "modify"),
        ],
        Pane::Webhook => &[
            (Action::ModifyBody, "modify"),
            (Action::ResetBody, "reset"),
            (Action::Send, "send"),
        ],
        Pane::Transform => &[
            (Action::Edit, "edit"),
            (Action::PickTransform, "transforms"),
            (Action::ExternalEditor, "$EDITOR"),
            (Action::Save, "save"),
        ],
        Pane::Segment => &[
            (Action::Send, "send"),
            (Action::CopyPayload, "copy"),
            (Action::Diff, "diff"),
            (Action::CopyCurl, "curl"),
        ],
        Pane::Logs => &[
            (Action::PanelNext, "next tab"),
            (Action::Messages, "messages"),
            (Action::CancelSend, "cancel"),
        ],
    }
}

/// The hint text for this mode and pane, as many hints as fit in `width` columns (help is
/// kept whenever it fits at all).
fn hints(app: &App, width: usize) -> String {
    let first_key = |a: Action| app.keymap.first_key_text(a);
    let hints: Vec<String> = match app.mode {
        Mode::EditTransform | Mode::EditBody => vec![
            format!("{} leave", first_key(Action::EditorLeave)),
            format!("{} save", first_key(Action::EditorSave)),
            "ctrl-z undo".to_string(),
        ],
        Mode::Filter => vec!["enter keep".to_string(), "esc clear".to_string()],
        Mode::Normal => {
            let pane = super::mapping_table::hints(app).unwrap_or_else(|| pane_hints(app.focus));
            let mut hints: Vec<String> = pane
                .iter()
                .map(|&(action, what)| format!("{} {what}", first_key(action)))
                .collect();
            hints.push(format!("{} help", first_key(Action::Help)));
            hints
        }
    };
    let fits = |hints: &[String]| hints.join(" · ").chars().count() + 2 <= width;
    let mut kept = hints;
    // Drop the least useful (the last before help) until the hints fit.
    while kept.len() > 1 && !fits(&kept) {
        let at = if app.mode == Mode::Normal {
            kept.len() - 2
        } else {
            kept.len() - 1
        };
        kept.remove(at);
    }
    if !fits(&kept) {
        return String::new();
    }
    format!(" {} ", kept.join(" · "))
}

fn width_of(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// The newest message in `room` columns; when it does not fit, cut with an ellipsis and
/// followed by the key of the message log.
pub fn message_text(app: &App, text: &str, room: usize) -> String {
    if width_of(text) <= room {
        return text.to_string();
    }
    let hint = format!(" ({} log)", app.keymap.first_key_text(Action::Messages));
    if room > width_of(&hint) + 8 {
        format!("{}{hint}", truncate(text, room - width_of(&hint)))
    } else {
        truncate(text, room)
    }
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let p = &app.theme.palette;
    let bar = p.status;
    let mode = span(
        format!(" {} ", app.mode.label()),
        p.title_focused.add_modifier(Modifier::REVERSED),
    );
    // A send under way comes first: when the state must be cut, its end goes.
    let progress = app
        .send
        .progress_label()
        .map(|label| format!(" {label} ·"))
        .unwrap_or_default();
    // The addresses stay on screen: shortened when the full state does not fit.
    let state_of = |compact: bool| {
        format!(
            "{progress} → {} ",
            status_labels::state_label(&app.send, &app.listener, compact)
        )
    };
    // Sends to a live workspace say so first, whatever else gives way.
    let badge = super::frame::live_badge(app);
    let width = usize::from(area.width).saturating_sub(badge.as_ref().map_or(0, |b| b.width()));
    // The key hints take at most a third of the bar; the state and the message share the rest.
    // The state stays whole while the message keeps 24 columns; on a narrower bar the message
    // takes up to two thirds, so that it never disappears.
    let help = hints(app, width / 3);
    let rest = width.saturating_sub(mode.width() + width_of(&help));
    let wanted = app.status.as_ref().map_or(0, |s| width_of(&s.text) + 2);
    let full = state_of(false);
    let state = if rest >= width_of(&full) + wanted.min(24) {
        full
    } else {
        state_of(true)
    };
    let state_width = width_of(&state);
    let state_room = if rest >= state_width + wanted.min(24) {
        state_width
    } else {
        rest.saturating_sub(wanted.min(rest * 2 / 3))
    };
    // A send under way is never cut for the message.
    let state_room = state_room.max((width_of(&progress) + 1).min(rest));
    let state = truncate(&state, state_room);
    let used = mode.width() + width_of(&state) + width_of(&help);
    let room = width.saturating_sub(used + 1);
    let message = match &app.status {
        Some(status) => span(
            format!(" {}", message_text(app, &status.text, room)),
            match status.level {
                Level::Error => bar.patch(p.error),
                Level::Warning => bar.patch(p.warning),
                Level::Info => bar.patch(p.accent),
            },
        ),
        None => raw_span(""),
    };
    let pad = width.saturating_sub(used + message.width());
    let mut spans = vec![mode];
    spans.extend(badge);
    spans.extend([
        span(state, bar),
        message,
        span(" ".repeat(pad), bar),
        span(help, bar.patch(p.key_hint)),
    ]);
    frame.render_widget(Paragraph::new(Line::from(spans)).style(bar), area);
}
