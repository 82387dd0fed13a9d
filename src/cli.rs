//! The command line, defined once with clap's derive API. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use reel::searcher::{Filter, Sort};

const AFTER_HELP: &str = "\
Exit status:
  0  success (for search: at least one hit)
  1  search found no hits
  2  an error (bad arguments, missing index, unreadable input)

Examples:
  reel index                       index ./corpus into ./index
  reel search \"drug court\"         ranked passages for a query
  reel search 'director:sheldon year:[2015 TO 2019]' --json
  reel stats

Environment:
  REEL_INDEX       the index folder when --index is not given
  NO_COLOR         no colour (--color always overrides it)
  CLICOLOR_FORCE   colour even into a pipe (unless NO_COLOR is set)";

/// `reel search --help`: the query language in brief, before the common notes.
const SEARCH_HELP: &str = "\
Query syntax:
  drug court               either word; passages with both, close together, rank higher
  \"drug court\"~2           a phrase (straight or curly quotes), ~N words apart at most
  +drug -oscar             must have / must not have; also AND, OR, NOT and (groups)
  title:heroin             one field: title, text, meta_text, doc_id, source, or a metadata name
  year:[2015 TO 2019]      a range ({} exclusive); also year:>=2015, rating:<7
  docu*                    a prefix        huntingdon~1   a fuzzy word (1 or 2 edits)
  court^2                  a weight        *              every passage

Examples:
  reel search '\"drug court\" -oscar' -n 5
  reel search 'opioid heroin*' --filter 'listed_in=Documentaries' --sort release_year --json

Exit status:
  0  at least one hit
  1  no hits
  2  an error (bad arguments, a query or filter that cannot be read, missing index)

Environment:
  REEL_INDEX       the index folder when --index is not given
  NO_COLOR         no colour (--color always overrides it)
  CLICOLOR_FORCE   colour even into a pipe (unless NO_COLOR is set)
  COLUMNS          the width to wrap to on a terminal";

/// Search documentary and film reviews: index a corpus into passages, then search ranked
/// passages with highlighted matches.
#[derive(Debug, Parser)]
#[command(name = "reel", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// When to colour output: auto (on a terminal unless TERM=dumb; never with NO_COLOR; also
    /// into a pipe with CLICOLOR_FORCE).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The version line: reel's own, and the tantivy and index schema versions it reads and writes.
pub fn version() -> String {
    format!(
        "{} (tantivy {}, index schema {})",
        env!("CARGO_PKG_VERSION"),
        // "tantivy v0.27.0, index_format v7": the version without its `v`.
        tantivy::version_string()
            .split_whitespace()
            .nth(1)
            .unwrap_or("?")
            .trim_start_matches('v')
            .trim_end_matches(','),
        reel::schema::SCHEMA_VERSION
    )
}

/// Colour choice for human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal whose TERM is not dumb, or wherever CLICOLOR_FORCE is set (not
    /// 0); never when NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// reel's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index files and folders (.txt, .md, .html, .srt, .vtt, .csv, .tsv, .jsonl, .ndjson, .json;
    /// also .gz, .zst).
    #[command(after_help = AFTER_HELP)]
    Index(IndexArgs),
    /// Search the index and print ranked passages.
    #[command(after_help = SEARCH_HELP)]
    Search(SearchArgs),
    /// Show what an index holds: documents, passages, fields, size on disk.
    #[command(after_help = AFTER_HELP)]
    Stats(StatsArgs),
    /// Export the corpus's passages for Quickwit or Elasticsearch/OpenSearch (an index
    /// configuration and NDJSON files), for when one machine is not enough.
    #[command(after_help = AFTER_HELP)]
    Export(ExportArgs),
    /// Check an index end to end: every file's checksum, the schema version, every stored
    /// passage read back, counts against the last commit. Exit 2 if anything is damaged.
    #[command(after_help = AFTER_HELP)]
    Verify(VerifyArgs),
    /// Measure ranking quality: run a queries file and score it against relevance judgments
    /// (nDCG@10, MAP, Recall@100, MRR@10, P@10).
    #[command(after_help = AFTER_HELP)]
    Eval(EvalArgs),
    /// Serve the index as a local JSON API (read only; a new commit is seen without a restart).
    #[command(after_help = AFTER_HELP)]
    Serve(ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout.
    #[command(after_help = MAN_HELP)]
    Man,
}

