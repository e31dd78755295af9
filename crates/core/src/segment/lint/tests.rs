//! Tests of the linter as a whole, through `lint`.

use super::batch::json_size;
use super::naming::{is_title_case_event, title_case_suggestion};
use super::*;
use serde_json::json;
use std::cmp::Ordering;

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
        (Rule::PropertiesNotObject, "properties-not-object"),
        (Rule::TraitsNotObject, "traits-not-object"),
        (Rule::NameNotString, "name-not-string"),
        (Rule::CategoryNotString, "category-not-string"),
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
        (Rule::DuplicateMessageId, "duplicate-message-id"),
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
    // A track call's own properties that are not an object is an error of its own (below).
    let d = lint_at("/v1/track", set(track(), "properties", json!("x")));
    assert_eq!(paths(&d, "properties-not-object"), ["/properties"]);
    assert!(with_code(&d, "field-not-object").is_empty());
    let identify = json!({"userId": "u1", "messageId": "m"});
    let d = lint_at("/v1/identify", set(identify, "properties", json!("x")));
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
            e.message.contains(
                "Segment accepts the call with 200 but silently drops it: no userId or anonymousId"
            ),
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
    assert!(d.iter().any(|x| x.severity == Severity::Error));
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

// -- output order and pointers ----------------------------------------------------------------

