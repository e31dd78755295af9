//! `update` driven through the test harness: every action, and the messages effects send back.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::*;
use crate::layout;
use crate::model::app::{Confirm, Mode, Overlay, Pane, RunMark};
use crate::model::message::{EditTarget, PickerEntry};
use crate::testing::{Harness, init};
use crate::update::runs::run_keys;
use crate::update::scroll::areas;
use hookbench_core::transform::ErrorKind;

/// A started harness, with the start's effects (the sink) already taken.
fn harness() -> Harness {
    let mut h = Harness::new(180, 50);
    h.effects.clear();
    h
}

fn selected_key(h: &Harness) -> String {
    h.app.selected().map(|e| e.key.clone()).unwrap_or_default()
}

fn output_event(h: &Harness) -> Option<String> {
    h.app
        .selected_result()
        .and_then(|r| r.record.webhook.as_ref())
        .and_then(|w| w.payload.get("event"))
        .and_then(|e| e.as_str())
        .map(str::to_string)
}

fn ctrl(h: &mut Harness, c: char) {
    h.press_with(KeyCode::Char(c), KeyModifiers::CONTROL);
}

fn take_effects(h: &mut Harness) -> Vec<Effect> {
    std::mem::take(&mut h.effects)
}

fn is_quit(effect: &Effect) -> bool {
    matches!(effect, Effect::Quit { .. })
}

/// Whether `update` asked to leave (since the effects were last taken).
fn quit_asked(h: &Harness) -> bool {
    h.effects.iter().any(is_quit)
}

/// A harness over one fixture folder, so slow transformations stay fast to test.
fn one_event_harness(source: &str) -> (Harness, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("one.json"),
        r#"{"business_id":"b","type":"payment.succeeded","timestamp":"2025-01-01T00:00:00Z","data":{"payload_type":"Payment","total_amount":400,"currency":"USD","customer":{"customer_id":"cus_1"}}}"#,
    )
    .expect("fixture");
    let mut start = init(180, 50);
    start.fixtures = hookbench_core::webhook::FixtureSet::from_dir(dir.path()).expect("fixtures");
    start.transform.source = source.to_string();
    start.cwd = dir.path().to_path_buf();
    (Harness::with_init(start), dir)
}

#[test]
fn start_runs_every_event_and_selects_the_first() {
    let h = harness();
    assert_eq!(selected_key(&h), "payment.succeeded");
    assert_eq!(h.app.results.len(), h.app.events.entries().len());
    assert_eq!(output_event(&h).as_deref(), Some("Order Completed"));
    assert_eq!(h.app.verdict("payment.succeeded"), Some(RunMark::Clean));
    assert_eq!(
        h.app.verdict("payment.processing"),
        Some(RunMark::Cancelled)
    );
    assert!(!h.app.is_running("payment.succeeded"));
}

#[test]
fn start_selects_the_event_asked_for() {
    let mut start = init(180, 50);
    start.event = Some("refund.succeeded".into());
    let h = Harness::with_init(start);
    assert_eq!(selected_key(&h), "refund.succeeded");
    assert_eq!(output_event(&h).as_deref(), Some("Order Refunded"));
}

#[test]
fn moving_through_the_list_shows_each_events_output() {
    let mut h = harness();
    h.press(KeyCode::Char('j'));
    assert_eq!(selected_key(&h), "payment.failed");
    assert!(output_event(&h).is_some());
    h.press(KeyCode::Down);
    assert_eq!(selected_key(&h), "payment.processing");
    h.press(KeyCode::Char('k'));
    assert_eq!(selected_key(&h), "payment.failed");
    h.press(KeyCode::Char('G'));
    let last = h.app.events.visible().last().copied().expect("events");
    assert_eq!(selected_key(&h), h.app.events.entries()[last].key);
    h.press(KeyCode::Char('g'));
    assert_eq!(selected_key(&h), "payment.succeeded");
    ctrl(&mut h, 'd');
    assert_ne!(selected_key(&h), "payment.succeeded");
    ctrl(&mut h, 'u');
    assert_eq!(selected_key(&h), "payment.succeeded");
}

#[test]
fn focus_moves_by_tab_number_and_arrows() {
    let mut h = harness();
    assert_eq!(h.app.focus, Pane::Events);
    h.press(KeyCode::Tab);
    assert_eq!(h.app.focus, Pane::Webhook);
    h.press(KeyCode::BackTab);
    h.press(KeyCode::BackTab);
    assert_eq!(h.app.focus, Pane::Logs);
    h.press(KeyCode::Char('4'));
    assert_eq!(h.app.focus, Pane::Segment);
    h.press(KeyCode::Char('h'));
    assert_eq!(h.app.focus, Pane::Transform);
    // In a text pane `l` scrolls sideways first; at the end of its lines it moves on.
    h.press(KeyCode::Char('$'));
    h.press(KeyCode::Char('l'));
    h.press(KeyCode::Char('l'));
    assert_eq!(h.app.focus, Pane::Segment, "stops at the last column");
    h.press(KeyCode::Char('1'));
    assert_eq!(h.app.focus, Pane::Events);
}

#[test]
fn on_narrow_screens_focus_picks_the_tab() {
    let mut h = Harness::new(100, 40);
    h.press(KeyCode::Char('3'));
    assert_eq!(h.app.tab, Pane::Transform);
    assert!(areas(&h.app).transform.is_some());
    assert!(areas(&h.app).webhook.is_none());
    h.press(KeyCode::Char('2'));
    assert_eq!(h.app.tab, Pane::Webhook);
    h.press(KeyCode::Char('5'));
    assert_eq!(h.app.tab, Pane::Webhook, "the logs keep the last tab");
}

#[test]
fn text_panes_scroll_within_their_content() {
    let mut h = harness();
    h.press(KeyCode::Char('2'));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    assert_eq!(h.app.scroll.webhook, 2);
    h.press(KeyCode::Char('G'));
    let lines = crate::model::measure::webhook_lines(&h.app);
    let height = areas(&h.app).inner_height(Pane::Webhook);
    assert_eq!(h.app.scroll.webhook, lines - height);
    h.press(KeyCode::Char('g'));
    assert_eq!(h.app.scroll.webhook, 0);
    // Another event starts at its top.
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('1'));
    h.press(KeyCode::Char('j'));
    assert_eq!(h.app.scroll.webhook, 0);
    h.press(KeyCode::Char('3'));
    h.press(KeyCode::Char('j'));
    assert_eq!(h.app.transform.editor.top, 1);
}

#[test]
fn the_filter_narrows_the_list_and_esc_clears_it() {
    let mut h = harness();
    h.press(KeyCode::Char('/'));
    assert_eq!(h.app.mode, Mode::Filter);
    h.type_text("refund");
    assert_eq!(h.app.events.filter, "refund");
    assert_eq!(h.app.events.visible().len(), 3);
    assert!(selected_key(&h).starts_with("refund."));
    h.press(KeyCode::Enter);
    assert_eq!(h.app.mode, Mode::Normal);
    assert_eq!(h.app.events.visible().len(), 3, "Enter keeps the filter");
    h.press(KeyCode::Char('/'));
    h.press(KeyCode::Backspace);
    assert_eq!(h.app.events.filter, "refun");
    h.press(KeyCode::Esc);
    assert!(h.app.events.filter.is_empty());
    assert_eq!(h.app.events.visible().len(), h.app.events.entries().len());
}

#[test]
fn z_toggles_grouping() {
    let mut h = harness();
    let grouped_rows = h.app.events.rows().len();
    h.press(KeyCode::Char('z'));
    assert!(!h.app.events.grouped);
    assert_eq!(h.app.events.rows().len(), h.app.events.entries().len());
    assert!(grouped_rows > h.app.events.rows().len());
}

#[test]
fn editing_sends_letters_to_the_editor_and_reruns_after_the_pause() {
    let mut h = harness();
    h.press(KeyCode::Char('i'));
    assert_eq!(h.app.mode, Mode::EditTransform);
    assert_eq!(h.app.focus, Pane::Transform);
    // Letters that are shortcuts in normal mode are text here.
    h.type_text("q?/jy");
    assert!(!quit_asked(&h));
    assert!(h.app.overlay.is_none());
    assert!(h.app.transform.text().starts_with("q?/jy"));
    assert!(h.app.transform.is_dirty());
    // The harness lets the pause elapse: the runs saw the edit, which breaks the source.
    let error = h
        .app
        .selected_result()
        .and_then(|r| r.record.error.clone())
        .expect("a syntax error");
    assert_eq!(error.kind, ErrorKind::Syntax);
    assert_eq!(error.line, Some(1));
    assert_eq!(h.app.verdict("refund.succeeded"), Some(RunMark::Failed));
    h.press(KeyCode::Esc);
    assert_eq!(h.app.mode, Mode::Normal);
    // Undo everything: the output comes back.
    h.press(KeyCode::Char('i'));
    for _ in 0..5 {
        ctrl(&mut h, 'z');
    }
    assert!(
        !h.app.transform.is_dirty(),
        "{}",
        &h.app.transform.text()[..20]
    );
    assert_eq!(output_event(&h).as_deref(), Some("Order Completed"));
}

#[test]
fn typing_is_debounced_and_only_the_last_pause_runs() {
    let mut h = harness();
    h.press(KeyCode::Char('i'));
    let first = update(
        &mut h.app,
        Message::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)),
    );
    let second = update(
        &mut h.app,
        Message::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)),
    );
    let generation_of = |effects: &[Effect]| match effects {
        [Effect::Debounce { generation, delay }] => {
            assert_eq!(*delay, EDIT_DEBOUNCE);
            *generation
        }
        other => panic!("expected one debounce, got {other:?}"),
    };
    let (g1, g2) = (generation_of(&first), generation_of(&second));
    assert!(g2 > g1);
    assert!(update(&mut h.app, Message::EditSettled { generation: g1 }).is_empty());
    let runs = update(&mut h.app, Message::EditSettled { generation: g2 });
    match runs.as_slice() {
        [Effect::Run(job)] => {
            assert_eq!(job.items.len(), h.app.events.entries().len());
            assert_eq!(
                job.items[0].key, "payment.succeeded",
                "the selected event runs first"
            );
            assert!(job.source.starts_with("  "));
        }
        other => panic!("expected one run, got {other:?}"),
    }
}

