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
