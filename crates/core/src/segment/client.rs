//! Sending calls to Segment: the target of each call, the write key and where it may go, local
//! size limits, retries that follow Segment's newest libraries (analytics-node, analytics-java),
//! and `/v1/batch` packing.
//!
//! The write key is attached only to requests for Segment's own hosts or for the destination the
//! user chose (an explicit endpoint or the local sink). Everything a caller can see (the request,
//! the answer, the messages, `Debug`) shows it masked.

use std::borrow::{Borrow, Cow};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;
use url::Url;

use super::call::{CallType, Region};
use super::limits::{MAX_BATCH_EVENTS, MAX_CALL_BYTES, SAFE_BATCH_BYTES};
use super::mask::{Redactor, mask_secret, mask_write_keys};
use super::send::{
    BatchPlace, Destination, Outcome, RequestInfo, ResponseBody, SendReport, WriteKey,
};
use crate::text::{self, error_chain, group_digits};
use crate::transform::WebhookOut;

/// The key sent to the local sink when no write key is set: the sink refuses requests without one.
pub const SINK_PLACEHOLDER_KEY: &str = "hookbench-local-sink";

const NOT_SEGMENT_HOST: &str = "not a Segment host: sent without the write key";
/// How much of an answer's body is kept.
const MAX_RESPONSE_BYTES: usize = 1 << 20;
/// How much of an error body goes into a message.
const SHORT_BODY_CHARS: usize = 200;
/// Headers a call may not set: ours, or the ones the HTTP layer owns.
const RESERVED_HEADERS: [&str; 8] = [
    "content-type",
    "content-encoding",
    "authorization",
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
    "x-retry-count",
];

/// How a [`Client`] sends.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub destination: Destination,
    pub write_key: Option<WriteKey>,
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first retry waits `backoff_base` × a random factor in [1, 2); each next one twice as
    /// long.
    pub backoff_base: Duration,
    /// The longest wait between two attempts without `Retry-After`.
    pub backoff_cap: Duration,
    /// The longest `Retry-After` honoured.
    pub retry_after_cap: Duration,
    pub connect_timeout: Duration,
    /// For one whole attempt, answer body included.
    pub request_timeout: Duration,
    /// Build every request exactly as a send would (URL, headers, body) and stop before the
    /// socket: each call is answered with [`Outcome::DryRun`].
    pub dry_run: bool,
    /// Compress request bodies with gzip (`Content-Encoding: gzip`), as Segment accepts.
    pub gzip: bool,
    /// Told of each retry before its wait, so a front end can show it while it waits.
    pub on_retry: Option<RetryObserver>,
}

/// An attempt went wrong and another one follows after a wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNotice {
    /// The attempt that went wrong, from 1.
    pub attempt: u32,
    /// The attempts allowed in all: the first and the retries.
    pub attempts: u32,
    /// What went wrong, for people (key masked): the answer's status and message, or the
    /// transport error.
    pub reason: String,
    /// The wait before the next attempt.
    pub wait: Duration,
}

/// Called with a [`RetryNotice`] before each retry's wait.
#[derive(Clone)]
pub struct RetryObserver(Arc<dyn Fn(RetryNotice) + Send + Sync>);

impl RetryObserver {
    /// An observer calling `notify` for each retry.
    pub fn new(notify: impl Fn(RetryNotice) + Send + Sync + 'static) -> RetryObserver {
        RetryObserver(Arc::new(notify))
    }

    fn notify(&self, notice: RetryNotice) {
        (self.0)(notice);
    }
}

impl std::fmt::Debug for RetryObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RetryObserver")
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            destination: Destination::Segment(Region::Us),
            write_key: None,
            retries: crate::session::DEFAULT_RETRIES,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(60),
            retry_after_cap: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            dry_run: false,
            gzip: false,
            on_retry: None,
        }
    }
}

/// The HTTP client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

/// One call: the transformation's output.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub payload: Value,
}

impl Call {
    pub fn from_webhook(w: &WebhookOut) -> Call {
        Call {
            method: w.method.clone(),
            url: w.url.clone(),
            headers: w.headers.clone(),
            payload: w.payload.clone(),
        }
    }
}

/// A call made ready: messageId and `context.library` filled in (so every attempt carries the
/// same ones), target URL chosen, limits checked. `sentAt` is set again on each attempt.
struct PreparedCall {
    /// What callers see: the key masked.
    request: RequestInfo,
    method: reqwest::Method,
    url: Url,
    /// The headers as sent, key in clear.
    headers: HeaderMap,
    /// The body as sent, key in clear; each attempt sets its own `sentAt`.
    body: PreparedBody,
    /// Who answers, in messages: "Segment", "the local sink" or `host:port`.
    answerer: String,
    /// `host:port` of the target, in connection error messages.
    peer: String,
    /// Said on every delivery of this call (the key was withheld).
    note: Option<&'static str>,
}

/// A prepared request's body, key in clear.
enum PreparedBody {
    /// A call's JSON; each attempt sets its own `sentAt` in it.
    Json(Value),
    /// A `/v1/batch` envelope: its items as written (`[…]`, each item serialised once) and the
    /// key for its `writeKey`. Each attempt writes `{"batch":…,"sentAt":…,"writeKey":…}`, the
    /// text serialising the envelope as a JSON object would give.
    Batch {
        items: String,
        write_key: Option<String>,
    },
}

/// Sends calls. Cloning is cheap and clones share one connection pool, so many sends can run at
/// once.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The options show the key masked; the credentials are left out.
        f.debug_struct("Client")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

struct Inner {
    http: reqwest::Client,
    options: ClientOptions,
    /// Mask the key, then its Basic credentials (`base64("<key>:")`), wherever they appear.
    redactors: Vec<Redactor>,
}

/// Where a call goes.
#[derive(Clone)]
struct Target {
    url: Url,
    /// Segment, or the destination the user chose: the key may be attached.
    trusted: bool,
    /// The base the URL was built on, when trusted.
    base: Option<Url>,
    /// The Segment endpoint the path names (below the base's own path, if any).
    call_type: Option<CallType>,
}

/// A call refused before sending, with the request as far as it was built.
struct Refusal {
    request: RequestInfo,
    message: String,
}

/// One answer.
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Option<ResponseBody>,
    retry_after: Option<Duration>,
}

/// One call's place in a batch run.
enum Job {
    Done(usize, Box<SendReport>),
    Single(usize),
    /// An index into the packs.
    Pack(usize),
}

struct Pack {
    base: Url,
    items: Vec<PackItem>,
    /// Bytes of the envelope with these items.
    bytes: usize,
}

