//! JSON Lines (one object per line) and JSON files (an array of objects, one object, or several
//! values one after another, as JSON Lines saved as `.json`), all streamed. Nested objects are
//! flattened (`metadata.source` becomes `metadata_source`), arrays of scalars become lists, nulls
//! are absent, integers too large for 64 bits keep their exact digits (as text). A line or
//! element that is not a JSON object is reported with its line and skipped.

use std::io::{BufRead, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::records::{RawRecord, RawValue};
use super::{InputFile, Item};
use crate::error::{Error, Result};

/// Streams the lines of a JSON Lines file to `f` as unparsed items (parsing happens in the
/// indexing workers, in parallel).
pub fn stream_lines(
    file: &InputFile,
    mut reader: Box<dyn BufRead + Send>,
    f: &mut dyn FnMut(Result<Item>) -> bool,
) -> Result<()> {
    let mut buf = Vec::new();
    let mut number = 0u64;
    let mut lossy = false;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| Error::Read {
                path: file.path.clone(),
                source,
            })?;
        if n == 0 {
            return Ok(());
        }
        number += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line = match String::from_utf8(std::mem::take(&mut buf)) {
            Ok(s) => s,
            Err(e) => {
                if !lossy {
                    lossy = true;
                    let warning = Error::Lossy {
                        path: file.path.clone(),
                        line: number,
                    };
                    if !f(Err(warning)) {
                        return Ok(());
                    }
                }
                super::decode(e.as_bytes()).into_owned()
            }
        };
        if !f(Ok(Item::JsonLine { number, line })) {
            return Ok(());
        }
    }
}

/// Parses one JSON line into a record.
pub fn parse_line(path: &Path, number: u64, line: &str) -> Result<RawRecord> {
    let value: Value =
        serde_json::from_str(&quote_long_integers(line.trim_end())).map_err(|e| {
            let full = e.to_string();
            let what = full
                .rfind(" at line ")
                .map_or(full.as_str(), |i| &full[..i]);
            Error::Record {
                path: path.to_path_buf(),
                line: number,
                message: format!(
                    "invalid JSON at column {}: {what}; line skipped",
                    e.column()
                ),
            }
        })?;
    to_record(value, number, number).map_err(|message| Error::Record {
        path: path.to_path_buf(),
        line: number,
        message,
    })
}

/// Streams the objects of a JSON file to `f`: the elements of an array, a single object, or
/// several top-level values in a row (JSON Lines saved as `.json`, or two arrays), each object a
/// record numbered in file order and told apart by the line it starts on.
pub fn stream_array(
    file: &InputFile,
    reader: Box<dyn BufRead + Send>,
    f: &mut dyn FnMut(Result<Item>) -> bool,
) -> Result<()> {
    // JSON is UTF-8; lines that are not are read as the other readers read them.
    let not_utf8 = Arc::new(AtomicU64::new(0));
    let reader = Box::new(super::Utf8Repair::new(reader, not_utf8.clone()));
    let track = Arc::new(Track::default());
    let tracked = Tracked::new(reader, track.clone());
    let result = read_values(file, tracked, &track, f);
    let line = not_utf8.load(Ordering::Relaxed);
    if line > 0 {
        f(Err(Error::Lossy {
            path: file.path.clone(),
            line,
        }));
    }
    result
}

/// The values of a JSON file, one after another, for [`stream_array`].
fn read_values(
    file: &InputFile,
    tracked: Tracked,
    track: &Arc<Track>,
    f: &mut dyn FnMut(Result<Item>) -> bool,
) -> Result<()> {
    let mut de = serde_json::Deserializer::from_reader(tracked);
    let mut number = 0u64;
    let mut alive = true;
    while alive {
        if de.end().is_ok() {
            return Ok(());
        }
        track.mark();
        let visitor = ArrayVisitor {
            file,
            f: &mut *f,
            number: &mut number,
            track,
            alive: &mut alive,
        };
        de.deserialize_any(visitor).map_err(|e| Error::Record {
            path: file.path.clone(),
            line: e.line() as u64,
            message: format!(
                "invalid JSON at column {}: {}; the rest of the file is skipped ({number} \
                 objects read before it)",
                e.column(),
                without_position(&e.to_string())
            ),
        })?;
    }
    Ok(())
}

