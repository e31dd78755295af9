//! Clicks that do more than focus: a bottom-panel tab in the panel's title, a place in the
//! transformation's editor. Positions are mapped with the same areas and widths `view` draws.

use ratatui::layout::Rect;

use crate::model::app::{App, BottomTab, Mode};
use crate::model::measure::gutter_width;
use crate::text::{char_at_column, columns_before};

/// Columns before the first tab label in the bottom panel's title: the corner, the title's
/// leading space and "5 ".
const TITLE_LEAD: u16 = 4;
/// The separator between two tab labels: " │ ".
const TAB_GAP: u16 = 3;

/// The bottom-panel tab whose label is at `(x, y)`, when that is the panel's title row.
pub(super) fn bottom_tab_at(app: &App, logs: Rect, x: u16, y: u16) -> Option<BottomTab> {
    if y != logs.y || x < logs.x + TITLE_LEAD {
        return None;
    }
    let mut left = logs.x + TITLE_LEAD;
    for tab in BottomTab::ALL {
        let width = u16::try_from(app.bottom_tab_label(tab).chars().count()).unwrap_or(u16::MAX);
        if x >= left && x < left.saturating_add(width) {
            return Some(tab);
        }
        left = left.saturating_add(width + TAB_GAP);
    }
    None
}

/// Moves the transformation editor's cursor to the character drawn at `(x, y)` of the pane at
/// `pane`; false when the position is not on its text (the border, the gutter's right edge
/// excepted, or the error lines under the code).
pub(super) fn place_cursor(app: &mut App, pane: Rect, x: u16, y: u16) -> bool {
    let inner = Rect::new(
        pane.x.saturating_add(1),
        pane.y.saturating_add(1),
        pane.width.saturating_sub(2),
        pane.height.saturating_sub(2),
    );
    let has_error = app
        .selected_result()
        .is_some_and(|r| r.record.error.is_some());
    // The view keeps two rows under the code for the selected event's error.
    let code_height = if has_error && inner.height > 4 {
        inner.height - 2
    } else {
        inner.height
    };
    if x < inner.x || x >= inner.right() || y < inner.y || y >= inner.y + code_height {
        return false;
    }
    let editor = &app.transform.editor;
    let lines = editor.lines();
    let gutter = u16::try_from(gutter_width(lines.len()))
        .unwrap_or(u16::MAX)
        .min(inner.width);
    let text_width = usize::from(inner.width.saturating_sub(gutter)).max(1);
    // While editing, the view scrolls sideways to keep the cursor in view.
    let (cursor_line, cursor_char) = editor.cursor();
    let cursor_x = lines
        .get(cursor_line)
        .map_or(0, |l| columns_before(l, cursor_char));
    let left = if app.mode == Mode::EditTransform && cursor_x >= text_width {
        cursor_x + 1 - text_width
    } else {
        0
    };
    let line = editor.top + usize::from(y - inner.y);
    if line >= lines.len() {
        let last = lines.len().saturating_sub(1);
        let end = lines.get(last).map_or(0, |l| l.chars().count());
        app.transform.editor.go_to(last, end);
        return true;
    }
    let column = usize::from(x.saturating_sub(inner.x + gutter)) + left;
    let char = char_at_column(&lines[line], column);
    app.transform.editor.go_to(line, char);
    true
}
