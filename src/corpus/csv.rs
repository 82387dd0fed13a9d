//! CSV and TSV with a header row (RFC 4180: quoted fields, embedded newlines, `""` escapes),
//! read line by line so that every message gives the exact line.
//!
//! - The delimiter of a `.csv` file is the one its header line uses most among `,` `;` tab `|`
//!   (European spreadsheets write `;`); a `.tsv` file uses tabs.
//! - A row with the wrong number of fields is reported (file and line) and skipped.
//! - An unterminated quote does not swallow the rest of the file: when a quoted field runs to
//!   the end of the file, or beyond [`MAX_QUOTED_LINES`] lines, or gives its row the wrong number
//!   of fields, the row's first line is reported as broken and reading goes on at the next line.
//! - A field that is not UTF-8 is read as Windows-1252 (reported once, with its line) and a leading byte-order
//!   mark is dropped.
//!
//! Records are numbered by row (the first row after the header is 1, skipped rows counted).
//!
//! Written here rather than with the `csv` crate: that reader takes an unterminated quote through
//! to the end of the file as one field (every row after it lost, one error for the file), and it
//! cannot go back to the line after a broken row; catalogue exports with a stray `"` are common
//! enough that losing one line instead of the rest of the file is the behaviour users need.

use std::collections::VecDeque;
use std::io::BufRead;

use super::records::{RawRecord, RawValue};
use super::{InputFile, Item};
use crate::error::{Error, Result};

/// Most lines one quoted field may span before its quote is taken as unterminated. Reviews with
/// paragraphs inside a quoted field stay far below this.
pub const MAX_QUOTED_LINES: usize = 2000;

/// Delimiters a `.csv` file may use, in order of preference when counts tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Streams the rows of a CSV/TSV file to `f` (which returns false to stop). `delimiter` is
/// `,` for `.csv` files (the header line decides among [`DELIMITERS`]) or tab.
pub fn stream(
    file: &InputFile,
    reader: Box<dyn BufRead + Send>,
    delimiter: u8,
    f: &mut dyn FnMut(Result<Item>) -> bool,
) -> Result<()> {
    let mut lines = Lines {
        src: reader,
        next_line: 1,
        pending: VecDeque::new(),
        first: true,
        held: Vec::new(),
    };
    let read_err = |source| Error::Read {
        path: file.path.clone(),
        source,
    };
    let Some((headers, delimiter)) = read_header(&mut lines, delimiter).map_err(read_err)? else {
        return Ok(());
    };
    let mut row = 0u64;
    let mut lossy = false;
    loop {
        let (lossy_warning, item) = match read_row(&mut lines, delimiter).map_err(read_err)? {
            Row::End => return Ok(()),
            read => {
                row += 1;
                row_item(file, &headers, row, read, &mut lines, &mut lossy)
            }
        };
        if let Some(w) = lossy_warning {
            if !f(Err(w)) {
                return Ok(());
            }
        }
        if !f(item) {
            return Ok(());
        }
    }
}

/// The column names of the header row (an empty one is `column_N`) and the delimiter the file
/// uses; `None` for an empty file.
fn read_header(lines: &mut Lines, delimiter: u8) -> std::io::Result<Option<(Vec<String>, u8)>> {
    let Some((header_line, header_bytes)) = lines.next()? else {
        return Ok(None);
    };
    let delimiter = if delimiter == b',' {
        detect_delimiter(&header_bytes)
    } else {
        delimiter
    };
    lines.push_back(header_line, header_bytes);
    let header = match read_row(lines, delimiter)? {
        Row::Fields { fields, .. } | Row::Unterminated { fields, .. } => fields,
        Row::End => return Ok(None),
    };
    let headers = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = super::decode(h);
            let h = h.trim();
            if h.is_empty() {
                format!("column_{}", i + 1)
            } else {
                h.to_string()
            }
        })
        .collect();
    Ok(Some((headers, delimiter)))
}

