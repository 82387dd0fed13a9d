//! Exporting a corpus for a distributed engine (Quickwit, Elasticsearch/OpenSearch): the same
//! readers, the same passages and the same fields as `reel index`, written as an index
//! configuration and NDJSON files split for parallel ingestion. Streams from the corpus, so it
//! needs no index and holds one document at a time.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::corpus::records::{Plan, Roles};
use crate::corpus::stream;
use crate::corpus::{self, Document, MetaValue};
use crate::error::{Error, Result};
use crate::indexer::Progress;
use crate::passage;
use crate::schema::MetaType;

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
    let inputs = corpus::walk(&opts.paths, None)?;
    prepare_out_dir(&opts.out_dir, opts.force)?;
    let mut stats = ExportStats::default();
    stats.skipped += inputs.report_skipped(warn);
    let (prefix, cap) = match opts.target {
        Target::Quickwit => ("passages", QUICKWIT_FILE_BYTES),
        Target::Elasticsearch => ("bulk", BULK_FILE_BYTES),
    };
    let mut out = SplitWriter::new(&opts.out_dir, prefix, cap);
    let mut types: BTreeMap<String, MetaType> = BTreeMap::new();
    let total = inputs.total_bytes();
    if let Some(p) = &opts.progress {
        p.start(total);
    }
    let read = Arc::new(AtomicU64::new(0));
    // Duplicate ids: the first one read wins, as in the index.
    let mut ids: HashMap<u128, String> = HashMap::new();
    for file in &inputs.files {
        let mut duplicates: Vec<Error> = Vec::new();
        let mut write_doc = |doc: Document, stats: &mut ExportStats| -> Result<()> {
            let key = xxhash_rust::xxh3::xxh3_128(doc.id.as_bytes());
            let here = doc.source.clone();
            if let Some(first) = ids.get(&key) {
                stats.skipped += 1;
                duplicates.push(Error::Duplicate {
                    id: doc.id.clone(),
                    kept: first.clone(),
                    dropped: here,
                });
                return Ok(());
            }
            ids.insert(key, here);
            stats.documents += 1;
            let passages = passage::cut(&doc, opts.whole_documents);
            for p in passages {
                let line = passage_json(&doc, &p);
                match opts.target {
                    Target::Quickwit => out.write_lines(&[line.to_string()])?,
                    Target::Elasticsearch => {
                        let action = json!({"index": {"_id": format!("{}#{}", doc.id, p.ordinal)}});
                        out.write_lines(&[action.to_string(), line.to_string()])?;
                    }
                }
                stats.passages += 1;
            }
            if let Some(p) = &opts.progress {
                p.update(read.load(Ordering::Relaxed), stats.documents);
            }
            Ok(())
        };
        let mut file_types: BTreeMap<String, MetaType> = BTreeMap::new();
        let result = if file.format.is_records() {
            records_of(file, opts, &read, warn, &mut stats, &mut write_doc).map(|plan| {
                if let Some(plan) = plan {
                    file_types = plan.metadata_types();
                    for w in stream::misfit_warnings(&plan, &file.path) {
                        warn(&w);
                    }
                }
            })
        } else {
            corpus::read_text(file, Some(read.clone()), warn).and_then(|doc| {
                for (k, v) in &doc.metadata {
                    merge_type(&mut file_types, k, v.meta_type());
                }
                write_doc(doc, &mut stats)
            })
        };
        for d in &duplicates {
            warn(d);
        }
        for (k, t) in file_types {
            merge_type(&mut types, &export_key(&k), t);
        }
        if let Err(e) = result {
            if matches!(e, Error::Io { .. } | Error::Roles { .. }) {
                return Err(e);
            }
            warn(&e);
            stats.skipped += 1;
        }
    }
    stats.files = out.finish()?;
    if let Some(p) = &opts.progress {
        p.finish();
    }
    let (name, config) = match opts.target {
        Target::Quickwit => ("index-config.yaml", quickwit_config(&opts.index_id, &types)),
        Target::Elasticsearch => (
            "mapping.json",
            serde_json::to_string_pretty(&elasticsearch_mapping(&types))
                .expect("a mapping always serializes")
                + "\n",
        ),
    };
    let path = opts.out_dir.join(name);
    std::fs::write(&path, &config).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    stats.files.insert(0, (path, config.len() as u64));
    Ok(stats)
}

