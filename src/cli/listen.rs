//! `hookbench listen`: the receiver, headless. Prints a line per delivery; with `--transform`,
//! what the transformation makes of each accepted one; with `--forward`, sends that to Segment.

use std::io::Write;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio_util::sync::CancellationToken;

use hookbench_core::pipeline::{Pipeline, RunRecord};
use hookbench_core::segment::WriteKey;
use hookbench_core::segment::client::{Client, ClientOptions};
use hookbench_core::segment::{Destination, SendReport};
use hookbench_core::sending::{
    RunPurpose, SendPlan, SendPolicy, keep_run, keep_send, masked_record,
};
use hookbench_core::store::{DeliverySummary, Store, Verification, is_accepted_status};
use hookbench_core::text::escape_controls;
use hookbench_core::webhook::receiver::{self, Incoming, Receiver, ReceiverOptions};
use hookbench_core::webhook::signature::Secret;

use super::answers;
use super::args::{GlobalArgs, ListenArgs, OutputFormat, TransformArgs};
use super::style::{BOLD, DIM, GREEN, RED, YELLOW};
use super::{Failure, common, exit, render};

/// Deliveries queued for the printing thread; past it the server's live channel takes the slack.
const EVENT_QUEUE: usize = 256;

/// The longest wait, on SIGINT/SIGTERM, for requests under way: Dodo gives up after 15 s.
const STOP_LIMIT: Duration = Duration::from_secs(15);

/// Width of the event type column: the longest Dodo event types fit.
const TYPE_WIDTH: usize = 30;

/// The transformation each accepted delivery goes through.
struct Transforming {
    pipeline: Pipeline,
    /// As shown in messages and kept with each run.
    name: String,
    source: String,
    /// With `--forward`: where the output is sent.
    forwarding: Option<Forwarding>,
    /// The configured write key: masked wherever the transformation wrote it, in what is shown
    /// and kept.
    write_key: Option<WriteKey>,
}

/// Where transformed deliveries are sent with `--forward`.
struct Forwarding {
    client: Client,
    destination: Destination,
}

/// Everything a delivery is handled with.
struct Listening {
    store: Store,
    output: OutputFormat,
    transforming: Option<Transforming>,
    /// Runs the server; sends are driven on it from the printing thread.
    runtime: tokio::runtime::Handle,
    /// Cancelled on SIGINT/SIGTERM: stops the server and waiting sends.
    stop: CancellationToken,
    shown: u64,
}

pub fn run(global: &GlobalArgs, args: &ListenArgs) -> Result<u8, Failure> {
    let secret = match args.secret.as_deref() {
        Some(text) => Some(Secret::parse(text).map_err(|e| {
            Failure::input(format!(
                "the webhook secret (--secret or HOOKBENCH_WEBHOOK_SECRET) is not usable: {e}"
            ))
        })?),
        None => None,
    };
    if args.max_body == 0 {
        return Err(Failure::input("--max-body must be at least 1 byte"));
    }
    let config = common::load_config(global)?;

    let transforming = match &args.transform {
        Some(transform) => {
            let transform_args = TransformArgs {
                transform: Some(transform.clone()),
                url: None,
                env: Vec::new(),
                timeout_ms: None,
                fixtures: None,
            };
            // The Segment flags only matter when forwarding.
            let segment = args.forward.then_some(&args.segment);
            let session = common::session(&config, &transform_args, segment)?;
            let transform = common::load_transform(&session)?;
            let forwarding = if args.forward {
                if session.write_key.is_none() {
                    return Err(Failure::input(
                        "--forward needs a write key: pass --write-key, set SEGMENT_WRITE_KEY or \
                         [segment] write_key in the config",
                    ));
                }
                let destination = session.destination(false);
                let write_key = session.write_key_for(&destination)?;
                let client = Client::new(ClientOptions {
                    destination: destination.clone(),
                    write_key,
                    ..ClientOptions::default()
                })?;
                Some(Forwarding {
                    client,
                    destination,
                })
            } else {
                None
            };
            let (pipeline, name) = common::pipeline(&session, &transform);
            Some(Transforming {
                pipeline,
                name,
                source: transform.source,
                forwarding,
                // Not forwarding, the session leaves the Segment flags out; a key given there
                // (or in SEGMENT_WRITE_KEY) is still masked.
                write_key: session
                    .write_key
                    .clone()
                    .or_else(|| args.segment.write_key.as_deref().and_then(WriteKey::new)),
            })
        }
        None => None,
    };

    // The store's errors name the file or tell what to do.
    let dir = Store::resolve_dir(global.data_dir.as_deref())?;
    let store = Store::open(&dir)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::input(format!("cannot start the receiver: {e}")))?;
    let listening = Listening {
        store,
        output: args.output,
        transforming,
        runtime: runtime.handle().clone(),
        stop: CancellationToken::new(),
        shown: 0,
    };
    let options = ReceiverOptions {
        secret,
        tolerance_secs: args.tolerance,
        max_body: args.max_body,
        server: config.receiver.limits(),
    };
    listening.serve(&args.addr, options)
}