#[test]
fn results_older_than_the_latest_job_are_dropped() {
    let mut h = harness();
    let before = h.app.selected_result().expect("result").job;
    let Effect::Run(newer) = run_keys(&mut h.app, &["payment.succeeded".to_string()]) else {
        panic!("a run");
    };
    let stale_record = h.app.selected_result().expect("result").record.clone();
    let mut changed = stale_record.clone();
    changed.event_type = "stale".into();
    update(
        &mut h.app,
        Message::RunDone {
            job: before,
            key: "payment.succeeded".into(),
            record: Box::new(changed),
        },
    );
    assert_eq!(
        h.app.selected_result().expect("result").record.event_type,
        "payment.succeeded"
    );
    assert!(h.app.is_running("payment.succeeded"));
    update(
        &mut h.app,
        Message::RunDone {
            job: newer.job,
            key: "payment.succeeded".into(),
            record: Box::new(stale_record),
        },
    );
    assert!(!h.app.is_running("payment.succeeded"));
    assert_eq!(h.app.selected_result().expect("result").job, newer.job);
}

#[test]
fn a_run_a_newer_one_replaced_is_skipped_through_the_scheduler() {
    let mut h = harness();
    let ran_before = h.ran.len();
    let rerun = || Message::Key(KeyEvent::new(KeyCode::Char('R'), KeyModifiers::NONE));
    // Two reruns asked before either is carried out: the first is stale before it starts.
    let mut effects = update(&mut h.app, rerun());
    effects.extend(update(&mut h.app, rerun()));
    let jobs: Vec<(u64, usize)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Run(job) => Some((job.job, job.items.len())),
            _ => None,
        })
        .collect();
    let [(stale, _), (newest, items)] = jobs[..] else {
        panic!("expected two runs, got {jobs:?}");
    };
    assert!(items > 1);
    h.execute(effects);
    let ran = &h.ran[ran_before..];
    assert!(
        !ran.iter().any(|(job, _)| *job == stale),
        "the replaced job ran: {ran:?}"
    );
    assert_eq!(ran.len(), items, "the newest ran every event once");
    assert!(ran.iter().all(|(job, _)| *job == newest));
    assert!(h.app.results.values().all(|r| r.job == newest));
}

#[test]
fn a_body_is_modified_in_the_app_marked_and_reset() {
    let mut h = harness();
    h.press(KeyCode::Char('m'));
    assert_eq!(h.app.mode, Mode::EditBody);
    assert_eq!(h.app.focus, Pane::Webhook);
    // Select all and replace with a body in yen.
    ctrl(&mut h, 'a');
    h.send(Message::Paste(
        r#"{"business_id":"b","type":"payment.succeeded","timestamp":"2025-01-01T00:00:00Z","data":{"payload_type":"Payment","payment_id":"pay_1","total_amount":1500,"currency":"JPY","customer":{"customer_id":"cus_1"}}}"#.into(),
    ));
    h.press(KeyCode::Esc);
    assert_eq!(h.app.mode, Mode::Normal);
    let entry = h.app.selected().expect("entry");
    assert!(entry.modified.is_some());
    let total = h
        .app
        .selected_result()
        .and_then(|r| r.record.webhook.as_ref())
        .map(|w| w.payload["properties"]["total"].clone());
    assert_eq!(
        total,
        Some(serde_json::json!(1500)),
        "yen has no minor unit"
    );
    h.press(KeyCode::Char('r'));
    assert!(h.app.selected().expect("entry").modified.is_none());
    let total = h
        .app
        .selected_result()
        .and_then(|r| r.record.webhook.as_ref())
        .map(|w| w.payload["properties"]["total"].clone());
    assert_eq!(total, Some(serde_json::json!(4)));
    h.press(KeyCode::Char('r'));
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("not modified"))
    );
}

#[test]
fn a_body_that_is_not_json_is_kept_and_not_run() {
    let mut h = harness();
    let job = h.app.selected_result().expect("result").job;
    h.press(KeyCode::Char('m'));
    h.press(KeyCode::Char('{'));
    h.press(KeyCode::Esc);
    let entry = h.app.selected().expect("entry");
    assert!(entry.view.parse_error.is_some());
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("not valid JSON"))
    );
    assert_eq!(
        h.app.results.get("payment.succeeded").expect("result").job,
        job,
        "not run"
    );
    assert!(
        h.app.selected_result().is_none(),
        "the earlier body's output is not shown as this body's"
    );
}

#[test]
fn a_body_edited_in_editor_comes_back_escaped_when_not_utf8() {
    let mut h = harness();
    h.press(KeyCode::Char('M'));
    let target = match take_effects(&mut h).as_slice() {
        [Effect::OpenEditor { target, text }] => {
            assert!(text.contains("payment.succeeded"));
            target.clone()
        }
        other => panic!("expected the editor, got {other:?}"),
    };
    assert_eq!(target, EditTarget::Body("payment.succeeded".into()));
    h.send(Message::ExternalEditDone {
        target: target.clone(),
        result: Ok(b"{\"type\":\"payment.succeeded\",\"x\":\"\xff\"}".to_vec()),
    });
    let entry = h.app.selected().expect("entry");
    assert_eq!(
        entry.modified.as_deref(),
        Some("{\"type\":\"payment.succeeded\",\"x\":\"\\xFF\"}")
    );
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("not UTF-8"))
    );
    // A failed editor leaves everything as it was.
    h.send(Message::ExternalEditDone {
        target,
        result: Err("vi exited with 1".into()),
    });
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("vi exited"))
    );
}

#[test]
fn saving_a_preset_writes_a_new_file_and_watches_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut start = init(160, 48);
    start.cwd = dir.path().to_path_buf();
    let mut h = Harness::with_init(start);
    take_effects(&mut h);
    std::fs::write(dir.path().join("segment-complete.js"), "taken").expect("write");
    ctrl(&mut h, 's');
    // Carried out as the runtime does: a new file beside the one already there.
    let (result, text) = match take_effects(&mut h).as_slice() {
        [
            Effect::Save {
                path,
                dir: into,
                stem,
                ext,
                text,
            },
        ] => {
            assert!(path.is_none(), "never over the built-in");
            assert_eq!(into, dir.path());
            assert_eq!(stem, "segment-complete");
            assert_eq!(*ext, "js");
            (
                crate::runtime::files::save(path.as_deref(), into, stem, ext, text),
                text.clone(),
            )
        }
        other => panic!("expected a save, got {other:?}"),
    };
    let path = result.clone().expect("saved");
    assert_eq!(path, dir.path().join("segment-complete-2.js"));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("segment-complete.js")).expect("read"),
        "taken",
        "the file already there is left alone"
    );
    h.send(Message::Saved { result, text });
    assert_eq!(h.app.transform.path(), Some(&path));
    assert!(!h.app.transform.is_dirty());
    assert!(matches!(take_effects(&mut h).as_slice(), [Effect::Watch(Some(p))] if *p == path));
    // A save error is shown and nothing is lost.
    h.press(KeyCode::Char('i'));
    h.type_text("x");
    ctrl(&mut h, 's');
    std::fs::remove_dir_all(dir.path()).expect("the folder goes away");
    let (result, text) = match take_effects(&mut h).as_slice() {
        [
            Effect::Save {
                path: Some(over),
                dir: into,
                stem,
                ext,
                text,
            },
        ] => {
            assert_eq!(over, &path, "over the file it was saved as");
            (
                crate::runtime::files::save(Some(over), into, stem, ext, text),
                text.clone(),
            )
        }
        other => panic!("expected a save, got {other:?}"),
    };
    assert!(
        result
            .as_ref()
            .is_err_and(|e| e.starts_with("cannot write"))
    );
    h.send(Message::Saved { result, text });
    assert!(h.app.transform.is_dirty());
    assert!(h.app.status.as_ref().is_some_and(|s| s.is_error));
}

#[test]
fn quitting_asks_when_edits_are_unsaved() {
    let mut h = harness();
    h.press(KeyCode::Char('q'));
    assert!(quit_asked(&h));
    assert!(take_effects(&mut h).iter().any(is_quit));

    let mut h = harness();
    h.press(KeyCode::Char('i'));
    h.type_text("x");
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('q'));
    assert!(!quit_asked(&h));
    assert_eq!(h.app.overlay, Some(Overlay::Confirm(Confirm::Quit)));
    h.press(KeyCode::Esc);
    assert!(h.app.overlay.is_none() && !quit_asked(&h));
    // y saves, then quits once the save is done.
    h.press(KeyCode::Char('q'));
    h.press(KeyCode::Char('y'));
    let text = match take_effects(&mut h).as_slice() {
        [Effect::Save { text, .. }] => text.clone(),
        other => panic!("expected a save, got {other:?}"),
    };
    assert!(!quit_asked(&h));
    h.send(Message::Saved {
        result: Ok(PathBuf::from("./segment-complete.js")),
        text,
    });
    assert!(quit_asked(&h));
    assert!(take_effects(&mut h).iter().any(is_quit));
}

#[test]
fn ctrl_c_quits_at_once_or_asks_once() {
    let mut h = harness();
    h.press(KeyCode::Char('i'));
    ctrl(&mut h, 'c');
    assert!(quit_asked(&h), "clean: Ctrl-C quits even while editing");

    let mut h = harness();
    h.press(KeyCode::Char('i'));
    h.type_text("x");
    ctrl(&mut h, 'c');
    assert_eq!(h.app.overlay, Some(Overlay::Confirm(Confirm::Quit)));
    ctrl(&mut h, 'c');
    assert!(quit_asked(&h));
    assert!(
        take_effects(&mut h)
            .iter()
            .any(|e| matches!(e, Effect::Quit { recovery: Some(_) }))
    );
}

