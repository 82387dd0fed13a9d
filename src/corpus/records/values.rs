//! Typing one value: numbers (with thousands separators), dates, keyword lists, text; null
//! markers; the text of a value whatever it was read as.

use super::{RawValue, NULL_MARKERS};
use crate::meta::{dates, MetaType, MetaValue};

/// A keyword list item has at most this many words (names, genres, countries do; clauses of a
/// sentence do not).
const KEYWORD_MAX_WORDS: usize = 6;
/// ... and at most this many bytes.
const KEYWORD_MAX_BYTES: usize = 60;
/// A keyword column may have one value in this many that breaks the rules above.
const KEYWORD_TOLERANCE_DIVISOR: usize = 50;

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

/// The type of a column from its sampled values; `None` if every value is empty.
pub(super) fn column_type(values: &[&RawValue]) -> Option<MetaType> {
    let mut all_int = true;
    let mut all_float = true;
    let mut all_date = true;
    let mut any_list = false;
    let mut not_keywordish = 0usize;
    let mut seen = 0;
    for v in values {
        match v {
            RawValue::Int(_) => {
                all_date = false;
            }
            RawValue::Float(_) => {
                all_int = false;
                all_date = false;
            }
            RawValue::List(items) => {
                if items.is_empty() {
                    continue;
                }
                any_list = true;
                all_int = false;
                all_float = false;
                all_date = false;
            }
            RawValue::Str(s) => {
                let s = s.trim();
                if is_null(s) {
                    continue;
                }
                all_int &= parse_int(s).is_some();
                all_float &= parse_number(s).is_some();
                all_date &= dates::parse(s).is_some();
                let items = list_items(s);
                any_list |= items.len() > 1;
                if !items.iter().all(|i| is_keyword(i)) {
                    not_keywordish += 1;
                }
            }
        }
        seen += 1;
    }
    if seen == 0 {
        return None;
    }
    // A few odd values (a cast credit with a long band name) do not make a list column prose.
    let keywordish = not_keywordish * KEYWORD_TOLERANCE_DIVISOR <= seen;
    Some(if all_int {
        MetaType::Integer
    } else if all_float {
        MetaType::Float
    } else if all_date {
        MetaType::Date
    } else if any_list && keywordish {
        MetaType::Keywords
    } else {
        MetaType::Text
    })
}

/// The items of a comma-separated list; a number written with thousands separators (`1,234`)
/// or decimal commas (`8,2`) is one item, never a list of digit groups.
fn list_items(s: &str) -> Vec<&str> {
    let items: Vec<&str> = s
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .collect();
    if items.len() > 1 && items.iter().all(|i| i.bytes().all(|b| b.is_ascii_digit())) {
        return vec![s];
    }
    items
}

fn is_keyword(item: &str) -> bool {
    item.len() <= KEYWORD_MAX_BYTES && item.split_whitespace().count() <= KEYWORD_MAX_WORDS
}

/// Converts a value to its column's type, or types it by itself when the column has none yet.
/// Returns the value and whether it fits the column (`false`: kept as text in a number or date
/// column). `None` for an empty value or a null marker.
pub(super) fn typed(value: RawValue, ty: Option<MetaType>) -> Option<(MetaValue, bool)> {
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
    let text = || MetaValue::Text(t.to_string());
    Some(match ty {
        None => (type_value(t)?, true),
        Some(MetaType::Integer) => match (parse_int(t), parse_number(t)) {
            (Some(n), _) => (MetaValue::Int(n), true),
            // A decimal in an integer column widens the column.
            (None, Some(x)) => (MetaValue::Float(x), true),
            _ => (text(), false),
        },
        Some(MetaType::Float) => match parse_number(t) {
            Some(x) => (MetaValue::Float(x), true),
            None => (text(), false),
        },
        Some(MetaType::Date) => match dates::parse(t) {
            Some(d) => (MetaValue::Date(d), true),
            None => (text(), false),
        },
        Some(MetaType::Keywords) => (
            MetaValue::List(list_items(t).into_iter().map(str::to_string).collect()),
            true,
        ),
        Some(MetaType::Text) => (text(), true),
    })
}

/// A whole number: plain digits (not `007`, a code), or grouped by thousands (`1,234`).
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if is_thousands(digits) {
        return s.replace(',', "").parse().ok();
    }
    // "007" is a code, not a number.
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

/// `1,234` or `12,345,678`: groups of three digits after the first.
fn is_thousands(s: &str) -> bool {
    let mut groups = s.split(',');
    let first = groups.next().unwrap_or("");
    let rest: Vec<&str> = groups.collect();
    !rest.is_empty()
        && (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && rest
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// A number: a whole number, or a decimal with a point (`8.2`, not `1.` or `.5`).
pub(super) fn parse_number(s: &str) -> Option<f64> {
    if let Some(n) = parse_int(s) {
        return Some(n as f64);
    }
    if !s.contains('.') || s.starts_with('.') || s.ends_with('.') || s.contains(',') {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
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

/// HTML line breaks (`<br />`, common in scraped reviews) become newlines, so paragraphs split.
pub(super) fn clean_text(t: &str) -> String {
    if !t.contains("<br") && !t.contains("<BR") {
        return t.to_string();
    }
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let lower: String = tail
            .chars()
            .take(6)
            .collect::<String>()
            .to_ascii_lowercase();
        if lower.starts_with("<br") {
            if let Some(end) = tail.find('>').filter(|&e| e <= 6) {
                out.push('\n');
                rest = &tail[end + 1..];
                continue;
            }
        }
        out.push('<');
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

/// True for a value that means "no value" ([`NULL_MARKERS`], or only whitespace).
pub fn is_null(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || NULL_MARKERS.iter().any(|m| v.eq_ignore_ascii_case(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_markers_and_numbers_with_commas() {
        for v in ["null", "NULL", "N/A", "n/a", "#N/A", "NaN", "\\N", "  "] {
            assert!(is_null(v), "{v}");
            assert_eq!(type_value(v), None, "{v}");
        }
        assert!(!is_null("NA"), "a country code");
        assert_eq!(parse_int("1,234"), Some(1234));
        assert_eq!(parse_int("12,345,678"), Some(12_345_678));
        assert_eq!(parse_int("1,23"), None);
        assert_eq!(list_items("1,234"), ["1,234"]);
        assert_eq!(list_items("8,2"), ["8,2"]);
        assert_eq!(list_items("a, b"), ["a", "b"]);
        let vals = [RawValue::Str("1,234".into()), RawValue::Str("8,2".into())];
        let refs: Vec<&RawValue> = vals.iter().collect();
        assert_eq!(column_type(&refs), Some(MetaType::Text), "never a list");
    }

    #[test]
    fn values_that_do_not_fit_keep_their_text() {
        assert_eq!(
            typed(RawValue::Str("74 min".into()), Some(MetaType::Integer)),
            Some((MetaValue::Text("74 min".into()), false))
        );
        assert_eq!(typed(RawValue::Str(" ".into()), Some(MetaType::Text)), None);
        assert_eq!(
            typed(RawValue::Int(3), Some(MetaType::Float)),
            Some((MetaValue::Float(3.0), true))
        );
    }

    #[test]
    fn html_breaks_become_newlines() {
        assert_eq!(clean_text("a<br /><br />b <b>c</b>"), "a\n\nb <b>c</b>");
        assert_eq!(clean_text("x <BR>y"), "x \ny");
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_int("2017"), Some(2017));
        assert_eq!(parse_int("007"), None);
        assert_eq!(parse_number("8.2"), Some(8.2));
        assert_eq!(parse_number("1."), None);
    }
}
