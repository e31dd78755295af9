//! "Did you mean" suggestions for unknown names (event types, presets).

/// Up to `max` candidates closest to `input`, best first; only reasonably close ones.
pub fn closest_names<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<String> {
    let input_lower = input.to_ascii_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| {
            let c_lower = c.to_ascii_lowercase();
            let mut score = strsim::jaro_winkler(&input_lower, &c_lower);
            if c_lower.contains(&input_lower) || input_lower.contains(&c_lower) {
                score += 0.2;
            }
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(max)
        .map(|(_, c)| c.to_string())
        .collect()
}

/// `did you mean a or b?`: the suggestions joined with `separator`; None when there are none, so
/// each message says what else to try.
pub fn did_you_mean(suggestions: &[String], separator: &str) -> Option<String> {
    (!suggestions.is_empty()).then(|| format!("did you mean {}?", suggestions.join(separator)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_best_first() {
        let names = ["payment.succeeded", "payment.failed", "refund.succeeded"];
        let got = closest_names("payment.suceeded", names, 3);
        assert_eq!(got.first().map(String::as_str), Some("payment.succeeded"));
    }

    #[test]
    fn suggests_nothing_for_unrelated_input() {
        let names = ["payment.succeeded", "refund.failed"];
        assert!(closest_names("zzzz", names, 3).is_empty());
    }

    #[test]
    fn did_you_mean_joins_or_says_nothing() {
        let two = ["a".to_string(), "b".to_string()];
        assert_eq!(
            did_you_mean(&two, " or ").as_deref(),
            Some("did you mean a or b?")
        );
        assert_eq!(
            did_you_mean(&two, ", ").as_deref(),
            Some("did you mean a, b?")
        );
        assert_eq!(did_you_mean(&[], " or "), None);
    }
}
