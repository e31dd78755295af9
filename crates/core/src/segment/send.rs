//! What a send is and what came of it: the write key (never shown in clear), the destination,
//! and the report of one send that every front end shows (`send --output json`'s `"delivery"`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Region;
use super::mask::mask_secret;

/// A Segment write key. `Debug` and `Display` show it masked (`abcd…wxyz`); only
/// [`WriteKey::expose`] gives the key itself, for the places that must send it.
#[derive(Clone, PartialEq, Eq)]
pub struct WriteKey(String);

impl WriteKey {
    /// A key from user input, trimmed; None when empty or whitespace.
    pub fn new(key: &str) -> Option<WriteKey> {
        let key = key.trim();
        (!key.is_empty()).then(|| WriteKey(key.to_string()))
    }

    /// The key in clear: for the Authorization header and the body's `writeKey` only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// First 4 + `…` + last 4 characters; `…` alone for keys too short to show any of.
    pub fn masked(&self) -> String {
        mask_secret(&self.0)
    }

    /// The key's length in characters (Segment's keys have 32).
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> serde::Deserialize<'de> for WriteKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        WriteKey::new(&text).ok_or_else(|| serde::de::Error::custom("the write key is empty"))
    }
}

impl std::fmt::Debug for WriteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WriteKey({})", self.masked())
    }
}

impl std::fmt::Display for WriteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Where calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Nothing is sent: the exact request is shown.
    DryRun,
    /// Segment's own API in a region.
    Segment(Region),
    /// A Segment-compatible endpoint given explicitly (`--endpoint BASE`): treated as Segment,
    /// so the key is sent to it.
    Endpoint(url::Url),
    /// hookbench's local sink at this base URL: does not reach Segment.
    Sink(url::Url),
}

impl Destination {
    /// The base URL calls are sent to (None for a dry run).
    pub fn base(&self) -> Option<url::Url> {
        match self {
            Destination::DryRun => None,
            Destination::Segment(region) => url::Url::parse(region.base_url()).ok(),
            Destination::Endpoint(base) | Destination::Sink(base) => Some(base.clone()),
        }
    }

    /// How the status bar and the `destination` field name it.
    pub fn label(&self) -> String {
        match self {
            Destination::DryRun => "dry-run".to_string(),
            Destination::Segment(Region::Us) => "Segment US".to_string(),
            Destination::Segment(Region::Eu) => "Segment EU".to_string(),
            Destination::Endpoint(base) => {
                format!(
                    "endpoint {}",
                    crate::text::without_userinfo(base.as_str()).trim_end_matches('/')
                )
            }
            Destination::Sink(base) => {
                format!(
                    "local sink {} (does not reach Segment)",
                    crate::text::without_userinfo(base.as_str()).trim_end_matches('/')
                )
            }
        }
    }
}

/// How a send ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A 2xx answer.
    Delivered,
    /// An answer that is not retried (400, other 4xx, 501, 505, 511), or the retries ran out on
    /// a retryable status.
    Rejected,
    /// No answer: connection errors or timeouts until the retries ran out, or cancelled while
    /// waiting to retry.
    Failed,
    /// The transformation cancelled the webhook: nothing was sent.
    Cancelled,
    /// Refused before sending: over the size limit, or lint errors without `--force`.
    Refused,
    /// A dry run: the request was shown, nothing was sent.
    #[serde(rename = "dry-run")]
    DryRun,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Refused => "refused",
            Outcome::DryRun => "dry-run",
        }
    }

    /// True for outcomes that make `send` exit 4.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Rejected | Outcome::Failed | Outcome::Refused)
    }
}

