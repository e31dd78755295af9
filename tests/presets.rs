//! The built-in transformations on the built-in fixtures, through the public library API.
//!
//! `segment-complete` must lint clean on every fixture and handle every Dodo event type by name.
//! The three guide presets (Dodo's integration guide, verbatim) must give exactly what a standard
//! JavaScript engine gives: the expected outputs below are derived by hand from the guide's code,
//! and, when `node` is installed, also compared with what node computes.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};

use hookbench_core::segment::{Diagnostic, LintOptions, Region, Severity, lint};
use hookbench_core::transform::presets::{self, Preset};
use hookbench_core::transform::{Engine, Limits, RunInput, WebhookOut, scan_compat};
use hookbench_core::webhook::{EVENT_TYPES, Fixture, FixtureSet};
use serde_json::{Value, json};

const US_TRACK: &str = "https://api.segment.io/v1/track";
const US_IDENTIFY: &str = "https://api.segment.io/v1/identify";
const EU_TRACK: &str = "https://events.eu1.segmentapis.com/v1/track";

/// The event types `segment-complete` cancels on purpose.
const CANCELLED_TYPES: [&str; 6] = [
    "payment.processing",
    "payout.created",
    "payout.on_hold",
    "payout.in_progress",
    "payout.failed",
    "payout.success",
];

fn fixtures() -> FixtureSet {
    FixtureSet::builtin().expect("built-in fixtures load")
}

fn fixture<'a>(set: &'a FixtureSet, name: &str) -> &'a Fixture {
    set.get(name)
        .unwrap_or_else(|| panic!("no built-in fixture {name}"))
}

fn preset(name: &str) -> Preset {
    presets::preset(name).unwrap_or_else(|| panic!("no preset {name}"))
}

/// Runs a preset on a fixture and returns the webhook it would send (panics on a failed run).
fn run_with(engine: &Engine, preset_name: &str, f: &Fixture, input: RunInput) -> WebhookOut {
    let p = preset(preset_name);
    let program = engine.compile(p.file, p.source);
    let out = engine.run(&program, input);
    out.result
        .unwrap_or_else(|e| panic!("{preset_name} on {}: {e}; logs: {:?}", f.name, out.logs))
}

fn run(engine: &Engine, preset_name: &str, f: &Fixture) -> WebhookOut {
    let input = RunInput::from_body(f.body.clone(), f.event_type.clone());
    run_with(engine, preset_name, f, input)
}

fn engine() -> Engine {
    Engine::new(Limits::default())
}

