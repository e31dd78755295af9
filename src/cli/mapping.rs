//! `hookbench mapping new|compile|show|import|eject`: mapping files on the command line. What a
//! mapping means is the core's (`hookbench_core::mapping`); this file reads, writes and prints.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use hookbench_core::mapping::resolve::{Resolution, ResolvedEvent};
use hookbench_core::mapping::{self, Diagnostic, Severity, describe, edit, embed};
use hookbench_core::transform::presets;
use hookbench_core::webhook::Schema;

use super::Failure;
use super::args::{MappingCommand, OutputFormat};
use super::style::{BOLD, DIM, YELLOW_BOLD};

pub fn run(command: &MappingCommand) -> Result<u8, Failure> {
    match command {
        MappingCommand::New { file, from, force } => new(file, from.as_deref(), *force),
        MappingCommand::Compile {
            mapping,
            out,
            output,
        } => compile(mapping, out.as_deref(), *output),
        MappingCommand::Show {
            mapping,
            event,
            output,
        } => show(mapping, event.as_deref(), *output),
        MappingCommand::Import { file, out, force } => import(file, out.as_deref(), *force),
        MappingCommand::Eject {
            mapping,
            out,
            force,
        } => eject(mapping, out.as_deref(), *force),
    }
}

/// A mapping's text and the name diagnostics give it: a built-in by name, else a file.
struct MappingText {
    label: String,
    text: String,
}

fn read_mapping(spec: &str) -> Result<MappingText, Failure> {
    let path = Path::new(spec);
    if !path.exists()
        && let Some(preset) = builtin(spec)
    {
        return Ok(MappingText {
            label: preset.file.to_string(),
            text: preset.text.to_string(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| {
        let known: Vec<&str> = presets::mapping_presets().iter().map(|p| p.name).collect();
        Failure::input(format!(
            "cannot read mapping {spec}: {e} (built-in mappings: {})",
            known.join(", ")
        ))
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::input(format!("mapping {spec} is not UTF-8 text")))?;
    Ok(MappingText {
        label: spec.to_string(),
        text,
    })
}

/// A built-in mapping by its name, its file name, or the name of the preset it mirrors
/// (`segment-complete` → `segment-complete.mapping`).
fn builtin(spec: &str) -> Option<presets::MappingPreset> {
    presets::mapping_preset(spec).or_else(|| presets::mapping_preset(&format!("{spec}.mapping")))
}

/// Reads and compiles a mapping, printing its warnings; its errors are the failure.
fn load(spec: &str) -> Result<(MappingText, mapping::Loaded), Failure> {
    let source = read_mapping(spec)?;
    match mapping::load(&source.text, &source.label) {
        Ok(loaded) => {
            print_diagnostics(&source, &loaded.warnings);
            Ok((source, loaded))
        }
        Err(errors) => {
            let mut err = super::output::stderr_text();
            for line in &errors {
                let _ = writeln!(err, "{line}");
            }
            let count = if errors.len() == 1 {
                "an error".to_string()
            } else {
                format!("{} errors", errors.len())
            };
            Err(Failure::input(format!(
                "mapping {} has {count}: nothing was compiled",
                source.label
            )))
        }
    }
}

fn print_diagnostics(source: &MappingText, diagnostics: &[Diagnostic]) {
    let mut err = super::output::stderr_text();
    for d in diagnostics {
        let _ = writeln!(err, "{}", mapping::render(&source.label, &source.text, d));
    }
}

fn new(file: &Path, from: Option<&str>, force: bool) -> Result<u8, Failure> {
    let (text, origin) = match from {
        None => {
            let name = mapping_stem(file);
            (edit::new_mapping(&name), None)
        }
        Some(spec) => {
            if !Path::new(spec).exists()
                && builtin(spec).is_none()
                && presets::preset(spec).is_some()
            {
                return Err(Failure::input(format!(
                    "{spec} is a JavaScript preset, not a mapping; mappings to start from: {}",
                    mapping_names()
                )));
            }
            let source = read_mapping(spec)?;
            // A copy that does not compile would only move the problem.
            if let Err(errors) = mapping::load(&source.text, &source.label) {
                return Err(Failure::input(format!(
                    "mapping {} has errors, fix them first:\n  {}",
                    source.label,
                    errors.join("\n  ")
                )));
            }
            (source.text, Some(source.label))
        }
    };
    write_file(file, &text, force)?;
    let mut out = super::output::stdout_text();
    let shown = file.display();
    let from = origin.map_or_else(String::new, |o| format!(" (from {o})"));
    let _ = writeln!(out, "wrote {BOLD}{shown}{BOLD:#}{from}");
    let _ = writeln!(
        out,
        "{DIM}next:{DIM:#} hookbench --transform {shown}        {DIM}pick fields in the workbench{DIM:#}"
    );
    let _ = writeln!(
        out,
        "      hookbench check --transform {shown}  {DIM}in CI{DIM:#}"
    );
    let _ = writeln!(
        out,
        "      hookbench mapping compile {shown}    {DIM}the handler to paste into Dodo{DIM:#}"
    );
    Ok(super::exit::OK)
}

/// `shop` for `shop.mapping.toml`.
fn mapping_stem(file: &Path) -> String {
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let stem = name
        .strip_suffix(".toml")
        .map(|s| s.strip_suffix(".mapping").unwrap_or(s))
        .unwrap_or(&name);
    if stem.is_empty() {
        "mapping".to_string()
    } else {
        stem.to_string()
    }
}

fn mapping_names() -> String {
    presets::mapping_presets()
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `text` to `file`, refusing to replace an existing file unless `force`.
fn write_file(file: &Path, text: &str, force: bool) -> Result<(), Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut handle = options.open(file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::input(format!(
                "{} exists; pass --force to overwrite it",
                file.display()
            ))
        } else {
            Failure::input(format!("cannot write {}: {e}", file.display()))
        }
    })?;
    handle
        .write_all(text.as_bytes())
        .map_err(|e| Failure::input(format!("cannot write {}: {e}", file.display())))
}

/// How the mapping treats each of Dodo's event types, for the summary line and JSON.
#[derive(Debug, Default, Serialize)]
struct Coverage {
    mapped: Vec<String>,
    cancelled: Vec<String>,
    not_covered: Vec<String>,
}

fn coverage(mapping: &mapping::Mapping) -> Coverage {
    let mut found = Coverage::default();
    for event_type in Schema::dodo().event_types() {
        let list = match mapping::resolve::resolve(mapping, event_type) {
            Resolution::Mapped(_) => &mut found.mapped,
            Resolution::Cancelled { .. } => &mut found.cancelled,
            Resolution::NotCovered => &mut found.not_covered,
        };
        list.push(event_type.to_string());
    }
    found
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: &'static str,
    code: &'a str,
    message: &'a str,
    line: usize,
    column: usize,
}

fn json_diagnostics<'a>(text: &str, diagnostics: &'a [Diagnostic]) -> Vec<JsonDiagnostic<'a>> {
    diagnostics
        .iter()
        .map(|d| {
            let (line, column) = mapping::line_column(text, d.at.start);
            JsonDiagnostic {
                severity: match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                code: d.code,
                message: &d.message,
                line,
                column,
            }
        })
        .collect()
}

