//! Building and updating an index: walk the followed paths, hash each file, read the new and
//! changed ones into documents, cut passages, write them through tantivy's writer and commit once.
//!
//! An index that exists is updated, not rebuilt: a file whose content hash is unchanged is not
//! read again; a changed file's documents are deleted and re-added; a removed file's documents are
//! deleted. All of it lands in one commit that also carries the [`Manifest`] and names the new
//! [`FileList`], so the index on disk is always at a committed state: a run that fails or is
//! killed leaves the previous commit in place, and the next run removes what it left behind.
//!
//! The index remembers the paths it was built from (absolute and resolved, each with how its
//! files are read): a run with no path brings all of them up to date, a run with paths adds
//! them, `--forget` stops following one. After every run that succeeds it holds exactly one
//! document for each record of each readable file under the followed paths as they are now
//! (one per id: the first record in reading order holds it, see [`claims`]), plus the documents
//! of followed paths that are gone for now, and nothing else; a run that cannot establish that
//! leaves the last commit as it was.
//!
//! One file per job: [`open`] (checking the folder, the writer lock, creating, staging a
//! rebuild), [`changes`] (followed paths, what is on disk, what changed), [`pipeline`] (reading
//! and writing in threads), [`claims`] (duplicate ids in reading order), [`files`] (which files
//! of the folder are reel's), [`merge`] (merge policy), [`audit`] (the index against its files).

pub mod audit;
mod changes;
mod claims;
mod files;
mod merge;
mod open;
mod pipeline;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::Term;

pub use crate::corpus::Progress;
pub use changes::DEFAULT_CORPUS;
pub use merge::BoundedMergePolicy;

use crate::corpus::{self, records::Roles};
use crate::error::{Error, Result};
use crate::paths;
use crate::schema::{self, Manifest};
use crate::state::{self, FileList, FileState, Followed, ReadFlags, ReadOptions, ReadSettings};
use changes::Changes;
use claims::Existing;
use open::Writable;
use pipeline::record_type;

/// Default memory budget of tantivy's writer, shared by its threads. Big enough that a 100k-review
/// corpus is written in few segments, small enough to stay far below the machine's memory.
pub const DEFAULT_MEMORY_BYTES: usize = 128 * 1024 * 1024;

/// Smallest budget tantivy accepts per writer thread.
pub const MIN_MEMORY_PER_THREAD: usize = 15 * 1024 * 1024;

/// What to index and where.
#[derive(Clone)]
pub struct IndexOptions {
    /// Files and folders to add to the ones the index follows, as given (relative to
    /// [`IndexOptions::cwd`]); none: update those it follows, or read [`DEFAULT_CORPUS`] for a
    /// new index.
    pub paths: Vec<PathBuf>,
    /// Followed paths to stop following (their documents are removed).
    pub forget: Vec<PathBuf>,
    /// The index folder.
    pub index_dir: PathBuf,
    /// The folder paths given are relative to and messages are shown from (default: the
    /// process's current folder).
    pub cwd: Option<PathBuf>,
    /// Start from an empty index even if one exists (needed after a schema change).
    pub rebuild: bool,
    /// Threads: tantivy's writer threads, and as many workers parsing records and cutting
    /// passages.
    pub threads: usize,
    /// Writer memory budget in bytes, shared by the writer threads.
    pub memory_bytes: usize,
    /// Read settings given (field roles, whole documents): for the paths given, or every
    /// followed path when none is given; remembered per path.
    pub read: ReadFlags,
    /// Where progress goes, if anywhere.
    pub progress: Option<Arc<dyn Progress>>,
    /// Embed every passage with this model (a semantic index).
    pub model: Option<Arc<crate::embed::Model>>,
}

impl IndexOptions {
    /// Options to index `paths` into `index_dir` with the defaults.
    pub fn new(paths: Vec<PathBuf>, index_dir: PathBuf) -> Self {
        IndexOptions {
            paths,
            forget: Vec::new(),
            index_dir,
            cwd: None,
            rebuild: false,
            threads: 1,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            read: ReadFlags::default(),
            progress: None,
            model: None,
        }
    }

    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            semantic: self.model.as_ref().map(|m| m.fingerprint.clone()),
            legacy: ReadSettings::default(),
        }
    }

    /// What the manifest records of the vectors.
    fn semantic(&self) -> Option<schema::Semantic> {
        self.model.as_ref().map(|m| schema::Semantic {
            model: m.fingerprint.clone(),
            model_name: m.name(),
            dims: m.dims(),
        })
    }
}

