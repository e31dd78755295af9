//! Changes to a mapping file's text that keep the user's formatting and comments: the file is
//! read with `toml_edit`, changed where the field already is (a standard sub-table, an inline
//! table or dotted keys), and written back. Lines an edit does not touch come out as they went in.

use toml_edit::{DocumentMut, InlineTable, Item, Key, Table, Value};

use super::model::{Call, Conversion, FieldRule, Omit, Rule, Selector, Source, TemplatePart};
use super::resolve::derived_event_name;

/// Which rule table an edit is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableRef {
    Defaults,
    Event(Selector),
}

impl TableRef {
    /// The table's keys from the top of the document.
    fn path(&self) -> Vec<String> {
        match self {
            TableRef::Defaults => vec!["defaults".to_string()],
            TableRef::Event(selector) => vec!["events".to_string(), selector.key()],
        }
    }

    /// The table as written in the file, for messages.
    fn header(&self) -> String {
        match self {
            TableRef::Defaults => "[defaults]".to_string(),
            TableRef::Event(selector) => format!("[events.\"{}\"]", selector.key()),
        }
    }
}

/// Why an edit could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the mapping is not valid TOML: {0}")]
    Toml(#[from] toml_edit::TomlError),
    #[error("{table} has no field `{target}`")]
    NoSuchField { table: String, target: String },
    #[error("`{key}` is not a table, so it cannot hold `{target}`")]
    NotATable { key: String, target: String },
    #[error("{table} already has a field `{target}`")]
    TargetExists { table: String, target: String },
    #[error("a field needs a name")]
    EmptyTarget,
    #[error("`{0}` belongs to no family: a family is the part of a type before its first dot")]
    NoFamily(String),
}

/// What a field's rule becomes in the file: written as the string shorthand when it is an as-is
/// path with every modifier at its default (or a constant for event/name/category), else an
/// inline table with keys in this order: source key, convert, currency, lookup, minus, omit,
/// required.
pub fn rule_value(target: &[String], rule: &Rule) -> Value {
    rule_value_with(rule, is_constant_key(target))
}

/// True for the targets where a plain string is a constant rather than a path.
fn is_constant_key(target: &[String]) -> bool {
    matches!(target, [only] if matches!(only.as_str(), "event" | "name" | "category"))
}

/// A plain string means a path in one place and a constant in another: when a field moves
/// between the two, the string gets the key that keeps its meaning.
fn keep_meaning(item: Item, from: &[String], to: &[String]) -> Item {
    let (from_constant, to_constant) = (is_constant_key(from), is_constant_key(to));
    match item {
        Item::Value(Value::String(s)) if from_constant != to_constant => {
            let decor = s.decor().clone();
            let mut table = InlineTable::new();
            let key = if from_constant { "value" } else { "path" };
            table.insert(key, Value::from(s.value().as_str()));
            let mut value = Value::InlineTable(table);
            *value.decor_mut() = decor;
            Item::Value(value)
        }
        other => other,
    }
}

fn rule_value_with(rule: &Rule, constant_key: bool) -> Value {
    let plain = rule.convert == Conversion::AsIs
        && rule.minus.is_none()
        && rule.omit == Omit::Null
        && !rule.required;
    if plain {
        match &rule.source {
            Source::Path(path) if !constant_key => return Value::from(path.text.as_str()),
            Source::Value(serde_json::Value::String(s)) if constant_key => {
                return Value::from(s.as_str());
            }
            _ => {}
        }
    }
    let mut table = InlineTable::new();
    match &rule.source {
        Source::Path(path) => {
            table.insert("path", Value::from(path.text.as_str()));
        }
        Source::Value(value) => {
            table.insert("value", json_to_toml(value));
        }
        Source::Template(parts) => {
            table.insert("template", Value::from(template_text(parts)));
        }
        Source::First(paths) => {
            let array: toml_edit::Array = paths.iter().map(|p| p.text.as_str()).collect();
            table.insert("first", Value::Array(array));
        }
        Source::Env(name) => {
            table.insert("env", Value::from(name.as_str()));
        }
        Source::Each { path, fields } => {
            table.insert("each", Value::from(path.text.as_str()));
            table.insert("fields", Value::InlineTable(each_fields(fields)));
        }
    }
    if rule.convert != Conversion::AsIs {
        table.insert("convert", Value::from(rule.convert.name()));
    }
    match &rule.convert {
        Conversion::Money { currency } => {
            table.insert("currency", Value::from(currency.text.as_str()));
        }
        Conversion::Lookup(entries) => {
            let mut lookup = InlineTable::new();
            for (key, value) in entries {
                lookup.insert(key.as_str(), json_to_toml(value));
            }
            table.insert("lookup", Value::InlineTable(lookup));
        }
        _ => {}
    }
    if let Some(minus) = &rule.minus {
        table.insert("minus", Value::from(minus.text.as_str()));
    }
    match rule.omit {
        Omit::Null => {}
        Omit::Empty => {
            table.insert("omit", Value::from("empty"));
        }
        Omit::Never => {
            table.insert("omit", Value::from("never"));
        }
    }
    if rule.required {
        table.insert("required", Value::from(true));
    }
    Value::InlineTable(table)
}

