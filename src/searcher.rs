//! Searching an index: parse the query (leniently when it does not parse), rank passages with
//! BM25 over text, title (boosted) and metadata, keep at most K passages per document, and return
//! plain [`Hit`] data with the matched words as byte ranges. Printing is the `output` module's job.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, QueryParser, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, Order, ReloadPolicy, TantivyDocument, Term};

use crate::corpus::Metadata;
use crate::error::{Error, Result};
use crate::schema::{self, Fields, Manifest, MetaType};

/// Weight of a title match relative to a passage-text match. The title is also indexed as part
/// of the first passage's text, so it already counts there; this field adds a little of it to
/// every passage of the document. Measured (SciFact train nDCG@10, documents by best passage):
/// 0.685 at 0, 0.689 at 0.2, 0.680 at 0.5; before the title was in the first passage, 2 gave
/// 0.624 and 1 gave 0.677. Cranfield does not move (its titles repeat the text).
pub const TITLE_BOOST: f32 = 0.2;

/// Weight of a metadata match (director, year...). Below the text: metadata is repeated on every
/// passage of a document, so it tells which document, not which passage.
pub const META_BOOST: f32 = 0.5;

/// Weight of the bonus for passages where the query's words appear close together in order.
pub const PROXIMITY_BOOST: f32 = 1.0;

/// How far apart (in words) the query's words may be for the proximity bonus.
pub const PROXIMITY_SLOP: u32 = 3;

/// In document ranking, the weight of a document's other matching passages next to its best.
pub const DOC_OTHER_PASSAGES_WEIGHT: f32 = 0.0;

/// Passages read for pseudo-relevance feedback.
pub const FEEDBACK_PASSAGES: usize = 10;

/// Words added to the query by feedback.
pub const FEEDBACK_TERMS: usize = 5;

/// Weight of the strongest feedback word, relative to a query word. Measured (nDCG@10, without
/// -> with feedback): Cranfield 0.359 -> 0.367, SciFact train 0.689 -> 0.688; heavier feedback
/// (0.5, 10 words) helps Cranfield more and hurts SciFact more.
pub const FEEDBACK_WEIGHT: f32 = 0.2;

/// Feedback words found in more than this share of passages are left out.
pub const FEEDBACK_MAX_DF: f32 = 0.1;

/// Queries longer than this are refused before parsing: no real query is this long, and the
/// parser's work grows with it.
pub const MAX_QUERY_BYTES: usize = 4096;

/// Deepest parenthesis nesting accepted before parsing (the parser recurses on it).
pub const MAX_QUERY_NESTING: usize = 32;

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

/// One query of a batch: an id and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchQuery {
    /// The query id (first column of the queries file).
    pub id: String,
    /// The query text.
    pub text: String,
}

/// Reads a queries file: one `qid<TAB>query text` per line (blank lines skipped). A line
/// without a tab is an error naming the file and line.
pub fn read_queries(path: &Path) -> Result<Vec<BatchQuery>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((id, q)) = line.split_once('\t') else {
            return Err(Error::Record {
                path: path.to_path_buf(),
                line: i as u64 + 1,
                message: "expected `qid<TAB>query text`".into(),
            });
        };
        out.push(BatchQuery {
            id: id.trim().to_string(),
            text: q.to_string(),
        });
    }
    Ok(out)
}

/// What is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// Passages (several may come from one document).
    #[default]
    Passage,
    /// Documents, each scored by its best passage and shown with it. The best passage (max)
    /// is what a reader of the hit sees, and unlike a sum it does not favour long documents
    /// for having many passages.
    Doc,
}

