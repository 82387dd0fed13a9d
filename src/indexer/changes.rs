//! What a run changes: which paths the index follows (absolute and resolved, each with how its
//! files are read), and which of their files are new, changed, unchanged or gone since the last
//! commit.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::corpus::{identity::Taken, InputFile, Inputs};
use crate::error::{Error, Result};
use crate::paths;
use crate::state::{self, FileList, FileState, Followed, PathKind, ReadFlags, ReadSettings};

/// What a first build reads when no path is given.
pub const DEFAULT_CORPUS: &str = "corpus";

/// A path given on the command line, resolved.
#[derive(Debug, Clone)]
pub struct Given {
    /// Absolute and resolved.
    pub path: PathBuf,
    /// File or folder.
    pub kind: PathKind,
}

/// Resolves the paths given on the command line (against `cwd`): each must exist and be a file
/// or a folder; a symbolic link is followed (the user named it).
pub fn resolve_given(given: &[PathBuf], cwd: &Path) -> Result<Vec<Given>> {
    let mut out = Vec::new();
    for p in given {
        if std::fs::symlink_metadata(cwd.join(p)).is_err() {
            return Err(Error::MissingInput { path: p.clone() });
        }
        let path = paths::resolve(p, cwd).map_err(|e| Error::File {
            path: p.clone(),
            message: format!(
                "cannot be followed ({e}: a symbolic link to something that does not exist?)"
            ),
        })?;
        let meta = std::fs::metadata(&path).map_err(|source| Error::Read {
            path: p.clone(),
            source,
        })?;
        // Anything but a folder is read as a file: the walk passes over what is not a regular
        // file (a FIFO, a device) with a warning, never opening it.
        let kind = if meta.is_dir() {
            PathKind::Folder
        } else {
            PathKind::File
        };
        out.push(Given { path, kind });
    }
    Ok(out)
}

/// The absolute form of a path recorded by an earlier reel relative to the folder it ran in:
/// from the current folder, else from the folder holding the index (where `reel index` usually
/// ran). An error when neither is there.
pub fn resolve_legacy(f: &Followed, cwd: &Path, index_dir: &Path) -> Result<Followed> {
    if !f.legacy {
        return Ok(f.clone());
    }
    let beside = index_dir
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf));
    let bases = std::iter::once(cwd.to_path_buf()).chain(beside);
    for base in bases {
        if let Ok(path) = paths::resolve(&f.path, &base) {
            let kind = if path.is_dir() {
                PathKind::Folder
            } else {
                PathKind::File
            };
            return Ok(Followed {
                path,
                kind,
                read: f.read.clone(),
                legacy: false,
            });
        }
    }
    Err(Error::LegacyPath {
        path: f.path.clone(),
        index: index_dir.to_path_buf(),
    })
}

/// The paths followed after this run, and warnings for `--forget` paths that were not followed.
///
/// - a new index follows the paths given;
/// - an index follows what it followed, plus the paths given (a `--rebuild` with paths follows
///   exactly those);
/// - read flags given apply to the paths given with them, or to every followed path when none
///   is given; a path keeps its settings otherwise;
/// - `--forget` paths (absolute) stop being followed.
pub fn followed(
    previous: Option<&[Followed]>,
    given: &[Given],
    forget: &[PathBuf],
    rebuild: bool,
    flags: &ReadFlags,
    cwd: Option<&Path>,
) -> (Vec<Followed>, Vec<String>) {
    let mut out: Vec<Followed> = match previous {
        Some(p) if !rebuild || given.is_empty() => p.to_vec(),
        _ => Vec::new(),
    };
    if given.is_empty() {
        for f in &mut out {
            f.read = flags.apply(&f.read);
        }
    }
    for g in given {
        match out.iter_mut().find(|f| f.path == g.path) {
            Some(f) => {
                f.read = flags.apply(&f.read);
                f.kind = g.kind;
            }
            None => out.push(Followed {
                path: g.path.clone(),
                kind: g.kind,
                read: flags.apply(&ReadSettings::default()),
                legacy: false,
            }),
        }
    }
    let mut warnings = Vec::new();
    for p in forget {
        match out.iter().position(|f| f.path == *p) {
            Some(i) => {
                out.remove(i);
            }
            None => warnings.push(format!(
                "--forget {}: not followed by this index (it follows: {})",
                paths::shown(p, cwd).display(),
                if out.is_empty() {
                    "nothing".to_string()
                } else {
                    shown(&out.iter().map(|f| f.path.clone()).collect::<Vec<_>>(), cwd)
                }
            )),
        }
    }
    (out, warnings)
}

