//! Collecting the best passages, deterministically: by score (or by a metadata field), and among
//! equal keys by document id, then passage ordinal. The order never depends on how the index
//! happens to be cut into segments or in which order threads wrote documents, so two indexes
//! built from the same files answer with the same ranking.
//!
//! Within a segment, document ids are compared by their ordinal in the segment's sorted
//! dictionary (the same order as the strings), so no id string is read while collecting. Id
//! strings are read only for the hits kept, and for ties between segments; each is read once per
//! searcher ([`IdCache`]), since reading one decompresses a dictionary block.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{Query, Weight};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::error::Result;
use crate::schema::names;

/// What orders the hits.
#[derive(Debug, Clone)]
pub enum Key {
    /// The relevance score, best first.
    Score,
    /// A numeric metadata column (`meta_num.<key>`), descending or ascending; passages without
    /// a value come last either way.
    Field {
        /// The fast column's full name.
        column: String,
        /// Largest first.
        desc: bool,
    },
}

/// One collected passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The relevance score (0 when ordered by a field; computed later for the hits kept).
    pub score: Score,
    /// What the passage was ordered by (the score, or the field value made "larger is better").
    pub key: f64,
    /// Its document's id (filled in for the hits kept).
    pub doc_id: String,
    /// Its document's number in the index (tells documents apart across segments).
    pub doc_ord: u64,
    /// Its ordinal within the document.
    pub passage: u64,
    /// Where it is.
    pub addr: DocAddress,
    /// The ordinal of its id in its segment's dictionary.
    pub(crate) id_ord: u64,
}

/// Document ids read from the segments' dictionaries, kept for the life of a searcher: a batch
/// of queries reads each id once.
#[derive(Default)]
pub struct IdCache {
    ids: Mutex<HashMap<(SegmentOrdinal, u64), String>>,
    /// Each segment's id column, opened once (opening one reads its dictionary's index).
    columns: Mutex<HashMap<SegmentOrdinal, Option<StrColumn>>>,
}

impl IdCache {
    /// The id column of a segment.
    pub fn column(
        &self,
        searcher: &tantivy::Searcher,
        segment: SegmentOrdinal,
    ) -> Option<StrColumn> {
        let mut columns = self.columns.lock().unwrap_or_else(|p| p.into_inner());
        columns
            .entry(segment)
            .or_insert_with(|| {
                searcher
                    .segment_reader(segment)
                    .fast_fields()
                    .str(names::DOC_ID)
                    .ok()
                    .flatten()
            })
            .clone()
    }

    /// The id of a passage: by its dictionary ordinal when known (`u64::MAX` when not).
    fn of(&self, searcher: &tantivy::Searcher, r: &Ranked) -> String {
        let segment = r.addr.segment_ord;
        let ord = if r.id_ord != u64::MAX {
            r.id_ord
        } else {
            match self.column(searcher, segment) {
                Some(col) => col.term_ords(r.addr.doc_id).next().unwrap_or(u64::MAX),
                None => return String::new(),
            }
        };
        self.get(searcher, segment, ord)
    }

    /// The id with dictionary ordinal `ord` in segment `segment`.
    fn get(&self, searcher: &tantivy::Searcher, segment: SegmentOrdinal, ord: u64) -> String {
        if let Some(id) = self
            .ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(segment, ord))
        {
            return id.clone();
        }
        let mut bytes = Vec::new();
        let id = match self.column(searcher, segment) {
            Some(col) if col.ord_to_bytes(ord, &mut bytes).unwrap_or(false) => {
                String::from_utf8_lossy(&bytes).into_owned()
            }
            _ => String::new(),
        };
        self.ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((segment, ord), id.clone());
        id
    }
}

/// Keeps at most `per_doc` passages of any document, in rank order (so with 1, each document
/// is ranked by its best passage).
pub fn cap_per_doc(top: Vec<Ranked>, per_doc: Option<usize>) -> Vec<Ranked> {
    cap_per_doc_by(top, per_doc, |r| r.doc_ord)
}

