//! The mapping editor: the field cursor in the Webhook pane and the pick dialog, the table's
//! edits, undo and redo, and what every change leads to: the new text parsed and compiled, the
//! compiled JavaScript put in place of the running one, every event run again.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use hookbench_core::mapping::edit::{self, EditError, TableRef};
use hookbench_core::mapping::model::{Call, Conversion, Omit, Rule, Selector, Source, SourcePath};
use hookbench_core::mapping::resolve::Origin;
use hookbench_core::mapping::{path, suggest};
use hookbench_core::transform::scan_compat;

use crate::keymap::Action;
use crate::model::app::{App, Overlay, Pane};
use crate::model::editor::Editor;
use crate::model::field_cursor::{self, BodyField};
use crate::model::mapping::{
    ChooseDialog, ChoosePurpose, InputDialog, InputPurpose, LIST_CONVERSIONS, MappingDialog,
    MappingTable, PickDialog, PickPart, PickTarget, TableRow, conversion_named, family_of,
    own_table, table_ref,
};
use crate::model::message::Effect;
use crate::update::keys::copy;
use crate::update::runs::run_all;
use crate::update::scroll::{half_page, settle_view, show_line};

/// The currency path money reads when nothing better was found.
const DEFAULT_CURRENCY: &str = "data.currency";

/// An action while the transformation is a mapping: Some when the mapping editor takes it. For a
/// JavaScript transformation the mapping's own actions do nothing.
pub(super) fn on_action(app: &mut App, action: Action) -> Option<Vec<Effect>> {
    if app.transform.mapping.is_none() {
        return is_mapping_action(action).then(Vec::new);
    }
    let show_js = app.transform.mapping.as_ref().is_some_and(|m| m.show_js);
    let table_focused = app.focus == Pane::Transform && !show_js;
    let effects = match action {
        Action::Up
        | Action::Down
        | Action::HalfPageDown
        | Action::HalfPageUp
        | Action::Top
        | Action::Bottom
            if app.focus == Pane::Webhook || table_focused =>
        {
            let delta = match action {
                Action::Up => -1,
                Action::Down => 1,
                Action::HalfPageDown => half_page(app),
                Action::HalfPageUp => -half_page(app),
                Action::Top => isize::MIN / 2,
                _ => isize::MAX / 2,
            };
            if app.focus == Pane::Webhook {
                move_field_cursor(app, delta);
            } else {
                move_table_cursor(app, delta);
            }
            Vec::new()
        }
        Action::Open | Action::MappingPick if app.focus == Pane::Webhook => open_pick(app),
        Action::MappingPick => {
            app.set_status(format!(
                "{} picks the field under the cursor in the Webhook pane ({} focuses it)",
                app.keymap.first_key_text(Action::MappingPick),
                app.keymap.first_key_text(Action::FocusWebhook)
            ));
            Vec::new()
        }
        Action::Open | Action::Edit if app.focus == Pane::Transform => {
            tell_how_to_edit(app);
            Vec::new()
        }
        Action::Edit => {
            tell_how_to_edit(app);
            Vec::new()
        }
        Action::CopyPayload if app.focus == Pane::Transform => {
            let js = app
                .transform
                .mapping
                .as_ref()
                .map(|m| m.compiled.clone())
                .unwrap_or_default();
            copy(app, js, "generated JavaScript")
        }
        Action::MappingShowJs => {
            if let Some(m) = &mut app.transform.mapping {
                m.show_js = !m.show_js;
            }
            Vec::new()
        }
        Action::MappingUndo => undo_redo(app, true),
        Action::MappingRedo => undo_redo(app, false),
        Action::MappingAddCase => add_case(app),
        Action::MappingCall => open_call(app),
        Action::MappingEventName => open_event_name(app),
        Action::MappingCancel => cancel(app),
        Action::MappingRename
        | Action::MappingConvert
        | Action::MappingSource
        | Action::MappingRemove
        | Action::MappingMoveUp
        | Action::MappingMoveDown
        | Action::MappingFamily => on_row(app, action),
        _ => return None,
    };
    Some(effects)
}

