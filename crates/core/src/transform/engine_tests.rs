//! The engine against the semantics it promises: input object, outcome, error kinds with
//! positions in the user's file, limits, isolation, console capture and worker abandonment.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;

const BODY: &str = r#"{"business_id":"bus_1","type":"payment.succeeded","timestamp":"2025-08-04T05:30:45.182629Z","data":{"payload_type":"Payment","total_amount":400,"currency":"USD","customer":{"customer_id":"cus_1","email":"a@b.c","name":"A"}}}"#;

fn quick_limits() -> Limits {
    Limits {
        timeout: Duration::from_millis(150),
        ..Limits::default()
    }
}

fn run(engine: &Engine, source: &str) -> RunOutput {
    let program = engine.compile("transform.js", source);
    engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"))
}

fn error_of(out: &RunOutput) -> &TransformError {
    match &out.result {
        Err(e) => e,
        Ok(w) => panic!("expected an error, got {w:?}"),
    }
}

fn assert_next_run_succeeds(engine: &Engine) {
    let out = run(
        engine,
        "function handler(webhook) { webhook.payload = {ok: true}; return webhook; }",
    );
    let webhook = out.result.expect("the run after a failure must succeed");
    assert_eq!(webhook.payload, json!({"ok": true}));
}

#[test]
fn the_handler_sees_the_svix_input_object() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let program = engine.compile(
        "t.js",
        "function handler(webhook) {\n  webhook.payload = { seen: { method: webhook.method, url: webhook.url, eventType: webhook.eventType, amount: webhook.payload.data.total_amount, env: webhook.env, keys: Object.keys(webhook).sort() } };\n  return webhook;\n}",
    );
    let mut input = RunInput::from_body(BODY, "payment.succeeded");
    input.env = BTreeMap::from([("REGION".to_string(), "eu".to_string())]);
    input.url = "https://example.com/hook".into();
    let out = engine.run(&program, input).result.expect("runs");
    assert_eq!(
        out.payload,
        json!({"seen": {"method": "POST", "url": "https://example.com/hook", "eventType": "payment.succeeded", "amount": 400, "env": {"REGION": "eu"}, "keys": ["env", "eventType", "method", "payload", "url"]}})
    );
    assert_eq!(out.url, "https://example.com/hook");
    assert_eq!(out.method, "POST");
    assert!(!out.cancel);
}

#[test]
fn an_unchanged_webhook_falls_through_with_its_payload() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(&engine, "function handler(webhook) { return webhook; }");
    let webhook = out.result.expect("runs");
    assert_eq!(webhook.url, DEFAULT_URL);
    let body: serde_json::Value = serde_json::from_str(BODY).expect("json");
    assert_eq!(webhook.payload, body);
}

#[test]
fn method_url_headers_and_cancel_come_back_and_event_type_changes_are_ignored() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(
        &engine,
        "function handler(webhook) {\n  webhook.method = 'PUT';\n  webhook.url = 'https://api.segment.io/v1/identify';\n  webhook.headers = { 'X-Source': 'dodo' };\n  webhook.eventType = 'other';\n  webhook.cancel = true;\n  return webhook;\n}",
    );
    let w = out.result.expect("runs");
    assert_eq!(w.method, "PUT");
    assert_eq!(w.url, "https://api.segment.io/v1/identify");
    assert_eq!(w.headers.get("X-Source").map(String::as_str), Some("dodo"));
    assert!(w.cancel);
}

#[test]
fn syntax_errors_point_into_the_users_file() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(
        &engine,
        "function handler(webhook) {\n  let x = ;\n  return webhook;\n}",
    );
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert_eq!((e.line, e.column), (Some(2), Some(11)), "{e:?}");
    assert!(e.message.starts_with("SyntaxError"), "{}", e.message);

    // On the first line the wrapper's prefix must not shift the column.
    let out = run(&engine, "function handler(webhook) { return webhook + ; }");
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert_eq!((e.line, e.column), (Some(1), Some(46)), "{e:?}");
}

#[test]
fn an_unterminated_source_reports_its_last_line() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(
        &engine,
        "function handler(webhook) {\n  return webhook;\n/* never closed",
    );
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert_eq!(e.line, Some(3), "{e:?}");
}