/// A call in a batch.
struct PackItem {
    /// Its index among the calls.
    index: usize,
    /// The item, key in clear.
    item: Value,
    /// The item as written in the envelope.
    json: String,
    /// It has a `writeKey` member somewhere (masked wherever it is shown).
    names_a_key: bool,
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // A redirect could carry the key (in the body) to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Build(error_chain(&e)))?;
        // The key, then its Basic credentials: masked in that order wherever they appear.
        let redactors = options
            .write_key
            .as_ref()
            .map(|key| [key.expose().to_string(), basic_credentials(key.expose())])
            .into_iter()
            .flatten()
            .filter_map(|secret| Redactor::new(&secret))
            .collect();
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                options,
                redactors,
            }),
        })
    }

    pub fn destination(&self) -> &Destination {
        &self.inner.options.destination
    }

    /// Sends a prepared call, retrying as Segment's libraries do. Never panics, never waits
    /// past the retry budget; cancelling `cancel` ends it at once with [`Outcome::Failed`].
    async fn send(&self, prepared: &PreparedCall, cancel: &CancellationToken) -> SendReport {
        if self.is_dry_run() {
            return self.dry_run_report(prepared);
        }
        let mut shown = prepared.request.clone();
        let report = self.send_attempts(prepared, &mut shown, cancel).await;
        SendReport {
            request: shown,
            ..report
        }
    }

    /// The attempts of a send; `shown` gets the body of each attempt as it is written.
    async fn send_attempts(
        &self,
        prepared: &PreparedCall,
        shown: &mut RequestInfo,
        cancel: &CancellationToken,
    ) -> SendReport {
        let options = &self.inner.options;
        let start = Instant::now();
        let mut attempts: u32 = 0;
        let mut last: Option<Answer> = None;
        loop {
            if cancel.is_cancelled() {
                return self.finish(
                    prepared,
                    start,
                    attempts,
                    last,
                    Outcome::Failed,
                    cancelled(attempts),
                );
            }
            attempts += 1;
            let mut headers = prepared.headers.clone();
            if attempts > 1 {
                headers.insert(
                    HeaderName::from_static("x-retry-count"),
                    HeaderValue::from(attempts - 1),
                );
            }
            // Each attempt is a new request made now: its own `sentAt`.
            let sent_at = now_rfc3339();
            let (json, wire) = match self.write_body(&prepared.body, &sent_at) {
                Ok(written) => written,
                Err(message) => {
                    return self.finish(
                        prepared,
                        start,
                        attempts - 1,
                        last,
                        Outcome::Failed,
                        Some(message),
                    );
                }
            };
            shown.written = Some(self.scrub(&json).into());
            set_sent_at(&mut shown.body, &sent_at);
            let request = self
                .inner
                .http
                .request(prepared.method.clone(), prepared.url.clone())
                .headers(headers)
                .body(wire);
            let result = tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    return self.finish(prepared, start, attempts, last, Outcome::Failed, cancelled(attempts));
                }
                result = self.attempt(request, &prepared.peer) => result,
            };
            let wait = match result {
                Ok(answer) => {
                    let status = answer.status;
                    if (200..300).contains(&status) {
                        return self.finish(
                            prepared,
                            start,
                            attempts,
                            Some(answer),
                            Outcome::Delivered,
                            None,
                        );
                    }
                    // Not worth retrying, or no retries left: the answer stands.
                    let rejection = if !is_retryable(status) {
                        Some(answered(&prepared.answerer, status, &answer.body))
                    } else if attempts > options.retries {
                        let mut message = format!(
                            "gave up after {}: last answer {status}",
                            plural(attempts, "attempt")
                        );
                        let short = short_body(&answer.body);
                        if !short.is_empty() {
                            message.push_str(&format!(" ({short})"));
                        }
                        Some(message)
                    } else {
                        None
                    };
                    if let Some(message) = rejection {
                        return self.finish(
                            prepared,
                            start,
                            attempts,
                            Some(answer),
                            Outcome::Rejected,
                            Some(message),
                        );
                    }
                    let wait = answer
                        .retry_after
                        .map(|d| d.min(options.retry_after_cap))
                        .unwrap_or_else(|| self.backoff(attempts - 1));
                    let reason = answered(&prepared.answerer, status, &answer.body);
                    last = Some(answer);
                    (wait, reason)
                }
                Err(failure) => {
                    if attempts > options.retries {
                        let message = format!("{failure} (after {})", plural(attempts, "attempt"));
                        return self.finish(
                            prepared,
                            start,
                            attempts,
                            last,
                            Outcome::Failed,
                            Some(message),
                        );
                    }
                    (self.backoff(attempts - 1), failure)
                }
            };
            let (wait, reason) = wait;
            if let Some(observer) = &options.on_retry {
                observer.notify(RetryNotice {
                    attempt: attempts,
                    attempts: options.retries.saturating_add(1),
                    reason: self.scrub(&reason),
                    wait,
                });
            }
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    return self.finish(prepared, start, attempts, last, Outcome::Failed, cancelled(attempts));
                }
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Fills messageId (UUID v4) and `context.library` when missing, picks the target,
    /// attaches the key where allowed, checks the local size limits, then sends (with `sentAt`
    /// set on each attempt), retrying as Segment's libraries do. A call that may not be sent
    /// gives a Refused delivery, with nothing sent; a dry-run client stops before the socket.
    pub async fn send_call(&self, call: &Call, cancel: &CancellationToken) -> SendReport {
        match self.assemble(call) {
            Ok(prepared) => self.send(&prepared, cancel).await,
            Err(refusal) => self.refused(*refusal),
        }
    }

    /// The delivery of a dry run: the exact request a send would make, outcome DryRun, no
    /// attempt. A call that would be refused gives a Refused delivery (with the request as far
    /// as it was built).
    pub fn dry_run(&self, call: &Call) -> SendReport {
        match self.assemble(call) {
            Ok(prepared) => self.dry_run_report(&prepared),
            Err(refusal) => self.refused(*refusal),
        }
    }

    /// True when nothing is sent: the client was made for a dry run, or the destination is
    /// [`Destination::DryRun`].
    pub fn is_dry_run(&self) -> bool {
        self.inner.options.dry_run || self.inner.options.destination == Destination::DryRun
    }

    /// How deliveries name where calls went: `dry-run` when nothing is sent.
    fn destination_label(&self) -> String {
        if self.is_dry_run() {
            Destination::DryRun.label()
        } else {
            self.destination().label()
        }
    }

    fn refused(&self, refusal: Refusal) -> SendReport {
        self.refused_with(refusal.request, refusal.message)
    }

    fn refused_with(&self, request: RequestInfo, message: impl Into<String>) -> SendReport {
        SendReport {
            destination: self.destination_label(),
            ..refused(self.destination(), request, message)
        }
    }

    /// The body of one request: `sentAt` set to `sent_at`, serialised (the JSON, key in clear)
    /// and as written to the socket (compressed when the client compresses).
    fn write_body(&self, body: &PreparedBody, sent_at: &str) -> Result<(String, Vec<u8>), String> {
        let json = match body {
            PreparedBody::Json(body) => {
                let mut body = body.clone();
                set_sent_at(&mut body, sent_at);
                serde_json::to_string(&body)
                    .map_err(|e| format!("the payload cannot be serialised: {e}"))?
            }
            PreparedBody::Batch { items, write_key } => {
                write_envelope(items, sent_at, write_key.as_deref())
            }
        };
        if !self.inner.options.gzip {
            let wire = json.clone().into_bytes();
            return Ok((json, wire));
        }
        let wire = gzip(json.as_bytes()).map_err(|e| format!("cannot compress the body: {e}"))?;
        Ok((json, wire))
    }

    /// Packs calls into `/v1/batch` requests and sends them; one SendReport per call, in input
    /// order. Calls that cannot go in a batch (for another host, already a batch, of no known
    /// type) are sent one by one; a call over the size limit is refused alone.
    pub async fn send_batch<C: Borrow<Call> + Sync>(
        &self,
        calls: &[C],
        cancel: &CancellationToken,
    ) -> Vec<SendReport> {
        self.send_batches(calls, false, cancel).await
    }

    /// [`Client::send_batch`] for calls that more calls follow: the last batch request, which
    /// those could fill, is not sent, nor any call after its first. The answers of the calls
    /// before it, in order; the others are for the caller to give again, ahead of the calls
    /// that follow, so that no batch request is sent half full before the end.
    pub async fn send_batch_leading<C: Borrow<Call> + Sync>(
        &self,
        calls: &[C],
        cancel: &CancellationToken,
    ) -> Vec<SendReport> {
        self.send_batches(calls, true, cancel).await
    }

    async fn send_batches<C: Borrow<Call> + Sync>(
        &self,
        calls: &[C],
        hold_last: bool,
        cancel: &CancellationToken,
    ) -> Vec<SendReport> {
        let (jobs, mut packs) = self.pack_batches(calls);
        // The calls from the last batch's first on wait for the calls that follow.
        let answered = match (hold_last, packs.last()) {
            (true, Some(last)) => last.items.first().map_or(calls.len(), |item| item.index),
            _ => calls.len(),
        };
        let mut deliveries: Vec<Option<SendReport>> = vec![None; answered];
        for job in jobs {
            match job {
                Job::Done(index, delivery) if index < answered => {
                    deliveries[index] = Some(*delivery);
                }
                Job::Single(index) if index < answered => {
                    deliveries[index] = Some(self.send_call(calls[index].borrow(), cancel).await);
                }
                Job::Pack(p) => {
                    let Some(pack) = packs.get_mut(p) else {
                        continue;
                    };
                    if pack.items.first().is_none_or(|item| item.index >= answered) {
                        continue;
                    }
                    let pack = std::mem::replace(
                        pack,
                        Pack {
                            base: pack.base.clone(),
                            items: Vec::new(),
                            bytes: 0,
                        },
                    );
                    for (index, delivery) in self.send_pack(pack, cancel).await {
                        if let Some(slot) = deliveries.get_mut(index) {
                            *slot = Some(delivery);
                        }
                    }
                }
                Job::Done(..) | Job::Single(_) => {}
            }
        }
        deliveries
            .into_iter()
            .zip(calls)
            .map(|(delivery, call)| {
                delivery.unwrap_or_else(|| {
                    let request = self.display_request(call.borrow());
                    self.refused_with(request, "the call was not sent")
                })
            })
            .collect()
    }

    fn key(&self) -> Option<&str> {
        self.inner.options.write_key.as_ref().map(WriteKey::expose)
    }

    /// Masks the key (and its Basic form) wherever it appears in `text`.
    fn scrub(&self, text: &str) -> String {
        self.scrubbed(text).into_owned()
    }

    /// [`Client::scrub`], borrowed when there is nothing to mask.
    fn scrubbed<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for redactor in &self.inner.redactors {
            if let Cow::Owned(clean) = redactor.redact(&text) {
                text = Cow::Owned(clean);
            }
        }
        text
    }

    fn scrub_value(&self, value: &mut Value) {
        mask_write_keys(value, &|s| match self.scrubbed(s) {
            Cow::Owned(clean) => Some(clean),
            Cow::Borrowed(_) => None,
        });
    }

    fn backoff(&self, retry: u32) -> Duration {
        let options = &self.inner.options;
        backoff_delay(options.backoff_base, options.backoff_cap, retry, jitter())
    }

    /// Where a call's URL sends it.
    fn target(&self, raw: &str) -> Result<Target, String> {
        target_on(&self.inner.options.destination, raw)
    }

    /// The key to attach to a request for a trusted target.
    fn attached_key(&self, trusted: bool) -> Option<String> {
        if !trusted {
            return None;
        }
        match (
            &self.inner.options.write_key,
            &self.inner.options.destination,
        ) {
            (Some(key), _) => Some(key.expose().to_string()),
            (None, Destination::Sink(_)) => Some(SINK_PLACEHOLDER_KEY.to_string()),
            (None, _) => None,
        }
    }

    /// Builds the request of a call, or says why it may not be sent.
    fn assemble(&self, call: &Call) -> Result<PreparedCall, Box<Refusal>> {
        self.assemble_showing(call, true)
    }

    /// [`Client::assemble`]; with `show_body` false the request shown has a null body (a batch
    /// envelope: each of its calls shows its own item, and the whole body is in `written`).
    fn assemble_showing(&self, call: &Call, show_body: bool) -> Result<PreparedCall, Box<Refusal>> {
        let refuse = |message: String| {
            Box::new(Refusal {
                request: self.display_request(call),
                message,
            })
        };
        let method = parse_method(&call.method).map_err(refuse)?;
        let target = self.target(&call.url).map_err(refuse)?;
        let key = self.attached_key(target.trusted);
        let call_type = target.call_type;

        let mut body = call.payload.clone();
        complete_messages(&mut body, call_type);
        if let Value::Object(map) = &mut body {
            match &key {
                Some(key) => {
                    map.insert("writeKey".to_string(), Value::String(key.clone()));
                }
                None if !target.trusted => {
                    // The configured key must not reach another host, even if the payload
                    // carries it.
                    if let (Some(Value::String(k)), Some(ours)) = (map.get("writeKey"), self.key())
                        && k == ours
                    {
                        map.shift_remove("writeKey");
                    }
                }
                None => {}
            }
        }
        // `sentAt` is always 24 characters: the size of this body is the size of every
        // attempt's.
        set_sent_at(&mut body, &now_rfc3339());
        let json = serde_json::to_string(&body)
            .map_err(|e| refuse(format!("the payload cannot be serialised: {e}")))?;

        let (headers, shown) = self
            .headers(key.as_deref(), &call.headers)
            .map_err(refuse)?;
        let shown_body = if show_body {
            let mut shown = body.clone();
            self.scrub_value(&mut shown);
            shown
        } else {
            Value::Null
        };
        let request = RequestInfo {
            method: method.as_str().to_string(),
            url: self.scrub(&crate::text::without_userinfo(target.url.as_str())),
            headers: shown,
            body: shown_body,
            batch: None,
            written: Some(self.scrub(&json).into()),
        };
        let refuse_with = |message: String| {
            Box::new(Refusal {
                request: request.clone(),
                message,
            })
        };
        check_limits(&body, json.len(), call_type).map_err(refuse_with)?;

        let peer = peer(&target.url);
        let answerer = if !target.trusted {
            peer.clone()
        } else if matches!(self.inner.options.destination, Destination::Sink(_)) {
            "the local sink".to_string()
        } else {
            "Segment".to_string()
        };
        Ok(PreparedCall {
            request,
            method,
            url: target.url,
            headers,
            body: PreparedBody::Json(body),
            answerer,
            peer,
            note: (!target.trusted).then_some(NOT_SEGMENT_HOST),
        })
    }

    /// The request headers (key in clear) and how they are shown (key masked).
    fn headers(
        &self,
        key: Option<&str>,
        extra: &BTreeMap<String, String>,
    ) -> Result<(HeaderMap, BTreeMap<String, String>), String> {
        let mut sent = HeaderMap::new();
        let mut shown = BTreeMap::new();
        let mut put = |name: &str, value: &str, display: String| -> Result<(), String> {
            let header = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| format!("the header name {:?} is not valid", self.scrub(name)))?;
            let mut value = HeaderValue::from_bytes(value.trim().as_bytes()).map_err(|_| {
                format!(
                    "the value of the header {:?} is not valid",
                    self.scrub(name)
                )
            })?;
            if header == reqwest::header::AUTHORIZATION {
                value.set_sensitive(true);
            }
            // One entry per name, whatever its case.
            shown.retain(|n: &String, _| !n.eq_ignore_ascii_case(header.as_str()));
            shown.insert(name.trim().to_string(), display);
            sent.insert(header, value);
            Ok(())
        };
        let user_agent = format!("hookbench/{}", env!("CARGO_PKG_VERSION"));
        put(
            "Content-Type",
            "application/json",
            "application/json".to_string(),
        )?;
        if self.inner.options.gzip {
            put("Content-Encoding", "gzip", "gzip".to_string())?;
        }
        put("User-Agent", &user_agent, user_agent.clone())?;
        if let Some(key) = key {
            put(
                "Authorization",
                &format!("Basic {}", basic_credentials(key)),
                format!("Basic {}", mask_secret(key)),
            )?;
        }
        for (name, value) in extra {
            let lower = name.trim().to_ascii_lowercase();
            if RESERVED_HEADERS.contains(&lower.as_str()) {
                continue;
            }
            put(name, value, self.scrub(value))?;
        }
        Ok((sent, shown))
    }

    /// The request of a call as far as it can be shown without building it (for refusals).
    fn display_request(&self, call: &Call) -> RequestInfo {
        let mut body = call.payload.clone();
        self.scrub_value(&mut body);
        let headers = call
            .headers
            .iter()
            .filter(|(name, _)| !name.trim().eq_ignore_ascii_case("authorization"))
            .map(|(name, value)| (name.clone(), self.scrub(value)))
            .collect();
        let method = parse_method(&call.method)
            .map(|m| m.as_str().to_string())
            .unwrap_or_else(|_| call.method.clone());
        let url = self
            .target(&call.url)
            .map(|t| t.url.to_string())
            .unwrap_or_else(|_| call.url.clone());
        RequestInfo {
            method,
            url: self.scrub(&crate::text::without_userinfo(&url)),
            headers,
            body,
            batch: None,
            written: None,
        }
    }

    /// One attempt: the answer, or what went wrong (key masked).
    async fn attempt(
        &self,
        request: reqwest::RequestBuilder,
        peer: &str,
    ) -> Result<Answer, String> {
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Err(self.scrub(&self.describe(&e, peer))),
        };
        let status = response.status().as_u16();
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in response.headers() {
            let value = self.scrub(&String::from_utf8_lossy(value.as_bytes()));
            headers
                .entry(name.as_str().to_ascii_lowercase())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let mut raw = Vec::new();
        // A body cut short (timeout, reset) still leaves the status: keep what came.
        while let Ok(Some(chunk)) = response.chunk().await {
            let room = MAX_RESPONSE_BYTES.saturating_sub(raw.len());
            raw.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if raw.len() >= MAX_RESPONSE_BYTES {
                break;
            }
        }
        Ok(Answer {
            status,
            headers,
            body: self.parse_body(&raw),
            retry_after,
        })
    }

    fn parse_body(&self, raw: &[u8]) -> Option<ResponseBody> {
        if raw.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        match serde_json::from_slice::<Value>(raw) {
            Ok(mut value) => {
                self.scrub_value(&mut value);
                Some(ResponseBody::Json(value))
            }
            Err(_) => Some(ResponseBody::Text(
                self.scrub(&String::from_utf8_lossy(raw)),
            )),
        }
    }

    /// A transport error, for people: what failed, where.
    fn describe(&self, e: &reqwest::Error, peer: &str) -> String {
        let options = &self.inner.options;
        let cause = root_cause(e);
        if e.is_timeout() {
            if e.is_connect() {
                format!(
                    "cannot connect to {peer}: no connection within {}",
                    seconds(options.connect_timeout)
                )
            } else {
                format!(
                    "no answer from {peer} within {}",
                    seconds(options.request_timeout)
                )
            }
        } else if e.is_connect() {
            if text::sources(e).any(|t| t.to_string().starts_with("dns error")) {
                let host = peer.rsplit_once(':').map_or(peer, |(host, _)| host);
                format!("cannot resolve {host}: {cause}")
            } else {
                format!("cannot connect to {peer}: {cause}")
            }
        } else {
            format!("the request to {peer} failed: {cause}")
        }
    }

    fn finish(
        &self,
        prepared: &PreparedCall,
        start: Instant,
        attempts: u32,
        answer: Option<Answer>,
        outcome: Outcome,
        message: Option<String>,
    ) -> SendReport {
        let message = match (prepared.note, message) {
            (Some(note), Some(message)) => Some(format!("{note}; {message}")),
            (Some(note), None) => Some(note.to_string()),
            (None, message) => message,
        };
        let (status, response_headers, body) = match answer {
            Some(a) => (Some(a.status), a.headers, a.body),
            None => (None, BTreeMap::new(), None),
        };
        SendReport {
            destination: self.destination_label(),
            request: prepared.request.clone(),
            status,
            response_headers,
            body,
            attempts,
            latency_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
            outcome,
            message: message.map(|m| self.scrub(&m)),
        }
    }

    fn dry_run_report(&self, prepared: &PreparedCall) -> SendReport {
        SendReport::dry_run(
            self.destination_label(),
            prepared.request.clone(),
            prepared.note.map(str::to_string),
        )
    }

    /// Sorts calls into batches (greedy, in input order), single sends and refusals.
    fn pack_batches<C: Borrow<Call>>(&self, calls: &[C]) -> (Vec<Job>, Vec<Pack>) {
        let mut jobs = Vec::new();
        let mut packs: Vec<Pack> = Vec::new();
        let mut open: Option<usize> = None;
        let sent_at = now_rfc3339();
        let overhead = self.envelope_overhead(&sent_at);
        // The calls of a stream mostly share a URL: its target is worked out once.
        let mut last_target: Option<(&str, Result<Target, String>)> = None;
        for (index, call) in calls.iter().enumerate() {
            let call = call.borrow();
            let target = match &last_target {
                Some((url, target)) if *url == call.url => target.clone(),
                _ => {
                    let target = self.target(&call.url);
                    last_target = Some((&call.url, target.clone()));
                    target
                }
            };
            let Ok(target) = target else {
                jobs.push(Job::Single(index));
                continue;
            };
            let (Some(base), Some(call_type), Value::Object(payload)) =
                (target.base, target.call_type, &call.payload)
            else {
                jobs.push(Job::Single(index));
                continue;
            };
            if !target.trusted || call_type.is_batch() || parse_method(&call.method).is_err() {
                jobs.push(Job::Single(index));
                continue;
            }
            let item = batch_item(payload, call_type);
            let json = serde_json::to_string(&item).unwrap_or_default();
            let size = if json.is_empty() {
                usize::MAX
            } else {
                json.len()
            };
            if size > MAX_CALL_BYTES {
                let request = self.batch_request(&batch_url(&base), &item);
                let message = format!(
                    "the call is {} bytes; Segment accepts at most {} per call",
                    group_digits(size),
                    group_digits(MAX_CALL_BYTES)
                );
                jobs.push(Job::Done(
                    index,
                    Box::new(self.refused_with(request, message)),
                ));
                continue;
            }
            let names_a_key = json.contains("\"writeKey\"");
            let item = PackItem {
                index,
                item,
                json,
                names_a_key,
            };
            let open_pack = open.and_then(|p| packs.get_mut(p)).filter(|pack| {
                pack.base == base
                    && pack.items.len() < MAX_BATCH_EVENTS
                    && pack.bytes + 1 + size <= SAFE_BATCH_BYTES
            });
            match open_pack {
                Some(pack) => {
                    pack.bytes += 1 + size;
                    pack.items.push(item);
                }
                None => {
                    packs.push(Pack {
                        base,
                        items: vec![item],
                        bytes: overhead + size,
                    });
                    open = Some(packs.len() - 1);
                    jobs.push(Job::Pack(packs.len() - 1));
                }
            }
        }
        (jobs, packs)
    }

    /// Bytes of a batch envelope with no items.
    fn envelope_overhead(&self, sent_at: &str) -> usize {
        let key = self.attached_key(true);
        write_envelope("[]", sent_at, key.as_deref()).len()
    }

    /// A batched call's request: the batch's method, URL and headers, the item as its body.
    fn batch_request(&self, batch_url: &Url, item: &Value) -> RequestInfo {
        let mut body = item.clone();
        self.scrub_value(&mut body);
        let key = self.attached_key(true);
        let headers = self
            .headers(key.as_deref(), &BTreeMap::new())
            .map(|(_, shown)| shown)
            .unwrap_or_default();
        RequestInfo {
            method: "POST".to_string(),
            url: self.scrub(&crate::text::without_userinfo(batch_url.as_str())),
            headers,
            body,
            batch: None,
            written: None,
        }
    }

    /// The request of one batch, built from its items as written, or why it may not be sent.
    /// The whole body shown (`written`, key masked) is worked out here only when no attempt
    /// will write it: for a dry run, or a refusal.
    fn assemble_batch(
        &self,
        batch_url: &Url,
        items: &[PackItem],
    ) -> Result<PreparedCall, Box<Refusal>> {
        let key = self.attached_key(true);
        let mut written =
            String::with_capacity(items.iter().map(|item| item.json.len() + 1).sum::<usize>() + 1);
        written.push('[');
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                written.push(',');
            }
            written.push_str(&item.json);
        }
        written.push(']');
        let sent_at = now_rfc3339();
        // `sentAt` is always 24 characters: the size now is the size of every attempt's body.
        let size = self.envelope_overhead(&sent_at) + written.len() - "[]".len();
        let body = PreparedBody::Batch {
            items: written,
            write_key: key.clone(),
        };
        let (headers, shown) =
            self.headers(key.as_deref(), &BTreeMap::new())
                .map_err(|message| {
                    Box::new(Refusal {
                        request: self.batch_request(batch_url, &Value::Null),
                        message,
                    })
                })?;
        let mut request = RequestInfo {
            method: reqwest::Method::POST.as_str().to_string(),
            url: self.scrub(&crate::text::without_userinfo(batch_url.as_str())),
            headers: shown,
            body: Value::Null,
            batch: None,
            written: None,
        };
        let refusal =
            check_batch_limits(size, items.len(), items.iter().map(|i| i.json.len())).err();
        if (refusal.is_some() || self.is_dry_run())
            && let Ok((json, _)) = self.write_body(&body, &sent_at)
        {
            request.written = Some(self.scrub(&json).into());
        }
        if let Some(message) = refusal {
            return Err(Box::new(Refusal { request, message }));
        }
        let peer = peer(batch_url);
        let answerer = if matches!(self.inner.options.destination, Destination::Sink(_)) {
            "the local sink".to_string()
        } else {
            "Segment".to_string()
        };
        Ok(PreparedCall {
            request,
            method: reqwest::Method::POST,
            url: batch_url.clone(),
            headers,
            body,
            answerer,
            peer,
            note: None,
        })
    }

    /// Sends one batch; a delivery for each of its calls, each showing its own item.
    async fn send_pack(&self, pack: Pack, cancel: &CancellationToken) -> Vec<(usize, SendReport)> {
        let batch_url = batch_url(&pack.base);
        let mut delivery = match self.assemble_batch(&batch_url, &pack.items) {
            Ok(prepared) => self.send(&prepared, cancel).await,
            Err(refusal) => self.refused(*refusal),
        };
        // The items show as written unless the body shown (key masked) differs from the body
        // sent before its `sentAt`: then each item is masked on its own.
        let items_shown_as_sent = delivery
            .request
            .written
            .as_deref()
            .and_then(|shown| shown.as_bytes().strip_prefix(ENVELOPE_HEAD.as_bytes()))
            .is_some_and(|shown| starts_with_items(shown, &pack.items));
        delivery.request.body = Value::Null;
        let calls = pack.items.len();
        pack.items
            .into_iter()
            .enumerate()
            .map(|(place, item)| {
                let mut d = delivery.clone();
                d.request.body = item.item;
                if !items_shown_as_sent || item.names_a_key {
                    self.scrub_value(&mut d.request.body);
                }
                d.request.batch = Some(Box::new(BatchPlace {
                    index: place,
                    calls,
                }));
                (item.index, d)
            })
            .collect()
    }
}

