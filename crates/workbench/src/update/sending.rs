//! Sending from the workbench: `s`/`S` build the calls, deliveries come back one by one, `x`
//! cancels and `D` switches where sends go.

use hookbench_core::segment::SendReport;
use hookbench_core::segment::keycheck::{KeyCheck, KeyStatus};
use hookbench_core::sending::{SendPlan, SendPolicy};
use hookbench_core::session::label_of;

use hookbench_core::segment::client::RetryNotice;

use crate::model::app::{App, BottomTab, Confirm, Overlay, Pane};
use crate::model::message::{Effect, SendHistory, SendItem, SendJob};
use crate::model::sending::{
    DestinationChoice, Progress, RetryState, SendEntry, SinkStatus, Skipped, WaitingSend,
    in_flight_line_count, shown,
};
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
    let mut skipped = Skipped::default();
    for key in &keys {
        let Some(entry) = app.events.entry(key) else {
            skipped.not_run += 1;
            continue;
        };
        if !entry.runnable() {
            skipped.rejected += 1;
            continue;
        }
        if entry.invalid_body().is_some() {
            skipped.invalid_body += 1;
            continue;
        }
        let Some(result) = app.current_result(key) else {
            skipped.not_run += 1;
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
            SendPlan::TransformFailed => {
                skipped.failed += 1;
                continue;
            }
            SendPlan::Cancelled => {
                skipped.cancelled += 1;
                continue;
            }
            SendPlan::Refused(_) => {
                skipped.lint_errors += 1;
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
            match skipped.label() {
                Some(label) => format!("nothing to send: {label}"),
                None => "nothing to send: no event is listed".to_string(),
            }
        } else {
            "nothing to send: the transformation failed on this event or cancelled it".to_string()
        });
        return Vec::new();
    }
    let id = app.send.next_send;
    app.send.next_send += 1;
    let count = items.len();
    let note = skipped
        .label()
        .map(|label| format!(" · {label}"))
        .unwrap_or_default();
    app.send.in_flight.push(Progress {
        id,
        total: count,
        done: 0,
        skipped,
        retry: None,
    });
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
        progress.retry = None;
    }
    let outcome = report.outcome;
    let reason = report.message.as_deref().map(shown);
    app.send.reports.push(SendEntry {
        send: id,
        key: key.clone(),
        at,
        report,
    });
    // The Sends tab keeps the send it shows: a newer row comes in above it. At the newest row
    // and with nothing open, the selection follows the newest.
    if app.send.open || app.send.cursor > 0 {
        app.send.cursor += 1;
    }
    if app.send.reports.len() > MAX_SENDS {
        let extra = app.send.reports.len() - MAX_SENDS;
        app.send.reports.drain(..extra);
    }
    if app.send.cursor >= app.send.reports.len() {
        app.send.cursor = app.send.reports.len().saturating_sub(1);
    }
    let finished = app
        .send
        .in_flight
        .iter()
        .position(|p| p.id == id && p.done >= p.total);
    if let Some(at) = finished {
        let progress = app.send.in_flight.remove(at);
        let failures: Vec<&SendEntry> = app
            .send
            .reports
            .iter()
            .rev()
            .take(progress.total)
            .filter(|d| d.send == id && d.report.outcome.is_failure())
            .collect();
        let skipped = progress
            .skipped
            .label()
            .map(|label| format!(" · {label}"))
            .unwrap_or_default();
        if progress.total == 1 && progress.skipped.total() == 0 {
            let text = match reason {
                Some(why) if outcome.is_failure() => format!("{key}: {}: {why}", outcome.as_str()),
                _ => format!("{key}: {}", outcome.as_str()),
            };
            if outcome.is_failure() {
                app.set_error(text);
            } else {
                app.set_status(text);
            }
        } else if let Some(first) = failures.last() {
            let why = first
                .report
                .message
                .as_deref()
                .map(|m| format!(" ({}: {})", first.key, shown(m)))
                .unwrap_or_default();
            app.set_error(format!(
                "sent {}: {} not delivered{why}{skipped} · the Sends tab (]) has each",
                progress.total,
                failures.len()
            ));
        } else {
            app.set_status(format!("sent {}{skipped}", progress.total));
        }
    }
}

/// The client will try a call of send `id` again: what went wrong and when the next attempt
/// goes, until the call is answered.
pub fn retrying(app: &mut App, id: u64, notice: RetryNotice, at: String) {
    let Some(progress) = app.send.in_flight.iter_mut().find(|p| p.id == id) else {
        return;
    };
    let wait_secs = notice.wait.as_millis().div_ceil(1000);
    progress.retry = Some(RetryState {
        attempt: notice.attempt,
        attempts: notice.attempts,
        reason: shown(&notice.reason),
        wait_secs: u64::try_from(wait_secs).unwrap_or(u64::MAX),
        at,
    });
}

/// j/k on the Sends tab: the next or previous send (0 is the newest); in an open send, scrolls.
pub fn move_cursor(app: &mut App, delta: isize) {
    if app.send.open {
        app.bottom_scroll = app.bottom_scroll.saturating_add_signed(delta);
        return;
    }
    let last = app.send.reports.len().saturating_sub(1);
    app.send.cursor = app.send.cursor.saturating_add_signed(delta).min(last);
    // Keep the selected row in view: it comes after the sends in flight.
    let row = in_flight_line_count(&app.send) + app.send.cursor;
    let height = crate::update::scroll::areas(app)
        .inner_height(Pane::Logs)
        .max(1);
    if row < app.bottom_scroll {
        app.bottom_scroll = row;
    } else if row >= app.bottom_scroll + height {
        app.bottom_scroll = row + 1 - height;
    }
}

/// Enter on the Sends tab: the selected send's request and answer in full.
pub fn open(app: &mut App) {
    if app.send.selected_report().is_none() {
        app.set_status("no sends yet: s sends the selected event, S every listed one");
        return;
    }
    app.send.open = true;
    app.bottom_scroll = 0;
}

/// Esc on an open send: back to the list, on the same row.
pub fn close(app: &mut App) {
    app.send.open = false;
    app.bottom_scroll = 0;
    move_cursor(app, 0);
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
