//! Building an index: walk the inputs, read each file into documents, cut passages, write them
//! through tantivy's writer and commit once. The commit carries the [`Manifest`], so the index on
//! disk is always at a committed state: a run that fails leaves the previous commit in place.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::schema::OwnedValue;
use tantivy::{IndexWriter, TantivyDocument};

use crate::corpus::records::{Plan, RawRecord, Roles, SAMPLE_RECORDS};
use crate::corpus::{self, Document, InputFile, Item, MetaValue};
use crate::error::{Error, Result};
use crate::passage;
use crate::schema::{self, Fields, Manifest, MetaType};

/// Default memory budget of tantivy's writer, shared by its threads. Big enough that a 100k-review
/// corpus is written in few segments, small enough to stay far below the machine's memory.
pub const DEFAULT_MEMORY_BYTES: usize = 128 * 1024 * 1024;

/// Smallest budget tantivy accepts per writer thread.
pub const MIN_MEMORY_PER_THREAD: usize = 15 * 1024 * 1024;

/// Records sent to a worker at a time: large enough that channel traffic is negligible, small
/// enough that the queue holds little memory.
const BATCH_RECORDS: usize = 256;

/// Batches waiting per worker: keeps workers busy while the reader decompresses and parses.
const QUEUE_PER_WORKER: usize = 2;

/// Receives progress while indexing (the binary draws a bar with it).
pub trait Progress: Send + Sync {
    /// Indexing starts; `total_bytes` is the size on disk of all inputs.
    fn start(&self, total_bytes: u64);
    /// Bytes of input read so far (as stored, compressed or not) and documents indexed.
    fn update(&self, bytes_read: u64, documents: u64);
    /// Indexing is done (committing follows).
    fn finish(&self);
}

