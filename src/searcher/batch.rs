//! Batch search: reading a queries file and running its queries on several threads, each
//! result handed back in the file's order as soon as the queries before it are answered.

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

/// How many queries a batch's threads may run ahead of the first one not yet handed back: the
/// results waiting to be handed back in order stay few, whatever the length of the batch.
const AHEAD_PER_THREAD: usize = 64;

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
        let vectors = if opts.mode != super::Mode::Lexical && opts.query_vector.is_none() {
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
        let engine_ids = super::collect::IdCache::default();
        let engine = self.impact_engine(opts, &engine_ids);
        let threads = threads.max(1).min(queries.len().max(1));
        // One query's answer; a panic fails its query, never the thread (the results after it
        // would wait for it).
        let answer = |i: usize, scratch: &mut Option<super::impact::Scratch>| {
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
        if threads == 1 {
            // On the calling thread: no hand-off per query.
            let mut scratch = engine.as_ref().map(|e| e.scratch());
            for i in 0..queries.len() {
                each(i, prepare(i, answer(i, &mut scratch)))?;
            }
            return Ok(());
        }
        let ahead = threads * AHEAD_PER_THREAD;
        let next = std::sync::atomic::AtomicUsize::new(0);
        // The first query not yet handed back, or usize::MAX once the batch stops.
        let handed = std::sync::Mutex::new(0usize);
        let moved = std::sync::Condvar::new();
        let (tx, rx) = crossbeam_channel::unbounded::<(usize, T)>();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (engine, answer, prepare, next, handed, moved) =
                    (&engine, &answer, &prepare, &next, &handed, &moved);
                scope.spawn(move || {
                    // A panic here (in `prepare`) stops the batch rather than leave the
                    // others waiting for this thread's query.
                    let _stop = Stop {
                        handed,
                        moved,
                        only_on_panic: true,
                    };
                    let mut scratch = engine.as_ref().map(|e| e.scratch());
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= queries.len() {
                            break;
                        }
                        {
                            let mut h = lock(handed);
                            while *h != usize::MAX && i >= *h + ahead {
                                h = moved.wait(h).unwrap_or_else(|e| e.into_inner());
                            }
                            if *h == usize::MAX {
                                break;
                            }
                        }
                        let r = prepare(i, answer(i, &mut scratch));
                        if tx.send((i, r)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            // However this ends (a panic in `each` included), no thread waits on.
            let _stop = Stop {
                handed: &handed,
                moved: &moved,
                only_on_panic: false,
            };
            let mut waiting = std::collections::BTreeMap::new();
            let mut first = 0usize;
            let mut outcome = Ok(());
            for (i, r) in rx.iter() {
                waiting.insert(i, r);
                while let Some(r) = waiting.remove(&first) {
                    if let Err(e) = each(first, r) {
                        outcome = Err(e);
                        break;
                    }
                    first += 1;
                }
                if outcome.is_err() {
                    break;
                }
                {
                    // Once stopped (a thread's panic), stopped for good.
                    let mut h = lock(&handed);
                    if *h != usize::MAX {
                        *h = first;
                    }
                }
                moved.notify_all();
            }
            if outcome.is_ok() {
                // A thread that stopped without answering (a panic) leaves its query out.
                while first < queries.len() {
                    let r = waiting.remove(&first).unwrap_or_else(|| {
                        prepare(
                            first,
                            Err(Error::Internal("a search thread stopped".into())),
                        )
                    });
                    if let Err(e) = each(first, r) {
                        outcome = Err(e);
                        break;
                    }
                    first += 1;
                }
            }
            drop(rx);
            outcome
        })
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
        ids: &'a super::collect::IdCache,
    ) -> Option<super::impact::Engine<'a>> {
        let fast = opts.ids_only
            && opts.literal
            && opts.filters.is_empty()
            && opts.sort.is_none()
            && opts.mode == super::Mode::Lexical;
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
        super::impact::Engine::new(searcher, &self.fields, ids).ok()
    }
}

/// Stops a batch when dropped: no thread waits for a query to be handed back any more.
struct Stop<'a> {
    handed: &'a std::sync::Mutex<usize>,
    moved: &'a std::sync::Condvar,
    only_on_panic: bool,
}

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        if !self.only_on_panic || std::thread::panicking() {
            *lock(self.handed) = usize::MAX;
            self.moved.notify_all();
        }
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