/// The files an export writes into its folder (`--force` removes exactly these).
fn is_export_file(name: &str) -> bool {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(".ndjson"))
            .is_some_and(|n| n.len() == 5 && n.bytes().all(|b| b.is_ascii_digit()))
    };
    name == "index-config.yaml"
        || name == "mapping.json"
        || numbered("passages-")
        || numbered("bulk-")
}

/// Creates the output folder, or checks it is empty: an earlier export's extra files would be
/// ingested with the new ones. With `force`, an earlier export's files are removed first, and
/// anything else in the folder is still refused.
fn prepare_out_dir(dir: &Path, force: bool) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut ours = Vec::new();
    let mut others = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_export_file(&name) && entry.file_type().map_err(io)?.is_file() {
            ours.push(entry.path());
        } else {
            others.push(name);
        }
    }
    if !others.is_empty() {
        others.sort();
        return Err(Error::Export(format!(
            "{}: the folder holds other files ({}); export into an empty or new folder",
            dir.display(),
            others.join(", ")
        )));
    }
    if !ours.is_empty() && !force {
        return Err(Error::Export(format!(
            "{}: the folder holds an earlier export ({} files); pass --force to replace it",
            dir.display(),
            ours.len()
        )));
    }
    for path in ours {
        std::fs::remove_file(&path).map_err(|source| Error::Io { path, source })?;
    }
    Ok(())
}

/// Checks an index name against the engine's rules, which refuse others at ingestion.
pub fn check_index_id(target: Target, id: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::Export(format!("--index-id `{id}`: {why}")));
    match target {
        Target::Quickwit => {
            // Quickwit: ^[a-zA-Z][a-zA-Z0-9-_\.]{2,254}$
            let mut chars = id.chars();
            let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
            let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !first_ok || !rest_ok || !(3..=255).contains(&id.len()) {
                return bad(
                    "Quickwit index ids start with a letter, then 2 to 254 letters, digits, \
                     `-`, `_` or `.`",
                );
            }
        }
        Target::Elasticsearch => {
            let forbidden = ['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':'];
            if id.is_empty() || id.len() > 255 {
                return bad("Elasticsearch index names have 1 to 255 bytes");
            }
            if id.chars().any(|c| c.is_uppercase()) {
                return bad("Elasticsearch index names are lower case");
            }
            if let Some(c) = id.chars().find(|c| forbidden.contains(c)) {
                return bad(&format!("Elasticsearch index names cannot hold `{c}`"));
            }
            if id.starts_with(['-', '_', '+']) || id == "." || id == ".." {
                return bad("Elasticsearch index names cannot start with `-`, `_` or `+`, or be `.` or `..`");
            }
        }
    }
    Ok(())
}

/// Records one more sighting of a field's type (integers and decimals widen to decimals; other
/// mixes are text, or keywords when lists are among them).
fn merge_type(types: &mut BTreeMap<String, MetaType>, key: &str, ty: MetaType) {
    types
        .entry(key.to_string())
        .and_modify(|o| *o = o.merge(ty))
        .or_insert(ty);
}

