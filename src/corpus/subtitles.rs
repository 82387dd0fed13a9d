//! Subtitles and transcripts: SubRip (`.srt`), WebVTT (`.vtt`), and text files whose lines start
//! with timestamps (`[00:12:05]`, `00:12:05`). Cues lose their tags (`<i>`, `<v Speaker>`,
//! `{\an8}`) and settings; a WebVTT voice, or a transcript line's `NAME:`, is who speaks.
//! Cues are merged into passages of about a paragraph: a new one starts at a pause of
//! [`PAUSE_MS`] or more, when the speaker changes, or once one holds [`SPAN_MS`] of speech, so
//! each hit says when it is said (`film.srt:120 00:12:05`).
//!
//! The cue grammar is small and fixed (a timing line, lines of text with a handful of tags
//! that are not HTML: `<v Jan>` names a voice, `<00:01.500>` is a time), so it is read here by
//! hand rather than by an HTML parser, which would take `<v Jan>` for an element named `v`.

use super::blocks::{self, Block};
use super::{Document, Format, InputFile};
use crate::error::{Error, Result};
use crate::meta::{MetaValue, Metadata};

/// A pause this long between cues starts a new passage (a new sentence or turn: cue timings
/// leave under a second between the lines of one sentence).
pub const PAUSE_MS: u64 = 2_000;
/// A passage holds at most about this much speech: 30 s is some 75 words at the 150 words a
/// minute of documentary narration, the size of a review's paragraph.
pub const SPAN_MS: u64 = 30_000;
/// A transcript's last stamped line is taken to last this long.
const LAST_LINE_MS: u64 = 5_000;

/// One cue: its text, when, who, and the line its text starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Start, in milliseconds.
    pub start: u64,
    /// End, in milliseconds.
    pub end: u64,
    /// The text, without tags.
    pub text: String,
    /// Who speaks, if the cue says.
    pub speaker: Option<String>,
    /// The 1-based line of the file its text starts on.
    pub line: u64,
}

/// Reads a subtitle file into its document.
pub fn read(file: &InputFile, bytes: &[u8], warn: &mut dyn FnMut(&Error)) -> Result<Document> {
    let head = &bytes[..bytes.len().min(super::encoding::BINARY_SNIFF_BYTES)];
    if head.iter().filter(|&&b| b == 0).count() > head.len() / 100 + 1 {
        return Err(Error::Record {
            path: file.path.clone(),
            line: 1,
            message: "binary file, skipped".into(),
        });
    }
    let text = super::decode(bytes);
    let mut bad = |line: u64, message: String| {
        warn(&Error::Record {
            path: file.path.clone(),
            line,
            message,
        })
    };
    let (cues, header) = match file.format {
        Format::Vtt => parse_vtt(&text, &mut bad),
        _ => (parse_srt(&text, &mut bad), Header::default()),
    };
    if cues.is_empty() {
        return Err(Error::Record {
            path: file.path.clone(),
            line: 1,
            message: "no cue with a valid timing line, skipped".into(),
        });
    }
    let mut metadata = Metadata::new();
    if let Some(lang) = header.language {
        metadata.insert("language".into(), MetaValue::Text(lang));
    }
    let title = header.title.unwrap_or_else(|| file_stem(file));
    Ok(blocks::document(file, title, group(&cues), metadata))
}

/// The file's name without its extensions, as a title.
fn file_stem(file: &InputFile) -> String {
    file.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .map(|n| n.split('.').next().unwrap_or("").to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| file.file_id())
}

/// Cues merged into blocks of about a paragraph (see the module documentation).
pub fn group(cues: &[Cue]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for c in cues {
        if c.text.is_empty() {
            continue;
        }
        let joins = out.last().is_some_and(|b| {
            let (start, end) = (b.start_ms.unwrap_or(0), b.end_ms.unwrap_or(0));
            b.speaker == c.speaker
                && c.start < end + PAUSE_MS
                && c.end.saturating_sub(start) <= SPAN_MS
        });
        if joins {
            let b = out.last_mut().expect("joins a block");
            b.text.push(' ');
            b.text.push_str(&c.text);
            b.end_ms = Some(b.end_ms.unwrap_or(0).max(c.end));
        } else {
            out.push(Block {
                text: c.text.clone(),
                line: c.line,
                heading: None,
                start_ms: Some(c.start),
                end_ms: Some(c.end),
                speaker: c.speaker.clone(),
            });
        }
    }
    out
}

/// What a WebVTT header or note says of the file.
#[derive(Debug, Default)]
struct Header {
    title: Option<String>,
    language: Option<String>,
}

