//! The workbench's key map: which key triggers which [`Action`] in normal mode.
//!
//! Defaults are lazygit/gitui/vim-like; the configuration file's `[keys]` section replaces the
//! keys of the actions it names. Keys are compared as normalised [`KeyCombo`]s because terminals
//! report the same key press in different ways (`G` with or without SHIFT, Shift-Tab as `BackTab`
//! with or without SHIFT, Ctrl-Shift-S as `S` or `s`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use hookbench_core::config::KeyBinding;
use hookbench_core::suggest::{closest_names, did_you_mean};

/// Everything a key can do in the workbench's normal mode. (Ctrl-C force-quit and Esc are
/// hard-wired elsewhere and not part of the map.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    FocusEvents,
    FocusWebhook,
    FocusTransform,
    FocusSegment,
    FocusLogs,
    Up,
    Down,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    Left,
    Right,
    /// Edit the transformation in the app.
    Edit,
    /// Open the transformation in `$EDITOR`.
    ExternalEditor,
    /// Edit the selected webhook body in the app.
    ModifyBody,
    /// Edit the selected webhook body in `$EDITOR`.
    ModifyBodyExternal,
    /// Drop the modifications of the selected body.
    ResetBody,
    /// Save the transformation.
    Save,
    /// Toggle the diff of the output against the previous output.
    Diff,
    /// Copy the output payload (OSC 52).
    CopyPayload,
    /// Copy the output as a curl command.
    CopyCurl,
    /// Filter the events list.
    Filter,
    /// Open the transformation picker.
    PickTransform,
    /// Group events by family or not.
    ToggleGroups,
    /// Run the transformation again on every event.
    Rerun,
    /// Send the selected event.
    Send,
    /// Send every listed event, batched.
    SendAll,
    /// Cancel sends waiting to retry.
    CancelSend,
    /// The write-key dialog.
    WriteKey,
    /// Switch where sends go.
    Destination,
    /// The bottom panel's next tab.
    PanelNext,
    /// The bottom panel's previous tab.
    PanelPrev,
    /// Start or stop receiving webhooks.
    Listen,
}

/// Help order: navigation, focus, transformation, webhook, output, app.
const ALL_ACTIONS: &[Action] = &[
    Action::Up,
    Action::Down,
    Action::Left,
    Action::Right,
    Action::Top,
    Action::Bottom,
    Action::HalfPageDown,
    Action::HalfPageUp,
    Action::FocusNext,
    Action::FocusPrev,
    Action::FocusEvents,
    Action::FocusWebhook,
    Action::FocusTransform,
    Action::FocusSegment,
    Action::FocusLogs,
    Action::Edit,
    Action::ExternalEditor,
    Action::Save,
    Action::PickTransform,
    Action::Rerun,
    Action::Filter,
    Action::ToggleGroups,
    Action::ModifyBody,
    Action::ModifyBodyExternal,
    Action::ResetBody,
    Action::Diff,
    Action::CopyPayload,
    Action::CopyCurl,
    Action::Send,
    Action::SendAll,
    Action::CancelSend,
    Action::Destination,
    Action::WriteKey,
    Action::PanelNext,
    Action::PanelPrev,
    Action::Listen,
    Action::Help,
    Action::Quit,
];

