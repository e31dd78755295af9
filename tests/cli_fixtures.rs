//! `hookbench fixtures list|show`: the catalog, variants, exact bodies, suggestions.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{Sandbox, run};

fn rows(sb: &Sandbox, extra: &[&str]) -> Vec<Value> {
    let ran = run(sb
        .cmd()
        .args(["fixtures", "list", "-o", "json"])
        .args(extra));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    ran.stdout
        .as_str()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn list_json_covers_the_catalog_and_variants() {
    let sb = Sandbox::new();
    let rows = rows(&sb, &[]);
    assert!(rows.len() >= 56, "{} rows", rows.len());
    for row in &rows {
        let keys: Vec<&str> = row
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "type",
                "name",
                "group",
                "payload_kind",
                "variant",
                "source",
                "not_dodo"
            ],
            "{row}"
        );
        assert!(row["variant"].is_boolean(), "{row}");
        assert!(row["not_dodo"].is_boolean(), "{row}");
        let source = row["source"].as_str().expect("source");
        assert!(manifest(source).is_file(), "{source} is not in the crate");
    }
    for event in &hookbench_core::webhook::EVENT_TYPES {
        assert!(
            rows.iter().any(|r| r["type"] == event.name
                && r["name"] == event.name
                && r["variant"] == false),
            "{} missing",
            event.name
        );
    }
    let jpy = rows
        .iter()
        .find(|r| r["name"] == "payment.succeeded.jpy")
        .expect("payment.succeeded.jpy");
    assert_eq!(jpy["type"], "payment.succeeded");
    assert_eq!(jpy["variant"], true);
    assert_eq!(jpy["group"], "payment");
    // Names are unique.
    let mut names: Vec<&str> = rows
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), rows.len());
}