/// SubRip: blocks of an optional number, a timing line and text lines, separated by blank
/// lines. A block whose timing line cannot be read is skipped with a warning naming its line.
fn parse_srt(text: &str, bad: &mut dyn FnMut(u64, String)) -> Vec<Cue> {
    let mut cues = Vec::new();
    for (first_line, block) in blocks_of(text) {
        let Some(t) = block.iter().position(|(_, l)| l.contains("-->")) else {
            // Text after a cue's blank line: it belongs to the cue before.
            if let Some(last) = cues.last_mut() {
                let more = clean_cue(&block.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n"));
                if !more.0.is_empty() && !is_number(&more.0) {
                    let c: &mut Cue = last;
                    c.text.push(' ');
                    c.text.push_str(&more.0);
                }
            }
            continue;
        };
        let (line_no, timing) = block[t];
        match timing_of(timing) {
            Some((start, end)) => {
                let lines: Vec<&str> = block[t + 1..].iter().map(|(_, l)| *l).collect();
                let text_line = block.get(t + 1).map_or(line_no, |(n, _)| *n);
                let (text, speaker) = clean_cue(&lines.join("\n"));
                let (speaker, text) = match speaker {
                    Some(s) => (Some(s), text),
                    None => split_speaker(&text, true),
                };
                cues.push(Cue {
                    start,
                    end,
                    text,
                    speaker,
                    line: text_line,
                });
            }
            None => bad(
                line_no,
                format!(
                    "timing line `{}` cannot be read; cue skipped",
                    short(timing)
                ),
            ),
        }
        let _ = first_line;
    }
    cues
}

/// WebVTT: a `WEBVTT` line and header lines, then blocks: cues (an optional identifier, a
/// timing line with optional settings, text), `NOTE`s (a `NOTE Title: ...` names the file),
/// `STYLE` and `REGION` blocks.
fn parse_vtt(text: &str, bad: &mut dyn FnMut(u64, String)) -> (Vec<Cue>, Header) {
    let mut header = Header::default();
    let mut cues = Vec::new();
    let mut first = true;
    for (_, block) in blocks_of(text) {
        let head = block[0].1.trim_start_matches('\u{feff}');
        if first {
            first = false;
            if head.starts_with("WEBVTT") {
                for (_, l) in &block[1..] {
                    header_line(l, &mut header);
                }
                continue;
            }
        }
        if let Some(note) = head.strip_prefix("NOTE") {
            for l in std::iter::once(note).chain(block[1..].iter().map(|(_, l)| *l)) {
                header_line(l.trim(), &mut header);
            }
            continue;
        }
        if head == "STYLE" || head == "REGION" {
            continue;
        }
        let Some(t) = block.iter().position(|(_, l)| l.contains("-->")) else {
            continue;
        };
        let (line_no, timing) = block[t];
        match timing_of(timing) {
            Some((start, end)) => {
                let lines: Vec<&str> = block[t + 1..].iter().map(|(_, l)| *l).collect();
                let (text, speaker) = clean_cue(&lines.join("\n"));
                cues.push(Cue {
                    start,
                    end,
                    text,
                    speaker,
                    line: block.get(t + 1).map_or(line_no, |(n, _)| *n),
                });
            }
            None => bad(
                line_no,
                format!(
                    "timing line `{}` cannot be read; cue skipped",
                    short(timing)
                ),
            ),
        }
    }
    (cues, header)
}

fn header_line(l: &str, header: &mut Header) {
    if let Some((k, v)) = l.split_once(':') {
        let v = v.trim();
        if v.is_empty() {
            return;
        }
        match k.trim().to_ascii_lowercase().as_str() {
            "title" => header.title = Some(v.to_string()),
            "language" => header.language = Some(v.to_string()),
            _ => {}
        }
    }
}

/// The blocks of a text between its blank lines, each line with its 1-based number.
fn blocks_of(text: &str) -> Vec<(u64, Vec<(u64, &str)>)> {
    let mut out = Vec::new();
    let mut cur: Vec<(u64, &str)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        let l = line.trim_end_matches('\r');
        if l.trim().is_empty() {
            if !cur.is_empty() {
                out.push((cur[0].0, std::mem::take(&mut cur)));
            }
        } else {
            cur.push((n, l));
        }
    }
    if !cur.is_empty() {
        out.push((cur[0].0, cur));
    }
    out
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `00:12:05,250 --> 00:12:07,000 align:start`: start and end in milliseconds.
fn timing_of(line: &str) -> Option<(u64, u64)> {
    let (a, b) = line.split_once("-->")?;
    let start = timestamp(a.trim())?;
    let end = timestamp(b.split_whitespace().next()?)?;
    Some((start, end.max(start)))
}

/// `HH:MM:SS,mmm`, `HH:MM:SS.mmm`, `MM:SS.mmm`, `HH:MM:SS`, `MM:SS`: milliseconds.
pub fn timestamp(s: &str) -> Option<u64> {
    let (clock, millis) = match s.rsplit_once([',', '.']) {
        Some((c, m)) if !m.is_empty() && m.len() <= 3 && m.bytes().all(|b| b.is_ascii_digit()) => {
            (c, m.parse::<u64>().ok()? * 10u64.pow(3 - m.len() as u32))
        }
        Some(_) => return None,
        None => (s, 0),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n = |p: &str| p.parse::<u64>().ok();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (n(h)?, n(m)?, n(s)?),
        [m, s] => (0, n(m)?, n(s)?),
        _ => return None,
    };
    if m >= 60 || sec >= 60 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + millis)
}

