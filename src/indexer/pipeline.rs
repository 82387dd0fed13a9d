//! The indexing pipeline: the calling thread reads and decompresses files (and parses CSV) into
//! jobs ([`Feed`]); worker threads parse JSON, cut passages and hand them to tantivy's writer
//! ([`Worker`]). The queue between them is bounded, so memory stays flat.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tantivy::IndexWriter;

use super::changes::ToRead;
use super::claims::{Claims, Existing, Place, Verdict};
use super::Progress;
use std::cell::RefCell;

use crate::corpus::records::{Plan, Roles};

use crate::corpus::{self, stream, Document, InputFile, Item};
use crate::error::{Error, Result};
use crate::meta::MetaType;
use crate::passage;
use crate::schema::{self, Fields};

/// Batches waiting per worker: keeps workers busy while the reader decompresses and parses.
pub const QUEUE_PER_WORKER: usize = 2;

/// What the pipeline needs: the writer, how to read, and the files.
pub struct Input<'a> {
    pub writer: &'a IndexWriter,
    pub fields: &'a Fields,
    pub threads: usize,
    pub progress: Option<&'a dyn Progress>,
    /// The first new document's `doc_ord`.
    pub next_ord: u64,
    pub files: &'a [ToRead<'a>],
    /// The rank in reading order of each file read, among every file of the run.
    pub ranks: Vec<u32>,
    /// Who holds ids among the documents that stay.
    pub existing: Option<Existing>,
    /// Embed each passage with this model (a semantic index).
    pub model: Option<&'a crate::embed::Model>,
}

/// What the pipeline made of one file.
#[derive(Default)]
pub struct FileMade {
    pub documents: u64,
    pub passages: u64,
    /// Its metadata columns and their types.
    pub types: BTreeMap<String, MetaType>,
    /// Its columns some of whose values read as numbers or dates, and what they read as.
    pub numeric: BTreeMap<String, MetaType>,
    /// Its number or date columns with values kept as text.
    pub misfits: std::collections::BTreeSet<String>,
    /// Its records whose id a record read before them holds, and of those, the ones held by a
    /// record of another file.
    pub shadowed: u64,
    pub shadowed_across: u64,
    /// Read to its end.
    pub read_whole: bool,
    /// It could not be read (an I/O error): the next run tries again.
    pub unreadable: bool,
}

/// What the pipeline made.
pub struct Outcome {
    /// One per input file, in order.
    pub files: Vec<FileMade>,
    /// Records and files skipped.
    pub skipped: u64,
    /// The next new document's `doc_ord`.
    pub next_ord: u64,
    /// `doc_ord`s of documents added and then found to be later-read duplicates, and of
    /// documents of files that stay whose id a record read before them took (to delete).
    pub losers: Vec<u64>,
    /// Those documents of files that stay: their file and passages.
    pub existing_losers: Vec<(String, u64)>,
    /// Passages embedded, and the tokens the model read for them (a semantic index).
    pub embedded: u64,
    pub embedded_tokens: u64,
    /// Bytes the readers saw (decompressed).
    pub bytes_decoded: u64,
}

