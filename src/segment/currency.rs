//! Stub: replaced by the ISO 4217 table.
