//! `update(&mut App, Message) -> Vec<Effect>`: the only place the app's state changes. No I/O
//! here: what needs the outside world is returned as effects.

use std::time::Duration;

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use hookbench_core::transform::presets::{TransformOrigin, TransformSource};
use hookbench_core::transform::scan_compat;

use hookbench_core::segment::WriteKey;
use hookbench_core::segment::curl::curl_command;
use hookbench_core::segment::keycheck::KeyStatus;
use hookbench_core::text::{escape_bytes, human_bytes};

use super::app::{
    App, BottomTab, Confirm, EventResult, KeyDialog, Mode, Overlay, Pane, Picker, TransformState,
};
use super::editor::{EditOutcome, Editor};
use super::incoming;
use super::keymap::{Action, Scope};
use super::layout::{self, Areas};
use super::measure;
use super::message::{EditTarget, Effect, Message, Recovery, RunItem, RunJob};
use super::output::OutputView;
use super::sending::{self, SinkStatus};

/// The pause after the last keystroke before the transformation runs again.
pub const EDIT_DEBOUNCE: Duration = Duration::from_millis(200);

/// What the runtime does first: run every event and watch the transformation's file.
pub fn start(app: &mut App) -> Vec<Effect> {
    let mut effects = vec![run_all(app)];
    effects.extend(sending::start(app));
    if let Some(path) = app.transform.path() {
        effects.push(Effect::Watch(Some(path.clone())));
    }
    effects
}

pub fn update(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        Message::Key(key) => on_key(app, key),
        Message::Mouse(mouse) => on_mouse(app, mouse),
        Message::Paste(text) => on_paste(app, &text),
        Message::Resize(width, height) => {
            app.size = (width, height);
            settle_view(app);
            Vec::new()
        }
        Message::RunDone { job, key, record } => {
            on_run_done(app, job, key, *record);
            Vec::new()
        }
        Message::EditSettled { generation } => on_settled(app, generation),
        Message::ExternalEditDone { target, result } => on_external_edit(app, target, result),
        Message::FileChanged { path, contents } => {
            if app.transform.path() != Some(&path) {
                return Vec::new();
            }
            match contents {
                Ok(text) => reload_from_disk(app, text),
                Err(e) => {
                    app.set_error(format!("cannot read {}: {e}", path.display()));
                    Vec::new()
                }
            }
        }
        Message::Saved { result, text } => on_saved(app, result, text),
        Message::TransformsListed(entries) => {
            if let Some(Overlay::Picker(picker)) = &mut app.overlay {
                picker.selected = entries
                    .iter()
                    .position(|e| picker_matches_current(&app.transform.source.stem, &e.spec))
                    .unwrap_or(0);
                picker.entries = Some(entries);
            }
            Vec::new()
        }
        Message::TransformLoaded(result) => match result {
            Ok(source) => load_transform(app, source),
            Err(e) => {
                app.set_error(e);
                Vec::new()
            }
        },
        Message::SinkStarted(result) => {
            app.send.sink = match result {
                Ok(url) => SinkStatus::Running(url),
                Err(e) => {
                    app.set_error(format!("the local sink could not start: {e}"));
                    SinkStatus::Failed(e)
                }
            };
            Vec::new()
        }
        Message::Delivered {
            id,
            key,
            delivery,
            at,
        } => {
            sending::delivered(app, id, key, *delivery, at);
            Vec::new()
        }
        Message::KeyChecked(check) => {
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
            app.send.key_check = Some(*check);
            Vec::new()
        }
        Message::KeySaved(result) => {
            match result {
                Ok(path) => app.set_status(format!(
                    "write key saved to {} (readable by you only)",
                    path.display()
                )),
                Err(e) => app.set_error(format!("write key not saved: {e}")),
            }
            Vec::new()
        }
        Message::ListenerStarted(result) => incoming::started(app, result),
        Message::Received {
            summary,
            body,
            redelivery,
        } => {
            let effects = incoming::received(app, *summary, body, redelivery);
            settle_view(app);
            effects
        }
        Message::DeliveriesLoaded(result) => {
            let effects = incoming::loaded(app, result);
            settle_view(app);
            effects
        }
        Message::Terminate => {
            vec![Effect::Quit {
                recovery: recovery(app),
            }]
        }
    }
}

fn picker_matches_current(stem: &str, spec: &str) -> bool {
    std::path::Path::new(spec)
        .file_stem()
        .is_some_and(|s| s.to_string_lossy() == stem)
}

