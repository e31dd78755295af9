//! The findings about a well-formed mapping that need Dodo's schema or Segment's naming rules:
//! paths no body has, names Segment's spec writes another way, derived message ids without an
//! object id, keys a cancel ignores, objects the call does not carry, and property names Segment
//! cannot take (the one error here).

use std::collections::BTreeSet;

use super::model::{
    Call, Cancel, Diagnostic, FieldRule, Mapping, Rule, Rules, Selector, Source, SourcePath, Span,
};
use super::resolve::{Resolution, resolve, tables_for};
use crate::segment::lint::naming::{
    RESERVED_TRAITS, is_snake_case, is_title_case_event, snake_suggestion, title_case_suggestion,
};
use crate::webhook::schema::{PathCheck, Schema};

/// Every finding about `mapping`, in no particular order.
pub fn check(mapping: &Mapping) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let schema = Schema::dodo();
    let covered = covered_types(mapping, schema);
    let defaults_types: Vec<&str> = covered
        .iter()
        .filter(|t| !matches!(resolve(mapping, t), Resolution::Cancelled { .. }))
        .map(String::as_str)
        .collect();

    check_table(
        mapping,
        &mapping.defaults,
        "[defaults]",
        &defaults_types,
        &covered,
        &mut out,
    );
    for table in &mapping.events {
        let types: Vec<&str> = covered
            .iter()
            .filter(|t| table.selector.covers(t))
            .map(String::as_str)
            .collect();
        let header = format!("[events.\"{}\"]", table.selector.key());
        check_table(mapping, &table.rules, &header, &types, &covered, &mut out);
    }
    no_object_id(mapping, &covered, &mut out);
    wrong_object(mapping, &covered, &mut out);
    out
}

/// Every schema type some event table covers, sorted.
fn covered_types(mapping: &Mapping, schema: &Schema) -> Vec<String> {
    schema
        .event_types()
        .filter(|t| mapping.events.iter().any(|e| e.selector.covers(t)))
        .map(str::to_string)
        .collect()
}

fn check_table(
    mapping: &Mapping,
    rules: &Rules,
    header: &str,
    types: &[&str],
    covered: &[String],
    out: &mut Vec<Diagnostic>,
) {
    let mut fields: Vec<&FieldRule> = Vec::new();
    collect_fields(&rules.fields, &mut fields);
    for field in &fields {
        bad_name(field, header, out);
    }
    for field in &rules.fields {
        style(field, header, out);
    }
    if !types.is_empty() {
        let reads = Reads { types, header };
        if let Some(rule) = &rules.object_id {
            reads.rule(rule, &[], "object_id", out);
        }
        for field in &rules.fields {
            reads.rule(&field.rule, &[], &field.dotted(), out);
        }
    }
    ignored_keys(mapping, rules, header, types, covered, out);
}

fn collect_fields<'m>(fields: &'m [FieldRule], out: &mut Vec<&'m FieldRule>) {
    for field in fields {
        out.push(field);
        if let Source::Each { fields, .. } = &field.rule.source {
            collect_fields(fields, out);
        }
    }
}

/// Names Segment's objects cannot take: empty, padded with spaces or holding control
/// characters. The fixed top-level names are the format's own.
fn bad_name(field: &FieldRule, header: &str, out: &mut Vec<Diagnostic>) {
    let Some(name) = field.target.last() else {
        return;
    };
    let problem = if name.is_empty() {
        "is empty"
    } else if name.trim() != name {
        "starts or ends with a space"
    } else if name.chars().any(char::is_control) {
        "holds a control character"
    } else {
        return;
    };
    out.push(Diagnostic::error(
        "bad-name",
        field.key_at.clone(),
        format!(
            "the name {:?} in {header} {problem}; Segment's field names are plain words",
            name
        ),
    ));
}