/// `each`'s `fields`: item-relative targets, nested targets as nested inline tables. Inside an
/// item a plain string is always a path, so constants keep their `value` key.
fn each_fields(fields: &[FieldRule]) -> InlineTable {
    let mut out = InlineTable::new();
    for field in fields {
        insert_nested(&mut out, &field.target, rule_value_with(&field.rule, false));
    }
    out
}

fn insert_nested(table: &mut InlineTable, target: &[String], value: Value) {
    match target {
        [] => {}
        [leaf] => {
            table.insert(leaf.as_str(), value);
        }
        [first, rest @ ..] => {
            let slot = table
                .entry(first.as_str())
                .or_insert(Value::InlineTable(InlineTable::new()));
            if !slot.is_inline_table() {
                *slot = Value::InlineTable(InlineTable::new());
            }
            if let Value::InlineTable(inner) = slot {
                insert_nested(inner, rest, value);
            }
        }
    }
}

fn template_text(parts: &[TemplatePart]) -> String {
    parts
        .iter()
        .map(|part| match part {
            TemplatePart::Text(text) => text.replace('{', "{{").replace('}', "}}"),
            TemplatePart::Path(path) => format!("{{{}}}", path.text),
        })
        .collect()
}

/// A JSON constant as TOML. TOML has no null: a null constant is written as "", and nulls inside
/// arrays and objects are left out.
fn json_to_toml(value: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match value {
        J::Null => Value::from(""),
        J::Bool(b) => Value::from(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64().unwrap_or(0.0)),
        },
        J::String(s) => Value::from(s.as_str()),
        J::Array(items) => {
            let array: toml_edit::Array = items
                .iter()
                .filter(|v| !v.is_null())
                .map(json_to_toml)
                .collect();
            Value::Array(array)
        }
        J::Object(entries) => {
            let mut table = InlineTable::new();
            for (key, v) in entries.iter().filter(|(_, v)| !v.is_null()) {
                table.insert(key.as_str(), json_to_toml(v));
            }
            Value::InlineTable(table)
        }
    }
}

/// Sets the rule of the field at `target` in `table`: replaced where it is (keeping its key's
/// comment and spacing), or added beside its siblings.
pub fn set_field(
    text: &str,
    table: &TableRef,
    target: &[String],
    rule: &Rule,
) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    set_value(&mut doc, table, target, rule_value(target, rule), None)?;
    Ok(doc.to_string())
}

/// Removes the field at `target`; a sub-table left empty goes with it.
pub fn remove_field(text: &str, table: &TableRef, target: &[String]) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    take_field(&mut doc, table, target)?;
    Ok(doc.to_string())
}

/// Gives the field at `target` the target `new_target`. Within the same object the key keeps its
/// place; into another object it is added at that object's end.
pub fn rename_field(
    text: &str,
    table: &TableRef,
    target: &[String],
    new_target: &[String],
) -> Result<String, EditError> {
    let (Some((leaf, parents)), Some((new_leaf, new_parents))) =
        (target.split_last(), new_target.split_last())
    else {
        return Err(EditError::EmptyTarget);
    };
    let mut doc = parse(text)?;
    if target == new_target {
        // Only checks that the field is there.
        field_item(&mut doc, table, target)?;
        return Ok(text.to_string());
    }
    if field_item(&mut doc, table, new_target).is_ok() {
        return Err(EditError::TargetExists {
            table: table.header(),
            target: new_target.join("."),
        });
    }
    if parents == new_parents {
        field_item(&mut doc, table, target)?;
        let parent = object_item(&mut doc, table, parents, target)?;
        let mut entries = entries_of(parent);
        for (key, item) in &mut entries {
            if key.get() == leaf.as_str() {
                *key = Key::new(new_leaf.as_str())
                    .with_leaf_decor(key.leaf_decor().clone())
                    .with_dotted_decor(key.dotted_decor().clone());
                *item = keep_meaning(std::mem::take(item), target, new_target);
            }
        }
        replace_entries(parent, entries);
        return Ok(doc.to_string());
    }
    let (key, item) = field_entry(&mut doc, table, target)?;
    let value = portable(keep_meaning(item, target, new_target));
    set_value(&mut doc, table, new_target, value, Some(&key))?;
    take_field(&mut doc, table, target)?;
    Ok(doc.to_string())
}

