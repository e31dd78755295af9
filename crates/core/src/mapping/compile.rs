//! A mapping as JavaScript: one self-contained, commented `function handler(webhook)` that does
//! exactly what the mapping says, in plain ES2015 (no modules, no arrow functions, no template
//! literals), using only what a Svix transformation has.
//!
//! The handler switches on the event type: a case per type the mapping covers (in the schema's
//! order), the cancelled types grouped by reason, and a default that cancels the rest. Each case
//! builds the call field by field with small functions emitted once at the end of the file, only
//! those it uses. The same mapping always gives the same text.

use std::collections::BTreeSet;

use serde_json::Value;

use super::model::{
    Call, Conversion, FieldRule, FixedRegion, Mapping, Omit, PathSegment, Region, Rule, Source,
    SourcePath, TemplatePart,
};
use super::resolve::{self, Origin, Resolution, ResolvedEvent, TOP_LEVEL_ORDER};
use super::runtime::{self, Helper};
use crate::segment::Region as SegmentRegion;
use crate::webhook::Schema;

/// Widest line the compiler wraps its comments to.
const WIDTH: usize = 100;

/// The compiled handler of `mapping`, whose text is `text` and file name `file_name`, with the
/// mapping's text embedded at the end so it can be recovered ([`super::embed::extract`]).
pub fn compile(mapping: &Mapping, text: &str, file_name: &str) -> String {
    let mut js = handler(mapping, file_name, Header::Generated);
    js.push('\n');
    js.push_str(&super::embed::block(text));
    js
}

/// How the handler's first comment presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Header {
    /// Generated from the mapping, to be changed through it.
    Generated,
    /// Ejected: ordinary code from now on, edited by hand.
    Ejected,
}

/// The handler alone (no embedded mapping).
pub(crate) fn handler(mapping: &Mapping, file_name: &str, header: Header) -> String {
    let mut w = Writer::default();
    let schema = Schema::dodo();
    let plan = plan(mapping, schema.event_types());
    w.header(mapping, file_name, header, &plan);
    w.line(0, "function handler(webhook) {");
    let any_mapped = plan.iter().any(|e| matches!(e, Entry::Mapped(_)));
    if any_mapped {
        w.line(1, "const body = webhook.payload;");
        w.region(mapping.defaults.region.as_ref().map(|r| &r.value));
    }
    w.line(1, "switch (webhook.eventType) {");
    let mut not_covered = Vec::new();
    for entry in &plan {
        match entry {
            Entry::Mapped(event) => w.mapped_case(event),
            Entry::Cancelled {
                reason,
                origins,
                types,
            } => w.cancelled_case(reason, origins, types),
            Entry::NotCovered(t) => not_covered.push(t.clone()),
        }
    }
    w.comment(2, "Not in the mapping: nothing is sent.");
    for t in &not_covered {
        w.line(2, &format!("case {}:", js_string(t)));
    }
    w.line(2, "default:");
    w.line(3, "return cancel(webhook);");
    w.use_helper(Helper::Cancel);
    w.line(1, "}");
    w.line(0, "}");
    for helper in runtime::closure(&w.helpers) {
        w.out.push('\n');
        w.out.push_str(&helper.code());
    }
    w.out
}

/// What the handler does with one type, or with a group of types cancelled for one reason.
enum Entry {
    Mapped(Box<ResolvedEvent>),
    Cancelled {
        reason: String,
        /// The tables the cancel came from, each once, in the order met.
        origins: Vec<Origin>,
        types: Vec<String>,
    },
    NotCovered(String),
}

