//! Printers: they write computed results to any `impl Write` and never read the environment (the
//! binary decides colour and where output goes).
//!
//! - [`human`]: ranked passages for people, trimmed around the matches, optional colour.
//! - [`json`]: JSON Lines, one object per hit, the documented contract.
//! - [`trec`]: TREC run lines for evaluation tools.
//! - [`report`]: human text for everything else: the index and export summaries, the stats,
//!   verify and eval reports.

pub mod human;
pub mod json;
pub mod report;
pub mod trec;

use std::io::{self, Write};

use crate::searcher::Hit;

/// How search hits are written: chosen once from the options, then asked to write each query's
/// hits, so every format (the batch header included) is decided here, as ripgrep's printer owns
/// its formats.
#[derive(Debug, Clone, Copy)]
pub enum Printer {
    /// For people: [`human`].
    Human(human::Style),
    /// JSON Lines: [`json`].
    Json,
    /// TREC run lines: [`trec`], naming documents or passages.
    Trec(trec::Ids),
}

impl Printer {
    /// Writes the hits of a single query.
    pub fn write_hits(&self, out: &mut dyn Write, hits: &[Hit]) -> io::Result<()> {
        match *self {
            Printer::Human(style) => human::write_hits(out, hits, style),
            Printer::Json => json::write_hits(out, hits),
            Printer::Trec(ids) => trec::write_hits(out, "1", hits, ids),
        }
    }

    /// Writes the hits of one query of a batch, under what names that query: a `== id text`
    /// header for people, `qid` on each JSON object, the first column of a TREC run.
    pub fn write_query_hits(
        &self,
        out: &mut dyn Write,
        id: &str,
        text: &str,
        hits: &[Hit],
    ) -> io::Result<()> {
        match *self {
            Printer::Human(style) => {
                writeln!(out, "== {id} {}", sanitize(text))?;
                human::write_hits(out, hits, style)?;
                writeln!(out)
            }
            Printer::Json => json::write_batch_hits(out, id, hits),
            Printer::Trec(ids) => trec::write_hits(out, id, hits, ids),
        }
    }
}

/// Replaces control characters (which could move the cursor or recolour a terminal) and line
/// breaks with spaces, so corpus text is safe to print on one line.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sanitize_removes_escapes_and_newlines() {
        assert_eq!(super::sanitize("a\x1b[31mb\nc\td"), "a [31mb c d");
    }
}
