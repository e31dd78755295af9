//! The layout keys: the next layout, the events list's width, the bottom panel's rows and
//! whether it shows. What they set is kept for the session.

use crate::layout::{self, EVENTS_STEP, LayoutChoice};
use crate::model::app::{App, Pane};
use crate::update::scroll::{areas, focus, settle_view};

/// The next layout of the cycle; the status line names it.
pub(super) fn cycle(app: &mut App) {
    app.layout.choice = app.layout.choice.next();
    let what = match app.layout.choice {
        LayoutChoice::Auto => "auto (every pane side by side from 140 columns, a split below)",
        LayoutChoice::Wide => "wide (every pane side by side)",
        LayoutChoice::Split => "split (Webhook and Transform as tabs, Segment beside them)",
        LayoutChoice::Tabs => "tabs (Webhook, Transform and Segment as tabs)",
    };
    app.set_status(format!("layout: {what}"));
    settle_view(app);
}

/// `<` (step -1) or `>` (step 1): the events list by [`EVENTS_STEP`] columns, from the width
/// it has now.
pub(super) fn resize_events(app: &mut App, step: i32) {
    let now = i32::from(areas(app).events.width);
    let wanted = (now + step * i32::from(EVENTS_STEP)).max(0);
    let wanted = u16::try_from(wanted).unwrap_or(u16::MAX);
    let half = (app.size.0 / 2).max(layout::EVENTS_MIN);
    let shown = wanted.clamp(layout::EVENTS_MIN, half);
    app.layout.events_width = Some(shown);
    app.set_status(format!("events list: {shown} columns"));
    settle_view(app);
}

/// `+` (step 1) or `-` (step -1): the bottom panel by one row, from the rows it has now. A
/// hidden panel shows again first.
pub(super) fn resize_bottom(app: &mut App, step: i32) {
    let height = app.size.1;
    let mut sizing = app.sizing();
    sizing.bottom.hidden = false;
    // A folded panel grows from its unfolded size, which is what it shows once it has more.
    sizing.bottom_content = sizing.bottom_content.max(2);
    let now = i32::from(layout::bottom_height(height, &sizing));
    let wanted = u16::try_from((now + step).max(0)).unwrap_or(u16::MAX);
    app.layout.bottom.hidden = false;
    app.layout.bottom.rows = Some(wanted);
    sizing.bottom.rows = Some(wanted);
    let shown = layout::bottom_height(height, &sizing);
    app.layout.bottom.rows = Some(shown);
    app.set_status(format!("bottom panel: {shown} rows"));
    settle_view(app);
}

/// `b`: hides the bottom panel, or shows it again. Hiding it while it has the focus moves the
/// focus to the events list.
pub(super) fn toggle_bottom(app: &mut App) {
    app.layout.bottom.hidden = !app.layout.bottom.hidden;
    if app.layout.bottom.hidden {
        if app.focus == Pane::Logs {
            focus(app, Pane::Events);
        }
        let key = app
            .keymap
            .first_key_text(crate::keymap::Action::PanelToggle);
        app.set_status(format!("bottom panel hidden ({key} shows it)"));
    } else {
        app.set_status("bottom panel shown");
    }
    settle_view(app);
}
