//! JSON Lines (one object per line) and JSON array files (`[{...}, {...}]`), both streamed.
//! Nested objects are flattened (`metadata.source` becomes `metadata_source`), arrays of scalars
//! become lists, nulls are absent. A line that is not a JSON object is reported and skipped.

use std::io::BufRead;
use std::path::Path;

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
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        if !f(Ok(Item::JsonLine { number, line })) {
            return Ok(());
        }
    }
}

/// Parses one JSON line into a record.
pub fn parse_line(path: &Path, number: u64, line: &str) -> Result<RawRecord> {
    let value: Value = serde_json::from_str(line.trim_end()).map_err(|e| {
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
    to_record(value, number).map_err(|message| Error::Record {
        path: path.to_path_buf(),
        line: number,
        message,
    })
}

/// Streams the objects of a JSON array file (or a file holding one object) to `f`.
pub fn stream_array(
    file: &InputFile,
    reader: Box<dyn BufRead + Send>,
    f: &mut dyn FnMut(Result<Item>) -> bool,
) -> Result<()> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let visitor = ArrayVisitor { file, f, number: 0 };
    de.deserialize_any(visitor).map_err(|e| Error::Record {
        path: file.path.clone(),
        line: e.line() as u64,
        message: format!("invalid JSON: {e}; the rest of the file is skipped"),
    })
}

struct ArrayVisitor<'a> {
    file: &'a InputFile,
    f: &'a mut dyn FnMut(Result<Item>) -> bool,
    number: u64,
}

impl ArrayVisitor<'_> {
    fn emit(&mut self, value: Value) -> bool {
        self.number += 1;
        let item = to_record(value, self.number)
            .map(Item::Record)
            .map_err(|message| Error::Record {
                path: self.file.path.clone(),
                line: self.number,
                message: format!("object {}: {message}", self.number),
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
        while let Some(value) = seq.next_element::<Value>()? {
            if !self.emit(value) {
                // Drain without keeping anything, so the parser stays consistent.
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                break;
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, map: A) -> Result<(), A::Error> {
        let value =
            serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        self.emit(value);
        Ok(())
    }
}

/// A JSON object as a flat record.
pub fn to_record(value: Value, number: u64) -> std::result::Result<RawRecord, String> {
    let Value::Object(map) = value else {
        return Err("expected a JSON object".into());
    };
    let mut fields = Vec::with_capacity(map.len());
    flatten("", map, &mut fields);
    Ok(RawRecord { number, fields })
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
            Value::Number(n) => out.push((
                key,
                match n.as_i64() {
                    Some(i) => RawValue::Int(i),
                    None => RawValue::Float(n.as_f64().unwrap_or(0.0)),
                },
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_flatten_and_nulls_vanish() {
        let v: Value = serde_json::from_str(
            r#"{"_id":"4983","title":"T","rating":null,"score":8.5,"n":3,"tags":["a","b"],"metadata":{"src":"x","deep":{"k":true}},"empty":{}}"#,
        )
        .unwrap();
        let r = to_record(v, 1).unwrap();
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
        assert!(to_record(Value::from(3), 1).is_err());
    }

    #[test]
    fn bad_lines_name_file_and_line() {
        let e = parse_line(Path::new("x.jsonl"), 7, "{not json").unwrap_err();
        assert!(e.to_string().starts_with("x.jsonl:7: invalid JSON"), "{e}");
    }
}
