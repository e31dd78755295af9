//! One event through the pipeline: check the body against Dodo's schema, transform, then lint
//! what would be sent. The record is the
//! unit every front end shows: one line of `run --output json`, one entry of `check`, one row of
//! the workbench.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::segment::{Diagnostic, LintOptions, MessageIds, Severity, lint};
use crate::transform::{
    CompatWarning, DEFAULT_URL, Engine, LogLine, Pending, PendingRun, Program, RunInput, RunOutput,
    TransformError, WebhookOut, scan_compat,
};
use crate::webhook::schema::ReadWarning;
use crate::webhook::{InputDiagnostic, Schema};

/// The outcome of one event, in the contract shape of `run --output json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    pub event_type: String,
    pub webhook: Option<WebhookOut>,
    pub error: Option<TransformError>,
    pub logs: Vec<LogLine>,
    /// What Dodo's schema says about the webhook body (empty when it conforms, or when the body
    /// is not JSON). These never stop a run: they describe the input, not what is sent.
    pub input_diagnostics: Vec<InputDiagnostic>,
    /// The Segment lint of what would be sent.
    pub diagnostics: Vec<Diagnostic>,
    /// Paths the handler read that this event type's body never has, at the handler's lines.
    pub read_warnings: Vec<ReadWarning>,
    pub duration_us: u64,
}

impl RunRecord {
    /// Builds the record of a finished run: the body's schema check, and the lint of the webhook
    /// unless it was cancelled.
    pub fn from_output(
        event_type: String,
        output: RunOutput,
        source: Option<&Value>,
        lint_options: &LintOptions,
    ) -> RunRecord {
        let duration_us = u64::try_from(output.duration.as_micros()).unwrap_or(u64::MAX);
        let read_warnings = Schema::dodo().read_warnings(&event_type, &output.reads);
        let (webhook, error, diagnostics) = match output.result {
            Ok(webhook) => {
                let diagnostics = if webhook.cancel {
                    Vec::new()
                } else {
                    lint(&webhook.url, &webhook.payload, source, lint_options)
                };
                (Some(webhook), None, diagnostics)
            }
            Err(error) => (None, Some(error), Vec::new()),
        };
        RunRecord {
            event_type,
            webhook,
            error,
            logs: output.logs,
            input_diagnostics: source.map(input_diagnostics).unwrap_or_default(),
            diagnostics,
            read_warnings,
            duration_us,
        }
    }

    /// True when the transformation failed.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// True when the output has a lint error.
    pub fn has_lint_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// True when the handler cancelled the webhook (nothing would be sent).
    pub fn cancelled(&self) -> bool {
        self.webhook.as_ref().is_some_and(|w| w.cancel)
    }

    /// Checks this record's call against the calls `ids` saw before it (records must come in
    /// the order they would be sent) and adds the warnings to its diagnostics. `label` names
    /// the record in later warnings. Cancelled and failed runs send nothing and are skipped.
    pub fn check_message_ids(&mut self, ids: &mut MessageIds, label: &str) {
        let Some(webhook) = self.webhook.as_ref().filter(|w| !w.cancel) else {
            return;
        };
        let found = ids.check(label, &webhook.url, &webhook.payload);
        if !found.is_empty() {
            self.diagnostics.extend(found);
            // Stable: the new warnings go after the other warnings, before any info.
            self.diagnostics.sort_by_key(|d| d.severity);
        }
    }
}

/// What Dodo's shipped schema says about a webhook body.
pub fn input_diagnostics(body: &Value) -> Vec<InputDiagnostic> {
    Schema::dodo().check(body)
}

/// The event type a body names (`type`), or "" when it names none.
pub fn event_type_of(body: &Value) -> String {
    body.get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Settings every run of a session shares.
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    /// `webhook.url` before the handler runs.
    pub url: String,
    /// `webhook.env`.
    pub env: BTreeMap<String, String>,
    pub lint: LintOptions,
}

impl PipelineSettings {
    /// The settings a configuration file gives: its URL (else Segment's track URL), its env,
    /// and lint options from `[segment]`.
    pub fn from_config(config: &crate::config::Config) -> PipelineSettings {
        PipelineSettings {
            url: config
                .transform
                .url
                .as_ref()
                .map_or_else(|| DEFAULT_URL.to_string(), |u| u.as_str().to_string()),
            env: config.transform.env.clone(),
            lint: lint_options(config),
        }
    }
}

/// Lint options from the configuration's `[segment]` section.
pub fn lint_options(config: &crate::config::Config) -> LintOptions {
    LintOptions {
        endpoint: config.segment.endpoint.clone(),
        region: config.segment.region,
    }
}

impl PipelineSettings {
    /// What the handler receives for one body: the body, the event type `parsed` names, and
    /// this session's URL and env. Every run of a body is built here.
    pub fn input(&self, body: String, parsed: Option<&Arc<Value>>) -> RunInput {
        RunInput {
            body,
            json: parsed.cloned(),
            event_type: parsed.map(|json| event_type_of(json)).unwrap_or_default(),
            url: self.url.clone(),
            env: self.env.clone(),
        }
    }
}

