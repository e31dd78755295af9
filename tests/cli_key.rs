//! `hookbench key verify` against a local stand-in for Segment's settings CDN.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use common::{Ran, Sandbox, run};

const KEY: &str = "Q7mvT2xkLp9RsW4bYc8NdE3fHj6GaZ1u";
const SHORT_KEY: &str = "wk20charsABCDEFGHxyz";

/// How the stand-in CDN answers.
#[derive(Clone, Copy)]
enum Mode {
    /// Settings for `KEY`, Segment's 404 for any other key.
    Segment,
    /// 500 for everything.
    Broken,
}

#[derive(Clone)]
struct CdnState {
    mode: Mode,
    /// `METHOD path` of every request, and its User-Agent.
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

/// A CDN on a free port of 127.0.0.1, served by its own runtime until dropped.
struct Cdn {
    /// Serves until dropped.
    _runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl Cdn {
    fn start(mode: Mode) -> Cdn {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = CdnState {
            mode,
            seen: seen.clone(),
        };
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new().fallback(answer).with_state(state);
        runtime.spawn(async move { axum::serve(listener, app).await });
        Cdn {
            _runtime: runtime,
            addr,
            seen,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .map(|(r, _)| r.clone())
            .collect()
    }

    fn user_agents(&self) -> Vec<String> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, ua)| ua.clone())
            .collect()
    }
}

async fn answer(State(state): State<CdnState>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let agent = request
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    state
        .seen
        .lock()
        .expect("lock")
        .push((format!("{} {path}", request.method()), agent));
    match state.mode {
        Mode::Broken => (StatusCode::INTERNAL_SERVER_ERROR, "upstream failure").into_response(),
        Mode::Segment if path == format!("/v1/projects/{KEY}/settings") => {
            axum::Json(settings()).into_response()
        }
        Mode::Segment => (
            StatusCode::NOT_FOUND,
            "Cannot GET - Invalid path or write key provided.",
        )
            .into_response(),
    }
}

/// A settings document as Segment's CDN serves it for an EU source.
fn settings() -> Value {
    json!({
        "integrations": {
            "Segment.io": {
                "apiKey": KEY,
                "unbundledIntegrations": [],
                "addBundledMetadata": true,
                "maybeBundledConfigIds": {},
                "versionSettings": {"version": "4.4.7", "componentTypes": ["browser"]},
                "apiHost": "events.eu1.segmentapis.com/v1"
            },
            "Google Analytics 4 Web": {
                "measurementID": "G-XXXXXXX",
                "versionSettings": {"componentTypes": []}
            },
            "Amplitude": {
                "apiKey": "amp_123",
                "trackAllPages": false,
                "versionSettings": {"version": "3.5.0", "componentTypes": ["browser"]}
            }
        },
        "plan": {"track": {"__default": {"enabled": true, "integrations": {}}}, "identify": {"__default": {"enabled": true}}},
        "edgeFunction": {},
        "analyticsNextEnabled": true,
        "middlewareSettings": {},
        "enabledMiddleware": {},
        "metrics": {"sampleRate": 0.1},
        "legacyVideoPluginsEnabled": false,
        "remotePlugins": []
    })
}

fn verify(sandbox: &Sandbox, args: &[&str]) -> Ran {
    let mut cmd = sandbox.cmd();
    cmd.env_remove("SEGMENT_WRITE_KEY")
        .args(["key", "verify"])
        .args(args);
    run(&mut cmd)
}

/// Neither key appears in clear anywhere in what the command wrote.
fn assert_hidden(ran: &Ran) {
    for key in [KEY, SHORT_KEY] {
        assert!(!ran.stdout.contains(key), "key in stdout: {}", ran.stdout);
        assert!(!ran.stderr.contains(key), "key in stderr: {}", ran.stderr);
    }
}

fn only_settings_requested(cdn: &Cdn, key: &str) {
    assert_eq!(
        cdn.requests(),
        [format!("GET /v1/projects/{key}/settings")],
        "the CDN saw something other than one settings request"
    );
    for agent in cdn.user_agents() {
        assert!(agent.starts_with("hookbench/"), "{agent}");
    }
}

