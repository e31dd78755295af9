//! The Segment linter: what Segment will reject, silently drop, or pass on mangled, for one call.
//!
//! Segment answers 200 to nearly everything, so a call that "worked" may still never reach a
//! destination. Each rule here names one such case; `RULES` lists them all.

mod amounts;
mod batch;
mod identity;
mod message_ids;
pub(crate) mod naming;
mod pointer;
#[cfg(test)]
mod tests;
mod timestamp;

use super::call::{CallType, EU_HOST, Region, US_HOST};
use super::diagnostic::{Diagnostic, Severity};
use amounts::check_values;
use batch::{check_batch_size, check_call_size, lint_batch};
use identity::{
    check_alias, check_event, check_field_objects, check_group_id, check_identity,
    check_message_id, check_page_names, check_required_objects, check_type_mismatch,
    check_untransformed,
};
pub use message_ids::{
    DUPLICATE_MESSAGE_ID, MessageIds, UNCHANGED_MESSAGE_ID, unchanged_by_modification,
};
use naming::check_property_style;
use pointer::{child, cmp_pointer, describe, show_str};
use serde::Serialize;
use serde_json::{Map, Value};
use timestamp::check_timestamps;

/// A `messageId` must be shorter than this many characters.
pub const MAX_MESSAGE_ID_CHARS: usize = 100;
/// Walks stop this deep; parsed JSON is shallower anyway, and it keeps the stack bounded.
const MAX_DEPTH: usize = 128;

/// What the linter knows besides the call itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LintOptions {
    /// A Segment-compatible endpoint the user configured; its host is not a "foreign" host.
    pub endpoint: Option<url::Url>,
    /// The region of the user's workspace (and so of the write key).
    pub region: Option<Region>,
}

/// One lint rule, for docs and help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The code Segment's Delivery Overview names when it discards a call this rule finds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_code: Option<&'static str>,
}

/// The rules, in the order they run; `RULES[rule as usize]` describes `rule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    NotAnObject,
    UnknownEndpoint,
    NotSegmentHost,
    RegionMismatch,
    TooLarge,
    BadBatch,
    MissingType,
    MissingIdentity,
    MissingEvent,
    EventNotString,
    PropertiesNotObject,
    TraitsNotObject,
    NameNotString,
    CategoryNotString,
    MissingGroupId,
    MissingPreviousId,
    BadTimestamp,
    MessageIdTooLong,
    Untransformed,
    TypeMismatch,
    FieldNotObject,
    EventNameStyle,
    NumericString,
    CurrencyCode,
    MinorUnits,
    PropertyStyle,
    NoMessageId,
    DuplicateMessageId,
}

const fn rule(code: &'static str, severity: Severity, summary: &'static str) -> RuleInfo {
    RuleInfo {
        code,
        severity,
        summary,
        segment_code: None,
    }
}

/// A rule for a call Segment discards on ingest, naming the code it reports it with.
const fn discard(
    code: &'static str,
    segment_code: &'static str,
    summary: &'static str,
) -> RuleInfo {
    RuleInfo {
        code,
        severity: Severity::Error,
        summary,
        segment_code: Some(segment_code),
    }
}