/// serde_json's message without its own "at line L column C" (reel gives the position).
fn without_position(full: &str) -> &str {
    full.rfind(" at line ").map_or(full, |i| &full[..i])
}

/// Where a JSON file's reader is: its line, and the line the next value started on.
#[derive(Default)]
struct Track {
    newlines: AtomicU64,
    waiting: AtomicBool,
    start: AtomicU64,
}

impl Track {
    /// The next significant byte (not whitespace, `,`, `[`) starts a value.
    fn mark(&self) {
        self.waiting.store(true, Ordering::Relaxed);
    }

    /// The 1-based line the last marked value started on.
    fn start_line(&self) -> u64 {
        self.start.load(Ordering::Relaxed) + 1
    }
}

/// A reader between the file and serde_json (which reads a byte at a time): it counts the lines
/// serde_json has consumed, and writes integers longer than 64 bits as strings, as
/// [`quote_long_integers`] does for a line.
struct Tracked {
    inner: Box<dyn BufRead + Send>,
    track: Arc<Track>,
    /// Bytes ready for serde_json.
    out: std::collections::VecDeque<u8>,
    /// Digits of a number being read (it may turn out too long for 64 bits).
    run: Vec<u8>,
    in_string: bool,
    escaped: bool,
    /// The last byte passed on outside a string (a number starts a value only after `:`, `,`,
    /// `[` or whitespace).
    last: u8,
}

impl Tracked {
    fn new(inner: Box<dyn BufRead + Send>, track: Arc<Track>) -> Self {
        Tracked {
            inner,
            track,
            out: std::collections::VecDeque::new(),
            run: Vec::new(),
            in_string: false,
            escaped: false,
            last: b' ',
        }
    }

    /// Passes the number read so far on, quoted if it is a long integer (`next` is the byte
    /// after it, or `None` at the end).
    fn flush_run(&mut self, next: Option<u8>) {
        if self.run.is_empty() {
            return;
        }
        let decimal = next.is_some_and(|c| matches!(c, b'.' | b'e' | b'E'));
        let digits = self.run.iter().filter(|b| b.is_ascii_digit()).count();
        let quote = digits > LONG_INTEGER_DIGITS && !decimal;
        if quote {
            self.out.push_back(b'"');
        }
        self.out.extend(self.run.drain(..));
        if quote {
            self.out.push_back(b'"');
        }
        self.last = b'0';
    }

    /// Takes one byte of the file into the output.
    fn take(&mut self, b: u8) {
        if !self.run.is_empty() {
            if b.is_ascii_digit() {
                self.run.push(b);
                return;
            }
            self.flush_run(Some(b));
        }
        if self.in_string {
            match (self.escaped, b) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            self.in_string = true;
        } else if (b.is_ascii_digit() || b == b'-')
            && (matches!(self.last, b':' | b',' | b'[') || self.last.is_ascii_whitespace())
        {
            self.run.push(b);
            return;
        }
        if !self.in_string || b == b'"' {
            self.last = b;
        }
        self.out.push_back(b);
    }
}

impl Read for Tracked {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out.is_empty() {
            let mut byte = [0u8];
            if self.inner.read(&mut byte)? == 0 {
                self.flush_run(None);
                if self.out.is_empty() {
                    return Ok(0);
                }
                break;
            }
            self.take(byte[0]);
        }
        let mut n = 0;
        while n < buf.len() {
            let Some(b) = self.out.pop_front() else { break };
            buf[n] = b;
            n += 1;
            if b == b'\n' {
                self.track.newlines.fetch_add(1, Ordering::Relaxed);
            } else if !b.is_ascii_whitespace()
                && b != b','
                && b != b'['
                && self.track.waiting.swap(false, Ordering::Relaxed)
            {
                let line = self.track.newlines.load(Ordering::Relaxed);
                self.track.start.store(line, Ordering::Relaxed);
            }
        }
        Ok(n)
    }
}

