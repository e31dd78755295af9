//! `update` on a mapping: picking a body field into it, the table's edits, undo and redo,
//! saving the file's text, and a file with errors keeping the last good output.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyModifiers};
use serde_json::Value;

use hookbench_core::transform::presets::TransformSource;

use super::*;
use crate::model::app::Overlay;
use crate::model::field_cursor;
use crate::model::mapping::{MappingDialog, MappingTable, PickPart};
use crate::testing::{self, Harness};

const FILE: &str = "shop.mapping.toml";

use crate::testing::SHOP_MAPPING as SHOP;

pub(crate) fn mapping_source(text: &str) -> TransformSource {
    testing::mapping_source(FILE, text)
}

fn harness_on(text: &str, event: &str) -> Harness {
    let mut init = testing::init(120, 40);
    init.transform = mapping_source(text);
    init.event = Some(event.to_string());
    Harness::with_init(init)
}

fn harness() -> Harness {
    harness_on(SHOP, "payment.succeeded")
}

fn text_of(h: &Harness) -> String {
    h.app
        .transform
        .mapping
        .as_ref()
        .expect("a mapping")
        .text
        .clone()
}

fn payload(h: &Harness) -> Value {
    let result = h.app.selected_result().expect("a result");
    assert!(result.record.error.is_none(), "{:?}", result.record.error);
    result
        .record
        .webhook
        .as_ref()
        .expect("an output")
        .payload
        .clone()
}

fn cancelled(h: &Harness) -> bool {
    h.app
        .selected_result()
        .and_then(|r| r.record.webhook.as_ref())
        .is_some_and(|w| w.cancel)
}

fn table(h: &Harness) -> MappingTable {
    let event_type = h.app.selected().expect("selected").event_type.clone();
    h.app
        .transform
        .mapping
        .as_ref()
        .expect("a mapping")
        .table(&event_type)
}

