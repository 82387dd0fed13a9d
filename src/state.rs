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

/// What holds for the whole index: the model its passages are embedded with. An index updated
/// with another model is re-embedded whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    /// The fingerprint of the model passages are embedded with (a semantic index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic: Option<String>,
    /// How an index of an earlier reel read every file (one setting for the whole index then):
    /// read back so a rebuild reads each followed path as it was read.
    #[serde(default, skip_serializing, flatten)]
    pub legacy: ReadSettings,
}

/// How the files under one followed path are read and cut: the roles of `--id-field`,
/// `--title-field`, `--text-field` and `--whole-documents`, remembered per followed path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadSettings {
    /// One passage per document.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole_documents: bool,
    /// The id column (`-`: none, records are keyed by their row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_field: Option<String>,
    /// The title column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_field: Option<String>,
    /// The text columns, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text_fields: Vec<String>,
}

impl ReadSettings {
    /// True when nothing was set (every role chosen by column names, paragraphs cut).
    pub fn is_default(&self) -> bool {
        *self == ReadSettings::default()
    }

    /// The settings as flags, for messages (`--title-field Series_Title --whole-documents`).
    pub fn flags(&self) -> String {
        let mut out = Vec::new();
        if let Some(id) = &self.id_field {
            out.push(format!("--id-field {id}"));
        }
        if let Some(t) = &self.title_field {
            out.push(format!("--title-field {t}"));
        }
        for t in &self.text_fields {
            out.push(format!("--text-field {t}"));
        }
        if self.whole_documents {
            out.push("--whole-documents".into());
        }
        out.join(" ")
    }
}

/// Read settings given on a command line: each one given changes that setting, the others keep
/// what was remembered (`None`: not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadFlags {
    /// `--whole-documents` (true) or `--no-whole-documents` (false).
    pub whole_documents: Option<bool>,
    /// `--id-field`.
    pub id_field: Option<String>,
    /// `--title-field`.
    pub title_field: Option<String>,
    /// `--text-field`, every one given (they replace the remembered list).
    pub text_fields: Option<Vec<String>>,
}

impl ReadFlags {
    /// True when no read flag was given.
    pub fn is_empty(&self) -> bool {
        *self == ReadFlags::default()
    }

    /// `settings` with the flags given applied.
    pub fn apply(&self, settings: &ReadSettings) -> ReadSettings {
        let mut out = settings.clone();
        if let Some(w) = self.whole_documents {
            out.whole_documents = w;
        }
        if let Some(id) = &self.id_field {
            out.id_field = Some(id.clone());
        }
        if let Some(t) = &self.title_field {
            out.title_field = Some(t.clone());
        }
        if let Some(t) = &self.text_fields {
            out.text_fields = t.clone();
        }
        out
    }
}

/// Whether a followed path is a file or a folder (a path that changes kind is refused rather
/// than read as something else).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PathKind {
    /// A folder, walked.
    #[default]
    Folder,
    /// A file.
    File,
}

/// A file or folder the index follows: where it is (absolute and resolved, see
/// [`crate::paths`]), what it is, and how its files are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The path, absolute and resolved (a path recorded by an earlier reel may be relative:
    /// see [`Followed::legacy`]).
    pub path: PathBuf,
    /// File or folder.
    pub kind: PathKind,
    /// How its files are read.
    pub read: ReadSettings,
    /// Recorded by an earlier reel, as given on its command line (relative to the folder it ran
    /// in), kind unknown.
    pub legacy: bool,
}

impl Serialize for Followed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Stored<'a> {
            path: paths::Stored,
            kind: PathKind,
            #[serde(skip_serializing_if = "ReadSettings::is_default")]
            read: &'a ReadSettings,
        }
        Stored {
            path: paths::Stored::of(&self.path),
            kind: self.kind,
            read: &self.read,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Followed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Entry {
                path: paths::Stored,
                #[serde(default)]
                kind: PathKind,
                #[serde(default)]
                read: ReadSettings,
            },
            // An earlier reel kept the path alone, as given.
            Path(paths::Stored),
        }
        Ok(match Stored::deserialize(d)? {
            Stored::Entry { path, kind, read } => Followed {
                path: path.into_path(),
                kind,
                read,
                legacy: false,
            },
            Stored::Path(p) => Followed {
                path: p.into_path(),
                kind: PathKind::Folder,
                read: ReadSettings::default(),
                legacy: true,
            },
        })
    }
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
    /// Its metadata fields some of whose values read as numbers or dates, with what they read
    /// as.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub numeric: BTreeMap<String, MetaType>,
    /// Its number or date fields that also hold values kept as text (found by their words).
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub misfits: std::collections::BTreeSet<String>,
    /// What `stat` said of the file when it was hashed, if it had then been still for a while
    /// (see [`StatKey`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<StatKey>,
    /// The file's id, which its documents' ids are made of (see `corpus::identity`).
    #[serde(default)]
    pub id: String,
    /// How it was read.
    #[serde(default, skip_serializing_if = "ReadSettings::is_default")]
    pub read: ReadSettings,
    /// Its records not in the index because an earlier record holds their id.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shadowed: u64,
    /// Of those, the ones held by a record of another file: when another file changes, this
    /// file is read again, so a record takes over the id when the one holding it goes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub shadowed_across: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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

