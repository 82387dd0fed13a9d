//! Reading a corpus: the [`Document`] type, its typed [`Metadata`], and the walk over the paths a
//! user gives (files or folders). One reader per format lives in a submodule; each turns the bytes
//! of one file into documents.
//!
//! The walk never follows symbolic links, never opens anything but regular files, and visits
//! folders in a stable (sorted) order so that runs are reproducible.

pub mod csv;
mod encoding;
pub mod facts;
pub mod jsonl;
pub mod records;
pub mod stream;
pub mod text;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
pub use crate::meta::{dates, MetaValue, Metadata};
pub use encoding::{decode, Utf8Repair};

/// Receives progress while a corpus is read (indexing, exporting; the binary draws a bar).
pub trait Progress: Send + Sync {
    /// Reading starts; `total_bytes` is the size on disk of the inputs to read.
    fn start(&self, total_bytes: u64);
    /// Bytes of input read so far (as stored, compressed or not) and documents made.
    fn update(&self, bytes_read: u64, documents: u64);
    /// Passages embedded so far (a semantic index).
    fn embedded(&self, _passages: u64) {}
    /// Reading is done (committing or closing files follows).
    fn finish(&self);
}

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
    /// The 1-based line of its file a record starts on (0 when unknown); `None` for a text
    /// file, whose text is the file itself, so a passage's line is counted from its offset
    /// (see `passage::lines`).
    pub record_line: Option<u64>,
}

/// The formats reel reads, known by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.txt`: one document per file.
    Text,
    /// `.md`, `.markdown`: one document per file, `#` headings stripped from the title, YAML
    /// front matter read as metadata.
    Markdown,
    /// `.csv` (comma) and `.tsv` (tab) with a header row: one document per row.
    Csv {
        /// The field delimiter.
        delimiter: u8,
    },
    /// `.jsonl`, `.ndjson`: one JSON object per line, one document per object.
    JsonLines,
    /// `.json`: an array of objects (or one object), one document per object.
    JsonArray,
}

/// How a file is compressed, known by its last extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// `.gz`.
    Gzip,
    /// `.zst`.
    Zstd,
}

/// The file types [`Format::of`] reads, for messages.
pub const SUPPORTED: &str =
    ".txt, .md, .csv, .tsv, .jsonl and .json (also .text, .markdown, .tab, .ndjson), plain or .gz or .zst";

impl Format {
    /// The format and compression of a path, from its extensions (`reviews.jsonl.zst`); `None`
    /// for files reel does not read.
    pub fn of(path: &Path) -> Option<(Format, Compression)> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let (name, compression) = if let Some(n) = name.strip_suffix(".gz") {
            (n, Compression::Gzip)
        } else if let Some(n) = name.strip_suffix(".zst") {
            (n, Compression::Zstd)
        } else {
            (name.as_str(), Compression::None)
        };
        let ext = Path::new(name).extension()?.to_str()?;
        let format = match ext {
            "txt" | "text" => Format::Text,
            "md" | "markdown" => Format::Markdown,
            "csv" => Format::Csv { delimiter: b',' },
            "tsv" | "tab" => Format::Csv { delimiter: b'\t' },
            "jsonl" | "ndjson" => Format::JsonLines,
            "json" => Format::JsonArray,
            _ => return None,
        };
        Some((format, compression))
    }

    /// True for formats with one document per record (row, line, object).
    pub fn is_records(self) -> bool {
        matches!(
            self,
            Format::Csv { .. } | Format::JsonLines | Format::JsonArray
        )
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
    /// Its compression.
    pub compression: Compression,
}

impl InputFile {
    /// The file's id: its path relative to the root, without extensions (format and
    /// compression), with `/` separators.
    pub fn file_id(&self) -> String {
        let rel = self.path.strip_prefix(&self.root).unwrap_or(&self.path);
        let mut rel = rel.with_extension("");
        if self.compression != Compression::None {
            rel = rel.with_extension("");
        }
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
    /// Files inside folders whose type reel does not read (`.docx`, `.pdf`...): counted in the
    /// summary by extension, named with `--verbose`.
    pub unsupported: Vec<PathBuf>,
}

impl Inputs {
    /// Reports each input passed over to `warn`; returns how many there were.
    pub fn report_skipped(&self, warn: &mut dyn FnMut(&Error)) -> u64 {
        for (path, reason) in &self.skipped {
            warn(&Error::File {
                path: path.clone(),
                message: format!("{reason}, skipped"),
            });
        }
        self.skipped.len() as u64
    }