struct ArrayVisitor<'a> {
    file: &'a InputFile,
    f: &'a mut dyn FnMut(Result<Item>) -> bool,
    number: &'a mut u64,
    track: &'a Track,
    alive: &'a mut bool,
}

impl ArrayVisitor<'_> {
    fn emit(&mut self, value: Value) -> bool {
        *self.number += 1;
        let number = *self.number;
        let line = self.track.start_line();
        let item = to_record(value, number, line)
            .map(Item::Record)
            .map_err(|message| Error::Record {
                path: self.file.path.clone(),
                line,
                message: format!("object {number}: {message}"),
            });
        (self.f)(item)
    }
}

impl<'de> Visitor<'de> for ArrayVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of JSON objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.track.mark();
            let Some(value) = seq.next_element::<Value>()? else {
                break;
            };
            if !self.emit(value) {
                *self.alive = false;
                // Drain without keeping anything, so the parser stays consistent.
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                break;
            }
        }
        Ok(())
    }

    /// A top-level object: one record, or, when every value is an object (`{"10Erlj": {...},
    /// "7xYt": {...}}`, a collection keyed by id), one record per value, keyed by its key.
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut entries: Vec<(String, Value, u64)> = Vec::new();
        let mut collection = true;
        loop {
            self.track.mark();
            let Some(key) = map.next_key::<String>()? else {
                break;
            };
            let value: Value = map.next_value()?;
            collection &= value.is_object();
            entries.push((key, value, self.track.start_line()));
        }
        if !collection || entries.is_empty() {
            let object: serde_json::Map<String, Value> =
                entries.into_iter().map(|(k, v, _)| (k, v)).collect();
            if !self.emit(Value::Object(object)) {
                *self.alive = false;
            }
            return Ok(());
        }
        for (key, value, line) in entries {
            let Value::Object(mut record) = value else {
                continue;
            };
            // The key is the record's id, unless it has one of its own.
            let has_id = record.keys().any(|k| {
                super::records::ID_NAMES.contains(&super::records::metadata_key(k).as_str())
            });
            let name = if has_id { "key" } else { "id" };
            if !record.contains_key(name) {
                let mut keyed = serde_json::Map::new();
                keyed.insert(name.to_string(), Value::String(key));
                keyed.append(&mut record);
                record = keyed;
            }
            *self.number += 1;
            let number = *self.number;
            let item = to_record(Value::Object(record), number, line)
                .map(Item::Record)
                .map_err(|message| Error::Record {
                    path: self.file.path.clone(),
                    line,
                    message: format!("object {number}: {message}"),
                });
            if !(self.f)(item) {
                *self.alive = false;
                return Ok(());
            }
        }
        Ok(())
    }
}

/// A JSON object as a flat record.
pub fn to_record(value: Value, number: u64, line: u64) -> std::result::Result<RawRecord, String> {
    let Value::Object(map) = value else {
        return Err("expected a JSON object".into());
    };
    let mut fields = Vec::with_capacity(map.len());
    flatten("", map, &mut fields);
    Ok(RawRecord::new(number, line, fields))
}

fn flatten(prefix: &str, map: serde_json::Map<String, Value>, out: &mut Vec<(String, RawValue)>) {
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k
        } else {
            format!("{prefix}_{k}")
        };
        match v {
            Value::Null => {}
            Value::Bool(b) => out.push((key, RawValue::Str(b.to_string()))),
            Value::Number(n) => out.push((key, number(&n))),
            Value::String(s) => out.push((key, RawValue::Str(s))),
            Value::Array(items) => {
                let items: Vec<String> = items
                    .into_iter()
                    .filter(|i| !i.is_null())
                    .map(|i| match i {
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect();
                if !items.is_empty() {
                    out.push((key, RawValue::List(items)));
                }
            }
            Value::Object(inner) => flatten(&key, inner, out),
        }
    }
}

