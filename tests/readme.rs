//! The README stays true: its key table is the default key map row for row, and its theme and
//! configuration examples load.

use hookbench_workbench::keymap::{Action, KeyMap};

fn expected_rows() -> Vec<String> {
    let keymap = KeyMap::defaults();
    Action::all()
        .iter()
        .map(|&action| {
            let keys: Vec<String> = keymap
                .keys(action)
                .iter()
                .map(|k| format!("`{k}`"))
                .collect();
            format!(
                "| {} | `{}` | {} |",
                keys.join(" "),
                action.name(),
                action.description()
            )
        })
        .collect()
}

#[test]
fn the_readme_lists_every_default_binding() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let rows = expected_rows();
    let missing: Vec<&String> = rows
        .iter()
        .filter(|r| !readme.contains(r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's key table is out of date; it should read:\n\n| keys | action | what |\n|---|---|---|\n{}\n",
        rows.join("\n")
    );
}

/// The first ```toml block after `heading`.
fn toml_block_after(readme: &str, heading: &str) -> String {
    let from = readme.find(heading).expect("heading in README");
    let start = readme[from..].find("```toml\n").expect("toml block") + from + "```toml\n".len();
    let end = readme[start..].find("```").expect("block end") + start;
    readme[start..end].to_string()
}

#[test]
fn the_readme_theme_example_loads() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("mine.toml"),
        toml_block_after(&readme, "### Themes"),
    )
    .expect("write theme");
    let theme = hookbench_workbench::theme::Theme::load("mine", Some(dir.path()), false)
        .expect("the README's theme example loads");
    assert!(theme.syntax.is_some());
}

#[test]
fn the_readme_config_example_is_valid() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let text = toml_block_after(&readme, "## Configuration");
    let config = hookbench_core::config::parse(&text, std::path::Path::new("README.md"))
        .expect("the README's config example parses");
    hookbench_workbench::keymap::KeyMap::with_config(
        &config.keys,
        std::path::Path::new("README.md"),
    )
    .expect("its key bindings are valid");
}
