//! The workbench's loop: the terminal, input, signals and the executor of effects. Messages from
//! finished effects win over new input (`biased`), and the screen is drawn only when something
//! changed and no message is waiting.

use std::collections::{HashMap, VecDeque};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream,
};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures_util::StreamExt;
use notify::{RecursiveMode, Watcher};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio_util::sync::CancellationToken;

use hookbench_core::config::{self, Config};
use hookbench_core::pipeline::RunRecord;
use hookbench_core::schedule::RunScheduler;
use hookbench_core::sending::{self, Dispatch, RunPurpose, dispatch, refusal};
use hookbench_core::session::{Session, SessionOverrides};
use hookbench_core::transform::presets;
use hookbench_core::transform::{Engine, Limits, Program};
use hookbench_core::webhook::FixtureSet;

use super::app::{App, AppInit};
use super::clipboard::osc52;
use super::keymap::KeyMap;
use super::message::{
    EditTarget, Effect, Message, PickerEntry, Recovery, RunItem, RunJob, SendHistory, SendJob,
};
use super::sending::SendState;
use super::theme::Theme;
use super::update::{self, update};
use super::view::view;
use hookbench_core::segment::WriteKey;
use hookbench_core::segment::client::{Call, Client, ClientOptions};
use hookbench_core::segment::keycheck::{self, KeyCheck, KeyStatus};
use hookbench_core::segment::sink::{RunningSink, Sink};
use hookbench_core::store::Store;
use hookbench_core::webhook::receiver::{Receiver, ReceiverOptions, RunningReceiver};
use hookbench_core::webhook::signature::{DEFAULT_TOLERANCE_SECS, Secret};

/// How the workbench was started (`hookbench [tui] …`).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub transform: Option<String>,
    pub event: Option<String>,
    pub theme: Option<String>,
    pub config: Option<PathBuf>,
    pub fixtures: Option<PathBuf>,
    /// Start the listener at this address.
    pub listen: Option<String>,
    /// Where the history store lives (`--data-dir`).
    pub data_dir: Option<PathBuf>,
}

/// Where `L` listens unless told otherwise.
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:8787";

/// Runs in flight per batch: enough to keep every worker busy, few enough that a newer edit's
/// runs do not queue behind many stale ones.
const RUN_WINDOW: usize = 4;
/// How soon to draw again while highlighting of a large text is still catching up.
const HIGHLIGHT_REDRAW: Duration = Duration::from_millis(16);

/// Everything the workbench needs before it takes the terminal; every input error surfaces here,
/// before the screen changes.
pub struct Prepared {
    pub init: AppInit,
    pub limits: Limits,
    /// Start the listener with the first frame.
    pub listen_at_start: bool,
    /// How the listener finds its store and checks signatures.
    pub incoming: IncomingSetup,
}

/// What the listener needs: where history lives and the signing secret.
#[derive(Clone)]
pub struct IncomingSetup {
    pub data_dir: Option<PathBuf>,
    pub secret: Option<Secret>,
}

