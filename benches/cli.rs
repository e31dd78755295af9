//! Whole-process times on the optimised binary, against their budgets on a 2-core machine: `run`
//! of one event (≤ 5 ms), `run --payload 10k.jsonl --output json` (10,000 Dodo webhooks through
//! segment-complete, ≤ 0.4 s), and `send --batch` of the same 10,000 to a local sink (≤ 0.5 s).

use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "support/webhooks.rs"]
mod webhooks;

const BIN: &str = env!("CARGO_BIN_EXE_hookbench");

fn hookbench(args: &[&str]) {
    let status = Command::new(BIN)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("hookbench runs");
    // Exit 3 (lint errors) would still be a full run; anything else means the bench is broken.
    assert!(
        matches!(status.code(), Some(0) | Some(3)),
        "{args:?}: {status}"
    );
}

fn whole_process(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let jsonl = dir.path().join("10k.jsonl");
    webhooks::write_jsonl(&jsonl, 10_000, true);
    let jsonl = jsonl.to_str().expect("utf-8 path");

    let mut group = c.benchmark_group("whole process");
    group.sample_size(20);
    group.bench_function("run one event (segment-complete, payment.succeeded)", |b| {
        b.iter(|| {
            hookbench(&[
                "run",
                "--transform",
                "segment-complete",
                "--event",
                "payment.succeeded",
                "--output",
                "json",
            ])
        })
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("run 10k JSONL --output json (segment-complete)", |b| {
        b.iter(|| {
            hookbench(&[
                "run",
                "--transform",
                "segment-complete",
                "--payload",
                jsonl,
                "--output",
                "json",
            ])
        })
    });
    // A local sink in this process, so the measured process is hookbench send alone.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sink = runtime
        .block_on(hookbench_core::segment::sink::Sink::new().start("127.0.0.1:0"))
        .expect("sink");
    let endpoint = sink.url().to_string();
    group.bench_function(
        "send --batch 10k JSONL to the local sink (segment-complete)",
        |b| {
            b.iter(|| {
                hookbench(&[
                    "send",
                    "--transform",
                    "segment-complete",
                    "--payload",
                    jsonl,
                    "--batch",
                    "--endpoint",
                    &endpoint,
                    "--write-key",
                    "bench-write-key-0123456789abcdef",
                    "--output",
                    "json",
                ])
            })
        },
    );
    group.finish();
    drop(sink);
}

criterion_group!(benches, whole_process);
criterion_main!(benches);
