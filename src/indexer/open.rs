//! Opening an index for writing: checking the folder is one reel may write to, taking the
//! writer lock before anything changes, and creating or recreating the index under it.

use std::path::{Path, PathBuf};

use tantivy::directory::{Directory, DirectoryLock, MmapDirectory, INDEX_WRITER_LOCK};
use tantivy::{IndexWriter, Term};

use super::files;
use crate::error::{Error, Result};
use crate::schema::{self, Fields, Manifest};

/// What this run created, so that a run that ends with nothing to keep can take it away again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The index existed.
    Nothing,
    /// The index files, in a folder that existed (empty, or holding only placeholders).
    Index,
    /// The folder and the index in it.
    Folder,
}

/// An index opened for writing, with the writer lock held.
pub struct Writable {
    pub index: tantivy::Index,
    pub fields: Fields,
    pub writer: IndexWriter,
    /// The manifest this run starts from: the last commit's, or empty for a new or rebuilt index.
    pub manifest: Manifest,
    /// The file list the last commit names, if any (kept until the next commit).
    pub committed_list: Option<String>,
    /// True if the index starts empty (new or rebuilt).
    pub cleared: bool,
    /// What this run created.
    pub created: Created,
    /// Where the index being written is: the index folder, or the staging folder of a
    /// rebuild of an index this reel cannot open (see [`stage`]).
    pub work_dir: PathBuf,
    /// For a staged rebuild, the index folder's writer lock, held until the new index is
    /// swapped in.
    pub staging: Option<DirectoryLock>,
}

/// The folder inside an index folder where a rebuild of an index of another schema (or a
/// damaged one) builds the new index, so the old one stays whole until the new one's commit.
pub const STAGING: &str = ".reel-rebuild";

/// The file that marks a staging folder as reel's (its content says so), so only a folder
/// reel made is ever removed.
const STAGING_MARK: &str = "reel-staging";
const STAGING_MARK_TEXT: &str = "reel rebuild in progress\n";