/// Swaps the field at `target` with the previous (`up`) or next key of the same object. At either
/// end the text is returned unchanged.
pub fn move_field(
    text: &str,
    table: &TableRef,
    target: &[String],
    up: bool,
) -> Result<String, EditError> {
    let Some((leaf, parents)) = target.split_last() else {
        return Err(EditError::EmptyTarget);
    };
    let mut doc = parse(text)?;
    field_item(&mut doc, table, target)?;
    let parent = object_item(&mut doc, table, parents, target)?;
    let mut entries = entries_of(parent);
    let Some(at) = entries.iter().position(|(k, _)| k.get() == leaf.as_str()) else {
        return Err(no_such_field(table, target));
    };
    // A standard sub-table is drawn under its own header, wherever its key sits, so keys and
    // sub-tables are ordered among their own kind.
    let kind = is_header_table(&entries[at].1);
    let same_kind = |i: &usize| is_header_table(&entries[*i].1) == kind;
    let other = if up {
        (0..at).rev().find(same_kind)
    } else {
        (at + 1..entries.len()).find(same_kind)
    };
    let Some(other) = other else {
        return Ok(text.to_string());
    };
    entries.swap(at, other);
    if matches!(parent, Item::Value(Value::InlineTable(_))) {
        // In an inline table the spacing belongs to the place, not to the key.
        swap_decor(&mut entries, at, other);
    }
    replace_entries(parent, entries);
    Ok(doc.to_string())
}

/// Sets the table's `call`.
pub fn set_call(text: &str, table: &TableRef, call: Call) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    set_value(
        &mut doc,
        table,
        &["call".to_string()],
        Value::from(call.as_str()),
        None,
    )?;
    Ok(doc.to_string())
}

/// Sets the table's `event` to a constant name.
pub fn set_event_name(text: &str, table: &TableRef, name: &str) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    set_value(
        &mut doc,
        table,
        &["event".to_string()],
        Value::from(name),
        None,
    )?;
    Ok(doc.to_string())
}

/// Sets the table's `object_id` rule.
pub fn set_object_id(text: &str, table: &TableRef, rule: &Rule) -> Result<String, EditError> {
    let target = ["object_id".to_string()];
    let mut doc = parse(text)?;
    set_value(&mut doc, table, &target, rule_value(&target, rule), None)?;
    Ok(doc.to_string())
}

/// Some(reason): `cancel = "reason"`; None: the type is mapped again (removes `cancel`, or writes
/// `cancel = false` when its family cancels it).
pub fn set_cancel(text: &str, table: &TableRef, reason: Option<&str>) -> Result<String, EditError> {
    let target = ["cancel".to_string()];
    let mut doc = parse(text)?;
    match reason {
        Some(reason) => set_value(&mut doc, table, &target, Value::from(reason), None)?,
        None if inherited_cancel(&doc, table) => {
            set_value(&mut doc, table, &target, Value::from(false), None)?;
        }
        None => {
            if field_item(&mut doc, table, &target).is_err() {
                return Ok(text.to_string());
            }
            take_field(&mut doc, table, &target)?;
        }
    }
    Ok(doc.to_string())
}

/// Adds `[events."<type>"]` (after the last event table, or after its family's tables) with
/// `event = "<derived Title Case name>"` when the call is track; Ok(unchanged) if it exists.
pub fn add_event(text: &str, event_type: &str) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    let selector = selector_of(event_type);
    let table = TableRef::Event(selector.clone());
    if rule_table_exists(&doc, &table) {
        return Ok(text.to_string());
    }
    ensure_rule_table(&mut doc, &table)?;
    if let Selector::Type(event_type) = &selector
        && inherited_call(&doc, event_type) == Call::Track
    {
        let name = derived_event_name(event_type);
        set_value(
            &mut doc,
            &table,
            &["event".to_string()],
            Value::from(name),
            None,
        )?;
    }
    Ok(doc.to_string())
}

