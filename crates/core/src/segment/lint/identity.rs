//! Who and what a call is about: ids, event, groupId, alias, messageId, type, field shapes, and
//! webhook bodies that fell through untransformed.

use super::naming::check_event_name;
use super::pointer::{child, describe, show_str};
use super::{Ctx, Found, MAX_MESSAGE_ID_CHARS, Rule};
use crate::segment::call::CallType;
use serde_json::{Map, Value};

pub(super) fn check_type_mismatch(t: CallType, obj: &Map<String, Value>, found: &mut Found) {
    if let Some(Value::String(s)) = obj.get("type")
        && let Some(named) = CallType::from_name(s)
        && named != t
    {
        found.push(
            Rule::TypeMismatch,
            "/type",
            format!(
                "This call is posted to {} but its type says {}: make the URL path and the type agree, or Segment may handle it as the wrong kind of call",
                t.path(),
                show_str(s)
            ),
        );
    }
}

pub(super) fn check_field_objects(
    obj: &Map<String, Value>,
    base: &str,
    keys: &[&str],
    found: &mut Found,
) {
    for key in keys {
        match obj.get(*key) {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(other) => found.push(
                Rule::FieldNotObject,
                child(base, key),
                format!(
                    "Segment expects {key} to be an object, not {}; destinations ignore or drop it",
                    describe(other)
                ),
            ),
        }
    }
}

/// `properties` on track, page and screen, `traits` on identify and group: Segment discards
/// the call when its own container is anything but an object (null counts as absent).
pub(super) fn check_required_objects(
    obj: &Map<String, Value>,
    base: &str,
    keys: &[&str],
    found: &mut Found,
) {
    for key in keys {
        let rule = if *key == "traits" {
            Rule::TraitsNotObject
        } else {
            Rule::PropertiesNotObject
        };
        match obj.get(*key) {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(other) => found.push(
                rule,
                child(base, key),
                format!(
                    "{}: {key} must be an object, not {}",
                    drops(base),
                    describe(other)
                ),
            ),
        }
    }
}

/// A page or screen call's `name` and `category`: absent or null is fine, anything present
/// must be a non-empty string or Segment discards the call.
pub(super) fn check_page_names(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    for (key, rule) in [
        ("name", Rule::NameNotString),
        ("category", Rule::CategoryNotString),
    ] {
        let problem = match obj.get(key) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if s.is_empty() => format!("{key} is empty"),
            Some(Value::String(_)) => continue,
            Some(other) => format!("{key} must be a string, not {}", describe(other)),
        };
        found.push(
            rule,
            child(base, key),
            format!("{}: {problem}", drops(base)),
        );
    }
}

/// How usable an id field is.
enum Id<'a> {
    Missing,
    Null,
    Blank,
    Usable,
    Wrong(&'a Value),
}

fn classify(v: Option<&Value>) -> Id<'_> {
    match v {
        None => Id::Missing,
        Some(Value::Null) => Id::Null,
        Some(Value::String(s)) if s.trim().is_empty() => Id::Blank,
        Some(Value::String(_) | Value::Number(_)) => Id::Usable,
        Some(other) => Id::Wrong(other),
    }
}

fn id_problem(name: &str, id: &Id) -> String {
    match id {
        Id::Missing | Id::Usable => format!("there is no {name}"),
        Id::Null => format!("{name} is null"),
        Id::Blank => format!("{name} is empty"),
        Id::Wrong(v) => format!("{name} must be a string, not {}", describe(v)),
    }
}

fn is_usable(v: Option<&Value>) -> bool {
    matches!(classify(v), Id::Usable)
}

pub(super) fn check_identity(obj: &Map<String, Value>, base: &str, ctx: Ctx, found: &mut Found) {
    let user = classify(obj.get("userId"));
    let anon = classify(obj.get("anonymousId"));
    if matches!(user, Id::Usable) || matches!(anon, Id::Usable) {
        return;
    }
    let mut reason = match (&user, &anon) {
        (Id::Missing | Id::Null, Id::Missing | Id::Null) => "no userId or anonymousId".to_string(),
        _ => format!(
            "{} and {}",
            id_problem("userId", &user),
            id_problem("anonymousId", &anon)
        ),
    };
    if let Some(env) = ctx.envelope
        && (env.contains_key("userId") || env.contains_key("anonymousId"))
    {
        reason.push_str(" (the batch's own userId/anonymousId is not copied into its events)");
    }
    let path = match (&user, &anon) {
        (Id::Wrong(_), _) => child(base, "userId"),
        (_, Id::Wrong(_)) => child(base, "anonymousId"),
        _ => base.to_string(),
    };
    found.push(
        Rule::MissingIdentity,
        path,
        format!("{}: {reason}", drops(base)),
    );
}