impl Action {
    /// The name used in the config file: kebab-case ("quit", "focus-next", "copy-curl", …).
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::FocusNext => "focus-next",
            Action::FocusPrev => "focus-prev",
            Action::FocusEvents => "focus-events",
            Action::FocusWebhook => "focus-webhook",
            Action::FocusTransform => "focus-transform",
            Action::FocusSegment => "focus-segment",
            Action::FocusLogs => "focus-logs",
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::HalfPageDown => "half-page-down",
            Action::HalfPageUp => "half-page-up",
            Action::Left => "left",
            Action::Right => "right",
            Action::Edit => "edit",
            Action::ExternalEditor => "external-editor",
            Action::ModifyBody => "modify-body",
            Action::ModifyBodyExternal => "modify-body-external",
            Action::ResetBody => "reset-body",
            Action::Save => "save",
            Action::Diff => "diff",
            Action::CopyPayload => "copy-payload",
            Action::CopyCurl => "copy-curl",
            Action::Filter => "filter",
            Action::PickTransform => "pick-transform",
            Action::ToggleGroups => "toggle-groups",
            Action::Rerun => "rerun",
            Action::Send => "send",
            Action::SendAll => "send-all",
            Action::CancelSend => "cancel-send",
            Action::WriteKey => "write-key",
            Action::Destination => "destination",
            Action::PanelNext => "panel-next",
            Action::PanelPrev => "panel-prev",
            Action::Listen => "listen",
        }
    }

    /// The action a config-file name stands for; exact (kebab-case) match only, so that a
    /// misspelling gets a "did you mean" instead of a guess.
    pub fn from_name(name: &str) -> Option<Action> {
        ALL_ACTIONS.iter().copied().find(|a| a.name() == name)
    }

    /// One short line for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::Quit => "Quit hookbench",
            Action::Help => "Show or hide this help",
            Action::FocusNext => "Focus the next pane",
            Action::FocusPrev => "Focus the previous pane",
            Action::FocusEvents => "Focus the events list",
            Action::FocusWebhook => "Focus the webhook body",
            Action::FocusTransform => "Focus the transformation",
            Action::FocusSegment => "Focus the Segment output",
            Action::FocusLogs => "Focus the logs",
            Action::Up => "Move up",
            Action::Down => "Move down",
            Action::Top => "Go to the top",
            Action::Bottom => "Go to the bottom",
            Action::HalfPageDown => "Scroll half a page down",
            Action::HalfPageUp => "Scroll half a page up",
            Action::Left => "Move or scroll left",
            Action::Right => "Move or scroll right",
            Action::Edit => "Edit the transformation here",
            Action::ExternalEditor => "Open the transformation in $EDITOR",
            Action::ModifyBody => "Edit the selected webhook body here",
            Action::ModifyBodyExternal => "Edit the selected webhook body in $EDITOR",
            Action::ResetBody => "Drop the changes to the selected webhook body",
            Action::Save => "Save the transformation",
            Action::Diff => "Show or hide the diff against the previous output",
            Action::CopyPayload => "Copy the output payload",
            Action::CopyCurl => "Copy the output as a curl command (write key masked)",
            Action::Filter => "Filter the events list",
            Action::PickTransform => "Pick another transformation",
            Action::ToggleGroups => "Group events by family, or not",
            Action::Rerun => "Run the transformation again on every event",
            Action::Send => "Send the selected event to the destination",
            Action::SendAll => "Send every listed event, batched",
            Action::CancelSend => "Cancel sends waiting to retry",
            Action::WriteKey => "Set, check or save the Segment write key",
            Action::Destination => "Switch the destination: dry-run, local sink, Segment",
            Action::PanelNext => "Show the next tab of the bottom panel",
            Action::PanelPrev => "Show the previous tab of the bottom panel",
            Action::Listen => "Start or stop receiving webhooks",
        }
    }

    /// The help overlay's heading for this action; [`Action::all`] lists each group in one run.
    pub fn group(self) -> &'static str {
        match self {
            Action::Up
            | Action::Down
            | Action::Left
            | Action::Right
            | Action::Top
            | Action::Bottom
            | Action::HalfPageDown
            | Action::HalfPageUp => "Navigation",
            Action::FocusNext
            | Action::FocusPrev
            | Action::FocusEvents
            | Action::FocusWebhook
            | Action::FocusTransform
            | Action::FocusSegment
            | Action::FocusLogs => "Focus",
            Action::Edit
            | Action::ExternalEditor
            | Action::Save
            | Action::PickTransform
            | Action::Rerun => "Transformation",
            Action::Filter
            | Action::ToggleGroups
            | Action::ModifyBody
            | Action::ModifyBodyExternal
            | Action::ResetBody => "Webhook",
            Action::Diff | Action::CopyPayload | Action::CopyCurl => "Output",
            Action::Send
            | Action::SendAll
            | Action::CancelSend
            | Action::Destination
            | Action::WriteKey => "Send",
            Action::PanelNext | Action::PanelPrev => "Bottom panel",
            Action::Listen => "Incoming",
            Action::Help | Action::Quit => "App",
        }
    }

    /// Every action in help order (navigation, focus, transformation, webhook, output, app).
    pub fn all() -> &'static [Action] {
        ALL_ACTIONS
    }

    /// The built-in keys; a match so that a new action cannot ship without a default.
    fn default_keys(self) -> &'static [KeyCombo] {
        use KeyCode as K;
        match self {
            Action::Quit => &const { [ch('q')] },
            Action::Help => &const { [ch('?')] },
            Action::FocusNext => &const { [plain(K::Tab)] },
            Action::FocusPrev => &const { [plain(K::BackTab)] },
            Action::FocusEvents => &const { [ch('1')] },
            Action::FocusWebhook => &const { [ch('2')] },
            Action::FocusTransform => &const { [ch('3')] },
            Action::FocusSegment => &const { [ch('4')] },
            Action::FocusLogs => &const { [ch('5')] },
            Action::Up => &const { [ch('k'), plain(K::Up)] },
            Action::Down => &const { [ch('j'), plain(K::Down)] },
            Action::Top => &const { [ch('g'), plain(K::Home)] },
            Action::Bottom => &const { [ch('G'), plain(K::End)] },
            Action::HalfPageDown => &const { [ctrl('d'), plain(K::PageDown)] },
            Action::HalfPageUp => &const { [ctrl('u'), plain(K::PageUp)] },
            Action::Left => &const { [ch('h'), plain(K::Left)] },
            Action::Right => &const { [ch('l'), plain(K::Right)] },
            Action::Edit => &const { [ch('i'), plain(K::Enter)] },
            Action::ExternalEditor => &const { [ch('e')] },
            Action::ModifyBody => &const { [ch('m')] },
            Action::ModifyBodyExternal => &const { [ch('M')] },
            Action::ResetBody => &const { [ch('r')] },
            Action::Save => &const { [ctrl('s')] },
            Action::Diff => &const { [ch('d')] },
            Action::CopyPayload => &const { [ch('y')] },
            Action::CopyCurl => &const { [ch('Y')] },
            Action::Filter => &const { [ch('/')] },
            Action::PickTransform => &const { [ch('t')] },
            Action::ToggleGroups => &const { [ch('z')] },
            Action::Rerun => &const { [ch('R')] },
            Action::Send => &const { [ch('s')] },
            Action::SendAll => &const { [ch('S')] },
            Action::CancelSend => &const { [ch('x')] },
            Action::WriteKey => &const { [ch('K')] },
            Action::Destination => &const { [ch('D')] },
            Action::PanelNext => &const { [ch(']')] },
            Action::PanelPrev => &const { [ch('[')] },
            Action::Listen => &const { [ch('L')] },
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An already-normalised key without modifiers (for the default table).
const fn plain(code: KeyCode) -> KeyCombo {
    KeyCombo {
        code,
        modifiers: KeyModifiers::NONE,
    }
}

/// An already-normalised character key without modifiers.
const fn ch(c: char) -> KeyCombo {
    plain(KeyCode::Char(c))
}

/// An already-normalised Ctrl + lower-case letter.
const fn ctrl(c: char) -> KeyCombo {
    KeyCombo {
        code: KeyCode::Char(c),
        modifiers: KeyModifiers::CONTROL,
    }
}

/// Ctrl-C: always quits, so it may not be bound.
const CTRL_C: KeyCombo = ctrl('c');

/// A key with its modifiers, normalised so that terminals' different reports of the same key
/// compare equal.
///
/// Rules: for [`KeyCode::Char`], SHIFT is dropped (the character already carries its case, or is
/// a symbol such as `?`); a lower-case ASCII letter that came with SHIFT alone becomes upper-case;
/// an ASCII letter with any other modifier (ctrl, alt, super, hyper, meta) is lower-cased, so
/// `ctrl-S` is `ctrl-s`. [`KeyCode::BackTab`], and Tab with SHIFT, become `BackTab` with no
/// modifiers (`shift-tab`). Build values with [`KeyCombo::new`] or [`KeyCombo::from_event`]: a
/// struct literal skips the normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyCombo {
    /// A normalised combo (see the type's rules).
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyCombo {
        match code {
            KeyCode::BackTab => plain(KeyCode::BackTab),
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => plain(KeyCode::BackTab),
            KeyCode::Char(c) => {
                let shifted = modifiers.contains(KeyModifiers::SHIFT);
                let modifiers = modifiers.difference(KeyModifiers::SHIFT);
                let c = if !modifiers.is_empty() {
                    c.to_ascii_lowercase()
                } else if shifted {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                KeyCombo {
                    code: KeyCode::Char(c),
                    modifiers,
                }
            }
            _ => KeyCombo { code, modifiers },
        }
    }

    /// The normalised combo of a terminal key event; its kind (press, repeat, release) and
    /// keypad state are ignored.
    pub fn from_event(event: &KeyEvent) -> KeyCombo {
        KeyCombo::new(event.code, event.modifiers)
    }
}

/// Modifier prefixes in the order they are printed, with every spelling the parser accepts.
const MODIFIERS: &[(KeyModifiers, &str, &[&str])] = &[
    (KeyModifiers::CONTROL, "ctrl", &["ctrl", "control", "c"]),
    (KeyModifiers::ALT, "alt", &["alt", "a"]),
    (KeyModifiers::SHIFT, "shift", &["shift", "s"]),
    (KeyModifiers::SUPER, "super", &["super"]),
    (KeyModifiers::HYPER, "hyper", &["hyper"]),
    (KeyModifiers::META, "meta", &["meta"]),
];

/// Named keys: the printed name first, then the other spellings the parser accepts.
const NAMED_KEYS: &[(KeyCode, &[&str])] = &[
    (KeyCode::Enter, &["enter", "return"]),
    (KeyCode::Esc, &["esc", "escape"]),
    (KeyCode::Tab, &["tab"]),
    (KeyCode::BackTab, &["shift-tab", "backtab"]),
    (KeyCode::Backspace, &["backspace"]),
    (KeyCode::Delete, &["delete", "del"]),
    (KeyCode::Insert, &["insert", "ins"]),
    (KeyCode::Up, &["up"]),
    (KeyCode::Down, &["down"]),
    (KeyCode::Left, &["left"]),
    (KeyCode::Right, &["right"]),
    (KeyCode::Home, &["home"]),
    (KeyCode::End, &["end"]),
    (KeyCode::PageUp, &["pgup", "pageup"]),
    (KeyCode::PageDown, &["pgdn", "pagedown", "pgdown"]),
    (KeyCode::Char(' '), &["space"]),
    (KeyCode::Null, &["null"]),
    (KeyCode::CapsLock, &["capslock"]),
    (KeyCode::ScrollLock, &["scrolllock"]),
    (KeyCode::NumLock, &["numlock"]),
    (KeyCode::PrintScreen, &["printscreen"]),
    (KeyCode::Pause, &["pause"]),
    (KeyCode::Menu, &["menu"]),
    (KeyCode::KeypadBegin, &["begin"]),
];

/// The highest function key the parser accepts (the kitty keyboard protocol reports up to F35).
const MAX_FUNCTION_KEY: u8 = 35;

impl fmt::Display for KeyCombo {
    /// Prints the form [`KeyCombo::from_str`] reads back: "q", "G", "ctrl-s", "shift-tab", "f1".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (flag, name, _) in MODIFIERS {
            // BackTab's name already says shift.
            let implied = *flag == KeyModifiers::SHIFT && self.code == KeyCode::BackTab;
            if self.modifiers.contains(*flag) && !implied {
                write!(f, "{name}-")?;
            }
        }
        if let Some((_, names)) = NAMED_KEYS.iter().find(|(code, _)| *code == self.code) {
            return f.write_str(names[0]);
        }
        match self.code {
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            // Media and lone modifier keys are printed for diagnostics only; they cannot be bound.
            KeyCode::Media(m) => write!(f, "{}", format!("{m:?}").to_ascii_lowercase()),
            KeyCode::Modifier(m) => write!(f, "{}", format!("{m:?}").to_ascii_lowercase()),
            other => write!(f, "{}", format!("{other:?}").to_ascii_lowercase()),
        }
    }
}

