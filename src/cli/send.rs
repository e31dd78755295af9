//! `hookbench send`: webhooks through the transformation, linted, then sent to Segment (or a
//! compatible endpoint), with the answer of each call.

use std::io::{BufWriter, Write};

use anstyle::{AnsiColor, Effects, Style};
use futures_util::StreamExt;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use hookbench_core::pipeline::{Pipeline, RunRecord};
use hookbench_core::segment::client::{Call, Client, ClientOptions, refused};
use hookbench_core::segment::{Delivery, Destination, Outcome, Region, WriteKey};

use super::args::{GlobalArgs, OutputFormat, SegmentArgs, SendArgs};
use super::bodies::{self, Body};
use super::render;
use super::{Failure, common, exit};

/// Bodies transformed, then sent, per round: bounds memory on long JSONL streams while keeping
/// batches full.
const CHUNK: usize = 2_500;
/// Single calls in flight at once when not batching.
const CONCURRENT_SENDS: usize = 8;

const RED: Style = AnsiColor::Red.on_default();
const GREEN: Style = AnsiColor::Green.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const DIM: Style = Style::new().effects(Effects::DIMMED);
const BOLD: Style = Style::new().effects(Effects::BOLD);

/// What happens to one record.
pub(super) enum Plan {
    /// The transformation failed: nothing to send.
    Failed,
    /// The handler cancelled it.
    Cancelled,
    /// Lint errors and no `--force`.
    Blocked(Delivery),
    Send(Call),
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
        if self.bad_inputs > 0 {
            exit::INPUT
        } else if self.transform_failed > 0 {
            exit::TRANSFORM_FAILED
        } else if self.blocked > 0 {
            exit::LINT_ERRORS
        } else if self.failed > 0 {
            exit::DELIVERY_FAILED
        } else {
            exit::OK
        }
    }
}

