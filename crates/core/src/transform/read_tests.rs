//! Read recording: the payload paths a handler reads, with their positions, and proof that the
//! instrumented payload changes nothing a handler can observe or return.

use serde_json::Value;

use super::*;
use crate::webhook::FixtureSet;

const BODY: &str = r#"{"business_id":"bus_1","type":"payment.succeeded","timestamp":"2025-08-04T05:30:45.182629Z","data":{"payload_type":"Payment","total_amount":400,"currency":"USD","customer":{"customer_id":"cus_1","email":"a@b.c","name":"A"},"product_cart":[{"product_id":"p_1","quantity":1},{"product_id":"p_2","quantity":2}],"metadata":{"plan":"pro"}}}"#;

fn run_on(engine: &Engine, source: &str) -> RunOutput {
    let program = engine.compile("transform.js", source);
    engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"))
}

fn recording() -> Engine {
    Engine::with_workers(Limits::default(), 1)
}

fn plain() -> Engine {
    Engine::without_read_recording(Limits::default(), 1)
}

fn read<'a>(out: &'a RunOutput, dotted: &str) -> Option<&'a PathRead> {
    out.reads.iter().find(|r| r.dotted() == dotted)
}

fn position(out: &RunOutput, dotted: &str) -> (Option<u32>, Option<u32>) {
    let r = read(out, dotted).unwrap_or_else(|| {
        let all: Vec<String> = out.reads.iter().map(PathRead::dotted).collect();
        panic!("no read of {dotted}; recorded: {all:?}")
    });
    (r.line, r.column)
}

/// The same source gives the same outcome, logs included, with and without recording.
fn assert_same_outcome(source: &str) -> RunOutput {
    let with = run_on(&recording(), source);
    let without = run_on(&plain(), source);
    assert_eq!(with.result, without.result, "outcome differs for {source}");
    assert_eq!(with.logs, without.logs, "logs differ for {source}");
    assert!(without.reads.is_empty());
    with
}

#[test]
fn present_missing_nested_and_array_reads_are_recorded_at_their_lines() {
    let out = run_on(
        &recording(),
        "function handler(webhook) {\n  const d = webhook.payload.data;\n  const email = d.customer.email;\n  const missing = d.recurring_amount;\n  const ids = d.product_cart.map((item) => item.product_id);\n  const deep = d.customer.address && d.customer.address.city;\n  webhook.payload = { email, missing, ids, deep, first: d.product_cart[0].quantity };\n  return webhook;\n}",
    );
    assert!(out.result.is_ok(), "{:?}", out.result);
    // QuickJS places a property read at the start of its member expression.
    assert_eq!(position(&out, "data"), (Some(2), Some(13)));
    assert_eq!(position(&out, "data.customer"), (Some(3), Some(17)));
    assert_eq!(position(&out, "data.customer.email"), (Some(3), Some(17)));
    assert_eq!(position(&out, "data.recurring_amount").0, Some(4));
    // `map` reads the elements itself; the handler's own first index read is on line 7.
    assert_eq!(position(&out, "data.product_cart[]").0, Some(7));
    assert_eq!(position(&out, "data.product_cart[].product_id").0, Some(5));
    assert_eq!(position(&out, "data.customer.address").0, Some(6));
    assert_eq!(position(&out, "data.product_cart[].quantity").0, Some(7));
    // Each path once, however often it is read; no array lengths, no inherited members.
    let dotted: Vec<String> = out.reads.iter().map(PathRead::dotted).collect();
    let mut unique = dotted.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), dotted.len(), "{dotted:?}");
    assert!(
        !dotted
            .iter()
            .any(|p| p.ends_with("length") || p.ends_with("map")),
        "{dotted:?}"
    );
    let r = read(&out, "data.product_cart[].product_id").expect("recorded");
    assert_eq!(r.path, ["data", "product_cart", ANY_INDEX, "product_id"]);
}

#[test]
fn reads_on_the_first_line_are_mapped_past_the_wrapper() {
    let out = run_on(
        &recording(),
        "function handler(w) { w.payload = { t: w.payload.type }; return w; }",
    );
    assert!(out.result.is_ok());
    assert_eq!(position(&out, "type"), (Some(1), Some(40)));
}

