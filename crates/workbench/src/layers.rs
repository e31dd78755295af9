//! The layering rule, checked on the crate's own sources: leaves (key map, theme, highlighting,
//! layout, text, clipboard) ← model ← update, view ← runtime (with the test harness). A file may
//! import from its own layer and from the layers below it; `update` and `view` never import each
//! other. Test code is exempt: it drives the app through the harness, which sits on top.

use std::path::{Path, PathBuf};

/// A layer of the workbench, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Leaf,
    Model,
    Update,
    View,
    Shell,
}

impl Layer {
    /// Whether code in `self` may use code in `other`.
    fn may_use(self, other: Layer) -> bool {
        self == other
            || matches!(
                (self, other),
                (_, Layer::Leaf)
                    | (Layer::Update | Layer::View | Layer::Shell, Layer::Model)
                    | (Layer::Shell, Layer::Update | Layer::View)
            )
    }
}

/// The layer of a top-level module; None for one nobody has placed yet.
fn layer_of(module: &str) -> Option<Layer> {
    match module {
        "clipboard" | "highlight" | "keymap" | "layout" | "text" | "theme" => Some(Layer::Leaf),
        "model" => Some(Layer::Model),
        "update" => Some(Layer::Update),
        "view" => Some(Layer::View),
        "runtime" | "testing" => Some(Layer::Shell),
        _ => None,
    }
}

/// The module path of a source file: `update/keys.rs` is `update::keys`, `update/mod.rs` is
/// `update`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments and without its inline test module (which comes last).
fn production_code(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut all = text.lines().peekable();
    while let Some(line) = all.next() {
        if line.trim() == "#[cfg(test)]"
            && all
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod ") && next.contains('{'))
        {
            break;
        }
        let code = line.find("//").map_or(line, |at| &line[..at]);
        lines.push(code.to_string());
    }
    lines
}

fn identifier_at(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules a piece of code names through `crate::` or by climbing out with
/// `super::`, each with its line (counted from 1).
fn named_modules(module: &[String], lines: &[String]) -> Vec<(usize, String)> {
    let joined = lines.join("\n");
    let line_of = |at: usize| joined[..at].matches('\n').count() + 1;
    let mut found = Vec::new();
    let bytes = joined.as_bytes();
    let starts_word = |at: usize| {
        at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || matches!(bytes[at - 1], b'_' | b'$'))
    };
    for (at, _) in joined.match_indices("crate::") {
        if !starts_word(at) {
            continue;
        }
        let rest = &joined[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c}`: the first name of each item at the group's top level.
            let mut depth = 0usize;
            let mut item_start = true;
            for (offset, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        item_start = false;
                        if depth == 0 {
                            let name = identifier_at(&group[offset..]);
                            let position = at + "crate::{".len() + offset;
                            found.push((line_of(position), name.to_string()));
                        }
                    }
                    _ => {}
                }
            }
        } else {
            found.push((line_of(at), identifier_at(rest).to_string()));
        }
    }
    for (at, _) in joined.match_indices("super::") {
        if !starts_word(at) || (at >= 7 && &joined[at - 7..at] == "super::") {
            continue;
        }
        let mut rest = &joined[at..];
        let mut climbs = 0;
        while let Some(next) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = next;
        }
        // Only a climb to the crate's root leaves the file's own top-level module.
        if climbs == module.len() {
            found.push((line_of(at), identifier_at(rest).to_string()));
        }
    }
    found
}

/// Every import in `text` (the file at `relative` under `src/`) that crosses the layers the
/// wrong way, as `file:line: …`.
fn crossings(relative: &Path, text: &str) -> Vec<String> {
    let module = module_path(relative);
    let Some(own) = module.first().and_then(|m| layer_of(m)) else {
        return vec![format!(
            "{}: a top-level module no layer holds; place it in `layer_of`",
            relative.display()
        )];
    };
    let mut wrong = Vec::new();
    for (line, name) in named_modules(&module, &production_code(text)) {
        let Some(theirs) = layer_of(&name) else {
            continue; // Items of the crate's root, such as `crate::layers`.
        };
        if !own.may_use(theirs) {
            wrong.push(format!(
                "{}:{line}: {own:?} code uses `{name}` ({theirs:?})",
                relative.display()
            ));
        }
    }
    wrong
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            sources(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

#[test]
fn no_file_imports_from_a_layer_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files).expect("the crate's sources are readable");
    files.sort();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for path in &files {
        let relative = path.strip_prefix(&root).expect("under src");
        let name = relative.to_string_lossy();
        // The crate's root and this check; test files drive the app through the harness.
        if name == "lib.rs" || name == "layers.rs" || name.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("readable source");
        wrong.extend(crossings(relative, &text));
        checked += 1;
    }
    assert!(checked > 30, "only {checked} files were checked");
    assert!(
        wrong.is_empty(),
        "imports across the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_names_the_file_and_line_of_a_wrong_import() {
    let update = "//! Doc.\n\nuse crate::model::app::App;\nuse crate::view::view;\n";
    assert_eq!(
        crossings(Path::new("update/keys.rs"), update),
        vec!["update/keys.rs:4: Update code uses `view` (View)".to_string()]
    );
    let grouped = "use crate::{\n    keymap::Action,\n    update::update,\n};\n";
    assert_eq!(
        crossings(Path::new("model/app.rs"), grouped),
        vec!["model/app.rs:3: Model code uses `update` (Update)".to_string()]
    );
    let in_a_path = "fn f() { crate::runtime::run(); }\n";
    assert_eq!(
        crossings(Path::new("keymap.rs"), in_a_path),
        vec!["keymap.rs:1: Leaf code uses `runtime` (Shell)".to_string()]
    );
    let climbing = "use super::view;\nuse super::keys;\n";
    assert_eq!(
        crossings(Path::new("update/mod.rs"), climbing),
        vec!["update/mod.rs:1: Update code uses `view` (View)".to_string()]
    );
    assert!(crossings(Path::new("update/keys.rs"), climbing).is_empty());
    let in_tests_and_comments = "// crate::view\nuse crate::model::app::App;\n#[cfg(test)]\nmod tests {\n    use crate::testing::Harness;\n}\n";
    assert!(crossings(Path::new("model/measure.rs"), in_tests_and_comments).is_empty());
    assert_eq!(
        crossings(Path::new("runtime/mod.rs"), update),
        Vec::<String>::new()
    );
    assert_eq!(crossings(Path::new("elsewhere.rs"), "").len(), 1);
}
