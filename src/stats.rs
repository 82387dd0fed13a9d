//! What an index holds: documents, passages, fields with their types (and the most common values
//! of keyword fields), its size on disk, and what it follows: each path with how its files are
//! read, the model of a semantic index, the records shadowed by a duplicate id.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::meta::MetaType;
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
    /// The files and folders the index follows, in the order they were first given.
    pub followed: Vec<FollowedInfo>,
    /// Records not in the index because an earlier record (in reading order) holds their id.
    pub shadowed: u64,
    /// The model a semantic index embeds with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelInfo>,
}

/// A followed path.
#[derive(Debug, Clone, Serialize)]
pub struct FollowedInfo {
    /// As shown from the current folder.
    pub path: String,
    /// Absolute.
    pub absolute: String,
    /// `file` or `folder`.
    pub kind: crate::state::PathKind,
    /// False when it is gone for now (its documents stay).
    pub present: bool,
    /// How its files are read (the flags that were given for it; empty when none).
    pub read: crate::state::ReadSettings,
    /// Its files in the index, and their documents.
    pub files: u64,
    /// Documents.
    pub documents: u64,
}

/// The model of a semantic index.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// Its name (folder name).
    pub name: String,
    /// The fingerprint of its configuration, tokenizer and weights.
    pub fingerprint: String,
    /// The folder later runs load it from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
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

/// Reads the summary of the index in `dir`; paths are shown from `cwd`.
pub fn collect(dir: &Path, cwd: Option<&Path>) -> Result<IndexInfo> {
    let searcher = Searcher::open(dir)?;
    let manifest = searcher.manifest().clone();
    let list = match &manifest.files {
        Some(r) => Some(crate::state::FileList::read(dir, r)?),
        None => None,
    };
    let followed = list
        .as_ref()
        .map(|l| {
            l.followed
                .iter()
                .map(|f| {
                    let under: Vec<&crate::state::FileState> = l
                        .files
                        .iter()
                        .filter(|(s, _)| crate::paths::is_under(Path::new(s), &f.path))
                        .map(|(_, st)| st)
                        .collect();
                    FollowedInfo {
                        path: crate::paths::shown(&f.path, cwd).display().to_string(),
                        absolute: f.path.display().to_string(),
                        kind: f.kind,
                        present: f.path.exists(),
                        read: f.read.clone(),
                        files: under.len() as u64,
                        documents: under.iter().map(|s| s.documents).sum(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let model = manifest.semantic.as_ref().map(|s| ModelInfo {
        name: s.model_name.clone(),
        fingerprint: s.model.clone(),
        path: list
            .as_ref()
            .and_then(|l| l.model.as_ref())
            .map(|p| p.display().to_string()),
    });
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
                // A value a file typed otherwise counts by its keywords too.
                let values = match meta.get(key.as_str()) {
                    Some(v) => crate::meta::lists::items_of(v),
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
        followed,
        shadowed: list.as_ref().map_or(0, |l| l.shadowed()),
        model,
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