/// Reads config, keys, theme, transformation and fixtures.
pub fn prepare(options: &Options) -> anyhow::Result<Prepared> {
    let config = config::load(options.config.as_deref())?;
    let config_path = options
        .config
        .clone()
        .or_else(config::default_path)
        .unwrap_or_else(|| PathBuf::from("config.toml"));
    let keymap = KeyMap::with_config(&config.keys, &config_path)?;
    let no_color = Theme::no_color_requested(std::env::var_os("NO_COLOR").as_deref());
    let theme_spec = options
        .theme
        .as_deref()
        .or(config.ui.theme.as_deref())
        .unwrap_or("dark");
    let user_themes = config::default_path().and_then(|p| p.parent().map(|d| d.join("themes")));
    let theme = Theme::load(theme_spec, user_themes.as_deref(), no_color)?;

    // The workbench takes no Segment flags: the key comes from the environment (a blank
    // variable counts as unset, as the secret's does) or the file.
    let overrides = SessionOverrides {
        transform: options.transform.clone(),
        write_key: std::env::var("SEGMENT_WRITE_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty()),
        ..SessionOverrides::default()
    };
    let session = Session::resolve(&config, &overrides)?;
    let transform = session.load_transform()?;

    let mut fixtures = FixtureSet::builtin()?;
    if let Some(dir) = &options.fixtures {
        fixtures = fixtures.with_dir(dir)?;
    }
    if let Some(event) = &options.event {
        fixtures.find(event)?;
    }

    let send = SendState::new(
        session.write_key.clone(),
        session.region,
        session.endpoint.clone(),
        Some(config_path.clone()),
    );
    let secret = match std::env::var("HOOKBENCH_WEBHOOK_SECRET") {
        Ok(text) if !text.trim().is_empty() => {
            Some(Secret::parse(text.trim()).context("HOOKBENCH_WEBHOOK_SECRET")?)
        }
        _ => None,
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let init = AppInit {
        fixtures,
        transform,
        event: options.event.clone(),
        settings: session.settings,
        theme,
        keymap,
        cwd,
        config_paths: config_paths(&config),
        send,
        listen_addr: options
            .listen
            .clone()
            .unwrap_or_else(|| DEFAULT_LISTEN_ADDR.to_string()),
        mouse: config.ui.mouse.unwrap_or(true),
        size: (80, 24),
    };
    Ok(Prepared {
        init,
        limits: session.limits,
        listen_at_start: options.listen.is_some(),
        incoming: IncomingSetup {
            data_dir: options.data_dir.clone(),
            secret,
        },
    })
}

/// The config's transformation paths, `~/` meaning the home directory.
fn config_paths(config: &Config) -> Vec<PathBuf> {
    config
        .transform
        .paths
        .iter()
        .map(|p| match (p.strip_prefix("~"), dirs::home_dir()) {
            (Ok(rest), Some(home)) => home.join(rest),
            _ => p.clone(),
        })
        .collect()
}

/// Opens the workbench and runs it until the user quits.
pub fn run(options: &Options) -> anyhow::Result<()> {
    // Input errors first: they are worth knowing about even without a terminal.
    let prepared = prepare(options)?;
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        bail!(
            "the workbench needs a terminal; for scripts and CI use `hookbench run`, `check` or `lint`"
        );
    }
    let mouse = prepared.init.mouse;
    let engine = Engine::new(prepared.limits);
    // Two workers: sends, the local sink and runs proceed while the screen is drawn.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the event loop")?;

    install_panic_hook(mouse);
    enter_terminal(mouse).context("cannot set up the terminal")?;
    let result = runtime.block_on(event_loop(
        prepared.init,
        engine,
        mouse,
        prepared.listen_at_start,
        prepared.incoming,
    ));
    leave_terminal(mouse);
    let recovered = result?;
    if let Some(path) = recovered {
        eprintln!(
            "hookbench: unsaved transformation edits were kept in {}",
            path.display()
        );
    }
    Ok(())
}

fn enter_terminal(mouse: bool) -> io::Result<()> {
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
fn leave_terminal(mouse: bool) {
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
fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_terminal(mouse);
        previous(info);
    }));
}

