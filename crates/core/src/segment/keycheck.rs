//! Checking a write key before going live, without sending an event: Segment's tracking API
//! answers 200 to unknown keys, so the only unauthenticated signal is the settings document its
//! CDN serves for a key (`GET <cdn>/v1/projects/<key>/settings`).
//!
//! The key is in that URL's path: every text that could carry the URL (reqwest's errors, the
//! CDN's answer) goes through [`redact`] before it is shown.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Region;
use super::mask::redact;
use super::send::WriteKey;

/// Segment's settings CDN.
pub const DEFAULT_CDN: &str = "https://cdn.segment.com";
/// Every Segment write key has this many characters.
pub const KEY_LENGTH: usize = 32;
/// `integrations["Segment.io"].apiHost` when the settings do not say.
pub const DEFAULT_API_HOST: &str = "api.segment.io/v1";

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// What the CDN says about a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// The CDN serves settings for it: the key exists.
    Valid,
    /// 404: unknown, or created too recently to have reached the CDN.
    Unknown,
    /// Any other answer, or none.
    Unverifiable,
}

/// The outcome of a check. No field holds the key in clear.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCheck {
    pub status: KeyStatus,
    /// The CDN's HTTP status, when it answered.
    pub http_status: Option<u16>,
    /// The key's region, from the settings' `apiHost` (Segment's default host when absent).
    pub region: Option<Region>,
    /// `integrations["Segment.io"].apiHost` as the settings give it.
    pub api_host: Option<String>,
    /// The destinations enabled in device mode: the other keys of `integrations`, sorted.
    pub destinations: Vec<String>,
    /// What the result means, for people.
    pub message: String,
}

impl KeyCheck {
    fn unverifiable(http_status: Option<u16>, message: String) -> KeyCheck {
        KeyCheck {
            status: KeyStatus::Unverifiable,
            http_status,
            region: None,
            api_host: None,
            destinations: Vec::new(),
            message,
        }
    }

    /// `{"status","http_status","region","api_host","destinations","message"}`.
    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status,
            "http_status": self.http_status,
            "region": self.region,
            "api_host": self.api_host,
            "destinations": self.destinations,
            "message": self.message,
        })
    }
}

/// A write key refused before asking the CDN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    /// Empty, or only white space.
    #[error("the write key is empty")]
    Empty,
}

/// Checks that need no network. An empty or blank key is an error; a key that does not look
/// like Segment's (32 letters and digits) gets warnings, since only the CDN can tell.
pub fn local_checks(raw: &str) -> Result<(WriteKey, Vec<String>), KeyFormatError> {
    let Some(key) = WriteKey::new(raw) else {
        return Err(KeyFormatError::Empty);
    };
    let mut warnings = Vec::new();
    let length = key.len();
    if length != KEY_LENGTH {
        warnings.push(format!(
            "the key has {length} characters; Segment's write keys have {KEY_LENGTH}"
        ));
    }
    if !key.expose().chars().all(|c| c.is_ascii_alphanumeric()) {
        warnings.push(
            "the key has characters other than letters and digits; Segment's write keys have \
             none (a pasted quote, space or prefix?)"
                .to_string(),
        );
    }
    Ok((key, warnings))
}

