//! The `--filter` and `--sort` languages: parsing them, checking them against the index's
//! metadata fields, and turning filters into queries that select without scoring (a filter never
//! changes the scores or the order of the hits it keeps).

use std::ops::Bound;

use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Order, Term};

use super::build::{numbers_elsewhere, point_bounds, Builder};
use crate::error::{Error, Result};
use crate::meta::MetaType;
use crate::schema::{names, Fields, Manifest};

/// A comparison in a `--filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// `=` or `:`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `--glob GLOB`: the source path matches ([`super::source`]).
    Glob,
    /// `--glob !GLOB`: the source path does not match.
    NotGlob,
    /// `--source PATH`: the source is the file, or lies below the folder.
    Within,
    /// `--source !PATH`: the source is not there.
    NotWithin,
}

/// A `--filter FIELD OP VALUE` condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The field (a metadata key, or `doc_id`, `source`, `title`, `text`).
    pub field: String,
    /// The comparison.
    pub op: FilterOp,
    /// The value, as typed.
    pub value: String,
    /// The whole expression, for messages.
    pub raw: String,
}

impl std::str::FromStr for Filter {
    type Err = String;

    /// Parses `release_year>=2015`, `listed_in=Documentaries`, `rating!=R`, `year:2017`.
    fn from_str(raw: &str) -> std::result::Result<Filter, String> {
        let ops = [
            (">=", FilterOp::Ge),
            ("<=", FilterOp::Le),
            ("!=", FilterOp::Ne),
            (">", FilterOp::Gt),
            ("<", FilterOp::Lt),
            ("=", FilterOp::Eq),
            (":", FilterOp::Eq),
        ];
        let expected = || format!("`{raw}`: expected FIELD=VALUE, FIELD>=VALUE, FIELD<VALUE...");
        let (at, len, op) = ops
            .iter()
            .filter_map(|(sym, op)| raw.find(sym).map(|i| (i, sym.len(), *op)))
            .min_by_key(|(i, len, _)| (*i, std::cmp::Reverse(*len)))
            .ok_or_else(expected)?;
        let field = raw[..at].trim();
        let value = raw[at + len..].trim();
        if field.is_empty() || value.is_empty() {
            return Err(expected());
        }
        Ok(Filter {
            field: field.to_lowercase(),
            op,
            value: value.to_string(),
            raw: raw.to_string(),
        })
    }
}

impl Filter {
    /// `--glob GLOB` (`!GLOB` excludes).
    pub fn glob(arg: &str) -> Filter {
        Filter::place(arg, "--glob", FilterOp::Glob, FilterOp::NotGlob)
    }

    /// `--source PATH` (`!PATH` excludes).
    pub fn source(arg: &str) -> Filter {
        Filter::place(arg, "--source", FilterOp::Within, FilterOp::NotWithin)
    }

    fn place(arg: &str, flag: &str, keep: FilterOp, drop: FilterOp) -> Filter {
        let (op, value) = match arg.strip_prefix('!') {
            Some(rest) => (drop, rest),
            None => (keep, arg),
        };
        Filter {
            field: names::SOURCE.to_string(),
            op,
            value: value.to_string(),
            raw: format!("{flag} '{arg}'"),
        }
    }
}

/// A `--sort FIELD[:asc|desc]` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    /// The metadata field.
    pub field: String,
    /// Ascending or descending.
    pub order: Order,
}

impl std::str::FromStr for Sort {
    type Err = String;

    /// Parses `release_year`, `release_year:asc`, `date_added:desc` (descending by default).
    fn from_str(raw: &str) -> std::result::Result<Sort, String> {
        let (field, order) = match raw.rsplit_once(':') {
            Some((f, "asc")) => (f, Order::Asc),
            Some((f, "desc")) => (f, Order::Desc),
            Some((_, other)) => return Err(format!("`{other}`: the order is asc or desc")),
            None => (raw, Order::Desc),
        };
        if field.is_empty() {
            return Err("a field name is needed".into());
        }
        Ok(Sort {
            field: field.to_lowercase(),
            order,
        })
    }
}

