//! Code on screen: highlighted lines under a gutter of marks and line numbers, and the editors
//! drawn over them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::highlight::{Highlighter, Language, content_key};
use crate::model::app::App;
use crate::model::editor::Editor;
use crate::model::measure::{FindingRow, severity_counts, severity_symbol};
use crate::text::columns_before;
use hookbench_core::segment::Severity;

/// A mark in the gutter left of a code line.
#[derive(Clone)]
pub struct GutterMark {
    pub symbol: &'static str,
    pub style: Style,
}

/// The style of a finding's severity.
pub fn severity_style(app: &App, severity: Severity) -> Style {
    let p = &app.theme.palette;
    match severity {
        Severity::Error => p.error,
        Severity::Warning => p.warning,
        Severity::Info => p.info,
    }
}

/// The gutter mark of the worst finding on a line, if any; `line_of` places a finding.
pub fn worst_mark(
    app: &App,
    rows: &[FindingRow],
    line: usize,
    line_of: impl Fn(&str) -> Option<usize>,
) -> Option<GutterMark> {
    rows.iter()
        .filter(|r| line_of(r.path) == Some(line))
        .map(|r| r.severity)
        .min()
        .map(|severity| GutterMark {
            symbol: severity_symbol(severity),
            style: severity_style(app, severity),
        })
}

/// Findings listed under a text: the summary (`summary` of the counts), then one line each
/// with severity symbol, code, path and message.
pub fn finding_lines(
    app: &App,
    rows: &[FindingRow],
    summary: fn(usize, usize, usize) -> String,
) -> Vec<Line<'static>> {
    let p = &app.theme.palette;
    let mut lines = Vec::with_capacity(rows.len() + 1);
    if rows.is_empty() {
        return lines;
    }
    let (errors, warnings, infos) = severity_counts(rows);
    lines.push(Line::styled(summary(errors, warnings, infos), p.dim));
    for r in rows {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {} ", severity_symbol(r.severity), r.code),
                severity_style(app, r.severity),
            ),
            Span::styled(format!("{} ", r.shown_path()), p.accent),
            Span::styled(r.message.to_string(), p.text),
        ]));
    }
    lines
}

/// Lines of code ready to draw: the gutter (mark and line number) apart from the text, so the
/// text can scroll sideways under a fixed gutter.
pub struct CodeView {
    pub gutter: Vec<Line<'static>>,
    pub code: Vec<Line<'static>>,
    pub gutter_width: u16,
}

/// Highlighted lines `top ..` of a text, `height` of them, with line numbers and marks.
pub fn code_view(
    app: &App,
    doc: u64,
    text: &str,
    language: Language,
    top: usize,
    height: usize,
    mark: impl Fn(usize) -> Option<GutterMark>,
) -> CodeView {
    let total = Highlighter::line_count(text).max(1);
    let number_width = total.to_string().len().max(2);
    let styled = app.highlighter.lines(doc, text, language, top, height);
    let palette = &app.theme.palette;
    let mut gutter = Vec::with_capacity(styled.len());
    let mut code = Vec::with_capacity(styled.len());
    for (i, spans) in styled.into_iter().enumerate() {
        let line = top + i;
        let mark = match mark(line) {
            Some(m) => Span::styled(m.symbol, m.style),
            None => Span::raw(" "),
        };
        gutter.push(Line::from(vec![
            mark,
            Span::styled(format!("{:>number_width$} ", line + 1), palette.line_number),
        ]));
        code.push(Line::from(
            spans
                .into_iter()
                .map(|(style, text)| Span::styled(text, style))
                .collect::<Vec<_>>(),
        ));
    }
    CodeView {
        gutter,
        code,
        gutter_width: crate::text::gutter_width(total),
    }
}

/// Draws a code view; `left` columns of the text are scrolled off to the left. Returns the
/// text's area (right of the gutter).
pub fn render_code(frame: &mut Frame, area: Rect, view: CodeView, left: u16) -> Rect {
    let [gutter, text] = Layout::horizontal([
        Constraint::Length(view.gutter_width.min(area.width)),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(view.gutter), gutter);
    frame.render_widget(Paragraph::new(view.code).scroll((0, left)), text);
    text
}

/// Draws an editor's visible lines with highlighting, its selection and, when `active`, the
/// terminal cursor at its cursor.
pub fn render_editor(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    editor: &Editor,
    language: Language,
    active: bool,
    mark: impl Fn(usize) -> Option<GutterMark>,
) {
    let text = editor.text();
    let doc = content_key(&text);
    let height = usize::from(area.height);
    let view = code_view(app, doc, &text, language, editor.top, height, mark);
    let lines = editor.lines();
    let (cursor_line, cursor_char) = editor.cursor();
    let cursor_x = lines
        .get(cursor_line)
        .map_or(0, |l| columns_before(l, cursor_char));
    let text_width = usize::from(area.width.saturating_sub(view.gutter_width)).max(1);
    // Scroll sideways only as far as needed to keep the cursor in view.
    let left = if active && cursor_x >= text_width {
        cursor_x + 1 - text_width
    } else {
        0
    };
    let text_area = render_code(frame, area, view, u16::try_from(left).unwrap_or(0));

    if let Some(((start_line, start_char), (end_line, end_char))) = editor.selection() {
        let selection = app.theme.palette.selection;
        for line in start_line.max(editor.top)..=end_line.min(editor.top + height.saturating_sub(1))
        {
            let Some(source) = lines.get(line) else {
                continue;
            };
            let from = if line == start_line {
                columns_before(source, start_char)
            } else {
                0
            };
            let to = if line == end_line {
                columns_before(source, end_char)
            } else {
                columns_before(source, usize::MAX) + 1
            };
            let y = text_area.y + u16::try_from(line - editor.top).unwrap_or(0);
            for column in from.max(left)..to {
                let x = text_area.x + u16::try_from(column - left).unwrap_or(u16::MAX);
                if x < text_area.right() && y < text_area.bottom() {
                    frame.buffer_mut()[(x, y)].set_style(selection);
                }
            }
        }
    }
    if active && cursor_line >= editor.top && cursor_line < editor.top + height {
        let x = text_area.x + u16::try_from(cursor_x - left).unwrap_or(0);
        let y = text_area.y + u16::try_from(cursor_line - editor.top).unwrap_or(0);
        if x < text_area.right() && y < text_area.bottom() {
            frame.set_cursor_position((x, y));
        }
    }
}