#[test]
fn a_source_without_handler_is_a_syntax_error() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(&engine, "function transform(webhook) { return webhook; }");
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert!(
        e.message.contains("function handler(webhook)"),
        "{}",
        e.message
    );
}

#[test]
fn exceptions_carry_name_message_and_position() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(
        &engine,
        "function handler(webhook) {\n  const p = webhook.payload.data;\n  return p.missing.deeper;\n}",
    );
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Exception);
    assert!(e.message.starts_with("TypeError: "), "{}", e.message);
    assert!(e.message.contains("deeper"), "{}", e.message);
    assert_eq!((e.line, e.column), (Some(3), Some(10)), "{e:?}");

    let out = run(
        &engine,
        "function handler(webhook) {\n\n  throw new Error('no customer');\n}",
    );
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Exception);
    assert_eq!(e.message, "Error: no customer");
    assert_eq!(e.line, Some(3));

    let out = run(
        &engine,
        "function handler(webhook) { throw 'plain string'; }",
    );
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Exception);
    assert_eq!(e.message, "uncaught exception: \"plain string\"");
}

#[test]
fn an_exception_in_a_helper_points_at_the_helper() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(
        &engine,
        "function cents(x) {\n  return x.toFixed(2);\n}\nfunction handler(webhook) {\n  cents(undefined);\n  return webhook;\n}",
    );
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Exception);
    assert_eq!(e.line, Some(2), "{e:?}");
}

#[test]
fn bad_returns_are_invalid_return() {
    let engine = Engine::with_workers(Limits::default(), 1);
    for (source, expected) in [
        (
            "function handler(webhook) { webhook.payload = {}; }",
            "returned undefined",
        ),
        (
            "function handler(webhook) { return [webhook]; }",
            "returned an array",
        ),
        (
            "function handler(webhook) { return 'x'; }",
            "returned a string",
        ),
        (
            "async function handler(webhook) { return webhook; }",
            "Promise",
        ),
        (
            "function handler(webhook) { webhook.method = 'GET'; return webhook; }",
            "\"POST\" or \"PUT\"",
        ),
        (
            "function handler(webhook) { webhook.url = '/v1/track'; return webhook; }",
            "not a valid URL",
        ),
        (
            "function handler(webhook) { const a = {}; a.self = a; webhook.payload = a; return webhook; }",
            "cannot be serialised",
        ),
        (
            "function handler(webhook) { webhook.payload = { n: 10n }; return webhook; }",
            "cannot be serialised",
        ),
        (
            "function handler(webhook) { return { payload: webhook.payload }; }",
            "no `method`",
        ),
    ] {
        let out = run(&engine, source);
        let e = error_of(&out);
        assert_eq!(e.kind, ErrorKind::InvalidReturn, "{source}");
        assert!(e.message.contains(expected), "{source}: {}", e.message);
    }
}

#[test]
fn runaway_loops_time_out_and_the_next_run_succeeds() {
    let engine = Engine::with_workers(quick_limits(), 1);
    for source in [
        "function handler(webhook) { while (true) {} }",
        "function handler(webhook) { while (true) { try { while (true) {} } catch (e) {} } }",
        "function handler(webhook) { [1, 2].forEach(() => { for (;;) {} }); return webhook; }",
        "function handler(webhook) { /^(a+)+$/.test('a'.repeat(40) + '!'); return webhook; }",
    ] {
        let started = Instant::now();
        let out = run(&engine, source);
        let e = error_of(&out);
        assert_eq!(e.kind, ErrorKind::Timeout, "{source}: {e:?}");
        assert!(e.message.contains("150 ms"), "{}", e.message);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{source} was not stopped"
        );
        assert_next_run_succeeds(&engine);
    }
}

#[test]
fn memory_bombs_and_deep_recursion_hit_the_limits_and_the_next_run_succeeds() {
    // The memory limit must end these, however slow a loaded machine makes reaching it.
    let limits = Limits {
        timeout: Duration::from_secs(30),
        ..Limits::default()
    };
    let engine = Engine::with_workers(limits, 1);
    let out = run(
        &engine,
        "function handler(webhook) { const a = []; while (true) a.push(new Array(100000).fill(1)); }",
    );
    assert_eq!(error_of(&out).kind, ErrorKind::Memory, "{:?}", out.result);
    assert_next_run_succeeds(&engine);

    let out = run(
        &engine,
        "function f(n) { return f(n + 1) + 1; }\nfunction handler(webhook) { f(0); return webhook; }",
    );
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Memory, "{e:?}");
    assert!(e.message.contains("stack"), "{}", e.message);
    assert_next_run_succeeds(&engine);
}

