//! `hookbench run`: the JSON contract, exit codes and input handling.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::{Ran, Sandbox, json_lines, run};

/// `run -t segment-track-payment -e payment.succeeded`, plus `extra`.
fn run_payment(sb: &Sandbox, extra: &[&str]) -> Ran {
    run(sb
        .cmd()
        .args([
            "run",
            "-t",
            "segment-track-payment",
            "-e",
            "payment.succeeded",
        ])
        .args(extra))
}

/// The single record of a `-o json` run.
fn one_record(ran: &Ran) -> Value {
    let mut lines = json_lines(&ran.stdout);
    assert_eq!(
        lines.len(),
        1,
        "stdout: {}\nstderr: {}",
        ran.stdout,
        ran.stderr
    );
    lines.remove(0)
}

/// A record without its timing, for comparing two runs.
fn untimed(mut record: Value) -> Value {
    record
        .as_object_mut()
        .expect("record is an object")
        .remove("duration_us");
    record
}

fn fixture_text(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/webhooks")
        .join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn has_code(record: &Value, code: &str, severity: &str) -> bool {
    record["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .any(|d| d["code"] == code && d["severity"] == severity)
}

/// Copies the handler's view (url, env, event type, body) into a valid track call.
const ECHO: &str = r#"function handler(webhook) {
  webhook.payload = {
    userId: "u_1",
    event: "Echo Seen",
    messageId: "m_1",
    properties: { seen_url: webhook.url, env: webhook.env, type: webhook.eventType, body: webhook.payload }
  };
  return webhook;
}
"#;

#[test]
fn json_record_has_the_contract_shape() {
    let sb = Sandbox::new();
    let ran = run_payment(&sb, &["-o", "json"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let record = one_record(&ran);
    let keys: Vec<&str> = record
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "event_type",
            "webhook",
            "error",
            "logs",
            "input_diagnostics",
            "diagnostics",
            "read_warnings",
            "duration_us"
        ]
    );
    // A built-in body is what Dodo sends: nothing to say about it.
    assert_eq!(record["input_diagnostics"], json!([]));
    let webhook_keys: Vec<&str> = record["webhook"]
        .as_object()
        .expect("webhook object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        webhook_keys,
        ["method", "url", "headers", "cancel", "payload"]
    );
    assert_eq!(record["event_type"], "payment.succeeded");
    assert_eq!(record["error"], Value::Null);
    assert_eq!(record["logs"], json!([]));
    assert!(record["duration_us"].is_u64());
    let webhook = &record["webhook"];
    assert_eq!(webhook["method"], "POST");
    assert_eq!(webhook["url"], "https://api.segment.io/v1/track");
    assert_eq!(webhook["cancel"], false);
    assert_eq!(webhook["payload"]["event"], "Payment Completed");
    assert_eq!(webhook["payload"]["properties"]["amount"], "4.00");
    let numeric = record["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "numeric-string")
        .expect("numeric-string diagnostic");
    assert_eq!(numeric["path"], "/properties/amount");
    assert_eq!(numeric["severity"], "warning");
    for d in record["diagnostics"].as_array().expect("diagnostics") {
        let keys: Vec<&str> = d
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["severity", "code", "path", "message"]);
    }
}

#[test]
fn text_output_shows_method_url_and_pretty_payload() {
    let sb = Sandbox::new();
    let ran = run_payment(&sb, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.contains("payment.succeeded"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("POST https://api.segment.io/v1/track"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("\"event\": \"Payment Completed\""),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("\"amount\": \"4.00\""),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("numeric-string"), "{}", ran.stdout);
    assert!(
        !ran.stdout.contains('\u{1b}'),
        "no colour when not a terminal"
    );
}

#[test]
fn an_unhandled_event_falls_through_and_fails_lint() {
    let sb = Sandbox::new();
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-payment",
        "-e",
        "refund.succeeded",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    let record = one_record(&ran);
    assert_eq!(record["event_type"], "refund.succeeded");
    assert!(has_code(&record, "missing-identity", "error"), "{record}");
    assert!(has_code(&record, "untransformed", "warning"), "{record}");
}

/// payment.succeeded without `payment_provider` and with a status Dodo does not send.
fn off_schema_body() -> String {
    let mut body: Value = serde_json::from_str(&fixture_text("payment.succeeded")).expect("JSON");
    let data = body["data"].as_object_mut().expect("data");
    data.remove("payment_provider");
    data.insert("status".into(), json!("paid"));
    body.to_string()
}

/// `run` of the guide's track preset on [`off_schema_body`], with `extra` flags.
fn run_off_schema(sb: &Sandbox, extra: &[&str]) -> Ran {
    sb.write("body.json", &off_schema_body());
    run(sb
        .cmd()
        .args([
            "run",
            "-t",
            "segment-track-payment",
            "--payload",
            "body.json",
        ])
        .args(extra))
}

#[test]
fn input_diagnostics_say_what_dodos_schema_refuses_in_json() {
    let sb = Sandbox::new();
    let ran = run_off_schema(&sb, &["-o", "json"]);
    // They describe the input: the run, its lint and its exit code are unchanged.
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let record = one_record(&ran);
    assert_eq!(
        record["input_diagnostics"],
        json!([
            {
                "severity": "error",
                "code": "missing-field",
                "path": "/data/payment_provider",
                "message": "payment.succeeded: `data.payment_provider` is required by Dodo's schema and missing"
            },
            {
                "severity": "error",
                "code": "not-in-enum",
                "path": "/data/status",
                "message": "payment.succeeded: `data.status` is `\"paid\"`, not one of `succeeded`, `failed`, `cancelled`, `processing`, `requires_customer_action`, `requires_merchant_action`, `requires_payment_method`, `requires_confirmation`, `requires_capture`, `partially_captured`, `partially_captured_and_capturable`"
            }
        ])
    );
    assert_eq!(record["webhook"]["payload"]["event"], "Payment Completed");

    sb.write("odd.json", r#"{"business_id":"b","type":"order.shipped","timestamp":"2026-01-01T00:00:00Z","data":{}}"#);
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-payment",
        "--payload",
        "odd.json",
        "-o",
        "json",
    ]));
    let record = one_record(&ran);
    let found = record["input_diagnostics"].as_array().expect("array");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "unknown-event-type");
    assert_eq!(found[0]["severity"], "warning");
    assert_eq!(found[0]["path"], "/type");
}

