//! `hookbench lint`: Segment calls from a file, JSONL or stdin; exit codes; real Segment calls.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{Sandbox, json_lines, run};

fn codes(line: &Value) -> Vec<String> {
    line["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .map(|d| d["code"].as_str().expect("code").to_string())
        .collect()
}

fn has_error(line: &Value) -> bool {
    line["diagnostics"]
        .as_array()
        .expect("diagnostics array")
        .iter()
        .any(|d| d["severity"] == "error")
}

const TRACK: &str = r#"{"type":"track","userId":"u_1","event":"Order Completed","messageId":"m_1","timestamp":"2026-11-26T14:02:11.512Z","properties":{"revenue":4.5,"currency":"USD"}}"#;

#[test]
fn a_valid_track_call_passes() {
    let sb = Sandbox::new();
    sb.write("call.json", TRACK);
    let ran = run(sb.cmd().args(["lint", "call.json"]));
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("no findings"), "{}", ran.stdout);

    let ran = run(sb.cmd().args(["lint", "-o", "json", "call.json"]));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let lines = json_lines(&ran.stdout);
    assert_eq!(lines.len(), 1);
    let keys: Vec<&str> = lines[0]
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["diagnostics"]);
    assert!(!has_error(&lines[0]), "{}", lines[0]);
}

#[test]
fn a_call_without_identity_is_a_lint_error() {
    let sb = Sandbox::new();
    sb.write(
        "call.json",
        r#"{"event":"Order Completed","messageId":"m_1"}"#,
    );
    let ran = run(sb.cmd().args(["lint", "-o", "json", "call.json"]));
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    let lines = json_lines(&ran.stdout);
    assert_eq!(lines.len(), 1);
    let d = lines[0]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == "missing-identity")
        .expect("missing-identity");
    assert_eq!(d["severity"], "error");
    let keys: Vec<&str> = d
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    // Segment's own discard code rides along, in the field and in the message.
    assert_eq!(
        keys,
        ["severity", "code", "path", "message", "segment_code"]
    );
    assert_eq!(d["segment_code"], "no_user_anon_id");
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("(Segment's discard code: no_user_anon_id)")),
        "{d}"
    );

    let ran = run(sb.cmd().args(["lint", "call.json"]));
    assert_eq!(ran.code, Some(3));
    assert!(ran.stdout.contains("missing-identity"), "{}", ran.stdout);
    assert!(ran.stdout.contains("no_user_anon_id"), "{}", ran.stdout);
}

#[test]
fn jsonl_lints_each_call_and_the_url_decides_the_type() {
    let sb = Sandbox::new();
    sb.write(
        "calls.jsonl",
        "{\"userId\":\"a\",\"traits\":{\"email\":\"ada@example.com\"},\"messageId\":\"m1\"}\n\n{\"userId\":\"b\",\"messageId\":\"m2\"}\n{\"anonymousId\":\"c\",\"messageId\":\"m3\"}\n",
    );
    let ran = run(sb.cmd().args([
        "lint",
        "--url",
        "https://api.segment.io/v1/identify",
        "-o",
        "json",
        "calls.jsonl",
    ]));
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    let lines = json_lines(&ran.stdout);
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert!(!codes(line).iter().any(|c| c == "missing-event"), "{line}");
        assert!(!has_error(line), "{line}");
    }

    // As track calls (the default URL) they lack an event.
    let ran = run(sb.cmd().args(["lint", "-o", "json", "calls.jsonl"]));
    assert_eq!(ran.code, Some(3));
    let lines = json_lines(&ran.stdout);
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert!(codes(line).iter().any(|c| c == "missing-event"), "{line}");
    }

    let ran = run(sb.cmd().args(["lint", "calls.jsonl"]));
    assert_eq!(ran.code, Some(3));
    assert!(ran.stdout.contains("calls.jsonl:1"), "{}", ran.stdout);
    assert!(ran.stdout.contains("calls.jsonl:4"), "{}", ran.stdout);
    assert!(ran.stdout.contains("3 calls"), "{}", ran.stdout);
}

#[test]
fn jsonl_with_a_bad_line_exits_2_and_lints_the_rest() {
    let sb = Sandbox::new();
    sb.write(
        "calls.jsonl",
        &format!("{TRACK}\n{{\"userId\": nope}}\n{TRACK}\n"),
    );
    let ran = run(sb.cmd().args(["lint", "-o", "json", "calls.jsonl"]));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("calls.jsonl:2:"), "{}", ran.stderr);
    assert_eq!(json_lines(&ran.stdout).len(), 2);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let sb = Sandbox::new();
    let ran = run(sb
        .cmd()
        .args(["lint", "-o", "json", "-"])
        .write_stdin(TRACK));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(json_lines(&ran.stdout).len(), 1);

    let ran = run(sb
        .cmd()
        .args(["lint", "-o", "json", "-"])
        .write_stdin(format!("{TRACK}\n{TRACK}\n")));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(json_lines(&ran.stdout).len(), 2);

    let ran = run(sb
        .cmd()
        .args(["lint", "-"])
        .write_stdin(r#"{"event":"Order Completed"}"#));
    assert_eq!(ran.code, Some(3));
}

#[test]
fn invalid_json_and_missing_files_exit_2() {
    let sb = Sandbox::new();
    sb.write("bad.json", "{\"userId\": \"u\", \"event\": }\n");
    let ran = run(sb.cmd().args(["lint", "bad.json"]));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("bad.json:1:26"), "{}", ran.stderr);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);

    let ran = run(sb.cmd().args(["lint", "-"]).write_stdin("{\"userId\": }"));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("stdin:1:"), "{}", ran.stderr);

    let ran = run(sb.cmd().args(["lint", "absent.json"]));
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("absent.json"), "{}", ran.stderr);

    let ran = run(sb.cmd().arg("lint"));
    assert_eq!(ran.code, Some(2), "the file argument is required");
}

