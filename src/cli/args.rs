//! The command line. Flags, JSON shapes and exit codes are a contract that scripts and CI rely
//! on.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// A terminal workbench for wiring Dodo Payments webhooks into Segment.
#[derive(Debug, Parser)]
#[command(
    name = "hookbench",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Exit codes: 0 ok · 1 a transform failed · 2 usage or input error · 3 lint errors in the output · 4 a delivery failed · 5 write key unknown · 6 write key could not be verified"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Without a command: the workbench's options (`hookbench --transform T` = `hookbench tui
    /// --transform T`).
    #[command(flatten)]
    pub tui: TuiArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where history is kept.
    #[arg(long, global = true, env = "HOOKBENCH_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Configuration file (TOML); default: the platform config dir's hookbench/config.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the workbench (the default without a command).
    Tui(TuiArgs),
    /// Run webhook bodies through a transformation and lint what would be sent.
    Run(RunArgs),
    /// Run every fixture through a transformation and compare with expected outcomes (for CI).
    Check(CheckArgs),
    /// Lint a Segment call, or a JSONL file of calls.
    Lint(LintArgs),
    /// List or show the Dodo webhook fixtures.
    #[command(subcommand)]
    Fixtures(FixturesCommand),
    /// Send webhooks through the transformation to Segment (or a compatible endpoint).
    Send(SendArgs),
    /// Check a Segment write key.
    #[command(subcommand)]
    Key(KeyCommand),
    /// A local Segment-compatible endpoint that shows every call it receives.
    Sink(SinkArgs),
    /// Receive webhooks: verify, store, print (and transform, and forward).
    Listen(ListenArgs),
    /// Sign a fixture and POST it to a webhook receiver, like `stripe trigger`.
    Trigger(TriggerArgs),
    /// Sign a body as Standard Webhooks do: prints the three headers.
    Sign(SignArgs),
    /// Check a Standard Webhooks signature.
    Verify(VerifyArgs),
    /// The deliveries received: list, show, replay.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Mappings (`*.mapping.toml`): start one, compile it to a paste-ready handler, show what
    /// it does, import it back from pasted code, eject it to plain JavaScript.
    #[command(subcommand)]
    Mapping(MappingCommand),
}