/// What to index and where.
#[derive(Clone)]
pub struct IndexOptions {
    /// Files and folders to read.
    pub paths: Vec<PathBuf>,
    /// The index folder.
    pub index_dir: PathBuf,
    /// Start from an empty index even if one exists (needed after a schema change).
    pub rebuild: bool,
    /// Threads: tantivy's writer threads, and as many workers parsing records and cutting
    /// passages.
    pub threads: usize,
    /// Writer memory budget in bytes, shared by the writer threads.
    pub memory_bytes: usize,
    /// Field roles for structured files.
    pub roles: Roles,
    /// Index each document as one passage instead of cutting it into paragraphs.
    pub whole_documents: bool,
    /// Where progress goes, if anywhere.
    pub progress: Option<Arc<dyn Progress>>,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexStats {
    /// Files read.
    pub files: u64,
    /// Documents indexed.
    pub documents: u64,
    /// Passages indexed.
    pub passages: u64,
    /// Inputs passed over (unreadable, binary, unknown format) and records skipped.
    pub skipped: u64,
    /// Bytes of input read (as stored on disk).
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Work for an indexing worker.
enum Job {
    /// A whole document (text and Markdown files).
    Document(Document),
    /// Records of a structured file, with the plan that turns them into documents.
    Records {
        plan: Arc<Plan>,
        path: Arc<PathBuf>,
        items: Vec<Item>,
    },
}

#[derive(Default)]
struct Counters {
    /// Documents indexed; also hands out each document's `doc_ord`.
    documents: AtomicU64,
    passages: AtomicU64,
    skipped: AtomicU64,
}

/// Indexes `opts.paths` into `opts.index_dir`, replacing what the index held, in one commit.
/// Problems with single inputs are passed to `warn` and counted; the run goes on.
///
/// The calling thread reads and decompresses the inputs (and parses CSV); `threads` workers
/// parse JSON, cut passages and hand documents to tantivy's writer, whose own `threads`
/// threads build the segments. Memory stays bounded: the queue between them holds at most
/// `QUEUE_PER_WORKER` batches per worker, and the writer flushes at its memory budget.
pub fn run(opts: &IndexOptions, warn: &mut dyn FnMut(&Error)) -> Result<IndexStats> {
    let started = Instant::now();
    let inputs = corpus::walk(&opts.paths, Some(&opts.index_dir))?;
    let mut stats = IndexStats::default();
    stats.skipped += inputs.report_skipped(warn);

    let (index, fields) = open_for_writing(&opts.index_dir, opts.rebuild)?;
    let threads = opts.threads.max(1);
    let memory = opts.memory_bytes.max(threads * MIN_MEMORY_PER_THREAD);
    let mut writer: IndexWriter = index
        .writer_with_num_threads(threads, memory)
        .map_err(|e| lock_error(e, &opts.index_dir))?;
    writer.set_merge_policy(Box::new(BoundedMergePolicy));
    writer.delete_all_documents()?;

    let mut manifest = Manifest {
        schema_version: schema::SCHEMA_VERSION,
        ..Manifest::default()
    };
    let total_bytes = inputs.total_bytes();
    if let Some(p) = &opts.progress {
        p.start(total_bytes);
    }
    let bytes_read = Arc::new(AtomicU64::new(0));
    let counters = Counters::default();
    let (job_tx, job_rx) = crossbeam_channel::bounded::<Job>(threads * QUEUE_PER_WORKER);
    let (warn_tx, warn_rx) = crossbeam_channel::unbounded::<Error>();

    let worker_result: Result<()> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let rx = job_rx.clone();
                let warn_tx = warn_tx.clone();
                let (writer, fields, counters) = (&writer, &fields, &counters);
                let whole = opts.whole_documents;
                scope.spawn(move || work(rx, writer, fields, whole, warn_tx, counters))
            })
            .collect();
        drop(job_rx);
        let mut feed = Feed {
            jobs: job_tx,
            warnings: &warn_rx,
            warn: &mut *warn,
            progress: opts.progress.as_deref(),
            bytes_read: &bytes_read,
            counters: &counters,
        };
        for file in &inputs.files {
            let ok = if file.format.is_records() {
                feed.records(file, &opts.roles, &mut manifest)
            } else {
                feed.text(file, &mut manifest)
            };
            match ok {
                Ok(true) => stats.files += 1,
                Ok(false) => break,
                Err(e) => {
                    (feed.warn)(&e);
                    counters.skipped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        drop(feed.jobs);
        let mut first_error = Ok(());
        for w in workers {
            let r = w.join().unwrap_or_else(|_| {
                Err(Error::Query(
                    "an indexing worker stopped unexpectedly".into(),
                ))
            });
            if first_error.is_ok() {
                first_error = r;
            }
        }
        first_error
    });
    for w in warn_rx.try_iter() {
        warn(&w);
    }
    worker_result?;
    if let Some(p) = &opts.progress {
        p.update(
            bytes_read.load(Ordering::Relaxed),
            counters.documents.load(Ordering::Relaxed),
        );
        p.finish();
    }
    stats.documents = counters.documents.load(Ordering::Relaxed);
    stats.passages = counters.passages.load(Ordering::Relaxed);
    stats.skipped += counters.skipped.load(Ordering::Relaxed);
    stats.bytes = total_bytes;
    manifest.documents = stats.documents;

    let payload = serde_json::to_string(&manifest).expect("a manifest always serializes");
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    writer.wait_merging_threads()?;
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// The reading side of the pipeline: turns files into jobs, relays warnings and progress.
struct Feed<'a> {
    jobs: crossbeam_channel::Sender<Job>,
    warnings: &'a crossbeam_channel::Receiver<Error>,
    warn: &'a mut dyn FnMut(&Error),
    progress: Option<&'a dyn Progress>,
    bytes_read: &'a Arc<AtomicU64>,
    counters: &'a Counters,
}

impl Feed<'_> {
    /// Sends a job; false if the workers are gone (one failed).
    fn send(&mut self, job: Job) -> bool {
        for w in self.warnings.try_iter() {
            (self.warn)(&w);
        }
        if let Some(p) = self.progress {
            p.update(
                self.bytes_read.load(Ordering::Relaxed),
                self.counters.documents.load(Ordering::Relaxed),
            );
        }
        self.jobs.send(job).is_ok()
    }