#[test]
fn a_worker_stuck_in_a_native_builtin_is_abandoned_and_replaced() {
    let limits = Limits {
        timeout: Duration::from_millis(50),
        ..Limits::default()
    };
    let engine = Engine::with_workers(limits, 1);
    let started = Instant::now();
    let out = run(
        &engine,
        "function handler(webhook) { Array(1e8).join(''); return webhook; }",
    );
    let waited = started.elapsed();
    let e = error_of(&out);
    assert_eq!(e.kind, ErrorKind::Timeout, "{e:?}");
    assert!(e.message.contains("abandoned"), "{}", e.message);
    assert!(
        waited >= Duration::from_millis(100),
        "answered before twice the budget: {waited:?}"
    );
    assert!(waited < Duration::from_secs(10), "took {waited:?}");
    // The replacement worker answers while the stuck one is still busy.
    assert_next_run_succeeds(&engine);
}

/// Waits (bounded) until no abandoned worker is left running; false if some still are.
fn abandoned_workers_end(engine: &Engine, within: Duration) -> bool {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if engine.abandoned_workers() == 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    engine.abandoned_workers() == 0
}

#[test]
fn twenty_stuck_runs_leave_a_bounded_number_of_threads_that_then_end() {
    let limits = Limits {
        timeout: Duration::from_millis(40),
        ..Limits::default()
    };
    let engine = Engine::with_workers(limits, 1);
    // A native call the interrupt cannot reach: each element's decimal text takes seconds.
    let stuck = engine.compile(
        "stuck.js",
        "function handler(webhook) { new Array(30).fill(7n ** 300000n).join(); return webhook; }",
    );
    let mut most = 0;
    for _ in 0..20 {
        let out = engine.run(&stuck, RunInput::from_body(BODY, "payment.succeeded"));
        assert_eq!(error_of(&out).kind, ErrorKind::Timeout, "{:?}", out.result);
        most = most.max(engine.js_threads());
    }
    // However slowly the abandoned threads end (a loaded machine), no more are started than this.
    assert!(
        most <= engine.max_js_threads(),
        "{most} threads running JS at once"
    );
    // Refused memory, each stuck built-in fails at its next allocation and its thread ends.
    assert!(
        abandoned_workers_end(&engine, Duration::from_secs(60)),
        "{} abandoned workers still running",
        engine.abandoned_workers()
    );
    assert_next_run_succeeds(&engine);
}

#[test]
fn throwing_null_or_undefined_is_an_exception_not_out_of_memory() {
    let engine = Engine::with_workers(Limits::default(), 1);
    for (thrown, shown) in [("null", "null"), ("undefined", "undefined")] {
        let out = run(
            &engine,
            &format!("function handler(webhook) {{\n  throw {thrown};\n}}"),
        );
        let e = error_of(&out);
        assert_eq!(e.kind, ErrorKind::Exception, "{e:?}");
        assert_eq!(e.message, format!("uncaught exception: {shown}"));
    }
}

#[test]
fn globals_written_by_one_run_are_not_seen_by_the_next() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let program = engine.compile(
        "t.js",
        "let counter = 0;\nvar seen = [];\nfunction handler(webhook) {\n  counter++;\n  seen.push(1);\n  const before = { counter, seen: seen.length, explicit: globalThis.leak, implicit: typeof implicitLeak, proto: ({}).polluted, arr: [].polluted2 };\n  globalThis.leak = 'x';\n  implicitLeak = 1;\n  Object.prototype.polluted = 1;\n  Array.prototype.polluted2 = 1;\n  webhook.payload = before;\n  return webhook;\n}",
    );
    for _ in 0..3 {
        let out = engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"));
        assert_eq!(
            out.result.expect("runs").payload,
            json!({"counter": 1, "seen": 1, "implicit": "undefined"}),
            "state leaked between runs"
        );
    }
}

