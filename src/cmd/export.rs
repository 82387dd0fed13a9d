//! `reel export --to quickwit|elasticsearch OUT_DIR [PATH...]`.

use std::process::ExitCode;
use std::time::Instant;

use reel::export::{self, ExportOptions, Target};

use reel::output::report;

use super::index::{progress_bar, Warner};
use crate::cli::{ExportArgs, ExportTarget};

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let progress = progress_bar(args.quiet);
    let model = match (args.semantic, args.to) {
        (false, _) => None,
        (true, ExportTarget::Quickwit) => {
            return Err(anyhow::anyhow!(
                "export: Quickwit has no vector field type (its indexes are lexical), so                  --semantic cannot be written for it; use --to elasticsearch, or leave out                  --semantic"
            ))
        }
        (true, ExportTarget::Elasticsearch) => {
            Some(std::sync::Arc::new(super::load_model(&args.model)?))
        }
    };
    let opts = ExportOptions {
        paths: args.paths,
        out_dir: args.out_dir,
        target: match args.to {
            ExportTarget::Quickwit => Target::Quickwit,
            ExportTarget::Elasticsearch => Target::Elasticsearch,
        },
        index_id: args.index_id,
        roles: args.read.roles(),
        whole_documents: args.read.whole_documents,
        force: args.force,
        progress: progress.clone(),
        model,
    };
    let mut warner = Warner::new(args.quiet, args.verbose);
    let stats = export::run(&opts, &mut |w| warner.warn(w))?;
    warner.finish();
    if !args.quiet {
        let mut err = std::io::stderr().lock();
        let _ = report::export_summary(&mut err, &stats, started.elapsed());
    }
    Ok(ExitCode::SUCCESS)
}
