//! The index schema: the only module that names tantivy fields. It also registers the analyzer (the
//! tokenizer every text field uses), the schema version, and the [`Manifest`] that each commit
//! carries as its payload (so the manifest and the data it describes change atomically).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::schema::OwnedValue;
use tantivy::schema::{
    Field, IndexRecordOption, JsonObjectOptions, NumericOptions, Schema, TextFieldIndexing,
    TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::{Index, IndexWriter, TantivyDocument};

use crate::corpus::Document;
use crate::directory::IndexDirectory;
use crate::error::{Error, Result};
pub use crate::meta::MetaType;
use crate::meta::MetaValue;
use crate::passage::Passage;

/// Version of the on-disk layout. An index written by another version is refused.
pub const SCHEMA_VERSION: u32 = 10;

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
    /// The fields of every document a filter compares with `=` (beside its metadata), in the
    /// order messages list them.
    pub const FILTERABLE: [&str; 4] = [TITLE, TEXT, DOC_ID, SOURCE];
    /// The passage text.
    pub const TEXT: &str = "text";
    /// All metadata values as one searchable text.
    pub const META_TEXT: &str = "meta_text";
    /// Metadata as a JSON object, every value analyzed as text (`director:herzog` reaches
    /// `meta.director`).
    pub const META: &str = "meta";
    /// Numeric and date metadata as a JSON object of fast fields, for ranges, filters and sorting
    /// (`year:[2015 TO 2019]` reaches `meta_num.year`). Every value is a 64-bit float: numbers
    /// (exact to 2^53) and dates (seconds since 1970, so any year a date can hold), which makes
    /// one column per key whatever mix of whole and decimal numbers it holds.
    pub const META_NUM: &str = "meta_num";
    /// Keyword-list items as a JSON object of exact, lower-cased values, for `--filter
    /// listed_in=Dramas` (the item `Dramas`, not `TV Dramas`).
    pub const META_KW: &str = "meta_kw";
    /// The metadata as stored JSON, read back exactly as it was given.
    pub const META_JSON: &str = "meta_json";
    /// Byte offset where the passage starts in its source.
    pub const START: &str = "start";
    /// Byte offset where the passage ends in its source.
    pub const END: &str = "end";
    /// The 1-based line of its file the passage starts on (0 when unknown).
    pub const LINE: &str = "line";
    /// The heading the passage sits under (HTML, Markdown), stored for display; its words are
    /// searched as part of the passage's text.
    pub const HEADING: &str = "heading";
    /// Who speaks in the passage (subtitles, transcripts), stored for display; also the
    /// passage's `speaker` metadata.
    pub const SPEAKER: &str = "speaker";
    /// When the passage starts and ends in a recording, in milliseconds (subtitles,
    /// transcripts).
    pub const START_MS: &str = "start_ms";
    /// See [`START_MS`].
    pub const END_MS: &str = "end_ms";
    /// The passage's sentence vector, quantized (a semantic index only; see
    /// [`crate::embed::quantize`]), as a bytes fast field.
    pub const VECTOR: &str = "vector";
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
    /// See [`names::META_KW`].
    pub meta_kw: Field,
    /// See [`names::META_JSON`].
    pub meta_json: Field,
    /// See [`names::START`].
    pub start: Field,
    /// See [`names::END`].
    pub end: Field,
    /// See [`names::LINE`].
    pub line: Field,
    /// See [`names::VECTOR`].
    pub vector: Field,
    /// See [`names::HEADING`].
    pub heading: Field,
    /// See [`names::SPEAKER`].
    pub speaker: Field,
    /// See [`names::START_MS`].
    pub start_ms: Field,
    /// See [`names::END_MS`].
    pub end_ms: Field,
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
            meta_kw: get(names::META_KW)?,
            meta_json: get(names::META_JSON)?,
            start: get(names::START)?,
            end: get(names::END)?,
            line: get(names::LINE)?,
            vector: get(names::VECTOR)?,
            heading: get(names::HEADING)?,
            speaker: get(names::SPEAKER)?,
            start_ms: get(names::START_MS)?,
            end_ms: get(names::END_MS)?,
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
    let meta_kw_opts = JsonObjectOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic),
    );
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
        meta_kw: b.add_json_field(names::META_KW, meta_kw_opts),
        meta_json: b.add_text_field(names::META_JSON, TextOptions::default().set_stored()),
        start: b.add_u64_field(names::START, NumericOptions::default().set_stored()),
        end: b.add_u64_field(names::END, NumericOptions::default().set_stored()),
        line: b.add_u64_field(names::LINE, NumericOptions::default().set_stored()),
        vector: b.add_bytes_field(
            names::VECTOR,
            tantivy::schema::BytesOptions::default().set_fast(),
        ),
        heading: b.add_text_field(names::HEADING, TextOptions::default().set_stored()),
        speaker: b.add_text_field(names::SPEAKER, TextOptions::default().set_stored()),
        start_ms: b.add_u64_field(names::START_MS, NumericOptions::default().set_stored()),
        end_ms: b.add_u64_field(names::END_MS, NumericOptions::default().set_stored()),
    };
    (b.build(), fields)
}

