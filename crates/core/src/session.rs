//! A session: what a command or the workbench works with, resolved once from the configuration
//! file and what the command line or the environment sets over it. Flags win over the file, the
//! file over built-in defaults.

use crate::text::{has_userinfo, without_userinfo};
use std::time::Duration;

use crate::config::{Config, StartDestination};
use crate::pipeline::PipelineSettings;
use crate::segment::{Destination, Region, WriteKey};
use crate::transform::Limits;
use crate::transform::presets::{
    self, DEFAULT_PRESET, ResolveError, TransformOrigin, TransformSource,
};

/// Retries of a call to Segment after its first attempt, unless told otherwise.
pub const DEFAULT_RETRIES: u32 = 4;

/// What the command line (or the process environment) sets over the configuration file. Every
/// field left `None` (or empty) falls back to the file.
#[derive(Debug, Clone, Default)]
pub struct SessionOverrides {
    /// `--transform`: a preset name or a path.
    pub transform: Option<String>,
    /// `--url`: `webhook.url` before the handler runs.
    pub url: Option<String>,
    /// `--env KEY=VALUE`, in order; later pairs win.
    pub env: Vec<String>,
    /// `--timeout-ms`: the budget of one run.
    pub timeout_ms: Option<u64>,
    /// `--write-key` or `SEGMENT_WRITE_KEY`, as given.
    pub write_key: Option<String>,
    /// `--region`.
    pub region: Option<Region>,
    /// `--endpoint`: a Segment-compatible base URL.
    pub endpoint: Option<String>,
}

/// Everything a session runs and sends with.
#[derive(Debug, Clone)]
pub struct Session {
    /// The transformation to load: `--transform`, else the file's default, else the default
    /// preset.
    pub transform: String,
    /// URL, env and lint options of every run.
    pub settings: PipelineSettings,
    pub limits: Limits,
    /// `--region`, else the file's, else the region of the transformation's URL, else US.
    pub region: Region,
    /// `--endpoint`, else the file's: when set, "Segment" means this endpoint.
    pub endpoint: Option<url::Url>,
    /// The write key given, else the file's.
    pub write_key: Option<WriteKey>,
    /// Where the workbench's sends start: the file's `[segment] destination`, else the local
    /// sink (a saved key alone never makes sends live).
    pub start_destination: StartDestination,
}

/// Flags or environment values a session cannot be made from.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("--url {url:?} is not a URL: {source}")]
    Url {
        url: String,
        #[source]
        source: url::ParseError,
    },
    #[error("--env {0:?} must be KEY=VALUE")]
    EnvPair(String),
    #[error("--env {0:?} has an empty KEY")]
    EnvKey(String),
    #[error("--timeout-ms must be at least 1")]
    ZeroTimeout,
    #[error("--endpoint {endpoint:?} is not a URL: {source}")]
    Endpoint {
        /// The flag's text without any user info.
        endpoint: String,
        #[source]
        source: url::ParseError,
    },
    #[error(
        "--endpoint {endpoint:?} has a user name or password in it; give the write key with \
         --write-key, SEGMENT_WRITE_KEY or [segment] write_key instead"
    )]
    EndpointUserinfo {
        /// The endpoint without its user info.
        endpoint: String,
    },
    #[error("the write key is empty (--write-key or SEGMENT_WRITE_KEY)")]
    EmptyWriteKey,
    #[error(
        "no write key: pass --write-key, set SEGMENT_WRITE_KEY or [segment] write_key in the config (or use --dry-run)"
    )]
    NoWriteKey,
}

impl Session {
    /// Resolves a session; every flag is checked here, before anything runs.
    pub fn resolve(config: &Config, overrides: &SessionOverrides) -> Result<Session, SessionError> {
        let transform = overrides
            .transform
            .as_deref()
            .or(config.transform.default.as_deref())
            .unwrap_or(DEFAULT_PRESET)
            .to_string();

        let mut settings = PipelineSettings::from_config(config);
        if let Some(url) = &overrides.url {
            settings.url = url.clone();
        }
        let url = url::Url::parse(&settings.url).map_err(|source| SessionError::Url {
            url: settings.url.clone(),
            source,
        })?;
        for pair in &overrides.env {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(SessionError::EnvPair(pair.clone()));
            };
            if key.is_empty() {
                return Err(SessionError::EnvKey(pair.clone()));
            }
            settings.env.insert(key.to_string(), value.to_string());
        }

