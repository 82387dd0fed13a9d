//! Batch search: reading a queries file and running its queries on several threads.

use std::path::Path;

use super::{SearchOptions, SearchResults, Searcher};
use crate::error::{Error, Result};

/// One query of a batch: an id and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchQuery {
    /// The query id (first column of the queries file).
    pub id: String,
    /// The query text.
    pub text: String,
}

/// Reads a queries file: one `qid<TAB>query text` per line (blank lines skipped). A line without
/// a tab is an error naming the file and line. A query id seen before is a warning (returned with
/// the queries) and its later line is left out: a run listing one id twice is refused by
/// trec_eval.
pub fn read_queries(path: &Path) -> Result<(Vec<BatchQuery>, Vec<Error>)> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let mut first_line: std::collections::HashMap<String, usize> = Default::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((id, q)) = line.split_once('\t') else {
            return Err(Error::Record {
                path: path.to_path_buf(),
                line: i as u64 + 1,
                message: "expected `qid<TAB>query text`".into(),
            });
        };
        let id = id.trim().to_string();
        if let Some(first) = first_line.get(&id) {
            warnings.push(Error::Record {
                path: path.to_path_buf(),
                line: i as u64 + 1,
                message: format!(
                    "query id `{id}` already used on line {first}; this line is left out"
                ),
            });
            continue;
        }
        first_line.insert(id.clone(), i + 1);
        out.push(BatchQuery {
            id,
            text: q.to_string(),
        });
    }
    Ok((out, warnings))
}

impl Searcher {
    /// Runs many queries on `threads` threads; results come back in the order of `queries`.
    /// Each query gets the options of `opts` with its own text.
    pub fn search_batch(
        &self,
        queries: &[BatchQuery],
        opts: &SearchOptions,
        threads: usize,
    ) -> Vec<Result<SearchResults>> {
        // Semantic and hybrid queries are embedded together first (one batch for the model).
        let vectors = if opts.mode != super::Mode::Lexical && opts.query_vector.is_none() {
            let texts: Vec<&str> = queries.iter().map(|q| q.text.as_str()).collect();
            match self.embed_queries(&texts, threads) {
                Ok(v) => Some(v),
                Err(e) => {
                    let message = e.to_string();
                    return queries
                        .iter()
                        .map(|_| Err(Error::Internal(message.clone())))
                        .collect();
                }
            }
        } else {
            None
        };
        // Runs of ids alone for plain questions go through the impact lists ([`super::impact`]),
        // read from the index opened again with its files read by plain reads: the engine
        // reads every posting of every query word once, and through maps all those pages would
        // stay counted in the process (1.4 GB for 1,000 queries on 4.9 million passages). It
        // has its own id cache, for its own reader's segments.
        let fast = opts.ids_only
            && opts.literal
            && opts.filters.is_empty()
            && opts.sort.is_none()
            && opts.mode == super::Mode::Lexical;
        let engine_ids = super::collect::IdCache::default();
        let engine_searcher = fast
            .then(|| {
                let (index, _, _) = crate::schema::open_read_only_unmapped(&self.dir).ok()?;
                let reader: tantivy::IndexReader = index
                    .reader_builder()
                    .reload_policy(tantivy::ReloadPolicy::Manual)
                    .try_into()
                    .ok()?;
                let searcher = reader.searcher();
                // The same commit as this searcher's, or the general path.
                let same = searcher.segment_readers().len()
                    == self.reader.searcher().segment_readers().len()
                    && searcher
                        .segment_readers()
                        .iter()
                        .zip(self.reader.searcher().segment_readers())
                        .all(|(a, b)| a.segment_id() == b.segment_id());
                same.then_some(searcher)
            })
            .flatten();
        let engine = engine_searcher.and_then(|searcher| {
            super::impact::Engine::new(searcher, &self.fields, &engine_ids).ok()
        });
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut slots: Vec<Option<Result<SearchResults>>> = Vec::new();
        slots.resize_with(queries.len(), || None);
        let slots = std::sync::Mutex::new(slots);
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1).min(queries.len().max(1)) {
                scope.spawn(|| {
                    let mut scratch = engine.as_ref().map(|e| e.scratch());
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(q) = queries.get(i) else { break };
                        let mut o = opts.clone();
                        o.query = q.text.clone();
                        if let Some(v) = &vectors {
                            o.query_vector = v.get(i).cloned();
                        }
                        let fast = match (&engine, &mut scratch) {
                            (Some(e), Some(s)) => e.search(&o, s),
                            _ => None,
                        };
                        let r = fast.unwrap_or_else(|| self.search(&o));
                        if let Ok(mut slots) = slots.lock() {
                            slots[i] = Some(r);
                        }
                    }
                });
            }
        });
        slots
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::Internal("a search thread stopped".into()))))
            .collect()
    }
}
