//! Sending from the workbench: `s`/`S` build the calls, deliveries come back one by one, `x`
//! cancels and `D` switches where sends go.

use hookbench_core::segment::SendReport;
use hookbench_core::segment::keycheck::{KeyCheck, KeyStatus};
use hookbench_core::sending::{SendPlan, SendPolicy};
use hookbench_core::session::label_of;

use crate::model::app::{App, BottomTab, Confirm, Overlay};
use crate::model::message::{Effect, SendHistory, SendItem, SendJob};
use crate::model::sending::{DestinationChoice, Progress, SendEntry, SinkStatus, WaitingSend};
use crate::update::runs;

/// Deliveries kept for the session's list; older ones drop off.
const MAX_SENDS: usize = 1000;

/// What the workbench starts with: the sink when sends go there.
pub fn start(app: &mut App) -> Vec<Effect> {
    if app.send.choice == DestinationChoice::Sink && app.send.sink == SinkStatus::NotStarted {
        app.send.sink = SinkStatus::Starting;
        return vec![Effect::StartSink];
    }
    Vec::new()
}

/// `s` (one event) and `S` (every listed event, batched). Lint errors refuse a call, unless
/// `force` (asked for once in a dialog for a single event). Only current outputs go: a send
/// that needs a pending run waits for it.
pub fn send(app: &mut App, all: bool, force: bool) -> Vec<Effect> {
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
    send_keys(app, keys, all, force)
}

/// `S`: every listed event. To Segment it asks first (how many, where, which region): one key
/// must not send a whole list to a live workspace. The sink and a dry run go at once.
pub fn send_all(app: &mut App) -> Vec<Effect> {
    if app.send.choice != DestinationChoice::Segment {
        return send(app, true, false);
    }
    if let Err(why) = app.send.destination() {
        app.set_error(format!("cannot send: {why}"));
        return Vec::new();
    }
    let keys: Vec<String> = app
        .events
        .visible()
        .iter()
        .map(|&i| app.events.entries()[i].key.clone())
        .collect();
    if keys.is_empty() {
        app.set_error("nothing to send: no event is listed");
        return Vec::new();
    }
    app.overlay = Some(Overlay::Confirm(Confirm::SendAll(keys)));
    Vec::new()
}

/// The send-all question answered yes: the events listed when it was asked go.
pub fn send_confirmed(app: &mut App, keys: Vec<String>) -> Vec<Effect> {
    send_keys(app, keys, true, false)
}

/// A send that waited goes once none of its events is pending any more.
pub fn resume_waiting(app: &mut App) -> Vec<Effect> {
    let ready = app
        .send
        .waiting
        .as_ref()
        .is_some_and(|w| !w.keys.iter().any(|k| app.is_pending(k)));
    match app.send.waiting.take() {
        Some(waiting) if ready => send_keys(app, waiting.keys, waiting.all, waiting.force),
        other => {
            app.send.waiting = other;
            Vec::new()
        }
    }
}

/// Why one event cannot be sent whatever its runs: a body that is not valid JSON, or a
/// delivery the receiver rejected (it is not transformed).
fn refusal(app: &App, key: &str) -> Option<String> {
    let entry = app.events.entry(key)?;
    if !entry.runnable() {
        return Some(format!(
            "{key}: not sent: the receiver rejected this delivery, so it is not transformed \
             (m modifies its body to try it anyway)"
        ));
    }
    entry.invalid_body().map(|error| {
        format!("{key}: not sent: the body is not valid JSON ({error}); m fixes it, r resets it")
    })
}

/// Waits for the pending runs of `pending` before sending `keys`: runs waiting for the pause
/// after typing start now, and an event whose output is behind what is on screen is run.
fn wait(
    app: &mut App,
    keys: Vec<String>,
    all: bool,
    force: bool,
    pending: &[String],
) -> Vec<Effect> {
    let mut effects = runs::run_now(app);
    let unasked: Vec<String> = pending
        .iter()
        .filter(|k| app.is_pending(k) && !app.is_running(k))
        .cloned()
        .collect();
    if !unasked.is_empty() {
        effects.push(runs::run_keys(app, &unasked));
    }
    if all {
        app.set_status(format!(
            "waiting for {} run(s) to finish, then sending (x cancels)",
            pending.len()
        ));
    } else {
        let key = pending.first().map_or("", String::as_str);
        app.set_status(format!(
            "{key}: running…; sent once the run finishes (x cancels)"
        ));
    }
    app.send.waiting = Some(WaitingSend { keys, all, force });
    effects
}

