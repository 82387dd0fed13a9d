//! Cutting a [`Document`] into passages, the unit reel indexes and ranks.
//!
//! A passage is a paragraph: a block of lines between blank lines, or a single line in files
//! (like a review copied from a web page) that put each paragraph on one long line. A paragraph
//! longer than [`MAX_PASSAGE_BYTES`] is cut at sentence boundaries into consecutive windows.
//! Boilerplate lines ("Where to Watch ...") are not passages. Offsets are byte offsets into
//! [`Document::text`], and the passage text is exactly that slice.

use std::ops::Range;

use crate::corpus::Document;

/// Longest passage kept whole, in bytes (about 300 English words). Every paragraph of an
/// ordinary review stays one passage (the seed's run from 250 to 700 bytes), and so does a
/// typical abstract, while a wall of text is still cut into pieces that answer one question.
/// Measured on the tuning sets (document ranking by best passage, nDCG@10): SciFact train
/// 0.678 at 800 bytes, 0.688 at 1,200, 0.691 at 1,600, 0.696 at 2,000, 0.695 at 3,000;
/// Cranfield 0.360, 0.367, 0.367, 0.370, 0.374. Past 2,000 bytes passages stop being passages.
pub const MAX_PASSAGE_BYTES: usize = 2000;

/// A line longer than this is taken as a whole paragraph rather than one line of hard-wrapped
/// text: wrapped prose stays under 80 to 100 columns, paragraph-per-line text does not.
pub const WRAPPED_LINE_BYTES: usize = 100;

/// Lines shorter than this that start with one of [`BOILERPLATE_PREFIXES`] are boilerplate.
const BOILERPLATE_MAX_BYTES: usize = 120;

/// Starts of the web-page chrome lines that reviews copied from the web carry.
const BOILERPLATE_PREFIXES: [&str; 6] = [
    "where to watch",
    "watch now",
    "stream it on",
    "advertisement",
    "share this",
    "read more",
];

/// One passage of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Passage {
    /// Position of the passage within its document, from 0.
    pub ordinal: u32,
    /// Byte offset of its first byte in the document text.
    pub start: usize,
    /// Byte offset just past its last byte.
    pub end: usize,
}

impl Passage {
    /// The passage's text inside its document.
    pub fn text<'d>(&self, doc: &'d Document) -> &'d str {
        &doc.text[self.start..self.end]
    }
}

/// Splits a document's body into passages, in order. A paragraph that repeats the title is
/// left out, unless it is the document's only text (a one-line file).
pub fn split(doc: &Document) -> Vec<Passage> {
    let mut passages = Vec::new();
    let paras: Vec<Range<usize>> = paragraphs(&doc.text, doc.body_start)
        .into_iter()
        .filter(|p| !is_boilerplate(&doc.text[p.clone()]))
        .collect();
    let only_one = paras.len() == 1;
    for para in paras {
        let slice = &doc.text[para.clone()];
        if slice.trim_start_matches('#').trim() == doc.title && !only_one {
            continue;
        }
        for window in windows(&doc.text, para, MAX_PASSAGE_BYTES) {
            passages.push(Passage {
                ordinal: passages.len() as u32,
                start: window.start,
                end: window.end,
            });
        }
    }
    passages
}

/// A document's passages as they are indexed and exported: paragraphs, or the whole body as
/// one passage. A document with a title and no body still gets one (empty) passage, so that its
/// title and metadata can be found.
pub fn cut(doc: &Document, whole_documents: bool) -> Vec<Passage> {
    let mut passages = if whole_documents {
        whole(doc)
    } else {
        split(doc)
    };
    if passages.is_empty() {
        passages.push(Passage {
            ordinal: 0,
            start: doc.body_start,
            end: doc.body_start,
        });
    }
    passages
}

/// The whole body as one passage (for corpora whose documents are already passage-sized, like
/// abstracts or short reviews, or to rank whole documents).
pub fn whole(doc: &Document) -> Vec<Passage> {
    let body = trim_range(&doc.text, doc.body_start..doc.text.len());
    if body.is_empty() {
        return Vec::new();
    }
    vec![Passage {
        ordinal: 0,
        start: body.start,
        end: body.end,
    }]
}

