//! The webhook receiver: `POST /webhook` (and any path under it) takes Dodo
//! deliveries, verifies their Standard Webhooks signature over the raw bytes when a secret is set
//! (`webhook-id`/`-timestamp`/`-signature`, or Svix's default `svix-*` names; `webhook-*` wins),
//! keeps every delivery (accepted or not) in the history store, and answers 2xx only once the
//! store has committed it. `GET /health` answers 200.
//!
//! Answers: 200 `{"ok":true,"id":N}` once stored (a redelivery of a stored `webhook-id` too, with
//! `"redelivery":n`); 401 for missing signature headers, a signature that does not match or a
//! timestamp outside the tolerance; 413 for a body over the limit (read no further than the
//! limit; the body is not kept); 400 for a body that is not JSON; 500 when the store fails.
//!
//! Anyone who can reach the port can send a 401; of those only the first
//! [`REJECTED_BODY_KEPT`] bytes of the body are kept (cut at a UTF-8 boundary), and the reason
//! says so with the body's size. Accepted deliveries are kept whole.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::{broadcast, oneshot};

use super::signature::{self, DEFAULT_TOLERANCE_SECS, Secret, SignedHeaders, VerifyError};
use crate::server::ServerLimits;
use crate::store::{DeliverySummary, NewDelivery, Recorded, Store, Verification};

/// The body limit unless told otherwise: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// How much of the body of a delivery refused for its signature (401) is kept.
pub const REJECTED_BODY_KEPT: usize = 4 * 1024;

/// Live listeners that fall further behind than this many deliveries miss some (they get
/// `Lagged`); the history store has them all.
const LIVE_CAPACITY: usize = 1024;
/// After the limit is passed, at most this much more is read (and thrown away) so that the
/// sender sees the 413 instead of a reset connection.
const DRAIN_CAP: usize = 16 * 1024 * 1024;
/// How long draining an over-size body may take.
const DRAIN_TIME: Duration = Duration::from_secs(5);
/// How long a body may take to arrive: twice Dodo's own delivery timeout (15 s). A sender that
/// stalls longer has given up, and must not hold a stop up for ever.
const BODY_TIME: Duration = Duration::from_secs(30);

/// The signature headers of Standard Webhooks, as Dodo sends them.
/// The signature headers: Standard Webhooks' names (Dodo's, Svix white-labelled) first, then
/// Svix's default names. The first set with any header present is the one read.
const HEADER_SETS: [SignatureHeaderNames; 2] = [
    SignatureHeaderNames {
        id: "webhook-id",
        timestamp: "webhook-timestamp",
        signature: "webhook-signature",
    },
    SignatureHeaderNames {
        id: "svix-id",
        timestamp: "svix-timestamp",
        signature: "svix-signature",
    },
];

/// The names of one set of signature headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureHeaderNames {
    pub id: &'static str,
    pub timestamp: &'static str,
    pub signature: &'static str,
}

impl SignatureHeaderNames {
    /// The set a delivery is signed with: `webhook-*` when any of those is present (it wins
    /// over `svix-*`), else `svix-*` when any of those is, else `webhook-*` (whose missing
    /// headers are then named).
    pub fn of(has: impl Fn(&str) -> bool) -> SignatureHeaderNames {
        HEADER_SETS
            .into_iter()
            .find(|set| [set.id, set.timestamp, set.signature].into_iter().any(&has))
            .unwrap_or(HEADER_SETS[0])
    }
}

fn header_names(headers: &HeaderMap) -> SignatureHeaderNames {
    SignatureHeaderNames::of(|name| headers.contains_key(name))
}

/// How the receiver judges deliveries.
#[derive(Debug, Clone)]
pub struct ReceiverOptions {
    /// Verify signatures with this secret; without one every delivery is accepted as unsigned.
    pub secret: Option<Secret>,
    /// Accepted clock difference, both ways, in seconds.
    pub tolerance_secs: u64,
    /// Largest body accepted, in bytes.
    pub max_body: usize,
    /// How long headers may take, how long a connection may idle, how many may be open.
    pub server: ServerLimits,
}

impl Default for ReceiverOptions {
    fn default() -> Self {
        ReceiverOptions {
            secret: None,
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
            max_body: DEFAULT_MAX_BODY,
            server: ServerLimits::default(),
        }
    }
}

/// What live listeners (the workbench, `listen`) get for every delivery, accepted or rejected.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// As the store lists it. `id` is 0 when the store could not keep it (status 500).
    pub summary: DeliverySummary,
    /// The raw body (empty when it was over the limit).
    pub body: Vec<u8>,
    /// True when the store already had this `webhook-id` accepted: counted, not stored again.
    pub redelivery: bool,
}

