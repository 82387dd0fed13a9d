//! Typing one value: numbers (with thousands separators, amounts of money, percentages), dates,
//! keyword lists (by the column's separator), codes, text; null markers; JSON inside a cell; the
//! text of a value whatever it was read as.
//!
//! A column is typed by the large majority of its sampled values ([`MISFITS_PER`]): one `PG`
//! among a thousand years leaves the column a year column, and the `PG` is kept as text (found
//! by its words, counted and reported).

use std::collections::HashSet;

use super::{RawValue, NULL_MARKERS};
use crate::meta::lists::{self, Separator};
use crate::meta::numbers::{parse_int, parse_number};
use crate::meta::{dates, MetaType, MetaValue};

/// A column may have one value in this many that does not fit its type (kept as text).
pub const MISFITS_PER: usize = 20;
/// A keyword column may have one value in this many whose items are too long for keywords.
const KEYWORD_TOLERANCE_DIVISOR: usize = 50;
/// A column of codes (`PG-13`, `B+`, `8/10`): at least this many values in the sample...
const CODE_MIN_VALUES: usize = 10;
/// ... each of at most this many words and bytes...
const CODE_MAX_WORDS: usize = 4;
const CODE_MAX_BYTES: usize = 40;
/// ... and at most one distinct value in this many.
const CODE_DISTINCT_PER: usize = 3;
/// Distinct values remembered while typing a column (enough to tell codes from names).
const DISTINCT_CAP: usize = 400;

/// How a column's values are typed: its type and, for keywords, what separates the items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The type.
    pub ty: MetaType,
    /// For a keyword column: the separator of its lists ([`Separator::Whole`]: codes, one
    /// value one item).
    pub sep: Separator,
}

impl Column {
    fn of(ty: MetaType) -> Column {
        Column {
            ty,
            sep: Separator::Comma,
        }
    }
}

/// Types one standalone value (front matter): number, date, else text. `None` if empty or a
/// null marker.
pub fn type_value(raw: &str) -> Option<MetaValue> {
    let s = raw.trim();
    if is_null(s) {
        return None;
    }
    Some(if let Some(n) = parse_int(s) {
        MetaValue::Int(n)
    } else if let Some(x) = parse_number(s) {
        MetaValue::Float(x)
    } else if let Some(d) = dates::parse(s) {
        MetaValue::Date(d)
    } else {
        MetaValue::Text(s.to_string())
    })
}

/// `NA`, R's missing value: a null in a column of numbers or dates (in a column of names it is
/// Namibia).
fn is_na(s: &str) -> bool {
    s.trim().eq_ignore_ascii_case("na")
}

/// A cell that holds JSON (`["a", "b"]`, `[{"id": 28, "name": "Action"}]`, `{"name": "X"}`):
/// its items, as a person reads them (an object by its `name`, or its one text field).
pub(super) fn json_items(s: &str) -> Option<Vec<String>> {
    let t = s.trim();
    let bracketed =
        (t.starts_with('[') && t.ends_with(']')) || (t.starts_with('{') && t.ends_with('}'));
    if !bracketed || t.len() < 2 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(t).ok()?;
    fn item(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::String(s) => Some(s.trim().to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            serde_json::Value::Object(o) => {
                if let Some(serde_json::Value::String(n)) = o.get("name") {
                    return Some(n.trim().to_string());
                }
                let texts: Vec<&String> = o
                    .values()
                    .filter_map(|v| match v {
                        serde_json::Value::String(s) => Some(s),
                        _ => None,
                    })
                    .collect();
                (texts.len() == 1).then(|| texts[0].trim().to_string())
            }
            _ => None,
        }
    }
    let items: Vec<String> = match &v {
        serde_json::Value::Array(a) => a.iter().filter_map(item).collect(),
        serde_json::Value::Object(_) => item(&v).into_iter().collect(),
        _ => return None,
    };
    Some(
        items
            .into_iter()
            .filter(|i| !i.is_empty() && !is_null(i))
            .collect(),
    )
}