const COMPLETIONS_HELP: &str = "\
Install:
  bash  reel completions bash > ~/.local/share/bash-completion/completions/reel
  zsh   reel completions zsh > ~/.zfunc/_reel   (with fpath+=~/.zfunc before compinit)
  fish  reel completions fish > ~/.config/fish/completions/reel.fish";

const MAN_HELP: &str = "\
Install:
  reel man > ~/.local/share/man/man1/reel.1   (then: man reel)";

/// `reel completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `reel index`.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Files or folders to add to the ones the index follows. Without a path, every followed
    /// path is brought up to date (a new index reads ./corpus).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Stop following a file or folder: its documents leave the index. Repeat for several.
    #[arg(long, value_name = "PATH")]
    pub forget: Vec<PathBuf>,

    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = "index", env = "REEL_INDEX")]
    pub index: PathBuf,

    /// Start from an empty index (needed when the index was made by another version of reel).
    #[arg(long)]
    pub rebuild: bool,

    /// Writer threads (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,

    /// Writer memory budget in MiB, shared by the threads (at least 15 MiB per thread).
    #[arg(long, value_name = "MiB", default_value_t = 128,
          value_parser = clap::value_parser!(u64).range(15..=65536))]
    pub memory: u64,

    /// No progress bar, summary or warnings on stderr, only errors.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Name every file passed over (files of unsupported types are otherwise only counted) and
    /// show every warning in full (otherwise the first 20 are shown and the rest counted).
    #[arg(short, long)]
    pub verbose: bool,

    /// Embed every passage with a sentence-embedding model, for semantic and hybrid search.
    /// The index remembers it: later runs embed what they add (turning it on re-reads every
    /// file once).
    #[arg(long, conflicts_with = "no_semantic")]
    pub semantic: bool,

    /// Stop embedding: the index is re-read without vectors.
    #[arg(long)]
    pub no_semantic: bool,

    #[command(flatten)]
    pub model: ModelArgs,

    /// How documents are read and cut.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Where the sentence-embedding model is.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// The sentence-embedding model folder (Hugging Face layout: config.json, tokenizer.json,
    /// model.safetensors); default: the cache folder (~/.cache/reel/all-MiniLM-L6-v2).
    #[arg(long, value_name = "DIR", env = "REEL_MODEL")]
    pub model: Option<PathBuf>,
}

/// How `reel index` and `reel export` read documents and cut passages.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// One passage per document (no paragraph splitting): for corpora of short documents such
    /// as abstracts, or to rank whole documents.
    #[arg(long, conflicts_with = "no_whole_documents")]
    pub whole_documents: bool,

    /// Cut documents into paragraphs again (undoes a remembered --whole-documents; reel
    /// index only).
    #[arg(long)]
    pub no_whole_documents: bool,

    /// Column or key holding the document id in CSV/JSON inputs (default: the first of id, _id,
    /// doc_id, docid, show_id).
    #[arg(long, value_name = "NAME")]
    pub id_field: Option<String>,

    /// Column or key holding the title (default: title or name).
    #[arg(long, value_name = "NAME")]
    pub title_field: Option<String>,

    /// Column or key holding text to search; repeat for several (default: every one of text,
    /// body, content, contents, description, review, plot, abstract).
    #[arg(long, value_name = "NAME")]
    pub text_field: Vec<String>,
}

