//! Reading the text panes: sideways scroll and wrap, search, the findings list, the error caret,
//! a timeout's place and the body editor on a very long line.

use crossterm::event::KeyCode;

use hookbench_core::transform::presets::{TransformOrigin, TransformSource};

use crate::model::app::Pane;
use crate::model::measure;
use crate::testing::{Harness, MANY_FINDINGS, init};
use crate::update::scroll::areas;

fn with_source(source: &str, width: u16, height: u16) -> Harness {
    let mut init = init(width, height);
    init.transform = TransformSource {
        name: "reading.js".into(),
        stem: "reading".into(),
        origin: TransformOrigin::Preset,
        source: source.into(),
        mapping: None,
    };
    Harness::with_init(init)
}

#[test]
fn h_and_l_scroll_a_text_pane_sideways_and_move_on_at_its_edges() {
    let mut h = Harness::new(180, 45);
    h.press(KeyCode::Char('l'));
    assert_eq!(h.app.focus, Pane::Webhook, "the events list keeps l");
    let a = areas(&h.app);
    let widest = measure::widest_in_view(&h.app, &a, Pane::Webhook);
    let width = measure::text_width(&h.app, &a, Pane::Webhook);
    assert!(widest > width, "a body line runs past the edge");
    assert!(h.screen().contains('›'), "{}", h.screen());
    h.press(KeyCode::Char('l'));
    assert_eq!(h.app.reading.webhook.left, 8);
    assert!(h.screen().contains("‹ col 9"), "{}", h.screen());
    h.press(KeyCode::Char('$'));
    assert_eq!(h.app.reading.webhook.left, widest - width);
    h.press(KeyCode::Char('l'));
    assert_eq!(h.app.focus, Pane::Transform, "at the end, l moves on");
    assert_eq!(h.app.reading.webhook.left, widest - width, "remembered");
    h.press(KeyCode::Char('2'));
    h.press(KeyCode::Char('0'));
    assert_eq!(h.app.reading.webhook.left, 0);
    h.press(KeyCode::Char('h'));
    assert_eq!(h.app.focus, Pane::Events, "at the start, h moves back");
}

#[test]
fn w_wraps_each_pane_on_its_own() {
    let mut h = Harness::new(180, 45);
    h.press(KeyCode::Char('2'));
    h.press(KeyCode::Char('l'));
    h.press(KeyCode::Char('w'));
    assert!(h.app.reading.webhook.wrap);
    assert_eq!(h.app.reading.webhook.left, 0);
    assert!(!h.app.reading.segment.wrap, "other panes keep theirs");
    let screen = h.screen();
    let webhook_columns = |line: &str| -> String { line.chars().skip(31).take(44).collect() };
    assert!(
        !screen.lines().any(|l| webhook_columns(l).contains('›')),
        "{screen}"
    );
    assert!(screen.contains(" wrap "), "{screen}");
    // Wrapped, the last line can still be reached.
    h.press(KeyCode::Char('G'));
    let screen = h.screen();
    let last = h
        .app
        .selected()
        .map(|e| e.view.text.trim_end().lines().count())
        .unwrap_or(0);
    assert!(screen.contains(&format!(" {last} }}")), "{screen}");
    h.press(KeyCode::Char('w'));
    assert!(!h.app.reading.webhook.wrap);
}

#[test]
fn slash_searches_the_focused_pane_and_n_goes_round() {
    let mut h = Harness::new(120, 40);
    h.press(KeyCode::Char('2'));
    h.press(KeyCode::Char('/'));
    assert_eq!(
        h.app.mode,
        crate::model::app::Mode::Normal,
        "not the filter"
    );
    assert!(h.app.reading.search.typing);
    h.type_text("bus_");
    assert!(h.screen().contains("/bus_▏"), "{}", h.screen());
    h.press(KeyCode::Enter);
    let count = h.app.reading.search.matches.len();
    assert!(count >= 2, "{count}");
    assert_eq!(h.app.reading.search.current, Some(0));
    assert!(
        h.screen().contains(&format!("/bus_ 1/{count}")),
        "{}",
        h.screen()
    );
    h.press(KeyCode::Char('n'));
    assert_eq!(h.app.reading.search.current, Some(1));
    h.press(KeyCode::Char('N'));
    h.press(KeyCode::Char('N'));
    assert_eq!(
        h.app.reading.search.current,
        Some(count - 1),
        "round the top"
    );
    let status = h.app.status.clone().expect("status");
    assert!(status.text.contains("round"), "{status:?}");
    // The match is in view.
    let found = h.app.reading.search.matches[count - 1];
    let height = measure::text_height(&h.app, &areas(&h.app), Pane::Webhook);
    assert!(found.line >= h.app.scroll.webhook && found.line < h.app.scroll.webhook + height);
    h.press(KeyCode::Esc);
    assert!(h.app.reading.search.pane.is_none());
    // In the events list, / still filters.
    h.press(KeyCode::Char('1'));
    h.press(KeyCode::Char('/'));
    assert_eq!(h.app.mode, crate::model::app::Mode::Filter);
}

