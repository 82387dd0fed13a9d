//! Plain text and Markdown: one file is one document. The title is the first non-empty line (a
//! text file's) or heading (a Markdown file's), the body is everything after it, and metadata
//! comes from the review's own sentences (see [`super::facts`]). Markdown may start with YAML
//! front matter (`---` lines around `key: value` pairs): its `title` is the title and every other
//! key is metadata, typed by its value, taking precedence over facts found in the prose.
//!
//! A text file may be more than text: an HTML page saved as `.txt` is read as a page
//! ([`super::html`]), a transcript whose lines start with timestamps as a transcript
//! ([`super::subtitles::transcript`]), and `<br />` or entities in a review (aclImdb's) become
//! the text they stand for ([`super::markup`]). Markdown is parsed ([`super::markdown`]).

use super::blocks::{self, Block, Lines};
use super::{facts, html, markdown, markup, records, subtitles, Document, Format, InputFile};
use crate::error::{Error, Result};
use crate::meta::{MetaValue, Metadata};

/// Reads one text or Markdown file. Lines that are not UTF-8 are read as Windows-1252; a file
/// that looks binary (a NUL byte near the start) is refused.
pub fn read(file: &InputFile, bytes: &[u8], warn: &mut dyn FnMut(&Error)) -> Result<Document> {
    if super::encoding::looks_binary(bytes) {
        return Err(Error::Record {
            path: file.path.clone(),
            line: 1,
            message: "binary file, skipped".into(),
        });
    }
    let text = super::decode(bytes).into_owned();
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(Error::Record {
            path: file.path.clone(),
            line: 1,
            message: "no text to index, skipped".into(),
        });
    }
    if file.format == Format::Text && html::looks_like_page(&text) {
        return Ok(html::from_text(file, &text));
    }
    let (front, after_front) = match file.format {
        Format::Markdown => match front_matter(&text) {
            Ok(found) => found,
            Err(message) => {
                warn(&Error::File {
                    path: file.path.clone(),
                    message,
                });
                (Vec::new(), 0)
            }
        },
        _ => (Vec::new(), 0),
    };
    let front_title = front
        .iter()
        .find(|(k, _)| k == "title")
        .map(|(_, v)| v.to_text())
        .filter(|t| !t.is_empty());
    if file.format == Format::Markdown {
        return Ok(markdown_document(
            file,
            &text,
            after_front,
            front_title,
            front,
            warn,
        ));
    }
    let (line_title, after_title) = title_line(&text[after_front..], file.format);
    let (title, body_start) = match &front_title {
        Some(t) => (t.clone(), after_front),
        None => (line_title, after_front + after_title),
    };
    let lines = Lines::of(&text);
    // A transcript: its lines start with timestamps (the title line, if any, does not).
    let stamped_from = if subtitles::transcript(&text[after_front..after_front + after_title], 1)
        .is_some_and(|c| !c.is_empty())
    {
        after_front
    } else {
        body_start
    };
    if let Some(cues) = subtitles::transcript(&text[stamped_from..], lines.line(stamped_from)) {
        let title = if stamped_from == body_start && !title.is_empty() {
            title
        } else {
            file.file_id()
        };
        let body = cues
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let metadata = metadata_of(file, &body, title_year(&title).1, front, warn);
        let title = title_year(&title).0;
        return Ok(blocks::document(
            file,
            title,
            subtitles::group(&cues),
            metadata,
        ));
    }
    // A file of one line (a review per file, as aclImdb ships them) is a document: the line is
    // its text, and its title too when it is short enough to be a heading.
    let (title, body_start) = if text[body_start..].trim().is_empty() && front_title.is_none() {
        let rest = &text[after_front..];
        let line_start = after_front + (rest.len() - rest.trim_start_matches(is_blank).len());
        if is_heading(&title) && !markup::has_markup(&title) {
            (title, line_start)
        } else {
            (file.file_id(), line_start)
        }
    } else {
        (title, body_start)
    };
    let title = if title.is_empty() {
        file.file_id()
    } else {
        title
    };
    let (title, year) = title_year(&title);
    let metadata = metadata_of(file, &text[body_start..], year, front, warn);
    // `<br />` and entities in the text (scraped reviews): the text they stand for, each
    // paragraph keeping the line it starts on.
    if markup::has_markup(&text[body_start..]) {
        let blocks = markup_blocks(&text, body_start, &lines);
        let title = markup::fragment_text(&title).replace('\n', " ");
        return Ok(blocks::document(file, title, blocks, metadata));
    }
    Ok(Document {
        id: file.file_id(),
        title,
        source: file.source.clone(),
        text,
        body_start,
        metadata,
        record_line: None,
        origins: Vec::new(),
    })
}

