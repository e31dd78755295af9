//! The loop: input, signals and finished effects become messages; `update` turns them into
//! effects the executor carries out. Messages from finished effects win over new input
//! (`biased`), and the screen is drawn only when something changed and no message is waiting.

use std::collections::VecDeque;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use hookbench_core::transform::{Engine, Limits};

use crate::model::app::{App, AppInit};
use crate::model::message::{Effect, Message};
use crate::update::update;
use crate::view::view;

use super::executor::{Deferred, Executor};
use super::external_editor::run_editor;
use super::files::write_recovery;
use super::setup::IncomingSetup;
use super::terminal;

/// How soon to draw again while highlighting of a large text is still catching up.
const HIGHLIGHT_REDRAW: Duration = Duration::from_millis(16);

/// The loop. Returns where unsaved edits were kept, if a signal ended it with some.
pub(super) async fn event_loop(
    init: AppInit,
    limits: Limits,
    listen_at_start: bool,
    incoming: IncomingSetup,
) -> anyhow::Result<Option<PathBuf>> {
    let mut terminal: terminal::Screen =
        Terminal::new(CrosstermBackend::new(io::stdout())).context("cannot open the terminal")?;
    let size = terminal.size().context("cannot read the terminal size")?;
    let mut app = App::new(AppInit {
        size: (size.width, size.height),
        ..init
    });
    let (tx, mut rx) = unbounded_channel();

    // The first frame goes out before anything runs: runs report back as they finish.
    let start_effects = update(
        &mut app,
        Message::Started {
            listen: listen_at_start,
        },
    );
    terminal.draw(|f| view(&app, f))?;
    // The engine's workers each build and seal a JavaScript runtime as they start: after the
    // first frame, so that they do not take its CPU.
    let mut executor = Executor::new(tx.clone(), Engine::new(limits), incoming);
    let mut recovered = None;
    let mut pending: VecDeque<Effect> = start_effects.into();

    let mut input = EventStream::new();
    let mut signals = Signals::new()?;
    let mut dirty = false;
    loop {
        while let Some(effect) = pending.pop_front() {
            match executor.execute(effect) {
                Deferred::None => {}
                Deferred::Editor { target, text } => {
                    drop(input);
                    let (screen, result) =
                        terminal::suspend(app.mouse, || run_editor(&target, &text))?;
                    terminal = screen;
                    input = EventStream::new();
                    let _ = tx.send(Message::ExternalEditDone { target, result });
                    dirty = true;
                }
                Deferred::Quit(recovery) => {
                    if let Some(recovery) = recovery {
                        recovered = write_recovery(&recovery);
                    }
                    return Ok(recovered);
                }
            }
        }
        // Draw only when nothing else is waiting, so bursts (key repeat, a batch of runs)
        // cost one frame.
        if dirty && rx.is_empty() {
            terminal.draw(|f| view(&app, f))?;
            dirty = false;
        }
        let highlight_pending = app.highlighter.pending();
        let message = tokio::select! {
            biased;
            Some(message) = rx.recv() => Some(message),
            event = input.next() => match event {
                Some(Ok(event)) => translate(event),
                Some(Err(e)) => return Err(e).context("cannot read the terminal"),
                None => Some(Message::Terminate),
            },
            () = signals.next() => Some(Message::Terminate),
            () = tokio::time::sleep(HIGHLIGHT_REDRAW), if highlight_pending => {
                dirty = true;
                None
            }
        };
        if let Some(message) = message {
            pending.extend(update(&mut app, message));
            dirty = true;
        }
        drain(&mut rx, &mut app, &mut pending);
    }
}

/// Applies every message already queued, so a burst is one frame.
pub(super) fn drain(
    rx: &mut UnboundedReceiver<Message>,
    app: &mut App,
    pending: &mut VecDeque<Effect>,
) {
    while let Ok(message) = rx.try_recv() {
        pending.extend(update(app, message));
    }
}

pub(super) fn translate(event: Event) -> Option<Message> {
    match event {
        Event::Key(key) => Some(Message::Key(key)),
        Event::Mouse(mouse) => Some(Message::Mouse(mouse)),
        Event::Paste(text) => Some(Message::Paste(text)),
        Event::Resize(w, h) => Some(Message::Resize(w, h)),
        Event::FocusGained | Event::FocusLost => None,
    }
}

/// SIGTERM, SIGHUP and SIGINT end the workbench cleanly (the terminal is restored).
pub(super) struct Signals {
    #[cfg(unix)]
    streams: Vec<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = [
                SignalKind::terminate(),
                SignalKind::hangup(),
                SignalKind::interrupt(),
            ]
            .into_iter()
            .map(signal)
            .collect::<Result<Vec<_>, _>>()
            .context("cannot listen for signals")?;
            Ok(Signals { streams })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        {
            let waits = self.streams.iter_mut().map(|s| Box::pin(s.recv()));
            let _ = futures_util::future::select_all(waits).await;
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
