//! `hookbench check`: every fixture through the transformation, compared with the expected
//! outcome (webhook, error, diagnostics) stored per fixture. What a user runs in CI.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anstyle::Style;
use serde::Serialize;
use serde_json::Value;

use hookbench_core::pipeline::RunRecord;
use hookbench_core::segment::Diagnostic;
use hookbench_core::transform::presets::{self, TransformOrigin};
use hookbench_core::transform::{TransformError, WebhookOut};

use super::args::{CheckArgs, GlobalArgs};
use super::render;
use super::style::{BOLD, GREEN, RED};
use super::{Failure, Finding, Verdict, common};

/// What is compared: everything but the console and the timing, which change run to run.
#[derive(Serialize)]
struct Outcome<'a> {
    event_type: &'a str,
    webhook: &'a Option<WebhookOut>,
    error: &'a Option<TransformError>,
    diagnostics: &'a [Diagnostic],
}

/// The compared outcome of a record, as a value and as the text an expectation file holds.
fn outcome(record: &RunRecord) -> (Value, String) {
    let value = serde_json::to_value(Outcome {
        event_type: &record.event_type,
        webhook: &record.webhook,
        error: &record.error,
        diagnostics: &record.diagnostics,
    })
    .unwrap_or(Value::Null);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    (value, text)
}

/// Where expectations are read from.
enum Expectations {
    Dir(PathBuf),
    Builtin(BTreeMap<String, &'static str>),
}

impl Expectations {
    fn get(&self, name: &str) -> Result<Option<String>, Failure> {
        match self {
            Expectations::Builtin(files) => Ok(files.get(name).map(|s| s.to_string())),
            Expectations::Dir(dir) => {
                let path = dir.join(format!("{name}.json"));
                match std::fs::read_to_string(&path) {
                    Ok(text) => Ok(Some(text)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Failure::input(format!(
                        "cannot read {}: {e}",
                        path.display()
                    ))),
                }
            }
        }
    }

