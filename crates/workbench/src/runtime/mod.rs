//! The workbench's shell: the terminal ([`terminal`]), the loop ([`event_loop`]), the executor
//! of effects ([`executor`]), and the outside world it touches: files ([`files`]), `$EDITOR`
//! ([`external_editor`]) and file watching ([`watch`]). What is read before the terminal is
//! taken is in [`setup`].

pub mod event_loop;
pub mod executor;
pub mod external_editor;
pub mod files;
pub mod setup;
pub mod terminal;
pub mod watch;

use std::io::{self, IsTerminal};

use anyhow::{Context, bail};

use crate::theme::{Theme, contrast};

pub use setup::{DEFAULT_LISTEN_ADDR, IncomingSetup, Options, Startup, prepare};

/// Opens the workbench and runs it until the user quits.
pub fn run(options: &Options) -> anyhow::Result<()> {
    // Input errors first: they are worth knowing about even without a terminal.
    let mut prepared = prepare(options)?;
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        bail!(
            "the workbench needs a terminal; for scripts and CI use `hookbench run`, `check` or `lint`"
        );
    }
    let mouse = prepared.init.mouse;
    // Two workers: sends, the local sink and runs proceed while the screen is drawn.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the event loop")?;

    terminal::install_panic_hook(mouse);
    terminal::enter_terminal(mouse).context("cannot set up the terminal")?;
    if prepared.detect_background {
        let background = terminal::query_background();
        let name = contrast::theme_for_background(background);
        if name != prepared.init.theme.name
            && let Ok(theme) = Theme::load(name, None, false)
        {
            prepared.init.theme = theme;
        }
    }
    let result = runtime.block_on(event_loop::event_loop(
        prepared.init,
        prepared.limits,
        prepared.listen_at_start,
        prepared.incoming,
    ));
    terminal::leave_terminal(mouse);
    let recovered = result?;
    if let Some(path) = recovered {
        eprintln!(
            "hookbench: unsaved transformation edits were kept in {}",
            path.display()
        );
    }
    Ok(())
}
