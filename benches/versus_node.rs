//! hookbench against Node, side by side in one run: 10,000 Dodo webhooks (every fixture in turn,
//! each with its own timestamp) through the integration guide's track handler and through
//! `segment-complete`, and one event alone. hookbench is the whole `run --payload 10k.jsonl
//! --output json` process; Node is a script that reads the same file line by line, builds the
//! webhook object as Svix does, compiles a fresh handler for each event (as a fresh run would)
//! and prints each outcome as JSON. Both write to /dev/null.
//!
//! Wall and CPU time (user + system, from the children's rusage in /proc/self/stat) of each
//! command, the median of several rounds taken in turn, and the ratios. Without `node` on PATH
//! only hookbench's figures are printed.
//!
//! `cargo bench --bench versus_node` (release build); `VERSUS_NODE_ROUNDS` sets the rounds
//! (default 5).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hookbench_core::transform::presets;

#[path = "support/webhooks.rs"]
mod webhooks;

const BIN: &str = env!("CARGO_BIN_EXE_hookbench");

/// Reads JSONL bodies from the file named by argv[2], runs the handler of the file named by
/// argv[1] on each, compiled afresh per event, and writes one outcome per line.
const NODE_DRIVER: &str = r#"
const fs = require("fs");
const source = fs.readFileSync(process.argv[2], "utf8") + "\nreturn handler;";
const lines = fs.readFileSync(process.argv[3], "utf8").split("\n");
const out = [];
for (const line of lines) {
  if (line === "") continue;
  const payload = JSON.parse(line);
  const handler = new Function(source)();
  const result = handler({
    method: "POST",
    url: "https://api.segment.io/v1/track",
    eventType: payload.type,
    payload: payload,
    env: {},
  });
  out.push(JSON.stringify({
    method: result.method,
    url: result.url,
    headers: result.headers || {},
    cancel: result.cancel === true,
    payload: result.payload,
  }));
  if (out.length >= 512) {
    fs.writeSync(1, out.join("\n") + "\n");
    out.length = 0;
  }
}
if (out.length > 0) fs.writeSync(1, out.join("\n") + "\n");
"#;

/// The children's CPU time so far (user + system), from /proc/self/stat; None elsewhere.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the whole line: 14 and 15 after the name.
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    // Linux reports them in USER_HZ, 100 per second on every architecture it runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// Wall and CPU time of one command, its output thrown away.
fn timed(program: &str, args: &[&str]) -> (Duration, Option<Duration>) {
    let cpu_before = children_cpu();
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    let wall = start.elapsed();
    // Exit 3 (lint errors in some outputs) is still a full run.
    assert!(
        matches!(status.code(), Some(0) | Some(3)),
        "{program} {args:?}: {status}"
    );
    let cpu = match (cpu_before, children_cpu()) {
        (Some(before), Some(after)) => Some(after.saturating_sub(before)),
        _ => None,
    };
    (wall, cpu)
}

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn millis(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes flags such as `--bench`; this bench takes none.
    let rounds: usize = std::env::var("VERSUS_NODE_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|r| *r > 0)
        .unwrap_or(5);
    let dir = tempfile::tempdir().expect("tempdir");
    let ten_k = dir.path().join("10k.jsonl");
    let one = dir.path().join("1.jsonl");
    webhooks::write_jsonl(&ten_k, 10_000, false);
    webhooks::write_jsonl(&one, 1, false);
    let driver = dir.path().join("driver.js");
    std::fs::write(&driver, NODE_DRIVER).expect("write the driver");
    let node = node_available();
    if !node {
        println!("node is not on PATH: hookbench's figures only");
    }

    for (preset, input, label) in [
        (
            "segment-track-payment",
            &ten_k,
            "10k events, the guide's track handler",
        ),
        ("segment-complete", &ten_k, "10k events, segment-complete"),
        ("segment-complete", &one, "1 event, segment-complete"),
    ] {
        let source = presets::preset(preset).expect("the preset");
        let handler = dir.path().join(source.file);
        std::fs::write(&handler, source.source).expect("write the handler");
        let input = input.to_str().expect("utf-8 path");
        let hb_args = [
            "run",
            "--transform",
            preset,
            "--payload",
            input,
            "--output",
            "json",
        ];
        let node_args = [
            driver.to_str().expect("utf-8 path"),
            handler.to_str().expect("utf-8 path"),
            input,
        ];
        let (mut hb_wall, mut hb_cpu, mut node_wall, mut node_cpu) =
            (vec![], vec![], vec![], vec![]);
        for _ in 0..rounds {
            let (wall, cpu) = timed(BIN, &hb_args);
            hb_wall.push(wall);
            hb_cpu.extend(cpu);
            if node {
                let (wall, cpu) = timed("node", &node_args);
                node_wall.push(wall);
                node_cpu.extend(cpu);
            }
        }
        let hb = (
            median(hb_wall),
            (!hb_cpu.is_empty()).then(|| median(hb_cpu)),
        );
        print!(
            "{label}: hookbench {} wall, {} CPU",
            millis(hb.0),
            hb.1.map_or("?".into(), millis)
        );
        if node {
            let nd = (
                median(node_wall),
                (!node_cpu.is_empty()).then(|| median(node_cpu)),
            );
            print!(
                " · node {} wall, {} CPU · hookbench/node: wall {:.2}×",
                millis(nd.0),
                nd.1.map_or("?".into(), millis),
                hb.0.as_secs_f64() / nd.0.as_secs_f64()
            );
            if let (Some(a), Some(b)) = (hb.1, nd.1) {
                print!(", CPU {:.2}×", a.as_secs_f64() / b.as_secs_f64().max(1e-9));
            }
        }
        println!(" (medians of {rounds})");
    }
}