impl Default for PipelineSettings {
    fn default() -> Self {
        PipelineSettings {
            url: DEFAULT_URL.to_string(),
            env: BTreeMap::new(),
            lint: LintOptions::default(),
        }
    }
}

/// A compiled transformation, the engine it runs on and the settings to run it with.
pub struct Pipeline {
    engine: Engine,
    program: Program,
    settings: PipelineSettings,
}

/// A run under way: the pending transformation and what its lint needs.
pub struct PendingRecord {
    pending: PendingRun,
    event_type: String,
    source: Option<Arc<Value>>,
}

impl PendingRecord {
    /// Waits for the run and lints its output.
    pub fn wait(self, lint_options: &LintOptions) -> RunRecord {
        let output = self.pending.wait();
        RunRecord::from_output(
            self.event_type,
            output,
            self.source.as_deref(),
            lint_options,
        )
    }
}

impl Pipeline {
    /// Registers `source` (named `name` in stack traces) on `engine`.
    pub fn new(engine: Engine, name: &str, source: &str, settings: PipelineSettings) -> Pipeline {
        let program = engine.compile(name, source);
        Pipeline {
            engine,
            program,
            settings,
        }
    }

    /// Uses of APIs the sandbox lacks, to warn about once.
    pub fn compat_warnings(&self) -> Vec<CompatWarning> {
        scan_compat(self.program.source())
    }

    /// Queues one body. `parsed` is the body as JSON when it is; the event type comes from it.
    pub fn submit(&self, body: String, parsed: Option<Value>) -> PendingRecord {
        let parsed = parsed.map(Arc::new);
        let input = self.settings.input(body, parsed.as_ref());
        PendingRecord {
            event_type: input.event_type.clone(),
            pending: self.engine.submit(&self.program, input),
            source: parsed,
        }
    }

    /// Runs one body and waits for its record.
    pub fn run(&self, body: String, parsed: Option<Value>) -> RunRecord {
        self.submit(body, parsed).wait(&self.settings.lint)
    }

    /// Runs bodies in order on every worker, keeping at most `window` in flight, and hands each
    /// record to `sink` in input order. Used for JSONL streams that must not be read whole.
    pub fn run_ordered<I, F>(&self, inputs: I, window: usize, sink: F)
    where
        I: IntoIterator<Item = (String, Option<Value>)>,
        F: FnMut(RunRecord),
    {
        self.run_ordered_then(inputs, window, |record| record, sink);
    }