#[test]
fn input_diagnostics_come_before_the_segment_lint_in_text() {
    let sb = Sandbox::new();
    let ran = run_off_schema(&sb, &[]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let out = ran.stdout.as_str();
    let heading = out
        .find("webhook body vs Dodo's schema (2026-12):")
        .unwrap_or_else(|| panic!("{out}"));
    let missing = out
        .find("missing-field  /data/payment_provider  payment.succeeded: `data.payment_provider` is required by Dodo's schema and missing")
        .unwrap_or_else(|| panic!("{out}"));
    let lint = out
        .find("numeric-string")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(heading < missing && missing < lint, "{out}");
    assert!(out.contains("/data/status"), "{out}");

    // A body that conforms shows no such section.
    let ran = run_payment(&sb, &[]);
    assert!(!ran.stdout.contains("Dodo's schema"), "{}", ran.stdout);
}

/// Reads `recurring_amount`, which subscriptions do not have (they carry
/// `recurring_pre_tax_amount`), on its third line.
const TYPO_HANDLER: &str = "function handler(webhook) {
  const s = webhook.payload.data;
  const amount = s.recurring_amount;
  webhook.payload = { userId: s.customer.customer_id, event: \"Subscription Started\",
    properties: { amount: amount } };
  return webhook;
}
";

#[test]
fn a_read_of_a_path_the_event_type_lacks_is_warned_at_its_line() {
    let sb = Sandbox::new();
    sb.write("typo.js", TYPO_HANDLER);
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "typo.js",
        "-e",
        "subscription.active",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let record = one_record(&ran);
    let warnings = record["read_warnings"].as_array().expect("an array");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0]["path"], "data.recurring_amount");
    assert_eq!(warnings[0]["line"], 3);
    let message = warnings[0]["message"].as_str().expect("a message");
    assert!(
        message.starts_with(
            "`data.recurring_amount` does not exist in subscription.active; did you mean \
             `recurring_pre_tax_amount`"
        ),
        "{message}"
    );

    let text = run(sb
        .cmd()
        .args(["run", "-t", "typo.js", "-e", "subscription.active"]));
    assert!(text.stdout.contains("▲ read typo.js:3:"), "{}", text.stdout);

    // The presets read only what each event's body has.
    for preset in [
        "segment-complete",
        "segment-track-payment",
        "segment-identify-customer",
        "segment-subscription-lifecycle",
    ] {
        let all = run(sb.cmd().args(["run", "-t", preset, "--all", "-o", "json"]));
        for record in json_lines(&all.stdout) {
            assert_eq!(
                record["read_warnings"],
                serde_json::json!([]),
                "{preset} on {}",
                record["event_type"]
            );
        }
    }
}

