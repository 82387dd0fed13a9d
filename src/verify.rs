//! Checking an index end to end: `reel verify`. Every file of the last commit is checked against
//! its checksum, the schema version is checked, every stored passage is read back, and the counts
//! the manifest records are compared with what the index holds (no passage twice, none missing).
//!
//! Damage is reported, never a panic: a check that panics inside tantivy is caught and reported
//! as a problem with the file it was reading.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use serde::Serialize;
use tantivy::index::SegmentComponent;
use tantivy::schema::Value;
use tantivy::{Index, TantivyDocument};

use crate::error::{Error, Result};
use crate::schema::{self, Fields, Manifest};
use crate::state::FileList;

/// One thing wrong with an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The damaged file, relative to the index folder (none when the damage is not one file's).
    pub file: Option<PathBuf>,
    /// What is wrong.
    pub message: String,
}

/// What `verify` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Files whose checksum was checked.
    pub files_checked: u64,
    /// Their bytes.
    pub bytes_checked: u64,
    /// Segments.
    pub segments: u64,
    /// Documents found (distinct documents among the live passages).
    pub documents: u64,
    /// Live passages read back from the store.
    pub passages: u64,
    /// Passage vectors checked (a semantic index: one per passage, of the model's width).
    pub vectors: u64,
    /// Everything found wrong; empty for a sound index.
    pub problems: Vec<Problem>,
}

impl Report {
    /// True if no problem was found.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, file: Option<PathBuf>, message: impl Into<String>) {
        let message = message.into();
        if !self
            .problems
            .iter()
            .any(|p| p.file == file && p.message == message)
        {
            self.problems.push(Problem { file, message });
        }
    }
}

/// Verifies the index in `dir`. Returns an error only when there is no index there at all, or
/// this user may not read it; everything else found wrong is in the report.
pub fn verify(dir: &Path) -> Result<Report> {
    schema::check_exists(dir)?;
    let mut report = Report::default();
    let Some((index, fields, manifest, metas)) = open_checked(dir, &mut report)? else {
        return Ok(report);
    };
    let sound_files = check_files(dir, &index, &metas, &mut report)?;
    // The file list the manifest names.
    let list = match manifest.as_ref().and_then(|m| m.files.as_ref()) {
        Some(r) => match FileList::read(dir, r) {
            Ok(list) => Some(list),
            Err(e @ Error::PermissionDenied { .. }) => return Err(e),
            Err(e) => {
                report.problem(Some(PathBuf::from(&r.name)), list_message(&e));
                None
            }
        },
        None => None,
    };

    // Read every live passage back; damaged segment files are not opened (tantivy trusts them).
    if sound_files {
        let dims = manifest
            .as_ref()
            .and_then(|m| m.semantic.as_ref())
            .map(|s| s.dims);
        match guarded(|| read_back(&index, &fields, dims)) {
            Ok(Ok(counts)) => {
                report.documents = counts.documents;
                report.passages = counts.passages;
                report.vectors = counts.vectors;
                for (file, message) in counts.problems {
                    report.problem(file, message);
                }
                if let Some(m) = &manifest {
                    check_counts(&mut report, m, list.as_ref());
                }
            }
            Ok(Err(e)) => report.problem(None, format!("cannot read the index: {e}")),
            Err(panic) => report.problem(None, format!("cannot read the index: {panic}")),
        }
    }
    Ok(report)
}

