//! The compiled handler against the mapping semantics, run through the real engine on bodies
//! made for each case.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::*;
use crate::mapping::embed::{self, ExtractError};
use crate::mapping::model::{Cancel, EventTable, Rules, Selector, Spanned};
use crate::transform::{DEFAULT_URL, Engine, Limits, RunInput, WebhookOut};

// ---- building mappings in Rust ----

/// A path as the file writes it: dotted keys and `[n]` indexes.
fn path(text: &str) -> SourcePath {
    let mut segments = Vec::new();
    for part in text.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            segments.push(PathSegment::Key(key.to_string()));
        }
        while let Some(close) = rest.find(']') {
            let index = rest[1..close].parse().expect("an index");
            segments.push(PathSegment::Index(index));
            rest = &rest[close + 1..];
        }
    }
    SourcePath {
        text: text.to_string(),
        segments,
    }
}

fn read(p: &str) -> Rule {
    Rule::path(path(p), 0..0)
}

fn constant(v: Value) -> Rule {
    Rule::constant(v, 0..0)
}

fn from(source: Source) -> Rule {
    Rule {
        source,
        ..read("x")
    }
}

fn converted(p: &str, convert: Conversion) -> Rule {
    Rule { convert, ..read(p) }
}

fn money(p: &str, currency: &str) -> Rule {
    converted(
        p,
        Conversion::Money {
            currency: path(currency),
        },
    )
}

fn field(target: &str, rule: Rule) -> FieldRule {
    FieldRule {
        target: target.split('.').map(str::to_string).collect(),
        key_at: 0..0,
        rule,
    }
}

fn rules(fields: Vec<FieldRule>) -> Rules {
    Rules {
        fields,
        ..Rules::default()
    }
}

fn table(selector: &str, rules: Rules) -> EventTable {
    let selector = match selector.strip_suffix(".*") {
        Some(prefix) => Selector::Family(prefix.to_string()),
        None => Selector::Type(selector.to_string()),
    };
    EventTable {
        selector,
        key_at: 0..0,
        rules,
    }
}

fn mapping(defaults: Rules, events: Vec<EventTable>) -> Mapping {
    Mapping {
        name: Some("test".into()),
        description: None,
        defaults,
        events,
    }
}

fn spanned<T>(value: T) -> Spanned<T> {
    Spanned { value, at: 0..0 }
}

// ---- running ----

fn run_js(js: &str, event_type: &str, body: &Value, env: &[(&str, &str)]) -> WebhookOut {
    let engine = Engine::with_workers(Limits::default(), 1);
    let program = engine.compile("mapping.js", js);
    let mut input = RunInput::from_body(body.to_string(), event_type);
    input.env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<BTreeMap<_, _>>();
    match engine.run(&program, input).result {
        Ok(out) => out,
        Err(e) => panic!("the compiled handler failed: {e}\n{js}"),
    }
}

fn run(m: &Mapping, event_type: &str, body: &Value, env: &[(&str, &str)]) -> WebhookOut {
    run_js(&compile(m, "", "test.mapping.toml"), event_type, body, env)
}

fn body(event_type: &str, data: Value) -> Value {
    json!({
        "business_id": "bus_1",
        "type": event_type,
        "timestamp": "2025-08-04T05:30:45.182629Z",
        "data": data,
    })
}

/// `properties` of the payment.succeeded call these property fields make from `data`.
fn properties(fields: Vec<FieldRule>, data: Value) -> Value {
    let fields = fields
        .into_iter()
        .map(|mut f| {
            f.target.insert(0, "properties".into());
            f
        })
        .collect();
    let m = mapping(
        Rules::default(),
        vec![table("payment.succeeded", rules(fields))],
    );
    let out = run(
        &m,
        "payment.succeeded",
        &body("payment.succeeded", data),
        &[],
    );
    assert!(!out.cancel);
    out.payload["properties"].clone()
}

// ---- sources and conversions ----

#[test]
fn money_uses_the_currencys_decimals() {
    let fields = || vec![field("total", money("data.amount", "data.currency"))];
    for (amount, currency, expected) in [
        (json!(1500), json!("JPY"), json!(1500)),
        (json!(1999), json!("USD"), json!(19.99)),
        (json!(12345), json!("KWD"), json!(12.345)),
        (json!("1999"), json!(" usd "), json!(19.99)),
        (json!(5), json!("CLF"), json!(0.0005)),
    ] {
        let props = properties(fields(), json!({"amount": amount, "currency": currency}));
        assert_eq!(props, json!({"total": expected}), "{amount} {currency}");
    }
    // Without a number or a currency the amount is left out.
    for data in [
        json!({"amount": null, "currency": "USD"}),
        json!({"currency": "USD"}),
        json!({"amount": "", "currency": "USD"}),
        json!({"amount": "lots", "currency": "USD"}),
        json!({"amount": 1999, "currency": null}),
        json!({"amount": 1999}),
        json!({"amount": 1999, "currency": "  "}),
    ] {
        assert_eq!(properties(fields(), data.clone()), json!({}), "{data}");
    }
}

