//! hookbench: the core library behind the `hookbench` binary.
//!
//! The pipeline runs Source → Webhook → Transform → Outcome → Lint. Every stage is a plain module
//! here with no knowledge of a terminal; the CLI (and later the workbench) only print or draw what
//! these modules return.

pub mod config;
pub mod json_error;
pub mod pipeline;
pub mod schedule;
pub mod segment;
pub mod sending;
pub mod session;
pub mod store;
pub mod suggest;
pub mod text;
pub mod transform;
pub mod webhook;
