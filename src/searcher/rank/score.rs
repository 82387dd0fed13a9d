//! A query's score for one passage, as tantivy's `explain` computes it, without its backwards
//! seek: for the passages another ranking brought (a whole-title bonus, a hybrid's semantic
//! hits, a sorted search's scores).

use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::{DocAddress, DocSet, Score};

use crate::error::Result;

/// The weight [`score_at`] scores with: made once per query, for all its hits.
pub fn scoring_weight(searcher: &tantivy::Searcher, query: &dyn Query) -> Result<Box<dyn Weight>> {
    Ok(query.weight(EnableScoring::enabled_from_searcher(searcher))?)
}

/// The score a query's `weight` ([`scoring_weight`]) gives the passage at `addr`, `None` where
/// it does not match: what tantivy's `explain` computes, without its seek to the passage when
/// the query's first passage lies beyond it (a backwards seek, which breaks a postings list's
/// contract).
pub fn score_at(
    searcher: &tantivy::Searcher,
    weight: &dyn Weight,
    addr: DocAddress,
) -> Result<Option<Score>> {
    let reader = searcher.segment_reader(addr.segment_ord);
    let mut scorer = weight.scorer(reader, 1.0)?;
    let at = match scorer.doc() {
        d if d < addr.doc_id => scorer.seek(addr.doc_id),
        d => d,
    };
    Ok((at == addr.doc_id).then(|| scorer.score()))
}

/// The most a query's words could score in a passage's text: each word's BM25 at its limit
/// (a passage of that word alone, many times over), `(k1 + 1) * idf`, times its weight, added
/// up. Fusion reads a lexical score as its share of this ([`super::semantic::fuse`]).
pub fn lexical_bound(
    searcher: &tantivy::Searcher,
    fields: &crate::schema::Fields,
    words: &[(String, f32)],
) -> Result<f32> {
    const K1: f32 = 1.2;
    let passages = searcher.num_docs().max(1) as f32;
    let mut analyzer = crate::analyzer::analyzer();
    let mut bound = 0.0;
    for (word, weight) in words {
        let mut stream = analyzer.token_stream(word);
        while stream.advance() {
            let term = tantivy::Term::from_field_text(fields.text, &stream.token().text);
            let n = searcher.doc_freq(&term)? as f32;
            // A word no passage holds could at most be as rare as a word in one.
            let n = n.max(1.0);
            bound += weight * (K1 + 1.0) * (1.0 + (passages - n + 0.5) / (n + 0.5)).ln();
        }
    }
    Ok(bound)
}