impl FromStr for KeyCombo {
    type Err = String;

    /// Reads what [`Display`](fmt::Display) prints. Modifier and key names are case-insensitive
    /// and may be joined with `-` or `+` ("Ctrl+S", "C-s"); a single character is taken as is
    /// ("G" is capital G, and so is "shift-g").
    fn from_str(text: &str) -> Result<KeyCombo, String> {
        if let Some(c) = single_char(text) {
            return Ok(KeyCombo::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(format!(
                "{text:?} is not a key: write a character or a name such as \"ctrl-s\", \"space\" or \"f1\""
            ));
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = trimmed;
        let code = loop {
            if let Some(c) = single_char(rest) {
                break KeyCode::Char(c);
            }
            // A separator needs a name before it: a leading '-' or '+' is the key itself.
            let separator = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| c == '-' || c == '+')
                .map(|(i, _)| i);
            let Some(at) = separator else {
                break parse_key_name(rest, text)?;
            };
            let name = &rest[..at];
            let Some(flag) = parse_modifier(name) else {
                return Err(unknown_modifier(text, rest, name));
            };
            if modifiers.contains(flag) {
                return Err(format!("{text:?}: {name:?} is given twice"));
            }
            modifiers |= flag;
            rest = &rest[at + 1..];
            if rest.is_empty() {
                return Err(format!("{text:?}: a key must follow {name:?}"));
            }
        };
        Ok(KeyCombo::new(code, modifiers))
    }
}

/// The only character of `text`, if it has exactly one.
fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The modifier a (case-insensitive) prefix names.
fn parse_modifier(name: &str) -> Option<KeyModifiers> {
    let lower = name.to_ascii_lowercase();
    MODIFIERS
        .iter()
        .find(|(_, _, spellings)| spellings.contains(&lower.as_str()))
        .map(|(flag, _, _)| *flag)
}

/// The key a multi-character name stands for; `text` is the whole input, for the message.
fn parse_key_name(name: &str, text: &str) -> Result<KeyCode, String> {
    let lower = name.to_ascii_lowercase();
    if let Some((code, _)) = NAMED_KEYS
        .iter()
        .find(|(_, spellings)| spellings.contains(&lower.as_str()))
    {
        return Ok(*code);
    }
    if let Some(number) = lower.strip_prefix('f')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
    {
        return match number.parse::<u8>() {
            Ok(n) if (1..=MAX_FUNCTION_KEY).contains(&n) => Ok(KeyCode::F(n)),
            _ => Err(format!(
                "{text:?}: function keys go from f1 to f{MAX_FUNCTION_KEY}"
            )),
        };
    }
    let names = NAMED_KEYS.iter().map(|(_, spellings)| spellings[0]);
    let hint = did_you_mean(&closest_names(&lower, names, 3), " or ").unwrap_or_else(|| {
        "a key is a single character or a name such as enter, esc, tab, space, up, pgdn, f1"
            .to_string()
    });
    if name == text.trim() {
        Err(format!("unknown key {name:?}; {hint}"))
    } else {
        Err(format!("{text:?}: unknown key {name:?}; {hint}"))
    }
}

/// The message for a prefix that is not a modifier; suggests the key name when the whole
/// remainder reads as one once its separators go ("page-down" → pgdn).
fn unknown_modifier(text: &str, rest: &str, name: &str) -> String {
    let joined: String = rest.chars().filter(|c| *c != '-' && *c != '+').collect();
    let list = MODIFIERS
        .iter()
        .map(|(_, printed, _)| *printed)
        .collect::<Vec<_>>()
        .join(", ");
    match parse_key_name(&joined, text) {
        Ok(code) => format!(
            "{text:?}: {name:?} is not a modifier; did you mean {}?",
            plain(code)
        ),
        Err(_) => format!("{text:?}: {name:?} is not a modifier (modifiers: {list})"),
    }
}

/// A `[keys]` entry that cannot be used. Every variant names the file and the entry's line.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error(
        "{} line {line}: [keys] {action}: unknown action; {}",
        path.display(),
        unknown_action_hint(suggestions)
    )]
    UnknownAction {
        path: PathBuf,
        line: usize,
        action: String,
        suggestions: Vec<String>,
    },
    /// `reason` quotes the key as written and says what is wrong with it.
    #[error("{} line {line}: [keys] {action}: {reason}", path.display())]
    InvalidKey {
        path: PathBuf,
        line: usize,
        action: Action,
        key: String,
        reason: String,
    },
    #[error(
        "{} line {line}: [keys] {action}: the key list is empty; remove the line to keep the default ({})",
        path.display(),
        keys_text(action.default_keys())
    )]
    NoKeys {
        path: PathBuf,
        line: usize,
        action: Action,
    },
    #[error(
        "{} line {line}: [keys] {action}: {key:?} is ctrl-c, which is reserved: it always quits",
        path.display()
    )]
    ReservedKey {
        path: PathBuf,
        line: usize,
        action: Action,
        key: String,
    },
    #[error("{} line {line}: [keys] {action}: {key} is listed twice", path.display())]
    RepeatedKey {
        path: PathBuf,
        line: usize,
        action: Action,
        key: KeyCombo,
    },
    #[error(
        "{} line {line}: [keys] {action} is already bound on line {first_line}",
        path.display()
    )]
    RepeatedAction {
        path: PathBuf,
        line: usize,
        action: Action,
        first_line: usize,
    },
    /// Two actions share a key; `line` is the later of the two entries, `other_line` is `None`
    /// when the other action still has its default keys.
    #[error(
        "{} line {line}: [keys] {action}: {key} is also bound to {other}{}",
        path.display(),
        conflict_hint(*other, *other_line)
    )]
    KeyConflict {
        path: PathBuf,
        line: usize,
        action: Action,
        key: KeyCombo,
        other: Action,
        other_line: Option<usize>,
    },
}