    fn text(&mut self, file: &InputFile, manifest: &mut Manifest) -> Result<bool> {
        let doc = corpus::read_text(file, Some(self.bytes_read.clone()))?;
        if doc.text[doc.body_start..].trim().is_empty() && doc.metadata.is_empty() {
            return Err(Error::Record {
                path: file.path.clone(),
                line: 1,
                message: "no text to index, skipped".into(),
            });
        }
        for (key, value) in &doc.metadata {
            record_type(manifest, key.clone(), value.meta_type());
        }
        Ok(self.send(Job::Document(doc)))
    }

    fn records(
        &mut self,
        file: &InputFile,
        roles: &Roles,
        manifest: &mut Manifest,
    ) -> Result<bool> {
        let path = Arc::new(file.path.clone());
        let source = file.path.display().to_string();
        let file_id = file.file_id();
        let mut sample: Vec<Item> = Vec::new();
        let mut plan: Option<Arc<Plan>> = None;
        let mut batch: Vec<Item> = Vec::with_capacity(BATCH_RECORDS);
        let mut alive = true;
        let decide = |sample: &mut Vec<Item>, this: &mut Self, manifest: &mut Manifest| {
            let records: Vec<RawRecord> = std::mem::take(sample)
                .into_iter()
                .filter_map(|item| match item.into_record(&path) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        (this.warn)(&e);
                        this.counters.skipped.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                })
                .collect();
            let p = Arc::new(Plan::infer(&records, roles, &file_id, &source));
            for (key, ty) in p.metadata_types() {
                record_type(manifest, key, ty);
            }
            (p, records)
        };
        let counter = Some(self.bytes_read.clone());
        let result = corpus::stream_records(file, counter, &mut |item| {
            let item = match item {
                Ok(item) => item,
                Err(e) => {
                    (self.warn)(&e);
                    self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                    return true;
                }
            };
            let Some(p) = &plan else {
                sample.push(item);
                if sample.len() >= SAMPLE_RECORDS {
                    let (p, records) = decide(&mut sample, self, manifest);
                    alive = self.send_records(&p, &path, records.into_iter().map(Item::Record));
                    plan = Some(p);
                }
                return alive;
            };
            batch.push(item);
            if batch.len() >= BATCH_RECORDS {
                let items = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_RECORDS));
                alive = self.send(Job::Records {
                    plan: p.clone(),
                    path: path.clone(),
                    items,
                });
            }
            alive
        });
        if alive {
            if plan.is_none() {
                let (p, records) = decide(&mut sample, self, manifest);
                alive = self.send_records(&p, &path, records.into_iter().map(Item::Record));
                plan = Some(p);
            }
            if let Some(p) = plan.filter(|_| !batch.is_empty() && alive) {
                alive = self.send(Job::Records {
                    plan: p,
                    path: path.clone(),
                    items: batch,
                });
            }
        }
        // A stream that broke off (truncated file) has still indexed what came before it.
        result?;
        Ok(alive)
    }

    fn send_records(
        &mut self,
        plan: &Arc<Plan>,
        path: &Arc<PathBuf>,
        items: impl Iterator<Item = Item>,
    ) -> bool {
        let mut items = items.peekable();
        while items.peek().is_some() {
            let chunk: Vec<Item> = items.by_ref().take(BATCH_RECORDS).collect();
            if !self.send(Job::Records {
                plan: plan.clone(),
                path: path.clone(),
                items: chunk,
            }) {
                return false;
            }
        }
        true
    }
}