#[test]
fn a_valid_key_shows_region_and_destinations() {
    let cdn = Cdn::start(Mode::Segment);
    let sandbox = Sandbox::new();
    let ran = verify(&sandbox, &["--write-key", KEY, "--cdn", &cdn.url()]);
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert_eq!(
        ran.stdout,
        "✓ valid write key Q7mv…aZ1u · region eu (events.eu1.segmentapis.com/v1) · destinations: \
         Amplitude, Google Analytics 4 Web\n"
    );
    assert_eq!(ran.stderr, "");
    assert_hidden(&ran);
    only_settings_requested(&cdn, KEY);
}

#[test]
fn a_valid_key_as_json() {
    let cdn = Cdn::start(Mode::Segment);
    let sandbox = Sandbox::new();
    let ran = verify(
        &sandbox,
        &["--write-key", KEY, "--cdn", &cdn.url(), "--output", "json"],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let lines = common::json_lines(&ran.stdout);
    assert_eq!(lines.len(), 1);
    assert_eq!(
        lines[0],
        json!({
            "status": "valid",
            "http_status": 200,
            "region": "eu",
            "api_host": "events.eu1.segmentapis.com/v1",
            "destinations": ["Amplitude", "Google Analytics 4 Web"],
            "message": "the key exists",
        })
    );
    assert_hidden(&ran);
    only_settings_requested(&cdn, KEY);
}

#[test]
fn an_unknown_key_exits_5() {
    let cdn = Cdn::start(Mode::Segment);
    let sandbox = Sandbox::new();
    let other = "Zz9yXw8vUt7sRq6pOn5mLk4jIh3gFe2d";
    let ran = verify(&sandbox, &["--write-key", other, "--cdn", &cdn.url()]);
    assert_eq!(ran.code, Some(5), "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout
            .starts_with("? unknown write key Zz9y…Fe2d, or not yet propagated"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("up to a day"), "{}", ran.stdout);
    assert!(!ran.stdout.contains(other) && !ran.stderr.contains(other));
    only_settings_requested(&cdn, other);

    let ran = verify(
        &sandbox,
        &["--write-key", other, "--cdn", &cdn.url(), "-o", "json"],
    );
    assert_eq!(ran.code, Some(5));
    let answer: Value = serde_json::from_str(ran.stdout.trim()).expect("JSON");
    assert_eq!(answer["status"], "unknown");
    assert_eq!(answer["http_status"], 404);
    assert_eq!(answer["region"], Value::Null);
    assert_eq!(answer["destinations"], json!([]));
    assert!(!ran.stdout.contains(other));
}

#[test]
fn a_failing_cdn_exits_6() {
    let cdn = Cdn::start(Mode::Broken);
    let sandbox = Sandbox::new();
    let ran = verify(&sandbox, &["--write-key", KEY, "--cdn", &cdn.url()]);
    assert_eq!(ran.code, Some(6), "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.starts_with(
            "✗ could not verify write key Q7mv…aZ1u · the CDN answered HTTP 500: upstream failure"
        ),
        "{}",
        ran.stdout
    );
    assert_hidden(&ran);
    only_settings_requested(&cdn, KEY);

    let ran = verify(
        &sandbox,
        &["--write-key", KEY, "--cdn", &cdn.url(), "-o", "json"],
    );
    assert_eq!(ran.code, Some(6));
    let answer: Value = serde_json::from_str(ran.stdout.trim()).expect("JSON");
    assert_eq!(answer["status"], "unverifiable");
    assert_eq!(answer["http_status"], 500);
}

#[test]
fn a_refused_connection_exits_6_with_a_clear_message() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let sandbox = Sandbox::new();
    let cdn = format!("http://127.0.0.1:{port}");
    for output in ["text", "json"] {
        let ran = verify(&sandbox, &["--write-key", KEY, "--cdn", &cdn, "-o", output]);
        assert_eq!(ran.code, Some(6), "{}{}", ran.stdout, ran.stderr);
        assert!(
            ran.stdout.contains(&format!("could not connect to {cdn}")),
            "{}",
            ran.stdout
        );
        assert!(
            ran.stdout.to_lowercase().contains("refused"),
            "{}",
            ran.stdout
        );
        assert_hidden(&ran);
    }
}