#[test]
fn sorted_by_severity_rule_then_path() {
    let mut items = Vec::new();
    for i in 0..12 {
        items.push(json!({"type": "track", "event": "x", "properties": {"camelCase": 1}}));
        if i == 5 {
            items.push(
                json!({"type": "track", "userId": "u", "event": "Order Completed", "timestamp": 1}),
            );
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
    let payload =
        json!({"batch": [{"type": "track", "event": 5, "properties": {"a/b": "1", "price": "2"}}]});
    for d in lint_at("/v1/batch", payload.clone()) {
        let parent = d.path.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        assert!(
            payload.pointer(&d.path).is_some() || payload.pointer(parent).is_some(),
            "{d:?}"
        );
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
                let props = json!({"properties": { key: v, "currency": v }, "traits": { key: v }});
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

// -- Segment's discard codes ------------------------------------------------------------------

fn segment_code<'a>(d: &'a [Diagnostic], code: &str) -> Option<&'a str> {
    one(d, code).segment_code.as_deref()
}

#[test]
fn discards_name_segments_code_in_the_message_and_the_field() {
    let cases = [
        (
            "/v1/track",
            unset(track(), "userId"),
            "missing-identity",
            "no_user_anon_id",
        ),
        (
            "/v1/track",
            unset(track(), "event"),
            "missing-event",
            "event_not_defined",
        ),
        (
            "/v1/track",
            set(track(), "event", json!(null)),
            "missing-event",
            "event_not_defined",
        ),
        (
            "/v1/track",
            set(track(), "event", json!(7)),
            "event-not-string",
            "event_not_string",
        ),
        (
            "/v1/track",
            set(track(), "properties", json!([1])),
            "properties-not-object",
            "properties_not_object",
        ),
        (
            "/v1/identify",
            json!({"userId": "u", "traits": "vip", "messageId": "m"}),
            "traits-not-object",
            "traits_not_object",
        ),
        (
            "/v1/page",
            json!({"userId": "u", "name": "", "messageId": "m"}),
            "name-not-string",
            "name_not_string",
        ),
        (
            "/v1/screen",
            json!({"userId": "u", "category": 3, "messageId": "m"}),
            "category-not-string",
            "category_not_string",
        ),
    ];
    for (path, payload, code, segment) in cases {
        let d = lint_at(path, payload.clone());
        let e = one(&d, code);
        assert_eq!(e.severity, Severity::Error, "{code}");
        assert_eq!(e.segment_code.as_deref(), Some(segment), "{code}");
        assert!(
            e.message
                .ends_with(&format!("(Segment's discard code: {segment})")),
            "{}",
            e.message
        );
        // The same call as a batch event carries the same code.
        let t = path.trim_start_matches("/v1/");
        let d = lint_at(
            "/v1/batch",
            json!({"batch": [set(payload, "type", json!(t))]}),
        );
        assert_eq!(segment_code(&d, code), Some(segment), "{code} in a batch");
    }
    // Rules that name no discard code carry none, and the JSON leaves the field out.
    let d = lint_at("/v1/track", set(track(), "event", json!("order_completed")));
    let w = one(&d, "event-name-style");
    assert_eq!(w.segment_code, None);
    let json = serde_json::to_value(w).expect("serialises");
    assert!(json.get("segment_code").is_none(), "{json}");
    let d = lint_at("/v1/group", json!({"userId": "u", "messageId": "m"}));
    assert_eq!(segment_code(&d, "missing-group-id"), None);
    // Every discard rule is an error.
    for r in RULES.iter().filter(|r| r.segment_code.is_some()) {
        assert_eq!(r.severity, Severity::Error, "{}", r.code);
    }
}

#[test]
fn a_diagnostic_without_segment_code_reads_back() {
    let stored =
        json!({"severity": "error", "code": "missing-identity", "path": "", "message": "m"});
    let d: Diagnostic = serde_json::from_value(stored).expect("reads a record stored before");
    assert_eq!(d.segment_code, None);
    let with = Diagnostic::new(Severity::Error, "missing-event", "", "m")
        .with_segment_code("event_not_defined");
    let text = serde_json::to_string(&with).expect("serialises");
    assert!(
        text.ends_with(r#","segment_code":"event_not_defined"}"#),
        "{text}"
    );
    let back: Diagnostic = serde_json::from_str(&text).expect("reads back");
    assert_eq!(back, with);
}

#[test]
fn properties_and_traits_not_objects() {
    for path in ["/v1/track", "/v1/page", "/v1/screen"] {
        let base = json!({"userId": "u", "event": "Order Completed", "messageId": "m"});
        for bad in [json!("x"), json!([]), json!(1), json!(true)] {
            let d = lint_at(path, set(base.clone(), "properties", bad));
            assert_eq!(
                paths(&d, "properties-not-object"),
                ["/properties"],
                "{path}"
            );
            assert!(
                one(&d, "properties-not-object")
                    .message
                    .contains("silently drops it: properties must be an object"),
                "{d:?}"
            );
        }
        for ok in [json!({}), json!({"a": 1}), json!(null)] {
            let d = lint_at(path, set(base.clone(), "properties", ok));
            assert!(with_code(&d, "properties-not-object").is_empty(), "{d:?}");
        }
        // traits on a call that does not carry them stays a warning.
        let d = lint_at(path, set(base.clone(), "traits", json!("x")));
        assert!(with_code(&d, "traits-not-object").is_empty());
        assert_eq!(paths(&d, "field-not-object"), ["/traits"]);
    }
    for path in ["/v1/identify", "/v1/group"] {
        let base = json!({"userId": "u", "groupId": "g", "messageId": "m"});
        let d = lint_at(path, set(base.clone(), "traits", json!([{"a": 1}])));
        assert_eq!(paths(&d, "traits-not-object"), ["/traits"], "{path}");
        for ok in [json!({}), json!({"plan": "pro"}), json!(null)] {
            assert!(lint_at(path, set(base.clone(), "traits", ok)).is_empty());
        }
        let d = lint_at(path, set(base.clone(), "properties", json!(1)));
        assert!(with_code(&d, "properties-not-object").is_empty());
        assert_eq!(paths(&d, "field-not-object"), ["/properties"]);
    }
    // In a batch, the event's pointer.
    let d = lint_at(
        "/v1/batch",
        json!({"batch": [track(), set(track(), "properties", json!("x"))]}),
    );
    assert_eq!(paths(&d, "properties-not-object"), ["/batch/1/properties"]);
    assert!(
        one(&d, "properties-not-object")
            .message
            .contains("silently drops this event")
    );
}

#[test]
fn page_and_screen_name_and_category() {
    for path in ["/v1/page", "/v1/screen"] {
        let base = json!({"userId": "u", "messageId": "m"});
        for (key, code) in [
            ("name", "name-not-string"),
            ("category", "category-not-string"),
        ] {
            for (bad, says) in [
                (json!(""), format!("{key} is empty")),
                (json!(3), format!("{key} must be a string, not a number")),
                (
                    json!({"a": 1}),
                    format!("{key} must be a string, not an object"),
                ),
                (
                    json!(["Home"]),
                    format!("{key} must be a string, not an array"),
                ),
                (json!(false), format!("{key} must be a string, not")),
            ] {
                let d = lint_at(path, set(base.clone(), key, bad.clone()));
                let e = one(&d, code);
                assert_eq!(e.path, format!("/{key}"), "{path} {bad}");
                assert!(e.message.contains(&says), "{}", e.message);
            }
            // Absent, null (what Segment's libraries send when none is given) or a string.
            for ok in [json!(null), json!("Home"), json!(" ")] {
                let d = lint_at(path, set(base.clone(), key, ok.clone()));
                assert!(d.is_empty(), "{path} {key}={ok}: {d:?}");
            }
        }
    }
    // Only page and screen: a track call's name is just a field.
    let d = lint_at("/v1/track", set(track(), "name", json!(3)));
    assert!(with_code(&d, "name-not-string").is_empty());
    let d = lint_at(
        "/v1/identify",
        json!({"userId": "u", "category": "", "messageId": "m"}),
    );
    assert!(with_code(&d, "category-not-string").is_empty());
}

// -- the same messageId across calls ----------------------------------------------------------

const TRACK_URL: &str = "https://api.segment.io/v1/track";

#[test]
fn a_later_different_call_with_an_earlier_messageid_is_flagged() {
    let mut ids = MessageIds::new();
    assert!(ids.check("a.jsonl:1", TRACK_URL, &track()).is_empty());
    let other = set(track(), "userId", json!("u2"));
    let d = ids.check("a.jsonl:2", TRACK_URL, &other);
    let w = one(&d, "duplicate-message-id");
    assert_eq!(
        (w.severity, w.path.as_str()),
        (Severity::Warning, "/messageId")
    );
    assert_eq!(w.segment_code, None);
    assert!(
        w.message
            .starts_with("Segment keeps only the first call with this messageId"),
        "{}",
        w.message
    );
    assert!(
        w.message.contains("a.jsonl:1 (\"Order Completed\")") && w.message.contains("\"m-1\""),
        "{}",
        w.message
    );
    // Still named after the first, not the latest.
    let d = ids.check("a.jsonl:3", TRACK_URL, &set(track(), "userId", json!("u3")));
    assert!(
        one(&d, "duplicate-message-id")
            .message
            .contains("a.jsonl:1")
    );
    assert_eq!(ids.len(), 1);
}

#[test]
fn a_true_duplicate_says_so() {
    let mut ids = MessageIds::new();
    let first = set(track(), "properties", json!({"a": 1, "b": [1, 2]}));
    assert!(ids.check("payment.succeeded", TRACK_URL, &first).is_empty());
    // The same content, keys in another order and another sentAt.
    let again = json!({
        "properties": {"b": [1, 2], "a": 1},
        "messageId": "m-1",
        "event": "Order Completed",
        "userId": "u1",
        "type": "track",
        "sentAt": "2026-01-01T00:00:00Z"
    });
    let d = ids.check("payment.succeeded.2026", TRACK_URL, &again);
    let w = one(&d, "duplicate-message-id");
    assert!(
        w.message
            .starts_with("This call is a duplicate of payment.succeeded (messageId \"m-1\")"),
        "{}",
        w.message
    );
    assert!(
        w.message
            .contains("Segment keeps only the first call with this messageId")
    );
}

#[test]
fn distinct_or_missing_messageids_are_not_flagged() {
    let mut ids = MessageIds::new();
    for (i, id) in [json!("m-1"), json!("m-2"), json!("M-1"), json!("m-1 ")]
        .into_iter()
        .enumerate()
    {
        let d = ids.check(&format!("l{i}"), TRACK_URL, &set(track(), "messageId", id));
        assert!(d.is_empty(), "{d:?}");
    }
    // No id, an empty or non-string one: nothing to compare (no-message-id covers them).
    for _ in 0..2 {
        for call in [
            unset(track(), "messageId"),
            set(track(), "messageId", json!("")),
            set(track(), "messageId", json!(null)),
            set(track(), "messageId", json!(7)),
            json!("not a call"),
        ] {
            assert!(ids.check("x", TRACK_URL, &call).is_empty());
        }
    }
    assert_eq!(ids.len(), 4);
    assert!(!ids.is_empty() && MessageIds::new().is_empty());
}

#[test]
fn batches_are_checked_event_by_event() {
    let batch_url = "https://api.segment.io/v1/batch";
    let mut ids = MessageIds::new();
    let page = json!({"type": "page", "userId": "u", "messageId": "p-1"});
    let batch = json!({"batch": [
        track(),
        page.clone(),
        set(track(), "userId", json!("u9")),
        "not an event"
    ]});
    let d = ids.check("calls.jsonl:1", batch_url, &batch);
    assert_eq!(paths(&d, "duplicate-message-id"), ["/batch/2/messageId"]);
    assert!(
        d[0].message.contains("calls.jsonl:1 /batch/0"),
        "{}",
        d[0].message
    );
    // A later single call repeating a batch event's id; the page is described by its type.
    let d = ids.check(
        "calls.jsonl:2",
        "https://api.segment.io/v1/page",
        &json!({"userId": "u2", "messageId": "p-1"}),
    );
    assert!(
        one(&d, "duplicate-message-id")
            .message
            .contains("calls.jsonl:1 /batch/1 (a page call)"),
        "{d:?}"
    );
    // A `batch` key on a track call is not a batch.
    let mut ids = MessageIds::new();
    let d = ids.check("x", TRACK_URL, &json!({"batch": [track(), track()]}));
    assert!(d.is_empty());
}

#[test]
fn fingerprints_of_deep_values_do_not_overflow() {
    let mut deep = json!(1);
    for _ in 0..400 {
        deep = json!({"a": [deep]});
    }
    let mut ids = MessageIds::new();
    let call = set(track(), "properties", deep);
    assert!(ids.check("1", TRACK_URL, &call).is_empty());
    let d = ids.check("2", TRACK_URL, &call);
    assert!(
        one(&d, "duplicate-message-id")
            .message
            .contains("a duplicate of 1")
    );
}
