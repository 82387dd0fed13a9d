//! Phrase scores looked up one passage at a time, for the bonus clauses of a coordinated query
//! ([`super::coord`]): the query's words close together in the text, a name as typed in the
//! metadata.
//!
//! tantivy's phrase scorer is a document set: created, it walks to its first match, and asked
//! about a passage, to the next match after it. Where the words are common and rarely together
//! that walk crosses every passage holding all of them, which cost a third of a keyword search
//! on 4.9 million passages, for a bonus that only the passages competing for the top need.
//! [`SegmentPhrase::score`] answers for one passage: it moves each term's postings to it and
//! counts the matches as tantivy's `PhraseScorer` does (the same order of terms, the same
//! position arithmetic, the same slop rules; the matching functions are tantivy's own, copied
//! from `phrase_scorer.rs`, MIT licence), so the scores are tantivy's to the bit.

use std::cmp::Ordering;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// A phrase scored by BM25 on its number of matches, as `PhraseQuery` with a boost.
#[derive(Debug, Clone)]
pub struct Phrase {
    /// The weight its score is multiplied by.
    pub boost: Score,
    /// How far out of place its words may be.
    pub slop: u32,
    /// Terms with their positions in the phrase, in order of position.
    pub terms: Vec<(usize, Term)>,
}

impl Phrase {
    /// The phrase of `terms` (positions in the phrase, terms of one field).
    pub fn new(boost: Score, slop: u32, mut terms: Vec<(usize, Term)>) -> Self {
        terms.sort_by_key(|&(offset, _)| offset);
        Phrase { boost, slop, terms }
    }

    /// The BM25 weight `PhraseWeight` scores it with (idfs added in order of position).
    pub fn weight(&self, stats: &dyn Bm25StatisticsProvider) -> tantivy::Result<Bm25Weight> {
        let terms: Vec<Term> = self.terms.iter().map(|(_, t)| t.clone()).collect();
        Ok(Bm25Weight::for_terms(stats, &terms)?.boost_by(self.boost))
    }

    /// The phrase in one segment; `None` when a term is absent from it (no passage matches).
    pub fn segment(
        &self,
        reader: &SegmentReader,
        bm25: &Bm25Weight,
    ) -> tantivy::Result<Option<SegmentPhrase>> {
        if self.terms.len() < 2 {
            return Ok(None);
        }
        let field = self.terms[0].1.field();
        let max_offset = self.terms.iter().map(|&(o, _)| o).max().unwrap_or(0);
        let inverted = reader.inverted_index(field)?;
        let mut postings = Vec::with_capacity(self.terms.len());
        for (offset, term) in &self.terms {
            let Some(p) = inverted.read_postings(term, IndexRecordOption::WithFreqsAndPositions)?
            else {
                return Ok(None);
            };
            postings.push(((max_offset - offset) as u32, p));
        }
        // tantivy's intersection holds the terms in order of cost (stable), and the phrase is
        // matched in that order.
        postings.sort_by_key(|(_, p)| p.size_hint());
        let norms = match reader.fieldnorms_readers().get_field(field)? {
            Some(norms) => norms,
            None => FieldNormReader::constant(reader.max_doc(), 1),
        };
        Ok(Some(SegmentPhrase {
            postings,
            norms,
            bm25: bm25.clone(),
            slop: self.slop,
            left: Vec::new(),
            right: Vec::new(),
            left_slops: Vec::new(),
            positions_buffer: Vec::new(),
            slops_buffer: Vec::new(),
        }))
    }
}

/// A phrase's postings in one segment, moved forward passage by passage.
pub struct SegmentPhrase {
    /// Each term's postings with the offset that aligns its positions to the last term's.
    postings: Vec<(u32, SegmentPostings)>,
    norms: FieldNormReader,
    bm25: Bm25Weight,
    slop: u32,
    left: Vec<u32>,
    right: Vec<u32>,
    left_slops: Vec<u8>,
    positions_buffer: Vec<u32>,
    slops_buffer: Vec<u8>,
}

impl SegmentPhrase {
    /// The phrase's score on `doc` (0 when it does not match there). Calls must come in
    /// increasing order of `doc`.
    pub fn score(&mut self, doc: DocId) -> Score {
        for (_, p) in &mut self.postings {
            if p.doc() < doc {
                p.seek(doc);
            }
            if p.doc() != doc {
                return 0.0;
            }
        }
        let count = self.count();
        if count == 0 {
            return 0.0;
        }
        self.bm25.score(self.norms.fieldnorm_id(doc), count)
    }