/// A cue's text without its tags and entities, on one line, and the voice it names (WebVTT
/// `<v Speaker>`).
fn clean_cue(raw: &str) -> (String, Option<String>) {
    let mut out = String::with_capacity(raw.len());
    let mut speaker: Option<String> = None;
    let mut rest = raw;
    while let Some(i) = rest.find(['<', '{']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let close = if tail.starts_with('<') { '>' } else { '}' };
        match tail.find(close) {
            Some(end) => {
                let tag = &tail[1..end];
                if close == '>' {
                    if let Some(v) = tag.strip_prefix('v').filter(|t| t.starts_with([' ', '.'])) {
                        // `<v Jan Rader>` or `<v.loud Jan>`: the name after the classes.
                        let name = v.split_once(' ').map(|(_, n)| n).unwrap_or("").trim();
                        if !name.is_empty() && speaker.is_none() {
                            speaker = Some(name.to_string());
                        }
                    }
                }
                rest = &tail[end + 1..];
            }
            None => {
                // A lone `<` or `{` is text.
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    let text = decode_entities(&out);
    (blocks::collapse(&text), speaker)
}

/// The entities cue text uses.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&lrm;", "")
        .replace("&rlm;", "")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `JAN RADER: Text` (or, when `caps_only` is false, `Jan Rader: Text`): the speaker and the
/// rest. A name is one to four words, each starting with a capital, before `: `.
pub fn split_speaker(text: &str, caps_only: bool) -> (Option<String>, String) {
    let Some((name, rest)) = text.split_once(": ") else {
        return (None, text.to_string());
    };
    let words: Vec<&str> = name.split_whitespace().collect();
    let ok = (1..=4).contains(&words.len())
        && name.len() <= 40
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '.' | '\'' | '-'))
        })
        && (!caps_only || !name.chars().any(char::is_lowercase));
    if ok && !rest.trim().is_empty() {
        (Some(name.trim().to_string()), rest.trim().to_string())
    } else {
        (None, text.to_string())
    }
}

/// A timestamp at the start of a transcript line: `[00:12:05]`, `(00:12:05)`, `00:12:05`,
/// `[12:05]`, then the text after it.
fn stamp(line: &str) -> Option<(u64, &str)> {
    let l = line.trim_start();
    let (inner, rest) = if let Some(r) = l.strip_prefix('[') {
        r.split_once(']')?
    } else if let Some(r) = l.strip_prefix('(') {
        r.split_once(')')?
    } else {
        let end = l.find(char::is_whitespace).unwrap_or(l.len());
        (&l[..end], &l[end..])
    };
    let inner = inner.trim();
    if !inner.contains(':') {
        return None;
    }
    let ms = timestamp(inner)?;
    Some((ms, rest.trim_start_matches([' ', '-', '–', '—']).trim()))
}