pub(super) fn check_event(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    let drops = drops(base);
    match obj.get("event") {
        None => found.push(
            Rule::MissingEvent,
            base,
            format!("{drops}: a track call needs an event name"),
        ),
        Some(Value::Null) => found.push(
            Rule::MissingEvent,
            child(base, "event"),
            format!("{drops}: event is null"),
        ),
        Some(Value::String(s)) if s.trim().is_empty() => found.push(
            Rule::MissingEvent,
            child(base, "event"),
            format!("{drops}: event is empty"),
        ),
        Some(Value::String(s)) => check_event_name(s, &child(base, "event"), found),
        Some(other) => found.push(
            Rule::EventNotString,
            child(base, "event"),
            format!("{drops}: event must be a string, not {}", describe(other)),
        ),
    }
}

/// What Segment does with a call it takes but cannot use.
fn drops(base: &str) -> &'static str {
    if base.is_empty() {
        "Segment accepts the call with 200 but silently drops it"
    } else {
        "Segment accepts the batch with 200 but silently drops this event"
    }
}

pub(super) fn check_group_id(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    let id = classify(obj.get("groupId"));
    if matches!(id, Id::Usable) {
        return;
    }
    let path = if matches!(id, Id::Wrong(_)) {
        child(base, "groupId")
    } else {
        base.to_string()
    };
    found.push(
        Rule::MissingGroupId,
        path,
        format!(
            "Segment drops this group call: {}",
            id_problem("groupId", &id)
        ),
    );
}

pub(super) fn check_alias(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    let prev = classify(obj.get("previousId"));
    let user = classify(obj.get("userId"));
    let problem = match (&prev, &user) {
        (Id::Usable, Id::Usable) => return,
        (Id::Missing | Id::Null, Id::Missing | Id::Null) => {
            "there is no previousId or userId".to_string()
        }
        (_, Id::Usable) => id_problem("previousId", &prev),
        (Id::Usable, _) => id_problem("userId", &user),
        _ => format!(
            "{} and {}",
            id_problem("previousId", &prev),
            id_problem("userId", &user)
        ),
    };
    let path = match (&prev, &user) {
        (Id::Wrong(_), _) => child(base, "previousId"),
        (_, Id::Wrong(_)) => child(base, "userId"),
        _ => base.to_string(),
    };
    found.push(
        Rule::MissingPreviousId,
        path,
        format!("Segment drops this alias call, which needs both previousId and userId: {problem}"),
    );
}

pub(super) fn check_message_id(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    match obj.get("messageId") {
        None | Some(Value::Null) => no_message_id(base, found),
        Some(Value::String(s)) if s.trim().is_empty() => no_message_id(base, found),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            if n >= MAX_MESSAGE_ID_CHARS {
                found.push(
                    Rule::MessageIdTooLong,
                    child(base, "messageId"),
                    format!(
                        "Segment rejects a messageId of 100 characters or more; this one has {n}"
                    ),
                );
            }
        }
        Some(_) => {}
    }
}

fn no_message_id(base: &str, found: &mut Found) {
    found.push(
        Rule::NoMessageId,
        base,
        "Segment assigns its own messageId, so retries and replays of this call will not be de-duplicated",
    );
}

pub(super) fn check_untransformed(obj: &Map<String, Value>, base: &str, found: &mut Found) {
    let dodo_shape =
        obj.contains_key("business_id") && obj.contains_key("type") && obj.contains_key("data");
    if !dodo_shape || is_usable(obj.get("userId")) || is_usable(obj.get("anonymousId")) {
        return;
    }
    let what = match obj.get("type") {
        Some(Value::String(s)) => format!("The {} webhook body", show_str(s)),
        _ => "The webhook body".to_string(),
    };
    let missing = if obj.contains_key("event") {
        "no userId/anonymousId"
    } else {
        "no userId/anonymousId and no event"
    };
    found.push(
        Rule::Untransformed,
        base,
        format!(
            "{what} falls through unchanged and Segment drops it: {missing}; map it, or cancel the events you do not map with `webhook.cancel = true`"
        ),
    );
}
