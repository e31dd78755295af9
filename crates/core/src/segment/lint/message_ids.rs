//! Across calls: Segment keeps one call per `messageId`, so a later call that reuses the id of
//! an earlier one is lost.
//!
//! The checker is fed calls in the order they would be sent (the bodies of one `run`, the lines
//! of one JSONL, the calls of one `send`) and warns on each later call. A later call that is
//! the same as the earlier one (the same body, `sentAt` aside) is a replay or a retry that
//! Segment de-duplicates by design; it still gets the warning, worded as "a duplicate of …",
//! because Segment drops it all the same and a run rarely means to send a call twice.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use serde_json::{Map, Value};

use super::Rule;
use super::pointer::{child, show_str};
use crate::segment::call::CallType;
use crate::segment::diagnostic::{Diagnostic, Severity};

/// The first call seen with one `messageId`.
#[derive(Debug, Clone)]
struct FirstCall {
    /// Where it came from, as the caller labelled it ("events.jsonl:3", "payment.succeeded").
    label: String,
    /// What it was: its event name, or its call type.
    what: String,
    /// A hash of its content, to tell a true duplicate from a different call.
    fingerprint: u64,
}

/// The `messageId`s of the calls seen so far, each with the first call that carried it.
#[derive(Debug, Clone, Default)]
pub struct MessageIds {
    first: HashMap<String, FirstCall>,
}

impl MessageIds {
    /// A checker that has seen no call.
    pub fn new() -> MessageIds {
        MessageIds::default()
    }

    /// How many distinct `messageId`s have been seen.
    pub fn len(&self) -> usize {
        self.first.len()
    }

    /// True before any call with a `messageId` was seen.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// Checks the call `payload`, posted to `url` and labelled `label`, against the calls seen
    /// before it, then remembers its ids. A batch is checked event by event, in order. Returns
    /// a warning for each event whose `messageId` an earlier call already carried.
    pub fn check(&mut self, label: &str, url: &str, payload: &Value) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        let Some(obj) = payload.as_object() else {
            return found;
        };
        let call_type = url::Url::parse(url.trim())
            .ok()
            .and_then(|u| CallType::from_path(u.path()));
        match obj.get("batch") {
            Some(Value::Array(items)) if call_type.is_some_and(CallType::is_batch) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(event) = item.as_object() {
                        let base = format!("/batch/{i}");
                        let event_label = format!("{label} {base}");
                        self.check_call(&event_label, event, &base, None, &mut found);
                    }
                }
            }
            _ => self.check_call(label, obj, "", call_type, &mut found),
        }
        found
    }

    fn check_call(
        &mut self,
        label: &str,
        call: &Map<String, Value>,
        base: &str,
        call_type: Option<CallType>,
        found: &mut Vec<Diagnostic>,
    ) {
        let Some(Value::String(id)) = call.get("messageId") else {
            return;
        };
        if id.trim().is_empty() {
            return;
        }
        let fingerprint = fingerprint(call);
        let Some(first) = self.first.get(id) else {
            self.first.insert(
                id.clone(),
                FirstCall {
                    label: label.to_string(),
                    what: describe_call(call, call_type),
                    fingerprint,
                },
            );
            return;
        };
        let message = if first.fingerprint == fingerprint {
            format!(
                "This call is a duplicate of {} (messageId {}): Segment keeps only the first call with this messageId and drops this one",
                first.label,
                show_str(id)
            )
        } else {
            format!(
                "Segment keeps only the first call with this messageId: {} ({}) came first with messageId {}, so this different call is dropped; give each call its own messageId",
                first.label,
                first.what,
                show_str(id)
            )
        };
        found.push(Rule::DuplicateMessageId.diagnostic(child(base, "messageId"), message));
    }
}

/// The event name of a track call, else the call's type.
fn describe_call(call: &Map<String, Value>, call_type: Option<CallType>) -> String {
    if let Some(Value::String(event)) = call.get("event") {
        return show_str(event);
    }
    match (call.get("type").and_then(Value::as_str), call_type) {
        (Some(t), _) => format!("a {t} call"),
        (None, Some(t)) => format!("a {} call", t.path().trim_start_matches("/v1/")),
        (None, None) => "a call".to_string(),
    }
}

