//! reel: a command-line search engine for documentary and film reviews, built on tantivy.
//!
//! # Layout
//!
//! Data flows one way, and no module reaches back up the chain:
//!
//! ```text
//! paths -> corpus (walk, one reader per format, the record path) -> passage
//!       -> indexer (through schema, state; embed for vectors) -> disk
//! disk  -> searcher (through schema; embed for queries) -> Hit
//!       -> output (human | json | trec | report), eval (against relevance judgments)
//! ```
//!
//! - [`meta`]: the metadata vocabulary everyone speaks: value types, typed values, dates, and
//!   the map from catalogue columns to reel's field names. A leaf: it imports nothing of reel.
//! - [`paths`]: paths as the index keeps them (absolute, resolved: one folder spelled two ways
//!   is one path) and as people read them (relative to the current folder when below it). A
//!   leaf.
//! - [`error`]: the typed errors of the library (a leaf too), with the translation of I/O and
//!   tantivy failures into causes a user can act on.
//! - [`analyzer`]: how text becomes terms (split, CJK runs into pairs, lower-case, fold accents, stem with a cache),
//!   the same at indexing and query time (a leaf).
//! - [`corpus`]: the [`corpus::Document`] type, the walk over input paths, file ids unique
//!   among the files walked ([`corpus::identity`]), the readers of pages, posts and subtitles
//!   ([`corpus::html`], [`corpus::markdown`], [`corpus::subtitles`]) that hand on blocks with
//!   their lines and times ([`corpus::blocks`]), HTML parsing and markup in text
//!   ([`corpus::markup`]), decompression, text
//!   that is not UTF-8 (UTF-16 transcoded, other lines read as Windows-1252), the readers ([`corpus::text`], [`corpus::facts`], [`corpus::csv`], [`corpus::jsonl`]), field
//!   roles and column typing ([`corpus::records`]), and [`corpus::stream`], the one path from a
//!   structured file to documents that indexing and export share.
//! - [`passage`]: pure splitting of a document into passages with byte offsets.
//! - [`embed`]: sentence embeddings in process: a BERT-family model (all-MiniLM-L6-v2 by
//!   default) loaded from a Hugging Face folder and run on the CPU (bf16 matrix products where
//!   the CPU has them), vectors quantized for the index (a leaf but for errors).
//! - [`state`]: what the index holds per source file, and the paths it follows with how each
//!   is read (and the model), readable even when the last commit is not.
//! - [`directory`]: how an index folder is opened: read-only (no lock file, writes refused),
//!   and with files read by plain reads for long passes rather than mapped (but for errors, a
//!   leaf).
//! - [`schema`]: the only module naming tantivy fields and laying out a tantivy document; the
//!   schema version, the manifest each commit carries, opening an index (read-only for readers,
//!   through [`directory`]).
//! - [`indexer`]: a folder, one file per job: opening and locking (and staging a rebuild),
//!   surveying the followed paths and planning the changes, the reading/writing pipeline,
//!   duplicate-id claims in reading order, which files are reel's, the merge policy, and the
//!   audit of an index against its files.
//! - [`searcher`]: folders by concept: `query/` (the language with its clause spans, building
//!   tantivy queries, filters and sort, expansion, and the search plan decided once from the
//!   options and the manifest), `rank/` (collection and the one window widening, scoring,
//!   coordination, phrases, exclusion, vectors and fusion), `batch/` (queries files, threads,
//!   and the impact-list engine), with the open index, the general engine, hits and "did you
//!   mean" at the top. Both engines carry out the same plan. Its own table says which part
//!   uses which.
//! - [`verify`], [`stats`]: checking an index, describing it (through the schema and searcher).
//! - [`export`]: the same passages and fields as NDJSON for Quickwit or Elasticsearch (through
//!   the corpus's record path, no index needed).
//! - [`eval`]: retrieval quality of a run against relevance judgments (trec_eval conventions).
//! - [`serve`]: the index as a local JSON API (requests in, status and JSON out; the binary
//!   carries them over HTTP), reopening the index when `reel index` commits.
//! - [`output`]: every printer, for hits and for reports; they write to any `Write` and never
//!   read the environment.
//!
//! Which module may import which (an arrow means "uses"; nothing uses a module to its right
//! on this list that uses it back):
//!
//! | module | uses |
//! |---|---|
//! | `meta`, `error`, `analyzer`, `paths` | nothing of reel |
//! | `embed`, `directory` | `error` |
//! | `corpus` | `meta`, `paths`, `error` |
//! | `passage` | `corpus`, `meta` |
//! | `state` | `meta`, `paths`, `error` |
//! | `schema` | `meta`, `corpus`, `passage`, `state`, `analyzer`, `embed`, `directory`, `error` |
//! | `indexer` | `corpus`, `passage`, `schema`, `state`, `analyzer`, `embed`, `meta`, `paths`, `directory`, `error` |
//! | `searcher` | `schema`, `meta`, `analyzer`, `embed`, `paths`, `error` |
//! | `verify` | `schema`, `state`, `embed`, `directory`, `error` |
//! | `stats` | `searcher`, `schema`, `state`, `meta`, `paths`, `error` |
//! | `export` | `corpus`, `passage`, `meta`, `embed`, `paths`, `error` |
//! | `eval` | `error` |
//! | `serve` | `searcher`, `stats`, `schema`, `meta`, `embed`, `error` |
//! | `output` | `searcher`, `meta`, `indexer`, `export`, `stats`, `verify`, `eval`, `error` |
//!
//! The binary (`src/main.rs`, `src/cli.rs`, `src/cmd/`) parses arguments, resolves colour and
//! exit codes, and calls into this library.

#![warn(missing_docs)]

pub mod analyzer;
pub mod corpus;
pub mod directory;
pub mod embed;
pub mod error;
pub mod eval;
pub mod export;
pub mod indexer;
pub mod meta;
pub mod output;
pub mod passage;
pub mod paths;
pub mod schema;
pub mod searcher;
pub mod serve;
pub mod state;
pub mod stats;
pub mod verify;

pub use error::{Error, Result};
