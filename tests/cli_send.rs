//! `hookbench send` against a scripted Segment-compatible server on 127.0.0.1: what reaches it,
//! the exit codes, the JSON shape, and the write key never shown in clear.

mod common;

use std::collections::{BTreeMap, VecDeque};
use std::io::Read as _;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use common::{Sandbox, json_lines, run};
use serde_json::Value;

const KEY: &str = "wk_Secret0123456789abcdefghijklmn";

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorization: Option<String>,
    /// Lower-case names.
    headers: BTreeMap<String, String>,
    /// The body as it came, before any decompression.
    raw: Vec<u8>,
    /// The body as JSON, decompressed when it came gzipped.
    body: Value,
}

impl Seen {
    /// The body as text, decompressed when it came gzipped.
    fn text(&self) -> String {
        String::from_utf8(decoded(&self.headers, &self.raw)).expect("utf-8")
    }
}

fn decoded(headers: &BTreeMap<String, String>, raw: &[u8]) -> Vec<u8> {
    if headers.get("content-encoding").map(String::as_str) == Some("gzip") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw)
            .read_to_end(&mut out)
            .expect("a gzip body");
        out
    } else {
        raw.to_vec()
    }
}

#[derive(Default)]
struct Script {
    /// Statuses to answer with, in order; 200 once they run out.
    statuses: VecDeque<u16>,
    seen: Vec<Seen>,
}

/// A server that answers from a script, on its own runtime; dropped at the end of the test.
struct Server {
    base: String,
    script: Arc<Mutex<Script>>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(statuses: &[u16]) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let script = Arc::new(Mutex::new(Script {
            statuses: statuses.iter().copied().collect(),
            seen: Vec::new(),
        }));
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&script));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Server {
            base: format!("http://{addr}"),
            script,
            _runtime: runtime,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.script.lock().expect("lock").seen.clone()
    }
}

async fn answer(
    State(script): State<Arc<Mutex<Script>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let mut script = script.lock().expect("lock");
    let headers: BTreeMap<String, String> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    script.seen.push(Seen {
        path: uri.path().to_string(),
        authorization: headers.get("authorization").cloned(),
        body: serde_json::from_slice(&decoded(&headers, &body)).unwrap_or(Value::Null),
        headers,
        raw: body.to_vec(),
    });
    let status = script.statuses.pop_front().unwrap_or(200);
    let body = if status == 200 {
        r#"{"success":true}"#.to_string()
    } else {
        format!(r#"{{"success":false,"message":"scripted {status}"}}"#)
    };
    (StatusCode::from_u16(status).expect("status"), body)
}

fn send(sandbox: &Sandbox, server: &Server, args: &[&str]) -> common::Ran {
    let mut cmd = sandbox.cmd();
    cmd.env_remove("SEGMENT_WRITE_KEY")
        .args(["send", "--endpoint", &server.base, "--write-key", KEY])
        .args(args);
    run(&mut cmd)
}

fn assert_no_key(ran: &common::Ran) {
    assert!(!ran.stdout.contains(KEY), "key in stdout:\n{}", ran.stdout);
    assert!(!ran.stderr.contains(KEY), "key in stderr:\n{}", ran.stderr);
}

#[test]
fn a_call_reaches_the_endpoint_with_the_key_and_the_json_reports_it_masked() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    let ran = send(
        &sandbox,
        &server,
        &["--event", "payment.succeeded", "--output", "json"],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_no_key(&ran);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/track");
    assert_eq!(seen[0].body["writeKey"], KEY);
    assert_eq!(seen[0].body["event"], "Order Completed");
    assert!(
        seen[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))
    );
    let records = json_lines(&ran.stdout);
    assert_eq!(records.len(), 1);
    let delivery = &records[0]["delivery"];
    assert_eq!(delivery["outcome"], "delivered");
    assert_eq!(delivery["status"], 200);
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["body"]["success"], true);
    assert_eq!(
        delivery["request"]["url"],
        format!("{}/v1/track", server.base)
    );
    assert!(
        delivery["destination"]
            .as_str()
            .is_some_and(|d| d.contains(&server.base))
    );
    assert!(delivery["latency_ms"].is_u64());
    // The run record's fields come first, unchanged.
    assert_eq!(records[0]["event_type"], "payment.succeeded");
    assert!(records[0]["webhook"].is_object());
}