fn compile(spec: &str, out: Option<&Path>, output: OutputFormat) -> Result<u8, Failure> {
    if output == OutputFormat::Json {
        return compile_json(spec, out);
    }
    let (source, loaded) = load(spec)?;
    let found = coverage(&loaded.mapping);
    match out {
        Some(file) => {
            write_file(file, &loaded.javascript, true)?;
        }
        None => {
            let mut stdout = super::output::stdout_text();
            let _ = stdout.write_all(loaded.javascript.as_bytes());
        }
    }
    let mut err = super::output::stderr_text();
    let written = out.map_or_else(String::new, |f| format!(" → {}", f.display()));
    let _ = writeln!(
        err,
        "{BOLD}{}{BOLD:#}{written}: {} mapped, {} cancelled, {} not in the mapping{}",
        source.label,
        event_types(found.mapped.len()),
        found.cancelled.len(),
        found.not_covered.len(),
        if found.not_covered.is_empty() {
            String::new()
        } else {
            not_covered_note(&found.not_covered)
        }
    );
    Ok(super::exit::OK)
}

/// `1 event type`, `36 event types`.
fn event_types(count: usize) -> String {
    match count {
        1 => "1 event type".to_string(),
        n => format!("{n} event types"),
    }
}

/// The types a mapping does not cover, the first few by name.
fn not_covered_note(types: &[String]) -> String {
    const SHOWN: usize = 4;
    let names = types
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if types.len() > SHOWN {
        format!(" (cancelled too: {names}, …; `hookbench mapping show` lists them)")
    } else {
        format!(" (cancelled too: {names})")
    }
}

