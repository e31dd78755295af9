//! The workbench's state. Everything the screen shows is derived from an [`App`]; only `update`
//! changes it.

use std::collections::HashMap;
use std::path::PathBuf;

use hookbench_core::marks::Mark;
use hookbench_core::pipeline::{PipelineSettings, RunRecord};
use hookbench_core::segment::Severity;
use hookbench_core::transform::presets::{TransformOrigin, TransformSource};
use hookbench_core::transform::{CompatWarning, scan_compat};
use hookbench_core::webhook::fixtures::SkippedFile;
use hookbench_core::webhook::{FixtureSet, InputDiagnostic};

use crate::highlight::{Highlighter, Syntaxes};
use crate::keymap::{Action, KeyMap};
use crate::theme::Theme;

use super::editor::{Clock, Editor};
use super::events_list::{EventEntry, EventsList};
use super::findings::FindingsLayouts;
use super::jobs::LatestJobs;
use super::layout_state::LayoutState;
use super::listener::ListenerState;
use super::mapping::MappingState;
use super::message::PickerEntry;
use super::messages::{Level, MessageLog, local_clock};
use super::output::OutputView;
use super::reading::Reading;
use super::sending::SendState;

/// The panes live with the layout that places them; the app's focus and tab are panes.
pub use crate::layout::Pane;

/// What keys currently go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing into the transformation editor.
    EditTransform,
    /// Typing into the selected webhook body.
    EditBody,
    /// Typing the events filter.
    Filter,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Normal => "NORMAL",
            Mode::EditTransform => "EDIT",
            Mode::EditBody => "EDIT BODY",
            Mode::Filter => "FILTER",
        }
    }
}

/// A box drawn over the panes that takes the keys while open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Picker(Picker),
    Confirm(Confirm),
    KeyDialog(KeyDialog),
    /// The message log, `scroll` its first row shown.
    Messages {
        scroll: usize,
    },
    /// A dialog of the mapping editor: the pick dialog, a line to type, a list.
    Mapping(Box<super::mapping::MappingDialog>),
}

/// The write-key dialog (`K`): the key typed so far (shown masked unless revealed) and the
/// region it belongs to.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyDialog {
    pub input: String,
    pub region: hookbench_core::segment::Region,
    pub reveal: bool,
}

impl std::fmt::Debug for KeyDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyDialog")
            .field("input", &hookbench_core::segment::mask_secret(&self.input))
            .field("region", &self.region)
            .finish()
    }
}

/// The bottom panel's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BottomTab {
    Logs,
    Response,
    Sends,
}

impl BottomTab {
    pub const ALL: [BottomTab; 3] = [BottomTab::Logs, BottomTab::Response, BottomTab::Sends];

    pub fn title(self) -> &'static str {
        match self {
            BottomTab::Logs => "Logs",
            BottomTab::Response => "Response",
            BottomTab::Sends => "Sends",
        }
    }
}

/// The transformation picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// None while the list is being read.
    pub entries: Option<Vec<PickerEntry>>,
    /// The selected entry, an index into [`Picker::matches`].
    pub selected: usize,
    /// Typed to narrow the list: the entries whose name has its characters in order, any case.
    pub filter: String,
}

impl Picker {
    /// The picker as it opens: nothing read yet, no filter.
    pub fn new() -> Picker {
        Picker {
            entries: None,
            selected: 0,
            filter: String::new(),
        }
    }

    /// The entries the filter lets through, in list order.
    pub fn matches(&self) -> Vec<&PickerEntry> {
        self.entries.as_deref().map_or_else(Vec::new, |entries| {
            entries
                .iter()
                .filter(|e| fuzzy_match(&self.filter, &e.spec))
                .collect()
        })
    }

    /// The selected entry among the matches.
    pub fn selected_entry(&self) -> Option<&PickerEntry> {
        self.matches().get(self.selected).copied()
    }
}

impl Default for Picker {
    fn default() -> Picker {
        Picker::new()
    }
}

/// True when `text` has every character of `pattern` in order, ignoring case (an empty pattern
/// matches everything).
pub fn fuzzy_match(pattern: &str, text: &str) -> bool {
    let mut text = text.chars().flat_map(char::to_lowercase);
    pattern
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .all(|p| text.any(|t| t == p))
}