#[test]
fn a_signal_keeps_unsaved_edits_in_a_recovery_file() {
    let mut h = harness();
    h.press(KeyCode::Char('i'));
    h.type_text("// mine\n");
    h.send(Message::Terminate);
    assert!(quit_asked(&h));
    let recovery = match take_effects(&mut h).as_slice() {
        [Effect::Quit { recovery: Some(r) }] => {
            assert_eq!(r.stem, "segment-complete");
            assert!(r.text.starts_with("// mine\n"));
            assert_eq!(r.dir, h.app.cwd);
            r.clone()
        }
        other => panic!("expected a quit with recovery, got {other:?}"),
    };
    // Written as the runtime does on its way out, into a folder of its own here.
    let dir = tempfile::tempdir().expect("temp dir");
    let recovery = crate::model::message::Recovery {
        dir: dir.path().to_path_buf(),
        ..recovery
    };
    let written = crate::runtime::files::write_recovery(&recovery).expect("kept");
    assert_eq!(written, dir.path().join("segment-complete.recovered.js"));
    let kept = std::fs::read_to_string(&written).expect("read");
    assert_eq!(kept, h.app.transform.text());
    assert!(kept.starts_with("// mine\n"));
}

#[test]
fn e_opens_the_file_in_the_editor_saving_a_preset_first() {
    let mut h = harness();
    h.press(KeyCode::Char('e'));
    let text = match take_effects(&mut h).as_slice() {
        [
            Effect::Save {
                path: None, text, ..
            },
        ] => text.clone(),
        other => panic!("expected a save first, got {other:?}"),
    };
    let path = PathBuf::from("./segment-complete.js");
    h.send(Message::Saved {
        result: Ok(path.clone()),
        text,
    });
    let effects = take_effects(&mut h);
    assert!(effects.iter().any(|e| matches!(e,
        Effect::OpenEditor { target: EditTarget::Transform(p), .. } if *p == path)));
    // Saved and clean: the editor opens at once.
    h.press(KeyCode::Char('e'));
    assert!(matches!(
        take_effects(&mut h).as_slice(),
        [Effect::OpenEditor { .. }]
    ));
}

#[test]
fn a_change_on_disk_reloads_unless_it_would_lose_edits() {
    let (mut h, dir) = one_event_harness(
        "function handler(w) { w.payload = {userId: 'u', event: 'Order Completed'}; return w; }",
    );
    let path = dir.path().join("mine.js");
    h.send(Message::Saved {
        result: Ok(path.clone()),
        text: h.app.transform.text(),
    });
    let edited =
        "function handler(w) { w.payload = {userId: 'u', event: 'Order Refunded'}; return w; }";
    h.send(Message::FileChanged {
        path: path.clone(),
        contents: Ok(edited.into()),
    });
    assert_eq!(h.app.transform.text(), edited);
    assert!(!h.app.transform.is_dirty());
    assert_eq!(output_event(&h).as_deref(), Some("Order Refunded"));
    // Unsaved edits here win; the user is told.
    h.press(KeyCode::Char('i'));
    h.type_text("// here\n");
    h.send(Message::FileChanged {
        path: path.clone(),
        contents: Ok("function handler(w) { return w; }".into()),
    });
    assert!(h.app.transform.text().starts_with("// here\n"));
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("changed on disk"))
    );
    // Another file's change is none of our business.
    h.send(Message::FileChanged {
        path: dir.path().join("other.js"),
        contents: Ok(String::new()),
    });
    assert!(h.app.transform.text().starts_with("// here\n"));
}

#[test]
fn d_diffs_against_the_previous_output() {
    let mut h = harness();
    h.press(KeyCode::Char('d'));
    assert!(h.app.diff);
    assert!(h.app.selected_result().expect("result").previous.is_none());
    h.press(KeyCode::Char('d'));
    h.press(KeyCode::Char('i'));
    // Rename the event of payment.succeeded.
    let source =
        h.app
            .transform
            .text()
            .replacen("\"Order Completed\"", "\"Checkout Completed\"", 1);
    h.app.transform.editor = crate::model::editor::Editor::new(&source);
    h.type_text(" ");
    let result = h.app.selected_result().expect("result");
    let previous = result.previous.as_ref().expect("previous output");
    assert!(previous.text.contains("Order Completed"));
    assert!(
        result
            .output
            .as_ref()
            .expect("output")
            .text
            .contains("Checkout Completed")
    );
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('d'));
    let screen = h.screen();
    assert!(
        screen.contains("-   \"event\": \"Order Completed\""),
        "{screen}"
    );
    assert!(
        screen.contains("+   \"event\": \"Checkout Completed\""),
        "{screen}"
    );
}

#[test]
fn y_and_shift_y_copy_the_payload_and_a_curl_command() {
    let mut h = harness();
    h.press(KeyCode::Char('y'));
    match take_effects(&mut h).as_slice() {
        [Effect::Copy(text)] => {
            let value: serde_json::Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(value["event"], "Order Completed");
        }
        other => panic!("expected a copy, got {other:?}"),
    }
    h.press(KeyCode::Char('Y'));
    match take_effects(&mut h).as_slice() {
        [Effect::Copy(text)] => {
            assert!(text.starts_with("curl -sS -X POST 'https://api.segment.io/v1/track'"));
            assert!(text.contains("$SEGMENT_WRITE_KEY"));
        }
        other => panic!("expected a copy, got {other:?}"),
    }
    // A cancelled event has nothing to copy.
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    assert_eq!(selected_key(&h), "payment.processing");
    h.press(KeyCode::Char('y'));
    assert!(take_effects(&mut h).is_empty());
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("cancelled"))
    );
}

#[test]
fn the_picker_lists_loads_and_guards_unsaved_edits() {
    let mut h = harness();
    h.press(KeyCode::Char('t'));
    assert!(matches!(
        take_effects(&mut h).as_slice(),
        [Effect::ListTransforms { .. }]
    ));
    let entries = vec![
        PickerEntry {
            spec: "segment-complete".into(),
            origin: "preset",
        },
        PickerEntry {
            spec: "segment-track-payment".into(),
            origin: "preset",
        },
    ];
    h.send(Message::TransformsListed(entries));
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    match take_effects(&mut h).as_slice() {
        [Effect::LoadTransform(spec)] => assert_eq!(spec, "segment-track-payment"),
        other => panic!("expected a load, got {other:?}"),
    }
    h.send(Message::TransformLoaded(Ok(crate::testing::preset(
        "segment-track-payment",
    ))));
    assert_eq!(h.app.transform.source.stem, "segment-track-payment");
    assert_eq!(output_event(&h).as_deref(), Some("Payment Completed"));
    // With unsaved edits, loading asks first.
    h.press(KeyCode::Char('i'));
    h.type_text("x");
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('t'));
    h.send(Message::TransformsListed(vec![PickerEntry {
        spec: "segment-complete".into(),
        origin: "preset",
    }]));
    take_effects(&mut h);
    h.press(KeyCode::Enter);
    assert!(matches!(
        h.app.overlay,
        Some(Overlay::Confirm(Confirm::Discard(_)))
    ));
    h.press(KeyCode::Char('d'));
    assert!(matches!(
        take_effects(&mut h).as_slice(),
        [Effect::LoadTransform(_)]
    ));
    h.send(Message::TransformLoaded(Err(
        "cannot read transformation ./x.js".into(),
    )));
    assert!(h.app.status.as_ref().is_some_and(|s| s.is_error));
}

#[test]
fn help_opens_scrolls_and_closes() {
    let mut h = Harness::new(180, 30);
    h.press(KeyCode::Char('?'));
    assert_eq!(h.app.overlay, Some(Overlay::Help { scroll: 0 }));
    h.press(KeyCode::Char('j'));
    assert_eq!(h.app.overlay, Some(Overlay::Help { scroll: 1 }));
    h.press(KeyCode::Char('q'));
    assert!(h.app.overlay.is_none());
    assert!(!quit_asked(&h), "q closes help, it does not quit");
}

#[test]
fn the_mouse_focuses_selects_and_scrolls() {
    let mut h = harness();
    let areas = areas(&h.app);
    let click = |column, row| {
        Message::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    // Row 0 of the list is the "payment" header, row 2 the second event.
    h.send(click(areas.events.x + 3, areas.events.y + 3));
    assert_eq!(selected_key(&h), "payment.failed");
    let webhook = areas.webhook.expect("webhook pane");
    h.send(click(webhook.x + 2, webhook.y + 2));
    assert_eq!(h.app.focus, Pane::Webhook);
    h.send(Message::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: webhook.x + 2,
        row: webhook.y + 2,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(h.app.scroll.webhook, 3);
    let mut narrow = Harness::new(100, 40);
    let tabs = areas_of(&narrow).tabs.expect("tabs");
    narrow.send(click(tabs.x + 1, tabs.y));
    assert_eq!(narrow.app.tab, Pane::Webhook);
    assert_eq!(narrow.app.focus, Pane::Webhook);
}

fn areas_of(h: &Harness) -> layout::Areas {
    areas(&h.app)
}

#[test]
fn paste_goes_to_the_editor_or_is_refused() {
    let mut h = harness();
    h.send(Message::Paste("text".into()));
    assert!(!h.app.transform.is_dirty());
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("paste ignored"))
    );
    h.press(KeyCode::Char('i'));
    h.send(Message::Paste("// pasted\r\n".into()));
    assert!(h.app.transform.text().starts_with("// pasted\n"));
}

#[test]
fn a_runaway_transformation_times_out_with_the_ui_answering() {
    let (mut h, _dir) = one_event_harness("function handler(w) { while (true) {} }");
    let error = h
        .app
        .selected_result()
        .and_then(|r| r.record.error.clone())
        .expect("timeout");
    assert_eq!(error.kind, ErrorKind::Timeout);
    h.press(KeyCode::Char('j'));
    let screen = h.screen();
    assert!(screen.contains("✗ timeout"), "{screen}");
}