impl KeymapError {
    /// The 1-based line of the offending entry.
    pub fn line(&self) -> usize {
        match self {
            KeymapError::UnknownAction { line, .. }
            | KeymapError::InvalidKey { line, .. }
            | KeymapError::NoKeys { line, .. }
            | KeymapError::ReservedKey { line, .. }
            | KeymapError::RepeatedKey { line, .. }
            | KeymapError::RepeatedAction { line, .. }
            | KeymapError::KeyConflict { line, .. } => *line,
        }
    }
}

fn unknown_action_hint(suggestions: &[String]) -> String {
    did_you_mean(suggestions, " or ").unwrap_or_else(|| {
        let names: Vec<&str> = ALL_ACTIONS.iter().map(|a| a.name()).collect();
        format!("the actions are {}", names.join(", "))
    })
}

fn conflict_hint(other: Action, other_line: Option<usize>) -> String {
    match other_line {
        Some(line) => format!(" on line {line}"),
        None => format!(" by default; give {other} other keys as well"),
    }
}

/// "j / down": the keys joined for help and hints.
fn keys_text(keys: &[KeyCombo]) -> String {
    keys.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A validated key map: every action has at least one key and no key triggers two actions.
#[derive(Debug, Clone)]
pub struct KeyMap {
    by_key: HashMap<KeyCombo, Action>,
    by_action: BTreeMap<Action, Vec<KeyCombo>>,
}

impl Default for KeyMap {
    fn default() -> KeyMap {
        KeyMap::defaults()
    }
}

impl KeyMap {
    /// The default bindings.
    pub fn defaults() -> KeyMap {
        let by_action = ALL_ACTIONS
            .iter()
            .map(|&a| (a, a.default_keys().to_vec()))
            .collect();
        KeyMap::from_bindings(by_action)
    }

    /// Defaults with the config's `[keys]` entries applied: an entry replaces all default keys of
    /// its action. Errors name `config_path` and the entry's line; entries are checked in line
    /// order, then the finished map for keys bound to two actions.
    pub fn with_config(bindings: &[KeyBinding], config_path: &Path) -> Result<KeyMap, KeymapError> {
        let path = || config_path.to_path_buf();
        let mut by_action: BTreeMap<Action, Vec<KeyCombo>> = ALL_ACTIONS
            .iter()
            .map(|&a| (a, a.default_keys().to_vec()))
            .collect();
        // Which actions the file rebinds, and on which line.
        let mut config_line: BTreeMap<Action, usize> = BTreeMap::new();

        let mut entries: Vec<&KeyBinding> = bindings.iter().collect();
        entries.sort_by_key(|b| b.line);
        for binding in entries {
            let line = binding.line;
            let Some(action) = Action::from_name(&binding.action) else {
                let names = ALL_ACTIONS.iter().map(|a| a.name());
                return Err(KeymapError::UnknownAction {
                    path: path(),
                    line,
                    action: binding.action.clone(),
                    suggestions: closest_names(&binding.action, names, 3),
                });
            };
            if let Some(&first_line) = config_line.get(&action) {
                return Err(KeymapError::RepeatedAction {
                    path: path(),
                    line,
                    action,
                    first_line,
                });
            }
            if binding.keys.is_empty() {
                return Err(KeymapError::NoKeys {
                    path: path(),
                    line,
                    action,
                });
            }
            let mut keys: Vec<KeyCombo> = Vec::with_capacity(binding.keys.len());
            for text in &binding.keys {
                let key = text
                    .parse::<KeyCombo>()
                    .map_err(|reason| KeymapError::InvalidKey {
                        path: path(),
                        line,
                        action,
                        key: text.clone(),
                        reason,
                    })?;
                if key == CTRL_C {
                    return Err(KeymapError::ReservedKey {
                        path: path(),
                        line,
                        action,
                        key: text.clone(),
                    });
                }
                if keys.contains(&key) {
                    return Err(KeymapError::RepeatedKey {
                        path: path(),
                        line,
                        action,
                        key,
                    });
                }
                keys.push(key);
            }
            by_action.insert(action, keys);
            config_line.insert(action, line);
        }

        if let Some(conflict) = first_conflict(&by_action, &config_line, config_path) {
            return Err(conflict);
        }
        Ok(KeyMap::from_bindings(by_action))
    }

    /// Indexes checked bindings by key.
    fn from_bindings(by_action: BTreeMap<Action, Vec<KeyCombo>>) -> KeyMap {
        let by_key = by_action
            .iter()
            .flat_map(|(&action, keys)| keys.iter().map(move |&key| (key, action)))
            .collect();
        KeyMap { by_key, by_action }
    }

    /// The action a key event triggers, if any; the event's kind is not looked at.
    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        self.by_key.get(&KeyCombo::from_event(event)).copied()
    }

    /// The action a combo triggers, if any (for callers that already hold a combo).
    pub fn action_for(&self, key: KeyCombo) -> Option<Action> {
        self.by_key
            .get(&KeyCombo::new(key.code, key.modifiers))
            .copied()
    }

    /// An action's keys, in the order they were given.
    pub fn keys(&self, action: Action) -> &[KeyCombo] {
        self.by_action.get(&action).map_or(&[], Vec::as_slice)
    }

    /// "j / down" style text of an action's keys for help and hints.
    pub fn keys_text(&self, action: Action) -> String {
        keys_text(self.keys(action))
    }
}