/// The normal-mode actions of the mapping editor.
fn is_mapping_action(action: Action) -> bool {
    matches!(
        action,
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
            | Action::MappingRedo
    )
}

fn open_dialog(app: &mut App, dialog: MappingDialog) {
    app.overlay = Some(Overlay::Mapping(Box::new(dialog)));
}

fn tell_how_to_edit(app: &mut App) {
    let keys = &app.keymap;
    let text = format!(
        "a mapping is edited in its table ({} help lists the keys), by picking fields in the Webhook pane ({}), or in $EDITOR ({})",
        keys.first_key_text(Action::Help),
        keys.first_key_text(Action::MappingPick),
        keys.first_key_text(Action::ExternalEditor)
    );
    app.set_status(text);
}

/// The selected event's type, if it has one.
fn selected_type(app: &App) -> Option<String> {
    app.selected()
        .map(|e| e.event_type.clone())
        .filter(|t| !t.is_empty())
}

/// The mapping table of the selected event's type.
fn current_table(app: &App) -> Option<MappingTable> {
    let event_type = selected_type(app)?;
    Some(app.transform.mapping.as_ref()?.table(&event_type))
}

/// The row under the table's cursor (the cursor kept within the rows).
fn current_row(app: &App) -> Option<(String, TableRow)> {
    let event_type = selected_type(app)?;
    let table = current_table(app)?;
    let rows = table.rows();
    let cursor = app.transform.mapping.as_ref()?.table_cursor;
    let row = rows.get(cursor.min(rows.len().checked_sub(1)?))?.clone();
    Some((event_type, row))
}

fn move_field_cursor(app: &mut App, delta: isize) {
    let count = field_cursor::fields(app).len();
    let Some(m) = &mut app.transform.mapping else {
        return;
    };
    let last = count.saturating_sub(1);
    m.field_cursor = m
        .field_cursor
        .min(last)
        .saturating_add_signed(delta)
        .min(last);
    if let Some(line) = field_cursor::current(app).and_then(|f| f.line) {
        show_line(app, Pane::Webhook, line);
    }
}

fn move_table_cursor(app: &mut App, delta: isize) {
    let count = current_table(app).map_or(0, |t| t.rows().len());
    if let Some(m) = &mut app.transform.mapping {
        let last = count.saturating_sub(1);
        m.table_cursor = m
            .table_cursor
            .min(last)
            .saturating_add_signed(delta)
            .min(last);
    }
}

/// A new selected event: the cursors start again at the top.
pub(super) fn selection_changed(app: &mut App) {
    if let Some(m) = &mut app.transform.mapping {
        m.field_cursor = 0;
        m.table_cursor = 0;
    }
}

// ---------------------------------------------------------------------------------------------
// Changes

/// An edit's result: the new text becomes the mapping's (an undo step), is compiled and runs.
fn apply(app: &mut App, result: Result<String, EditError>, done: String) -> Vec<Effect> {
    let text = match result {
        Ok(text) => text,
        Err(e) => {
            app.set_error(format!("the mapping is unchanged: {e}"));
            return Vec::new();
        }
    };
    let Some(m) = &mut app.transform.mapping else {
        return Vec::new();
    };
    if !m.edit(text) {
        app.set_status("the mapping is unchanged: it already says so");
        return Vec::new();
    }
    app.set_status(done);
    took_text(app)
}