/// A hash of a call's content, the moment it is sent (`sentAt`) aside; object keys are taken in
/// sorted order, so the order a handler wrote them in does not matter.
/// A hash of the call's content whatever its key order (`sentAt` aside): it only tells whether a
/// later call with the same id is the same call, so a fast hash does.
fn fingerprint(call: &Map<String, Value>) -> u64 {
    let mut hasher = FxHasher::default();
    let mut members: Vec<(&String, &Value)> = call
        .iter()
        .filter(|(k, _)| k.as_str() != "sentAt")
        .collect();
    members.sort_unstable_by(|a, b| a.0.cmp(b.0));
    members.len().hash(&mut hasher);
    for (key, value) in members {
        key.hash(&mut hasher);
        hash_value(value, &mut hasher, 0);
    }
    hasher.finish()
}

/// Deeper values are hashed by their text; parsed JSON rarely gets here.
const MAX_HASH_DEPTH: usize = 64;

fn hash_value(v: &Value, hasher: &mut FxHasher, depth: usize) {
    if depth > MAX_HASH_DEPTH {
        v.to_string().hash(hasher);
        return;
    }
    match v {
        Value::Null => 0u8.hash(hasher),
        Value::Bool(b) => (1u8, b).hash(hasher),
        // Numbers that print alike are alike: an integer by its value, any other by its bits.
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => (2u8, u).hash(hasher),
            (None, Some(i)) => (6u8, i).hash(hasher),
            (None, None) => (7u8, n.as_f64().map(f64::to_bits)).hash(hasher),
        },
        Value::String(s) => (3u8, s).hash(hasher),
        Value::Array(items) => {
            (4u8, items.len()).hash(hasher);
            for item in items {
                hash_value(item, hasher, depth + 1);
            }
        }
        Value::Object(map) => {
            (5u8, map.len()).hash(hasher);
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.cmp(b.0));
            for (key, value) in members {
                key.hash(hasher);
                hash_value(value, hasher, depth + 1);
            }
        }
    }
}

/// The code of the warning [`MessageIds::check`] gives a later call.
pub const DUPLICATE_MESSAGE_ID: &str = "duplicate-message-id";

/// The code of [`unchanged_by_modification`]'s warning.
pub const UNCHANGED_MESSAGE_ID: &str = "unchanged-message-id";

/// A call made from a modified body that keeps the `messageId` of the call the original body
/// made: when the original was sent, Segment drops this one as a duplicate, so a modified replay
/// does not reach Segment unless its id changes.
pub fn unchanged_by_modification(original: &Value, modified: &Value) -> Option<Diagnostic> {
    let id = modified.get("messageId").and_then(Value::as_str)?;
    if original.get("messageId").and_then(Value::as_str) != Some(id) || original == modified {
        return None;
    }
    Some(Diagnostic::new(
        Severity::Warning,
        UNCHANGED_MESSAGE_ID,
        "/messageId",
        format!(
            "the modified body's call keeps the messageId {} of the call before the change: if \
             that call was sent, Segment keeps only it and drops this one",
            show_str(id)
        ),
    ))
}

#[cfg(test)]
mod modification_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_modified_call_with_the_original_id_is_warned_and_a_new_id_is_not() {
        let original = json!({"messageId": "dodo:1", "event": "Order Completed", "properties": {"revenue": 4}});
        let modified = json!({"messageId": "dodo:1", "event": "Order Completed", "properties": {"revenue": 5}});
        let d = unchanged_by_modification(&original, &modified).expect("a warning");
        assert_eq!(d.code, UNCHANGED_MESSAGE_ID);
        assert_eq!(d.path, "/messageId");
        assert!(d.message.contains("dodo:1"), "{}", d.message);
        let renamed = json!({"messageId": "dodo:2", "event": "Order Completed"});
        assert!(unchanged_by_modification(&original, &renamed).is_none());
        assert!(unchanged_by_modification(&original, &original).is_none());
        assert!(unchanged_by_modification(&original, &json!({"event": "x"})).is_none());
    }

    #[test]
    fn the_duplicate_code_is_the_one_check_gives() {
        let mut ids = MessageIds::new();
        let call = |n: u32| json!({"userId": "u", "event": format!("E {n}"), "messageId": "m"});
        assert!(
            ids.check("a", "https://api.segment.io/v1/track", &call(1))
                .is_empty()
        );
        let found = ids.check("b", "https://api.segment.io/v1/track", &call(2));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, DUPLICATE_MESSAGE_ID);
    }
}
