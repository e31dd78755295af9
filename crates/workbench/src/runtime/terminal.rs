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
