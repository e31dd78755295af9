//! The workbench's key map: which key triggers which [`Action`], in normal mode and in the
//! editors and overlays. One table ([`TABLE`]) holds every action's name, help group,
//! description and default keys; the config parser, the help overlay, the status-bar and dialog
//! hints and the did-you-mean all read it.
//!
//! Defaults are lazygit/gitui/vim-like; the configuration file's `[keys]` section replaces the
//! keys of the normal-mode actions it names. Keys are compared as normalised [`KeyCombo`]s because terminals
//! report the same key press in different ways (`G` with or without SHIFT, Shift-Tab as `BackTab`
//! with or without SHIFT, Ctrl-Shift-S as `S` or `s`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use hookbench_core::config::KeyBinding;
use hookbench_core::suggest::{closest_names, did_you_mean};

/// Everything a key can do in the workbench: the actions of normal mode, then those of the
/// editors and overlays. (Ctrl-C force-quit is hard-wired elsewhere and not part of the map.)
///
/// Declared in the order of [`TABLE`], whose rows are indexed by the discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Up,
    Down,
    Left,
    Right,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    /// Scroll a text pane back to the start of its lines.
    LineStart,
    /// Scroll a text pane to the end of its longest line in view.
    LineEnd,
    /// Wrap a text pane's long lines, or not.
    ToggleWrap,
    /// The next match of the search.
    SearchNext,
    /// The previous match of the search.
    SearchPrev,
    /// Select the next finding under a pane's text and show its line.
    FindingNext,
    /// Select the previous finding under a pane's text and show its line.
    FindingPrev,
    FocusNext,
    FocusPrev,
    FocusEvents,
    FocusWebhook,
    FocusTransform,
    FocusSegment,
    FocusLogs,
    /// Enter: the selected event's output in the events list, the editor in the transformation.
    Open,
    /// Edit the transformation in the app.
    Edit,
    /// Open the transformation in `$EDITOR`.
    ExternalEditor,
    /// Save the transformation.
    Save,
    /// Open the transformation picker.
    PickTransform,
    /// Run the transformation again on every event.
    Rerun,
    /// Put the transformation back as it was last saved or loaded.
    Revert,
    /// Filter the events list.
    Filter,
    /// Group events by family or not.
    ToggleGroups,
    /// Edit the selected webhook body in the app.
    ModifyBody,
    /// Edit the selected webhook body in `$EDITOR`.
    ModifyBodyExternal,
    /// Drop the modifications of the selected body.
    ResetBody,
    /// Toggle the diff of the output against the previous output.
    Diff,
    /// Copy the output payload (OSC 52).
    CopyPayload,
    /// Copy the output as a curl command.
    CopyCurl,
    /// Mapping: pick the body field under the cursor into the mapping.
    MappingPick,
    /// Mapping: rename the selected row's field.
    MappingRename,
    /// Mapping: change the selected row's conversion.
    MappingConvert,
    /// Mapping: change the selected row's source path.
    MappingSource,
    /// Mapping: remove the selected row.
    MappingRemove,
    /// Mapping: move the selected row up.
    MappingMoveUp,
    /// Mapping: move the selected row down.
    MappingMoveDown,
    /// Mapping: set the event type's call.
    MappingCall,
    /// Mapping: set the event type's event name.
    MappingEventName,
    /// Mapping: cancel the event type with a reason, or map it again.
    MappingCancel,
    /// Mapping: move the selected row to the type's family table.
    MappingFamily,
    /// Mapping: add a case for a type the mapping does not cover.
    MappingAddCase,
    /// Mapping: the generated JavaScript in place of the table, or back.
    MappingShowJs,
    /// Mapping: undo the last change.
    MappingUndo,
    /// Mapping: redo the last change undone.
    MappingRedo,
    /// Send the selected event.
    Send,
    /// Send every listed event, batched.
    SendAll,
    /// Cancel sends waiting to retry.
    CancelSend,
    /// Switch where sends go.
    Destination,
    /// The write-key dialog.
    WriteKey,
    /// The bottom panel's next tab.
    PanelNext,
    /// The bottom panel's previous tab.
    PanelPrev,
    /// Start or stop receiving webhooks.
    Listen,
    /// The next layout: auto, wide, split, tabs.
    CycleLayout,
    /// Narrow the events list.
    EventsNarrower,
    /// Widen the events list.
    EventsWider,
    /// Give the bottom panel more rows.
    PanelGrow,
    /// Give the bottom panel fewer rows.
    PanelShrink,
    /// Hide or show the bottom panel.
    PanelToggle,
    /// Open the message log.
    Messages,
    Help,
    Quit,
    /// Leave the transformation or body editor.
    EditorLeave,
    /// Save the transformation from its editor.
    EditorSave,
    /// Help overlay: scroll one line down.
    HelpDown,
    /// Help overlay: scroll one line up.
    HelpUp,
    /// Help overlay: scroll a page down.
    HelpPageDown,
    /// Help overlay: scroll a page up.
    HelpPageUp,
    /// Help overlay: back to the top.
    HelpTop,
    /// Picker: close it.
    PickerClose,
    /// Picker: the next entry.
    PickerDown,
    /// Picker: the previous entry.
    PickerUp,
    /// Picker: the first entry.
    PickerTop,
    /// Picker: the last entry.
    PickerBottom,
    /// Picker: load the selected entry.
    PickerLoad,
    /// Picker: clear the filter typed so far.
    PickerClearFilter,
    /// Picker: delete the filter's last character.
    PickerBackspace,
    /// Message log: close it.
    MessagesClose,
    /// Message log: one line down.
    MessagesDown,
    /// Message log: one line up.
    MessagesUp,
    /// Message log: a page down.
    MessagesPageDown,
    /// Message log: a page up.
    MessagesPageUp,
    /// Message log: the oldest message.
    MessagesTop,
    /// Message log: the newest message.
    MessagesBottom,
    /// A question: its primary action, never one that loses anything (save and quit, send).
    AnswerYes,
    /// A question: cancel, nothing happens.
    AnswerNo,
    /// A question: the choice that throws edits away (quit without saving, load over them).
    AnswerDiscard,
    /// The changed-on-disk question: take the file as it is on disk, dropping the edits here.
    AnswerReload,
    /// The changed-on-disk question: keep the edits here and write them over the file.
    AnswerKeep,
    /// Write-key dialog: close it.
    KeyDialogClose,
    /// Write-key dialog: switch the region.
    KeyDialogRegion,
    /// Write-key dialog: show or hide the key.
    KeyDialogReveal,
    /// Write-key dialog: clear the field.
    KeyDialogClear,
    /// Write-key dialog: delete the last character.
    KeyDialogBackspace,
    /// Write-key dialog: use the key until the workbench closes.
    KeyDialogUse,
    /// Write-key dialog: use the key and check it.
    KeyDialogCheck,
    /// Write-key dialog: use the key and save it to the config file.
    KeyDialogSave,
    /// Sends tab: open the selected send's request and answer.
    SendsOpen,
    /// Sends tab: back from an open send to the list.
    SendsClose,
    /// Mapping dialog: close it, changing nothing.
    MappingDialogClose,
    /// Mapping dialog: make the change.
    MappingDialogConfirm,
    /// Mapping dialog: the next part.
    MappingDialogNext,
    /// Mapping dialog: the previous part.
    MappingDialogPrev,
    /// Mapping dialog: the next choice of a list.
    MappingDialogDown,
    /// Mapping dialog: the previous choice of a list.
    MappingDialogUp,
    /// Mapping dialog: delete the text's last character.
    MappingDialogBackspace,
    /// Mapping dialog: clear the text.
    MappingDialogClear,
}

