//! `hookbench sink`: a local Segment-compatible endpoint, printing each call it receives.

use std::io::Write;

use anstyle::Style;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use hookbench_core::segment::sink::{ReceivedCall, Sink, SinkOptions, SinkVerdict};
use hookbench_core::text::{Shown, escape_controls, kilobytes, short_time, shorten};

use super::Failure;
use super::args::{GlobalArgs, SinkArgs};
use super::exit;
use super::style::{DIM, RED_BOLD, YELLOW};

pub fn run(global: &GlobalArgs, args: &SinkArgs) -> Result<u8, Failure> {
    let config = super::common::load_config(global)?;
    let options = config.sink.options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::input(format!("cannot start the sink: {e}")))?;
    runtime.block_on(serve(&args.addr, options))
}

async fn serve(addr: &str, options: SinkOptions) -> Result<u8, Failure> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::input(super::common::bind_error(addr, &e, "sink", 9009)))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::input(format!("cannot listen on {addr}: {e}")))?;
    let sink = Sink::with_options(options);
    let live = sink.subscribe();
    {
        let mut out = super::output::stdout_text();
        let _ = writeln!(
            out,
            "hookbench sink listening on http://{local} — Segment-compatible, does not reach Segment"
        );
        let _ = writeln!(
            out,
            "{DIM}POST /v1/track, /v1/identify, /v1/page, /v1/screen, /v1/group, /v1/alias, \
             /v1/batch · GET /calls · ctrl-c to stop{DIM:#}"
        );
        let _ = out.flush();
    }

    let stopped = CancellationToken::new();
    let printer = tokio::spawn(print_calls(sink.clone(), live, stopped.clone()));
    let served = sink.serve(listener, shutdown_signal()).await;
    stopped.cancel();
    let printed = printer.await.unwrap_or(0);
    if let Err(e) = served {
        super::render::error_line(&format!("the sink on {local} stopped: {e}"));
        return Ok(exit::INPUT);
    }
    let mut out = super::output::stdout_text();
    let _ = writeln!(out, "{DIM}hookbench sink stopped · {printed} calls{DIM:#}");
    let _ = out.flush();
    Ok(exit::OK)
}

/// Resolves on ctrl-c (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Prints every call, one flushed line each, until `stopped`, then what is left; returns how
/// many were printed.
async fn print_calls(
    sink: Sink,
    mut live: tokio::sync::broadcast::Receiver<ReceivedCall>,
    stopped: CancellationToken,
) -> u64 {
    let mut last_seq = 0;
    let mut printed = 0;
    loop {
        let next = tokio::select! {
            biased;
            next = live.recv() => next,
            () = stopped.cancelled() => break,
        };
        match next {
            Ok(call) => {
                if call.seq > last_seq {
                    print_call(&call);
                    last_seq = call.seq;
                    printed += 1;
                }
            }
            // Fell behind a burst (a large batch): catch up from the record.
            Err(RecvError::Lagged(_)) => {
                for call in sink.calls_since(last_seq) {
                    print_call(&call);
                    last_seq = call.seq;
                    printed += 1;
                }
            }
            Err(RecvError::Closed) => break,
        }
    }
    // Open requests finished before the server stopped: print what they recorded.
    for call in sink.calls_since(last_seq) {
        print_call(&call);
        printed += 1;
    }
    printed
}

fn print_call(call: &ReceivedCall) {
    let style = match call.verdict {
        SinkVerdict::Accepted => Style::new(),
        SinkVerdict::Dropped(_) => YELLOW,
        SinkVerdict::Rejected(_) => RED_BOLD,
    };
    let mut out = super::output::stdout_text();
    let _ = writeln!(out, "{style}{}{style:#}", call_line(call));
    let _ = out.flush();
}

