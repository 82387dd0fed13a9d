//! Feedback for a batch: the best passages' words from a forward index built as passages are
//! first ranked, chosen as [`crate::searcher::expand::with_feedback`] chooses them.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::schema::Value;
use tantivy::{DocId, SegmentOrdinal, TantivyDocument, Term};

use super::{lock, read, write, Engine, Scratch, Word};
use crate::error::Result;
use crate::searcher::query::expand;

/// A passage's words as feedback counts them: `(term, count)` and the number of words.
pub(super) struct Forward {
    counts: Vec<(u32, f32)>,
    len: f32,
}

/// The words feedback has met, numbered.
#[derive(Default)]
pub(super) struct Interner {
    ids: HashMap<String, u32>,
    words: Vec<Arc<str>>,
    /// Whether feedback may add the word (longer than one byte, not only digits).
    eligible: Vec<bool>,
}

impl Engine<'_> {
    /// Pseudo-relevance feedback ([`expand::with_feedback`]) from the scores so far.
    pub(super) fn add_feedback(
        &self,
        words: &[Word],
        scratch: &mut Scratch,
    ) -> Result<Vec<(String, f32)>> {
        let top = self.top(scratch, expand::FEEDBACK_PASSAGES)?;
        let Some(best) = top.first().map(|r| r.score) else {
            return Ok(Vec::new());
        };
        let analyzer = scratch
            .feedback_analyzer
            .get_or_insert_with(crate::analyzer::feedback_analyzer);
        let forwards: Vec<(Arc<Forward>, f32)> = top
            .iter()
            .map(|r| {
                self.forward(r.addr.segment_ord, r.addr.doc_id, analyzer)
                    .map(|f| (f, r.score))
            })
            .collect::<Result<_>>()?;
        let terms = read(&self.terms);
        if scratch.feedback.len() < terms.words.len() {
            scratch.feedback.resize(terms.words.len(), 0.0);
        }
        // Each passage votes for its words in proportion to its own relevance.
        for (fwd, score) in &forwards {
            let vote = score / best / fwd.len.max(1.0);
            for &(t, c) in &fwd.counts {
                let w = &mut scratch.feedback[t as usize];
                if *w == 0.0 {
                    scratch.feedback_touched.push(t);
                }
                *w += c * vote;
            }
        }
        let original: Vec<u32> = words
            .iter()
            .filter_map(|w| terms.ids.get(&w.term).copied())
            .collect();
        let mut candidates: Vec<(f32, u32)> = scratch
            .feedback_touched
            .iter()
            .filter(|&&t| terms.eligible[t as usize] && !original.contains(&t))
            .map(|&t| (scratch.feedback[t as usize], t))
            .collect();
        for &t in &scratch.feedback_touched {
            scratch.feedback[t as usize] = 0.0;
        }
        scratch.feedback_touched.clear();
        let order = |a: &(f32, u32), b: &(f32, u32)| {
            b.0.total_cmp(&a.0)
                .then_with(|| terms.words[a.1 as usize].cmp(&terms.words[b.1 as usize]))
        };
        // Only the first few are looked at: put the best 32 in order, the rest only if needed.
        const FIRST: usize = 32;
        let split = if candidates.len() > FIRST {
            candidates.select_nth_unstable_by(FIRST - 1, order);
            FIRST
        } else {
            candidates.len()
        };
        candidates[..split].sort_by(order);
        let max_df = expand::FEEDBACK_MAX_DF * self.searcher.num_docs().max(1) as f32;
        let mut kept: Vec<(Arc<str>, f32)> = Vec::new();
        let mut i = 0;
        while i < candidates.len() && kept.len() < expand::FEEDBACK_TERMS {
            if i == split {
                candidates[split..].sort_by(order);
            }
            let (w, id) = candidates[i];
            i += 1;
            let word = Arc::clone(&terms.words[id as usize]);
            let df = self.doc_freq(id, &word)? as f32;
            if (2.0..=max_df).contains(&df) {
                kept.push((word, w));
            }
        }
        drop(terms);
        let Some(&(_, top_w)) = kept.first() else {
            return Ok(Vec::new());
        };
        let mut added = Vec::with_capacity(kept.len());
        for (t, w) in kept {
            let boost = expand::FEEDBACK_WEIGHT * w / top_w;
            self.add_text(&t, boost, scratch)?;
            added.push((t.to_string(), boost));
        }
        Ok(added)
    }

    fn doc_freq(&self, id: u32, term: &str) -> Result<u64> {
        if let Some(&df) = lock(&self.doc_freqs).get(&id) {
            return Ok(df);
        }
        let df = self
            .searcher
            .doc_freq(&Term::from_field_text(self.fields.text, term))?;
        lock(&self.doc_freqs).insert(id, df);
        Ok(df)
    }

    /// A passage's words with the feedback analyzer, read and counted once per batch.
    fn forward(
        &self,
        segment: SegmentOrdinal,
        doc: DocId,
        analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    ) -> Result<Arc<Forward>> {
        if let Some(f) = read(&self.forward).get(&(segment, doc)) {
            return Ok(Arc::clone(f));
        }
        let stored: TantivyDocument = self.searcher.doc(tantivy::DocAddress::new(segment, doc))?;
        let text = stored
            .get_first(self.fields.text)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let (counts, len) = expand::word_counts(analyzer, text);
        let mut terms = write(&self.terms);
        let counts = counts
            .into_iter()
            .map(|(t, c)| {
                let next = terms.words.len() as u32;
                let id = *terms.ids.entry(t.clone()).or_insert(next);
                if id == next {
                    terms
                        .eligible
                        .push(t.len() > 1 && !t.chars().all(|c| c.is_ascii_digit()));
                    terms.words.push(Arc::from(t.as_str()));
                }
                (id, c)
            })
            .collect();
        drop(terms);
        let f = Arc::new(Forward { counts, len });
        write(&self.forward).insert((segment, doc), Arc::clone(&f));
        Ok(f)
    }
}
