//! Input diagnostics: a webhook body checked against Dodo's schema.
//!
//! Codes and severities (stable; tools may match on them):
//! - `unknown-event-type` (warning): `type` names no event Dodo sends; nothing below is checked.
//! - `missing-field` (error): a required field is absent.
//! - `wrong-type` (error): a value has another JSON type than the schema's, or is null where
//!   the field is never null.
//! - `not-in-enum` (error): a string is not one of the values the field allows.
//! - `wrong-format` (error): a string is not a date-time, currency or country code.
//! - `unknown-field` (info): a field no model declares; Dodo's SDKs keep extra fields, so this
//!   only says the body has more than the schema knows (newer Dodo, or a hand-made typo).
//!
//! The errors are what Dodo's SDK models refuse: a body with one is not what Dodo sends.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{DATA_MODEL, FieldType, Model, PAYLOAD_TYPE, Schema};
use crate::segment::Severity;
use crate::segment::diagnostic::Finding;
use crate::suggest::closest_names;

/// The stable codes of input diagnostics.
pub mod codes {
    pub const UNKNOWN_EVENT_TYPE: &str = "unknown-event-type";
    pub const MISSING_FIELD: &str = "missing-field";
    pub const WRONG_TYPE: &str = "wrong-type";
    pub const NOT_IN_ENUM: &str = "not-in-enum";
    pub const WRONG_FORMAT: &str = "wrong-format";
    pub const UNKNOWN_FIELD: &str = "unknown-field";
}

/// One finding about a webhook body: a stable `code`, a JSON pointer `path` into the body ("" is
/// the whole body) and a message naming the event type and the dotted field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputDiagnostic {
    pub severity: Severity,
    pub code: String,
    pub path: String,
    pub message: String,
}

impl Finding for InputDiagnostic {
    fn severity(&self) -> Severity {
        self.severity
    }
    fn code(&self) -> &str {
        &self.code
    }
    fn path(&self) -> &str {
        &self.path
    }
    fn message(&self) -> &str {
        &self.message
    }
}

/// One step of the walk down a body.
#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

/// Where the walk is, as the steps from the root. The JSON pointer and the dotted path are
/// written out only for a finding: most places have none.
#[derive(Clone, Copy)]
struct Place<'a> {
    parent: Option<&'a Place<'a>>,
    step: Step<'a>,
}

impl<'a> Place<'a> {
    fn root() -> Place<'static> {
        Place {
            parent: None,
            step: Step::Root,
        }
    }

    fn key(&'a self, key: &'a str) -> Place<'a> {
        Place {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    fn index(&'a self, i: usize) -> Place<'a> {
        Place {
            parent: Some(self),
            step: Step::Index(i),
        }
    }

    /// The steps from the root down to here.
    fn steps(&self) -> Vec<Step<'a>> {
        let mut steps = vec![self.step];
        let mut at = self.parent;
        while let Some(place) = at {
            steps.push(place.step);
            at = place.parent;
        }
        steps.reverse();
        steps
    }

    /// The JSON pointer of this place: `/data/product_cart/0`.
    fn pointer(&self) -> String {
        let mut pointer = String::new();
        for step in self.steps() {
            match step {
                Step::Root => {}
                Step::Key(key) => {
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
                Step::Index(i) => pointer.push_str(&format!("/{i}")),
            }
        }
        pointer
    }

    /// The dotted path of this place: `data.product_cart[0]`.
    fn dotted(&self) -> String {
        let mut dotted = String::new();
        for step in self.steps() {
            match step {
                Step::Root => {}
                Step::Key(key) => {
                    if !dotted.is_empty() {
                        dotted.push('.');
                    }
                    dotted.push_str(key);
                }
                Step::Index(i) => dotted.push_str(&format!("[{i}]")),
            }
        }
        dotted
    }
}

struct Checker<'a> {
    schema: &'a Schema,
    /// `payment.succeeded: ` or "" when the body names no type.
    prefix: String,
    data_model: Option<&'a Model>,
    out: Vec<InputDiagnostic>,
}