#[test]
fn minus_subtracts_a_number_before_converting() {
    let revenue = || {
        vec![field(
            "revenue",
            Rule {
                minus: Some(path("data.tax")),
                ..money("data.total", "data.currency")
            },
        )]
    };
    let cases = [
        (
            json!({"total": 1999, "tax": 200, "currency": "USD"}),
            json!(17.99),
        ),
        (
            json!({"total": 1999, "tax": null, "currency": "USD"}),
            json!(19.99),
        ),
        (
            json!({"total": 1999, "tax": "200", "currency": "USD"}),
            json!(19.99),
        ),
        (json!({"total": 1999, "currency": "USD"}), json!(19.99)),
        (
            json!({"total": "1999", "tax": 999, "currency": "USD"}),
            json!(10),
        ),
    ];
    for (data, expected) in cases {
        let props = properties(revenue(), data.clone());
        assert_eq!(props, json!({"revenue": expected}), "{data}");
    }
    assert_eq!(
        properties(revenue(), json!({"tax": 200, "currency": "USD"})),
        json!({})
    );
}

#[test]
fn number_string_lower_upper_and_currency() {
    let fields = vec![
        field("n1", converted("data.a", Conversion::Number)),
        field("n2", converted("data.b", Conversion::Number)),
        field("n3", converted("data.empty", Conversion::Number)),
        field("n4", converted("data.word", Conversion::Number)),
        field("s1", converted("data.a", Conversion::String)),
        field("s2", converted("data.obj", Conversion::String)),
        field("s3", converted("data.flag", Conversion::String)),
        field("s4", converted("data.nothing", Conversion::String)),
        field("l1", converted("data.word", Conversion::Lower)),
        field("u1", converted("data.word", Conversion::Upper)),
        field("u2", converted("data.a", Conversion::Upper)),
        field("c1", converted("data.cur", Conversion::Currency)),
        field("c2", converted("data.empty", Conversion::Currency)),
        field("c3", converted("data.a", Conversion::Currency)),
    ];
    let props = properties(
        fields,
        json!({"a": "12.5", "b": 7, "empty": "", "word": "MiXed", "obj": {"k": [1, 2]}, "flag": true, "nothing": null, "cur": " eur "}),
    );
    assert_eq!(
        props,
        json!({"n1": 12.5, "n2": 7, "s1": "12.5", "s2": "{\"k\":[1,2]}", "s3": "true", "l1": "mixed", "u1": "MIXED", "u2": "12.5", "c1": "EUR", "c3": "12.5"})
    );
}

#[test]
fn time_from_a_string_seconds_or_milliseconds() {
    let fields = vec![
        field("from_string", converted("data.s", Conversion::Time)),
        field("from_seconds", converted("data.secs", Conversion::Time)),
        field("from_millis", converted("data.ms", Conversion::Time)),
        field("from_bool", converted("data.b", Conversion::Time)),
        field("from_null", converted("data.n", Conversion::Time)),
    ];
    let props = properties(
        fields,
        json!({"s": "2025-01-02T03:04:05Z", "secs": 1_700_000_000, "ms": 1_700_000_000_123_i64, "b": true, "n": null}),
    );
    assert_eq!(
        props,
        json!({"from_string": "2025-01-02T03:04:05Z", "from_seconds": "2023-11-14T22:13:20.000Z", "from_millis": "2023-11-14T22:13:20.123Z"})
    );
}

#[test]
fn boolean_forms() {
    let data = json!({"t": true, "f": false, "T": " TRUE ", "F": "False", "zero": 0, "one": 1, "yes": "yes", "n": null});
    let keys = ["t", "f", "T", "F", "zero", "one", "yes", "n", "missing"];
    let fields = keys
        .iter()
        .map(|k| field(k, converted(&format!("data.{k}"), Conversion::Boolean)))
        .collect();
    assert_eq!(
        properties(fields, data),
        json!({"t": true, "f": false, "T": true, "F": false, "zero": false, "one": true})
    );
}