pub fn run(global: &GlobalArgs, args: &SendArgs) -> Result<u8, Failure> {
    let config = common::load_config(global)?;
    let transform = common::load_transform(&args.transform, &config)?;
    let settings = common::settings(&args.transform, &config)?;
    let destination = destination(&args.segment, args.dry_run, &config, &settings.url)?;
    let write_key = write_key(&args.segment, &config, &destination)?;
    let inputs = bodies::select(
        args.input.event.as_deref(),
        args.input.all,
        args.input.payload.as_deref(),
        args.transform.fixtures.as_deref(),
    )?;
    let client = Client::new(ClientOptions {
        destination: destination.clone(),
        write_key,
        retries: args.retries,
        ..ClientOptions::default()
    })
    .map_err(|e| Failure::input(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::input(format!("cannot start the network runtime: {e}")))?;
    let engine = common::engine(&args.transform, &config)?;
    let pipeline = Pipeline::new(engine, &transform.name, &transform.source, settings);
    let shown_name = common::display_name(&transform);
    render::compat_warnings(&shown_name, &pipeline.compat_warnings());

    let mut out: Box<dyn Write> = match args.output {
        OutputFormat::Json => Box::new(BufWriter::new(std::io::stdout().lock())),
        OutputFormat::Text => Box::new(BufWriter::new(anstream::stdout())),
    };
    if args.output == OutputFormat::Text && !args.dry_run {
        let _ = writeln!(out, "{DIM}sending to {}{DIM:#}", destination.label());
    }
    let cancel = CancellationToken::new();
    let mut counts = Counts::default();
    let mut inputs = inputs.peekable();
    while inputs.peek().is_some() {
        let mut labels = Vec::new();
        let mut chunk = Vec::new();
        for body in inputs.by_ref().take(CHUNK) {
            match body {
                Body::Ok { label, text, json } => {
                    labels.push(label);
                    chunk.push((text, Some(json)));
                }
                Body::Bad(message) => {
                    render::error_line(&message);
                    counts.bad_inputs += 1;
                }
            }
        }
        let mut records = Vec::with_capacity(chunk.len());
        pipeline.run_ordered(chunk, 64, |record| records.push(record));
        let plans: Vec<Plan> = records
            .iter()
            .map(|r| plan(r, args.force, &destination))
            .collect();
        let deliveries = runtime.block_on(deliver(&client, &plans, args, &cancel));
        for ((label, record), (plan, delivery)) in labels
            .iter()
            .zip(&records)
            .zip(plans.iter().zip(deliveries))
        {
            counts.events += 1;
            match plan {
                Plan::Failed => counts.transform_failed += 1,
                Plan::Cancelled => counts.cancelled += 1,
                Plan::Blocked(_) => counts.blocked += 1,
                Plan::Send(_) => match delivery.as_ref().map(|d| d.outcome) {
                    Some(Outcome::Delivered | Outcome::DryRun) => counts.delivered += 1,
                    _ => counts.failed += 1,
                },
            }
            let _ = match args.output {
                OutputFormat::Json => print_json(&mut out, record, delivery.as_ref()),
                OutputFormat::Text => print_text(&mut out, label, record, delivery.as_ref()),
            };
        }
    }
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

/// `--dry-run`, else `--endpoint`, else Segment in `--region`, the config's region, or the
/// region of the transformation's URL.
pub(super) fn destination(
    segment: &SegmentArgs,
    dry_run: bool,
    config: &hookbench_core::config::Config,
    url: &str,
) -> Result<Destination, Failure> {
    if dry_run {
        return Ok(Destination::DryRun);
    }
    let endpoint = segment
        .endpoint
        .clone()
        .or_else(|| config.segment.endpoint.clone());
    if let Some(endpoint) = endpoint {
        let base = url::Url::parse(&endpoint)
            .map_err(|e| Failure::input(format!("--endpoint {endpoint:?} is not a URL: {e}")))?;
        return Ok(Destination::Endpoint(base));
    }
    let from_url = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().and_then(Region::of_host));
    let region = segment
        .region
        .or(config.segment.region)
        .or(from_url)
        .unwrap_or(Region::Us);
    Ok(Destination::Segment(region))
}

/// `--write-key` (or `SEGMENT_WRITE_KEY`), else the config's; required unless dry-running.
pub(super) fn write_key(
    segment: &SegmentArgs,
    config: &hookbench_core::config::Config,
    destination: &Destination,
) -> Result<Option<WriteKey>, Failure> {
    let key = match &segment.write_key {
        Some(raw) => Some(WriteKey::new(raw).ok_or_else(|| {
            Failure::input("the write key is empty (--write-key or SEGMENT_WRITE_KEY)")
        })?),
        None => config.segment.write_key.clone(),
    };
    if key.is_none() && *destination != Destination::DryRun {
        return Err(Failure::input(
            "no write key: pass --write-key, set SEGMENT_WRITE_KEY or [segment] write_key in the config (or use --dry-run)",
        ));
    }
    Ok(key)
}

pub(super) fn plan(record: &RunRecord, force: bool, destination: &Destination) -> Plan {
    let Some(webhook) = &record.webhook else {
        return Plan::Failed;
    };
    if webhook.cancel {
        return Plan::Cancelled;
    }
    let call = Call::from_webhook(webhook);
    if record.has_lint_errors() && !force {
        let codes: Vec<&str> = record
            .diagnostics
            .iter()
            .filter(|d| d.severity == hookbench_core::segment::Severity::Error)
            .map(|d| d.code.as_str())
            .collect();
        let request = hookbench_core::segment::delivery::RequestInfo {
            method: call.method.clone(),
            url: call.url.clone(),
            headers: Default::default(),
            body: call.payload.clone(),
        };
        return Plan::Blocked(refused(
            destination,
            request,
            format!(
                "lint errors ({}): Segment would reject or drop it; --force sends anyway",
                codes.join(", ")
            ),
        ));
    }
    Plan::Send(call)
}

/// One delivery per plan that sends (None for the others), in order.
async fn deliver(
    client: &Client,
    plans: &[Plan],
    args: &SendArgs,
    cancel: &CancellationToken,
) -> Vec<Option<Delivery>> {
    let calls: Vec<(usize, &Call)> = plans
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p {
            Plan::Send(call) => Some((i, call)),
            _ => None,
        })
        .collect();
    let mut deliveries: Vec<Option<Delivery>> = plans
        .iter()
        .map(|p| match p {
            Plan::Blocked(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    if args.dry_run {
        for (i, call) in calls {
            deliveries[i] = Some(client.dry_run(call));
        }
    } else if args.batch {
        let batch: Vec<Call> = calls.iter().map(|(_, c)| (*c).clone()).collect();
        let sent = client.send_batch(&batch, cancel).await;
        for ((i, _), delivery) in calls.iter().zip(sent) {
            deliveries[*i] = Some(delivery);
        }
    } else {
        let sent: Vec<Delivery> = futures_util::stream::iter(calls.iter())
            .map(|(_, call)| client.send_call(call, cancel))
            .buffered(CONCURRENT_SENDS)
            .collect()
            .await;
        for ((i, _), delivery) in calls.iter().zip(sent) {
            deliveries[*i] = Some(delivery);
        }
    }
    deliveries
}

pub(super) fn print_json(
    out: &mut dyn Write,
    record: &RunRecord,
    delivery: Option<&Delivery>,
) -> std::io::Result<()> {
    let mut value = serde_json::to_value(record).unwrap_or(Value::Null);
    let delivery = match (record.cancelled(), delivery) {
        (_, Some(d)) => d.to_json(),
        (true, None) => serde_json::json!({"outcome": "cancelled"}),
        (false, None) => Value::Null,
    };
    if let Value::Object(map) = &mut value {
        map.insert("delivery".into(), delivery);
    }
    serde_json::to_writer(&mut *out, &value)?;
    out.write_all(b"\n")
}

pub(super) fn print_text(
    out: &mut dyn Write,
    label: &str,
    record: &RunRecord,
    delivery: Option<&Delivery>,
) -> std::io::Result<()> {
    if let Some(error) = &record.error {
        writeln!(
            out,
            "{RED}✗{RED:#} {BOLD}{label}{BOLD:#} → {RED}transformation failed ({}){RED:#}: {}",
            error.kind, error.message
        )?;
        return Ok(());
    }
    if record.cancelled() {
        writeln!(
            out,
            "{DIM}○{DIM:#} {BOLD}{label}{BOLD:#} → {DIM}cancelled (not sent){DIM:#}"
        )?;
        return Ok(());
    }
    let Some(delivery) = delivery else {
        return Ok(());
    };
    let status = delivery.status.map(|s| s.to_string()).unwrap_or_default();
    let body = match &delivery.body {
        Some(hookbench_core::segment::delivery::ResponseBody::Json(v)) => v.to_string(),
        Some(hookbench_core::segment::delivery::ResponseBody::Text(t)) => t.trim().to_string(),
        None => String::new(),
    };
    match delivery.outcome {
        Outcome::DryRun => {
            writeln!(
                out,
                "{CYAN}→{CYAN:#} {BOLD}{label}{BOLD:#} {CYAN}{} {}{CYAN:#} {DIM}(dry run: nothing sent){DIM:#}",
                delivery.request.method, delivery.request.url
            )?;
            for (name, value) in &delivery.request.headers {
                writeln!(out, "  {DIM}{name}: {value}{DIM:#}")?;
            }
            let pretty = serde_json::to_string_pretty(&delivery.request.body).unwrap_or_default();
            for line in pretty.lines() {
                writeln!(out, "  {line}")?;
            }
        }
        Outcome::Delivered => writeln!(
            out,
            "{GREEN}✓{GREEN:#} {BOLD}{label}{BOLD:#} → {GREEN}{status}{GREEN:#} {DIM}· {} ms · attempt {} · {} {}{DIM:#} {body}",
            delivery.latency_ms, delivery.attempts, delivery.request.method, delivery.request.url
        )?,
        Outcome::Refused => writeln!(
            out,
            "{RED}✗{RED:#} {BOLD}{label}{BOLD:#} → {RED}refused{RED:#}: {}",
            delivery.message.as_deref().unwrap_or("")
        )?,
        Outcome::Rejected | Outcome::Failed | Outcome::Cancelled => writeln!(
            out,
            "{RED}✗{RED:#} {BOLD}{label}{BOLD:#} → {RED}{}{}{RED:#} {DIM}· {} ms · {} attempt(s){DIM:#} {}{body}",
            delivery.outcome.as_str(),
            if status.is_empty() {
                String::new()
            } else {
                format!(" {status}")
            },
            delivery.latency_ms,
            delivery.attempts,
            delivery
                .message
                .as_deref()
                .map(|m| format!("{m} "))
                .unwrap_or_default()
        )?,
    }
    if let Some(message) = &delivery.message
        && delivery.outcome == Outcome::Delivered
    {
        writeln!(out, "  {YELLOW}{message}{YELLOW:#}")?;
    }
    Ok(())
}
