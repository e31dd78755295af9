//! Every message findable: the message log, the status bar's hints and cut messages, the marks
//! explained, Enter on an event, the filtering picker and the clicks on tabs and in the editor.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::*;
use crate::keymap::Action;
use crate::model::app::{BottomTab, Mode, Overlay, Pane};
use crate::model::message::PickerEntry;
use crate::model::messages::{Level, MessageLog};
use crate::testing::Harness;
use crate::update::scroll::areas;

fn harness(width: u16, height: u16) -> Harness {
    let mut h = Harness::new(width, height);
    h.effects.clear();
    h
}

fn click(h: &mut Harness, column: u16, row: u16) {
    h.send(Message::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

fn status_line(h: &mut Harness) -> String {
    let screen = h.screen();
    screen.lines().last().unwrap_or_default().to_string()
}

const LONG: &str = "the file changed on disk while you were editing it; your unsaved edits here are kept (Ctrl-S writes them over the file)";

#[test]
fn every_status_message_and_error_is_logged_whole_with_its_level() {
    let mut h = harness(120, 40);
    let before = h.app.messages.len();
    h.app.set_status("saved ./a.js");
    h.app.set_warning("a warning");
    h.app.set_error(LONG);
    let logged: Vec<_> = h.app.messages.entries().skip(before).collect();
    assert_eq!(logged.len(), 3);
    assert_eq!(logged[0].level, Level::Info);
    assert_eq!(logged[1].level, Level::Warning);
    assert_eq!(logged[2].level, Level::Error);
    assert_eq!(logged[2].text, LONG);
    assert_eq!(logged[2].time, crate::testing::HARNESS_MESSAGE_TIME);
    // Messages set by the app's own updates are logged too.
    h.press(KeyCode::Char('d'));
    let last = h.app.messages.entries().last().map(|m| m.text.clone());
    assert_eq!(
        last.as_deref(),
        Some("diff: output against the saved version's (d to leave)")
    );
}

#[test]
fn the_log_is_capped() {
    let mut h = harness(120, 40);
    for i in 0..MessageLog::CAPACITY + 10 {
        h.app.set_status(format!("message {i}"));
    }
    assert_eq!(h.app.messages.len(), MessageLog::CAPACITY);
}

#[test]
fn a_cut_message_ends_with_an_ellipsis_and_the_log_key_at_80_columns() {
    let mut h = harness(80, 24);
    h.app.set_error(LONG);
    let line = status_line(&mut h);
    assert!(line.contains('…'), "{line}");
    assert!(line.contains("(@ log)"), "{line}");
    assert!(
        line.contains("the file changed"),
        "the message is shown: {line}"
    );
    assert!(line.contains("? help"), "{line}");
}

#[test]
fn the_log_opens_at_the_newest_scrolls_and_closes() {
    let mut h = harness(80, 24);
    for i in 0..40 {
        h.app.set_status(format!("message number {i}"));
    }
    h.press(KeyCode::Char('@'));
    let max = crate::model::messages::max_scroll(&h.app.messages, h.app.size);
    assert!(max > 0);
    assert_eq!(h.app.overlay, Some(Overlay::Messages { scroll: max }));
    let screen = h.screen();
    assert!(screen.contains("message number 39"), "{screen}");
    assert!(!screen.contains("message number 0 "), "{screen}");
    h.press(KeyCode::Char('k'));
    assert_eq!(h.app.overlay, Some(Overlay::Messages { scroll: max - 1 }));
    h.press(KeyCode::Char('g'));
    assert_eq!(h.app.overlay, Some(Overlay::Messages { scroll: 0 }));
    assert!(h.screen().contains("message number 0"));
    h.press(KeyCode::Char('G'));
    assert_eq!(h.app.overlay, Some(Overlay::Messages { scroll: max }));
    h.press(KeyCode::Char('j'));
    assert_eq!(
        h.app.overlay,
        Some(Overlay::Messages { scroll: max }),
        "no further"
    );
    h.send(Message::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(h.app.overlay, Some(Overlay::Messages { scroll: max - 3 }));
    h.press(KeyCode::Esc);
    assert_eq!(h.app.overlay, None);
}

#[test]
fn the_log_shows_a_long_message_whole() {
    let mut h = harness(80, 24);
    h.app.set_error(LONG);
    h.press(KeyCode::Char('@'));
    let screen = h.screen();
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c == '┃' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("(Ctrl-S writes them over the file)"),
        "{screen}"
    );
    assert!(screen.contains("error"), "{screen}");
}

#[test]
fn the_hints_follow_the_focused_pane() {
    let mut h = harness(120, 40);
    let events = status_line(&mut h);
    assert!(
        events.contains("enter output") && events.contains("/ filter"),
        "{events}"
    );
    h.press(KeyCode::Char('3'));
    let transform = status_line(&mut h);
    assert!(
        transform.contains("i edit") && transform.contains("t transforms"),
        "{transform}"
    );
    h.press(KeyCode::Char('4'));
    let segment = status_line(&mut h);
    assert!(
        segment.contains("y copy") && segment.contains("d diff"),
        "{segment}"
    );
    h.press(KeyCode::Char('5'));
    let logs = status_line(&mut h);
    assert!(logs.contains("@ messages"), "{logs}");
    for line in [events, transform, segment, logs] {
        assert!(line.contains("? help"), "{line}");
    }
}

#[test]
fn the_help_explains_every_mark_with_the_cores_meaning() {
    let mut h = harness(180, 200);
    h.press(KeyCode::Char('?'));
    let screen = h.screen();
    assert!(screen.contains("Marks"), "{screen}");
    for mark in hookbench_core::marks::Mark::ALL {
        assert!(
            screen.contains(mark.meaning()),
            "{mark:?} is not explained:\n{screen}"
        );
    }
}

#[test]
fn enter_on_an_event_shows_its_output_and_i_edits() {
    let mut h = harness(120, 40);
    assert_eq!(h.app.focus, Pane::Events);
    h.press(KeyCode::Enter);
    assert_eq!(h.app.focus, Pane::Segment);
    assert_eq!(h.app.tab, Pane::Segment);
    assert_eq!(h.app.mode, Mode::Normal);
    h.press(KeyCode::Char('1'));
    h.press(KeyCode::Char('i'));
    assert_eq!(h.app.mode, Mode::EditTransform);
    h.press(KeyCode::Esc);
    // In the Transform pane, Enter still edits.
    h.press(KeyCode::Enter);
    assert_eq!(h.app.mode, Mode::EditTransform);
}

fn open_picker(h: &mut Harness) {
    h.press(KeyCode::Char('t'));
    h.effects.clear();
    let entries = [
        "segment-complete",
        "segment-track-payment",
        "segment-identify",
        "./mine.js",
    ]
    .into_iter()
    .map(|spec| PickerEntry {
        spec: spec.into(),
        origin: "preset",
    })
    .collect();
    h.send(Message::TransformsListed(entries));
}

fn picker(h: &Harness) -> crate::model::app::Picker {
    match &h.app.overlay {
        Some(Overlay::Picker(picker)) => picker.clone(),
        other => panic!("expected the picker, got {other:?}"),
    }
}

#[test]
fn typing_filters_the_picker_and_ctrl_u_clears_it() {
    let mut h = harness(120, 40);
    open_picker(&mut h);
    h.type_text("trk");
    let p = picker(&h);
    assert_eq!(p.filter, "trk");
    let names: Vec<&str> = p.matches().iter().map(|e| e.spec.as_str()).collect();
    assert_eq!(names, vec!["segment-track-payment"]);
    assert!(h.screen().contains("1/4"), "the match count is shown");
    h.press(KeyCode::Backspace);
    assert_eq!(picker(&h).filter, "tr");
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    let p = picker(&h);
    assert_eq!(p.filter, "");
    assert_eq!(p.matches().len(), 4);
    // Letters that used to move (j, k, q) now type; the arrows move.
    h.type_text("iq");
    assert_eq!(picker(&h).filter, "iq");
    assert!(picker(&h).matches().is_empty());
    assert!(h.screen().contains("nothing matches"));
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("segment");
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    match h.effects.as_slice() {
        [Effect::LoadTransform(spec)] => assert_eq!(spec, "segment-track-payment"),
        other => panic!("expected a load, got {other:?}"),
    }
}

#[test]
fn esc_closes_the_picker() {
    let mut h = harness(120, 40);
    open_picker(&mut h);
    h.press(KeyCode::Esc);
    assert_eq!(h.app.overlay, None);
}

#[test]
fn clicking_a_bottom_tab_switches_to_it() {
    let mut h = harness(120, 40);
    let logs = areas(&h.app).logs;
    let screen = h.screen();
    let title = screen.lines().nth(usize::from(logs.y)).unwrap_or_default();
    let at = |label: &str| {
        let chars = title.find(label).map(|b| title[..b].chars().count());
        u16::try_from(chars.expect(label)).expect("column")
    };
    let response = at("Response");
    let sends = at("Sends");
    click(&mut h, response + 1, logs.y);
    assert_eq!(h.app.bottom, BottomTab::Response);
    assert_eq!(h.app.focus, Pane::Logs);
    click(&mut h, sends, logs.y);
    assert_eq!(h.app.bottom, BottomTab::Sends);
    click(&mut h, at("Logs"), logs.y);
    assert_eq!(h.app.bottom, BottomTab::Logs);
    // A click inside the panel, off the title, keeps the tab.
    h.app.bottom = BottomTab::Response;
    click(&mut h, response, logs.y + 2);
    assert_eq!(h.app.bottom, BottomTab::Response);
}

#[test]
fn clicking_in_the_editor_moves_its_cursor_past_gutter_and_scroll() {
    let mut h = harness(200, 50);
    h.press(KeyCode::Char('i'));
    let pane = areas(&h.app).transform.expect("transform pane");
    let lines = h.app.transform.editor.lines().to_vec();
    let gutter =
        u16::try_from(crate::model::measure::gutter_width(lines.len())).expect("narrow gutter");
    let text_x = pane.x + 1 + gutter;
    let line = lines.iter().position(|l| l.len() > 6).expect("a long line");
    click(
        &mut h,
        text_x + 4,
        pane.y + 1 + u16::try_from(line).expect("row"),
    );
    assert_eq!(h.app.transform.editor.cursor(), (line, 4));
    assert_eq!(h.app.mode, Mode::EditTransform);
    // Scrolled down, the same row is a later line.
    h.app.transform.editor.top = 2;
    let target = line + 2;
    click(
        &mut h,
        text_x,
        pane.y + 1 + u16::try_from(line).expect("row"),
    );
    assert_eq!(h.app.transform.editor.cursor(), (target, 0));
    // Past the end of a line: its end.
    h.app.transform.editor.top = 0;
    let short = lines
        .iter()
        .position(|l| l.chars().count() < 10)
        .expect("a short line");
    let end = lines[short].chars().count();
    let short_row = pane.y + 1 + u16::try_from(short).expect("row");
    click(&mut h, text_x + 30, short_row);
    assert_eq!(h.app.transform.editor.cursor(), (short, end));
    h.app.transform.editor.top = 2;
    // On the gutter: the line's start.
    click(
        &mut h,
        pane.x + 1,
        pane.y + 1 + u16::try_from(line).expect("row"),
    );
    assert_eq!(h.app.transform.editor.cursor(), (target, 0));
}

#[test]
fn the_message_log_key_is_in_the_key_map() {
    let h = harness(120, 40);
    let key = KeyEvent::new(KeyCode::Char('@'), KeyModifiers::NONE);
    assert_eq!(h.app.keymap.action(&key), Some(Action::Messages));
}
