//! `hookbench trigger`: a signed fixture POSTed to a receiver, like `stripe trigger`.
//!
//! The body is sent exactly as stored (the fixture's text, or the `--payload` file's bytes) with a
//! fresh `webhook-id`, the current `webhook-timestamp` and, with a secret, its
//! `webhook-signature`. What the receiver answers is printed as it came.

use std::io::Write;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use url::Url;

use hookbench_core::text;
use hookbench_core::webhook::signature::{self, Secret};

use super::args::TriggerArgs;
use super::signing::{now, read_payload};
use super::style::{DIM, GREEN_BOLD, RED_BOLD};
use super::{Failure, common, exit};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn run(args: &TriggerArgs) -> Result<u8, Failure> {
    let url = parse_url(&args.url)?;
    let secret = match &args.secret {
        Some(text) => {
            Some(Secret::parse(text).map_err(|e| Failure::input(format!("--secret: {e}")))?)
        }
        None => None,
    };
    let body = match &args.payload {
        Some(path) => read_payload(path)?,
        None => {
            let set = common::fixture_set(args.fixtures.as_deref())?;
            common::find_fixture(&set, &args.event)?
                .body
                .clone()
                .into_bytes()
        }
    };

    let id = signature::new_message_id();
    let timestamp = now()?;
    let signed = secret
        .as_ref()
        .map(|secret| signature::sign(secret, &id, timestamp, &body));

    {
        let mut out = super::output::stdout_text();
        let unsigned = if signed.is_none() {
            format!(" {DIM}· unsigned (no --secret){DIM:#}")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "→ POST {url} · {} · webhook-id {id}{unsigned}",
            args.event
        );
        let _ = out.flush();
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| delivery_failure(format!("cannot start the HTTP runtime: {e}")))?;
    let answer = runtime.block_on(post(&url, &id, timestamp, signed.as_deref(), body))?;

    let status = answer.status;
    let style = if status.is_success() {
        GREEN_BOLD
    } else {
        RED_BOLD
    };
    let reason = status.canonical_reason().unwrap_or("");
    {
        let mut out = super::output::stdout_text();
        let _ = writeln!(
            out,
            "{style}← {} {reason}{style:#} · {} ms",
            status.as_u16(),
            answer.elapsed.as_millis()
        );
        let _ = out.flush();
    }
    if !answer.body.is_empty() {
        // The body as answered, its control characters and escape sequences shown escaped.
        let mut out = super::output::stdout_text();
        let _ = out.write_all(&answer.body);
        if !answer.body.ends_with(b"\n") {
            let _ = writeln!(out);
        }
        let _ = out.flush();
    }

    if status.is_success() {
        Ok(exit::OK)
    } else {
        Err(delivery_failure(format!(
            "{url} answered {} {reason}",
            status.as_u16()
        )))
    }
}

/// What the receiver answered.
struct Answer {
    status: reqwest::StatusCode,
    body: Vec<u8>,
    /// From sending to the end of the answer's body.
    elapsed: Duration,
}

async fn post(
    url: &Url,
    id: &str,
    timestamp: i64,
    signature: Option<&str>,
    body: Vec<u8>,
) -> Result<Answer, Failure> {
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // A webhook sender does not follow redirects: a 3xx is the receiver's answer.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("hookbench/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| delivery_failure(format!("cannot set up an HTTP client: {e}")))?;
    let mut request = client
        .post(url.clone())
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string());
    if let Some(signature) = signature {
        request = request.header("webhook-signature", signature);
    }

    let start = Instant::now();
    let response = request
        .body(body)
        .send()
        .await
        .map_err(|e| delivery_failure(describe(&e, url)))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| {
        delivery_failure(if e.is_timeout() {
            format!(
                "{url} answered {status} but its body did not arrive within {} s",
                REQUEST_TIMEOUT.as_secs()
            )
        } else {
            format!(
                "{url} answered {status} but its body could not be read: {}",
                root_cause(&e)
            )
        })
    })?;
    Ok(Answer {
        status,
        body: body.to_vec(),
        elapsed: start.elapsed(),
    })
}

/// `--url`: an absolute http:// or https:// URL.
fn parse_url(text: &str) -> Result<Url, Failure> {
    let url = Url::parse(text)
        .map_err(|e| Failure::input(format!("--url {text:?} is not a URL: {e}")))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(Failure::input(format!(
            "--url {text:?}: the scheme is {other}, expected http or https"
        ))),
    }
}

fn delivery_failure(message: String) -> Failure {
    Failure {
        code: exit::DELIVERY_FAILED,
        message,
    }
}

/// A transport error, for people: what failed, and where.
fn describe(e: &reqwest::Error, url: &Url) -> String {
    if e.is_timeout() {
        if e.is_connect() {
            format!(
                "cannot connect to {url}: no connection within {} s",
                CONNECT_TIMEOUT.as_secs()
            )
        } else {
            format!(
                "no answer from {url} within {} s",
                REQUEST_TIMEOUT.as_secs()
            )
        }
    } else if e.is_connect() {
        format!("cannot connect to {url}: {}", root_cause(e))
    } else {
        format!("the request to {url} failed: {}", root_cause(e))
    }
}

/// The innermost cause of an error, without the OS error number.
fn root_cause(e: &reqwest::Error) -> String {
    let deepest = text::root_cause(e);
    if let Some(io) = deepest.downcast_ref::<std::io::Error>()
        && io.kind() == std::io::ErrorKind::ConnectionRefused
    {
        return "connection refused".to_string();
    }
    let text = deepest.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}