fn recovery(app: &App) -> Option<Recovery> {
    app.transform.is_dirty().then(|| Recovery {
        dir: app.cwd.clone(),
        stem: app.transform.source.stem.clone(),
        text: app.transform.text(),
    })
}

// ---------------------------------------------------------------------------------------------
// Runs

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
    let mut items = Vec::with_capacity(keys.len());
    for key in keys {
        let Some(entry) = app.events.entry(key).filter(|e| e.runnable()) else {
            continue;
        };
        let Some(parsed) = entry.view.parsed.clone() else {
            continue;
        };
        let body = entry.body().to_string();
        app.latest_job.insert(key.clone(), job);
        items.push(RunItem {
            key: key.clone(),
            body,
            parsed: Some(parsed),
        });
    }
    Effect::Run(RunJob {
        job,
        name: app.transform.source.name.clone(),
        source: app.transform.text(),
        settings: app.settings.clone(),
        items,
    })
}

fn on_run_done(app: &mut App, job: u64, key: String, record: hookbench_core::pipeline::RunRecord) {
    if app.latest_job.get(&key) != Some(&job) {
        return; // A newer run of this event was asked for: this one is stale.
    }
    let output = record.webhook.as_ref().map(OutputView::of);
    let previous = match app.results.remove(&key) {
        Some(old) if old.output != output && old.output.is_some() => old.output,
        Some(old) => old.previous,
        None => None,
    };
    app.results.insert(
        key,
        EventResult {
            job,
            record,
            output,
            previous,
        },
    );
    settle_view(app);
}

fn on_settled(app: &mut App, generation: u64) -> Vec<Effect> {
    if generation != app.edit_generation {
        return Vec::new();
    }
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

fn debounce(app: &mut App) -> Effect {
    app.edit_generation += 1;
    Effect::Debounce {
        generation: app.edit_generation,
        delay: EDIT_DEBOUNCE,
    }
}

// ---------------------------------------------------------------------------------------------
// Keys

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return force_quit(app);
    }
    if app.overlay.is_some() {
        return on_overlay_key(app, key);
    }
    let mut effects = match app.mode {
        Mode::EditTransform => on_transform_edit_key(app, key),
        Mode::EditBody => on_body_edit_key(app, key),
        Mode::Filter => on_filter_key(app, key),
        Mode::Normal => match app.keymap.action(&key) {
            Some(action) => on_action(app, action),
            None if key.code == KeyCode::Esc => {
                app.status = None;
                Vec::new()
            }
            None => Vec::new(),
        },
    };
    effects.extend(incoming::page_if_at_end(app));
    settle_view(app);
    effects
}

/// Ctrl-C: quits at once, unless that would lose edits; then it asks, and a second Ctrl-C
/// quits without saving.
fn force_quit(app: &mut App) -> Vec<Effect> {
    let asking = matches!(app.overlay, Some(Overlay::Confirm(Confirm::Quit)));
    if app.transform.is_dirty() && !asking {
        app.overlay = Some(Overlay::Confirm(Confirm::Quit));
        return Vec::new();
    }
    vec![Effect::Quit { recovery: None }]
}

fn quit(app: &mut App) -> Vec<Effect> {
    if app.transform.is_dirty() {
        app.overlay = Some(Overlay::Confirm(Confirm::Quit));
        return Vec::new();
    }
    vec![Effect::Quit { recovery: None }]
}