/// Moves a field from a type's own table to its family's table (creating
/// `[events."<prefix>.*"]` if needed) so every member gets it; other members' own tables that set
/// the same target keep theirs.
pub fn move_to_family(
    text: &str,
    event_type: &str,
    target: &[String],
) -> Result<String, EditError> {
    let Some((prefix, _)) = event_type.split_once('.') else {
        return Err(EditError::NoFamily(event_type.to_string()));
    };
    let own = TableRef::Event(Selector::Type(event_type.to_string()));
    let family = TableRef::Event(Selector::Family(prefix.to_string()));
    let mut doc = parse(text)?;
    let (key, item) = field_entry(&mut doc, &own, target)?;
    set_value(&mut doc, &family, target, portable(item), Some(&key))?;
    take_field(&mut doc, &own, target)?;
    Ok(doc.to_string())
}

/// A new mapping file: a commented skeleton with `[mapping]`, `[defaults]` and one example event.
pub fn new_mapping(name: &str) -> String {
    let quoted = Value::from(name).to_string();
    format!(
        r#"# A mapping: which Segment call each Dodo webhook becomes, and where every field comes from.
# In a rule, a plain string is a path into the webhook body ("data.customer.email"); for
# `event`, `name` and `category` it is the value itself. A table gives more: a source (path,
# value, template, first, env or each) and modifiers (convert, minus, omit, required).

[mapping]
name = {quoted}

# Shared by every event type; a key in an event's own table replaces it.
[defaults]
call = "track"
# "us", "eu", or read per run from the environment.
region = {{ env = "SEGMENT_REGION" }}
# The first of these that is present; without one the event is not sent.
userId = {{ first = ["data.customer.customer_id", "data.customer_id"], required = true }}
timestamp = {{ path = "timestamp", convert = "time" }}

[defaults.context.traits]
email = "data.customer.email"
name = "data.customer.name"

# An event type Dodo sends. A type no table names is not sent.
[events."payment.succeeded"]
event = "Order Completed"
# Feeds the message id, so a redelivered webhook is sent with the same id.
object_id = "data.payment_id"

[events."payment.succeeded".properties]
order_id = "data.payment_id"
# Amounts come in minor units: money divides by the currency's decimals.
total = {{ path = "data.total_amount", convert = "money", currency = "data.currency" }}
currency = {{ path = "data.currency", convert = "currency" }}
products = {{ each = "data.product_cart", fields = {{ product_id = "product_id", quantity = "quantity" }} }}
"#
    )
}

// ---------------------------------------------------------------------------------------------
// The document

fn parse(text: &str) -> Result<DocumentMut, EditError> {
    Ok(text.parse::<DocumentMut>()?)
}

fn selector_of(key: &str) -> Selector {
    match key.strip_suffix(".*") {
        Some(prefix) => Selector::Family(prefix.to_string()),
        None => Selector::Type(key.to_string()),
    }
}

fn no_such_field(table: &TableRef, target: &[String]) -> EditError {
    EditError::NoSuchField {
        table: table.header(),
        target: target.join("."),
    }
}

/// The item at `path` from the top of the document, if every step is a table.
fn item_at<'d>(doc: &'d mut DocumentMut, path: &[String]) -> Option<&'d mut Item> {
    let mut item = doc.as_item_mut();
    for key in path {
        item = item.as_table_like_mut()?.get_mut(key)?;
    }
    Some(item)
}

fn item_ref<'d>(doc: &'d DocumentMut, path: &[String]) -> Option<&'d Item> {
    let mut item = doc.as_item();
    for key in path {
        item = item.as_table_like()?.get(key)?;
    }
    Some(item)
}

fn rule_table_exists(doc: &DocumentMut, table: &TableRef) -> bool {
    item_ref(doc, &table.path()).is_some_and(Item::is_table_like)
}

/// The object holding a field (`parents` below the rule table), which must exist.
fn object_item<'d>(
    doc: &'d mut DocumentMut,
    table: &TableRef,
    parents: &[String],
    target: &[String],
) -> Result<&'d mut Item, EditError> {
    let mut path = table.path();
    path.extend(parents.iter().cloned());
    match item_at(doc, &path) {
        Some(item) if item.is_table_like() => Ok(item),
        _ => Err(no_such_field(table, target)),
    }
}