/// The request as sent (or as it would be), with the key masked everywhere.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestInfo {
    pub method: String,
    pub url: String,
    /// Header name → value; `Authorization` masked.
    pub headers: BTreeMap<String, String>,
    /// The body as sent, `writeKey` masked; for a call sent in a batch, its own item.
    pub body: Value,
    /// For a call that went out in a batch request: its place in that request. None for a
    /// request of its own. Boxed: most reports have none, and reports are moved about a lot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<Box<BatchPlace>>,
    /// The whole request body exactly as written (the batch envelope for a batched call),
    /// `writeKey` masked, before any compression: the last attempt's for a send, the one that
    /// would go for a dry run. None when the request was never built. Shared by the calls of
    /// one batch.
    #[serde(serialize_with = "serialize_written")]
    pub written: Option<Arc<str>>,
}

fn serialize_written<S: serde::Serializer>(
    written: &Option<Arc<str>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match written {
        Some(text) => serializer.serialize_some(&**text),
        None => serializer.serialize_none(),
    }
}

/// A call's place in the batch request it went out in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BatchPlace {
    /// Its index in the request's `batch` array.
    pub index: usize,
    /// How many calls the request holds.
    pub calls: usize,
}

impl RequestInfo {
    /// The request body as written, as JSON: [`RequestInfo::written`] when the request was
    /// built (and is JSON), else the call's own body.
    pub fn written_json(&self) -> Value {
        self.written
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_else(|| self.body.clone())
    }

    /// True when this record shows the request's body: a request of its own, or the first call
    /// of a batch request (the other calls of the batch share that body).
    pub fn shows_body(&self) -> bool {
        self.batch.as_ref().is_none_or(|place| place.index == 0)
    }
}

/// The response body, parsed leniently: JSON when it is, else text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ResponseBody {
    Json(Value),
    Text(String),
}

/// One call's delivery: what was sent where, what came back, how it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendReport {
    /// [`Destination::label`].
    pub destination: String,
    pub request: RequestInfo,
    /// The last answer's status, if any answer came.
    pub status: Option<u16>,
    /// The last answer's headers.
    pub response_headers: BTreeMap<String, String>,
    pub body: Option<ResponseBody>,
    /// Requests made (0 when refused, cancelled or a dry run).
    pub attempts: u32,
    /// From the first attempt to the last answer, backoff included.
    pub latency_ms: u64,
    pub outcome: Outcome,
    /// Why it was refused, rejected or failed, for people.
    pub message: Option<String>,
}

impl SendReport {
    /// The report of a dry run: the request a send would make, with nothing sent.
    pub fn dry_run(destination: String, request: RequestInfo, message: Option<String>) -> Self {
        SendReport::unsent(destination, request, Outcome::DryRun, message)
    }

    /// The report of a request that was never made (a dry run, a refusal): no answer, no
    /// attempt.
    pub fn unsent(
        destination: String,
        request: RequestInfo,
        outcome: Outcome,
        message: Option<String>,
    ) -> Self {
        SendReport {
            destination,
            request,
            status: None,
            response_headers: BTreeMap::new(),
            body: None,
            attempts: 0,
            latency_ms: 0,
            outcome,
            message,
        }
    }

    /// The JSON shape of `send --output json`'s `"delivery"` member: destination, request (key
    /// masked, with the body as written), status, the answer's body, attempts, latency and
    /// outcome. A call sent in a batch request carries `request.batch` (`index`, `calls`), and
    /// only the batch's first call carries the request body (the others have null), so that a
    /// batch's output grows with its calls, not with their square.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.json()).unwrap_or(Value::Null)
    }

    /// [`SendReport::to_json`]'s shape, serialised as it is, without building a `Value`.
    pub fn json(&self) -> impl Serialize + '_ {
        DeliveryJson {
            destination: &self.destination,
            request: RequestJson {
                method: &self.request.method,
                url: &self.request.url,
                headers: &self.request.headers,
                batch: self.request.batch.as_deref(),
                body: WrittenBody(&self.request),
            },
            status: self.status,
            body: &self.body,
            attempts: self.attempts,
            latency_ms: self.latency_ms,
            outcome: self.outcome,
            message: &self.message,
        }
    }
}