/// Reads the files into the writer: the calling thread reads and decompresses them (and parses
/// CSV); `threads` workers parse JSON, cut passages and hand documents to tantivy's writer. The
/// queue between them holds at most [`QUEUE_PER_WORKER`] batches per worker.
pub fn run(input: Input, warn: &mut dyn FnMut(&Error)) -> Result<Outcome> {
    let files = input.files;
    let total_bytes: u64 = files.iter().map(|f| f.size).sum();
    if let Some(p) = input.progress {
        p.start(total_bytes);
    }
    let bytes_read = Arc::new(corpus::BytesRead::default());
    let counters = Counters {
        next_ord: AtomicU64::new(input.next_ord),
        documents: files.iter().map(|_| AtomicU64::new(0)).collect(),
        passages: files.iter().map(|_| AtomicU64::new(0)).collect(),
        shadowed: files.iter().map(|_| AtomicU64::new(0)).collect(),
        shadowed_across: files.iter().map(|_| AtomicU64::new(0)).collect(),
        indexed: AtomicU64::new(0),
        skipped: AtomicU64::new(0),
        embedded: AtomicU64::new(0),
        embedded_tokens: AtomicU64::new(0),
        queued: AtomicU64::new(0),
        read_all: std::sync::atomic::AtomicBool::new(false),
    };
    let claims = Claims::new(
        files
            .iter()
            .map(|f| f.input.path.display().to_string())
            .collect(),
        input.ranks,
        input.existing,
        input.next_ord,
    );
    let mut made: Vec<FileMade> = files.iter().map(|_| FileMade::default()).collect();
    let mut plans: Vec<Option<Arc<Plan>>> = vec![None; files.len()];
    let (job_tx, job_rx) = crossbeam_channel::bounded::<Job>(input.threads * QUEUE_PER_WORKER);
    let (warn_tx, warn_rx) = crossbeam_channel::unbounded::<Error>();
    let mut fatal: Option<Error> = None;
    let worker_result: Result<()> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..input.threads)
            .map(|_| {
                let worker = Worker {
                    writer: input.writer,
                    fields: input.fields,
                    warnings: warn_tx.clone(),
                    counters: &counters,
                    claims: &claims,
                    model: input.model,
                };
                let rx = job_rx.clone();
                scope.spawn(move || worker.work(rx))
            })
            .collect();
        drop(job_rx);
        // Progress from a thread of its own, so it moves whatever the reading thread waits on.
        let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(0);
        let (progress, ticked) = (input.progress, &counters);
        let bytes = &bytes_read;
        let ticker = scope.spawn(move || {
            while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
                done_rx.recv_timeout(PROGRESS_TICK)
            {
                report(progress, bytes, ticked);
            }
        });
        let mut feed = Feed {
            jobs: job_tx,
            warnings: &warn_rx,
            warn: &mut *warn,
            bytes_read: &bytes_read,
            counters: &counters,
        };
        fatal = feed.all(files, &mut made, &mut plans);
        counters.read_all.store(true, Ordering::Relaxed);
        drop(feed.jobs);
        let joined = join(workers);
        drop(done_tx);
        let _ = ticker.join();
        joined
    });
    for w in warn_rx.try_iter() {
        warn(&w);
    }
    if let Some(e) = fatal {
        return Err(e);
    }
    worker_result?;
    settle(files, &plans, &counters, &mut made, warn);
    if let Some(p) = input.progress {
        p.update(
            bytes_read.stored(),
            counters.indexed.load(Ordering::Relaxed),
        );
        p.finish();
    }
    // Closing the last commit's searcher (in `claims`) before the commit: tantivy keeps the
    // files of every segment still open in this process, so old segments would outlive it.
    let losers = claims
        .losers
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    let existing_losers = claims
        .existing_losers
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    Ok(Outcome {
        files: made,
        skipped: counters.skipped.load(Ordering::Relaxed),
        next_ord: counters.next_ord.load(Ordering::Relaxed),
        losers,
        existing_losers,
        embedded: counters.embedded.load(Ordering::Relaxed),
        embedded_tokens: counters.embedded_tokens.load(Ordering::Relaxed),
        bytes_decoded: bytes_read.decoded(),
    })
}

/// What each file gave, once the workers are done: its counts, and its column types (known
/// once every document of a file was made), with the values its filters cannot see.
fn settle(
    files: &[ToRead],
    plans: &[Option<Arc<Plan>>],
    counters: &Counters,
    made: &mut [FileMade],
    warn: &mut dyn FnMut(&Error),
) {
    for (i, m) in made.iter_mut().enumerate() {
        if let Some(plan) = &plans[i] {
            m.types = plan.metadata_types();
            m.numeric = plan.numeric_types();
            m.misfits = plan.misfits().into_iter().map(|(k, ..)| k).collect();
            for w in stream::misfit_warnings(plan, &files[i].input.path) {
                warn(&w);
            }
        }
        m.documents = counters.documents[i].load(Ordering::Relaxed);
        m.passages = counters.passages[i].load(Ordering::Relaxed);
        m.shadowed = counters.shadowed[i].load(Ordering::Relaxed);
        m.shadowed_across = counters.shadowed_across[i].load(Ordering::Relaxed);
        // Rows of one file that repeat an earlier row's id: a column that names something
        // else (a film in a file of reviews) only past the sample shows it.
        let within = m.shadowed.saturating_sub(m.shadowed_across);
        if within >= 2 && within * 100 > m.documents + within {
            warn(&Error::File {
                path: files[i].input.path.clone(),
                message: format!(
                    "{within} rows repeat an earlier row's id and are left out (each named \
                     above); if the id column names something else, `--id-field -` keys rows \
                     by their number"
                ),
            });
        }
    }
}