/// The mapping's text changed: its compiled JavaScript replaces the running one (when it has no
/// error) and every event runs again; errors are told, the last good JavaScript still running.
fn took_text(app: &mut App) -> Vec<Effect> {
    let Some(m) = &app.transform.mapping else {
        return Vec::new();
    };
    let compiled = m.compiled.clone();
    let errors = m
        .diagnostics
        .iter()
        .filter(|d| d.severity == hookbench_core::mapping::Severity::Error)
        .count();
    if errors > 0 {
        app.set_error(format!(
            "the mapping has {errors} error(s) (listed under the table); the last version without errors keeps running"
        ));
    }
    settle_view(app);
    if app.transform.editor.text() == compiled {
        return Vec::new();
    }
    let top = app.transform.editor.top;
    app.transform.editor = Editor::new(&compiled);
    app.transform.editor.top = top;
    app.transform.compat = scan_compat(&compiled);
    app.transform.revision += 1;
    app.rerun_all_pending = false;
    let effects = vec![run_all(app)];
    settle_view(app);
    effects
}

fn undo_redo(app: &mut App, undo: bool) -> Vec<Effect> {
    let Some(m) = &mut app.transform.mapping else {
        return Vec::new();
    };
    let done = if undo { m.undo() } else { m.redo() };
    let keys = &app.keymap;
    if done.is_none() {
        app.set_status(if undo {
            "nothing to undo in the mapping".to_string()
        } else {
            format!(
                "nothing to redo in the mapping ({} undoes)",
                keys.first_key_text(Action::MappingUndo)
            )
        });
        return Vec::new();
    }
    app.set_status(if undo {
        format!(
            "undone ({} redoes)",
            keys.first_key_text(Action::MappingRedo)
        )
    } else {
        "redone".to_string()
    });
    took_text(app)
}

/// The mapping's file changed on disk (an editor saved it): taken unless that would lose edits
/// here; then it is kept aside and the next save asks, as for JavaScript.
pub(super) fn reload_from_disk(app: &mut App, text: String) -> Vec<Effect> {
    let name = app.transform_name();
    let Some(m) = &mut app.transform.mapping else {
        return Vec::new();
    };
    if text == m.text {
        m.saved_text = text;
        app.transform.disk_text = None;
        app.transform.saved_text = app.transform.editor.text();
        app.transform.note_saved_revision();
        return Vec::new();
    }
    if m.is_dirty() {
        let keys = app.keymap.first_key_text(Action::Save);
        app.set_error(format!(
            "{name} changed on disk; your unsaved edits here are kept ({keys} asks: reload it or keep yours)"
        ));
        app.transform.disk_text = Some(text);
        return Vec::new();
    }
    app.set_status(format!("reloaded {name}"));
    replace(app, text)
}

/// The changed-on-disk question answered with reload: the file's text replaces the edits here.
pub(super) fn take_disk_text(app: &mut App) -> Vec<Effect> {
    app.quit_after_save = false;
    app.edit_after_save = false;
    let Some(text) = app.transform.disk_text.take() else {
        return Vec::new();
    };
    let name = app.transform_name();
    app.set_status(format!(
        "reloaded {name} from disk; the edits here were dropped"
    ));
    replace(app, text)
}

/// The revert question answered: the saved text replaces the edits.
pub(super) fn revert_now(app: &mut App) -> Vec<Effect> {
    let Some(text) = app.transform.mapping.as_ref().map(|m| m.saved_text.clone()) else {
        return Vec::new();
    };
    app.set_status(format!(
        "{}: reverted to the saved version",
        app.transform_name()
    ));
    replace(app, text)
}

/// `text` becomes the mapping's as saved (an undo step, so the table's edits before it can come
/// back), and runs.
fn replace(app: &mut App, text: String) -> Vec<Effect> {
    let Some(m) = &mut app.transform.mapping else {
        return Vec::new();
    };
    m.edit(text.clone());
    m.saved_text = text;
    app.transform.disk_text = None;
    let effects = took_text(app);
    app.transform.saved_text = app.transform.editor.text();
    app.transform.saved_revision = Some(app.transform.revision);
    effects
}

// ---------------------------------------------------------------------------------------------
// Table edits

fn no_type(app: &mut App) -> Vec<Effect> {
    app.set_error("the selected event has no type: the mapping cannot say what it becomes");
    Vec::new()
}

