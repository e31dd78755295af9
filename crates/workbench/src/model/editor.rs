//! The in-app text editor: ratatui-textarea does the editing (cursor, selection, undo/redo,
//! yank), this wrapper gives it keys everyone knows and keeps its own viewport so the panes can
//! draw the text with syntax highlighting and error marks.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

use crate::text::columns_before;

/// What a key did to the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    /// Nothing, or only the cursor or selection moved.
    Moved,
    /// The text changed.
    Changed,
    /// Text was copied (or cut: then the text changed too); the caller also puts it on the
    /// system clipboard.
    Copied { text: String, changed: bool },
}

/// A text being edited.
#[derive(Clone)]
pub struct Editor {
    area: TextArea<'static>,
    /// True when the text came with CRLF line ends; they are restored in `text()`.
    crlf: bool,
    /// First line shown.
    pub top: usize,
    /// Columns scrolled off to the left, so the cursor stays in view on a long line.
    pub left: usize,
}

impl std::fmt::Debug for Editor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Editor")
            .field("cursor", &self.cursor())
            .field("lines", &self.lines().len())
            .finish()
    }
}

impl Editor {
    pub fn new(text: &str) -> Editor {
        let crlf = text.contains("\r\n");
        let lines: Vec<String> = text
            .split('\n')
            .map(|l| {
                if crlf {
                    l.strip_suffix('\r').unwrap_or(l).to_string()
                } else {
                    l.to_string()
                }
            })
            .collect();
        let mut area = TextArea::new(lines);
        area.set_max_histories(500);
        Editor {
            area,
            crlf,
            top: 0,
            left: 0,
        }
    }

    /// The text, line ends as they came.
    pub fn text(&self) -> String {
        self.area
            .lines()
            .join(if self.crlf { "\r\n" } else { "\n" })
    }

    pub fn lines(&self) -> &[String] {
        self.area.lines()
    }

    /// (line, character column), 0-based.
    pub fn cursor(&self) -> (usize, usize) {
        let c = self.area.cursor();
        (c.0, c.1)
    }

    /// The selected range, start before end, as (line, column) pairs.
    pub fn selection(&self) -> Option<((usize, usize), (usize, usize))> {
        self.area.selection_range()
    }