/// Every code the linter can emit, in the order the rules run (which is also the order of
/// diagnostics of one severity).
pub static RULES: &[RuleInfo] = &[
    rule(
        "not-an-object",
        Severity::Error,
        "the payload is not a JSON object",
    ),
    rule(
        "unknown-endpoint",
        Severity::Error,
        "the URL does not parse, or its path is not /v1/{track,identify,page,screen,group,alias,batch,import}",
    ),
    rule(
        "not-segment-host",
        Severity::Warning,
        "the host is not api.segment.io, events.eu1.segmentapis.com or the configured endpoint",
    ),
    rule(
        "region-mismatch",
        Severity::Warning,
        "the host belongs to the other region than the configured one",
    ),
    rule(
        "too-large",
        Severity::Error,
        "a call or batch event over 32,000 bytes; a batch over 475,000 bytes or 2,500 events",
    ),
    rule(
        "bad-batch",
        Severity::Error,
        "a batch or import call without a `batch` array",
    ),
    rule(
        "missing-type",
        Severity::Error,
        "a batch event that is not an object with a type of track, identify, page, screen, group or alias",
    ),
    discard(
        "missing-identity",
        "no_user_anon_id",
        "no userId and no anonymousId (track, identify, page, screen, group)",
    ),
    discard(
        "missing-event",
        "event_not_defined",
        "a track call without an event name",
    ),
    discard(
        "event-not-string",
        "event_not_string",
        "a track call whose event is not a string",
    ),
    discard(
        "properties-not-object",
        "properties_not_object",
        "a track, page or screen call whose properties is not an object",
    ),
    discard(
        "traits-not-object",
        "traits_not_object",
        "an identify or group call whose traits is not an object",
    ),
    discard(
        "name-not-string",
        "name_not_string",
        "a page or screen call whose name is present but not a non-empty string",
    ),
    discard(
        "category-not-string",
        "category_not_string",
        "a page or screen call whose category is present but not a non-empty string",
    ),
    rule(
        "missing-group-id",
        Severity::Error,
        "a group call without groupId",
    ),
    rule(
        "missing-previous-id",
        Severity::Error,
        "an alias call without previousId or userId",
    ),
    rule(
        "bad-timestamp",
        Severity::Error,
        "timestamp, sentAt or originalTimestamp is not an ISO-8601 date-time",
    ),
    rule(
        "message-id-too-long",
        Severity::Error,
        "messageId of 100 characters or more",
    ),
    rule(
        "untransformed",
        Severity::Warning,
        "the Dodo webhook body falls through unchanged (business_id, type, data); cancel what you do not map",
    ),
    rule(
        "type-mismatch",
        Severity::Warning,
        "the payload's type names a different call than the endpoint",
    ),
    rule(
        "field-not-object",
        Severity::Warning,
        "context or integrations (or properties, traits on calls that do not carry them) is not an object",
    ),
    rule(
        "event-name-style",
        Severity::Warning,
        "event name not \"Object Action\" in Title Case",
    ),
    rule(
        "numeric-string",
        Severity::Warning,
        "an amount (revenue, value, total, price, ...) given as a string",
    ),
    rule(
        "currency-code",
        Severity::Warning,
        "currency is not an upper-case ISO 4217 code",
    ),
    rule(
        "minor-units",
        Severity::Warning,
        "an amount divided by 100 for a currency with 0, 3 or 4 decimals (JPY, KWD, ...)",
    ),
    rule(
        "property-style",
        Severity::Info,
        "a property or trait name is not snake_case",
    ),
    rule(
        "no-message-id",
        Severity::Info,
        "no messageId: retries and replays will not be de-duplicated",
    ),
    rule(
        "duplicate-message-id",
        Severity::Warning,
        "a later call of one run, file or batch send with the messageId of an earlier one",
    ),
];

impl Rule {
    fn info(self) -> &'static RuleInfo {
        // The enum and the table are kept in step by a unit test.
        &RULES[self as usize]
    }

    /// A finding of this rule; a discard names Segment's code in the message too, so people
    /// can match it against Segment's Delivery Overview.
    fn diagnostic(self, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        let info = self.info();
        let message = message.into();
        match info.segment_code {
            Some(code) => Diagnostic::new(
                info.severity,
                info.code,
                path,
                format!("{message} (Segment's discard code: {code})"),
            )
            .with_segment_code(code),
            None => Diagnostic::new(info.severity, info.code, path, message),
        }
    }
}

/// Diagnostics as found, each with the rule that found it, for sorting.
#[derive(Default)]
struct Found(Vec<(Rule, Diagnostic)>);

impl Found {
    fn push(&mut self, rule: Rule, path: impl Into<String>, message: impl Into<String>) {
        self.0.push((rule, rule.diagnostic(path, message)));
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        self.0.sort_by(|(ra, a), (rb, b)| {
            a.severity
                .cmp(&b.severity)
                .then((*ra as usize).cmp(&(*rb as usize)))
                .then_with(|| cmp_pointer(&a.path, &b.path))
        });
        self.0.into_iter().map(|(_, d)| d).collect()
    }
}

/// Per-call context.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    /// The original webhook body, when known.
    source: Option<&'a Value>,
    /// The batch envelope when the call is one of its events.
    envelope: Option<&'a Map<String, Value>>,
}

