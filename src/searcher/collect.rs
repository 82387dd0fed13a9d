//! Collecting the best passages, deterministically: by score (or by a metadata field), and among
//! equal keys by document id, then passage ordinal. The order never depends on how the index
//! happens to be cut into segments or in which order threads wrote documents, so two indexes
//! built from the same files answer with the same ranking.
//!
//! Within a segment, document ids are compared by their ordinal in the segment's sorted
//! dictionary (the same order as the strings), so the id strings are read only for the hits kept.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

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
    /// Its document's id.
    pub doc_id: String,
    /// Its ordinal within the document.
    pub passage: u64,
    /// Where it is.
    pub addr: DocAddress,
}

/// The best `limit` passages of a query.
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

/// Sorts best first: key descending, then document id, then passage ordinal.
pub fn compare(a: &Ranked, b: &Ranked) -> Ordering {
    b.key
        .total_cmp(&a.key)
        .then_with(|| a.doc_id.cmp(&b.doc_id))
        .then_with(|| a.passage.cmp(&b.passage))
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
            doc_ids: ff.str(names::DOC_ID)?,
            passages: ff.u64(names::PASSAGE_ID).ok(),
            values,
            desc: matches!(self.key, Key::Field { desc: true, .. }),
            by_score: matches!(self.key, Key::Score),
            heap: BinaryHeap::with_capacity(self.limit + 1),
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
                    if alive.is_none_or(|a| a.is_alive(doc)) {
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
        all.sort_by(compare);
        all.truncate(self.limit);
        Ok(all)
    }
}

/// A kept passage, ordered so that the worst is the greatest (the heap's top).
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: f64,
    score: Score,
    id_ord: u64,
    passage: u64,
    doc: DocId,
}

impl Entry {
    fn better_than(&self, other: &Entry) -> Ordering {
        self.key
            .total_cmp(&other.key)
            .then_with(|| other.id_ord.cmp(&self.id_ord))
            .then_with(|| other.passage.cmp(&self.passage))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Worse is greater.
        other.better_than(self)
    }
}

/// The per-segment part of [`TopRanked`].
pub struct SegmentTop {
    limit: usize,
    segment_ord: SegmentOrdinal,
    doc_ids: Option<StrColumn>,
    passages: Option<Column<u64>>,
    values: Option<Column<f64>>,
    desc: bool,
    by_score: bool,
    heap: BinaryHeap<Entry>,
}

impl SegmentTop {
    fn push(&mut self, doc: DocId, key: f64, score: Score) {
        if self.heap.len() >= self.limit {
            if let Some(worst) = self.heap.peek() {
                if key < worst.key {
                    return;
                }
            }
        }
        let entry = Entry {
            key,
            score,
            id_ord: self
                .doc_ids
                .as_ref()
                .and_then(|c| c.term_ords(doc).next())
                .unwrap_or(u64::MAX),
            passage: self
                .passages
                .as_ref()
                .and_then(|c| c.first(doc))
                .unwrap_or(0),
            doc,
        };
        if self.heap.len() < self.limit {
            self.heap.push(entry);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if entry.better_than(&worst) == Ordering::Greater {
                *worst = entry;
            }
        }
    }

    /// The score below which nothing can enter any more (the float just below the worst kept).
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
        let mut bytes = Vec::new();
        let mut names: HashMap<u64, String> = HashMap::new();
        self.heap
            .into_vec()
            .into_iter()
            .map(|e| {
                let doc_id = names
                    .entry(e.id_ord)
                    .or_insert_with(|| {
                        bytes.clear();
                        match &self.doc_ids {
                            Some(col)
                                if col.ord_to_bytes(e.id_ord, &mut bytes).unwrap_or(false) =>
                            {
                                String::from_utf8_lossy(&bytes).into_owned()
                            }
                            _ => String::new(),
                        }
                    })
                    .clone();
                Ranked {
                    score: e.score,
                    key: e.key,
                    doc_id,
                    passage: e.passage,
                    addr: DocAddress::new(self.segment_ord, e.doc),
                }
            })
            .collect()
    }
}
