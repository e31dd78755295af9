//! The webhook streams the whole-process benches run on.

use std::io::Write;
use std::path::Path;

use hookbench_core::webhook::FixtureSet;

/// Writes `count` webhook bodies to `path`, one JSON line each: the built-in fixtures in turn
/// (those that are not what Dodo sends only `with_not_dodo`), each with its own timestamp, as
/// the events of a real stream are distinct.
pub fn write_jsonl(path: &Path, count: usize, with_not_dodo: bool) {
    let fixtures = FixtureSet::builtin().expect("fixtures");
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    for (i, fixture) in fixtures
        .iter()
        .filter(|f| with_not_dodo || !f.not_dodo)
        .cycle()
        .take(count)
        .enumerate()
    {
        let mut body = fixture.json.clone();
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
}
