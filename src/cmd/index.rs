//! `reel index [PATH...]`: build the index and print a summary on stderr.

use std::process::ExitCode;

use reel::indexer::{self, IndexOptions};

use crate::cli::IndexArgs;

pub fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    let threads = args
        .threads
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = IndexOptions {
        paths: args.paths,
        index_dir: args.index,
        rebuild: args.rebuild,
        threads,
        memory_bytes: usize::try_from(args.memory)? * 1024 * 1024,
    };
    let quiet = args.quiet;
    let stats = indexer::run(&opts, &mut |warning| {
        if !quiet {
            eprintln!("reel: warning: {warning}");
        }
    })?;
    if !quiet {
        eprintln!(
            "reel: indexed {} document{}, {} passage{} from {} file{} ({:.1} MB) into {} in {:.2} s; {} skipped",
            stats.documents,
            plural(stats.documents),
            stats.passages,
            plural(stats.passages),
            stats.files,
            plural(stats.files),
            stats.bytes as f64 / 1e6,
            opts.index_dir.display(),
            stats.elapsed.as_secs_f64(),
            stats.skipped,
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