/// An HTTP client for the check: rustls, 10 s to connect, 30 s in all, `hookbench/<version>`.
/// It follows no redirect: the key is in the URL's path, and a redirect would hand it to
/// whatever host the answer names.
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .user_agent(concat!("hookbench/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// `<cdn>/v1/projects/<key>/settings`, keeping any path the base has. None for a base that
/// cannot take a path.
fn settings_url(cdn_base: &url::Url, key: &WriteKey) -> Option<url::Url> {
    let mut url = cdn_base.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut().ok()?.pop_if_empty().extend([
        "v1",
        "projects",
        key.expose(),
        "settings",
    ]);
    Some(url)
}

/// Asks the CDN for the key's settings. Never sends an event.
pub async fn verify(http: &reqwest::Client, cdn_base: &url::Url, key: &WriteKey) -> KeyCheck {
    let secret = key.expose();
    let origin = origin_of(cdn_base);
    let Some(url) = settings_url(cdn_base, key) else {
        return KeyCheck::unverifiable(
            None,
            redact(
                &format!("{cdn_base} cannot serve settings (not an HTTP URL)"),
                secret,
            ),
        );
    };
    let response = match http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
    {
        Ok(response) => response,
        Err(e) => {
            return KeyCheck::unverifiable(None, redact(&describe_error(e, &origin), secret));
        }
    };
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        return KeyCheck::unverifiable(Some(status), redirect_message(status, &response));
    }
    match response.text().await {
        Ok(body) => interpret(status, &body, key),
        Err(e) => KeyCheck::unverifiable(
            Some(status),
            redact(
                &format!(
                    "the CDN answered HTTP {status} but its body could not be read: {}",
                    describe_error(e, &origin)
                ),
                secret,
            ),
        ),
    }
}

/// `scheme://host[:port]` of the CDN: what messages name, never the full URL.
fn origin_of(url: &url::Url) -> String {
    match url.host_str() {
        Some(host) => match url.port() {
            Some(port) => format!("{}://{host}:{port}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        },
        None => url.scheme().to_string(),
    }
}

/// What a redirect answer is said to be: its status and the host it points to, never the
/// location's path (where the key would be) nor its query.
fn redirect_message(status: u16, response: &reqwest::Response) -> String {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| response.url().join(v).ok());
    let target = match location.as_ref().and_then(|l| l.host_str()) {
        Some(host) => format!(" to {}", crate::text::escape_controls(host, false)),
        None => String::new(),
    };
    format!(
        "unexpected answer: the CDN answered HTTP {status}, a redirect{target}; it is not \
         followed, so the key is not sent to another address"
    )
}

/// A reqwest error for people: what failed and the root causes, without the URL.
fn describe_error(error: reqwest::Error, origin: &str) -> String {
    let (what, root_only) = if error.is_timeout() {
        (format!("no answer from {origin} in time"), false)
    } else if error.is_connect() {
        // The root cause says it all ("Connection refused", a DNS or certificate error).
        (format!("could not connect to {origin}"), true)
    } else {
        (format!("the request to {origin} failed"), false)
    };
    let error = error.without_url();
    let mut causes: Vec<String> = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(&error);
    while let Some(e) = source {
        let text = e.to_string();
        if !text.is_empty() && !causes.iter().any(|c| c.contains(&text)) {
            causes.retain(|c| !text.contains(c.as_str()));
            causes.push(text);
        }
        source = e.source();
    }
    if root_only && causes.len() > 1 {
        causes.drain(..causes.len() - 1);
    }
    if causes.is_empty() {
        what
    } else {
        format!("{what}: {}", causes.join(": "))
    }
}

/// What an answer of the CDN means.
pub fn interpret(http_status: u16, body: &str, key: &WriteKey) -> KeyCheck {
    let secret = key.expose();
    match http_status {
        200 => match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(settings)) => from_settings(&settings),
            _ => KeyCheck::unverifiable(
                Some(200),
                redact(
                    &format!(
                        "the CDN answered HTTP 200 but not with settings JSON{}",
                        excerpt(body)
                    ),
                    secret,
                ),
            ),
        },
        404 => KeyCheck {
            status: KeyStatus::Unknown,
            http_status: Some(404),
            region: None,
            api_host: None,
            destinations: Vec::new(),
            message: "unknown write key, or not yet propagated: Segment's CDN can take up to a \
                      day after a key is created"
                .to_string(),
        },
        other => KeyCheck::unverifiable(
            Some(other),
            redact(
                &format!("the CDN answered HTTP {other}{}", excerpt(body)),
                secret,
            ),
        ),
    }
}