/// The field's item, which must exist.
fn field_item<'d>(
    doc: &'d mut DocumentMut,
    table: &TableRef,
    target: &[String],
) -> Result<&'d mut Item, EditError> {
    if target.is_empty() {
        return Err(EditError::EmptyTarget);
    }
    let mut path = table.path();
    path.extend(target.iter().cloned());
    match item_at(doc, &path) {
        Some(item) if !item.is_none() => Ok(item),
        _ => Err(no_such_field(table, target)),
    }
}

/// The field's key (with its decor) and a copy of its item.
fn field_entry(
    doc: &mut DocumentMut,
    table: &TableRef,
    target: &[String],
) -> Result<(Key, Item), EditError> {
    let Some((leaf, parents)) = target.split_last() else {
        return Err(EditError::EmptyTarget);
    };
    field_item(doc, table, target)?;
    let parent = object_item(doc, table, parents, target)?;
    let table_like = parent
        .as_table_like()
        .ok_or_else(|| no_such_field(table, target))?;
    let (key, item) = table_like
        .get_key_value(leaf)
        .ok_or_else(|| no_such_field(table, target))?;
    Ok((key.clone(), item.clone()))
}

/// A field's item as a value that can be written anywhere: a table becomes an inline table, and
/// the spacing around it is reset (comments travel with the key, see `set_value`).
fn portable(item: Item) -> Value {
    let comment = match &item {
        Item::Value(v) => v
            .decor()
            .suffix()
            .and_then(|s| s.as_str())
            .filter(|s| s.contains('#'))
            .map(str::to_string),
        _ => None,
    };
    let mut value = match item.into_value() {
        Ok(value) => value,
        Err(_) => Value::InlineTable(InlineTable::new()),
    };
    value.decor_mut().clear();
    if let Value::InlineTable(t) = &mut value {
        t.fmt();
    }
    if let Some(comment) = comment {
        value.decor_mut().set_suffix(comment);
    }
    value
}

fn swap_decor(entries: &mut [(Key, Item)], a: usize, b: usize) {
    let key_decor = |e: &(Key, Item)| e.0.leaf_decor().clone();
    let value_decor = |e: &(Key, Item)| e.1.as_value().map(|v| v.decor().clone());
    let (ka, kb) = (key_decor(&entries[a]), key_decor(&entries[b]));
    let (va, vb) = (value_decor(&entries[a]), value_decor(&entries[b]));
    *entries[a].0.leaf_decor_mut() = kb;
    *entries[b].0.leaf_decor_mut() = ka;
    if let (Some(va), Some(vb)) = (va, vb) {
        if let Some(v) = entries[a].1.as_value_mut() {
            *v.decor_mut() = vb;
        }
        if let Some(v) = entries[b].1.as_value_mut() {
            *v.decor_mut() = va;
        }
    }
}

/// True for a sub-table written under its own `[header]`.
fn is_header_table(item: &Item) -> bool {
    matches!(item, Item::Table(t) if !t.is_dotted())
}

/// The entries of a table-like item, keys with their decor.
fn entries_of(item: &Item) -> Vec<(Key, Item)> {
    let Some(table) = item.as_table_like() else {
        return Vec::new();
    };
    table
        .iter()
        .filter_map(|(name, _)| table.get_key_value(name))
        .map(|(k, i)| (k.clone(), i.clone()))
        .collect()
}

/// Replaces a table-like item's entries, in the given order, keeping the table's own decor.
fn replace_entries(item: &mut Item, entries: Vec<(Key, Item)>) {
    match item {
        Item::Table(table) => {
            table.clear();
            for (key, entry) in entries {
                table.insert_formatted(&key, entry);
            }
        }
        Item::Value(Value::InlineTable(table)) => {
            table.clear();
            for (key, entry) in entries {
                if let Ok(value) = entry.into_value() {
                    table.insert_formatted(&key, value);
                }
            }
        }
        _ => {}
    }
}

