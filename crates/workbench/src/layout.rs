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

/// At and above this width `auto` shows every pane side by side.
pub const TABS_BELOW_WIDTH: u16 = 140;
/// The smallest screen the workbench draws; below it a short message says so.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// The events list's width when sized to its content: at least this many columns…
pub const EVENTS_MIN_AUTO: u16 = 24;
/// …and at most this share of the screen, in percent.
pub const EVENTS_MAX_AUTO_PERCENT: u16 = 40;
/// The width `<` and `>` may give the events list: from this many columns to half the screen.
pub const EVENTS_MIN: u16 = 16;
/// Columns `<` and `>` take or give.
pub const EVENTS_STEP: u16 = 4;
/// A split layout puts Segment beside Transform when they get this many columns together,
/// and under it otherwise.
pub const SPLIT_SIDE_BY_SIDE_WIDTH: u16 = 90;
/// Rows the panes above the bottom panel keep whatever its size.
pub const MIN_BODY_HEIGHT: u16 = 8;
/// A stacked split needs this many rows above the bottom panel, else it shows tabs.
const STACKED_MIN_HEIGHT: u16 = 11;

/// How the panes are arranged, as the user chose it (`[ui] layout`, the `layout` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayoutChoice {
    /// Wide where the screen allows, split below it.
    #[default]
    Auto,
    /// Events, Webhook, Transform and Segment side by side.
    Wide,
    /// Webhook and Transform as tabs, Segment beside them (or under them on narrow screens).
    Split,
    /// Webhook, Transform and Segment as tabs beside the events list.
    Tabs,
}

impl LayoutChoice {
    /// In the order the `layout` key cycles through.
    pub const ALL: [LayoutChoice; 4] = [
        LayoutChoice::Auto,
        LayoutChoice::Wide,
        LayoutChoice::Split,
        LayoutChoice::Tabs,
    ];

    /// The name in the config file and the status line.
    pub fn name(self) -> &'static str {
        match self {
            LayoutChoice::Auto => "auto",
            LayoutChoice::Wide => "wide",
            LayoutChoice::Split => "split",
            LayoutChoice::Tabs => "tabs",
        }
    }

    /// The choice a config-file name stands for.
    pub fn from_name(name: &str) -> Option<LayoutChoice> {
        LayoutChoice::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The next choice of the cycle.
    pub fn next(self) -> LayoutChoice {
        let at = LayoutChoice::ALL
            .iter()
            .position(|&c| c == self)
            .unwrap_or(0);
        LayoutChoice::ALL[(at + 1) % LayoutChoice::ALL.len()]
    }
}

/// What a [`LayoutChoice`] becomes on a given screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrangement {
    Wide,
    /// Webhook/Transform tabs, Segment to their right.
    SplitSideBySide,
    /// Webhook/Transform tabs, Segment under them.
    SplitStacked,
    Tabs,
}

/// The bottom panel as the user set it for the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BottomPanel {
    /// Hidden altogether (`b` shows it again).
    pub hidden: bool,
    /// Rows chosen with `+`/`-`; None for the default of the screen's height.
    pub rows: Option<u16>,
}

/// Everything besides the screen that decides where the panes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    pub choice: LayoutChoice,
    /// Columns the events list's longest row needs, its borders included.
    pub events_content: u16,
    /// The width set with `<`/`>`, kept for the session.
    pub events_width: Option<u16>,
    pub bottom: BottomPanel,
    /// Lines the bottom panel's tab has to show: at most one folds it to a single row.
    pub bottom_content: usize,
    /// Of Webhook and Transform, the one a split layout shows beside Segment.
    pub split_tab: Pane,
}

impl Default for Sizing {
    fn default() -> Sizing {
        Sizing {
            choice: LayoutChoice::Auto,
            events_content: 0,
            events_width: None,
            bottom: BottomPanel::default(),
            bottom_content: 2,
            split_tab: Pane::Transform,
        }
    }
}