/// A question with its pending action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Quit with unsaved transformation edits.
    Quit,
    /// Load another transformation over unsaved edits.
    Discard(String),
    /// Send an event whose output has lint errors.
    ForceSend(String),
    /// Send every listed event to Segment (`S`): the events as they were listed when asked.
    SendAll(Vec<String>),
    /// The transformation's file changed on disk while it has unsaved edits here (asked on
    /// save): reload it or keep these edits and write them over it.
    ChangedOnDisk,
    /// Put the transformation back as saved, dropping its unsaved edits.
    Revert,
}

impl Confirm {
    /// The choices a question offers, in the order its hints show them. Every question takes the
    /// same keys: yes for the primary action when it loses nothing, discard for the one that drops
    /// edits (never the key that opened the question), cancel; the changed-on-disk question offers
    /// reload and keep instead of yes.
    pub fn choices(&self) -> &'static [(Action, &'static str)] {
        match self {
            Confirm::Quit => &[
                (Action::AnswerYes, "save and quit"),
                (Action::AnswerDiscard, "quit without saving"),
                (Action::AnswerNo, "stay"),
            ],
            Confirm::ForceSend(_) => &[(Action::AnswerYes, "send it"), (Action::AnswerNo, "don't")],
            Confirm::SendAll(_) => &[
                (Action::AnswerYes, "send them"),
                (Action::AnswerNo, "don't"),
            ],
            Confirm::Discard(_) => &[
                (Action::AnswerDiscard, "drop the edits and load it"),
                (Action::AnswerNo, "stay"),
            ],
            Confirm::ChangedOnDisk => &[
                (
                    Action::AnswerReload,
                    "reload from disk (drops the edits here)",
                ),
                (Action::AnswerKeep, "keep mine (write over the file)"),
                (Action::AnswerNo, "decide later"),
            ],
            Confirm::Revert => &[
                (Action::AnswerDiscard, "drop the edits"),
                (Action::AnswerNo, "keep them"),
            ],
        }
    }
}

/// Where the transformation came from and how it is named. Its text is not kept here: the
/// editor holds the text as it stands, [`TransformState::saved_text`] the text as saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformLabel {
    /// Preset name or file name, for titles and stack frames.
    pub name: String,
    /// The stem: `segment-complete` for both the preset and `./segment-complete.js`.
    pub stem: String,
    pub origin: TransformOrigin,
}

/// The transformation being worked on.
pub struct TransformState {
    pub source: TransformLabel,
    /// The text as last loaded or saved: edits are unsaved while the editor differs from it.
    pub saved_text: String,
    pub editor: Editor,
    /// Bumped on every change of the text (a loaded transformation included), for run
    /// staleness and the highlight cache: an output belongs to the revision it was run with.
    pub revision: u64,
    pub compat: Vec<CompatWarning>,
    /// The file's text on disk when it changed there while edits here were unsaved: until the
    /// user chooses (reload or keep), a save asks instead of writing over it.
    pub disk_text: Option<String>,
    /// The newest revision known to hold the saved text: its outputs are the saved version's,
    /// which the diff compares against.
    pub saved_revision: Option<u64>,
    /// The mapping the transformation is compiled from, when it is one: the editor then holds
    /// the compiled JavaScript, and saves write the mapping's text.
    pub mapping: Option<MappingState>,
}

impl TransformState {
    pub fn new(source: TransformSource) -> TransformState {
        let TransformSource {
            name,
            stem,
            origin,
            source: text,
            mapping,
        } = source;
        let mapping =
            mapping.map(|mapping_text| MappingState::new(&name, mapping_text, text.clone()));
        // A mapping runs what it compiles to (the JavaScript it came with while it has errors).
        let text = mapping.as_ref().map_or(text, |m| m.compiled.clone());
        TransformState {
            mapping,
            compat: scan_compat(&text),
            editor: Editor::new(&text),
            saved_text: text,
            revision: 0,
            source: TransformLabel { name, stem, origin },
            disk_text: None,
            saved_revision: Some(0),
        }
    }

    /// Notes the revision as the saved version's when the text is the saved text (called as a
    /// run is asked, so its outputs can be told apart).
    pub fn note_saved_revision(&mut self) {
        if !self.is_dirty() {
            self.saved_revision = Some(self.revision);
        }
    }

    /// The text as it stands in the editor.
    pub fn text(&self) -> String {
        self.editor.text()
    }

    pub fn is_dirty(&self) -> bool {
        match &self.mapping {
            Some(mapping) => mapping.is_dirty(),
            None => self.editor.text() != self.saved_text,
        }
    }

