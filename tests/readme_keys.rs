//! The README's key table is the default key map, row for row: change one, change the other.

use hookbench::tui::keymap::{Action, KeyMap};

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
