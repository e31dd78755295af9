//! `hookbench key verify`: a write key against Segment's CDN settings. No event is sent.

use std::io::Write;

use hookbench_core::segment::WriteKey;
use hookbench_core::segment::keycheck::{self, DEFAULT_API_HOST, KeyCheck, KeyStatus};
use hookbench_core::session::{Session, SessionError, SessionOverrides};

use hookbench_core::text::{Shown, escape_controls};

use super::Failure;
use super::args::{GlobalArgs, KeyVerifyArgs, OutputFormat};
use super::common::load_config;
use super::exit;
use super::render::warning_line;
use super::style::{BOLD, DIM, GREEN_BOLD, RED_BOLD, YELLOW_BOLD};

pub fn verify(global: &GlobalArgs, args: &KeyVerifyArgs) -> Result<u8, Failure> {
    let config = load_config(global)?;
    // The key comes from the session's rule (flag or environment over the file); nothing
    // else of the session matters here.
    let overrides = SessionOverrides {
        write_key: args.write_key.clone(),
        ..SessionOverrides::default()
    };
    let session = Session::resolve(&config, &overrides).map_err(|e| match e {
        SessionError::EmptyWriteKey => Failure::input("the write key is empty"),
        other => other.into(),
    })?;
    let Some(raw) = session.write_key else {
        return Err(Failure::input(
            "no write key: pass --write-key, set SEGMENT_WRITE_KEY or [segment] write_key",
        ));
    };
    let (key, warnings) = keycheck::local_checks(raw.expose())?;
    let cdn = cdn_base(&args.cdn)?;
    for warning in &warnings {
        warning_line(warning);
    }

    let client = keycheck::http_client().map_err(|e| Failure {
        code: exit::KEY_UNVERIFIABLE,
        message: format!("cannot set up an HTTP client: {e}"),
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: exit::KEY_UNVERIFIABLE,
            message: format!("cannot start the HTTP runtime: {e}"),
        })?;
    let check = runtime.block_on(keycheck::verify(&client, &cdn, &key));

    if let (Some(found), Some(configured)) = (check.region, config.segment.region)
        && found != configured
    {
        warning_line(&format!(
            "the key's workspace is in region {found} but [segment] region is {configured}: \
             Segment rejects calls sent to the wrong region (use {})",
            found.host()
        ));
    }

    let mut out = super::output::stdout_for(args.output);
    let written = match args.output {
        OutputFormat::Json => writeln!(out, "{}", check.to_json()),
        OutputFormat::Text => writeln!(out, "{}", text_line(&check, &key)),
    };
    let _ = written.and_then(|()| out.flush());
    Ok(match check.status {
        KeyStatus::Valid => exit::OK,
        KeyStatus::Unknown => exit::KEY_UNKNOWN,
        KeyStatus::Unverifiable => exit::KEY_UNVERIFIABLE,
    })
}

/// `--cdn BASE`: an http(s) URL.
fn cdn_base(text: &str) -> Result<url::Url, Failure> {
    let shown = hookbench_core::text::without_userinfo(text);
    let url = url::Url::parse(text.trim())
        .map_err(|e| Failure::input(format!("--cdn {shown:?} is not a URL: {e}")))?;
    if hookbench_core::text::has_userinfo(&url) {
        return Err(Failure::input(format!(
            "--cdn {shown:?} has a user name or password in it; give the write key with \
             --write-key or SEGMENT_WRITE_KEY instead"
        )));
    }
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Failure::input(format!(
            "--cdn {shown:?} must be an http:// or https:// URL"
        )));
    }
    Ok(url)
}

/// The result for people; the key shown masked only, what the CDN answered shown escaped.
fn text_line(check: &KeyCheck, key: &WriteKey) -> String {
    let masked = key.masked();
    let message = escape_controls(&check.message, false);
    match check.status {
        KeyStatus::Valid => {
            let region = match (check.region, &check.api_host) {
                (Some(region), Some(host)) => format!("region {region} ({})", Shown(host)),
                (Some(region), None) => {
                    format!("region {region} ({DEFAULT_API_HOST}, Segment's default)")
                }
                (None, Some(host)) => format!("region unknown (apiHost {})", Shown(host)),
                (None, None) => "region unknown".to_string(),
            };
            let destinations = if check.destinations.is_empty() {
                "no device-mode destinations".to_string()
            } else {
                format!(
                    "destinations: {}",
                    escape_controls(&check.destinations.join(", "), false)
                )
            };
            let mut line = format!(
                "{GREEN_BOLD}✓{GREEN_BOLD:#} valid write key {BOLD}{masked}{BOLD:#} · {region} · {destinations}"
            );
            if check.region.is_none() {
                line.push_str(&format!("\n  {DIM}{message}{DIM:#}"));
            }
            line
        }
        KeyStatus::Unknown => format!(
            "{YELLOW_BOLD}?{YELLOW_BOLD:#} unknown write key {BOLD}{masked}{BOLD:#}{}",
            match message.strip_prefix("unknown write key") {
                Some(rest) => rest.to_string(),
                None => format!(": {message}"),
            }
        ),
        KeyStatus::Unverifiable => format!(
            "{RED_BOLD}✗{RED_BOLD:#} could not verify write key {BOLD}{masked}{BOLD:#} · {message}"
        ),
    }
}
