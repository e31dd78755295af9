//! Searching the focused text pane: `/` opens the prompt, Enter finds, `n`/`N` go from match to
//! match (round the end), Esc leaves.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::model::app::{App, Pane};
use crate::model::measure;
use crate::model::message::Effect;
use crate::model::search::{Match, Search, find};
use crate::text::columns_before;
use crate::update::scroll::{areas, show_line};

/// Whether keys go to the search prompt.
pub(super) fn typing(app: &App) -> bool {
    app.reading.search.typing
}

/// Opens the search prompt in a text pane.
pub(super) fn open(app: &mut App, pane: Pane) {
    app.reading.search = Search::start(pane);
}

/// Leaves the search: its highlights go.
pub(super) fn close(app: &mut App) -> bool {
    let open = app.reading.search.pane.is_some();
    app.reading.search = Search::default();
    open
}

/// A key while the query is typed.
pub(super) fn on_prompt_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            close(app);
        }
        KeyCode::Enter => {
            app.reading.search.typing = false;
            if app.reading.search.query.is_empty() {
                close(app);
            } else {
                refresh(app);
                first_from_view(app);
            }
        }
        KeyCode::Backspace => {
            app.reading.search.query.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            app.reading.search.query.push(c);
        }
        _ => {}
    }
    Vec::new()
}

/// Finds the query again in the pane's text as it stands now (another event, a new output).
pub(super) fn refresh(app: &mut App) {
    let Some(pane) = app.reading.search.pane else {
        return;
    };
    let matches = match measure::pane_text(app, pane) {
        Some((lines, _)) => find(lines, &app.reading.search.query),
        None => Vec::new(),
    };
    let search = &mut app.reading.search;
    search.current = search.current.filter(|&i| i < matches.len());
    search.matches = matches;
}

/// The first match at or below the pane's first line shown, else the first one.
fn first_from_view(app: &mut App) {
    let Some(pane) = app.reading.search.pane else {
        return;
    };
    let top = measure::pane_text(app, pane).map_or(0, |(_, top)| top);
    let search = &app.reading.search;
    let at = search
        .matches
        .iter()
        .position(|m| m.line >= top)
        .or((!search.matches.is_empty()).then_some(0));
    go_to(app, at);
    if at.is_none() {
        let query = app.reading.search.query.clone();
        app.set_error(format!("/{query}: no match in the {} pane", pane.title()));
    }
}

/// `n` (forward) or `N`: the next or previous match, round the end.
pub(super) fn step(app: &mut App, forward: bool) {
    if app.reading.search.pane.is_none() || app.reading.search.query.is_empty() {
        app.set_status("no search: / in the Webhook, Transform or Segment pane searches it");
        return;
    }
    refresh(app);
    let count = app.reading.search.matches.len();
    if count == 0 {
        let query = app.reading.search.query.clone();
        app.set_error(format!("/{query}: no match"));
        return;
    }
    let next = match app.reading.search.current {
        None => 0,
        Some(i) if forward => (i + 1) % count,
        Some(i) => (i + count - 1) % count,
    };
    let wrapped = matches!(app.reading.search.current, Some(i) if (forward && next < i) || (!forward && next > i));
    go_to(app, Some(next));
    if wrapped {
        app.set_status(if forward {
            "search went round to the top"
        } else {
            "search went round to the bottom"
        });
    }
}

/// Makes match `at` current and brings it into view, sideways too.
fn go_to(app: &mut App, at: Option<usize>) {
    app.reading.search.current = at;
    let Some(pane) = app.reading.search.pane else {
        return;
    };
    let Some(found) = at.and_then(|i| app.reading.search.matches.get(i).copied()) else {
        return;
    };
    if pane != app.focus {
        crate::update::scroll::focus(app, pane);
    }
    show_line(app, pane, found.line);
    show_columns(app, pane, found);
}

/// Scrolls sideways so a match is in view.
fn show_columns(app: &mut App, pane: Pane, found: Match) {
    let areas = areas(app);
    let width = measure::text_width(app, &areas, pane).max(1);
    let Some((lines, _)) = measure::pane_text(app, pane) else {
        return;
    };
    let Some(line) = lines.get(found.line) else {
        return;
    };
    let from = columns_before(line, found.start);
    let to = columns_before(line, found.start + found.len);
    if let Some(sideways) = app.reading.sideways_mut(pane)
        && !sideways.wrap
        && (from < sideways.left || to > sideways.left + width)
    {
        sideways.left = from.saturating_sub(width / 3);
    }
}
