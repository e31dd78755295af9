//! A local Segment-compatible endpoint: it answers as Segment documents (200 `{"success":true}`,
//! 400 for invalid JSON, over-size bodies and missing write keys), takes gzip bodies as Segment
//! does (limits on the decompressed size; a broken stream is a 400), and records every call it
//! received with what Segment would have done with it, without reaching Segment.
//!
//! `hookbench sink` serves it on its own; the workbench starts one in-process when no write key
//! is set.
//!
//! Each call is kept as the JSON text `GET /calls` writes for it (see `log`), within a count and
//! a total of bytes; `GET /calls?after=SEQ&limit=N` reads them a page at a time, a `Link` header
//! (`rel="next"`) naming the next page while more follow.

mod log;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};
use serde_json::{Map, Value, json};
use tokio::sync::{broadcast, oneshot};

use super::CallType;
use super::limits::{MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_CALL_BYTES};
use super::mask::{mask_secret, mask_write_keys, redact};
use crate::server::ServerLimits;
use crate::text::{group_digits, shorten};
use log::{CallLog, NewCall};

/// How many received calls are kept (the oldest go first).
pub const MAX_KEPT_CALLS: usize = 10_000;
/// How many bytes of calls are kept unless told otherwise (the oldest go first).
pub const DEFAULT_MAX_BYTES: usize = 48 << 20;
/// The least the byte limit may be: a batch item, the largest call kept, always fits.
pub const MIN_MAX_BYTES: usize = 1 << 20;
/// Calls in a page of `GET /calls` without `limit`.
pub const DEFAULT_PAGE: usize = 1_000;
/// The most calls in a page of `GET /calls`.
pub const MAX_PAGE: usize = MAX_KEPT_CALLS;
/// Segment's answer to a missing or empty write key.
pub const INVALID_WRITE_KEY: &str = "An invalid write key was provided";

/// Bodies are read up to this size; anything larger is refused without being kept.
const READ_CAP: usize = 8 * 1024 * 1024;
/// Live listeners that fall further behind than this catch up with [`Sink::calls_since`].
const LIVE_CAPACITY: usize = 4_096;
/// Keys shorter than this are redacted only where a string is the key itself: replacing every
/// occurrence of a very short key would mangle unrelated text.
const SUBSTRING_REDACT_MIN: usize = 8;
/// How long a body may take to arrive: twice Segment's own client timeout (15 s).
const BODY_TIME: Duration = Duration::from_secs(30);

/// What the sink decided about a call: what Segment would do with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SinkVerdict {
    /// Answered 200 and kept.
    #[default]
    Accepted,
    /// Answered 200 but silently dropped, for the reason given.
    Dropped(String),
    /// Answered with an error status, for the reason given.
    Rejected(String),
}

impl SinkVerdict {
    /// True when the call was answered 200 and kept.
    pub fn is_accepted(&self) -> bool {
        matches!(self, SinkVerdict::Accepted)
    }
}

impl std::fmt::Display for SinkVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SinkVerdict::Accepted => f.write_str("accepted"),
            SinkVerdict::Dropped(reason) => write!(f, "dropped ({reason})"),
            SinkVerdict::Rejected(reason) => write!(f, "rejected ({reason})"),
        }
    }
}

impl Serialize for SinkVerdict {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One call the sink received. A batch is recorded item by item, each with its own type,
/// identity and verdict; a request refused as a whole is one record. Cheap to clone: the body is
/// only in [`ReceivedCall::record`], shared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceivedCall {
    /// Increases by one per record, from 1.
    pub seq: u64,
    /// When the request arrived (RFC 3339, local time).
    pub received_at: String,
    /// The request path (`/v1/track`, `/v1/batch`, …).
    pub path: String,
    /// The call's type: the endpoint's, or a batch item's `type` as given; None when unknown.
    pub call_type: Option<String>,
    /// The item's position in its batch.
    pub batch_index: Option<usize>,
    pub event: Option<String>,
    pub user_id: Option<String>,
    pub anonymous_id: Option<String>,
    pub message_id: Option<String>,
    /// The request body's size, or the item's (as compact JSON) for a batch item.
    pub bytes: usize,
    /// The HTTP status the sink answered.
    pub status: u16,
    pub verdict: SinkVerdict,
    /// The write key the call carried, masked (`abcd…wxyz`); never in clear.
    pub write_key: Option<String>,
    /// The `X-Retry-Count` header, when present.
    pub retry_count: Option<String>,
    /// A page's or screen's `name`, as given (a number as written).
    pub name: Option<String>,
    /// A group call's `groupId`.
    pub group_id: Option<String>,
    /// An alias call's `previousId`.
    pub previous_id: Option<String>,
    /// The record as `GET /calls` writes it: a JSON object of the fields above (but `name`,
    /// `group_id` and `previous_id`) and `body`, the call as received with every write key
    /// masked (null when it was not JSON or too large). Written once, when the call is kept.
    pub record: Bytes,
}

impl ReceivedCall {
    /// The call as received (write keys masked), read back from [`ReceivedCall::record`]; None
    /// when it was not JSON or too large.
    pub fn body(&self) -> Option<Value> {
        let mut record: Value = serde_json::from_slice(&self.record).ok()?;
        match record.get_mut("body")?.take() {
            Value::Null => None,
            body => Some(body),
        }
    }
}

/// How much a sink keeps and how it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkOptions {
    /// The most calls kept (at least one).
    pub max_calls: usize,
    /// The most bytes of calls kept, as `GET /calls` writes them (at least [`MIN_MAX_BYTES`]).
    pub max_bytes: usize,
    /// How long headers may take, how long a connection may idle, how many may be open.
    pub server: ServerLimits,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            max_calls: MAX_KEPT_CALLS,
            max_bytes: DEFAULT_MAX_BYTES,
            server: ServerLimits::default(),
        }
    }
}

