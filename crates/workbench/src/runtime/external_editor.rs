//! `$EDITOR` on a transformation file, or on a temporary copy of a body.

use crate::model::message::EditTarget;

use super::files::write_new;

/// Runs `$VISUAL`/`$EDITOR` (else `vi`) on the transformation file, or on a temporary copy of
/// a body; returns the file's bytes afterwards.
pub(super) fn run_editor(target: &EditTarget, text: &str) -> Result<Vec<u8>, String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .or_else(|| std::env::var("EDITOR").ok())
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string());
    let (path, temporary) = match target {
        EditTarget::Transform(path) => (path.clone(), false),
        EditTarget::Body(key) => {
            let safe: String = key
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = write_new(
                &std::env::temp_dir(),
                &format!("hookbench-{safe}-{}", std::process::id()),
                "json",
                text,
            )?;
            (path, true)
        }
    };
    // Through the shell, so EDITOR may carry arguments ("code --wait").
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("hookbench-editor")
        .arg(&path)
        .status();
    let result = match status {
        Ok(status) if status.success() => {
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
        }
        Ok(status) => Err(format!("{editor} exited with {status}; nothing changed")),
        Err(e) => Err(format!("cannot start {editor}: {e}")),
    };
    if temporary {
        let _ = std::fs::remove_file(&path);
    }
    result
}