#[test]
fn reads_are_kept_when_the_handler_throws() {
    let out = run_on(
        &recording(),
        "function handler(webhook) {\n  return webhook.payload.data.customer.address.city;\n}",
    );
    assert_eq!(
        out.result.as_ref().err().map(|e| e.kind),
        Some(ErrorKind::Exception)
    );
    assert_eq!(position(&out, "data.customer.address").0, Some(2));
}

#[test]
fn reads_by_built_ins_and_of_the_handlers_own_values_are_not_recorded() {
    let out = assert_same_outcome(
        "function handler(webhook) {\n  const p = webhook.payload;\n  console.log(p.data.metadata);\n  const text = JSON.stringify(p);\n  const keys = Object.keys(p.data);\n  p.data.mine = { x: 1 };\n  const x = p.data.mine.x;\n  p.data.extra = 2;\n  webhook.payload = { n: text.length, keys, x, extra: p.data.extra, s: String(p.data.customer), h: p.data.hasOwnProperty('currency') };\n  return webhook;\n}",
    );
    let dotted: Vec<String> = out.reads.iter().map(PathRead::dotted).collect();
    assert!(dotted.contains(&"data.metadata".to_string()), "{dotted:?}");
    for absent in [
        "data.metadata.plan",
        "data.total_amount",
        "data.mine",
        "data.mine.x",
        "data.extra",
        "data.customer.toJSON",
        "data.customer.toString",
        "data.hasOwnProperty",
        "toJSON",
    ] {
        assert!(
            !dotted.contains(&absent.to_string()),
            "{absent} recorded: {dotted:?}"
        );
    }
}

#[test]
fn the_recorded_payload_is_transparent_to_hostile_handlers() {
    let sources = [
        // Copies and serialisations.
        "function handler(w) { w.payload = { json: JSON.stringify(w.payload), keys: Object.keys(w.payload.data), entries: Object.entries(w.payload.data.customer), spread: { ...w.payload.data }, cart: [...w.payload.data.product_cart], clone: JSON.parse(JSON.stringify(w.payload)), assigned: Object.assign({}, w.payload) }; return w; }",
        // Types, identity and descriptors.
        "function handler(w) { const p = w.payload; w.payload = { isArray: Array.isArray(p.data.product_cart), tag: Object.prototype.toString.call(p.data.product_cart), same: p.data === p.data, sameItem: p.data.product_cart[0] === p.data.product_cart[0], proto: Object.getPrototypeOf(p) === Object.prototype, arrProto: p.data.product_cart instanceof Array, typeOf: typeof p.data, desc: Object.getOwnPropertyDescriptor(p.data, 'currency'), inCheck: 'currency' in p.data, names: Object.getOwnPropertyNames(p.data.product_cart), forIn: (() => { const k = []; for (const key in p.data.customer) k.push(key); return k; })(), len: p.data.product_cart.length, str: String(p.data.product_cart), concat: [].concat(p.data.product_cart).length, sorted: p.data.product_cart.slice().sort((a, b) => b.quantity - a.quantity) }; return w; }",
        // Deleting, redefining and mutating in place, returning the mutated payload.
        "function handler(w) { const d = w.payload.data; delete d.metadata; Object.defineProperty(d, 'currency', { value: 'EUR', enumerable: true }); d.customer.name = 'B'; d.product_cart.push({ product_id: 'p_3', quantity: 3 }); d.product_cart[0].quantity += 1; d.product_cart.reverse(); d.ref = d.customer; w.payload.alias = w.payload.data.ref === w.payload.data.customer; return w; }",
        // Freezing, then reading through and below the frozen object.
        "function handler(w) { Object.freeze(w.payload); Object.freeze(w.payload.data.customer); const d = w.payload.data; 'use strict'; d.customer.name = 'ignored'; w.url = w.url + '?f=' + Object.isFrozen(w.payload) + ',' + d.customer.name + ',' + d.customer.email + ',' + (d.customer === w.payload.data.customer); return w; }",
        "function handler(w) { Object.freeze(w.payload.data.customer); w.payload.data.customer.name = 'x'; Object.seal(w.payload.data); w.payload.data.zzz = 1; delete w.payload.data.currency; Object.preventExtensions(w.payload); w.payload.more = 1; return w; }",
        // Returned untouched, returned as its own object, replaced by a part of itself.
        "function handler(w) { return w; }",
        "function handler(w) { w.payload = w.payload.data; return w; }",
        "function handler(w) { w.payload = { cart: w.payload.data.product_cart, customer: w.payload.data.customer }; return w; }",
        "function handler(w) { return w.payload; }",
        // Throwing the payload, and errors from reading what is missing.
        "function handler(w) { throw w.payload.data.customer; }",
        "function handler(w) { return w.payload.data.nope.deeper; }",
        // Prototype tricks.
        "function handler(w) { const child = Object.create(w.payload.data); child.currency = 'JPY'; w.payload = { child: child.currency, parent: w.payload.data.currency, inherited: child.total_amount }; return w; }",
    ];
    for source in sources {
        assert_same_outcome(source);
    }
}