/// Opens the index for reading and reads its schema, manifest and commit; each failure is a
/// problem in the report (`None`: nothing more can be checked).
#[allow(clippy::type_complexity)]
fn open_checked(
    dir: &Path,
    report: &mut Report,
) -> Result<Option<(Index, Fields, Option<Manifest>, tantivy::IndexMeta)>> {
    let meta = Some(PathBuf::from("meta.json"));
    // Read only: verifying never creates or changes a file of the index.
    let directory = schema::ReadOnlyDirectory::open(dir)?;
    let index = match guarded(|| Index::open(directory)) {
        Ok(Ok(index)) => index,
        Ok(Err(e)) => {
            report.problem(meta, format!("cannot open the index: {e}"));
            return Ok(None);
        }
        Err(panic) => {
            report.problem(meta, format!("cannot open the index: {panic}"));
            return Ok(None);
        }
    };
    let fields = match Fields::from_schema(&index.schema()) {
        Ok(f) => f,
        Err(e) => {
            report.problem(meta, format!("not a reel index: {e}"));
            return Ok(None);
        }
    };
    let manifest = match schema::read_manifest(&index, dir) {
        Ok(m) => Some(m),
        Err(e @ Error::PermissionDenied { .. }) => return Err(e),
        Err(e) => {
            report.problem(meta.clone(), manifest_message(&e));
            None
        }
    };
    match index.load_metas() {
        Ok(metas) => Ok(Some((index, fields, manifest, metas))),
        Err(e) => {
            report.problem(meta, format!("cannot read the commit: {e}"));
            Ok(None)
        }
    }
}

/// Checks every file of every segment: present, and matching its checksum. True if all are.
fn check_files(
    dir: &Path,
    index: &Index,
    metas: &tantivy::IndexMeta,
    report: &mut Report,
) -> Result<bool> {
    let mut sound_files = true;
    for segment in &metas.segments {
        report.segments += 1;
        let mut components = vec![
            SegmentComponent::Postings,
            SegmentComponent::Positions,
            SegmentComponent::FastFields,
            SegmentComponent::FieldNorms,
            SegmentComponent::Terms,
            SegmentComponent::Store,
        ];
        if segment.has_deletes() {
            components.push(SegmentComponent::Delete);
        }
        for component in components {
            let rel = segment.relative_path(component);
            let full = dir.join(&rel);
            // A file this user may not read is no damage: say so, and stop.
            if let Err(e) = std::fs::File::open(&full) {
                if crate::error::io_cause(&e) == crate::error::IoCause::Permission {
                    return Err(Error::from_io(&full, dir, e, false));
                }
            }
            match std::fs::metadata(&full) {
                Err(e) => {
                    sound_files = false;
                    report.problem(Some(rel), format!("missing or unreadable: {e}"));
                    continue;
                }
                Ok(m) => {
                    report.files_checked += 1;
                    report.bytes_checked += m.len();
                }
            }
            match guarded(|| index.directory().validate_checksum(&rel)) {
                Ok(Ok(true)) => {}
                Ok(Ok(false)) => {
                    sound_files = false;
                    report.problem(Some(rel), "checksum mismatch: the file is damaged");
                }
                Ok(Err(e)) => {
                    sound_files = false;
                    report.problem(Some(rel), format!("cannot be checked: {e}"));
                }
                Err(panic) => {
                    sound_files = false;
                    report.problem(Some(rel), format!("cannot be checked: {panic}"));
                }
            }
        }
    }
    Ok(sound_files)
}

