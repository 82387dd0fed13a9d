//! Searching an index: parse the query, rank passages with BM25 over text, title (weighted) and
//! metadata, keep at most K passages per document, and return plain [`Hit`] data with the
//! matched words as byte ranges. Printing is the `output` module's job.
//!
//! One file per job: [`query`] (the query language, pure), [`build`] (syntax tree to tantivy
//! query), [`filter`] (`--filter` and `--sort`), [`expand`] (questions, proximity, feedback),
//! [`collect`] (deterministic top-k and grouping), [`hits`] (filling in hits, highlights) and
//! [`batch`] (queries files, threads).

pub mod batch;
pub mod build;
pub mod collect;
pub mod expand;
pub mod filter;
pub mod hits;
pub mod query;

use std::collections::HashMap;
use std::path::Path;

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{IndexReader, ReloadPolicy, TantivyDocument, Term};

pub use batch::{read_queries, BatchQuery};
pub use build::{META_BOOST, TITLE_BOOST};
pub use filter::{Filter, FilterOp, Sort};
pub use hits::Hit;

use crate::error::{Error, Result};
use crate::meta::Metadata;
use crate::schema::{self, Fields, Manifest};
use build::{Builder, Built};
use collect::{IdCache, Key, Ranked};

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// The query, in reel's query syntax.
    pub query: String,
    /// Most hits to return.
    pub limit: usize,
    /// Most passages to return from any one document.
    pub per_doc: Option<usize>,
    /// Conditions every hit must meet (ANDed).
    pub filters: Vec<Filter>,
    /// Order by a numeric or date field instead of relevance.
    pub sort: Option<Sort>,
    /// Rank passages, or documents (by their best passage).
    pub unit: Unit,
    /// Read the query as plain words: no operators, fields or phrases (for natural-language
    /// questions, such as a file of test queries).
    pub literal: bool,
    /// Expand the query with words from its best passages (pseudo-relevance feedback).
    pub feedback: bool,
    /// Fill in only rank, score, document id and passage id (for TREC runs and evaluation):
    /// no text, highlights, title, source or metadata, and no count of all matches.
    pub ids_only: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            query: String::new(),
            limit: 10,
            per_doc: None,
            filters: Vec::new(),
            sort: None,
            unit: Unit::Passage,
            literal: false,
            feedback: false,
            ids_only: false,
        }
    }
}

/// What is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// Passages (several may come from one document).
    #[default]
    Passage,
    /// Documents, each scored by its best passage and shown with it. The best passage (max)
    /// is what a reader of the hit sees, and unlike a sum it does not favour long documents
    /// for having many passages (measured: adding 0.2 of the other passages' scores took
    /// SciFact train nDCG@10 from 0.689 to 0.679, 0.4 to 0.639).
    Doc,
}

/// Hits plus what the user should be told about the query.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Ranked hits, best first.
    pub hits: Vec<Hit>,
    /// Passages that matched in all (before the limit and the per-document cap).
    pub total_matches: usize,
    /// Warnings for the user (stderr): repairs made to read the query.
    pub warnings: Vec<String>,
    /// Why nothing could match, when the query has nothing to search for (`!!!`, `-oscar`).
    pub nothing: Option<String>,
}

/// An open index, ready to answer queries.
pub struct Searcher {
    dir: std::path::PathBuf,
    reader: IndexReader,
    fields: Fields,
    manifest: Manifest,
    /// Document ids read so far (a batch reads each once).
    ids: IdCache,
}

/// Times opening an index is retried when a concurrent commit removed a file it named.
const OPEN_ATTEMPTS: u64 = 20;

impl Searcher {
    /// Opens the index in `dir` at its last commit.
    ///
    /// A `reel index` running meanwhile may commit and remove the files of the commit being
    /// opened between reading `meta.json` and opening them; the open is then retried on the new
    /// commit (files already open stay readable).
    pub fn open(dir: &Path) -> Result<Searcher> {
        let mut attempt = 0;
        loop {
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
            return Ok(Searcher {
                dir: dir.to_path_buf(),
                reader,
                fields,
                manifest,
                ids: IdCache::default(),
            });
        }
    }

    /// The manifest of the commit this searcher reads.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
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

