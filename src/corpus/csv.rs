//! CSV and TSV with a header row (RFC 4180: quoted fields, embedded newlines, `""` escapes).
//! A row with the wrong number of fields is reported (file and line) and skipped; the rest of
//! the file is read. Invalid UTF-8 is decoded lossily and a leading byte-order mark is dropped.

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
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let headers: Vec<String> = rdr
        .byte_headers()
        .map_err(|e| csv_error(file, e))?
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
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let number = record.position().map_or(0, |p| p.line());
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
                if !f(Err(csv_error(file, e))) {
                    return Ok(());
                }
            }
            Err(e) => return Err(csv_error(file, e)),
        }
    }
}

fn csv_error(file: &InputFile, e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("row has {len} fields, the header has {expected_len}; row skipped"),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    Error::Record {
        path: file.path.clone(),
        line,
        message,
    }
}
