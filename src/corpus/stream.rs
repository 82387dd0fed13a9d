//! The one path from a structured file to documents, shared by `reel index` and `reel export`:
//! the first records are read whole to decide the [`Plan`] (roles, column types), then records
//! are handed out in batches, each with the plan that turns them into documents. Indexing sends
//! the batches to worker threads; export turns them into documents on the spot. Either way
//! [`batch_documents`] makes the documents, so both see exactly the same ones.

use std::sync::atomic::{AtomicU64, Ordering};
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
    counter: Option<Arc<AtomicU64>>,
    warn: &mut dyn FnMut(&Error),
    batch: &mut dyn FnMut(&Arc<Plan>, Vec<Item>) -> bool,
) -> Result<RecordsRead> {
    let source = file.path.display().to_string();
    let file_id = file.file_id();
    let header_row = matches!(file.format, Format::Csv { .. });
    let skipped = AtomicU64::new(0);
    let mut sample: Vec<RawRecord> = Vec::new();
    let mut plan: Option<Arc<Plan>> = None;
    let mut pending: Vec<Item> = Vec::with_capacity(BATCH_RECORDS);
    let mut alive = true;
    let mut fatal: Option<Error> = None;
    // Decides the plan from the sample, reports what the user should know, and passes the
    // sampled records on.
    let decide = |sample: &mut Vec<RawRecord>,
                  warn: &mut dyn FnMut(&Error),
                  batch: &mut dyn FnMut(&Arc<Plan>, Vec<Item>) -> bool|
     -> std::result::Result<(Arc<Plan>, bool), Error> {
        let p = Arc::new(Plan::infer(sample, roles, &file_id, &source));
        if let Some(message) = p.unknown_role() {
            return Err(Error::Roles {
                path: file.path.clone(),
                message,
            });
        }
        for message in p.notices(sample, header_row) {
            warn(&Error::Record {
                path: file.path.clone(),
                line: 0,
                message,
            });
        }
        let mut alive = true;
        let mut records = std::mem::take(sample)
            .into_iter()
            .map(Item::Record)
            .peekable();
        while alive && records.peek().is_some() {
            let chunk: Vec<Item> = records.by_ref().take(BATCH_RECORDS).collect();
            alive = batch(&p, chunk);
        }
        Ok((p, alive))
    };
    let result = super::stream_records(file, counter, &mut |item| {
        let item = match item {
            Ok(item) => item,
            Err(e @ Error::Lossy { .. }) => {
                warn(&e);
                return true;
            }
            Err(e) => {
                warn(&e);
                skipped.fetch_add(1, Ordering::Relaxed);
                return true;
            }
        };
        let Some(p) = &plan else {
            match item.into_record(&file.path) {
                Ok(r) => sample.push(r),
                Err(e) => {
                    warn(&e);
                    skipped.fetch_add(1, Ordering::Relaxed);
                }
            }
            if sample.len() >= SAMPLE_RECORDS {
                match decide(&mut sample, warn, batch) {
                    Ok((p, a)) => {
                        plan = Some(p);
                        alive = a;
                    }
                    Err(e) => {
                        fatal = Some(e);
                        alive = false;
                    }
                }
            }
            return alive;
        };
        pending.push(item);
        if pending.len() >= BATCH_RECORDS {
            let items = std::mem::replace(&mut pending, Vec::with_capacity(BATCH_RECORDS));
            alive = batch(p, items);
        }
        alive
    });
    if let Some(e) = fatal {
        return Err(e);
    }
    if alive && plan.is_none() && !sample.is_empty() {
        let (p, a) = decide(&mut sample, warn, batch)?;
        plan = Some(p);
        alive = a;
    }
    if alive && !pending.is_empty() {
        if let Some(p) = &plan {
            alive = batch(p, pending);
        }
    }
    // A stream that broke off (truncated file) has still passed on what came before it.
    result?;
    Ok(RecordsRead {
        plan,
        skipped: skipped.load(Ordering::Relaxed),
        finished: alive,
    })
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
        .map(|(key, ty, count, record)| Error::Record {
            path: path.to_path_buf(),
            line: 0,
            message: format!(
                "{count} value{} of `{key}` {} not {} (the first in record {record}); kept as \
                 text, so filters and sorting on `{key}` do not see {}",
                if count == 1 { "" } else { "s" },
                if count == 1 { "is" } else { "are" },
                match ty {
                    crate::schema::MetaType::Date => "dates",
                    _ => "numbers",
                },
                if count == 1 { "it" } else { "them" },
            ),
        })
        .collect()
}
