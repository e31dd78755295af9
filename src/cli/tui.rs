//! `hookbench` / `hookbench tui`: opens the workbench.

use hookbench_workbench::runtime::{self, Options};

use super::Failure;
use super::args::{GlobalArgs, TuiArgs};
use super::exit;

pub fn run(global: &GlobalArgs, args: &TuiArgs) -> Result<u8, Failure> {
    let options = Options {
        transform: args.transform.clone(),
        event: args.event.clone(),
        theme: args.theme.clone(),
        config: global.config.clone(),
        fixtures: args.fixtures.clone(),
        listen: args.listen.clone(),
        data_dir: global.data_dir.clone(),
    };
    // `{:#}` keeps the causes ("config file …: line 3 …") on one line.
    runtime::run(&options).map_err(|e| Failure::input(format!("{e:#}")))?;
    Ok(exit::OK)
}
