//! Real Segment calls, as Segment's own testing tools send them, must lint without errors.
//!
//! The data are copies of segmentio/library-e2e-tester `fixtures/` (one call per `.json` file) and
//! segmentio/direct-integration-tester `templates/*.log` (one call per `.jsonl` line). Their
//! `{{placeholders}}` are filled with fixed, realistic values before linting.

use hookbench_core::segment::{LintOptions, Severity, lint};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// 11 library-e2e-tester files plus 98 direct-integration-tester lines.
const EXPECTED_CALLS: usize = 11 + 98;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/acceptance/segment")
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

/// Fills the templates' placeholders. Ids and UUIDs differ per occurrence but are the same on
/// every run.
struct Filler {
    n: u64,
}

impl Filler {
    fn next(&mut self) -> u64 {
        self.n += 1;
        self.n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn value(&mut self, name: &str) -> String {
        match name {
            // A MongoDB-style object id: 24 hex digits.
            "id" => format!("65{:022x}", self.next() >> 24),
            "uuid" => {
                let a = self.next();
                let b = self.next();
                format!(
                    "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
                    a >> 32,
                    (a >> 16) & 0xffff,
                    a & 0xfff,
                    8 + (b >> 62),
                    (b >> 48) & 0xfff,
                    b & 0xffff_ffff_ffff
                )
            }
            "now.utc" => "2026-11-26T14:02:11.512Z".to_string(),
            "email" => "ada.lovelace@example.com".to_string(),
            "name" => "Ada Lovelace".to_string(),
            "name.first" => "Ada".to_string(),
            "name.last" => "Lovelace".to_string(),
            "username" => "ada_lovelace".to_string(),
            "domain" => "https://example.com".to_string(),
            "avatar" => "https://example.com/avatar.png".to_string(),
            "ipv4" => "203.0.113.42".to_string(),
            "product.name" => "Ergonomic Cotton Chair".to_string(),
            "double" => "42.5".to_string(),
            other => panic!("unknown placeholder {{{{{other}}}}}"),
        }
    }

    fn fill(&mut self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .unwrap_or_else(|| panic!("unclosed placeholder in {template}"));
            out.push_str(&self.value(&after[..end]));
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// One call to check: where it came from and its filled JSON text.
struct Call {
    origin: String,
    text: String,
}

fn calls() -> Vec<Call> {
    let dir = data_dir();
    let mut filler = Filler { n: 0 };
    let mut calls = Vec::new();
    for path in files(&dir.join("library-e2e-tester"), "json") {
        let text = std::fs::read_to_string(&path).expect("readable fixture");
        calls.push(Call {
            origin: path.display().to_string(),
            text: filler.fill(&text),
        });
    }
    for path in files(&dir.join("direct-integration-tester"), "jsonl") {
        let text = std::fs::read_to_string(&path).expect("readable fixture");
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            calls.push(Call {
                origin: format!("{}:{}", path.display(), i + 1),
                text: filler.fill(line),
            });
        }
    }
    calls
}

#[test]
fn placeholders_are_filled_realistically() {
    let mut f = Filler { n: 0 };
    let id = f.fill("{{id}}");
    assert_eq!(id.len(), 24);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(f.fill("{{id}}"), id);
    let uuid = f.fill("{{uuid}}");
    let parts: Vec<&str> = uuid.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert!(parts[2].starts_with('4'));
    assert!(matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{uuid}");
    assert_eq!(
        f.fill("\"v\":\"{{double}}\",\"t\":\"{{now.utc}}\""),
        "\"v\":\"42.5\",\"t\":\"2026-11-26T14:02:11.512Z\""
    );
}

#[test]
fn segment_acceptance_calls_lint_without_errors() {
    let calls = calls();
    assert_eq!(
        calls.len(),
        EXPECTED_CALLS,
        "acceptance data under {}",
        data_dir().display()
    );
    let mut failures = Vec::new();
    for call in &calls {
        assert!(
            !call.text.contains("{{"),
            "{}: unfilled placeholder",
            call.origin
        );
        let payload: Value = serde_json::from_str(&call.text)
            .unwrap_or_else(|e| panic!("{}: not JSON after filling: {e}", call.origin));
        let Some(kind) = payload.get("type").and_then(Value::as_str) else {
            panic!("{}: no type", call.origin);
        };
        let url = format!("https://api.segment.io/v1/{kind}");
        let diagnostics = lint(&url, &payload, None, &LintOptions::default());
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("  {} {} {}", d.code, d.path, d.message))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{} ({url}):\n{}", call.origin, errors.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} real Segment calls got lint errors:\n{}",
        failures.len(),
        calls.len(),
        failures.join("\n")
    );
}
