//! The write key in no form anywhere: endpoints with user info are refused, `key verify` follows
//! no redirect, and a key with awkward characters never appears raw, percent-encoded,
//! JSON-escaped or as Basic credentials in what a command prints.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use common::{Ran, Sandbox, run};

const KEY: &str = "wk_Q7mvT2xkLp9RsW4bYc8NdE3fHj6GaZ1u";
/// A non-ASCII letter, a quote and a newline.
const AWKWARD: &str = "wk_é\"quote\nline_Q7mvT2xkLp9RsW4b";
const WAIT: Duration = Duration::from_secs(20);

/// Every form of `key` that must never be shown.
fn forms(key: &str) -> Vec<String> {
    let json = serde_json::to_string(key).expect("json");
    let percent: String = key.bytes().map(|b| format!("%{b:02X}")).collect();
    vec![
        key.to_string(),
        json.trim_matches('"').to_string(),
        serde_json::to_string(&json)
            .expect("json")
            .trim_matches('"')
            .to_string(),
        percent.clone(),
        percent.to_lowercase(),
        key.replace('é', "%C3%A9"),
        key.replace('é', "\\u00e9"),
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:")),
        // Long enough a piece that no mask shows it.
        key[..key.len() - 6].to_string(),
    ]
}

fn assert_hidden(what: &str, text: &str, key: &str) {
    for form in forms(key) {
        assert!(!text.contains(&form), "{what} shows {form:?}:\n{text}");
    }
}

fn assert_ran_hidden(ran: &Ran, key: &str) {
    assert_hidden("stdout", &ran.stdout, key);
    assert_hidden("stderr", &ran.stderr, key);
}

fn hookbench(sb: &Sandbox) -> assert_cmd::Command {
    let mut cmd = sb.cmd();
    cmd.env_remove("SEGMENT_WRITE_KEY");
    cmd
}

#[test]
fn an_endpoint_with_user_info_is_refused_by_send_and_listen() {
    let sb = Sandbox::new();
    let endpoint = format!("http://{KEY}:@127.0.0.1:9");
    let ran = run(hookbench(&sb).args([
        "send",
        "-e",
        "payment.succeeded",
        "--endpoint",
        &endpoint,
        "--write-key",
        KEY,
    ]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("--endpoint"), "{}", ran.stderr);
    assert!(ran.stderr.contains("--write-key"), "{}", ran.stderr);
    assert_ran_hidden(&ran, KEY);

    let port = common::free_port().to_string();
    let ran = run(hookbench(&sb).args([
        "listen",
        "--addr",
        &format!("127.0.0.1:{port}"),
        "-t",
        "segment-complete",
        "--forward",
        "--endpoint",
        &endpoint,
        "--write-key",
        KEY,
    ]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("--endpoint"), "{}", ran.stderr);
    assert_ran_hidden(&ran, KEY);

    let config = sb.write(
        "config.toml",
        &format!("[segment]\nendpoint = \"{endpoint}\"\n"),
    );
    let ran = run(hookbench(&sb).arg("--config").arg(&config).args([
        "send",
        "-e",
        "payment.succeeded",
        "--write-key",
        KEY,
    ]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("config.toml"), "{}", ran.stderr);
    assert!(ran.stderr.contains("[segment] endpoint"), "{}", ran.stderr);
    assert!(ran.stderr.contains("write_key"), "{}", ran.stderr);
    assert_ran_hidden(&ran, KEY);
}

#[test]
fn key_verify_refuses_user_info_in_the_cdn() {
    let sb = Sandbox::new();
    let ran = run(hookbench(&sb).args([
        "key",
        "verify",
        "--write-key",
        KEY,
        "--cdn",
        &format!("http://{KEY}:@127.0.0.1:9"),
    ]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("--cdn"), "{}", ran.stderr);
    assert_ran_hidden(&ran, KEY);
}

/// A loopback server answering `count` requests with `head` (status line and headers), counting
/// the requests it got.
struct Scripted {
    addr: String,
    seen: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Scripted {
    fn start(count: usize, head: String) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(false).expect("blocking");
        let addr = listener.local_addr().expect("addr").to_string();
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        let thread = std::thread::spawn(move || {
            for _ in 0..count {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                // The stop request of `stop` is a bare connection: not counted.
                let _ = stream.set_read_timeout(Some(WAIT));
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                if reader.read_line(&mut line).is_ok_and(|n| n == 0) {
                    return;
                }
                counter.fetch_add(1, Ordering::SeqCst);
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "{head}content-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Scripted {
            addr,
            seen,
            thread: Some(thread),
        }
    }

    fn count(&self) -> usize {
        self.seen.load(Ordering::SeqCst)
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        // Wakes a server still waiting with a connection closed at once.
        let _ = std::net::TcpStream::connect(&self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn key_verify_follows_no_redirect() {
    let elsewhere = Scripted::start(1, "HTTP/1.1 200 OK\r\n".into());
    let redirecting = Scripted::start(
        1,
        format!(
            "HTTP/1.1 302 Found\r\nlocation: http://{}/steal/{KEY}\r\n",
            elsewhere.addr
        ),
    );
    let sb = Sandbox::new();
    let ran = run(hookbench(&sb).args([
        "key",
        "verify",
        "--write-key",
        KEY,
        "--cdn",
        &format!("http://{}", redirecting.addr),
    ]));
    assert_eq!(ran.code, Some(6), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(redirecting.count(), 1);
    assert_eq!(elsewhere.count(), 0, "the redirect was followed");
    assert!(ran.stdout.contains("302"), "{}", ran.stdout);
    assert!(ran.stdout.contains("127.0.0.1"), "{}", ran.stdout);
    assert_ran_hidden(&ran, KEY);
}

/// A handler that writes the key into its payload, as a hard-coded `writeKey` and in a string.
fn key_writing_js(key: &str) -> String {
    let key = serde_json::to_string(key).expect("json");
    format!(
        "function handler(webhook) {{\n  webhook.url = 'https://api.segment.io/v1/track';\n  \
         webhook.payload = {{ userId: 'u_1', event: 'Order Completed', messageId: 'm_1', \
         writeKey: {key}, properties: {{ note: 'key ' + {key} }} }};\n  return webhook;\n}}\n"
    )
}

#[test]
fn an_awkward_key_is_never_shown_in_any_form() {
    let sb = Sandbox::new();
    sb.write("keyed.js", &key_writing_js(AWKWARD));
    for extra in [
        &["--dry-run"][..],
        &["--dry-run", "-o", "json"],
        &["--dry-run", "--batch"],
    ] {
        let ran = run(hookbench(&sb)
            .args([
                "send",
                "-t",
                "keyed.js",
                "-e",
                "payment.succeeded",
                "--write-key",
                AWKWARD,
            ])
            .args(extra));
        assert_eq!(ran.code, Some(0), "{extra:?}: {}", ran.stderr);
        assert_ran_hidden(&ran, AWKWARD);
    }
    // A real send, answered 400 (not retried), then reported.
    let server = Scripted::start(1, "HTTP/1.1 400 Bad Request\r\n".into());
    let ran = run(hookbench(&sb).args([
        "send",
        "-t",
        "keyed.js",
        "-e",
        "payment.succeeded",
        "--write-key",
        AWKWARD,
        "--retries",
        "0",
        "-o",
        "json",
        "--endpoint",
        &format!("http://{}", server.addr),
    ]));
    assert_eq!(ran.code, Some(4), "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(server.count(), 1);
    assert_ran_hidden(&ran, AWKWARD);
}