/// Every type of the schema, in its order, resolved; a cancel reason's types are grouped at the
/// place of its first type.
fn plan<'a>(mapping: &Mapping, types: impl Iterator<Item = &'a str>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for t in types {
        match resolve::resolve(mapping, t) {
            Resolution::NotCovered => entries.push(Entry::NotCovered(t.to_string())),
            Resolution::Mapped(event) => entries.push(Entry::Mapped(Box::new(event))),
            Resolution::Cancelled { reason, origin } => {
                let group = entries.iter_mut().find_map(|e| match e {
                    Entry::Cancelled {
                        reason: r,
                        origins,
                        types,
                    } if *r == reason => Some((origins, types)),
                    _ => None,
                });
                match group {
                    Some((origins, types)) => {
                        if !origins.contains(&origin) {
                            origins.push(origin);
                        }
                        types.push(t.to_string());
                    }
                    None => entries.push(Entry::Cancelled {
                        reason,
                        origins: vec![origin],
                        types: vec![t.to_string()],
                    }),
                }
            }
        }
    }
    entries
}

/// The text being written and the helpers it calls.
#[derive(Default)]
struct Writer {
    out: String,
    helpers: BTreeSet<Helper>,
    /// Numbers the variables of one case that hold a list to check for cancelled items.
    lists: usize,
}

impl Writer {
    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// `text` as `//` lines at `indent`, wrapped; every line break of the text (LF, CR, U+2028,
    /// U+2029) starts a new `//` line, so nothing in it can end the comment.
    fn comment(&mut self, indent: usize, text: &str) {
        let width = WIDTH.saturating_sub(indent * 2 + 3).max(20);
        for paragraph in text.split(['\n', '\r', '\u{2028}', '\u{2029}']) {
            let mut line = String::new();
            let words: Vec<&str> = paragraph.split(' ').filter(|w| !w.is_empty()).collect();
            if words.is_empty() {
                self.line(indent, "//");
                continue;
            }
            for word in words {
                if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                    self.line(indent, &format!("// {line}"));
                    line.clear();
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            self.line(indent, &format!("// {line}"));
        }
    }

    fn use_helper(&mut self, helper: Helper) -> &'static str {
        self.helpers.insert(helper);
        helper.name()
    }