/// The field roles of a path's read settings (`-` as the id: no id column).
pub fn roles_of(read: &ReadSettings) -> Roles {
    Roles {
        id: read.id_field.clone(),
        title: read.title_field.clone(),
        text: read.text_fields.clone(),
    }
}

/// The model folder the index in `dir` remembers embedding with, if it is a semantic index
/// whose record can be read.
pub fn remembered_model(dir: &Path) -> Option<PathBuf> {
    FileList::recover(dir)?.model
}

/// The semantic settings of the index in `dir` (its last commit), if it is a semantic index.
pub fn semantic_of(dir: &std::path::Path) -> Option<schema::Semantic> {
    schema::semantic_of(dir)
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
    /// Unchanged files read again (their id or read settings changed, or a record of theirs
    /// may take over an id another file's record held).
    pub reread: u64,
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
    /// Inputs passed over (unreadable, binary, empty) and records skipped.
    pub skipped: u64,
    /// Files of types reel does not read, by extension (`.docx`), with counts.
    pub unsupported: Vec<(String, usize)>,
    /// Those files.
    pub unsupported_files: Vec<PathBuf>,
    /// The paths the index follows after the run, as shown from the current folder.
    pub followed: Vec<PathBuf>,
    /// Followed paths that are missing (their documents were kept), as shown.
    pub missing: Vec<PathBuf>,
    /// Records in the index's files not indexed because an earlier record holds their id.
    pub shadowed: u64,
    /// Bytes of input read (as stored on disk).
    pub bytes: u64,
    /// Those bytes decompressed (the same for files that are not compressed).
    pub bytes_decoded: u64,
    /// True if the run committed (false when there was nothing to do).
    pub committed: bool,
    /// Wall time.
    pub elapsed: Duration,
    /// Passages embedded by this run (a semantic index).
    pub embedded: u64,
    /// Tokens the model read for them.
    pub embedded_tokens: u64,
    /// The model, by folder name (a semantic index).
    pub model: Option<String>,
}

