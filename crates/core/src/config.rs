//! The configuration file (TOML). Unknown keys and bad values are errors naming the line, never a
//! silent default. Found at `--config FILE`, else `<platform config dir>/hookbench/config.toml`
//! when it exists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::segment::Region;
use crate::server::ServerLimits;
use crate::text::line_of;

/// Everything the configuration file can set, with its URLs parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub transform: TransformConfig,
    pub segment: SegmentConfig,
    pub ui: UiConfig,
    /// `[receiver]`: the limits of the webhook receiver's connections.
    pub receiver: ServerConfig,
    /// `[listen]`: where the workbench's listener takes webhooks.
    pub listen: AddrConfig,
    /// `[sink]`: where the workbench's local sink listens, the limits of a sink's connections
    /// and of what it keeps.
    pub sink: SinkConfig,
    /// `[keys]`: the workbench's key bindings, `action = "key"` or `action = ["key", …]`, as
    /// written. The workbench checks action names and key syntax; `line` lets it name the line.
    pub keys: Vec<KeyBinding>,
}

/// The file as written, before its URLs are parsed (so a bad one is reported with its
/// section and value, not as a TOML type error).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    transform: RawTransformConfig,
    segment: RawSegmentConfig,
    ui: UiConfig,
    receiver: ServerConfig,
    listen: AddrConfig,
    sink: SinkConfig,
    #[serde(rename = "keys", deserialize_with = "deserialize_keys")]
    keys: Vec<KeyBinding>,
}

/// `[transform]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawTransformConfig {
    default: Option<String>,
    timeout_ms: Option<u64>,
    url: Option<String>,
    env: BTreeMap<String, String>,
    paths: Vec<PathBuf>,
}

/// `[segment]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSegmentConfig {
    region: Option<Region>,
    endpoint: Option<String>,
    write_key: Option<crate::segment::WriteKey>,
    gzip: Option<bool>,
    destination: Option<StartDestination>,
}

/// `[ui]`
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// A built-in theme name (`dark`, `light`), a theme in the config dir's `themes/`, or a path
    /// to a theme file.
    pub theme: Option<String>,
    /// Mouse support in the workbench (default on).
    pub mouse: Option<bool>,
    /// How the workbench arranges its panes (default `auto`).
    pub layout: Option<UiLayout>,
}

/// `[ui] layout`: how the workbench arranges its panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UiLayout {
    /// Every pane side by side on wide screens, a split below 140 columns.
    Auto,
    /// Events, Webhook, Transform and Segment side by side.
    Wide,
    /// Webhook and Transform as tabs with Segment beside (or under) them.
    Split,
    /// Webhook, Transform and Segment as tabs.
    Tabs,
}

/// `[listen]`: an address to listen on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddrConfig {
    /// `HOST:PORT`, such as `127.0.0.1:8787`.
    pub addr: Option<String>,
}

/// Checks that `addr` is `HOST:PORT` with a port number; the socket itself is only opened
/// when the listener or sink starts.
fn check_addr(section: &str, addr: &str) -> Result<(), String> {
    let port_ok = addr
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if port_ok {
        Ok(())
    } else {
        Err(format!(
            "[{section}] addr {addr:?} is not HOST:PORT (e.g. 127.0.0.1:8787)"
        ))
    }
}

/// `[receiver]`, and the connection keys of `[sink]`: what a server holds its connections to.
/// Unset keys keep the defaults of [`ServerLimits`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Complete request headers must arrive within this many milliseconds.
    pub header_timeout_ms: Option<u64>,
    /// A connection idle between requests is closed after this many milliseconds.
    pub idle_timeout_ms: Option<u64>,
    /// The most connections open at once.
    pub max_connections: Option<usize>,
}

impl ServerConfig {
    /// The limits this sets, defaults for what it leaves out.
    pub fn limits(&self) -> ServerLimits {
        let defaults = ServerLimits::default();
        ServerLimits {
            header_read: self
                .header_timeout_ms
                .map_or(defaults.header_read, Duration::from_millis),
            idle: self
                .idle_timeout_ms
                .map_or(defaults.idle, Duration::from_millis),
            max_connections: self.max_connections.unwrap_or(defaults.max_connections),
        }
    }

    fn check(&self, section: &str) -> Result<(), String> {
        for (key, value) in [
            ("header_timeout_ms", self.header_timeout_ms),
            ("idle_timeout_ms", self.idle_timeout_ms),
            ("max_connections", self.max_connections.map(|n| n as u64)),
        ] {
            if value == Some(0) {
                return Err(format!("[{section}] {key} must be at least 1"));
            }
        }
        Ok(())
    }
}

