//! Everything read before the terminal is taken: config, keys, theme, the transformation, the
//! fixtures, the write key and the listener's setup. Every input error surfaces here.

use std::path::PathBuf;

use anyhow::Context;

use hookbench_core::config::{self, Config, UiLayout};
use hookbench_core::segment::sink::SinkOptions;
use hookbench_core::server::ServerLimits;
use hookbench_core::session::{Session, SessionOverrides};
use hookbench_core::transform::Limits;
use hookbench_core::webhook::FixtureSet;
use hookbench_core::webhook::signature::Secret;

use crate::highlight::Syntaxes;
use crate::keymap::KeyMap;
use crate::layout::LayoutChoice;
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
/// Where the local sink listens unless told otherwise, when the port is free (as `hookbench
/// sink` does); a free loopback port otherwise.
pub const DEFAULT_SINK_ADDR: &str = "127.0.0.1:9009";

/// Everything the workbench needs before it takes the terminal; every input error surfaces here,
/// before the screen changes.
pub struct Startup {
    pub init: AppInit,
    pub limits: Limits,
    /// Start the listener with the first frame.
    pub listen_at_start: bool,
    /// No theme was configured (`--theme`, `[ui] theme`) and colours are on: the terminal's
    /// background picks the built-in theme once the terminal is taken.
    pub detect_background: bool,
    /// How the listener finds its store and checks signatures.
    pub incoming: IncomingSetup,
}

/// What the listener needs (where history lives and the signing secret), and where the local
/// sink may listen.
#[derive(Clone)]
pub struct IncomingSetup {
    pub data_dir: Option<PathBuf>,
    pub secret: Option<Secret>,
    /// The addresses the local sink tries, in order; the first it can bind wins.
    pub sink_addrs: Vec<String>,
    /// `[receiver]`: how the listener holds its connections, as `listen` does.
    pub receiver_limits: ServerLimits,
    /// `[sink]`: what the local sink keeps and how it serves, as `hookbench sink` does.
    pub sink_options: SinkOptions,
}

/// Where `L` listens: `--listen ADDR`, else `[listen] addr`, else the default. A bare
/// `--listen` (an empty value) means the configured or default address.
pub fn listen_addr(flag: Option<&str>, config: &Config) -> String {
    flag.filter(|a| !a.is_empty())
        .map(str::to_string)
        .or_else(|| config.listen.addr.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN_ADDR.to_string())
}

/// The addresses the local sink tries: `[sink] addr` alone when set (a busy port is then an
/// error to show), else the default port and, when it is taken, any free loopback port.
pub fn sink_addrs(config: &Config) -> Vec<String> {
    match &config.sink.addr {
        Some(addr) => vec![addr.clone()],
        None => vec![DEFAULT_SINK_ADDR.to_string(), "127.0.0.1:0".to_string()],
    }
}

/// The layout `[ui] layout` names.
fn layout_choice(config: &Config) -> LayoutChoice {
    match config.ui.layout {
        None | Some(UiLayout::Auto) => LayoutChoice::Auto,
        Some(UiLayout::Wide) => LayoutChoice::Wide,
        Some(UiLayout::Split) => LayoutChoice::Split,
        Some(UiLayout::Tabs) => LayoutChoice::Tabs,
    }
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
    let configured_theme = options.theme.as_deref().or(config.ui.theme.as_deref());
    let theme_spec = configured_theme.unwrap_or("dark");
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
    // The code views' regexes compile while the rest is read and the first frame is drawn,
    // which shows the code plain if they are not ready by then.
    let syntaxes = if theme.syntax.is_some() {
        Syntaxes::prepare_in_background(transform.source.clone())
    } else {
        Syntaxes::on_demand()
    };

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
        listen_addr: listen_addr(options.listen.as_deref(), &config),
        mouse: config.ui.mouse.unwrap_or(true),
        size: (80, 24),
        layout: layout_choice(&config),
        syntaxes,
    };
    Ok(Startup {
        init,
        limits: session.limits,
        listen_at_start: options.listen.is_some(),
        detect_background: configured_theme.is_none() && !no_color,
        incoming: IncomingSetup {
            data_dir: options.data_dir.clone(),
            secret,
            sink_addrs: sink_addrs(&config),
            receiver_limits: config.receiver.limits(),
            sink_options: config.sink.options(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str) -> Config {
        config::parse(text, Path::new("c.toml")).expect("parses")
    }

    #[test]
    fn the_listen_flag_wins_over_the_config_and_a_bare_flag_takes_it() {
        let set = config("[listen]\naddr = \"127.0.0.1:9100\"\n");
        assert_eq!(listen_addr(Some("0.0.0.0:1"), &set), "0.0.0.0:1");
        assert_eq!(listen_addr(Some(""), &set), "127.0.0.1:9100");
        assert_eq!(listen_addr(None, &set), "127.0.0.1:9100");
        assert_eq!(listen_addr(None, &Config::default()), DEFAULT_LISTEN_ADDR);
    }

    #[test]
    fn the_sink_tries_its_default_port_then_any_unless_configured() {
        assert_eq!(
            sink_addrs(&Config::default()),
            vec![DEFAULT_SINK_ADDR.to_string(), "127.0.0.1:0".to_string()]
        );
        let set = config("[sink]\naddr = \"127.0.0.1:9200\"\n");
        assert_eq!(sink_addrs(&set), vec!["127.0.0.1:9200".to_string()]);
    }

    #[test]
    fn the_config_names_the_layout() {
        assert_eq!(layout_choice(&Config::default()), LayoutChoice::Auto);
        let set = config("[ui]\nlayout = \"tabs\"\n");
        assert_eq!(layout_choice(&set), LayoutChoice::Tabs);
    }
}
