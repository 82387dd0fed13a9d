//! What an index holds: documents, passages, fields with their types (and the most common values
//! of keyword fields), and its size on disk.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::meta::MetaType;
use crate::meta::MetaValue;
use crate::schema::names::{DOC_ID, META_TEXT, PASSAGE_ID, SOURCE, TEXT, TITLE};
use crate::searcher::Searcher;

/// A summary of one index (`reel stats`, and its `--json` form).
#[derive(Debug, Clone, Serialize)]
pub struct IndexInfo {
    /// The index folder.
    pub index: String,
    /// Documents.
    pub documents: u64,
    /// Passages (the unit that is ranked).
    pub passages: u64,
    /// The searchable fields of every passage.
    pub fields: Vec<String>,
    /// Metadata fields with their types (and, for keyword fields, the most common values).
    pub metadata_fields: BTreeMap<String, FieldInfo>,
    /// Bytes on disk of the index folder's files.
    pub size_bytes: u64,
    /// Schema version of the index.
    pub schema_version: u32,
}

/// How many of a keyword field's most common values are listed.
pub const TOP_VALUES: usize = 10;

/// One metadata field.
#[derive(Debug, Clone, Serialize)]
pub struct FieldInfo {
    /// Its type.
    #[serde(rename = "type")]
    pub ty: MetaType,
    /// For keyword fields: the most common values, most common first, with the number of
    /// documents that have each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_values: Option<Vec<ValueCount>>,
}

/// A value and how many documents have it.
#[derive(Debug, Clone, Serialize)]
pub struct ValueCount {
    /// The value.
    pub value: String,
    /// Documents with it.
    pub count: u64,
}

/// Reads the summary of the index in `dir`.
pub fn collect(dir: &Path) -> Result<IndexInfo> {
    let searcher = Searcher::open(dir)?;
    let manifest = searcher.manifest().clone();
    let keyword_fields: Vec<&String> = manifest
        .metadata_fields
        .iter()
        .filter(|(_, t)| **t == MetaType::Keywords)
        .map(|(k, _)| k)
        .collect();
    let mut counts: HashMap<&str, HashMap<String, u64>> = HashMap::new();
    if !keyword_fields.is_empty() {
        searcher.for_each_metadata(|meta| {
            for key in &keyword_fields {
                let values = match meta.get(key.as_str()) {
                    Some(MetaValue::List(items)) => items.clone(),
                    Some(other) => vec![other.to_text()],
                    None => continue,
                };
                let c = counts.entry(key.as_str()).or_default();
                for v in values {
                    *c.entry(v).or_insert(0) += 1;
                }
            }
        })?;
    }
    let metadata_fields = manifest
        .metadata_fields
        .iter()
        .map(|(name, ty)| {
            let top_values = (*ty == MetaType::Keywords).then(|| {
                let mut all: Vec<ValueCount> = counts
                    .remove(name.as_str())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(value, count)| ValueCount { value, count })
                    .collect();
                all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                all.truncate(TOP_VALUES);
                all
            });
            (
                name.clone(),
                FieldInfo {
                    ty: *ty,
                    top_values,
                },
            )
        })
        .collect();
    Ok(IndexInfo {
        index: dir.display().to_string(),
        documents: searcher.num_documents()?,
        passages: searcher.num_passages(),
        fields: [TITLE, TEXT, META_TEXT, DOC_ID, SOURCE, PASSAGE_ID]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        metadata_fields,
        size_bytes: dir_size(dir)?,
        schema_version: manifest.schema_version,
    })
}

fn dir_size(dir: &Path) -> Result<u64> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(io)? {
        // A concurrent `reel index` removes files its commit no longer uses: one listed here
        // may be gone by the time it is looked at, and is no longer part of the index.
        let meta = match entry.and_then(|e| e.metadata()) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(e)),
        };
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}
