//! Searching an index: a query is read into a [`query::plan::Plan`] (what the search does,
//! decided once), which one of two engines carries out: the general engine (tantivy query
//! trees, every kind of query) or the batch engine (impact lists read once for a batch of
//! questions). Both return plain [`Hit`] data with the matched words as byte ranges; printing is
//! the `output` module's job.
//!
//! The layout is the reading list:
//!
//! - [`query`]: the query language (the tree, the parser, the normalizer), building tantivy
//!   queries from it, `--filter` and `--sort`, expansion (keyword queries, questions, proximity,
//!   feedback, the whole title), and the plan.
//! - [`rank`]: ranking pieces the engines share: collection (deterministic top-k, the cap per
//!   document and its widening), scoring one passage, coordination and its phrases, excluded
//!   clauses, vectors and fusion.
//! - [`index`]: an open index and what searches share of it (the [`Searcher`]).
//! - [`general`] with [`fusion`]: the general engine; [`batch`]: queries files, threads, results
//!   in order, and the batch engine ([`batch::impact`]).
//! - [`hits`]: filling in hits (highlights, title, metadata, where); [`suggest`]: "did you mean".
//!
//! Which part may use which (`tests/layout.rs` holds this true; no part uses one above it):
//!
//! | part | uses |
//! |---|---|
//! | `rank`, `suggest` | nothing of searcher |
//! | `query` | `rank` |
//! | `hits` | `rank`, `suggest` |
//! | `index` | `query`, `rank`, `hits` |
//! | `fusion` | `index`, `query`, `rank`, `hits` |
//! | `general` | `fusion`, `index`, `query`, `rank`, `hits`, `suggest` |
//! | `batch` | `index`, `query`, `rank`, `hits` |

pub mod batch;
mod fusion;
mod general;
pub mod hits;
pub mod index;
pub mod query;
pub mod rank;
pub mod suggest;

pub use batch::{read_queries, BatchQuery};
pub use hits::{Hit, MetaMatch, SearchResults};
pub use index::Searcher;
pub use query::build::{META_BOOST, TITLE_BOOST};
pub use query::filter::{Filter, FilterOp, Sort};
pub use query::plan::{Mode, Plan, SearchOptions, Unit};