/// [`cap_per_doc`] for items whose document ordinal `doc_ord` gives.
pub fn cap_per_doc_by<T>(
    items: Vec<T>,
    per_doc: Option<usize>,
    doc_ord: impl Fn(&T) -> u64,
) -> Vec<T> {
    let Some(k) = per_doc else { return items };
    let mut seen: rustc_hash::FxHashMap<u64, usize> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(items.len(), Default::default());
    items
        .into_iter()
        .filter(|item| {
            let n = seen.entry(doc_ord(item)).or_insert(0);
            *n += 1;
            *n <= k
        })
        .collect()
}

/// The best `limit` passages, at most `per_doc` of any document, from `fetch(want)` (the best
/// `want` passages in order, and whether there are no more): the one widening both engines use.
/// Capping needs more passages than hits: twice as many at first (most documents have one or
/// two matching passages), four times more each time that falls short.
pub fn capped(
    limit: usize,
    per_doc: Option<usize>,
    mut fetch: impl FnMut(usize) -> Result<(Vec<Ranked>, bool)>,
) -> Result<Vec<Ranked>> {
    let mut want = match per_doc {
        Some(_) => limit.saturating_mul(2),
        None => limit,
    };
    loop {
        let (top, exhausted) = fetch(want)?;
        let capped = cap_per_doc(top, per_doc);
        if capped.len() >= limit || exhausted {
            return Ok(capped);
        }
        want = want.saturating_mul(4);
    }
}

/// The best `limit` passages of `query` by `key`, in order. Their document ids are read by
/// [`fill_ids`], for the ones kept.
pub fn top(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    limit: usize,
    key: Key,
    ids: &IdCache,
) -> Result<Vec<Ranked>> {
    let limit = limit.max(1);
    let mut all = searcher.search(query, &TopRanked::new(limit, key))?;
    // The passages that can be kept: the first `limit`, and any tied with the last of them.
    let mut keep = limit.min(all.len());
    while keep > 0 && keep < all.len() && all[keep].key.total_cmp(&all[keep - 1].key).is_eq() {
        keep += 1;
    }
    all.truncate(keep);
    fill_places(searcher, &mut all);
    order_ties(searcher, &mut all, ids, limit);
    all.truncate(limit);
    Ok(all)
}

/// `top` (from [`top`], by score) with each passage of `bonus` raised by its bonus, those it
/// lacks scored by `query` (where it matches them) and added, ordered as [`top`] orders and cut
/// to `limit`. The same as collecting with the bonus in the scores: a passage without one keeps
/// its score and can only fall, so the best `limit` of the rest are in `top` already.
pub fn with_bonus(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    mut top: Vec<Ranked>,
    bonus: &[(DocAddress, Score)],
    limit: usize,
    ids: &IdCache,
) -> Result<Vec<Ranked>> {
    if bonus.is_empty() {
        return Ok(top);
    }
    let mut weight = None;
    for &(addr, extra) in bonus {
        if let Some(r) = top.iter_mut().find(|r| r.addr == addr) {
            r.score += extra;
            r.key = f64::from(r.score);
            continue;
        }
        let w = match &weight {
            Some(w) => w,
            None => weight.insert(super::score::scoring_weight(searcher, query)?),
        };
        let Some(score) = super::score::score_at(searcher, &**w, addr)? else {
            continue;
        };
        let score = score + extra;
        top.push(Ranked {
            score,
            key: f64::from(score),
            doc_id: String::new(),
            doc_ord: u64::MAX,
            passage: u64::MAX,
            addr,
            id_ord: u64::MAX,
        });
    }
    fill_places(searcher, &mut top);
    fill_ids(searcher, &mut top, ids);
    top.sort_by(|a, b| {
        b.key
            .total_cmp(&a.key)
            .then_with(|| a.doc_id.cmp(&b.doc_id))
            .then(a.passage.cmp(&b.passage))
    });
    top.truncate(limit.max(1));
    Ok(top)
}

