//! `hookbench sink`: the real binary on a free port, spoken to over plain HTTP/1.1, its printed
//! lines and `GET /calls` checked against what Segment documents.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tempfile::TempDir;

use common::Running;

const KEY: &str = "Q7mvT2xkLp9RsW4bYc8NdE3fHj6GaZ1u";
const MASKED: &str = "Q7mv…aZ1u";
const WAIT: Duration = Duration::from_secs(15);

fn hookbench(dir: &TempDir) -> Command {
    common::process_in(dir.path())
}

fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
    )
}

/// A running `hookbench sink`, killed when dropped.
struct SinkProcess {
    // First, so the process ends before its dir is removed.
    running: Running,
    addr: String,
    _dir: TempDir,
}

impl SinkProcess {
    fn start() -> SinkProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let addr = format!("127.0.0.1:{}", common::free_port());
        let mut cmd = hookbench(&dir);
        cmd.args(["sink", "--addr", &addr]);
        let running = Running::spawn(cmd, "hookbench sink");
        let mut sink = SinkProcess {
            running,
            addr,
            _dir: dir,
        };
        let banner = sink.wait_line("the banner", |l| l.contains("hookbench sink listening on"));
        assert_eq!(
            banner,
            format!(
                "hookbench sink listening on http://{} — Segment-compatible, does not reach Segment",
                sink.addr
            )
        );
        sink
    }

    /// The first stdout line (seen before or arriving within the wait) that matches.
    fn wait_line(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        self.running.wait_line(what, matches, WAIT)
    }

    /// Waits until `count` stdout lines match.
    fn wait_lines(&mut self, what: &str, count: usize, matches: impl Fn(&str) -> bool) {
        self.running.wait_lines(what, count, matches, WAIT);
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        http(&self.addr, method, path, headers, body)
    }

    /// POSTs JSON text; the answer's status and JSON body.
    fn post(&self, path: &str, auth: Option<&str>, body: &str) -> (u16, Value) {
        let auth_value = auth.map(basic);
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(value) = &auth_value {
            headers.push(("Authorization", value));
        }
        let (status, text) = self.request("POST", path, &headers, body.as_bytes());
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {text}"));
        (status, value)
    }

    /// Every call kept: `GET /calls`, then each page its `Link` header names.
    fn calls(&self) -> (String, Vec<Value>) {
        let mut texts = Vec::new();
        let mut calls = Vec::new();
        let mut path = "/calls".to_string();
        loop {
            let (status, head, text) = exchange(&self.addr, "GET", &path, &[], b"");
            assert_eq!(status, 200, "{text}");
            let page: Vec<Value> = serde_json::from_str(&text).expect("GET /calls is a JSON array");
            calls.extend(page);
            texts.push(text);
            match next_page(&head) {
                Some(next) => path = next,
                None => break,
            }
        }
        (texts.join("\n"), calls)
    }

    /// The key never appears in clear in what the sink printed or served.
    fn assert_key_hidden(&self) {
        let (calls, _) = self.calls();
        assert!(!calls.contains(KEY), "key in /calls: {calls}");
        let stdout = self.running.seen().join("\n");
        assert!(!stdout.contains(KEY), "key in stdout: {stdout}");
        let stderr = self.running.stderr();
        assert!(!stderr.contains(KEY), "key in stderr: {stderr}");
    }
}

/// One HTTP/1.1 request on its own connection: the status and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let (status, _, body) = exchange(addr, method, path, headers, body);
    (status, body)
}