#[test]
fn lookup_hit_and_miss() {
    let table = || {
        Conversion::Lookup(vec![
            ("Month".into(), json!("monthly")),
            ("Year".into(), json!("yearly")),
            ("3".into(), json!(true)),
            ("__proto__".into(), json!("proto")),
        ])
    };
    let fields = vec![
        field("hit", converted("data.hit", table())),
        field("miss", converted("data.miss", table())),
        field("number", converted("data.number", table())),
        field("proto", converted("data.proto", table())),
        field("missing", converted("data.missing", table())),
    ];
    let props = properties(
        fields,
        json!({"hit": "Year", "miss": "Week", "number": 3, "proto": "__proto__"}),
    );
    assert_eq!(
        props,
        json!({"hit": "yearly", "miss": "Week", "number": true, "proto": "proto"})
    );
}

#[test]
fn template_fills_placeholders_and_a_missing_value_is_empty() {
    let parts = vec![
        TemplatePart::Text("{".into()),
        TemplatePart::Path(path("data.id")),
        TemplatePart::Text("}/".into()),
        TemplatePart::Path(path("data.missing")),
        TemplatePart::Text("/".into()),
        TemplatePart::Path(path("data.n")),
        TemplatePart::Text("/".into()),
        TemplatePart::Path(path("data.items[1]")),
        TemplatePart::Text("/".into()),
        TemplatePart::Path(path("data.obj")),
    ];
    let props = properties(
        vec![field("id", from(Source::Template(parts)))],
        json!({"id": "ent_1", "n": 7, "items": ["a", "b"], "obj": {"x": 1}}),
    );
    assert_eq!(props, json!({"id": "{ent_1}//7/b/{\"x\":1}"}));
}

#[test]
fn first_skips_missing_null_and_empty() {
    let first = || {
        from(Source::First(vec![
            path("data.a"),
            path("data.b"),
            path("data.c"),
            path("data.d"),
        ]))
    };
    assert_eq!(
        properties(
            vec![field("v", first())],
            json!({"b": null, "c": "", "d": 0})
        ),
        json!({"v": 0})
    );
    assert_eq!(
        properties(vec![field("v", first())], json!({"b": null, "c": ""})),
        json!({})
    );
}

#[test]
fn constants_and_paths_with_indexes_and_odd_keys() {
    let fields = vec![
        field(
            "plan",
            constant(json!({"tier": "pro", "__proto__": 1, "seats": [1, 2]})),
        ),
        field("flag", constant(json!(false))),
        field("first_product", read("data.cart[0].id")),
        field("second_product", read("data.cart[1].id")),
        field("out_of_range", read("data.cart[9].id")),
        field(
            "dotted",
            from(Source::Path(SourcePath {
                text: "data.metadata[\"order.ref\"]".into(),
                segments: vec![
                    PathSegment::Key("data".into()),
                    PathSegment::Key("metadata".into()),
                    PathSegment::Key("order.ref".into()),
                ],
            })),
        ),
        field("inherited", read("data.constructor")),
        field("below_a_string", read("data.name.length")),
        field("cart_size", read("data.cart.length")),
    ];
    let props = properties(
        fields,
        json!({"cart": [{"id": "p1"}, {"id": "p2"}], "metadata": {"order.ref": "R-1"}, "name": "x"}),
    );
    assert_eq!(
        props.to_string(),
        json!({"plan": {"tier": "pro", "__proto__": 1, "seats": [1, 2]}, "flag": false, "first_product": "p1", "second_product": "p2", "dotted": "R-1", "cart_size": 2}).to_string()
    );
}

#[test]
fn env_reads_the_endpoint_variables() {
    let m = mapping(
        Rules::default(),
        vec![table(
            "payment.succeeded",
            rules(vec![
                field("properties.source", from(Source::Env("SOURCE".into()))),
                field("properties.unset", from(Source::Env("UNSET".into()))),
            ]),
        )],
    );
    let out = run(
        &m,
        "payment.succeeded",
        &body("payment.succeeded", json!({})),
        &[("SOURCE", "dodo")],
    );
    assert_eq!(out.payload["properties"], json!({"source": "dodo"}));
}

#[test]
fn each_maps_items_and_a_non_array_is_missing() {
    let each = || {
        from(Source::Each {
            path: path("data.cart"),
            fields: vec![
                field("product_id", read("product_id")),
                field(
                    "quantity",
                    Rule {
                        omit: Omit::Never,
                        ..read("quantity")
                    },
                ),
                field("price", money("price", "currency")),
            ],
        })
    };
    assert_eq!(
        properties(
            vec![field("products", each())],
            json!({"cart": [{"product_id": "p1", "quantity": 2, "price": 500, "currency": "USD"}, {"product_id": "p2", "quantity": null}, 7]})
        ),
        json!({"products": [{"product_id": "p1", "quantity": 2, "price": 5}, {"product_id": "p2", "quantity": null}, {}]})
    );
    for cart in [json!({"a": 1}), json!("p1"), json!(null)] {
        assert_eq!(
            properties(vec![field("products", each())], json!({"cart": cart})),
            json!({}),
            "{cart}"
        );
    }
    assert_eq!(
        properties(vec![field("products", each())], json!({"cart": []})),
        json!({"products": []})
    );
}