/// The type of a column from its sampled values; `None` if every value is empty.
pub(super) fn column_type(values: &[&RawValue]) -> Option<Column> {
    let mut n = 0usize;
    let mut ints = 0usize;
    let mut nums = 0usize;
    let mut dates_ok = 0usize;
    let mut na = 0usize;
    let mut lists_given = 0usize;
    let mut split_cells = [0usize; 3];
    let mut split_bad = [0usize; 3];
    let mut short = 0usize;
    let mut distinct: HashSet<&str> = HashSet::new();
    let mut many_distinct = false;
    for v in values {
        match v {
            RawValue::Int(_) => {
                n += 1;
                ints += 1;
                nums += 1;
            }
            RawValue::Float(_) => {
                n += 1;
                nums += 1;
            }
            RawValue::List(items) => {
                if !items.is_empty() {
                    n += 1;
                    lists_given += 1;
                }
            }
            RawValue::Str(s) => {
                let s = s.trim();
                if is_null(s) {
                    continue;
                }
                if is_na(s) {
                    na += 1;
                    continue;
                }
                n += 1;
                if json_items(s).is_some() {
                    lists_given += 1;
                    continue;
                }
                ints += usize::from(parse_int(s).is_some());
                nums += usize::from(parse_number(s).is_some());
                dates_ok += usize::from(dates::parse(s).is_some());
                for (i, sep) in Separator::LISTS.into_iter().enumerate() {
                    let items = lists::split(s, sep);
                    if items.len() > 1 {
                        split_cells[i] += 1;
                        if !items.iter().all(|i| lists::is_keyword(i)) {
                            split_bad[i] += 1;
                        }
                    }
                }
                if s.len() <= CODE_MAX_BYTES && s.split_whitespace().count() <= CODE_MAX_WORDS {
                    short += 1;
                }
                if distinct.len() < DISTINCT_CAP {
                    distinct.insert(s);
                } else {
                    many_distinct = true;
                }
            }
        }
    }
    if n == 0 {
        return (na > 0).then_some(Column::of(MetaType::Text));
    }
    let misfits = n / MISFITS_PER;
    if lists_given * 2 > n {
        return Some(Column::of(MetaType::Keywords));
    }
    if ints + misfits >= n {
        return Some(Column::of(MetaType::Integer));
    }
    if nums + misfits >= n {
        return Some(Column::of(MetaType::Float));
    }
    if dates_ok + misfits >= n {
        return Some(Column::of(MetaType::Date));
    }
    // Not numbers: an `NA` is a value again.
    let all = n + na;
    // A list column: the separator most of its lists use, its items keywords (a few odd ones,
    // a cast credit with a long band name, do not make it prose).
    let best = (0..3)
        .filter(|&i| split_cells[i] > 0 && split_bad[i] * KEYWORD_TOLERANCE_DIVISOR <= all)
        .max_by_key(|&i| (split_cells[i], std::cmp::Reverse(i)));
    if let Some(i) = best {
        return Some(Column {
            ty: MetaType::Keywords,
            sep: Separator::LISTS[i],
        });
    }
    // A column of codes: short values that repeat (`PG-13`, `TV-MA`, `B+`, `3/5`).
    let distinct = distinct.len() + usize::from(na > 0);
    if all >= CODE_MIN_VALUES
        && short + na + all / MISFITS_PER >= all
        && !many_distinct
        && distinct * CODE_DISTINCT_PER <= all
    {
        return Some(Column {
            ty: MetaType::Keywords,
            sep: Separator::Whole,
        });
    }
    Some(Column::of(MetaType::Text))
}

