//! One event type's rules: the defaults', then its family's, then its own, a later table's key
//! replacing an earlier one in place. What the compiler writes out for each type and what the
//! workbench's mapping table lists.

use super::model::{Call, Cancel, FieldRule, Mapping, Rule, Rules, Selector, Source};

/// Which table a resolved part came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Defaults,
    /// An event table, by its selector.
    Table(Selector),
    /// Not written anywhere: derived (a track call's event name from its type).
    Derived,
}

impl Origin {
    /// The table as written in the file: `[defaults]`, `[events."payment.succeeded"]`.
    pub fn header(&self) -> String {
        match self {
            Origin::Defaults => "[defaults]".to_string(),
            Origin::Table(selector) => format!("[events.\"{}\"]", selector.key()),
            Origin::Derived => "derived".to_string(),
        }
    }
}

/// What a mapping does with one event type.
// Resolutions are built one per type and read at once, never stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// No event table names the type (nor its family): the handler cancels it.
    NotCovered,
    /// A table cancels it.
    Cancelled {
        reason: String,
        origin: Origin,
    },
    Mapped(ResolvedEvent),
}

/// An event type's call, with every field in output order.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedEvent {
    pub event_type: String,
    pub call: Call,
    pub object_id: Option<(Rule, Origin)>,
    /// Every field, top-level keys in Segment's order, then inside an object in merge order.
    pub fields: Vec<ResolvedField>,
    /// True when no table sets `messageId`: the handler derives it.
    pub derived_message_id: bool,
    /// The event tables that apply, broadest first (a family, then the type's own).
    pub tables: Vec<Selector>,
}

/// One field of a resolved event and where its rule was written.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedField {
    pub field: FieldRule,
    pub origin: Origin,
}

/// The order of a call's top-level keys in the output.
pub const TOP_LEVEL_ORDER: [&str; 13] = [
    "userId",
    "anonymousId",
    "previousId",
    "groupId",
    "event",
    "name",
    "category",
    "properties",
    "traits",
    "context",
    "integrations",
    "messageId",
    "timestamp",
];

/// The tables that apply to `event_type`, broadest first: its family's, then its own.
pub fn tables_for<'m>(mapping: &'m Mapping, event_type: &str) -> Vec<&'m super::model::EventTable> {
    let family = mapping
        .events
        .iter()
        .filter(|t| matches!(t.selector, Selector::Family(_)) && t.selector.covers(event_type));
    let own = mapping
        .events
        .iter()
        .filter(|t| matches!(&t.selector, Selector::Type(name) if name == event_type));
    family.chain(own).collect()
}

/// What `mapping` does with `event_type`.
pub fn resolve(mapping: &Mapping, event_type: &str) -> Resolution {
    let tables = tables_for(mapping, event_type);
    if tables.is_empty() {
        return Resolution::NotCovered;
    }
    let layers: Vec<(&Rules, Origin)> = std::iter::once((&mapping.defaults, Origin::Defaults))
        .chain(
            tables
                .iter()
                .map(|t| (&t.rules, Origin::Table(t.selector.clone()))),
        )
        .collect();

    let mut cancel: Option<(String, Origin)> = None;
    let mut call = Call::default();
    let mut object_id = None;
    let mut merged: Vec<ResolvedField> = Vec::new();
    for (rules, origin) in &layers {
        if let Some(c) = &rules.cancel {
            cancel = match &c.value {
                Cancel::Because(reason) => Some((reason.clone(), origin.clone())),
                Cancel::No => None,
            };
        }
        if let Some(c) = &rules.call {
            call = c.value;
        }
        if let Some(id) = &rules.object_id {
            object_id = Some((id.clone(), origin.clone()));
        }
        for field in &rules.fields {
            let resolved = ResolvedField {
                field: field.clone(),
                origin: origin.clone(),
            };
            match merged.iter_mut().find(|f| f.field.target == field.target) {
                Some(existing) => *existing = resolved,
                None => merged.push(resolved),
            }
        }
    }
    if let Some((reason, origin)) = cancel {
        return Resolution::Cancelled { reason, origin };
    }
    if call == Call::Track && !merged.iter().any(|f| f.field.target == ["event"]) {
        merged.push(ResolvedField {
            field: FieldRule {
                target: vec!["event".to_string()],
                key_at: 0..0,
                rule: Rule::constant(derived_event_name(event_type).into(), 0..0),
            },
            origin: Origin::Derived,
        });
    }
    let derived_message_id = !merged.iter().any(|f| f.field.target == ["messageId"]);
    // A stable sort keeps merge order inside each top-level key.
    merged.sort_by_key(|f| top_level_rank(&f.field.target));
    Resolution::Mapped(ResolvedEvent {
        event_type: event_type.to_string(),
        call,
        object_id,
        fields: merged,
        derived_message_id,
        tables: tables.iter().map(|t| t.selector.clone()).collect(),
    })
}

fn top_level_rank(target: &[String]) -> usize {
    let first = target.first().map(String::as_str).unwrap_or("");
    TOP_LEVEL_ORDER
        .iter()
        .position(|k| *k == first)
        .unwrap_or(TOP_LEVEL_ORDER.len())
}

/// A track call's event name when the mapping gives none: the type's words in Title Case,
/// `subscription.on_hold` → `Subscription On Hold`.
pub fn derived_event_name(event_type: &str) -> String {
    event_type
        .split(['.', '_'])
        .filter(|w| !w.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when a rule reads nothing from the body (a constant or the environment).
pub fn is_constant(rule: &Rule) -> bool {
    matches!(rule.source, Source::Value(_) | Source::Env(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_are_title_case_words() {
        assert_eq!(derived_event_name("dispute.opened"), "Dispute Opened");
        assert_eq!(
            derived_event_name("subscription.on_hold"),
            "Subscription On Hold"
        );
        assert_eq!(
            derived_event_name("entitlement_grant.created"),
            "Entitlement Grant Created"
        );
    }

    #[test]
    fn families_cover_their_prefix_only() {
        let family = Selector::Family("subscription".into());
        assert!(family.covers("subscription.active"));
        assert!(!family.covers("subscriptions.active"));
        assert!(!family.covers("subscription"));
    }
}