#[test]
fn omit_null_empty_and_never() {
    let with = |p: &str, omit| Rule { omit, ..read(p) };
    let mut fields = Vec::new();
    for key in [
        "null",
        "empty_text",
        "empty_list",
        "empty_object",
        "zero",
        "missing",
    ] {
        fields.push(field(
            &format!("default_{key}"),
            read(&format!("data.{key}")),
        ));
        fields.push(field(
            &format!("empty_{key}"),
            with(&format!("data.{key}"), Omit::Empty),
        ));
        fields.push(field(
            &format!("never_{key}"),
            with(&format!("data.{key}"), Omit::Never),
        ));
    }
    let props = properties(
        fields,
        json!({"null": null, "empty_text": "", "empty_list": [], "empty_object": {}, "zero": 0}),
    );
    assert_eq!(
        props.to_string(),
        json!({
            "never_null": null,
            "default_empty_text": "", "never_empty_text": "",
            "default_empty_list": [], "never_empty_list": [],
            "default_empty_object": {}, "never_empty_object": {},
            "default_zero": 0, "empty_zero": 0, "never_zero": 0,
        })
        .to_string()
    );
}

#[test]
fn a_required_field_left_out_cancels_and_changes_nothing_else() {
    let user = Rule {
        required: true,
        ..from(Source::First(vec![
            path("data.customer.customer_id"),
            path("data.customer_id"),
        ]))
    };
    let m = mapping(
        rules(vec![field("userId", user)]),
        vec![table("payment.succeeded", rules(vec![]))],
    );
    let sent = run(
        &m,
        "payment.succeeded",
        &body("payment.succeeded", json!({"customer_id": "cus_1"})),
        &[],
    );
    assert!(!sent.cancel);
    assert_eq!(sent.payload["userId"], "cus_1");

    let input = body(
        "payment.succeeded",
        json!({"customer": {"customer_id": ""}}),
    );
    let out = run(&m, "payment.succeeded", &input, &[]);
    assert!(out.cancel);
    assert_eq!(out.payload, input);
    assert_eq!(out.url, DEFAULT_URL);
    assert!(out.headers.is_empty());
}

#[test]
fn a_required_field_of_an_item_cancels_the_event() {
    let each = from(Source::Each {
        path: path("data.cart"),
        fields: vec![field(
            "sku",
            Rule {
                required: true,
                ..read("sku")
            },
        )],
    });
    let m = mapping(
        Rules::default(),
        vec![table(
            "payment.succeeded",
            rules(vec![field("properties.items", each)]),
        )],
    );
    let ok = run(
        &m,
        "payment.succeeded",
        &body("payment.succeeded", json!({"cart": [{"sku": "a"}]})),
        &[],
    );
    assert_eq!(ok.payload["properties"], json!({"items": [{"sku": "a"}]}));
    let input = body(
        "payment.succeeded",
        json!({"cart": [{"sku": "a"}, {"nope": 1}]}),
    );
    let out = run(&m, "payment.succeeded", &input, &[]);
    assert!(out.cancel);
    assert_eq!(out.payload, input);
}

#[test]
fn the_main_object_is_always_there_and_other_objects_only_when_filled() {
    let m = mapping(
        rules(vec![
            field("userId", read("data.customer_id")),
            field("context.traits.email", read("data.email")),
        ]),
        vec![
            table("payment.succeeded", rules(vec![])),
            table(
                "refund.succeeded",
                Rules {
                    call: Some(spanned(Call::Identify)),
                    ..Rules::default()
                },
            ),
            table(
                "dispute.opened",
                Rules {
                    call: Some(spanned(Call::Alias)),
                    ..rules(vec![field("previousId", read("data.old"))])
                },
            ),
        ],
    );
    let data = json!({"customer_id": "cus_1"});
    let track = run(
        &m,
        "payment.succeeded",
        &body("payment.succeeded", data.clone()),
        &[],
    );
    let keys: Vec<&String> = track.payload.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["userId", "event", "properties", "messageId"]);
    assert_eq!(track.payload["properties"], json!({}));
    assert_eq!(track.payload["event"], "Payment Succeeded");
    assert_eq!(track.url, "https://api.segment.io/v1/track");

    let identify = run(
        &m,
        "refund.succeeded",
        &body("refund.succeeded", data.clone()),
        &[],
    );
    assert_eq!(identify.payload["traits"], json!({}));
    assert!(identify.payload.get("properties").is_none());
    assert!(identify.payload.get("event").is_none());
    assert_eq!(identify.url, "https://api.segment.io/v1/identify");

    let alias = run(
        &m,
        "dispute.opened",
        &body(
            "dispute.opened",
            json!({"customer_id": "cus_1", "old": "anon", "email": "a@b.c"}),
        ),
        &[],
    );
    let keys: Vec<&String> = alias.payload.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["userId", "previousId", "context", "messageId"]);
    assert_eq!(
        alias.payload["context"],
        json!({"traits": {"email": "a@b.c"}})
    );
    assert_eq!(alias.url, "https://api.segment.io/v1/alias");
}