/// What the server side hands to the thread that prints (and transforms).
enum Event {
    Delivery(Box<Incoming>),
    /// This many deliveries went by faster than they could be shown.
    Missed(u64),
}

/// Relays deliveries to the printing thread until `stop`, then stops the server (requests under
/// way finish) and relays what they brought. The channel closes when this returns.
async fn relay(
    mut live: tokio::sync::broadcast::Receiver<Incoming>,
    running: receiver::RunningReceiver,
    stop: CancellationToken,
    events: tokio::sync::mpsc::Sender<Event>,
) {
    loop {
        let next = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            next = live.recv() => next,
        };
        let event = match next {
            Ok(incoming) => Event::Delivery(Box::new(incoming)),
            Err(RecvError::Lagged(missed)) => Event::Missed(missed),
            Err(RecvError::Closed) => break,
        };
        if events.send(event).await.is_err() {
            break;
        }
    }
    // Bounded: a sender stalled mid-request does not hold the exit up.
    let _ = tokio::time::timeout(STOP_LIMIT, running.stop()).await;
    loop {
        let event = match live.try_recv() {
            Ok(incoming) => Event::Delivery(Box::new(incoming)),
            Err(TryRecvError::Lagged(missed)) => Event::Missed(missed),
            Err(_) => break,
        };
        if events.send(event).await.is_err() {
            break;
        }
    }
}

impl Listening {
    /// Serves until SIGINT/SIGTERM. The server runs on the runtime; this thread, outside it,
    /// prints, transforms (the engine blocks) and forwards.
    fn serve(mut self, addr: &str, options: ReceiverOptions) -> Result<u8, Failure> {
        let signed = options.secret.is_some();
        let tolerance = options.tolerance_secs;
        let max_body = options.max_body;
        let receiver = Receiver::new(self.store.clone(), options);
        let live = receiver.subscribe();
        let stop = self.stop.clone();
        let running = self.runtime.block_on(async {
            // Signals are caught from before the banner on: a stop request always ends cleanly.
            watch_signals(stop)?;
            receiver
                .start(addr)
                .await
                .map_err(|e| Failure::input(super::common::bind_error(addr, &e, "listen", 8787)))
        })?;
        if !signed && !receiver::is_loopback(&running.addr()) {
            render::warning_line(&format!(
                "listening on {} without a secret: anyone who can reach it can add deliveries \
                 to your history; pass --secret with the endpoint's signing secret",
                running.addr()
            ));
        }
        self.banner(running.url(), signed, tolerance, max_body);

        let (events_tx, mut events) = tokio::sync::mpsc::channel(EVENT_QUEUE);
        self.runtime
            .spawn(relay(live, running, self.stop.clone(), events_tx));
        while let Some(event) = events.blocking_recv() {
            match event {
                Event::Delivery(incoming) => self.handle(&incoming),
                Event::Missed(missed) => fell_behind(missed),
            }
        }
        let line = format!(
            "{DIM}hookbench listen stopped · {} deliveries{DIM:#}",
            self.shown
        );
        match self.output {
            OutputFormat::Text => println_flushed(&line),
            OutputFormat::Json => eprintln_flushed(&line),
        }
        Ok(exit::OK)
    }

