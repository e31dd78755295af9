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
use hookbench_core::webhook::FixtureSet;

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

/// POSTs `body` to the listener at `addr` (unsigned); the answer's status line.
fn post_delivery(addr: &str, body: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("the listener answers");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    write!(
        stream,
        "POST /webhook HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("posted");
    let mut status = String::new();
    BufReader::new(stream)
        .read_line(&mut status)
        .expect("an answer");
    status
}

/// `hookbench --data-dir DATA listen …` on a free port, one delivery posted to it, stopped;
/// everything it printed.
fn listen_once(sb: &Sandbox, data: &std::path::Path, args: &[&str], env_key: bool) -> String {
    let port = common::free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = common::process_in(&sb.path(""));
    cmd.arg("--data-dir")
        .arg(data)
        .args(["listen", "--addr", &addr, "-t", "keyed.js"])
        .args(args);
    if env_key {
        cmd.env("SEGMENT_WRITE_KEY", AWKWARD);
    }
    let mut running = common::Running::spawn(cmd, "hookbench listen");
    let banner = format!("hookbench listening on http://{addr}/webhook");
    let json = args.contains(&"json");
    if json {
        running.wait_stderr(&banner, WAIT);
    } else {
        running.wait_line("the banner", |l| l == banner, WAIT);
    }
    let body = FixtureSet::builtin()
        .expect("fixtures")
        .get("payment.succeeded")
        .expect("fixture")
        .body
        .clone();
    let status = post_delivery(&addr, &body);
    assert!(status.contains(" 2"), "{status}");
    let forwarding = args.contains(&"--forward");
    // The run's last line: the answer when forwarding, else the payload's end.
    running.wait_line(
        "the delivery's run",
        |l| {
            if json {
                l.starts_with("{\"delivery\"")
            } else if forwarding {
                l.contains("attempt")
            } else {
                l.starts_with('}') || l.starts_with("  }")
            }
        },
        WAIT,
    );
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &running.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let rest = running.rest_of_stdout(WAIT);
    assert!(running.wait_exit(WAIT).is_some(), "listen did not stop");
    format!(
        "{}\n{}\n{}",
        running.seen().join("\n"),
        rest.join("\n"),
        running.stderr()
    )
}

#[test]
fn a_key_the_transformation_writes_is_masked_in_listen_replay_show_and_the_history_files() {
    let sb = Sandbox::new();
    sb.write("keyed.js", &key_writing_js(AWKWARD));
    let data = sb.path("data");
    // listen text and JSON, then replay text and JSON: one call each, all answered 200.
    let server = Scripted::start(4, "HTTP/1.1 200 OK\r\n".into());
    let endpoint = format!("http://{}", server.addr);
    let forward = ["--forward", "--endpoint", &endpoint, "--write-key", AWKWARD];
    let shown = listen_once(&sb, &data, &forward, false);
    assert!(shown.contains("attempt"), "{shown}");
    assert_hidden("listen -t --forward", &shown, AWKWARD);
    let shown = listen_once(&sb, &data, &[&forward[..], &["-o", "json"]].concat(), false);
    assert!(shown.contains("\"send\""), "{shown}");
    assert_hidden("listen -t --forward -o json", &shown, AWKWARD);
    // Not forwarding: the key configured in the environment is masked all the same.
    let shown = listen_once(&sb, &data, &[], true);
    assert!(shown.contains("writeKey"), "{shown}");
    assert_hidden("listen -t", &shown, AWKWARD);

    for output in ["text", "json"] {
        let ran = run(hookbench(&sb).arg("--data-dir").arg(&data).args([
            "history",
            "replay",
            "1",
            "-t",
            "keyed.js",
            "--send",
            "--endpoint",
            &endpoint,
            "--write-key",
            AWKWARD,
            "--retries",
            "0",
            "-o",
            output,
        ]));
        assert_eq!(ran.code, Some(0), "replay -o {output}: {}", ran.stderr);
        assert!(ran.stdout.contains("writeKey"), "{}", ran.stdout);
        assert_ran_hidden(&ran, AWKWARD);
    }
    assert_eq!(server.count(), 4);
    for id in ["1", "2", "3"] {
        for output in ["text", "json"] {
            let ran = run(hookbench(&sb)
                .arg("--data-dir")
                .arg(&data)
                .args(["history", "show", id, "-o", output]));
            assert_eq!(ran.code, Some(0), "show {id} -o {output}: {}", ran.stderr);
            assert_ran_hidden(&ran, AWKWARD);
        }
    }

    // What the history keeps: the database and its write-ahead log, byte for byte.
    let mut checked = 0;
    for entry in std::fs::read_dir(&data).expect("the data dir") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !name.starts_with(hookbench_core::store::FILE_NAME) {
            continue;
        }
        checked += 1;
        let bytes = std::fs::read(&path).expect("readable");
        let text = String::from_utf8_lossy(&bytes);
        assert_hidden(name, &text, AWKWARD);
        for form in forms(AWKWARD) {
            assert!(
                !bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                "{name} holds {form:?}"
            );
        }
    }
    assert!(checked >= 1, "no history file in {}", data.display());
}