/// Where an action's keys apply. Only [`Scope::Normal`] actions can be rebound in the
/// configuration file; the others keep their built-in keys. Keys are unique within a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The panes, when no editor, filter or overlay takes the keys.
    Normal,
    /// Typing into the transformation or a body.
    Editor,
    /// The `?` overlay.
    Help,
    /// The transformation picker.
    Picker,
    /// The message log.
    Messages,
    /// A question (quit with unsaved edits, send despite lint errors, send every event to
    /// Segment, drop unsaved edits, a file changed on disk): every one takes the same keys.
    Question,
    /// The write-key dialog.
    KeyDialog,
    /// The Sends tab of the bottom panel, while the panel has the focus (j/k move through the
    /// sends there).
    Sends,
    /// A dialog of the mapping editor (the pick dialog, a name, a path, a list).
    MappingDialog,
}

impl Scope {
    /// Whether a key is looked up with its modifiers only. Elsewhere a key that is not bound
    /// as pressed is looked up again with only Ctrl kept, then with no modifiers, so that
    /// `shift-enter` confirms like `enter` and `ctrl-alt-s` saves like `ctrl-s`.
    fn exact(self) -> bool {
        self == Scope::Normal
    }
}

/// One row of the key table.
#[derive(Debug)]
pub struct ActionRow {
    pub action: Action,
    pub scope: Scope,
    /// The help overlay's heading; each group is one run of rows.
    pub group: &'static str,
    /// The name used in the config file: kebab-case ("quit", "focus-next", "copy-curl", …).
    pub name: &'static str,
    /// One short line for the help overlay.
    pub description: &'static str,
    pub default_keys: &'static [KeyCombo],
}

/// Builds a row; keeps the table one line per action.
const fn row(
    action: Action,
    scope: Scope,
    group: &'static str,
    name: &'static str,
    description: &'static str,
    default_keys: &'static [KeyCombo],
) -> ActionRow {
    ActionRow {
        action,
        scope,
        group,
        name,
        description,
        default_keys,
    }
}

use KeyCode as K;
use Scope as S;

