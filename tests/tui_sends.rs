//! The workbench's Sends tab with a send opened, and a received delivery's detail, as text
//! (ratatui `TestBackend` + insta snapshots).

use crossterm::event::KeyCode;
use hookbench_core::segment::send::{RequestInfo, ResponseBody};
use hookbench_core::segment::{Outcome, SendReport};
use hookbench_core::store::{DeliverySummary, Verification};
use hookbench_workbench::model::app::BottomTab;
use hookbench_workbench::model::message::{Effect, Message};
use hookbench_workbench::testing::Harness;

/// Run times vary: the harness fixes them, but keep the screens free of anything else that does.
fn screen(h: &mut Harness) -> String {
    h.screen()
}

fn report(outcome: Outcome, status: Option<u16>, message: Option<&str>) -> SendReport {
    SendReport {
        destination: "local sink http://127.0.0.1:9009 (does not reach Segment)".into(),
        request: RequestInfo {
            method: "POST".into(),
            url: "http://127.0.0.1:9009/v1/track".into(),
            headers: [
                ("Authorization".to_string(), "Basic aG9v…".to_string()),
                ("Content-Type".to_string(), "application/json".to_string()),
            ]
            .into(),
            body: serde_json::json!({"event": "Order Completed"}),
            batch: None,
            written: Some(
                r#"{"event":"Order Completed","userId":"cus_1","writeKey":"hook…sink"}"#.into(),
            ),
        },
        status,
        response_headers: status
            .map(|_| [("content-type".to_string(), "application/json".to_string())].into())
            .unwrap_or_default(),
        body: status.map(|s| {
            ResponseBody::Json(
                serde_json::json!({"success": s == 200, "message": "Invalid writeKey"}),
            )
        }),
        attempts: if status.is_some() { 1 } else { 4 },
        latency_ms: if status.is_some() { 12 } else { 10018 },
        outcome,
        message: message.map(str::to_string),
    }
}

#[test]
fn an_opened_send_shows_its_request_and_answer() {
    let mut h = Harness::new(120, 50);
    let sink = url::Url::parse("http://127.0.0.1:9009/").expect("url");
    h.send(Message::SinkStarted(Ok(sink)));
    h.press(KeyCode::Char('s'));
    let id = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Send(job) => Some(job.id),
            _ => None,
        })
        .expect("a send");
    h.send(Message::SendAnswered {
        id,
        key: "payment.succeeded".into(),
        report: Box::new(report(
            Outcome::Failed,
            None,
            Some("cannot connect to 127.0.0.1:9009: connection refused (after 4 attempts)"),
        )),
        at: "14:02:11".into(),
    });
    h.send(Message::SendAnswered {
        id: id + 1,
        key: "refund.succeeded".into(),
        report: Box::new(report(
            Outcome::Rejected,
            Some(400),
            Some("the local sink answered 400: Invalid writeKey"),
        )),
        at: "14:02:15".into(),
    });
    h.press(KeyCode::Char('5'));
    while h.app.bottom != BottomTab::Sends {
        h.press(KeyCode::Char(']'));
    }
    let list = screen(&mut h);
    assert!(list.contains("1× · the local sink answered 400"), "{list}");
    insta::assert_snapshot!("sends_list", list);
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Enter);
    let opened = screen(&mut h);
    assert!(
        opened.contains("send 1 · payment.succeeded · 14:02:11"),
        "{opened}"
    );
    assert!(
        opened.contains("why: cannot connect to 127.0.0.1:9009: connection refused"),
        "{opened}"
    );
    insta::assert_snapshot!("sends_opened", opened);
}

#[test]
fn a_received_delivery_shows_its_detail() {
    let mut h = Harness::new(120, 60);
    h.press(KeyCode::Char('L'));
    let url = url::Url::parse("http://127.0.0.1:8787/webhook").expect("url");
    h.send(Message::ListenerStarted(Ok(url)));
    h.send(Message::DeliveriesLoaded(Ok(Vec::new())));
    let body = hookbench_core::webhook::FixtureSet::builtin()
        .expect("fixtures")
        .get("payment.succeeded")
        .expect("fixture")
        .body
        .clone()
        .into_bytes();
    h.send(Message::Received {
        summary: Box::new(DeliverySummary {
            id: 7,
            webhook_id: Some("msg_2xYz".into()),
            received_at: "2026-11-27T14:02:11+00:00".into(),
            event_type: Some("payment.succeeded".into()),
            verification: Verification::Valid,
            status: 200,
            reason: None,
            redeliveries: 2,
            bytes: body.len(),
        }),
        body,
        redelivery: false,
    });
    h.send(Message::DeliveryHeaders(vec![(
        7,
        Ok(vec![
            ("content-type".into(), "application/json".into()),
            ("webhook-id".into(), "msg_2xYz".into()),
            (
                "webhook-signature".into(),
                "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=".into(),
            ),
            ("webhook-timestamp".into(), "1795788131".into()),
        ]),
    )]));
    h.press(KeyCode::Char('g'));
    h.press(KeyCode::Char(']'));
    assert_eq!(h.app.bottom, BottomTab::Response);
    let shown = screen(&mut h);
    assert!(shown.contains("signature valid"), "{shown}");
    assert!(shown.contains("webhook-signature: v1,K5oZ"), "{shown}");
    assert!(shown.contains("redelivered 2×"), "{shown}");
    insta::assert_snapshot!("received_detail", shown);
}