/// How a batch envelope's text starts.
const ENVELOPE_HEAD: &str = "{\"batch\":";

/// Whether `shown` starts with the `[…]` of these items as written.
fn starts_with_items(shown: &[u8], items: &[PackItem]) -> bool {
    let mut rest = shown;
    let mut take = |part: &[u8]| match rest.strip_prefix(part) {
        Some(after) => {
            rest = after;
            true
        }
        None => false,
    };
    take(b"[")
        && items
            .iter()
            .enumerate()
            .all(|(n, item)| (n == 0 || take(b",")) && take(item.json.as_bytes()))
        && take(b"]")
}

/// `{"batch":<items>,"sentAt":"<sent_at>"}`, with `"writeKey":"<key>"` last when given: the
/// text the envelope object would serialise to.
fn write_envelope(items: &str, sent_at: &str, write_key: Option<&str>) -> String {
    let string = |text: &str| serde_json::to_string(text).unwrap_or_default();
    let sent_at = string(sent_at);
    let write_key = write_key.map(string);
    let mut json = String::with_capacity(
        items.len() + sent_at.len() + write_key.as_ref().map_or(0, String::len) + 32,
    );
    json.push_str(ENVELOPE_HEAD);
    json.push_str(items);
    json.push_str(",\"sentAt\":");
    json.push_str(&sent_at);
    if let Some(key) = &write_key {
        json.push_str(",\"writeKey\":");
        json.push_str(key);
    }
    json.push('}');
    json
}

