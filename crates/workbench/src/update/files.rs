//! Files: saving, `$EDITOR`, reloading on change, loading from the picker, and the recovery
//! file a forced exit keeps.

use std::path::PathBuf;

use hookbench_core::text::escape_bytes;
use hookbench_core::transform::presets::{TransformOrigin, TransformSource};
use hookbench_core::transform::scan_compat;

use crate::keymap::Action;
use crate::model::app::{App, Confirm, Mode, Overlay, TransformState};
use crate::model::editor::Editor;
use crate::model::message::{EditTarget, Effect, PickerEntry, Recovery};
use crate::update::runs::{run_all, run_keys};
use crate::update::scroll::settle_view;

pub(super) fn picker_matches_current(stem: &str, spec: &str) -> bool {
    std::path::Path::new(spec)
        .file_stem()
        .is_some_and(|s| s.to_string_lossy() == stem)
}

/// Unsaved edits to keep on a forced exit: named after the file being edited and kept next to
/// it (a preset, never saved, after the preset, in the working directory).
pub(super) fn recovery(app: &App) -> Option<Recovery> {
    if !app.transform.is_dirty() {
        return None;
    }
    let ext = file_extension(app);
    let file = app.transform.path().and_then(|path| {
        let stem = path.file_stem()?.to_string_lossy().into_owned();
        // `shop.mapping.toml` recovers as `shop.recovered.mapping.toml`.
        let stem = match stem.strip_suffix(".mapping") {
            Some(bare) if app.transform.mapping.is_some() => bare.to_string(),
            _ => stem,
        };
        let dir = match path.parent() {
            Some(dir) if dir.as_os_str().is_empty() => app.cwd.clone(),
            Some(dir) => app.cwd.join(dir),
            None => app.cwd.clone(),
        };
        Some((dir, stem))
    });
    let (dir, stem) = file.unwrap_or_else(|| (app.cwd.clone(), app.transform.source.stem.clone()));
    Some(Recovery {
        dir,
        stem,
        ext,
        text: app.transform.file_text(),
    })
}

/// What a new file of the transformation ends with: a mapping is kept as a mapping.
fn file_extension(app: &App) -> &'static str {
    if app.transform.mapping.is_some() {
        "mapping.toml"
    } else {
        "js"
    }
}

/// Saves the transformation, unless its file changed on disk meanwhile and the user has not
/// chosen between that and the edits here: then it asks.
pub(super) fn save(app: &mut App) -> Vec<Effect> {
    if app.transform.disk_text.is_some() {
        app.overlay = Some(Overlay::Confirm(Confirm::ChangedOnDisk));
        return Vec::new();
    }
    vec![Effect::Save {
        path: app.transform.path().cloned(),
        dir: app.cwd.clone(),
        stem: app.transform.source.stem.clone(),
        ext: file_extension(app),
        text: app.transform.file_text(),
    }]
}

