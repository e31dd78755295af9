//! Transform then lint: one event through the pipeline.