    fn banner(&self, url: &url::Url, signed: bool, tolerance: u64, max_body: usize) {
        let mut lines = vec![format!("{BOLD}hookbench listening on {url}{BOLD:#}")];
        lines.push(if signed {
            format!(
                "  signatures: checked (Standard Webhooks, ±{tolerance} s); bodies up to {max_body} bytes"
            )
        } else {
            format!(
                "  signatures: {YELLOW}not checked{YELLOW:#} (no --secret): deliveries are kept as unsigned; bodies up to {max_body} bytes"
            )
        });
        lines.push(format!("  history: {}", self.store.path().display()));
        if let Some(t) = &self.transforming {
            let forward = match &t.forwarding {
                Some(f) => format!(", forwarded to {}", f.destination.label()),
                None => String::new(),
            };
            lines.push(format!(
                "  transform: {} (accepted deliveries{forward})",
                t.name
            ));
        }
        lines.push(format!(
            "{DIM}  POST webhooks to the URL above · ctrl-c to stop{DIM:#}"
        ));
        let text = lines.join("\n");
        match self.output {
            OutputFormat::Text => println_flushed(&text),
            OutputFormat::Json => eprintln_flushed(&text),
        }
    }

    fn handle(&mut self, incoming: &Incoming) {
        self.shown += 1;
        let (record, delivery) = match &self.transforming {
            Some(t) if incoming.is_new_and_accepted() => {
                let (record, delivery) = self.process(t, incoming);
                (Some(record), delivery)
            }
            _ => (None, None),
        };
        let forwarding = self
            .transforming
            .as_ref()
            .is_some_and(|t| t.forwarding.is_some());
        match self.output {
            OutputFormat::Text => self.print_text(incoming, record.as_ref(), delivery.as_ref()),
            OutputFormat::Json => {
                print_json(incoming, record.as_ref(), delivery.as_ref(), forwarding)
            }
        }
    }

    /// Runs the transformation on an accepted delivery, keeps the run, and with `--forward`
    /// sends the output as `send` does (refused on lint errors) and keeps the answer. The
    /// answer is None when there was nothing to send (failed or cancelled).
    fn process(&self, t: &Transforming, incoming: &Incoming) -> (RunRecord, Option<SendReport>) {
        let text = String::from_utf8_lossy(&incoming.body).into_owned();
        let parsed = serde_json::from_str::<Value>(&text).ok();
        let sent = t.pipeline.run(text, parsed);
        // The call goes out as the transformation made it; what is shown and kept is masked.
        let record = masked_record(&sent, t.write_key.as_ref().map(WriteKey::expose)).into_owned();
        let delivery_id = incoming.summary.id;
        let run_id = match keep_run(
            &self.store,
            delivery_id,
            &t.name,
            &record,
            RunPurpose::Processing,
            false,
        ) {
            Ok(run_id) => run_id,
            Err(e) => {
                render::warning_line(&format!("the run was not kept in the history: {e}"));
                None
            }
        };
        let Some(forwarding) = &t.forwarding else {
            return (record, None);
        };
        let delivery = match SendPlan::of(&sent, SendPolicy::default(), &forwarding.destination) {
            SendPlan::TransformFailed | SendPlan::Cancelled => return (record, None),
            SendPlan::Refused(delivery) => delivery,
            SendPlan::Send(call) => self
                .runtime
                .block_on(forwarding.client.send_call(&call, &self.stop)),
        };
        if let Some(run_id) = run_id
            && let Err(e) = keep_send(&self.store, run_id, &delivery)
        {
            render::warning_line(&format!("the send was not kept in the history: {e}"));
        }
        (record, Some(delivery))
    }

