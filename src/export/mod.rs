//! Exporting a corpus for a distributed engine (Quickwit, Elasticsearch/OpenSearch): the same
//! readers, the same passages and the same fields as `reel index`, written as an index
//! configuration and NDJSON files split for parallel ingestion. Streams from the corpus, so it
//! needs no index and holds one document at a time.

//!
//! One file per job: this one reads the corpus and writes the passages; [`config`] writes each
//! engine's index configuration; [`files`] owns the output folder (checking it, splitting the
//! output into files, naming rules).

mod config;
mod files;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Map, Value};

pub use config::{elasticsearch_mapping, quickwit_config};
pub use files::check_index_id;

use crate::corpus::records::{Plan, Roles};
use crate::corpus::stream;
use crate::corpus::{self, Document, Progress};
use crate::error::{Error, Result};
use crate::meta::{MetaType, MetaValue};
use crate::passage;
use files::SplitWriter;

/// Largest Quickwit NDJSON file: Quickwit ingests files of this size comfortably, and several
/// files are ingested in parallel.
pub const QUICKWIT_FILE_BYTES: u64 = 100 * 1024 * 1024;

/// Largest Elasticsearch `_bulk` file: the size Elastic recommends for one bulk request.
pub const BULK_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// Field names every passage has; a metadata key equal to one of them is exported as `meta_KEY`.
const BASE_FIELDS: [&str; 7] = [
    "doc_id",
    "passage_id",
    "title",
    "text",
    "source",
    "start",
    "end",
];

/// The engines reel exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Quickwit: `index-config.yaml` and `passages-NNNNN.ndjson`.
    Quickwit,
    /// Elasticsearch or OpenSearch: `mapping.json` and `bulk-NNNNN.ndjson`.
    Elasticsearch,
}

/// What to export and where.
pub struct ExportOptions {
    /// Files and folders to read.
    pub paths: Vec<PathBuf>,
    /// The output folder (created if missing).
    pub out_dir: PathBuf,
    /// The engine.
    pub target: Target,
    /// The index name written into the configuration.
    pub index_id: String,
    /// Field roles for structured files.
    pub roles: Roles,
    /// One passage per document.
    pub whole_documents: bool,
    /// Write into a folder that holds an earlier export, removing that export's files first.
    pub force: bool,
    /// Where progress goes.
    pub progress: Option<Arc<dyn Progress>>,
    /// Embed each passage with this model and write its vector (Elasticsearch only: Quickwit
    /// has no vector field).
    pub model: Option<Arc<crate::embed::Model>>,
}

/// What an export wrote.
#[derive(Debug, Clone, Default)]
pub struct ExportStats {
    /// Documents read.
    pub documents: u64,
    /// Passages written.
    pub passages: u64,
    /// Inputs or records skipped.
    pub skipped: u64,
    /// Files written, with their sizes in bytes.
    pub files: Vec<(PathBuf, u64)>,
}

/// Exports `opts.paths` into `opts.out_dir`. Bad inputs go to `warn` and are counted.
pub fn run(opts: &ExportOptions, warn: &mut dyn FnMut(&Error)) -> Result<ExportStats> {
    check_index_id(opts.target, &opts.index_id)?;
    let cwd = crate::paths::current_dir();
    let inputs = corpus::walk(&opts.paths, None, cwd.as_deref())?;
    files::prepare_out_dir(&opts.out_dir, opts.force)?;
    let (prefix, cap) = match opts.target {
        Target::Quickwit => ("passages", QUICKWIT_FILE_BYTES),
        Target::Elasticsearch => ("bulk", BULK_FILE_BYTES),
    };
    let mut ex = Exporter {
        opts,
        out: SplitWriter::new(&opts.out_dir, prefix, cap),
        ids: HashMap::new(),
        stats: ExportStats::default(),
        read: Arc::new(corpus::BytesRead::default()),
        cwd: cwd.clone(),
    };
    ex.stats.skipped += inputs.report_skipped(warn);
    if let Some(p) = &opts.progress {
        p.start(inputs.total_bytes());
    }
    let mut types: BTreeMap<String, MetaType> = BTreeMap::new();
    for file in &inputs.files {
        match ex.file(file, warn) {
            Ok(file_types) => {
                for (k, t) in file_types {
                    merge_type(&mut types, &export_key(&k), t);
                }
            }
            Err(e @ (Error::Io { .. } | Error::Roles { .. })) => return Err(e),
            Err(e) => {
                warn(&e);
                ex.stats.skipped += 1;
            }
        }
    }
    let Exporter { out, mut stats, .. } = ex;
    stats.files = out.finish()?;
    if let Some(p) = &opts.progress {
        p.finish();
    }
    let config = write_config(opts, &types)?;
    stats.files.insert(0, config);
    Ok(stats)
}