/// A worker: turns jobs into passages in the writer until the queue closes.
fn work(
    jobs: crossbeam_channel::Receiver<Job>,
    writer: &IndexWriter,
    fields: &Fields,
    whole: bool,
    warnings: crossbeam_channel::Sender<Error>,
    counters: &Counters,
) -> Result<()> {
    for job in jobs {
        match job {
            Job::Document(doc) => {
                let ord = counters.documents.fetch_add(1, Ordering::Relaxed);
                let n = add_document(writer, fields, &doc, whole, ord)?;
                counters.passages.fetch_add(n, Ordering::Relaxed);
            }
            Job::Records { plan, path, items } => {
                for item in items {
                    match item.into_record(&path) {
                        Ok(record) => {
                            let doc = plan.document(record);
                            let ord = counters.documents.fetch_add(1, Ordering::Relaxed);
                            let n = add_document(writer, fields, &doc, whole, ord)?;
                            counters.passages.fetch_add(n, Ordering::Relaxed);
                        }
                        Err(e) => {
                            counters.skipped.fetch_add(1, Ordering::Relaxed);
                            let _ = warnings.send(e);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn record_type(manifest: &mut Manifest, key: String, ty: MetaType) {
    manifest
        .metadata_fields
        .entry(key)
        .and_modify(|old| *old = old.merge(ty))
        .or_insert(ty);
}

/// Largest segment a merge may produce, in passages. tantivy maps every segment a merge reads
/// into memory, so peak RSS follows the largest merge: with tantivy's default policy, indexing
/// 4x the IMDB reviews merged all of its flushes into one segment and peaked at 720 MB; merges
/// capped here keep the peak near 200 MB whatever the corpus size. A large corpus keeps more
/// segments instead (one per 100,000 passages), which a search visits in turn at little cost.
const MAX_MERGE_DOCS: u32 = 100_000;

/// Fewest segments worth one merge: merging two or three saves little search work.
const MIN_SEGMENTS_PER_MERGE: usize = 4;

/// Merges small segments in groups whose total stays under [`MAX_MERGE_DOCS`].
#[derive(Debug, Clone, Copy, Default)]
struct BoundedMergePolicy;

impl tantivy::indexer::MergePolicy for BoundedMergePolicy {
    fn compute_merge_candidates(
        &self,
        segments: &[tantivy::index::SegmentMeta],
    ) -> Vec<tantivy::indexer::MergeCandidate> {
        let mut small: Vec<&tantivy::index::SegmentMeta> = segments
            .iter()
            .filter(|m| m.num_docs() < MAX_MERGE_DOCS / 2)
            .collect();
        small.sort_by_key(|m| m.num_docs());
        let mut out = Vec::new();
        let mut group = Vec::new();
        let mut size = 0u32;
        for m in small {
            if size + m.num_docs() > MAX_MERGE_DOCS {
                if group.len() >= MIN_SEGMENTS_PER_MERGE {
                    out.push(tantivy::indexer::MergeCandidate(std::mem::take(&mut group)));
                }
                group.clear();
                size = 0;
            }
            group.push(m.id());
            size += m.num_docs();
        }
        if group.len() >= MIN_SEGMENTS_PER_MERGE {
            out.push(tantivy::indexer::MergeCandidate(group));
        }
        out
    }
}

/// Adds one document's passages; returns how many.
fn add_document(
    writer: &IndexWriter,
    fields: &Fields,
    doc: &Document,
    whole: bool,
    doc_ord: u64,
) -> Result<u64> {
    let mut passages = if whole {
        passage::whole(doc)
    } else {
        passage::split(doc)
    };
    if passages.is_empty() {
        // A document with a title and metadata but no body still gets one (empty) passage, so
        // that its title and metadata can be found.
        passages.push(passage::Passage {
            ordinal: 0,
            start: doc.body_start,
            end: doc.body_start,
        });
    }
    let meta_json = serde_json::to_string(&doc.metadata).expect("metadata always serializes");
    let meta_text: Vec<String> = doc.metadata.values().map(MetaValue::to_text).collect();
    let meta_text = meta_text.join(" \n ");
    let meta_object = OwnedValue::Object(
        doc.metadata
            .iter()
            .map(|(k, v)| (k.clone(), owned_value(v)))
            .collect(),
    );
    let meta_num = OwnedValue::Object(
        doc.metadata
            .iter()
            .filter(|(_, v)| v.meta_type().is_numeric())
            .map(|(k, v)| (k.clone(), owned_value(v)))
            .collect(),
    );
    // A title that is only the id (records without one) is not indexed: it says nothing.
    let real_title = doc.title != doc.id;
    for p in &passages {
        let mut d = TantivyDocument::default();
        d.add_text(fields.doc_id, &doc.id);
        d.add_u64(fields.passage_id, u64::from(p.ordinal));
        d.add_u64(fields.doc_ord, doc_ord);
        d.add_text(fields.source, &doc.source);
        if real_title {
            d.add_text(fields.title, &doc.title);
        }
        d.add_text(fields.text, p.text(doc));
        if p.ordinal == 0 && real_title {
            // The title is also a second value of the first passage's text: a document is
            // scored on its title and opening together, as one text, which ranks better than a
            // separately weighted title field (SciFact train nDCG@10 0.689 -> 0.70). Hits read
            // the first value only, so the passage text is unchanged.
            d.add_text(fields.text, &doc.title);
        }
        if !doc.metadata.is_empty() {
            d.add_field_value(fields.meta, &meta_object);
            d.add_field_value(fields.meta_num, &meta_num);
        }
        if p.ordinal == 0 {
            // Metadata describes the document, not each passage: it is searchable once, so a
            // document matches a name in its metadata once rather than once per paragraph, and
            // it is stored once (hits read it from the first passage).
            d.add_text(fields.meta_text, &meta_text);
            d.add_text(fields.meta_json, &meta_json);
        }
        d.add_u64(fields.start, p.start as u64);
        d.add_u64(fields.end, p.end as u64);
        writer.add_document(d)?;
    }
    Ok(passages.len() as u64)
}

fn owned_value(v: &MetaValue) -> OwnedValue {
    match v {
        MetaValue::Int(n) => OwnedValue::I64(*n),
        MetaValue::Float(x) => OwnedValue::F64(*x),
        MetaValue::Text(s) => OwnedValue::Str(s.clone()),
        MetaValue::List(items) => {
            OwnedValue::Array(items.iter().cloned().map(OwnedValue::Str).collect())
        }
        MetaValue::Date(d) => OwnedValue::Date(tantivy::DateTime::from_timestamp_secs(d.secs)),
    }
}

fn open_for_writing(dir: &Path, rebuild: bool) -> Result<(tantivy::Index, Fields)> {
    if schema::exists(dir) {
        if rebuild {
            remove_index_files(dir)?;
        } else {
            let (index, fields, _) = schema::open(dir)?;
            return Ok((index, fields));
        }
    }
    schema::create(dir)
}

/// Removes the files tantivy wrote in `dir` (and only those: the folder may hold other files).
fn remove_index_files(dir: &Path) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let segment_file = name.len() > 33
            && name.as_bytes()[32] == b'.'
            && name[..32].bytes().all(|b| b.is_ascii_hexdigit());
        let tantivy_file = name == "meta.json"
            || name == ".managed.json"
            || name.starts_with(".tantivy-")
            || segment_file;
        if tantivy_file && entry.file_type().map_err(io)?.is_file() {
            std::fs::remove_file(entry.path()).map_err(io)?;
        }
    }
    Ok(())
}

fn lock_error(e: tantivy::TantivyError, dir: &Path) -> Error {
    match e {
        tantivy::TantivyError::LockFailure(..) => Error::Locked {
            path: dir.to_path_buf(),
        },
        other => Error::Tantivy(other),
    }
}
