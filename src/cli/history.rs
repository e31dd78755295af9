//! `hookbench history list|show|replay`: the deliveries received.

use std::io::Write;

use anstyle::Style;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;
use unicode_width::UnicodeWidthStr;

use hookbench_core::pipeline::RunRecord;
use hookbench_core::segment::SendReport;
use hookbench_core::segment::client::{Client, ClientOptions};
use hookbench_core::sending::{
    RunPurpose, SendPlan, SendPolicy, keep_run, keep_send, masked_record,
};
use hookbench_core::store::{
    DeliverySummary, Store, StoredDelivery, StoredRun, StoredSend, Verification, is_accepted_status,
};
use hookbench_core::text::{escape_bytes, escape_controls, human_bytes};
use hookbench_workbench::text::truncate;

use super::answers;
use super::args::{GlobalArgs, HistoryCommand, OutputFormat, SegmentArgs, TransformArgs};
use super::render;
use super::style::{BOLD, DIM, GREEN, RED};
use super::{Failure, Finding, Verdict, common, exit};

/// Rows read from the store at a time: `list --limit 0` never holds the whole history.
const PAGE: usize = 1_000;
/// The widest an event type or webhook-id column gets; longer values are cut with `…`.
const MAX_COLUMN: usize = 40;

pub fn run(global: &GlobalArgs, command: &HistoryCommand) -> Result<u8, Failure> {
    match command {
        HistoryCommand::List { limit, output } => list(global, *limit, *output),
        HistoryCommand::Show { id, output } => show(global, id, *output),
        HistoryCommand::Replay {
            id,
            transform,
            send,
            segment,
            force,
            retries,
            output,
        } => replay(
            global,
            id,
            transform,
            send.then_some(segment),
            Sending {
                force: *force,
                retries: *retries,
            },
            *output,
        ),
    }
}

fn open(global: &GlobalArgs) -> Result<Store, Failure> {
    let dir = Store::resolve_dir(global.data_dir.as_deref())?;
    Ok(Store::open(&dir)?)
}

/// For `list` and `show`, which only read: a history in a read-only folder opens read-only.
fn open_for_reading(global: &GlobalArgs) -> Result<Store, Failure> {
    let dir = Store::resolve_dir(global.data_dir.as_deref())?;
    Ok(Store::open_for_reading(&dir)?)
}

fn stdout(output: OutputFormat) -> Box<dyn Write> {
    super::output::stdout_for(output)
}

/// A delivery by number, else by webhook-id.
fn find(store: &Store, id: &str) -> Result<StoredDelivery, Failure> {
    let by_number = match id.trim().parse::<i64>() {
        Ok(n) => store.get(n)?,
        Err(_) => None,
    };
    let found = match by_number {
        Some(found) => Some(found),
        None => store.find_by_webhook_id(id)?,
    };
    found.ok_or_else(|| {
        Failure::input(format!(
            "no delivery {id} in {} (see `hookbench history list`)",
            store.path().display()
        ))
    })
}

// ---- list ------------------------------------------------------------------------------------

fn list(global: &GlobalArgs, limit: usize, output: OutputFormat) -> Result<u8, Failure> {
    let store = open_for_reading(global)?;
    let mut out = stdout(output);
    let mut shown = 0usize;
    let mut before = None;
    loop {
        let want = if limit == 0 {
            PAGE
        } else {
            (limit - shown).min(PAGE)
        };
        if want == 0 {
            break;
        }
        let page = store.list(want, before)?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        // Write errors (a closed pipe) end the listing quietly.
        let written = match output {
            OutputFormat::Json => json_rows(&mut out, &page),
            OutputFormat::Text => text_rows(&mut out, &page, shown == 0),
        };
        shown += page.len();
        if written.is_err() || page.len() < want {
            break;
        }
    }
    if shown == 0 {
        let hint = format!(
            "no deliveries in {} yet: `hookbench listen` receives webhooks (point Dodo at it, or \
             `hookbench trigger EVENT --url http://127.0.0.1:8787/webhook`)",
            store.path().display()
        );
        match output {
            // stdout stays JSON lines (here: none).
            OutputFormat::Json => {
                let _ = writeln!(super::output::stderr_text(), "{hint}");
            }
            OutputFormat::Text => {
                let _ = writeln!(out, "{hint}");
            }
        }
    }
    let _ = out.flush();
    Ok(exit::OK)
}