/// The loop. Returns where unsaved edits were kept, if a signal ended it with some.
async fn event_loop(
    init: AppInit,
    engine: Engine,
    mouse: bool,
    listen_at_start: bool,
    incoming: IncomingSetup,
) -> anyhow::Result<Option<PathBuf>> {
    let mut terminal =
        Terminal::new(CrosstermBackend::new(io::stdout())).context("cannot open the terminal")?;
    let size = terminal.size().context("cannot read the terminal size")?;
    let mut app = App::new(AppInit {
        size: (size.width, size.height),
        ..init
    });
    let (tx, mut rx) = unbounded_channel();
    let mut executor = Executor::new(tx.clone(), engine, incoming);

    // The first frame goes out before anything runs: runs report back as they finish.
    let mut start_effects = update::start(&mut app);
    if listen_at_start {
        start_effects.extend(super::incoming::start(&mut app));
    }
    update::settle_view(&mut app);
    terminal.draw(|f| view(&app, f))?;
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
                    leave_terminal(mouse);
                    let result = run_editor(&target, &text);
                    enter_terminal(mouse).context("cannot set up the terminal again")?;
                    // A new terminal has empty buffers, so the next draw repaints everything
                    // (`Terminal::clear` would ask the terminal for the cursor position).
                    execute!(io::stdout(), Clear(ClearType::All))?;
                    terminal = Terminal::new(CrosstermBackend::new(io::stdout()))
                        .context("cannot open the terminal")?;
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
fn drain(rx: &mut UnboundedReceiver<Message>, app: &mut App, pending: &mut VecDeque<Effect>) {
    while let Ok(message) = rx.try_recv() {
        pending.extend(update(app, message));
    }
}

fn translate(event: Event) -> Option<Message> {
    match event {
        Event::Key(key) => Some(Message::Key(key)),
        Event::Mouse(mouse) => Some(Message::Mouse(mouse)),
        Event::Paste(text) => Some(Message::Paste(text)),
        Event::Resize(w, h) => Some(Message::Resize(w, h)),
        Event::FocusGained | Event::FocusLost => None,
    }
}

/// SIGTERM, SIGHUP and SIGINT end the workbench cleanly (the terminal is restored).
struct Signals {
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

/// The largest delivery body the workbench's listener takes.
const DEFAULT_MAX_BODY: usize = 1024 * 1024;

fn lock_or_recover<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the loop itself must do because it owns the terminal.
enum Deferred {
    None,
    Editor { target: EditTarget, text: String },
    Quit(Option<Recovery>),
}

/// Carries out effects, reporting back through the channel.
struct Executor {
    tx: UnboundedSender<Message>,
    engine: Engine,
    /// The newest job per event key, shared with running batches so they skip stale items.
    latest: Arc<Mutex<HashMap<String, u64>>>,
    /// The last compiled program, reused while the source is unchanged.
    program: Option<(String, String, Program)>,
    watcher: Option<notify::RecommendedWatcher>,
    /// The in-process sink, once started; dropping it stops it.
    sink: Arc<Mutex<Option<RunningSink>>>,
    /// Cancels the sends in flight (`x`); replaced after each use.
    cancel: CancellationToken,
    incoming: IncomingSetup,
    /// The history store, opened when first needed.
    store: Arc<Mutex<Option<Store>>>,
    /// The listener while it runs.
    receiver: Arc<Mutex<Option<RunningReceiver>>>,
}

impl Executor {
    fn new(tx: UnboundedSender<Message>, engine: Engine, incoming: IncomingSetup) -> Executor {
        Executor {
            tx,
            engine,
            latest: Arc::new(Mutex::new(HashMap::new())),
            program: None,
            watcher: None,
            sink: Arc::new(Mutex::new(None)),
            cancel: CancellationToken::new(),
            incoming,
            store: Arc::new(Mutex::new(None)),
            receiver: Arc::new(Mutex::new(None)),
        }
    }

    fn execute(&mut self, effect: Effect) -> Deferred {
        match effect {
            Effect::Run(job) => self.run(job),
            Effect::Debounce { generation, delay } => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(Message::EditSettled { generation });
                });
            }
            Effect::OpenEditor { target, text } => return Deferred::Editor { target, text },
            Effect::Watch(path) => self.watch(path),
            Effect::Save {
                path,
                dir,
                stem,
                text,
            } => {
                let result = save(path.as_deref(), &dir, &stem, &text);
                let _ = self.tx.send(Message::Saved { result, text });
            }
            Effect::Copy(text) => {
                let mut out = io::stdout();
                let _ = out.write_all(osc52(&text).as_bytes());
                let _ = out.flush();
            }
            Effect::ListTransforms { dir, config_paths } => {
                let _ = self.tx.send(Message::TransformsListed(list_transforms(
                    &dir,
                    &config_paths,
                )));
            }
            Effect::LoadTransform(spec) => {
                let result = presets::resolve(&spec).map_err(|e| e.to_string());
                let _ = self.tx.send(Message::TransformLoaded(result));
            }
            Effect::Quit { recovery } => return Deferred::Quit(recovery),
            Effect::StartSink => self.start_sink(),
            Effect::Send(job) => self.send(job),
            Effect::CancelSends => {
                self.cancel.cancel();
                self.cancel = CancellationToken::new();
            }
            Effect::VerifyKey(key) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let check = verify_key(&key).await;
                    let _ = tx.send(Message::KeyChecked(Box::new(check)));
                });
            }
            Effect::SaveKey { key, path } => {
                let result = save_key(&path, &key).map(|()| path);
                let _ = self.tx.send(Message::KeySaved(result));
            }
            Effect::StartListener { addr } => self.start_listener(addr),
            Effect::StopListener => {
                let running = lock_or_recover(&self.receiver).take();
                if let Some(running) = running {
                    tokio::spawn(running.stop());
                }
            }
            Effect::LoadDeliveries { before, limit } => self.load_deliveries(before, limit),
        }
        Deferred::None
    }

    /// The history store, opened on first use.
    fn store(&self) -> Result<Store, String> {
        let mut slot = lock_or_recover(&self.store);
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let dir =
            Store::resolve_dir(self.incoming.data_dir.as_deref()).map_err(|e| e.to_string())?;
        let store = Store::open(&dir).map_err(|e| e.to_string())?;
        *slot = Some(store.clone());
        Ok(store)
    }

    /// Starts the receiver; every delivery it stores comes back as `Received`.
    fn start_listener(&mut self, addr: String) {
        let store = match self.store() {
            Ok(store) => store,
            Err(e) => {
                let _ = self.tx.send(Message::ListenerStarted(Err(e)));
                return;
            }
        };
        let receiver = Receiver::new(
            store,
            ReceiverOptions {
                secret: self.incoming.secret.clone(),
                tolerance_secs: DEFAULT_TOLERANCE_SECS,
                max_body: DEFAULT_MAX_BODY,
            },
        );
        let tx = self.tx.clone();
        let slot = Arc::clone(&self.receiver);
        tokio::spawn(async move {
            let mut deliveries = receiver.subscribe();
            match receiver.start(&addr).await {
                Ok(running) => {
                    let url = running.url().clone();
                    *lock_or_recover(&slot) = Some(running);
                    let _ = tx.send(Message::ListenerStarted(Ok(url)));
                }
                Err(e) => {
                    let _ = tx.send(Message::ListenerStarted(Err(e.to_string())));
                    return;
                }
            }
            loop {
                match deliveries.recv().await {
                    Ok(incoming) => {
                        let _ = tx.send(Message::Received {
                            summary: Box::new(incoming.summary),
                            body: incoming.body,
                            redelivery: incoming.redelivery,
                        });
                    }
                    // Too many at once for the screen: they are in the store all the same.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }

    /// Reads a page of stored deliveries, off the screen's thread.
    fn load_deliveries(&self, before: Option<i64>, limit: usize) {
        let tx = self.tx.clone();
        let store = self.store();
        tokio::task::spawn_blocking(move || {
            let result = store.and_then(|store| {
                let summaries = store.list(limit, before).map_err(|e| e.to_string())?;
                let mut out = Vec::with_capacity(summaries.len());
                for summary in summaries {
                    let body = store
                        .get(summary.id)
                        .map_err(|e| e.to_string())?
                        .map(|d| d.body)
                        .unwrap_or_default();
                    out.push((summary, body));
                }
                Ok(out)
            });
            let _ = tx.send(Message::DeliveriesLoaded(result));
        });
    }

    /// Starts the local sink on a free loopback port; it lives as long as the executor.
    fn start_sink(&mut self) {
        let tx = self.tx.clone();
        let slot = Arc::clone(&self.sink);
        tokio::spawn(async move {
            let sink = Sink::new();
            match sink.start("127.0.0.1:0").await {
                Ok(running) => {
                    let url = running.url().clone();
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(running);
                    let _ = tx.send(Message::SinkStarted(Ok(url)));
                }
                Err(e) => {
                    let _ = tx.send(Message::SinkStarted(Err(e.to_string())));
                }
            }
        });
    }

    /// Sends a job's calls; every call answers with `Delivered`, in order for a batch, as they
    /// finish otherwise.
    fn send(&mut self, job: SendJob) {
        let tx = self.tx.clone();
        let cancel = self.cancel.child_token();
        // Sends of received deliveries are kept in history with their run.
        let store = if job.items.iter().any(|i| i.history.is_some()) {
            self.store().ok()
        } else {
            None
        };
        let histories: HashMap<String, SendHistory> = job
            .items
            .iter()
            .filter_map(|i| i.history.clone().map(|h| (i.key.clone(), h)))
            .collect();
        tokio::spawn(async move {
            let now = || chrono::Local::now().format("%H:%M:%S").to_string();
            let report = |key: String, delivery: hookbench_core::segment::SendReport| {
                if let (Some(store), Some(history)) = (&store, histories.get(&key)) {
                    keep_in_history(store.clone(), history.clone(), &delivery);
                }
                let _ = tx.send(Message::Delivered {
                    id: job.id,
                    key,
                    delivery: Box::new(delivery),
                    at: now(),
                });
            };
            let client = match Client::new(ClientOptions {
                destination: job.destination.clone(),
                write_key: job.write_key.clone(),
                retries: job.retries,
                ..ClientOptions::default()
            }) {
                Ok(client) => client,
                Err(e) => {
                    for item in job.items {
                        report(
                            item.key,
                            refusal(&job.destination, &item.call, e.to_string()),
                        );
                    }
                    return;
                }
            };
            // One call at a time: the deliveries list fills as they are answered.
            let how = Dispatch::for_destination(&job.destination, job.batch, 1);
            let calls: Vec<Call> = job.items.iter().map(|i| i.call.clone()).collect();
            dispatch(&client, &calls, how, &cancel, |i, delivery| {
                report(job.items[i].key.clone(), delivery);
            })
            .await;
        });
    }

    fn program(&mut self, name: &str, source: &str) -> Program {
        if let Some((n, s, program)) = &self.program
            && n == name
            && s == source
        {
            return program.clone();
        }
        let program = self.engine.compile(name, source);
        self.program = Some((name.to_string(), source.to_string(), program.clone()));
        program
    }

    fn run(&mut self, job: RunJob) {
        let program = self.program(&job.name, &job.source);
        {
            let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
            for item in &job.items {
                latest.insert(item.key.clone(), job.job);
            }
        }
        let engine = self.engine.clone();
        let latest = Arc::clone(&self.latest);
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let job_id = job.job;
            let is_current = |(item, _): &(&RunItem, String)| {
                latest
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&item.key)
                    == Some(&job_id)
            };
            let inputs = job.items.iter().map(|item| {
                let input = job.settings.input(item.body.clone(), item.parsed.as_ref());
                ((item, input.event_type.clone()), input)
            });
            let scheduled = RunScheduler::new(&engine, &program, inputs, RUN_WINDOW, is_current);
            for ((item, event_type), pending) in scheduled {
                let output = pending.await;
                let record = RunRecord::from_output(
                    event_type,
                    output,
                    item.parsed.as_ref(),
                    &job.settings.lint,
                );
                let _ = tx.send(Message::RunDone {
                    job: job_id,
                    key: item.key.clone(),
                    record: Box::new(record),
                });
            }
        });
    }

    /// Watches the file's folder (editors often save by renaming a new file over the old one)
    /// and reports changes of that file.
    fn watch(&mut self, path: Option<PathBuf>) {
        self.watcher = None;
        let Some(path) = path else { return };
        let Some(dir) = path.parent().map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                d.to_path_buf()
            }
        }) else {
            return;
        };
        let file_name = path.file_name().map(|n| n.to_os_string());
        let tx = self.tx.clone();
        let watched = path.clone();
        let handler = move |event: notify::Result<notify::Event>| {
            let Ok(event) = event else { return };
            if !(event.kind.is_modify() || event.kind.is_create()) {
                return;
            }
            let ours = event
                .paths
                .iter()
                .any(|p| p.file_name().map(|n| n.to_os_string()) == file_name);
            if ours {
                let contents =
                    std::fs::read(&watched)
                        .map_err(|e| e.to_string())
                        .and_then(|bytes| {
                            String::from_utf8(bytes)
                                .map_err(|_| "the file is not UTF-8 text".into())
                        });
                let _ = tx.send(Message::FileChanged {
                    path: watched.clone(),
                    contents,
                });
            }
        };
        match notify::recommended_watcher(handler) {
            Ok(mut watcher) => match watcher.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => self.watcher = Some(watcher),
                Err(e) => {
                    let _ = self.tx.send(Message::FileChanged {
                        path,
                        contents: Err(format!("cannot watch for changes: {e}")),
                    });
                }
            },
            Err(e) => {
                let _ = self.tx.send(Message::FileChanged {
                    path,
                    contents: Err(format!("cannot watch for changes: {e}")),
                });
            }
        }
    }
}