/// `: <first line of the body>`, shortened; empty for an empty body.
fn excerpt(body: &str) -> String {
    let line = body.lines().map(str::trim).find(|l| !l.is_empty());
    match line {
        None => String::new(),
        Some(line) if line.chars().count() > 160 => {
            let cut: String = line.chars().take(159).collect();
            format!(": {cut}…")
        }
        Some(line) => format!(": {line}"),
    }
}

fn from_settings(settings: &Map<String, Value>) -> KeyCheck {
    let empty = Map::new();
    let integrations = settings
        .get("integrations")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let api_host = integrations
        .get("Segment.io")
        .and_then(|s| s.get("apiHost"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_string);
    let (region, message) = match &api_host {
        None => (
            Some(Region::Us),
            format!(
                "the key exists; its settings name no apiHost, so calls go to Segment's default \
                 {DEFAULT_API_HOST}"
            ),
        ),
        Some(host) => match api_host_region(host) {
            Some(region) => (Some(region), "the key exists".to_string()),
            None => (
                None,
                format!(
                    "the key exists; its apiHost {host} is not one of Segment's ingestion hosts \
                     (a custom proxy?)"
                ),
            ),
        },
    };
    let mut destinations: Vec<String> = integrations
        .keys()
        .filter(|name| name.as_str() != "Segment.io")
        .cloned()
        .collect();
    destinations.sort_by(|a, b| a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b)));
    KeyCheck {
        status: KeyStatus::Valid,
        http_status: Some(200),
        region,
        api_host,
        destinations,
        message,
    }
}

