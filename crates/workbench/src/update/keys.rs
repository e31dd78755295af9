//! Keys in the panes: the key map's actions, the editors, the filter, paste and copy.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use hookbench_core::segment::curl::curl_command;
use hookbench_core::text::human_bytes;

use crate::keymap::{Action, Scope};
use crate::model::app::{App, BottomTab, Confirm, KeyDialog, Mode, Overlay, Pane, Picker};
use crate::model::editor::{EditOutcome, Editor};
use crate::model::message::{EditTarget, Effect};
use crate::update::files::{external_editor, recovery, revert, save};
use crate::update::overlays::on_overlay_key;
use crate::update::runs::{debounce, run_all, run_keys};
use crate::update::scroll::{
    cycle_focus, editor_height, finding_step, focus, half_page, line_edge, move_in_focus,
    selection_changed, settle_view, sideways, toggle_wrap,
};
use crate::update::{incoming, layout, mapping, messages, search, sending};

pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
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
        Mode::Normal if search::typing(app) => search::on_prompt_key(app, key),
        Mode::EditTransform => on_transform_edit_key(app, key),
        Mode::EditBody => on_body_edit_key(app, key),
        Mode::Filter => on_filter_key(app, key),
        Mode::Normal if app.focus == Pane::Logs && app.bottom == BottomTab::Sends => {
            match app.keymap.action_in(Scope::Sends, &key) {
                Some(Action::SendsOpen) => {
                    sending::open(app);
                    Vec::new()
                }
                Some(Action::SendsClose) if app.send.open => {
                    sending::close(app);
                    Vec::new()
                }
                _ => on_normal_key(app, key),
            }
        }
        Mode::Normal => on_normal_key(app, key),
    };
    effects.extend(incoming::page_if_at_end(app));
    settle_view(app);
    effects
}