/// The key conflict on the earliest line, if any. Only pairs involving a config entry can clash
/// (the defaults are distinct, which a test checks).
fn first_conflict(
    by_action: &BTreeMap<Action, Vec<KeyCombo>>,
    config_line: &BTreeMap<Action, usize>,
    config_path: &Path,
) -> Option<KeymapError> {
    let mut owner: HashMap<KeyCombo, Action> = HashMap::new();
    let mut found: Option<KeymapError> = None;
    for &action in ALL_ACTIONS {
        for &key in by_action.get(&action).map_or(&[][..], Vec::as_slice) {
            let Some(other) = owner.insert(key, action) else {
                continue;
            };
            let mine = config_line.get(&action).copied();
            let theirs = config_line.get(&other).copied();
            // Report on the entry written later; the other one is named with its line, if any.
            let (line, action, other, other_line) = match (mine, theirs) {
                (Some(m), Some(t)) if t > m => (t, other, action, Some(m)),
                (Some(m), t) => (m, action, other, t),
                (None, Some(t)) => (t, other, action, None),
                (None, None) => continue,
            };
            if found.as_ref().is_none_or(|f| line < f.line()) {
                found = Some(KeymapError::KeyConflict {
                    path: config_path.to_path_buf(),
                    line,
                    action,
                    key,
                    other,
                    other_line,
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyEventKind, KeyEventState};
    use std::collections::HashSet;

    /// Exhaustive on purpose: a new variant fails to compile here until it is counted.
    fn ordinal(action: Action) -> usize {
        match action {
            Action::Quit => 0,
            Action::Help => 1,
            Action::FocusNext => 2,
            Action::FocusPrev => 3,
            Action::FocusEvents => 4,
            Action::FocusWebhook => 5,
            Action::FocusTransform => 6,
            Action::FocusSegment => 7,
            Action::FocusLogs => 8,
            Action::Up => 9,
            Action::Down => 10,
            Action::Top => 11,
            Action::Bottom => 12,
            Action::HalfPageDown => 13,
            Action::HalfPageUp => 14,
            Action::Left => 15,
            Action::Right => 16,
            Action::Edit => 17,
            Action::ExternalEditor => 18,
            Action::ModifyBody => 19,
            Action::ModifyBodyExternal => 20,
            Action::ResetBody => 21,
            Action::Save => 22,
            Action::Diff => 23,
            Action::CopyPayload => 24,
            Action::CopyCurl => 25,
            Action::Filter => 26,
            Action::PickTransform => 27,
            Action::ToggleGroups => 28,
            Action::Rerun => 29,
            Action::Send => 30,
            Action::SendAll => 31,
            Action::CancelSend => 32,
            Action::WriteKey => 33,
            Action::Destination => 34,
            Action::PanelNext => 35,
            Action::PanelPrev => 36,
            Action::Listen => 37,
        }
    }
    const VARIANTS: usize = 38;

    fn key(text: &str) -> KeyCombo {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn event(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    fn binding(action: &str, keys: &[&str], line: usize) -> KeyBinding {
        KeyBinding {
            action: action.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            line,
        }
    }

    fn config_error(bindings: &[KeyBinding]) -> String {
        KeyMap::with_config(bindings, Path::new("config.toml"))
            .expect_err("should be refused")
            .to_string()
    }

    #[test]
    fn all_lists_every_variant_exactly_once() {
        let all = Action::all();
        assert_eq!(all.len(), VARIANTS);
        let mut seen = [false; VARIANTS];
        for &action in all {
            let i = ordinal(action);
            assert!(!seen[i], "{action:?} listed twice");
            seen[i] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn all_keeps_each_group_together_in_help_order() {
        let mut groups: Vec<&str> = Vec::new();
        for action in Action::all() {
            if groups.last() != Some(&action.group()) {
                assert!(
                    !groups.contains(&action.group()),
                    "{} split",
                    action.group()
                );
                groups.push(action.group());
            }
        }
        assert_eq!(
            groups,
            [
                "Navigation",
                "Focus",
                "Transformation",
                "Webhook",
                "Output",
                "Send",
                "Bottom panel",
                "Incoming",
                "App"
            ]
        );
    }

    #[test]
    fn names_round_trip_and_are_kebab_case() {
        let mut names = HashSet::new();
        for &action in Action::all() {
            let name = action.name();
            assert!(names.insert(name), "{name} used twice");
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{name}"
            );
            assert_eq!(Action::from_name(name), Some(action));
            assert!(!action.description().is_empty());
        }
        assert_eq!(Action::from_name("focus_next"), None);
        assert_eq!(Action::from_name("Quit"), None);
        assert_eq!(
            Action::CopyCurl.description(),
            "Copy the output as a curl command (write key masked)"
        );
    }

    #[test]
    fn defaults_give_every_action_a_key_and_no_key_twice() {
        let map = KeyMap::defaults();
        let mut seen: HashMap<KeyCombo, Action> = HashMap::new();
        for &action in Action::all() {
            let keys = map.keys(action);
            assert!(!keys.is_empty(), "{action} has no default key");
            for &k in keys {
                assert_eq!(k, KeyCombo::new(k.code, k.modifiers), "{k} not normalised");
                assert_ne!(k, CTRL_C);
                if let Some(other) = seen.insert(k, action) {
                    panic!("{k} bound to both {other} and {action}");
                }
                assert_eq!(map.action_for(k), Some(action));
            }
        }
    }

    #[test]
    fn default_keys_are_as_documented() {
        let map = KeyMap::defaults();
        for (action, text) in [
            (Action::Quit, "q"),
            (Action::Help, "?"),
            (Action::FocusNext, "tab"),
            (Action::FocusPrev, "shift-tab"),
            (Action::FocusEvents, "1"),
            (Action::FocusLogs, "5"),
            (Action::Up, "k / up"),
            (Action::Down, "j / down"),
            (Action::Top, "g / home"),
            (Action::Bottom, "G / end"),
            (Action::HalfPageDown, "ctrl-d / pgdn"),
            (Action::HalfPageUp, "ctrl-u / pgup"),
            (Action::Left, "h / left"),
            (Action::Right, "l / right"),
            (Action::Edit, "i / enter"),
            (Action::ExternalEditor, "e"),
            (Action::ModifyBody, "m"),
            (Action::ModifyBodyExternal, "M"),
            (Action::ResetBody, "r"),
            (Action::Save, "ctrl-s"),
            (Action::Diff, "d"),
            (Action::CopyPayload, "y"),
            (Action::CopyCurl, "Y"),
            (Action::Filter, "/"),
            (Action::PickTransform, "t"),
            (Action::ToggleGroups, "z"),
            (Action::Rerun, "R"),
            (Action::Send, "s"),
            (Action::SendAll, "S"),
            (Action::CancelSend, "x"),
            (Action::WriteKey, "K"),
            (Action::Destination, "D"),
            (Action::PanelNext, "]"),
            (Action::PanelPrev, "["),
            (Action::Listen, "L"),
        ] {
            assert_eq!(map.keys_text(action), text, "{action}");
        }
    }

    #[test]
    fn every_default_key_round_trips_through_text() {
        let map = KeyMap::defaults();
        for &action in Action::all() {
            for &k in map.keys(action) {
                let shown = k.to_string();
                assert_eq!(key(&shown), k, "{shown}");
            }
        }
    }

    #[test]
    fn odd_keys_round_trip_through_text() {
        for text in [
            "space",
            "ctrl-space",
            "-",
            "+",
            "ctrl--",
            "alt-+",
            "shift-enter",
            "ctrl-alt-x",
            "alt-G",
            "f1",
            "f12",
            "ctrl-f35",
            "backspace",
            "delete",
            "insert",
            "esc",
            "home",
            "end",
            "pgup",
            "pgdn",
            "ctrl-up",
            "shift-down",
            "super-k",
            "hyper-k",
            "meta-k",
            "é",
            "É",
            "ß",
            "#",
            "\"",
            "'",
            "\\",
            "[",
            "0",
        ] {
            let k = key(text);
            let shown = k.to_string();
            assert_eq!(key(&shown), k, "{text} → {shown}");
        }
    }

    #[test]
    fn text_forms_are_lenient_about_case_and_separators() {
        assert_eq!(key("Ctrl-S"), key("ctrl-s"));
        assert_eq!(key("ctrl+s"), key("ctrl-s"));
        assert_eq!(key("C-s"), key("ctrl-s"));
        assert_eq!(key("CONTROL-s"), key("ctrl-s"));
        assert_eq!(key("ctrl-S"), key("ctrl-s"));
        assert_eq!(key("ctrl-shift-s"), key("ctrl-s"));
        assert_eq!(key("shift-g"), key("G"));
        assert_eq!(key("S-Tab"), key("shift-tab"));
        assert_eq!(key("BackTab"), key("shift-tab"));
        assert_eq!(key("shift-?"), key("?"));
        assert_eq!(key("PageDown"), key("pgdn"));
        assert_eq!(key("Return"), key("enter"));
        assert_eq!(key(" "), key("space"));
        assert_eq!(key(" q "), key("q"));
        assert_ne!(key("G"), key("g"));
        assert_eq!(key("G").to_string(), "G");
        assert_eq!(key("ctrl-S").to_string(), "ctrl-s");
        assert_eq!(key("alt-x").to_string(), "alt-x");
        assert_eq!(key("shift-tab").to_string(), "shift-tab");
        assert_eq!(key("F1").to_string(), "f1");
    }

    #[test]
    fn bad_key_text_says_what_is_wrong() {
        for (text, expected) in [
            ("", "is not a key"),
            ("   ", "is not a key"),
            ("pgupp", "unknown key \"pgupp\"; did you mean pgup"),
            (
                "ctrl-pgupp",
                "\"ctrl-pgupp\": unknown key \"pgupp\"; did you mean pgup",
            ),
            ("page-down", "did you mean pgdn?"),
            ("hello", "unknown key \"hello\""),
            ("ctrl-", "a key must follow \"ctrl\""),
            ("ctrl-ctrl-s", "given twice"),
            ("cmd-s", "\"cmd\" is not a modifier"),
            ("f0", "f1 to f35"),
            ("f99", "f1 to f35"),
            ("f999", "f1 to f35"),
        ] {
            let err = text.parse::<KeyCombo>().expect_err(text);
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn terminal_reports_of_the_same_key_compare_equal() {
        let map = KeyMap::defaults();
        // 'G' with SHIFT (most terminals), without it (some), and 'g' with SHIFT (kitty-style).
        for (code, modifiers) in [
            (KeyCode::Char('G'), KeyModifiers::SHIFT),
            (KeyCode::Char('G'), KeyModifiers::NONE),
            (KeyCode::Char('g'), KeyModifiers::SHIFT),
        ] {
            let e = event(code, modifiers);
            assert_eq!(KeyCombo::from_event(&e), key("G"));
            assert_eq!(map.action(&e), Some(Action::Bottom));
        }
        for modifiers in [KeyModifiers::SHIFT, KeyModifiers::NONE] {
            let e = event(KeyCode::BackTab, modifiers);
            assert_eq!(KeyCombo::from_event(&e), key("shift-tab"));
            assert_eq!(map.action(&e), Some(Action::FocusPrev));
        }
        let e = event(KeyCode::Tab, KeyModifiers::SHIFT);
        assert_eq!(map.action(&e), Some(Action::FocusPrev));
        let e = event(
            KeyCode::Char('S'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        );
        assert_eq!(KeyCombo::from_event(&e), key("ctrl-s"));
        assert_eq!(map.action(&e), Some(Action::Save));
        let e = event(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(map.action(&e), Some(Action::Help));
        // Releases and repeats map like presses; the caller filters them.
        let mut e = event(KeyCode::Char('q'), KeyModifiers::NONE);
        e.kind = KeyEventKind::Release;
        assert_eq!(map.action(&e), Some(Action::Quit));
        // Modifiers that are not part of a binding keep the key unbound.
        let e = event(KeyCode::Char('q'), KeyModifiers::ALT);
        assert_eq!(map.action(&e), None);
    }

    #[test]
    fn config_entry_replaces_all_default_keys_of_its_action() {
        let map = KeyMap::with_config(
            &[
                binding("quit", &["ctrl-q"], 2),
                binding("up", &["w", "up"], 3),
            ],
            Path::new("config.toml"),
        )
        .expect("valid");
        let q = event(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(map.action(&q), None);
        let ctrl_q = event(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(map.action(&ctrl_q), Some(Action::Quit));
        assert_eq!(map.keys(Action::Quit), &[key("ctrl-q")]);
        assert_eq!(map.keys_text(Action::Up), "w / up");
        assert_eq!(
            map.action(&event(KeyCode::Char('k'), KeyModifiers::NONE)),
            None
        );
        // Untouched actions keep their defaults.
        assert_eq!(map.keys_text(Action::Down), "j / down");
    }

    #[test]
    fn swapping_two_actions_keys_is_allowed() {
        let map = KeyMap::with_config(
            &[binding("up", &["j"], 4), binding("down", &["k"], 5)],
            Path::new("config.toml"),
        )
        .expect("valid");
        assert_eq!(
            map.action(&event(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Up)
        );
        assert_eq!(
            map.action(&event(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
    }

    #[test]
    fn unknown_action_names_line_and_suggests() {
        let err = config_error(&[binding("quitt", &["q"], 7)]);
        assert_eq!(
            err,
            "config.toml line 7: [keys] quitt: unknown action; did you mean quit?"
        );
        let err = config_error(&[binding("zzzzzz", &["q"], 3)]);
        assert!(
            err.starts_with("config.toml line 3: [keys] zzzzzz: unknown action; the actions are"),
            "{err}"
        );
        assert!(err.contains("half-page-down"), "{err}");
    }

    #[test]
    fn invalid_key_names_line() {
        let err = config_error(&[binding("save", &["ctrl-s", "ctrl-"], 4)]);
        assert_eq!(
            err,
            "config.toml line 4: [keys] save: \"ctrl-\": a key must follow \"ctrl\""
        );
    }

    #[test]
    fn empty_key_list_names_line_and_default() {
        let err = config_error(&[binding("up", &[], 9)]);
        assert_eq!(
            err,
            "config.toml line 9: [keys] up: the key list is empty; remove the line to keep the default (k / up)"
        );
    }

    #[test]
    fn ctrl_c_is_refused_in_any_spelling() {
        for text in ["ctrl-c", "C-c", "Ctrl+C", "ctrl-shift-c"] {
            let err = config_error(&[binding("help", &["f1", text], 5)]);
            assert_eq!(
                err,
                format!(
                    "config.toml line 5: [keys] help: {text:?} is ctrl-c, which is reserved: it always quits"
                )
            );
        }
    }

    #[test]
    fn a_key_listed_twice_in_one_entry_is_refused() {
        let err = config_error(&[binding("save", &["ctrl-s", "ctrl-S"], 6)]);
        assert_eq!(
            err,
            "config.toml line 6: [keys] save: ctrl-s is listed twice"
        );
    }

    #[test]
    fn an_action_given_twice_is_refused() {
        let err = config_error(&[binding("save", &["ctrl-s"], 8), binding("save", &["w"], 2)]);
        assert_eq!(
            err,
            "config.toml line 8: [keys] save is already bound on line 2"
        );
    }

    #[test]
    fn clash_with_a_remaining_default_names_both_actions() {
        let err = config_error(&[binding("up", &["j"], 3)]);
        assert_eq!(
            err,
            "config.toml line 3: [keys] up: j is also bound to down by default; give down other keys as well"
        );
    }

    #[test]
    fn clash_between_two_entries_is_reported_on_the_later_line() {
        // `down` sorts first in the action table but is written later in the file.
        let err = config_error(&[binding("down", &["x"], 12), binding("up", &["x"], 10)]);
        assert_eq!(
            err,
            "config.toml line 12: [keys] down: x is also bound to up on line 10"
        );
        // The earliest of several clashes is the one reported.
        let err = config_error(&[binding("quit", &["j"], 20), binding("diff", &["k"], 15)]);
        assert!(
            err.starts_with("config.toml line 15: [keys] diff: k"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_given_path() {
        let err = KeyMap::with_config(
            &[binding("quitt", &["q"], 2)],
            Path::new("/home/me/.config/hookbench/config.toml"),
        )
        .expect_err("unknown action");
        assert!(
            err.to_string()
                .starts_with("/home/me/.config/hookbench/config.toml line 2:"),
            "{err}"
        );
        assert_eq!(err.line(), 2);
    }
}
