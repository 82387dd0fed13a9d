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