/// The areas of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub events: Rect,
    pub webhook: Option<Rect>,
    pub transform: Option<Rect>,
    pub segment: Option<Rect>,
    /// The tab bar over the middle panes when some of them are tabs.
    pub tabs: Option<Rect>,
    /// The panes the tab bar lists, in order.
    pub tab_panes: &'static [Pane],
    /// The tab the tab bar shows as selected.
    pub tab_shown: Option<Pane>,
    /// The bottom panel: zero rows when hidden, one row (no borders) when folded.
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

    /// The tab under column `x` of the tab bar, with the same labels `view` draws.
    pub fn tab_at(&self, x: u16) -> Option<Pane> {
        let tabs = self.tabs?;
        let mut left = tabs.x;
        for &pane in self.tab_panes {
            let width = tab_label(pane).chars().count() as u16;
            if x >= left && x < left + width {
                return Some(pane);
            }
            left += width + 1;
        }
        None
    }
}

/// True when the screen is too small to draw the workbench.
pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
}

/// Columns the middle panes keep beside an events list sized to its content: in the wide
/// layout (about 44, 52 and 52 for Webhook, Transform and Segment), and in a split with
/// Segment beside Transform.
const WIDE_MIDDLE_RESERVE: u16 = 148;

/// The events list's width on a screen `width` columns wide, in `arrangement`.
pub fn events_width(width: u16, arrangement: Arrangement, sizing: &Sizing) -> u16 {
    match sizing.events_width {
        Some(chosen) => chosen.clamp(EVENTS_MIN, (width / 2).max(EVENTS_MIN)),
        None => {
            let share = (width * EVENTS_MAX_AUTO_PERCENT / 100).max(EVENTS_MIN_AUTO);
            let reserve = match arrangement {
                Arrangement::Wide => WIDE_MIDDLE_RESERVE,
                Arrangement::SplitSideBySide => SPLIT_SIDE_BY_SIDE_WIDTH,
                Arrangement::SplitStacked | Arrangement::Tabs => 0,
            };
            // The wide layout never gives the list less than it had at a fixed width.
            let least = match arrangement {
                Arrangement::Wide if width >= 160 => 32,
                Arrangement::Wide => 29,
                _ => EVENTS_MIN_AUTO,
            };
            let most = width.saturating_sub(reserve).clamp(least, share.max(least));
            sizing.events_content.clamp(least, most)
        }
    }
}

/// The bottom panel's rows on a screen `height` rows high.
pub fn bottom_height(height: u16, sizing: &Sizing) -> u16 {
    if sizing.bottom.hidden {
        return 0;
    }
    if sizing.bottom_content <= 1 {
        return 1;
    }
    let default = if height >= 50 { 9 } else { 6 };
    let most = height.saturating_sub(1 + MIN_BODY_HEIGHT).max(3);
    sizing.bottom.rows.unwrap_or(default).clamp(3, most)
}

/// The arrangement a choice gives on a screen `width` columns wide with `body_height` rows
/// above the bottom panel.
pub fn arrangement(
    choice: LayoutChoice,
    width: u16,
    body_height: u16,
    sizing: &Sizing,
) -> Arrangement {
    let events = sizing.events_width.map_or(EVENTS_MIN_AUTO, |w| {
        w.clamp(EVENTS_MIN, (width / 2).max(EVENTS_MIN))
    });
    let split = || {
        if width.saturating_sub(events) >= SPLIT_SIDE_BY_SIDE_WIDTH {
            Arrangement::SplitSideBySide
        } else if body_height >= STACKED_MIN_HEIGHT {
            Arrangement::SplitStacked
        } else {
            Arrangement::Tabs
        }
    };
    match choice {
        LayoutChoice::Auto if width >= TABS_BELOW_WIDTH => Arrangement::Wide,
        LayoutChoice::Auto | LayoutChoice::Split => split(),
        LayoutChoice::Wide => Arrangement::Wide,
        LayoutChoice::Tabs => Arrangement::Tabs,
    }
}

const ALL_TABS: [Pane; 3] = [Pane::Webhook, Pane::Transform, Pane::Segment];
const SPLIT_TABS: [Pane; 2] = [Pane::Webhook, Pane::Transform];

