//! Preset transformations compiled into the binary, and resolving `--transform T`: a preset is
//! named by its file stem; anything else is a path.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::suggest::did_you_mean;

static PRESETS_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../fixtures/transforms");

/// The preset shown first and loaded by default.
pub const DEFAULT_PRESET: &str = "segment-complete";

/// A built-in transformation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    /// The file stem, e.g. `segment-complete`.
    pub name: &'static str,
    /// The file name, e.g. `segment-complete.js`.
    pub file: &'static str,
    pub source: &'static str,
}

/// Every preset, the default first, then by name.
pub fn presets() -> Vec<Preset> {
    let mut found: Vec<Preset> = PRESETS_DIR
        .files()
        .filter_map(|f| {
            let file = f.path().file_name()?.to_str()?;
            let name = file.strip_suffix(".js")?;
            Some(Preset {
                name,
                file,
                source: f.contents_utf8()?,
            })
        })
        .collect();
    found.sort_by_key(|p| (p.name != DEFAULT_PRESET, p.name));
    found
}

/// The preset of that name.
pub fn preset(name: &str) -> Option<Preset> {
    presets().into_iter().find(|p| p.name == name)
}

/// A built-in mapping (`*.mapping.toml`), named by its file name without `.toml`:
/// `segment-complete.mapping`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappingPreset {
    /// What `--transform` takes: `segment-complete.mapping`.
    pub name: &'static str,
    /// The file name: `segment-complete.mapping.toml`.
    pub file: &'static str,
    /// The stem its expectations are kept under: `segment-complete`.
    pub stem: &'static str,
    /// The mapping file's text.
    pub text: &'static str,
}

/// Every built-in mapping, by name.
pub fn mapping_presets() -> Vec<MappingPreset> {
    let mut found: Vec<MappingPreset> = PRESETS_DIR
        .files()
        .filter_map(|f| {
            let file = f.path().file_name()?.to_str()?;
            let name = file.strip_suffix(".toml")?;
            Some(MappingPreset {
                name,
                file,
                stem: name.strip_suffix(MAPPING_SUFFIX)?,
                text: f.contents_utf8()?,
            })
        })
        .collect();
    found.sort_by_key(|p| p.name);
    found
}

/// The built-in mapping of that name (`segment-complete.mapping`, or its file name).
pub fn mapping_preset(name: &str) -> Option<MappingPreset> {
    mapping_presets()
        .into_iter()
        .find(|p| p.name == name || p.file == name)
}

/// Every name `--transform` takes for a built-in: the JavaScript presets, then the mappings.
pub fn preset_names() -> Vec<&'static str> {
    presets()
        .iter()
        .map(|p| p.name)
        .chain(mapping_presets().iter().map(|p| p.name))
        .collect()
}

/// What a mapping file's name ends with before `.toml`; the rest is its stem.
const MAPPING_SUFFIX: &str = ".mapping";

/// True when `path` names a mapping rather than JavaScript: it ends in `.toml`.
pub fn is_mapping_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("toml"))
}

/// The expected outcomes shipped for a preset (`<stem>.expect/<fixture>.json`), by fixture name.
pub fn builtin_expectations(stem: &str) -> Option<Vec<(&'static str, &'static str)>> {
    let dir = PRESETS_DIR.get_dir(format!("{stem}.expect"))?;
    let mut files: Vec<(&'static str, &'static str)> = dir
        .files()
        .filter_map(|f| {
            let name = f.path().file_name()?.to_str()?.strip_suffix(".json")?;
            Some((name, f.contents_utf8()?))
        })
        .collect();
    files.sort_unstable();
    Some(files)
}

/// Where a transformation came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransformOrigin {
    Preset,
    File(PathBuf),
}

/// A transformation's source, ready to compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformSource {
    /// Preset name or file name, for titles and stack frames.
    pub name: String,
    /// The stem: `segment-complete` for both the preset and `./segment-complete.js`.
    pub stem: String,
    pub origin: TransformOrigin,
    /// The JavaScript the engine runs: the file's text, or what a mapping compiles to.
    pub source: String,
    /// The mapping file's text when `source` was compiled from a mapping (`*.mapping.toml`).
    pub mapping: Option<String>,
}

/// Why `--transform T` could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("unknown preset {name:?}{}", unknown_preset_hint(suggestions))]
    UnknownPreset {
        name: String,
        suggestions: Vec<String>,
    },
    #[error("cannot read transformation {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("transformation {} is not UTF-8 text", path.display())]
    NotText { path: PathBuf },
    /// The mapping has errors: each rendered as `file:line:column: error[code]: message`.
    #[error("{}", mapping_errors(file, errors))]
    Mapping { file: String, errors: Vec<String> },
}

