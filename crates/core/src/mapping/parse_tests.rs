use super::*;
use crate::mapping::line_column;
use crate::mapping::model::{PathSegment, TemplatePart};
use serde_json::json;

/// The example of the format's description, whole.
const EXAMPLE: &str = include_str!("example.mapping.toml");

fn path(text: &str) -> SourcePath {
    crate::mapping::path::parse_path(text).expect("a valid path")
}

fn mapping(text: &str) -> Mapping {
    let parsed = parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    parsed.mapping.expect("a mapping")
}

/// Each diagnostic as (code, line, column).
pub(crate) fn found(text: &str) -> Vec<(&'static str, usize, usize)> {
    parse(text)
        .diagnostics
        .iter()
        .map(|d| {
            let (line, column) = line_column(text, d.at.start);
            (d.code, line, column)
        })
        .collect()
}

fn messages(text: &str) -> Vec<String> {
    parse(text)
        .diagnostics
        .into_iter()
        .map(|d| d.message)
        .collect()
}

fn field<'m>(rules: &'m Rules, dotted: &str) -> &'m FieldRule {
    rules
        .fields
        .iter()
        .find(|f| f.dotted() == dotted)
        .unwrap_or_else(|| panic!("no field {dotted}"))
}

#[test]
fn the_example_parses_clean() {
    let m = mapping(EXAMPLE);
    assert_eq!(m.name.as_deref(), Some("shop"));
    assert_eq!(m.description.as_deref(), Some("Shop analytics"));
    assert_eq!(m.defaults.call.as_ref().map(|c| c.value), Some(Call::Track));
    assert_eq!(
        m.defaults.region.as_ref().map(|r| r.value.clone()),
        Some(Region::Env {
            name: "SEGMENT_REGION".into(),
            default: FixedRegion::Us
        })
    );
    let user_id = field(&m.defaults, "userId");
    assert_eq!(
        user_id.rule.source,
        Source::First(vec![
            path("data.customer.customer_id"),
            path("data.customer_id")
        ])
    );
    assert!(user_id.rule.required);
    assert_eq!(line_column(EXAMPLE, user_id.key_at.start), (9, 1));
    assert_eq!(line_column(EXAMPLE, user_id.rule.at.start), (9, 10));
    assert_eq!(
        field(&m.defaults, "timestamp").rule.convert,
        Conversion::Time
    );
    let email = field(&m.defaults, "context.traits.email");
    assert_eq!(email.rule.source, Source::Path(path("data.customer.email")));
    assert_eq!(line_column(EXAMPLE, email.key_at.start), (14, 1));

    let selectors: Vec<Selector> = m.events.iter().map(|e| e.selector.clone()).collect();
    assert_eq!(
        selectors,
        vec![
            Selector::Type("payment.succeeded".into()),
            Selector::Type("payment.processing".into()),
            Selector::Family("subscription".into()),
            Selector::Type("subscription.active".into()),
        ]
    );
    let paid = &m.events[0];
    assert_eq!(line_column(EXAMPLE, paid.key_at.start), (17, 9));
    assert_eq!(
        field(&paid.rules, "event").rule.source,
        Source::Value(json!("Order Completed"))
    );
    assert_eq!(
        paid.rules.object_id.as_ref().map(|r| r.source.clone()),
        Some(Source::Path(path("data.payment_id")))
    );
    let targets: Vec<String> = paid.rules.fields.iter().map(FieldRule::dotted).collect();
    assert_eq!(
        targets,
        [
            "event",
            "properties.order_id",
            "properties.total",
            "properties.revenue",
            "properties.currency",
            "properties.products"
        ]
    );
    let revenue = field(&paid.rules, "properties.revenue");
    assert_eq!(revenue.rule.minus, Some(path("data.tax")));
    assert_eq!(
        revenue.rule.convert,
        Conversion::Money {
            currency: path("data.currency")
        }
    );
    assert_eq!(line_column(EXAMPLE, revenue.key_at.start), (24, 1));
    assert_eq!(
        field(&paid.rules, "properties.currency").rule.convert,
        Conversion::Currency
    );
    let Source::Each { path: cart, fields } =
        &field(&paid.rules, "properties.products").rule.source
    else {
        panic!("each");
    };
    assert_eq!(cart, &path("data.product_cart"));
    assert_eq!(
        fields
            .iter()
            .map(|f| (f.dotted(), f.rule.source.clone()))
            .collect::<Vec<_>>(),
        vec![
            ("product_id".to_string(), Source::Path(path("product_id"))),
            ("quantity".to_string(), Source::Path(path("quantity"))),
        ]
    );
    assert_eq!(
        m.events[1].rules.cancel.as_ref().map(|c| c.value.clone()),
        Some(Cancel::Because(
            "an intermediate state: payment.succeeded or payment.failed follows".into()
        ))
    );
}