impl Incoming {
    /// True for an accepted delivery seen for the first time: the ones a listener transforms
    /// (a redelivery was transformed when it first came).
    pub fn is_new_and_accepted(&self) -> bool {
        self.summary.accepted() && !self.redelivery
    }
}

struct Shared {
    store: Store,
    options: ReceiverOptions,
    live: broadcast::Sender<Incoming>,
}

/// The receiver: a router over a store. Cheap to clone; clones share the store and listeners.
#[derive(Clone)]
pub struct Receiver {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("store", &self.shared.store.path())
            .field("options", &self.shared.options)
            .finish()
    }
}

impl Receiver {
    pub fn new(store: Store, options: ReceiverOptions) -> Receiver {
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        Receiver {
            shared: Arc::new(Shared {
                store,
                options,
                live,
            }),
        }
    }

    /// Every delivery from now on, in the order they were settled. A listener more than
    /// [`LIVE_CAPACITY`] deliveries behind gets `Lagged`; the store has them all.
    pub fn subscribe(&self) -> broadcast::Receiver<Incoming> {
        self.shared.live.subscribe()
    }

    /// The routes: `POST /webhook`, `POST /webhook/…`, `GET /health`; anything else is a JSON
    /// 404 (and another method on a webhook path a 405).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/webhook", post(receive))
            .route("/webhook/", post(receive))
            .route("/webhook/{*rest}", post(receive))
            .route("/health", get(health))
            .fallback(not_found)
            .with_state(self.shared.clone())
    }

    /// Binds `addr` (`127.0.0.1:0` for any free port) and serves in a spawned task, within the
    /// options' server limits; must be called within a tokio runtime. The handle stops the server gracefully (open requests
    /// finish) on [`RunningReceiver::stop`] or when dropped.
    pub async fn start(&self, addr: &str) -> std::io::Result<RunningReceiver> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let url = webhook_url(local)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let router = self.router();
        let limits = self.shared.options.server;
        let task = tokio::spawn(crate::server::serve(listener, router, limits, async move {
            // A stop request, or the handle dropped.
            let _ = stopped.await;
        }));
        Ok(RunningReceiver {
            url,
            addr: local,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// A receiver serving in the background. Dropping it stops the server (open requests finish).
pub struct RunningReceiver {
    url: url::Url,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningReceiver")
            .field("url", &self.url.as_str())
            .finish()
    }
}

impl RunningReceiver {
    /// Where to send webhooks: `http://127.0.0.1:PORT/webhook` (a loopback address when bound to
    /// every interface).
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The address bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, lets open requests finish (their deliveries are stored and
    /// answered), and waits for the server to end.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// True for loopback addresses (IPv4-mapped ones included); binding anything else without a
/// secret deserves a warning.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    match addr.ip() {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// `http://ADDR/webhook`, with a loopback address in place of an unspecified one.
fn webhook_url(addr: SocketAddr) -> std::io::Result<url::Url> {
    let mut shown = addr;
    if addr.ip().is_unspecified() {
        shown.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    url::Url::parse(&format!("http://{shown}/webhook")).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("no URL for {addr}: {e}"),
        )
    })
}

async fn health() -> Response {
    (StatusCode::OK, axum::Json(json!({"ok": true}))).into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"ok": false, "error": "not found: webhooks go to POST /webhook"})),
    )
        .into_response()
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// Why a body could not be read.
enum ReadError {
    /// Over the limit: nothing kept.
    TooLarge,
    /// The connection broke before the end of the body.
    Broken(String),
}

