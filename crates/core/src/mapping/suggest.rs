//! What the mapping editor's field picker proposes: a property name for a body path, the
//! conversion the value likely wants, the Segment fields it can go to, event names from
//! Segment's spec, and every field Dodo's schema defines for a type.

use serde_json::Value;

use super::model::{Conversion, PathSegment, SourcePath};
use super::path::display;
use super::resolve::derived_event_name;
use crate::webhook::schema::{FieldType, Model, PathCheck, Schema};

/// A Segment property name for a body path: the last key, snake_case (`data.customer.customer_id`
/// → `customer_id`; `data.product_cart[0].product_id` → `product_id`; `data.metadata["Order Ref"]`
/// → `order_ref`; never empty: "value" as the last resort).
pub fn property_name(path: &SourcePath) -> String {
    path.segments
        .iter()
        .rev()
        .filter_map(|segment| match segment {
            PathSegment::Key(key) => Some(snake_case(key)),
            PathSegment::Index(_) => None,
        })
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "value".to_string())
}

/// Lower-case words joined by `_`: a lower-to-upper step (`orderRef`) and any run of characters
/// that are not letters or digits (`Order Ref`, `order.ref`) separate words.
fn snake_case(key: &str) -> String {
    let mut out = String::new();
    let mut pending_break = false;
    let mut previous_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            pending_break = true;
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            pending_break = true;
        }
        if pending_break && !out.is_empty() {
            out.push('_');
        }
        pending_break = false;
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out
}

/// The conversion likely wanted for the value at `path` of `body` (a Dodo body of `event_type`):
/// money when the key names an amount (amount, total, tax, price, *_amount, *_price) and the body
/// has a currency (a `currency` key beside it or `data.currency`) — with that currency path; time
/// for strings that are ISO-8601 date-times (or the schema says date-time); number for strings of
/// digits/decimals whose schema type is a number-as-string (credit balances) or any numeric string;
/// currency for a key named currency; else as-is.
pub fn likely_conversion(event_type: &str, path: &SourcePath, body: &Value) -> Conversion {
    let Some(key) = path.segments.iter().rev().find_map(|s| match s {
        PathSegment::Key(k) => Some(k.as_str()),
        PathSegment::Index(_) => None,
    }) else {
        return Conversion::AsIs;
    };
    let key = key.to_ascii_lowercase();
    let value = value_at(body, &path.segments);
    let schema_type = schema_type(event_type, path);
    if key == "currency" || key.ends_with("_currency") || schema_type == Some(FieldType::Currency) {
        return Conversion::Currency;
    }
    if names_an_amount(&key)
        && let Some(currency) = currency_beside(path, &key, body)
    {
        return Conversion::Money { currency };
    }
    let text = value.and_then(Value::as_str);
    if text.is_some_and(is_date_time) || schema_type == Some(FieldType::DateTime) {
        return Conversion::Time;
    }
    if text.is_some_and(is_decimal) && !names_a_code(&key) {
        return Conversion::Number;
    }
    Conversion::AsIs
}

fn names_an_amount(key: &str) -> bool {
    matches!(key, "amount" | "total" | "tax" | "price")
        || key.ends_with("_amount")
        || key.ends_with("_price")
}

/// Digits that are not quantities: identifiers, postal codes, a card's last four.
fn names_a_code(key: &str) -> bool {
    key == "id"
        || key.ends_with("_id")
        || key.contains("zip")
        || key.contains("postal")
        || key.contains("phone")
        || key.contains("last_four")
        || key.ends_with("code")
}

/// The currency for an amount: `<prefix>_currency` beside `<prefix>_amount`, else `currency`
/// beside it, else `data.currency`, the first of them the body has as a string.
fn currency_beside(path: &SourcePath, key: &str, body: &Value) -> Option<SourcePath> {
    let parent = &path.segments[..path.segments.len().saturating_sub(1)];
    let mut candidates: Vec<Vec<PathSegment>> = Vec::new();
    if let Some((prefix, _)) = key.rsplit_once('_') {
        let mut sibling = parent.to_vec();
        sibling.push(PathSegment::Key(format!("{prefix}_currency")));
        candidates.push(sibling);
    }
    let mut sibling = parent.to_vec();
    sibling.push(PathSegment::Key("currency".into()));
    candidates.push(sibling);
    candidates.push(vec![
        PathSegment::Key("data".into()),
        PathSegment::Key("currency".into()),
    ]);
    candidates
        .into_iter()
        .find(|segments| value_at(body, segments).is_some_and(Value::is_string))
        .map(path_of)
}