impl Checker<'_> {
    fn push(&mut self, severity: Severity, code: &str, at: &Place, message: String) {
        self.out.push(InputDiagnostic {
            severity,
            code: code.to_string(),
            path: at.pointer(),
            message: format!("{}{message}", self.prefix),
        });
    }

    fn object(&mut self, model: &Model, map: &serde_json::Map<String, Value>, at: &Place) {
        let is_data = self
            .data_model
            .is_some_and(|data| std::ptr::eq(data, model));
        // How many of the map's keys are fields: when all are, none is unknown.
        let mut known = usize::from(is_data && map.contains_key(PAYLOAD_TYPE));
        for field in &model.fields {
            let value = map.get(&field.name);
            known += usize::from(value.is_some());
            // Most values are plain and right: nothing more to look at.
            if value.is_some_and(|v| plainly_valid(&field.ty, v)) {
                continue;
            }
            let place = at.key(&field.name);
            match value {
                None if field.required => self.push(
                    Severity::Error,
                    codes::MISSING_FIELD,
                    &place,
                    format!(
                        "`{}` is required by Dodo's schema and missing",
                        place.dotted()
                    ),
                ),
                None => {}
                Some(Value::Null) if field.required => self.push(
                    Severity::Error,
                    codes::WRONG_TYPE,
                    &place,
                    format!(
                        "`{}` is null; Dodo's schema says it is always {}",
                        place.dotted(),
                        field.ty.describe()
                    ),
                ),
                Some(Value::Null) => {}
                Some(value) => self.value(&field.ty, value, &place),
            }
        }
        if known == map.len() {
            return;
        }
        for key in map.keys() {
            if model.field(key).is_some() || (is_data && key == PAYLOAD_TYPE) {
                continue;
            }
            let place = at.key(key);
            let names = model.fields.iter().map(|f| f.name.as_str());
            let hint = match closest_names(key, names, 1).first() {
                Some(near) => format!("; did you mean `{near}`?"),
                None => String::new(),
            };
            let owner = if model.name == "envelope" {
                "a webhook envelope".to_string()
            } else {
                model.name.clone()
            };
            self.push(
                Severity::Info,
                codes::UNKNOWN_FIELD,
                &place,
                format!(
                    "`{}` is not a field of {owner} in Dodo's schema{hint}",
                    place.dotted()
                ),
            );
        }
    }

    fn value(&mut self, ty: &FieldType, value: &Value, at: &Place) {
        let wrong = |found: &Value| {
            format!(
                "`{}` is {}; Dodo's schema says {}",
                at.dotted(),
                kind_of(found),
                ty.describe()
            )
        };
        match ty {
            FieldType::String => {
                if !value.is_string() {
                    self.push(Severity::Error, codes::WRONG_TYPE, at, wrong(value));
                }
            }
            FieldType::Integer => {
                if !(value.is_i64() || value.is_u64()) {
                    self.push(Severity::Error, codes::WRONG_TYPE, at, wrong(value));
                }
            }
            FieldType::Boolean => {
                if !value.is_boolean() {
                    self.push(Severity::Error, codes::WRONG_TYPE, at, wrong(value));
                }
            }
            FieldType::Object => {
                if !value.is_object() {
                    self.push(Severity::Error, codes::WRONG_TYPE, at, wrong(value));
                }
            }
            FieldType::DateTime | FieldType::Currency | FieldType::Country => {
                let Some(text) = value.as_str() else {
                    self.push(Severity::Error, codes::WRONG_TYPE, at, wrong(value));
                    return;
                };
                let ok = match ty {
                    FieldType::DateTime => is_date_time(text),
                    FieldType::Currency => is_code(text, 3),
                    _ => is_code(text, 2),
                };
                if !ok {
                    self.push(
                        Severity::Error,
                        codes::WRONG_FORMAT,
                        at,
                        format!("`{}` is {value}, not {}", at.dotted(), ty.describe()),
                    );
                }
            }
            FieldType::Enum(name) => {
                let Some(text) = value.as_str() else {
                    self.push(Severity::Error, codes::WRONG_TYPE, at, wrong(value));
                    return;
                };
                let allowed = self.schema.enum_values(name).unwrap_or_default();
                if !allowed.iter().any(|a| a == text) {
                    let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                    self.push(
                        Severity::Error,
                        codes::NOT_IN_ENUM,
                        at,
                        format!(
                            "`{}` is `{value}`, not one of {}",
                            at.dotted(),
                            list.join(", ")
                        ),
                    );
                }
            }
            FieldType::Model(name) => {
                let Some(map) = value.as_object() else {
                    self.push(Severity::Error, codes::WRONG_TYPE, at, wrong(value));
                    return;
                };
                let model = if name == DATA_MODEL {
                    self.data_model
                } else {
                    self.schema.model(name)
                };
                if let Some(model) = model {
                    self.object(model, map, at);
                }
            }
            FieldType::Array(inner) => {
                let Some(items) = value.as_array() else {
                    self.push(Severity::Error, codes::WRONG_TYPE, at, wrong(value));
                    return;
                };
                for (i, item) in items.iter().enumerate() {
                    let place = at.index(i);
                    if item.is_null() {
                        self.push(
                            Severity::Error,
                            codes::WRONG_TYPE,
                            &place,
                            format!(
                                "`{}` is null; Dodo's schema says {}",
                                place.dotted(),
                                inner.describe()
                            ),
                        );
                    } else {
                        self.value(inner, item, &place);
                    }
                }
            }
        }
    }
}

