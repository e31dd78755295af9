//! Driving the workbench without a terminal, for tests and benchmarks: a `TestBackend` screen,
//! and effects carried out at once (runs on a real engine, debounces as if the pause elapsed);
//! effects that need the outside world are recorded instead.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use hookbench_core::pipeline::{PipelineSettings, RunRecord};
use hookbench_core::schedule::RunScheduler;
use hookbench_core::transform::presets::{self, TransformSource};
use hookbench_core::transform::{Engine, Limits};
use hookbench_core::webhook::FixtureSet;

use crate::highlight::Syntaxes;
use crate::keymap::KeyMap;
use crate::model::app::{App, AppInit};
use crate::model::message::{Effect, Message, RunItem, RunJob};
use crate::model::sending::SendState;
use crate::theme::Theme;
use crate::update::update;
use crate::view::view;

/// Runs a harness has in flight at once.
const HARNESS_WINDOW: usize = 1;
/// The run time every run shows in the harness.
const HARNESS_RUN_MICROS: u64 = 170;

/// The time every logged message shows in the harness.
pub const HARNESS_MESSAGE_TIME: &str = "12:00:00";

/// A handler whose output has many lint findings, some with long messages: for screens that must
/// show a long findings list.
pub const MANY_FINDINGS: &str = "function handler(webhook) {
  webhook.payload = {
    type: 'track',
    event: 'order completed',
    properties: {
      orderId: 'o1', totalAmount: '4.00', revenue: '4.00', currency: 'usd', unitPrice: '1',
      itemCount: 1, discountCode: 'x', shippingMethod: 'y', couponName: 'z', taxAmount: '0.40'
    }
  };
  return webhook;
}";

/// What a harness starts from, before it is built.
pub fn init(width: u16, height: u16) -> AppInit {
    AppInit {
        fixtures: FixtureSet::builtin().unwrap_or_default(),
        transform: preset(presets::DEFAULT_PRESET),
        event: None,
        settings: PipelineSettings::default(),
        theme: Theme::default_dark(true),
        keymap: KeyMap::defaults(),
        cwd: PathBuf::from("."),
        config_paths: Vec::new(),
        send: SendState::new(None, hookbench_core::segment::Region::Us, None, None),
        listen_addr: "127.0.0.1:8787".to_string(),
        mouse: true,
        size: (width, height),
        layout: crate::layout::LayoutChoice::Auto,
        // Compiled as drawn, so every frame of a test is coloured as it will stay.
        syntaxes: Syntaxes::on_demand(),
    }
}

/// A preset's source; an empty handler if there is no such preset.
pub fn preset(name: &str) -> TransformSource {
    presets::resolve(name).unwrap_or_else(|_| TransformSource {
        name: format!("{name}.js"),
        stem: name.to_string(),
        origin: presets::TransformOrigin::Preset,
        source: "function handler(webhook) { return webhook; }".to_string(),
        mapping: None,
    })
}

/// The transformation a `*.mapping.toml` named `file` with `text` resolves to: the mapping's
/// compiled JavaScript (a handler that cancels everything while the text has errors) and its
/// text.
/// A small shop mapping: defaults, a family with a field, a type of its own, a cancelled type.
pub const SHOP_MAPPING: &str = r#"# The shop's mapping: this comment stays through every save.
[mapping]
name = "shop"

[defaults]
userId = { first = ["data.customer.customer_id", "data.customer_id"], required = true }
timestamp = { path = "timestamp", convert = "time" }

[defaults.context.traits]
email = "data.customer.email"

[events."payment.*"]
object_id = "data.payment_id"

[events."payment.*".properties]
payment_id = "data.payment_id"

[events."payment.succeeded"]
event = "Order Completed"

[events."payment.succeeded".properties]
order_id = "data.payment_id"
total = { path = "data.total_amount", convert = "money", currency = "data.currency" }

[events."payment.processing"]
cancel = "an intermediate state: payment.succeeded or payment.failed follows"
"#;

pub fn mapping_source(file: &str, text: &str) -> TransformSource {
    let source = hookbench_core::mapping::parse::parse(text)
        .mapping
        .map(|m| hookbench_core::mapping::compile::compile(&m, text, file))
        .unwrap_or_else(|| {
            "function handler(webhook) { webhook.cancel = true; return webhook; }".to_string()
        });
    let stem = std::path::Path::new(file)
        .file_stem()
        .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    TransformSource {
        name: file.to_string(),
        stem,
        origin: presets::TransformOrigin::File(PathBuf::from(file)),
        source,
        mapping: Some(text.to_string()),
    }
}

