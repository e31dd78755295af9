//! Keys in the overlays: help, the picker, the questions and the write-key dialog.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use hookbench_core::segment::WriteKey;

use crate::keymap::{Action, Scope};
use crate::model::app::{App, Confirm, KeyDialog, Overlay};
use crate::model::measure;
use crate::model::message::Effect;
use crate::update::files::{self, save};
use crate::update::sending;

pub(super) fn on_overlay_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let Some(overlay) = app.overlay.clone() else {
        return Vec::new();
    };
    let scope = match &overlay {
        Overlay::Help { .. } => Scope::Help,
        Overlay::Picker(_) => Scope::Picker,
        Overlay::Confirm(_) => Scope::Question,
        Overlay::KeyDialog(_) => Scope::KeyDialog,
        Overlay::Messages { .. } => Scope::Messages,
        Overlay::Mapping(_) => Scope::MappingDialog,
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
            let count = picker.matches().len();
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
                Some(Action::PickerClearFilter) => {
                    picker.filter.clear();
                    picker.selected = 0;
                }
                Some(Action::PickerBackspace) => {
                    picker.filter.pop();
                    picker.selected = 0;
                }
                Some(Action::PickerLoad) => {
                    let Some(entry) = picker.selected_entry() else {
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
                _ => {
                    // Typing narrows the list, as in fzf; the best match is the first.
                    if let KeyCode::Char(c) = key.code
                        && !key
                            .modifiers
                            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                    {
                        picker.filter.push(c);
                        picker.selected = 0;
                    }
                }
            }
            app.overlay = Some(Overlay::Picker(picker));
            Vec::new()
        }
        Overlay::Messages { scroll } => super::messages::on_key(app, scroll, action),
        Overlay::Confirm(confirm) => on_question(app, confirm, action),
        Overlay::KeyDialog(dialog) => on_key_dialog_key(app, dialog, key, action),
        Overlay::Mapping(dialog) => super::mapping::on_dialog_key(app, *dialog, key, action),
    }
}

/// A key in a question: an action the question offers is carried out and the question closes;
/// any other key leaves it open.
fn on_question(app: &mut App, confirm: Confirm, action: Option<Action>) -> Vec<Effect> {
    let Some(action) = action.filter(|a| confirm.choices().iter().any(|(c, _)| c == a)) else {
        return Vec::new();
    };
    app.overlay = None;
    match (confirm, action) {
        (Confirm::Quit, Action::AnswerYes) => {
            app.quit_after_save = true;
            save(app)
        }
        (Confirm::Quit, Action::AnswerDiscard) => vec![Effect::Quit { recovery: None }],
        (Confirm::ForceSend(event), Action::AnswerYes) => {
            if app.events.select_key(&event) {
                sending::send(app, false, true)
            } else {
                Vec::new()
            }
        }
        (Confirm::SendAll(keys), Action::AnswerYes) => sending::send_confirmed(app, keys),
        (Confirm::Discard(spec), Action::AnswerDiscard) => vec![Effect::LoadTransform(spec)],
        (Confirm::ChangedOnDisk, Action::AnswerReload) => files::take_disk_text(app),
        (Confirm::ChangedOnDisk, Action::AnswerKeep) => {
            app.transform.disk_text = None;
            save(app)
        }
        (Confirm::ChangedOnDisk, _) => {
            app.quit_after_save = false;
            app.edit_after_save = false;
            app.set_status(
                "not saved: the file changed on disk; Ctrl-S asks again (reload or keep mine)",
            );
            Vec::new()
        }
        (Confirm::Revert, Action::AnswerDiscard) => files::revert_now(app),
        _ => Vec::new(),
    }
}

/// The write-key dialog: typing goes into the (masked) field; its actions use the key for this
/// session, check it, save it to the config file, switch the region, show or hide it, or close.
pub(super) fn on_key_dialog_key(
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
                        region: dialog.region,
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
