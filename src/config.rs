//! Configuration file and environment.
