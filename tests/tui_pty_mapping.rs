//! The mapping editor in a real terminal: the binary started on a `*.mapping.toml`, a field of
//! the body picked into the mapping from the Webhook pane, the new property seen in the Segment
//! pane, and a clean quit (dropping the unsaved change when asked).
//!
//! Each run is sandboxed as in `tui_pty.rs`: a temp dir as working directory, `HOME` and
//! `XDG_CONFIG_HOME` inside it, no `$EDITOR`; the mapping file lives in a temp dir of its own.

mod common;

use common::pty::Workbench;

const SHOP: &str = r#"# The shop's mapping.
[mapping]
name = "shop"

[defaults]
userId = { first = ["data.customer.customer_id", "data.customer_id"], required = true }

[events."payment.succeeded"]
event = "Order Completed"
object_id = "data.payment_id"

[events."payment.succeeded".properties]
order_id = "data.payment_id"
"#;

#[test]
fn a_body_field_picked_into_the_mapping_shows_in_the_segment_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("shop.mapping.toml");
    std::fs::write(&file, SHOP).expect("write the mapping");
    let file = file.to_string_lossy().into_owned();
    let mut w = Workbench::spawn(
        &["--transform", &file, "--event", "payment.succeeded"],
        180,
        45,
    );
    w.wait_for_text("Order Completed");
    w.wait_for_text("order_id");
    // The Webhook pane's field cursor, down to `data.card_last_four` (the 12th field).
    w.press("2");
    w.wait_for_text("p pick");
    for _ in 0..11 {
        w.press("j");
    }
    w.press("p");
    w.wait_for_text("data.card_last_four");
    w.wait_for_text("properties.card_last_four");
    w.press("\r");
    // The body shows the field too, so the Segment pane (the rightmost quarter at 180 columns)
    // is where the output must have it; the Transform pane's title marks the unsaved change.
    w.wait_for("the picked property in the Segment pane", |w| {
        w.screen().lines().any(|row| {
            row.char_indices()
                .filter(|(_, c)| *c == '"')
                .any(|(at, _)| {
                    row[at..].starts_with("\"card_last_four\": \"4242\"")
                        && row[..at].chars().count() > 135
                })
        })
    });
    assert!(
        w.screen()
            .lines()
            .next()
            .is_some_and(|top| top.contains("shop.mapping.toml ●")),
        "{}",
        w.screen()
    );
    w.press("q");
    w.wait_for_text("quit without saving");
    w.press("d");
    let status = w.wait_exit();
    assert!(status.success(), "{status:?}");
    // Nothing was written: the file is as it was.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("shop.mapping.toml")).expect("read"),
        SHOP
    );
}
