//! Code on screen: highlighted lines under a gutter of marks and line numbers, scrolled sideways
//! or wrapped, with search matches marked; the editors drawn over them; the findings listed
//! under a text; pane titles shortened to fit.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::highlight::{Highlighter, Language, content_key};
use crate::model::app::App;
use crate::model::app::Pane;
use crate::model::editor::Editor;
use crate::model::findings::{self, pane_findings};
use crate::model::measure::{finding_parts, gutter_width, severity_symbol, wrap_starts};
use crate::model::reading::{FindingsCursor, Sideways};
use crate::model::search::matches_in_line;
use crate::text::{char_width, columns_before, raw_line, raw_span, span, styled_line, truncate};
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

/// The gutter mark of the worst finding on a line, if any (from
/// [`FindingsLayout::worst_by_line`](crate::model::findings::FindingsLayout::worst_by_line)).
pub fn worst_mark(app: &App, worst: &HashMap<usize, Severity>, line: usize) -> Option<GutterMark> {
    worst.get(&line).map(|&severity| GutterMark {
        symbol: severity_symbol(severity),
        style: severity_style(app, severity),
    })
}

/// A styled piece of a line.
type Piece = (Style, String);

/// The pieces of `pieces` from character `from` up to (not including) character `to`.
fn cut(pieces: &[Piece], from: usize, to: usize) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = 0;
    for (style, text) in pieces {
        let len = text.chars().count();
        let (start, end) = (from.max(at), to.min(at + len));
        if start < end {
            let piece: String = text.chars().skip(start - at).take(end - start).collect();
            out.push((*style, piece));
        }
        at += len;
        if at >= to {
            break;
        }
    }
    out
}