#[test]
fn inline_standard_and_dotted_tables_read_alike() {
    let standard = "[events.\"refund.succeeded\"]\nobject_id = \"data.refund_id\"\n[events.\"refund.succeeded\".properties]\nrefund_id = \"data.refund_id\"\n[events.\"refund.succeeded\".context.traits]\nemail = \"data.customer.email\"\n";
    let inline = "[events.\"refund.succeeded\"]\nobject_id = \"data.refund_id\"\nproperties = { refund_id = \"data.refund_id\" }\ncontext = { traits = { email = \"data.customer.email\" } }\n";
    let dotted = "[events.\"refund.succeeded\"]\nobject_id = \"data.refund_id\"\nproperties.refund_id = \"data.refund_id\"\ncontext.traits.email = \"data.customer.email\"\n";
    let whole = "events = { \"refund.succeeded\" = { object_id = \"data.refund_id\", properties = { refund_id = \"data.refund_id\" }, context.traits.email = \"data.customer.email\" } }\n";
    let read = |text: &str| {
        let m = mapping(text);
        m.events[0]
            .rules
            .fields
            .iter()
            .map(|f| (f.dotted(), f.rule.source.clone()))
            .collect::<Vec<_>>()
    };
    let expected = vec![
        (
            "properties.refund_id".to_string(),
            Source::Path(path("data.refund_id")),
        ),
        (
            "context.traits.email".to_string(),
            Source::Path(path("data.customer.email")),
        ),
    ];
    for text in [standard, inline, dotted, whole] {
        assert_eq!(read(text), expected, "{text}");
    }
}

#[test]
fn a_rule_may_be_a_standard_table() {
    let text = "[events.\"refund.succeeded\"]\nobject_id = \"data.refund_id\"\n[events.\"refund.succeeded\".properties.amount]\npath = \"data.amount\"\nconvert = \"money\"\ncurrency = \"data.currency\"\n";
    let m = mapping(text);
    let amount = field(&m.events[0].rules, "properties.amount");
    assert_eq!(amount.rule.source, Source::Path(path("data.amount")));
    assert!(matches!(amount.rule.convert, Conversion::Money { .. }));
}