    /// Handles one key. Shortcuts: Ctrl-Z undo, Ctrl-Y (or Ctrl-Shift-Z) redo, Ctrl-A select all,
    /// Alt-C copy, Ctrl-X cut, Ctrl-V paste, Shift+arrows select, Tab indents; the rest as
    /// ratatui-textarea's defaults (Ctrl-C is never seen here: it quits).
    pub fn handle_key(&mut self, key: KeyEvent) -> EditOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let before = self.area.lines().to_vec();
        match key.code {
            KeyCode::Char('z' | 'Z') if ctrl && shift => {
                self.area.redo();
            }
            KeyCode::Char('z') if ctrl => {
                self.area.undo();
            }
            KeyCode::Char('y') if ctrl => {
                self.area.redo();
            }
            KeyCode::Char('a') if ctrl => {
                self.area.select_all();
            }
            KeyCode::Char('c') if alt => {
                self.area.copy();
                return EditOutcome::Copied {
                    text: self.area.yank_text(),
                    changed: false,
                };
            }
            KeyCode::Char('x') if ctrl => {
                let changed = self.area.cut();
                return EditOutcome::Copied {
                    text: self.area.yank_text(),
                    changed,
                };
            }
            KeyCode::Char('v') if ctrl => {
                self.area.paste();
            }
            KeyCode::Up
            | KeyCode::Down
            | KeyCode::Left
            | KeyCode::Right
            | KeyCode::Home
            | KeyCode::End
                if shift =>
            {
                if !self.area.is_selecting() {
                    self.area.start_selection();
                }
                let movement = match key.code {
                    KeyCode::Up => CursorMove::Up,
                    KeyCode::Down => CursorMove::Down,
                    KeyCode::Left => CursorMove::Back,
                    KeyCode::Right => CursorMove::Forward,
                    KeyCode::Home => CursorMove::Head,
                    _ => CursorMove::End,
                };
                self.area.move_cursor(movement);
            }
            KeyCode::Up | KeyCode::Down | KeyCode::Left | KeyCode::Right
                if self.area.is_selecting() && !ctrl && !alt =>
            {
                self.area.cancel_selection();
                self.area.input(key);
            }
            _ => {
                self.area.input(key);
            }
        }
        if self.area.lines() == before.as_slice() {
            EditOutcome::Moved
        } else {
            EditOutcome::Changed
        }
    }

    /// Inserts pasted text at the cursor (replacing a selection). True when the text changed.
    pub fn paste(&mut self, text: &str) -> bool {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if self.area.is_selecting() {
            self.area.cut();
        }
        self.area.insert_str(text)
    }

    /// Moves the cursor to a 0-based line (clamped), at its first column.
    pub fn go_to_line(&mut self, line: usize) {
        let last = self.area.lines().len().saturating_sub(1);
        let row = u16::try_from(line.min(last)).unwrap_or(u16::MAX);
        self.area.move_cursor(CursorMove::Jump(row, 0));
    }

    /// Moves the cursor to a 0-based line and character column, both clamped to the text.
    pub fn go_to(&mut self, line: usize, column: usize) {
        let last = self.area.lines().len().saturating_sub(1);
        let line = line.min(last);
        let length = self.area.lines().get(line).map_or(0, |l| l.chars().count());
        let row = u16::try_from(line).unwrap_or(u16::MAX);
        let col = u16::try_from(column.min(length)).unwrap_or(u16::MAX);
        self.area.move_cursor(CursorMove::Jump(row, col));
    }

    /// Scrolls so the cursor's line is within `height` lines.
    pub fn scroll_to_cursor(&mut self, height: usize) {
        let height = height.max(1);
        let (line, _) = self.cursor();
        if line < self.top {
            self.top = line;
        } else if line >= self.top + height {
            self.top = line + 1 - height;
        }
        self.top = self.top.min(self.lines().len().saturating_sub(1));
    }

    /// Scrolls sideways so the cursor's column is within `width` columns. Counts the cursor's
    /// line only up to the cursor, so a line of megabytes costs what the cursor's place costs.
    pub fn scroll_to_cursor_columns(&mut self, width: usize) {
        let width = width.max(1);
        let (line, column) = self.cursor();
        let x = self
            .lines()
            .get(line)
            .map_or(0, |l| columns_before(l, column));
        if x < self.left {
            self.left = x;
        } else if x >= self.left + width {
            self.left = x + 1 - width;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn typed(editor: &mut Editor, text: &str) {
        for c in text.chars() {
            editor.handle_key(key(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn typing_undo_and_redo() {
        let mut editor = Editor::new("let a = 1;\n");
        assert_eq!(
            editor.lines().len(),
            2,
            "a trailing newline keeps its empty line"
        );
        assert_eq!(
            editor.handle_key(key(KeyCode::End, KeyModifiers::NONE)),
            EditOutcome::Moved
        );
        typed(&mut editor, " // x");
        assert_eq!(editor.text(), "let a = 1; // x\n");
        editor.handle_key(key(KeyCode::Char('z'), KeyModifiers::CONTROL));
        assert_ne!(editor.text(), "let a = 1; // x\n");
        while editor.text() != "let a = 1;\n" {
            assert_eq!(
                editor.handle_key(key(KeyCode::Char('z'), KeyModifiers::CONTROL)),
                EditOutcome::Changed
            );
        }
        editor.handle_key(key(KeyCode::Char('y'), KeyModifiers::CONTROL));
        assert_ne!(editor.text(), "let a = 1;\n");
    }

    #[test]
    fn select_copy_cut_and_paste() {
        let mut editor = Editor::new("abc\ndef");
        editor.handle_key(key(KeyCode::Right, KeyModifiers::SHIFT));
        editor.handle_key(key(KeyCode::Right, KeyModifiers::SHIFT));
        assert_eq!(editor.selection(), Some(((0, 0), (0, 2))));
        assert_eq!(
            editor.handle_key(key(KeyCode::Char('c'), KeyModifiers::ALT)),
            EditOutcome::Copied {
                text: "ab".into(),
                changed: false
            }
        );
        // Copying ends the selection; select again to cut.
        editor.handle_key(key(KeyCode::Left, KeyModifiers::SHIFT));
        editor.handle_key(key(KeyCode::Left, KeyModifiers::SHIFT));
        assert_eq!(
            editor.handle_key(key(KeyCode::Char('x'), KeyModifiers::CONTROL)),
            EditOutcome::Copied {
                text: "ab".into(),
                changed: true
            }
        );
        assert_eq!(editor.text(), "c\ndef");
        editor.handle_key(key(KeyCode::Down, KeyModifiers::NONE));
        editor.handle_key(key(KeyCode::Char('v'), KeyModifiers::CONTROL));
        assert!(editor.text().contains("ab"), "{}", editor.text());
        editor.handle_key(key(KeyCode::Char('a'), KeyModifiers::CONTROL));
        assert!(editor.selection().is_some());
        assert!(editor.paste("X"));
        assert_eq!(editor.text(), "X");
    }

    #[test]
    fn crlf_survives_and_scroll_follows_the_cursor() {
        let text = (0..100)
            .map(|i| format!("l{i}"))
            .collect::<Vec<_>>()
            .join("\r\n");
        let mut editor = Editor::new(&text);
        assert_eq!(editor.text(), text);
        editor.go_to_line(50);
        editor.scroll_to_cursor(10);
        assert_eq!(editor.top, 41);
        editor.go_to_line(3);
        editor.scroll_to_cursor(10);
        assert_eq!(editor.top, 3);
        editor.go_to_line(10_000);
        assert_eq!(editor.cursor().0, 99);
    }
}