/// The areas for a screen of `area`, with `tab` the middle pane last focused.
pub fn compute(area: Rect, tab: Pane, sizing: &Sizing) -> Areas {
    if too_small(area.width, area.height) {
        return Areas::default();
    }
    let [body, logs, status] = RatatuiLayout::vertical([
        Constraint::Min(5),
        Constraint::Length(bottom_height(area.height, sizing)),
        Constraint::Length(1),
    ])
    .areas(area);

    let arranged = arrangement(sizing.choice, area.width, body.height, sizing);
    let [events, middle] = RatatuiLayout::horizontal([
        Constraint::Length(events_width(area.width, arranged, sizing)),
        Constraint::Min(10),
    ])
    .areas(body);

    let mut areas = Areas {
        events,
        logs,
        status,
        ..Areas::default()
    };
    let left_tab = match (tab, sizing.split_tab) {
        (Pane::Webhook | Pane::Transform, _) => tab,
        (_, Pane::Webhook) => Pane::Webhook,
        _ => Pane::Transform,
    };
    let place_left = |areas: &mut Areas, pane: Rect| match left_tab {
        Pane::Webhook => areas.webhook = Some(pane),
        _ => areas.transform = Some(pane),
    };
    match arranged {
        Arrangement::Tabs => {
            let [tabs, pane] =
                RatatuiLayout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(middle);
            areas.tabs = Some(tabs);
            areas.tab_panes = &ALL_TABS;
            areas.tab_shown = Some(tab);
            match tab {
                Pane::Webhook => areas.webhook = Some(pane),
                Pane::Transform => areas.transform = Some(pane),
                _ => areas.segment = Some(pane),
            }
        }
        Arrangement::SplitSideBySide => {
            let [left, segment] =
                RatatuiLayout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(middle);
            let [tabs, pane] =
                RatatuiLayout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(left);
            areas.tabs = Some(tabs);
            areas.tab_panes = &SPLIT_TABS;
            areas.tab_shown = Some(left_tab);
            place_left(&mut areas, pane);
            areas.segment = Some(segment);
        }
        Arrangement::SplitStacked => {
            let [tabs, rest] =
                RatatuiLayout::vertical([Constraint::Length(1), Constraint::Min(6)]).areas(middle);
            let [pane, segment] =
                RatatuiLayout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(rest);
            areas.tabs = Some(tabs);
            areas.tab_panes = &SPLIT_TABS;
            areas.tab_shown = Some(left_tab);
            place_left(&mut areas, pane);
            areas.segment = Some(segment);
        }
        Arrangement::Wide => {
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
    }
    areas
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

    fn sizing(choice: LayoutChoice) -> Sizing {
        Sizing {
            choice,
            ..Sizing::default()
        }
    }

    #[test]
    fn wide_screens_show_four_columns_narrow_ones_a_split() {
        let auto = sizing(LayoutChoice::Auto);
        let wide = compute(Rect::new(0, 0, 200, 50), Pane::Segment, &auto);
        assert!(wide.webhook.is_some() && wide.transform.is_some() && wide.segment.is_some());
        assert!(wide.tabs.is_none());
        let split = compute(Rect::new(0, 0, 120, 40), Pane::Segment, &auto);
        let (transform, segment) = (split.transform.expect("t"), split.segment.expect("s"));
        assert_eq!(
            transform.y,
            segment.y + 1,
            "the tab bar is over the transformation only"
        );
        assert!(
            transform.right() <= segment.x,
            "side by side: {transform:?} {segment:?}"
        );
        assert!(split.webhook.is_none());
        let narrow = compute(Rect::new(0, 0, 80, 24), Pane::Segment, &auto);
        let (transform, segment) = (narrow.transform.expect("t"), narrow.segment.expect("s"));
        assert!(
            transform.bottom() <= segment.y,
            "stacked: {transform:?} {segment:?}"
        );
    }

    #[test]
    fn tabs_show_one_middle_pane() {
        let tabs = sizing(LayoutChoice::Tabs);
        let narrow = compute(Rect::new(0, 0, 200, 40), Pane::Transform, &tabs);
        assert!(narrow.tabs.is_some());
        assert!(narrow.transform.is_some());
        assert!(narrow.webhook.is_none() && narrow.segment.is_none());
        let wide = compute(
            Rect::new(0, 0, 100, 40),
            Pane::Transform,
            &sizing(LayoutChoice::Wide),
        );
        assert!(wide.webhook.is_some() && wide.segment.is_some() && wide.tabs.is_none());
    }

    #[test]
    fn a_split_keeps_the_last_of_webhook_and_transform_beside_segment() {
        let mut split = sizing(LayoutChoice::Split);
        split.split_tab = Pane::Webhook;
        let areas = compute(Rect::new(0, 0, 200, 50), Pane::Segment, &split);
        assert!(areas.webhook.is_some() && areas.transform.is_none());
        assert_eq!(areas.tab_shown, Some(Pane::Webhook));
        let areas = compute(Rect::new(0, 0, 200, 50), Pane::Transform, &split);
        assert!(areas.transform.is_some() && areas.webhook.is_none());
    }

    #[test]
    fn the_events_column_fits_its_content_within_limits() {
        let mut s = Sizing::default();
        let wide = Arrangement::Wide;
        s.events_content = 10;
        assert_eq!(events_width(300, wide, &s), 32);
        assert_eq!(events_width(120, Arrangement::Tabs, &s), EVENTS_MIN_AUTO);
        s.events_content = 50;
        assert_eq!(events_width(300, wide, &s), 50);
        assert_eq!(
            events_width(80, Arrangement::SplitStacked, &s),
            32,
            "at most 40%"
        );
        assert_eq!(
            events_width(180, wide, &s),
            32,
            "the middle panes keep their room"
        );
        assert_eq!(events_width(120, Arrangement::SplitSideBySide, &s), 30);
        s.events_content = 500;
        assert_eq!(events_width(300, wide, &s), 120);
        s.events_width = Some(3);
        assert_eq!(events_width(300, wide, &s), EVENTS_MIN);
        s.events_width = Some(400);
        assert_eq!(events_width(300, wide, &s), 150, "at most half the screen");
    }

    #[test]
    fn the_bottom_panel_folds_hides_and_keeps_the_body() {
        let mut s = Sizing::default();
        assert_eq!(bottom_height(40, &s), 6);
        assert_eq!(bottom_height(50, &s), 9);
        s.bottom_content = 1;
        assert_eq!(
            bottom_height(40, &s),
            1,
            "one line shows in the folded panel"
        );
        s.bottom_content = 30;
        s.bottom.rows = Some(100);
        assert_eq!(bottom_height(24, &s), 24 - 1 - MIN_BODY_HEIGHT);
        s.bottom.rows = Some(0);
        assert_eq!(bottom_height(24, &s), 3);
        s.bottom.hidden = true;
        assert_eq!(bottom_height(24, &s), 0);
    }

    #[test]
    fn every_size_gives_areas_inside_the_screen() {
        for choice in LayoutChoice::ALL {
            for content in [1, 30] {
                let s = Sizing {
                    choice,
                    events_content: 40,
                    bottom_content: content,
                    ..Sizing::default()
                };
                for width in (0..260).step_by(17) {
                    for height in (0..80).step_by(7) {
                        let screen = Rect::new(0, 0, width, height);
                        let areas = compute(screen, Pane::Webhook, &s);
                        for pane in Pane::ALL {
                            if let Some(r) = areas.of(pane) {
                                assert!(
                                    screen.union(r) == screen || r.area() == 0,
                                    "{choice:?} {width}x{height} {pane:?} {r:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn positions_map_to_panes_and_tabs() {
        let auto = Sizing::default();
        let areas = compute(Rect::new(0, 0, 200, 50), Pane::Segment, &auto);
        assert_eq!(areas.pane_at(1, 1), Some(Pane::Events));
        assert_eq!(areas.pane_at(199, 48), Some(Pane::Logs));
        let narrow = compute(
            Rect::new(0, 0, 100, 40),
            Pane::Segment,
            &sizing(LayoutChoice::Tabs),
        );
        let tabs = narrow.tabs.expect("tabs");
        assert_eq!(narrow.tab_at(tabs.x + 1), Some(Pane::Webhook));
        let second = tabs.x + tab_label(Pane::Webhook).len() as u16 + 2;
        assert_eq!(narrow.tab_at(second), Some(Pane::Transform));
        let split = compute(Rect::new(0, 0, 100, 40), Pane::Segment, &auto);
        let tabs = split.tabs.expect("tabs");
        let third =
            tabs.x + (tab_label(Pane::Webhook).len() + tab_label(Pane::Transform).len()) as u16 + 3;
        assert_eq!(split.tab_at(third), None, "a split lists two tabs");
    }

    #[test]
    fn the_layout_names_round_trip_and_cycle() {
        for choice in LayoutChoice::ALL {
            assert_eq!(LayoutChoice::from_name(choice.name()), Some(choice));
        }
        assert_eq!(LayoutChoice::Tabs.next(), LayoutChoice::Auto);
        assert_eq!(LayoutChoice::from_name("grid"), None);
    }
}
