//! Dodo's webhook schema: every event type's `data` model, as Dodo's SDKs define it, compiled
//! into the binary from `dodo-webhooks.json`.
//!
//! The file is hookbench's own description of the models (not code from the SDKs). Each model
//! maps a field to a type: `string`, `integer`, `boolean`, `date-time`, `object` (free-form, any
//! keys), `currency` (ISO 4217), `country` (ISO 3166 alpha-2), an enum name, a model name, or
//! `[T]` for an array of `T`. A trailing `?` makes the field optional: it may be absent or null.
//! A field without `?` is required and never null.
//!
//! [`Schema::check`] turns a body into [`InputDiagnostic`]s; [`Schema::lookup`] says whether a
//! path exists in an event type's body, for checks of what a transformation reads.

mod check;
mod reads;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

pub use check::{InputDiagnostic, codes};
pub use reads::ReadWarning;

use crate::suggest::closest_names;

/// The schema text, as shipped.
const SCHEMA_JSON: &str = include_str!("dodo-webhooks.json");

/// `data.payload_type` appears in Dodo's 2025 examples but in no model of the newest SDKs, so a
/// body may or may not carry it; it is accepted on every event's `data`.
const PAYLOAD_TYPE: &str = "payload_type";

/// Which Dodo release the schema follows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SchemaVersion {
    /// When the facts were read, e.g. `2026-12`.
    pub date: String,
    /// The Python SDK the models follow, e.g. `dodopayments 1.123.0`.
    pub python_sdk: String,
    /// The npm SDK whose event type list matches, e.g. `dodopayments 2.52.0`.
    pub npm_sdk: String,
}

/// The type of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    String,
    Integer,
    Boolean,
    /// An ISO 8601 / RFC 3339 timestamp string.
    DateTime,
    /// A free-form object (`metadata`): any keys, any values.
    Object,
    /// An ISO 4217 code: three capital letters.
    Currency,
    /// An ISO 3166 alpha-2 code: two capital letters.
    Country,
    /// One of the named enum's strings.
    Enum(String),
    /// An object of the named model.
    Model(String),
    /// An array whose items have the inner type.
    Array(Box<FieldType>),
}

impl FieldType {
    /// How the type reads in a message: "a string", "an array of Dispute", "one of PaymentStatus".
    pub fn describe(&self) -> String {
        match self {
            FieldType::String => "a string".into(),
            FieldType::Integer => "an integer".into(),
            FieldType::Boolean => "a boolean".into(),
            FieldType::DateTime => "a date-time string".into(),
            FieldType::Object => "an object".into(),
            FieldType::Currency => "an ISO 4217 currency code".into(),
            FieldType::Country => "an ISO 3166 alpha-2 country code".into(),
            FieldType::Enum(name) => format!("a {name} string"),
            FieldType::Model(name) => format!("a {name} object"),
            FieldType::Array(inner) => format!("an array of {}", inner.item_name()),
        }
    }

    fn item_name(&self) -> String {
        match self {
            FieldType::Model(name) | FieldType::Enum(name) => name.clone(),
            FieldType::Array(inner) => format!("arrays of {}", inner.item_name()),
            other => other.describe().trim_start_matches("a ").to_string() + "s",
        }
    }
}

/// One field of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    /// Required fields are always present and never null; optional ones may be absent or null.
    pub required: bool,
}

/// A named object model: its fields, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub name: String,
    pub fields: Vec<Field>,
}

impl Model {
    /// The field with this name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Why the shipped schema text could not be read; tests keep it from happening.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("the webhook schema is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the webhook schema's {owner} names the unknown type `{ty}`")]
    UnknownType { owner: String, ty: String },
}

/// What a path into a webhook body of one event type is, by the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathCheck {
    /// The path exists. `always` is true when every body has a non-null value there (the field
    /// and all fields above it are required).
    Exists { ty: FieldType, always: bool },
    /// The path is inside a free-form object such as `metadata`, where any key may appear.
    /// `object` is the dotted path of that object.
    FreeForm { object: String },
    /// `field` is not a field of the object at `parent` (dotted; "" for the envelope);
    /// `suggestions` are the closest of its siblings, best first.
    Missing {
        parent: String,
        field: String,
        suggestions: Vec<String>,
    },
    /// The path goes below `at`, which holds a string, number or boolean.
    BelowScalar { at: String },
    /// The event type is not one Dodo sends, so nothing is known about its body.
    UnknownEventType,
}