#[test]
fn no_two_dodo_samples_share_a_message_id_through_segment_complete() {
    let sb = Sandbox::new();
    let list = run(sb.cmd().args(["fixtures", "list", "-o", "json"]));
    let samples: Vec<String> = json_lines(&list.stdout)
        .iter()
        .filter(|f| f["not_dodo"] == false)
        .map(|f| f["name"].as_str().expect("name").to_string())
        .collect();
    let ran = run(sb
        .cmd()
        .args(["run", "-t", "segment-complete", "--all", "-o", "json"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let records = json_lines(&ran.stdout);
    let mut seen = std::collections::BTreeMap::new();
    let mut sent = 0;
    for (record, name) in records
        .iter()
        .zip(json_lines(&list.stdout).iter().map(|f| f["name"].clone()))
    {
        let name = name.as_str().expect("name").to_string();
        if !samples.contains(&name) {
            continue;
        }
        assert_eq!(record["input_diagnostics"], json!([]), "{name}");
        let Some(id) = record["webhook"]["payload"]["messageId"].as_str() else {
            continue; // cancelled: nothing is sent
        };
        sent += 1;
        if let Some(other) = seen.insert(id.to_string(), name.clone()) {
            panic!("{name} and {other} share messageId {id}");
        }
    }
    assert!(sent >= 45, "only {sent} calls");
}

#[test]
fn all_runs_every_fixture_in_list_order() {
    let sb = Sandbox::new();
    let list = run(sb.cmd().args(["fixtures", "list", "-o", "json"]));
    assert_eq!(list.code, Some(0));
    let fixtures = json_lines(&list.stdout);

    let ran = run(sb
        .cmd()
        .args(["run", "-t", "segment-track-payment", "--all", "-o", "json"]));
    // Most events fall through segment-track-payment unmapped: lint errors.
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    let records = json_lines(&ran.stdout);
    assert_eq!(records.len(), fixtures.len());
    for (record, fixture) in records.iter().zip(&fixtures) {
        assert_eq!(record["event_type"], fixture["type"]);
    }

    // Bodies come back in the same order, variants included.
    sb.write("echo.js", ECHO);
    let ran = run(sb
        .cmd()
        .args(["run", "-t", "echo.js", "--all", "-o", "json"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let records = json_lines(&ran.stdout);
    assert_eq!(records.len(), fixtures.len());
    for (record, fixture) in records.iter().zip(&fixtures) {
        let source = fixture["source"].as_str().expect("source");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(source);
        let stored: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture file"))
                .expect("fixture JSON");
        assert_eq!(
            record["webhook"]["payload"]["properties"]["body"], stored,
            "{source}"
        );
    }
}

#[test]
fn payload_file_and_stdin_match_the_fixture() {
    let sb = Sandbox::new();
    let body = fixture_text("payment.succeeded");
    sb.write("body.json", &body);
    let args = ["run", "-t", "segment-track-payment", "-o", "json"];
    let by_event = run(sb.cmd().args(args).args(["-e", "payment.succeeded"]));
    let by_file = run(sb.cmd().args(args).args(["--payload", "body.json"]));
    let by_stdin = run(sb
        .cmd()
        .args(args)
        .args(["--payload", "-"])
        .write_stdin(body));
    for ran in [&by_event, &by_file, &by_stdin] {
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    }
    let expected = untimed(one_record(&by_event));
    assert_eq!(untimed(one_record(&by_file)), expected);
    assert_eq!(untimed(one_record(&by_stdin)), expected);
}

/// The payment.succeeded body with another payment id, on one line.
fn body_with_id(id: &str) -> String {
    let mut body: Value = serde_json::from_str(&fixture_text("payment.succeeded")).expect("JSON");
    body["data"]["payment_id"] = json!(id);
    body.to_string()
}

fn payment_ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            r["webhook"]["payload"]["properties"]["payment_id"]
                .as_str()
                .expect("payment_id")
                .to_string()
        })
        .collect()
}

#[test]
fn jsonl_gives_one_record_per_line_in_order() {
    let sb = Sandbox::new();
    let ids: Vec<String> = (0..20).map(|n| format!("pay_{n:03}")).collect();
    let mut text = String::new();
    for (n, id) in ids.iter().enumerate() {
        text.push_str(&body_with_id(id));
        text.push('\n');
        if n % 7 == 0 {
            text.push_str("\n   \n");
        }
    }
    sb.write("bodies.jsonl", &text);
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-payment",
        "-p",
        "bodies.jsonl",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(payment_ids(&json_lines(&ran.stdout)), ids);
}

#[test]
fn jsonl_bad_line_is_named_and_the_rest_still_run() {
    let sb = Sandbox::new();
    let text = format!(
        "{}\n{}\n{{\"type\": nope}}\n{}\n",
        body_with_id("pay_a"),
        body_with_id("pay_b"),
        body_with_id("pay_c")
    );
    sb.write("bodies.jsonl", &text);
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-payment",
        "-p",
        "bodies.jsonl",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("bodies.jsonl:3:"), "{}", ran.stderr);
    let after = ran
        .stderr
        .split("bodies.jsonl:3:")
        .nth(1)
        .unwrap_or_default();
    assert!(
        after.starts_with(|c: char| c.is_ascii_digit()),
        "no column: {}",
        ran.stderr
    );
    assert_eq!(
        payment_ids(&json_lines(&ran.stdout)),
        ["pay_a", "pay_b", "pay_c"]
    );
}

#[test]
fn invalid_or_missing_payload_is_an_input_error() {
    let sb = Sandbox::new();
    sb.write(
        "body.json",
        "{\n  \"type\": \"payment.succeeded\",\n  \"data\": [1, 2,, 3]\n}\n",
    );
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-payment",
        "-p",
        "body.json",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("body.json:3:17"), "{}", ran.stderr);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);

    let ran = run(sb
        .cmd()
        .args(["run", "-t", "segment-track-payment", "-p", "absent.json"]));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("absent.json"), "{}", ran.stderr);

    let ran = run(sb
        .cmd()
        .args(["run", "-t", "segment-track-payment", "-p", "-"])
        .write_stdin("{\"type\": }"));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("stdin:1:"), "{}", ran.stderr);
}

