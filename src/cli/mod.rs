//! The headless front end: one file per subcommand, printing what the core returns.

mod answers;
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
mod mapping;
mod output;
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

/// The exit codes, part of the command-line contract.
pub mod exit {
    pub const OK: u8 = 0;
    pub const TRANSFORM_FAILED: u8 = 1;
    pub const INPUT: u8 = 2;
    pub const LINT_ERRORS: u8 = 3;
    pub const DELIVERY_FAILED: u8 = 4;
    pub const KEY_UNKNOWN: u8 = 5;
    pub const KEY_UNVERIFIABLE: u8 = 6;
}

/// What a command found while handling its items, by how much it matters to the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    /// A call was not delivered (exit 4).
    SendFailed,
    /// Lint errors (exit 3).
    LintErrors,
    /// A transformation failed, or a check did not match (exit 1).
    TransformFailed,
    /// An input could not be read (exit 2).
    BadInput,
}

impl Finding {
    fn code(self) -> u8 {
        match self {
            Finding::SendFailed => exit::DELIVERY_FAILED,
            Finding::LintErrors => exit::LINT_ERRORS,
            Finding::TransformFailed => exit::TRANSFORM_FAILED,
            Finding::BadInput => exit::INPUT,
        }
    }
}

/// The exit code of a command: the gravest finding noted wins, 2 > 1 > 3 > 4, else 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    gravest: Option<Finding>,
}

impl Verdict {
    /// Notes one finding.
    pub fn note(&mut self, finding: Finding) {
        self.gravest = self.gravest.max(Some(finding));
    }

    /// Notes `finding` when `found`.
    pub fn note_if(&mut self, found: bool, finding: Finding) {
        if found {
            self.note(finding);
        }
    }

    /// The exit code.
    pub fn code(self) -> u8 {
        self.gravest.map_or(exit::OK, Finding::code)
    }
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
        Some(Command::Sink(args)) => sink::run(&cli.global, &args),
        Some(Command::Listen(args)) => listen::run(&cli.global, &args),
        Some(Command::Trigger(args)) => trigger::run(&args),
        Some(Command::Sign(args)) => signing::sign(&args),
        Some(Command::Verify(args)) => signing::verify(&args),
        Some(Command::History(command)) => history::run(&cli.global, &command),
        Some(Command::Mapping(command)) => mapping::run(&command),
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
    hookbench_core::config::ConfigError,
    hookbench_core::session::SessionError,
    hookbench_core::transform::presets::ResolveError,
    hookbench_core::sending::HistoryError,
    hookbench_core::segment::keycheck::KeyFormatError,
    hookbench_core::segment::client::ClientError,
    hookbench_core::webhook::fixtures::FixtureError,
    hookbench_core::webhook::fixtures::UnknownFixture,
    hookbench_core::store::StoreError,
    serde_json::Error,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gravest_finding_sets_the_exit_code() {
        assert_eq!(Verdict::default().code(), exit::OK);
        let order = [
            (Finding::SendFailed, exit::DELIVERY_FAILED),
            (Finding::LintErrors, exit::LINT_ERRORS),
            (Finding::TransformFailed, exit::TRANSFORM_FAILED),
            (Finding::BadInput, exit::INPUT),
        ];
        for (i, (finding, code)) in order.iter().enumerate() {
            let mut verdict = Verdict::default();
            // Lesser findings before and after change nothing.
            for (lesser, _) in &order[..i] {
                verdict.note(*lesser);
            }
            verdict.note(*finding);
            for (lesser, _) in order[..i].iter().rev() {
                verdict.note(*lesser);
            }
            assert_eq!(verdict.code(), *code, "{finding:?}");
        }
        let mut verdict = Verdict::default();
        verdict.note_if(false, Finding::BadInput);
        assert_eq!(verdict.code(), exit::OK);
    }
}
