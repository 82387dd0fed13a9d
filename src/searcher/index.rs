//! An open index: its reader, fields and manifest at one commit, the caches searches share (document
//! ids, passage vectors), the model that embeds queries, and what a search needs of the index
//! before it runs (the filters as queries). Searching is [`super::general`]'s and
//! [`super::batch`]'s.

use std::path::Path;
use std::sync::Arc;

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{IndexReader, ReloadPolicy, TantivyDocument, Term};

use super::hits;
use super::query::build::Builder;
use super::query::filter::{self, Filter};
use super::query::source;
use super::rank::collect::IdCache;
use super::rank::{exclude, semantic};
use crate::error::{Error, Result};
use crate::meta::Metadata;
use crate::schema::{self, Fields, Manifest};

/// An open index, ready to answer queries.
pub struct Searcher {
    pub(super) dir: std::path::PathBuf,
    pub(super) reader: IndexReader,
    pub(super) fields: Fields,
    pub(super) manifest: Manifest,
    /// Document ids read so far (a batch reads each once).
    pub(super) ids: IdCache,
    /// The sentence-embedding model, for semantic and hybrid search.
    pub(super) model: Option<Arc<crate::embed::Model>>,
    /// Passage vectors read so far.
    pub(super) vectors: Arc<semantic::VectorCache>,
    /// The folder hits show their source relative to (when it lies below it), and a relative
    /// `source` in a query or filter is taken from.
    pub(super) cwd: Option<std::path::PathBuf>,
}

/// Times opening an index is retried when a concurrent commit removed a file it named.
const OPEN_ATTEMPTS: u64 = 20;

impl Searcher {
    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Shows hits' sources from `cwd` (relative when they lie below it; sources are kept
    /// absolute), and takes a relative `source` in a query or filter from there.
    pub fn show_paths_from(&mut self, cwd: Option<std::path::PathBuf>) {
        self.cwd = cwd;
    }

