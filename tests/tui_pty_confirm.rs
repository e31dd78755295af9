//! The send-all question in a real terminal: with sends going to Segment (here an in-test
//! server on 127.0.0.1 configured as the Segment endpoint), `S` asks first, naming how many
//! events, where and which region; `n` sends nothing and `y` sends them.
//!
//! Each run is sandboxed as in `tui_pty.rs`: a temp dir as working directory, `HOME` and
//! `XDG_CONFIG_HOME` inside it, the config file written there, no `$EDITOR`.

#![allow(dead_code)]

mod common;

use common::pty::{TIMEOUT, Workbench};
use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, channel};

/// A Segment-compatible endpoint on 127.0.0.1: it answers every request `200 {"success":true}`
/// and reports each one's request line. Dropping it stops it.
struct Endpoint {
    port: u16,
    requests: Receiver<String>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Endpoint {
    fn start() -> Endpoint {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("address").port();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let (tx, requests) = channel();
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(TIMEOUT));
                if let Some(line) = read_request(&mut stream) {
                    let body = "{\"success\":true}";
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tx.send(line);
                }
            }
        });
        Endpoint {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// Every request line received so far.
    fn received(&self) -> Vec<String> {
        self.requests.try_iter().collect()
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // A connection of its own wakes the accepting thread so it sees the flag.
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one HTTP request (head and `Content-Length` body); returns its request line.
fn read_request(stream: &mut std::net::TcpStream) -> Option<String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    head.lines().next().map(str::to_string)
}

const KEY: &str = "wk_1234567890abcdefghijklmnopqrstu";

#[test]
fn send_all_to_segment_asks_first_and_n_sends_nothing() {
    let endpoint = Endpoint::start();
    let config = format!(
        "[segment]\nendpoint = \"http://127.0.0.1:{}\"\nwrite_key = \"{KEY}\"\ndestination = \"segment\"\n",
        endpoint.port
    );
    let mut w = Workbench::spawn_with_config(
        &[
            "tui",
            "--transform",
            "segment-complete",
            "--event",
            "payment.succeeded",
        ],
        160,
        45,
        Some(&config),
    );
    // Sends go to Segment, so the screen says so.
    w.wait_for("the live badge and the first output", |w| {
        let screen = w.screen();
        screen.contains("→ SEGMENT (live)") && screen.contains("\"event\": \"Order Completed\"")
    });
    w.press("S");
    w.wait_for_text("Send to Segment");
    let screen = w.screen();
    assert!(
        screen.contains(&format!("to endpoint http://127.0.0.1:{}", endpoint.port)),
        "{screen}"
    );
    assert!(screen.contains("region us"), "{screen}");
    assert!(screen.contains("listed event(s)"), "{screen}");
    // n: nothing is sent.
    w.press("n");
    w.wait_for("the question to close", |w| {
        !w.screen().contains("Send to Segment")
    });
    // y: they go, in one batch.
    w.press("S");
    w.wait_for_text("Send to Segment");
    w.press("y");
    w.wait_for("the send to finish", |w| {
        let screen = w.screen();
        // "sent 50 · skipped 6: …" once every answer is in.
        screen.contains(" sent ") && !screen.contains("⟳ sending")
    });
    let received = endpoint.received();
    assert_eq!(
        received,
        vec!["POST /v1/batch HTTP/1.1".to_string()],
        "one batch, after y only"
    );
    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit status {status:?}");
}
