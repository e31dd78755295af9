//! `hookbench check` on every preset against its shipped expectations: the mapping and the guide's
//! handlers give exactly what they gave when the expectations were recorded, on every fixture.

use assert_cmd::Command;

fn check(preset: &str) -> std::process::Output {
    let home = tempfile::tempdir().expect("tempdir");
    Command::cargo_bin("hookbench")
        .expect("binary")
        .current_dir(home.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .args(["check", "--transform", preset])
        .output()
        .expect("runs")
}

fn summary(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn segment_complete_matches_its_expectations_with_no_lint_error() {
    let out = check("segment-complete");
    let text = summary(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("56 match, 0 differ, 0 missing"), "{text}");
}

#[test]
fn the_guide_presets_match_theirs_and_exit_3_for_the_events_they_let_fall_through() {
    for preset in [
        "segment-track-payment",
        "segment-subscription-lifecycle",
        "segment-identify-customer",
    ] {
        let out = check(preset);
        let text = summary(&out);
        assert_eq!(out.status.code(), Some(3), "{preset}: {text}");
        assert!(
            text.contains("56 match, 0 differ, 0 missing"),
            "{preset}: {text}"
        );
        assert!(text.contains("0 transform errors"), "{preset}: {text}");
    }
}