/// Lints one Segment call: `url` is where it would be POSTed (its path decides the call type),
/// `payload` the JSON body, `source` the original webhook body when known (used by minor-units).
pub fn lint(
    url: &str,
    payload: &Value,
    source: Option<&Value>,
    opts: &LintOptions,
) -> Vec<Diagnostic> {
    let mut found = Found::default();
    let call = lint_url(url, opts, &mut found);
    let Some(obj) = payload.as_object() else {
        found.push(
            Rule::NotAnObject,
            "",
            format!(
                "Segment cannot take this call: the payload is {}, not a JSON object",
                describe(payload)
            ),
        );
        return found.finish();
    };
    let single = Ctx {
        source,
        envelope: None,
    };
    match call {
        None => {
            // The call type is unknown: only what holds for any call.
            if matches!(obj.get("batch"), Some(Value::Array(_))) {
                check_batch_size(payload, &mut found);
            } else {
                check_call_size(payload, "", &mut found);
            }
            check_untransformed(obj, "", &mut found);
        }
        Some(t) if t.is_batch() => lint_batch(obj, payload, source, &mut found),
        Some(t) => {
            check_call_size(payload, "", &mut found);
            check_type_mismatch(t, obj, &mut found);
            lint_call(t, obj, "", single, &mut found);
        }
    }
    found.finish()
}

// ---------------------------------------------------------------------------------------------
// Endpoint and host

fn lint_url(url: &str, opts: &LintOptions, found: &mut Found) -> Option<CallType> {
    let parsed = match url::Url::parse(url.trim()) {
        Ok(u) => u,
        Err(e) => {
            found.push(
                Rule::UnknownEndpoint,
                "",
                format!(
                    "Segment never receives this call: the URL {} does not parse ({e})",
                    show_str(url)
                ),
            );
            return None;
        }
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        found.push(
            Rule::UnknownEndpoint,
            "",
            format!(
                "Segment never receives this call: {} is not an http(s) URL",
                show_str(url)
            ),
        );
        return None;
    }
    let host = parsed.host_str().unwrap_or("");
    let region = Region::of_host(host);
    let configured = opts
        .endpoint
        .as_ref()
        .and_then(|e| e.host_str())
        .is_some_and(|h| h.eq_ignore_ascii_case(host));
    if region.is_none() && !configured {
        found.push(
            Rule::NotSegmentHost,
            "",
            format!(
                "This call goes to {host}, not to Segment ({US_HOST} or {EU_HOST}) nor the configured endpoint; Segment only sees it if that host forwards it"
            ),
        );
    }
    if let (Some(want), Some(got)) = (opts.region, region)
        && want != got
    {
        let message = match want {
            Region::Eu => format!(
                "EU workspace keys sent to {US_HOST}: Segment answers 200 but the events will not appear; use {EU_HOST}"
            ),
            Region::Us => format!(
                "US workspace keys sent to {EU_HOST}: Segment rejects data from US write keys there; use {US_HOST}"
            ),
        };
        found.push(Rule::RegionMismatch, "", message);
    }
    let call = CallType::from_path(parsed.path());
    if call.is_none() {
        found.push(
            Rule::UnknownEndpoint,
            "",
            format!(
                "Segment has no endpoint {}: the call is lost; post to /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias or /v1/batch",
                show_str(parsed.path())
            ),
        );
    }
    call
}

// ---------------------------------------------------------------------------------------------
// One call (a single call, or one event of a batch at `base`)

fn lint_call(t: CallType, obj: &Map<String, Value>, base: &str, ctx: Ctx, found: &mut Found) {
    check_untransformed(obj, base, found);
    // Segment discards a call whose own container is not an object; elsewhere a stray
    // `properties` or `traits` is only ignored.
    let (required, other): (&[&str], &[&str]) = match t {
        CallType::Track | CallType::Page | CallType::Screen => (&["properties"], &["traits"]),
        CallType::Identify | CallType::Group => (&["traits"], &["properties"]),
        _ => (&[], &["properties", "traits"]),
    };
    check_required_objects(obj, base, required, found);
    check_field_objects(obj, base, other, found);
    check_field_objects(obj, base, &["context", "integrations"], found);
    match t {
        CallType::Track => {
            check_identity(obj, base, ctx, found);
            check_event(obj, base, found);
        }
        CallType::Identify => check_identity(obj, base, ctx, found),
        CallType::Page | CallType::Screen => {
            check_identity(obj, base, ctx, found);
            check_page_names(obj, base, found);
        }
        CallType::Group => {
            check_identity(obj, base, ctx, found);
            check_group_id(obj, base, found);
        }
        CallType::Alias => check_alias(obj, base, found),
        CallType::Batch | CallType::Import => {}
    }
    check_timestamps(obj, base, found);
    check_message_id(obj, base, found);
    let container = match t {
        CallType::Track | CallType::Page | CallType::Screen => Some("properties"),
        CallType::Identify | CallType::Group => Some("traits"),
        _ => None,
    };
    if let Some(key) = container
        && let Some(Value::Object(map)) = obj.get(key)
    {
        let path = child(base, key);
        check_values(map, &path, ctx, found);
        check_property_style(map, &path, key == "traits", found);
    }
}
