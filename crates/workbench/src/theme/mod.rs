//! Colour themes. A theme is a TOML file naming a colour per UI role and a syntect theme for code,
//! so users restyle the workbench without rebuilding it. The built-ins (`themes/*.toml` in the
//! repository) are compiled in; users' themes live in `<config dir>/hookbench/themes/` or anywhere
//! a path points to. Every problem in a theme file is an error naming the file and, where there is
//! one, the line: a silently ignored typo would leave the user guessing.

pub mod contrast;
mod file;
mod palette;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{Dir, include_dir};
use syntect::highlighting::{ThemeItem, ThemeSet};

use file::{SyntaxSpec, parse, unknown_syntax};
pub use palette::Palette;
use palette::{ROLE_COUNT, resolve_colors};

use hookbench_core::suggest::did_you_mean;
use hookbench_core::text::error_chain_deduplicated;

/// The built-in themes. `include_dir!` embeds each file with `include_bytes!`, so editing one
/// rebuilds the crate; a newly added file is only seen once this module is recompiled, because
/// build.rs watches `fixtures/` alone.
static BUILTIN_THEMES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../themes");

/// The names syntect's `ThemeSet::load_defaults` provides, so a name can be checked without
/// loading the set (a test keeps this list in step with syntect).
pub const SYNTECT_THEMES: [&str; 7] = [
    "InspiredGitHub",
    "Solarized (dark)",
    "Solarized (light)",
    "base16-eighties.dark",
    "base16-mocha.dark",
    "base16-ocean.dark",
    "base16-ocean.light",
];

/// The syntect theme of a theme file that names none and has no `base`.
const DEFAULT_SYNTAX: &str = "base16-ocean.dark";

/// A loaded theme, ready to draw with.
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    pub palette: Palette,
    /// The syntect theme used for code; None when colours are off.
    pub syntax: Option<Arc<syntect::highlighting::Theme>>,
}

/// A theme that cannot be used. Each names the file and what is wrong in it.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error(
        "unknown theme {name:?}{}; built-in themes: {}; {}",
        unknown_theme_hint(.suggestions),
        .builtins.join(", "),
        user_themes_hint(.user_dir.as_deref(), .user_themes)
    )]
    Unknown {
        name: String,
        /// Closest known names, best first.
        suggestions: Vec<String>,
        builtins: Vec<String>,
        /// Where `<name>.toml` was looked for, if anywhere.
        user_dir: Option<PathBuf>,
        /// Themes found in `user_dir`.
        user_themes: Vec<String>,
    },
    #[error("cannot read theme file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("theme file {}: {message}", path.display())]
    Toml { path: PathBuf, message: String },
    #[error(
        "theme file {}, line {line}: colors.{role} = {value:?} is not a colour (use a name such as red, lightblue, darkgray or reset, \"#rrggbb\", or an index 0-255)",
        path.display()
    )]
    BadColor {
        path: PathBuf,
        line: usize,
        role: String,
        value: String,
    },
    #[error(
        "theme file {}, line {line}: scopes {selector:?} = {value:?}: {message}",
        path.display()
    )]
    BadScope {
        path: PathBuf,
        line: usize,
        selector: String,
        value: String,
        message: String,
    },
    #[error(
        "theme file {}, line {line}: base {name:?} is not a built-in theme ({})",
        path.display(),
        .builtins.join(", ")
    )]
    UnknownBase {
        path: PathBuf,
        line: usize,
        name: String,
        builtins: Vec<String>,
    },
    #[error(
        "theme file {}, line {line}: unknown syntax theme {name:?}: not one of syntect's ({}){}",
        path.display(),
        SYNTECT_THEMES.join(", "),
        tm_theme_hint(.dir.as_deref(), .name)
    )]
    UnknownSyntax {
        path: PathBuf,
        line: usize,
        name: String,
        /// The folder a .tmTheme would be looked for in (None for built-in themes).
        dir: Option<PathBuf>,
    },
    #[error("theme file {}: syntax theme {}: {message}", path.display(), tm_theme.display())]
    BadTmTheme {
        path: PathBuf,
        tm_theme: PathBuf,
        message: String,
    },
}