/// A key in normal mode: its action in the key map; Esc clears the message.
fn on_normal_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match app.keymap.action(&key) {
        Some(action) => on_action(app, action),
        None if key.code == KeyCode::Esc => {
            app.status = None;
            search::close(app);
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// Ctrl-C: quits at once, unless that would lose edits; then it asks, and a second Ctrl-C
/// quits keeping the edits in a recovery file, as a signal does.
pub(super) fn force_quit(app: &mut App) -> Vec<Effect> {
    let asking = matches!(app.overlay, Some(Overlay::Confirm(Confirm::Quit)));
    if app.transform.is_dirty() && !asking {
        app.overlay = Some(Overlay::Confirm(Confirm::Quit));
        return Vec::new();
    }
    vec![Effect::Quit {
        recovery: recovery(app),
    }]
}

pub(super) fn quit(app: &mut App) -> Vec<Effect> {
    if app.transform.is_dirty() {
        app.overlay = Some(Overlay::Confirm(Confirm::Quit));
        return Vec::new();
    }
    vec![Effect::Quit { recovery: None }]
}

pub(super) fn on_transform_edit_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    match app.keymap.action_in(Scope::Editor, &key) {
        Some(Action::EditorLeave) => {
            app.mode = Mode::Normal;
            return Vec::new();
        }
        Some(Action::EditorSave) => return save(app),
        _ => {}
    }
    let at = app.clock.now();
    match app.transform.editor.handle_key_at(key, at) {
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

pub(super) fn transform_edited(app: &mut App) -> Vec<Effect> {
    app.transform.revision += 1;
    app.rerun_all_pending = true;
    vec![debounce(app)]
}

pub(super) fn on_body_edit_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    // Saving is the transformation's: in a body, ctrl-s goes to the editor as any other key.
    if app.keymap.action_in(Scope::Editor, &key) == Some(Action::EditorLeave) {
        return finish_body_edit(app);
    }
    let Some((event_key, editor)) = &mut app.body_editor else {
        app.mode = Mode::Normal;
        return Vec::new();
    };
    let event_key = event_key.clone();
    match editor.handle_key_at(key, app.clock.now()) {
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

pub(super) fn body_edited(app: &mut App, key: String) -> Vec<Effect> {
    if !app.rerun_keys_pending.contains(&key) {
        app.rerun_keys_pending.push(key);
    }
    vec![debounce(app)]
}

/// Leaves body editing: the text becomes the event's modified body and runs at once.
pub(super) fn finish_body_edit(app: &mut App) -> Vec<Effect> {
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

pub(super) fn on_filter_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
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

pub(super) fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    if let Some(effects) = mapping::on_action(app, action) {
        return effects;
    }
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
        Action::Left => sideways(app, -1),
        Action::Right => sideways(app, 1),
        Action::LineStart => line_edge(app, false),
        Action::LineEnd => line_edge(app, true),
        Action::ToggleWrap => toggle_wrap(app),
        Action::SearchNext => search::step(app, true),
        Action::SearchPrev => search::step(app, false),
        Action::FindingNext => finding_step(app, 1),
        Action::FindingPrev => finding_step(app, -1),
        Action::Open if app.focus != Pane::Transform => focus(app, Pane::Segment),
        Action::Open | Action::Edit => {
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
                "diff: output against the saved version's (d to leave)"
            } else {
                "diff off"
            });
        }
        Action::CopyPayload => return copy_payload(app),
        Action::CopyCurl => return copy_curl(app),
        Action::Filter if app.reading.sideways(app.focus).is_some() => {
            search::open(app, app.focus);
        }
        Action::Filter => {
            focus(app, Pane::Events);
            app.mode = Mode::Filter;
        }
        Action::PickTransform => {
            app.overlay = Some(Overlay::Picker(Picker::new()));
            return vec![Effect::ListTransforms {
                dir: app.cwd.clone(),
                config_paths: app.config_paths.clone(),
            }];
        }
        Action::ToggleGroups => {
            app.events.grouped = !app.events.grouped;
        }
        Action::Send => return sending::send(app, false, false),
        Action::SendAll => return sending::send_all(app),
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
        Action::Messages => messages::open(app),
        Action::CycleLayout => layout::cycle(app),
        Action::EventsNarrower => layout::resize_events(app, -1),
        Action::EventsWider => layout::resize_events(app, 1),
        Action::PanelGrow => layout::resize_bottom(app, 1),
        Action::PanelShrink => layout::resize_bottom(app, -1),
        Action::PanelToggle => layout::toggle_bottom(app),
        Action::PanelNext => cycle_bottom(app, 1),
        Action::PanelPrev => cycle_bottom(app, -1),
        Action::Rerun => {
            let count = app.events.entries().len();
            app.set_status(format!("running {count} events again"));
            return vec![run_all(app)];
        }
        Action::Revert => return revert(app),
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
        | Action::PickerClearFilter
        | Action::PickerBackspace
        | Action::MessagesClose
        | Action::MessagesDown
        | Action::MessagesUp
        | Action::MessagesPageDown
        | Action::MessagesPageUp
        | Action::MessagesTop
        | Action::MessagesBottom
        | Action::AnswerYes
        | Action::AnswerNo
        | Action::AnswerDiscard
        | Action::AnswerReload
        | Action::AnswerKeep
        | Action::KeyDialogClose
        | Action::KeyDialogRegion
        | Action::KeyDialogReveal
        | Action::KeyDialogClear
        | Action::KeyDialogBackspace
        | Action::KeyDialogUse
        | Action::KeyDialogCheck
        | Action::KeyDialogSave
        | Action::SendsOpen
        | Action::SendsClose
        | Action::MappingDialogClose
        | Action::MappingDialogConfirm
        | Action::MappingDialogNext
        | Action::MappingDialogPrev
        | Action::MappingDialogDown
        | Action::MappingDialogUp
        | Action::MappingDialogBackspace
        | Action::MappingDialogClear => {}
        // The mapping editor's: `mapping::on_action` takes them.
        Action::MappingPick
        | Action::MappingRename
        | Action::MappingConvert
        | Action::MappingSource
        | Action::MappingRemove
        | Action::MappingMoveUp
        | Action::MappingMoveDown
        | Action::MappingCall
        | Action::MappingEventName
        | Action::MappingCancel
        | Action::MappingFamily
        | Action::MappingAddCase
        | Action::MappingShowJs
        | Action::MappingUndo
        | Action::MappingRedo => {}
    }
    Vec::new()
}

pub(super) fn cycle_bottom(app: &mut App, step: isize) {
    let at = BottomTab::ALL
        .iter()
        .position(|&t| t == app.bottom)
        .unwrap_or(0);
    let next = (at as isize + step).rem_euclid(BottomTab::ALL.len() as isize) as usize;
    app.bottom = BottomTab::ALL[next];
    app.bottom_scroll = 0;
    app.send.open = false;
}

// ---------------------------------------------------------------------------------------------
pub(super) fn on_paste(app: &mut App, text: &str) -> Vec<Effect> {
    if let Some(Overlay::KeyDialog(dialog)) = &mut app.overlay {
        dialog.input.push_str(text.trim());
        return Vec::new();
    }
    if mapping::on_paste(app, text) {
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
pub(super) fn copy(app: &mut App, text: String, what: &str) -> Vec<Effect> {
    app.set_status(format!(
        "copied {what} ({}) via OSC 52",
        human_bytes(text.len())
    ));
    vec![Effect::Copy(text)]
}

pub(super) fn copy_payload(app: &mut App) -> Vec<Effect> {
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

pub(super) fn copy_curl(app: &mut App) -> Vec<Effect> {
    let Some(webhook) = app
        .selected_result()
        .and_then(|r| r.record.webhook.as_ref())
        .filter(|w| !w.cancel)
    else {
        app.set_error("nothing to copy: no output to send for this event");
        return Vec::new();
    };
    let secret = app.send.write_key.as_ref().map(|k| k.expose());
    let command = curl_command(webhook, secret);
    copy(app, command, "curl command")
}