#[test]
fn output_keys_follow_segments_order_and_merge_order_inside_objects() {
    let m = mapping(
        rules(vec![
            field("timestamp", converted("timestamp", Conversion::Time)),
            field("properties.b", constant(json!(1))),
            field("userId", constant(json!("u"))),
            field("properties.a", constant(json!(2))),
        ]),
        vec![table(
            "subscription.*",
            rules(vec![
                field("properties.b", constant(json!(3))),
                field("event", constant(json!("Subscription Changed"))),
                field("properties.c", constant(json!(4))),
                field("messageId", constant(json!("fixed"))),
                field("anonymousId", constant(json!("anon"))),
            ]),
        )],
    );
    let out = run(
        &m,
        "subscription.active",
        &body("subscription.active", json!({})),
        &[],
    );
    assert_eq!(
        out.payload.to_string(),
        json!({"userId": "u", "anonymousId": "anon", "event": "Subscription Changed", "properties": {"b": 3, "a": 2, "c": 4}, "messageId": "fixed", "timestamp": "2025-08-04T05:30:45.182629Z"}).to_string()
    );
}

#[test]
fn the_derived_message_id_is_segment_completes() {
    let m = mapping(
        Rules::default(),
        vec![table(
            "payment.succeeded",
            Rules {
                object_id: Some(read("data.payment_id")),
                ..Rules::default()
            },
        )],
    );
    let fixtures = crate::webhook::FixtureSet::builtin().expect("fixtures");
    let fixture = fixtures.get("payment.succeeded").expect("fixture");
    let preset = crate::transform::presets::preset("segment-complete").expect("preset");
    let reference = run_js(preset.source, "payment.succeeded", &fixture.json, &[]);
    let ours = run(&m, "payment.succeeded", &fixture.json, &[]);
    assert_eq!(ours.payload["messageId"], reference.payload["messageId"]);

    // Without an object id, or a string timestamp, the parts are empty, as segment-complete's.
    let no_id = mapping(
        Rules::default(),
        vec![table("payment.succeeded", Rules::default())],
    );
    let mut input = fixture.json.clone();
    input["timestamp"] = json!(12);
    let a = run(&no_id, "payment.succeeded", &input, &[]);
    let handler = "function handler(webhook) { webhook.payload = { id: messageId(webhook.eventType, undefined, undefined) }; return webhook; }";
    let reference = run_js(
        &format!("{}\n{handler}", preset.source),
        "payment.succeeded",
        &input,
        &[],
    );
    assert_eq!(a.payload["messageId"], reference.payload["id"]);
}

#[test]
fn a_required_object_id_cancels_when_missing() {
    let m = mapping(
        Rules::default(),
        vec![table(
            "payment.succeeded",
            Rules {
                object_id: Some(Rule {
                    required: true,
                    ..read("data.payment_id")
                }),
                ..Rules::default()
            },
        )],
    );
    let out = run(
        &m,
        "payment.succeeded",
        &body("payment.succeeded", json!({})),
        &[],
    );
    assert!(out.cancel);
    let out = run(
        &m,
        "payment.succeeded",
        &body("payment.succeeded", json!({"payment_id": "pay_1"})),
        &[],
    );
    assert!(!out.cancel);
}