/// Converts a value to its column's type, or types it by itself when the column has none yet.
/// Returns the value and whether it fits the column (`false`: kept as text in a number or date
/// column). `None` for an empty value or a null marker.
pub(super) fn typed(value: RawValue, column: Option<Column>) -> Option<(MetaValue, bool)> {
    let ty = column.map(|c| c.ty);
    let s = match value {
        RawValue::Int(n) => {
            let v = match ty {
                Some(MetaType::Float) => MetaValue::Float(n as f64),
                Some(MetaType::Text) => MetaValue::Text(n.to_string()),
                Some(MetaType::Keywords) => MetaValue::List(vec![n.to_string()]),
                _ => MetaValue::Int(n),
            };
            let fits = !matches!(ty, Some(MetaType::Date));
            return Some((v, fits));
        }
        RawValue::Float(x) => {
            let v = match ty {
                Some(MetaType::Text) => MetaValue::Text(x.to_string()),
                Some(MetaType::Keywords) => MetaValue::List(vec![x.to_string()]),
                _ => MetaValue::Float(x),
            };
            let fits = !matches!(ty, Some(MetaType::Date));
            return Some((v, fits));
        }
        RawValue::List(items) => {
            let items: Vec<String> = items.into_iter().filter(|i| !is_null(i)).collect();
            return (!items.is_empty()).then_some((MetaValue::List(items), true));
        }
        RawValue::Str(s) => s,
    };
    let t = s.trim();
    if is_null(t) {
        return None;
    }
    if let Some(items) = json_items(t) {
        return (!items.is_empty()).then_some((MetaValue::List(items), true));
    }
    let numeric = ty.is_some_and(|t| t.is_numeric());
    if numeric && is_na(t) {
        return None;
    }
    let text = || MetaValue::Text(t.to_string());
    Some(match column {
        None => (type_value(t)?, true),
        Some(Column {
            ty: MetaType::Integer,
            ..
        }) => match (parse_int(t), parse_number(t)) {
            (Some(n), _) => (MetaValue::Int(n), true),
            // A decimal in an integer column widens the column.
            (None, Some(x)) => (MetaValue::Float(x), true),
            _ => (text(), false),
        },
        Some(Column {
            ty: MetaType::Float,
            ..
        }) => match parse_number(t) {
            Some(x) => (MetaValue::Float(x), true),
            None => (text(), false),
        },
        Some(Column {
            ty: MetaType::Date, ..
        }) => match dates::parse(t) {
            Some(d) => (MetaValue::Date(d), true),
            None => (text(), false),
        },
        // A code stays the text it is (`"rating": "PG-13"`); its column being keywords makes
        // `=` match it whole and gives it facets.
        Some(Column {
            ty: MetaType::Keywords,
            sep: Separator::Whole,
        }) => (text(), true),
        Some(Column {
            ty: MetaType::Keywords,
            sep,
        }) => {
            let items = lists::split(t, sep);
            if items.is_empty() {
                return None;
            }
            (MetaValue::List(items), true)
        }
        Some(Column {
            ty: MetaType::Text, ..
        }) => (text(), true),
    })
}

pub(super) fn present(s: String) -> Option<String> {
    (!is_null(&s)).then_some(s)
}

pub(super) fn raw_text(v: RawValue) -> String {
    match v {
        RawValue::Str(s) => s,
        RawValue::Int(n) => n.to_string(),
        RawValue::Float(x) => x.to_string(),
        RawValue::List(items) => items.join(", "),
    }
}