/// A title without a trailing `(YYYY)`, and the year it gave.
fn title_year(title: &str) -> (String, Option<i64>) {
    split_title_year(title)
}

/// The metadata of a text or Markdown document: facts its prose states, the title's year, then
/// front matter (which wins), completed with reel's fields.
fn metadata_of(
    file: &InputFile,
    body: &str,
    title_year: Option<i64>,
    front: Vec<(String, MetaValue)>,
    warn: &mut dyn FnMut(&Error),
) -> Metadata {
    let mut metadata = facts::extract(body);
    if let Some(year) = title_year {
        metadata.insert("year".into(), MetaValue::Int(year));
    }
    for (key, value) in front {
        if key == "title" {
            continue;
        }
        // A fact reel reads as a number stays a number: a bad value in one file is a warning
        // for that file, not text that would turn the field into text for the whole index.
        if facts::NUMERIC_KEYS.contains(&key.as_str())
            && !matches!(value, MetaValue::Int(_) | MetaValue::Float(_))
        {
            warn(&Error::File {
                path: file.path.clone(),
                message: format!(
                    "front matter `{key}: {}` is not a number; left out",
                    value.to_text()
                ),
            });
            continue;
        }
        metadata.insert(key, value);
    }
    crate::meta::vocabulary::complete(&mut metadata);
    metadata
}

/// A Markdown file's document: its blocks under their headings, the title from the front
/// matter, else the first heading, else a first one-line paragraph short enough to be one.
fn markdown_document(
    file: &InputFile,
    text: &str,
    after_front: usize,
    front_title: Option<String>,
    front: Vec<(String, MetaValue)>,
    warn: &mut dyn FnMut(&Error),
) -> Document {
    let read = markdown::read(text, after_front, front_title.is_none());
    let mut blocks = read.blocks;
    let title = match (front_title, read.first_heading) {
        (Some(t), _) | (None, Some(t)) => t,
        // A first line short enough to be a heading is the title; a file of that one line
        // keeps it as its text too.
        (None, None) => match blocks.first() {
            Some(b) if !b.text.contains('\n') && is_heading(&b.text) => {
                if blocks.len() > 1 {
                    blocks.remove(0).text
                } else {
                    b.text.clone()
                }
            }
            _ => file.file_id(),
        },
    };
    let (title, year) = title_year(&title);
    let body = blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    let metadata = metadata_of(file, &body, year, front, warn);
    blocks::document(file, title, blocks, metadata)
}

/// The paragraphs of `text[from..]` with markup turned into text, each block on the line its
/// paragraph starts on.
fn markup_blocks(text: &str, from: usize, lines: &Lines) -> Vec<Block> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = from;
    let flush = |start: &mut Option<usize>, end: usize, out: &mut Vec<Block>| {
        if let Some(s) = start.take() {
            let line = lines.line(s);
            for piece in markup::fragment_text(&text[s..end]).split("\n\n") {
                out.push(Block {
                    text: piece.to_string(),
                    line,
                    ..Block::default()
                });
            }
        }
    };
    for line in text[from..].split_inclusive('\n') {
        if line.trim().is_empty() {
            flush(&mut start, pos, &mut out);
        } else if start.is_none() {
            start = Some(pos + (line.len() - line.trim_start().len()));
        }
        pos += line.len();
    }
    flush(&mut start, pos, &mut out);
    out
}

