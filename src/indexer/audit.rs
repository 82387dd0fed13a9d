//! The index against the files it follows (`reel verify --sources`): what `reel index` would
//! make of the files as they are now, compared document by document with what the index holds.
//!
//! The files are surveyed and named as an update names them ([`changes::survey`]), each file's
//! documents are read along the indexing path (without cutting or indexing anything), and the
//! first record of each id in reading order is the one expected ([`super::claims`]). Files of
//! followed paths that are gone for now are expected to keep their documents.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use super::changes::{self, OnMissing};
use crate::error::{Error, Result};
use crate::paths;
use crate::state::{self, FileList};

/// A document, by its id and its file (as shown).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DocPlace {
    /// The document id.
    pub id: String,
    /// Its file, as shown from the current folder.
    pub source: String,
}

/// A file whose documents in the index are not what it holds now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleFile {
    /// The file, as shown.
    pub source: String,
    /// Why: `new` (not indexed yet), `changed` (its content, id or read settings changed since
    /// it was indexed), `gone` (indexed, no longer on disk).
    pub why: &'static str,
}

/// What the comparison found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Audit {
    /// Files under the followed paths now.
    pub files: u64,
    /// Documents those files (and the followed paths that are gone) should give.
    pub expected: u64,
    /// Followed paths that are gone for now (their documents are expected to stay), as shown.
    pub missing_paths: Vec<String>,
    /// Documents the files give that the index does not hold.
    pub missing: Vec<DocPlace>,
    /// Documents the index holds that the files do not give.
    pub extra: Vec<DocPlace>,
    /// Files indexed as they no longer are.
    pub stale: Vec<StaleFile>,
}

impl Audit {
    /// True when the index holds exactly what the files give.
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.stale.is_empty()
    }
}

/// Compares the documents of the index in `dir` (`indexed`: every document's id and absolute
/// source, as `reel verify` read them back) with the files it follows. Paths are shown from
/// `cwd`; problems reading single files or records go to `warn`.
pub fn audit(
    dir: &Path,
    list: &FileList,
    indexed: &[(String, String)],
    cwd: &Path,
    warn: &mut dyn FnMut(&Error),
) -> Result<Audit> {
    let shown = |s: &str| paths::shown_str(s, Some(cwd));
    let followed = list
        .followed
        .iter()
        .map(|f| changes::resolve_legacy(f, cwd, dir))
        .collect::<Result<Vec<_>>>()?;
    let survey = changes::survey(
        &followed,
        &list.files,
        dir,
        cwd,
        OnMissing::Keep,
        &mut |_| {},
    )?;
    let mut audit = Audit {
        files: survey.inputs.files.len() as u64,
        missing_paths: survey
            .missing
            .iter()
            .map(|&i| shown(&paths::text(&followed[i].path)))
            .collect(),
        ..Audit::default()
    };
    // The index's documents by file.
    let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
    for (id, source) in indexed {
        by_source.entry(source).or_default().push(id);
    }
    let ranks = changes::reading_ranks(&survey.inputs, &list.files, &followed, &survey.missing);
    let mut order: Vec<(u32, &str)> = ranks.iter().map(|(s, r)| (*r, s.as_str())).collect();
    order.sort();
    let inputs: HashMap<&str, &crate::corpus::InputFile> = survey
        .inputs
        .files
        .iter()
        .map(|f| (f.source.as_str(), f))
        .collect();
    // What each file should give, the first record of an id holding it.
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    let mut claim = |id: String, source: &str| {
        expected.entry(id).or_insert_with(|| source.to_string());
    };
    for (_, source) in &order {
        let Some(file) = inputs.get(source) else {
            // A file of a followed path that is gone: its documents stay.
            for id in by_source.get(source).into_iter().flatten() {
                claim(id.to_string(), source);
            }
            continue;
        };
        let before = list.files.get(*source);
        let read = followed
            .get(file.root)
            .map(|f| f.read.clone())
            .unwrap_or_default();
        match state::fingerprint(&file.path) {
            Ok((size, hash)) => match before {
                None => audit.stale.push(StaleFile {
                    source: shown(source),
                    why: "new",
                }),
                Some(s)
                    if s.size != size || s.hash != hash || s.id != file.id || s.read != read =>
                {
                    audit.stale.push(StaleFile {
                        source: shown(source),
                        why: "changed",
                    })
                }
                Some(_) => {}
            },
            Err(_) => {
                // Unreadable now: an update keeps what it had.
                for id in by_source.get(source).into_iter().flatten() {
                    claim(id.to_string(), source);
                }
                continue;
            }
        }
        if before.is_some_and(|s| s.size == 0) {
            continue;
        }
        match crate::corpus::stream::document_ids(file, &super::roles_of(&read), warn) {
            Ok(ids) => {
                for id in ids {
                    claim(id, source);
                }
            }
            Err(e) => warn(&e),
        }
    }
    let walked: HashSet<&str> = inputs.keys().copied().collect();
    for source in list.files.keys() {
        let under_missing = survey
            .missing
            .iter()
            .any(|&i| paths::is_under(Path::new(source), &followed[i].path));
        if !walked.contains(source.as_str()) && !under_missing {
            audit.stale.push(StaleFile {
                source: shown(source),
                why: "gone",
            });
        }
    }
    audit.expected = expected.len() as u64;
    let have: HashSet<(&str, &str)> = indexed
        .iter()
        .map(|(i, s)| (i.as_str(), s.as_str()))
        .collect();
    for (id, source) in &expected {
        if !have.contains(&(id.as_str(), source.as_str())) {
            audit.missing.push(DocPlace {
                id: id.clone(),
                source: shown(source),
            });
        }
    }
    for (id, source) in indexed {
        if expected.get(id) != Some(source) {
            audit.extra.push(DocPlace {
                id: id.clone(),
                source: shown(source),
            });
        }
    }
    audit.extra.sort();
    Ok(audit)
}