/// Writes the engine's index configuration; returns its path and size.
fn write_config(
    opts: &ExportOptions,
    types: &BTreeMap<String, MetaType>,
) -> Result<(PathBuf, u64)> {
    let (name, config) = match opts.target {
        Target::Quickwit => ("index-config.yaml", quickwit_config(&opts.index_id, types)),
        Target::Elasticsearch => (
            "mapping.json",
            serde_json::to_string_pretty(&elasticsearch_mapping(
                types,
                opts.model.as_ref().map(|m| m.dims()),
            ))
            .expect("a mapping always serializes")
                + "\n",
        ),
    };
    let path = opts.out_dir.join(name);
    std::fs::write(&path, &config).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    Ok((path, config.len() as u64))
}

/// An export in progress: the output files, the ids seen, the counts.
struct Exporter<'a> {
    opts: &'a ExportOptions,
    out: SplitWriter,
    /// Ids already exported (by a 128-bit hash), with where: the first one read wins.
    ids: HashMap<u128, String>,
    stats: ExportStats,
    read: Arc<corpus::BytesRead>,
    /// The folder paths in messages are shown from.
    cwd: Option<std::path::PathBuf>,
}

impl Exporter<'_> {
    /// Exports one file's documents; returns its metadata columns and their types.
    fn file(
        &mut self,
        file: &corpus::InputFile,
        warn: &mut dyn FnMut(&Error),
    ) -> Result<BTreeMap<String, MetaType>> {
        if file.format.is_records() {
            let plan = self.records(file, warn)?;
            let Some(plan) = plan else {
                return Ok(BTreeMap::new());
            };
            for w in stream::misfit_warnings(&plan, &file.path) {
                warn(&w);
            }
            return Ok(plan.metadata_types());
        }
        let doc = corpus::read_text(file, Some(self.read.clone()), warn)?;
        let mut types = BTreeMap::new();
        for (k, v) in &doc.metadata {
            merge_type(&mut types, k, v.meta_type());
        }
        if let Some(dup) = self.document(doc)? {
            warn(&dup);
        }
        Ok(types)
    }

    /// Writes one document's passages, unless an earlier one had its id (then the warning is
    /// returned).
    fn document(&mut self, doc: Document) -> Result<Option<Error>> {
        let key = xxhash_rust::xxh3::xxh3_128(doc.id.as_bytes());
        let source = crate::paths::shown_str(&doc.source, self.cwd.as_deref());
        let place = match doc.record_line {
            Some(line) => format!("{source} line {line}"),
            None => source,
        };
        if let Some(first) = self.ids.get(&key) {
            self.stats.skipped += 1;
            return Ok(Some(Error::Duplicate {
                id: doc.id.clone(),
                kept: first.clone(),
                dropped: place,
            }));
        }
        self.ids.insert(key, place);
        self.stats.documents += 1;
        let passages = passage::cut(&doc, self.opts.whole_documents);
        let vectors = match (&self.opts.model, self.opts.target) {
            (Some(model), Target::Elasticsearch) => {
                let texts: Vec<String> = passages
                    .iter()
                    .map(|p| crate::embed::passage_text(&doc.title, &doc.id, p.text(&doc)))
                    .collect();
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                Some(model.embed(&refs, 1).0)
            }
            _ => None,
        };
        for (i, p) in passages.iter().enumerate() {
            let mut line = passage_json(&doc, p);
            if let (Some(v), Value::Object(obj)) =
                (vectors.as_ref().and_then(|v| v.get(i)), &mut line)
            {
                obj.insert(
                    "vector".into(),
                    Value::Array(
                        v.iter()
                            .map(|x| json!((f64::from(*x) * 1e6).round() / 1e6))
                            .collect(),
                    ),
                );
            }
            match self.opts.target {
                Target::Quickwit => self.out.write_lines(&[line.to_string()])?,
                Target::Elasticsearch => {
                    let action = json!({"index": {"_id": format!("{}#{}", doc.id, p.ordinal)}});
                    self.out
                        .write_lines(&[action.to_string(), line.to_string()])?;
                }
            }
            self.stats.passages += 1;
        }
        if let Some(p) = &self.opts.progress {
            p.update(self.read.stored(), self.stats.documents);
        }
        Ok(None)
    }

    /// Streams a structured file's documents along the indexer's own path
    /// ([`stream::read_records`], [`stream::batch_documents`]); returns the file's plan, whose
    /// column types are complete once it returns.
    fn records(
        &mut self,
        file: &corpus::InputFile,
        warn: &mut dyn FnMut(&Error),
    ) -> Result<Option<Arc<Plan>>> {
        let warn = std::cell::RefCell::new(warn);
        let mut failure: Option<Error> = None;
        let mut skipped = 0u64;
        let read = self.read.clone();
        let roles: &Roles = &self.opts.roles;
        let outcome = stream::read_records(
            file,
            roles,
            Some(read),
            &mut |e| (warn.borrow_mut())(e),
            &mut |plan, items| {
                stream::batch_documents(plan, &file.path, items, |made| match made {
                    stream::Made::Document(_, doc) => match self.document(doc) {
                        Ok(Some(dup)) => (warn.borrow_mut())(&dup),
                        Ok(None) => {}
                        Err(e) => {
                            failure.get_or_insert(e);
                        }
                    },
                    stream::Made::Skipped(e) => {
                        skipped += 1;
                        (warn.borrow_mut())(&e);
                    }
                    stream::Made::Notice(e) => (warn.borrow_mut())(&e),
                });
                failure.is_none()
            },
        );
        self.stats.skipped += skipped;
        if let Some(e) = failure {
            return Err(e);
        }
        let read = outcome?;
        self.stats.skipped += read.skipped;
        Ok(read.plan)
    }
}

