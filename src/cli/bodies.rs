//! The webhook bodies a command works on, from `--event`, `--all` or `--payload`, as one stream.

use serde_json::Value;

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

/// The bodies `--event`, `--all` or `--payload` name, read lazily (a JSONL file is streamed).
/// Errors that stop everything (unknown event, unreadable file) come back at once.
pub fn select(
    event: Option<&str>,
    all: bool,
    payload: Option<&str>,
    fixtures_dir: Option<&std::path::Path>,
) -> Result<Box<dyn Iterator<Item = Body>>, Failure> {
    if event.is_some() || all {
        let set = common::fixture_set(fixtures_dir)?;
        let chosen: Vec<Body> = match event {
            Some(name) => {
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
        return Ok(Box::new(chosen.into_iter()));
    }
    let Some(spec) = payload else {
        return Err(Failure::input("give --event, --all or --payload"));
    };
    match input::open(spec)? {
        Source::Single { origin, text, json } => {
            let event_type = hookbench_core::pipeline::event_type_of(&json);
            let label = if event_type.is_empty() {
                origin
            } else {
                event_type
            };
            Ok(Box::new(std::iter::once(Body::Ok { label, text, json })))
        }
        Source::Lines { origin, reader } => Ok(Box::new(input::lines(&origin, reader).map(
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
        ))),
    }
}
