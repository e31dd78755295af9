//! How the text panes are being read: how far each is scrolled sideways, whether it wraps, which
//! of its findings is selected, and the search.

use crate::layout::Pane;

use super::search::Search;

/// Columns `h` and `l` scroll a text pane by.
pub const SIDEWAYS_STEP: usize = 8;

/// A text pane's horizontal state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sideways {
    /// Columns scrolled off to the left (0 while wrapping).
    pub left: usize,
    /// Long lines wrap instead of running past the edge.
    pub wrap: bool,
}

/// The findings listed under a pane's text: which one `f`/`F` selected, and the first row shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FindingsCursor {
    pub selected: Option<usize>,
    /// First wrapped row of the list shown under its summary.
    pub top: usize,
}

/// The reading state of the Webhook, Transform and Segment panes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    pub webhook: Sideways,
    pub transform: Sideways,
    pub segment: Sideways,
    /// The Webhook pane's input diagnostics.
    pub webhook_findings: FindingsCursor,
    /// The Segment pane's lint findings.
    pub segment_findings: FindingsCursor,
    pub search: Search,
}

impl Reading {
    /// The horizontal state of a text pane (None for the events list and the bottom panel).
    pub fn sideways(&self, pane: Pane) -> Option<Sideways> {
        match pane {
            Pane::Webhook => Some(self.webhook),
            Pane::Transform => Some(self.transform),
            Pane::Segment => Some(self.segment),
            Pane::Events | Pane::Logs => None,
        }
    }

    pub fn sideways_mut(&mut self, pane: Pane) -> Option<&mut Sideways> {
        match pane {
            Pane::Webhook => Some(&mut self.webhook),
            Pane::Transform => Some(&mut self.transform),
            Pane::Segment => Some(&mut self.segment),
            Pane::Events | Pane::Logs => None,
        }
    }

    /// The findings cursor of a pane that lists findings.
    pub fn findings_mut(&mut self, pane: Pane) -> Option<&mut FindingsCursor> {
        match pane {
            Pane::Webhook => Some(&mut self.webhook_findings),
            Pane::Segment => Some(&mut self.segment_findings),
            _ => None,
        }
    }
}
