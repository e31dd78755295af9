//! The executor: carries out the effects `update` asks for and reports back through the
//! channel as messages. Runs, sends, the sink, the listener and the store work off the screen's
//! thread.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use hookbench_core::pipeline::RunRecord;
use hookbench_core::schedule::RunScheduler;
use hookbench_core::segment::WriteKey;
use hookbench_core::segment::client::{Call, Client, ClientOptions, RetryObserver};
use hookbench_core::segment::keycheck::{self, KeyCheck, KeyStatus};
use hookbench_core::segment::sink::{RunningSink, Sink};
use hookbench_core::sending::{self, Dispatch, RunPurpose, dispatch, refusal};
use hookbench_core::store::Store;
use hookbench_core::transform::presets;
use hookbench_core::transform::{Engine, Program};
use hookbench_core::webhook::receiver::{Receiver, ReceiverOptions, RunningReceiver};
use hookbench_core::webhook::signature::DEFAULT_TOLERANCE_SECS;

use crate::clipboard::osc52;
use crate::model::message::{
    EditTarget, Effect, Message, Recovery, RunItem, RunJob, SendHistory, SendJob,
};

use super::files::{list_transforms, save, save_key};
use super::setup::IncomingSetup;
use super::watch;

/// Runs in flight per batch: enough to keep every worker busy, few enough that a newer edit's
/// runs do not queue behind many stale ones.
const RUN_WINDOW: usize = 4;

/// The largest delivery body the workbench's listener takes.
pub(super) const DEFAULT_MAX_BODY: usize = 1024 * 1024;

pub(super) fn lock_or_recover<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the loop itself must do because it owns the terminal.
pub(super) enum Deferred {
    None,
    Editor { target: EditTarget, text: String },
    Quit(Option<Recovery>),
}

/// Carries out effects, reporting back through the channel.
pub(super) struct Executor {
    tx: UnboundedSender<Message>,
    engine: Engine,
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
    pub(super) fn new(
        tx: UnboundedSender<Message>,
        engine: Engine,
        incoming: IncomingSetup,
    ) -> Executor {
        Executor {
            tx,
            engine,
            program: None,
            watcher: None,
            sink: Arc::new(Mutex::new(None)),
            cancel: CancellationToken::new(),
            incoming,
            store: Arc::new(Mutex::new(None)),
            receiver: Arc::new(Mutex::new(None)),
        }
    }

    pub(super) fn execute(&mut self, effect: Effect) -> Deferred {
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
            Effect::Watch(path) => {
                // The old watch ends before the new one starts.
                self.watcher = None;
                self.watcher = watch::watch(&self.tx, path);
            }
            Effect::Save {
                path,
                dir,
                stem,
                ext,
                text,
            } => {
                let result = save(path.as_deref(), &dir, &stem, ext, &text);
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
            Effect::SaveKey { key, region, path } => {
                let result = save_key(&path, &key, region).map(|()| path);
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
        let header_store = store.clone();
        let receiver = Receiver::new(
            store,
            ReceiverOptions {
                secret: self.incoming.secret.clone(),
                tolerance_secs: DEFAULT_TOLERANCE_SECS,
                max_body: DEFAULT_MAX_BODY,
                server: self.incoming.receiver_limits,
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
                        let id = incoming.summary.id;
                        let _ = tx.send(Message::Received {
                            summary: Box::new(incoming.summary),
                            body: incoming.body,
                            redelivery: incoming.redelivery,
                        });
                        // The headers are in the store only; read there, off this task.
                        if id > 0 {
                            let (store, tx) = (header_store.clone(), tx.clone());
                            tokio::task::spawn_blocking(move || {
                                let result = match store.get(id) {
                                    Ok(Some(delivery)) => Ok(delivery.headers),
                                    Ok(None) => Err("not in history".to_string()),
                                    Err(e) => Err(e.to_string()),
                                };
                                let _ = tx.send(Message::DeliveryHeaders(vec![(id, result)]));
                            });
                        }
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
                let mut headers = Vec::with_capacity(summaries.len());
                for summary in summaries {
                    let (body, stored) = match store.get(summary.id).map_err(|e| e.to_string())? {
                        Some(d) => (d.body, Ok(d.headers)),
                        None => (Vec::new(), Err("not in history".to_string())),
                    };
                    headers.push((summary.id, stored));
                    out.push((summary, body));
                }
                Ok((out, headers))
            });
            match result {
                Ok((deliveries, headers)) => {
                    let _ = tx.send(Message::DeliveriesLoaded(Ok(deliveries)));
                    let _ = tx.send(Message::DeliveryHeaders(headers));
                }
                Err(e) => {
                    let _ = tx.send(Message::DeliveriesLoaded(Err(e)));
                }
            }
        });
    }

