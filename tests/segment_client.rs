//! The Segment client against small HTTP servers on 127.0.0.1: where calls go, what they carry,
//! retries, size limits, batch packing, and the write key never shown in clear nor sent to a host
//! that is not Segment's.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use hookbench_core::segment::client::{Call, Client, ClientOptions, SINK_PLACEHOLDER_KEY, refused};
use hookbench_core::segment::limits::SAFE_BATCH_BYTES;
use hookbench_core::segment::send::{Destination, Outcome, RequestInfo, ResponseBody, SendReport};
use hookbench_core::segment::{MAX_BATCH_EVENTS, Region, WriteKey};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const KEY: &str = "wk_Secret0123456789abcdefghijklmn";
const KEY_MASKED: &str = "wk_S…klmn";

// ---------------------------------------------------------------------------------------------
// A scripted server

#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
    /// Answer with the request's own body.
    echo: bool,
}

impl Reply {
    fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: if (200..300).contains(&status) {
                r#"{"success":true}"#.to_string()
            } else {
                format!(r#"{{"success":false,"message":"status {status} from the test server"}}"#)
            },
            delay: Duration::ZERO,
            echo: false,
        }
    }

    fn header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    fn delayed(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    fn echo(mut self) -> Reply {
        self.echo = true;
        self
    }
}

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    /// Lower-case names.
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
    at: Instant,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

#[derive(Clone)]
struct Shared {
    seen: Arc<Mutex<Vec<Seen>>>,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    fallback: Reply,
}

struct Server {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    serving: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Answers with `replies` in turn, then 200 `{"success":true}`.
    async fn start(replies: Vec<Reply>) -> Server {
        Server::with_fallback(replies, Reply::status(200)).await
    }

