//! The general engine's semantic and hybrid steps: the query vector as a query, the lexical and
//! semantic top lists fused with the plan's weight, and each hit's two part scores.

use std::sync::Arc;

use tantivy::query::Query;
use tantivy::{DocAddress, Score};

use super::hits::Hit;
use super::index::Searcher;
use super::query::plan::{Mode, Plan, SearchOptions};
use super::rank::collect::{self, Key};
use super::rank::{document, score, semantic};
use crate::error::Result;

/// What fusing a hybrid search's two rankings needs of the search being run.
pub(super) struct Run<'a> {
    pub searcher: &'a tantivy::Searcher,
    /// The lexical query, filters applied.
    pub query: &'a dyn Query,
    /// The vector query, filters applied.
    pub vector: &'a dyn Query,
    /// Whole-title bonuses ([`super::query::expand::exact_title`]).
    pub exact: &'a [(DocAddress, Score)],
    /// For a keyword query, the passages holding every one of its words.
    pub all_words: Option<&'a dyn Query>,
    /// The plan: its fusion weight, filters, limit and cap per document.
    pub plan: &'a Plan,
}

impl Searcher {
    /// The query's vector as a query over the index's vectors, filters applied; `None` for a
    /// lexical search.
    pub(super) fn vector_query(
        &self,
        opts: &SearchOptions,
        plan: &Plan,
    ) -> Result<Option<Box<dyn Query>>> {
        if plan.mode == Mode::Lexical {
            return Ok(None);
        }
        if !self.is_semantic() {
            return Err(self.not_semantic());
        }
        let vector = match &plan.query_vector {
            Some(v) => Arc::clone(v),
            None => self
                .embed_queries(&[opts.query.as_str()], 1)?
                .pop()
                .ok_or_else(|| self.no_model())?,
        };
        let vq: Box<dyn Query> = Box::new(semantic::VectorQuery::new(
            vector,
            Arc::clone(&self.vectors),
        ));
        Ok(Some(self.with_filters(vq, &plan.filters)?))
    }

    /// The lexical and semantic rankings fused ([`semantic::fuse`]), capped per document and
    /// cut at the limit.
    pub(super) fn hybrid(&self, run: &Run) -> Result<Vec<semantic::Fused>> {
        let searcher = run.searcher;
        let plan = run.plan;
        let depth = semantic::FUSION_DEPTH.max(plan.limit);
        let lex = collect::top(searcher, run.query, depth, Key::Score, &self.ids)?;
        let mut lex = collect::with_bonus(searcher, run.query, lex, run.exact, depth, &self.ids)?;
        let mut sem = collect::top(searcher, run.vector, depth, Key::Score, &self.ids)?;
        if let Some(e) = &plan.evidence {
            document::add_gains(searcher, &self.fields, e, &mut lex)?;
        }
        collect::fill_ids(searcher, &mut lex, &self.ids);
        collect::fill_ids(searcher, &mut sem, &self.ids);
        let bound = score::lexical_bound(searcher, &self.fields, &plan.text_words)?;
        let lexical_weight = score::scoring_weight(searcher, run.query)?;
        let mut lexical_of = |a| score::score_at(searcher, &*lexical_weight, a);
        let mut cosine_of = |a| Ok(run.vector.explain(searcher, a).ok().map(|e| e.value()));
        let mut fused = semantic::fuse(
            lex,
            sem,
            plan.semantic_weight,
            bound,
            &mut lexical_of,
            &mut cosine_of,
        )?;
        // A keyword query means its words: the passages holding all of them come first, and
        // meaning mostly breaks ties and adds what the words miss.
        if let Some(all) = run.all_words {
            let all = self.with_filters(all.box_clone(), &plan.filters)?;
            let holding = searcher.search(&*all, &tantivy::collector::DocSetCollector)?;
            // Stable: within each group the fused order stays.
            fused.sort_by_key(|f| !holding.contains(&f.ranked.addr));
        }
        let fused = collect::cap_per_doc_by(fused, plan.per_doc, |f| f.ranked.doc_ord);
        Ok(fused.into_iter().take(plan.limit).collect())
    }

    /// Each hit's part scores: the ranking's own, or computed for the hit when it came from
    /// the other ranking only.
    pub(super) fn part_scores(
        &self,
        searcher: &tantivy::Searcher,
        hits: &mut [Hit],
        mode: Mode,
        parts: Option<&[semantic::Fused]>,
        query: &dyn Query,
        vector: Option<&dyn Query>,
    ) -> Result<()> {
        // Made on first need, once for every hit that needs it.
        let mut lexical_weight = None;
        for (i, hit) in hits.iter_mut().enumerate() {
            let (lexical, semantic) = match (mode, parts) {
                (Mode::Lexical, _) => (Some(hit.score), None),
                (Mode::Semantic, _) => (None, Some(hit.score)),
                (Mode::Hybrid, Some(parts)) => (parts[i].lexical, parts[i].semantic),
                (Mode::Hybrid, None) => (None, None),
            };
            let addr = parts.map(|p| p[i].ranked.addr);
            hit.lexical_score = match (lexical, addr) {
                (Some(l), _) => Some(l),
                (None, Some(a)) => {
                    if lexical_weight.is_none() {
                        lexical_weight = Some(score::scoring_weight(searcher, query)?);
                    }
                    let w = lexical_weight.as_deref().expect("made just above");
                    Some(score::score_at(searcher, w, a)?.unwrap_or(0.0))
                }
                (None, None) => None,
            };
            hit.semantic_score = match (semantic, vector, addr) {
                (Some(s), _, _) => Some(s),
                (None, Some(vq), Some(a)) => vq.explain(searcher, a).ok().map(|e| e.value()),
                _ => None,
            };
        }
        Ok(())
    }
}