fn manifest_message(e: &Error) -> String {
    match e {
        Error::Incompatible { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

fn list_message(e: &Error) -> String {
    match e {
        Error::Incompatible { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// The manifest's counts against what was read back.
fn check_counts(report: &mut Report, m: &Manifest, list: Option<&FileList>) {
    let meta = Some(PathBuf::from("meta.json"));
    if m.documents != report.documents || m.passages != report.passages {
        report.problem(
            meta,
            format!(
                "the commit records {} documents and {} passages, the index holds {} and {}",
                m.documents, m.passages, report.documents, report.passages
            ),
        );
    }
    if let (Some(list), Some(r)) = (list, &m.files) {
        let docs: u64 = list.files.values().map(|f| f.documents).sum();
        let passages: u64 = list.files.values().map(|f| f.passages).sum();
        if docs != m.documents || passages != m.passages {
            report.problem(
                Some(PathBuf::from(&r.name)),
                format!(
                    "the file list adds up to {docs} documents and {passages} passages, the \
                     commit records {} and {}",
                    m.documents, m.passages
                ),
            );
        }
    }
}

struct Counts {
    vectors: u64,
    documents: u64,
    passages: u64,
    problems: Vec<(Option<PathBuf>, String)>,
}

/// Reads every live stored passage and the fast fields of each, checking that no passage of a
/// document appears twice.
fn read_back(index: &Index, fields: &Fields, dims: Option<usize>) -> Result<Counts> {
    let reader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let mut documents: HashSet<u64> = HashSet::new();
    let mut passages_seen: HashSet<u128> = HashSet::new();
    let mut counts = Counts {
        documents: 0,
        passages: 0,
        vectors: 0,
        problems: Vec::new(),
    };
    for seg in searcher.segment_readers() {
        let store_file = Some(seg.segment_id().uuid_string() + ".store");
        let store = seg
            .get_store_reader(1)
            .map_err(|e| Error::Tantivy(e.into()))?;
        let ords = seg.fast_fields().u64(schema::names::DOC_ORD)?;
        let alive = seg.alive_bitset();
        let vectors = match dims {
            Some(_) => seg.fast_fields().bytes(schema::names::VECTOR)?,
            None => None,
        };
        let fast_file = Some(PathBuf::from(seg.segment_id().uuid_string() + ".fast"));
        let mut missing = 0u64;
        let mut malformed = 0u64;
        // Which distinct vectors have the model's width, read in one pass over the dictionary.
        let mut well_formed: Vec<bool> = Vec::new();
        if let (Some(d), Some(col)) = (dims, &vectors) {
            let mut stream = col
                .dictionary()
                .stream()
                .map_err(|e| Error::Tantivy(e.into()))?;
            while stream.advance() {
                well_formed.push(stream.key().len() == crate::embed::stored_len(d));
            }
        }
        for doc_id in 0..seg.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc_id)) {
                continue;
            }
            let doc: TantivyDocument = match store.get(doc_id) {
                Ok(d) => d,
                Err(e) => {
                    counts.problems.push((
                        store_file.clone().map(PathBuf::from),
                        format!("stored passage {doc_id} unreadable: {e}"),
                    ));
                    continue;
                }
            };
            counts.passages += 1;
            let id = doc
                .get_first(fields.doc_id)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let passage = doc
                .get_first(fields.passage_id)
                .and_then(|v| v.as_u64())
                .unwrap_or(u64::MAX);
            let mut key = id.into_bytes();
            key.extend_from_slice(&passage.to_le_bytes());
            if !passages_seen.insert(xxhash_rust::xxh3::xxh3_128(&key)) {
                let id = String::from_utf8_lossy(&key[..key.len() - 8]).into_owned();
                counts.problems.push((
                    None,
                    format!("passage {passage} of document `{id}` is in the index twice"),
                ));
            }
            if let Some(ord) = ords.first(doc_id) {
                documents.insert(ord);
            }
            if dims.is_some() {
                let ord = vectors.as_ref().and_then(|c| c.term_ords(doc_id).next());
                match ord {
                    None => missing += 1,
                    Some(ord) => {
                        if well_formed.get(ord as usize).copied().unwrap_or(false) {
                            counts.vectors += 1;
                        } else {
                            malformed += 1;
                        }
                    }
                }
            }
        }
        if missing > 0 {
            counts.problems.push((
                fast_file.clone(),
                format!("{missing} passage(s) of a semantic index have no vector"),
            ));
        }
        if malformed > 0 {
            counts.problems.push((
                fast_file,
                format!("{malformed} passage vector(s) are not of the model's width"),
            ));
        }
    }
    counts.documents = documents.len() as u64;
    Ok(counts)
}

/// Runs `f`, turning a panic into its message.
fn guarded<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| crate::error::panic_message(&*payload))
}
