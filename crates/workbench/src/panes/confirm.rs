//! Questions that guard unsaved edits.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::app::{App, Confirm, Pane};
use crate::keymap::Action;

use super::{centered, pane_block};

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
    let mut choice_spans = Vec::new();
    for (action, what) in choices {
        let key = app.keymap.first_key_text(action);
        choice_spans.push(Span::styled(format!(" {key} "), p.key_hint));
        choice_spans.push(Span::styled(format!("{what}  "), p.text));
    }
    let lines = vec![
        Line::styled(question, p.text),
        Line::raw(""),
        Line::from(choice_spans),
    ];
    let area = centered(frame.area(), 60, 7);
    let block = pane_block(app, Pane::Events, vec![Span::raw(title)]).border_style(p.warning);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