/// Waits for the workers; the first error (or a worker's panic) is the pipeline's.
fn join(workers: Vec<std::thread::ScopedJoinHandle<'_, Result<()>>>) -> Result<()> {
    let mut first_error = Ok(());
    for w in workers {
        let r = w.join().unwrap_or_else(|payload| {
            Err(Error::Internal(format!(
                "an indexing worker stopped: {}",
                crate::error::panic_message(&*payload)
            )))
        });
        if first_error.is_ok() {
            first_error = r;
        }
    }
    first_error
}

/// Work for an indexing worker.
enum Job {
    /// A whole document (text and Markdown files), from the `file`-th file read; `whole`: one
    /// passage, not cut.
    Document {
        file: u32,
        whole: bool,
        doc: Document,
    },
    /// Records of a structured file, with the plan that turns them into documents.
    Records {
        file: u32,
        whole: bool,
        plan: Arc<Plan>,
        path: Arc<PathBuf>,
        items: Vec<Item>,
    },
}

/// Counts shared by the workers.
struct Counters {
    /// Hands out each new document's `doc_ord`.
    pub next_ord: AtomicU64,
    /// Documents and passages per file read (duplicates skipped are taken off).
    pub documents: Vec<AtomicU64>,
    pub passages: Vec<AtomicU64>,
    /// Records per file read whose id an earlier record holds (in another file: `across`).
    pub shadowed: Vec<AtomicU64>,
    pub shadowed_across: Vec<AtomicU64>,
    pub indexed: AtomicU64,
    pub skipped: AtomicU64,
    /// Passages embedded (a semantic index), and their tokens.
    pub embedded: AtomicU64,
    pub embedded_tokens: AtomicU64,
    /// Documents and records handed to the workers, and whether every file has been read
    /// (progress then counts what the workers have made of them).
    pub queued: AtomicU64,
    pub read_all: std::sync::atomic::AtomicBool,
}

/// The reading side of the pipeline: turns files into jobs and relays warnings.
struct Feed<'a> {
    pub jobs: crossbeam_channel::Sender<Job>,
    pub warnings: &'a crossbeam_channel::Receiver<Error>,
    pub warn: &'a mut dyn FnMut(&Error),
    pub bytes_read: &'a Arc<corpus::BytesRead>,
    pub counters: &'a Counters,
}

