//! "Did you mean": for a word of the query that matches nothing in the index (`huntingdon`,
//! `adiction`), the closest word the index holds (`huntington`, `addiction`), as the user would
//! type it. Only a suggestion: the query itself is never changed, so a typo never moves an
//! exact match.
//!
//! The closest word is the indexed term within one edit (two for words of six letters or more:
//! insertions, deletions, substitutions, swaps of neighbours) held by the most passages. Terms
//! are stems (`addict`), so the word shown is the form of that stem in a passage that holds it,
//! the one nearest to what was typed (`addiction` rather than `addicted`).

use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

use crate::error::Result;
use crate::schema::Fields;

/// Longest word looked at (longer ones are rarely typos of a word of the index).
const MAX_WORD_CHARS: usize = 30;

/// The query with each word that matches nothing replaced by the closest word of the index, or
/// `None` when every word matches something or nothing close is found.
pub fn did_you_mean(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    words: &[String],
) -> Result<Option<String>> {
    let mut analyzer = crate::analyzer::analyzer();
    let searched = [fields.text, fields.title, fields.meta_text];
    let mut changed = false;
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        let terms: Vec<String> = {
            let mut stream = analyzer.token_stream(word);
            let mut t = Vec::new();
            while stream.advance() {
                t.push(stream.token().text.clone());
            }
            t
        };
        // Only a word that is one term (not `stand-up`, not a stop word) and matches nothing.
        let [term] = terms.as_slice() else {
            out.push(word.to_lowercase());
            continue;
        };
        if term.chars().count() > MAX_WORD_CHARS || doc_freq(searcher, &searched, term)? > 0 {
            out.push(word.to_lowercase());
            continue;
        }
        match closest(searcher, &searched, term)? {
            Some(found) => {
                let typed = word.to_lowercase();
                let surface = surface_form(searcher, fields, &found, &typed)?.unwrap_or(found);
                // Stems are close where words are not (`scorsese` and `score` stem two edits
                // apart): the word shown must be as close to the word typed as its stem was.
                let typed_chars: Vec<char> = typed.chars().collect();
                let shown: Vec<char> = surface.chars().collect();
                let limit = max_edits(typed_chars.len());
                if edit_distance(&typed_chars, &shown, limit).is_some() {
                    changed = true;
                    out.push(surface);
                } else {
                    out.push(typed);
                }
            }
            None => out.push(word.to_lowercase()),
        }
    }
    Ok(changed.then(|| out.join(" ")))
}

/// Passages holding `term` in any of `fields` (summed over fields, an upper bound).
fn doc_freq(searcher: &tantivy::Searcher, fields: &[Field], term: &str) -> Result<u64> {
    let mut n = 0;
    for &f in fields {
        n += searcher.doc_freq(&Term::from_field_text(f, term))?;
    }
    Ok(n)
}

/// Edits allowed for a word of this many characters.
fn max_edits(chars: usize) -> usize {
    if chars >= 6 {
        2
    } else if chars >= 3 {
        1
    } else {
        0
    }
}

/// Whether a word of `found` characters is a plausible correction of one of `typed`: never a
/// word of one or two letters, and for a word of four letters or fewer only a letter changed or
/// two swapped, not one dropped or added. Short words a letter apart are other words more often
/// than typos (`ATT`, an acronym, is not a misspelt `at`; `thr` is `the` rather than `th`).
fn plausible(typed: usize, found: usize) -> bool {
    found >= 3 && (typed > 4 || found == typed)
}

/// The indexed term closest to `term`: fewest edits, then most passages, then the first in
/// order. The dictionaries are walked with a Levenshtein automaton, which visits only the
/// terms within the edits allowed (a walk of every term took 0.6 s on 44 segments).
fn closest(searcher: &tantivy::Searcher, fields: &[Field], term: &str) -> Result<Option<String>> {
    let target: Vec<char> = term.chars().collect();
    let most = max_edits(target.len());
    let Some(first) = fields.first() else {
        return Ok(None);
    };
    // (edits, passages, term), best kept.
    let mut best: Option<(usize, u64, String)> = None;
    let mut candidate: Vec<char> = Vec::with_capacity(MAX_WORD_CHARS);
    // One edit first: any term found there beats every term two edits away, and the walk of
    // two edits costs several times more.
    for limit in 1..=most {
        // The automaton depends on the word only (the field of the term is ignored).
        let automaton = tantivy::query::FuzzyTermQuery::new(
            tantivy::Term::from_field_text(*first, term),
            limit as u8,
            true,
        )
        .automaton()?;
        for segment in searcher.segment_readers() {
            for &field in fields {
                let inverted = segment.inverted_index(field)?;
                let mut stream = inverted
                    .terms()
                    .search(&automaton)
                    .into_stream()
                    .map_err(tantivy::TantivyError::from)?;
                while stream.advance() {
                    let Ok(text) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    let len = text.chars().count();
                    if len.abs_diff(target.len()) > limit || !plausible(target.len(), len) {
                        continue;
                    }
                    candidate.clear();
                    candidate.extend(text.chars());
                    let Some(edits) = edit_distance(&target, &candidate, limit) else {
                        continue;
                    };
                    if edits == 0 {
                        continue;
                    }
                    let df = u64::from(stream.value().doc_freq);
                    let better = match &best {
                        None => true,
                        Some((e, n, t)) => {
                            edits < *e
                                || (edits == *e && (df > *n || (df == *n && text < t.as_str())))
                        }
                    };
                    if better {
                        best = Some((edits, df, text.to_string()));
                    }
                }
            }
        }
        if best.is_some() {
            break;
        }
    }
    Ok(best.map(|(_, _, t)| t))
}