    fn print_text(
        &self,
        incoming: &Incoming,
        record: Option<&RunRecord>,
        delivery: Option<&SendReport>,
    ) {
        let mut out = super::output::stdout_text();
        let _ = writeln!(out, "{}", delivery_line(incoming));
        if record.is_none() {
            // A run shows them with its record; without one they follow the delivery line.
            let _ = render::input_diagnostics(&mut out, &render::body_diagnostics(&incoming.body));
        }
        if let (Some(record), Some(t)) = (record, &self.transforming) {
            let label = incoming
                .summary
                .event_type
                .clone()
                .unwrap_or_else(|| "(no type)".into());
            let _ = render::record(&mut out, &label, record, &t.name, &t.source);
            if let Some(delivery) = delivery {
                let _ = answers::print_text(&mut out, &label, record, Some(delivery));
            }
        }
        let _ = out.flush();
    }
}

/// One line for people: time, event type, verification, status, then the reason or the
/// redelivery count.
fn delivery_line(incoming: &Incoming) -> String {
    let s = &incoming.summary;
    let time = chrono::DateTime::parse_from_rfc3339(&s.received_at)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| s.received_at.clone());
    let event_type = escape_controls(s.event_type.as_deref().unwrap_or("(no type)"), false);
    let verification = match s.verification {
        Verification::Valid => format!("{GREEN}✓ valid{GREEN:#}   "),
        Verification::Invalid => format!("{RED}✗ invalid{RED:#} "),
        Verification::Unsigned => format!("{DIM}– unsigned{DIM:#}"),
    };
    let status_style = if is_accepted_status(s.status) {
        GREEN
    } else {
        RED
    };
    let tail = if incoming.redelivery {
        format!("{DIM}redelivery #{}{DIM:#}", s.redeliveries)
    } else {
        escape_controls(s.reason.as_deref().unwrap_or_default(), false)
    };
    format!(
        "{DIM}{time}{DIM:#}  {BOLD}{event_type:<TYPE_WIDTH$}{BOLD:#}  {verification}  {status_style}{}{status_style:#}  {tail}",
        s.status
    )
    .trim_end()
    .to_string()
}

/// The JSON shape of a delivery in `listen --output json`: the store's summary, and whether it
/// was a redelivery.
fn summary_json(summary: &DeliverySummary, redelivery: bool) -> Value {
    let mut value = serde_json::to_value(summary).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("redelivery".into(), Value::Bool(redelivery));
    }
    value
}

/// One JSON object per line: `{"delivery": …, "input_diagnostics": […]}` (the body against
/// Dodo's schema), plus `"run"` with `--transform` and `"send"` with `--forward` (null when
/// nothing ran or was sent).
fn print_json(
    incoming: &Incoming,
    record: Option<&RunRecord>,
    delivery: Option<&SendReport>,
    forwarding: bool,
) {
    let mut map = serde_json::Map::new();
    map.insert(
        "delivery".into(),
        summary_json(&incoming.summary, incoming.redelivery),
    );
    map.insert(
        "input_diagnostics".into(),
        serde_json::to_value(render::body_diagnostics(&incoming.body)).unwrap_or(Value::Null),
    );
    if let Some(record) = record {
        map.insert(
            "run".into(),
            serde_json::to_value(record).unwrap_or(Value::Null),
        );
        if forwarding {
            map.insert(
                "send".into(),
                delivery.map(SendReport::to_json).unwrap_or(Value::Null),
            );
        }
    }
    let mut out = super::output::stdout_json();
    let _ = serde_json::to_writer(&mut out, &Value::Object(map));
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}

fn println_flushed(text: &str) {
    let mut out = super::output::stdout_text();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn eprintln_flushed(text: &str) {
    let mut err = super::output::stderr_text();
    let _ = writeln!(err, "{text}");
    let _ = err.flush();
}

fn fell_behind(missed: u64) {
    render::warning_line(&format!(
        "{missed} deliveries arrived faster than they could be shown here; \
         `hookbench history list` has them all"
    ));
}

/// Cancels `stop` on SIGINT (ctrl-c) or SIGTERM. The handlers are installed before this
/// returns.
fn watch_signals(stop: CancellationToken) -> Result<(), Failure> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let cannot = |e: std::io::Error| Failure::input(format!("cannot watch for signals: {e}"));
        let mut interrupt = signal(SignalKind::interrupt()).map_err(cannot)?;
        let mut terminate = signal(SignalKind::terminate()).map_err(cannot)?;
        tokio::spawn(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            stop.cancel();
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    Ok(())
}
