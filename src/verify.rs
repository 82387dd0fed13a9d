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
    /// Every document's id and source, when asked for ([`verify_keeping_documents`]).
    #[serde(skip)]
    pub document_list: Vec<(String, String)>,
    /// The file list of the commit checked, when it could be read.
    #[serde(skip)]
    pub file_list: Option<FileList>,
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
    verify_with(dir, false)
}

/// [`verify`], keeping every document's id and source from the pass that reads the index back
/// (for comparing the index with its files, without reading it twice).
pub fn verify_keeping_documents(dir: &Path) -> Result<Report> {
    verify_with(dir, true)
}

fn verify_with(dir: &Path, keep: bool) -> Result<Report> {
    schema::check_exists(dir)?;
    // A `reel index` committing meanwhile removes files of the commit being checked, which
    // would read as damage: a check that found problems while the commit changed under it is
    // made again on the new commit.
    for _ in 0..VERIFY_ATTEMPTS {
        let before = schema::commit_stamp(dir);
        let report = verify_once(dir, keep)?;
        if report.ok() || schema::commit_stamp(dir) == before {
            return Ok(report);
        }
    }
    Err(Error::Changing {
        path: dir.to_path_buf(),
    })
}

/// Checks made before giving up on an index that keeps changing while it is verified.
const VERIFY_ATTEMPTS: usize = 5;

/// One check of the index's last commit.
fn verify_once(dir: &Path, keep: bool) -> Result<Report> {
    let mut report = Report::default();
    let Some((index, fields, manifest, metas)) = open_checked(dir, &mut report)? else {
        return Ok(report);
    };
    let sound_files = check_files(dir, &metas, &mut report)?;
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
        match guarded(|| read_back(&index, &fields, dims, keep)) {
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
                if let (Some(list), Some(r)) =
                    (&list, manifest.as_ref().and_then(|m| m.files.as_ref()))
                {
                    check_sources(&mut report, list, &counts.by_source, &r.name);
                }
                report.document_list = counts.document_list;
            }
            Ok(Err(e)) => report.problem(None, format!("cannot read the index: {e}")),
            Err(panic) => report.problem(None, format!("cannot read the index: {panic}")),
        }
    }
    report.file_list = list;
    Ok(report)
}

/// Each file's documents and passages as the file list records them against what the index
/// holds of that file: a list that says a file is indexed when its documents are not would
/// let an update leave them out for good.
fn check_sources(
    report: &mut Report,
    list: &FileList,
    by_source: &std::collections::BTreeMap<String, (u64, u64)>,
    list_name: &str,
) {
    let file = Some(PathBuf::from(list_name));
    for (source, state) in &list.files {
        let (docs, passages) = by_source.get(source).copied().unwrap_or((0, 0));
        if docs != state.documents || passages != state.passages {
            report.problem(
                file.clone(),
                format!(
                    "the file list records {} documents and {} passages of {source}, the index \
                     holds {docs} and {passages}",
                    state.documents, state.passages
                ),
            );
        }
    }
    for (source, (docs, passages)) in by_source {
        if !list.files.contains_key(source) {
            report.problem(
                file.clone(),
                format!(
                    "the index holds {docs} documents and {passages} passages of {source}, \
                     which the file list does not name"
                ),
            );
        }
    }
}