/// Segment's naming guide: snake_case property and trait names, Title Case event names.
fn style(field: &FieldRule, header: &str, out: &mut Vec<Diagnostic>) {
    match field.target.as_slice() {
        [event] if event == "event" => {
            if let Source::Value(serde_json::Value::String(name)) = &field.rule.source
                && !is_title_case_event(name)
            {
                let hint = title_case_suggestion(name)
                    .map(|s| format!(" (`{s}`)"))
                    .unwrap_or_else(|| " (\"Order Completed\")".to_string());
                out.push(Diagnostic::warning(
                    "event-name-style",
                    field.rule.at.clone(),
                    format!(
                        "event name `{name}` in {header}: Segment's spec names events \"Object Action\" in Title Case{hint}"
                    ),
                ));
            }
        }
        [object, name, ..] if object == "properties" || object == "traits" => {
            let traits = object == "traits";
            if is_snake_case(name) || (traits && RESERVED_TRAITS.contains(&name.as_str())) {
                return;
            }
            let kind = if traits { "trait" } else { "property" };
            let hint = snake_suggestion(name)
                .map(|s| format!(" (`{s}`)"))
                .unwrap_or_default();
            out.push(Diagnostic::warning(
                "property-style",
                field.key_at.clone(),
                format!(
                    "{kind} name `{name}` in {header}: Segment's naming guide asks for snake_case{hint}"
                ),
            ));
        }
        _ => {}
    }
}

/// Looks up a table's paths in the bodies of the types it applies to.
struct Reads<'a> {
    types: &'a [&'a str],
    header: &'a str,
}

impl Reads<'_> {
    /// Checks every path `rule` reads; `prefix` is where an `each` item sits (its array path
    /// and index 0), empty at the top.
    fn rule(&self, rule: &Rule, prefix: &[String], field: &str, out: &mut Vec<Diagnostic>) {
        let at = &rule.at;
        match &rule.source {
            Source::Path(path) => self.path(path, prefix, field, at, out),
            Source::Template(parts) => {
                for part in parts {
                    if let super::model::TemplatePart::Path(path) = part {
                        self.path(path, prefix, field, at, out);
                    }
                }
            }
            Source::First(paths) => {
                let any = paths.iter().any(|p| self.missing(p, prefix).is_none());
                if !any && let Some(first) = paths.first() {
                    self.path(first, prefix, field, at, out);
                }
            }
            Source::Each { path, fields } => {
                self.path(path, prefix, field, at, out);
                let mut item = full_keys(path, prefix);
                item.push("0".to_string());
                for inner in fields {
                    let name = format!("{field}[].{}", inner.dotted());
                    self.rule(&inner.rule, &item, &name, out);
                }
            }
            Source::Value(_) | Source::Env(_) => {}
        }
        if let Some(minus) = &rule.minus {
            self.path(minus, prefix, field, at, out);
        }
        if let super::model::Conversion::Money { currency } = &rule.convert {
            self.path(currency, prefix, field, at, out);
        }
    }

    fn path(
        &self,
        path: &SourcePath,
        prefix: &[String],
        field: &str,
        at: &Span,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(why) = self.missing(path, prefix) else {
            return;
        };
        let types = match self.types {
            [one] => one.to_string(),
            many => format!("any of the {} types {} applies to", many.len(), self.header),
        };
        let within = if prefix.is_empty() {
            String::new()
        } else {
            format!(" (inside the items of `{}`)", prefix.join("."))
        };
        out.push(Diagnostic::warning(
            "unknown-path",
            at.clone(),
            format!(
                "{field} in {}: `{}`{within} is not in the body of {types}: {why}",
                self.header, path.text
            ),
        ));
    }

    /// None when the path exists for one of the types at least; else why it does not, for the
    /// first type, naming the closest field.
    fn missing(&self, path: &SourcePath, prefix: &[String]) -> Option<String> {
        let keys = full_keys(path, prefix);
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let schema = Schema::dodo();
        let mut why = None;
        for ty in self.types {
            match schema.lookup(ty, &keys) {
                PathCheck::Exists { .. } | PathCheck::FreeForm { .. } => return None,
                PathCheck::Missing {
                    parent,
                    field,
                    suggestions,
                } if why.is_none() => {
                    let parent = if parent.is_empty() {
                        "the body".to_string()
                    } else {
                        format!("`{parent}`")
                    };
                    let closest = match suggestions.first() {
                        Some(s) => format!("; the closest field is `{s}`"),
                        None => String::new(),
                    };
                    why = Some(format!("{parent} has no field `{field}`{closest}"));
                }
                PathCheck::BelowScalar { at } if why.is_none() => {
                    why = Some(format!("`{at}` holds a plain value, with no fields below"));
                }
                _ => {}
            }
        }
        Some(why.unwrap_or_else(|| "the schema does not know it".to_string()))
    }
}

fn full_keys(path: &SourcePath, prefix: &[String]) -> Vec<String> {
    prefix.iter().cloned().chain(path.lookup_keys()).collect()
}

