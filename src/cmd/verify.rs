//! `reel verify`: check an index, print what was checked and each problem; exit 2 on damage.
//! With `--sources`, also compare it with the files it follows; exit 1 when they differ.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use reel::output::{json, report};
use reel::verify;

use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let r = if args.sources {
        verify::verify_keeping_documents(&args.index)?
    } else {
        verify::verify(&args.index)?
    };
    let audit = match (&r.file_list, args.sources && r.ok()) {
        (Some(list), true) => {
            let cwd = reel::paths::current_dir().unwrap_or_default();
            Some(reel::indexer::audit::audit(
                &args.index,
                list,
                &r.document_list,
                &cwd,
                &mut |_| {},
            )?)
        }
        _ => None,
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        #[derive(serde::Serialize)]
        struct WithSources<'a> {
            #[serde(flatten)]
            report: &'a verify::Report,
            #[serde(skip_serializing_if = "Option::is_none")]
            sources: Option<&'a reel::indexer::audit::Audit>,
        }
        json::write_value(
            &mut out,
            &WithSources {
                report: &r,
                sources: audit.as_ref(),
            },
        )?;
    } else {
        report::verify(&mut out, &r, &args.index)?;
        if let Some(a) = &audit {
            report::sources(&mut out, a)?;
        }
    }
    out.flush()?;
    Ok(if !r.ok() {
        ExitCode::from(2)
    } else if audit.as_ref().is_some_and(|a| !a.ok()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
