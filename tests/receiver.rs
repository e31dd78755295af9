//! The webhook receiver in-process: every answer it gives (200 once stored, a redelivery
//! included; 401 for a missing header, a bad signature or a timestamp outside the tolerance; 413
//! over the body limit; 400 for a body that is not JSON; 500 when the store fails; 404 and 405
//! off the webhook paths), what the store keeps for each, what live listeners are told, and 500
//! deliveries at once.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use hookbench_core::store::{Store, Verification};
use hookbench_core::webhook::FixtureSet;
use hookbench_core::webhook::receiver::{
    Incoming, Receiver, ReceiverOptions, RunningReceiver, is_loopback,
};
use hookbench_core::webhook::signature::{self, Secret};
use serde_json::Value;
use tempfile::TempDir;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const WAIT: Duration = Duration::from_secs(10);

fn secret() -> Secret {
    Secret::parse(SECRET).expect("secret")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn payment_body() -> Vec<u8> {
    let fixtures = FixtureSet::builtin().expect("fixtures");
    fixtures
        .get("payment.succeeded")
        .expect("payment.succeeded fixture")
        .body
        .clone()
        .into_bytes()
}

/// A receiver on a free loopback port over a fresh store.
struct Harness {
    store: Store,
    receiver: Receiver,
    running: RunningReceiver,
    http: reqwest::Client,
    _dir: TempDir,
}

impl Harness {
    async fn start(options: ReceiverOptions) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("store");
        let receiver = Receiver::new(store.clone(), options);
        let running = receiver.start("127.0.0.1:0").await.expect("start");
        Harness {
            store,
            receiver,
            running,
            http: reqwest::Client::builder()
                .timeout(WAIT)
                .build()
                .expect("client"),
            _dir: dir,
        }
    }

    async fn signed() -> Harness {
        Harness::start(ReceiverOptions {
            secret: Some(secret()),
            ..ReceiverOptions::default()
        })
        .await
    }

    async fn unsigned() -> Harness {
        Harness::start(ReceiverOptions::default()).await
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.running.addr())
    }

    /// POSTs `body` with the given headers; the status and the JSON answer.
    async fn post(&self, path: &str, headers: &[(&str, String)], body: Vec<u8>) -> (u16, Value) {
        let mut request = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("answered");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    /// POSTs `body` signed now with `id`.
    async fn post_signed(&self, path: &str, id: &str, body: Vec<u8>) -> (u16, Value) {
        self.post(path, &signed_headers(id, now(), &body), body)
            .await
    }
}

fn signed_headers(id: &str, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            signature::sign(&secret(), id, timestamp, body),
        ),
    ]
}

fn id_of(answer: &Value) -> i64 {
    answer["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {answer}"))
}

