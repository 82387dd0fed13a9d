//! Building an index: walk the inputs, read each file into documents, cut passages, write them
//! through tantivy's writer and commit once. The commit carries the [`Manifest`], so the index on
//! disk is always at a committed state: a run that fails leaves the previous commit in place.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tantivy::schema::OwnedValue;
use tantivy::{IndexWriter, TantivyDocument};

use crate::corpus::{self, Document, MetaValue};
use crate::error::{Error, Result};
use crate::passage;
use crate::schema::{self, Fields, Manifest, MetaType};

/// Default memory budget of tantivy's writer, shared by its threads. Big enough that a 100k-review
/// corpus is written in few segments, small enough to stay far below the machine's memory.
pub const DEFAULT_MEMORY_BYTES: usize = 128 * 1024 * 1024;

/// Smallest budget tantivy accepts per writer thread.
pub const MIN_MEMORY_PER_THREAD: usize = 15 * 1024 * 1024;

/// What to index and where.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Files and folders to read.
    pub paths: Vec<PathBuf>,
    /// The index folder.
    pub index_dir: PathBuf,
    /// Start from an empty index even if one exists (needed after a schema change).
    pub rebuild: bool,
    /// Writer threads.
    pub threads: usize,
    /// Writer memory budget in bytes, shared by the threads.
    pub memory_bytes: usize,
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
    /// Bytes of input read.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Indexes `opts.paths` into `opts.index_dir`, replacing what the index held, in one commit.
/// Problems with single inputs are passed to `warn` and counted; the run goes on.
pub fn run(opts: &IndexOptions, warn: &mut dyn FnMut(&Error)) -> Result<IndexStats> {
    let started = Instant::now();
    let inputs = corpus::walk(&opts.paths, Some(&opts.index_dir))?;
    let mut stats = IndexStats::default();
    for (path, reason) in &inputs.skipped {
        warn(&Error::Record {
            path: path.clone(),
            line: 0,
            message: format!("{reason}, skipped"),
        });
        stats.skipped += 1;
    }

    let (index, fields) = open_for_writing(&opts.index_dir, opts.rebuild)?;
    let threads = opts.threads.max(1);
    let memory = opts.memory_bytes.max(threads * MIN_MEMORY_PER_THREAD);
    let mut writer: IndexWriter = index
        .writer_with_num_threads(threads, memory)
        .map_err(|e| lock_error(e, &opts.index_dir))?;
    writer.delete_all_documents()?;

    let mut manifest = Manifest {
        schema_version: schema::SCHEMA_VERSION,
        ..Manifest::default()
    };
    for file in &inputs.files {
        let docs = match corpus::read(file) {
            Ok(docs) => docs,
            Err(e) => {
                warn(&e);
                stats.skipped += 1;
                continue;
            }
        };
        stats.files += 1;
        stats.bytes += std::fs::metadata(&file.path).map_or(0, |m| m.len());
        for doc in docs {
            if doc.text[doc.body_start..].trim().is_empty() && doc.metadata.is_empty() {
                warn(&Error::Record {
                    path: file.path.clone(),
                    line: 1,
                    message: "no text to index, skipped".into(),
                });
                stats.skipped += 1;
                continue;
            }
            stats.passages += add_document(&writer, &fields, &doc)?;
            stats.documents += 1;
            for (key, value) in &doc.metadata {
                let t = meta_type(value);
                manifest
                    .metadata_fields
                    .entry(key.clone())
                    .and_modify(|old| *old = old.merge(t))
                    .or_insert(t);
            }
        }
    }
    manifest.documents = stats.documents;

    let payload = serde_json::to_string(&manifest).expect("a manifest always serializes");
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    writer.wait_merging_threads()?;
    stats.elapsed = started.elapsed();
    Ok(stats)
}

/// Adds one document's passages; returns how many.
fn add_document(writer: &IndexWriter, fields: &Fields, doc: &Document) -> Result<u64> {
    let mut passages = passage::split(doc);
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
    let meta_object: Vec<(String, OwnedValue)> = doc
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), owned_value(v)))
        .collect();
    for p in &passages {
        let mut d = TantivyDocument::default();
        d.add_text(fields.doc_id, &doc.id);
        d.add_u64(fields.passage_id, u64::from(p.ordinal));
        d.add_text(fields.source, &doc.source);
        d.add_text(fields.title, &doc.title);
        d.add_text(fields.text, p.text(doc));
        d.add_text(fields.meta_text, &meta_text);
        d.add_field_value(fields.meta, &OwnedValue::Object(meta_object.clone()));
        d.add_text(fields.meta_json, &meta_json);
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
    }
}

fn meta_type(v: &MetaValue) -> MetaType {
    match v {
        MetaValue::Int(_) => MetaType::Integer,
        MetaValue::Float(_) => MetaType::Float,
        MetaValue::Text(_) => MetaType::Text,
        MetaValue::List(_) => MetaType::Keywords,
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
