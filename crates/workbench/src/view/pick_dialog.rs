//! The mapping editor's dialogs: the pick dialog (what a body field becomes, with which
//! conversion, in which table), a line to type (a name, a path, a reason) and a list to choose
//! from (a conversion, a call, an event name).

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use hookbench_core::mapping::edit::TableRef;

use crate::keymap::Action;
use crate::model::app::App;
use crate::model::mapping::{
    ChooseDialog, InputDialog, LIST_CONVERSIONS, MappingDialog, PickDialog, PickPart,
};
use crate::text::{raw_line, raw_span, span, styled_line, truncate};

use super::frame::{centered, draw_modal, hint_line};

const WIDTH: u16 = 76;
/// Targets listed at once in the pick dialog.
const TARGET_ROWS: usize = 5;
/// Choices listed at once in a list.
const CHOICE_ROWS: usize = 8;

pub fn draw(app: &App, frame: &mut Frame, dialog: &MappingDialog) {
    match dialog {
        MappingDialog::Pick(pick) => draw_pick(app, frame, pick),
        MappingDialog::Input(input) => draw_input(app, frame, input),
        MappingDialog::Choose(choose) => draw_choose(app, frame, choose),
    }
}

fn table_name(table: &TableRef) -> String {
    match table {
        TableRef::Defaults => "[defaults]".to_string(),
        TableRef::Event(selector) => format!("[events.\"{}\"]", selector.key()),
    }
}

fn draw_pick(app: &App, frame: &mut Frame, pick: &PickDialog) {
    let p = &app.theme.palette;
    let area = frame.area();
    let width = WIDTH.min(area.width);
    let inner = usize::from(width.saturating_sub(2));
    let label = |part: PickPart, text: &str| {
        let style = if pick.part == part { p.accent } else { p.dim };
        span(format!("{text:<9}"), style)
    };
    let mut lines = vec![Line::from(vec![
        span(format!("{:<9}", "field"), p.dim),
        span(truncate(&pick.path.text, inner.saturating_sub(9)), p.accent),
    ])];
    lines.push(Line::from(vec![
        span(format!("{:<9}", "value"), p.dim),
        span(truncate(&pick.value, inner.saturating_sub(9)), p.text),
    ]));
    lines.push(Line::from(vec![label(PickPart::Target, "becomes")]));
    let first = pick
        .target
        .saturating_sub(TARGET_ROWS.saturating_sub(1))
        .min(pick.targets.len().saturating_sub(TARGET_ROWS));
    for (i, target) in pick
        .targets
        .iter()
        .enumerate()
        .skip(first)
        .take(TARGET_ROWS)
    {
        let selected = i == pick.target;
        let marker = if selected { "▸ " } else { "  " };
        let name = truncate(&target.label, 28);
        let pad = 28usize.saturating_sub(name.chars().count());
        let line = Line::from(vec![
            span(format!("  {marker}"), p.accent),
            span(format!("{name}{}", " ".repeat(pad)), p.text),
            span(
                truncate(target.description, inner.saturating_sub(33)),
                p.dim,
            ),
        ]);
        lines.push(if selected && pick.part == PickPart::Target {
            line.patch_style(p.selection)
        } else {
            line
        });
    }
    let cursor = if pick.part == PickPart::Name {
        "▏"
    } else {
        ""
    };
    lines.push(Line::from(vec![
        label(PickPart::Name, "name"),
        span(truncate(&pick.name, inner.saturating_sub(11)), p.text),
        span(cursor, p.accent),
    ]));
    let conversion = pick.conversion_name();
    let mut spans = vec![
        label(PickPart::Conversion, "convert"),
        span(format!("◂ {conversion} ▸"), p.text),
    ];
    if conversion == "money" {
        spans.push(span(
            format!(" currency from {}", truncate(&pick.currency.text, 30)),
            p.dim,
        ));
    }
    spans.push(span(
        format!("  {}/{}", pick.conversion + 1, LIST_CONVERSIONS.len()),
        p.dim,
    ));
    lines.push(Line::from(spans));
    let table = pick
        .tables
        .get(pick.table)
        .map(table_name)
        .unwrap_or_default();
    let family = if pick.table > 0 {
        " every type of the family"
    } else {
        " this type only"
    };
    lines.push(Line::from(vec![
        label(PickPart::Table, "into"),
        span(format!("◂ {} ▸", truncate(&table, 40)), p.text),
        span(family, p.dim),
    ]));
    lines.push(raw_line(""));
    lines.push(hint_line(
        app,
        &[
            (Action::MappingDialogNext, "next part"),
            (Action::MappingDialogDown, "change"),
            (Action::MappingDialogConfirm, "add"),
            (Action::MappingDialogClose, "close"),
        ],
        false,
    ));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    draw_modal(
        app,
        frame,
        centered(area, width, height),
        format!("Pick a field for {}", pick.event_type),
        p.border_focused,
        Paragraph::new(lines),
    );
}