/// Writes a received delivery's run and its send into history, off the screen's thread, by the
/// core's history rule (a preview run is kept because it was sent). Failing to keep it costs
/// the record only, never the send.
fn keep_in_history(
    store: Store,
    history: SendHistory,
    delivery: &hookbench_core::segment::SendReport,
) {
    let delivery = delivery.clone();
    tokio::task::spawn_blocking(move || {
        let kept = sending::keep_run(
            &store,
            history.delivery_id,
            &history.transform,
            &history.record,
            RunPurpose::Preview,
            true,
        );
        if let Ok(Some(run)) = kept {
            let _ = sending::keep_send(&store, run, &delivery);
        }
    });
}

/// Checks a write key against Segment's settings CDN.
async fn verify_key(key: &WriteKey) -> KeyCheck {
    let unverifiable = |message: String| KeyCheck {
        status: KeyStatus::Unverifiable,
        http_status: None,
        region: None,
        api_host: None,
        destinations: Vec::new(),
        message,
    };
    let cdn = match url::Url::parse(keycheck::DEFAULT_CDN) {
        Ok(url) => url,
        Err(e) => return unverifiable(format!("bad CDN address: {e}")),
    };
    match keycheck::http_client() {
        Ok(http) => keycheck::verify(&http, &cdn, key).await,
        Err(e) => unverifiable(format!("cannot start an HTTP client: {e}")),
    }
}