fn status(h: &Harness) -> String {
    h.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// Focuses the table and puts its cursor on the row of `dotted`.
fn select_row(h: &mut Harness, dotted: &str) {
    h.press(KeyCode::Char('3'));
    h.press(KeyCode::Char('g'));
    let at = table(h)
        .rows()
        .iter()
        .position(|r| r.dotted() == dotted)
        .unwrap_or_else(|| panic!("no row {dotted}"));
    for _ in 0..at {
        h.press(KeyCode::Char('j'));
    }
    let cursor = h
        .app
        .transform
        .mapping
        .as_ref()
        .expect("mapping")
        .table_cursor;
    assert_eq!(table(h).rows()[cursor].dotted(), dotted);
}

/// Focuses the Webhook pane and puts the field cursor on `path`.
fn select_field(h: &mut Harness, path: &str) {
    h.press(KeyCode::Char('2'));
    h.press(KeyCode::Char('g'));
    let at = field_cursor::fields(&h.app)
        .iter()
        .position(|f| f.path.text == path)
        .unwrap_or_else(|| panic!("no field {path}"));
    for _ in 0..at {
        h.press(KeyCode::Char('j'));
    }
    let field = field_cursor::current(&h.app).expect("a field");
    assert_eq!(field.path.text, path);
}

fn select_event(h: &mut Harness, key: &str) {
    h.press(KeyCode::Char('1'));
    h.press(KeyCode::Char('g'));
    for _ in 0..500 {
        if h.app.selected().is_some_and(|e| e.key == key) {
            return;
        }
        h.press(KeyCode::Char('j'));
    }
    panic!("no event {key}");
}

fn ctrl(h: &mut Harness, c: char) {
    h.press_with(KeyCode::Char(c), KeyModifiers::CONTROL);
}

fn pick_dialog(h: &Harness) -> crate::model::mapping::PickDialog {
    match h.app.overlay.as_ref() {
        Some(Overlay::Mapping(dialog)) if let MappingDialog::Pick(pick) = dialog.as_ref() => {
            pick.clone()
        }
        other => panic!("no pick dialog: {other:?}"),
    }
}

#[test]
fn the_mapping_runs_its_compiled_javascript_and_the_table_shows_its_rows() {
    let h = harness();
    let payload = payload(&h);
    assert_eq!(payload["event"], "Order Completed");
    assert_eq!(
        payload["properties"]["order_id"],
        "pay_2IjeQm4hqU6RA4Z4kwDee"
    );
    let MappingTable::Mapped(table) = table(&h) else {
        panic!("mapped");
    };
    let rows: Vec<String> = table.rows.iter().map(|r| r.dotted()).collect();
    assert!(
        rows.contains(&"properties.payment_id".to_string()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"context.traits.email".to_string()),
        "{rows:?}"
    );
    assert!(!h.app.transform.is_dirty());
}

#[test]
fn picking_a_field_adds_it_and_the_output_changes() {
    let mut h = harness();
    select_field(&mut h, "data.card_last_four");
    h.press(KeyCode::Char('p'));
    let pick = pick_dialog(&h);
    assert_eq!(pick.name, "card_last_four");
    assert_eq!(
        pick.selected_target().map(|t| t.target.join(".")),
        Some("properties.card_last_four".to_string())
    );
    h.press(KeyCode::Enter);
    assert!(h.app.overlay.is_none());
    assert!(
        text_of(&h).contains("card_last_four = \"data.card_last_four\""),
        "{}",
        text_of(&h)
    );
    assert_eq!(payload(&h)["properties"]["card_last_four"], "4242");
    assert!(h.app.transform.is_dirty());
}

#[test]
fn a_picked_amount_comes_as_money_and_the_name_is_editable() {
    let mut h = harness();
    select_field(&mut h, "data.settlement_amount");
    h.press(KeyCode::Enter);
    let pick = pick_dialog(&h);
    assert_eq!(pick.conversion_name(), "money", "{pick:?}");
    // Tab to the name, retype it.
    h.press(KeyCode::Tab);
    assert_eq!(pick_dialog(&h).part, PickPart::Name);
    ctrl(&mut h, 'u');
    h.type_text("settled");
    assert_eq!(
        pick_dialog(&h)
            .selected_target()
            .map(|t| t.target.join(".")),
        Some("properties.settled".to_string())
    );
    h.press(KeyCode::Enter);
    let settled = payload(&h)["properties"]["settled"].as_f64();
    assert_eq!(settled, Some(4.0), "{}", text_of(&h));
}

#[test]
fn rename_conversion_remove_and_reorder_act_on_the_selected_row() {
    let mut h = harness();
    select_row(&mut h, "properties.order_id");
    h.press(KeyCode::Char('c'));
    ctrl(&mut h, 'u');
    h.type_text("order_ref");
    h.press(KeyCode::Enter);
    assert_eq!(
        payload(&h)["properties"]["order_ref"],
        "pay_2IjeQm4hqU6RA4Z4kwDee"
    );
    assert!(payload(&h)["properties"].get("order_id").is_none());

    select_row(&mut h, "properties.total");
    h.press(KeyCode::Char('V'));
    // money → the list's "string": up to the top, then down twice.
    for _ in 0..10 {
        h.press(KeyCode::Up);
    }
    h.press(KeyCode::Down);
    h.press(KeyCode::Down);
    h.press(KeyCode::Enter);
    assert_eq!(payload(&h)["properties"]["total"], "400");

    select_row(&mut h, "properties.total");
    h.press(KeyCode::Char('{'));
    let text = text_of(&h);
    let (total, order) = (
        text.find("total =").expect("total"),
        text.find("order_ref =").expect("order_ref"),
    );
    assert!(total < order, "{text}");
    let keys: Vec<String> = payload(&h)["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect();
    let (t, o) = (
        keys.iter().position(|k| k == "total"),
        keys.iter().position(|k| k == "order_ref"),
    );
    assert!(t < o, "{keys:?}");

    select_row(&mut h, "properties.total");
    h.press(KeyCode::Char('X'));
    assert!(payload(&h)["properties"].get("total").is_none());
    assert!(!text_of(&h).contains("total ="));
}

#[test]
fn the_source_of_a_row_takes_a_path_and_refuses_a_bad_one() {
    let mut h = harness();
    select_row(&mut h, "properties.order_id");
    h.press(KeyCode::Char('P'));
    ctrl(&mut h, 'u');
    h.type_text("data.[");
    h.press(KeyCode::Enter);
    match h.app.overlay.as_ref() {
        Some(Overlay::Mapping(dialog)) if let MappingDialog::Input(input) = dialog.as_ref() => {
            assert!(input.error.is_some(), "{input:?}")
        }
        other => panic!("the input stays open: {other:?}"),
    }
    ctrl(&mut h, 'u');
    h.type_text("data.checkout_session_id");
    h.press(KeyCode::Enter);
    assert_eq!(payload(&h)["properties"]["order_id"], "cks_stst1231");
}

#[test]
fn call_and_event_name_are_set_from_lists() {
    let mut h = harness();
    h.press(KeyCode::Char('E'));
    h.type_text("Payment Made");
    h.press(KeyCode::Enter);
    assert_eq!(payload(&h)["event"], "Payment Made");

    h.press(KeyCode::Char('T'));
    h.press(KeyCode::Down); // track → identify
    h.press(KeyCode::Enter);
    let url = h
        .app
        .selected_result()
        .and_then(|r| r.record.webhook.as_ref())
        .map(|w| w.url.clone())
        .unwrap_or_default();
    assert!(url.ends_with("/v1/identify"), "{url}\n{}", text_of(&h));
}

#[test]
fn cancelling_and_mapping_a_type_again() {
    let mut h = harness();
    h.press(KeyCode::Char('O'));
    h.type_text("tested elsewhere");
    h.press(KeyCode::Enter);
    assert!(cancelled(&h), "{}", text_of(&h));
    assert!(
        matches!(table(&h), MappingTable::Cancelled { ref reason, .. } if reason == "tested elsewhere")
    );
    h.press(KeyCode::Char('O'));
    assert!(!cancelled(&h), "{}", text_of(&h));
    assert_eq!(payload(&h)["event"], "Order Completed");
}

#[test]
fn a_row_applied_to_the_family_reaches_its_other_members() {
    let mut h = harness();
    select_event(&mut h, "payment.failed");
    assert!(payload(&h)["properties"].get("order_id").is_none());
    select_event(&mut h, "payment.succeeded");
    select_row(&mut h, "properties.order_id");
    h.press(KeyCode::Char('A'));
    assert!(status(&h).contains("payment.*"), "{}", status(&h));
    select_event(&mut h, "payment.failed");
    assert_eq!(
        payload(&h)["properties"]["order_id"],
        payload(&h)["properties"]["payment_id"],
        "{}",
        text_of(&h)
    );
}

#[test]
fn an_uncovered_type_gets_a_case_of_its_own() {
    let mut h = harness();
    select_event(&mut h, "refund.succeeded");
    assert!(cancelled(&h));
    assert!(matches!(table(&h), MappingTable::NotCovered { .. }));
    h.press(KeyCode::Char('a'));
    assert!(
        text_of(&h).contains("[events.\"refund.succeeded\"]"),
        "{}",
        text_of(&h)
    );
    assert!(!cancelled(&h), "{}", text_of(&h));
    assert_eq!(payload(&h)["event"], "Refund Succeeded");
}

#[test]
fn undo_and_redo_go_over_mapping_changes() {
    let mut h = harness();
    select_row(&mut h, "properties.order_id");
    h.press(KeyCode::Char('X'));
    assert!(payload(&h)["properties"].get("order_id").is_none());
    ctrl(&mut h, 'z');
    assert_eq!(text_of(&h), SHOP);
    assert!(payload(&h)["properties"].get("order_id").is_some());
    assert!(!h.app.transform.is_dirty());
    ctrl(&mut h, 'y');
    assert!(payload(&h)["properties"].get("order_id").is_none());
    ctrl(&mut h, 'y');
    assert!(status(&h).contains("nothing to redo"), "{}", status(&h));
}

#[test]
fn saving_writes_the_mapping_text_with_its_comments() {
    let mut h = harness();
    select_row(&mut h, "properties.order_id");
    h.press(KeyCode::Char('X'));
    h.effects.clear();
    ctrl(&mut h, 's');
    let saved: Vec<(Option<PathBuf>, String)> = h
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Save { path, text, .. } => Some((path.clone(), text.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(saved.len(), 1);
    let (path, text) = &saved[0];
    assert_eq!(path.as_deref(), Some(std::path::Path::new(FILE)));
    assert_eq!(*text, text_of(&h));
    assert!(
        text.contains("# The shop's mapping: this comment stays"),
        "{text}"
    );
    assert!(
        !text.contains("function handler"),
        "the JavaScript is never saved"
    );
    h.send(Message::Saved {
        result: Ok(PathBuf::from(FILE)),
        text: text.clone(),
    });
    assert!(!h.app.transform.is_dirty());
}

#[test]
fn quitting_with_unsaved_mapping_changes_asks() {
    let mut h = harness();
    select_row(&mut h, "properties.order_id");
    h.press(KeyCode::Char('X'));
    h.press(KeyCode::Char('1'));
    h.press(KeyCode::Char('q'));
    assert!(matches!(
        h.app.overlay,
        Some(Overlay::Confirm(crate::model::app::Confirm::Quit))
    ));
}

#[test]
fn a_file_with_errors_shows_them_and_keeps_the_last_good_output() {
    let mut h = harness();
    let before = payload(&h);
    let broken = SHOP.replace("convert = \"money\"", "convert = \"monet\"");
    h.send(Message::FileChanged {
        path: PathBuf::from(FILE),
        contents: Ok(broken.clone()),
    });
    let mapping = h.app.transform.mapping.as_ref().expect("mapping");
    assert_eq!(mapping.text, broken);
    assert!(mapping.has_errors());
    let lines = mapping.diagnostic_lines();
    assert!(
        lines
            .iter()
            .any(|(_, l)| l.starts_with("shop.mapping.toml:") && l.contains("unknown-conversion")),
        "{lines:?}"
    );
    assert_eq!(payload(&h), before);
    assert!(status(&h).contains("error"), "{}", status(&h));
    // Fixed on disk again: it compiles and runs.
    h.send(Message::FileChanged {
        path: PathBuf::from(FILE),
        contents: Ok(SHOP.replace("Order Completed", "Order Placed")),
    });
    assert_eq!(payload(&h)["event"], "Order Placed");
}

#[test]
fn mapping_keys_do_nothing_for_a_javascript_transformation() {
    let mut h = Harness::new(120, 40);
    let text = h.app.transform.text();
    for c in [
        'p', 'c', 'V', 'P', 'X', '{', '}', 'T', 'E', 'O', 'A', 'a', 'J',
    ] {
        h.press(KeyCode::Char(c));
        assert!(h.app.overlay.is_none(), "{c}");
    }
    ctrl(&mut h, 'z');
    assert_eq!(h.app.transform.text(), text);
    assert!(!h.app.transform.is_dirty());
}

#[test]
fn the_built_in_mapping_is_saved_and_recovered_as_a_mapping_file() {
    let mut init = testing::init(120, 40);
    init.transform =
        hookbench_core::transform::presets::resolve("segment-complete.mapping").expect("built in");
    init.event = Some("payment.succeeded".to_string());
    let mut h = Harness::with_init(init);
    select_row(&mut h, "properties.order_id");
    h.press(KeyCode::Char('X'));
    h.effects.clear();
    ctrl(&mut h, 's');
    let saved: Vec<(Option<PathBuf>, String, &str)> = h
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Save {
                path, stem, ext, ..
            } => Some((path.clone(), stem.clone(), *ext)),
            _ => None,
        })
        .collect();
    assert_eq!(
        saved,
        [(None, "segment-complete".to_string(), "mapping.toml")],
        "a new file beside the others, never a .js"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let recovery = crate::model::message::Recovery {
        dir: dir.path().to_path_buf(),
        ..super::files::recovery(&h.app).expect("unsaved edits to keep")
    };
    let written = crate::runtime::files::write_recovery(&recovery).expect("kept");
    assert_eq!(
        written,
        dir.path().join("segment-complete.recovered.mapping.toml")
    );
    let kept = std::fs::read_to_string(&written).expect("read");
    assert_eq!(kept, text_of(&h));
    assert!(
        hookbench_core::mapping::parse::parse(&kept)
            .mapping
            .is_some()
    );
}

/// The flow the README walks through: from a new mapping to a lint-clean one for the payment and
/// subscription events, by picking fields, then saved and its handler copied for Dodo.
#[test]
fn from_a_new_mapping_to_payments_and_subscriptions_by_picking_fields() {
    let mut h = harness_on(
        &hookbench_core::mapping::edit::new_mapping("shop"),
        "payment.succeeded",
    );

    // A payment field, as is.
    select_field(&mut h, "data.payment_method");
    h.press(KeyCode::Char('p'));
    assert_eq!(
        pick_dialog(&h)
            .selected_target()
            .map(|t| t.target.join(".")),
        Some("properties.payment_method".to_string())
    );
    h.press(KeyCode::Enter);
    assert_eq!(payload(&h)["properties"]["payment_method"], "card");

    // A subscription event the mapping does not cover yet: a case, a name, fields picked.
    select_event(&mut h, "subscription.active");
    assert!(cancelled(&h));
    h.press(KeyCode::Char('3'));
    h.press(KeyCode::Char('a'));
    h.press(KeyCode::Char('E'));
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.type_text("Subscription Started");
    h.press(KeyCode::Enter);
    select_field(&mut h, "data.subscription_id");
    h.press(KeyCode::Char('p'));
    h.press(KeyCode::Enter);
    select_field(&mut h, "data.recurring_pre_tax_amount");
    h.press(KeyCode::Char('p'));
    let pick = pick_dialog(&h);
    assert_eq!(pick.name, "recurring_pre_tax_amount");
    h.press(KeyCode::Enter);
    let out = payload(&h);
    assert_eq!(out["event"], "Subscription Started", "{}", text_of(&h));
    assert_eq!(
        out["properties"]["subscription_id"],
        "sub_7EeHq2ewQuadropD2ra"
    );
    assert_eq!(
        out["properties"]["recurring_pre_tax_amount"], 10.0,
        "money preselected: 1000 cents of USD"
    );

    // The id goes to the family: every subscription event gets it, named from its type; and it
    // is the family's object id, so each event's messageId is its own.
    select_row(&mut h, "properties.subscription_id");
    h.press(KeyCode::Char('A'));
    select_field(&mut h, "data.subscription_id");
    h.press(KeyCode::Char('p'));
    while !pick_dialog(&h)
        .selected_target()
        .is_some_and(|t| t.object_id)
    {
        h.press(KeyCode::Down);
    }
    while pick_dialog(&h).part != PickPart::Table {
        h.press(KeyCode::Tab);
    }
    h.press(KeyCode::Down);
    assert_eq!(pick_dialog(&h).table, 1, "the family's table");
    h.press(KeyCode::Enter);
    assert!(
        text_of(&h).contains("[events.\"subscription.*\"]\nobject_id = \"data.subscription_id\""),
        "{}",
        text_of(&h)
    );
    select_event(&mut h, "subscription.renewed");
    let renewed = payload(&h);
    assert_eq!(renewed["event"], "Subscription Renewed", "{}", text_of(&h));
    assert!(renewed["properties"]["subscription_id"].is_string());

    // Lint-clean: no error on any payment or subscription event the mapping sends.
    for entry in h.app.events.entries() {
        let family = entry.key.split('.').next().unwrap_or("");
        if family != "payment" && family != "subscription" {
            continue;
        }
        let Some(result) = h.app.results.get(&entry.key) else {
            panic!("no result for {}", entry.key)
        };
        let errors: Vec<_> = result
            .record
            .diagnostics
            .iter()
            .filter(|d| d.severity == hookbench_core::segment::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", entry.key);
    }

    // Saved as the mapping's text, without a diagnostic; the handler copied for Dodo.
    h.effects.clear();
    ctrl(&mut h, 's');
    let saved = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Save { text, .. } => Some(text.clone()),
            _ => None,
        })
        .expect("saved");
    let diagnostics = hookbench_core::mapping::parse::parse(&saved).diagnostics;
    assert!(diagnostics.is_empty(), "{diagnostics:?}\n{saved}");
    h.press(KeyCode::Char('3'));
    h.press(KeyCode::Char('J'));
    h.effects.clear();
    h.press(KeyCode::Char('y'));
    let copied = h
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Copy(text) => Some(text.clone()),
            _ => None,
        })
        .expect("copied");
    assert!(copied.contains("function handler(webhook)"));
    assert_eq!(
        hookbench_core::mapping::embed::extract(&copied).expect("carries the mapping"),
        saved
    );
}