#[test]
fn regions_us_eu_and_from_the_environment_with_a_default() {
    let with_region = |region: Option<Region>| Mapping {
        defaults: Rules {
            region: region.map(spanned),
            ..Rules::default()
        },
        ..mapping(
            Rules::default(),
            vec![table("payment.succeeded", Rules::default())],
        )
    };
    let input = body("payment.succeeded", json!({}));
    let url = |region: Option<Region>, env: &[(&str, &str)]| {
        run(&with_region(region), "payment.succeeded", &input, env).url
    };
    let us = "https://api.segment.io/v1/track";
    let eu = "https://events.eu1.segmentapis.com/v1/track";
    assert_eq!(url(None, &[]), us);
    assert_eq!(url(Some(Region::Us), &[]), us);
    assert_eq!(url(Some(Region::Eu), &[]), eu);
    let env = |default| Region::Env {
        name: "SEGMENT_REGION".into(),
        default,
    };
    assert_eq!(
        url(Some(env(FixedRegion::Us)), &[("SEGMENT_REGION", "EU")]),
        eu
    );
    assert_eq!(
        url(Some(env(FixedRegion::Us)), &[("SEGMENT_REGION", "us")]),
        us
    );
    assert_eq!(url(Some(env(FixedRegion::Us)), &[]), us);
    assert_eq!(url(Some(env(FixedRegion::Eu)), &[]), eu);
    assert_eq!(
        url(Some(env(FixedRegion::Eu)), &[("SEGMENT_REGION", "us")]),
        eu
    );
}

#[test]
fn cancelled_and_uncovered_types_are_cancelled_untouched() {
    let m = mapping(
        Rules::default(),
        vec![
            table(
                "payout.*",
                Rules {
                    cancel: Some(spanned(Cancel::Because("no customer".into()))),
                    ..Rules::default()
                },
            ),
            table(
                "payout.success",
                Rules {
                    cancel: Some(spanned(Cancel::No)),
                    ..Rules::default()
                },
            ),
        ],
    );
    let js = compile(&m, "", "t.mapping.toml");
    for t in ["payout.created", "payment.succeeded", "not.a.type"] {
        let input = body(t, json!({"x": 1}));
        let out = run_js(&js, t, &input, &[]);
        assert!(out.cancel, "{t}");
        assert_eq!(out.payload, input, "{t}");
        assert_eq!(out.url, DEFAULT_URL, "{t}");
    }
    let out = run_js(
        &js,
        "payout.success",
        &body("payout.success", json!({})),
        &[],
    );
    assert!(!out.cancel);
    assert_eq!(out.payload["event"], "Payout Success");
    assert!(
        js.contains(
            "// Cancelled by [events.\"payout.*\"]: no customer\n    case \"payout.created\":\n"
        ),
        "{js}"
    );
}

// ---- the text ----

fn rich_mapping() -> Mapping {
    Mapping {
        name: Some("shop\n}); evil(); //".into()),
        description: Some("Line one.\nfunction evil() {}\r\u{2028}x = 1;\u{2029}y".into()),
        ..mapping(
            Rules {
                region: Some(spanned(Region::Env {
                    name: "SEGMENT_REGION".into(),
                    default: FixedRegion::Us,
                })),
                ..rules(vec![field("userId", read("data.customer_id"))])
            },
            vec![
                table(
                    "payment.processing",
                    Rules {
                        cancel: Some(spanned(Cancel::Because(
                            "intermediate\n}); evil(); (function () {\u{2028}".into(),
                        ))),
                        ..Rules::default()
                    },
                ),
                table(
                    "payment.succeeded",
                    rules(vec![
                        field("event", constant(json!("Order\u{2028}Completed \"now\""))),
                        field("properties.total", money("data.total", "data.currency")),
                        field("properties.at", converted("data.at", Conversion::Time)),
                    ]),
                ),
            ],
        )
    }
}

#[test]
fn user_text_cannot_leave_its_comment_or_string() {
    let m = rich_mapping();
    let js = compile(&m, "", "shop\n.mapping.toml");
    assert!(!js.contains(['\r', '\u{2028}', '\u{2029}']), "{js}");
    for line in js.lines() {
        let code = line.trim_start();
        assert!(
            !code.contains("evil()") || code.starts_with("//"),
            "user text outside a comment: {line}"
        );
    }
    assert!(
        js.starts_with(
            "// Generated by hookbench from shop .mapping.toml (mapping \"shop }); evil(); //\").\n"
        ),
        "{js}"
    );
    let out = run_js(
        &js,
        "payment.succeeded",
        &body("payment.succeeded", json!({"customer_id": "c"})),
        &[],
    );
    assert_eq!(out.payload["event"], "Order\u{2028}Completed \"now\"");
    let out = run_js(
        &js,
        "payment.processing",
        &body("payment.processing", json!({})),
        &[],
    );
    assert!(out.cancel);
}