/// Streams a structured file's documents to `f` along the indexer's own path
/// ([`stream::read_records`], [`stream::batch_documents`]); returns the file's plan, whose
/// column types are complete once it returns.
fn records_of(
    file: &corpus::InputFile,
    opts: &ExportOptions,
    read: &Arc<AtomicU64>,
    warn: &mut dyn FnMut(&Error),
    stats: &mut ExportStats,
    f: &mut dyn FnMut(Document, &mut ExportStats) -> Result<()>,
) -> Result<Option<Arc<Plan>>> {
    let warn = std::cell::RefCell::new(warn);
    let mut failure: Option<Error> = None;
    let mut skipped = 0u64;
    let outcome = stream::read_records(
        file,
        &opts.roles,
        Some(read.clone()),
        &mut |e| (warn.borrow_mut())(e),
        &mut |plan, items| {
            stream::batch_documents(plan, &file.path, items, |made| match made {
                stream::Made::Document(_, doc) => {
                    if failure.is_none() {
                        if let Err(e) = f(doc, stats) {
                            failure = Some(e);
                        }
                    }
                }
                stream::Made::Skipped(e) => {
                    skipped += 1;
                    (warn.borrow_mut())(&e);
                }
                stream::Made::Notice(e) => (warn.borrow_mut())(&e),
            });
            failure.is_none()
        },
    );
    stats.skipped += skipped;
    if let Some(e) = failure {
        return Err(e);
    }
    let read = outcome?;
    stats.skipped += read.skipped;
    Ok(read.plan)
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

/// The Quickwit index configuration (YAML). Text is tokenized with `en_stem` (split, lower case,
/// English stemming: reel's analyzer less accent folding); ids and keyword lists are `raw`;
/// numbers and dates are fast fields.
pub fn quickwit_config(index_id: &str, types: &BTreeMap<String, MetaType>) -> String {
    let mut y = String::new();
    y.push_str("version: 0.8\n");
    y.push_str(&format!("index_id: {}\n", yaml_str(index_id)));
    y.push_str("doc_mapping:\n  mode: lenient\n  field_mappings:\n");
    let text = |y: &mut String, name: &str, tokenizer: &str, fast: bool| {
        y.push_str(&format!(
            "    - name: {}\n      type: text\n",
            yaml_str(name)
        ));
        y.push_str(&format!("      tokenizer: {tokenizer}\n"));
        if tokenizer == "en_stem" {
            y.push_str("      record: position\n");
        }
        if fast {
            y.push_str("      fast: true\n");
        }
    };
    text(&mut y, "doc_id", "raw", true);
    y.push_str("    - name: passage_id\n      type: u64\n      fast: true\n");
    text(&mut y, "title", "en_stem", false);
    text(&mut y, "text", "en_stem", false);
    text(&mut y, "source", "raw", false);
    y.push_str("    - name: start\n      type: u64\n      indexed: false\n");
    y.push_str("    - name: end\n      type: u64\n      indexed: false\n");
    for (name, ty) in types {
        let n = yaml_str(name);
        match ty {
            MetaType::Integer => {
                y.push_str(&format!("    - name: {n}\n      type: i64\n      fast: true\n"))
            }
            MetaType::Float => {
                y.push_str(&format!("    - name: {n}\n      type: f64\n      fast: true\n"))
            }
            MetaType::Date => y.push_str(&format!(
                "    - name: {n}\n      type: datetime\n      input_formats: [rfc3339]\n      fast: true\n"
            )),
            MetaType::Keywords => y.push_str(&format!(
                "    - name: {n}\n      type: array<text>\n      tokenizer: raw\n      fast: true\n"
            )),
            MetaType::Text => text(&mut y, name, "en_stem", false),
        }
    }
    let mut search_fields = vec!["title".to_string(), "text".to_string()];
    search_fields.extend(
        types
            .iter()
            .filter(|(_, t)| matches!(t, MetaType::Text))
            .map(|(k, _)| k.clone()),
    );
    let list: Vec<String> = search_fields.iter().map(|f| yaml_str(f)).collect();
    y.push_str(&format!(
        "search_settings:\n  default_search_fields: [{}]\n",
        list.join(", ")
    ));
    y.push_str("indexing_settings:\n  commit_timeout_secs: 30\n");
    y
}

/// A YAML scalar: plain when safe, double-quoted (JSON escaping is valid YAML) otherwise.
fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !s.starts_with(['-', '.'])
        && !matches!(s, "true" | "false" | "null" | "yes" | "no" | "on" | "off");
    if plain && s.parse::<f64>().is_err() {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string always serializes")
    }
}

