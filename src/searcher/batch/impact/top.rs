//! The best passages of a query's scores, in the order every search gives them.

use tantivy::SegmentOrdinal;

use super::{Engine, Scratch};
use crate::error::Result;
use crate::searcher::rank::collect::Ranked;

/// An integer that orders as [`f32::total_cmp`] orders its float.
fn total_order_key(x: f32) -> i32 {
    let bits = x.to_bits() as i32;
    bits ^ (((bits >> 31) as u32) >> 1) as i32
}

impl Engine<'_> {
    /// The best `limit` passages of the scores so far, ordered as every search orders them: by
    /// score, then document id and passage ([`crate::searcher::collect::top`]'s order, ties
    /// included).
    pub(super) fn top(&self, scratch: &mut Scratch, limit: usize) -> Result<Vec<Ranked>> {
        let limit = limit.max(1);
        // The `limit`-th best score, chosen among the scores alone as integers ordered as
        // `total_cmp` orders the floats; then every passage scoring at least that is a
        // candidate: the best `limit` and everything tied with the last of them.
        let mut keys = std::mem::take(&mut scratch.keys);
        keys.clear();
        for (s, docs) in scratch.touched.iter().enumerate() {
            let scores = &scratch.score[s];
            keys.extend(docs.iter().map(|&d| total_order_key(scores[d as usize])));
        }
        let least = if keys.len() > limit {
            let at = keys.len() - limit;
            *keys.select_nth_unstable(at).1
        } else {
            i32::MIN
        };
        scratch.keys = keys;
        let mut cands = std::mem::take(&mut scratch.candidates);
        cands.clear();
        for (s, docs) in scratch.touched.iter().enumerate() {
            let scores = &scratch.score[s];
            cands.extend(docs.iter().filter_map(|&d| {
                let x = scores[d as usize];
                (total_order_key(x) >= least).then_some((x, s as SegmentOrdinal, d))
            }));
        }
        let keep = cands.len();
        let mut all: Vec<Ranked> = cands[..keep]
            .iter()
            .copied()
            .map(|(score, s, d)| {
                let (si, di) = (s as usize, d as usize);
                Ranked {
                    score,
                    key: f64::from(score),
                    doc_id: String::new(),
                    doc_ord: self.doc_ord_of[si][di],
                    passage: u64::from(self.passage_of[si][di]),
                    addr: tantivy::DocAddress::new(s, d),
                    id_ord: self.id_ord_of[si][di],
                }
            })
            .collect();
        // Equal scores in document-id order (the id strings are at hand: no dictionary read).
        // Within a segment the dictionary is in byte order, so ordinals compare as the ids do.
        let id = |r: &Ranked| -> &str {
            self.id_of_ord[r.addr.segment_ord as usize]
                .get(r.id_ord as usize)
                .map_or("", |s| s)
        };
        let order = |a: &Ranked, b: &Ranked| {
            b.key
                .total_cmp(&a.key)
                .then_with(|| {
                    if a.addr.segment_ord == b.addr.segment_ord
                        && a.id_ord != u64::MAX
                        && b.id_ord != u64::MAX
                    {
                        a.id_ord.cmp(&b.id_ord)
                    } else {
                        id(a).cmp(id(b))
                    }
                })
                .then(a.passage.cmp(&b.passage))
        };
        // Scores tie often (one word matched, lengths in the same of 256 norm buckets), so the
        // candidates can be many more than `limit`: pick the first `limit`, then order them.
        if all.len() > limit {
            all.select_nth_unstable_by(limit - 1, order);
            all.truncate(limit);
        }
        all.sort_unstable_by(order);
        scratch.candidates = cands;
        all.truncate(limit);
        Ok(all)
    }
}