/// The workbench on a test screen.
pub struct Harness {
    pub app: App,
    pub terminal: Terminal<TestBackend>,
    /// Started on the first run, as the runtime starts it after the first frame.
    engine: Option<Engine>,
    /// Effects that were not carried out (editor, save, copy, watch, picker, sends, sink, key
    /// checks, quit), in order: tests answer them with the messages the runtime would send.
    pub effects: Vec<Effect>,
    /// Every run carried out, as (job, event key), in order: items a newer job replaced are
    /// never among them.
    pub ran: Vec<(u64, String)>,
}

impl Harness {
    /// The built-in fixtures and the default preset on a `width` × `height` screen, started.
    pub fn new(width: u16, height: u16) -> Harness {
        Harness::with_init(init(width, height))
    }

    /// A harness from `init`, started: every event has run before this returns.
    pub fn with_init(init: AppInit) -> Harness {
        let (width, height) = init.size;
        let mut harness = Harness::unstarted(init, width, height);
        harness.send(Message::Started { listen: false });
        harness
    }

    /// A harness whose start effects have not run (for timing the first frame).
    pub fn unstarted(init: AppInit, width: u16, height: u16) -> Harness {
        let mut app = App::new(AppInit {
            size: (width, height),
            ..init
        });
        // Messages are logged at the wall clock's time; the harness fixes it so screens compare.
        app.messages.set_clock(|| HARNESS_MESSAGE_TIME.to_string());
        // Sizing settles the view, as the terminal's first size does; it asks for no effects.
        let effects = update(&mut app, Message::Resize(width, height));
        debug_assert!(effects.is_empty(), "a resize asks for nothing");
        Harness {
            app,
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap_or_else(|e| match e {}),
            engine: None,
            effects: Vec::new(),
            ran: Vec::new(),
        }
    }

    /// Handles a message and carries out what it asks, until nothing is left.
    pub fn send(&mut self, message: Message) {
        let effects = update(&mut self.app, message);
        self.execute(effects);
    }

    pub fn press(&mut self, code: KeyCode) {
        self.send(Message::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn press_with(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.send(Message::Key(KeyEvent::new(code, modifiers)));
    }

    /// Types text one key at a time (newlines as Enter).
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            self.press(code);
        }
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.send(Message::Resize(width, height));
    }

    /// Draws a frame and returns the screen.
    pub fn render(&mut self) -> &Buffer {
        let app = &self.app;
        let _ = self.terminal.draw(|f| view(app, f));
        self.terminal.backend().buffer()
    }

    /// Draws and returns the screen as text, one line per row, trailing spaces cut.
    pub fn screen(&mut self) -> String {
        let buffer = self.render().clone();
        let area = buffer.area;
        let mut out = String::new();
        for y in 0..area.height {
            let mut line = String::new();
            for x in 0..area.width {
                line.push_str(buffer[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Carries out effects (and those they lead to) as `send` does, for effects a test took from
    /// `update` itself.
    pub fn execute(&mut self, effects: Vec<Effect>) {
        let mut queue: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            let follow = match effect {
                Effect::Run(job) => self.run(job),
                Effect::Debounce { generation, .. } => {
                    update(&mut self.app, Message::EditSettled { generation })
                }
                other => {
                    self.effects.push(other);
                    Vec::new()
                }
            };
            queue.extend(follow);
        }
    }

    /// Runs a job through the core's scheduler, as the runtime does, but one run at a time:
    /// run times are drawn on screen, and runs sharing the workers would make them vary more.
    /// Every result is applied before the next effect, so nothing goes stale in between.
    fn run(&mut self, job: RunJob) -> Vec<Effect> {
        let engine = self
            .engine
            .get_or_insert_with(|| Engine::with_workers(Limits::default(), 2));
        let program = engine.compile(&job.name, &job.source);
        let inputs = job.items.into_iter().map(|item| {
            let input = job.settings.input(item.body.clone(), item.parsed.as_ref());
            ((item, input.event_type.clone()), input)
        });
        // The app's table decides, as in the runtime: items a newer job replaced never run.
        let (latest, job_id) = (job.latest, job.job);
        let is_current = |(item, _): &(RunItem, String)| latest.is_current(&item.key, job_id);
        let mut follow = Vec::new();
        for ((item, event_type), pending) in
            RunScheduler::new(engine, &program, inputs, HARNESS_WINDOW, is_current)
        {
            let mut record = RunRecord::from_output(
                event_type,
                pending.wait(),
                item.parsed.as_deref(),
                &job.settings.lint,
            );
            // A run's time is the one thing on screen that depends on the machine and its load;
            // the harness shows a fixed one so that screens compare exactly.
            record.duration_us = HARNESS_RUN_MICROS;
            self.ran.push((job_id, item.key.clone()));
            follow.extend(update(
                &mut self.app,
                Message::RunDone {
                    job: job_id,
                    key: item.key,
                    record: Box::new(record),
                },
            ));
        }
        follow
    }
}