impl Schema {
    /// The input diagnostics of one webhook body, in body order (envelope fields, then `data`'s
    /// by name). A body without findings conforms to the schema.
    pub fn check(&self, body: &Value) -> Vec<InputDiagnostic> {
        let event_type = body.get("type").and_then(Value::as_str);
        let mut checker = Checker {
            schema: self,
            prefix: event_type.map(|t| format!("{t}: ")).unwrap_or_default(),
            data_model: event_type.and_then(|t| self.data_model(t)),
            out: Vec::new(),
        };
        let root = Place::root();
        let Some(map) = body.as_object() else {
            checker.push(
                Severity::Error,
                codes::WRONG_TYPE,
                &root,
                format!(
                    "the body is {}; Dodo sends a JSON object (a webhook envelope)",
                    kind_of(body)
                ),
            );
            return checker.out;
        };
        if let Some(name) = event_type
            && checker.data_model.is_none()
        {
            let known = self.event_types();
            let hint = match closest_names(name, known, 3).as_slice() {
                [] => String::new(),
                near => format!("; did you mean {}?", quoted(near)),
            };
            checker.prefix.clear();
            checker.push(
                Severity::Warning,
                codes::UNKNOWN_EVENT_TYPE,
                &root.key("type"),
                format!("`{name}` is an unknown event type: Dodo sends none by that name{hint}"),
            );
            return checker.out;
        }
        checker.object(&self.envelope, map, &root);
        checker.out
    }
}

/// True when `value` is a valid, non-null value of a scalar type that needs no further look.
fn plainly_valid(ty: &FieldType, value: &Value) -> bool {
    match ty {
        FieldType::String => value.is_string(),
        FieldType::Integer => value.is_i64() || value.is_u64(),
        FieldType::Boolean => value.is_boolean(),
        FieldType::Object => value.is_object(),
        FieldType::Array(_) => value.as_array().is_some_and(Vec::is_empty),
        _ => false,
    }
}