fn compile_json(spec: &str, out: Option<&Path>) -> Result<u8, Failure> {
    #[derive(Serialize)]
    struct Compiled<'a> {
        mapping: &'a str,
        ok: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        javascript: Option<&'a str>,
        diagnostics: Vec<JsonDiagnostic<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        events: Option<Coverage>,
    }
    let source = read_mapping(spec)?;
    let parsed = mapping::parse::parse(&source.text);
    let loaded = mapping::load(&source.text, &source.label).ok();
    if let (Some(file), Some(loaded)) = (out, &loaded) {
        write_file(file, &loaded.javascript, true)?;
    }
    let report = Compiled {
        mapping: &source.label,
        ok: loaded.is_some(),
        javascript: loaded
            .as_ref()
            .filter(|_| out.is_none())
            .map(|l| l.javascript.as_str()),
        diagnostics: json_diagnostics(&source.text, &parsed.diagnostics),
        events: loaded.as_ref().map(|l| coverage(&l.mapping)),
    };
    let mut stdout = super::output::stdout_json();
    let _ = writeln!(stdout, "{}", serde_json::to_string(&report)?);
    Ok(if report.ok {
        super::exit::OK
    } else {
        super::exit::INPUT
    })
}

fn show(spec: &str, event: Option<&str>, output: OutputFormat) -> Result<u8, Failure> {
    let (_, loaded) = load(spec)?;
    let types: Vec<&str> = match event {
        Some(one) => {
            let known: Vec<&str> = Schema::dodo().event_types().collect();
            if !known.contains(&one) {
                let close = hookbench_core::suggest::closest_names(one, known.iter().copied(), 3);
                let hint = hookbench_core::suggest::did_you_mean(&close, " or ")
                    .map_or_else(String::new, |h| format!("; {h}"));
                return Err(Failure::input(format!("unknown event type {one:?}{hint}")));
            }
            vec![one]
        }
        None => Schema::dodo().event_types().collect(),
    };
    let resolutions: Vec<(&str, Resolution)> = types
        .iter()
        .map(|t| (*t, mapping::resolve::resolve(&loaded.mapping, t)))
        .collect();
    match output {
        OutputFormat::Json => {
            let mut out = super::output::stdout_json();
            for (event_type, resolution) in &resolutions {
                let line = serde_json::to_string(&json_resolution(event_type, resolution))?;
                let _ = writeln!(out, "{line}");
            }
        }
        OutputFormat::Text => {
            let mut out = super::output::stdout_text();
            for (event_type, resolution) in &resolutions {
                let _ = print_resolution(&mut out, event_type, resolution);
            }
        }
    }
    Ok(super::exit::OK)
}

fn print_resolution(
    out: &mut impl Write,
    event_type: &str,
    resolution: &Resolution,
) -> std::io::Result<()> {
    match resolution {
        Resolution::NotCovered => writeln!(
            out,
            "{BOLD}{event_type}{BOLD:#}  {DIM}not in the mapping: cancelled{DIM:#}"
        ),
        Resolution::Cancelled { reason, origin } => writeln!(
            out,
            "{BOLD}{event_type}{BOLD:#}  {YELLOW_BOLD}cancelled{YELLOW_BOLD:#}: {reason}  {DIM}{}{DIM:#}",
            origin.header()
        ),
        Resolution::Mapped(event) => print_event(out, event),
    }
}