/// True for a value that means "no value" ([`NULL_MARKERS`], or only whitespace).
pub fn is_null(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || NULL_MARKERS.iter().any(|m| v.eq_ignore_ascii_case(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(values: &[&str]) -> Vec<RawValue> {
        values
            .iter()
            .map(|v| RawValue::Str(v.to_string()))
            .collect()
    }

    fn col(values: &[&str]) -> Option<Column> {
        let v = strs(values);
        let refs: Vec<&RawValue> = v.iter().collect();
        column_type(&refs)
    }

    #[test]
    fn null_markers_and_numbers_with_commas() {
        for v in ["null", "NULL", "N/A", "n/a", "#N/A", "NaN", "\\N", "  "] {
            assert!(is_null(v), "{v}");
            assert_eq!(type_value(v), None, "{v}");
        }
        assert!(!is_null("NA"), "a country code");
        assert_eq!(
            col(&["1,234", "8,2"]).map(|c| c.ty),
            Some(MetaType::Text),
            "never a list"
        );
    }

    #[test]
    fn values_that_do_not_fit_keep_their_text() {
        let int = Some(Column::of(MetaType::Integer));
        assert_eq!(
            typed(RawValue::Str("74 min".into()), int),
            Some((MetaValue::Text("74 min".into()), false))
        );
        assert_eq!(
            typed(RawValue::Str(" ".into()), Some(Column::of(MetaType::Text))),
            None
        );
        assert_eq!(
            typed(RawValue::Int(3), Some(Column::of(MetaType::Float))),
            Some((MetaValue::Float(3.0), true))
        );
        // NA is a null among numbers, a value among names.
        assert_eq!(typed(RawValue::Str("NA".into()), int), None);
        assert_eq!(
            typed(RawValue::Str("NA".into()), Some(Column::of(MetaType::Text))),
            Some((MetaValue::Text("NA".into()), true))
        );
    }

    #[test]
    fn a_column_is_typed_by_the_large_majority() {
        let mut years: Vec<String> = (1950..2000).map(|y| y.to_string()).collect();
        years.push("PG".into());
        let refs: Vec<&str> = years.iter().map(String::as_str).collect();
        assert_eq!(col(&refs).map(|c| c.ty), Some(MetaType::Integer));
        let mut half: Vec<&str> = refs[..10].to_vec();
        half.extend(["PG", "R", "G"]);
        assert_eq!(col(&half).map(|c| c.ty), Some(MetaType::Text));
        assert_eq!(
            col(&["1994", "NA", "NA", "2001"]).map(|c| c.ty),
            Some(MetaType::Integer)
        );
        assert_eq!(
            col(&["$425,000,000", "$1,200", "USD 5"]).map(|c| c.ty),
            Some(MetaType::Integer)
        );
        assert_eq!(
            col(&["1,131.6", "12.5"]).map(|c| c.ty),
            Some(MetaType::Float)
        );
    }

    #[test]
    fn lists_by_their_separator_and_codes() {
        assert_eq!(
            col(&["Action|Comedy|Drama", "Drama", "Comedy|Romance"]),
            Some(Column {
                ty: MetaType::Keywords,
                sep: Separator::Pipe
            })
        );
        assert_eq!(
            col(&["Ama Qamata, Khosi Ngema", "Lee Pace"]),
            Some(Column {
                ty: MetaType::Keywords,
                sep: Separator::Comma
            })
        );
        let codes = [
            "PG", "PG-13", "R", "TV-MA", "PG", "R", "R", "PG-13", "G", "TV-MA", "R", "PG", "R",
            "PG", "R", "G",
        ];
        assert_eq!(
            col(&codes),
            Some(Column {
                ty: MetaType::Keywords,
                sep: Separator::Whole
            })
        );
        let names: Vec<String> = (0..12).map(|i| format!("Director Number{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(
            col(&refs).map(|c| c.ty),
            Some(MetaType::Text),
            "names do not repeat"
        );
        let pipe = Some(Column {
            ty: MetaType::Keywords,
            sep: Separator::Pipe,
        });
        assert_eq!(
            typed(RawValue::Str("Action|Comedy".into()), pipe),
            Some((
                MetaValue::List(vec!["Action".into(), "Comedy".into()]),
                true
            ))
        );
    }

    #[test]
    fn json_inside_a_cell_is_read_as_its_items() {
        assert_eq!(
            json_items(r#"[{"id": 28, "name": "Action"}, {"id": 12, "name": "Adventure"}]"#),
            Some(vec!["Action".into(), "Adventure".into()])
        );
        assert_eq!(
            json_items(r#"["Espa\u00f1ol", "English"]"#),
            Some(vec!["Español".into(), "English".into()])
        );
        assert_eq!(json_items("[not json"), None);
        assert_eq!(json_items("(1995)"), None);
        assert_eq!(
            typed(
                RawValue::Str(r#"[{"iso_639_1": "es", "name": "Español"}]"#.into()),
                None
            ),
            Some((MetaValue::List(vec!["Español".into()]), true))
        );
    }
}
