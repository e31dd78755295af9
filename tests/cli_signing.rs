//! `hookbench sign` and `hookbench verify` with the Standard Webhooks test vectors: the exact
//! output, the exit codes, and the secret never shown.

mod common;

use common::{Ran, Sandbox, json_lines, run};

// Vector A: standard-webhooks libraries/go/webhook_test.go TestWebhookSign.
const A_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const A_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const A_TS: &str = "1614265330";
const A_BODY: &str = r#"{"test": 2432232314}"#;
const A_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// Vector B: standard-webhooks libraries/rust/src/lib.rs test_sign.
const B_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const B_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const B_TS: &str = "1649367553";
const B_BODY: &str = r#"{"email":"test@example.com","username":"test_user"}"#;
const B_SIG: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

/// Far more than the age of vector B's timestamp.
const HUGE_TOLERANCE: &str = "10000000000";

fn assert_no_secret(ran: &common::Ran, secret: &str) {
    let key = secret.trim_start_matches("whsec_");
    for (name, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
        assert!(!text.contains(key), "secret in {name}:\n{text}");
        assert!(
            !text.contains(&key[..8]),
            "part of the secret in {name}:\n{text}"
        );
    }
}

fn verify_b(sandbox: &Sandbox, body: &str, extra: &[&str]) -> common::Ran {
    let payload = sandbox.write("b.json", body);
    let mut cmd = sandbox.cmd();
    cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
        .args(["verify", "--secret", B_SECRET, "--id", B_ID])
        .args(["--timestamp", B_TS, "--signature", B_SIG])
        .arg("--payload")
        .arg(&payload)
        .args(extra);
    run(&mut cmd)
}

/// `hookbench sign` with vector A's secret, id and timestamp over the file `payload`.
fn sign_vector_a(sandbox: &Sandbox, payload: &std::path::Path) -> Ran {
    let mut cmd = sandbox.cmd();
    cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
        .args([
            "sign",
            "--secret",
            A_SECRET,
            "--id",
            A_ID,
            "--timestamp",
            A_TS,
        ])
        .arg("--payload")
        .arg(payload);
    run(&mut cmd)
}

#[test]
fn sign_prints_vector_a_headers() {
    let sandbox = Sandbox::new();
    let payload = sandbox.write("a.json", A_BODY);
    let ran = sign_vector_a(&sandbox, &payload);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        format!("webhook-id: {A_ID}\nwebhook-timestamp: {A_TS}\nwebhook-signature: {A_SIG}\n")
    );
    assert_no_secret(&ran, A_SECRET);
}

#[test]
fn sign_signs_the_raw_bytes_a_trailing_newline_included() {
    let sandbox = Sandbox::new();
    let payload = sandbox.write("a.json", &format!("{A_BODY}\n"));
    let ran = sign_vector_a(&sandbox, &payload);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("webhook-signature: v1,"),
        "{}",
        ran.stdout
    );
    assert!(!ran.stdout.contains(A_SIG), "{}", ran.stdout);
}

#[test]
fn sign_json_has_the_three_headers_and_fresh_values_by_default() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.cmd();
    cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
        .args(["sign", "--secret", B_SECRET, "--output", "json"])
        .write_stdin(B_BODY);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let lines = json_lines(&ran.stdout);
    assert_eq!(lines.len(), 1, "{}", ran.stdout);
    let object = lines[0].as_object().expect("an object");
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
    );
    let id = object["webhook-id"].as_str().expect("id text");
    let random = id.strip_prefix("msg_").expect("msg_ id");
    assert_eq!(random.len(), 27);
    assert!(random.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
    let ts: i64 = object["webhook-timestamp"]
        .as_str()
        .expect("timestamp text")
        .parse()
        .expect("integer seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((now - ts).abs() < 60, "{ts} vs {now}");
    let sig = object["webhook-signature"]
        .as_str()
        .expect("signature text");
    assert!(sig.starts_with("v1,"), "{sig}");
    assert_no_secret(&ran, B_SECRET);

    // What sign printed, verify accepts.
    let mut cmd = sandbox.cmd();
    cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
        .args(["verify", "--secret", B_SECRET, "--id", id])
        .args(["--timestamp", &ts.to_string(), "--signature", sig])
        .write_stdin(B_BODY);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
}

#[test]
fn sign_reads_stdin_as_raw_bytes() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.cmd();
    cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
        .args([
            "sign",
            "--secret",
            A_SECRET,
            "--id",
            A_ID,
            "--timestamp",
            A_TS,
        ])
        .args(["--payload", "-"])
        .write_stdin(A_BODY);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout
            .ends_with(&format!("webhook-signature: {A_SIG}\n")),
        "{}",
        ran.stdout
    );
}

