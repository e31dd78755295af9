//! The receiver's budgets: signed deliveries stored and acknowledged at 2,000/s or more with a
//! p99 of 20 ms or less, and the memory of `hookbench listen` after 10,000 deliveries (80 MB RSS
//! at most).
//!
//! A load generator on loopback keeps 32 requests in flight against an in-process `Receiver`
//! (secret set, temp store): Dodo fixture bodies, each with its own webhook-id, signed before the
//! clock starts. Every request's time from send to the end of the answer is collected. Criterion
//! times rounds of 500 deliveries; a 5,000-delivery round prints throughput and p50/p99. Then the
//! real binary (`hookbench listen`) receives 10,000 deliveries and its peak RSS (VmHWM) is read
//! from /proc.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hookbench_core::store::Store;
use hookbench_core::webhook::FixtureSet;
use hookbench_core::webhook::receiver::{Receiver, ReceiverOptions};
use hookbench_core::webhook::signature::{self, Secret};

const BIN: &str = env!("CARGO_BIN_EXE_hookbench");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const IN_FLIGHT: usize = 32;
const ROUND: usize = 5_000;
const CRITERION_ROUND: usize = 500;
/// The budget's rate, for the open-loop round.
const PACED_RATE: u32 = 2_000;
const RSS_DELIVERIES: usize = 10_000;

/// One delivery ready to send: its headers are signed already.
struct Prepared {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

/// Fixture bodies, cycled, each signed with a fresh webhook-id (`prefix` keeps rounds apart).
fn prepare(bodies: &[Vec<u8>], secret: &Secret, prefix: &str, count: usize) -> Vec<Prepared> {
    let now = chrono::Utc::now().timestamp();
    bodies
        .iter()
        .cycle()
        .take(count)
        .enumerate()
        .map(|(i, body)| {
            let id = format!("msg_{prefix}_{i:06}");
            Prepared {
                signature: signature::sign(secret, &id, now, body),
                timestamp: now.to_string(),
                id,
                body: body.clone(),
            }
        })
        .collect()
}

/// Wall time of the round and each request's latency; panics on any answer that is not 2xx.
async fn send_all(
    http: &reqwest::Client,
    url: &str,
    deliveries: Vec<Prepared>,
) -> (Duration, Vec<Duration>) {
    let deliveries = Arc::new(deliveries);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..IN_FLIGHT {
        let (http, url, deliveries, next) = (
            http.clone(),
            url.to_string(),
            deliveries.clone(),
            next.clone(),
        );
        workers.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(d) = deliveries.get(i) else {
                    break;
                };
                let sent = Instant::now();
                let response = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("webhook-id", &d.id)
                    .header("webhook-timestamp", &d.timestamp)
                    .header("webhook-signature", &d.signature)
                    .body(d.body.clone())
                    .send()
                    .await
                    .expect("answered");
                let status = response.status();
                let _ = response.bytes().await.expect("answer body");
                latencies.push(sent.elapsed());
                assert!(status.is_success(), "{}: {status}", d.id);
            }
            latencies
        });
    }
    let mut latencies = Vec::with_capacity(deliveries.len());
    while let Some(worker) = workers.join_next().await {
        latencies.extend(worker.expect("worker"));
    }
    (started.elapsed(), latencies)
}

