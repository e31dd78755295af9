//! `hookbench tui` start-up errors: everything it reads is checked before the screen is taken,
//! and a bad value names its file and line.

mod common;

use common::{Sandbox, run};

#[test]
fn a_bad_key_binding_names_its_line() {
    let sandbox = Sandbox::new();
    let config = sandbox.write(
        "c.toml",
        "[ui]\ntheme = \"dark\"\n\n[keys]\nquitt = \"ctrl-q\"\n",
    );
    let ran = run(sandbox.cmd().arg("--config").arg(&config).arg("tui"));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("c.toml line 5"), "{}", ran.stderr);
    assert!(ran.stderr.contains("did you mean quit"), "{}", ran.stderr);
}

#[test]
fn an_unknown_config_key_names_its_line() {
    let sandbox = Sandbox::new();
    let config = sandbox.write("c.toml", "[ui]\nthem = \"dark\"\n");
    let ran = run(sandbox.cmd().arg("--config").arg(&config));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("line 2"), "{}", ran.stderr);
    assert!(ran.stderr.contains("them"), "{}", ran.stderr);
}

#[test]
fn an_unknown_theme_event_or_preset_is_named() {
    let sandbox = Sandbox::new();
    for (args, expected) in [
        (vec!["tui", "--theme", "drak"], "dark"),
        (
            vec!["tui", "--event", "payment.succeded"],
            "did you mean payment.succeeded",
        ),
        (
            vec!["tui", "--transform", "segment-complet"],
            "did you mean segment-complete",
        ),
    ] {
        let ran = run(sandbox.cmd().args(&args));
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(expected), "{args:?}: {}", ran.stderr);
    }
}

#[test]
fn without_a_terminal_it_says_what_to_use_instead() {
    let sandbox = Sandbox::new();
    let ran = run(sandbox.cmd().arg("tui"));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("needs a terminal"), "{}", ran.stderr);
    assert!(ran.stderr.contains("hookbench run"), "{}", ran.stderr);
}

#[test]
fn workbench_flags_before_a_command_are_refused() {
    let sandbox = Sandbox::new();
    let ran = run(sandbox
        .cmd()
        .args(["--transform", "segment-complete", "fixtures", "list"]));
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("after the command"), "{}", ran.stderr);
}
