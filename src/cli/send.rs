//! `hookbench send`: webhooks through the transformation, linted, then sent to Segment (or a
//! compatible endpoint), with the answer of each call.

use std::collections::VecDeque;
use std::io::Write;

use tokio_util::sync::CancellationToken;

use hookbench_core::pipeline::RunRecord;
use hookbench_core::segment::client::{Client, ClientOptions};
use hookbench_core::segment::mask::Redactor;
use hookbench_core::segment::{Destination, MAX_BATCH_EVENTS, MessageIds, Outcome};
use hookbench_core::sending::{Dispatch, SendPlan, SendPolicy, send_plans_leading};

use super::answers;
use super::args::{GlobalArgs, OutputFormat, SendArgs};
use super::bodies::{self, Body};
use super::render;
use super::style::{BOLD, DIM};
use super::{Failure, Finding, Verdict, common};

/// Bodies transformed, then sent, per round: bounds memory on long JSONL streams (a batched
/// send's last request is filled from the next round).
const CHUNK: usize = MAX_BATCH_EVENTS;
/// The first round's bodies: few, so that the JavaScript workers start on them at once rather
/// than after a whole chunk is read.
const FIRST_CHUNK: usize = 256;
/// Single calls in flight at once when not batching.
const CONCURRENT_SENDS: usize = 8;

/// A webhook body as the pipeline takes it: its text and its JSON.
type Input = (String, Option<serde_json::Value>);

/// Records transformed and planned, not yet answered: a batched send's last request waits for
/// the next chunk's calls.
#[derive(Default)]
struct Waiting {
    records: Vec<(String, RunRecord)>,
    plans: Vec<SendPlan>,
}

#[derive(Default)]
struct Counts {
    events: usize,
    delivered: usize,
    cancelled: usize,
    transform_failed: usize,
    blocked: usize,
    failed: usize,
    bad_inputs: usize,
}

impl Counts {
    fn exit_code(&self) -> u8 {
        let mut verdict = Verdict::default();
        verdict.note_if(self.bad_inputs > 0, Finding::BadInput);
        verdict.note_if(self.transform_failed > 0, Finding::TransformFailed);
        verdict.note_if(self.blocked > 0, Finding::LintErrors);
        verdict.note_if(self.failed > 0, Finding::SendFailed);
        verdict.code()
    }
}

