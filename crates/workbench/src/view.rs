//! `view(&App, &mut Frame)`: draws the app as it is. No state changes here (the highlight
//! cache memoises behind a RefCell, which changes no result).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::app::{App, Overlay};
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::panes;

pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if layout::too_small(area.width, area.height) {
        too_small(app, frame, area);
        return;
    }
    let areas = layout::compute(area, app.tab);
    panes::events::draw(app, frame, areas.events);
    if let Some(tabs) = areas.tabs {
        panes::tabs::draw(app, frame, tabs);
    }
    if let Some(r) = areas.webhook {
        panes::webhook::draw(app, frame, r);
    }
    if let Some(r) = areas.transform {
        panes::transform::draw(app, frame, r);
    }
    if let Some(r) = areas.segment {
        panes::segment::draw(app, frame, r);
    }
    panes::bottom::draw(app, frame, areas.logs);
    panes::status::draw(app, frame, areas.status);
    match &app.overlay {
        Some(Overlay::Help { scroll }) => panes::help::draw(app, frame, *scroll),
        Some(Overlay::Picker(picker)) => panes::picker::draw(app, frame, picker),
        Some(Overlay::Confirm(confirm)) => panes::confirm::draw(app, frame, confirm),
        Some(Overlay::KeyDialog(dialog)) => panes::key_dialog::draw(app, frame, dialog),
        None => {}
    }
}

fn too_small(app: &App, frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::styled("Terminal too small", app.theme.palette.warning),
        Line::styled(
            format!(
                "hookbench needs {MIN_WIDTH}×{MIN_HEIGHT}; this is {}×{}.",
                area.width, area.height
            ),
            app.theme.palette.text,
        ),
        Line::styled("Enlarge it, or press q to quit.", app.theme.palette.dim),
    ];
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