    /// The text a save writes: the mapping's when the transformation is one, else the editor's.
    pub fn file_text(&self) -> String {
        match &self.mapping {
            Some(mapping) => mapping.text.clone(),
            None => self.editor.text(),
        }
    }

    /// Notes `text` (as [`TransformState::file_text`] gave it) as written to the file.
    pub fn set_saved(&mut self, text: String) {
        match &mut self.mapping {
            Some(mapping) => {
                mapping.saved_text = text;
                self.saved_text = self.editor.text();
            }
            None => self.saved_text = text,
        }
    }

    /// The file it lives in, if any (a preset has none until saved).
    pub fn path(&self) -> Option<&PathBuf> {
        match &self.source.origin {
            TransformOrigin::File(path) => Some(path),
            TransformOrigin::Preset => None,
        }
    }

    /// The title shown on the pane: the file's path (relative to `cwd` when under it), or the
    /// preset's name.
    pub fn display_name_in(&self, cwd: &std::path::Path) -> String {
        match &self.source.origin {
            TransformOrigin::File(path) => path
                .strip_prefix(cwd)
                .map_or_else(|_| path.display().to_string(), |p| p.display().to_string()),
            TransformOrigin::Preset => format!("{} (preset)", self.source.name),
        }
    }
}

/// What a run's output came from: the transformation's revision and the body's content key.
/// An output is the event's current one only while both still hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunBasis {
    pub revision: u64,
    pub body: u64,
}

/// The latest run of one event, and the output before it for the diff.
pub struct EventResult {
    pub job: u64,
    /// The transformation text and body the run used.
    pub basis: RunBasis,
    pub record: RunRecord,
    pub output: Option<OutputView>,
    /// The last output that differed from the current one.
    pub previous: Option<OutputView>,
    /// The output of the saved transformation on this body, once one ran: what the diff
    /// compares the current output with.
    pub saved: Option<OutputView>,
}

impl EventResult {
    /// The worst thing about this result, for the events list mark.
    pub fn verdict(&self) -> RunMark {
        match Mark::of_run(&self.record) {
            Mark::Failed => RunMark::Failed,
            Mark::Cancelled => RunMark::Cancelled,
            Mark::LintErrors => RunMark::Errors,
            Mark::Warnings => RunMark::Warnings,
            _ => RunMark::Clean,
        }
    }
}

/// The latest result of each event, by event key. Read like a map (it derefs to one); every
/// change goes through a method here, which stamps the results it touches with a number never
/// used before, so what is worked out from a result (the findings lists' layout) can tell by its
/// stamp that it is still current, and notes what the events list asks of every result on every
/// frame (whether its body has input errors) so that is never counted again.
#[derive(Default)]
pub struct Results {
    map: HashMap<String, EventResult>,
    /// What is noted of each result as it was last set or changed.
    notes: HashMap<String, ResultNote>,
    last_stamp: u64,
}

/// What [`Results`] notes of a result when it is set or changed.
#[derive(Debug, Clone, Copy)]
struct ResultNote {
    stamp: u64,
    input_errors: bool,
}

impl Results {
    /// The stamp of an event's result as it stands: another stamp means it may have changed.
    pub fn stamp(&self, key: &str) -> Option<u64> {
        self.notes.get(key).map(|note| note.stamp)
    }

    /// True when the run behind an event's result found input errors in the body it took.
    pub fn input_errors(&self, key: &str) -> bool {
        self.notes.get(key).is_some_and(|note| note.input_errors)
    }

    /// Notes a result as set or changed.
    fn note(&mut self, key: &str) {
        let Some(result) = self.map.get(key) else {
            return;
        };
        self.last_stamp += 1;
        let note = ResultNote {
            stamp: self.last_stamp,
            input_errors: result
                .record
                .input_diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error),
        };
        match self.notes.get_mut(key) {
            Some(noted) => *noted = note,
            None => {
                self.notes.insert(key.to_string(), note);
            }
        }
    }

    /// Sets an event's result, returning the one it replaces.
    pub fn insert(&mut self, key: String, result: EventResult) -> Option<EventResult> {
        let replaced = self.map.insert(key.clone(), result);
        self.note(&key);
        replaced
    }

    pub fn remove(&mut self, key: &str) -> Option<EventResult> {
        self.notes.remove(key);
        self.map.remove(key)
    }

    /// Changes an event's result, if it has one, with `change`.
    pub fn change<R>(
        &mut self,
        key: &str,
        change: impl FnOnce(&mut EventResult) -> R,
    ) -> Option<R> {
        let changed = self.map.get_mut(key).map(change);
        self.note(key);
        changed
    }

    /// Changes every result with `change`.
    pub fn change_each(&mut self, mut change: impl FnMut(&mut EventResult)) {
        self.map.values_mut().for_each(&mut change);
        let keys: Vec<String> = self.map.keys().cloned().collect();
        for key in keys {
            self.note(&key);
        }
    }

    /// Keeps the results `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &EventResult) -> bool) {
        self.map.retain(|key, result| keep(key, result));
        let map = &self.map;
        self.notes.retain(|key, _| map.contains_key(key));
    }
}