/// What one row read gives: a record, or a warning (a broken quote, which also gives back the
/// lines after the row's first to be read again; a wrong number of fields); and, first, the
/// file's first invalid UTF-8.
fn row_item(
    file: &InputFile,
    headers: &[String],
    row: u64,
    read: Row,
    lines: &mut Lines,
    lossy: &mut bool,
) -> (Option<Error>, Result<Item>) {
    let (first_line, last_line, fields, unterminated) = match read {
        Row::End => unreachable!("the caller stops at the end"),
        Row::Fields {
            first_line,
            last_line,
            fields,
        } => (first_line, last_line, fields, false),
        Row::Unterminated {
            first_line,
            last_line,
            fields,
        } => (first_line, last_line, fields, true),
    };
    if unterminated || (fields.len() != headers.len() && last_line > first_line) {
        // A quote opened on the first line never closed, or closed far away in another row:
        // the first line is lost, the lines after it are read again as rows of their own.
        lines.rewind_after(first_line);
        let message = if unterminated {
            "unterminated quote; this row is skipped and reading goes on at the next line"
                .to_string()
        } else {
            format!(
                "a quote opened here runs to line {last_line} and gives the row {} fields \
                 (the header has {}); this row is skipped and reading goes on at the next line",
                fields.len(),
                headers.len()
            )
        };
        return (None, Err(record_error(file, first_line, message)));
    }
    if fields.len() != headers.len() {
        let message = format!(
            "row has {} fields, the header has {}; row skipped",
            fields.len(),
            headers.len()
        );
        return (None, Err(record_error(file, first_line, message)));
    }
    let mut warning = None;
    if !*lossy && fields.iter().any(|v| std::str::from_utf8(v).is_err()) {
        *lossy = true;
        warning = Some(Error::Lossy {
            path: file.path.clone(),
            line: first_line + first_bad_line(&fields),
        });
    }
    let named = headers
        .iter()
        .zip(fields)
        .map(|(h, v)| {
            let v = match String::from_utf8(v) {
                Ok(s) => s,
                Err(e) => super::decode(e.as_bytes()).into_owned(),
            };
            (h.clone(), RawValue::Str(v))
        })
        .collect();
    (
        warning,
        Ok(Item::Record(RawRecord::new(row, first_line, named))),
    )
}

fn record_error(file: &InputFile, line: u64, message: String) -> Error {
    Error::Record {
        path: file.path.clone(),
        line,
        message,
    }
}

/// Lines of a row's fields before the first field holding invalid UTF-8 (newlines inside quoted
/// fields move it down).
fn first_bad_line(fields: &[Vec<u8>]) -> u64 {
    let mut newlines = 0;
    for f in fields {
        if let Err(e) = std::str::from_utf8(f) {
            let before = &f[..e.valid_up_to()];
            return newlines + before.iter().filter(|&&b| b == b'\n').count() as u64;
        }
        newlines += f.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    newlines
}

/// The delimiter a header line uses most, outside quotes (`,` when none appears).
fn detect_delimiter(line: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..DELIMITERS.len())
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        DELIMITERS[best]
    }
}

/// The physical lines of the file, each with its number; lines can be given back to be read
/// again (after a broken quote).
struct Lines {
    src: Box<dyn BufRead + Send>,
    next_line: u64,
    pending: VecDeque<(u64, Vec<u8>)>,
    first: bool,
    /// The lines of the row being read, kept until the next row starts (to read them again).
    held: Vec<(u64, Vec<u8>)>,
}

