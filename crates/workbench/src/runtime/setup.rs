//! Everything read before the terminal is taken: config, keys, theme, the transformation, the
//! fixtures, the write key and the listener's setup. Every input error surfaces here.

use std::path::PathBuf;

use anyhow::Context;

use hookbench_core::config::{self, Config};
use hookbench_core::session::{Session, SessionOverrides};
use hookbench_core::transform::Limits;
use hookbench_core::webhook::FixtureSet;
use hookbench_core::webhook::signature::Secret;

use crate::keymap::KeyMap;
use crate::model::app::AppInit;
use crate::model::sending::{DestinationChoice, SendState};
use crate::theme::Theme;

/// How the workbench was started (`hookbench [tui] …`).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub transform: Option<String>,
    pub event: Option<String>,
    pub theme: Option<String>,
    pub config: Option<PathBuf>,
    pub fixtures: Option<PathBuf>,
    /// Start the listener at this address.
    pub listen: Option<String>,
    /// Where the history store lives (`--data-dir`).
    pub data_dir: Option<PathBuf>,
}

/// Where `L` listens unless told otherwise.
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:8787";

/// Everything the workbench needs before it takes the terminal; every input error surfaces here,
/// before the screen changes.
pub struct Startup {
    pub init: AppInit,
    pub limits: Limits,
    /// Start the listener with the first frame.
    pub listen_at_start: bool,
    /// How the listener finds its store and checks signatures.
    pub incoming: IncomingSetup,
}

/// What the listener needs: where history lives and the signing secret.
#[derive(Clone)]
pub struct IncomingSetup {
    pub data_dir: Option<PathBuf>,
    pub secret: Option<Secret>,
}

/// Reads config, keys, theme, transformation and fixtures.
pub fn prepare(options: &Options) -> anyhow::Result<Startup> {
    let config = config::load(options.config.as_deref())?;
    let config_path = options
        .config
        .clone()
        .or_else(config::default_path)
        .unwrap_or_else(|| PathBuf::from("config.toml"));
    let keymap = KeyMap::with_config(&config.keys, &config_path)?;
    let no_color = Theme::no_color_requested(std::env::var_os("NO_COLOR").as_deref());
    let theme_spec = options
        .theme
        .as_deref()
        .or(config.ui.theme.as_deref())
        .unwrap_or("dark");
    let user_themes = config::default_path().and_then(|p| p.parent().map(|d| d.join("themes")));
    let theme = Theme::load(theme_spec, user_themes.as_deref(), no_color)?;

    // The workbench takes no Segment flags: the key comes from the environment (a blank
    // variable counts as unset, as the secret's does) or the file.
    let overrides = SessionOverrides {
        transform: options.transform.clone(),
        write_key: std::env::var("SEGMENT_WRITE_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty()),
        ..SessionOverrides::default()
    };
    let session = Session::resolve(&config, &overrides)?;
    let transform = session.load_transform()?;

    // A fixture file that cannot be loaded is left out and shown once the workbench is up;
    // only a folder that cannot be listed stops the start.
    let mut fixtures = FixtureSet::builtin()?;
    if let Some(dir) = &options.fixtures {
        fixtures = fixtures.load_dir(dir)?;
    }
    if let Some(event) = &options.event
        && fixtures.get(event).is_none()
    {
        if let Some(skipped) = fixtures.skipped().iter().find(|s| &s.name == event) {
            anyhow::bail!("{}", skipped.message);
        }
        fixtures.find(event)?;
    }

    let mut send = SendState::new(
        session.write_key.clone(),
        session.region,
        session.endpoint.clone(),
        Some(config_path.clone()),
    );
    send.choice = DestinationChoice::from_config(session.start_destination);
    let secret = match std::env::var("HOOKBENCH_WEBHOOK_SECRET") {
        Ok(text) if !text.trim().is_empty() => {
            Some(Secret::parse(text.trim()).context("HOOKBENCH_WEBHOOK_SECRET")?)
        }
        _ => None,
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let init = AppInit {
        fixtures,
        transform,
        event: options.event.clone(),
        settings: session.settings,
        theme,
        keymap,
        cwd,
        config_paths: config_paths(&config),
        send,
        listen_addr: options
            .listen
            .clone()
            .unwrap_or_else(|| DEFAULT_LISTEN_ADDR.to_string()),
        mouse: config.ui.mouse.unwrap_or(true),
        size: (80, 24),
    };
    Ok(Startup {
        init,
        limits: session.limits,
        listen_at_start: options.listen.is_some(),
        incoming: IncomingSetup {
            data_dir: options.data_dir.clone(),
            secret,
        },
    })
}

/// The config's transformation paths, `~/` meaning the home directory.
fn config_paths(config: &Config) -> Vec<PathBuf> {
    config
        .transform
        .paths
        .iter()
        .map(|p| match (p.strip_prefix("~"), dirs::home_dir()) {
            (Ok(rest), Some(home)) => home.join(rest),
            _ => p.clone(),
        })
        .collect()
}
