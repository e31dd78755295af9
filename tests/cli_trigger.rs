//! `hookbench trigger` against a receiver on 127.0.0.1 that checks Standard Webhooks signatures
//! with the library's `verify`: the exact bytes sent, the headers, the exit codes.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{Sandbox, run};
use hookbench_core::webhook::FixtureSet;
use hookbench_core::webhook::signature::{self, DEFAULT_TOLERANCE_SECS, Secret, SignedHeaders};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const OTHER_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    content_type: Option<String>,
    id: Option<String>,
    timestamp: Option<String>,
    signature: Option<String>,
    body: Vec<u8>,
    /// The receiver's verdict: `None` when it had no secret.
    verdict: Option<Result<(), signature::VerifyError>>,
}

struct Receiver {
    secret: Option<Secret>,
    seen: Mutex<Vec<Seen>>,
}

/// A receiver on its own runtime, stopped when dropped.
struct Server {
    url: String,
    receiver: Arc<Receiver>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    /// Verifies with `secret` (401 on failure), or accepts everything without one.
    fn start(secret: Option<&str>) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let receiver = Arc::new(Receiver {
            secret: secret.map(|s| Secret::parse(s).expect("test secret")),
            seen: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .fallback(receive)
            .with_state(Arc::clone(&receiver));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        runtime.spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Server {
            url: format!("http://{addr}/webhook"),
            receiver,
            stop: Some(stop),
            runtime: Some(runtime),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.receiver.seen.lock().expect("lock").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
        }
    }
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (id, timestamp, sig) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let verdict = receiver.secret.as_ref().map(|secret| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        let signed = SignedHeaders {
            id: id.as_deref().unwrap_or(""),
            timestamp: timestamp.as_deref().unwrap_or(""),
            signature: sig.as_deref().unwrap_or(""),
        };
        signature::verify(secret, &signed, &body, now, DEFAULT_TOLERANCE_SECS)
    });
    let answer = match &verdict {
        Some(Err(reason)) => (
            StatusCode::UNAUTHORIZED,
            format!(r#"{{"error":"{reason}"}}"#),
        ),
        _ => (StatusCode::OK, r#"{"received":true}"#.to_string()),
    };
    receiver.seen.lock().expect("lock").push(Seen {
        content_type: header("content-type"),
        id,
        timestamp,
        signature: sig,
        body: body.to_vec(),
        verdict,
    });
    answer
}

fn trigger(sandbox: &Sandbox, args: &[&str]) -> common::Ran {
    let mut cmd = sandbox.cmd();
    cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
        .arg("trigger")
        .args(args);
    run(&mut cmd)
}

fn fixture_body(name: &str) -> Vec<u8> {
    FixtureSet::builtin()
        .expect("built-in fixtures")
        .find(name)
        .expect("fixture")
        .body
        .clone()
        .into_bytes()
}

fn assert_no_secret(ran: &common::Ran, secret: &str) {
    let key = secret.trim_start_matches("whsec_");
    assert!(
        !ran.stdout.contains(key),
        "secret in stdout:\n{}",
        ran.stdout
    );
    assert!(
        !ran.stderr.contains(key),
        "secret in stderr:\n{}",
        ran.stderr
    );
}

#[test]
fn a_signed_fixture_arrives_byte_for_byte_and_verifies() {
    let sandbox = Sandbox::new();
    let server = Server::start(Some(SECRET));
    let ran = trigger(
        &sandbox,
        &[
            "payment.succeeded",
            "--url",
            &server.url,
            "--secret",
            SECRET,
        ],
    );
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    assert_no_secret(&ran, SECRET);

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.body, fixture_body("payment.succeeded"));
    assert_eq!(request.verdict, Some(Ok(())));
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    let id = request.id.as_deref().expect("webhook-id");
    assert!(id.starts_with("msg_") && id.len() == 31, "{id}");
    assert!(request.timestamp.is_some());
    assert!(
        request
            .signature
            .as_deref()
            .is_some_and(|s| s.starts_with("v1,"))
    );

    let mut lines = ran.stdout.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "→ POST {} · payment.succeeded · webhook-id {id}",
                server.url
            )
            .as_str()
        )
    );
    let status = lines.next().expect("status line");
    assert!(
        status.starts_with("← 200 OK · ") && status.ends_with(" ms"),
        "{status}"
    );
    assert_eq!(lines.next(), Some(r#"{"received":true}"#));
}

#[test]
fn a_wrong_secret_gets_401_and_exit_4() {
    let sandbox = Sandbox::new();
    let server = Server::start(Some(SECRET));
    let ran = trigger(
        &sandbox,
        &[
            "refund.succeeded",
            "--url",
            &server.url,
            "--secret",
            OTHER_SECRET,
        ],
    );
    assert_eq!(ran.code, Some(4), "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("← 401 Unauthorized"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("no signature matches"),
        "{}",
        ran.stdout
    );
    assert!(ran.stderr.contains(&server.url), "{}", ran.stderr);
    assert_no_secret(&ran, OTHER_SECRET);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].verdict, Some(Err(signature::VerifyError::Mismatch)));
}