#[test]
fn a_bad_url_is_not_a_clean_pass() {
    let sb = Sandbox::new();
    sb.write("call.json", TRACK);
    let ran = run(sb
        .cmd()
        .args(["lint", "--url", "not a url", "-o", "json", "call.json"]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("not a URL"), "{}", ran.stderr);
}

/// Fills `{{name}}` placeholders with realistic values.
fn fill(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    let mut n = 0u32;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").expect("closed placeholder");
        n += 1;
        let value = match after[..end].trim() {
            "id" => format!("65a1b2c3d4e5f6a7b8c9{n:04x}"),
            "uuid" => format!("3f2b6c1e-8a4d-4c2b-9e7f-{n:012x}"),
            "now.utc" => "2026-11-26T14:02:11.512Z".to_string(),
            "email" => "ada.lovelace@example.com".to_string(),
            "name" => "Ada Lovelace".to_string(),
            other => panic!("unknown placeholder {other}"),
        };
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[test]
fn real_segment_calls_lint_clean_through_the_binary() {
    let sb = Sandbox::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/acceptance/segment/library-e2e-tester");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 11);
    for file in &files {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let call_type = name.split("__").next().expect("type prefix");
        let text = fill(&std::fs::read_to_string(file).expect("read"));
        sb.write("call.json", &text);
        let url = format!("https://api.segment.io/v1/{call_type}");
        let ran = run(sb
            .cmd()
            .args(["lint", "--url", &url, "-o", "json", "call.json"]));
        assert_eq!(ran.code, Some(0), "{name}: {}{}", ran.stdout, ran.stderr);
        let lines = json_lines(&ran.stdout);
        assert_eq!(lines.len(), 1, "{name}");
        assert!(!has_error(&lines[0]), "{name}: {}", lines[0]);
    }
}

#[test]
fn a_jsonl_warns_on_a_later_call_with_an_earlier_messageid() {
    let sb = Sandbox::new();
    let other = TRACK.replace("\"u_1\"", "\"u_2\"");
    let fresh = TRACK.replace("\"m_1\"", "\"m_2\"");
    sb.write(
        "calls.jsonl",
        &format!("{TRACK}\n{fresh}\n{other}\n{TRACK}\n"),
    );
    let ran = run(sb.cmd().args(["lint", "-o", "json", "calls.jsonl"]));
    // Warnings only: the exit code stays 0.
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    let lines = json_lines(&ran.stdout);
    let repeats: Vec<Vec<&Value>> = lines
        .iter()
        .map(|l| {
            l["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter(|d| d["code"] == "duplicate-message-id")
                .collect()
        })
        .collect();
    let counts: Vec<usize> = repeats.iter().map(Vec::len).collect();
    assert_eq!(counts, [0, 0, 1, 1], "{}", ran.stdout);
    let different = &repeats[2][0];
    assert_eq!(different["severity"], "warning");
    assert_eq!(different["path"], "/messageId");
    assert!(different.get("segment_code").is_none(), "{different}");
    let message = different["message"].as_str().expect("message");
    assert!(
        message.starts_with("Segment keeps only the first call with this messageId")
            && message.contains("calls.jsonl:1 (\"Order Completed\")"),
        "{message}"
    );
    let again = repeats[3][0]["message"].as_str().expect("message");
    assert!(
        again.starts_with("This call is a duplicate of calls.jsonl:1 (messageId \"m_1\")"),
        "{again}"
    );

    let ran = run(sb.cmd().args(["lint", "calls.jsonl"]));
    assert_eq!(ran.code, Some(0));
    assert_eq!(
        ran.stdout.matches("duplicate-message-id").count(),
        2,
        "{}",
        ran.stdout
    );
}

#[test]
fn page_names_and_non_object_properties_are_errors_with_segment_codes() {
    let sb = Sandbox::new();
    sb.write(
        "pages.jsonl",
        "{\"userId\":\"u\",\"name\":\"Home\",\"category\":null,\"messageId\":\"p1\"}\n{\"userId\":\"u\",\"name\":\"\",\"messageId\":\"p2\"}\n{\"userId\":\"u\",\"category\":7,\"properties\":[1],\"messageId\":\"p3\"}\n",
    );
    let ran = run(sb.cmd().args([
        "lint",
        "--url",
        "https://api.segment.io/v1/page",
        "-o",
        "json",
        "pages.jsonl",
    ]));
    assert_eq!(ran.code, Some(3), "{}{}", ran.stdout, ran.stderr);
    let lines = json_lines(&ran.stdout);
    let segment_codes: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            l["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter_map(|d| d["segment_code"].as_str().map(str::to_string))
                .collect()
        })
        .collect();
    assert_eq!(
        segment_codes,
        [
            vec![],
            vec!["name_not_string".to_string()],
            vec![
                "properties_not_object".to_string(),
                "category_not_string".to_string()
            ],
        ],
        "{}",
        ran.stdout
    );
    assert_eq!(
        codes(&lines[2]),
        ["properties-not-object", "category-not-string"]
    );
}