/// Dodo's webhook schema.
#[derive(Debug, Clone)]
pub struct Schema {
    version: SchemaVersion,
    envelope: Model,
    events: BTreeMap<String, String>,
    enums: BTreeMap<String, Vec<String>>,
    models: BTreeMap<String, Model>,
}

#[derive(Deserialize)]
struct SchemaFile {
    version: SchemaVersion,
    envelope: BTreeMap<String, String>,
    events: BTreeMap<String, String>,
    enums: BTreeMap<String, Vec<String>>,
    models: BTreeMap<String, BTreeMap<String, String>>,
}

/// The name `data` stands for in the envelope: the event type's own model.
const DATA_MODEL: &str = "data";

impl Schema {
    /// The schema shipped with hookbench, read once and shared: it is a constant of the binary.
    pub fn dodo() -> &'static Schema {
        static DODO: OnceLock<Schema> = OnceLock::new();
        DODO.get_or_init(|| {
            // The text is part of the binary and a unit test parses it, so this cannot fail
            // for anything a user does.
            Schema::parse(SCHEMA_JSON).expect("the compiled-in webhook schema is valid")
        })
    }

    /// Reads a schema in the format of `dodo-webhooks.json`.
    pub fn parse(text: &str) -> Result<Schema, SchemaError> {
        let file: SchemaFile = serde_json::from_str(text)?;
        let known = |name: &str| {
            name == DATA_MODEL || file.models.contains_key(name) || file.enums.contains_key(name)
        };
        let model = |owner: &str,
                     fields: &BTreeMap<String, String>|
         -> Result<Model, SchemaError> {
            let mut out = Vec::with_capacity(fields.len());
            for (name, spec) in fields {
                let (spec, required) = match spec.strip_suffix('?') {
                    Some(inner) => (inner, false),
                    None => (spec.as_str(), true),
                };
                let ty = parse_type(spec, &file.enums).ok_or_else(|| SchemaError::UnknownType {
                    owner: format!("{owner}.{name}"),
                    ty: spec.to_string(),
                })?;
                if let Some(named) = named_type(&ty)
                    && !known(named)
                {
                    return Err(SchemaError::UnknownType {
                        owner: format!("{owner}.{name}"),
                        ty: named.to_string(),
                    });
                }
                out.push(Field {
                    name: name.clone(),
                    ty,
                    required,
                });
            }
            Ok(Model {
                name: owner.to_string(),
                fields: out,
            })
        };
        let envelope = model("envelope", &file.envelope)?;
        let mut models = BTreeMap::new();
        for (name, fields) in &file.models {
            models.insert(name.clone(), model(name, fields)?);
        }
        for (event, data) in &file.events {
            if !models.contains_key(data) {
                return Err(SchemaError::UnknownType {
                    owner: event.clone(),
                    ty: data.clone(),
                });
            }
        }
        Ok(Schema {
            version: file.version,
            envelope,
            events: file.events,
            enums: file.enums,
            models,
        })
    }

    /// The Dodo release the schema follows.
    pub fn version(&self) -> &SchemaVersion {
        &self.version
    }

    /// Every event type the schema knows, sorted.
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        self.events.keys().map(String::as_str)
    }

    /// The envelope every body shares: `business_id`, `data`, `timestamp`, `type`.
    pub fn envelope(&self) -> &Model {
        &self.envelope
    }

    /// The model of `data` for an event type, or None for a type Dodo does not send.
    pub fn data_model(&self, event_type: &str) -> Option<&Model> {
        self.events
            .get(event_type)
            .and_then(|name| self.models.get(name))
    }

    /// A model by name.
    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.get(name)
    }

    /// The strings a named enum allows.
    pub fn enum_values(&self, name: &str) -> Option<&[String]> {
        self.enums.get(name).map(Vec::as_slice)
    }

    /// What `path` (keys from the top of the body, e.g. `["data", "recurring_amount"]`; array
    /// items as an index, e.g. `["data", "refunds", "0", "amount"]`) is in a body of
    /// `event_type`. An array's `length` exists too, as JavaScript reads it.
    pub fn lookup(&self, event_type: &str, path: &[&str]) -> PathCheck {
        let Some(data_model) = self.data_model(event_type) else {
            return PathCheck::UnknownEventType;
        };
        // Borrowed from the schema while walking (a run's reads are looked up per event); the
        // dotted path is written out only for an answer that names it.
        let envelope = FieldType::Model(self.envelope.name.clone());
        let mut ty: &FieldType = &envelope;
        let mut always = true;
        let dotted = |walked: usize| path[..walked].join(".");
        for (walked, segment) in path.iter().enumerate() {
            match ty {
                FieldType::Object => {
                    return PathCheck::FreeForm {
                        object: dotted(walked),
                    };
                }
                FieldType::Array(inner) => {
                    if *segment == "length" {
                        ty = &FieldType::Integer;
                    } else if segment.parse::<usize>().is_ok() {
                        // An item may not be there: the array can be empty.
                        always = false;
                        ty = inner;
                    } else {
                        return PathCheck::Missing {
                            parent: dotted(walked),
                            field: segment.to_string(),
                            suggestions: Vec::new(),
                        };
                    }
                }
                FieldType::Model(name) => {
                    let model = if name == &self.envelope.name {
                        &self.envelope
                    } else if name == DATA_MODEL {
                        data_model
                    } else {
                        match self.models.get(name) {
                            Some(m) => m,
                            None => return PathCheck::UnknownEventType,
                        }
                    };
                    let is_data = std::ptr::eq(model, data_model);
                    match model.field(segment) {
                        Some(field) => {
                            always &= field.required;
                            ty = &field.ty;
                        }
                        None if is_data && *segment == PAYLOAD_TYPE => {
                            always = false;
                            ty = &FieldType::String;
                        }
                        None => {
                            let names = model.fields.iter().map(|f| f.name.as_str());
                            return PathCheck::Missing {
                                parent: dotted(walked),
                                field: segment.to_string(),
                                suggestions: closest_names(segment, names, 3),
                            };
                        }
                    }
                }
                _ => {
                    return PathCheck::BelowScalar { at: dotted(walked) };
                }
            }
        }
        PathCheck::Exists {
            ty: ty.clone(),
            always,
        }
    }
}