impl std::ops::Deref for Results {
    type Target = HashMap<String, EventResult>;

    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

/// How an event's output fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMark {
    /// The transformation failed.
    Failed,
    /// Lint errors: Segment rejects or drops it.
    Errors,
    Warnings,
    Clean,
    /// The handler cancelled it: nothing would be sent.
    Cancelled,
    /// A newer run is waiting for the pause after typing or in flight: the output shown, if
    /// any, is not the current one.
    Pending,
    /// The body is not valid JSON: it is not run and cannot be sent.
    InvalidBody,
}

impl RunMark {
    /// The core's mark for it: the symbol and meaning both shells share.
    pub fn mark(self) -> Mark {
        match self {
            RunMark::Failed => Mark::Failed,
            RunMark::Errors => Mark::LintErrors,
            RunMark::Warnings => Mark::Warnings,
            RunMark::Clean => Mark::Ok,
            RunMark::Cancelled => Mark::Cancelled,
            RunMark::Pending => Mark::Pending,
            RunMark::InvalidBody => Mark::InvalidBody,
        }
    }
}

/// A mark and what it means, as the `?` overlay explains it.
const fn explained(mark: Mark) -> (&'static str, &'static str) {
    (mark.symbol(), mark.meaning())
}

/// The events list's marks, as the `?` overlay explains them: the run marks before a name,
/// then the marks after it.
pub const LIST_MARKS: &[(&str, &str)] = &[
    explained(Mark::Ok),
    explained(Mark::Warnings),
    explained(Mark::LintErrors),
    explained(Mark::Failed),
    explained(Mark::Cancelled),
    explained(Mark::Pending),
    explained(Mark::InvalidBody),
    explained(Mark::NotRun),
    explained(Mark::Modified),
    explained(Mark::BreaksSchema),
];

/// The second mark of a received delivery's row: its signature.
pub const DELIVERY_MARKS: &[(&str, &str)] = &[
    explained(Mark::SignatureValid),
    explained(Mark::SignatureInvalid),
    explained(Mark::Unsigned),
];

/// Scroll offsets of the text panes, in lines. (The transformation's editor keeps its own.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scrolls {
    pub webhook: usize,
    pub segment: usize,
    pub logs: usize,
}

/// A transient line in the status bar (the newest message of the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub text: String,
    pub is_error: bool,
    pub level: Level,
}

/// Everything the workbench starts from.
pub struct AppInit {
    pub fixtures: FixtureSet,
    pub transform: TransformSource,
    /// The event (fixture name) to select first.
    pub event: Option<String>,
    pub settings: PipelineSettings,
    pub theme: Theme,
    pub keymap: KeyMap,
    /// Where `*.js` files are listed from and presets are saved to.
    pub cwd: PathBuf,
    /// Transformation files the config names, for the picker.
    pub config_paths: Vec<PathBuf>,
    pub send: SendState,
    /// Where `L` listens.
    pub listen_addr: String,
    pub mouse: bool,
    pub size: (u16, u16),
    /// The layout `[ui] layout` names.
    pub layout: crate::layout::LayoutChoice,
    /// The code views' syntaxes, possibly being prepared in the background.
    pub syntaxes: Syntaxes,
}