/// A JSON number: an integer that fits 64 bits signed, the exact digits of a larger one (an id
/// above 2^63 must not be rounded into another record's id), or a decimal.
fn number(n: &serde_json::Number) -> RawValue {
    if let Some(i) = n.as_i64() {
        return RawValue::Int(i);
    }
    if let Some(u) = n.as_u64() {
        return RawValue::Str(u.to_string());
    }
    RawValue::Float(n.as_f64().unwrap_or(0.0))
}

/// Integers with more digits than a 64-bit number holds, written as strings, so that parsing
/// keeps their exact digits (serde_json would read them as floats). Digits inside strings, and
/// decimals, are left alone.
pub fn quote_long_integers(json: &str) -> std::borrow::Cow<'_, str> {
    let bytes = json.as_bytes();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let starts_number =
            b.is_ascii_digit() || (b == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        let after_value_start =
            i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != b'.';
        if starts_number && after_value_start {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let decimal = bytes
                .get(i)
                .is_some_and(|c| matches!(c, b'.' | b'e' | b'E'));
            let digits = i - start - usize::from(b == b'-');
            if digits > LONG_INTEGER_DIGITS && !decimal {
                runs.push((start, i));
            }
            continue;
        }
        i += 1;
    }
    if runs.is_empty() {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 2 * runs.len());
    let mut last = 0;
    for (a, b) in runs {
        out.push_str(&json[last..a]);
        out.push('"');
        out.push_str(&json[a..b]);
        out.push('"');
        last = b;
    }
    out.push_str(&json[last..]);
    std::borrow::Cow::Owned(out)
}

/// Digits of the largest 64-bit integers (`18446744073709551615` has 20): longer runs are read
/// as text.
const LONG_INTEGER_DIGITS: usize = 19;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_flatten_and_nulls_vanish() {
        let v: Value = serde_json::from_str(
            r#"{"_id":"4983","title":"T","rating":null,"score":8.5,"n":3,"tags":["a","b"],"metadata":{"src":"x","deep":{"k":true}},"empty":{}}"#,
        )
        .unwrap();
        let r = to_record(v, 1, 1).unwrap();
        let keys: Vec<&str> = r.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "_id",
                "title",
                "score",
                "n",
                "tags",
                "metadata_src",
                "metadata_deep_k"
            ]
        );
        assert_eq!(r.fields[2].1, RawValue::Float(8.5));
        assert_eq!(r.fields[3].1, RawValue::Int(3));
        assert!(to_record(Value::from(3), 1, 1).is_err());
        let line = r#"{"id": 123456789012345678901234, "big": 9223372036854775809, "s": "12345678901234567890123", "x": 1e3, "y": 12345678901234567890123.5}"#;
        let quoted = quote_long_integers(line);
        let v: Value = serde_json::from_str(&quoted).unwrap();
        let r = to_record(v, 1, 1).unwrap();
        assert_eq!(
            r.fields[0].1,
            RawValue::Str("123456789012345678901234".into())
        );
        assert_eq!(r.fields[1].1, RawValue::Str("9223372036854775809".into()));
        assert_eq!(
            r.fields[2].1,
            RawValue::Str("12345678901234567890123".into())
        );
        assert_eq!(r.fields[3].1, RawValue::Float(1000.0));
        assert!(matches!(r.fields[4].1, RawValue::Float(_)));
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let e = parse_line(Path::new("x.jsonl"), 7, "{not json").unwrap_err();
        assert!(e.to_string().starts_with("x.jsonl:7: invalid JSON"), "{e}");
    }
}
