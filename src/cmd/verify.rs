//! `reel verify`: check an index, print what was checked and each problem; exit 2 on damage.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use reel::output::json;
use reel::verify;

use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let report = verify::verify(&args.index)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        json::write_value(&mut out, &report)?;
    } else {
        writeln!(
            out,
            "{}: {} file{} ({:.1} MB) checked in {} segment{}; {} documents, {} passages read back",
            args.index.display(),
            report.files_checked,
            if report.files_checked == 1 { "" } else { "s" },
            report.bytes_checked as f64 / 1e6,
            report.segments,
            if report.segments == 1 { "" } else { "s" },
            report.documents,
            report.passages,
        )?;
        for p in &report.problems {
            match &p.file {
                Some(f) => writeln!(
                    out,
                    "damaged: {}: {}",
                    args.index.join(f).display(),
                    p.message
                )?,
                None => writeln!(out, "damaged: {}", p.message)?,
            }
        }
        if report.ok() {
            writeln!(out, "ok")?;
        } else {
            writeln!(
                out,
                "{} problem{} found; `reel index --rebuild` recreates the index",
                report.problems.len(),
                if report.problems.len() == 1 { "" } else { "s" }
            )?;
        }
    }
    out.flush()?;
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
