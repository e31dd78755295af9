//! The send service: what a run's output becomes on its way to Segment, the same for every
//! front end. A run is planned (nothing to send, refused, or a call), refusals are answered
//! locally, calls are dispatched (a dry run, one by one, or batched), and what happened to the
//! calls of received webhooks is recorded in history. The CLI prints the results; the workbench
//! draws them.

use std::borrow::{Borrow, Cow};

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::pipeline::RunRecord;
use crate::segment::client::{Call, Client, refused};
use crate::segment::mask::{redact, reveals};
use crate::segment::send::RequestInfo;
use crate::segment::{Destination, SendReport, Severity};
use crate::store::{Store, StoreError};

/// Whether calls with lint errors go out anyway.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendPolicy {
    /// Send despite lint errors (`--force`, or confirmed in the workbench).
    pub force: bool,
}

/// What happens to one run's output.
#[derive(Debug, Clone)]
pub enum SendPlan {
    /// The transformation failed: nothing to send.
    TransformFailed,
    /// The handler cancelled the webhook: nothing to send.
    Cancelled,
    /// Lint errors, and the policy does not force: answered locally, never sent.
    Refused(SendReport),
    /// A call to make.
    Send(Call),
}

impl SendPlan {
    /// Plans a run's output for `destination` under `policy`.
    pub fn of(record: &RunRecord, policy: SendPolicy, destination: &Destination) -> SendPlan {
        let Some(webhook) = &record.webhook else {
            return SendPlan::TransformFailed;
        };
        if webhook.cancel {
            return SendPlan::Cancelled;
        }
        let call = Call::from_webhook(webhook);
        if record.has_lint_errors() && !policy.force {
            let reason = format!(
                "lint errors ({}): Segment would reject or drop it; --force sends anyway",
                lint_error_codes(record).join(", ")
            );
            return SendPlan::Refused(refusal(destination, &call, reason));
        }
        SendPlan::Send(call)
    }

    /// The call to make, if any.
    pub fn call(&self) -> Option<&Call> {
        match self {
            SendPlan::Send(call) => Some(call),
            _ => None,
        }
    }
}

/// The codes of a run's lint errors, in order.
fn lint_error_codes(record: &RunRecord) -> Vec<String> {
    record
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code.clone())
        .collect()
}

/// A call answered locally with `reason`: the request shown is the call as it would have gone.
pub fn refusal(destination: &Destination, call: &Call, reason: impl Into<String>) -> SendReport {
    let request = RequestInfo {
        method: call.method.clone(),
        url: call.url.clone(),
        headers: Default::default(),
        body: call.payload.clone(),
        batch: None,
        written: None,
    };
    refused(destination, request, reason)
}

/// How a set of calls goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Each request is built and shown; nothing is sent.
    DryRun,
    /// One request per call, `concurrency` at once (at least one), answered in order.
    OneByOne { concurrency: usize },
    /// Packed into `/v1/batch` requests.
    Batch,
}

impl Dispatch {
    /// The dispatch for `destination`: batched when asked (a dry-run client then shows the
    /// batch request a send would make and stops before the socket), else a dry-run
    /// destination shows each call's request, else one by one.
    pub fn for_destination(destination: &Destination, batch: bool, concurrency: usize) -> Dispatch {
        if batch {
            Dispatch::Batch
        } else if *destination == Destination::DryRun {
            Dispatch::DryRun
        } else {
            Dispatch::OneByOne { concurrency }
        }
    }
}

/// Dispatches `calls`, handing each one's answer to `answered` with its index, in order.
pub async fn dispatch<C: Borrow<Call> + Sync>(
    client: &Client,
    calls: &[C],
    how: Dispatch,
    cancel: &CancellationToken,
    answered: impl FnMut(usize, SendReport),
) {
    dispatch_leading(client, calls, how, false, cancel, answered).await;
}

/// [`dispatch`]; with `more_follow`, a batched dispatch leaves its last batch request (and the
/// calls after its first) for later ([`Client::send_batch_leading`]), and answers only the
/// calls before it.
async fn dispatch_leading<C: Borrow<Call> + Sync>(
    client: &Client,
    calls: &[C],
    how: Dispatch,
    more_follow: bool,
    cancel: &CancellationToken,
    mut answered: impl FnMut(usize, SendReport),
) {
    match how {
        Dispatch::DryRun => {
            for (i, call) in calls.iter().enumerate() {
                answered(i, client.dry_run(call.borrow()));
            }
        }
        Dispatch::Batch => {
            let deliveries = if more_follow {
                client.send_batch_leading(calls, cancel).await
            } else {
                client.send_batch(calls, cancel).await
            };
            for (i, delivery) in deliveries.into_iter().enumerate() {
                answered(i, delivery);
            }
        }
        Dispatch::OneByOne { concurrency } => {
            // Up to `concurrency` requests under way; answers are taken in call order.
            let mut waiting = calls.iter();
            let mut under_way = FuturesOrdered::new();
            let mut next = 0;
            loop {
                while under_way.len() < concurrency.max(1) {
                    match waiting.next() {
                        Some(call) => {
                            under_way.push_back(client.send_call(call.borrow(), cancel));
                        }
                        None => break,
                    }
                }
                let Some(delivery) = under_way.next().await else {
                    break;
                };
                answered(next, delivery);
                next += 1;
            }
        }
    }
}

