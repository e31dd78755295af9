//! Webhook fixtures: the built-in Dodo bodies compiled into the binary, plus user folders.
//!
//! A folder holds `<name>.json` files and, optionally, `variants/<name>.json` and
//! `not-dodo/<name>.json`. The name is the file stem; the event type is the body's top-level
//! `"type"`. Bodies under `not-dodo/` deliberately break Dodo's schema (a null name, a missing
//! field) to test how a transformation copes; they are variants, but not Dodo samples.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use serde_json::Value;

use super::catalog;
use crate::suggest::did_you_mean;

/// Compiled in so the tool works from any directory.
static FIXTURES_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../fixtures/webhooks");

/// How built-in paths are shown (relative to the crate root, where they live in the source).
const BUILTIN_ROOT: &str = "fixtures/webhooks";
const VARIANTS_DIR: &str = "variants";
const NOT_DODO_DIR: &str = "not-dodo";

/// How `fixtures list` and the workbench label a body that is not what Dodo sends.
pub const NOT_DODO_LABEL: &str = "not what Dodo sends";

/// Where a fixture came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixtureOrigin {
    Builtin,
    /// A user folder (the folder passed in, not the file).
    Dir(PathBuf),
}

/// One webhook body.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// File stem: `payment.succeeded` or `payment.succeeded.jpy`.
    pub name: String,
    /// The body's top-level `"type"`.
    pub event_type: String,
    /// True for files under `variants/` or `not-dodo/` (built-in or user).
    pub variant: bool,
    /// True for files under `not-dodo/`: bodies that deliberately break Dodo's schema, so they
    /// are not samples of what Dodo sends.
    pub not_dodo: bool,
    pub origin: FixtureOrigin,
    /// For display: `fixtures/webhooks/…` for built-ins, the real path for user files.
    pub path: String,
    /// The raw text exactly as stored; signatures are computed over these bytes.
    pub body: String,
    pub json: Value,
}

impl Fixture {
    /// True for a body that stands for what Dodo sends (every built-in outside `not-dodo/`).
    pub fn is_dodo_sample(&self) -> bool {
        !self.not_dodo
    }

    /// The catalog group of the event type, or `"custom"` for types Dodo does not send.
    pub fn group(&self) -> &str {
        catalog::lookup(&self.event_type).map_or("custom", |e| e.group)
    }

    /// `data.payload_type` when the body has one as a string, else the catalog's kind for the
    /// event type, else `"unknown"`. Newer Dodo bodies may omit `payload_type`.
    pub fn payload_kind(&self) -> &str {
        self.json
            .get("data")
            .and_then(|d| d.get("payload_type"))
            .and_then(Value::as_str)
            .or_else(|| catalog::lookup(&self.event_type).map(|e| e.payload_kind))
            .unwrap_or("unknown")
    }
}

