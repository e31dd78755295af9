//! The Dodo Payments webhook event types, their groups and the payload kind each one carries.

/// One Dodo event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTypeInfo {
    /// The `type` string, e.g. `payment.succeeded`.
    pub name: &'static str,
    /// The part before the dot, e.g. `payment`, `abandoned_checkout`.
    pub group: &'static str,
    /// The `data.payload_type` Dodo sends with it, e.g. `Payment`, `CreditLedgerEntry`.
    pub payload_kind: &'static str,
}

const fn ev(name: &'static str, group: &'static str, payload_kind: &'static str) -> EventTypeInfo {
    EventTypeInfo {
        name,
        group,
        payload_kind,
    }
}

/// Every Dodo event type, in group order (payment, refund, dispute, subscription, license_key,
/// payout, credit, abandoned_checkout, dunning, entitlement_grant) and, within a group, in the
/// order Dodo's SDK lists them.
pub static EVENT_TYPES: [EventTypeInfo; 48] = [
    ev("payment.succeeded", "payment", "Payment"),
    ev("payment.failed", "payment", "Payment"),
    ev("payment.processing", "payment", "Payment"),
    ev("payment.cancelled", "payment", "Payment"),
    ev("refund.succeeded", "refund", "Refund"),
    ev("refund.failed", "refund", "Refund"),
    ev("dispute.opened", "dispute", "Dispute"),
    ev("dispute.expired", "dispute", "Dispute"),
    ev("dispute.accepted", "dispute", "Dispute"),
    ev("dispute.cancelled", "dispute", "Dispute"),
    ev("dispute.challenged", "dispute", "Dispute"),
    ev("dispute.won", "dispute", "Dispute"),
    ev("dispute.lost", "dispute", "Dispute"),
    ev("subscription.active", "subscription", "Subscription"),
    ev("subscription.renewed", "subscription", "Subscription"),
    ev("subscription.on_hold", "subscription", "Subscription"),
    ev("subscription.past_due", "subscription", "Subscription"),
    ev("subscription.cancelled", "subscription", "Subscription"),
    ev("subscription.failed", "subscription", "Subscription"),
    ev("subscription.expired", "subscription", "Subscription"),
    ev("subscription.plan_changed", "subscription", "Subscription"),
    ev("subscription.updated", "subscription", "Subscription"),
    ev("subscription.paused", "subscription", "Subscription"),
    ev("subscription.unpaused", "subscription", "Subscription"),
    ev(
        "subscription.update_payment_method",
        "subscription",
        "Subscription",
    ),
    ev("license_key.created", "license_key", "LicenseKey"),
    ev("payout.created", "payout", "Payout"),
    ev("payout.on_hold", "payout", "Payout"),
    ev("payout.in_progress", "payout", "Payout"),
    ev("payout.failed", "payout", "Payout"),
    ev("payout.success", "payout", "Payout"),
    ev("credit.added", "credit", "CreditLedgerEntry"),
    ev("credit.deducted", "credit", "CreditLedgerEntry"),
    ev("credit.expired", "credit", "CreditLedgerEntry"),
    ev("credit.rolled_over", "credit", "CreditLedgerEntry"),
    ev("credit.rollover_forfeited", "credit", "CreditLedgerEntry"),
    ev("credit.overage_charged", "credit", "CreditLedgerEntry"),
    ev("credit.overage_reset", "credit", "CreditLedgerEntry"),
    ev("credit.manual_adjustment", "credit", "CreditLedgerEntry"),
    ev("credit.balance_low", "credit", "CreditBalanceLow"),
    ev(
        "abandoned_checkout.detected",
        "abandoned_checkout",
        "AbandonedCheckout",
    ),
    ev(
        "abandoned_checkout.recovered",
        "abandoned_checkout",
        "AbandonedCheckout",
    ),
    ev("dunning.started", "dunning", "DunningAttempt"),
    ev("dunning.recovered", "dunning", "DunningAttempt"),
    ev(
        "entitlement_grant.created",
        "entitlement_grant",
        "EntitlementGrant",
    ),
    ev(
        "entitlement_grant.delivered",
        "entitlement_grant",
        "EntitlementGrant",
    ),
    ev(
        "entitlement_grant.failed",
        "entitlement_grant",
        "EntitlementGrant",
    ),
    ev(
        "entitlement_grant.revoked",
        "entitlement_grant",
        "EntitlementGrant",
    ),
];

