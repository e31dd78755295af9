//! Reading long text in the workbench, as snapshots at 80×24, 120×40 and 200×50: a long lint list
//! scrolled to its end, a body scrolled sideways, a search with its matches. The harness shows a
//! fixed run time, so the screens compare exactly.

use crossterm::event::KeyCode;
use hookbench_workbench::testing::{Harness, MANY_FINDINGS, init};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

#[test]
fn a_long_lint_list_scrolled_to_its_end() {
    for (width, height) in SIZES {
        let mut start = init(width, height);
        start.transform.source = MANY_FINDINGS.to_string();
        start.event = Some("payment.succeeded".into());
        let mut h = Harness::with_init(start);
        h.press(KeyCode::Char('F'));
        let screen = h.screen();
        assert!(
            screen.contains("ℹ no-message-id"),
            "the last finding is shown:\n{screen}"
        );
        insta::assert_snapshot!(format!("lint_list_end_{width}x{height}"), screen);
    }
}

#[test]
fn a_body_scrolled_sideways() {
    for (width, height) in SIZES {
        let mut start = init(width, height);
        start.event = Some("payment.succeeded".into());
        let mut h = Harness::with_init(start);
        h.press(KeyCode::Char('2'));
        h.press(KeyCode::Char('$'));
        let screen = h.screen();
        insta::assert_snapshot!(format!("body_sideways_{width}x{height}"), screen);
    }
}

#[test]
fn a_search_with_its_matches() {
    for (width, height) in SIZES {
        let mut start = init(width, height);
        start.event = Some("payment.succeeded".into());
        let mut h = Harness::with_init(start);
        h.press(KeyCode::Char('2'));
        h.press(KeyCode::Char('/'));
        h.type_text("new york");
        h.press(KeyCode::Enter);
        h.press(KeyCode::Char('n'));
        let screen = h.screen();
        assert!(
            screen.contains("/new york 2/"),
            "{width}x{height}\n{screen}"
        );
        insta::assert_snapshot!(format!("search_{width}x{height}"), screen);
    }
}
