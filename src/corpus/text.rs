//! Plain text and Markdown: one file is one document. The title is the first non-empty line (a
//! Markdown `#` heading is stripped), the body is everything after it, and metadata comes from the
//! review's own sentences (see [`super::facts`]).

use super::{facts, Document, Format, InputFile};
use crate::error::{Error, Result};

/// How many leading bytes are checked for NUL to tell a binary file from text.
const BINARY_SNIFF_BYTES: usize = 8192;

/// Reads one text or Markdown file. Invalid UTF-8 is decoded lossily; a file that looks binary
/// (a NUL byte near the start) is refused.
pub fn read(file: &InputFile, bytes: &[u8]) -> Result<Document> {
    if bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        return Err(Error::Record {
            path: file.path.clone(),
            line: 1,
            message: "binary file, skipped".into(),
        });
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (title, body_start) = title_line(&text, file.format);
    let title = if title.is_empty() {
        file.file_id()
    } else {
        title
    };
    let metadata = facts::extract(&text[body_start..]);
    Ok(Document {
        id: file.file_id(),
        title,
        source: file.path.display().to_string(),
        text,
        body_start,
        metadata,
    })
}

/// Finds the first non-empty line: returns the title it gives and the byte where the body starts.
fn title_line(text: &str, format: Format) -> (String, usize) {
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let end = pos + line.len();
        let trimmed = line.trim_start_matches('\u{feff}').trim();
        if !trimmed.is_empty() {
            let title = match format {
                Format::Markdown => trimmed.trim_start_matches('#').trim().to_string(),
                Format::Text => trimmed.to_string(),
            };
            return (title, end);
        }
        pos = end;
    }
    (String::new(), text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_first_non_empty_line() {
        let (t, start) = title_line("\n\n  My Film \nbody\n", Format::Text);
        assert_eq!(t, "My Film");
        assert_eq!(start, 13);
        let (t, _) = title_line("# A *Heading*\n\ntext", Format::Markdown);
        assert_eq!(t, "A *Heading*");
        let (t, start) = title_line("\u{feff}Title\r\nrest", Format::Text);
        assert_eq!(t, "Title");
        assert_eq!(&"\u{feff}Title\r\nrest"[start..], "rest");
    }

    #[test]
    fn empty_file_has_no_title() {
        assert_eq!(title_line("", Format::Text), (String::new(), 0));
    }
}
