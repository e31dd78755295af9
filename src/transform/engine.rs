//! Stub.
pub struct Engine;
pub struct PendingRun;
pub struct Program;
