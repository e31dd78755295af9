//! How the user arranged the screen for the session (layout, events column width, bottom
//! panel), and the [`Sizing`] the layout is computed from: that state plus what the panes
//! hold (the events list's widest row, the bottom panel's lines).

use crate::layout::{BottomPanel, LayoutChoice, Pane, Sizing};

use super::app::App;
use super::measure;

/// The screen's arrangement as the user set it; kept for the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutState {
    pub choice: LayoutChoice,
    /// The events list's width set with `<`/`>`; None sizes it to its content.
    pub events_width: Option<u16>,
    pub bottom: BottomPanel,
    /// Of Webhook and Transform, the one last focused: a split shows it beside Segment.
    pub split_tab: Pane,
}

impl LayoutState {
    pub fn new(choice: LayoutChoice) -> LayoutState {
        LayoutState {
            choice,
            events_width: None,
            bottom: BottomPanel::default(),
            split_tab: Pane::Transform,
        }
    }
}

impl Default for LayoutState {
    fn default() -> LayoutState {
        LayoutState::new(LayoutChoice::Auto)
    }
}

/// Columns the widest row of the events list takes, its borders included. Every entry counts,
/// not only those the filter shows, so typing a filter does not move the panes.
pub fn events_content_width(app: &App) -> u16 {
    let list = &app.events;
    let indent = if list.grouped { 2 } else { 0 };
    let mut widest = 0;
    for entry in list.entries() {
        let schema = if app.has_input_errors(&entry.key) {
            2
        } else {
            0
        };
        let row = match &entry.incoming {
            Some(info) => {
                let what = if info.accepted() {
                    entry.event_type.chars().count().max("(no type)".len())
                } else {
                    info.status.to_string().len()
                        + 1
                        + info.reason.as_deref().unwrap_or("rejected").chars().count()
                };
                // Mark, badge, "10:21:06 ".
                indent + 4 + 9 + what + schema
            }
            None => {
                let modified = if entry.modified.is_some() { 2 } else { 0 };
                indent + 2 + entry.key.chars().count() + modified + schema
            }
        };
        widest = widest.max(row);
    }
    for row in list.rows() {
        if let crate::model::events_list::Row::Header { group, count } = row {
            widest = widest.max(2 + group.chars().count() + 1 + count.to_string().len());
        }
    }
    // Borders, and a column so the longest name does not touch the border.
    u16::try_from(widest + 3).unwrap_or(u16::MAX)
}

impl App {
    /// What the layout is computed from now.
    pub fn sizing(&self) -> Sizing {
        Sizing {
            choice: self.layout.choice,
            events_content: events_content_width(self),
            events_width: self.layout.events_width,
            bottom: self.layout.bottom,
            bottom_content: measure::bottom_lines(self),
            split_tab: self.layout.split_tab,
        }
    }
}