/// A local Segment-compatible endpoint. Cloning shares the same record of calls.
#[derive(Clone)]
pub struct Sink {
    inner: Arc<Inner>,
}

struct Inner {
    log: Mutex<CallLog>,
    live: broadcast::Sender<ReceivedCall>,
    server: ServerLimits,
}

impl Default for Sink {
    fn default() -> Self {
        Sink::new()
    }
}

impl Sink {
    /// A sink with the default [`SinkOptions`]: the last [`MAX_KEPT_CALLS`] calls, at most
    /// [`DEFAULT_MAX_BYTES`] of them.
    pub fn new() -> Sink {
        Sink::with_options(SinkOptions::default())
    }

    /// A sink that keeps the last `limit` calls (at least one).
    pub fn with_limit(limit: usize) -> Sink {
        Sink::with_options(SinkOptions {
            max_calls: limit,
            ..SinkOptions::default()
        })
    }

    /// A sink with these limits.
    pub fn with_options(options: SinkOptions) -> Sink {
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        Sink {
            inner: Arc::new(Inner {
                log: Mutex::new(CallLog::new(
                    options.max_calls,
                    options.max_bytes.max(MIN_MAX_BYTES),
                )),
                live,
                server: options.server,
            }),
        }
    }

    /// The HTTP routes: `POST /v1/{track,identify,page,screen,group,alias,batch,import}`,
    /// `GET /calls`, `GET /health`; anything else is a JSON 404.
    pub fn router(&self) -> Router {
        Router::new()
            .fallback(handle)
            .with_state(self.inner.clone())
    }

    /// The calls kept, oldest first.
    pub fn calls(&self) -> Vec<ReceivedCall> {
        self.calls_since(0)
    }

    /// The calls kept whose `seq` is greater than `seq`, oldest first: how a live listener that
    /// fell behind catches up.
    pub fn calls_since(&self, seq: u64) -> Vec<ReceivedCall> {
        self.inner.lock().page(seq, usize::MAX).0
    }

    /// Up to `limit` of the calls kept whose `seq` is greater than `after`, oldest first, and
    /// whether more follow.
    pub fn page(&self, after: u64, limit: usize) -> (Vec<ReceivedCall>, bool) {
        self.inner.lock().page(after, limit)
    }

    /// The bytes of the calls kept, as `GET /calls` writes them.
    pub fn kept_bytes(&self) -> usize {
        self.inner.lock().bytes()
    }

    /// Every call from now on, in `seq` order. A receiver that falls more than a few thousand
    /// calls behind gets `Lagged` and can catch up with [`Sink::calls_since`].
    pub fn subscribe(&self) -> broadcast::Receiver<ReceivedCall> {
        self.inner.live.subscribe()
    }

