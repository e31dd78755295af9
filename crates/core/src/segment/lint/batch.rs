//! Batches, and the size limits of calls and batches.

use super::identity::{check_field_objects, check_untransformed};
use super::pointer::{describe, show};
use super::timestamp::check_timestamps;
use super::{Ctx, Found, Rule, lint_call};
use crate::segment::call::CallType;
use crate::segment::limits::{MAX_BATCH_EVENTS, MAX_CALL_BYTES, SAFE_BATCH_BYTES};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// Size

/// Length of the compact JSON, without building it.
pub(super) fn json_size(v: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a Value to a counter cannot fail; a failure would only under-count.
    let _ = serde_json::to_writer(&mut count, v);
    count.0
}

pub(super) fn check_call_size(v: &Value, path: &str, found: &mut Found) {
    let size = json_size(v);
    if size > MAX_CALL_BYTES {
        let what = if path.is_empty() { "call" } else { "event" };
        found.push(
            Rule::TooLarge,
            path,
            format!(
                "Segment rejects this {what} with 400: it is {size} bytes, over the 32,000-byte limit"
            ),
        );
    }
}

pub(super) fn check_batch_size(v: &Value, found: &mut Found) {
    let size = json_size(v);
    if size > SAFE_BATCH_BYTES {
        found.push(
            Rule::TooLarge,
            "",
            format!(
                "Segment rejects this batch with 400: it is {size} bytes, over the 475,000-byte budget (Segment's limit is 500 KB)"
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Batch

pub(super) fn lint_batch(
    obj: &Map<String, Value>,
    payload: &Value,
    source: Option<&Value>,
    found: &mut Found,
) {
    check_batch_size(payload, found);
    check_untransformed(obj, "", found);
    check_timestamps(obj, "", found);
    check_field_objects(obj, "", &["context", "integrations"], found);
    let items = match obj.get("batch") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => {
            found.push(
                Rule::BadBatch,
                "",
                "Segment rejects this batch: it has no `batch` array of events",
            );
            return;
        }
        Some(other) => {
            found.push(
                Rule::BadBatch,
                "/batch",
                format!(
                    "Segment rejects this batch: `batch` must be an array of events, not {}",
                    describe(other)
                ),
            );
            return;
        }
    };
    if items.len() > MAX_BATCH_EVENTS {
        found.push(
            Rule::TooLarge,
            "/batch",
            format!(
                "Segment answers 200 but drops this batch: it holds {} events, over the 2,500-event limit",
                items.len()
            ),
        );
    }
    let ctx = Ctx {
        source,
        envelope: Some(obj),
    };
    for (i, item) in items.iter().enumerate() {
        let base = format!("/batch/{i}");
        let Some(io) = item.as_object() else {
            found.push(
                Rule::MissingType,
                base,
                format!(
                    "Segment drops this event: it is {}, not an object with a type",
                    describe(item)
                ),
            );
            continue;
        };
        check_call_size(item, &base, found);
        let named = io
            .get("type")
            .and_then(Value::as_str)
            .and_then(CallType::from_name);
        match named {
            Some(t) if !t.is_batch() => lint_call(t, io, &base, ctx, found),
            _ => {
                let got = match io.get("type") {
                    None | Some(Value::Null) => String::new(),
                    Some(v) => format!(", not {}", show(v)),
                };
                found.push(
                    Rule::MissingType,
                    base.as_str(),
                    format!(
                        "Segment drops this event: its type must be track, identify, page, screen, group or alias{got}"
                    ),
                );
                check_untransformed(io, &base, found);
            }
        }
    }
}
