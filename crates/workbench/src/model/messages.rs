//! The message log: every status message, warning and error of the session, whole, with the
//! time it was given, newest last. The status bar shows the newest one, cut to fit; the log
//! (`@`) shows them all. It keeps the last [`MessageLog::CAPACITY`].

use std::collections::VecDeque;

/// How much a message matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    /// The level as the log shows it, padded to one width.
    pub fn label(self) -> &'static str {
        match self {
            Level::Info => "info ",
            Level::Warning => "warn ",
            Level::Error => "error",
        }
    }
}

/// One logged message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedMessage {
    /// Local time, `HH:MM:SS`.
    pub time: String,
    pub level: Level,
    pub text: String,
}

/// Where a log takes its times from: the local clock, or a fixed time in tests.
pub type Clock = fn() -> String;

/// The local time as `HH:MM:SS`.
pub fn local_clock() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

/// The session's messages, oldest first, at most [`MessageLog::CAPACITY`].
#[derive(Debug, Clone)]
pub struct MessageLog {
    entries: VecDeque<LoggedMessage>,
    /// Messages dropped from the front to stay within the capacity.
    dropped: usize,
    clock: Clock,
}

impl MessageLog {
    /// Messages kept; older ones are dropped.
    pub const CAPACITY: usize = 500;

    pub fn new(clock: Clock) -> MessageLog {
        MessageLog {
            entries: VecDeque::new(),
            dropped: 0,
            clock,
        }
    }

    /// Takes times from `clock` from now on.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Logs a message at the clock's time.
    pub fn push(&mut self, level: Level, text: &str) {
        if self.entries.len() == Self::CAPACITY {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(LoggedMessage {
            time: (self.clock)(),
            level,
            text: text.to_string(),
        });
    }

    /// The messages kept, oldest first.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = &LoggedMessage> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many older messages were dropped to keep within the capacity.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// The log laid out for a text area `width` columns wide: one row per line, each message's
    /// text wrapped under its time and level. The row names the message it belongs to and
    /// whether it is the message's first.
    pub fn rows(&self, width: usize) -> Vec<LogRow<'_>> {
        let text_width = width.saturating_sub(PREFIX_WIDTH).max(8);
        let mut rows = Vec::new();
        for message in &self.entries {
            for (i, line) in wrap(&message.text, text_width).into_iter().enumerate() {
                rows.push(LogRow {
                    message,
                    first: i == 0,
                    text: line,
                });
            }
        }
        rows
    }
}

/// The columns before a message's text: `HH:MM:SS level `.
pub const PREFIX_WIDTH: usize = 15;

/// One line of the laid-out log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow<'a> {
    pub message: &'a LoggedMessage,
    /// The message's first line (the one with its time and level).
    pub first: bool,
    pub text: String,
}

/// Wraps `text` into lines of at most `width` characters, at spaces where it can, else inside
/// a word; every line of the text starts a new one.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut count = 0;
        for word in paragraph.split(' ') {
            let mut word: Vec<char> = word.chars().collect();
            let needed = if count == 0 { 0 } else { 1 };
            if count > 0 && count + needed + word.len() > width {
                lines.push(std::mem::take(&mut line));
                count = 0;
            } else if count > 0 {
                line.push(' ');
                count += 1;
            }
            while count + word.len() > width {
                let room = width - count;
                line.extend(word.drain(..room));
                lines.push(std::mem::take(&mut line));
                count = 0;
            }
            count += word.len();
            line.extend(word);
        }
        lines.push(line);
    }
    lines
}

/// The message log box for a screen: nearly the whole screen, at most 110 columns wide.
pub fn box_size(screen: (u16, u16)) -> (u16, u16) {
    (
        screen.0.saturating_sub(4).min(110),
        screen.1.saturating_sub(2),
    )
}

/// Rows of text inside the box, and its text width.
pub fn inner_size(screen: (u16, u16)) -> (usize, usize) {
    let (width, height) = box_size(screen);
    (
        usize::from(height.saturating_sub(2)),
        usize::from(width.saturating_sub(2)),
    )
}

/// The last first row the log can show on this screen: the newest line at the bottom.
pub fn max_scroll(log: &MessageLog, screen: (u16, u16)) -> usize {
    let (height, width) = inner_size(screen);
    log.rows(width).len().saturating_sub(height.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed() -> String {
        "12:00:00".to_string()
    }

    #[test]
    fn wrapping_keeps_every_character_within_the_width() {
        let text = "your unsaved edits here are kept (Ctrl-S writes them) averyveryverylongword";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        let joined: String = lines.concat();
        assert_eq!(
            joined.replace(' ', ""),
            text.replace(' ', ""),
            "nothing is lost"
        );
        assert_eq!(wrap("", 10), vec![String::new()]);
        assert_eq!(wrap("a\nb", 10), vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn the_log_keeps_the_newest_within_its_capacity() {
        let mut log = MessageLog::new(fixed);
        for i in 0..MessageLog::CAPACITY + 3 {
            log.push(Level::Info, &format!("message {i}"));
        }
        assert_eq!(log.len(), MessageLog::CAPACITY);
        assert_eq!(log.dropped(), 3);
        assert_eq!(
            log.entries().next().map(|m| m.text.as_str()),
            Some("message 3")
        );
        let last = log.entries().last().map(|m| m.text.clone());
        assert_eq!(last, Some(format!("message {}", MessageLog::CAPACITY + 2)));
    }
}