/// Writes `value` at `target` of `table`, creating the rule table and the objects on the way
/// when they are missing. `moved` is the key the value had where it came from: its leading
/// comment comes along when the value lands in a table written with headers or dotted keys.
fn set_value(
    doc: &mut DocumentMut,
    table: &TableRef,
    target: &[String],
    mut value: Value,
    moved: Option<&Key>,
) -> Result<(), EditError> {
    let Some((leaf, parents)) = target.split_last() else {
        return Err(EditError::EmptyTarget);
    };
    ensure_rule_table(doc, table)?;
    let base = table.path();
    let mut created: Vec<Vec<String>> = Vec::new();
    let mut path = base.clone();
    for (depth, key) in parents.iter().enumerate() {
        let last = depth + 1 == parents.len();
        let parent = item_at(doc, &path).ok_or_else(|| not_a_table(&path, target))?;
        path.push(key.clone());
        let existing = parent
            .as_table_like()
            .and_then(|t| t.get(key))
            .map(Item::is_table_like);
        match existing {
            Some(true) => {
                if last
                    && let Some(Item::Table(t)) =
                        parent.as_table_like_mut().and_then(|t| t.get_mut(key))
                {
                    t.set_implicit(false);
                }
            }
            Some(false) => return Err(not_a_table(&path, target)),
            None => {
                let child = match parent {
                    Item::Table(t) if t.is_dotted() => {
                        let mut child = Table::new();
                        child.set_dotted(true);
                        child.set_implicit(true);
                        Item::Table(child)
                    }
                    Item::Table(_) => {
                        let mut child = Table::new();
                        child.set_implicit(!last);
                        created.push(path.clone());
                        Item::Table(child)
                    }
                    _ => Item::Value(Value::InlineTable(InlineTable::new())),
                };
                match parent {
                    Item::Table(t) => {
                        t.insert(key, child);
                    }
                    Item::Value(Value::InlineTable(t)) => {
                        if let Ok(v) = child.into_value() {
                            t.insert(key, v);
                        }
                    }
                    _ => return Err(not_a_table(&path, target)),
                }
            }
        }
    }
    if !created.is_empty() {
        place_tables(doc, &created, Place::AfterBlock(base.clone()));
    }
    let parent = item_at(doc, &path).ok_or_else(|| not_a_table(&path, target))?;
    let exists = parent
        .as_table_like()
        .and_then(|t| t.get(leaf))
        .is_some_and(|i| !i.is_none());
    if exists {
        if let Some(item) = parent.as_table_like_mut().and_then(|t| t.get_mut(leaf)) {
            replace_item_value(item, value);
        }
        return Ok(());
    }
    match parent {
        Item::Table(t) => {
            let mut key = Key::new(leaf.as_str());
            if let Some(prefix) = moved
                .and_then(|k| k.leaf_decor().prefix())
                .and_then(|p| p.as_str())
                .filter(|p| p.contains('#'))
            {
                key.leaf_decor_mut().set_prefix(prefix.to_string());
            }
            t.insert_formatted(&key, Item::Value(value));
        }
        Item::Value(Value::InlineTable(t)) => {
            // An inline table holds no comments; the space before its `}` stays last.
            value.decor_mut().clear();
            if let Some((_, last)) = t.iter_mut().last()
                && let Some(suffix) = last.decor().suffix().cloned()
            {
                last.decor_mut().set_suffix("");
                value.decor_mut().set_suffix(suffix);
            }
            t.insert(leaf.as_str(), value);
        }
        _ => return Err(not_a_table(&path, target)),
    }
    Ok(())
}

fn not_a_table(path: &[String], target: &[String]) -> EditError {
    EditError::NotATable {
        key: path.join("."),
        target: target.join("."),
    }
}

/// Replaces a field's value where it is: its key (with the comment above it) stays, and so does
/// the spacing around the value.
fn replace_item_value(item: &mut Item, mut value: Value) {
    match item {
        Item::Value(old) => {
            *value.decor_mut() = old.decor().clone();
            *old = value;
        }
        // A rule written as its own `[table]` keeps its header: its keys become the new rule's.
        Item::Table(table) if !table.is_dotted() => match value {
            Value::InlineTable(inline) => {
                table.clear();
                for (key, v) in inline.iter() {
                    let mut v = v.clone();
                    v.decor_mut().clear();
                    table.insert(key, Item::Value(v));
                }
            }
            other => *item = Item::Value(other),
        },
        _ => *item = Item::Value(value),
    }
}

