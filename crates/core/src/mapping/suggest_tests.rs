use super::*;
use crate::webhook::fixtures::FixtureSet;

fn key(k: &str) -> PathSegment {
    PathSegment::Key(k.to_string())
}

/// A dotted path of plain keys, `[n]` for indices.
fn path(text: &str) -> SourcePath {
    let mut segments = Vec::new();
    for part in text.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        segments.push(key(name));
        if let Some(i) = index {
            segments.push(PathSegment::Index(i));
        }
    }
    SourcePath {
        text: text.to_string(),
        segments,
    }
}

fn body(name: &str) -> Value {
    let set = FixtureSet::builtin().expect("built-in fixtures");
    set.get(name).expect("fixture").json.clone()
}

#[test]
fn property_names_are_the_last_key_in_snake_case() {
    assert_eq!(
        property_name(&path("data.customer.customer_id")),
        "customer_id"
    );
    assert_eq!(
        property_name(&path("data.product_cart[0].product_id")),
        "product_id"
    );
    let quoted = SourcePath {
        text: r#"data.metadata["Order Ref"]"#.into(),
        segments: vec![key("data"), key("metadata"), key("Order Ref")],
    };
    assert_eq!(property_name(&quoted), "order_ref");
    let camel = SourcePath {
        text: "data.orderRef".into(),
        segments: vec![key("data"), key("orderRef")],
    };
    assert_eq!(property_name(&camel), "order_ref");
    let dotted = SourcePath {
        text: r#"data.metadata["order.ref--2"]"#.into(),
        segments: vec![key("data"), key("metadata"), key("order.ref--2")],
    };
    assert_eq!(property_name(&dotted), "order_ref_2");
    // An index alone, or a key of symbols, falls back to the key before it.
    assert_eq!(
        property_name(&path("data.subscription_ids[0]")),
        "subscription_ids"
    );
    let symbols = SourcePath {
        text: r#"data.metadata["--"]"#.into(),
        segments: vec![key("data"), key("metadata"), key("--")],
    };
    assert_eq!(property_name(&symbols), "metadata");
    let nothing = SourcePath {
        text: "[0]".into(),
        segments: vec![PathSegment::Index(0)],
    };
    assert_eq!(property_name(&nothing), "value");
}

#[test]
fn amounts_with_a_currency_are_money() {
    let paid = body("payment.succeeded");
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.total_amount"), &paid),
        Conversion::Money {
            currency: path("data.currency")
        }
    );
    // A null tax is still an amount.
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.tax"), &paid),
        Conversion::Money {
            currency: path("data.currency")
        }
    );
    // The settlement amount is in the settlement currency beside it.
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.settlement_amount"), &paid),
        Conversion::Money {
            currency: path("data.settlement_currency")
        }
    );
    let dispute = body("dispute.opened");
    assert_eq!(
        likely_conversion("dispute.opened", &path("data.amount"), &dispute),
        Conversion::Money {
            currency: path("data.currency")
        }
    );
}

#[test]
fn amounts_without_a_currency_are_numbers() {
    let credit = body("credit.added");
    assert_eq!(
        likely_conversion("credit.added", &path("data.amount"), &credit),
        Conversion::Number
    );
    assert_eq!(
        likely_conversion("credit.added", &path("data.balance_after"), &credit),
        Conversion::Number
    );
    let low = body("credit.balance_low");
    assert_eq!(
        likely_conversion("credit.balance_low", &path("data.available_balance"), &low),
        Conversion::Number
    );
    // Already a number: as is.
    assert_eq!(
        likely_conversion("credit.balance_low", &path("data.threshold_percent"), &low),
        Conversion::AsIs
    );
}

#[test]
fn dates_currencies_and_the_rest() {
    let paid = body("payment.succeeded");
    assert_eq!(
        likely_conversion("payment.succeeded", &path("timestamp"), &paid),
        Conversion::Time
    );
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.created_at"), &paid),
        Conversion::Time
    );
    // Null in this body, a date-time by the schema.
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.updated_at"), &paid),
        Conversion::Time
    );
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.currency"), &paid),
        Conversion::Currency
    );
    assert_eq!(
        likely_conversion(
            "payment.succeeded",
            &path("data.settlement_currency"),
            &paid
        ),
        Conversion::Currency
    );
    // Digits that are not quantities stay strings.
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.card_last_four"), &paid),
        Conversion::AsIs
    );
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.billing.zipcode"), &paid),
        Conversion::AsIs
    );
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.customer.email"), &paid),
        Conversion::AsIs
    );
    assert_eq!(
        likely_conversion(
            "payment.succeeded",
            &path("data.product_cart[0].product_id"),
            &paid
        ),
        Conversion::AsIs
    );
    // No currency anywhere in the body: an amount is not money.
    let bare = serde_json::json!({"data": {"total_amount": 5}});
    assert_eq!(
        likely_conversion("payment.succeeded", &path("data.total_amount"), &bare),
        Conversion::AsIs
    );
}

