//! `reel index [PATH...]`: build or update the index and print a summary on stderr.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use reel::indexer::{self, IndexOptions, Progress};
use reel::output::report;

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
                &reel::Error::File {
                    path: path.clone(),
                    message: "unsupported file type, skipped".into(),
                },
            );
        }
    }
    if !args.quiet {
        let mut err = std::io::stderr().lock();
        let _ = report::index_summary(&mut err, &stats, &opts.index_dir);
    }
    Ok(ExitCode::SUCCESS)
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
