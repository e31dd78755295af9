//! What several subcommands share: config, transformation, engine, fixtures, JSON input.

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use hookbench_core::config::{self, Config};
use hookbench_core::pipeline::Pipeline;
use hookbench_core::segment::LintOptions;
use hookbench_core::session::{Session, SessionOverrides, transform_label};
use hookbench_core::transform::Engine;
use hookbench_core::transform::presets::TransformSource;
use hookbench_core::webhook::{Fixture, FixtureSet};

use super::Failure;
use super::args::{GlobalArgs, SegmentArgs, TransformArgs};

pub fn load_config(global: &GlobalArgs) -> Result<Config, Failure> {
    Ok(config::load(global.config.as_deref())?)
}

/// The session a command runs with: the config under the transformation flags and, for
/// commands that send, the Segment flags.
pub fn session(
    config: &Config,
    transform: &TransformArgs,
    segment: Option<&SegmentArgs>,
) -> Result<Session, Failure> {
    let overrides = SessionOverrides {
        transform: transform.transform.clone(),
        url: transform.url.clone(),
        env: transform.env.clone(),
        timeout_ms: transform.timeout_ms,
        write_key: segment.and_then(|s| s.write_key.clone()),
        region: segment.and_then(|s| s.region),
        endpoint: segment.and_then(|s| s.endpoint.clone()),
    };
    Ok(Session::resolve(config, &overrides)?)
}

/// The session's transformation, loaded; a mapping's warnings are printed once.
pub fn load_transform(session: &Session) -> Result<TransformSource, Failure> {
    let transform = session.load_transform()?;
    if let Some(text) = &transform.mapping {
        let label = transform_label(&transform);
        let mut err = super::output::stderr_text();
        for d in hookbench_core::mapping::parse::parse(text).diagnostics {
            let _ = writeln!(err, "{}", hookbench_core::mapping::render(&label, text, &d));
        }
    }
    Ok(transform)
}

/// A pipeline running `transform` with the session's settings, and the name the
/// transformation is shown and kept in history by; the sandbox's compatibility warnings are
/// printed once.
pub fn pipeline(session: &Session, transform: &TransformSource) -> (Pipeline, String) {
    pipeline_on(engine(session), session, transform)
}

/// The JS engine for the session's limits. Started before the input is read, its first worker
/// sets up its runtime meanwhile.
pub fn engine(session: &Session) -> Engine {
    Engine::new(session.limits)
}

/// [`pipeline`] on an engine already started.
pub fn pipeline_on(
    engine: Engine,
    session: &Session,
    transform: &TransformSource,
) -> (Pipeline, String) {
    let pipeline = Pipeline::new(
        engine,
        &transform.name,
        &transform.source,
        session.settings.clone(),
    );
    let shown_name = transform_label(transform);
    super::render::compat_warnings(&shown_name, &pipeline.compat_warnings());
    (pipeline, shown_name)
}

pub fn lint_options(config: &Config) -> LintOptions {
    hookbench_core::pipeline::lint_options(config)
}

/// The built-in fixtures, plus a user folder when given.
pub fn fixture_set(dir: Option<&Path>) -> Result<FixtureSet, Failure> {
    let builtin = FixtureSet::builtin()?;
    match dir {
        Some(dir) => Ok(builtin.with_dir(dir)?),
        None => Ok(builtin),
    }
}

/// A fixture by name, or an error listing the closest names.
pub fn find_fixture<'a>(set: &'a FixtureSet, name: &str) -> Result<&'a Fixture, Failure> {
    Ok(set.find(name)?)
}

/// Parses JSON text, or an error naming `origin`, line and column.
pub fn parse_json(origin: &str, text: &str) -> Result<Value, Failure> {
    serde_json::from_str(text).map_err(|e| {
        Failure::input(format!(
            "{origin}:{}:{}: invalid JSON: {}",
            e.line(),
            e.column().max(1),
            strip_position(&e.to_string())
        ))
    })
}

pub use hookbench_core::json_error::strip_position;

/// A clear message for an address a server cannot listen on; `who` names the command in the
/// hint ("another hookbench listen?") and `port` is its default, for the example.
pub fn bind_error(addr: &str, error: &std::io::Error, who: &str, port: u16) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the address is already in use (another hookbench {who}? \
             pick another port with --addr)"
        ),
        std::io::ErrorKind::AddrNotAvailable => {
            format!("cannot listen on {addr}: the address is not available on this machine")
        }
        std::io::ErrorKind::PermissionDenied => {
            format!("cannot listen on {addr}: permission denied (ports below 1024 need privileges)")
        }
        _ if !addr.contains(':') => {
            format!("cannot listen on {addr}: expected HOST:PORT, e.g. 127.0.0.1:{port} ({error})")
        }
        _ => format!("cannot listen on {addr}: {error}"),
    }
}
