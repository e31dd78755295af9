//! The workbench's screens as text (ratatui `TestBackend` + insta snapshots): what a user sees
//! for a loaded event, a syntax error, lint warnings, the narrow layout, a too-small terminal,
//! the help overlay and the diff.

use crossterm::event::{KeyCode, KeyModifiers};
use hookbench_workbench::testing::{Harness, init, preset};

/// Run times differ from run to run: "71 µs" becomes "N µs", also where the unit is cut off.
fn stable(screen: &str) -> String {
    let mut out = String::with_capacity(screen.len());
    let mut digits = String::new();
    let mut rest = screen;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                // A run time becomes `N`, padded to the width its digits took, so that one more
                // digit does not shift what follows. The Segment pane's header may cut the unit
                // off: "428 B · 170".
                let pad = " ".repeat(digits.len() - 1);
                if let Some(after) = rest.strip_prefix(" µs") {
                    out.push_str("N µs");
                    out.push_str(&pad);
                    rest = after;
                    digits.clear();
                    continue;
                } else if out.ends_with("B · ") {
                    out.push('N');
                    out.push_str(&pad);
                } else {
                    out.push_str(&digits);
                }
                digits.clear();
            }
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out.push_str(&digits);
    out
}

fn snapshot(harness: &mut Harness) -> String {
    stable(&harness.screen())
}

#[test]
fn a_loaded_event_with_its_output() {
    let mut start = init(180, 45);
    start.event = Some("payment.succeeded".into());
    let mut h = Harness::with_init(start);
    let screen = snapshot(&mut h);
    assert!(screen.contains("\"event\": \"Order Completed\""));
    insta::assert_snapshot!("loaded_event", screen);
}

#[test]
fn a_syntax_error_is_shown_at_its_line() {
    let mut start = init(180, 45);
    start.transform.source =
        "function handler(webhook) {\n  const x = ;\n  return webhook;\n}\n".to_string();
    let mut h = Harness::with_init(start);
    let screen = snapshot(&mut h);
    assert!(
        screen.contains("✗ 2 "),
        "the gutter marks line 2:\n{screen}"
    );
    insta::assert_snapshot!("syntax_error", screen);
}

#[test]
fn lint_warnings_are_listed_and_their_lines_marked() {
    let mut start = init(180, 45);
    start.transform = preset("segment-track-payment");
    start.event = Some("payment.succeeded.jpy".into());
    let mut h = Harness::with_init(start);
    let screen = snapshot(&mut h);
    assert!(screen.contains("numeric-string"), "{screen}");
    assert!(screen.contains("minor-units"), "{screen}");
    insta::assert_snapshot!("lint_warnings", screen);
}

#[test]
fn narrow_screens_show_the_middle_panes_as_tabs() {
    // The tabs layout (`[ui] layout = "tabs"`); under 140 columns `auto` is a split.
    let mut start = init(100, 36);
    start.layout = hookbench_workbench::layout::LayoutChoice::Tabs;
    let mut h = Harness::with_init(start);
    let screen = snapshot(&mut h);
    assert!(
        screen.contains(" 2 Webhook   3 Transform   4 Segment "),
        "{screen}"
    );
    insta::assert_snapshot!("narrow_tabs", screen);
}

#[test]
fn a_too_small_terminal_gets_a_message() {
    let mut h = Harness::new(50, 12);
    let screen = snapshot(&mut h);
    assert!(screen.contains("Terminal too small"));
    insta::assert_snapshot!("too_small", screen);
}

#[test]
fn the_help_overlay_lists_the_keys() {
    let mut h = Harness::new(180, 60);
    h.press(KeyCode::Char('?'));
    let screen = snapshot(&mut h);
    assert!(
        screen.contains("Copy the output as a curl command"),
        "{screen}"
    );
    insta::assert_snapshot!("help", screen);
}

#[test]
fn the_diff_shows_what_an_edit_changed() {
    let mut h = Harness::new(180, 45);
    h.press(KeyCode::Char('i'));
    // Go to the event name of payment.succeeded and change it.
    let line = h
        .app
        .transform
        .editor
        .lines()
        .iter()
        .position(|l| l.contains("\"Order Completed\""))
        .expect("the mapping names Order Completed");
    let source = h
        .app
        .transform
        .text()
        .replacen("\"Order Completed\"", "\"Order Placed\"", 1);
    h.app.transform.editor = hookbench_workbench::model::editor::Editor::new(&source);
    h.app.transform.editor.go_to_line(line);
    h.type_text(" ");
    h.press_with(KeyCode::Char('z'), KeyModifiers::CONTROL);
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('d'));
    let screen = snapshot(&mut h);
    assert!(
        screen.contains("+   \"event\": \"Order Placed\""),
        "{screen}"
    );
    insta::assert_snapshot!("diff", screen);
}

#[test]
fn the_response_panel_shows_the_answer() {
    use hookbench_core::segment::send::{RequestInfo, ResponseBody};
    use hookbench_core::segment::{Outcome, SendReport};
    use hookbench_workbench::model::message::Message;
    let mut h = Harness::new(180, 45);
    let sink = url::Url::parse("http://127.0.0.1:9009/").expect("url");
    h.send(Message::SinkStarted(Ok(sink)));
    h.press(KeyCode::Char('s'));
    let id = h
        .effects
        .iter()
        .find_map(|e| match e {
            hookbench_workbench::model::message::Effect::Send(job) => Some(job.id),
            _ => None,
        })
        .expect("a send");
    let delivery = SendReport {
        destination: "local sink http://127.0.0.1:9009 (does not reach Segment)".into(),
        request: RequestInfo {
            method: "POST".into(),
            url: "http://127.0.0.1:9009/v1/track".into(),
            headers: [
                ("Authorization".to_string(), "Basic aG9v…".to_string()),
                ("Content-Type".to_string(), "application/json".to_string()),
            ]
            .into(),
            body: serde_json::json!({}),
            written: None,
        },
        status: Some(200),
        response_headers: [("content-type".to_string(), "application/json".to_string())].into(),
        body: Some(ResponseBody::Json(serde_json::json!({"success": true}))),
        attempts: 2,
        latency_ms: 523,
        outcome: Outcome::Delivered,
        message: None,
    };
    h.send(Message::SendAnswered {
        id,
        key: "payment.succeeded".into(),
        report: Box::new(delivery),
        at: "14:02:11".into(),
    });
    let screen = snapshot(&mut h);
    assert!(
        screen.contains("✓ delivered 200 OK · 523 ms · 2 attempt(s)"),
        "{screen}"
    );
    insta::assert_snapshot!("response", screen);
}
