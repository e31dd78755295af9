//! Where each pane goes for a terminal size. Shared by `view` (to draw) and `update` (for mouse
//! hits and page sizes), so both always agree.

use ratatui::layout::{Constraint, Layout as RatatuiLayout, Position, Rect};

/// The panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Events,
    Webhook,
    Transform,
    Segment,
    Logs,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Events,
        Pane::Webhook,
        Pane::Transform,
        Pane::Segment,
        Pane::Logs,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Events => "Events",
            Pane::Webhook => "Webhook",
            Pane::Transform => "Transform",
            Pane::Segment => "Segment",
            Pane::Logs => "Logs",
        }
    }

    /// The three middle panes become tabs on narrow screens.
    pub fn is_middle(self) -> bool {
        matches!(self, Pane::Webhook | Pane::Transform | Pane::Segment)
    }
}

/// Below this width the three middle panes become tabs.
pub const TABS_BELOW_WIDTH: u16 = 140;
/// The smallest screen the workbench draws; below it a short message says so.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// The areas of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub events: Rect,
    pub webhook: Option<Rect>,
    pub transform: Option<Rect>,
    pub segment: Option<Rect>,
    /// The tab bar over the middle pane on narrow screens.
    pub tabs: Option<Rect>,
    pub logs: Rect,
    pub status: Rect,
}

impl Areas {
    /// The area of a pane, when it is on screen.
    pub fn of(&self, pane: Pane) -> Option<Rect> {
        match pane {
            Pane::Events => Some(self.events),
            Pane::Webhook => self.webhook,
            Pane::Transform => self.transform,
            Pane::Segment => self.segment,
            Pane::Logs => Some(self.logs),
        }
    }

    /// The pane under a screen position.
    pub fn pane_at(&self, x: u16, y: u16) -> Option<Pane> {
        let at = Position::new(x, y);
        Pane::ALL
            .into_iter()
            .find(|&p| self.of(p).is_some_and(|r| r.contains(at)))
    }

    /// Lines of text inside a pane's borders (0 when not shown).
    pub fn inner_height(&self, pane: Pane) -> usize {
        self.of(pane)
            .map_or(0, |r| usize::from(r.height.saturating_sub(2)))
    }
}

/// True when the screen is too small to draw the workbench.
pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// True when the middle panes are tabs.
pub fn uses_tabs(width: u16) -> bool {
    width < TABS_BELOW_WIDTH
}

/// The areas for a screen of `area`, with `tab` the middle pane shown when they are tabs.
pub fn compute(area: Rect, tab: Pane) -> Areas {
    if too_small(area.width, area.height) {
        return Areas::default();
    }
    let logs_height = if area.height >= 50 { 9 } else { 6 };
    let [body, logs, status] = RatatuiLayout::vertical([
        Constraint::Min(5),
        Constraint::Length(logs_height),
        Constraint::Length(1),
    ])
    .areas(area);

    let events_width = match area.width {
        160.. => 32,
        100.. => 29,
        _ => 26,
    };
    let [events, middle] =
        RatatuiLayout::horizontal([Constraint::Length(events_width), Constraint::Min(10)])
            .areas(body);

    let mut areas = Areas {
        events,
        logs,
        status,
        ..Areas::default()
    };
    if uses_tabs(area.width) {
        let [tabs, pane] =
            RatatuiLayout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(middle);
        areas.tabs = Some(tabs);
        match tab {
            Pane::Webhook => areas.webhook = Some(pane),
            Pane::Transform => areas.transform = Some(pane),
            _ => areas.segment = Some(pane),
        }
    } else {
        let [webhook, transform, segment] = RatatuiLayout::horizontal([
            Constraint::Percentage(30),
            Constraint::Percentage(35),
            Constraint::Percentage(35),
        ])
        .areas(middle);
        areas.webhook = Some(webhook);
        areas.transform = Some(transform);
        areas.segment = Some(segment);
    }
    areas
}

/// The tab under column `x` of the tab bar, with the same labels `view` draws.
pub fn tab_at(tabs: Rect, x: u16) -> Option<Pane> {
    let mut left = tabs.x;
    for pane in [Pane::Webhook, Pane::Transform, Pane::Segment] {
        let width = tab_label(pane).chars().count() as u16;
        if x >= left && x < left + width {
            return Some(pane);
        }
        left += width + 1;
    }
    None
}

/// A tab's label: " 2 Webhook ".
pub fn tab_label(pane: Pane) -> String {
    let number = match pane {
        Pane::Webhook => 2,
        Pane::Transform => 3,
        _ => 4,
    };
    format!(" {number} {} ", pane.title())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_screens_show_four_columns_narrow_ones_tabs() {
        let wide = compute(Rect::new(0, 0, 200, 50), Pane::Segment);
        assert!(wide.webhook.is_some() && wide.transform.is_some() && wide.segment.is_some());
        assert!(wide.tabs.is_none());
        let narrow = compute(Rect::new(0, 0, 100, 40), Pane::Transform);
        assert!(narrow.tabs.is_some());
        assert!(narrow.transform.is_some());
        assert!(narrow.webhook.is_none() && narrow.segment.is_none());
    }

    #[test]
    fn every_size_gives_areas_inside_the_screen() {
        for width in (0..260).step_by(7) {
            for height in (0..80).step_by(3) {
                let screen = Rect::new(0, 0, width, height);
                let areas = compute(screen, Pane::Webhook);
                for pane in Pane::ALL {
                    if let Some(r) = areas.of(pane) {
                        assert!(
                            screen.union(r) == screen || r.area() == 0,
                            "{width}x{height} {pane:?} {r:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn positions_map_to_panes_and_tabs() {
        let areas = compute(Rect::new(0, 0, 200, 50), Pane::Segment);
        assert_eq!(areas.pane_at(1, 1), Some(Pane::Events));
        assert_eq!(areas.pane_at(199, 48), Some(Pane::Logs));
        let narrow = compute(Rect::new(0, 0, 100, 40), Pane::Segment);
        let tabs = narrow.tabs.expect("tabs");
        assert_eq!(tab_at(tabs, tabs.x + 1), Some(Pane::Webhook));
        let second = tabs.x + tab_label(Pane::Webhook).len() as u16 + 2;
        assert_eq!(tab_at(tabs, second), Some(Pane::Transform));
    }
}
