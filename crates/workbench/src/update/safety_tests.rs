//! Nothing by accident: where sends start, the send-all question, one set of keys for every
//! question, a file changed on disk, the key's region, the recovery file's name, undo steps,
//! revert and the diff against the saved version.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use hookbench_core::segment::{Destination, Region, WriteKey};
use hookbench_core::transform::presets::TransformOrigin;

use crate::keymap::{Action, KeyCombo, Scope};
use crate::model::app::{Confirm, Overlay};
use crate::model::editor::{Clock, Editor};
use crate::model::message::{Effect, Message};
use crate::model::sending::{DestinationChoice, SendState};
use crate::testing::{Harness, init};

const KEY: &str = "wk_1234567890abcdefghijklmnopqrstu";

fn take(h: &mut Harness) -> Vec<Effect> {
    std::mem::take(&mut h.effects)
}

fn ctrl(h: &mut Harness, c: char) {
    h.press_with(KeyCode::Char(c), KeyModifiers::CONTROL);
}

fn sends(effects: &[Effect]) -> Vec<&crate::model::message::SendJob> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(job) => Some(job),
            _ => None,
        })
        .collect()
}

/// A workbench with a saved write key, as a start after `K` … ctrl-s would make it.
fn keyed(choice: Option<DestinationChoice>) -> Harness {
    let mut start = init(180, 50);
    start.send = SendState::new(WriteKey::new(KEY), Region::Us, None, None);
    if let Some(choice) = choice {
        start.send.choice = choice;
    }
    let mut h = Harness::with_init(start);
    h.effects.clear();
    h
}

/// The transformation as a file in a temp dir, with unsaved edits.
fn edited_file() -> (Harness, tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("mine.js");
    let mut h = Harness::new(180, 50);
    h.app.transform.source.origin = TransformOrigin::File(path.clone());
    h.press(KeyCode::Char('i'));
    h.type_text("// mine\n");
    h.press(KeyCode::Esc);
    h.effects.clear();
    (h, dir, path)
}

#[test]
fn a_saved_key_does_not_make_sends_live_and_segment_is_badged() {
    let mut h = keyed(None);
    assert_eq!(h.app.send.choice, DestinationChoice::Sink);
    assert!(!h.screen().contains("SEGMENT (live)"));
    // Chosen (D, or `[segment] destination = "segment"`), Segment is badged in the Segment
    // pane's title and in the status bar.
    let h = &mut keyed(Some(DestinationChoice::from_config(
        hookbench_core::config::StartDestination::Segment,
    )));
    let screen = h.screen();
    assert_eq!(screen.matches("→ SEGMENT (live)").count(), 2, "{screen}");
}

#[test]
fn send_all_to_segment_asks_with_count_destination_and_region() {
    let mut h = keyed(Some(DestinationChoice::Segment));
    let listed = h.app.events.visible().len();
    h.press(KeyCode::Char('S'));
    assert!(
        sends(&take(&mut h)).is_empty(),
        "nothing goes before the answer"
    );
    assert!(matches!(
        &h.app.overlay,
        Some(Overlay::Confirm(Confirm::SendAll(keys))) if keys.len() == listed
    ));
    let screen = h.screen();
    assert!(
        screen.contains(&format!("Send {listed} listed event(s) to Segment US")),
        "{screen}"
    );
    assert!(screen.contains("region us"), "{screen}");
    assert!(
        screen.contains("y / enter") && screen.contains("esc / n / q"),
        "{screen}"
    );
    // The key that asked does not answer; esc cancels.
    h.press(KeyCode::Char('S'));
    h.press(KeyCode::Char('s'));
    assert!(h.app.overlay.is_some());
    h.press(KeyCode::Esc);
    assert!(h.app.overlay.is_none());
    assert!(sends(&take(&mut h)).is_empty());
    // y sends them, batched, to Segment.
    h.press(KeyCode::Char('S'));
    h.press(KeyCode::Char('y'));
    let effects = take(&mut h);
    let jobs = sends(&effects);
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].batch);
    assert_eq!(jobs[0].destination, Destination::Segment(Region::Us));
}

#[test]
fn send_all_to_the_sink_or_a_dry_run_goes_at_once() {
    let mut h = keyed(Some(DestinationChoice::DryRun));
    h.press(KeyCode::Char('S'));
    assert!(h.app.overlay.is_none());
    let effects = take(&mut h);
    assert_eq!(sends(&effects).len(), 1);
    assert_eq!(sends(&effects)[0].destination, Destination::DryRun);
}

