//! Typed errors of the library. Each variant says what went wrong and where (a path, a line, a
//! field, a position in the query), so the binary can print it as one line without a backtrace.

use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A corpus path given on the command line does not exist.
    #[error("{}: no such file or directory (give a file or folder to index)", path.display())]
    MissingInput {
        /// The path as given.
        path: PathBuf,
    },

    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// A problem with a place in a file: a malformed row or line, a value, a column's header.
    #[error("{}{}: {message}", path.display(), at_line(*line))]
    Record {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 only where a reader cannot know it).
        line: u64,
        /// What is wrong with it.
        message: String,
    },

    /// A problem with a whole file or folder: skipped (empty, binary, unreadable, not a regular
    /// file), a notice about how it was read, a followed path that is gone.
    #[error("{}: {message}", path.display())]
    File {
        /// The file or folder.
        path: PathBuf,
        /// What happened to it.
        message: String,
    },

    /// A role named on the command line (`--text-field plotz`) that a file has no column for.
    #[error("{}: {message}", path.display())]
    Roles {
        /// The file.
        path: PathBuf,
        /// Which flag and the columns there are.
        message: String,
    },

    /// Two documents with one id: the first read is kept, the other skipped.
    #[error(
        "duplicate document id `{id}`: {dropped} skipped, {kept} kept (the first one read wins)"
    )]
    Duplicate {
        /// The id.
        id: String,
        /// Where the kept document is (`path` or `path record N`).
        kept: String,
        /// Where the skipped one is.
        dropped: String,
    },

    /// Lines of a file that are not UTF-8, read as Windows-1252 (reported once per file).
    #[error("{}:{line}: not UTF-8; read as Windows-1252 (Latin-1), as are the file's other lines that are not UTF-8", path.display())]
    Lossy {
        /// The file.
        path: PathBuf,
        /// The first line with invalid UTF-8.
        line: u64,
    },

    /// There is no index at the given location.
    #[error("{}: no reel index here (run `reel index` first, or pass --index DIR)", path.display())]
    NoIndex {
        /// The index folder.
        path: PathBuf,
    },

    /// The index is damaged (a checksum fails, a file is missing or unreadable).
    #[error("{}: index damaged: {reason} (run `reel verify` for details, `reel index --rebuild` to recreate it)", path.display())]
    Damaged {
        /// The index folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// The index exists but cannot be used by this version of reel.
    #[error("{}: {reason} (run `reel index --rebuild` to recreate it)", path.display())]
    Incompatible {
        /// The index folder.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },

    /// `--index` names a folder that is being indexed.
    #[error("{}: this folder is being indexed; give the index a folder of its own (--index DIR)", path.display())]
    IndexIsInput {
        /// The index folder.
        path: PathBuf,
    },

    /// `--index` names a file.
    #[error("{}: a file, not a folder (--index names the folder the index lives in)", path.display())]
    IndexNotFolder {
        /// The path.
        path: PathBuf,
    },

    /// `--index` names a folder that holds other files and no reel index.
    #[error("{}: not a reel index and not empty; reel writes an index only into a new or empty folder (choose another --index, nothing was written)", path.display())]
    NotAnIndex {
        /// The folder.
        path: PathBuf,
    },

    /// An index that follows no path (every one was forgotten) was asked to update.
    #[error("{}: the index follows no file or folder (give one: reel index PATH)", path.display())]
    NothingFollowed {
        /// The index folder.
        path: PathBuf,
    },

    /// A path an earlier reel recorded relative to the folder it ran in, found neither from
    /// here nor beside the index.
    #[error("{}: the index follows this path as an earlier reel recorded it (relative to the folder it ran in), and it is found neither from here nor beside the index; the index is unchanged (give the paths again: reel index --rebuild --index {} PATH...)", path.display(), index.display())]
    LegacyPath {
        /// The path as recorded.
        path: PathBuf,
        /// The index folder.
        index: PathBuf,
    },

    /// A rebuild that cannot re-read a followed path.
    #[error("{}: followed by the index, but not there to re-read; the index is unchanged (bring it back, give the paths to follow: reel index --rebuild PATH..., or stop following it: reel index --forget {})", path.display(), path.display())]
    RebuildMissing {
        /// The followed path, as shown.
        path: PathBuf,
    },

    /// A followed path that is now another kind of thing (a folder that became a file).
    #[error("{}: followed as a {was}, now a {now}; the index is unchanged (to follow it as it is now: reel index --forget {}, then reel index {})", path.display(), path.display(), path.display())]
    KindChanged {
        /// The followed path, as shown.
        path: PathBuf,
        /// What it was.
        was: &'static str,
        /// What it is.
        now: &'static str,
    },

    /// The index's record of what it follows cannot be read.
    #[error("{}: the index's record of the paths it follows is damaged or missing ({reason}); the index is unchanged (give the paths again: reel index --rebuild --index {} PATH...)", path.display(), path.display())]
    FollowedUnreadable {
        /// The index folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// The paths hold no document at all.
    #[error("no document to index in {paths} ({found}); the index is unchanged")]
    NoDocuments {
        /// The paths read, comma-separated.
        paths: String,
        /// What was found instead: nothing readable, or only files of types reel does not read.
        found: String,
    },

    /// Another process holds the index writer lock.
    #[error("another reel index is writing to {}", path.display())]
    Locked {
        /// The index folder.
        path: PathBuf,
    },

    /// `reel verify` found the index committed anew each time it checked it.
    #[error("{}: the index changed while it was being verified (a reel index was committing); run reel verify again when it has finished", path.display())]
    Changing {
        /// The index folder.
        path: PathBuf,
    },

    /// An export that cannot be written as asked.
    #[error("export: {0}")]
    Export(String),

    /// A query that cannot be run at all.
    #[error("query: {0}")]
    Query(String),

    /// A clause of a query (or a filter) that cannot be searched: the field it names and the
    /// value it gives, and why (`year` holds numbers, `abc` is not a number). The search says
    /// where in the query the clause is.
    #[error("{message}")]
    Clause {
        /// The field, as the index keeps it.
        field: String,
        /// The value, as typed (empty when the whole clause is at fault).
        value: String,
        /// Why it cannot be searched.
        message: String,
    },

    /// A filter or sort option that names an unknown field or has a value of the wrong type.
    #[error("{0}")]
    Filter(String),

    /// A sentence-embedding model that cannot be found or used.
    #[error("model: {0}")]
    Model(String),

    /// An I/O error on the index folder.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// A bug: a worker thread that stopped unexpectedly, an invariant that did not hold.
    #[error("internal error: {0}")]
    Internal(String),

    /// The process may not read or write a file of the index (another user's index).
    #[error("{}: permission denied {doing} ({})", path.display(), if *doing == "writing" { "indexing needs write access to the index folder and its files: run reel index as their owner, or give this user write access" } else { "the index's files belong to another user or group: give this user read access, for example `chmod -R a+rX` on the index folder" })]
    PermissionDenied {
        /// The file or folder.
        path: PathBuf,
        /// `reading` or `writing`.
        doing: &'static str,
    },

    /// The index is on a read-only file system and the command must write.
    #[error("{}: read-only file system; searching works, but indexing needs a writable folder (copy the index to one, or remount it writable)", path.display())]
    ReadOnly {
        /// The index folder.
        path: PathBuf,
    },

    /// The disk filled up while writing the index.
    #[error("no space left on device writing {}{}; the index is unchanged at its last commit (free some space and run reel index again)", path.display(), needed.map(|n| format!(" (the run had written {} when the disk filled)", human_bytes(n))).unwrap_or_default())]
    NoSpace {
        /// The index folder.
        path: PathBuf,
        /// Bytes the run had written when it failed, if known.
        needed: Option<u64>,
    },

    /// An error reported by tantivy that is none of the above.
    #[error("{}", tantivy_text(.0))]
    Tantivy(#[from] tantivy::TantivyError),
}

/// True if the disk holding `dir` has (almost) no space left: under 1 MiB available.
fn disk_full(dir: &std::path::Path) -> bool {
    let existing = dir.ancestors().find(|p| p.exists());
    existing.is_some_and(|p| fs4::available_space(p).is_ok_and(|free| free < 1 << 20))
}

/// What an I/O failure says about its cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoCause {
    /// No permission (EACCES, EPERM).
    Permission,
    /// A read-only file system (EROFS).
    ReadOnly,
    /// The disk or quota is full (ENOSPC, EDQUOT).
    NoSpace,
    /// Anything else.
    Other,
}

/// The cause of an I/O error, by its OS code first (the kinds are newer than some codes).
pub fn io_cause(e: &std::io::Error) -> IoCause {
    match e.raw_os_error() {
        Some(1 | 13) => IoCause::Permission,
        Some(30) => IoCause::ReadOnly,
        Some(28 | 122) => IoCause::NoSpace,
        _ => match e.kind() {
            std::io::ErrorKind::PermissionDenied => IoCause::Permission,
            std::io::ErrorKind::ReadOnlyFilesystem => IoCause::ReadOnly,
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => IoCause::NoSpace,
            _ => IoCause::Other,
        },
    }
}

/// The I/O error under a tantivy error, with the file it concerns when tantivy says.
pub fn tantivy_io(e: &tantivy::TantivyError) -> Option<(&std::io::Error, Option<PathBuf>)> {
    use tantivy::directory::error::{LockError, OpenDirectoryError, OpenReadError, OpenWriteError};
    use tantivy::TantivyError as T;
    match e {
        T::IoError(io) => Some((io, None)),
        T::OpenReadError(OpenReadError::IoError { io_error, filepath })
        | T::OpenWriteError(OpenWriteError::IoError { io_error, filepath }) => {
            Some((io_error, Some(filepath.clone())))
        }
        T::OpenDirectoryError(OpenDirectoryError::IoError {
            io_error,
            directory_path,
        }) => Some((io_error, Some(directory_path.clone()))),
        T::LockFailure(LockError::IoError(io), _) => Some((io, None)),
        _ => None,
    }
}

/// A tantivy error in plain words: what happened and to which file, without tantivy's debug
/// formatting.
pub fn tantivy_text(e: &tantivy::TantivyError) -> String {
    use tantivy::directory::error::{OpenReadError, OpenWriteError};
    use tantivy::TantivyError as T;
    if let Some((io, file)) = tantivy_io(e) {
        // tantivy reports a file that fails its own checks (footer, length) as invalid data.
        let what = match io.kind() {
            std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => {
                "damaged or truncated".to_string()
            }
            _ => io.to_string(),
        };
        return match file {
            Some(f) => format!("{}: {what}", f.display()),
            None => what,
        };
    }
    let text = match e {
        T::OpenReadError(OpenReadError::FileDoesNotExist(p)) => {
            format!("{}: missing", p.display())
        }
        T::OpenReadError(OpenReadError::IncompatibleIndex(i)) => {
            format!("written by an incompatible version ({i:?})")
        }
        T::OpenWriteError(OpenWriteError::FileAlreadyExists(p)) => {
            format!("{}: already exists", p.display())
        }
        T::DataCorruption(d) => format!("{d:?}"),
        // An internal check failing inside tantivy means a file did not hold what it should.
        T::InternalError(_) => UNREADABLE.to_string(),
        T::DeserializeError(d) => format!("a stored passage cannot be read ({d})"),
        other => other.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What is wrong with an index's commit record (`meta.json`) that tantivy could not read, in
/// a user's words rather than tantivy's (which quotes the whole file): `None` when it reads as
/// JSON (the trouble is elsewhere).
pub fn damaged_meta(dir: &std::path::Path) -> Option<String> {
    let bytes = std::fs::read(dir.join("meta.json")).ok()?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Some("meta.json, the record of the last commit, is empty".into());
    }
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(o)) if o.contains_key("segments") => None,
        Ok(_) => Some("meta.json, the record of the last commit, is JSON but not a commit record".into()),
        Err(e) => Some(format!(
            "meta.json, the record of the last commit, is damaged (not JSON: {} at line {}, column {})",
            // serde_json's own words, without its position (said after them).
            e.to_string().split(" at line").next().unwrap_or_default(),
            e.line(),
            e.column()
        )),
    }
}

/// A user's file as messages name it: `-` (standard input) as `<stdin>`.
pub fn shown_path(path: &std::path::Path) -> &std::path::Path {
    if path == std::path::Path::new("-") {
        std::path::Path::new("<stdin>")
    } else {
        path
    }
}

/// What a damaged index is said to suffer when tantivy's own checks fail on it, or reading it
/// panics inside tantivy (the queries reel builds are ones tantivy runs, so what is left is a
/// file it could not read). tantivy's own words go to `reel verify`'s report, not this line.
pub const UNREADABLE: &str = "a file of it does not hold what its commit says";

impl Error {
    /// Reads a small text file given by the user (queries, judgments; `-` for standard input)
    /// whole: UTF-8, without a leading byte-order mark (files saved by Windows tools have one,
    /// and it is not part of the first line's id). Bytes that are not UTF-8 are an error naming their line.
    pub fn read_utf8(path: &std::path::Path) -> Result<String> {
        // `-` is standard input, as for grep; messages call it `<stdin>`.
        let stdin = path == std::path::Path::new("-");
        let shown = shown_path(path);
        let read = if stdin {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map(|_| bytes)
        } else {
            std::fs::read(path)
        };
        let path = shown;
        let bytes = read.map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
                + 1;
            Error::Record {
                path: path.to_path_buf(),
                line,
                message: "invalid UTF-8 (save the file as UTF-8)".into(),
            }
        })?;
        Ok(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        })
    }

    /// A tantivy error met on the index in `dir`: access problems by their cause, anything else
    /// as damage (with `reel verify` and `--rebuild` as the remedy).
    pub fn from_tantivy(dir: &std::path::Path, e: tantivy::TantivyError, writing: bool) -> Error {
        // An indexing thread's failure reaches here as text only.
        if let tantivy::TantivyError::ErrorInThread(text)
        | tantivy::TantivyError::InternalError(text)
        | tantivy::TantivyError::SystemError(text) = &e
        {
            if text.contains("(os error 28)") || text.contains("(os error 122)") {
                return Error::NoSpace {
                    path: dir.to_path_buf(),
                    needed: None,
                };
            }
            if text.contains("(os error 30)") {
                return Error::ReadOnly {
                    path: dir.to_path_buf(),
                };
            }
            // A writer thread that failed on a full disk can report only that it died: the
            // disk says why.
            if writing && disk_full(dir) {
                return Error::NoSpace {
                    path: dir.to_path_buf(),
                    needed: None,
                };
            }
        }
        if let Some((io, file)) = tantivy_io(&e) {
            let file = file
                .map(|f| if f.is_relative() { dir.join(f) } else { f })
                .unwrap_or_else(|| dir.to_path_buf());
            match io_cause(io) {
                IoCause::Permission => {
                    return Error::PermissionDenied {
                        path: file,
                        doing: if writing { "writing" } else { "reading" },
                    }
                }
                IoCause::ReadOnly => {
                    return Error::ReadOnly {
                        path: dir.to_path_buf(),
                    }
                }
                IoCause::NoSpace => {
                    return Error::NoSpace {
                        path: dir.to_path_buf(),
                        needed: None,
                    }
                }
                IoCause::Other => {}
            }
        }
        // Whatever form the failure took, a write that met a full disk is a full disk.
        let text = match &e {
            tantivy::TantivyError::DataCorruption(_) => {
                damaged_meta(dir).unwrap_or_else(|| tantivy_text(&e))
            }
            _ => tantivy_text(&e),
        };
        if text.contains("(os error 28)")
            || text.contains("(os error 122)")
            || (writing && disk_full(dir))
        {
            return Error::NoSpace {
                path: dir.to_path_buf(),
                needed: None,
            };
        }
        Error::Damaged {
            path: dir.to_path_buf(),
            reason: text,
        }
    }

    /// An I/O error on the index folder, by its cause.
    pub fn from_io(
        path: &std::path::Path,
        dir: &std::path::Path,
        source: std::io::Error,
        writing: bool,
    ) -> Error {
        match io_cause(&source) {
            IoCause::Permission => Error::PermissionDenied {
                path: path.to_path_buf(),
                doing: if writing { "writing" } else { "reading" },
            },
            IoCause::ReadOnly => Error::ReadOnly {
                path: dir.to_path_buf(),
            },
            IoCause::NoSpace => Error::NoSpace {
                path: dir.to_path_buf(),
                needed: None,
            },
            IoCause::Other => Error::Io {
                path: path.to_path_buf(),
                source,
            },
        }
    }
}

/// Bytes as people read them (`1.5 MiB`), the unit system of every size reel prints.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

/// `:N` for a line number, nothing for 0 (the whole file).
fn at_line(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}")
    }
}

/// The message of a panic payload (what `panic!` was given), for a one-line report.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unexpected failure".into())
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
