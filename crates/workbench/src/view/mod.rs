//! `view(&App, &mut Frame)`: draws the app as it is. No state changes here (the highlight
//! cache memoises behind a RefCell, which changes no result). One file per pane or overlay;
//! [`frame`] holds the frames all of them share and [`code`] the code views and editors.

pub mod bottom;
pub mod code;
pub mod confirm;
pub mod events;
pub mod field_cursor;
pub mod frame;
pub mod help;
pub mod key_dialog;
pub mod logs;
pub mod mapping_table;
pub mod messages;
pub mod pick_dialog;
pub mod picker;
pub mod response;
pub mod segment;
pub mod sends;
pub mod status;
pub mod tabs;
pub mod transform;
pub mod webhook;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};

use crate::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use crate::model::app::{App, Overlay};
use crate::text::styled_line;

pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if layout::too_small(area.width, area.height) {
        too_small(app, frame, area);
        return;
    }
    let areas = layout::compute(area, app.tab, &app.sizing());
    events::draw(app, frame, areas.events);
    if let Some(tabs) = areas.tabs {
        tabs::draw(app, frame, tabs, areas.tab_panes, areas.tab_shown);
    }
    if let Some(r) = areas.webhook {
        webhook::draw(app, frame, r);
    }
    if let Some(r) = areas.transform {
        transform::draw(app, frame, r);
    }
    if let Some(r) = areas.segment {
        segment::draw(app, frame, r);
    }
    bottom::draw(app, frame, areas.logs);
    status::draw(app, frame, areas.status);
    match &app.overlay {
        Some(Overlay::Help { scroll }) => help::draw(app, frame, *scroll),
        Some(Overlay::Picker(picker)) => picker::draw(app, frame, picker),
        Some(Overlay::Confirm(confirm)) => confirm::draw(app, frame, confirm),
        Some(Overlay::KeyDialog(dialog)) => key_dialog::draw(app, frame, dialog),
        Some(Overlay::Messages { scroll }) => messages::draw(app, frame, *scroll),
        Some(Overlay::Mapping(dialog)) => pick_dialog::draw(app, frame, dialog),
        None => {}
    }
}

fn too_small(app: &App, frame: &mut Frame, area: Rect) {
    let text = vec![
        styled_line("Terminal too small", app.theme.palette.warning),
        styled_line(
            format!(
                "hookbench needs {MIN_WIDTH}×{MIN_HEIGHT}; this is {}×{}.",
                area.width, area.height
            ),
            app.theme.palette.text,
        ),
        styled_line("Enlarge it, or press q to quit.", app.theme.palette.dim),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