fn on_overlay_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(overlay) = app.overlay.clone() else {
        return Vec::new();
    };
    let scope = match &overlay {
        Overlay::Help { .. } => Scope::Help,
        Overlay::Picker(_) => Scope::Picker,
        Overlay::Confirm(Confirm::Quit) => Scope::QuitQuestion,
        Overlay::Confirm(_) => Scope::Question,
        Overlay::KeyDialog(_) => Scope::KeyDialog,
    };
    let action = app.keymap.action_in(scope, &key);
    match overlay {
        Overlay::Help { scroll } => {
            let scroll = match action {
                Some(Action::HelpDown) => scroll.saturating_add(1),
                Some(Action::HelpUp) => scroll.saturating_sub(1),
                Some(Action::HelpPageDown) => scroll.saturating_add(10),
                Some(Action::HelpPageUp) => scroll.saturating_sub(10),
                Some(Action::HelpTop) => 0,
                _ => {
                    app.overlay = None;
                    return Vec::new();
                }
            };
            let max = measure::help_max_scroll(app);
            app.overlay = Some(Overlay::Help {
                scroll: scroll.min(max),
            });
            Vec::new()
        }
        Overlay::Picker(mut picker) => {
            let count = picker.entries.as_ref().map_or(0, Vec::len);
            match action {
                Some(Action::PickerClose) => {
                    app.overlay = None;
                    return Vec::new();
                }
                Some(Action::PickerDown) => {
                    picker.selected = (picker.selected + 1).min(count.saturating_sub(1));
                }
                Some(Action::PickerUp) => {
                    picker.selected = picker.selected.saturating_sub(1);
                }
                Some(Action::PickerTop) => picker.selected = 0,
                Some(Action::PickerBottom) => picker.selected = count.saturating_sub(1),
                Some(Action::PickerLoad) => {
                    let Some(entry) = picker.entries.as_ref().and_then(|e| e.get(picker.selected))
                    else {
                        return Vec::new();
                    };
                    let spec = entry.spec.clone();
                    if app.transform.is_dirty() {
                        app.overlay = Some(Overlay::Confirm(Confirm::Discard(spec)));
                        return Vec::new();
                    }
                    app.overlay = None;
                    return vec![Effect::LoadTransform(spec)];
                }
                _ => {}
            }
            app.overlay = Some(Overlay::Picker(picker));
            Vec::new()
        }
        Overlay::Confirm(Confirm::Quit) => match action {
            Some(Action::QuitSave) => {
                app.overlay = None;
                app.quit_after_save = true;
                save(app)
            }
            Some(Action::QuitDiscard) => {
                app.overlay = None;
                vec![Effect::Quit { recovery: None }]
            }
            Some(Action::QuitStay) => {
                app.overlay = None;
                Vec::new()
            }
            _ => Vec::new(),
        },
        Overlay::Confirm(Confirm::ForceSend(event)) => match action {
            Some(Action::AnswerYes) => {
                app.overlay = None;
                if app.events.select_key(&event) {
                    sending::send(app, false, true)
                } else {
                    Vec::new()
                }
            }
            Some(Action::AnswerNo) => {
                app.overlay = None;
                Vec::new()
            }
            _ => Vec::new(),
        },
        Overlay::KeyDialog(dialog) => on_key_dialog_key(app, dialog, key, action),
        Overlay::Confirm(Confirm::Discard(spec)) => match action {
            Some(Action::AnswerYes) => {
                app.overlay = None;
                vec![Effect::LoadTransform(spec)]
            }
            Some(Action::AnswerNo) => {
                app.overlay = None;
                Vec::new()
            }
            _ => Vec::new(),
        },
    }
}

fn on_transform_edit_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match app.keymap.action_in(Scope::Editor, &key) {
        Some(Action::EditorLeave) => {
            app.mode = Mode::Normal;
            return Vec::new();
        }
        Some(Action::EditorSave) => return save(app),
        _ => {}
    }
    match app.transform.editor.handle_key(key) {
        EditOutcome::Moved => Vec::new(),
        EditOutcome::Changed => transform_edited(app),
        EditOutcome::Copied { text, changed } => {
            let mut effects = copy(app, text, "selection");
            if changed {
                effects.extend(transform_edited(app));
            }
            effects
        }
    }
}

fn transform_edited(app: &mut App) -> Vec<Effect> {
    app.transform.revision += 1;
    app.rerun_all_pending = true;
    vec![debounce(app)]
}

fn on_body_edit_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    // Saving is the transformation's: in a body, ctrl-s goes to the editor as any other key.
    if app.keymap.action_in(Scope::Editor, &key) == Some(Action::EditorLeave) {
        return finish_body_edit(app);
    }
    let Some((event_key, editor)) = &mut app.body_editor else {
        app.mode = Mode::Normal;
        return Vec::new();
    };
    let event_key = event_key.clone();
    match editor.handle_key(key) {
        EditOutcome::Moved => Vec::new(),
        EditOutcome::Changed => body_edited(app, event_key),
        EditOutcome::Copied { text, changed } => {
            let mut effects = copy(app, text, "selection");
            if changed {
                effects.extend(body_edited(app, event_key));
            }
            effects
        }
    }
}

fn body_edited(app: &mut App, key: String) -> Vec<Effect> {
    if !app.rerun_keys_pending.contains(&key) {
        app.rerun_keys_pending.push(key);
    }
    vec![debounce(app)]
}

