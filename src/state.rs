//! What an index holds per source file, so that `reel index` can update an index instead of
//! rebuilding it: each file's size and content hash, its documents and passages, and the metadata
//! types it gave.
//!
//! The list is written beside tantivy's files as `reel-files-<hash>.json` **before** the commit
//! whose manifest names it (with its hash), so the manifest and the list change together: a run
//! killed before its commit leaves a list nobody names, removed by the next run.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::schema::MetaType;

/// Prefix of the file-list files in an index folder.
const PREFIX: &str = "reel-files-";

/// How documents were read and cut: an index updated with other options is rebuilt instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    /// One passage per document.
    pub whole_documents: bool,
    /// `--id-field`.
    pub id_field: Option<String>,
    /// `--title-field`.
    pub title_field: Option<String>,
    /// `--text-field`, in order.
    pub text_fields: Vec<String>,
}

/// One source file as last indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// Size in bytes (as stored, compressed or not).
    pub size: u64,
    /// Content hash (XXH3, 128 bits, hex) of the bytes as stored.
    pub hash: String,
    /// Documents of this file in the index.
    pub documents: u64,
    /// Passages of this file in the index.
    pub passages: u64,
    /// Metadata fields this file gave, with their types.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, MetaType>,
}

/// Every source file of an index, by its `source` (the path as the user named it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileList {
    /// The options the files were read with.
    pub options: ReadOptions,
    /// The files.
    pub files: BTreeMap<String, FileState>,
}

/// Where the manifest finds the file list: its name in the index folder and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileListRef {
    /// File name inside the index folder.
    pub name: String,
    /// XXH3-128 of its content, hex.
    pub hash: String,
}

/// Size and content hash of a file, reading it once.
pub fn fingerprint(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, format!("{:032x}", hasher.digest128())))
}

fn hash_bytes(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

impl FileList {
    /// Writes the list into `dir` under a name derived from its content, syncs it to disk, and
    /// returns the reference the manifest keeps.
    pub fn write(&self, dir: &Path) -> Result<FileListRef> {
        let bytes = serde_json::to_vec(self).expect("a file list always serializes");
        let hash = hash_bytes(&bytes);
        let name = format!("{PREFIX}{hash}.json");
        let path = dir.join(&name);
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        // Written aside and renamed into place: the committed list may have this very name (a
        // run that gives the same list), and must never be seen half written.
        let temp = dir.join(format!("{name}.tmp"));
        let mut file = std::fs::File::create(&temp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&temp, &path).map_err(io)?;
        sync_dir(dir)?;
        Ok(FileListRef { name, hash })
    }

    /// Reads the list a manifest names, checking its hash.
    pub fn read(dir: &Path, r: &FileListRef) -> Result<FileList> {
        let path = dir.join(&r.name);
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let damaged = |reason: String| Error::Incompatible {
            path: path.clone(),
            reason,
        };
        if hash_bytes(&bytes) != r.hash {
            return Err(damaged(
                "file list damaged: its checksum does not match".into(),
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| damaged(format!("file list unreadable: {e}")))
    }
}

/// Removes what a killed run may have left in the index folder: file lists other than `keep`, and
/// temporary files of an interrupted atomic write. Call only while holding the writer lock.
pub fn remove_orphans(dir: &Path, keep: Option<&str>) -> Result<Vec<PathBuf>> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let orphan_list = name.starts_with(PREFIX) && Some(name.as_str()) != keep;
        let temp = name.starts_with(".tmp");
        if (orphan_list || temp) && entry.file_type().map_err(io)?.is_file() {
            std::fs::remove_file(entry.path()).map_err(io)?;
            removed.push(entry.path());
        }
    }
    Ok(removed)
}

/// Flushes a folder's entries (new, renamed and removed files) to disk.
pub fn sync_dir(dir: &Path) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::File::open(dir).map_err(io)?.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_back_and_a_damaged_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut list = FileList::default();
        list.files.insert(
            "corpus/a.txt".into(),
            FileState {
                size: 3,
                hash: "00".into(),
                documents: 1,
                passages: 2,
                metadata: BTreeMap::new(),
            },
        );
        let r = list.write(dir.path()).unwrap();
        assert_eq!(FileList::read(dir.path(), &r).unwrap(), list);
        let path = dir.path().join(&r.name);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[5] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert!(FileList::read(dir.path(), &r).is_err());
        std::fs::write(dir.path().join("reel-files-old.json"), "{}").unwrap();
        let removed = remove_orphans(dir.path(), Some(&r.name)).unwrap();
        assert_eq!(removed.len(), 1);
        assert!(path.exists());
    }

    #[test]
    fn fingerprint_changes_with_content_not_time() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "one").unwrap();
        let a = fingerprint(&p).unwrap();
        std::fs::write(&p, "one").unwrap();
        assert_eq!(fingerprint(&p).unwrap(), a);
        std::fs::write(&p, "two").unwrap();
        assert_ne!(fingerprint(&p).unwrap().1, a.1);
    }
}