/// Reads the body, buffering at most `max` bytes. Past the limit, the rest is read and dropped
/// (up to [`DRAIN_CAP`] more, for at most [`DRAIN_TIME`]) so that the sender gets the answer.
async fn read_limited(body: Body, headers: &HeaderMap, max: usize) -> Result<Vec<u8>, ReadError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut stream = body.into_data_stream();
    if declared.is_none_or(|n| n <= max as u64) {
        let hint = declared.map_or(0, |n| usize::try_from(n).unwrap_or(max));
        let mut buffer = Vec::with_capacity(hint.min(max));
        loop {
            match stream.next().await {
                None => return Ok(buffer),
                Some(Err(e)) => return Err(ReadError::Broken(e.to_string())),
                Some(Ok(chunk)) => {
                    if buffer.len() + chunk.len() > max {
                        break;
                    }
                    buffer.extend_from_slice(&chunk);
                }
            }
        }
    }
    // Over the limit: drain without keeping anything.
    let drain = async {
        let mut drained = 0usize;
        while let Some(Ok(chunk)) = stream.next().await {
            drained += chunk.len();
            if drained > DRAIN_CAP {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
    Err(ReadError::TooLarge)
}

/// The first value of a header, if present (bytes that are not UTF-8 replaced).
fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// Header names whose values are credentials: never stored.
fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || ["secret", "token", "api-key", "apikey", "password"]
        .iter()
        .any(|word| name.contains(word))
}

/// The request's headers minus credentials, in the order received.
fn kept_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !is_secret_header(name.as_str()))
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn check_signature(
    secret: &Secret,
    headers: &HeaderMap,
    body: &[u8],
    tolerance_secs: u64,
) -> Result<(), VerifyError> {
    let names = header_names(headers);
    let id = header_text(headers, names.id).ok_or(VerifyError::MissingHeader(names.id))?;
    let timestamp =
        header_text(headers, names.timestamp).ok_or(VerifyError::MissingHeader(names.timestamp))?;
    let signature =
        header_text(headers, names.signature).ok_or(VerifyError::MissingHeader(names.signature))?;
    let signed = SignedHeaders {
        id: &id,
        timestamp: &timestamp,
        signature: &signature,
    };
    signature::verify(
        secret,
        &signed,
        body,
        chrono::Utc::now().timestamp(),
        tolerance_secs,
    )
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// What a delivery is worth before it is stored: verification, status and reason.
fn assess(
    options: &ReceiverOptions,
    headers: &HeaderMap,
    body: Result<Vec<u8>, ReadError>,
) -> NewDelivery {
    let unchecked = if options.secret.is_some() {
        Verification::Invalid
    } else {
        Verification::Unsigned
    };
    let mut delivery = NewDelivery {
        webhook_id: header_text(headers, header_names(headers).id),
        received_at: now_rfc3339(),
        event_type: None,
        body: Vec::new(),
        headers: kept_headers(headers),
        verification: unchecked,
        status: StatusCode::OK.as_u16(),
        reason: None,
    };
    let body = match body {
        Ok(body) => body,
        Err(ReadError::TooLarge) => {
            delivery.status = StatusCode::PAYLOAD_TOO_LARGE.as_u16();
            delivery.reason = Some(format!(
                "body over the limit of {} bytes (not kept)",
                options.max_body
            ));
            return delivery;
        }
        Err(ReadError::Broken(e)) => {
            delivery.status = StatusCode::BAD_REQUEST.as_u16();
            delivery.reason = Some(format!("the body could not be read: {e}"));
            return delivery;
        }
    };
    // The type is shown even for rejected deliveries: it tells what was attempted.
    let parsed = serde_json::from_slice::<Value>(&body);
    if let Ok(json) = &parsed {
        delivery.event_type = json.get("type").and_then(Value::as_str).map(str::to_string);
    }
    if let Some(secret) = &options.secret {
        match check_signature(secret, headers, &body, options.tolerance_secs) {
            Ok(()) => delivery.verification = Verification::Valid,
            Err(e) => {
                delivery.status = StatusCode::UNAUTHORIZED.as_u16();
                let mut reason = e.describe(options.tolerance_secs);
                let mut body = body;
                if body.len() > REJECTED_BODY_KEPT {
                    let size = body.len();
                    body.truncate(utf8_cut(&body, REJECTED_BODY_KEPT));
                    reason.push_str(&format!(
                        " · body cut to 4 KiB of {} bytes",
                        crate::text::group_digits(size)
                    ));
                }
                delivery.reason = Some(reason);
                delivery.body = body;
                return delivery;
            }
        }
    }
    if delivery.reason.is_none()
        && let Err(e) = &parsed
    {
        delivery.status = StatusCode::BAD_REQUEST.as_u16();
        delivery.reason = Some(format!(
            "body is not JSON: {}",
            crate::json_error::describe(e)
        ));
    }
    delivery.body = body;
    delivery
}

/// Where to cut `bytes` to keep at most `max`: not inside a UTF-8 character (a byte of the
/// form `10xxxxxx` continues one).
fn utf8_cut(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    let mut end = max;
    // At most three continuation bytes follow a character's first byte.
    while end > 0 && max - end < 3 && bytes[end] & 0b1100_0000 == 0b1000_0000 {
        end -= 1;
    }
    end
}

async fn receive(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = tokio::time::timeout(
        BODY_TIME,
        read_limited(body, &parts.headers, shared.options.max_body),
    )
    .await
    .unwrap_or_else(|_| {
        Err(ReadError::Broken(format!(
            "no complete body within {} s",
            BODY_TIME.as_secs()
        )))
    });
    let delivery = assess(&shared.options, &parts.headers, body);
    // Stored in its own task: a sender hanging up does not cancel a write under way, so what
    // the store holds and what listeners were told stay the same.
    match tokio::spawn(settle(shared, delivery)).await {
        Ok(response) => response,
        Err(_) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"ok": false, "error": "the delivery could not be stored"}),
        ),
    }
}

