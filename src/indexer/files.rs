//! The files of an index folder, and which of them are reel's to remove.
//!
//! A file is removed only when reel or tantivy made it for this index, known by their own
//! records or by the file's own content, never by its name alone:
//! - segment files (`<32 hex>.<ext>`) that tantivy lists in `.managed.json`, or that end with
//!   tantivy's footer (a checksum and version record every file it completes carries);
//! - tantivy's interrupted atomic writes (`.tmp` and six random characters) whose content is
//!   tantivy's `meta.json` or `.managed.json`;
//! - reel's file lists (see [`crate::state`]), whose content is a file list.
//!
//! So a user's `notes.idx`, `.tmp123` or `reel-files-x.json` put into the folder stays.

use std::collections::HashSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use tantivy::directory::{Directory, MmapDirectory, INDEX_WRITER_LOCK};

use crate::error::{Error, Result};
use crate::state;

/// tantivy's record of the files it created (`.managed.json`).
pub const MANAGED_FILE: &str = ".managed.json";

/// tantivy's commit point.
pub const META_FILE: &str = "meta.json";

/// Files that may sit in a folder before an index is created there (a repository keeps its
/// `index/` folder with a README).
const PLACEHOLDERS: [&str; 3] = ["README.md", ".gitkeep", ".gitignore"];

/// The magic number at the very end of every file tantivy completes.
const FOOTER_MAGIC: u32 = 1337;

/// Longest footer tantivy writes (its own limit).
const FOOTER_MAX_BYTES: u32 = 50_000;

/// True for the name of a segment file: 32 hex digits (the segment id), a dot, an extension.
pub fn is_segment_file(name: &str) -> bool {
    name.len() > 33
        && name.as_bytes()[32] == b'.'
        && name[..32].bytes().all(|b| b.is_ascii_hexdigit())
}

