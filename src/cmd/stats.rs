//! `reel stats`: what the index holds.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use reel::output::json;
use reel::stats;

use crate::cli::StatsArgs;

pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let info = stats::collect(&args.index)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.json {
        json::write_value(&mut out, &info)?;
    } else {
        writeln!(out, "index           {}", info.index)?;
        writeln!(out, "documents       {}", info.documents)?;
        writeln!(out, "passages        {}", info.passages)?;
        writeln!(
            out,
            "size on disk    {:.1} KB",
            info.size_bytes as f64 / 1024.0
        )?;
        writeln!(out, "schema version  {}", info.schema_version)?;
        writeln!(out, "fields          {}", info.fields.join(", "))?;
        if !info.metadata_fields.is_empty() {
            writeln!(out, "metadata fields")?;
            for (name, field) in &info.metadata_fields {
                let ty = serde_json::to_string(&field.ty)?;
                write!(out, "  {name:<20} {:<9}", ty.trim_matches('"'))?;
                if let Some(top) = &field.top_values {
                    let shown: Vec<String> = top
                        .iter()
                        .map(|v| format!("{} ({})", v.value, v.count))
                        .collect();
                    write!(out, " {}", reel::output::sanitize(&shown.join(", ")))?;
                }
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
