use super::*;
use crate::mapping::model::{PathSegment, SourcePath};

const STD: &str = r#"# Shop
[mapping]
name = "shop"

[defaults]
userId = "data.customer.customer_id"   # who

[events."payment.succeeded"]
event = "Order Completed"
object_id = "data.payment_id"

[events."payment.succeeded".properties]
# the order
order_id = "data.payment_id"
total = { path = "data.total_amount", convert = "money", currency = "data.currency" }

[events."refund.succeeded"]
event = "Order Refunded"
"#;

const INLINE: &str = r#"[events."payment.succeeded"]
event = "Order Completed"
properties = { order_id = "data.payment_id", total = "data.total_amount" }
"#;

const DOTTED: &str = r#"[events."payment.succeeded"]
event = "Order Completed"
properties.order_id = "data.payment_id"  # id
properties.total = "data.total_amount"
context.ip = "data.ip"
"#;

fn path(text: &str) -> SourcePath {
    SourcePath {
        text: text.to_string(),
        segments: text
            .split('.')
            .map(|k| PathSegment::Key(k.to_string()))
            .collect(),
    }
}
fn t(s: &str) -> Vec<String> {
    s.split('.').map(str::to_string).collect()
}
fn paid() -> TableRef {
    TableRef::Event(Selector::Type("payment.succeeded".into()))
}

fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} is not in the text");
    text.replacen(from, to, 1)
}

fn family(prefix: &str) -> TableRef {
    TableRef::Event(Selector::Family(prefix.into()))
}

fn reparses(text: &str) {
    if let Err(e) = text.parse::<DocumentMut>() {
        panic!("{e}\n{text}");
    }
}

// ----- rule_value

#[test]
fn a_plain_path_is_written_as_a_string_and_a_constant_name_too() {
    let rule = Rule::path(path("data.payment_id"), 0..0);
    assert_eq!(
        rule_value(&t("properties.order_id"), &rule).to_string(),
        r#""data.payment_id""#
    );
    let name = Rule::constant("Order Completed".into(), 0..0);
    assert_eq!(
        rule_value(&t("event"), &name).to_string(),
        r#""Order Completed""#
    );
    // Anywhere but event/name/category a string is a path, so a constant keeps its key.
    assert_eq!(
        rule_value(&t("properties.plan"), &name).to_string(),
        r#"{ value = "Order Completed" }"#
    );
    // And a path for the event name needs its key.
    assert_eq!(
        rule_value(&t("event"), &rule).to_string(),
        r#"{ path = "data.payment_id" }"#
    );
}

#[test]
fn modifiers_are_written_in_their_order() {
    let rule = Rule {
        convert: Conversion::Money {
            currency: path("data.currency"),
        },
        minus: Some(path("data.tax")),
        omit: Omit::Never,
        required: true,
        ..Rule::path(path("data.total_amount"), 0..0)
    };
    assert_eq!(
        rule_value(&t("properties.revenue"), &rule).to_string(),
        r#"{ path = "data.total_amount", convert = "money", currency = "data.currency", minus = "data.tax", omit = "never", required = true }"#
    );
    let lookup = Rule {
        convert: Conversion::Lookup(vec![
            ("Month".into(), "monthly".into()),
            ("Year".into(), "yearly".into()),
        ]),
        omit: Omit::Empty,
        ..Rule::path(path("data.payment_frequency_interval"), 0..0)
    };
    assert_eq!(
        rule_value(&t("properties.interval"), &lookup).to_string(),
        r#"{ path = "data.payment_frequency_interval", convert = "lookup", lookup = { Month = "monthly", Year = "yearly" }, omit = "empty" }"#
    );
}

