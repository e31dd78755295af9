//! Questions that guard unsaved edits.

use ratatui::Frame;
use ratatui::widgets::{Paragraph, Wrap};

use crate::keymap::Action;
use crate::model::app::{App, Confirm};

use super::frame::{centered, draw_modal, hint_line};
use crate::text::{raw_line, styled_line};

pub fn draw(app: &App, frame: &mut Frame, confirm: &Confirm) {
    let p = &app.theme.palette;
    let name = app.transform_name();
    let (title, question, choices) = match confirm {
        Confirm::Quit => (
            "Unsaved edits",
            format!("{name} has edits that are not saved."),
            [Action::QuitSave, Action::QuitDiscard, Action::QuitStay]
                .map(|a| (a, a.description()))
                .to_vec(),
        ),
        Confirm::ForceSend(event) => (
            "Lint errors",
            format!(
                "{event}'s output has lint errors: Segment will reject or silently drop it. Send anyway?"
            ),
            vec![(Action::AnswerYes, "send it"), (Action::AnswerNo, "don't")],
        ),
        Confirm::Discard(spec) => (
            "Unsaved edits",
            format!("Load {spec} and drop the unsaved edits to {name}?"),
            vec![(Action::AnswerYes, "load it"), (Action::AnswerNo, "stay")],
        ),
    };
    let lines = vec![
        styled_line(question, p.text),
        raw_line(""),
        hint_line(app, &choices, true),
    ];
    draw_modal(
        app,
        frame,
        centered(frame.area(), 60, 7),
        title.to_string(),
        p.warning,
        Paragraph::new(lines).wrap(Wrap { trim: false }),
    );
}
