//! `update` on sends and received deliveries: why a send failed, its retries, what `S` skipped,
//! the Sends tab's rows, a received delivery's detail and deliveries arriving above the view.

use std::time::Duration;

use crossterm::event::KeyCode;
use ratatui::text::Line;

use super::*;
use crate::model::app::{BottomTab, Pane};
use crate::model::message::SendJob;
use crate::testing::Harness;
use crate::view;
use hookbench_core::segment::client::RetryNotice;
use hookbench_core::segment::send::{RequestInfo, ResponseBody};
use hookbench_core::segment::{Outcome, SendReport};
use hookbench_core::store::{DeliverySummary, Verification};

/// A started harness whose local sink is up.
fn harness() -> Harness {
    let mut h = Harness::new(180, 50);
    let sink = url::Url::parse("http://127.0.0.1:9009/").expect("url");
    h.send(Message::SinkStarted(Ok(sink)));
    h.effects.clear();
    h
}

fn sent_job(h: &mut Harness) -> SendJob {
    let effects = std::mem::take(&mut h.effects);
    let jobs: Vec<SendJob> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Send(job) => Some(job),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), 1, "one send");
    jobs.into_iter().next().expect("a send")
}

fn report(outcome: Outcome, status: Option<u16>, message: Option<&str>) -> SendReport {
    SendReport {
        destination: "local sink http://127.0.0.1:9009 (does not reach Segment)".into(),
        request: RequestInfo {
            method: "POST".into(),
            url: "http://127.0.0.1:9009/v1/track".into(),
            headers: [("Authorization".to_string(), "Basic aG9v…".to_string())].into(),
            body: serde_json::json!({"event": "Order Completed"}),
            batch: None,
            written: None,
        },
        status,
        response_headers: Default::default(),
        body: status
            .map(|_| ResponseBody::Json(serde_json::json!({"success": status == Some(200)}))),
        attempts: 4,
        latency_ms: 10018,
        outcome,
        message: message.map(str::to_string),
    }
}

