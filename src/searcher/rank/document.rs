//! Document evidence: a document is more than its best passage. When hits are documents (or a
//! few passages of each), each passage's score gets a share of what its document's whole text
//! adds to its best passage: the query's words counted over all of the document's passages
//! together (its length the sum of theirs, against the average document's) less its best
//! passage alone (against the average passage's, as it was scored), never below nothing. Words
//! that a long document spreads over several paragraphs then count together, as they do for a
//! reader, while the passage shown is still the best one; a document of one passage is scored
//! as before.
//!
//! The document's passages are neighbours in their segment (indexed as one batch, kept in order
//! by merges), so they are found from the best one by reading the `doc_ord` column around it.
//! Both scores use the passages' IDF (the scale of the passage scores) and tantivy's BM25
//! constants; the query's words are the plan's, with feedback's when it ran.
//!
//! Measured (nDCG@10, documents; EVALUATION.md): on long-document versions of the judged
//! collections (every document cut into two-sentence paragraphs) the best passage alone lost
//! 0.03 to whole documents; this recovers most of it (SciFact train 0.664 -> 0.689, whole
//! documents 0.698) without moving the collections as they are.

use std::collections::HashMap;

use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, Term};

use super::collect::{self, Ranked};
use crate::error::Result;
use crate::schema::{names, Fields};

/// BM25's constants, as tantivy scores passages.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Most passages read for one document: a document longer than this (a book cut into
/// paragraphs) is scored on the ones nearest its best passage.
const MAX_PASSAGES: u32 = 4096;

/// The document's share. Chosen on SciFact train, Cranfield and their long-document versions
/// (nDCG@10, mean of the four: 0.5249 without, 0.5293 at 0.3, 0.5311 at 0.5, 0.5305 at 0.7); the
/// collections as they are do not move (SciFact train 0.6957 -> 0.6968, Cranfield 0.3697 ->
/// 0.3696), their long versions gain 0.025 (SciFact train) and 0 (Cranfield's documents are a
/// few sentences).
pub const WEIGHT: f32 = 0.5;

/// How many documents are blended before the best `limit` are kept, at least: a document whose
/// best passage ranks below the first `limit` can rise above them by its other passages.
pub const POOL: usize = 100;

/// What a search blends its passages' scores with.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The query's words (as typed) with their weights ([`crate::searcher::query::words::text_words`]).
    pub words: Vec<(String, f32)>,
    /// Terms added to them as the index holds them (feedback's words), with their weights.
    pub terms: Vec<(String, f32)>,
    /// The document's share: a passage's score becomes its own plus `weight` times what its
    /// document's whole text adds to its best passage ([`WEIGHT`]).
    pub weight: f32,
}

impl Evidence {
    /// The evidence with `terms` added (analyzed terms of the text field with their weights):
    /// a document is scored on what its passages were.
    pub fn with_terms(&self, terms: &[(String, f32)]) -> Evidence {
        let mut e = self.clone();
        e.terms.extend_from_slice(terms);
        e
    }
}

/// The best `limit` passages, at most `per_doc` of any document, as [`collect::capped`] finds
/// them, with `evidence` (when given) blended into their scores: a pool of at least [`POOL`]
/// documents is blended, reordered, and cut to `limit`.
pub fn capped(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    limit: usize,
    per_doc: Option<usize>,
    evidence: Option<&Evidence>,
    fetch: impl FnMut(usize) -> Result<(Vec<Ranked>, bool)>,
) -> Result<Vec<Ranked>> {
    let Some(evidence) = evidence else {
        return collect::capped(limit, per_doc, fetch);
    };
    let pool = limit.saturating_mul(2).max(POOL);
    let mut top = collect::capped(pool, per_doc, fetch)?;
    top.truncate(pool);
    add_gains(searcher, fields, evidence, &mut top)?;
    // Stable: equal scores keep the order they had (ties by id).
    top.sort_by(|a, b| b.score.total_cmp(&a.score));
    top.truncate(limit);
    Ok(top)
}

/// Raises each passage of `top` by the evidence's share of its document's gain
/// ([`document_gains`]), in place; the order is left to the caller.
pub fn add_gains(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    evidence: &Evidence,
    top: &mut [Ranked],
) -> Result<()> {
    let gains = document_gains(searcher, fields, evidence, top)?;
    for r in top {
        let gain = gains.get(&r.doc_ord).copied().unwrap_or(0.0);
        r.score += evidence.weight * gain;
        r.key = f64::from(r.score);
    }
    Ok(())
}

