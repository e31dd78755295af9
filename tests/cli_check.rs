//! `hookbench check`: expectations per fixture, `--update`, `--expect DIR`, exit codes.

mod common;

use serde_json::Value;

use common::{Sandbox, run};

/// Every fixture name, from `fixtures list`.
fn fixture_names(sb: &Sandbox) -> Vec<String> {
    let ran = run(sb.cmd().args(["fixtures", "list", "-o", "json"]));
    assert_eq!(ran.code, Some(0));
    ran.stdout
        .lines()
        .map(|l| {
            let row: Value = serde_json::from_str(l).expect("JSON row");
            row["name"].as_str().expect("name").to_string()
        })
        .collect()
}

fn json_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
        .collect();
    names.sort();
    names
}

/// Maps payment.succeeded to a clean track call, cancels the rest.
const MAPS_PAYMENTS: &str = r#"function handler(webhook) {
  if (webhook.eventType !== "payment.succeeded") {
    webhook.cancel = true;
    return webhook;
  }
  const p = webhook.payload.data;
  webhook.payload = {
    userId: p.customer.customer_id,
    event: "Payment Completed",
    messageId: "msg_" + p.payment_id,
    properties: { revenue: p.total_amount / 100, currency: p.currency }
  };
  return webhook;
}
"#;

#[test]
fn update_writes_expectations_then_check_passes_and_shows_diffs() {
    let sb = Sandbox::new();
    sb.write("t.js", MAPS_PAYMENTS);
    let mut names = fixture_names(&sb);
    names.sort();

    let ran = run(sb.cmd().args(["check", "-t", "t.js"]));
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("missing"), "{}", ran.stdout);
    assert!(ran.stdout.contains("payment.succeeded"), "{}", ran.stdout);

    let ran = run(sb.cmd().args(["check", "-t", "t.js", "--update"]));
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(json_files(&sb.path("t.expect")), names);
    let stored: Value = serde_json::from_str(
        &std::fs::read_to_string(sb.path("t.expect/payment.succeeded.json")).expect("written"),
    )
    .expect("expectation is JSON");
    assert_eq!(stored["event_type"], "payment.succeeded");
    assert_eq!(stored["webhook"]["payload"]["event"], "Payment Completed");
    assert!(
        stored.get("duration_us").is_none(),
        "timing is not compared"
    );

    let ran = run(sb.cmd().args(["check", "-t", "t.js"]));
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert!(!ran.stdout.contains("differs"), "{}", ran.stdout);

    sb.write(
        "t.js",
        &MAPS_PAYMENTS.replace("Payment Completed", "Order Completed"),
    );
    let ran = run(sb.cmd().args(["check", "-t", "t.js"]));
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("payment.succeeded"), "{}", ran.stdout);
    let lines: Vec<&str> = ran.stdout.lines().map(str::trim_start).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with('-') && l.contains("\"event\": \"Payment Completed\"")),
        "{}",
        ran.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with('+') && l.contains("\"event\": \"Order Completed\"")),
        "{}",
        ran.stdout
    );
    // Cancelled fixtures did not change.
    assert!(!ran.stdout.contains("refund.succeeded"), "{}", ran.stdout);
}

#[test]
fn expect_dir_is_read_and_written_instead() {
    let sb = Sandbox::new();
    sb.write("t.js", MAPS_PAYMENTS);
    let ran = run(sb
        .cmd()
        .args(["check", "-t", "t.js", "--expect", "golden", "--update"]));
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        json_files(&sb.path("golden")).len(),
        fixture_names(&sb).len()
    );
    assert!(!sb.path("t.expect").exists());

    let ran = run(sb.cmd().args(["check", "-t", "t.js", "--expect", "golden"]));
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);

    // The default folder is still empty.
    let ran = run(sb.cmd().args(["check", "-t", "t.js"]));
    assert_eq!(ran.code, Some(1));
    assert!(ran.stdout.contains("missing"), "{}", ran.stdout);
}

#[test]
fn a_transform_that_throws_fails_the_check() {
    let sb = Sandbox::new();
    sb.write(
        "t.js",
        &MAPS_PAYMENTS.replace(
            "  if (webhook.eventType !== \"payment.succeeded\") {",
            "  if (webhook.eventType === \"refund.succeeded\") {\n    throw new TypeError(\"refunds are not mapped\");\n  }\n  if (webhook.eventType !== \"payment.succeeded\") {",
        ),
    );
    let ran = run(sb.cmd().args(["check", "-t", "t.js", "--update"]));
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    let ran = run(sb.cmd().args(["check", "-t", "t.js"]));
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("refund.succeeded"), "{}", ran.stdout);
    assert!(ran.stdout.contains("exception"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("refunds are not mapped"),
        "{}",
        ran.stdout
    );
}

#[test]
fn matching_output_with_lint_errors_exits_3() {
    let sb = Sandbox::new();
    // No userId: every payment.succeeded output is a lint error.
    sb.write(
        "t.js",
        &MAPS_PAYMENTS.replace("    userId: p.customer.customer_id,\n", ""),
    );
    let ran = run(sb.cmd().args(["check", "-t", "t.js", "--update"]));
    assert_eq!(ran.code, Some(3), "{}{}", ran.stdout, ran.stderr);
    let ran = run(sb.cmd().args(["check", "-t", "t.js"]));
    assert_eq!(ran.code, Some(3), "{}{}", ran.stdout, ran.stderr);
    assert!(!ran.stdout.contains("differs"), "{}", ran.stdout);
    let stored =
        std::fs::read_to_string(sb.path("t.expect/payment.succeeded.json")).expect("expectation");
    assert!(stored.contains("missing-identity"), "{stored}");
}

