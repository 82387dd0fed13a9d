//! The index schema: the only module that names tantivy fields. It also registers the analyzer (the
//! tokenizer every text field uses), the schema version, and the [`Manifest`] that each commit
//! carries as its payload (so the manifest and the data it describes change atomically).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    Field, IndexRecordOption, JsonObjectOptions, NumericOptions, Schema, TextFieldIndexing,
    TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::Index;

use crate::error::{Error, Result};

/// Version of the on-disk layout. An index written by another version is refused.
pub const SCHEMA_VERSION: u32 = 5;

/// Name under which reel's analyzer ([`crate::analyzer`]) is registered for every text field.
pub const TOKENIZER: &str = "reel_en";

/// Field names, as users see them in `field:value` queries.
pub mod names {
    /// The document id (exact).
    pub const DOC_ID: &str = "doc_id";
    /// The passage ordinal within its document.
    pub const PASSAGE_ID: &str = "passage_id";
    /// A number unique to each document of the index (for grouping passages by document).
    pub const DOC_ORD: &str = "doc_ord";
    /// The source file (exact).
    pub const SOURCE: &str = "source";
    /// The document title.
    pub const TITLE: &str = "title";
    /// The passage text.
    pub const TEXT: &str = "text";
    /// All metadata values as one searchable text.
    pub const META_TEXT: &str = "meta_text";
    /// Metadata as a JSON object, every value analyzed as text (`director:herzog` reaches
    /// `meta.director`).
    pub const META: &str = "meta";
    /// Numeric and date metadata as a JSON object of fast fields, for ranges, filters and sorting
    /// (`year:[2015 TO 2019]` reaches `meta_num.year`).
    pub const META_NUM: &str = "meta_num";
    /// The metadata as stored JSON, read back exactly as it was given.
    pub const META_JSON: &str = "meta_json";
    /// Byte offset where the passage starts in its source.
    pub const START: &str = "start";
    /// Byte offset where the passage ends in its source.
    pub const END: &str = "end";
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// See [`names::DOC_ID`].
    pub doc_id: Field,
    /// See [`names::PASSAGE_ID`].
    pub passage_id: Field,
    /// See [`names::DOC_ORD`].
    pub doc_ord: Field,
    /// See [`names::SOURCE`].
    pub source: Field,
    /// See [`names::TITLE`].
    pub title: Field,
    /// See [`names::TEXT`].
    pub text: Field,
    /// See [`names::META_TEXT`].
    pub meta_text: Field,
    /// See [`names::META`].
    pub meta: Field,
    /// See [`names::META_NUM`].
    pub meta_num: Field,
    /// See [`names::META_JSON`].
    pub meta_json: Field,
    /// See [`names::START`].
    pub start: Field,
    /// See [`names::END`].
    pub end: Field,
}

impl Fields {
    /// Looks the fields up in a schema (an index opened from disk).
    pub fn from_schema(schema: &Schema) -> std::result::Result<Fields, String> {
        let get = |name: &str| {
            schema
                .get_field(name)
                .map_err(|_| format!("field `{name}` is missing"))
        };
        Ok(Fields {
            doc_id: get(names::DOC_ID)?,
            passage_id: get(names::PASSAGE_ID)?,
            doc_ord: get(names::DOC_ORD)?,
            source: get(names::SOURCE)?,
            title: get(names::TITLE)?,
            text: get(names::TEXT)?,
            meta_text: get(names::META_TEXT)?,
            meta: get(names::META)?,
            meta_num: get(names::META_NUM)?,
            meta_json: get(names::META_JSON)?,
            start: get(names::START)?,
            end: get(names::END)?,
        })
    }
}

/// Builds reel's schema.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analyzed = TextFieldIndexing::default()
        .set_tokenizer(TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let stored_text = TextOptions::default()
        .set_indexing_options(analyzed.clone())
        .set_stored();
    let unstored_text = TextOptions::default().set_indexing_options(analyzed.clone());
    let meta_opts = JsonObjectOptions::default().set_indexing_options(analyzed);
    // Only numbers and dates go here; strings would make costly fast columns nobody sorts by.
    let meta_num_opts = JsonObjectOptions::default()
        .set_indexing_options(TextFieldIndexing::default().set_tokenizer("raw"))
        .set_fast("raw");
    let fields = Fields {
        doc_id: b.add_text_field(names::DOC_ID, STRING | STORED | FAST),
        passage_id: b.add_u64_field(names::PASSAGE_ID, INDEXED | STORED | FAST),
        doc_ord: b.add_u64_field(names::DOC_ORD, INDEXED | FAST),
        source: b.add_text_field(names::SOURCE, STRING | STORED | FAST),
        title: b.add_text_field(names::TITLE, stored_text.clone()),
        text: b.add_text_field(names::TEXT, stored_text),
        meta_text: b.add_text_field(names::META_TEXT, unstored_text),
        meta: b.add_json_field(names::META, meta_opts),
        meta_num: b.add_json_field(names::META_NUM, meta_num_opts),
        meta_json: b.add_text_field(names::META_JSON, TextOptions::default().set_stored()),
        start: b.add_u64_field(names::START, NumericOptions::default().set_stored()),
        end: b.add_u64_field(names::END, NumericOptions::default().set_stored()),
    };
    (b.build(), fields)
}