/// True if the folder is missing, empty, or holds only placeholder files (a README,
/// `.gitkeep`, `.gitignore`): a place where a new index may be created.
pub fn is_empty_folder(dir: &Path) -> Result<bool> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(source) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !PLACEHOLDERS.contains(&name.as_str()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The files tantivy recorded as its own in `.managed.json` (none if it is missing or
/// unreadable).
fn managed_files(dir: &Path) -> HashSet<String> {
    std::fs::read(dir.join(MANAGED_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Vec<String>>(&bytes).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// True if the file ends with tantivy's footer: a JSON record of the version and checksum,
/// its length, and the magic number.
fn has_tantivy_footer(path: &Path) -> bool {
    let check = || -> std::io::Result<bool> {
        let mut f = std::fs::File::open(path)?;
        let len = f.metadata()?.len();
        if len < 8 {
            return Ok(false);
        }
        f.seek(SeekFrom::End(-8))?;
        let mut tail = [0u8; 8];
        f.read_exact(&mut tail)?;
        let footer_len = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        let magic = u32::from_le_bytes([tail[4], tail[5], tail[6], tail[7]]);
        if magic != FOOTER_MAGIC || footer_len > FOOTER_MAX_BYTES || u64::from(footer_len) + 8 > len
        {
            return Ok(false);
        }
        f.seek(SeekFrom::End(-8 - i64::from(footer_len)))?;
        let mut json = vec![0u8; footer_len as usize];
        f.read_exact(&mut json)?;
        let footer: serde_json::Value = match serde_json::from_slice(&json) {
            Ok(v) => v,
            Err(_) => return Ok(false),
        };
        Ok(footer.get("version").is_some() && footer.get("crc").is_some())
    };
    check().unwrap_or(false)
}

/// True for what tantivy's interrupted atomic write leaves: `.tmp` plus six characters, holding
/// (the start of) a `meta.json` or `.managed.json`.
fn is_tantivy_temp(path: &Path, name: &str) -> bool {
    let Some(suffix) = name.strip_prefix(".tmp") else {
        return false;
    };
    if suffix.len() != 6 || !suffix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(o)) => o.contains_key("segments") && o.contains_key("opstamp"),
        Ok(serde_json::Value::Array(items)) => items.iter().all(|i| {
            i.as_str()
                .is_some_and(|s| is_segment_file(s) || s.starts_with('.'))
        }),
        _ => false,
    }
}

/// Removes segment files the last commit does not use: tantivy's own clean-up only knows the
/// files its bookkeeping still lists, and a run killed at the wrong moment can leave others (the
/// kill trials found a killed run's merged-away segments surviving the next run). Call only with
/// the writer lock held (only the writer creates segment files).
pub fn remove_unused_segment_files(dir: &Path, index: &tantivy::Index) -> Result<()> {
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
    let managed = managed_files(dir);
    for_each_file(dir, |path, name| {
        if !is_segment_file(name) {
            return Ok(false);
        }
        let used =
            live.contains(&name[..32]) && (!name.ends_with(".del") || live_deletes.contains(name));
        Ok(!used && (managed.contains(name) || has_tantivy_footer(path)))
    })
}

/// Removes what a killed run left besides segment files: tantivy's interrupted atomic writes,
/// and reel's file lists other than `keep`. Call only with the writer lock held.
pub fn remove_orphans(dir: &Path, keep: Option<&str>) -> Result<()> {
    for_each_file(dir, |path, name| {
        Ok(is_tantivy_temp(path, name) || state::is_orphan_list(path, name, keep))
    })
}

/// Removes every file of the index in `dir` (for rebuilding a damaged or outdated index), and
/// only those: its commit, tantivy's records and segment files, its temp files, reel's file
/// lists. Lock files stay (the caller holds them).
pub fn remove_index_files(dir: &Path) -> Result<()> {
    let managed = managed_files(dir);
    for_each_file(dir, |path, name| {
        Ok(name == META_FILE
            || name == MANAGED_FILE
            || managed.contains(name)
            || (is_segment_file(name) && has_tantivy_footer(path))
            || is_tantivy_temp(path, name)
            || state::is_orphan_list(path, name, None))
    })
}

/// Removes unused segment files and file lists after a commit, if the writer lock is free (another
/// run that took it meanwhile cleans up at its own start).
pub fn clean_up_after(dir: &Path, index: &tantivy::Index, list: &str) -> Result<()> {
    let Ok(directory) = MmapDirectory::open(dir) else {
        return Ok(());
    };
    if let Ok(_lock) = directory.acquire_lock(&INDEX_WRITER_LOCK) {
        remove_unused_segment_files(dir, index)?;
        remove_orphans(dir, Some(list))?;
        state::sync_dir(dir)?;
    }
    Ok(())
}

/// Gives the index's commit files (`meta.json`, `.managed.json`, which tantivy writes with mode
/// 0600) the mode every other file of the folder gets from the user's umask, read off the writer
/// lock file tantivy creates plainly: an index is shared with `chmod -R a+rX` or a group, as any
/// folder is.
pub fn follow_umask(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(reference) = std::fs::metadata(dir.join(".tantivy-writer.lock")) else {
        return;
    };
    let mode = reference.permissions().mode() & 0o777;
    for name in [META_FILE, MANAGED_FILE] {
        let path = dir.join(name);
        if let Ok(m) = std::fs::metadata(&path) {
            if m.permissions().mode() & 0o777 != mode {
                let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode));
            }
        }
    }
}

/// Puts a small file back as it was (written aside, then renamed over), best effort: used to
/// leave tantivy's records as the last commit left them after a run that failed.
pub fn restore(dir: &Path, name: &str, bytes: &[u8]) {
    // A name the next run recognizes (with its content) as an interrupted atomic write.
    let temp = dir.join(".tmprstore");
    if std::fs::write(&temp, bytes).is_ok() && std::fs::rename(&temp, dir.join(name)).is_err() {
        let _ = std::fs::remove_file(&temp);
    }
}

/// Bytes of the files in `dir` that the last commit does not use (what a failed run wrote).
pub fn uncommitted_bytes(dir: &Path, index: &tantivy::Index) -> u64 {
    let Ok(metas) = index.load_metas() else {
        return 0;
    };
    let live: HashSet<String> = metas
        .segments
        .iter()
        .map(|s| s.id().uuid_string())
        .collect();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            is_segment_file(&name) && !live.contains(&name[..32])
        })
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// Calls `remove` on each regular file of `dir` and removes the file if it says so.
fn for_each_file(dir: &Path, mut remove: impl FnMut(&Path, &str) -> Result<bool>) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type().map_err(io)?.is_file() {
            continue;
        }
        let path = entry.path();
        if remove(&path, &name)? {
            std::fs::remove_file(&path).map_err(|source| Error::Io { path, source })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_alone_never_make_a_file_reels() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Look-alikes of the user's.
        std::fs::write(d.join(".tmp123"), "notes").unwrap();
        std::fs::write(d.join(".tmpabcdef"), "my own temp file").unwrap();
        std::fs::write(d.join("reel-files-x.json"), "{}").unwrap();
        std::fs::write(d.join("0123456789abcdef0123456789abcdef.idx"), "mine").unwrap();
        // tantivy's own interrupted write.
        std::fs::write(d.join(".tmpAbC123"), r#"{"segments":[],"opstamp":3}"#).unwrap();
        remove_orphans(d, None).unwrap();
        remove_index_files(d).unwrap();
        let left: HashSet<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for kept in [
            ".tmp123",
            ".tmpabcdef",
            "reel-files-x.json",
            "0123456789abcdef0123456789abcdef.idx",
        ] {
            assert!(left.contains(kept), "{kept} was removed");
        }
        assert!(!left.contains(".tmpAbC123"), "tantivy's temp file stays");
    }

    #[test]
    fn a_footer_marks_a_file_tantivys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0123456789abcdef0123456789abcdef.store");
        let json =
            br#"{"version":{"major":0,"minor":27,"patch":0,"index_format_version":7},"crc":5}"#;
        let mut bytes = b"body".to_vec();
        bytes.extend_from_slice(json);
        bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&FOOTER_MAGIC.to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        assert!(has_tantivy_footer(&path));
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(!has_tantivy_footer(&path));
    }

    #[test]
    fn placeholders_leave_a_folder_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(is_empty_folder(&dir.path().join("missing")).unwrap());
        std::fs::write(dir.path().join("README.md"), "index goes here").unwrap();
        assert!(is_empty_folder(dir.path()).unwrap());
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert!(!is_empty_folder(dir.path()).unwrap());
    }
}
