//! The workbench's state. Everything the screen shows is derived from an [`App`]; only `update`
//! changes it.

use std::collections::HashMap;
use std::path::PathBuf;

use hookbench_core::pipeline::{PipelineSettings, RunRecord};
use hookbench_core::segment::Severity;
use hookbench_core::transform::presets::{TransformOrigin, TransformSource};
use hookbench_core::transform::{CompatWarning, scan_compat};
use hookbench_core::webhook::fixtures::SkippedFile;
use hookbench_core::webhook::{FixtureSet, InputDiagnostic};

use crate::highlight::Highlighter;
use crate::keymap::KeyMap;
use crate::theme::Theme;

use super::editor::Editor;
use super::events_list::{EventEntry, EventsList};
use super::jobs::LatestJobs;
use super::layout_state::LayoutState;
use super::listener::ListenerState;
use super::message::PickerEntry;
use super::output::OutputView;
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
    Help { scroll: u16 },
    Picker(Picker),
    Confirm(Confirm),
    KeyDialog(KeyDialog),
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
    pub selected: usize,
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
}

impl TransformState {
    pub fn new(source: TransformSource) -> TransformState {
        let TransformSource {
            name,
            stem,
            origin,
            source: text,
        } = source;
        TransformState {
            compat: scan_compat(&text),
            editor: Editor::new(&text),
            saved_text: text,
            revision: 0,
            source: TransformLabel { name, stem, origin },
        }
    }

    /// The text as it stands in the editor.
    pub fn text(&self) -> String {
        self.editor.text()
    }

    pub fn is_dirty(&self) -> bool {
        self.editor.text() != self.saved_text
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
}

impl EventResult {
    /// The worst thing about this result, for the events list mark.
    pub fn verdict(&self) -> RunMark {
        if self.record.failed() {
            return RunMark::Failed;
        }
        if self.record.cancelled() {
            return RunMark::Cancelled;
        }
        match self.record.diagnostics.iter().map(|d| d.severity).min() {
            Some(Severity::Error) => RunMark::Errors,
            Some(Severity::Warning) => RunMark::Warnings,
            Some(Severity::Info) | None => RunMark::Clean,
        }
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

/// The events list's marks, as the `?` overlay explains them: the run marks before a name,
/// then the marks after it.
pub const LIST_MARKS: &[(&str, &str)] = &[
    ("✓", "Clean output"),
    ("▲", "Lint warnings"),
    ("●", "Lint errors: Segment rejects or drops the call"),
    ("✗", "The transformation failed"),
    ("⊘", "Cancelled: nothing is sent"),
    (
        "◌",
        "A run is pending: the output shown is not yet the current one",
    ),
    ("!", "The body is not valid JSON: not run, cannot be sent"),
    ("✎", "The body is modified (r resets it)"),
    (
        "≠",
        "The body breaks Dodo's schema (its errors are in the Webhook pane)",
    ),
];

/// Scroll offsets of the text panes, in lines. (The transformation's editor keeps its own.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scrolls {
    pub webhook: usize,
    pub segment: usize,
    pub logs: usize,
}

/// A transient line in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMessage {
    pub text: String,
    pub is_error: bool,
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
    pub results: HashMap<String, EventResult>,
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
            highlighter: Highlighter::new(&init.theme),
            theme: init.theme,
            keymap: init.keymap,
            settings: init.settings,
            events,
            transform: TransformState::new(init.transform),
            results: HashMap::new(),
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
        let (Some(entry), Some(result)) = (self.events.entry(key), self.shown_result(key)) else {
            return &[];
        };
        if result.basis.body != entry.view.body_key {
            return &[];
        }
        &result.record.input_diagnostics
    }

    /// [`App::input_diagnostics`] of the selected event.
    pub fn selected_input_diagnostics(&self) -> &[InputDiagnostic] {
        self.selected()
            .map_or(&[], |e| self.input_diagnostics(&e.key))
    }

    /// True when the event's body has an input error: Dodo's SDK models would refuse it.
    pub fn has_input_errors(&self, key: &str) -> bool {
        self.input_diagnostics(key)
            .iter()
            .any(|d| d.severity == Severity::Error)
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

    /// How the transformation is named on screen.
    pub fn transform_name(&self) -> String {
        self.transform.display_name_in(&self.cwd)
    }

    pub fn set_status(&mut self, text: impl Into<String>) {
        self.status = Some(StatusMessage {
            text: text.into(),
            is_error: false,
        });
    }

    pub fn set_error(&mut self, text: impl Into<String>) {
        self.status = Some(StatusMessage {
            text: text.into(),
            is_error: true,
        });
    }
}