    /// Serves on the listener, within the sink's server limits, until `shutdown` resolves,
    /// then lets open requests finish.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        crate::server::serve(listener, self.router(), self.inner.server, shutdown).await
    }

    /// Binds `addr` (`127.0.0.1:0` for any free port) and serves in a spawned task. Must be
    /// called within a tokio runtime. The server stops when the handle is dropped (open requests
    /// finish).
    pub async fn start(&self, addr: &str) -> std::io::Result<RunningSink> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let url = url::Url::parse(&format!("http://{local}")).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("no URL for {local}: {e}"),
            )
        })?;
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let sink = self.clone();
        tokio::spawn(async move {
            sink.serve(listener, async move {
                // Either a stop request or the handle dropped.
                let _ = stop_rx.await;
            })
            .await
        });
        Ok(RunningSink {
            url,
            stop: Some(stop_tx),
        })
    }

    fn record(&self, calls: Vec<NewCall>) {
        let mut log = self.inner.lock();
        for call in calls {
            let kept = log.push(call);
            // Sent under the lock so that listeners see calls in `seq` order; no listener is
            // not an error.
            let _ = self.inner.live.send(kept);
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, CallLog> {
        // A panic while holding the lock leaves the log consistent enough to read.
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A sink serving in the background. Dropping it stops the server.
pub struct RunningSink {
    url: url::Url,
    stop: Option<oneshot::Sender<()>>,
}

impl RunningSink {
    /// The base URL: `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> &url::Url {
        &self.url
    }
}

impl Drop for RunningSink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// `GET /calls[?after=SEQ][&limit=N]`: a JSON array of the calls after `after` (0 unless
/// given), at most `limit` ([`DEFAULT_PAGE`] unless given, at most [`MAX_PAGE`]), written from
/// their kept JSON text. While more follow, `Link: </calls?after=LAST&limit=N>; rel="next"`.
fn calls_page(sink: &Sink, query: Option<&str>) -> Response {
    let mut after = 0u64;
    let mut limit = DEFAULT_PAGE;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let bad = |what: &str| {
            failure(
                StatusCode::BAD_REQUEST,
                &format!("GET /calls: {name}={} is not {what}", shorten(&value, 20)),
            )
        };
        match name.as_ref() {
            "after" => match value.trim().parse() {
                Ok(seq) => after = seq,
                Err(_) => return bad("a call's seq"),
            },
            "limit" => match value.trim().parse::<usize>() {
                Ok(n) if n >= 1 => limit = n.min(MAX_PAGE),
                _ => return bad("a number of calls from 1"),
            },
            _ => {}
        }
    }
    let (page, more) = sink.page(after, limit);
    let mut chunks: Vec<Bytes> = Vec::with_capacity(page.len() * 2 + 1);
    chunks.push(Bytes::from_static(b"["));
    for (index, call) in page.iter().enumerate() {
        if index > 0 {
            chunks.push(Bytes::from_static(b","));
        }
        chunks.push(call.record.clone());
    }
    chunks.push(Bytes::from_static(b"]"));
    let length: usize = chunks.iter().map(Bytes::len).sum();
    let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CONTENT_LENGTH, length.into());
    if more && let Some(last) = page.last() {
        let next = format!("</calls?after={}&limit={limit}>; rel=\"next\"", last.seq);
        if let Ok(value) = header::HeaderValue::from_str(&next) {
            headers.insert(header::LINK, value);
        }
    }
    response
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn failure(status: StatusCode, message: &str) -> Response {
    json_response(status, json!({"success": false, "message": message}))
}

async fn handle(State(inner): State<Arc<Inner>>, request: Request) -> Response {
    let sink = Sink { inner };
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let method = parts.method.clone();
    if method == Method::GET || method == Method::HEAD {
        match path.as_str() {
            "/calls" => return calls_page(&sink, parts.uri.query()),
            "/health" => return json_response(StatusCode::OK, json!({"success": true})),
            _ => {}
        }
    }
    let received = Received::new(&parts.headers, path.clone());
    if method != Method::POST {
        return failure(
            StatusCode::NOT_FOUND,
            &format!("Not found: {method} {path} (the sink takes POST /v1/<call> and GET /calls)"),
        );
    }
    let Some(call_type) = CallType::from_path(&path) else {
        // Read the body so the client gets the answer rather than a reset connection.
        let bytes = tokio::time::timeout(BODY_TIME, axum::body::to_bytes(body, READ_CAP))
            .await
            .ok()
            .and_then(Result::ok)
            .map_or(0, |b| b.len());
        sink.record(vec![received.refused(
            None,
            bytes,
            None,
            404,
            "unknown path",
        )]);
        return failure(
            StatusCode::NOT_FOUND,
            &format!(
                "Not found: POST {path} is not a Segment endpoint (/v1/track, /v1/identify, \
                 /v1/page, /v1/screen, /v1/group, /v1/alias, /v1/batch, /v1/import)"
            ),
        );
    };
    let (calls, response) = ingest(&received, call_type, &parts.headers, body).await;
    sink.record(calls);
    response
}

/// What every record of one request shares.
struct Received {
    at: String,
    path: String,
    retry_count: Option<String>,
    /// The key from `Authorization: Basic`, trimmed; None when absent or empty.
    header_key: Option<String>,
}

impl Received {
    fn new(headers: &HeaderMap, path: String) -> Received {
        let header_key = basic_key(headers);
        let mut path = Value::String(path);
        mask_keys(&mut path, header_key.as_slice());
        Received {
            at: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
            path: path.as_str().map(str::to_string).unwrap_or_default(),
            retry_count: headers
                .get("x-retry-count")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string()),
            header_key,
        }
    }

    fn base(&self, call_type: Option<&str>, bytes: usize, body: Option<Value>) -> NewCall {
        let written = body.as_ref().and_then(|body| to_raw_value(body).ok());
        self.base_written(call_type, bytes, body.as_ref(), written)
    }

    /// [`Received::base`] of a body already written: `body` gives the fields, `written` is kept.
    fn base_written(
        &self,
        call_type: Option<&str>,
        bytes: usize,
        body: Option<&Value>,
        written: Option<Box<RawValue>>,
    ) -> NewCall {
        let fields = body.and_then(Value::as_object);
        let text = |name: &str| fields.and_then(|o| o.get(name)).and_then(id_text);
        let call = ReceivedCall {
            seq: 0,
            received_at: self.at.clone(),
            path: self.path.clone(),
            call_type: call_type.map(str::to_string),
            batch_index: None,
            event: fields
                .and_then(|o| o.get("event"))
                .and_then(Value::as_str)
                .map(str::to_string),
            user_id: text("userId"),
            anonymous_id: text("anonymousId"),
            message_id: text("messageId"),
            bytes,
            status: 200,
            verdict: SinkVerdict::Accepted,
            write_key: None,
            retry_count: self.retry_count.clone(),
            name: text("name"),
            group_id: text("groupId"),
            previous_id: text("previousId"),
            record: Bytes::new(),
        };
        NewCall {
            call,
            body: written,
        }
    }

    fn refused(
        &self,
        call_type: Option<CallType>,
        bytes: usize,
        body: Option<Value>,
        status: u16,
        reason: &str,
    ) -> NewCall {
        let mut new = self.base(call_type.map(CallType::as_str), bytes, body);
        new.call.status = status;
        new.call.verdict = SinkVerdict::Rejected(reason.to_string());
        new
    }
}

/// A string id as given, a number as written; anything else is no id.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The user name of `Authorization: Basic base64("<key>:")`, trimmed; None when absent, not
/// Basic, undecodable or empty.
fn basic_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let user = text.split_once(':').map_or(text.as_str(), |(user, _)| user);
    let user = user.trim();
    (!user.is_empty()).then(|| user.to_string())
}