fn quoted(names: &[String]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    list.join(" or ")
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An RFC 3339 timestamp, or one without a zone (which Dodo's SDKs also read).
fn is_date_time(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
        || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

fn is_code(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payment() -> Value {
        json!({
            "business_id": "bus_1",
            "type": "payment.succeeded",
            "timestamp": "2026-03-02T09:14:07.402113Z",
            "data": {
                "payload_type": "Payment",
                "billing": {"country": "US"},
                "brand_id": "bus_1",
                "business_id": "bus_1",
                "created_at": "2026-03-02T09:13:51Z",
                "currency": "USD",
                "customer": {"customer_id": "cus_1", "email": "a@b.c", "name": "A"},
                "digital_products_delivered": false,
                "disputes": [],
                "includes_usage": false,
                "is_multi_subscription": false,
                "is_update_payment_method": false,
                "metadata": {"anything": [1, 2]},
                "payment_id": "pay_1",
                "payment_provider": "stripe",
                "refunds": [],
                "retry_attempt": 0,
                "service_periods": [],
                "settlement_amount": 400,
                "settlement_currency": "USD",
                "subscription_ids": [],
                "total_amount": 400,
                "status": "succeeded",
                "tax": null
            }
        })
    }

    fn check(body: &Value) -> Vec<InputDiagnostic> {
        Schema::dodo().check(body)
    }

    fn only(body: &Value) -> InputDiagnostic {
        let found = check(body);
        assert_eq!(found.len(), 1, "{found:#?}");
        found.into_iter().next().expect("one")
    }

    #[test]
    fn a_conforming_body_has_no_findings() {
        assert_eq!(check(&payment()), []);
    }

    #[test]
    fn a_missing_required_field_is_an_error() {
        let mut body = payment();
        body["data"]
            .as_object_mut()
            .expect("data")
            .remove("payment_provider");
        let d = only(&body);
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.code, "missing-field");
        assert_eq!(d.path, "/data/payment_provider");
        assert_eq!(
            d.message,
            "payment.succeeded: `data.payment_provider` is required by Dodo's schema and missing"
        );

        let mut body = payment();
        body.as_object_mut().expect("body").remove("timestamp");
        assert_eq!(only(&body).path, "/timestamp");
        // An optional field may be absent or null.
        let mut body = payment();
        body["data"].as_object_mut().expect("data").remove("status");
        body["data"]["tax"] = Value::Null;
        assert_eq!(check(&body), []);
    }

    #[test]
    fn a_value_of_another_type_is_an_error() {
        let mut body = payment();
        body["data"]["total_amount"] = json!("400");
        let d = only(&body);
        assert_eq!(d.code, "wrong-type");
        assert_eq!(d.path, "/data/total_amount");
        assert!(
            d.message
                .contains("is a string; Dodo's schema says an integer"),
            "{}",
            d.message
        );

        let mut body = payment();
        body["data"]["total_amount"] = json!(4.5);
        assert_eq!(only(&body).code, "wrong-type");

        let mut body = payment();
        body["data"]["customer"]["name"] = Value::Null;
        let d = only(&body);
        assert_eq!(d.code, "wrong-type");
        assert_eq!(d.path, "/data/customer/name");
        assert!(d.message.contains("always a string"), "{}", d.message);

        let mut body = payment();
        body["data"]["refunds"] = json!({});
        assert_eq!(only(&body).path, "/data/refunds");

        let mut body = payment();
        body["data"]["subscription_ids"] = json!(["sub_1", 7]);
        let d = only(&body);
        assert_eq!(d.path, "/data/subscription_ids/1");
        assert!(
            d.message.contains("`data.subscription_ids[1]`"),
            "{}",
            d.message
        );

        let mut body = payment();
        body["data"]["metadata"] = json!([]);
        assert_eq!(only(&body).code, "wrong-type");

        let d = only(&json!([1]));
        assert_eq!((d.code.as_str(), d.path.as_str()), ("wrong-type", ""));
    }

    #[test]
    fn nested_models_in_arrays_are_checked() {
        let mut body = payment();
        body["data"]["refunds"] = json!([{
            "business_id": "bus_1", "created_at": "2026-03-02T09:13:51Z", "is_partial": false,
            "payment_id": "pay_1", "refund_id": "ref_1", "status": "done"
        }]);
        let d = only(&body);
        assert_eq!(d.code, "not-in-enum");
        assert_eq!(d.path, "/data/refunds/0/status");
    }

    #[test]
    fn a_string_outside_the_enum_is_an_error() {
        let mut body = payment();
        body["data"]["status"] = json!("paid");
        let d = only(&body);
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.code, "not-in-enum");
        assert_eq!(d.path, "/data/status");
        assert!(
            d.message.starts_with(
                "payment.succeeded: `data.status` is `\"paid\"`, not one of `succeeded`, `failed`"
            ),
            "{}",
            d.message
        );
        let mut body = payment();
        body["data"]["payment_provider"] = json!(1);
        assert_eq!(only(&body).code, "wrong-type");
    }

    #[test]
    fn bad_dates_currencies_and_countries_are_format_errors() {
        for (key, value) in [
            ("created_at", "yesterday"),
            ("currency", "usd"),
            ("settlement_currency", "DOLLAR"),
        ] {
            let mut body = payment();
            body["data"][key] = json!(value);
            let d = only(&body);
            assert_eq!(d.code, "wrong-format", "{key}");
            assert_eq!(d.path, format!("/data/{key}"));
        }
        let mut body = payment();
        body["data"]["billing"]["country"] = json!("USA");
        assert_eq!(only(&body).path, "/data/billing/country");
        let mut body = payment();
        body["data"]["created_at"] = json!("2026-03-02T09:13:51.5");
        assert_eq!(check(&body), [], "a zone-less date-time is read too");
    }

    #[test]
    fn an_unknown_event_type_is_a_warning_with_suggestions() {
        let d = only(&json!({"type": "payment.succeded", "data": {}}));
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(d.code, "unknown-event-type");
        assert_eq!(d.path, "/type");
        assert!(d.message.contains("unknown event type"), "{}", d.message);
        assert!(d.message.contains("`payment.succeeded`"), "{}", d.message);
        assert!(!d.message.starts_with("payment.succeded:"), "{}", d.message);
    }

    #[test]
    fn unknown_fields_are_info_and_payload_type_is_known() {
        let mut body = payment();
        body["data"]["recurring_amount"] = json!(1);
        body["data"]["customer"]["nickname"] = json!("x");
        body["extra"] = json!(true);
        let found = check(&body);
        let got: Vec<(&str, &str, Severity)> = found
            .iter()
            .map(|d| (d.code.as_str(), d.path.as_str(), d.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("unknown-field", "/data/customer/nickname", Severity::Info),
                ("unknown-field", "/data/recurring_amount", Severity::Info),
                ("unknown-field", "/extra", Severity::Info),
            ]
        );
        // payload_type is accepted on data only.
        let mut body = payment();
        body["data"]["customer"]["payload_type"] = json!("x");
        assert_eq!(only(&body).path, "/data/customer/payload_type");
    }

    #[test]
    fn a_body_without_a_type_reports_it_missing() {
        let found = check(&json!({"business_id": "b", "timestamp": "2026-03-02T09:13:51Z"}));
        let codes: Vec<(&str, &str)> = found
            .iter()
            .map(|d| (d.code.as_str(), d.path.as_str()))
            .collect();
        assert_eq!(
            codes,
            [("missing-field", "/data"), ("missing-field", "/type")]
        );
        assert!(found[0].message.starts_with('`'), "{}", found[0].message);
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        let mut body = payment();
        body["data"]["customer"]["a/b~c"] = json!(1);
        assert_eq!(only(&body).path, "/data/customer/a~1b~0c");
    }
}