/// Opens the index for reading and reads its schema, manifest and commit; each failure is a
/// problem in the report (`None`: nothing more can be checked).
#[allow(clippy::type_complexity)]
fn open_checked(
    dir: &Path,
    report: &mut Report,
) -> Result<Option<(Index, Fields, Option<Manifest>, tantivy::IndexMeta)>> {
    let meta = Some(PathBuf::from("meta.json"));
    // Read only: verifying never creates or changes a file of the index. Its files are read
    // with plain reads: mapped, every page read back would stay counted in the process.
    let directory = crate::directory::IndexDirectory::read_only(dir)?.unmapped(dir);
    let index = match guarded(|| Index::open(directory)) {
        Ok(Ok(index)) => index,
        Ok(Err(e)) => {
            let why =
                crate::error::damaged_meta(dir).unwrap_or_else(|| crate::error::tantivy_text(&e));
            report.problem(meta, format!("cannot open the index: {why}"));
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
fn check_files(dir: &Path, metas: &tantivy::IndexMeta, report: &mut Report) -> Result<bool> {
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
            match guarded(|| checksum_ok(&full)) {
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

/// Whether a segment file's body matches the CRC32 its footer records (tantivy's footer: JSON
/// `{"version":..,"crc":..}`, its length and a magic number, little-endian u32s). Read with
/// plain reads rather than through a map of the file, so checking a 2.7 GB index does not
/// hold 2.7 GB of mapped pages.
fn checksum_ok(path: &Path) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    const MAGIC: u32 = 1337;
    let invalid = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len < 8 {
        return Err(invalid("shorter than its footer"));
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::Start(len - 8))?;
    file.read_exact(&mut tail)?;
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    let magic = u32::from_le_bytes([tail[4], tail[5], tail[6], tail[7]]);
    if magic != MAGIC {
        return Err(invalid("no footer (magic number mismatch)"));
    }
    if footer_len > 50_000 || footer_len + 8 > len {
        return Err(invalid("footer length out of range"));
    }
    let body = len - 8 - footer_len;
    let mut footer = vec![0u8; footer_len as usize];
    file.seek(SeekFrom::Start(body))?;
    file.read_exact(&mut footer)?;
    let footer: serde_json::Value =
        serde_json::from_slice(&footer).map_err(|e| invalid(&format!("footer: {e}")))?;
    let Some(crc) = footer.get("crc").and_then(|c| c.as_u64()) else {
        return Err(invalid("footer without a checksum"));
    };
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = crc32fast::Hasher::new();
    let mut reader = file.take(body);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    if reader.limit() != 0 {
        return Err(invalid("shorter than it says"));
    }
    Ok(u64::from(hasher.finalize()) == crc)
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
    /// Documents (first passages) and passages of each source.
    by_source: std::collections::BTreeMap<String, (u64, u64)>,
    /// Every document's id and source, if asked for.
    document_list: Vec<(String, String)>,
}

/// Reads every live stored passage and the fast fields of each, checking that no passage of a
/// document appears twice. Segments are opened one at a time and closed before the next, and
/// passages are remembered by a 64-bit hash in a sorted vector (a hash seen twice is checked
/// again by its full key), so memory stays near one segment's whatever the index size.
fn read_back(index: &Index, fields: &Fields, dims: Option<usize>, keep: bool) -> Result<Counts> {
    let segments = index.searchable_segments()?;
    let mut doc_ords: Vec<u64> = Vec::new();
    let mut keys: Vec<u64> = Vec::new();
    let mut counts = Counts {
        documents: 0,
        passages: 0,
        vectors: 0,
        problems: Vec::new(),
        by_source: Default::default(),
        document_list: Vec::new(),
    };
    let key_of = |doc: &TantivyDocument| {
        let id = doc
            .get_first(fields.doc_id)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let passage = doc
            .get_first(fields.passage_id)
            .and_then(|v| v.as_u64())
            .unwrap_or(u64::MAX);
        let mut key = id.as_bytes().to_vec();
        key.extend_from_slice(&passage.to_le_bytes());
        key
    };
    for segment in &segments {
        let seg = tantivy::SegmentReader::open(segment)?;
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
            keys.push(xxhash_rust::xxh3::xxh3_64(&key_of(&doc)));
            let source = doc
                .get_first(fields.source)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let first = doc.get_first(fields.passage_id).and_then(|v| v.as_u64()) == Some(0);
            let entry = match counts.by_source.get_mut(source) {
                Some(e) => e,
                None => counts.by_source.entry(source.to_string()).or_default(),
            };
            entry.1 += 1;
            if first {
                entry.0 += 1;
                if keep {
                    let id = doc
                        .get_first(fields.doc_id)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default();
                    counts
                        .document_list
                        .push((id.to_string(), source.to_string()));
                }
            }
            // A document's passages are written together: one ord per run is enough.
            if let Some(ord) = ords.first(doc_id) {
                if doc_ords.last() != Some(&ord) {
                    doc_ords.push(ord);
                }
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
    doc_ords.sort_unstable();
    doc_ords.dedup();
    counts.documents = doc_ords.len() as u64;
    drop(doc_ords);
    // Hashes seen twice: read those passages again and compare their full keys.
    keys.sort_unstable();
    let twice: HashSet<u64> = keys
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    drop(keys);
    if !twice.is_empty() {
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        for segment in &segments {
            let seg = tantivy::SegmentReader::open(segment)?;
            let store = seg
                .get_store_reader(1)
                .map_err(|e| Error::Tantivy(e.into()))?;
            let alive = seg.alive_bitset();
            for doc_id in 0..seg.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc_id)) {
                    continue;
                }
                let Ok(doc) = store.get::<TantivyDocument>(doc_id) else {
                    continue;
                };
                let key = key_of(&doc);
                if twice.contains(&xxhash_rust::xxh3::xxh3_64(&key)) && !seen.insert(key.clone()) {
                    let (id, passage) = key.split_at(key.len() - 8);
                    let passage = u64::from_le_bytes(passage.try_into().unwrap_or([0xff; 8]));
                    counts.problems.push((
                        None,
                        format!(
                            "passage {passage} of document `{}` is in the index twice",
                            String::from_utf8_lossy(id)
                        ),
                    ));
                }
            }
        }
    }
    Ok(counts)
}

/// Runs `f`, turning a panic into its message.
fn guarded<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| crate::error::panic_message(&*payload))
}
