//! The headless front end: one file per subcommand, printing what the core returns.

pub mod args;
mod bodies;
mod check;
mod common;
mod fixtures;
mod history;
mod input;
mod key;
mod lint;
mod listen;
mod render;
mod run;
mod send;
mod signing;
mod sink;
mod style;
mod trigger;
mod tui;

use std::process::ExitCode;

use args::{Cli, Command};

pub use hookbench_core::transform::DEFAULT_URL;

/// Exit codes of DESIGN §8.
pub mod exit {
    pub const OK: u8 = 0;
    pub const TRANSFORM_FAILED: u8 = 1;
    pub const INPUT: u8 = 2;
    pub const LINT_ERRORS: u8 = 3;
    pub const DELIVERY_FAILED: u8 = 4;
    pub const KEY_UNKNOWN: u8 = 5;
    pub const KEY_UNVERIFIABLE: u8 = 6;
}

/// A command that cannot go on: what to tell the user and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// A usage or input error (exit 2).
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: exit::INPUT,
            message: message.into(),
        }
    }
}

pub fn dispatch(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Some(_) if !cli.tui.is_empty() => Err(Failure::input(
            "--transform, --event, --theme and --fixtures before a command belong to the \
             workbench; give them after the command (`hookbench run --transform T …`)",
        )),
        None => tui::run(&cli.global, &cli.tui),
        Some(Command::Tui(args)) => tui::run(&cli.global, &args),
        Some(Command::Run(args)) => run::run(&cli.global, &args),
        Some(Command::Check(args)) => check::run(&cli.global, &args),
        Some(Command::Lint(args)) => lint::run(&cli.global, &args),
        Some(Command::Fixtures(args)) => fixtures::run(&args),
        Some(Command::Send(args)) => send::run(&cli.global, &args),
        Some(Command::Key(args::KeyCommand::Verify(args))) => key::verify(&cli.global, &args),
        Some(Command::Sink(args)) => sink::run(&args),
        Some(Command::Listen(args)) => listen::run(&cli.global, &args),
        Some(Command::Trigger(args)) => trigger::run(&args),
        Some(Command::Sign(args)) => signing::sign(&args),
        Some(Command::Verify(args)) => signing::verify(&args),
        Some(Command::History(command)) => history::run(&cli.global, &command),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            render::error_line(&failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Errors of the core that are the user's input to fix (exit 2), their message as the core
/// words it.
macro_rules! input_failures {
    ($($error:ty),* $(,)?) => {
        $(
            impl From<$error> for Failure {
                fn from(error: $error) -> Failure {
                    Failure::input(error.to_string())
                }
            }
        )*
    };
}

input_failures!(
    hookbench_core::segment::keycheck::KeyFormatError,
    hookbench_core::webhook::fixtures::FixtureError,
    hookbench_core::webhook::fixtures::UnknownFixture,
    hookbench_core::store::StoreError,
    serde_json::Error,
);
