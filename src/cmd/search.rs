//! `reel search QUERY...` and `reel search --queries FILE`: ranked passages or documents, for
//! people, as JSON Lines, or as a TREC run.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use reel::output::{human, json, trec};
use reel::searcher::{self, Hit, SearchOptions, Searcher, Unit};

use crate::cli::{Format, SearchArgs, UnitArg};
use crate::cmd::EXIT_NO_HITS;

pub fn run(args: SearchArgs, color: bool) -> anyhow::Result<ExitCode> {
    let searcher = Searcher::open(&args.index)?;
    let format = if args.json { Format::Json } else { args.format };
    let opts = SearchOptions {
        query: args.query.join(" "),
        limit: usize::try_from(args.limit)?,
        per_doc: args.per_doc.map(usize::try_from).transpose()?,
        filters: args.filter,
        sort: args.sort,
        unit: unit(args.unit),
        literal: args.queries.is_some(),
        feedback: args.queries.is_some() && !args.no_feedback,
        ids_only: format == Format::Trec,
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut any_hit = false;
    if let Some(path) = &args.queries {
        let queries = searcher::read_queries(path)?;
        let results = searcher.search_batch(&queries, &opts, super::threads(args.threads));
        for (q, result) in queries.iter().zip(results) {
            let result = result?;
            for w in &result.warnings {
                eprintln!("reel: warning: query {}: {w}", q.id);
            }
            any_hit |= !result.hits.is_empty();
            match format {
                Format::Trec => trec::write_hits(&mut out, &q.id, &result.hits)?,
                Format::Json => json::write_batch_hits(&mut out, &q.id, &result.hits)?,
                Format::Human => {
                    writeln!(out, "== {} {}", q.id, reel::output::sanitize(&q.text))?;
                    human::write_hits(&mut out, &result.hits, human::Style { color })?;
                    writeln!(out)?;
                }
            }
        }
    } else {
        let result = searcher.search(&opts)?;
        for w in &result.warnings {
            eprintln!("reel: warning: {w}");
        }
        any_hit = !result.hits.is_empty();
        write(&mut out, format, &result.hits, color)?;
    }
    out.flush()?;
    Ok(if any_hit {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NO_HITS)
    })
}

fn write(out: &mut dyn Write, format: Format, hits: &[Hit], color: bool) -> std::io::Result<()> {
    match format {
        Format::Human => human::write_hits(out, hits, human::Style { color }),
        Format::Json => json::write_hits(out, hits),
        Format::Trec => trec::write_hits(out, "1", hits),
    }
}

pub fn unit(u: UnitArg) -> Unit {
    match u {
        UnitArg::Passage => Unit::Passage,
        UnitArg::Doc => Unit::Doc,
    }
}