/// Reads the document ordinal and passage number of the passages kept, opening the columns of
/// the segments they are in only (each segment collected keeps its own best, most of which the
/// merge drops; on an index of 44 segments, opening every segment's columns cost a tenth of a
/// search).
fn fill_places(searcher: &tantivy::Searcher, hits: &mut [Ranked]) {
    // Per segment: the passage numbers and the document ordinals.
    type Places = (Option<Column<u64>>, Option<Column<u64>>);
    let mut columns: HashMap<SegmentOrdinal, Places> = HashMap::new();
    for r in hits {
        if r.passage != u64::MAX && r.doc_ord != u64::MAX {
            continue;
        }
        let (passages, doc_ords) = columns.entry(r.addr.segment_ord).or_insert_with(|| {
            let ff = searcher.segment_reader(r.addr.segment_ord).fast_fields();
            (ff.u64(names::PASSAGE_ID).ok(), ff.u64(names::DOC_ORD).ok())
        });
        if r.passage == u64::MAX {
            r.passage = passages
                .as_ref()
                .and_then(|c| c.first(r.addr.doc_id))
                .unwrap_or(0);
        }
        if r.doc_ord == u64::MAX {
            r.doc_ord = doc_ords
                .as_ref()
                .and_then(|c| c.first(r.addr.doc_id))
                .unwrap_or(u64::MAX);
        }
    }
}

/// Reads the document ids of the passages kept.
pub fn fill_ids(searcher: &tantivy::Searcher, hits: &mut [Ranked], ids: &IdCache) {
    for r in hits {
        if r.doc_id.is_empty() {
            r.doc_id = ids.of(searcher, r);
        }
    }
}

/// Puts each run of equal keys in document-id order, as far as the first `limit` passages go:
/// within one segment by dictionary ordinal (the segment's part of a run is already in that
/// order), across segments by merging the segments' parts, which reads the id strings of the
/// heads being compared only.
pub(super) fn order_ties(
    searcher: &tantivy::Searcher,
    all: &mut Vec<Ranked>,
    ids: &IdCache,
    limit: usize,
) {
    let mut start = 0;
    while start < all.len() && start < limit {
        let mut end = start + 1;
        while end < all.len() && all[end].key.total_cmp(&all[start].key) == Ordering::Equal {
            end += 1;
        }
        let one_segment = all[start..end]
            .iter()
            .all(|r| r.addr.segment_ord == all[start].addr.segment_ord);
        if !one_segment {
            let run: Vec<Ranked> = all.drain(start..end).collect();
            let merged = merge_by_id(searcher, run, ids, limit - start);
            let kept = merged.len();
            all.splice(start..start, merged);
            end = start + kept;
        }
        start = end;
    }
}

/// The first `want` passages of a run of equal keys from several segments, in (id, passage)
/// order: each segment's part is in that order already, so only the heads are compared.
fn merge_by_id(
    searcher: &tantivy::Searcher,
    run: Vec<Ranked>,
    ids: &IdCache,
    want: usize,
) -> Vec<Ranked> {
    let mut parts: Vec<std::collections::VecDeque<Ranked>> = Vec::new();
    for r in run {
        match parts.iter_mut().find(|p| {
            p.front()
                .is_some_and(|f| f.addr.segment_ord == r.addr.segment_ord)
        }) {
            Some(p) => p.push_back(r),
            None => parts.push(std::collections::VecDeque::from([r])),
        }
    }
    let mut out = Vec::with_capacity(want);
    while out.len() < want {
        let mut best: Option<usize> = None;
        for i in 0..parts.len() {
            let Some(head) = parts[i].front_mut() else {
                continue;
            };
            if head.doc_id.is_empty() {
                head.doc_id = ids.of(searcher, head);
            }
            let better = match best {
                None => true,
                Some(b) => {
                    let (h, o) = (&parts[i][0], &parts[b][0]);
                    (h.doc_id.as_str(), h.passage) < (o.doc_id.as_str(), o.passage)
                }
            };
            if better {
                best = Some(i);
            }
        }
        let Some(b) = best else { break };
        if let Some(r) = parts[b].pop_front() {
            out.push(r);
        }
    }
    out
}

