//! A mapping file's text to its [`Mapping`], with every diagnostic at the key or value it is
//! about. Reading goes on after an error, so one pass reports all of them.

use serde_json::Value;
use toml_edit::{Document, Item, TableLike};

use super::check;
use super::model::{
    Call, Cancel, Conversion, Diagnostic, EventTable, FieldRule, FixedRegion, Mapping, Omit,
    Region, Rule, Rules, Selector, Severity, Source, SourcePath, Span, Spanned,
};
use super::path::{PathError, parse_path, parse_template};
use crate::suggest::{closest_names, did_you_mean};
use crate::webhook::schema::Schema;

/// What reading a mapping file gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The mapping, when no diagnostic is an error.
    pub mapping: Option<Mapping>,
    /// Errors and warnings, in the order of their position in the file.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a mapping file: TOML errors, unknown keys, event types and conversions, malformed
/// paths and rules, then (when there is no error) the checks against Dodo's schema and
/// Segment's naming rules.
pub fn parse(text: &str) -> Parsed {
    let document = match Document::parse(text) {
        Ok(document) => document,
        Err(e) => {
            let at = e.span().unwrap_or(0..0);
            return Parsed {
                mapping: None,
                diagnostics: vec![Diagnostic::error("toml", at, e.message().trim())],
            };
        }
    };
    let mut reader = Reader {
        text,
        diagnostics: Vec::new(),
    };
    let mapping = reader.mapping(document.as_table());
    let mut diagnostics = reader.diagnostics;
    let has_error = |d: &[Diagnostic]| d.iter().any(|d| d.severity == Severity::Error);
    if !has_error(&diagnostics) {
        diagnostics.extend(check::check(&mapping));
    }
    let mapping = (!has_error(&diagnostics)).then_some(mapping);
    diagnostics.sort_by_key(|d| d.at.start);
    Parsed {
        mapping,
        diagnostics,
    }
}

/// The keys of a rule table that are not Segment fields.
const META_KEYS: [&str; 4] = ["call", "object_id", "cancel", "region"];
/// Segment's top-level fields a rule table may set.
const TOP_LEVEL_FIELDS: [&str; 9] = [
    "userId",
    "anonymousId",
    "previousId",
    "groupId",
    "event",
    "name",
    "category",
    "timestamp",
    "messageId",
];
/// The fields whose plain string is a constant rather than a path.
const CONSTANT_FIELDS: [&str; 3] = ["event", "name", "category"];
/// Segment's objects, whose leaves are rules.
const OBJECTS: [&str; 4] = ["properties", "traits", "context", "integrations"];
/// The keys naming where a rule's value comes from.
const SOURCE_KEYS: [&str; 6] = ["path", "value", "template", "first", "env", "each"];
/// The other keys of a rule.
const MODIFIER_KEYS: [&str; 7] = [
    "fields", "convert", "currency", "lookup", "minus", "omit", "required",
];
const OMIT_NAMES: [&str; 3] = ["null", "empty", "never"];

/// How a plain string is read where a rule is expected.
#[derive(Clone, Copy, PartialEq)]
enum Shorthand {
    Path,
    Constant,
}

/// A table's keys as a header writes them: `events."payment.succeeded".properties`.
#[derive(Clone)]
struct Place(Vec<String>);

impl Place {
    fn root(key: &str) -> Place {
        Place(vec![key.to_string()])
    }

    fn child(&self, key: &str) -> Place {
        let mut keys = self.0.clone();
        keys.push(key.to_string());
        Place(keys)
    }

    /// `[events."payment.succeeded".properties]`
    fn header(&self) -> String {
        let keys: Vec<String> = self.0.iter().map(|k| toml_key(k)).collect();
        format!("[{}]", keys.join("."))
    }
}

/// A key as TOML writes it: bare when it can be, else quoted.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        Value::String(key.to_string()).to_string()
    }
}

