//! TREC run output: `qid Q0 doc_id rank score tag`, the format evaluation tools read.

use std::io::{self, Write};

use crate::searcher::Hit;

/// The run tag in the last column.
pub const TAG: &str = "reel";

/// What the third column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    /// The document id (the hits are one per document).
    Documents,
    /// `doc_id#passage_id` (the hits are passages, several per document).
    Passages,
}

/// Writes one query's hits as TREC run lines. Ids with whitespace would break the format, so
/// whitespace in them is replaced by `_` (and an empty id is written `_`).
pub fn write_hits(out: &mut dyn Write, qid: &str, hits: &[Hit], ids: Ids) -> io::Result<()> {
    let clean = |s: &str| {
        let joined = s.split_whitespace().collect::<Vec<_>>().join("_");
        if joined.is_empty() {
            "_".to_string()
        } else {
            joined
        }
    };
    let qid = clean(qid);
    for hit in hits {
        let id = match ids {
            Ids::Documents => clean(&hit.doc_id),
            Ids::Passages => format!("{}#{}", clean(&hit.doc_id), hit.passage_id),
        };
        writeln!(out, "{qid} Q0 {id} {} {:.6} {TAG}", hit.rank, hit.score)?;
    }
    Ok(())
}
