use crate::mapping::parse::parse;

use crate::mapping::parse::tests::found;

#[test]
fn a_path_no_body_has_is_a_warning_naming_the_closest_field() {
    let text = "[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\nproperties.total = \"data.totl_amount\"\n";
    assert_eq!(found(text), [("unknown-path", 3, 20)]);
    let parsed = parse(text);
    assert!(parsed.mapping.is_some());
    assert!(
        parsed.diagnostics[0].message.contains("`total_amount`"),
        "{}",
        parsed.diagnostics[0].message
    );
}

fn messages(text: &str) -> Vec<String> {
    parse(text)
        .diagnostics
        .into_iter()
        .map(|d| d.message)
        .collect()
}

#[test]
fn a_path_counts_when_one_type_of_the_table_has_it() {
    // `data.refund_id` is a refund's, `data.payment_id` both: defaults apply to both.
    let text = "[defaults]\nproperties.payment_id = \"data.payment_id\"\nproperties.refund_id = \"data.refund_id\"\nproperties.nowhere = \"data.nowhere_id\"\n[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\n[events.\"refund.succeeded\"]\nobject_id = \"data.refund_id\"\n";
    assert_eq!(found(text), [("unknown-path", 4, 22)]);
    assert!(
        messages(text)[0].contains("any of the 2 types [defaults] applies to"),
        "{}",
        messages(text)[0]
    );
}

#[test]
fn defaults_ignore_cancelled_types() {
    // Only payment.processing has nothing like `data.refund_id`... and it is cancelled, so the
    // defaults' path is checked against refund.succeeded alone.
    let text = "[defaults]\nproperties.refund_id = \"data.refund_id\"\n[events.\"payment.processing\"]\ncancel = \"intermediate\"\n[events.\"refund.succeeded\"]\nobject_id = \"data.refund_id\"\n";
    assert_eq!(found(text), []);
    let not_cancelled = "[defaults]\nproperties.x = \"data.refund_id\"\n[events.\"payment.processing\"]\nobject_id = \"data.payment_id\"\n";
    assert_eq!(found(not_cancelled), [("unknown-path", 2, 16)]);
}

#[test]
fn first_warns_only_when_no_alternative_exists() {
    let ok = "[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\nuserId = { first = [\"data.nope\", \"data.customer.customer_id\"] }\n";
    assert_eq!(found(ok), []);
    let bad = "[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\nuserId = { first = [\"data.nope\", \"data.customer.nope\"] }\n";
    assert_eq!(found(bad), [("unknown-path", 3, 10)]);
}

#[test]
fn paths_inside_each_are_relative_to_the_item() {
    let ok = "[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\nproperties.products = { each = \"data.product_cart\", fields = { product_id = \"product_id\", quantity = \"quantity\" } }\n";
    assert_eq!(found(ok), []);
    let bad = "[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\nproperties.products = { each = \"data.product_cart\", fields = { product_id = \"data.product_id\" } }\n";
    assert_eq!(found(bad), [("unknown-path", 3, 77)]);
    assert!(
        messages(bad)[0].contains("inside the items of `data.product_cart.0`"),
        "{}",
        messages(bad)[0]
    );
}

#[test]
fn free_form_objects_and_families_and_templates() {
    let text = "[events.\"subscription.*\"]\nobject_id = \"data.subscription_id\"\nproperties.ref = 'data.metadata[\"order.ref\"]'\nmessageId = { template = \"{data.subscription_id}-{data.nope}\" }\n";
    assert_eq!(found(text), [("unknown-path", 4, 13)]);
}

#[test]
fn naming_style_warnings() {
    let text = "[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\nevent = \"order_completed\"\nproperties.orderId = \"data.payment_id\"\n[events.\"payment.failed\"]\nobject_id = \"data.payment_id\"\ncall = \"identify\"\nuserId = \"data.customer.customer_id\"\ntraits.firstName = \"data.customer.name\"\ntraits.Plan = \"data.currency\"\n[events.\"refund.succeeded\"]\nobject_id = \"data.refund_id\"\nevent = { path = \"type\" }\n";
    assert_eq!(
        found(text),
        [
            ("event-name-style", 3, 9),
            ("property-style", 4, 12),
            ("property-style", 10, 8),
        ]
    );
    let shown = messages(text);
    assert!(shown[0].contains("(`Order Completed`)"), "{}", shown[0]);
    assert!(shown[1].contains("(`order_id`)"), "{}", shown[1]);
    assert!(shown[2].starts_with("trait name `Plan`"), "{}", shown[2]);
}

#[test]
fn a_derived_message_id_without_object_id_is_a_warning() {
    let text = "[events.\"payment.succeeded\"]\nevent = \"Order Completed\"\n[events.\"refund.*\"]\nproperties.refund_id = \"data.refund_id\"\n[events.\"dispute.opened\"]\nmessageId = \"data.dispute_id\"\n";
    assert_eq!(
        found(text),
        [("no-object-id", 1, 9), ("no-object-id", 3, 9)]
    );
    let shown = messages(text);
    assert!(
        shown[0].contains("object_id = \"data.payment_id\""),
        "{}",
        shown[0]
    );
    assert!(
        shown[1].starts_with("refund.failed, refund.succeeded"),
        "{}",
        shown[1]
    );
}

#[test]
fn keys_beside_a_cancel_are_ignored() {
    let text = "[events.\"payment.processing\"]\ncancel = \"intermediate\"\nevent = \"Payment Processing\"\nobject_id = \"data.payment_id\"\n";
    assert_eq!(found(text), [("ignored-key", 3, 1), ("ignored-key", 4, 13)]);
    // A family's keys still apply to the member that undoes its cancel.
    let undone = "[events.\"refund.*\"]\ncancel = \"later\"\nobject_id = \"data.refund_id\"\n[events.\"refund.succeeded\"]\ncancel = false\n";
    assert_eq!(found(undone), []);
}

#[test]
fn objects_the_call_does_not_carry_are_warnings() {
    let text = "[defaults]\nobject_id = \"data.payment_id\"\n[events.\"payment.succeeded\"]\ntraits.email = \"data.customer.email\"\n[events.\"payment.failed\"]\ncall = \"identify\"\nuserId = \"data.customer.customer_id\"\nproperties.amount = \"data.total_amount\"\ncontext.traits.email = \"data.customer.email\"\n";
    assert_eq!(
        found(text),
        [("wrong-object", 4, 8), ("wrong-object", 8, 12)]
    );
    assert!(
        messages(text)[1].contains("not part of an identify call"),
        "{}",
        messages(text)[1]
    );
}