/// The path of `Link: <PATH>; rel="next"`, if the head has one.
fn next_page(head: &str) -> Option<String> {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("link"))
        .find_map(|(_, value)| {
            let (target, rel) = value.split_once(';')?;
            rel.contains("rel=\"next\"").then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
}

/// One HTTP/1.1 request on its own connection: the status, the head and the body.
fn exchange(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the sink");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read answer");
    let answer = String::from_utf8(answer).expect("utf-8 answer");
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {answer:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    (status, head.to_string(), body.to_string())
}

fn track(user: &str, event: &str) -> Value {
    json!({"userId": user, "event": event, "properties": {"amount": 45}})
}

#[test]
fn an_accepted_call_is_answered_printed_and_listed() {
    let mut sink = SinkProcess::start();
    let body = json!({
        "userId": "cus_1",
        "event": "Order Completed",
        "messageId": "dodo-evt_1",
        "writeKey": KEY,
        "context": {"note": format!("copied {KEY} here")},
    })
    .to_string();
    let auth = basic(KEY);
    let (status, text) = sink.request(
        "POST",
        "/v1/track",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
            ("X-Retry-Count", "1"),
        ],
        body.as_bytes(),
    );
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("JSON"),
        json!({"success": true})
    );
    let line = sink.wait_line("the track call", |l| l.contains("Order Completed"));
    assert!(
        line.contains(&format!(
            "  track  Order Completed  user=cus_1  {} B  accepted · retry 1",
            body.len()
        )),
        "{line}"
    );
    let (status, health) = sink.request("GET", "/health", &[], b"");
    assert_eq!(status, 200, "{health}");

    let (_, calls) = sink.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call["path"], "/v1/track");
    assert_eq!(call["call_type"], "track");
    assert_eq!(call["event"], "Order Completed");
    assert_eq!(call["user_id"], "cus_1");
    assert_eq!(call["message_id"], "dodo-evt_1");
    assert_eq!(call["bytes"], body.len());
    assert_eq!(call["status"], 200);
    assert_eq!(call["verdict"], "accepted");
    assert_eq!(call["retry_count"], "1");
    assert_eq!(call["write_key"], MASKED);
    assert_eq!(call["body"]["writeKey"], MASKED);
    assert_eq!(
        call["body"]["context"]["note"],
        format!("copied {MASKED} here")
    );
    let at = call["received_at"].as_str().expect("received_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(at).is_ok(),
        "not RFC 3339: {at}"
    );
    sink.assert_key_hidden();
}

#[test]
fn invalid_json_and_over_size_bodies_are_400() {
    let mut sink = SinkProcess::start();
    let (status, answer) = sink.post("/v1/track", Some(KEY), "{\"userId\": ");
    assert_eq!(status, 400);
    assert_eq!(answer["success"], false);
    assert!(
        answer["message"]
            .as_str()
            .expect("message")
            .contains("Invalid JSON"),
        "{answer}"
    );
    sink.wait_line("invalid JSON", |l| {
        l.contains("rejected (invalid JSON) · 400")
    });

    // Exactly 32,000 bytes passes; one more does not.
    let padded = |size: usize| {
        let base = track("cus_1", "Big").to_string();
        let mut value = track("cus_1", "Big");
        let pad = size - base.len() - r#","pad":"""#.len();
        value["properties"]["pad"] = json!("x".repeat(pad));
        let text = value.to_string();
        assert_eq!(text.len(), size);
        text
    };
    let (status, answer) = sink.post("/v1/track", Some(KEY), &padded(32_000));
    assert_eq!((status, &answer), (200, &json!({"success": true})));
    let (status, answer) = sink.post("/v1/track", Some(KEY), &padded(32_001));
    assert_eq!(status, 400);
    assert_eq!(answer["success"], false);
    let message = answer["message"].as_str().expect("message");
    assert!(
        message.contains("32,001 bytes") && message.contains("32 KB"),
        "{message}"
    );
    sink.wait_line("the over-size call", |l| {
        l.contains("rejected (body over 32 KB)")
    });

    let item = json!({"type": "track", "userId": "u", "event": "E", "properties": {"pad": "x".repeat(900)}});
    let items: Vec<Value> = (0..600).map(|_| item.clone()).collect();
    let batch = json!({"batch": items}).to_string();
    assert!(batch.len() > 500_000);
    let (status, answer) = sink.post("/v1/batch", Some(KEY), &batch);
    assert_eq!(status, 400);
    assert!(
        answer["message"]
            .as_str()
            .expect("message")
            .contains("500 KB"),
        "{answer}"
    );
    sink.wait_line("the over-size batch", |l| {
        l.contains("rejected (batch over 500 KB)")
    });

    let (_, calls) = sink.calls();
    let verdicts: Vec<&str> = calls.iter().filter_map(|c| c["verdict"].as_str()).collect();
    assert_eq!(
        verdicts,
        [
            "rejected (invalid JSON)",
            "accepted",
            "rejected (body over 32 KB)",
            "rejected (batch over 500 KB)"
        ]
    );
    assert_eq!(calls[2]["status"], 400);
    assert_eq!(calls[2]["bytes"], 32_001);
    assert_eq!(calls[3]["call_type"], "batch");
    sink.assert_key_hidden();
}

