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
    // A semantic index stays semantic: its updates embed what they add, with the model it
    // remembers unless another is given.
    let semantic =
        !args.no_semantic && (args.semantic || indexer::semantic_of(&args.index).is_some());
    let model = if semantic {
        let remembered = indexer::remembered_model(&args.index);
        Some(Arc::new(super::load_model_or(
            &args.model,
            remembered,
            reel::embed::Precision::Auto,
        )?))
    } else {
        None
    };
    let opts = IndexOptions {
        paths: args.paths,
        forget: args.forget,
        index_dir: args.index,
        cwd: reel::paths::current_dir(),
        rebuild: args.rebuild,
        threads,
        memory_bytes: usize::try_from(args.memory)? * 1024 * 1024,
        read: args.read.flags(),
        progress: progress.clone(),
        model,
    };
    let mut warner = Warner::new(args.quiet, args.verbose);
    let stats = indexer::run(&opts, &mut |w| warner.warn(w))?;
    if args.verbose {
        for path in &stats.unsupported_files {
            warner.warn(&reel::Error::File {
                path: path.clone(),
                message: "unsupported file type, skipped".into(),
            });
        }
    }
    warner.finish();
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

/// Warnings shown without `--verbose`: a big corpus with many bad records would bury the
/// summary; the rest are counted.
const WARNINGS_SHOWN: usize = 20;

/// Longest warning shown without `--verbose` (a bad record can quote a long line).
const WARNING_CHARS: usize = 300;

/// Prints warnings on stderr (above the progress bar, if one is drawn): all of them in full
/// with `verbose`, else the first [`WARNINGS_SHOWN`], each cut at [`WARNING_CHARS`].
pub struct Warner {
    quiet: bool,
    verbose: bool,
    shown: usize,
    hidden: usize,
}

impl Warner {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Warner {
            quiet,
            verbose,
            shown: 0,
            hidden: 0,
        }
    }

    pub fn warn(&mut self, w: &reel::Error) {
        if self.quiet {
            return;
        }
        if !self.verbose && self.shown >= WARNINGS_SHOWN {
            self.hidden += 1;
            return;
        }
        self.shown += 1;
        let mut text = w.to_string();
        if !self.verbose && text.chars().count() > WARNING_CHARS {
            text = text.chars().take(WARNING_CHARS).collect::<String>() + "…";
        }
        let text = reel::output::sanitize(&text);
        Bar::suspend(|| say!("reel: warning: {text}"));
    }

    /// Says how many warnings were not shown, if any.
    pub fn finish(&self) {
        if self.hidden > 0 {
            say!(
                "reel: {} more warning{} not shown (-v shows them all)",
                self.hidden,
                if self.hidden == 1 { "" } else { "s" }
            );
        }
    }
}

/// The progress bar on stderr: bytes read (binary units, as every size reel prints), documents per second, elapsed.
pub struct Bar {
    bar: OnceLock<ProgressBar>,
    started: Instant,
    /// Passages embedded so far (a semantic index), shown with their rate.
    embedded: std::sync::atomic::AtomicU64,
    /// Set once every input is read: the bar then counts documents made of those read.
    by_documents: std::sync::atomic::AtomicBool,
}

static ACTIVE: OnceLock<ProgressBar> = OnceLock::new();

impl Bar {
    pub fn new() -> Bar {
        Bar {
            bar: OnceLock::new(),
            started: Instant::now(),
            embedded: std::sync::atomic::AtomicU64::new(0),
            by_documents: std::sync::atomic::AtomicBool::new(false),
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
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} (ETA {eta}) {msg}",
            )
            .expect("the progress template is valid"),
        );
        let _ = ACTIVE.set(bar.clone());
        let _ = self.bar.set(bar);
    }

    fn update(&self, bytes_read: u64, documents: u64) {
        if let Some(bar) = self.bar.get() {
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            if self.by_documents.load(std::sync::atomic::Ordering::Relaxed) {
                bar.set_position(documents);
            } else {
                bar.set_position(bytes_read);
            }
            let embedded = self.embedded.load(std::sync::atomic::Ordering::Relaxed);
            let passages = if embedded > 0 {
                format!(
                    ", {embedded} passages embedded, {:.0} passages/s",
                    embedded as f64 / secs
                )
            } else {
                String::new()
            };
            // Once the bar counts documents, they are not said twice.
            let made = if self.by_documents.load(std::sync::atomic::Ordering::Relaxed) {
                String::new()
            } else {
                format!("{documents} docs, ")
            };
            bar.set_message(format!(
                "{made}{:.0} docs/s{passages}, {}/s",
                documents as f64 / secs,
                indicatif::HumanBytes((bytes_read as f64 / secs) as u64)
            ));
        }
    }

    fn read_all(&self, documents: u64) {
        let Some(bar) = self.bar.get() else { return };
        if !self
            .by_documents
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} documents (ETA {eta}) {msg}",
                )
                .expect("the progress template is valid"),
            );
        }
        bar.set_length(documents);
    }

    fn embedded(&self, passages: u64) {
        self.embedded
            .store(passages, std::sync::atomic::Ordering::Relaxed);
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}