/// The metadata fields of `manifest` whose type passes `keep`, comma-separated ("none" if none).
pub fn fields_of(manifest: &Manifest, keep: impl Fn(MetaType) -> bool) -> String {
    let names: Vec<&str> = manifest
        .metadata_fields
        .iter()
        .filter(|(_, t)| keep(**t))
        .map(|(k, _)| k.as_str())
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Checks a `--sort` against the index: the fast column to read and whether largest comes first.
pub fn check_sort(manifest: &Manifest, sort: &Sort) -> Result<(String, bool)> {
    match manifest.meta_field(&sort.field) {
        Some((key, _)) if manifest.numeric_type(&key).is_some() => Ok((
            format!("{}.{}", names::META_NUM, key),
            sort.order == Order::Desc,
        )),
        Some((_, ty)) => Err(Error::Filter(format!(
            "--sort {}: the field holds {}; only numbers and dates sort",
            sort.field,
            ty.describe()
        ))),
        None if matches!(
            sort.field.as_str(),
            names::TITLE | names::TEXT | names::META_TEXT | names::DOC_ID | names::SOURCE
        ) =>
        {
            Err(Error::Filter(format!(
                "--sort {}: the field holds text; only numbers and dates sort (here: {})",
                sort.field,
                fields_of(manifest, |t| t.is_numeric())
            )))
        }
        None => Err(Error::Filter(format!(
            "--sort {}: unknown field; numeric and date fields here: {}",
            sort.field,
            fields_of(manifest, |t| t.is_numeric())
        ))),
    }
}

/// A filter as a query that matches without scoring, and whether it excludes (`!=`).
pub fn filter_query(
    f: &Filter,
    fields: &Fields,
    manifest: &Manifest,
    builder: &mut Builder,
) -> Result<(Box<dyn Query>, bool)> {
    let bad = |why: String| Error::Filter(format!("--filter '{}': {why}", f.raw));
    if super::source::is_place(f) {
        return Err(bad("a place is read by --glob and --source".into()));
    }
    let negate = f.op == FilterOp::Ne;
    let equality = matches!(f.op, FilterOp::Eq | FilterOp::Ne);
    let value = f.value.trim();
    let silent = |q: Box<dyn Query>| -> Box<dyn Query> { Box::new(ConstScoreQuery::new(q, 0.0)) };
    let schema_field = match f.field.as_str() {
        names::DOC_ID => Some((fields.doc_id, true)),
        names::SOURCE => Some((fields.source, true)),
        names::TITLE => Some((fields.title, false)),
        names::TEXT => Some((fields.text, false)),
        _ => None,
    };
    if let Some((field, exact)) = schema_field {
        if !equality {
            return Err(bad(format!(
                "`{}` holds text; compare it with = or !=",
                f.field
            )));
        }
        let q = if exact {
            Some(Box::new(TermQuery::new(
                Term::from_field_text(field, &builder.exact_value(field, value)),
                IndexRecordOption::Basic,
            )) as Box<dyn Query>)
        } else {
            builder.phrase_in(field, value)
        };
        let q = q.ok_or_else(|| bad(format!("`{value}` has no word to compare")))?;
        return Ok((silent(q), negate));
    }
    let Some((key, ty)) = manifest.meta_field(&f.field) else {
        return Err(bad(format!(
            "unknown field `{}`; metadata fields here: {}; and {} (= and != only)",
            f.field,
            fields_of(manifest, |_| true),
            names::FILTERABLE.join(", ")
        )));
    };
    // Ranges, and `=` on numbers and dates: the values that read as numbers or dates, in
    // whatever file (a field a file typed as text may hold them too).
    let numeric = manifest.numeric_type(&key);
    let numeric_query = |builder: &mut Builder, num: MetaType| -> Result<Box<dyn Query>> {
        let (low, high) = point_bounds(&key, num, value).map_err(|e| match e {
            Error::Clause { message, .. } | Error::Query(message) => bad(message),
            other => other,
        })?;
        let (low, high) = match f.op {
            FilterOp::Eq | FilterOp::Ne => (low, high),
            FilterOp::Ge => (low, Bound::Unbounded),
            FilterOp::Gt => (flip(high), Bound::Unbounded),
            FilterOp::Le => (Bound::Unbounded, high),
            FilterOp::Lt => (Bound::Unbounded, flip(low)),
            // Answered by `source`, before this function is reached.
            FilterOp::Glob | FilterOp::NotGlob | FilterOp::Within | FilterOp::NotWithin => {
                (low, high)
            }
        };
        Ok(builder.num_range(&key, low, high))
    };
    if ty.is_numeric() {
        return match numeric_query(builder, ty) {
            Ok(q) => Ok((silent(q), negate)),
            // `year=PG` where a `PG` was kept as text among years: that value, by its words.
            Err(_) if equality && manifest.misfit_fields.contains(&key) => {
                let q = builder
                    .phrase_in_meta(&key, value)
                    .ok_or_else(|| bad(format!("`{value}` has no word to compare")))?;
                Ok((silent(q), negate))
            }
            Err(e) => Err(e),
        };
    }
    if !equality {
        return match numeric {
            Some(num) => Ok((silent(numeric_query(builder, num)?), negate)),
            None => Err(bad(format!(
                "`{}` holds {}; compare it with = or !={}",
                key,
                ty.describe(),
                numbers_elsewhere(manifest, &key)
            ))),
        };
    }
    let words: Option<Box<dyn Query>> = match ty {
        // A keyword list matches when one of its items is the value (case aside); a value of
        // another file that typed the field as text, a number or a date is its keywords too.
        MetaType::Keywords => {
            let mut term = Term::from_field_json_path(fields.meta_kw, &key, false);
            term.append_type_and_str(&crate::analyzer::keyword(value));
            Some(Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
        }
        _ => builder.phrase_in_meta(&key, value),
    };
    // The same value as a number, for the files whose values of the field are numbers
    // (`gross=28,341,469` in a file that typed `gross` as text and one that read numbers).
    let as_number = numeric.and_then(|num| numeric_query(builder, num).ok());
    let q: Box<dyn Query> = match (words, as_number) {
        (Some(w), Some(n)) => Box::new(BooleanQuery::new(vec![
            (Occur::Should, w),
            (Occur::Should, n),
        ])),
        (Some(w), None) => w,
        (None, Some(n)) => n,
        (None, None) => return Err(bad(format!("`{value}` has no word to compare"))),
    };
    Ok((silent(q), negate))
}

/// The other side of a bound: past `<= x` is `> x`, past `< x` is `>= x`.
fn flip(b: Bound<f64>) -> Bound<f64> {
    match b {
        Bound::Included(x) => Bound::Excluded(x),
        Bound::Excluded(x) => Bound::Included(x),
        Bound::Unbounded => Bound::Unbounded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_sorts_parse() {
        let f: Filter = "Release_Year>=2015".parse().unwrap();
        assert_eq!(
            (f.field.as_str(), f.op, f.value.as_str()),
            ("release_year", FilterOp::Ge, "2015")
        );
        let f: Filter = "listed_in=TV Dramas".parse().unwrap();
        assert_eq!((f.op, f.value.as_str()), (FilterOp::Eq, "TV Dramas"));
        let f: Filter = "rating!=R".parse().unwrap();
        assert_eq!(f.op, FilterOp::Ne);
        assert!("=x".parse::<Filter>().is_err());
        assert!("year".parse::<Filter>().is_err());
        let s: Sort = "year:asc".parse().unwrap();
        assert_eq!(s.order, Order::Asc);
        assert!("year:up".parse::<Sort>().is_err());
    }

    #[test]
    fn flipped_bounds() {
        assert_eq!(flip(Bound::Included(1.0)), Bound::Excluded(1.0));
        assert_eq!(flip(Bound::Excluded(1.0)), Bound::Included(1.0));
    }
}
