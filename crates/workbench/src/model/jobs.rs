//! The newest run asked for each event. `update` writes it as it asks for runs; whoever carries
//! a run out reads it, through a handle to the same table, to skip items a newer run replaced
//! before they start. One table, so the two can never disagree.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The newest job per event key, shared by handle: clones see the same table.
#[derive(Debug, Clone, Default)]
pub struct LatestJobs {
    table: Arc<Mutex<HashMap<String, u64>>>,
}

impl LatestJobs {
    fn table(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        // A panic elsewhere while holding the lock leaves a table that is still whole.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `job` is now the newest run of `key`.
    pub fn ask(&self, key: &str, job: u64) {
        self.table().insert(key.to_string(), job);
    }

    /// The newest job asked for `key`, if any.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.table().get(key).copied()
    }

    /// True while `job` is the newest run of `key`: its result is wanted.
    pub fn is_current(&self, key: &str, job: u64) -> bool {
        self.get(key) == Some(job)
    }

    /// Forgets the keys `keep` says no to.
    pub fn retain(&self, mut keep: impl FnMut(&str) -> bool) {
        self.table().retain(|key, _| keep(key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_sees_what_the_other_asks() {
        let jobs = LatestJobs::default();
        let runner = jobs.clone();
        jobs.ask("a", 1);
        assert!(runner.is_current("a", 1));
        jobs.ask("a", 2);
        assert!(
            !runner.is_current("a", 1),
            "a newer job makes the older stale"
        );
        assert!(runner.is_current("a", 2));
        jobs.retain(|key| key != "a");
        assert_eq!(runner.get("a"), None);
    }
}