impl Destination {
    /// The URL a call whose handler set `url` is sent to here: Segment's URLs (either region)
    /// and the destination's own go to the destination's base with the URL's path; any other
    /// http(s) URL is sent as it is. A dry run keeps the call's own region. The error says why
    /// the URL cannot be sent to.
    pub fn target(&self, url: &str) -> Result<Url, String> {
        target_on(self, url).map(|target| target.url)
    }
}

/// Where a call's URL sends it on `destination`.
fn target_on(destination: &Destination, raw: &str) -> Result<Target, String> {
    let raw = raw.trim();
    let parsed = match Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => url,
        Ok(_) => return Err(format!("the call's url {raw:?} is not an http(s) URL")),
        Err(url::ParseError::RelativeUrlWithoutBase) if raw.starts_with('/') => {
            // A bare path: Segment's endpoint on the destination.
            let base = trusted_base(destination, None)?;
            let url = base
                .join(raw)
                .map_err(|e| format!("the call's url {raw:?} is not valid: {e}"))?;
            let url = on_base(&base, &url);
            return Ok(Target {
                call_type: call_type_below(&base, &url),
                url,
                trusted: true,
                base: Some(base),
            });
        }
        Err(e) => return Err(format!("the call's url {raw:?} is not valid: {e}")),
    };
    let host = parsed.host_str().unwrap_or_default();
    let region = Region::of_host(host);
    let ours = match destination {
        Destination::Endpoint(base) | Destination::Sink(base) => same_origin(base, &parsed),
        Destination::DryRun | Destination::Segment(_) => false,
    };
    if region.is_some() || ours {
        let base = trusted_base(destination, region)?;
        let url = on_base(&base, &parsed);
        Ok(Target {
            call_type: call_type_below(&base, &url),
            url,
            trusted: true,
            base: Some(base),
        })
    } else {
        Ok(Target {
            call_type: CallType::from_path(parsed.path()),
            url: parsed,
            trusted: false,
            base: None,
        })
    }
}