impl Feed<'_> {
    /// Reads every file in order, noting what became of each in `made` and the plans of
    /// structured files in `plans`. Returns the error that stops the whole run, if any (a role
    /// named on the command line that a file has no column for).
    fn all(
        &mut self,
        files: &[ToRead],
        made: &mut [FileMade],
        plans: &mut [Option<Arc<Plan>>],
    ) -> Option<Error> {
        for (i, file) in files.iter().enumerate() {
            let roles = super::roles_of(&file.read);
            let whole = file.read.whole_documents;
            let ok = if file.size == 0 {
                Err(Error::File {
                    path: file.input.path.clone(),
                    message: "empty file, skipped".into(),
                })
            } else if file.input.format.is_records() {
                match self.records(i as u32, whole, file.input, &roles) {
                    Ok((alive, plan)) => {
                        plans[i] = plan;
                        Ok(alive)
                    }
                    Err(e @ Error::Roles { .. }) => return Some(e),
                    Err(e) => Err(e),
                }
            } else {
                self.text(i as u32, whole, file.input, &mut made[i])
            };
            match ok {
                Ok(true) => made[i].read_whole = true,
                Ok(false) => break,
                Err(e) => {
                    made[i].unreadable = matches!(e, Error::Read { .. });
                    (self.warn)(&e);
                    self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        None
    }

    /// Sends a job; false if the workers are gone (one failed).
    fn send(&mut self, job: Job) -> bool {
        for w in self.warnings.try_iter() {
            (self.warn)(&w);
        }
        self.jobs.send(job).is_ok()
    }

    pub fn text(
        &mut self,
        file_no: u32,
        whole: bool,
        file: &InputFile,
        made: &mut FileMade,
    ) -> Result<bool> {
        let doc = corpus::read_text(file, Some(self.bytes_read.clone()), self.warn)?;
        // Who speaks is each passage's own metadata (subtitles, transcripts).
        if doc.origins.iter().any(|o| o.speaker.is_some()) {
            record_type(
                &mut made.types,
                schema::names::SPEAKER.to_string(),
                MetaType::Keywords,
            );
        }
        for (key, value) in &doc.metadata {
            record_type(&mut made.types, key.clone(), value.meta_type());
            if schema::number_of(value).is_some() {
                let ty = match value {
                    crate::meta::MetaValue::Date(_) => MetaType::Date,
                    crate::meta::MetaValue::Int(_) => MetaType::Integer,
                    crate::meta::MetaValue::Text(t)
                        if crate::meta::numbers::parse_number(t).is_none() =>
                    {
                        MetaType::Date
                    }
                    _ => MetaType::Float,
                };
                record_type(&mut made.numeric, key.clone(), ty);
            }
        }
        self.counters.queued.fetch_add(1, Ordering::Relaxed);
        Ok(self.send(Job::Document {
            file: file_no,
            whole,
            doc,
        }))
    }

    /// Reads a structured file and sends its records to the workers in batches; returns
    /// whether the workers are still there, and the file's plan (its column types are known
    /// once the workers are done).
    pub fn records(
        &mut self,
        file_no: u32,
        whole: bool,
        file: &InputFile,
        roles: &Roles,
    ) -> Result<(bool, Option<Arc<Plan>>)> {
        let path = Arc::new(file.path.clone());
        let counter = Some(self.bytes_read.clone());
        let warn = RefCell::new(&mut *self.warn);
        let (jobs, warnings, queued) = (&self.jobs, self.warnings, &self.counters.queued);
        let mut batch = |plan: &Arc<Plan>, items: Vec<Item>| {
            for w in warnings.try_iter() {
                (warn.borrow_mut())(&w);
            }
            queued.fetch_add(items.len() as u64, Ordering::Relaxed);
            let job = Job::Records {
                file: file_no,
                whole,
                plan: plan.clone(),
                path: path.clone(),
                items,
            };
            jobs.send(job).is_ok()
        };
        let read = stream::read_records(
            file,
            roles,
            counter,
            &mut |e| (warn.borrow_mut())(e),
            &mut batch,
        )?;
        self.counters
            .skipped
            .fetch_add(read.skipped, Ordering::Relaxed);
        Ok((read.finished, read.plan))
    }
}

/// How often progress is reported while the workers run: the reading thread may be done with
/// a CSV (its batches all queued) or wait on a full queue for seconds while the workers embed.
const PROGRESS_TICK: std::time::Duration = std::time::Duration::from_millis(250);

/// Passes what has been read, made and embedded so far to the progress bar, if any.
fn report(progress: Option<&dyn Progress>, bytes_read: &corpus::BytesRead, counters: &Counters) {
    if let Some(p) = progress {
        if counters.read_all.load(Ordering::Relaxed) {
            p.read_all(counters.queued.load(Ordering::Relaxed));
        }
        p.embedded(counters.embedded.load(Ordering::Relaxed));
        p.update(
            bytes_read.stored(),
            counters.indexed.load(Ordering::Relaxed),
        );
    }
}

/// A worker: turns jobs into passages in the writer until the queue closes.
struct Worker<'a> {
    pub writer: &'a IndexWriter,
    pub fields: &'a Fields,
    pub warnings: crossbeam_channel::Sender<Error>,
    pub counters: &'a Counters,
    pub claims: &'a Claims,
    pub model: Option<&'a crate::embed::Model>,
}

/// A document ready to be added: its passages and, in a semantic index, their vectors.
struct Ready {
    record: u64,
    doc: Document,
    passages: Vec<passage::Passage>,
    vectors: Option<Vec<Vec<u8>>>,
}

impl Worker<'_> {
    pub fn work(self, jobs: crossbeam_channel::Receiver<Job>) -> Result<()> {
        for job in jobs {
            match job {
                Job::Document { file, whole, doc } => {
                    for ready in self.prepare(vec![(0, doc)], whole) {
                        self.add(file, ready)?;
                    }
                }
                Job::Records {
                    file,
                    whole,
                    plan,
                    path,
                    items,
                } => {
                    let mut docs = Vec::with_capacity(items.len());
                    stream::batch_documents(&plan, &path, items, |made| match made {
                        stream::Made::Document(number, doc) => docs.push((number, doc)),
                        stream::Made::Skipped(e) => {
                            self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                            let _ = self.warnings.send(e);
                        }
                        stream::Made::Notice(e) => {
                            let _ = self.warnings.send(e);
                        }
                    });
                    for ready in self.prepare(docs, whole) {
                        self.add(file, ready)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Cuts the documents into passages and, in a semantic index, embeds all their passages
    /// at once (one batch keeps the model's matrix products large).
    fn prepare(&self, docs: Vec<(u64, Document)>, whole: bool) -> Vec<Ready> {
        let mut ready: Vec<Ready> = docs
            .into_iter()
            .map(|(record, doc)| Ready {
                passages: passage::cut(&doc, whole),
                record,
                doc,
                vectors: None,
            })
            .collect();
        if let Some(model) = self.model {
            let texts: Vec<String> = ready
                .iter()
                .flat_map(|r| {
                    r.passages.iter().map(|p| {
                        crate::embed::passage_text(&r.doc.title, &r.doc.id, p.text(&r.doc))
                    })
                })
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let (vectors, stats) = model.embed(&refs, 1);
            self.counters
                .embedded_tokens
                .fetch_add(stats.tokens as u64, Ordering::Relaxed);
            let mut vectors = vectors.into_iter().map(|v| crate::embed::quantize(&v));
            for r in &mut ready {
                r.vectors = Some(vectors.by_ref().take(r.passages.len()).collect());
            }
            self.counters
                .embedded
                .fetch_add(texts.len() as u64, Ordering::Relaxed);
        }
        ready
    }

    /// Adds a document unless an earlier one has its id.
    fn add(&self, file: u32, ready: Ready) -> Result<()> {
        let Ready {
            record,
            doc,
            passages,
            vectors,
        } = ready;
        let doc = &doc;
        let n = passages.len() as u64;
        let ord = self.counters.next_ord.fetch_add(1, Ordering::Relaxed);
        let place = Place { file, record };
        let f = file as usize;
        match self.claims.claim(self.fields, &doc.id, place, ord, n) {
            Verdict::Skip { warning, across } => {
                self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                self.counters.shadowed[f].fetch_add(1, Ordering::Relaxed);
                if across {
                    self.counters.shadowed_across[f].fetch_add(1, Ordering::Relaxed);
                }
                let _ = self.warnings.send(warning);
                return Ok(());
            }
            Verdict::AddOver(loser) => {
                let l = loser.place.file as usize;
                self.counters.documents[l].fetch_sub(1, Ordering::Relaxed);
                self.counters.passages[l].fetch_sub(loser.passages, Ordering::Relaxed);
                self.counters.shadowed[l].fetch_add(1, Ordering::Relaxed);
                if l != f {
                    self.counters.shadowed_across[l].fetch_add(1, Ordering::Relaxed);
                }
                self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                let _ = self.warnings.send(Error::Duplicate {
                    id: doc.id.clone(),
                    kept: self.claims.describe(place),
                    dropped: self.claims.describe(loser.place),
                });
                self.claims
                    .losers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(loser.ord);
            }
            Verdict::AddOverExisting(holder) => {
                self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                let _ = self.warnings.send(Error::Duplicate {
                    id: doc.id.clone(),
                    kept: self.claims.describe(place),
                    dropped: format!(
                        "{} (indexed before)",
                        self.claims.shown_existing(&holder.source)
                    ),
                });
                self.claims
                    .losers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(holder.ord);
                self.claims
                    .existing_losers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((holder.source, holder.passages));
            }
            Verdict::Add => {}
        }
        schema::add_document(
            self.writer,
            self.fields,
            doc,
            &passages,
            vectors.as_deref(),
            ord,
        )?;
        self.counters.documents[f].fetch_add(1, Ordering::Relaxed);
        self.counters.passages[f].fetch_add(n, Ordering::Relaxed);
        self.counters.indexed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

pub fn record_type(types: &mut BTreeMap<String, MetaType>, key: String, ty: MetaType) {
    types
        .entry(key)
        .and_modify(|old| *old = old.merge(ty))
        .or_insert(ty);
}
