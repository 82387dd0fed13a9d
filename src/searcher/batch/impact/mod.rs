//! Batch search without the per-query overhead: a batch of plain-word queries (a queries file,
//! read as words) is scored from *impact lists* read once per batch: for each term and field, the
//! passages holding it with their term frequency and length, from which BM25 is computed exactly
//! as tantivy's term scorer does (the same [`tantivy::query::Bm25Weight`], the same boosts, the
//! same order of additions). Scores are added into a dense array per segment, feedback reads the
//! best passages' words from a forward index built as they are first needed, and the best
//! passages are kept and ordered as [`crate::searcher::rank::collect::top`] orders every
//! search's (score, then id, then passage). The engine carries out the same [`Plan`] as the
//! general engine ([`crate::searcher::Searcher::search`]): the rankings are the same; only the
//! time differs.
//!
//! One file per job: this one holds the engine, its tables and the scoring of a query;
//! [`postings`] reads and keeps the impact lists, [`feedback`] the forward index and the words
//! it adds, [`top`] picks and orders the best passages.
//!
//! Queries this path does not cover (a word that analyzes to several terms) are answered by
//! [`crate::searcher::Searcher::search`].

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex, RwLock};

use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::EnableScoring;
use tantivy::schema::Field;
use tantivy::{DocId, Score, SegmentOrdinal};

use crate::error::Result;
use crate::schema::Fields;
use crate::searcher::hits::{self, Hit, SearchResults};
use crate::searcher::query::expand;
use crate::searcher::query::plan::{Plan, SearchOptions};
use crate::searcher::query::{strip_possessive, Expr, Occur};
use crate::searcher::rank::collect::IdCache;
use crate::searcher::rank::{coord, surface};

mod feedback;
mod postings;
mod top;

use feedback::{Forward, Interner};
use postings::{Combined, Impacts};

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
    /// (what a [`crate::searcher::rank::collect::Ranked`] holds), read once.
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

    /// Adds `boost ×` BM25 of `term` in the text into the scores (feedback's words).
    fn add_text(&self, term: &str, boost: Score, scratch: &mut Scratch) -> Result<()> {
        let impacts = self.impacts(self.fields.text, term, true)?;
        let weight = impacts.weight.boost_by(boost);
        for (s, list) in impacts.segments.iter().enumerate() {
            scatter(
                &mut scratch.score[s],
                &mut scratch.touched[s],
                list.iter()
                    .map(|&(doc, tf, norm)| (doc, weight.score(norm, tf))),
            );
        }
        Ok(())
    }

    /// Adds one word (over the three fields, [`Self::combined`]) into the scores.
    fn add_word(&self, w: &Word, scratch: &mut Scratch, count_matches: bool) -> Result<()> {
        let combined = self.combined(&w.term, w.boost)?;
        for (s, list) in combined.iter().enumerate() {
            scatter(
                &mut scratch.score[s],
                &mut scratch.touched[s],
                list.iter().copied(),
            );
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
        // A question is read as plain words: no field names to know.
        let plan = match Plan::new(opts, &|_| false) {
            Ok(plan) => plan,
            Err(e) => return Some(Err(e)),
        };
        let words = self.words(&plan.expr, scratch)?;
        Some(self.run(&plan, &words, scratch))
    }

    /// Carries out a plan: the words' scores added up, coordination, proximity, feedback and the
    /// whole-title bonus as the plan says, then the best passages.
    fn run(&self, plan: &Plan, words: &[Word], scratch: &mut Scratch) -> Result<SearchResults> {
        if words.is_empty() {
            return Ok(SearchResults {
                nothing: Some("the query has no word to search for".into()),
                ..SearchResults::default()
            });
        }
        // Coordinating one word multiplies by one: only two or more are coordinated.
        let coordinated = plan.is_keyword() && words.len() >= 2;
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
            if !plan.proximity.is_empty() {
                let words: Vec<&str> = plan.proximity.iter().map(String::as_str).collect();
                self.add_proximity(&words, scratch)?;
            }
        }
        let mut feedback = Vec::new();
        if !coordinated && plan.feedback {
            feedback = self.add_feedback(words, scratch)?;
        }
        // A query that is a document's whole title: that document's bonus, added to the
        // passages the words matched, as the general engine adds it.
        if !plan.title_words.is_empty() {
            let title: Vec<&str> = plan.title_words.iter().map(String::as_str).collect();
            for (addr, extra) in expand::exact_title(&self.searcher, self.fields, &title)? {
                let (s, d) = (addr.segment_ord as usize, addr.doc_id as usize);
                if let Some(x) = scratch.score.get_mut(s).and_then(|v| v.get_mut(d)) {
                    if *x > 0.0 {
                        *x += extra;
                    }
                }
            }
        }
        let result = self.collect(plan, &feedback, scratch);
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

    /// The hits: the best passages (or documents) by the final scores, ids only, capped per
    /// document as the plan says ([`collect::capped`]).
    fn collect(
        &self,
        plan: &Plan,
        feedback: &[(String, f32)],
        scratch: &mut Scratch,
    ) -> Result<Vec<Hit>> {
        let evidence = plan.evidence.as_ref().map(|e| e.with_terms(feedback));
        let evidence = evidence.as_ref();
        let (searcher, fields) = (&self.searcher, self.fields);
        let typed = &plan.surface;
        let mut top = surface::capped(
            searcher,
            fields,
            plan.limit,
            plan.per_doc,
            evidence,
            typed,
            |want| {
                let top = self.top(scratch, want)?;
                let exhausted = top.len() < want;
                Ok((top, exhausted))
            },
        )?;
        top.truncate(plan.limit);
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

/// Adds each `(passage, score)` into `scores`, appending to `touched` the passages whose score
/// was zero until then (so they are reset after the query). Written without a branch on the
/// score read: whether a passage is new is as unpredictable as the postings, and the branch's
/// mispredictions were most of the loop's time.
#[inline]
fn scatter(
    scores: &mut [Score],
    touched: &mut Vec<DocId>,
    list: impl ExactSizeIterator<Item = (DocId, Score)>,
) {
    let start = touched.len();
    touched.resize(start + list.len(), 0);
    let room = &mut touched[start..];
    let mut added = 0;
    for (doc, score) in list {
        let Some(slot) = scores.get_mut(doc as usize) else {
            continue;
        };
        // Written every time, kept only when new: `added` never passes the list's length.
        if let Some(r) = room.get_mut(added) {
            *r = doc;
        }
        added += usize::from(*slot == 0.0);
        *slot += score;
    }
    touched.truncate(start + added);
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