/// `[sink]`: where the workbench's sink listens, its connections' limits and how much it keeps
/// of the calls it received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SinkConfig {
    /// `HOST:PORT` of the workbench's local sink, such as `127.0.0.1:9009`.
    pub addr: Option<String>,
    pub header_timeout_ms: Option<u64>,
    pub idle_timeout_ms: Option<u64>,
    pub max_connections: Option<usize>,
    /// The most bytes of calls kept (the oldest go first).
    pub max_bytes: Option<usize>,
}

impl SinkConfig {
    /// What a sink keeps and how it serves, defaults for what this leaves out: `hookbench sink`
    /// and the workbench's own sink both start from it.
    pub fn options(&self) -> crate::segment::sink::SinkOptions {
        crate::segment::sink::SinkOptions {
            max_bytes: self
                .max_bytes
                .unwrap_or(crate::segment::sink::DEFAULT_MAX_BYTES),
            server: self.server().limits(),
            ..crate::segment::sink::SinkOptions::default()
        }
    }

    /// The connection keys alone.
    pub fn server(&self) -> ServerConfig {
        ServerConfig {
            header_timeout_ms: self.header_timeout_ms,
            idle_timeout_ms: self.idle_timeout_ms,
            max_connections: self.max_connections,
        }
    }
}

/// One `[keys]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBinding {
    pub action: String,
    pub keys: Vec<String>,
    /// 1-based line of the entry's value in the file.
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn deserialize_keys<'de, D>(deserializer: D) -> Result<Vec<KeyBinding>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw: BTreeMap<String, toml::Spanned<OneOrMany>> = BTreeMap::deserialize(deserializer)?;
    Ok(raw
        .into_iter()
        .map(|(action, spanned)| {
            // The byte offset becomes a line once the text is at hand (see `parse`).
            let line = spanned.span().start;
            let keys = match spanned.into_inner() {
                OneOrMany::One(k) => vec![k],
                OneOrMany::Many(ks) => ks,
            };
            KeyBinding { action, keys, line }
        })
        .collect())
}

/// `[transform]`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransformConfig {
    /// Preset name or path used when `--transform` is not given.
    pub default: Option<String>,
    /// Time budget of one run, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// `webhook.url` before the handler runs.
    pub url: Option<url::Url>,
    /// `webhook.env`: the variables a transformation reads.
    pub env: BTreeMap<String, String>,
    /// More transformation files the workbench's picker lists.
    pub paths: Vec<PathBuf>,
}

/// `[segment]`
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentConfig {
    /// The workspace's region: lint warns when a call goes to the other one.
    pub region: Option<Region>,
    /// A Segment-compatible endpoint treated as Segment (base URL).
    pub endpoint: Option<url::Url>,
    /// The write key, when not given by `--write-key` or `SEGMENT_WRITE_KEY`. Keep the file
    /// private (the workbench writes it with mode 0600).
    pub write_key: Option<crate::segment::WriteKey>,
    /// Compress the bodies `send` writes with gzip (`gzip = true`), as Segment accepts.
    pub gzip: bool,
    /// Where the workbench's sends go when it starts (`destination = "sink"`, `"dry-run"` or
    /// `"segment"`); unset, the local sink, whatever key is saved.
    pub destination: Option<StartDestination>,
}

/// Where the workbench's sends go when it starts. Only `segment` reaches a live workspace, so
/// it is never the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartDestination {
    /// The local sink: calls are answered on this machine and never reach Segment.
    #[default]
    Sink,
    /// Nothing is sent: the request is shown.
    DryRun,
    /// Segment (or the configured endpoint), with the write key.
    Segment,
}

