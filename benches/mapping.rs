//! The mapping budgets: compiling a 50-table mapping ≤ 5 ms (read, check against Dodo's schema,
//! write the handler), and the compiled `segment-complete` mapping's warm run within 20 % of the
//! hand-written preset's (the warm runs of both are in `transform.rs`'s group too; here they run
//! side by side).

use criterion::{Criterion, criterion_group, criterion_main};
use hookbench_core::mapping;
use hookbench_core::transform::{Engine, Limits, Program, RunInput, presets};
use hookbench_core::webhook::Schema;

const PAYMENT: &str = include_str!("../fixtures/webhooks/payment.succeeded.json");

/// A mapping with one table per Dodo event type and two family tables: 50 event tables, each
/// with a handful of properties of every kind of source and conversion.
fn fifty_tables() -> String {
    let mut text = String::from(
        "[mapping]\nname = \"fifty\"\n\n[defaults]\nregion = { env = \"SEGMENT_REGION\" }\n\
         userId = { first = [\"data.customer.customer_id\", \"data.customer_id\"], required = true }\n\
         timestamp = { path = \"timestamp\", convert = \"time\" }\n\n\
         [events.\"subscription.*\"]\nobject_id = \"data.subscription_id\"\n\n\
         [events.\"payment.*\"]\nobject_id = \"data.payment_id\"\n\n",
    );
    for event_type in Schema::dodo().event_types() {
        text.push_str(&format!(
            "[events.\"{event_type}\"]\nevent = \"{}\"\nobject_id = {{ template = \"{{business_id}}/{{type}}\" }}\n\n[events.\"{event_type}\".properties]\n\
             business = \"business_id\"\nkind = {{ path = \"type\", convert = \"upper\" }}\n\
             label = {{ template = \"{{type}}@{{timestamp}}\" }}\nsource = {{ value = \"dodo\" }}\n\
             when = {{ path = \"timestamp\", convert = \"time\" }}\n\n",
            mapping::resolve::derived_event_name(event_type)
        ));
    }
    text
}

fn compile(c: &mut Criterion) {
    let fifty = fifty_tables();
    let loaded = mapping::load(&fifty, "fifty.mapping.toml").expect("the generated mapping loads");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    c.bench_function("mapping: read and compile 50 event tables", |b| {
        b.iter(|| mapping::load(&fifty, "fifty.mapping.toml").map(|l| l.javascript.len()))
    });
    let Some(preset) = presets::mapping_preset("segment-complete.mapping") else {
        return;
    };
    c.bench_function("mapping: read and compile segment-complete.mapping", |b| {
        b.iter(|| mapping::load(preset.text, preset.file).map(|l| l.javascript.len()))
    });
}

/// segment-complete written by hand and compiled from its mapping, registered on `engine`.
fn hand_and_mapped(engine: &Engine) -> Option<(Program, Program)> {
    let hand = presets::preset("segment-complete")?;
    let compiled = presets::resolve("segment-complete.mapping").ok()?;
    Some((
        engine.compile(hand.file, hand.source),
        engine.compile(&compiled.name, &compiled.source),
    ))
}

fn warm_runs(c: &mut Criterion) {
    let engine = Engine::with_workers(Limits::default(), 1);
    let Some((hand, mapped)) = hand_and_mapped(&engine) else {
        return;
    };
    let programs = [
        ("segment-complete.js", hand),
        ("segment-complete.mapping compiled", mapped),
    ];
    for (name, program) in &programs {
        c.bench_function(&format!("warm run: {name} on payment.succeeded"), |b| {
            b.iter(|| {
                let out = engine.run(program, RunInput::from_body(PAYMENT, "payment.succeeded"));
                assert!(out.result.is_ok());
                out
            })
        });
    }
}

/// The two warm runs side by side, interleaved run by run so both see the same machine (a VM's
/// speed drifts by more than the difference between separate measurements): the medians and
/// their ratio, the budget being 1.2.
fn warm_ratio(_: &mut Criterion) {
    const ROUNDS: usize = 4000;
    let engine = Engine::with_workers(Limits::default(), 1);
    let Some((hand, mapped)) = hand_and_mapped(&engine) else {
        return;
    };
    let time = |program| {
        let start = std::time::Instant::now();
        let out = engine.run(program, RunInput::from_body(PAYMENT, "payment.succeeded"));
        let took = start.elapsed();
        assert!(out.result.is_ok());
        took
    };
    // Warm both first (the first run of a program on a type records its reads).
    for _ in 0..200 {
        time(&hand);
        time(&mapped);
    }
    let (mut a, mut b) = (Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS));
    for _ in 0..ROUNDS {
        a.push(time(&hand));
        b.push(time(&mapped));
    }
    a.sort();
    b.sort();
    let (a, b) = (a[ROUNDS / 2], b[ROUNDS / 2]);
    println!(
        "warm runs interleaved, medians of {ROUNDS}: segment-complete.js {:.1} µs, \
         segment-complete.mapping compiled {:.1} µs, ratio {:.2}",
        a.as_secs_f64() * 1e6,
        b.as_secs_f64() * 1e6,
        b.as_secs_f64() / a.as_secs_f64()
    );
}

criterion_group!(benches, compile, warm_runs, warm_ratio);
criterion_main!(benches);
