//! From a parsed query ([`Expr`]) to a tantivy query over reel's fields: words are analyzed as
//! at indexing time and searched in the title (weighted [`TITLE_BOOST`]), the passage text and
//! the metadata text (weighted [`META_BOOST`]); `field:` clauses go to their field with the
//! field's type (exact ids, analyzed text, numbers and dates as ranges).

use std::ops::Bound as OpsBound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur as TOccur,
    PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use super::expr::{strip_possessive, Bound, Expr, Occur, MAX_PREFIX_TERMS};
use crate::error::{Error, Result};
use crate::meta::{dates, MetaType};
use crate::schema::{names, Fields, Manifest};
use crate::searcher::rank::coord::{Coordinated, WordTerms};

/// Weight of a title match relative to a passage-text match. The title is also indexed as part
/// of the first passage's text, so it already counts there; this field adds a little of it to
/// every passage of the document. Measured (SciFact train nDCG@10, documents by best passage):
/// 0.685 at 0, 0.689 at 0.2, 0.680 at 0.5; before the title was in the first passage, 2 gave
/// 0.624 and 1 gave 0.677. Cranfield does not move (its titles repeat the text).
pub const TITLE_BOOST: f32 = 0.2;

/// Weight of a metadata match (director, year...). Below the text: metadata is repeated on every
/// passage of a document, so it tells which document, not which passage.
pub const META_BOOST: f32 = 0.5;

/// What a query asks for, once built.
pub enum Built {
    /// A query to run.
    Query(Box<dyn Query>),
    /// Nothing can match: the query has no word that analyzes to a term (`!!! ???`), or it only
    /// excludes (`-oscar`). The string says which, for the user.
    Nothing(String),
}

/// Turns parsed queries into tantivy queries for one index.
pub struct Builder<'a> {
    fields: &'a Fields,
    manifest: &'a Manifest,
    analyzer: TextAnalyzer,
    /// The folder a relative `source` value is taken from.
    cwd: Option<std::path::PathBuf>,
    /// The index's dictionaries, for `word*`.
    searcher: Option<tantivy::Searcher>,
    /// What the user should know about how the query was read (a `word*` with too many words).
    pub warnings: Vec<String>,
}

/// True if `name` (lower-cased) is a field a query may name: one of the schema's searchable
/// fields or a metadata key of the index.
pub fn is_query_field(manifest: &Manifest, name: &str) -> bool {
    matches!(
        name,
        names::TITLE | names::TEXT | names::META_TEXT | names::DOC_ID | names::SOURCE
    ) || name == names::PASSAGE_ID
        || manifest.meta_field(name).is_some()
}

impl<'a> Builder<'a> {
    /// The folder a relative `source:` or `--filter source=` value is taken from (sources are
    /// kept absolute).
    pub fn with_cwd(mut self, cwd: Option<std::path::PathBuf>) -> Self {
        self.cwd = cwd;
        self
    }

    /// The term value of an exact field: a source as the index keeps it (absolute), anything
    /// else as written.
    pub fn exact_value(&self, field: Field, value: &str) -> String {
        if field != self.fields.source || value.starts_with('/') {
            return value.to_string();
        }
        match &self.cwd {
            Some(cwd) => {
                crate::paths::text(&crate::paths::absolute(std::path::Path::new(value), cwd))
            }
            None => value.to_string(),
        }
    }

    /// The searcher whose dictionaries `word*` is expanded from (without one, a prefix is
    /// searched as the word it is).
    pub fn with_searcher(mut self, searcher: tantivy::Searcher) -> Self {
        self.searcher = Some(searcher);
        self
    }

    /// A builder for the index with these fields and manifest.
    pub fn new(fields: &'a Fields, manifest: &'a Manifest) -> Self {
        Builder {
            cwd: None,
            searcher: None,
            warnings: Vec::new(),
            fields,
            manifest,
            analyzer: crate::analyzer::analyzer(),
        }
    }