/// Open loop at `rate` deliveries per second: each request starts at its scheduled time whatever
/// the others are doing, and its latency counts from that time (a slow answer cannot hide the
/// queueing behind it). Wall time and latencies; panics on any answer that is not 2xx.
async fn send_paced(
    http: &reqwest::Client,
    url: &str,
    deliveries: Vec<Prepared>,
    rate: u32,
) -> (Duration, Vec<Duration>) {
    let interval = Duration::from_secs(1) / rate;
    let started = tokio::time::Instant::now();
    let mut requests = tokio::task::JoinSet::new();
    for (i, d) in deliveries.into_iter().enumerate() {
        let scheduled = started + interval * u32::try_from(i).expect("count");
        tokio::time::sleep_until(scheduled).await;
        let (http, url) = (http.clone(), url.to_string());
        requests.spawn(async move {
            let response = http
                .post(&url)
                .header("content-type", "application/json")
                .header("webhook-id", &d.id)
                .header("webhook-timestamp", &d.timestamp)
                .header("webhook-signature", &d.signature)
                .body(d.body)
                .send()
                .await
                .expect("answered");
            let status = response.status();
            let _ = response.bytes().await.expect("answer body");
            assert!(status.is_success(), "{}: {status}", d.id);
            scheduled.elapsed()
        });
    }
    let mut latencies = Vec::new();
    while let Some(latency) = requests.join_next().await {
        latencies.push(latency.expect("request"));
    }
    (started.elapsed(), latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(what: &str, wall: Duration, mut latencies: Vec<Duration>) {
    latencies.sort();
    let n = latencies.len();
    let rate = n as f64 / wall.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: {n} deliveries in {:.2} s = {rate:.0} deliveries/s · latency p50 {:.2} ms · p99 {:.2} ms · max {:.2} ms (budget ≥ 2,000/s, p99 ≤ 20 ms)",
        wall.as_secs_f64(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default()),
    );
}

fn fixture_bodies() -> Vec<Vec<u8>> {
    FixtureSet::builtin()
        .expect("fixtures")
        .iter()
        .map(|f| f.body.clone().into_bytes())
        .collect()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(IN_FLIGHT)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

fn in_process(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("store");
    let secret = Secret::parse(SECRET).expect("secret");
    let receiver = Receiver::new(
        store.clone(),
        ReceiverOptions {
            secret: Some(secret.clone()),
            ..ReceiverOptions::default()
        },
    );
    let running = runtime
        .block_on(receiver.start("127.0.0.1:0"))
        .expect("receiver starts");
    let url = running.url().to_string();
    let http = client();
    let bodies = fixture_bodies();

    // Warm up connections and the store, then one measured round.
    let warm = prepare(&bodies, &secret, "warm", 1_000);
    runtime.block_on(send_all(&http, &url, warm));
    let round = prepare(&bodies, &secret, "round", ROUND);
    let (wall, latencies) = runtime.block_on(send_all(&http, &url, round));
    report(
        &format!("receiver in-process, {IN_FLIGHT} in flight"),
        wall,
        latencies,
    );

    let paced = prepare(&bodies, &secret, "paced", ROUND);
    let (wall, latencies) = runtime.block_on(send_paced(&http, &url, paced, PACED_RATE));
    report(
        &format!("receiver in-process, paced at {PACED_RATE}/s (open loop)"),
        wall,
        latencies,
    );

    let mut group = c.benchmark_group("receiver");
    group.throughput(Throughput::Elements(CRITERION_ROUND as u64));
    group.sample_size(10);
    let mut rounds = 0usize;
    group.bench_function(
        format!(
            "{CRITERION_ROUND} signed deliveries stored and acknowledged, {IN_FLIGHT} in flight"
        ),
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    rounds += 1;
                    let batch = prepare(&bodies, &secret, &format!("c{rounds}"), CRITERION_ROUND);
                    total += runtime.block_on(send_all(&http, &url, batch)).0;
                }
                total
            })
        },
    );
    group.finish();
    runtime.block_on(running.stop());
    println!(
        "receiver in-process: {} deliveries stored",
        store.count().expect("count")
    );
}

/// Peak and current resident memory of a process, in kB, from /proc.
fn memory_kb(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// Kills (SIGKILL) and reaps the child when dropped, whatever happens.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn listen_memory(_c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["listen", "--addr", &addr, "--secret", SECRET])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("hookbench listen starts");
    let mut child = Reaped(child);
    let pid = child.0.id();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let http = client();
    let health = format!("http://{addr}/health");
    runtime.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if http
                .get(&health)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            assert!(Instant::now() < deadline, "hookbench listen did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let secret = Secret::parse(SECRET).expect("secret");
    let deliveries = prepare(&fixture_bodies(), &secret, "rss", RSS_DELIVERIES);
    let url = format!("http://{addr}/webhook");
    let (wall, latencies) = runtime.block_on(send_all(&http, &url, deliveries));
    report(
        &format!("hookbench listen (whole process), {IN_FLIGHT} in flight"),
        wall,
        latencies,
    );
    let (peak, now) = memory_kb(pid).expect("/proc/PID/status");
    println!(
        "hookbench listen after {RSS_DELIVERIES} deliveries: peak RSS (VmHWM) {:.1} MB, RSS now {:.1} MB (budget 80 MB)",
        peak as f64 / 1024.0,
        now as f64 / 1024.0
    );
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.0.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stored = Store::open(dir.path())
        .and_then(|s| s.count())
        .expect("store");
    println!("hookbench listen: {stored} deliveries in its store");
    assert_eq!(stored, RSS_DELIVERIES as u64);
}

criterion_group!(benches, in_process, listen_memory);
criterion_main!(benches);
