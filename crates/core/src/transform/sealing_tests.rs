//! Sealed runs: whatever a handler does to the built-ins, the next run starts from pristine ones.
//! Each case runs a hostile handler, then a probe that uses every built-in the cases touch, and
//! compares the probe's answers with those of an engine no hostile handler ever ran on.

use serde_json::{Value, json};

use super::*;

const BODY: &str = r#"{"business_id":"bus_1","type":"payment.succeeded","timestamp":"2025-08-04T05:30:45.182629Z","data":{"payload_type":"Payment","total_amount":400}}"#;

/// Everything the hostile cases change, read back as plain data.
const PROBE: &str = r#"function handler(webhook) {
  const own = []; own.toString = function () { return "own"; };
  class Refused extends Error { constructor(m) { super(m); this.name = "Refused"; } }
  const refused = new Refused("m");
  let stackLines = 0;
  try { null.x; } catch (e) { stackLines = String(e.stack).split("\n").length; }
  const before = [];
  for (const k of Object.getOwnPropertyNames(Array.prototype)) before.push(k);
  webhook.payload = {
    map: [3, 1, 2].map(function (x) { return x * 2; }),
    json: JSON.parse(JSON.stringify({ a: 1, b: [true, null] })),
    date: JSON.stringify(new Date(0)),
    keys: Object.keys({ a: 1, b: 2 }),
    upper: "abc".toUpperCase(),
    round: Math.round(2.5),
    test: /a/.test("a"),
    mapGet: new Map([[1, "one"]]).get(1),
    fixed: (1.25).toFixed(1),
    isArray: Array.isArray([]),
    tag: Object.prototype.toString.call([]),
    arrayProto: Object.getPrototypeOf(Array.prototype) === Object.prototype,
    stringProto: Object.getPrototypeOf(String.prototype) === Object.prototype,
    frozenArrayProto: Object.isFrozen(Array.prototype),
    includes: typeof [].includes,
    arrayMembers: before.length,
    added: typeof [].addedByAnotherRun,
    overridden: String(own),
    subclass: refused.name + ": " + refused.message,
    stack: stackLines > 1,
    spread: [...[1, 2]],
    call: Math.max.call(null, 1, 2),
    polluted: typeof ({}).polluted,
    globalProto: Object.getPrototypeOf(globalThis) === Object.prototype,
    extensible: Object.isExtensible(globalThis),
    late: typeof globalThis.late,
    injected: typeof injected,
    consoleMark: typeof console.log.mark,
  };
  return webhook;
}"#;

/// Each changes a built-in (or tries to) and then returns normally.
const HOSTILE: &[(&str, &str)] = &[
    (
        "Array.prototype.map",
        "Array.prototype.map = function () { return ['x']; };",
    ),
    (
        "JSON",
        "JSON.stringify = function () { return '\"x\"'; };\nJSON.parse = function () { return {}; };",
    ),
    (
        "Date.prototype.toJSON",
        "Date.prototype.toJSON = function () { return 'then'; };",
    ),
    ("Object.keys", "Object.keys = function () { return []; };"),
    (
        "String.prototype.toUpperCase",
        "String.prototype.toUpperCase = function () { return 'no'; };",
    ),
    ("Math.round", "Math.round = function () { return 42; };"),
    (
        "RegExp.prototype.test",
        "RegExp.prototype.test = function () { return false; };",
    ),
    (
        "Map.prototype.get",
        "Map.prototype.get = function () { return 'm'; };",
    ),
    (
        "Number.prototype.toFixed",
        "Number.prototype.toFixed = function () { return '0'; };",
    ),
    (
        "Array.isArray",
        "Array.isArray = function () { return false; };",
    ),
    (
        "Object.prototype.toString",
        "Object.prototype.toString = function () { return '[object Hacked]'; };",
    ),
    (
        "setPrototypeOf",
        "Object.setPrototypeOf(Array.prototype, null);\nObject.setPrototypeOf(String.prototype, {});",
    ),
    (
        "freeze",
        "Object.freeze(Array.prototype);\nObject.freeze(Object.prototype);",
    ),
    (
        "delete and add",
        "delete Array.prototype.includes;\nArray.prototype.addedByAnotherRun = function () {};",
    ),
    (
        "defineProperty",
        "Object.defineProperty(Object.prototype, 'polluted', { get: function () { return 1; } });",
    ),
    (
        "__defineGetter__",
        "Object.prototype.__defineGetter__('polluted', function () { return 1; });",
    ),
    (
        "Error knobs",
        "Error.stackTraceLimit = 0;\nError.prepareStackTrace = function () { return 'hacked'; };",
    ),
    (
        "Function.prototype.call",
        "Function.prototype.call = function () { return 0; };",
    ),
    (
        "Symbol.iterator",
        "Array.prototype[Symbol.iterator] = function* () {};",
    ),
    (
        "global prototype",
        "Object.setPrototypeOf(globalThis, { injected: 1 });",
    ),
    (
        "global extensibility",
        "Object.preventExtensions(globalThis);",
    ),
    (
        "queued job",
        "Promise.resolve().then(function () { globalThis.late = 1; });",
    ),
    ("console", "console.log.mark = 1;"),
    (
        "descriptor accessor",
        "Object.getOwnPropertyDescriptor(Array.prototype, 'map').get.mark = 1;\nObject.getOwnPropertyDescriptor(Array.prototype, 'map').get = null;",
    ),
];