/// Removes the field and every object it leaves empty (never the rule table itself: an empty
/// event table still maps its type).
fn take_field(doc: &mut DocumentMut, table: &TableRef, target: &[String]) -> Result<(), EditError> {
    let Some((leaf, parents)) = target.split_last() else {
        return Err(EditError::EmptyTarget);
    };
    field_item(doc, table, target)?;
    let parent = object_item(doc, table, parents, target)?;
    match parent {
        Item::Value(Value::InlineTable(t)) => {
            let was_last = t.iter().last().is_some_and(|(k, _)| k == leaf.as_str());
            let removed = t.remove(leaf);
            // The space before `}` belonged to the removed value: the new last one takes it.
            if was_last
                && let Some(suffix) = removed.as_ref().and_then(|v| v.decor().suffix()).cloned()
                && let Some((_, last)) = t.iter_mut().last()
            {
                last.decor_mut().set_suffix(suffix);
            }
        }
        other => {
            if let Some(t) = other.as_table_like_mut() {
                t.remove(leaf);
            }
        }
    }
    for depth in (0..parents.len()).rev() {
        let Some((key, above)) = parents[..=depth].split_last() else {
            break;
        };
        let mut path = table.path();
        path.extend(above.iter().cloned());
        let Some(holder) = item_at(doc, &path).and_then(Item::as_table_like_mut) else {
            break;
        };
        let empty = holder
            .get(key)
            .and_then(Item::as_table_like)
            .is_some_and(|t| t.is_empty());
        if !empty {
            break;
        }
        holder.remove(key);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Rule tables

/// Creates the rule table when it is missing, where a reader expects it.
fn ensure_rule_table(doc: &mut DocumentMut, table: &TableRef) -> Result<(), EditError> {
    let path = table.path();
    if let Some(item) = item_ref(doc, &path) {
        return if item.is_table_like() {
            Ok(())
        } else {
            Err(not_a_table(&path, &[]))
        };
    }
    let root = doc.as_table_mut();
    let place = match table {
        TableRef::Defaults => {
            let mut defaults = Table::new();
            defaults.set_implicit(false);
            root.insert("defaults", Item::Table(defaults));
            if root.contains_key("mapping") {
                Place::AfterBlock(vec!["mapping".to_string()])
            } else {
                Place::Start
            }
        }
        TableRef::Event(selector) => {
            let events = root.entry("events").or_insert_with(|| {
                let mut events = Table::new();
                events.set_implicit(true);
                Item::Table(events)
            });
            match events {
                Item::Table(events) => {
                    events.insert(&selector.key(), Item::Table(Table::new()));
                }
                Item::Value(Value::InlineTable(events)) => {
                    events.insert(selector.key(), Value::InlineTable(InlineTable::new()));
                    return Ok(());
                }
                _ => return Err(not_a_table(&["events".to_string()], &[])),
            }
            event_table_place(doc, selector)
        }
    };
    place_tables(doc, &[path], place);
    Ok(())
}

/// Where a new event table goes: a family's before the first table it covers; a type's after its
/// family's tables (the family and its members); else after the last event table.
fn event_table_place(doc: &DocumentMut, selector: &Selector) -> Place {
    let key = selector.key();
    let order: Vec<Vec<String>> = table_order(doc)
        .into_iter()
        .filter(|p| p.len() >= 2 && p[0] == "events" && p[1] != key)
        .collect();
    let family_prefix = match selector {
        Selector::Family(prefix) => Some(prefix.as_str()),
        Selector::Type(t) => t.split_once('.').map(|(prefix, _)| prefix),
    };
    let kin = |p: &Vec<String>| {
        let other = selector_of(&p[1]);
        family_prefix.is_some_and(|prefix| match &other {
            Selector::Family(f) => f == prefix,
            Selector::Type(t) => Selector::Family(prefix.to_string()).covers(t),
        })
    };
    if let Selector::Family(_) = selector
        && let Some(first) = order.iter().find(|p| kin(p))
    {
        return Place::Before(first[..2].to_vec());
    }
    if let Some(last) = order.iter().rev().find(|p| kin(p)) {
        return Place::AfterBlock(last[..2].to_vec());
    }
    match order.last() {
        Some(last) => Place::AfterBlock(last[..2].to_vec()),
        None => Place::End,
    }
}

/// The string `call` of a rule table, if it has one.
fn call_of(doc: &DocumentMut, path: &[String]) -> Option<Call> {
    let mut path = path.to_vec();
    path.push("call".to_string());
    item_ref(doc, &path)
        .and_then(Item::as_str)
        .map(|s| Call::parse(s).unwrap_or_default())
}

/// The call a type gets from its family's table or the defaults.
fn inherited_call(doc: &DocumentMut, event_type: &str) -> Call {
    let family = event_type
        .split_once('.')
        .map(|(prefix, _)| TableRef::Event(Selector::Family(prefix.to_string())).path());
    family
        .and_then(|p| call_of(doc, &p))
        .or_else(|| call_of(doc, &TableRef::Defaults.path()))
        .unwrap_or_default()
}

/// True when the tables above `table` (the defaults, then a type's family) leave it cancelled.
fn inherited_cancel(doc: &DocumentMut, table: &TableRef) -> bool {
    let mut layers = Vec::new();
    if *table != TableRef::Defaults {
        layers.push(TableRef::Defaults.path());
    }
    if let TableRef::Event(Selector::Type(t)) = table
        && let Some((prefix, _)) = t.split_once('.')
    {
        layers.push(TableRef::Event(Selector::Family(prefix.to_string())).path());
    }
    let mut cancelled = false;
    for mut path in layers {
        path.push("cancel".to_string());
        match item_ref(doc, &path).and_then(Item::as_value) {
            Some(Value::String(_)) => cancelled = true,
            Some(Value::Boolean(_)) => cancelled = false,
            _ => {}
        }
    }
    cancelled
}

// ---------------------------------------------------------------------------------------------
// Where standard tables are drawn

/// Where new standard tables go in the file.
enum Place {
    /// After the table at this path and the sub-tables that follow it.
    AfterBlock(Vec<String>),
    /// Just before the table at this path.
    Before(Vec<String>),
    Start,
    End,
}

/// Every standard table's path (dotted-key tables excluded), in the order the file draws them:
/// by position, a table without one right after the table before it.
fn table_order(doc: &DocumentMut) -> Vec<Vec<String>> {
    fn visit(
        table: &Table,
        path: &mut Vec<String>,
        last: &mut isize,
        out: &mut Vec<(isize, Vec<String>)>,
    ) {
        for (key, item) in table.iter() {
            if let Item::Table(child) = item {
                path.push(key.to_string());
                if !child.is_dotted() {
                    if let Some(position) = child.position() {
                        *last = position;
                    }
                    out.push((*last, path.clone()));
                }
                visit(child, path, last, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    visit(doc.as_table(), &mut Vec::new(), &mut 0, &mut out);
    // A stable sort keeps visiting order among equal positions, as the writer does.
    out.sort_by_key(|(position, _)| *position);
    out.into_iter().map(|(_, path)| path).collect()
}

fn table_at_mut<'d>(doc: &'d mut DocumentMut, path: &[String]) -> Option<&'d mut Table> {
    let mut table = doc.as_table_mut();
    for key in path {
        table = table.get_mut(key)?.as_table_mut()?;
    }
    Some(table)
}

/// Numbers every standard table in drawing order, with `new` (tables just created) placed
/// together at `place`.
fn place_tables(doc: &mut DocumentMut, new: &[Vec<String>], place: Place) {
    let order: Vec<Vec<String>> = table_order(doc)
        .into_iter()
        .filter(|p| !new.contains(p))
        .collect();
    let index_of = |path: &[String]| order.iter().position(|p| p == path);
    let at = match &place {
        Place::Start => 0,
        Place::End => order.len(),
        Place::Before(path) => index_of(path).unwrap_or(order.len()),
        Place::AfterBlock(path) => match index_of(path) {
            Some(start) => {
                let mut end = start + 1;
                while order.get(end).is_some_and(|p| p.starts_with(path)) {
                    end += 1;
                }
                end
            }
            None => order
                .iter()
                .rposition(|p| p.starts_with(path))
                .map_or(order.len(), |i| i + 1),
        },
    };
    let first_drawn = order.iter().position(|p| {
        item_ref(doc, p)
            .and_then(Item::as_table)
            .is_some_and(|t| !t.is_implicit() || !t.get_values().is_empty())
    });
    if let Some(first) = first_drawn
        && at <= first
        && let Some(table) = table_at_mut(doc, &order[first])
        && table.decor().prefix().and_then(|p| p.as_str()) == Some("")
    {
        // The file's first table is no longer first: it gets the blank line others have.
        table.decor_mut().set_prefix("\n");
    }
    let mut numbered: Vec<Vec<String>> = order;
    let tail = numbered.split_off(at.min(numbered.len()));
    numbered.extend(new.iter().cloned());
    numbered.extend(tail);
    for (i, path) in numbered.iter().enumerate() {
        if let Some(table) = table_at_mut(doc, path) {
            table.set_position(Some(i as isize + 1));
        }
    }
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod tests;