    /// Starts the local sink on the first of its addresses it can bind; it lives as long as
    /// the executor.
    fn start_sink(&mut self) {
        let tx = self.tx.clone();
        let slot = Arc::clone(&self.sink);
        let addrs = self.incoming.sink_addrs.clone();
        let options = self.incoming.sink_options;
        tokio::spawn(async move {
            let mut last_error = "no address to listen on".to_string();
            for addr in &addrs {
                let sink = Sink::with_options(options);
                match sink.start(addr).await {
                    Ok(running) => {
                        let url = running.url().clone();
                        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(running);
                        let _ = tx.send(Message::SinkStarted(Ok(url)));
                        return;
                    }
                    Err(e) => last_error = format!("cannot listen on {addr}: {e}"),
                }
            }
            let _ = tx.send(Message::SinkStarted(Err(last_error)));
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
            .map(|(key, mut history)| {
                // History keeps the run with the write key masked wherever the handler wrote it.
                let secret = job.write_key.as_ref().map(WriteKey::expose);
                if let std::borrow::Cow::Owned(masked) =
                    sending::masked_record(&history.record, secret)
                {
                    history.record = Box::new(masked);
                }
                (key, history)
            })
            .collect();
        tokio::spawn(async move {
            let now = || chrono::Local::now().format("%H:%M:%S").to_string();
            let report = |key: String, delivery: hookbench_core::segment::SendReport| {
                if let (Some(store), Some(history)) = (&store, histories.get(&key)) {
                    keep_in_history(store.clone(), history.clone(), &delivery);
                }
                let _ = tx.send(Message::SendAnswered {
                    id: job.id,
                    key,
                    report: Box::new(delivery),
                    at: now(),
                });
            };
            // Each retry is told as it starts waiting, with the time of the next attempt.
            let retry_tx = tx.clone();
            let on_retry = RetryObserver::new(move |notice| {
                let next = chrono::Local::now()
                    + chrono::Duration::from_std(notice.wait).unwrap_or_default();
                let _ = retry_tx.send(Message::SendRetrying {
                    id: job.id,
                    notice,
                    at: next.format("%H:%M:%S").to_string(),
                });
            });
            let client = match Client::new(ClientOptions {
                destination: job.destination.clone(),
                write_key: job.write_key.clone(),
                retries: job.retries,
                on_retry: Some(on_retry),
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
        let engine = self.engine.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let job_id = job.job;
            // The app's own table: an item a newer job replaced is skipped before it starts.
            let is_current =
                |(item, _): &(&RunItem, String)| job.latest.is_current(&item.key, job_id);
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
                    item.parsed.as_deref(),
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
}

/// Writes a received delivery's run and its send into history, off the screen's thread, by the
/// core's history rule (a preview run is kept because it was sent). Failing to keep it costs
/// the record only, never the send.
pub(super) fn keep_in_history(
    store: Store,
    history: SendHistory,
    delivery: &hookbench_core::segment::SendReport,
) {
    let delivery = delivery.clone();
    tokio::task::spawn_blocking(move || keep_sent(&store, &history, &delivery));
}

/// Keeps a sent run and its send in history now, by the core's history rule; errors are
/// dropped, since they cost the record only.
pub fn keep_sent(
    store: &Store,
    history: &SendHistory,
    delivery: &hookbench_core::segment::SendReport,
) {
    let kept = sending::keep_run(
        store,
        history.delivery_id,
        &history.transform,
        &history.record,
        RunPurpose::Preview,
        true,
    );
    if let Ok(Some(run)) = kept {
        let _ = sending::keep_send(store, run, delivery);
    }
}

/// Checks a write key against Segment's settings CDN.
pub(super) async fn verify_key(key: &WriteKey) -> KeyCheck {
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
