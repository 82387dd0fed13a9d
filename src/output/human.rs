//! Output for people: rank, score, title, document id, key metadata, and the passage with the
//! matched words highlighted, trimmed around the matches when it is long.

use std::io::{self, Write};

use crate::meta::Metadata;
use crate::searcher::Hit;

use super::sanitize;

/// Longest passage excerpt shown, in bytes (about four terminal lines).
pub const SNIPPET_BYTES: usize = 320;

/// Bytes of context kept before the first match of the excerpt.
const LEAD_BYTES: usize = 80;

/// Metadata values longer than this are left out of the one-line summary.
const META_VALUE_MAX: usize = 40;

/// Most metadata fields in the one-line summary.
const META_FIELDS_SHOWN: usize = 5;

const BOLD: &str = "\x1b[1m";
const MATCH: &str = "\x1b[1;31m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// How to print.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
    /// Wrap the indented lines to this many columns, at word boundaries with the indent kept
    /// (a terminal's width); `None` writes each on one line (into a pipe or a file).
    pub width: Option<usize>,
}

/// Narrowest width worth wrapping to: below it, lines are written whole.
const MIN_WRAP_WIDTH: usize = 20;

/// The indent of a hit's lines under its first.
const INDENT: &str = "    ";

/// Writes `text` as an indented line, wrapped to the style's width. Display widths are
/// measured by textwrap with unicode-width (a CJK character counts two columns, ANSI colour
/// codes none); a word longer than the line is broken.
fn indented(out: &mut dyn Write, style: Style, text: &str) -> io::Result<()> {
    match style.width.filter(|w| *w >= MIN_WRAP_WIDTH) {
        None => writeln!(out, "{INDENT}{text}"),
        Some(width) => {
            let opts = textwrap::Options::new(width)
                .initial_indent(INDENT)
                .subsequent_indent(INDENT);
            for line in textwrap::wrap(text, &opts) {
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
    }
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

/// Bytes of a matched metadata value shown on its own line.
const META_MATCH_BYTES: usize = 100;

/// Most matched metadata fields shown on their own lines.
const META_MATCHES_SHOWN: usize = 3;

/// Writes the hits, separated by blank lines. Each shows where it is (`file:line`, as ripgrep
/// does, for an editor to jump to) and why it matched: the words found in the title, the
/// passage and the metadata are highlighted, and a metadata field that matched but is not in
/// the summary line gets a line of its own (`cast: …Sam Huntington…`).
pub fn write_hits(out: &mut dyn Write, hits: &[Hit], style: Style) -> io::Result<()> {
    for (i, hit) in hits.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let title = if hit.title_highlights.is_empty() {
            style.paint(BOLD, &sanitize(&hit.title))
        } else {
            excerpt(&hit.title, &hit.title_highlights, style)
        };
        let mut place = if hit.line > 0 {
            format!("{}:{}", hit.source, hit.line)
        } else {
            hit.source.clone()
        };
        // When it is said, for subtitles and transcripts: `film.srt:120 00:12:05`.
        if let Some(ms) = hit.start_ms {
            place.push(' ');
            place.push_str(&timecode(ms));
        }
        // Ordered by a field: its value, where the score would tell the order.
        let sorted = match &hit.sorted_by {
            Some(s) => format!(
                "  {}",
                style.paint(
                    BOLD,
                    &format!(
                        "{} {}",
                        sanitize(&s.field),
                        s.value
                            .as_ref()
                            .map_or("-".into(), |v| sanitize(&v.to_text()))
                    )
                )
            ),
            None => String::new(),
        };
        writeln!(
            out,
            "{:>2}. {}  {}  {}  {}{sorted}",
            hit.rank,
            style.paint(DIM, &format!("{:.3}", hit.score)),
            title,
            style.paint(
                DIM,
                &format!("[{} #{}]", sanitize(&hit.doc_id), hit.passage_id)
            ),
            style.paint(DIM, &sanitize(&place)),
        )?;
        let shown = summary(&hit.metadata);
        if !shown.is_empty() {
            let line = shown
                .iter()
                .map(|(k, v)| {
                    let matched = hit.metadata_matches.iter().find(|m| m.field == **k);
                    let value = match matched {
                        Some(m) => excerpt(&m.value, &m.highlights, style),
                        None => style.paint(DIM, &sanitize(v)),
                    };
                    format!("{} {value}", style.paint(DIM, &sanitize(k)))
                })
                .collect::<Vec<_>>()
                .join(&style.paint(DIM, " · "));
            indented(out, style, &line)?;
        }
        for m in hit
            .metadata_matches
            .iter()
            .filter(|m| !shown.iter().any(|(k, _)| **k == m.field))
            .take(META_MATCHES_SHOWN)
        {
            let line = format!(
                "{}: {}",
                style.paint(DIM, &sanitize(&m.field)),
                excerpt_within(&m.value, &m.highlights, style, META_MATCH_BYTES, 30)
            );
            indented(out, style, &line)?;
        }
        // The heading the passage sits under, as the context it is read in.
        if let Some(h) = &hit.heading {
            indented(out, style, &style.paint(DIM, &format!("§ {}", sanitize(h))))?;
        }
        // A document with a title and no text (a catalogue row without a description) is shown by
        // its title line alone.
        if !hit.text.trim().is_empty() {
            let who = match &hit.speaker {
                Some(s) => format!("{}: ", style.paint(BOLD, &sanitize(s))),
                None => String::new(),
            };
            let line = format!("{who}{}", excerpt(&hit.text, &hit.highlights, style));
            indented(out, style, &line)?;
        }
    }
    Ok(())
}

/// A time in a recording as people read it: `00:12:05`, `01:02:03`.
pub fn timecode(ms: u64) -> String {
    let s = ms / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// Metadata keys shown first in the summary line, when present: what tells films apart.
const KEY_FIELDS: [&str; 10] = [
    "year",
    "release_year",
    "type",
    "director",
    "imdb_rating",
    "rating",
    "runtime_minutes",
    "duration",
    "seasons",
    "episodes",
];

/// The short metadata values shown on the summary line, key fields first: `(key, value)`.
fn summary(meta: &Metadata) -> Vec<(&String, String)> {
    let rank = |k: &str| {
        KEY_FIELDS
            .iter()
            .position(|f| *f == k)
            .unwrap_or(KEY_FIELDS.len())
    };
    // A column that gave one of reel's fields (`release_year` for `year`) is shown once, as
    // reel's field.
    let mut entries: Vec<_> = meta
        .iter()
        .filter(|(k, v)| {
            !crate::meta::vocabulary::ALIASES.iter().any(|(column, _)| {
                *column == k.as_str()
                    && crate::meta::vocabulary::canonical(column, v)
                        .is_some_and(|(field, d)| meta.get(field) == Some(&d))
            })
        })
        .collect();
    entries.sort_by_key(|(k, _)| rank(k));
    entries
        .into_iter()
        .map(|(k, v)| (k, v.to_text()))
        .filter(|(_, v)| !v.is_empty() && v.len() <= META_VALUE_MAX)
        .take(META_FIELDS_SHOWN)
        .collect()
}

/// The passage, or the part of it with the most matches, with the matches highlighted. Every
/// cut falls on a character boundary, whatever the highlights say.
pub fn excerpt(text: &str, highlights: &[[usize; 2]], style: Style) -> String {
    excerpt_within(text, highlights, style, SNIPPET_BYTES, LEAD_BYTES)
}

/// [`excerpt`] with at most `max` bytes, `lead` of them before the first match.
fn excerpt_within(
    text: &str,
    highlights: &[[usize; 2]],
    style: Style,
    max: usize,
    lead: usize,
) -> String {
    let (start, end) = window(text, highlights, max, lead);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    for &[a, b] in highlights {
        let inside = pos <= a && a <= b && b <= end;
        if !inside || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
            continue;
        }
        out.push_str(&sanitize(&text[pos..a]));
        out.push_str(&style.paint(MATCH, &sanitize(&text[a..b])));
        pos = b;
    }
    out.push_str(&sanitize(&text[pos..end]));
    if end < text.len() {
        out.push('…');
    }
    out
}

/// The largest character boundary at or before `i` (bytes past the end count as the end).
fn floor_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The byte window of at most `max` bytes holding the most highlights, widened to start `lead`
/// bytes before its first match, cut at word boundaries (and always at character
/// boundaries: reviews are full of curly quotes and accents).
fn window(text: &str, highlights: &[[usize; 2]], max: usize, lead: usize) -> (usize, usize) {
    if text.len() <= max {
        return (0, text.len());
    }
    let best_first = highlights
        .iter()
        .map(|h| {
            let count = highlights
                .iter()
                .filter(|o| o[0] >= h[0] && o[1] <= h[0] + max - lead)
                .count();
            (count, std::cmp::Reverse(h[0]))
        })
        .max()
        .map_or(0, |(_, std::cmp::Reverse(s))| floor_boundary(text, s));
    let mut start = floor_boundary(text, best_first.saturating_sub(lead));
    if start > 0 {
        // Move forward to the start of a word.
        if let Some((i, c)) = text[start..]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
        {
            start = (start + i + c.len_utf8()).min(best_first);
        }
    }
    let mut end = floor_boundary(text, start + max);
    if end < text.len() {
        end = text[start..end]
            .rfind(char::is_whitespace)
            .map_or(end, |i| start + i);
    }
    (start, end.max(best_first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_whole_and_highlighted() {
        let s = excerpt(
            "the drug court",
            &[[4, 8], [9, 14]],
            Style {
                color: true,
                width: None,
            },
        );
        assert_eq!(s, "the \x1b[1;31mdrug\x1b[0m \x1b[1;31mcourt\x1b[0m");
        let s = excerpt(
            "the drug court",
            &[[4, 8]],
            Style {
                color: false,
                width: None,
            },
        );
        assert_eq!(s, "the drug court");
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        // Curly quotes and accents before the match put the window's start inside a character.
        let text = format!("{}target and more words after it", "“é’ ".repeat(40));
        let at = text.find("target").unwrap();
        for lead in 0..8 {
            let shifted = format!("{}{text}", "x".repeat(lead));
            let s = excerpt(&shifted, &[[at + lead, at + lead + 6]], Style::default());
            assert!(s.contains("target"), "{s}");
        }
        // Ranges that are not on boundaries, or outside the text, are ignored, not a panic.
        let s = excerpt(
            &text,
            &[[at, at + 6], [at + 2, at + 1], [9999, 10000]],
            Style {
                color: true,
                width: None,
            },
        );
        assert!(s.contains("\x1b[1;31mtarget"), "{s}");
        let s = excerpt("“é’ ".repeat(200).as_str(), &[], Style::default());
        assert!(s.ends_with('…'));
    }

    #[test]
    fn long_text_is_trimmed_around_matches() {
        let text = format!(
            "{} needle here {}",
            "word ".repeat(200),
            "tail ".repeat(200)
        );
        let at = text.find("needle").unwrap();
        let s = excerpt(&text, &[[at, at + 6]], Style::default());
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("needle here"));
        assert!(s.len() <= SNIPPET_BYTES + 8);
    }
}