#[test]
fn an_empty_key_exits_2_without_a_request() {
    let cdn = Cdn::start(Mode::Segment);
    let sandbox = Sandbox::new();
    for empty in ["", "   "] {
        let ran = verify(&sandbox, &["--write-key", empty, "--cdn", &cdn.url()]);
        assert_eq!(ran.code, Some(2), "{empty:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("the write key is empty"),
            "{}",
            ran.stderr
        );
    }
    let ran = verify(&sandbox, &["--cdn", &cdn.url()]);
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains(
            "no write key: pass --write-key, set SEGMENT_WRITE_KEY or [segment] write_key"
        ),
        "{}",
        ran.stderr
    );
    let ran = verify(
        &sandbox,
        &["--write-key", KEY, "--cdn", "ftp://example.com"],
    );
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("--cdn"), "{}", ran.stderr);
    assert_hidden(&ran);
    assert!(cdn.requests().is_empty(), "{:?}", cdn.requests());
}

#[test]
fn a_key_of_the_wrong_length_gets_a_warning() {
    let cdn = Cdn::start(Mode::Segment);
    let sandbox = Sandbox::new();
    assert_eq!(SHORT_KEY.len(), 20);
    let ran = verify(&sandbox, &["--write-key", SHORT_KEY, "--cdn", &cdn.url()]);
    assert_eq!(ran.code, Some(5), "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr
            .contains("warning: the key has 20 characters; Segment's write keys have 32"),
        "{}",
        ran.stderr
    );
    assert!(ran.stdout.contains("wk20…Hxyz"), "{}", ran.stdout);
    assert_hidden(&ran);
    only_settings_requested(&cdn, SHORT_KEY);
}

#[test]
fn the_key_comes_from_the_environment() {
    let cdn = Cdn::start(Mode::Segment);
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.cmd();
    cmd.env("SEGMENT_WRITE_KEY", KEY)
        .args(["key", "verify", "--cdn", &cdn.url()]);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.starts_with("✓ valid write key Q7mv…aZ1u"),
        "{}",
        ran.stdout
    );
    assert_hidden(&ran);
    only_settings_requested(&cdn, KEY);

    // The flag wins over the environment.
    let mut cmd = sandbox.cmd();
    cmd.env("SEGMENT_WRITE_KEY", KEY).args([
        "key",
        "verify",
        "--cdn",
        &cdn.url(),
        "--write-key",
        SHORT_KEY,
    ]);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(5), "{}{}", ran.stdout, ran.stderr);
    assert_hidden(&ran);
}

#[test]
fn the_key_comes_from_the_config_file_and_the_region_is_compared() {
    let cdn = Cdn::start(Mode::Segment);
    let sandbox = Sandbox::new();
    let config = sandbox.write(
        "hookbench.toml",
        &format!("[segment]\nregion = \"us\"\nwrite_key = \"{KEY}\"\n"),
    );
    let config = config.to_str().expect("utf-8 path");
    let ran = verify(&sandbox, &["--config", config, "--cdn", &cdn.url()]);
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("region eu"), "{}", ran.stdout);
    assert!(
        ran.stderr
            .contains("warning: the key's workspace is in region eu but [segment] region is us"),
        "{}",
        ran.stderr
    );
    assert_hidden(&ran);
    only_settings_requested(&cdn, KEY);

    // The same region: no warning.
    let config = sandbox.write(
        "eu.toml",
        &format!("[segment]\nregion = \"eu\"\nwrite_key = \"{KEY}\"\n"),
    );
    let ran = verify(
        &sandbox,
        &[
            "--config",
            config.to_str().expect("utf-8"),
            "--cdn",
            &cdn.url(),
        ],
    );
    assert_eq!(ran.code, Some(0));
    assert_eq!(ran.stderr, "");
}