impl Lines {
    /// The next line (with its `\n`, if any) and its number; `None` at the end.
    fn next(&mut self) -> std::io::Result<Option<(u64, Vec<u8>)>> {
        if let Some(line) = self.pending.pop_front() {
            return Ok(Some(line));
        }
        let mut buf = Vec::new();
        if self.src.read_until(b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        if self.first {
            self.first = false;
            if buf.starts_with(b"\xef\xbb\xbf") {
                buf.drain(..3);
            }
        }
        let number = self.next_line;
        self.next_line += 1;
        Ok(Some((number, buf)))
    }

    fn push_back(&mut self, number: u64, line: Vec<u8>) {
        self.pending.push_front((number, line));
    }

    /// Gives back the lines of the row just read that come after `first_line`, to be read again.
    fn rewind_after(&mut self, first_line: u64) {
        let mut taken = std::mem::take(&mut self.held);
        taken.retain(|(n, _)| *n > first_line);
        for line in taken.into_iter().rev() {
            self.pending.push_front(line);
        }
    }
}

/// What [`read_row`] found.
enum Row {
    /// A complete row: its first and last line and its fields.
    Fields {
        first_line: u64,
        last_line: u64,
        fields: Vec<Vec<u8>>,
    },
    /// A quoted field that never closed (at the end of the file or past [`MAX_QUOTED_LINES`]),
    /// or a row over several lines where a closing quote was followed by more text (the sign
    /// of a quote that closed in another row).
    Unterminated {
        first_line: u64,
        last_line: u64,
        fields: Vec<Vec<u8>>,
    },
    /// No more rows.
    End,
}

/// Where the parser is within a row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the field closes, or it is the first of `""`.
    QuoteInQuoted,
}

impl State {
    /// One byte of a row; `at_end` for the bytes of the line's end (`\n` or `\r\n`), which
    /// are data only inside a quoted field.
    fn step(
        self,
        b: u8,
        at_end: bool,
        delimiter: u8,
        field: &mut Vec<u8>,
        fields: &mut Vec<Vec<u8>>,
        irregular: &mut bool,
    ) -> State {
        match self {
            State::FieldStart | State::Unquoted if at_end => self,
            State::FieldStart if b == b'"' => State::Quoted,
            State::FieldStart | State::Unquoted if b == delimiter => {
                fields.push(std::mem::take(field));
                State::FieldStart
            }
            State::FieldStart | State::Unquoted => {
                field.push(b);
                State::Unquoted
            }
            State::Quoted if b == b'"' => State::QuoteInQuoted,
            State::Quoted => {
                field.push(b);
                State::Quoted
            }
            State::QuoteInQuoted if b == b'"' => {
                field.push(b'"');
                State::Quoted
            }
            State::QuoteInQuoted if at_end => self,
            State::QuoteInQuoted if b == delimiter => {
                fields.push(std::mem::take(field));
                State::FieldStart
            }
            State::QuoteInQuoted => {
                field.push(b);
                *irregular = true;
                State::Unquoted
            }
        }
    }
}