/// Every action, once, in help order (navigation, focus, transformation, webhook, output, send,
/// bottom panel, incoming, layout, app), then the editors' and overlays' actions.
#[rustfmt::skip]
const TABLE: &[ActionRow] = &[
    row(Action::Up, S::Normal, "Navigation", "up", "Move up", &[ch('k'), plain(K::Up)]),
    row(Action::Down, S::Normal, "Navigation", "down", "Move down", &[ch('j'), plain(K::Down)]),
    row(Action::Left, S::Normal, "Navigation", "left", "Move or scroll left", &[ch('h'), plain(K::Left)]),
    row(Action::Right, S::Normal, "Navigation", "right", "Move or scroll right", &[ch('l'), plain(K::Right)]),
    row(Action::Top, S::Normal, "Navigation", "top", "Go to the top", &[ch('g'), plain(K::Home)]),
    row(Action::Bottom, S::Normal, "Navigation", "bottom", "Go to the bottom", &[ch('G'), plain(K::End)]),
    row(Action::HalfPageDown, S::Normal, "Navigation", "half-page-down", "Scroll half a page down", &[ctrl('d'), plain(K::PageDown)]),
    row(Action::HalfPageUp, S::Normal, "Navigation", "half-page-up", "Scroll half a page up", &[ctrl('u'), plain(K::PageUp)]),
    row(Action::LineStart, S::Normal, "Navigation", "line-start", "Scroll a text pane back to the start of its lines", &[ch('0')]),
    row(Action::LineEnd, S::Normal, "Navigation", "line-end", "Scroll a text pane to the end of its longest line in view", &[ch('$')]),
    row(Action::ToggleWrap, S::Normal, "Navigation", "toggle-wrap", "Wrap the focused text pane's long lines, or not", &[ch('w')]),
    row(Action::SearchNext, S::Normal, "Navigation", "search-next", "The next match of the search (/ in a text pane)", &[ch('n')]),
    row(Action::SearchPrev, S::Normal, "Navigation", "search-prev", "The previous match of the search", &[ch('N')]),
    row(Action::FindingNext, S::Normal, "Navigation", "finding-next", "Select the next finding and show its line", &[ch('f')]),
    row(Action::FindingPrev, S::Normal, "Navigation", "finding-prev", "Select the previous finding and show its line", &[ch('F')]),
    row(Action::FocusNext, S::Normal, "Focus", "focus-next", "Focus the next pane", &[plain(K::Tab)]),
    row(Action::FocusPrev, S::Normal, "Focus", "focus-prev", "Focus the previous pane", &[plain(K::BackTab)]),
    row(Action::FocusEvents, S::Normal, "Focus", "focus-events", "Focus the events list", &[ch('1')]),
    row(Action::FocusWebhook, S::Normal, "Focus", "focus-webhook", "Focus the webhook body", &[ch('2')]),
    row(Action::FocusTransform, S::Normal, "Focus", "focus-transform", "Focus the transformation", &[ch('3')]),
    row(Action::FocusSegment, S::Normal, "Focus", "focus-segment", "Focus the Segment output", &[ch('4')]),
    row(Action::FocusLogs, S::Normal, "Focus", "focus-logs", "Focus the logs", &[ch('5')]),
    row(Action::Open, S::Normal, "Focus", "open", "Show the selected event's output (Transform pane: edit)", &[plain(K::Enter)]),
    row(Action::Edit, S::Normal, "Transformation", "edit", "Edit the transformation here", &[ch('i')]),
    row(Action::ExternalEditor, S::Normal, "Transformation", "external-editor", "Open the transformation in $EDITOR", &[ch('e')]),
    row(Action::Save, S::Normal, "Transformation", "save", "Save the transformation", &[ctrl('s')]),
    row(Action::PickTransform, S::Normal, "Transformation", "pick-transform", "Pick another transformation", &[ch('t')]),
    row(Action::Rerun, S::Normal, "Transformation", "rerun", "Run the transformation again on every event", &[ch('R')]),
    row(Action::Revert, S::Normal, "Transformation", "revert", "Revert the transformation to its saved version", &[ch('U')]),
    row(Action::Filter, S::Normal, "Webhook", "filter", "Filter the events list; in a text pane, search it", &[ch('/')]),
    row(Action::ToggleGroups, S::Normal, "Webhook", "toggle-groups", "Group events by family, or not", &[ch('z')]),
    row(Action::ModifyBody, S::Normal, "Webhook", "modify-body", "Edit the selected webhook body here", &[ch('m')]),
    row(Action::ModifyBodyExternal, S::Normal, "Webhook", "modify-body-external", "Edit the selected webhook body in $EDITOR", &[ch('M')]),
    row(Action::ResetBody, S::Normal, "Webhook", "reset-body", "Drop the changes to the selected webhook body", &[ch('r')]),
    row(Action::Diff, S::Normal, "Output", "diff", "Show or hide the diff against the saved version", &[ch('d')]),
    row(Action::CopyPayload, S::Normal, "Output", "copy-payload", "Copy the output payload", &[ch('y')]),
    row(Action::CopyCurl, S::Normal, "Output", "copy-curl", "Copy the output as a curl command (write key masked)", &[ch('Y')]),
    row(Action::MappingPick, S::Normal, "Mapping", "mapping-pick", "Pick the Webhook pane's field under the cursor into the mapping", &[ch('p')]),
    row(Action::MappingRename, S::Normal, "Mapping", "mapping-rename", "Rename the table row's field", &[ch('c')]),
    row(Action::MappingConvert, S::Normal, "Mapping", "mapping-convert", "Change the table row's conversion", &[ch('V')]),
    row(Action::MappingSource, S::Normal, "Mapping", "mapping-source", "Change the table row's source path", &[ch('P')]),
    row(Action::MappingRemove, S::Normal, "Mapping", "mapping-remove", "Remove the table row", &[ch('X')]),
    row(Action::MappingMoveUp, S::Normal, "Mapping", "mapping-move-up", "Move the table row up", &[ch('{')]),
    row(Action::MappingMoveDown, S::Normal, "Mapping", "mapping-move-down", "Move the table row down", &[ch('}')]),
    row(Action::MappingCall, S::Normal, "Mapping", "mapping-call", "Set the event type's call (track, identify, …)", &[ch('T')]),
    row(Action::MappingEventName, S::Normal, "Mapping", "mapping-event-name", "Set the event type's event name", &[ch('E')]),
    row(Action::MappingCancel, S::Normal, "Mapping", "mapping-cancel", "Cancel the event type with a reason, or map it again", &[ch('O')]),
    row(Action::MappingFamily, S::Normal, "Mapping", "mapping-family", "Apply the table row to the type's whole family", &[ch('A')]),
    row(Action::MappingAddCase, S::Normal, "Mapping", "mapping-add-case", "Add a case for an event type the mapping does not cover", &[ch('a')]),
    row(Action::MappingShowJs, S::Normal, "Mapping", "mapping-show-js", "Show the generated JavaScript, or the table again", &[ch('J')]),
    row(Action::MappingUndo, S::Normal, "Mapping", "mapping-undo", "Undo the last change to the mapping", &[ctrl('z')]),
    row(Action::MappingRedo, S::Normal, "Mapping", "mapping-redo", "Redo the change to the mapping last undone", &[ctrl('y')]),
    row(Action::Send, S::Normal, "Send", "send", "Send the selected event to the destination", &[ch('s')]),
    row(Action::SendAll, S::Normal, "Send", "send-all", "Send every listed event, batched", &[ch('S')]),
    row(Action::CancelSend, S::Normal, "Send", "cancel-send", "Cancel sends waiting to retry", &[ch('x')]),
    row(Action::Destination, S::Normal, "Send", "destination", "Switch the destination: dry-run, local sink, Segment", &[ch('D')]),
    row(Action::WriteKey, S::Normal, "Send", "write-key", "Set, check or save the Segment write key", &[ch('K')]),
    row(Action::PanelNext, S::Normal, "Bottom panel", "panel-next", "Show the next tab of the bottom panel", &[ch(']')]),
    row(Action::PanelPrev, S::Normal, "Bottom panel", "panel-prev", "Show the previous tab of the bottom panel", &[ch('[')]),
    row(Action::Listen, S::Normal, "Incoming", "listen", "Start or stop receiving webhooks", &[ch('L')]),
    row(Action::CycleLayout, S::Normal, "Layout", "cycle-layout", "Switch the layout: auto, wide, split, tabs", &[ch('v')]),
    row(Action::EventsNarrower, S::Normal, "Layout", "events-narrower", "Narrow the events list", &[ch('<')]),
    row(Action::EventsWider, S::Normal, "Layout", "events-wider", "Widen the events list", &[ch('>')]),
    row(Action::PanelGrow, S::Normal, "Layout", "panel-grow", "Give the bottom panel more rows", &[ch('+'), ch('=')]),
    row(Action::PanelShrink, S::Normal, "Layout", "panel-shrink", "Give the bottom panel fewer rows", &[ch('-')]),
    row(Action::PanelToggle, S::Normal, "Layout", "panel-toggle", "Hide or show the bottom panel", &[ch('b')]),
    row(Action::Messages, S::Normal, "App", "messages", "Show every message, warning and error of the session", &[ch('@')]),
    row(Action::Help, S::Normal, "App", "help", "Show or hide this help", &[ch('?')]),
    row(Action::Quit, S::Normal, "App", "quit", "Quit hookbench", &[ch('q')]),
    row(Action::EditorLeave, S::Editor, "Editing", "editor-leave", "Leave the editor (a body edit then runs)", &[plain(K::Esc)]),
    row(Action::EditorSave, S::Editor, "Editing", "editor-save", "Save the transformation", &[ctrl('s')]),
    row(Action::HelpDown, S::Help, "Help", "help-down", "Scroll down", &[ch('j'), plain(K::Down)]),
    row(Action::HelpUp, S::Help, "Help", "help-up", "Scroll up", &[ch('k'), plain(K::Up)]),
    row(Action::HelpPageDown, S::Help, "Help", "help-page-down", "Scroll a page down", &[ch('d'), plain(K::PageDown)]),
    row(Action::HelpPageUp, S::Help, "Help", "help-page-up", "Scroll a page up", &[ch('u'), plain(K::PageUp)]),
    row(Action::HelpTop, S::Help, "Help", "help-top", "Go to the top", &[ch('g'), plain(K::Home)]),
    row(Action::PickerClose, S::Picker, "Picker", "picker-close", "Close the picker", &[plain(K::Esc)]),
    row(Action::PickerDown, S::Picker, "Picker", "picker-down", "The next transformation", &[plain(K::Down), ctrl('n'), ctrl('j')]),
    row(Action::PickerUp, S::Picker, "Picker", "picker-up", "The previous transformation", &[plain(K::Up), ctrl('p'), ctrl('k')]),
    row(Action::PickerTop, S::Picker, "Picker", "picker-top", "The first transformation", &[plain(K::Home)]),
    row(Action::PickerBottom, S::Picker, "Picker", "picker-bottom", "The last transformation", &[plain(K::End)]),
    row(Action::PickerLoad, S::Picker, "Picker", "picker-load", "Load the selected transformation", &[plain(K::Enter)]),
    row(Action::PickerClearFilter, S::Picker, "Picker", "picker-clear-filter", "Clear the filter", &[ctrl('u')]),
    row(Action::PickerBackspace, S::Picker, "Picker", "picker-backspace", "Delete the filter's last character", &[plain(K::Backspace)]),
    row(Action::MessagesClose, S::Messages, "Messages", "messages-close", "close", &[plain(K::Esc), ch('q'), ch('@')]),
    row(Action::MessagesDown, S::Messages, "Messages", "messages-down", "Scroll down", &[ch('j'), plain(K::Down)]),
    row(Action::MessagesUp, S::Messages, "Messages", "messages-up", "Scroll up", &[ch('k'), plain(K::Up)]),
    row(Action::MessagesPageDown, S::Messages, "Messages", "messages-page-down", "Scroll a page down", &[ch('d'), plain(K::PageDown)]),
    row(Action::MessagesPageUp, S::Messages, "Messages", "messages-page-up", "Scroll a page up", &[ch('u'), plain(K::PageUp)]),
    row(Action::MessagesTop, S::Messages, "Messages", "messages-top", "The oldest message", &[ch('g'), plain(K::Home)]),
    row(Action::MessagesBottom, S::Messages, "Messages", "messages-bottom", "The newest message", &[ch('G'), plain(K::End)]),
    row(Action::AnswerYes, S::Question, "Question", "answer-yes", "yes: save and quit, send", &[ch('y'), ch('Y'), plain(K::Enter)]),
    row(Action::AnswerNo, S::Question, "Question", "answer-no", "cancel", &[plain(K::Esc), ch('n'), ch('N'), ch('q')]),
    row(Action::AnswerDiscard, S::Question, "Question", "answer-discard", "discard the unsaved edits", &[ch('d'), ch('D')]),
    row(Action::AnswerReload, S::Question, "Question", "answer-reload", "reload the file from disk", &[ch('r'), ch('R')]),
    row(Action::AnswerKeep, S::Question, "Question", "answer-keep", "keep mine and write it over the file", &[ch('k'), ch('K')]),
    row(Action::KeyDialogClose, S::KeyDialog, "Write key", "key-dialog-close", "close", &[plain(K::Esc)]),
    row(Action::KeyDialogRegion, S::KeyDialog, "Write key", "key-dialog-region", "region", &[plain(K::Tab), plain(K::BackTab)]),
    row(Action::KeyDialogReveal, S::KeyDialog, "Write key", "key-dialog-reveal", "reveal", &[ctrl('r')]),
    row(Action::KeyDialogClear, S::KeyDialog, "Write key", "key-dialog-clear", "clear", &[ctrl('u')]),
    row(Action::KeyDialogBackspace, S::KeyDialog, "Write key", "key-dialog-backspace", "delete a character", &[plain(K::Backspace)]),
    row(Action::KeyDialogUse, S::KeyDialog, "Write key", "key-dialog-use", "use", &[plain(K::Enter)]),
    row(Action::KeyDialogCheck, S::KeyDialog, "Write key", "key-dialog-check", "use and check", &[ctrl('k')]),
    row(Action::KeyDialogSave, S::KeyDialog, "Write key", "key-dialog-save", "use and save to config", &[ctrl('s')]),
    row(Action::SendsOpen, S::Sends, "Sends tab", "sends-open", "Open the selected send: its request and answer in full", &[plain(K::Enter)]),
    row(Action::SendsClose, S::Sends, "Sends tab", "sends-close", "Back from an open send to the list", &[plain(K::Esc)]),
    row(Action::MappingDialogClose, S::MappingDialog, "Mapping dialog", "mapping-dialog-close", "close", &[plain(K::Esc)]),
    row(Action::MappingDialogConfirm, S::MappingDialog, "Mapping dialog", "mapping-dialog-confirm", "confirm", &[plain(K::Enter)]),
    row(Action::MappingDialogNext, S::MappingDialog, "Mapping dialog", "mapping-dialog-next", "next part", &[plain(K::Tab)]),
    row(Action::MappingDialogPrev, S::MappingDialog, "Mapping dialog", "mapping-dialog-prev", "previous part", &[plain(K::BackTab)]),
    row(Action::MappingDialogDown, S::MappingDialog, "Mapping dialog", "mapping-dialog-down", "next choice", &[plain(K::Down), ctrl('n')]),
    row(Action::MappingDialogUp, S::MappingDialog, "Mapping dialog", "mapping-dialog-up", "previous choice", &[plain(K::Up), ctrl('p')]),
    row(Action::MappingDialogBackspace, S::MappingDialog, "Mapping dialog", "mapping-dialog-backspace", "delete a character", &[plain(K::Backspace)]),
    row(Action::MappingDialogClear, S::MappingDialog, "Mapping dialog", "mapping-dialog-clear", "clear the text", &[ctrl('u')]),
];

