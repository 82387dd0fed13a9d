//! One file per subcommand: glue from parsed arguments to library calls to a printer.

mod eval;
mod export;
mod index;
mod search;
mod stats;
mod verify;

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::{Cli, ColorChoice, Command};

/// Exit code for "ran fine but found nothing".
pub const EXIT_NO_HITS: u8 = 1;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let color = use_color(cli.color);
    match cli.command {
        Command::Index(args) => index::run(args),
        Command::Search(args) => search::run(args, color),
        Command::Stats(args) => stats::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Export(args) => export::run(args),
        Command::Verify(args) => verify::run(args),
    }
}

/// Threads to use: as asked, else one per core.
pub fn threads(asked: Option<u16>) -> usize {
    asked
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Colour only on a terminal, never with `NO_COLOR` set or `TERM=dumb`, unless forced.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}