/// Registers reel's analyzer on an index (needed on every open, for writing and for querying).
pub fn register_tokenizers(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, crate::analyzer::analyzer());
}

/// The kind of value a metadata field holds, recorded in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetaType {
    /// Whole numbers.
    Integer,
    /// Decimal numbers (integers seen in the same field widen to this).
    Float,
    /// Free text.
    Text,
    /// Keyword lists.
    Keywords,
    /// Dates.
    Date,
}

impl MetaType {
    /// True for types kept as fast fields (ranges, sorting).
    pub fn is_numeric(self) -> bool {
        matches!(self, MetaType::Integer | MetaType::Float | MetaType::Date)
    }

    /// The type two observations of one field agree on.
    pub fn merge(self, other: MetaType) -> MetaType {
        use MetaType::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Integer, Float) | (Float, Integer) => Float,
            (Keywords, _) | (_, Keywords) => Keywords,
            _ => Text,
        }
    }
}

/// What reel records about an index in each commit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// Number of documents (a document has one or more passages).
    pub documents: u64,
    /// Metadata fields seen, with their types.
    pub metadata_fields: BTreeMap<String, MetaType>,
    /// Number of passages.
    #[serde(default)]
    pub passages: u64,
    /// The next document's `doc_ord` (an update numbers new documents after the old ones).
    #[serde(default)]
    pub next_doc_ord: u64,
    /// The list of source files this commit holds (see [`crate::state`]).
    #[serde(default)]
    pub files: Option<crate::state::FileListRef>,
}

/// True if `dir` holds an index (committed or not).
pub fn exists(dir: &Path) -> bool {
    dir.join("meta.json").is_file()
}

/// Opens an existing index for reading or writing, checking it was written by this version.
pub fn open(dir: &Path) -> Result<(Index, Fields, Manifest)> {
    if !exists(dir) {
        return Err(Error::NoIndex {
            path: dir.to_path_buf(),
        });
    }
    let incompatible = |reason: String| Error::Incompatible {
        path: dir.to_path_buf(),
        reason,
    };
    let index = Index::open_in_dir(dir).map_err(|e| incompatible(format!("cannot open: {e}")))?;
    let fields = Fields::from_schema(&index.schema())
        .map_err(|e| incompatible(format!("not a reel index: {e}")))?;
    let manifest = read_manifest(&index, dir)?;
    register_tokenizers(&index);
    Ok((index, fields, manifest))
}

/// Reads the manifest of the last commit, checking the schema version.
pub fn read_manifest(index: &Index, dir: &Path) -> Result<Manifest> {
    let incompatible = |reason: String| Error::Incompatible {
        path: dir.to_path_buf(),
        reason,
    };
    let metas = index
        .load_metas()
        .map_err(|e| incompatible(format!("cannot read meta.json: {e}")))?;
    let manifest = match metas.payload.as_deref() {
        Some(p) => serde_json::from_str::<Manifest>(p)
            .map_err(|e| incompatible(format!("unreadable manifest: {e}")))?,
        None => Manifest {
            schema_version: SCHEMA_VERSION,
            ..Manifest::default()
        },
    };
    if manifest.schema_version != SCHEMA_VERSION {
        return Err(incompatible(format!(
            "written with schema version {}, this reel reads version {SCHEMA_VERSION}",
            manifest.schema_version
        )));
    }
    Ok(manifest)
}

/// Creates a new, empty index in `dir` (which is created if missing).
pub fn create(dir: &Path) -> Result<(Index, Fields)> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let (schema, fields) = build();
    let index = Index::create_in_dir(dir, schema)?;
    register_tokenizers(&index);
    Ok((index, fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_types_widen() {
        assert_eq!(MetaType::Integer.merge(MetaType::Float), MetaType::Float);
        assert_eq!(MetaType::Integer.merge(MetaType::Text), MetaType::Text);
        assert_eq!(MetaType::Text.merge(MetaType::Text), MetaType::Text);
    }
}
