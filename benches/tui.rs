//! The workbench's screen budgets, timed on a test backend (160 × 45):
//! the first frame within 40 ms, a frame within 16 ms with a 1 MB webhook body open, and a
//! keystroke in the transformation editor within 16 ms; a pick in the mapping editor
//! refreshing every output within 50 ms. `tui/binary_first_frame` times the whole binary in a
//! pseudo-terminal up to its first frame.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use hookbench_core::webhook::FixtureSet;
use hookbench_workbench::model::app::{Mode, Pane};
use hookbench_workbench::model::message::Message;
use hookbench_workbench::runtime::{self, Options};
use hookbench_workbench::testing::{Harness, init};
use hookbench_workbench::update::update;
use serde_json::{Value, json};

const WIDTH: u16 = 160;
const HEIGHT: u16 = 45;
/// The size of the large webhook body.
const BIG_BODY_BYTES: usize = 1_000_000;

/// Start-up as the binary does it, up to the first frame: configuration, theme, keys,
/// transformation and fixtures are read, the app is built, the runs are asked for (not waited
/// on: the first frame goes out before they finish, and the engine starts after it) and the
/// screen is drawn, its code plain while the syntaxes are still being prepared.
fn first_frame(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").expect("write config");
    let options = Options {
        config: Some(config),
        ..Options::default()
    };

    let mut group = c.benchmark_group("tui");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("first_frame", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let (harness, effects) = start_and_draw(&options);
                total += start.elapsed();
                // Untimed: the syntaxes prepared in the background are ready, and the engine is
                // torn down, before the next start, as when each start is a process of its own.
                harness.app.highlighter.syntaxes().wait_until_ready();
                drop((harness, effects));
            }
            total
        });
    });
    // Not a budget: how long until the first frame with the code coloured, drawing every
    // 16 ms as the event loop does while highlighting catches up.
    group.bench_function("first_frame_coloured", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                let (mut harness, effects) = start_and_draw(&options);
                while harness.app.highlighter.pending() {
                    std::thread::sleep(Duration::from_millis(16));
                    black_box(harness.render());
                }
                total += start.elapsed();
                harness.app.highlighter.syntaxes().wait_until_ready();
                drop((harness, effects));
            }
            total
        });
    });
    group.finish();
}

/// Start-up up to the first frame, as the binary does it; the effects `Started` asked for are
/// returned, not carried out.
fn start_and_draw(
    options: &Options,
) -> (Harness, Vec<hookbench_workbench::model::message::Effect>) {
    let prepared = runtime::prepare(options).expect("prepare");
    let mut harness = Harness::unstarted(prepared.init, WIDTH, HEIGHT);
    let effects = update(&mut harness.app, Message::Started { listen: false });
    black_box(harness.render());
    (harness, effects)
}

/// The whole binary: `hookbench` started in a pseudo-terminal (160 × 45, colours on, no theme
/// configured, so it asks the terminal for its background and the bench answers as a dark
/// terminal does) until the first frame is on the screen, that is its bottom row (the status
/// bar, drawn last) shows the help hint. Timed from the spawn, so process start-up counts;
/// killing the process is not timed. `HOOKBENCH_BENCH_BIN` names another build of the binary to
/// time instead, to compare two builds side by side.
fn binary_first_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("tui");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("binary_first_frame", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += binary_start_to_first_frame();
            }
            total
        });
    });
    group.finish();
}

