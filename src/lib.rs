//! reel: a command-line search engine for documentary and film reviews, built on tantivy.
//!
//! # Layout
//!
//! Data flows one way, and no module reaches back up the chain:
//!
//! ```text
//! paths -> corpus (walk + one reader per format) -> passage -> indexer (through schema) -> disk
//! disk -> searcher (through schema) -> Hit -> output (human | json)
//! ```
//!
//! - [`corpus`]: the [`corpus::Document`] type and its typed metadata, the walk over input paths,
//!   and the readers: [`corpus::text`] (plain text and Markdown) and [`corpus::facts`] (metadata
//!   stated in a review's sentences).
//! - [`passage`]: pure splitting of a document into passages with byte offsets.
//! - [`schema`]: the only module naming tantivy fields; the analyzer, the schema version, and the
//!   manifest each commit carries.
//! - [`indexer`]: writes passages through tantivy's writer and commits once per run.
//! - [`searcher`]: query parsing (lenient on bad syntax), ranking, per-document caps, highlights.
//! - [`stats`]: what an index holds (documents, passages, fields, size on disk).
//! - [`output`]: printers for people and for programs; they never read the environment.
//! - [`error`]: the typed errors of the library.
//!
//! The binary (`src/main.rs`, `src/cli.rs`, `src/cmd/`) parses arguments, resolves colour and
//! exit codes, and calls into this library.

#![warn(missing_docs)]

pub mod corpus;
pub mod error;
pub mod indexer;
pub mod output;
pub mod passage;
pub mod schema;
pub mod searcher;
pub mod stats;

pub use error::{Error, Result};
