//! Receiving in the workbench: deliveries arriving live at the top of the events list, and older
//! ones paged in from the history store.

use hookbench_core::store::DeliverySummary;

use crate::model::app::App;
use crate::model::events_list::{EventEntry, incoming_key};
use crate::model::listener::ListenerStatus;
use crate::model::message::{Effect, StoredHeaders};
use crate::update::runs::run_keys;

/// Deliveries read from the store per page.
pub const PAGE: usize = 100;
/// Received deliveries kept in memory; older ones stay in the store.
pub const KEEP_IN_MEMORY: usize = 500;
/// How many rows before the end of the listed deliveries the next page is read.
const READ_AHEAD: i64 = 20;

/// `L`: start or stop the listener.
pub fn toggle(app: &mut App) -> Vec<Effect> {
    match app.listener.status {
        ListenerStatus::Off | ListenerStatus::Failed(_) => start(app),
        ListenerStatus::Starting | ListenerStatus::Listening(_) => {
            app.listener.status = ListenerStatus::Off;
            app.set_status("listener stopped; received deliveries stay in the list and in history");
            vec![Effect::StopListener]
        }
    }
}

pub fn start(app: &mut App) -> Vec<Effect> {
    app.listener.status = ListenerStatus::Starting;
    app.listener.received = 0;
    vec![Effect::StartListener {
        addr: app.listener.addr.clone(),
    }]
}

/// The listener is up: show what the store already holds.
pub fn started(app: &mut App, result: Result<url::Url, String>) -> Vec<Effect> {
    match result {
        Ok(url) => {
            app.set_status(format!(
                "listening on {url} — point Dodo (or `hookbench trigger`) at it"
            ));
            app.listener.status = ListenerStatus::Listening(url);
            app.listener.loading = true;
            vec![Effect::LoadDeliveries {
                before: None,
                limit: PAGE,
            }]
        }
        Err(e) => {
            app.set_error(format!("cannot listen on {}: {e}", app.listener.addr));
            app.listener.status = ListenerStatus::Failed(e);
            Vec::new()
        }
    }
}

/// A delivery arrived: listed at the top (or updated, for a redelivery) and, when accepted,
/// run through the transformation.
pub fn received(
    app: &mut App,
    summary: DeliverySummary,
    body: Vec<u8>,
    redelivery: bool,
) -> Vec<Effect> {
    app.listener.received += 1;
    let key = incoming_key(summary.id);
    let accepted = summary.accepted();
    let what = summary
        .event_type
        .clone()
        .unwrap_or_else(|| "a delivery".into());
    if redelivery {
        app.set_status(format!(
            "{what}: redelivery #{} of {key} (not stored twice)",
            summary.redeliveries
        ));
    } else if accepted {
        app.set_status(format!("received {what} ({key})"));
    } else {
        app.set_error(format!(
            "rejected {what} with {}: {}",
            summary.status,
            summary.reason.as_deref().unwrap_or("")
        ));
    }
    let entry = EventEntry::from_delivery(&summary, &body);
    let added = add(app, vec![entry]);
    app.events.mark_new(&added);
    if app.events.selected_entry().is_none() {
        app.events.select_key(&key);
    }
    if accepted && !added.is_empty() {
        return vec![run_keys(app, &added)];
    }
    Vec::new()
}

/// Adds entries through the memory window, forgetting the results of entries it let go.
fn add(app: &mut App, entries: Vec<EventEntry>) -> Vec<String> {
    let added = app.events.add_incoming(entries, KEEP_IN_MEMORY);
    if added.dropped_newer {
        app.listener.newer_in_store = true;
    }
    if added.dropped_older {
        app.listener.more_in_store = true;
    }
    if added.dropped_newer || added.dropped_older {
        let events = &app.events;
        app.results
            .retain(|key, _| !key.starts_with('#') || events.entry(key).is_some());
        app.latest_job
            .retain(|key| !key.starts_with('#') || events.entry(key).is_some());
        app.run_bases
            .retain(|key, _| !key.starts_with('#') || events.entry(key).is_some());
    }
    added.keys
}

/// A page of stored deliveries, newest first.
pub fn loaded(
    app: &mut App,
    result: Result<Vec<(DeliverySummary, Vec<u8>)>, String>,
) -> Vec<Effect> {
    app.listener.loading = false;
    let deliveries = match result {
        Ok(d) => d,
        Err(e) => {
            app.set_error(format!("cannot read history: {e}"));
            app.listener.more_in_store = false;
            return Vec::new();
        }
    };
    let newest_before = app.events.newest_incoming();
    let entries: Vec<EventEntry> = deliveries
        .iter()
        .map(|(summary, body)| EventEntry::from_delivery(summary, body))
        .collect();
    let full_page = entries.len() >= PAGE;
    // A page of newer deliveries (paging back up) says nothing about older ones.
    let newer_page = newest_before.is_some_and(|n| deliveries.iter().any(|(s, _)| s.id > n));
    if newer_page {
        app.listener.newer_in_store = full_page;
    } else {
        app.listener.more_in_store = full_page;
    }
    let added = add(app, entries);
    let runnable: Vec<String> = added
        .into_iter()
        .filter(|k| app.events.entry(k).is_some_and(EventEntry::runnable))
        .collect();
    if runnable.is_empty() {
        Vec::new()
    } else {
        vec![run_keys(app, &runnable)]
    }
}

/// When the selection reaches the oldest delivery listed, the next older page is read; when it
/// reaches the newest listed while newer ones were let go, the next newer page.
pub fn page_if_at_end(app: &mut App) -> Vec<Effect> {
    if app.listener.loading {
        return Vec::new();
    }
    let Some(selected) = app
        .events
        .selected_entry()
        .and_then(|e| e.incoming.as_ref())
        .map(|i| i.id)
    else {
        return Vec::new();
    };
    // Read ahead: a page is asked for a few rows before the end, so holding a key does not run
    // past the deliveries into the fixtures before the page arrives.
    let (Some(oldest), Some(newest)) = (app.events.oldest_incoming(), app.events.newest_incoming())
    else {
        return Vec::new();
    };
    let before = if app.listener.more_in_store && selected <= oldest + READ_AHEAD {
        oldest
    } else if app.listener.newer_in_store && selected >= newest - READ_AHEAD {
        // Ids grow by one per delivery: the page just above the newest listed.
        newest.saturating_add(PAGE as i64 + 1)
    } else {
        return Vec::new();
    };
    app.listener.loading = true;
    vec![Effect::LoadDeliveries {
        before: Some(before),
        limit: PAGE,
    }]
}

/// Received deliveries' headers were read from history (or could not be).
pub fn headers_read(app: &mut App, read: Vec<(i64, StoredHeaders)>) {
    for (id, result) in read {
        if let Some(info) = app
            .events
            .entry_mut(&incoming_key(id))
            .and_then(|e| e.incoming.as_mut())
        {
            info.headers = Some(result);
        }
    }
}
