//! Reading a corpus: the [`Document`] type, its typed [`Metadata`], and the walk over the paths a
//! user gives (files or folders). One reader per format lives in a submodule; each turns the bytes
//! of one file into documents.
//!
//! The walk follows a symbolic link named as a root (the user asked for it), never one inside a
//! folder, never opens anything but regular files, and visits folders in a stable (sorted)
//! order so that runs are reproducible. Each file gets an id unique among the files walked
//! ([`identity`]).

pub mod blocks;
pub mod csv;
mod encoding;
pub mod facts;
pub mod html;
pub mod identity;
pub mod jsonl;
pub mod markdown;
pub mod markup;
pub mod records;
pub mod stream;
pub mod subtitles;
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
    /// Every input has been read, into this many documents and records still being made into
    /// passages (progress is then theirs, not the bytes').
    fn read_all(&self, _documents: u64) {}
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
    /// The file the document came from: its absolute, resolved path.
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
    /// (see `passage::places`).
    pub record_line: Option<u64>,
    /// For a document whose text is not its file's (HTML, Markdown, subtitles, text with
    /// markup): where each block of `text` came from, in order (see [`blocks`]). Empty
    /// otherwise.
    pub origins: Vec<blocks::Origin>,
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
    /// `.html`, `.htm`, `.xhtml`: one document per page, its main content.
    Html,
    /// `.srt`: SubRip subtitles, one document per file, cues merged into passages.
    Srt,
    /// `.vtt`: WebVTT subtitles and captions.
    Vtt,
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
    ".txt, .md, .html, .srt, .vtt, .csv, .tsv, .jsonl and .json (also .text, \
     .markdown, .htm, .xhtml, .tab, .ndjson), plain or .gz or .zst";

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
            "html" | "htm" | "xhtml" => Format::Html,
            "srt" => Format::Srt,
            "vtt" => Format::Vtt,
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

/// A file to read: where it is, which root it was found under, and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// The file as messages name it and as it is opened: relative to the current folder when
    /// it lies below it, else absolute.
    pub path: PathBuf,
    /// The file's absolute, resolved path as text: its documents' `source`, and the key the
    /// index knows the file by.
    pub source: String,
    /// The position of the root it was found under, among the roots walked.
    pub root: usize,
    /// Its path relative to that root (for a root that is a file: its name).
    pub rel: PathBuf,
    /// Its id, unique among the files walked: its path relative to the root without
    /// extensions, unless another file has that id ([`identity`]).
    pub id: String,
    /// Its format.
    pub format: Format,
    /// Its compression.
    pub compression: Compression,
}

impl InputFile {
    /// A file from its absolute path, the root it is under and how it is shown.
    pub fn new(abs: &Path, root: usize, root_path: &Path, cwd: Option<&Path>) -> Option<Self> {
        let (format, compression) = Format::of(abs)?;
        let rel = match abs.strip_prefix(root_path) {
            Ok(r) if !r.as_os_str().is_empty() => r.to_path_buf(),
            _ => PathBuf::from(abs.file_name().unwrap_or(abs.as_os_str())),
        };
        let mut file = InputFile {
            path: crate::paths::shown(abs, cwd),
            source: crate::paths::text(abs),
            root,
            rel,
            id: String::new(),
            format,
            compression,
        };
        file.id = identity::natural(&file);
        Some(file)
    }

