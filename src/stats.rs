//! What an index holds: documents, passages, fields with their types, and its size on disk.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::schema::names::{DOC_ID, META_TEXT, PASSAGE_ID, SOURCE, TEXT, TITLE};
use crate::schema::MetaType;
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
    /// Metadata fields with their types.
    pub metadata_fields: BTreeMap<String, MetaType>,
    /// Bytes on disk of the index folder's files.
    pub size_bytes: u64,
    /// Schema version of the index.
    pub schema_version: u32,
}

/// Reads the summary of the index in `dir`.
pub fn collect(dir: &Path) -> Result<IndexInfo> {
    let searcher = Searcher::open(dir)?;
    let manifest = searcher.manifest().clone();
    Ok(IndexInfo {
        index: dir.display().to_string(),
        documents: searcher.num_documents()?,
        passages: searcher.num_passages(),
        fields: [TITLE, TEXT, META_TEXT, DOC_ID, SOURCE, PASSAGE_ID]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        metadata_fields: manifest.metadata_fields,
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
        let meta = entry.map_err(io)?.metadata().map_err(io)?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}
