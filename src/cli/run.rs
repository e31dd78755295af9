//! `hookbench run`: bodies through the transformation, then the linter; one result per event.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::Write;

use hookbench_core::pipeline::RunRecord;
use hookbench_core::segment::MessageIds;
use hookbench_core::webhook::fixtures::SkippedFile;

use super::Failure;
use super::args::{GlobalArgs, OutputFormat, RunArgs};
use super::bodies::{self, Body};
use super::common;
use super::render::{self, Tally};

/// How many runs are queued ahead of the one being printed: enough to keep every worker busy.
const WINDOW: usize = 64;

/// The JSON line of an input that could not be used.
#[derive(serde::Serialize)]
struct InputError<'a> {
    input_error: &'a SkippedFile,
}

/// Prints records as they come, in the chosen format.
struct Printer<'a> {
    format: OutputFormat,
    transform_name: &'a str,
    source: &'a str,
    out: Box<dyn Write + 'a>,
    tally: Tally,
}

/// A record and, with `--output json`, its line, written on the worker that ran it.
struct Finished {
    record: RunRecord,
    json: Option<Vec<u8>>,
}

/// A record's JSON line, newline included, written whole: the safe writer looks at a line at a
/// time.
fn json_line(record: &RunRecord) -> Vec<u8> {
    let mut line = Vec::with_capacity(1024);
    // A record is strings, numbers and JSON values: serialising it into memory cannot fail.
    let _ = serde_json::to_writer(&mut line, record);
    line.push(b'\n');
    line
}

impl Printer<'_> {
    /// Prints a record; `json` is its line when it was written already.
    fn print(&mut self, label: &str, record: &RunRecord, json: Option<Vec<u8>>) {
        self.tally.add(record);
        // Write errors (a closed pipe) are not worth failing the run over.
        let _ = match self.format {
            OutputFormat::Json => {
                let line = json.unwrap_or_else(|| json_line(record));
                self.out.write_all(&line)
            }
            OutputFormat::Text => render::record(
                &mut self.out,
                label,
                record,
                self.transform_name,
                self.source,
            ),
        };
    }

    /// A fixture file that could not be loaded: told on stderr and, as JSON, in the record
    /// stream as `{"input_error": {name, path, line, column, message}}`.
    fn skipped(&mut self, skipped: &SkippedFile) {
        self.tally.input_errors += 1;
        render::error_line(&skipped.message);
        if self.format == OutputFormat::Json {
            let _ = serde_json::to_writer(
                &mut self.out,
                &InputError {
                    input_error: skipped,
                },
            )
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        }
    }

    fn finish(mut self) -> u8 {
        if self.format == OutputFormat::Text && self.tally.events + self.tally.input_errors > 1 {
            let _ = writeln!(self.out);
            let _ = self.tally.summary(&mut self.out);
        }
        let _ = self.out.flush();
        self.tally.exit_code()
    }
}

pub fn run(global: &GlobalArgs, args: &RunArgs) -> Result<u8, Failure> {
    let config = common::load_config(global)?;
    let session = common::session(&config, &args.transform, None)?;
    let transform = common::load_transform(&session)?;
    let engine = common::engine(&session);
    // Everything that can fail on input is read before any output is written.
    let (inputs, skipped) = bodies::select_with_skipped(
        args.input.event.as_deref(),
        args.input.all,
        args.input.payload.as_deref(),
        args.transform.fixtures.as_deref(),
    )?;
    let (pipeline, shown_name) = common::pipeline_on(engine, &session, &transform);

    let out: Box<dyn Write> = super::output::stdout_for(args.output);
    let mut printer = Printer {
        format: args.output,
        transform_name: &shown_name,
        source: &transform.source,
        out,
        tally: Tally::default(),
    };

    // Labels wait here in input order until their runs come back, in the same order.
    let labels = RefCell::new(VecDeque::new());
    let bad_inputs = Cell::new(0usize);
    let runs = inputs.filter_map(|body| match body {
        Body::Ok { label, text, json } => {
            labels.borrow_mut().push_back(label);
            Some((text, Some(json)))
        }
        Body::Bad(message) => {
            render::error_line(&message);
            bad_inputs.set(bad_inputs.get() + 1);
            None
        }
    });
    // Segment keeps one call per messageId: later calls of this run that reuse one are flagged.
    let mut message_ids = MessageIds::new();
    let json = args.output == OutputFormat::Json;
    let finish = move |record: RunRecord| Finished {
        json: json.then(|| json_line(&record)),
        record,
    };
    pipeline.run_ordered_then(runs, WINDOW, finish, |finished| {
        let Finished {
            mut record,
            mut json,
        } = finished;
        let label = labels.borrow_mut().pop_front().unwrap_or_default();
        let found = record.diagnostics.len();
        record.check_message_ids(&mut message_ids, &label);
        if record.diagnostics.len() != found {
            // A repeated messageId was found: the line written on the worker lacks it.
            json = None;
        }
        printer.print(&label, &record, json);
    });
    printer.tally.input_errors += bad_inputs.get();
    for file in &skipped {
        printer.skipped(file);
    }
    if printer.tally.events == 0 && printer.tally.input_errors == 0 {
        let origin = match args.input.payload.as_deref() {
            Some("-") | None => "stdin",
            Some(spec) => spec,
        };
        return Err(Failure::input(format!("{origin} holds no webhook bodies")));
    }
    Ok(printer.finish())
}