#[test]
fn no_question_is_answered_destructively_by_the_key_that_opened_it() {
    let h = Harness::new(80, 24);
    let map = &h.app.keymap;
    let press = |code: KeyCode, modifiers: KeyModifiers| KeyEvent::new(code, modifiers);
    // q (quit), enter (picker load), U (revert), ctrl-s (save, changed on disk), s and S.
    for key in [
        press(KeyCode::Char('q'), KeyModifiers::NONE),
        press(KeyCode::Enter, KeyModifiers::NONE),
        press(KeyCode::Char('U'), KeyModifiers::SHIFT),
        press(KeyCode::Char('s'), KeyModifiers::CONTROL),
        press(KeyCode::Char('s'), KeyModifiers::NONE),
        press(KeyCode::Char('S'), KeyModifiers::SHIFT),
    ] {
        let action = map.action_in(Scope::Question, &key);
        assert!(
            !matches!(
                action,
                Some(Action::AnswerDiscard | Action::AnswerReload | Action::AnswerKeep)
            ),
            "{} answers {action:?}",
            KeyCombo::from_event(&key)
        );
    }
}

#[test]
fn q_q_never_drops_edits_and_d_does_after_asking() {
    let mut h = Harness::new(180, 50);
    h.press(KeyCode::Char('i'));
    h.type_text("x");
    h.press(KeyCode::Esc);
    h.effects.clear();
    h.press(KeyCode::Char('q'));
    assert_eq!(h.app.overlay, Some(Overlay::Confirm(Confirm::Quit)));
    let screen = h.screen();
    for text in ["save and quit", "quit without saving", " d ", "stay"] {
        assert!(screen.contains(text), "{text:?} in\n{screen}");
    }
    h.press(KeyCode::Char('q'));
    assert!(h.app.overlay.is_none(), "q again cancels");
    assert!(
        !take(&mut h)
            .iter()
            .any(|e| matches!(e, Effect::Quit { .. }))
    );
    assert!(h.app.transform.is_dirty());
    h.press(KeyCode::Char('q'));
    h.press(KeyCode::Char('d'));
    assert!(matches!(
        take(&mut h).as_slice(),
        [Effect::Quit { recovery: None }]
    ));
}

#[test]
fn a_change_on_disk_is_never_overwritten_without_asking() {
    let (mut h, _dir, path) = edited_file();
    let mine = h.app.transform.text();
    h.send(Message::FileChanged {
        path: path.clone(),
        contents: Ok("// theirs\n".into()),
    });
    assert!(h.app.status.as_ref().is_some_and(|s| s.is_error));
    assert_eq!(h.app.transform.text(), mine, "the edits here are kept");
    // ctrl-s asks instead of writing over it; esc decides later.
    ctrl(&mut h, 's');
    assert_eq!(
        h.app.overlay,
        Some(Overlay::Confirm(Confirm::ChangedOnDisk))
    );
    assert!(take(&mut h).is_empty());
    let screen = h.screen();
    assert!(
        screen.contains("reload from disk") && screen.contains("keep mine"),
        "{screen}"
    );
    h.press(KeyCode::Esc);
    assert!(take(&mut h).is_empty());
    // From the editor too.
    h.press(KeyCode::Char('i'));
    ctrl(&mut h, 's');
    assert_eq!(
        h.app.overlay,
        Some(Overlay::Confirm(Confirm::ChangedOnDisk))
    );
    // k keeps mine and writes it.
    h.press(KeyCode::Char('k'));
    match take(&mut h).as_slice() {
        [
            Effect::Save {
                text,
                path: Some(p),
                ..
            },
        ] => {
            assert_eq!(*text, mine);
            assert_eq!(*p, path);
        }
        other => panic!("expected a save, got {other:?}"),
    }
    h.send(Message::Saved {
        result: Ok(path.clone()),
        text: mine.clone(),
    });
    assert!(h.app.transform.disk_text.is_none());

    // Another change; r takes the file's text.
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('i'));
    h.type_text("more");
    h.press(KeyCode::Esc);
    h.send(Message::FileChanged {
        path,
        contents: Ok("// theirs\n".into()),
    });
    ctrl(&mut h, 's');
    h.effects.clear();
    h.press(KeyCode::Char('r'));
    assert_eq!(h.app.transform.text(), "// theirs\n");
    assert!(!h.app.transform.is_dirty());
    ctrl(&mut h, 's');
    assert!(h.app.overlay.is_none(), "decided: saving writes again");
}