// Rows are looked up by discriminant: the table must follow the enum's order.
const _: () = {
    let mut i = 0;
    while i < TABLE.len() {
        assert!(
            TABLE[i].action as usize == i,
            "TABLE is out of the enum's order"
        );
        i += 1;
    }
    assert!(
        Action::MappingDialogClear as usize + 1 == TABLE.len(),
        "TABLE misses an action"
    );
};

/// The normal-mode actions: the leading rows of the table.
const NORMAL_COUNT: usize = Action::Quit as usize + 1;

impl Action {
    /// This action's row of the key table.
    pub fn row(self) -> &'static ActionRow {
        &TABLE[self as usize]
    }

    /// The name used in the config file: kebab-case ("quit", "focus-next", "copy-curl", …).
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The normal-mode action a config-file name stands for; exact (kebab-case) match only, so
    /// that a misspelling gets a "did you mean" instead of a guess.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::all().iter().copied().find(|a| a.name() == name)
    }

    /// One short line for the help overlay.
    pub fn description(self) -> &'static str {
        self.row().description
    }

    /// The help overlay's heading for this action; [`Action::all`] lists each group in one run.
    pub fn group(self) -> &'static str {
        self.row().group
    }

    /// Where this action's keys apply.
    pub fn scope(self) -> Scope {
        self.row().scope
    }

    /// Every normal-mode action (the ones the config file can rebind) in help order.
    pub fn all() -> &'static [Action] {
        const ALL: [Action; NORMAL_COUNT] = {
            let mut all = [Action::Up; NORMAL_COUNT];
            let mut i = 0;
            while i < NORMAL_COUNT {
                all[i] = TABLE[i].action;
                i += 1;
            }
            all
        };
        &ALL
    }

    /// Every action of every scope, in table order.
    pub fn every() -> impl Iterator<Item = Action> {
        TABLE.iter().map(|r| r.action)
    }

    /// The built-in keys.
    fn default_keys(self) -> &'static [KeyCombo] {
        self.row().default_keys
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An already-normalised key without modifiers (for the default table).
const fn plain(code: KeyCode) -> KeyCombo {
    KeyCombo {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

/// An already-normalised character key without modifiers.
const fn ch(c: char) -> KeyCombo {
    plain(KeyCode::Char(c))
}

/// An already-normalised Ctrl + lower-case letter.
const fn ctrl(c: char) -> KeyCombo {
    KeyCombo {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

/// Ctrl-C: always quits, so it may not be bound.
const CTRL_C: KeyCombo = ctrl('c');

/// A key with its modifiers, normalised so that terminals' different reports of the same key
/// compare equal.
///
/// Rules: for [`KeyCode::Char`], SHIFT is dropped (the character already carries its case, or is
/// a symbol such as `?`); a lower-case ASCII letter that came with SHIFT alone becomes upper-case;
/// an ASCII letter with any other modifier (ctrl, alt, super, hyper, meta) is lower-cased, so
/// `ctrl-S` is `ctrl-s`. [`KeyCode::BackTab`], and Tab with SHIFT, become `BackTab` with no
/// modifiers (`shift-tab`). Build values with [`KeyCombo::new`] or [`KeyCombo::from_event`]: a
/// struct literal skips the normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyCombo {
    /// A normalised combo (see the type's rules).
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyCombo {
        match code {
            KeyCode::BackTab => plain(KeyCode::BackTab),
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => plain(KeyCode::BackTab),
            KeyCode::Char(c) => {
                let shifted = modifiers.contains(KeyModifiers::SHIFT);
                let modifiers = modifiers.difference(KeyModifiers::SHIFT);
                let c = if !modifiers.is_empty() {
                    c.to_ascii_lowercase()
                } else if shifted {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                KeyCombo {
                    code: KeyCode::Char(c),
                    modifiers,
                }
            }
            _ => KeyCombo { code, modifiers },
        }
    }

    /// The normalised combo of a terminal key event; its kind (press, repeat, release) and
    /// keypad state are ignored.
    pub fn from_event(event: &KeyEvent) -> KeyCombo {
        KeyCombo::new(event.code, event.modifiers)
    }
}

/// Modifier prefixes in the order they are printed, with every spelling the parser accepts.
const MODIFIERS: &[(KeyModifiers, &str, &[&str])] = &[
    (KeyModifiers::CONTROL, "ctrl", &["ctrl", "control", "c"]),
    (KeyModifiers::ALT, "alt", &["alt", "a"]),
    (KeyModifiers::SHIFT, "shift", &["shift", "s"]),
    (KeyModifiers::SUPER, "super", &["super"]),
    (KeyModifiers::HYPER, "hyper", &["hyper"]),
    (KeyModifiers::META, "meta", &["meta"]),
];

/// Named keys: the printed name first, then the other spellings the parser accepts.
const NAMED_KEYS: &[(KeyCode, &[&str])] = &[
    (KeyCode::Enter, &["enter", "return"]),
    (KeyCode::Esc, &["esc", "escape"]),
    (KeyCode::Tab, &["tab"]),
    (KeyCode::BackTab, &["shift-tab", "backtab"]),
    (KeyCode::Backspace, &["backspace"]),
    (KeyCode::Delete, &["delete", "del"]),
    (KeyCode::Insert, &["insert", "ins"]),
    (KeyCode::Up, &["up"]),
    (KeyCode::Down, &["down"]),
    (KeyCode::Left, &["left"]),
    (KeyCode::Right, &["right"]),
    (KeyCode::Home, &["home"]),
    (KeyCode::End, &["end"]),
    (KeyCode::PageUp, &["pgup", "pageup"]),
    (KeyCode::PageDown, &["pgdn", "pagedown", "pgdown"]),
    (KeyCode::Char(' '), &["space"]),
    (KeyCode::Null, &["null"]),
    (KeyCode::CapsLock, &["capslock"]),
    (KeyCode::ScrollLock, &["scrolllock"]),
    (KeyCode::NumLock, &["numlock"]),
    (KeyCode::PrintScreen, &["printscreen"]),
    (KeyCode::Pause, &["pause"]),
    (KeyCode::Menu, &["menu"]),
    (KeyCode::KeypadBegin, &["begin"]),
];

/// The highest function key the parser accepts (the kitty keyboard protocol reports up to F35).
const MAX_FUNCTION_KEY: u8 = 35;

impl fmt::Display for KeyCombo {
    /// Prints the form [`KeyCombo::from_str`] reads back: "q", "G", "ctrl-s", "shift-tab", "f1".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (flag, name, _) in MODIFIERS {
            // BackTab's name already says shift.
            let implied = *flag == KeyModifiers::SHIFT && self.code == KeyCode::BackTab;
            if self.modifiers.contains(*flag) && !implied {
                write!(f, "{name}-")?;
            }
        }
        if let Some((_, names)) = NAMED_KEYS.iter().find(|(code, _)| *code == self.code) {
            return f.write_str(names[0]);
        }
        match self.code {
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            // Media and lone modifier keys are printed for diagnostics only; they cannot be bound.
            KeyCode::Media(m) => write!(f, "{}", format!("{m:?}").to_ascii_lowercase()),
            KeyCode::Modifier(m) => write!(f, "{}", format!("{m:?}").to_ascii_lowercase()),
            other => write!(f, "{}", format!("{other:?}").to_ascii_lowercase()),
        }
    }
}

impl FromStr for KeyCombo {
    type Err = String;

    /// Reads what [`Display`](fmt::Display) prints. Modifier and key names are case-insensitive
    /// and may be joined with `-` or `+` ("Ctrl+S", "C-s"); a single character is taken as is
    /// ("G" is capital G, and so is "shift-g").
    fn from_str(text: &str) -> Result<KeyCombo, String> {
        if let Some(c) = single_char(text) {
            return Ok(KeyCombo::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(format!(
                "{text:?} is not a key: write a character or a name such as \"ctrl-s\", \"space\" or \"f1\""
            ));
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = trimmed;
        let code = loop {
            if let Some(c) = single_char(rest) {
                break KeyCode::Char(c);
            }
            // A separator needs a name before it: a leading '-' or '+' is the key itself.
            let separator = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| c == '-' || c == '+')
                .map(|(i, _)| i);
            let Some(at) = separator else {
                break parse_key_name(rest, text)?;
            };
            let name = &rest[..at];
            let Some(flag) = parse_modifier(name) else {
                return Err(unknown_modifier(text, rest, name));
            };
            if modifiers.contains(flag) {
                return Err(format!("{text:?}: {name:?} is given twice"));
            }
            modifiers |= flag;
            rest = &rest[at + 1..];
            if rest.is_empty() {
                return Err(format!("{text:?}: a key must follow {name:?}"));
            }
        };
        Ok(KeyCombo::new(code, modifiers))
    }
}

/// The only character of `text`, if it has exactly one.
fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The modifier a (case-insensitive) prefix names.
fn parse_modifier(name: &str) -> Option<KeyModifiers> {
    let lower = name.to_ascii_lowercase();
    MODIFIERS
        .iter()
        .find(|(_, _, spellings)| spellings.contains(&lower.as_str()))
        .map(|(flag, _, _)| *flag)
}

/// The key a multi-character name stands for; `text` is the whole input, for the message.
fn parse_key_name(name: &str, text: &str) -> Result<KeyCode, String> {
    let lower = name.to_ascii_lowercase();
    if let Some((code, _)) = NAMED_KEYS
        .iter()
        .find(|(_, spellings)| spellings.contains(&lower.as_str()))
    {
        return Ok(*code);
    }
    if let Some(number) = lower.strip_prefix('f')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
    {
        return match number.parse::<u8>() {
            Ok(n) if (1..=MAX_FUNCTION_KEY).contains(&n) => Ok(KeyCode::F(n)),
            _ => Err(format!(
                "{text:?}: function keys go from f1 to f{MAX_FUNCTION_KEY}"
            )),
        };
    }
    let names = NAMED_KEYS.iter().map(|(_, spellings)| spellings[0]);
    let hint = did_you_mean(&closest_names(&lower, names, 3), " or ").unwrap_or_else(|| {
        "a key is a single character or a name such as enter, esc, tab, space, up, pgdn, f1"
            .to_string()
    });
    if name == text.trim() {
        Err(format!("unknown key {name:?}; {hint}"))
    } else {
        Err(format!("{text:?}: unknown key {name:?}; {hint}"))
    }
}

/// The message for a prefix that is not a modifier; suggests the key name when the whole
/// remainder reads as one once its separators go ("page-down" → pgdn).
fn unknown_modifier(text: &str, rest: &str, name: &str) -> String {
    let joined: String = rest.chars().filter(|c| *c != '-' && *c != '+').collect();
    let list = MODIFIERS
        .iter()
        .map(|(_, printed, _)| *printed)
        .collect::<Vec<_>>()
        .join(", ");
    match parse_key_name(&joined, text) {
        Ok(code) => format!(
            "{text:?}: {name:?} is not a modifier; did you mean {}?",
            plain(code)
        ),
        Err(_) => format!("{text:?}: {name:?} is not a modifier (modifiers: {list})"),
    }
}

/// A `[keys]` entry that cannot be used. Every variant names the file and the entry's line.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error(
        "{} line {line}: [keys] {action}: unknown action; {}",
        path.display(),
        unknown_action_hint(suggestions)
    )]
    UnknownAction {
        path: PathBuf,
        line: usize,
        action: String,
        suggestions: Vec<String>,
    },
    /// `reason` quotes the key as written and says what is wrong with it.
    #[error("{} line {line}: [keys] {action}: {reason}", path.display())]
    InvalidKey {
        path: PathBuf,
        line: usize,
        action: Action,
        key: String,
        reason: String,
    },
    #[error(
        "{} line {line}: [keys] {action}: the key list is empty; remove the line to keep the default ({})",
        path.display(),
        keys_text(action.default_keys())
    )]
    NoKeys {
        path: PathBuf,
        line: usize,
        action: Action,
    },
    #[error(
        "{} line {line}: [keys] {action}: {key:?} is ctrl-c, which is reserved: it always quits",
        path.display()
    )]
    ReservedKey {
        path: PathBuf,
        line: usize,
        action: Action,
        key: String,
    },
    #[error("{} line {line}: [keys] {action}: {key} is listed twice", path.display())]
    RepeatedKey {
        path: PathBuf,
        line: usize,
        action: Action,
        key: KeyCombo,
    },
    #[error(
        "{} line {line}: [keys] {action} is already bound on line {first_line}",
        path.display()
    )]
    RepeatedAction {
        path: PathBuf,
        line: usize,
        action: Action,
        first_line: usize,
    },
    /// Two actions share a key; `line` is the later of the two entries, `other_line` is `None`
    /// when the other action still has its default keys.
    #[error(
        "{} line {line}: [keys] {action}: {key} is also bound to {other}{}",
        path.display(),
        conflict_hint(*other, *other_line)
    )]
    KeyConflict {
        path: PathBuf,
        line: usize,
        action: Action,
        key: KeyCombo,
        other: Action,
        other_line: Option<usize>,
    },
}