/// True for navigation and advertising lines that are not part of a review.
pub fn is_boilerplate(paragraph: &str) -> bool {
    if paragraph.len() > BOILERPLATE_MAX_BYTES {
        return false;
    }
    let lower = paragraph.to_lowercase();
    BOILERPLATE_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Paragraph ranges (trimmed of surrounding whitespace) in `text[from..]`.
pub fn paragraphs(text: &str, from: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut block: Vec<Range<usize>> = Vec::new();
    let mut pos = from;
    for line in text[from..].split_inclusive('\n') {
        let range = trim_range(text, pos..pos + line.len());
        pos += line.len();
        if range.is_empty() {
            flush_block(&mut block, &mut out);
        } else {
            block.push(range);
        }
    }
    flush_block(&mut block, &mut out);
    out
}

fn flush_block(block: &mut Vec<Range<usize>>, out: &mut Vec<Range<usize>>) {
    if block.is_empty() {
        return;
    }
    if block.iter().any(|l| l.len() > WRAPPED_LINE_BYTES) {
        out.append(block);
    } else {
        let start = block[0].start;
        let end = block[block.len() - 1].end;
        out.push(start..end);
        block.clear();
    }
}

fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let start = range.start + (slice.len() - slice.trim_start().len());
    let end = range.end - (slice.len() - slice.trim_end().len());
    start..end.max(start)
}