impl ReadArgs {
    /// The read settings given, each to change what a followed path remembers.
    pub fn flags(&self) -> reel::state::ReadFlags {
        reel::state::ReadFlags {
            whole_documents: if self.whole_documents {
                Some(true)
            } else if self.no_whole_documents {
                Some(false)
            } else {
                None
            },
            id_field: self.id_field.clone(),
            title_field: self.title_field.clone(),
            text_fields: (!self.text_field.is_empty()).then(|| self.text_field.clone()),
        }
    }

    /// The field roles given.
    pub fn roles(&self) -> reel::corpus::records::Roles {
        reel::corpus::records::Roles {
            id: self.id_field.clone(),
            title: self.title_field.clone(),
            text: self.text_field.clone(),
        }
    }
}

/// `reel search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query: words, "quoted phrases", AND/OR/NOT, +must -mustnot, field:value,
    /// field:[low TO high], field:>=value (also >, <=, <), prefix*, word~1, word^2. Several
    /// arguments are joined with spaces.
    #[arg(value_name = "QUERY", required_unless_present = "queries")]
    pub query: Vec<String>,

    /// Run every query of a file (`qid<TAB>query text` per line; `-` reads standard input) on
    /// all cores. These queries are read as plain words (no operators, fields or phrases).
    #[arg(long, value_name = "FILE", conflicts_with = "query")]
    pub queries: Option<PathBuf>,

    /// Output format (--json is short for --format json).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Rank passages, or documents by their best passage (one line per document). Default:
    /// passage, except for --format trec, which ranks documents (a TREC run lists each document
    /// once); `--format trec --unit passage` writes `doc_id#passage_id` ids.
    #[arg(long, value_enum)]
    pub unit: Option<UnitArg>,

    /// Do not expand --queries with words from their best passages (pseudo-relevance
    /// feedback, on by default for --queries).
    #[arg(long)]
    pub no_feedback: bool,

    /// Print only how many passages match (documents with --unit doc or --per-doc), as
    /// `rg --count` does; with --queries, `qid<TAB>count` per query. Exit 1 when none match.
    #[arg(long, conflicts_with_all = ["json", "format", "sort"])]
    pub count: bool,

    /// Threads for --queries (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,

    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = "index", env = "REEL_INDEX")]
    pub index: PathBuf,

    /// Most passages to print.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub limit: u64,

    /// Print JSON Lines, one object per hit (GUIDE.md gives the fields).
    #[arg(long)]
    pub json: bool,

    /// Keep at most K passages of any one document.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub per_doc: Option<u64>,

    /// Keep only hits whose metadata meets a condition: FIELD=VALUE, FIELD!=VALUE, or
    /// FIELD>=VALUE (also >, <=, <) on numbers and dates (YYYY-MM-DD). Repeat to AND them.
    #[arg(long, value_name = "EXPR")]
    pub filter: Vec<Filter>,

    /// Search only files whose path matches GLOB (`!GLOB` leaves them out), as ripgrep's -g:
    /// without a `/` it matches a file or folder name (`*.md`, `!drafts`), with one the path
    /// from here (`reviews/2017/*`). Repeat: a file is kept when it matches any including glob.
    #[arg(short = 'g', long, value_name = "GLOB", allow_hyphen_values = true)]
    pub glob: Vec<String>,

    /// Search only the file PATH, or the files below the folder PATH (`!PATH` leaves them
    /// out). Repeatable, with --glob.
    #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
    pub source: Vec<String>,

    /// Order by a numeric or date field instead of relevance: FIELD, FIELD:desc or FIELD:asc.
    #[arg(long, value_name = "FIELD[:asc|desc]")]
    pub sort: Option<Sort>,

    #[command(flatten)]
    pub semantic: SemanticArgs,
}

/// Semantic and hybrid search.
#[derive(Debug, Args)]
pub struct SemanticArgs {
    /// lexical: words (BM25); semantic: meaning (the passages' vectors nearest the query's);
    /// hybrid: both, fused. Default: hybrid on an index built with --semantic, else lexical.
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,

