//! TREC run output: `qid Q0 doc_id rank score tag`, the format evaluation tools read.

use std::io::{self, Write};

use crate::searcher::Hit;

/// The run tag in the last column.
pub const TAG: &str = "reel";

/// Writes one query's hits as TREC run lines. Ids with whitespace would break the format, so
/// whitespace in them is replaced by `_`.
pub fn write_hits(out: &mut dyn Write, qid: &str, hits: &[Hit]) -> io::Result<()> {
    let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join("_");
    let qid = clean(qid);
    for hit in hits {
        writeln!(
            out,
            "{qid} Q0 {} {} {:.6} {TAG}",
            clean(&hit.doc_id),
            hit.rank,
            hit.score
        )?;
    }
    Ok(())
}
