//! `update(&mut App, Message) -> Vec<Effect>`: the only place the app's state changes. No I/O
//! here: what needs the outside world is returned as effects. One file per concern: runs, keys
//! in the panes, keys in the overlays, scrolling (and the mouse), files, sending, receiving.

// Private: the only way into the state from outside is `update`.
mod files;
mod incoming;
mod keys;
mod layout;
mod mapping;
mod messages;
mod mouse;
mod overlays;
mod runs;
mod scroll;
mod search;
mod sending;

use crate::model::app::App;
use crate::model::message::{Effect, Message};

pub use runs::EDIT_DEBOUNCE;

/// Applies one message to the app and returns what the outside world must do for it. A send
/// that waits for runs goes after the message that ends its wait (a run coming in, most often).
pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    let mut effects = dispatch(app, message);
    effects.extend(sending::resume_waiting(app));
    // Whatever the message changed, the next frame finds the findings lists laid out.
    scroll::keep_findings_layouts(app, &scroll::areas(app));
    effects
}

fn dispatch(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        Message::Started { listen } => started(app, listen),
        Message::Key(key) => keys::on_key(app, key),
        Message::Mouse(mouse) => scroll::on_mouse(app, mouse),
        Message::Paste(text) => keys::on_paste(app, &text),
        Message::Resize(width, height) => {
            scroll::resized(app, width, height);
            Vec::new()
        }
        Message::RunDone { job, key, record } => {
            runs::on_run_done(app, job, key, *record);
            Vec::new()
        }
        Message::EditSettled { generation } => runs::on_settled(app, generation),
        Message::ExternalEditDone { target, result } => {
            files::on_external_edit(app, target, result)
        }
        Message::FileChanged { path, contents } => files::on_file_changed(app, &path, contents),
        Message::Saved { result, text } => files::on_saved(app, result, text),
        Message::TransformsListed(entries) => {
            files::on_transforms_listed(app, entries);
            Vec::new()
        }
        Message::TransformLoaded(result) => files::on_transform_loaded(app, result),
        Message::SinkStarted(result) => {
            sending::on_sink_started(app, result);
            Vec::new()
        }
        Message::SendAnswered {
            id,
            key,
            report,
            at,
        } => {
            sending::answered(app, id, key, *report, at);
            Vec::new()
        }
        Message::KeyChecked(check) => {
            sending::on_key_checked(app, *check);
            Vec::new()
        }
        Message::KeySaved(result) => {
            sending::on_key_saved(app, result);
            Vec::new()
        }
        Message::ListenerStarted(result) => incoming::started(app, result),
        Message::Received {
            summary,
            body,
            redelivery,
        } => {
            let effects = incoming::received(app, *summary, body, redelivery);
            scroll::settle_view(app);
            effects
        }
        Message::DeliveriesLoaded(result) => {
            let effects = incoming::loaded(app, result);
            scroll::settle_view(app);
            effects
        }
        Message::Terminate => files::on_terminate(app),
        Message::SendRetrying { id, notice, at } => {
            sending::retrying(app, id, notice, at);
            Vec::new()
        }
        Message::DeliveryHeaders(read) => {
            incoming::headers_read(app, read);
            scroll::settle_view(app);
            Vec::new()
        }
    }
}

/// The first message: run every event, start the sink when sends go there, watch the
/// transformation's file and, when asked, start the listener; then settle the view for the first
/// frame.
fn started(app: &mut App, listen: bool) -> Vec<Effect> {
    if let Some(first) = app.skipped_fixtures.first() {
        let more = match app.skipped_fixtures.len() {
            1 => String::new(),
            n => format!(" (+{} more not loaded)", n - 1),
        };
        app.set_error(format!("{}{more}", first.message));
    }
    let mut effects = vec![runs::run_all(app)];
    effects.extend(sending::start(app));
    if let Some(path) = app.transform.path() {
        effects.push(Effect::Watch(Some(path.clone())));
    }
    if listen {
        effects.extend(incoming::start(app));
    }
    scroll::settle_view(app);
    effects
}

#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod mapping_tests;
#[cfg(test)]
mod reading_tests;
#[cfg(test)]
mod safety_tests;
#[cfg(test)]
mod sends_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod findable_tests;