    /// The unsupported files by extension (`.docx`, or `(no extension)`), with counts, sorted.
    pub fn unsupported_by_type(&self) -> Vec<(String, usize)> {
        let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
        for path in &self.unsupported {
            *counts.entry(extension_of(path)).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    }

    /// Bytes on disk of the files to read (as stored, compressed or not), for progress.
    pub fn total_bytes(&self) -> u64 {
        self.files
            .iter()
            .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
            .sum()
    }
}

/// Walks the given paths. A missing path is an error; a file of an unknown format inside a
/// folder is passed over and counted (folders hold other things), while one named explicitly
/// is reported as skipped. Anything under `exclude` (the index folder) is left out.
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
                Some((format, compression)) => inputs.files.push(InputFile {
                    path: path.clone(),
                    root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                    format,
                    compression,
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
        let kind = entry.file_type();
        if kind.is_symlink() {
            inputs.skipped.push((
                entry.path().to_path_buf(),
                "symbolic link (not followed)".into(),
            ));
            continue;
        }
        if !kind.is_file() {
            if !kind.is_dir() {
                inputs.skipped.push((
                    entry.path().to_path_buf(),
                    "not a regular file (FIFO, socket or device; not opened)".into(),
                ));
            }
            continue;
        }
        match Format::of(entry.path()) {
            Some((format, compression)) => inputs.files.push(InputFile {
                path: entry.path().to_path_buf(),
                root: root.to_path_buf(),
                format,
                compression,
            }),
            None => inputs.unsupported.push(entry.path().to_path_buf()),
        }
    }
}

/// A file's extension as users name a type (`.docx`), lower-cased; `(no extension)` if none.
pub fn extension_of(path: &Path) -> String {
    match path.extension() {
        Some(e) => format!(".{}", e.to_string_lossy().to_lowercase()),
        None => "(no extension)".to_string(),
    }
}

/// Opens a file for streaming, decompressing `.gz` and `.zst` on the fly (never to disk).
/// `counter` is advanced by the compressed bytes read, for progress.
pub fn open(
    file: &InputFile,
    counter: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
) -> Result<Box<dyn BufRead + Send>> {
    let read_err = |source| Error::Read {
        path: file.path.clone(),
        source,
    };
    let raw = std::fs::File::open(&file.path).map_err(read_err)?;
    let raw = CountingReader {
        inner: raw,
        counter,
    };
    let reader: Box<dyn BufRead + Send> = match file.compression {
        Compression::None => Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, raw)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            flate2::read::MultiGzDecoder::new(BufReader::new(raw)),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            zstd::stream::read::Decoder::new(raw).map_err(read_err)?,
        )),
    };
    encoding::utf16_as_utf8(reader, READ_BUFFER_BYTES).map_err(read_err)
}

/// One unit of a structured file on its way to becoming a document.
#[derive(Debug)]
pub enum Item {
    /// A parsed record (CSV row, JSON array element).
    Record(records::RawRecord),
    /// A JSON line not parsed yet (parsing is left to the parallel workers).
    JsonLine {
        /// 1-based line number.
        number: u64,
        /// The line.
        line: String,
    },
}

impl Item {
    /// The record, parsing a JSON line if needed.
    pub fn into_record(self, path: &Path) -> Result<records::RawRecord> {
        match self {
            Item::Record(r) => Ok(r),
            Item::JsonLine { number, line } => jsonl::parse_line(path, number, &line),
        }
    }
}

/// Streams the records of a structured file (CSV, TSV, JSON Lines, JSON array) to `f`, which
/// returns false to stop early. Bad records are passed as errors and the stream goes on; an error
/// that ends the file (unreadable, truncated compression) is returned.
pub fn stream_records(
    file: &InputFile,
    counter: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    f: &mut dyn FnMut(Result<Item>) -> bool,
) -> Result<()> {
    let mut reader = open(file, counter)?;
    // A NUL byte near the start (after decompression) means this is not text: skip the file
    // rather than index garbage records.
    let head = reader.fill_buf().map_err(|source| Error::Read {
        path: file.path.clone(),
        source,
    })?;
    if head[..head.len().min(text::BINARY_SNIFF_BYTES)].contains(&0) {
        return Err(Error::Record {
            path: file.path.clone(),
            line: 1,
            message: "binary file, skipped".into(),
        });
    }
    // A byte-order mark is not JSON (the CSV reader drops its own).
    let bom = head.starts_with(BOM);
    if bom && matches!(file.format, Format::JsonLines | Format::JsonArray) {
        reader.consume(BOM.len());
    }
    match file.format {
        Format::Csv { delimiter } => csv::stream(file, reader, delimiter, f),
        Format::JsonLines => jsonl::stream_lines(file, reader, f),
        Format::JsonArray => jsonl::stream_array(file, reader, f),
        Format::Text | Format::Markdown => Err(Error::File {
            path: file.path.clone(),
            message: "not a structured format".into(),
        }),
    }
}

/// The UTF-8 byte-order mark some editors write at the start of a file.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Read buffer size: large sequential reads, small enough to not matter for memory.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// Counts the bytes that pass through it.
struct CountingReader<R> {
    inner: R,
    counter: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(c) = &self.counter {
            c.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Reads a whole text or Markdown file (through its decompression) into its document. Lines that
/// are not UTF-8 are read as Windows-1252 ([`decode`]) and reported to `warn` once.
pub fn read_text(
    file: &InputFile,
    counter: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    warn: &mut dyn FnMut(&Error),
) -> Result<Document> {
    let mut bytes = Vec::new();
    open(file, counter)?
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: file.path.clone(),
            source,
        })?;
    let doc = text::read(file, &bytes, warn)?;
    if let Err(e) = std::str::from_utf8(&bytes) {
        let before = &bytes[..e.valid_up_to()];
        warn(&Error::Lossy {
            path: file.path.clone(),
            line: before.iter().filter(|&&b| b == b'\n').count() as u64 + 1,
        });
    }
    Ok(doc)
}