/// Leaves body editing: the text becomes the event's modified body and runs at once.
fn finish_body_edit(app: &mut App) -> Vec<Effect> {
    app.mode = Mode::Normal;
    let Some((key, editor)) = app.body_editor.take() else {
        return Vec::new();
    };
    let Some(entry) = app.events.entry_mut(&key) else {
        return Vec::new();
    };
    entry.set_modified(Some(editor.text()));
    let modified = entry.modified.is_some();
    let error = entry.view.parse_error.clone();
    app.rerun_keys_pending.retain(|k| *k != key);
    match error {
        Some(error) => {
            app.set_error(format!(
                "{key}: the body is not valid JSON ({error}); not run"
            ));
            Vec::new()
        }
        None => {
            if modified {
                app.set_status(format!("{key}: body modified (r resets it)"));
            }
            vec![run_keys(app, &[key])]
        }
    }
}

fn on_filter_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Enter => app.mode = Mode::Normal,
        KeyCode::Esc => {
            app.mode = Mode::Normal;
            app.events.filter.clear();
        }
        KeyCode::Backspace => {
            app.events.filter.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            app.events.filter.push(c);
        }
        KeyCode::Down => {
            app.events.move_by(1);
        }
        KeyCode::Up => {
            app.events.move_by(-1);
        }
        _ => {}
    }
    if app.events.refilter() {
        selection_changed(app);
    }
    Vec::new()
}

fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Quit => return quit(app),
        Action::Help => app.overlay = Some(Overlay::Help { scroll: 0 }),
        Action::FocusNext => cycle_focus(app, 1),
        Action::FocusPrev => cycle_focus(app, -1),
        Action::FocusEvents => focus(app, Pane::Events),
        Action::FocusWebhook => focus(app, Pane::Webhook),
        Action::FocusTransform => focus(app, Pane::Transform),
        Action::FocusSegment => focus(app, Pane::Segment),
        Action::FocusLogs => focus(app, Pane::Logs),
        Action::Up => move_in_focus(app, -1),
        Action::Down => move_in_focus(app, 1),
        Action::HalfPageDown => {
            let half = half_page(app);
            move_in_focus(app, half);
        }
        Action::HalfPageUp => {
            let half = half_page(app);
            move_in_focus(app, -half);
        }
        Action::Top => move_in_focus(app, isize::MIN / 2),
        Action::Bottom => move_in_focus(app, isize::MAX / 2),
        Action::Left => step_focus(app, -1),
        Action::Right => step_focus(app, 1),
        Action::Edit => {
            focus(app, Pane::Transform);
            app.mode = Mode::EditTransform;
            let height = editor_height(app);
            let editor = &mut app.transform.editor;
            let (line, _) = editor.cursor();
            if line < editor.top || line >= editor.top + height {
                let top = editor.top;
                editor.go_to_line(top);
            }
        }
        Action::ExternalEditor => return external_editor(app),
        Action::ModifyBody => {
            if let Some(entry) = app.selected() {
                let key = entry.key.clone();
                let editor = Editor::new(&entry.view.text);
                app.body_editor = Some((key, editor));
                app.mode = Mode::EditBody;
                focus(app, Pane::Webhook);
            }
        }
        Action::ModifyBodyExternal => {
            if let Some(entry) = app.selected() {
                return vec![Effect::OpenEditor {
                    target: EditTarget::Body(entry.key.clone()),
                    text: entry.view.text.clone(),
                }];
            }
        }
        Action::ResetBody => {
            let Some(key) = app.selected().map(|e| e.key.clone()) else {
                return Vec::new();
            };
            let modified = app.events.entry(&key).is_some_and(|e| e.modified.is_some());
            if !modified {
                app.set_status(format!("{key}: the body is not modified"));
                return Vec::new();
            }
            if let Some(entry) = app.events.entry_mut(&key) {
                entry.set_modified(None);
            }
            app.set_status(format!("{key}: body reset to the fixture"));
            return vec![run_keys(app, &[key])];
        }
        Action::Save => return save(app),
        Action::Diff => {
            app.diff = !app.diff;
            app.scroll.segment = 0;
            app.set_status(if app.diff {
                "diff: output against the previous output (d to leave)"
            } else {
                "diff off"
            });
        }
        Action::CopyPayload => return copy_payload(app),
        Action::CopyCurl => return copy_curl(app),
        Action::Filter => {
            focus(app, Pane::Events);
            app.mode = Mode::Filter;
        }
        Action::PickTransform => {
            app.overlay = Some(Overlay::Picker(Picker {
                entries: None,
                selected: 0,
            }));
            return vec![Effect::ListTransforms {
                dir: app.cwd.clone(),
                config_paths: app.config_paths.clone(),
            }];
        }
        Action::ToggleGroups => {
            app.events.grouped = !app.events.grouped;
        }
        Action::Send => return sending::send(app, false, false),
        Action::SendAll => return sending::send(app, true, false),
        Action::CancelSend => return sending::cancel(app),
        Action::Destination => return sending::switch_destination(app),
        Action::WriteKey => {
            app.overlay = Some(Overlay::KeyDialog(KeyDialog {
                input: String::new(),
                region: app.send.region,
                reveal: false,
            }));
        }
        Action::Listen => return incoming::toggle(app),
        Action::PanelNext => cycle_bottom(app, 1),
        Action::PanelPrev => cycle_bottom(app, -1),
        Action::Rerun => {
            let count = app.events.entries().len();
            app.set_status(format!("running {count} events again"));
            return vec![run_all(app)];
        }
        // Bound in the editors and overlays only, which handle them themselves.
        Action::EditorLeave
        | Action::EditorSave
        | Action::HelpDown
        | Action::HelpUp
        | Action::HelpPageDown
        | Action::HelpPageUp
        | Action::HelpTop
        | Action::PickerClose
        | Action::PickerDown
        | Action::PickerUp
        | Action::PickerTop
        | Action::PickerBottom
        | Action::PickerLoad
        | Action::QuitSave
        | Action::QuitDiscard
        | Action::QuitStay
        | Action::AnswerYes
        | Action::AnswerNo
        | Action::KeyDialogClose
        | Action::KeyDialogRegion
        | Action::KeyDialogReveal
        | Action::KeyDialogClear
        | Action::KeyDialogBackspace
        | Action::KeyDialogUse
        | Action::KeyDialogCheck
        | Action::KeyDialogSave => {}
    }
    Vec::new()
}