    /// The file's id (see [`identity`]).
    pub fn file_id(&self) -> String {
        self.id.clone()
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

    /// Gives every file its id: its natural id unless an earlier file or one of `taken` has it
    /// ([`identity::assign`]).
    pub fn assign_ids(&mut self, taken: &identity::Taken) {
        identity::assign(&mut self.files, taken);
    }

    /// Bytes on disk of the files to read (as stored, compressed or not), for progress.
    pub fn total_bytes(&self) -> u64 {
        self.files
            .iter()
            .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
            .sum()
    }
}

/// Walks the given paths, resolved against `cwd` (see [`crate::paths`]): a folder is walked,
/// a file (or a link to one) is read. A path that does not resolve is an error; a file of an
/// unknown format inside a folder is passed over and counted (folders hold other things), while
/// one named explicitly is reported as skipped. Anything under `exclude` (the index folder) is
/// left out. A file found under two roots is read once, under the first. Every file gets its
/// id ([`Inputs::assign_ids`]).
pub fn walk(paths: &[PathBuf], exclude: Option<&Path>, cwd: Option<&Path>) -> Result<Inputs> {
    let exclude = exclude.and_then(|p| p.canonicalize().ok());
    let here = cwd.map(Path::to_path_buf).unwrap_or_default();
    let mut inputs = Inputs::default();
    let mut seen = std::collections::HashSet::new();
    for (root, given) in paths.iter().enumerate() {
        let path = crate::paths::resolve(given, &here).map_err(|_| Error::MissingInput {
            path: given.clone(),
        })?;
        let meta = std::fs::metadata(&path).map_err(|_| Error::MissingInput {
            path: given.clone(),
        })?;
        let before = inputs.files.len();
        if meta.is_dir() {
            walk_dir(&path, root, exclude.as_deref(), cwd, &mut inputs);
        } else if !meta.is_file() {
            inputs
                .skipped
                .push((given.clone(), "not a regular file".into()));
        } else {
            match InputFile::new(&path, root, &path, cwd) {
                Some(file) => inputs.files.push(file),
                None => inputs
                    .skipped
                    .push((given.clone(), "unknown file format".into())),
            }
        }
        let mut kept = Vec::new();
        for file in inputs.files.drain(before..) {
            if seen.insert(file.source.clone()) {
                kept.push(file);
            }
        }
        inputs.files.extend(kept);
    }
    inputs.assign_ids(&identity::Taken::default());
    Ok(inputs)
}

fn walk_dir(
    root: &Path,
    root_no: usize,
    exclude: Option<&Path>,
    cwd: Option<&Path>,
    inputs: &mut Inputs,
) {
    let shown = |p: &Path| crate::paths::shown(p, cwd);
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
                let path = err.path().map(shown).unwrap_or_default();
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
            inputs
                .skipped
                .push((shown(entry.path()), "symbolic link (not followed)".into()));
            continue;
        }
        if !kind.is_file() {
            if !kind.is_dir() {
                inputs.skipped.push((
                    shown(entry.path()),
                    "not a regular file (FIFO, socket or device; not opened)".into(),
                ));
            }
            continue;
        }
        match InputFile::new(entry.path(), root_no, root, cwd) {
            Some(file) => inputs.files.push(file),
            None => inputs.unsupported.push(shown(entry.path())),
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

/// Bytes read from the inputs: as stored on disk (compressed or not), for progress against
/// their sizes, and decompressed, as the readers see them (what a user thinks of as the size of
/// what was read).
#[derive(Debug, Default)]
pub struct BytesRead {
    /// As stored.
    pub stored: std::sync::atomic::AtomicU64,
    /// Decompressed.
    pub decoded: std::sync::atomic::AtomicU64,
}

impl BytesRead {
    /// Bytes as stored so far.
    pub fn stored(&self) -> u64 {
        self.stored.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Bytes decompressed so far.
    pub fn decoded(&self) -> u64 {
        self.decoded.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Opens a file for streaming, decompressing `.gz` and `.zst` on the fly (never to disk).
/// `counter` is advanced by the bytes read, as stored and decompressed.
pub fn open(
    file: &InputFile,
    counter: Option<std::sync::Arc<BytesRead>>,
) -> Result<Box<dyn BufRead + Send>> {
    let read_err = |source| Error::Read {
        path: file.path.clone(),
        source,
    };
    let raw = std::fs::File::open(&file.path).map_err(read_err)?;
    let plain = file.compression == Compression::None;
    let raw = CountingReader {
        inner: raw,
        counter: counter.clone(),
        stored: true,
        decoded: plain,
    };
    let decoded = |inner: Box<dyn Read + Send>| CountingReader {
        inner,
        counter: counter.clone(),
        stored: false,
        decoded: true,
    };
    let reader: Box<dyn BufRead + Send> = match file.compression {
        Compression::None => Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, raw)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            decoded(Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(
                raw,
            )))),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            decoded(Box::new(
                zstd::stream::read::Decoder::new(raw).map_err(read_err)?,
            )),
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
    counter: Option<std::sync::Arc<BytesRead>>,
    f: &mut dyn FnMut(Result<Item>) -> bool,
) -> Result<()> {
    let mut reader = open(file, counter)?;
    // A NUL byte near the start (after decompression) means this is not text: skip the file
    // rather than index garbage records.
    let head = reader.fill_buf().map_err(|source| Error::Read {
        path: file.path.clone(),
        source,
    })?;
    if encoding::looks_binary(head) {
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
        Format::Text | Format::Markdown | Format::Html | Format::Srt | Format::Vtt => {
            Err(Error::File {
                path: file.path.clone(),
                message: "not a structured format".into(),
            })
        }
    }
}

/// The UTF-8 byte-order mark some editors write at the start of a file.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Read buffer size: large sequential reads, small enough to not matter for memory.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// Counts the bytes that pass through it, as stored, decompressed or both (a plain file).
struct CountingReader<R> {
    inner: R,
    counter: Option<std::sync::Arc<BytesRead>>,
    stored: bool,
    decoded: bool,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(c) = &self.counter {
            let relaxed = std::sync::atomic::Ordering::Relaxed;
            if self.stored {
                c.stored.fetch_add(n as u64, relaxed);
            }
            if self.decoded {
                c.decoded.fetch_add(n as u64, relaxed);
            }
        }
        Ok(n)
    }
}

/// Reads a whole text, Markdown, HTML or subtitle file (through its decompression) into its
/// document. Lines that are not UTF-8 are read as Windows-1252 ([`decode`]) and reported to
/// `warn` once.
pub fn read_text(
    file: &InputFile,
    counter: Option<std::sync::Arc<BytesRead>>,
    warn: &mut dyn FnMut(&Error),
) -> Result<Document> {
    let mut bytes = Vec::new();
    open(file, counter)?
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: file.path.clone(),
            source,
        })?;
    let doc = match file.format {
        Format::Html => html::read(file, &bytes, warn)?,
        Format::Srt | Format::Vtt => subtitles::read(file, &bytes, warn)?,
        _ => text::read(file, &bytes, warn)?,
    };
    if let Err(e) = std::str::from_utf8(&bytes) {
        let before = &bytes[..e.valid_up_to()];
        warn(&Error::Lossy {
            path: file.path.clone(),
            line: before.iter().filter(|&&b| b == b'\n').count() as u64 + 1,
        });
    }
    Ok(doc)
}
