//! The one path from a structured file to documents, shared by `reel index` and `reel export`:
//! the first records are read whole to decide the [`Plan`] (roles, column types), then records
//! are handed out in batches, each with the plan that turns them into documents. Indexing sends
//! the batches to worker threads; export turns them into documents on the spot. Either way
//! [`batch_documents`] makes the documents, so both see exactly the same ones.

use std::sync::Arc;

use super::records::{Observations, Plan, RawRecord, Roles, SAMPLE_RECORDS};
use super::{Document, Format, InputFile, Item};
use crate::error::{Error, Result};

/// Records handed out at a time: large enough that hand-off costs nothing, small enough that
/// the batches waiting hold little memory.
pub const BATCH_RECORDS: usize = 256;

/// What reading a structured file gave.
pub struct RecordsRead {
    /// The plan its documents were made with (`None` if it had no record).
    pub plan: Option<Arc<Plan>>,
    /// Records skipped while reading (malformed lines, rows, elements).
    pub skipped: u64,
    /// False if a batch consumer asked to stop.
    pub finished: bool,
}

/// Reads a structured file: decides its plan from the first [`SAMPLE_RECORDS`] records, then
/// passes every record, in batches, to `batch` (which returns false to stop). Problems with
/// single records go to `warn`; a role named on the command line that no column of the file has
/// is an error (the run would leave that role empty); an error that ends the file (unreadable,
/// truncated compression) is returned after the records before it were passed on.
pub fn read_records(
    file: &InputFile,
    roles: &Roles,
    counter: Option<Arc<super::BytesRead>>,
    warn: &mut dyn FnMut(&Error),
    batch: &mut dyn FnMut(&Arc<Plan>, Vec<Item>) -> bool,
) -> Result<RecordsRead> {
    let mut r = Reading {
        file,
        roles,
        sample: Vec::new(),
        plan: None,
        pending: Vec::with_capacity(BATCH_RECORDS),
        alive: true,
        fatal: None,
        skipped: 0,
    };
    let result = super::stream_records(file, counter, &mut |item| r.item(item, warn, batch));
    if let Some(e) = r.fatal {
        return Err(e);
    }
    if r.alive && r.plan.is_none() && !r.sample.is_empty() {
        r.decide(warn, batch)?;
    }
    if r.alive && !r.pending.is_empty() {
        if let Some(p) = &r.plan {
            r.alive = batch(p, std::mem::take(&mut r.pending));
        }
    }
    // A stream that broke off (truncated file) has still passed on what came before it.
    result?;
    Ok(RecordsRead {
        plan: r.plan,
        skipped: r.skipped,
        finished: r.alive,
    })
}

/// A structured file being read: the sample until the plan is decided, then batches.
struct Reading<'a> {
    file: &'a InputFile,
    roles: &'a Roles,
    sample: Vec<RawRecord>,
    plan: Option<Arc<Plan>>,
    pending: Vec<Item>,
    alive: bool,
    fatal: Option<Error>,
    skipped: u64,
}