fn add_case(app: &mut App) -> Vec<Effect> {
    let Some(event_type) = selected_type(app) else {
        return no_type(app);
    };
    if !matches!(current_table(app), Some(MappingTable::NotCovered { .. })) {
        app.set_status(format!("{event_type} is already in the mapping"));
        return Vec::new();
    }
    let text = mapping_text(app);
    let result = edit::add_event(&text, &event_type);
    apply(
        app,
        result,
        format!("added [events.\"{event_type}\"] to the mapping"),
    )
}

fn mapping_text(app: &App) -> String {
    app.transform
        .mapping
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn open_call(app: &mut App) -> Vec<Effect> {
    let Some(event_type) = selected_type(app) else {
        return no_type(app);
    };
    let current = match current_table(app) {
        Some(MappingTable::Mapped(t)) => t.call,
        _ => Call::default(),
    };
    let options: Vec<String> = Call::ALL.iter().map(|c| c.as_str().to_string()).collect();
    let selected = Call::ALL.iter().position(|c| *c == current).unwrap_or(0);
    open_dialog(
        app,
        MappingDialog::Choose(ChooseDialog {
            purpose: ChoosePurpose::Call {
                table: own_table(&event_type),
            },
            title: format!("The call {event_type} becomes"),
            options,
            selected,
            typed: None,
        }),
    );
    Vec::new()
}

fn open_event_name(app: &mut App) -> Vec<Effect> {
    let Some(event_type) = selected_type(app) else {
        return no_type(app);
    };
    open_dialog(
        app,
        MappingDialog::Choose(ChooseDialog {
            purpose: ChoosePurpose::EventName {
                table: own_table(&event_type),
            },
            title: format!("The event name of {event_type} · type your own"),
            options: suggest::event_names(&event_type),
            selected: 0,
            typed: Some(String::new()),
        }),
    );
    Vec::new()
}

fn cancel(app: &mut App) -> Vec<Effect> {
    let Some(event_type) = selected_type(app) else {
        return no_type(app);
    };
    match current_table(app) {
        Some(MappingTable::Cancelled { .. }) => {
            let text = mapping_text(app);
            let result = edit::set_cancel(&text, &own_table(&event_type), None);
            apply(app, result, format!("{event_type} is mapped again"))
        }
        Some(MappingTable::Mapped(_)) => {
            open_dialog(
                app,
                MappingDialog::Input(InputDialog {
                    purpose: InputPurpose::CancelReason {
                        table: own_table(&event_type),
                    },
                    title: format!("Cancel {event_type}: why is nothing sent?"),
                    text: String::new(),
                    error: None,
                }),
            );
            Vec::new()
        }
        _ => {
            app.set_status(format!(
                "{event_type} is not in the mapping: nothing is sent for it already"
            ));
            Vec::new()
        }
    }
}

fn on_row(app: &mut App, action: Action) -> Vec<Effect> {
    let Some((event_type, row)) = current_row(app) else {
        if selected_type(app).is_none() {
            return no_type(app);
        }
        app.set_status("no row selected: the table of this event type has no field");
        return Vec::new();
    };
    if row.origin == Origin::Derived {
        app.set_status(format!(
            "{} is derived from the type; {} sets the event name",
            row.dotted(),
            app.keymap.first_key_text(Action::MappingEventName)
        ));
        return Vec::new();
    }
    let table = table_ref(&row.origin, &event_type);
    let where_ = row.origin.header();
    let text = mapping_text(app);
    match action {
        Action::MappingRename => {
            open_dialog(
                app,
                MappingDialog::Input(InputDialog {
                    purpose: InputPurpose::Rename {
                        table,
                        target: row.target.clone(),
                    },
                    title: format!("Rename {} (in {where_})", row.dotted()),
                    text: row.target.last().cloned().unwrap_or_default(),
                    error: None,
                }),
            );
            Vec::new()
        }
        Action::MappingSource => {
            let current = match &row.rule.source {
                Source::Path(p) => p.text.clone(),
                _ => String::new(),
            };
            open_dialog(
                app,
                MappingDialog::Input(InputDialog {
                    purpose: InputPurpose::Source {
                        table,
                        target: row.target.clone(),
                    },
                    title: format!("The path {} reads (in {where_})", row.dotted()),
                    text: current,
                    error: None,
                }),
            );
            Vec::new()
        }
        Action::MappingConvert => {
            let selected = LIST_CONVERSIONS
                .iter()
                .position(|n| *n == row.rule.convert.name())
                .unwrap_or(0);
            open_dialog(
                app,
                MappingDialog::Choose(ChooseDialog {
                    purpose: ChoosePurpose::Conversion {
                        table,
                        target: row.target.clone(),
                    },
                    title: format!("The conversion of {} (in {where_})", row.dotted()),
                    options: LIST_CONVERSIONS.iter().map(|s| s.to_string()).collect(),
                    selected,
                    typed: None,
                }),
            );
            Vec::new()
        }
        Action::MappingRemove => {
            let result = edit::remove_field(&text, &table, &row.target);
            apply(
                app,
                result,
                format!("removed {} from {where_}", row.dotted()),
            )
        }
        Action::MappingMoveUp | Action::MappingMoveDown => {
            let up = action == Action::MappingMoveUp;
            let result = edit::move_field(&text, &table, &row.target, up);
            let effects = apply(
                app,
                result,
                format!(
                    "moved {} {} in {where_}",
                    row.dotted(),
                    if up { "up" } else { "down" }
                ),
            );
            follow_row(app, &row.target);
            effects
        }
        Action::MappingFamily => {
            let Some(prefix) = family_of(&event_type) else {
                app.set_status(format!("{event_type} belongs to no family"));
                return Vec::new();
            };
            if !row.is_own(&event_type) {
                app.set_status(format!(
                    "{} is written in {where_}, not in {event_type}'s own table",
                    row.dotted()
                ));
                return Vec::new();
            }
            let result = edit::move_to_family(&text, &event_type, &row.target);
            apply(
                app,
                result,
                format!(
                    "{} now applies to every {prefix}.* type ([events.\"{prefix}.*\"])",
                    row.dotted()
                ),
            )
        }
        _ => Vec::new(),
    }
}

/// Keeps the table's cursor on the row of `target` after the rows moved.
fn follow_row(app: &mut App, target: &[String]) {
    let Some(table) = current_table(app) else {
        return;
    };
    if let Some(at) = table.rows().iter().position(|r| r.target == target)
        && let Some(m) = &mut app.transform.mapping
    {
        m.table_cursor = at;
    }
}

/// The rule written for `target` in `table`, as the selected type's table resolves it.
fn rule_of(app: &App, table: &TableRef, target: &[String]) -> Option<Rule> {
    let event_type = selected_type(app)?;
    current_table(app)?
        .rows()
        .iter()
        .find(|r| r.target == target && table_ref(&r.origin, &event_type) == *table)
        .map(|r| r.rule.clone())
}

// ---------------------------------------------------------------------------------------------
// The pick dialog

fn open_pick(app: &mut App) -> Vec<Effect> {
    let Some(event_type) = selected_type(app) else {
        return no_type(app);
    };
    let Some(field) = field_cursor::current(app) else {
        app.set_status("no field to pick: the body is not valid JSON or is empty");
        return Vec::new();
    };
    let body = app
        .selected()
        .and_then(|e| e.view.parsed.clone())
        .unwrap_or(serde_json::Value::Null);
    let dialog = pick_dialog(app, &event_type, field, &body);
    app.overlay = Some(Overlay::Mapping(Box::new(MappingDialog::Pick(dialog))));
    Vec::new()
}

fn pick_dialog(
    app: &App,
    event_type: &str,
    field: BodyField,
    body: &serde_json::Value,
) -> PickDialog {
    let name = suggest::property_name(&field.path);
    let targets = pick_targets(&name);
    // The call's main object is where a picked field most likely goes.
    let main = match current_table(app) {
        Some(MappingTable::Mapped(t)) => t.call.main_object(),
        _ => Some("properties"),
    }
    .unwrap_or("properties");
    let target = targets
        .iter()
        .position(|t| t.target.len() == 2 && t.target[0] == main)
        .unwrap_or(0);
    let (conversion, currency) = match suggest::likely_conversion(event_type, &field.path, body) {
        Conversion::Money { currency } => ("money", currency),
        other => (other.name(), default_currency()),
    };
    let mut tables = vec![own_table(event_type)];
    if let Some(prefix) = family_of(event_type) {
        tables.push(TableRef::Event(Selector::Family(prefix)));
    }
    let value = field.value.as_ref().map_or_else(
        || match &field.schema {
            Some((ty, _)) => format!("not in this body ({ty})"),
            None => "not in this body".to_string(),
        },
        |v| hookbench_core::text::escape_controls(&v.to_string(), false),
    );
    PickDialog {
        event_type: event_type.to_string(),
        value_text: field
            .value
            .as_ref()
            .and_then(|v| v.as_str())
            .map(str::to_string),
        path: field.path,
        value,
        targets,
        target,
        name,
        conversion: LIST_CONVERSIONS
            .iter()
            .position(|n| *n == conversion)
            .unwrap_or(0),
        currency,
        tables,
        table: 0,
        part: PickPart::Target,
    }
}

fn default_currency() -> SourcePath {
    path::parse_path(DEFAULT_CURRENCY).unwrap_or_else(|_| SourcePath {
        text: DEFAULT_CURRENCY.to_string(),
        segments: Vec::new(),
    })
}

fn pick_targets(name: &str) -> Vec<PickTarget> {
    suggest::targets(name)
        .into_iter()
        .map(|t| PickTarget {
            target: t.target,
            label: t.label,
            description: t.description,
            object_id: t.object_id,
        })
        .collect()
}

fn confirm_pick(app: &mut App, dialog: PickDialog) -> Vec<Effect> {
    let Some(target) = dialog.selected_target().cloned() else {
        return Vec::new();
    };
    let Some(table) = dialog.tables.get(dialog.table).cloned() else {
        return Vec::new();
    };
    let convert =
        conversion_named(dialog.conversion_name(), &dialog.currency).unwrap_or(Conversion::AsIs);
    let rule = Rule {
        source: Source::Path(dialog.path.clone()),
        convert,
        minus: None,
        omit: Omit::default(),
        required: false,
        at: 0..0,
    };
    let where_ = match &table {
        TableRef::Defaults => "[defaults]".to_string(),
        TableRef::Event(s) => format!("[events.\"{}\"]", s.key()),
    };
    let text = mapping_text(app);
    let (result, done) = if target.object_id {
        (
            edit::set_object_id(&text, &table, &rule),
            format!("object_id ← {} in {where_}", dialog.path.text),
        )
    } else if target.target == ["event"]
        && let Some(name) = &dialog.value_text
    {
        (
            edit::set_event_name(&text, &table, name),
            format!("event = {name:?} in {where_}"),
        )
    } else {
        (
            edit::set_field(&text, &table, &target.target, &rule),
            format!(
                "{} ← {} · {} in {where_}",
                target.target.join("."),
                dialog.path.text,
                hookbench_core::mapping::describe::convert(&rule.convert)
            ),
        )
    };
    let effects = apply(app, result, done);
    follow_row(app, &target.target);
    effects
}

// ---------------------------------------------------------------------------------------------
// Dialog keys

/// A key in a mapping dialog.
pub(super) fn on_dialog_key(
    app: &mut App,
    dialog: MappingDialog,
    key: KeyEvent,
    action: Option<Action>,
) -> Vec<Effect> {
    if action == Some(Action::MappingDialogClose) {
        app.overlay = None;
        return Vec::new();
    }
    let typed = match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    };
    match dialog {
        MappingDialog::Input(mut input) => {
            match action {
                Some(Action::MappingDialogConfirm) => {
                    app.overlay = None;
                    return confirm_input(app, input);
                }
                Some(Action::MappingDialogBackspace) => {
                    input.text.pop();
                }
                Some(Action::MappingDialogClear) => input.text.clear(),
                _ => {
                    if let Some(c) = typed {
                        input.text.push(c);
                    }
                }
            }
            input.error = None;
            app.overlay = Some(Overlay::Mapping(Box::new(MappingDialog::Input(input))));
            Vec::new()
        }
        MappingDialog::Choose(mut choose) => {
            let count = choose.shown().len();
            match action {
                Some(Action::MappingDialogConfirm) => {
                    app.overlay = None;
                    return confirm_choice(app, choose);
                }
                Some(Action::MappingDialogDown) => {
                    choose.selected = (choose.selected + 1).min(count.saturating_sub(1));
                }
                Some(Action::MappingDialogUp) => {
                    choose.selected = choose.selected.saturating_sub(1);
                }
                Some(Action::MappingDialogBackspace) => {
                    if let Some(t) = &mut choose.typed {
                        t.pop();
                        choose.selected = 0;
                    }
                }
                Some(Action::MappingDialogClear) => {
                    if let Some(t) = &mut choose.typed {
                        t.clear();
                        choose.selected = 0;
                    }
                }
                _ => {
                    if let (Some(c), Some(t)) = (typed, &mut choose.typed) {
                        t.push(c);
                        choose.selected = 0;
                    }
                }
            }
            app.overlay = Some(Overlay::Mapping(Box::new(MappingDialog::Choose(choose))));
            Vec::new()
        }
        MappingDialog::Pick(mut pick) => {
            let part_at = PickPart::ALL
                .iter()
                .position(|p| *p == pick.part)
                .unwrap_or(0);
            let step = |delta: isize| {
                let n = PickPart::ALL.len() as isize;
                PickPart::ALL[(part_at as isize + delta).rem_euclid(n) as usize]
            };
            match action {
                Some(Action::MappingDialogConfirm) => {
                    app.overlay = None;
                    return confirm_pick(app, pick);
                }
                Some(Action::MappingDialogNext) => pick.part = step(1),
                Some(Action::MappingDialogPrev) => pick.part = step(-1),
                Some(Action::MappingDialogDown | Action::MappingDialogUp) => {
                    let down = action == Some(Action::MappingDialogDown);
                    let (at, count) = match pick.part {
                        PickPart::Target | PickPart::Name => (&mut pick.target, pick.targets.len()),
                        PickPart::Conversion => (&mut pick.conversion, LIST_CONVERSIONS.len()),
                        PickPart::Table => (&mut pick.table, pick.tables.len()),
                    };
                    *at = if down {
                        (*at + 1).min(count.saturating_sub(1))
                    } else {
                        at.saturating_sub(1)
                    };
                }
                Some(Action::MappingDialogBackspace) if pick.part == PickPart::Name => {
                    pick.name.pop();
                    pick.targets = pick_targets(&pick.name);
                }
                Some(Action::MappingDialogClear) if pick.part == PickPart::Name => {
                    pick.name.clear();
                    pick.targets = pick_targets(&pick.name);
                }
                _ => {
                    if let Some(c) = typed
                        && pick.part == PickPart::Name
                    {
                        pick.name.push(c);
                        pick.targets = pick_targets(&pick.name);
                    }
                }
            }
            app.overlay = Some(Overlay::Mapping(Box::new(MappingDialog::Pick(pick))));
            Vec::new()
        }
    }
}

