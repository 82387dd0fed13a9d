//! `reel search QUERY...` and `reel search --queries FILE`: ranked passages or documents, for
//! people, as JSON Lines, or as a TREC run.

use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use reel::output::{human, trec, Printer};
use reel::searcher::{self, Filter, SearchOptions, SearchResults, Searcher, Unit};

use crate::cli::{Format, SearchArgs, UnitArg};
use crate::cmd::EXIT_NO_HITS;

pub fn run(args: SearchArgs, color: bool) -> anyhow::Result<ExitCode> {
    let mut searcher = Searcher::open(&args.index)?;
    searcher.show_paths_from(reel::paths::current_dir());
    for w in searcher.warnings() {
        say!("reel: warning: {w}");
    }
    let mode = super::prepare_mode(&mut searcher, &args.semantic)?;
    let format = if args.json { Format::Json } else { args.format };
    // A TREC run lists each document once per query, so it ranks documents unless passages are
    // asked for explicitly.
    let unit_arg = args.unit.unwrap_or(if format == Format::Trec {
        UnitArg::Doc
    } else {
        UnitArg::Passage
    });
    let printer = match format {
        Format::Human => Printer::Human(human::Style {
            color,
            width: super::terminal_width(),
        }),
        Format::Json => Printer::Json,
        Format::Trec if unit_arg == UnitArg::Passage => Printer::Trec(trec::Ids::Passages),
        Format::Trec => Printer::Trec(trec::Ids::Documents),
    };
    let opts = SearchOptions {
        query: args.query.join(" "),
        limit: usize::try_from(args.limit)?,
        per_doc: args.per_doc.map(usize::try_from).transpose()?,
        filters: args
            .filter
            .into_iter()
            .chain(args.glob.iter().map(|g| Filter::glob(g)))
            .chain(args.source.iter().map(|p| Filter::source(p)))
            .collect(),
        sort: args.sort,
        unit: unit(unit_arg),
        literal: args.queries.is_some(),
        feedback: args.queries.is_some() && !args.no_feedback,
        ids_only: format == Format::Trec,
        mode,
        query_vector: None,
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.count {
        return count(&searcher, &opts, args.queries.as_deref(), &mut out);
    }
    let mut any_hit = false;
    if let Some(path) = &args.queries {
        let (queries, warnings) = searcher::read_queries(path)?;
        for w in &warnings {
            say!("reel: warning: {w}");
        }
        // Each query's hits are formatted by the thread that found them and written as soon
        // as they and those before them are found.
        let prepare = |i: usize, result: reel::Result<SearchResults>| {
            let q = &queries[i];
            let result = result?;
            let mut bytes = Vec::new();
            printer.write_query_hits(&mut bytes, &q.id, &q.text, &result.hits)?;
            anyhow::Ok((bytes, result.warnings, !result.hits.is_empty()))
        };
        let write = |i: usize, prepared: anyhow::Result<(Vec<u8>, Vec<String>, bool)>| {
            let (bytes, warnings, hit) = prepared?;
            for w in &warnings {
                say!("reel: warning: query {}: {w}", queries[i].id);
            }
            any_hit |= hit;
            out.write_all(&bytes)?;
            anyhow::Ok(())
        };
        let threads = super::threads(args.threads);
        searcher.search_batch_each(&queries, &opts, threads, prepare, write)?;
    } else {
        let result = searcher.search(&opts)?;
        for w in &result.warnings {
            say!("reel: warning: {w}");
        }

        any_hit = !result.hits.is_empty();
        printer.write_hits(&mut out, &result.hits)?;
        out.flush()?;
        // For a person at a terminal: how much matched beyond what is shown.
        if any_hit && format == Format::Human && std::io::stdout().is_terminal() {
            let passages = searcher.count(&SearchOptions {
                per_doc: None,
                unit: Unit::Passage,
                ..opts.clone()
            })?;
            let documents = searcher.count(&SearchOptions {
                unit: Unit::Doc,
                ..opts.clone()
            })?;
            say!(
                "{} in {} ({} shown)",
                plural(passages, "passage"),
                plural(documents, "document"),
                result.hits.len()
            );
        }
        if !any_hit {
            explain_no_hits(&opts.query, &result);
        }
        if let Some(suggestion) = &result.did_you_mean {
            say!("reel: did you mean: {}", reel::output::sanitize(suggestion));
        }
    }
    out.flush()?;
    // The process ends here: unmapping every file of every segment one by one costs more than a
    // small search (a tenth of it on an index of 44 segments); the exit releases them at once.
    std::mem::forget(searcher);
    Ok(if any_hit {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NO_HITS)
    })
}

/// `reel search --count`: the number of matches of the query, or of each query of a file.
fn count(
    searcher: &Searcher,
    opts: &SearchOptions,
    queries: Option<&std::path::Path>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let mut any = false;
    match queries {
        None => {
            let n = searcher.count(opts)?;
            any = n > 0;
            writeln!(out, "{n}")?;
        }
        Some(path) => {
            let (queries, warnings) = searcher::read_queries(path)?;
            for w in &warnings {
                say!("reel: warning: {w}");
            }
            for q in &queries {
                let n = searcher.count(&SearchOptions {
                    query: q.text.clone(),
                    ..opts.clone()
                })?;
                any |= n > 0;
                writeln!(out, "{}\t{n}", q.id)?;
            }
        }
    }
    out.flush()?;
    Ok(if any {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NO_HITS)
    })
}

/// `1 passage`, `2 passages`.
fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One line on stderr saying why a query found nothing (stdout stays empty).
fn explain_no_hits(query: &str, result: &SearchResults) {
    let shown = reel::output::sanitize(query);
    match &result.nothing {
        Some(why) => say!("reel: {why}: \"{shown}\""),
        None => say!("reel: no passages match \"{shown}\""),
    }
}

pub fn unit(u: UnitArg) -> Unit {
    match u {
        UnitArg::Passage => Unit::Passage,
        UnitArg::Doc => Unit::Doc,
    }
}
