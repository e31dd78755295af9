//! The terminal: taken on start, given back on the way out (even from a panic), and lent to
//! `$EDITOR` in between.

use std::io;

use anyhow::Context;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::theme::contrast::{Rgb, device_attributes_answered, parse_osc11_answer};

/// The screen the workbench draws on.
pub(super) type Screen = Terminal<CrosstermBackend<io::Stdout>>;

pub(super) fn enter_terminal(mouse: bool) -> io::Result<()> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// How long the terminal has to answer the background-colour query; terminals that answer
/// do so within a few milliseconds, and one that does not must not delay the start.
const BACKGROUND_QUERY_TIMEOUT_MS: i64 = 100;

/// Asks the terminal for its background colour (OSC 11) and reads the answer, up to the answer
/// to the device attributes query sent after it, waiting at most
/// [`BACKGROUND_QUERY_TIMEOUT_MS`]. Call in raw mode, before the first frame and before
/// anything else reads input. None when the terminal does not answer (or is not a Unix one).
pub(super) fn query_background() -> Option<Rgb> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::fd::AsFd;

        use rustix::event::{PollFd, PollFlags, Timespec, poll};

        let mut out = io::stdout();
        // The device attributes query after it: its answer ends the reading.
        out.write_all(b"\x1b]11;?\x07\x1b[c").ok()?;
        out.flush().ok()?;
        let stdin = io::stdin();
        let fd = stdin.as_fd();
        let deadline = std::time::Instant::now()
            + std::time::Duration::from_millis(BACKGROUND_QUERY_TIMEOUT_MS as u64);
        let mut answer = Vec::new();
        let mut buffer = [0u8; 64];
        while answer.len() < 256 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            let timeout = Timespec {
                tv_sec: 0,
                tv_nsec: i64::from(left.subsec_nanos()),
            };
            let mut fds = [PollFd::new(&fd, PollFlags::IN)];
            if poll(&mut fds, Some(&timeout)).ok()? == 0 {
                break;
            }
            let read = rustix::io::read(fd, &mut buffer).ok()?;
            if read == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..read]);
            if device_attributes_answered(&answer) {
                break;
            }
        }
        parse_osc11_answer(&answer)
    }
    #[cfg(not(unix))]
    None
}

/// Puts the terminal back as it was. Errors are ignored: this runs on the way out, even from
/// a panic, and must do as much as it can.
pub(super) fn leave_terminal(mouse: bool) {
    let mut out = io::stdout();
    if mouse {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

/// A panic restores the terminal before the message is printed, so it can be read.
pub(super) fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_terminal(mouse);
        previous(info);
    }));
}

/// Lends the terminal to `f` (an editor, say): the screen is left, `f` runs, and the screen is
/// taken again with fresh buffers, so the next draw repaints everything.
pub(super) fn suspend<T>(mouse: bool, f: impl FnOnce() -> T) -> anyhow::Result<(Screen, T)> {
    leave_terminal(mouse);
    let result = f();
    enter_terminal(mouse).context("cannot set up the terminal again")?;
    // A new terminal has empty buffers, so the next draw repaints everything
    // (`Terminal::clear` would ask the terminal for the cursor position).
    execute!(io::stdout(), Clear(ClearType::All))?;
    let screen =
        Terminal::new(CrosstermBackend::new(io::stdout())).context("cannot open the terminal")?;
    Ok((screen, result))
}
