//! No text from a body, a file, a transformation or the network reaches the terminal raw: every
//! command that prints such data shows control characters, escape sequences and bidi overrides
//! escaped, in text and in JSON.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::{Ran, Running, Sandbox, run};
use hookbench_core::store::{NewDelivery, Store, Verification};
use serde_json::{Value, json};

/// Window title, clipboard write, screen clear, a lone C1 CSI and a right-to-left override.
const HOSTILE: &str = "T\u{1b}]0;pwned\u{7} \u{1b}]52;c;aGk=\u{7} \u{1b}[2J \u{9b}31m \u{202E}rev";
const WAIT: Duration = Duration::from_secs(20);

/// Panics when `text` holds ESC, BEL, a C1 control or a bidi override or isolate.
fn assert_clean(what: &str, text: &str) {
    for c in text.chars() {
        let bad = matches!(c, '\u{1b}' | '\u{7}' | '\u{80}'..='\u{9f}')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "{what} holds U+{:04X}:\n{text}", c as u32);
    }
}

fn assert_ran_clean(ran: &Ran) {
    assert_clean("stdout", &ran.stdout);
    assert_clean("stderr", &ran.stderr);
}

/// The escaped form people see, in text output.
fn assert_shown_escaped(text: &str) {
    for part in [
        "\\x1B]0;pwned\\x07",
        "\\x1B]52;c;aGk=\\x07",
        "\\x1B[2J",
        "\\x9B31m",
        "\\u{202E}",
    ] {
        assert!(text.contains(part), "{part} not shown in:\n{text}");
    }
}

/// A webhook body whose type and fields are hostile.
fn hostile_body() -> String {
    json!({
        "business_id": "bus_1",
        "type": HOSTILE,
        "timestamp": "2026-02-03T14:02:11Z",
        "data": {"payload_type": "Payment", "note": HOSTILE},
    })
    .to_string()
}

/// A handler that logs and returns the hostile type as the event.
const HOSTILE_JS: &str = r#"function handler(webhook) {
  const t = webhook.payload.type;
  console.log("seen " + t);
  console.error(t);
  webhook.payload = { userId: "u_1", event: t, messageId: "m_1", properties: { t: t } };
  return webhook;
}
"#;

/// A handler that throws with the hostile type in its message.
const THROWING_JS: &str = r#"function handler(webhook) {
  throw new Error("bad " + webhook.payload.type);
}
"#;

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.write("body.json", &hostile_body());
    sb.write("hostile.js", HOSTILE_JS);
    sb.write("throwing.js", THROWING_JS);
    sb
}

