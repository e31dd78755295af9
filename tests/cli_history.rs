//! `hookbench history list|show|replay` against a store filled through the library API.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use common::{Sandbox, json_lines, run};
use hookbench_core::store::{NewDelivery, Recorded, Store, StoreError, Verification};
use serde_json::{Value, json};

const KEY: &str = "wk_Secret0123456789abcdefghijklmn";

/// Records `delivery` from outside async code, as a synchronous caller would: the store's
/// `record`, waited on.
trait RecordNow {
    fn record_now(&self, delivery: NewDelivery) -> Result<Recorded, StoreError>;
}

impl RecordNow for Store {
    fn record_now(&self, delivery: NewDelivery) -> Result<Recorded, StoreError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(self.record(delivery))
    }
}

fn fixture_body(name: &str) -> String {
    let set = hookbench_core::webhook::FixtureSet::builtin().expect("fixtures");
    set.find(name).expect("fixture").body.clone()
}

fn accepted(webhook_id: &str, event_type: &str, body: &[u8]) -> NewDelivery {
    NewDelivery {
        webhook_id: Some(webhook_id.to_string()),
        received_at: "2026-02-03T14:02:11.250Z".to_string(),
        event_type: Some(event_type.to_string()),
        body: body.to_vec(),
        headers: vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("webhook-id".to_string(), webhook_id.to_string()),
            ("webhook-timestamp".to_string(), "1770127331".to_string()),
        ],
        verification: Verification::Valid,
        status: 200,
        reason: None,
    }
}

/// Three deliveries: 1 accepted payment (redelivered once), 2 a rejected one, 3 an unsigned one
/// whose body is not UTF-8.
fn fill(dir: &Path) {
    let store = Store::open(dir).expect("store");
    let payment = accepted(
        "msg_payment",
        "payment.succeeded",
        fixture_body("payment.succeeded").as_bytes(),
    );
    store.record_now(payment.clone()).expect("1");
    store.record_now(payment).expect("1 again");
    let mut rejected = accepted(
        "msg_forged",
        "refund.succeeded",
        b"{\"type\":\"refund.succeeded\"}",
    );
    rejected.verification = Verification::Invalid;
    rejected.status = 401;
    rejected.reason = Some("no signature matched".to_string());
    rejected.received_at = "2026-02-03T14:03:00Z".to_string();
    store.record_now(rejected).expect("2");
    let mut unsigned = accepted("msg_bytes", "dispute.opened", b"{\"note\":\"caf\xe9\"}\n");
    unsigned.verification = Verification::Unsigned;
    unsigned.received_at = "2026-02-03T14:04:00Z".to_string();
    store.record_now(unsigned).expect("3");
}

fn data_dir(sandbox: &Sandbox) -> PathBuf {
    sandbox.path("data")
}

fn history(sandbox: &Sandbox, args: &[&str]) -> common::Ran {
    let mut cmd = sandbox.cmd();
    cmd.arg("history")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir(sandbox));
    run(&mut cmd)
}