fn json_rows(out: &mut dyn Write, rows: &[DeliverySummary]) -> std::io::Result<()> {
    for row in rows {
        serde_json::to_writer(&mut *out, row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Rows in aligned columns; the widths fit the page (never below the header's).
fn text_rows(out: &mut dyn Write, rows: &[DeliverySummary], header: bool) -> std::io::Result<()> {
    let cells: Vec<Cells> = rows.iter().map(Cells::of).collect();
    let id_width = cells.iter().map(|c| c.id.len()).max().unwrap_or(0).max(2);
    let event_width = column_width(cells.iter().map(|c| c.event.as_str()), "EVENT");
    let webhook_width = column_width(cells.iter().map(|c| c.webhook_id.as_str()), "WEBHOOK-ID");
    let received_width = column_width(cells.iter().map(|c| c.received.as_str()), "RECEIVED");
    if header {
        writeln!(
            out,
            "{BOLD}{:>id_width$}  {:<10}  {:<6}  {}  {}  {}  {:>8}  {:>12}  REASON{BOLD:#}",
            "ID",
            "VERIFIED",
            "STATUS",
            pad("RECEIVED", received_width),
            pad("EVENT", event_width),
            pad("WEBHOOK-ID", webhook_width),
            "BODY",
            "REDELIVERIES",
        )?;
    }
    for (row, cell) in rows.iter().zip(&cells) {
        let (mark_style, mark) = verification_mark(row.verification);
        let status_style = if is_accepted_status(row.status) {
            GREEN
        } else {
            RED
        };
        let line = format!(
            "{:>id_width$}  {mark_style}{:<10}{mark_style:#}  {status_style}{:<6}{status_style:#}  {}  {}  {}  {:>8}  {:>12}  {}",
            cell.id,
            format!("{mark} {}", row.verification),
            row.status,
            pad(&cell.received, received_width),
            pad(&cell.event, event_width),
            pad(&cell.webhook_id, webhook_width),
            human_bytes(row.bytes),
            row.redeliveries,
            cell.reason,
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A row's texts as shown: cleaned of control characters, cut to [`MAX_COLUMN`].
struct Cells {
    id: String,
    received: String,
    event: String,
    webhook_id: String,
    reason: String,
}

impl Cells {
    fn of(row: &DeliverySummary) -> Cells {
        let shown = |value: &Option<String>| match value {
            Some(v) => truncate(&clean(v), MAX_COLUMN),
            None => "–".to_string(),
        };
        Cells {
            id: row.id.to_string(),
            received: received(&row.received_at),
            event: shown(&row.event_type),
            webhook_id: shown(&row.webhook_id),
            reason: row.reason.as_deref().map(clean).unwrap_or_default(),
        }
    }
}

fn column_width<'a>(values: impl Iterator<Item = &'a str>, header: &str) -> usize {
    values
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0)
        .max(header.len())
}

/// `text` padded with spaces to `width` columns.
fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// An RFC 3339 time as `2026-02-03 14:02:11Z` (UTC); anything else as stored.
fn received(text: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(time) => time
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M:%SZ")
            .to_string(),
        Err(_) => clean(text),
    }
}

fn verification_mark(verification: Verification) -> (Style, &'static str) {
    match verification {
        Verification::Valid => (GREEN, "✓"),
        Verification::Invalid => (RED, "✗"),
        Verification::Unsigned => (DIM, "–"),
    }
}

/// Text from the network made safe for a terminal, on one line.
fn clean(text: &str) -> String {
    escape_controls(text, false)
}

// ---- show ------------------------------------------------------------------------------------

fn show(global: &GlobalArgs, id: &str, output: OutputFormat) -> Result<u8, Failure> {
    let store = open_for_reading(global)?;
    let delivery = find(&store, id)?;
    let runs = runs_of(&store, delivery.summary.id)?;
    let mut out = stdout(output);
    let _ = match output {
        OutputFormat::Json => show_json(&mut out, &delivery, &runs),
        OutputFormat::Text => show_text(&mut out, &delivery, &runs),
    };
    let _ = out.flush();
    Ok(exit::OK)
}

/// A stored run with the sends made from it.
struct RunWithSends {
    run: StoredRun,
    /// The run record, parsed (Null when the stored text is not JSON).
    record: Value,
    /// (send, its delivery parsed)
    sends: Vec<(StoredSend, Value)>,
}

/// The runs kept for a delivery, oldest first, each with its sends.
fn runs_of(store: &Store, delivery_id: i64) -> Result<Vec<RunWithSends>, Failure> {
    let runs = store.runs(delivery_id)?;
    let mut sends = store.sends_of_delivery(delivery_id)?;
    let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    Ok(runs
        .into_iter()
        .map(|run| {
            let (own, rest): (Vec<StoredSend>, Vec<StoredSend>) =
                sends.drain(..).partition(|s| s.run_id == run.id);
            sends = rest;
            RunWithSends {
                record: parse(&run.record),
                sends: own
                    .into_iter()
                    .map(|s| {
                        let delivery = parse(&s.delivery);
                        (s, delivery)
                    })
                    .collect(),
                run,
            }
        })
        .collect())
}

/// Headers as an object; a name given more than once has its values joined with ", " (as HTTP
/// combines them).
fn headers_json(headers: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (name, value) in headers {
        match map.get_mut(name) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            _ => {
                map.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    Value::Object(map)
}

fn show_json(
    out: &mut dyn Write,
    delivery: &StoredDelivery,
    runs: &[RunWithSends],
) -> std::io::Result<()> {
    let mut value = serde_json::to_value(&delivery.summary).map_err(std::io::Error::from)?;
    if let Value::Object(map) = &mut value {
        map.insert("headers".into(), headers_json(&delivery.headers));
        map.insert("body".into(), Value::String(escape_bytes(&delivery.body)));
        map.insert(
            "input_diagnostics".into(),
            serde_json::to_value(render::body_diagnostics(&delivery.body))?,
        );
        let runs: Vec<Value> = runs
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.run.id,
                    "transform": r.run.transform,
                    "created_at": r.run.created_at,
                    "record": r.record,
                    "sends": r.sends.iter().map(|(send, delivery)| serde_json::json!({
                        "id": send.id,
                        "created_at": send.created_at,
                        "delivery": delivery,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        map.insert("runs".into(), Value::Array(runs));
    }
    serde_json::to_writer(&mut *out, &value)?;
    out.write_all(b"\n")
}

fn show_text(
    out: &mut dyn Write,
    delivery: &StoredDelivery,
    runs: &[RunWithSends],
) -> std::io::Result<()> {
    let s = &delivery.summary;
    let (mark_style, mark) = verification_mark(s.verification);
    let status_style = if is_accepted_status(s.status) {
        GREEN
    } else {
        RED
    };
    let event = s.event_type.as_deref().map(clean);
    writeln!(
        out,
        "{BOLD}delivery {}{BOLD:#}{}",
        s.id,
        event.map(|e| format!(" · {e}")).unwrap_or_default()
    )?;
    let field = |name: &str| format!("  {DIM}{name:<13}{DIM:#}");
    let optional = |v: &Option<String>| v.as_deref().map(clean).unwrap_or_else(|| "–".into());
    writeln!(out, "{}{}", field("webhook-id"), optional(&s.webhook_id))?;
    writeln!(out, "{}{}", field("received"), clean(&s.received_at))?;
    writeln!(
        out,
        "{}{mark_style}{mark} {}{mark_style:#}",
        field("verification"),
        s.verification
    )?;
    writeln!(
        out,
        "{}{status_style}{}{status_style:#}",
        field("status"),
        s.status
    )?;
    writeln!(out, "{}{}", field("reason"), optional(&s.reason))?;
    writeln!(out, "{}{}", field("redeliveries"), s.redeliveries)?;
    writeln!(out, "{}{}", field("body"), human_bytes(s.bytes))?;
    writeln!(out)?;
    writeln!(out, "{BOLD}headers{BOLD:#}")?;
    if delivery.headers.is_empty() {
        writeln!(out, "  {DIM}none stored{DIM:#}")?;
    }
    for (name, value) in &delivery.headers {
        writeln!(out, "  {}: {}", clean(name), clean(value))?;
    }
    writeln!(out)?;
    show_runs(out, runs)?;
    writeln!(out, "{BOLD}body{BOLD:#}")?;
    if delivery.body.is_empty() {
        writeln!(out, "  {DIM}empty{DIM:#}")?;
        return Ok(());
    }
    let body = escape_controls(&escape_bytes(&delivery.body), true);
    out.write_all(body.as_bytes())?;
    if !body.ends_with('\n') {
        writeln!(out)?;
    }
    let found = render::body_diagnostics(&delivery.body);
    if !found.is_empty() {
        writeln!(out)?;
        render::input_diagnostics(&mut &mut *out, &found)?;
    }
    Ok(())
}

/// The runs kept for the delivery, each with its sends: what the run gave, and how each send
/// ended and why.
fn show_runs(out: &mut dyn Write, runs: &[RunWithSends]) -> std::io::Result<()> {
    writeln!(out, "{BOLD}runs{BOLD:#}")?;
    if runs.is_empty() {
        writeln!(out, "  {DIM}none stored{DIM:#}")?;
    }
    let text = |v: &Value| v.as_str().map(clean).unwrap_or_default();
    for r in runs {
        let record = &r.record;
        let webhook = &record["webhook"];
        let gave = if !record["error"].is_null() {
            let message = record["error"]
                .get("message")
                .map(text)
                .unwrap_or_else(|| clean(&record["error"].to_string()));
            format!("{RED}✗ failed: {message}{RED:#}")
        } else if webhook["cancel"].as_bool() == Some(true) {
            "⊘ cancelled by the handler".to_string()
        } else if webhook.is_object() {
            format!("→ {} {}", text(&webhook["method"]), text(&webhook["url"]))
        } else {
            "–".to_string()
        };
        writeln!(
            out,
            "  run {} · {} · {} · {gave}",
            r.run.id,
            clean(&received(&r.run.created_at)),
            clean(&r.run.transform)
        )?;
        for (send, delivery) in &r.sends {
            let outcome = text(&delivery["outcome"]);
            let style = if matches!(outcome.as_str(), "delivered" | "dry-run") {
                GREEN
            } else {
                RED
            };
            let status = delivery["status"]
                .as_u64()
                .map_or_else(|| "no answer".to_string(), |s| s.to_string());
            writeln!(
                out,
                "    send {} · {} · {style}{outcome}{style:#} {status} · {} attempt(s) · {} ms · {}",
                send.id,
                clean(&received(&send.created_at)),
                delivery["attempts"].as_u64().unwrap_or(0),
                delivery["latency_ms"].as_u64().unwrap_or(0),
                text(&delivery["destination"])
            )?;
            if let Some(message) = delivery["message"].as_str() {
                writeln!(out, "      {DIM}why:{DIM:#} {}", clean(message))?;
            }
        }
    }
    writeln!(out)
}

// ---- replay ----------------------------------------------------------------------------------

/// How `--send` sends.
#[derive(Debug, Clone, Copy)]
struct Sending {
    force: bool,
    retries: u32,
}

fn replay(
    global: &GlobalArgs,
    id: &str,
    transform_args: &TransformArgs,
    segment: Option<&SegmentArgs>,
    how: Sending,
    output: OutputFormat,
) -> Result<u8, Failure> {
    let store = open(global)?;
    let stored = find(&store, id)?;
    let delivery_id = stored.summary.id;
    let origin = format!("delivery {delivery_id}");
    if stored.body.is_empty() {
        let why = stored
            .summary
            .reason
            .as_deref()
            .map(|r| format!(" (rejected: {})", clean(r)))
            .unwrap_or_default();
        return Err(Failure::input(format!(
            "{origin} has no body stored{why}: nothing to replay"
        )));
    }
    let text = String::from_utf8(stored.body).map_err(|e| {
        Failure::input(format!(
            "{origin}: the body is not UTF-8 (byte {}), so not JSON",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let json = common::parse_json(&origin, &text)?;

    // Everything that can fail on input is checked before the run.
    let config = common::load_config(global)?;
    let session = common::session(&config, transform_args, segment)?;
    let transform = common::load_transform(&session)?;
    let sending = match segment {
        Some(_) => {
            let destination = session.destination(false);
            let write_key = session.write_key_for(&destination)?;
            let client = Client::new(ClientOptions {
                destination,
                write_key,
                retries: how.retries,
                ..ClientOptions::default()
            })?;
            Some(client)
        }
        None => None,
    };
    let (pipeline, shown_name) = common::pipeline(&session, &transform);

    let sent = pipeline.run(text, Some(json));
    // The call goes out as the transformation made it; what is shown and kept is masked.
    let secret = session.write_key.as_ref().map(|k| k.expose());
    let record = masked_record(&sent, secret).into_owned();
    let run_id = keep_run(
        &store,
        delivery_id,
        &shown_name,
        &record,
        RunPurpose::Processing,
        false,
    )?;

    let delivery = match &sending {
        Some(client) => deliver(client, &sent, how.force)?,
        None => None,
    };
    if let (Some(delivery), Some(run_id)) = (&delivery, run_id) {
        keep_send(&store, run_id, delivery)?;
    }

    let label = format!(
        "#{delivery_id} {}",
        if record.event_type.is_empty() {
            "(no type)".to_string()
        } else {
            clean(&record.event_type)
        }
    );
    let mut out = stdout(output);
    // Write errors (a closed pipe) are not worth failing over: the run is stored.
    let _ = match output {
        OutputFormat::Json if sending.is_some() => {
            answers::print_json(&mut out, &record, delivery.as_ref(), None)
        }
        OutputFormat::Json => serde_json::to_writer(&mut out, &record)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
        OutputFormat::Text => {
            render::record(&mut out, &label, &record, &shown_name, &transform.source).and_then(
                |()| match (&sending, &delivery) {
                    (Some(client), Some(delivery)) => {
                        writeln!(out, "{DIM}sent to {}{DIM:#}", client.destination().label())?;
                        answers::print_text(&mut out, &label, &record, Some(delivery))
                    }
                    _ => Ok(()),
                },
            )
        }
    };
    let _ = out.flush();
    Ok(exit_code(&record, sending.is_some(), delivery.as_ref()))
}

/// Sends the record's webhook as `send` would (refused on lint errors unless `force`); None
/// when there is nothing to send.
fn deliver(
    client: &Client,
    record: &RunRecord,
    force: bool,
) -> Result<Option<SendReport>, Failure> {
    let call = match SendPlan::of(record, SendPolicy { force }, client.destination()) {
        SendPlan::TransformFailed | SendPlan::Cancelled => return Ok(None),
        SendPlan::Refused(refusal) => return Ok(Some(refusal)),
        SendPlan::Send(call) => call,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::input(format!("cannot start the network runtime: {e}")))?;
    let cancel = CancellationToken::new();
    Ok(Some(runtime.block_on(client.send_call(&call, &cancel))))
}

/// 1 the transformation failed, 3 lint errors (not sent), 4 the call was not delivered. With
/// `--send`, as `send` exits: 3 when lint errors kept the call back, 4 when it was not
/// delivered (a forced call that was delivered is 0).
fn exit_code(record: &RunRecord, sending: bool, delivery: Option<&SendReport>) -> u8 {
    use hookbench_core::segment::Outcome;
    let mut verdict = Verdict::default();
    verdict.note_if(record.failed(), Finding::TransformFailed);
    if sending {
        match delivery.map(|d| d.outcome) {
            Some(Outcome::Refused) if record.has_lint_errors() => {
                verdict.note(Finding::LintErrors);
            }
            Some(outcome) if outcome.is_failure() => verdict.note(Finding::SendFailed),
            _ => {}
        }
    } else {
        verdict.note_if(
            record.has_lint_errors() && !record.cancelled(),
            Finding::LintErrors,
        );
    }
    verdict.code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(clean("msg_\u{1b}[31mred"), "msg_\\x1B[31mred");
        assert_eq!(clean("a\nb"), "a\\x0Ab");
        assert_eq!(escape_controls("a\n\tb\u{7f}", true), "a\n\tb\\x7F");
        assert_eq!(clean("\u{9b}"), "\\x9B");
        assert_eq!(clean("ünïcode ✓"), "ünïcode ✓");
    }

    #[test]
    fn repeated_headers_are_joined() {
        let headers = vec![
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
            ("a".to_string(), "3".to_string()),
        ];
        assert_eq!(
            headers_json(&headers),
            serde_json::json!({"a": "1, 3", "b": "2"})
        );
    }

    #[test]
    fn times_are_shown_in_utc_to_the_second() {
        assert_eq!(
            received("2026-02-03T15:02:11.123456+01:00"),
            "2026-02-03 14:02:11Z"
        );
        assert_eq!(received("yesterday"), "yesterday");
    }
}
