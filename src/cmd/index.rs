//! `reel index [PATH...]`: build or update the index and print a summary on stderr.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use reel::indexer::{self, IndexOptions, IndexStats, Progress};

use crate::cli::IndexArgs;

pub fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    let threads = super::threads(args.threads);
    let progress = progress_bar(args.quiet);
    let opts = IndexOptions {
        paths: args.paths,
        forget: args.forget,
        index_dir: args.index,
        rebuild: args.rebuild,
        threads,
        memory_bytes: usize::try_from(args.memory)? * 1024 * 1024,
        roles: args.read.roles(),
        whole_documents: args.read.whole_documents,
        progress: progress.clone(),
    };
    let stats = indexer::run(&opts, &mut |w| warn(args.quiet, w))?;
    if args.verbose {
        for path in &stats.unsupported_files {
            warn(
                false,
                &reel::Error::Record {
                    path: path.clone(),
                    line: 0,
                    message: "unsupported file type, skipped".into(),
                },
            );
        }
    }
    if !args.quiet {
        summary(&opts, &stats);
    }
    Ok(ExitCode::SUCCESS)
}

/// The summary lines: what changed, what was indexed, what the index follows, what was skipped.
fn summary(opts: &IndexOptions, stats: &IndexStats) {
    say!(
        "reel: {} added, {} changed, {} removed, {} unchanged file{}",
        stats.added,
        stats.changed,
        stats.removed,
        stats.unchanged,
        plural(stats.unchanged),
    );
    let work = if stats.committed {
        format!(
            "indexed {} document{}, {} passage{} from {} file{} ({})",
            stats.documents,
            plural(stats.documents),
            stats.passages,
            plural(stats.passages),
            stats.files,
            plural(stats.files),
            indicatif::HumanBytes(stats.bytes),
        )
    } else {
        "nothing to index".to_string()
    };
    say!(
        "reel: {work} in {:.2} s; {} holds {} document{}, {} passage{}; {} skipped",
        stats.elapsed.as_secs_f64(),
        opts.index_dir.display(),
        stats.total_documents,
        plural(stats.total_documents),
        stats.total_passages,
        plural(stats.total_passages),
        stats.skipped,
    );
    let followed: Vec<String> = stats
        .followed
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    say!("reel: following {}", followed.join(", "));
    if !stats.unsupported.is_empty() {
        let total: usize = stats.unsupported.iter().map(|(_, n)| n).sum();
        let kinds: Vec<String> = stats
            .unsupported
            .iter()
            .map(|(ext, n)| format!("{ext} ({n})"))
            .collect();
        say!(
            "reel: {total} file{} of unsupported types skipped: {} (-v names them)",
            plural(total as u64),
            kinds.join(", ")
        );
    }
}

/// A progress bar on stderr, when it is a terminal and output is not quieted.
pub fn progress_bar(quiet: bool) -> Option<Arc<dyn Progress>> {
    (!quiet && std::io::stderr().is_terminal()).then(|| Arc::new(Bar::new()) as Arc<dyn Progress>)
}

/// Prints a warning on stderr (above the progress bar, if one is drawn).
pub fn warn(quiet: bool, w: &reel::Error) {
    if !quiet {
        Bar::suspend(|| say!("reel: warning: {w}"));
    }
}

pub fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The progress bar on stderr: bytes read, documents per second, MB per second, elapsed.
pub struct Bar {
    bar: OnceLock<ProgressBar>,
    started: Instant,
}

static ACTIVE: OnceLock<ProgressBar> = OnceLock::new();

impl Bar {
    pub fn new() -> Bar {
        Bar {
            bar: OnceLock::new(),
            started: Instant::now(),
        }
    }

    /// Prints above the bar without tearing it.
    pub fn suspend(f: impl FnOnce()) {
        match ACTIVE.get() {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }
}

impl Progress for Bar {
    fn start(&self, total_bytes: u64) {
        let bar = ProgressBar::new(total_bytes);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
            )
            .expect("the progress template is valid"),
        );
        let _ = ACTIVE.set(bar.clone());
        let _ = self.bar.set(bar);
    }

    fn update(&self, bytes_read: u64, documents: u64) {
        if let Some(bar) = self.bar.get() {
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            bar.set_position(bytes_read);
            bar.set_message(format!(
                "{documents} docs, {:.0} docs/s, {}/s",
                documents as f64 / secs,
                indicatif::HumanBytes((bytes_read as f64 / secs) as u64)
            ));
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