/// Registers reel's analyzer on an index (needed on every open, for writing and for querying).
pub fn register_tokenizers(index: &Index) {
    index
        .tokenizers()
        .register(TOKENIZER, crate::analyzer::analyzer());
}

/// Adds one document's passages to the writer: the document layout of the index (what each
/// field of each passage holds).
pub fn add_document(
    writer: &IndexWriter,
    fields: &Fields,
    doc: &Document,
    passages: &[Passage],
    vectors: Option<&[Vec<u8>]>,
    doc_ord: u64,
) -> Result<()> {
    let meta_json = serde_json::to_string(&doc.metadata).expect("metadata always serializes");
    // A fact given twice (`release_year` and the `year` reel derives from it) is searchable once.
    let derived = crate::meta::vocabulary::derived_keys(&doc.metadata);
    let meta_text: Vec<String> = doc
        .metadata
        .iter()
        .filter(|(k, _)| !derived.contains(&k.as_str()))
        .map(|(_, v)| v.to_text())
        .collect();
    let meta_text = meta_text.join(" \n ");
    // Every value is indexed in every form it has, whatever type its file gave its field, so a
    // filter, range, sort or clause on a field sees every document that has it: as words (the
    // analyzed object), as keywords (items, whole short values, numbers and dates as text) and
    // as a number when it reads as one.
    let meta_object = OwnedValue::Object(
        doc.metadata
            .iter()
            .map(|(k, v)| (k.clone(), text_value(v)))
            .collect(),
    );
    // Numbers and dates as floats (dates in seconds), one column per key (see schema::names).
    let meta_num = OwnedValue::Object(
        doc.metadata
            .iter()
            .filter_map(|(k, v)| number_of(v).map(|x| (k.clone(), OwnedValue::F64(x))))
            .collect(),
    );
    let meta_kw = OwnedValue::Object(
        doc.metadata
            .iter()
            .filter_map(|(k, v)| {
                let items = keywords_of(v);
                (!items.is_empty()).then(|| {
                    (
                        k.clone(),
                        OwnedValue::Array(items.into_iter().map(OwnedValue::Str).collect()),
                    )
                })
            })
            .collect(),
    );
    // A title that is only the id (records without one) is not indexed: it says nothing.
    let real_title = doc.title != doc.id;
    let places = crate::passage::places(doc, passages);
    let mut batch = Vec::with_capacity(passages.len());
    for (i, (p, place)) in passages.iter().zip(places).enumerate() {
        let mut d = TantivyDocument::default();
        d.add_text(fields.doc_id, &doc.id);
        d.add_u64(fields.passage_id, u64::from(p.ordinal));
        d.add_u64(fields.doc_ord, doc_ord);
        d.add_text(fields.source, &doc.source);
        if real_title {
            d.add_text(fields.title, &doc.title);
        }
        d.add_text(fields.text, p.text(doc));
        if p.ordinal == 0 && real_title {
            // The title is also a second value of the first passage's text: a document is
            // scored on its title and opening together, as one text, which ranks better than a
            // separately weighted title field (SciFact train nDCG@10 0.689 -> 0.70). Hits read
            // the first value only, so the passage text is unchanged.
            d.add_text(fields.text, &doc.title);
        }
        if let Some(h) = &place.heading {
            // The heading is searched with the passages under it, never a passage alone.
            d.add_text(fields.text, h);
            d.add_text(fields.heading, h);
        }
        match &place.speaker {
            // Who speaks is the passage's own metadata, beside the document's.
            Some(who) => {
                let with = |object: &OwnedValue, value: OwnedValue| -> OwnedValue {
                    let mut map = match object {
                        OwnedValue::Object(m) => m.clone(),
                        _ => Vec::new(),
                    };
                    map.push((names::SPEAKER.to_string(), value));
                    OwnedValue::Object(map)
                };
                d.add_text(fields.speaker, who);
                let items: Vec<OwnedValue> = who
                    .split(", ")
                    .map(|s| OwnedValue::Str(s.to_string()))
                    .collect();
                let keys: Vec<OwnedValue> = who
                    .split(", ")
                    .map(|s| OwnedValue::Str(crate::analyzer::keyword(s)))
                    .collect();
                d.add_field_value(fields.meta, &with(&meta_object, OwnedValue::Array(items)));
                d.add_field_value(fields.meta_kw, &with(&meta_kw, OwnedValue::Array(keys)));
                if !doc.metadata.is_empty() {
                    d.add_field_value(fields.meta_num, &meta_num);
                }
            }
            None if !doc.metadata.is_empty() => {
                d.add_field_value(fields.meta, &meta_object);
                d.add_field_value(fields.meta_num, &meta_num);
                d.add_field_value(fields.meta_kw, &meta_kw);
            }
            None => {}
        }
        if p.ordinal == 0 {
            // Metadata describes the document, not each passage: it is searchable once, so a
            // document matches a name in its metadata once rather than once per paragraph, and
            // it is stored once (hits read it from the first passage).
            d.add_text(fields.meta_text, &meta_text);
            d.add_text(fields.meta_json, &meta_json);
        }
        d.add_u64(fields.start, p.start as u64);
        d.add_u64(fields.end, p.end as u64);
        d.add_u64(fields.line, place.line);
        if let Some(ms) = place.start_ms {
            d.add_u64(fields.start_ms, ms);
        }
        if let Some(ms) = place.end_ms {
            d.add_u64(fields.end_ms, ms);
        }
        if let Some(v) = vectors.and_then(|v| v.get(i)) {
            d.add_bytes(fields.vector, v.as_slice());
        }
        batch.push(tantivy::indexer::UserOperation::Add(d));
    }
    // One batch: tantivy puts its passages in one segment, one after another, so a document's
    // passages are neighbours and its evidence is read from them together
    // (`searcher::rank::document`); merges keep the order.
    writer.run(batch)?;
    Ok(())
}