#[test]
fn a_missing_or_empty_write_key_gets_segments_answer() {
    let mut sink = SinkProcess::start();
    let segment_answer = json!({"success": false, "message": "An invalid write key was provided"});
    let call = track("cus_1", "Order Completed");

    // Neither Basic nor body.
    let (status, answer) = sink.post("/v1/track", None, &call.to_string());
    assert_eq!((status, &answer), (400, &segment_answer));
    // Basic with an empty user.
    let (status, answer) = sink.post("/v1/track", Some(""), &call.to_string());
    assert_eq!((status, &answer), (400, &segment_answer));
    // An empty writeKey in the body.
    let mut with_empty = call.clone();
    with_empty["writeKey"] = json!("  ");
    let (status, answer) = sink.post("/v1/track", None, &with_empty.to_string());
    assert_eq!((status, &answer), (400, &segment_answer));
    // A batch without a key.
    let batch = json!({"batch": [{"type": "track", "userId": "u", "event": "E"}]});
    let (status, answer) = sink.post("/v1/batch", None, &batch.to_string());
    assert_eq!((status, &answer), (400, &segment_answer));
    sink.wait_lines("rejected (invalid write key)", 4, |l| {
        l.contains("rejected (invalid write key) · 400")
    });

    // The key in the body alone, or in Basic alone, is enough.
    let mut with_key = call.clone();
    with_key["writeKey"] = json!(KEY);
    let (status, _) = sink.post("/v1/track", None, &with_key.to_string());
    assert_eq!(status, 200);
    let (status, _) = sink.post("/v1/track", Some(KEY), &call.to_string());
    assert_eq!(status, 200);
    sink.wait_lines("accepted calls", 2, |l| l.ends_with("accepted"));
    let (_, calls) = sink.calls();
    assert_eq!(calls[4]["write_key"], MASKED);
    assert_eq!(calls[4]["body"]["writeKey"], MASKED);
    assert_eq!(calls[5]["write_key"], MASKED);
    sink.assert_key_hidden();
}

#[test]
fn calls_segment_drops_are_accepted_and_marked_dropped() {
    let mut sink = SinkProcess::start();
    let (status, answer) = sink.post(
        "/v1/track",
        Some(KEY),
        &json!({"event": "Payment Failed", "properties": {}}).to_string(),
    );
    assert_eq!((status, answer), (200, json!({"success": true})));
    let line = sink.wait_line("the anonymous call", |l| l.contains("Payment Failed"));
    assert!(line.contains("no id"), "{line}");
    assert!(line.ends_with("dropped (no userId/anonymousId)"), "{line}");

    let (status, _) = sink.post(
        "/v1/identify",
        Some(KEY),
        &json!({"userId": null, "anonymousId": "", "traits": {"email": "a@b.c"}}).to_string(),
    );
    assert_eq!(status, 200);
    sink.wait_line("the anonymous identify", |l| {
        l.contains("  identify  ") && l.ends_with("dropped (no userId/anonymousId)")
    });

    let (status, _) = sink.post(
        "/v1/track",
        Some(KEY),
        &json!({"userId": "cus_1", "event": 42}).to_string(),
    );
    assert_eq!(status, 200);
    sink.wait_line("the call without an event", |l| {
        l.ends_with("dropped (no event)")
    });

    let (_, calls) = sink.calls();
    let verdicts: Vec<&str> = calls.iter().filter_map(|c| c["verdict"].as_str()).collect();
    assert_eq!(
        verdicts,
        [
            "dropped (no userId/anonymousId)",
            "dropped (no userId/anonymousId)",
            "dropped (no event)"
        ]
    );
    assert!(calls.iter().all(|c| c["status"] == 200));
    sink.assert_key_hidden();
}

#[test]
fn batch_items_are_recorded_one_by_one() {
    let mut sink = SinkProcess::start();
    let batch = json!({
        "writeKey": KEY,
        "batch": [
            {"type": "identify", "userId": "cus_1", "traits": {"plan": "pro"}},
            {"type": "track", "userId": "cus_1", "event": "Subscription Started"},
            {"type": "page", "anonymousId": "anon_9", "name": "Pricing"},
            {"type": "track", "event": "Refund Issued"},
        ],
    });
    let (status, answer) = sink.post("/v1/batch", None, &batch.to_string());
    assert_eq!((status, answer), (200, json!({"success": true})));
    sink.wait_line("the identify item", |l| {
        l.contains("  identify  user=cus_1  ")
    });
    sink.wait_line("the track item", |l| {
        l.contains("  track  Subscription Started  user=cus_1  ") && l.ends_with("accepted")
    });
    sink.wait_line("the page item", |l| {
        l.contains("  page  Pricing  anon=anon_9  ")
    });
    sink.wait_line("the dropped item", |l| {
        l.contains("Refund Issued") && l.ends_with("dropped (no userId/anonymousId)")
    });
    let (_, calls) = sink.calls();
    assert_eq!(calls.len(), 4);
    let types: Vec<&str> = calls
        .iter()
        .filter_map(|c| c["call_type"].as_str())
        .collect();
    assert_eq!(types, ["identify", "track", "page", "track"]);
    for (i, call) in calls.iter().enumerate() {
        assert_eq!(call["path"], "/v1/batch");
        assert_eq!(call["batch_index"], i);
        assert_eq!(call["write_key"], MASKED);
        assert_eq!(call["bytes"], batch["batch"][i].to_string().len());
    }
    sink.assert_key_hidden();
}