#[test]
fn remapped_keys_replace_the_defaults() {
    let bindings = vec![hookbench_core::config::KeyBinding {
        action: "quit".into(),
        keys: vec!["ctrl-q".into()],
        line: 2,
    }];
    let mut start = init(180, 50);
    start.keymap = crate::keymap::KeyMap::with_config(&bindings, std::path::Path::new("c.toml"))
        .expect("valid");
    let mut h = Harness::with_init(start);
    h.press(KeyCode::Char('q'));
    assert!(!quit_asked(&h));
    ctrl(&mut h, 'q');
    assert!(quit_asked(&h));
}

#[test]
fn resizing_to_any_size_keeps_state_consistent() {
    let mut h = harness();
    h.press(KeyCode::Char('G'));
    let sizes = [
        (20, 5),
        (0, 0),
        (60, 15),
        (139, 40),
        (140, 40),
        (300, 100),
        (61, 16),
    ];
    // Once with the last event selected, once scrolled to the bottom of the payload with the
    // Segment pane focused (a tab on narrow screens).
    for focused in [Pane::Events, Pane::Segment] {
        if focused == Pane::Segment {
            h.press(KeyCode::Char('4'));
            h.press(KeyCode::Char('G'));
        }
        for (w, h_) in sizes {
            h.resize(w, h_);
            let _ = h.screen();
            let at = format!("{w}×{h_}, {focused:?} focused");
            let rows = h.app.events.rows().len();
            assert!(h.app.events.offset <= rows, "{at}");
            assert_consistent(&h.app, &at);
            assert_eq!(h.app.focus, focused, "{at}: resizing keeps the focus");
        }
    }
}

/// What every size must keep true: the selection in view, every offset within its content,
/// the focused pane on screen (its tab shown on narrow screens).
fn assert_consistent(app: &crate::model::app::App, at: &str) {
    use crate::model::measure;
    let areas = areas(app);
    let height = areas.inner_height(Pane::Events);
    if height > 0 {
        let selected = app.events.selected_row().expect("a selection");
        assert!(
            (app.events.offset..app.events.offset + height).contains(&selected),
            "{at}: row {selected} out of view (offset {}, height {height})",
            app.events.offset
        );
    }
    let within = |offset: usize, total: usize, what: &str| {
        assert!(
            offset <= total.saturating_sub(1),
            "{at}: {what} offset {offset} past {total} lines"
        );
    };
    within(app.scroll.webhook, measure::webhook_lines(app), "webhook");
    within(app.scroll.segment, measure::segment_lines(app), "segment");
    within(app.scroll.logs, measure::logs_lines(app), "logs");
    within(app.bottom_scroll, measure::bottom_lines(app), "bottom");
    within(
        app.transform.editor.top,
        app.transform.editor.lines().len(),
        "transform",
    );
    if !layout::too_small(app.size.0, app.size.1) {
        assert!(areas.of(app.focus).is_some(), "{at}: focus off screen");
        if app.focus.is_middle() {
            assert_eq!(app.tab, app.focus, "{at}: the focused tab is shown");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sending

use crate::model::app::BottomTab;
use crate::model::sending::{DestinationChoice, SinkStatus};
use hookbench_core::segment::keycheck::{KeyCheck, KeyStatus};
use hookbench_core::segment::send::{RequestInfo, ResponseBody};
use hookbench_core::segment::{Destination, Outcome, SendReport};

const KEY: &str = "wk_1234567890abcdefghijklmnopqrstu";

fn sink_url() -> url::Url {
    url::Url::parse("http://127.0.0.1:9009/").expect("url")
}

/// A harness whose sink is up, as the runtime would report it.
fn sending_harness() -> Harness {
    let mut h = Harness::new(180, 50);
    assert!(
        take_effects(&mut h)
            .iter()
            .any(|e| matches!(e, Effect::StartSink)),
        "without a key the workbench starts its sink"
    );
    h.send(Message::SinkStarted(Ok(sink_url())));
    h
}

fn delivery(outcome: Outcome, status: Option<u16>) -> SendReport {
    SendReport {
        destination: Destination::Sink(sink_url()).label(),
        request: RequestInfo {
            method: "POST".into(),
            url: "http://127.0.0.1:9009/v1/track".into(),
            headers: [("authorization".to_string(), "Basic aG9v…".to_string())].into(),
            body: serde_json::json!({"event": "Order Completed"}),
            batch: None,
            written: None,
        },
        status,
        response_headers: [("content-type".to_string(), "application/json".to_string())].into(),
        body: Some(ResponseBody::Json(serde_json::json!({"success": true}))),
        attempts: 1,
        latency_ms: 12,
        outcome,
        message: None,
    }
}

fn sent_job(h: &mut Harness) -> crate::model::message::SendJob {
    match take_effects(h).as_slice() {
        [Effect::Send(job)] => job.clone(),
        other => panic!("expected one send, got {other:?}"),
    }
}

#[test]
fn without_a_key_sends_go_to_the_local_sink() {
    let mut h = harness();
    assert_eq!(h.app.send.choice, DestinationChoice::Sink);
    assert_eq!(h.app.send.sink, SinkStatus::Starting);
    h.press(KeyCode::Char('s'));
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("starting"))
    );
    h.send(Message::SinkStarted(Ok(sink_url())));
    let screen = h.screen();
    assert!(
        screen.contains("→ sink 127.0.0.1:9009 (not Segment)"),
        "{screen}"
    );
}

#[test]
fn s_sends_the_selected_event_and_the_answer_shows() {
    let mut h = sending_harness();
    h.press(KeyCode::Char('s'));
    let job = sent_job(&mut h);
    assert!(!job.batch);
    assert_eq!(job.destination, Destination::Sink(sink_url()));
    assert_eq!(job.items.len(), 1);
    assert_eq!(job.items[0].key, "payment.succeeded");
    assert_eq!(job.items[0].call.payload["event"], "Order Completed");
    assert!(h.app.send.is_sending());
    assert_eq!(h.app.bottom, BottomTab::Response);
    h.send(Message::SendAnswered {
        id: job.id,
        key: "payment.succeeded".into(),
        report: Box::new(delivery(Outcome::Delivered, Some(200))),
        at: "12:00:01".into(),
    });
    assert!(!h.app.send.is_sending());
    assert_eq!(h.app.send.reports.len(), 1);
    let screen = h.screen();
    assert!(
        screen.contains("✓ delivered 200 OK · 12 ms · 1 attempt(s)"),
        "{screen}"
    );
    assert!(screen.contains("{\"success\":true}"), "{screen}");
}

#[test]
fn shift_s_sends_every_listed_event_batched_skipping_what_cannot_go() {
    let mut h = sending_harness();
    h.press(KeyCode::Char('/'));
    h.type_text("payment.");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('S'));
    let job = sent_job(&mut h);
    assert!(job.batch);
    let keys: Vec<&str> = job.items.iter().map(|i| i.key.as_str()).collect();
    assert!(keys.contains(&"payment.succeeded"));
    assert!(
        !keys.contains(&"payment.processing"),
        "cancelled events are not sent"
    );
    assert_eq!(h.app.send.in_flight[0].total, job.items.len());
    // Answers come one by one; the progress follows.
    for (n, item) in job.items.iter().enumerate() {
        h.send(Message::SendAnswered {
            id: job.id,
            key: item.key.clone(),
            report: Box::new(delivery(Outcome::Delivered, Some(200))),
            at: "12:00:02".into(),
        });
        if n + 1 < job.items.len() {
            assert_eq!(h.app.send.in_flight[0].done, n + 1);
        }
    }
    assert!(!h.app.send.is_sending());
    h.press(KeyCode::Char(']'));
    assert_eq!(h.app.bottom, BottomTab::Sends);
    let screen = h.screen();
    assert!(screen.contains("✓ delivered"), "{screen}");
}

#[test]
fn lint_errors_ask_before_sending_one_event() {
    let mut start = init(180, 50);
    start.transform = crate::testing::preset("segment-track-payment");
    start.event = Some("refund.succeeded".into());
    let mut h = Harness::with_init(start);
    take_effects(&mut h);
    h.send(Message::SinkStarted(Ok(sink_url())));
    assert_eq!(h.app.verdict("refund.succeeded"), Some(RunMark::Errors));
    h.press(KeyCode::Char('s'));
    assert!(matches!(
        h.app.overlay,
        Some(Overlay::Confirm(Confirm::ForceSend(_)))
    ));
    assert!(take_effects(&mut h).is_empty());
    h.press(KeyCode::Esc);
    assert!(h.app.overlay.is_none());
    h.press(KeyCode::Char('s'));
    h.press(KeyCode::Char('y'));
    let job = sent_job(&mut h);
    assert_eq!(job.items[0].key, "refund.succeeded");
}

/// A key through `update` alone: the effects it asks for are returned, not carried out, so a
/// pause after typing has not elapsed and runs are still in flight.
fn key_effects(h: &mut Harness, code: KeyCode) -> Vec<Effect> {
    update(
        &mut h.app,
        Message::Key(KeyEvent::new(code, KeyModifiers::NONE)),
    )
}

/// Replaces the transformation's text as typing would, leaving the editor; the pause after it
/// has not elapsed. Returns the pending pause's generation.
fn retype_transformation(h: &mut Harness, source: &str) -> u64 {
    key_effects(h, KeyCode::Char('i'));
    update(
        &mut h.app,
        Message::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL)),
    );
    let generation = match update(&mut h.app, Message::Paste(source.into())).as_slice() {
        [Effect::Debounce { generation, .. }] => *generation,
        other => panic!("expected a pause, got {other:?}"),
    };
    assert!(key_effects(h, KeyCode::Esc).is_empty());
    assert_eq!(h.app.mode, Mode::Normal);
    generation
}

const EDITED: &str =
    "function handler(w) { w.payload = {userId: 'u', event: 'Edited'}; return w; }";

fn sends_of(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Send(_)))
        .count()
}