/// A value as words: a list's items, anything else as its text (a number as its digits).
fn text_value(v: &MetaValue) -> OwnedValue {
    match v {
        MetaValue::List(items) => {
            OwnedValue::Array(items.iter().cloned().map(OwnedValue::Str).collect())
        }
        other => OwnedValue::Str(other.to_text()),
    }
}

/// A value as a number: a number, a date (in seconds), or a text that reads as a number or a
/// date (a file that typed the field as text may hold the numbers or dates of another's).
pub fn number_of(v: &MetaValue) -> Option<f64> {
    match v {
        // Most texts hold no digit at all: no number or date to read.
        MetaValue::Text(t) if !t.bytes().any(|b| b.is_ascii_digit()) => None,
        MetaValue::Text(t) => crate::meta::numbers::parse_number(t)
            .or_else(|| crate::meta::dates::parse(t).map(|d| d.secs as f64)),
        other => other.as_number(),
    }
}

/// A value as exact keywords, lower-cased: its items, and a text's whole value too when it is
/// short (see [`crate::meta::lists::items_of`]).
pub fn keywords_of(v: &MetaValue) -> Vec<String> {
    let mut out: Vec<String> = crate::meta::lists::items_of(v)
        .iter()
        .map(|i| crate::analyzer::keyword(i))
        .filter(|i| !i.is_empty())
        .collect();
    if let MetaValue::Text(t) = v {
        let whole = crate::analyzer::keyword(t);
        if t.len() <= crate::meta::lists::WHOLE_VALUE_MAX_BYTES && !out.contains(&whole) {
            out.push(whole);
        }
    }
    out
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
    /// The fingerprint of the analyzer the index was built with ([`crate::analyzer::fingerprint`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analyzer: Option<String>,
    /// For a semantic index, the model its passages were embedded with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic: Option<Semantic>,
    /// Metadata fields some of whose values read as numbers or dates, with what they read as,
    /// whatever type their files gave the field: ranges and sorting use these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub numeric_fields: BTreeMap<String, MetaType>,
    /// Number and date fields that also hold values kept as text (one `PG` among years): a
    /// clause or filter with a value that is no number looks for those by their words.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub misfit_fields: std::collections::BTreeSet<String>,
}