/// The write-key dialog: typing goes into the (masked) field; its actions use the key for this
/// session, check it, save it to the config file, switch the region, show or hide it, or close.
fn on_key_dialog_key(
    app: &mut App,
    mut dialog: KeyDialog,
    key: KeyEvent,
    action: Option<Action>,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    match action {
        Some(Action::KeyDialogClose) => {
            app.overlay = None;
            return Vec::new();
        }
        Some(Action::KeyDialogRegion) => {
            dialog.region = match dialog.region {
                hookbench_core::segment::Region::Us => hookbench_core::segment::Region::Eu,
                hookbench_core::segment::Region::Eu => hookbench_core::segment::Region::Us,
            };
        }
        Some(Action::KeyDialogReveal) => dialog.reveal = !dialog.reveal,
        Some(Action::KeyDialogClear) => dialog.input.clear(),
        Some(Action::KeyDialogBackspace) => {
            dialog.input.pop();
        }
        Some(choice @ (Action::KeyDialogUse | Action::KeyDialogCheck | Action::KeyDialogSave)) => {
            let typed = WriteKey::new(&dialog.input);
            let Some(write_key) = typed.or_else(|| app.send.write_key.clone()) else {
                app.set_error("type a write key first");
                app.overlay = Some(Overlay::KeyDialog(dialog));
                return Vec::new();
            };
            if app.send.write_key.as_ref() != Some(&write_key) {
                app.send.key_check = None;
            }
            app.send.write_key = Some(write_key.clone());
            app.send.region = dialog.region;
            app.overlay = None;
            match choice {
                Action::KeyDialogCheck => {
                    app.set_status(format!("checking write key {}…", write_key.masked()));
                    effects.push(Effect::VerifyKey(write_key));
                }
                Action::KeyDialogSave => match &app.send.config_path {
                    Some(path) => effects.push(Effect::SaveKey {
                        key: write_key,
                        path: path.clone(),
                    }),
                    None => app.set_error(
                        "no config file location on this system: key kept for this session",
                    ),
                },
                _ => app.set_status(format!(
                    "write key {} set for this session ({}); sends go to {}",
                    write_key.masked(),
                    dialog.region,
                    app.send.label()
                )),
            }
            return effects;
        }
        _ => {
            if let KeyCode::Char(c) = key.code
                && !key.modifiers.contains(KeyModifiers::CONTROL)
                && !c.is_whitespace()
            {
                dialog.input.push(c);
            }
        }
    }
    app.overlay = Some(Overlay::KeyDialog(dialog));
    effects
}