/// The workbench.
pub struct App {
    pub size: (u16, u16),
    pub theme: Theme,
    pub keymap: KeyMap,
    pub highlighter: Highlighter,
    pub settings: PipelineSettings,
    pub events: EventsList,
    pub transform: TransformState,
    pub results: Results,
    /// The newest job asked for each event key; older results are dropped, and the runs they
    /// came from skip items not yet started.
    pub latest_job: LatestJobs,
    /// What the newest run asked for each event is run with; its result keeps it.
    pub run_bases: HashMap<String, RunBasis>,
    pub next_job: u64,
    pub focus: Pane,
    /// The middle pane shown when they are tabs.
    pub tab: Pane,
    pub mode: Mode,
    pub overlay: Option<Overlay>,
    pub scroll: Scrolls,
    pub diff: bool,
    pub status: Option<StatusMessage>,
    /// Every message the status bar was given, whole, for the message log.
    pub messages: MessageLog,
    /// The body editor while `Mode::EditBody`: the event key and its editor.
    pub body_editor: Option<(String, Editor)>,
    /// Bumped on each keystroke that changes a text; a pause ending with an older value is
    /// ignored, since more typing came after it.
    pub edit_generation: u64,
    /// Runs waiting for the pause after typing: every event (the transformation changed) and
    /// single events (their bodies changed).
    pub rerun_all_pending: bool,
    pub rerun_keys_pending: Vec<String>,
    pub cwd: PathBuf,
    pub config_paths: Vec<PathBuf>,
    pub send: SendState,
    pub listener: ListenerState,
    pub bottom: BottomTab,
    /// First row shown in the Response and Sends tabs.
    pub bottom_scroll: usize,
    pub mouse: bool,
    /// Quit once the pending save succeeds.
    pub quit_after_save: bool,
    /// Open `$EDITOR` once the pending save succeeds.
    pub edit_after_save: bool,
    /// The screen's arrangement as the user set it for the session.
    pub layout: LayoutState,
    /// Files of the user's fixture folder that could not be loaded: told in the status line at
    /// start and counted in the events pane's title for as long as the workbench runs.
    pub skipped_fixtures: Vec<SkippedFile>,
    /// Sideways scroll, wrap, findings selection and search of the text panes.
    pub reading: Reading,
    /// Where the editors take a keystroke's time from, for grouping undo steps.
    pub clock: Clock,
    /// The findings lists' layout as `update` last worked it out, for the frames after it.
    pub findings_layouts: FindingsLayouts,
}

impl App {
    pub fn new(init: AppInit) -> App {
        let entries: Vec<EventEntry> = init.fixtures.iter().map(EventEntry::from_fixture).collect();
        let mut events = EventsList::new(entries);
        if let Some(name) = &init.event {
            events.select_key(name);
        }
        App {
            size: init.size,
            highlighter: Highlighter::with_syntaxes(&init.theme, init.syntaxes),
            theme: init.theme,
            keymap: init.keymap,
            settings: init.settings,
            events,
            transform: TransformState::new(init.transform),
            results: Results::default(),
            latest_job: LatestJobs::default(),
            run_bases: HashMap::new(),
            next_job: 1,
            focus: Pane::Events,
            tab: Pane::Segment,
            mode: Mode::Normal,
            overlay: None,
            scroll: Scrolls::default(),
            diff: false,
            status: None,
            messages: MessageLog::new(local_clock),
            body_editor: None,
            edit_generation: 0,
            rerun_all_pending: false,
            rerun_keys_pending: Vec::new(),
            cwd: init.cwd,
            config_paths: init.config_paths,
            send: init.send,
            listener: ListenerState::new(init.listen_addr),
            bottom: BottomTab::Logs,
            bottom_scroll: 0,
            mouse: init.mouse,
            quit_after_save: false,
            edit_after_save: false,
            layout: LayoutState::new(init.layout),
            skipped_fixtures: init.fixtures.skipped().to_vec(),
            reading: Reading::default(),
            clock: Clock::System,
            findings_layouts: FindingsLayouts::default(),
        }
    }

    /// The selected event, if the (filtered) list has any.
    pub fn selected(&self) -> Option<&EventEntry> {
        self.events.selected_entry()
    }

    /// The result of the selected event the screen shows (see [`App::shown_result`]).
    pub fn selected_result(&self) -> Option<&EventResult> {
        self.selected().and_then(|e| self.shown_result(&e.key))
    }

    /// The latest result of an event, unless its body can no longer have one: a body that is
    /// not valid JSON, or a delivery that is not transformed. Such an event shows why instead
    /// of an output that belongs to another body.
    pub fn shown_result(&self, key: &str) -> Option<&EventResult> {
        let entry = self.events.entry(key)?;
        if !entry.runnable() || entry.view.parsed.is_none() {
            return None;
        }
        self.results.get(key)
    }

    /// What Dodo's schema says about the event's body as it stands: the input diagnostics of its
    /// latest shown run when that run took this body (they depend on the body only, so a run
    /// pending for a newer transformation keeps them). Empty until such a run is in.
    pub fn input_diagnostics(&self, key: &str) -> &[InputDiagnostic] {
        self.result_of_body(key)
            .map_or(&[], |result| &result.record.input_diagnostics)
    }

