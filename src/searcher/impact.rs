//! Batch search without the per-query overhead: a batch of plain-word queries (a queries file,
//! read as words) is scored from *impact lists* read once per batch: for each term and field, the
//! passages holding it with their term frequency and length, from which BM25 is computed exactly
//! as tantivy's term scorer does (the same [`Bm25Weight`], the same boosts, the same order of
//! additions). Scores are added into a dense array per segment, feedback reads the best passages'
//! words from a forward index built as they are first needed, and the best passages are kept and
//! ordered as [`collect::top`] orders every search's (score, then id, then passage). The
//! rankings are those of
//! [`Searcher::search`]; only the time differs.
//!
//! Queries this path does not cover (a word that analyzes to several terms) are answered by
//! [`Searcher::search`].

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex, RwLock};

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::Postings;
use tantivy::query::{Bm25Weight, EnableScoring};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocId, DocSet, Score, SegmentOrdinal, TantivyDocument, Term, TERMINATED};

use super::collect::{IdCache, Ranked};
use super::query::{strip_possessive, Expr, Occur};
use super::{
    coord, expand, hits, Hit, SearchOptions, SearchResults, Unit, META_BOOST, TITLE_BOOST,
};
use crate::error::Result;
use crate::schema::Fields;

/// The passages of one term in one field, per segment: `(doc, term frequency, fieldnorm id)`.
struct Impacts {
    weight: Bm25Weight,
    segments: Vec<Vec<(DocId, u32, u8)>>,
}

/// A passage's words as feedback counts them: `(term, count)` and the number of words.
struct Forward {
    counts: Vec<(u32, f32)>,
    len: f32,
}

/// The words feedback has met, numbered.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    words: Vec<Arc<str>>,
    /// Whether feedback may add the word (longer than one byte, not only digits).
    eligible: Vec<bool>,
}

/// Postings kept between queries, at most (in entries, 8 to 12 bytes each): a batch of many
/// distinct common words keeps memory bounded; what does not fit is read again when needed.
const CACHE_ENTRIES: usize = 6_000_000;

/// A word's score on each passage holding it, per segment.
type WordScores = Arc<Vec<Vec<(DocId, Score)>>>;

/// A word's scores by the bits of its boost.
type Combined = Vec<(u32, WordScores)>;

/// Shared by the threads of one batch.
pub struct Engine<'a> {
    searcher: tantivy::Searcher,
    fields: &'a Fields,
    /// Per field (title, text, metadata): each term's postings.
    impacts: [RwLock<FxHashMap<Box<str>, Arc<Impacts>>>; 3],
    /// Each word's score per passage over the three fields, for a boost: computed once.
    combined: RwLock<FxHashMap<Box<str>, Combined>>,
    /// Entries held by the two caches.
    cached: std::sync::atomic::AtomicUsize,
    forward: RwLock<HashMap<(SegmentOrdinal, DocId), Arc<Forward>>>,
    terms: RwLock<Interner>,
    doc_freqs: Mutex<HashMap<u32, u64>>,
    /// Per segment, every document id by its dictionary ordinal.
    id_of_ord: Vec<Vec<Arc<str>>>,
    fieldnorms: Vec<[Option<FieldNormReader>; 3]>,
    alive: Vec<Option<tantivy::fastfield::AliveBitSet>>,
    max_docs: Vec<usize>,
    /// Per segment: each passage's ordinal, its document's number, its id's dictionary ordinal
    /// (what a [`Ranked`] holds), read once.
    passage_of: Vec<Vec<u32>>,
    doc_ord_of: Vec<Vec<u64>>,
    id_ord_of: Vec<Vec<u64>>,
}

/// One word of a query: its term and its weight (a word a question repeats counts that often).
struct Word {
    term: String,
    boost: Score,
}

