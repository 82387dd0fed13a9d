//! Documents made of blocks: what the readers of formats whose text is not the file itself
//! (HTML, Markdown, subtitles, text with markup) hand on. Each [`Block`] is a paragraph's worth of
//! text with where it came from: its line in the file, the heading it sits under, for speech
//! when it is said and by whom. The document's text is the blocks separated by blank lines, so
//! each block is a paragraph to the passage cutter, and [`Origin`]s map offsets of that text back
//! to the file (see `passage::places`).

use super::{Document, InputFile};
use crate::meta::Metadata;

/// A block of text found in a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    /// Its text, without markup (line breaks inside it allowed, no blank line).
    pub text: String,
    /// The 1-based line of the file its text starts on.
    pub line: u64,
    /// The heading it sits under, if any (shown with its passages, searched with them).
    pub heading: Option<String>,
    /// When it is said, from the start of the recording, in milliseconds (subtitles,
    /// transcripts).
    pub start_ms: Option<u64>,
    /// When it ends.
    pub end_ms: Option<u64>,
    /// Who says it (a WebVTT `<v Speaker>`, a transcript's `NAME:`).
    pub speaker: Option<String>,
}

/// Where a block of a document's text came from: the byte it starts at in the text, and the
/// rest of its [`Block`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// Byte offset of the block in the document text.
    pub at: usize,
    /// Its line in the file.
    pub line: u64,
    /// The heading it sits under.
    pub heading: Option<String>,
    /// When it starts and ends, in milliseconds.
    pub start_ms: Option<u64>,
    /// See [`Block::end_ms`].
    pub end_ms: Option<u64>,
    /// Who says it.
    pub speaker: Option<String>,
}

/// Joins blocks into a document: their texts separated by blank lines, each remembered as an
/// [`Origin`]. Blocks without text are left out.
pub fn document(
    file: &InputFile,
    title: String,
    blocks: Vec<Block>,
    metadata: Metadata,
) -> Document {
    let mut text = String::new();
    let mut origins = Vec::with_capacity(blocks.len());
    for b in blocks {
        let t = without_blank_lines(&b.text);
        if t.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        origins.push(Origin {
            at: text.len(),
            line: b.line,
            heading: b.heading,
            start_ms: b.start_ms,
            end_ms: b.end_ms,
            speaker: b.speaker,
        });
        text.push_str(&t);
    }
    let title = if title.trim().is_empty() {
        file.file_id()
    } else {
        title.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    Document {
        id: file.file_id(),
        title,
        source: file.source.clone(),
        text,
        body_start: 0,
        metadata,
        record_line: None,
        origins,
    }
}

/// A block's text with its lines trimmed and blank lines taken out (a blank line would split
/// one block into two paragraphs).
fn without_blank_lines(t: &str) -> String {
    t.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Collapses each run of whitespace into one space (markup's text, where line breaks in the
/// source mean nothing).
pub fn collapse(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for w in t.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The 1-based line of each byte offset of `text`, found by a binary search of its line starts.
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    /// The line starts of `text`.
    pub fn of(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines { starts }
    }

    /// The line of byte `at`.
    pub fn line(&self, at: usize) -> u64 {
        self.starts.partition_point(|&s| s <= at) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn blocks_become_paragraphs_with_their_origins() {
        let file = InputFile::new(Path::new("/c/page.html"), 0, Path::new("/c"), None).unwrap();
        let blocks = vec![
            Block {
                text: "First  block\n\n  still first".into(),
                line: 3,
                ..Block::default()
            },
            Block {
                text: "   ".into(),
                line: 5,
                ..Block::default()
            },
            Block {
                text: "Second".into(),
                line: 9,
                heading: Some("Part two".into()),
                ..Block::default()
            },
        ];
        let d = document(&file, "  A   Title ".into(), blocks, Metadata::new());
        assert_eq!(d.text, "First  block\nstill first\n\nSecond");
        assert_eq!(d.title, "A Title");
        assert_eq!(d.origins.len(), 2);
        assert_eq!((d.origins[1].at, d.origins[1].line), (26, 9));
        assert_eq!(d.origins[1].heading.as_deref(), Some("Part two"));
        assert_eq!(collapse(" a \n b\tc "), "a b c");
        let lines = Lines::of("ab\ncd\n\nef");
        assert_eq!((lines.line(0), lines.line(3), lines.line(7)), (1, 2, 4));
    }
}