fn hostile_source(attack: &str) -> String {
    // Each statement on its own, so one refused change does not stop the others.
    let statements: Vec<String> = attack
        .lines()
        .map(|s| format!("  try {{ {s} }} catch (e) {{}}\n"))
        .collect();
    format!(
        "function handler(webhook) {{\n{}  webhook.payload = {{ done: true }};\n  return webhook;\n}}",
        statements.concat()
    )
}

fn probe(engine: &Engine) -> Value {
    let program = engine.compile("probe.js", PROBE);
    engine
        .run(&program, RunInput::from_body(BODY, "payment.succeeded"))
        .result
        .expect("the probe runs")
        .payload
}

#[test]
fn no_run_changes_the_built_ins_the_next_one_sees() {
    let pristine = probe(&Engine::with_workers(Limits::default(), 1));
    assert_eq!(pristine["map"], json!([6, 2, 4]));
    assert_eq!(pristine["overridden"], json!("own"));
    assert_eq!(pristine["subclass"], json!("Refused: m"));
    for (name, attack) in HOSTILE {
        let engine = Engine::with_workers(Limits::default(), 1);
        let hostile = engine.compile("hostile.js", hostile_source(attack));
        engine.run(&hostile, RunInput::from_body(BODY, "payment.succeeded"));
        for round in 0..3 {
            assert_eq!(
                probe(&engine),
                pristine,
                "after `{name}`, probe {round} saw changed built-ins"
            );
        }
    }
}

#[test]
fn a_built_in_replaced_on_itself_is_refused_with_a_reason() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let program = engine.compile(
        "t.js",
        "function handler(webhook) {\n  Array.prototype.map = function () {};\n  return webhook;\n}",
    );
    let out = engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"));
    let error = out.result.expect_err("replacing a built-in is refused");
    assert_eq!(error.kind, ErrorKind::Exception);
    assert!(
        error.message.contains("Array.prototype.map") && error.message.contains("sealed"),
        "{}",
        error.message
    );
    assert_eq!(error.line, Some(2));
}

#[test]
fn the_top_level_function_keeps_no_state_between_runs() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let program = engine.compile(
        "t.js",
        "var self = arguments.callee;\nself.count = (self.count || 0) + 1;\nfunction handler(webhook) { webhook.payload = { count: self.count }; return webhook; }",
    );
    for _ in 0..3 {
        let out = engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"));
        assert_eq!(out.result.expect("runs").payload, json!({}));
    }
}

#[test]
fn a_refusal_names_the_built_in_and_the_key_as_javascript_writes_them() {
    let engine = Engine::with_workers(Limits::default(), 1);
    for (assignment, named) in [
        (
            "Array.prototype[Symbol.iterator] = null",
            "cannot assign to Array.prototype[Symbol(Symbol.iterator)]: built-ins are sealed",
        ),
        (
            "Array.isArray = null",
            "cannot assign to Array.isArray: built-ins are sealed",
        ),
        (
            "Error.prototype.toString = null",
            "cannot assign to Error.prototype.toString: built-ins are sealed",
        ),
    ] {
        let program = engine.compile(
            "t.js",
            format!("function handler(webhook) {{ {assignment}; return webhook; }}"),
        );
        let out = engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"));
        let error = out.result.expect_err("the assignment is refused");
        assert!(
            error.message.contains(named),
            "{assignment}: {}",
            error.message
        );
    }
}

#[test]
fn an_object_inheriting_a_sealed_member_gets_its_own_on_assignment() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let program = engine.compile(
        "t.js",
        "function handler(webhook) {\n  const o = {}; o.toString = 1; o[Symbol.toStringTag] = 'T';\n  const d = Object.getOwnPropertyDescriptor(o, 'toString');\n  webhook.payload = { own: d.value, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable, tag: Object.prototype.toString.call(o), inherited: typeof ({}).toString };\n  return webhook;\n}",
    );
    let out = engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"));
    assert_eq!(
        out.result.expect("runs").payload,
        json!({"own": 1, "writable": true, "enumerable": true, "configurable": true, "tag": "[object T]", "inherited": "function"})
    );
}

#[test]
fn top_levels_stay_sealed_as_programs_come_and_go_from_the_cache() {
    let engine = Engine::with_workers(Limits::default(), 1);
    // More programs than a worker keeps: each new one is compiled where an evicted one was.
    for n in 0..20 {
        let program = engine.compile(
            "t.js",
            format!(
                "var self = arguments.callee; self.count = (self.count || 0) + 1; var n = {n};\nfunction handler(webhook) {{ webhook.payload = {{ count: self.count, n: n, proto: Object.isFrozen(self.prototype) }}; return webhook; }}"
            ),
        );
        for _ in 0..2 {
            let out = engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"));
            assert_eq!(
                out.result.expect("runs").payload,
                json!({"n": n, "proto": true})
            );
        }
    }
}
