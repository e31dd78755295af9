//! The message log (`@`) as a user sees it: every message of the session whole, with its time
//! and level, newest last; and the status bar cutting a long message with the key of the log.

use crossterm::event::KeyCode;
use hookbench_workbench::testing::Harness;

const LONG: &str = "the file changed on disk while you were editing it; your unsaved edits here are kept (Ctrl-S writes them over the file)";

fn with_messages(width: u16, height: u16) -> Harness {
    let mut h = Harness::new(width, height);
    h.app.set_status("saved ./segment-complete.js");
    h.app
        .set_warning("2 fixture files not loaded (+1 more not loaded)");
    h.app.set_status("copied payload (428 B) via OSC 52");
    h.app.set_error(LONG);
    h
}

#[test]
fn a_cut_message_points_at_the_log_at_80x24() {
    let mut h = with_messages(80, 24);
    insta::assert_snapshot!("status_cut_80x24", h.screen());
}

#[test]
fn the_message_log_at_80x24() {
    let mut h = with_messages(80, 24);
    h.press(KeyCode::Char('@'));
    insta::assert_snapshot!("messages_80x24", h.screen());
}

#[test]
fn the_message_log_at_120x40() {
    let mut h = with_messages(120, 40);
    h.press(KeyCode::Char('@'));
    insta::assert_snapshot!("messages_120x40", h.screen());
}