#[test]
fn every_source_has_its_key() {
    let rule = |source| Rule {
        source,
        ..Rule::path(path("x"), 0..0)
    };
    let first = rule(Source::First(vec![
        path("data.customer.customer_id"),
        path("data.customer_id"),
    ]));
    assert_eq!(
        rule_value(&t("userId"), &first).to_string(),
        r#"{ first = ["data.customer.customer_id", "data.customer_id"] }"#
    );
    let template = rule(Source::Template(vec![
        TemplatePart::Text("{id} ".into()),
        TemplatePart::Path(path("data.payment_id")),
    ]));
    assert_eq!(
        rule_value(&t("properties.label"), &template).to_string(),
        r#"{ template = "{{id}} {data.payment_id}" }"#
    );
    let env = rule(Source::Env("PLAN".into()));
    assert_eq!(
        rule_value(&t("properties.plan"), &env).to_string(),
        r#"{ env = "PLAN" }"#
    );
    let each = rule(Source::Each {
        path: path("data.product_cart"),
        fields: vec![
            FieldRule {
                target: t("product_id"),
                key_at: 0..0,
                rule: Rule::path(path("product_id"), 0..0),
            },
            FieldRule {
                target: t("kind"),
                key_at: 0..0,
                rule: Rule::constant("digital".into(), 0..0),
            },
            FieldRule {
                target: t("size.count"),
                key_at: 0..0,
                rule: Rule::path(path("quantity"), 0..0),
            },
        ],
    });
    assert_eq!(
        rule_value(&t("properties.products"), &each).to_string(),
        r#"{ each = "data.product_cart", fields = { product_id = "product_id", kind = { value = "digital" }, size = { count = "quantity" } } }"#
    );
    let constant = rule(Source::Value(
        serde_json::json!({"a": [1, 2.5, null], "b": null, "c": true}),
    ));
    assert_eq!(
        rule_value(&t("properties.x"), &constant).to_string(),
        r#"{ value = { a = [1, 2.5], c = true } }"#
    );
}

// ----- set_field

#[test]
fn setting_a_new_field_adds_it_beside_its_siblings() {
    let tax = Rule::path(path("data.tax"), 0..0);
    let target = t("properties.tax");
    let std = set_field(STD, &paid(), &target, &tax).unwrap();
    assert_eq!(
        std,
        replace(
            STD,
            "currency = \"data.currency\" }\n",
            "currency = \"data.currency\" }\ntax = \"data.tax\"\n"
        )
    );
    let inline = set_field(INLINE, &paid(), &target, &tax).unwrap();
    assert_eq!(
        inline,
        replace(
            INLINE,
            r#"total = "data.total_amount" }"#,
            r#"total = "data.total_amount", tax = "data.tax" }"#
        )
    );
    let dotted = set_field(DOTTED, &paid(), &target, &tax).unwrap();
    assert_eq!(
        dotted,
        replace(
            DOTTED,
            "properties.total = \"data.total_amount\"\n",
            "properties.total = \"data.total_amount\"\nproperties.tax = \"data.tax\"\n"
        )
    );
}

#[test]
fn setting_an_existing_field_replaces_its_value_in_place() {
    let rule = Rule {
        convert: Conversion::String,
        ..Rule::path(path("data.payment_id"), 0..0)
    };
    let target = t("properties.order_id");
    let new = r#"{ path = "data.payment_id", convert = "string" }"#;
    assert_eq!(
        set_field(STD, &paid(), &target, &rule).unwrap(),
        replace(
            STD,
            "order_id = \"data.payment_id\"",
            &format!("order_id = {new}")
        )
    );
    assert_eq!(
        set_field(INLINE, &paid(), &target, &rule).unwrap(),
        replace(
            INLINE,
            "order_id = \"data.payment_id\"",
            &format!("order_id = {new}")
        )
    );
    // The comment after the value stays.
    assert_eq!(
        set_field(DOTTED, &paid(), &target, &rule).unwrap(),
        replace(
            DOTTED,
            "properties.order_id = \"data.payment_id\"  # id",
            &format!("properties.order_id = {new}  # id")
        )
    );
    let user = Rule::path(path("data.customer_id"), 0..0);
    assert_eq!(
        set_field(STD, &TableRef::Defaults, &t("userId"), &user).unwrap(),
        replace(
            STD,
            "userId = \"data.customer.customer_id\"   # who",
            "userId = \"data.customer_id\"   # who"
        )
    );
}

