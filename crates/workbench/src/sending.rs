//! Sending from the workbench: where sends go, the write key (only ever held here, shown
//! masked), sends in flight and the deliveries of the session; and the update logic for them.

use std::path::PathBuf;

use hookbench_core::segment::keycheck::{KeyCheck, KeyStatus};
use hookbench_core::segment::{Destination, Outcome, Region, SendReport, WriteKey};
use hookbench_core::sending::{SendPlan, SendPolicy};
use hookbench_core::session::{DEFAULT_RETRIES, label_of};

use super::app::{App, BottomTab, Confirm, Overlay};
use super::message::{Effect, SendHistory, SendItem, SendJob};

/// Deliveries kept for the session's list; older ones drop off.
const MAX_DELIVERIES: usize = 1000;

/// Where sends go, as the user picks it (`D` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestinationChoice {
    DryRun,
    Sink,
    Segment,
}

impl DestinationChoice {
    fn next(self) -> DestinationChoice {
        match self {
            DestinationChoice::DryRun => DestinationChoice::Sink,
            DestinationChoice::Sink => DestinationChoice::Segment,
            DestinationChoice::Segment => DestinationChoice::DryRun,
        }
    }
}

/// The in-process sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkStatus {
    NotStarted,
    Starting,
    Running(url::Url),
    Failed(String),
}

/// A send's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub id: u64,
    pub total: usize,
    pub done: usize,
}

/// One delivery of the session.
#[derive(Debug, Clone)]
pub struct DeliveryEntry {
    pub send: u64,
    /// The event it was made from.
    pub key: String,
    /// Local time, `HH:MM:SS`.
    pub at: String,
    pub delivery: SendReport,
}

/// Everything about sending.
#[derive(Debug, Clone)]
pub struct SendState {
    pub choice: DestinationChoice,
    pub region: Region,
    /// The configured Segment-compatible endpoint, used for "Segment" when set.
    pub endpoint: Option<url::Url>,
    pub write_key: Option<WriteKey>,
    pub key_check: Option<KeyCheck>,
    pub sink: SinkStatus,
    /// Newest last.
    pub deliveries: Vec<DeliveryEntry>,
    pub in_flight: Vec<Progress>,
    pub next_send: u64,
    /// Retries of a call after its first attempt.
    pub retries: u32,
    /// Where `K`'s "save" writes the key.
    pub config_path: Option<PathBuf>,
}

impl SendState {
    /// Sends go to Segment when a key is set, else to the local sink.
    pub fn new(
        write_key: Option<WriteKey>,
        region: Region,
        endpoint: Option<url::Url>,
        config_path: Option<PathBuf>,
    ) -> SendState {
        SendState {
            choice: if write_key.is_some() {
                DestinationChoice::Segment
            } else {
                DestinationChoice::Sink
            },
            region,
            endpoint,
            write_key,
            key_check: None,
            sink: SinkStatus::NotStarted,
            deliveries: Vec::new(),
            in_flight: Vec::new(),
            next_send: 1,
            retries: DEFAULT_RETRIES,
            config_path,
        }
    }

    /// The destination sends go to now; None while it cannot take them (the sink is not up, or
    /// Segment has no key), with the reason.
    pub fn destination(&self) -> Result<Destination, String> {
        match self.choice {
            DestinationChoice::DryRun => Ok(Destination::DryRun),
            DestinationChoice::Sink => match &self.sink {
                SinkStatus::Running(url) => Ok(Destination::Sink(url.clone())),
                SinkStatus::Failed(e) => Err(format!("the local sink could not start: {e}")),
                _ => Err("the local sink is starting".to_string()),
            },
            DestinationChoice::Segment => {
                if self.write_key.is_none() {
                    return Err("no write key: K sets one (or set SEGMENT_WRITE_KEY)".to_string());
                }
                Ok(match &self.endpoint {
                    Some(base) => Destination::Endpoint(base.clone()),
                    None => Destination::Segment(self.region),
                })
            }
        }
    }