fn send_keys(app: &mut App, keys: Vec<String>, all: bool, force: bool) -> Vec<Effect> {
    let destination = match app.send.destination() {
        Ok(d) => d,
        Err(why) => {
            app.send.waiting = None;
            app.set_error(format!("cannot send: {why}"));
            return Vec::new();
        }
    };
    if !all && let Some(why) = keys.first().and_then(|key| refusal(app, key)) {
        app.send.waiting = None;
        app.set_error(why);
        return Vec::new();
    }
    let pending: Vec<String> = keys.iter().filter(|k| app.is_pending(k)).cloned().collect();
    if !pending.is_empty() {
        return wait(app, keys, all, force, &pending);
    }
    app.send.waiting = None;
    let policy = SendPolicy { force };
    let mut items = Vec::new();
    let mut skipped = 0;
    let mut invalid_bodies = 0;
    for key in &keys {
        if app
            .events
            .entry(key)
            .is_some_and(|e| e.runnable() && e.invalid_body().is_some())
        {
            invalid_bodies += 1;
            continue;
        }
        let Some(result) = app.current_result(key) else {
            skipped += 1;
            continue;
        };
        let call = match SendPlan::of(&result.record, policy, &destination) {
            SendPlan::Send(call) => call,
            SendPlan::Refused(_) if !all => {
                if app.overlay.is_some() {
                    app.set_error(format!(
                        "{key}: not sent: its output has lint errors (s asks to send it anyway)"
                    ));
                } else {
                    app.overlay = Some(Overlay::Confirm(Confirm::ForceSend(key.clone())));
                }
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
        app.set_error(if all && invalid_bodies > 0 {
            "nothing to send: every listed event failed, was cancelled, has lint errors or a \
             body that is not valid JSON"
                .to_string()
        } else if all {
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
    let mut skips = Vec::new();
    if skipped > 0 {
        skips.push(format!(
            "{skipped} skipped: failed, cancelled or lint errors"
        ));
    }
    if invalid_bodies > 0 {
        skips.push(format!("{invalid_bodies} skipped: body not valid JSON"));
    }
    let note = if skips.is_empty() {
        String::new()
    } else {
        format!(" ({})", skips.join("; "))
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

/// One call of a send came back (answered, refused or failed).
pub fn answered(app: &mut App, id: u64, key: String, report: SendReport, at: String) {
    if let Some(progress) = app.send.in_flight.iter_mut().find(|p| p.id == id) {
        progress.done += 1;
    }
    let outcome = report.outcome;
    app.send.reports.push(SendEntry {
        send: id,
        key: key.clone(),
        at,
        report,
    });
    if app.send.reports.len() > MAX_SENDS {
        let extra = app.send.reports.len() - MAX_SENDS;
        app.send.reports.drain(..extra);
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
            .reports
            .iter()
            .rev()
            .take(progress.total)
            .filter(|d| d.send == id && d.report.outcome.is_failure())
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

/// `x`: stop sends that are waiting to retry, and a send waiting for its runs.
pub fn cancel(app: &mut App) -> Vec<Effect> {
    let was_waiting = app.send.waiting.take().is_some();
    if !app.send.is_sending() {
        app.set_status(if was_waiting {
            "send cancelled before its runs finished: nothing was sent"
        } else {
            "nothing is being sent"
        });
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

/// The local sink is up, or could not start.
pub fn on_sink_started(app: &mut App, result: Result<url::Url, String>) {
    app.send.sink = match result {
        Ok(url) => SinkStatus::Running(url),
        Err(e) => {
            app.set_error(format!("the local sink could not start: {e}"));
            SinkStatus::Failed(e)
        }
    };
}

/// The write-key check finished.
pub fn on_key_checked(app: &mut App, check: KeyCheck) {
    let text = format!(
        "write key {}: {}",
        app.send.key_label_plain(),
        check.message
    );
    if check.status == KeyStatus::Valid {
        app.set_status(text);
    } else {
        app.set_error(text);
    }
    app.send.key_check = Some(check);
}

/// The write key was saved to the config file, or why not.
pub fn on_key_saved(app: &mut App, result: Result<std::path::PathBuf, String>) {
    match result {
        Ok(path) => app.set_status(format!(
            "write key saved to {} (readable by you only)",
            path.display()
        )),
        Err(e) => app.set_error(format!("write key not saved: {e}")),
    }
}