    /// Builds the whole query.
    pub fn build(&mut self, expr: &Expr) -> Result<Built> {
        if let Some(q) = self.expr(expr)? {
            return Ok(Built::Query(q));
        }
        let excludes = match expr {
            Expr::Bool(clauses) => clauses.iter().any(|(o, _)| *o == Occur::MustNot),
            _ => false,
        };
        Ok(Built::Nothing(if excludes {
            "the query only excludes words; add a word to search for".into()
        } else {
            "the query has no word to search for".into()
        }))
    }

    /// Builds the whole query with coordination ([`super::coord`]) when it is a list of
    /// alternatives (words, phrases, each optional) with at most some exclusions: the more of
    /// them a passage holds, the higher it ranks. Any other query is built as [`Self::build`]
    /// does.
    pub fn build_coordinated(&mut self, expr: &Expr) -> Result<Built> {
        let Expr::Bool(clauses) = expr else {
            return self.build(expr);
        };
        if clauses.iter().any(|(o, _)| *o == Occur::Must) {
            return self.build(expr);
        }
        let mut words: Vec<Box<dyn Query>> = Vec::new();
        let mut terms: Option<Vec<WordTerms>> = Some(Vec::new());
        let mut excluded: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
        for (occur, e) in clauses {
            if let Some(q) = self.expr(e)? {
                match occur {
                    Occur::MustNot => excluded.push((TOccur::MustNot, forward_only(q))),
                    _ => {
                        words.push(q);
                        terms = match (terms, self.word_terms(e)) {
                            (Some(mut all), Some(t)) => {
                                all.push(t);
                                Some(all)
                            }
                            _ => None,
                        };
                    }
                }
            }
        }
        if words.len() < 2 {
            return self.build(expr);
        }
        let coordinated: Box<dyn Query> = Box::new(Coordinated::new(words, terms));
        if excluded.is_empty() {
            return Ok(Built::Query(coordinated));
        }
        excluded.insert(0, (TOccur::Must, coordinated));
        Ok(Built::Query(Box::new(BooleanQuery::new(excluded))))
    }

    /// The terms a word or phrase without a field is searched as, by field weight (what
    /// [`Self::term`] and [`Self::phrase`] build for it); `None` for any other expression.
    fn word_terms(&mut self, expr: &Expr) -> Option<WordTerms> {
        let text = match expr {
            Expr::Term {
                field: None,
                word,
                fuzzy: None,
            } => strip_possessive(word),
            Expr::Phrase {
                field: None, text, ..
            } => text.as_str(),
            Expr::Boost(e, w) => {
                let mut terms = self.word_terms(e)?;
                for (weight, _) in &mut terms {
                    *weight *= *w;
                }
                return Some(terms);
            }
            _ => return None,
        };
        let terms = self.terms(text);
        Some(
            self.default_fields()
                .iter()
                .map(|&(field, weight)| {
                    let group = terms
                        .iter()
                        .map(|(_, t)| Term::from_field_text(field, t))
                        .collect();
                    (weight, group)
                })
                .collect(),
        )
    }

