//! The indexing pipeline: the calling thread reads and decompresses files (and parses CSV) into
//! jobs ([`Feed`]); worker threads parse JSON, cut passages and hand them to tantivy's writer
//! ([`Worker`]). The queue between them is bounded, so memory stays flat.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tantivy::IndexWriter;

use super::claims::{Claims, Place};
use super::Progress;
use std::cell::RefCell;

use crate::corpus::records::{Plan, Roles};
use crate::corpus::{self, stream, Document, InputFile, Item};
use crate::error::{Error, Result};
use crate::passage;
use crate::schema::{self, Fields, MetaType};

/// Batches waiting per worker: keeps workers busy while the reader decompresses and parses.
pub const QUEUE_PER_WORKER: usize = 2;

/// Work for an indexing worker.
pub enum Job {
    /// A whole document (text and Markdown files), from the `file`-th file read.
    Document { file: u32, doc: Document },
    /// Records of a structured file, with the plan that turns them into documents.
    Records {
        file: u32,
        plan: Arc<Plan>,
        path: Arc<PathBuf>,
        items: Vec<Item>,
    },
}

/// Counts shared by the workers.
pub struct Counters {
    /// Hands out each new document's `doc_ord`.
    pub next_ord: AtomicU64,
    /// Documents and passages per file read (duplicates skipped are taken off).
    pub documents: Vec<AtomicU64>,
    pub passages: Vec<AtomicU64>,
    pub indexed: AtomicU64,
    pub skipped: AtomicU64,
}

/// The reading side of the pipeline: turns files into jobs, relays warnings and progress.
pub struct Feed<'a> {
    pub jobs: crossbeam_channel::Sender<Job>,
    pub warnings: &'a crossbeam_channel::Receiver<Error>,
    pub warn: &'a mut dyn FnMut(&Error),
    pub progress: Option<&'a dyn Progress>,
    pub bytes_read: &'a Arc<AtomicU64>,
    pub counters: &'a Counters,
}

impl Feed<'_> {
    /// Sends a job; false if the workers are gone (one failed).
    fn send(&mut self, job: Job) -> bool {
        for w in self.warnings.try_iter() {
            (self.warn)(&w);
        }
        if let Some(p) = self.progress {
            p.update(
                self.bytes_read.load(Ordering::Relaxed),
                self.counters.indexed.load(Ordering::Relaxed),
            );
        }
        self.jobs.send(job).is_ok()
    }

    pub fn text(
        &mut self,
        file_no: u32,
        file: &InputFile,
        types: &mut BTreeMap<String, MetaType>,
    ) -> Result<bool> {
        let doc = corpus::read_text(file, Some(self.bytes_read.clone()), self.warn)?;
        for (key, value) in &doc.metadata {
            record_type(types, key.clone(), value.meta_type());
        }
        Ok(self.send(Job::Document { file: file_no, doc }))
    }

    /// Reads a structured file and sends its records to the workers in batches; returns
    /// whether the workers are still there, and the file's plan (its column types are known
    /// once the workers are done).
    pub fn records(
        &mut self,
        file_no: u32,
        file: &InputFile,
        roles: &Roles,
    ) -> Result<(bool, Option<Arc<Plan>>)> {
        let path = Arc::new(file.path.clone());
        let counter = Some(self.bytes_read.clone());
        let warn = RefCell::new(&mut *self.warn);
        let (jobs, warnings, progress, bytes_read, counters) = (
            &self.jobs,
            self.warnings,
            self.progress,
            self.bytes_read,
            self.counters,
        );
        let mut batch = |plan: &Arc<Plan>, items: Vec<Item>| {
            for w in warnings.try_iter() {
                (warn.borrow_mut())(&w);
            }
            if let Some(p) = progress {
                p.update(
                    bytes_read.load(Ordering::Relaxed),
                    counters.indexed.load(Ordering::Relaxed),
                );
            }
            jobs.send(Job::Records {
                file: file_no,
                plan: plan.clone(),
                path: path.clone(),
                items,
            })
            .is_ok()
        };
        let read = stream::read_records(
            file,
            roles,
            counter,
            &mut |e| (warn.borrow_mut())(e),
            &mut batch,
        )?;
        self.counters
            .skipped
            .fetch_add(read.skipped, Ordering::Relaxed);
        Ok((read.finished, read.plan))
    }
}

/// A worker: turns jobs into passages in the writer until the queue closes.
pub struct Worker<'a> {
    pub writer: &'a IndexWriter,
    pub fields: &'a Fields,
    pub whole: bool,
    pub warnings: crossbeam_channel::Sender<Error>,
    pub counters: &'a Counters,
    pub claims: &'a Claims,
}

impl Worker<'_> {
    pub fn work(self, jobs: crossbeam_channel::Receiver<Job>) -> Result<()> {
        for job in jobs {
            match job {
                Job::Document { file, doc } => self.add(file, 0, &doc)?,
                Job::Records {
                    file,
                    plan,
                    path,
                    items,
                } => {
                    let mut failed = Ok(());
                    stream::batch_documents(&plan, &path, items, |made| match made {
                        stream::Made::Document(number, doc) => {
                            if failed.is_ok() {
                                failed = self.add(file, number, &doc);
                            }
                        }
                        stream::Made::Skipped(e) => {
                            self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                            let _ = self.warnings.send(e);
                        }
                        stream::Made::Notice(e) => {
                            let _ = self.warnings.send(e);
                        }
                    });
                    failed?;
                }
            }
        }
        Ok(())
    }

    /// Adds a document unless an earlier one has its id.
    fn add(&self, file: u32, record: u64, doc: &Document) -> Result<()> {
        let passages = passage::cut(doc, self.whole);
        let n = passages.len() as u64;
        let ord = self.counters.next_ord.fetch_add(1, Ordering::Relaxed);
        let place = Place { file, record };
        match self.claims.claim(self.fields, &doc.id, place, ord, n) {
            Err(warning) => {
                self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                let _ = self.warnings.send(warning);
                return Ok(());
            }
            Ok(Some(loser)) => {
                let f = loser.place.file as usize;
                self.counters.documents[f].fetch_sub(1, Ordering::Relaxed);
                self.counters.passages[f].fetch_sub(loser.passages, Ordering::Relaxed);
                self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                let _ = self.warnings.send(Error::Duplicate {
                    id: doc.id.clone(),
                    kept: self.claims.describe(place),
                    dropped: self.claims.describe(loser.place),
                });
                self.claims
                    .losers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(loser.ord);
            }
            Ok(None) => {}
        }
        schema::add_document(self.writer, self.fields, doc, &passages, ord)?;
        self.counters.documents[file as usize].fetch_add(1, Ordering::Relaxed);
        self.counters.passages[file as usize].fetch_add(n, Ordering::Relaxed);
        self.counters.indexed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

pub fn record_type(types: &mut BTreeMap<String, MetaType>, key: String, ty: MetaType) {
    types
        .entry(key)
        .and_modify(|old| *old = old.merge(ty))
        .or_insert(ty);
}
