//! Questions: unsaved edits on quit, on load and on revert, a file changed on disk, a send with
//! lint errors and a send of every event to Segment. Each lists its choices with their keys.

use ratatui::Frame;

use crate::model::app::{App, Confirm};

use super::frame::draw_question;
use crate::text::styled_line;

pub fn draw(app: &App, frame: &mut Frame, confirm: &Confirm) {
    let p = &app.theme.palette;
    let name = app.transform_name();
    let (title, question) = match confirm {
        Confirm::Quit => (
            "Unsaved edits",
            vec![format!("{name} has edits that are not saved.")],
        ),
        Confirm::ForceSend(event) => (
            "Lint errors",
            vec![format!(
                "{event}'s output has lint errors: Segment will reject or silently drop it. Send anyway?"
            )],
        ),
        Confirm::SendAll(keys) => (
            "Send to Segment",
            vec![
                format!(
                    "Send {} listed event(s) to {}, region {}?",
                    keys.len(),
                    app.send.label(),
                    app.send.region
                ),
                "Events that failed, were cancelled or have lint errors are skipped.".to_string(),
            ],
        ),
        Confirm::Discard(spec) => (
            "Unsaved edits",
            vec![format!("Load {spec} and drop the unsaved edits to {name}?")],
        ),
        Confirm::ChangedOnDisk => (
            "Changed on disk",
            vec![format!(
                "{name} changed on disk while it has unsaved edits here. Which one stays?"
            )],
        ),
        Confirm::Revert => (
            "Revert",
            vec![format!(
                "Revert {name} to its saved version and drop the unsaved edits?"
            )],
        ),
    };
    let question = question
        .into_iter()
        .map(|text| styled_line(text, p.text))
        .collect();
    draw_question(app, frame, title, question, confirm.choices(), p.warning);
}
