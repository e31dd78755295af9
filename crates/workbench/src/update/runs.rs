//! Runs: the transformation over every event or some, results coming back (stale ones dropped)
//! and the pause after typing before the next run.

use std::time::Duration;

use hookbench_core::pipeline::RunRecord;
use hookbench_core::segment::lint::{
    DUPLICATE_MESSAGE_ID, MessageIds, UNCHANGED_MESSAGE_ID, unchanged_by_modification,
};
use hookbench_core::transform::scan_compat;

use crate::model::app::{App, EventResult, RunBasis};
use crate::model::message::{Effect, RunItem, RunJob};
use crate::model::output::OutputView;
use crate::update::scroll::settle_view;

/// The pause after the last keystroke before the transformation runs again.
pub const EDIT_DEBOUNCE: Duration = Duration::from_millis(200);

/// Runs the transformation on every event, the selected one first.
pub fn run_all(app: &mut App) -> Effect {
    let mut keys: Vec<String> = app.events.entries().iter().map(|e| e.key.clone()).collect();
    if let Some(selected) = app.selected().map(|e| e.key.clone())
        && let Some(at) = keys.iter().position(|k| *k == selected)
    {
        let first = keys.remove(at);
        keys.insert(0, first);
    }
    run_keys(app, &keys)
}

/// Runs the transformation on some events. Bodies that are not JSON are left out: the Webhook
/// pane shows why.
pub fn run_keys(app: &mut App, keys: &[String]) -> Effect {
    let job = app.next_job;
    app.next_job += 1;
    app.transform.note_saved_revision();
    let mut items = Vec::with_capacity(keys.len());
    for key in keys {
        let Some(entry) = app.events.entry(key).filter(|e| e.runnable()) else {
            continue;
        };
        let Some(parsed) = entry.view.parsed.clone() else {
            continue;
        };
        let body = entry.body().to_string();
        let basis = RunBasis {
            revision: app.transform.revision,
            body: entry.view.body_key,
        };
        app.latest_job.ask(key, job);
        app.run_bases.insert(key.clone(), basis);
        items.push(RunItem {
            key: key.clone(),
            body,
            parsed: Some(std::sync::Arc::new(parsed)),
        });
    }
    Effect::Run(RunJob {
        job,
        name: app.transform.source.name.clone(),
        source: app.transform.text(),
        settings: app.settings.clone(),
        items,
        latest: app.latest_job.clone(),
    })
}

/// A run finished: its result replaces the event's unless a newer run was asked.
pub(super) fn on_run_done(app: &mut App, job: u64, key: String, record: RunRecord) {
    if !app.latest_job.is_current(&key, job) {
        return; // A newer run of this event was asked for: this one is stale.
    }
    let Some(basis) = app.run_bases.get(&key).copied() else {
        return; // Forgotten with its event (the memory window let it go).
    };
    let output = record.webhook.as_ref().map(OutputView::of);
    // Only the selected event's result changes what the panes show (the list's marks need no
    // measuring); with every event re-run at once, measuring after each would be most of the work.
    let shown = app.selected().is_some_and(|e| e.key == key);
    let old = app.results.remove(&key);
    // The saved version's output on this body: this one when the run was of the saved text,
    // else the one kept, while the body is the same.
    let saved = if app.transform.saved_revision == Some(basis.revision) {
        output.clone()
    } else {
        old.as_ref()
            .filter(|old| old.basis.body == basis.body)
            .and_then(|old| old.saved.clone())
    };
    let previous = match old {
        Some(old) if old.output != output && old.output.is_some() => old.output,
        Some(old) => old.previous,
        None => None,
    };
    app.results.insert(
        key,
        EventResult {
            job,
            basis,
            record,
            output,
            previous,
            saved,
        },
    );
    let keys: Vec<&str> = app
        .events
        .entries()
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    let all_in = !keys.iter().any(|k| app.is_pending(k));
    if all_in {
        recheck_message_ids(app);
    }
    if shown || all_in {
        settle_view(app);
    }
}

/// Segment keeps one call per `messageId`. Over the session's current outputs, in list order,
/// a later event that reuses an earlier one's id is warned, and so is a modified body whose call
/// keeps the original's id. Checked afresh once every pending run is in, so an event re-run is
/// never taken for a duplicate of itself.
fn recheck_message_ids(app: &mut App) {
    let mut ids = MessageIds::new();
    for entry in app.events.entries() {
        app.results.change(&entry.key, |result| {
            result
                .record
                .diagnostics
                .retain(|d| d.code != DUPLICATE_MESSAGE_ID && d.code != UNCHANGED_MESSAGE_ID);
            result.record.check_message_ids(&mut ids, &entry.key);
            if entry.modified.is_some()
                && let (Some(webhook), Some(previous)) = (&result.record.webhook, &result.previous)
                && let Ok(original) = serde_json::from_str::<serde_json::Value>(&previous.text)
                && let Some(warning) = unchanged_by_modification(&original, &webhook.payload)
            {
                result.record.diagnostics.push(warning);
                result.record.diagnostics.sort_by_key(|d| d.severity);
            }
        });
    }
}

pub(super) fn on_settled(app: &mut App, generation: u64) -> Vec<Effect> {
    if generation != app.edit_generation {
        return Vec::new();
    }
    run_pending(app)
}

/// Asks now for the runs waiting for the pause after typing, and makes the pause, when it
/// ends, ask for nothing more.
pub(super) fn run_now(app: &mut App) -> Vec<Effect> {
    if !app.rerun_all_pending && app.rerun_keys_pending.is_empty() {
        return Vec::new();
    }
    app.edit_generation += 1;
    run_pending(app)
}

fn run_pending(app: &mut App) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Some((key, editor)) = &app.body_editor {
        let (key, text) = (key.clone(), editor.text());
        if let Some(entry) = app.events.entry_mut(&key) {
            entry.set_modified(Some(text));
        }
    }
    if app.rerun_all_pending {
        app.rerun_all_pending = false;
        app.rerun_keys_pending.clear();
        app.transform.compat = scan_compat(&app.transform.text());
        effects.push(run_all(app));
    } else if !app.rerun_keys_pending.is_empty() {
        let keys = std::mem::take(&mut app.rerun_keys_pending);
        effects.push(run_keys(app, &keys));
    }
    effects
}

pub(super) fn debounce(app: &mut App) -> Effect {
    app.edit_generation += 1;
    Effect::Debounce {
        generation: app.edit_generation,
        delay: EDIT_DEBOUNCE,
    }
}