#[test]
fn every_source_and_modifier_reads() {
    let text = r#"[events."subscription.renewed"]
object_id = "data.subscription_id"
name = "Renewal"
category = { value = 7 }
messageId = { template = "sub-{data.subscription_id}-{{x}}" }
anonymousId = { env = "ANON" }
[events."subscription.renewed".properties]
raw = { value = { a = [1, 2.5, true], when = 1979-05-27T07:32:00Z } }
plan = { path = "data.payment_frequency_interval", lookup = { Month = "monthly", Year = "yearly", Day = 1 } }
plan2 = { path = "data.payment_frequency_interval", convert = "lookup", lookup = { Week = "weekly" } }
flag = { path = "data.on_demand", convert = "boolean", omit = "never" }
amount = { path = "data.recurring_pre_tax_amount", convert = "number", omit = "empty" }
code = { path = "data.currency", convert = "lower" }
meta = { path = 'data.metadata["order.ref"]', convert = "upper" }
text = { path = "data.quantity", convert = "string", required = false }
same = { path = "data.quantity", convert = "as-is" }
"#;
    let m = mapping(text);
    let rules = &m.events[0].rules;
    assert_eq!(
        field(rules, "name").rule.source,
        Source::Value(json!("Renewal"))
    );
    assert_eq!(
        field(rules, "category").rule.source,
        Source::Value(json!(7))
    );
    assert_eq!(
        field(rules, "messageId").rule.source,
        Source::Template(vec![
            TemplatePart::Text("sub-".into()),
            TemplatePart::Path(path("data.subscription_id")),
            TemplatePart::Text("-{x}".into()),
        ])
    );
    assert_eq!(
        field(rules, "anonymousId").rule.source,
        Source::Env("ANON".into())
    );
    assert_eq!(
        field(rules, "properties.raw").rule.source,
        Source::Value(json!({ "a": [1, 2.5, true], "when": "1979-05-27T07:32:00Z" }))
    );
    assert_eq!(
        field(rules, "properties.plan").rule.convert,
        Conversion::Lookup(vec![
            ("Month".into(), json!("monthly")),
            ("Year".into(), json!("yearly")),
            ("Day".into(), json!(1)),
        ])
    );
    assert_eq!(
        field(rules, "properties.plan2").rule.convert,
        Conversion::Lookup(vec![("Week".into(), json!("weekly"))])
    );
    let flag = &field(rules, "properties.flag").rule;
    assert_eq!(
        (flag.convert.clone(), flag.omit),
        (Conversion::Boolean, Omit::Never)
    );
    let amount = &field(rules, "properties.amount").rule;
    assert_eq!(
        (amount.convert.clone(), amount.omit),
        (Conversion::Number, Omit::Empty)
    );
    assert_eq!(
        field(rules, "properties.code").rule.convert,
        Conversion::Lower
    );
    let meta = &field(rules, "properties.meta").rule;
    assert_eq!(meta.convert, Conversion::Upper);
    assert_eq!(
        meta.source,
        Source::Path(SourcePath {
            text: r#"data.metadata["order.ref"]"#.into(),
            segments: vec![
                PathSegment::Key("data".into()),
                PathSegment::Key("metadata".into()),
                PathSegment::Key("order.ref".into()),
            ],
        })
    );
    assert_eq!(
        field(rules, "properties.text").rule.convert,
        Conversion::String
    );
    assert_eq!(
        field(rules, "properties.same").rule.convert,
        Conversion::AsIs
    );
}

#[test]
fn cancel_false_regions_calls_and_nested_each() {
    let text = r#"[defaults]
region = "eu"
[events."subscription.*"]
cancel = "not yet"
[events."subscription.active"]
cancel = false
call = "identify"
userId = "data.customer.customer_id"
traits.plan = "data.product_id"
[events."payment.succeeded"]
object_id = "data.payment_id"
properties.items = { each = "data.product_cart", fields = { id = { path = "product_id", required = true }, meta = { each = "data.nothing", fields = { x = "y" } } } }
"#;
    let parsed = parse(text);
    let m = parsed.mapping.expect("no errors");
    assert_eq!(m.defaults.region.map(|r| r.value), Some(Region::Eu));
    let active = &m.events[1].rules;
    assert_eq!(
        active.cancel.as_ref().map(|c| c.value.clone()),
        Some(Cancel::No)
    );
    assert_eq!(active.call.as_ref().map(|c| c.value), Some(Call::Identify));
    let Source::Each { fields, .. } = &field(&m.events[2].rules, "properties.items").rule.source
    else {
        panic!("each");
    };
    assert!(fields[0].rule.required);
    assert!(
        matches!(&fields[1].rule.source, Source::Each { fields, .. } if fields[0].dotted() == "x")
    );

    let m = mapping("[defaults]\nregion = { env = \"R\", default = \"eu\" }\n");
    assert_eq!(
        m.defaults.region.map(|r| r.value),
        Some(Region::Env {
            name: "R".into(),
            default: FixedRegion::Eu
        })
    );
}

#[test]
fn a_toml_syntax_error_is_one_error_at_its_place() {
    let text = "[defaults]\ncall = \"track\"\nuserId = = 3\n";
    let parsed = parse(text);
    assert!(parsed.mapping.is_none());
    assert_eq!(found(text), [("toml", 3, 10)]);
}