fn cycle_bottom(app: &mut App, step: isize) {
    let at = BottomTab::ALL
        .iter()
        .position(|&t| t == app.bottom)
        .unwrap_or(0);
    let next = (at as isize + step).rem_euclid(BottomTab::ALL.len() as isize) as usize;
    app.bottom = BottomTab::ALL[next];
    app.bottom_scroll = 0;
}

// ---------------------------------------------------------------------------------------------
// Focus, movement, scrolling

pub fn areas(app: &App) -> Areas {
    layout::compute(Rect::new(0, 0, app.size.0, app.size.1), app.tab)
}

fn focus(app: &mut App, pane: Pane) {
    if app.mode == Mode::EditTransform && pane != Pane::Transform {
        app.mode = Mode::Normal;
    }
    if app.mode == Mode::Filter && pane != Pane::Events {
        app.mode = Mode::Normal;
    }
    app.focus = pane;
    if pane.is_middle() {
        app.tab = pane;
    }
}

fn cycle_focus(app: &mut App, step: isize) {
    let at = Pane::ALL.iter().position(|&p| p == app.focus).unwrap_or(0);
    let next = (at as isize + step).rem_euclid(Pane::ALL.len() as isize) as usize;
    focus(app, Pane::ALL[next]);
}

/// Left/right through the columns: Events, Webhook, Transform, Segment.
fn step_focus(app: &mut App, step: isize) {
    const COLUMNS: [Pane; 4] = [Pane::Events, Pane::Webhook, Pane::Transform, Pane::Segment];
    let at = COLUMNS.iter().position(|&p| p == app.focus).unwrap_or(3);
    let next = (at as isize + step).clamp(0, 3) as usize;
    focus(app, COLUMNS[next]);
}

fn half_page(app: &App) -> isize {
    let height = areas(app).inner_height(app.focus).max(2);
    (height / 2) as isize
}

fn editor_height(app: &App) -> usize {
    areas(app).inner_height(Pane::Transform).max(1)
}

fn move_in_focus(app: &mut App, delta: isize) {
    match app.focus {
        Pane::Events => {
            if app.events.move_by(delta) {
                selection_changed(app);
            }
        }
        Pane::Webhook => app.scroll.webhook = app.scroll.webhook.saturating_add_signed(delta),
        Pane::Transform => {
            app.transform.editor.top = app.transform.editor.top.saturating_add_signed(delta)
        }
        Pane::Segment => app.scroll.segment = app.scroll.segment.saturating_add_signed(delta),
        Pane::Logs => match app.bottom {
            BottomTab::Logs => app.scroll.logs = app.scroll.logs.saturating_add_signed(delta),
            _ => app.bottom_scroll = app.bottom_scroll.saturating_add_signed(delta),
        },
    }
}

fn selection_changed(app: &mut App) {
    app.scroll.webhook = 0;
    app.scroll.segment = 0;
    app.scroll.logs = 0;
}

/// Keeps scroll offsets within their content and the selection in view, after any change.
pub fn settle_view(app: &mut App) {
    let areas = areas(app);
    app.events.ensure_visible(areas.inner_height(Pane::Events));
    let clamp = |offset: usize, total: usize, height: usize| {
        offset.min(total.saturating_sub(height.max(1)))
    };
    app.scroll.webhook = clamp(
        app.scroll.webhook,
        measure::webhook_lines(app),
        areas.inner_height(Pane::Webhook),
    );
    app.scroll.segment = clamp(
        app.scroll.segment,
        measure::segment_lines(app),
        measure::segment_payload_height(app, &areas),
    );
    app.scroll.logs = clamp(
        app.scroll.logs,
        measure::logs_lines(app),
        areas.inner_height(Pane::Logs),
    );
    app.bottom_scroll = clamp(
        app.bottom_scroll,
        measure::bottom_lines(app),
        areas.inner_height(Pane::Logs),
    );
    let height = areas.inner_height(Pane::Transform);
    match app.mode {
        Mode::EditTransform => app.transform.editor.scroll_to_cursor(height),
        _ => {
            let lines = app.transform.editor.lines().len();
            app.transform.editor.top = clamp(app.transform.editor.top, lines, height);
        }
    }
    if let Some((_, editor)) = &mut app.body_editor {
        editor.scroll_to_cursor(areas.inner_height(Pane::Webhook));
    }
}

// ---------------------------------------------------------------------------------------------
// Mouse and paste

