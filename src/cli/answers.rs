//! A call's answer as `send` prints it; `listen --forward` and `history replay --send` print
//! theirs the same way.

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use hookbench_core::pipeline::RunRecord;
use hookbench_core::segment::mask::{self, Redactor};
use hookbench_core::segment::send::ResponseBody;
use hookbench_core::segment::{Outcome, SendReport};

use hookbench_core::text::{Shown, escape_controls};

use super::style::{BOLD, CYAN, DIM, GREEN, RED, YELLOW};

/// The record and its send as one JSON object; the write key `redactor` masks, masked in every
/// form wherever the transformation wrote it into its payload.
pub fn print_json(
    out: &mut dyn Write,
    record: &RunRecord,
    delivery: Option<&SendReport>,
    redactor: Option<&Redactor>,
) -> std::io::Result<()> {
    let delivery = match (record.cancelled(), delivery) {
        (_, Some(d)) => DeliveryField::Report(d),
        (true, None) => DeliveryField::Cancelled,
        (false, None) => DeliveryField::Nothing,
    };
    let scrub = |s: &str| {
        let clean = redactor?.redact(s);
        matches!(clean, Cow::Owned(_)).then(|| clean.into_owned())
    };
    let payload = record.webhook.as_ref().map(|w| &w.payload);
    if payload.is_some_and(|p| mask::shows_write_keys(p, &|s| scrub(s).is_some())) {
        // A key the transformation wrote into its payload is shown masked, as in the request.
        let mut value = serde_json::to_value(record).unwrap_or(Value::Null);
        if let Some(payload) = value.pointer_mut("/webhook/payload") {
            mask::mask_write_keys(payload, &scrub);
        }
        if let Value::Object(map) = &mut value {
            map.insert(
                "delivery".into(),
                serde_json::to_value(&delivery).unwrap_or(Value::Null),
            );
        }
        write_line(out, &value)
    } else {
        // Nothing to mask: written straight from the record.
        write_line(out, &Line { record, delivery })
    }
}

/// `value` as one line of JSON, handed to `out` in one write: the stream checks what it is
/// given write by write, and a record would otherwise come in hundreds of small pieces.
fn write_line(out: &mut dyn Write, value: &impl Serialize) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(4096);
    serde_json::to_writer(&mut line, value)?;
    line.push(b'\n');
    out.write_all(&line)
}

/// A record and its `"delivery"`, written as one object.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    record: &'a RunRecord,
    delivery: DeliveryField<'a>,
}

/// `"delivery"`: the send's report, `{"outcome": "cancelled"}` for a cancelled webhook, else
/// null.
enum DeliveryField<'a> {
    Report(&'a SendReport),
    Cancelled,
    Nothing,
}

impl Serialize for DeliveryField<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            DeliveryField::Report(report) => report.json().serialize(serializer),
            DeliveryField::Cancelled => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("outcome", "cancelled")?;
                map.end()
            }
            DeliveryField::Nothing => serializer.serialize_none(),
        }
    }
}

pub fn print_text(
    out: &mut dyn Write,
    label: &str,
    record: &RunRecord,
    delivery: Option<&SendReport>,
) -> std::io::Result<()> {
    print_text_after(out, label, record, delivery, false)
}

/// [`print_text`], for a call whose request body was printed just above (the calls of one
/// batch share one request): a dry run then says so instead of printing the body again.
pub fn print_text_after(
    out: &mut dyn Write,
    label: &str,
    record: &RunRecord,
    delivery: Option<&SendReport>,
    body_shown_above: bool,
) -> std::io::Result<()> {
    let label = Shown(label);
    if let Some(error) = &record.error {
        writeln!(
            out,
            "{RED}✗{RED:#} {BOLD}{label}{BOLD:#} → {RED}transformation failed ({}){RED:#}: {}",
            error.kind,
            Shown(&error.message)
        )?;
        return Ok(());
    }
    if record.cancelled() {
        writeln!(
            out,
            "{DIM}{}{DIM:#} {BOLD}{label}{BOLD:#} → {DIM}cancelled (not sent){DIM:#}",
            hookbench_core::marks::Mark::Cancelled.symbol()
        )?;
        return Ok(());
    }
    let Some(delivery) = delivery else {
        return Ok(());
    };
    let status = delivery.status.map(|s| s.to_string()).unwrap_or_default();
    let body = match &delivery.body {
        Some(ResponseBody::Json(v)) => escape_controls(&v.to_string(), false),
        Some(ResponseBody::Text(t)) => escape_controls(t.trim(), false),
        None => String::new(),
    };
    let method = Shown(&delivery.request.method);
    let url = Shown(&delivery.request.url);
    let message = delivery
        .message
        .as_deref()
        .map(|m| escape_controls(m, false));
    match delivery.outcome {
        Outcome::DryRun => {
            writeln!(
                out,
                "{CYAN}→{CYAN:#} {BOLD}{label}{BOLD:#} {CYAN}{} {}{CYAN:#} {DIM}(dry run: nothing sent){DIM:#}",
                method, url
            )?;
            for (name, value) in &delivery.request.headers {
                writeln!(out, "  {DIM}{}: {}{DIM:#}", Shown(name), Shown(value))?;
            }
            if body_shown_above {
                writeln!(out, "  {DIM}(in the batch request above){DIM:#}")?;
            } else {
                let written = delivery.request.written_json();
                let pretty = serde_json::to_string_pretty(&written).unwrap_or_default();
                for line in pretty.lines() {
                    writeln!(out, "  {}", Shown(line))?;
                }
            }
        }
        Outcome::Delivered => writeln!(
            out,
            "{GREEN}✓{GREEN:#} {BOLD}{label}{BOLD:#} → {GREEN}{status}{GREEN:#} {DIM}· {} ms · attempt {} · {} {}{DIM:#} {body}",
            delivery.latency_ms, delivery.attempts, method, url
        )?,
        Outcome::Refused => writeln!(
            out,
            "{RED}✗{RED:#} {BOLD}{label}{BOLD:#} → {RED}refused{RED:#}: {}",
            message.as_deref().unwrap_or("")
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
            message
                .as_deref()
                .map(|m| format!("{m} "))
                .unwrap_or_default()
        )?,
    }
    if let Some(message) = &message
        && delivery.outcome == Outcome::Delivered
    {
        writeln!(out, "  {YELLOW}{message}{YELLOW:#}")?;
    }
    Ok(())
}