impl KeymapError {
    /// The 1-based line of the offending entry.
    pub fn line(&self) -> usize {
        match self {
            KeymapError::UnknownAction { line, .. }
            | KeymapError::InvalidKey { line, .. }
            | KeymapError::NoKeys { line, .. }
            | KeymapError::ReservedKey { line, .. }
            | KeymapError::RepeatedKey { line, .. }
            | KeymapError::RepeatedAction { line, .. }
            | KeymapError::KeyConflict { line, .. } => *line,
        }
    }
}

fn unknown_action_hint(suggestions: &[String]) -> String {
    did_you_mean(suggestions, " or ").unwrap_or_else(|| {
        let names: Vec<&str> = Action::all().iter().map(|a| a.name()).collect();
        format!("the actions are {}", names.join(", "))
    })
}

fn conflict_hint(other: Action, other_line: Option<usize>) -> String {
    match other_line {
        Some(line) => format!(" on line {line}"),
        None => format!(" by default; give {other} other keys as well"),
    }
}

/// "j / down": the keys joined for help and hints.
fn keys_text(keys: &[KeyCombo]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Every action with its built-in keys.
fn default_bindings() -> BTreeMap<Action, Vec<KeyCombo>> {
    Action::every()
        .map(|a| (a, a.default_keys().to_vec()))
        .collect()
}

/// A validated key map: every action has at least one key and no key triggers two actions of
/// one scope.
#[derive(Debug, Clone)]
pub struct KeyMap {
    by_key: HashMap<(Scope, KeyCombo), Action>,
    by_action: BTreeMap<Action, Vec<KeyCombo>>,
}

impl Default for KeyMap {
    fn default() -> KeyMap {
        KeyMap::defaults()
    }
}

impl KeyMap {
    /// The default bindings.
    pub fn defaults() -> KeyMap {
        KeyMap::from_bindings(default_bindings())
    }

    /// Defaults with the config's `[keys]` entries applied: an entry replaces all default keys of
    /// its action. Errors name `config_path` and the entry's line; entries are checked in line
    /// order, then the finished map for keys bound to two actions.
    pub fn with_config(bindings: &[KeyBinding], config_path: &Path) -> Result<KeyMap, KeymapError> {
        let path = || config_path.to_path_buf();
        let mut by_action = default_bindings();
        // Which actions the file rebinds, and on which line.
        let mut config_line: BTreeMap<Action, usize> = BTreeMap::new();

        let mut entries: Vec<&KeyBinding> = bindings.iter().collect();
        entries.sort_by_key(|b| b.line);
        for binding in entries {
            let line = binding.line;
            let Some(action) = Action::from_name(&binding.action) else {
                let names = Action::all().iter().map(|a| a.name());
                return Err(KeymapError::UnknownAction {
                    path: path(),
                    line,
                    action: binding.action.clone(),
                    suggestions: closest_names(&binding.action, names, 3),
                });
            };
            if let Some(&first_line) = config_line.get(&action) {
                return Err(KeymapError::RepeatedAction {
                    path: path(),
                    line,
                    action,
                    first_line,
                });
            }
            if binding.keys.is_empty() {
                return Err(KeymapError::NoKeys {
                    path: path(),
                    line,
                    action,
                });
            }
            let mut keys: Vec<KeyCombo> = Vec::with_capacity(binding.keys.len());
            for text in &binding.keys {
                let key = text
                    .parse::<KeyCombo>()
                    .map_err(|reason| KeymapError::InvalidKey {
                        path: path(),
                        line,
                        action,
                        key: text.clone(),
                        reason,
                    })?;
                if key == CTRL_C {
                    return Err(KeymapError::ReservedKey {
                        path: path(),
                        line,
                        action,
                        key: text.clone(),
                    });
                }
                if keys.contains(&key) {
                    return Err(KeymapError::RepeatedKey {
                        path: path(),
                        line,
                        action,
                        key,
                    });
                }
                keys.push(key);
            }
            by_action.insert(action, keys);
            config_line.insert(action, line);
        }

        if let Some(conflict) = first_conflict(&by_action, &config_line, config_path) {
            return Err(conflict);
        }
        Ok(KeyMap::from_bindings(by_action))
    }

    /// Indexes checked bindings by key.
    fn from_bindings(by_action: BTreeMap<Action, Vec<KeyCombo>>) -> KeyMap {
        let by_key = by_action
            .iter()
            .flat_map(|(&action, keys)| {
                keys.iter().map(move |&key| ((action.scope(), key), action))
            })
            .collect();
        KeyMap { by_key, by_action }
    }

    /// The normal-mode action a key event triggers, if any; the event's kind is not looked at.
    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        self.action_in(Scope::Normal, event)
    }

    /// The action a key event triggers in `scope`, if any; the event's kind is not looked at.
    /// Outside normal mode, a key not bound as pressed is tried again with only Ctrl kept, then
    /// with no modifiers (see [`Scope`]).
    pub fn action_in(&self, scope: Scope, event: &KeyEvent) -> Option<Action> {
        let pressed = KeyCombo::from_event(event);
        let lookup = |key: KeyCombo| self.by_key.get(&(scope, key)).copied();
        if scope.exact() {
            return lookup(pressed);
        }
        lookup(pressed)
            .or_else(|| {
                let ctrl = event.modifiers.intersection(KeyModifiers::CONTROL);
                lookup(KeyCombo::new(event.code, ctrl))
            })
            .or_else(|| lookup(KeyCombo::new(event.code, KeyModifiers::NONE)))
    }

    /// The first of an action's keys, as shown in hints ("q", "ctrl-s", "esc").
    pub fn first_key_text(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// An action's keys, in the order they were given.
    pub fn keys(&self, action: Action) -> &[KeyCombo] {
        self.by_action.get(&action).map_or(&[], Vec::as_slice)
    }

    /// "j / down" style text of an action's keys for help and hints.
    pub fn keys_text(&self, action: Action) -> String {
        keys_text(self.keys(action))
    }
}

/// The key conflict on the earliest line, if any. Only pairs involving a config entry can clash
/// (the defaults are distinct, which a test checks).
fn first_conflict(
    by_action: &BTreeMap<Action, Vec<KeyCombo>>,
    config_line: &BTreeMap<Action, usize>,
    config_path: &Path,
) -> Option<KeymapError> {
    let mut owner: HashMap<KeyCombo, Action> = HashMap::new();
    let mut found: Option<KeymapError> = None;
    for &action in Action::all() {
        for &key in by_action.get(&action).map_or(&[][..], Vec::as_slice) {
            let Some(other) = owner.insert(key, action) else {
                continue;
            };
            let mine = config_line.get(&action).copied();
            let theirs = config_line.get(&other).copied();
            // Report on the entry written later; the other one is named with its line, if any.
            let (line, action, other, other_line) = match (mine, theirs) {
                (Some(m), Some(t)) if t > m => (t, other, action, Some(m)),
                (Some(m), t) => (m, action, other, t),
                (None, Some(t)) => (t, other, action, None),
                (None, None) => continue,
            };
            if found.as_ref().is_none_or(|f| line < f.line()) {
                found = Some(KeymapError::KeyConflict {
                    path: config_path.to_path_buf(),
                    line,
                    action,
                    key,
                    other,
                    other_line,
                });
            }
        }
    }
    found
}

/// The editor's own keys (not remappable: they are what text fields everywhere use), after its
/// actions from the key map.
pub const EDITOR_KEYS: &[(&str, &str)] = &[
    ("shift-arrows", "Select"),
    ("ctrl-a", "Select all"),
    (
        "alt-c / ctrl-x",
        "Copy / cut the selection (also to the clipboard via OSC 52)",
    ),
    (
        "ctrl-v",
        "Paste what was copied or cut; terminal paste also works",
    ),
    ("ctrl-z / ctrl-y", "Undo / redo"),
    (
        "ctrl-w / alt-d",
        "Delete the word before / after the cursor",
    ),
    ("ctrl-k / ctrl-j", "Delete to the end / start of the line"),
    ("ctrl-c", "Quit (asks first when edits are unsaved)"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEventKind, KeyEventState};
    use std::collections::HashSet;

    const VARIANTS: usize = 114;
    const NORMAL_VARIANTS: usize = 69;

    fn key(text: &str) -> KeyCombo {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn event(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    fn binding(action: &str, keys: &[&str], line: usize) -> KeyBinding {
        KeyBinding {
            action: action.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            line,
        }
    }

    fn config_error(bindings: &[KeyBinding]) -> String {
        KeyMap::with_config(bindings, Path::new("config.toml"))
            .expect_err("should be refused")
            .to_string()
    }

    #[test]
    fn all_lists_every_normal_variant_exactly_once() {
        let every: Vec<Action> = Action::every().collect();
        assert_eq!(every.len(), VARIANTS);
        let unique: HashSet<Action> = every.iter().copied().collect();
        assert_eq!(unique.len(), VARIANTS);
        let all = Action::all();
        assert_eq!(all.len(), NORMAL_VARIANTS);
        assert_eq!(all.iter().copied().collect::<HashSet<_>>().len(), all.len());
        for action in every {
            // The config can rebind exactly the normal-mode actions.
            assert_eq!(
                all.contains(&action),
                action.scope() == Scope::Normal,
                "{action}"
            );
            assert_eq!(action.row().action, action);
        }
    }

    #[test]
    fn all_keeps_each_group_together_in_help_order() {
        let mut groups: Vec<&str> = Vec::new();
        for action in Action::all() {
            if groups.last() != Some(&action.group()) {
                assert!(
                    !groups.contains(&action.group()),
                    "{} split",
                    action.group()
                );
                groups.push(action.group());
            }
        }
        assert_eq!(
            groups,
            [
                "Navigation",
                "Focus",
                "Transformation",
                "Webhook",
                "Output",
                "Mapping",
                "Send",
                "Bottom panel",
                "Incoming",
                "Layout",
                "App"
            ]
        );
    }

    #[test]
    fn names_round_trip_and_are_kebab_case() {
        let mut names = HashSet::new();
        for &action in Action::all() {
            let name = action.name();
            assert!(names.insert(name), "{name} used twice");
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{name}"
            );
            assert_eq!(Action::from_name(name), Some(action));
            assert!(!action.description().is_empty());
        }
        assert_eq!(Action::from_name("focus_next"), None);
        assert_eq!(Action::from_name("Quit"), None);
        assert_eq!(
            Action::CopyCurl.description(),
            "Copy the output as a curl command (write key masked)"
        );
    }

    #[test]
    fn defaults_give_every_action_a_key_and_no_key_twice() {
        let map = KeyMap::defaults();
        let mut seen: HashMap<KeyCombo, Action> = HashMap::new();
        for &action in Action::all() {
            let keys = map.keys(action);
            assert!(!keys.is_empty(), "{action} has no default key");
            for &k in keys {
                assert_eq!(k, KeyCombo::new(k.code, k.modifiers), "{k} not normalised");
                assert_ne!(k, CTRL_C);
                if let Some(other) = seen.insert(k, action) {
                    panic!("{k} bound to both {other} and {action}");
                }
                assert_eq!(map.action(&event(k.code, k.modifiers)), Some(action));
            }
        }
    }

    #[test]
    fn overlay_keys_are_unique_per_scope_and_never_ctrl_c() {
        let map = KeyMap::defaults();
        let mut seen: HashMap<(Scope, KeyCombo), Action> = HashMap::new();
        for action in Action::every() {
            let keys = map.keys(action);
            assert!(!keys.is_empty(), "{action} has no default key");
            for &k in keys {
                assert_eq!(k, KeyCombo::new(k.code, k.modifiers), "{k} not normalised");
                assert_ne!(k, CTRL_C);
                if let Some(other) = seen.insert((action.scope(), k), action) {
                    panic!("{k} bound to both {other} and {action}");
                }
            }
        }
    }

    #[test]
    fn overlay_keys_ignore_extra_modifiers_and_normal_keys_do_not() {
        let map = KeyMap::defaults();
        let shift_enter = event(KeyCode::Enter, KeyModifiers::SHIFT);
        assert_eq!(
            map.action_in(Scope::Question, &shift_enter),
            Some(Action::AnswerYes)
        );
        let ctrl_alt_s = event(
            KeyCode::Char('s'),
            KeyModifiers::CONTROL | KeyModifiers::ALT,
        );
        assert_eq!(
            map.action_in(Scope::KeyDialog, &ctrl_alt_s),
            Some(Action::KeyDialogSave)
        );
        assert_eq!(
            map.action_in(Scope::Editor, &ctrl_alt_s),
            Some(Action::EditorSave)
        );
        let ctrl_d = event(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(
            map.action_in(Scope::Help, &ctrl_d),
            Some(Action::HelpPageDown)
        );
        let plain_s = event(KeyCode::Char('s'), KeyModifiers::NONE);
        assert_eq!(map.action_in(Scope::KeyDialog, &plain_s), None);
        assert_eq!(map.action_in(Scope::Editor, &plain_s), None);
        let alt_q = event(KeyCode::Char('q'), KeyModifiers::ALT);
        assert_eq!(map.action(&alt_q), None);
        assert_eq!(
            map.action_in(Scope::Messages, &alt_q),
            Some(Action::MessagesClose)
        );
    }

    #[test]
    fn only_normal_actions_are_named_in_config() {
        assert_eq!(Action::from_name("picker-load"), None);
        let err = config_error(&[binding("answer-yes", &["o"], 3)]);
        assert!(err.contains("unknown action"), "{err}");
    }

    #[test]
    fn every_default_key_round_trips_through_text() {
        let map = KeyMap::defaults();
        for &action in Action::all() {
            for &k in map.keys(action) {
                let shown = k.to_string();
                assert_eq!(key(&shown), k, "{shown}");
            }
        }
    }

    #[test]
    fn odd_keys_round_trip_through_text() {
        for text in [
            "space",
            "ctrl-space",
            "-",
            "+",
            "ctrl--",
            "alt-+",
            "shift-enter",
            "ctrl-alt-x",
            "alt-G",
            "f1",
            "f12",
            "ctrl-f35",
            "backspace",
            "delete",
            "insert",
            "esc",
            "home",
            "end",
            "pgup",
            "pgdn",
            "ctrl-up",
            "shift-down",
            "super-k",
            "hyper-k",
            "meta-k",
            "é",
            "É",
            "ß",
            "#",
            "\"",
            "'",
            "\\",
            "[",
            "0",
        ] {
            let k = key(text);
            let shown = k.to_string();
            assert_eq!(key(&shown), k, "{text} → {shown}");
        }
    }

    #[test]
    fn text_forms_are_lenient_about_case_and_separators() {
        assert_eq!(key("Ctrl-S"), key("ctrl-s"));
        assert_eq!(key("ctrl+s"), key("ctrl-s"));
        assert_eq!(key("C-s"), key("ctrl-s"));
        assert_eq!(key("CONTROL-s"), key("ctrl-s"));
        assert_eq!(key("ctrl-S"), key("ctrl-s"));
        assert_eq!(key("ctrl-shift-s"), key("ctrl-s"));
        assert_eq!(key("shift-g"), key("G"));
        assert_eq!(key("S-Tab"), key("shift-tab"));
        assert_eq!(key("BackTab"), key("shift-tab"));
        assert_eq!(key("shift-?"), key("?"));
        assert_eq!(key("PageDown"), key("pgdn"));
        assert_eq!(key("Return"), key("enter"));
        assert_eq!(key(" "), key("space"));
        assert_eq!(key(" q "), key("q"));
        assert_ne!(key("G"), key("g"));
        assert_eq!(key("G").to_string(), "G");
        assert_eq!(key("ctrl-S").to_string(), "ctrl-s");
        assert_eq!(key("alt-x").to_string(), "alt-x");
        assert_eq!(key("shift-tab").to_string(), "shift-tab");
        assert_eq!(key("F1").to_string(), "f1");
    }

    #[test]
    fn bad_key_text_says_what_is_wrong() {
        for (text, expected) in [
            ("", "is not a key"),
            ("   ", "is not a key"),
            ("pgupp", "unknown key \"pgupp\"; did you mean pgup"),
            (
                "ctrl-pgupp",
                "\"ctrl-pgupp\": unknown key \"pgupp\"; did you mean pgup",
            ),
            ("page-down", "did you mean pgdn?"),
            ("hello", "unknown key \"hello\""),
            ("ctrl-", "a key must follow \"ctrl\""),
            ("ctrl-ctrl-s", "given twice"),
            ("cmd-s", "\"cmd\" is not a modifier"),
            ("f0", "f1 to f35"),
            ("f99", "f1 to f35"),
            ("f999", "f1 to f35"),
        ] {
            let err = text.parse::<KeyCombo>().expect_err(text);
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn terminal_reports_of_the_same_key_compare_equal() {
        let map = KeyMap::defaults();
        // 'G' with SHIFT (most terminals), without it (some), and 'g' with SHIFT (kitty-style).
        for (code, modifiers) in [
            (KeyCode::Char('G'), KeyModifiers::SHIFT),
            (KeyCode::Char('G'), KeyModifiers::NONE),
            (KeyCode::Char('g'), KeyModifiers::SHIFT),
        ] {
            let e = event(code, modifiers);
            assert_eq!(KeyCombo::from_event(&e), key("G"));
            assert_eq!(map.action(&e), Some(Action::Bottom));
        }
        for modifiers in [KeyModifiers::SHIFT, KeyModifiers::NONE] {
            let e = event(KeyCode::BackTab, modifiers);
            assert_eq!(KeyCombo::from_event(&e), key("shift-tab"));
            assert_eq!(map.action(&e), Some(Action::FocusPrev));
        }
        let e = event(KeyCode::Tab, KeyModifiers::SHIFT);
        assert_eq!(map.action(&e), Some(Action::FocusPrev));
        let e = event(
            KeyCode::Char('S'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        );
        assert_eq!(KeyCombo::from_event(&e), key("ctrl-s"));
        assert_eq!(map.action(&e), Some(Action::Save));
        let e = event(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(map.action(&e), Some(Action::Help));
        // Releases and repeats map like presses; the caller filters them.
        let mut e = event(KeyCode::Char('q'), KeyModifiers::NONE);
        e.kind = KeyEventKind::Release;
        assert_eq!(map.action(&e), Some(Action::Quit));
        // Modifiers that are not part of a binding keep the key unbound.
        let e = event(KeyCode::Char('q'), KeyModifiers::ALT);
        assert_eq!(map.action(&e), None);
    }

    #[test]
    fn config_entry_replaces_all_default_keys_of_its_action() {
        let map = KeyMap::with_config(
            &[
                binding("quit", &["ctrl-q"], 2),
                binding("up", &["W", "up"], 3),
            ],
            Path::new("config.toml"),
        )
        .expect("valid");
        let q = event(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(map.action(&q), None);
        let ctrl_q = event(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(map.action(&ctrl_q), Some(Action::Quit));
        assert_eq!(map.keys(Action::Quit), &[key("ctrl-q")]);
        assert_eq!(map.keys_text(Action::Up), "W / up");
        assert_eq!(
            map.action(&event(KeyCode::Char('k'), KeyModifiers::NONE)),
            None
        );
        // Untouched actions keep their defaults.
        assert_eq!(map.keys_text(Action::Down), "j / down");
    }

    #[test]
    fn swapping_two_actions_keys_is_allowed() {
        let map = KeyMap::with_config(
            &[binding("up", &["j"], 4), binding("down", &["k"], 5)],
            Path::new("config.toml"),
        )
        .expect("valid");
        assert_eq!(
            map.action(&event(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Up)
        );
        assert_eq!(
            map.action(&event(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
    }

    #[test]
    fn unknown_action_names_line_and_suggests() {
        let err = config_error(&[binding("quitt", &["q"], 7)]);
        assert_eq!(
            err,
            "config.toml line 7: [keys] quitt: unknown action; did you mean quit?"
        );
        let err = config_error(&[binding("zzzzzz", &["q"], 3)]);
        assert!(
            err.starts_with("config.toml line 3: [keys] zzzzzz: unknown action; the actions are"),
            "{err}"
        );
        assert!(err.contains("half-page-down"), "{err}");
    }

    #[test]
    fn invalid_key_names_line() {
        let err = config_error(&[binding("save", &["ctrl-s", "ctrl-"], 4)]);
        assert_eq!(
            err,
            "config.toml line 4: [keys] save: \"ctrl-\": a key must follow \"ctrl\""
        );
    }

    #[test]
    fn empty_key_list_names_line_and_default() {
        let err = config_error(&[binding("up", &[], 9)]);
        assert_eq!(
            err,
            "config.toml line 9: [keys] up: the key list is empty; remove the line to keep the default (k / up)"
        );
    }

    #[test]
    fn ctrl_c_is_refused_in_any_spelling() {
        for text in ["ctrl-c", "C-c", "Ctrl+C", "ctrl-shift-c"] {
            let err = config_error(&[binding("help", &["f1", text], 5)]);
            assert_eq!(
                err,
                format!(
                    "config.toml line 5: [keys] help: {text:?} is ctrl-c, which is reserved: it always quits"
                )
            );
        }
    }

    #[test]
    fn a_key_listed_twice_in_one_entry_is_refused() {
        let err = config_error(&[binding("save", &["ctrl-s", "ctrl-S"], 6)]);
        assert_eq!(
            err,
            "config.toml line 6: [keys] save: ctrl-s is listed twice"
        );
    }

    #[test]
    fn an_action_given_twice_is_refused() {
        let err = config_error(&[binding("save", &["ctrl-s"], 8), binding("save", &["w"], 2)]);
        assert_eq!(
            err,
            "config.toml line 8: [keys] save is already bound on line 2"
        );
    }

    #[test]
    fn clash_with_a_remaining_default_names_both_actions() {
        let err = config_error(&[binding("up", &["j"], 3)]);
        assert_eq!(
            err,
            "config.toml line 3: [keys] up: j is also bound to down by default; give down other keys as well"
        );
    }

    #[test]
    fn clash_between_two_entries_is_reported_on_the_later_line() {
        // `down` sorts first in the action table but is written later in the file.
        let err = config_error(&[binding("down", &["x"], 12), binding("up", &["x"], 10)]);
        assert_eq!(
            err,
            "config.toml line 12: [keys] down: x is also bound to up on line 10"
        );
        // The earliest of several clashes is the one reported.
        let err = config_error(&[binding("quit", &["j"], 20), binding("diff", &["k"], 15)]);
        assert!(
            err.starts_with("config.toml line 15: [keys] diff: k"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_given_path() {
        let err = KeyMap::with_config(
            &[binding("quitt", &["q"], 2)],
            Path::new("/home/me/.config/hookbench/config.toml"),
        )
        .expect_err("unknown action");
        assert!(
            err.to_string()
                .starts_with("/home/me/.config/hookbench/config.toml line 2:"),
            "{err}"
        );
        assert_eq!(err.line(), 2);
    }
}