#[test]
fn console_output_is_captured_per_run_with_levels() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(
        &engine,
        "function handler(webhook) {\n  console.log('amount', webhook.payload.data.total_amount, {a: 1});\n  console.warn('careful');\n  console.error(new Error('bad'));\n  console.info(undefined, null, true);\n  console.debug([1, 2]);\n  return webhook;\n}",
    );
    let levels: Vec<(&str, &str)> = out
        .logs
        .iter()
        .map(|l| (l.level.as_str(), l.message.as_str()))
        .collect();
    assert_eq!(levels[0], ("log", "amount 400 {\"a\":1}"));
    assert_eq!(levels[1], ("warn", "careful"));
    assert_eq!(levels[2].0, "error");
    assert!(levels[2].1.starts_with("Error: bad"), "{}", levels[2].1);
    assert_eq!(levels[3], ("info", "undefined null true"));
    assert_eq!(levels[4], ("debug", "[1,2]"));
    assert_eq!(levels.len(), 5);

    // The next run starts with an empty console.
    let out = run(&engine, "function handler(webhook) { return webhook; }");
    assert!(out.logs.is_empty());
}

#[test]
fn console_output_is_capped() {
    let limits = Limits {
        max_log_lines: 10,
        ..Limits::default()
    };
    let engine = Engine::with_workers(limits, 1);
    let out = run(
        &engine,
        "function handler(webhook) { for (let i = 0; i < 50; i++) console.log(i); return webhook; }",
    );
    assert_eq!(out.logs.len(), 11);
    assert!(
        out.logs[10]
            .message
            .contains("40 more console lines dropped"),
        "{}",
        out.logs[10].message
    );
}

#[test]
fn console_survives_an_error_and_is_kept_with_it() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(
        &engine,
        "function handler(webhook) { console.log('before'); throw new Error('x'); }",
    );
    assert_eq!(error_of(&out).kind, ErrorKind::Exception);
    assert_eq!(out.logs.len(), 1);
    assert_eq!(out.logs[0].message, "before");
}

#[test]
fn the_sandbox_has_no_host_access() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let out = run(
        &engine,
        "function handler(webhook) { webhook.payload = [typeof fetch, typeof require, typeof setTimeout, typeof std, typeof os, typeof process]; return webhook; }",
    );
    assert_eq!(
        out.result.expect("runs").payload,
        json!([
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined"
        ])
    );
}

#[test]
fn many_runs_on_several_workers_each_get_their_own_answer() {
    let engine = Engine::with_workers(Limits::default(), 2);
    let program = engine.compile("t.js", "function handler(webhook) { webhook.payload = { n: webhook.payload.n * 2 }; return webhook; }");
    let pending: Vec<PendingRun> = (0..200)
        .map(|n| engine.submit(&program, RunInput::from_body(format!("{{\"n\":{n}}}"), "x")))
        .collect();
    for (n, p) in pending.into_iter().enumerate() {
        assert_eq!(
            p.wait().result.expect("runs").payload,
            json!({ "n": n * 2 })
        );
    }
}

#[test]
fn a_run_can_be_awaited() {
    let engine = Engine::with_workers(quick_limits(), 1);
    let program = engine.compile(
        "t.js",
        "function handler(webhook) { webhook.cancel = true; return webhook; }",
    );
    let stuck = engine.compile("t.js", "function handler(webhook) { while (true) {} }");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let out = engine
            .submit(&program, RunInput::from_body(BODY, "payment.succeeded"))
            .await;
        assert!(out.result.expect("runs").cancel);
        // An async caller waiting on a runaway run is answered with the timeout, never hung.
        let out = engine
            .submit(&stuck, RunInput::from_body(BODY, "payment.succeeded"))
            .await;
        assert_eq!(out.result.expect_err("times out").kind, ErrorKind::Timeout);
    });
}

#[test]
fn only_source_that_does_not_parse_is_a_syntax_error() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let unclosed = run(&engine, "function handler(webhook) {");
    assert_eq!(error_of(&unclosed).kind, ErrorKind::Syntax);
    // Source that parses but throws when run fails at run time, not as a syntax error.
    let throws = run(
        &engine,
        "function handler(webhook) { throw new Error('x'); }",
    );
    assert_eq!(error_of(&throws).kind, ErrorKind::Exception);
}