#[test]
fn without_a_secret_it_goes_unsigned() {
    let sandbox = Sandbox::new();
    let server = Server::start(None);
    let ran = trigger(&sandbox, &["payment.failed", "--url", &server.url]);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("unsigned"), "{}", ran.stdout);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].signature, None);
    assert!(seen[0].id.is_some() && seen[0].timestamp.is_some());
    assert_eq!(seen[0].body, fixture_body("payment.failed"));
}

#[test]
fn a_payload_file_is_sent_as_its_raw_bytes() {
    let sandbox = Sandbox::new();
    let server = Server::start(Some(SECRET));
    let text = "{ \"type\": \"custom.event\",\n  \"data\": {} }\n\n";
    let path = sandbox.write("body.json", text);
    let mut cmd = sandbox.cmd();
    cmd.env("HOOKBENCH_WEBHOOK_SECRET", SECRET)
        .args(["trigger", "custom.event", "--url", &server.url, "--payload"])
        .arg(&path);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    let seen = server.seen();
    assert_eq!(seen[0].body, text.as_bytes());
    assert_eq!(seen[0].verdict, Some(Ok(())));
}

#[test]
fn an_unknown_event_is_an_input_error_with_suggestions() {
    let sandbox = Sandbox::new();
    let server = Server::start(Some(SECRET));
    let ran = trigger(
        &sandbox,
        &["payment.succeded", "--url", &server.url, "--secret", SECRET],
    );
    assert_eq!(ran.code, Some(2), "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stderr.contains("did you mean"), "{}", ran.stderr);
    assert!(ran.stderr.contains("payment.succeeded"), "{}", ran.stderr);
    assert!(server.seen().is_empty());
}

#[test]
fn a_refused_connection_is_exit_4_naming_the_url() {
    let sandbox = Sandbox::new();
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}/webhook");
    let ran = trigger(&sandbox, &["payment.succeeded", "--url", &url]);
    assert_eq!(ran.code, Some(4), "{}\n{}", ran.stdout, ran.stderr);
    assert!(ran.stderr.contains(&url), "{}", ran.stderr);
    assert!(ran.stderr.contains("connection refused"), "{}", ran.stderr);
}

#[test]
fn bad_urls_and_secrets_are_input_errors() {
    let sandbox = Sandbox::new();
    for args in [
        ["payment.succeeded", "--url", "ftp://127.0.0.1/webhook"],
        ["payment.succeeded", "--url", "not a url"],
    ] {
        let ran = trigger(&sandbox, &args);
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains("--url"), "{}", ran.stderr);
    }
    let bad = "whsec_C2FVsBQIhrscChlQ*MV+b5sSYspob7oD";
    let ran = trigger(
        &sandbox,
        &[
            "payment.succeeded",
            "--url",
            "http://127.0.0.1:9/webhook",
            "--secret",
            bad,
        ],
    );
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("not base64"), "{}", ran.stderr);
    assert_no_secret(&ran, bad);
}