/// The base URL Segment calls go to; `region` is the call's own, which only a dry run uses.
fn trusted_base(destination: &Destination, region: Option<Region>) -> Result<Url, String> {
    let base = match destination {
        Destination::DryRun => Url::parse(match region {
            Some(Region::Eu) => Region::Eu.base_url(),
            _ => Region::Us.base_url(),
        })
        .ok(),
        other => other.base(),
    };
    base.ok_or_else(|| "the destination has no base URL".to_string())
}

/// A SendReport for a call refused before sending (lint errors, size limits, ...).
pub fn refused(
    destination: &Destination,
    request: RequestInfo,
    message: impl Into<String>,
) -> SendReport {
    SendReport::unsent(
        destination.label(),
        request,
        Outcome::Refused,
        Some(message.into()),
    )
}

/// True for the statuses Segment's libraries retry: 408, 410, 429, 460 (Segment's own "try
/// again"), and 5xx except 501, 505 and 511.
pub fn is_retryable(status: u16) -> bool {
    matches!(status, 408 | 410 | 429 | 460)
        || ((500..600).contains(&status) && !matches!(status, 501 | 505 | 511))
}

/// The wait before retry `retry` (0 for the first): `base × 2^retry × factor`, at most `cap`.
/// `factor` is the jitter, in [1, 2).
pub fn backoff_delay(base: Duration, cap: Duration, retry: u32, factor: f64) -> Duration {
    let factor = if factor.is_finite() {
        factor.clamp(1.0, 2.0)
    } else {
        1.0
    };
    let exponent = i32::try_from(retry.min(1_000)).unwrap_or(1_000);
    let secs = base.as_secs_f64() * 2f64.powi(exponent) * factor;
    if !secs.is_finite() || secs >= cap.as_secs_f64() {
        cap
    } else {
        Duration::from_secs_f64(secs.max(0.0))
    }
}

