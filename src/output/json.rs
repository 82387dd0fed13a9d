//! JSON Lines output: one [`Hit`](crate::searcher::Hit) object per line, no colour, no HTML.
//! The fields are a contract documented in the README.

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

/// Writes any serializable value as one pretty JSON document.
pub fn write_value<T: serde::Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}
