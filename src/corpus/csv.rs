//! CSV and TSV with a header row (RFC 4180: quoted fields, embedded newlines, `""` escapes).
//! A row with the wrong number of fields is reported (file and line) and skipped; the rest of
//! the file is read. Invalid UTF-8 is decoded lossily and a leading byte-order mark is dropped.
//! Records are numbered by row (the first row after the header is 1); warnings give the line.

use std::io::BufRead;

use super::records::{RawRecord, RawValue};
use super::{InputFile, Item};
use crate::error::{Error, Result};

/// Streams the rows of a CSV/TSV file to `f` (which returns false to stop).
pub fn stream(
    file: &InputFile,
    reader: Box<dyn BufRead + Send>,
    delimiter: u8,
    f: &mut dyn FnMut(Result<Item>) -> bool,
) -> Result<()> {
    let mut lines = LineCounter::new(file);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let headers: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| csv_error(file, e.to_string_kind(), Some(1)))?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h);
            let h = h.trim_start_matches('\u{feff}').trim();
            if h.is_empty() {
                format!("column_{}", i + 1)
            } else {
                h.to_string()
            }
        })
        .collect();
    let mut record = csv::ByteRecord::new();
    // Rows are numbered from 1 after the header, counting skipped rows, so a row's number does
    // not depend on which other rows were good.
    let mut row = 0u64;
    let mut lossy = false;
    loop {
        // Where this row starts: just past the previous one (the csv parser's own positions
        // for bad rows miss newlines inside quoted fields).
        let start = rdr.position().byte();
        let read = rdr.read_byte_record(&mut record);
        row += 1;
        match read {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let number = row;
                if !lossy && record.iter().any(|v| std::str::from_utf8(v).is_err()) {
                    lossy = true;
                    let warning = Error::Lossy {
                        path: file.path.clone(),
                        line: lines.line_at(start),
                    };
                    if !f(Err(warning)) {
                        return Ok(());
                    }
                }
                let fields = headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| {
                        (
                            h.clone(),
                            RawValue::Str(String::from_utf8_lossy(v).into_owned()),
                        )
                    })
                    .collect();
                if !f(Ok(Item::Record(RawRecord { number, fields }))) {
                    return Ok(());
                }
            }
            Err(e) if matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) => {
                let mut err = csv_error(file, e.to_string_kind(), None);
                if let Error::Record { line, .. } = &mut err {
                    *line = lines.line_at(start);
                }
                if !f(Err(err)) {
                    return Ok(());
                }
            }
            Err(e) => {
                let line = lines.line_at(start);
                return Err(csv_error(file, e.to_string_kind(), Some(line)));
            }
        }
    }
}

/// What a csv error says, without the position (reel reports its own line numbers).
trait KindMessage {
    fn to_string_kind(&self) -> String;
}

impl KindMessage for csv::Error {
    fn to_string_kind(&self) -> String {
        match self.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("row has {len} fields, the header has {expected_len}; row skipped"),
            csv::ErrorKind::Io(io) => io.to_string(),
            _ => self.to_string(),
        }
    }
}

fn csv_error(file: &InputFile, message: String, line: Option<u64>) -> Error {
    Error::Record {
        path: file.path.clone(),
        line: line.unwrap_or(0),
        message,
    }
}

/// Turns byte offsets into line numbers by reading the file a second time, forward only, and
/// only when a row is bad (the csv parser's own line count misses newlines inside quoted fields
/// of CRLF files). Work is bounded by one pass over the file however many rows are bad.
struct LineCounter<'a> {
    file: &'a InputFile,
    reader: Option<Box<dyn BufRead + Send>>,
    byte: u64,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(file: &'a InputFile) -> Self {
        LineCounter {
            file,
            reader: None,
            byte: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, byte: u64) -> u64 {
        if self.reader.is_none() {
            self.reader = super::open(self.file, None).ok();
        }
        let Some(reader) = self.reader.as_mut() else {
            return 0;
        };
        while self.byte < byte {
            let Ok(buf) = reader.fill_buf() else { break };
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min((byte - self.byte) as usize);
            self.line += buf[..take].iter().filter(|&&b| b == b'\n').count() as u64;
            self.byte += take as u64;
            reader.consume(take);
        }
        // A row ended by CRLF is reported as ending before its LF: that LF is not in the next row.
        if self.byte == byte {
            if let Ok([b'\n', ..]) = reader.fill_buf() {
                self.line += 1;
                self.byte += 1;
                reader.consume(1);
            }
        }
        self.line
    }
}
