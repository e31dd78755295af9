//! The workbench binary in a pseudo-terminal, scrolling a pane sideways: `l` and `$` bring the
//! end of a long body line into view, `0` brings its start back. The screen is rebuilt from the
//! bytes the program writes by a terminal emulator (vt100).
//!
//! Each run is sandboxed: a temp dir as working directory, `HOME` and `XDG_CONFIG_HOME` inside it
//! (no user config is read), no `$EDITOR` and no write key.

mod common;

use common::pty::Workbench;

#[test]
fn a_long_body_line_scrolls_sideways_with_l_dollar_and_zero() {
    let mut w = Workbench::spawn(&["--event", "payment.succeeded"], 180, 45);
    w.wait_for_text("2 Webhook");
    w.wait_for_text("›");
    // The Webhook pane: `$` shows the end of its widest line in view, `‹ col` says how far.
    w.press("2");
    w.press("$");
    w.wait_for_text("‹ col ");
    w.press("0");
    w.wait_for("the pane back at the start", |w| {
        !w.screen().contains("‹ col ")
    });
    w.press("l");
    w.wait_for_text("‹ col 9");
    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "{status:?}");
}
