//! The message log overlay (`@`): opened at the newest message, scrolled by its keys; any key
//! it does not bind closes it, as the help does.

use crate::keymap::Action;
use crate::model::app::{App, Overlay};
use crate::model::message::Effect;
use crate::model::messages::{inner_size, max_scroll};

/// Opens the log with its newest message at the bottom.
pub(super) fn open(app: &mut App) {
    app.overlay = Some(Overlay::Messages {
        scroll: max_scroll(&app.messages, app.size),
    });
}

pub(super) fn on_key(app: &mut App, scroll: usize, action: Option<Action>) -> Vec<Effect> {
    let page = inner_size(app.size).0.max(2) - 1;
    let max = max_scroll(&app.messages, app.size);
    let scroll = match action {
        Some(Action::MessagesDown) => scroll.saturating_add(1),
        Some(Action::MessagesUp) => scroll.saturating_sub(1),
        Some(Action::MessagesPageDown) => scroll.saturating_add(page),
        Some(Action::MessagesPageUp) => scroll.saturating_sub(page),
        Some(Action::MessagesTop) => 0,
        Some(Action::MessagesBottom) => max,
        _ => {
            app.overlay = None;
            return Vec::new();
        }
    };
    app.overlay = Some(Overlay::Messages {
        scroll: scroll.min(max),
    });
    Vec::new()
}

/// Scrolls the open log by the mouse wheel.
pub(super) fn wheel(app: &mut App, scroll: usize, delta: isize) {
    let max = max_scroll(&app.messages, app.size);
    app.overlay = Some(Overlay::Messages {
        scroll: scroll.saturating_add_signed(delta).min(max),
    });
}