#[test]
fn a_strict_handler_writing_to_what_it_froze_still_throws_there() {
    let source = "function handler(w) { 'use strict'; Object.freeze(w.payload.data.customer); try { w.payload.data.customer.name = 'x'; } catch (e) { w.url = w.url + '?e=' + e.name; } Object.seal(w.payload.data); w.payload.data.zzz = 1; return w; }";
    let with = run_on(&recording(), source);
    let without = run_on(&plain(), source);
    let (a, b) = (
        error_kind_and_position(&with),
        error_kind_and_position(&without),
    );
    assert_eq!(a, b);
    assert_eq!(a.0, Some(ErrorKind::Exception));
}

fn error_kind_and_position(out: &RunOutput) -> (Option<ErrorKind>, Option<u32>, Option<u32>) {
    match &out.result {
        Err(e) => (Some(e.kind), e.line, e.column),
        Ok(_) => (None, None, None),
    }
}

#[test]
fn an_untouched_payload_falls_through_byte_for_byte() {
    let out = run_on(
        &recording(),
        "function handler(w) { const x = w.payload.data.customer.email; return w; }",
    );
    let webhook = out.result.expect("runs");
    let body: Value = serde_json::from_str(BODY).expect("json");
    assert_eq!(webhook.payload, body);
    assert_eq!(
        serde_json::to_string(&webhook.payload).expect("json"),
        serde_json::to_string(&body).expect("json")
    );
}

#[test]
fn a_handler_that_reads_very_many_paths_is_capped() {
    let out = assert_same_outcome(
        "function handler(w) { let n = 0; for (let i = 0; i < 1000; i++) { if (w.payload.data['k' + i] === undefined) n++; } w.payload = { n }; return w; }",
    );
    assert_eq!(out.reads.len(), MAX_PATH_READS);
}

#[test]
fn every_preset_on_every_fixture_gives_the_same_outcome_with_recording() {
    let fixtures = FixtureSet::builtin().expect("built-in fixtures load");
    let (with, without) = (recording(), plain());
    let mut recorded = 0;
    for preset in presets::presets() {
        let p_with = with.compile(preset.file, preset.source);
        let p_without = without.compile(preset.file, preset.source);
        for f in fixtures.iter() {
            let input = RunInput::from_body(f.body.clone(), f.event_type.clone());
            let a = with.run(&p_with, input.clone());
            let b = without.run(&p_without, input);
            assert_eq!(a.result, b.result, "{} on {}", preset.name, f.name);
            assert_eq!(a.logs, b.logs, "{} on {}", preset.name, f.name);
            assert!(
                a.reads
                    .iter()
                    .all(|r| r.line.is_some() && r.column.is_some()),
                "{} on {}: {:?}",
                preset.name,
                f.name,
                a.reads
            );
            recorded += a.reads.len();
        }
    }
    assert!(recorded > 0);
}

#[test]
fn later_runs_of_a_program_on_an_event_type_carry_the_first_runs_reads() {
    let engine = recording();
    let program = engine.compile(
        "transform.js",
        "function handler(w) {\n  w.payload = { a: w.payload.data.currency, b: w.payload.data.missing };\n  return w;\n}",
    );
    let first = engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"));
    let second = engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"));
    assert_eq!(first.result, second.result);
    assert_eq!(first.reads, second.reads);
    assert_eq!(position(&second, "data.missing").0, Some(2));
}