/// What a semantic index records about its vectors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Semantic {
    /// The model's fingerprint ([`crate::embed::Model::fingerprint`]).
    pub model: String,
    /// The model's folder name, for messages.
    pub model_name: String,
    /// Vector width.
    pub dims: usize,
}

impl Manifest {
    /// The metadata field a typed name means, with its type: the field of that name, or of the
    /// name written as keys are stored ([`crate::meta::vocabulary::metadata_key`]), so a nested
    /// key typed `meta.year` or a column typed `Release-Year` finds `meta_year` and
    /// `release_year`.
    pub fn meta_field(&self, name: &str) -> Option<(String, MetaType)> {
        if let Some(&ty) = self.metadata_fields.get(name) {
            return Some((name.to_string(), ty));
        }
        let key = crate::meta::vocabulary::metadata_key(name);
        self.metadata_fields.get(&key).map(|&ty| (key, ty))
    }

    /// What a field's values read as for ranges and sorting: its type when it is numeric, else
    /// what those of its values that read as numbers or dates are (`None`: none do).
    pub fn numeric_type(&self, key: &str) -> Option<MetaType> {
        match self.metadata_fields.get(key) {
            Some(t) if t.is_numeric() => Some(*t),
            _ => self
                .numeric_fields
                .get(key)
                .copied()
                .filter(|t| t.is_numeric()),
        }
    }

    /// A warning when the index was built with other word stems than this reel makes.
    pub fn analyzer_warning(&self) -> Option<String> {
        let built = self.analyzer.as_deref()?;
        let now = crate::analyzer::fingerprint();
        (built != now).then(|| {
            format!(
                "built with other word stems than this reel makes (analyzer {built}, now {now}), \
                 so some words will not match; `reel index --rebuild` rebuilds it"
            )
        })
    }
}

/// What identifies the last commit of the index in `dir`: the bytes of its `meta.json`, which
/// each commit replaces whole (`None` if it cannot be read).
pub fn commit_stamp(dir: &Path) -> Option<Vec<u8>> {
    std::fs::read(dir.join("meta.json")).ok()
}

/// True if `dir` holds an index (committed or not).
pub fn exists(dir: &Path) -> bool {
    dir.join("meta.json").is_file()
}

/// Like [`exists`], but an index folder the process may not look into is an error that says so
/// (not "no index here").
pub fn check_exists(dir: &Path) -> Result<()> {
    match std::fs::metadata(dir.join("meta.json")) {
        Ok(m) if m.is_file() => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            Err(Error::from_io(dir, dir, e, false))
        }
        _ => Err(Error::NoIndex {
            path: dir.to_path_buf(),
        }),
    }
}

/// Opens an existing index for reading only (see [`IndexDirectory::read_only`]), checking it was
/// written by this version.
pub fn open_read_only(dir: &Path) -> Result<(Index, Fields, Manifest)> {
    check_exists(dir)?;
    open_with(dir, IndexDirectory::read_only(dir)?)
}

/// [`open_read_only`] with the files read by plain reads ([`IndexDirectory::unmapped`]).
pub fn open_read_only_unmapped(dir: &Path) -> Result<(Index, Fields, Manifest)> {
    check_exists(dir)?;
    open_with(dir, IndexDirectory::read_only(dir)?.unmapped(dir))
}

fn open_with(dir: &Path, directory: IndexDirectory) -> Result<(Index, Fields, Manifest)> {
    let index = Index::open(directory).map_err(|e| match Error::from_tantivy(dir, e, false) {
        Error::Damaged { reason, .. } => Error::Incompatible {
            path: dir.to_path_buf(),
            reason: format!("cannot open it: {reason}"),
        },
        access => access,
    })?;
    finish_open(dir, index)
}