#[test]
fn a_missing_object_becomes_a_sub_table_after_its_parent() {
    let email = Rule::path(path("data.customer.email"), 0..0);
    let target = t("context.traits.email");
    let block =
        "[events.\"payment.succeeded\".context.traits]\nemail = \"data.customer.email\"\n\n";
    assert_eq!(
        set_field(STD, &paid(), &target, &email).unwrap(),
        replace(
            STD,
            "[events.\"refund.succeeded\"]",
            &format!("{block}[events.\"refund.succeeded\"]")
        )
    );
    assert_eq!(
        set_field(INLINE, &paid(), &target, &email).unwrap(),
        format!(
            "{INLINE}\n{}",
            block.trim_end_matches('\n').to_string() + "\n"
        )
    );
    // Beside dotted keys, the new object is dotted too.
    assert_eq!(
        set_field(DOTTED, &paid(), &target, &email).unwrap(),
        format!("{DOTTED}context.traits.email = \"data.customer.email\"\n")
    );
}

#[test]
fn a_missing_event_table_is_created_with_its_sub_table() {
    let failed = TableRef::Event(Selector::Type("payment.failed".into()));
    let rule = Rule::path(path("data.error_message"), 0..0);
    let out = set_field(STD, &failed, &t("properties.reason"), &rule).unwrap();
    assert_eq!(
        out,
        replace(
            STD,
            "[events.\"refund.succeeded\"]",
            "[events.\"payment.failed\"]\n\n[events.\"payment.failed\".properties]\nreason = \"data.error_message\"\n\n[events.\"refund.succeeded\"]"
        )
    );
    let user = set_field(STD, &failed, &t("userId"), &rule).unwrap();
    assert_eq!(
        user,
        replace(
            STD,
            "[events.\"refund.succeeded\"]",
            "[events.\"payment.failed\"]\nuserId = \"data.error_message\"\n\n[events.\"refund.succeeded\"]"
        )
    );
    // In an empty file, the defaults come first.
    let defaults = set_field("", &TableRef::Defaults, &t("userId"), &rule).unwrap();
    assert_eq!(defaults, "[defaults]\nuserId = \"data.error_message\"\n");
}

#[test]
fn a_field_of_an_implicit_table_gets_its_header_before_the_sub_tables() {
    let text = "[events.\"payment.succeeded\".properties]\norder_id = \"data.payment_id\"\n";
    let out = set_field(
        text,
        &paid(),
        &t("userId"),
        &Rule::path(path("data.customer_id"), 0..0),
    )
    .unwrap();
    assert_eq!(
        out,
        "[events.\"payment.succeeded\"]\nuserId = \"data.customer_id\"\n[events.\"payment.succeeded\".properties]\norder_id = \"data.payment_id\"\n"
    );
    reparses(&out);
}