async fn next_incoming(live: &mut tokio::sync::broadcast::Receiver<Incoming>) -> Incoming {
    tokio::time::timeout(WAIT, live.recv())
        .await
        .expect("a delivery within the wait")
        .expect("received")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_delivery_is_stored_then_acknowledged_and_broadcast() {
    let h = Harness::signed().await;
    let mut live = h.receiver.subscribe();
    let body = payment_body();
    let mut headers = signed_headers("msg_valid_1", now(), &body);
    headers.push(("authorization", "Bearer hunter2".into()));
    headers.push(("cookie", "session=abc".into()));
    headers.push(("x-webhook-secret", "whsec_nope".into()));
    headers.push(("x-request-token", "tok".into()));
    let (status, answer) = h.post("/webhook", &headers, body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ok"], true);
    let id = id_of(&answer);

    // Acknowledged means committed: readable at once.
    let stored = h.store.get(id).expect("read").expect("stored");
    assert_eq!(stored.body, body, "the raw bytes are kept");
    assert_eq!(stored.summary.verification, Verification::Valid);
    assert_eq!(stored.summary.status, 200);
    assert_eq!(stored.summary.reason, None);
    assert_eq!(stored.summary.webhook_id.as_deref(), Some("msg_valid_1"));
    assert_eq!(
        stored.summary.event_type.as_deref(),
        Some("payment.succeeded")
    );
    let names: Vec<&str> = stored.headers.iter().map(|(n, _)| n.as_str()).collect();
    for kept in [
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "content-type",
    ] {
        assert!(names.contains(&kept), "{kept} kept: {names:?}");
    }
    for dropped in [
        "authorization",
        "cookie",
        "x-webhook-secret",
        "x-request-token",
    ] {
        assert!(!names.contains(&dropped), "{dropped} not kept: {names:?}");
    }
    assert!(
        !stored
            .headers
            .iter()
            .any(|(_, v)| v.contains("hunter2") || v.contains("session=abc")),
        "no credential value is kept"
    );

    let incoming = next_incoming(&mut live).await;
    assert_eq!(incoming.summary.id, id);
    assert_eq!(incoming.summary.status, 200);
    assert_eq!(incoming.summary.verification, Verification::Valid);
    assert_eq!(incoming.summary.bytes, body.len());
    assert_eq!(incoming.body, body);
    assert!(!incoming.redelivery);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_missing_signature_header_is_a_401_kept_with_its_reason() {
    let h = Harness::signed().await;
    let mut live = h.receiver.subscribe();
    let body = payment_body();
    for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let headers: Vec<_> = signed_headers("msg_missing", now(), &body)
            .into_iter()
            .filter(|(name, _)| *name != missing)
            .collect();
        let (status, answer) = h.post("/webhook", &headers, body.clone()).await;
        assert_eq!(status, 401, "{missing}: {answer}");
        assert_eq!(answer["ok"], false);
        let reason = format!("missing {missing} header");
        assert_eq!(answer["error"], reason.as_str());
        let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
        assert_eq!(stored.summary.status, 401);
        assert_eq!(stored.summary.verification, Verification::Invalid);
        assert_eq!(stored.summary.reason.as_deref(), Some(reason.as_str()));
        assert_eq!(stored.body, body, "a rejected body is kept to look at");
        let incoming = next_incoming(&mut live).await;
        assert_eq!(incoming.summary.status, 401);
        assert_eq!(incoming.summary.reason.as_deref(), Some(reason.as_str()));
    }
    assert_eq!(h.store.count().expect("count"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_signature_and_a_stale_or_future_timestamp_are_401() {
    let h = Harness::signed().await;
    let body = payment_body();

    // Signed over other bytes.
    let headers = signed_headers("msg_bad", now(), b"{\"type\":\"other\"}");
    let (status, answer) = h.post("/webhook", &headers, body.clone()).await;
    assert_eq!(status, 401, "{answer}");
    let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
    assert_eq!(
        stored.summary.reason.as_deref(),
        Some("no signature matches: wrong secret, or the body was changed")
    );
    assert_eq!(stored.summary.verification, Verification::Invalid);
    assert_eq!(
        stored.summary.event_type.as_deref(),
        Some("payment.succeeded"),
        "the type is shown for rejected deliveries too"
    );

    // Signed with another secret.
    let other = Secret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("secret");
    let ts = now();
    let headers = vec![
        ("webhook-id", "msg_other".to_string()),
        ("webhook-timestamp", ts.to_string()),
        (
            "webhook-signature",
            signature::sign(&other, "msg_other", ts, &body),
        ),
    ];
    let (status, _) = h.post("/webhook", &headers, body.clone()).await;
    assert_eq!(status, 401);

    // Correctly signed, but ten minutes old, then ten minutes ahead.
    for (offset, word) in [(-600, "old"), (600, "in the future")] {
        let headers = signed_headers("msg_time", now() + offset, &body);
        let (status, answer) = h.post("/webhook", &headers, body.clone()).await;
        assert_eq!(status, 401, "{answer}");
        let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
        let reason = stored.summary.reason.expect("reason");
        assert!(
            reason.contains(word) && reason.contains("tolerance 300 s"),
            "{reason}"
        );
    }
    // Nothing was accepted.
    assert!(
        h.store
            .list(0, None)
            .expect("list")
            .iter()
            .all(|d| d.status == 401)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413_and_not_kept() {
    let h = Harness::start(ReceiverOptions {
        secret: Some(secret()),
        max_body: 1_000,
        ..ReceiverOptions::default()
    })
    .await;
    let mut live = h.receiver.subscribe();
    let mut body = b"{\"type\":\"payment.succeeded\",\"pad\":\"".to_vec();
    body.resize(5_000, b'x');
    body.extend_from_slice(b"\"}");
    let (status, answer) = h.post_signed("/webhook", "msg_big", body).await;
    assert_eq!(status, 413, "{answer}");
    let stored = h.store.get(id_of(&answer)).expect("read").expect("kept");
    assert_eq!(stored.summary.status, 413);
    assert!(stored.body.is_empty(), "the body is not kept");
    assert_eq!(stored.summary.bytes, 0);
    assert_eq!(stored.summary.webhook_id.as_deref(), Some("msg_big"));
    assert!(
        stored
            .summary
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("1000 bytes")),
        "{:?}",
        stored.summary.reason
    );
    let incoming = next_incoming(&mut live).await;
    assert_eq!(incoming.summary.status, 413);
    assert!(incoming.body.is_empty());

    // Exactly the limit is fine.
    let mut body = b"{\"type\":\"x\",\"pad\":\"".to_vec();
    body.resize(998, b'y');
    body.extend_from_slice(b"\"}");
    assert_eq!(body.len(), 1_000);
    let (status, answer) = h.post_signed("/webhook", "msg_limit", body).await;
    assert_eq!(status, 200, "{answer}");
}

/// Without a Content-Length the limit holds while reading: a chunked body is cut off there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_over_the_limit_is_413() {
    let h = Harness::start(ReceiverOptions {
        max_body: 1_000,
        ..ReceiverOptions::default()
    })
    .await;
    let addr = h.running.addr();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(WAIT)).expect("timeout");
        write!(
            stream,
            "POST /webhook HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
             transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
        .expect("head");
        let chunk = vec![b' '; 400];
        for _ in 0..10 {
            write!(stream, "{:x}\r\n", chunk.len()).expect("size");
            stream.write_all(&chunk).expect("chunk");
            stream.write_all(b"\r\n").expect("crlf");
        }
        stream.write_all(b"0\r\n\r\n").expect("end");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    })
    .await
    .expect("joined");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let list = h.store.list(0, None).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, 413);
    assert_eq!(list[0].bytes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_body_that_is_not_json_is_400() {
    let h = Harness::signed().await;
    let body = b"{\"type\": \"payment.succeeded\",".to_vec();
    let (status, answer) = h.post_signed("/webhook", "msg_notjson", body.clone()).await;
    assert_eq!(status, 400, "{answer}");
    let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
    assert_eq!(stored.summary.status, 400);
    assert_eq!(
        stored.summary.verification,
        Verification::Valid,
        "the signature was fine"
    );
    assert!(
        stored
            .summary
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("body is not JSON: line 1")),
        "{:?}",
        stored.summary.reason
    );
    assert_eq!(stored.body, body);

    // An empty body is not JSON either.
    let (status, _) = h.post_signed("/webhook", "msg_empty", Vec::new()).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_secret_deliveries_are_accepted_as_unsigned() {
    let h = Harness::unsigned().await;
    let body = payment_body();
    // No signature headers at all.
    let (status, answer) = h.post("/webhook", &[], body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
    assert_eq!(stored.summary.verification, Verification::Unsigned);
    assert_eq!(stored.summary.webhook_id, None);
    // Signed: not checked, still unsigned; the id is kept.
    let (status, answer) = h.post_signed("/webhook", "msg_u", body.clone()).await;
    assert_eq!(status, 200);
    let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
    assert_eq!(stored.summary.verification, Verification::Unsigned);
    assert_eq!(stored.summary.webhook_id.as_deref(), Some("msg_u"));
    // Not JSON is still refused.
    let (status, _) = h.post("/webhook", &[], b"hello".to_vec()).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_under_webhook_and_health_are_served() {
    let h = Harness::signed().await;
    let body = payment_body();
    for (path, id) in [
        ("/webhook/dodo", "msg_p1"),
        ("/webhook/", "msg_p2"),
        ("/webhook/a/b", "msg_p3"),
    ] {
        let (status, answer) = h.post_signed(path, id, body.clone()).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
    assert_eq!(h.store.count().expect("count"), 3);

    let health = h.http.get(h.url("/health")).send().await.expect("health");
    assert_eq!(health.status().as_u16(), 200);
    let other = h
        .http
        .post(h.url("/elsewhere"))
        .body("{}")
        .send()
        .await
        .expect("404");
    assert_eq!(other.status().as_u16(), 404);
    let wrong_method = h.http.get(h.url("/webhook")).send().await.expect("405");
    assert_eq!(wrong_method.status().as_u16(), 405);
    assert_eq!(h.store.count().expect("count"), 3, "nothing else is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivery_is_acknowledged_and_counted_not_stored_twice() {
    let h = Harness::signed().await;
    let mut live = h.receiver.subscribe();
    let body = payment_body();
    let (status, first) = h.post_signed("/webhook", "msg_again", body.clone()).await;
    assert_eq!(status, 200);
    // Dodo retries with the same id and body, signed anew.
    let (status, second) = h.post_signed("/webhook", "msg_again", body.clone()).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(id_of(&first), id_of(&second));
    assert_eq!(second["redelivery"], 1);
    assert_eq!(h.store.count().expect("count"), 1);
    let list = h.store.list(0, None).expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].redeliveries, 1);

    let one = next_incoming(&mut live).await;
    assert!(!one.redelivery);
    let two = next_incoming(&mut live).await;
    assert!(two.redelivery);
    assert_eq!(two.summary.id, one.summary.id);
    assert_eq!(two.summary.redeliveries, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_deliveries_at_once_are_each_stored_once_and_acknowledged() {
    const N: usize = 500;
    let h = Harness::signed().await;
    let mut live = h.receiver.subscribe();
    let template = payment_body();
    let listened = tokio::spawn(async move {
        let mut seen = Vec::new();
        while seen.len() < N {
            match tokio::time::timeout(WAIT, live.recv()).await {
                Ok(Ok(incoming)) => seen.push(incoming),
                _ => break,
            }
        }
        seen
    });
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..N {
        let http = h.http.clone();
        let url = h.url("/webhook");
        let id = format!("msg_concurrent_{i:04}");
        let body = template.clone();
        tasks.spawn(async move {
            let ts = now();
            let response = http
                .post(url)
                .header("content-type", "application/json")
                .header("webhook-id", &id)
                .header("webhook-timestamp", ts.to_string())
                .header(
                    "webhook-signature",
                    signature::sign(&secret(), &id, ts, &body),
                )
                .body(body)
                .send()
                .await;
            (id, response.map(|r| r.status().as_u16()))
        });
    }
    let mut acknowledged = HashSet::new();
    while let Some(joined) = tasks.join_next().await {
        let (id, status) = joined.expect("task");
        let status = status.unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!((200..300).contains(&status), "{id}: {status}");
        acknowledged.insert(id);
    }
    assert_eq!(acknowledged.len(), N);
    assert_eq!(h.store.count().expect("count"), N as u64);
    let stored = h.store.list(0, None).expect("list");
    let ids: HashSet<String> = stored.iter().filter_map(|d| d.webhook_id.clone()).collect();
    assert_eq!(stored.len(), N);
    assert_eq!(ids, acknowledged, "each stored exactly once");
    assert!(stored.iter().all(|d| d.redeliveries == 0));

    let seen = listened.await.expect("listener");
    assert_eq!(seen.len(), N, "every delivery is broadcast");
    let seen_ids: HashSet<String> = seen
        .iter()
        .filter_map(|i| i.summary.webhook_id.clone())
        .collect();
    assert_eq!(seen_ids, acknowledged);
}

/// A store that cannot write: a trigger refuses every insert.
fn break_store(store: &Store) {
    let connection = rusqlite::Connection::open(store.path()).expect("open");
    connection
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON deliveries \
             BEGIN SELECT RAISE(ABORT, 'disk says no'); END;",
        )
        .expect("trigger");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_store_fails_there_is_no_2xx() {
    let h = Harness::signed().await;
    let mut live = h.receiver.subscribe();
    break_store(&h.store);
    let (status, answer) = h.post_signed("/webhook", "msg_lost", payment_body()).await;
    assert_eq!(status, 500, "{answer}");
    assert_eq!(answer["ok"], false);
    let incoming = next_incoming(&mut live).await;
    assert_eq!(incoming.summary.status, 500);
    assert_eq!(incoming.summary.id, 0);
    assert!(
        incoming
            .summary
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("not stored")),
        "{:?}",
        incoming.summary.reason
    );
    // A rejection is still told as such.
    let (status, _) = h.post("/webhook", &[], payment_body()).await;
    assert_eq!(status, 401);
    assert_eq!(h.store.count().expect("count"), 0);
}

/// Stopping lets a request under way finish: its delivery is stored and acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_drains_requests_under_way() {
    let h = Harness::signed().await;
    let addr = h.running.addr();
    let body = payment_body();
    let headers = signed_headers("msg_drain", now(), &body);
    let (sent_half, half_sent) = std::sync::mpsc::channel();
    let (go_on, resume) = std::sync::mpsc::channel::<()>();
    let client = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(WAIT)).expect("timeout");
        let mut head = format!(
            "POST /webhook HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n",
            body.len()
        );
        for (name, value) in &headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("head");
        let (first, rest) = body.split_at(body.len() / 2);
        stream.write_all(first).expect("first half");
        stream.flush().expect("flush");
        sent_half.send(()).expect("told");
        resume.recv_timeout(WAIT).expect("resumed");
        stream.write_all(rest).expect("second half");
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        // Read the answer's head and body (the connection stays open until the server closes).
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                break;
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    });
    tokio::task::spawn_blocking(move || half_sent.recv_timeout(WAIT))
        .await
        .expect("joined")
        .expect("half sent");
    // Let the server see the request before stopping it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let Harness {
        store,
        running,
        _dir: _keep,
        ..
    } = h;
    let stopping = tokio::spawn(running.stop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!stopping.is_finished(), "a request is under way");
    go_on.send(()).expect("resume");
    let answer = tokio::task::spawn_blocking(move || client.join().expect("client"))
        .await
        .expect("joined");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    tokio::time::timeout(WAIT, stopping)
        .await
        .expect("stopped within the wait")
        .expect("joined");
    assert_eq!(store.count().expect("count"), 1);
    // Nothing listens any more.
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn loopback_is_told_apart() {
    assert!(is_loopback(&"127.0.0.1:8787".parse().expect("addr")));
    assert!(is_loopback(&"[::1]:8787".parse().expect("addr")));
    assert!(!is_loopback(&"0.0.0.0:8787".parse().expect("addr")));
    assert!(!is_loopback(&"10.0.0.2:8787".parse().expect("addr")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_url_names_the_webhook_path_on_loopback() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let receiver = Receiver::new(store, ReceiverOptions::default());
    let running = receiver.start("0.0.0.0:0").await.expect("start");
    let port = running.addr().port();
    assert_eq!(
        running.url().as_str(),
        format!("http://127.0.0.1:{port}/webhook")
    );
    assert!(!is_loopback(&running.addr()));
    running.stop().await;
}

/// The signature headers under Svix's default names.
fn svix_headers(id: &str, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    signed_headers(id, timestamp, body)
        .into_iter()
        .map(|(name, value)| {
            let svix = match name {
                "webhook-id" => "svix-id",
                "webhook-timestamp" => "svix-timestamp",
                _ => "svix-signature",
            };
            (svix, value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_signed_with_svix_default_header_names_is_verified() {
    let h = Harness::signed().await;
    let body = payment_body();
    let headers = svix_headers("msg_svix_1", now(), &body);
    let (status, answer) = h.post("/webhook", &headers, body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
    assert_eq!(stored.summary.verification, Verification::Valid);
    assert_eq!(stored.summary.webhook_id.as_deref(), Some("msg_svix_1"));

    // A Svix delivery missing one of its headers is named by its own header.
    let partial: Vec<_> = svix_headers("msg_svix_2", now(), &body)
        .into_iter()
        .filter(|(name, _)| *name != "svix-signature")
        .collect();
    let (status, answer) = h.post("/webhook", &partial, body.clone()).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["error"], "missing svix-signature header");

    // Tampered under Svix's names: refused like any other.
    let (status, _) = h
        .post("/webhook", &headers, br#"{"tampered":true}"#.to_vec())
        .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_both_header_sets_the_webhook_names_win() {
    let h = Harness::signed().await;
    let body = payment_body();
    // Valid webhook-* and garbage svix-*: accepted, with the webhook-id.
    let mut headers = signed_headers("msg_both_1", now(), &body);
    headers.extend([
        ("svix-id", "msg_other".to_string()),
        ("svix-timestamp", "1".to_string()),
        ("svix-signature", "v1,AAAA".to_string()),
    ]);
    let (status, answer) = h.post("/webhook", &headers, body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
    assert_eq!(stored.summary.webhook_id.as_deref(), Some("msg_both_1"));

    // Garbage webhook-* and valid svix-*: the webhook-* set is the one checked.
    let mut headers = svix_headers("msg_both_2", now(), &body);
    headers.extend([
        ("webhook-id", "msg_both_2".to_string()),
        ("webhook-timestamp", now().to_string()),
        ("webhook-signature", "v1,AAAA".to_string()),
    ]);
    let (status, answer) = h.post("/webhook", &headers, body).await;
    assert_eq!(status, 401, "{answer}");
}

/// A delivery refused for its signature keeps only the first 4 KiB of its body, cut between
/// characters, and says so; an accepted one of the same size is kept whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_body_is_kept_cut_to_4_kib_and_an_accepted_one_whole() {
    let h = Harness::signed().await;
    let body = format!(
        r#"{{"type":"payment.succeeded","note":"a{}"}}"#,
        "é".repeat(300_000)
    )
    .into_bytes();
    let size = body.len();
    let headers = signed_headers("msg_cut", now(), b"{}");
    let (status, answer) = h.post("/webhook", &headers, body.clone()).await;
    assert_eq!(status, 401, "{answer}");
    let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
    assert!(
        stored.body.len() <= 4096,
        "{} bytes kept",
        stored.body.len()
    );
    assert!(stored.body.len() >= 4093);
    assert!(
        std::str::from_utf8(&stored.body).is_ok(),
        "cut between characters"
    );
    assert_eq!(stored.body[..], body[..stored.body.len()]);
    let reason = stored.summary.reason.clone().unwrap_or_default();
    assert!(
        reason.ends_with(&format!(
            " · body cut to 4 KiB of {} bytes",
            hookbench_core::text::group_digits(size)
        )),
        "{reason}"
    );
    assert_eq!(stored.summary.bytes, stored.body.len());

    let (status, answer) = h.post_signed("/webhook", "msg_whole", body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let stored = h.store.get(id_of(&answer)).expect("read").expect("stored");
    assert_eq!(stored.body, body);
    assert_eq!(stored.summary.reason, None);
}
