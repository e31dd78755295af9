//! The Transform pane while the transformation is a mapping: the mapping table of the selected
//! event's type (its call, event name, object id and tables, then one row per Segment field with
//! its source and conversion), and the file's diagnostics under it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use hookbench_core::mapping::Severity;
use hookbench_core::mapping::resolve::Origin;

use crate::keymap::Action;
use crate::model::app::{App, Pane};
use crate::model::mapping::{MappedTable, MappingState, MappingTable, TableRow};
use crate::text::{raw_span, span, styled_line, truncate};

use super::code::{fit_title, hint, said};
use super::frame::pane_block;

/// The widest the Segment field column gets, in columns.
const TARGET_COLUMN: usize = 30;

pub fn draw(app: &App, frame: &mut Frame, area: Rect, mapping: &MappingState) {
    let p = &app.theme.palette;
    let first_key = |a: Action| app.keymap.first_key_text(a);
    let mut title = vec![
        said(raw_span("3 Transform ")),
        said(span(app.transform_name(), p.accent)),
    ];
    if mapping.is_dirty() {
        title.push(said(span(" ● unsaved", p.warning)));
        title.push(hint(span(
            format!(" ({})", first_key(Action::Save)),
            p.warning,
        )));
    }
    title.push(hint(span(
        format!(" · {} JavaScript", first_key(Action::MappingShowJs)),
        p.dim,
    )));
    let block = pane_block(app, Pane::Transform, fit_title(title, area.width));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);

    let diagnostics = diagnostic_lines(app, mapping, width);
    let room = usize::from(inner.height);
    // The diagnostics take at most half the pane (and leave the table its header at least).
    let diagnostics_height = diagnostics.len().min(room / 2).min(room.saturating_sub(2));
    let [table_area, diagnostics_area] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(u16::try_from(diagnostics_height).unwrap_or(0)),
    ])
    .areas(inner);
    let lines = table_lines(app, mapping, width, usize::from(table_area.height));
    frame.render_widget(Paragraph::new(lines), table_area);
    if diagnostics_height > 0 {
        let mut shown: Vec<Line> = diagnostics.into_iter().take(diagnostics_height).collect();
        if let Some(last) = shown.last_mut()
            && diagnostics_height < mapping.diagnostics.len() + 1
        {
            *last = styled_line(
                format!(
                    "… {} more",
                    mapping.diagnostics.len() + 2 - diagnostics_height
                ),
                p.dim,
            );
        }
        frame.render_widget(Paragraph::new(shown), diagnostics_area);
    }
}

/// The table's lines for the selected event, `height` of them at most, the cursor's row in view.
fn table_lines(
    app: &App,
    mapping: &MappingState,
    width: usize,
    height: usize,
) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let first_key = |a: Action| app.keymap.first_key_text(a);
    let Some(entry) = app.selected() else {
        return vec![styled_line("no event selected", p.dim)];
    };
    if entry.event_type.is_empty() {
        return vec![styled_line(
            "this body has no type: the mapping cannot say what it becomes",
            p.dim,
        )];
    }
    let mut lines = Vec::new();
    if mapping.has_errors() {
        lines.push(styled_line(
            truncate(
                "✗ the file has errors: the table and the runs show its last version without errors",
                width,
            ),
            p.error,
        ));
    }
    match mapping.table(&entry.event_type) {
        MappingTable::NoMapping => lines.push(styled_line(
            truncate("nothing to show until the errors below are fixed", width),
            p.dim,
        )),
        MappingTable::NotCovered { event_type } => {
            lines.push(Line::from(vec![span(
                truncate(&event_type, width),
                p.accent,
            )]));
            lines.push(styled_line(
                truncate(
                    &format!(
                        "not in the mapping — {} adds a case",
                        first_key(Action::MappingAddCase)
                    ),
                    width,
                ),
                p.text,
            ));
            lines.push(styled_line(
                truncate(
                    "nothing is sent for it: the handler cancels types no table names",
                    width,
                ),
                p.dim,
            ));
        }
        MappingTable::Cancelled {
            event_type,
            reason,
            origin,
        } => {
            lines.push(Line::from(vec![span(
                truncate(&event_type, width),
                p.accent,
            )]));
            for part in word_wrap(&format!("cancelled: {reason}"), width) {
                lines.push(styled_line(part, p.warning));
            }
            lines.push(styled_line(
                truncate(
                    &format!(
                        "in {} · {} maps it again",
                        origin.header(),
                        first_key(Action::MappingCancel)
                    ),
                    width,
                ),
                p.dim,
            ));
        }
        MappingTable::Mapped(table) => {
            lines.extend(header_lines(app, &table, width));
            let rows_room = height.saturating_sub(lines.len());
            lines.extend(row_lines(app, mapping, &table, width, rows_room));
        }
    }
    lines
}