    #[command(flatten)]
    pub model: ModelArgs,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Words only.
    Lexical,
    /// Meaning only.
    Semantic,
    /// Words and meaning, fused.
    Hybrid,
}

/// Output formats of `reel search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: rank, score, title, metadata, highlighted passage.
    Human,
    /// JSON Lines, one object per hit.
    Json,
    /// TREC run lines: `qid Q0 doc_id rank score reel`.
    Trec,
}

/// What `reel search` and `reel eval` rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    /// Passages.
    Passage,
    /// Documents, by their best passage.
    Doc,
}

/// `reel eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = "index", env = "REEL_INDEX")]
    pub index: PathBuf,

    /// Queries: `qid<TAB>query text` per line (`-` reads standard input).
    #[arg(long, value_name = "FILE")]
    pub queries: PathBuf,

    /// Relevance judgments: TREC (`qid 0 doc_id grade`) or BEIR (`query-id corpus-id score`).
    #[arg(long, value_name = "FILE")]
    pub qrels: PathBuf,

    /// What to rank; judgments are about documents, so documents by default.
    #[arg(long, value_enum, default_value_t = UnitArg::Doc)]
    pub unit: UnitArg,

    /// Depth of each query's ranking (MAP and Recall@100 look this deep).
    #[arg(short = 'n', long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub limit: u64,

    /// Threads (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,

    /// Do not expand the queries with words from their best passages.
    #[arg(long)]
    pub no_feedback: bool,

    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub semantic: SemanticArgs,
}

/// Engines `reel export` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportTarget {
    /// Quickwit: index-config.yaml and passages-NNNNN.ndjson (at most 100 MiB each).
    Quickwit,
    /// Elasticsearch or OpenSearch: mapping.json and bulk-NNNNN.ndjson (at most 10 MiB each).
    Elasticsearch,
}

/// `reel export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The engine to export for.
    #[arg(long, value_enum)]
    pub to: ExportTarget,

    /// The folder to write into (created if missing).
    #[arg(value_name = "OUT_DIR")]
    pub out_dir: PathBuf,

    /// Files or folders to export.
    #[arg(value_name = "PATH", default_value = "corpus")]
    pub paths: Vec<PathBuf>,

    /// The index name in the configuration (checked against the engine's naming rules).
    #[arg(long, value_name = "NAME", default_value = "reel")]
    pub index_id: String,

    /// Replace an earlier export in OUT_DIR (its files are removed first; other files are never
    /// touched, and a folder holding them is refused).
    #[arg(long)]
    pub force: bool,

    /// How documents are read and cut.
    #[command(flatten)]
    pub read: ReadArgs,

    /// No progress bar, summary or warnings.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Show every warning in full (otherwise the first 20 are shown and the rest counted).
    #[arg(short, long)]
    pub verbose: bool,

    /// Embed each passage and write its vector with a `dense_vector` mapping, for the same
    /// hybrid search in the cluster (Elasticsearch and OpenSearch; Quickwit has no vector field).
    #[arg(long)]
    pub semantic: bool,

    #[command(flatten)]
    pub model: ModelArgs,
}

/// `reel stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = "index", env = "REEL_INDEX")]
    pub index: PathBuf,

    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `reel serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = "index", env = "REEL_INDEX")]
    pub index: PathBuf,

    /// The address to listen on: the loopback interface unless you say otherwise (port 0 picks
    /// a free port; the address taken is printed on stderr).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7700")]
    pub addr: String,

    /// Requests answered at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub threads: usize,

    #[command(flatten)]
    pub semantic: SemanticArgs,
}

/// `reel verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = "index", env = "REEL_INDEX")]
    pub index: PathBuf,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,

    /// Also compare the index with the files it follows: list the documents the files give
    /// that it lacks (missing), those it holds that they do not give (extra), and the files
    /// indexed as they no longer are (stale). Exit 1 when they differ.
    #[arg(long)]
    pub sources: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
