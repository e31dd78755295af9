//! Sealed runs over a JSONL: a handler that changes built-ins after computing its answer gets
//! the same answer for every line, so no line saw what an earlier one did.

mod common;

use serde_json::{Value, json};

use common::{Sandbox, json_lines, run};

/// Computes a fingerprint of the built-ins first, then tries to change each of them.
const HANDLER: &str = r#"function handler(webhook) {
  const own = []; own.toString = function () { return "own"; };
  webhook.payload = {
    id: webhook.payload.data.n,
    map: [3, 1, 2].map(function (x) { return x * 2; }),
    json: JSON.stringify(JSON.parse('{"a":[1,null]}')),
    date: JSON.stringify(new Date(0)),
    keys: Object.keys({ a: 1, b: 2 }).join(),
    upper: "abc".toUpperCase(),
    round: Math.round(2.5),
    test: /a/.test("a"),
    mapGet: new Map([[1, "one"]]).get(1),
    fixed: (1.25).toFixed(1),
    isArray: Array.isArray([]),
    tag: Object.prototype.toString.call([]),
    proto: Object.getPrototypeOf(Array.prototype) === Object.prototype,
    includes: typeof [].includes,
    added: typeof [].added,
    overridden: String(own)
  };
  const attacks = [
    function () { Array.prototype.map = function () { return []; }; },
    function () { JSON.stringify = function () { return "0"; }; },
    function () { JSON.parse = function () { return {}; }; },
    function () { Date.prototype.toJSON = function () { return "then"; }; },
    function () { Object.keys = function () { return []; }; },
    function () { String.prototype.toUpperCase = function () { return "no"; }; },
    function () { Math.round = function () { return 42; }; },
    function () { RegExp.prototype.test = function () { return false; }; },
    function () { Map.prototype.get = function () { return "m"; }; },
    function () { Number.prototype.toFixed = function () { return "0"; }; },
    function () { Array.isArray = function () { return false; }; },
    function () { Object.prototype.toString = function () { return "[object Hacked]"; }; },
    function () { Object.setPrototypeOf(Array.prototype, null); },
    function () { Object.freeze(Array.prototype); },
    function () { delete Array.prototype.includes; },
    function () { Array.prototype.added = function () {}; }
  ];
  for (let i = 0; i < attacks.length; i++) { try { attacks[i](); } catch (e) {} }
  return webhook;
}"#;

#[test]
fn forty_one_lines_of_a_built_in_changing_handler_give_forty_one_identical_answers() {
    let sb = Sandbox::new();
    let transform = sb.write("hostile.js", HANDLER);
    let lines: Vec<String> = (0..41)
        .map(|n| {
            json!({"business_id": "bus_1", "type": "payment.succeeded", "timestamp": "2025-08-04T05:30:45Z", "data": {"payload_type": "Payment", "n": n}})
                .to_string()
        })
        .collect();
    let payload = sb.write("events.jsonl", &(lines.join("\n") + "\n"));
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        transform.to_str().expect("utf-8 path"),
        "--payload",
        payload.to_str().expect("utf-8 path"),
        "--output",
        "json",
    ]));
    let records = json_lines(&ran.stdout);
    assert_eq!(records.len(), 41, "stderr: {}", ran.stderr);
    let answers: Vec<Value> = records
        .iter()
        .map(|r| {
            let mut payload = r["webhook"]["payload"].clone();
            payload
                .as_object_mut()
                .expect("an object payload")
                .remove("id");
            payload
        })
        .collect();
    let expected = json!({
        "map": [6, 2, 4], "json": "{\"a\":[1,null]}", "date": "\"1970-01-01T00:00:00.000Z\"",
        "keys": "a,b", "upper": "ABC", "round": 3, "test": true, "mapGet": "one", "fixed": "1.3",
        "isArray": true, "tag": "[object Array]", "proto": true, "includes": "function",
        "added": "undefined", "overridden": "own"
    });
    for (n, answer) in answers.iter().enumerate() {
        assert_eq!(answer, &expected, "line {} saw changed built-ins", n + 1);
    }
}