#[test]
fn date_times_and_decimals_are_recognised_exactly() {
    for yes in [
        "2025-08-04T05:30:45.182629Z",
        "2025-08-04T05:30:45Z",
        "2025-08-04T05:30:45+02:00",
        "2025-08-04 05:30",
    ] {
        assert!(is_date_time(yes), "{yes}");
    }
    for no in [
        "2025-08-04",
        "2025-08-04T05",
        "2025-08-04T05:30:4",
        "2025-08-04T05:30:45.Z",
        "x",
    ] {
        assert!(!is_date_time(no), "{no}");
    }
    for yes in ["0", "10000", "-3", "12.50"] {
        assert!(is_decimal(yes), "{yes}");
    }
    for no in ["", "-", "1.", ".5", "1e3", "12a"] {
        assert!(!is_decimal(no), "{no}");
    }
}

#[test]
fn targets_come_in_the_picker_order() {
    let choices = targets("order_id");
    let labels: Vec<&str> = choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "userId",
            "anonymousId",
            "event",
            "properties.order_id",
            "traits.order_id",
            "context.traits.order_id",
            "timestamp",
            "messageId",
            "groupId",
            "object_id",
        ]
    );
    assert_eq!(choices[5].target, ["context", "traits", "order_id"]);
    let ids: Vec<bool> = choices.iter().map(|c| c.object_id).collect();
    assert_eq!(ids.iter().filter(|b| **b).count(), 1);
    assert!(choices[9].object_id);
    assert!(choices.iter().all(|c| !c.description.is_empty()));
}

#[test]
fn event_names_start_with_the_spec_and_end_with_the_derived_name() {
    let names = event_names("subscription.on_hold");
    assert_eq!(names[0], "Order Completed");
    assert!(names.iter().any(|n| n == "Payment Info Entered"));
    let ecommerce_end = names.iter().position(|n| n == "Product Reviewed").unwrap();
    let b2b_start = names.iter().position(|n| n == "Trial Started").unwrap();
    assert!(ecommerce_end < b2b_start);
    assert_eq!(
        names.last().map(String::as_str),
        Some("Subscription On Hold")
    );
    // A derived name the spec has already is not offered twice.
    let cancelled = event_names("order.cancelled");
    assert_eq!(
        cancelled.iter().filter(|n| *n == "Order Cancelled").count(),
        1
    );
    assert_eq!(cancelled.len(), names.len() - 1);
}

#[test]
fn schema_fields_flatten_the_body() {
    let fields = schema_fields("payment.succeeded");
    let find = |text: &str| fields.iter().find(|f| f.path.text == text);
    let paths: Vec<&str> = fields.iter().map(|f| f.path.text.as_str()).collect();
    // The envelope in schema order, `data` replaced by its fields.
    assert_eq!(paths[0], "business_id");
    assert_eq!(paths.last().copied(), Some("type"));
    assert!(
        paths.iter().position(|p| *p == "timestamp")
            > paths.iter().position(|p| p.starts_with("data."))
    );
    let email = find("data.customer.email").expect("customer email");
    assert_eq!((email.ty.as_str(), email.required), ("a string", true));
    let cart = find("data.product_cart").expect("cart");
    assert!(cart.ty.starts_with("an array of"), "{}", cart.ty);
    let item = find("data.product_cart[0].product_id").expect("cart item");
    assert!(!item.required);
    assert_eq!(item.path.segments[2], PathSegment::Index(0));
    let metadata = find("data.metadata").expect("metadata");
    assert_eq!(metadata.ty, "an object");
    assert!(find("data.metadata.x").is_none());
    assert!(!find("data.discount_id").expect("discount").required);
    // Every path is one the schema knows.
    for field in &fields {
        let keys = field.path.lookup_keys();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert!(
            matches!(
                Schema::dodo().lookup("payment.succeeded", &keys),
                PathCheck::Exists { .. }
            ),
            "{}",
            field.path.text
        );
    }
    assert!(schema_fields("not.a_type").is_empty());
}

#[test]
fn every_builtin_fixture_field_is_in_the_schema_fields() {
    // The picker lists what a body lacks from these: every leaf a Dodo sample has is among them.
    let set = FixtureSet::builtin().expect("built-in fixtures");
    for fixture in set.iter().filter(|f| f.is_dodo_sample() && !f.variant) {
        let fields = schema_fields(&fixture.event_type);
        let known: Vec<&str> = fields.iter().map(|f| f.path.text.as_str()).collect();
        let Some(data) = fixture.json.get("data").and_then(Value::as_object) else {
            continue;
        };
        for (name, value) in data {
            if name == "payload_type" || value.is_object() || value.is_array() {
                continue;
            }
            let text = format!("data.{name}");
            // A null object of a model is listed by its fields.
            let listed = known
                .iter()
                .any(|k| *k == text || k.starts_with(&format!("{text}.")));
            assert!(listed, "{}: {text}", fixture.name);
        }
    }
}

#[test]
fn every_schema_path_reads_back_as_itself() {
    for event_type in Schema::dodo().event_types() {
        for field in schema_fields(event_type) {
            let read = crate::mapping::path::parse_path(&field.path.text);
            assert_eq!(read.ok(), Some(field.path.clone()), "{}", field.path.text);
        }
    }
}