#[test]
fn run_shows_hostile_types_logs_and_errors_escaped() {
    let sb = sandbox();
    let ran = run(sb
        .cmd()
        .args(["run", "-t", "hostile.js", "-p", "body.json"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_ran_clean(&ran);
    assert_shown_escaped(&ran.stdout);

    let ran = run(sb
        .cmd()
        .args(["run", "-t", "throwing.js", "-p", "body.json"]));
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert_ran_clean(&ran);
    assert_shown_escaped(&ran.stdout);

    let ran = run(sb
        .cmd()
        .args(["run", "-t", "hostile.js", "-p", "body.json", "-o", "json"]));
    assert_ran_clean(&ran);
    let record: Value = serde_json::from_str(ran.stdout.trim()).expect("json");
    assert_eq!(record["webhook"]["payload"]["event"], HOSTILE);
}

#[test]
fn lint_shows_hostile_calls_escaped() {
    let sb = sandbox();
    sb.write(
        "call.json",
        &json!({"userId": "u_1", "type": HOSTILE, "event": HOSTILE}).to_string(),
    );
    let ran = run(sb.cmd().args(["lint", "call.json"]));
    assert_ran_clean(&ran);
    assert_shown_escaped(&ran.stdout);
    let ran = run(sb.cmd().args(["lint", "call.json", "-o", "json"]));
    assert_ran_clean(&ran);
    assert!(ran.stdout.contains("\\u001b]0;pwned"), "{}", ran.stdout);
}

#[test]
fn check_shows_hostile_fixtures_and_outcomes_escaped() {
    let sb = sandbox();
    sb.write("mine/hostile.json", &hostile_body());
    let ran = run(sb.cmd().args([
        "check",
        "-t",
        "hostile.js",
        "--fixtures",
        "mine",
        "--update",
    ]));
    assert_ran_clean(&ran);
    // Expectations that differ: the diff shows the hostile outcome.
    std::fs::write(
        sb.path("hostile.expect/hostile.json"),
        json!({"webhook": {"payload": {"event": "other"}}}).to_string(),
    )
    .expect("expectation");
    let ran = run(sb
        .cmd()
        .args(["check", "-t", "hostile.js", "--fixtures", "mine"]));
    assert_ran_clean(&ran);
    // The diff is of JSON: the escapes are JSON's, C1 and bidi the terminal's.
    assert!(ran.stdout.contains("\\u001b]0;pwned"), "{}", ran.stdout);
    assert!(ran.stdout.contains("\\x9B31m \\u{202E}"), "{}", ran.stdout);
}

#[test]
fn a_dry_run_shows_hostile_requests_escaped() {
    let sb = sandbox();
    let mut cmd = sb.cmd();
    cmd.env_remove("SEGMENT_WRITE_KEY").args([
        "send",
        "-t",
        "hostile.js",
        "-p",
        "body.json",
        "--dry-run",
        "--write-key",
        "wk_0123456789abcdef",
    ]);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_ran_clean(&ran);
    assert_shown_escaped(&ran.stdout);
    cmd.args(["-o", "json"]);
    let ran = run(&mut cmd);
    assert_ran_clean(&ran);
    let record: Value = serde_json::from_str(ran.stdout.trim()).expect("json");
    assert_eq!(record["webhook"]["payload"]["event"], HOSTILE);
}

/// A loopback server answering `count` requests with `status` and `body`, then stopping.
struct Answering {
    base: String,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Answering {
    fn start(count: usize, status: u16, body: String) -> Answering {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let thread = std::thread::spawn(move || {
            for _ in 0..count {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let _ = stream.set_read_timeout(Some(WAIT));
                let mut reader = BufReader::new(stream);
                let mut length = 0usize;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    line.clear();
                }
                let mut request = vec![0; length];
                let _ = reader.read_exact(&mut request);
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Answering {
            base,
            thread: Some(thread),
        }
    }

    /// Waits for the server to have answered all its requests.
    fn join(mut self) {
        if let Some(thread) = self.thread.take() {
            thread.join().expect("server thread");
        }
    }
}

#[test]
fn a_send_shows_a_hostile_answer_escaped() {
    let sb = sandbox();
    // A rejection is not retried: one request.
    let server = Answering::start(1, 400, format!("nope {HOSTILE}"));
    let mut cmd = sb.cmd();
    cmd.env_remove("SEGMENT_WRITE_KEY").args([
        "send",
        "-t",
        "hostile.js",
        "-p",
        "body.json",
        "--write-key",
        "wk_0123456789abcdef",
        "--retries",
        "0",
        "--endpoint",
        &server.base,
    ]);
    let ran = run(&mut cmd);
    server.join();
    assert_eq!(ran.code, Some(4), "{}\n{}", ran.stdout, ran.stderr);
    assert_ran_clean(&ran);
    assert_shown_escaped(&format!("{}{}", ran.stdout, ran.stderr));
}

#[test]
fn trigger_shows_a_hostile_answer_escaped() {
    let sb = sandbox();
    let server = Answering::start(1, 200, format!("ok {HOSTILE}"));
    let url = format!("{}/webhook", server.base);
    let ran = run(sb.cmd().args([
        "trigger",
        "payment.succeeded",
        "--url",
        &url,
        "-p",
        "body.json",
    ]));
    server.join();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_ran_clean(&ran);
    assert_shown_escaped(&ran.stdout);
}

#[test]
fn history_shows_hostile_deliveries_escaped() {
    let sb = sandbox();
    let data = sb.path("data");
    {
        let store = Store::open(&data).expect("store");
        let delivery = NewDelivery {
            webhook_id: Some(format!("msg_{HOSTILE}")),
            received_at: "2026-02-03T14:02:11.250Z".to_string(),
            event_type: Some(HOSTILE.to_string()),
            body: hostile_body().into_bytes(),
            headers: vec![("x-note".to_string(), HOSTILE.to_string())],
            verification: Verification::Invalid,
            status: 401,
            reason: Some(format!("reason {HOSTILE}")),
        };
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(store.record(delivery))
            .expect("recorded");
    }
    for args in [
        &["list"][..],
        &["show", "1"],
        &["list", "-o", "json"],
        &["show", "1", "-o", "json"],
    ] {
        let mut cmd = sb.cmd();
        cmd.arg("history").args(args).arg("--data-dir").arg(&data);
        let ran = run(&mut cmd);
        assert_eq!(ran.code, Some(0), "{args:?}: {}", ran.stderr);
        assert_ran_clean(&ran);
        if !args.contains(&"json") {
            assert!(
                ran.stdout.contains("\\x1B]0;pwned"),
                "{args:?}: {}",
                ran.stdout
            );
        }
    }
}

/// POSTs `body` to `addr` + `path` with a Basic key and reads the answer to its end.
fn post(addr: &str, path: &str, body: &str) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let _ = stream.set_read_timeout(Some(WAIT));
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Basic d2tfMDEyMzQ1Njc4OWFiY2RlZjo=\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
}

#[test]
fn sink_shows_hostile_calls_escaped() {
    let sb = sandbox();
    let port = common::free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = common::process_in(sb.path("").as_path());
    cmd.args(["sink", "--addr", &addr]);
    let mut sink = Running::spawn(cmd, "hookbench sink");
    sink.wait_line("the banner", |l| l.contains("listening on"), WAIT);
    for (path, body) in [
        (
            "/v1/track",
            json!({"userId": HOSTILE, "event": HOSTILE, "type": "track"}),
        ),
        (
            "/v1/page",
            json!({"userId": "u", "name": HOSTILE, "type": "page"}),
        ),
        ("/v1/nothing", json!({"type": HOSTILE})),
    ] {
        post(&addr, path, &body.to_string());
    }
    sink.wait_lines("three calls", 3, |l| l.contains("B  "), WAIT);
    let printed = sink.seen().join("\n");
    assert_clean("sink stdout", &printed);
    assert_clean("sink stderr", &sink.stderr());
    assert!(
        printed.contains("\\x1B") || printed.contains("pwned"),
        "{printed}"
    );
}