fn unknown_theme_hint(suggestions: &[String]) -> String {
    did_you_mean(suggestions, ", ")
        .map(|hint| format!(" ({hint})"))
        .unwrap_or_default()
}

fn user_themes_hint(dir: Option<&Path>, found: &[String]) -> String {
    match dir {
        None => "no user theme folder is known".to_string(),
        Some(dir) if found.is_empty() => {
            format!("user themes go in {} (none found)", dir.display())
        }
        Some(dir) => format!("user themes in {}: {}", dir.display(), found.join(", ")),
    }
}

fn tm_theme_hint(dir: Option<&Path>, name: &str) -> String {
    match dir {
        Some(dir) => format!(" and no file {}", dir.join(name).display()),
        None => ", and built-in themes cannot use .tmTheme files".to_string(),
    }
}

impl Theme {
    /// Names of the built-in themes ("dark", "light"), sorted.
    pub fn builtin_names() -> Vec<&'static str> {
        let mut names: Vec<&'static str> = BUILTIN_THEMES
            .files()
            .filter(|f| f.path().extension() == Some(OsStr::new("toml")))
            .filter_map(|f| f.path().file_stem().and_then(OsStr::to_str))
            .collect();
        names.sort_unstable();
        names
    }

    /// `spec` is a built-in name, a name found as `<user_dir>/<spec>.toml`, or a path to a .toml
    /// file (anything with a path separator or ending in `.toml`). Built-in names win over user
    /// themes of the same name. `user_dir` is normally `<config dir>/hookbench/themes`. With
    /// `no_color`, every Style keeps only modifiers (bold, reversed, underlined…) and `syntax` is
    /// None; the file is still checked in full so a theme does not break when colours come back.
    pub fn load(spec: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Theme, ThemeError> {
        if let Some(text) = builtin_text(spec) {
            return Theme::from_text(spec, text, &builtin_path(spec), None, no_color);
        }
        let looks_like_path = spec.contains('/')
            || spec.contains(std::path::MAIN_SEPARATOR)
            || spec.ends_with(".toml");
        if looks_like_path {
            let path = Path::new(spec);
            let name = path
                .file_stem()
                .map_or_else(|| spec.to_string(), |s| s.to_string_lossy().into_owned());
            return Theme::from_file(&name, path, no_color);
        }
        if let Some(dir) = user_dir {
            let path = dir.join(format!("{spec}.toml"));
            if path.is_file() {
                return Theme::from_file(spec, &path, no_color);
            }
        }
        Err(unknown_theme(spec, user_dir))
    }

    /// The built-in dark theme (cannot fail; used by tests and as the default). Should the
    /// compiled-in file ever be broken (the tests guard against it), the terminal-colour defaults
    /// stand in.
    pub fn default_dark(no_color: bool) -> Theme {
        let loaded = builtin_text("dark")
            .ok_or_else(|| unknown_theme("dark", None))
            .and_then(|text| Theme::from_text("dark", text, &builtin_path("dark"), None, no_color));
        match loaded {
            Ok(theme) => theme,
            Err(_) => {
                let colors = resolve_colors(&[[None; ROLE_COUNT]]);
                let syntax = if no_color {
                    None
                } else {
                    ThemeSet::load_defaults()
                        .themes
                        .remove(DEFAULT_SYNTAX)
                        .map(Arc::new)
                };
                Theme {
                    name: "dark".to_string(),
                    palette: Palette::new(&colors, no_color),
                    syntax,
                }
            }
        }
    }

    /// True when the NO_COLOR convention asks for no colour: the variable is set and non-empty
    /// (https://no-color.org). Takes the value so it is testable without touching the process env.
    pub fn no_color_requested(value: Option<&OsStr>) -> bool {
        value.is_some_and(|v| !v.is_empty())
    }

    fn from_file(name: &str, path: &Path, no_color: bool) -> Result<Theme, ThemeError> {
        let text = std::fs::read_to_string(path).map_err(|source| ThemeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        // A .tmTheme is looked for beside the TOML file.
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Theme::from_text(name, &text, path, Some(&dir), no_color)
    }

    /// Parses, layers over the base (if any) and loads the syntect theme. `dir` is where a
    /// .tmTheme may be; None for built-ins, which may only name syntect's themes.
    fn from_text(
        name: &str,
        text: &str,
        path: &Path,
        dir: Option<&Path>,
        no_color: bool,
    ) -> Result<Theme, ThemeError> {
        let parsed = parse(text, path, dir)?;
        let base = match &parsed.base {
            None => None,
            Some((base_name, line)) => {
                let text = builtin_text(base_name).ok_or_else(|| ThemeError::UnknownBase {
                    path: parsed.path.clone(),
                    line: *line,
                    name: base_name.clone(),
                    builtins: builtin_strings(),
                })?;
                // One level only: a base's own `base` is not followed.
                Some(parse(text, &builtin_path(base_name), None)?)
            }
        };
        let mut layers = vec![parsed.colors];
        if let Some(b) = &base {
            layers.push(b.colors);
        }
        let colors = resolve_colors(&layers);

        let syntax = if no_color {
            None
        } else {
            let spec = parsed
                .syntax
                .clone()
                .or_else(|| base.as_ref().and_then(|b| b.syntax.clone()))
                .unwrap_or_else(|| SyntaxSpec {
                    name: DEFAULT_SYNTAX.to_string(),
                    line: 1,
                    path: parsed.path.clone(),
                    dir: None,
                });
            let mut rules = base.map(|b| b.scopes).unwrap_or_default();
            rules.extend(parsed.scopes);
            Some(Arc::new(load_syntax(&spec, rules)?))
        };
        Ok(Theme {
            name: name.to_string(),
            palette: Palette::new(&colors, no_color),
            syntax,
        })
    }
}

fn builtin_text(name: &str) -> Option<&'static str> {
    if !Theme::builtin_names().contains(&name) {
        return None;
    }
    BUILTIN_THEMES
        .get_file(format!("{name}.toml"))
        .and_then(|f| f.contents_utf8())
}

