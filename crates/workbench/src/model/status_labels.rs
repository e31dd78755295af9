//! The addresses the status bar shows: the local sink's and the listener's, in full where
//! there is room and shortened (loopback hosts left out) where there is not, so both stay on
//! screen at 80 columns. The URL a running listener takes webhooks at is never shortened.

use super::listener::{ListenerState, ListenerStatus};
use super::sending::{DestinationChoice, SendState, SinkStatus};

/// `HOST:PORT`, or `:PORT` when `compact` and the host is a loopback one.
fn host_port(url: &url::Url, compact: bool) -> String {
    let host = url.host_str().unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    if compact && loopback && !port.is_empty() {
        port
    } else {
        format!("{host}{port}")
    }
}

/// `HOST:PORT` or `:PORT` of an address as given (`127.0.0.1:8787`).
fn addr(addr: &str, compact: bool) -> String {
    match addr.rsplit_once(':') {
        Some(("127.0.0.1" | "localhost" | "[::1]", port)) if compact => format!(":{port}"),
        _ => addr.to_string(),
    }
}

/// The destination, key and listener for the status bar.
pub fn state_label(send: &SendState, listener: &ListenerState, compact: bool) -> String {
    let destination = match (&send.choice, &send.sink, compact) {
        (DestinationChoice::Sink, SinkStatus::Running(url), true) => {
            format!("sink {}", host_port(url, true))
        }
        (DestinationChoice::Sink, SinkStatus::Failed(_), true) => "sink failed".to_string(),
        (DestinationChoice::Sink, _, true) => "sink starting".to_string(),
        _ => send.short_label(),
    };
    let key = match (&send.write_key, compact) {
        (None, true) => "no key".to_string(),
        _ => send.key_label(),
    };
    format!(
        "{destination} · {key} · {}",
        listener_label(listener, compact)
    )
}

/// The listener's state with its address: where `L` will listen when it is off.
pub fn listener_label(listener: &ListenerState, compact: bool) -> String {
    match (&listener.status, compact) {
        (ListenerStatus::Off, false) => {
            format!("listener off ({})", addr(&listener.addr, false))
        }
        (ListenerStatus::Off, true) => format!("⇣ off {}", addr(&listener.addr, true)),
        (ListenerStatus::Starting, true) => "⇣ starting".to_string(),
        (ListenerStatus::Failed(_), true) => "⇣ failed".to_string(),
        _ => listener.short_label(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hookbench_core::segment::Region;

    #[test]
    fn addresses_are_shortened_only_when_asked_and_only_for_loopback() {
        let mut send = SendState::new(None, Region::Us, None, None);
        send.choice = DestinationChoice::Sink;
        send.sink = SinkStatus::Running("http://127.0.0.1:9009/".parse().expect("url"));
        let mut listener = ListenerState::new("127.0.0.1:8787".to_string());
        assert_eq!(
            state_label(&send, &listener, false),
            "sink 127.0.0.1:9009 (not Segment) · no write key · listener off (127.0.0.1:8787)"
        );
        assert_eq!(
            state_label(&send, &listener, true),
            "sink :9009 · no key · ⇣ off :8787"
        );
        listener.addr = "0.0.0.0:8787".to_string();
        assert_eq!(listener_label(&listener, true), "⇣ off 0.0.0.0:8787");
        listener.status = ListenerStatus::Listening("http://127.0.0.1:8787/".parse().expect("url"));
        listener.received = 3;
        assert_eq!(
            listener_label(&listener, true),
            "⇣ 127.0.0.1:8787/ · 3",
            "the listening URL is the one to give Dodo: whole"
        );
    }
}