/// Reads, checks and judges one request: the records to keep and the answer.
async fn ingest(
    received: &Received,
    call_type: CallType,
    headers: &HeaderMap,
    body: Body,
) -> (Vec<NewCall>, Response) {
    let refuse = |bytes: usize, body: Option<Value>, reason: &str, message: &str| {
        (
            vec![received.refused(Some(call_type), bytes, body, 400, reason)],
            failure(StatusCode::BAD_REQUEST, message),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let (limit, what, limit_reason) = if call_type.is_batch() {
        (MAX_BATCH_BYTES, "a batch", "batch over 500 KB")
    } else {
        (MAX_CALL_BYTES, "a single call", "body over 32 KB")
    };
    let read = tokio::time::timeout(BODY_TIME, axum::body::to_bytes(body, READ_CAP)).await;
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Err(_) => {
            let message = format!("no complete body within {} s", BODY_TIME.as_secs());
            return refuse(declared.unwrap_or(0), None, "body not read", &message);
        }
        Ok(Err(_)) => {
            let size = declared.unwrap_or(READ_CAP);
            let message = match declared {
                Some(n) if n <= READ_CAP => "Could not read the request body".to_string(),
                _ => format!(
                    "Request body is over {} bytes: {what} may not exceed {} bytes",
                    group_digits(READ_CAP),
                    group_digits(limit)
                ),
            };
            return refuse(size, None, limit_reason, &message);
        }
    };
    let kb = limit / 1_000;
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("identity"));
    let bytes: std::borrow::Cow<'_, [u8]> = match encoding {
        None => bytes.as_ref().into(),
        // Segment takes gzip bodies; its limits are on the decompressed size.
        Some(encoding) if is_gzip(encoding) => match gunzip(&bytes, limit) {
            Ok(decoded) => decoded.into(),
            Err(Gunzip::OverLimit) => {
                let message = format!(
                    "Request body is over {} bytes once decompressed: {what} may not exceed \
                     {kb} KB ({} bytes)",
                    group_digits(limit),
                    group_digits(limit)
                );
                return refuse(bytes.len(), None, limit_reason, &message);
            }
            Err(Gunzip::Broken(e)) => {
                let message = format!("Invalid gzip body (Content-Encoding: gzip): {e}");
                return refuse(bytes.len(), None, "invalid gzip", &message);
            }
        },
        Some(encoding) => {
            let message = format!(
                "Content-Encoding {} is not supported by hookbench sink: send the body \
                 uncompressed or gzip-compressed",
                shorten(encoding, 20)
            );
            return refuse(bytes.len(), None, "compressed body", &message);
        }
    };
    let size = bytes.len();
    if size > limit {
        let message = format!(
            "Request body is {} bytes: {what} may not exceed {kb} KB ({} bytes)",
            group_digits(size),
            group_digits(limit)
        );
        return refuse(size, None, limit_reason, &message);
    }
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(e) => {
            let message = format!("Invalid JSON: {e}");
            return refuse(size, None, "invalid JSON", &message);
        }
    };
    let Value::Object(mut object) = value else {
        return refuse(
            size,
            None,
            "not a JSON object",
            "Invalid JSON: the body must be a JSON object",
        );
    };
    let body_key = object
        .get("writeKey")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string);
    let mut secrets: Vec<String> = received.header_key.iter().cloned().collect();
    secrets.extend(body_key.clone());
    let key = received.header_key.clone().or(body_key);
    let masked_key = key.as_deref().map(mask_secret);

    if key.is_none() {
        let mut masked = Value::Object(object);
        mask_keys(&mut masked, &secrets);
        return refuse(size, Some(masked), "invalid write key", INVALID_WRITE_KEY);
    }

    let calls = if call_type.is_batch() {
        // The items are taken out (each is kept on its own); the rest of the envelope is only
        // kept when the batch is refused or empty, and then `batch` is as it came.
        let items = match object.get_mut("batch") {
            Some(Value::Array(items)) => Some(std::mem::take(items)),
            _ => None,
        };
        let Some(items) = items else {
            let mut masked = Value::Object(object);
            mask_keys(&mut masked, &secrets);
            return refuse(
                size,
                Some(masked),
                "batch is not an array",
                "Invalid batch: \"batch\" must be an array of calls",
            );
        };
        if items.is_empty() {
            let mut masked = Value::Object(object);
            mask_keys(&mut masked, &secrets);
            let mut new = received.base(Some(call_type.as_str()), size, Some(masked));
            new.call.verdict = SinkVerdict::Dropped("empty batch".into());
            new.call.write_key = masked_key.clone();
            vec![new]
        } else {
            let too_many = items.len() > MAX_BATCH_EVENTS;
            items
                .into_iter()
                .enumerate()
                .map(|(index, mut item)| {
                    // Written once: its size, and the body kept unless a key is to be masked.
                    let mut written = to_raw_value(&item).ok();
                    let item_bytes = written.as_ref().map_or(0, |w| w.get().len());
                    let verdict = if too_many {
                        SinkVerdict::Dropped("batch over 2,500 events".into())
                    } else {
                        judge_batch_item(&item, item_bytes)
                    };
                    if written
                        .as_ref()
                        .is_none_or(|w| may_hold_keys(w.get(), &secrets))
                    {
                        mask_keys(&mut item, &secrets);
                        written = to_raw_value(&item).ok();
                    }
                    let item_type = item.get("type").and_then(Value::as_str);
                    let mut new =
                        received.base_written(item_type, item_bytes, Some(&item), written);
                    new.call.batch_index = Some(index);
                    new.call.verdict = verdict;
                    new.call.write_key = masked_key.clone();
                    new
                })
                .collect()
        }
    } else {
        let verdict = judge(call_type, &object);
        let mut masked = Value::Object(object);
        mask_keys(&mut masked, &secrets);
        let mut new = received.base(Some(call_type.as_str()), size, Some(masked));
        new.call.verdict = verdict;
        new.call.write_key = masked_key;
        vec![new]
    };
    (
        calls,
        json_response(StatusCode::OK, json!({"success": true})),
    )
}

/// A usable id: a non-blank string or a number.
fn is_gzip(encoding: &str) -> bool {
    encoding.eq_ignore_ascii_case("gzip") || encoding.eq_ignore_ascii_case("x-gzip")
}

/// Why a gzip body could not be taken.
enum Gunzip {
    /// It decompresses to more than the limit.
    OverLimit,
    /// Not a (complete) gzip stream.
    Broken(std::io::Error),
}

/// Decompresses a gzip body, reading no more than `limit` + 1 decompressed bytes, so a small
/// body that inflates enormously costs no more memory than the limit.
fn gunzip(bytes: &[u8], limit: usize) -> Result<Vec<u8>, Gunzip> {
    use std::io::Read as _;
    let bound = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut decoded = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(bound)
        .read_to_end(&mut decoded)
        .map_err(Gunzip::Broken)?;
    if decoded.len() > limit {
        return Err(Gunzip::OverLimit);
    }
    Ok(decoded)
}