/// A `Retry-After` value: delay seconds or an HTTP-date (a date in the past is no wait). None
/// for anything else.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn jitter() -> f64 {
    rand::random_range(1.0..2.0)
}

fn basic_credentials(key: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{key}:"))
}

fn parse_method(method: &str) -> Result<reqwest::Method, String> {
    let upper = method.trim().to_ascii_uppercase();
    match upper.as_str() {
        "" | "POST" => Ok(reqwest::Method::POST),
        "PUT" => Ok(reqwest::Method::PUT),
        _ => Err(format!(
            "the method {:?} cannot be sent: Segment takes POST (or PUT)",
            method.trim()
        )),
    }
}

/// Same host and port.
fn same_origin(a: &Url, b: &Url) -> bool {
    match (a.host_str(), b.host_str()) {
        (Some(x), Some(y)) => {
            x.eq_ignore_ascii_case(y) && a.port_or_known_default() == b.port_or_known_default()
        }
        _ => false,
    }
}

/// `url`'s path and query on `base`. A base with a path of its own (`http://host/segment`)
/// prefixes it, unless the path already starts with it.
fn on_base(base: &Url, url: &Url) -> Url {
    let mut out = base.clone();
    let prefix = base_prefix(base);
    let path = url.path();
    let within = !prefix.is_empty()
        && path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if within {
        out.set_path(path);
    } else {
        out.set_path(&format!("{prefix}{path}"));
    }
    out.set_query(url.query());
    out.set_fragment(None);
    out
}

/// A base's own path, without the trailing slash: "" for `https://api.segment.io/`.
fn base_prefix(base: &Url) -> &str {
    base.path().trim_end_matches('/')
}

/// The call type of a URL built on `base`.
fn call_type_below(base: &Url, url: &Url) -> Option<CallType> {
    let path = url.path();
    CallType::from_path(path.strip_prefix(base_prefix(base)).unwrap_or(path))
}

/// `<base>/v1/batch`.
fn batch_url(base: &Url) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("{}{}", base_prefix(base), CallType::Batch.path()));
    url.set_query(None);
    url.set_fragment(None);
    url
}