/// How a built-in theme is named in messages: its place in the repository.
fn builtin_path(name: &str) -> PathBuf {
    PathBuf::from(format!("themes/{name}.toml"))
}

fn builtin_strings() -> Vec<String> {
    Theme::builtin_names()
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn unknown_theme(name: &str, user_dir: Option<&Path>) -> ThemeError {
    let builtins = builtin_strings();
    let user_themes = user_dir.map(list_user_themes).unwrap_or_default();
    let candidates = builtins.iter().chain(&user_themes).map(String::as_str);
    ThemeError::Unknown {
        name: name.to_string(),
        suggestions: hookbench_core::suggest::closest_names(name, candidates, 3),
        builtins,
        user_dir: user_dir.map(Path::to_path_buf),
        user_themes,
    }
}

/// The `*.toml` stems in `dir`, sorted; an unreadable folder lists nothing, since this only
/// feeds a hint.
fn list_user_themes(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension() == Some(OsStr::new("toml")) && p.is_file())
        .filter_map(|p| p.file_stem().and_then(OsStr::to_str).map(str::to_string))
        .collect();
    names.sort();
    names
}

/// Loads the syntect theme and appends the file's extra scope rules, which win ties because
/// they come last.
fn load_syntax(
    spec: &SyntaxSpec,
    rules: Vec<ThemeItem>,
) -> Result<syntect::highlighting::Theme, ThemeError> {
    let mut theme = if SYNTECT_THEMES.contains(&spec.name.as_str()) {
        // Loaded only here, when a theme needs it: the whole set takes about 1 ms (release).
        ThemeSet::load_defaults()
            .themes
            .remove(&spec.name)
            .ok_or_else(|| unknown_syntax(spec))?
    } else {
        let Some(dir) = &spec.dir else {
            return Err(unknown_syntax(spec));
        };
        let file = dir.join(&spec.name);
        ThemeSet::get_theme(&file).map_err(|e| ThemeError::BadTmTheme {
            path: spec.path.clone(),
            tm_theme: file.clone(),
            // syntect's outer messages alone ("Invalid syntax theme") do not say what is wrong.
            message: error_chain_deduplicated(&e),
        })?
    };
    theme.scopes.extend(rules);
    Ok(theme)
}