fn show(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("  {} {} at {:?}: {}", d.severity, d.code, d.path, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The same 64-bit hash as `hash64` in segment-complete.js (cyrb53's mixing, both halves), over
/// UTF-16 code units as JavaScript's `charCodeAt` sees them.
fn hash64(text: &str) -> String {
    let mut h1: u32 = 0xdead_beef;
    let mut h2: u32 = 0x41c6_ce57;
    for c in text.encode_utf16() {
        h1 = (h1 ^ u32::from(c)).wrapping_mul(2_654_435_761);
        h2 = (h2 ^ u32::from(c)).wrapping_mul(1_597_334_677);
    }
    h1 = (h1 ^ (h1 >> 16)).wrapping_mul(2_246_822_507)
        ^ (h2 ^ (h2 >> 13)).wrapping_mul(3_266_489_909);
    h2 = (h2 ^ (h2 >> 16)).wrapping_mul(2_246_822_507)
        ^ (h1 ^ (h1 >> 13)).wrapping_mul(3_266_489_909);
    format!("{h2:08x}{h1:08x}")
}

/// The messageId segment-complete derives from the event type, object id and timestamp.
fn message_id(event_type: &str, object_id: &str, timestamp: &str) -> String {
    format!(
        "dodo:{event_type}:{}",
        hash64(&format!("{event_type}|{object_id}|{timestamp}"))
    )
}

fn sent(payload: Value) -> WebhookOut {
    sent_to(US_TRACK, payload)
}

fn sent_to(url: &str, payload: Value) -> WebhookOut {
    WebhookOut {
        method: "POST".to_string(),
        url: url.to_string(),
        headers: BTreeMap::new(),
        cancel: false,
        payload,
    }
}

// ---------------------------------------------------------------------------------------------
// segment-complete: every fixture

#[test]
fn segment_complete_lints_clean_on_every_fixture_and_variant() {
    let set = fixtures();
    let engine = engine();
    let mut failures = Vec::new();
    let mut mapped_types = BTreeSet::new();
    let mut cancelled_types = BTreeSet::new();
    for f in set.iter() {
        let out = run(&engine, "segment-complete", f);
        if out.cancel {
            cancelled_types.insert(f.event_type.clone());
            continue;
        }
        mapped_types.insert(f.event_type.clone());
        assert_eq!(out.method, "POST", "{}", f.name);
        assert_eq!(out.url, US_TRACK, "{}", f.name);
        let found = lint(
            &out.url,
            &out.payload,
            Some(&f.json),
            &LintOptions::default(),
        );
        if found
            .iter()
            .any(|d| matches!(d.severity, Severity::Error | Severity::Warning))
        {
            failures.push(format!("{}:\n{}", f.name, show(&found)));
        }
    }
    assert!(
        failures.is_empty(),
        "segment-complete output with lint errors or warnings:\n{}",
        failures.join("\n")
    );

    let catalog: BTreeSet<String> = EVENT_TYPES.iter().map(|e| e.name.to_string()).collect();
    let mapped_in_catalog = mapped_types.intersection(&catalog).count();
    assert!(
        mapped_in_catalog >= 30,
        "only {mapped_in_catalog} catalog types produce a call: {mapped_types:?}"
    );
    // Every catalog type has a fixture, so it is either mapped or cancelled, never both.
    let seen: BTreeSet<String> = mapped_types.union(&cancelled_types).cloned().collect();
    assert_eq!(seen, catalog, "fixtures do not cover the catalog");
    assert!(mapped_types.is_disjoint(&cancelled_types));
    let expected_cancelled: BTreeSet<String> =
        CANCELLED_TYPES.iter().map(|s| s.to_string()).collect();
    assert_eq!(cancelled_types, expected_cancelled);
}

#[test]
fn segment_complete_names_every_catalog_event_type() {
    let source = preset("segment-complete").source;
    let missing: Vec<&str> = EVENT_TYPES
        .iter()
        .map(|e| e.name)
        .filter(|name| !source.contains(&format!("\"{name}\"")))
        .collect();
    assert!(
        missing.is_empty(),
        "not handled by name in segment-complete.js: {missing:?}"
    );
}

#[test]
fn segment_complete_uses_nothing_quickjs_lacks() {
    let warnings = scan_compat(preset("segment-complete").source);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn segment_complete_cancels_unknown_types_and_events_without_a_customer() {
    let engine = engine();
    let set = fixtures();
    let base = fixture(&set, "payment.succeeded");

    let mut future = base.json.clone();
    future["type"] = json!("payment.partially_captured");
    let body = future.to_string();
    let out = run_with(
        &engine,
        "segment-complete",
        base,
        RunInput::from_body(body, "payment.partially_captured"),
    );
    assert!(out.cancel, "an unknown type is cancelled: {out:?}");

    let mut orphan = base.json.clone();
    orphan["data"]["customer"] = Value::Null;
    let out = run_with(
        &engine,
        "segment-complete",
        base,
        RunInput::from_body(orphan.to_string(), "payment.succeeded"),
    );
    assert!(
        out.cancel,
        "an event without a customer is cancelled: {out:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// segment-complete: exact outputs, derived by hand from the fixtures

#[test]
fn segment_complete_payment_succeeded() {
    let set = fixtures();
    let out = run(
        &engine(),
        "segment-complete",
        fixture(&set, "payment.succeeded"),
    );
    // total_amount 400 USD cents = 4; tax null, so revenue = total and no tax property;
    // subscription_id null is left out.
    let expected = sent(json!({
        "userId": "cus_8VbC6JDZzPEqfB",
        "event": "Order Completed",
        "properties": {
            "order_id": "pay_2IjeQm4hqU6RA4Z4kwDee",
            "checkout_id": "cks_stst1231",
            "total": 4,
            "revenue": 4,
            "currency": "USD",
            "products": [{"product_id": "pdt_e9mUw084cWnu0tz", "quantity": 1}],
            "payment_method": "card"
        },
        "context": {"traits": {"email": "test@acme.com", "name": "Test user"}},
        "messageId": message_id(
            "payment.succeeded",
            "pay_2IjeQm4hqU6RA4Z4kwDee",
            "2025-08-04T05:30:45.182629Z"
        ),
        "timestamp": "2025-08-04T05:30:45.182629Z"
    }));
    assert_eq!(out, expected);
}

#[test]
fn segment_complete_payment_succeeded_with_tax_and_subscription() {
    let set = fixtures();
    let out = run(
        &engine(),
        "segment-complete",
        fixture(&set, "payment.succeeded.2026"),
    );
    // 9483 cents with 783 tax: total 94.83, tax 7.83, revenue (9483 - 783) / 100 = 87.
    let p = &out.payload["properties"];
    assert_eq!(p["total"], json!(94.83));
    assert_eq!(p["tax"], json!(7.83));
    assert_eq!(p["revenue"], json!(87));
    assert_eq!(p["subscription_id"], json!("sub_Qm3Vt8Xc1Lr6Nw9Kb2Hd5"));
    assert_eq!(
        p["products"],
        json!([{"product_id": "pdt_Tm7Lq2Vx9Rk4Wc8Nb1Zs6", "quantity": 3}])
    );
}

#[test]
fn segment_complete_converts_jpy_with_no_decimals() {
    let set = fixtures();
    let out = run(
        &engine(),
        "segment-complete",
        fixture(&set, "payment.succeeded.jpy"),
    );
    // JPY has no minor unit: 4500 yen is 4500, tax 409, revenue 4500 - 409 = 4091.
    let expected = sent(json!({
        "userId": "cus_9fTzA4kLw2XpR6mYq8Vn3",
        "event": "Order Completed",
        "properties": {
            "order_id": "pay_Jy4Xq8Wn2Lr6Vz1Kt9Hc3",
            "checkout_id": "cks_stst1231",
            "total": 4500,
            "revenue": 4091,
            "tax": 409,
            "currency": "JPY",
            "products": [{"product_id": "pdt_e9mUw084cWnu0tz", "quantity": 1}],
            "payment_method": "card"
        },
        "context": {"traits": {"email": "aiko.tanaka@example.jp", "name": "Aiko Tanaka"}},
        "messageId": message_id(
            "payment.succeeded",
            "pay_Jy4Xq8Wn2Lr6Vz1Kt9Hc3",
            "2026-02-03T08:12:06.918553Z"
        ),
        "timestamp": "2026-02-03T08:12:06.918553Z"
    }));
    assert_eq!(out, expected);
}

#[test]
fn segment_complete_converts_kwd_with_three_decimals() {
    let set = fixtures();
    let out = run(
        &engine(),
        "segment-complete",
        fixture(&set, "payment.succeeded.kwd"),
    );
    // KWD has 3 decimals: 12500 fils is 12.5 KWD. The USD settlement amount is not used.
    let expected = sent(json!({
        "userId": "cus_Hd4Nq8Vz1Tc6Lw3Rb7Ym2",
        "event": "Order Completed",
        "properties": {
            "order_id": "pay_Kw7Xn3Vq9Lr2Tz5Hc1Bm6",
            "checkout_id": "cks_stst1231",
            "total": 12.5,
            "revenue": 12.5,
            "currency": "KWD",
            "products": [{"product_id": "pdt_e9mUw084cWnu0tz", "quantity": 1}],
            "payment_method": "card"
        },
        "context": {"traits": {"email": "yousef.alsabah@example.com.kw", "name": "Yousef Al-Sabah"}},
        "messageId": message_id(
            "payment.succeeded",
            "pay_Kw7Xn3Vq9Lr2Tz5Hc1Bm6",
            "2026-02-05T12:30:44.271906Z"
        ),
        "timestamp": "2026-02-05T12:30:44.271906Z"
    }));
    assert_eq!(out, expected);
}

#[test]
fn segment_complete_refund_succeeded() {
    let set = fixtures();
    let out = run(
        &engine(),
        "segment-complete",
        fixture(&set, "refund.succeeded"),
    );
    let expected = sent(json!({
        "userId": "cus_123",
        "event": "Order Refunded",
        "properties": {
            "order_id": "pay_aTkzUDRuc7Rb3kVJXE17z",
            "refund_id": "ref_nUV0DuvmVgeKJVbS04L0y",
            "total": 4,
            "currency": "USD",
            "reason": "Testing success refund",
            "is_partial": false
        },
        "context": {"traits": {"email": "jane@example.com", "name": "Jane Doe"}},
        "messageId": message_id(
            "refund.succeeded",
            "ref_nUV0DuvmVgeKJVbS04L0y",
            "2025-08-04T05:47:49.922046Z"
        ),
        "timestamp": "2025-08-04T05:47:49.922046Z"
    }));
    assert_eq!(out, expected);
}

#[test]
fn segment_complete_dispute_opened_converts_the_string_amount() {
    let set = fixtures();
    let out = run(
        &engine(),
        "segment-complete",
        fixture(&set, "dispute.opened"),
    );
    // Dodo's dispute amount is the string "400" (cents): 4 as a number. remarks is null.
    let expected = sent(json!({
        "userId": "cus_8VbC6JDZzPEqfBPUdpj0K",
        "event": "Dispute Opened",
        "properties": {
            "dispute_id": "dp_q9BVPKzA4HeQs2f2PmDc",
            "order_id": "pay_gUHcgg81JkW1sbH0zbykQ",
            "amount": 4,
            "currency": "USD",
            "dispute_stage": "dispute",
            "reason": "fraudulent"
        },
        "context": {"traits": {"email": "test@acme.com", "name": "Test user"}},
        "messageId": message_id(
            "dispute.opened",
            "dp_q9BVPKzA4HeQs2f2PmDc",
            "2025-08-04T05:39:56.397297Z"
        ),
        "timestamp": "2025-08-04T05:39:56.397297Z"
    }));
    assert_eq!(out, expected);
}

#[test]
fn segment_complete_skips_null_name_and_null_payment_method() {
    let set = fixtures();
    let out = run(
        &engine(),
        "segment-complete",
        fixture(&set, "payment.succeeded.null-name"),
    );
    assert_eq!(
        out.payload["context"],
        json!({"traits": {"email": "test@acme.com"}})
    );
    let props = out.payload["properties"].as_object().expect("properties");
    assert!(!props.contains_key("payment_method"), "{props:?}");
}

#[test]
fn segment_complete_needs_no_payload_type() {
    let set = fixtures();
    let engine = engine();
    let bare = fixture(&set, "payment.succeeded.no-payload-type");
    assert!(bare.json["data"].get("payload_type").is_none());
    // The same body with the field Dodo's 2025 examples carried.
    let mut tagged = bare.clone();
    tagged.json["data"]["payload_type"] = json!("Payment");
    tagged.body = serde_json::to_string_pretty(&tagged.json).expect("serialises");
    let without = run(&engine, "segment-complete", bare);
    let with = run(&engine, "segment-complete", &tagged);
    assert_eq!(with, without);
    assert!(!without.cancel);
    assert_eq!(without.payload["event"], "Order Completed");
}

// ---------------------------------------------------------------------------------------------
// segment-complete: messageId and region

#[test]
fn segment_complete_message_ids_are_stable_short_and_distinct_per_event() {
    let set = fixtures();
    let engine = engine();
    let again = run(
        &engine,
        "segment-complete",
        fixture(&set, "payment.succeeded"),
    );
    let once = run(
        &engine,
        "segment-complete",
        fixture(&set, "payment.succeeded"),
    );
    assert_eq!(once.payload["messageId"], again.payload["messageId"]);

    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in set.iter() {
        let out = run(&engine, "segment-complete", f);
        if out.cancel {
            continue;
        }
        let id = out.payload["messageId"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no messageId", f.name))
            .to_string();
        assert!(id.chars().count() < 100, "{}: {id}", f.name);
        assert!(id.starts_with("dodo:"), "{}: {id}", f.name);
        by_id.entry(id).or_default().push(f.name.clone());
    }
    // Every fixture and variant is a distinct event with its own object id and timestamp, so
    // Segment would keep every one of them (it drops later calls that reuse a messageId).
    let shared: Vec<&Vec<String>> = by_id.values().filter(|names| names.len() > 1).collect();
    assert!(shared.is_empty(), "{by_id:#?}");
}

#[test]
fn segment_complete_sends_to_the_eu_host_when_asked() {
    let set = fixtures();
    let engine = engine();
    let f = fixture(&set, "subscription.renewed.inr");
    let mut input = RunInput::from_body(f.body.clone(), f.event_type.clone());
    input
        .env
        .insert("SEGMENT_REGION".to_string(), "eu".to_string());
    let eu = run_with(&engine, "segment-complete", f, input);
    assert_eq!(eu.url, EU_TRACK);
    let opts = LintOptions {
        region: Some(Region::Eu),
        ..LintOptions::default()
    };
    let found = lint(&eu.url, &eu.payload, Some(&f.json), &opts);
    assert!(found.is_empty(), "{}", show(&found));

    let us = run(&engine, "segment-complete", f);
    assert_eq!(us.url, US_TRACK);
    assert_eq!(eu.payload, us.payload);
}

// ---------------------------------------------------------------------------------------------
// The guide presets: exactly what a standard JavaScript engine computes

/// The guide cases: preset, fixture, expected webhook (derived by hand from the guide's code).
/// `(400 / 100).toFixed(2)` is the string "4.00"; a type the preset does not handle falls
/// through unchanged.
fn guide_cases(set: &FixtureSet) -> Vec<(&'static str, &'static str, WebhookOut)> {
    let unchanged = |name: &str| sent(fixture(set, name).json.clone());
    vec![
        (
            "segment-track-payment",
            "payment.succeeded",
            sent(json!({
                "userId": "cus_8VbC6JDZzPEqfB",
                "event": "Payment Completed",
                "properties": {
                    "amount": "4.00",
                    "currency": "USD",
                    "payment_method": "card",
                    "payment_id": "pay_2IjeQm4hqU6RA4Z4kwDee",
                    "customer_email": "test@acme.com",
                    "customer_name": "Test user"
                },
                "timestamp": "2025-08-04T05:30:45.182629Z"
            })),
        ),
        (
            "segment-track-payment",
            "payment.succeeded.null-name",
            // `p.payment_method || "unknown"` replaces null; `customer_name: null` stays.
            sent(json!({
                "userId": "cus_8VbC6JDZzPEqfB",
                "event": "Payment Completed",
                "properties": {
                    "amount": "4.00",
                    "currency": "USD",
                    "payment_method": "unknown",
                    "payment_id": "pay_rvTTajezqhdgZVH3hECjf",
                    "customer_email": "test@acme.com",
                    "customer_name": null
                },
                "timestamp": "2025-08-04T05:33:45.182629Z"
            })),
        ),
        (
            "segment-subscription-lifecycle",
            "subscription.active",
            sent(json!({
                "userId": "cus_8VbC6JDZzPEqfBPUdpj0K",
                "event": "Subscription Started",
                "properties": {
                    "subscription_id": "sub_7EeHq2ewQuadropD2ra",
                    "product_id": "pdt_RUST4raxbl0Rfe4VQi1z",
                    "amount": "10.00",
                    "frequency": "Month",
                    "next_billing": "2025-08-23T12:01:14.672875Z",
                    "customer_email": "test@acme.com"
                },
                "timestamp": "2025-08-04T05:45:31.736731Z"
            })),
        ),
        (
            "segment-subscription-lifecycle",
            "subscription.cancelled",
            sent(json!({
                "userId": "cus_8VbC6JDZzPEqfBPUdpj0K",
                "event": "Subscription Cancelled",
                "properties": {
                    "subscription_id": "sub_QYJmO3h3jso8QHz6Pog",
                    "product_id": "pdt_RUST4raxbl0Rfe4VQi1z",
                    "cancelled_at": "2025-08-04T05:48:25.139421Z",
                    "cancel_at_next_billing": false,
                    "customer_email": "test@acme.com"
                },
                "timestamp": "2025-08-04T05:48:25.134643Z"
            })),
        ),
        (
            "segment-identify-customer",
            "payment.succeeded",
            // Both dates read the original body's timestamp: the new payload is built before
            // it is assigned.
            sent_to(
                US_IDENTIFY,
                json!({
                    "userId": "cus_8VbC6JDZzPEqfB",
                    "traits": {
                        "email": "test@acme.com",
                        "name": "Test user",
                        "total_spent": "4.00",
                        "payment_method": "card",
                        "last_payment_date": "2025-08-04T05:30:45.182629Z",
                        "customer_since": "2025-08-04T05:30:45.182629Z"
                    }
                }),
            ),
        ),
        (
            "segment-track-payment",
            "refund.succeeded",
            unchanged("refund.succeeded"),
        ),
        (
            "segment-identify-customer",
            "subscription.active",
            unchanged("subscription.active"),
        ),
        (
            // `const s = webhook.payload.data` runs for every event and does not throw.
            "segment-subscription-lifecycle",
            "payment.succeeded",
            unchanged("payment.succeeded"),
        ),
    ]
}

#[test]
fn guide_presets_give_what_the_guide_code_computes() {
    let set = fixtures();
    let engine = engine();
    for (preset_name, fixture_name, expected) in guide_cases(&set) {
        let f = fixture(&set, fixture_name);
        let out = run(&engine, preset_name, f);
        assert_eq!(out, expected, "{preset_name} on {fixture_name}");
    }
}

#[test]
fn guide_presets_fall_through_unhandled_types_and_lint_says_so() {
    let set = fixtures();
    let engine = engine();
    for (preset_name, fixture_name) in [
        ("segment-track-payment", "refund.succeeded"),
        ("segment-identify-customer", "subscription.active"),
        ("segment-subscription-lifecycle", "payment.succeeded"),
    ] {
        let f = fixture(&set, fixture_name);
        let out = run(&engine, preset_name, f);
        assert!(!out.cancel);
        assert_eq!(out.url, US_TRACK);
        assert_eq!(out.payload, f.json, "{preset_name} on {fixture_name}");
        let found = lint(
            &out.url,
            &out.payload,
            Some(&f.json),
            &LintOptions::default(),
        );
        assert!(
            found.iter().any(|d| d.code == "untransformed"),
            "{preset_name} on {fixture_name}:\n{}",
            show(&found)
        );
    }
}

#[test]
fn guide_presets_send_string_amounts_divided_by_100() {
    let set = fixtures();
    let engine = engine();
    let f = fixture(&set, "payment.succeeded");
    let out = run(&engine, "segment-track-payment", f);
    let found = lint(
        &out.url,
        &out.payload,
        Some(&f.json),
        &LintOptions::default(),
    );
    assert!(
        found
            .iter()
            .any(|d| d.code == "numeric-string" && d.path == "/properties/amount"),
        "{}",
        show(&found)
    );

    // 4500 yen divided by 100 gives the string "45.00".
    let f = fixture(&set, "payment.succeeded.jpy");
    let out = run(&engine, "segment-track-payment", f);
    assert_eq!(out.payload["properties"]["amount"], json!("45.00"));
    let found = lint(
        &out.url,
        &out.payload,
        Some(&f.json),
        &LintOptions::default(),
    );
    assert!(
        found
            .iter()
            .any(|d| d.code == "minor-units" && d.path == "/properties/amount"),
        "{}",
        show(&found)
    );
}

// ---------------------------------------------------------------------------------------------
// The same handlers in node (V8)

/// Reads `[{eventType, body}]` from stdin, runs `handler` on each as Svix would, and prints the
/// results as one JSON array.
const NODE_DRIVER: &str = r#"
;(function () {
  const inputs = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const results = inputs.map(function (input) {
    const out = handler({
      method: "POST",
      url: "https://api.segment.io/v1/track",
      eventType: input.eventType,
      payload: JSON.parse(input.body),
      env: {},
    });
    return { method: out.method, url: out.url, cancel: out.cancel === true, payload: out.payload };
  });
  process.stdout.write(JSON.stringify(results));
})();
"#;

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a preset in node on the fixtures; one result per fixture.
fn run_in_node(preset_name: &str, fixtures: &[&Fixture]) -> Vec<Value> {
    use std::io::Write;
    let script = format!("{}\n{NODE_DRIVER}", preset(preset_name).source);
    let inputs: Vec<Value> = fixtures
        .iter()
        .map(|f| json!({"eventType": f.event_type, "body": f.body}))
        .collect();
    let mut child = Command::new("node")
        .arg("-e")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    child
        .stdin
        .take()
        .expect("node stdin")
        .write_all(Value::Array(inputs).to_string().as_bytes())
        .expect("write to node");
    let output = child.wait_with_output().expect("node runs");
    assert!(
        output.status.success(),
        "node failed on {preset_name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Value = serde_json::from_slice(&output.stdout).expect("node prints JSON");
    let Value::Array(results) = results else {
        panic!("node printed {results}");
    };
    assert_eq!(results.len(), fixtures.len());
    results
}

fn as_value(out: &WebhookOut) -> Value {
    json!({"method": out.method, "url": out.url, "cancel": out.cancel, "payload": out.payload})
}

/// Compares hookbench with node on the guide cases and on segment-complete over every fixture.
/// Skipped, with a note, when `node` is not on PATH.
#[test]
fn presets_give_the_same_result_in_node() {
    if !node_available() {
        eprintln!("note: node is not on PATH; skipping the comparison with V8");
        return;
    }
    let set = fixtures();
    let engine = engine();

    let mut by_preset: BTreeMap<&str, Vec<&Fixture>> = BTreeMap::new();
    for (preset_name, fixture_name, _) in guide_cases(&set) {
        by_preset
            .entry(preset_name)
            .or_default()
            .push(fixture(&set, fixture_name));
    }
    by_preset.insert("segment-complete", set.iter().collect());

    for (preset_name, fixtures) in by_preset {
        let in_node = run_in_node(preset_name, &fixtures);
        for (f, node_out) in fixtures.iter().zip(in_node) {
            let ours = as_value(&run(&engine, preset_name, f));
            assert_eq!(ours, node_out, "{preset_name} on {}", f.name);
        }
    }
}