#[test]
fn set_field_errors() {
    let rule = Rule::path(path("data.tax"), 0..0);
    assert!(matches!(
        set_field("[defaults\n", &TableRef::Defaults, &t("userId"), &rule),
        Err(EditError::Toml(_))
    ));
    let text = "[events.\"payment.succeeded\"]\nproperties = \"data.x\"\n";
    let err = set_field(text, &paid(), &t("properties.tax"), &rule).unwrap_err();
    assert!(matches!(err, EditError::NotATable { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "`events.payment.succeeded.properties` is not a table, so it cannot hold `properties.tax`"
    );
    assert!(matches!(
        set_field("events = 3\n", &paid(), &t("userId"), &rule),
        Err(EditError::NotATable { .. })
    ));
    assert!(matches!(
        set_field(STD, &paid(), &[], &rule),
        Err(EditError::EmptyTarget)
    ));
}

// ----- remove_field

#[test]
fn removing_a_field_keeps_the_rest() {
    let target = t("properties.order_id");
    assert_eq!(
        remove_field(STD, &paid(), &target).unwrap(),
        replace(STD, "# the order\norder_id = \"data.payment_id\"\n", "")
    );
    assert_eq!(
        remove_field(INLINE, &paid(), &target).unwrap(),
        replace(INLINE, "order_id = \"data.payment_id\", ", "")
    );
    assert_eq!(
        remove_field(INLINE, &paid(), &t("properties.total")).unwrap(),
        replace(INLINE, ", total = \"data.total_amount\" }", " }")
    );
    assert_eq!(
        remove_field(DOTTED, &paid(), &target).unwrap(),
        replace(
            DOTTED,
            "properties.order_id = \"data.payment_id\"  # id\n",
            ""
        )
    );
}

#[test]
fn removing_the_last_key_of_a_sub_table_removes_it() {
    let once = remove_field(STD, &paid(), &t("properties.order_id")).unwrap();
    let twice = remove_field(&once, &paid(), &t("properties.total")).unwrap();
    assert_eq!(
        twice,
        replace(
            STD,
            "\n[events.\"payment.succeeded\".properties]\n# the order\norder_id = \"data.payment_id\"\ntotal = { path = \"data.total_amount\", convert = \"money\", currency = \"data.currency\" }\n",
            ""
        )
    );
    let dotted = remove_field(DOTTED, &paid(), &t("context.ip")).unwrap();
    assert_eq!(dotted, replace(DOTTED, "context.ip = \"data.ip\"\n", ""));
    // The rule table itself stays: an empty event table still maps its type.
    let refund = TableRef::Event(Selector::Type("refund.succeeded".into()));
    let out = remove_field(STD, &refund, &t("event")).unwrap();
    assert_eq!(out, replace(STD, "event = \"Order Refunded\"\n", ""));
}

#[test]
fn removing_a_missing_field_is_an_error() {
    let err = remove_field(STD, &paid(), &t("properties.nope")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "[events.\"payment.succeeded\"] has no field `properties.nope`"
    );
    assert!(matches!(
        remove_field(STD, &family("dispute"), &t("userId")),
        Err(EditError::NoSuchField { .. })
    ));
}

// ----- rename_field

#[test]
fn renaming_within_an_object_keeps_the_place() {
    let (from, to) = (t("properties.order_id"), t("properties.id"));
    assert_eq!(
        rename_field(STD, &paid(), &from, &to).unwrap(),
        replace(STD, "\norder_id = ", "\nid = ")
    );
    assert_eq!(
        rename_field(INLINE, &paid(), &from, &to).unwrap(),
        replace(INLINE, "{ order_id = ", "{ id = ")
    );
    assert_eq!(
        rename_field(DOTTED, &paid(), &from, &to).unwrap(),
        replace(DOTTED, "properties.order_id = ", "properties.id = ")
    );
}

#[test]
fn renaming_into_another_object_moves_the_field_to_its_end() {
    let (from, to) = (t("properties.order_id"), t("context.ip_source"));
    let dotted = rename_field(DOTTED, &paid(), &from, &to).unwrap();
    assert_eq!(
        dotted,
        "[events.\"payment.succeeded\"]\nevent = \"Order Completed\"\nproperties.total = \"data.total_amount\"\ncontext.ip = \"data.ip\"\ncontext.ip_source = \"data.payment_id\"  # id\n"
    );
    let std = rename_field(STD, &paid(), &from, &t("context.traits.id")).unwrap();
    let expected = replace(STD, "# the order\norder_id = \"data.payment_id\"\n", "");
    let expected = replace(
        &expected,
        "[events.\"refund.succeeded\"]",
        "[events.\"payment.succeeded\".context.traits]\n# the order\nid = \"data.payment_id\"\n\n[events.\"refund.succeeded\"]",
    );
    assert_eq!(std, expected);
}

#[test]
fn renaming_keeps_what_a_plain_string_means() {
    let text = "[events.\"payment.succeeded\"]\nevent = \"Order Completed\"  # fixed\nuserId = \"data.customer_id\"\n";
    assert_eq!(
        rename_field(text, &paid(), &t("event"), &t("properties.kind")).unwrap(),
        "[events.\"payment.succeeded\"]\nuserId = \"data.customer_id\"\n\n[events.\"payment.succeeded\".properties]\nkind = { value = \"Order Completed\" }  # fixed\n"
    );
    assert_eq!(
        rename_field(text, &paid(), &t("userId"), &t("name")).unwrap(),
        "[events.\"payment.succeeded\"]\nevent = \"Order Completed\"  # fixed\nname = { path = \"data.customer_id\" }\n"
    );
    assert_eq!(
        rename_field(text, &paid(), &t("event"), &t("category")).unwrap(),
        "[events.\"payment.succeeded\"]\ncategory = \"Order Completed\"  # fixed\nuserId = \"data.customer_id\"\n"
    );
}

#[test]
fn renaming_onto_an_existing_field_is_an_error() {
    let err = rename_field(
        STD,
        &paid(),
        &t("properties.order_id"),
        &t("properties.total"),
    )
    .unwrap_err();
    assert!(matches!(err, EditError::TargetExists { .. }), "{err:?}");
    assert!(matches!(
        rename_field(STD, &paid(), &t("properties.nope"), &t("properties.x")),
        Err(EditError::NoSuchField { .. })
    ));
    assert_eq!(
        rename_field(STD, &paid(), &t("properties.total"), &t("properties.total")).unwrap(),
        STD
    );
}

// ----- move_field

#[test]
fn moving_swaps_with_the_neighbour_and_stops_at_the_ends() {
    let target = t("properties.order_id");
    let std = move_field(STD, &paid(), &target, false).unwrap();
    assert_eq!(
        std,
        replace(
            STD,
            "# the order\norder_id = \"data.payment_id\"\ntotal = { path = \"data.total_amount\", convert = \"money\", currency = \"data.currency\" }\n",
            "total = { path = \"data.total_amount\", convert = \"money\", currency = \"data.currency\" }\n# the order\norder_id = \"data.payment_id\"\n"
        )
    );
    assert_eq!(move_field(&std, &paid(), &target, true).unwrap(), STD);
    assert_eq!(move_field(STD, &paid(), &target, true).unwrap(), STD);
    assert_eq!(
        move_field(STD, &paid(), &t("properties.total"), false).unwrap(),
        STD
    );
    assert_eq!(
        move_field(INLINE, &paid(), &target, false).unwrap(),
        replace(
            INLINE,
            "{ order_id = \"data.payment_id\", total = \"data.total_amount\" }",
            "{ total = \"data.total_amount\", order_id = \"data.payment_id\" }"
        )
    );
    assert_eq!(
        move_field(DOTTED, &paid(), &t("properties.total"), true).unwrap(),
        replace(
            DOTTED,
            "properties.order_id = \"data.payment_id\"  # id\nproperties.total = \"data.total_amount\"\n",
            "properties.total = \"data.total_amount\"\nproperties.order_id = \"data.payment_id\"  # id\n"
        )
    );
    // Keys move among keys: the sub-table after `object_id` is not a neighbour.
    assert_eq!(
        move_field(STD, &paid(), &t("object_id"), false).unwrap(),
        STD
    );
    assert_eq!(
        move_field(STD, &paid(), &t("object_id"), true).unwrap(),
        replace(
            STD,
            "event = \"Order Completed\"\nobject_id = \"data.payment_id\"\n",
            "object_id = \"data.payment_id\"\nevent = \"Order Completed\"\n"
        )
    );
    assert!(matches!(
        move_field(STD, &paid(), &t("properties.nope"), true),
        Err(EditError::NoSuchField { .. })
    ));
}

// ----- meta keys

#[test]
fn call_event_name_and_object_id() {
    let refund = TableRef::Event(Selector::Type("refund.succeeded".into()));
    assert_eq!(
        set_call(STD, &refund, Call::Identify).unwrap(),
        format!("{STD}call = \"identify\"\n")
    );
    assert_eq!(
        set_event_name(STD, &refund, "Refund Issued").unwrap(),
        replace(STD, "\"Order Refunded\"", "\"Refund Issued\"")
    );
    assert_eq!(
        set_object_id(
            STD,
            &paid(),
            &Rule::path(path("data.checkout_session_id"), 0..0)
        )
        .unwrap(),
        replace(
            STD,
            "object_id = \"data.payment_id\"",
            "object_id = \"data.checkout_session_id\""
        )
    );
}

#[test]
fn cancel_and_mapping_again() {
    let processing = "[events.\"payment.processing\"]\ncancel = \"intermediate\"  # why\n";
    let own = TableRef::Event(Selector::Type("payment.processing".into()));
    assert_eq!(
        set_cancel(processing, &own, Some("later")).unwrap(),
        "[events.\"payment.processing\"]\ncancel = \"later\"  # why\n"
    );
    assert_eq!(
        set_cancel(processing, &own, None).unwrap(),
        "[events.\"payment.processing\"]\n"
    );
    // Nothing to undo.
    assert_eq!(set_cancel(STD, &paid(), None).unwrap(), STD);
    // The family cancels: the type undoes it.
    let text = "[events.\"dispute.*\"]\ncancel = \"not tracked\"\n\n[events.\"dispute.opened\"]\ncancel = \"x\"\n";
    let opened = TableRef::Event(Selector::Type("dispute.opened".into()));
    assert_eq!(
        set_cancel(text, &opened, None).unwrap(),
        "[events.\"dispute.*\"]\ncancel = \"not tracked\"\n\n[events.\"dispute.opened\"]\ncancel = false\n"
    );
    let won = TableRef::Event(Selector::Type("dispute.won".into()));
    assert_eq!(
        set_cancel(text, &won, None).unwrap(),
        format!("{text}\n[events.\"dispute.won\"]\ncancel = false\n")
    );
}

// ----- add_event

#[test]
fn adding_an_event_names_it_and_places_it() {
    assert_eq!(
        add_event(STD, "dispute.opened").unwrap(),
        format!("{STD}\n[events.\"dispute.opened\"]\nevent = \"Dispute Opened\"\n")
    );
    // Next to the tables of its family.
    assert_eq!(
        add_event(STD, "payment.failed").unwrap(),
        replace(
            STD,
            "[events.\"refund.succeeded\"]",
            "[events.\"payment.failed\"]\nevent = \"Payment Failed\"\n\n[events.\"refund.succeeded\"]"
        )
    );
    assert_eq!(add_event(STD, "payment.succeeded").unwrap(), STD);
    // Not a track call: no event name.
    let text = "[events.\"subscription.*\"]\ncall = \"identify\"\n";
    assert_eq!(
        add_event(text, "subscription.active").unwrap(),
        format!("{text}\n[events.\"subscription.active\"]\n")
    );
    assert_eq!(
        add_event("", "subscription.on_hold").unwrap(),
        "[events.\"subscription.on_hold\"]\nevent = \"Subscription On Hold\"\n"
    );
}

// ----- move_to_family

#[test]
fn moving_to_the_family_creates_it_before_its_members() {
    let out = move_to_family(STD, "payment.succeeded", &t("properties.order_id")).unwrap();
    let expected = replace(STD, "# the order\norder_id = \"data.payment_id\"\n", "");
    let expected = replace(
        &expected,
        "[events.\"payment.succeeded\"]\n",
        "[events.\"payment.*\"]\n\n[events.\"payment.*\".properties]\n# the order\norder_id = \"data.payment_id\"\n\n[events.\"payment.succeeded\"]\n",
    );
    assert_eq!(out, expected);
    // The file's first table was the member's: it now has a blank line before it.
    let inline = move_to_family(INLINE, "payment.succeeded", &t("properties.order_id")).unwrap();
    assert_eq!(
        inline,
        "[events.\"payment.*\"]\n\n[events.\"payment.*\".properties]\norder_id = \"data.payment_id\"\n\n[events.\"payment.succeeded\"]\nevent = \"Order Completed\"\nproperties = { total = \"data.total_amount\" }\n"
    );
}

#[test]
fn moving_to_an_existing_family_replaces_its_rule_and_leaves_other_members() {
    let text = r#"[events."subscription.*"]
object_id = "data.subscription_id"

[events."subscription.active"]
event = "Subscription Started"
userId = "data.customer.customer_id"

[events."subscription.renewed"]
userId = "data.customer_id"
"#;
    let out = move_to_family(text, "subscription.active", &t("userId")).unwrap();
    assert_eq!(
        out,
        r#"[events."subscription.*"]
object_id = "data.subscription_id"
userId = "data.customer.customer_id"

[events."subscription.active"]
event = "Subscription Started"

[events."subscription.renewed"]
userId = "data.customer_id"
"#
    );
    assert!(matches!(
        move_to_family(text, "subscription.active", &t("properties.x")),
        Err(EditError::NoSuchField { .. })
    ));
    assert!(matches!(
        move_to_family(text, "custom", &t("userId")),
        Err(EditError::NoFamily(_))
    ));
}

// ----- new_mapping

#[test]
fn a_new_mapping_is_toml_and_quotes_its_name() {
    let text = new_mapping("shop \"eu\"");
    reparses(&text);
    let doc: DocumentMut = text.parse().unwrap();
    assert_eq!(doc["mapping"]["name"].as_str(), Some("shop \"eu\""));
    assert_eq!(
        doc["defaults"]["region"]["env"].as_str(),
        Some("SEGMENT_REGION")
    );
    assert!(doc["events"]["payment.succeeded"]["properties"].is_table());
}

// ----- every output parses

/// The format's own example.
const BIG: &str = include_str!("example.mapping.toml");

/// Every operation on every field of every table of `text`.
pub(super) fn every_edit(text: &str) -> Vec<(String, String)> {
    let doc: DocumentMut = text.parse().unwrap();
    let mut tables = vec![TableRef::Defaults];
    if let Some(events) = doc.get("events").and_then(Item::as_table_like) {
        for (key, _) in events.iter() {
            tables.push(TableRef::Event(selector_of(key)));
        }
    }
    let mut fields: Vec<(TableRef, Vec<String>)> = Vec::new();
    for table in &tables {
        let Some(item) = item_ref(&doc, &table.path()) else {
            continue;
        };
        collect_leaves(item, &mut Vec::new(), &mut |target| {
            fields.push((table.clone(), target))
        });
    }
    let rule = Rule {
        convert: Conversion::Number,
        ..Rule::path(path("data.total_amount"), 0..0)
    };
    let mut out = Vec::new();
    let mut record = |what: String, result: Result<String, EditError>| match result {
        Ok(text) => out.push((what, text)),
        Err(EditError::NoSuchField { .. } | EditError::TargetExists { .. }) => {}
        Err(e) => panic!("{what}: {e}"),
    };
    // Meta keys have their own edits below.
    fields.retain(|(_, target)| {
        !matches!(target.as_slice(), [key] if ["call", "object_id", "cancel", "region"].contains(&key.as_str()))
    });
    for (table, target) in &fields {
        let what = format!("{} {}", table.header(), target.join("."));
        record(format!("set {what}"), set_field(text, table, target, &rule));
        record(format!("remove {what}"), remove_field(text, table, target));
        // Top-level names are Segment's; only an object's keys are the user's to name.
        if target.len() > 1 {
            let mut renamed = target.clone();
            if let Some(last) = renamed.last_mut() {
                last.push_str("_2");
            }
            record(
                format!("rename {what}"),
                rename_field(text, table, target, &renamed),
            );
        }
        record(
            format!("rename across {what}"),
            rename_field(text, table, target, &t("context.traits.moved")),
        );
        record(format!("up {what}"), move_field(text, table, target, true));
        record(
            format!("down {what}"),
            move_field(text, table, target, false),
        );
        if let TableRef::Event(Selector::Type(event_type)) = table
            && event_type.contains('.')
        {
            record(
                format!("to family {what}"),
                move_to_family(text, event_type, target),
            );
        }
    }
    for table in &tables {
        let what = table.header();
        record(format!("call {what}"), set_call(text, table, Call::Group));
        record(
            format!("name {what}"),
            set_event_name(text, table, "Thing Done"),
        );
        record(
            format!("object id {what}"),
            set_object_id(text, table, &Rule::path(path("data.payment_id"), 0..0)),
        );
        record(
            format!("cancel {what}"),
            set_cancel(text, table, Some("no")),
        );
        record(format!("uncancel {what}"), set_cancel(text, table, None));
        record(
            format!("new field {what}"),
            set_field(
                text,
                table,
                &t("integrations.All"),
                &Rule::constant(false.into(), 0..0),
            ),
        );
    }
    for event_type in [
        "dispute.opened",
        "payment.failed",
        "subscription.renewed",
        "refund.*",
    ] {
        record(format!("add {event_type}"), add_event(text, event_type));
    }
    out
}

fn collect_leaves(item: &Item, at: &mut Vec<String>, found: &mut dyn FnMut(Vec<String>)) {
    let Some(table) = item.as_table_like() else {
        return;
    };
    for (key, child) in table.iter() {
        at.push(key.to_string());
        let is_object = child.is_table_like()
            && !at.is_empty()
            && matches!(
                at[0].as_str(),
                "properties" | "traits" | "context" | "integrations"
            )
            && !child.as_table_like().is_some_and(|t| {
                ["path", "value", "template", "first", "env", "each"]
                    .iter()
                    .any(|k| t.contains_key(k))
            });
        if is_object {
            collect_leaves(child, at, found);
        } else {
            found(at.clone());
        }
        at.pop();
    }
}

#[test]
fn every_output_of_every_edit_parses() {
    for text in [STD, INLINE, DOTTED, BIG, &new_mapping("shop")] {
        let edits = every_edit(text);
        assert!(edits.len() > 20, "{}", edits.len());
        for (what, out) in edits {
            if let Err(e) = out.parse::<DocumentMut>() {
                panic!("{what}: {e}\n{out}");
            }
        }
    }
}

#[test]
fn edits_of_the_example_keep_its_comments() {
    let out = set_field(
        BIG,
        &paid(),
        &t("properties.tax"),
        &Rule::path(path("data.tax"), 0..0),
    )
    .unwrap();
    for line in BIG.lines() {
        assert!(out.contains(line), "{line:?} lost");
    }
}

fn no_errors(what: &str, text: &str) {
    let parsed = crate::mapping::parse::parse(text);
    let errors: Vec<_> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::mapping::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}\n{text}");
}

#[test]
fn every_edit_of_the_example_reads_without_an_error() {
    no_errors("the example", BIG);
    for (what, out) in every_edit(BIG) {
        no_errors(&what, &out);
    }
}

#[test]
fn a_new_mapping_has_no_diagnostic_at_all() {
    let parsed = crate::mapping::parse::parse(&new_mapping("shop"));
    assert_eq!(parsed.diagnostics, []);
    assert!(parsed.mapping.is_some());
}
