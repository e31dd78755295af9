//! Focus, movement and scrolling, by keys and by the mouse; and keeping every offset within its
//! content after any change.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use crate::layout::{self, Areas};
use crate::model::app::{App, BottomTab, Mode, Overlay, Pane};
use crate::model::findings;
use crate::model::measure;
use crate::model::message::Effect;
use crate::model::reading::{FindingsCursor, SIDEWAYS_STEP};
use crate::update::{incoming, messages, mouse, search};

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
            BottomTab::Sends => crate::update::sending::move_cursor(app, delta),
            _ => app.bottom_scroll = app.bottom_scroll.saturating_add_signed(delta),
        },
    }
}

pub(super) fn selection_changed(app: &mut App) {
    app.scroll.webhook = 0;
    app.scroll.segment = 0;
    app.scroll.logs = 0;
    app.reading.webhook.left = 0;
    app.reading.segment.left = 0;
    app.reading.webhook_findings = FindingsCursor::default();
    app.reading.segment_findings = FindingsCursor::default();
    app.reading.search.current = None;
    search::refresh(app);
    super::mapping::selection_changed(app);
}

/// Scrolls a text pane so a 0-based line is in view (a third of the way down when it was not).
pub(super) fn show_line(app: &mut App, pane: Pane, line: usize) {
    let areas = areas(app);
    let height = measure::text_height(app, &areas, pane).max(1);
    let top = match pane {
        Pane::Webhook => &mut app.scroll.webhook,
        Pane::Segment => &mut app.scroll.segment,
        Pane::Transform => &mut app.transform.editor.top,
        Pane::Events | Pane::Logs => return,
    };
    if line < *top || line >= *top + height {
        *top = line.saturating_sub(height / 3);
    }
}

/// `h` (`step` < 0) and `l`: in a text pane, scroll sideways; at the edge it cannot scroll past
/// (the line start, the end of the widest line in view, or when it wraps), and in the events
/// list and the bottom panel, move through the columns as before.
pub(super) fn sideways(app: &mut App, step: isize) {
    let pane = app.focus;
    let areas = areas(app);
    let width = measure::text_width(app, &areas, pane);
    let widest = measure::widest_in_view(app, &areas, pane);
    let Some(state) = app.reading.sideways_mut(pane).filter(|s| !s.wrap) else {
        step_focus(app, step);
        return;
    };
    if step < 0 {
        if state.left == 0 {
            step_focus(app, step);
        } else {
            state.left = state.left.saturating_sub(SIDEWAYS_STEP);
        }
    } else {
        let end = widest.saturating_sub(width);
        if state.left >= end {
            step_focus(app, step);
        } else {
            state.left = (state.left + SIDEWAYS_STEP).min(end);
        }
    }
}

/// `0` and `$`: the start of the lines, or the end of the widest line in view.
pub(super) fn line_edge(app: &mut App, end: bool) {
    let pane = app.focus;
    let areas = areas(app);
    let width = measure::text_width(app, &areas, pane);
    let widest = measure::widest_in_view(app, &areas, pane);
    match app.reading.sideways_mut(pane) {
        Some(state) if !state.wrap => {
            state.left = if end { widest.saturating_sub(width) } else { 0 };
        }
        Some(_) => app.set_status("the pane wraps its lines: w scrolls them sideways again"),
        None => app.set_status("0 and $ scroll the Webhook, Transform and Segment panes sideways"),
    }
}

/// `w`: the focused text pane wraps its long lines, or scrolls them sideways.
pub(super) fn toggle_wrap(app: &mut App) {
    let pane = app.focus;
    let Some(state) = app.reading.sideways_mut(pane) else {
        app.set_status("w wraps the lines of the Webhook, Transform and Segment panes");
        return;
    };
    state.wrap = !state.wrap;
    state.left = 0;
    let wrap = state.wrap;
    app.set_status(format!(
        "{}: {}",
        pane.title(),
        if wrap {
            "long lines wrap (w scrolls them sideways)"
        } else {
            "long lines scroll sideways with h/l (w wraps them)"
        }
    ));
}

