//! How reel opens an index folder, as tantivy's [`Directory`]: for reading only (no lock file,
//! every write refused), and with files read by plain reads rather than mapped.
//!
//! Readers of a shared index must not write to it: tantivy's readers take a lock file by
//! default, so an index on a read-only disk, or another user's, could not be searched. Long
//! passes over a large index (`verify`, a batch's postings, the merges of compaction) read
//! their files with `pread` into buffers that live as long as the bytes are used: through maps,
//! every page read stays counted in the process until the pass ends (1.4 GB for a batch of
//! 1,000 queries on 4.9 million passages, 488 MB for compacting them).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr,
};

use crate::error::{Error, Result};

/// An index folder: tantivy's memory-mapped directory, read-only or not, its files mapped or
/// read by plain reads.
#[derive(Debug, Clone)]
pub struct IndexDirectory {
    inner: MmapDirectory,
    /// The folder, when its files are read with plain reads (see [`IndexDirectory::unmapped`]).
    unmapped: Option<PathBuf>,
    read_only: bool,
}

impl IndexDirectory {
    /// The folder for reading only: no lock file is created, every write is refused. A commit
    /// that replaces files while a search opens them is handled by retrying the open.
    pub fn read_only(dir: &Path) -> Result<IndexDirectory> {
        Ok(IndexDirectory {
            inner: mmap(dir)?,
            unmapped: None,
            read_only: true,
        })
    }

    /// The folder for writing, as tantivy opens it (locks, writes, syncs).
    pub fn writable(dir: &Path) -> Result<IndexDirectory> {
        Ok(IndexDirectory {
            inner: mmap(dir)?,
            unmapped: None,
            read_only: false,
        })
    }

    /// The same folder with its files read by plain reads ([`read_file`]). Plain reads at an
    /// offset are Unix's; elsewhere the files stay mapped.
    pub fn unmapped(mut self, dir: &Path) -> IndexDirectory {
        if cfg!(unix) {
            self.unmapped = Some(dir.to_path_buf());
        }
        self
    }
}

fn mmap(dir: &Path) -> Result<MmapDirectory> {
    MmapDirectory::open(dir).map_err(|e| Error::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })
}

fn read_only_refusal() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        "this index is opened for reading only",
    )
}

/// A file read with `pread`, range by range.
#[derive(Debug)]
struct ReadFile {
    file: std::fs::File,
    len: usize,
}

impl tantivy::HasLen for ReadFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for ReadFile {
    fn read_bytes(&self, range: std::ops::Range<usize>) -> std::io::Result<OwnedBytes> {
        let end = range.end.min(self.len);
        let mut buf = vec![0u8; end.saturating_sub(range.start)];
        if !buf.is_empty() {
            #[cfg(unix)]
            std::os::unix::fs::FileExt::read_exact_at(&self.file, &mut buf, range.start as u64)?;
            #[cfg(not(unix))]
            {
                use std::io::{Read, Seek};
                let mut file = self.file.try_clone()?;
                file.seek(std::io::SeekFrom::Start(range.start as u64))?;
                file.read_exact(&mut buf)?;
            }
        }
        Ok(OwnedBytes::new(buf))
    }
}

/// The file `path` of the index folder `root`, read with plain reads.
fn read_file(root: &Path, path: &Path) -> std::result::Result<Arc<dyn FileHandle>, OpenReadError> {
    let file = std::fs::File::open(root.join(path)).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            OpenReadError::FileDoesNotExist(path.to_path_buf())
        } else {
            OpenReadError::wrap_io_error(e, path.to_path_buf())
        }
    })?;
    let len = file
        .metadata()
        .map_err(|e| OpenReadError::wrap_io_error(e, path.to_path_buf()))?
        .len() as usize;
    Ok(Arc::new(ReadFile { file, len }))
}

impl Directory for IndexDirectory {
    fn get_file_handle(
        &self,
        path: &Path,
    ) -> std::result::Result<Arc<dyn FileHandle>, OpenReadError> {
        match &self.unmapped {
            Some(root) => read_file(root, path),
            None => self.inner.get_file_handle(path),
        }
    }

    fn delete(&self, path: &Path) -> std::result::Result<(), DeleteError> {
        if self.read_only {
            return Err(DeleteError::IoError {
                io_error: Arc::new(read_only_refusal()),
                filepath: path.to_path_buf(),
            });
        }
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> std::result::Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> std::result::Result<WritePtr, OpenWriteError> {
        if self.read_only {
            return Err(OpenWriteError::wrap_io_error(
                read_only_refusal(),
                path.to_path_buf(),
            ));
        }
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> std::result::Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        if self.read_only {
            return Err(read_only_refusal());
        }
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> std::io::Result<()> {
        if self.read_only {
            return Ok(());
        }
        self.inner.sync_directory()
    }

    /// Readers lock against a writer's clean-up removing files they are about to open; reel
    /// retries the open instead, so a read-only folder needs no lock file.
    fn acquire_lock(&self, lock: &Lock) -> std::result::Result<DirectoryLock, LockError> {
        if self.read_only {
            return Ok(DirectoryLock::from(Box::new(())));
        }
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}