/// Every source file of an index, by its `source` (its absolute path), the paths the index
/// follows (a plain `reel index` brings them all up to date) and the model it embeds with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileList {
    /// What holds for the whole index.
    pub options: ReadOptions,
    /// The files.
    pub files: BTreeMap<String, FileState>,
    /// The files and folders the index was built from, in the order they were first given.
    #[serde(default)]
    pub followed: Vec<Followed>,
    /// The folder of the model a semantic index embeds with, so later runs find it without
    /// `--model` (its fingerprint is in [`ReadOptions::semantic`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
}

/// Paths in JSON: a string when the path is UTF-8, else its bytes (a name need not be UTF-8).
mod paths {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    pub enum Stored {
        Text(String),
        Bytes(Vec<u8>),
    }

    impl Stored {
        pub fn of(p: &Path) -> Stored {
            use std::os::unix::ffi::OsStrExt;
            match p.to_str() {
                Some(t) => Stored::Text(t.to_string()),
                None => Stored::Bytes(p.as_os_str().as_bytes().to_vec()),
            }
        }

        pub fn into_path(self) -> PathBuf {
            use std::os::unix::ffi::OsStrExt;
            match self {
                Stored::Text(t) => PathBuf::from(t),
                Stored::Bytes(b) => PathBuf::from(std::ffi::OsStr::from_bytes(&b)),
            }
        }
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
        FileList::parse(&bytes).map_err(|e| damaged(format!("file list unreadable: {e}")))
    }

    /// A list from its bytes. A list of an earlier reel, which read every file one way, gives
    /// that way to each path it followed.
    fn parse(bytes: &[u8]) -> serde_json::Result<FileList> {
        let mut list: FileList = serde_json::from_slice(bytes)?;
        for f in &mut list.followed {
            if f.legacy {
                f.read = list.options.legacy.clone();
            }
        }
        Ok(list)
    }

    /// The list of the index in `dir` as far as it can be read whatever state the index is in:
    /// the one its last commit names, else (an index of an earlier schema, a damaged
    /// `meta.json`) the newest list in the folder that is whole (its content matches the hash
    /// in its name). `None` when there is none.
    pub fn recover(dir: &Path) -> Option<FileList> {
        let named = std::fs::read(dir.join("meta.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|meta| {
                let payload: serde_json::Value =
                    serde_json::from_str(meta.get("payload")?.as_str()?).ok()?;
                let files = payload.get("files")?;
                Some(FileListRef {
                    name: files.get("name")?.as_str()?.to_string(),
                    hash: files.get("hash")?.as_str()?.to_string(),
                })
            });
        if let Some(r) = &named {
            if let Ok(list) = FileList::read(dir, r) {
                return Some(list);
            }
        }
        let mut best: Option<(std::time::SystemTime, FileList)> = None;
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(hash) = name
                .strip_prefix(PREFIX)
                .and_then(|r| r.strip_suffix(".json"))
            else {
                continue;
            };
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            if hash_bytes(&bytes) != hash {
                continue;
            }
            let Ok(list) = FileList::parse(&bytes) else {
                continue;
            };
            let time = entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            if best.as_ref().is_none_or(|(t, _)| time > *t) {
                best = Some((time, list));
            }
        }
        best.map(|(_, list)| list)
    }

    /// Records shadowed by a duplicate id, in all files.
    pub fn shadowed(&self) -> u64 {
        self.files.values().map(|f| f.shadowed).sum()
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
        FileList::parse(&bytes).is_ok()
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
                numeric: BTreeMap::new(),
                misfits: Default::default(),
                id: "a".into(),
                read: ReadSettings::default(),
                shadowed: 0,
                shadowed_across: 0,
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
    fn a_list_of_an_earlier_reel_gives_its_options_to_each_path() {
        let old = br#"{"options":{"whole_documents":true,"id_field":null,"title_field":"t","text_fields":[]},"files":{"corpus/a.txt":{"size":3,"hash":"00","documents":1,"passages":1}},"followed":["corpus","x.csv"]}"#;
        let list = FileList::parse(old).unwrap();
        assert_eq!(list.followed.len(), 2);
        for f in &list.followed {
            assert!(f.legacy);
            assert!(f.read.whole_documents);
            assert_eq!(f.read.title_field.as_deref(), Some("t"));
        }
        assert_eq!(list.followed[1].path, Path::new("x.csv"));
        // Written again, a path is an entry with its kind and settings, and reads back.
        let mut list = list;
        for f in &mut list.followed {
            f.legacy = false;
        }
        let bytes = serde_json::to_vec(&list).unwrap();
        assert!(bytes.starts_with(LIST_START));
        let back = FileList::parse(&bytes).unwrap();
        assert_eq!(back.followed, list.followed);
        assert!(back.options.legacy.is_default());
    }

    #[test]
    fn a_list_is_recovered_without_its_commit() {
        let dir = tempfile::tempdir().unwrap();
        let mut list = FileList::default();
        list.followed.push(Followed {
            path: PathBuf::from("/srv/reviews"),
            kind: PathKind::Folder,
            read: ReadSettings::default(),
            legacy: false,
        });
        let r = list.write(dir.path()).unwrap();
        std::fs::write(dir.path().join("meta.json"), "{damaged").unwrap();
        assert_eq!(FileList::recover(dir.path()).unwrap(), list);
        // A list whose content does not match its name is not trusted.
        std::fs::write(dir.path().join(&r.name), b"{\"options\":{},\"files\":{}}").unwrap();
        assert!(FileList::recover(dir.path()).is_none());
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