/// Cuts `text[para]` into windows of at most `max` bytes, at sentence ends where it can, at a
/// space where a single sentence is longer than `max`, and never inside a UTF-8 character.
pub fn windows(text: &str, para: Range<usize>, max: usize) -> Vec<Range<usize>> {
    if para.len() <= max {
        return vec![para];
    }
    let ends = sentence_ends(text, para.clone());
    let mut out = Vec::new();
    let mut start = para.start;
    while start < para.end {
        let limit = floor_char_boundary(text, start + max);
        if start + max >= para.end {
            out.push(trim_range(text, start..para.end));
            break;
        }
        // The last sentence end that fits, else a space, else a character boundary.
        let cut = ends
            .iter()
            .copied()
            .rfind(|&e| e > start && e <= limit)
            .or_else(|| {
                text[start..limit]
                    .rfind(' ')
                    .map(|i| start + i)
                    .filter(|&c| c > start)
            })
            .unwrap_or(limit.max(start + 1));
        let cut = ceil_char_boundary(text, cut);
        let window = trim_range(text, start..cut);
        if !window.is_empty() {
            out.push(window);
        }
        start = cut;
        while start < para.end && text[start..].starts_with(char::is_whitespace) {
            start += text[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// Byte offsets just past each sentence end (`.`, `!`, `?`, with closing quotes or brackets)
/// that is followed by whitespace, inside `range`.
fn sentence_ends(text: &str, range: Range<usize>) -> Vec<usize> {
    let slice = &text[range.clone()];
    let mut ends = Vec::new();
    let mut iter = slice.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if !matches!(c, '.' | '!' | '?' | '…') {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = iter.peek() {
            if matches!(d, '"' | '\'' | '”' | '’' | ')' | ']' | '.' | '!' | '?') {
                end = j + d.len_utf8();
                iter.next();
            } else {
                break;
            }
        }
        if iter.peek().is_some_and(|&(_, d)| d.is_whitespace()) {
            ends.push(range.start + end);
        }
    }
    ends
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Where a passage is in its file: the line it starts on, and what its blocks say of it (the
/// heading it sits under, when it is spoken and by whom).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// The 1-based line of its file the passage starts on (0 when unknown).
    pub line: u64,
    /// The heading its first block sits under.
    pub heading: Option<String>,
    /// When its first block starts, in milliseconds.
    pub start_ms: Option<u64>,
    /// When its last block ends.
    pub end_ms: Option<u64>,
    /// Who speaks in it (several, comma-separated, in order).
    pub speaker: Option<String>,
}

/// Where each passage is, in one pass over the text: for a document of blocks, from the blocks
/// it covers; for a text file, one more than the line breaks before the passage; for a record,
/// the record's line (0 when unknown).
pub fn places(doc: &Document, passages: &[Passage]) -> Vec<Place> {
    if !doc.origins.is_empty() {
        return passages.iter().map(|p| from_origins(doc, p)).collect();
    }
    if let Some(line) = doc.record_line {
        return vec![
            Place {
                line,
                ..Place::default()
            };
            passages.len()
        ];
    }
    let bytes = doc.text.as_bytes();
    let (mut at, mut line) = (0usize, 1u64);
    passages
        .iter()
        .map(|p| {
            let start = p.start.min(bytes.len());
            if start < at {
                (at, line) = (0, 1);
            }
            line += bytes[at..start].iter().filter(|&&b| b == b'\n').count() as u64;
            at = start;
            Place {
                line,
                ..Place::default()
            }
        })
        .collect()
}

/// A passage's place from the blocks it covers: the first one's line, heading and start, the
/// last one's end, everyone who speaks.
fn from_origins(doc: &Document, p: &Passage) -> Place {
    let o = &doc.origins;
    let first = o.partition_point(|x| x.at <= p.start).saturating_sub(1);
    let last = o
        .partition_point(|x| x.at < p.end.max(p.start + 1))
        .saturating_sub(1)
        .max(first);
    let mut speakers: Vec<&str> = Vec::new();
    for x in &o[first..=last] {
        if let Some(s) = x.speaker.as_deref() {
            if !speakers.contains(&s) {
                speakers.push(s);
            }
        }
    }
    Place {
        line: o[first].line,
        heading: o[first].heading.clone(),
        start_ms: o[first].start_ms,
        end_ms: o[last].end_ms.or(o[first].end_ms),
        speaker: (!speakers.is_empty()).then(|| speakers.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Metadata;

    fn doc(text: &str, body_start: usize, title: &str) -> Document {
        Document {
            id: "d".into(),
            title: title.into(),
            source: "d.txt".into(),
            text: text.into(),
            body_start,
            metadata: Metadata::new(),
            record_line: None,
            origins: Vec::new(),
        }
    }

    #[test]
    fn passages_know_their_lines() {
        let d = doc(
            "Title\n\nFirst paragraph.\n\nSecond\nstill second.\n\n\nThird.\n",
            6,
            "Title",
        );
        let ps = split(&d);
        assert_eq!(texts(&d).len(), 3);
        let lines = |d: &Document, ps: &[Passage]| -> Vec<u64> {
            places(d, ps).into_iter().map(|p| p.line).collect()
        };
        assert_eq!(lines(&d, &ps), [3, 5, 9]);
        let mut r = doc("a record's text\n\nwith two paragraphs", 0, "R");
        r.record_line = Some(42);
        let ps = split(&r);
        assert_eq!(lines(&r, &ps), vec![42; ps.len()]);
    }

    fn texts(d: &Document) -> Vec<&str> {
        split(d).iter().map(|p| p.text(d)).collect()
    }

    #[test]
    fn whole_is_one_passage_of_the_trimmed_body() {
        let d = doc("T\n\n para one\n\npara two \n", 2, "T");
        let ps = whole(&d);
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].text(&d), "para one\n\npara two");
        assert!(whole(&doc("T\n  \n", 2, "T")).is_empty());
    }

    #[test]
    fn blank_line_blocks_are_paragraphs() {
        let d = doc(
            "Title\n\nfirst line\nsame para\n\n\nsecond para\n",
            6,
            "Title",
        );
        assert_eq!(texts(&d), ["first line\nsame para", "second para"]);
    }

    #[test]
    fn long_lines_are_paragraphs_each() {
        let a = "a".repeat(150);
        let b = "b ".repeat(80);
        let text = format!("T\n{a}\n{b}\n");
        let d = doc(&text, 2, "T");
        assert_eq!(texts(&d), [a.as_str(), b.trim_end()]);
    }

    #[test]
    fn boilerplate_and_title_are_not_passages() {
        let d = doc(
            "Film\nWhere to Watch Film\n\nFilm\n\nReal text.\n",
            5,
            "Film",
        );
        assert_eq!(texts(&d), ["Real text."]);
    }

    #[test]
    fn offsets_point_into_the_text_and_ordinals_count() {
        let d = doc("T\r\n\r\n  one  \r\n\r\ntwo\r\n", 3, "T");
        let ps = split(&d);
        assert_eq!(ps.len(), 2);
        assert_eq!((ps[0].ordinal, ps[1].ordinal), (0, 1));
        assert_eq!(&d.text[ps[0].start..ps[0].end], "one");
        assert_eq!(&d.text[ps[1].start..ps[1].end], "two");
    }

    #[test]
    fn long_paragraph_is_windowed_at_sentences() {
        let sentence = "This sentence has exactly fifty bytes in it, see. ";
        let para = sentence.repeat(120); // 6000 bytes
        let text = format!("T\n\n{para}\n");
        let d = doc(&text, 2, "T");
        let ps = split(&d);
        assert!(ps.len() >= 3, "{}", ps.len());
        for p in &ps {
            let t = p.text(&d);
            assert!(t.len() <= MAX_PASSAGE_BYTES);
            assert!(t.ends_with("see."), "window ends mid-sentence: {t:?}");
            assert!(t.starts_with("This"));
        }
        let covered: usize = ps.iter().map(|p| p.end - p.start).sum();
        assert!(covered + ps.len() >= para.trim_end().len());
    }

    #[test]
    fn one_huge_sentence_is_cut_at_spaces_and_char_boundaries() {
        let para = "é".repeat(2000); // no spaces, 4000 bytes
        let windows = windows(&para, 0..para.len(), 1001);
        assert!(windows.len() >= 4);
        for w in &windows {
            assert!(para.is_char_boundary(w.start) && para.is_char_boundary(w.end));
            assert!(w.len() <= 1002);
        }
        assert_eq!(windows.last().unwrap().end, para.len());
    }
}