/// Reads one row, across lines while a quoted field is open. Blank lines between rows are
/// skipped. A quote inside an unquoted field is kept as text, and text after a closing quote
/// joins the field, as the csv crate and spreadsheets read them.
fn read_row(lines: &mut Lines, delimiter: u8) -> std::io::Result<Row> {
    lines.held.clear();
    let mut fields: Vec<Vec<u8>> = Vec::new();
    let mut field: Vec<u8> = Vec::new();
    let mut state = State::FieldStart;
    let mut first_line = 0;
    let mut last_line = 0;
    let mut spanned = 0usize;
    // A closing quote followed by text other than a delimiter or the end of the line.
    let mut irregular = false;
    loop {
        let Some((number, line)) = lines.next()? else {
            if first_line == 0 {
                return Ok(Row::End);
            }
            fields.push(field);
            return Ok(if state == State::Quoted {
                Row::Unterminated {
                    first_line,
                    last_line,
                    fields,
                }
            } else {
                Row::Fields {
                    first_line,
                    last_line,
                    fields,
                }
            });
        };
        if first_line == 0 {
            if line
                .iter()
                .all(|b| matches!(b, b'\n' | b'\r' | b' ' | b'\t'))
                && delimiter != b' '
            {
                continue;
            }
            first_line = number;
        }
        last_line = number;
        spanned += 1;
        lines.held.push((number, line));
        let line = &lines.held[lines.held.len() - 1].1;
        // Where the line's end (`\n` or `\r\n`) starts: data inside a quoted field, the end of
        // the row anywhere else.
        let without_lf = line.strip_suffix(b"\n").unwrap_or(line);
        let body_end = if without_lf.len() < line.len() {
            without_lf.strip_suffix(b"\r").unwrap_or(without_lf).len()
        } else {
            line.len()
        };
        for (i, &b) in line.iter().enumerate() {
            state = state.step(
                b,
                i >= body_end,
                delimiter,
                &mut field,
                &mut fields,
                &mut irregular,
            );
        }
        if state != State::Quoted {
            fields.push(field);
            if irregular && last_line > first_line {
                return Ok(Row::Unterminated {
                    first_line,
                    last_line,
                    fields,
                });
            }
            return Ok(Row::Fields {
                first_line,
                last_line,
                fields,
            });
        }
        if spanned >= MAX_QUOTED_LINES {
            fields.push(field);
            return Ok(Row::Unterminated {
                first_line,
                last_line,
                fields,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<(u64, Vec<String>)> {
        let mut lines = Lines {
            src: Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            next_line: 1,
            pending: VecDeque::new(),
            first: true,
            held: Vec::new(),
        };
        let mut out = Vec::new();
        loop {
            match read_row(&mut lines, b',').unwrap() {
                Row::End => return out,
                Row::Fields {
                    first_line, fields, ..
                } => out.push((
                    first_line,
                    fields
                        .into_iter()
                        .map(|f| String::from_utf8(f).unwrap())
                        .collect(),
                )),
                Row::Unterminated { first_line, .. } => {
                    lines.rewind_after(first_line);
                    out.push((first_line, vec!["<unterminated>".into()]));
                }
            }
        }
    }

    #[test]
    fn quoting_as_rfc_4180_says() {
        assert_eq!(
            rows("a,\"b,c\",\"d \"\"e\"\"\"\r\n\nx,\"multi\nline\",z\n"),
            [
                (1, vec!["a".into(), "b,c".into(), "d \"e\"".into()]),
                (3, vec!["x".into(), "multi\nline".into(), "z".into()]),
            ]
        );
        // CRLF line ends, also after a closing quote and inside a quoted field.
        assert_eq!(
            rows("a,\"b\"\r\n\"c\r\nd\",e\r\n"),
            [
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["c\r\nd".into(), "e".into()]),
            ]
        );
        // A quote inside an unquoted field is text.
        assert_eq!(
            rows("5\" screen,b\n"),
            [(1, vec!["5\" screen".into(), "b".into()])]
        );
    }

    #[test]
    fn an_unterminated_quote_loses_one_line() {
        assert_eq!(
            rows("a,\"broken\nb,c\nd,e\n"),
            [
                (1, vec!["<unterminated>".into()]),
                (2, vec!["b".into(), "c".into()]),
                (3, vec!["d".into(), "e".into()]),
            ]
        );
    }

    #[test]
    fn a_quote_that_closes_in_another_row_loses_one_line() {
        assert_eq!(
            rows("1,\"broken\n2,\"quoted, closed\"\n3,x\n"),
            [
                (1, vec!["<unterminated>".into()]),
                (2, vec!["2".into(), "quoted, closed".into()]),
                (3, vec!["3".into(), "x".into()]),
            ]
        );
    }

    #[test]
    fn delimiters_are_detected_from_the_header() {
        assert_eq!(detect_delimiter(b"a;b;c\n"), b';');
        assert_eq!(detect_delimiter(b"a,b;c,d\n"), b',');
        assert_eq!(detect_delimiter(b"a|b|c\n"), b'|');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter(b"single\n"), b',');
    }
}