/// Text pasted while a dialog that takes text is open; true when it took it.
pub(super) fn on_paste(app: &mut App, text: &str) -> bool {
    let line = text.lines().next().unwrap_or_default();
    let Some(Overlay::Mapping(dialog)) = &mut app.overlay else {
        return false;
    };
    match dialog.as_mut() {
        MappingDialog::Input(input) => {
            input.text.push_str(line);
            true
        }
        MappingDialog::Choose(choose) => {
            if let Some(t) = &mut choose.typed {
                t.push_str(line);
                choose.selected = 0;
            }
            true
        }
        MappingDialog::Pick(pick) => {
            if pick.part == PickPart::Name {
                pick.name.push_str(line);
                pick.targets = pick_targets(&pick.name);
            }
            true
        }
    }
}

/// Reopens an input dialog with why its text was refused.
fn refuse(app: &mut App, mut input: InputDialog, why: String) -> Vec<Effect> {
    input.error = Some(why);
    app.overlay = Some(Overlay::Mapping(Box::new(MappingDialog::Input(input))));
    Vec::new()
}

fn confirm_input(app: &mut App, input: InputDialog) -> Vec<Effect> {
    let typed = input.text.trim().to_string();
    let text = mapping_text(app);
    match input.purpose.clone() {
        InputPurpose::Rename { table, target } => {
            if typed.is_empty() {
                return refuse(app, input, "a name cannot be empty".into());
            }
            let mut new_target = target.clone();
            if let Some(last) = new_target.last_mut() {
                *last = typed.clone();
            }
            let result = edit::rename_field(&text, &table, &target, &new_target);
            let effects = apply(
                app,
                result,
                format!("renamed {} to {}", target.join("."), new_target.join(".")),
            );
            follow_row(app, &new_target);
            effects
        }
        InputPurpose::Source { table, target } => {
            let path = match path::parse_path(&typed) {
                Ok(path) => path,
                Err(e) => return refuse(app, input, format!("not a path: {e}")),
            };
            let Some(mut rule) = rule_of(app, &table, &target) else {
                return Vec::new();
            };
            rule.source = Source::Path(path);
            let result = edit::set_field(&text, &table, &target, &rule);
            apply(app, result, format!("{} ← {typed}", target.join(".")))
        }
        InputPurpose::CancelReason { table } => {
            if typed.is_empty() {
                return refuse(app, input, "say why nothing is sent for it".into());
            }
            let result = edit::set_cancel(&text, &table, Some(&typed));
            apply(app, result, format!("cancelled: {typed}"))
        }
    }
}

