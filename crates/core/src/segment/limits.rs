//! Segment's size limits, in bytes and events (1 KB read as 1,000 bytes: the libraries disagree
//! on what a KB is, so this is the safe reading).

/// Largest single call, and largest event inside a batch: Segment documents 32 KB.
pub const MAX_CALL_BYTES: usize = 32_000;
/// Largest `/v1/batch` (or `/v1/import`) body Segment accepts: it documents 500 KB.
pub const MAX_BATCH_BYTES: usize = 500_000;
/// The batch size hookbench packs and lints against: below [`MAX_BATCH_BYTES`], as
/// analytics-python keeps 475,000 bytes for headroom.
pub const SAFE_BATCH_BYTES: usize = 475_000;
/// Most events in one batch; beyond it Segment answers 200 and drops the whole batch.
pub const MAX_BATCH_EVENTS: usize = 2_500;
