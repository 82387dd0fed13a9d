//! The output folder of an export: checking it is new, empty or an earlier export's (with
//! `--force`), the engines' index naming rules, and splitting the output into numbered files.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::Target;
use crate::error::{Error, Result};

/// The files an export writes into its folder (`--force` removes exactly these).
fn is_export_file(name: &str) -> bool {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(".ndjson"))
            .is_some_and(|n| n.len() == 5 && n.bytes().all(|b| b.is_ascii_digit()))
    };
    name == "index-config.yaml"
        || name == "mapping.json"
        || numbered("passages-")
        || numbered("bulk-")
}

/// Creates the output folder, or checks it is empty: an earlier export's extra files would be
/// ingested with the new ones. With `force`, an earlier export's files are removed first, and
/// anything else in the folder is still refused.
pub(super) fn prepare_out_dir(dir: &Path, force: bool) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut ours = Vec::new();
    let mut others = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_export_file(&name) && entry.file_type().map_err(io)?.is_file() {
            ours.push(entry.path());
        } else {
            others.push(name);
        }
    }
    if !others.is_empty() {
        others.sort();
        let forced = if force {
            " (--force removes only an earlier export's own files)"
        } else {
            ""
        };
        return Err(Error::Export(format!(
            "{}: the folder holds other files ({}); export into an empty or new folder{forced}",
            dir.display(),
            others.join(", ")
        )));
    }
    if !ours.is_empty() && !force {
        return Err(Error::Export(format!(
            "{}: the folder holds an earlier export ({} files); pass --force to replace it",
            dir.display(),
            ours.len()
        )));
    }
    for path in ours {
        std::fs::remove_file(&path).map_err(|source| Error::Io { path, source })?;
    }
    Ok(())
}

/// Checks an index name against the engine's rules, which refuse others at ingestion.
pub fn check_index_id(target: Target, id: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::Export(format!("--index-id `{id}`: {why}")));
    match target {
        Target::Quickwit => {
            // Quickwit: ^[a-zA-Z][a-zA-Z0-9-_\.]{2,254}$
            let mut chars = id.chars();
            let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
            let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !first_ok || !rest_ok || !(3..=255).contains(&id.len()) {
                return bad(
                    "Quickwit index ids start with a letter, then 2 to 254 letters, digits, \
                     `-`, `_` or `.`",
                );
            }
        }
        Target::Elasticsearch => {
            let forbidden = ['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':'];
            if id.is_empty() || id.len() > 255 {
                return bad("Elasticsearch index names have 1 to 255 bytes");
            }
            if id.chars().any(|c| c.is_uppercase()) {
                return bad("Elasticsearch index names are lower case");
            }
            if let Some(c) = id.chars().find(|c| forbidden.contains(c)) {
                return bad(&format!("Elasticsearch index names cannot hold `{c}`"));
            }
            if id.starts_with(['-', '_', '+']) || id == "." || id == ".." {
                return bad("Elasticsearch index names cannot start with `-`, `_` or `+`, or be `.` or `..`");
            }
        }
    }
    Ok(())
}

/// Writes lines into numbered files of at most `cap` bytes; a group of lines (a bulk action and
/// its source) is never split across files.
pub(super) struct SplitWriter {
    dir: PathBuf,
    prefix: &'static str,
    cap: u64,
    current: Option<(PathBuf, BufWriter<File>, u64)>,
    done: Vec<(PathBuf, u64)>,
}

impl SplitWriter {
    pub(super) fn new(dir: &Path, prefix: &'static str, cap: u64) -> Self {
        SplitWriter {
            dir: dir.to_path_buf(),
            prefix,
            cap,
            current: None,
            done: Vec::new(),
        }
    }

    pub(super) fn write_lines(&mut self, lines: &[String]) -> Result<()> {
        let size: u64 = lines.iter().map(|l| l.len() as u64 + 1).sum();
        if let Some((_, _, written)) = &self.current {
            if *written + size > self.cap && *written > 0 {
                self.close()?;
            }
        }
        if self.current.is_none() {
            let path = self
                .dir
                .join(format!("{}-{:05}.ndjson", self.prefix, self.done.len() + 1));
            let file = File::create(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            self.current = Some((path, BufWriter::new(file), 0));
        }
        let (path, w, written) = self.current.as_mut().expect("a file was just opened");
        for l in lines {
            w.write_all(l.as_bytes())
                .and_then(|_| w.write_all(b"\n"))
                .map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
        }
        *written += size;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if let Some((path, mut w, written)) = self.current.take() {
            w.flush().map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            self.done.push((path, written));
        }
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<Vec<(PathBuf, u64)>> {
        self.close()?;
        Ok(self.done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_ids_follow_each_engines_rules() {
        assert!(check_index_id(Target::Quickwit, "reel").is_ok());
        assert!(check_index_id(Target::Quickwit, "Reel-2.x_y").is_ok());
        for bad in ["re", "1reel", "re el", "reel/x", ""] {
            assert!(check_index_id(Target::Quickwit, bad).is_err(), "{bad}");
        }
        assert!(check_index_id(Target::Elasticsearch, "reel-2024.x").is_ok());
        for bad in ["Reel", "re el", "a:b", "-x", "_x", "a#b", "a*b", "", ".."] {
            assert!(check_index_id(Target::Elasticsearch, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn export_files_are_known_by_name() {
        for name in [
            "index-config.yaml",
            "mapping.json",
            "passages-00001.ndjson",
            "bulk-00012.ndjson",
        ] {
            assert!(is_export_file(name), "{name}");
        }
        for name in ["notes.txt", "bulk-1.ndjson", "passages-00001.json"] {
            assert!(!is_export_file(name), "{name}");
        }
    }

    #[test]
    fn split_writer_caps_files_and_keeps_pairs_together() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = SplitWriter::new(dir.path(), "bulk", 30);
        for i in 0..5 {
            w.write_lines(&[format!("action{i}"), format!("source{i}")])
                .unwrap();
        }
        let files = w.finish().unwrap();
        assert!(files.len() >= 3);
        for (path, size) in files {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(text.len() as u64, size);
            assert!(size <= 30);
            assert_eq!(text.lines().count() % 2, 0);
        }
    }
}
