//! Hits: the plain data a search returns (the JSON contract of `reel search --json`), filled in
//! from the stored passages, with the matched words as byte ranges.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

use super::rank::collect::{Key, Ranked, TopRanked};
use super::rank::score::{score_at, scoring_weight};
use crate::error::Result;
use crate::meta::Metadata;
use crate::schema::Fields;

/// One ranked passage. This is the JSON contract of `reel search --json` (one object per line).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// The file the document came from, as shown: relative to the current folder when it
    /// lies below it, else absolute.
    pub source: String,
    /// The file's absolute path.
    pub path: String,
    /// The 1-based line of `source` the passage starts on (a record: the line the record
    /// starts on); 0 when unknown.
    pub line: u64,
    /// When the passage starts in a recording (subtitles, transcripts), in milliseconds.
    pub start_ms: Option<u64>,
    /// When it ends.
    pub end_ms: Option<u64>,
    /// The heading it sits under (HTML, Markdown).
    pub heading: Option<String>,
    /// Who speaks in it (subtitles, transcripts).
    pub speaker: Option<String>,
    /// The document's typed metadata.
    pub metadata: Metadata,
    /// `[start, end)` byte ranges of the matched words in `title`.
    pub title_highlights: Vec<[usize; 2]>,
    /// The metadata fields the query matched, in field order, with their values as text and
    /// the matched words in them: why a passage whose text lacks the words was found.
    pub metadata_matches: Vec<MetaMatch>,
    /// The lexical (BM25) part of the score, if the words matched.
    pub lexical_score: Option<f32>,
    /// The cosine of the passage's vector and the query's, in semantic and hybrid search.
    pub semantic_score: Option<f32>,
    /// With `--sort`: the field and this hit's value of it (null when it has none); left out
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sorted_by: Option<SortedBy>,
}

/// The value a hit was ordered by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SortedBy {
    /// The metadata field.
    pub field: String,
    /// Its value in the hit's document, if any.
    pub value: Option<crate::meta::MetaValue>,
}

impl Hit {
    /// A hit with its rank, score and ids, and nothing read from the stored passage: the one
    /// constructor; [`full_hits`] fills in the rest.
    pub fn new(rank: usize, score: f32, doc_id: String, passage_id: u64) -> Hit {
        Hit {
            rank,
            score,
            doc_id,
            passage_id,
            ..Hit::default()
        }
    }

