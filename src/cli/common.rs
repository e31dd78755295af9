//! What several subcommands share: config, transformation, engine, fixtures, JSON input.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use hookbench_core::config::{self, Config};
use hookbench_core::pipeline::PipelineSettings;
use hookbench_core::segment::LintOptions;
use hookbench_core::transform::presets::{self, DEFAULT_PRESET, TransformSource};
use hookbench_core::transform::{Engine, Limits};
use hookbench_core::webhook::{Fixture, FixtureSet};

use super::Failure;
use super::args::{GlobalArgs, TransformArgs};

pub fn load_config(global: &GlobalArgs) -> Result<Config, Failure> {
    config::load(global.config.as_deref()).map_err(|e| Failure::input(e.to_string()))
}

/// `--transform T`, else the config's default, else the default preset.
pub fn load_transform(args: &TransformArgs, config: &Config) -> Result<TransformSource, Failure> {
    let spec = args
        .transform
        .as_deref()
        .or(config.transform.default.as_deref())
        .unwrap_or(DEFAULT_PRESET);
    presets::resolve(spec).map_err(|e| Failure::input(e.to_string()))
}

/// How a transformation is named in messages: the path as given (editors jump to it), or the
/// preset's file name.
pub fn display_name(transform: &TransformSource) -> String {
    match &transform.origin {
        presets::TransformOrigin::File(path) => path.display().to_string(),
        presets::TransformOrigin::Preset => transform.name.clone(),
    }
}

pub fn limits(args: &TransformArgs, config: &Config) -> Result<Limits, Failure> {
    let mut limits = Limits::default();
    if let Some(ms) = args.timeout_ms {
        if ms == 0 {
            return Err(Failure::input("--timeout-ms must be at least 1"));
        }
        limits.timeout = Duration::from_millis(ms);
    } else if let Some(t) = config.timeout() {
        limits.timeout = t;
    }
    Ok(limits)
}

pub fn engine(args: &TransformArgs, config: &Config) -> Result<Engine, Failure> {
    Ok(Engine::new(limits(args, config)?))
}

pub fn lint_options(config: &Config) -> LintOptions {
    hookbench_core::pipeline::lint_options(config)
}

/// URL, env and lint options from flags over config.
pub fn settings(args: &TransformArgs, config: &Config) -> Result<PipelineSettings, Failure> {
    let mut settings = PipelineSettings::from_config(config);
    if let Some(url) = &args.url {
        settings.url = url.clone();
    }
    url::Url::parse(&settings.url)
        .map_err(|e| Failure::input(format!("--url {:?} is not a URL: {e}", settings.url)))?;
    let env = &mut settings.env;
    for pair in &args.env {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Failure::input(format!("--env {pair:?} must be KEY=VALUE")));
        };
        if key.is_empty() {
            return Err(Failure::input(format!("--env {pair:?} has an empty KEY")));
        }
        env.insert(key.to_string(), value.to_string());
    }
    Ok(settings)
}

/// The built-in fixtures, plus a user folder when given.
pub fn fixture_set(dir: Option<&Path>) -> Result<FixtureSet, Failure> {
    let builtin = FixtureSet::builtin().map_err(|e| Failure::input(e.to_string()))?;
    match dir {
        Some(dir) => builtin
            .with_dir(dir)
            .map_err(|e| Failure::input(e.to_string())),
        None => Ok(builtin),
    }
}

/// A fixture by name, or an error listing the closest names.
pub fn find_fixture<'a>(set: &'a FixtureSet, name: &str) -> Result<&'a Fixture, Failure> {
    set.find(name).map_err(|e| Failure::input(e.to_string()))
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