    /// What the status bar says about where sends go.
    pub fn label(&self) -> String {
        match self.choice {
            DestinationChoice::DryRun => "dry-run (nothing is sent)".to_string(),
            DestinationChoice::Sink => match &self.sink {
                SinkStatus::Running(url) => format!(
                    "local sink {} — does not reach Segment",
                    url.as_str().trim_end_matches('/')
                ),
                SinkStatus::Failed(_) => "local sink (failed to start)".to_string(),
                _ => "local sink (starting)".to_string(),
            },
            DestinationChoice::Segment => match &self.endpoint {
                Some(base) => format!("endpoint {}", base.as_str().trim_end_matches('/')),
                None => Destination::Segment(self.region).label(),
            },
        }
    }

    /// The destination in a few words, for the status bar.
    pub fn short_label(&self) -> String {
        let host_port = |url: &url::Url| {
            let host = url.host_str().unwrap_or_default();
            match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            }
        };
        match self.choice {
            DestinationChoice::DryRun => "dry-run".to_string(),
            DestinationChoice::Sink => match &self.sink {
                SinkStatus::Running(url) => format!("sink {} (not Segment)", host_port(url)),
                SinkStatus::Failed(_) => "sink failed".to_string(),
                _ => "sink starting".to_string(),
            },
            DestinationChoice::Segment => match &self.endpoint {
                Some(base) => format!("endpoint {}", host_port(base)),
                None => Destination::Segment(self.region).label(),
            },
        }
    }

    /// The key as the status bar shows it: masked, with the check's verdict.
    pub fn key_label(&self) -> String {
        match &self.write_key {
            None => "no write key".to_string(),
            Some(key) => {
                let mark = match self.key_check.as_ref().map(|c| c.status) {
                    Some(KeyStatus::Valid) => " ✓",
                    Some(KeyStatus::Unknown) => " ✗ unknown",
                    Some(KeyStatus::Unverifiable) => " ? unverified",
                    None => " (unchecked)",
                };
                format!("key {}{mark}", key.masked())
            }
        }
    }

    /// The key masked, without the check's verdict.
    pub fn key_label_plain(&self) -> String {
        self.write_key
            .as_ref()
            .map_or_else(|| "(none)".to_string(), WriteKey::masked)
    }

    /// The newest delivery of an event.
    pub fn last_delivery(&self, key: &str) -> Option<&DeliveryEntry> {
        self.deliveries.iter().rev().find(|d| d.key == key)
    }

    pub fn is_sending(&self) -> bool {
        !self.in_flight.is_empty()
    }
}

/// What the workbench starts with: the sink when sends go there.
pub fn start(app: &mut App) -> Vec<Effect> {
    if app.send.choice == DestinationChoice::Sink && app.send.sink == SinkStatus::NotStarted {
        app.send.sink = SinkStatus::Starting;
        return vec![Effect::StartSink];
    }
    Vec::new()
}