fn value_at<'b>(body: &'b Value, segments: &[PathSegment]) -> Option<&'b Value> {
    segments
        .iter()
        .try_fold(body, |value, segment| match segment {
            PathSegment::Key(key) => value.get(key.as_str()),
            PathSegment::Index(i) => value.get(*i),
        })
}

fn schema_type(event_type: &str, path: &SourcePath) -> Option<FieldType> {
    let keys = path.lookup_keys();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    match Schema::dodo().lookup(event_type, &keys) {
        PathCheck::Exists { ty, .. } => Some(ty),
        _ => None,
    }
}

/// `2025-08-04T05:30:45Z`, `2025-08-04T05:30:45.182629+02:00`, `2025-08-04 05:30`: a date, a
/// `T` or space, hours and minutes, optional seconds and fraction, optional zone.
fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| bytes.get(i) == Some(&c);
    let date = digits(0..4) && at(4, b'-') && digits(5..7) && at(7, b'-') && digits(8..10);
    let time = (at(10, b'T') || at(10, b't') || at(10, b' '))
        && digits(11..13)
        && at(13, b':')
        && digits(14..16);
    if !(date && time) {
        return false;
    }
    let mut rest = &text[16..];
    if let Some(after) = rest.strip_prefix(':') {
        let seconds = after
            .get(..2)
            .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit()));
        if !seconds {
            return false;
        }
        rest = &after[2..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return false;
            }
            rest = &fraction[n..];
        }
    }
    match rest {
        "" | "Z" | "z" => true,
        zone => {
            let b = zone.as_bytes();
            b.len() == 6
                && (b[0] == b'+' || b[0] == b'-')
                && b[1..3].iter().all(u8::is_ascii_digit)
                && b[3] == b':'
                && b[4..6].iter().all(u8::is_ascii_digit)
        }
    }
}

/// An optional minus, digits, and an optional fraction: what `Number()` reads back exactly.
fn is_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// A path from segments, in the syntax the mapping file reads.
fn path_of(segments: Vec<PathSegment>) -> SourcePath {
    SourcePath {
        text: display(&segments),
        segments,
    }
}

/// One place the picker offers for a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetChoice {
    /// Where the value goes: `["properties", "order_id"]`; `["object_id"]` for the object id.
    pub target: Vec<String>,
    /// The target as the picker shows it: `properties.order_id`.
    pub label: String,
    pub description: &'static str,
    /// True for the `object_id` meta key, which feeds the derived messageId rather than a field.
    pub object_id: bool,
}

/// The targets the picker offers, in order: userId, anonymousId, event (name from the value),
/// properties.<name>, traits.<name>, context.traits.<name>, timestamp, messageId, groupId,
/// object_id — each with a short description. `name` is the suggested property name.
pub fn targets(name: &str) -> Vec<TargetChoice> {
    let choice = |target: Vec<String>, description: &'static str| TargetChoice {
        label: target.join("."),
        object_id: target == ["object_id"],
        target,
        description,
    };
    let one = |key: &str| vec![key.to_string()];
    let two = |object: &str| vec![object.to_string(), name.to_string()];
    vec![
        choice(
            one("userId"),
            "who the call is about: your id for the customer",
        ),
        choice(one("anonymousId"), "an id for someone not known by userId"),
        choice(
            one("event"),
            "the track call's event name, taken from this value",
        ),
        choice(two("properties"), "a property of the event"),
        choice(
            two("traits"),
            "a trait of the user (identify) or group (group)",
        ),
        choice(
            vec!["context".into(), "traits".into(), name.to_string()],
            "a trait of the user, carried with any call",
        ),
        choice(one("timestamp"), "when it happened (an ISO-8601 date-time)"),
        choice(
            one("messageId"),
            "the call's unique id, replacing the derived one",
        ),
        choice(
            one("groupId"),
            "the account or organisation the user belongs to",
        ),
        choice(
            one("object_id"),
            "the object's id: feeds the derived messageId",
        ),
    ]
}