fn has_id(object: &Map<String, Value>, name: &str) -> bool {
    match object.get(name) {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Number(_)) => true,
        _ => false,
    }
}

/// What Segment does with a call it answered 200 to.
fn judge(call_type: CallType, object: &Map<String, Value>) -> SinkVerdict {
    let identified = has_id(object, "userId") || has_id(object, "anonymousId");
    let dropped = |reason: &str| SinkVerdict::Dropped(reason.to_string());
    match call_type {
        CallType::Track
        | CallType::Identify
        | CallType::Page
        | CallType::Screen
        | CallType::Group
            if !identified =>
        {
            dropped("no userId/anonymousId")
        }
        CallType::Track => match object.get("event") {
            Some(Value::String(event)) if !event.trim().is_empty() => SinkVerdict::Accepted,
            _ => dropped("no event"),
        },
        CallType::Group if !has_id(object, "groupId") => dropped("no groupId"),
        CallType::Alias if !has_id(object, "userId") => dropped("no userId"),
        CallType::Alias if !has_id(object, "previousId") => dropped("no previousId"),
        _ => SinkVerdict::Accepted,
    }
}

fn judge_batch_item(item: &Value, bytes: usize) -> SinkVerdict {
    let Some(object) = item.as_object() else {
        return SinkVerdict::Dropped("not an object".into());
    };
    let call_type = match object.get("type") {
        None | Some(Value::Null) => return SinkVerdict::Dropped("no type".into()),
        Some(Value::String(name)) => match CallType::from_name(name) {
            Some(t) if !t.is_batch() => t,
            _ => return SinkVerdict::Dropped(format!("unknown type {:?}", shorten(name, 20))),
        },
        Some(_) => return SinkVerdict::Dropped("type is not a string".into()),
    };
    if bytes > MAX_CALL_BYTES {
        return SinkVerdict::Dropped("event over 32 KB".into());
    }
    judge(call_type, object)
}

/// Whether [`mask_keys`] could change the value `json` is the text of: it names a `writeKey`
/// member, or holds a key's text. A key JSON writes with escapes cannot be looked for in the
/// text: it may be anywhere.
fn may_hold_keys(json: &str, secrets: &[String]) -> bool {
    json.contains("\"writeKey\"")
        || secrets.iter().any(|secret| {
            secret.contains(|c: char| matches!(c, '"' | '\\') || c.is_control())
                || json.contains(secret.as_str())
        })
}