/// `pieces` with the character ranges `(start, len, style)` patched with their style.
fn restyle(pieces: Vec<Piece>, ranges: &[(usize, usize, Style)]) -> Vec<Piece> {
    if ranges.is_empty() {
        return pieces;
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (style, text) in pieces {
        let len = text.chars().count();
        let mut cuts = vec![0, len];
        for &(start, n, _) in ranges {
            for edge in [start, start + n] {
                if edge > at && edge < at + len {
                    cuts.push(edge - at);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let chars: Vec<char> = text.chars().collect();
        for pair in cuts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let piece: String = chars[a..b].iter().collect();
            let patch = ranges
                .iter()
                .find(|&&(start, n, _)| at + a >= start && at + a < start + n)
                .map(|&(_, _, s)| s);
            out.push((patch.map_or(style, |p| style.patch(p)), piece));
        }
        at += len;
    }
    out
}

/// Columns `left .. left + width` of a line. Walks the line only as far as the window's end, so
/// a line of megabytes costs what its visible part costs. Also says whether the line goes on
/// past the window's right edge.
fn window(pieces: &[Piece], left: usize, width: usize) -> (Vec<Span<'static>>, bool) {
    let mut spans = Vec::new();
    let mut column = 0;
    let end = left + width;
    for (style, text) in pieces {
        let mut shown = String::new();
        for c in text.chars() {
            let w = char_width(c);
            if column >= end || (column >= left && column + w > end) {
                if !shown.is_empty() {
                    spans.push(span(shown, *style));
                }
                return (spans, true);
            }
            if column >= left {
                if c == '\t' {
                    shown.push_str("  ");
                } else {
                    shown.push(c);
                }
            } else if column + w > left {
                // A wide character cut by the left edge: its visible half as a space.
                shown.push(' ');
            }
            column += w;
        }
        if !shown.is_empty() {
            spans.push(span(shown, *style));
        }
    }
    (spans, false)
}

/// Lines of code ready to draw: the gutter (mark and line number) apart from the text, so the
/// text can scroll sideways under a fixed gutter.
pub struct CodeView {
    /// The first line's 0-based number.
    pub top: usize,
    pub gutter: Vec<Line<'static>>,
    code: Vec<Vec<Piece>>,
    pub gutter_width: u16,
}

/// Highlighted lines `top ..` of a text, `height` of them, with line numbers and marks.
/// `(text, lines)`: the text and its line count as [`Highlighter::line_count`] gives it (known
/// beforehand for a body, which can be megabytes).
pub fn code_view(
    app: &App,
    doc: u64,
    (text, lines): (&str, usize),
    language: Language,
    top: usize,
    height: usize,
    mark: impl Fn(usize) -> Option<GutterMark>,
) -> CodeView {
    let total = lines.max(1);
    let number_width = gutter_width(total) - 2;
    let styled = app.highlighter.lines(doc, text, language, top, height);
    let palette = &app.theme.palette;
    let mut gutter = Vec::with_capacity(styled.len());
    let mut code = Vec::with_capacity(styled.len());
    for (i, spans) in styled.into_iter().enumerate() {
        let line = top + i;
        let mark = match mark(line) {
            Some(m) => span(m.symbol, m.style),
            None => raw_span(" "),
        };
        gutter.push(Line::from(vec![
            mark,
            span(format!("{:>number_width$} ", line + 1), palette.line_number),
        ]));
        code.push(
            spans
                .into_iter()
                .map(|(style, text)| (style, text.to_string()))
                .collect(),
        );
    }
    CodeView {
        top,
        gutter,
        code,
        gutter_width: u16::try_from(gutter_width(total)).unwrap_or(u16::MAX),
    }
}

/// How a code view is read: scrolled sideways or wrapped, the search's query and current match,
/// a line to point out (a selected finding's).
#[derive(Clone, Copy, Default)]
pub struct Reader<'a> {
    pub sideways: Sideways,
    pub query: Option<&'a str>,
    /// The current match: line and first character.
    pub current: Option<(usize, usize)>,
    /// A line whose number is shown selected.
    pub pointed: Option<usize>,
    /// An editor has the keys: its cursor shows, and it keeps it in view sideways.
    pub editing: bool,
}

impl<'a> Reader<'a> {
    /// How `app` reads `pane`.
    pub fn of(app: &'a App, pane: Pane) -> Reader<'a> {
        let search = &app.reading.search;
        let shown = search.is_in(pane) && !search.query.is_empty();
        Reader {
            sideways: app.reading.sideways(pane).unwrap_or_default(),
            query: shown.then_some(search.query.as_str()),
            current: shown
                .then(|| search.current.and_then(|i| search.matches.get(i)))
                .flatten()
                .map(|m| (m.line, m.start)),
            pointed: None,
            editing: false,
        }
    }
}

/// Draws a code view as `reader` says. Returns the text's area (right of the gutter).
pub fn render_code(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    view: CodeView,
    reader: Reader,
) -> Rect {
    let p = &app.theme.palette;
    let [gutter_area, text_area] = Layout::horizontal([
        Constraint::Length(view.gutter_width.min(area.width)),
        Constraint::Min(0),
    ])
    .areas(area);
    let width = usize::from(text_area.width).max(1);
    let height = usize::from(area.height);
    let found = p.selection.add_modifier(Modifier::UNDERLINED);
    let current = p
        .selection
        .add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let mut gutter = Vec::new();
    let mut code: Vec<Line> = Vec::new();
    let mut continues = Vec::new();
    for (i, (mut gutter_line, pieces)) in view.gutter.into_iter().zip(view.code).enumerate() {
        if code.len() >= height {
            break;
        }
        let line = view.top + i;
        if reader.pointed == Some(line) {
            gutter_line = gutter_line.patch_style(p.selection);
        }
        let pieces = match reader.query {
            Some(query) => {
                let plain: String = pieces.iter().map(|(_, t)| t.as_str()).collect();
                let ranges: Vec<(usize, usize, Style)> = matches_in_line(&plain, query)
                    .into_iter()
                    .map(|(start, len)| {
                        let style = if reader.current == Some((line, start)) {
                            current
                        } else {
                            found
                        };
                        (start, len, style)
                    })
                    .collect();
                restyle(pieces, &ranges)
            }
            None => pieces,
        };
        if reader.sideways.wrap {
            let plain: String = pieces.iter().map(|(_, t)| t.as_str()).collect();
            let starts = wrap_starts(&plain, width, height - code.len());
            let total = plain.chars().count();
            for (row, &start) in starts.iter().enumerate() {
                let end = starts.get(row + 1).copied().unwrap_or(total);
                let (spans, _) = window(&cut(&pieces, start, end), 0, width);
                code.push(Line::from(spans));
                gutter.push(if row == 0 {
                    gutter_line.clone()
                } else {
                    raw_line("")
                });
                continues.push((false, false));
            }
        } else {
            let left = reader.sideways.left;
            let (spans, more) = window(&pieces, left, width);
            let before = left > 0 && pieces.iter().any(|(_, t)| !t.is_empty());
            code.push(Line::from(spans));
            gutter.push(gutter_line);
            continues.push((before, more));
        }
    }
    frame.render_widget(Paragraph::new(gutter), gutter_area);
    frame.render_widget(Paragraph::new(code), text_area);
    // The line goes on past an edge: say so on that edge.
    for (row, &(before, after)) in continues.iter().enumerate() {
        let y = text_area.y + u16::try_from(row).unwrap_or(u16::MAX);
        if y >= text_area.bottom() || text_area.width < 2 {
            continue;
        }
        let marks = [
            (before, text_area.x, "‹"),
            (after, text_area.right() - 1, "›"),
        ];
        for (shown, x, mark) in marks {
            if shown {
                let cell = Rect::new(x, y, 1, 1);
                frame.render_widget(Paragraph::new(Line::from(vec![span(mark, p.dim)])), cell);
            }
        }
    }
    text_area
}

/// Draws an editor's visible lines with highlighting, its selection and, when the reader is
/// `editing`, the terminal cursor at its cursor (the editor keeps it in view, sideways too).
pub fn render_editor(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    (editor, language): (&Editor, Language),
    mut reader: Reader,
    mark: impl Fn(usize) -> Option<GutterMark>,
) {
    let active = reader.editing;
    let text = editor.text();
    let doc = content_key(&text);
    let height = usize::from(area.height);
    let lines = Highlighter::line_count(&text);
    let view = code_view(app, doc, (&text, lines), language, editor.top, height, mark);
    let lines = editor.lines();
    let (cursor_line, cursor_char) = editor.cursor();
    if active {
        reader.sideways = Sideways {
            left: editor.left,
            wrap: false,
        };
    }
    let left = reader.sideways.left;
    let text_area = render_code(app, frame, area, view, reader);
    if reader.sideways.wrap {
        return;
    }

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
            let visible_to = to.min(left + usize::from(text_area.width));
            for column in from.max(left)..visible_to {
                let x = text_area.x + u16::try_from(column - left).unwrap_or(u16::MAX);
                if x < text_area.right() && y < text_area.bottom() {
                    frame.buffer_mut()[(x, y)].set_style(selection);
                }
            }
        }
    }
    if active && cursor_line >= editor.top && cursor_line < editor.top + height {
        let cursor_x = lines
            .get(cursor_line)
            .map_or(0, |l| columns_before(l, cursor_char));
        if let Some(x) = cursor_x
            .checked_sub(left)
            .and_then(|x| u16::try_from(x).ok())
        {
            let x = text_area.x.saturating_add(x);
            let y = text_area.y + u16::try_from(cursor_line - editor.top).unwrap_or(0);
            if x < text_area.right() && y < text_area.bottom() {
                frame.set_cursor_position((x, y));
            }
        }
    }
}

/// Draws the findings a pane lists under its text in `area`: the summary (`summary` of the
/// counts, with the `f`/`F` hint and how many rows are hidden), then the findings wrapped as
/// [`wrap_starts`] wraps them, from row `cursor.top`, the selected one highlighted. Only the
/// findings in view are wrapped and styled: the list's layout says where each starts.
pub fn render_findings(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    pane: Pane,
    summary: fn(usize, usize, usize) -> String,
    cursor: FindingsCursor,
) {
    let findings = pane_findings(app, pane);
    if findings.is_empty() || area.height == 0 {
        return;
    }
    let layout = findings::layout(app, pane, area.width);
    let p = &app.theme.palette;
    let width = usize::from(area.width).max(1);
    let total_rows = layout.rows();
    let room = usize::from(area.height - 1);
    let top = cursor.top.min(total_rows.saturating_sub(room));
    let below = total_rows.saturating_sub(top + room);
    let mut listed: Vec<Line> = Vec::new();
    // The first finding in view may start above `top`.
    let first = layout.finding_at(top);
    let listed_from = layout.start_of(first);
    for i in first..findings.len() {
        let Some(row) = findings.get(i).filter(|_| layout.start_of(i) < top + room) else {
            break;
        };
        let parts = finding_parts(&row);
        let starts = wrap_starts(&parts.concat(), width, usize::MAX);
        let [head, path, message] = parts;
        let selected = cursor.selected == Some(i);
        let patch = if selected {
            p.selection
        } else {
            Style::default()
        };
        let pieces: Vec<Piece> = vec![
            (severity_style(app, row.severity).patch(patch), head),
            (p.accent.patch(patch), path),
            (p.text.patch(patch), message),
        ];
        let total: usize = pieces.iter().map(|(_, t)| t.chars().count()).sum();
        for (r, &start) in starts.iter().enumerate() {
            let end = starts.get(r + 1).copied().unwrap_or(total);
            let (spans, _) = window(&cut(&pieces, start, end), 0, width);
            listed.push(Line::from(spans));
        }
    }
    let skip = top - listed_from;
    let (errors, warnings, infos) = layout.counts();
    let mut head = summary(errors, warnings, infos);
    match cursor.selected {
        Some(i) => head.push_str(&format!(" · {}/{} (f/F)", i + 1, findings.len())),
        None => head.push_str(" · f/F select"),
    }
    if top > 0 {
        head.push_str(&format!(" · ↑{top}"));
    }
    if below > 0 {
        head.push_str(&format!(" · ↓{below} more"));
    }
    let mut lines = vec![styled_line(truncate(&head, width), p.dim)];
    lines.extend(listed.into_iter().skip(skip).take(room));
    frame.render_widget(Paragraph::new(lines), area);
}

/// A part of a pane's title: what it says, and whether it is a hint that goes first when the
/// title is too long for its pane.
pub struct TitlePart<'a> {
    pub span: Span<'a>,
    pub hint: bool,
}

