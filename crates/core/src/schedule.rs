//! Windowed runs: bodies are submitted to the engine ahead of the one being waited on, so every
//! worker stays busy, but never more than a window at once, so a newer job's runs do not queue
//! behind many older ones. The workbench schedules its runs here; the command line's ordered runs
//! are windowed the same way by `Pipeline::run_ordered_then`, which also builds each record on
//! the worker that ran it.

use std::collections::VecDeque;

use crate::transform::{Engine, PendingRun, Program, RunInput};

/// Runs submitted ahead of their consumer, handed out in submission order.
///
/// Iterating yields each run's tag and pending output; the caller waits on it (`wait()` on a
/// plain thread, `.await` in a task). Submitting never blocks, so iteration is cheap. An item
/// whose tag is no longer current when its turn to be submitted comes is skipped, never run.
pub struct RunScheduler<T, I, C> {
    engine: Engine,
    program: Program,
    items: I,
    window: usize,
    is_current: C,
    in_flight: VecDeque<(T, PendingRun)>,
}

impl<T, I, C> RunScheduler<T, I, C>
where
    I: Iterator<Item = (T, RunInput)>,
    C: FnMut(&T) -> bool,
{
    /// Schedules `items` on `engine` with at most `window` (at least one) in flight; `is_current`
    /// is asked just before each item is submitted.
    pub fn new(
        engine: &Engine,
        program: &Program,
        items: impl IntoIterator<IntoIter = I>,
        window: usize,
        is_current: C,
    ) -> RunScheduler<T, I, C> {
        RunScheduler {
            engine: engine.clone(),
            program: program.clone(),
            items: items.into_iter(),
            window: window.max(1),
            is_current,
            in_flight: VecDeque::new(),
        }
    }
}

impl<T, I> RunScheduler<T, I, fn(&T) -> bool>
where
    I: Iterator<Item = (T, RunInput)>,
{
    /// Schedules every item: none ever goes stale.
    pub fn all(
        engine: &Engine,
        program: &Program,
        items: impl IntoIterator<IntoIter = I>,
        window: usize,
    ) -> RunScheduler<T, I, fn(&T) -> bool> {
        RunScheduler::new(engine, program, items, window, |_| true)
    }
}

impl<T, I, C> Iterator for RunScheduler<T, I, C>
where
    I: Iterator<Item = (T, RunInput)>,
    C: FnMut(&T) -> bool,
{
    type Item = (T, PendingRun);

    fn next(&mut self) -> Option<(T, PendingRun)> {
        while self.in_flight.len() < self.window {
            let Some((tag, input)) = self.items.next() else {
                break;
            };
            if (self.is_current)(&tag) {
                let pending = self.engine.submit(&self.program, input);
                self.in_flight.push_back((tag, pending));
            }
        }
        self.in_flight.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::Limits;

    const ECHO: &str =
        "function handler(webhook) { webhook.payload = { n: webhook.payload.n }; return webhook; }";

    fn inputs(count: usize) -> impl Iterator<Item = (usize, RunInput)> {
        (0..count).map(|n| (n, RunInput::from_body(format!("{{\"n\":{n}}}"), "")))
    }

    fn n_of(pending: PendingRun) -> usize {
        let webhook = pending.wait().result.expect("the run succeeds");
        webhook.payload["n"].as_u64().expect("n") as usize
    }

    #[test]
    fn runs_come_back_in_submission_order() {
        let engine = Engine::with_workers(Limits::default(), 2);
        let program = engine.compile("t.js", ECHO);
        let seen: Vec<(usize, usize)> = RunScheduler::all(&engine, &program, inputs(50), 4)
            .map(|(tag, pending)| (tag, n_of(pending)))
            .collect();
        assert_eq!(seen, (0..50).map(|n| (n, n)).collect::<Vec<_>>());
    }

    #[test]
    fn no_more_than_the_window_is_submitted_ahead() {
        let engine = Engine::with_workers(Limits::default(), 1);
        let program = engine.compile("t.js", ECHO);
        let asked = std::cell::Cell::new(0usize);
        let mut scheduler = RunScheduler::new(&engine, &program, inputs(10), 3, |_: &usize| {
            asked.set(asked.get() + 1);
            true
        });
        let first = scheduler.next().map(|(tag, _)| tag);
        assert_eq!(first, Some(0));
        assert_eq!(
            asked.get(),
            3,
            "three submitted before the first is handed out"
        );
        let second = scheduler.next().map(|(tag, _)| tag);
        assert_eq!(second, Some(1));
        assert_eq!(asked.get(), 4, "one more submitted per run handed out");
        assert_eq!(scheduler.count(), 8);
        assert_eq!(asked.get(), 10);
    }

    #[test]
    fn a_window_of_zero_still_runs_one_at_a_time() {
        let engine = Engine::with_workers(Limits::default(), 1);
        let program = engine.compile("t.js", ECHO);
        let tags: Vec<usize> = RunScheduler::all(&engine, &program, inputs(3), 0)
            .map(|(tag, _)| tag)
            .collect();
        assert_eq!(tags, vec![0, 1, 2]);
    }

    #[test]
    fn stale_items_are_skipped_when_their_turn_comes() {
        let engine = Engine::with_workers(Limits::default(), 1);
        let program = engine.compile("t.js", ECHO);
        let stale_from = std::cell::Cell::new(usize::MAX);
        let scheduler = RunScheduler::new(&engine, &program, inputs(10), 2, |n: &usize| {
            *n < stale_from.get()
        });
        let mut seen = Vec::new();
        for (tag, pending) in scheduler {
            // After the first run, a newer job makes every later item stale; the one already
            // submitted still comes back.
            stale_from.set(2);
            seen.push(n_of(pending));
            assert_eq!(seen.last(), Some(&tag));
        }
        assert_eq!(seen, vec![0, 1]);
    }
}
