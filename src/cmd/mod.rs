//! One file per subcommand: glue from parsed arguments to library calls to a printer.

mod eval;
mod export;
mod index;
mod search;
mod serve;
mod signal;
mod stats;
mod verify;

use std::io::IsTerminal;
use std::process::ExitCode;

use crate::cli::{Cli, ColorChoice, Command};

/// Exit code for "ran fine but found nothing".
pub const EXIT_NO_HITS: u8 = 1;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let color = use_color(cli.color);
    match cli.command {
        Command::Index(args) => {
            signal::exit_on_signal("reel: interrupted; the index is unchanged at its last commit");
            index::run(args)
        }
        Command::Search(args) => search::run(args, color),
        Command::Stats(args) => stats::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Export(args) => export::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Completions(args) => {
            // Generated into memory: clap_complete panics when its output goes away.
            let mut script = Vec::new();
            let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "reel", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let command = <crate::cli::Cli as clap::CommandFactory>::command()
                .version(&*Box::leak(crate::cli::version().into_boxed_str()));
            let page = man_page(command)?;
            std::io::Write::write_all(&mut std::io::stdout().lock(), &page)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Examples for the manual page: what to type, and what it does.
const MAN_EXAMPLES: [(&str, &str); 9] = [
    (
        "reel index",
        "Index ./corpus into ./index (the paths are followed from then on).",
    ),
    (
        "reel index reviews/ catalogue.csv --semantic",
        "Index a folder and a catalogue, with vectors for semantic and hybrid search.",
    ),
    (
        "reel search \"drug court\"",
        "The best passages holding the phrase.",
    ),
    (
        "reel search 'director:sheldon year:[2015 TO 2019]' --json",
        "A metadata field and a range, as JSON Lines.",
    ),
    (
        "reel search heroin --filter 'listed_in=Documentaries' --sort release_year",
        "Keep documentaries, newest first.",
    ),
    (
        "reel search court -g '*.md' -g '!drafts' --count",
        "How many passages of Markdown files outside drafts/ match.",
    ),
    (
        "reel search --queries topics.tsv --format trec > run.txt",
        "A batch of queries as a TREC run.",
    ),
    (
        "reel verify",
        "Check the index against the files it follows.",
    ),
    (
        "reel serve --addr 127.0.0.1:7700",
        "The index as a JSON API and a search page.",
    ),
];

/// The manual page: clap's sections, then examples, exit status and environment as sections
/// of their own (clap would put the help's closing notes under one EXTRA heading).
fn man_page(command: clap::Command) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command);
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    let roff = |text: &str| text.replace('\\', "\\e").replace('-', "\\-");
    let mut extra = String::from(".SH EXAMPLES\n");
    for (command, what) in MAN_EXAMPLES {
        extra += &format!(".TP\n\\fB{}\\fR\n{}\n", roff(command), roff(what));
    }
    extra += ".SH \"EXIT STATUS\"\n";
    for (code, what) in [
        ("0", "Success (for search: at least one hit)."),
        ("1", "A search found no hits."),
        ("2", "An error: bad arguments, a query that cannot be read, a missing index, unreadable input."),
        ("130", "Interrupted (Ctrl-C); the index is unchanged at its last commit."),
    ] {
        extra += &format!(".TP\n{code}\n{}\n", roff(what));
    }
    extra += ".SH ENVIRONMENT\n";
    for (name, what) in [
        ("REEL_INDEX", "The index folder when --index is not given."),
        (
            "REEL_MODEL",
            "The sentence-embedding model folder when --model is not given.",
        ),
        ("NO_COLOR", "No colour (--color always overrides it)."),
        (
            "CLICOLOR_FORCE",
            "Colour even into a pipe (unless NO_COLOR is set).",
        ),
        ("COLUMNS", "The width human output wraps to on a terminal."),
    ] {
        extra += &format!(".TP\n\\fB{name}\\fR\n{}\n", roff(what));
    }
    page.extend_from_slice(extra.as_bytes());
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// Threads to use: as asked, else one per core.
pub fn threads(asked: Option<u16>) -> usize {
    asked
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Whether to colour, in this order: `--color always|never`; `NO_COLOR` (set and not empty)
/// never; `CLICOLOR_FORCE` (set and not `0`) always, even into a pipe; otherwise only on a
/// terminal whose `TERM` is not `dumb`.
fn use_color(choice: ColorChoice) -> bool {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if var("NO_COLOR").is_some() => false,
        ColorChoice::Auto if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// The cache folder the default model is looked for in: `$XDG_CACHE_HOME/reel/<model>`, else
/// `~/.cache/reel/<model>`.
pub fn model_cache() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| std::path::PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("reel").join(reel::embed::DEFAULT_MODEL))
}

/// Loads the sentence-embedding model: `--model` (or `REEL_MODEL`), else the cache folder.
pub fn load_model(args: &crate::cli::ModelArgs) -> anyhow::Result<reel::embed::Model> {
    load_model_or(args, None, reel::embed::Precision::Auto)
}

/// Loads the sentence-embedding model: `--model` (or `REEL_MODEL`), else the folder the index
/// remembers (`remembered`), else the cache folder.
pub fn load_model_or(
    args: &crate::cli::ModelArgs,
    remembered: Option<std::path::PathBuf>,
    precision: reel::embed::Precision,
) -> anyhow::Result<reel::embed::Model> {
    let mut looked = Vec::new();
    if let Some(dir) = &args.model {
        looked.push(("--model or REEL_MODEL".to_string(), dir.clone()));
    } else {
        if let Some(dir) = remembered.filter(|d| d.is_dir()) {
            looked.push(("the folder the index remembers".to_string(), dir));
        }
        if let Some(cache) = model_cache() {
            looked.push(("the cache folder".to_string(), cache));
        }
    }
    let dir = reel::embed::locate(&looked)?;
    Ok(reel::embed::Model::load_with(&dir, precision)?)
}

/// The search mode asked for (or the index's default), with the model loaded when it needs
/// one. A semantic index searched without `--mode` when no model can be found falls back to
/// lexical search with a warning; an explicit `--mode semantic|hybrid` fails instead.
pub fn prepare_mode(
    searcher: &mut reel::searcher::Searcher,
    args: &crate::cli::SemanticArgs,
) -> anyhow::Result<reel::searcher::Mode> {
    use crate::cli::ModeArg;
    use reel::searcher::Mode;
    let mode = match args.mode {
        Some(ModeArg::Lexical) => return Ok(Mode::Lexical),
        Some(ModeArg::Semantic) => Mode::Semantic,
        Some(ModeArg::Hybrid) => Mode::Hybrid,
        None if searcher.is_semantic() => Mode::Hybrid,
        None => return Ok(Mode::Lexical),
    };
    searcher.require_semantic()?;
    let remembered = reel::indexer::remembered_model(searcher.dir());
    // Queries are a few tokens each: packing the weights into bf16 panels (40 ms of a one-shot
    // search) gains them nothing, so they run in f32 on the weights left in the mapped file,
    // one-shot, batch and served alike.
    let model = match load_model_or(&args.model, remembered, reel::embed::Precision::F32) {
        Ok(m) => m,
        Err(e) if args.mode.is_none() => {
            say!("reel: warning: {e}; searching by words only");
            return Ok(Mode::Lexical);
        }
        Err(e) => return Err(e),
    };
    searcher.set_model(std::sync::Arc::new(model))?;
    Ok(mode)
}

/// The width to wrap human output to: `COLUMNS` when set, else the terminal's; `None` when
/// standard output is not a terminal (a pipe or a file gets whole lines).
pub fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
    {
        return Some(n);
    }
    // SAFETY: TIOCGWINSZ fills the winsize it is given; a failure leaves it zeroed.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}