/// Splits a trailing `(YYYY)` off a title: `Honeyland (2019)` is `Honeyland`, year 2019 (in a
/// text file's heading and a catalogue's title column alike).
pub fn split_title_year(title: &str) -> (String, Option<i64>) {
    let t = title.trim_end();
    if let Some(open) = t
        .strip_suffix(')')
        .and_then(|x| x.rfind('(').map(|i| (i, x)))
    {
        let (i, x) = open;
        let inner = &x[i + 1..];
        let name = x[..i].trim_end();
        if inner.len() == 4 && !name.is_empty() && x[..i].ends_with(' ') {
            if let Ok(year) = inner.parse::<i64>() {
                if (1870..=2100).contains(&year) {
                    return (name.to_string(), Some(year));
                }
            }
        }
    }
    (title.to_string(), None)
}

/// Longest line taken as a heading (a title) when a file has only one line.
const HEADING_MAX_BYTES: usize = 100;

/// True for a line short enough to be a title and not a sentence (it does not end with a full
/// stop).
fn is_heading(line: &str) -> bool {
    !line.is_empty() && line.len() <= HEADING_MAX_BYTES && !line.ends_with('.')
}

/// Whitespace and the byte-order mark, which start files without being text.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
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
                _ => trimmed.to_string(),
            };
            return (title, end);
        }
        pos = end;
    }
    (String::new(), text.len())
}

/// Reads YAML front matter: the lines between a first `---` line and the next `---` (or `...`)
/// line, parsed by a YAML parser (comments, quoted strings, block scalars `|` and `>`, lists,
/// nested maps). Returns the typed pairs (nested maps flattened as `key_sub`) and the byte where
/// the rest of the file starts; no front matter gives `(vec![], 0)`. Front matter that is not
/// valid YAML is an error message, and is then read as part of the text.
pub(crate) fn front_matter(text: &str) -> Result<(Vec<(String, MetaValue)>, usize), String> {
    let start = text.strip_prefix('\u{feff}').map_or(0, |_| 3);
    let rest = &text[start..];
    let first_len = match rest.find('\n') {
        Some(i) if rest[..i].trim_end() == "---" => i + 1,
        _ => return Ok((Vec::new(), 0)),
    };
    let mut pos = start + first_len;
    let body_start = pos;
    for line in text[pos..].split_inclusive('\n') {
        let line_start = pos;
        pos += line.len();
        let l = line.trim_end();
        if l == "---" || l == "..." {
            let yaml = &text[body_start..line_start];
            let docs = yaml_rust2::YamlLoader::load_from_str(yaml).map_err(|e| {
                format!(
                    "front matter is not valid YAML (line {}: {}); read as text",
                    e.marker().line() + 1,
                    e.info()
                )
            })?;
            let mut pairs = Vec::new();
            if let Some(yaml_rust2::Yaml::Hash(map)) = docs.first() {
                for (k, v) in map {
                    flatten_yaml(&yaml_key(k), v, &mut pairs);
                }
            }
            return Ok((pairs, pos));
        }
    }
    // No closing line: not front matter after all.
    Ok((Vec::new(), 0))
}

fn yaml_key(k: &yaml_rust2::Yaml) -> String {
    match yaml_scalar(k) {
        Some(s) => s,
        None => "field".into(),
    }
}