impl Config {
    /// The run budget the file sets, if any.
    pub fn timeout(&self) -> Option<Duration> {
        self.transform.timeout_ms.map(Duration::from_millis)
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// Where the configuration file is looked for when `--config` is not given.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("hookbench").join("config.toml"))
}

/// Parses configuration text; `path` only names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let mut raw: RawConfig =
        toml::from_str(text).map_err(|e| invalid(describe_toml_error(text, &e)))?;
    for binding in &mut raw.keys {
        binding.line = line_of(text, binding.line);
    }
    let endpoint = match &raw.segment.endpoint {
        Some(endpoint) => {
            let shown = crate::text::without_userinfo(endpoint);
            let url = url::Url::parse(endpoint)
                .map_err(|e| invalid(format!("[segment] endpoint {shown:?} is not a URL: {e}")))?;
            // A key in the URL would be shown in every banner and kept in history.
            if crate::text::has_userinfo(&url) {
                return Err(invalid(format!(
                    "[segment] endpoint {shown:?} has a user name or password in it; give \
                         the write key with [segment] write_key, --write-key or \
                         SEGMENT_WRITE_KEY instead"
                )));
            }
            Some(url)
        }
        None => None,
    };
    let url = match &raw.transform.url {
        Some(u) => Some(
            url::Url::parse(u)
                .map_err(|e| invalid(format!("[transform] url {u:?} is not a URL: {e}")))?,
        ),
        None => None,
    };
    for (section, addr) in [("listen", &raw.listen.addr), ("sink", &raw.sink.addr)] {
        if let Some(addr) = addr {
            check_addr(section, addr).map_err(invalid)?;
        }
    }
    if raw.transform.timeout_ms == Some(0) {
        return Err(invalid("[transform] timeout_ms must be at least 1".into()));
    }
    raw.receiver.check("receiver").map_err(invalid)?;
    raw.sink.server().check("sink").map_err(invalid)?;
    if let Some(bytes) = raw.sink.max_bytes
        && bytes < crate::segment::sink::MIN_MAX_BYTES
    {
        return Err(invalid(format!(
            "[sink] max_bytes must be at least {} (1 MiB)",
            crate::segment::sink::MIN_MAX_BYTES
        )));
    }
    Ok(Config {
        transform: TransformConfig {
            default: raw.transform.default,
            timeout_ms: raw.transform.timeout_ms,
            url,
            env: raw.transform.env,
            paths: raw.transform.paths,
        },
        segment: SegmentConfig {
            region: raw.segment.region,
            endpoint,
            write_key: raw.segment.write_key,
            gzip: raw.segment.gzip.unwrap_or(false),
            destination: raw.segment.destination,
        },
        ui: raw.ui,
        receiver: raw.receiver,
        listen: raw.listen,
        sink: raw.sink,
        keys: raw.keys,
    })
}