    /// The analyzed terms of a piece of text, with their positions.
    pub fn terms(&mut self, text: &str) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut stream = self.analyzer.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            out.push((t.position, t.text.clone()));
        }
        out
    }

    /// The words of `text` as a phrase in one analyzed field (one word: that term).
    pub fn phrase_in(&mut self, field: Field, text: &str) -> Option<Box<dyn Query>> {
        let terms = self.terms(text);
        self.on_fields(&[(field, 1.0)], &terms, 0, None)
    }

    /// The words of `text` as a phrase in one metadata field's text.
    pub fn phrase_in_meta(&mut self, key: &str, text: &str) -> Option<Box<dyn Query>> {
        let terms = self.terms(text);
        self.on_meta(key, &terms, 0)
    }

    /// `None` when the expression matches nothing by itself (no terms, or only exclusions).
    fn expr(&mut self, expr: &Expr) -> Result<Option<Box<dyn Query>>> {
        Ok(match expr {
            Expr::Bool(clauses) => {
                let mut built: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
                for (occur, e) in clauses {
                    if let Some(q) = self.expr(e)? {
                        let q = match occur {
                            Occur::MustNot => forward_only(q),
                            _ => q,
                        };
                        built.push((tantivy_occur(*occur), q));
                    }
                }
                if !built.iter().any(|(o, _)| *o != TOccur::MustNot) {
                    return Ok(None);
                }
                if built.len() == 1 && built[0].0 != TOccur::MustNot {
                    built.pop().map(|(_, q)| q)
                } else {
                    Some(Box::new(BooleanQuery::new(built)))
                }
            }
            Expr::Term { field, word, fuzzy } => self
                .term(field.as_deref(), word, *fuzzy)?
                .map(|q| self.once_per_document(field.as_deref(), q)),
            Expr::Phrase { field, text, slop } => self
                .phrase(field.as_deref(), text, *slop)?
                .map(|q| self.once_per_document(field.as_deref(), q)),
            Expr::Range {
                field,
                lower,
                upper,
            } => {
                let q = self.range(field, lower, upper)?;
                Some(self.once_per_document(Some(field), q))
            }
            Expr::Prefix { field, prefix } => self
                .prefix(field.as_deref(), prefix)?
                .map(|q| self.once_per_document(field.as_deref(), q)),
            // A constant score rather than tantivy's match-all, which a conjunction drops
            // together with its score (so `*` scores 1 with or without filters).
            Expr::All => Some(Box::new(ConstScoreQuery::new(Box::new(AllQuery), 1.0))),
            Expr::Boost(e, w) => self
                .expr(e)?
                .map(|q| Box::new(BoostQuery::new(q, *w)) as Box<dyn Query>),
        })
    }

    /// A clause on a field of the whole document (the title, the id, the source, a metadata
    /// field but a passage's speaker) scored on its first passage only
    /// ([`crate::searcher::rank::once`]): it answers with documents, not with every passage.
    fn once_per_document(&self, field: Option<&str>, q: Box<dyn Query>) -> Box<dyn Query> {
        let whole_document = match field.map(|f| self.field_kind(f)) {
            None | Some(FieldKind::PassageId) => false,
            Some(FieldKind::Analyzed(f)) => f == self.fields.title,
            Some(FieldKind::Exact(_)) => true,
            Some(FieldKind::Meta(key, _)) => key != names::SPEAKER,
        };
        if whole_document {
            Box::new(crate::searcher::rank::once::FirstPassage(q))
        } else {
            q
        }
    }

    /// The analyzed text fields a word without a field is searched in, with their weights.
    fn default_fields(&self) -> [(Field, f32); 3] {
        [
            (self.fields.title, TITLE_BOOST),
            (self.fields.text, 1.0),
            (self.fields.meta_text, META_BOOST),
        ]
    }

    fn term(
        &mut self,
        field: Option<&str>,
        word: &str,
        fuzzy: Option<u8>,
    ) -> Result<Option<Box<dyn Query>>> {
        let word = strip_possessive(word);
        let Some(field) = field else {
            let terms = self.terms(word);
            return Ok(self.on_fields(&self.default_fields(), &terms, 0, fuzzy));
        };
        match self.field_kind(field) {
            FieldKind::Analyzed(f) => {
                let terms = self.terms(word);
                Ok(self.on_fields(&[(f, 1.0)], &terms, 0, fuzzy))
            }
            FieldKind::Exact(f) => Ok(Some(Box::new(TermQuery::new(
                Term::from_field_text(f, &self.exact_value(f, word)),
                IndexRecordOption::Basic,
            )))),
            FieldKind::PassageId => {
                let n: u64 = word.parse().map_err(|_| Error::Clause {
                    field: names::PASSAGE_ID.into(),
                    value: word.to_string(),
                    message: format!("`passage_id` holds numbers; `{word}` is not one"),
                })?;
                Ok(Some(Box::new(TermQuery::new(
                    Term::from_field_u64(self.fields.passage_id, n),
                    IndexRecordOption::Basic,
                ))))
            }
            FieldKind::Meta(key, ty) if ty.is_numeric() => match point_bounds(&key, ty, word) {
                Ok((low, high)) => Ok(Some(self.num_range(&key, low, high))),
                // A value that is no number, in a field where some values were kept as text
                // (`year:PG` among years): those values, by their words.
                Err(_) if self.manifest.misfit_fields.contains(&key) => {
                    let terms = self.terms(word);
                    Ok(self.on_meta(&key, &terms, 0))
                }
                Err(e) => Err(e),
            },
            FieldKind::Meta(key, _) => {
                let terms = self.terms(word);
                Ok(self.on_meta(&key, &terms, 0))
            }
        }
    }

    /// `word*`: the words of the field(s) that begin with the typed prefix (folded as the
    /// analyzer folds it, or stemmed: `documentary*` reaches the stem `documentari`), each
    /// scored as the word it is; the [`MAX_PREFIX_TERMS`] most frequent of each field, with a
    /// warning when there are more.
    fn prefix(&mut self, field: Option<&str>, prefix: &str) -> Result<Option<Box<dyn Query>>> {
        // Where the words are looked up: fields with their weights, or one metadata field's
        // words (kept under its key in the metadata field).
        enum Target {
            Fields(Vec<(Field, f32)>, bool),
            Meta(String),
        }
        let target = match field {
            None => Target::Fields(self.default_fields().to_vec(), true),
            Some(name) => match self.field_kind(name) {
                FieldKind::Analyzed(f) => Target::Fields(vec![(f, 1.0)], true),
                FieldKind::Exact(f) => Target::Fields(vec![(f, 1.0)], false),
                FieldKind::Meta(key, ty) if !ty.is_numeric() => Target::Meta(key),
                FieldKind::PassageId | FieldKind::Meta(..) => {
                    return Err(Error::Clause {
                        field: name.to_string(),
                        value: format!("{prefix}*"),
                        message: format!(
                            "`{name}` holds numbers; `word*` searches words (use a range, \
                             `{name}:>=…`)"
                        ),
                    })
                }
            },
        };
        let Some(searcher) = self.searcher.clone() else {
            return self.term(field, prefix, None);
        };
        let analyzed = !matches!(target, Target::Fields(_, false));
        let starts: Vec<String> = if analyzed {
            let surface = crate::analyzer::surface_words(prefix);
            let [word] = surface.as_slice() else {
                // Several words (`drug-co*`): searched as the words typed.
                return self.term(field, prefix, None);
            };
            let mut starts = vec![word.clone()];
            if let [(_, stem)] = self.terms(prefix).as_slice() {
                if !stem.is_empty() && !word.starts_with(stem.as_str()) {
                    starts.push(stem.clone());
                }
            }
            starts
        } else {
            match &target {
                Target::Fields(f, _) => f
                    .iter()
                    .map(|(f, _)| self.exact_value(*f, prefix))
                    .take(1)
                    .collect(),
                Target::Meta(_) => Vec::new(),
            }
        };
        let lookups: Vec<(Field, Vec<u8>, f32)> = match &target {
            Target::Fields(fields, _) => fields.iter().map(|&(f, w)| (f, Vec::new(), w)).collect(),
            Target::Meta(key) => vec![(
                self.fields.meta,
                self.meta_term(key, "").serialized_value_bytes().to_vec(),
                1.0,
            )],
        };
        let mut clauses: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
        let mut most = 0usize;
        for (field, head, weight) in lookups {
            let words = prefixed_terms(&searcher, field, &head, &starts)?;
            most = most.max(words.len());
            for (word, _) in words.into_iter().take(MAX_PREFIX_TERMS) {
                let term = match &target {
                    Target::Meta(key) => self.meta_term(key, &word),
                    Target::Fields(..) => Term::from_field_text(field, &word),
                };
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                clauses.push((TOccur::Should, Box::new(BoostQuery::new(q, weight))));
            }
        }
        if most > MAX_PREFIX_TERMS {
            self.warnings.push(format!(
                "query: `{prefix}*` begins {most} words; searched the {MAX_PREFIX_TERMS} most \
                 frequent (type more of the word to narrow it)"
            ));
        }
        Ok((!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>))
    }

    /// The term of `word` in metadata field `key`'s text.
    fn meta_term(&self, key: &str, word: &str) -> Term {
        let mut term = Term::from_field_json_path(self.fields.meta, key, false);
        term.append_type_and_str(word);
        term
    }

    fn phrase(
        &mut self,
        field: Option<&str>,
        text: &str,
        slop: u32,
    ) -> Result<Option<Box<dyn Query>>> {
        let terms = self.terms(text);
        let Some(field) = field else {
            return Ok(self.on_fields(&self.default_fields(), &terms, slop, None));
        };
        match self.field_kind(field) {
            FieldKind::Analyzed(f) => Ok(self.on_fields(&[(f, 1.0)], &terms, slop, None)),
            FieldKind::Exact(_) | FieldKind::PassageId => self.term(Some(field), text.trim(), None),
            FieldKind::Meta(_, ty) if ty.is_numeric() => self.term(Some(field), text.trim(), None),
            FieldKind::Meta(key, _) => Ok(self.on_meta(&key, &terms, slop)),
        }
    }

    /// The same terms (one term, or a phrase of several) in each field, ORed, each weighted.
    fn on_fields(
        &self,
        fields: &[(Field, f32)],
        terms: &[(usize, String)],
        slop: u32,
        fuzzy: Option<u8>,
    ) -> Option<Box<dyn Query>> {
        if terms.is_empty() {
            return None;
        }
        let mut per_field: Vec<(TOccur, Box<dyn Query>)> = Vec::new();
        for &(field, weight) in fields {
            let q: Box<dyn Query> = match (terms, fuzzy) {
                // `word~N`: the words within N edits score a constant, the word itself its BM25
                // score on top, so an exact match always ranks above a near one.
                ([(_, t)], Some(d)) if d > 0 => Box::new(BooleanQuery::new(vec![
                    (
                        TOccur::Should,
                        Box::new(FuzzyTermQuery::new(
                            Term::from_field_text(field, t),
                            d,
                            true,
                        )) as Box<dyn Query>,
                    ),
                    (
                        TOccur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(field, t),
                            IndexRecordOption::WithFreqs,
                        )),
                    ),
                ])),
                ([(_, t)], _) => Box::new(TermQuery::new(
                    Term::from_field_text(field, t),
                    IndexRecordOption::WithFreqs,
                )),
                _ => Box::new(PhraseQuery::new_with_offset_and_slop(
                    terms
                        .iter()
                        .map(|(pos, t)| (*pos, Term::from_field_text(field, t)))
                        .collect(),
                    slop,
                )),
            };
            let q = if weight == 1.0 {
                q
            } else {
                Box::new(BoostQuery::new(q, weight))
            };
            per_field.push((TOccur::Should, q));
        }
        if per_field.len() == 1 {
            return per_field.pop().map(|(_, q)| q);
        }
        Some(Box::new(BooleanQuery::new(per_field)))
    }

    /// Terms in one metadata field (its analyzed text, in the `meta` JSON field).
    fn on_meta(&self, key: &str, terms: &[(usize, String)], slop: u32) -> Option<Box<dyn Query>> {
        let term = |t: &str| self.meta_term(key, t);
        match terms {
            [] => None,
            [(_, t)] => Some(Box::new(TermQuery::new(
                term(t),
                IndexRecordOption::WithFreqs,
            ))),
            _ => Some(Box::new(PhraseQuery::new_with_offset_and_slop(
                terms.iter().map(|(p, t)| (*p, term(t))).collect(),
                slop,
            ))),
        }
    }

    fn range(&mut self, field: &str, lower: &Bound, upper: &Bound) -> Result<Box<dyn Query>> {
        match self.field_kind(field) {
            // A field whose type is not numeric may still have values that read as numbers
            // (files typed it differently): the range sees those.
            FieldKind::Meta(key, ty) => match self.manifest.numeric_type(&key) {
                Some(num) => self.meta_range(&key, num, lower, upper),
                None => Err(Error::Clause {
                    message: format!(
                        "`{key}` holds {} in this index; ranges need numbers or dates{}",
                        ty.describe(),
                        numbers_elsewhere(self.manifest, &key)
                    ),
                    field: key,
                    value: String::new(),
                }),
            },
            FieldKind::PassageId => {
                let n = |v: &str| {
                    v.parse::<u64>().map_err(|_| Error::Clause {
                        field: names::PASSAGE_ID.into(),
                        value: v.to_string(),
                        message: format!("`passage_id` holds numbers; `{v}` is not one"),
                    })
                };
                let term = |x| Term::from_field_u64(self.fields.passage_id, x);
                let low = match lower {
                    Bound::Unbounded => OpsBound::Unbounded,
                    Bound::Included(v) => OpsBound::Included(term(n(v)?)),
                    Bound::Excluded(v) => OpsBound::Excluded(term(n(v)?)),
                };
                let high = match upper {
                    Bound::Unbounded => OpsBound::Unbounded,
                    Bound::Included(v) => OpsBound::Included(term(n(v)?)),
                    Bound::Excluded(v) => OpsBound::Excluded(term(n(v)?)),
                };
                if matches!((&low, &high), (OpsBound::Unbounded, OpsBound::Unbounded)) {
                    return Ok(Box::new(AllQuery));
                }
                Ok(Box::new(RangeQuery::new(low, high)))
            }
            _ => Err(Error::Clause {
                field: field.to_string(),
                value: String::new(),
                message: format!("`{field}` holds text; ranges need a numeric or date field"),
            }),
        }
    }

    /// A range over a numeric or date metadata field (stored as `f64` in `meta_num`).
    pub fn num_range(&self, key: &str, low: OpsBound<f64>, high: OpsBound<f64>) -> Box<dyn Query> {
        let term = |x: f64| {
            let mut t = Term::from_field_json_path(self.fields.meta_num, key, false);
            t.append_type_and_fast_value(x);
            t
        };
        let map = |b: OpsBound<f64>| match b {
            OpsBound::Included(x) => OpsBound::Included(term(x)),
            OpsBound::Excluded(x) => OpsBound::Excluded(term(x)),
            OpsBound::Unbounded => OpsBound::Unbounded,
        };
        if matches!((&low, &high), (OpsBound::Unbounded, OpsBound::Unbounded)) {
            // Every document that has the field.
            return Box::new(RangeQuery::new(
                OpsBound::Included(term(f64::MIN)),
                OpsBound::Unbounded,
            ));
        }
        Box::new(RangeQuery::new(map(low), map(high)))
    }

    /// A range on a metadata field's numbers or dates.
    fn meta_range(
        &mut self,
        key: &str,
        ty: MetaType,
        lower: &Bound,
        upper: &Bound,
    ) -> Result<Box<dyn Query>> {
        let low = match lower {
            Bound::Unbounded => OpsBound::Unbounded,
            Bound::Included(v) => point_bounds(key, ty, v)?.0,
            Bound::Excluded(v) => match point_bounds(key, ty, v)?.1 {
                // Past the whole of an excluded day.
                OpsBound::Excluded(end) if ty == MetaType::Date => OpsBound::Included(end),
                OpsBound::Included(x) | OpsBound::Excluded(x) => OpsBound::Excluded(x),
                OpsBound::Unbounded => OpsBound::Unbounded,
            },
        };
        let high = match upper {
            Bound::Unbounded => OpsBound::Unbounded,
            Bound::Included(v) => point_bounds(key, ty, v)?.1,
            Bound::Excluded(v) => match point_bounds(key, ty, v)?.0 {
                OpsBound::Included(x) | OpsBound::Excluded(x) => OpsBound::Excluded(x),
                OpsBound::Unbounded => OpsBound::Unbounded,
            },
        };
        Ok(self.num_range(key, low, high))
    }

    fn field_kind(&self, name: &str) -> FieldKind {
        match name {
            names::TITLE => FieldKind::Analyzed(self.fields.title),
            names::TEXT => FieldKind::Analyzed(self.fields.text),
            names::META_TEXT => FieldKind::Analyzed(self.fields.meta_text),
            names::DOC_ID => FieldKind::Exact(self.fields.doc_id),
            names::SOURCE => FieldKind::Exact(self.fields.source),
            names::PASSAGE_ID => FieldKind::PassageId,
            name => {
                let (key, ty) = self
                    .manifest
                    .meta_field(name)
                    .unwrap_or_else(|| (name.to_string(), MetaType::Text));
                FieldKind::Meta(key, ty)
            }
        }
    }
}