#[test]
fn a_batch_sends_every_fixture_in_one_request_and_cancelled_ones_not_at_all() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    let ran = send(&sandbox, &server, &["--all", "--batch"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_no_key(&ran);
    let seen = server.seen();
    assert_eq!(seen.len(), 1, "one batch request");
    assert_eq!(seen[0].path, "/v1/batch");
    let items = seen[0].body["batch"].as_array().expect("batch array");
    assert!(
        items
            .iter()
            .all(|i| i["type"] == "track" && i["messageId"].is_string())
    );
    assert!(
        ran.stdout
            .contains("payment.processing → cancelled (not sent)"),
        "{}",
        ran.stdout
    );
    let cancelled = ran.stdout.matches("cancelled (not sent)").count();
    assert_eq!(items.len() + cancelled, 56, "{}", ran.stdout);
}

#[test]
fn rejected_calls_are_not_retried_and_exit_4() {
    for status in [400u16, 501] {
        let sandbox = Sandbox::new();
        let server = Server::start(&[status]);
        let ran = send(&sandbox, &server, &["--event", "payment.succeeded"]);
        assert_eq!(ran.code, Some(4), "{status}: {}", ran.stdout);
        assert_eq!(server.seen().len(), 1, "{status} is not retried");
        assert!(ran.stdout.contains("rejected"), "{}", ran.stdout);
        assert_no_key(&ran);
    }
}

#[test]
fn a_retryable_answer_is_retried_with_the_same_message_id() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[503]);
    let ran = send(
        &sandbox,
        &server,
        &[
            "--event",
            "refund.succeeded",
            "--retries",
            "1",
            "--output",
            "json",
        ],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body["messageId"], seen[1].body["messageId"]);
    assert_eq!(json_lines(&ran.stdout)[0]["delivery"]["attempts"], 2);
}

#[test]
fn a_refused_connection_exits_4_with_a_clear_message() {
    let sandbox = Sandbox::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let ran = run(sandbox.cmd().env_remove("SEGMENT_WRITE_KEY").args([
        "send",
        "--event",
        "payment.succeeded",
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
        "--write-key",
        KEY,
        "--retries",
        "1",
    ]));
    assert_eq!(ran.code, Some(4), "{}", ran.stdout);
    assert!(ran.stdout.contains("failed"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains(&format!("127.0.0.1:{port}")),
        "{}",
        ran.stdout
    );
    assert_no_key(&ran);
}

#[test]
fn lint_errors_block_the_send_unless_forced() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    // The guide's example lets refunds fall through untransformed: no userId, so an error.
    let args = [
        "--transform",
        "segment-track-payment",
        "--event",
        "refund.succeeded",
    ];
    let ran = send(&sandbox, &server, &args);
    assert_eq!(ran.code, Some(3), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("--force sends anyway"),
        "{}",
        ran.stdout
    );
    assert!(server.seen().is_empty());
    let mut forced = args.to_vec();
    forced.push("--force");
    let ran = send(&sandbox, &server, &forced);
    assert_eq!(ran.code, Some(0), "{}", ran.stdout);
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn a_failed_transformation_exits_1_and_sends_nothing() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    let transform = sandbox.write("bad.js", "function handler(w) { throw new Error('no'); }\n");
    let ran = send(
        &sandbox,
        &server,
        &[
            "--transform",
            transform.to_str().expect("path"),
            "--event",
            "payment.succeeded",
        ],
    );
    assert_eq!(ran.code, Some(1), "{}", ran.stdout);
    assert!(server.seen().is_empty());
}