#[test]
fn the_header_names_the_file_the_mapping_and_what_the_handler_does() {
    let mut m = rich_mapping();
    m.name = Some("shop".into());
    m.description = Some("Shop analytics.".into());
    let js = compile(&m, "", "shop.mapping.toml");
    let head: Vec<&str> = js.lines().take(4).collect();
    assert_eq!(
        head[0],
        "// Generated by hookbench from shop.mapping.toml (mapping \"shop\")."
    );
    assert!(js.contains("`hookbench mapping compile`"), "{js}");
    assert!(js.contains("`hookbench mapping eject`"), "{js}");
    assert!(js.contains("// Shop analytics.\n"), "{js}");
    assert!(js.contains("messageId"), "{js}");
    assert!(js.contains("SEGMENT_REGION"), "{js}");
    assert!(js.contains("    case \"payment.succeeded\": {\n      // [defaults] + [events.\"payment.succeeded\"]\n"), "{js}");
    assert!(
        js.contains(
            "// Not in the mapping: nothing is sent.\n    case \"abandoned_checkout.detected\":\n"
        ),
        "{js}"
    );
}

#[test]
fn compiling_is_deterministic() {
    let m = rich_mapping();
    let a = compile(&m, "text", "a.mapping.toml");
    let b = compile(&m, "text", "a.mapping.toml");
    assert_eq!(a, b);
}

#[test]
fn only_the_helpers_used_are_emitted_once_each() {
    let plain = mapping(
        rules(vec![field("userId", read("data.customer_id"))]),
        vec![table("payment.succeeded", Rules::default())],
    );
    let js = compile(&plain, "", "p.mapping.toml");
    for absent in [
        "function money",
        "DECIMALS",
        "function toTime",
        "function first",
        "function each",
    ] {
        assert!(!js.contains(absent), "{absent} in\n{js}");
    }
    for present in [
        "function read(",
        "function put(",
        "function messageId(",
        "function hash64(",
        "function cancel(",
    ] {
        assert_eq!(js.matches(present).count(), 1, "{present} in\n{js}");
    }

    let js = compile(&rich_mapping(), "", "p.mapping.toml");
    assert_eq!(js.matches("function money(").count(), 1);
    assert_eq!(js.matches("const DECIMALS = {").count(), 1);
    assert!(js.contains("  BHD: 3, BIF: 0,"), "{js}");
    assert!(!js.contains("USD:"), "{js}");
}

#[test]
fn every_helper_runs_and_the_emission_order_is_the_declared_one() {
    assert!(Helper::ALL.windows(2).all(|w| w[0] < w[1]));
    let all: std::collections::BTreeSet<Helper> = Helper::ALL.into_iter().collect();
    let mut js = String::new();
    for h in runtime::closure(&all) {
        js.push_str(&h.code());
    }
    js.push_str("function handler(webhook) { webhook.payload = { t: typeof DECIMALS, h: hash64(\"x\") }; return webhook; }");
    let out = run_js(&js, "x", &json!({}), &[]);
    assert_eq!(out.payload["t"], "object");
}

