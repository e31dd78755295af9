//! The send-all question in a real terminal: with sends going to Segment (here an in-test
//! server on 127.0.0.1 configured as the Segment endpoint), `S` asks first, naming how many
//! events, where and which region; `n` sends nothing and `y` sends them.
//!
//! Each run is sandboxed as in `tui_pty.rs`: a temp dir as working directory, `HOME` and
//! `XDG_CONFIG_HOME` inside it, the config file written there, no `$EDITOR`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_hookbench");
/// The longest any single wait may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(20);

fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

/// A running `hookbench` on a pseudo-terminal, with the screen it has drawn so far.
/// Dropping it kills the program if it is still running.
struct Workbench {
    parser: vt100::Parser,
    /// Every byte the program wrote, for failure messages and for text outside the screen.
    output: Vec<u8>,
    chunks: Receiver<Vec<u8>>,
    /// True once the reading side saw the end of the output.
    closed: bool,
    writer: Box<dyn Write + Send>,
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    _dir: TempDir,
}

impl Workbench {
    /// Starts the workbench with `config` as its config file.
    fn spawn(args: &[&str], cols: u16, rows: u16, config: &str) -> Workbench {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        let xdg = dir.path().join("xdg");
        std::fs::create_dir_all(&home).expect("home dir");
        std::fs::create_dir_all(xdg.join("hookbench")).expect("xdg dir");
        std::fs::write(xdg.join("hookbench").join("config.toml"), config).expect("config");

        let pair = native_pty_system()
            .openpty(size(cols, rows))
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.cwd(dir.path());
        cmd.env("HOME", &home);
        cmd.env("XDG_CONFIG_HOME", &xdg);
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        for name in [
            "SEGMENT_WRITE_KEY",
            "VISUAL",
            "EDITOR",
            "HOOKBENCH_DATA_DIR",
            "CLICOLOR_FORCE",
        ] {
            cmd.env_remove(name);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn hookbench");
        // Only the child holds the terminal side now, so its exit ends the output.
        drop(pair.slave);

        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let (tx, chunks) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    // Linux reports the end of a pseudo-terminal as EIO.
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Workbench {
            parser: vt100::Parser::new(rows, cols, 0),
            output: Vec::new(),
            chunks,
            closed: false,
            writer,
            master: pair.master,
            child,
            _dir: dir,
        }
    }

    /// Takes in what has arrived, waiting at most `wait` for the first chunk.
    fn pump(&mut self, wait: Duration) {
        if self.closed {
            return;
        }
        let mut next = self.chunks.recv_timeout(wait);
        loop {
            match next {
                Ok(chunk) => {
                    self.parser.process(&chunk);
                    self.output.extend_from_slice(&chunk);
                }
                Err(RecvTimeoutError::Timeout) => return,
                Err(RecvTimeoutError::Disconnected) => {
                    self.closed = true;
                    return;
                }
            }
            next = self.chunks.try_recv().map_err(|e| match e {
                std::sync::mpsc::TryRecvError::Empty => RecvTimeoutError::Timeout,
                std::sync::mpsc::TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
            });
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// The screen's text between two columns, one line per row.
    fn columns(&self, start: u16, width: u16) -> String {
        let rows: Vec<String> = self.parser.screen().rows(start, width).collect();
        rows.join("\n")
    }

    /// Waits until `ready` holds for the screen; fails with the last screen after `TIMEOUT`.
    fn wait_for(&mut self, what: &str, ready: impl Fn(&Workbench) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if ready(self) {
                return;
            }
            if Instant::now() >= deadline {
                self.fail(&format!("timed out waiting for {what}"));
            }
            if self.closed {
                self.fail(&format!("the program ended while waiting for {what}"));
            }
            self.pump(Duration::from_millis(50));
        }
    }

    fn wait_for_text(&mut self, text: &str) {
        self.wait_for(&format!("{text:?} on screen"), |w| {
            w.screen().contains(text)
        });
    }

    /// Reads until the program has written nothing for `quiet`: it has caught up with what it
    /// was told (a resize, finished runs) and is waiting for input again.
    ///
    /// Needed before typing after a resize: crossterm's Unix event source handles a SIGWINCH that
    /// is reported in the same poll as pending key bytes by returning the resize and dropping the
    /// key bytes' readiness, so those keys wait until the next byte arrives. The screen can show
    /// the new size before the resize event is read (every draw measures the terminal), so a
    /// redrawn screen alone does not mean the signal was handled.
    fn settle(&mut self, quiet: Duration) {
        let deadline = Instant::now() + TIMEOUT;
        let mut last = self.output.len();
        let mut since = Instant::now();
        while since.elapsed() < quiet && !self.closed {
            if Instant::now() >= deadline {
                self.fail("the program never went quiet");
            }
            self.pump(Duration::from_millis(10));
            if self.output.len() != last {
                last = self.output.len();
                since = Instant::now();
            }
        }
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    fn resize(&mut self, cols: u16, rows: u16) {
        self.master.resize(size(cols, rows)).expect("resize pty");
        self.parser.screen_mut().set_size(rows, cols);
    }

    /// Waits for the program to end (reading its output meanwhile) and returns its status.
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // Whatever it wrote last is still in the pseudo-terminal.
                    while !self.closed && Instant::now() < deadline {
                        self.pump(Duration::from_millis(50));
                    }
                    return status;
                }
                Ok(None) => {}
                Err(e) => self.fail(&format!("cannot wait for the program: {e}")),
            }
            if Instant::now() >= deadline {
                self.fail("timed out waiting for the program to exit");
            }
            self.pump(Duration::from_millis(20));
        }
    }

    fn output_text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    fn fail(&self, why: &str) -> ! {
        let output = self.output_text();
        let tail: String = {
            let chars: Vec<char> = output.chars().collect();
            chars[chars.len().saturating_sub(2000)..].iter().collect()
        };
        panic!(
            "{why}\n--- screen ---\n{}\n--- last output bytes ---\n{tail:?}",
            self.screen()
        );
    }
}

impl Drop for Workbench {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

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
    let mut w = Workbench::spawn(
        &[
            "tui",
            "--transform",
            "segment-complete",
            "--event",
            "payment.succeeded",
        ],
        160,
        45,
        &config,
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
