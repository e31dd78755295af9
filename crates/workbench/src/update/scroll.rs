//! Focus, movement and scrolling, by keys and by the mouse; and keeping every offset within its
//! content after any change.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use crate::layout::{self, Areas};
use crate::model::app::{App, BottomTab, Mode, Overlay, Pane};
use crate::model::measure;
use crate::model::message::Effect;
use crate::update::incoming;

pub fn areas(app: &App) -> Areas {
    layout::compute(
        Rect::new(0, 0, app.size.0, app.size.1),
        app.tab,
        &app.sizing(),
    )
}

pub(super) fn focus(app: &mut App, pane: Pane) {
    if app.mode == Mode::EditTransform && pane != Pane::Transform {
        app.mode = Mode::Normal;
    }
    if app.mode == Mode::Filter && pane != Pane::Events {
        app.mode = Mode::Normal;
    }
    app.focus = pane;
    if pane.is_middle() {
        app.tab = pane;
    }
    if matches!(pane, Pane::Webhook | Pane::Transform) {
        app.layout.split_tab = pane;
    }
    // Focusing the bottom panel shows it.
    if pane == Pane::Logs {
        app.layout.bottom.hidden = false;
    }
}

pub(super) fn cycle_focus(app: &mut App, step: isize) {
    let at = Pane::ALL.iter().position(|&p| p == app.focus).unwrap_or(0);
    let next = (at as isize + step).rem_euclid(Pane::ALL.len() as isize) as usize;
    focus(app, Pane::ALL[next]);
}

/// Left/right through the columns: Events, Webhook, Transform, Segment.
pub(super) fn step_focus(app: &mut App, step: isize) {
    const COLUMNS: [Pane; 4] = [Pane::Events, Pane::Webhook, Pane::Transform, Pane::Segment];
    let at = COLUMNS.iter().position(|&p| p == app.focus).unwrap_or(3);
    let next = (at as isize + step).clamp(0, 3) as usize;
    focus(app, COLUMNS[next]);
}

pub(super) fn half_page(app: &App) -> isize {
    let height = areas(app).inner_height(app.focus).max(2);
    (height / 2) as isize
}

pub(super) fn editor_height(app: &App) -> usize {
    areas(app).inner_height(Pane::Transform).max(1)
}

pub(super) fn move_in_focus(app: &mut App, delta: isize) {
    match app.focus {
        Pane::Events => {
            if app.events.move_by(delta) {
                selection_changed(app);
            }
        }
        Pane::Webhook => app.scroll.webhook = app.scroll.webhook.saturating_add_signed(delta),
        Pane::Transform => {
            app.transform.editor.top = app.transform.editor.top.saturating_add_signed(delta)
        }
        Pane::Segment => app.scroll.segment = app.scroll.segment.saturating_add_signed(delta),
        Pane::Logs => match app.bottom {
            BottomTab::Logs => app.scroll.logs = app.scroll.logs.saturating_add_signed(delta),
            _ => app.bottom_scroll = app.bottom_scroll.saturating_add_signed(delta),
        },
    }
}

pub(super) fn selection_changed(app: &mut App) {
    app.scroll.webhook = 0;
    app.scroll.segment = 0;
    app.scroll.logs = 0;
}

/// Keeps scroll offsets within their content and the selection in view, after any change.
pub fn settle_view(app: &mut App) {
    let areas = areas(app);
    app.events.ensure_visible(areas.inner_height(Pane::Events));
    let clamp = |offset: usize, total: usize, height: usize| {
        offset.min(total.saturating_sub(height.max(1)))
    };
    app.scroll.webhook = clamp(
        app.scroll.webhook,
        measure::webhook_lines(app),
        measure::webhook_body_height(app, &areas),
    );
    app.scroll.segment = clamp(
        app.scroll.segment,
        measure::segment_lines(app),
        measure::segment_payload_height(app, &areas),
    );
    app.scroll.logs = clamp(
        app.scroll.logs,
        measure::logs_lines(app),
        areas.inner_height(Pane::Logs),
    );
    app.bottom_scroll = clamp(
        app.bottom_scroll,
        measure::bottom_lines(app),
        areas.inner_height(Pane::Logs),
    );
    let height = areas.inner_height(Pane::Transform);
    match app.mode {
        Mode::EditTransform => app.transform.editor.scroll_to_cursor(height),
        _ => {
            let lines = app.transform.editor.lines().len();
            app.transform.editor.top = clamp(app.transform.editor.top, lines, height);
        }
    }
    if let Some((_, editor)) = &mut app.body_editor {
        editor.scroll_to_cursor(areas.inner_height(Pane::Webhook));
    }
}

// ---------------------------------------------------------------------------------------------
pub(super) fn on_mouse(app: &mut App, mouse: MouseEvent) -> Vec<Effect> {
    if !app.mouse {
        return Vec::new();
    }
    if let Some(Overlay::Help { scroll }) = app.overlay {
        let max = measure::help_max_scroll(app);
        let scroll = match mouse.kind {
            MouseEventKind::ScrollDown => scroll.saturating_add(3).min(max),
            MouseEventKind::ScrollUp => scroll.saturating_sub(3),
            _ => return Vec::new(),
        };
        app.overlay = Some(Overlay::Help { scroll });
        return Vec::new();
    }
    if app.overlay.is_some() {
        return Vec::new();
    }
    let areas = areas(app);
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(tabs) = areas.tabs
                && tabs.contains((mouse.column, mouse.row).into())
            {
                if let Some(pane) = areas.tab_at(mouse.column) {
                    focus(app, pane);
                }
            } else if let Some(pane) = areas.pane_at(mouse.column, mouse.row) {
                focus(app, pane);
                if pane == Pane::Events {
                    let top = areas.events.y + 1;
                    if mouse.row >= top {
                        let row = app.events.offset + usize::from(mouse.row - top);
                        if app.events.select_row(row) {
                            selection_changed(app);
                        }
                    }
                }
            }
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let delta: isize = if mouse.kind == MouseEventKind::ScrollDown {
                3
            } else {
                -3
            };
            if let Some(pane) = areas.pane_at(mouse.column, mouse.row) {
                let before = app.focus;
                app.focus = pane;
                let delta = if pane == Pane::Events {
                    delta.signum()
                } else {
                    delta
                };
                move_in_focus(app, delta);
                app.focus = before;
            }
        }
        _ => {}
    }
    let effects = incoming::page_if_at_end(app);
    settle_view(app);
    effects
}

/// The terminal changed size.
pub(super) fn resized(app: &mut App, width: u16, height: u16) {
    app.size = (width, height);
    settle_view(app);
}
