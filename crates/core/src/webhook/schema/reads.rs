//! What a transformation read that Dodo's schema does not have: the payload paths a run
//! recorded, looked up in the event type's model. A read of a field that no body of that event
//! type carries is almost always a typo or a field from another event type, and the handler
//! then sends `undefined` (Segment drops the property) without any error.

use serde::Serialize;

use super::{PathCheck, Schema};
use crate::transform::{ANY_INDEX, PathRead};

/// One read of a path the event type's body never has, at the handler's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadWarning {
    /// The path as read, e.g. `data.recurring_amount`.
    pub path: String,
    /// 1-based line and column in the transformation's file, when the engine could tell.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl Schema {
    /// The reads of `event_type`'s body that its model does not have, one per missing field
    /// (the deeper reads below a missing field add nothing), in the order they were first read.
    /// An event type Dodo does not send says nothing: its body is unknown.
    pub fn read_warnings(&self, event_type: &str, reads: &[PathRead]) -> Vec<ReadWarning> {
        let mut warnings: Vec<ReadWarning> = Vec::new();
        let mut seen: Vec<(String, String)> = Vec::new();
        for read in reads {
            // The engine writes any array index as `[]`; the schema takes an index.
            let path: Vec<&str> = read
                .path
                .iter()
                .map(|s| if s == ANY_INDEX { "0" } else { s.as_str() })
                .collect();
            let PathCheck::Missing {
                parent,
                field,
                suggestions,
            } = self.lookup(event_type, &path)
            else {
                continue;
            };
            if seen.iter().any(|(p, f)| *p == parent && *f == field) {
                continue;
            }
            let missing = if parent.is_empty() {
                field.clone()
            } else {
                format!("{parent}.{field}")
            };
            let mut message = format!("`{missing}` does not exist in {event_type}");
            match suggestions.as_slice() {
                [] => {}
                [one] => message.push_str(&format!("; did you mean `{one}`?")),
                [first, second, ..] => {
                    message.push_str(&format!("; did you mean `{first}` or `{second}`?"))
                }
            }
            warnings.push(ReadWarning {
                path: missing,
                line: read.line,
                column: read.column,
                message,
            });
            seen.push((parent, field));
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &[&str], line: u32) -> PathRead {
        PathRead {
            path: path.iter().map(|s| s.to_string()).collect(),
            line: Some(line),
            column: Some(3),
        }
    }

    #[test]
    fn a_field_the_event_type_lacks_is_named_with_its_closest_sibling() {
        let reads = [
            read(&["data"], 2),
            read(&["data", "recurring_amount"], 4),
            read(&["data", "customer", "email"], 5),
        ];
        let warnings = Schema::dodo().read_warnings("subscription.active", &reads);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let w = &warnings[0];
        assert_eq!(w.path, "data.recurring_amount");
        assert_eq!((w.line, w.column), (Some(4), Some(3)));
        assert!(
            w.message.starts_with(
                "`data.recurring_amount` does not exist in subscription.active; did you mean \
                 `recurring_pre_tax_amount`"
            ),
            "{}",
            w.message
        );
    }

    #[test]
    fn reads_below_a_missing_field_and_repeats_give_one_warning() {
        let reads = [
            read(&["data", "amount"], 3),
            read(&["data", "amount", "value"], 3),
            read(&["data", "amount"], 9),
        ];
        let warnings = Schema::dodo().read_warnings("subscription.active", &reads);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].line, Some(3));
    }

    #[test]
    fn present_free_form_and_unknown_event_reads_say_nothing() {
        let reads = [
            read(&["type"], 1),
            read(&["data", "total_amount"], 2),
            read(&["data", "metadata", "anything"], 3),
            read(&["data", "product_cart", "[]", "product_id"], 4),
            read(&["data", "product_cart", "[]"], 4),
        ];
        assert!(
            Schema::dodo()
                .read_warnings("payment.succeeded", &reads)
                .is_empty()
        );
        let odd = [read(&["data", "whatever"], 1)];
        assert!(
            Schema::dodo()
                .read_warnings("not.an.event", &odd)
                .is_empty()
        );
    }
}