/// `"delivery"` in the order `send --output json` writes it.
#[derive(Serialize)]
struct DeliveryJson<'a> {
    destination: &'a str,
    request: RequestJson<'a>,
    status: Option<u16>,
    body: &'a Option<ResponseBody>,
    attempts: u32,
    latency_ms: u64,
    outcome: Outcome,
    message: &'a Option<String>,
}

#[derive(Serialize)]
struct RequestJson<'a> {
    method: &'a str,
    url: &'a str,
    headers: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<&'a BatchPlace>,
    body: WrittenBody<'a>,
}

/// The request body as written ([`RequestInfo::written_json`]) where the record shows it, else
/// null.
struct WrittenBody<'a>(&'a RequestInfo);

impl Serialize for WrittenBody<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let request = self.0;
        if !request.shows_body() {
            return serializer.serialize_none();
        }
        // The text as written goes out as it is (a batch body is large): checked, not rebuilt.
        let written = request
            .written
            .as_deref()
            .and_then(|text| serde_json::from_str::<&RawValue>(text).ok());
        match written {
            Some(raw) => raw.serialize(serializer),
            None => request.body.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::mask::redact;

    #[test]
    fn a_write_key_never_shows_in_clear() {
        let key = WriteKey::new("  wk_1234567890abcdefghijklmnopqrst ").expect("key");
        assert_eq!(key.expose(), "wk_1234567890abcdefghijklmnopqrst");
        assert_eq!(key.to_string(), "wk_1…qrst");
        assert_eq!(format!("{key:?}"), "WriteKey(wk_1…qrst)");
        assert!(WriteKey::new(" \t").is_none());
        assert_eq!(mask_secret("short"), "…");
        assert_eq!(
            redact("Basic wk_1234567890abcdefghijklmnopqrst!", key.expose()),
            "Basic wk_1…qrst!"
        );
    }

    fn batched(index: usize) -> SendReport {
        SendReport::dry_run(
            "dry-run".into(),
            RequestInfo {
                method: "POST".into(),
                url: "https://api.segment.io/v1/batch".into(),
                headers: BTreeMap::new(),
                body: serde_json::json!({"event": "E"}),
                batch: Some(Box::new(BatchPlace { index, calls: 2 })),
                written: Some(r#"{"batch":[{"event":"E"},{"event":"F"}],"sentAt":"s"}"#.into()),
            },
            None,
        )
    }

    #[test]
    fn only_the_first_call_of_a_batch_shows_its_body() {
        let first = batched(0).to_json();
        assert_eq!(
            first["request"]["batch"],
            serde_json::json!({"index": 0, "calls": 2})
        );
        assert_eq!(first["request"]["body"]["batch"][1]["event"], "F");
        let second = batched(1).to_json();
        assert_eq!(second["request"]["batch"]["index"], 1);
        assert_eq!(second["request"]["body"], Value::Null);
        // A request of its own has no `batch` and shows its body.
        let mut single = batched(0);
        single.request.batch = None;
        single.request.written = None;
        let single = single.to_json();
        assert!(single["request"].get("batch").is_none());
        assert_eq!(single["request"]["body"], serde_json::json!({"event": "E"}));
        // Written straight, the same text.
        let direct = serde_json::to_string(&batched(1).json()).expect("json");
        assert_eq!(direct, batched(1).to_json().to_string());
    }

    #[test]
    fn destinations_are_labelled() {
        assert_eq!(Destination::Segment(Region::Eu).label(), "Segment EU");
        let sink = Destination::Sink(url::Url::parse("http://127.0.0.1:9009").expect("url"));
        assert!(sink.label().contains("does not reach Segment"));
        assert_eq!(
            Destination::Segment(Region::Us)
                .base()
                .map(|u| u.to_string()),
            Some("https://api.segment.io/".to_string())
        );
    }
}