/// Indexes into `opts.index_dir`: creates the index, or updates it to match the paths it
/// follows, in one commit. Problems with single inputs are passed to `warn` and counted; the run
/// goes on.
///
/// The calling thread reads and decompresses the inputs (and parses CSV); `threads` workers
/// parse JSON, cut passages and hand documents to tantivy's writer, whose own `threads`
/// threads build the segments. Memory stays bounded: the queue between them holds at most
/// `QUEUE_PER_WORKER` batches per worker, and the writer flushes at its memory budget.
pub fn run(opts: &IndexOptions, warn: &mut dyn FnMut(&Error)) -> Result<IndexStats> {
    let started = Instant::now();
    let dir = &opts.index_dir;
    few_allocator_arenas();
    let cwd = opts
        .cwd
        .clone()
        .or_else(paths::current_dir)
        .unwrap_or_else(|| PathBuf::from("/"));
    // Nothing is written before the paths and the index folder are known to be good.
    let given = changes::resolve_given(&opts.paths, &cwd)?;
    let given_paths: Vec<PathBuf> = given.iter().map(|g| g.path.clone()).collect();
    open::check_target(dir, &given_paths)?;
    let threads = opts.threads.max(1);
    let memory = opts.memory_bytes.max(threads * MIN_MEMORY_PER_THREAD);
    let mut w = open::open_for_writing(dir, opts.rebuild, threads, memory)
        .map_err(|e| writing_error(dir, e, None))?;
    let index = w.index.clone();
    let committed_list = w.committed_list.clone();
    // tantivy's record of its files as the last commit left it: a failed run puts it back.
    let managed_before = std::fs::read(dir.join(files::MANAGED_FILE)).ok();
    let run = Run {
        opts,
        cwd: &cwd,
        given,
    };
    let (e, created, staged) = match run.update(&mut w, warn) {
        Err(e) => {
            let created = w.created;
            let staged = w.staging.is_some().then(|| w.work_dir.clone());
            // The writer and its lock go first: its threads stop, the lock is free to clean up.
            drop(w);
            (e, created, staged)
        }
        Ok(Outcome::Unchanged(mut stats)) => {
            // Nothing to index; a compaction an earlier run did not finish (killed, or a full
            // disk) is done now.
            drop(w);
            if matches!(merge::compact(&index, dir, threads), Ok(n) if n > 0) {
                if let Some(list) = &committed_list {
                    files::clean_up_after(dir, &index, list)?;
                }
            }
            files::follow_umask(dir);
            stats.elapsed = started.elapsed();
            return Ok(stats);
        }
        Ok(Outcome::Commit(list, mut stats)) => {
            let created = w.created;
            let staged = w.staging.is_some().then(|| w.work_dir.clone());
            match commit(dir, w, &list, opts.semantic(), threads, &mut stats) {
                Ok(()) => {
                    stats.elapsed = started.elapsed();
                    return Ok(stats);
                }
                Err(e) => (e, created, staged),
            }
        }
    };
    // Nothing was committed: the index is at its last commit. Say why in the user's words, then
    // give back what the run wrote (the space a full disk needs), or an index it created.
    if let Some(staging) = staged {
        // A rebuild of an index of another schema wrote only into its staging folder.
        let written = dir_bytes(&staging);
        open::remove_staging(&staging);
        return Err(writing_error(dir, e, Some(written)));
    }
    let written = files::uncommitted_bytes(dir, &index);
    let e = writing_error(dir, e, Some(written));
    match created {
        open::Created::Nothing => {
            let _ = files::clean_up_after(dir, &index, committed_list.as_deref().unwrap_or(""));
            if let Some(bytes) = managed_before {
                files::restore(dir, files::MANAGED_FILE, &bytes);
            }
            files::follow_umask(dir);
        }
        created => open::undo_create(dir, created),
    }
    Err(e)
}

/// Bytes of the files in a folder (what a failed rebuild wrote into its staging folder).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Caps glibc's allocator at two arenas for the rest of the process. By default it makes up to
/// eight per core, one per thread as they contend, and each keeps the memory freed in it: the
/// run's reader, workers and tantivy's writer and merge threads then held 285 MB at the end
/// of 1.6 million reviews, against 257 MB with two arenas, for a run 2% slower at most.
fn few_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a setting of the allocator; it has no preconditions.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// An error of a writing run, by its cause: no space, read-only, no permission (with what the
/// run had written when the disk filled), or as it was.
fn writing_error(dir: &std::path::Path, e: Error, written: Option<u64>) -> Error {
    let e = match e {
        Error::Tantivy(t) => Error::from_tantivy(dir, t, true),
        Error::Io { path, source } => Error::from_io(&path, dir, source, true),
        other => other,
    };
    match e {
        Error::NoSpace { path, .. } => Error::NoSpace {
            path,
            needed: written.filter(|&n| n > 0),
        },
        Error::PermissionDenied { path, .. } => Error::PermissionDenied {
            path,
            doing: "writing",
        },
        other => other,
    }
}

/// How a run ends before its commit.
enum Outcome {
    /// Nothing changed: no commit.
    Unchanged(IndexStats),
    /// Commit this file list.
    Commit(FileList, IndexStats),
}

/// One run: its options, the folder paths are relative to, the paths given (resolved).
struct Run<'a> {
    opts: &'a IndexOptions,
    cwd: &'a Path,
    given: Vec<changes::Given>,
}

/// What the last commit holds, as this run starts from it.
struct Previous {
    /// The files this run compares with (empty when it re-reads everything).
    list: FileList,
    /// The paths it followed (`None` for a new index).
    followed: Option<Vec<Followed>>,
}