/// Dense per-segment buffers of one thread, reset after each query through `touched`.
#[derive(Default)]
pub struct Scratch {
    score: Vec<Vec<Score>>,
    matched: Vec<Vec<u8>>,
    touched: Vec<Vec<DocId>>,
    feedback: Vec<f32>,
    feedback_touched: Vec<u32>,
    /// The query analyzer, kept so its stem cache lasts the batch.
    analyzer: Option<tantivy::tokenizer::TextAnalyzer>,
    /// Feedback's analyzer of the best passages, kept for the same reason.
    feedback_analyzer: Option<tantivy::tokenizer::TextAnalyzer>,
    candidates: Vec<(Score, SegmentOrdinal, DocId)>,
    keys: Vec<i32>,
}

/// An integer that orders as [`f32::total_cmp`] orders its float.
fn total_order_key(x: f32) -> i32 {
    let bits = x.to_bits() as i32;
    bits ^ (((bits >> 31) as u32) >> 1) as i32
}

impl<'a> Engine<'a> {
    /// An engine over the searcher's current commit.
    pub fn new(searcher: tantivy::Searcher, fields: &'a Fields, ids: &'a IdCache) -> Result<Self> {
        let mut fieldnorms = Vec::new();
        let mut alive = Vec::new();
        let mut max_docs = Vec::new();
        let (mut passage_of, mut doc_ord_of, mut id_ord_of) = (Vec::new(), Vec::new(), Vec::new());
        let mut id_of_ord = Vec::new();
        for (s, seg) in searcher.segment_readers().iter().enumerate() {
            let norm = |f: Field| seg.get_fieldnorms_reader(f).ok();
            fieldnorms.push([
                norm(fields.title),
                norm(fields.text),
                norm(fields.meta_text),
            ]);
            alive.push(seg.alive_bitset().cloned());
            let n = seg.max_doc();
            max_docs.push(n as usize);
            let ff = seg.fast_fields();
            let passages = ff.u64(crate::schema::names::PASSAGE_ID)?;
            let doc_ords = ff.u64(crate::schema::names::DOC_ORD)?;
            let ids_col = ids.column(&searcher, s as SegmentOrdinal);
            let mut by_ord: Vec<Arc<str>> = Vec::new();
            if let Some(col) = &ids_col {
                let mut stream = col
                    .dictionary()
                    .stream()
                    .map_err(tantivy::TantivyError::from)?;
                while stream.advance() {
                    by_ord.push(Arc::from(String::from_utf8_lossy(stream.key()).as_ref()));
                }
            }
            id_of_ord.push(by_ord);
            passage_of.push(
                (0..n)
                    .map(|d| passages.first(d).unwrap_or(0) as u32)
                    .collect(),
            );
            doc_ord_of.push((0..n).map(|d| doc_ords.first(d).unwrap_or(0)).collect());
            id_ord_of.push(
                (0..n)
                    .map(|d| {
                        ids_col
                            .as_ref()
                            .and_then(|c| c.term_ords(d).next())
                            .unwrap_or(u64::MAX)
                    })
                    .collect(),
            );
        }
        Ok(Engine {
            searcher,
            fields,
            impacts: Default::default(),
            combined: RwLock::default(),
            cached: std::sync::atomic::AtomicUsize::new(0),
            forward: RwLock::default(),
            terms: RwLock::default(),
            doc_freqs: Mutex::default(),
            id_of_ord,
            fieldnorms,
            alive,
            max_docs,
            passage_of,
            doc_ord_of,
            id_ord_of,
        })
    }

    /// A thread's buffers, sized for this index.
    pub fn scratch(&self) -> Scratch {
        let mut s = Scratch::default();
        for &n in &self.max_docs {
            s.score.push(vec![0.0; n]);
            s.matched.push(vec![0; n]);
            s.touched.push(Vec::new());
        }
        s
    }

