//! The input side: the catalog of Dodo event types, Dodo's webhook schema, and the fixtures
//! (built-in and user folders).

pub mod catalog;
pub mod fixtures;
pub mod receiver;
pub mod schema;
pub mod signature;

pub use catalog::{EVENT_TYPES, EventTypeInfo};
pub use fixtures::{Fixture, FixtureError, FixtureSet};
pub use schema::{InputDiagnostic, PathCheck, Schema};
