//! hookbench's core: everything the `hookbench` command line and the terminal workbench
//! (`hookbench-workbench`) share. It knows nothing of terminals: both front ends only print or
//! draw what these modules return.
//!
//! An event goes Source → Webhook → Transform → Outcome → Lint, then on to Segment:
//! - [`webhook`]: Dodo's event catalog, the fixtures, signatures and the receiver of live
//!   deliveries;
//! - [`transform`]: the sandboxed QuickJS engine running a `handler(webhook)`, its presets and
//!   compatibility scan;
//! - [`pipeline`]: one body through the engine and the linter, as one record; [`schedule`]: many
//!   bodies through it, a window at a time;
//! - [`segment`]: the call model, the linter, the HTTP client, the local sink and the write-key
//!   check;
//! - [`sending`]: what a run's output becomes on its way to Segment, and what history keeps of
//!   it;
//! - [`server`]: HTTP serving with limits on idle and slow connections, for the receiver and
//!   the sink;
//! - [`store`]: the history of deliveries, runs and sends in SQLite;
//! - [`marks`]: the symbol and meaning of each outcome, drawn alike by both front ends;
//! - [`config`] and [`session`]: the configuration file and the flags over it, resolved once;
//! - [`text`], [`json_error`], [`suggest`]: wording shared by both front ends (escaping, sizes,
//!   times, JSON error positions, "did you mean"); [`text_file`]: how a body's bytes become text.

pub mod config;
pub mod json_error;
pub mod mapping;
pub mod marks;
pub mod pipeline;
pub mod schedule;
pub mod segment;
pub mod sending;
pub mod server;
pub mod session;
pub mod store;
pub mod suggest;
pub mod text;
pub mod text_file;
pub mod transform;
pub mod webhook;