/// The best `limit` passages of each segment; merged, every passage that can be among the best
/// `limit` of the index, ordered by key (ties are ordered by [`top`]).
pub struct TopRanked {
    limit: usize,
    key: Key,
}

impl TopRanked {
    /// Collects the `limit` best passages by `key`.
    pub fn new(limit: usize, key: Key) -> Self {
        TopRanked {
            limit: limit.max(1),
            key,
        }
    }
}

impl Collector for TopRanked {
    type Fruit = Vec<Ranked>;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        let ff = reader.fast_fields();
        let values = match &self.key {
            Key::Score => None,
            Key::Field { column, .. } => ff.column_opt::<f64>(column).ok().flatten(),
        };
        Ok(SegmentTop {
            limit: self.limit,
            segment_ord,
            reader: reader.clone(),
            values,
            desc: matches!(self.key, Key::Field { desc: true, .. }),
            by_score: matches!(self.key, Key::Score),
            heap: BinaryHeap::with_capacity(self.limit + 1),
            tied: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        matches!(self.key, Key::Score)
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<Vec<Ranked>> {
        let mut top = self.for_segment(segment_ord, reader)?;
        let alive = reader.alive_bitset();
        match self.key {
            Key::Score => {
                // Block-max pruning skips passages scoring at or below the threshold; passing
                // the float just below the worst kept score lets equal scores through, so ties
                // are broken by id rather than by position in the segment.
                let mut threshold = Score::MIN;
                weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
                    // A passage scoring nothing matched only through clauses about its
                    // document, which score its first passage ([`super::once`]).
                    if score > 0.0 && alive.is_none_or(|a| a.is_alive(doc)) {
                        top.push(doc, f64::from(score), score);
                        threshold = top.threshold();
                    }
                    threshold
                })?;
            }
            Key::Field { .. } => {
                weight.for_each_no_score(reader, &mut |docs| {
                    for &doc in docs {
                        if alive.is_none_or(|a| a.is_alive(doc)) {
                            top.collect(doc, 0.0);
                        }
                    }
                })?;
            }
        }
        Ok(top.harvest())
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Ranked>>) -> tantivy::Result<Vec<Ranked>> {
        let mut all: Vec<Ranked> = fruits.into_iter().flatten().collect();
        // Each segment's part is already in (key, id, passage) order; ties across segments are
        // put in order by `top`, which has the dictionaries.
        all.sort_by(|a, b| {
            b.key
                .total_cmp(&a.key)
                .then(a.addr.segment_ord.cmp(&b.addr.segment_ord))
                .then(a.id_ord.cmp(&b.id_ord))
                .then(a.passage.cmp(&b.passage))
        });
        Ok(all)
    }
}

/// A candidate passage of a segment: its key, score and document.
#[derive(Debug, Clone, Copy)]
struct Cand {
    key: f64,
    score: Score,
    doc: DocId,
}

/// Heap order: the smallest key is the greatest, so the heap's top is the worst kept.
impl PartialEq for Cand {
    fn eq(&self, other: &Self) -> bool {
        self.key.total_cmp(&other.key) == Ordering::Equal
    }
}

impl Eq for Cand {}

impl PartialOrd for Cand {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Cand {
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.total_cmp(&self.key)
    }
}

/// The per-segment part of [`TopRanked`]: the `limit` best keys, plus every passage tied with
/// the worst of them (which of those is kept is decided by id, once collection is done, so no
/// id is read while collecting).
pub struct SegmentTop {
    limit: usize,
    segment_ord: SegmentOrdinal,
    reader: SegmentReader,
    values: Option<Column<f64>>,
    desc: bool,
    by_score: bool,
    heap: BinaryHeap<Cand>,
    /// Passages whose key equals the worst kept key, beyond the `limit` in the heap.
    tied: Vec<Cand>,
}

