//! The Webhook pane's field cursor while a mapping is edited: the fields it moves over are the
//! body's (each line of the shown body that holds a key or an array item, with its path), then
//! the fields Dodo's schema defines for the event's type that this body lacks.

use serde_json::Value;

use hookbench_core::mapping::model::{PathSegment, SourcePath};
use hookbench_core::mapping::{path, suggest};

use super::app::{App, Pane};

/// Rows the schema's missing fields take at most under the body.
pub const MISSING_ROWS: usize = 6;

/// One field the cursor can stand on.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyField {
    pub path: SourcePath,
    /// The 0-based line of the shown body that holds it; None for a field the body lacks.
    pub line: Option<usize>,
    /// The value in the body (None for a field the body lacks).
    pub value: Option<Value>,
    /// The schema's type for a field the body lacks, and whether the schema requires it.
    pub schema: Option<(String, bool)>,
}

/// True while the field cursor is shown: a mapping is edited and the Webhook pane has the focus.
pub fn active(app: &App) -> bool {
    app.transform.mapping.is_some() && app.focus == Pane::Webhook
}

/// The selected event's fields: the body's in line order, then the schema's it lacks.
pub fn fields(app: &App) -> Vec<BodyField> {
    let Some(entry) = app.selected() else {
        return Vec::new();
    };
    let Some(body) = &entry.view.parsed else {
        return Vec::new();
    };
    let mut found = Vec::new();
    walk(body, &mut Vec::new(), &mut String::new(), &mut found);
    let mut fields: Vec<BodyField> = Vec::new();
    let mut lines_taken = std::collections::HashSet::new();
    let mut placed: Vec<(usize, BodyField)> = found
        .into_iter()
        .filter_map(|(segments, pointer, value)| {
            let line = entry.view.lines.line_of(&pointer)?;
            Some((
                line,
                BodyField {
                    path: source_path(segments),
                    line: Some(line),
                    value: Some(value),
                    schema: None,
                },
            ))
        })
        .collect();
    placed.sort_by_key(|(line, _)| *line);
    for (line, field) in placed {
        // One field per line: the first key a line holds.
        if lines_taken.insert(line) {
            fields.push(field);
        }
    }
    fields.extend(missing_fields(&entry.event_type, body));
    fields
}

/// The fields the schema defines for `event_type` that `body` lacks, in schema order.
pub fn missing_fields(event_type: &str, body: &Value) -> Vec<BodyField> {
    suggest::schema_fields(event_type)
        .into_iter()
        .filter(|f| lookup(body, &f.path.segments).is_none())
        .map(|f| BodyField {
            path: f.path,
            line: None,
            value: None,
            schema: Some((f.ty, f.required)),
        })
        .collect()
}

/// The value at `segments` of `body`, if it is there.
pub fn lookup<'v>(body: &'v Value, segments: &[PathSegment]) -> Option<&'v Value> {
    segments
        .iter()
        .try_fold(body, |value, segment| match segment {
            PathSegment::Key(key) => value.as_object()?.get(key),
            PathSegment::Index(i) => value.as_array()?.get(*i),
        })
}

/// Every member and item below `value`, depth first in the value's order, with its path and
/// JSON pointer.
fn walk(
    value: &Value,
    segments: &mut Vec<PathSegment>,
    pointer: &mut String,
    out: &mut Vec<(Vec<PathSegment>, String, Value)>,
) {
    let children: Vec<(PathSegment, String, &Value)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                (
                    PathSegment::Key(k.clone()),
                    k.replace('~', "~0").replace('/', "~1"),
                    v,
                )
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (PathSegment::Index(i), i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (segment, escaped, child) in children {
        let before = pointer.len();
        pointer.push('/');
        pointer.push_str(&escaped);
        segments.push(segment);
        out.push((segments.clone(), pointer.clone(), child.clone()));
        walk(child, segments, pointer, out);
        segments.pop();
        pointer.truncate(before);
    }
}

fn source_path(segments: Vec<PathSegment>) -> SourcePath {
    SourcePath {
        text: path::display(&segments),
        segments,
    }
}

/// The field under the cursor, the cursor kept within the fields.
pub fn current(app: &App) -> Option<BodyField> {
    let cursor = app.transform.mapping.as_ref()?.field_cursor;
    let fields = fields(app);
    let last = fields.len().checked_sub(1)?;
    fields.into_iter().nth(cursor.min(last))
}

/// Rows the missing fields take under the body in a pane `height` rows high: a heading and the
/// fields, at most [`MISSING_ROWS`] and a third of the pane; none while the cursor is not shown.
pub fn missing_height(app: &App, height: u16) -> u16 {
    if !active(app) {
        return 0;
    }
    let Some(entry) = app.selected() else {
        return 0;
    };
    let Some(body) = &entry.view.parsed else {
        return 0;
    };
    let count = missing_fields(&entry.event_type, body).len();
    if count == 0 {
        return 0;
    }
    let rows = (count + 1)
        .min(MISSING_ROWS + 1)
        .min(usize::from(height / 3));
    u16::try_from(rows).unwrap_or(0)
}
