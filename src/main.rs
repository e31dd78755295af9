//! `hookbench`: parse the command line and dispatch; the work is in the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's malloc: runs hand their outputs from the JS workers to the thread
/// that prints them, and glibc's per-thread arenas make every such free take a lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    cli::dispatch(args)
}