/// The cues of a text transcript, if it is one: at least three lines, and a third of its
/// non-empty lines, start with a timestamp. Lines without one continue the cue above. Each cue
/// lasts until the next; `offset_line` is the line of `text`'s first line in its file.
pub fn transcript(text: &str, offset_line: u64) -> Option<Vec<Cue>> {
    let lines: Vec<&str> = text.lines().collect();
    let nonempty = lines.iter().filter(|l| !l.trim().is_empty()).count();
    let stamped = lines.iter().filter(|l| stamp(l).is_some()).count();
    if stamped < 3 || stamped * 3 < nonempty {
        return None;
    }
    let mut cues: Vec<Cue> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let n = offset_line + i as u64;
        match stamp(l) {
            Some((ms, rest)) => {
                if let Some(prev) = cues.last_mut() {
                    prev.end = ms.max(prev.start);
                }
                let (speaker, rest) = split_speaker(rest, false);
                cues.push(Cue {
                    start: ms,
                    end: ms + LAST_LINE_MS,
                    text: blocks::collapse(&rest),
                    speaker,
                    line: n,
                });
            }
            None if !l.trim().is_empty() => {
                if let Some(prev) = cues.last_mut() {
                    if !prev.text.is_empty() {
                        prev.text.push(' ');
                    }
                    prev.text.push_str(&blocks::collapse(l));
                }
            }
            None => {}
        }
    }
    Some(cues)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRT: &str = "1\n00:00:01,000 --> 00:00:03,500\n<i>In Huntington,</i> West Virginia,\n\n2\n00:00:03,700 --> 00:00:06,000\nthe fire chief answers {\\an8}every call.\n\n3\n00:00:10,000 --> 00:00:12,000\nJAN RADER: We don't stop.\n\n4\n00:00:bad --> 00:00:14,000\nlost\n\n5\n00:00:14,000 --> 00:00:15,000\nStill me.\n";

    #[test]
    fn srt_cues_lose_their_tags_and_merge_into_passages() {
        let mut warnings = Vec::new();
        let cues = parse_srt(SRT, &mut |line, m| warnings.push((line, m)));
        assert_eq!(cues.len(), 4);
        assert_eq!(cues[0].text, "In Huntington, West Virginia,");
        assert_eq!(cues[1].text, "the fire chief answers every call.");
        assert_eq!(cues[2].speaker.as_deref(), Some("JAN RADER"));
        assert_eq!(cues[2].text, "We don't stop.");
        assert_eq!(cues[0].line, 3);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].0, 14);
        let blocks = group(&cues);
        assert_eq!(blocks.len(), 3, "a pause and a speaker change: {blocks:?}");
        assert_eq!(
            blocks[0].text,
            "In Huntington, West Virginia, the fire chief answers every call."
        );
        assert_eq!(
            (blocks[0].start_ms, blocks[0].end_ms),
            (Some(1000), Some(6000))
        );
        assert_eq!(blocks[1].speaker.as_deref(), Some("JAN RADER"));
    }

    #[test]
    fn vtt_voices_settings_and_notes() {
        let vtt = "WEBVTT\nLanguage: en\n\nNOTE Title: Heroin(e) transcript\n\nSTYLE\n::cue { color: red }\n\nintro\n00:01.000 --> 00:04.000 align:start position:10%\n<v Jan Rader>We go &amp; we <c.loud>go</c> again.</v>\n\n00:00:04.500 --> 00:00:06.000\n<v Jan Rader>And again.\n";
        let (cues, header) = parse_vtt(vtt, &mut |_, _| panic!("no bad line"));
        assert_eq!(header.title.as_deref(), Some("Heroin(e) transcript"));
        assert_eq!(header.language.as_deref(), Some("en"));
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[0].text, "We go & we go again.");
        assert_eq!(cues[0].speaker.as_deref(), Some("Jan Rader"));
        assert_eq!((cues[0].start, cues[0].end), (1000, 4000));
        assert_eq!(cues[0].line, 11);
        assert_eq!(group(&cues).len(), 1);
    }

    #[test]
    fn timestamps_and_transcripts() {
        assert_eq!(timestamp("00:12:05,250"), Some(725_250));
        assert_eq!(timestamp("12:05.5"), Some(725_500));
        assert_eq!(timestamp("01:00:00"), Some(3_600_000));
        assert_eq!(timestamp("00:61:00"), None);
        assert_eq!(timestamp("ab:cd"), None);
        assert_eq!(timestamp("00:00:01,abcd"), None);
        let t = "Interview\n[00:00:05] Jan Rader: We started in 2014.\nand kept going.\n[00:00:20] Necia Freeman: Brown Bags of Hope.\n00:01:10 The court session opens.\n";
        let cues = transcript(t, 1).unwrap();
        assert_eq!(cues.len(), 3);
        assert_eq!(cues[0].text, "We started in 2014. and kept going.");
        assert_eq!(cues[0].speaker.as_deref(), Some("Jan Rader"));
        assert_eq!((cues[0].start, cues[0].end), (5_000, 20_000));
        assert_eq!(cues[2].line, 5);
        assert!(transcript("No stamps here.\nNone at all.\n", 1).is_none());
        assert_eq!(split_speaker("Note that: this", true).0, None);
    }
}