    fn names(&self) -> Vec<String> {
        match self {
            Expectations::Builtin(files) => files.keys().cloned().collect(),
            Expectations::Dir(dir) => std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .filter_map(|e| e.ok())
                        .filter_map(|e| {
                            e.file_name()
                                .to_str()
                                .and_then(|n| n.strip_suffix(".json"))
                                .map(str::to_string)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn describe(&self, stem: &str) -> String {
        match self {
            Expectations::Dir(dir) => dir.display().to_string(),
            Expectations::Builtin(_) => format!("the built-in expectations of preset {stem}"),
        }
    }
}

fn expectations(
    args: &CheckArgs,
    origin: &TransformOrigin,
    stem: &str,
) -> Result<Expectations, Failure> {
    if let Some(dir) = &args.expect {
        return Ok(Expectations::Dir(dir.clone()));
    }
    match origin {
        TransformOrigin::File(path) => {
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            Ok(Expectations::Dir(parent.join(format!("{stem}.expect"))))
        }
        TransformOrigin::Preset if args.update => Err(Failure::input(format!(
            "the expectations of preset {stem} are built in and cannot be updated; pass --expect DIR to write your own"
        ))),
        TransformOrigin::Preset => Ok(Expectations::Builtin(
            presets::builtin_expectations(stem)
                .unwrap_or_default()
                .into_iter()
                .map(|(n, t)| (n.to_string(), t))
                .collect(),
        )),
    }
}

fn print_diff(out: &mut impl Write, expected: &str, actual: &str) -> std::io::Result<()> {
    let diff = similar::TextDiff::from_lines(expected, actual);
    for hunk in diff.unified_diff().context_radius(2).iter_hunks() {
        writeln!(out, "    {}", hunk.header())?;
        for change in hunk.iter_changes() {
            let (sign, style) = match change.tag() {
                similar::ChangeTag::Delete => ("-", RED),
                similar::ChangeTag::Insert => ("+", GREEN),
                similar::ChangeTag::Equal => (" ", Style::new()),
            };
            write!(out, "    {style}{sign}{}{style:#}", change.value())?;
            if change.missing_newline() {
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

pub fn run(global: &GlobalArgs, args: &CheckArgs) -> Result<u8, Failure> {
    let config = common::load_config(global)?;
    let session = common::session(&config, &args.transform, None)?;
    let transform = common::load_transform(&session)?;
    let engine = common::engine(&session);
    // A fixture file that cannot be loaded is reported after the others are checked.
    let fixtures = super::bodies::fixture_set(args.transform.fixtures.as_deref())?;
    let expected = expectations(args, &transform.origin, &transform.stem)?;
    let (pipeline, shown_name) = common::pipeline_on(engine, &session, &transform);

    if let (true, Expectations::Dir(dir)) = (args.update, &expected) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::input(format!("cannot create {}: {e}", dir.display())))?;
    }

    let mut out = super::output::stdout_text();
    let names: Vec<&str> = fixtures.iter().map(|f| f.name.as_str()).collect();
    let inputs = fixtures
        .iter()
        .map(|f| (f.body.clone(), Some(f.json.clone())));
    let (mut failed, mut lint_errors, mut matched, mut differ, mut missing, mut written) =
        (0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
    let mut problem: Option<Failure> = None;
    let mut index = 0;
    pipeline.run_ordered(inputs, 64, |record| {
        let name = names.get(index).copied().unwrap_or_default();
        index += 1;
        if record.failed() {
            failed += 1;
            let _ = render::record(&mut out, name, &record, &shown_name, &transform.source);
        }
        if record.has_lint_errors() {
            lint_errors += 1;
        }
        let (actual_value, actual) = outcome(&record);
        let stored = match expected.get(name) {
            Ok(s) => s,
            Err(e) => {
                problem.get_or_insert(e);
                return;
            }
        };
        let same = stored
            .as_deref()
            .is_some_and(|text| serde_json::from_str::<Value>(text).ok() == Some(actual_value));
        if args.update {
            if !same && let Expectations::Dir(dir) = &expected {
                let path = dir.join(format!("{name}.json"));
                match std::fs::write(&path, &actual) {
                    Ok(()) => written += 1,
                    Err(e) => {
                        problem.get_or_insert(Failure::input(format!(
                            "cannot write {}: {e}",
                            path.display()
                        )));
                    }
                }
            } else {
                matched += 1;
            }
            return;
        }
        match stored {
            None => {
                missing += 1;
                let _ = writeln!(out, "{RED}missing{RED:#} {BOLD}{name}{BOLD:#}: no expectation (run with --update to write it)");
            }
            Some(_) if same => matched += 1,
            Some(text) => {
                differ += 1;
                let _ = writeln!(out, "{RED}differs{RED:#} {BOLD}{name}{BOLD:#} (- expected, + actual)");
                let _ = print_diff(&mut out, &text, &actual);
            }
        }
    });
    if let Some(failure) = problem {
        return Err(failure);
    }
    let skipped = fixtures.skipped();
    for file in skipped {
        render::error_line(&file.message);
    }
    // The expectation of a file that could not be loaded is not stale: the file is broken.
    let stale: Vec<String> = expected
        .names()
        .into_iter()
        .filter(|n| fixtures.get(n).is_none() && !skipped.iter().any(|s| &s.name == n))
        .collect();
    if !stale.is_empty() {
        render::warning_line(&format!(
            "expectations without a fixture (stale? left as they are): {}",
            stale.join(", ")
        ));
    }
    let where_ = expected.describe(&transform.stem);
    let unreadable = match skipped.len() {
        0 => String::new(),
        1 => format!(" · {RED}1 fixture file not loaded{RED:#}"),
        n => format!(" · {RED}{n} fixture files not loaded{RED:#}"),
    };
    let _ = if args.update {
        writeln!(
            out,
            "{BOLD}{}{BOLD:#} fixtures through {}: wrote {written} expectations, {matched} unchanged, in {where_}{unreadable}",
            fixtures.len(),
            transform.name
        )
    } else {
        writeln!(
            out,
            "{BOLD}{}{BOLD:#} fixtures through {} against {where_}: {matched} match, {differ} differ, {missing} missing · {failed} transform errors · {lint_errors} with lint errors{unreadable}",
            fixtures.len(),
            transform.name
        )
    };
    let mut verdict = Verdict::default();
    verdict.note_if(
        failed > 0 || differ > 0 || missing > 0,
        Finding::TransformFailed,
    );
    verdict.note_if(lint_errors > 0, Finding::LintErrors);
    verdict.note_if(!skipped.is_empty(), Finding::BadInput);
    Ok(verdict.code())
}