enum FieldKind {
    Analyzed(Field),
    Exact(Field),
    PassageId,
    Meta(String, MetaType),
}

/// The terms of `field` whose key is `head` followed by a word beginning with any of `starts`:
/// the words, with how many passages hold each, most frequent first (ties in the dictionary's
/// order).
fn prefixed_terms(
    searcher: &tantivy::Searcher,
    field: Field,
    head: &[u8],
    starts: &[String],
) -> Result<Vec<(String, u64)>> {
    let mut found: std::collections::BTreeMap<String, u64> = Default::default();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        for start in starts {
            let mut from = head.to_vec();
            from.extend_from_slice(start.as_bytes());
            let mut stream = index
                .terms()
                .range()
                .ge(&from)
                .into_stream()
                .map_err(tantivy::TantivyError::from)?;
            while stream.advance() {
                let Some(rest) = stream.key().strip_prefix(from.as_slice()) else {
                    break;
                };
                let key = &stream.key()[head.len()..];
                if let (Ok(word), Ok(_)) = (std::str::from_utf8(key), std::str::from_utf8(rest)) {
                    *found.entry(word.to_string()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
    }
    let mut words: Vec<(String, u64)> = found.into_iter().collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.1));
    Ok(words)
}

/// An excluded clause, never sought backwards ([`super::exclude`]).
fn forward_only(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(crate::searcher::rank::exclude::ForwardOnly(q))
}

fn tantivy_occur(o: Occur) -> TOccur {
    match o {
        Occur::Must => TOccur::Must,
        Occur::Should => TOccur::Should,
        Occur::MustNot => TOccur::MustNot,
    }
}

/// The values a numeric or date field must lie between to equal `value`: the number itself, or
/// for a date the whole of its day (a date with a time: that second).
pub fn point_bounds(
    key: &str,
    ty: MetaType,
    value: &str,
) -> Result<(OpsBound<f64>, OpsBound<f64>)> {
    let value = value.trim();
    if ty == MetaType::Date {
        // A year or a month stands for all of its days.
        if let Some((start, next)) = dates::period(value) {
            let end = next.map_or(OpsBound::Unbounded, |n| OpsBound::Excluded(n.secs as f64));
            return Ok((OpsBound::Included(start.secs as f64), end));
        }
        let date = dates::parse(value).ok_or_else(|| Error::Clause {
            field: key.to_string(),
            value: value.to_string(),
            message: format!(
                "`{key}` holds dates; `{value}` is not a date (use YYYY-MM-DD, or YYYY-MM or \
                 YYYY for a whole month or year)"
            ),
        })?;
        let start = date.secs as f64;
        let day_only = date.secs.rem_euclid(86_400) == 0 && !value.contains(':');
        let end = if day_only {
            OpsBound::Excluded(start + 86_400.0)
        } else {
            OpsBound::Included(start)
        };
        return Ok((OpsBound::Included(start), end));
    }
    let x = parse_number(value).ok_or_else(|| Error::Clause {
        field: key.to_string(),
        value: value.to_string(),
        message: format!("`{key}` holds numbers; `{value}` is not a number"),
    })?;
    Ok((OpsBound::Included(x), OpsBound::Included(x)))
}

/// A finite number as a user types it: as catalogues write numbers (`28,341,469`,
/// `$425,000,000`, `93%`; see [`crate::meta::numbers`]), or in Rust's own notation (`1e6`).
pub fn parse_number(s: &str) -> Option<f64> {
    crate::meta::numbers::parse_number(s)
        .or_else(|| s.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
}

/// For a text column that reel reads numbers from (`duration` -> `runtime_minutes`, `seasons`):
/// where those numbers are, said after the refusal of a comparison on the column itself.
pub fn numbers_elsewhere(manifest: &Manifest, key: &str) -> String {
    let targets: Vec<&str> = crate::meta::vocabulary::ALIASES
        .iter()
        .filter(|(column, _)| *column == key)
        .flat_map(|(_, fields)| fields.split(" or "))
        .filter(|f| {
            manifest
                .metadata_fields
                .get(*f)
                .is_some_and(|t| t.is_numeric())
        })
        .collect();
    if targets.is_empty() {
        return String::new();
    }
    let named: Vec<String> = targets.iter().map(|f| format!("`{f}`")).collect();
    format!(" (its numbers are in {})", named.join(" and "))
}