#[test]
fn unknown_names_suggest_the_closest() {
    let sb = Sandbox::new();
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-payment",
        "-e",
        "payment.succeded",
    ]));
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("did you mean payment.succeeded"),
        "{}",
        ran.stderr
    );

    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-paymnt",
        "-e",
        "payment.succeeded",
    ]));
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("did you mean segment-track-payment"),
        "{}",
        ran.stderr
    );
}

#[test]
fn unreadable_transform_and_bad_usage_exit_2() {
    let sb = Sandbox::new();
    let ran = run(sb
        .cmd()
        .args(["run", "-t", "missing.js", "-e", "payment.succeeded"]));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("missing.js"), "{}", ran.stderr);

    std::fs::create_dir_all(sb.path("adir.js")).expect("dir");
    let ran = run(sb
        .cmd()
        .args(["run", "-t", "adir.js", "-e", "payment.succeeded"]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);

    let ran = run(sb.cmd().args(["run", "-t", "segment-track-payment"]));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("Usage"), "{}", ran.stderr);

    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-payment",
        "--all",
        "-e",
        "payment.succeeded",
    ]));
    assert_eq!(ran.code, Some(2));

    let ran = run_payment(&sb, &["--timeout-ms", "0"]);
    assert_eq!(ran.code, Some(2));

    let ran = run_payment(&sb, &["--url", "not a url"]);
    assert_eq!(ran.code, Some(2));
}

/// Runs `source` as t.js on payment.succeeded; returns the record and the exit code.
fn run_source(sb: &Sandbox, source: &str, extra: &[&str]) -> (Value, Option<i32>, Duration) {
    sb.write("t.js", source);
    let started = Instant::now();
    let ran = run(sb
        .cmd()
        .args(["run", "-t", "t.js", "-e", "payment.succeeded", "-o", "json"])
        .args(extra));
    let took = started.elapsed();
    (one_record(&ran), ran.code, took)
}

