//! Sending state: where sends go, the write key (only ever held here, shown masked), sends in
//! flight and the sends of the session.

use std::path::PathBuf;

use hookbench_core::segment::keycheck::{KeyCheck, KeyStatus};
use hookbench_core::segment::{Destination, Outcome, Region, SendReport, WriteKey};
use hookbench_core::session::DEFAULT_RETRIES;

/// Where sends go, as the user picks it (`D` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestinationChoice {
    DryRun,
    Sink,
    Segment,
}

impl DestinationChoice {
    /// Where the configuration file says sends start.
    pub fn from_config(start: hookbench_core::config::StartDestination) -> DestinationChoice {
        use hookbench_core::config::StartDestination;
        match start {
            StartDestination::Sink => DestinationChoice::Sink,
            StartDestination::DryRun => DestinationChoice::DryRun,
            StartDestination::Segment => DestinationChoice::Segment,
        }
    }

    pub fn next(self) -> DestinationChoice {
        match self {
            DestinationChoice::DryRun => DestinationChoice::Sink,
            DestinationChoice::Sink => DestinationChoice::Segment,
            DestinationChoice::Segment => DestinationChoice::DryRun,
        }
    }
}

/// The in-process sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkStatus {
    NotStarted,
    Starting,
    Running(url::Url),
    Failed(String),
}

/// A send's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub id: u64,
    pub total: usize,
    pub done: usize,
    /// The listed events `S` left out, and why.
    pub skipped: Skipped,
    /// The retry the send is waiting for, if any: cleared when the call is answered.
    pub retry: Option<RetryState>,
}

/// A call waiting to be tried again, as the client told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryState {
    /// The attempt that went wrong, from 1.
    pub attempt: u32,
    /// Attempts allowed in all.
    pub attempts: u32,
    /// What went wrong, escaped for the screen.
    pub reason: String,
    /// The wait before the next attempt, in whole seconds (rounded up).
    pub wait_secs: u64,
    /// Local time of the next attempt, `HH:MM:SS`.
    pub at: String,
}

impl RetryState {
    /// "attempt 2 of 4 failed: connection refused · retry in 3 s (at 14:02:13)".
    pub fn label(&self) -> String {
        format!(
            "attempt {} of {} failed: {} · retry in {} s (at {})",
            self.attempt, self.attempts, self.reason, self.wait_secs, self.at
        )
    }
}

/// Why `S` left listed events out, counted by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// The transformation failed on them.
    pub failed: usize,
    /// The handler cancelled them.
    pub cancelled: usize,
    /// Their output has lint errors.
    pub lint_errors: usize,
    /// Their body is not valid JSON.
    pub invalid_body: usize,
    /// The receiver rejected them, so they are not transformed.
    pub rejected: usize,
    /// They have no output to send yet.
    pub not_run: usize,
}

impl Skipped {
    pub fn total(&self) -> usize {
        self.failed
            + self.cancelled
            + self.lint_errors
            + self.invalid_body
            + self.rejected
            + self.not_run
    }

    /// "skipped 50: 44 cancelled by the handler, 6 lint errors"; None when nothing was skipped.
    pub fn label(&self) -> Option<String> {
        let parts: Vec<String> = [
            (self.cancelled, "cancelled by the handler"),
            (self.lint_errors, "lint errors"),
            (self.failed, "the transformation failed"),
            (self.invalid_body, "body not valid JSON"),
            (self.rejected, "rejected by the receiver"),
            (self.not_run, "no output yet"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, why)| format!("{n} {why}"))
        .collect();
        (!parts.is_empty()).then(|| format!("skipped {}: {}", self.total(), parts.join(", ")))
    }
}

/// Text from the network or a handler, safe for the screen.
pub fn shown(text: &str) -> String {
    hookbench_core::text::escape_controls(text, false)
}

/// One send of the session.
#[derive(Debug, Clone)]
pub struct SendEntry {
    pub send: u64,
    /// The event it was made from.
    pub key: String,
    /// Local time, `HH:MM:SS`.
    pub at: String,
    pub report: SendReport,
}

/// A send asked for while a run it needs was pending: it goes once those runs are in, with
/// their outputs, never with the ones they replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingSend {
    /// The events to send, as listed when it was asked for.
    pub keys: Vec<String>,
    /// `S`: every listed event, batched.
    pub all: bool,
    /// Lint errors were confirmed already.
    pub force: bool,
}