/// Refuses an index folder that would mix the index with other files: a folder being indexed,
/// or an existing folder that is neither empty nor a reel index. Nothing is written before this
/// check passes.
pub fn check_target(dir: &Path, inputs: &[PathBuf]) -> Result<()> {
    if let Ok(index) = dir.canonicalize() {
        for input in inputs {
            if input.canonicalize().is_ok_and(|i| i == index) {
                return Err(Error::IndexIsInput {
                    path: dir.to_path_buf(),
                });
            }
        }
    }
    if schema::exists(dir) {
        if let Err(e) = std::fs::File::open(dir.join("meta.json")) {
            return Err(Error::from_io(&dir.join("meta.json"), dir, e, true));
        }
        if !schema::is_reel_index(dir) {
            return Err(Error::NotAnIndex {
                path: dir.to_path_buf(),
            });
        }
        return Ok(());
    }
    if dir.exists() && !dir.is_dir() {
        return Err(Error::IndexNotFolder {
            path: dir.to_path_buf(),
        });
    }
    if !files::is_empty_folder(dir)? {
        return Err(Error::NotAnIndex {
            path: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Opens or creates the index and takes its writer lock before changing anything, so that a
/// second writer fails at once and a rebuild never removes files under a running writer.
pub fn open_for_writing(
    dir: &Path,
    rebuild: bool,
    threads: usize,
    memory: usize,
) -> Result<Writable> {
    if schema::exists(dir) {
        // Every segment file must open: an update keeps the segments it does not touch, so it
        // must not build on a damaged one; a damaged index is rebuilt from nothing.
        let opened = schema::open(dir).and_then(|(index, fields, manifest)| match index.reader() {
            Ok(_) => Ok((index, fields, manifest)),
            Err(e) => Err(schema::open_error(dir, e)),
        });
        match opened {
            Ok((index, fields, manifest)) => {
                let writer = writer_of(&index, dir, threads, memory)?;
                // Read the manifest again under the lock: another writer may have committed.
                let committed = schema::read_manifest(&index, dir).unwrap_or(manifest);
                let committed_list = committed.files.as_ref().map(|r| r.name.clone());
                // A rebuild starts from nothing; the run deletes the old documents in its commit.
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
                    created: Created::Nothing,
                    work_dir: dir.to_path_buf(),
                    staging: None,
                });
            }
            Err(e @ (Error::Incompatible { .. } | Error::Damaged { .. })) if !rebuild => {
                return Err(e)
            }
            Err(Error::Incompatible { .. } | Error::Damaged { .. }) => {
                return stage(dir, threads, memory)
            }
            Err(e) => return Err(e),
        }
    }
    create(dir, rebuild, threads, memory)
}

/// A rebuild of an index this reel cannot update (another schema, damage): the new index is
/// built in [`STAGING`] inside the index folder, under the index folder's writer lock, and
/// [`swap_in`] replaces the old one at the end. Until then the old index stays as its last
/// commit left it: a rebuild that fails or is killed loses nothing.
fn stage(dir: &Path, threads: usize, memory: usize) -> Result<Writable> {
    let directory = MmapDirectory::open(dir).map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let lock = directory
        .acquire_lock(&INDEX_WRITER_LOCK)
        .map_err(|e| lock_error(tantivy::TantivyError::LockFailure(e, None), dir))?;
    let staging = dir.join(STAGING);
    // A killed rebuild's folder.
    remove_staging(&staging);
    if staging.exists() {
        return Err(Error::File {
            path: staging,
            message: "is in the way of a rebuild and is not reel's; move it elsewhere".into(),
        });
    }
    std::fs::create_dir(&staging).map_err(|source| Error::Io {
        path: staging.clone(),
        source,
    })?;
    std::fs::write(staging.join(STAGING_MARK), STAGING_MARK_TEXT).map_err(|source| Error::Io {
        path: staging.clone(),
        source,
    })?;
    let (index, fields) = schema::create(&staging)?;
    let writer = writer_of(&index, &staging, threads, memory)?;
    Ok(Writable {
        index,
        fields,
        writer,
        manifest: Manifest::default(),
        committed_list: None,
        cleared: true,
        created: Created::Nothing,
        work_dir: staging,
        staging: Some(lock),
    })
}

/// Moves the index committed in a staging folder into the index folder: its files first, then
/// tantivy's record of them, then the commit (`meta.json`, renamed over the old one: the moment
/// the new index is the index). A run killed before that leaves the old commit, and files the
/// next run removes as unused.
pub fn swap_in(dir: &Path, staging: &Path) -> Result<()> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let last = [files::MANAGED_FILE, files::META_FILE];
    for entry in std::fs::read_dir(staging).map_err(io(staging))? {
        let entry = entry.map_err(io(staging))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file
            || last.contains(&name.as_str())
            || name == STAGING_MARK
            || name.ends_with(".lock")
        {
            continue;
        }
        std::fs::rename(entry.path(), dir.join(&name)).map_err(io(&entry.path()))?;
    }
    crate::state::sync_dir(dir)?;
    for name in last {
        std::fs::rename(staging.join(name), dir.join(name)).map_err(io(&staging.join(name)))?;
        crate::state::sync_dir(dir)?;
    }
    remove_staging(staging);
    Ok(())
}

/// Removes a staging folder reel made (known by its mark) and everything in it.
pub fn remove_staging(staging: &Path) {
    let marked =
        std::fs::read_to_string(staging.join(STAGING_MARK)).is_ok_and(|t| t == STAGING_MARK_TEXT);
    if marked {
        let _ = std::fs::remove_dir_all(staging);
    }
}

/// A writer on the index, whose first operation is a delete that matches nothing.
///
/// A reopened writer gives its first operation the last commit's own opstamp, and a merge of
/// committed segments applies deletes up to that opstamp, saving them under the last commit's
/// manifest: the first delete of a run could land without its commit (found by the kill -9
/// trials). The no-op delete takes that opstamp.
pub(super) fn writer_of(
    index: &tantivy::Index,
    dir: &Path,
    threads: usize,
    memory: usize,
) -> Result<IndexWriter> {
    let writer = index
        .writer_with_num_threads(threads, memory)
        .map_err(|e| lock_error(e, dir))?;
    let fields = Fields::from_schema(&index.schema()).map_err(|reason| Error::Incompatible {
        path: dir.to_path_buf(),
        reason,
    })?;
    writer.delete_term(Term::from_field_u64(fields.doc_ord, u64::MAX));
    Ok(writer)
}

/// Creates a new index, or recreates one (`--rebuild` of a damaged or outdated index), holding
/// the writer lock while it does.
fn create(dir: &Path, rebuild: bool, threads: usize, memory: usize) -> Result<Writable> {
    let created_folder = !dir.exists();
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
            .map_err(|e| lock_error(tantivy::TantivyError::LockFailure(e, None), dir))?;
        if schema::exists(dir) && !rebuild {
            // Another run created it meanwhile.
            let (index, fields, _) = schema::open(dir)?;
            Err((index, fields))
        } else {
            if schema::exists(dir) {
                files::remove_index_files(dir)?;
            }
            Ok(schema::create(dir)?)
        }
    };
    let ((index, fields), cleared) = match created {
        Ok(created) => (created, true),
        Err(opened) => (opened, false),
    };
    let writer = writer_of(&index, dir, threads, memory)?;
    let manifest = if cleared {
        Manifest::default()
    } else {
        schema::read_manifest(&index, dir)?
    };
    let committed_list = manifest.files.as_ref().map(|r| r.name.clone());
    let created = match (cleared && !rebuild, created_folder) {
        (false, _) => Created::Nothing,
        (true, true) => Created::Folder,
        (true, false) => Created::Index,
    };
    Ok(Writable {
        index,
        fields,
        writer,
        manifest,
        committed_list,
        cleared,
        created,
        work_dir: dir.to_path_buf(),
        staging: None,
    })
}

