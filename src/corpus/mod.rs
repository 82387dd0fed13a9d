//! Reading a corpus: the [`Document`] type, its typed [`Metadata`], and the walk over the paths a
//! user gives (files or folders). One reader per format lives in a submodule; each turns the bytes
//! of one file into documents.
//!
//! The walk never follows symbolic links, never opens anything but regular files, and visits
//! folders in a stable (sorted) order so that runs are reproducible.

pub mod facts;
pub mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One metadata value, typed by what it is. Serialized untagged, so numbers are JSON numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetaValue {
    /// A whole number (a year, a count).
    Int(i64),
    /// A decimal number (a rating).
    Float(f64),
    /// Free text (a name).
    Text(String),
    /// A short list of keywords (genres, countries, cast).
    List(Vec<String>),
}

impl MetaValue {
    /// The value as plain text, for display and for the searchable metadata text.
    pub fn to_text(&self) -> String {
        match self {
            MetaValue::Int(n) => n.to_string(),
            MetaValue::Float(x) => x.to_string(),
            MetaValue::Text(s) => s.clone(),
            MetaValue::List(items) => items.join(", "),
        }
    }
}

/// A document's metadata, by field name (sorted, so output is stable).
pub type Metadata = BTreeMap<String, MetaValue>;

/// One document of the corpus, before it is split into passages.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Stable identifier (for a text file: its path relative to the corpus root, no extension).
    pub id: String,
    /// The title.
    pub title: String,
    /// The file the document came from, as the user named it.
    pub source: String,
    /// The text that passages are cut from. Passage offsets are byte offsets into this string;
    /// for a text file it is the whole file, so they are offsets into the file.
    pub text: String,
    /// Where the body starts in `text` (after a title line or front matter).
    pub body_start: usize,
    /// Typed metadata.
    pub metadata: Metadata,
}

/// The formats reel reads, known by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.txt`: one document per file.
    Text,
    /// `.md`, `.markdown`: one document per file, `#` headings stripped from the title.
    Markdown,
}

impl Format {
    /// The format of a path, from its extension; `None` for files reel does not read.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "text" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }
}

/// A file to read, with the root its document ids are relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The file.
    pub path: PathBuf,
    /// The folder given by the user that contains it (or the file's own folder).
    pub root: PathBuf,
    /// Its format.
    pub format: Format,
}

impl InputFile {
    /// The file's id: its path relative to the root, without extension, with `/` separators.
    pub fn file_id(&self) -> String {
        let rel = self.path.strip_prefix(&self.root).unwrap_or(&self.path);
        let rel = rel.with_extension("");
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.join("/")
    }
}

/// What the walk found: the files to read and the inputs it passed over, with the reason.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Files to read, in a stable order.
    pub files: Vec<InputFile>,
    /// Paths not read, each with why (shown as warnings, counted in the summary).
    pub skipped: Vec<(PathBuf, String)>,
}

/// Walks the given paths. A missing path is an error; a file of an unknown format inside a
/// folder is passed over silently (folders hold other things), while one named explicitly is
/// reported as skipped. Anything under `exclude` (the index folder) is left out.
pub fn walk(paths: &[PathBuf], exclude: Option<&Path>) -> Result<Inputs> {
    let exclude = exclude.and_then(|p| p.canonicalize().ok());
    let mut inputs = Inputs::default();
    for path in paths {
        let meta = std::fs::symlink_metadata(path)
            .map_err(|_| Error::MissingInput { path: path.clone() })?;
        if meta.is_dir() {
            walk_dir(path, exclude.as_deref(), &mut inputs);
        } else {
            // A file named on the command line: follow a symlink here, the user asked for it.
            let is_file = std::fs::metadata(path)
                .map(|m| m.is_file())
                .unwrap_or(false);
            if !is_file {
                inputs
                    .skipped
                    .push((path.clone(), "not a regular file".into()));
                continue;
            }
            match Format::of(path) {
                Some(format) => inputs.files.push(InputFile {
                    path: path.clone(),
                    root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                    format,
                }),
                None => inputs
                    .skipped
                    .push((path.clone(), "unknown file format".into())),
            }
        }
    }
    Ok(inputs)
}

fn walk_dir(root: &Path, exclude: Option<&Path>, inputs: &mut Inputs) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let hidden = e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
            let excluded = match (exclude, e.file_type().is_dir()) {
                (Some(ex), true) => e.path().canonicalize().map(|p| p == ex).unwrap_or(false),
                _ => false,
            };
            !hidden && !excluded
        });
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err.path().map(Path::to_path_buf).unwrap_or_default();
                let reason = err
                    .io_error()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| err.to_string());
                inputs.skipped.push((path, reason));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        if let Some(format) = Format::of(entry.path()) {
            inputs.files.push(InputFile {
                path: entry.path().to_path_buf(),
                root: root.to_path_buf(),
                format,
            });
        }
    }
}

/// Reads one file into its documents.
pub fn read(file: &InputFile) -> Result<Vec<Document>> {
    let bytes = std::fs::read(&file.path).map_err(|source| Error::Read {
        path: file.path.clone(),
        source,
    })?;
    match file.format {
        Format::Text | Format::Markdown => Ok(vec![text::read(file, &bytes)?]),
    }
}