/// A cancelling table's other keys do nothing when every type it applies to ends cancelled.
fn ignored_keys(
    mapping: &Mapping,
    rules: &Rules,
    header: &str,
    types: &[&str],
    covered: &[String],
    out: &mut Vec<Diagnostic>,
) {
    let Some(cancel) = &rules.cancel else {
        return;
    };
    if !matches!(cancel.value, Cancel::Because(_)) {
        return;
    }
    // `[defaults]` applies to every covered type, cancelled ones included.
    let applies: Vec<&str> = if header == "[defaults]" {
        covered.iter().map(String::as_str).collect()
    } else {
        types.to_vec()
    };
    let all_cancelled = applies
        .iter()
        .all(|t| matches!(resolve(mapping, t), Resolution::Cancelled { .. }));
    if !all_cancelled {
        return;
    }
    let mut keys: Vec<(String, Span)> = Vec::new();
    if let Some(call) = &rules.call {
        keys.push(("call".into(), call.at.clone()));
    }
    if let Some(id) = &rules.object_id {
        keys.push(("object_id".into(), id.at.clone()));
    }
    for field in &rules.fields {
        keys.push((field.dotted(), field.key_at.clone()));
    }
    for (key, at) in keys {
        out.push(Diagnostic::warning(
            "ignored-key",
            at,
            format!("`{key}` is ignored: {header} cancels these events, so nothing is sent"),
        ));
    }
}

/// Mapped types whose messageId is derived without an object id: two events of the type with
/// the same timestamp would get the same id, and Segment drops the second as a duplicate.
fn no_object_id(mapping: &Mapping, covered: &[String], out: &mut Vec<Diagnostic>) {
    // Reported once per table, at the most specific table of each type.
    let mut by_table: Vec<(Selector, Span, Vec<&str>)> = Vec::new();
    for ty in covered {
        let Resolution::Mapped(event) = resolve(mapping, ty) else {
            continue;
        };
        if !event.derived_message_id || event.object_id.is_some() {
            continue;
        }
        let Some(table) = tables_for(mapping, ty).last().copied() else {
            continue;
        };
        match by_table.iter_mut().find(|(s, _, _)| *s == table.selector) {
            Some((_, _, types)) => types.push(ty),
            None => by_table.push((table.selector.clone(), table.key_at.clone(), vec![ty])),
        }
    }
    let schema = Schema::dodo();
    for (_, at, types) in by_table {
        let example = types.first().and_then(|ty| {
            let prefix = ty.split('.').next().unwrap_or(ty);
            let id = format!("{prefix}_id");
            schema
                .data_model(ty)
                .and_then(|m| m.field(&id))
                .map(|_| format!(" (`object_id = \"data.{id}\"`)"))
        });
        out.push(Diagnostic::warning(
            "no-object-id",
            at,
            format!(
                "{} gets a derived messageId without an object_id: events of the same type and timestamp would share it; set object_id{}",
                types.join(", "),
                example.unwrap_or_default()
            ),
        ));
    }
}

/// `properties` on identify/group, `traits` on track/page/screen/alias: Segment ignores them.
fn wrong_object(mapping: &Mapping, covered: &[String], out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeSet<(usize, usize)> = BTreeSet::new();
    for ty in covered {
        let Resolution::Mapped(event) = resolve(mapping, ty) else {
            continue;
        };
        let wrong = match event.call {
            Call::Identify | Call::Group => "properties",
            Call::Track | Call::Page | Call::Screen | Call::Alias => "traits",
        };
        for resolved in &event.fields {
            let field = &resolved.field;
            if field.target.first().map(String::as_str) != Some(wrong)
                || !seen.insert((field.key_at.start, field.key_at.end))
            {
                continue;
            }
            let right = match event.call.main_object() {
                Some(main) => format!("; its fields go in `{main}`"),
                None => String::new(),
            };
            out.push(Diagnostic::warning(
                "wrong-object",
                field.key_at.clone(),
                format!(
                    "`{}` is not part of {} {} call ({ty} in {}): Segment ignores it{right}",
                    field.dotted(),
                    if matches!(event.call, Call::Identify | Call::Alias) {
                        "an"
                    } else {
                        "a"
                    },
                    event.call.as_str(),
                    resolved.origin.header()
                ),
            ));
        }
    }
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
