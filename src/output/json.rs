//! JSON Lines output: one [`Hit`](crate::searcher::Hit) object per line, no colour, no HTML.
//! The fields are a contract documented in GUIDE.md.

use std::io::{self, Write};

use crate::searcher::Hit;

/// Writes each hit as one JSON object on its own line.
pub fn write_hits(out: &mut dyn Write, hits: &[Hit]) -> io::Result<()> {
    for hit in hits {
        serde_json::to_writer(&mut *out, hit)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the hits of one query of a batch: each object also carries `qid`.
pub fn write_batch_hits(out: &mut dyn Write, qid: &str, hits: &[Hit]) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct WithQid<'a> {
        qid: &'a str,
        #[serde(flatten)]
        hit: &'a Hit,
    }
    for hit in hits {
        serde_json::to_writer(&mut *out, &WithQid { qid, hit })?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes any serializable value as one pretty JSON document.
pub fn write_value<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}