impl Reading<'_> {
    /// Takes one item of the stream; false to stop.
    fn item(
        &mut self,
        item: Result<Item>,
        warn: &mut dyn FnMut(&Error),
        batch: &mut dyn FnMut(&Arc<Plan>, Vec<Item>) -> bool,
    ) -> bool {
        let item = match item {
            Ok(item) => item,
            Err(e @ Error::Lossy { .. }) => {
                warn(&e);
                return true;
            }
            Err(e) => {
                warn(&e);
                self.skipped += 1;
                return true;
            }
        };
        let Some(p) = &self.plan else {
            match item.into_record(&self.file.path) {
                Ok(r) => self.sample.push(r),
                Err(e) => {
                    warn(&e);
                    self.skipped += 1;
                }
            }
            if self.sample.len() >= SAMPLE_RECORDS {
                if let Err(e) = self.decide(warn, batch) {
                    self.fatal = Some(e);
                    self.alive = false;
                }
            }
            return self.alive;
        };
        self.pending.push(item);
        if self.pending.len() >= BATCH_RECORDS {
            let items = std::mem::replace(&mut self.pending, Vec::with_capacity(BATCH_RECORDS));
            self.alive = batch(p, items);
        }
        self.alive
    }

    /// Decides the plan from the sample, reports what the user should know, and passes the
    /// sampled records on.
    fn decide(
        &mut self,
        warn: &mut dyn FnMut(&Error),
        batch: &mut dyn FnMut(&Arc<Plan>, Vec<Item>) -> bool,
    ) -> Result<()> {
        let file = self.file;
        let source = file.source.clone();
        let p = Arc::new(Plan::infer(
            &self.sample,
            self.roles,
            &file.file_id(),
            &source,
        ));
        if let Some(message) = p.unknown_role() {
            return Err(Error::Roles {
                path: file.path.clone(),
                message,
            });
        }
        let header_row = matches!(file.format, Format::Csv { .. });
        for message in p.notices(&self.sample, header_row) {
            warn(&Error::File {
                path: file.path.clone(),
                message,
            });
        }
        let mut records = std::mem::take(&mut self.sample)
            .into_iter()
            .map(Item::Record)
            .peekable();
        while self.alive && records.peek().is_some() {
            let chunk: Vec<Item> = records.by_ref().take(BATCH_RECORDS).collect();
            self.alive = batch(&p, chunk);
        }
        self.plan = Some(p);
        Ok(())
    }
}

/// What [`batch_documents`] makes of one item.
pub enum Made {
    /// A document, with its record number.
    Document(u64, Document),
    /// An item that is no record (a malformed JSON line): skipped.
    Skipped(Error),
    /// Something to tell the user once per file (names that collided); the document follows.
    Notice(Error),
}

/// Turns a batch of items into documents with their plan, noting what their metadata held in
/// the plan.
pub fn batch_documents(
    plan: &Plan,
    path: &std::path::Path,
    items: Vec<Item>,
    mut each: impl FnMut(Made),
) {
    let mut seen = Observations::new();
    for item in items {
        match item.into_record(path) {
            Ok(record) => {
                if let Some(message) = plan.note_renamed(&record) {
                    each(Made::Notice(Error::Record {
                        path: path.to_path_buf(),
                        line: record.line,
                        message,
                    }));
                }
                let number = record.number;
                each(Made::Document(number, plan.document(record, &mut seen)));
            }
            Err(e) => each(Made::Skipped(e)),
        }
    }
    plan.observe(seen);
}

/// The warnings a file's plan has once every document was made: values a filter cannot see.
pub fn misfit_warnings(plan: &Plan, path: &std::path::Path) -> Vec<Error> {
    plan.misfits()
        .into_iter()
        .map(|(key, ty, count, line)| Error::File {
            path: path.to_path_buf(),
            message: format!(
                "{count} value{} of `{key}` {} not {} (the first on line {line}); kept as \
                 text (found by its words), so ranges and sorting on `{key}` do not see {}",
                if count == 1 { "" } else { "s" },
                if count == 1 { "is" } else { "are" },
                match ty {
                    crate::meta::MetaType::Date => "dates",
                    _ => "numbers",
                },
                if count == 1 { "it" } else { "them" },
            ),
        })
        .collect()
}

/// The ids of the documents a file gives, in file order, read along the same path as indexing
/// ([`read_records`], [`batch_documents`]; a text file is one document): what an index of the
/// file should hold, for checking one against the files. Problems with single records go to
/// `warn`.
pub fn document_ids(
    file: &InputFile,
    roles: &Roles,
    warn: &mut dyn FnMut(&Error),
) -> Result<Vec<String>> {
    if !file.format.is_records() {
        let doc = super::read_text(file, None, warn)?;
        return Ok(vec![doc.id]);
    }
    let mut ids = Vec::new();
    let warn = std::cell::RefCell::new(warn);
    read_records(
        file,
        roles,
        None,
        &mut |e| (warn.borrow_mut())(e),
        &mut |plan, items| {
            batch_documents(plan, &file.path, items, |made| match made {
                Made::Document(_, doc) => ids.push(doc.id),
                Made::Skipped(e) | Made::Notice(e) => (warn.borrow_mut())(&e),
            });
            true
        },
    )?;
    Ok(ids)
}
