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
use crate::meta::MetaType;

/// Prefix of the file-list files in an index folder.
const PREFIX: &str = "reel-files-";

/// How every file list starts (its first field), to know a half-written one.
const LIST_START: &[u8] = b"{\"options\":";

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
    /// The fingerprint of the model passages are embedded with (a semantic index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic: Option<String>,
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
    /// What `stat` said of the file when it was hashed, if it had then been still for a while
    /// (see [`StatKey`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<StatKey>,
}

/// What `stat` says of a file: device, inode, and the times of its last change of content and
/// of its inode, to the nanosecond. Any write changes the inode's change time, which no user can
/// set, so a file whose key and size are as they were is not read again: an unchanged re-run of
/// 2.4 GB out of the page cache took 6 s to hash it all. A touched file (same content, new key)
/// is hashed, and found unchanged by its hash. A key is recorded only for a file last changed
/// [`SETTLED_SECS`] or more before it was read, so a write in the same clock tick as the read
/// cannot go unseen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatKey {
    dev: u64,
    ino: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

/// How long a file must have been left alone before its [`StatKey`] is trusted.
pub const SETTLED_SECS: i64 = 2;

impl StatKey {
    /// The key of a file's metadata.
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<StatKey> {
        use std::os::unix::fs::MetadataExt;
        Some(StatKey {
            dev: meta.dev(),
            ino: meta.ino(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// No key where the platform has no inode change time: every file is hashed.
    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<StatKey> {
        None
    }

    /// The key, if the file was last changed long enough before `now` (seconds since the
    /// epoch) to be recorded.
    pub fn settled(self, now: i64) -> Option<StatKey> {
        let last = self.mtime.0.max(self.ctime.0);
        (now - last >= SETTLED_SECS).then_some(self)
    }
}

/// Every source file of an index, by its `source` (the path as the user named it), and the paths
/// the index follows (a plain `reel index` brings them all up to date).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileList {
    /// The options the files were read with.
    pub options: ReadOptions,
    /// The files.
    pub files: BTreeMap<String, FileState>,
    /// The files and folders the index was built from, as given (relative to where reel runs),
    /// in the order they were first given.
    #[serde(default, with = "paths")]
    pub followed: Vec<PathBuf>,
}

/// Paths in JSON: a string when the path is UTF-8, else its bytes (a name need not be UTF-8).
mod paths {
    use std::path::PathBuf;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Text(String),
        Bytes(Vec<u8>),
    }

    pub fn serialize<S: Serializer>(paths: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
        use std::os::unix::ffi::OsStrExt;
        let stored: Vec<Stored> = paths
            .iter()
            .map(|p| match p.to_str() {
                Some(t) => Stored::Text(t.to_string()),
                None => Stored::Bytes(p.as_os_str().as_bytes().to_vec()),
            })
            .collect();
        stored.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
        use std::os::unix::ffi::OsStrExt;
        let stored = Vec::<Stored>::deserialize(d)?;
        Ok(stored
            .into_iter()
            .map(|s| match s {
                Stored::Text(t) => PathBuf::from(t),
                Stored::Bytes(b) => PathBuf::from(std::ffi::OsStr::from_bytes(&b)),
            })
            .collect())
    }
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
        let io = |source| Error::from_io(&path, dir, source, true);
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
        let bytes =
            std::fs::read(&path).map_err(|source| Error::from_io(&path, dir, source, false))?;
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

/// True for a file list of reel's other than `keep` (by name and by content: a complete list,
/// or the start of one a killed run was writing), which a run may remove.
pub fn is_orphan_list(path: &Path, name: &str, keep: Option<&str>) -> bool {
    if Some(name) == keep {
        return false;
    }
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let (hash, temp) = match rest.strip_suffix(".json.tmp") {
        Some(h) => (h, true),
        None => match rest.strip_suffix(".json") {
            Some(h) => (h, false),
            None => return false,
        },
    };
    if hash.len() != 32 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    if temp {
        bytes.is_empty() || bytes.starts_with(LIST_START)
    } else {
        serde_json::from_slice::<FileList>(&bytes).is_ok()
    }
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
                stat: None,
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
        // Another complete list is an orphan; the committed one and a look-alike are not.
        let other = FileList::default().write(dir.path()).unwrap();
        let other_path = dir.path().join(&other.name);
        assert!(is_orphan_list(&other_path, &other.name, Some(&r.name)));
        assert!(!is_orphan_list(&path, &r.name, Some(&r.name)));
        std::fs::write(dir.path().join("reel-files-old.json"), "{}").unwrap();
        let lookalike = dir.path().join("reel-files-old.json");
        assert!(!is_orphan_list(&lookalike, "reel-files-old.json", None));
        let fake = format!("{PREFIX}{}.json", "0".repeat(32));
        std::fs::write(dir.path().join(&fake), "not a list").unwrap();
        assert!(!is_orphan_list(&dir.path().join(&fake), &fake, None));
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