/// Records one more sighting of a field's type (integers and decimals widen to decimals; other
/// mixes are text, or keywords when lists are among them).
fn merge_type(types: &mut BTreeMap<String, MetaType>, key: &str, ty: MetaType) {
    types
        .entry(key.to_string())
        .and_modify(|o| *o = o.merge(ty))
        .or_insert(ty);
}

/// The key a metadata field is exported under.
fn export_key(key: &str) -> String {
    if BASE_FIELDS.contains(&key) {
        format!("meta_{key}")
    } else {
        key.to_string()
    }
}

/// One passage as a JSON object: the base fields, then the document's typed metadata.
pub fn passage_json(doc: &Document, p: &passage::Passage) -> Value {
    let mut obj = Map::new();
    obj.insert("doc_id".into(), json!(doc.id));
    obj.insert("passage_id".into(), json!(p.ordinal));
    obj.insert("title".into(), json!(doc.title));
    obj.insert("text".into(), json!(p.text(doc)));
    obj.insert("source".into(), json!(doc.source));
    obj.insert("start".into(), json!(p.start));
    obj.insert("end".into(), json!(p.end));
    for (k, v) in &doc.metadata {
        let value = match v {
            MetaValue::Date(d) => json!(d.to_rfc3339()),
            other => serde_json::to_value(other).expect("metadata always serializes"),
        };
        obj.insert(export_key(k), value);
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clashing_keys_are_prefixed() {
        assert_eq!(export_key("title"), "meta_title");
        assert_eq!(export_key("year"), "year");
    }
}