    /// `PhraseScorer::compute_phrase_count`: the terms' positions intersected in turn, the
    /// matches so far kept in `left`, the last intersection counted.
    fn count(&mut self) -> u32 {
        let n = self.postings.len();
        let (offset, p) = &mut self.postings[0];
        p.positions_with_offset(*offset, &mut self.left);
        self.left_slops.clear();
        for i in 1..n {
            let (offset, p) = &mut self.postings[i];
            p.positions_with_offset(*offset, &mut self.right);
            let last = i == n - 1;
            let count = self.intersect(!last);
            if last {
                return count;
            }
            if self.left.is_empty() {
                // As tantivy: the rest is not read, and the count is 0.
                return 0;
            }
        }
        0
    }

    /// One step of the phrase: `left` against `right`, within the slop (carried over more than
    /// two terms); `left` becomes the matches when `update_left`. Returns the matches counted.
    fn intersect(&mut self, update_left: bool) -> u32 {
        let many = self.postings.len() > 2;
        match (self.slop, update_left) {
            (0, true) => {
                intersection(&mut self.left, &self.right);
                self.left.len() as u32
            }
            (0, false) => intersection_count(&self.left, &self.right) as u32,
            (slop, _) if many => intersection_count_with_carrying_slop(
                &mut self.left,
                &mut self.left_slops,
                &self.right,
                slop,
                update_left,
                &mut self.positions_buffer,
                &mut self.slops_buffer,
            ),
            (slop, _) => {
                intersection_count_with_slop(&mut self.left, &self.right, slop, update_left) as u32
            }
        }
    }
}

fn intersection_count(left: &[u32], right: &[u32]) -> usize {
    let mut left_index = 0;
    let mut right_index = 0;
    let mut count = 0;
    while left_index < left.len() && right_index < right.len() {
        match left[left_index].cmp(&right[right_index]) {
            Ordering::Less => left_index += 1,
            Ordering::Equal => {
                count += 1;
                left_index += 1;
                right_index += 1;
            }
            Ordering::Greater => right_index += 1,
        }
    }
    count
}

/// The positions in both sorted lists, left in `left`.
fn intersection(left: &mut Vec<u32>, right: &[u32]) {
    let mut left_index = 0;
    let mut right_index = 0;
    let mut count = 0;
    let (left_len, right_len) = (left.len(), right.len());
    while left_index < left_len && right_index < right_len {
        let left_val = left[left_index];
        match left_val.cmp(&right[right_index]) {
            Ordering::Less => left_index += 1,
            Ordering::Equal => {
                left[count] = left_val;
                count += 1;
                left_index += 1;
                right_index += 1;
            }
            Ordering::Greater => right_index += 1,
        }
    }
    left.truncate(count);
}

/// Matches within `slop` of each other, counted; the right positions of the matches left in
/// `left_positions` when `update_left`.
fn intersection_count_with_slop(
    left_positions: &mut Vec<u32>,
    right_positions: &[u32],
    slop: u32,
    update_left: bool,
) -> usize {
    let mut left_index = 0;
    let mut right_index = 0;
    let mut count = 0;
    let left_len = left_positions.len();
    let right_len = right_positions.len();
    while left_index < left_len && right_index < right_len {
        let left_val = left_positions[left_index];
        let right_val = right_positions[right_index];
        let distance = left_val.abs_diff(right_val);
        if distance <= slop {
            while left_index + 1 < left_len {
                let next_left_val = left_positions[left_index + 1];
                if next_left_val > right_val {
                    break;
                }
                left_index += 1;
            }
            if update_left {
                left_positions[count] = right_val;
            }
            count += 1;
            left_index += 1;
            right_index += 1;
        } else if left_val < right_val {
            left_index += 1;
        } else {
            right_index += 1;
        }
    }
    if update_left {
        left_positions.truncate(count);
    }
    count
}

