//! The Segment call model: which endpoint a call goes to and which region serves it.

use serde::{Deserialize, Serialize};

/// Segment's default (US, Oregon) ingestion host.
pub const US_HOST: &str = "api.segment.io";
/// Segment's EU (Dublin) ingestion host; it takes write keys of EU workspaces only.
pub const EU_HOST: &str = "events.eu1.segmentapis.com";

/// The kind of a Segment call, named as in its `/v1/<name>` endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallType {
    Track,
    Identify,
    Page,
    Screen,
    Group,
    Alias,
    /// `/v1/batch`: `{"batch": [...]}`, each item with its own `type`.
    Batch,
    /// `/v1/import`: undocumented, used by the Ruby and Java libraries; the same envelope as
    /// `/v1/batch`.
    Import,
}

impl CallType {
    /// Every call type, single calls first.
    pub const ALL: [CallType; 8] = [
        CallType::Track,
        CallType::Identify,
        CallType::Page,
        CallType::Screen,
        CallType::Group,
        CallType::Alias,
        CallType::Batch,
        CallType::Import,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallType::Track => "track",
            CallType::Identify => "identify",
            CallType::Page => "page",
            CallType::Screen => "screen",
            CallType::Group => "group",
            CallType::Alias => "alias",
            CallType::Batch => "batch",
            CallType::Import => "import",
        }
    }

    /// The call type named exactly `s` ("track", ...), as in a payload's `type` field.
    pub fn from_name(s: &str) -> Option<CallType> {
        CallType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The call type of an endpoint path: `/v1/track`, with or without a trailing slash.
    pub fn from_path(path: &str) -> Option<CallType> {
        let rest = path.strip_prefix("/v1/")?;
        let name = rest.strip_suffix('/').unwrap_or(rest);
        CallType::from_name(name)
    }

    /// True for the envelopes that carry many calls (`batch`, `import`).
    pub fn is_batch(self) -> bool {
        matches!(self, CallType::Batch | CallType::Import)
    }

    /// The endpoint path, `/v1/<name>`.
    pub fn path(self) -> String {
        format!("/v1/{}", self.as_str())
    }
}

impl std::fmt::Display for CallType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Segment data region. A write key belongs to one region's workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    Us,
    Eu,
}

impl Region {
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }

    /// The region's ingestion host.
    pub fn host(self) -> &'static str {
        match self {
            Region::Us => US_HOST,
            Region::Eu => EU_HOST,
        }
    }

    /// The region's base URL, without `/v1`: `https://api.segment.io`.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Us => "https://api.segment.io",
            Region::Eu => "https://events.eu1.segmentapis.com",
        }
    }

    /// The region whose ingestion host is `host` (case-insensitive, a trailing dot allowed).
    pub fn of_host(host: &str) -> Option<Region> {
        let host = host.strip_suffix('.').unwrap_or(host);
        [Region::Us, Region::Eu]
            .into_iter()
            .find(|r| r.host().eq_ignore_ascii_case(host))
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region name that is neither `us` nor `eu`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown region {0:?}: expected \"us\" or \"eu\"")]
pub struct ParseRegionError(pub String);

impl std::str::FromStr for Region {
    type Err = ParseRegionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            _ => Err(ParseRegionError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in CallType::ALL {
            assert_eq!(CallType::from_name(t.as_str()), Some(t));
            assert_eq!(t.to_string(), t.as_str());
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<CallType>(&json).unwrap(), t);
        }
        assert_eq!(CallType::from_name("Track"), None);
        assert_eq!(CallType::from_name(""), None);
        assert_eq!(CallType::from_name("payment.succeeded"), None);
    }

    #[test]
    fn paths() {
        assert_eq!(CallType::from_path("/v1/track"), Some(CallType::Track));
        assert_eq!(CallType::from_path("/v1/track/"), Some(CallType::Track));
        assert_eq!(
            CallType::from_path("/v1/identify"),
            Some(CallType::Identify)
        );
        assert_eq!(CallType::from_path("/v1/batch"), Some(CallType::Batch));
        assert_eq!(CallType::from_path("/v1/import/"), Some(CallType::Import));
        assert_eq!(CallType::from_path("/v1/b"), None);
        assert_eq!(CallType::from_path("/v1/track//"), None);
        assert_eq!(CallType::from_path("/v2/track"), None);
        assert_eq!(CallType::from_path("v1/track"), None);
        assert_eq!(CallType::from_path("/v1/track/x"), None);
        assert_eq!(CallType::from_path("/track"), None);
        assert_eq!(CallType::from_path("/v1/TRACK"), None);
        assert_eq!(CallType::from_path(""), None);
        for t in CallType::ALL {
            assert_eq!(CallType::from_path(&t.path()), Some(t));
        }
        assert!(CallType::Batch.is_batch() && CallType::Import.is_batch());
        assert!(!CallType::Track.is_batch());
    }

    #[test]
    fn regions() {
        assert_eq!(Region::Us.host(), US_HOST);
        assert_eq!(Region::Eu.host(), EU_HOST);
        assert_eq!(Region::Us.base_url(), "https://api.segment.io");
        assert_eq!(Region::Eu.base_url(), "https://events.eu1.segmentapis.com");
        for r in [Region::Us, Region::Eu] {
            let url = url::Url::parse(r.base_url()).unwrap();
            assert_eq!(url.host_str(), Some(r.host()));
            assert_eq!(Region::of_host(r.host()), Some(r));
        }
        assert_eq!(Region::of_host("API.Segment.IO"), Some(Region::Us));
        assert_eq!(Region::of_host("api.segment.io."), Some(Region::Us));
        assert_eq!(Region::of_host("segment.io"), None);
        assert_eq!(Region::of_host("localhost"), None);
        assert_eq!(Region::of_host(""), None);
    }

    #[test]
    fn region_from_str() {
        assert_eq!("us".parse::<Region>(), Ok(Region::Us));
        assert_eq!("EU".parse::<Region>(), Ok(Region::Eu));
        assert_eq!(" Eu ".parse::<Region>(), Ok(Region::Eu));
        let err = "asia".parse::<Region>().unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("asia") && msg.contains("\"us\"") && msg.contains("\"eu\""),
            "{msg}"
        );
        assert!("".parse::<Region>().is_err());
        assert_eq!(Region::Eu.to_string(), "eu");
        assert_eq!(serde_json::to_string(&Region::Us).unwrap(), "\"us\"");
    }
}