/// For each document of `top` (by document ordinal), how much more its whole text scores for
/// the evidence's words than its best passage: the document's BM25 (its length against the
/// average document's) less the best passage's (its length against the average passage's, as
/// the passage was scored), when that is more than nothing. Nothing for a document of one
/// passage in an index of such documents; more for words its other passages add.
fn document_gains(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    evidence: &Evidence,
    top: &[Ranked],
) -> Result<HashMap<u64, Score>> {
    let mut out = HashMap::new();
    let terms = weighted_terms(fields, evidence);
    if terms.is_empty() || top.is_empty() {
        return Ok(out);
    }
    let stats = Stats::of(searcher, fields, &terms)?;
    // Per segment: the candidates' passages in order, then each word's postings read once.
    let mut by_segment: HashMap<u32, Vec<&Ranked>> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for r in top {
        if seen.insert(r.doc_ord) {
            by_segment.entry(r.addr.segment_ord).or_default().push(r);
        }
    }
    for (segment, docs) in by_segment {
        let reader = searcher.segment_reader(segment);
        let Some(found) = Neighbours::of(reader, fields, &docs)? else {
            continue;
        };
        let inverted = reader.inverted_index(fields.text)?;
        let (mut tf, mut tf_best) = (vec![0u32; docs.len()], vec![0u32; docs.len()]);
        let mut gain = vec![0f32; docs.len()];
        for ((term, _), idf) in terms.iter().zip(&stats.idf) {
            let Some(mut postings) = inverted
                .read_postings(term, IndexRecordOption::WithFreqs)
                .map_err(tantivy::TantivyError::from)?
            else {
                continue;
            };
            tf.fill(0);
            tf_best.fill(0);
            for &(d, i) in &found.passages {
                let at = if postings.doc() < d {
                    postings.seek(d)
                } else {
                    postings.doc()
                };
                if at == d {
                    tf[i] += postings.term_freq();
                    if d == docs[i].addr.doc_id {
                        tf_best[i] = postings.term_freq();
                    }
                }
            }
            for i in 0..docs.len() {
                gain[i] += bm25(tf[i], found.length[i], *idf, stats.avg_document)
                    - bm25(tf_best[i], found.best_length[i], *idf, stats.avg_passage);
            }
        }
        for (r, g) in docs.iter().zip(gain) {
            // A document's other passages can add to its best one, never take from it: a long
            // review among short catalogue rows is not pushed down for its length (the keyword
            // queries' `Huntington` fell from 1.00 to 0.75 without this floor; the tuning sets
            // are the same with it, 0.5311 both).
            out.insert(r.doc_ord, g.max(0.0));
        }
    }
    Ok(out)
}

/// BM25 of one word for a text of `len` words holding it `tf` times.
fn bm25(tf: u32, len: u64, idf: f32, avg: f32) -> f32 {
    if tf == 0 {
        return 0.0;
    }
    let t = tf as f32;
    idf * t * (K1 + 1.0) / (t + K1 * (1.0 - B + B * len as f32 / avg))
}

/// What the scores are computed against: each term's IDF (over passages, as the passages were
/// scored; a word's weight included) and the average lengths of a document and a passage.
struct Stats {
    idf: Vec<f32>,
    avg_document: f32,
    avg_passage: f32,
}

impl Stats {
    fn of(searcher: &tantivy::Searcher, fields: &Fields, terms: &[(Term, f32)]) -> Result<Stats> {
        let passages = searcher.num_docs().max(1) as f32;
        // Every document has a passage 0.
        let documents = searcher
            .doc_freq(&Term::from_field_u64(fields.passage_id, 0))?
            .max(1) as f32;
        let mut tokens = 0u64;
        for seg in searcher.segment_readers() {
            tokens += seg.inverted_index(fields.text)?.total_num_tokens();
        }
        let mut idf = Vec::with_capacity(terms.len());
        for (term, weight) in terms {
            let n = searcher.doc_freq(term)? as f32;
            idf.push(weight * (1.0 + (passages - n + 0.5) / (n + 0.5)).ln());
        }
        Ok(Stats {
            idf,
            avg_document: (tokens as f32 / documents).max(1.0),
            avg_passage: (tokens as f32 / passages).max(1.0),
        })
    }
}

/// The passages of some documents of one segment, found around each one's best passage.
struct Neighbours {
    /// (passage, index of its document), ascending.
    passages: Vec<(DocId, usize)>,
    /// Each document's length in words.
    length: Vec<u64>,
    /// Each best passage's length.
    best_length: Vec<u64>,
}

impl Neighbours {
    fn of(
        reader: &tantivy::SegmentReader,
        fields: &Fields,
        docs: &[&Ranked],
    ) -> Result<Option<Neighbours>> {
        let Ok(ords) = reader.fast_fields().u64(names::DOC_ORD) else {
            return Ok(None);
        };
        let norms = reader.get_fieldnorms_reader(fields.text)?;
        let alive = reader.alive_bitset();
        let max_doc = reader.max_doc();
        let mut found = Neighbours {
            passages: Vec::new(),
            length: vec![0; docs.len()],
            best_length: docs
                .iter()
                .map(|r| u64::from(norms.fieldnorm(r.addr.doc_id)))
                .collect(),
        };
        for (i, r) in docs.iter().enumerate() {
            let ord = Some(r.doc_ord);
            let (mut start, mut end) = (r.addr.doc_id, r.addr.doc_id + 1);
            while start > 0 && end - start < MAX_PASSAGES && ords.first(start - 1) == ord {
                start -= 1;
            }
            while end < max_doc && end - start < MAX_PASSAGES && ords.first(end) == ord {
                end += 1;
            }
            for d in start..end {
                if alive.is_none_or(|a| a.is_alive(d)) {
                    found.passages.push((d, i));
                    found.length[i] += u64::from(norms.fieldnorm(d));
                }
            }
        }
        found.passages.sort_unstable();
        Ok(Some(found))
    }
}

/// The evidence's words analyzed into the text field's terms (a word's weight on each of its
/// terms) and its terms, the same term's weights added up.
fn weighted_terms(fields: &Fields, evidence: &Evidence) -> Vec<(Term, f32)> {
    let mut analyzer = crate::analyzer::analyzer();
    let mut out: Vec<(Term, f32)> = Vec::new();
    let mut add = |text: &str, weight: f32| {
        let term = Term::from_field_text(fields.text, text);
        match out.iter_mut().find(|(t, _)| *t == term) {
            Some((_, w)) => *w += weight,
            None => out.push((term, weight)),
        }
    };
    for (word, weight) in &evidence.words {
        let mut stream = analyzer.token_stream(word);
        while stream.advance() {
            add(&stream.token().text, *weight);
        }
    }
    for (term, weight) in &evidence.terms {
        add(term, *weight);
    }
    out
}
