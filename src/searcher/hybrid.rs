//! Semantic and hybrid searches' own steps: the query vector as a query, the lexical and
//! semantic top lists fused, and each hit's two part scores.

use std::sync::Arc;

use tantivy::query::Query;
use tantivy::{DocAddress, Score};

use super::{collect, hits, semantic, Filter, Hit, Mode, SearchOptions, Searcher};
use crate::error::Result;
use collect::Key;

/// What fusing a hybrid search's two rankings needs of the search being run.
pub(super) struct Run<'a> {
    pub searcher: &'a tantivy::Searcher,
    /// The lexical query, filters applied.
    pub query: &'a dyn Query,
    /// The vector query, filters applied.
    pub vector: &'a dyn Query,
    /// Whole-title bonuses ([`super::expand::exact_title`]).
    pub exact: &'a [(DocAddress, Score)],
    /// A keyword query ([`super::expand::keyword_words`]).
    pub keyword: bool,
    /// For a keyword query, the passages holding every one of its words.
    pub all_words: Option<&'a dyn Query>,
    pub filters: &'a [Filter],
    pub limit: usize,
    pub per_doc: Option<usize>,
}

impl Searcher {
    /// The query's vector as a query over the index's vectors, filters applied; `None` for a
    /// lexical search.
    pub(super) fn vector_query(
        &self,
        opts: &SearchOptions,
        mode: Mode,
    ) -> Result<Option<Box<dyn Query>>> {
        if mode == Mode::Lexical {
            return Ok(None);
        }
        if !self.is_semantic() {
            return Err(self.not_semantic());
        }
        let vector = match &opts.query_vector {
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
        Ok(Some(self.with_filters(vq, &opts.filters)?))
    }

    /// The lexical and semantic rankings fused ([`semantic::fuse`]), capped per document and
    /// cut at the limit.
    pub(super) fn hybrid(&self, run: &Run) -> Result<Vec<semantic::Fused>> {
        let searcher = run.searcher;
        let depth = semantic::FUSION_DEPTH.max(run.limit);
        let lex = collect::top(searcher, run.query, depth, Key::Score, &self.ids)?;
        let mut lex = collect::with_bonus(searcher, run.query, lex, run.exact, depth, &self.ids)?;
        let mut sem = collect::top(searcher, run.vector, depth, Key::Score, &self.ids)?;
        collect::fill_ids(searcher, &mut lex, &self.ids);
        collect::fill_ids(searcher, &mut sem, &self.ids);
        // A keyword query (a name, a title, two or three words) means its words: the passages
        // holding all of them come first, and meaning mostly breaks ties and adds what the
        // words miss (see `semantic`).
        let w = if run.keyword {
            semantic::KEYWORD_SEMANTIC_WEIGHT
        } else {
            semantic::SEMANTIC_WEIGHT
        };
        let mut fused = semantic::fuse(lex, sem, w);
        if let Some(all) = run.all_words {
            let all = self.with_filters(all.box_clone(), run.filters)?;
            let holding = searcher.search(&*all, &tantivy::collector::DocSetCollector)?;
            // Stable: within each group the fused order stays.
            fused.sort_by_key(|f| !holding.contains(&f.ranked.addr));
        }
        let fused = super::cap_per_doc_by(fused, run.per_doc, |f| f.ranked.doc_ord);
        Ok(fused.into_iter().take(run.limit).collect())
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
                        lexical_weight = Some(hits::scoring_weight(searcher, query)?);
                    }
                    let w = lexical_weight.as_deref().expect("made just above");
                    Some(hits::score_at(searcher, w, a)?.unwrap_or(0.0))
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
