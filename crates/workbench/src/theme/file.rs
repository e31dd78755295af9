//! The theme file format: TOML with `base =`, `syntax =`, `[colors]` and `[scopes]`, parsed and
//! checked into plain values. Every problem is a [`ThemeError`] naming the file and, where there
//! is one, the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use hookbench_core::text::line_of;
use ratatui::style::Color;
use serde::Deserialize;
use syntect::highlighting::{
    Color as SyntectColor, FontStyle, ScopeSelectors, StyleModifier, ThemeItem,
};
use toml::Spanned;

use super::palette::{ROLE_COUNT, Role};
use super::{SYNTECT_THEMES, ThemeError};

/// A theme file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct ThemeFile {
    /// A built-in theme filling in whatever this file leaves out.
    pub(super) base: Option<Spanned<String>>,
    pub(super) syntax: Option<Spanned<String>>,
    pub(super) colors: ColorsFile,
    /// Extra syntect rules: scope selector = "#rrggbb" and/or bold, italic, underline.
    pub(super) scopes: BTreeMap<String, Spanned<String>>,
}

/// `[colors]` as written; None where the file sets nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct ColorsFile {
    text: Option<Spanned<String>>,
    dim: Option<Spanned<String>>,
    accent: Option<Spanned<String>>,
    border: Option<Spanned<String>>,
    border_focused: Option<Spanned<String>>,
    selection_bg: Option<Spanned<String>>,
    error: Option<Spanned<String>>,
    warning: Option<Spanned<String>>,
    info: Option<Spanned<String>>,
    ok: Option<Spanned<String>>,
    diff_added: Option<Spanned<String>>,
    diff_removed: Option<Spanned<String>>,
    status_bg: Option<Spanned<String>>,
    status_fg: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    line_number: Option<Spanned<String>>,
    key_hint: Option<Spanned<String>>,
}

impl ColorsFile {
    pub(super) fn get(&self, role: Role) -> Option<&Spanned<String>> {
        match role {
            Role::Text => self.text.as_ref(),
            Role::Dim => self.dim.as_ref(),
            Role::Accent => self.accent.as_ref(),
            Role::Border => self.border.as_ref(),
            Role::BorderFocused => self.border_focused.as_ref(),
            Role::SelectionBg => self.selection_bg.as_ref(),
            Role::Error => self.error.as_ref(),
            Role::Warning => self.warning.as_ref(),
            Role::Info => self.info.as_ref(),
            Role::Ok => self.ok.as_ref(),
            Role::DiffAdded => self.diff_added.as_ref(),
            Role::DiffRemoved => self.diff_removed.as_ref(),
            Role::StatusBg => self.status_bg.as_ref(),
            Role::StatusFg => self.status_fg.as_ref(),
            Role::Title => self.title.as_ref(),
            Role::LineNumber => self.line_number.as_ref(),
            Role::KeyHint => self.key_hint.as_ref(),
        }
    }
}

/// Where a theme's syntect theme comes from, kept for messages and for finding a .tmTheme.
#[derive(Debug, Clone)]
pub(super) struct SyntaxSpec {
    pub(super) name: String,
    pub(super) line: usize,
    /// The theme file that names it.
    pub(super) path: PathBuf,
    /// The folder a .tmTheme is looked for in; None for built-ins.
    pub(super) dir: Option<PathBuf>,
}

/// One theme file, parsed and checked, before it is layered over its base.
pub(super) struct Parsed {
    pub(super) path: PathBuf,
    pub(super) base: Option<(String, usize)>,
    pub(super) syntax: Option<SyntaxSpec>,
    pub(super) colors: [Option<Color>; ROLE_COUNT],
    pub(super) scopes: Vec<ThemeItem>,
}

/// Parses and checks one theme file: TOML, colours, scope rules, base and syntax names.
pub(super) fn parse(text: &str, path: &Path, dir: Option<&Path>) -> Result<Parsed, ThemeError> {
    let file: ThemeFile = toml::from_str(text).map_err(|e| ThemeError::Toml {
        path: path.to_path_buf(),
        message: hookbench_core::config::describe_toml_error(text, &e),
    })?;

    let mut colors = [None; ROLE_COUNT];
    for role in Role::ALL {
        if let Some(value) = file.colors.get(role) {
            let color = parse_color(value.get_ref()).ok_or_else(|| ThemeError::BadColor {
                path: path.to_path_buf(),
                line: line_of(text, value.span().start),
                role: role.name().to_string(),
                value: value.get_ref().clone(),
            })?;
            colors[role as usize] = Some(color);
        }
    }

    let mut scopes = Vec::with_capacity(file.scopes.len());
    for (selector, value) in &file.scopes {
        let bad = |message: String| ThemeError::BadScope {
            path: path.to_path_buf(),
            line: line_of(text, value.span().start),
            selector: selector.clone(),
            value: value.get_ref().clone(),
            message,
        };
        let scope = ScopeSelectors::from_str(selector)
            .map_err(|e| bad(format!("not a scope selector: {e}")))?;
        let style = parse_scope_style(value.get_ref()).map_err(bad)?;
        scopes.push(ThemeItem { scope, style });
    }

    let base = file
        .base
        .map(|b| (b.get_ref().clone(), line_of(text, b.span().start)));

    let syntax = match file.syntax {
        None => None,
        Some(s) => {
            let spec = SyntaxSpec {
                name: s.get_ref().clone(),
                line: line_of(text, s.span().start),
                path: path.to_path_buf(),
                dir: dir.map(Path::to_path_buf),
            };
            // Checked here, cheaply, so a bad name fails even when colours are off.
            let known = SYNTECT_THEMES.contains(&spec.name.as_str())
                || (!spec.name.is_empty()
                    && spec
                        .dir
                        .as_ref()
                        .is_some_and(|d| d.join(&spec.name).is_file()));
            if !known {
                return Err(unknown_syntax(&spec));
            }
            Some(spec)
        }
    };

    Ok(Parsed {
        path: path.to_path_buf(),
        base,
        syntax,
        colors,
        scopes,
    })
}

pub(super) fn unknown_syntax(spec: &SyntaxSpec) -> ThemeError {
    ThemeError::UnknownSyntax {
        path: spec.path.clone(),
        line: spec.line,
        name: spec.name.clone(),
        dir: spec.dir.clone(),
    }
}

/// A ratatui colour string: a name, `#rrggbb` or a palette index.
fn parse_color(value: &str) -> Option<Color> {
    Color::from_str(value.trim()).ok()
}

/// `"#rrggbb"` and/or the words bold, italic, underline. syntect works in RGB, so named colours
/// do not apply here.
fn parse_scope_style(value: &str) -> Result<StyleModifier, String> {
    let mut style = StyleModifier::default();
    let mut font = FontStyle::empty();
    for word in value.split_whitespace() {
        match word.to_ascii_lowercase().as_str() {
            "bold" => font |= FontStyle::BOLD,
            "italic" => font |= FontStyle::ITALIC,
            "underline" => font |= FontStyle::UNDERLINE,
            _ => match Color::from_str(word) {
                Ok(Color::Rgb(r, g, b)) if word.starts_with('#') => {
                    style.foreground = Some(SyntectColor { r, g, b, a: 0xff });
                }
                _ => {
                    return Err(format!(
                        "{word:?} is neither \"#rrggbb\" nor bold, italic or underline"
                    ));
                }
            },
        }
    }
    if style.foreground.is_none() && font.is_empty() {
        return Err("expected \"#rrggbb\" and/or bold, italic, underline".to_string());
    }
    if !font.is_empty() {
        style.font_style = Some(font);
    }
    Ok(style)
}
