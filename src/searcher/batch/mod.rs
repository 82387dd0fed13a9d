//! Batch search: reading a queries file and running its queries on several threads, each
//! result handed back in the file's order as soon as the queries before it are answered.

use std::path::Path;

pub mod impact;
mod ordered;

use super::hits::SearchResults;
use super::index::Searcher;
use super::query::plan::{Mode, SearchOptions};
use super::rank::collect::IdCache;
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
    let text = Error::read_utf8(path)?;
    let path = crate::error::shown_path(path);
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
        let mut out = Vec::with_capacity(queries.len());
        let done: std::result::Result<(), std::convert::Infallible> = self.search_batch_each(
            queries,
            opts,
            threads,
            |_, r| r,
            |_, r| {
                out.push(r);
                Ok(())
            },
        );
        let Ok(()) = done;
        out
    }

    /// Runs many queries on `threads` threads. Each result goes through `prepare` on the thread
    /// that found it (formatting it for output, say), then to `each` on the calling thread as
    /// soon as every query before it has been handed back, in the order of `queries`. Memory
    /// stays that of a few queries' results, however many queries there are. An error from
    /// `each` stops the batch (the queries running finish, no new one starts) and is returned.
    pub fn search_batch_each<T: Send, E>(
        &self,
        queries: &[BatchQuery],
        opts: &SearchOptions,
        threads: usize,
        prepare: impl Fn(usize, Result<SearchResults>) -> T + Sync,
        mut each: impl FnMut(usize, T) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        // Semantic and hybrid queries are embedded together first (one batch for the model).
        let vectors = if opts.mode != Mode::Lexical && opts.query_vector.is_none() {
            let texts: Vec<&str> = queries.iter().map(|q| q.text.as_str()).collect();
            match self.embed_queries(&texts, threads) {
                Ok(v) => Some(v),
                Err(e) => {
                    let message = e.to_string();
                    for i in 0..queries.len() {
                        each(i, prepare(i, Err(Error::Internal(message.clone()))))?;
                    }
                    return Ok(());
                }
            }
        } else {
            None
        };
        let engine_ids = IdCache::default();
        let engine = self.impact_engine(opts, &engine_ids);
        // One query's answer; a panic fails its query, never the thread (the results after it
        // would wait for it).
        let answer = |i: usize, scratch: &mut Option<impact::Scratch>| {
            let mut o = opts.clone();
            o.query = queries[i].text.clone();
            if let Some(v) = &vectors {
                o.query_vector = v.get(i).cloned();
            }
            let fast = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match (&engine, &mut *scratch) {
                    (Some(e), Some(s)) => e.search(&o, s),
                    _ => None,
                }
            }))
            .unwrap_or_else(|_| {
                *scratch = engine.as_ref().map(|e| e.scratch());
                Some(Err(Error::Damaged {
                    path: self.dir.clone(),
                    reason: crate::error::UNREADABLE.to_string(),
                }))
            });
            fast.unwrap_or_else(|| self.search(&o))
        };
        ordered::run(
            queries.len(),
            threads,
            || engine.as_ref().map(|e| e.scratch()),
            |i, scratch| prepare(i, answer(i, scratch)),
            |i| prepare(i, Err(Error::Internal("a search thread stopped".into()))),
            each,
        )
    }

    /// The impact-list engine for a batch of plain questions whose runs hold ids alone
    /// ([`super::impact`]), or `None` where the general path answers.
    ///
    /// It reads the index opened again with its files read by plain reads: the engine reads
    /// every posting of every query word once, and through maps all those pages would stay
    /// counted in the process (1.4 GB for 1,000 queries on 4.9 million passages). It has its
    /// own id cache, for its own reader's segments.
    fn impact_engine<'a>(
        &'a self,
        opts: &SearchOptions,
        ids: &'a IdCache,
    ) -> Option<impact::Engine<'a>> {
        let fast = opts.ids_only
            && opts.literal
            && opts.filters.is_empty()
            && opts.sort.is_none()
            && opts.mode == Mode::Lexical;
        if !fast {
            return None;
        }
        let (index, _, _) = crate::schema::open_read_only_unmapped(&self.dir).ok()?;
        let reader: tantivy::IndexReader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()
            .ok()?;
        let searcher = reader.searcher();
        // The same commit as this searcher's, or the general path.
        let mine = self.reader.searcher();
        let same = searcher.segment_readers().len() == mine.segment_readers().len()
            && searcher
                .segment_readers()
                .iter()
                .zip(mine.segment_readers())
                .all(|(a, b)| a.segment_id() == b.segment_id());
        if !same {
            return None;
        }
        impact::Engine::new(searcher, &self.fields, ids).ok()
    }
}