/// Segment's e-commerce spec events (v2).
const ECOMMERCE_EVENTS: [&str; 28] = [
    "Order Completed",
    "Order Refunded",
    "Order Cancelled",
    "Order Updated",
    "Payment Info Entered",
    "Checkout Started",
    "Checkout Step Viewed",
    "Checkout Step Completed",
    "Product Added",
    "Product Removed",
    "Product Viewed",
    "Product Clicked",
    "Product List Viewed",
    "Product List Filtered",
    "Products Searched",
    "Cart Viewed",
    "Cart Shared",
    "Promotion Viewed",
    "Promotion Clicked",
    "Coupon Entered",
    "Coupon Applied",
    "Coupon Denied",
    "Coupon Removed",
    "Product Added to Wishlist",
    "Product Removed from Wishlist",
    "Wishlist Product Added to Cart",
    "Product Shared",
    "Product Reviewed",
];

/// Segment's B2B SaaS spec events.
const B2B_SAAS_EVENTS: [&str; 10] = [
    "Trial Started",
    "Trial Ended",
    "Account Created",
    "Account Deleted",
    "Signed Up",
    "Signed In",
    "Signed Out",
    "Invite Sent",
    "Account Added User",
    "Account Removed User",
];

/// Segment's spec event names, offered first when naming an event, grouped: e-commerce, then
/// B2B SaaS, then the name derived from the type (unless the spec already has it).
pub fn event_names(event_type: &str) -> Vec<String> {
    let mut names: Vec<String> = ECOMMERCE_EVENTS
        .iter()
        .chain(B2B_SAAS_EVENTS.iter())
        .map(|s| s.to_string())
        .collect();
    let derived = derived_event_name(event_type);
    if !derived.is_empty() && !names.contains(&derived) {
        names.push(derived);
    }
    names
}

/// One field of an event type's body, by the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaField {
    pub path: SourcePath,
    /// The type as messages say it: "a string", "an array of ProductCart", …
    pub ty: String,
    /// True when every body has a non-null value there (the field and all above it required,
    /// and not inside an array item).
    pub required: bool,
}

/// Models nest a few levels at most; this bounds a schema that would refer to itself.
const MAX_DEPTH: usize = 8;

/// Every field Dodo's schema defines for `event_type`, flattened to paths with their types
/// (array items as `[0]`, free-form objects as themselves), in schema order, for the picker to
/// list the fields a body lacks. Empty for a type Dodo does not send.
pub fn schema_fields(event_type: &str) -> Vec<SchemaField> {
    let schema = Schema::dodo();
    let Some(data) = schema.data_model(event_type) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk_model(
        schema,
        data,
        schema.envelope(),
        &mut Vec::new(),
        true,
        &mut out,
    );
    out
}

fn walk_model(
    schema: &Schema,
    data: &Model,
    model: &Model,
    at: &mut Vec<PathSegment>,
    always: bool,
    out: &mut Vec<SchemaField>,
) {
    if at.len() > MAX_DEPTH {
        return;
    }
    for field in &model.fields {
        at.push(PathSegment::Key(field.name.clone()));
        walk_type(schema, data, &field.ty, at, always && field.required, out);
        at.pop();
    }
}

fn walk_type(
    schema: &Schema,
    data: &Model,
    ty: &FieldType,
    at: &mut Vec<PathSegment>,
    always: bool,
    out: &mut Vec<SchemaField>,
) {
    let model = match ty {
        FieldType::Model(name) if name == "data" => Some(data),
        FieldType::Model(name) => schema.model(name),
        _ => None,
    };
    if let Some(model) = model {
        walk_model(schema, data, model, at, always, out);
        return;
    }
    out.push(SchemaField {
        path: path_of(at.clone()),
        ty: ty.describe(),
        required: always,
    });
    if let FieldType::Array(inner) = ty
        && matches!(**inner, FieldType::Model(_))
        && at.len() <= MAX_DEPTH
    {
        at.push(PathSegment::Index(0));
        walk_type(schema, data, inner, at, false, out);
        at.pop();
    }
}

#[cfg(test)]
#[path = "suggest_tests.rs"]
mod tests;
