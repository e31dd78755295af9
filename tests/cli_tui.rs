//! `hookbench tui` start-up errors: everything it reads is checked before the screen is taken,
//! and a bad value names its file and line.

mod common;

use common::{Sandbox, run};

use hookbench_workbench::runtime::{Options, prepare};
use hookbench_workbench::testing::Harness;

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

#[test]
fn bad_fixture_files_are_shown_and_the_good_ones_load() {
    let sandbox = Sandbox::new();
    let config = sandbox.write("c.toml", "");
    sandbox.write(
        "mine/good.one.json",
        r#"{"type":"payment.succeeded","data":{"payment_id":"pay_1","total_amount":100,"currency":"USD","customer":{"customer_id":"cus_1"}}}"#,
    );
    sandbox.write(
        "mine/bad.json",
        "{\n  \"type\": \"payment.succeeded\",\n  oops\n}\n",
    );
    std::fs::write(sandbox.path("mine/bytes.json"), b"{\"type\": \"a\xff\"}").expect("write");

    let startup = prepare(&Options {
        config: Some(config),
        fixtures: Some(sandbox.path("mine")),
        event: Some("good.one".into()),
        ..Options::default()
    })
    .expect("the workbench starts with the good files");
    let mut init = startup.init;
    init.size = (250, 40);
    let mut harness = Harness::with_init(init);
    let screen = harness.screen();
    assert!(screen.contains("good.one"), "{screen}");
    assert!(screen.contains("✗ 2 not loaded"), "{screen}");
    assert!(
        screen.contains("bad.json:3:3: invalid JSON: key must be a string"),
        "{screen}"
    );
    assert!(screen.contains("(+1 more not loaded)"), "{screen}");
    assert_eq!(screen.matches("bad.json").count(), 1, "{screen}");

    // The count stays in the events pane once the status line has moved on.
    harness.press(crossterm::event::KeyCode::Down);
    let screen = harness.screen();
    assert!(screen.contains("✗ 2 not loaded"), "{screen}");

    // Asking for the broken file by name gives its own error.
    let err = prepare(&Options {
        config: Some(sandbox.path("c.toml")),
        fixtures: Some(sandbox.path("mine")),
        event: Some("bad".into()),
        ..Options::default()
    })
    .err()
    .expect("a broken file cannot be the first event");
    assert!(format!("{err:#}").contains("bad.json:3:3"), "{err:#}");
}