/// The region of an `apiHost` as the settings give it: `api.segment.io/v1`,
/// `https://events.eu1.segmentapis.com/v1`, a bare host, with or without a port.
pub fn api_host_region(api_host: &str) -> Option<Region> {
    let text = api_host.trim();
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let url = url::Url::parse(&with_scheme).ok()?;
    Region::of_host(url.host_str()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Q7mvT2xkLp9RsW4bYc8NdE3fHj6GaZ1u";

    fn key() -> WriteKey {
        WriteKey::new(KEY).unwrap()
    }

    #[test]
    fn api_hosts_are_parsed_leniently() {
        for (host, region) in [
            ("api.segment.io/v1", Some(Region::Us)),
            ("https://api.segment.io/v1", Some(Region::Us)),
            ("api.segment.io", Some(Region::Us)),
            ("API.SEGMENT.IO/v1/", Some(Region::Us)),
            ("events.eu1.segmentapis.com/v1", Some(Region::Eu)),
            ("https://events.eu1.segmentapis.com", Some(Region::Eu)),
            ("events.eu1.segmentapis.com:443/v1", Some(Region::Eu)),
            (" events.eu1.segmentapis.com/v1 ", Some(Region::Eu)),
            ("proxy.example.com/v1", None),
            ("", None),
            ("not a host", None),
        ] {
            assert_eq!(api_host_region(host), region, "{host:?}");
        }
    }

    #[test]
    fn settings_give_region_and_sorted_destinations() {
        let body = json!({
            "integrations": {
                "Segment.io": {
                    "apiKey": KEY,
                    "apiHost": "events.eu1.segmentapis.com/v1",
                    "unbundledIntegrations": [],
                },
                "Mixpanel": {"token": "t"},
                "amplitude lowercase": {},
                "Amplitude": {"apiKey": "a"},
            },
            "plan": {"track": {"__default": {"enabled": true}}},
        })
        .to_string();
        let check = interpret(200, &body, &key());
        assert_eq!(check.status, KeyStatus::Valid);
        assert_eq!(check.region, Some(Region::Eu));
        assert_eq!(
            check.api_host.as_deref(),
            Some("events.eu1.segmentapis.com/v1")
        );
        assert_eq!(
            check.destinations,
            ["Amplitude", "amplitude lowercase", "Mixpanel"]
        );
        assert_eq!(
            check.to_json(),
            json!({
                "status": "valid",
                "http_status": 200,
                "region": "eu",
                "api_host": "events.eu1.segmentapis.com/v1",
                "destinations": ["Amplitude", "amplitude lowercase", "Mixpanel"],
                "message": "the key exists",
            })
        );
        assert!(!check.to_json().to_string().contains(KEY));

        let bare = interpret(200, r#"{"integrations": {"Segment.io": {}}}"#, &key());
        assert_eq!(bare.region, Some(Region::Us));
        assert_eq!(bare.api_host, None);
        assert!(bare.destinations.is_empty());
        assert!(bare.message.contains(DEFAULT_API_HOST));

        let proxy = interpret(
            200,
            r#"{"integrations": {"Segment.io": {"apiHost": "proxy.example.com/v1"}}}"#,
            &key(),
        );
        assert_eq!((proxy.status, proxy.region), (KeyStatus::Valid, None));
        assert!(proxy.message.contains("proxy.example.com/v1"));
    }

    #[test]
    fn other_answers() {
        let unknown = interpret(
            404,
            "Cannot GET - Invalid path or write key provided.",
            &key(),
        );
        assert_eq!(unknown.status, KeyStatus::Unknown);
        assert_eq!(unknown.to_json()["status"], "unknown");
        assert_eq!(unknown.to_json()["region"], Value::Null);
        assert!(unknown.message.contains("up to a day"));

        let echoed = format!("Internal error for /v1/projects/{KEY}/settings\nmore");
        let failed = interpret(500, &echoed, &key());
        assert_eq!(failed.status, KeyStatus::Unverifiable);
        assert_eq!(failed.http_status, Some(500));
        assert!(failed.message.contains("HTTP 500"), "{}", failed.message);
        assert!(!failed.message.contains(KEY), "{}", failed.message);
        assert!(failed.message.contains("Q7mv…aZ1u"), "{}", failed.message);
        assert_eq!(failed.to_json()["status"], "unverifiable");

        let html = interpret(200, "<html>captive portal</html>", &key());
        assert_eq!(html.status, KeyStatus::Unverifiable);
    }

    #[test]
    fn local_checks_warn_but_do_not_refuse() {
        assert_eq!(local_checks("").unwrap_err(), KeyFormatError::Empty);
        assert_eq!(
            local_checks(" \t\n").unwrap_err().to_string(),
            "the write key is empty"
        );
        let (k, warnings) = local_checks(&format!(" {KEY}\n")).unwrap();
        assert_eq!(k.expose(), KEY);
        assert!(warnings.is_empty(), "{warnings:?}");
        let (_, warnings) = local_checks("abcdefghijkl").unwrap();
        assert_eq!(
            warnings,
            ["the key has 12 characters; Segment's write keys have 32"]
        );
        let (_, warnings) = local_checks("\"Q7mvT2xkLp9RsW4bYc8NdE3fHj6GaZ1\"").unwrap();
        assert_eq!(warnings.len(), 2);
        assert!(!warnings.iter().any(|w| w.contains("Q7mv")));
    }

    #[test]
    fn the_settings_url_keeps_the_base_path() {
        let url = |base: &str| {
            settings_url(&url::Url::parse(base).unwrap(), &key())
                .unwrap()
                .to_string()
        };
        assert_eq!(
            url("https://cdn.segment.com"),
            format!("https://cdn.segment.com/v1/projects/{KEY}/settings")
        );
        assert_eq!(
            url("http://127.0.0.1:9/cdn/?x=1"),
            format!("http://127.0.0.1:9/cdn/v1/projects/{KEY}/settings")
        );
        assert!(settings_url(&url::Url::parse("mailto:a@b").unwrap(), &key()).is_none());
    }

    #[test]
    fn a_refused_connection_is_unverifiable_and_redacted() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let check = runtime.block_on(async {
            let base = url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
            verify(&http_client().unwrap(), &base, &key()).await
        });
        assert_eq!(check.status, KeyStatus::Unverifiable);
        assert_eq!(check.http_status, None);
        assert!(
            check.message.contains("could not connect"),
            "{}",
            check.message
        );
        assert!(!check.message.contains(KEY), "{}", check.message);
    }
}