/// `f` (`step` 1) and `F`: selects the next or previous finding of the Webhook pane (when
/// focused) or the Segment pane, scrolls the list to it and the text to the line it names.
pub(super) fn finding_step(app: &mut App, step: isize) {
    let pane = if app.focus == Pane::Webhook {
        Pane::Webhook
    } else {
        Pane::Segment
    };
    let count = findings::pane_findings(app, pane).len();
    if count == 0 {
        app.set_status(match pane {
            Pane::Webhook => "no findings: the body keeps to Dodo's schema",
            _ => "no lint findings on this output",
        });
        return;
    }
    if app.focus != pane {
        focus(app, pane);
    }
    let Some(cursor) = app.reading.findings_mut(pane) else {
        return;
    };
    let next = match cursor.selected {
        None if step > 0 => 0,
        None => count - 1,
        Some(i) => (i as isize + step).rem_euclid(count as isize) as usize,
    };
    cursor.selected = Some(next);
    // The list: the selected finding's rows in view.
    let areas = areas(app);
    if let Some((width, room)) = measure::findings_area(app, &areas, pane) {
        let (start, rows) = {
            let layout = findings::layout(app, pane, width);
            (layout.start_of(next), layout.rows_of(next))
        };
        if let Some(cursor) = app.reading.findings_mut(pane) {
            if start < cursor.top {
                cursor.top = start;
            } else if start + rows > cursor.top + room {
                cursor.top = (start + rows).saturating_sub(room.max(1)).min(start);
            }
        }
    }
    // The text: the line the finding names.
    let line = {
        let rows = findings::pane_findings(app, pane);
        let path = rows.get(next).map(|r| r.path.to_string());
        path.and_then(|path| match pane {
            Pane::Webhook => app.selected().and_then(|e| e.view.lines.line_of(&path)),
            _ => app
                .selected_result()
                .and_then(|r| r.output.as_ref())
                .and_then(|o| o.line_of(&path)),
        })
    };
    if let Some(line) = line {
        if let Some(state) = app.reading.sideways_mut(pane) {
            state.left = 0;
        }
        show_line(app, pane, line);
    }
}

/// Keeps scroll offsets within their content and the selection in view, after any change.
pub fn settle_view(app: &mut App) {
    let areas = areas(app);
    keep_findings_layouts(app, &areas);
    app.events.ensure_visible(areas.inner_height(Pane::Events));
    let clamp = |offset: usize, total: usize, height: usize| {
        offset.min(total.saturating_sub(height.max(1)))
    };
    app.scroll.webhook = app.scroll.webhook.min(measure::max_top(
        app,
        &areas,
        Pane::Webhook,
        measure::webhook_lines(app),
    ));
    app.scroll.segment = app.scroll.segment.min(measure::max_top(
        app,
        &areas,
        Pane::Segment,
        measure::segment_lines(app),
    ));
    for pane in [Pane::Webhook, Pane::Segment] {
        let count = findings::pane_findings(app, pane).len();
        let listed = measure::findings_area(app, &areas, pane).map(|(width, room)| {
            findings::layout(app, pane, width)
                .rows()
                .saturating_sub(room)
        });
        if let Some(cursor) = app.reading.findings_mut(pane) {
            cursor.selected = cursor.selected.filter(|&i| i < count);
            cursor.top = cursor.top.min(listed.unwrap_or(0));
        }
    }
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
        Mode::EditTransform => {
            let width = editor_width(
                app,
                &areas,
                Pane::Transform,
                app.transform.editor.lines().len(),
            );
            app.transform.editor.scroll_to_cursor(height);
            app.transform.editor.scroll_to_cursor_columns(width);
        }
        _ => {
            let lines = app.transform.editor.lines().len();
            let max = measure::max_top(app, &areas, Pane::Transform, lines);
            app.transform.editor.top = clamp(app.transform.editor.top, lines, height).min(max);
        }
    }
    let body_lines = app.body_editor.as_ref().map_or(0, |(_, e)| e.lines().len());
    let body_width = editor_width(app, &areas, Pane::Webhook, body_lines);
    if let Some((_, editor)) = &mut app.body_editor {
        editor.scroll_to_cursor(areas.inner_height(Pane::Webhook));
        editor.scroll_to_cursor_columns(body_width);
    }
}

/// Works out the layout of the findings the panes on screen list, unless the app keeps it
/// already: the frames drawn until the next change read it instead of wrapping every finding.
pub(super) fn keep_findings_layouts(app: &mut App, areas: &Areas) {
    for pane in [Pane::Webhook, Pane::Segment] {
        if let Some(area) = areas.of(pane) {
            findings::keep_layout(app, pane, area.width.saturating_sub(2));
        }
    }
}

/// Columns an editor shows right of its gutter in a pane.
fn editor_width(app: &App, areas: &Areas, pane: Pane, lines: usize) -> usize {
    let _ = app;
    areas.of(pane).map_or(1, |area| {
        usize::from(area.width.saturating_sub(2)).saturating_sub(measure::gutter_width(lines))
    })
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
    if let Some(Overlay::Messages { scroll }) = app.overlay {
        match mouse.kind {
            MouseEventKind::ScrollDown => messages::wheel(app, scroll, 3),
            MouseEventKind::ScrollUp => messages::wheel(app, scroll, -3),
            _ => {}
        }
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
                if pane == Pane::Logs
                    && let Some(tab) =
                        mouse::bottom_tab_at(app, areas.logs, mouse.column, mouse.row)
                    && tab != app.bottom
                {
                    app.bottom = tab;
                    app.bottom_scroll = 0;
                }
                if pane == Pane::Transform
                    && let Some(area) = areas.transform
                {
                    mouse::place_cursor(app, area, mouse.column, mouse.row);
                }
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