/// Everything about sending.
#[derive(Debug, Clone)]
pub struct SendState {
    pub choice: DestinationChoice,
    pub region: Region,
    /// The configured Segment-compatible endpoint, used for "Segment" when set.
    pub endpoint: Option<url::Url>,
    pub write_key: Option<WriteKey>,
    pub key_check: Option<KeyCheck>,
    pub sink: SinkStatus,
    /// Newest last.
    pub reports: Vec<SendEntry>,
    pub in_flight: Vec<Progress>,
    /// The send waiting for runs to finish, if any (a newer `s` or `S` replaces it).
    pub waiting: Option<WaitingSend>,
    pub next_send: u64,
    /// Retries of a call after its first attempt.
    pub retries: u32,
    /// Where `K`'s "save" writes the key.
    pub config_path: Option<PathBuf>,
    /// The Sends tab's selected row: 0 is the newest send.
    pub cursor: usize,
    /// The selected send is open (its request and answer in full) rather than the list.
    pub open: bool,
}

impl SendState {
    /// Sends start on the local sink, a key or not: a live destination is chosen (`D`, or
    /// `[segment] destination`), never implied by a saved key.
    pub fn new(
        write_key: Option<WriteKey>,
        region: Region,
        endpoint: Option<url::Url>,
        config_path: Option<PathBuf>,
    ) -> SendState {
        SendState {
            choice: DestinationChoice::Sink,
            region,
            endpoint,
            write_key,
            key_check: None,
            sink: SinkStatus::NotStarted,
            reports: Vec::new(),
            in_flight: Vec::new(),
            waiting: None,
            next_send: 1,
            retries: DEFAULT_RETRIES,
            config_path,
            cursor: 0,
            open: false,
        }
    }

    /// The destination sends go to now; None while it cannot take them (the sink is not up, or
    /// Segment has no key), with the reason.
    pub fn destination(&self) -> Result<Destination, String> {
        match self.choice {
            DestinationChoice::DryRun => Ok(Destination::DryRun),
            DestinationChoice::Sink => match &self.sink {
                SinkStatus::Running(url) => Ok(Destination::Sink(url.clone())),
                SinkStatus::Failed(e) => Err(format!("the local sink could not start: {e}")),
                _ => Err("the local sink is starting".to_string()),
            },
            DestinationChoice::Segment => {
                if self.write_key.is_none() {
                    return Err("no write key: K sets one (or set SEGMENT_WRITE_KEY)".to_string());
                }
                Ok(match &self.endpoint {
                    Some(base) => Destination::Endpoint(base.clone()),
                    None => Destination::Segment(self.region),
                })
            }
        }
    }

    /// Where sends would go, even before they can (Segment without a key yet): None while the
    /// local sink is not up.
    pub fn planned_destination(&self) -> Option<Destination> {
        match self.choice {
            DestinationChoice::DryRun => Some(Destination::DryRun),
            DestinationChoice::Sink => match &self.sink {
                SinkStatus::Running(url) => Some(Destination::Sink(url.clone())),
                _ => None,
            },
            DestinationChoice::Segment => Some(match &self.endpoint {
                Some(base) => Destination::Endpoint(base.clone()),
                None => Destination::Segment(self.region),
            }),
        }
    }

    /// Where a call whose handler set `url` would actually be sent, by the core's rule:
    /// the sink's URL, the endpoint's, Segment US or EU with the URL's path. Err says why it is
    /// not known (the sink is not up) or why the URL cannot be sent to.
    pub fn target_of(&self, url: &str) -> Result<String, String> {
        let Some(destination) = self.planned_destination() else {
            return Err(self.short_label());
        };
        destination.target(url).map(|target| target.to_string())
    }

    /// What the status bar says about where sends go.
    pub fn label(&self) -> String {
        match self.choice {
            DestinationChoice::DryRun => "dry-run (nothing is sent)".to_string(),
            DestinationChoice::Sink => match &self.sink {
                SinkStatus::Running(url) => format!(
                    "local sink {} — does not reach Segment",
                    url.as_str().trim_end_matches('/')
                ),
                SinkStatus::Failed(_) => "local sink (failed to start)".to_string(),
                _ => "local sink (starting)".to_string(),
            },
            DestinationChoice::Segment => match &self.endpoint {
                Some(base) => format!("endpoint {}", base.as_str().trim_end_matches('/')),
                None => Destination::Segment(self.region).label(),
            },
        }
    }