/// Matches of more than two terms, the slop spent so far carried along (tantivy's algorithm,
/// with its known approximations, kept as they are so that the scores stay tantivy's).
fn intersection_count_with_carrying_slop(
    left_positions: &mut Vec<u32>,
    left_slops: &mut Vec<u8>,
    right_positions: &[u32],
    max_slop: u32,
    update_left: bool,
    positions_buffer: &mut Vec<u32>,
    slops_buffer: &mut Vec<u8>,
) -> u32 {
    let mut left_index = 0;
    let mut right_index = 0;
    let mut count = 0;
    if left_positions.is_empty() || right_positions.is_empty() {
        if update_left {
            left_positions.clear();
            left_slops.clear();
        }
        return 0;
    }
    let add_val = |val: (u8, u32), new_left: &mut Vec<u32>, new_slops: &mut Vec<u8>| {
        if update_left {
            let pos_exists = new_left.last().is_some_and(|v| *v == val.1);
            if pos_exists {
                if let Some(last_slop) = new_slops.last_mut() {
                    *last_slop = (*last_slop).min(val.0);
                }
            } else {
                new_left.push(val.1);
                new_slops.push(val.0);
            }
        }
    };
    loop {
        let left_val = left_positions[left_index];
        let slop_so_far = left_slops.get(left_index).cloned().unwrap_or(0);
        let right_val = right_positions[right_index];
        let distance = slop_so_far as u32 + left_val.abs_diff(right_val);
        if distance <= max_slop {
            let (smaller_val, larger_val, mut smaller_val_idx, smaller_val_positions) =
                if left_val < right_val {
                    (left_val, right_val, left_index, left_positions.as_slice())
                } else {
                    (right_val, left_val, right_index, right_positions)
                };
            let mut new_slop = distance;
            add_val(
                (new_slop as u8, smaller_val),
                positions_buffer,
                slops_buffer,
            );
            while smaller_val_idx + 1 < smaller_val_positions.len() {
                let next_val = smaller_val_positions[smaller_val_idx + 1];
                if next_val > larger_val {
                    break;
                }
                let distance = next_val.abs_diff(larger_val);
                smaller_val_idx += 1;
                new_slop = slop_so_far as u32 + distance;
                add_val((new_slop as u8, next_val), positions_buffer, slops_buffer);
            }
            add_val((new_slop as u8, larger_val), positions_buffer, slops_buffer);
            count += 1;
            left_index += 1;
            right_index += 1;
        } else if left_val < right_val {
            left_index += 1;
        } else {
            right_index += 1;
        }
        if left_index >= left_positions.len() || right_index >= right_positions.len() {
            if left_index >= left_positions.len() {
                let left_val = left_positions.last().copied().unwrap_or(0);
                let slop_so_far: u8 = *left_slops.last().unwrap_or(&0);
                for right_val in &right_positions[right_index..] {
                    let new_slop = left_val.abs_diff(*right_val) + slop_so_far as u32;
                    if new_slop <= max_slop {
                        add_val((new_slop as u8, *right_val), positions_buffer, slops_buffer);
                    }
                }
            } else {
                let right_val = right_positions.last().copied().unwrap_or(0);
                for (left_idx, &left_val) in left_positions.iter().enumerate().skip(left_index) {
                    let slop_so_far = *left_slops.get(left_idx).unwrap_or(&0);
                    let new_slop = left_val.abs_diff(right_val) + slop_so_far as u32;
                    if new_slop <= max_slop {
                        add_val((new_slop as u8, left_val), positions_buffer, slops_buffer);
                    }
                }
            };
            break;
        }
    }
    if update_left {
        std::mem::swap(left_positions, positions_buffer);
        std::mem::swap(left_slops, slops_buffer);
        positions_buffer.clear();
        slops_buffer.clear();
    }
    count
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use tantivy::query::{BoostQuery, EnableScoring, PhraseQuery, Query};
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index, TERMINATED};

    use super::*;

    /// Every passage's score equals tantivy's phrase scorer's, for phrases of two and three
    /// words, exact and sloppy, over texts where words repeat and overlap.
    #[test]
    fn scores_are_tantivys_to_the_bit() {
        let mut builder = Schema::builder();
        let text = builder.add_text_field("text", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = ["drug", "court", "judge", "the", "hope", "brown"];
        let mut state = 7u64;
        for _ in 0..400 {
            let mut passage = Vec::new();
            let len = 3 + (state % 23) as usize;
            for _ in 0..len {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                passage.push(words[((state >> 33) % words.len() as u64) as usize]);
            }
            writer
                .add_document(doc!(text => passage.join(" ")))
                .unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |w: &str| Term::from_field_text(text, w);
        let phrases = [
            vec![(0, term("drug")), (1, term("court"))],
            vec![(0, term("judge")), (1, term("hope")), (2, term("brown"))],
            vec![(0, term("court")), (1, term("court"))],
            vec![(0, term("hope")), (2, term("drug")), (3, term("the"))],
        ];
        let mut compared = 0;
        for terms in phrases {
            for slop in [0, 1, 2, 4] {
                let phrase = Phrase::new(1.5, slop, terms.clone());
                let query = BoostQuery::new(
                    Box::new(PhraseQuery::new_with_offset_and_slop(terms.clone(), slop)),
                    1.5,
                );
                let weight = query
                    .weight(EnableScoring::enabled_from_searcher(&searcher))
                    .unwrap();
                let bm25 = phrase.weight(&searcher).unwrap();
                for seg in searcher.segment_readers() {
                    let mut expected = HashMap::new();
                    let mut scorer = weight.scorer(seg, 1.0).unwrap();
                    while scorer.doc() != TERMINATED {
                        expected.insert(scorer.doc(), scorer.score());
                        scorer.advance();
                    }
                    let mut ours = phrase.segment(seg, &bm25).unwrap().unwrap();
                    for doc in 0..seg.max_doc() {
                        let want = expected.get(&doc).copied().unwrap_or(0.0);
                        assert_eq!(ours.score(doc).to_bits(), want.to_bits(), "{doc} {slop}");
                        compared += usize::from(want > 0.0);
                    }
                }
            }
        }
        assert!(compared > 100, "too few matches compared: {compared}");
    }
}
