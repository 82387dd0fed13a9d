//! Searching an index: parse the query, rank passages with BM25 over text, title (weighted) and
//! metadata, keep at most K passages per document, and return plain [`Hit`] data with the
//! matched words as byte ranges. Printing is the `output` module's job.
//!
//! One file per job: [`query`] (the query language, pure), [`build`] (syntax tree to tantivy
//! query), [`coord`] (coordination: more of a keyword query's words, higher; its pruning skips
//! passages that cannot make the top) with [`phrase`] (its bonus phrases), [`exclude`]
//! (excluded clauses, never sought backwards), [`filter`] (`--filter` and `--sort`), [`expand`] (keyword queries, questions, proximity, feedback),
//! [`collect`] (deterministic top-k and grouping), [`hits`] (filling in hits: highlights in the
//! text, title and metadata, the line), [`suggest`] ("did you mean"), [`batch`] (queries
//! files, threads, results handed back in order as they come), [`impact`] (a batch's fast path: postings read once for all its queries)
//! [`semantic`] (vectors and fusion) and [`hybrid`] (a semantic or hybrid search's own steps).

pub mod batch;
pub mod build;
pub mod collect;
pub mod coord;
mod exclude;
pub mod expand;
pub mod filter;
pub mod hits;
mod hybrid;
pub mod impact;
pub mod phrase;
pub mod query;
pub mod semantic;
pub mod suggest;

use std::path::Path;
use std::sync::Arc;

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{IndexReader, ReloadPolicy, TantivyDocument, Term};

