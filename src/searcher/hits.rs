//! Hits: the plain data a search returns (the JSON contract of `reel search --json`), filled in
//! from the stored passages, with the matched words as byte ranges.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

use super::collect::{Key, Ranked, TopRanked};
use crate::error::Result;
use crate::meta::Metadata;
use crate::schema::Fields;

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

/// Hits with only rank, score, document id and passage id (TREC runs, evaluation): nothing is
/// read from the stored passages.
pub fn id_hits(top: Vec<Ranked>) -> Vec<Hit> {
    top.into_iter()
        .enumerate()
        .map(|(i, r)| Hit {
            rank: i + 1,
            score: r.score,
            doc_id: r.doc_id,
            title: String::new(),
            passage_id: r.passage,
            text: String::new(),
            highlights: Vec::new(),
            source: String::new(),
            metadata: Metadata::new(),
        })
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
    text_terms: &HashSet<String>,
) -> Result<Vec<Hit>> {
    let mut analyzer = crate::analyzer::analyzer();
    let mut metadata_of: HashMap<String, Metadata> = HashMap::new();
    let mut hits = Vec::with_capacity(top.len());
    for mut r in top {
        let doc: TantivyDocument = searcher.doc(r.addr)?;
        // The stored passage has the id: no dictionary to read.
        if r.doc_id.is_empty() {
            r.doc_id = str_of(&doc, fields.doc_id);
        }
        let score = if scored {
            r.score
        } else {
            query.explain(searcher, r.addr).map_or(0.0, |e| e.value())
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
        let text = str_of(&doc, fields.text);
        let title = str_of(&doc, fields.title);
        hits.push(Hit {
            rank: hits.len() + 1,
            score,
            title: if title.is_empty() {
                r.doc_id.clone()
            } else {
                title
            },
            doc_id: r.doc_id,
            passage_id: r.passage,
            highlights: highlight(&mut analyzer, &text, text_terms),
            text,
            source: str_of(&doc, fields.source),
            metadata,
        });
    }
    Ok(hits)
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

/// Byte ranges of the words of `text` whose analyzed form is one of `terms`.
pub fn highlight(
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
