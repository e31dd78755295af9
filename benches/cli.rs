//! Whole-process budgets of DESIGN §10, timed on the optimised binary: `run` of one event, and
//! `run --payload 10k.jsonl --output json` (10,000 Dodo webhooks through segment-complete).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use hookbench::webhook::FixtureSet;

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

fn write_10k_jsonl(dir: &std::path::Path) -> std::path::PathBuf {
    let fixtures = FixtureSet::builtin().expect("fixtures");
    let path = dir.join("10k.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    for (i, fixture) in fixtures.iter().cycle().take(10_000).enumerate() {
        let mut body = fixture.json.clone();
        // Distinct events, as a real stream would have.
        if let Some(ts) = body.get_mut("timestamp") {
            *ts = serde_json::Value::String(format!(
                "2026-11-26T14:{:02}:{:02}.{i:06}Z",
                i / 60 % 60,
                i % 60
            ));
        }
        serde_json::to_writer(&mut file, &body).expect("write");
        file.write_all(b"\n").expect("write");
    }
    file.flush().expect("flush");
    path
}

fn whole_process(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let jsonl = write_10k_jsonl(dir.path());
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
    group.finish();
}

criterion_group!(benches, whole_process);
criterion_main!(benches);