fn on_mouse(app: &mut App, mouse: MouseEvent) -> Vec<Effect> {
    if !app.mouse {
        return Vec::new();
    }
    if let Some(Overlay::Help { scroll }) = app.overlay {
        let max = measure::help_max_scroll(app);
        let scroll = match mouse.kind {
            MouseEventKind::ScrollDown => scroll.saturating_add(3).min(max),
            MouseEventKind::ScrollUp => scroll.saturating_sub(3),
            _ => return Vec::new(),
        };
        app.overlay = Some(Overlay::Help { scroll });
        return Vec::new();
    }
    if app.overlay.is_some() {
        return Vec::new();
    }
    let areas = areas(app);
    match mouse.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(tabs) = areas.tabs
                && tabs.contains((mouse.column, mouse.row).into())
            {
                if let Some(pane) = layout::tab_at(tabs, mouse.column) {
                    focus(app, pane);
                }
            } else if let Some(pane) = areas.pane_at(mouse.column, mouse.row) {
                focus(app, pane);
                if pane == Pane::Events {
                    let top = areas.events.y + 1;
                    if mouse.row >= top {
                        let row = app.events.offset + usize::from(mouse.row - top);
                        if app.events.select_row(row) {
                            selection_changed(app);
                        }
                    }
                }
            }
        }
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let delta: isize = if mouse.kind == MouseEventKind::ScrollDown {
                3
            } else {
                -3
            };
            if let Some(pane) = areas.pane_at(mouse.column, mouse.row) {
                let before = app.focus;
                app.focus = pane;
                let delta = if pane == Pane::Events {
                    delta.signum()
                } else {
                    delta
                };
                move_in_focus(app, delta);
                app.focus = before;
            }
        }
        _ => {}
    }
    let effects = incoming::page_if_at_end(app);
    settle_view(app);
    effects
}