/// The call, the event name, the object id; then the tables that apply.
fn header_lines(app: &App, table: &MappedTable, width: usize) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let mut parts: Vec<Span<'static>> = vec![span(table.call.as_str().to_string(), p.accent)];
    if let Some((name, derived)) = &table.event_name {
        parts.push(span(" · ", p.dim));
        parts.push(span(format!("{name:?}"), p.text));
        if *derived {
            parts.push(span(" (derived)", p.dim));
        }
    }
    parts.push(span(" · ", p.dim));
    match &table.object_id {
        Some((rule, _)) => parts.push(span(
            format!(
                "object id {}",
                hookbench_core::mapping::describe::source(rule)
            ),
            p.text,
        )),
        None => parts.push(span("no object id", p.dim)),
    }
    let tables = table
        .tables
        .iter()
        .map(Origin::header)
        .collect::<Vec<_>>()
        .join(" + ");
    vec![
        fit_line(parts, width),
        styled_line(truncate(&tables, width), p.dim),
    ]
}

/// One row per field: `Segment field ← source · conversion`, marks, and the table it comes
/// from when that is not the type's own. Rows from elsewhere are dimmed; the cursor's row is
/// selected (and kept in view).
fn row_lines(
    app: &App,
    mapping: &MappingState,
    table: &MappedTable,
    width: usize,
    height: usize,
) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    if table.rows.is_empty() {
        return vec![styled_line(
            truncate(
                &format!(
                    "no field yet: pick one in the Webhook pane ({})",
                    app.keymap.first_key_text(Action::MappingPick)
                ),
                width,
            ),
            p.dim,
        )];
    }
    if height == 0 {
        return Vec::new();
    }
    let cursor = mapping.table_cursor.min(table.rows.len() - 1);
    let first = cursor.saturating_sub(height.saturating_sub(1));
    let target_width = table
        .rows
        .iter()
        .map(|r| r.dotted().chars().count())
        .max()
        .unwrap_or(0)
        .min(TARGET_COLUMN)
        .min(width / 2);
    let focused = app.focus == Pane::Transform;
    table
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, row)| {
            let line = row_line(app, table, row, width, target_width);
            if i == cursor && focused {
                line.patch_style(p.selection)
            } else {
                line
            }
        })
        .collect()
}

/// Below this many columns a row leaves out which table it comes from.
const NARROW: usize = 60;

