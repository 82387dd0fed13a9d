//! The search plan: everything a search does, decided once from its options and the index, so
//! the general engine (tantivy query trees, [`crate::searcher::general`]) and the batch engine
//! (impact lists, [`crate::searcher::batch`]) only carry it out. Which bonuses a query gets
//! (coordination, proximity, feedback, the whole title), its mode and fusion weight, its sort,
//! limit and per-document cap, the words it holds as typed: one decision each, here.

use std::sync::Arc;

use super::expand;
use super::expr::Expr;
use super::filter::{Filter, Sort};
use super::parser::{self, Parsed};
use super::words;
use crate::error::{Error, Result};
use crate::searcher::rank::{document, semantic};

/// How a search ranks: by words, by meaning, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// BM25 over the words (with reel's bonuses).
    #[default]
    Lexical,
    /// The cosine of the passage's vector and the query's.
    Semantic,
    /// Both rankings fused ([`semantic::fuse`]).
    Hybrid,
}

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
    /// model (`Searcher::set_model`) or the query's vector.
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

/// What a search does, decided once ([`Plan::new`]).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The query as a tree: parsed from the query language, or a question's plain words.
    pub expr: Expr,
    /// The parse of a typed query, with where each field's clause is (`None` for a question).
    pub parsed: Option<Parsed>,
    /// Repairs made to read the query, for the user.
    pub warnings: Vec<String>,
    /// A keyword query's words ([`expand::keyword_words`]: a name, a title, two or three
    /// words): coordinated (more of them, higher), never expanded, fused leaning on the words.
    pub keyword: Option<Vec<String>>,
    /// The words whose closeness in a passage earns the proximity bonus (two or more): a
    /// keyword query's, or the plain words of a longer query typed on the command line.
    pub proximity: Vec<String>,
    /// Pseudo-relevance feedback: for questions (not keyword queries) ranked by words alone.
    pub feedback: bool,
    /// The words a document's whole title may be, for the whole-title bonus
    /// ([`expand::exact_title`]); empty for none.
    pub title_words: Vec<String>,
    /// How the search ranks (sorting by a field ranks by words).
    pub mode: Mode,
    /// The semantic ranking's share in a hybrid search.
    pub semantic_weight: f32,
    /// The field to order by instead of relevance.
    pub sort: Option<Sort>,
    /// The conditions every hit meets.
    pub filters: Vec<Filter>,
    /// Most hits.
    pub limit: usize,
    /// Most passages of one document (1 when documents are ranked).
    pub per_doc: Option<usize>,
    /// The words to check for typos (none for a question).
    pub typed_words: Vec<String>,
    /// Words searched with edits allowed, with how many (for highlighting what they matched).
    pub fuzzy: Vec<(String, u8)>,
    /// The query's vector, when already embedded.
    pub query_vector: Option<Arc<Vec<f32>>>,
    /// The words searched in the text, with their weights ([`words::text_words`]): what a
    /// document's evidence and the most the words could score are made of.
    pub text_words: Vec<(String, f32)>,
    /// The document evidence blended into the passages' scores ([`document`]): when hits are
    /// documents or capped per document, ranked by relevance, and the query has words.
    pub evidence: Option<document::Evidence>,
    /// A keyword query's words as typed ([`crate::analyzer::surface_words`]), preferred to
    /// their stem-mates ([`surface`](crate::searcher::rank::surface)); empty for none.
    pub surface: Vec<String>,
}

