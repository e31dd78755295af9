//! The calls the sink keeps: each as the JSON text `GET /calls` writes for it, written once when
//! the call is recorded, beside the few fields the sink itself reads. Kept within a count and a
//! total of bytes, the oldest dropped first; read a page at a time.

use std::collections::{HashSet, VecDeque};

use axum::body::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;

use super::{ReceivedCall, SinkVerdict};

/// A call judged but not yet recorded: its fields, and the body (keys masked) that goes into
/// its JSON text, already written.
#[derive(Debug, Clone)]
pub(super) struct NewCall {
    pub call: ReceivedCall,
    pub body: Option<Box<RawValue>>,
}

/// A call as `GET /calls` shows it: the fields of [`ReceivedCall`] in their order, then the body.
#[derive(Serialize)]
struct CallJson<'a> {
    seq: u64,
    received_at: &'a str,
    path: &'a str,
    call_type: &'a Option<String>,
    batch_index: Option<usize>,
    event: &'a Option<String>,
    user_id: &'a Option<String>,
    anonymous_id: &'a Option<String>,
    message_id: &'a Option<String>,
    bytes: usize,
    status: u16,
    verdict: &'a SinkVerdict,
    write_key: &'a Option<String>,
    retry_count: &'a Option<String>,
    body: Option<&'a RawValue>,
}

/// The JSON text of a call with its body.
fn to_json(call: &ReceivedCall, body: Option<&RawValue>) -> Bytes {
    let view = CallJson {
        seq: call.seq,
        received_at: &call.received_at,
        path: &call.path,
        call_type: &call.call_type,
        batch_index: call.batch_index,
        event: &call.event,
        user_id: &call.user_id,
        anonymous_id: &call.anonymous_id,
        message_id: &call.message_id,
        bytes: call.bytes,
        status: call.status,
        verdict: &call.verdict,
        write_key: &call.write_key,
        retry_count: &call.retry_count,
        body,
    };
    // The body, copied as written, and room for the fields around it.
    let mut json = Vec::with_capacity(body.map_or(0, |b| b.get().len()) + 512);
    // Serialising strings, numbers and JSON text into memory cannot fail.
    if serde_json::to_writer(&mut json, &view).is_err() {
        json.clear();
    }
    // Had the fields not fitted the room left, the buffer grew by doubling: kept as it is, a
    // call could hold twice its size.
    if json.capacity() - json.len() > 1024 {
        json.shrink_to_fit();
    }
    Bytes::from(json)
}

/// The calls kept, oldest first, with what the sink needs to judge the next ones.
pub(super) struct CallLog {
    calls: VecDeque<ReceivedCall>,
    max_calls: usize,
    max_bytes: usize,
    /// The JSON text of the calls kept, in bytes.
    bytes: usize,
    next_seq: u64,
    /// `messageId`s of the accepted calls kept: Segment drops duplicates.
    accepted_ids: HashSet<String>,
}

impl CallLog {
    pub(super) fn new(max_calls: usize, max_bytes: usize) -> CallLog {
        CallLog {
            calls: VecDeque::new(),
            max_calls: max_calls.max(1),
            max_bytes: max_bytes.max(1),
            bytes: 0,
            next_seq: 1,
            accepted_ids: HashSet::new(),
        }
    }

    /// Numbers the call, judges a repeated `messageId`, writes its JSON text and keeps it,
    /// dropping the oldest calls past either limit. Returns the call as kept.
    pub(super) fn push(&mut self, new: NewCall) -> ReceivedCall {
        let NewCall { mut call, body } = new;
        call.seq = self.next_seq;
        self.next_seq += 1;
        if call.verdict.is_accepted()
            && let Some(id) = &call.message_id
            && !self.accepted_ids.insert(id.clone())
        {
            call.verdict = SinkVerdict::Dropped("duplicate messageId".into());
        }
        call.record = to_json(&call, body.as_deref());
        drop(body);
        while !self.calls.is_empty()
            && (self.calls.len() >= self.max_calls
                || self.bytes + call.record.len() > self.max_bytes)
        {
            self.drop_oldest();
        }
        self.bytes += call.record.len();
        self.calls.push_back(call.clone());
        call
    }

    fn drop_oldest(&mut self) {
        if let Some(old) = self.calls.pop_front() {
            self.bytes -= old.record.len();
            if old.verdict.is_accepted()
                && let Some(id) = &old.message_id
            {
                self.accepted_ids.remove(id);
            }
        }
    }

    /// The JSON text of every call kept, in bytes.
    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Up to `limit` calls with a `seq` over `after`, oldest first, and whether more follow.
    pub(super) fn page(&self, after: u64, limit: usize) -> (Vec<ReceivedCall>, bool) {
        // `seq` increases along the queue: skip to the first one after `after`.
        let start = self.calls.partition_point(|c| c.seq <= after);
        let page: Vec<ReceivedCall> = self.calls.range(start..).take(limit).cloned().collect();
        let more = self.calls.len() - start > page.len();
        (page, more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn call(message_id: &str, padding: usize) -> NewCall {
        NewCall {
            call: ReceivedCall {
                message_id: Some(message_id.to_string()),
                ..ReceivedCall::default()
            },
            body: serde_json::value::to_raw_value(&serde_json::json!({"pad": "x".repeat(padding)}))
                .ok(),
        }
    }

    #[test]
    fn the_byte_limit_drops_the_oldest_and_pages_return_each_call_once_in_order() {
        let mut log = CallLog::new(1_000, 10_000);
        for i in 0..100 {
            let kept = log.push(call(&format!("m{i}"), 500));
            assert!(log.bytes() <= 10_000, "{} bytes kept", log.bytes());
            assert_eq!(kept.seq, i + 1);
        }
        let mut seen = Vec::new();
        let mut after = 0;
        loop {
            let (page, more) = log.page(after, 7);
            seen.extend(page.iter().map(|c| c.seq));
            match page.last() {
                Some(last) if more => after = last.seq,
                _ => break,
            }
        }
        let first = *seen.first().expect("calls kept");
        assert_eq!(seen, (first..=100).collect::<Vec<_>>());
        assert!(first > 1, "the oldest were dropped");
        let total: usize = log.calls.iter().map(|c| c.record.len()).sum();
        assert_eq!(total, log.bytes());
        // A dropped call's messageId may come again.
        let again = log.push(call("m0", 10));
        assert!(again.verdict.is_accepted());
        let kept: Value = serde_json::from_slice(&again.record).expect("JSON");
        assert_eq!(kept["seq"], 101);
        assert_eq!(kept["body"]["pad"], "x".repeat(10));
    }
}