#[test]
fn unknown_keys_are_errors_with_a_suggestion() {
    let text = "[mapping]\nnam = \"x\"\n[events.\"payment.succeeded\"]\nevnt = \"Order Completed\"\n[events.\"payment.succeeded\".properties]\ntotal = { pth = \"data.total_amount\" }\n[extra]\n";
    assert_eq!(
        found(text),
        [
            ("unknown-key", 2, 1),
            ("unknown-key", 4, 1),
            ("bad-rule", 6, 9),
            ("unknown-key", 6, 11),
            ("unknown-key", 7, 2),
        ]
    );
    let shown = messages(text);
    assert_eq!(
        shown[1],
        "unknown key `evnt` in [events.\"payment.succeeded\"]; did you mean `event`?"
    );
    assert!(shown[0].contains("did you mean `name`?"), "{}", shown[0]);
    assert!(shown[3].contains("did you mean `path`?"), "{}", shown[3]);
    assert!(
        shown[4].contains("expected one of: mapping, defaults, events"),
        "{}",
        shown[4]
    );
}

#[test]
fn every_error_code_is_at_its_key_or_value() {
    // One error of each kind in one file: all are reported, in file order.
    let text = r#"[defaults]
call = "trak"
region = "asia"

[events."payment.succeded"]

[events."payment.succeeded".properties]
total = { path = "data.total_amount", convert = "mony" }
cart = "data.product_cart[x].product_id"
both = { path = "data.a", value = 1 }
money = { path = "data.total_amount", convert = "money" }
code = { path = "data.currency", currency = "data.currency" }
count = 3

[events."nothing.*"]
region = "eu"
"#;
    assert_eq!(
        found(text),
        [
            ("bad-call", 2, 8),
            ("bad-region", 3, 10),
            ("unknown-event-type", 5, 9),
            ("unknown-conversion", 8, 49),
            ("bad-path", 9, 27),
            ("bad-rule", 10, 27),
            ("bad-rule", 11, 49),
            ("bad-rule", 12, 34),
            ("bad-rule", 13, 9),
            ("unknown-event-type", 15, 9),
            ("bad-region", 16, 1),
        ]
    );
    let shown = messages(text);
    assert_eq!(
        shown[0],
        "unknown call `trak` in [defaults]; did you mean `track`?"
    );
    assert!(
        shown[2].contains("did you mean `payment.succeeded`"),
        "{}",
        shown[2]
    );
    assert_eq!(
        shown[3],
        "unknown conversion `mony` in `total` in [events.\"payment.succeeded\".properties]; did you mean `money`?"
    );
    assert!(shown[4].contains("index is not a number"), "{}", shown[4]);
    assert!(
        shown[5].contains("two sources, `path` and `value`"),
        "{}",
        shown[5]
    );
    assert!(
        shown[6].contains("needs `currency = \"<path>\"`"),
        "{}",
        shown[6]
    );
    assert!(
        shown[7].contains("goes with convert = \"money\""),
        "{}",
        shown[7]
    );
    assert!(parse(text).mapping.is_none());
}

#[test]
fn an_unknown_conversion_far_from_anything_lists_the_conversions() {
    let text = "[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\n\n\n\n[events.\"payment.succeeded\".properties]\ntotal = { path = \"data.x\", convert = \"zzz\" }\n";
    assert_eq!(found(text), [("unknown-conversion", 7, 38)]);
    assert!(
        messages(text)[0].ends_with(
            "expected one of: as-is, number, string, boolean, money, time, lower, upper, currency, lookup"
        ),
        "{}",
        messages(text)[0]
    );
}

#[test]
fn path_errors_point_inside_the_string_when_they_can() {
    // A plain string: the character at fault. With an escape: the whole string.
    let text = "[events.\"payment.succeeded\"]\nobject_id = \"data.\"\nuserId = \"data.\\u0041[\"\ngroupId = { first = [\"data.a\", 'data..b'] }\nmessageId = { template = \"x{data.a\" }\n";
    assert_eq!(
        found(text),
        [
            ("bad-path", 2, 19),
            ("bad-path", 3, 10),
            ("bad-path", 4, 38),
            ("bad-path", 5, 28),
        ]
    );
    let parsed = parse(text);
    let first = &parsed.diagnostics[0];
    assert_eq!(first.at.len(), 1);
    assert!(
        first.message.contains("expected a key after `.`"),
        "{}",
        first.message
    );
    assert!(
        parsed.diagnostics[3].message.contains("unclosed `{`"),
        "{}",
        parsed.diagnostics[3].message
    );
}