fn mapping_errors(file: &str, errors: &[String]) -> String {
    let count = match errors.len() {
        1 => "an error".to_string(),
        n => format!("{n} errors"),
    };
    format!("mapping {file} has {count}:\n  {}", errors.join("\n  "))
}

fn unknown_preset_hint(suggestions: &[String]) -> String {
    let all: Vec<&str> = preset_names();
    match did_you_mean(suggestions, " or ") {
        Some(hint) => format!("; {hint} (presets: {})", all.join(", ")),
        None => format!("; presets: {}", all.join(", ")),
    }
}

/// Resolves a preset name or a path.
pub fn resolve(spec: &str) -> Result<TransformSource, ResolveError> {
    if let Some(p) = preset(spec) {
        return Ok(TransformSource {
            name: p.file.to_string(),
            stem: p.name.to_string(),
            origin: TransformOrigin::Preset,
            source: p.source.to_string(),
            mapping: None,
        });
    }
    let path = Path::new(spec);
    if let Some(p) = mapping_preset(spec).filter(|_| !path.exists()) {
        return from_mapping(p.file, p.stem, TransformOrigin::Preset, p.text.to_string());
    }
    let looks_like_name = !spec.contains('/')
        && !spec.contains('\\')
        && (path.extension().is_none() || spec.ends_with(MAPPING_SUFFIX));
    if looks_like_name && !path.exists() {
        let names: Vec<&str> = preset_names();
        return Err(ResolveError::UnknownPreset {
            name: spec.to_string(),
            suggestions: crate::suggest::closest_names(spec, names, 3),
        });
    }
    load_file(path)
}

/// Reads a transformation file.
fn load_file(path: &Path) -> Result<TransformSource, ResolveError> {
    let bytes = std::fs::read(path).map_err(|source| ResolveError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let source = String::from_utf8(bytes).map_err(|_| ResolveError::NotText {
        path: path.to_path_buf(),
    })?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let stem = path
        .file_stem()
        .map_or_else(|| name.clone(), |s| s.to_string_lossy().into_owned());
    if is_mapping_path(path) {
        let stem = stem
            .strip_suffix(MAPPING_SUFFIX)
            .unwrap_or(&stem)
            .to_string();
        return from_mapping(
            &name,
            &stem,
            TransformOrigin::File(path.to_path_buf()),
            source,
        );
    }
    Ok(TransformSource {
        name,
        stem,
        origin: TransformOrigin::File(path.to_path_buf()),
        source,
        mapping: None,
    })
}

/// A mapping's text compiled into the transformation it stands for, or its errors.
fn from_mapping(
    name: &str,
    stem: &str,
    origin: TransformOrigin,
    text: String,
) -> Result<TransformSource, ResolveError> {
    let file = match &origin {
        TransformOrigin::File(path) => path.display().to_string(),
        TransformOrigin::Preset => name.to_string(),
    };
    let loaded = crate::mapping::load(&text, &file).map_err(|errors| ResolveError::Mapping {
        file: file.clone(),
        errors,
    })?;
    Ok(TransformSource {
        name: name.to_string(),
        stem: stem.to_string(),
        origin,
        source: loaded.javascript,
        mapping: Some(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_presets_are_built_in_default_first() {
        let names: Vec<&str> = presets().iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "segment-complete",
                "segment-identify-customer",
                "segment-subscription-lifecycle",
                "segment-track-payment"
            ]
        );
        assert!(
            presets()
                .iter()
                .all(|p| p.source.contains("function handler(webhook)"))
        );
    }

    #[test]
    fn a_preset_name_resolves_to_the_preset() {
        let t = resolve("segment-track-payment").expect("preset");
        assert_eq!(t.origin, TransformOrigin::Preset);
        assert_eq!(t.name, "segment-track-payment.js");
        assert_eq!(t.stem, "segment-track-payment");
    }

    #[test]
    fn an_unknown_name_suggests_the_closest_presets() {
        let err = resolve("segment-complet").expect_err("unknown");
        let text = err.to_string();
        assert!(
            text.contains("unknown preset \"segment-complet\""),
            "{text}"
        );
        assert!(text.contains("did you mean segment-complete"), "{text}");
    }

    #[test]
    fn a_path_is_read_and_a_missing_path_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("mine.js");
        std::fs::write(&file, "function handler(webhook) { return webhook; }").expect("write");
        let t = resolve(file.to_str().expect("utf8 path")).expect("file");
        assert_eq!(t.stem, "mine");
        assert_eq!(t.origin, TransformOrigin::File(file.clone()));
        let missing = dir.path().join("nope.js");
        let err = resolve(missing.to_str().expect("utf8 path")).expect_err("missing");
        assert!(err.to_string().contains("nope.js"), "{err}");
    }

    #[test]
    fn a_binary_file_is_rejected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("bin.js");
        std::fs::write(&file, [0xff, 0xfe, 0x00]).expect("write");
        let err = load_file(&file).expect_err("not text");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}
