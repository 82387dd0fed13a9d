//! `reel verify`: check an index, print what was checked and each problem; exit 2 on damage.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use reel::output::{json, report};
use reel::verify;

use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let r = verify::verify(&args.index)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        json::write_value(&mut out, &r)?;
    } else {
        report::verify(&mut out, &r, &args.index)?;
    }
    out.flush()?;
    Ok(if r.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
