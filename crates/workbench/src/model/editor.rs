//! The in-app text editor: ratatui-textarea does the editing (cursor, selection, yank), this
//! wrapper gives it keys everyone knows, undoes a word or a line at a time rather than a
//! character, and keeps its own viewport so the panes can draw the text with syntax
//! highlighting and error marks.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

use crate::text::columns_before;

/// A pause in typing at least this long ends an undo step: what was typed before it is undone
/// apart from what came after.
pub const UNDO_PAUSE: Duration = Duration::from_secs(1);

/// Undo steps kept; the oldest go first.
const MAX_UNDO_STEPS: usize = 500;

/// Bytes of text the undo steps may hold together (each keeps the text as it was); the oldest go
/// first, the newest step always stays.
const MAX_UNDO_BYTES: usize = 32 * 1024 * 1024;

/// Where the editor takes the time of a keystroke from: the system clock, or a fixed instant
/// (set by tests, so pauses in typing are told without waiting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Clock {
    #[default]
    System,
    Fixed(Instant),
}

impl Clock {
    pub fn now(self) -> Instant {
        match self {
            Clock::System => Instant::now(),
            Clock::Fixed(at) => at,
        }
    }
}

/// The text and cursor as they were before an undo step.
#[derive(Clone)]
struct Snapshot {
    lines: Vec<String>,
    cursor: (usize, usize),
}

impl Snapshot {
    fn bytes(&self) -> usize {
        self.lines.iter().map(|l| l.len() + 1).sum()
    }
}

/// What a keystroke did to the text, for grouping undo steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EditKind {
    /// Typed a letter, digit, `_` or `$`.
    Word,
    /// Typed a space or punctuation.
    Gap,
    /// A line break: it ends the step it belongs to.
    Newline,
    /// Deleted a character.
    Delete,
    /// Anything else (paste, cut, a word deleted, an indent): a step of its own.
    Other,
}

impl EditKind {
    fn of(key: &KeyEvent) -> EditKind {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if plain && (c.is_alphanumeric() || c == '_' || c == '$') => {
                EditKind::Word
            }
            KeyCode::Char(_) if plain => EditKind::Gap,
            KeyCode::Enter if plain => EditKind::Newline,
            KeyCode::Backspace | KeyCode::Delete if plain => EditKind::Delete,
            _ => EditKind::Other,
        }
    }

    /// Whether an edit of kind `next` right after one of `self` stays in the same step: a word
    /// takes the spaces and punctuation after it, a line break ends it, deletions go together.
    fn continues_with(self, next: EditKind) -> bool {
        matches!(
            (self, next),
            (
                EditKind::Word,
                EditKind::Word | EditKind::Gap | EditKind::Newline
            ) | (EditKind::Gap, EditKind::Gap | EditKind::Newline)
                | (EditKind::Delete, EditKind::Delete)
        )
    }
}

/// The undo step being typed: its kind, where the cursor was left and when.
#[derive(Debug, Clone, Copy)]
struct OpenStep {
    kind: EditKind,
    cursor: (usize, usize),
    at: Instant,
}