#[test]
fn a_send_right_after_an_edit_carries_the_new_output() {
    let mut h = sending_harness();
    let generation = retype_transformation(&mut h, EDITED);
    // The pause has not ended: the output on screen is the old text's, and says so.
    assert_eq!(output_event(&h).as_deref(), Some("Order Completed"));
    assert_eq!(h.app.mark("payment.succeeded"), Some(RunMark::Pending));
    let screen = h.screen();
    assert!(screen.contains("◌ payment.succeeded"), "{screen}");
    assert!(screen.contains("◌ running… (out of date"), "{screen}");
    let effects = key_effects(&mut h, KeyCode::Char('s'));
    assert_eq!(sends_of(&effects), 0, "nothing is sent before the run");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Run(_))),
        "the send starts the run the pause was holding: {effects:?}"
    );
    let status = h.app.status.clone().expect("status");
    assert!(
        !status.is_error && status.text.contains("running…"),
        "{status:?}"
    );
    assert!(h.app.send.waiting.is_some());
    h.execute(effects);
    let job = sent_job(&mut h);
    assert_eq!(job.items.len(), 1);
    assert_eq!(job.items[0].key, "payment.succeeded");
    assert_eq!(job.items[0].call.payload["event"], "Edited");
    assert!(h.app.send.waiting.is_none());
    assert_eq!(
        h.app.selected_result().map(|r| r.basis.revision),
        Some(h.app.transform.revision)
    );
    // The pause, ending later, asks for nothing more: its runs already went.
    assert!(update(&mut h.app, Message::EditSettled { generation }).is_empty());
}

#[test]
fn a_body_that_is_not_json_is_marked_and_refused_by_s_and_skipped_by_shift_s() {
    let mut h = sending_harness();
    h.press(KeyCode::Char('m'));
    h.press(KeyCode::Char('{'));
    h.press(KeyCode::Esc);
    take_effects(&mut h);
    assert_eq!(h.app.mark("payment.succeeded"), Some(RunMark::InvalidBody));
    assert!(
        h.app.selected_result().is_none(),
        "the old body's output is not shown"
    );
    let screen = h.screen();
    assert!(screen.contains("! payment.succeeded"), "{screen}");
    assert!(
        screen.contains("! the body is not valid JSON: line"),
        "{screen}"
    );
    h.press(KeyCode::Char('s'));
    assert!(take_effects(&mut h).is_empty(), "nothing is sent");
    let status = h.app.status.clone().expect("status");
    assert!(
        status.is_error && status.text.contains("not sent: the body is not valid JSON"),
        "{status:?}"
    );
    assert!(h.app.send.in_flight.is_empty());
    // `S` sends the rest of the list and counts the body it skipped.
    h.press(KeyCode::Char('1'));
    h.press(KeyCode::Char('/'));
    h.type_text("payment.succeeded");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('S'));
    let job = sent_job(&mut h);
    let keys: Vec<&str> = job.items.iter().map(|i| i.key.as_str()).collect();
    assert!(!keys.contains(&"payment.succeeded"), "{keys:?}");
    assert!(keys.contains(&"payment.succeeded.jpy"), "{keys:?}");
    let status = h.app.status.clone().expect("status");
    assert!(
        status.text.contains("skipped 1: 1 body not valid JSON"),
        "{status:?}"
    );
}

#[test]
fn shift_s_waits_for_pending_runs_and_sends_no_stale_output() {
    let mut h = sending_harness();
    retype_transformation(&mut h, EDITED);
    let runnable = h.app.events.entries().len();
    assert!(
        h.app
            .events
            .entries()
            .iter()
            .all(|e| h.app.mark(&e.key) == Some(RunMark::Pending)),
        "every event waits for the pause"
    );
    let effects = key_effects(&mut h, KeyCode::Char('S'));
    assert_eq!(sends_of(&effects), 0, "no stale output goes");
    let status = h.app.status.clone().expect("status");
    assert!(
        status
            .text
            .contains(&format!("waiting for {runnable} run(s)")),
        "{status:?}"
    );
    h.execute(effects);
    let job = sent_job(&mut h);
    assert!(job.batch);
    assert_eq!(job.items.len(), runnable);
    assert!(
        job.items
            .iter()
            .all(|i| i.call.payload["event"] == "Edited"),
        "every call carries the new output"
    );
}

#[test]
fn a_send_while_a_run_is_in_flight_waits_for_it_and_x_cancels_the_wait() {
    let mut h = sending_harness();
    // `R` asks for runs; they are still in flight.
    let runs = key_effects(&mut h, KeyCode::Char('R'));
    let Some(Effect::Run(rerun)) = runs.first() else {
        panic!("a run: {runs:?}");
    };
    let rerun = rerun.job;
    assert_eq!(h.app.mark("payment.succeeded"), Some(RunMark::Pending));
    let waiting = key_effects(&mut h, KeyCode::Char('S'));
    assert!(
        waiting.is_empty(),
        "the runs are asked already: {waiting:?}"
    );
    assert!(h.app.send.waiting.is_some());
    // `x` drops the waiting send: the runs finish and nothing goes.
    h.press(KeyCode::Char('x'));
    assert!(h.app.send.waiting.is_none());
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("nothing was sent"))
    );
    h.execute(runs.clone());
    assert_eq!(sends_of(&take_effects(&mut h)), 0);
    // Asked again while a run is in flight, `s` goes once it is in, with its output.
    let runs = key_effects(&mut h, KeyCode::Char('R'));
    assert!(key_effects(&mut h, KeyCode::Char('s')).is_empty());
    h.execute(runs);
    let job = sent_job(&mut h);
    assert_eq!(job.items.len(), 1);
    assert!(h.app.results.values().all(|r| r.job > rerun));
    assert!(!h.app.is_pending("payment.succeeded"));
}

#[test]
fn s_at_start_up_waits_for_the_first_run() {
    let mut h = Harness::unstarted(init(180, 50), 180, 50);
    let start = update(&mut h.app, Message::Started { listen: false });
    assert!(update(&mut h.app, Message::SinkStarted(Ok(sink_url()))).is_empty());
    assert!(h.app.results.is_empty(), "no run has finished");
    assert_eq!(h.app.mark("payment.succeeded"), Some(RunMark::Pending));
    let screen = h.screen();
    assert!(screen.contains("◌ payment.succeeded"), "{screen}");
    assert!(screen.contains("running…"), "{screen}");
    assert!(key_effects(&mut h, KeyCode::Char('s')).is_empty());
    let status = h.app.status.clone().expect("status");
    assert!(
        !status.is_error && status.text.contains("running…"),
        "never \"the transformation failed\": {status:?}"
    );
    h.execute(start);
    let sends: Vec<_> = take_effects(&mut h)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Send(job) => Some(job),
            _ => None,
        })
        .collect();
    let [job] = sends.as_slice() else {
        panic!("expected one send, got {sends:?}");
    };
    assert_eq!(job.items[0].key, "payment.succeeded");
    assert_eq!(job.items[0].call.payload["event"], "Order Completed");
}

#[test]
fn a_pending_send_with_lint_errors_asks_once_its_run_is_in() {
    let mut start = init(180, 50);
    start.transform = crate::testing::preset("segment-track-payment");
    start.event = Some("refund.succeeded".into());
    let mut h = Harness::unstarted(start, 180, 50);
    let runs = update(&mut h.app, Message::Started { listen: false });
    update(&mut h.app, Message::SinkStarted(Ok(sink_url())));
    assert!(key_effects(&mut h, KeyCode::Char('s')).is_empty());
    assert!(h.app.overlay.is_none());
    h.execute(runs);
    assert!(matches!(
        h.app.overlay,
        Some(Overlay::Confirm(Confirm::ForceSend(_)))
    ));
    assert_eq!(sends_of(&take_effects(&mut h)), 0);
    h.press(KeyCode::Char('y'));
    let job = sent_job(&mut h);
    assert_eq!(job.items[0].key, "refund.succeeded");
}

#[test]
fn d_switches_the_destination_and_segment_needs_a_key() {
    let mut h = sending_harness();
    h.press(KeyCode::Char('D'));
    assert_eq!(h.app.send.choice, DestinationChoice::Segment);
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("no write key"))
    );
    h.press(KeyCode::Char('s'));
    assert!(take_effects(&mut h).is_empty(), "no key, no send");
    h.press(KeyCode::Char('D'));
    assert_eq!(h.app.send.choice, DestinationChoice::DryRun);
    h.press(KeyCode::Char('s'));
    assert_eq!(sent_job(&mut h).destination, Destination::DryRun);
    h.press(KeyCode::Char('D'));
    assert_eq!(h.app.send.choice, DestinationChoice::Sink);
}