fn draw_input(app: &App, frame: &mut Frame, input: &InputDialog) {
    let p = &app.theme.palette;
    let area = frame.area();
    let width = WIDTH.min(area.width);
    let inner = usize::from(width.saturating_sub(2));
    let mut lines = vec![typed_line(app, &input.text, inner)];
    if let Some(error) = &input.error {
        lines.push(styled_line(truncate(error, inner), p.error));
    }
    let hints = [
        (Action::MappingDialogConfirm, "confirm"),
        (Action::MappingDialogClear, "clear"),
        (Action::MappingDialogClose, "close"),
    ];
    finish(app, frame, width, &input.title, lines, &hints);
}

/// What is typed so far, after a prompt and before a cursor.
fn typed_line(app: &App, text: &str, inner: usize) -> Line<'static> {
    let p = &app.theme.palette;
    Line::from(vec![
        span("> ", p.accent),
        span(truncate(text, inner.saturating_sub(3)), p.text),
        span("▏", p.accent),
    ])
}

/// A small dialog's last lines (a blank one, then its keys) and the dialog drawn, centred, as
/// tall as its lines.
fn finish(
    app: &App,
    frame: &mut Frame,
    width: u16,
    title: &str,
    mut lines: Vec<Line<'static>>,
    hints: &[(Action, &str)],
) {
    let p = &app.theme.palette;
    let inner = usize::from(width.saturating_sub(2));
    lines.push(raw_line(""));
    lines.push(hint_line(app, hints, false));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    draw_modal(
        app,
        frame,
        centered(frame.area(), width, height),
        truncate(title, inner.saturating_sub(2)),
        p.border_focused,
        Paragraph::new(lines),
    );
}

fn draw_choose(app: &App, frame: &mut Frame, choose: &ChooseDialog) {
    let p = &app.theme.palette;
    let area = frame.area();
    let width = WIDTH.min(area.width);
    let inner = usize::from(width.saturating_sub(2));
    let shown = choose.shown();
    let mut lines = Vec::new();
    if let Some(typed) = &choose.typed {
        lines.push(typed_line(app, typed, inner));
    }
    if shown.is_empty() {
        lines.push(styled_line("type a name", p.dim));
    }
    let first = choose
        .selected
        .saturating_sub(CHOICE_ROWS.saturating_sub(1))
        .min(shown.len().saturating_sub(CHOICE_ROWS));
    for (i, option) in shown.iter().enumerate().skip(first).take(CHOICE_ROWS) {
        let own = !choose.options.contains(option);
        let text = if own {
            format!("use {option:?}")
        } else {
            option.clone()
        };
        let line = Line::from(vec![
            raw_span("  "),
            span(truncate(&text, inner.saturating_sub(2)), p.text),
        ]);
        lines.push(if i == choose.selected {
            line.patch_style(p.selection)
        } else {
            line
        });
    }
    if shown.len() > CHOICE_ROWS {
        lines.push(styled_line(
            format!("  {}/{}", choose.selected + 1, shown.len()),
            p.dim,
        ));
    }
    let hints = [
        (Action::MappingDialogDown, "next"),
        (Action::MappingDialogConfirm, "choose"),
        (Action::MappingDialogClose, "close"),
    ];
    finish(app, frame, width, &choose.title, lines, &hints);
}