pub(super) fn on_saved(
    app: &mut App,
    result: Result<std::path::PathBuf, String>,
    text: String,
) -> Vec<Effect> {
    match result {
        Ok(path) => {
            let mut effects = Vec::new();
            app.transform.set_saved(text);
            app.transform.disk_text = None;
            app.transform.saved_revision = None;
            app.transform.note_saved_revision();
            mark_saved_outputs(app);
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
                    text: app.transform.file_text(),
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
pub(super) fn external_editor(app: &mut App) -> Vec<Effect> {
    match app.transform.path() {
        Some(path) if !app.transform.is_dirty() => vec![Effect::OpenEditor {
            target: EditTarget::Transform(path.clone()),
            text: app.transform.file_text(),
        }],
        _ => {
            app.edit_after_save = true;
            save(app)
        }
    }
}

pub(super) fn on_external_edit(
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

/// The outputs of the revision that holds the saved text become the saved version's.
fn mark_saved_outputs(app: &mut App) {
    let Some(saved) = app.transform.saved_revision else {
        return;
    };
    app.results.change_each(|result| {
        if result.basis.revision == saved {
            result.saved = result.output.clone();
        }
    });
}

/// The transformation's file changed (an editor saved it): take the new text unless that
/// would lose in-app edits; then the change is kept aside and the next save asks whether to
/// reload it or write the edits over it.
pub(super) fn reload_from_disk(app: &mut App, text: String) -> Vec<Effect> {
    if app.transform.mapping.is_some() {
        return super::mapping::reload_from_disk(app, text);
    }
    if text == app.transform.text() {
        app.transform.saved_text = text;
        app.transform.disk_text = None;
        app.transform.note_saved_revision();
        mark_saved_outputs(app);
        return Vec::new();
    }
    let name = app.transform_name();
    if app.transform.is_dirty() {
        let keys = app.keymap.first_key_text(Action::Save);
        app.set_error(format!(
            "{name} changed on disk; your unsaved edits here are kept ({keys} asks: reload it or keep yours)"
        ));
        app.transform.disk_text = Some(text);
        return Vec::new();
    }
    replace_text(app, text);
    app.set_status(format!("reloaded {name}"));
    settle_view(app);
    vec![run_all(app)]
}

/// The changed-on-disk question: reload. The file's text replaces the edits here.
pub(super) fn take_disk_text(app: &mut App) -> Vec<Effect> {
    if app.transform.mapping.is_some() {
        return super::mapping::take_disk_text(app);
    }
    app.quit_after_save = false;
    app.edit_after_save = false;
    let Some(text) = app.transform.disk_text.take() else {
        return Vec::new();
    };
    let name = app.transform_name();
    replace_text(app, text);
    app.set_status(format!(
        "reloaded {name} from disk; the edits here were dropped"
    ));
    settle_view(app);
    vec![run_all(app)]
}

/// `U`: back to the saved text, asking first when that drops edits.
pub(crate) fn revert(app: &mut App) -> Vec<Effect> {
    if !app.transform.is_dirty() {
        app.set_status(format!("{}: nothing to revert", app.transform_name()));
        return Vec::new();
    }
    app.overlay = Some(Overlay::Confirm(Confirm::Revert));
    Vec::new()
}

/// The revert question answered: the saved text replaces the edits.
pub(super) fn revert_now(app: &mut App) -> Vec<Effect> {
    if app.transform.mapping.is_some() {
        return super::mapping::revert_now(app);
    }
    let text = app.transform.saved_text.clone();
    replace_text(app, text);
    app.rerun_all_pending = false;
    app.set_status(format!(
        "{}: reverted to the saved version",
        app.transform_name()
    ));
    settle_view(app);
    vec![run_all(app)]
}

/// Puts `text` in the editor as the saved text, the cursor's line and the view kept.
fn replace_text(app: &mut App, text: String) {
    let (line, _) = app.transform.editor.cursor();
    let top = app.transform.editor.top;
    app.transform.editor = Editor::new(&text);
    app.transform.editor.go_to_line(line);
    app.transform.editor.top = top;
    app.transform.saved_text = text;
    app.transform.disk_text = None;
    app.transform.revision += 1;
    app.transform.saved_revision = Some(app.transform.revision);
    app.transform.compat = scan_compat(&app.transform.saved_text);
}

pub(super) fn load_transform(app: &mut App, source: TransformSource) -> Vec<Effect> {
    let path = match &source.origin {
        TransformOrigin::File(path) => Some(path.clone()),
        TransformOrigin::Preset => None,
    };
    // The revision goes on: outputs of the transformation it replaces must not look current.
    let revision = app.transform.revision + 1;
    app.transform = TransformState::new(source);
    app.transform.revision = revision;
    app.transform.saved_revision = Some(revision);
    app.mode = Mode::Normal;
    app.set_status(format!("loaded {}", app.transform_name()));
    vec![Effect::Watch(path), run_all(app)]
}

// ---------------------------------------------------------------------------------------------

/// The watched transformation file changed on disk (or could not be read).
pub(super) fn on_file_changed(
    app: &mut App,
    path: &std::path::Path,
    contents: Result<String, String>,
) -> Vec<Effect> {
    if app.transform.path().map(PathBuf::as_path) != Some(path) {
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

/// The picker's list arrived: the current transformation is selected in it.
pub(super) fn on_transforms_listed(app: &mut App, entries: Vec<PickerEntry>) {
    if let Some(Overlay::Picker(picker)) = &mut app.overlay {
        picker.selected = entries
            .iter()
            .position(|e| picker_matches_current(&app.transform.source.stem, &e.spec))
            .unwrap_or(0);
        picker.entries = Some(entries);
    }
}

pub(super) fn on_transform_loaded(
    app: &mut App,
    result: Result<TransformSource, String>,
) -> Vec<Effect> {
    match result {
        Ok(source) => load_transform(app, source),
        Err(e) => {
            app.set_error(e);
            Vec::new()
        }
    }
}

/// A signal: leave now, keeping unsaved edits in a recovery file.
pub(super) fn on_terminate(app: &mut App) -> Vec<Effect> {
    vec![Effect::Quit {
        recovery: recovery(app),
    }]
}