/// One start of the binary in a pseudo-terminal, up to its first frame.
fn binary_start_to_first_frame() -> Duration {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};

    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    let xdg = dir.path().join("xdg");
    std::fs::create_dir_all(&home).expect("home dir");
    std::fs::create_dir_all(xdg.join("hookbench")).expect("xdg dir");
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: HEIGHT,
            cols: WIDTH,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pseudo-terminal");
    let bin = std::env::var_os("HOOKBENCH_BENCH_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_hookbench").into());
    let mut cmd = CommandBuilder::new(bin);
    cmd.cwd(dir.path());
    cmd.env("HOME", &home);
    cmd.env("XDG_CONFIG_HOME", &xdg);
    cmd.env("TERM", "xterm-256color");
    for name in [
        "NO_COLOR",
        "SEGMENT_WRITE_KEY",
        "HOOKBENCH_DATA_DIR",
        "HOOKBENCH_WEBHOOK_SECRET",
    ] {
        cmd.env_remove(name);
    }
    let mut reader = pair.master.try_clone_reader().expect("pty reader");
    let mut writer = pair.master.take_writer().expect("pty writer");
    let (tx, chunks) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });

    let start = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).expect("spawn hookbench");
    drop(pair.slave);
    let mut parser = vt100::Parser::new(HEIGHT, WIDTH, 0);
    let mut output = Vec::new();
    let mut answered = false;
    let elapsed = loop {
        let chunk = chunks
            .recv_timeout(Duration::from_secs(20))
            .expect("the first frame within 20 s");
        parser.process(&chunk);
        output.extend_from_slice(&chunk);
        if !answered && output.windows(7).any(|w| w == b"\x1b]11;?\x07") {
            // A dark terminal's answers to the background and device attributes queries.
            writer
                .write_all(b"\x1b]11;rgb:1e1e/1e1e/1e1e\x07\x1b[?62;22c")
                .expect("answer the queries");
            writer.flush().expect("answer the queries");
            answered = true;
        }
        let screen = parser.screen();
        let bottom = screen.rows(0, WIDTH).last().unwrap_or_default();
        if screen.alternate_screen() && bottom.contains("help") {
            break start.elapsed();
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

/// A payment.succeeded body grown to about `bytes` by a long product cart, pretty-printed as
/// a user's fixture file would be.
fn big_body(bytes: usize) -> String {
    let fixtures = FixtureSet::builtin().expect("built-in fixtures");
    let mut body = fixtures
        .get("payment.succeeded")
        .expect("payment.succeeded fixture")
        .json
        .clone();
    let mut cart = Vec::new();
    let mut size = serde_json::to_string_pretty(&body)
        .expect("serialise")
        .len();
    let mut i = 0usize;
    while size < bytes {
        let item = json!({
            "product_id": format!("pdt_{i:016x}"),
            "quantity": i % 5 + 1,
            "amount": 1_000 + i % 9_000,
            "name": format!("Product number {i}"),
            "addons": [],
        });
        // Pretty-printed at this depth an item takes its compact size plus indentation.
        size += serde_json::to_string(&item).expect("serialise").len() + 80;
        cart.push(item);
        i += 1;
    }
    body["data"]["product_cart"] = Value::Array(cart);
    serde_json::to_string_pretty(&body).expect("serialise")
}

/// A harness whose selected event is a ~1 MB body, every event already transformed, with the
/// Webhook pane focused.
fn big_body_harness(dir: &Path) -> Harness {
    let text = big_body(BIG_BODY_BYTES);
    std::fs::write(dir.join("big.json"), &text).expect("write big.json");
    let mut init = init(WIDTH, HEIGHT);
    init.fixtures = FixtureSet::builtin()
        .expect("built-in fixtures")
        .with_dir(dir)
        .expect("fixtures dir");
    init.event = Some("big".into());
    let mut harness = Harness::with_init(init);
    harness.press(KeyCode::Char('2'));
    assert_eq!(harness.app.focus, Pane::Webhook);
    harness
}

/// Draws until the highlighting of what is on screen has caught up.
fn render_until_highlighted(harness: &mut Harness) {
    harness.render();
    while harness.app.highlighter.pending() {
        harness.render();
    }
}

fn frame_1mb_payload(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut harness = big_body_harness(dir.path());
    render_until_highlighted(&mut harness);

    let mut group = c.benchmark_group("tui");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(5));

    // Each frame scrolls one line further, so every frame draws a line not drawn before.
    group.bench_function("frame_1mb_payload/scroll", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let before = harness.app.scroll.webhook;
                let start = Instant::now();
                harness.press(KeyCode::Char('j'));
                black_box(harness.render());
                total += start.elapsed();
                if harness.app.scroll.webhook == before {
                    // At the bottom: back to the top, untimed.
                    harness.press(KeyCode::Char('g'));
                    render_until_highlighted(&mut harness);
                }
            }
            total
        });
    });

    // The end of the body, once its highlighting is cached: a redraw, as after any event that
    // does not touch the body.
    harness.press(KeyCode::Char('G'));
    render_until_highlighted(&mut harness);
    group.bench_function("frame_1mb_payload/bottom", |b| {
        b.iter(|| {
            black_box(harness.render());
        });
    });
    group.finish();
}

/// One keystroke in the transformation editor as the UI thread handles it: the key goes
/// through `update`, and the frame is drawn. The run after the pause in typing is an effect
/// carried out off the UI thread 200 ms later, so the effects are dropped here.
fn editor_keystroke(c: &mut Criterion) {
    let mut harness = Harness::new(WIDTH, HEIGHT);
    harness.press(KeyCode::Char('3'));
    harness.press(KeyCode::Char('i'));
    assert_eq!(harness.app.mode, Mode::EditTransform);
    render_until_highlighted(&mut harness);

    let mut group = c.benchmark_group("tui");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("editor_keystroke", |b| {
        // Typing and deleting in turn keeps the text the same length.
        let mut insert = true;
        b.iter(|| {
            let code = if insert {
                KeyCode::Char('x')
            } else {
                KeyCode::Backspace
            };
            insert = !insert;
            let effects = update(
                &mut harness.app,
                Message::Key(KeyEvent::new(code, KeyModifiers::NONE)),
            );
            drop(black_box(effects));
            black_box(harness.render());
        });
    });
    group.finish();
}

/// A pick in the mapping editor, refreshing every output: on the built-in mapping, the field
/// under the Webhook pane's cursor is picked into `properties` and confirmed; the mapping is
/// edited, parsed, checked against the schema and compiled, every one of the 56 events runs
/// again (the harness carries the runs out before `press` returns) and the frame is drawn. The
/// budget is 50 ms. Each sample starts from a fresh workbench, not timed.
fn mapping_pick(c: &mut Criterion) {
    let fresh = || {
        let mut init = init(WIDTH, HEIGHT);
        init.transform = hookbench_core::transform::presets::resolve("segment-complete.mapping")
            .expect("the built-in mapping");
        init.event = Some("payment.succeeded".to_string());
        let mut harness = Harness::with_init(init);
        harness.press(KeyCode::Char('2'));
        // data.card_last_four: a field the mapping does not send yet.
        for _ in 0..13 {
            harness.press(KeyCode::Char('j'));
        }
        black_box(harness.render());
        harness
    };
    let events = fresh().app.events.entries().len();
    assert_eq!(events, 56, "every fixture and variant");

    let mut group = c.benchmark_group("tui");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("mapping_pick_refreshing_56_outputs", |b| {
        b.iter_batched(
            fresh,
            |mut harness| {
                harness.press(KeyCode::Char('p'));
                harness.press(KeyCode::Enter);
                black_box(harness.render());
                assert!(harness.app.transform.is_dirty(), "the pick was made");
                harness
            },
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(
    benches,
    first_frame,
    binary_first_frame,
    frame_1mb_payload,
    editor_keystroke,
    mapping_pick
);
criterion_main!(benches);