#[test]
fn the_key_dialog_sets_checks_and_saves_a_key_without_showing_it() {
    let mut h = sending_harness();
    h.app.send.config_path = Some(PathBuf::from("/tmp/hookbench-test/config.toml"));
    h.press(KeyCode::Char('K'));
    assert!(matches!(h.app.overlay, Some(Overlay::KeyDialog(_))));
    // Letters are the key's, not shortcuts.
    h.send(Message::Paste(KEY.into()));
    h.press(KeyCode::Char('q'));
    h.press(KeyCode::Backspace);
    h.press(KeyCode::Tab);
    let screen = h.screen();
    assert!(!screen.contains(KEY), "{screen}");
    assert!(
        screen.contains("wk_1…rstu (34 characters; Segment's keys have 32)"),
        "{screen}"
    );
    h.press_with(KeyCode::Char('k'), KeyModifiers::CONTROL);
    assert!(h.app.overlay.is_none());
    assert_eq!(h.app.send.write_key.as_ref().map(|k| k.expose()), Some(KEY));
    assert_eq!(h.app.send.region, hookbench_core::segment::Region::Eu);
    match take_effects(&mut h).as_slice() {
        [Effect::VerifyKey(key)] => assert_eq!(key.expose(), KEY),
        other => panic!("expected a key check, got {other:?}"),
    }
    h.send(Message::KeyChecked(Box::new(KeyCheck {
        status: KeyStatus::Valid,
        http_status: Some(200),
        region: Some(hookbench_core::segment::Region::Eu),
        api_host: Some("events.eu1.segmentapis.com/v1".into()),
        destinations: vec!["Amplitude".into()],
        message: "valid".into(),
    })));
    // Sends now can go to Segment, in the key's region.
    h.press(KeyCode::Char('D'));
    assert_eq!(h.app.send.choice, DestinationChoice::Segment);
    let screen = h.screen();
    assert!(screen.contains("Segment EU · key wk_1…rstu ✓"), "{screen}");
    assert!(!screen.contains(KEY));
    h.press(KeyCode::Char('s'));
    let job = sent_job(&mut h);
    assert_eq!(
        job.destination,
        Destination::Segment(hookbench_core::segment::Region::Eu)
    );
    assert_eq!(job.write_key.as_ref().map(|k| k.expose()), Some(KEY));
    // ctrl-s saves it to the config file.
    h.press(KeyCode::Char('K'));
    h.press_with(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(matches!(
        take_effects(&mut h).as_slice(),
        [Effect::SaveKey { .. }]
    ));
    assert!(
        !format!("{:?}", h.app.send).contains(KEY),
        "Debug never shows the key"
    );
}

#[test]
fn x_cancels_sends_waiting_to_retry() {
    let mut h = sending_harness();
    h.press(KeyCode::Char('x'));
    assert!(take_effects(&mut h).is_empty());
    h.press(KeyCode::Char('s'));
    let job = sent_job(&mut h);
    h.press(KeyCode::Char('x'));
    assert!(matches!(
        take_effects(&mut h).as_slice(),
        [Effect::CancelSends]
    ));
    let mut failed = delivery(Outcome::Failed, None);
    failed.message = Some("cancelled after 2 attempt(s)".into());
    h.send(Message::SendAnswered {
        id: job.id,
        key: "payment.succeeded".into(),
        report: Box::new(failed),
        at: "12:00:03".into(),
    });
    assert!(!h.app.send.is_sending());
    assert!(h.app.status.as_ref().is_some_and(|s| s.is_error));
}

// ---------------------------------------------------------------------------------------------
// Receiving

use crate::model::listener::ListenerStatus;
use crate::update::incoming::PAGE;
use hookbench_core::store::{DeliverySummary, Verification};

fn listening_harness() -> Harness {
    let mut h = harness();
    h.press(KeyCode::Char('L'));
    match take_effects(&mut h).as_slice() {
        [Effect::StartListener { addr }] => assert_eq!(addr, "127.0.0.1:8787"),
        other => panic!("expected the listener to start, got {other:?}"),
    }
    let url = url::Url::parse("http://127.0.0.1:8787/webhook").expect("url");
    h.send(Message::ListenerStarted(Ok(url)));
    match take_effects(&mut h).as_slice() {
        [
            Effect::LoadDeliveries {
                before: None,
                limit,
            },
        ] => assert_eq!(*limit, PAGE),
        other => panic!("expected history to be read, got {other:?}"),
    }
    h.send(Message::DeliveriesLoaded(Ok(Vec::new())));
    h
}

fn summary(id: i64, event_type: &str, verification: Verification, status: u16) -> DeliverySummary {
    DeliverySummary {
        id,
        webhook_id: Some(format!("msg_{id}")),
        received_at: "2026-11-27T14:02:11+00:00".into(),
        event_type: Some(event_type.into()),
        verification,
        status,
        reason: (status >= 300)
            .then(|| "no signature matches: wrong secret, or the body was changed".into()),
        redeliveries: 0,
        bytes: 0,
    }
}

fn fixture_body(name: &str) -> Vec<u8> {
    hookbench_core::webhook::FixtureSet::builtin()
        .expect("fixtures")
        .get(name)
        .expect("fixture")
        .body
        .clone()
        .into_bytes()
}

#[test]
fn a_delivery_arrives_at_the_top_verified_and_transformed() {
    let mut h = listening_harness();
    let screen = h.screen();
    assert!(screen.contains("⇣ 127.0.0.1:8787/webhook · 0"), "{screen}");
    h.send(Message::Received {
        summary: Box::new(summary(7, "payment.succeeded", Verification::Valid, 200)),
        body: fixture_body("payment.succeeded"),
        redelivery: false,
    });
    let rows = h.app.events.rows();
    assert!(matches!(
        rows[0],
        crate::model::events_list::Row::Header {
            group: "incoming",
            count: 1
        }
    ));
    let result = h.app.results.get("#7").expect("the delivery was run");
    assert_eq!(
        result.record.webhook.as_ref().expect("output").payload["event"],
        "Order Completed"
    );
    // The selection stays where it was; the new row is above it.
    assert_eq!(selected_key(&h), "payment.succeeded");
    h.press(KeyCode::Char('g'));
    assert_eq!(selected_key(&h), "#7");
    let screen = h.screen();
    assert!(screen.contains("▾ incoming 1"), "{screen}");
    assert!(screen.contains("✓ ✓ "), "{screen}");
    assert!(screen.contains("payment.succeeded #7 ✓ valid"), "{screen}");
    assert!(screen.contains("⇣ 127.0.0.1:8787/webhook · 1"), "{screen}");
    // A redelivery updates the row; it is not run again.
    let count_before = |h: &Harness| {
        h.app
            .events
            .entry("#7")
            .and_then(|e| e.incoming.as_ref())
            .map(|i| i.redeliveries)
    };
    assert_eq!(count_before(&h), Some(0));
    let entries_before = h.app.events.entries().len();
    let job_before = h.app.latest_job.get("#7");
    let result_job_before = h.app.results.get("#7").map(|r| r.job);
    let ran_before = h.ran.len();
    let mut again = summary(7, "payment.succeeded", Verification::Valid, 200);
    again.redeliveries = 1;
    let effects = update(
        &mut h.app,
        Message::Received {
            summary: Box::new(again),
            body: fixture_body("payment.succeeded"),
            redelivery: true,
        },
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Run(_))),
        "no run asked for a redelivery: {effects:?}"
    );
    h.execute(effects);
    assert_eq!(h.ran.len(), ran_before, "nothing ran");
    assert_eq!(
        h.app.latest_job.get("#7"),
        job_before,
        "no newer job for it"
    );
    assert_eq!(h.app.results.get("#7").map(|r| r.job), result_job_before);
    assert_eq!(h.app.events.entries().len(), entries_before, "no new row");
    assert_eq!(
        h.app
            .events
            .rows()
            .iter()
            .filter(|r| matches!(r, crate::model::events_list::Row::Event(_)))
            .count(),
        h.app.events.entries().len()
    );
    assert_eq!(
        h.app
            .events
            .entry("#7")
            .and_then(|e| e.incoming.as_ref())
            .map(|i| i.redeliveries),
        Some(1)
    );
    let screen = h.screen();
    assert!(screen.contains("✓ valid ↻1"), "{screen}");
    // Sending it keeps the run and the send in history with the delivery.
    h.send(Message::SinkStarted(Ok(sink_url())));
    h.press(KeyCode::Char('s'));
    let job = sent_job(&mut h);
    let history = job.items[0].history.as_ref().expect("kept in history");
    assert_eq!(history.delivery_id, 7);
    let record = serde_json::to_string(&history.record).expect("serialises");
    assert!(record.contains("Order Completed"));
    // Kept as the runtime keeps it, in a store of its own: ids count from one, so the seventh
    // delivery stored is #7.
    let data = tempfile::tempdir().expect("temp dir");
    let store = hookbench_core::store::Store::open(data.path()).expect("store");
    for n in 1..=7 {
        let delivery = hookbench_core::store::NewDelivery {
            webhook_id: Some(format!("msg_{n}")),
            received_at: "2026-11-27T14:02:11+00:00".into(),
            event_type: Some("payment.succeeded".into()),
            body: fixture_body("payment.succeeded"),
            headers: Vec::new(),
            verification: Verification::Valid,
            status: 200,
            reason: None,
        };
        let stored = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(store.record(delivery))
            .expect("stored");
        assert_eq!(stored, hookbench_core::store::Recorded::New { id: n });
    }
    let answer = delivery(Outcome::Delivered, Some(200));
    crate::runtime::executor::keep_sent(&store, history, &answer);
    let runs = store.runs(7).expect("runs");
    assert_eq!(runs.len(), 1, "the run is kept with the delivery");
    assert_eq!(runs[0].transform, history.transform);
    assert!(runs[0].record.contains("Order Completed"));
    let sends = store.sends(runs[0].id).expect("sends");
    assert_eq!(sends.len(), 1, "and its send with the run");
    assert!(
        sends[0].delivery.contains("delivered"),
        "{}",
        sends[0].delivery
    );
    assert!(store.runs(6).expect("runs").is_empty());
    // A fixture's send is kept for the session only.
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('s'));
    assert!(sent_job(&mut h).items[0].history.is_none());
}

#[test]
fn a_rejected_delivery_is_dimmed_with_its_reason_and_not_run() {
    let mut h = listening_harness();
    h.send(Message::Received {
        summary: Box::new(summary(3, "payment.succeeded", Verification::Invalid, 401)),
        body: fixture_body("payment.succeeded"),
        redelivery: false,
    });
    assert!(
        !h.app.results.contains_key("#3"),
        "rejected deliveries are not transformed"
    );
    h.press(KeyCode::Char('g'));
    let screen = h.screen();
    assert!(screen.contains("· ✗ "), "{screen}");
    assert!(screen.contains("401 no signatu"), "{screen}");
    assert!(screen.contains("the receiver answered 401"), "{screen}");
    // Modifying it is replaying it with modifications: then it runs.
    h.press(KeyCode::Char('m'));
    h.press(KeyCode::Char(' '));
    h.press(KeyCode::Esc);
    assert!(h.app.results.contains_key("#3"));
}