/// A YAML scalar as text (`None` for null, lists, maps).
fn yaml_scalar(v: &yaml_rust2::Yaml) -> Option<String> {
    use yaml_rust2::Yaml;
    match v {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(n) => Some(n.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// One front-matter value, typed: YAML numbers are numbers, strings are dates when they read
/// as one and text otherwise (a quoted `"2017"` stays text), lists are keyword lists, maps are
/// flattened, nulls and null markers are absent.
fn flatten_yaml(key: &str, v: &yaml_rust2::Yaml, out: &mut Vec<(String, MetaValue)>) {
    use yaml_rust2::Yaml;
    let key = records::metadata_key(key);
    match v {
        Yaml::Integer(n) => out.push((key, MetaValue::Int(*n))),
        Yaml::Real(x) => {
            if let Some(x) = x.parse::<f64>().ok().filter(|x| x.is_finite()) {
                out.push((key, MetaValue::Float(x)));
            }
        }
        Yaml::String(s) => {
            let t = s.trim();
            if records::is_null(t) {
                return;
            }
            let value = match crate::meta::dates::parse(t) {
                Some(d) => MetaValue::Date(d),
                None => MetaValue::Text(t.to_string()),
            };
            out.push((key, value));
        }
        Yaml::Boolean(b) => out.push((key, MetaValue::Text(b.to_string()))),
        Yaml::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .filter_map(yaml_scalar)
                .filter(|i| !records::is_null(i))
                .collect();
            if !items.is_empty() {
                out.push((key, MetaValue::List(items)));
            }
        }
        Yaml::Hash(map) => {
            for (k, v) in map {
                flatten_yaml(&format!("{key}_{}", yaml_key(k)), v, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_typed_metadata() {
        let text = "---\ntitle: \"Grizzly Man\"  # the title\nyear: 2005\nrating: 7.8\nreleased: 2005-08-12\ngenres: [Documentary, Nature]\ncountries:\n  - United States\n  - Canada\ncode: \"2017\"\nsummary: |\n  Two lines\n  of text.\nfolded: >\n  one\n  line\ncrew:\n  editor: Joe Bini\n  music: Richard Thompson\nnothing: null\n---\n# Grizzly Man\n\nBody.\n";
        let (pairs, end) = front_matter(text).unwrap();
        assert_eq!(&text[end..], "# Grizzly Man\n\nBody.\n");
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("title"), Some(MetaValue::Text("Grizzly Man".into())));
        assert_eq!(get("year"), Some(MetaValue::Int(2005)));
        assert_eq!(get("rating"), Some(MetaValue::Float(7.8)));
        assert_eq!(
            get("released").map(|v| v.to_text()).as_deref(),
            Some("2005-08-12")
        );
        assert_eq!(
            get("genres"),
            Some(MetaValue::List(vec!["Documentary".into(), "Nature".into()]))
        );
        assert_eq!(
            get("countries"),
            Some(MetaValue::List(vec![
                "United States".into(),
                "Canada".into()
            ]))
        );
        assert_eq!(
            get("code"),
            Some(MetaValue::Text("2017".into())),
            "quoted stays text"
        );
        assert_eq!(
            get("summary"),
            Some(MetaValue::Text("Two lines\nof text.".into()))
        );
        assert_eq!(get("folded"), Some(MetaValue::Text("one line".into())));
        assert_eq!(get("crew_editor"), Some(MetaValue::Text("Joe Bini".into())));
        assert_eq!(get("nothing"), None);
        assert_eq!(front_matter("no front matter\n---\n"), Ok((Vec::new(), 0)));
        assert_eq!(front_matter("---\nunclosed: 1\n"), Ok((Vec::new(), 0)));
        let bad = front_matter("---\ntitle: [unclosed\n---\nBody\n").unwrap_err();
        assert!(bad.starts_with("front matter is not valid YAML"), "{bad}");
    }

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
    fn a_year_in_parentheses_after_the_title_is_metadata() {
        assert_eq!(
            split_title_year("Honeyland (2019)"),
            ("Honeyland".into(), Some(2019))
        );
        assert_eq!(split_title_year("Heroin(e)"), ("Heroin(e)".into(), None));
        assert_eq!(split_title_year("Room (237)"), ("Room (237)".into(), None));
        assert_eq!(split_title_year("(2019)"), ("(2019)".into(), None));
        assert_eq!(
            split_title_year("Blade Runner (1982) "),
            ("Blade Runner".into(), Some(1982))
        );
    }

    #[test]
    fn empty_file_has_no_title() {
        assert_eq!(title_line("", Format::Text), (String::new(), 0));
    }
}