#[test]
fn the_secret_comes_from_the_environment_too() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.cmd();
    cmd.env("HOOKBENCH_WEBHOOK_SECRET", A_SECRET)
        .args(["sign", "--id", A_ID, "--timestamp", A_TS])
        .write_stdin(A_BODY);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.contains(A_SIG), "{}", ran.stdout);
    assert_no_secret(&ran, A_SECRET);
}

#[test]
fn verify_accepts_vector_b() {
    let sandbox = Sandbox::new();
    let ran = verify_b(&sandbox, B_BODY, &["--tolerance", HUGE_TOLERANCE]);
    assert_eq!(ran.code, Some(0), "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(ran.stdout, "✓ valid signature\n");
    assert_no_secret(&ran, B_SECRET);
}

#[test]
fn verify_rejects_a_changed_body_with_the_reason() {
    let sandbox = Sandbox::new();
    let changed = B_BODY.replace("test_user", "test_usEr");
    let ran = verify_b(&sandbox, &changed, &["--tolerance", HUGE_TOLERANCE]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout,
        "✗ invalid: no signature matches: wrong secret, or the body was changed\n"
    );
    assert_no_secret(&ran, B_SECRET);
}

#[test]
fn verify_rejects_a_stale_timestamp_with_the_default_tolerance() {
    let sandbox = Sandbox::new();
    let ran = verify_b(&sandbox, B_BODY, &[]);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.starts_with("✗ invalid: timestamp is ")
            && ran.stdout.ends_with(" s old (tolerance 300 s)\n"),
        "{}",
        ran.stdout
    );
}

#[test]
fn verify_with_another_secret_is_invalid() {
    let sandbox = Sandbox::new();
    let payload = sandbox.write("b.json", B_BODY);
    let mut cmd = sandbox.cmd();
    cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
        .args(["verify", "--secret", A_SECRET, "--id", B_ID])
        .args(["--timestamp", B_TS, "--signature", B_SIG])
        .args(["--tolerance", HUGE_TOLERANCE])
        .arg("--payload")
        .arg(&payload);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(1), "{}\n{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.contains("no signature matches"),
        "{}",
        ran.stdout
    );
    assert_no_secret(&ran, A_SECRET);
}

#[test]
fn a_bad_secret_is_an_input_error_that_does_not_echo_it() {
    let sandbox = Sandbox::new();
    let payload = sandbox.write("a.json", A_BODY);
    let bad = "whsec_MfKQ9r8GKYqr*wjUPD8ILPZIo2LaLaSw";
    for command in [
        vec!["sign", "--secret", bad],
        vec![
            "verify",
            "--secret",
            bad,
            "--id",
            A_ID,
            "--timestamp",
            A_TS,
            "--signature",
            A_SIG,
        ],
    ] {
        let mut cmd = sandbox.cmd();
        cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
            .args(&command)
            .arg("--payload")
            .arg(&payload);
        let ran = run(&mut cmd);
        assert_eq!(ran.code, Some(2), "{command:?}: {}", ran.stderr);
        assert!(ran.stderr.contains("not base64"), "{}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{}", ran.stdout);
        assert_no_secret(&ran, bad);
    }

    let mut cmd = sandbox.cmd();
    cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
        .args(["sign", "--secret", "whsec_"])
        .arg("--payload")
        .arg(&payload);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("empty"), "{}", ran.stderr);
}

#[test]
fn an_unreadable_payload_is_an_input_error_naming_it() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.cmd();
    cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET").args([
        "sign",
        "--secret",
        A_SECRET,
        "--payload",
        "missing.json",
    ]);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("missing.json"), "{}", ran.stderr);
    assert_no_secret(&ran, A_SECRET);
}

#[test]
fn verify_takes_the_values_under_their_header_names_svix_or_standard() {
    let sandbox = Sandbox::new();
    let payload = sandbox.write("b.json", B_BODY);
    for prefix in ["svix", "webhook"] {
        let mut cmd = sandbox.cmd();
        cmd.env_remove("HOOKBENCH_WEBHOOK_SECRET")
            .args(["verify", "--secret", B_SECRET])
            .arg(format!("--{prefix}-id"))
            .arg(B_ID)
            .arg(format!("--{prefix}-timestamp"))
            .arg(B_TS)
            .arg(format!("--{prefix}-signature"))
            .arg(B_SIG)
            .arg("--payload")
            .arg(&payload)
            .args(["--tolerance", HUGE_TOLERANCE]);
        let ran = run(&mut cmd);
        assert_eq!(
            ran.code,
            Some(0),
            "{prefix}: {}\n{}",
            ran.stdout,
            ran.stderr
        );
        assert_eq!(ran.stdout, "✓ valid signature\n");
    }
}
