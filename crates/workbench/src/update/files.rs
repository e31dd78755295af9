//! Files: saving, `$EDITOR`, reloading on change, loading from the picker, and the recovery
//! file a forced exit keeps.

use std::path::PathBuf;

use hookbench_core::text::escape_bytes;
use hookbench_core::transform::presets::{TransformOrigin, TransformSource};
use hookbench_core::transform::scan_compat;

use crate::model::app::{App, Mode, Overlay, TransformState};
use crate::model::editor::Editor;
use crate::model::message::{EditTarget, Effect, PickerEntry, Recovery};
use crate::update::runs::{run_all, run_keys};
use crate::update::scroll::settle_view;

pub(super) fn picker_matches_current(stem: &str, spec: &str) -> bool {
    std::path::Path::new(spec)
        .file_stem()
        .is_some_and(|s| s.to_string_lossy() == stem)
}

pub(super) fn recovery(app: &App) -> Option<Recovery> {
    app.transform.is_dirty().then(|| Recovery {
        dir: app.cwd.clone(),
        stem: app.transform.source.stem.clone(),
        text: app.transform.text(),
    })
}

pub(super) fn save(app: &mut App) -> Vec<Effect> {
    vec![Effect::Save {
        path: app.transform.path().cloned(),
        dir: app.cwd.clone(),
        stem: app.transform.source.stem.clone(),
        text: app.transform.text(),
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
pub(super) fn external_editor(app: &mut App) -> Vec<Effect> {
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

/// The transformation's file changed (an editor saved it): take the new text unless that
/// would lose in-app edits.
pub(super) fn reload_from_disk(app: &mut App, text: String) -> Vec<Effect> {
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

pub(super) fn load_transform(app: &mut App, source: TransformSource) -> Vec<Effect> {
    let path = match &source.origin {
        TransformOrigin::File(path) => Some(path.clone()),
        TransformOrigin::Preset => None,
    };
    // The revision goes on: outputs of the transformation it replaces must not look current.
    let revision = app.transform.revision + 1;
    app.transform = TransformState::new(source);
    app.transform.revision = revision;
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
