//! `reel export --to quickwit|elasticsearch OUT_DIR [PATH...]`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use reel::corpus::records::Roles;
use reel::export::{self, ExportOptions, Target};
use reel::indexer::Progress;

use super::index::{plural, Bar};
use crate::cli::{ExportArgs, ExportTarget};

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let progress = (!args.quiet && std::io::stderr().is_terminal())
        .then(|| Arc::new(Bar::new()) as Arc<dyn Progress>);
    let opts = ExportOptions {
        paths: args.paths,
        out_dir: args.out_dir,
        target: match args.to {
            ExportTarget::Quickwit => Target::Quickwit,
            ExportTarget::Elasticsearch => Target::Elasticsearch,
        },
        index_id: args.index_id,
        roles: Roles {
            id: args.id_field,
            title: args.title_field,
            text: args.text_field,
        },
        whole_documents: args.whole_documents,
        progress: progress.clone(),
    };
    let quiet = args.quiet;
    let stats = export::run(&opts, &mut |w| {
        if !quiet {
            Bar::suspend(|| eprintln!("reel: warning: {w}"));
        }
    })?;
    if !quiet {
        let bytes: u64 = stats.files.iter().map(|(_, n)| n).sum();
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "reel: exported {} document{}, {} passage{} into {} file{} ({:.1} MB) in {:.2} s; {} skipped",
            stats.documents,
            plural(stats.documents),
            stats.passages,
            plural(stats.passages),
            stats.files.len(),
            plural(stats.files.len() as u64),
            bytes as f64 / 1e6,
            secs,
            stats.skipped
        );
        for (path, size) in &stats.files {
            eprintln!("  {}  {:.1} MB", path.display(), *size as f64 / 1e6);
        }
    }
    Ok(ExitCode::SUCCESS)
}
