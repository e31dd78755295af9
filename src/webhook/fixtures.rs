//! Stub: replaced by fixture loading.
#[derive(Debug, Clone)]
pub struct Fixture;
#[derive(Debug, thiserror::Error)]
#[error("fixture error")]
pub struct FixtureError;
#[derive(Debug, Clone, Default)]
pub struct FixtureSet;
