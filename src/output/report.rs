//! Human text for everything that is not a hit: the summaries of `reel index` and `reel export`
//! (stderr), and the reports of `reel stats`, `reel verify` and `reel eval` (stdout). The
//! commands compute; these functions only print.

use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use crate::error::human_bytes;
use crate::eval::Metrics;
use crate::export::ExportStats;
use crate::indexer::IndexStats;
use crate::stats::IndexInfo;
use crate::verify::Report;

use super::sanitize;

/// `s` for counts other than one.
pub fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The summary of `reel index`: what changed, what was indexed, what the index follows, what
/// was skipped.
pub fn index_summary(out: &mut dyn Write, stats: &IndexStats, index_dir: &Path) -> io::Result<()> {
    let reread = if stats.reread > 0 {
        format!(
            ", {} read again (new ids or read settings, or ids shared with other files)",
            stats.reread
        )
    } else {
        String::new()
    };
    writeln!(
        out,
        "reel: {} added, {} changed, {} removed, {} unchanged file{}{reread}",
        stats.added,
        stats.changed,
        stats.removed,
        stats.unchanged,
        plural(stats.unchanged),
    )?;
    // Compressed inputs: both sizes, the one on disk and the one read.
    let size = if stats.bytes_decoded > stats.bytes {
        format!(
            "{} compressed, {} read",
            human_bytes(stats.bytes),
            human_bytes(stats.bytes_decoded)
        )
    } else {
        human_bytes(stats.bytes)
    };
    let work = if stats.committed && stats.documents == 0 && stats.files > 0 {
        // Files added or changed that gave nothing new: say so, not "indexed 0 documents".
        format!(
            "read {} file{} ({size}) and found no new document in {} (see the warnings above)",
            stats.files,
            plural(stats.files),
            if stats.files == 1 { "it" } else { "them" },
        )
    } else if stats.committed {
        format!(
            "indexed {} document{}, {} passage{} from {} file{} ({size})",
            stats.documents,
            plural(stats.documents),
            stats.passages,
            plural(stats.passages),
            stats.files,
            plural(stats.files),
        )
    } else {
        "nothing to index".to_string()
    };
    let shadowed = if stats.shadowed > 0 {
        format!(
            " ({} record{} shadowed by a duplicate id)",
            stats.shadowed,
            plural(stats.shadowed)
        )
    } else {
        String::new()
    };
    writeln!(
        out,
        "reel: {work} in {:.2} s; {} holds {} document{}, {} passage{}{shadowed}; {} skipped",
        stats.elapsed.as_secs_f64(),
        index_dir.display(),
        stats.total_documents,
        plural(stats.total_documents),
        stats.total_passages,
        plural(stats.total_passages),
        stats.skipped,
    )?;
    if stats.embedded > 0 {
        let secs = stats.elapsed.as_secs_f64().max(0.001);
        writeln!(
            out,
            "reel: embedded {} passage{} ({} tokens) with {}: {:.0} passages/s, {:.0} tokens/s",
            stats.embedded,
            plural(stats.embedded),
            stats.embedded_tokens,
            sanitize(stats.model.as_deref().unwrap_or("the model")),
            stats.embedded as f64 / secs,
            stats.embedded_tokens as f64 / secs,
        )?;
    }
    let followed: Vec<String> = stats
        .followed
        .iter()
        .map(|p| sanitize(&p.display().to_string()))
        .collect();
    if followed.is_empty() {
        writeln!(
            out,
            "reel: following nothing (`reel index PATH` adds a file or folder)"
        )?;
    } else {
        writeln!(out, "reel: following {}", followed.join(", "))?;
    }
    if !stats.unsupported.is_empty() {
        let total: usize = stats.unsupported.iter().map(|(_, n)| n).sum();
        let kinds: Vec<String> = stats
            .unsupported
            .iter()
            .map(|(ext, n)| format!("{} ({n})", sanitize(ext)))
            .collect();
        writeln!(
            out,
            "reel: {total} file{} of unsupported types skipped: {} (-v names them)",
            plural(total as u64),
            kinds.join(", ")
        )?;
    }
    Ok(())
}

/// The summary of `reel export`: what was written, and each file with its size.
pub fn export_summary(
    out: &mut dyn Write,
    stats: &ExportStats,
    elapsed: Duration,
) -> io::Result<()> {
    let bytes: u64 = stats.files.iter().map(|(_, n)| n).sum();
    writeln!(
        out,
        "reel: exported {} document{}, {} passage{} into {} file{} ({}) in {:.2} s; {} skipped",
        stats.documents,
        plural(stats.documents),
        stats.passages,
        plural(stats.passages),
        stats.files.len(),
        plural(stats.files.len() as u64),
        human_bytes(bytes),
        elapsed.as_secs_f64(),
        stats.skipped
    )?;
    for (path, size) in &stats.files {
        writeln!(
            out,
            "  {}  {}",
            sanitize(&path.display().to_string()),
            human_bytes(*size)
        )?;
    }
    Ok(())
}