/// For a query that found nothing: a word written `name:value` whose `name` is no field of the
/// index (so it was searched as text) and the field it likely meant, said in one line. The
/// field is one whose name ends or starts with the typed name (`awards` in `meta_awards`), else
/// the nearest within an edit or two; without one the line lists the fields.
pub fn field_hint(
    manifest: &crate::schema::Manifest,
    is_field: &dyn Fn(&str) -> bool,
    words: &[String],
) -> Option<String> {
    let (word, name, value) = words.iter().find_map(|w| {
        let (name, value) = w.split_once(':')?;
        let word_like = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-');
        (!name.is_empty()
            && !value.is_empty()
            && name.chars().all(word_like)
            && !is_field(&name.to_lowercase()))
        .then_some((w, name, value))
    })?;
    let key = crate::meta::vocabulary::metadata_key(name);
    let typed: Vec<char> = key.chars().collect();
    // A field name of one or two letters still gets one edit.
    let limit = max_edits(typed.len()).max(1);
    let fields = || {
        crate::schema::names::FILTERABLE
            .into_iter()
            .chain(manifest.metadata_fields.keys().map(String::as_str))
    };
    let nearest = fields()
        .filter(|f| f.ends_with(&format!("_{key}")) || f.starts_with(&format!("{key}_")))
        .map(|f| (0, f))
        .chain(fields().filter_map(|f| {
            let d = edit_distance(&typed, &f.chars().collect::<Vec<_>>(), limit)?;
            Some((d + 1, f))
        }))
        .min();
    let said = format!("`{name}` is no field of this index, so `{word}` was searched as text");
    Some(match nearest {
        Some((_, f)) => format!("{said}; did you mean `{f}:{value}`?"),
        None => format!(
            "{said}; its fields: {}",
            fields().collect::<Vec<_>>().join(", ")
        ),
    })
}

/// Edits (insert, delete, substitute, swap neighbours) from `a` to `b`, or `None` above `limit`.
pub fn edit_distance(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let n = b.len();
    let mut prev2: Vec<usize> = vec![0; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur: Vec<usize> = vec![0; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[n]).filter(|&d| d <= limit)
}

/// Passages read for [`surface_form`]: the first passage holding a stem may show only one of
/// its words (`addicted` where `addiction` was meant).
const SURFACE_PASSAGES: usize = 16;

/// The word of the passages holding `term` (their text, title or metadata) that analyzes to
/// `term` and is nearest to what was typed, lower-cased; the first passages of the index are
/// looked at, at most [`SURFACE_PASSAGES`] per field.
fn surface_form(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    term: &str,
    typed: &str,
) -> Result<Option<String>> {
    let mut analyzer = crate::analyzer::analyzer();
    let typed: Vec<char> = typed.chars().collect();
    let mut best: Option<(usize, String)> = None;
    for field in [fields.text, fields.title, fields.meta_text] {
        let q = tantivy::query::TermQuery::new(
            Term::from_field_text(field, term),
            IndexRecordOption::Basic,
        );
        let mut found: Vec<_> = searcher
            .search(&q, &tantivy::collector::DocSetCollector)?
            .into_iter()
            .collect();
        found.sort_unstable();
        for addr in found.into_iter().take(SURFACE_PASSAGES) {
            // The metadata text is not stored: a passage's metadata is its stored JSON.
            let doc: TantivyDocument = searcher.doc(addr)?;
            for f in [fields.text, fields.title, fields.meta_json] {
                for text in doc.get_all(f).filter_map(|v| v.as_str()) {
                    let mut stream = analyzer.token_stream(text);
                    while stream.advance() {
                        let t = stream.token();
                        if t.text != term {
                            continue;
                        }
                        let Some(word) = text.get(t.offset_from..t.offset_to) else {
                            continue;
                        };
                        let word = word.to_lowercase();
                        let chars: Vec<char> = word.chars().collect();
                        let d = edit_distance(&typed, &chars, usize::MAX / 2).unwrap_or(usize::MAX);
                        // Ties go to the word met first, in index order.
                        if best.as_ref().is_none_or(|(bd, _)| d < *bd) {
                            best = Some((d, word));
                        }
                    }
                }
            }
        }
        if best.is_some() {
            break;
        }
    }
    Ok(best.map(|(_, word)| word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str, limit: usize) -> Option<usize> {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        edit_distance(&a, &b, limit)
    }

    #[test]
    fn edits_count_swaps_as_one() {
        assert_eq!(d("huntingdon", "huntington", 2), Some(1));
        assert_eq!(d("adict", "addict", 2), Some(1));
        assert_eq!(d("court", "cuort", 2), Some(1));
        assert_eq!(d("court", "court", 2), Some(0));
        assert_eq!(d("court", "drug", 2), None);
        assert_eq!(d("", "ab", 2), Some(2));
        assert_eq!(d("café", "cafe", 1), Some(1));
        assert_eq!(d("漢字", "漢", 1), Some(1));
    }
}