    fn header(&mut self, mapping: &Mapping, file_name: &str, header: Header, plan: &[Entry]) {
        let file = one_line(file_name);
        let named = match &mapping.name {
            Some(name) => format!(" (mapping \"{}\")", one_line(name)),
            None => String::new(),
        };
        match header {
            Header::Generated => {
                self.line(0, &format!("// Generated by hookbench from {file}{named}."));
                self.line(
                    0,
                    "// To change it, edit the mapping and run `hookbench mapping compile`; to edit \
                     this code by",
                );
                self.line(
                    0,
                    "// hand instead, run `hookbench mapping eject`, which makes it ordinary code.",
                );
            }
            Header::Ejected => {
                self.line(0, &format!("// Ejected by hookbench from {file}{named}."));
                self.comment(
                    0,
                    "This is now ordinary code to edit by hand: it no longer carries the mapping, \
                     and recompiling the mapping does not change it.",
                );
            }
        }
        if let Some(description) = &mapping.description {
            self.line(0, "//");
            self.comment(0, description);
        }
        let calls: BTreeSet<&str> = plan
            .iter()
            .filter_map(|e| match e {
                Entry::Mapped(event) => Some(event.call.as_str()),
                _ => None,
            })
            .collect();
        let calls: Vec<&str> = Call::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| calls.contains(c))
            .collect();
        self.line(0, "//");
        let what = if calls.is_empty() {
            "The mapping maps no event type, so every event is cancelled: nothing is sent."
                .to_string()
        } else {
            format!(
                "Each event type the mapping covers becomes one Segment {} call, built field by \
                 field in its case below. A type the mapping cancels or does not cover is \
                 cancelled (webhook.cancel = true, nothing else changes), and so is an event \
                 without a required field. Where the mapping gives no messageId, it is derived \
                 from the event type, the object's id and the event's timestamp, so a retry or a \
                 replay of the same event gets the same id and Segment drops the duplicate.",
                calls.join(" / ")
            )
        };
        self.comment(0, &what);
        let region = match mapping.defaults.region.as_ref().map(|r| &r.value) {
            None | Some(Region::Us) => "Calls go to Segment's US region (api.segment.io).".into(),
            Some(Region::Eu) => {
                "Calls go to Segment's EU region (events.eu1.segmentapis.com).".into()
            }
            Some(Region::Env { name, default }) => format!(
                "Calls go to Segment's EU region (events.eu1.segmentapis.com) when the endpoint \
                 variable {} is \"eu\" (any case), else to {}.",
                one_line(name),
                match default {
                    FixedRegion::Us => "its US region (api.segment.io)",
                    FixedRegion::Eu => "the EU region as well",
                }
            ),
        };
        if !calls.is_empty() {
            self.comment(0, &region);
        }
        self.out.push('\n');
    }

    /// `const host = …;`: the Segment base URL calls go to.
    fn region(&mut self, region: Option<&Region>) {
        let us = js_string(SegmentRegion::Us.base_url());
        let eu = js_string(SegmentRegion::Eu.base_url());
        match region {
            None | Some(Region::Us) => self.line(1, &format!("const host = {us};")),
            Some(Region::Eu) => self.line(1, &format!("const host = {eu};")),
            Some(Region::Env { name, default }) => {
                let read = self.use_helper(Helper::Read);
                let otherwise = match default {
                    FixedRegion::Us => &us,
                    FixedRegion::Eu => &eu,
                };
                self.line(
                    1,
                    &format!(
                        "const region = String({read}(webhook.env, [{}]) || \"\").toLowerCase();",
                        js_string(name)
                    ),
                );
                self.line(
                    1,
                    &format!("const host = region === \"eu\" ? {eu} : {otherwise};"),
                );
            }
        }
    }

    fn cancelled_case(&mut self, reason: &str, origins: &[Origin], types: &[String]) {
        let from: Vec<String> = origins.iter().map(Origin::header).collect();
        self.comment(2, &format!("Cancelled by {}: {reason}", from.join(", ")));
        for t in types {
            self.line(2, &format!("case {}:", js_string(t)));
        }
        self.line(3, "return cancel(webhook);");
    }

    fn mapped_case(&mut self, event: &ResolvedEvent) {
        self.lists = 0;
        let tables: Vec<String> = std::iter::once(Origin::Defaults.header())
            .chain(
                event
                    .tables
                    .iter()
                    .map(|s| Origin::Table(s.clone()).header()),
            )
            .collect();
        self.line(2, &format!("case {}: {{", js_string(&event.event_type)));
        self.comment(3, &tables.join(" + "));
        self.line(3, "const out = {};");
        let main_rank = event.call.main_object().map(rank_of);
        let mut main_done = main_rank.is_none();
        let message_rank = rank_of("messageId");
        let mut id_done = !event.derived_message_id;
        for field in &event.fields {
            let rank = field
                .field
                .target
                .first()
                .map_or(TOP_LEVEL_ORDER.len(), |k| rank_of(k));
            if !main_done && main_rank.is_some_and(|m| rank >= m) {
                self.main_object(event.call);
                main_done = true;
            }
            if !id_done && rank >= message_rank {
                self.message_id(event);
                id_done = true;
            }
            let note = (field.origin == Origin::Derived).then_some("derived from the event type");
            self.field(
                &field.field,
                "out",
                "body",
                3,
                "return cancel(webhook);",
                note,
            );
        }
        if !main_done {
            self.main_object(event.call);
        }
        if !id_done {
            self.message_id(event);
        }
        self.line(
            3,
            &format!(
                "webhook.url = host + {};",
                js_string(&format!("/v1/{}", event.call.as_str()))
            ),
        );
        self.line(3, "webhook.payload = out;");
        self.line(3, "return webhook;");
        self.line(2, "}");
    }

    fn main_object(&mut self, call: Call) {
        if let Some(object) = call.main_object() {
            self.line(3, &format!("out.{object} = {{}};"));
        }
    }

    fn message_id(&mut self, event: &ResolvedEvent) {
        let id = match &event.object_id {
            Some((rule, _)) => {
                let value = self.expr(rule, "body", 3);
                if rule.required {
                    let left_out = self.use_helper(Helper::LeftOut);
                    self.line(3, &format!("const objectId = {value};"));
                    self.line(
                        3,
                        &format!(
                            "if ({left_out}(objectId, {})) return cancel(webhook);",
                            js_string(omit_name(rule.omit))
                        ),
                    );
                    "objectId".to_string()
                } else if rule.omit == Omit::Empty {
                    let left_out = self.use_helper(Helper::LeftOut);
                    self.line(3, &format!("const objectId = {value};"));
                    format!("{left_out}(objectId, \"empty\") ? undefined : objectId")
                } else {
                    value
                }
            }
            None => "undefined".to_string(),
        };
        let message_id = self.use_helper(Helper::MessageId);
        self.line(
            3,
            &format!(
                "out.messageId = {message_id}({}, {id}, body);",
                js_string(&event.event_type)
            ),
        );
    }

    /// The statement putting one field's value into `target` (reading from `base`); a required
    /// field left out runs `on_fail`.
    fn field(
        &mut self,
        field: &FieldRule,
        target: &str,
        base: &str,
        indent: usize,
        on_fail: &str,
        note: Option<&str>,
    ) {
        let rule = &field.rule;
        let put = self.use_helper(Helper::Put);
        let path = js_keys(&field.target);
        let omit = match rule.omit {
            Omit::Null => String::new(),
            other => format!(", {}", js_string(omit_name(other))),
        };
        let checked_list = match &rule.source {
            Source::Each { fields, .. } if fields_require(fields) => {
                self.lists += 1;
                let name = format!("list{}", self.lists);
                let each = self.source_expr(&rule.source, base, indent);
                self.line(indent, &format!("const {name} = {each};"));
                self.comment(indent, "An item without a required field: nothing is sent.");
                self.line(
                    indent,
                    &format!(
                        "if ({name} !== undefined && {name}.indexOf(undefined) >= 0) {on_fail}"
                    ),
                );
                Some(name)
            }
            _ => None,
        };
        let value = match checked_list {
            Some(name) => self.convert(rule, name, base),
            None => self.expr(rule, base, indent),
        };
        let call = format!("{put}({target}, {path}, {value}{omit})");
        let suffix = note.map(|n| format!(" // {n}")).unwrap_or_default();
        if rule.required {
            self.line(indent, &format!("if (!{call}) {on_fail}{suffix}"));
        } else {
            self.line(indent, &format!("{call};{suffix}"));
        }
    }

    /// A rule's value as an expression: source, then `minus`, then the conversion.
    fn expr(&mut self, rule: &Rule, base: &str, indent: usize) -> String {
        let source = self.source_expr(&rule.source, base, indent);
        self.convert(rule, source, base)
    }

    fn convert(&mut self, rule: &Rule, source: String, base: &str) -> String {
        let mut value = source;
        if let Some(minus) = &rule.minus {
            let amount = self.read(base, minus);
            let f = self.use_helper(Helper::Minus);
            value = format!("{f}({value}, {amount})");
        }
        match &rule.convert {
            Conversion::AsIs => value,
            Conversion::Number => format!("{}({value})", self.use_helper(Helper::ToNumber)),
            Conversion::String => format!("{}({value})", self.use_helper(Helper::ToText)),
            Conversion::Boolean => format!("{}({value})", self.use_helper(Helper::ToBoolean)),
            Conversion::Time => format!("{}({value})", self.use_helper(Helper::ToTime)),
            Conversion::Lower => format!("{}({value})", self.use_helper(Helper::ToLower)),
            Conversion::Upper => format!("{}({value})", self.use_helper(Helper::ToUpper)),
            Conversion::Currency => format!("{}({value})", self.use_helper(Helper::ToCurrency)),
            Conversion::Money { currency } => {
                let code = self.read(base, currency);
                format!("{}({value}, {code})", self.use_helper(Helper::Money))
            }
            Conversion::Lookup(table) => {
                let pairs: Vec<String> = table
                    .iter()
                    .map(|(k, v)| format!("[{}, {}]", js_string(k), js_value(v)))
                    .collect();
                format!(
                    "{}({value}, [{}])",
                    self.use_helper(Helper::Lookup),
                    pairs.join(", ")
                )
            }
        }
    }

    fn read(&mut self, base: &str, path: &SourcePath) -> String {
        let read = self.use_helper(Helper::Read);
        format!("{read}({base}, {})", js_path(path))
    }

    fn source_expr(&mut self, source: &Source, base: &str, indent: usize) -> String {
        match source {
            Source::Path(path) => self.read(base, path),
            Source::Value(value) => js_value(value),
            Source::Env(name) => {
                let read = self.use_helper(Helper::Read);
                format!("{read}(webhook.env, [{}])", js_string(name))
            }
            Source::First(paths) => {
                let first = self.use_helper(Helper::First);
                let paths: Vec<String> = paths.iter().map(js_path).collect();
                format!("{first}({base}, [{}])", paths.join(", "))
            }
            Source::Template(parts) => {
                let template = self.use_helper(Helper::Template);
                let parts: Vec<String> = parts
                    .iter()
                    .map(|p| match p {
                        TemplatePart::Text(text) => js_string(text),
                        TemplatePart::Path(path) => js_path(path),
                    })
                    .collect();
                format!("{template}({base}, [{}])", parts.join(", "))
            }
            Source::Each { path, fields } => {
                let items = self.read(base, path);
                let each = self.use_helper(Helper::Each);
                // The item's fields are written into a buffer of their own, one level deeper,
                // and the function expression closes at the caller's indent.
                let mut inner = Writer {
                    out: String::new(),
                    helpers: std::mem::take(&mut self.helpers),
                    lists: self.lists,
                };
                inner.line(indent + 1, "const o = {};");
                for field in fields {
                    inner.field(field, "o", "item", indent + 1, "return undefined;", None);
                }
                inner.line(indent + 1, "return o;");
                self.helpers = inner.helpers;
                self.lists = inner.lists;
                let pad = "  ".repeat(indent);
                format!("{each}({items}, function (item) {{\n{}{pad}}})", inner.out)
            }
        }
    }
}

