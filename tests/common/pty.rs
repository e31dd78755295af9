//! The workbench binary in a pseudo-terminal: what a user sees on a real screen, keys going in
//! through the terminal, and the exit status at the end. The screen is rebuilt from the bytes
//! the program writes by a terminal emulator (vt100).
//!
//! Each run is sandboxed: a temp dir as working directory, `HOME` and `XDG_CONFIG_HOME` inside it
//! (no user config is read unless the test gives one), no `$EDITOR` and no write key.

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_hookbench");
/// The longest any single wait may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(20);

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
pub struct Workbench {
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
    pub fn spawn(args: &[&str], cols: u16, rows: u16) -> Workbench {
        Workbench::spawn_with_config(args, cols, rows, None)
    }

    /// Starts the workbench with `config`, when given, as its config file.
    pub fn spawn_with_config(
        args: &[&str],
        cols: u16,
        rows: u16,
        config: Option<&str>,
    ) -> Workbench {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        let xdg = dir.path().join("xdg");
        std::fs::create_dir_all(&home).expect("home dir");
        std::fs::create_dir_all(xdg.join("hookbench")).expect("xdg dir");
        if let Some(config) = config {
            std::fs::write(xdg.join("hookbench").join("config.toml"), config).expect("config");
        }

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
    pub fn pump(&mut self, wait: Duration) {
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

    /// Whether the program has the terminal's alternate screen on.
    pub fn on_alternate_screen(&self) -> bool {
        self.parser.screen().alternate_screen()
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// The screen's text between two columns, one line per row.
    pub fn columns(&self, start: u16, width: u16) -> String {
        let rows: Vec<String> = self.parser.screen().rows(start, width).collect();
        rows.join("\n")
    }

    /// Waits until `ready` holds for the screen; fails with the last screen after `TIMEOUT`.
    pub fn wait_for(&mut self, what: &str, ready: impl Fn(&Workbench) -> bool) {
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

    pub fn wait_for_text(&mut self, text: &str) {
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
    pub fn settle(&mut self, quiet: Duration) {
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

    pub fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.master.resize(size(cols, rows)).expect("resize pty");
        self.parser.screen_mut().set_size(rows, cols);
    }

    /// Waits for the program to end (reading its output meanwhile) and returns its status.
    pub fn wait_exit(&mut self) -> ExitStatus {
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

    pub fn output_text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    pub fn fail(&self, why: &str) -> ! {
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
