//! `reel search QUERY...`: ranked passages, for people or as JSON Lines.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use reel::output::{human, json};
use reel::searcher::{SearchOptions, Searcher};

use crate::cli::SearchArgs;
use crate::cmd::EXIT_NO_HITS;

pub fn run(args: SearchArgs, color: bool) -> anyhow::Result<ExitCode> {
    let searcher = Searcher::open(&args.index)?;
    let opts = SearchOptions {
        query: args.query.join(" "),
        limit: usize::try_from(args.limit)?,
        per_doc: args.per_doc.map(usize::try_from).transpose()?,
        filters: args.filter,
        sort: args.sort,
    };
    let results = searcher.search(&opts)?;
    for warning in &results.warnings {
        eprintln!("reel: warning: {warning}");
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        json::write_hits(&mut out, &results.hits)?;
    } else {
        human::write_hits(&mut out, &results.hits, human::Style { color })?;
    }
    out.flush()?;
    Ok(if results.hits.is_empty() {
        ExitCode::from(EXIT_NO_HITS)
    } else {
        ExitCode::SUCCESS
    })
}