pub use batch::{read_queries, BatchQuery};
pub use build::{META_BOOST, TITLE_BOOST};
pub use filter::{Filter, FilterOp, Sort};
pub use hits::{Hit, MetaMatch};
pub use semantic::Mode;

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
    /// Words, meaning, or both ([`Mode`]); semantic and hybrid need a semantic index and a
    /// model ([`Searcher::set_model`]) or the query's vector.
    pub mode: Mode,
    /// The query's vector, when already embedded (a batch embeds all its queries at once).
    pub query_vector: Option<Arc<Vec<f32>>>,
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
            mode: Mode::Lexical,
            query_vector: None,
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
    /// The sentence-embedding model, for semantic and hybrid search.
    model: Option<Arc<crate::embed::Model>>,
    /// Passage vectors read so far.
    vectors: Arc<semantic::VectorCache>,
    /// The folder hits show their source relative to (when it lies below it), and a relative
    /// `source` in a query or filter is taken from.
    cwd: Option<std::path::PathBuf>,
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

    fn not_semantic(&self) -> Error {
        Error::Query(format!(
            "{} has no passage vectors; build it with `reel index --semantic` for semantic or              hybrid search",
            self.dir.display()
        ))
    }

    fn no_model(&self) -> Error {
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

    /// Runs one search.
    pub fn search(&self, opts: &SearchOptions) -> Result<SearchResults> {
        // A panic inside tantivy fails the search, not the program. The queries reel builds are
        // ones tantivy runs, so what is left is a file tantivy could not read.
        let run =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.search_inner(opts)));
        let result = run.unwrap_or_else(|_| {
            Err(Error::Damaged {
                path: self.dir.clone(),
                reason: crate::error::UNREADABLE.to_string(),
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
            // A field's clause that cannot be built is shown where it is in the query.
            return self.build_expr(opts, &parsed.expr).map_err(|e| match e {
                Error::Query(m) => Error::Query(query::locate(input, m)),
                other => other,
            });
        };
        self.build_expr(opts, expr)
    }

    /// [`Self::build`] once the query is read.
    fn build_expr(&self, opts: &SearchOptions, expr: &query::Expr) -> Result<Prepared> {
        let mut builder = Builder::new(&self.fields, &self.manifest).with_cwd(self.cwd.clone());
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
            let all_words = match builder.build(&expand::every_word(expr))? {
                Built::Query(q) => Some(q),
                Built::Nothing(_) => None,
            };
            let title_words = words.iter().map(|w| w.to_string()).collect();
            return Ok(Prepared {
                built,
                keyword: true,
                typed_words,
                fuzzy,
                all_words,
                title_words,
            });
        }
        let built = builder.build(expr)?;
        // No proximity bonus for questions: on the judged collections' questions it made no
        // measurable difference (their words are rarely all within a few words of each other)
        // and it costs a phrase search per query.
        let plain = expand::plain_words(expr).filter(|_| !opts.literal);
        let built = match (built, &plain) {
            (Built::Query(q), Some(words)) if words.len() >= 2 => {
                Built::Query(expand::with_proximity(&self.fields, words, q))
            }
            (built, _) => built,
        };
        // A longer title typed whole is a title too (`The Great British Baking Show`).
        let title_words = plain
            .unwrap_or_default()
            .iter()
            .map(|w| w.to_string())
            .collect();
        Ok(Prepared {
            built,
            keyword: false,
            typed_words,
            fuzzy,
            all_words: None,
            title_words,
        })
    }

    fn search_inner(&self, opts: &SearchOptions) -> Result<SearchResults> {
        let mut warnings = Vec::new();
        let Prepared {
            built,
            keyword,
            typed_words,
            fuzzy,
            all_words,
            title_words,
        } = self.build(opts, &mut warnings)?;
        if self.reader.searcher().num_docs() == 0 {
            return Ok(SearchResults {
                warnings,
                nothing: Some(format!(
                    "{} holds no passages (a first `reel index` still running, or every path \
                     forgotten)",
                    self.dir.display()
                )),
                ..SearchResults::default()
            });
        }
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
        // Sorting by a field orders the passages that match the words.
        let mode = if opts.sort.is_some() {
            Mode::Lexical
        } else {
            opts.mode
        };
        // Feedback is for questions: the words of a keyword query are what the user wants, and
        // words from its best passages would move other documents above the one that has them.
        // Hybrid search does without it: the semantic ranking finds what feedback would (on
        // SciFact's train queries, hybrid nDCG@10 0.738 without feedback, 0.732 with it).
        let query = if opts.feedback && !keyword && mode == Mode::Lexical {
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
        let lexical_query = query;
        let query = self.with_filters(lexical_query.box_clone(), &opts.filters)?;
        let key = match &opts.sort {
            Some(sort) => {
                let (column, desc) = filter::check_sort(&self.manifest, sort)?;
                Key::Field { column, desc }
            }
            None => Key::Score,
        };
        let vector_query = self.vector_query(opts, mode)?;
        // A query that is a document's whole title ranks that document first
        // ([`expand::exact_title`]); not when ordering by a field or by meaning alone.
        let exact = if title_words.is_empty() || opts.sort.is_some() || mode == Mode::Semantic {
            Vec::new()
        } else {
            let words: Vec<&str> = title_words.iter().map(String::as_str).collect();
            expand::exact_title(&searcher, &self.fields, &words)?
        };
        let limit = opts.limit.max(1);
        let per_doc = match opts.unit {
            Unit::Doc => Some(1),
            Unit::Passage => opts.per_doc,
        };
        let ranked = |q: &dyn Query| self.ranked(&searcher, q, key.clone(), &exact, limit, per_doc);
        let (mut top, parts): (Vec<Ranked>, Option<Vec<semantic::Fused>>) =
            match (mode, &vector_query) {
                (Mode::Semantic, Some(vq)) => (ranked(&**vq)?, None),
                (Mode::Hybrid, Some(vq)) => {
                    let fused = self.hybrid(&hybrid::Run {
                        searcher: &searcher,
                        query: &*query,
                        vector: &**vq,
                        exact: &exact,
                        keyword,
                        all_words: all_words.as_deref(),
                        filters: &opts.filters,
                        limit,
                        per_doc,
                    })?;
                    (
                        fused.iter().map(|f| f.ranked.clone()).collect(),
                        Some(fused),
                    )
                }
                _ => (ranked(&*query)?, None),
            };
        let found = !top.is_empty();
        top.truncate(limit);
        let mut hits = if opts.ids_only {
            collect::fill_ids(&searcher, &mut top, &self.ids);
            hits::id_hits(top)
        } else {
            let scored = matches!(key, Key::Score);
            let explain: &dyn Query = match (mode, &vector_query) {
                (Mode::Semantic, Some(vq)) => &**vq,
                _ => &*query,
            };
            let mut hits = hits::full_hits(&searcher, &self.fields, explain, top, scored, &terms)?;
            hits::show_paths(&mut hits, self.cwd.as_deref());
            hits
        };
        if !opts.ids_only {
            self.part_scores(
                &searcher,
                &mut hits,
                mode,
                parts.as_deref(),
                &*query,
                vector_query.as_deref(),
            )?;
        }
        if !found && !opts.literal {
            let is_field = |name: &str| build::is_query_field(&self.manifest, name);
            warnings.extend(suggest::field_hint(&self.manifest, &is_field, &typed_words));
        }
        // A suggestion when the words found nothing, or when a keyword query has a word that
        // matches nothing; a longer query that finds passages does not need one.
        let did_you_mean = if typed_words.is_empty() || opts.ids_only || (found && !keyword) {
            None
        } else {
            suggest::did_you_mean(&searcher, &self.fields, &typed_words)?
        };
        Ok(SearchResults {
            hits,
            warnings,
            nothing: None,
            did_you_mean,
        })
    }

    /// The best `limit` passages for `q` in the order of `key`, whole-title bonuses applied,
    /// at most `per_doc` of any document.
    fn ranked(
        &self,
        searcher: &tantivy::Searcher,
        q: &dyn Query,
        key: Key,
        exact: &[(tantivy::DocAddress, tantivy::Score)],
        limit: usize,
        per_doc: Option<usize>,
    ) -> Result<Vec<Ranked>> {
        // Capping per document needs more passages than hits; start at twice as many (most
        // documents have one or two matching passages) and ask for more if that falls short.
        let mut want = match per_doc {
            Some(_) => limit.saturating_mul(2),
            None => limit,
        };
        loop {
            let top = collect::top(searcher, q, want, key.clone(), &self.ids)?;
            let exhausted = top.len() < want;
            let top = collect::with_bonus(searcher, q, top, exact, want, &self.ids)?;
            let capped = cap_per_doc(top, per_doc);
            if capped.len() >= limit || exhausted {
                return Ok(capped);
            }
            want = want.saturating_mul(4);
        }
    }

    /// ANDs the `--filter` expressions onto the query, without changing its scores.
    fn with_filters(&self, query: Box<dyn Query>, filters: &[Filter]) -> Result<Box<dyn Query>> {
        if filters.is_empty() {
            return Ok(query);
        }
        let mut builder = Builder::new(&self.fields, &self.manifest).with_cwd(self.cwd.clone());
        let mut clauses = vec![(Occur::Must, query)];
        for f in filters {
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

/// A query ready to run, with what the search needs to know about it.
struct Prepared {
    built: Built,
    /// A keyword query ([`expand::keyword_words`]): coordinated, no feedback.
    keyword: bool,
    /// The words to check for typos ([`suggest::query_words`]; none for a batch question).
    typed_words: Vec<String>,
    /// Words with edits allowed (`word~N`), for highlighting what they matched.
    fuzzy: Vec<(String, u8)>,
    /// For a keyword query, the passages holding every one of its words (see [`semantic`]).
    all_words: Option<Box<dyn Query>>,
    /// The words of a keyword query, or of plain words typed on the command line, for the
    /// title bonus ([`expand::exact_title`]).
    title_words: Vec<String>,
}

/// Keeps at most `per_doc` passages of any document, in rank order (so with 1, each document
/// is ranked by its best passage).
fn cap_per_doc(top: Vec<Ranked>, per_doc: Option<usize>) -> Vec<Ranked> {
    cap_per_doc_by(top, per_doc, |r| r.doc_ord)
}

/// [`cap_per_doc`] for items whose document ordinal `doc_ord` gives.
fn cap_per_doc_by<T>(items: Vec<T>, per_doc: Option<usize>, doc_ord: impl Fn(&T) -> u64) -> Vec<T> {
    let Some(k) = per_doc else { return items };
    let mut seen: rustc_hash::FxHashMap<u64, usize> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(items.len(), Default::default());
    items
        .into_iter()
        .filter(|item| {
            let n = seen.entry(doc_ord(item)).or_insert(0);
            *n += 1;
            *n <= k
        })
        .collect()
}