/// The Elasticsearch/OpenSearch index body: an English analyzer close to reel's (standard
/// tokenizer, lower case, ASCII folding, Snowball English stemmer) and a typed field per column.
pub fn elasticsearch_mapping(types: &BTreeMap<String, MetaType>) -> Value {
    let text = json!({"type": "text", "analyzer": "reel_english"});
    let mut props = Map::new();
    props.insert("doc_id".into(), json!({"type": "keyword"}));
    props.insert("passage_id".into(), json!({"type": "long"}));
    props.insert("title".into(), text.clone());
    props.insert("text".into(), text.clone());
    props.insert("source".into(), json!({"type": "keyword"}));
    props.insert("start".into(), json!({"type": "long", "index": false}));
    props.insert("end".into(), json!({"type": "long", "index": false}));
    for (name, ty) in types {
        let m = match ty {
            MetaType::Integer => json!({"type": "long"}),
            MetaType::Float => json!({"type": "double"}),
            MetaType::Date => json!({"type": "date", "format": "strict_date_optional_time"}),
            MetaType::Keywords => json!({"type": "keyword", "fields": {"text": text}}),
            MetaType::Text => text.clone(),
        };
        props.insert(name.clone(), m);
    }
    json!({
        "settings": {"analysis": {
            "analyzer": {"reel_english": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "reel_english_stemmer"]
            }},
            "filter": {"reel_english_stemmer": {"type": "stemmer", "language": "porter2"}}
        }},
        "mappings": {"properties": props}
    })
}

/// Writes lines into numbered files of at most `cap` bytes; a group of lines (a bulk action and
/// its source) is never split across files.
struct SplitWriter {
    dir: PathBuf,
    prefix: &'static str,
    cap: u64,
    current: Option<(PathBuf, BufWriter<File>, u64)>,
    done: Vec<(PathBuf, u64)>,
}

impl SplitWriter {
    fn new(dir: &Path, prefix: &'static str, cap: u64) -> Self {
        SplitWriter {
            dir: dir.to_path_buf(),
            prefix,
            cap,
            current: None,
            done: Vec::new(),
        }
    }

    fn write_lines(&mut self, lines: &[String]) -> Result<()> {
        let size: u64 = lines.iter().map(|l| l.len() as u64 + 1).sum();
        if let Some((_, _, written)) = &self.current {
            if *written + size > self.cap && *written > 0 {
                self.close()?;
            }
        }
        if self.current.is_none() {
            let path = self
                .dir
                .join(format!("{}-{:05}.ndjson", self.prefix, self.done.len() + 1));
            let file = File::create(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            self.current = Some((path, BufWriter::new(file), 0));
        }
        let (path, w, written) = self.current.as_mut().expect("a file was just opened");
        for l in lines {
            w.write_all(l.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
                .map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
        }
        *written += size;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if let Some((path, mut w, written)) = self.current.take() {
            w.flush().map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            self.done.push((path, written));
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<(PathBuf, u64)>> {
        self.close()?;
        Ok(self.done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_ids_follow_each_engines_rules() {
        assert!(check_index_id(Target::Quickwit, "reel").is_ok());
        assert!(check_index_id(Target::Quickwit, "Reel-2.x_y").is_ok());
        for bad in ["re", "1reel", "re el", "reel/x", ""] {
            assert!(check_index_id(Target::Quickwit, bad).is_err(), "{bad}");
        }
        assert!(check_index_id(Target::Elasticsearch, "reel-2024.x").is_ok());
        for bad in ["Reel", "re el", "a:b", "-x", "_x", "a#b", "a*b", "", ".."] {
            assert!(check_index_id(Target::Elasticsearch, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn export_files_are_known_by_name() {
        for name in [
            "index-config.yaml",
            "mapping.json",
            "passages-00001.ndjson",
            "bulk-00012.ndjson",
        ] {
            assert!(is_export_file(name), "{name}");
        }
        for name in ["notes.txt", "bulk-1.ndjson", "passages-00001.json"] {
            assert!(!is_export_file(name), "{name}");
        }
    }

    #[test]
    fn yaml_scalars_are_quoted_when_needed() {
        assert_eq!(yaml_str("release_year"), "release_year");
        assert_eq!(yaml_str("true"), "\"true\"");
        assert_eq!(yaml_str("2017"), "\"2017\"");
        assert_eq!(yaml_str("a: b"), "\"a: b\"");
    }

    #[test]
    fn split_writer_caps_files_and_keeps_pairs_together() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SplitWriter::new(dir.path(), "bulk", 30);
        for i in 0..5 {
            w.write_lines(&[format!("action{i}"), format!("source{i}")])
                .unwrap();
        }
        let files = w.finish().unwrap();
        assert!(files.len() >= 3);
        for (path, size) in files {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(text.len() as u64, size);
            assert!(size <= 30);
            assert_eq!(text.lines().count() % 2, 0);
        }
    }
}
