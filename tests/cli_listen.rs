//! `hookbench listen`: the real binary on a free port, its banner and lines, `--transform`,
//! `trigger` into it, clean stops on SIGTERM, bind errors, and a SIGKILL in the middle of a burst
//! losing no acknowledged delivery.

mod common;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hookbench_core::store::Store;
use hookbench_core::webhook::FixtureSet;
use hookbench_core::webhook::signature::{self, Secret};
use serde_json::Value;
use tempfile::TempDir;

use common::Running;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The part of the secret that must never be printed.
const SECRET_TAIL: &str = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WAIT: Duration = Duration::from_secs(20);

fn hookbench(dir: &TempDir) -> Command {
    common::process_in(dir.path())
}

fn payment_body() -> Vec<u8> {
    FixtureSet::builtin()
        .expect("fixtures")
        .get("payment.succeeded")
        .expect("fixture")
        .body
        .clone()
        .into_bytes()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A running `hookbench listen`, killed and reaped when dropped.
struct Listener {
    // First, so the process ends before its data dir is removed.
    running: Running,
    addr: String,
    url: String,
    data: TempDir,
}

impl Listener {
    /// Starts `hookbench --data-dir DIR listen --addr ADDR ARGS…` and waits for its banner.
    fn start(bind: &str, args: &[&str]) -> Listener {
        let data = tempfile::tempdir().expect("temp dir");
        let port = common::free_port();
        let addr = format!("{bind}:{port}");
        let mut cmd = hookbench(&data);
        cmd.arg("--data-dir")
            .arg(data.path().join("history"))
            .args(["listen", "--addr", &addr])
            .args(args);
        let running = Running::spawn(cmd, "hookbench listen");
        let mut listener = Listener {
            running,
            url: format!("http://127.0.0.1:{port}/webhook"),
            addr,
            data,
        };
        let banner = format!("hookbench listening on {}", listener.url);
        if args.contains(&"json") {
            // With JSON output, stdout is for deliveries only.
            listener.wait_stderr(&banner);
        } else {
            listener.wait_line("the banner", |l| l == banner);
        }
        listener
    }

    /// Waits (bounded) for stderr to contain `text`.
    fn wait_stderr(&self, text: &str) {
        self.running.wait_stderr(text, WAIT);
    }

    fn store_dir(&self) -> std::path::PathBuf {
        self.data.path().join("history")
    }

    fn stderr(&self) -> String {
        self.running.stderr()
    }

    /// The first stdout line (seen before or arriving within the wait) that matches.
    fn wait_line(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        self.running.wait_line(what, matches, WAIT)
    }

    /// Sends SIGTERM and waits for the exit code (bounded).
    fn terminate(&mut self) -> Option<i32> {
        self.signal("-TERM")
    }

    /// Sends a signal (`-TERM`, `-INT`) and waits for the exit code (bounded).
    fn signal(&mut self, signal: &str) -> Option<i32> {
        let status = Command::new("kill")
            .args([signal, &self.running.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let Some(status) = self.running.wait_exit(WAIT) else {
            panic!("still running {WAIT:?} after kill {signal}");
        };
        status.code()
    }

    /// Every stdout line until the end of the output (bounded).
    fn rest_of_stdout(&mut self) -> Vec<String> {
        self.running.rest_of_stdout(WAIT)
    }
}

/// POSTs `body` to `url`, signed with SECRET when `id` is given; the status.
async fn post(http: &reqwest::Client, url: &str, id: Option<&str>, body: Vec<u8>) -> u16 {
    let mut request = http
        .post(url)
        .header("content-type", "application/json")
        .header("authorization", "Bearer do-not-print");
    if let Some(id) = id {
        let secret = Secret::parse(SECRET).expect("secret");
        let ts = chrono::Utc::now().timestamp();
        request = request
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature::sign(&secret, id, ts, &body));
    }
    request
        .body(body)
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(WAIT)
        .build()
        .expect("client")
}

#[test]
fn the_banner_then_a_line_per_delivery_and_sigterm_ends_cleanly() {
    let mut listener = Listener::start("127.0.0.1", &["--secret", SECRET]);
    let url = listener.url.clone();
    let banner = listener.running.seen().to_vec();
    let rest = listener.wait_line("the history line", |l| l.contains("history:"));
    assert!(
        rest.contains(
            &listener
                .store_dir()
                .join("history.sqlite3")
                .display()
                .to_string()
        ),
        "{rest}"
    );
    let signatures = listener.wait_line("signatures", |l| l.contains("signatures:"));
    assert!(
        signatures.contains("checked (Standard Webhooks, ±300 s)"),
        "{signatures}"
    );
    assert!(banner.iter().all(|l| !l.contains(SECRET_TAIL)));

    let rt = runtime();
    let http = http();
    assert_eq!(
        rt.block_on(post(&http, &url, Some("msg_one"), payment_body())),
        200
    );
    let line = listener.wait_line("the valid delivery", |l| l.contains("✓ valid"));
    assert!(
        line.contains("payment.succeeded") && line.contains(" 200"),
        "{line}"
    );
    assert_eq!(
        rt.block_on(post(&http, &url, Some("msg_one"), payment_body())),
        200
    );
    let line = listener.wait_line("the redelivery", |l| l.contains("redelivery #1"));
    assert!(line.contains("✓ valid") && line.contains(" 200"), "{line}");
    // A conforming body has nothing under its line.
    assert!(
        !listener
            .running
            .seen()
            .iter()
            .any(|l| l.contains("Dodo's schema")),
        "{:?}",
        listener.running.seen()
    );
    assert_eq!(rt.block_on(post(&http, &url, None, payment_body())), 401);
    let line = listener.wait_line("the rejection", |l| l.contains("✗ invalid"));
    assert!(
        line.contains(" 401") && line.contains("missing webhook-id header"),
        "{line}"
    );

    assert_eq!(listener.terminate(), Some(0), "{}", listener.stderr());
    let out = listener.rest_of_stdout();
    assert!(
        out.last()
            .is_some_and(|l| l.contains("stopped · 3 deliveries")),
        "{out:?}"
    );
    let all = format!("{}\n{}", out.join("\n"), listener.stderr());
    assert!(!all.contains(SECRET_TAIL), "the secret is never printed");
    assert!(!all.contains("do-not-print"));

    let store = Store::open(&listener.store_dir()).expect("store");
    assert_eq!(
        store.count().expect("count"),
        2,
        "one accepted, one rejected"
    );
}

#[test]
fn a_non_loopback_bind_without_a_secret_warns() {
    let mut listener = Listener::start("0.0.0.0", &[]);
    let signatures = listener.wait_line("signatures", |l| l.contains("signatures:"));
    assert!(signatures.contains("not checked"), "{signatures}");
    listener.wait_stderr("without a secret");
    let stderr = listener.stderr();
    assert!(
        stderr.contains(&format!("warning: listening on {}", listener.addr)),
        "{stderr}"
    );
    // Connect on loopback only.
    let rt = runtime();
    let url = listener.url.clone();
    assert_eq!(rt.block_on(post(&http(), &url, None, payment_body())), 200);
    let line = listener.wait_line("the unsigned delivery", |l| l.contains("– unsigned"));
    assert!(line.contains(" 200"), "{line}");
    assert_eq!(listener.terminate(), Some(0));
}

#[test]
fn a_loopback_bind_without_a_secret_does_not_warn_and_ctrl_c_ends_cleanly() {
    let mut listener = Listener::start("127.0.0.1", &[]);
    assert_eq!(listener.signal("-INT"), Some(0));
    assert!(
        !listener.stderr().contains("warning"),
        "{}",
        listener.stderr()
    );
}

#[test]
fn a_bad_address_or_one_in_use_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    for addr in ["nonsense", "127.0.0.1:99999", "256.1.1.1:80"] {
        let output = hookbench(&dir)
            .arg("--data-dir")
            .arg(dir.path().join("h"))
            .args(["listen", "--addr", addr])
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{addr}: {stderr}");
        assert!(
            stderr.contains(&format!("cannot listen on {addr}")),
            "{stderr}"
        );
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let output = hookbench(&dir)
        .arg("--data-dir")
        .arg(dir.path().join("h"))
        .args(["listen", "--addr", &addr])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")) && stderr.contains("in use"),
        "{stderr}"
    );
}

#[test]
fn a_bad_secret_is_exit_2_and_not_echoed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = hookbench(&dir)
        .arg("--data-dir")
        .arg(dir.path().join("h"))
        .args([
            "listen",
            "--addr",
            "127.0.0.1:0",
            "--secret",
            "whsec_!!notbase64!!",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("notbase64"), "{stderr}");
}

#[test]
fn with_a_transformation_each_accepted_delivery_is_shown_transformed_and_kept() {
    let mut listener = Listener::start(
        "127.0.0.1",
        &["--secret", SECRET, "--transform", "segment-complete"],
    );
    let transform = listener.wait_line("the transform line", |l| l.contains("transform:"));
    assert!(transform.contains("segment-complete"), "{transform}");
    let rt = runtime();
    let url = listener.url.clone();
    assert_eq!(
        rt.block_on(post(&http(), &url, Some("msg_tx"), payment_body())),
        200
    );
    listener.wait_line("the delivery", |l| l.contains("✓ valid"));
    listener.wait_line("the transformed call", |l| {
        l.contains("\"event\": \"Order Completed\"")
    });
    // A rejected one is not transformed.
    assert_eq!(rt.block_on(post(&http(), &url, None, payment_body())), 401);
    listener.wait_line("the rejection", |l| l.contains("✗ invalid"));
    assert_eq!(listener.terminate(), Some(0));
    let out = listener.rest_of_stdout();
    assert_eq!(
        out.iter()
            .filter(|l| l.contains("\"event\": \"Order Completed\""))
            .count(),
        1,
        "{out:?}"
    );

    let store = Store::open(&listener.store_dir()).expect("store");
    let accepted = store
        .find_by_webhook_id("msg_tx")
        .expect("read")
        .expect("stored");
    let runs = store.runs(accepted.summary.id).expect("runs");
    assert_eq!(runs.len(), 1);
    assert!(runs[0].transform.contains("segment-complete"));
    assert!(runs[0].record.contains("Order Completed"));
}

#[test]
fn json_output_is_one_object_per_delivery_with_the_run() {
    let mut listener = Listener::start(
        "127.0.0.1",
        &["--transform", "segment-complete", "--output", "json"],
    );
    let rt = runtime();
    let url = listener.url.clone();
    assert_eq!(
        rt.block_on(post(&http(), &url, Some("msg_json"), payment_body())),
        200
    );
    let line = listener.wait_line("a JSON line", |l| l.starts_with('{'));
    let value: Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(value["delivery"]["webhook_id"], "msg_json");
    assert_eq!(value["delivery"]["verification"], "unsigned");
    assert_eq!(value["delivery"]["status"], 200);
    assert_eq!(value["delivery"]["event_type"], "payment.succeeded");
    assert_eq!(value["delivery"]["redelivery"], false);
    assert_eq!(value["run"]["event_type"], "payment.succeeded");
    assert_eq!(
        value["run"]["webhook"]["payload"]["event"],
        "Order Completed"
    );
    assert_eq!(value["input_diagnostics"], serde_json::json!([]));
    assert_eq!(value["run"]["input_diagnostics"], serde_json::json!([]));

    // A body off Dodo's schema is said to be, on the delivery and in its run.
    let mut off: Value = serde_json::from_slice(&payment_body()).expect("JSON");
    off["data"]
        .as_object_mut()
        .expect("data")
        .remove("payment_provider");
    let off = serde_json::to_vec(&off).expect("JSON");
    assert_eq!(rt.block_on(post(&http(), &url, Some("msg_off"), off)), 200);
    let line = listener.wait_line("the off-schema line", |l| l.contains("msg_off"));
    let value: Value = serde_json::from_str(&line).expect("JSON");
    for found in [
        &value["input_diagnostics"],
        &value["run"]["input_diagnostics"],
    ] {
        assert_eq!(found[0]["code"], "missing-field", "{line}");
        assert_eq!(found[0]["path"], "/data/payment_provider", "{line}");
        assert_eq!(found[0]["severity"], "error", "{line}");
    }
    assert_eq!(listener.terminate(), Some(0));
    // Only JSON on stdout: the banner went to stderr.
    let out = listener.rest_of_stdout();
    assert!(out.iter().all(|l| l.starts_with('{')), "{out:?}");
    assert!(listener.stderr().contains("hookbench listening on"));
}

/// `hookbench trigger` signs a fixture and POSTs it: listen verifies, keeps and transforms it.
#[test]
fn trigger_into_listen_end_to_end() {
    let mut listener = Listener::start(
        "127.0.0.1",
        &["--secret", SECRET, "--transform", "segment-complete"],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut trigger = assert_cmd::Command::new(env!("CARGO_BIN_EXE_hookbench"));
    trigger
        .current_dir(dir.path())
        .env_remove("HOOKBENCH_WEBHOOK_SECRET")
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .env("HOME", dir.path().join("home"))
        .args([
            "trigger",
            "payment.succeeded",
            "--url",
            &listener.url,
            "--secret",
            SECRET,
        ])
        .timeout(WAIT);
    let output = trigger.output().expect("trigger runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "trigger: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let line = listener.wait_line("the triggered delivery", |l| l.contains("✓ valid"));
    assert!(
        line.contains("payment.succeeded") && line.contains(" 200"),
        "{line}"
    );
    listener.wait_line("the transformed call", |l| {
        l.contains("\"event\": \"Order Completed\"")
    });
    assert_eq!(listener.terminate(), Some(0));
    let store = Store::open(&listener.store_dir()).expect("store");
    assert_eq!(store.count().expect("count"), 1);
}

/// SIGKILL in the middle of a burst: every delivery that was acknowledged is in the store.
#[test]
fn a_kill_during_a_burst_loses_no_acknowledged_delivery() {
    const N: usize = 300;
    let mut listener = Listener::start("127.0.0.1", &["--secret", SECRET]);
    let url = listener.url.clone();
    let rt = runtime();
    let acked = Arc::new(AtomicUsize::new(0));
    let body = payment_body();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut tasks = Vec::with_capacity(N);
    for i in 0..N {
        let http = http.clone();
        let url = url.clone();
        let body = body.clone();
        let acked = acked.clone();
        tasks.push(rt.spawn(async move {
            let id = format!("msg_burst_{i:04}");
            let secret = Secret::parse(SECRET).expect("secret");
            let ts = chrono::Utc::now().timestamp();
            let answer = http
                .post(&url)
                .header("content-type", "application/json")
                .header("webhook-id", &id)
                .header("webhook-timestamp", ts.to_string())
                .header(
                    "webhook-signature",
                    signature::sign(&secret, &id, ts, &body),
                )
                .body(body)
                .send()
                .await;
            let ok = answer.is_ok_and(|r| r.status().is_success());
            if ok {
                acked.fetch_add(1, Ordering::SeqCst);
            }
            (id, ok)
        }));
    }
    // Kill once the burst is well under way.
    let deadline = Instant::now() + WAIT;
    while acked.load(Ordering::SeqCst) < 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    listener.running.kill().expect("SIGKILL");
    listener.running.wait().expect("reaped");
    let results: Vec<(String, bool)> = rt.block_on(async {
        let mut results = Vec::with_capacity(N);
        for task in tasks {
            results.push(
                tokio::time::timeout(WAIT, task)
                    .await
                    .expect("every request ends")
                    .expect("task"),
            );
        }
        results
    });
    let acknowledged: HashSet<&str> = results
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(
        !acknowledged.is_empty(),
        "some deliveries were acknowledged"
    );
    eprintln!("{} of {N} acknowledged before the kill", acknowledged.len());

    let store = Store::open(&listener.store_dir()).expect("the store reopens after SIGKILL");
    let stored: HashSet<String> = store
        .list(0, None)
        .expect("list")
        .into_iter()
        .filter_map(|d| d.webhook_id)
        .collect();
    let lost: Vec<&&str> = acknowledged
        .iter()
        .filter(|id| !stored.contains(**id))
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    assert!(stored.len() <= N);
}

/// `--forward`: the transformed call reaches a Segment-compatible endpoint, its delivery is
/// printed and kept, and the write key is never shown.
#[test]
fn forward_sends_each_transformed_delivery() {
    const KEY: &str = "wk_Listen0123456789abcdefghijklmn";
    let rt = runtime();
    let sink = hookbench_core::segment::sink::Sink::new();
    let running_sink = rt.block_on(sink.start("127.0.0.1:0")).expect("sink starts");
    let endpoint = running_sink
        .url()
        .as_str()
        .trim_end_matches('/')
        .to_string();
    let mut listener = Listener::start(
        "127.0.0.1",
        &[
            "--secret",
            SECRET,
            "--transform",
            "segment-complete",
            "--forward",
            "--write-key",
            KEY,
            "--endpoint",
            &endpoint,
        ],
    );
    let url = listener.url.clone();
    assert_eq!(
        rt.block_on(post(&http(), &url, Some("msg_fwd"), payment_body())),
        200
    );
    let sent = listener.wait_line("the send", |l| l.contains("→ 200"));
    assert!(sent.contains("payment.succeeded"), "{sent}");
    assert_eq!(listener.terminate(), Some(0));
    let calls = sink.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].event.as_deref(), Some("Order Completed"));
    let out = listener.rest_of_stdout().join("\n");
    assert!(!out.contains(KEY) && !listener.stderr().contains(KEY));

    let store = Store::open(&listener.store_dir()).expect("store");
    let delivery = store
        .find_by_webhook_id("msg_fwd")
        .expect("read")
        .expect("stored");
    let runs = store.runs(delivery.summary.id).expect("runs");
    assert_eq!(runs.len(), 1);
    let sends = store.sends(runs[0].id).expect("sends");
    assert_eq!(sends.len(), 1);
    assert!(
        sends[0].delivery.contains("\"status\":200"),
        "{}",
        sends[0].delivery
    );
    assert!(!sends[0].delivery.contains(KEY), "the key is kept masked");
    drop(running_sink);
}

#[test]
fn forward_without_a_write_key_is_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = hookbench(&dir)
        .arg("--data-dir")
        .arg(dir.path().join("h"))
        .args([
            "listen",
            "--addr",
            "127.0.0.1:0",
            "--transform",
            "segment-complete",
            "--forward",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--forward needs a write key"), "{stderr}");
}

#[test]
fn hostile_types_are_shown_escaped_rejected_or_accepted() {
    const HOSTILE: &str =
        "T\u{1b}]0;pwned\u{7} \u{1b}]52;c;aGk=\u{7} \u{1b}[2J \u{9b}31m \u{202E}rev";
    let mut listener = Listener::start(
        "127.0.0.1",
        &["--secret", SECRET, "--transform", "segment-complete"],
    );
    let body = serde_json::json!({
        "business_id": "bus_1",
        "type": HOSTILE,
        "timestamp": "2026-02-03T14:02:11Z",
        "data": {"payload_type": "Payment", "note": HOSTILE},
    })
    .to_string()
    .into_bytes();
    let rt = runtime();
    let url = listener.url.clone();
    assert_eq!(rt.block_on(post(&http(), &url, None, body.clone())), 401);
    listener.wait_line("the rejection", |l| l.contains("✗ invalid"));
    assert_eq!(rt.block_on(post(&http(), &url, Some("msg_h"), body)), 200);
    listener.wait_line("the acceptance", |l| l.contains("✓ valid"));
    assert_eq!(listener.terminate(), Some(0));
    let mut out = listener.rest_of_stdout();
    out.push(listener.stderr());
    let all = out.join("\n");
    for c in all.chars() {
        let bad = matches!(c, '\u{1b}' | '\u{7}' | '\u{80}'..='\u{9f}')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "U+{:04X} in:\n{all}", c as u32);
    }
    let shown = "T\\x1B]0;pwned\\x07 \\x1B]52;c;aGk=\\x07 \\x1B[2J \\x9B31m \\u{202E}rev";
    assert!(all.matches(shown).count() >= 2, "{all}");
}