#[test]
fn the_follow_up_of_a_run_runs_on_its_worker_and_a_panic_there_keeps_the_worker() {
    let engine = Engine::with_workers(Limits::default(), 1);
    let program = engine.compile(
        "t.js",
        "function handler(webhook) { webhook.cancel = true; return webhook; }",
    );
    let on = engine
        .submit_then(
            &program,
            RunInput::from_body(BODY, "payment.succeeded"),
            |output| {
                let cancelled = output.result.is_ok_and(|w| w.cancel);
                (cancelled, std::thread::current().name().map(str::to_string))
            },
        )
        .wait();
    assert_eq!(on, Some((true, Some("hookbench-js".to_string()))));

    // A follow-up that panics leaves its waiter without an answer, and the worker running.
    let panicked = engine
        .submit_then(
            &program,
            RunInput::from_body(BODY, "payment.succeeded"),
            |_| -> u8 { panic!("the follow-up failed") },
        )
        .wait_parked();
    assert_eq!(panicked, None);
    let out = engine.run(&program, RunInput::from_body(BODY, "payment.succeeded"));
    assert!(out.result.expect("the worker still runs").cancel);
}

#[test]
fn a_body_handed_over_parsed_runs_as_its_text_does() {
    // What a script can see of its payload: its JSON, its keys in order, each value's type, the
    // sign of zero, and that it is a fresh object of the realm's own kinds.
    let source = r#"function handler(webhook) {
  const p = webhook.payload;
  const shape = (v) => v === null ? "null" : Array.isArray(v) ? "array:" + v.map(shape).join() : typeof v === "object" ? "object:" + Object.keys(v).map((k) => k + "=" + shape(v[k])).join() : typeof v + (Object.is(v, -0) ? ":-0" : "");
  p.added = true;
  webhook.payload = { json: JSON.stringify(p), shape: shape(p), proto: Object.getPrototypeOf(p) === Object.prototype, own: Object.getOwnPropertyNames(p).length };
  return webhook;
}"#;
    let engine = Engine::with_workers(Limits::default(), 1);
    let program = engine.compile("t.js", source);
    let fixtures = crate::webhook::FixtureSet::builtin().expect("fixtures");
    let mut bodies: Vec<String> = fixtures.iter().map(|f| f.body.clone()).collect();
    bodies.push(r#"{"__proto__":{"x":1},"é":[-0,0.1,1e300,18446744073709551615],"2":"two","1":{"a":1,"a":2}}"#.into());
    bodies.push(r#"[1,"two",null]"#.into());
    for body in bodies {
        let parsed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        let as_text = engine.run(&program, RunInput::from_body(body.clone(), "t"));
        let mut input = RunInput::from_body(body.clone(), "t");
        input.json = Some(std::sync::Arc::new(parsed));
        let as_parsed = engine.run(&program, input);
        let (text, parsed) = (
            as_text.result.expect("runs"),
            as_parsed.result.expect("runs"),
        );
        assert_eq!(text, parsed, "{body}");
        assert!(
            text.payload["json"]
                .as_str()
                .is_some_and(|j| j.contains("\"added\":true"))
                || body.starts_with('['),
            "{body}"
        );
    }
}

#[test]
fn a_body_past_the_memory_limit_fails_the_run_either_way_and_the_next_run_succeeds() {
    let limits = Limits {
        timeout: Duration::from_secs(30),
        memory_bytes: 16 * 1024 * 1024,
        ..Limits::default()
    };
    let engine = Engine::with_workers(limits, 1);
    let program = engine.compile("t.js", "function handler(webhook) { return webhook; }");
    let item = "x".repeat(1000);
    let body =
        serde_json::to_string(&json!({ "type": "t", "data": vec![item; 24_000] })).expect("JSON");
    let parsed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let as_text = engine.run(&program, RunInput::from_body(body.clone(), "t"));
    let mut input = RunInput::from_body(body, "t");
    input.json = Some(std::sync::Arc::new(parsed));
    let as_parsed = engine.run(&program, input);
    for out in [as_text, as_parsed] {
        let e = error_of(&out);
        assert_eq!(e.kind, ErrorKind::Memory, "{e:?}");
        assert!(e.message.contains("16 MiB"), "{}", e.message);
    }
    assert_next_run_succeeds(&engine);
}
