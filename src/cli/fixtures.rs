//! `hookbench fixtures list|show TYPE`.

use std::io::Write;

use serde::Serialize;

use hookbench_core::webhook::fixtures::{FixtureOrigin, NOT_DODO_LABEL};

use super::Failure;
use super::args::{FixturesCommand, OutputFormat};
use super::common;

#[derive(Serialize)]
struct Row<'a> {
    #[serde(rename = "type")]
    event_type: &'a str,
    name: &'a str,
    group: &'a str,
    payload_kind: &'a str,
    variant: bool,
    source: &'a str,
    /// True for bodies that deliberately break Dodo's schema (robustness tests).
    not_dodo: bool,
}

pub fn run(command: &FixturesCommand) -> Result<u8, Failure> {
    match command {
        FixturesCommand::List { output, fixtures } => {
            let set = common::fixture_set(fixtures.as_deref())?;
            let mut out = super::output::stdout_text();
            let rows: Vec<Row> = set
                .iter()
                .map(|f| Row {
                    event_type: &f.event_type,
                    name: &f.name,
                    group: f.group(),
                    payload_kind: f.payload_kind(),
                    variant: f.variant,
                    source: &f.path,
                    not_dodo: f.not_dodo,
                })
                .collect();
            match output {
                OutputFormat::Json => {
                    for row in &rows {
                        let line = serde_json::to_string(row)?;
                        let _ = writeln!(out, "{line}");
                    }
                }
                OutputFormat::Text => {
                    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4);
                    let group_width = rows.iter().map(|r| r.group.len()).max().unwrap_or(5);
                    let kind_width = rows.iter().map(|r| r.payload_kind.len()).max().unwrap_or(4);
                    let source_width = rows.iter().map(|r| r.source.len()).max().unwrap_or(6);
                    let _ = writeln!(
                        out,
                        "{:<name_width$}  {:<group_width$}  {:<kind_width$}  {:<source_width$}  NOTE",
                        "NAME", "GROUP", "KIND", "SOURCE"
                    );
                    for row in &rows {
                        let note = if row.not_dodo { NOT_DODO_LABEL } else { "" };
                        let line = format!(
                            "{:<name_width$}  {:<group_width$}  {:<kind_width$}  {:<source_width$}  {note}",
                            row.name, row.group, row.payload_kind, row.source
                        );
                        let _ = writeln!(out, "{}", line.trim_end());
                    }
                    let builtin = set
                        .iter()
                        .filter(|f| f.origin == FixtureOrigin::Builtin)
                        .count();
                    let not_dodo = set.iter().filter(|f| f.not_dodo).count();
                    let _ = writeln!(
                        out,
                        "\n{} fixtures ({} built in, {} yours; {} Dodo samples, {} {NOT_DODO_LABEL}); {} event types in Dodo's catalog",
                        set.len(),
                        builtin,
                        set.len() - builtin,
                        set.len() - not_dodo,
                        not_dodo,
                        hookbench_core::webhook::EVENT_TYPES.len()
                    );
                }
            }
            Ok(super::exit::OK)
        }
        FixturesCommand::Show { name, fixtures } => {
            let set = common::fixture_set(fixtures.as_deref())?;
            let fixture = common::find_fixture(&set, name)?;
            let mut out = super::output::stdout_json();
            let _ = out.write_all(fixture.body.as_bytes());
            if !fixture.body.ends_with('\n') {
                let _ = writeln!(out);
            }
            Ok(super::exit::OK)
        }
    }
}