fn confirm_choice(app: &mut App, choose: ChooseDialog) -> Vec<Effect> {
    let Some(chosen) = choose.chosen() else {
        return Vec::new();
    };
    let text = mapping_text(app);
    match choose.purpose {
        ChoosePurpose::Conversion { table, target } => {
            let Some(mut rule) = rule_of(app, &table, &target) else {
                return Vec::new();
            };
            let currency = match &rule.convert {
                Conversion::Money { currency } => currency.clone(),
                _ => likely_currency(app, &rule),
            };
            let Some(convert) = conversion_named(&chosen, &currency) else {
                return Vec::new();
            };
            rule.convert = convert;
            let done = format!(
                "{} · {}",
                target.join("."),
                hookbench_core::mapping::describe::convert(&rule.convert)
            );
            let result = edit::set_field(&text, &table, &target, &rule);
            apply(app, result, done)
        }
        ChoosePurpose::Call { table } => {
            let Some(call) = Call::parse(&chosen) else {
                return Vec::new();
            };
            let result = edit::set_call(&text, &table, call);
            apply(app, result, format!("call = {chosen}"))
        }
        ChoosePurpose::EventName { table } => {
            let result = edit::set_event_name(&text, &table, &chosen);
            apply(app, result, format!("event = {chosen:?}"))
        }
    }
}

/// The currency money would read for a rule: what the suggestions find beside its path in the
/// selected body, else `data.currency`.
fn likely_currency(app: &App, rule: &Rule) -> SourcePath {
    let (Some(event_type), Source::Path(path)) = (selected_type(app), &rule.source) else {
        return default_currency();
    };
    let body = app
        .selected()
        .and_then(|e| e.view.parsed.clone())
        .unwrap_or(serde_json::Value::Null);
    match suggest::likely_conversion(&event_type, path, &body) {
        Conversion::Money { currency } => currency,
        _ => default_currency(),
    }
}
