//! The one message type that drives the workbench, and the effects `update` asks the runtime to
//! carry out. Effects are plain data so `update` stays testable without a terminal or threads.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{KeyEvent, MouseEvent};
use serde_json::Value;

use hookbench_core::pipeline::{PipelineSettings, RunRecord};
use hookbench_core::segment::client::{Call, RetryNotice};
use hookbench_core::segment::keycheck::KeyCheck;
use hookbench_core::segment::{Destination, Region, SendReport, WriteKey};
use hookbench_core::store::DeliverySummary;
use hookbench_core::transform::presets::TransformSource;

use super::jobs::LatestJobs;

/// Everything that can happen to the app: input, and the results of effects.
#[derive(Debug)]
pub enum Message {
    /// The workbench opened: run every event and start what it starts with; `listen` starts the
    /// listener too.
    Started {
        listen: bool,
    },
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    Resize(u16, u16),
    /// One event's run finished.
    RunDone {
        job: u64,
        key: String,
        /// Boxed: records are large and most messages are keys.
        record: Box<RunRecord>,
    },
    /// The pause after typing ended; `generation` tells whether more typing came since.
    EditSettled {
        generation: u64,
    },
    /// `$EDITOR` closed; the file's bytes as it left them, or why they could not be had.
    ExternalEditDone {
        target: EditTarget,
        result: Result<Vec<u8>, String>,
    },
    /// The watched transformation file changed on disk.
    FileChanged {
        path: PathBuf,
        contents: Result<String, String>,
    },
    /// A save finished: where the file went, or why it could not be written.
    Saved {
        result: Result<PathBuf, String>,
        /// The text that was written, to tell whether edits came in meanwhile.
        text: String,
    },
    /// The transformation files the picker offers.
    TransformsListed(Vec<PickerEntry>),
    /// A transformation chosen in the picker was read.
    TransformLoaded(Result<TransformSource, String>),
    /// SIGTERM, SIGHUP or SIGINT: leave now, keeping unsaved edits in a recovery file.
    Terminate,
    /// The in-process sink is listening at this base URL, or could not start.
    SinkStarted(Result<url::Url, String>),
    /// One call of send `id` was answered (or refused, or failed); `at` is the local time, `HH:MM:SS`.
    SendAnswered {
        id: u64,
        key: String,
        report: Box<SendReport>,
        at: String,
    },
    /// The write-key check finished.
    KeyChecked(Box<KeyCheck>),
    /// The write key was saved to the config file, or why not.
    KeySaved(Result<PathBuf, String>),
    /// The listener is up at this URL, or could not start.
    ListenerStarted(Result<url::Url, String>),
    /// A delivery reached the listener (accepted or rejected), already stored.
    Received {
        summary: Box<DeliverySummary>,
        body: Vec<u8>,
        redelivery: bool,
    },
    /// Stored deliveries, newest first, with their bodies.
    DeliveriesLoaded(Result<Vec<(DeliverySummary, Vec<u8>)>, String>),
    /// A call of send `id` went wrong and will be tried again; `at` is the local time of the
    /// next attempt, `HH:MM:SS`.
    SendRetrying {
        id: u64,
        notice: RetryNotice,
        at: String,
    },
    /// The stored headers of received deliveries (by id), or why they could not be read: sent
    /// after `Received` and `DeliveriesLoaded`.
    DeliveryHeaders(Vec<(i64, StoredHeaders)>),
}

/// A delivery's headers as stored (name, value, in order), or why they could not be read.
pub type StoredHeaders = Result<Vec<(String, String)>, String>;

/// What `$EDITOR` was opened on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditTarget {
    /// The transformation file at this path.
    Transform(PathBuf),
    /// The body of the event with this key (edited through a temporary file).
    Body(String),
}

/// One row of the transformation picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickerEntry {
    /// What `presets::resolve` takes: a preset name or a path.
    pub spec: String,
    /// Where it comes from: "preset", "current dir", "config".
    pub origin: &'static str,
}