/// Stores the delivery, tells the listeners, and answers.
async fn settle(shared: Arc<Shared>, delivery: NewDelivery) -> Response {
    let mut status = delivery.status;
    let accepted = crate::store::accepted(status, delivery.verification);
    let mut reason = delivery.reason.clone();
    // Only copied when someone listens.
    let copy = (shared.live.receiver_count() > 0).then(|| {
        (
            DeliverySummary {
                id: 0,
                webhook_id: delivery.webhook_id.clone(),
                received_at: delivery.received_at.clone(),
                event_type: delivery.event_type.clone(),
                verification: delivery.verification,
                status,
                reason: None,
                redeliveries: 0,
                bytes: delivery.body.len(),
            },
            delivery.body.clone(),
        )
    });
    let recorded = shared.store.record(delivery).await;
    let (id, redeliveries, body) = match &recorded {
        Ok(Recorded::New { id }) => (*id, None, json!({"ok": accepted, "id": id})),
        Ok(Recorded::Redelivery { id, redeliveries }) => (
            *id,
            Some(*redeliveries),
            json!({"ok": accepted, "id": id, "redelivery": redeliveries}),
        ),
        Err(e) => {
            if accepted {
                status = StatusCode::INTERNAL_SERVER_ERROR.as_u16();
                reason = Some(format!("not stored: {e}"));
            }
            (0, None, json!({"ok": false}))
        }
    };
    let mut body = body;
    if let (Some(reason), Value::Object(map)) = (&reason, &mut body) {
        map.insert("error".into(), Value::String(reason.clone()));
    }
    if let Some((mut summary, raw)) = copy {
        summary.id = id;
        summary.status = status;
        summary.reason = reason;
        summary.redeliveries = redeliveries.unwrap_or(0);
        // No listener left is not an error.
        let _ = shared.live.send(Incoming {
            summary,
            body: raw,
            redelivery: redeliveries.is_some(),
        });
    }
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    answer(code, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_not_kept_but_the_signature_is() {
        for name in [
            "authorization",
            "Cookie",
            "proxy-authorization",
            "x-webhook-secret",
            "x-auth-token",
            "x-api-key",
        ] {
            assert!(is_secret_header(name), "{name}");
        }
        for name in [
            "webhook-signature",
            "webhook-id",
            "content-type",
            "user-agent",
        ] {
            assert!(!is_secret_header(name), "{name}");
        }
    }

    #[test]
    fn bodies_are_cut_between_characters() {
        assert_eq!(utf8_cut(b"abcdef", 4), 4);
        assert_eq!(utf8_cut(b"abc", 4), 3);
        // "aé" + "é": the cut at 2 would split the first é.
        let text = "aéé".as_bytes();
        assert_eq!(utf8_cut(text, 2), 1);
        assert_eq!(utf8_cut(text, 3), 3);
        let emoji = "😀😀".as_bytes();
        assert_eq!(utf8_cut(emoji, 5), 4);
        assert!(std::str::from_utf8(&emoji[..utf8_cut(emoji, 7)]).is_ok());
    }

    #[test]
    fn loopback_addresses_are_recognised() {
        let loopback = |s: &str| is_loopback(&s.parse::<SocketAddr>().expect("addr"));
        assert!(loopback("127.0.0.1:8787"));
        assert!(loopback("127.1.2.3:1"));
        assert!(loopback("[::1]:8787"));
        assert!(loopback("[::ffff:127.0.0.1]:8787"));
        assert!(!loopback("0.0.0.0:8787"));
        assert!(!loopback("[::]:8787"));
        assert!(!loopback("192.168.1.10:8787"));
    }

    #[test]
    fn the_url_of_an_unspecified_address_is_loopback() {
        let url = webhook_url("0.0.0.0:8787".parse().expect("addr")).expect("url");
        assert_eq!(url.as_str(), "http://127.0.0.1:8787/webhook");
        let url = webhook_url("[::]:9".parse().expect("addr")).expect("url");
        assert_eq!(url.as_str(), "http://[::1]:9/webhook");
    }
}