    /// The event's shown result when its run took the body as it stands.
    fn result_of_body(&self, key: &str) -> Option<&EventResult> {
        let entry = self.events.entry(key)?;
        self.shown_result(key)
            .filter(|result| result.basis.body == entry.view.body_key)
    }

    /// [`App::input_diagnostics`] of the selected event.
    pub fn selected_input_diagnostics(&self) -> &[InputDiagnostic] {
        self.selected()
            .map_or(&[], |e| self.input_diagnostics(&e.key))
    }

    /// True when the event's body has an input error: Dodo's SDK models would refuse it.
    pub fn has_input_errors(&self, key: &str) -> bool {
        // Noted as the result came in: every frame asks it of every event, and a long cart's
        // body has thousands of findings.
        self.result_of_body(key).is_some() && self.results.input_errors(key)
    }

    /// True while a run of the selected event is queued or running.
    pub fn selected_is_running(&self) -> bool {
        self.selected().is_some_and(|e| self.is_running(&e.key))
    }

    /// True while a run of the selected event is pending (see [`App::is_pending`]).
    pub fn selected_is_pending(&self) -> bool {
        self.selected().is_some_and(|e| self.is_pending(&e.key))
    }

    pub fn is_running(&self, key: &str) -> bool {
        match (self.latest_job.get(key), self.results.get(key)) {
            (Some(asked), Some(result)) => asked > result.job,
            (Some(_), None) => true,
            _ => false,
        }
    }

    /// What a run of the event would be run with now: the transformation as it stands and the
    /// body as it stands. None for an event that is not run (a body that is not valid JSON, a
    /// delivery that is not transformed).
    pub fn basis_now(&self, key: &str) -> Option<RunBasis> {
        let entry = self.events.entry(key)?;
        if !entry.runnable() || entry.view.parsed.is_none() {
            return None;
        }
        Some(RunBasis {
            revision: self.transform.revision,
            body: entry.view.body_key,
        })
    }

    /// The event's result, only when it came from the transformation and body on screen and
    /// no newer run is pending: the only output a send may take.
    pub fn current_result(&self, key: &str) -> Option<&EventResult> {
        if self.is_pending(key) {
            return None;
        }
        self.shown_result(key)
    }

    /// True while the event's output is not yet the one of the transformation and body on
    /// screen: a run waits for the pause after typing, is in flight, or was not asked yet.
    /// Events that are not run are never pending.
    pub fn is_pending(&self, key: &str) -> bool {
        let Some(now) = self.basis_now(key) else {
            return false;
        };
        self.rerun_all_pending
            || self.rerun_keys_pending.iter().any(|k| k == key)
            || self.is_running(key)
            || self.results.get(key).is_none_or(|r| r.basis != now)
    }

    /// The verdict of an event's latest shown result.
    pub fn verdict(&self, key: &str) -> Option<RunMark> {
        self.shown_result(key).map(EventResult::verdict)
    }

    /// The events list's mark: a body that is not valid JSON, a pending run, else the verdict.
    pub fn mark(&self, key: &str) -> Option<RunMark> {
        if self
            .events
            .entry(key)
            .is_some_and(|e| e.runnable() && e.invalid_body().is_some())
        {
            return Some(RunMark::InvalidBody);
        }
        if self.is_pending(key) {
            return Some(RunMark::Pending);
        }
        self.verdict(key)
    }

    /// A bottom-panel tab's label in the panel's title: the Sends tab counts its sends.
    pub fn bottom_tab_label(&self, tab: BottomTab) -> String {
        match tab {
            BottomTab::Sends if !self.send.reports.is_empty() => {
                format!("{} {}", tab.title(), self.send.reports.len())
            }
            _ => tab.title().to_string(),
        }
    }

    /// How the transformation is named on screen.
    pub fn transform_name(&self) -> String {
        self.transform.display_name_in(&self.cwd)
    }

    /// Tells something in the status bar and logs it; every message goes through here.
    pub fn tell(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        self.messages.push(level, &text);
        self.status = Some(StatusMessage {
            text,
            is_error: level == Level::Error,
            level,
        });
    }

    pub fn set_status(&mut self, text: impl Into<String>) {
        self.tell(Level::Info, text);
    }

    pub fn set_warning(&mut self, text: impl Into<String>) {
        self.tell(Level::Warning, text);
    }

    pub fn set_error(&mut self, text: impl Into<String>) {
        self.tell(Level::Error, text);
    }
}