/// Paths for a message, as shown from `cwd`, comma-separated.
pub fn shown(list: &[PathBuf], cwd: Option<&Path>) -> String {
    list.iter()
        .map(|p| paths::shown(p, cwd).display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a run does with a followed path that is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMissing {
    /// Keep its documents, with a warning.
    Keep,
    /// Refuse: the run re-reads every file (a rebuild), and cannot re-read this one.
    Reread,
    /// Refuse: a first build has no documents to keep.
    First,
}

/// What is on disk under the followed paths now.
pub struct Survey {
    /// The files under the followed paths that are there, each with its root (the position of
    /// its followed path) and its id.
    pub inputs: Inputs,
    /// The followed paths (by position) that are gone for now.
    pub missing: Vec<usize>,
}

/// Looks at every followed path (each must still be of the kind it was followed as), walks
/// those that are there, and names their files: the files of followed paths that are gone keep
/// the ids `files` (the last commit's) gave them.
pub fn survey(
    followed: &[Followed],
    files: &BTreeMap<String, FileState>,
    index_dir: &Path,
    cwd: &Path,
    on_missing: OnMissing,
    warn: &mut dyn FnMut(&Error),
) -> Result<Survey> {
    let shown = |p: &Path| paths::shown(p, Some(cwd));
    let mut present: Vec<usize> = Vec::new();
    let mut missing: Vec<usize> = Vec::new();
    for (i, f) in followed.iter().enumerate() {
        match std::fs::metadata(&f.path) {
            Ok(meta) => {
                let now = if meta.is_dir() {
                    PathKind::Folder
                } else {
                    PathKind::File
                };
                if now != f.kind {
                    let name = |k: PathKind| match k {
                        PathKind::Folder => "folder",
                        PathKind::File => "file",
                    };
                    return Err(Error::KindChanged {
                        path: shown(&f.path),
                        was: name(f.kind),
                        now: name(now),
                    });
                }
                present.push(i);
            }
            Err(_) => match on_missing {
                OnMissing::First => {
                    return Err(Error::MissingInput {
                        path: shown(&f.path),
                    })
                }
                OnMissing::Reread => {
                    return Err(Error::RebuildMissing {
                        path: shown(&f.path),
                    })
                }
                OnMissing::Keep => {
                    let p = shown(&f.path);
                    warn(&Error::File {
                        path: p.clone(),
                        message: format!(
                            "no such file or folder; its documents stay in the index (`reel \
                             index --forget {}` stops following it)",
                            p.display()
                        ),
                    });
                    missing.push(i);
                }
            },
        }
    }
    let roots: Vec<PathBuf> = present.iter().map(|&i| followed[i].path.clone()).collect();
    let mut inputs = crate::corpus::walk(&roots, Some(index_dir), Some(cwd))?;
    for file in &mut inputs.files {
        file.root = present[file.root];
    }
    let mut taken = Taken::default();
    for (source, state) in files {
        if let Some(&root) = missing
            .iter()
            .find(|&&i| paths::is_under(Path::new(source), &followed[i].path))
        {
            taken.insert(source, state.id.clone(), root);
        }
    }
    inputs.assign_ids(&taken);
    Ok(Survey { inputs, missing })
}

/// Every file's rank in reading order: by followed path (its position), then by its path
/// below it. The files of followed paths that are gone for now rank where their path is.
pub fn reading_ranks(
    inputs: &Inputs,
    files: &BTreeMap<String, FileState>,
    followed: &[Followed],
    missing: &[usize],
) -> HashMap<String, u32> {
    let mut keys: Vec<(usize, PathBuf, String)> = inputs
        .files
        .iter()
        .map(|f| (f.root, f.rel.clone(), f.source.clone()))
        .collect();
    for source in files.keys() {
        let path = Path::new(source);
        if let Some(&root) = missing
            .iter()
            .find(|&&i| paths::is_under(path, &followed[i].path))
        {
            let rel = path
                .strip_prefix(&followed[root].path)
                .unwrap_or(path)
                .to_path_buf();
            keys.push((root, rel, source.clone()));
        }
    }
    keys.sort();
    keys.into_iter()
        .enumerate()
        .map(|(i, (_, _, s))| (s, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect()
}

/// A file to read in this run.
pub struct ToRead<'a> {
    pub input: &'a InputFile,
    pub source: String,
    pub size: u64,
    pub hash: String,
    /// Its [`state::StatKey`] when hashed, if settled.
    pub stat: Option<state::StatKey>,
    /// How it is read (its followed path's settings).
    pub read: ReadSettings,
}

/// The changes of one run against the last commit's file list.
pub struct Changes<'a> {
    /// Files to read: new or changed, or read again (see [`Changes::reread`]).
    pub to_read: Vec<ToRead<'a>>,
    /// Files that stay as they are, with their state (the new list starts from these).
    pub kept: BTreeMap<String, FileState>,
    /// Sources whose documents go: files gone from the followed paths, forgotten ones.
    pub removed: Vec<String>,
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Unchanged files read again: their id or read settings changed, or records of theirs
    /// that another file's record held the id of may take it over now.
    pub reread: u64,
    /// Files that could not be hashed (each reported).
    pub unreadable: u64,
}

/// Compares the walked files with the last commit's list. `missing` holds the followed paths
/// (by position) that are gone for now: their files keep their documents. An unreadable file
/// keeps its documents from the last run if it had any.
///
/// A file is unchanged when its content is (by its stat key, else its hash) and it would get
/// the id and read settings it was read with. When anything changes, files with records
/// shadowed by another file's are read again too, so that a record whose id was held by a
/// record that has gone takes the id over.
pub fn plan<'a>(
    inputs: &'a Inputs,
    old: &FileList,
    followed: &[Followed],
    missing: &[usize],
    warn: &mut dyn FnMut(&Error),
) -> Changes<'a> {
    let mut changes = Changes {
        to_read: Vec::new(),
        kept: BTreeMap::new(),
        removed: Vec::new(),
        added: 0,
        changed: 0,
        unchanged: 0,
        reread: 0,
        unreadable: 0,
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut unchanged_inputs: HashMap<String, &'a InputFile> = HashMap::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    for input in &inputs.files {
        let source = input.source.clone();
        if !seen.insert(source.clone()) {
            continue; // named twice: read once
        }
        let read = followed
            .get(input.root)
            .map(|f| f.read.clone())
            .unwrap_or_default();
        let previous = old.files.get(&source);
        // Read the same way and named the same: only its content can have changed.
        let same_reading = previous.is_some_and(|s| s.id == input.id && s.read == read);
        // Unchanged by its stat key and size: not read again (see `StatKey`).
        let meta = std::fs::metadata(&input.path).ok();
        let stat = meta.as_ref().and_then(state::StatKey::of);
        if let (Some(meta), Some(key), Some(s)) = (&meta, stat, previous) {
            if s.stat == Some(key) && s.size == meta.len() && same_reading {
                changes.unchanged += 1;
                changes.kept.insert(source.clone(), s.clone());
                unchanged_inputs.insert(source, input);
                continue;
            }
        }
        let settled = stat.and_then(|k| k.settled(now));
        match state::fingerprint(&input.path) {
            Ok((size, hash)) => {
                let same_content = previous.is_some_and(|s| s.size == size && s.hash == hash);
                if same_content && same_reading {
                    changes.unchanged += 1;
                    let mut s = previous
                        .cloned()
                        .expect("same content has a previous state");
                    s.stat = settled;
                    changes.kept.insert(source.clone(), s);
                    unchanged_inputs.insert(source, input);
                    continue;
                }
                if same_content {
                    changes.reread += 1;
                } else if previous.is_some() {
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
                    read,
                });
            }
            Err(e) => {
                changes.unreadable += 1;
                let kept = previous.cloned();
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
    let missing_roots: Vec<&Path> = missing
        .iter()
        .filter_map(|&i| followed.get(i).map(|f| f.path.as_path()))
        .collect();
    for (source, state) in &old.files {
        if seen.contains(source) {
            continue;
        }
        if missing_roots
            .iter()
            .any(|root| paths::is_under(Path::new(source), root))
        {
            changes.kept.insert(source.clone(), state.clone());
        } else {
            changes.removed.push(source.clone());
        }
    }
    // Records shadowed by another file's may take their ids over when anything changed.
    if !changes.to_read.is_empty() || !changes.removed.is_empty() {
        let shadowed: Vec<String> = changes
            .kept
            .iter()
            .filter(|(s, f)| f.shadowed_across > 0 && unchanged_inputs.contains_key(*s))
            .map(|(s, _)| s.clone())
            .collect();
        for source in shadowed {
            let Some(state) = changes.kept.remove(&source) else {
                continue;
            };
            let input = unchanged_inputs[&source];
            changes.unchanged -= 1;
            changes.reread += 1;
            changes.to_read.push(ToRead {
                input,
                source,
                size: state.size,
                hash: state.hash,
                stat: state.stat,
                read: state.read,
            });
        }
        // In reading order, as the walk gave them.
        let order: HashMap<&str, usize> = inputs
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.source.as_str(), i))
            .collect();
        changes
            .to_read
            .sort_by_key(|f| order.get(f.source.as_str()).copied().unwrap_or(usize::MAX));
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(p: &str, kind: PathKind) -> Given {
        Given {
            path: PathBuf::from(p),
            kind,
        }
    }

    fn paths_of(f: &[Followed]) -> Vec<&Path> {
        f.iter().map(|f| f.path.as_path()).collect()
    }

    #[test]
    fn followed_paths_accumulate_and_can_be_forgotten() {
        let none = ReadFlags::default();
        // A first build follows the paths given.
        let (f, _) = followed(
            None,
            &[given("/c/a.csv", PathKind::File)],
            &[],
            false,
            &none,
            None,
        );
        assert_eq!(paths_of(&f), [Path::new("/c/a.csv")]);
        // Later runs add to what is followed; a path given again is one path.
        let old = vec![Followed {
            path: PathBuf::from("/c/corpus"),
            kind: PathKind::Folder,
            read: ReadSettings::default(),
            legacy: false,
        }];
        let (f, _) = followed(
            Some(&old),
            &[
                given("/c/extra.txt", PathKind::File),
                given("/c/corpus", PathKind::Folder),
            ],
            &[],
            false,
            &none,
            None,
        );
        assert_eq!(
            paths_of(&f),
            [Path::new("/c/corpus"), Path::new("/c/extra.txt")]
        );
        // A rebuild with paths follows exactly those; without paths, what it followed.
        let (f, _) = followed(
            Some(&old),
            &[given("/c/b", PathKind::Folder)],
            &[],
            true,
            &none,
            None,
        );
        assert_eq!(paths_of(&f), [Path::new("/c/b")]);
        let (f, _) = followed(Some(&old), &[], &[], true, &none, None);
        assert_eq!(paths_of(&f), [Path::new("/c/corpus")]);
        // Forgetting.
        let (f, w) = followed(
            Some(&old),
            &[],
            &[PathBuf::from("/c/corpus"), PathBuf::from("/c/nope")],
            false,
            &none,
            Some(Path::new("/c")),
        );
        assert!(f.is_empty());
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("--forget nope"), "{w:?}");
    }

    #[test]
    fn read_flags_stay_with_their_path() {
        let title = ReadFlags {
            title_field: Some("Series_Title".into()),
            ..ReadFlags::default()
        };
        let (f, _) = followed(
            None,
            &[given("/c/top.csv", PathKind::File)],
            &[],
            false,
            &title,
            None,
        );
        assert_eq!(f[0].read.title_field.as_deref(), Some("Series_Title"));
        // Another path given without flags reads its own way; the first keeps its settings.
        let (f, _) = followed(
            Some(&f),
            &[given("/c/other.csv", PathKind::File)],
            &[],
            false,
            &ReadFlags::default(),
            None,
        );
        assert_eq!(f[0].read.title_field.as_deref(), Some("Series_Title"));
        assert!(f[1].read.is_default());
        // A flag given with no path changes every path; a flag changes only itself.
        let whole = ReadFlags {
            whole_documents: Some(true),
            ..ReadFlags::default()
        };
        let (f, _) = followed(Some(&f), &[], &[], false, &whole, None);
        assert!(f.iter().all(|f| f.read.whole_documents));
        assert_eq!(f[0].read.title_field.as_deref(), Some("Series_Title"));
    }
}