/// A fresh text area: its own history is off, the editor keeps the undo steps.
fn text_area(lines: Vec<String>) -> TextArea<'static> {
    let mut area = TextArea::new(lines);
    area.set_max_histories(0);
    area
}

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
    /// The text before each undo step, oldest first.
    undo: VecDeque<Snapshot>,
    /// Bytes held by `undo`.
    undo_bytes: usize,
    /// The text before each undone step, newest last.
    redo: Vec<Snapshot>,
    /// The step typing goes on, if the next keystroke may join it.
    open: Option<OpenStep>,
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
        Editor {
            area: text_area(lines),
            crlf,
            top: 0,
            left: 0,
            undo: VecDeque::new(),
            undo_bytes: 0,
            redo: Vec::new(),
            open: None,
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

    /// Handles one key pressed now (see [`Editor::handle_key_at`]).
    pub fn handle_key(&mut self, key: KeyEvent) -> EditOutcome {
        self.handle_key_at(key, Instant::now())
    }

    /// Handles one key pressed at `at`. Shortcuts: Ctrl-Z undo, Ctrl-Y (or Ctrl-Shift-Z) redo,
    /// Ctrl-A select all, Alt-C copy, Ctrl-X cut, Ctrl-V paste, Shift+arrows select, Tab
    /// indents; the rest as ratatui-textarea's defaults (Ctrl-C is never seen here: it quits).
    ///
    /// Undo goes a step at a time: a word with the spaces after it, a line, a run of deletions.
    /// A step also ends where the cursor moved away, at a paste or cut, or at a pause of
    /// [`UNDO_PAUSE`] between keys (measured with `at`).
    pub fn handle_key_at(&mut self, key: KeyEvent, at: Instant) -> EditOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let before = self.snapshot();
        match key.code {
            KeyCode::Char('z' | 'Z') if ctrl && shift => return self.redo(),
            KeyCode::Char('z') if ctrl => return self.undo(),
            KeyCode::Char('y') if ctrl => return self.redo(),
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
                if changed {
                    self.record(before, EditKind::Other, at);
                }
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
        if self.area.lines() == before.lines.as_slice() {
            EditOutcome::Moved
        } else {
            self.record(before, EditKind::of(&key), at);
            EditOutcome::Changed
        }
    }

    /// Inserts pasted text at the cursor (replacing a selection). True when the text changed.
    /// A paste is an undo step of its own.
    pub fn paste(&mut self, text: &str) -> bool {
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let before = self.snapshot();
        if self.area.is_selecting() {
            self.area.cut();
        }
        self.area.insert_str(text);
        let changed = self.area.lines() != before.lines.as_slice();
        if changed {
            self.record(before, EditKind::Other, Instant::now());
        }
        changed
    }

    /// Takes the last undo step back. Changed when there was one.
    pub fn undo(&mut self) -> EditOutcome {
        let Some(step) = self.undo.pop_back() else {
            return EditOutcome::Moved;
        };
        self.undo_bytes = self.undo_bytes.saturating_sub(step.bytes());
        self.redo.push(self.snapshot());
        self.restore(step);
        EditOutcome::Changed
    }

    /// Does the last undone step again. Changed when there was one.
    pub fn redo(&mut self) -> EditOutcome {
        let Some(step) = self.redo.pop() else {
            return EditOutcome::Moved;
        };
        let current = self.snapshot();
        self.push_undo(current);
        self.restore(step);
        EditOutcome::Changed
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            lines: self.area.lines().to_vec(),
            cursor: self.cursor(),
        }
    }

    /// The text and cursor of a snapshot; the yank buffer stays, a selection ends.
    fn restore(&mut self, snapshot: Snapshot) {
        let yank = self.area.yank_text();
        let mut area = text_area(snapshot.lines);
        area.set_yank_text(yank);
        let (row, col) = snapshot.cursor;
        area.move_cursor(CursorMove::Jump(
            u16::try_from(row).unwrap_or(u16::MAX),
            u16::try_from(col).unwrap_or(u16::MAX),
        ));
        self.area = area;
        self.open = None;
    }

    /// An edit of `kind` changed the text from `before`: it joins the open step when it goes on
    /// from where that one left the cursor, soon enough and of a kind that continues it; else it
    /// opens a new step.
    fn record(&mut self, before: Snapshot, kind: EditKind, at: Instant) {
        self.redo.clear();
        let joins = self.open.is_some_and(|open| {
            open.cursor == before.cursor
                && at.saturating_duration_since(open.at) < UNDO_PAUSE
                && open.kind.continues_with(kind)
        });
        if !joins {
            self.push_undo(before);
        }
        self.open = match kind {
            EditKind::Newline | EditKind::Other => None,
            _ => Some(OpenStep {
                kind,
                cursor: self.cursor(),
                at,
            }),
        };
    }

    fn push_undo(&mut self, snapshot: Snapshot) {
        self.undo_bytes += snapshot.bytes();
        self.undo.push_back(snapshot);
        while self.undo.len() > 1
            && (self.undo.len() > MAX_UNDO_STEPS || self.undo_bytes > MAX_UNDO_BYTES)
        {
            if let Some(old) = self.undo.pop_front() {
                self.undo_bytes = self.undo_bytes.saturating_sub(old.bytes());
            }
        }
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

    /// Undoes until the text is `until`, counting the presses (at most 20).
    fn undos_to(editor: &mut Editor, until: &str) -> usize {
        let mut presses = 0;
        while editor.text() != until && presses < 20 {
            editor.undo();
            presses += 1;
        }
        presses
    }

    #[test]
    fn undo_steps_end_at_words_lines_cursor_jumps_and_pauses() {
        let at = Instant::now();
        let press = |editor: &mut Editor, code: KeyCode, at: Instant| {
            editor.handle_key_at(key(code, KeyModifiers::NONE), at);
        };
        let typed_at = |editor: &mut Editor, text: &str, at: Instant| {
            for c in text.chars() {
                let code = if c == '\n' {
                    KeyCode::Enter
                } else {
                    KeyCode::Char(c)
                };
                press(editor, code, at);
            }
        };
        // A word takes the spaces and punctuation after it.
        let mut editor = Editor::new("");
        typed_at(&mut editor, "while (true) {} ", at);
        assert_eq!(undos_to(&mut editor, ""), 2);
        // A line break ends a step; deletions go together.
        let mut editor = Editor::new("");
        typed_at(&mut editor, "ab\ncd", at);
        press(&mut editor, KeyCode::Backspace, at);
        press(&mut editor, KeyCode::Backspace, at);
        assert_eq!(editor.text(), "ab\n");
        editor.undo();
        assert_eq!(editor.text(), "ab\ncd");
        editor.undo();
        assert_eq!(editor.text(), "ab\n");
        editor.undo();
        assert_eq!(editor.text(), "");
        // A cursor jump ends a step, and so does a pause.
        let mut editor = Editor::new("");
        typed_at(&mut editor, "abc", at);
        press(&mut editor, KeyCode::Home, at);
        typed_at(&mut editor, "x", at);
        typed_at(&mut editor, "y", at + UNDO_PAUSE);
        editor.undo();
        assert_eq!(editor.text(), "xabc");
        editor.undo();
        assert_eq!(editor.text(), "abc");
        // A paste is a step of its own; redo goes forward again, a new edit drops it.
        assert!(editor.paste("pasted "));
        typed_at(&mut editor, "z", at);
        editor.undo();
        assert_eq!(editor.text(), "pasted abc");
        editor.undo();
        assert_eq!(editor.text(), "abc");
        editor.redo();
        assert_eq!(editor.text(), "pasted abc");
        typed_at(&mut editor, "q", at);
        assert_eq!(editor.redo(), EditOutcome::Moved);
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