#[test]
fn a_preset_cannot_update_its_built_in_expectations() {
    let sb = Sandbox::new();
    let ran = run(sb
        .cmd()
        .args(["check", "-t", "segment-track-payment", "--update"]));
    assert_eq!(ran.code, Some(2), "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stderr.contains("built in"), "{}", ran.stderr);
    assert!(ran.stderr.contains("--expect"), "{}", ran.stderr);

    let ran = run(sb.cmd().args([
        "check",
        "-t",
        "segment-track-payment",
        "--update",
        "--expect",
        "mine",
    ]));
    // Unmapped events fall through with lint errors.
    assert_eq!(ran.code, Some(3), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(json_files(&sb.path("mine")).len(), fixture_names(&sb).len());
    let ran = run(sb
        .cmd()
        .args(["check", "-t", "segment-track-payment", "--expect", "mine"]));
    assert_eq!(ran.code, Some(3), "{}{}", ran.stdout, ran.stderr);
}

#[test]
fn check_with_user_fixtures_covers_them() {
    let sb = Sandbox::new();
    sb.write("t.js", MAPS_PAYMENTS);
    std::fs::create_dir_all(sb.path("mine")).expect("dir");
    sb.write(
        "mine/order.shipped.json",
        r#"{"business_id":"bus_1","type":"order.shipped","timestamp":"2026-01-01T00:00:00Z","data":{}}"#,
    );
    let ran = run(sb
        .cmd()
        .args(["check", "-t", "t.js", "--fixtures", "mine", "--update"]));
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert!(sb.path("t.expect/order.shipped.json").is_file());
    let ran = run(sb.cmd().args(["check", "-t", "t.js", "--fixtures", "mine"]));
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);

    // Without the folder its expectation is stale, which is only a warning.
    let ran = run(sb.cmd().args(["check", "-t", "t.js"]));
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stderr.contains("order.shipped"), "{}", ran.stderr);
}

#[test]
fn segment_complete_matches_its_built_in_expectations_with_no_lint_error() {
    let sb = Sandbox::new();
    let ran = run(sb.cmd().args(["check", "-t", "segment-complete"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("56 match, 0 differ, 0 missing"),
        "{}",
        ran.stdout
    );
}

#[test]
fn the_guide_presets_match_theirs_and_exit_3_for_the_events_they_let_fall_through() {
    let sb = Sandbox::new();
    for preset in [
        "segment-track-payment",
        "segment-subscription-lifecycle",
        "segment-identify-customer",
    ] {
        let ran = run(sb.cmd().args(["check", "-t", preset]));
        assert_eq!(ran.code, Some(3), "{preset}: {}", ran.stdout);
        assert!(
            ran.stdout.contains("56 match, 0 differ, 0 missing"),
            "{preset}: {}",
            ran.stdout
        );
        assert!(
            ran.stdout.contains("0 transform errors"),
            "{preset}: {}",
            ran.stdout
        );
    }
}

#[test]
fn bad_fixture_files_are_named_once_and_the_good_ones_are_checked() {
    let sb = Sandbox::new();
    sb.write("t.js", MAPS_PAYMENTS);
    sb.write(
        "mine/good.json",
        r#"{"type":"payment.succeeded","data":{"payment_id":"pay_1","total_amount":100,"currency":"USD","customer":{"customer_id":"cus_1"}}}"#,
    );
    sb.write(
        "mine/bad.json",
        "{\n  \"type\": \"payment.succeeded\",\n  oops\n}\n",
    );
    std::fs::write(sb.path("mine/bytes.json"), b"{\"type\": \"a\xff\"}").expect("write");
    let check = |extra: &[&str]| {
        run(sb
            .cmd()
            .args([
                "check",
                "-t",
                "t.js",
                "--fixtures",
                "mine",
                "--expect",
                "exp",
            ])
            .args(extra))
    };

    let ran = check(&["--update"]);
    assert_eq!(ran.code, Some(2), "{}{}", ran.stdout, ran.stderr);
    let names = json_files(&sb.path("exp"));
    assert!(names.contains(&"good".to_string()), "{names:?}");
    assert!(!names.contains(&"bad".to_string()), "{names:?}");

    // An expectation for the broken file is not stale: the file is.
    std::fs::write(sb.path("exp/bad.json"), "{}").expect("write");
    let ran = check(&[]);
    assert_eq!(ran.code, Some(2), "{}{}", ran.stdout, ran.stderr);
    for named in [
        "mine/bad.json:3:3: invalid JSON: key must be a string",
        "mine/bytes.json:1:12: cannot read: not UTF-8 text",
    ] {
        assert_eq!(ran.stderr.matches(named).count(), 1, "{}", ran.stderr);
    }
    assert_eq!(ran.stderr.matches("not UTF-8").count(), 1, "{}", ran.stderr);
    assert!(!ran.stderr.contains("stale"), "{}", ran.stderr);
    assert!(!ran.stdout.contains("differs"), "{}", ran.stdout);
    assert!(ran.stdout.contains("0 differ, 0 missing"), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("2 fixture files not loaded"),
        "{}",
        ran.stdout
    );
}