#[cfg(test)]
mod tests {
    use super::file::ThemeFile;
    use super::palette::Role;
    use super::*;
    use ratatui::style::{Color, Modifier, Style};
    use std::fs;
    use syntect::highlighting::FontStyle;

    fn is_colorless(s: Style) -> bool {
        matches!(s.fg, None | Some(Color::Reset)) && matches!(s.bg, None | Some(Color::Reset))
    }

    fn all_styles(p: &Palette) -> [Style; ROLE_COUNT] {
        [
            p.text,
            p.dim,
            p.accent,
            p.border,
            p.border_focused,
            p.title,
            p.title_focused,
            p.selection,
            p.error,
            p.warning,
            p.info,
            p.ok,
            p.diff_added,
            p.diff_removed,
            p.status,
            p.line_number,
            p.key_hint,
        ]
    }

    #[test]
    fn builtins_are_dark_and_light() {
        assert_eq!(Theme::builtin_names(), vec!["dark", "light"]);
    }

    #[test]
    fn both_builtins_load_with_distinct_palettes() {
        let dark = Theme::load("dark", None, false).expect("dark loads");
        let light = Theme::load("light", None, false).expect("light loads");
        assert_eq!(dark.name, "dark");
        assert_eq!(light.name, "light");
        assert_ne!(dark.palette, light.palette);
        assert!(dark.syntax.is_some() && light.syntax.is_some());
        assert_eq!(dark.palette, Theme::default_dark(false).palette);
        assert!(
            dark.palette
                .border_focused
                .add_modifier
                .contains(Modifier::BOLD)
        );
        assert_eq!(
            dark.palette.text.bg, None,
            "text leaves the background alone"
        );
    }

    #[test]
    fn builtins_set_every_role() {
        for name in Theme::builtin_names() {
            let text = builtin_text(name).expect("built-in text");
            let file: ThemeFile = toml::from_str(text).expect("built-in parses");
            for role in Role::ALL {
                assert!(
                    file.colors.get(role).is_some(),
                    "{name} sets {}",
                    role.name()
                );
            }
            assert!(file.base.is_none(), "{name} stands alone");
        }
    }

    #[test]
    fn syntect_theme_list_matches_syntect() {
        let set = ThemeSet::load_defaults();
        let names: Vec<&str> = set.themes.keys().map(String::as_str).collect();
        assert_eq!(names, SYNTECT_THEMES.to_vec());
    }

    #[test]
    fn no_color_keeps_only_modifiers() {
        for name in Theme::builtin_names() {
            let theme = Theme::load(name, None, true).expect("loads");
            assert!(theme.syntax.is_none());
            for style in all_styles(&theme.palette) {
                assert!(is_colorless(style), "{name}: {style:?}");
            }
            let p = &theme.palette;
            assert!(p.border_focused.add_modifier.contains(Modifier::BOLD));
            assert!(p.key_hint.add_modifier.contains(Modifier::BOLD));
            assert!(p.selection.add_modifier.contains(Modifier::REVERSED));
            assert!(p.status.add_modifier.contains(Modifier::REVERSED));
        }
        let fallback = Theme::default_dark(true);
        assert!(fallback.syntax.is_none());
        assert!(all_styles(&fallback.palette).into_iter().all(is_colorless));
    }

    #[test]
    fn a_partial_user_theme_gets_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(
            dir.path().join("mine.toml"),
            "[colors]\naccent = \"#ff8800\"\nerror = \"lightred\"\n",
        )
        .expect("write");
        let theme = Theme::load("mine", Some(dir.path()), false).expect("loads");
        assert_eq!(theme.name, "mine");
        assert_eq!(theme.palette.accent.fg, Some(Color::Rgb(0xff, 0x88, 0x00)));
        assert_eq!(theme.palette.error.fg, Some(Color::LightRed));
        // Unset roles: terminal defaults; derived roles follow their source.
        assert_eq!(theme.palette.text.fg, Some(Color::Reset));
        assert_eq!(theme.palette.ok.fg, Some(Color::Green));
        assert_eq!(
            theme.palette.key_hint.fg,
            Some(Color::Rgb(0xff, 0x88, 0x00))
        );
        assert!(
            theme
                .palette
                .selection
                .add_modifier
                .contains(Modifier::REVERSED)
        );
        assert!(theme.syntax.is_some());