    /// Fills in what the stored passage `doc` holds: text, title, where it sits in its source.
    fn read_stored(&mut self, fields: &Fields, doc: &TantivyDocument) {
        self.text = str_of(doc, fields.text);
        self.title = str_of(doc, fields.title);
        self.source = str_of(doc, fields.source);
        self.line = doc
            .get_first(fields.line)
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        self.start_ms = doc.get_first(fields.start_ms).and_then(|v| v.as_u64());
        self.end_ms = doc.get_first(fields.end_ms).and_then(|v| v.as_u64());
        let text_of = |f| {
            doc.get_first(f)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        self.heading = text_of(fields.heading);
        self.speaker = text_of(fields.speaker);
    }
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

/// A metadata field the query matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaMatch {
    /// The field name.
    pub field: String,
    /// Its value as text (a list joined with `, `).
    pub value: String,
    /// `[start, end)` byte ranges of the matched words in `value`.
    pub highlights: Vec<[usize; 2]>,
}

/// The analyzed words of a query, by what they were searched in: what highlights are made of.
#[derive(Debug, Default, Clone)]
pub struct MatchTerms {
    /// Words searched in the passage text (feedback words included).
    pub text: HashSet<String>,
    /// Words searched in the title.
    pub title: HashSet<String>,
    /// Words searched in every metadata field at once.
    pub meta: HashSet<String>,
    /// Words searched in one metadata field (`director:herzog`).
    pub meta_field: HashMap<String, HashSet<String>>,
    /// Analyzed words searched with edits allowed (`huntingdon~1`), with how many: any word
    /// within that many edits matches, wherever it is.
    pub fuzzy: Vec<(Vec<char>, usize)>,
    /// Phrases (analyzed, two terms or more) of the text and the title: highlighted where
    /// their words stand together, not wherever one of them is (`"the fire chief"`).
    pub phrases: Vec<Vec<String>>,
}

impl MatchTerms {
    /// The words of `query`, sorted by field. Words the text and the title are searched for
    /// only as part of a phrase are left to `phrases` (the texts of the query's phrases, see
    /// [`crate::searcher::query::words::phrase_texts`]); `loose` texts (phrases with slop) are
    /// highlighted word by word.
    pub fn of(
        fields: &Fields,
        query: &dyn Query,
        phrases: &[String],
        loose: &[String],
    ) -> MatchTerms {
        let mut m = MatchTerms::default();
        let mut analyzer = crate::analyzer::analyzer();
        for text in phrases {
            let words = analyzed(&mut analyzer, text);
            if words.len() > 1 && !m.phrases.contains(&words) {
                m.phrases.push(words);
            }
        }
        for text in loose {
            let words = analyzed(&mut analyzer, text);
            m.text.extend(words.iter().cloned());
            m.title.extend(words);
        }
        query.query_terms(&mut |term, positions| {
            let f = term.field();
            if f == fields.meta {
                if let Some((key, word)) = json_str_term(term) {
                    m.meta_field.entry(key).or_default().insert(word);
                }
                return;
            }
            let value = term.value();
            let Some(word) = value.as_str() else {
                return;
            };
            let set = if f == fields.text && !positions {
                &mut m.text
            } else if f == fields.title && !positions {
                &mut m.title
            } else if f == fields.meta_text {
                &mut m.meta
            } else {
                return;
            };
            set.insert(word.to_string());
        });
        m
    }
}

/// The analyzed terms of `text`.
fn analyzed(analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// The path and the text of a term of a JSON field holding a string.
fn json_str_term(term: &Term) -> Option<(String, String)> {
    let key = term.get_json_path()?;
    let bytes = term.serialized_value_bytes();
    // The path, the end-of-path byte, the value's type code, the value.
    let end = bytes.iter().position(|&b| b == 0)?;
    let (code, word) = bytes.get(end + 1..)?.split_first()?;
    (*code == b's')
        .then(|| std::str::from_utf8(word).ok().map(|w| (key, w.to_string())))
        .flatten()
}

/// Hits with only rank, score, document id and passage id (TREC runs, evaluation): nothing is
/// read from the stored passages.
pub fn id_hits(top: Vec<Ranked>) -> Vec<Hit> {
    top.into_iter()
        .enumerate()
        .map(|(i, r)| Hit::new(i + 1, r.score, r.doc_id, r.passage))
        .collect()
}

/// Fills in the hits from the stored passages. `scored` is false when the hits were ordered by
/// a field: their scores are then computed here.
pub fn full_hits(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    query: &dyn Query,
    top: Vec<Ranked>,
    scored: bool,
    terms: &MatchTerms,
) -> Result<Vec<Hit>> {
    let mut analyzer = crate::analyzer::analyzer();
    let mut metadata_of: HashMap<String, Metadata> = HashMap::new();
    let mut hits = Vec::with_capacity(top.len());
    let weight = match scored {
        true => None,
        false => Some(scoring_weight(searcher, query)?),
    };
    for mut r in top {
        let doc: TantivyDocument = searcher.doc(r.addr)?;
        // The stored passage has the id: no dictionary to read.
        if r.doc_id.is_empty() {
            r.doc_id = str_of(&doc, fields.doc_id);
        }
        let score = match &weight {
            None => r.score,
            Some(w) => score_at(searcher, &**w, r.addr)?.unwrap_or(0.0),
        };
        let metadata = match metadata_of.get(&r.doc_id) {
            Some(m) => m.clone(),
            None => {
                let m = if r.passage == 0 {
                    metadata_in(fields, &doc)
                } else {
                    metadata_of_doc(searcher, fields, &r.doc_id)?
                };
                metadata_of.insert(r.doc_id.clone(), m.clone());
                m
            }
        };
        let mut hit = Hit::new(hits.len() + 1, score, r.doc_id, r.passage);
        hit.read_stored(fields, &doc);
        hit.highlights = highlight_near(
            &mut analyzer,
            &hit.text,
            &terms.text,
            &terms.phrases,
            &terms.fuzzy,
        );
        hit.title_highlights = highlight_near(
            &mut analyzer,
            &hit.title,
            &terms.title,
            &terms.phrases,
            &terms.fuzzy,
        );
        if hit.title.is_empty() {
            hit.title = hit.doc_id.clone();
        }
        hit.metadata_matches = metadata_matches(&mut analyzer, &metadata, terms);
        hit.metadata = metadata;
        hits.push(hit);
    }
    Ok(hits)
}

/// Fills in each hit's absolute `path` from its stored source, and shows the source relative to
/// `cwd` when it lies below it.
pub fn show_paths(hits: &mut [Hit], cwd: Option<&std::path::Path>) {
    for h in hits {
        h.path = h.source.clone();
        h.source = crate::paths::shown_str(&h.path, cwd);
    }
}

/// The first value of a text field of a stored passage ("" if none).
pub fn str_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The metadata stored on a document's first passage.
pub fn metadata_in(fields: &Fields, doc: &TantivyDocument) -> Metadata {
    serde_json::from_str(&str_of(doc, fields.meta_json)).unwrap_or_default()
}

/// A document's metadata, stored once on its first passage.
fn metadata_of_doc(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    doc_id: &str,
) -> Result<Metadata> {
    let q = BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(fields.doc_id, doc_id),
                IndexRecordOption::Basic,
            )) as Box<dyn Query>,
        ),
        (
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_u64(fields.passage_id, 0),
                IndexRecordOption::Basic,
            )),
        ),
    ]);
    let first = searcher.search(&q, &TopRanked::new(1, Key::Score))?;
    match first.first() {
        Some(r) => Ok(metadata_in(fields, &searcher.doc(r.addr)?)),
        None => Ok(Metadata::new()),
    }
}

