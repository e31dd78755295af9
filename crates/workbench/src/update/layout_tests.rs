//! The layout keys: switching layouts, resizing the events list and the bottom panel, hiding
//! the panel; and that each choice lasts the session.

use crossterm::event::KeyCode;

use crate::layout::{self, LayoutChoice};
use crate::model::app::Pane;
use crate::testing::Harness;
use crate::update::scroll::areas;

#[test]
fn the_layout_key_cycles_and_the_choice_outlives_resizes() {
    let mut h = Harness::new(120, 40);
    assert_eq!(h.app.layout.choice, LayoutChoice::Auto);
    let split = areas(&h.app);
    assert!(
        split.transform.is_some() && split.segment.is_some(),
        "at 120 columns the transformation and its output are side by side"
    );
    h.press(KeyCode::Char('v'));
    assert_eq!(h.app.layout.choice, LayoutChoice::Wide);
    let wide = areas(&h.app);
    assert!(wide.webhook.is_some() && wide.transform.is_some() && wide.segment.is_some());
    assert!(h.screen().contains("layout: wide"));
    h.press(KeyCode::Char('v'));
    assert_eq!(h.app.layout.choice, LayoutChoice::Split);
    h.press(KeyCode::Char('v'));
    assert_eq!(h.app.layout.choice, LayoutChoice::Tabs);
    let tabs = areas(&h.app);
    assert_eq!(
        [tabs.webhook, tabs.transform, tabs.segment]
            .iter()
            .filter(|a| a.is_some())
            .count(),
        1
    );
    h.resize(200, 50);
    assert_eq!(
        h.app.layout.choice,
        LayoutChoice::Tabs,
        "kept across a resize"
    );
    assert!(areas(&h.app).tabs.is_some());
    h.press(KeyCode::Char('v'));
    assert_eq!(h.app.layout.choice, LayoutChoice::Auto);
    assert!(areas(&h.app).tabs.is_none());
}

#[test]
fn a_split_shows_segment_beside_the_last_of_webhook_and_transform() {
    let mut h = Harness::new(120, 40);
    h.press(KeyCode::Char('2'));
    let a = areas(&h.app);
    assert!(a.webhook.is_some() && a.segment.is_some() && a.transform.is_none());
    h.press(KeyCode::Char('4'));
    let a = areas(&h.app);
    assert!(a.webhook.is_some(), "the webhook stays beside Segment");
    h.press(KeyCode::Char('3'));
    let a = areas(&h.app);
    assert!(a.transform.is_some() && a.segment.is_some() && a.webhook.is_none());
}

#[test]
fn the_events_list_fits_its_rows_and_resizes_by_keys() {
    let mut h = Harness::new(300, 80);
    let fitted = areas(&h.app).events.width;
    let longest = h
        .app
        .events
        .entries()
        .iter()
        .map(|e| e.key.chars().count())
        .max()
        .unwrap_or(0) as u16;
    assert!(
        fitted >= longest + 4,
        "{fitted} < {longest} + marks and borders"
    );
    assert!(fitted > 32, "wider than the old fixed column");
    h.press(KeyCode::Char('>'));
    assert_eq!(areas(&h.app).events.width, fitted + layout::EVENTS_STEP);
    h.press(KeyCode::Char('<'));
    h.press(KeyCode::Char('<'));
    assert_eq!(areas(&h.app).events.width, fitted - layout::EVENTS_STEP);
    h.resize(120, 40);
    assert_eq!(
        areas(&h.app).events.width,
        fitted - layout::EVENTS_STEP,
        "the width set lasts the session"
    );
    for _ in 0..100 {
        h.press(KeyCode::Char('<'));
    }
    assert_eq!(areas(&h.app).events.width, layout::EVENTS_MIN);
    for _ in 0..100 {
        h.press(KeyCode::Char('>'));
    }
    assert_eq!(areas(&h.app).events.width, 60, "at most half the screen");
}

#[test]
fn an_empty_bottom_panel_is_one_row_and_grows_hides_and_shows() {
    let mut h = Harness::new(120, 40);
    // The default preset logs nothing: the Logs tab has one line to say so.
    assert_eq!(areas(&h.app).logs.height, 1);
    assert!(h.screen().contains("no console output"));
    h.press(KeyCode::Char(']'));
    h.press(KeyCode::Char(']'));
    h.press(KeyCode::Char(']'));
    h.press(KeyCode::Char('b'));
    assert_eq!(areas(&h.app).logs.height, 0);
    assert!(h.screen().contains("bottom panel hidden"));
    h.press(KeyCode::Char('b'));
    assert_eq!(areas(&h.app).logs.height, 1);
    h.press(KeyCode::Char('b'));
    h.press(KeyCode::Char('5'));
    assert_eq!(areas(&h.app).logs.height, 1, "focusing the panel shows it");
    assert_eq!(h.app.focus, Pane::Logs);
    h.press(KeyCode::Char('b'));
    assert_eq!(
        h.app.focus,
        Pane::Events,
        "hiding the focused panel moves the focus"
    );
}

#[test]
fn plus_and_minus_size_the_bottom_panel_once_it_has_lines() {
    let mut start = crate::testing::init(120, 40);
    start.transform.source =
        "function handler(w) { console.log('a'); console.log('b'); console.log('c'); return w; }"
            .to_string();
    let mut h = Harness::with_init(start);
    assert_eq!(areas(&h.app).logs.height, 6);
    h.press(KeyCode::Char('+'));
    h.press(KeyCode::Char('='));
    assert_eq!(areas(&h.app).logs.height, 8);
    for _ in 0..5 {
        h.press(KeyCode::Char('-'));
    }
    assert_eq!(
        areas(&h.app).logs.height,
        3,
        "never fewer than 3 rows once unfolded"
    );
    for _ in 0..60 {
        h.press(KeyCode::Char('+'));
    }
    assert_eq!(
        areas(&h.app).logs.height,
        40 - 1 - layout::MIN_BODY_HEIGHT,
        "the panes above keep their rows"
    );
    h.resize(200, 50);
    assert_eq!(
        areas(&h.app).logs.height,
        31,
        "the rows set last the session"
    );
}
