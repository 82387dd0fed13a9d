//! Building and updating an index: walk the inputs, hash each file, read the new and changed ones
//! into documents, cut passages, write them through tantivy's writer and commit once.
//!
//! An index that exists is updated, not rebuilt: a file whose content hash is unchanged is not
//! read again; a changed file's documents are deleted and re-added; a removed file's documents are
//! deleted. All of it lands in one commit that also carries the [`Manifest`] and names the new
//! [`FileList`], so the index on disk is always at a committed state: a run that fails or is
//! killed leaves the previous commit in place, and the next run removes what it left behind.
//!
//! Duplicate document ids: the first one read wins. Files are read in the order given (folders
//! in sorted path order), records in file order; on an update, documents of files that did not
//! change count as read first. Each duplicate skipped is reported with both places.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;
use tantivy::directory::{Directory, MmapDirectory, INDEX_WRITER_LOCK};
use tantivy::schema::{IndexRecordOption, OwnedValue};
use tantivy::{DocSet, IndexWriter, TantivyDocument, Term, TERMINATED};

use crate::corpus::records::{Plan, RawRecord, Roles, SAMPLE_RECORDS};
use crate::corpus::{self, Document, InputFile, Item, MetaValue};
use crate::error::{Error, Result};
use crate::passage::{self, Passage};
use crate::schema::{self, Fields, Manifest, MetaType};
use crate::state::{self, FileList, FileState, ReadOptions};

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
    /// Indexing starts; `total_bytes` is the size on disk of the inputs to read.
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

impl IndexOptions {
    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            whole_documents: self.whole_documents,
            id_field: self.roles.id.clone(),
            title_field: self.roles.title.clone(),
            text_fields: self.roles.text.clone(),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexStats {
    /// Files new to the index.
    pub added: u64,
    /// Files whose content changed.
    pub changed: u64,
    /// Files gone from the corpus, whose documents were deleted.
    pub removed: u64,
    /// Files left as they were.
    pub unchanged: u64,
    /// Files read.
    pub files: u64,
    /// Documents indexed by this run.
    pub documents: u64,
    /// Passages indexed by this run.
    pub passages: u64,
    /// Documents in the index after the run.
    pub total_documents: u64,
    /// Passages in the index after the run.
    pub total_passages: u64,
    /// Inputs passed over (unreadable, binary, unknown format) and records skipped.
    pub skipped: u64,
    /// Bytes of input read (as stored on disk).
    pub bytes: u64,
    /// True if the run committed (false when there was nothing to do).
    pub committed: bool,
    /// Wall time.
    pub elapsed: Duration,
}

/// Work for an indexing worker.
enum Job {
    /// A whole document (text and Markdown files), from the `file`-th file read.
    Document { file: u32, doc: Document },
    /// Records of a structured file, with the plan that turns them into documents.
    Records {
        file: u32,
        plan: Arc<Plan>,
        path: Arc<PathBuf>,
        items: Vec<Item>,
    },
}

/// A file to read in this run.
struct ToRead<'a> {
    input: &'a InputFile,
    source: String,
    size: u64,
    hash: String,
}

/// Counts shared by the workers.
struct Counters {
    /// Hands out each new document's `doc_ord`.
    next_ord: AtomicU64,
    /// Documents and passages per file read (duplicates skipped are taken off).
    documents: Vec<AtomicU64>,
    passages: Vec<AtomicU64>,
    indexed: AtomicU64,
    skipped: AtomicU64,
}