/// The catalog entry for an exact event type name.
pub fn lookup(name: &str) -> Option<&'static EventTypeInfo> {
    EVENT_TYPES.iter().find(|e| e.name == name)
}

/// The group names in display order.
pub fn groups() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for e in &EVENT_TYPES {
        if !out.contains(&e.group) {
            out.push(e.group);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique() {
        let names: HashSet<&str> = EVENT_TYPES.iter().map(|e| e.name).collect();
        assert_eq!(names.len(), EVENT_TYPES.len());
    }

    #[test]
    fn group_is_the_prefix_before_the_dot() {
        for e in &EVENT_TYPES {
            let (prefix, rest) = e.name.split_once('.').expect("event names contain a dot");
            assert_eq!(e.group, prefix, "{}", e.name);
            assert!(!rest.is_empty() && !rest.contains('.'), "{}", e.name);
        }
    }

    #[test]
    fn groups_are_contiguous_and_in_display_order() {
        assert_eq!(
            groups(),
            [
                "payment",
                "refund",
                "dispute",
                "subscription",
                "license_key",
                "payout",
                "credit",
                "abandoned_checkout",
                "dunning",
                "entitlement_grant",
            ]
        );
        // Each group appears as one run, so a grouped list never repeats a heading.
        let runs = EVENT_TYPES
            .windows(2)
            .filter(|w| w[0].group != w[1].group)
            .count()
            + 1;
        assert_eq!(runs, groups().len());
    }

    #[test]
    fn group_sizes_match_the_reference() {
        let sizes: Vec<usize> = groups()
            .iter()
            .map(|g| EVENT_TYPES.iter().filter(|e| e.group == *g).count())
            .collect();
        assert_eq!(sizes, [4, 2, 7, 12, 1, 5, 9, 2, 2, 4]);
    }

    #[test]
    fn payload_kinds() {
        let kind = |n: &str| lookup(n).map(|e| e.payload_kind);
        assert_eq!(kind("payment.cancelled"), Some("Payment"));
        assert_eq!(
            kind("subscription.update_payment_method"),
            Some("Subscription")
        );
        assert_eq!(kind("license_key.created"), Some("LicenseKey"));
        assert_eq!(kind("credit.overage_reset"), Some("CreditLedgerEntry"));
        assert_eq!(kind("credit.balance_low"), Some("CreditBalanceLow"));
        assert_eq!(
            kind("abandoned_checkout.recovered"),
            Some("AbandonedCheckout")
        );
        assert_eq!(kind("dunning.started"), Some("DunningAttempt"));
        assert_eq!(kind("entitlement_grant.revoked"), Some("EntitlementGrant"));
        assert_eq!(kind("payout.success"), Some("Payout"));
    }

    #[test]
    fn lookup_is_exact() {
        assert_eq!(lookup("refund.failed").map(|e| e.group), Some("refund"));
        assert!(lookup("Refund.Failed").is_none());
        assert!(lookup("refund").is_none());
        // Renamed to payout.created; the payload status is still not_initiated.
        assert!(lookup("payout.not_initiated").is_none());
    }

    #[test]
    fn unknown_names_get_close_catalog_names() {
        let fixtures = crate::webhook::FixtureSet::builtin().expect("built-in fixtures");
        let suggestions = |name: &str| {
            fixtures
                .find(name)
                .map(|_| Vec::new())
                .unwrap_or_else(|e| e.suggestions)
        };
        let got = suggestions("subscription.cancel");
        assert_eq!(
            got.first().map(String::as_str),
            Some("subscription.cancelled")
        );
        assert!(suggestions("zzzz").is_empty());
    }
}