/// "line L, column C: message", from the error's byte span. Other TOML files (themes) use it
/// too, so every file names its errors the same way.
pub fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().to_string();
    match error.span() {
        Some(span) => {
            let before = text.get(..span.start.min(text.len())).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// Loads `explicit` (which must exist), else the default file when present, else defaults.
pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match default_path() {
            Some(p) if p.is_file() => p,
            _ => return Ok(Config::default()),
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    parse(&text, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses() {
        let text = "[transform]\ndefault = \"mine.js\"\ntimeout_ms = 250\nenv = { SEGMENT_REGION = \"eu\" }\n\n[segment]\nregion = \"eu\"\nendpoint = \"http://127.0.0.1:9009\"\n";
        let config = parse(text, Path::new("c.toml")).expect("parses");
        assert_eq!(config.transform.default.as_deref(), Some("mine.js"));
        assert_eq!(config.timeout(), Some(Duration::from_millis(250)));
        assert_eq!(
            config
                .transform
                .env
                .get("SEGMENT_REGION")
                .map(String::as_str),
            Some("eu")
        );
        assert_eq!(config.segment.region, Some(Region::Eu));
        assert!(
            !config.segment.gzip,
            "bodies are not compressed unless asked"
        );
        assert_eq!(
            config.segment.endpoint.as_ref().map(url::Url::as_str),
            Some("http://127.0.0.1:9009/"),
            "URLs are parsed once, at load"
        );
    }

    #[test]
    fn gzip_is_a_segment_setting() {
        let config = parse("[segment]\ngzip = true\n", Path::new("c.toml")).expect("parses");
        assert!(config.segment.gzip);
        assert!(parse("[segment]\ngzip = \"yes\"\n", Path::new("c.toml")).is_err());
    }

    #[test]
    fn the_workbench_destination_is_a_segment_setting() {
        assert_eq!(
            parse("", Path::new("c.toml"))
                .expect("parses")
                .segment
                .destination,
            None
        );
        for (text, expected) in [
            ("sink", StartDestination::Sink),
            ("dry-run", StartDestination::DryRun),
            ("segment", StartDestination::Segment),
        ] {
            let config = parse(
                &format!("[segment]\ndestination = \"{text}\"\n"),
                Path::new("c.toml"),
            )
            .expect("parses");
            assert_eq!(config.segment.destination, Some(expected));
        }
        let err = parse("[segment]\ndestination = \"live\"\n", Path::new("c.toml"))
            .expect_err("unknown destination");
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn ui_and_keys_sections_parse_with_lines() {
        let text = "[ui]\ntheme = \"light\"\n\n[keys]\nquit = \"ctrl-q\"\nhelp = [\"?\", \"f1\"]\n";
        let config = parse(text, Path::new("c.toml")).expect("parses");
        assert_eq!(config.ui.theme.as_deref(), Some("light"));
        assert_eq!(
            config.keys,
            vec![
                KeyBinding {
                    action: "help".into(),
                    keys: vec!["?".into(), "f1".into()],
                    line: 6
                },
                KeyBinding {
                    action: "quit".into(),
                    keys: vec!["ctrl-q".into()],
                    line: 5
                },
            ]
        );
        let err = parse("[keys]\nquit = 3\n", Path::new("c.toml")).expect_err("not a key");
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn an_unknown_key_names_its_line() {
        let text = "[transform]\ntimeout_ms = 250\ntimout = 3\n";
        let err = parse(text, Path::new("c.toml")).expect_err("unknown key");
        let shown = err.to_string();
        assert!(shown.contains("c.toml"), "{shown}");
        assert!(shown.contains("line 3"), "{shown}");
        assert!(shown.contains("timout"), "{shown}");
    }

    #[test]
    fn bad_values_are_errors() {
        for (text, expected) in [
            ("[segment]\nregion = \"asia\"\n", "line 2"),
            ("[transform]\ntimeout_ms = \"fast\"\n", "line 2"),
            ("[transform]\ntimeout_ms = 0\n", "at least 1"),
            ("[segment]\nendpoint = \"not a url\"\n", "not a URL"),
            (
                "[transform]\nurl = \"::\"\n",
                "[transform] url \"::\" is not a URL",
            ),
        ] {
            let err = parse(text, Path::new("c.toml")).expect_err(text);
            assert!(err.to_string().contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn server_limits_parse_and_default() {
        let text = "[receiver]\nheader_timeout_ms = 200\nmax_connections = 32\n\n[sink]\nidle_timeout_ms = 300\nmax_bytes = 2000000\n";
        let config = parse(text, Path::new("c.toml")).expect("parses");
        let receiver = config.receiver.limits();
        assert_eq!(receiver.header_read, Duration::from_millis(200));
        assert_eq!(receiver.max_connections, 32);
        assert_eq!(receiver.idle, ServerLimits::default().idle);
        assert_eq!(
            config.sink.server().limits().idle,
            Duration::from_millis(300)
        );
        assert_eq!(config.sink.max_bytes, Some(2_000_000));
        // What both sinks (the command and the workbench's) start from.
        let options = config.sink.options();
        assert_eq!(options.max_bytes, 2_000_000);
        assert_eq!(options.server.idle, Duration::from_millis(300));
        assert_eq!(
            Config::default().sink.options(),
            crate::segment::sink::SinkOptions::default()
        );
        for text in [
            "[receiver]\nmax_connections = 0\n",
            "[sink]\nheader_timeout_ms = 0\n",
            "[sink]\nmax_bytes = 1000\n",
        ] {
            let err = parse(text, Path::new("c.toml")).expect_err(text);
            assert!(err.to_string().contains("at least 1"), "{text}: {err}");
        }
        assert!(parse("[receiver]\nmax_body = 3\n", Path::new("c.toml")).is_err());
    }

    #[test]
    fn layout_and_addresses_parse_and_are_checked() {
        let text = "[ui]\nlayout = \"split\"\n[listen]\naddr = \"127.0.0.1:9000\"\n[sink]\naddr = \"localhost:9009\"\n";
        let config = parse(text, Path::new("c.toml")).expect("parses");
        assert_eq!(config.ui.layout, Some(UiLayout::Split));
        assert_eq!(config.listen.addr.as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(config.sink.addr.as_deref(), Some("localhost:9009"));
        for (text, expected) in [
            ("[ui]\nlayout = \"grid\"\n", "line 2"),
            (
                "[listen]\naddr = \"8787\"\n",
                "[listen] addr \"8787\" is not HOST:PORT",
            ),
            ("[sink]\naddr = \"127.0.0.1:99999\"\n", "[sink] addr"),
            ("[sink]\nport = 9009\n", "line 2"),
        ] {
            let err = parse(text, Path::new("c.toml")).expect_err(text);
            assert!(err.to_string().contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let err = load(Some(Path::new("/nonexistent/hookbench.toml"))).expect_err("missing");
        assert!(err.to_string().contains("cannot read config file"), "{err}");
    }
}