impl Run<'_> {
    fn shown(&self, p: &Path) -> PathBuf {
        paths::shown(p, Some(self.cwd))
    }

    /// The run itself, with the index open for writing: clean up, plan, read and write.
    fn update(&self, w: &mut Writable, warn: &mut dyn FnMut(&Error)) -> Result<Outcome> {
        let opts = self.opts;
        let dir = &opts.index_dir;
        let work = w.work_dir.clone();
        w.writer.set_merge_policy(Box::new(BoundedMergePolicy));
        // What a killed run left: tantivy's unreferenced segment files, our unreferenced file
        // lists (the committed one stays, even for a rebuild: it is the last commit's until the
        // next).
        let _ = w.writer.garbage_collect_files().wait();
        files::remove_unused_segment_files(&work, &w.index)?;
        files::remove_orphans(&work, w.committed_list.as_deref())?;

        if !w.cleared {
            if let Some(message) = w.manifest.analyzer_warning() {
                warn(&Error::File {
                    path: dir.clone(),
                    message,
                });
            }
        }
        let previous = self.previous(w, warn)?;
        let followed = self.followed_now(&previous, warn)?;

        // Walk what is followed; a followed path that is gone keeps its documents.
        let mut stats = IndexStats {
            followed: followed.iter().map(|f| self.shown(&f.path)).collect(),
            ..IndexStats::default()
        };
        let on_missing = if previous.followed.is_none() {
            changes::OnMissing::First
        } else if opts.rebuild || w.cleared {
            changes::OnMissing::Reread
        } else {
            changes::OnMissing::Keep
        };
        let changes::Survey { inputs, missing } = changes::survey(
            &followed,
            &previous.list.files,
            dir,
            self.cwd,
            on_missing,
            warn,
        )?;
        stats.missing = missing
            .iter()
            .map(|&i| self.shown(&followed[i].path))
            .collect();
        stats.skipped += inputs.report_skipped(warn);
        stats.unsupported = inputs.unsupported_by_type();
        stats.unsupported_files = inputs.unsupported.clone();

        let plan = changes::plan(&inputs, &previous.list, &followed, &missing, warn);
        stats.added = plan.added;
        stats.changed = plan.changed;
        stats.unchanged = plan.unchanged;
        stats.reread = plan.reread;
        stats.removed = plan.removed.len() as u64;
        stats.skipped += plan.unreadable;
        let model = opts
            .model
            .as_ref()
            .map(|m| m.dir.canonicalize().unwrap_or_else(|_| m.dir.clone()));
        let list_changed = w.cleared
            || previous.list.followed != followed
            || previous.list.model != model
            || previous.list.options != opts.read_options();
        if plan.to_read.is_empty() && plan.removed.is_empty() && !list_changed {
            stats.total_documents = w.manifest.documents;
            stats.total_passages = w.manifest.passages;
            stats.shadowed = previous.list.shadowed();
            if stats.total_documents == 0 && opts.forget.is_empty() {
                warn(&self.emptied(self.no_documents(&followed, &stats, &previous.list)));
            }
            return Ok(Outcome::Unchanged(stats));
        }
        let ranks = changes::reading_ranks(&inputs, &previous.list.files, &followed, &missing);
        let mut list = self.read_and_write(w, &plan, &ranks, &mut stats, warn)?;
        list.followed = followed;
        list.model = model;
        stats.shadowed = list.shadowed();
        if stats.total_documents == 0 && opts.forget.is_empty() {
            // A first build or a rebuild that finds nothing was most likely given the wrong
            // path: the index stays as it was. An update whose files have all gone commits
            // that, so the index holds what its paths hold: nothing.
            let e = self.no_documents(&list.followed, &stats, &list);
            if previous.followed.is_none() || opts.rebuild {
                return Err(e);
            }
            warn(&self.emptied(e));
        }
        Ok(Outcome::Commit(list, stats))
    }

    /// What this run follows: the paths followed before, with the paths given added (a new
    /// index given none follows ./corpus) and those forgotten left out, each with its read
    /// settings; a path whose settings changed is reported, as re-read.
    fn followed_now(
        &self,
        previous: &Previous,
        warn: &mut dyn FnMut(&Error),
    ) -> Result<Vec<Followed>> {
        let opts = self.opts;
        let dir = &opts.index_dir;
        // A new index with no path reads ./corpus.
        let mut given = self.given.clone();
        if previous.followed.is_none() && given.is_empty() && opts.forget.is_empty() {
            given = changes::resolve_given(&[PathBuf::from(DEFAULT_CORPUS)], self.cwd)?;
        }
        let forget: Vec<PathBuf> = opts
            .forget
            .iter()
            .map(|p| paths::absolute(p, self.cwd))
            .collect();
        let (followed, forget_warnings) = changes::followed(
            previous.followed.as_deref(),
            &given,
            &forget,
            opts.rebuild,
            &opts.read,
            Some(self.cwd),
        );
        for message in forget_warnings {
            warn(&Error::File {
                path: dir.clone(),
                message,
            });
        }
        for f in &followed {
            let before = previous
                .followed
                .iter()
                .flatten()
                .find(|p| p.path == f.path);
            if let Some(before) = before.filter(|b| b.read != f.read) {
                let flags = |r: &ReadSettings| match r.flags() {
                    f if f.is_empty() => "the defaults".to_string(),
                    f => f,
                };
                warn(&Error::File {
                    path: self.shown(&f.path),
                    message: format!(
                        "read settings changed ({} -> {}); re-reading its files",
                        flags(&before.read),
                        flags(&f.read)
                    ),
                });
            }
        }
        // Forgetting the last followed path empties the index; otherwise a run needs a path.
        let emptied = followed.is_empty() && !opts.forget.is_empty() && previous.followed.is_some();
        if followed.is_empty() && !emptied {
            return Err(Error::NothingFollowed { path: dir.clone() });
        }
        Ok(followed)
    }

    /// The warning of an update whose paths hold no document now.
    fn emptied(&self, e: Error) -> Error {
        let found = match e {
            Error::NoDocuments { paths, found } => format!("{paths}: {found}"),
            other => other.to_string(),
        };
        Error::File {
            path: self.opts.index_dir.clone(),
            message: format!(
                "the followed paths hold no document now ({found}); the index is empty until \
                 they do (or `reel index PATH` adds another)"
            ),
        }
    }

    /// The error (or, for an update, the warning) of a run whose paths hold no document: what
    /// was found instead.
    fn no_documents(&self, followed: &[Followed], stats: &IndexStats, list: &FileList) -> Error {
        let shown: Vec<PathBuf> = followed.iter().map(|f| f.path.clone()).collect();
        let shadowed = list.shadowed();
        let found = if shadowed > 0 {
            format!(
                "{shadowed} record{} whose ids other records hold",
                if shadowed == 1 { "" } else { "s" }
            )
        } else {
            nothing_found(&stats.unsupported)
        };
        Error::NoDocuments {
            paths: changes::shown(&shown, Some(self.cwd)),
            found,
        }
    }

    /// The file list of the last commit (empty when the run starts from nothing, or re-indexes
    /// every file because the model differs), and the paths it followed (`None` for a new
    /// index), resolved.
    fn previous(&self, w: &mut Writable, warn: &mut dyn FnMut(&Error)) -> Result<Previous> {
        let opts = self.opts;
        let dir = &opts.index_dir;
        let unreadable = |reason: String| Error::FollowedUnreadable {
            path: dir.clone(),
            reason,
        };
        let committed = match &w.manifest.files {
            Some(r) if w.staging.is_none() => match FileList::read(&w.work_dir, r) {
                Ok(list) => Some(list),
                // A rebuild with paths needs nothing of the old record.
                Err(_) if opts.rebuild && !self.given.is_empty() => None,
                Err(Error::Incompatible { reason, .. }) => return Err(unreadable(reason)),
                Err(e) => return Err(e),
            },
            _ => None,
        };
        // A rebuild re-reads what the index followed, read from its own record whatever the
        // state of its last commit (another schema, a damaged meta.json).
        let committed = match committed {
            None if opts.rebuild => FileList::recover(dir),
            c => c,
        };
        let had_index = committed.is_some() || w.committed_list.is_some() || w.staging.is_some();
        if opts.rebuild && self.given.is_empty() && committed.is_none() && had_index {
            return Err(unreadable("no file list of it can be read".into()));
        }
        let previous_followed = match &committed {
            Some(c) => Some(
                c.followed
                    .iter()
                    .map(|f| changes::resolve_legacy(f, self.cwd, dir))
                    .collect::<Result<Vec<_>>>()?,
            ),
            None => None,
        };
        let mut old = match committed {
            Some(list) if !w.cleared => list,
            _ => FileList::default(),
        };
        let options = opts.read_options();
        if !w.cleared
            && old.options.semantic != options.semantic
            && (!old.files.is_empty() || w.manifest.documents > 0)
        {
            let message = match (&old.options.semantic, &options.semantic) {
                (None, Some(_)) => "re-indexing every file to embed its passages (semantic)",
                (Some(_), None) => "re-indexing every file without vectors (not semantic)",
                _ => "re-indexing every file to embed its passages with this model",
            };
            warn(&Error::File {
                path: dir.clone(),
                message: message.into(),
            });
            w.cleared = true;
        }
        if w.cleared || (w.manifest.files.is_none() && w.manifest.documents > 0) {
            if w.staging.is_none() {
                open::delete_everything(&w.writer)?;
            }
            old = FileList::default();
            w.cleared = true;
        }
        Ok(Previous {
            list: old,
            followed: previous_followed,
        })
    }

    /// Deletes what goes, reads what is new or changed through the pipeline, and returns the
    /// file list of the commit to come (stats are filled in on the way; the caller sets what it
    /// follows).
    fn read_and_write(
        &self,
        w: &mut Writable,
        plan: &Changes,
        ranks: &HashMap<String, u32>,
        stats: &mut IndexStats,
        warn: &mut dyn FnMut(&Error),
    ) -> Result<FileList> {
        let opts = self.opts;
        let fields = w.fields;
        // Deletes come before the adds, so they do not touch the documents added by this run.
        let replaced: Vec<&String> = plan
            .removed
            .iter()
            .chain(plan.to_read.iter().map(|f| &f.source))
            .collect();
        for source in &replaced {
            w.writer
                .delete_term(Term::from_field_text(fields.source, source));
        }
        // Ids held by files that stay as they are, for the duplicate check.
        let existing = if plan.kept.values().any(|f| f.documents > 0) {
            let replaced: HashSet<&str> = replaced.iter().map(|s| s.as_str()).collect();
            let kept_ranks = plan
                .kept
                .keys()
                .map(|s| {
                    let rank = ranks.get(s).copied().unwrap_or(0);
                    (s.clone(), (rank, paths::shown_str(s, Some(self.cwd))))
                })
                .collect();
            Some(Existing::open(&w.index, &fields, &replaced, kept_ranks)?)
        } else {
            None
        };
        let to_read = &plan.to_read;
        let outcome = pipeline::run(
            pipeline::Input {
                writer: &w.writer,
                fields: &fields,
                threads: opts.threads.max(1),
                progress: opts.progress.as_deref(),
                next_ord: w.manifest.next_doc_ord,
                files: to_read,
                ranks: to_read
                    .iter()
                    .map(|f| ranks.get(&f.source).copied().unwrap_or(u32::MAX))
                    .collect(),
                existing,
                model: opts.model.as_deref(),
            },
            warn,
        )?;
        // Duplicates found after both were added, and documents of files that stay whose id an
        // earlier record took: they go. These deletes come after every add of the run, so they
        // reach the documents they name.
        for ord in &outcome.losers {
            w.writer
                .delete_term(Term::from_field_u64(fields.doc_ord, *ord));
        }
        let mut list = FileList {
            options: opts.read_options(),
            files: plan.kept.clone(),
            followed: Vec::new(),
            model: None,
        };
        for (source, passages) in &outcome.existing_losers {
            if let Some(f) = list.files.get_mut(source) {
                f.documents = f.documents.saturating_sub(1);
                f.passages = f.passages.saturating_sub(*passages);
                f.shadowed += 1;
                f.shadowed_across += 1;
            }
        }
        for (file, made) in to_read.iter().zip(outcome.files) {
            // A file read to its end, or cut short after some documents, counts as read.
            if made.read_whole || made.documents > 0 {
                stats.files += 1;
            }
            stats.documents += made.documents;
            stats.passages += made.passages;
            // An I/O failure is tried again next run; a file that cannot be indexed (binary,
            // empty) is remembered so the next run does not read it again.
            if made.unreadable && made.documents == 0 {
                continue;
            }
            list.files.insert(
                file.source.clone(),
                FileState {
                    stat: file.stat,
                    size: file.size,
                    hash: file.hash.clone(),
                    documents: made.documents,
                    passages: made.passages,
                    metadata: made.types,
                    numeric: made.numeric,
                    misfits: made.misfits,
                    id: file.input.id.clone(),
                    read: file.read.clone(),
                    shadowed: made.shadowed,
                    shadowed_across: made.shadowed_across,
                },
            );
        }
        stats.skipped += outcome.skipped;
        stats.embedded = outcome.embedded;
        stats.embedded_tokens = outcome.embedded_tokens;
        stats.model = opts.semantic().map(|s| s.model_name);
        stats.bytes = to_read.iter().map(|f| f.size).sum();
        stats.bytes_decoded = outcome.bytes_decoded;
        w.manifest.next_doc_ord = outcome.next_ord;
        stats.total_documents = list.files.values().map(|f| f.documents).sum();
        stats.total_passages = list.files.values().map(|f| f.passages).sum();
        Ok(list)
    }
}