fn row_line(
    app: &App,
    table: &MappedTable,
    row: &TableRow,
    width: usize,
    target_width: usize,
) -> Line<'static> {
    let p = &app.theme.palette;
    let own = row.is_own(&table.event_type);
    let (text_style, source_style) = if own {
        (p.accent, p.text)
    } else {
        (p.dim, p.dim)
    };
    let target = truncate(&row.dotted(), target_width);
    let pad = target_width.saturating_sub(target.chars().count());
    let mut parts = vec![
        span(format!(" {target}{} ", " ".repeat(pad)), text_style),
        span("← ", p.dim),
        span(
            hookbench_core::mapping::describe::source(&row.rule),
            source_style,
        ),
    ];
    if row.rule.convert.name() != "as-is" {
        parts.push(span(" · ", p.dim));
        parts.push(span(
            hookbench_core::mapping::describe::convert(&row.rule.convert),
            source_style,
        ));
    }
    if row.rule.required {
        parts.push(span(" · required", p.warning));
    }
    match row.rule.omit {
        hookbench_core::mapping::model::Omit::Null => {}
        hookbench_core::mapping::model::Omit::Empty => parts.push(span(" · omit empty", p.dim)),
        hookbench_core::mapping::model::Omit::Never => parts.push(span(" · keeps null", p.dim)),
    }
    // Where a row from elsewhere is written stays in view, the source giving way first; in a
    // narrow pane the source matters more (the row is dimmed and the header names the tables).
    let origin = match &row.origin {
        _ if own || width < NARROW => String::new(),
        Origin::Defaults => "  defaults".to_string(),
        Origin::Table(selector) => format!("  {}", selector.key()),
        Origin::Derived => "  derived".to_string(),
    };
    let origin_width = origin.chars().count().min(width / 3);
    let mut line = fit_line(parts, width.saturating_sub(origin_width));
    if !origin.is_empty() {
        let used = line.width();
        let pad = width.saturating_sub(used + origin_width);
        line.spans.push(span(" ".repeat(pad), p.dim));
        line.spans
            .push(span(truncate(&origin, origin_width), p.dim));
    }
    line
}

/// Spans cut to `width` columns, an ellipsis where they were cut.
fn fit_line(parts: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let mut used = 0;
    let mut spans = Vec::new();
    for part in parts {
        let w = part.width();
        if used + w <= width {
            used += w;
            spans.push(part);
            continue;
        }
        let room = width.saturating_sub(used);
        if room > 0 {
            spans.push(span(truncate(&part.content, room), part.style));
        }
        break;
    }
    Line::from(spans)
}

/// `text` in lines of at most `width` columns, broken between words (a word too long for a line
/// is cut with an ellipsis).
fn word_wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.into_iter().map(|l| truncate(&l, width)).collect()
}

/// The file's diagnostics: a summary line, then one line each (cut to the width).
fn diagnostic_lines(app: &App, mapping: &MappingState, width: usize) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let rendered = mapping.diagnostic_lines();
    if rendered.is_empty() {
        return Vec::new();
    }
    let errors = rendered
        .iter()
        .filter(|(s, _)| *s == Severity::Error)
        .count();
    let warnings = rendered.len() - errors;
    let mut lines = vec![styled_line(
        truncate(
            &format!("── mapping: {errors} error(s), {warnings} warning(s)"),
            width,
        ),
        p.dim,
    )];
    for (severity, text) in rendered {
        let (mark, style) = match severity {
            Severity::Error => ("✗ ", p.error),
            Severity::Warning => ("▲ ", p.warning),
        };
        lines.push(Line::from(vec![
            span(mark, style),
            span(truncate(&text, width.saturating_sub(2)), p.text),
        ]));
    }
    lines
}

/// The status bar's hints while a mapping is edited and the focused pane is the table or the
/// Webhook pane (None elsewhere: the pane's usual hints apply).
pub fn hints(app: &App) -> Option<&'static [(Action, &'static str)]> {
    let mapping = app.transform.mapping.as_ref()?;
    match app.focus {
        Pane::Webhook => Some(&[
            (Action::MappingPick, "pick"),
            (Action::ModifyBody, "modify"),
            (Action::MappingUndo, "undo"),
        ]),
        Pane::Transform if mapping.show_js => Some(&[
            (Action::MappingShowJs, "table"),
            (Action::CopyPayload, "copy JS"),
            (Action::Save, "save"),
        ]),
        Pane::Transform => Some(&[
            (Action::MappingRename, "rename"),
            (Action::MappingConvert, "convert"),
            (Action::MappingRemove, "remove"),
            (Action::MappingEventName, "event"),
            (Action::MappingShowJs, "JS"),
            (Action::MappingUndo, "undo"),
        ]),
        _ => None,
    }
}