    /// Runs one search.
    pub fn search(&self, opts: &SearchOptions) -> Result<SearchResults> {
        // A panic inside tantivy fails the search, not the program. The queries reel builds are
        // ones tantivy runs, so what is left is a file tantivy could not read.
        let run =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.search_inner(opts)));
        let result = run.unwrap_or_else(|payload| {
            Err(Error::Damaged {
                path: self.dir.clone(),
                reason: format!(
                    "reading it failed ({})",
                    crate::error::panic_message(&*payload)
                ),
            })
        });
        result.map_err(|e| match e {
            Error::Tantivy(
                tantivy::TantivyError::InvalidArgument(m)
                | tantivy::TantivyError::SchemaError(m)
                | tantivy::TantivyError::FieldNotFound(m),
            ) => Error::Query(format!("cannot be run: {m}")),
            // Reading the index failed: say why, with the index's own folder.
            Error::Tantivy(t) => Error::from_tantivy(&self.dir, t, false),
            other => other,
        })
    }

    /// Turns the query text into a tantivy query (with the proximity bonus for plain words),
    /// collecting the repairs made to read it.
    fn build(&self, opts: &SearchOptions, warnings: &mut Vec<String>) -> Result<Built> {
        let mut builder = Builder::new(&self.fields, &self.manifest);
        if opts.literal {
            // No proximity bonus for questions: on the judged collections' questions it made no
            // measurable difference (their words are rarely all within a few words of each
            // other) and it costs a phrase search per query.
            return builder.build(&expand::literal_query(&opts.query));
        }
        query::check_limits(&opts.query).map_err(Error::Query)?;
        if opts.query.trim().is_empty() {
            return Err(Error::Query("the query is empty".into()));
        }
        let cleaned;
        let input = if opts.query.chars().any(char::is_control) {
            warnings.push("control characters in the query read as spaces".into());
            cleaned = opts
                .query
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>();
            cleaned.as_str()
        } else {
            opts.query.as_str()
        };
        let parsed = query::parse(input, &|name| build::is_query_field(&self.manifest, name));
        warnings.extend(parsed.problems.iter().map(|p| format!("query: {p}")));
        let built = builder.build(&parsed.expr)?;
        Ok(match (built, expand::plain_words(&parsed.expr)) {
            (Built::Query(q), Some(words)) if words.len() >= 2 => {
                Built::Query(expand::with_proximity(&self.fields, &words, q))
            }
            (built, _) => built,
        })
    }

    fn search_inner(&self, opts: &SearchOptions) -> Result<SearchResults> {
        let mut warnings = Vec::new();
        let query = match self.build(opts, &mut warnings)? {
            Built::Query(q) => q,
            Built::Nothing(why) => {
                return Ok(SearchResults {
                    warnings,
                    nothing: Some(why),
                    ..SearchResults::default()
                })
            }
        };
        let searcher = self.reader.searcher();
        let query = if opts.feedback {
            expand::with_feedback(&searcher, &self.fields, query, &self.ids)?
        } else {
            query
        };
        // Highlights come from the query itself, not from the filters.
        let text_terms = expand::text_terms(&self.fields, &*query);
        let query = self.with_filters(query, &opts.filters)?;
        let key = match &opts.sort {
            Some(sort) => {
                let (column, desc) = filter::check_sort(&self.manifest, sort)?;
                Key::Field { column, desc }
            }
            None => Key::Score,
        };
        let total_matches = if opts.ids_only {
            0
        } else {
            searcher.search(&*query, &Count)?
        };

        let limit = opts.limit.max(1);
        let per_doc = match opts.unit {
            Unit::Doc => Some(1),
            Unit::Passage => opts.per_doc,
        };
        // Capping per document needs more passages than hits; start at twice as many (most
        // documents have one or two matching passages) and ask for more if that falls short.
        let mut want = match per_doc {
            Some(_) => limit.saturating_mul(2),
            None => limit,
        };
        let top = loop {
            let top = collect::top(&searcher, &*query, want, key.clone(), &self.ids)?;
            let exhausted = top.len() < want;
            let capped = cap_per_doc(top, per_doc);
            if capped.len() >= limit || exhausted {
                break capped;
            }
            want = want.saturating_mul(4);
        };
        let mut top: Vec<Ranked> = top.into_iter().take(limit).collect();
        let hits = if opts.ids_only {
            collect::fill_ids(&searcher, &mut top, &self.ids);
            hits::id_hits(top)
        } else {
            let scored = matches!(key, Key::Score);
            hits::full_hits(&searcher, &self.fields, &*query, top, scored, &text_terms)?
        };
        Ok(SearchResults {
            hits,
            total_matches,
            warnings,
            nothing: None,
        })
    }

    /// ANDs the `--filter` expressions onto the query, without changing its scores.
    fn with_filters(&self, query: Box<dyn Query>, filters: &[Filter]) -> Result<Box<dyn Query>> {
        if filters.is_empty() {
            return Ok(query);
        }
        let mut builder = Builder::new(&self.fields, &self.manifest);
        let mut clauses = vec![(Occur::Must, query)];
        for f in filters {
            let (q, negate) = filter::filter_query(f, &self.fields, &self.manifest, &mut builder)?;
            clauses.push((if negate { Occur::MustNot } else { Occur::Must }, q));
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

/// Keeps at most `per_doc` passages of any document, in rank order (so with 1, each document
/// is ranked by its best passage).
fn cap_per_doc(top: Vec<Ranked>, per_doc: Option<usize>) -> Vec<Ranked> {
    let Some(k) = per_doc else { return top };
    let mut seen: HashMap<u64, usize> = HashMap::new();
    top.into_iter()
        .filter(|r| {
            let n = seen.entry(r.doc_ord).or_insert(0);
            *n += 1;
            *n <= k
        })
        .collect()
}