        let mut limits = Limits::default();
        match overrides.timeout_ms {
            Some(0) => return Err(SessionError::ZeroTimeout),
            Some(ms) => limits.timeout = Duration::from_millis(ms),
            None => {
                if let Some(timeout) = config.timeout() {
                    limits.timeout = timeout;
                }
            }
        }

        let endpoint = match &overrides.endpoint {
            Some(endpoint) => {
                let url = url::Url::parse(endpoint).map_err(|source| SessionError::Endpoint {
                    endpoint: without_userinfo(endpoint),
                    source,
                })?;
                // A key in the URL would be shown in every banner and kept in history.
                if has_userinfo(&url) {
                    return Err(SessionError::EndpointUserinfo {
                        endpoint: without_userinfo(endpoint),
                    });
                }
                Some(url)
            }
            None => config.segment.endpoint.clone(),
        };
        let region = overrides
            .region
            .or(config.segment.region)
            .or_else(|| url.host_str().and_then(Region::of_host))
            .unwrap_or(Region::Us);
        let write_key = match &overrides.write_key {
            Some(raw) => Some(WriteKey::new(raw).ok_or(SessionError::EmptyWriteKey)?),
            None => config.segment.write_key.clone(),
        };

        Ok(Session {
            transform,
            settings,
            limits,
            region,
            endpoint,
            write_key,
            start_destination: config.segment.destination.unwrap_or_default(),
        })
    }

    /// Loads the session's transformation.
    pub fn load_transform(&self) -> Result<TransformSource, ResolveError> {
        presets::resolve(&self.transform)
    }

    /// Where calls go: nowhere on a dry run, else the endpoint when one is set, else Segment in
    /// the session's region.
    pub fn destination(&self, dry_run: bool) -> Destination {
        if dry_run {
            return Destination::DryRun;
        }
        match &self.endpoint {
            Some(base) => Destination::Endpoint(base.clone()),
            None => Destination::Segment(self.region),
        }
    }

    /// The write key calls to `destination` are made with: required for every destination but
    /// a dry run.
    pub fn write_key_for(
        &self,
        destination: &Destination,
    ) -> Result<Option<WriteKey>, SessionError> {
        if self.write_key.is_none() && *destination != Destination::DryRun {
            return Err(SessionError::NoWriteKey);
        }
        Ok(self.write_key.clone())
    }
}

/// How a transformation is named in messages and in history: the path as given (editors jump
/// to it), or the preset's file name.
pub fn transform_label(transform: &TransformSource) -> String {
    label_of(&transform.name, &transform.origin)
}

