//! The files the workbench writes and lists: transformations (never over another file unless it
//! is the one being edited), the recovery file a forced exit keeps, the write key in the config
//! file (readable by its owner only), and the picker's list.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use hookbench_core::segment::{Region, WriteKey};
use hookbench_core::transform::presets;

use crate::model::message::{PickerEntry, Recovery};

/// Sets `[segment] write_key` and `region` (the workspace's: a key belongs to one) in the config
/// file, keeping everything else in it as written, and makes the file readable by its owner
/// only.
pub fn save_key(path: &Path, key: &WriteKey, region: Region) -> Result<(), String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut document: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", path.display()))?;
    let segment = document
        .entry("segment")
        .or_insert(toml_edit::table())
        .as_table_mut()
        .ok_or_else(|| format!("{}: [segment] is not a table", path.display()))?;
    segment["write_key"] = toml_edit::value(key.expose());
    segment["region"] = toml_edit::value(region.to_string());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_private(path, &document.to_string())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes a file only its owner can read (the key is a secret), tightening an existing file.
pub(super) fn write_private(path: &Path, text: &str) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())
}

/// Writes a transformation: over `path`, or as a new `<stem>.<ext>` in `dir` (never over
/// another file).
pub fn save(
    path: Option<&Path>,
    dir: &Path,
    stem: &str,
    ext: &str,
    text: &str,
) -> Result<PathBuf, String> {
    match path {
        Some(path) => std::fs::write(path, text)
            .map(|()| path.to_path_buf())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => write_new(dir, stem, ext, text),
    }
}

/// Creates `<stem>.<ext>`, or `<stem>-2.<ext>`, … in `dir`, whichever does not exist yet.
pub fn write_new(dir: &Path, stem: &str, ext: &str, text: &str) -> Result<PathBuf, String> {
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                return file
                    .write_all(text.as_bytes())
                    .map(|()| path.clone())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
        }
    }
    Err(format!(
        "no free file name for {stem}.{ext} in {}",
        dir.display()
    ))
}

/// Keeps unsaved edits in `<stem>.recovered.js` (`<stem>.recovered.mapping.toml` for a
/// mapping) next to where they belong, else in the temporary directory; returns where they
/// went, as a full path (it is told on the way out).
pub fn write_recovery(recovery: &Recovery) -> Option<PathBuf> {
    let stem = format!("{}.recovered", recovery.stem);
    let ext = recovery.ext;
    let written = write_new(&recovery.dir, &stem, ext, &recovery.text)
        .or_else(|_| write_new(&std::env::temp_dir(), &stem, ext, &recovery.text))
        .ok()?;
    Some(std::path::absolute(&written).unwrap_or(written))
}

/// The presets (JavaScript, then mappings), `*.js` and `*.mapping.toml` in `dir`, and the
/// config's paths.
pub fn list_transforms(dir: &Path, config_paths: &[PathBuf]) -> Vec<PickerEntry> {
    let mut entries: Vec<PickerEntry> = presets::preset_names()
        .into_iter()
        .map(|name| PickerEntry {
            spec: name.to_string(),
            origin: "preset",
        })
        .collect();
    let mut local: Vec<String> = std::fs::read_dir(dir)
        .map(|read| {
            read.filter_map(Result::ok)
                .filter(|e| {
                    let path = e.path();
                    path.extension().is_some_and(|x| x == "js") || presets::is_mapping_path(&path)
                })
                .filter(|e| e.path().is_file())
                .map(|e| format!("./{}", e.file_name().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    local.sort();
    entries.extend(local.into_iter().map(|spec| PickerEntry {
        spec,
        origin: "current dir",
    }));
    entries.extend(config_paths.iter().map(|p| PickerEntry {
        spec: p.display().to_string(),
        origin: "config",
    }));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_saved_into_the_config_privately_keeping_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("hookbench").join("config.toml");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, "# mine\n[ui]\ntheme = \"light\"\n").expect("write");
        let key = WriteKey::new("wk_1234567890abcdefghijklmnopqrstu").expect("key");
        save_key(&path, &key, Region::Eu).expect("saved");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            text.starts_with("# mine\n[ui]\ntheme = \"light\"\n"),
            "{text}"
        );
        let config = hookbench_core::config::parse(&text, &path).expect("still a valid config");
        assert_eq!(config.segment.write_key, Some(key));
        assert_eq!(
            config.segment.region,
            Some(Region::Eu),
            "the region the dialog showed is saved with the key"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn new_files_never_replace_existing_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = write_new(dir.path(), "segment-complete", "js", "a").expect("first");
        let second = write_new(dir.path(), "segment-complete", "js", "b").expect("second");
        assert_eq!(
            first.file_name().and_then(|n| n.to_str()),
            Some("segment-complete.js")
        );
        assert_eq!(
            second.file_name().and_then(|n| n.to_str()),
            Some("segment-complete-2.js")
        );
        assert_eq!(std::fs::read_to_string(first).expect("read"), "a");
    }

    #[test]
    fn the_picker_lists_presets_local_files_and_config_paths() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("mine.js"), "").expect("write");
        std::fs::write(dir.path().join("shop.mapping.toml"), "").expect("write");
        std::fs::write(dir.path().join("notes.txt"), "").expect("write");
        let entries = list_transforms(dir.path(), &[PathBuf::from("/elsewhere/x.js")]);
        let specs: Vec<&str> = entries.iter().map(|e| e.spec.as_str()).collect();
        assert_eq!(specs[0], "segment-complete");
        assert!(specs.contains(&"segment-complete.mapping"));
        assert!(specs.contains(&"./mine.js"));
        assert!(specs.contains(&"./shop.mapping.toml"));
        assert!(!specs.iter().any(|s| s.contains("notes")));
        assert_eq!(entries.last().map(|e| e.origin), Some("config"));
    }
}
