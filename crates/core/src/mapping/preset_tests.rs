//! `segment-complete.mapping.toml` is segment-complete.js as a mapping: it parses without a
//! single diagnostic, and its compiled handler gives exactly the preset's outcome on every
//! built-in fixture and variant, in hookbench's engine and in Node.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::compile::compile;
use super::embed;
use super::parse::parse;
use crate::transform::{DEFAULT_URL, Engine, Limits, RunInput, WebhookOut, presets};
use crate::webhook::FixtureSet;

const MAPPING: &str = include_str!("../../../../fixtures/transforms/segment-complete.mapping.toml");
const FILE: &str = "segment-complete.mapping.toml";

fn compiled() -> String {
    let parsed = parse(MAPPING);
    let Some(mapping) = parsed.mapping else {
        panic!("the mapping does not parse: {:?}", parsed.diagnostics);
    };
    compile(&mapping, MAPPING, FILE)
}

/// Every body the comparison runs on, with a name: the built-in fixtures and variants (the
/// not-Dodo ones included), then bodies made to reach the mapping's edges.
fn bodies() -> Vec<(String, String, Value)> {
    let fixtures = FixtureSet::builtin().expect("built-in fixtures");
    let mut bodies: Vec<(String, String, Value)> = fixtures
        .iter()
        .map(|f| (f.name.clone(), f.event_type.clone(), f.json.clone()))
        .collect();
    let get = |name: &str| fixtures.get(name).expect("fixture").json.clone();

    let mut no_customer = get("payment.succeeded");
    no_customer["data"]["customer"] = json!({"email": "a@b.c"});
    bodies.push((
        "made.no-user".into(),
        "payment.succeeded".into(),
        no_customer,
    ));

    let mut no_currency = get("payment.succeeded");
    no_currency["data"]["currency"] = Value::Null;
    no_currency["data"]["tax"] = json!(0);
    bodies.push((
        "made.no-currency".into(),
        "payment.succeeded".into(),
        no_currency,
    ));

    let mut string_total = get("payment.succeeded.kwd");
    string_total["data"]["total_amount"] = json!("12345");
    string_total["data"]["product_cart"] = json!([{"product_id": "p1"}, {"quantity": null}]);
    bodies.push((
        "made.string-total".into(),
        "payment.succeeded".into(),
        string_total,
    ));

    let mut not_array = get("payment.cancelled");
    not_array["data"]["product_cart"] = json!({"product_id": "p1"});
    bodies.push((
        "made.cart-not-array".into(),
        "payment.cancelled".into(),
        not_array,
    ));

    let mut unknown = get("payment.succeeded");
    unknown["type"] = json!("payment.refunded_twice");
    bodies.push((
        "made.unknown-type".into(),
        "payment.refunded_twice".into(),
        unknown,
    ));

    let mut no_timestamp = get("dispute.opened");
    if let Some(body) = no_timestamp.as_object_mut() {
        body.remove("timestamp");
    }
    bodies.push((
        "made.no-timestamp".into(),
        "dispute.opened".into(),
        no_timestamp,
    ));
    bodies
}

/// The environments every body runs under: none, the EU region, and a US one in capitals.
fn environments() -> Vec<BTreeMap<String, String>> {
    vec![
        BTreeMap::new(),
        BTreeMap::from([("SEGMENT_REGION".to_string(), "EU".to_string())]),
        BTreeMap::from([("SEGMENT_REGION".to_string(), "us".to_string())]),
    ]
}

fn run(
    engine: &Engine,
    name: &str,
    js: &str,
    event_type: &str,
    body: &Value,
    env: &BTreeMap<String, String>,
) -> WebhookOut {
    let program = engine.compile(name, js);
    let mut input = RunInput::from_body(body.to_string(), event_type);
    input.env = env.clone();
    match engine.run(&program, input).result {
        Ok(out) => out,
        Err(e) => panic!("{name} failed on a {event_type} body: {e}"),
    }
}

/// The outcome as one JSON value: method, url, headers, cancel and payload.
fn outcome(out: &WebhookOut) -> Value {
    json!({
        "method": out.method,
        "url": out.url,
        "headers": out.headers,
        "cancel": out.cancel,
        "payload": out.payload,
    })
}