/// One answer per plan, in order: the refusal for a refused plan, the dispatched call's answer
/// for a call, None when there was nothing to send.
pub async fn send_plans(
    client: &Client,
    plans: &[SendPlan],
    how: Dispatch,
    cancel: &CancellationToken,
) -> Vec<Option<SendReport>> {
    send_plans_leading(client, plans, how, false, cancel).await
}

/// [`send_plans`] for plans that more plans follow (a long stream sent a part at a time), when
/// `more_follow`: a batched send leaves its last batch request for later, so that it is filled
/// with the calls that follow rather than sent half full. Answers the leading plans only; the
/// rest (from the first call of that request on) are for the caller to plan again ahead of the
/// ones that follow. Without `more_follow`, or not batched, every plan is answered.
pub async fn send_plans_leading(
    client: &Client,
    plans: &[SendPlan],
    how: Dispatch,
    more_follow: bool,
    cancel: &CancellationToken,
) -> Vec<Option<SendReport>> {
    let mut answers: Vec<Option<SendReport>> = plans
        .iter()
        .map(|plan| match plan {
            SendPlan::Refused(delivery) => Some(delivery.clone()),
            _ => None,
        })
        .collect();
    let (indices, calls): (Vec<usize>, Vec<&Call>) = plans
        .iter()
        .enumerate()
        .filter_map(|(i, plan)| plan.call().map(|call| (i, call)))
        .unzip();
    let mut answered_calls = 0;
    dispatch_leading(client, &calls, how, more_follow, cancel, |i, delivery| {
        answers[indices[i]] = Some(delivery);
        answered_calls = i + 1;
    })
    .await;
    // The plans before the first call left for later are answered.
    if let Some(&first_left) = indices.get(answered_calls) {
        answers.truncate(first_left);
    }
    answers
}

// ---- history ---------------------------------------------------------------------------------

/// Why a stored delivery was run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPurpose {
    /// The delivery was processed: transformed as it arrived, or replayed.
    Processing,
    /// A preview while the transformation is being worked on (the workbench runs again on
    /// every edit).
    Preview,
}

// The history rule: a run of a stored delivery is kept when it processed the delivery, or
// when its output was sent; a preview that was not sent is not history. Deliveries the store
// could not keep (id 0) have no history.
fn keeps_run(delivery_id: i64, purpose: RunPurpose, sent: bool) -> bool {
    delivery_id > 0 && (purpose == RunPurpose::Processing || sent)
}

/// A run or send that could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot serialise the run: {0}")]
    Serialise(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Keeps a run of a stored delivery when it processed the delivery or its output was sent (a
/// preview that was not sent is not history; a delivery the store could not keep, id 0, has no
/// history); returns the run's id then.
pub fn keep_run(
    store: &Store,
    delivery_id: i64,
    transform: &str,
    record: &RunRecord,
    purpose: RunPurpose,
    sent: bool,
) -> Result<Option<i64>, HistoryError> {
    if !keeps_run(delivery_id, purpose, sent) {
        return Ok(None);
    }
    let json = serde_json::to_string(record)?;
    Ok(Some(store.record_run(delivery_id, transform, &json)?))
}

/// The record as it may be shown or kept in history: `secret` (the configured write key)
/// masked in every form ([`redact`]) wherever the transformation wrote it: its payload, URL and
/// headers, its console lines, its error, the lint messages. The call itself is made from the
/// record as the transformation returned it. Borrowed when there is nothing to mask.
pub fn masked_record<'a>(record: &'a RunRecord, secret: Option<&str>) -> Cow<'a, RunRecord> {
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return Cow::Borrowed(record);
    };
    let shows = serde_json::to_string(record).is_ok_and(|json| reveals(&json, secret))
        || record.logs.iter().any(|l| reveals(&l.message, secret));
    if !shows {
        return Cow::Borrowed(record);
    }
    let mut masked = record.clone();
    let scrub = |text: &mut String| {
        if reveals(text, secret) {
            *text = redact(text, secret);
        }
    };
    if let Some(webhook) = &mut masked.webhook {
        scrub(&mut webhook.method);
        scrub(&mut webhook.url);
        for value in webhook.headers.values_mut() {
            scrub(value);
        }
        // Member names may hold it too.
        webhook.headers = std::mem::take(&mut webhook.headers)
            .into_iter()
            .map(|(mut name, value)| {
                scrub(&mut name);
                (name, value)
            })
            .collect();
        redact_strings(&mut webhook.payload, secret);
    }
    if let Some(error) = &mut masked.error {
        scrub(&mut error.message);
    }
    for log in &mut masked.logs {
        scrub(&mut log.message);
    }
    for diagnostic in &mut masked.diagnostics {
        scrub(&mut diagnostic.message);
        scrub(&mut diagnostic.path);
    }
    Cow::Owned(masked)
}

/// Masks `secret` in every string of `value`, member names included.
fn redact_strings(value: &mut Value, secret: &str) {
    match value {
        Value::String(s) if reveals(s, secret) => *s = redact(s, secret),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_strings(v, secret)),
        Value::Object(map) => {
            let members = std::mem::take(map);
            for (name, mut member) in members {
                redact_strings(&mut member, secret);
                let name = if reveals(&name, secret) {
                    redact(&name, secret)
                } else {
                    name
                };
                map.insert(name, member);
            }
        }
        _ => {}
    }
}

/// Keeps the answer of a call made from a kept run (refusals included).
pub fn keep_send(store: &Store, run_id: i64, delivery: &SendReport) -> Result<i64, HistoryError> {
    Ok(store.record_send(run_id, &delivery.to_json().to_string())?)
}

#[cfg(test)]
mod tests;