fn print_event(out: &mut impl Write, event: &ResolvedEvent) -> std::io::Result<()> {
    let tables: Vec<String> = std::iter::once("[defaults]".to_string())
        .chain(
            event
                .tables
                .iter()
                .map(|s| format!("[events.\"{}\"]", s.key())),
        )
        .collect();
    writeln!(
        out,
        "{BOLD}{}{BOLD:#}  {}  {DIM}{}{DIM:#}",
        event.event_type,
        event.call.as_str(),
        tables.join(" + ")
    )?;
    let mut rows: Vec<(String, String, String, String)> = event
        .fields
        .iter()
        .map(|f| {
            (
                f.field.dotted(),
                describe::source(&f.field.rule),
                describe::conversion(&f.field.rule),
                f.origin.header(),
            )
        })
        .collect();
    if event.derived_message_id {
        let id = event
            .object_id
            .as_ref()
            .map_or_else(|| "no object_id".to_string(), |(r, _)| describe::source(r));
        rows.push((
            "messageId".into(),
            format!("derived from the type, {id} and timestamp"),
            String::new(),
            "derived".into(),
        ));
    }
    // "as-is" goes without saying; what follows it (required, omit) does not.
    for row in &mut rows {
        row.2 = match row.2.strip_prefix("as-is") {
            Some(rest) => rest.trim_start_matches(" · ").to_string(),
            None => std::mem::take(&mut row.2),
        };
    }
    let width = |column: fn(&(String, String, String, String)) -> &String| {
        rows.iter()
            .map(|r| column(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (target_width, source_width, conversion_width) =
        (width(|r| &r.0), width(|r| &r.1), width(|r| &r.2));
    for (target, source, conversion, origin) in &rows {
        writeln!(
            out,
            "  {target:<target_width$} ← {source:<source_width$}  {conversion:<conversion_width$}  {DIM}{origin}{DIM:#}"
        )?;
    }
    Ok(())
}

fn json_resolution(event_type: &str, resolution: &Resolution) -> serde_json::Value {
    match resolution {
        Resolution::NotCovered => {
            serde_json::json!({"type": event_type, "resolution": "not-covered"})
        }
        Resolution::Cancelled { reason, origin } => serde_json::json!({
            "type": event_type,
            "resolution": "cancelled",
            "reason": reason,
            "table": origin.header(),
        }),
        Resolution::Mapped(event) => {
            let fields: Vec<serde_json::Value> = event
                .fields
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "target": f.field.dotted(),
                        "source": describe::source(&f.field.rule),
                        "conversion": describe::conversion(&f.field.rule),
                        "table": f.origin.header(),
                    })
                })
                .collect();
            serde_json::json!({
                "type": event_type,
                "resolution": "mapped",
                "call": event.call.as_str(),
                "object_id": event.object_id.as_ref().map(|(r, _)| describe::source(r)),
                "derived_message_id": event.derived_message_id,
                "fields": fields,
            })
        }
    }
}

fn import(file: &Path, out: Option<&Path>, force: bool) -> Result<u8, Failure> {
    let code = std::fs::read_to_string(file)
        .map_err(|e| Failure::input(format!("cannot read {}: {e}", file.display())))?;
    let text =
        embed::extract(&code).map_err(|e| Failure::input(format!("{}: {e}", file.display())))?;
    let label = out.map_or_else(
        || format!("{} (its mapping)", file.display()),
        |o| o.display().to_string(),
    );
    match mapping::load(&text, &label) {
        Ok(loaded) => {
            if embed::edited_since(&code, &loaded.javascript) {
                super::render::warning_line(&format!(
                    "{} was changed after it was compiled: those changes are not in the mapping (compile it again to see what the mapping alone does)",
                    file.display()
                ));
            }
        }
        Err(errors) => {
            // Recovered as it was embedded; say it needs fixing before it can be used.
            super::render::warning_line(&format!(
                "the recovered mapping has errors:\n  {}",
                errors.join("\n  ")
            ));
        }
    }
    match out {
        Some(target) => {
            write_file(target, &text, force)?;
            let mut stdout = super::output::stdout_text();
            let _ = writeln!(
                stdout,
                "wrote {BOLD}{}{BOLD:#} (recovered from {})",
                target.display(),
                file.display()
            );
        }
        None => {
            let mut stdout = super::output::stdout_text();
            let _ = stdout.write_all(text.as_bytes());
        }
    }
    Ok(super::exit::OK)
}

fn eject(spec: &str, out: Option<&Path>, force: bool) -> Result<u8, Failure> {
    let (source, loaded) = load(spec)?;
    let file_name = Path::new(&source.label).file_name().map_or_else(
        || source.label.clone(),
        |n| n.to_string_lossy().into_owned(),
    );
    let code = embed::eject(&loaded.mapping, &file_name);
    match out {
        Some(target) => {
            write_file(target, &code, force)?;
            let mut stdout = super::output::stdout_text();
            let _ = writeln!(
                stdout,
                "wrote {BOLD}{}{BOLD:#}: ordinary JavaScript from now on (hookbench --transform {} to edit it)",
                target.display(),
                target.display()
            );
        }
        None => {
            let mut stdout = super::output::stdout_text();
            let _ = stdout.write_all(code.as_bytes());
        }
    }
    Ok(super::exit::OK)
}
