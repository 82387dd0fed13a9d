//! `reel eval`: run a queries file and score it against relevance judgments.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use reel::eval::{self, Run};
use reel::output::{json, report};
use reel::searcher::{self, SearchOptions, Searcher};

use crate::cli::EvalArgs;

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let mut searcher = Searcher::open(&args.index)?;
    for w in searcher.warnings() {
        say!("reel: warning: {w}");
    }
    let (queries, warnings) = searcher::read_queries(&args.queries)?;
    for w in &warnings {
        say!("reel: warning: {w}");
    }
    let qrels = eval::read_qrels(&args.qrels)?;
    let opts = SearchOptions {
        limit: usize::try_from(args.limit)?,
        unit: super::search::unit(args.unit),
        literal: true,
        feedback: !args.no_feedback,
        ids_only: true,
        mode: super::prepare_mode(&mut searcher, &args.semantic)?,
        ..SearchOptions::default()
    };
    let results = searcher.search_batch(&queries, &opts, super::threads(args.threads));
    let mut run = Run::new();
    for (q, result) in queries.iter().zip(results) {
        // Scores as a TREC run file carries them (6 decimals), so ties break the same way as
        // when the run is written out and scored by another tool.
        let hits = result?
            .hits
            .into_iter()
            .map(|h| (h.doc_id, format!("{:.6}", h.score).parse().unwrap_or(0.0)))
            .collect();
        run.insert(q.id.clone(), hits);
    }
    if !eval::run_meets_judgments(&qrels, &run) {
        anyhow::bail!(
            "{}: no document this index returned is judged in {} (is this the index of the \
             judged collection, and do its ids match the judgments'?)",
            args.index.display(),
            args.qrels.display()
        );
    }
    let m = eval::evaluate(&qrels, &run);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        json::write_value(&mut out, &m)?;
    } else {
        report::eval(&mut out, &m)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