#[test]
fn transform_failures_exit_1_with_the_error_in_json() {
    let sb = Sandbox::new();

    let (r, code, _) = run_source(
        &sb,
        "function handler(webhook) {\n  const x = 1;\n  let y = ;\n  return webhook;\n}\n",
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(r["webhook"], Value::Null);
    assert_eq!(r["error"]["kind"], "syntax", "{r}");
    assert_eq!(r["error"]["line"], 3, "{r}");
    assert_eq!(r["error"]["column"], 11, "{r}");
    let keys: Vec<&str> = r["error"]
        .as_object()
        .expect("error")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["kind", "message", "line", "column"]);

    let (r, code, _) = run_source(
        &sb,
        "// reads a field that is not there\nfunction handler(webhook) {\n  const p = webhook.payload.nope;\n  return p.deeper;\n}\n",
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(r["error"]["kind"], "exception", "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .expect("message")
            .contains("TypeError"),
        "{r}"
    );
    assert_eq!(r["error"]["line"], 4, "{r}");

    let (r, code, took) = run_source(
        &sb,
        "function handler(webhook) {\n  while (true) {}\n}\n",
        &["--timeout-ms", "100"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(r["error"]["kind"], "timeout", "{r}");
    assert!(took < Duration::from_secs(5), "took {took:?}");

    let (r, code, _) = run_source(
        &sb,
        "function handler(webhook) {\n  const a = [];\n  while (true) { a.push(new Array(100000).fill(\"xxxxxxxx\")); }\n}\n",
        // The memory limit must end it, however slow a loaded machine makes filling it.
        &["--timeout-ms", "30000"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(r["error"]["kind"], "memory", "{r}");

    let (r, code, _) = run_source(
        &sb,
        "function handler(webhook) {\n  webhook.cancel = false;\n}\n",
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(r["error"]["kind"], "invalid-return", "{r}");
}

#[test]
fn console_output_is_captured_into_logs() {
    let sb = Sandbox::new();
    let source = r#"function handler(webhook) {
  console.log("seen", webhook.eventType, 42);
  console.warn("careful");
  webhook.cancel = true;
  return webhook;
}
"#;
    let (r, code, _) = run_source(&sb, source, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(r["webhook"]["cancel"], true);
    assert_eq!(
        r["diagnostics"],
        json!([]),
        "a cancelled webhook is not linted"
    );
    let logs = r["logs"].as_array().expect("logs");
    assert_eq!(logs.len(), 2, "{r}");
    assert_eq!(logs[0]["level"], "log");
    assert_eq!(logs[0]["message"], "seen payment.succeeded 42");
    assert_eq!(logs[1]["level"], "warn");
    assert_eq!(logs[1]["message"], "careful");
}

#[test]
fn url_and_env_reach_the_handler() {
    let sb = Sandbox::new();
    let eu = "https://events.eu1.segmentapis.com/v1/track";
    let (r, code, _) = run_source(
        &sb,
        ECHO,
        &[
            "--url",
            eu,
            "--env",
            "REGION=eu",
            "--env",
            "PAIR=a=b",
            "--env",
            "EMPTY=",
        ],
    );
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["webhook"]["url"], eu);
    let props = &r["webhook"]["payload"]["properties"];
    assert_eq!(props["seen_url"], eu);
    assert_eq!(
        props["env"],
        json!({"EMPTY": "", "PAIR": "a=b", "REGION": "eu"})
    );
    assert_eq!(props["type"], "payment.succeeded");

    let (r, _, _) = run_source(&sb, ECHO, &[]);
    assert_eq!(r["webhook"]["payload"]["properties"]["env"], json!({}));
    assert_eq!(
        r["webhook"]["payload"]["properties"]["seen_url"],
        "https://api.segment.io/v1/track"
    );

    for bad in ["NOEQUALS", "=value"] {
        let ran =
            run(sb
                .cmd()
                .args(["run", "-t", "t.js", "-e", "payment.succeeded", "--env", bad]));
        assert_eq!(ran.code, Some(2), "--env {bad}");
        assert!(ran.stderr.contains("--env"), "{}", ran.stderr);
    }
}

#[test]
fn intl_use_warns_with_file_line_and_column_and_still_runs() {
    let sb = Sandbox::new();
    sb.write(
        "intl.js",
        "function handler(webhook) {\n  webhook.payload = { userId: \"u\", event: \"Order Completed\", messageId: \"m\" };\n  const kind = typeof Intl;\n  return webhook;\n}\n",
    );
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "intl.js",
        "-e",
        "payment.succeeded",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stderr.contains("warning"), "{}", ran.stderr);
    assert!(ran.stderr.contains("intl.js:3:23"), "{}", ran.stderr);
    assert!(ran.stderr.contains("Intl"), "{}", ran.stderr);
    assert_eq!(
        one_record(&ran)["webhook"]["payload"]["event"],
        "Order Completed"
    );
}

#[test]
fn user_fixtures_add_types_and_override_built_ins() {
    let sb = Sandbox::new();
    sb.write(
        "mine/order.shipped.json",
        r#"{"business_id":"bus_1","type":"order.shipped","timestamp":"2026-01-01T00:00:00Z","data":{"order_id":"ord_1"}}"#,
    );
    sb.write("mine/payment.succeeded.json", &body_with_id("pay_MINE"));
    sb.write("echo.js", ECHO);

    let ran = run_payment(&sb, &["--fixtures", "mine", "-o", "json"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(payment_ids(&[one_record(&ran)]), ["pay_MINE"]);

    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "echo.js",
        "-e",
        "order.shipped",
        "--fixtures",
        "mine",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let r = one_record(&ran);
    assert_eq!(r["event_type"], "order.shipped");
    assert_eq!(
        r["webhook"]["payload"]["properties"]["body"]["data"]["order_id"],
        "ord_1"
    );

    let builtin = json_lines(&run(sb.cmd().args(["fixtures", "list", "-o", "json"])).stdout).len();
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "echo.js",
        "--all",
        "--fixtures",
        "mine",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let records = json_lines(&ran.stdout);
    assert_eq!(records.len(), builtin + 1);
    let bodies: Vec<&Value> = records
        .iter()
        .map(|r| &r["webhook"]["payload"]["properties"]["body"])
        .collect();
    assert_eq!(
        bodies[0]["data"]["payment_id"], "pay_MINE",
        "override keeps its place"
    );
    assert_eq!(
        bodies
            .iter()
            .filter(|b| b["type"] == "order.shipped")
            .count(),
        1
    );
}

#[test]
fn config_file_env_reaches_the_handler_and_bad_keys_are_errors() {
    let sb = Sandbox::new();
    sb.write("echo.js", ECHO);
    sb.write(
        "cfg.toml",
        "[transform]\nenv = { FROM_CONFIG = \"yes\", REGION = \"us\" }\n",
    );
    let ran = run(sb.cmd().args([
        "--config",
        "cfg.toml",
        "run",
        "-t",
        "echo.js",
        "-e",
        "payment.succeeded",
        "-o",
        "json",
        "--env",
        "REGION=eu",
    ]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        one_record(&ran)["webhook"]["payload"]["properties"]["env"],
        json!({"FROM_CONFIG": "yes", "REGION": "eu"}),
        "--env overrides the file"
    );

    sb.write("bad.toml", "[transform]\ntimeout_ms = 200\nenvv = 3\n");
    let ran = run(sb.cmd().args([
        "run",
        "--config",
        "bad.toml",
        "-t",
        "echo.js",
        "-e",
        "payment.succeeded",
    ]));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("bad.toml"), "{}", ran.stderr);
    assert!(ran.stderr.contains("line 3"), "{}", ran.stderr);
    assert!(ran.stderr.contains("envv"), "{}", ran.stderr);

    let ran = run(sb.cmd().args([
        "run",
        "--config",
        "absent.toml",
        "-t",
        "echo.js",
        "-e",
        "payment.succeeded",
    ]));
    assert_eq!(ran.code, Some(2));
}

#[cfg(target_os = "linux")]
#[test]
fn the_default_config_file_is_read_from_the_config_dir() {
    let sb = Sandbox::new();
    sb.write("echo.js", ECHO);
    sb.write(
        "xdg/hookbench/config.toml",
        "[transform]\nenv = { WHERE = \"xdg\" }\n",
    );
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "echo.js",
        "-e",
        "payment.succeeded",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        one_record(&ran)["webhook"]["payload"]["properties"]["env"],
        json!({"WHERE": "xdg"})
    );
}

#[test]
fn every_preset_runs() {
    let sb = Sandbox::new();
    // segment-complete maps or cancels every fixture with no lint error or warning.
    let ran = run(sb
        .cmd()
        .args(["run", "-t", "segment-complete", "--all", "-o", "json"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let records = json_lines(&ran.stdout);
    let listed = run(sb.cmd().args(["fixtures", "list", "-o", "json"]));
    assert_eq!(records.len(), json_lines(&listed.stdout).len());
    // The only warning is the one Segment's de-duplication earns: a later record whose
    // messageId an earlier one of this run already carried (variants that are the same Dodo
    // event in another shape share it), and every such record gets it.
    let mut seen = std::collections::HashSet::new();
    for record in &records {
        assert!(record["error"].is_null(), "{record}");
        let findings = record["diagnostics"].as_array().expect("diagnostics");
        let repeats = record["webhook"]["cancel"] == false
            && !seen.insert(record["webhook"]["payload"]["messageId"].to_string());
        let duplicates = findings
            .iter()
            .filter(|d| d["code"] == "duplicate-message-id")
            .count();
        assert_eq!(duplicates, usize::from(repeats), "{record}");
        assert!(
            findings
                .iter()
                .all(|d| d["severity"] == "info" || d["code"] == "duplicate-message-id"),
            "{record}"
        );
    }
    // The guide's handlers map subscription.active only in the lifecycle preset; the other two
    // let it fall through, which Segment drops (exit 3).
    for (preset, code) in [
        ("segment-track-payment", 3),
        ("segment-subscription-lifecycle", 0),
        ("segment-identify-customer", 3),
    ] {
        let ran = run(sb.cmd().args([
            "run",
            "-t",
            preset,
            "-e",
            "subscription.active",
            "-o",
            "json",
        ]));
        assert_eq!(ran.code, Some(code), "{preset}: {}", ran.stderr);
        assert_eq!(json_lines(&ran.stdout).len(), 1, "{preset}");
    }
}

#[test]
fn a_broken_pretty_printed_body_on_stdin_is_an_input_error() {
    let sb = Sandbox::new();
    let ran = run(sb
        .cmd()
        .args([
            "run",
            "-t",
            "segment-track-payment",
            "-p",
            "-",
            "-o",
            "json",
        ])
        .write_stdin("{\n  \"type\": \"payment.succeeded\",\n  \"data\": {},\n}\n"));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
    // A broken pretty-printed document gets its own one error, as a file does.
    assert!(ran.stderr.contains("stdin:4:1"), "{}", ran.stderr);
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
}

#[test]
fn json_diagnostics_name_segments_discard_code() {
    let sb = Sandbox::new();
    let (r, code, _) = run_source(
        &sb,
        "function handler(w) { w.payload = { event: 'order_completed', messageId: 'm', properties: 'x' }; return w; }",
        &[],
    );
    assert_eq!(code, Some(3), "{r}");
    let diagnostics = r["diagnostics"].as_array().expect("diagnostics");
    let by_code = |c: &str| {
        diagnostics
            .iter()
            .find(|d| d["code"] == c)
            .unwrap_or_else(|| panic!("{c} in {r}"))
    };
    for (code, segment) in [
        ("missing-identity", "no_user_anon_id"),
        ("properties-not-object", "properties_not_object"),
    ] {
        let d = by_code(code);
        assert_eq!(d["severity"], "error");
        assert_eq!(d["segment_code"], segment, "{d}");
        assert!(
            d["message"].as_str().is_some_and(|m| m.contains(segment)),
            "{d}"
        );
    }
    // A finding Segment names no discard code for leaves the field out.
    let style = by_code("event-name-style");
    assert!(style.get("segment_code").is_none(), "{style}");
}

/// Maps bodies with `data.order_id` to one call whose messageId is the order's; cancels the rest.
const BY_ORDER: &str = r#"function handler(webhook) {
  const d = webhook.payload.data || {};
  if (!d.order_id) { webhook.cancel = true; return webhook; }
  webhook.payload = {
    userId: "u_1",
    event: "Order Shipped",
    messageId: "ship:" + d.order_id,
    properties: { carrier: d.carrier }
  };
  return webhook;
}
"#;

fn order_body(event_type: &str, order_id: &str, carrier: &str) -> String {
    json!({
        "business_id": "bus_1",
        "type": event_type,
        "timestamp": "2026-01-01T00:00:00Z",
        "data": {"order_id": order_id, "carrier": carrier}
    })
    .to_string()
}

/// The duplicate-message-id warnings of each record, by the record's carrier.
fn repeats(records: &[Value]) -> Vec<(String, Vec<String>)> {
    records
        .iter()
        .filter(|r| r["webhook"]["cancel"] == false)
        .map(|r| {
            let carrier = r["webhook"]["payload"]["properties"]["carrier"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let messages = r["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter(|d| d["code"] == "duplicate-message-id")
                .map(|d| {
                    assert_eq!(d["severity"], "warning", "{d}");
                    assert_eq!(d["path"], "/messageId", "{d}");
                    d["message"].as_str().unwrap_or_default().to_string()
                })
                .collect();
            (carrier, messages)
        })
        .collect()
}

#[test]
fn run_all_warns_on_a_later_body_that_maps_to_an_earlier_messageid() {
    let sb = Sandbox::new();
    sb.write("by_order.js", BY_ORDER);
    sb.write(
        "mine/order.created.json",
        &order_body("order.created", "ord_1", "ups"),
    );
    sb.write(
        "mine/order.shipped.json",
        &order_body("order.shipped", "ord_1", "dhl"),
    );
    sb.write(
        "mine/order.updated.json",
        &order_body("order.updated", "ord_2", "fedex"),
    );
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "by_order.js",
        "--all",
        "--fixtures",
        "mine",
        "-o",
        "json",
    ]));
    // A warning, not an error: the exit code stays 0.
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let found = repeats(&json_lines(&ran.stdout));
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0], ("ups".to_string(), vec![]));
    assert_eq!(found[2], ("fedex".to_string(), vec![]));
    assert_eq!(found[1].0, "dhl");
    let [message] = found[1].1.as_slice() else {
        panic!("one warning on the later call: {found:?}");
    };
    assert!(
        message.starts_with("Segment keeps only the first call with this messageId")
            && message.contains("order.created (\"Order Shipped\")")
            && message.contains("\"ship:ord_1\""),
        "{message}"
    );

    // Text output shows it too.
    let ran = run(sb
        .cmd()
        .args(["run", "-t", "by_order.js", "--all", "--fixtures", "mine"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("duplicate-message-id"),
        "{}",
        ran.stdout
    );
}

#[test]
fn a_jsonl_warns_on_a_later_line_with_an_earlier_messageid() {
    let sb = Sandbox::new();
    sb.write("by_order.js", BY_ORDER);
    let text = [
        order_body("order.created", "ord_1", "ups"),
        order_body("order.created", "ord_2", "ups"),
        order_body("order.shipped", "ord_1", "dhl"),
        // The same body again: a replay, which Segment drops as a duplicate.
        order_body("order.created", "ord_2", "ups"),
    ]
    .join("\n");
    sb.write("events.jsonl", &text);
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "by_order.js",
        "-p",
        "events.jsonl",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let found = repeats(&json_lines(&ran.stdout));
    let counts: Vec<usize> = found.iter().map(|(_, m)| m.len()).collect();
    assert_eq!(counts, [0, 0, 1, 1], "{found:?}");
    assert!(
        found[2].1[0].contains("events.jsonl:1 order.created (\"Order Shipped\")"),
        "{found:?}"
    );
    assert!(
        found[3].1[0].starts_with("This call is a duplicate of events.jsonl:2 order.created"),
        "{found:?}"
    );
}

/// A fixtures folder with a good body, one that is not JSON and one that is not UTF-8.
fn folder_with_bad_files(sb: &Sandbox) {
    sb.write("mine/good.json", &body_with_id("pay_good"));
    sb.write(
        "mine/bad.json",
        "{\n  \"type\": \"payment.succeeded\",\n  oops\n}\n",
    );
    std::fs::write(sb.path("mine/bytes.json"), b"{\"type\": \"a\xff\"}").expect("write");
}

#[test]
fn bad_files_in_a_fixtures_folder_are_named_once_and_the_rest_still_run() {
    let sb = Sandbox::new();
    folder_with_bad_files(&sb);
    let args = [
        "run",
        "-t",
        "segment-track-payment",
        "--all",
        "--fixtures",
        "mine",
    ];

    let ran = run(sb.cmd().args(args));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    for (named, count) in [
        ("mine/bad.json:3:3: invalid JSON: key must be a string", 1),
        ("mine/bytes.json:1:12: cannot read: not UTF-8 text", 1),
        ("not UTF-8", 1),
    ] {
        assert_eq!(ran.stderr.matches(named).count(), count, "{}", ran.stderr);
    }
    assert!(ran.stdout.contains("good"), "{}", ran.stdout);
    assert!(ran.stdout.contains("2 unreadable inputs"), "{}", ran.stdout);

    let ran = run(sb.cmd().args(args).args(["-o", "json"]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    let lines = json_lines(&ran.stdout);
    let (errors, records): (Vec<&Value>, Vec<&Value>) =
        lines.iter().partition(|l| l.get("input_error").is_some());
    let ids: Vec<&str> = records
        .iter()
        .filter_map(|r| r["webhook"]["payload"]["properties"]["payment_id"].as_str())
        .collect();
    assert!(ids.contains(&"pay_good"), "{}", ran.stdout);
    let errors: Vec<Value> = errors.iter().map(|e| e["input_error"].clone()).collect();
    assert_eq!(errors.len(), 2, "{}", ran.stdout);
    assert_eq!(errors[0]["name"], "bad");
    assert_eq!(errors[0]["path"], "mine/bad.json");
    assert_eq!(
        (&errors[0]["line"], &errors[0]["column"]),
        (&json!(3), &json!(3))
    );
    assert_eq!(errors[1]["path"], "mine/bytes.json");
    assert_eq!(
        (&errors[1]["line"], &errors[1]["column"]),
        (&json!(1), &json!(12))
    );
    assert!(
        errors[1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not UTF-8")),
        "{errors:?}"
    );

    // Naming the broken file gives its own error, not "unknown event type".
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-payment",
        "-e",
        "bad",
        "--fixtures",
        "mine",
    ]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("bad.json:3:3"), "{}", ran.stderr);
}

#[test]
fn jsonl_on_stdin_is_streamed_a_line_at_a_time() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    /// Kills and reaps the child if the test ends early.
    struct Reaped(std::process::Child);
    impl Drop for Reaped {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = common::process_in(dir.path());
    cmd.args([
        "run",
        "-t",
        "segment-track-payment",
        "-p",
        "-",
        "-o",
        "json",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut child = Reaped(cmd.spawn().expect("spawn run"));
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, lines) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    // More lines than the run window and the output buffer hold, but stdin stays open: results
    // can only come out if lines are taken as they arrive.
    const LINES: usize = 300;
    let mut stdin = child.0.stdin.take().expect("stdin");
    for n in 0..LINES {
        writeln!(stdin, "{}", body_with_id(&format!("pay_{n}"))).expect("write a line");
    }
    stdin.flush().expect("flush");
    let first = lines
        .recv_timeout(Duration::from_secs(30))
        .expect("a result before stdin is closed");
    let record: Value = serde_json::from_str(&first).expect("a JSON record");
    assert_eq!(
        record["webhook"]["payload"]["properties"]["payment_id"],
        "pay_0"
    );

    drop(stdin);
    let status = child.0.wait().expect("run ends");
    assert_eq!(status.code(), Some(0));
    reader.join().expect("reader");
    let rest: Vec<String> = lines.try_iter().collect();
    assert_eq!(rest.len() + 1, LINES);
}

#[test]
fn stdin_that_is_one_document_over_many_lines_is_one_body() {
    let sb = Sandbox::new();
    let body = fixture_text("payment.succeeded");
    assert!(body.lines().count() > 3);
    let marked = format!("\u{feff}\n\n{body}");
    let by_stdin = run(sb
        .cmd()
        .args([
            "run",
            "-t",
            "segment-track-payment",
            "-p",
            "-",
            "-o",
            "json",
        ])
        .write_stdin(marked));
    let by_event = run_payment(&sb, &["-o", "json"]);
    assert_eq!(by_stdin.code, Some(0), "{}", by_stdin.stderr);
    assert_eq!(
        untimed(one_record(&by_stdin)),
        untimed(one_record(&by_event))
    );

    // One line of JSON then blank lines only: still one body, labelled by its type.
    let line = body_with_id("pay_one");
    let ran = run(sb
        .cmd()
        .args(["run", "-t", "segment-track-payment", "-p", "-"])
        .write_stdin(format!("{line}\n\n")));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(!ran.stdout.contains("stdin:1"), "{}", ran.stdout);
}