fn text(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn status_text(h: &Harness) -> String {
    h.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_retry_shows_its_attempt_reason_and_next_time_until_the_call_is_answered() {
    let mut h = harness();
    h.press(KeyCode::Char('s'));
    let job = sent_job(&mut h);
    assert_eq!(h.app.send.progress_label().as_deref(), Some("⟳ sending 1"));
    h.send(Message::SendRetrying {
        id: job.id,
        notice: RetryNotice {
            attempt: 1,
            attempts: 4,
            reason: "cannot connect to 127.0.0.1:9009: connection refused\u{1b}[2J".into(),
            wait: Duration::from_millis(2400),
        },
        at: "14:02:13".into(),
    });
    assert_eq!(
        h.app.send.progress_label().as_deref(),
        Some("⟳ sending 1 · attempt 2 of 4 · retry in 3 s")
    );
    h.app.bottom = BottomTab::Sends;
    let sends = text(&view::sends::lines(&h.app, 180));
    assert!(
        sends.contains(
            "attempt 1 of 4 failed: cannot connect to 127.0.0.1:9009: connection refused\\x1B[2J \
             · retry in 3 s (at 14:02:13)"
        ),
        "{sends}"
    );
    assert!(!sends.contains('\u{1b}'), "escaped: {sends}");
    let screen = h.screen();
    assert!(screen.contains("attempt 2 of 4 · retry in 3 s"), "{screen}");
    // The answer ends the wait, and says why it failed.
    h.send(Message::SendAnswered {
        id: job.id,
        key: job.items[0].key.clone(),
        report: Box::new(report(
            Outcome::Failed,
            None,
            Some("cannot connect to 127.0.0.1:9009: connection refused (after 4 attempts)"),
        )),
        at: "14:02:20".into(),
    });
    assert_eq!(h.app.send.progress_label(), None);
    let status = h.app.status.clone().expect("status");
    assert!(status.is_error);
    assert_eq!(
        status.text,
        format!(
            "{}: failed: cannot connect to 127.0.0.1:9009: connection refused (after 4 attempts)",
            job.items[0].key
        )
    );
    h.app.bottom = BottomTab::Response;
    let response = text(&view::response::lines(&h.app));
    assert!(
        response.contains(
            "why: cannot connect to 127.0.0.1:9009: connection refused (after 4 attempts)"
        ),
        "{response}"
    );
    h.app.bottom = BottomTab::Sends;
    let sends = text(&view::sends::lines(&h.app, 180));
    assert!(
        sends.contains("· cannot connect to 127.0.0.1:9009"),
        "{sends}"
    );
}

#[test]
fn a_rejection_names_the_status_and_segments_message() {
    let mut h = harness();
    h.press(KeyCode::Char('s'));
    let job = sent_job(&mut h);
    h.send(Message::SendAnswered {
        id: job.id,
        key: job.items[0].key.clone(),
        report: Box::new(report(
            Outcome::Rejected,
            Some(400),
            Some("Segment answered 400: Invalid writeKey"),
        )),
        at: "14:02:20".into(),
    });
    assert!(
        status_text(&h).ends_with(": rejected: Segment answered 400: Invalid writeKey"),
        "{}",
        status_text(&h)
    );
}

#[test]
fn send_all_counts_what_it_skipped_and_why() {
    let mut h = harness();
    let keys: Vec<String> = h
        .app
        .events
        .visible()
        .iter()
        .map(|&i| h.app.events.entries()[i].key.clone())
        .collect();
    let verdicts: Vec<_> = keys.iter().map(|k| h.app.verdict(k)).collect();
    let cancelled = verdicts
        .iter()
        .filter(|v| **v == Some(crate::model::app::RunMark::Cancelled))
        .count();
    let errors = verdicts
        .iter()
        .filter(|v| **v == Some(crate::model::app::RunMark::Errors))
        .count();
    let failed = verdicts
        .iter()
        .filter(|v| **v == Some(crate::model::app::RunMark::Failed))
        .count();
    assert!(
        cancelled + errors + failed > 0,
        "the default preset skips some"
    );
    h.press(KeyCode::Char('S'));
    let job = sent_job(&mut h);
    let skipped = cancelled + errors + failed;
    assert_eq!(job.items.len() + skipped, keys.len());
    let progress = &h.app.send.in_flight[0];
    assert_eq!(progress.skipped.cancelled, cancelled);
    assert_eq!(progress.skipped.lint_errors, errors);
    assert_eq!(progress.skipped.failed, failed);
    let label = progress.skipped.label().expect("a label");
    assert!(
        label.starts_with(&format!("skipped {skipped}: ")),
        "{label}"
    );
    if cancelled > 0 {
        assert!(
            label.contains(&format!("{cancelled} cancelled by the handler")),
            "{label}"
        );
    }
    if errors > 0 {
        assert!(label.contains(&format!("{errors} lint errors")), "{label}");
    }
    for item in &job.items {
        h.send(Message::SendAnswered {
            id: job.id,
            key: item.key.clone(),
            report: Box::new(report(Outcome::Delivered, Some(200), None)),
            at: "14:02:20".into(),
        });
    }
    assert_eq!(
        status_text(&h),
        format!("sent {} · {label}", job.items.len())
    );
}

/// Three sends answered: a, b, c (c the newest).
fn three_sends(h: &mut Harness) {
    for (i, key) in ["payment.succeeded", "payment.failed", "refund.succeeded"]
        .iter()
        .enumerate()
    {
        h.send(Message::SendAnswered {
            id: 100 + i as u64,
            key: (*key).to_string(),
            report: Box::new(report(Outcome::Delivered, Some(200), None)),
            at: format!("14:02:1{i}"),
        });
    }
}

#[test]
fn sends_rows_are_selected_with_j_and_k_and_enter_opens_one() {
    let mut h = harness();
    three_sends(&mut h);
    h.press(KeyCode::Char('5'));
    while h.app.bottom != BottomTab::Sends {
        h.press(KeyCode::Char(']'));
    }
    assert_eq!(h.app.focus, Pane::Logs);
    assert_eq!(h.app.send.cursor, 0);
    h.press(KeyCode::Char('j'));
    assert_eq!(
        h.app.send.selected_report().map(|e| e.key.as_str()),
        Some("payment.failed")
    );
    // A newer send comes in above: the same send stays selected.
    h.send(Message::SendAnswered {
        id: 200,
        key: "dispute.opened".into(),
        report: Box::new(report(Outcome::Delivered, Some(200), None)),
        at: "14:03:00".into(),
    });
    assert_eq!(
        h.app.send.selected_report().map(|e| e.key.as_str()),
        Some("payment.failed")
    );
    h.press(KeyCode::Char('k'));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Enter);
    assert!(h.app.send.open);
    assert_eq!(h.app.focus, Pane::Logs, "Enter does not go to the editor");
    let screen = h.screen();
    assert!(
        screen.contains("send 101 · payment.failed · 14:02:11"),
        "{screen}"
    );
    assert!(
        screen.contains("→ POST http://127.0.0.1:9009/v1/track"),
        "{screen}"
    );
    assert!(screen.contains("→ Authorization: Basic aG9v…"), "{screen}");
    h.press(KeyCode::Esc);
    assert!(!h.app.send.open);
    assert_eq!(
        h.app.send.selected_report().map(|e| e.key.as_str()),
        Some("payment.failed")
    );
    // Elsewhere, Enter on an event shows its output.
    h.press(KeyCode::Char('1'));
    h.press(KeyCode::Enter);
    assert_eq!(h.app.focus, Pane::Segment);
}

fn listening(h: &mut Harness) {
    let url = url::Url::parse("http://127.0.0.1:8787/webhook").expect("url");
    h.press(KeyCode::Char('L'));
    h.send(Message::ListenerStarted(Ok(url)));
    h.send(Message::DeliveriesLoaded(Ok(Vec::new())));
    h.effects.clear();
}

fn summary(id: i64, verification: Verification, status: u16) -> DeliverySummary {
    DeliverySummary {
        id,
        webhook_id: Some(format!("msg_{id}")),
        received_at: "2026-11-27T14:02:11+00:00".into(),
        event_type: Some("payment.succeeded".into()),
        verification,
        status,
        reason: (status >= 300).then(|| "no signature matches the secret".into()),
        redeliveries: 0,
        bytes: 0,
    }
}

fn body() -> Vec<u8> {
    hookbench_core::webhook::FixtureSet::builtin()
        .expect("fixtures")
        .get("payment.succeeded")
        .expect("fixture")
        .body
        .clone()
        .into_bytes()
}

#[test]
fn a_received_delivery_shows_its_headers_verification_and_redeliveries() {
    let mut h = harness();
    listening(&mut h);
    let mut first = summary(7, Verification::Invalid, 401);
    first.webhook_id = Some("msg_forged".into());
    h.send(Message::Received {
        summary: Box::new(first),
        body: body(),
        redelivery: false,
    });
    h.press(KeyCode::Char('g'));
    assert_eq!(h.app.selected().map(|e| e.key.as_str()), Some("#7"));
    h.app.bottom = BottomTab::Response;
    let before = text(&view::response::lines(&h.app));
    assert!(before.contains("reading from history…"), "{before}");
    h.send(Message::DeliveryHeaders(vec![(
        7,
        Ok(vec![
            ("webhook-id".into(), "msg_forged".into()),
            ("webhook-signature".into(), "v1,bad\u{7}".into()),
        ]),
    )]));
    let detail = text(&view::response::lines(&h.app));
    assert!(detail.contains("⇣ received"), "{detail}");
    assert!(detail.contains("answered 401 Unauthorized"), "{detail}");
    assert!(
        detail.contains("✗ signature invalid: no signature matches the secret"),
        "{detail}"
    );
    assert!(
        detail.contains("webhook-id msg_forged · not redelivered"),
        "{detail}"
    );
    assert!(
        detail.contains("webhook-signature: v1,bad\\x07"),
        "{detail}"
    );
    // Its line count is what scrolling counts.
    assert_eq!(
        crate::model::measure::bottom_lines(&h.app),
        view::response::lines(&h.app).len()
    );
    let mut again = summary(7, Verification::Invalid, 401);
    again.redeliveries = 2;
    h.send(Message::Received {
        summary: Box::new(again),
        body: body(),
        redelivery: true,
    });
    let detail = text(&view::response::lines(&h.app));
    assert!(detail.contains("redelivered 2×"), "{detail}");
    assert!(
        detail.contains("webhook-signature: "),
        "a redelivery keeps the headers read: {detail}"
    );
}

#[test]
fn deliveries_arriving_above_the_view_keep_the_selection_and_are_counted() {
    let mut h = harness();
    listening(&mut h);
    // Scrolled down the list: arrivals above would push the selection out of place.
    for _ in 0..50 {
        h.press(KeyCode::Char('j'));
    }
    assert!(h.app.events.offset > 0);
    let selected = h.app.selected().map(|e| e.key.clone());
    let row_on_screen = |h: &Harness| {
        h.app.events.selected_row().expect("a row") as isize - h.app.events.offset as isize
    };
    let at = row_on_screen(&h);
    for id in [1, 2, 3] {
        h.send(Message::Received {
            summary: Box::new(summary(id, Verification::Valid, 200)),
            body: body(),
            redelivery: false,
        });
    }
    assert_eq!(h.app.selected().map(|e| e.key.clone()), selected);
    assert_eq!(row_on_screen(&h), at, "the selection stays where it was");
    assert_eq!(h.app.events.new_marker().as_deref(), Some("↑ 3 new"));
    let screen = h.screen();
    assert!(screen.contains("↑ 3 new"), "{screen}");
    // Scrolling up to them clears the count as they come into view.
    h.press(KeyCode::Char('g'));
    assert_eq!(h.app.events.new_marker(), None);
    assert!(!h.screen().contains("↑ 3 new"));
    // At the top of the list, an arrival shows where it came: nothing is counted.
    h.press(KeyCode::Char('j'));
    h.send(Message::Received {
        summary: Box::new(summary(4, Verification::Valid, 200)),
        body: body(),
        redelivery: false,
    });
    assert_eq!(h.app.events.offset, 0);
    assert_eq!(h.app.events.new_marker(), None);
}
