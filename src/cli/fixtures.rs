//! `hookbench fixtures list|show TYPE`.

use std::io::Write;

use serde::Serialize;

use hookbench_core::webhook::fixtures::FixtureOrigin;

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
}

pub fn run(command: &FixturesCommand) -> Result<u8, Failure> {
    match command {
        FixturesCommand::List { output, fixtures } => {
            let set = common::fixture_set(fixtures.as_deref())?;
            let mut out = anstream::stdout().lock();
            let rows: Vec<Row> = set
                .iter()
                .map(|f| Row {
                    event_type: &f.event_type,
                    name: &f.name,
                    group: f.group(),
                    payload_kind: f.payload_kind(),
                    variant: f.variant,
                    source: &f.path,
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
                    let _ = writeln!(
                        out,
                        "{:<name_width$}  {:<group_width$}  {:<kind_width$}  SOURCE",
                        "NAME", "GROUP", "KIND"
                    );
                    for row in &rows {
                        let _ = writeln!(
                            out,
                            "{:<name_width$}  {:<group_width$}  {:<kind_width$}  {}",
                            row.name, row.group, row.payload_kind, row.source
                        );
                    }
                    let builtin = set
                        .iter()
                        .filter(|f| f.origin == FixtureOrigin::Builtin)
                        .count();
                    let _ = writeln!(
                        out,
                        "\n{} fixtures ({} built in, {} yours); {} event types in Dodo's catalog",
                        set.len(),
                        builtin,
                        set.len() - builtin,
                        hookbench_core::webhook::EVENT_TYPES.len()
                    );
                }
            }
            Ok(super::exit::OK)
        }
        FixturesCommand::Show { name, fixtures } => {
            let set = common::fixture_set(fixtures.as_deref())?;
            let fixture = common::find_fixture(&set, name)?;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(fixture.body.as_bytes());
            if !fixture.body.ends_with('\n') {
                let _ = writeln!(out);
            }
            Ok(super::exit::OK)
        }
    }
}
