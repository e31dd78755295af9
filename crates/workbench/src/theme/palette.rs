//! The palette: the UI roles a theme colours, how an unset role falls back to another, and the
//! ratatui styles drawn with. Knows nothing of the file format.

use ratatui::style::{Color, Modifier, Style};

/// ratatui Styles for each UI role, ready to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub border: Style,
    /// Bold as well as coloured, so focus shows even in a monochrome terminal.
    pub border_focused: Style,
    pub title: Style,
    pub title_focused: Style,
    /// List row / cursor line highlight: `selection_bg` as background, or reverse video when that
    /// is `reset` or colours are off.
    pub selection: Style,
    pub error: Style,
    pub warning: Style,
    pub info: Style,
    pub ok: Style,
    pub diff_added: Style,
    pub diff_removed: Style,
    /// The status bar: `status_fg` on `status_bg`, or reverse video when that is `reset` or
    /// colours are off.
    pub status: Style,
    pub line_number: Style,
    /// Keys shown in the help and the status bar (bold).
    pub key_hint: Style,
}

/// The UI roles a theme file colours. Derived roles (title, line_number, key_hint) default to
/// another role's colour, so a short theme still looks coherent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Text,
    Dim,
    Accent,
    Border,
    BorderFocused,
    SelectionBg,
    Error,
    Warning,
    Info,
    Ok,
    DiffAdded,
    DiffRemoved,
    StatusBg,
    StatusFg,
    Title,
    LineNumber,
    KeyHint,
}

pub(super) const ROLE_COUNT: usize = 17;

/// What an unset role becomes.
pub(super) enum Fallback {
    Color(Color),
    Role(Role),
}

impl Role {
    /// In resolution order: a derived role comes after the role it falls back to.
    pub(super) const ALL: [Role; ROLE_COUNT] = [
        Role::Text,
        Role::Dim,
        Role::Accent,
        Role::Border,
        Role::BorderFocused,
        Role::SelectionBg,
        Role::Error,
        Role::Warning,
        Role::Info,
        Role::Ok,
        Role::DiffAdded,
        Role::DiffRemoved,
        Role::StatusBg,
        Role::StatusFg,
        Role::Title,
        Role::LineNumber,
        Role::KeyHint,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Role::Text => "text",
            Role::Dim => "dim",
            Role::Accent => "accent",
            Role::Border => "border",
            Role::BorderFocused => "border_focused",
            Role::SelectionBg => "selection_bg",
            Role::Error => "error",
            Role::Warning => "warning",
            Role::Info => "info",
            Role::Ok => "ok",
            Role::DiffAdded => "diff_added",
            Role::DiffRemoved => "diff_removed",
            Role::StatusBg => "status_bg",
            Role::StatusFg => "status_fg",
            Role::Title => "title",
            Role::LineNumber => "line_number",
            Role::KeyHint => "key_hint",
        }
    }

    /// Defaults use the terminal's own 16 colours, which its colour scheme keeps readable on
    /// whatever background it has.
    pub(super) fn fallback(self) -> Fallback {
        match self {
            Role::Text => Fallback::Color(Color::Reset),
            Role::Dim | Role::Border => Fallback::Color(Color::DarkGray),
            Role::Accent | Role::BorderFocused => Fallback::Color(Color::Cyan),
            Role::SelectionBg => Fallback::Color(Color::Reset),
            Role::Error | Role::DiffRemoved => Fallback::Color(Color::Red),
            Role::Warning => Fallback::Color(Color::Yellow),
            Role::Info => Fallback::Color(Color::Blue),
            Role::Ok | Role::DiffAdded => Fallback::Color(Color::Green),
            Role::StatusBg => Fallback::Color(Color::Gray),
            Role::StatusFg => Fallback::Color(Color::Black),
            Role::Title => Fallback::Role(Role::Text),
            Role::LineNumber => Fallback::Role(Role::Dim),
            Role::KeyHint => Fallback::Role(Role::Accent),
        }
    }
}

impl Palette {
    pub(super) fn new(colors: &[Color; ROLE_COUNT], no_color: bool) -> Palette {
        let c = |role: Role| colors[role as usize];
        let fg = |role: Role| Style::new().fg(c(role));
        let bold = Modifier::BOLD;
        let selection = match c(Role::SelectionBg) {
            Color::Reset => Style::new().add_modifier(Modifier::REVERSED),
            bg => Style::new().bg(bg),
        };
        let status = match c(Role::StatusBg) {
            Color::Reset => Style::new().add_modifier(Modifier::REVERSED),
            bg => Style::new().fg(c(Role::StatusFg)).bg(bg),
        };
        let palette = Palette {
            text: fg(Role::Text),
            dim: fg(Role::Dim),
            accent: fg(Role::Accent),
            border: fg(Role::Border),
            border_focused: fg(Role::BorderFocused).add_modifier(bold),
            title: fg(Role::Title),
            title_focused: fg(Role::BorderFocused).add_modifier(bold),
            selection,
            error: fg(Role::Error),
            warning: fg(Role::Warning),
            info: fg(Role::Info),
            ok: fg(Role::Ok),
            diff_added: fg(Role::DiffAdded),
            diff_removed: fg(Role::DiffRemoved),
            status,
            line_number: fg(Role::LineNumber),
            key_hint: fg(Role::KeyHint).add_modifier(bold),
        };
        if no_color {
            palette.without_colors()
        } else {
            palette
        }
    }

    /// Modifiers only; the selection and the status bar fall back to reverse video so they still
    /// stand out.
    fn without_colors(self) -> Palette {
        let strip = |s: Style| {
            Style::new()
                .add_modifier(s.add_modifier)
                .remove_modifier(s.sub_modifier)
        };
        let reversed = |s: Style| strip(s).add_modifier(Modifier::REVERSED);
        Palette {
            text: strip(self.text),
            dim: strip(self.dim),
            accent: strip(self.accent),
            border: strip(self.border),
            border_focused: strip(self.border_focused),
            title: strip(self.title),
            title_focused: strip(self.title_focused),
            selection: reversed(self.selection),
            error: strip(self.error),
            warning: strip(self.warning),
            info: strip(self.info),
            ok: strip(self.ok),
            diff_added: strip(self.diff_added),
            diff_removed: strip(self.diff_removed),
            status: reversed(self.status),
            line_number: strip(self.line_number),
            key_hint: strip(self.key_hint),
        }
    }
}

/// Each role's colour: the first layer that sets it, else its fallback.
pub(super) fn resolve_colors(layers: &[[Option<Color>; ROLE_COUNT]]) -> [Color; ROLE_COUNT] {
    let mut out = [Color::Reset; ROLE_COUNT];
    for role in Role::ALL {
        let set = layers.iter().find_map(|layer| layer[role as usize]);
        out[role as usize] = match (set, role.fallback()) {
            (Some(color), _) => color,
            (None, Fallback::Color(color)) => color,
            // Role::ALL orders derived roles after their source, so it is resolved already.
            (None, Fallback::Role(source)) => out[source as usize],
        };
    }
    out
}
