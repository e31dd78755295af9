//! The Segment linter: what Segment will reject, silently drop, or pass on mangled, for one call.
//!
//! Segment answers 200 to nearly everything, so a call that "worked" may still never reach a
//! destination. Each rule here names one such case; `RULES` lists them all.

use super::call::{CallType, EU_HOST, Region, US_HOST};
use super::currency;
use super::diagnostic::{Diagnostic, Severity};
use chrono::{FixedOffset, NaiveDate, NaiveTime};
use serde::Serialize;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// Largest single call, and largest event inside a batch. Segment documents 32 KB; the libraries
/// disagree on what a KB is, so this is the safe reading.
pub const MAX_CALL_BYTES: usize = 32_000;
/// Largest batch: Segment documents 500 KB; analytics-python keeps 475,000 bytes for headroom.
pub const MAX_BATCH_BYTES: usize = 475_000;
/// Most events in one batch; beyond it Segment answers 200 and drops the batch.
pub const MAX_BATCH_EVENTS: usize = 2_500;
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
}

const fn rule(code: &'static str, severity: Severity, summary: &'static str) -> RuleInfo {
    RuleInfo {
        code,
        severity,
        summary,
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
    rule(
        "missing-identity",
        Severity::Error,
        "no userId and no anonymousId (track, identify, page, screen, group)",
    ),
    rule(
        "missing-event",
        Severity::Error,
        "a track call without an event name",
    ),
    rule(
        "event-not-string",
        Severity::Error,
        "a track call whose event is not a string",
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
        "properties, traits, context or integrations is not an object",
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
];

impl Rule {
    fn info(self) -> &'static RuleInfo {
        // The enum and the table are kept in step by a unit test.
        &RULES[self as usize]
    }
}

/// Diagnostics as found, each with the rule that found it, for sorting.
#[derive(Default)]
struct Found(Vec<(Rule, Diagnostic)>);

impl Found {
    fn push(&mut self, rule: Rule, path: impl Into<String>, message: impl Into<String>) {
        let info = rule.info();
        self.0.push((
            rule,
            Diagnostic::new(info.severity, info.code, path, message),
        ));
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
// Size

/// Length of the compact JSON, without building it.
fn json_size(v: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a Value to a counter cannot fail; a failure would only under-count.
    let _ = serde_json::to_writer(&mut count, v);
    count.0
}

fn check_call_size(v: &Value, path: &str, found: &mut Found) {
    let size = json_size(v);
    if size > MAX_CALL_BYTES {
        let what = if path.is_empty() { "call" } else { "event" };
        found.push(
            Rule::TooLarge,
            path,
            format!(
                "Segment rejects this {what} with 400: it is {size} bytes, over the 32,000-byte limit"
            ),
        );
    }
}

fn check_batch_size(v: &Value, found: &mut Found) {
    let size = json_size(v);
    if size > MAX_BATCH_BYTES {
        found.push(
            Rule::TooLarge,
            "",
            format!(
                "Segment rejects this batch with 400: it is {size} bytes, over the 475,000-byte budget (Segment's limit is 500 KB)"
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Batch

fn lint_batch(
    obj: &Map<String, Value>,
    payload: &Value,
    source: Option<&Value>,
    found: &mut Found,
) {
    check_batch_size(payload, found);
    check_untransformed(obj, "", found);
    check_timestamps(obj, "", found);
    check_field_objects(obj, "", &["context", "integrations"], found);
    let items = match obj.get("batch") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => {
            found.push(
                Rule::BadBatch,
                "",
                "Segment rejects this batch: it has no `batch` array of events",
            );
            return;
        }
        Some(other) => {
            found.push(
                Rule::BadBatch,
                "/batch",
                format!(
                    "Segment rejects this batch: `batch` must be an array of events, not {}",
                    describe(other)
                ),
            );
            return;
        }
    };
    if items.len() > MAX_BATCH_EVENTS {
        found.push(
            Rule::TooLarge,
            "/batch",
            format!(
                "Segment answers 200 but drops this batch: it holds {} events, over the 2,500-event limit",
                items.len()
            ),
        );
    }
    let ctx = Ctx {
        source,
        envelope: Some(obj),
    };
    for (i, item) in items.iter().enumerate() {
        let base = format!("/batch/{i}");
        let Some(io) = item.as_object() else {
            found.push(
                Rule::MissingType,
                base,
                format!(
                    "Segment drops this event: it is {}, not an object with a type",
                    describe(item)
                ),
            );
            continue;
        };
        check_call_size(item, &base, found);
        let named = io
            .get("type")
            .and_then(Value::as_str)
            .and_then(CallType::from_name);
        match named {
            Some(t) if !t.is_batch() => lint_call(t, io, &base, ctx, found),
            _ => {
                let got = match io.get("type") {
                    None | Some(Value::Null) => String::new(),
                    Some(v) => format!(", not {}", show(v)),
                };
                found.push(
                    Rule::MissingType,
                    base.as_str(),
                    format!(
                        "Segment drops this event: its type must be track, identify, page, screen, group or alias{got}"
                    ),
                );
                check_untransformed(io, &base, found);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One call (a single call, or one event of a batch at `base`)

fn lint_call(t: CallType, obj: &Map<String, Value>, base: &str, ctx: Ctx, found: &mut Found) {
    check_untransformed(obj, base, found);
    check_field_objects(
        obj,
        base,
        &["properties", "traits", "context", "integrations"],
        found,
    );
    match t {
        CallType::Track => {
            check_identity(obj, base, ctx, found);
            check_event(obj, base, found);
        }
        CallType::Identify | CallType::Page | CallType::Screen => {
            check_identity(obj, base, ctx, found);
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

fn check_type_mismatch(t: CallType, obj: &Map<String, Value>, found: &mut Found) {
    if let Some(Value::String(s)) = obj.get("type")
        && let Some(named) = CallType::from_name(s)
        && named != t
    {
        found.push(
            Rule::TypeMismatch,
            "/type",
            format!(
                "This call is posted to {} but its type says {}: make the URL path and the type agree, or Segment may handle it as the wrong kind of call",
                t.path(),
                show_str(s)
            ),
        );
    }
}

fn check_field_objects(obj: &Map<String, Value>, base: &str, keys: &[&str], found: &mut Found) {
    for key in keys {
        match obj.get(*key) {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(other) => found.push(
                Rule::FieldNotObject,
                child(base, key),
                format!(
                    "Segment expects {key} to be an object, not {}; destinations ignore or drop it",
                    describe(other)
                ),
            ),
        }
    }
}

/// How usable an id field is.
enum Id<'a> {
    Missing,
    Null,
    Blank,
    Usable,
    Wrong(&'a Value),
}

fn classify(v: Option<&Value>) -> Id<'_> {
    match v {
        None => Id::Missing,
        Some(Value::Null) => Id::Null,
        Some(Value::String(s)) if s.trim().is_empty() => Id::Blank,
        Some(Value::String(_) | Value::Number(_)) => Id::Usable,
        Some(other) => Id::Wrong(other),
    }
}

fn id_problem(name: &str, id: &Id) -> String {
    match id {
        Id::Missing | Id::Usable => format!("there is no {name}"),
        Id::Null => format!("{name} is null"),
        Id::Blank => format!("{name} is empty"),
        Id::Wrong(v) => format!("{name} must be a string, not {}", describe(v)),
    }
}

fn is_usable(v: Option<&Value>) -> bool {
    matches!(classify(v), Id::Usable)
}

fn check_identity(obj: &Map<String, Value>, base: &str, ctx: Ctx, found: &mut Found) {
    let user = classify(obj.get("userId"));
    let anon = classify(obj.get("anonymousId"));
    if matches!(user, Id::Usable) || matches!(anon, Id::Usable) {
        return;
    }
    let mut reason = match (&user, &anon) {
        (Id::Missing | Id::Null, Id::Missing | Id::Null) => "no userId or anonymousId".to_string(),
        _ => format!(
            "{} and {}",
            id_problem("userId", &user),
            id_problem("anonymousId", &anon)
        ),
    };
    if let Some(env) = ctx.envelope
        && (env.contains_key("userId") || env.contains_key("anonymousId"))
    {
        reason.push_str(" (the batch's own userId/anonymousId is not copied into its events)");
    }
    let path = match (&user, &anon) {
        (Id::Wrong(_), _) => child(base, "userId"),
        (_, Id::Wrong(_)) => child(base, "anonymousId"),
        _ => base.to_string(),
    };
    found.push(
        Rule::MissingIdentity,
        path,
        format!("{}: {reason}", drops(base)),
    );
}

fn check_event(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    let drops = drops(base);
    match obj.get("event") {
        None => found.push(
            Rule::MissingEvent,
            base,
            format!("{drops}: a track call needs an event name"),
        ),
        Some(Value::Null) => found.push(
            Rule::MissingEvent,
            child(base, "event"),
            format!("{drops}: event is null"),
        ),
        Some(Value::String(s)) if s.trim().is_empty() => found.push(
            Rule::MissingEvent,
            child(base, "event"),
            format!("{drops}: event is empty"),
        ),
        Some(Value::String(s)) => check_event_name(s, &child(base, "event"), found),
        Some(other) => found.push(
            Rule::EventNotString,
            child(base, "event"),
            format!("{drops}: event must be a string, not {}", describe(other)),
        ),
    }
}

/// What Segment does with a call it takes but cannot use.
fn drops(base: &str) -> &'static str {
    if base.is_empty() {
        "Segment accepts the call with 200 but silently drops it"
    } else {
        "Segment accepts the batch with 200 but silently drops this event"
    }
}

fn check_group_id(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    let id = classify(obj.get("groupId"));
    if matches!(id, Id::Usable) {
        return;
    }
    let path = if matches!(id, Id::Wrong(_)) {
        child(base, "groupId")
    } else {
        base.to_string()
    };
    found.push(
        Rule::MissingGroupId,
        path,
        format!(
            "Segment drops this group call: {}",
            id_problem("groupId", &id)
        ),
    );
}

fn check_alias(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    let prev = classify(obj.get("previousId"));
    let user = classify(obj.get("userId"));
    let problem = match (&prev, &user) {
        (Id::Usable, Id::Usable) => return,
        (Id::Missing | Id::Null, Id::Missing | Id::Null) => {
            "there is no previousId or userId".to_string()
        }
        (_, Id::Usable) => id_problem("previousId", &prev),
        (Id::Usable, _) => id_problem("userId", &user),
        _ => format!(
            "{} and {}",
            id_problem("previousId", &prev),
            id_problem("userId", &user)
        ),
    };
    let path = match (&prev, &user) {
        (Id::Wrong(_), _) => child(base, "previousId"),
        (_, Id::Wrong(_)) => child(base, "userId"),
        _ => base.to_string(),
    };
    found.push(
        Rule::MissingPreviousId,
        path,
        format!("Segment drops this alias call, which needs both previousId and userId: {problem}"),
    );
}

fn check_timestamps(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    for key in ["timestamp", "sentAt", "originalTimestamp"] {
        let bad = match obj.get(key) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if is_iso8601(s) => continue,
            Some(Value::String(s)) => show_str(s),
            Some(other) => describe(other),
        };
        found.push(
            Rule::BadTimestamp,
            child(base, key),
            format!(
                "Segment expects {key} as an ISO-8601 string like \"2024-01-02T03:04:05.000Z\"; {bad} is not one, so the event's time is lost or the call dropped"
            ),
        );
    }
}

fn check_message_id(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    match obj.get("messageId") {
        None | Some(Value::Null) => no_message_id(base, found),
        Some(Value::String(s)) if s.trim().is_empty() => no_message_id(base, found),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            if n >= MAX_MESSAGE_ID_CHARS {
                found.push(
                    Rule::MessageIdTooLong,
                    child(base, "messageId"),
                    format!(
                        "Segment rejects a messageId of 100 characters or more; this one has {n}"
                    ),
                );
            }
        }
        Some(_) => {}
    }
}

fn no_message_id(base: &str, found: &mut Found) {
    found.push(
        Rule::NoMessageId,
        base,
        "Segment assigns its own messageId, so retries and replays of this call will not be de-duplicated",
    );
}

fn check_untransformed(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    let dodo_shape =
        obj.contains_key("business_id") && obj.contains_key("type") && obj.contains_key("data");
    if !dodo_shape || is_usable(obj.get("userId")) || is_usable(obj.get("anonymousId")) {
        return;
    }
    let what = match obj.get("type") {
        Some(Value::String(s)) => format!("The {} webhook body", show_str(s)),
        _ => "The webhook body".to_string(),
    };
    let missing = if obj.contains_key("event") {
        "no userId/anonymousId"
    } else {
        "no userId/anonymousId and no event"
    };
    found.push(
        Rule::Untransformed,
        base,
        format!(
            "{what} falls through unchanged and Segment drops it: {missing}; map it, or cancel the events you do not map with `webhook.cancel = true`"
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// Event names

/// Words that stay lower case inside a Title Case name ("Product Added to Wishlist").
const MINOR_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
    "via", "with",
];

/// "Object Action" in Title Case: two or more words, single spaces, each capitalised (or a
/// number), minor words lower case only inside.
fn is_title_case_event(name: &str) -> bool {
    let words: Vec<&str> = name.split(' ').collect();
    if words.len() < 2 {
        return false;
    }
    let last = words.len() - 1;
    words.iter().enumerate().all(|(i, w)| {
        if w.is_empty() || w.contains(['_', '.', '-', ':']) {
            return false;
        }
        if i != 0 && i != last && MINOR_WORDS.contains(w) {
            return true;
        }
        w.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
    })
}

/// Words of a name written in any style: split at separators and camelCase humps.
fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_alphanumeric() || c == '\'' {
            if c.is_uppercase()
                && prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                && !word.is_empty()
            {
                words.push(std::mem::take(&mut word));
            }
            word.push(c);
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev = Some(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn title_case_suggestion(name: &str) -> Option<String> {
    let words = split_words(name);
    if words.len() < 2 {
        return None;
    }
    let shouting = !name.chars().any(char::is_lowercase);
    let last = words.len() - 1;
    let titled: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            if i != 0 && i != last && MINOR_WORDS.contains(&lower.as_str()) {
                return lower;
            }
            let rest: &str = if shouting { &lower } else { w };
            let mut chars = rest.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect();
    let s = titled.join(" ");
    (s != name && is_title_case_event(&s)).then_some(s)
}

fn check_event_name(name: &str, path: &str, found: &mut Found) {
    if is_title_case_event(name) {
        return;
    }
    let hint = match title_case_suggestion(name) {
        Some(s) => format!(": {}", show_str(&s)),
        None if split_words(name).len() < 2 => {
            ", and this is a single word (\"Order Completed\" names the object too)".to_string()
        }
        None => " (\"Order Completed\")".to_string(),
    };
    found.push(
        Rule::EventNameStyle,
        path,
        format!(
            "Segment keeps the event name {} as is, but its spec names events \"Object Action\" in Title Case{hint}",
            show_str(name)
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// Amounts and currencies in properties / traits

/// Reserved amount keys of the Spec (track `revenue`/`value`, e-commerce order and product
/// fields).
const AMOUNT_KEYS: &[&str] = &[
    "revenue", "value", "total", "subtotal", "price", "amount", "tax", "shipping", "discount",
];

/// True for a key that holds money. `value` only counts at the top level: deeper, as in
/// `filters[].value`, it is a generic word.
fn is_amount_key(key: &str, top_level: bool) -> bool {
    let k = key.to_ascii_lowercase();
    if k == "value" {
        return top_level;
    }
    AMOUNT_KEYS.contains(&k.as_str())
        || k.ends_with("_amount")
        || k.ends_with("_total")
        || k.ends_with("_price")
}

/// A value found at some key inside properties / traits.
struct Site<'a> {
    path: String,
    key: &'a str,
    value: &'a Value,
}

#[derive(Default)]
struct Sites<'a> {
    amounts: Vec<Site<'a>>,
    currencies: Vec<Site<'a>>,
}

fn collect_sites<'a>(
    map: &'a Map<String, Value>,
    path: &str,
    top: bool,
    depth: usize,
    sites: &mut Sites<'a>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (key, value) in map {
        let p = child(path, key);
        if value.is_object() || value.is_array() {
            collect_in(value, &p, depth + 1, sites);
        }
        let list = if is_amount_key(key, top) {
            &mut sites.amounts
        } else if key == "currency" {
            &mut sites.currencies
        } else {
            continue;
        };
        list.push(Site {
            path: p,
            key,
            value,
        });
    }
}

fn collect_in<'a>(v: &'a Value, path: &str, depth: usize, sites: &mut Sites<'a>) {
    match v {
        Value::Object(map) => collect_sites(map, path, false, depth, sites),
        Value::Array(items) if depth <= MAX_DEPTH => {
            for (i, item) in items.iter().enumerate() {
                collect_in(item, &format!("{path}/{i}"), depth + 1, sites);
            }
        }
        _ => {}
    }
}

/// A plain decimal number written as a string ("4.00", "-12", "1e3" is not one).
fn parse_decimal(s: &str) -> Option<f64> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn numeric_value(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_decimal(s),
        _ => None,
    }
}

fn check_values(container: &Map<String, Value>, path: &str, ctx: Ctx, found: &mut Found) {
    let mut sites = Sites::default();
    collect_sites(container, path, true, 0, &mut sites);
    for site in &sites.amounts {
        if let Value::String(s) = site.value {
            let message = if parse_decimal(s).is_some() {
                let sums = if site.key.eq_ignore_ascii_case("revenue") {
                    "revenue"
                } else {
                    "amounts"
                };
                format!(
                    "Segment keeps the string {}; destinations that sum {sums} treat it as text or drop it: send a number",
                    show_str(s)
                )
            } else {
                format!(
                    "Segment keeps the string {} where destinations expect a number; they treat it as text or drop it",
                    show_str(s)
                )
            };
            found.push(Rule::NumericString, site.path.as_str(), message);
        }
    }
    for site in &sites.currencies {
        check_currency(site, found);
    }
    check_minor_units(container, &sites.amounts, ctx.source, found);
}

fn check_currency(site: &Site, found: &mut Found) {
    const LOST: &str = "destinations may drop the revenue or assume USD";
    let message = match site.value {
        Value::Null => return,
        Value::String(s) if currency::is_iso_code(s) => return,
        Value::String(s) => {
            let upper = s.trim().to_ascii_uppercase();
            if currency::is_iso_code(&upper) {
                format!(
                    "Segment passes the currency {} through as is; {LOST}: use {}",
                    show_str(s),
                    show_str(&upper)
                )
            } else {
                format!(
                    "Segment passes the currency {} through as is, but it is not an ISO 4217 code; {LOST}",
                    show_str(s)
                )
            }
        }
        other => format!(
            "currency is {}, not an ISO 4217 code string; {LOST}",
            describe(other)
        ),
    };
    found.push(Rule::CurrencyCode, site.path.as_str(), message);
}

/// Integers at amount-like keys of the webhook body ("total_amount", "tax", "fee", ...): the
/// minor-unit amounts a transform may have divided. Digit strings count too ("400").
fn collect_source_amounts(v: &Value, depth: usize, out: &mut Vec<f64>) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                let k = key.to_ascii_lowercase();
                let amount_key = k.contains("amount")
                    || k == "fee"
                    || k == "tax"
                    || k.ends_with("_fee")
                    || k.ends_with("_tax");
                if amount_key && let Some(a) = source_integer(value) {
                    out.push(a);
                }
                collect_source_amounts(value, depth + 1, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_source_amounts(item, depth + 1, out);
            }
        }
        _ => {}
    }
}

fn source_integer(v: &Value) -> Option<f64> {
    let x = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.parse::<f64>().ok()?
        }
        _ => return None,
    };
    (x.is_finite() && x.fract() == 0.0).then_some(x)
}

fn check_minor_units(
    container: &Map<String, Value>,
    amounts: &[Site],
    source: Option<&Value>,
    found: &mut Found,
) {
    let output_currency = container.get("currency").and_then(Value::as_str);
    let source_currency = source
        .and_then(|s| s.pointer("/data/currency"))
        .and_then(Value::as_str);
    let Some(code) = output_currency.or(source_currency) else {
        return;
    };
    let code = code.trim().to_ascii_uppercase();
    let Some(e) = currency::exponent(&code) else {
        return;
    };
    if e == 2 {
        return;
    }
    let scale = 10f64.powi(i32::from(e));
    let mut source_amounts = Vec::new();
    if let Some(s) = source {
        collect_source_amounts(s, 0, &mut source_amounts);
    }
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    for site in amounts {
        let Some(x) = numeric_value(site.value) else {
            continue;
        };
        // Divided by 100 where 10^e was due, and not explained by another amount of the webhook.
        let divided = source_amounts
            .iter()
            .find(|&&a| close(x, a / 100.0) && !close(x, a / scale));
        let explained = source_amounts.iter().any(|&a| close(x, a / scale));
        if let Some(&a) = divided
            && !explained
        {
            let right = format!("{:.*}", usize::from(e), a / scale);
            let (decimals, fix) = if e == 0 {
                (
                    format!("{code} has no minor unit"),
                    "do not divide it by 100".to_string(),
                )
            } else {
                (
                    format!("{code} has {e} decimals"),
                    format!("divide by {}, not 100", fmt_num(scale)),
                )
            };
            found.push(
                Rule::MinorUnits,
                site.path.as_str(),
                format!(
                    "Segment records {} {code}, but {decimals}: the webhook's {} is {right} {code}, not {}; {fix}",
                    fmt_num(x),
                    fmt_num(a),
                    fmt_num(x),
                ),
            );
        } else if e == 0 && x.fract() != 0.0 {
            found.push(
                Rule::MinorUnits,
                site.path.as_str(),
                format!(
                    "Segment records {} {code}, but {code} has no minor unit: the amount looks divided by 100 (the webhook's amount is probably {} {code})",
                    fmt_num(x),
                    fmt_num((x * 100.0).round())
                ),
            );
        }
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

// ---------------------------------------------------------------------------------------------
// Property names

/// Identify/group traits the Spec reserves, in its own camelCase.
const RESERVED_TRAITS: &[&str] = &[
    "address",
    "age",
    "avatar",
    "birthday",
    "company",
    "createdAt",
    "description",
    "email",
    "firstName",
    "gender",
    "id",
    "lastName",
    "name",
    "phone",
    "title",
    "username",
    "website",
    "industry",
    "employees",
    "plan",
];

/// `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
fn is_snake_case(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
        && s.split('_').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn snake_suggestion(key: &str) -> Option<String> {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase()
                && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                && !out.is_empty()
                && !out.ends_with('_')
            {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        prev = Some(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    (out != key && is_snake_case(&out)).then_some(out)
}

fn check_property_style(map: &Map<String, Value>, path: &str, traits: bool, found: &mut Found) {
    let kind = if traits { "trait" } else { "property" };
    for key in map.keys() {
        if is_snake_case(key) || (traits && RESERVED_TRAITS.contains(&key.as_str())) {
            continue;
        }
        let hint = snake_suggestion(key)
            .map(|s| format!(" ({})", show_str(&s)))
            .unwrap_or_default();
        found.push(
            Rule::PropertyStyle,
            child(path, key),
            format!(
                "Segment keeps the {kind} name {} as is; its naming guide asks for snake_case{hint}",
                show_str(key)
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// `base` + `/key`, with `~` and `/` escaped as RFC 6901 requires.
fn child(base: &str, key: &str) -> String {
    let mut p = String::with_capacity(base.len() + key.len() + 1);
    p.push_str(base);
    p.push('/');
    for c in key.chars() {
        match c {
            '~' => p.push_str("~0"),
            '/' => p.push_str("~1"),
            c => p.push(c),
        }
    }
    p
}

/// Orders JSON pointers segment by segment, array indexes numerically ("/batch/2" < "/batch/10").
fn cmp_pointer(a: &str, b: &str) -> Ordering {
    let mut xs = a.split('/');
    let mut ys = b.split('/');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n).then_with(|| x.cmp(y)),
                    _ => x.cmp(y),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// A string quoted as JSON, shortened when long.
fn show_str(s: &str) -> String {
    const MAX: usize = 40;
    let shown = if s.chars().count() > MAX {
        let mut t: String = s.chars().take(MAX - 1).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    };
    serde_json::to_string(&shown).unwrap_or_else(|_| "\"…\"".to_string())
}

/// A value as compact JSON when short, else its kind.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => show_str(s),
        Value::Array(_) | Value::Object(_) => describe(v),
        other => other.to_string(),
    }
}

/// "a number (42)", "an object", ...
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => {
            let s = n.to_string();
            if s.len() <= 40 {
                format!("a number ({s})")
            } else {
                "a number".to_string()
            }
        }
        Value::String(s) => format!("a string ({})", show_str(s)),
        Value::Array(a) if a.is_empty() => "an empty array".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Timestamps

/// ISO-8601 as Segment reads it: a date (`2024-01-02`), or a date-time with a `T` (RFC 3339 also
/// allows a space), `HH:MM` with optional `:SS` and `.fraction`, and an optional `Z` or
/// `±HH:MM` / `±HHMM` / `±HH` offset. Fields must be zero-padded and in range.
fn is_iso8601(s: &str) -> bool {
    parse_iso8601(s).is_some()
}

fn parse_iso8601(s: &str) -> Option<()> {
    let b = s.as_bytes();
    let digits = |at: usize, n: usize| -> Option<u32> {
        let d = b.get(at..at.checked_add(n)?)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0')))
    };
    let is = |at: usize, c: u8| b.get(at) == Some(&c);

    let year = digits(0, 4)?;
    let month = (is(4, b'-')).then(|| digits(5, 2))??;
    let day = (is(7, b'-')).then(|| digits(8, 2))??;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if b.len() == 10 {
        return Some(());
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(11, 2)?;
    let minute = is(13, b':').then(|| digits(14, 2))??;
    let mut i = 16;
    let mut second = 0;
    if is(i, b':') {
        second = digits(17, 2)?;
        i = 19;
        if is(i, b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
        }
    }
    // 60 is a leap second.
    NaiveTime::from_hms_opt(hour, minute, second.min(59))?;
    if second > 60 {
        return None;
    }
    match b.get(i) {
        None => Some(()),
        Some(b'Z' | b'z') => (i + 1 == b.len()).then_some(()),
        Some(sign @ (b'+' | b'-')) => {
            let oh = digits(i + 1, 2)?;
            let mut j = i + 3;
            let om = if is(j, b':') {
                j += 3;
                digits(j - 2, 2)?
            } else if let Some(m) = digits(j, 2) {
                j += 2;
                m
            } else {
                0
            };
            if j != b.len() || oh > 23 || om > 59 {
                return None;
            }
            let secs = i32::try_from(oh * 3600 + om * 60).ok()?;
            let secs = if *sign == b'-' { -secs } else { secs };
            FixedOffset::east_opt(secs).map(|_| ())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::diagnostic::has_errors;
    use serde_json::json;

    fn lint_at(path: &str, payload: Value) -> Vec<Diagnostic> {
        lint(
            &format!("https://api.segment.io{path}"),
            &payload,
            None,
            &LintOptions::default(),
        )
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code.as_str()).collect()
    }

    fn with_code<'a>(d: &'a [Diagnostic], code: &str) -> Vec<&'a Diagnostic> {
        d.iter().filter(|x| x.code == code).collect()
    }

    fn paths<'a>(d: &'a [Diagnostic], code: &str) -> Vec<&'a str> {
        with_code(d, code).iter().map(|x| x.path.as_str()).collect()
    }

    fn one<'a>(d: &'a [Diagnostic], code: &str) -> &'a Diagnostic {
        let found = with_code(d, code);
        assert_eq!(found.len(), 1, "expected one {code} in {d:#?}");
        found[0]
    }

    fn set(mut v: Value, key: &str, value: Value) -> Value {
        if let Some(o) = v.as_object_mut() {
            o.insert(key.to_string(), value);
        }
        v
    }

    fn unset(mut v: Value, key: &str) -> Value {
        if let Some(o) = v.as_object_mut() {
            o.shift_remove(key);
        }
        v
    }

    fn track() -> Value {
        json!({"type": "track", "userId": "u1", "event": "Order Completed", "messageId": "m-1"})
    }

    fn dodo_body() -> Value {
        json!({
            "business_id": "bus_1",
            "type": "payment.succeeded",
            "timestamp": "2025-08-04T05:39:56.397297Z",
            "data": {"total_amount": 4500, "currency": "JPY", "tax": null}
        })
    }

    /// A valid call of each single type.
    fn valid_calls() -> Vec<(&'static str, Value)> {
        vec![
            ("/v1/track", track()),
            (
                "/v1/identify",
                json!({"userId": "u1", "traits": {"email": "a@b.c"}, "messageId": "m"}),
            ),
            (
                "/v1/page",
                json!({"anonymousId": "a1", "name": "Home", "messageId": "m"}),
            ),
            ("/v1/screen", json!({"userId": 42, "messageId": "m"})),
            (
                "/v1/group",
                json!({"userId": "u1", "groupId": "g1", "messageId": "m"}),
            ),
            (
                "/v1/alias",
                json!({"userId": "u1", "previousId": "a1", "messageId": "m"}),
            ),
        ]
    }

    #[test]
    fn rules_table_matches_the_enum() {
        let all = [
            (Rule::NotAnObject, "not-an-object"),
            (Rule::UnknownEndpoint, "unknown-endpoint"),
            (Rule::NotSegmentHost, "not-segment-host"),
            (Rule::RegionMismatch, "region-mismatch"),
            (Rule::TooLarge, "too-large"),
            (Rule::BadBatch, "bad-batch"),
            (Rule::MissingType, "missing-type"),
            (Rule::MissingIdentity, "missing-identity"),
            (Rule::MissingEvent, "missing-event"),
            (Rule::EventNotString, "event-not-string"),
            (Rule::MissingGroupId, "missing-group-id"),
            (Rule::MissingPreviousId, "missing-previous-id"),
            (Rule::BadTimestamp, "bad-timestamp"),
            (Rule::MessageIdTooLong, "message-id-too-long"),
            (Rule::Untransformed, "untransformed"),
            (Rule::TypeMismatch, "type-mismatch"),
            (Rule::FieldNotObject, "field-not-object"),
            (Rule::EventNameStyle, "event-name-style"),
            (Rule::NumericString, "numeric-string"),
            (Rule::CurrencyCode, "currency-code"),
            (Rule::MinorUnits, "minor-units"),
            (Rule::PropertyStyle, "property-style"),
            (Rule::NoMessageId, "no-message-id"),
        ];
        assert_eq!(all.len(), RULES.len());
        for (i, (rule, code)) in all.iter().enumerate() {
            assert_eq!(*rule as usize, i);
            assert_eq!(rule.info().code, *code);
        }
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.code), "duplicate {}", r.code);
            assert!(r.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
            assert!(!r.summary.is_empty());
        }
        let sev = |c: &str| RULES.iter().find(|r| r.code == c).map(|r| r.severity);
        assert_eq!(sev("untransformed"), Some(Severity::Warning));
        assert_eq!(sev("property-style"), Some(Severity::Info));
        assert_eq!(sev("too-large"), Some(Severity::Error));
    }

    #[test]
    fn valid_calls_are_clean() {
        for (path, payload) in valid_calls() {
            let d = lint_at(path, payload.clone());
            assert!(d.is_empty(), "{path} {payload}: {d:#?}");
            // The same call as a batch event.
            let mut item = payload;
            let t = path.trim_start_matches("/v1/");
            item = set(item, "type", json!(t));
            let d = lint_at("/v1/batch", json!({"batch": [item]}));
            assert!(d.is_empty(), "batch of {path}: {d:#?}");
        }
    }

    #[test]
    fn every_emitted_code_is_in_rules() {
        let mut samples = vec![
            lint("nope", &json!(1), None, &LintOptions::default()),
            lint_at("/v1/track", dodo_body()),
            lint_at(
                "/v1/batch",
                json!({"batch": [1, {"type": "group"}, {"type": "alias"}]}),
            ),
            lint_at(
                "/v1/track",
                json!({"event": 1, "timestamp": 1, "messageId": "x".repeat(200)}),
            ),
            lint_at(
                "/v1/track",
                json!({"type": "page", "event": "a_b", "properties": {"Total": "1", "currency": "usd"}}),
            ),
        ];
        samples.push(lint(
            "https://api.segment.io/v1/track",
            &json!({"userId": "u", "event": "Order Completed", "properties": {"revenue": 45, "currency": "JPY"}}),
            Some(&dodo_body()),
            &LintOptions {
                endpoint: None,
                region: Some(Region::Eu),
            },
        ));
        for d in samples.iter().flatten() {
            let info = RULES.iter().find(|r| r.code == d.code);
            assert_eq!(info.map(|r| r.severity), Some(d.severity), "{d:?}");
            assert!(!d.message.is_empty());
        }
    }

    // -- payload and endpoint -------------------------------------------------------------------

    #[test]
    fn not_an_object() {
        for payload in [
            json!([1, 2]),
            json!("x"),
            json!(null),
            json!(3),
            json!(true),
        ] {
            let d = lint_at("/v1/track", payload.clone());
            assert_eq!(codes(&d), ["not-an-object"], "{payload}");
            assert_eq!(d[0].path, "");
        }
        let d = lint(
            "https://example.com/v2/x",
            &json!([]),
            None,
            &LintOptions::default(),
        );
        assert_eq!(
            codes(&d),
            ["not-an-object", "unknown-endpoint", "not-segment-host"]
        );
        assert!(with_code(&lint_at("/v1/track", track()), "not-an-object").is_empty());
    }

    #[test]
    fn unknown_endpoint() {
        for url in [
            "not a url",
            "",
            "ftp://api.segment.io/v1/track",
            "https://api.segment.io/v2/track",
            "https://api.segment.io/v1/b",
            "https://api.segment.io/track",
            "https://api.segment.io/",
        ] {
            let d = lint(url, &track(), None, &LintOptions::default());
            let e = one(&d, "unknown-endpoint");
            assert_eq!(e.path, "");
            assert_eq!(e.severity, Severity::Error);
        }
        // Only the rules that do not depend on the call type run.
        let d = lint_at("/v1/nope", json!({}));
        assert_eq!(codes(&d), ["unknown-endpoint"]);
        let d = lint_at("/v1/nope", dodo_body());
        assert_eq!(codes(&d), ["unknown-endpoint", "untransformed"]);
        let big = json!({"x": "a".repeat(40_000)});
        assert_eq!(
            codes(&lint_at("/v1/nope", big)),
            ["unknown-endpoint", "too-large"]
        );
        for path in [
            "/v1/track",
            "/v1/track/",
            "/v1/identify",
            "/v1/page",
            "/v1/screen",
            "/v1/group",
            "/v1/alias",
            "/v1/batch",
            "/v1/import/",
        ] {
            let d = lint(
                &format!("https://api.segment.io{path}?x=1"),
                &json!({}),
                None,
                &LintOptions::default(),
            );
            assert!(with_code(&d, "unknown-endpoint").is_empty(), "{path}");
        }
    }

    #[test]
    fn not_segment_host() {
        let d = lint(
            "https://example.com/v1/track",
            &track(),
            None,
            &LintOptions::default(),
        );
        let w = one(&d, "not-segment-host");
        assert_eq!(w.severity, Severity::Warning);
        assert!(w.message.contains("example.com"), "{}", w.message);
        for url in [
            "https://api.segment.io/v1/track",
            "https://events.eu1.segmentapis.com/v1/track",
            "https://API.SEGMENT.IO/v1/track",
        ] {
            let d = lint(url, &track(), None, &LintOptions::default());
            assert!(d.is_empty(), "{url}: {d:?}");
        }
        let opts = LintOptions {
            endpoint: url::Url::parse("http://localhost:8080").ok(),
            region: None,
        };
        assert!(lint("http://localhost:8080/v1/track", &track(), None, &opts).is_empty());
        let d = lint("http://127.0.0.1:8080/v1/track", &track(), None, &opts);
        assert_eq!(codes(&d), ["not-segment-host"]);
        // An unparsable URL gets only unknown-endpoint.
        let d = lint("::", &track(), None, &LintOptions::default());
        assert_eq!(codes(&d), ["unknown-endpoint"]);
    }

    #[test]
    fn region_mismatch() {
        let opts = |region| LintOptions {
            endpoint: None,
            region,
        };
        let us = "https://api.segment.io/v1/track";
        let eu = "https://events.eu1.segmentapis.com/v1/track";
        let d = lint(us, &track(), None, &opts(Some(Region::Eu)));
        let w = one(&d, "region-mismatch");
        assert!(
            w.message
                .contains("EU workspace keys sent to api.segment.io"),
            "{}",
            w.message
        );
        assert!(w.message.contains("will not appear"));
        let d = lint(eu, &track(), None, &opts(Some(Region::Us)));
        assert!(one(&d, "region-mismatch").message.contains("rejects"));
        assert!(lint(us, &track(), None, &opts(Some(Region::Us))).is_empty());
        assert!(lint(eu, &track(), None, &opts(Some(Region::Eu))).is_empty());
        assert!(lint(us, &track(), None, &opts(None)).is_empty());
        let d = lint(
            "https://example.com/v1/track",
            &track(),
            None,
            &opts(Some(Region::Eu)),
        );
        assert_eq!(codes(&d), ["not-segment-host"]);
    }

    #[test]
    fn type_mismatch() {
        let d = lint_at("/v1/track", set(track(), "type", json!("identify")));
        let w = one(&d, "type-mismatch");
        assert_eq!(w.path, "/type");
        assert!(w.message.contains("/v1/track") && w.message.contains("identify"));
        assert!(lint_at("/v1/track", set(track(), "type", json!("track"))).is_empty());
        assert!(lint_at("/v1/track", set(track(), "type", json!("Order"))).is_empty());
        assert!(lint_at("/v1/track", set(track(), "type", json!(3))).is_empty());
    }

    #[test]
    fn field_not_object() {
        let d = lint_at("/v1/track", set(track(), "properties", json!("x")));
        assert_eq!(paths(&d, "field-not-object"), ["/properties"]);
        let d = lint_at("/v1/track", set(track(), "context", json!([1])));
        assert_eq!(paths(&d, "field-not-object"), ["/context"]);
        assert!(lint_at("/v1/track", set(track(), "properties", json!(null))).is_empty());
        assert!(
            lint_at(
                "/v1/track",
                set(track(), "integrations", json!({"All": true}))
            )
            .is_empty()
        );
    }

    // -- required fields ------------------------------------------------------------------------

    #[test]
    fn missing_identity() {
        for (path, payload) in valid_calls() {
            if path == "/v1/alias" {
                continue;
            }
            let bare = unset(unset(payload.clone(), "userId"), "anonymousId");
            let d = lint_at(path, bare);
            let e = one(&d, "missing-identity");
            assert_eq!((e.path.as_str(), e.severity), ("", Severity::Error));
            assert!(
                e.message
                    .contains("Segment accepts the call with 200 but silently drops it: no userId or anonymousId"),
                "{}",
                e.message
            );
        }
        let t = unset(track(), "userId");
        for (user, anon, fires) in [
            (json!(""), json!(null), true),
            (json!("   "), json!(null), true),
            (json!(null), json!(null), true),
            (json!(null), json!(""), true),
            (json!(42), json!(null), false),
            (json!(0), json!(null), false),
            (json!(null), json!("a1"), false),
            (json!(true), json!("a1"), false),
            (json!("u"), json!({}), false),
        ] {
            let d = lint_at(
                "/v1/track",
                set(
                    set(t.clone(), "userId", user.clone()),
                    "anonymousId",
                    anon.clone(),
                ),
            );
            assert_eq!(
                !with_code(&d, "missing-identity").is_empty(),
                fires,
                "{user} {anon}: {d:?}"
            );
        }
        let d = lint_at("/v1/track", set(t.clone(), "userId", json!("")));
        assert!(
            one(&d, "missing-identity")
                .message
                .contains("userId is empty and there is no anonymousId")
        );
        let d = lint_at("/v1/track", set(t.clone(), "userId", json!({"id": 1})));
        let e = one(&d, "missing-identity");
        assert_eq!(e.path, "/userId");
        assert!(
            e.message.contains("userId must be a string, not an object"),
            "{}",
            e.message
        );
        let d = lint_at("/v1/track", set(t, "anonymousId", json!([1])));
        assert_eq!(one(&d, "missing-identity").path, "/anonymousId");
        // Alias has its own rule.
        let d = lint_at(
            "/v1/alias",
            json!({"previousId": "a", "userId": "u", "messageId": "m"}),
        );
        assert!(d.is_empty());
    }

    #[test]
    fn missing_event_and_event_not_string() {
        let d = lint_at("/v1/track", unset(track(), "event"));
        assert_eq!(paths(&d, "missing-event"), [""]);
        for (event, path) in [
            (json!(null), "/event"),
            (json!(""), "/event"),
            (json!(" "), "/event"),
        ] {
            let d = lint_at("/v1/track", set(track(), "event", event));
            assert_eq!(paths(&d, "missing-event"), [path]);
            assert!(with_code(&d, "event-not-string").is_empty());
        }
        for event in [
            json!(42),
            json!(true),
            json!({"name": "x"}),
            json!(["Order Completed"]),
        ] {
            let d = lint_at("/v1/track", set(track(), "event", event.clone()));
            let e = one(&d, "event-not-string");
            assert_eq!(e.path, "/event");
            assert!(e.message.contains("must be a string"), "{}", e.message);
            assert!(with_code(&d, "missing-event").is_empty());
        }
        let d = lint_at("/v1/track", set(track(), "event", json!(42)));
        assert!(
            one(&d, "event-not-string")
                .message
                .contains("a number (42)")
        );
        // Only track needs an event.
        assert!(lint_at("/v1/page", json!({"userId": "u", "messageId": "m"})).is_empty());
    }

    #[test]
    fn missing_group_id() {
        let g = json!({"userId": "u", "messageId": "m"});
        let d = lint_at("/v1/group", g.clone());
        assert_eq!(paths(&d, "missing-group-id"), [""]);
        assert!(one(&d, "missing-group-id").message.contains("no groupId"));
        assert_eq!(
            paths(
                &lint_at("/v1/group", set(g.clone(), "groupId", json!(""))),
                "missing-group-id"
            ),
            [""]
        );
        let d = lint_at("/v1/group", set(g.clone(), "groupId", json!([])));
        assert_eq!(paths(&d, "missing-group-id"), ["/groupId"]);
        assert!(lint_at("/v1/group", set(g.clone(), "groupId", json!(7))).is_empty());
        assert!(lint_at("/v1/group", set(g, "groupId", json!("g"))).is_empty());
        assert!(
            with_code(
                &lint_at("/v1/identify", json!({"userId": "u"})),
                "missing-group-id"
            )
            .is_empty()
        );
    }

    #[test]
    fn missing_previous_id() {
        let d = lint_at("/v1/alias", json!({"userId": "u", "messageId": "m"}));
        let e = one(&d, "missing-previous-id");
        assert_eq!(e.path, "");
        assert!(
            e.message.contains("no previousId") && !e.message.contains("no userId"),
            "{}",
            e.message
        );
        let d = lint_at(
            "/v1/alias",
            json!({"previousId": "p", "anonymousId": "a", "messageId": "m"}),
        );
        let e = one(&d, "missing-previous-id");
        assert!(
            e.message.contains("no userId") && !e.message.contains("no previousId"),
            "{}",
            e.message
        );
        let d = lint_at("/v1/alias", json!({"messageId": "m"}));
        let e = one(&d, "missing-previous-id");
        assert!(
            e.message.contains("there is no previousId or userId"),
            "{}",
            e.message
        );
        let d = lint_at("/v1/alias", json!({"previousId": {}, "userId": "u"}));
        assert_eq!(paths(&d, "missing-previous-id"), ["/previousId"]);
        assert!(with_code(&d, "missing-identity").is_empty());
    }

    // -- batch ----------------------------------------------------------------------------------

    #[test]
    fn batch_items_are_linted_with_their_paths() {
        let payload = json!({
            "userId": "envelope-user",
            "context": {"ip": "1.2.3.4"},
            "batch": [
                set(track(), "event", json!(null)),
                {"type": "identify", "messageId": "m"},
                "not an event",
                {"type": "payment.succeeded", "messageId": "m"},
                {"messageId": "m", "userId": "u"},
                {"type": "group", "userId": "u", "messageId": "m", "groupId": "g", "traits": {"price": "1"}},
                {"type": "batch", "messageId": "m"},
            ]
        });
        let d = lint_at("/v1/batch", payload);
        assert_eq!(paths(&d, "missing-event"), ["/batch/0/event"]);
        assert_eq!(paths(&d, "missing-identity"), ["/batch/1"]);
        assert!(
            one(&d, "missing-identity")
                .message
                .contains("silently drops this event: no userId or anonymousId (the batch's own"),
            "{d:#?}"
        );
        assert_eq!(
            paths(&d, "missing-type"),
            ["/batch/2", "/batch/3", "/batch/4", "/batch/6"]
        );
        let d3 = with_code(&d, "missing-type")[1];
        assert!(
            d3.message.contains("\"payment.succeeded\""),
            "{}",
            d3.message
        );
        assert_eq!(paths(&d, "numeric-string"), ["/batch/5/traits/price"]);
        assert!(with_code(&d, "no-message-id").is_empty());
        let d = lint_at(
            "/v1/import",
            json!({"batch": [{"type": "track", "userId": "u", "event": "A B"}]}),
        );
        assert_eq!(paths(&d, "no-message-id"), ["/batch/0"]);
    }

    #[test]
    fn bad_batch() {
        let d = lint_at("/v1/batch", json!({}));
        assert_eq!(paths(&d, "bad-batch"), [""]);
        assert!(one(&d, "bad-batch").message.starts_with("Segment rejects"));
        let d = lint_at("/v1/import", json!({"batch": {"type": "track"}}));
        assert_eq!(paths(&d, "bad-batch"), ["/batch"]);
        assert!(lint_at("/v1/batch", json!({"batch": []})).is_empty());
        // A single call posted to the batch endpoint.
        let d = lint_at("/v1/batch", track());
        assert_eq!(codes(&d), ["bad-batch"]);
    }

    #[test]
    fn batch_envelope_timestamps() {
        let d = lint_at("/v1/batch", json!({"batch": [], "sentAt": "now"}));
        assert_eq!(paths(&d, "bad-timestamp"), ["/sentAt"]);
    }

    // -- size -----------------------------------------------------------------------------------

    /// A track call whose compact JSON is exactly `n` bytes.
    fn track_of_size(n: usize) -> Value {
        let base = set(track(), "properties", json!({"pad": ""}));
        let pad = n - json_size(&base);
        let v = set(track(), "properties", json!({"pad": "a".repeat(pad)}));
        assert_eq!(json_size(&v), n);
        v
    }

    #[test]
    fn too_large_single_call() {
        assert!(lint_at("/v1/track", track_of_size(32_000)).is_empty());
        let d = lint_at("/v1/track", track_of_size(32_001));
        let e = one(&d, "too-large");
        assert_eq!((e.path.as_str(), e.severity), ("", Severity::Error));
        assert_eq!(
            e.message,
            "Segment rejects this call with 400: it is 32001 bytes, over the 32,000-byte limit"
        );
        assert_eq!(
            json_size(&track()),
            serde_json::to_vec(&track()).map(|v| v.len()).unwrap_or(0)
        );
    }

    #[test]
    fn too_large_batches() {
        let item = set(track_of_size(32_001), "type", json!("track"));
        let d = lint_at("/v1/batch", json!({"batch": [track(), item]}));
        assert_eq!(paths(&d, "too-large"), ["/batch/1"]);
        assert!(one(&d, "too-large").message.contains("this event"));

        let item = set(track_of_size(30_000), "type", json!("track"));
        let d = lint_at("/v1/batch", json!({"batch": vec![item; 16]}));
        assert_eq!(paths(&d, "too-large"), [""]);
        assert!(one(&d, "too-large").message.contains("475,000"));

        let small = json!({"type": "track", "userId": "u", "event": "A B", "messageId": "m"});
        let d = lint_at("/v1/batch", json!({"batch": vec![small.clone(); 2_501]}));
        assert_eq!(paths(&d, "too-large"), ["/batch"]);
        assert!(one(&d, "too-large").message.contains("2501 events"));
        assert!(lint_at("/v1/batch", json!({"batch": vec![small; 2_500]})).is_empty());
    }

    // -- timestamps and message ids -------------------------------------------------------------

    #[test]
    fn iso8601_table() {
        for ok in [
            "2024-01-02",
            "2024-01-02T03:04:05",
            "2024-01-02T03:04:05.123",
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.123456789Z",
            "2024-01-02T03:04:05+05:30",
            "2024-01-02T03:04:05-08:00",
            "2024-01-02T03:04:05-0800",
            "2024-01-02T03:04:05.1+01",
            "2024-01-02T03:04Z",
            "2024-01-02t03:04:05z",
            "2024-01-02 03:04:05Z",
            "2024-02-29T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2026-11-26T14:02:11.512Z",
            "2025-08-04T05:39:56.397297Z",
        ] {
            assert!(is_iso8601(ok), "{ok} should be accepted");
        }
        for bad in [
            "2015-2-02T00:30:08.276Z",
            "",
            "yesterday",
            "1700000000",
            "24-01-02",
            "2024/01/02",
            "2024-1-02",
            "2024-01-2",
            "2024-13-01",
            "2023-02-29",
            "2024-01-32",
            "2024-00-10",
            "2024-01-02T",
            "2024-01-02T3:04:05Z",
            "2024-01-02T24:00:00Z",
            "2024-01-02T03:60:00Z",
            "2024-01-02T03:04:61Z",
            "2024-01-02T03:04:05.Z",
            "2024-01-02T03:04:05ZZ",
            "2024-01-02T03:04:05 Z",
            "2024-01-02T03:04:05+25:00",
            "2024-01-02T03:04:05+05:60",
            "2024-01-02T03:04:05+05:",
            "2024-01-02T03:04:05+05:30:00",
            "2024-01-02T03:04:05+5",
            " 2024-01-02",
            "2024-01-02 ",
            "2024-01-02X03:04:05",
            "２０２４-01-02",
            "Tue, 02 Jan 2024 03:04:05 GMT",
        ] {
            assert!(!is_iso8601(bad), "{bad} should be rejected");
        }
    }

    #[test]
    fn bad_timestamp() {
        for key in ["timestamp", "sentAt", "originalTimestamp"] {
            for value in [
                json!(1_700_000_000),
                json!("2015-2-02T00:30:08.276Z"),
                json!("soon"),
                json!({}),
            ] {
                let d = lint_at("/v1/track", set(track(), key, value.clone()));
                let e = one(&d, "bad-timestamp");
                assert_eq!(e.path, format!("/{key}"), "{value}");
                assert_eq!(e.severity, Severity::Error);
            }
            for value in [
                json!(null),
                json!("2026-11-26T14:02:11.512Z"),
                json!("2024-01-02"),
            ] {
                assert!(lint_at("/v1/track", set(track(), key, value)).is_empty());
            }
        }
        let d = lint_at("/v1/track", set(track(), "timestamp", json!(17)));
        assert!(one(&d, "bad-timestamp").message.contains("a number (17)"));
    }

    #[test]
    fn message_id_too_long() {
        let ok = "m".repeat(99);
        assert!(lint_at("/v1/track", set(track(), "messageId", json!(ok))).is_empty());
        let d = lint_at(
            "/v1/track",
            set(track(), "messageId", json!("m".repeat(100))),
        );
        let e = one(&d, "message-id-too-long");
        assert_eq!(e.path, "/messageId");
        assert!(e.message.contains("100"));
        // Characters, not bytes.
        assert!(
            lint_at(
                "/v1/track",
                set(track(), "messageId", json!("é".repeat(99)))
            )
            .is_empty()
        );
        let d = lint_at(
            "/v1/track",
            set(track(), "messageId", json!("é".repeat(100))),
        );
        assert_eq!(paths(&d, "message-id-too-long"), ["/messageId"]);
    }

    #[test]
    fn no_message_id() {
        let d = lint_at("/v1/track", unset(track(), "messageId"));
        assert_eq!(codes(&d), ["no-message-id"]);
        assert_eq!((d[0].path.as_str(), d[0].severity), ("", Severity::Info));
        assert_eq!(
            codes(&lint_at("/v1/track", set(track(), "messageId", json!("")))),
            ["no-message-id"]
        );
        assert_eq!(
            codes(&lint_at(
                "/v1/track",
                set(track(), "messageId", json!(null))
            )),
            ["no-message-id"]
        );
        assert!(lint_at("/v1/track", track()).is_empty());
    }

    // -- untransformed ----------------------------------------------------------------------------

    #[test]
    fn untransformed() {
        let d = lint_at("/v1/track", dodo_body());
        let w = one(&d, "untransformed");
        assert_eq!((w.path.as_str(), w.severity), ("", Severity::Warning));
        assert!(w.message.contains("\"payment.succeeded\""), "{}", w.message);
        assert!(w.message.contains("no userId/anonymousId and no event"));
        assert!(w.message.contains("`webhook.cancel = true`"));
        // The errors it explains are still reported: the call is dropped.
        assert_eq!(paths(&d, "missing-identity"), [""]);
        assert_eq!(paths(&d, "missing-event"), [""]);
        assert!(has_errors(&d));
        // Identity given: no longer the body falling through.
        let d = lint_at("/v1/track", set(dodo_body(), "userId", json!("cus_1")));
        assert!(with_code(&d, "untransformed").is_empty());
        assert!(with_code(&lint_at("/v1/track", track()), "untransformed").is_empty());
        let d = lint_at("/v1/identify", dodo_body());
        assert!(
            one(&d, "untransformed")
                .message
                .contains("no userId/anonymousId")
        );
        let d = lint_at("/v1/batch", json!({"batch": [dodo_body()]}));
        assert_eq!(paths(&d, "untransformed"), ["/batch/0"]);
    }

    // -- event names ------------------------------------------------------------------------------

    #[test]
    fn event_name_style_table() {
        for ok in [
            "Order Completed",
            "Product Added to Wishlist",
            "Product Added To Wishlist",
            "API Key Created",
            "Signed Up",
            "Checkout Step Viewed",
            "Step 2 Completed",
            "3D Secure Passed",
            "Men's Jeans Viewed",
            "The Order Completed",
            "Trial Started",
        ] {
            assert!(is_title_case_event(ok), "{ok}");
            let d = lint_at("/v1/track", set(track(), "event", json!(ok)));
            assert!(d.is_empty(), "{ok}: {d:?}");
        }
        for bad in [
            "payment.succeeded",
            "Order completed",
            "Registered",
            "order_completed",
            "Order  Completed",
            " Order Completed",
            "Order Completed ",
            "the Order Completed",
            "Product Added to",
            "Order:Completed Now",
            "Payment-Succeeded Now",
            "Order_Completed Now",
            "orderCompleted",
            "ORDER_COMPLETED",
        ] {
            assert!(!is_title_case_event(bad), "{bad}");
            let d = lint_at("/v1/track", set(track(), "event", json!(bad)));
            let w = one(&d, "event-name-style");
            assert_eq!((w.path.as_str(), w.severity), ("/event", Severity::Warning));
        }
    }

    #[test]
    fn event_name_suggestions() {
        for (name, want) in [
            ("payment.succeeded", Some("Payment Succeeded")),
            ("Order completed", Some("Order Completed")),
            ("orderCompleted", Some("Order Completed")),
            ("ORDER_COMPLETED", Some("Order Completed")),
            (
                "product_added_to_wishlist",
                Some("Product Added to Wishlist"),
            ),
            (
                "subscription.plan_changed",
                Some("Subscription Plan Changed"),
            ),
            ("Registered", None),
        ] {
            assert_eq!(title_case_suggestion(name).as_deref(), want, "{name}");
        }
        let d = lint_at(
            "/v1/track",
            set(track(), "event", json!("payment.succeeded")),
        );
        let m = &one(&d, "event-name-style").message;
        assert!(
            m.contains("\"payment.succeeded\"") && m.contains("\"Payment Succeeded\""),
            "{m}"
        );
        let d = lint_at("/v1/track", set(track(), "event", json!("Registered")));
        assert!(one(&d, "event-name-style").message.contains("single word"));
    }

    // -- amounts and currencies -------------------------------------------------------------------

    fn with_props(props: Value) -> Value {
        set(track(), "properties", props)
    }

    #[test]
    fn numeric_string() {
        let d = lint_at("/v1/track", with_props(json!({"revenue": "4.00"})));
        let w = one(&d, "numeric-string");
        assert_eq!(
            (w.path.as_str(), w.severity),
            ("/properties/revenue", Severity::Warning)
        );
        assert_eq!(
            w.message,
            "Segment keeps the string \"4.00\"; destinations that sum revenue treat it as text or drop it: send a number"
        );
        let d = lint_at(
            "/v1/track",
            with_props(json!({
                "value": "5",
                "total": 5,
                "order_total": "12",
                "shipping_amount": "$1",
                "unit_price": "2",
                "Subtotal": "3",
                "products": [{"price": 19.99}, {"price": "19.99", "quantity": "1"}],
                "filters": [{"type": "price", "value": "<20"}],
                "name": "12",
            })),
        );
        assert_eq!(
            paths(&d, "numeric-string"),
            [
                "/properties/Subtotal",
                "/properties/order_total",
                "/properties/products/1/price",
                "/properties/shipping_amount",
                "/properties/unit_price",
                "/properties/value",
            ]
        );
        let shipping = with_code(&d, "numeric-string")
            .into_iter()
            .find(|x| x.path.ends_with("shipping_amount"));
        assert!(shipping.is_some_and(|x| x.message.contains("expect a number")));
        // Traits for identify and group; nothing for alias.
        let d = lint_at(
            "/v1/identify",
            json!({"userId": "u", "traits": {"plan_price": "9"}}),
        );
        assert_eq!(paths(&d, "numeric-string"), ["/traits/plan_price"]);
        let d = lint_at(
            "/v1/group",
            json!({"userId": "u", "groupId": "g", "traits": {"amount": "9"}}),
        );
        assert_eq!(paths(&d, "numeric-string"), ["/traits/amount"]);
        let d = lint_at("/v1/track", set(track(), "traits", json!({"amount": "9"})));
        assert!(with_code(&d, "numeric-string").is_empty());
        assert!(lint_at("/v1/track", with_props(json!({"revenue": 4.0, "price": 0}))).is_empty());
    }

    #[test]
    fn currency_code() {
        let d = lint_at(
            "/v1/track",
            with_props(json!({"revenue": 4, "currency": "usd"})),
        );
        let w = one(&d, "currency-code");
        assert_eq!(
            (w.path.as_str(), w.severity),
            ("/properties/currency", Severity::Warning)
        );
        assert!(w.message.contains("use \"USD\""), "{}", w.message);
        for bad in [
            json!("dollars"),
            json!(840),
            json!(""),
            json!("US"),
            json!({"code": "USD"}),
        ] {
            let d = lint_at("/v1/track", with_props(json!({"currency": bad})));
            assert_eq!(paths(&d, "currency-code"), ["/properties/currency"]);
        }
        let d = lint_at(
            "/v1/track",
            with_props(json!({"products": [{"currency": "eur"}]})),
        );
        assert_eq!(
            paths(&d, "currency-code"),
            ["/properties/products/0/currency"]
        );
        for ok in [json!("USD"), json!("JPY"), json!("KWD"), json!(null)] {
            assert!(lint_at("/v1/track", with_props(json!({"currency": ok}))).is_empty());
        }
        let d = lint_at(
            "/v1/identify",
            json!({"userId": "u", "traits": {"currency": "eur"}}),
        );
        assert_eq!(paths(&d, "currency-code"), ["/traits/currency"]);
    }

    fn lint_from(props: Value, source: &Value) -> Vec<Diagnostic> {
        lint(
            "https://api.segment.io/v1/track",
            &with_props(props),
            Some(source),
            &LintOptions::default(),
        )
    }

    #[test]
    fn minor_units_with_source() {
        let src = dodo_body();
        let d = lint_from(json!({"revenue": 45, "currency": "JPY"}), &src);
        let w = one(&d, "minor-units");
        assert_eq!(
            (w.path.as_str(), w.severity),
            ("/properties/revenue", Severity::Warning)
        );
        assert!(
            w.message.contains("4500 is 4500 JPY, not 45"),
            "{}",
            w.message
        );
        assert!(
            w.message.contains("do not divide it by 100"),
            "{}",
            w.message
        );
        // Currency from the webhook when the output has none.
        let d = lint_from(json!({"revenue": 45.0}), &src);
        assert_eq!(paths(&d, "minor-units"), ["/properties/revenue"]);
        // Right amount.
        assert!(lint_from(json!({"revenue": 4500, "currency": "JPY"}), &src).is_empty());
        // 45 is also the webhook's tax in yen: not a divided amount.
        let src_tax = json!({"business_id": "b", "type": "t", "data": {"total_amount": 4500, "tax": 4500, "fee": 45, "currency": "JPY"}});
        assert!(lint_from(json!({"revenue": 45, "currency": "JPY"}), &src_tax).is_empty());
        // Three decimals.
        let kwd = json!({"data": {"total_amount": 12345, "currency": "KWD"}});
        let d = lint_from(
            json!({"products": [{"price": 123.45}], "currency": "KWD"}),
            &kwd,
        );
        let w = one(&d, "minor-units");
        assert_eq!(w.path, "/properties/products/0/price");
        assert!(
            w.message.contains("12.345 KWD, not 123.45") && w.message.contains("1000"),
            "{}",
            w.message
        );
        assert!(lint_from(json!({"revenue": 12.345, "currency": "KWD"}), &kwd).is_empty());
        // Two decimals: dividing by 100 is right.
        let usd = json!({"data": {"total_amount": 4500, "currency": "USD"}});
        assert!(lint_from(json!({"revenue": 45, "currency": "USD"}), &usd).is_empty());
        // Digit strings in the webhook and numeric strings in the output count.
        let strs = json!({"data": {"amount": "4500", "currency": "JPY"}});
        let d = lint_from(json!({"revenue": "45", "currency": "JPY"}), &strs);
        assert_eq!(paths(&d, "minor-units"), ["/properties/revenue"]);
        assert_eq!(paths(&d, "numeric-string"), ["/properties/revenue"]);
    }

    #[test]
    fn minor_units_without_source() {
        let d = lint_at(
            "/v1/track",
            with_props(json!({"revenue": 45.5, "currency": "JPY"})),
        );
        let w = one(&d, "minor-units");
        assert!(w.message.contains("4550 JPY"), "{}", w.message);
        assert!(
            lint_at(
                "/v1/track",
                with_props(json!({"revenue": 45, "currency": "JPY"}))
            )
            .is_empty()
        );
        assert!(
            lint_at(
                "/v1/track",
                with_props(json!({"revenue": 1.234, "currency": "KWD"}))
            )
            .is_empty()
        );
        assert!(
            lint_at(
                "/v1/track",
                with_props(json!({"revenue": 45.5, "currency": "USD"}))
            )
            .is_empty()
        );
        assert!(lint_at("/v1/track", with_props(json!({"revenue": 45.5}))).is_empty());
    }

    // -- property names ---------------------------------------------------------------------------

    #[test]
    fn property_style() {
        let d = lint_at(
            "/v1/track",
            with_props(
                json!({"Referrer Name": 1, "isLive": true, "order_id": 1, "a/b~c": 1, "firstName": "x", "nested": {"camelCase": 1}}),
            ),
        );
        assert_eq!(
            paths(&d, "property-style"),
            [
                "/properties/Referrer Name",
                "/properties/a~1b~0c",
                "/properties/firstName",
                "/properties/isLive"
            ]
        );
        assert!(
            with_code(&d, "property-style")
                .iter()
                .all(|x| x.severity == Severity::Info)
        );
        let live = with_code(&d, "property-style")
            .into_iter()
            .find(|x| x.path.ends_with("isLive"));
        assert!(live.is_some_and(|x| x.message.contains("(\"is_live\")")));
        let d = lint_at(
            "/v1/identify",
            json!({"userId": "u", "traits": {"firstName": "a", "createdAt": "2024-01-02", "industry": "x", "favoriteColor": "red"}}),
        );
        assert_eq!(paths(&d, "property-style"), ["/traits/favoriteColor"]);
        assert!(one(&d, "property-style").message.contains("trait name"));
        assert!(
            lint_at(
                "/v1/track",
                with_props(json!({"order_id": 1, "step2": 2, "a_1_b": 3}))
            )
            .is_empty()
        );
    }

    #[test]
    fn snake_case_helpers() {
        for ok in ["a", "order_id", "step2", "a_1_b", "x9"] {
            assert!(is_snake_case(ok), "{ok}");
        }
        for bad in ["", "_a", "a_", "a__b", "A", "aB", "1a", "a-b", "a b", "é"] {
            assert!(!is_snake_case(bad), "{bad}");
        }
        assert_eq!(
            snake_suggestion("Referrer Name").as_deref(),
            Some("referrer_name")
        );
        assert_eq!(snake_suggestion("userID").as_deref(), Some("user_id"));
        assert_eq!(snake_suggestion("CDN").as_deref(), Some("cdn"));
        assert_eq!(snake_suggestion("ÉÉ"), None);
    }

    // -- output order and pointers ----------------------------------------------------------------

    #[test]
    fn sorted_by_severity_rule_then_path() {
        let mut items = Vec::new();
        for i in 0..12 {
            items.push(json!({"type": "track", "event": "x", "properties": {"camelCase": 1}}));
            if i == 5 {
                items.push(json!({"type": "track", "userId": "u", "event": "Order Completed", "timestamp": 1}));
            }
        }
        let d = lint_at("/v1/batch", json!({"batch": items}));
        let sev: Vec<Severity> = d.iter().map(|x| x.severity).collect();
        let mut sorted = sev.clone();
        sorted.sort();
        assert_eq!(sev, sorted);
        let rank = |c: &str| RULES.iter().position(|r| r.code == c);
        for pair in d.windows(2) {
            if pair[0].severity == pair[1].severity {
                assert!(rank(&pair[0].code) <= rank(&pair[1].code), "{pair:?}");
                if pair[0].code == pair[1].code {
                    assert_ne!(cmp_pointer(&pair[0].path, &pair[1].path), Ordering::Greater);
                }
            }
        }
        let ids = paths(&d, "missing-identity");
        assert_eq!(ids.len(), 12);
        assert_eq!(ids[..3], ["/batch/0", "/batch/1", "/batch/2"]);
        assert_eq!(ids[11], "/batch/12");
        assert_eq!(codes(&d)[..12], ["missing-identity"; 12]);
        assert_eq!(codes(&d)[12], "bad-timestamp");
        assert_eq!(d.last().map(|x| x.code.as_str()), Some("no-message-id"));
    }

    #[test]
    fn pointers() {
        assert_eq!(child("", "a"), "/a");
        assert_eq!(child("/batch/0", "a/b~c"), "/batch/0/a~1b~0c");
        assert_eq!(child("", ""), "/");
        assert_eq!(cmp_pointer("/batch/2", "/batch/10"), Ordering::Less);
        assert_eq!(cmp_pointer("", "/a"), Ordering::Less);
        assert_eq!(cmp_pointer("/a/b", "/a"), Ordering::Greater);
        assert_eq!(cmp_pointer("/b", "/a/z"), Ordering::Greater);
        assert_eq!(cmp_pointer("/x", "/x"), Ordering::Equal);
        // Every path points into the payload (or at a field that should be there).
        let payload = json!({"batch": [{"type": "track", "event": 5, "properties": {"a/b": "1", "price": "2"}}]});
        for d in lint_at("/v1/batch", payload.clone()) {
            let parent = d.path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
            assert!(
                payload.pointer(&d.path).is_some() || payload.pointer(parent).is_some(),
                "{d:?}"
            );
        }
    }

    #[test]
    fn messages_show_short_values_only() {
        assert_eq!(show_str("abc"), "\"abc\"");
        assert_eq!(show_str("a\"b"), "\"a\\\"b\"");
        let long = show_str(&"x".repeat(100));
        assert!(
            long.chars().count() <= 42 && long.ends_with("…\""),
            "{long}"
        );
        assert_eq!(describe(&json!({})), "an object");
        assert_eq!(describe(&json!([])), "an empty array");
        assert_eq!(describe(&json!(1.5)), "a number (1.5)");
    }

    #[test]
    fn parse_decimal_is_strict() {
        assert_eq!(parse_decimal("4.00"), Some(4.0));
        assert_eq!(parse_decimal(" -12 "), Some(-12.0));
        assert_eq!(parse_decimal(".5"), Some(0.5));
        for bad in [
            "", ".", "-", "1e3", "inf", "NaN", "1.2.3", "$4", "4,00", "0x10",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn any_json_in_any_field_does_not_panic() {
        let values = [
            json!(null),
            json!(true),
            json!(0),
            json!(-1.5),
            json!(1e308),
            json!(u64::MAX),
            json!(""),
            json!("x"),
            json!("2024-01-02T03:04:05Z"),
            json!("é".repeat(300)),
            json!([]),
            json!([1, "a", null]),
            json!({}),
            json!({"a": {"b": [1]}}),
        ];
        let keys = [
            "userId",
            "anonymousId",
            "event",
            "groupId",
            "previousId",
            "messageId",
            "timestamp",
            "sentAt",
            "originalTimestamp",
            "properties",
            "traits",
            "context",
            "integrations",
            "type",
            "batch",
            "business_id",
            "data",
            "currency",
            "revenue",
        ];
        let src = dodo_body();
        for path in [
            "/v1/track",
            "/v1/identify",
            "/v1/page",
            "/v1/screen",
            "/v1/group",
            "/v1/alias",
            "/v1/batch",
            "/v1/import",
            "/v1/x",
        ] {
            for key in keys {
                for v in &values {
                    let single = json!({ key: v });
                    let props =
                        json!({"properties": { key: v, "currency": v }, "traits": { key: v }});
                    let batch = json!({"batch": [{ "type": "track", key: v }, v]});
                    for payload in [single, props, batch] {
                        let _ = lint(
                            &format!("https://api.segment.io{path}"),
                            &payload,
                            Some(&src),
                            &LintOptions::default(),
                        );
                        let _ = lint(
                            &format!("https://api.segment.io{path}"),
                            &payload,
                            Some(v),
                            &LintOptions::default(),
                        );
                    }
                }
            }
        }
        // Deeper than the walks go.
        let mut deep = json!({"price": "1"});
        for _ in 0..400 {
            deep = json!({"a": [deep]});
        }
        let _ = lint_at("/v1/track", with_props(deep.clone()));
        let _ = lint(
            "https://api.segment.io/v1/track",
            &track(),
            Some(&deep),
            &LintOptions::default(),
        );
    }
}