fn on_paste(app: &mut App, text: &str) -> Vec<Effect> {
    if let Some(Overlay::KeyDialog(dialog)) = &mut app.overlay {
        dialog.input.push_str(text.trim());
        return Vec::new();
    }
    let effects = match app.mode {
        Mode::EditTransform => {
            if app.transform.editor.paste(text) {
                transform_edited(app)
            } else {
                Vec::new()
            }
        }
        Mode::EditBody => match &mut app.body_editor {
            Some((key, editor)) => {
                let key = key.clone();
                if editor.paste(text) {
                    body_edited(app, key)
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        },
        Mode::Filter => {
            app.events
                .filter
                .push_str(text.lines().next().unwrap_or_default());
            if app.events.refilter() {
                selection_changed(app);
            }
            Vec::new()
        }
        Mode::Normal => {
            app.set_status("paste ignored: press i to edit the transformation, m to edit the body");
            Vec::new()
        }
    };
    settle_view(app);
    effects
}

// ---------------------------------------------------------------------------------------------
// Files: save, $EDITOR, reload, load

fn save(app: &mut App) -> Vec<Effect> {
    vec![Effect::Save {
        path: app.transform.path().cloned(),
        dir: app.cwd.clone(),
        stem: app.transform.source.stem.clone(),
        text: app.transform.text(),
    }]
}

fn on_saved(
    app: &mut App,
    result: Result<std::path::PathBuf, String>,
    text: String,
) -> Vec<Effect> {
    match result {
        Ok(path) => {
            let mut effects = Vec::new();
            app.transform.saved_text = text;
            if app.transform.path() != Some(&path) {
                app.transform.source.origin = TransformOrigin::File(path.clone());
                app.transform.source.name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into(),
                );
                effects.push(Effect::Watch(Some(path.clone())));
            }
            app.set_status(format!("saved {}", path.display()));
            if app.quit_after_save {
                effects.push(Effect::Quit { recovery: None });
            } else if app.edit_after_save {
                app.edit_after_save = false;
                effects.push(Effect::OpenEditor {
                    target: EditTarget::Transform(path),
                    text: app.transform.text(),
                });
            }
            effects
        }
        Err(e) => {
            app.quit_after_save = false;
            app.edit_after_save = false;
            app.set_error(format!("not saved: {e}"));
            Vec::new()
        }
    }
}

/// `e`: the transformation in `$EDITOR`. It must be a file first: unsaved edits and presets
/// are saved (a preset as a new file), then the editor opens.
fn external_editor(app: &mut App) -> Vec<Effect> {
    match app.transform.path() {
        Some(path) if !app.transform.is_dirty() => vec![Effect::OpenEditor {
            target: EditTarget::Transform(path.clone()),
            text: app.transform.text(),
        }],
        _ => {
            app.edit_after_save = true;
            save(app)
        }
    }
}

fn on_external_edit(
    app: &mut App,
    target: EditTarget,
    result: Result<Vec<u8>, String>,
) -> Vec<Effect> {
    let bytes = match result {
        Ok(bytes) => bytes,
        Err(e) => {
            app.set_error(e);
            return Vec::new();
        }
    };
    match target {
        EditTarget::Transform(path) => {
            if app.transform.path() != Some(&path) {
                return Vec::new();
            }
            match String::from_utf8(bytes) {
                Ok(text) => reload_from_disk(app, text),
                Err(e) => {
                    app.set_error(format!(
                        "{} is not UTF-8 text (bad byte at offset {}); not reloaded",
                        path.display(),
                        e.utf8_error().valid_up_to()
                    ));
                    Vec::new()
                }
            }
        }
        EditTarget::Body(key) => {
            let (text, utf8) = match String::from_utf8(bytes) {
                Ok(text) => (text, true),
                Err(e) => (escape_bytes(e.as_bytes()), false),
            };
            let Some(entry) = app.events.entry_mut(&key) else {
                return Vec::new();
            };
            let unchanged = text == entry.view.text && entry.modified.is_none();
            if unchanged {
                app.set_status(format!("{key}: body unchanged"));
                return Vec::new();
            }
            entry.set_modified(Some(text));
            let error = entry.view.parse_error.clone();
            if !utf8 {
                app.set_error(format!(
                    "{key}: the edited body is not UTF-8; bad bytes are shown as \\xNN"
                ));
            }
            match error {
                Some(error) => {
                    if utf8 {
                        app.set_error(format!(
                            "{key}: the body is not valid JSON ({error}); not run"
                        ));
                    }
                    Vec::new()
                }
                None => {
                    app.set_status(format!("{key}: body modified (r resets it)"));
                    vec![run_keys(app, &[key])]
                }
            }
        }
    }
}

/// The transformation's file changed (an editor saved it): take the new text unless that
/// would lose in-app edits.
fn reload_from_disk(app: &mut App, text: String) -> Vec<Effect> {
    if text == app.transform.text() {
        app.transform.saved_text = text;
        return Vec::new();
    }
    let name = app.transform_name();
    if app.transform.is_dirty() {
        app.set_error(format!(
            "{name} changed on disk; your unsaved edits here are kept (Ctrl-S writes them over it)"
        ));
        return Vec::new();
    }
    let (line, _) = app.transform.editor.cursor();
    let top = app.transform.editor.top;
    app.transform.editor = Editor::new(&text);
    app.transform.editor.go_to_line(line);
    app.transform.editor.top = top;
    app.transform.saved_text = text;
    app.transform.revision += 1;
    app.transform.compat = scan_compat(&app.transform.saved_text);
    app.set_status(format!("reloaded {name}"));
    settle_view(app);
    vec![run_all(app)]
}

fn load_transform(app: &mut App, source: TransformSource) -> Vec<Effect> {
    let path = match &source.origin {
        TransformOrigin::File(path) => Some(path.clone()),
        TransformOrigin::Preset => None,
    };
    app.transform = TransformState::new(source);
    app.mode = Mode::Normal;
    app.set_status(format!("loaded {}", app.transform_name()));
    vec![Effect::Watch(path), run_all(app)]
}

// ---------------------------------------------------------------------------------------------
// Copy

fn copy(app: &mut App, text: String, what: &str) -> Vec<Effect> {
    app.set_status(format!(
        "copied {what} ({}) via OSC 52",
        human_bytes(text.len())
    ));
    vec![Effect::Copy(text)]
}

fn copy_payload(app: &mut App) -> Vec<Effect> {
    let Some(result) = app.selected_result() else {
        app.set_error("nothing to copy: no output yet");
        return Vec::new();
    };
    match (&result.record.webhook, &result.output) {
        (Some(webhook), Some(output)) if !webhook.cancel => {
            let text = output.text.clone();
            copy(app, text, "payload")
        }
        (Some(_), _) => {
            app.set_error("nothing to copy: the handler cancelled this webhook");
            Vec::new()
        }
        _ => {
            app.set_error("nothing to copy: the transformation failed on this event");
            Vec::new()
        }
    }
}

fn copy_curl(app: &mut App) -> Vec<Effect> {
    let Some(webhook) = app
        .selected_result()
        .and_then(|r| r.record.webhook.as_ref())
        .filter(|w| !w.cancel)
    else {
        app.set_error("nothing to copy: no output to send for this event");
        return Vec::new();
    };
    let command = curl_command(webhook);
    copy(app, command, "curl command")
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