/// True if `dir` holds an index written by reel (any version): its commit carries reel's
/// manifest, or its schema has reel's fields (an index created and not yet committed to).
pub fn is_reel_index(dir: &Path) -> bool {
    let Ok(bytes) = std::fs::read(dir.join("meta.json")) else {
        return false;
    };
    let meta = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .filter(|m| m.get("segments").is_some());
    let Some(meta) = meta else {
        // A damaged commit point (not JSON, or not a commit record) in a folder that is an
        // index: reel's if its file lists are.
        return std::fs::read_dir(dir).is_ok_and(|mut entries| {
            entries.any(|e| {
                e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("reel-files-"))
            })
        });
    };
    let manifest = meta
        .get("payload")
        .and_then(|p| p.as_str())
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .is_some_and(|m| m.get("schema_version").is_some());
    let fields: Vec<&str> = meta
        .get("schema")
        .and_then(|s| s.as_array())
        .map(|a| a.iter().filter_map(|f| f.get("name")?.as_str()).collect())
        .unwrap_or_default();
    manifest
        || [names::DOC_ORD, names::PASSAGE_ID, names::META_JSON]
            .iter()
            .all(|n| fields.contains(n))
}

/// The semantic settings recorded by the last commit of the index in `dir`, if any (read from
/// `meta.json` alone, without opening the index).
pub fn semantic_of(dir: &Path) -> Option<Semantic> {
    let bytes = std::fs::read(dir.join("meta.json")).ok()?;
    let meta: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let manifest: Manifest = serde_json::from_str(meta.get("payload")?.as_str()?).ok()?;
    manifest.semantic
}

/// Opens an existing index for reading or writing, checking it was written by this version.
pub fn open(dir: &Path) -> Result<(Index, Fields, Manifest)> {
    check_exists(dir)?;
    let index = Index::open_in_dir(dir).map_err(|e| match Error::from_tantivy(dir, e, false) {
        Error::Damaged { reason, .. } => Error::Incompatible {
            path: dir.to_path_buf(),
            reason: format!("cannot open it: {reason}"),
        },
        access => access,
    })?;
    finish_open(dir, index)
}

/// Checks an opened index is reel's, of this version, and registers the analyzer.
fn finish_open(dir: &Path, index: Index) -> Result<(Index, Fields, Manifest)> {
    let incompatible = |reason: String| Error::Incompatible {
        path: dir.to_path_buf(),
        reason,
    };
    // The version first: an index of another version lacks fields this one has.
    let manifest = read_manifest(&index, dir)?;
    let fields = Fields::from_schema(&index.schema())
        .map_err(|e| incompatible(format!("not a reel index: {e}")))?;
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
        .map_err(|e| match Error::from_tantivy(dir, e, false) {
            Error::Damaged { reason, .. } => {
                incompatible(format!("cannot read meta.json: {reason}"))
            }
            access => access,
        })?;
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

/// The error for an index whose files cannot be opened for reading: the access problem by its
/// cause, or damage.
pub fn open_error(dir: &Path, e: tantivy::TantivyError) -> Error {
    Error::from_tantivy(dir, e, false)
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
    fn a_created_index_is_known_as_reels_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("idx");
        assert!(!exists(&path));
        assert!(matches!(check_exists(&path), Err(Error::NoIndex { .. })));
        let (index, fields) = create(&path).unwrap();
        assert!(exists(&path) && is_reel_index(&path));
        let found = Fields::from_schema(&index.schema()).unwrap();
        assert_eq!(found.meta_kw, fields.meta_kw);
        // Read-only opening needs no write: it works and writes nothing.
        let before: Vec<_> = std::fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let (_, _, manifest) = open_read_only(&path).unwrap();
        assert_eq!(manifest.schema_version, SCHEMA_VERSION);
        let after: Vec<_> = std::fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(before.len(), after.len());
        // Another program's tantivy index is not reel's.
        let other = dir.path().join("other");
        std::fs::create_dir_all(&other).unwrap();
        let mut b = Schema::builder();
        b.add_text_field("body", tantivy::schema::TEXT);
        Index::create_in_dir(&other, b.build()).unwrap();
        assert!(exists(&other) && !is_reel_index(&other));
    }
}
