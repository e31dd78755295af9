//! `hookbench sign` and `hookbench verify`: Standard Webhooks signatures by hand.
//!
//! Both read the body as raw bytes (a file, or stdin with `-`): nothing is trimmed or
//! re-serialised, since the signature covers the exact bytes. The secret is never printed.

use std::io::{IsTerminal, Read, Write};

use hookbench_core::webhook::signature::{self, Secret, SignedHeaders};

use super::Failure;
use super::args::{OutputFormat, SignArgs, VerifyArgs};
use super::exit;
use super::style::{GREEN_BOLD, RED_BOLD};

/// The verdict of `verify` when the signature is not accepted.
const INVALID: u8 = 1;

pub fn sign(args: &SignArgs) -> Result<u8, Failure> {
    let secret = parse_secret(&args.secret)?;
    let id = match &args.id {
        Some(id) => {
            check_header_value("--id", id)?;
            id.clone()
        }
        None => signature::new_message_id(),
    };
    let timestamp = match args.timestamp {
        Some(ts) if ts < 0 => {
            return Err(Failure::input(format!(
                "--timestamp {ts}: a Unix time in seconds cannot be negative"
            )));
        }
        Some(ts) => ts,
        None => now()?,
    };
    let body = read_payload(&args.payload)?;
    let signature = signature::sign(&secret, &id, timestamp, &body);

    let mut out: Box<dyn Write> = super::output::stdout_for(args.output);
    let written = match args.output {
        OutputFormat::Text => write!(
            out,
            "webhook-id: {id}\nwebhook-timestamp: {timestamp}\nwebhook-signature: {signature}\n"
        ),
        OutputFormat::Json => {
            let object = serde_json::json!({
                "webhook-id": id,
                "webhook-timestamp": timestamp.to_string(),
                "webhook-signature": signature,
            });
            writeln!(out, "{object}")
        }
    };
    let _ = written.and_then(|()| out.flush());
    Ok(exit::OK)
}

pub fn verify(args: &VerifyArgs) -> Result<u8, Failure> {
    let secret = parse_secret(&args.secret)?;
    let body = read_payload(&args.payload)?;
    let headers = SignedHeaders {
        id: &args.id,
        timestamp: &args.timestamp,
        signature: &args.signature,
    };
    let verdict = signature::verify(&secret, &headers, &body, now()?, args.tolerance);

    // The verdict is the command's output: on stdout either way, the exit code tells which.
    let mut out = super::output::stdout_text();
    let (written, code) = match verdict {
        Ok(()) => (
            writeln!(out, "{GREEN_BOLD}✓{GREEN_BOLD:#} valid signature"),
            exit::OK,
        ),
        Err(reason) => (
            writeln!(
                out,
                "{RED_BOLD}✗{RED_BOLD:#} invalid: {}",
                reason.describe(args.tolerance)
            ),
            INVALID,
        ),
    };
    let _ = written.and_then(|()| out.flush());
    Ok(code)
}

/// The secret, or an input error saying what is wrong with it (never the secret itself).
fn parse_secret(text: &str) -> Result<Secret, Failure> {
    Secret::parse(text).map_err(|e| Failure::input(format!("--secret: {e}")))
}

/// A header value given on the command line: not empty, no line breaks or other control
/// characters (it could not be sent as a header).
fn check_header_value(flag: &str, value: &str) -> Result<(), Failure> {
    if value.is_empty() {
        return Err(Failure::input(format!("{flag} is empty")));
    }
    if value.chars().any(char::is_control) {
        return Err(Failure::input(format!(
            "{flag} contains a control character; a header value cannot"
        )));
    }
    Ok(())
}

/// The body's raw bytes: a file, or stdin with `-`.
pub(super) fn read_payload(spec: &str) -> Result<Vec<u8>, Failure> {
    if spec == "-" {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(Failure::input(
                "no body: give --payload FILE, or pipe the body on stdin",
            ));
        }
        let mut bytes = Vec::new();
        stdin
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::input(format!("cannot read stdin: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(spec).map_err(|e| Failure::input(format!("cannot read {spec}: {e}")))
}

/// Now in Unix seconds.
pub(super) fn now() -> Result<i64, Failure> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Failure::input("the system clock is before 1970"))?;
    i64::try_from(since.as_secs()).map_err(|_| Failure::input("the system clock is out of range"))
}
