//! `hookbench`: parse the command line and dispatch; the work is in the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    cli::dispatch(args)
}