impl SegmentTop {
    fn push(&mut self, doc: DocId, key: f64, score: Score) {
        let cand = Cand { key, score, doc };
        if self.heap.len() < self.limit {
            self.heap.push(cand);
            return;
        }
        let Some(worst) = self.heap.peek().map(|w| w.key) else {
            return;
        };
        match key.total_cmp(&worst) {
            Ordering::Less => {}
            Ordering::Equal => self.tied.push(cand),
            Ordering::Greater => {
                let Some(popped) = self.heap.pop() else {
                    return;
                };
                self.heap.push(cand);
                let new_worst = self.heap.peek().map_or(key, |w| w.key);
                if popped.key.total_cmp(&new_worst) == Ordering::Equal {
                    self.tied.push(popped);
                } else {
                    // The tied ones had the old worst key: now below every kept one.
                    self.tied.clear();
                }
            }
        }
    }

    /// The score below which nothing can enter any more (the float just below the worst kept,
    /// so that ties still come in).
    fn threshold(&self) -> Score {
        if self.heap.len() < self.limit {
            return Score::MIN;
        }
        self.heap
            .peek()
            .map_or(Score::MIN, |w| (w.key as Score).next_down())
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<Ranked>;

    fn collect(&mut self, doc: DocId, score: Score) {
        // A passage that scores nothing matched only through clauses about its document, which
        // score its first passage ([`super::once`]): the document answers once.
        if self.by_score && score == 0.0 {
            return;
        }
        let key = match &self.values {
            _ if self.by_score => f64::from(score),
            None => f64::NEG_INFINITY,
            Some(col) => match col.first(doc) {
                Some(v) if self.desc => v,
                Some(v) => -v,
                None => f64::NEG_INFINITY,
            },
        };
        self.push(doc, key, score);
    }

    fn harvest(self) -> Vec<Ranked> {
        let mut cands: Vec<Cand> = self.heap.into_vec();
        cands.extend(self.tied);
        cands.sort_by(|a, b| b.key.total_cmp(&a.key));
        // Runs of equal keys are put in (id, passage) order; the dictionary ordinals of ids and
        // the passage numbers are read only for them (the others' by [`fill_places`], for the
        // passages kept).
        let mut ids: Option<Option<StrColumn>> = None;
        let mut passages: Option<Option<Column<u64>>> = None;
        let mut out: Vec<Ranked> = Vec::with_capacity(self.limit);
        let mut start = 0;
        while start < cands.len() && out.len() < self.limit {
            let mut end = start + 1;
            while end < cands.len() && cands[end].key.total_cmp(&cands[start].key).is_eq() {
                end += 1;
            }
            let mut run: Vec<(u64, u64, Cand)> = cands[start..end]
                .iter()
                .map(|c| (u64::MAX, u64::MAX, *c))
                .collect();
            if run.len() > 1 {
                let col = ids.get_or_insert_with(|| {
                    self.reader.fast_fields().str(names::DOC_ID).ok().flatten()
                });
                let numbers = passages
                    .get_or_insert_with(|| self.reader.fast_fields().u64(names::PASSAGE_ID).ok());
                for (id_ord, p, c) in &mut run {
                    *id_ord = col
                        .as_ref()
                        .and_then(|col| col.term_ords(c.doc).next())
                        .unwrap_or(u64::MAX);
                    *p = numbers.as_ref().and_then(|n| n.first(c.doc)).unwrap_or(0);
                }
                run.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
            }
            for (id_ord, p, c) in run {
                if out.len() == self.limit {
                    break;
                }
                out.push(Ranked {
                    score: c.score,
                    key: c.key,
                    doc_id: String::new(),
                    doc_ord: u64::MAX,
                    passage: p,
                    addr: DocAddress::new(self.segment_ord, c.doc),
                    id_ord,
                });
            }
            start = end;
        }
        out
    }
}