        // Also by path, and layered over a built-in.
        let path = dir.path().join("over-light.toml");
        fs::write(&path, "base = \"light\"\n[colors]\naccent = \"magenta\"\n").expect("write");
        let spec = path.to_str().expect("utf-8 temp path");
        let theme = Theme::load(spec, None, false).expect("loads by path");
        let light = Theme::load("light", None, false).expect("light");
        assert_eq!(theme.name, "over-light");
        assert_eq!(theme.palette.accent.fg, Some(Color::Magenta));
        assert_eq!(theme.palette.text, light.palette.text);
        assert_eq!(theme.palette.selection, light.palette.selection);
        let light_syntax = light.syntax.as_ref().and_then(|s| s.name.clone());
        let syntax = theme.syntax.as_ref().and_then(|s| s.name.clone());
        assert_eq!(syntax, light_syntax);
    }

    #[test]
    fn a_bad_colour_names_file_role_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bad.toml");
        fs::write(&path, "[colors]\ntext = \"#c0c5ce\"\naccent = \"bluish\"\n").expect("write");
        let err = Theme::load("bad", Some(dir.path()), false).expect_err("bad colour");
        assert!(matches!(&err, ThemeError::BadColor { role, line: 3, .. } if role == "accent"));
        let message = err.to_string();
        assert!(message.contains("bad.toml"), "{message}");
        assert!(message.contains("colors.accent"), "{message}");
        assert!(message.contains("\"bluish\""), "{message}");
        // Colours are checked with colours off too.
        assert!(Theme::load("bad", Some(dir.path()), true).is_err());
    }

    #[test]
    fn an_unknown_key_names_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(
            dir.path().join("typo.toml"),
            "syntax = \"base16-ocean.dark\"\n[colors]\ntext = \"white\"\naccnet = \"red\"\n",
        )
        .expect("write");
        let err = Theme::load("typo", Some(dir.path()), false).expect_err("unknown key");
        let message = err.to_string();
        assert!(matches!(err, ThemeError::Toml { .. }));
        assert!(message.contains("typo.toml"), "{message}");
        assert!(message.contains("line 4"), "{message}");
        assert!(message.contains("accnet"), "{message}");
    }

    #[test]
    fn an_unknown_theme_suggests_the_closest() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("solar.toml"), "").expect("write");
        let err = Theme::load("drak", Some(dir.path()), false).expect_err("unknown");
        let ThemeError::Unknown {
            suggestions,
            user_themes,
            ..
        } = &err
        else {
            panic!("expected Unknown, got {err:?}");
        };
        assert_eq!(suggestions.first().map(String::as_str), Some("dark"));
        assert_eq!(user_themes, &vec!["solar".to_string()]);
        let message = err.to_string();
        assert!(message.contains("did you mean dark"), "{message}");
        assert!(message.contains("dark, light"), "{message}");
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        // An empty user theme is valid: all defaults.
        assert!(Theme::load("solar", Some(dir.path()), false).is_ok());
    }

    #[test]
    fn a_missing_path_is_a_read_error() {
        let err = Theme::load("./no/such/theme.toml", None, false).expect_err("missing");
        assert!(matches!(err, ThemeError::Read { .. }), "{err:?}");
    }

    #[test]
    fn an_unknown_syntax_or_base_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("s.toml"), "\nsyntax = \"monokai\"\n").expect("write");
        let err = Theme::load("s", Some(dir.path()), true).expect_err("unknown syntax");
        assert!(
            matches!(&err, ThemeError::UnknownSyntax { line: 2, .. }),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("\"monokai\""), "{message}");
        assert!(message.contains("base16-ocean.dark"), "{message}");

        fs::write(dir.path().join("b.toml"), "base = \"dim\"\n").expect("write");
        let err = Theme::load("b", Some(dir.path()), false).expect_err("unknown base");
        assert!(
            matches!(&err, ThemeError::UnknownBase { line: 1, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn scope_rules_are_checked_and_applied() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(
            dir.path().join("ok.toml"),
            "[scopes]\n\"comment\" = \"italic #808080\"\n",
        )
        .expect("write");
        let theme = Theme::load("ok", Some(dir.path()), false).expect("loads");
        let syntax = theme.syntax.expect("syntax");
        let last = syntax.scopes.last().expect("a rule");
        assert_eq!(last.style.font_style, Some(FontStyle::ITALIC));

        fs::write(
            dir.path().join("bad.toml"),
            "[scopes]\n\"comment\" = \"grey\"\n",
        )
        .expect("write");
        let err = Theme::load("bad", Some(dir.path()), false).expect_err("named colour");
        assert!(
            matches!(&err, ThemeError::BadScope { line: 2, .. }),
            "{err:?}"
        );
    }

    const TM_THEME: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>name</key>
  <string>Tiny</string>
  <key>settings</key>
  <array>
    <dict>
      <key>settings</key>
      <dict>
        <key>foreground</key>
        <string>#DDDDDD</string>
      </dict>
    </dict>
    <dict>
      <key>scope</key>
      <string>string</string>
      <key>settings</key>
      <dict>
        <key>foreground</key>
        <string>#00FF00</string>
      </dict>
    </dict>
  </array>
</dict>
</plist>
"#;

    #[test]
    fn a_tm_theme_beside_the_toml_is_loaded() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("tiny.tmTheme"), TM_THEME).expect("write");
        fs::write(dir.path().join("t.toml"), "syntax = \"tiny.tmTheme\"\n").expect("write");
        let theme = Theme::load("t", Some(dir.path()), false).expect("loads");
        let syntax = theme.syntax.expect("syntax");
        assert_eq!(syntax.name.as_deref(), Some("Tiny"));
        assert_eq!(syntax.scopes.len(), 1);
    }

    #[test]
    fn a_bad_tm_theme_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        // syntect skips a bad rule, but not a missing rule list.
        let broken = TM_THEME.replace(
            "<key>settings</key>\n  <array>",
            "<key>rules</key>\n  <array>",
        );
        assert_ne!(broken, TM_THEME);
        fs::write(dir.path().join("broken.tmTheme"), broken).expect("write");
        fs::write(dir.path().join("t.toml"), "syntax = \"broken.tmTheme\"\n").expect("write");
        let err = Theme::load("t", Some(dir.path()), false).expect_err("bad tmTheme");
        assert!(matches!(err, ThemeError::BadTmTheme { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("t.toml"), "{message}");
        assert!(message.contains("broken.tmTheme"), "{message}");
        assert!(message.contains("Incorrect syntax"), "{message}");

        fs::write(dir.path().join("junk.tmTheme"), "not a plist").expect("write");
        fs::write(dir.path().join("j.toml"), "syntax = \"junk.tmTheme\"\n").expect("write");
        let err = Theme::load("j", Some(dir.path()), false).expect_err("junk tmTheme");
        assert!(matches!(err, ThemeError::BadTmTheme { .. }), "{err:?}");
    }

    #[test]
    fn built_ins_cannot_name_files() {
        let err = parse("syntax = \"x.tmTheme\"\n", &builtin_path("x"), None)
            .err()
            .expect("built-ins only name syntect themes");
        assert!(err.to_string().contains("cannot use .tmTheme"), "{err}");
    }

    #[test]
    fn no_color_convention() {
        assert!(!Theme::no_color_requested(None));
        assert!(!Theme::no_color_requested(Some(OsStr::new(""))));
        assert!(Theme::no_color_requested(Some(OsStr::new("1"))));
        assert!(Theme::no_color_requested(Some(OsStr::new("0"))));
    }
}