#[test]
fn list_text_has_a_header_and_a_row_per_fixture() {
    let sb = Sandbox::new();
    let count = rows(&sb, &[]).len();
    let ran = run(sb.cmd().args(["fixtures", "list"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let text = ran.stdout.as_str();
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    for column in ["NAME", "GROUP", "KIND", "SOURCE"] {
        assert!(header.contains(column), "{header}");
    }
    let body: Vec<&str> = lines.take_while(|l| !l.trim().is_empty()).collect();
    assert_eq!(body.len(), count, "{text}");
    assert!(body[0].starts_with("payment.succeeded "), "{text}");
    assert!(
        body.iter().any(|l| l.starts_with("payment.succeeded.jpy ")),
        "{text}"
    );
}

#[test]
fn list_labels_the_bodies_that_are_not_what_dodo_sends() {
    let sb = Sandbox::new();
    let rows = rows(&sb, &[]);
    let not_dodo: Vec<&Value> = rows.iter().filter(|r| r["not_dodo"] == true).collect();
    assert!(!not_dodo.is_empty());
    for row in &not_dodo {
        let source = row["source"].as_str().expect("source");
        assert!(source.starts_with("fixtures/webhooks/not-dodo/"), "{row}");
        assert_eq!(row["variant"], true, "{row}");
    }
    assert!(
        not_dodo
            .iter()
            .any(|r| r["name"] == "payment.succeeded.null-name")
    );
    let samples = rows.len() - not_dodo.len();

    let ran = run(sb.cmd().args(["fixtures", "list"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let text = ran.stdout.as_str();
    assert!(
        text.lines().next().is_some_and(|h| h.ends_with("NOTE")),
        "{text}"
    );
    let null_name = text
        .lines()
        .find(|l| l.starts_with("payment.succeeded.null-name "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(null_name.ends_with("not what Dodo sends"), "{null_name}");
    let jpy = text
        .lines()
        .find(|l| l.starts_with("payment.succeeded.jpy "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(!jpy.contains("not what Dodo sends"), "{jpy}");
    assert!(
        text.contains(&format!(
            "{samples} Dodo samples, {} not what Dodo sends",
            not_dodo.len()
        )),
        "{text}"
    );
}

#[test]
fn list_includes_user_fixtures() {
    let sb = Sandbox::new();
    let builtin = rows(&sb, &[]).len();
    std::fs::create_dir_all(sb.path("mine")).expect("dir");
    std::fs::write(
        sb.path("mine/order.shipped.json"),
        r#"{"business_id":"b","type":"order.shipped","timestamp":"2026-01-01T00:00:00Z","data":{}}"#,
    )
    .expect("write");
    let rows = rows(&sb, &["--fixtures", "mine"]);
    assert_eq!(rows.len(), builtin + 1);
    let mine = rows
        .iter()
        .find(|r| r["name"] == "order.shipped")
        .expect("user fixture listed");
    assert_eq!(mine["group"], "custom");
    assert!(
        mine["source"].as_str().expect("source").contains("mine"),
        "{mine}"
    );
}

#[test]
fn show_prints_the_stored_body_byte_for_byte() {
    let sb = Sandbox::new();
    for name in ["payment.succeeded", "subscription.renewed"] {
        let ran = run(sb.cmd().args(["fixtures", "show", name]));
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        let stored = std::fs::read(manifest(&format!("fixtures/webhooks/{name}.json")))
            .expect("fixture file");
        assert_eq!(ran.bytes, stored, "{name}");
    }
    let ran = run(sb.cmd().args(["fixtures", "show", "payment.succeeded.jpy"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let stored = std::fs::read(manifest(
        "fixtures/webhooks/variants/payment.succeeded.jpy.json",
    ))
    .expect("variant file");
    assert_eq!(ran.bytes, stored);
}

#[test]
fn show_of_an_unknown_name_suggests_one() {
    let sb = Sandbox::new();
    let ran = run(sb.cmd().args(["fixtures", "show", "payment.suceeded"]));
    assert_eq!(ran.code, Some(2));
    assert!(ran.bytes.is_empty());
    assert!(ran.stderr.contains("payment.suceeded"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("did you mean payment.succeeded"),
        "{}",
        ran.stderr
    );

    let ran = run(sb.cmd().args(["fixtures", "show"]));
    assert_eq!(ran.code, Some(2), "the name is required");
}

#[test]
fn works_from_any_directory() {
    // The temp dir holds no fixtures: the built-ins are compiled in.
    let sb = Sandbox::new();
    assert!(!sb.path("fixtures").exists());
    let ran = run(sb.cmd().args(["fixtures", "show", "refund.succeeded"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let body: Value = serde_json::from_slice(&ran.bytes).expect("JSON body");
    assert_eq!(body["type"], "refund.succeeded");
    let ran = run(sb.cmd().args([
        "run",
        "-t",
        "segment-track-payment",
        "-e",
        "payment.succeeded",
        "-o",
        "json",
    ]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
}

#[test]
fn a_byte_order_mark_is_dropped_from_a_fixture_as_from_a_payload() {
    let sb = Sandbox::new();
    let body = std::fs::read_to_string(manifest("fixtures/webhooks/payment.succeeded.json"))
        .expect("fixture");
    sb.write("mine/marked.json", &format!("\u{feff}{body}"));
    sb.write("marked-payload.json", &format!("\u{feff}{body}"));

    let ran = run(sb
        .cmd()
        .args(["fixtures", "show", "marked", "--fixtures", "mine"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(ran.stdout.trim_end(), body.trim_end());

    let record = |args: &[&str]| {
        let ran = run(sb
            .cmd()
            .args(["run", "-t", "segment-track-payment", "-o", "json"])
            .args(args));
        assert_eq!(ran.code, Some(0), "{args:?}: {}", ran.stderr);
        let mut record: Value = serde_json::from_str(ran.stdout.trim()).expect("one record");
        record
            .as_object_mut()
            .expect("object")
            .remove("duration_us");
        record
    };
    assert_eq!(
        record(&["-e", "marked", "--fixtures", "mine"]),
        record(&["-p", "marked-payload.json"])
    );
}