#[test]
fn bytes_that_are_not_utf8_are_shown_escaped() {
    let mut h = listening_harness();
    h.send(Message::Received {
        summary: Box::new(summary(4, "", Verification::Unsigned, 400)),
        body: b"{\"a\":\"\xff\"}".to_vec(),
        redelivery: false,
    });
    h.press(KeyCode::Char('g'));
    let screen = h.screen();
    assert!(screen.contains("\\xFF"), "{screen}");
    assert!(screen.contains("– unsigned"), "{screen}");
}

#[test]
fn older_deliveries_page_in_when_the_oldest_is_reached() {
    let mut h = listening_harness();
    let page: Vec<(DeliverySummary, Vec<u8>)> = (1..=PAGE as i64)
        .rev()
        .map(|id| {
            (
                summary(id + 1000, "refund.succeeded", Verification::Valid, 200),
                fixture_body("refund.succeeded"),
            )
        })
        .collect();
    h.send(Message::DeliveriesLoaded(Ok(page)));
    assert!(h.app.listener.more_in_store);
    assert!(
        h.app.results.contains_key("#1001"),
        "stored deliveries run too"
    );
    h.press(KeyCode::Char('g'));
    assert_eq!(selected_key(&h), format!("#{}", 1000 + PAGE));
    // Walk down to the oldest listed delivery: the next page is asked for.
    for _ in 0..PAGE - 1 {
        h.press(KeyCode::Char('j'));
    }
    assert_eq!(selected_key(&h), "#1001");
    match take_effects(&mut h).as_slice() {
        [
            ..,
            Effect::LoadDeliveries {
                before: Some(1001),
                limit,
            },
        ] => assert_eq!(*limit, PAGE),
        other => panic!("expected the next page, got {other:?}"),
    }
    // A short page means the store has no more.
    h.send(Message::DeliveriesLoaded(Ok(vec![(
        summary(900, "refund.succeeded", Verification::Valid, 200),
        fixture_body("refund.succeeded"),
    )])));
    assert!(!h.app.listener.more_in_store);
    assert!(h.app.events.entry("#900").is_some());
}

#[test]
fn l_stops_the_listener_and_a_failed_start_is_reported() {
    let mut h = listening_harness();
    h.press(KeyCode::Char('L'));
    assert!(matches!(
        take_effects(&mut h).as_slice(),
        [Effect::StopListener]
    ));
    assert_eq!(h.app.listener.status, ListenerStatus::Off);
    h.press(KeyCode::Char('L'));
    take_effects(&mut h);
    h.send(Message::ListenerStarted(Err(
        "Address already in use (os error 98)".into(),
    )));
    assert!(matches!(h.app.listener.status, ListenerStatus::Failed(_)));
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("127.0.0.1:8787"))
    );
}

#[test]
fn the_memory_window_slides_both_ways_through_history() {
    use crate::update::incoming::KEEP_IN_MEMORY;
    let mut h = listening_harness();
    let page = |from: i64| -> Vec<(DeliverySummary, Vec<u8>)> {
        (from - PAGE as i64 + 1..=from)
            .rev()
            .map(|id| {
                (
                    summary(id, "refund.succeeded", Verification::Valid, 200),
                    fixture_body("refund.succeeded"),
                )
            })
            .collect()
    };
    // The store holds ids 1..=1000; the newest page comes first.
    h.send(Message::DeliveriesLoaded(Ok(page(1000))));
    h.press(KeyCode::Char('g'));
    let mut pages = 1;
    // Walk down: each time the oldest listed is reached, the next older page is read.
    while pages < 7 {
        h.press(KeyCode::Char('j'));
        if let Some(Effect::LoadDeliveries {
            before: Some(before),
            ..
        }) = take_effects(&mut h).last().cloned()
        {
            h.send(Message::DeliveriesLoaded(Ok(page(before - 1))));
            pages += 1;
        }
    }
    let listed = h
        .app
        .events
        .entries()
        .iter()
        .filter(|e| e.incoming.is_some())
        .count();
    assert_eq!(listed, KEEP_IN_MEMORY, "at most the window stays in memory");
    assert!(
        h.app.events.entry("#1000").is_none(),
        "the newest were let go"
    );
    assert!(h.app.listener.newer_in_store);
    assert!(
        !h.app.results.contains_key("#1000"),
        "and their results with them"
    );
    // Walk back up to the newest listed: the newer page is read back.
    let newest = h.app.events.newest_incoming().expect("listed");
    let mut asked = None;
    for _ in 0..KEEP_IN_MEMORY {
        h.press(KeyCode::Char('k'));
        if let Some(Effect::LoadDeliveries {
            before: Some(before),
            ..
        }) = take_effects(&mut h).last().cloned()
        {
            asked = Some(before);
            break;
        }
    }
    assert_eq!(asked, Some(newest + PAGE as i64 + 1));
    h.send(Message::DeliveriesLoaded(Ok(page(newest + PAGE as i64))));
    assert_eq!(h.app.events.newest_incoming(), Some(newest + PAGE as i64));
}

/// Replaces the selected body with `body` through the body editor.
fn modify_body(h: &mut Harness, body: &str) {
    h.press(KeyCode::Char('m'));
    ctrl(h, 'a');
    h.send(Message::Paste(body.to_string()));
    h.press(KeyCode::Esc);
}

/// The selected fixture's body as JSON.
fn selected_body(h: &Harness) -> serde_json::Value {
    h.app
        .selected()
        .and_then(|e| e.view.parsed.clone())
        .expect("a JSON body")
}