#[test]
fn rules_of_the_wrong_shape_are_bad_rules() {
    let text = r#"[mapping]
name = 3
[events."payment.succeeded"]
object_id = "data.payment_id"
cancel = true
userId = { convert = "string" }
anonymousId = { path = "data.a", fields = { x = "y" } }
groupId = { each = "data.product_cart" }
messageId = { path = "data.a", omit = "sometimes", required = "yes" }
properties = 5
[events."refund.succeeded"]
object_id = "data.refund_id"
properties.plan = { path = "data.a", convert = "lookup" }
properties.other = { path = "data.a", convert = "number", lookup = { a = 1 } }
properties.v = { value = nan }
properties.e = { env = "" }
properties.f = { first = [] }
"#;
    assert_eq!(
        found(text),
        [
            ("bad-rule", 2, 8),
            ("bad-rule", 5, 10),
            ("bad-rule", 6, 10),
            ("bad-rule", 7, 34),
            ("bad-rule", 8, 11),
            ("bad-rule", 9, 39),
            ("bad-rule", 9, 63),
            ("bad-rule", 10, 14),
            ("bad-rule", 13, 48),
            ("bad-rule", 14, 59),
            ("bad-rule", 15, 26),
            ("bad-rule", 16, 24),
            ("bad-rule", 17, 26),
        ]
    );
    let shown = messages(text);
    assert!(
        shown[2].contains("has no source; give one of: path, value"),
        "{}",
        shown[2]
    );
    assert!(shown[3].contains("`fields` in anonymousId"), "{}", shown[3]);
    assert!(shown[4].contains("needs `fields = "), "{}", shown[4]);
    assert!(
        shown[5].contains("expected one of: null, empty, never"),
        "{}",
        shown[5]
    );
}

#[test]
fn region_forms_and_places() {
    for (text, at) in [
        (
            "[defaults]\nregion = { env = \"R\", default = \"asia\" }\n",
            (2, 33),
        ),
        ("[defaults]\nregion = { default = \"eu\" }\n", (2, 10)),
        ("[defaults]\nregion = 1\n", (2, 10)),
        ("[events.\"payment.succeeded\"]\nregion = \"eu\"\n", (2, 1)),
    ] {
        let got = found(text);
        assert_eq!(
            got.first().map(|d| (d.0, d.1, d.2)),
            Some(("bad-region", at.0, at.1)),
            "{text}"
        );
    }
    assert_eq!(
        found("[defaults]\nregion = { env = \"R\", zone = 1 }\n"),
        [("unknown-key", 2, 23)]
    );
}

#[test]
fn bad_names_are_errors() {
    let text = "[events.\"payment.succeeded\"]\nobject_id = \"data.payment_id\"\n[events.\"payment.succeeded\".properties]\n\"\" = \"data.payment_id\"\n\" total\" = \"data.total_amount\"\n\"a\\tb\" = \"data.currency\"\nitems = { each = \"data.product_cart\", fields = { \"id \" = \"product_id\" } }\n";
    let got = found(text);
    assert_eq!(
        got.iter()
            .filter(|d| d.0 == "bad-name")
            .copied()
            .collect::<Vec<_>>(),
        [
            ("bad-name", 4, 1),
            ("bad-name", 5, 1),
            ("bad-name", 6, 1),
            ("bad-name", 7, 50),
        ]
    );
    assert!(parse(text).mapping.is_none());
}

#[test]
fn a_diagnostic_renders_as_file_line_column() {
    let text = "[events.\"payment.succeeded\"]\nevnt = \"Order Completed\"\n";
    let parsed = parse(text);
    assert_eq!(
        crate::mapping::render("shop.mapping.toml", text, &parsed.diagnostics[0]),
        "shop.mapping.toml:2:1: error[unknown-key]: unknown key `evnt` in [events.\"payment.succeeded\"]; did you mean `event`?"
    );
}

#[test]
fn an_unknown_conversion_is_one_error_not_also_its_companions() {
    let text = "[events.\"payment.succeeded\".properties]\n\
                total = { path = \"data.total_amount\", convert = \"cash\", currency = \"data.currency\" }\n\
                plan = { path = \"data.plan\", convert = 3, lookup = { a = \"b\" } }\n";
    assert_eq!(
        found(text),
        [("unknown-conversion", 2, 49), ("bad-rule", 3, 40)]
    );
}