/// The metadata fields holding a word the query searched in them (as text: a number field
/// matches a word such as `2017` too). A value reel derived from another column
/// ([`crate::meta::vocabulary`]) is left out: the column it came from says it.
fn metadata_matches(
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    metadata: &Metadata,
    terms: &MatchTerms,
) -> Vec<MetaMatch> {
    if terms.meta.is_empty() && terms.meta_field.is_empty() && terms.fuzzy.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (key, value) in metadata {
        if crate::meta::vocabulary::is_derived(key, value, metadata) {
            continue;
        }
        let text = value.to_text();
        let mut highlights = highlight_near(analyzer, &text, &terms.meta, &[], &terms.fuzzy);
        if let Some(own) = terms.meta_field.get(key) {
            highlights.extend(highlight(analyzer, &text, own));
            highlights.sort_unstable();
            highlights.dedup();
        }
        if !highlights.is_empty() {
            out.push(MetaMatch {
                field: key.clone(),
                value: text,
                highlights,
            });
        }
    }
    out
}

/// Byte ranges of the words of `text` whose analyzed form is one of `terms`.
pub fn highlight(
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    text: &str,
    terms: &HashSet<String>,
) -> Vec<[usize; 2]> {
    highlight_near(analyzer, text, terms, &[], &[])
}

/// [`highlight`], also marking each place where the words of a phrase stand together (one
/// range from its first word to its last) and the words within the allowed edits of a fuzzy
/// word; in order, overlapping ranges merged.
pub fn highlight_near(
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    text: &str,
    terms: &HashSet<String>,
    phrases: &[Vec<String>],
    fuzzy: &[(Vec<char>, usize)],
) -> Vec<[usize; 2]> {
    let mut out: Vec<[usize; 2]> = Vec::new();
    if terms.is_empty() && fuzzy.is_empty() && phrases.is_empty() {
        return out;
    }
    let mut chars: Vec<char> = Vec::new();
    // (start, end, position, term) of every token, for the phrases.
    let mut tokens: Vec<(usize, usize, usize, String)> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        let mut near = || {
            chars.clear();
            chars.extend(t.text.chars());
            fuzzy
                .iter()
                .any(|(w, d)| super::suggest::edit_distance(w, &chars, *d).is_some())
        };
        if terms.contains(&t.text) || (!fuzzy.is_empty() && near()) {
            out.push([t.offset_from, t.offset_to]);
        }
        if !phrases.is_empty() {
            tokens.push((t.offset_from, t.offset_to, t.position, t.text.clone()));
        }
    }
    if phrases.is_empty() {
        return out;
    }
    for phrase in phrases {
        for start in 0..tokens.len() {
            let Some(window) = tokens.get(start..start + phrase.len()) else {
                break;
            };
            let together = window.windows(2).all(|w| w[1].2 == w[0].2 + 1);
            if together && window.iter().zip(phrase).all(|(t, p)| t.3 == *p) {
                out.push([window[0].0, window[window.len() - 1].1]);
            }
        }
    }
    out.sort_unstable();
    let mut merged: Vec<[usize; 2]> = Vec::with_capacity(out.len());
    for r in out {
        match merged.last_mut() {
            Some(last) if r[0] <= last[1] => last[1] = last[1].max(r[1]),
            _ => merged.push(r),
        }
    }
    merged
}