/// The first path where `a` and `b` differ, objects' key order included.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let xk: Vec<&String> = x.keys().collect();
            let yk: Vec<&String> = y.keys().collect();
            for key in &xk {
                let path = format!("{at}.{key}");
                match y.get(*key) {
                    Some(other) => {
                        if let Some(d) = first_difference(&x[*key], other, &path) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{path}: only on the left ({})", x[*key])),
                }
            }
            if let Some(key) = yk.iter().find(|k| !x.contains_key(**k)) {
                return Some(format!("{at}.{key}: only on the right ({})", y[*key]));
            }
            (xk != yk).then(|| format!("{at}: keys in another order: {xk:?} vs {yk:?}"))
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_difference(p, q, &format!("{at}[{i}]")) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{at}: {} items vs {}", x.len(), y.len()))
        }
        _ => (a != b).then(|| format!("{at}: {a} vs {b}")),
    }
}

#[test]
fn the_mapping_parses_without_a_single_diagnostic() {
    let parsed = parse(MAPPING);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    assert!(parsed.mapping.is_some());
}

#[test]
fn the_compiled_mapping_carries_its_text_and_is_deterministic() {
    let js = compiled();
    assert_eq!(js, compiled());
    assert_eq!(embed::extract(&js).as_deref(), Ok(MAPPING));
}

#[test]
fn the_compiled_mapping_gives_segment_completes_outcome_on_every_body() {
    let preset = presets::preset("segment-complete").expect("the preset");
    let js = compiled();
    let engine = Engine::with_workers(Limits::default(), 1);
    let mut compared = 0;
    let mut sent = 0;
    for (name, event_type, body) in bodies() {
        for env in environments() {
            let expected = outcome(&run(
                &engine,
                preset.file,
                preset.source,
                &event_type,
                &body,
                &env,
            ));
            let actual = outcome(&run(&engine, FILE, &js, &event_type, &body, &env));
            if let Some(d) = first_difference(&actual, &expected, "") {
                panic!(
                    "{name} with env {env:?}: the mapping and segment-complete.js differ at {d}"
                );
            }
            compared += 1;
            sent += usize::from(!actual["cancel"].as_bool().unwrap_or(true));
        }
    }
    // Every fixture ran, and most of them send something: the comparison is not of cancels only.
    assert!(compared >= 3 * 56, "{compared}");
    assert!(sent >= 3 * 40, "{sent}");
}

/// Runs `js` in Node on every body under every environment, building the webhook object as the
/// engine does, and gives each outcome normalised as the engine normalises it.
fn run_in_node(
    js: &str,
    inputs: &[(String, Value, BTreeMap<String, String>)],
) -> Option<Vec<Value>> {
    const SCRIPT: &str = r#"
const chunks = [];
process.stdin.on("data", function (c) { chunks.push(c); });
process.stdin.on("end", function () {
  const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const handler = new Function(input.source + "\nreturn handler;")();
  const out = input.runs.map(function (run) {
    const webhook = { method: "POST", url: input.url, eventType: run.eventType, payload: JSON.parse(run.body), env: run.env };
    const result = handler(webhook);
    return {
      method: result.method === undefined ? "POST" : result.method,
      url: result.url,
      headers: result.headers === undefined ? {} : result.headers,
      cancel: result.cancel === true,
      payload: result.payload,
    };
  });
  process.stdout.write(JSON.stringify(out));
});
"#;
    let mut child = match Command::new("node")
        .arg("-e")
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            println!("node is not on PATH ({e}): the Node comparison is skipped");
            return None;
        }
    };
    let runs: Vec<Value> = inputs
        .iter()
        .map(|(event_type, body, env)| json!({"eventType": event_type, "body": body.to_string(), "env": env}))
        .collect();
    let request = json!({"source": js, "url": DEFAULT_URL, "runs": runs}).to_string();
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(request.as_bytes()).expect("write to node");
    }
    let output = child.wait_with_output().expect("node runs");
    assert!(
        output.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let outcomes: Vec<Value> = serde_json::from_slice(&output.stdout).expect("node's JSON");
    Some(outcomes)
}

#[test]
fn node_runs_the_compiled_mapping_as_hookbench_does() {
    let js = compiled();
    let engine = Engine::with_workers(Limits::default(), 1);
    let mut inputs = Vec::new();
    let mut expected = Vec::new();
    for (name, event_type, body) in bodies() {
        for env in environments() {
            expected.push((
                name.clone(),
                outcome(&run(&engine, FILE, &js, &event_type, &body, &env)),
            ));
            inputs.push((event_type.clone(), body.clone(), env));
        }
    }
    let Some(outcomes) = run_in_node(&js, &inputs) else {
        return;
    };
    assert_eq!(outcomes.len(), expected.len());
    for ((name, ours), theirs) in expected.iter().zip(&outcomes) {
        if let Some(d) = first_difference(theirs, ours, "") {
            panic!("{name}: Node and hookbench differ at {d}");
        }
    }
}
