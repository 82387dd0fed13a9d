//! `reel export --to quickwit|elasticsearch OUT_DIR [PATH...]`.

use std::process::ExitCode;
use std::time::Instant;

use reel::export::{self, ExportOptions, Target};

use super::index::{plural, progress_bar, warn};
use crate::cli::{ExportArgs, ExportTarget};

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let progress = progress_bar(args.quiet);
    let opts = ExportOptions {
        paths: args.paths,
        out_dir: args.out_dir,
        target: match args.to {
            ExportTarget::Quickwit => Target::Quickwit,
            ExportTarget::Elasticsearch => Target::Elasticsearch,
        },
        index_id: args.index_id,
        roles: args.read.roles(),
        whole_documents: args.read.whole_documents,
        force: args.force,
        progress: progress.clone(),
    };
    let stats = export::run(&opts, &mut |w| warn(args.quiet, w))?;
    if !args.quiet {
        let bytes: u64 = stats.files.iter().map(|(_, n)| n).sum();
        let secs = started.elapsed().as_secs_f64();
        say!(
            "reel: exported {} document{}, {} passage{} into {} file{} ({}) in {:.2} s; {} skipped",
            stats.documents,
            plural(stats.documents),
            stats.passages,
            plural(stats.passages),
            stats.files.len(),
            plural(stats.files.len() as u64),
            indicatif::HumanBytes(bytes),
            secs,
            stats.skipped
        );
        for (path, size) in &stats.files {
            say!("  {}  {}", path.display(), indicatif::HumanBytes(*size));
        }
    }
    Ok(ExitCode::SUCCESS)
}