#[test]
fn list_shows_aligned_rows_newest_first_with_marks() {
    let sandbox = Sandbox::new();
    fill(&data_dir(&sandbox));
    let ran = history(&sandbox, &["list"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", ran.stdout);
    let header = lines[0];
    for column in [
        "ID",
        "VERIFIED",
        "STATUS",
        "RECEIVED",
        "EVENT",
        "WEBHOOK-ID",
        "REASON",
    ] {
        assert!(header.contains(column), "{header}");
    }
    assert!(
        lines[1].trim_start().starts_with("3  – unsigned  200"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].trim_start().starts_with("2  ✗ invalid   401"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].trim_start().starts_with("1  ✓ valid     200"),
        "{}",
        lines[3]
    );
    assert!(lines[2].ends_with("no signature matched"), "{}", lines[2]);
    assert!(lines[3].contains("2026-02-03 14:02:11Z"), "{}", lines[3]);
    // Columns line up (counted in characters: the marks are one column each).
    let column = |line: &str, text: &str| {
        let byte = line
            .find(text)
            .unwrap_or_else(|| panic!("{text} in {line}"));
        line[..byte].chars().count()
    };
    let event = column(header, "EVENT");
    assert_eq!(column(lines[1], "dispute.opened"), event);
    assert_eq!(column(lines[2], "refund.succeeded"), event);
    assert_eq!(column(lines[3], "payment.succeeded"), event);
    let webhook = column(header, "WEBHOOK-ID");
    assert_eq!(column(lines[1], "msg_bytes"), webhook);
    assert_eq!(column(lines[3], "msg_payment"), webhook);
}

#[test]
fn list_json_is_one_object_per_delivery_newest_first() {
    let sandbox = Sandbox::new();
    fill(&data_dir(&sandbox));
    let ran = history(&sandbox, &["list", "--output", "json"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let rows = json_lines(&ran.stdout);
    assert_eq!(rows.len(), 3);
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().expect("id")).collect();
    assert_eq!(ids, [3, 2, 1]);
    let keys: Vec<&str> = rows[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "webhook_id",
            "received_at",
            "event_type",
            "verification",
            "status",
            "reason",
            "redeliveries",
            "bytes"
        ]
    );
    assert_eq!(
        rows[1],
        json!({
            "id": 2, "webhook_id": "msg_forged", "received_at": "2026-02-03T14:03:00Z",
            "event_type": "refund.succeeded", "verification": "invalid", "status": 401,
            "reason": "no signature matched", "redeliveries": 0, "bytes": 27
        })
    );
    assert_eq!(rows[2]["redeliveries"], 1);
    assert_eq!(rows[2]["verification"], "valid");
    assert_eq!(rows[0]["verification"], "unsigned");
    assert_eq!(
        rows[2]["bytes"].as_u64(),
        Some(fixture_body("payment.succeeded").len() as u64)
    );
}

#[test]
fn list_limit_takes_the_newest() {
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    {
        let store = Store::open(&dir).expect("store");
        for n in 0..1_203 {
            store
                .record_now(accepted(&format!("msg_{n}"), "payment.failed", b"{}"))
                .expect("record");
        }
    }
    let ids = |args: &[&str]| -> Vec<i64> {
        let mut all = vec!["list", "-o", "json"];
        all.extend_from_slice(args);
        let ran = history(&sandbox, &all);
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        json_lines(&ran.stdout)
            .iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect()
    };
    assert_eq!(ids(&["--limit", "2"]), [1_203, 1_202]);
    assert_eq!(ids(&[]).len(), 50, "the default limit");
    // More than a page, in order, each once.
    assert_eq!(
        ids(&["--limit", "0"]),
        (1..=1_203).rev().collect::<Vec<i64>>()
    );
    assert_eq!(ids(&["--limit", "1100"]).len(), 1_100);
    let text = history(&sandbox, &["list", "--limit", "3"]);
    assert_eq!(text.stdout.lines().count(), 4, "{}", text.stdout);
}

#[test]
fn an_empty_history_says_how_to_receive_webhooks() {
    let sandbox = Sandbox::new();
    let ran = history(&sandbox, &["list"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.contains("no deliveries"), "{}", ran.stdout);
    assert!(ran.stdout.contains("hookbench listen"), "{}", ran.stdout);
    let json = history(&sandbox, &["list", "-o", "json"]);
    assert_eq!(json.code, Some(0));
    assert_eq!(json.stdout, "", "stdout stays JSON lines");
    assert!(json.stderr.contains("hookbench listen"), "{}", json.stderr);
}

#[test]
fn the_data_dir_comes_from_the_environment_too() {
    let sandbox = Sandbox::new();
    fill(&data_dir(&sandbox));
    let ran = run(sandbox
        .cmd()
        .env("HOOKBENCH_DATA_DIR", data_dir(&sandbox))
        .args(["history", "list", "-o", "json"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(json_lines(&ran.stdout).len(), 3);
}

#[test]
fn show_by_number_prints_everything_with_bytes_escaped() {
    let sandbox = Sandbox::new();
    fill(&data_dir(&sandbox));
    let ran = history(&sandbox, &["show", "3"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let out = &ran.stdout;
    assert!(out.starts_with("delivery 3 · dispute.opened\n"), "{out}");
    for expected in [
        "webhook-id   msg_bytes",
        "verification – unsigned",
        "status       200",
        "reason       –",
        "redeliveries 0",
        "content-type: application/json",
        "webhook-timestamp: 1770127331",
    ] {
        assert!(out.contains(expected), "{expected:?} in\n{out}");
    }
    assert!(out.ends_with("body\n{\"note\":\"caf\\xE9\"}\n"), "{out}");

    let rejected = history(&sandbox, &["show", "2"]);
    assert!(
        rejected
            .stdout
            .contains("reason       no signature matched")
    );
    assert!(rejected.stdout.contains("status       401"));
    assert!(rejected.stdout.contains("verification ✗ invalid"));
}

#[test]
fn show_checks_the_body_against_dodos_schema() {
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    fill(&dir);
    let mut off: Value = serde_json::from_str(&fixture_body("refund.succeeded")).expect("JSON");
    off["data"]["status"] = json!("done");
    let store = Store::open(&dir).expect("store");
    store
        .record_now(accepted(
            "msg_off",
            "refund.succeeded",
            off.to_string().as_bytes(),
        ))
        .expect("recorded");
    drop(store);

    let ran = history(&sandbox, &["show", "msg_off", "-o", "json"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let shown = &json_lines(&ran.stdout)[0];
    assert_eq!(
        shown["input_diagnostics"][0]["code"], "not-in-enum",
        "{shown}"
    );
    assert_eq!(shown["input_diagnostics"][0]["path"], "/data/status");
    let ran = history(&sandbox, &["show", "msg_off"]);
    let out = &ran.stdout;
    assert!(
        out.contains("webhook body vs Dodo's schema (2026-12):"),
        "{out}"
    );
    assert!(
        out.contains("refund.succeeded: `data.status` is `\"done\"`, not one of"),
        "{out}"
    );

    // A built-in body conforms; a body that is not JSON has nothing to check.
    let ran = history(&sandbox, &["show", "msg_payment", "-o", "json"]);
    assert_eq!(json_lines(&ran.stdout)[0]["input_diagnostics"], json!([]));
    let ran = history(&sandbox, &["show", "msg_payment"]);
    assert!(!ran.stdout.contains("Dodo's schema"), "{}", ran.stdout);
    let ran = history(&sandbox, &["show", "msg_bytes", "-o", "json"]);
    assert_eq!(json_lines(&ran.stdout)[0]["input_diagnostics"], json!([]));
}

#[test]
fn show_by_webhook_id_as_json() {
    let sandbox = Sandbox::new();
    fill(&data_dir(&sandbox));
    let ran = history(&sandbox, &["show", "msg_payment", "-o", "json"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let shown = json_lines(&ran.stdout);
    assert_eq!(shown.len(), 1);
    let shown = &shown[0];
    assert_eq!(shown["id"], 1);
    assert_eq!(shown["webhook_id"], "msg_payment");
    assert_eq!(shown["verification"], "valid");
    assert_eq!(shown["status"], 200);
    assert_eq!(shown["reason"], Value::Null);
    assert_eq!(shown["redeliveries"], 1);
    assert_eq!(
        shown["headers"],
        json!({"content-type": "application/json", "webhook-id": "msg_payment", "webhook-timestamp": "1770127331"})
    );
    assert_eq!(shown["body"], fixture_body("payment.succeeded"));

    let bytes = history(&sandbox, &["show", "msg_bytes", "-o", "json"]);
    let bytes = json_lines(&bytes.stdout);
    assert_eq!(bytes[0]["body"], "{\"note\":\"caf\\xE9\"}\n");
}

#[test]
fn an_unknown_delivery_is_an_input_error() {
    let sandbox = Sandbox::new();
    fill(&data_dir(&sandbox));
    let path = data_dir(&sandbox).join("history.sqlite3");
    for id in ["99", "msg_nope"] {
        let ran = history(&sandbox, &["show", id]);
        assert_eq!(ran.code, Some(2));
        assert!(
            ran.stderr
                .contains(&format!("no delivery {id} in {}", path.display())),
            "{}",
            ran.stderr
        );
        assert_eq!(ran.stdout, "");
    }
    let ran = history(&sandbox, &["replay", "99"]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("no delivery 99"), "{}", ran.stderr);
}

#[test]
fn replay_runs_the_stored_body_and_stores_the_run() {
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    fill(&dir);
    let ran = history(
        &sandbox,
        &["replay", "1", "-t", "segment-complete", "-o", "json"],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let records = json_lines(&ran.stdout);
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record["event_type"], "payment.succeeded");
    assert_eq!(record["webhook"]["payload"]["event"], "Order Completed");
    assert_eq!(record["error"], Value::Null);
    assert!(record.get("delivery").is_none(), "nothing was sent");

    let store = Store::open(&dir).expect("store");
    let runs = store.runs(1).expect("runs");
    assert_eq!(runs.len(), 1);
    assert!(
        runs[0].transform.starts_with("segment-complete"),
        "{runs:?}"
    );
    let stored: Value = serde_json::from_str(&runs[0].record).expect("json");
    assert_eq!(stored["webhook"]["payload"]["event"], "Order Completed");
    assert!(store.sends(runs[0].id).expect("sends").is_empty());
    drop(store);

    // By webhook-id, in text: like `hookbench run`.
    let text = history(
        &sandbox,
        &["replay", "msg_payment", "-t", "segment-complete"],
    );
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    assert!(
        text.stdout
            .starts_with("✓ #1 payment.succeeded → POST https://api.segment.io/v1/track"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("\"event\": \"Order Completed\""));
    let store = Store::open(&dir).expect("store");
    assert_eq!(store.runs(1).expect("runs").len(), 2);
    drop(store);

    // A mapping replays like any transformation, and gives the hand-written preset's call.
    let mapped = history(
        &sandbox,
        &[
            "replay",
            "1",
            "-t",
            "segment-complete.mapping",
            "-o",
            "json",
        ],
    );
    assert_eq!(mapped.code, Some(0), "{}", mapped.stderr);
    assert_eq!(
        json_lines(&mapped.stdout)[0]["webhook"],
        record["webhook"],
        "the same call as segment-complete.js"
    );
}

#[test]
fn replay_exit_codes_follow_run() {
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    fill(&dir);
    let throws = sandbox.write(
        "throws.js",
        "function handler(webhook) {\n  throw new Error('nope');\n}\n",
    );
    let ran = history(
        &sandbox,
        &[
            "replay",
            "1",
            "-t",
            throws.to_str().expect("path"),
            "-o",
            "json",
        ],
    );
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert_eq!(json_lines(&ran.stdout)[0]["error"]["kind"], "exception");
    // The failed run is stored too.
    let store = Store::open(&dir).expect("store");
    assert_eq!(store.runs(1).expect("runs").len(), 1);
    drop(store);

    // No identity in what would be sent: lint errors.
    let anonymous = sandbox.write(
        "anonymous.js",
        "function handler(webhook) {\n  webhook.payload = { event: 'Order Completed' };\n  return webhook;\n}\n",
    );
    let ran = history(
        &sandbox,
        &["replay", "1", "-t", anonymous.to_str().expect("path")],
    );
    assert_eq!(ran.code, Some(3), "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("missing-identity"), "{}", ran.stdout);
}

#[test]
fn replay_of_a_body_that_is_not_json_is_an_input_error() {
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    {
        let store = Store::open(&dir).expect("store");
        let mut broken = accepted("msg_broken", "payment.succeeded", b"{\n  \"type\": oops\n}");
        broken.status = 400;
        store.record_now(broken).expect("1");
        let mut empty = accepted("msg_big", "payment.succeeded", b"");
        empty.status = 413;
        empty.reason = Some("body over 1048576 bytes".to_string());
        store.record_now(empty).expect("2");
        store
            .record_now(accepted(
                "msg_latin",
                "payment.succeeded",
                b"{\"a\":\"\xff\"}",
            ))
            .expect("3");
    }
    let ran = history(&sandbox, &["replay", "1"]);
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("delivery 1:2:11: invalid JSON"),
        "{}",
        ran.stderr
    );
    let ran = history(&sandbox, &["replay", "2"]);
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("delivery 2 has no body stored"),
        "{}",
        ran.stderr
    );
    let ran = history(&sandbox, &["replay", "3"]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("not UTF-8"), "{}", ran.stderr);
    let store = Store::open(&dir).expect("store");
    assert!(store.runs(1).expect("runs").is_empty());
}

/// What the server saw: each request's Authorization header and JSON body.
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

/// A Segment-compatible server that answers with one status and keeps what it saw.
struct Server {
    base: String,
    seen: Seen,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(status: StatusCode) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .fallback(answer)
            .with_state((status, Arc::clone(&seen)));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Server {
            base: format!("http://{addr}"),
            seen,
            _runtime: runtime,
        }
    }
}

async fn answer(
    State((status, seen)): State<(StatusCode, Seen)>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    seen.lock().expect("lock").push((auth, body));
    (status, "{\"success\":true}".to_string())
}

#[test]
fn replay_send_delivers_and_stores_the_send_with_the_key_masked() {
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    fill(&dir);
    let server = Server::start(StatusCode::OK);
    let ran = history(
        &sandbox,
        &[
            "replay",
            "1",
            "-t",
            "segment-complete",
            "--send",
            "--write-key",
            KEY,
            "--endpoint",
            &server.base,
            "-o",
            "json",
        ],
    );
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    let line = &json_lines(&ran.stdout)[0];
    assert_eq!(line["webhook"]["payload"]["event"], "Order Completed");
    assert_eq!(line["delivery"]["status"], 200);
    assert_eq!(line["delivery"]["outcome"], "delivered");
    let seen = server.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].0.starts_with("Basic "), "{:?}", seen[0].0);
    assert_eq!(seen[0].1["event"], "Order Completed");

    let store = Store::open(&dir).expect("store");
    let runs = store.runs(1).expect("runs");
    let sends = store.sends(runs[0].id).expect("sends");
    assert_eq!(sends.len(), 1);
    let stored: Value = serde_json::from_str(&sends[0].delivery).expect("json");
    assert_eq!(stored["status"], 200);
    assert_eq!(stored["outcome"], "delivered");
    assert!(!sends[0].delivery.contains(KEY), "{}", sends[0].delivery);
    assert!(!ran.stdout.contains(KEY));

    // Rejected (400 is not retried): exit 4, and the send is stored too.
    let rejecting = Server::start(StatusCode::BAD_REQUEST);
    let ran = history(
        &sandbox,
        &[
            "replay",
            "1",
            "-t",
            "segment-complete",
            "--send",
            "--write-key",
            KEY,
            "--endpoint",
            &rejecting.base,
        ],
    );
    assert_eq!(ran.code, Some(4), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains("✗ #1 payment.succeeded → rejected 400"),
        "{}",
        ran.stdout
    );
    let runs = store.runs(1).expect("runs");
    assert_eq!(runs.len(), 2);
    let sends = store.sends(runs[1].id).expect("sends");
    assert_eq!(sends.len(), 1);
    assert!(
        sends[0].delivery.contains("\"rejected\""),
        "{}",
        sends[0].delivery
    );
    // Without a key: an input error before anything runs.
    let ran = history(&sandbox, &["replay", "1", "--send"]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("no write key"), "{}", ran.stderr);
}

#[test]
fn a_corrupt_history_file_is_named() {
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("history.sqlite3");
    std::fs::write(&file, vec![0x5a; 4096]).expect("garbage");
    for args in [vec!["list"], vec!["show", "1"], vec!["replay", "1"]] {
        let ran = history(&sandbox, &args);
        assert_eq!(ran.code, Some(2), "{args:?}");
        assert!(
            ran.stderr.contains(&file.display().to_string()),
            "{args:?}: {}",
            ran.stderr
        );
        assert!(ran.stderr.contains("move it aside"), "{}", ran.stderr);
    }
}

#[test]
fn a_newer_history_file_is_refused() {
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    std::fs::create_dir_all(&dir).expect("dir");
    let conn = rusqlite::Connection::open(dir.join("history.sqlite3")).expect("open");
    conn.execute_batch(
        "CREATE TABLE deliveries (id INTEGER PRIMARY KEY); PRAGMA user_version = 7;",
    )
    .expect("newer");
    drop(conn);
    let ran = history(&sandbox, &["list"]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("newer hookbench"), "{}", ran.stderr);
    assert!(ran.stderr.contains("schema version 7"), "{}", ran.stderr);
}

/// In a data dir made read-only, `history list` and `show` read what is stored, and `listen`
/// (which stores) names the folder and the way out, exit 2. Skipped where chmod does not
/// restrict (root), found by trying to create a file.
#[cfg(unix)]
#[test]
fn a_read_only_data_dir_is_read_and_named() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    fill(&dir);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    if std::fs::write(dir.join("probe"), "x").is_ok() {
        return; // chmod does not restrict this user
    }
    let list = history(&sandbox, &["list", "-o", "json"]);
    let show = history(&sandbox, &["show", "msg_payment"]);
    let listen =
        run(sandbox
            .cmd()
            .arg("--data-dir")
            .arg(&dir)
            .args(["listen", "--addr", "127.0.0.1:0"]));
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod back");
    assert_eq!(list.code, Some(0), "{}", list.stderr);
    let ids: Vec<Value> = json_lines(&list.stdout)
        .iter()
        .map(|row| row["webhook_id"].clone())
        .collect();
    assert_eq!(
        ids,
        [
            json!("msg_bytes"),
            json!("msg_forged"),
            json!("msg_payment")
        ]
    );
    assert_eq!(show.code, Some(0), "{}", show.stderr);
    assert!(show.stdout.contains("payment.succeeded"), "{}", show.stdout);

    assert_eq!(listen.code, Some(2), "{}", listen.stderr);
    for said in [
        dir.display().to_string().as_str(),
        "read-only",
        "--data-dir",
        "HOOKBENCH_DATA_DIR",
    ] {
        assert!(listen.stderr.contains(said), "{said}: {}", listen.stderr);
    }
    assert!(
        !listen.stderr.contains("unable to open"),
        "{}",
        listen.stderr
    );
}

#[test]
fn show_lists_the_runs_and_sends_kept_for_a_delivery() {
    let sandbox = Sandbox::new();
    let dir = data_dir(&sandbox);
    fill(&dir);
    let store = Store::open(&dir).expect("store");
    let sent = json!({
        "event_type": "payment.succeeded",
        "webhook": {"method": "POST", "url": "https://api.segment.io/v1/track", "headers": {}, "cancel": false, "payload": {}},
        "error": null,
    });
    let run = store
        .record_run(1, "segment-complete.js", &sent.to_string())
        .expect("run");
    let delivered = json!({"destination": "Segment US", "status": 200, "attempts": 1, "latency_ms": 12, "outcome": "delivered", "message": null});
    store
        .record_send(run, &delivered.to_string())
        .expect("send");
    let failed = json!({"destination": "Segment US", "status": null, "attempts": 4, "latency_ms": 10018, "outcome": "failed",
        "message": "cannot connect to api.segment.io:443: connection refused (after 4 attempts)\u{1b}[2J"});
    store.record_send(run, &failed.to_string()).expect("send");
    let broken = json!({"event_type": "payment.succeeded", "webhook": null, "error": {"kind": "runtime", "message": "x is not defined"}});
    store
        .record_run(1, "mine.js", &broken.to_string())
        .expect("run");
    drop(store);

    let ran = history(&sandbox, &["show", "1"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let out = &ran.stdout;
    for expected in [
        "runs\n",
        "  run 1 · ",
        " · segment-complete.js · → POST https://api.segment.io/v1/track",
        "    send 1 · ",
        " · delivered 200 · 1 attempt(s) · 12 ms · Segment US",
        " · failed no answer · 4 attempt(s) · 10018 ms · Segment US",
        "      why: cannot connect to api.segment.io:443: connection refused (after 4 attempts)\\x1B[2J",
        "  run 2 · ",
        " · mine.js · ✗ failed: x is not defined",
    ] {
        assert!(out.contains(expected), "{expected:?} in\n{out}");
    }
    assert!(!out.contains('\u{1b}'), "{out}");
    // Before the body, which stays last.
    assert!(out.find("runs\n") < out.find("body\n"), "{out}");

    let ran = history(&sandbox, &["show", "1", "-o", "json"]);
    let shown = &json_lines(&ran.stdout)[0];
    let runs = shown["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["transform"], "segment-complete.js");
    assert_eq!(runs[0]["record"]["webhook"]["method"], "POST");
    assert_eq!(runs[0]["sends"][0]["delivery"]["outcome"], "delivered");
    assert_eq!(runs[0]["sends"][1]["delivery"]["outcome"], "failed");
    assert_eq!(runs[1]["sends"], json!([]));

    let none = history(&sandbox, &["show", "2"]);
    assert!(
        none.stdout.contains("runs\n  none stored\n"),
        "{}",
        none.stdout
    );
}