/// True when a field among `fields` (or inside a nested `each`) is required.
fn fields_require(fields: &[FieldRule]) -> bool {
    fields.iter().any(|f| {
        f.rule.required
            || matches!(&f.rule.source, Source::Each { fields, .. } if fields_require(fields))
    })
}

fn rank_of(key: &str) -> usize {
    TOP_LEVEL_ORDER
        .iter()
        .position(|k| *k == key)
        .unwrap_or(TOP_LEVEL_ORDER.len())
}

fn omit_name(omit: Omit) -> &'static str {
    match omit {
        Omit::Null => "null",
        Omit::Empty => "empty",
        Omit::Never => "never",
    }
}

/// `text` on one line: line breaks (LF, CR, U+2028, U+2029) become spaces, so it can go in a
/// `//` comment.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r', '\u{2028}', '\u{2029}'], " ")
}

/// A JavaScript string literal: JSON's escaping, plus U+2028 and U+2029, which JSON allows raw
/// but older JavaScript engines take for line breaks.
pub(crate) fn js_string(text: &str) -> String {
    Value::String(text.to_string())
        .to_string()
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// A JavaScript literal for a constant. A key `__proto__` is written computed, so the literal
/// defines it as an ordinary key instead of setting the object's prototype.
fn js_value(value: &Value) -> String {
    match value {
        Value::String(s) => js_string(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(js_value).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            if map.is_empty() {
                return "{}".to_string();
            }
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    let key = if k == "__proto__" {
                        format!("[{}]", js_string(k))
                    } else {
                        js_string(k)
                    };
                    format!("{key}: {}", js_value(v))
                })
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

/// A path as a JavaScript array: keys as strings, indexes as numbers.
fn js_path(path: &SourcePath) -> String {
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|s| match s {
            PathSegment::Key(k) => js_string(k),
            PathSegment::Index(i) => i.to_string(),
        })
        .collect();
    format!("[{}]", segments.join(", "))
}

fn js_keys(keys: &[String]) -> String {
    let keys: Vec<String> = keys.iter().map(|k| js_string(k)).collect();
    format!("[{}]", keys.join(", "))
}

#[cfg(test)]
#[path = "compile_tests.rs"]
mod tests;