#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Start a mapping file: a commented skeleton, or a copy of a built-in or existing mapping.
    New {
        /// The file to write (e.g. shop.mapping.toml); never overwritten without --force.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Start from this mapping: a built-in (segment-complete) or a .mapping.toml path.
        #[arg(long, value_name = "MAPPING")]
        from: Option<String>,
        /// Overwrite FILE when it exists.
        #[arg(long)]
        force: bool,
    },
    /// Compile a mapping to one self-contained handler(webhook), ready to paste into Dodo.
    Compile {
        /// The mapping (.mapping.toml, or a built-in such as segment-complete.mapping).
        #[arg(value_name = "MAPPING")]
        mapping: String,
        /// Write the handler to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// text: the handler; json: {"javascript", "diagnostics", "events"} for tools.
        #[arg(long, short = 'o', value_enum, default_value = "text")]
        output: OutputFormat,
    },
    /// Show what a mapping does with every event type, or one: the call and each field's
    /// source and conversion.
    Show {
        #[arg(value_name = "MAPPING")]
        mapping: String,
        /// Only this event type.
        #[arg(long, short = 'e', value_name = "TYPE")]
        event: Option<String>,
        #[arg(long, short = 'o', value_enum, default_value = "text")]
        output: OutputFormat,
    },
    /// Recover the mapping from a handler `mapping compile` wrote (e.g. pasted back out of
    /// Dodo's dashboard).
    Import {
        /// The JavaScript file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Write the mapping to this file instead of stdout; never overwritten without --force.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Overwrite --out when it exists.
        #[arg(long)]
        force: bool,
    },
    /// Turn a mapping into ordinary JavaScript, to edit by hand from then on.
    Eject {
        #[arg(value_name = "MAPPING")]
        mapping: String,
        /// Write the JavaScript to this file instead of stdout; never overwritten without --force.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Overwrite --out when it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Default, Args)]
pub struct TuiArgs {
    /// Preset name (e.g. segment-complete), or a path to a .js file or a .mapping.toml.
    #[arg(long, short = 't', value_name = "T")]
    pub transform: Option<String>,
    /// The event to select first (a fixture name, see `hookbench fixtures list`).
    #[arg(long, short = 'e', value_name = "TYPE")]
    pub event: Option<String>,
    /// Colour theme: dark, light, a theme in the config dir's themes/, or a .toml path.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// A folder of your own webhook bodies, added to the built-in fixtures.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<std::path::PathBuf>,
    /// Receive webhooks from the start (at ADDR, default [listen] addr or 127.0.0.1:8787); L
    /// toggles it later.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "")]
    pub listen: Option<String>,
}

impl TuiArgs {
    /// True when none of the workbench's flags was given.
    pub fn is_empty(&self) -> bool {
        self.transform.is_none()
            && self.event.is_none()
            && self.theme.is_none()
            && self.fixtures.is_none()
            && self.listen.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// What every command that runs a transformation takes.
#[derive(Debug, Args)]
pub struct TransformArgs {
    /// Preset name (e.g. segment-complete), or a path to a .js file or a .mapping.toml.
    #[arg(long, short = 't', value_name = "T")]
    pub transform: Option<String>,
    /// `webhook.url` before the handler runs.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// A `webhook.env` variable, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Time budget of one run in milliseconds (default 500).
    #[arg(long, value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// A folder of your own webhook bodies, added to the built-in fixtures.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
}

/// Which webhook bodies a command works on: exactly one of these.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).args(["event", "payload", "all"])))]
pub struct InputArgs {
    /// A fixture by event type or variant name (see `hookbench fixtures list`).
    #[arg(long, short = 'e', value_name = "TYPE")]
    pub event: Option<String>,
    /// A webhook body file (.json), a JSONL file (.jsonl: one body per line), or - for stdin.
    #[arg(long, short = 'p', value_name = "FILE|-")]
    pub payload: Option<String>,
    /// Every fixture, variants included.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub transform: TransformArgs,
    #[command(flatten)]
    pub input: InputArgs,
    /// text for people, json for one object per event.
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub transform: TransformArgs,
    /// Folder of expected outcomes, one <fixture>.json each (default: <transform stem>.expect/
    /// beside the transformation file).
    #[arg(long, value_name = "DIR")]
    pub expect: Option<PathBuf>,
    /// Write the current outcomes as the expected ones.
    #[arg(long)]
    pub update: bool,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Where the call would be POSTed; its path decides the call type.
    #[arg(long, value_name = "URL", default_value = crate::cli::DEFAULT_URL)]
    pub url: String,
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: OutputFormat,
    /// A Segment call (.json), calls one per line (.jsonl), or - for stdin.
    #[arg(value_name = "FILE|-")]
    pub file: String,
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// List the fixtures: type, group, payload kind, source.
    List {
        #[arg(long, short = 'o', value_enum, default_value = "text")]
        output: OutputFormat,
        /// A folder of your own webhook bodies, added to the built-in ones.
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
    },
    /// Print one fixture's body exactly as stored.
    Show {
        /// Event type or variant name.
        #[arg(value_name = "TYPE")]
        name: String,
        #[arg(long, value_name = "DIR")]
        fixtures: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub transform: TransformArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub segment: SegmentArgs,
    /// Pack the calls into /v1/batch requests (475,000 bytes and 2,500 events at most each).
    #[arg(long)]
    pub batch: bool,
    /// Print the exact request that would be sent (URL, headers, body; key masked) and send
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Compress request bodies with gzip (Content-Encoding: gzip), as Segment accepts (also
    /// [segment] gzip = true).
    #[arg(long)]
    pub gzip: bool,
    /// Send even when the linter finds errors.
    #[arg(long)]
    pub force: bool,
    /// Retries of a call after the first attempt (retryable statuses and network errors only).
    #[arg(long, value_name = "N", default_value_t = hookbench_core::session::DEFAULT_RETRIES)]
    pub retries: u32,
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: OutputFormat,
}

/// Where calls go and with which key.
#[derive(Debug, Args)]
pub struct SegmentArgs {
    /// The Segment write key (else SEGMENT_WRITE_KEY, else the config's [segment] write_key).
    #[arg(
        long,
        env = "SEGMENT_WRITE_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub write_key: Option<String>,
    /// The workspace's region: us (api.segment.io) or eu (events.eu1.segmentapis.com).
    #[arg(long, value_name = "us|eu")]
    pub region: Option<hookbench_core::segment::Region>,
    /// A Segment-compatible base URL to send to instead of Segment (e.g. http://127.0.0.1:9009).
    #[arg(long, value_name = "BASE")]
    pub endpoint: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Check a write key against Segment's CDN settings (never by sending an event).
    Verify(KeyVerifyArgs),
}

#[derive(Debug, Args)]
pub struct KeyVerifyArgs {
    /// The Segment write key (else SEGMENT_WRITE_KEY, else the config's [segment] write_key).
    #[arg(
        long,
        env = "SEGMENT_WRITE_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub write_key: Option<String>,
    /// The settings CDN's base URL.
    #[arg(long, value_name = "BASE", default_value = "https://cdn.segment.com")]
    pub cdn: String,
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct SinkArgs {
    /// Where to listen.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9009")]
    pub addr: String,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The endpoint's secret: whsec_ followed by base64 (else HOOKBENCH_WEBHOOK_SECRET).
    #[arg(
        long,
        env = "HOOKBENCH_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "S"
    )]
    pub secret: String,
    /// The webhook-id (default: a fresh msg_… id).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// The webhook-timestamp in Unix seconds (default: now).
    #[arg(long, value_name = "TS")]
    pub timestamp: Option<i64>,
    /// The body to sign, exactly as sent: a file or - for stdin (default: stdin).
    #[arg(long, short = 'p', value_name = "FILE|-", default_value = "-")]
    pub payload: String,
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: OutputFormat,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The endpoint's secret: whsec_ followed by base64 (else HOOKBENCH_WEBHOOK_SECRET).
    #[arg(
        long,
        env = "HOOKBENCH_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "S"
    )]
    pub secret: String,
    /// The webhook-id header.
    #[arg(long, value_name = "ID", aliases = ["webhook-id", "svix-id"])]
    pub id: String,
    /// The webhook-timestamp header (Unix seconds).
    #[arg(long, value_name = "TS", aliases = ["webhook-timestamp", "svix-timestamp"])]
    pub timestamp: String,
    /// The webhook-signature header (one or more space-separated v1,<base64>).
    #[arg(long, value_name = "SIG", aliases = ["webhook-signature", "svix-signature"])]
    pub signature: String,
    /// The body exactly as received: a file or - for stdin (default: stdin).
    #[arg(long, short = 'p', value_name = "FILE|-", default_value = "-")]
    pub payload: String,
    /// Accepted clock difference in seconds, both ways.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub tolerance: u64,
}

#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// The event type (a fixture name, see `hookbench fixtures list`).
    #[arg(value_name = "EVENT")]
    pub event: String,
    /// Where to POST it, e.g. http://127.0.0.1:8787/webhook.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// Sign it with this secret (else HOOKBENCH_WEBHOOK_SECRET; unsigned without one).
    #[arg(
        long,
        env = "HOOKBENCH_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "S"
    )]
    pub secret: Option<String>,
    /// Send this body instead of the fixture's.
    #[arg(long, short = 'p', value_name = "FILE")]
    pub payload: Option<String>,
    /// A folder of your own webhook bodies, added to the built-in fixtures.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Where to listen.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub addr: String,
    /// Verify signatures with this secret (else HOOKBENCH_WEBHOOK_SECRET; unsigned without one).
    #[arg(
        long,
        env = "HOOKBENCH_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "S"
    )]
    pub secret: Option<String>,
    /// Largest body accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1_048_576)]
    pub max_body: usize,
    /// Accepted clock difference in seconds, both ways.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub tolerance: u64,
    /// Run each verified delivery through this transformation (preset or path).
    #[arg(long, short = 't', value_name = "T")]
    pub transform: Option<String>,
    /// Also send each transformed delivery to Segment (needs --transform and a write key).
    #[arg(long, requires = "transform")]
    pub forward: bool,
    #[command(flatten)]
    pub segment: SegmentArgs,
    #[arg(long, short = 'o', value_enum, default_value = "text")]
    pub output: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Deliveries received, newest first.
    List {
        /// How many (0: all).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, short = 'o', value_enum, default_value = "text")]
        output: OutputFormat,
    },
    /// One delivery: headers, verification and the raw body.
    Show {
        /// The delivery's number (from `history list`) or its webhook-id.
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long, short = 'o', value_enum, default_value = "text")]
        output: OutputFormat,
    },
    /// Run a stored delivery's body through the transformation again.
    Replay {
        #[arg(value_name = "ID")]
        id: String,
        #[command(flatten)]
        transform: TransformArgs,
        /// Also send the result to Segment.
        #[arg(long)]
        send: bool,
        #[command(flatten)]
        segment: SegmentArgs,
        /// Send even when the linter finds errors.
        #[arg(long, requires = "send")]
        force: bool,
        /// Retries of the call after the first attempt.
        #[arg(long, value_name = "N", default_value_t = hookbench_core::session::DEFAULT_RETRIES)]
        retries: u32,
        #[arg(long, short = 'o', value_enum, default_value = "text")]
        output: OutputFormat,
    },
}
