//! Where to look: `--glob GLOB` and `--source PATH` (each repeatable, `!` to exclude, as
//! ripgrep's `-g`) limit a search to part of the corpus by the hits' source files.
//!
//! The rules, one place:
//! - A glob without a `/` matches a file's name or the name of any folder on its path as shown
//!   (`*.md`, `2017`, `!drafts`); a glob with a `/` matches the whole path as shown, relative to
//!   the current folder when the file lies below it (`reviews/*.txt`, `**/festival-*/*`), and a
//!   glob starting with `/` the absolute path. `*` stops at `/`, `**` does not.
//! - `--source PATH` keeps the file PATH, or every file below the folder PATH (resolved against
//!   the current folder as the index resolves the paths it follows).
//! - With any including glob or path, a source is kept when it matches one of them; then every
//!   excluding one (`!`) takes out the sources it matches.
//!
//! The sources are read from the index's own term dictionary (one term per source file), so
//! the clause is a set of exact sources, the same in every engine.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use tantivy::query::{EmptyQuery, Query, TermSetQuery};
use tantivy::Term;

use super::filter::{Filter, FilterOp};
use crate::error::{Error, Result};
use crate::schema::Fields;

/// One `--glob` or `--source`, ready to test paths.
enum Place {
    /// A glob and whether it is tested against each component (no `/` in it) or the whole
    /// path (absolute when it starts with `/`).
    Glob {
        matcher: GlobMatcher,
        by_name: bool,
        absolute: bool,
    },
    /// A file, or a folder and everything below it.
    Under(PathBuf),
}

impl Place {
    fn matches(&self, source: &str, cwd: Option<&Path>) -> bool {
        match self {
            Place::Glob {
                matcher,
                by_name,
                absolute,
            } => {
                let path = if *absolute {
                    PathBuf::from(source)
                } else {
                    crate::paths::shown(Path::new(source), cwd)
                };
                if *by_name {
                    path.iter().any(|part| matcher.is_match(part))
                } else {
                    matcher.is_match(&path)
                }
            }
            Place::Under(root) => crate::paths::is_under(Path::new(source), root),
        }
    }
}

/// True for the filters this module answers (`--glob`, `--source`).
pub fn is_place(f: &Filter) -> bool {
    matches!(
        f.op,
        FilterOp::Glob | FilterOp::NotGlob | FilterOp::Within | FilterOp::NotWithin
    )
}

/// The place filters among `filters` as one query matching the sources they keep (`None`
/// when there are none). `cwd` is the folder relative globs and paths are read from.
pub fn places_query(
    filters: &[Filter],
    fields: &Fields,
    searcher: &tantivy::Searcher,
    cwd: Option<&Path>,
) -> Result<Option<Box<dyn Query>>> {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    let here = cwd
        .map(Path::to_path_buf)
        .or_else(crate::paths::current_dir);
    for f in filters.iter().filter(|f| is_place(f)) {
        let place = match f.op {
            FilterOp::Glob | FilterOp::NotGlob => glob(&f.value, &f.raw)?,
            _ => Place::Under(match &here {
                Some(dir) => crate::paths::absolute(Path::new(&f.value), dir),
                None => PathBuf::from(&f.value),
            }),
        };
        if matches!(f.op, FilterOp::Glob | FilterOp::Within) {
            include.push(place);
        } else {
            exclude.push(place);
        }
    }
    if include.is_empty() && exclude.is_empty() {
        return Ok(None);
    }
    let mut kept = Vec::new();
    for source in sources(fields, searcher)? {
        let shown_from = here.as_deref();
        let wanted = include.is_empty() || include.iter().any(|p| p.matches(&source, shown_from));
        if wanted && !exclude.iter().any(|p| p.matches(&source, shown_from)) {
            kept.push(Term::from_field_text(fields.source, &source));
        }
    }
    Ok(Some(if kept.is_empty() {
        Box::new(EmptyQuery)
    } else {
        Box::new(TermSetQuery::new(kept))
    }))
}

/// A `--glob` value compiled; a bad glob is a filter error naming it.
fn glob(value: &str, raw: &str) -> Result<Place> {
    let matcher = GlobBuilder::new(value)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| Error::Filter(format!("{raw}: {}", e.kind())))?
        .compile_matcher();
    Ok(Place::Glob {
        matcher,
        by_name: !value.contains('/'),
        absolute: value.starts_with('/'),
    })
}

/// Every source file the searcher's commit holds, once each (sorted, from the term dictionary
/// of each segment).
fn sources(fields: &Fields, searcher: &tantivy::Searcher) -> Result<Vec<String>> {
    let mut all = std::collections::BTreeSet::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.source)?;
        let mut stream = inverted
            .terms()
            .stream()
            .map_err(tantivy::TantivyError::from)?;
        while stream.advance() {
            all.insert(String::from_utf8_lossy(stream.key()).into_owned());
        }
    }
    Ok(all.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(value: &str) -> Place {
        glob(value, value).unwrap()
    }

    #[test]
    fn globs_match_names_anywhere_or_whole_paths() {
        let cwd = Path::new("/home/me/films");
        let src = "/home/me/films/reviews/2017/heroine.txt";
        assert!(place("*.txt").matches(src, Some(cwd)));
        assert!(place("2017").matches(src, Some(cwd)));
        assert!(!place("*.md").matches(src, Some(cwd)));
        assert!(place("reviews/**").matches(src, Some(cwd)));
        assert!(!place("reviews/*.txt").matches(src, Some(cwd)));
        assert!(place("reviews/*/*.txt").matches(src, Some(cwd)));
        assert!(place("/home/**/heroine.txt").matches(src, Some(cwd)));
        assert!(!place("/reviews/**").matches(src, Some(cwd)));
        // Non-ASCII names match as written.
        assert!(place("忍者*").matches("/x/忍者ハットリくん.md", None));
    }

    #[test]
    fn folders_hold_what_is_below_them_by_whole_components() {
        let p = Place::Under(PathBuf::from("/c/reviews"));
        assert!(p.matches("/c/reviews/a.txt", None));
        assert!(p.matches("/c/reviews", None));
        assert!(!p.matches("/c/reviews2/a.txt", None));
    }

    #[test]
    fn a_bad_glob_is_a_filter_error() {
        assert!(matches!(glob("a[", "--glob a["), Err(Error::Filter(_))));
    }
}