#[test]
fn a_dry_run_shows_the_request_with_the_key_masked_and_sends_nothing() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    let ran = send(
        &sandbox,
        &server,
        &["--event", "payment.succeeded", "--dry-run"],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(server.seen().is_empty());
    assert!(
        ran.stdout.contains("dry run: nothing sent"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("wk_S…klmn"), "{}", ran.stdout);
    assert_no_key(&ran);
}

#[test]
fn without_a_key_it_says_where_to_put_one() {
    let sandbox = Sandbox::new();
    let ran = run(sandbox.cmd().env_remove("SEGMENT_WRITE_KEY").args([
        "send",
        "--event",
        "payment.succeeded",
    ]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("SEGMENT_WRITE_KEY"), "{}", ran.stderr);
    let ran =
        run(sandbox
            .cmd()
            .args(["send", "--event", "payment.succeeded", "--write-key", "  "]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("empty"), "{}", ran.stderr);
}

// ---------------------------------------------------------------------------------------------
// A dry run is the request a send makes

const KEY_MASKED: &str = "wk_S…klmn";

/// `text` with every `sentAt` value (always 24 characters) and the key in clear replaced, so
/// that a dry run's request and a sent one compare byte for byte.
fn normalised(text: &str) -> String {
    const SENT_AT: &str = "\"sentAt\":\"";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(SENT_AT) {
        let value = at + SENT_AT.len();
        out.push_str(&rest[..value]);
        out.push_str("<sentAt>");
        rest = &rest[(value + 24).min(rest.len())..];
    }
    out.push_str(rest);
    out.replace(KEY, KEY_MASKED)
}

/// The requests a dry run shows (one per request: a request starts at a record whose
/// `request.body` is not null; the later calls of a batch show their place in it and no body),
/// and the requests the same send makes, compared: URL, headers (the key masked) and body.
fn assert_dry_run_is_the_send(args: &[&str]) {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    let mut dry_args = args.to_vec();
    dry_args.extend(["--dry-run", "--output", "json"]);
    let dry = send(&sandbox, &server, &dry_args);
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    assert!(server.seen().is_empty(), "a dry run sends nothing");
    assert_no_key(&dry);
    let mut shown: Vec<Value> = Vec::new();
    // The batch request shown last: the calls it holds, and how many of them were seen.
    let mut open_batch: Option<(usize, usize)> = None;
    for record in json_lines(&dry.stdout) {
        if record["delivery"]["outcome"] == "cancelled" {
            continue;
        }
        let request = record["delivery"]["request"].clone();
        assert!(request.is_object(), "{record}");
        assert_eq!(record["delivery"]["outcome"], "dry-run");
        assert_eq!(record["delivery"]["destination"], "dry-run");
        let place = &request["batch"];
        if request["body"].is_null() {
            // A later call of the batch request shown above.
            let (calls, seen) = open_batch
                .as_mut()
                .unwrap_or_else(|| panic!("a call without a body outside a batch: {record}"));
            assert_eq!(place["index"], *seen, "{record}");
            assert_eq!(place["calls"], *calls, "{record}");
            *seen += 1;
            continue;
        }
        if let Some((calls, seen)) = open_batch.take() {
            assert_eq!(seen, calls, "every call of a batch request is shown");
        }
        if place.is_object() {
            assert_eq!(place["index"], 0, "{record}");
            let items = request["body"]["batch"].as_array().expect("a batch").len();
            assert_eq!(place["calls"], items, "{record}");
            open_batch = Some((items, 1));
        } else {
            assert!(place.is_null(), "{record}");
        }
        shown.push(request);
    }
    if let Some((calls, seen)) = open_batch {
        assert_eq!(seen, calls, "every call of a batch request is shown");
    }

    let sent = send(&sandbox, &server, args);
    assert_eq!(sent.code, Some(0), "{}", sent.stderr);
    let seen = server.seen();
    assert_eq!(
        shown.len(),
        seen.len(),
        "one request shown per request sent"
    );
    for (request, seen) in shown.iter().zip(&seen) {
        assert_eq!(
            request["url"].as_str(),
            Some(format!("{}{}", server.base, seen.path).as_str())
        );
        assert_eq!(request["method"], "POST");
        let headers = request["headers"].as_object().expect("headers");
        for (name, value) in headers {
            let got = seen.headers.get(&name.to_ascii_lowercase());
            assert_eq!(
                got.map(|v| v.replace(&base64_key(), KEY_MASKED)).as_deref(),
                value.as_str(),
                "header {name}"
            );
        }
        for name in seen.headers.keys() {
            let ours = headers.keys().any(|n| n.eq_ignore_ascii_case(name));
            let transport = ["host", "content-length", "accept"].contains(&name.as_str());
            assert!(ours || transport, "header {name} was sent but not shown");
        }
        let written = serde_json::to_string(&request["body"]).expect("json");
        assert_eq!(normalised(&written), normalised(&seen.text()));
        let sent_at = seen.body["sentAt"].as_str().expect("sentAt");
        assert!(
            chrono::DateTime::parse_from_rfc3339(sent_at).is_ok(),
            "{sent_at}"
        );
    }
}

/// The key's Basic credentials, shown masked like the key.
fn base64_key() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"))
}

#[test]
fn a_dry_run_shows_the_single_call_the_endpoint_gets() {
    assert_dry_run_is_the_send(&["--event", "payment.succeeded"]);
}

#[test]
fn a_dry_run_of_a_batch_shows_the_batch_request() {
    assert_dry_run_is_the_send(&["--all", "--batch"]);
}

#[test]
fn a_gzip_dry_run_shows_the_request_a_gzip_send_makes() {
    assert_dry_run_is_the_send(&["--event", "payment.succeeded", "--gzip"]);
    assert_dry_run_is_the_send(&["--all", "--batch", "--gzip"]);
}

#[test]
fn gzip_bodies_decompress_to_the_calls_json() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    let ran = send(
        &sandbox,
        &server,
        &["--event", "payment.succeeded", "--gzip"],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let plain = send(&sandbox, &server, &["--event", "payment.succeeded"]);
    assert_eq!(plain.code, Some(0), "{}", plain.stderr);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].headers.get("content-encoding").map(String::as_str),
        Some("gzip")
    );
    assert!(seen[0].raw.starts_with(&[0x1f, 0x8b]), "a gzip stream");
    assert_eq!(seen[1].headers.get("content-encoding"), None);
    assert_eq!(normalised(&seen[0].text()), normalised(&seen[1].text()));

    // `[segment] gzip = true` does the same.
    let config = sandbox.write("hookbench.toml", "[segment]\ngzip = true\n");
    let mut cmd = sandbox.cmd();
    cmd.env_remove("SEGMENT_WRITE_KEY")
        .arg("--config")
        .arg(&config)
        .args(["send", "--endpoint", &server.base, "--write-key", KEY])
        .args(["--event", "payment.succeeded"]);
    let configured = run(&mut cmd);
    assert_eq!(configured.code, Some(0), "{}", configured.stderr);
    let seen = server.seen();
    assert_eq!(
        seen[2].headers.get("content-encoding").map(String::as_str),
        Some("gzip")
    );
    assert_eq!(normalised(&seen[2].text()), normalised(&seen[1].text()));
}

