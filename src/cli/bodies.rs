//! The webhook bodies a command works on, from `--event`, `--all` or `--payload`, as one stream.

use std::path::Path;

use serde_json::Value;

use hookbench_core::webhook::FixtureSet;
use hookbench_core::webhook::fixtures::SkippedFile;

use super::Failure;
use super::common;
use super::input::{self, Source};

/// One input: a usable body with its label, or why a line could not be used.
pub enum Body {
    Ok {
        label: String,
        text: String,
        json: Value,
    },
    Bad(String),
}

/// The bodies of a command, read as they are needed.
pub type Bodies = Box<dyn Iterator<Item = Body>>;

/// The built-in fixtures plus a user folder, whose files that cannot be loaded are left out and
/// kept in [`FixtureSet::skipped`]: one broken file does not stop the others.
pub fn fixture_set(dir: Option<&Path>) -> Result<FixtureSet, Failure> {
    let builtin = FixtureSet::builtin()?;
    match dir {
        Some(dir) => Ok(builtin.load_dir(dir)?),
        None => Ok(builtin),
    }
}

/// The bodies `--event`, `--all` or `--payload` name, read lazily (a JSONL file is streamed).
/// Errors that stop everything (unknown event, unreadable file, a fixture file that cannot be
/// loaded) come back at once.
pub fn select(
    event: Option<&str>,
    all: bool,
    payload: Option<&str>,
    fixtures_dir: Option<&Path>,
) -> Result<Bodies, Failure> {
    let (bodies, skipped) = select_with_skipped(event, all, payload, fixtures_dir)?;
    match skipped.into_iter().next() {
        Some(first) => Err(Failure::input(first.message)),
        None => Ok(bodies),
    }
}

/// As [`select`], but the fixture files that could not be loaded are left out and handed back
/// apart, for a command that goes on with the others and reports them.
pub fn select_with_skipped(
    event: Option<&str>,
    all: bool,
    payload: Option<&str>,
    fixtures_dir: Option<&Path>,
) -> Result<(Bodies, Vec<SkippedFile>), Failure> {
    if event.is_some() || all {
        let set = fixture_set(fixtures_dir)?;
        let chosen: Vec<Body> = match event {
            Some(name) => {
                // The name of a file that could not be loaded: its own error is the useful one.
                if set.get(name).is_none()
                    && let Some(skipped) = set.skipped().iter().find(|s| s.name == name)
                {
                    return Err(Failure::input(skipped.message.clone()));
                }
                let f = common::find_fixture(&set, name)?;
                vec![Body::Ok {
                    label: f.name.clone(),
                    text: f.body.clone(),
                    json: f.json.clone(),
                }]
            }
            None => set
                .iter()
                .map(|f| Body::Ok {
                    label: f.name.clone(),
                    text: f.body.clone(),
                    json: f.json.clone(),
                })
                .collect(),
        };
        return Ok((Box::new(chosen.into_iter()), set.skipped().to_vec()));
    }
    let Some(spec) = payload else {
        return Err(Failure::input("give --event, --all or --payload"));
    };
    let bodies: Bodies = match input::open(spec)? {
        Source::Single { origin, text, json } => {
            let event_type = hookbench_core::pipeline::event_type_of(&json);
            let label = if event_type.is_empty() {
                origin
            } else {
                event_type
            };
            Box::new(std::iter::once(Body::Ok { label, text, json }))
        }
        Source::Lines { origin, reader } => Box::new(input::lines(&origin, reader).map(
            move |line| match line.parsed {
                Ok((text, json)) => Body::Ok {
                    label: format!(
                        "{origin}:{} {}",
                        line.number,
                        hookbench_core::pipeline::event_type_of(&json)
                    ),
                    text,
                    json,
                },
                Err(message) => Body::Bad(message),
            },
        )),
    };
    Ok((bodies, Vec::new()))
}