/// A title part that stays as long as it can.
pub fn said<'a>(span: Span<'a>) -> TitlePart<'a> {
    TitlePart { span, hint: false }
}

/// A title part that is dropped first.
pub fn hint<'a>(span: Span<'a>) -> TitlePart<'a> {
    TitlePart { span, hint: true }
}

/// A title that fits a pane `pane_width` wide, between its corners after its leading space (the
/// trailing one may go): hints are dropped from the last, then the rest is cut with an ellipsis.
pub fn fit_title(parts: Vec<TitlePart<'_>>, pane_width: u16) -> Vec<Span<'_>> {
    let room = usize::from(pane_width.saturating_sub(3));
    let width = |parts: &[TitlePart]| parts.iter().map(|p| p.span.width()).sum::<usize>();
    let mut parts = parts;
    while width(&parts) > room {
        match parts.iter().rposition(|p| p.hint) {
            Some(at) => {
                parts.remove(at);
            }
            None => break,
        }
    }
    let mut spans = Vec::new();
    let mut used = 0;
    let overflow = width(&parts) > room;
    for part in parts {
        let w = part.span.width();
        if !overflow || used + w <= room.saturating_sub(1) {
            used += w;
            spans.push(part.span);
            continue;
        }
        let cut = truncate(&part.span.content, room - used);
        if !cut.is_empty() {
            spans.push(span(cut, part.span.style));
        }
        break;
    }
    spans
}

/// The bottom border's note for a text pane: the search prompt or its position, and how far it
/// is scrolled sideways or that it wraps.
pub fn bottom_note(app: &App, pane: Pane) -> Option<Line<'static>> {
    let p = &app.theme.palette;
    let mut spans = Vec::new();
    let search = &app.reading.search;
    if search.is_in(pane) {
        if search.typing {
            spans.push(span(format!(" /{}▏ ", search.query), p.accent));
        } else {
            spans.push(span(
                format!(" /{} {} ", search.query, search.position_text()),
                p.accent,
            ));
        }
    }
    if let Some(sideways) = app.reading.sideways(pane) {
        if sideways.wrap {
            spans.push(span(" wrap ", p.dim));
        } else if sideways.left > 0 {
            spans.push(span(format!(" ‹ col {} ", sideways.left + 1), p.dim));
        }
    }
    (!spans.is_empty()).then(|| Line::from(spans).right_aligned())
}