pub fn run(global: &GlobalArgs, args: &SendArgs) -> Result<u8, Failure> {
    let config = common::load_config(global)?;
    let session = common::session(&config, &args.transform, Some(&args.segment))?;
    let transform = common::load_transform(&session)?;
    // A dry run builds the requests for the real destination and stops before the socket; it
    // needs no key (the key is shown masked when there is one).
    let destination = session.destination(false);
    let write_key = if args.dry_run {
        session.write_key_for(&Destination::DryRun)?
    } else {
        session.write_key_for(&destination)?
    };
    let inputs = bodies::select(
        args.input.event.as_deref(),
        args.input.all,
        args.input.payload.as_deref(),
        args.transform.fixtures.as_deref(),
    )?;
    // Made once: every printed record is scrubbed of the key in each of its forms.
    let redactor = write_key.as_ref().and_then(|k| Redactor::new(k.expose()));
    let client = Client::new(ClientOptions {
        destination: destination.clone(),
        write_key,
        retries: args.retries,
        dry_run: args.dry_run,
        gzip: args.gzip || config.segment.gzip,
        ..ClientOptions::default()
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::input(format!("cannot start the network runtime: {e}")))?;
    let (pipeline, _) = common::pipeline(&session, &transform);
    let policy = SendPolicy { force: args.force };
    let dispatch = Dispatch::for_destination(&destination, args.batch, CONCURRENT_SENDS);
    // Refusals name where the calls were going: nowhere, on a dry run.
    let shown_destination = if args.dry_run {
        Destination::DryRun
    } else {
        destination.clone()
    };

    let mut out: Box<dyn Write> = super::output::stdout_for(args.output);
    if args.output == OutputFormat::Text && !args.dry_run {
        let _ = writeln!(out, "{DIM}sending to {}{DIM:#}", destination.label());
    }
    let cancel = CancellationToken::new();
    let mut counts = Counts::default();
    // Segment keeps one call per messageId: later calls of this send that reuse one are
    // flagged, across chunks too.
    let mut message_ids = MessageIds::new();
    // The body of the request printed last: the calls of one batch share it.
    let mut last_written: Option<std::sync::Arc<str>> = None;
    // The next chunk is transformed while this one is sent and printed: the JS workers and the
    // network are busy at once. Bodies are read here (stdin may be one of them), transformed
    // on a thread of their own; at most two chunks are ahead, which bounds memory.
    let mut inputs = inputs.peekable();
    std::thread::scope(|scope| {
        let (bodies_out, bodies_in) = std::sync::mpsc::sync_channel::<Vec<Input>>(1);
        let (records_out, records_in) = std::sync::mpsc::sync_channel::<Vec<RunRecord>>(1);
        let pipeline = &pipeline;
        scope.spawn(move || {
            for bodies in bodies_in {
                let mut records = Vec::with_capacity(bodies.len());
                pipeline.run_ordered(bodies, 64, |record| records.push(record));
                // The reading side stopped: nothing more to do.
                if records_out.send(records).is_err() {
                    break;
                }
            }
        });
        // The chunks handed over and not yet sent: their labels and their bad inputs.
        let mut ahead: VecDeque<(Vec<String>, Vec<String>)> = VecDeque::new();
        // The records not yet answered, in order, with their plans.
        let mut waiting = Waiting::default();
        let mut chunk = FIRST_CHUNK;
        loop {
            while ahead.len() < 2 && inputs.peek().is_some() {
                let mut labels = Vec::new();
                let mut bodies = Vec::new();
                let mut bad_inputs = Vec::new();
                for body in inputs.by_ref().take(chunk) {
                    match body {
                        Body::Ok { label, text, json } => {
                            labels.push(label);
                            bodies.push((text, Some(json)));
                        }
                        Body::Bad(message) => bad_inputs.push(message),
                    }
                }
                if bodies_out.send(bodies).is_err() {
                    break;
                }
                ahead.push_back((labels, bad_inputs));
                chunk = CHUNK;
            }
            let Some((labels, bad_inputs)) = ahead.pop_front() else {
                break;
            };
            // Should the transforming side be gone, what waits is still answered.
            let (records, transformed) = match records_in.recv() {
                Ok(records) => (records, true),
                Err(_) => (Vec::new(), false),
            };
            for message in &bad_inputs {
                render::error_line(message);
            }
            counts.bad_inputs += bad_inputs.len();
            for (mut record, label) in records.into_iter().zip(labels) {
                record.check_message_ids(&mut message_ids, &label);
                waiting
                    .plans
                    .push(SendPlan::of(&record, policy, &shown_destination));
                waiting.records.push((label, record));
            }
            // A batched send keeps its last request open for the next chunk's calls: the
            // records from its first call on wait for that chunk.
            let more_follow = transformed && !ahead.is_empty();
            let answered = runtime.block_on(send_plans_leading(
                &client,
                &waiting.plans,
                dispatch,
                more_follow,
                &cancel,
            ));
            let done = answered.len();
            let plans = waiting.plans.drain(..done);
            let records = waiting.records.drain(..done);
            for ((label, record), (plan, delivery)) in records.zip(plans.zip(answered)) {
                counts.events += 1;
                match plan {
                    SendPlan::TransformFailed => counts.transform_failed += 1,
                    SendPlan::Cancelled => counts.cancelled += 1,
                    SendPlan::Refused(_) => counts.blocked += 1,
                    SendPlan::Send(_) => match delivery.as_ref().map(|d| d.outcome) {
                        Some(Outcome::Delivered | Outcome::DryRun) => counts.delivered += 1,
                        _ => counts.failed += 1,
                    },
                }
                let _ = match args.output {
                    OutputFormat::Json => {
                        answers::print_json(&mut out, &record, delivery.as_ref(), redactor.as_ref())
                    }
                    OutputFormat::Text => {
                        let written = delivery.as_ref().and_then(|d| d.request.written.clone());
                        let shown_above = matches!(
                            (&written, &last_written),
                            (Some(this), Some(last)) if std::sync::Arc::ptr_eq(this, last)
                        );
                        if written.is_some() {
                            last_written = written;
                        }
                        answers::print_text_after(
                            &mut out,
                            &label,
                            &record,
                            delivery.as_ref(),
                            shown_above,
                        )
                    }
                };
            }
            if !transformed {
                break;
            }
        }
    });
    if counts.events == 0 && counts.bad_inputs == 0 {
        return Err(Failure::input("no webhook bodies to send"));
    }
    if args.output == OutputFormat::Text && counts.events + counts.bad_inputs > 1 {
        let _ = writeln!(
            out,
            "\n{BOLD}{} events{BOLD:#} · {} {} · {} cancelled · {} refused for lint errors · {} failed · {} transformations failed",
            counts.events,
            counts.delivered,
            if args.dry_run { "shown" } else { "delivered" },
            counts.cancelled,
            counts.blocked,
            counts.failed,
            counts.transform_failed
        );
    }
    let _ = out.flush();
    Ok(counts.exit_code())
}