/// [`transform_label`] from a transformation's name and origin alone, for a shell that keeps
/// those without the source text.
pub fn label_of(name: &str, origin: &TransformOrigin) -> String {
    match origin {
        TransformOrigin::File(path) => path.display().to_string(),
        TransformOrigin::Preset => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str) -> Config {
        crate::config::parse(text, Path::new("c.toml")).expect("a valid config")
    }

    const KEY: &str = "wk_1234567890abcdefghijklmnopqrstu";

    #[test]
    fn defaults_without_config_or_flags() {
        let session =
            Session::resolve(&Config::default(), &SessionOverrides::default()).expect("resolves");
        assert_eq!(session.transform, DEFAULT_PRESET);
        assert_eq!(session.settings.url, crate::transform::DEFAULT_URL);
        assert_eq!(session.limits, Limits::default());
        assert_eq!(session.region, Region::Us);
        assert_eq!(session.endpoint, None);
        assert_eq!(session.write_key, None);
        assert_eq!(session.destination(false), Destination::Segment(Region::Us));
        assert_eq!(session.destination(true), Destination::DryRun);
    }

    #[test]
    fn the_workbench_starts_on_the_sink_unless_the_file_says_otherwise() {
        // A saved key alone does not make the workbench's sends live.
        let keyed = config(&format!("[segment]\nwrite_key = \"{KEY}\"\n"));
        let session = Session::resolve(&keyed, &SessionOverrides::default()).expect("resolves");
        assert_eq!(session.start_destination, StartDestination::Sink);
        let live = config(&format!(
            "[segment]\nwrite_key = \"{KEY}\"\ndestination = \"segment\"\n"
        ));
        let session = Session::resolve(&live, &SessionOverrides::default()).expect("resolves");
        assert_eq!(session.start_destination, StartDestination::Segment);
    }

    #[test]
    fn the_config_fills_what_flags_leave_out() {
        let file = config(&format!(
            "[transform]\ndefault = \"mine.js\"\ntimeout_ms = 250\nurl = \"https://events.eu1.segmentapis.com/v1/track\"\nenv = {{ A = \"1\" }}\n\n[segment]\nendpoint = \"http://127.0.0.1:9009\"\nwrite_key = \"{KEY}\"\n"
        ));
        let session = Session::resolve(&file, &SessionOverrides::default()).expect("resolves");
        assert_eq!(session.transform, "mine.js");
        assert_eq!(session.limits.timeout, Duration::from_millis(250));
        assert_eq!(session.region, Region::Eu, "from the URL's host");
        assert_eq!(session.settings.env.get("A").map(String::as_str), Some("1"));
        assert_eq!(
            session.destination(false),
            Destination::Endpoint(url::Url::parse("http://127.0.0.1:9009").expect("url"))
        );
        assert_eq!(session.write_key, WriteKey::new(KEY));
    }

    #[test]
    fn flags_win_over_the_config() {
        let file = config(
            "[transform]\ndefault = \"mine.js\"\ntimeout_ms = 250\nenv = { A = \"1\" }\n\n[segment]\nregion = \"eu\"\nwrite_key = \"wk_from_the_file_0000000000000\"\n",
        );
        let overrides = SessionOverrides {
            transform: Some("other.js".into()),
            url: Some("https://example.com/hook".into()),
            env: vec!["A=2".into(), "B=x=y".into()],
            timeout_ms: Some(40),
            write_key: Some(KEY.into()),
            region: Some(Region::Us),
            endpoint: Some("http://127.0.0.1:1234".into()),
        };
        let session = Session::resolve(&file, &overrides).expect("resolves");
        assert_eq!(session.transform, "other.js");
        assert_eq!(session.settings.url, "https://example.com/hook");
        assert_eq!(session.settings.env.get("A").map(String::as_str), Some("2"));
        assert_eq!(
            session.settings.env.get("B").map(String::as_str),
            Some("x=y")
        );
        assert_eq!(session.limits.timeout, Duration::from_millis(40));
        assert_eq!(session.region, Region::Us);
        assert_eq!(session.write_key, WriteKey::new(KEY));
        assert!(matches!(
            session.destination(false),
            Destination::Endpoint(base) if base.port() == Some(1234)
        ));
    }

    #[test]
    fn bad_flags_are_errors_naming_the_flag() {
        let cases: Vec<(SessionOverrides, &str)> = vec![
            (
                SessionOverrides {
                    url: Some("nope".into()),
                    ..Default::default()
                },
                "--url \"nope\" is not a URL",
            ),
            (
                SessionOverrides {
                    env: vec!["A".into()],
                    ..Default::default()
                },
                "must be KEY=VALUE",
            ),
            (
                SessionOverrides {
                    env: vec!["=1".into()],
                    ..Default::default()
                },
                "has an empty KEY",
            ),
            (
                SessionOverrides {
                    timeout_ms: Some(0),
                    ..Default::default()
                },
                "--timeout-ms must be at least 1",
            ),
            (
                SessionOverrides {
                    endpoint: Some("::".into()),
                    ..Default::default()
                },
                "--endpoint \"::\" is not a URL",
            ),
            (
                SessionOverrides {
                    write_key: Some("   ".into()),
                    ..Default::default()
                },
                "the write key is empty",
            ),
        ];
        for (overrides, expected) in cases {
            let err = Session::resolve(&Config::default(), &overrides).expect_err(expected);
            assert!(err.to_string().contains(expected), "{expected}: {err}");
        }
    }

    #[test]
    fn a_write_key_is_needed_except_for_a_dry_run() {
        let session =
            Session::resolve(&Config::default(), &SessionOverrides::default()).expect("resolves");
        assert!(matches!(
            session.write_key_for(&session.destination(false)),
            Err(SessionError::NoWriteKey)
        ));
        assert!(matches!(
            session.write_key_for(&Destination::DryRun),
            Ok(None)
        ));
    }

    #[test]
    fn transforms_are_labelled_by_path_or_preset_name() {
        let preset = presets::resolve(DEFAULT_PRESET).expect("the default preset");
        assert_eq!(transform_label(&preset), preset.name);
        let file = TransformSource {
            name: "mine.js".into(),
            stem: "mine".into(),
            origin: TransformOrigin::File("dir/mine.js".into()),
            source: String::new(),
            mapping: None,
        };
        assert_eq!(transform_label(&file), "dir/mine.js");
    }
}