/// `a`, `b` and `c` as "`a`, `b`, `c`".
fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "did you mean `x`?" when a name is close, else "expected one of: …".
fn hint(name: &str, expected: &[&str]) -> String {
    let close: Vec<String> = closest_names(name, expected.iter().copied(), 2)
        .into_iter()
        .map(|c| format!("`{c}`"))
        .collect();
    did_you_mean(&close, " or ")
        .unwrap_or_else(|| format!("expected one of: {}", expected.join(", ")))
}

/// A table's entries with the spans of their keys, in file order.
fn entries(table: &dyn TableLike) -> Vec<(&str, Span, &Item)> {
    table
        .iter()
        .map(|(key, item)| {
            let key_at = table
                .get_key_value(key)
                .and_then(|(k, _)| k.span())
                .unwrap_or_default();
            (key, key_at, item)
        })
        .collect()
}

fn span_of(item: &Item) -> Span {
    item.span().unwrap_or_default()
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(v) => v.type_name(),
        Item::Table(_) => "table",
        Item::ArrayOfTables(_) => "array of tables",
    }
}

struct Reader<'t> {
    text: &'t str,
    diagnostics: Vec<Diagnostic>,
}

impl Reader<'_> {
    fn error(&mut self, code: &'static str, at: Span, message: String) {
        self.diagnostics.push(Diagnostic::error(code, at, message));
    }

    fn unknown_key(&mut self, key: &str, at: Span, place: &str, expected: &[&str]) {
        let message = format!("unknown key `{key}` in {place}; {}", hint(key, expected));
        self.error("unknown-key", at, message);
    }

    fn mapping(&mut self, root: &dyn TableLike) -> Mapping {
        let mut mapping = Mapping {
            name: None,
            description: None,
            defaults: Rules::default(),
            events: Vec::new(),
        };
        for (key, key_at, item) in entries(root) {
            match key {
                "mapping" => self.meta(item, &mut mapping),
                "defaults" => {
                    let place = Place::root("defaults");
                    if let Some(table) = self.table(item, &place) {
                        mapping.defaults = self.rules(table, span_of(item), &place, true);
                    }
                }
                "events" => self.events(item, &mut mapping.events),
                _ => self.unknown_key(
                    key,
                    key_at,
                    "the file's top level",
                    &["mapping", "defaults", "events"],
                ),
            }
        }
        mapping
    }

    /// The item as a table, or an error saying the place must be one.
    fn table<'i>(&mut self, item: &'i Item, place: &Place) -> Option<&'i dyn TableLike> {
        let table = item.as_table_like();
        if table.is_none() {
            let message = format!(
                "{} must be a table, not a {}",
                place.header(),
                type_name(item)
            );
            self.error("bad-rule", span_of(item), message);
        }
        table
    }

    fn meta(&mut self, item: &Item, mapping: &mut Mapping) {
        let place = Place::root("mapping");
        let Some(table) = self.table(item, &place) else {
            return;
        };
        for (key, key_at, value) in entries(table) {
            let slot = match key {
                "name" => &mut mapping.name,
                "description" => &mut mapping.description,
                _ => {
                    self.unknown_key(key, key_at, "[mapping]", &["name", "description"]);
                    continue;
                }
            };
            match value.as_str() {
                Some(s) => *slot = Some(s.to_string()),
                None => self.error(
                    "bad-rule",
                    span_of(value),
                    format!(
                        "[mapping] {key} must be a string, not a {}",
                        type_name(value)
                    ),
                ),
            }
        }
    }

    fn events(&mut self, item: &Item, out: &mut Vec<EventTable>) {
        let place = Place::root("events");
        let Some(table) = self.table(item, &place) else {
            return;
        };
        for (key, key_at, item) in entries(table) {
            let selector = self.selector(key, key_at.clone());
            let place = place.child(key);
            let Some(table) = self.table(item, &place) else {
                continue;
            };
            let rules = self.rules(table, span_of(item), &place, false);
            if let Some(selector) = selector {
                out.push(EventTable {
                    selector,
                    key_at,
                    rules,
                });
            }
        }
    }

    fn selector(&mut self, key: &str, at: Span) -> Option<Selector> {
        let schema = Schema::dodo();
        if let Some(prefix) = key.strip_suffix(".*") {
            let dotted = format!("{prefix}.");
            if !prefix.is_empty() && schema.event_types().any(|t| t.starts_with(&dotted)) {
                return Some(Selector::Family(prefix.to_string()));
            }
            let mut families: Vec<String> = schema
                .event_types()
                .filter_map(|t| t.split_once('.').map(|(p, _)| format!("{p}.*")))
                .collect();
            families.dedup();
            let families: Vec<&str> = families.iter().map(String::as_str).collect();
            let message = format!(
                "no Dodo event type starts with `{dotted}`, so [events.\"{key}\"] covers nothing; {}",
                hint(key, &families)
            );
            self.error("unknown-event-type", at, message);
            return None;
        }
        if schema.event_types().any(|t| t == key) {
            return Some(Selector::Type(key.to_string()));
        }
        let close: Vec<String> = closest_names(key, schema.event_types(), 2)
            .into_iter()
            .map(|c| format!("`{c}`"))
            .collect();
        let hint = did_you_mean(&close, " or ").unwrap_or_else(|| {
            "expected a Dodo event type such as `payment.succeeded` or a family such as `payment.*`"
                .to_string()
        });
        self.error(
            "unknown-event-type",
            at,
            format!("`{key}` is not a Dodo event type; {hint}"),
        );
        None
    }

    /// `[defaults]` or one `[events."…"]` table.
    fn rules(&mut self, table: &dyn TableLike, at: Span, place: &Place, defaults: bool) -> Rules {
        let mut rules = Rules {
            at,
            ..Rules::default()
        };
        let header = place.header();
        for (key, key_at, item) in entries(table) {
            match key {
                "call" => rules.call = self.call(item, &header),
                "object_id" => {
                    let what = format!("object_id in {header}");
                    rules.object_id = self.rule(item, Shorthand::Path, &what);
                }
                "cancel" => rules.cancel = self.cancel(item, &header),
                "region" if defaults => rules.region = self.region(item),
                "region" => self.error(
                    "bad-region",
                    key_at,
                    format!(
                        "region is set only in [defaults], for the whole mapping, not in {header}"
                    ),
                ),
                _ if TOP_LEVEL_FIELDS.contains(&key) => {
                    let shorthand = if CONSTANT_FIELDS.contains(&key) {
                        Shorthand::Constant
                    } else {
                        Shorthand::Path
                    };
                    let what = format!("{key} in {header}");
                    if let Some(rule) = self.rule(item, shorthand, &what) {
                        rules.fields.push(FieldRule {
                            target: vec![key.to_string()],
                            key_at,
                            rule,
                        });
                    }
                }
                _ if OBJECTS.contains(&key) => {
                    self.object(
                        item,
                        vec![key.to_string()],
                        &place.child(key),
                        &mut rules.fields,
                    );
                }
                _ => {
                    let expected: Vec<&str> = META_KEYS
                        .iter()
                        .chain(TOP_LEVEL_FIELDS.iter())
                        .chain(OBJECTS.iter())
                        .copied()
                        .filter(|k| defaults || *k != "region")
                        .collect();
                    self.unknown_key(key, key_at, &header, &expected);
                }
            }
        }
        rules
    }

    fn call(&mut self, item: &Item, header: &str) -> Option<Spanned<Call>> {
        let names: Vec<&str> = Call::ALL.iter().map(|c| c.as_str()).collect();
        let at = span_of(item);
        match item.as_str() {
            Some(name) => match Call::parse(name) {
                Some(call) => Some(Spanned { value: call, at }),
                None => {
                    let message =
                        format!("unknown call `{name}` in {header}; {}", hint(name, &names));
                    self.error("bad-call", at, message);
                    None
                }
            },
            None => {
                let message = format!(
                    "call in {header} must be a string, one of: {}",
                    names.join(", ")
                );
                self.error("bad-call", at, message);
                None
            }
        }
    }

    fn cancel(&mut self, item: &Item, header: &str) -> Option<Spanned<Cancel>> {
        let at = span_of(item);
        let value = match (item.as_str(), item.as_bool()) {
            (Some(reason), _) => Cancel::Because(reason.to_string()),
            (None, Some(false)) => Cancel::No,
            _ => {
                let message = format!(
                    "cancel in {header} is a reason (a string) or false (to undo a family's cancel), not {}",
                    item.as_bool().map_or(type_name(item), |_| "true")
                );
                self.error("bad-rule", at, message);
                return None;
            }
        };
        Some(Spanned { value, at })
    }

    fn region(&mut self, item: &Item) -> Option<Spanned<Region>> {
        const EXPECTED: &str =
            "expected \"us\", \"eu\" or { env = \"NAME\", default = \"us\" | \"eu\" }";
        let at = span_of(item);
        if let Some(name) = item.as_str() {
            return match fixed_region(name) {
                Some(FixedRegion::Us) => Some(Spanned {
                    value: Region::Us,
                    at,
                }),
                Some(FixedRegion::Eu) => Some(Spanned {
                    value: Region::Eu,
                    at,
                }),
                None => {
                    self.error(
                        "bad-region",
                        at,
                        format!("unknown region `{name}`; {EXPECTED}"),
                    );
                    None
                }
            };
        }
        let Some(table) = item.as_table_like() else {
            let message = format!("region is not a {}; {EXPECTED}", type_name(item));
            self.error("bad-region", at, message);
            return None;
        };
        let mut name = None;
        let mut default = FixedRegion::Us;
        let mut ok = true;
        for (key, key_at, value) in entries(table) {
            match (key, value.as_str()) {
                ("env", Some(n)) if !n.is_empty() => name = Some(n.to_string()),
                ("default", Some(d)) if fixed_region(d).is_some() => {
                    default = fixed_region(d).unwrap_or_default();
                }
                ("env" | "default", _) => {
                    ok = false;
                    let message = format!("region {key} is not valid here; {EXPECTED}");
                    self.error("bad-region", span_of(value), message);
                }
                _ => {
                    ok = false;
                    self.unknown_key(key, key_at, "region", &["env", "default"]);
                }
            }
        }
        match name {
            Some(name) if ok => Some(Spanned {
                value: Region::Env { name, default },
                at,
            }),
            Some(_) => None,
            None => {
                if ok {
                    let message = format!("region needs `env`, the variable naming it; {EXPECTED}");
                    self.error("bad-region", at, message);
                }
                None
            }
        }
    }

    /// The leaves of `properties`, `traits`, `context` or `integrations` (or an `each`'s
    /// `fields`), nested tables included, pushed onto `out` in file order.
    fn object(
        &mut self,
        item: &Item,
        target: Vec<String>,
        place: &Place,
        out: &mut Vec<FieldRule>,
    ) {
        let Some(table) = self.table(item, place) else {
            return;
        };
        for (key, key_at, item) in entries(table) {
            let mut field = target.clone();
            field.push(key.to_string());
            if is_nested_object(item) {
                self.object(item, field, &place.child(key), out);
                continue;
            }
            let what = format!("`{key}` in {}", place.header());
            if let Some(rule) = self.rule(item, Shorthand::Path, &what) {
                out.push(FieldRule {
                    target: field,
                    key_at,
                    rule,
                });
            }
        }
    }

    /// A string (a path, or a constant for `event`/`name`/`category`) or a table with one
    /// source and its modifiers.
    fn rule(&mut self, item: &Item, shorthand: Shorthand, what: &str) -> Option<Rule> {
        let at = span_of(item);
        if let Some(text) = item.as_str() {
            return match shorthand {
                Shorthand::Constant => Some(Rule::constant(Value::String(text.to_string()), at)),
                Shorthand::Path => self.path(item, what).map(|p| Rule::path(p, at)),
            };
        }
        let Some(table) = item.as_table_like() else {
            let message = format!(
                "{what} must be a string (a {}) or a table with one of {}, not a {}",
                if shorthand == Shorthand::Path {
                    "path"
                } else {
                    "constant"
                },
                quoted_list(&SOURCE_KEYS),
                type_name(item)
            );
            self.error("bad-rule", at, message);
            return None;
        };

        let mut ok = true;
        let mut source: Option<(&str, Option<Source>)> = None;
        let mut fields: Option<(Span, &Item)> = None;
        let mut convert: Option<(&str, Span)> = None;
        // An unreadable `convert` is one error; what goes with it is not judged against a guess.
        let mut convert_invalid = false;
        let mut currency: Option<(Option<SourcePath>, Span)> = None;
        let mut lookup: Option<(Vec<(String, Value)>, Span)> = None;
        let mut minus = None;
        let mut omit = Omit::Null;
        let mut required = false;
        for (key, key_at, value) in entries(table) {
            match key {
                _ if SOURCE_KEYS.contains(&key) => {
                    if let Some((first, _)) = source {
                        ok = false;
                        let message =
                            format!("{what} has two sources, `{first}` and `{key}`; keep one");
                        self.error("bad-rule", key_at, message);
                        continue;
                    }
                    let read = match key {
                        "path" => self.path(value, what).map(Source::Path),
                        "value" => self.constant(value, what).map(Source::Value),
                        "template" => self.template(value, what).map(Source::Template),
                        "first" => self.first(value, what).map(Source::First),
                        "env" => self.env(value, what).map(Source::Env),
                        _ => self.path(value, what).map(|path| Source::Each {
                            path,
                            fields: Vec::new(),
                        }),
                    };
                    ok &= read.is_some();
                    source = Some((key, read));
                }
                "fields" => fields = Some((key_at, value)),
                "convert" => match value.as_str() {
                    Some(name) if Conversion::NAMES.contains(&name) => {
                        convert = Some((name, span_of(value)));
                    }
                    Some(name) => {
                        ok = false;
                        convert_invalid = true;
                        let message = format!(
                            "unknown conversion `{name}` in {what}; {}",
                            hint(name, &Conversion::NAMES)
                        );
                        self.error("unknown-conversion", span_of(value), message);
                    }
                    None => {
                        ok = false;
                        convert_invalid = true;
                        let message = format!(
                            "convert in {what} must be a string, one of: {}",
                            Conversion::NAMES.join(", ")
                        );
                        self.error("bad-rule", span_of(value), message);
                    }
                },
                "currency" => {
                    let path = self.path(value, what);
                    ok &= path.is_some();
                    currency = Some((path, key_at));
                }
                "lookup" => match self.lookup(value, what) {
                    Some(table) => lookup = Some((table, key_at)),
                    None => ok = false,
                },
                "minus" => match self.path(value, what) {
                    Some(path) => minus = Some(path),
                    None => ok = false,
                },
                "omit" => match value.as_str() {
                    Some("null") => omit = Omit::Null,
                    Some("empty") => omit = Omit::Empty,
                    Some("never") => omit = Omit::Never,
                    other => {
                        ok = false;
                        let message = match other {
                            Some(name) => format!(
                                "unknown omit `{name}` in {what}; {}",
                                hint(name, &OMIT_NAMES)
                            ),
                            None => format!(
                                "omit in {what} must be a string, one of: {}",
                                OMIT_NAMES.join(", ")
                            ),
                        };
                        self.error("bad-rule", span_of(value), message);
                    }
                },
                "required" => match value.as_bool() {
                    Some(b) => required = b,
                    None => {
                        ok = false;
                        let message = format!(
                            "required in {what} must be true or false, not a {}",
                            type_name(value)
                        );
                        self.error("bad-rule", span_of(value), message);
                    }
                },
                _ => {
                    ok = false;
                    let expected: Vec<&str> = SOURCE_KEYS
                        .iter()
                        .chain(MODIFIER_KEYS.iter())
                        .copied()
                        .collect();
                    self.unknown_key(key, key_at, &format!("the rule of {what}"), &expected);
                }
            }
        }

        // `each` maps its items by `fields`; `fields` means nothing without it.
        let source_key = source.as_ref().map(|(key, _)| *key);
        let mut source = source.and_then(|(_, s)| s);
        match (source_key, fields) {
            (None, _) => {
                ok = false;
                let message = format!(
                    "{what} has no source; give one of: {}",
                    SOURCE_KEYS.join(", ")
                );
                self.error("bad-rule", at.clone(), message);
            }
            (Some("each"), Some((_, item))) => {
                let read = self.each_fields(item, what);
                if let Some(Source::Each { fields, .. }) = &mut source {
                    *fields = read;
                }
            }
            (Some("each"), None) => {
                ok = false;
                let message = format!("`each` in {what} needs `fields = {{ name = rule, … }}`");
                self.error("bad-rule", at.clone(), message);
            }
            (Some(_), Some((fields_at, _))) => {
                ok = false;
                let message = format!("`fields` in {what} goes with `each`, which it lacks");
                self.error("bad-rule", fields_at, message);
            }
            (Some(_), None) => {}
        }

        let conversion = match (convert, currency, lookup) {
            (Some(("money", _)), Some((Some(path), _)), None) => {
                Conversion::Money { currency: path }
            }
            (Some(("money", convert_at)), None, _) => {
                ok = false;
                let message = format!(
                    "convert = \"money\" in {what} needs `currency = \"<path>\"`, the path of the currency code"
                );
                self.error("bad-rule", convert_at, message);
                Conversion::AsIs
            }
            (Some(("lookup", _)) | None, None, Some((table, _))) => Conversion::Lookup(table),
            (Some(("lookup", convert_at)), _, None) => {
                ok = false;
                let message =
                    format!("convert = \"lookup\" in {what} needs `lookup = {{ from = to, … }}`");
                self.error("bad-rule", convert_at, message);
                Conversion::AsIs
            }
            (convert, currency, lookup) => {
                if let Some((_, currency_at)) = currency
                    && !convert_invalid
                    && !matches!(convert, Some(("money", _)))
                {
                    ok = false;
                    let message =
                        format!("`currency` in {what} goes with convert = \"money\" only");
                    self.error("bad-rule", currency_at, message);
                }
                if let Some((_, lookup_at)) = lookup
                    && !convert_invalid
                    && !matches!(convert, Some(("lookup", _)) | None)
                {
                    ok = false;
                    let message = format!("`lookup` in {what} goes with convert = \"lookup\" only");
                    self.error("bad-rule", lookup_at, message);
                }
                match convert.map(|(name, _)| name) {
                    Some("number") => Conversion::Number,
                    Some("string") => Conversion::String,
                    Some("boolean") => Conversion::Boolean,
                    Some("time") => Conversion::Time,
                    Some("lower") => Conversion::Lower,
                    Some("upper") => Conversion::Upper,
                    Some("currency") => Conversion::Currency,
                    _ => Conversion::AsIs,
                }
            }
        };

        let source = source.filter(|_| ok)?;
        Some(Rule {
            source,
            convert: conversion,
            minus,
            omit,
            required,
            at,
        })
    }

    /// `fields` of an `each`: rules relative to the item, nested objects allowed.
    fn each_fields(&mut self, item: &Item, what: &str) -> Vec<FieldRule> {
        let mut out = Vec::new();
        match item.as_table_like() {
            Some(table) => self.fields_into(table, Vec::new(), what, &mut out),
            None => {
                let message = format!(
                    "`fields` of {what} must be a table of `name = rule`, not a {}",
                    type_name(item)
                );
                self.error("bad-rule", span_of(item), message);
            }
        }
        out
    }

    fn fields_into(
        &mut self,
        table: &dyn TableLike,
        target: Vec<String>,
        what: &str,
        out: &mut Vec<FieldRule>,
    ) {
        for (key, key_at, item) in entries(table) {
            let mut field = target.clone();
            field.push(key.to_string());
            if let Some(nested) = item.as_table_like()
                && is_nested_object(item)
            {
                self.fields_into(nested, field, what, out);
                continue;
            }
            let field_what = format!("`{}` in the fields of {what}", field.join("."));
            if let Some(rule) = self.rule(item, Shorthand::Path, &field_what) {
                out.push(FieldRule {
                    target: field,
                    key_at,
                    rule,
                });
            }
        }
    }

    /// A path written as a TOML string; a malformed one is reported at the character at fault
    /// when the string's text shows it as is.
    fn path(&mut self, item: &Item, what: &str) -> Option<SourcePath> {
        let at = span_of(item);
        let Some(text) = item.as_str() else {
            let message = format!(
                "{what}: expected a path (a string such as \"data.payment_id\"), not a {}",
                type_name(item)
            );
            self.error("bad-rule", at, message);
            return None;
        };
        self.path_text(text, at, what)
    }

    fn path_text(&mut self, text: &str, at: Span, what: &str) -> Option<SourcePath> {
        match parse_path(text) {
            Ok(path) => Some(path),
            Err(e) => {
                let message = format!("{what}: bad path `{text}`: {e}");
                let at = self.narrow(at, text, &e);
                self.error("bad-path", at, message);
                None
            }
        }
    }

    /// The byte range of the character `error` points at, inside the string written at `at`,
    /// when the string is written without escapes; else `at` itself.
    fn narrow(&self, at: Span, value: &str, error: &PathError) -> Span {
        let Some(raw) = self.text.get(at.clone()) else {
            return at;
        };
        let plain = (raw.starts_with('"') && !raw.starts_with("\"\"\"") && !raw.contains('\\'))
            || (raw.starts_with('\'') && !raw.starts_with("'''"));
        if !plain || raw.len() != value.len() + 2 {
            return at;
        }
        let start = at.start + 1 + error.offset;
        let width = value
            .get(error.offset..)
            .and_then(|s| s.chars().next())
            .map_or(1, char::len_utf8);
        start..(start + width).min(at.end)
    }

    fn template(&mut self, item: &Item, what: &str) -> Option<Vec<super::model::TemplatePart>> {
        let at = span_of(item);
        let Some(text) = item.as_str() else {
            let message = format!(
                "{what}: a template is a string such as \"{{data.a}}-{{data.b}}\", not a {}",
                type_name(item)
            );
            self.error("bad-rule", at, message);
            return None;
        };
        match parse_template(text) {
            Ok(parts) => Some(parts),
            Err(e) => {
                let message = format!("{what}: bad template `{text}`: {e}");
                let at = self.narrow(at, text, &e);
                self.error("bad-path", at, message);
                None
            }
        }
    }

    fn first(&mut self, item: &Item, what: &str) -> Option<Vec<SourcePath>> {
        let at = span_of(item);
        let array = item.as_array().filter(|a| !a.is_empty());
        let Some(array) = array else {
            let message =
                format!("{what}: `first` is a list of paths, such as [\"data.a\", \"data.b\"]");
            self.error("bad-rule", at, message);
            return None;
        };
        let mut paths = Vec::new();
        let mut ok = true;
        for value in array.iter() {
            let value_at = value.span().unwrap_or_else(|| at.clone());
            match value.as_str() {
                Some(text) => match self.path_text(text, value_at, what) {
                    Some(path) => paths.push(path),
                    None => ok = false,
                },
                None => {
                    ok = false;
                    let message = format!(
                        "{what}: every item of `first` is a path (a string), not a {}",
                        value.type_name()
                    );
                    self.error("bad-rule", value_at, message);
                }
            }
        }
        ok.then_some(paths)
    }

    fn env(&mut self, item: &Item, what: &str) -> Option<String> {
        match item.as_str() {
            Some(name) if !name.is_empty() => Some(name.to_string()),
            _ => {
                let message =
                    format!("{what}: `env` names a variable, a non-empty string such as \"SHOP\"");
                self.error("bad-rule", span_of(item), message);
                None
            }
        }
    }

    fn lookup(&mut self, item: &Item, what: &str) -> Option<Vec<(String, Value)>> {
        let Some(table) = item.as_table_like() else {
            let message = format!(
                "{what}: `lookup` is a table such as {{ Month = \"monthly\" }}, not a {}",
                type_name(item)
            );
            self.error("bad-rule", span_of(item), message);
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (key, _, value) in entries(table) {
            match self.constant(value, what) {
                Some(v) => out.push((key.to_string(), v)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Any TOML value as JSON; datetimes become their text.
    fn constant(&mut self, item: &Item, what: &str) -> Option<Value> {
        match to_json(item) {
            Ok(value) => Some(value),
            Err(at) => {
                let message = format!("{what}: JSON has no infinite or NaN numbers");
                self.error("bad-rule", at, message);
                None
            }
        }
    }
}

fn fixed_region(name: &str) -> Option<FixedRegion> {
    match name {
        "us" => Some(FixedRegion::Us),
        "eu" => Some(FixedRegion::Eu),
        _ => None,
    }
}

/// True for a table inside an object that is not a rule: one without any rule key, nor a key
/// one letter away from one (`pth`), so a misspelt rule is reported rather than read as an
/// object.
fn is_nested_object(item: &Item) -> bool {
    item.as_table_like().is_some_and(|t| {
        !t.iter().any(|(k, _)| {
            SOURCE_KEYS
                .iter()
                .chain(MODIFIER_KEYS.iter())
                .any(|r| k == *r || (k.len() >= 3 && strsim::damerau_levenshtein(k, r) <= 1))
        })
    })
}

/// A TOML item as JSON, or the span of a float JSON cannot hold.
fn to_json(item: &Item) -> Result<Value, Span> {
    match item {
        Item::None => Ok(Value::Null),
        Item::Value(v) => value_to_json(v),
        Item::Table(t) => table_to_json(t),
        Item::ArrayOfTables(tables) => tables
            .iter()
            .map(|t| table_to_json(t))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
    }
}

fn table_to_json(table: &dyn TableLike) -> Result<Value, Span> {
    let mut map = serde_json::Map::new();
    for (key, item) in table.iter() {
        map.insert(key.to_string(), to_json(item)?);
    }
    Ok(Value::Object(map))
}

fn value_to_json(value: &toml_edit::Value) -> Result<Value, Span> {
    use toml_edit::Value as T;
    Ok(match value {
        T::String(s) => Value::String(s.value().clone()),
        T::Integer(i) => Value::from(*i.value()),
        T::Float(f) => serde_json::Number::from_f64(*f.value())
            .map(Value::Number)
            .ok_or_else(|| f.span().unwrap_or_default())?,
        T::Boolean(b) => Value::Bool(*b.value()),
        T::Datetime(d) => Value::String(d.value().to_string()),
        T::Array(a) => Value::Array(a.iter().map(value_to_json).collect::<Result<Vec<_>, _>>()?),
        T::InlineTable(t) => table_to_json(t)?,
    })
}

#[cfg(test)]
#[path = "parse_tests.rs"]
pub(crate) mod tests;