    /// Opens the index in `dir` at its last commit.
    ///
    /// A `reel index` running meanwhile may commit and remove the files of the commit being
    /// opened between reading `meta.json` and opening them; the open is then retried on the new
    /// commit (files already open stay readable).
    pub fn open(dir: &Path) -> Result<Searcher> {
        let mut attempt = 0;
        loop {
            // The manifest and the reader each read `meta.json`: the same bytes before and after
            // both (a commit replaces the file whole) mean they are of the same commit.
            let stamp = schema::commit_stamp(dir);
            let (index, fields, manifest) = schema::open_read_only(dir)?;
            // A damaged file can make tantivy panic while opening it: that is damage too.
            let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                index
                    .reader_builder()
                    .reload_policy(ReloadPolicy::Manual)
                    .try_into()
            }))
            .unwrap_or_else(|payload| {
                Err(tantivy::TantivyError::InternalError(
                    crate::error::panic_message(&*payload),
                ))
            });
            let reader = match opened {
                Ok(reader) => reader,
                Err(tantivy::TantivyError::OpenReadError(
                    tantivy::directory::error::OpenReadError::FileDoesNotExist(_),
                )) if attempt < OPEN_ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
                    continue;
                }
                Err(e) => return Err(schema::open_error(dir, e)),
            };
            // tantivy opens a segment's positions file only if it is there, and a segment
            // without one fails its first phrase or term query later as "data corruption": a
            // positions file removed by a concurrent commit is found here and the open retried.
            if let Some(missing) = missing_positions(dir, &reader) {
                if attempt < OPEN_ATTEMPTS {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
                    continue;
                }
                return Err(Error::Damaged {
                    path: dir.to_path_buf(),
                    reason: format!("{}: missing", missing.display()),
                });
            }
            if schema::commit_stamp(dir) != stamp && attempt < OPEN_ATTEMPTS {
                attempt += 1;
                continue;
            }
            return Ok(Searcher {
                dir: dir.to_path_buf(),
                reader,
                fields,
                manifest,
                ids: IdCache::default(),
                model: None,
                vectors: Arc::default(),
                cwd: None,
            });
        }
    }

    /// The manifest of the commit this searcher reads.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// True if the index holds passage vectors (built with `reel index --semantic`).
    pub fn is_semantic(&self) -> bool {
        self.manifest.semantic.is_some()
    }

    /// The model that embeds queries, once set.
    pub fn model(&self) -> Option<Arc<crate::embed::Model>> {
        self.model.clone()
    }

    /// Gives the searcher the model that embeds queries: the one the index was built with.
    pub fn set_model(&mut self, model: Arc<crate::embed::Model>) -> Result<()> {
        let Some(s) = &self.manifest.semantic else {
            return Err(self.not_semantic());
        };
        if s.model != model.fingerprint {
            return Err(Error::Model(format!(
                "{} was embedded with another model ({}, fingerprint {}) than {} (fingerprint                  {}); use that model, or re-embed with `reel index --rebuild --semantic`",
                self.dir.display(),
                s.model_name,
                s.model,
                model.dir.display(),
                model.fingerprint
            )));
        }
        self.model = Some(model);
        Ok(())
    }

    /// Embeds queries with the searcher's model, on `threads` threads.
    pub fn embed_queries(&self, texts: &[&str], threads: usize) -> Result<Vec<Arc<Vec<f32>>>> {
        let model = self.model.as_ref().ok_or_else(|| self.no_model())?;
        let (vectors, _) = model.embed(texts, threads);
        Ok(vectors.into_iter().map(Arc::new).collect())
    }

    /// An error unless the index holds passage vectors.
    pub fn require_semantic(&self) -> Result<()> {
        if self.is_semantic() {
            Ok(())
        } else {
            Err(self.not_semantic())
        }
    }

    pub(super) fn not_semantic(&self) -> Error {
        Error::Query(format!(
            "{} has no passage vectors; build it with `reel index --semantic` for semantic or              hybrid search",
            self.dir.display()
        ))
    }

    pub(super) fn no_model(&self) -> Error {
        Error::Internal("semantic search without a model".into())
    }

    /// What the user should know about the index itself before searching it (built with other
    /// word stems than this reel makes).
    pub fn warnings(&self) -> Vec<String> {
        self.manifest
            .analyzer_warning()
            .map(|m| format!("{}: {m}", self.dir.display()))
            .into_iter()
            .collect()
    }

    /// ANDs the `--filter` expressions onto the query, without changing its scores.
    pub(super) fn with_filters(
        &self,
        query: Box<dyn Query>,
        filters: &[Filter],
    ) -> Result<Box<dyn Query>> {
        if filters.is_empty() {
            return Ok(query);
        }
        let mut builder = Builder::new(&self.fields, &self.manifest).with_cwd(self.cwd.clone());
        let mut clauses = vec![(Occur::Must, query)];
        let searcher = self.reader.searcher();
        if let Some(q) =
            source::places_query(filters, &self.fields, &searcher, self.cwd.as_deref())?
        {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>,
            ));
        }
        for f in filters.iter().filter(|f| !source::is_place(f)) {
            let (q, negate) = filter::filter_query(f, &self.fields, &self.manifest, &mut builder)?;
            clauses.push(if negate {
                (
                    Occur::MustNot,
                    Box::new(exclude::ForwardOnly(q)) as Box<dyn Query>,
                )
            } else {
                (Occur::Must, q)
            });
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// Calls `f` with the metadata of every document (read from its first passage).
    pub fn for_each_metadata(&self, mut f: impl FnMut(Metadata)) -> Result<()> {
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_u64(self.fields.passage_id, 0),
            IndexRecordOption::Basic,
        );
        let docs = searcher.search(&q, &tantivy::collector::DocSetCollector)?;
        for addr in docs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            f(hits::metadata_in(&self.fields, &doc));
        }
        Ok(())
    }

    /// Passages in the index.
    pub fn num_passages(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Documents in the index (passages with ordinal 0).
    pub fn num_documents(&self) -> Result<u64> {
        let term = Term::from_field_u64(self.fields.passage_id, 0);
        let q = TermQuery::new(term, IndexRecordOption::Basic);
        Ok(self.reader.searcher().search(&q, &Count)? as u64)
    }
}

/// The first positions file of the reader's segments that is not in `dir` (every segment of a
/// reel index has one: its text and title keep positions).
fn missing_positions(dir: &Path, reader: &IndexReader) -> Option<std::path::PathBuf> {
    reader
        .searcher()
        .segment_readers()
        .iter()
        .map(|s| dir.join(format!("{}.pos", s.segment_id().uuid_string())))
        .find(|path| !path.is_file())
}
