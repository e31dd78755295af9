//! The workbench binary in a pseudo-terminal: what a user sees on a real screen, keys going in
//! through the terminal, and the exit status at the end. The screen is rebuilt from the bytes
//! the program writes by a terminal emulator (vt100).
//!
//! Each run is sandboxed: a temp dir as working directory, `HOME` and `XDG_CONFIG_HOME` inside it
//! (no user config is read), no `$EDITOR` and no write key.

mod common;

use std::io::Write;
use std::time::Duration;

use common::pty::{TIMEOUT, Workbench};

const ARGS: &[&str] = &[
    "tui",
    "--transform",
    "segment-complete",
    "--event",
    "payment.succeeded",
];

/// The events list is the leftmost column (32 cells wide from 100 columns up).
fn events_column(w: &Workbench) -> String {
    w.columns(0, 32)
}

#[test]
fn shows_the_selected_event_and_its_output_moves_on_j_and_quits_on_q() {
    let mut w = Workbench::spawn(ARGS, 160, 45);
    w.wait_for("payment.succeeded with its Segment call", |w| {
        let screen = w.screen();
        events_column(w).contains("payment.succeeded")
            && screen.contains("2 Webhook payment.succeeded")
            && screen.contains("\"event\": \"Order Completed\"")
            // Without a key sends go to the local sink: the header names its URL.
            && screen.contains("POST http://127.0.0.1:")
            && screen.contains("/v1/track ·")
    });
    let screen = w.screen();
    for pane in ["1 Events", "3 Transform", "4 Segment"] {
        assert!(screen.contains(pane), "{pane} missing:\n{screen}");
    }

    w.press("j");
    w.wait_for("payment.failed with its Segment call", |w| {
        let screen = w.screen();
        screen.contains("2 Webhook payment.failed")
            && screen.contains("\"event\": \"Payment Failed\"")
    });

    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit {status:?}\n{}", w.output_text());
}

#[test]
fn narrow_screens_show_the_middle_panes_as_tabs() {
    // The tabs layout: under 140 columns the default is a split.
    let dir = tempfile::tempdir().expect("config dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[ui]\nlayout = \"tabs\"\n").expect("config");
    let config = config.to_string_lossy().into_owned();
    let mut args = ARGS.to_vec();
    args.extend(["--config", config.as_str()]);
    let mut w = Workbench::spawn(&args, 100, 40);
    // The tab bar names the three middle panes; the Segment tab is shown first.
    w.wait_for("the tab bar over the Segment call", |w| {
        let screen = w.screen();
        screen.contains("2 Webhook   3 Transform   4 Segment")
            && screen.contains("\"event\": \"Order Completed\"")
    });
    let screen = w.screen();
    assert!(events_column(&w).contains("payment.succeeded"), "{screen}");
    assert!(!screen.contains("2 Webhook payment.succeeded"), "{screen}");

    w.press("2");
    w.wait_for("the Webhook tab", |w| {
        let screen = w.screen();
        screen.contains("2 Webhook payment.succeeded")
            && screen.contains("\"business_id\"")
            && !screen.contains("\"event\": \"Order Completed\"")
    });

    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit {status:?}");
}

#[test]
fn an_unknown_event_is_an_input_error_before_the_screen_changes() {
    let mut w = Workbench::spawn(
        &[
            "tui",
            "--transform",
            "segment-complete",
            "--event",
            "payment.succeded",
        ],
        160,
        45,
    );
    let status = w.wait_exit();
    let output = w.output_text();
    assert_eq!(status.exit_code(), 2, "{output}");
    assert!(
        output.contains("did you mean payment.succeeded"),
        "{output}"
    );
    assert!(
        !w.on_alternate_screen() && !output.contains("\x1b[?1049h"),
        "the terminal was taken: {output:?}"
    );
}

#[test]
fn a_too_small_terminal_says_so_and_the_panes_come_back() {
    let mut w = Workbench::spawn(ARGS, 160, 45);
    w.wait_for_text("\"event\": \"Order Completed\"");

    w.resize(50, 12);
    w.wait_for_text("Terminal too small");

    w.resize(160, 45);
    w.wait_for("the panes again", |w| {
        let screen = w.screen();
        !screen.contains("Terminal too small")
            && screen.contains("2 Webhook payment.succeeded")
            && screen.contains("\"event\": \"Order Completed\"")
    });

    w.settle(Duration::from_millis(200));
    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit {status:?}");
}

#[test]
fn sends_to_its_local_sink_and_shows_the_answer() {
    let mut w = Workbench::spawn(ARGS, 160, 45);
    // Without a write key the workbench starts a sink of its own and says so.
    w.wait_for("the local sink in the status bar", |w| {
        w.screen().contains("→ sink 127.0.0.1:") && w.screen().contains("(not Segment)")
    });
    // `s` goes in as soon as the sink is up, whether or not the first runs have finished: a send
    // asked for while its run is pending waits for it and sends its output.
    w.press("s");
    w.wait_for_text("✓ delivered 200 OK");
    w.wait_for_text("← {\"success\":true}");
    w.press("]");
    w.wait_for_text("✓ delivered payment.succeeded");
    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit status {status:?}");
}

/// POSTs `body` to `http://127.0.0.1:port/webhook` unsigned and returns the status line.
fn post_webhook(port: u16, id: &str, body: &[u8]) -> String {
    use std::io::{BufRead, BufReader};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(TIMEOUT))
        .expect("read timeout");
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nwebhook-id: {id}\r\nwebhook-timestamp: 1700000000\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut status = String::new();
    BufReader::new(stream)
        .read_line(&mut status)
        .expect("read status");
    status.trim_end().to_string()
}

#[test]
fn a_delivery_received_while_listening_appears_live() {
    let data = tempfile::tempdir().expect("data dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let data_dir = data.path().to_str().expect("utf-8 path").to_string();
    let mut args = ARGS.to_vec();
    args.extend(["--listen", &addr, "--data-dir", &data_dir]);
    let mut w = Workbench::spawn(&args, 160, 45);
    let listening = format!("⇣ 127.0.0.1:{port}/webhook · 0");
    w.wait_for_text(&listening);

    let body = hookbench_core::webhook::FixtureSet::builtin()
        .expect("fixtures")
        .get("refund.succeeded")
        .expect("fixture")
        .body
        .clone();
    assert_eq!(
        post_webhook(port, "msg_pty_1", body.as_bytes()),
        "HTTP/1.1 200 OK"
    );
    w.wait_for_text("▾ incoming 1");
    w.wait_for_text(&format!("⇣ 127.0.0.1:{port}/webhook · 1"));
    // The newest delivery is the first row: select it and see it transformed.
    w.press("g");
    w.wait_for_text("2 Webhook refund.succeeded #1 –");
    w.wait_for_text("\"event\": \"Order Refunded\"");
    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    // Acknowledged means stored.
    let store = hookbench_core::store::Store::open(data.path()).expect("store");
    assert_eq!(store.count().expect("count"), 1);
}