/// Sets `[segment] write_key` in the config file, keeping everything else in it as written, and
/// makes the file readable by its owner only.
fn save_key(path: &Path, key: &WriteKey) -> Result<(), String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut document: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
    let segment = document
        .entry("segment")
        .or_insert(toml_edit::table())
        .as_table_mut()
        .ok_or_else(|| format!("{}: [segment] is not a table", path.display()))?;
    segment["write_key"] = toml_edit::value(key.expose());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_private(path, &document.to_string())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes a file only its owner can read (the key is a secret), tightening an existing file.
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())
}

/// Writes a transformation: over `path`, or as a new file in `dir` (never over another file).
fn save(path: Option<&Path>, dir: &Path, stem: &str, text: &str) -> Result<PathBuf, String> {
    match path {
        Some(path) => std::fs::write(path, text)
            .map(|()| path.to_path_buf())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => write_new(dir, stem, "js", text),
    }
}

/// Creates `<stem>.<ext>`, or `<stem>-2.<ext>`, … in `dir`, whichever does not exist yet.
fn write_new(dir: &Path, stem: &str, ext: &str, text: &str) -> Result<PathBuf, String> {
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                return file
                    .write_all(text.as_bytes())
                    .map(|()| path.clone())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
        }
    }
    Err(format!(
        "no free file name for {stem}.{ext} in {}",
        dir.display()
    ))
}