/// `reel stats` for people.
pub fn stats(out: &mut dyn Write, info: &IndexInfo) -> io::Result<()> {
    writeln!(out, "index           {}", sanitize(&info.index))?;
    writeln!(out, "documents       {}", info.documents)?;
    writeln!(out, "passages        {}", info.passages)?;
    writeln!(out, "size on disk    {}", human_bytes(info.size_bytes))?;
    writeln!(out, "schema version  {}", info.schema_version)?;
    writeln!(out, "fields          {}", info.fields.join(", "))?;
    if info.shadowed > 0 {
        writeln!(
            out,
            "shadowed        {} record{} (an earlier record holds the id)",
            info.shadowed,
            plural(info.shadowed)
        )?;
    }
    if let Some(m) = &info.model {
        write!(out, "model           {}", sanitize(&m.name))?;
        if let Some(p) = &m.path {
            write!(out, " ({})", sanitize(p))?;
        }
        writeln!(out)?;
    }
    if !info.followed.is_empty() {
        writeln!(out, "following")?;
        for f in &info.followed {
            let flags = f.read.flags();
            writeln!(
                out,
                "  {}  {} file{}, {} document{}{}{}",
                sanitize(&f.path),
                f.files,
                plural(f.files),
                f.documents,
                plural(f.documents),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!("; {}", sanitize(&flags))
                },
                if f.present {
                    ""
                } else {
                    "; missing (its documents stay)"
                },
            )?;
        }
    }
    if !info.metadata_fields.is_empty() {
        writeln!(out, "metadata fields")?;
        for (name, field) in &info.metadata_fields {
            let ty = serde_json::to_string(&field.ty).unwrap_or_default();
            write!(out, "  {:<20} {:<9}", sanitize(name), ty.trim_matches('"'))?;
            if let Some(top) = &field.top_values {
                let shown: Vec<String> = top
                    .iter()
                    .map(|v| format!("{} ({})", v.value, v.count))
                    .collect();
                write!(out, " {}", sanitize(&shown.join(", ")))?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// `reel verify` for people: what was checked, each problem, and the verdict.
pub fn verify(out: &mut dyn Write, report: &Report, index_dir: &Path) -> io::Result<()> {
    writeln!(
        out,
        "{}: {} file{} ({}) checked in {} segment{}; {} documents, {} passages read back{}",
        index_dir.display(),
        report.files_checked,
        plural(report.files_checked),
        human_bytes(report.bytes_checked),
        report.segments,
        plural(report.segments),
        report.documents,
        report.passages,
        if report.vectors > 0 {
            format!(", {} vectors checked", report.vectors)
        } else {
            String::new()
        },
    )?;
    for p in &report.problems {
        match &p.file {
            Some(f) => writeln!(
                out,
                "damaged: {}: {}",
                index_dir.join(f).display(),
                sanitize(&p.message)
            )?,
            None => writeln!(out, "damaged: {}", sanitize(&p.message))?,
        }
    }
    if report.ok() {
        writeln!(out, "ok")
    } else {
        writeln!(
            out,
            "{} problem{} found; `reel index --rebuild` recreates the index",
            report.problems.len(),
            plural(report.problems.len() as u64)
        )
    }
}

/// Most entries of each kind `reel verify --sources` lists for people (JSON lists them all).
const SOURCES_SHOWN: usize = 20;

/// `reel verify --sources` for people: the index against its files.
pub fn sources(out: &mut dyn Write, a: &crate::indexer::audit::Audit) -> io::Result<()> {
    writeln!(
        out,
        "sources: {} file{} under the followed paths give {} document{}",
        a.files,
        plural(a.files),
        a.expected,
        plural(a.expected)
    )?;
    for p in &a.missing_paths {
        writeln!(
            out,
            "not there: {} (followed; its documents stay in the index)",
            sanitize(p)
        )?;
    }
    let more = |out: &mut dyn Write, n: usize| -> io::Result<()> {
        if n > SOURCES_SHOWN {
            writeln!(
                out,
                "  … and {} more (--json lists them all)",
                n - SOURCES_SHOWN
            )?;
        }
        Ok(())
    };
    for s in a.stale.iter().take(SOURCES_SHOWN) {
        let why = match s.why {
            "new" => "on disk, not indexed yet",
            "gone" => "indexed, no longer on disk",
            _ => "changed since it was indexed",
        };
        writeln!(out, "stale: {} ({why})", sanitize(&s.source))?;
    }
    more(out, a.stale.len())?;
    for d in a.missing.iter().take(SOURCES_SHOWN) {
        writeln!(
            out,
            "missing: {} ({}): in the files, not in the index",
            sanitize(&d.id),
            sanitize(&d.source)
        )?;
    }
    more(out, a.missing.len())?;
    for d in a.extra.iter().take(SOURCES_SHOWN) {
        writeln!(
            out,
            "extra: {} ({}): in the index, not in the files",
            sanitize(&d.id),
            sanitize(&d.source)
        )?;
    }
    more(out, a.extra.len())?;
    if a.ok() {
        writeln!(out, "sources ok")
    } else {
        writeln!(
            out,
            "sources differ: {} missing, {} extra, {} stale (`reel index` brings the index up to date)",
            a.missing.len(),
            a.extra.len(),
            a.stale.len()
        )
    }
}

/// `reel eval` for people.
pub fn eval(out: &mut dyn Write, m: &Metrics) -> io::Result<()> {
    writeln!(out, "queries     {}", m.num_q)?;
    writeln!(out, "nDCG@10     {:.4}", m.ndcg10)?;
    writeln!(out, "MAP         {:.4}", m.map)?;
    writeln!(out, "Recall@100  {:.4}", m.recall100)?;
    writeln!(out, "MRR@10      {:.4}", m.mrr10)?;
    writeln!(out, "P@10        {:.4}", m.p10)
}
