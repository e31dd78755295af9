//! `hookbench run`: bodies through the transformation, then the linter; one result per event.

use std::cell::Cell;
use std::io::{BufWriter, Write};

use hookbench::pipeline::{Pipeline, RunRecord};

use super::Failure;
use super::args::{GlobalArgs, OutputFormat, RunArgs};
use super::common;
use super::input::{self, Source};
use super::render::{self, Tally};

/// How many runs are queued ahead of the one being printed: enough to keep every worker busy.
const WINDOW: usize = 64;

/// Prints records as they come, in the chosen format.
struct Printer<'a> {
    format: OutputFormat,
    transform_name: &'a str,
    source: &'a str,
    out: Box<dyn Write + 'a>,
    tally: Tally,
}

impl Printer<'_> {
    fn print(&mut self, label: &str, record: &RunRecord) {
        self.tally.add(record);
        // Write errors (a closed pipe) are not worth failing the run over.
        let _ = match self.format {
            OutputFormat::Json => serde_json::to_writer(&mut self.out, record)
                .map_err(std::io::Error::from)
                .and_then(|()| self.out.write_all(b"\n")),
            OutputFormat::Text => render::record(
                &mut self.out,
                label,
                record,
                self.transform_name,
                self.source,
            ),
        };
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
    let transform = common::load_transform(&args.transform, &config)?;
    let settings = common::settings(&args.transform, &config)?;
    // Everything that can fail on input is read before any output is written.
    let fixtures = if args.input.event.is_some() || args.input.all {
        Some(common::fixture_set(args.transform.fixtures.as_deref())?)
    } else {
        None
    };
    let payload = match &args.input.payload {
        Some(spec) => Some(input::open(spec)?),
        None => None,
    };
    let engine = common::engine(&args.transform, &config)?;
    let pipeline = Pipeline::new(&engine, &transform.name, &transform.source, settings);
    let shown_name = common::display_name(&transform);
    render::compat_warnings(&shown_name, &pipeline.compat_warnings());

    let out: Box<dyn Write> = match args.output {
        OutputFormat::Json => Box::new(BufWriter::new(std::io::stdout().lock())),
        OutputFormat::Text => Box::new(BufWriter::new(anstream::stdout())),
    };
    let mut printer = Printer {
        format: args.output,
        transform_name: &shown_name,
        source: &transform.source,
        out,
        tally: Tally::default(),
    };

    if let (Some(name), Some(set)) = (&args.input.event, &fixtures) {
        let fixture = common::find_fixture(set, name)?;
        let record = pipeline.run(fixture.body.clone(), Some(fixture.json.clone()));
        printer.print(&fixture.name, &record);
    } else if let Some(set) = fixtures.as_ref().filter(|_| args.input.all) {
        let labels: Vec<&str> = set.iter().map(|f| f.name.as_str()).collect();
        let inputs = set.iter().map(|f| (f.body.clone(), Some(f.json.clone())));
        let mut index = 0;
        pipeline.run_ordered(inputs, WINDOW, |record| {
            printer.print(labels.get(index).copied().unwrap_or(""), &record);
            index += 1;
        });
    } else if let Some(source) = payload {
        match source {
            Source::Single { origin, text, json } => {
                let label = label_for(&origin, &json);
                let record = pipeline.run(text, Some(json));
                printer.print(&label, &record);
            }
            Source::Lines { origin, reader } => {
                let bad_lines = Cell::new(0usize);
                let numbers = std::cell::RefCell::new(std::collections::VecDeque::new());
                let inputs = input::lines(&origin, reader).filter_map(|line| match line.parsed {
                    Ok((text, json)) => {
                        numbers.borrow_mut().push_back(line.number);
                        Some((text, Some(json)))
                    }
                    Err(message) => {
                        render::error_line(&message);
                        bad_lines.set(bad_lines.get() + 1);
                        None
                    }
                });
                pipeline.run_ordered(inputs, WINDOW, |record| {
                    let number = numbers.borrow_mut().pop_front().unwrap_or(0);
                    let label = format!("{origin}:{number} {}", record.event_type);
                    printer.print(&label, &record);
                });
                printer.tally.input_errors += bad_lines.get();
                if printer.tally.events == 0 && bad_lines.get() == 0 {
                    return Err(Failure::input(format!("{origin} holds no webhook bodies")));
                }
            }
        }
    }
    Ok(printer.finish())
}

fn label_for(origin: &str, json: &serde_json::Value) -> String {
    let event_type = hookbench::pipeline::event_type_of(json);
    if event_type.is_empty() {
        origin.to_string()
    } else {
        event_type
    }
}