fn write_recovery(recovery: &Recovery) -> Option<PathBuf> {
    let stem = format!("{}.recovered", recovery.stem);
    write_new(&recovery.dir, &stem, "js", &recovery.text)
        .or_else(|_| write_new(&std::env::temp_dir(), &stem, "js", &recovery.text))
        .ok()
}

/// The presets, `*.js` in `dir`, and the config's paths.
fn list_transforms(dir: &Path, config_paths: &[PathBuf]) -> Vec<PickerEntry> {
    let mut entries: Vec<PickerEntry> = presets::presets()
        .into_iter()
        .map(|p| PickerEntry {
            spec: p.name.to_string(),
            origin: "preset",
        })
        .collect();
    let mut local: Vec<String> = std::fs::read_dir(dir)
        .map(|read| {
            read.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "js"))
                .filter(|e| e.path().is_file())
                .map(|e| format!("./{}", e.file_name().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    local.sort();
    entries.extend(local.into_iter().map(|spec| PickerEntry {
        spec,
        origin: "current dir",
    }));
    entries.extend(config_paths.iter().map(|p| PickerEntry {
        spec: p.display().to_string(),
        origin: "config",
    }));
    entries
}

/// Runs `$VISUAL`/`$EDITOR` (else `vi`) on the transformation file, or on a temporary copy of
/// a body; returns the file's bytes afterwards.
fn run_editor(target: &EditTarget, text: &str) -> Result<Vec<u8>, String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string());
    let (path, temporary) = match target {
        EditTarget::Transform(path) => (path.clone(), false),
        EditTarget::Body(key) => {
            let safe: String = key
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = write_new(
                &std::env::temp_dir(),
                &format!("hookbench-{safe}-{}", std::process::id()),
                "json",
                text,
            )?;
            (path, true)
        }
    };
    // Through the shell, so EDITOR may carry arguments ("code --wait").
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("hookbench-editor")
        .arg(&path)
        .status();
    let result = match status {
        Ok(status) if status.success() => {
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
        }
        Ok(status) => Err(format!("{editor} exited with {status}; nothing changed")),
        Err(e) => Err(format!("cannot start {editor}: {e}")),
    };
    if temporary {
        let _ = std::fs::remove_file(&path);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_saved_into_the_config_privately_keeping_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hookbench").join("config.toml");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, "# mine\n[ui]\ntheme = \"light\"\n").expect("write");
        let key = WriteKey::new("wk_1234567890abcdefghijklmnopqrstu").expect("key");
        save_key(&path, &key).expect("saved");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.starts_with("# mine\n[ui]\ntheme = \"light\"\n"),
            "{text}"
        );
        let config = hookbench_core::config::parse(&text, &path).expect("still a valid config");
        assert_eq!(config.segment.write_key, Some(key));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn new_files_never_replace_existing_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = write_new(dir.path(), "segment-complete", "js", "a").expect("first");
        let second = write_new(dir.path(), "segment-complete", "js", "b").expect("second");
        assert_eq!(
            first.file_name().and_then(|n| n.to_str()),
            Some("segment-complete.js")
        );
        assert_eq!(
            second.file_name().and_then(|n| n.to_str()),
            Some("segment-complete-2.js")
        );
        assert_eq!(std::fs::read_to_string(first).expect("read"), "a");
    }

    #[test]
    fn the_picker_lists_presets_local_files_and_config_paths() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("mine.js"), "").expect("write");
        std::fs::write(dir.path().join("notes.txt"), "").expect("write");
        let entries = list_transforms(dir.path(), &[PathBuf::from("/elsewhere/x.js")]);
        let specs: Vec<&str> = entries.iter().map(|e| e.spec.as_str()).collect();
        assert_eq!(specs[0], "segment-complete");
        assert!(specs.contains(&"./mine.js"));
        assert!(!specs.iter().any(|s| s.contains("notes")));
        assert_eq!(entries.last().map(|e| e.origin), Some("config"));
    }
}