impl Plan {
    /// The plan of a search with these options; `is_field` says whether a name is a field of
    /// the index (a `name:` that is not one is text). A query that cannot be read at all (too
    /// long, too deeply nested, empty) is an error.
    pub fn new(opts: &SearchOptions, is_field: &dyn Fn(&str) -> bool) -> Result<Plan> {
        let mut warnings = Vec::new();
        let (expr, parsed) = if opts.literal {
            (expand::literal_query(&opts.query), None)
        } else {
            parser::check_limits(&opts.query).map_err(Error::Query)?;
            if opts.query.trim().is_empty() {
                return Err(Error::Query("the query is empty".into()));
            }
            let cleaned: String;
            let input = if opts.query.chars().any(char::is_control) {
                warnings.push("control characters in the query read as spaces".into());
                cleaned = opts
                    .query
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                cleaned.as_str()
            } else {
                opts.query.as_str()
            };
            let parsed = parser::parse(input, is_field);
            warnings.extend(parsed.problems.iter().map(|p| format!("query: {p}")));
            (parsed.expr.clone(), Some(parsed))
        };
        // Sorting by a field orders the passages that match the words.
        let mode = if opts.sort.is_some() {
            Mode::Lexical
        } else {
            opts.mode
        };
        let keyword: Option<Vec<String>> =
            expand::keyword_words(&expr).map(|w| w.into_iter().map(str::to_string).collect());
        // No proximity bonus for questions: on the judged collections' questions it made no
        // measurable difference (their words are rarely all within a few words of each other)
        // and it costs a phrase search per query.
        let plain: Option<Vec<String>> = expand::plain_words(&expr)
            .filter(|_| !opts.literal)
            .map(|w| w.into_iter().map(str::to_string).collect());
        let proximity = match (&keyword, &plain) {
            (Some(k), _) => k.clone(),
            (None, Some(p)) if p.len() >= 2 => p.clone(),
            _ => Vec::new(),
        };
        // A longer title typed whole is a title too (`The Great British Baking Show`); not when
        // ordering by a field or by meaning alone.
        let title_words = if opts.sort.is_some() || mode == Mode::Semantic {
            Vec::new()
        } else {
            keyword.clone().or(plain).unwrap_or_default()
        };
        // Feedback is for questions: the words of a keyword query are what the user wants, and
        // words from its best passages would move other documents above the one that has them.
        // Hybrid search does without it: the semantic ranking finds what feedback would (on
        // SciFact's train queries, hybrid nDCG@10 0.738 without feedback, 0.732 with it).
        let feedback = opts.feedback && keyword.is_none() && mode == Mode::Lexical;
        // A keyword query (a name, a title) keeps what its words find: meaning mostly breaks
        // ties and adds what the words miss (see `semantic`).
        let semantic_weight = if keyword.is_some() {
            semantic::KEYWORD_SEMANTIC_WEIGHT
        } else {
            semantic::SEMANTIC_WEIGHT
        };
        let per_doc = match opts.unit {
            Unit::Doc => Some(1),
            Unit::Passage => opts.per_doc,
        };
        let text_words = words::text_words(&expr);
        let evidence = (per_doc.is_some()
            && opts.sort.is_none()
            && mode != Mode::Semantic
            && !text_words.is_empty())
        .then(|| document::Evidence {
            words: text_words.clone(),
            terms: Vec::new(),
            weight: document::WEIGHT,
        });
        // The word as typed first, for a keyword query ranked by its words.
        let surface = match &keyword {
            Some(k) if opts.sort.is_none() && mode != Mode::Semantic => {
                crate::analyzer::surface_words(&k.join(" "))
            }
            _ => Vec::new(),
        };
        Ok(Plan {
            surface,
            evidence,
            text_words,
            typed_words: if opts.literal {
                Vec::new()
            } else {
                words::query_words(&expr)
            },
            fuzzy: words::fuzzy_words(&expr),
            expr,
            parsed,
            warnings,
            keyword,
            proximity,
            feedback,
            title_words,
            mode,
            semantic_weight,
            sort: opts.sort.clone(),
            filters: opts.filters.clone(),
            limit: opts.limit.max(1),
            per_doc,
            query_vector: opts.query_vector.clone(),
        })
    }

    /// True for a keyword query (coordinated).
    pub fn is_keyword(&self) -> bool {
        self.keyword.is_some()
    }
}