/// The screen line showing the selected body's line `index` (0-based) in the Webhook pane.
fn webhook_screen_line(h: &mut Harness, index: usize) -> String {
    let text = h.app.selected().expect("entry").view.text.clone();
    let code = text.lines().nth(index).expect("line").to_string();
    let number = format!("{:>2} {code}", index + 1);
    h.screen()
        .lines()
        .find(|l| l.contains(&number))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_body_missing_a_required_field_shows_the_finding_and_marks_its_object() {
    let mut h = harness();
    assert_eq!(selected_key(&h), "payment.succeeded");
    assert!(
        h.app.selected_input_diagnostics().is_empty(),
        "the fixture is what Dodo sends"
    );
    let mut body = selected_body(&h);
    body["data"]
        .as_object_mut()
        .expect("data")
        .remove("payment_provider");
    modify_body(&mut h, &body.to_string());
    let found = h.app.selected_input_diagnostics();
    assert!(
        found
            .iter()
            .any(|d| d.code == "missing-field" && d.path == "/data/payment_provider"),
        "{found:?}"
    );
    let screen = h.screen();
    assert!(screen.contains("── Dodo's schema: 1 error(s)"), "{screen}");
    assert!(
        screen.contains("✗ missing-field /data/payment_provider"),
        "{screen}"
    );
    // The missing member is marked on the object that lacks it.
    let view = &h.app.selected().expect("entry").view;
    let data_line = view.text.lines().position(|l| l == "  \"data\": {");
    let data_line = data_line.expect("data's line");
    assert_eq!(
        view.lines.line_of("/data/payment_provider"),
        Some(data_line)
    );
    let line = webhook_screen_line(&mut h, data_line);
    assert!(
        line.contains(&format!("✗{:>2}   \"data\": {{", data_line + 1)),
        "{line}"
    );
    // Other lines carry no mark.
    let line = webhook_screen_line(&mut h, 0);
    assert!(line.contains("  1 {") && !line.contains("✗ 1 {"), "{line}");
    // The events list says the body breaks the schema.
    assert!(screen.contains("payment.succeeded ✎ ≠"), "{screen}");
}

#[test]
fn a_modified_body_that_breaks_the_schema_gets_the_finding_and_loses_it_on_reset() {
    let mut h = harness();
    let mut body = selected_body(&h);
    body["data"]["status"] = serde_json::json!("paid");
    modify_body(
        &mut h,
        &serde_json::to_string_pretty(&body).expect("pretty"),
    );
    let found = h.app.selected_input_diagnostics();
    assert!(
        found
            .iter()
            .any(|d| d.code == "not-in-enum" && d.path == "/data/status"),
        "{found:?}"
    );
    assert!(h.app.has_input_errors("payment.succeeded"));
    let view = &h.app.selected().expect("entry").view;
    let status_line = view
        .text
        .lines()
        .position(|l| l.trim_start().starts_with("\"status\": \"paid\""))
        .expect("status's line");
    // Scroll the Webhook pane (focused after editing) until the line is in view.
    assert_eq!(h.app.focus, Pane::Webhook);
    for _ in 0..status_line.saturating_sub(3) {
        h.press(KeyCode::Char('j'));
    }
    let line = webhook_screen_line(&mut h, status_line);
    assert!(
        line.contains(&format!("✗{:>2} ", status_line + 1)),
        "{line}"
    );
    assert!(h.screen().contains("✗ not-in-enum /data/status"));
    h.press(KeyCode::Char('r'));
    assert!(h.app.selected_input_diagnostics().is_empty());
    assert!(!h.screen().contains("Dodo's schema:"));
}

#[test]
fn a_body_that_is_not_json_shows_its_parse_error_not_schema_findings() {
    let mut h = harness();
    modify_body(&mut h, "{\"type\": ");
    assert!(h.app.selected_input_diagnostics().is_empty());
    let screen = h.screen();
    assert!(screen.contains("✗ not valid JSON"), "{screen}");
    assert!(!screen.contains("Dodo's schema:"), "{screen}");
}

#[test]
fn not_dodo_fixtures_are_labelled_and_their_findings_shown() {
    let mut h = harness();
    let key = "payment.succeeded.null-name";
    assert!(h.app.events.select_key(key));
    // Wide enough for the whole Webhook title.
    h.resize(300, 50);
    let entry = h.app.selected().expect("entry");
    assert!(entry.not_dodo);
    assert!(h.app.has_input_errors(key));
    let screen = h.screen();
    assert!(
        screen.contains(&format!("2 Webhook {key} · not what Dodo sends · fixture")),
        "{screen}"
    );
    assert!(screen.contains("▾ not what Dodo sends 1"), "{screen}");
    assert!(
        screen.contains("/data/customer/name"),
        "the finding is listed: {screen}"
    );
}

/// Carries out a send job as the runtime does (the core's dispatch), on a runtime of its own,
/// and hands the reports back as the runtime would. A sink destination is served by a real
/// sink on loopback for the job's length.
fn answer_send(h: &mut Harness, job: &crate::model::message::SendJob) {
    use hookbench_core::segment::client::{Call, Client, ClientOptions};
    use hookbench_core::segment::sink::Sink;
    use hookbench_core::sending::{Dispatch, dispatch};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut reports = Vec::new();
    runtime.block_on(async {
        let sink = Sink::new();
        let running = sink.start("127.0.0.1:0").await.expect("sink");
        let destination = match &job.destination {
            Destination::Sink(_) => Destination::Sink(running.url().clone()),
            other => other.clone(),
        };
        let client = Client::new(ClientOptions {
            destination: destination.clone(),
            write_key: job.write_key.clone(),
            ..ClientOptions::default()
        })
        .expect("client");
        let calls: Vec<Call> = job.items.iter().map(|i| i.call.clone()).collect();
        let how = Dispatch::for_destination(&destination, job.batch, 1);
        dispatch(
            &client,
            &calls,
            how,
            &tokio_util::sync::CancellationToken::new(),
            |i, report| reports.push((job.items[i].key.clone(), report)),
        )
        .await;
    });
    for (key, report) in reports {
        h.send(Message::SendAnswered {
            id: job.id,
            key,
            report: Box::new(report),
            at: "12:00:00".into(),
        });
    }
}

/// The Response tab's lines as text.
fn response_text(h: &Harness) -> Vec<String> {
    crate::view::response::lines(&h.app)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

#[test]
fn the_response_tab_shows_the_written_body_of_a_dry_run() {
    let mut h = sending_harness();
    h.press(KeyCode::Char('D'));
    h.press(KeyCode::Char('D'));
    assert_eq!(h.app.send.choice, DestinationChoice::DryRun);
    h.press(KeyCode::Char('s'));
    let job = sent_job(&mut h);
    answer_send(&mut h, &job);
    let report = &h
        .app
        .send
        .last_report("payment.succeeded")
        .expect("a report")
        .report;
    assert_eq!(report.outcome, Outcome::DryRun);
    let written = report
        .request
        .written
        .clone()
        .expect("the request was built");
    let value: serde_json::Value = serde_json::from_str(&written).expect("JSON");
    assert!(value.get("sentAt").is_some(), "{written}");
    assert_eq!(h.app.bottom, crate::model::app::BottomTab::Response);
    let lines = response_text(&h);
    assert!(
        lines
            .iter()
            .any(|l| l == "→ POST https://api.segment.io/v1/track"),
        "{lines:#?}"
    );
    let heading = lines
        .iter()
        .position(|l| l.starts_with("→ body as written ("))
        .expect("the body's heading");
    let shown: Vec<&str> = lines[heading + 1..]
        .iter()
        .map(|l| l.strip_prefix("→ ").expect("request side"))
        .collect();
    let pretty = serde_json::to_string_pretty(&value).expect("pretty");
    assert_eq!(shown, pretty.lines().collect::<Vec<_>>());
    assert!(shown.iter().any(|l| l.contains("\"sentAt\"")));
    assert_eq!(
        crate::model::measure::bottom_lines(&h.app),
        lines.len(),
        "counted as drawn"
    );
}

#[test]
fn the_response_tab_shows_a_batchs_whole_envelope() {
    let mut h = sending_harness();
    h.press(KeyCode::Char('/'));
    h.type_text("refund.");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('S'));
    let job = sent_job(&mut h);
    assert!(job.batch && job.items.len() > 1, "{job:?}");
    answer_send(&mut h, &job);
    let key = selected_key(&h);
    let report = &h.app.send.last_report(&key).expect("a report").report;
    let written = report.request.written.clone().expect("the envelope");
    let envelope: serde_json::Value = serde_json::from_str(&written).expect("JSON");
    let items = envelope["batch"].as_array().expect(&written);
    assert_eq!(items.len(), job.items.len());
    assert_eq!(h.app.bottom, crate::model::app::BottomTab::Response);
    let lines = response_text(&h);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("→ POST http://127.0.0.1:") && l.ends_with("/v1/batch")),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l == "→   \"batch\": ["), "{lines:#?}");
    assert_eq!(crate::model::measure::bottom_lines(&h.app), lines.len());
}

/// The Segment pane's first line (its request line).
fn segment_header(h: &mut Harness) -> String {
    let screen = h.screen();
    let line = screen.lines().nth(1).expect("a second row").to_string();
    let start = line.find("POST ").expect("the request line");
    line[start..].to_string()
}

#[test]
fn the_segment_header_names_where_a_send_would_go() {
    // The sink: its own URL with the call's path.
    let mut h = sending_harness();
    assert!(
        segment_header(&mut h).starts_with("POST http://127.0.0.1:9009/v1/track ·"),
        "{}",
        segment_header(&mut h)
    );
    // Segment US, with a key.
    let mut start = init(220, 50);
    start.send = crate::model::sending::SendState::new(
        hookbench_core::segment::WriteKey::new(KEY),
        hookbench_core::segment::Region::Us,
        None,
        None,
    );
    start.send.choice = DestinationChoice::Segment;
    let mut h = Harness::with_init(start);
    assert!(
        segment_header(&mut h).starts_with("POST https://api.segment.io/v1/track ·"),
        "{}",
        segment_header(&mut h)
    );
    // Segment EU: the EU host, whatever host the transformation named.
    h.app.send.region = hookbench_core::segment::Region::Eu;
    assert!(
        segment_header(&mut h).starts_with("POST https://events.eu1.segmentapis.com/v1/track ·"),
        "{}",
        segment_header(&mut h)
    );
    // A configured endpoint: its base with the call's path.
    h.app.send.endpoint = Some(url::Url::parse("https://proxy.example/seg/").expect("url"));
    assert!(
        segment_header(&mut h).starts_with("POST https://proxy.example/seg/v1/track ·"),
        "{}",
        segment_header(&mut h)
    );
    // Before the sink is up, the handler's URL and why the target is not known yet.
    let mut h = harness();
    h.resize(260, 50);
    assert!(
        segment_header(&mut h).starts_with("POST https://api.segment.io/v1/track · ")
            && segment_header(&mut h).contains(" µs · sink starting"),
        "{}",
        segment_header(&mut h)
    );
}

#[test]
fn a_read_of_a_path_the_body_never_has_is_marked_at_its_line_and_listed_in_logs() {
    // `recurring_amount` is not a field of a payment; the handler reads it on line 3.
    let (mut h, _dir) = one_event_harness(
        "function handler(webhook) {\n  const d = webhook.payload.data;\n  const a = d.recurring_amount;\n  webhook.payload = { userId: d.customer.customer_id, event: \"Order Completed\", properties: { amount: a } };\n  return webhook;\n}\n",
    );
    let result = h.app.selected_result().expect("a run");
    let warnings = &result.record.read_warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].line, Some(3));
    assert_eq!(crate::model::measure::logs_lines(&h.app), 2);
    let screen = h.screen();
    assert!(
        screen.contains("▲ read 3:") && screen.contains("`data.recurring_amount` does not exist"),
        "{screen}"
    );
    let gutter = screen
        .lines()
        .find(|l| l.contains("const a = d.recurring_amount"))
        .expect("line 3 on screen");
    assert!(gutter.contains("▲"), "{gutter}");
}

fn codes_of(h: &Harness, key: &str) -> Vec<String> {
    h.app
        .results
        .get(key)
        .map(|r| {
            r.record
                .diagnostics
                .iter()
                .map(|d| d.code.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_later_event_reusing_a_message_id_is_warned_once_all_runs_are_in() {
    let mut start = init(180, 50);
    start.transform.source = "function handler(webhook) {\n  webhook.payload = { userId: \"u_1\", event: \"Thing Happened\", messageId: \"same\", properties: { type: webhook.eventType } };\n  return webhook;\n}\n".into();
    let mut h = Harness::with_init(start);
    let keys: Vec<String> = h
        .app
        .events
        .entries()
        .iter()
        .map(|e| e.key.clone())
        .collect();
    assert!(
        !codes_of(&h, &keys[0]).contains(&"duplicate-message-id".to_string()),
        "the first call keeps its id"
    );
    for key in &keys[1..] {
        let codes = codes_of(&h, key);
        assert_eq!(
            codes
                .iter()
                .filter(|c| *c == "duplicate-message-id")
                .count(),
            1,
            "{key}: {codes:?}"
        );
    }
    // A re-run of everything is checked afresh: still one warning each, never one per run.
    h.press(KeyCode::Char('R'));
    assert_eq!(
        codes_of(&h, &keys[1])
            .iter()
            .filter(|c| *c == "duplicate-message-id")
            .count(),
        1
    );
}

#[test]
fn a_modified_body_whose_call_keeps_its_message_id_says_so() {
    let mut h = harness();
    let original = h.app.selected().expect("entry").original.clone();
    let changed = original.replacen("\"total_amount\": ", "\"total_amount\": 1", 1);
    assert_ne!(changed, original, "the fixture has a total_amount");
    h.press(KeyCode::Char('m'));
    ctrl(&mut h, 'a');
    h.send(Message::Paste(changed));
    h.press(KeyCode::Esc);
    let codes = codes_of(&h, "payment.succeeded");
    assert!(
        codes.contains(&"unchanged-message-id".to_string()),
        "{codes:?}"
    );
    let screen = h.screen();
    assert!(screen.contains("unchanged-message-id"), "{screen}");
    // Back to the original body: nothing to say.
    h.press(KeyCode::Char('r'));
    assert!(!codes_of(&h, "payment.succeeded").contains(&"unchanged-message-id".to_string()));
}
