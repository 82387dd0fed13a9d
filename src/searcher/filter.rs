//! The `--filter` and `--sort` languages: parsing them, checking them against the index's
//! metadata fields, and turning filters into queries that select without scoring (a filter never
//! changes the scores or the order of the hits it keeps).

use std::ops::Bound;

use tantivy::query::{ConstScoreQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Order, Term};

use super::build::{point_bounds, Builder};
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
        Some((key, ty)) if ty.is_numeric() => Ok((
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
    match ty {
        MetaType::Keywords => {
            if !equality {
                return Err(bad(format!(
                    "`{}` holds keywords; compare it with = or !={}",
                    key,
                    numbers_elsewhere(manifest, &key)
                )));
            }
            // A keyword list matches when one of its items is the value (case aside).
            let mut term = Term::from_field_json_path(fields.meta_kw, &key, false);
            term.append_type_and_str(&crate::analyzer::keyword(value));
            let q = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            Ok((silent(q), negate))
        }
        MetaType::Text => {
            if !equality {
                return Err(bad(format!(
                    "`{}` holds text; compare it with = or !={}",
                    key,
                    numbers_elsewhere(manifest, &key)
                )));
            }
            let q = builder
                .phrase_in_meta(&key, value)
                .ok_or_else(|| bad(format!("`{value}` has no word to compare")))?;
            Ok((silent(q), negate))
        }
        MetaType::Integer | MetaType::Float | MetaType::Date => {
            let (low, high) = point_bounds(&key, ty, value).map_err(|e| match e {
                Error::Query(m) => bad(m),
                other => other,
            })?;
            let (low, high) = match f.op {
                FilterOp::Eq | FilterOp::Ne => (low, high),
                FilterOp::Ge => (low, Bound::Unbounded),
                FilterOp::Gt => (flip(high), Bound::Unbounded),
                FilterOp::Le => (Bound::Unbounded, high),
                FilterOp::Lt => (Bound::Unbounded, flip(low)),
            };
            Ok((silent(builder.num_range(&key, low, high)), negate))
        }
    }
}

/// The other side of a bound: past `<= x` is `> x`, past `< x` is `>= x`.
fn flip(b: Bound<f64>) -> Bound<f64> {
    match b {
        Bound::Included(x) => Bound::Excluded(x),
        Bound::Excluded(x) => Bound::Included(x),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// For a text column that reel reads numbers from (`duration` -> `runtime_minutes`, `seasons`):
/// where those numbers are, said after the refusal of a comparison on the column itself.
pub(super) fn numbers_elsewhere(manifest: &Manifest, key: &str) -> String {
    let targets: Vec<&str> = crate::meta::vocabulary::ALIASES
        .iter()
        .filter(|(column, _)| *column == key)
        .flat_map(|(_, fields)| fields.split(" or "))
        .filter(|f| {
            manifest
                .metadata_fields
                .get(*f)
                .is_some_and(|t| t.is_numeric())
        })
        .collect();
    if targets.is_empty() {
        return String::new();
    }
    let named: Vec<String> = targets.iter().map(|f| format!("`{f}`")).collect();
    format!(" (its numbers are in {})", named.join(" and "))
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
