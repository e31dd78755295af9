//! Stub: replaced by the event catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTypeInfo { pub name: &'static str, pub group: &'static str, pub payload_kind: &'static str }
pub static EVENT_TYPES: [EventTypeInfo; 0] = [];