/// One line for people: `12:01:02  track  Order Completed  user=cus_1  412 B  accepted`.
fn call_line(call: &ReceivedCall) -> String {
    let mut parts = vec![short_time(&call.received_at)];
    match &call.call_type {
        Some(kind) => parts.push(escape_controls(kind, false)),
        None => parts.push(format!("? {}", Shown(&call.path))),
    }
    if let Some(label) = call_label(call) {
        parts.push(shorten(&label, 60));
    }
    parts.push(match (&call.user_id, &call.anonymous_id) {
        (Some(user), _) => format!("user={}", shorten(user, 40)),
        (None, Some(anon)) => format!("anon={}", shorten(anon, 40)),
        (None, None) => "no id".to_string(),
    });
    parts.push(kilobytes(call.bytes));
    let mut verdict = call.verdict.to_string();
    if call.status != 200 {
        verdict.push_str(&format!(" · {}", call.status));
    }
    if let Some(retry) = &call.retry_count {
        verdict.push_str(&format!(" · retry {}", shorten(retry, 10)));
    }
    parts.push(verdict);
    parts.join("  ")
}

/// What the call is about: the event, the page or screen name, the group (`group=…`) or the
/// alias (`from=…`).
fn call_label(call: &ReceivedCall) -> Option<String> {
    if let Some(event) = &call.event {
        return Some(event.clone());
    }
    match call.call_type.as_deref()? {
        "page" | "screen" => call.name.clone(),
        "group" => call.group_id.as_ref().map(|g| format!("group={g}")),
        "alias" => call.previous_id.as_ref().map(|p| format!("from={p}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(path: &str, call_type: Option<&str>, bytes: usize) -> ReceivedCall {
        ReceivedCall {
            seq: 1,
            received_at: "2026-02-03T12:01:02.5+01:00".into(),
            path: path.into(),
            call_type: call_type.map(str::to_string),
            batch_index: None,
            event: None,
            user_id: None,
            anonymous_id: None,
            message_id: None,
            bytes,
            status: 200,
            verdict: SinkVerdict::Accepted,
            write_key: None,
            retry_count: None,
            ..ReceivedCall::default()
        }
    }

    #[test]
    fn a_track_call_names_its_event_user_and_retry() {
        let mut track = call("/v1/track", Some("track"), 64);
        track.event = Some("Order Completed".into());
        track.user_id = Some("cus_1".into());
        track.retry_count = Some("2".into());
        let line = call_line(&track);
        assert!(
            line.contains("track  Order Completed  user=cus_1"),
            "{line}"
        );
        assert!(line.ends_with("accepted · retry 2"), "{line}");
        assert!(line.starts_with("12:01:02  "), "{line}");
    }

    #[test]
    fn pages_and_refused_calls() {
        let mut page = call("/v1/page", Some("page"), 99);
        page.anonymous_id = Some("a1".into());
        page.name = Some("Pricing".into());
        let line = call_line(&page);
        assert!(
            line.ends_with("  page  Pricing  anon=a1  99 B  accepted"),
            "{line}"
        );
        let mut refused = call("/v1/x", None, 0);
        refused.status = 404;
        refused.verdict = SinkVerdict::Rejected("unknown path".into());
        assert!(call_line(&refused).contains("? /v1/x  no id  0 B  rejected (unknown path) · 404"));
    }

    #[test]
    fn labels_say_what_a_call_is_about() {
        let mut page = call("/v1/page", Some("page"), 99);
        page.name = Some("Pricing".into());
        assert_eq!(call_label(&page).as_deref(), Some("Pricing"));
        let mut group = call("/v1/group", Some("group"), 9);
        group.group_id = Some("g1".into());
        assert_eq!(call_label(&group).as_deref(), Some("group=g1"));
        let mut alias = call("/v1/alias", Some("alias"), 9);
        alias.previous_id = Some("7".into());
        assert_eq!(call_label(&alias).as_deref(), Some("from=7"));
        let mut track = call("/v1/track", Some("track"), 9);
        track.event = Some("Order Completed".into());
        assert_eq!(call_label(&track).as_deref(), Some("Order Completed"));
        assert_eq!(call_label(&call("/v1/x", None, 0)), None);
    }

    #[test]
    fn sizes_are_in_bytes_or_kilobytes() {
        let line = call_line(&call("/v1/identify", Some("identify"), 40_123));
        assert!(line.contains("  no id  40.1 KB  accepted"), "{line}");
    }
}