/// Takes away an index this run created and did not commit to (a first run that found no
/// document): its files, and the folder if the run made it. Lock files go with the folder only.
pub fn undo_create(dir: &Path, created: Created) {
    match created {
        Created::Nothing => {}
        Created::Index => {
            let _ = files::remove_index_files(dir);
            for lock in [".tantivy-writer.lock", ".tantivy-meta.lock"] {
                let _ = std::fs::remove_file(dir.join(lock));
            }
        }
        Created::Folder => {
            let _ = files::remove_index_files(dir);
            for lock in [".tantivy-writer.lock", ".tantivy-meta.lock"] {
                let _ = std::fs::remove_file(dir.join(lock));
            }
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Deletes every document committed so far, as one operation of this run (applied at its commit).
///
/// Not tantivy's `delete_all_documents`: that drops the committed segments from the writer's
/// memory at once, and a merge of committed segments finishing meanwhile then saves a `meta.json`
/// holding only the merged segment under the last commit's manifest, an index at no commit
/// (found by the kill -9 trials: a killed `--rebuild` left an index missing a document).
pub fn delete_everything(writer: &IndexWriter) -> Result<()> {
    writer.delete_query(Box::new(tantivy::query::AllQuery))?;
    Ok(())
}

/// A failure to take the writer lock: another writer holds it, or the folder cannot be written.
fn lock_error(e: tantivy::TantivyError, dir: &Path) -> Error {
    match e {
        tantivy::TantivyError::LockFailure(tantivy::directory::error::LockError::LockBusy, _) => {
            Error::Locked {
                path: dir.to_path_buf(),
            }
        }
        other => match Error::from_tantivy(dir, other, true) {
            // Not damage: the lock file could not be made, for a reason the OS gave.
            Error::Damaged { reason, .. } => Error::Io {
                path: dir.to_path_buf(),
                source: std::io::Error::other(format!("cannot take the writer lock: {reason}")),
            },
            cause => cause,
        },
    }
}