    /// The destination in a few words, for the status bar.
    pub fn short_label(&self) -> String {
        let host_port = |url: &url::Url| {
            let host = url.host_str().unwrap_or_default();
            match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            }
        };
        match self.choice {
            DestinationChoice::DryRun => "dry-run".to_string(),
            DestinationChoice::Sink => match &self.sink {
                SinkStatus::Running(url) => format!("sink {} (not Segment)", host_port(url)),
                SinkStatus::Failed(_) => "sink failed".to_string(),
                _ => "sink starting".to_string(),
            },
            DestinationChoice::Segment => match &self.endpoint {
                Some(base) => format!("endpoint {}", host_port(base)),
                None => Destination::Segment(self.region).label(),
            },
        }
    }

    /// The key as the status bar shows it: masked, with the check's verdict.
    pub fn key_label(&self) -> String {
        match &self.write_key {
            None => "no write key".to_string(),
            Some(key) => {
                let mark = match self.key_check.as_ref().map(|c| c.status) {
                    Some(KeyStatus::Valid) => " ✓",
                    Some(KeyStatus::Unknown) => " ✗ unknown",
                    Some(KeyStatus::Unverifiable) => " ? unverified",
                    None => " (unchecked)",
                };
                format!("key {}{mark}", key.masked())
            }
        }
    }

    /// The key masked, without the check's verdict.
    pub fn key_label_plain(&self) -> String {
        self.write_key
            .as_ref()
            .map_or_else(|| "(none)".to_string(), WriteKey::masked)
    }

    /// The newest send of an event.
    pub fn last_report(&self, key: &str) -> Option<&SendEntry> {
        self.reports.iter().rev().find(|d| d.key == key)
    }

    pub fn is_sending(&self) -> bool {
        !self.in_flight.is_empty()
    }

    /// The send on the Sends tab's selected row.
    pub fn selected_report(&self) -> Option<&SendEntry> {
        self.reports.iter().rev().nth(self.cursor)
    }

    /// What the status bar says while sending: the calls left, and the retry waited for.
    pub fn progress_label(&self) -> Option<String> {
        let left: usize = self
            .in_flight
            .iter()
            .map(|p| p.total.saturating_sub(p.done))
            .sum();
        if left == 0 {
            return None;
        }
        let retry = self
            .in_flight
            .iter()
            .find_map(|p| p.retry.as_ref())
            .map(|r| {
                format!(
                    " · attempt {} of {} · retry in {} s",
                    r.attempt + 1,
                    r.attempts,
                    r.wait_secs
                )
            })
            .unwrap_or_default();
        Some(format!("⟳ sending {left}{retry}"))
    }
}

/// Rows of the Sends tab: the open send's header and detail, or a line per send in flight
/// (and its retry), then one per send.
pub fn sends_line_count(state: &SendState) -> usize {
    if state.open
        && let Some(entry) = state.selected_report()
    {
        return 1 + report_line_count(&entry.report);
    }
    (in_flight_line_count(state) + state.reports.len()).max(1)
}

/// Rows the sends in flight take at the top of the Sends tab.
pub fn in_flight_line_count(state: &SendState) -> usize {
    state
        .in_flight
        .iter()
        .map(|p| 1 + usize::from(p.retry.is_some()))
        .sum()
}

/// How many rows a send's detail takes: the outcome, why, the request
/// line, the answer's body and headers, the request's headers and body as written.
pub fn report_line_count(report: &SendReport) -> usize {
    use crate::highlight::Highlighter;
    use hookbench_core::segment::send::ResponseBody;
    let body = match &report.body {
        Some(ResponseBody::Json(value)) => {
            let compact = value.to_string();
            if compact.len() <= 100 {
                Highlighter::line_count(&compact)
            } else {
                let pretty = serde_json::to_string_pretty(value).unwrap_or(compact);
                Highlighter::line_count(&pretty)
            }
        }
        Some(ResponseBody::Text(text)) => text.lines().take(20).count(),
        None => 0,
    };
    let written = super::measure::written_text(&report.request)
        .map_or(0, |text| 1 + Highlighter::line_count(&text));
    2 + usize::from(report.message.is_some())
        + body
        + report.response_headers.len()
        + report.request.headers.len()
        + written
}

/// The label a send's outcome gets in lists.
pub fn outcome_mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Delivered => "✓",
        Outcome::DryRun => "→",
        Outcome::Cancelled => "⊘",
        Outcome::Rejected | Outcome::Failed | Outcome::Refused => "✗",
    }
}