/// `s` (one event) and `S` (every listed event, batched). Lint errors refuse a call, unless
/// `force` (asked for once in a dialog for a single event).
pub fn send(app: &mut App, all: bool, force: bool) -> Vec<Effect> {
    let destination = match app.send.destination() {
        Ok(d) => d,
        Err(why) => {
            app.set_error(format!("cannot send: {why}"));
            return Vec::new();
        }
    };
    let keys: Vec<String> = if all {
        let visible = app.events.visible();
        visible
            .iter()
            .map(|&i| app.events.entries()[i].key.clone())
            .collect()
    } else {
        app.selected()
            .map(|e| vec![e.key.clone()])
            .unwrap_or_default()
    };
    let policy = SendPolicy { force };
    let mut items = Vec::new();
    let mut skipped = 0;
    for key in &keys {
        let Some(result) = app.results.get(key) else {
            skipped += 1;
            continue;
        };
        let call = match SendPlan::of(&result.record, policy, &destination) {
            SendPlan::Send(call) => call,
            SendPlan::Refused(_) if !all => {
                app.overlay = Some(Overlay::Confirm(Confirm::ForceSend(key.clone())));
                return Vec::new();
            }
            SendPlan::TransformFailed | SendPlan::Cancelled | SendPlan::Refused(_) => {
                skipped += 1;
                continue;
            }
        };
        let history = app
            .events
            .entry(key)
            .and_then(|e| e.incoming.as_ref())
            .map(|info| SendHistory {
                delivery_id: info.id,
                transform: label_of(&app.transform.source.name, &app.transform.source.origin),
                record: Box::new(result.record.clone()),
            });
        items.push(SendItem {
            key: key.clone(),
            call,
            history,
        });
    }
    if items.is_empty() {
        app.set_error(if all {
            "nothing to send: every listed event failed, was cancelled or has lint errors"
                .to_string()
        } else {
            "nothing to send: the transformation failed on this event or cancelled it".to_string()
        });
        return Vec::new();
    }
    let id = app.send.next_send;
    app.send.next_send += 1;
    app.send.in_flight.push(Progress {
        id,
        total: items.len(),
        done: 0,
    });
    let count = items.len();
    let note = if skipped > 0 {
        format!(" ({skipped} skipped: failed, cancelled or lint errors)")
    } else {
        String::new()
    };
    app.set_status(format!(
        "sending {count} call(s) to {}{note}",
        app.send.label()
    ));
    app.bottom = BottomTab::Response;
    vec![Effect::Send(SendJob {
        id,
        destination,
        write_key: app.send.write_key.clone(),
        retries: app.send.retries,
        batch: all,
        items,
    })]
}

/// One call's delivery came back.
pub fn delivered(app: &mut App, id: u64, key: String, delivery: SendReport, at: String) {
    if let Some(progress) = app.send.in_flight.iter_mut().find(|p| p.id == id) {
        progress.done += 1;
    }
    let outcome = delivery.outcome;
    app.send.deliveries.push(DeliveryEntry {
        send: id,
        key: key.clone(),
        at,
        delivery,
    });
    if app.send.deliveries.len() > MAX_DELIVERIES {
        let extra = app.send.deliveries.len() - MAX_DELIVERIES;
        app.send.deliveries.drain(..extra);
    }
    let finished = app
        .send
        .in_flight
        .iter()
        .position(|p| p.id == id && p.done >= p.total);
    if let Some(at) = finished {
        let progress = app.send.in_flight.remove(at);
        let failures = app
            .send
            .deliveries
            .iter()
            .rev()
            .take(progress.total)
            .filter(|d| d.send == id && d.delivery.outcome.is_failure())
            .count();
        if failures > 0 {
            app.set_error(format!(
                "sent {}: {failures} not delivered (see Deliveries, ])",
                progress.total
            ));
        } else if progress.total == 1 {
            app.set_status(format!("{key}: {}", outcome.as_str()));
        } else {
            app.set_status(format!("sent {} call(s)", progress.total));
        }
    }
}

/// `x`: stop sends that are waiting to retry.
pub fn cancel(app: &mut App) -> Vec<Effect> {
    if !app.send.is_sending() {
        app.set_status("nothing is being sent");
        return Vec::new();
    }
    app.set_status("cancelling sends…");
    vec![Effect::CancelSends]
}

/// `D`: the next destination; starts the sink on first use.
pub fn switch_destination(app: &mut App) -> Vec<Effect> {
    app.send.choice = app.send.choice.next();
    let effects = start(app);
    if app.send.choice == DestinationChoice::Segment && app.send.write_key.is_none() {
        app.set_error("sends now go to Segment, but no write key is set: K sets one");
    } else {
        app.set_status(format!("sends go to {}", app.send.label()));
    }
    effects
}

/// The label a delivery's outcome gets in lists.
pub fn outcome_mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Delivered => "✓",
        Outcome::DryRun => "→",
        Outcome::Cancelled => "⊘",
        Outcome::Rejected | Outcome::Failed | Outcome::Refused => "✗",
    }
}