/// One body to run.
#[derive(Debug, Clone)]
pub struct RunItem {
    pub key: String,
    pub body: String,
    /// The body as JSON, shared with the run that builds the handler's payload from it.
    pub parsed: Option<std::sync::Arc<Value>>,
}

/// Runs of one transformation source over some events. A later job for the same key makes an
/// earlier one stale: whoever runs it skips stale items (asking `latest`) and `update` drops
/// their results.
#[derive(Debug, Clone)]
pub struct RunJob {
    pub job: u64,
    /// File name shown in stack traces.
    pub name: String,
    pub source: String,
    pub settings: PipelineSettings,
    pub items: Vec<RunItem>,
    /// The app's table of the newest job per event, read to skip stale items.
    pub latest: LatestJobs,
}

/// Side effects `update` asks for; the runtime reports back with messages.
#[derive(Debug, Clone)]
pub enum Effect {
    Run(RunJob),
    /// Send `EditSettled { generation }` after `delay`.
    Debounce {
        generation: u64,
        delay: Duration,
    },
    /// Suspend the screen and open `$EDITOR`: on the file for a transformation, on a temporary
    /// copy of `text` for a body.
    OpenEditor {
        target: EditTarget,
        text: String,
    },
    /// Watch this transformation file (None: stop watching).
    Watch(Option<PathBuf>),
    /// Write the transformation to `path`, or to a new file in `dir` named after `stem` (never
    /// over an existing file) when `path` is None.
    Save {
        path: Option<PathBuf>,
        dir: PathBuf,
        stem: String,
        /// The extension of a new file: `js`, or `mapping.toml` for a mapping.
        ext: &'static str,
        text: String,
    },
    /// Put text on the clipboard with OSC 52 (works over SSH).
    Copy(String),
    /// List the transformations the picker offers.
    ListTransforms {
        dir: PathBuf,
        config_paths: Vec<PathBuf>,
    },
    /// Read a transformation chosen in the picker.
    LoadTransform(String),
    /// Leave the workbench. `recovery` holds unsaved edits to keep in a file first.
    Quit {
        recovery: Option<Recovery>,
    },
    /// Start the local sink on a free loopback port.
    StartSink,
    /// Send calls; each answers with `Delivered`.
    Send(SendJob),
    /// Cancel every send still waiting for an answer or to retry.
    CancelSends,
    /// Check a write key against Segment's settings CDN.
    VerifyKey(WriteKey),
    /// Write the key and its region into the config file's `[segment] write_key` and `region`
    /// (the file kept at mode 0600).
    SaveKey {
        key: WriteKey,
        region: Region,
        path: PathBuf,
    },
    /// Start receiving webhooks at this address.
    StartListener {
        addr: String,
    },
    StopListener,
    /// Read stored deliveries older than `before` (the newest when None).
    LoadDeliveries {
        before: Option<i64>,
        limit: usize,
    },
}

/// One call to send, with the event it came from.
#[derive(Debug, Clone)]
pub struct SendItem {
    pub key: String,
    pub call: Call,
    /// For a received delivery: the run to keep in history with the send.
    pub history: Option<SendHistory>,
}

/// What history keeps of a send of a received delivery: the run it came from.
#[derive(Debug, Clone)]
pub struct SendHistory {
    pub delivery_id: i64,
    pub transform: String,
    /// The run that made the call.
    pub record: Box<RunRecord>,
}

/// Calls to send to one destination.
#[derive(Debug, Clone)]
pub struct SendJob {
    pub id: u64,
    pub destination: Destination,
    pub write_key: Option<WriteKey>,
    pub retries: u32,
    /// Pack into `/v1/batch` requests.
    pub batch: bool,
    pub items: Vec<SendItem>,
}

/// Unsaved transformation edits to write somewhere safe on a forced exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub dir: PathBuf,
    pub stem: String,
    /// `js`, or `mapping.toml` for a mapping.
    pub ext: &'static str,
    pub text: String,
}
