//! The transform engine's budget: one warm run of a preset on a Dodo fixture, ≤ 40 µs median on
//! a 2-core machine. Measured with read recording (what every run does) and without it, so the
//! recording's own cost shows, and with the body handed over already parsed, as the pipeline
//! hands it (the payload is then built from serde's reading rather than by `JSON.parse`).

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use hookbench_core::transform::{Engine, Limits, RunInput, presets};

const PAYMENT: &str = include_str!("../fixtures/webhooks/payment.succeeded.json");

fn warm_runs(c: &mut Criterion) {
    let parsed = Arc::new(serde_json::from_str::<serde_json::Value>(PAYMENT).expect("JSON"));
    let engines = [
        ("", Engine::with_workers(Limits::default(), 1)),
        (
            " without read recording",
            Engine::without_read_recording(Limits::default(), 1),
        ),
    ];
    for (variant, engine) in &engines {
        for name in ["segment-complete", "segment-track-payment"] {
            let Some(preset) = presets::preset(name) else {
                continue;
            };
            let program = engine.compile(preset.file, preset.source);
            c.bench_function(
                &format!("warm run: {name} on payment.succeeded{variant}"),
                |b| {
                    b.iter(|| {
                        let out =
                            engine.run(&program, RunInput::from_body(PAYMENT, "payment.succeeded"));
                        assert!(out.result.is_ok());
                        out
                    })
                },
            );
            if !variant.is_empty() {
                continue;
            }
            c.bench_function(
                &format!("warm run: {name} on payment.succeeded, body parsed"),
                |b| {
                    b.iter(|| {
                        let mut input = RunInput::from_body(PAYMENT, "payment.succeeded");
                        input.json = Some(Arc::clone(&parsed));
                        let out = engine.run(&program, input);
                        assert!(out.result.is_ok());
                        out
                    })
                },
            );
        }
    }
}

criterion_group!(benches, warm_runs);
criterion_main!(benches);