#[test]
fn f_walks_the_findings_scrolls_the_list_and_shows_the_line() {
    for (width, height) in [(80, 24), (120, 40), (200, 50)] {
        let mut h = with_source(MANY_FINDINGS, width, height);
        let count = measure::lint_findings(&h.app).len();
        assert!(count >= 8, "{count}");
        h.press(KeyCode::Char('F'));
        assert_eq!(h.app.focus, Pane::Segment);
        assert_eq!(h.app.reading.segment_findings.selected, Some(count - 1));
        let a = areas(&h.app);
        let (list_width, room) = measure::findings_area(&h.app, &a, Pane::Segment).expect("listed");
        let rows = measure::finding_row_counts(&measure::lint_findings(&h.app), list_width);
        let total: usize = rows.iter().sum();
        assert!(
            total > room,
            "{width}x{height}: the list overflows its area"
        );
        assert_eq!(
            h.app.reading.segment_findings.top,
            total - room,
            "{width}x{height}"
        );
        // The last finding is drawn in full: its message's end is on screen.
        let last = measure::lint_findings(&h.app)[count - 1]
            .message
            .to_string();
        let tail: String = last
            .chars()
            .rev()
            .take(12)
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        let screen = h.screen();
        assert!(
            screen.contains(tail.trim()),
            "{width}x{height}: {tail}\n{screen}"
        );
        // Going round to the first finding scrolls the list back up.
        h.press(KeyCode::Char('f'));
        assert_eq!(h.app.reading.segment_findings.selected, Some(0));
        assert_eq!(h.app.reading.segment_findings.top, 0);
        // The payload shows the line the finding names.
        let path = measure::lint_findings(&h.app)[0].path.to_string();
        let line = h
            .app
            .selected_result()
            .and_then(|r| r.output.as_ref())
            .and_then(|o| o.line_of(&path))
            .expect("a line");
        let height = measure::segment_payload_height(&h.app, &a);
        assert!(line >= h.app.scroll.segment && line < h.app.scroll.segment + height);
    }
}

#[test]
fn a_timeout_says_its_line_is_unknown() {
    let mut h = with_source("function handler(webhook) {\n  while (true) {}\n}", 200, 50);
    let screen = h.screen();
    assert!(
        screen.contains("line unknown: interrupted in a loop"),
        "{screen}"
    );
}

#[test]
fn the_caret_stays_under_its_column_on_a_long_line() {
    let long = format!(
        "function handler(webhook) {{ const a = '{}'; return webhook }} )",
        "x".repeat(300)
    );
    let mut h = with_source(&long, 200, 50);
    h.press(KeyCode::Char('4'));
    let screen = h.screen();
    let lines: Vec<&str> = screen.lines().collect();
    let caret_row = lines
        .iter()
        .position(|l| l.contains("   ^") && l.contains('│'))
        .expect("a caret");
    let caret_at = lines[caret_row]
        .chars()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|&c| c == '^')
        .expect("^");
    let above: Vec<char> = lines[caret_row - 1].chars().collect();
    assert_eq!(
        above.get(caret_at),
        Some(&')'),
        "{}\n{}",
        lines[caret_row - 1],
        lines[caret_row]
    );
}

#[test]
fn the_body_editor_follows_the_cursor_along_a_very_long_line() {
    let mut h = Harness::new(200, 50);
    let key = h.app.selected().map(|e| e.key.clone()).expect("an event");
    let long = format!("{{\"a\": \"{}END\"}}", "x".repeat(5 * 1024 * 1024));
    if let Some(entry) = h.app.events.entry_mut(&key) {
        entry.set_modified(Some(long));
    }
    h.press(KeyCode::Char('m'));
    h.press(KeyCode::Down);
    h.press(KeyCode::End);
    let (_, editor) = h.app.body_editor.as_ref().expect("editing");
    assert!(editor.left > 5 * 1024 * 1024 - 200, "{}", editor.left);
    let screen = h.screen();
    assert!(
        screen.contains("xxEND\""),
        "the line's end is in view: {screen}"
    );
    assert!(screen.contains('‹'), "{screen}");
}
