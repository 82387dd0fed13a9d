//! Impact lists: each term's postings in a field, read once per batch, and each word's scores
//! over the three fields, kept while the caches have room.

use std::sync::Arc;

use tantivy::postings::Postings;
use tantivy::query::Bm25Weight;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Term, TERMINATED};

use super::{read, write, Engine};
use crate::error::Result;
use crate::searcher::{META_BOOST, TITLE_BOOST};

/// The passages of one term in one field, per segment: `(doc, term frequency, fieldnorm id)`.
pub(super) struct Impacts {
    pub(super) weight: Bm25Weight,
    pub(super) segments: Vec<Vec<(DocId, u32, u8)>>,
}

/// Postings kept between queries, at most (in entries, 8 to 12 bytes each): a batch of many
/// distinct common words keeps memory bounded; what does not fit is read again when needed.
const CACHE_ENTRIES: usize = 6_000_000;

/// A word's score on each passage holding it, per segment.
pub(super) type WordScores = Arc<Vec<Vec<(DocId, Score)>>>;

/// A word's scores by the bits of its boost.
pub(super) type Combined = Vec<(u32, WordScores)>;

impl Engine<'_> {
    /// A term's postings in a field; kept for later queries when `keep` (feedback's words, which
    /// are read alone) and the caches have room.
    pub(super) fn impacts(&self, field: Field, term: &str, keep: bool) -> Result<Arc<Impacts>> {
        let slot = self.norm_slot(field);
        if let Some(i) = read(&self.impacts[slot]).get(term) {
            return Ok(Arc::clone(i));
        }
        let t = Term::from_field_text(field, term);
        let weight = Bm25Weight::for_terms(&self.searcher, std::slice::from_ref(&t))?;
        let mut segments = Vec::with_capacity(self.max_docs.len());
        for (s, seg) in self.searcher.segment_readers().iter().enumerate() {
            let mut list = Vec::new();
            let inverted = seg.inverted_index(field)?;
            let postings = inverted
                .read_postings(&t, IndexRecordOption::WithFreqs)
                .map_err(tantivy::TantivyError::from)?;
            if let Some(mut postings) = postings {
                let norms = self.fieldnorms[s][slot].as_ref();
                let alive = self.alive[s].as_ref();
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        let fieldnorm = norms.map_or(0, |n| n.fieldnorm_id(doc));
                        list.push((doc, postings.term_freq(), fieldnorm));
                    }
                    doc = postings.advance();
                }
            }
            segments.push(list);
        }
        let i = Arc::new(Impacts { weight, segments });
        if keep && self.reserve(i.segments.iter().map(Vec::len).sum()) {
            write(&self.impacts[slot]).insert(term.into(), Arc::clone(&i));
        }
        Ok(i)
    }

    /// A word's score per passage over the title, the text and the metadata (each weighted as
    /// in [`crate::searcher::build`], times `boost`), each passage's three parts added in that
    /// order as tantivy's union adds them. Computed once per word and boost.
    pub(super) fn combined(&self, term: &str, boost: Score) -> Result<WordScores> {
        let bits = boost.to_bits();
        if let Some(c) = read(&self.combined)
            .get(term)
            .and_then(|v| v.iter().find(|(b, _)| *b == bits))
        {
            return Ok(Arc::clone(&c.1));
        }
        let f = self.fields;
        let parts = [
            (self.impacts(f.title, term, false)?, TITLE_BOOST),
            (self.impacts(f.text, term, false)?, 1.0),
            (self.impacts(f.meta_text, term, false)?, META_BOOST),
        ];
        let weights: Vec<Bm25Weight> = parts
            .iter()
            .map(|(i, field_boost)| {
                i.weight.boost_by(if *field_boost == 1.0 {
                    boost
                } else {
                    boost * field_boost
                })
            })
            .collect();
        let mut out = Vec::with_capacity(self.max_docs.len());
        for s in 0..self.max_docs.len() {
            // Merge the three doc-ordered lists.
            let lists: Vec<&[(DocId, u32, u8)]> =
                parts.iter().map(|(i, _)| &i.segments[s][..]).collect();
            let mut at = [0usize; 3];
            let mut merged = Vec::with_capacity(lists.iter().map(|l| l.len()).max().unwrap_or(0));
            loop {
                let next = (0..3)
                    .filter_map(|k| lists[k].get(at[k]).map(|p| p.0))
                    .min();
                let Some(doc) = next else { break };
                let mut score: Score = 0.0;
                for k in 0..3 {
                    if let Some(&(d, tf, norm)) = lists[k].get(at[k]) {
                        if d == doc {
                            score += weights[k].score(norm, tf);
                            at[k] += 1;
                        }
                    }
                }
                merged.push((doc, score));
            }
            out.push(merged);
        }
        let c = Arc::new(out);
        if self.reserve(c.iter().map(Vec::len).sum()) {
            write(&self.combined)
                .entry(term.into())
                .or_default()
                .push((bits, Arc::clone(&c)));
        }
        Ok(c)
    }

    /// True (and counted) if `entries` more fit in the caches.
    fn reserve(&self, entries: usize) -> bool {
        use std::sync::atomic::Ordering;
        let before = self.cached.fetch_add(entries, Ordering::Relaxed);
        if before + entries <= CACHE_ENTRIES {
            return true;
        }
        self.cached.fetch_sub(entries, Ordering::Relaxed);
        false
    }

    fn norm_slot(&self, field: Field) -> usize {
        if field == self.fields.title {
            0
        } else if field == self.fields.text {
            1
        } else {
            2
        }
    }
}
