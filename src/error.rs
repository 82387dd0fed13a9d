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

    /// A record inside a file is malformed (a bad row or line).
    #[error("{}{}: {message}", path.display(), at_line(*line))]
    Record {
        /// The file.
        path: PathBuf,
        /// 1-based line (or row) number; 0 when the problem is the whole file's.
        line: u64,
        /// What is wrong with it.
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

    /// Invalid UTF-8 in a file, decoded with replacement characters (reported once per file).
    #[error("{}:{line}: invalid UTF-8, decoded with replacement characters (first of the file's bad lines)", path.display())]
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

    /// Another process holds the index writer lock.
    #[error("another reel index is writing to {}", path.display())]
    Locked {
        /// The index folder.
        path: PathBuf,
    },

    /// A query that cannot be run at all.
    #[error("query: {0}")]
    Query(String),

    /// A filter or sort option that names an unknown field or has a value of the wrong type.
    #[error("{0}")]
    Filter(String),

    /// An I/O error on the index folder.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },

    /// An error reported by tantivy.
    #[error("index: {0} (`reel verify` checks the index, `reel index --rebuild` recreates it)")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// `:N` for a line number, nothing for 0 (the whole file).
fn at_line(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}")
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
