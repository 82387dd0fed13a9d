//! reel: a command-line search engine for documentary and film reviews, built on tantivy.
//!
//! # Layout
//!
//! Data flows one way, and no module reaches back up the chain:
//!
//! ```text
//! paths -> corpus (walk + one reader per format) -> passage -> indexer (through schema) -> disk
//! disk -> searcher (through schema) -> Hit -> output (human | json | trec)
//!                                        -> eval (against relevance judgments)
//! ```
//!
//! - [`corpus`]: the [`corpus::Document`] type and its typed metadata, the walk over input paths,
//!   decompression, and the readers: [`corpus::text`] (plain text, Markdown with front matter),
//!   [`corpus::facts`] (metadata stated in a review's sentences), [`corpus::csv`] (CSV, TSV),
//!   [`corpus::jsonl`] (JSON Lines, JSON arrays), [`corpus::records`] (field roles and column
//!   typing for structured records) and [`corpus::dates`].
//! - [`passage`]: pure splitting of a document into passages with byte offsets.
//! - [`analyzer`]: how text becomes terms (split, lower-case, fold accents, stem with a cache),
//!   the same at indexing and query time.
//! - [`schema`]: the only module naming tantivy fields; registers the analyzer; the schema
//!   version and the manifest each commit carries.
//! - [`state`]: what the index holds per source file (size, content hash, counts), written
//!   beside the index and named by each commit, so a run updates only what changed.
//! - [`indexer`]: a pipeline (reader thread, parsing workers, tantivy's writer threads) that
//!   adds new and changed files, deletes removed ones and commits once per run, with a
//!   progress hook; duplicate ids (first read wins).
//! - [`searcher`]: query parsing (lenient on bad syntax), filters, sorting, ranking,
//!   per-document caps, highlights.
//! - [`verify`]: checks an index end to end (checksums, schema version, stored documents read
//!   back, counts against the manifest) and reports each damaged file.
//! - [`stats`]: what an index holds (documents, passages, fields, size on disk).
//! - [`export`]: the same passages and fields as NDJSON plus an index configuration for
//!   Quickwit or Elasticsearch/OpenSearch (corpus -> passage -> export, no index needed).
//! - [`eval`]: retrieval quality of a run against relevance judgments (trec_eval conventions).
//! - [`output`]: printers for people and for programs (human, JSON Lines, TREC runs); they
//!   never read the environment.
//! - [`error`]: the typed errors of the library.
//!
//! The binary (`src/main.rs`, `src/cli.rs`, `src/cmd/`) parses arguments, resolves colour and
//! exit codes, and calls into this library.

#![warn(missing_docs)]

pub mod analyzer;
pub mod corpus;
pub mod error;
pub mod eval;
pub mod export;
pub mod indexer;
pub mod output;
pub mod passage;
pub mod schema;
pub mod searcher;
pub mod state;
pub mod stats;
pub mod verify;

pub use error::{Error, Result};