#[test]
fn every_call_carries_sent_at_and_hookbench_as_its_library() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    let ran = send(&sandbox, &server, &["--event", "payment.succeeded"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let batch = send(&sandbox, &server, &["--all", "--batch"]);
    assert_eq!(batch.code, Some(0), "{}", batch.stderr);
    let seen = server.seen();
    let single = &seen[0].body;
    assert!(single["sentAt"].is_string(), "{single}");
    assert_eq!(single["context"]["library"]["name"], "hookbench");
    assert_eq!(
        single["context"]["library"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    let envelope = &seen[1].body;
    assert!(envelope["sentAt"].is_string());
    for item in envelope["batch"].as_array().expect("batch") {
        assert_eq!(item["context"]["library"]["name"], "hookbench", "{item}");
    }
}

#[test]
fn a_dry_run_in_text_prints_a_batch_body_once() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    let ran = send(&sandbox, &server, &["--all", "--batch", "--dry-run"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(server.seen().is_empty());
    assert!(
        ran.stdout
            .contains(&format!("POST {}/v1/batch", server.base)),
        "{}",
        ran.stdout
    );
    assert_eq!(
        ran.stdout.matches("\"batch\": [").count(),
        1,
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("(in the batch request above)"),
        "{}",
        ran.stdout
    );
    assert_no_key(&ran);
}

#[test]
fn a_batch_dry_run_warns_on_a_later_call_with_an_earlier_messageid() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    sandbox.write(
        "by_order.js",
        r#"function handler(webhook) {
  const d = webhook.payload.data;
  webhook.payload = { userId: "u_1", event: "Order Shipped", messageId: "ship:" + d.order_id, properties: { carrier: d.carrier } };
  return webhook;
}
"#,
    );
    let body = |t: &str, order: &str, carrier: &str| {
        serde_json::json!({"business_id": "b", "type": t, "timestamp": "2026-01-01T00:00:00Z",
            "data": {"order_id": order, "carrier": carrier}})
        .to_string()
    };
    sandbox.write(
        "events.jsonl",
        &[
            body("order.created", "ord_1", "ups"),
            body("order.shipped", "ord_1", "dhl"),
            body("order.created", "ord_2", "ups"),
        ]
        .join("\n"),
    );
    let ran = send(
        &sandbox,
        &server,
        &[
            "-t",
            "by_order.js",
            "-p",
            "events.jsonl",
            "--batch",
            "--dry-run",
            "-o",
            "json",
        ],
    );
    // A warning does not stop the send.
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(server.seen().is_empty());
    let records = json_lines(&ran.stdout);
    assert_eq!(records.len(), 3, "{}", ran.stdout);
    let warned: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            assert_eq!(r["delivery"]["outcome"], "dry-run", "{r}");
            r["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter(|d| d["code"] == "duplicate-message-id")
                .map(|d| d["message"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .collect();
    assert!(warned[0].is_empty() && warned[2].is_empty(), "{warned:?}");
    let [message] = warned[1].as_slice() else {
        panic!("one warning on the second call: {warned:?}");
    };
    assert!(
        message.starts_with("Segment keeps only the first call with this messageId")
            && message.contains("events.jsonl:1 order.created"),
        "{message}"
    );
}

#[test]
fn a_long_batched_stream_sends_full_requests_in_order_whatever_its_chunks() {
    let sandbox = Sandbox::new();
    let server = Server::start(&[]);
    sandbox.write(
        "small.js",
        r#"function handler(webhook) {
  webhook.payload = { userId: "u_1", event: "E", messageId: "m-" + webhook.payload.data.n };
  return webhook;
}
"#,
    );
    // More calls than one request holds (2,500), read in more than one chunk: no request is
    // sent part full where one chunk ends and the next begins.
    let count = 2_800;
    let lines: Vec<String> = (0..count)
        .map(|n| {
            serde_json::json!({"business_id": "b", "type": "payment.succeeded",
                "timestamp": "2026-01-01T00:00:00Z", "data": {"n": n}})
            .to_string()
        })
        .collect();
    sandbox.write("events.jsonl", &lines.join("\n"));
    let ran = send(
        &sandbox,
        &server,
        &[
            "-t",
            "small.js",
            "-p",
            "events.jsonl",
            "--batch",
            "-o",
            "json",
        ],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let sizes: Vec<usize> = server
        .seen()
        .iter()
        .map(|s| s.body["batch"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [2_500, 300]);
    let records = json_lines(&ran.stdout);
    assert_eq!(records.len(), count);
    for (n, record) in records.iter().enumerate() {
        let place = &record["delivery"]["request"]["batch"];
        let (request, index) = if n < 2_500 {
            (2_500, n)
        } else {
            (300, n - 2_500)
        };
        assert_eq!(place["calls"], request, "record {n}");
        assert_eq!(place["index"], index, "record {n}");
        assert_eq!(record["webhook"]["payload"]["messageId"], format!("m-{n}"));
        assert_eq!(record["delivery"]["outcome"], "delivered");
    }
}