    /// As [`Pipeline::run_ordered`], and `then` turns each record into what `sink` takes. The
    /// record is built (schema check, lint) and `then` runs on the worker that ran the event,
    /// so that work is spread over every worker rather than queued on the caller's thread.
    pub fn run_ordered_then<I, T, M, F>(&self, inputs: I, window: usize, then: M, mut sink: F)
    where
        I: IntoIterator<Item = (String, Option<Value>)>,
        T: Send + 'static,
        M: Fn(RunRecord) -> T + Send + Sync + 'static,
        F: FnMut(T),
    {
        let then = Arc::new(then);
        let lint_options = Arc::new(self.settings.lint.clone());
        let mut inputs = inputs.into_iter();
        let mut in_flight: VecDeque<(String, Pending<T>)> = VecDeque::new();
        loop {
            while in_flight.len() < window.max(1) {
                let Some((body, parsed)) = inputs.next() else {
                    break;
                };
                let parsed = parsed.map(Arc::new);
                let input = self.settings.input(body, parsed.as_ref());
                let event_type = input.event_type.clone();
                let (then, lint_options) = (Arc::clone(&then), Arc::clone(&lint_options));
                let record_type = event_type.clone();
                let pending = self
                    .engine
                    .submit_then(&self.program, input, move |output| {
                        then(RunRecord::from_output(
                            record_type,
                            output,
                            parsed.as_deref(),
                            &lint_options,
                        ))
                    });
                in_flight.push_back((event_type, pending));
            }
            let Some((event_type, pending)) = in_flight.pop_front() else {
                break;
            };
            // The window keeps the workers busy: spinning here would only take a core from them.
            let answer = pending.wait_parked().unwrap_or_else(|| {
                then(RunRecord::from_output(
                    event_type,
                    RunOutput::stopped(),
                    None,
                    &lint_options,
                ))
            });
            sink(answer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::Limits;
    use serde_json::json;

    #[test]
    fn a_record_lints_what_would_be_sent_and_serialises_in_contract_order() {
        let engine = Engine::with_workers(Limits::default(), 1);
        let pipeline = Pipeline::new(
            engine,
            "t.js",
            "function handler(webhook) { webhook.payload = { event: 'Order Completed' }; return webhook; }",
            PipelineSettings::default(),
        );
        let body = json!({"type": "payment.succeeded", "business_id": "b", "data": {}});
        let record = pipeline.run(body.to_string(), Some(body));
        assert_eq!(record.event_type, "payment.succeeded");
        assert!(record.has_lint_errors(), "no identity must be an error");
        assert!(
            record
                .diagnostics
                .iter()
                .any(|d| d.code == "missing-identity")
        );
        let text = serde_json::to_string(&record).expect("serialises");
        let keys: Vec<&str> = [
            "\"event_type\"",
            "\"webhook\"",
            "\"error\"",
            "\"logs\"",
            "\"input_diagnostics\"",
            "\"diagnostics\"",
            "\"duration_us\"",
        ]
        .to_vec();
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| text.find(k).expect("key present"))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    #[test]
    fn a_record_checks_the_body_against_dodos_schema() {
        let engine = Engine::with_workers(Limits::default(), 1);
        let pipeline = Pipeline::new(
            engine,
            "t.js",
            "function handler(webhook) { webhook.cancel = true; return webhook; }",
            PipelineSettings::default(),
        );
        let body = json!({"type": "payment.succeeded", "business_id": "b", "data": {}});
        let record = pipeline.run(body.to_string(), Some(body));
        assert!(record.cancelled());
        let found = &record.input_diagnostics;
        assert!(
            found.iter().any(|d| d.code == "missing-field"
                && d.path == "/data/payment_provider"
                && d.message
                    == "payment.succeeded: `data.payment_provider` is required by Dodo's schema and missing"),
            "{found:#?}"
        );
        assert!(found.iter().any(|d| d.path == "/timestamp"), "{found:#?}");

        let fixtures = crate::webhook::FixtureSet::builtin().expect("fixtures");
        let sample = fixtures.get("payment.succeeded").expect("fixture");
        let record = pipeline.run(sample.body.clone(), Some(sample.json.clone()));
        assert_eq!(record.input_diagnostics, []);
        let record = pipeline.run("not json".into(), None);
        assert_eq!(record.input_diagnostics, []);
    }

    #[test]
    fn a_cancelled_webhook_is_not_linted_and_a_failed_run_has_no_webhook() {
        let engine = Engine::with_workers(Limits::default(), 1);
        let cancel = Pipeline::new(
            engine.clone(),
            "t.js",
            "function handler(webhook) { webhook.cancel = true; return webhook; }",
            PipelineSettings::default(),
        );
        let record = cancel.run("{}".into(), Some(json!({})));
        assert!(record.cancelled());
        assert!(record.diagnostics.is_empty());

        let throws = Pipeline::new(
            engine,
            "t.js",
            "function handler(w) { throw new Error('x'); }",
            PipelineSettings::default(),
        );
        let record = throws.run("{}".into(), Some(json!({})));
        assert!(record.failed());
        assert!(record.webhook.is_none());
    }

    #[test]
    fn a_repeated_message_id_is_a_warning_on_the_later_record_only() {
        let engine = Engine::with_workers(Limits::default(), 1);
        let pipeline = Pipeline::new(
            engine,
            "t.js",
            "function handler(webhook) { if (webhook.payload.cancel) { webhook.cancel = true; } webhook.payload = { userId: 'u', event: 'Order Completed', messageId: 'm', n: webhook.payload.n }; return webhook; }",
            PipelineSettings::default(),
        );
        let mut ids = MessageIds::new();
        let mut records: Vec<RunRecord> = [
            json!({"n": 1}),
            json!({"n": 2, "cancel": true}),
            json!({"n": 3}),
        ]
        .into_iter()
        .map(|body| pipeline.run(body.to_string(), Some(body)))
        .collect();
        for (i, record) in records.iter_mut().enumerate() {
            record.check_message_ids(&mut ids, &format!("line {}", i + 1));
        }
        let codes = |r: &RunRecord| -> Vec<String> {
            r.diagnostics.iter().map(|d| d.code.clone()).collect()
        };
        assert!(
            codes(&records[0]).is_empty(),
            "{:?}",
            records[0].diagnostics
        );
        assert!(
            codes(&records[1]).is_empty(),
            "a cancelled call is not sent"
        );
        assert_eq!(codes(&records[2]), ["duplicate-message-id"]);
        assert!(records[2].diagnostics[0].message.contains("line 1"));
        assert!(!records[2].has_lint_errors());
    }

    #[test]
    fn ordered_runs_come_back_in_input_order() {
        let engine = Engine::with_workers(Limits::default(), 2);
        let pipeline = Pipeline::new(
            engine,
            "t.js",
            "function handler(webhook) { webhook.payload = { userId: 'u', event: 'Order Completed', n: webhook.payload.n }; return webhook; }",
            PipelineSettings::default(),
        );
        let inputs = (0..100).map(|n| {
            let body = json!({ "n": n });
            (body.to_string(), Some(body))
        });
        let mut seen = Vec::new();
        pipeline.run_ordered(inputs, 8, |r| {
            seen.push(r.webhook.expect("runs").payload["n"].as_i64().expect("n"));
        });
        assert_eq!(seen, (0..100).collect::<Vec<i64>>());
    }
}
