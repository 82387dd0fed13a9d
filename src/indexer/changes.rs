//! What a run changes: which paths the index follows, and which of their files are new,
//! changed, unchanged or gone since the last commit.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::corpus::{InputFile, Inputs};
use crate::error::Error;
use crate::state::{self, FileList, FileState};

/// What a first build reads when no path is given.
pub const DEFAULT_CORPUS: &str = "corpus";

/// A path as the index remembers it: as given, without `.` components or a trailing `/`, so
/// `./corpus/` and `corpus` are one path (and give the same sources).
pub fn normalize(path: &Path) -> PathBuf {
    let parts: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if parts.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        parts
    }
}

/// The paths followed after this run, and warnings for `--forget` paths that were not followed.
///
/// - a new index follows the paths given, or [`DEFAULT_CORPUS`] when none is given;
/// - an index follows what it followed, plus the paths given (a `--rebuild` with paths follows
///   exactly those);
/// - `--forget` paths stop being followed.
pub fn followed(
    previous: Option<&[PathBuf]>,
    given: &[PathBuf],
    forget: &[PathBuf],
    rebuild: bool,
) -> (Vec<PathBuf>, Vec<String>) {
    let mut out: Vec<PathBuf> = match previous {
        Some(p) if !rebuild || given.is_empty() => p.to_vec(),
        Some(_) => Vec::new(),
        None if given.is_empty() && forget.is_empty() => vec![PathBuf::from(DEFAULT_CORPUS)],
        None => Vec::new(),
    };
    for p in given {
        let p = normalize(p);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    let mut warnings = Vec::new();
    for p in forget {
        let p = normalize(p);
        match out.iter().position(|f| *f == p) {
            Some(i) => {
                out.remove(i);
            }
            None => warnings.push(format!(
                "--forget {}: not followed by this index (it follows: {})",
                p.display(),
                if out.is_empty() {
                    "nothing".to_string()
                } else {
                    shown(&out)
                }
            )),
        }
    }
    (out, warnings)
}

/// Paths for a message, comma-separated.
pub fn shown(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// True if `source` (a file as indexed) is `root` or lies under it.
pub fn is_under(source: &str, root: &str) -> bool {
    root == "."
        || source == root
        || source
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('/') || root.ends_with('/'))
}

/// A file to read in this run.
pub struct ToRead<'a> {
    pub input: &'a InputFile,
    pub source: String,
    pub size: u64,
    pub hash: String,
    /// Its [`state::StatKey`] when hashed, if settled.
    pub stat: Option<state::StatKey>,
}

/// The changes of one run against the last commit's file list.
pub struct Changes<'a> {
    /// Files to read: new or changed.
    pub to_read: Vec<ToRead<'a>>,
    /// Files that stay as they are, with their state (the new list starts from these).
    pub kept: BTreeMap<String, FileState>,
    /// Sources whose documents go: files gone from the followed paths, forgotten ones.
    pub removed: Vec<String>,
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Files that could not be hashed (each reported).
    pub unreadable: u64,
}

/// Compares the walked files with the last commit's list. Files under `missing` roots (followed
/// paths that are gone for now) keep their documents. An unreadable file keeps its documents
/// from the last run if it had any.
pub fn plan<'a>(
    inputs: &'a Inputs,
    old: &FileList,
    missing: &[PathBuf],
    warn: &mut dyn FnMut(&Error),
) -> Changes<'a> {
    let mut changes = Changes {
        to_read: Vec::new(),
        kept: BTreeMap::new(),
        removed: Vec::new(),
        added: 0,
        changed: 0,
        unchanged: 0,
        unreadable: 0,
    };
    let mut seen: HashSet<String> = HashSet::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    for input in &inputs.files {
        let source = input.path.display().to_string();
        if !seen.insert(source.clone()) {
            continue; // named twice: read once
        }
        // Unchanged by its stat key and size: not read again (see `StatKey`).
        let meta = std::fs::metadata(&input.path).ok();
        let stat = meta.as_ref().and_then(state::StatKey::of);
        if let (Some(meta), Some(key), Some(s)) = (&meta, stat, old.files.get(&source)) {
            if s.stat == Some(key) && s.size == meta.len() {
                changes.unchanged += 1;
                changes.kept.insert(source, s.clone());
                continue;
            }
        }
        let settled = stat.and_then(|k| k.settled(now));
        match state::fingerprint(&input.path) {
            Ok((size, hash)) => match old.files.get(&source) {
                Some(s) if s.size == size && s.hash == hash => {
                    changes.unchanged += 1;
                    let mut s = s.clone();
                    s.stat = settled;
                    changes.kept.insert(source, s);
                }
                prev => {
                    if prev.is_some() {
                        changes.changed += 1;
                    } else {
                        changes.added += 1;
                    }
                    changes.to_read.push(ToRead {
                        input,
                        source,
                        size,
                        hash,
                        stat: settled,
                    });
                }
            },
            Err(e) => {
                changes.unreadable += 1;
                let kept = old.files.get(&source).cloned();
                let message = match &kept {
                    Some(_) => format!("{e}; keeping its documents from the last run"),
                    None => format!("{e}, skipped"),
                };
                warn(&Error::File {
                    path: input.path.clone(),
                    message,
                });
                if let Some(s) = kept {
                    changes.kept.insert(source, s);
                }
            }
        }
    }
    for (source, state) in &old.files {
        if seen.contains(source) {
            continue;
        }
        if missing
            .iter()
            .any(|root| is_under(source, &root.display().to_string()))
        {
            changes.kept.insert(source.clone(), state.clone());
        } else {
            changes.removed.push(source.clone());
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(p: &[&str]) -> Vec<PathBuf> {
        p.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn paths_are_remembered_as_given() {
        assert_eq!(normalize(Path::new("./corpus/")), Path::new("corpus"));
        assert_eq!(normalize(Path::new("a/./b.csv")), Path::new("a/b.csv"));
        assert_eq!(normalize(Path::new("../x")), Path::new("../x"));
        assert_eq!(normalize(Path::new(".")), Path::new("."));
    }

    #[test]
    fn followed_paths_accumulate_and_can_be_forgotten() {
        // A first build with no path reads the corpus folder.
        assert_eq!(followed(None, &[], &[], false).0, paths(&["corpus"]));
        // A first build with paths follows those.
        assert_eq!(
            followed(None, &paths(&["a.csv"]), &[], false).0,
            paths(&["a.csv"])
        );
        // Later runs add to what is followed.
        let old = vec![PathBuf::from("corpus")];
        assert_eq!(
            followed(Some(&old), &paths(&["./extra.txt", "corpus/"]), &[], false).0,
            paths(&["corpus", "extra.txt"])
        );
        // A rebuild with paths follows exactly those; without paths, what it followed.
        assert_eq!(
            followed(Some(&old), &paths(&["b"]), &[], true).0,
            paths(&["b"])
        );
        assert_eq!(followed(Some(&old), &[], &[], true).0, paths(&["corpus"]));
        // Forgetting.
        let (f, w) = followed(Some(&old), &[], &paths(&["corpus", "nope"]), false);
        assert!(f.is_empty());
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("nope"), "{w:?}");
    }

    #[test]
    fn sources_under_roots() {
        assert!(is_under("corpus/a.txt", "corpus"));
        assert!(is_under("corpus", "corpus"));
        assert!(!is_under("corpus2/a.txt", "corpus"));
        assert!(is_under("anything", "."));
    }
}