/// Why a run found no document: no readable file of a type reel reads, naming the types of the
/// files it skipped (`.zip (1)`) and the ones it reads.
fn nothing_found(unsupported: &[(String, usize)]) -> String {
    if unsupported.is_empty() {
        return "no readable file of a supported type".into();
    }
    let kinds: Vec<String> = unsupported
        .iter()
        .map(|(ext, n)| format!("{ext} ({n})"))
        .collect();
    format!(
        "only files of types reel does not read: {}; it reads {}",
        kinds.join(", "),
        corpus::SUPPORTED
    )
}

/// Writes the file list, then commits with the manifest naming it, then cleans up. A rebuild of
/// an index of another schema commits in its staging folder and then swaps that index in.
fn commit(
    dir: &std::path::Path,
    w: Writable,
    list: &FileList,
    semantic: Option<schema::Semantic>,
    threads: usize,
    stats: &mut IndexStats,
) -> Result<()> {
    let Writable {
        index,
        mut writer,
        manifest: started_from,
        cleared,
        work_dir,
        staging,
        ..
    } = w;
    // Documents kept from before keep their stems: an update does not hide that the index
    // holds stems of another analyzer; a rebuild (everything re-read) does.
    let analyzer = match (cleared, started_from.analyzer.clone()) {
        (false, Some(before)) => before,
        _ => crate::analyzer::fingerprint(),
    };
    let mut manifest = Manifest {
        schema_version: schema::SCHEMA_VERSION,
        next_doc_ord: started_from.next_doc_ord,
        analyzer: Some(analyzer),
        semantic,
        ..Manifest::default()
    };
    for f in list.files.values() {
        manifest.documents += f.documents;
        manifest.passages += f.passages;
        for (key, ty) in &f.metadata {
            record_type(&mut manifest.metadata_fields, key.clone(), *ty);
        }
        for (key, ty) in &f.numeric {
            record_type(&mut manifest.numeric_fields, key.clone(), *ty);
        }
        manifest.misfit_fields.extend(f.misfits.iter().cloned());
    }
    let list_ref = list.write(&work_dir)?;
    manifest.files = Some(list_ref.clone());
    let payload = serde_json::to_string(&manifest).expect("a manifest always serializes");
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    state::sync_dir(&work_dir)?;
    writer.wait_merging_threads()?;
    let index = match staging {
        Some(lock) => {
            drop(index);
            open::swap_in(dir, &work_dir)?;
            let (index, _, _) = schema::open(dir)?;
            // The old index's files go, under the lock held since the run began.
            files::remove_unused_segment_files(dir, &index)?;
            files::remove_orphans(dir, Some(&list_ref.name))?;
            state::sync_dir(dir)?;
            drop(lock);
            index
        }
        None => index,
    };
    // The commit stands whatever happens here: a merge that fails (a full disk) leaves the
    // index at its last commit, and the next run tries again.
    let _ = merge::compact(&index, dir, threads);
    // Clean up under the lock again, unless another run took it meanwhile (its own start cleans
    // up): tantivy's clean-up can miss files of segments that were merged away (the kill trials
    // found them after complete runs).
    files::clean_up_after(dir, &index, &list_ref.name)?;
    files::follow_umask(dir);
    stats.committed = true;
    stats.total_documents = manifest.documents;
    stats.total_passages = manifest.passages;
    Ok(())
}
