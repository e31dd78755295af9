//! The workbench binary in a pseudo-terminal: what a user sees on a real screen, keys going in
//! through the terminal, and the exit status at the end. The screen is rebuilt from the bytes
//! the program writes by a terminal emulator (vt100).
//!
//! Each run is sandboxed: a temp dir as working directory, `HOME` and `XDG_CONFIG_HOME` inside it
//! (no user config is read), no `$EDITOR` and no write key.

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
    fn spawn(args: &[&str], cols: u16, rows: u16) -> Workbench {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        let xdg = dir.path().join("xdg");
        std::fs::create_dir_all(&home).expect("home dir");
        std::fs::create_dir_all(&xdg).expect("xdg dir");

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

const ARGS: &[&str] = &[
    "tui",
    "--transform",
    "segment-complete",
    "--event",
    "payment.succeeded",
];

/// The events list is the leftmost column (32 cells wide from 100 columns up).
fn events_column(w: &Workbench) -> String {
    w.columns(0, 32)
}

#[test]
fn shows_the_selected_event_and_its_output_moves_on_j_and_quits_on_q() {
    let mut w = Workbench::spawn(ARGS, 160, 45);
    w.wait_for("payment.succeeded with its Segment call", |w| {
        let screen = w.screen();
        events_column(w).contains("payment.succeeded")
            && screen.contains("2 Webhook payment.succeeded")
            && screen.contains("\"event\": \"Order Completed\"")
            // Without a key sends go to the local sink: the header names its URL.
            && screen.contains("POST http://127.0.0.1:")
            && screen.contains("/v1/track ·")
    });
    let screen = w.screen();
    for pane in ["1 Events", "3 Transform", "4 Segment"] {
        assert!(screen.contains(pane), "{pane} missing:\n{screen}");
    }

    w.press("j");
    w.wait_for("payment.failed with its Segment call", |w| {
        let screen = w.screen();
        screen.contains("2 Webhook payment.failed")
            && screen.contains("\"event\": \"Payment Failed\"")
    });

    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit {status:?}\n{}", w.output_text());
}

#[test]
fn narrow_screens_show_the_middle_panes_as_tabs() {
    // The tabs layout: under 140 columns the default is a split.
    let dir = tempfile::tempdir().expect("config dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[ui]\nlayout = \"tabs\"\n").expect("config");
    let config = config.to_string_lossy().into_owned();
    let mut args = ARGS.to_vec();
    args.extend(["--config", config.as_str()]);
    let mut w = Workbench::spawn(&args, 100, 40);
    // The tab bar names the three middle panes; the Segment tab is shown first.
    w.wait_for("the tab bar over the Segment call", |w| {
        let screen = w.screen();
        screen.contains("2 Webhook   3 Transform   4 Segment")
            && screen.contains("\"event\": \"Order Completed\"")
    });
    let screen = w.screen();
    assert!(events_column(&w).contains("payment.succeeded"), "{screen}");
    assert!(!screen.contains("2 Webhook payment.succeeded"), "{screen}");

    w.press("2");
    w.wait_for("the Webhook tab", |w| {
        let screen = w.screen();
        screen.contains("2 Webhook payment.succeeded")
            && screen.contains("\"business_id\"")
            && !screen.contains("\"event\": \"Order Completed\"")
    });

    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit {status:?}");
}

#[test]
fn an_unknown_event_is_an_input_error_before_the_screen_changes() {
    let mut w = Workbench::spawn(
        &[
            "tui",
            "--transform",
            "segment-complete",
            "--event",
            "payment.succeded",
        ],
        160,
        45,
    );
    let status = w.wait_exit();
    let output = w.output_text();
    assert_eq!(status.exit_code(), 2, "{output}");
    assert!(
        output.contains("did you mean payment.succeeded"),
        "{output}"
    );
    assert!(
        !w.parser.screen().alternate_screen() && !output.contains("\x1b[?1049h"),
        "the terminal was taken: {output:?}"
    );
}

#[test]
fn a_too_small_terminal_says_so_and_the_panes_come_back() {
    let mut w = Workbench::spawn(ARGS, 160, 45);
    w.wait_for_text("\"event\": \"Order Completed\"");

    w.resize(50, 12);
    w.wait_for_text("Terminal too small");

    w.resize(160, 45);
    w.wait_for("the panes again", |w| {
        let screen = w.screen();
        !screen.contains("Terminal too small")
            && screen.contains("2 Webhook payment.succeeded")
            && screen.contains("\"event\": \"Order Completed\"")
    });

    w.settle(Duration::from_millis(200));
    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit {status:?}");
}

#[test]
fn sends_to_its_local_sink_and_shows_the_answer() {
    let mut w = Workbench::spawn(ARGS, 160, 45);
    // Without a write key the workbench starts a sink of its own and says so.
    w.wait_for("the local sink in the status bar", |w| {
        w.screen().contains("→ sink 127.0.0.1:") && w.screen().contains("(not Segment)")
    });
    // `s` goes in as soon as the sink is up, whether or not the first runs have finished: a send
    // asked for while its run is pending waits for it and sends its output.
    w.press("s");
    w.wait_for_text("✓ delivered 200 OK");
    w.wait_for_text("← {\"success\":true}");
    w.press("]");
    w.wait_for_text("✓ delivered payment.succeeded");
    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit status {status:?}");
}

/// POSTs `body` to `http://127.0.0.1:port/webhook` unsigned and returns the status line.
fn post_webhook(port: u16, id: &str, body: &[u8]) -> String {
    use std::io::{BufRead, BufReader};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(TIMEOUT))
        .expect("read timeout");
    let head = format!(
        "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nwebhook-id: {id}\r\nwebhook-timestamp: 1700000000\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut status = String::new();
    BufReader::new(stream)
        .read_line(&mut status)
        .expect("read status");
    status.trim_end().to_string()
}

#[test]
fn a_delivery_received_while_listening_appears_live() {
    let data = tempfile::tempdir().expect("data dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let data_dir = data.path().to_str().expect("utf-8 path").to_string();
    let mut args = ARGS.to_vec();
    args.extend(["--listen", &addr, "--data-dir", &data_dir]);
    let mut w = Workbench::spawn(&args, 160, 45);
    let listening = format!("⇣ 127.0.0.1:{port}/webhook · 0");
    w.wait_for_text(&listening);

    let body = hookbench_core::webhook::FixtureSet::builtin()
        .expect("fixtures")
        .get("refund.succeeded")
        .expect("fixture")
        .body
        .clone();
    assert_eq!(
        post_webhook(port, "msg_pty_1", body.as_bytes()),
        "HTTP/1.1 200 OK"
    );
    w.wait_for_text("▾ incoming 1");
    w.wait_for_text(&format!("⇣ 127.0.0.1:{port}/webhook · 1"));
    // The newest delivery is the first row: select it and see it transformed.
    w.press("g");
    w.wait_for_text("2 Webhook refund.succeeded #1 –");
    w.wait_for_text("\"event\": \"Order Refunded\"");
    w.press("q");
    let status = w.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    // Acknowledged means stored.
    let store = hookbench_core::store::Store::open(data.path()).expect("store");
    assert_eq!(store.count().expect("count"), 1);
}