/// Indexes `opts.paths` into `opts.index_dir`: creates the index, or updates it to match the
/// corpus, in one commit. Problems with single inputs are passed to `warn` and counted; the run
/// goes on.
///
/// The calling thread reads and decompresses the inputs (and parses CSV); `threads` workers
/// parse JSON, cut passages and hand documents to tantivy's writer, whose own `threads`
/// threads build the segments. Memory stays bounded: the queue between them holds at most
/// `QUEUE_PER_WORKER` batches per worker, and the writer flushes at its memory budget.
pub fn run(opts: &IndexOptions, warn: &mut dyn FnMut(&Error)) -> Result<IndexStats> {
    let started = Instant::now();
    let dir = &opts.index_dir;
    let inputs = corpus::walk(&opts.paths, Some(dir))?;
    let mut stats = IndexStats::default();
    stats.skipped += inputs.report_skipped(warn);

    let threads = opts.threads.max(1);
    let memory = opts.memory_bytes.max(threads * MIN_MEMORY_PER_THREAD);
    let Writable {
        index,
        fields,
        mut writer,
        manifest: old_manifest,
        committed_list,
        mut cleared,
    } = open_for_writing(dir, opts.rebuild, threads, memory)?;
    writer.set_merge_policy(Box::new(BoundedMergePolicy));
    // What a killed run left: tantivy's unreferenced segment files, our unreferenced file lists
    // (the committed one stays, even for a rebuild: it is the last commit's until the next).
    let _ = writer.garbage_collect_files().wait();
    remove_unused_segment_files(dir, &index)?;
    state::remove_orphans(dir, committed_list.as_deref())?;

    let options = opts.read_options();
    let mut old = match (&old_manifest.files, cleared) {
        (Some(r), false) => FileList::read(dir, r)?,
        _ => FileList::default(),
    };
    if !cleared && old.options != options && (!old.files.is_empty() || old_manifest.documents > 0) {
        warn(&Error::Record {
            path: dir.clone(),
            line: 0,
            message: "read options differ from the index's, re-indexing every file".into(),
        });
        cleared = true;
    }
    if cleared || (old_manifest.files.is_none() && old_manifest.documents > 0) {
        delete_everything(&writer)?;
        old = FileList::default();
        cleared = true;
    }

    // Which files are new, changed, unchanged, removed.
    let mut list = FileList {
        options,
        files: BTreeMap::new(),
    };
    let mut to_read: Vec<ToRead> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for input in &inputs.files {
        let source = input.path.display().to_string();
        if !seen.insert(source.clone()) {
            continue; // named twice: read once
        }
        match state::fingerprint(&input.path) {
            Ok((size, hash)) => match old.files.get(&source) {
                Some(s) if s.size == size && s.hash == hash => {
                    stats.unchanged += 1;
                    list.files.insert(source, s.clone());
                }
                prev => {
                    if prev.is_some() {
                        stats.changed += 1;
                    } else {
                        stats.added += 1;
                    }
                    to_read.push(ToRead {
                        input,
                        source,
                        size,
                        hash,
                    });
                }
            },
            Err(e) => {
                stats.skipped += 1;
                let kept = old.files.get(&source).cloned();
                let message = match &kept {
                    Some(_) => format!("{e}; keeping its documents from the last run"),
                    None => format!("{e}, skipped"),
                };
                warn(&Error::Record {
                    path: input.path.clone(),
                    line: 0,
                    message,
                });
                if let Some(s) = kept {
                    list.files.insert(source, s);
                }
            }
        }
    }
    let removed: Vec<String> = old
        .files
        .keys()
        .filter(|s| !seen.contains(*s))
        .cloned()
        .collect();
    stats.removed = removed.len() as u64;

    if to_read.is_empty() && removed.is_empty() && !cleared {
        stats.total_documents = old_manifest.documents;
        stats.total_passages = old_manifest.passages;
        stats.elapsed = started.elapsed();
        return Ok(stats);
    }

    // Deletes come before the adds, so they do not touch the documents added by this run.
    for source in removed.iter().chain(to_read.iter().map(|f| &f.source)) {
        writer.delete_term(Term::from_field_text(fields.source, source));
    }
    // Ids held by files that stay as they are, for the duplicate check.
    let replaced: HashSet<&str> = removed
        .iter()
        .chain(to_read.iter().map(|f| &f.source))
        .map(String::as_str)
        .collect();
    let existing = if list.files.values().any(|f| f.documents > 0) {
        Some(Existing::open(&index, &fields, &replaced)?)
    } else {
        None
    };

    let total_bytes: u64 = to_read.iter().map(|f| f.size).sum();
    if let Some(p) = &opts.progress {
        p.start(total_bytes);
    }
    let bytes_read = Arc::new(AtomicU64::new(0));
    let counters = Counters {
        next_ord: AtomicU64::new(old_manifest.next_doc_ord),
        documents: to_read.iter().map(|_| AtomicU64::new(0)).collect(),
        passages: to_read.iter().map(|_| AtomicU64::new(0)).collect(),
        indexed: AtomicU64::new(0),
        skipped: AtomicU64::new(0),
    };
    let claims = Claims {
        sources: to_read.iter().map(|f| f.source.clone()).collect(),
        map: Mutex::new(FxHashMap::default()),
        losers: Mutex::new(Vec::new()),
        existing,
    };
    let mut types: Vec<BTreeMap<String, MetaType>> = vec![BTreeMap::new(); to_read.len()];
    let mut unread: HashSet<usize> = HashSet::new();
    let (job_tx, job_rx) = crossbeam_channel::bounded::<Job>(threads * QUEUE_PER_WORKER);
    let (warn_tx, warn_rx) = crossbeam_channel::unbounded::<Error>();

    let worker_result: Result<()> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let worker = Worker {
                    writer: &writer,
                    fields: &fields,
                    whole: opts.whole_documents,
                    warnings: warn_tx.clone(),
                    counters: &counters,
                    claims: &claims,
                };
                let rx = job_rx.clone();
                scope.spawn(move || worker.work(rx))
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
        for (i, file) in to_read.iter().enumerate() {
            let ok = if file.size == 0 {
                Err(Error::Record {
                    path: file.input.path.clone(),
                    line: 0,
                    message: "empty file, skipped".into(),
                })
            } else if file.input.format.is_records() {
                feed.records(i as u32, file.input, &opts.roles, &mut types[i])
            } else {
                feed.text(i as u32, file.input, &mut types[i])
            };
            match ok {
                Ok(true) => stats.files += 1,
                Ok(false) => break,
                Err(e) => {
                    // An I/O failure is tried again next run; a file that cannot be indexed
                    // (binary, empty) is remembered so the next run does not read it again.
                    if matches!(e, Error::Read { .. }) {
                        unread.insert(i);
                    }
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
    // Duplicates found after both were added: the later one read goes. These deletes come after
    // every add of the run, so they reach the documents they name.
    let Claims {
        losers, existing, ..
    } = claims;
    for ord in losers.into_inner().unwrap_or_default() {
        writer.delete_term(Term::from_field_u64(fields.doc_ord, ord));
    }
    // Close the last commit's searcher before committing: tantivy keeps the files of every
    // segment still open in this process, so the old segments would outlive the commit.
    drop(existing);
    if let Some(p) = &opts.progress {
        p.update(
            bytes_read.load(Ordering::Relaxed),
            counters.indexed.load(Ordering::Relaxed),
        );
        p.finish();
    }
    for (i, file) in to_read.into_iter().enumerate() {
        let documents = counters.documents[i].load(Ordering::Relaxed);
        let passages = counters.passages[i].load(Ordering::Relaxed);
        stats.documents += documents;
        stats.passages += passages;
        if unread.contains(&i) && documents == 0 {
            continue;
        }
        list.files.insert(
            file.source,
            FileState {
                size: file.size,
                hash: file.hash,
                documents,
                passages,
                metadata: std::mem::take(&mut types[i]),
            },
        );
    }
    stats.skipped += counters.skipped.load(Ordering::Relaxed);
    stats.bytes = total_bytes;

    let mut manifest = Manifest {
        schema_version: schema::SCHEMA_VERSION,
        next_doc_ord: counters.next_ord.load(Ordering::Relaxed),
        ..Manifest::default()
    };
    for f in list.files.values() {
        manifest.documents += f.documents;
        manifest.passages += f.passages;
        for (key, ty) in &f.metadata {
            record_type(&mut manifest.metadata_fields, key.clone(), *ty);
        }
    }
    let list_ref = list.write(dir)?;
    manifest.files = Some(list_ref.clone());
    let payload = serde_json::to_string(&manifest).expect("a manifest always serializes");
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    state::sync_dir(dir)?;
    writer.wait_merging_threads()?;
    // The writer and its lock are gone; clean up under the lock again, unless another run took it
    // meanwhile (its own start cleans up): tantivy's clean-up can miss files of segments that
    // were merged away (the kill trials found them after complete runs).
    clean_up_after(dir, &index, &list_ref.name)?;
    stats.committed = true;
    stats.total_documents = manifest.documents;
    stats.total_passages = manifest.passages;
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// An index opened for writing, with the writer lock held.
struct Writable {
    index: tantivy::Index,
    fields: Fields,
    writer: IndexWriter,
    /// The manifest this run starts from: the last commit's, or empty for a new or rebuilt index.
    manifest: Manifest,
    /// The file list the last commit names, if any (kept until the next commit).
    committed_list: Option<String>,
    /// True if the index starts empty (new or rebuilt).
    cleared: bool,
}

/// Opens or creates the index and takes its writer lock before changing anything, so that a
/// second writer fails at once and a rebuild never removes files under a running writer.
fn open_for_writing(dir: &Path, rebuild: bool, threads: usize, memory: usize) -> Result<Writable> {
    let writer_of = |index: &tantivy::Index| -> Result<IndexWriter> {
        let writer = index
            .writer_with_num_threads(threads, memory)
            .map_err(|e| lock_error(e, dir))?;
        // A reopened writer gives its first operation the last commit's own opstamp, and a merge
        // of committed segments applies deletes up to that opstamp, saving them under the last
        // commit's manifest: the first delete of a run could land without its commit (found by
        // the kill -9 trials). So the first operation is a delete that matches nothing.
        let fields =
            Fields::from_schema(&index.schema()).map_err(|reason| Error::Incompatible {
                path: dir.to_path_buf(),
                reason,
            })?;
        writer.delete_term(Term::from_field_u64(fields.doc_ord, u64::MAX));
        Ok(writer)
    };
    if schema::exists(dir) {
        // Every segment file must open: an update keeps the segments it does not touch, so it
        // must not build on a damaged one; a damaged index is rebuilt from nothing.
        let opened = schema::open(dir).and_then(|(index, fields, manifest)| match index.reader() {
            Ok(_) => Ok((index, fields, manifest)),
            Err(e) => Err(Error::Damaged {
                path: dir.to_path_buf(),
                reason: format!("cannot read it: {e}"),
            }),
        });
        match opened {
            Ok((index, fields, manifest)) => {
                let writer = writer_of(&index)?;
                // Read the manifest again under the lock: another writer may have committed.
                let committed = schema::read_manifest(&index, dir).unwrap_or(manifest);
                let committed_list = committed.files.as_ref().map(|r| r.name.clone());
                // A rebuild starts from nothing; `run` deletes the old documents in its commit.
                let manifest = if rebuild {
                    Manifest::default()
                } else {
                    committed
                };
                return Ok(Writable {
                    index,
                    fields,
                    writer,
                    manifest,
                    committed_list,
                    cleared: rebuild,
                });
            }
            Err(e @ (Error::Incompatible { .. } | Error::Damaged { .. })) if !rebuild => {
                return Err(e)
            }
            Err(Error::Incompatible { .. } | Error::Damaged { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    // A new index, or one that must be recreated: hold the writer lock while creating it.
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let created = {
        let directory = MmapDirectory::open(dir).map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let _lock = directory
            .acquire_lock(&INDEX_WRITER_LOCK)
            .map_err(|_| Error::Locked {
                path: dir.to_path_buf(),
            })?;
        if schema::exists(dir) && !rebuild {
            // Another run created it meanwhile.
            let (index, fields, _) = schema::open(dir)?;
            Err((index, fields))
        } else {
            if schema::exists(dir) {
                remove_index_files(dir)?;
            }
            Ok(schema::create(dir)?)
        }
    };
    let ((index, fields), cleared) = match created {
        Ok(created) => (created, true),
        Err(opened) => (opened, false),
    };
    let writer = writer_of(&index)?;
    let manifest = if cleared {
        Manifest::default()
    } else {
        schema::read_manifest(&index, dir)?
    };
    let committed_list = manifest.files.as_ref().map(|r| r.name.clone());
    Ok(Writable {
        index,
        fields,
        writer,
        manifest,
        committed_list,
        cleared,
    })
}

/// Who holds an id among the documents of files that stay as they are in this run.
struct Existing {
    segments: Vec<ExistingSegment>,
}

struct ExistingSegment {
    reader: tantivy::SegmentReader,
    ids: Arc<tantivy::InvertedIndexReader>,
    sources: tantivy::columnar::StrColumn,
    /// Source ordinals of this segment whose documents this run replaces or removes.
    replaced: HashSet<u64>,
}

impl Existing {
    fn open(index: &tantivy::Index, fields: &Fields, replaced: &HashSet<&str>) -> Result<Existing> {
        let reader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let mut segments = Vec::new();
        for seg in searcher.segment_readers() {
            let ids = seg.inverted_index(fields.doc_id)?;
            let Some(sources) = seg.fast_fields().str(schema::names::SOURCE)? else {
                continue;
            };
            let mut ords = HashSet::new();
            for s in replaced {
                let ord = sources
                    .dictionary()
                    .term_ord(s.as_bytes())
                    .map_err(|e| Error::Tantivy(e.into()))?;
                if let Some(ord) = ord {
                    ords.insert(ord);
                }
            }
            segments.push(ExistingSegment {
                reader: seg.clone(),
                ids,
                sources,
                replaced: ords,
            });
        }
        Ok(Existing { segments })
    }

    /// The source of a live document with this id outside the replaced files, if any.
    fn holder(&self, term: &Term) -> Option<String> {
        for seg in &self.segments {
            let Ok(Some(mut postings)) = seg.ids.read_postings(term, IndexRecordOption::Basic)
            else {
                continue;
            };
            let alive = seg.reader.alive_bitset();
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    if let Some(ord) = seg.sources.term_ords(doc).next() {
                        if !seg.replaced.contains(&ord) {
                            let mut bytes = Vec::new();
                            let _ = seg.sources.ord_to_bytes(ord, &mut bytes);
                            return Some(String::from_utf8_lossy(&bytes).into_owned());
                        }
                    }
                }
                doc = postings.advance();
            }
        }
        None
    }
}

/// Where a document came from: the file read (by position) and its record number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    file: u32,
    record: u64,
}

/// A document id claimed by the first document read with it.
struct Claim {
    place: Place,
    ord: u64,
    passages: u64,
}

/// The duplicate check: one claim per id (by a 128-bit hash of it).
struct Claims {
    sources: Vec<String>,
    map: Mutex<FxHashMap<u128, Claim>>,
    /// `doc_ord`s of documents added and then found to be later duplicates.
    losers: Mutex<Vec<u64>>,
    existing: Option<Existing>,
}

impl Claims {
    fn describe(&self, place: Place) -> String {
        let source = &self.sources[place.file as usize];
        if place.record == 0 {
            source.clone()
        } else {
            format!("{source} record {}", place.record)
        }
    }

    /// Decides whether a document is kept. `Ok(None)`: add it. `Ok(Some(loser))`: add it, and
    /// the document `loser` (added before it, read after it) goes. `Err(warning)`: skip it.
    fn claim(
        &self,
        fields: &Fields,
        id: &str,
        place: Place,
        ord: u64,
        passages: u64,
    ) -> std::result::Result<Option<Claim>, Error> {
        if let Some(existing) = &self.existing {
            if let Some(holder) = existing.holder(&Term::from_field_text(fields.doc_id, id)) {
                return Err(Error::Duplicate {
                    id: id.to_string(),
                    kept: format!("{holder} (indexed before, unchanged)"),
                    dropped: self.describe(place),
                });
            }
        }
        let key = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let new = Claim {
            place,
            ord,
            passages,
        };
        match map.get_mut(&key) {
            None => {
                map.insert(key, new);
                Ok(None)
            }
            Some(old) if place < old.place => {
                let loser = std::mem::replace(old, new);
                Ok(Some(loser))
            }
            Some(old) => Err(Error::Duplicate {
                id: id.to_string(),
                kept: self.describe(old.place),
                dropped: self.describe(place),
            }),
        }
    }
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
                self.counters.indexed.load(Ordering::Relaxed),
            );
        }
        self.jobs.send(job).is_ok()
    }

    fn text(
        &mut self,
        file_no: u32,
        file: &InputFile,
        types: &mut BTreeMap<String, MetaType>,
    ) -> Result<bool> {
        let doc = corpus::read_text(file, Some(self.bytes_read.clone()), self.warn)?;
        if doc.text[doc.body_start..].trim().is_empty() && doc.metadata.is_empty() {
            return Err(Error::Record {
                path: file.path.clone(),
                line: 1,
                message: "no text to index, skipped".into(),
            });
        }
        for (key, value) in &doc.metadata {
            record_type(types, key.clone(), value.meta_type());
        }
        Ok(self.send(Job::Document { file: file_no, doc }))
    }

    fn records(
        &mut self,
        file_no: u32,
        file: &InputFile,
        roles: &Roles,
        types: &mut BTreeMap<String, MetaType>,
    ) -> Result<bool> {
        let path = Arc::new(file.path.clone());
        let source = file.path.display().to_string();
        let file_id = file.file_id();
        let mut sample: Vec<Item> = Vec::new();
        let mut plan: Option<Arc<Plan>> = None;
        let mut batch: Vec<Item> = Vec::with_capacity(BATCH_RECORDS);
        let mut alive = true;
        let decide = |sample: &mut Vec<Item>, this: &mut Self, types: &mut BTreeMap<_, _>| {
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
                record_type(types, key, ty);
            }
            (p, records)
        };
        let counter = Some(self.bytes_read.clone());
        let result = corpus::stream_records(file, counter, &mut |item| {
            let item = match item {
                Ok(item) => item,
                Err(e @ Error::Lossy { .. }) => {
                    (self.warn)(&e);
                    return true;
                }
                Err(e) => {
                    (self.warn)(&e);
                    self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                    return true;
                }
            };
            let Some(p) = &plan else {
                sample.push(item);
                if sample.len() >= SAMPLE_RECORDS {
                    let (p, records) = decide(&mut sample, self, types);
                    alive = self.send_records(file_no, &p, &path, records);
                    plan = Some(p);
                }
                return alive;
            };
            batch.push(item);
            if batch.len() >= BATCH_RECORDS {
                let items = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_RECORDS));
                alive = self.send(Job::Records {
                    file: file_no,
                    plan: p.clone(),
                    path: path.clone(),
                    items,
                });
            }
            alive
        });
        if alive {
            if plan.is_none() {
                let (p, records) = decide(&mut sample, self, types);
                alive = self.send_records(file_no, &p, &path, records);
                plan = Some(p);
            }
            if let Some(p) = plan.filter(|_| !batch.is_empty() && alive) {
                alive = self.send(Job::Records {
                    file: file_no,
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
        file_no: u32,
        plan: &Arc<Plan>,
        path: &Arc<PathBuf>,
        records: Vec<RawRecord>,
    ) -> bool {
        let mut items = records.into_iter().map(Item::Record).peekable();
        while items.peek().is_some() {
            let chunk: Vec<Item> = items.by_ref().take(BATCH_RECORDS).collect();
            if !self.send(Job::Records {
                file: file_no,
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
struct Worker<'a> {
    writer: &'a IndexWriter,
    fields: &'a Fields,
    whole: bool,
    warnings: crossbeam_channel::Sender<Error>,
    counters: &'a Counters,
    claims: &'a Claims,
}

impl Worker<'_> {
    fn work(self, jobs: crossbeam_channel::Receiver<Job>) -> Result<()> {
        for job in jobs {
            match job {
                Job::Document { file, doc } => self.add(file, 0, &doc)?,
                Job::Records {
                    file,
                    plan,
                    path,
                    items,
                } => {
                    for item in items {
                        match item.into_record(&path) {
                            Ok(record) => {
                                let number = record.number;
                                let doc = plan.document(record);
                                self.add(file, number, &doc)?;
                            }
                            Err(e) => {
                                self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                                let _ = self.warnings.send(e);
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds a document unless an earlier one has its id.
    fn add(&self, file: u32, record: u64, doc: &Document) -> Result<()> {
        let passages = cut(doc, self.whole);
        let n = passages.len() as u64;
        let ord = self.counters.next_ord.fetch_add(1, Ordering::Relaxed);
        let place = Place { file, record };
        match self.claims.claim(self.fields, &doc.id, place, ord, n) {
            Err(warning) => {
                self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                let _ = self.warnings.send(warning);
                return Ok(());
            }
            Ok(Some(loser)) => {
                let f = loser.place.file as usize;
                self.counters.documents[f].fetch_sub(1, Ordering::Relaxed);
                self.counters.passages[f].fetch_sub(loser.passages, Ordering::Relaxed);
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
            Ok(None) => {}
        }
        add_document(self.writer, self.fields, doc, &passages, ord)?;
        self.counters.documents[file as usize].fetch_add(1, Ordering::Relaxed);
        self.counters.passages[file as usize].fetch_add(n, Ordering::Relaxed);
        self.counters.indexed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn record_type(types: &mut BTreeMap<String, MetaType>, key: String, ty: MetaType) {
    types
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

/// A document's passages. A document with a title and metadata but no body still gets one (empty)
/// passage, so that its title and metadata can be found.
fn cut(doc: &Document, whole: bool) -> Vec<Passage> {
    let mut passages = if whole {
        passage::whole(doc)
    } else {
        passage::split(doc)
    };
    if passages.is_empty() {
        passages.push(Passage {
            ordinal: 0,
            start: doc.body_start,
            end: doc.body_start,
        });
    }
    passages
}

/// Adds one document's passages.
fn add_document(
    writer: &IndexWriter,
    fields: &Fields,
    doc: &Document,
    passages: &[Passage],
    doc_ord: u64,
) -> Result<()> {
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
    for p in passages {
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
    Ok(())
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

/// Removes the files tantivy wrote in `dir` (and only those: the folder may hold other files),
/// except its lock files, which the caller holds.
fn remove_index_files(dir: &Path) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let tantivy_file = name == "meta.json"
            || name == ".managed.json"
            || (name.starts_with(".tantivy-") && !name.ends_with(".lock"))
            || is_segment_file(&name);
        if tantivy_file && entry.file_type().map_err(io)?.is_file() {
            std::fs::remove_file(entry.path()).map_err(io)?;
        }
    }
    Ok(())
}

/// Removes segment files the last commit does not use: tantivy's own clean-up only knows the
/// files its bookkeeping lists, and a run killed at the wrong moment can leave others (the kill
/// trials found a killed run's merged-away segments surviving the next run). Only the writer,
/// which holds the lock, creates segment files, so with the lock held every such file is an
/// orphan.
fn remove_unused_segment_files(dir: &Path, index: &tantivy::Index) -> Result<()> {
    let metas = index.load_metas()?;
    let mut live: HashSet<String> = HashSet::new();
    let mut live_deletes: HashSet<String> = HashSet::new();
    for segment in &metas.segments {
        live.insert(segment.id().uuid_string());
        if segment.has_deletes() {
            let path = segment.relative_path(tantivy::index::SegmentComponent::Delete);
            live_deletes.insert(path.to_string_lossy().into_owned());
        }
    }
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_segment_file(&name) {
            continue;
        }
        let used =
            live.contains(&name[..32]) && (!name.ends_with(".del") || live_deletes.contains(&name));
        if !used && entry.file_type().map_err(io)?.is_file() {
            std::fs::remove_file(entry.path()).map_err(io)?;
        }
    }
    Ok(())
}

/// Removes unused segment files and file lists, if the writer lock is free.
fn clean_up_after(dir: &Path, index: &tantivy::Index, list: &str) -> Result<()> {
    let Ok(directory) = MmapDirectory::open(dir) else {
        return Ok(());
    };
    if let Ok(_lock) = directory.acquire_lock(&INDEX_WRITER_LOCK) {
        remove_unused_segment_files(dir, index)?;
        state::remove_orphans(dir, Some(list))?;
        state::sync_dir(dir)?;
    }
    Ok(())
}

/// True for the name of a segment file: 32 hex digits (the segment id), a dot, an extension.
fn is_segment_file(name: &str) -> bool {
    name.len() > 33
        && name.as_bytes()[32] == b'.'
        && name[..32].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Deletes every document committed so far, as one operation of this run (applied at its commit).
///
/// Not tantivy's `delete_all_documents`: that drops the committed segments from the writer's
/// memory at once, and a merge of committed segments finishing meanwhile then saves a `meta.json`
/// holding only the merged segment under the last commit's manifest, an index at no commit
/// (found by the kill -9 trials: a killed `--rebuild` left an index missing a document).
fn delete_everything(writer: &IndexWriter) -> Result<()> {
    writer.delete_query(Box::new(tantivy::query::AllQuery))?;
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