#[test]
fn a_batch_over_2500_events_is_accepted_and_dropped() {
    let mut sink = SinkProcess::start();
    let items: Vec<Value> = (0..2_501)
        .map(|i| json!({"type": "track", "userId": format!("u{i}"), "event": "E"}))
        .collect();
    let batch = json!({"batch": items}).to_string();
    assert!(batch.len() < 500_000);
    let (status, answer) = sink.post("/v1/batch", Some(KEY), &batch);
    assert_eq!((status, answer), (200, json!({"success": true})));
    sink.wait_lines("dropped batch items", 2_501, |l| {
        l.ends_with("dropped (batch over 2,500 events)")
    });
    let (_, calls) = sink.calls();
    assert_eq!(calls.len(), 2_501);
    assert!(
        calls
            .iter()
            .all(|c| c["verdict"] == "dropped (batch over 2,500 events)")
    );
    assert_eq!(calls[2_500]["user_id"], "u2500");

    // 2,500 is still fine.
    let items: Vec<Value> = (0..2_500)
        .map(|i| json!({"type": "track", "userId": format!("v{i}"), "event": "E"}))
        .collect();
    let (status, _) = sink.post("/v1/batch", Some(KEY), &json!({"batch": items}).to_string());
    assert_eq!(status, 200);
    sink.wait_lines("accepted batch items", 2_500, |l| l.ends_with("accepted"));
    sink.assert_key_hidden();
}

#[test]
fn unknown_paths_are_a_json_404() {
    let mut sink = SinkProcess::start();
    let (status, answer) = sink.post("/v1/flush", Some(KEY), "{}");
    assert_eq!(status, 404);
    assert_eq!(answer["success"], false);
    assert!(
        answer["message"]
            .as_str()
            .expect("message")
            .contains("/v1/flush")
    );
    sink.wait_line("the unknown path", |l| {
        l.contains("rejected (unknown path) · 404")
    });

    for (method, path) in [("GET", "/v1/track"), ("GET", "/"), ("DELETE", "/calls")] {
        let (status, text) = sink.request(method, path, &[], b"");
        assert_eq!(status, 404, "{method} {path}");
        let answer: Value = serde_json::from_str(&text).expect("JSON 404");
        assert_eq!(answer["success"], false, "{method} {path}");
    }
    // The trailing-slash form the Java library uses is a route.
    let (status, _) = sink.post(
        "/v1/import/",
        Some(KEY),
        &json!({"batch": [{"type": "alias", "userId": "u", "previousId": "a"}]}).to_string(),
    );
    assert_eq!(status, 200);
    sink.wait_line("the alias", |l| l.contains("  alias  from=a  user=u  "));
    sink.assert_key_hidden();
}

#[test]
fn a_port_in_use_or_a_bad_address_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    for bad in [addr.as_str(), "not-an-address", "127.0.0.1:99999"] {
        let mut child = hookbench(&dir)
            .args(["sink", "--addr", bad])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("hookbench sink --addr {bad} did not exit");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut stderr)
            .expect("read stderr");
        assert_eq!(status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.contains(&format!("cannot listen on {bad}")),
            "{stderr}"
        );
        if bad == addr {
            assert!(stderr.contains("already in use"), "{stderr}");
        }
    }
    drop(taken);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_sink_with_exit_0() {
    let mut sink = SinkProcess::start();
    let (status, _) = sink.post(
        "/v1/track",
        Some(KEY),
        &track("cus_1", "Last One").to_string(),
    );
    assert_eq!(status, 200);
    sink.wait_line("the call", |l| l.contains("Last One"));
    let pid = sink.running.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let status = sink
        .running
        .wait_exit(WAIT)
        .expect("the sink did not stop on SIGTERM");
    assert_eq!(status.code(), Some(0));
    sink.wait_line("the closing line", |l| {
        l.contains("hookbench sink stopped · 1 calls")
    });
}
