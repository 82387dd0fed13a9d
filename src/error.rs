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
    #[error("{}:{line}: {message}", path.display())]
    Record {
        /// The file.
        path: PathBuf,
        /// 1-based line (or row) number.
        line: u64,
        /// What is wrong with it.
        message: String,
    },

    /// There is no index at the given location.
    #[error("{}: no reel index here (run `reel index` first, or pass --index DIR)", path.display())]
    NoIndex {
        /// The index folder.
        path: PathBuf,
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
    #[error("index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