/// Turns a natural-language question into a plain query: lower case (so `AND`, `OR`, `NOT`
/// are words), only letters and digits, English stop words dropped (unless nothing else is
/// left), and a word the question repeats weighted by its count (`titles^3`), since the parser
/// would count it once. Measured on CISI's long questions, the counts take nDCG@10 from 0.324
/// to 0.367; stop words lift CISI by 0.02 and leave SciFact and Cranfield within 0.002.
pub fn literal_query(q: &str) -> String {
    let plain = q
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .to_lowercase();
    let mut words = crate::analyzer::stop_word_splitter();
    let mut kept: Vec<String> = Vec::new();
    {
        let mut stream = words.token_stream(&plain);
        while stream.advance() {
            kept.push(stream.token().text.clone());
        }
    }
    if kept.is_empty() {
        return plain;
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for w in kept {
        match counts.iter_mut().find(|(k, _)| *k == w) {
            Some((_, n)) => *n += 1,
            None => counts.push((w, 1)),
        }
    }
    counts
        .into_iter()
        .map(|(w, n)| if n > 1 { format!("{w}^{n}") } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A comparison in a `--filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// `=` or `:`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `<`
    Lt,
}

/// A `--filter FIELD OP VALUE` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The field (a metadata key, or `doc_id`, `source`, `title`, `text`).
    pub field: String,
    /// The comparison.
    pub op: FilterOp,
    /// The value, as typed.
    pub value: String,
    /// The whole expression, for messages.
    pub raw: String,
}

impl std::str::FromStr for Filter {
    type Err = String;

    /// Parses `release_year>=2015`, `listed_in=Documentaries`, `rating!=R`, `year:2017`.
    fn from_str(raw: &str) -> std::result::Result<Filter, String> {
        let ops = [
            (">=", FilterOp::Ge),
            ("<=", FilterOp::Le),
            ("!=", FilterOp::Ne),
            (">", FilterOp::Gt),
            ("<", FilterOp::Lt),
            ("=", FilterOp::Eq),
            (":", FilterOp::Eq),
        ];
        let (at, len, op) = ops
            .iter()
            .filter_map(|(sym, op)| raw.find(sym).map(|i| (i, sym.len(), *op)))
            .min_by_key(|(i, len, _)| (*i, std::cmp::Reverse(*len)))
            .ok_or_else(|| {
                format!("`{raw}`: expected FIELD=VALUE, FIELD>=VALUE, FIELD<VALUE...")
            })?;
        let field = raw[..at].trim();
        let value = raw[at + len..].trim();
        if field.is_empty() || value.is_empty() {
            return Err(format!(
                "`{raw}`: expected FIELD=VALUE, FIELD>=VALUE, FIELD<VALUE..."
            ));
        }
        Ok(Filter {
            field: field.to_string(),
            op,
            value: value.to_string(),
            raw: raw.to_string(),
        })
    }
}

/// A `--sort FIELD[:asc|desc]` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    /// The metadata field.
    pub field: String,
    /// Ascending or descending.
    pub order: Order,
}

impl std::str::FromStr for Sort {
    type Err = String;

    /// Parses `release_year`, `release_year:asc`, `date_added:desc` (descending by default).
    fn from_str(raw: &str) -> std::result::Result<Sort, String> {
        let (field, order) = match raw.rsplit_once(':') {
            Some((f, "asc")) => (f, Order::Asc),
            Some((f, "desc")) => (f, Order::Desc),
            Some((_, other)) => return Err(format!("`{other}`: the order is asc or desc")),
            None => (raw, Order::Desc),
        };
        if field.is_empty() {
            return Err("a field name is needed".into());
        }
        Ok(Sort {
            field: field.to_string(),
            order,
        })
    }
}

fn type_name(t: MetaType) -> &'static str {
    match t {
        MetaType::Integer => "integers",
        MetaType::Float => "decimal numbers",
        MetaType::Text => "text",
        MetaType::Keywords => "keywords",
        MetaType::Date => "dates",
    }
}

/// One ranked passage. This is the JSON contract of `reel search --json` (one object per line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// 1-based rank.
    pub rank: usize,
    /// BM25-based relevance score (higher is better).
    pub score: f32,
    /// The document id.
    pub doc_id: String,
    /// The document title.
    pub title: String,
    /// The passage's ordinal within its document, from 0.
    pub passage_id: u64,
    /// The whole passage text.
    pub text: String,
    /// `[start, end)` byte ranges of the matched words in `text`.
    pub highlights: Vec<[usize; 2]>,
    /// The file the document came from.
    pub source: String,
    /// The document's typed metadata.
    pub metadata: Metadata,
}

/// Hits plus the warnings met on the way (a query that had to be read leniently).
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Ranked hits, best first.
    pub hits: Vec<Hit>,
    /// Passages that matched in all (before the limit and the per-document cap).
    pub total_matches: usize,
    /// Warnings for the user (stderr).
    pub warnings: Vec<String>,
}

/// An open index, ready to answer queries.
pub struct Searcher {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    manifest: Manifest,
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
            let (index, fields, manifest) = schema::open(dir)?;
            let reader = match index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
            {
                Ok(reader) => reader,
                Err(tantivy::TantivyError::OpenReadError(
                    tantivy::directory::error::OpenReadError::FileDoesNotExist(_),
                )) if attempt < OPEN_ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
                    continue;
                }
                Err(e) => {
                    return Err(Error::Damaged {
                        path: dir.to_path_buf(),
                        reason: format!("cannot read it: {e}"),
                    })
                }
            };
            return Ok(Searcher {
                index,
                reader,
                fields,
                manifest,
            });
        }
    }

    /// The manifest of the commit this searcher reads.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Runs one search.
    pub fn search(&self, opts: &SearchOptions) -> Result<SearchResults> {
        // tantivy panics on some queries its parser lets through (a range whose bounds are an
        // integer and a decimal, found by fuzzing): the query fails, not the program.
        let run =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.search_inner(opts)));
        let result = run.unwrap_or_else(|payload| {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(Error::Query(format!("cannot be run: {message}")))
        });
        result.map_err(|e| match e {
            // What the lenient parser let through but tantivy cannot run is the query's fault.
            Error::Tantivy(
                tantivy::TantivyError::InvalidArgument(m)
                | tantivy::TantivyError::SchemaError(m)
                | tantivy::TantivyError::FieldNotFound(m),
            ) => Error::Query(format!("cannot be run: {m}")),
            other => other,
        })
    }

    fn search_inner(&self, opts: &SearchOptions) -> Result<SearchResults> {
        let mut warnings = Vec::new();
        let parsed = if opts.literal {
            // No proximity bonus for questions: on the judged collections' questions it made no
            // measurable difference (their words are rarely all within a few words of each
            // other) and it costs a phrase search per query.
            self.parse(&literal_query(&opts.query), false, &mut warnings)?
        } else {
            self.parse(&opts.query, true, &mut warnings)?
        };
        let parsed = if opts.feedback {
            self.with_feedback(parsed)?
        } else {
            parsed
        };
        let query = self.with_filters(parsed, &opts.filters)?;
        let sort = opts.sort.as_ref().map(|s| self.check_sort(s)).transpose()?;
        let searcher = self.reader.searcher();
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
            let top = self.collect(&searcher, &*query, want, sort.as_ref())?;
            let exhausted = top.len() < want;
            let capped = if opts.unit == Unit::Doc {
                best_per_doc(&searcher, top)?
            } else {
                cap_per_doc(&searcher, top, per_doc)?
            };
            if capped.len() >= limit || exhausted {
                break capped;
            }
            want = want.saturating_mul(4);
        };

        let text_terms = self.text_terms(&*query);
        let mut analyzer = crate::analyzer::analyzer();
        let mut metadata_of: HashMap<String, Metadata> = HashMap::new();
        let mut hits = Vec::with_capacity(limit);
        if opts.ids_only {
            return Ok(SearchResults {
                hits: self.id_hits(&searcher, &*query, top.into_iter().take(limit))?,
                total_matches: 0,
                warnings,
            });
        }
        for (score, addr) in top.into_iter().take(limit) {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let doc_id = self.str_of(&doc, self.fields.doc_id);
            let passage_id = doc
                .get_first(self.fields.passage_id)
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            let score = match score {
                Some(s) => s,
                None => query.explain(&searcher, addr).map_or(0.0, |e| e.value()),
            };
            let metadata = match metadata_of.get(&doc_id) {
                Some(m) => m.clone(),
                None => {
                    let m = if passage_id == 0 {
                        self.metadata_in(&doc)
                    } else {
                        self.metadata_of(&searcher, &doc_id)?
                    };
                    metadata_of.insert(doc_id.clone(), m.clone());
                    m
                }
            };
            let text = self.str_of(&doc, self.fields.text);
            let title = self.str_of(&doc, self.fields.title);
            hits.push(Hit {
                rank: hits.len() + 1,
                score,
                title: if title.is_empty() {
                    doc_id.clone()
                } else {
                    title
                },
                doc_id,
                passage_id,
                highlights: highlight(&mut analyzer, &text, &text_terms),
                text,
                source: self.str_of(&doc, self.fields.source),
                metadata,
            });
        }
        Ok(SearchResults {
            hits,
            total_matches,
            warnings,
        })
    }

    /// Runs many queries on `threads` threads; results come back in the order of `queries`.
    /// Each query gets the options of `opts` with its own text.
    pub fn search_batch(
        &self,
        queries: &[BatchQuery],
        opts: &SearchOptions,
        threads: usize,
    ) -> Vec<Result<SearchResults>> {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut slots: Vec<Option<Result<SearchResults>>> = Vec::new();
        slots.resize_with(queries.len(), || None);
        let slots = std::sync::Mutex::new(slots);
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1).min(queries.len().max(1)) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(q) = queries.get(i) else { break };
                    let mut o = opts.clone();
                    o.query = q.text.clone();
                    let r = self.search(&o);
                    if let Ok(mut slots) = slots.lock() {
                        slots[i] = Some(r);
                    }
                });
            }
        });
        slots
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Query("a search thread failed".into()))))
            .collect()
    }

    /// Hits with only rank, score, document id and passage id, read from fast fields (no
    /// stored document is decompressed).
    fn id_hits(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        top: impl Iterator<Item = (Option<f32>, DocAddress)>,
    ) -> Result<Vec<Hit>> {
        let mut hits = Vec::new();
        let mut bytes = Vec::new();
        for (score, addr) in top {
            let ff = searcher.segment_reader(addr.segment_ord).fast_fields();
            let mut doc_id = String::new();
            if let Ok(Some(col)) = ff.str(schema::names::DOC_ID) {
                if let Some(ord) = col.term_ords(addr.doc_id).next() {
                    bytes.clear();
                    if col.ord_to_bytes(ord, &mut bytes).unwrap_or(false) {
                        doc_id = String::from_utf8_lossy(&bytes).into_owned();
                    }
                }
            }
            let passage_id = ff
                .u64(schema::names::PASSAGE_ID)
                .ok()
                .and_then(|c| c.first(addr.doc_id))
                .unwrap_or(0);
            let score = match score {
                Some(s) => s,
                None => query.explain(searcher, addr).map_or(0.0, |e| e.value()),
            };
            hits.push(Hit {
                rank: hits.len() + 1,
                score,
                title: String::new(),
                doc_id,
                passage_id,
                text: String::new(),
                highlights: Vec::new(),
                source: String::new(),
                metadata: Metadata::new(),
            });
        }
        Ok(hits)
    }

    /// The top `want` passages, by score or by a metadata field. Scores are `None` when sorted
    /// by a field (they are computed for the hits kept).
    fn collect(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        want: usize,
        sort: Option<&(String, MetaType, Order)>,
    ) -> Result<Vec<(Option<f32>, DocAddress)>> {
        let Some((name, ty, order)) = sort else {
            let top = searcher.search(query, &TopDocs::with_limit(want).order_by_score())?;
            return Ok(top.into_iter().map(|(s, a)| (Some(s), a)).collect());
        };
        let column = format!("{}.{name}", schema::names::META_NUM);
        let (is_date, desc) = (*ty == MetaType::Date, *order == Order::Desc);
        // Documents without the field sort last either way.
        let key_of = move |reader: &tantivy::SegmentReader| {
            let values = numeric_column(reader, &column, is_date);
            move |doc: tantivy::DocId, _score: tantivy::Score| match values(doc) {
                Some(v) if desc => v,
                Some(v) => -v,
                None => f64::NEG_INFINITY,
            }
        };
        let addrs: Vec<DocAddress> = searcher
            .search(query, &TopDocs::with_limit(want).tweak_score(key_of))?
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        Ok(addrs.into_iter().map(|a| (None, a)).collect())
    }

    fn metadata_in(&self, doc: &TantivyDocument) -> Metadata {
        serde_json::from_str(&self.str_of(doc, self.fields.meta_json)).unwrap_or_default()
    }

    /// A document's metadata, stored once on its first passage.
    fn metadata_of(&self, searcher: &tantivy::Searcher, doc_id: &str) -> Result<Metadata> {
        let q = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.doc_id, doc_id),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(self.fields.passage_id, 0),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        let first = searcher.search(&q, &TopDocs::with_limit(1).order_by_score())?;
        match first.first() {
            Some((_, addr)) => Ok(self.metadata_in(&searcher.doc(*addr)?)),
            None => Ok(Metadata::new()),
        }
    }

    /// Checks a `--sort FIELD[:asc|desc]` against the index.
    fn check_sort(&self, sort: &Sort) -> Result<(String, MetaType, Order)> {
        match self.manifest.metadata_fields.get(&sort.field) {
            Some(ty) if ty.is_numeric() => Ok((sort.field.clone(), *ty, sort.order)),
            Some(ty) => Err(Error::Filter(format!(
                "--sort {}: the field holds {}; only numbers and dates sort",
                sort.field,
                type_name(*ty)
            ))),
            None => Err(Error::Filter(format!(
                "--sort {}: unknown field; numeric and date fields here: {}",
                sort.field,
                self.fields_of(|t| t.is_numeric())
            ))),
        }
    }

    fn fields_of(&self, keep: impl Fn(MetaType) -> bool) -> String {
        let names: Vec<&str> = self
            .manifest
            .metadata_fields
            .iter()
            .filter(|(_, t)| keep(**t))
            .map(|(k, _)| k.as_str())
            .collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    }

    /// ANDs the `--filter` expressions onto the query.
    fn with_filters(&self, query: Box<dyn Query>, filters: &[Filter]) -> Result<Box<dyn Query>> {
        if filters.is_empty() {
            return Ok(query);
        }
        let parser = QueryParser::for_index(&self.index, vec![self.fields.text]);
        let mut clauses = vec![(Occur::Must, query)];
        for f in filters {
            let (syntax, negate) = self.filter_syntax(f)?;
            let q = parser
                .parse_query(&syntax)
                .map_err(|e| Error::Filter(format!("--filter '{}': {e}", f.raw)))?;
            clauses.push((if negate { Occur::MustNot } else { Occur::Must }, q));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// A filter in tantivy's query syntax, and whether it excludes.
    fn filter_syntax(&self, f: &Filter) -> Result<(String, bool)> {
        let bad = |why: String| Error::Filter(format!("--filter '{}': {why}", f.raw));
        let schema_field = matches!(
            f.field.as_str(),
            schema::names::DOC_ID
                | schema::names::SOURCE
                | schema::names::TITLE
                | schema::names::TEXT
        );
        let ty = match self.manifest.metadata_fields.get(&f.field) {
            Some(t) => *t,
            None if schema_field => MetaType::Text,
            None => {
                return Err(bad(format!(
                    "unknown field `{}`; fields here: {}",
                    f.field,
                    self.fields_of(|_| true)
                )))
            }
        };
        let value = f.value.trim();
        let negate = f.op == FilterOp::Ne;
        if !ty.is_numeric() {
            if !matches!(f.op, FilterOp::Eq | FilterOp::Ne) {
                return Err(bad(format!(
                    "`{}` holds {}; compare it with = or !=",
                    f.field,
                    type_name(ty)
                )));
            }
            let target = if schema_field {
                f.field.clone()
            } else {
                format!("{}.{}", schema::names::META, f.field)
            };
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            return Ok((format!("{target}:\"{escaped}\""), negate));
        }
        let literal = match ty {
            MetaType::Date => crate::corpus::dates::parse(value)
                .map(|d| d.to_rfc3339())
                .ok_or_else(|| {
                    bad(format!(
                        "`{}` holds dates; `{value}` is not a date (use YYYY-MM-DD)",
                        f.field
                    ))
                })?,
            MetaType::Integer | MetaType::Float => {
                if value.parse::<f64>().map_or(true, |x| !x.is_finite()) {
                    return Err(bad(format!(
                        "`{}` holds numbers; `{value}` is not a number",
                        f.field
                    )));
                }
                if ty == MetaType::Integer && value.parse::<i64>().is_err() {
                    // A decimal bound on an integer field: compare as a decimal.
                    value.to_string()
                } else {
                    value.to_string()
                }
            }
            _ => unreachable!("checked: numeric types only"),
        };
        let target = format!("{}.{}", schema::names::META_NUM, f.field);
        let syntax = match f.op {
            FilterOp::Eq | FilterOp::Ne => format!("{target}:[{literal} TO {literal}]"),
            FilterOp::Ge => format!("{target}:[{literal} TO *]"),
            FilterOp::Gt => format!("{target}:{{{literal} TO *]"),
            FilterOp::Le => format!("{target}:[* TO {literal}]"),
            FilterOp::Lt => format!("{target}:[* TO {literal}}}"),
        };
        Ok((syntax, negate))
    }

    fn str_of(&self, doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
        doc.get_first(field)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Parses the user's query: strictly if it can, leniently (with a warning) if not; with the
    /// proximity bonus if asked.
    fn parse(
        &self,
        input: &str,
        proximity: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Box<dyn Query>> {
        check_limits(input)?;
        let cleaned;
        let input = if input.chars().any(char::is_control) {
            warnings.push("control characters in the query read as spaces".into());
            cleaned = input
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>();
            cleaned.as_str()
        } else {
            input
        };
        let f = &self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text, f.meta_text]);
        parser.set_field_boost(f.title, TITLE_BOOST);
        parser.set_field_boost(f.meta_text, META_BOOST);
        for problem in syntax_problems(input) {
            warnings.push(problem);
        }
        self.warn_unknown_fields(input, warnings);
        let rewritten = self.route_metadata_fields(input);
        let query = match parser.parse_query(&rewritten) {
            Ok(q) => q,
            Err(e) => {
                let (q, _) = parser.parse_query_lenient(&rewritten);
                warnings.push(format!("query: {e}; searched leniently"));
                q
            }
        };
        Ok(if proximity {
            self.with_proximity(input, query)
        } else {
            query
        })
    }

    /// Rewrites `name:` prefixes that are not schema fields to `meta.name:`, so metadata keys
    /// are addressed by their own names (`year:[2015 TO 2019]`, `director:herzog`).
    fn route_metadata_fields(&self, input: &str) -> String {
        let schema = self.index.schema();
        let mut out = String::with_capacity(input.len() + 16);
        let mut last = 0;
        for (pos, name) in field_prefixes(input) {
            if schema.find_field(&name).is_none() {
                let byte = input
                    .char_indices()
                    .nth(pos)
                    .map_or(input.len(), |(b, _)| b);
                out.push_str(&input[last..byte]);
                let numeric = self
                    .manifest
                    .metadata_fields
                    .get(&name)
                    .is_some_and(|t| t.is_numeric());
                out.push_str(if numeric {
                    schema::names::META_NUM
                } else {
                    schema::names::META
                });
                out.push('.');
                last = byte;
            }
        }
        out.push_str(&input[last..]);
        out
    }

    /// Warns about `name:` prefixes that name neither a field nor a metadata key.
    fn warn_unknown_fields(&self, input: &str, warnings: &mut Vec<String>) {
        let schema = self.index.schema();
        for (pos, name) in field_prefixes(input) {
            let base = name.split_once('.').map_or(name.as_str(), |(_, b)| b);
            let known =
                schema.get_field(&name).is_ok() || self.manifest.metadata_fields.contains_key(base);
            if !known {
                warnings.push(format!(
                    "query: position {pos}: unknown field `{name}` (no document has it)"
                ));
            }
        }
    }

    /// Adds a bonus for passages where the query's plain words occur close together, in order:
    /// the passage about "Drug Court" beats one that says "drug" here and "court" there.
    fn with_proximity(&self, input: &str, query: Box<dyn Query>) -> Box<dyn Query> {
        let plain = input
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "'’-".contains(c));
        let has_operator = input
            .split_whitespace()
            .any(|w| matches!(w, "AND" | "OR" | "NOT" | "IN" | "TO"));
        if !plain || has_operator {
            return query;
        }
        let mut analyzer = crate::analyzer::analyzer();
        let mut stream = analyzer.token_stream(input);
        let mut terms = Vec::new();
        while stream.advance() {
            let t = stream.token();
            terms.push((t.position, Term::from_field_text(self.fields.text, &t.text)));
        }
        if terms.len() < 2 {
            return query;
        }
        let phrase = PhraseQuery::new_with_offset_and_slop(terms, PROXIMITY_SLOP as f32 as u32);
        let bonus = BoostQuery::new(Box::new(phrase), PROXIMITY_BOOST);
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Should, Box::new(bonus)),
        ]))
    }

    /// Pseudo-relevance feedback: the words that stand out in the best passages of a first
    /// search are added to the query with a small weight, so documents that say the same thing
    /// in other words are found too.
    fn with_feedback(&self, query: Box<dyn Query>) -> Result<Box<dyn Query>> {
        let fb_docs = FEEDBACK_PASSAGES as f32 as usize;
        if fb_docs == 0 {
            return Ok(query);
        }
        let searcher = self.reader.searcher();
        let top = searcher.search(&*query, &TopDocs::with_limit(fb_docs).order_by_score())?;
        let Some(&(best, _)) = top.first() else {
            return Ok(query);
        };
        let original = self.text_terms(&*query);
        let mut analyzer = crate::analyzer::feedback_analyzer();
        let mut weights: HashMap<String, f32> = HashMap::new();
        for (score, addr) in &top {
            let doc: TantivyDocument = searcher.doc(*addr)?;
            let text = self.str_of(&doc, self.fields.text);
            let mut counts: HashMap<String, f32> = HashMap::new();
            let mut len = 0f32;
            let mut stream = analyzer.token_stream(&text);
            while stream.advance() {
                *counts.entry(stream.token().text.clone()).or_insert(0.0) += 1.0;
                len += 1.0;
            }
            // Each passage votes for its words in proportion to its own relevance.
            let vote = score / best / len.max(1.0);
            for (t, c) in counts {
                *weights.entry(t).or_insert(0.0) += c * vote;
            }
        }
        let n = searcher.num_docs().max(1) as f32;
        let max_df = FEEDBACK_MAX_DF * n;
        let mut candidates: Vec<(String, f32)> = weights
            .into_iter()
            .filter(|(t, _)| {
                !original.contains(t) && t.len() > 1 && !t.chars().all(|c| c.is_ascii_digit())
            })
            .collect();
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        // Document frequencies are looked up best candidate first, only until enough words pass.
        let mut scored: Vec<(String, f32)> = Vec::new();
        for (t, w) in candidates {
            if scored.len() == FEEDBACK_TERMS {
                break;
            }
            let df = searcher.doc_freq(&Term::from_field_text(self.fields.text, &t))? as f32;
            // Words in most passages say nothing; words in one passage are noise.
            if (2.0..=max_df).contains(&df) {
                scored.push((t, w));
            }
        }
        let Some(&(_, top_w)) = scored.first() else {
            return Ok(query);
        };
        let weight = FEEDBACK_WEIGHT;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, query)];
        for (t, w) in scored {
            let tq = TermQuery::new(
                Term::from_field_text(self.fields.text, &t),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(tq), weight * w / top_w)),
            ));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// The analyzed words of the query that target passage text (for highlighting).
    fn text_terms(&self, query: &dyn Query) -> HashSet<String> {
        let mut terms = HashSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == self.fields.text {
                if let Some(s) = term.value().as_str() {
                    terms.insert(s.to_string());
                }
            }
        });
        terms
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
            f(self.metadata_in(&doc));
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

/// Reads a numeric or date column of a segment as `f64`, whatever integer or float type the
/// column was stored with.
fn numeric_column(
    reader: &tantivy::SegmentReader,
    column: &str,
    is_date: bool,
) -> Box<dyn Fn(tantivy::DocId) -> Option<f64> + Send + Sync> {
    let ff = reader.fast_fields();
    if is_date {
        if let Ok(Some(c)) = ff.column_opt::<tantivy::DateTime>(column) {
            return Box::new(move |d| c.first(d).map(|v| v.into_timestamp_secs() as f64));
        }
    } else {
        if let Ok(Some(c)) = ff.column_opt::<f64>(column) {
            return Box::new(move |d| c.first(d));
        }
        if let Ok(Some(c)) = ff.column_opt::<i64>(column) {
            return Box::new(move |d| c.first(d).map(|v| v as f64));
        }
        if let Ok(Some(c)) = ff.column_opt::<u64>(column) {
            return Box::new(move |d| c.first(d).map(|v| v as f64));
        }
    }
    Box::new(|_| None)
}

/// Reads the `doc_ord` of passages (which document they belong to), one column per segment.
struct DocOrds<'s> {
    searcher: &'s tantivy::Searcher,
    columns: HashMap<u32, Option<tantivy::columnar::Column<u64>>>,
}

impl<'s> DocOrds<'s> {
    fn new(searcher: &'s tantivy::Searcher) -> Self {
        DocOrds {
            searcher,
            columns: HashMap::new(),
        }
    }

    fn of(&mut self, addr: DocAddress) -> Option<u64> {
        let searcher = self.searcher;
        self.columns
            .entry(addr.segment_ord)
            .or_insert_with(|| {
                searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .u64(schema::names::DOC_ORD)
                    .ok()
            })
            .as_ref()
            .and_then(|c| c.first(addr.doc_id))
    }
}

/// Keeps at most `per_doc` hits of any document, in rank order (so with 1, each document is
/// ranked by its best passage). Documents are told apart by the `doc_ord` fast field.
fn cap_per_doc(
    searcher: &tantivy::Searcher,
    top: Vec<(Option<f32>, DocAddress)>,
    per_doc: Option<usize>,
) -> Result<Vec<(Option<f32>, DocAddress)>> {
    let Some(k) = per_doc else { return Ok(top) };
    let mut doc_ords = DocOrds::new(searcher);
    let mut seen: HashMap<u64, usize> = HashMap::new();
    let mut out = Vec::new();
    for (score, addr) in top {
        let ord = doc_ords.of(addr);
        let n = seen.entry(ord.unwrap_or(u64::MAX)).or_insert(0);
        if *n < k || ord.is_none() {
            *n += 1;
            out.push((score, addr));
        }
    }
    Ok(out)
}

/// Ranks documents: each is shown with its best passage and scored by it plus
/// [`DOC_OTHER_PASSAGES_WEIGHT`] times the scores of its other passages among `top`.
fn best_per_doc(
    searcher: &tantivy::Searcher,
    top: Vec<(Option<f32>, DocAddress)>,
) -> Result<Vec<(Option<f32>, DocAddress)>> {
    let weight = DOC_OTHER_PASSAGES_WEIGHT;
    let mut doc_ords = DocOrds::new(searcher);
    let mut index_of: HashMap<u64, usize> = HashMap::new();
    let mut out: Vec<(Option<f32>, DocAddress)> = Vec::new();
    for (score, addr) in top {
        let Some(ord) = doc_ords.of(addr) else {
            out.push((score, addr));
            continue;
        };
        match index_of.get(&ord) {
            Some(&i) => {
                if let (Some(total), Some(s)) = (out[i].0.as_mut(), score) {
                    *total += weight * s;
                }
            }
            None => {
                index_of.insert(ord, out.len());
                out.push((score, addr));
            }
        }
    }
    if weight > 0.0 {
        out.sort_by(|a, b| b.0.unwrap_or(0.0).total_cmp(&a.0.unwrap_or(0.0)));
    }
    Ok(out)
}

/// Byte ranges of the words of `text` whose analyzed form is one of `terms`.
fn highlight(
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    text: &str,
    terms: &HashSet<String>,
) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    if terms.is_empty() {
        return out;
    }
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        if terms.contains(&t.text) {
            out.push([t.offset_from, t.offset_to]);
        }
    }
    out
}

/// Refuses queries too long or too deeply nested to parse safely.
fn check_limits(input: &str) -> Result<()> {
    if input.len() > MAX_QUERY_BYTES {
        return Err(Error::Query(format!(
            "the query is {} bytes long; the limit is {MAX_QUERY_BYTES}",
            input.len()
        )));
    }
    let mut depth = 0usize;
    for (pos, c) in input.char_indices() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_QUERY_NESTING {
                    return Err(Error::Query(format!(
                        "position {pos}: parentheses nested deeper than {MAX_QUERY_NESTING}"
                    )));
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Unbalanced quotes and parentheses, with their positions (character offsets, from 0).
pub fn syntax_problems(input: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut open_quote: Option<usize> = None;
    let mut open_parens: Vec<usize> = Vec::new();
    for (pos, c) in input.chars().enumerate() {
        match c {
            '"' => {
                open_quote = if open_quote.is_some() {
                    None
                } else {
                    Some(pos)
                }
            }
            '(' if open_quote.is_none() => open_parens.push(pos),
            ')' if open_quote.is_none() && open_parens.pop().is_none() => {
                problems.push(format!("query: position {pos}: unmatched `)`"));
            }
            _ => {}
        }
    }
    if let Some(pos) = open_quote {
        problems.push(format!("query: position {pos}: unclosed quote"));
    }
    for pos in open_parens {
        problems.push(format!("query: position {pos}: unclosed `(`"));
    }
    problems
}

/// `name:` prefixes outside quotes, with their character positions.
fn field_prefixes(input: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut in_quote = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            in_quote = !in_quote;
            i += 1;
            continue;
        }
        let at_word_start = i == 0 || matches!(chars[i - 1], ' ' | '(' | '+' | '-' | '\t');
        if !in_quote && at_word_start && (c.is_alphabetic() || c == '_') {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || "_.-".contains(chars[i])) {
                i += 1;
            }
            if i < chars.len() && chars[i] == ':' {
                out.push((start, chars[start..i].iter().collect()));
            }
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_problems_have_positions() {
        assert_eq!(syntax_problems("drug court"), Vec::<String>::new());
        assert_eq!(
            syntax_problems("\"drug court"),
            ["query: position 0: unclosed quote"]
        );
        assert_eq!(
            syntax_problems("a) (b"),
            [
                "query: position 1: unmatched `)`",
                "query: position 3: unclosed `(`"
            ]
        );
    }

    #[test]
    fn limits_are_checked_before_parsing() {
        assert!(check_limits(&"a ".repeat(3000)).is_err());
        assert!(check_limits(&"(".repeat(1000)).is_err());
        assert!(check_limits("(a OR (b AND c))").is_ok());
    }

    #[test]
    fn field_prefixes_outside_quotes() {
        assert_eq!(
            field_prefixes("year:[2015 TO 2019] \"a:b\" director:herzog"),
            [(0, "year".to_string()), (26, "director".to_string())]
        );
    }
}