/// Masks every `writeKey` field and every occurrence of the keys in strings.
fn mask_keys(value: &mut Value, secrets: &[String]) {
    mask_write_keys(value, &|s| {
        let mut clean: Option<String> = None;
        for secret in secrets {
            let current = clean.as_deref().unwrap_or(s);
            if secret.chars().count() >= SUBSTRING_REDACT_MIN {
                if current.contains(secret.as_str()) {
                    clean = Some(redact(current, secret));
                }
            } else if current == secret {
                clean = Some(mask_secret(secret));
            }
        }
        clean
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Q7mvT2xkLp9RsW4bYc8NdE3fHj6GaZ1u";

    /// POSTs to a sink served on a free port.
    async fn post(
        running: &RunningSink,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let url = running.url().join(path).unwrap();
        let mut request = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    fn basic(key: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
        )
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn verdicts_follow_segment() {
        let track = |v: Value| judge(CallType::Track, v.as_object().unwrap());
        assert_eq!(
            track(json!({"userId": "u", "event": "Order Completed"})),
            SinkVerdict::Accepted
        );
        assert_eq!(
            track(json!({"anonymousId": 7, "event": "E"})),
            SinkVerdict::Accepted
        );
        assert_eq!(
            track(json!({"event": "E"})).to_string(),
            "dropped (no userId/anonymousId)"
        );
        assert_eq!(
            track(json!({"userId": " ", "anonymousId": null, "event": "E"})).to_string(),
            "dropped (no userId/anonymousId)"
        );
        assert_eq!(
            track(json!({"userId": "u", "event": 3})).to_string(),
            "dropped (no event)"
        );
        assert_eq!(
            judge(
                CallType::Identify,
                json!({"userId": "u"}).as_object().unwrap()
            ),
            SinkVerdict::Accepted
        );
        assert_eq!(
            judge(CallType::Group, json!({"userId": "u"}).as_object().unwrap()).to_string(),
            "dropped (no groupId)"
        );
        assert_eq!(
            judge(CallType::Alias, json!({"userId": "u"}).as_object().unwrap()).to_string(),
            "dropped (no previousId)"
        );
        assert_eq!(
            judge_batch_item(&json!({"type": "flush", "userId": "u"}), 10).to_string(),
            "dropped (unknown type \"flush\")"
        );
        assert_eq!(
            judge_batch_item(&json!({"userId": "u"}), 10).to_string(),
            "dropped (no type)"
        );
        assert_eq!(
            judge_batch_item(&json!({"type": "identify", "userId": "u"}), 40_000).to_string(),
            "dropped (event over 32 KB)"
        );
    }

    #[test]
    fn basic_auth_gives_the_user_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, basic(KEY).parse().unwrap());
        assert_eq!(basic_key(&headers).as_deref(), Some(KEY));
        headers.insert(header::AUTHORIZATION, basic("").parse().unwrap());
        assert_eq!(basic_key(&headers), None);
        headers.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(basic_key(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(basic_key(&headers), None);
        // Without the colon, as older clients send it.
        let bare = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("abc123")
        );
        headers.insert(header::AUTHORIZATION, bare.parse().unwrap());
        assert_eq!(basic_key(&headers).as_deref(), Some("abc123"));
    }

    fn gzipped(text: &str) -> Vec<u8> {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap()
    }

    /// POSTs `body` as it is, with `Content-Encoding: encoding`.
    async fn post_encoded(
        running: &RunningSink,
        path: &str,
        body: Vec<u8>,
        encoding: &str,
    ) -> (u16, Value) {
        let url = running.url().join(path).unwrap();
        let response = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .header("authorization", basic(KEY))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    #[test]
    fn gzip_bodies_are_taken_as_segment_takes_them() {
        runtime().block_on(async {
            let sink = Sink::new();
            let running = sink.start("127.0.0.1:0").await.unwrap();
            let single = r#"{"userId":"cus_1","event":"Order Completed","messageId":"g1"}"#;
            let answer = post_encoded(&running, "/v1/track", gzipped(single), "gzip").await;
            assert_eq!(answer, (200, json!({"success": true})));

            let batch = json!({"batch": [
                {"type": "track", "userId": "u1", "event": "E", "messageId": "g2"},
                {"type": "identify", "userId": "u2", "messageId": "g3"},
            ]})
            .to_string();
            let answer = post_encoded(&running, "/v1/batch", gzipped(&batch), "GZIP").await;
            assert_eq!(answer, (200, json!({"success": true})));

            // Small on the wire, over 32 KB once decompressed: the limit is on the call.
            let big = format!(
                r#"{{"userId":"u","event":"E","properties":{{"p":"{}"}}}}"#,
                "x".repeat(MAX_CALL_BYTES)
            );
            let small = gzipped(&big);
            assert!(small.len() < 1_000);
            let (status, body) = post_encoded(&running, "/v1/track", small, "gzip").await;
            assert_eq!(status, 400);
            let message = body["message"].as_str().unwrap();
            assert!(
                message.contains("decompressed") && message.contains("32 KB"),
                "{message}"
            );

            // A gzip bomb: 100 MB of zeros in a small body, refused without inflating it all.
            let bomb = {
                use std::io::Write as _;
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                let zeros = vec![b'0'; 1 << 20];
                for _ in 0..100 {
                    encoder.write_all(&zeros).unwrap();
                }
                encoder.finish().unwrap()
            };
            let (status, _) = post_encoded(&running, "/v1/batch", bomb, "gzip").await;
            assert_eq!(status, 400);

            let mut corrupt = gzipped(single);
            corrupt.truncate(corrupt.len() / 2);
            let (status, body) = post_encoded(&running, "/v1/track", corrupt, "gzip").await;
            assert_eq!(status, 400);
            let message = body["message"].as_str().unwrap();
            assert!(message.contains("Invalid gzip body"), "{message}");
            let (status, _) =
                post_encoded(&running, "/v1/track", b"not gzip".to_vec(), "gzip").await;
            assert_eq!(status, 400);

            let (status, body) =
                post_encoded(&running, "/v1/track", single.as_bytes().to_vec(), "br").await;
            assert_eq!(status, 400);
            assert!(body["message"].as_str().unwrap().contains("not supported"));

            let calls = sink.calls();
            let verdicts: Vec<String> = calls.iter().map(|c| c.verdict.to_string()).collect();
            assert_eq!(
                verdicts,
                [
                    "accepted",
                    "accepted",
                    "accepted",
                    "rejected (body over 32 KB)",
                    "rejected (batch over 500 KB)",
                    "rejected (invalid gzip)",
                    "rejected (invalid gzip)",
                    "rejected (compressed body)",
                ]
            );
            assert_eq!(calls[0].message_id.as_deref(), Some("g1"));
            assert_eq!(calls[0].bytes, single.len(), "the decompressed size");
            assert_eq!(calls[2].message_id.as_deref(), Some("g3"));
            assert_eq!(calls[0].write_key.as_deref(), Some("Q7mv…aZ1u"));
        });
    }

    #[test]
    fn keys_are_masked_everywhere_in_a_body() {
        let mut body = json!({
            "writeKey": KEY,
            "userId": "u",
            "context": {"note": format!("key={KEY}"), "list": [KEY]},
            "batch": [{"writeKey": "short"}],
        });
        mask_keys(&mut body, &[KEY.to_string()]);
        let text = body.to_string();
        assert!(!text.contains(KEY), "{text}");
        assert_eq!(body["writeKey"], "Q7mv…aZ1u");
        assert_eq!(body["batch"][0]["writeKey"], "…");
        assert_eq!(body["context"]["note"], "key=Q7mv…aZ1u");
        // A short key is masked only where it is the whole string.
        let mut body = json!({"userId": "abc", "event": "abcdef"});
        mask_keys(&mut body, &["abc".to_string()]);
        assert_eq!(body, json!({"userId": "…", "event": "abcdef"}));
    }

    #[test]
    fn answers_and_records_like_segment() {
        runtime().block_on(async {
            let sink = Sink::new();
            let running = sink.start("127.0.0.1:0").await.unwrap();
            let auth = basic(KEY);
            let headers = [("authorization", auth.as_str()), ("x-retry-count", "2")];
            let (status, body) = post(
                &running,
                "/v1/track",
                r#"{"userId":"cus_1","event":"Order Completed","messageId":"m1"}"#,
                &headers,
            )
            .await;
            assert_eq!((status, body), (200, json!({"success": true})));

            let (status, body) = post(&running, "/v1/track", "{", &headers).await;
            assert_eq!(status, 400);
            assert_eq!(body["success"], false);
            assert!(body["message"].as_str().unwrap().contains("Invalid JSON"));

            let (status, body) = post(&running, "/v1/identify", r#"{"userId":"u"}"#, &[]).await;
            assert_eq!(
                (status, body),
                (
                    400,
                    json!({"success": false, "message": "An invalid write key was provided"})
                )
            );

            let with_key = format!(r#"{{"writeKey":"{KEY}","event":"E"}}"#);
            let (status, _) = post(&running, "/v1/track", &with_key, &[]).await;
            assert_eq!(status, 200);

            let (status, body) = post(&running, "/v1/flush", "{}", &headers).await;
            assert_eq!(status, 404);
            assert_eq!(body["success"], false);

            let big = format!(
                r#"{{"userId":"u","event":"E","properties":{{"p":"{}"}}}}"#,
                "x".repeat(MAX_CALL_BYTES)
            );
            let (status, body) = post(&running, "/v1/track", &big, &headers).await;
            assert_eq!(status, 400);
            assert!(body["message"].as_str().unwrap().contains("32 KB"));

            let calls = sink.calls();
            let verdicts: Vec<String> = calls.iter().map(|c| c.verdict.to_string()).collect();
            assert_eq!(
                verdicts,
                [
                    "accepted",
                    "rejected (invalid JSON)",
                    "rejected (invalid write key)",
                    "dropped (no userId/anonymousId)",
                    "rejected (unknown path)",
                    "rejected (body over 32 KB)",
                ]
            );
            let first = &calls[0];
            assert_eq!(first.seq, 1);
            assert_eq!(first.call_type.as_deref(), Some("track"));
            assert_eq!(first.event.as_deref(), Some("Order Completed"));
            assert_eq!(first.message_id.as_deref(), Some("m1"));
            assert_eq!(first.retry_count.as_deref(), Some("2"));
            assert_eq!(first.write_key.as_deref(), Some("Q7mv…aZ1u"));
            assert_eq!(calls[5].status, 400);
            assert!(calls[5].body().is_none());
            assert_eq!(
                calls[0].body(),
                Some(json!({"userId":"cus_1","event":"Order Completed","messageId":"m1"}))
            );
            let all: String = calls
                .iter()
                .map(|c| String::from_utf8_lossy(&c.record).into_owned())
                .collect();
            assert!(!all.contains(KEY));
        });
    }

    #[test]
    fn batches_are_recorded_item_by_item() {
        runtime().block_on(async {
            let sink = Sink::new();
            let running = sink.start("127.0.0.1:0").await.unwrap();
            let mut live = sink.subscribe();
            let batch = json!({
                "writeKey": KEY,
                "batch": [
                    {"type": "identify", "userId": "u1", "messageId": "a"},
                    {"type": "track", "anonymousId": "x", "event": "E", "messageId": "b"},
                    {"type": "track", "userId": "u1"},
                    {"type": "track", "userId": "u1", "event": "E", "messageId": "b"},
                ]
            });
            let (status, _) = post(&running, "/v1/batch", &batch.to_string(), &[]).await;
            assert_eq!(status, 200);
            let calls = sink.calls();
            let summary: Vec<(Option<&str>, Option<usize>, String)> = calls
                .iter()
                .map(|c| (c.call_type.as_deref(), c.batch_index, c.verdict.to_string()))
                .collect();
            assert_eq!(
                summary,
                [
                    (Some("identify"), Some(0), "accepted".to_string()),
                    (Some("track"), Some(1), "accepted".to_string()),
                    (Some("track"), Some(2), "dropped (no event)".to_string()),
                    (
                        Some("track"),
                        Some(3),
                        "dropped (duplicate messageId)".to_string()
                    ),
                ]
            );
            assert_eq!(live.recv().await.unwrap().seq, 1);

            let items: Vec<Value> = (0..=MAX_BATCH_EVENTS)
                .map(|i| json!({"type": "track", "userId": "u", "event": "E", "messageId": i}))
                .collect();
            let batch = json!({"batch": items});
            let auth = basic(KEY);
            let (status, _) = post(
                &running,
                "/v1/import",
                &batch.to_string(),
                &[("authorization", &auth)],
            )
            .await;
            assert_eq!(status, 200);
            let calls = sink.calls_since(4);
            assert_eq!(calls.len(), MAX_BATCH_EVENTS + 1);
            assert!(
                calls
                    .iter()
                    .all(|c| c.verdict.to_string() == "dropped (batch over 2,500 events)")
            );

            let (status, body) = post(
                &running,
                "/v1/batch",
                &format!(r#"{{"writeKey":"{KEY}","batch":{{}}}}"#),
                &[],
            )
            .await;
            assert_eq!(status, 400);
            assert!(body["message"].as_str().unwrap().contains("array"));
        });
    }

    #[test]
    fn a_batch_item_is_kept_as_compact_json_with_its_keys_masked() {
        runtime().block_on(async {
            let sink = Sink::new();
            let running = sink.start("127.0.0.1:0").await.unwrap();
            let items = [
                json!({"type": "track", "userId": "u1", "event": "E é", "properties": {"n": 1.5e2}}),
                json!({"type": "track", "userId": "u2", "event": "E", "context": {"writeKey": "x"}}),
                json!({"type": "identify", "userId": "u3", "traits": {"note": format!("k={KEY}")}}),
                json!({"type": "identify", "userId": "u4", "traits": {"list": [KEY, "plain"]}}),
            ];
            // Written loosely: spaces, escapes, an exponent; kept as compact JSON.
            let body = format!(
                "{{ \"writeKey\" : \"{KEY}\", \"batch\" : [ {} ] }}",
                items
                    .iter()
                    .map(|item| {
                        serde_json::to_string_pretty(item)
                            .unwrap()
                            .replace("é", "\\u00e9")
                            .replace("150.0", "1.5e2")
                    })
                    .collect::<Vec<_>>()
                    .join(" ,\n")
            );
            let (status, _) = post(&running, "/v1/batch", &body, &[]).await;
            assert_eq!(status, 200);
            let calls = sink.calls();
            assert_eq!(calls.len(), items.len());
            for (call, item) in calls.iter().zip(&items) {
                let mut masked = item.clone();
                mask_keys(&mut masked, &[KEY.to_string()]);
                assert_eq!(call.bytes, item.to_string().len());
                let record: Value = serde_json::from_slice(&call.record).unwrap();
                assert_eq!(record["body"], masked);
                let text = std::str::from_utf8(&call.record).unwrap();
                assert!(text.contains(&masked.to_string()), "{text}");
                assert!(!text.contains(KEY), "{text}");
            }
            assert_eq!(calls[1].body().unwrap()["context"]["writeKey"], "…");
            assert_eq!(calls[2].user_id.as_deref(), Some("u3"));
        });
    }

    #[test]
    fn only_the_last_calls_are_kept() {
        let sink = Sink::with_limit(3);
        let received = Received::new(&HeaderMap::new(), "/v1/track".into());
        let calls = (0..5)
            .map(|i| {
                let mut call = received.base(
                    Some("track"),
                    10,
                    Some(json!({"userId": "u", "event": "E", "messageId": format!("m{i}")})),
                );
                call.call.message_id = Some(format!("m{}", i % 2));
                call
            })
            .collect();
        sink.record(calls);
        let kept = sink.calls();
        assert_eq!(
            kept.iter().map(|c| c.seq).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        assert_eq!(sink.calls_since(4).len(), 1);
    }

    #[test]
    fn a_started_sink_serves_until_dropped() {
        runtime().block_on(async {
            let sink = Sink::new();
            let running = sink.start("127.0.0.1:0").await.unwrap();
            assert_eq!(running.url().host_str(), Some("127.0.0.1"));
            let addr = format!("127.0.0.1:{}", running.url().port().unwrap());
            let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.unwrap();
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            drop(running);
            // The server task closes its listener once it sees the handle gone.
            let mut refused = false;
            for _ in 0..250 {
                if tokio::net::TcpStream::connect(&addr).await.is_err() {
                    refused = true;
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            assert!(refused, "{addr} still answers after the handle was dropped");
        });
    }

    /// GETs a path; the status, the `Link` header and the JSON answer.
    async fn get_page(running: &RunningSink, path: &str) -> (u16, Option<String>, Value) {
        let url = running.url().join(path).unwrap();
        let response = reqwest::get(url).await.unwrap();
        let status = response.status().as_u16();
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string());
        (status, link, response.json().await.unwrap())
    }

    #[test]
    fn the_byte_limit_holds_and_pages_of_calls_list_each_kept_call_once() {
        runtime().block_on(async {
            let sink = Sink::with_options(SinkOptions {
                max_bytes: MIN_MAX_BYTES,
                ..SinkOptions::default()
            });
            let running = sink.start("127.0.0.1:0").await.unwrap();
            let auth = basic(KEY);
            let padding = "x".repeat(31_000);
            for i in 0..100 {
                let body = json!({"userId": "u", "event": "E", "messageId": format!("m{i}"),
                    "properties": {"p": padding}});
                let (status, _) = post(
                    &running,
                    "/v1/track",
                    &body.to_string(),
                    &[("authorization", auth.as_str())],
                )
                .await;
                assert_eq!(status, 200);
            }
            assert!(sink.kept_bytes() <= MIN_MAX_BYTES, "{}", sink.kept_bytes());
            let mut seqs = Vec::new();
            let mut path = "/calls?limit=7".to_string();
            loop {
                let (status, link, page) = get_page(&running, &path).await;
                assert_eq!(status, 200);
                let page = page.as_array().unwrap().clone();
                assert!(page.len() <= 7);
                for call in &page {
                    assert_eq!(call["body"]["properties"]["p"], padding.as_str());
                    seqs.push(call["seq"].as_u64().unwrap());
                }
                match link {
                    Some(link) => {
                        let target = link.split(';').next().unwrap();
                        path = target.trim_matches(|c| c == '<' || c == '>').to_string();
                        assert!(link.ends_with("rel=\"next\""), "{link}");
                    }
                    None => break,
                }
            }
            let first = seqs[0];
            assert!(first > 1, "the oldest calls were dropped");
            assert_eq!(seqs, (first..=100).collect::<Vec<u64>>());
            assert_eq!(seqs.len(), sink.calls().len());
            let (status, link, all) = get_page(&running, "/calls").await;
            assert_eq!((status, link), (200, None));
            assert_eq!(all.as_array().unwrap().len(), seqs.len());
            let (status, _, _) = get_page(&running, "/calls?limit=0").await;
            assert_eq!(status, 400);
            let (status, _, _) = get_page(&running, "/calls?after=x").await;
            assert_eq!(status, 400);
        });
    }

    #[test]
    fn records_keep_what_a_call_carries() {
        let received = Received::new(&HeaderMap::new(), "/v1/page".into());
        let sink = Sink::new();
        sink.record(vec![
            received.base(
                Some("page"),
                99,
                Some(json!({"anonymousId": "a1", "name": "Pricing"})),
            ),
            received.refused(None, 0, None, 404, "unknown path"),
        ]);
        let calls = sink.calls();
        let call = &calls[0];
        assert_eq!(call.anonymous_id.as_deref(), Some("a1"));
        assert_eq!(call.name.as_deref(), Some("Pricing"));
        assert_eq!(
            call.body(),
            Some(json!({"anonymousId": "a1", "name": "Pricing"}))
        );
        assert_eq!((call.bytes, call.status), (99, 200));
        assert_eq!(call.verdict, SinkVerdict::Accepted);
        let record: Value = serde_json::from_slice(&call.record).unwrap();
        let fields: Vec<&str> = record
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            fields,
            [
                "seq",
                "received_at",
                "path",
                "call_type",
                "batch_index",
                "event",
                "user_id",
                "anonymous_id",
                "message_id",
                "bytes",
                "status",
                "verdict",
                "write_key",
                "retry_count",
                "body"
            ],
            "the fields GET /calls has always had"
        );
        let refused = &calls[1];
        assert_eq!(refused.call_type, None);
        assert_eq!(refused.body(), None);
        assert_eq!(refused.status, 404);
        assert_eq!(refused.verdict.to_string(), "rejected (unknown path)");
    }
}
