use super::*;
use crate::pipeline::{Pipeline, PipelineSettings};
use crate::segment::client::ClientOptions;
use crate::segment::{Outcome, WriteKey};
use crate::transform::{Engine, Limits};
use serde_json::json;

const CLEAN: &str = "function handler(webhook) { webhook.payload = { userId: 'u_1', event: 'Order Completed', n: webhook.payload.n }; return webhook; }";
const NO_IDENTITY: &str =
    "function handler(webhook) { webhook.payload = { event: 'Order Completed' }; return webhook; }";
const CANCELS: &str = "function handler(webhook) { webhook.cancel = true; return webhook; }";
const THROWS: &str = "function handler(webhook) { throw new Error('no'); }";

fn record_of(source: &str, n: i64) -> RunRecord {
    let engine = Engine::with_workers(Limits::default(), 1);
    let pipeline = Pipeline::new(engine, "t.js", source, PipelineSettings::default());
    let body = json!({ "type": "payment.succeeded", "n": n });
    pipeline.run(body.to_string(), Some(body))
}

fn client(destination: Destination) -> Client {
    Client::new(ClientOptions {
        destination,
        write_key: WriteKey::new("wk_1234567890abcdefghijklmnopqrstu"),
        retries: 0,
        ..ClientOptions::default()
    })
    .expect("a client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Nothing listens here: every request fails at once, in a known way.
fn closed_endpoint() -> Destination {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    Destination::Endpoint(url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url"))
}

#[test]
fn failed_and_cancelled_runs_have_nothing_to_send() {
    let policy = SendPolicy { force: true };
    assert!(matches!(
        SendPlan::of(&record_of(THROWS, 0), policy, &Destination::DryRun),
        SendPlan::TransformFailed
    ));
    assert!(matches!(
        SendPlan::of(&record_of(CANCELS, 0), policy, &Destination::DryRun),
        SendPlan::Cancelled
    ));
}

#[test]
fn lint_errors_refuse_the_call_unless_forced() {
    let record = record_of(NO_IDENTITY, 0);
    let destination = Destination::Segment(crate::segment::Region::Us);
    let SendPlan::Refused(refusal) = SendPlan::of(&record, SendPolicy::default(), &destination)
    else {
        panic!("lint errors must refuse the call");
    };
    assert_eq!(refusal.outcome, Outcome::Refused);
    assert_eq!(refusal.attempts, 0);
    let message = refusal.message.unwrap_or_default();
    assert!(message.contains("missing-identity"), "{message}");
    assert!(message.contains("--force sends anyway"), "{message}");
    assert_eq!(
        refusal.request.body["event"], "Order Completed",
        "the request shown"
    );
    assert!(lint_error_codes(&record).contains(&"missing-identity".to_string()));

    let forced = SendPlan::of(&record, SendPolicy { force: true }, &destination);
    assert!(forced.call().is_some(), "forced: sent anyway");
    let clean = SendPlan::of(&record_of(CLEAN, 0), SendPolicy::default(), &destination);
    assert!(clean.call().is_some());
}

#[test]
fn the_dispatch_follows_the_destination_and_the_batch_choice() {
    let segment = Destination::Segment(crate::segment::Region::Eu);
    // A batched dry run shows the batch request a send would make.
    assert_eq!(
        Dispatch::for_destination(&Destination::DryRun, true, 8),
        Dispatch::Batch
    );
    assert_eq!(
        Dispatch::for_destination(&Destination::DryRun, false, 8),
        Dispatch::DryRun
    );
    assert_eq!(
        Dispatch::for_destination(&segment, true, 8),
        Dispatch::Batch
    );
    assert_eq!(
        Dispatch::for_destination(&segment, false, 8),
        Dispatch::OneByOne { concurrency: 8 }
    );
}

#[test]
fn a_dry_run_answers_every_plan_in_order_without_sending() {
    let plans: Vec<SendPlan> = [CLEAN, THROWS, NO_IDENTITY, CANCELS, CLEAN]
        .iter()
        .enumerate()
        .map(|(n, source)| {
            SendPlan::of(
                &record_of(source, n as i64),
                SendPolicy::default(),
                &Destination::DryRun,
            )
        })
        .collect();
    let client = client(Destination::DryRun);
    let answers = runtime().block_on(send_plans(
        &client,
        &plans,
        Dispatch::DryRun,
        &CancellationToken::new(),
    ));
    let outcomes: Vec<Option<Outcome>> = answers
        .iter()
        .map(|a| a.as_ref().map(|d| d.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            Some(Outcome::DryRun),
            None,
            Some(Outcome::Refused),
            None,
            Some(Outcome::DryRun)
        ]
    );
    let n_of = |i: usize| answers[i].as_ref().map(|d| d.request.body["n"].clone());
    assert_eq!(n_of(0), Some(json!(0)));
    assert_eq!(n_of(4), Some(json!(4)));
}

#[test]
fn one_by_one_and_batched_calls_are_answered_once_each_in_order() {
    let destination = closed_endpoint();
    let client = client(destination.clone());
    let calls: Vec<Call> = (0..5)
        .filter_map(|n| {
            SendPlan::of(&record_of(CLEAN, n), SendPolicy::default(), &destination)
                .call()
                .cloned()
        })
        .collect();
    assert_eq!(calls.len(), 5);
    for how in [Dispatch::OneByOne { concurrency: 3 }, Dispatch::Batch] {
        let mut seen = Vec::new();
        runtime().block_on(dispatch(
            &client,
            &calls,
            how,
            &CancellationToken::new(),
            |i, d| {
                assert!(d.outcome.is_failure(), "{how:?}: nothing listens");
                seen.push(i);
            },
        ));
        assert_eq!(seen, vec![0, 1, 2, 3, 4], "{how:?}");
    }
}

#[test]
fn history_keeps_processed_runs_and_sent_previews_only() {
    assert!(keeps_run(1, RunPurpose::Processing, false));
    assert!(keeps_run(1, RunPurpose::Processing, true));
    assert!(keeps_run(1, RunPurpose::Preview, true));
    assert!(!keeps_run(1, RunPurpose::Preview, false));
    assert!(
        !keeps_run(0, RunPurpose::Processing, true),
        "not stored: no history"
    );
}

#[test]
fn kept_runs_and_sends_are_in_the_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let delivery = crate::store::NewDelivery {
        webhook_id: Some("msg_1".into()),
        received_at: "2026-02-03T14:02:11Z".into(),
        event_type: Some("payment.succeeded".into()),
        body: b"{}".to_vec(),
        headers: Vec::new(),
        verification: crate::store::Verification::Unsigned,
        status: 200,
        reason: None,
    };
    let id = match runtime().block_on(store.record(delivery)).expect("stored") {
        crate::store::Recorded::New { id } => id,
        other => panic!("{other:?}"),
    };
    let record = record_of(CLEAN, 7);
    let preview = keep_run(&store, id, "t.js", &record, RunPurpose::Preview, false).expect("ok");
    assert_eq!(preview, None);
    let run = keep_run(&store, id, "t.js", &record, RunPurpose::Processing, false)
        .expect("ok")
        .expect("kept");
    let answer = client(Destination::DryRun).dry_run(
        SendPlan::of(&record, SendPolicy::default(), &Destination::DryRun)
            .call()
            .expect("a call"),
    );
    keep_send(&store, run, &answer).expect("kept");
    let runs = store.runs(id).expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].transform, "t.js");
    let sends = store.sends(run).expect("sends");
    assert_eq!(sends.len(), 1);
    assert!(
        sends[0].delivery.contains(r#""outcome":"dry-run""#),
        "{}",
        sends[0].delivery
    );
}

#[test]
fn a_batched_dry_run_shows_the_batch_request_and_sends_nothing() {
    let calls: Vec<Call> = [0, 1]
        .iter()
        .map(|n| {
            let record = record_of(CLEAN, *n);
            Call::from_webhook(record.webhook.as_ref().expect("an output"))
        })
        .collect();
    let how = Dispatch::for_destination(&Destination::DryRun, true, 1);
    let client = client(Destination::DryRun);
    let mut reports = Vec::new();
    runtime().block_on(dispatch(
        &client,
        &calls,
        how,
        &CancellationToken::new(),
        |i, report| reports.push((i, report)),
    ));
    assert_eq!(reports.len(), 2);
    for (_, report) in &reports {
        assert_eq!(report.outcome, Outcome::DryRun);
        assert!(
            report.request.url.ends_with("/v1/batch"),
            "{}",
            report.request.url
        );
        let written = report
            .request
            .written
            .as_deref()
            .expect("the body as written");
        let envelope: serde_json::Value = serde_json::from_str(written).expect("JSON");
        assert_eq!(envelope["batch"].as_array().map(Vec::len), Some(2));
    }
}

#[test]
fn a_shown_or_kept_record_has_the_key_masked_wherever_the_handler_wrote_it() {
    let key = "wk_é\"quote\nline_Q7mvT2xkLp9RsW4b";
    let quoted = serde_json::to_string(key).expect("json");
    let record = record_of(
        &format!(
            "function handler(w) {{ const k = {quoted}; console.log('key ' + k); \
             w.headers = {{ 'X-Key': k }}; w.url = 'https://api.segment.io/v1/track?k=' + \
             encodeURIComponent(k); w.payload = {{ userId: 'u', event: 'E', writeKey: k, \
             nested: [{{ note: JSON.stringify({{ k }}) }}] }}; return w; }}"
        ),
        1,
    );
    assert!(serde_json::to_string(&record).is_ok_and(|j| crate::segment::mask::reveals(&j, key)));
    let masked = masked_record(&record, Some(key));
    assert!(matches!(masked, Cow::Owned(_)));
    let json = serde_json::to_string(masked.as_ref()).expect("json");
    assert!(!crate::segment::mask::reveals(&json, key), "{json}");
    assert!(
        !masked
            .logs
            .iter()
            .any(|l| l.message.contains("Q7mvT2xkLp9"))
    );
    // The call itself is made from the record as returned.
    assert_eq!(
        record
            .webhook
            .as_ref()
            .map(|w| w.payload["writeKey"].clone()),
        Some(json!(key))
    );
    // Nothing to mask: no copy.
    assert!(matches!(masked_record(&record, None), Cow::Borrowed(_)));
    assert!(matches!(
        masked_record(&record, Some("wk_another_key_0000000000000")),
        Cow::Borrowed(_)
    ));
}

/// A track call whose batch item is about 30 KB: 15 of them fill a batch request.
fn large_call(n: usize) -> SendPlan {
    SendPlan::Send(Call {
        method: "POST".into(),
        url: "https://api.segment.io/v1/track".into(),
        headers: Default::default(),
        payload: json!({
            "userId": "u_1",
            "event": "Order Completed",
            "messageId": format!("m-{n}"),
            "properties": {"n": n, "pad": "x".repeat(30_000)},
        }),
    })
}

#[test]
fn a_stream_sent_in_parts_sends_no_batch_request_half_full_before_its_end() {
    let client = client(Destination::DryRun);
    let cancel = CancellationToken::new();
    let mut next = 0;
    let mut part = |count: usize| -> Vec<SendPlan> {
        let plans = (next..next + count).map(large_call).collect();
        next += count;
        plans
    };
    let mut waiting: Vec<SendPlan> = Vec::new();
    // Every answer in order, with the calls of its request and its place there.
    let mut answered: Vec<(usize, usize, usize)> = Vec::new();
    let mut take = |waiting: &mut Vec<SendPlan>, more_follow: bool| {
        let answers = runtime().block_on(send_plans_leading(
            &client,
            waiting,
            Dispatch::Batch,
            more_follow,
            &cancel,
        ));
        for (plan, answer) in waiting.drain(..answers.len()).zip(answers) {
            let SendPlan::Send(call) = plan else {
                assert!(answer.is_none() || matches!(plan, SendPlan::Refused(_)));
                continue;
            };
            let report = answer.expect("a call is answered");
            assert_eq!(report.outcome, Outcome::DryRun);
            let place = report.request.batch.as_deref().expect("in a batch");
            assert_eq!(
                report.request.body["properties"]["n"],
                call.payload["properties"]["n"]
            );
            let written: Value =
                serde_json::from_str(report.request.written.as_deref().expect("written"))
                    .expect("JSON");
            assert_eq!(written["batch"].as_array().map(Vec::len), Some(place.calls));
            assert_eq!(
                written["batch"][place.index]["messageId"],
                call.payload["messageId"]
            );
            let n = call.payload["properties"]["n"].as_u64().expect("n") as usize;
            answered.push((n, place.calls, place.index));
        }
    };
    // 20 calls: the first request is full (15), the 5 after it wait.
    waiting.extend(part(20));
    take(&mut waiting, true);
    assert_eq!(waiting.len(), 5);
    // Runs with nothing to send are answered in their place: this one with the first request,
    // the one after the last call with the calls that wait.
    waiting.push(SendPlan::Cancelled);
    waiting.extend(part(20));
    waiting.push(SendPlan::Cancelled);
    take(&mut waiting, true);
    assert_eq!(
        waiting.len(),
        11,
        "10 calls and the cancelled run after them"
    );
    assert!(matches!(waiting.last(), Some(SendPlan::Cancelled)));
    waiting.extend(part(3));
    take(&mut waiting, false);
    assert!(waiting.is_empty());

    let order: Vec<usize> = answered.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(
        order,
        (0..43).collect::<Vec<_>>(),
        "every call once, in order"
    );
    let requests: Vec<usize> = answered
        .iter()
        .filter(|(_, _, index)| *index == 0)
        .map(|(_, calls, _)| *calls)
        .collect();
    assert_eq!(requests, [15, 15, 13]);
}