    async fn with_fallback(replies: Vec<Reply>, fallback: Reply) -> Server {
        let shared = Shared {
            seen: Arc::new(Mutex::new(Vec::new())),
            replies: Arc::new(Mutex::new(replies.into())),
            fallback,
        };
        let seen = shared.seen.clone();
        let app = Router::new().fallback(handle).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let serving = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Server {
            addr,
            seen,
            serving,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn base(&self) -> url::Url {
        url::Url::parse(&self.url("/")).expect("url")
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    async fn stop(mut self) {
        self.serving.abort();
        let _ = (&mut self.serving).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = {
        let mut seen = shared.seen.lock().expect("lock");
        seen.push(Seen {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.to_vec(),
            at: Instant::now(),
        });
        let mut replies = shared.replies.lock().expect("lock");
        replies
            .pop_front()
            .unwrap_or_else(|| shared.fallback.clone())
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let status = StatusCode::from_u16(reply.status).expect("status");
    let body = if reply.echo {
        String::from_utf8_lossy(&body).into_owned()
    } else {
        reply.body
    };
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("header value"),
    );
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .insert(name, value.parse().expect("header value"));
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn options(destination: Destination) -> ClientOptions {
    ClientOptions {
        destination,
        write_key: WriteKey::new(KEY),
        retries: 4,
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(50),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

fn client_for(server: &Server) -> Client {
    Client::new(options(Destination::Endpoint(server.base()))).expect("client")
}

fn track(url: String, user: &str) -> Call {
    Call {
        method: "POST".to_string(),
        url,
        headers: BTreeMap::new(),
        payload: json!({"userId": user, "event": "Order Completed", "properties": {"revenue": 45}}),
    }
}

fn basic() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"))
    )
}

fn is_uuid_v4(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok_and(|u| u.get_version_num() == 4)
}

/// The key appears nowhere in the delivery a caller can see, print or store.
fn assert_masked(delivery: &SendReport) {
    let debug = format!("{delivery:?}");
    let json = serde_json::to_string(&delivery.to_json()).expect("json");
    let full = serde_json::to_string(delivery).expect("json");
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"));
    for text in [&debug, &json, &full] {
        assert!(!text.contains(KEY), "key in clear: {text}");
        assert!(!text.contains(&b64), "credentials in clear: {text}");
    }
    assert_request_masked(&delivery.request);
    if let Some(message) = &delivery.message {
        assert!(!message.contains(KEY), "{message}");
    }
}

fn assert_request_masked(request: &RequestInfo) {
    if let Some(auth) = request.headers.get("Authorization") {
        assert!(auth.starts_with("Basic ") && auth.contains('…'), "{auth}");
        assert!(!auth.contains(KEY));
    }
    if let Some(key) = request.body.get("writeKey") {
        assert_ne!(key, KEY);
    }
}

// ---------------------------------------------------------------------------------------------
// A single call

#[tokio::test]
async fn a_call_goes_to_its_path_with_the_key_in_the_header_and_the_body() {
    let server = Server::start(vec![]).await;
    let client = client_for(&server);
    let call = track(server.url("/v1/track?debug=1"), "cus_1");
    let delivery = client.send_call(&call, &CancellationToken::new()).await;

    assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
    assert_eq!(delivery.status, Some(200));
    assert_eq!(delivery.attempts, 1);
    assert_eq!(delivery.message, None);
    assert_eq!(
        delivery.body,
        Some(ResponseBody::Json(json!({"success": true})))
    );
    assert_eq!(
        delivery
            .response_headers
            .get("content-type")
            .map(String::as_str),
        Some("application/json")
    );

    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/track");
    assert_eq!(request.query.as_deref(), Some("debug=1"));
    assert_eq!(request.header("authorization"), Some(basic().as_str()));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("hookbench/")),
        "{:?}",
        request.header("user-agent")
    );
    assert_eq!(request.header("x-retry-count"), None);
    let body = request.json();
    assert_eq!(body["writeKey"], KEY);
    assert_eq!(body["userId"], "cus_1");
    let id = body["messageId"].as_str().expect("a messageId");
    assert!(is_uuid_v4(id), "{id}");

    // What callers see: the same request, the key masked.
    assert_eq!(delivery.request.method, "POST");
    assert_eq!(delivery.request.url, server.url("/v1/track?debug=1"));
    assert_eq!(delivery.request.body["messageId"], id);
    assert_eq!(delivery.request.body["writeKey"], KEY_MASKED);
    assert_eq!(
        delivery
            .request
            .headers
            .get("Authorization")
            .map(String::as_str),
        Some(format!("Basic {KEY_MASKED}").as_str())
    );
    assert_masked(&delivery);
    server.stop().await;
}

#[tokio::test]
async fn a_message_id_that_is_there_is_kept() {
    let server = Server::start(vec![]).await;
    let client = client_for(&server);
    let mut call = track(server.url("/v1/track"), "cus_1");
    call.payload["messageId"] = json!("dodo-evt-42");
    let delivery = client.send_call(&call, &CancellationToken::new()).await;
    assert_eq!(delivery.outcome, Outcome::Delivered);
    assert_eq!(
        delivery
            .request
            .headers
            .get("Authorization")
            .map(String::as_str),
        Some(format!("Basic {KEY_MASKED}").as_str())
    );
    assert_eq!(delivery.request.body["messageId"], "dodo-evt-42");
    let sent = server.requests()[0].json();
    assert_eq!(sent["messageId"], "dodo-evt-42");
    // The request shown is the request sent, the key aside.
    let mut shown = delivery.request.body.clone();
    shown["writeKey"] = json!(KEY);
    assert_eq!(sent, shown);
    server.stop().await;
}

#[tokio::test]
async fn the_method_is_kept_and_call_headers_cannot_replace_ours() {
    let server = Server::start(vec![]).await;
    let client = client_for(&server);
    let mut call = track(server.url("/v1/identify"), "cus_1");
    call.method = "put".to_string();
    call.headers = BTreeMap::from([
        ("content-type".to_string(), "text/plain".to_string()),
        ("Authorization".to_string(), "Bearer other".to_string()),
        ("X-Team".to_string(), "billing".to_string()),
    ]);
    let delivery = client.send_call(&call, &CancellationToken::new()).await;
    assert_eq!(delivery.outcome, Outcome::Delivered);
    let seen = &server.requests()[0];
    assert_eq!(seen.method, "PUT");
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("authorization"), Some(basic().as_str()));
    assert_eq!(seen.header("x-team"), Some("billing"));
    assert_eq!(delivery.request.method, "PUT");
    assert_eq!(
        delivery.request.headers.get("X-Team").map(String::as_str),
        Some("billing")
    );

    call.method = "DELETE".to_string();
    let delivery = client.send_call(&call, &CancellationToken::new()).await;
    assert_eq!(delivery.outcome, Outcome::Refused);
    assert_eq!(server.requests().len(), 1);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Retries

#[tokio::test]
async fn server_errors_are_retried_with_the_same_message_id_and_a_retry_count() {
    let server = Server::start(vec![Reply::status(500), Reply::status(500)]).await;
    let client = client_for(&server);
    let delivery = client
        .send_call(
            &track(server.url("/v1/track"), "cus_1"),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
    assert_eq!(delivery.attempts, 3);
    assert_eq!(delivery.status, Some(200));

    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    let counts: Vec<Option<&str>> = seen.iter().map(|s| s.header("x-retry-count")).collect();
    assert_eq!(counts, [None, Some("1"), Some("2")]);
    let ids: Vec<Value> = seen.iter().map(|s| s.json()["messageId"].clone()).collect();
    assert!(is_uuid_v4(ids[0].as_str().expect("id")));
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    // Every attempt is the same request, byte for byte, but for the `sentAt` it was made at.
    let sent_at: Vec<String> = seen
        .iter()
        .map(|s| s.json()["sentAt"].as_str().expect("sentAt").to_string())
        .collect();
    assert!(sent_at.windows(2).all(|w| w[0] <= w[1]), "{sent_at:?}");
    let without_sent_at = |s: &Seen, at: &str| {
        String::from_utf8(s.body.clone())
            .expect("utf-8")
            .replace(at, "<sentAt>")
    };
    for (s, at) in seen.iter().zip(&sent_at) {
        assert_eq!(
            without_sent_at(s, at),
            without_sent_at(&seen[0], &sent_at[0])
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = Server::start(vec![Reply::status(429).header("retry-after", "1")]).await;
    let client = client_for(&server);
    let start = Instant::now();
    let delivery = client
        .send_call(
            &track(server.url("/v1/track"), "cus_1"),
            &CancellationToken::new(),
        )
        .await;
    let elapsed = start.elapsed();
    assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
    assert_eq!(delivery.attempts, 2);
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert!(delivery.latency_ms >= 1_000, "{}", delivery.latency_ms);
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at.duration_since(seen[0].at) >= Duration::from_millis(990));
    server.stop().await;
}

#[tokio::test]
async fn bad_requests_and_501_are_not_retried() {
    for status in [400, 413, 501, 505] {
        let server = Server::start(vec![Reply::status(status)]).await;
        let client = client_for(&server);
        let delivery = client
            .send_call(
                &track(server.url("/v1/track"), "cus_1"),
                &CancellationToken::new(),
            )
            .await;
        assert_eq!(delivery.outcome, Outcome::Rejected, "{delivery:?}");
        assert_eq!(delivery.attempts, 1);
        assert_eq!(delivery.status, Some(status));
        assert_eq!(server.requests().len(), 1, "{status}");
        assert_eq!(
            delivery.message.as_deref(),
            Some(
                format!("Segment answered {status}: status {status} from the test server").as_str()
            )
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn retryable_statuses_give_up_after_the_retries() {
    let server = Server::with_fallback(vec![], Reply::status(503)).await;
    let client = Client::new(ClientOptions {
        retries: 2,
        ..options(Destination::Endpoint(server.base()))
    })
    .expect("client");
    let delivery = client
        .send_call(
            &track(server.url("/v1/track"), "cus_1"),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(delivery.outcome, Outcome::Rejected);
    assert_eq!(delivery.attempts, 3);
    assert_eq!(delivery.status, Some(503));
    let message = delivery.message.as_deref().unwrap_or_default();
    assert!(
        message.starts_with("gave up after 3 attempts: last answer 503"),
        "{message}"
    );
    assert_eq!(server.requests().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn a_refused_connection_fails_within_the_retry_budget() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url");
    let client = Client::new(ClientOptions {
        retries: 3,
        ..options(Destination::Endpoint(base))
    })
    .expect("client");
    let start = Instant::now();
    let delivery = client
        .send_call(
            &track(format!("http://127.0.0.1:{port}/v1/track"), "cus_1"),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(delivery.outcome, Outcome::Failed, "{delivery:?}");
    assert_eq!(delivery.attempts, 4);
    assert_eq!(delivery.status, None);
    let message = delivery.message.as_deref().unwrap_or_default();
    assert_eq!(
        message,
        format!("cannot connect to 127.0.0.1:{port}: connection refused (after 4 attempts)")
    );
    // 3 waits of at most 50 ms each, and refused connections answer at once.
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_masked(&delivery);
}

/// Sends one track call to a server answering `reply`, cancelling the token 200 ms in; checks
/// the send ended well before the server would have let it, and returns what it gave.
async fn send_cancelled(reply: Reply) -> (Server, Client, CancellationToken, SendReport) {
    let server = Server::start(vec![reply]).await;
    let client = client_for(&server);
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        trigger.cancel();
    });
    let start = Instant::now();
    let delivery = client
        .send_call(&track(server.url("/v1/track"), "cus_1"), &cancel)
        .await;
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    let _ = canceller.await;
    assert_eq!(delivery.outcome, Outcome::Failed);
    assert_eq!(
        delivery.message.as_deref(),
        Some("cancelled after 1 attempt")
    );
    (server, client, cancel, delivery)
}

#[tokio::test]
async fn cancelling_during_a_long_retry_after_ends_at_once() {
    let (server, _, _, delivery) =
        send_cancelled(Reply::status(429).header("retry-after", "120")).await;
    assert_eq!(delivery.attempts, 1);
    assert_eq!(delivery.status, Some(429));
    assert_eq!(server.requests().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn cancelling_during_a_request_ends_at_once() {
    let (server, client, cancel, _) =
        send_cancelled(Reply::status(200).delayed(Duration::from_secs(20))).await;
    // An already cancelled token sends nothing.
    let delivery = client
        .send_call(&track(server.url("/v1/track"), "cus_1"), &cancel)
        .await;
    assert_eq!(delivery.outcome, Outcome::Failed);
    assert_eq!(delivery.attempts, 0);
    assert_eq!(server.requests().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let server = Server::start(vec![Reply::status(200).delayed(Duration::from_secs(5))]).await;
    let client = Client::new(ClientOptions {
        retries: 1,
        request_timeout: Duration::from_millis(300),
        ..options(Destination::Endpoint(server.base()))
    })
    .expect("client");
    let delivery = client
        .send_call(
            &track(server.url("/v1/track"), "cus_1"),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
    assert_eq!(delivery.attempts, 2);
    assert_eq!(server.requests()[1].header("x-retry-count"), Some("1"));
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Size limits

#[tokio::test]
async fn an_oversize_call_is_refused_without_a_request() {
    let server = Server::start(vec![]).await;
    let client = client_for(&server);
    let mut call = track(server.url("/v1/track"), "cus_1");
    call.payload["properties"]["notes"] = json!("x".repeat(40_000));
    let delivery = client.send_call(&call, &CancellationToken::new()).await;
    assert_eq!(delivery.outcome, Outcome::Refused);
    assert_eq!(delivery.attempts, 0);
    let message = delivery.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("the call is 40,")
            && message.ends_with(" bytes; Segment accepts at most 32,000 per call"),
        "{message}"
    );
    assert_eq!(client.dry_run(&call).message, delivery.message);
    assert_eq!(delivery.request.url, server.url("/v1/track"));
    assert_masked(&delivery);
    assert!(server.requests().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn an_oversize_batch_call_is_refused() {
    let server = Server::start(vec![]).await;
    let client = client_for(&server);
    let items: Vec<Value> = (0..MAX_BATCH_EVENTS + 1)
        .map(|i| json!({"type": "track", "userId": format!("u{i}"), "event": "E"}))
        .collect();
    let call = Call {
        method: "POST".to_string(),
        url: server.url("/v1/batch"),
        headers: BTreeMap::new(),
        payload: json!({ "batch": items }),
    };
    let cancel = CancellationToken::new();
    let delivery = client.send_call(&call, &cancel).await;
    assert_eq!(delivery.outcome, Outcome::Refused);
    let message = delivery.message.unwrap_or_default();
    assert!(
        message.contains("2,501 calls") && message.contains("2,500"),
        "{message}"
    );

    let items: Vec<Value> = (0..20)
        .map(|i| json!({"type": "track", "userId": format!("u{i}"), "event": "E", "properties": {"pad": "x".repeat(25_000)}}))
        .collect();
    let call = Call {
        payload: json!({ "batch": items }),
        ..call
    };
    let delivery = client.send_call(&call, &cancel).await;
    assert_eq!(delivery.outcome, Outcome::Refused);
    let message = delivery.message.unwrap_or_default();
    assert!(message.contains("475,000 per batch"), "{message}");
    assert!(server.requests().is_empty());
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Where the key goes

#[tokio::test]
async fn the_key_never_reaches_another_host() {
    let a = Server::start(vec![]).await;
    let b = Server::start(vec![]).await;
    let client = client_for(&a);
    let mut call = track(b.url("/v1/track"), "cus_1");
    // Even a key the transformation wrote into the payload is taken out.
    call.payload["writeKey"] = json!(KEY);
    let delivery = client.send_call(&call, &CancellationToken::new()).await;
    assert!(!delivery.request.headers.contains_key("Authorization"));

    assert_eq!(delivery.outcome, Outcome::Delivered);
    assert_eq!(
        delivery.message.as_deref(),
        Some("not a Segment host: sent without the write key")
    );
    assert!(a.requests().is_empty());
    let seen = b.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/track");
    assert_eq!(seen[0].header("authorization"), None);
    let body = seen[0].json();
    assert!(body.get("writeKey").is_none(), "{body}");
    assert!(!String::from_utf8_lossy(&seen[0].body).contains(KEY));
    assert!(!delivery.request.headers.contains_key("Authorization"));
    assert_masked(&delivery);

    // Rejected by that host: it is named, not Segment.
    let c = Server::start(vec![Reply::status(400)]).await;
    let delivery = client
        .send_call(&track(c.url("/hook"), "cus_1"), &CancellationToken::new())
        .await;
    assert_eq!(delivery.outcome, Outcome::Rejected);
    let message = delivery.message.as_deref().unwrap_or_default();
    assert!(
        message.starts_with("not a Segment host: sent without the write key; ")
            && message.contains(&format!("{} answered 400", c.addr)),
        "{message}"
    );
    assert!(a.requests().is_empty());
    a.stop().await;
    b.stop().await;
    c.stop().await;
}

#[tokio::test]
async fn a_segment_url_goes_to_the_chosen_endpoint_with_the_key() {
    let a = Server::start(vec![]).await;
    let client = client_for(&a);
    let call = track("https://api.segment.io/v1/identify".to_string(), "cus_1");
    let delivery = client.send_call(&call, &CancellationToken::new()).await;
    assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
    assert_eq!(delivery.message, None);
    assert_eq!(delivery.request.url, a.url("/v1/identify"));
    let seen = a.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/v1/identify");
    assert_eq!(seen[0].header("authorization"), Some(basic().as_str()));
    assert_eq!(seen[0].json()["writeKey"], KEY);

    // The EU host too.
    let call = track(
        "https://events.eu1.segmentapis.com/v1/track".to_string(),
        "cus_1",
    );
    let delivery = client.send_call(&call, &CancellationToken::new()).await;
    assert_eq!(delivery.outcome, Outcome::Delivered);
    assert_eq!(a.requests()[1].path, "/v1/track");
    a.stop().await;
}

#[tokio::test]
async fn the_local_sink_gets_a_placeholder_key_when_none_is_set() {
    let sink = Server::start(vec![]).await;
    let client = Client::new(ClientOptions {
        write_key: None,
        ..options(Destination::Sink(sink.base()))
    })
    .expect("client");
    let delivery = client
        .send_call(
            &track(sink.url("/v1/track"), "cus_1"),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(delivery.outcome, Outcome::Delivered);
    let seen = &sink.requests()[0];
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SINK_PLACEHOLDER_KEY}:"))
    );
    assert_eq!(seen.header("authorization"), Some(expected.as_str()));
    assert_eq!(seen.json()["writeKey"], SINK_PLACEHOLDER_KEY);
    sink.stop().await;
}

#[tokio::test]
async fn a_dry_run_shows_the_exact_request_and_sends_nothing() {
    let client = Client::new(options(Destination::DryRun)).expect("client");
    let call = track("https://api.segment.io/v1/track".to_string(), "cus_1");
    let delivery = client.dry_run(&call);
    assert_eq!(delivery.outcome, Outcome::DryRun);
    assert_eq!(delivery.attempts, 0);
    assert_eq!(delivery.destination, "dry-run");
    assert_eq!(delivery.request.url, "https://api.segment.io/v1/track");
    assert!(is_uuid_v4(
        delivery.request.body["messageId"].as_str().expect("id")
    ));
    assert_eq!(delivery.request.body["writeKey"], KEY_MASKED);
    assert_masked(&delivery);

    let eu = track(
        "https://events.eu1.segmentapis.com/v1/track".to_string(),
        "cus_1",
    );
    assert_eq!(
        client.dry_run(&eu).request.url,
        "https://events.eu1.segmentapis.com/v1/track"
    );
    // send_call() on a dry-run client does not send either.
    let delivery = client.send_call(&call, &CancellationToken::new()).await;
    assert_eq!(delivery.outcome, Outcome::DryRun);
    assert_eq!(delivery.attempts, 0);
    let dry = client.dry_run(&call);
    assert_eq!(
        (&delivery.request.url, &delivery.request.headers),
        (&dry.request.url, &dry.request.headers)
    );
    assert_masked(&delivery);
    assert!(!format!("{client:?}").contains(KEY));
}

#[tokio::test]
async fn the_key_is_masked_in_everything_a_caller_sees() {
    // The server echoes the request body, key included: the answer is masked too.
    let server = Server::start(vec![Reply::status(200).echo(), Reply::status(400).echo()]).await;
    let other = Server::start(vec![]).await;
    let client = client_for(&server);
    let cancel = CancellationToken::new();
    let call = track(server.url("/v1/track"), "cus_1");

    let delivered = client.send_call(&call, &cancel).await;
    assert_eq!(delivered.outcome, Outcome::Delivered);
    match &delivered.body {
        Some(ResponseBody::Json(body)) => assert_eq!(body["writeKey"], KEY_MASKED),
        other => panic!("{other:?}"),
    }
    let rejected = client.send_call(&call, &cancel).await;
    assert_eq!(rejected.outcome, Outcome::Rejected);

    let mut big = call.clone();
    big.payload["properties"]["notes"] = json!(format!("{KEY} {}", "x".repeat(40_000)));
    let refused_call = client.send_call(&big, &cancel).await;
    assert_eq!(refused_call.outcome, Outcome::Refused);

    let elsewhere = client
        .send_call(&track(other.url("/v1/track"), "cus_1"), &cancel)
        .await;
    let dry = client.dry_run(&call);
    let batch = client
        .send_batch(&[call.clone(), call.clone()], &cancel)
        .await;
    let by_hand = refused(client.destination(), dry.request.clone(), "lint errors");

    for delivery in [
        &delivered,
        &rejected,
        &refused_call,
        &elsewhere,
        &dry,
        &by_hand,
    ]
    .into_iter()
    .chain(batch.iter())
    {
        assert_masked(delivery);
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"));
    let text = format!("{client:?}");
    assert!(text.contains("write_key"), "{text}");
    assert!(!text.contains(KEY) && !text.contains(&b64), "{text}");
    server.stop().await;
    other.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Batches

#[tokio::test]
async fn batches_hold_at_most_2500_calls() {
    let server = Server::start(vec![]).await;
    let client = client_for(&server);
    // Small calls, so that the count, not the bytes, is the limit.
    let calls: Vec<Call> = (0..MAX_BATCH_EVENTS + 1)
        .map(|i| {
            let mut call = track(server.url("/v1/track"), &format!("u{i}"));
            call.payload = json!({"userId": format!("u{i}"), "event": "E"});
            call
        })
        .collect();
    let deliveries = client.send_batch(&calls, &CancellationToken::new()).await;

    assert_eq!(deliveries.len(), calls.len());
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let sizes: Vec<usize> = seen
        .iter()
        .map(|s| s.json()["batch"].as_array().expect("batch").len())
        .collect();
    assert_eq!(sizes, [2_500, 1]);
    for request in &seen {
        assert_eq!(request.path, "/v1/batch");
        assert_eq!(request.header("authorization"), Some(basic().as_str()));
        let envelope = request.json();
        assert_eq!(envelope["writeKey"], KEY);
        let sent_at = envelope["sentAt"].as_str().expect("sentAt");
        assert!(
            chrono::DateTime::parse_from_rfc3339(sent_at).is_ok(),
            "{sent_at}"
        );
        for item in envelope["batch"].as_array().expect("batch") {
            assert_eq!(item["type"], "track");
            assert!(item.get("writeKey").is_none());
            assert!(is_uuid_v4(item["messageId"].as_str().expect("id")));
        }
    }
    let first = seen[0].json();
    for (i, delivery) in deliveries.iter().enumerate() {
        assert_eq!(delivery.outcome, Outcome::Delivered);
        assert_eq!(delivery.attempts, 1);
        assert_eq!(delivery.request.method, "POST");
        assert_eq!(delivery.request.url, server.url("/v1/batch"));
        // In input order, each with its own item as sent.
        assert_eq!(delivery.request.body["userId"], format!("u{i}"));
        if i < MAX_BATCH_EVENTS {
            assert_eq!(delivery.request.body, first["batch"][i]);
        }
    }
    assert_masked(&deliveries[0]);
    server.stop().await;
}

/// A track call whose batch item (`type` added) is exactly `size` bytes.
fn padded_call(url: String, n: usize, size: usize) -> Call {
    let payload = |pad: &str| {
        json!({
            "userId": format!("u{n:04}"),
            "event": "Order Completed",
            "properties": {"pad": pad},
            "messageId": format!("m-{n:04}"),
            // Its own library, so the client adds nothing to the item.
            "context": {"library": {"name": "t", "version": "1"}},
        })
    };
    let mut item = payload("");
    item["type"] = json!("track");
    let base = serde_json::to_vec(&item).expect("json").len();
    assert!(size > base);
    Call {
        method: "POST".to_string(),
        url,
        headers: BTreeMap::new(),
        payload: payload(&"x".repeat(size - base)),
    }
}

#[tokio::test]
async fn batches_hold_at_most_475000_bytes_with_the_envelope() {
    let server = Server::start(vec![]).await;
    let client = client_for(&server);
    // `{"batch":[…],"sentAt":"<24 characters>","writeKey":"<key>"}`
    let overhead =
        format!(r#"{{"batch":[],"sentAt":"2026-02-03T10:00:00.000Z","writeKey":"{KEY}"}}"#).len();
    // The largest item size for which 16 items (and 15 commas) fit.
    let room = SAFE_BATCH_BYTES - overhead - 15;
    let fits = room / 16;
    assert!((29_000..30_000).contains(&fits), "{fits}");

    // 16 items of `fits` bytes: at most 15 bytes to spare; the 17th starts a new batch.
    let calls: Vec<Call> = (0..20)
        .map(|n| padded_call(server.url("/v1/track"), n, fits))
        .collect();
    let deliveries = client.send_batch(&calls, &CancellationToken::new()).await;
    assert!(deliveries.iter().all(|d| d.outcome == Outcome::Delivered));
    let seen = server.requests();
    let counts: Vec<usize> = seen
        .iter()
        .map(|s| s.json()["batch"].as_array().expect("batch").len())
        .collect();
    assert_eq!(counts, [16, 4]);
    assert_eq!(seen[0].body.len(), overhead + 16 * fits + 15);
    assert!(seen[0].body.len() <= SAFE_BATCH_BYTES);
    assert!(seen[0].body.len() + 1 + fits > SAFE_BATCH_BYTES);

    // One byte more per item: 16 no longer fit.
    let calls: Vec<Call> = (0..20)
        .map(|n| padded_call(server.url("/v1/track"), n, fits + 1))
        .collect();
    let deliveries = client.send_batch(&calls, &CancellationToken::new()).await;
    assert!(deliveries.iter().all(|d| d.outcome == Outcome::Delivered));
    let seen = server.requests();
    let counts: Vec<usize> = seen[2..]
        .iter()
        .map(|s| s.json()["batch"].as_array().expect("batch").len())
        .collect();
    assert_eq!(counts, [15, 5]);
    assert_eq!(seen[2].body.len(), overhead + 15 * (fits + 1) + 14);
    // The messageIds the calls had are kept.
    assert_eq!(seen[2].json()["batch"][0]["messageId"], "m-0000");
    server.stop().await;
}

#[tokio::test]
async fn a_batch_run_refuses_an_oversize_call_alone_and_sends_the_rest() {
    let server = Server::start(vec![]).await;
    let other = Server::start(vec![]).await;
    let client = client_for(&server);
    let mut huge = track(server.url("/v1/track"), "u1");
    huge.payload["properties"]["notes"] = json!("x".repeat(40_000));
    let already_batch = Call {
        method: "POST".to_string(),
        url: server.url("/v1/batch"),
        headers: BTreeMap::new(),
        payload: json!({"batch": [{"type": "identify", "userId": "u4"}]}),
    };
    let calls = vec![
        track(server.url("/v1/track"), "u0"),
        huge,
        track(server.url("/v1/page"), "u2"),
        track(other.url("/v1/track"), "u3"),
        already_batch,
    ];
    let deliveries = client.send_batch(&calls, &CancellationToken::new()).await;
    let outcomes: Vec<Outcome> = deliveries.iter().map(|d| d.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Delivered,
            Outcome::Refused,
            Outcome::Delivered,
            Outcome::Delivered,
            Outcome::Delivered
        ]
    );
    let refused_one = &deliveries[1];
    assert_eq!(refused_one.attempts, 0);
    assert!(
        refused_one
            .message
            .as_deref()
            .is_some_and(|m| m.ends_with("Segment accepts at most 32,000 per call")),
        "{:?}",
        refused_one.message
    );
    assert_masked(refused_one);

    let seen = server.requests();
    assert_eq!(
        seen.len(),
        2,
        "one packed batch and the batch call sent as it was"
    );
    let packed = seen[0].json();
    let items = packed["batch"].as_array().expect("batch");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["userId"], "u0");
    assert_eq!(items[1]["userId"], "u2");
    assert_eq!(items[1]["type"], "page");
    let sent_as_is = seen[1].json();
    assert_eq!(seen[1].path, "/v1/batch");
    assert_eq!(sent_as_is["batch"][0]["userId"], "u4");
    assert!(is_uuid_v4(
        sent_as_is["batch"][0]["messageId"].as_str().expect("id")
    ));
    assert_eq!(sent_as_is["writeKey"], KEY);

    // The call for another host went alone, without the key.
    let elsewhere = other.requests();
    assert_eq!(elsewhere.len(), 1);
    assert_eq!(elsewhere[0].header("authorization"), None);
    assert!(elsewhere[0].json().get("writeKey").is_none());
    assert_eq!(
        deliveries[3].message.as_deref(),
        Some("not a Segment host: sent without the write key")
    );
    server.stop().await;
    other.stop().await;
}

#[tokio::test]
async fn a_failed_batch_fails_each_of_its_calls() {
    let server = Server::start(vec![Reply::status(400)]).await;
    let client = client_for(&server);
    let calls: Vec<Call> = (0..3)
        .map(|i| track(server.url("/v1/track"), &format!("u{i}")))
        .collect();
    let deliveries = client.send_batch(&calls, &CancellationToken::new()).await;
    assert_eq!(server.requests().len(), 1);
    for d in &deliveries {
        assert_eq!(d.outcome, Outcome::Rejected);
        assert_eq!(d.status, Some(400));
        assert_eq!(d.attempts, 1);
    }
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Runtimes

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_run_at_once_on_a_multi_thread_runtime() {
    let server = Server::start(vec![Reply::status(503)]).await;
    let client = client_for(&server);
    let cancel = CancellationToken::new();
    let sends: Vec<_> = (0..8)
        .map(|i| {
            let client = client.clone();
            let cancel = cancel.clone();
            let call = track(server.url("/v1/track"), &format!("u{i}"));
            tokio::spawn(async move { client.send_call(&call, &cancel).await })
        })
        .collect();
    for send in sends {
        let delivery = send.await.expect("send");
        assert_eq!(delivery.outcome, Outcome::Delivered, "{delivery:?}");
    }
    let seen = server.requests();
    assert_eq!(seen.len(), 9);
    let ids: std::collections::BTreeSet<String> = seen
        .iter()
        .map(|s| s.json()["messageId"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(ids.len(), 8);
    server.stop().await;
}

#[test]
fn a_client_built_outside_a_runtime_works_on_a_current_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = Client::new(ClientOptions::default()).expect("client");
    assert_eq!(client.destination(), &Destination::Segment(Region::Us));
    assert!(format!("{client:?}").contains("retries: 4"));
    runtime.block_on(async {
        let server = Server::start(vec![]).await;
        let client = client_for(&server);
        let delivery = client
            .send_call(
                &track(server.url("/v1/alias"), "u"),
                &CancellationToken::new(),
            )
            .await;
        assert_eq!(delivery.outcome, Outcome::Delivered);
        server.stop().await;
    });
}

#[tokio::test]
async fn each_retry_is_told_before_its_wait_with_the_attempt_and_why() {
    use hookbench_core::segment::client::{RetryNotice, RetryObserver};
    let server = Server::start(vec![Reply::status(503), Reply::status(500)]).await;
    let told: Arc<Mutex<Vec<RetryNotice>>> = Arc::default();
    let sink = told.clone();
    let client = Client::new(ClientOptions {
        retries: 3,
        on_retry: Some(RetryObserver::new(move |notice| {
            sink.lock().expect("lock").push(notice);
        })),
        ..options(Destination::Endpoint(server.base()))
    })
    .expect("client");
    let delivery = client
        .send_call(
            &track(server.url("/v1/track"), "cus_1"),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(delivery.outcome, Outcome::Delivered);
    let told = told.lock().expect("lock").clone();
    let seen: Vec<(u32, u32)> = told.iter().map(|n| (n.attempt, n.attempts)).collect();
    assert_eq!(seen, vec![(1, 4), (2, 4)]);
    assert!(
        told[0]
            .reason
            .ends_with("answered 503: status 503 from the test server"),
        "{told:?}"
    );
    assert!(told[1].reason.contains("answered 500"), "{told:?}");
    assert!(told.iter().all(|n| n.wait <= Duration::from_millis(50)));
    server.stop().await;
}

#[tokio::test]
async fn a_refused_connection_is_told_as_the_reason_of_each_retry() {
    use hookbench_core::segment::client::{RetryNotice, RetryObserver};
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let base = url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url");
    let told: Arc<Mutex<Vec<RetryNotice>>> = Arc::default();
    let sink = told.clone();
    let client = Client::new(ClientOptions {
        retries: 2,
        on_retry: Some(RetryObserver::new(move |notice| {
            sink.lock().expect("lock").push(notice);
        })),
        ..options(Destination::Endpoint(base))
    })
    .expect("client");
    let delivery = client
        .send_call(
            &track(format!("http://127.0.0.1:{port}/v1/track"), "cus_1"),
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(delivery.outcome, Outcome::Failed);
    let told = told.lock().expect("lock").clone();
    assert_eq!(told.len(), 2, "no notice after the last attempt: {told:?}");
    assert_eq!(
        told[0].reason,
        format!("cannot connect to 127.0.0.1:{port}: connection refused")
    );
}