fn parse_type(spec: &str, enums: &BTreeMap<String, Vec<String>>) -> Option<FieldType> {
    if let Some(inner) = spec.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return parse_type(inner, enums).map(|t| FieldType::Array(Box::new(t)));
    }
    let ty = match spec {
        "string" => FieldType::String,
        "integer" => FieldType::Integer,
        "boolean" => FieldType::Boolean,
        "date-time" => FieldType::DateTime,
        "object" => FieldType::Object,
        "currency" => FieldType::Currency,
        "country" => FieldType::Country,
        "" => return None,
        name if enums.contains_key(name) => FieldType::Enum(name.to_string()),
        name => FieldType::Model(name.to_string()),
    };
    Some(ty)
}

fn named_type(ty: &FieldType) -> Option<&str> {
    match ty {
        FieldType::Enum(name) | FieldType::Model(name) => Some(name),
        FieldType::Array(inner) => named_type(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::catalog::EVENT_TYPES;

    #[test]
    fn the_shipped_schema_parses_and_states_its_version() {
        let schema = Schema::parse(SCHEMA_JSON).expect("parses");
        assert_eq!(schema.version().date, "2026-12");
        assert_eq!(schema.version().python_sdk, "dodopayments 1.123.0");
        assert_eq!(schema.version().npm_sdk, "dodopayments 2.52.0");
    }

    #[test]
    fn the_schema_covers_exactly_the_catalog() {
        let schema = Schema::dodo();
        let mut catalog: Vec<&str> = EVENT_TYPES.iter().map(|e| e.name).collect();
        catalog.sort_unstable();
        assert_eq!(schema.event_types().collect::<Vec<_>>(), catalog);
        for e in &EVENT_TYPES {
            let model = schema.data_model(e.name).expect("model");
            assert_eq!(model.name, e.payload_kind, "{}", e.name);
        }
    }

    #[test]
    fn facts_of_the_newest_sdk_are_in_the_models() {
        let schema = Schema::dodo();
        let payment = schema.model("Payment").expect("Payment");
        for name in [
            "includes_usage",
            "is_multi_subscription",
            "is_update_payment_method",
            "payment_provider",
            "retry_attempt",
            "service_periods",
            "subscription_ids",
        ] {
            assert!(payment.field(name).is_some_and(|f| f.required), "{name}");
        }
        let customer = schema.model("CustomerLimitedDetails").expect("customer");
        assert_eq!(
            customer.field("name").map(|f| (&f.ty, f.required)),
            Some((&FieldType::String, true))
        );
        let subscription = schema.model("Subscription").expect("Subscription");
        assert!(
            subscription
                .field("past_due_ends_at")
                .is_some_and(|f| !f.required)
        );
        assert!(
            schema
                .enum_values("SubscriptionStatus")
                .is_some_and(|v| v.iter().any(|s| s == "past_due"))
        );
        assert_eq!(
            schema.enum_values("PaymentProvider"),
            Some(&["stripe".to_string(), "adyen".into(), "dodo".into()][..])
        );
    }

    #[test]
    fn unknown_type_names_are_refused() {
        let text = r#"{"version": {"date": "d", "python_sdk": "p", "npm_sdk": "n"},
            "envelope": {"data": "data"}, "events": {"a.b": "M"}, "enums": {},
            "models": {"M": {"x": "Nope"}}}"#;
        let err = Schema::parse(text).expect_err("unknown type");
        assert!(err.to_string().contains("`Nope`"), "{err}");
    }

    #[test]
    fn lookup_finds_fields_and_suggests_siblings() {
        let schema = Schema::dodo();
        assert_eq!(
            schema.lookup("subscription.active", &["data", "recurring_pre_tax_amount"]),
            PathCheck::Exists {
                ty: FieldType::Integer,
                always: true
            }
        );
        match schema.lookup("subscription.active", &["data", "recurring_amount"]) {
            PathCheck::Missing {
                parent,
                field,
                suggestions,
            } => {
                assert_eq!(parent, "data");
                assert_eq!(field, "recurring_amount");
                assert_eq!(
                    suggestions.first().map(String::as_str),
                    Some("recurring_pre_tax_amount")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            schema.lookup("payment.succeeded", &["data", "customer", "name"]),
            PathCheck::Exists {
                ty: FieldType::String,
                always: true
            }
        );
        assert_eq!(
            schema.lookup("payment.succeeded", &["data", "tax"]),
            PathCheck::Exists {
                ty: FieldType::Integer,
                always: false
            }
        );
        assert_eq!(
            schema.lookup("payment.succeeded", &["data", "metadata", "plan", "x"]),
            PathCheck::FreeForm {
                object: "data.metadata".into()
            }
        );
        assert_eq!(
            schema.lookup("payment.succeeded", &["data", "total_amount", "value"]),
            PathCheck::BelowScalar {
                at: "data.total_amount".into()
            }
        );
        assert_eq!(
            schema.lookup("payment.succeeded", &["data", "refunds", "0", "amount"]),
            PathCheck::Exists {
                ty: FieldType::Integer,
                always: false
            }
        );
        assert_eq!(
            schema.lookup("payment.succeeded", &["data", "refunds", "length"]),
            PathCheck::Exists {
                ty: FieldType::Integer,
                always: true
            }
        );
        assert!(matches!(
            schema.lookup("payment.succeeded", &["data", "payload_type"]),
            PathCheck::Exists { always: false, .. }
        ));
        assert!(matches!(
            schema.lookup("payment.succeeded", &["timestamp"]),
            PathCheck::Exists { always: true, .. }
        ));
        assert!(matches!(
            schema.lookup("payment.succeeded", &["datum"]),
            PathCheck::Missing { ref parent, ref suggestions, .. }
                if parent.is_empty() && suggestions.first().map(String::as_str) == Some("data")
        ));
        assert_eq!(
            schema.lookup("acme.thing", &["data"]),
            PathCheck::UnknownEventType
        );
        assert!(matches!(
            schema.lookup("payment.succeeded", &[]),
            PathCheck::Exists { always: true, .. }
        ));
    }

    #[test]
    fn types_read_well_in_messages() {
        assert_eq!(FieldType::Integer.describe(), "an integer");
        assert_eq!(
            FieldType::Array(Box::new(FieldType::Model("Dispute".into()))).describe(),
            "an array of Dispute"
        );
        assert_eq!(
            FieldType::Array(Box::new(FieldType::String)).describe(),
            "an array of strings"
        );
    }
}