/// Why a fixture file or folder could not be loaded. Every message starts with the file.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    // The cause is part of the message and not a `source`, so a chain of causes shows it once.
    #[error("{path}: cannot read: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}:{line}:{column}: cannot read: not UTF-8 text")]
    NotUtf8 {
        path: String,
        line: usize,
        column: usize,
    },
    #[error("{path}:{line}:{column}: invalid JSON: {message}")]
    Json {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: the body is {found}, expected a JSON object (a webhook envelope)")]
    NotObject { path: String, found: &'static str },
    #[error("{path}: missing top-level \"type\" (the event type, e.g. \"payment.succeeded\")")]
    MissingType { path: String },
    #[error("{path}: top-level \"type\" must be a string, found {found}")]
    TypeNotString { path: String, found: &'static str },
    #[error("{path}: fixture name \"{name}\" is already used by {other}")]
    DuplicateName {
        path: String,
        name: String,
        other: String,
    },
}

impl FixtureError {
    /// The file (or folder) the error is about, as shown.
    pub fn path(&self) -> &str {
        match self {
            FixtureError::Io { path, .. }
            | FixtureError::NotUtf8 { path, .. }
            | FixtureError::Json { path, .. }
            | FixtureError::NotObject { path, .. }
            | FixtureError::MissingType { path }
            | FixtureError::TypeNotString { path, .. }
            | FixtureError::DuplicateName { path, .. } => path,
        }
    }

    /// Line and column (1-based) where the file goes wrong, when the error has a place.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            FixtureError::NotUtf8 { line, column, .. }
            | FixtureError::Json { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}

/// A file of a user folder that was left out of the set, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SkippedFile {
    /// The fixture name the file would have had (its stem).
    pub name: String,
    /// The file, as shown.
    pub path: String,
    /// 1-based line and column of the problem, when it has a place.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The whole error, starting with the file (and its line and column).
    pub message: String,
}

impl SkippedFile {
    fn new(name: String, error: &FixtureError) -> SkippedFile {
        let position = error.position();
        SkippedFile {
            name,
            path: error.path().to_string(),
            line: position.map(|(line, _)| line),
            column: position.map(|(_, column)| column),
            message: error.to_string(),
        }
    }
}

/// A fixture name that is not in the set.
#[derive(Debug, thiserror::Error)]
#[error("unknown event type {name:?}{}", unknown_hint(suggestions))]
pub struct UnknownFixture {
    pub name: String,
    pub suggestions: Vec<String>,
}

fn unknown_hint(suggestions: &[String]) -> String {
    match did_you_mean(suggestions, " or ") {
        Some(hint) => format!("; {hint}"),
        None => "; `hookbench fixtures list` shows them all".to_string(),
    }
}

/// An ordered collection of fixtures with unique names.
#[derive(Debug, Clone, Default)]
pub struct FixtureSet {
    fixtures: Vec<Fixture>,
    /// Files of user folders that could not be loaded (see [`FixtureSet::load_dir`]).
    skipped: Vec<SkippedFile>,
}

impl FixtureSet {
    /// The built-in fixtures: one per catalog event type in catalog order, then the built-in
    /// variants (including the `not-dodo/` ones) sorted by name.
    pub fn builtin() -> Result<FixtureSet, FixtureError> {
        let mut plain = Vec::new();
        for file in FIXTURES_DIR.files() {
            if let Some(f) = builtin_fixture(file, "", false)? {
                plain.push(f);
            }
        }
        plain.sort_by(catalog_order);

        let mut variants = Vec::new();
        for (folder, not_dodo) in [(VARIANTS_DIR, false), (NOT_DODO_DIR, true)] {
            if let Some(dir) = FIXTURES_DIR.get_dir(folder) {
                for file in dir.files() {
                    if let Some(f) = builtin_fixture(file, folder, not_dodo)? {
                        variants.push(f);
                    }
                }
            }
        }
        variants.sort_by(|a, b| a.name.cmp(&b.name));

        plain.extend(variants);
        Ok(FixtureSet {
            fixtures: plain,
            skipped: Vec::new(),
        })
    }

    /// Adds every `*.json` in `dir` (and in `dir/variants/` and `dir/not-dodo/` as variants). A
    /// fixture whose name
    /// equals an existing one replaces it in place; new ones are appended, non-variants first,
    /// each sorted by name.
    ///
    /// Strict: the first file that cannot be loaded is the error. [`FixtureSet::load_dir`] loads
    /// the rest instead.
    pub fn with_dir(self, dir: &Path) -> Result<FixtureSet, FixtureError> {
        let (loaded, mut problems) = load_user_folder(dir)?;
        if !problems.is_empty() {
            return Err(problems.remove(0).1);
        }
        Ok(self.merge(loaded))
    }

    /// As [`FixtureSet::with_dir`], but a file that cannot be loaded (unreadable, not UTF-8,
    /// not a webhook body, a name already used) is left out and kept in
    /// [`FixtureSet::skipped`], so one broken file does not hide the others. Only a folder that
    /// cannot be listed is an error.
    pub fn load_dir(self, dir: &Path) -> Result<FixtureSet, FixtureError> {
        let (loaded, problems) = load_user_folder(dir)?;
        let mut set = self.merge(loaded);
        set.skipped.extend(
            problems
                .into_iter()
                .map(|(name, error)| SkippedFile::new(name, &error)),
        );
        Ok(set)
    }

    /// The files of user folders that [`FixtureSet::load_dir`] left out, in folder order.
    pub fn skipped(&self) -> &[SkippedFile] {
        &self.skipped
    }

    fn merge(mut self, loaded: Vec<Fixture>) -> FixtureSet {
        let mut appended = Vec::new();
        for f in loaded {
            match self.fixtures.iter_mut().find(|g| g.name == f.name) {
                Some(existing) => *existing = f,
                None => appended.push(f),
            }
        }
        appended.sort_by(|a, b| a.variant.cmp(&b.variant).then_with(|| a.name.cmp(&b.name)));
        self.fixtures.extend(appended);
        self
    }

    /// Only the fixtures of one folder (no built-ins).
    pub fn from_dir(dir: &Path) -> Result<FixtureSet, FixtureError> {
        FixtureSet::default().with_dir(dir)
    }

    /// The fixture with this name (file stem).
    pub fn get(&self, name: &str) -> Option<&Fixture> {
        self.fixtures.iter().find(|f| f.name == name)
    }

    /// The fixture with this name, or an error naming the closest ones.
    pub fn find(&self, name: &str) -> Result<&Fixture, UnknownFixture> {
        self.get(name).ok_or_else(|| UnknownFixture {
            name: name.to_string(),
            suggestions: crate::suggest::closest_names(name, self.names(), 3),
        })
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Fixture> {
        self.fixtures.iter()
    }

    pub fn len(&self) -> usize {
        self.fixtures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fixtures.is_empty()
    }

    pub fn names(&self) -> Vec<&str> {
        self.fixtures.iter().map(|f| f.name.as_str()).collect()
    }
}

impl<'a> IntoIterator for &'a FixtureSet {
    type Item = &'a Fixture;
    type IntoIter = std::slice::Iter<'a, Fixture>;

    fn into_iter(self) -> Self::IntoIter {
        self.fixtures.iter()
    }
}

/// Catalog types in catalog order; anything else after them, by name.
fn catalog_order(a: &Fixture, b: &Fixture) -> Ordering {
    let index = |f: &Fixture| {
        catalog::EVENT_TYPES
            .iter()
            .position(|e| e.name == f.name)
            .unwrap_or(usize::MAX)
    };
    index(a).cmp(&index(b)).then_with(|| a.name.cmp(&b.name))
}

/// The stem of a `*.json` file name that should be loaded, or `None` to skip it.
fn json_stem(file_name: &str) -> Option<&str> {
    if file_name.starts_with('.') {
        // Editor lock and backup files, e.g. `.#payment.succeeded.json`.
        return None;
    }
    let (stem, ext) = file_name.rsplit_once('.')?;
    (ext.eq_ignore_ascii_case("json") && !stem.is_empty()).then_some(stem)
}

/// Which folder of a fixture set a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Variant,
    NotDodo,
}

fn builtin_fixture(
    file: &include_dir::File<'_>,
    folder: &str,
    not_dodo: bool,
) -> Result<Option<Fixture>, FixtureError> {
    let kind = match (folder.is_empty(), not_dodo) {
        (true, _) => Kind::Plain,
        (false, false) => Kind::Variant,
        (false, true) => Kind::NotDodo,
    };
    let Some(file_name) = file.path().file_name().and_then(|n| n.to_str()) else {
        return Ok(None);
    };
    let Some(stem) = json_stem(file_name) else {
        return Ok(None);
    };
    let display = if folder.is_empty() {
        format!("{BUILTIN_ROOT}/{file_name}")
    } else {
        format!("{BUILTIN_ROOT}/{folder}/{file_name}")
    };
    let body =
        crate::text_file::decode(file.contents().to_vec()).map_err(|at| FixtureError::NotUtf8 {
            path: display.clone(),
            line: at.line,
            column: at.column,
        })?;
    parse(stem.to_owned(), kind, FixtureOrigin::Builtin, display, body).map(Some)
}

/// A user folder's fixtures (`dir`, then `variants/`, then `not-dodo/`), and the files that
/// could not be loaded with the name each would have had. Only a folder that cannot be listed
/// is an error.
type FolderLoad = (Vec<Fixture>, Vec<(String, FixtureError)>);

fn load_user_folder(dir: &Path) -> Result<FolderLoad, FixtureError> {
    let mut files = load_folder(dir, dir, Kind::Plain)?;
    for (folder, kind) in [(VARIANTS_DIR, Kind::Variant), (NOT_DODO_DIR, Kind::NotDodo)] {
        let sub = dir.join(folder);
        if sub.is_dir() {
            files.extend(load_folder(dir, &sub, kind)?);
        }
    }
    let mut loaded: Vec<Fixture> = Vec::new();
    let mut problems = Vec::new();
    for (name, file) in files {
        let fixture = match file {
            Ok(f) => f,
            Err(e) => {
                problems.push((name, e));
                continue;
            }
        };
        // A stem may appear once per folder: `x.json` and `variants/x.json` would both claim
        // the name `x`, and silently picking one would hide the other.
        match loaded.iter().find(|g| g.name == fixture.name) {
            Some(first) => problems.push((
                fixture.name.clone(),
                FixtureError::DuplicateName {
                    path: fixture.path.clone(),
                    name: fixture.name.clone(),
                    other: first.path.clone(),
                },
            )),
            None => loaded.push(fixture),
        }
    }
    Ok((loaded, problems))
}

/// One file of a folder: the fixture, or why it could not be loaded.
type FileLoad = Result<Fixture, FixtureError>;

/// The `*.json` files directly inside `folder`, sorted by name: each loaded, or why not.
fn load_folder(
    root: &Path,
    folder: &Path,
    kind: Kind,
) -> Result<Vec<(String, FileLoad)>, FixtureError> {
    let io_err = |path: &Path, error| FixtureError::Io {
        path: path.display().to_string(),
        error,
    };
    let entries = std::fs::read_dir(folder).map_err(|e| io_err(folder, e))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_err(folder, e))?;
        let path = entry.path();
        let file_name = entry.file_name();
        let Some(stem) = file_name.to_str().and_then(json_stem) else {
            continue;
        };
        if !path.is_file() {
            continue;
        }
        let shown = path.display().to_string();
        let loaded = std::fs::read(&path)
            .map_err(|e| io_err(&path, e))
            .and_then(|bytes| {
                crate::text_file::decode(bytes).map_err(|at| FixtureError::NotUtf8 {
                    path: shown.clone(),
                    line: at.line,
                    column: at.column,
                })
            })
            .and_then(|body| {
                parse(
                    stem.to_owned(),
                    kind,
                    FixtureOrigin::Dir(root.to_path_buf()),
                    shown.clone(),
                    body,
                )
            });
        out.push((stem.to_owned(), loaded));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn parse(
    name: String,
    kind: Kind,
    origin: FixtureOrigin,
    path: String,
    body: String,
) -> Result<Fixture, FixtureError> {
    let json: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => {
            // serde_json appends " at line L column C"; the location goes in front instead.
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
            return Err(FixtureError::Json {
                path,
                line: e.line(),
                column: e.column(),
                message,
            });
        }
    };
    let Some(obj) = json.as_object() else {
        return Err(FixtureError::NotObject {
            path,
            found: kind_of(&json),
        });
    };
    let event_type = match obj.get("type") {
        None => return Err(FixtureError::MissingType { path }),
        Some(Value::String(t)) => t.clone(),
        Some(other) => {
            return Err(FixtureError::TypeNotString {
                path,
                found: kind_of(other),
            });
        }
    };
    Ok(Fixture {
        name,
        event_type,
        variant: kind != Kind::Plain,
        not_dodo: kind == Kind::NotDodo,
        origin,
        path,
        body,
        json,
    })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::catalog::{EVENT_TYPES, lookup};

    fn builtin() -> FixtureSet {
        FixtureSet::builtin().expect("built-in fixtures load")
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(path, text).expect("write fixture");
    }

    fn data<'a>(f: &'a Fixture, key: &str) -> &'a Value {
        &f.json["data"][key]
    }

    #[test]
    fn every_builtin_parses_and_is_named_after_its_type() {
        let set = builtin();
        for f in &set {
            assert_eq!(f.origin, FixtureOrigin::Builtin);
            assert!(f.json.is_object(), "{}", f.name);
            if f.variant {
                assert!(
                    lookup(&f.event_type).is_some(),
                    "{}: {}",
                    f.name,
                    f.event_type
                );
                assert!(
                    f.name.starts_with(&format!("{}.", f.event_type)),
                    "{} vs {}",
                    f.name,
                    f.event_type
                );
                let folder = if f.not_dodo { "not-dodo" } else { "variants" };
                assert_eq!(
                    f.path,
                    format!("fixtures/webhooks/{folder}/{}.json", f.name)
                );
            } else {
                assert_eq!(f.event_type, f.name);
                assert_eq!(f.path, format!("fixtures/webhooks/{}.json", f.name));
            }
        }
    }

    #[test]
    fn builtins_cover_the_catalog_once_in_order_then_sorted_variants() {
        let set = builtin();
        let plain: Vec<&str> = set
            .iter()
            .filter(|f| !f.variant)
            .map(|f| f.name.as_str())
            .collect();
        let catalog: Vec<&str> = EVENT_TYPES.iter().map(|e| e.name).collect();
        assert_eq!(plain, catalog);

        let names = set.names();
        let variants = &names[EVENT_TYPES.len()..];
        assert!(set.iter().skip(EVENT_TYPES.len()).all(|f| f.variant));
        assert!(variants.windows(2).all(|w| w[0] < w[1]), "{variants:?}");
        assert_eq!(set.len(), names.len());
        assert!(!set.is_empty());
    }

    #[test]
    fn builtin_bodies_are_stored_bytes_pretty_printed_with_two_spaces() {
        for f in &builtin() {
            let rel = f.path.trim_start_matches("fixtures/webhooks/");
            let stored = FIXTURES_DIR
                .get_file(rel)
                .and_then(|file| file.contents_utf8());
            assert_eq!(stored, Some(f.body.as_str()), "{}", f.name);
            let pretty = serde_json::to_string_pretty(&f.json).expect("serialize") + "\n";
            assert_eq!(
                pretty, f.body,
                "{} is not 2-space pretty JSON with a final newline",
                f.name
            );
        }
    }

    #[test]
    fn every_dodo_sample_conforms_to_the_schema() {
        let schema = crate::webhook::Schema::dodo();
        let mut failures = Vec::new();
        let mut samples = 0;
        for f in builtin().iter().filter(|f| f.is_dodo_sample()) {
            samples += 1;
            for d in schema.check(&f.json) {
                failures.push(format!("{}: {} {} {}", f.name, d.code, d.path, d.message));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert_eq!(samples, EVENT_TYPES.len() + 7);
    }

    #[test]
    fn robustness_bodies_break_the_schema_and_are_labelled() {
        let schema = crate::webhook::Schema::dodo();
        let set = builtin();
        let not_dodo: Vec<&Fixture> = set.iter().filter(|f| f.not_dodo).collect();
        assert!(!not_dodo.is_empty());
        for f in not_dodo {
            assert!(f.variant && !f.is_dodo_sample(), "{}", f.name);
            assert!(
                f.path.starts_with("fixtures/webhooks/not-dodo/"),
                "{}",
                f.path
            );
            let errors: Vec<_> = schema
                .check(&f.json)
                .into_iter()
                .filter(|d| d.severity == crate::segment::Severity::Error)
                .collect();
            assert!(
                !errors.is_empty(),
                "{} conforms; it belongs with the samples",
                f.name
            );
        }
        let null_name = set.get("payment.succeeded.null-name").expect("null-name");
        let codes: Vec<(String, String)> = schema
            .check(&null_name.json)
            .into_iter()
            .map(|d| (d.code, d.path))
            .collect();
        assert_eq!(
            codes,
            [("wrong-type".to_string(), "/data/customer/name".to_string())]
        );
    }

    #[test]
    fn every_body_has_its_own_timestamp_and_object_id() {
        let set = builtin();
        let mut timestamps = std::collections::HashSet::new();
        let mut ids = std::collections::HashSet::new();
        for f in &set {
            let ts = f.json["timestamp"].as_str().expect("timestamp");
            assert!(
                timestamps.insert(ts.to_string()),
                "{}: timestamp {ts} is reused",
                f.name
            );
            let d = &f.json["data"];
            let id = [
                "payment_id",
                "refund_id",
                "dispute_id",
                "subscription_id",
                "payout_id",
            ]
            .iter()
            .find(|key| {
                f.payload_kind()
                    .to_ascii_lowercase()
                    .starts_with(&key[..key.len() - 3])
            })
            .and_then(|key| d[*key].as_str())
            .or(d["id"].as_str());
            if let Some(id) = id {
                assert!(ids.insert(id.to_string()), "{}: id {id} is reused", f.name);
            }
        }
    }

    #[test]
    fn integer_amounts_are_integers() {
        let int_fields = [
            "total_amount",
            "settlement_amount",
            "recurring_pre_tax_amount",
            "amount",
            "fee",
            "tax",
            "settlement_tax",
            "chargebacks",
            "refunds",
        ];
        let mut checked = 0;
        for f in &builtin() {
            if !matches!(
                f.payload_kind(),
                "Payment" | "Subscription" | "Refund" | "Payout"
            ) {
                continue;
            }
            for key in int_fields {
                let v = data(f, key);
                if v.is_null() || v.is_array() {
                    continue; // optional, or Payment's refunds list
                }
                assert!(v.is_i64() || v.is_u64(), "{}: data.{key} = {v}", f.name);
                checked += 1;
            }
        }
        assert!(checked > 40, "only {checked} amounts checked");
    }

    #[test]
    fn string_amounts_stay_strings() {
        for f in &builtin() {
            let keys: &[&str] = match f.payload_kind() {
                "Dispute" => &["amount"],
                "CreditLedgerEntry" => &[
                    "amount",
                    "balance_before",
                    "balance_after",
                    "overage_before",
                    "overage_after",
                ],
                "CreditBalanceLow" => &[
                    "available_balance",
                    "subscription_credits_amount",
                    "threshold_amount",
                ],
                _ => &[],
            };
            for key in keys {
                assert!(data(f, key).is_string(), "{}: data.{key}", f.name);
            }
        }
    }

    #[test]
    fn every_builtin_names_its_customer() {
        for f in &builtin() {
            let d = &f.json["data"];
            let customer = d["customer"]["customer_id"]
                .as_str()
                .or(d["customer_id"].as_str());
            if f.payload_kind() == "Payout" {
                assert!(customer.is_none(), "{}", f.name); // payouts are business-level
            } else {
                assert!(
                    customer.is_some_and(|c| c.starts_with("cus_")),
                    "{}",
                    f.name
                );
            }
        }
    }

    #[test]
    fn bodies_match_their_event() {
        let set = builtin();
        let status = |name: &str| {
            set.get(name)
                .and_then(|f| f.json["data"]["status"].as_str())
                .map(str::to_owned)
        };
        assert_eq!(status("payout.created").as_deref(), Some("not_initiated"));
        assert_eq!(status("payout.failed").as_deref(), Some("failed"));
        assert_eq!(status("payout.success").as_deref(), Some("success"));
        assert_eq!(status("subscription.on_hold").as_deref(), Some("on_hold"));
        assert_eq!(status("subscription.paused").as_deref(), Some("paused"));
        assert_eq!(status("dunning.recovered").as_deref(), Some("recovered"));
        assert_eq!(
            status("entitlement_grant.revoked").as_deref(),
            Some("Revoked")
        );

        let paused = set.get("subscription.paused").expect("paused");
        assert!(data(paused, "paused_at").is_string());
        let revoked = set.get("entitlement_grant.revoked").expect("revoked");
        assert!(data(revoked, "revoked_at").is_string());
        assert!(data(revoked, "revocation_reason").is_string());
        let deducted = set.get("credit.deducted").expect("deducted");
        assert_eq!(data(deducted, "transaction_type"), "credit_deducted");
        assert_eq!(data(deducted, "is_credit"), false);
        for e in &EVENT_TYPES {
            let f = set.get(e.name).expect("catalog fixture");
            assert_eq!(f.payload_kind(), e.payload_kind, "{}", e.name);
        }
    }

    #[test]
    fn required_variants_exist() {
        let set = builtin();
        let get = |name: &str| {
            set.get(name)
                .unwrap_or_else(|| panic!("missing variant {name}"))
        };

        let jpy = get("payment.succeeded.jpy");
        assert!(jpy.variant);
        assert_eq!(data(jpy, "currency"), "JPY");
        assert_eq!(data(jpy, "total_amount"), 4500);
        assert_eq!(data(jpy, "settlement_currency"), "JPY");

        let kwd = get("payment.succeeded.kwd");
        assert_eq!(data(kwd, "currency"), "KWD");
        assert_eq!(data(kwd, "total_amount"), 12500);

        let null_name = get("payment.succeeded.null-name");
        assert!(null_name.json["data"]["customer"]["name"].is_null());
        assert!(
            null_name.json["data"]
                .get("payment_method")
                .is_some_and(Value::is_null)
        );

        let no_pt = get("payment.succeeded.no-payload-type");
        assert!(no_pt.json["data"].get("payload_type").is_none());
        assert_eq!(no_pt.payload_kind(), "Payment");

        let v2026 = get("payment.succeeded.2026");
        assert!(data(v2026, "brand_id").is_string());
        assert_eq!(data(v2026, "payment_provider"), "stripe");
        assert_eq!(data(v2026, "payment_method_type"), "credit");
        assert!(data(v2026, "retry_attempt").is_u64());
        assert!(data(v2026, "is_update_payment_method").is_boolean());

        let refund = get("refund.succeeded.partial-eur");
        assert_eq!(data(refund, "currency"), "EUR");
        assert_eq!(data(refund, "is_partial"), true);

        let inr = get("subscription.renewed.inr");
        assert_eq!(data(inr, "currency"), "INR");
        assert_eq!(data(inr, "payment_frequency_interval"), "Year");

        let dispute = get("dispute.opened.pre-arbitration");
        assert_eq!(data(dispute, "dispute_stage"), "pre_arbitration");
        assert!(data(dispute, "amount").is_string());
    }

    #[test]
    fn with_dir_overrides_in_place_and_appends_new_ones() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let override_body =
            "{\"business_id\":\"bus_x\",\"type\":\"payment.succeeded\",\"data\":{}}";
        write(tmp.path(), "payment.succeeded.json", override_body);
        write(
            tmp.path(),
            "zz.custom.json",
            r#"{"type": "acme.thing_happened", "data": {}}"#,
        );
        write(
            tmp.path(),
            "my-refund.json",
            r#"{"type": "refund.failed", "data": {}}"#,
        );
        write(
            tmp.path(),
            "variants/payment.failed.mine.json",
            r#"{"type": "payment.failed"}"#,
        );
        write(tmp.path(), "notes.txt", "not a fixture");

        let base = builtin();
        let before = base.names().iter().position(|n| *n == "payment.succeeded");
        let base_len = base.len();
        let set = base.with_dir(tmp.path()).expect("user dir loads");

        assert_eq!(
            set.names().iter().position(|n| *n == "payment.succeeded"),
            before
        );
        assert_eq!(set.len(), base_len + 3);
        let over = set.get("payment.succeeded").expect("override");
        assert_eq!(over.body, override_body);
        assert_eq!(over.origin, FixtureOrigin::Dir(tmp.path().to_path_buf()));
        assert_eq!(
            over.path,
            tmp.path()
                .join("payment.succeeded.json")
                .display()
                .to_string()
        );
        assert!(!over.variant);

        let tail: Vec<&str> = set.names()[base_len..].to_vec();
        assert_eq!(tail, ["my-refund", "zz.custom", "payment.failed.mine"]);

        let custom = set.get("zz.custom").expect("custom");
        assert_eq!(custom.event_type, "acme.thing_happened");
        assert_eq!(custom.group(), "custom");
        assert_eq!(custom.payload_kind(), "unknown");
        // Stem and type may differ for user files.
        assert_eq!(set.get("my-refund").map(|f| f.group()), Some("refund"));
        assert_eq!(
            set.get("my-refund").map(|f| f.payload_kind()),
            Some("Refund")
        );
        assert!(set.get("payment.failed.mine").is_some_and(|f| f.variant));
    }

    #[test]
    fn from_dir_has_only_the_folder() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(tmp.path(), "b.json", r#"{"type": "payout.failed"}"#);
        write(tmp.path(), "a.json", r#"{"type": "payout.success"}"#);
        let set = FixtureSet::from_dir(tmp.path()).expect("loads");
        assert_eq!(set.names(), ["a", "b"]);

        let empty = tempfile::tempdir().expect("tempdir");
        assert!(
            FixtureSet::from_dir(empty.path())
                .expect("loads")
                .is_empty()
        );
    }

    fn load_err(rel: &str, text: &str) -> (FixtureError, String) {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(tmp.path(), rel, text);
        let err = FixtureSet::from_dir(tmp.path()).expect_err("should fail");
        let shown = err.to_string();
        (err, shown)
    }

    #[test]
    fn invalid_json_names_file_line_and_column() {
        let (err, shown) = load_err(
            "bad.json",
            "{\n  \"type\": \"payment.succeeded\",\n  oops\n}\n",
        );
        assert!(
            matches!(
                err,
                FixtureError::Json {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            shown.contains("bad.json:3:3: invalid JSON: key must be a string"),
            "{shown}"
        );
        assert!(!shown.contains(" at line "), "{shown}");
        let FixtureError::Json { path, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(path.ends_with("bad.json"), "{path}");
    }

    #[test]
    fn array_body_is_a_clear_error() {
        let (err, shown) = load_err("list.json", r#"[{"type": "payment.succeeded"}]"#);
        assert!(
            matches!(
                err,
                FixtureError::NotObject {
                    found: "an array",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            shown.contains("list.json: the body is an array, expected a JSON object"),
            "{shown}"
        );
    }

    #[test]
    fn missing_or_non_string_type_is_a_clear_error() {
        let (err, shown) = load_err("untyped.json", r#"{"data": {}}"#);
        assert!(matches!(err, FixtureError::MissingType { .. }), "{err:?}");
        assert!(
            shown.contains("untyped.json: missing top-level \"type\""),
            "{shown}"
        );

        let (err, shown) = load_err("variants/numbered.json", r#"{"type": 7}"#);
        assert!(
            matches!(
                err,
                FixtureError::TypeNotString {
                    found: "a number",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            shown.contains("numbered.json: top-level \"type\" must be a string, found a number")
        );
    }

    #[test]
    fn unreadable_or_duplicate_files_are_errors() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("nope");
        let err = FixtureSet::from_dir(&missing).expect_err("missing dir");
        assert!(matches!(err, FixtureError::Io { .. }));
        assert!(err.to_string().contains("nope: cannot read"), "{err}");

        let (err, _) = load_err("empty.json", "");
        assert!(
            matches!(err, FixtureError::Json { .. }),
            "empty file: {err:?}"
        );

        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("bytes.json"), b"{\"type\": \"a\xff\"}").expect("write");
        let err = FixtureSet::from_dir(tmp.path()).expect_err("not utf-8");
        assert!(
            err.to_string()
                .ends_with("bytes.json:1:12: cannot read: not UTF-8 text"),
            "{err}"
        );

        let tmp = tempfile::tempdir().expect("tempdir");
        write(tmp.path(), "x.json", r#"{"type": "a"}"#);
        write(tmp.path(), "variants/x.json", r#"{"type": "a"}"#);
        let err = FixtureSet::from_dir(tmp.path()).expect_err("duplicate");
        assert!(matches!(err, FixtureError::DuplicateName { .. }), "{err:?}");
        assert!(
            err.to_string().contains("\"x\" is already used by"),
            "{err}"
        );
    }

    #[test]
    fn a_leading_byte_order_mark_is_dropped() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let body = r#"{"type": "payout.failed"}"#;
        write(tmp.path(), "marked.json", &format!("\u{feff}{body}"));
        let set = FixtureSet::from_dir(tmp.path()).expect("a marked file loads");
        let f = set.get("marked").expect("marked");
        assert_eq!(f.body, body);
        assert_eq!(f.event_type, "payout.failed");
    }

    #[test]
    fn load_dir_keeps_the_good_files_and_names_the_bad_ones() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(tmp.path(), "good.json", r#"{"type": "payout.failed"}"#);
        write(tmp.path(), "bad.json", "{\n  \"type\": \"a\",\n  oops\n}\n");
        write(
            tmp.path(),
            "variants/good.json",
            r#"{"type": "payout.failed"}"#,
        );
        std::fs::write(tmp.path().join("bytes.json"), b"{\"type\": \"a\xff\"}").expect("write");

        let set = FixtureSet::default()
            .load_dir(tmp.path())
            .expect("the folder is listed");
        assert_eq!(set.names(), ["good"]);
        let skipped: Vec<(&str, Option<usize>, Option<usize>)> = set
            .skipped()
            .iter()
            .map(|s| (s.name.as_str(), s.line, s.column))
            .collect();
        assert_eq!(
            skipped,
            [
                ("bad", Some(3), Some(3)),
                ("bytes", Some(1), Some(12)),
                ("good", None, None)
            ]
        );
        let bad = &set.skipped()[0];
        assert!(bad.path.ends_with("bad.json"), "{bad:?}");
        assert!(
            bad.message
                .ends_with("bad.json:3:3: invalid JSON: key must be a string"),
            "{bad:?}"
        );
        assert!(set.skipped()[2].message.contains("already used by"));
        // A file's cause is told once, not again as a chained source.
        let err = FixtureSet::from_dir(tmp.path()).expect_err("strict");
        assert!(std::error::Error::source(&err).is_none());

        let missing = FixtureSet::default().load_dir(&tmp.path().join("nope"));
        assert!(matches!(missing, Err(FixtureError::Io { .. })));
    }

    #[test]
    fn hidden_and_non_json_files_are_skipped() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(tmp.path(), ".#draft.json", "{ not json");
        write(tmp.path(), "README.md", "# notes");
        write(tmp.path(), "ok.JSON", r#"{"type": "dunning.started"}"#);
        let set = FixtureSet::from_dir(tmp.path()).expect("loads");
        assert_eq!(set.names(), ["ok"]);
    }
}
