//! Searching an index: parse the query, rank passages with BM25 over text, title (weighted) and
//! metadata, keep at most K passages per document, and return plain [`Hit`] data with the
//! matched words as byte ranges. Printing is the `output` module's job.
//!
//! One file per job: [`query`] (the query language, pure), [`build`] (syntax tree to tantivy
//! query), [`coord`] (coordination: more of a keyword query's words, higher), [`filter`]
//! (`--filter` and `--sort`), [`expand`] (keyword queries, questions, proximity, feedback),
//! [`collect`] (deterministic top-k and grouping), [`hits`] (filling in hits: highlights in the
//! text, title and metadata, the line), [`suggest`] ("did you mean") and [`batch`] (queries
//! files, threads).

pub mod batch;
pub mod build;
pub mod collect;
pub mod coord;
pub mod expand;
pub mod filter;
pub mod hits;
pub mod query;
pub mod suggest;

use std::collections::HashMap;
use std::path::Path;

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{IndexReader, ReloadPolicy, TantivyDocument, Term};

pub use batch::{read_queries, BatchQuery};
pub use build::{META_BOOST, TITLE_BOOST};
pub use filter::{Filter, FilterOp, Sort};
pub use hits::{Hit, MetaMatch};

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
    /// The query with its words that match nothing replaced by the closest words of the index
    /// (`huntingdon` -> `huntington`): a suggestion for the user, never searched by itself.
    pub did_you_mean: Option<String>,
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

    /// Turns the query text into a tantivy query, collecting the repairs made to read it. A
    /// keyword query ([`expand::keyword_words`]: two to four plain words) is coordinated and
    /// gets the proximity bonus; so does a longer query of plain words typed on the command
    /// line, without the coordination. Says whether the query was a keyword query.
    fn build(&self, opts: &SearchOptions, warnings: &mut Vec<String>) -> Result<Prepared> {
        let mut builder = Builder::new(&self.fields, &self.manifest);
        let literal;
        let parsed;
        let expr = if opts.literal {
            literal = expand::literal_query(&opts.query);
            &literal
        } else {
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
            parsed = query::parse(input, &|name| build::is_query_field(&self.manifest, name));
            warnings.extend(parsed.problems.iter().map(|p| format!("query: {p}")));
            &parsed.expr
        };
        // The words checked for typos, when the query was typed (not a question of a batch).
        let typed_words = if opts.literal {
            Vec::new()
        } else {
            suggest::query_words(expr)
        };
        let fuzzy = suggest::fuzzy_words(expr);
        if let Some(words) = expand::keyword_words(expr) {
            let built = match builder.build_coordinated(expr)? {
                Built::Query(q) => Built::Query(expand::with_proximity(&self.fields, &words, q)),
                nothing => nothing,
            };
            return Ok(Prepared {
                built,
                keyword: true,
                typed_words,
                fuzzy,
            });
        }
        let built = builder.build(expr)?;
        // No proximity bonus for questions: on the judged collections' questions it made no
        // measurable difference (their words are rarely all within a few words of each other)
        // and it costs a phrase search per query.
        let built = match (built, expand::plain_words(expr)) {
            (Built::Query(q), Some(words)) if words.len() >= 2 && !opts.literal => {
                Built::Query(expand::with_proximity(&self.fields, &words, q))
            }
            (built, _) => built,
        };
        Ok(Prepared {
            built,
            keyword: false,
            typed_words,
            fuzzy,
        })
    }

    fn search_inner(&self, opts: &SearchOptions) -> Result<SearchResults> {
        let mut warnings = Vec::new();
        let Prepared {
            built,
            keyword,
            typed_words,
            fuzzy,
        } = self.build(opts, &mut warnings)?;
        let query = match built {
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
        // Feedback is for questions: the words of a keyword query are what the user wants, and
        // words from its best passages would move other documents above the one that has them.
        let query = if opts.feedback && !keyword {
            expand::with_feedback(&searcher, &self.fields, query, &self.ids)?
        } else {
            query
        };
        // Highlights come from the query itself, not from the filters.
        let mut terms = hits::MatchTerms::of(&self.fields, &*query);
        let mut analyzer = crate::analyzer::analyzer();
        for (word, edits) in fuzzy {
            let mut stream = analyzer.token_stream(&word);
            while stream.advance() {
                terms
                    .fuzzy
                    .push((stream.token().text.chars().collect(), usize::from(edits)));
            }
        }
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
            hits::full_hits(&searcher, &self.fields, &*query, top, scored, &terms)?
        };
        let did_you_mean = if typed_words.is_empty() || opts.ids_only {
            None
        } else {
            suggest::did_you_mean(&searcher, &self.fields, &typed_words)?
        };
        Ok(SearchResults {
            hits,
            total_matches,
            warnings,
            nothing: None,
            did_you_mean,
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

/// A query ready to run, with what the search needs to know about it.
struct Prepared {
    built: Built,
    /// A keyword query ([`expand::keyword_words`]): coordinated, no feedback.
    keyword: bool,
    /// The words to check for typos ([`suggest::query_words`]; none for a batch question).
    typed_words: Vec<String>,
    /// Words with edits allowed (`word~N`), for highlighting what they matched.
    fuzzy: Vec<(String, u8)>,
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