#[test]
fn the_key_dialog_saves_the_region_with_the_key() {
    let mut h = Harness::new(180, 50);
    h.app.send.config_path = Some(PathBuf::from("/nonexistent/config.toml"));
    h.press(KeyCode::Char('K'));
    h.send(Message::Paste(KEY.into()));
    h.press(KeyCode::Tab);
    h.effects.clear();
    ctrl(&mut h, 's');
    match take(&mut h).as_slice() {
        [Effect::SaveKey { key, region, .. }] => {
            assert_eq!(key.expose(), KEY);
            assert_eq!(*region, Region::Eu);
        }
        other => panic!("expected a key save, got {other:?}"),
    }
}

#[test]
fn the_recovery_file_is_named_after_the_edited_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut h = Harness::new(180, 50);
    h.app.cwd = dir.path().to_path_buf();
    let saved = dir.path().join("segment-complete-2.js");
    let text = h.app.transform.text();
    h.send(Message::Saved {
        result: Ok(saved),
        text,
    });
    h.press(KeyCode::Char('i'));
    h.type_text("// mine\n");
    h.effects.clear();
    h.send(Message::Terminate);
    let recovery = match take(&mut h).as_slice() {
        [
            Effect::Quit {
                recovery: Some(recovery),
            },
        ] => recovery.clone(),
        other => panic!("expected a quit keeping the edits, got {other:?}"),
    };
    assert_eq!(recovery.stem, "segment-complete-2");
    let written = crate::runtime::files::write_recovery(&recovery).expect("kept");
    assert_eq!(written, dir.path().join("segment-complete-2.recovered.js"));
    assert!(written.is_absolute());
}

#[test]
fn undo_takes_back_a_word_at_a_time_and_a_pause_ends_a_step() {
    let mut h = Harness::new(180, 50);
    let before = h.app.transform.text();
    let start = Instant::now();
    h.app.clock = Clock::Fixed(start);
    h.press(KeyCode::Char('i'));
    h.type_text("while (true) {} ");
    let mut presses = 0;
    while h.app.transform.text() != before {
        ctrl(&mut h, 'z');
        presses += 1;
        assert!(presses < 16, "undo went a character at a time");
    }
    assert_eq!(presses, 2, "\"while (\" and \"true) {{}} \"");
    // A pause ends a step, without waiting: the clock is the app's.
    h.type_text("ab");
    h.app.clock = Clock::Fixed(start + Duration::from_secs(5));
    h.type_text("cd");
    ctrl(&mut h, 'z');
    assert_eq!(h.app.transform.text(), format!("ab{before}"));
    ctrl(&mut h, 'y');
    assert_eq!(h.app.transform.text(), format!("abcd{before}"));
}

#[test]
fn revert_puts_the_saved_version_back_after_asking() {
    let mut h = Harness::new(180, 50);
    h.press(KeyCode::Char('U'));
    assert!(h.app.overlay.is_none(), "nothing to revert: no question");
    let saved = h.app.transform.saved_text.clone();
    h.press(KeyCode::Char('i'));
    h.type_text("// mine\n");
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('U'));
    assert_eq!(h.app.overlay, Some(Overlay::Confirm(Confirm::Revert)));
    h.press(KeyCode::Char('U'));
    assert!(h.app.overlay.is_some(), "the opening key does not answer");
    h.effects.clear();
    h.press(KeyCode::Char('d'));
    assert_eq!(h.app.transform.text(), saved);
    assert!(!h.app.transform.is_dirty());
    assert!(!h.app.selected_is_pending(), "the saved version ran again");
}

#[test]
fn d_diffs_against_the_saved_version_not_the_keystrokes_between() {
    let mut h = Harness::new(180, 50);
    let source = h
        .app
        .transform
        .text()
        .replacen("\"Order Completed\"", "\"Order Finished\"", 1);
    let (line, col) = source
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            l.find("Order Finished")
                .map(|c| (i, c + "Order Finished".len()))
        })
        .expect("the line");
    h.app.transform.editor = Editor::new(&source);
    h.app.transform.editor.go_to_line(line);
    h.press(KeyCode::Char('i'));
    for _ in 0..col {
        h.press(KeyCode::Right);
    }
    h.type_text("k");
    h.press(KeyCode::Backspace);
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('d'));
    let screen = h.screen();
    assert!(screen.contains("diff vs saved version"), "{screen}");
    assert!(
        screen.contains("-   \"event\": \"Order Completed\""),
        "{screen}"
    );
    assert!(
        screen.contains("+   \"event\": \"Order Finished\""),
        "{screen}"
    );
    assert!(!screen.contains("Finishedk"), "{screen}");
    // Once saved, that is the version compared with.
    let text = h.app.transform.text();
    h.send(Message::Saved {
        result: Ok(PathBuf::from("./segment-complete.js")),
        text,
    });
    let screen = h.screen();
    assert!(screen.contains("No change."), "{screen}");
}