fn peer(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Completes the call, or each item of a batch, as Segment's libraries send it: a missing (or
/// null) `messageId` and `context.library` filled in.
fn complete_messages(body: &mut Value, call_type: Option<CallType>) {
    let Value::Object(map) = body else { return };
    if call_type.is_some_and(CallType::is_batch) {
        if let Some(Value::Array(items)) = map.get_mut("batch") {
            for item in items {
                if let Value::Object(item) = item {
                    complete_message(item);
                }
            }
        }
    } else {
        complete_message(map);
    }
}

fn complete_message(map: &mut Map<String, Value>) {
    fill_message_id(map);
    fill_library(map);
}

/// `context.library` names hookbench unless the handler set its own; a `context` that is not
/// an object is left as it is (the linter speaks of it).
fn fill_library(map: &mut Map<String, Value>) {
    if map.get("context").is_none_or(Value::is_null) {
        map.insert("context".to_string(), Value::Object(Map::new()));
    }
    if let Some(Value::Object(context)) = map.get_mut("context")
        && context.get("library").is_none_or(Value::is_null)
    {
        context.insert("library".to_string(), library());
    }
}

/// `{name: "hookbench", version}`, as Segment's libraries name themselves.
fn library() -> Value {
    serde_json::json!({"name": "hookbench", "version": env!("CARGO_PKG_VERSION")})
}

/// Sets the request's `sentAt`: when it is made, so Segment can correct the sender's clock.
fn set_sent_at(body: &mut Value, sent_at: &str) {
    if let Value::Object(map) = body {
        map.insert("sentAt".to_string(), Value::String(sent_at.to_string()));
    }
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn fill_message_id(map: &mut Map<String, Value>) {
    if map.get("messageId").is_none_or(Value::is_null) {
        map.insert(
            "messageId".to_string(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
    }
}

/// A call as an item of a batch: its type from the path, a messageId, no writeKey.
fn batch_item(payload: &Map<String, Value>, call_type: CallType) -> Value {
    let mut item = payload.clone();
    item.insert(
        "type".to_string(),
        Value::String(call_type.as_str().to_string()),
    );
    item.shift_remove("writeKey");
    complete_message(&mut item);
    Value::Object(item)
}

/// Always 24 characters (`2026-02-03T10:00:00.000Z`), so batch sizes can be computed ahead.
fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn check_limits(body: &Value, size: usize, call_type: Option<CallType>) -> Result<(), String> {
    if call_type.is_some_and(CallType::is_batch) {
        let items = match body.get("batch") {
            Some(Value::Array(items)) => items.as_slice(),
            _ => &[],
        };
        return check_batch_limits(
            size,
            items.len(),
            items
                .iter()
                .map(|item| serde_json::to_vec(item).map(|b| b.len()).unwrap_or(0)),
        );
    }
    if size > MAX_CALL_BYTES {
        return Err(format!(
            "the call is {} bytes; Segment accepts at most {} per call",
            group_digits(size),
            group_digits(MAX_CALL_BYTES)
        ));
    }
    Ok(())
}

/// Segment's limits on a batch of `size` bytes holding `calls` items of these sizes.
fn check_batch_limits(
    size: usize,
    calls: usize,
    mut item_sizes: impl Iterator<Item = usize>,
) -> Result<(), String> {
    if size > SAFE_BATCH_BYTES {
        return Err(format!(
            "the batch is {} bytes; Segment accepts at most {} per batch",
            group_digits(size),
            group_digits(SAFE_BATCH_BYTES)
        ));
    }
    if calls > MAX_BATCH_EVENTS {
        return Err(format!(
            "the batch has {} calls; Segment accepts at most {} per batch",
            group_digits(calls),
            group_digits(MAX_BATCH_EVENTS)
        ));
    }
    match item_sizes
        .by_ref()
        .enumerate()
        .find(|(_, item_size)| *item_size > MAX_CALL_BYTES)
    {
        Some((n, item_size)) => Err(format!(
            "call {} of the batch is {} bytes; Segment accepts at most {} per call",
            n + 1,
            group_digits(item_size),
            group_digits(MAX_CALL_BYTES)
        )),
        None => Ok(()),
    }
}

/// `1 attempt`, `3 attempts`.
fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn cancelled(attempts: u32) -> Option<String> {
    Some(format!("cancelled after {}", plural(attempts, "attempt")))
}

fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// "Segment answered 400: <what the body says>".
fn answered(answerer: &str, status: u16, body: &Option<ResponseBody>) -> String {
    let short = short_body(body);
    if short.is_empty() {
        format!("{answerer} answered {status}")
    } else {
        format!("{answerer} answered {status}: {short}")
    }
}

/// What an error body says, in a line: its `message`, `error` or `code`, else its first line.
fn short_body(body: &Option<ResponseBody>) -> String {
    let text = match body {
        None => String::new(),
        Some(ResponseBody::Json(value)) => {
            let field =
                ["message", "error", "code"]
                    .iter()
                    .find_map(|name| match value.get(name) {
                        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                        Some(Value::Object(inner)) => inner
                            .get("message")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        _ => None,
                    });
            field.unwrap_or_else(|| value.to_string())
        }
        Some(ResponseBody::Text(text)) => text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .to_string(),
    };
    let text = text.trim();
    if text.chars().count() > SHORT_BODY_CHARS {
        let cut: String = text.chars().take(SHORT_BODY_CHARS).collect();
        format!("{cut}…")
    } else {
        text.to_string()
    }
}

/// The innermost cause of a transport error, in words.
fn root_cause(e: &reqwest::Error) -> String {
    let deepest = text::root_cause(e);
    if let Some(io) = deepest.downcast_ref::<std::io::Error>() {
        use std::io::ErrorKind;
        let known = match io.kind() {
            ErrorKind::ConnectionRefused => Some("connection refused"),
            ErrorKind::ConnectionReset => Some("connection reset"),
            ErrorKind::ConnectionAborted => Some("connection aborted"),
            ErrorKind::TimedOut => Some("timed out"),
            ErrorKind::AddrNotAvailable => Some("address not available"),
            ErrorKind::HostUnreachable => Some("host unreachable"),
            ErrorKind::NetworkUnreachable => Some("network unreachable"),
            _ => None,
        };
        if let Some(text) = known {
            return text.to_string();
        }
    }
    let text = deepest.to_string();
    // "Connection refused (os error 111)" → "Connection refused"
    let text = match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if chars.clone().next().is_some_and(char::is_lowercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_statuses_follow_segment_libraries() {
        for status in [
            408, 410, 429, 460, 500, 502, 503, 504, 506, 507, 508, 510, 599,
        ] {
            assert!(is_retryable(status), "{status} should be retried");
        }
        for status in [
            100, 200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405, 409, 411, 413, 422, 451,
            459, 461, 501, 505, 511, 600,
        ] {
            assert!(!is_retryable(status), "{status} should not be retried");
        }
    }

    #[test]
    fn backoff_doubles_within_the_jitter_and_stops_at_the_cap() {
        let base = Duration::from_millis(500);
        let cap = Duration::from_secs(60);
        assert_eq!(backoff_delay(base, cap, 0, 1.0), Duration::from_millis(500));
        assert_eq!(
            backoff_delay(base, cap, 1, 1.0),
            Duration::from_millis(1_000)
        );
        assert_eq!(
            backoff_delay(base, cap, 3, 1.5),
            Duration::from_millis(6_000)
        );
        for retry in 0..8 {
            let low = base * 2u32.pow(retry);
            for _ in 0..50 {
                let d = backoff_delay(base, cap, retry, jitter());
                assert!(d >= low.min(cap), "retry {retry}: {d:?} < {low:?}");
                assert!(d < (low * 2).max(cap) || d == cap, "retry {retry}: {d:?}");
                assert!(d <= cap);
            }
        }
        // 500 ms × 2^7 = 64 s: over the cap whatever the jitter.
        assert_eq!(backoff_delay(base, cap, 7, 1.0), cap);
        assert_eq!(backoff_delay(base, cap, 40, 1.9), cap);
        assert_eq!(backoff_delay(base, cap, u32::MAX, 1.9), cap);
        // Jitter out of range is clamped, never a panic.
        assert_eq!(backoff_delay(base, cap, 0, f64::NAN), base);
        assert_eq!(backoff_delay(base, cap, 0, 0.1), base);
        assert_eq!(backoff_delay(base, cap, 0, 9.0), base * 2);
        for _ in 0..1_000 {
            let f = jitter();
            assert!((1.0..2.0).contains(&f));
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Tue, 03 Feb 2026 10:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        assert_eq!(
            parse_retry_after("Tue, 03 Feb 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Tue, 03 Feb 2026 09:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        // The obsolete date forms HTTP still accepts.
        assert_eq!(
            parse_retry_after("Tuesday, 03-Feb-26 10:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        for garbage in [
            "",
            "  ",
            "soon",
            "-1",
            "1.5",
            "1s",
            "Tue, 99 Feb 2026 10:00:00 GMT",
        ] {
            assert_eq!(parse_retry_after(garbage, now), None, "{garbage:?}");
        }
    }

    #[test]
    fn error_bodies_are_shortened() {
        let json = |v: Value| Some(ResponseBody::Json(v));
        assert_eq!(
            short_body(&json(
                serde_json::json!({"success": false, "message": "An invalid write key was provided"})
            )),
            "An invalid write key was provided"
        );
        assert_eq!(
            short_body(&json(serde_json::json!({"error": "bad"}))),
            "bad"
        );
        assert_eq!(
            short_body(&json(serde_json::json!({"error": {"message": "nested"}}))),
            "nested"
        );
        assert_eq!(
            short_body(&json(serde_json::json!({"ok": 1}))),
            "{\"ok\":1}"
        );
        assert_eq!(
            short_body(&Some(ResponseBody::Text(
                "\n Bad Request   \n padding".into()
            ))),
            "Bad Request"
        );
        assert_eq!(short_body(&None), "");
        let long = short_body(&Some(ResponseBody::Text("x".repeat(1_000))));
        assert_eq!(long.chars().count(), SHORT_BODY_CHARS + 1);
    }

    #[test]
    fn a_destination_names_the_url_a_call_goes_to() {
        let track = "https://api.segment.io/v1/track";
        let eu_page = "https://events.eu1.segmentapis.com/v1/page";
        let target = |d: &Destination, url: &str| d.target(url).map(|u| u.to_string());
        let sink = Destination::Sink(Url::parse("http://127.0.0.1:9009/").unwrap());
        assert_eq!(
            target(&sink, track).as_deref(),
            Ok("http://127.0.0.1:9009/v1/track")
        );
        let endpoint = Destination::Endpoint(Url::parse("https://proxy.example/seg/").unwrap());
        assert_eq!(
            target(&endpoint, eu_page).as_deref(),
            Ok("https://proxy.example/seg/v1/page")
        );
        let eu = Destination::Segment(Region::Eu);
        assert_eq!(
            target(&eu, track).as_deref(),
            Ok("https://events.eu1.segmentapis.com/v1/track")
        );
        let us = Destination::Segment(Region::Us);
        assert_eq!(
            target(&us, eu_page).as_deref(),
            Ok("https://api.segment.io/v1/page")
        );
        assert_eq!(
            target(&us, "/v1/identify").as_deref(),
            Ok("https://api.segment.io/v1/identify")
        );
        // A dry run keeps the call's region; other hosts are sent to as they are.
        assert_eq!(
            target(&Destination::DryRun, eu_page).as_deref(),
            Ok(eu_page)
        );
        let other = "https://hooks.example/in";
        assert_eq!(target(&us, other).as_deref(), Ok(other));
        assert!(us.target("not a url").is_err());
    }

    #[test]
    fn targets_and_keys() {
        let key = "wk_0123456789abcdefghijklmnopqrstu";
        let endpoint = Url::parse("http://127.0.0.1:4000/").unwrap();
        let client = Client::new(ClientOptions {
            destination: Destination::Endpoint(endpoint),
            write_key: WriteKey::new(key),
            ..ClientOptions::default()
        })
        .unwrap();
        let t = client
            .target("https://api.segment.io/v1/track?x=1#f")
            .unwrap();
        assert!(t.trusted);
        assert_eq!(t.url.as_str(), "http://127.0.0.1:4000/v1/track?x=1");
        let t = client.target("http://127.0.0.1:4000/v1/page").unwrap();
        assert!(t.trusted);
        let t = client.target("http://127.0.0.1:4001/v1/page").unwrap();
        assert!(!t.trusted);
        assert_eq!(t.url.as_str(), "http://127.0.0.1:4001/v1/page");
        let t = client.target("/v1/group").unwrap();
        assert!(t.trusted);
        assert_eq!(t.url.as_str(), "http://127.0.0.1:4000/v1/group");
        assert!(client.target("ftp://api.segment.io/v1/track").is_err());
        assert!(client.target("not a url").is_err());

        let dry = Client::new(ClientOptions {
            destination: Destination::DryRun,
            ..ClientOptions::default()
        })
        .unwrap();
        let t = dry
            .target("https://events.eu1.segmentapis.com/v1/track")
            .unwrap();
        assert_eq!(
            t.url.as_str(),
            "https://events.eu1.segmentapis.com/v1/track"
        );
        let t = dry.target("https://API.segment.io/v1/track").unwrap();
        assert_eq!(t.url.as_str(), "https://api.segment.io/v1/track");

        // An endpoint with a path of its own.
        let prefixed = Client::new(ClientOptions {
            destination: Destination::Endpoint(
                Url::parse("http://10.0.0.1:8080/segment/").unwrap(),
            ),
            ..ClientOptions::default()
        })
        .unwrap();
        for raw in [
            "https://api.segment.io/v1/track",
            "http://10.0.0.1:8080/segment/v1/track",
            "/v1/track",
        ] {
            let t = prefixed.target(raw).unwrap();
            assert!(t.trusted, "{raw}");
            assert_eq!(
                t.url.as_str(),
                "http://10.0.0.1:8080/segment/v1/track",
                "{raw}"
            );
            assert_eq!(t.call_type, Some(CallType::Track), "{raw}");
            assert_eq!(
                batch_url(t.base.as_ref().unwrap()).as_str(),
                "http://10.0.0.1:8080/segment/v1/batch"
            );
        }

        let sink = Client::new(ClientOptions {
            destination: Destination::Sink(Url::parse("http://127.0.0.1:9009").unwrap()),
            ..ClientOptions::default()
        })
        .unwrap();
        assert_eq!(
            sink.attached_key(true).as_deref(),
            Some(SINK_PLACEHOLDER_KEY)
        );
        assert_eq!(sink.attached_key(false), None);
    }

    /// `sentAt`'s value (24 characters) replaced, so two writes of one request compare.
    fn without_sent_at(text: &str) -> String {
        let at = text.find("\"sentAt\":\"").expect("sentAt") + 10;
        format!("{}<sentAt>{}", &text[..at], &text[at + 24..])
    }

    #[test]
    fn a_dry_run_in_each_region_is_the_request_a_send_would_make() {
        let key = "wk_0123456789abcdefghijklmnopqrstu";
        for region in [Region::Us, Region::Eu] {
            for gzip in [false, true] {
                let options = ClientOptions {
                    destination: Destination::Segment(region),
                    write_key: WriteKey::new(key),
                    gzip,
                    ..ClientOptions::default()
                };
                let real = Client::new(options.clone()).unwrap();
                let dry = Client::new(ClientOptions {
                    dry_run: true,
                    ..options
                })
                .unwrap();
                let call = Call {
                    method: "POST".into(),
                    // The preset's URL: a send goes to the destination's region.
                    url: "https://api.segment.io/v1/track".into(),
                    headers: BTreeMap::new(),
                    payload: serde_json::json!({
                        "userId": "cus_1", "event": "Order Completed", "messageId": "m-1",
                    }),
                };
                let shown = dry.dry_run(&call);
                assert_eq!(shown.outcome, Outcome::DryRun);
                assert_eq!(shown.destination, "dry-run");
                let Ok(prepared) = real.assemble(&call) else {
                    panic!("the call is sent")
                };
                let expected_url = format!("{}/v1/track", region.base_url());
                assert_eq!(prepared.url.as_str(), expected_url);
                assert_eq!(shown.request.url, expected_url);
                // The headers sent, the key masked, are the headers shown.
                let sent_headers: BTreeMap<String, String> = prepared
                    .headers
                    .iter()
                    .map(|(name, value)| {
                        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                        // Shown as `Basic <the key masked>`.
                        let value = value.replace(&basic_credentials(key), &mask_secret(key));
                        (name.as_str().to_string(), real.scrub(&value))
                    })
                    .collect();
                let shown_headers: BTreeMap<String, String> = shown
                    .request
                    .headers
                    .iter()
                    .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
                    .collect();
                assert_eq!(
                    sent_headers.get("authorization").map(String::as_str),
                    Some("Basic wk_0…rstu")
                );
                assert_eq!(sent_headers, shown_headers);
                assert_eq!(
                    shown_headers.contains_key("content-encoding"),
                    gzip,
                    "{shown_headers:?}"
                );
                // The body written, the key masked, is the body shown.
                let (json, wire) = real
                    .write_body(&prepared.body, "2026-02-03T10:00:00.000Z")
                    .unwrap();
                assert_eq!(wire.starts_with(&[0x1f, 0x8b]), gzip);
                let written = shown.request.written.as_deref().expect("written");
                assert_eq!(
                    without_sent_at(&real.scrub(&json)),
                    without_sent_at(written)
                );
                assert!(!written.contains(key));
            }
        }
    }

    #[test]
    fn messages_ids_are_filled_once() {
        let mut single = serde_json::json!({"event": "x"});
        complete_messages(&mut single, Some(CallType::Track));
        let id = single["messageId"].as_str().unwrap().to_string();
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        complete_messages(&mut single, Some(CallType::Track));
        assert_eq!(single["messageId"], id.as_str());

        let mut batch = serde_json::json!({"batch": [{"type": "track"}, {"messageId": "kept"}]});
        complete_messages(&mut batch, Some(CallType::Batch));
        assert!(batch.get("messageId").is_none());
        assert!(batch["batch"][0]["messageId"].is_string());
        assert_eq!(batch["batch"][1]["messageId"], "kept");
    }
}