    /// A term's postings in a field; kept for later queries when `keep` (feedback's words, which
    /// are read alone) and the caches have room.
    fn impacts(&self, field: Field, term: &str, keep: bool) -> Result<Arc<Impacts>> {
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
    /// in [`super::build`], times `boost`), each passage's three parts added in that order as
    /// tantivy's union adds them. Computed once per word and boost.
    fn combined(&self, term: &str, boost: Score) -> Result<WordScores> {
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

    /// Adds `boost ×` BM25 of `term` in the text into the scores (feedback's words).
    fn add_text(&self, term: &str, boost: Score, scratch: &mut Scratch) -> Result<()> {
        let impacts = self.impacts(self.fields.text, term, true)?;
        let weight = impacts.weight.boost_by(boost);
        for (s, list) in impacts.segments.iter().enumerate() {
            let scores = &mut scratch.score[s];
            let touched = &mut scratch.touched[s];
            for &(doc, tf, norm) in list {
                let d = doc as usize;
                if scores[d] == 0.0 {
                    touched.push(doc);
                }
                scores[d] += weight.score(norm, tf);
            }
        }
        Ok(())
    }

    /// Adds one word (over the three fields, [`Self::combined`]) into the scores.
    fn add_word(&self, w: &Word, scratch: &mut Scratch, count_matches: bool) -> Result<()> {
        let combined = self.combined(&w.term, w.boost)?;
        for (s, list) in combined.iter().enumerate() {
            let scores = &mut scratch.score[s];
            let touched = &mut scratch.touched[s];
            for &(doc, score) in list {
                let d = doc as usize;
                if scores[d] == 0.0 {
                    touched.push(doc);
                }
                scores[d] += score;
            }
            if count_matches {
                let matched = &mut scratch.matched[s];
                for &(doc, _) in list {
                    matched[doc as usize] = matched[doc as usize].saturating_add(1);
                }
            }
        }
        Ok(())
    }

    /// The words of a question as the general path builds them ([`expand::literal_query`]), or
    /// `None` if one of them analyzes to several terms (answered by the general path).
    fn words(&self, expr: &Expr, scratch: &mut Scratch) -> Option<Vec<Word>> {
        let Expr::Bool(clauses) = expr else {
            return None;
        };
        let analyzer = scratch
            .analyzer
            .get_or_insert_with(crate::analyzer::analyzer);
        let mut out = Vec::new();
        for (occur, e) in clauses {
            if *occur != Occur::Should {
                return None;
            }
            let (word, boost) = match e {
                Expr::Term {
                    field: None,
                    word,
                    fuzzy: None,
                } => (word, 1.0),
                Expr::Boost(inner, b) => match &**inner {
                    Expr::Term {
                        field: None,
                        word,
                        fuzzy: None,
                    } => (word, *b),
                    _ => return None,
                },
                _ => return None,
            };
            let mut stream = analyzer.token_stream(strip_possessive(word));
            let mut terms = Vec::new();
            while stream.advance() {
                terms.push(stream.token().text.clone());
            }
            match terms.len() {
                0 => {}
                1 => out.push(Word {
                    term: terms.pop().unwrap_or_default(),
                    boost,
                }),
                _ => return None,
            }
        }
        Some(out)
    }

    /// Answers one query of a batch, or `None` if the general path must (see the module).
    pub fn search(
        &self,
        opts: &SearchOptions,
        scratch: &mut Scratch,
    ) -> Option<Result<SearchResults>> {
        let expr = expand::literal_query(&opts.query);
        let words = self.words(&expr, scratch)?;
        Some(self.run(opts, &expr, &words, scratch))
    }

    fn run(
        &self,
        opts: &SearchOptions,
        expr: &Expr,
        words: &[Word],
        scratch: &mut Scratch,
    ) -> Result<SearchResults> {
        if words.is_empty() {
            return Ok(SearchResults {
                nothing: Some("the query has no word to search for".into()),
                ..SearchResults::default()
            });
        }
        let keyword = expand::keyword_words(expr);
        let coordinated = keyword.is_some() && words.len() >= 2;
        for w in words {
            self.add_word(w, scratch, coordinated)?;
        }
        if coordinated {
            let n = words.len() as u32;
            for s in 0..scratch.score.len() {
                for &doc in &scratch.touched[s] {
                    let d = doc as usize;
                    scratch.score[s][d] *= coord::factor(u32::from(scratch.matched[s][d]), n);
                    scratch.matched[s][d] = 0;
                }
            }
            if let Some(plain) = &keyword {
                self.add_proximity(plain, scratch)?;
            }
        } else if opts.feedback && keyword.is_none() {
            self.add_feedback(words, scratch)?;
        }
        let result = self.collect(opts, scratch);
        for s in 0..scratch.score.len() {
            for &doc in &scratch.touched[s] {
                scratch.score[s][doc as usize] = 0.0;
            }
            scratch.touched[s].clear();
        }
        let hits = result?;
        Ok(SearchResults {
            hits,
            ..SearchResults::default()
        })
    }

    /// The proximity bonus of a keyword query ([`expand::with_proximity`]): its phrase queries
    /// run through tantivy and add to the passages they match, as the general path's optional
    /// clauses do (`required + (text phrase + metadata phrase)`).
    fn add_proximity(&self, words: &[&str], scratch: &mut Scratch) -> Result<()> {
        let clauses = expand::proximity_clauses(self.fields, words);
        if clauses.is_empty() {
            return Ok(());
        }
        let mut bonus: Vec<HashMap<DocId, Score>> = vec![HashMap::new(); scratch.score.len()];
        for q in &clauses {
            let weight = q.weight(EnableScoring::enabled_from_searcher(&self.searcher))?;
            for (s, seg) in self.searcher.segment_readers().iter().enumerate() {
                weight.for_each(seg, &mut |doc, score| {
                    *bonus[s].entry(doc).or_insert(0.0) += score;
                })?;
            }
        }
        for (s, b) in bonus.into_iter().enumerate() {
            for (doc, p) in b {
                let d = doc as usize;
                if scratch.score[s][d] > 0.0 {
                    scratch.score[s][d] += p;
                }
            }
        }
        Ok(())
    }

    /// Pseudo-relevance feedback ([`expand::with_feedback`]) from the scores so far.
    fn add_feedback(&self, words: &[Word], scratch: &mut Scratch) -> Result<()> {
        let top = self.top(scratch, expand::FEEDBACK_PASSAGES)?;
        let Some(best) = top.first().map(|r| r.score) else {
            return Ok(());
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
            return Ok(());
        };
        for (t, w) in kept {
            self.add_text(&t, expand::FEEDBACK_WEIGHT * w / top_w, scratch)?;
        }
        Ok(())
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
        let mut counts: FxHashMap<String, f32> = FxHashMap::default();
        let mut len = 0f32;
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            *counts.entry(stream.token().text.clone()).or_insert(0.0) += 1.0;
            len += 1.0;
        }
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

    /// The best `limit` passages of the scores so far, ordered as every search orders them: by
    /// score, then document id and passage ([`collect::top`]'s order, ties included).
    fn top(&self, scratch: &mut Scratch, limit: usize) -> Result<Vec<Ranked>> {
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

    /// The hits: the best passages (or documents) by the final scores, ids only.
    fn collect(&self, opts: &SearchOptions, scratch: &mut Scratch) -> Result<Vec<Hit>> {
        let limit = opts.limit.max(1);
        let per_doc = match opts.unit {
            Unit::Doc => Some(1),
            Unit::Passage => opts.per_doc,
        };
        let mut want = match per_doc {
            Some(_) => limit.saturating_mul(2),
            None => limit,
        };
        let mut top = loop {
            let top = self.top(scratch, want)?;
            let exhausted = top.len() < want;
            let capped = super::cap_per_doc(top, per_doc);
            if capped.len() >= limit || exhausted {
                break capped;
            }
            want = want.saturating_mul(4);
        };
        top.truncate(limit);
        for r in &mut top {
            if r.doc_id.is_empty() {
                let seg = r.addr.segment_ord as usize;
                r.doc_id = self.id_of_ord[seg]
                    .get(r.id_ord as usize)
                    .map(|id| String::from(&**id))
                    .unwrap_or_default();
            }
        }
        Ok(hits::id_hits(top))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|p| p.into_inner())
}
