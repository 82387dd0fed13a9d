//! `reel stats`: what the index holds.

use std::io::{BufWriter, Write};

use std::process::ExitCode;

use reel::output::{json, report};
use reel::stats;

use crate::cli::StatsArgs;

pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let info = stats::collect(&args.index, reel::paths::current_dir().as_deref())?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        json::write_value(&mut out, &info)?;
    } else {
        report::stats(&mut out, &info)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