/// The code of `js` with strings, template-free comments and regular text blanked out, so a scan
/// sees only syntax.
fn code_only(js: &str) -> String {
    let mut out = String::new();
    let mut chars = js.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                out.push(' ');
                let mut escaped = false;
                for d in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[test]
fn the_javascript_is_es2015_at_most() {
    let mut m = rich_mapping();
    m.events.push(table(
        "refund.succeeded",
        rules(vec![
            field(
                "properties.items",
                from(Source::Each {
                    path: path("data.items"),
                    fields: vec![field(
                        "sku",
                        Rule {
                            required: true,
                            ..read("sku")
                        },
                    )],
                }),
            ),
            field(
                "properties.t",
                from(Source::Template(vec![TemplatePart::Path(path("data.a"))])),
            ),
            field("properties.f", from(Source::First(vec![path("data.a")]))),
            field("properties.b", converted("data.b", Conversion::Boolean)),
            field(
                "properties.l",
                converted("data.b", Conversion::Lookup(vec![("a".into(), json!(1))])),
            ),
            field("properties.u", converted("data.b", Conversion::Upper)),
            field("properties.w", converted("data.b", Conversion::Lower)),
            field("properties.s", converted("data.b", Conversion::String)),
            field("properties.c", converted("data.b", Conversion::Currency)),
            field(
                "properties.n",
                Rule {
                    minus: Some(path("data.c")),
                    ..converted("data.b", Conversion::Number)
                },
            ),
            field(
                "properties.e",
                Rule {
                    omit: Omit::Empty,
                    ..from(Source::Env("X".into()))
                },
            ),
        ]),
    ));
    let js = compile(&m, "a = \"=> `x` ... ?. ??\"\n", "m.mapping.toml");
    let code = code_only(&js);
    for banned in [
        "=>", "`", "...", "?.", "??", "async", "class ", "import ", "export ",
    ] {
        assert!(!code.contains(banned), "{banned:?} in the code:\n{code}");
    }
    for banned in [
        "Object.entries",
        ".includes(",
        "padStart",
        "Object.values",
        "Object.assign",
    ] {
        assert!(!js.contains(banned), "{banned} in\n{js}");
    }
    // And it runs.
    let out = run_js(
        &js,
        "refund.succeeded",
        &body(
            "refund.succeeded",
            json!({"customer_id": "c", "items": [{"sku": "s"}], "b": "a"}),
        ),
        &[],
    );
    assert_eq!(out.payload["properties"]["l"], 1);
}

// ---- the embedded mapping and eject ----

#[test]
fn the_mapping_text_comes_back_from_the_compiled_handler() {
    let m = rich_mapping();
    for text in [
        "[mapping]\nname = \"shop\"\n",
        "[mapping]\r\nname = \"x\"\r\n",
        "a = \"\u{2028}\"\rb\n",
    ] {
        let js = compile(&m, text, "shop.mapping.toml");
        assert_eq!(embed::extract(&js).as_deref(), Ok(text));
        // Still a working handler.
        let out = run_js(
            &js,
            "payment.processing",
            &body("payment.processing", json!({})),
            &[],
        );
        assert!(out.cancel);
        assert!(!embed::edited_since(
            &js,
            &compile(&m, text, "shop.mapping.toml")
        ));
    }
    let js = compile(&m, "x = 1\n", "shop.mapping.toml");
    let edited = js.replacen("const out = {};", "const out = { mine: 1 };", 1);
    assert!(embed::edited_since(&edited, &js));
}

#[test]
fn an_ejected_handler_says_so_and_carries_no_mapping() {
    let m = rich_mapping();
    let text = "[mapping]\nname = \"shop\"\n";
    let js = embed::eject(&m, "shop.mapping.toml");
    assert!(
        js.starts_with("// Ejected by hookbench from shop.mapping.toml"),
        "{js}"
    );
    assert!(js.contains("ordinary code to edit by hand"), "{js}");
    assert!(!js.contains("hookbench mapping compile"), "{js}");
    assert_eq!(embed::extract(&js), Err(ExtractError::NoBlock));
    let compiled = compile(&m, text, "shop.mapping.toml");
    let code_of = |js: &str| {
        js.lines()
            .skip_while(|l| l.starts_with("//"))
            .take_while(|l| !l.starts_with("// The mapping this"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(code_of(&js).trim_end(), code_of(&compiled).trim_end());
    let out = run_js(
        &js,
        "payment.succeeded",
        &body("payment.succeeded", json!({"customer_id": "c"})),
        &[],
    );
    assert!(!out.cancel);
}

#[test]
fn nothing_a_terminal_or_an_editor_acts_on_reaches_the_handler_raw() {
    // A bidi override, a C1 control and an escape in a constant, a comment-bearing name, a cancel
    // reason and the embedded mapping: all of it escaped, and the handler still works.
    let text = "[mapping]\nname = \"shop\u{202e}evil\"\n\n[events.\"payment.succeeded\"]\n\
                event = \"Order Completed\"\nobject_id = \"data.payment_id\"\n\
                properties.note = { value = \"a\u{0085}b\\u001b[31mc\u{2066}\" }\n\n\
                [events.\"refund.succeeded\"]\ncancel = \"not \u{202e}now\"\n";
    let parsed = crate::mapping::parse::parse(text);
    let m = parsed.mapping.expect("parses");
    let js = compile(&m, text, "shop.mapping.toml");
    assert!(
        !js.chars()
            .any(|c| crate::text::is_unsafe_char(c) && !matches!(c, '\n')),
        "{js}"
    );
    assert!(js.contains("hookbench-mapping v1 base64"), "{js}");
    assert_eq!(embed::extract(&js).expect("recovers"), text);
    let out = run_js(
        &js,
        "payment.succeeded",
        &body(
            "payment.succeeded",
            json!({"payment_id": "pay_1", "customer": {"customer_id": "c"}}),
        ),
        &[],
    );
    assert_eq!(
        out.payload["properties"]["note"],
        json!("a\u{0085}b\u{1b}[31mc\u{2066}"),
        "the value itself is unchanged: only its spelling in the source is escaped"
    );
}

#[test]
fn an_import_from_another_file_name_is_not_an_edit() {
    let text = "[events.\"payment.succeeded\"]\nevent = \"Order Completed\"\n";
    let m = crate::mapping::parse::parse(text).mapping.expect("parses");
    let here = compile(&m, text, "shop.mapping.toml");
    let there = compile(&m, text, "pasted.mapping.toml");
    assert!(!embed::edited_since(&here, &there));
    let edited = here.replacen("switch (", "webhook.env = {};\n  switch (", 1);
    assert!(embed::edited_since(&edited, &there));
}
