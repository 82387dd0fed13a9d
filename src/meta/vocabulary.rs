//! One metadata vocabulary across sources: catalogues name the same facts differently
//! (`release_year`, `duration`, `listed_in`) from the reviews' `year`, `runtime_minutes`,
//! `seasons`, `genres`. A well-known column also gives reel's field of that fact, next to the
//! column itself (which is kept as it is), so one `--filter 'year>=2015'` or `--sort
//! runtime_minutes` covers a mixed corpus. A record that has reel's field itself keeps its own
//! value.

use super::{MetaValue, Metadata};

/// A metadata key as it is stored and queried: lower-case (fully, `RÉALISATEUR` is
/// `réalisateur`), with each run of anything but letters, digits and `_` one `_`, and none at
/// the end (so `Release Year` is `release_year:[2015 TO 2019]`, `Runtime (mins)` is
/// `runtime_mins`); a leading `_` stays only if the name has one (`_id`).
pub fn metadata_key(name: &str) -> String {
    let name = name.trim();
    let mut key = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars() {
        if c.is_alphanumeric() || c == '_' {
            if gap && !key.is_empty() && !key.ends_with('_') {
                key.push('_');
            }
            gap = false;
            key.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    if key.is_empty() {
        return if name.is_empty() {
            "field".to_string()
        } else {
            "_".to_string()
        };
    }
    key
}

/// Columns (as normalized names) that give one of reel's fields, and which.
pub const ALIASES: [(&str, &str); 21] = [
    ("release_year", "year"),
    ("released_year", "year"),
    ("year_released", "year"),
    ("year_of_release", "year"),
    ("startyear", "year"),
    ("start_year", "year"),
    ("premiere_year", "year"),
    ("duration", "runtime_minutes or seasons"),
    ("runtime", "runtime_minutes"),
    ("running_time", "runtime_minutes"),
    ("runtimeminutes", "runtime_minutes"),
    ("runtime_mins", "runtime_minutes"),
    ("length_minutes", "runtime_minutes"),
    ("number_of_seasons", "seasons"),
    ("num_seasons", "seasons"),
    ("listed_in", "genres"),
    ("genre", "genres"),
    ("imdb_score", "imdb_rating"),
    ("imdbrating", "imdb_rating"),
    ("directors", "director"),
    ("directed_by", "director"),
];

/// Reel's field for a column value, if the column is a well-known one and the value says it in
/// a form reel reads (`"90 min"`, `"2 Seasons"`, `"1h 30m"`, a year between 1800 and 2200).
pub fn canonical(column: &str, value: &MetaValue) -> Option<(&'static str, MetaValue)> {
    let (_, field) = ALIASES.iter().find(|(c, _)| *c == column)?;
    match *field {
        "year" => year(value).map(|y| ("year", MetaValue::Int(y))),
        "runtime_minutes" => minutes(value).map(|m| ("runtime_minutes", MetaValue::Int(m))),
        "runtime_minutes or seasons" => duration(value),
        "seasons" => count(value, &["season", "seasons"]).map(|n| ("seasons", MetaValue::Int(n))),
        "genres" => Some(("genres", as_list(value)?)),
        "imdb_rating" => number(value).map(|x| ("imdb_rating", MetaValue::Float(x))),
        "director" => match value {
            MetaValue::Text(t) => Some(("director", MetaValue::Text(t.clone()))),
            MetaValue::List(items) => Some(("director", MetaValue::Text(items.join(", ")))),
            _ => None,
        },
        _ => None,
    }
}

/// Adds reel's fields given by well-known columns of `metadata` (the columns stay). A field the
/// record has itself is kept as it is. Returns the fields added.
pub fn complete(metadata: &mut Metadata) -> Vec<&'static str> {
    let derived: Vec<(&'static str, MetaValue)> = metadata
        .iter()
        .filter_map(|(k, v)| canonical(k, v))
        .collect();
    let mut added = Vec::new();
    for (field, value) in derived {
        if !metadata.contains_key(field) {
            metadata.insert(field.to_string(), value);
            added.push(field);
        }
    }
    added
}

/// True if `key` holds a value given by another column of `metadata` ([`complete`]): the same
/// fact twice, which the searchable metadata text and the summary line leave out once.
pub fn is_derived(key: &str, value: &MetaValue, metadata: &Metadata) -> bool {
    metadata.get(key) == Some(value) && derived_keys(metadata).contains(&key)
}

/// The keys of `metadata` that hold a value given by another of its columns (see
/// [`is_derived`]), found in one pass over the columns.
pub fn derived_keys(metadata: &Metadata) -> Vec<&'static str> {
    metadata
        .iter()
        .filter_map(|(column, v)| canonical(column, v))
        .filter(|(field, v)| metadata.get(*field) == Some(v))
        .map(|(field, _)| field)
        .collect()
}

fn year(value: &MetaValue) -> Option<i64> {
    let y = match value {
        MetaValue::Int(n) => *n,
        MetaValue::Float(x) if x.fract() == 0.0 => *x as i64,
        MetaValue::Text(t) => t.trim().parse().ok()?,
        _ => return None,
    };
    (1800..=2200).contains(&y).then_some(y)
}

fn number(value: &MetaValue) -> Option<f64> {
    match value {
        MetaValue::Int(n) => Some(*n as f64),
        MetaValue::Float(x) => Some(*x),
        MetaValue::Text(t) => t.trim().parse().ok().filter(|x: &f64| x.is_finite()),
        _ => None,
    }
}

/// `"90 min"`, `"90 minutes"`, `"1h 30m"`, `"2 h"`, or a plain number of minutes.
fn minutes(value: &MetaValue) -> Option<i64> {
    match value {
        MetaValue::Int(n) if *n > 0 => Some(*n),
        MetaValue::Float(x) if *x > 0.0 && x.fract() == 0.0 => Some(*x as i64),
        MetaValue::Text(t) => text_minutes(t),
        _ => None,
    }
}

fn text_minutes(t: &str) -> Option<i64> {
    let t = t.trim().to_lowercase();
    if let Ok(n) = t.parse::<i64>() {
        return (n > 0).then_some(n);
    }
    // Number-unit pairs, the unit glued on or apart: "1h 30m", "1 hr 30 min", "95 mins".
    let mut total = 0i64;
    let mut seen = false;
    let mut rest = t.as_str();
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_alphabetic() && c != '.')
            .unwrap_or(rest.len());
        let unit = rest[..unit_len].trim_end_matches('.');
        rest = &rest[unit_len..];
        let factor = match unit {
            "h" | "hr" | "hrs" | "hour" | "hours" => 60,
            "m" | "min" | "mins" | "minute" | "minutes" => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(factor)?)?;
        seen = true;
    }
    (seen && total > 0).then_some(total)
}

/// `"N Season(s)"` (or `units` given).
fn count(value: &MetaValue, units: &[&str]) -> Option<i64> {
    match value {
        MetaValue::Int(n) if *n > 0 => Some(*n),
        MetaValue::Text(t) => {
            let mut words = t.split_whitespace();
            let n: i64 = words.next()?.parse().ok()?;
            let unit = words.next()?.to_lowercase();
            (words.next().is_none() && units.contains(&unit.as_str()) && n > 0).then_some(n)
        }
        _ => None,
    }
}

/// Netflix's `duration`: minutes for a film, seasons for a series.
fn duration(value: &MetaValue) -> Option<(&'static str, MetaValue)> {
    if let Some(n) = count(value, &["season", "seasons"]).filter(|_| value.as_number().is_none()) {
        return Some(("seasons", MetaValue::Int(n)));
    }
    minutes(value).map(|m| ("runtime_minutes", MetaValue::Int(m)))
}

fn as_list(value: &MetaValue) -> Option<MetaValue> {
    match value {
        MetaValue::List(items) => Some(MetaValue::List(items.clone())),
        MetaValue::Text(t) => {
            let items: Vec<String> = t
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            (!items.is_empty()).then_some(MetaValue::List(items))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> MetaValue {
        MetaValue::Text(s.into())
    }

    #[test]
    fn netflix_columns_give_reels_fields() {
        assert_eq!(
            canonical("release_year", &MetaValue::Int(2017)),
            Some(("year", MetaValue::Int(2017)))
        );
        assert_eq!(
            canonical("duration", &text("90 min")),
            Some(("runtime_minutes", MetaValue::Int(90)))
        );
        assert_eq!(
            canonical("duration", &text("2 Seasons")),
            Some(("seasons", MetaValue::Int(2)))
        );
        assert_eq!(
            canonical("duration", &text("1 Season")),
            Some(("seasons", MetaValue::Int(1)))
        );
        assert_eq!(
            canonical("listed_in", &MetaValue::List(vec!["Dramas".into()])),
            Some(("genres", MetaValue::List(vec!["Dramas".into()])))
        );
        assert_eq!(
            canonical("genre", &text("Drama, Comedy")),
            Some((
                "genres",
                MetaValue::List(vec!["Drama".into(), "Comedy".into()])
            ))
        );
    }

    #[test]
    fn durations_in_the_forms_catalogues_write() {
        for (s, m) in [
            ("95", 95),
            ("95 mins", 95),
            ("1h 30m", 90),
            ("1 hr 30 min", 90),
            ("2 hours", 120),
            ("2h", 120),
        ] {
            assert_eq!(
                canonical("runtime", &text(s)),
                Some(("runtime_minutes", MetaValue::Int(m))),
                "{s}"
            );
        }
        for s in [
            "",
            "long",
            "90 furlongs",
            "-5",
            "0",
            "1h30x",
            "9999999999999999999 h",
        ] {
            assert_eq!(canonical("runtime", &text(s)), None, "{s}");
        }
        assert_eq!(canonical("duration", &text("Two Seasons")), None);
    }

    #[test]
    fn completing_keeps_the_columns_and_a_records_own_fields() {
        let mut m = Metadata::new();
        m.insert("release_year".into(), MetaValue::Int(2019));
        m.insert("duration".into(), text("90 min"));
        m.insert("seasons".into(), MetaValue::Int(3));
        assert_eq!(complete(&mut m), ["runtime_minutes", "year"]);
        assert_eq!(m["year"], MetaValue::Int(2019));
        assert_eq!(m["release_year"], MetaValue::Int(2019));
        assert_eq!(m["runtime_minutes"], MetaValue::Int(90));
        assert!(is_derived("year", &MetaValue::Int(2019), &m));
        assert!(!is_derived("release_year", &MetaValue::Int(2019), &m));
        assert!(!is_derived("seasons", &MetaValue::Int(3), &m));
        assert_eq!(derived_keys(&m), ["runtime_minutes", "year"]);
        let mut own = Metadata::new();
        own.insert("release_year".into(), MetaValue::Int(2019));
        own.insert("year".into(), MetaValue::Int(2020));
        assert!(complete(&mut own).is_empty());
        assert_eq!(own["year"], MetaValue::Int(2020));
        assert!(!is_derived("year", &MetaValue::Int(2020), &own));
    }

    #[test]
    fn values_out_of_range_or_unknown_columns_give_nothing() {
        assert_eq!(canonical("release_year", &MetaValue::Int(99)), None);
        assert_eq!(canonical("release_year", &text("soon")), None);
        assert_eq!(canonical("rating", &text("TV-MA")), None);
        assert_eq!(canonical("year", &MetaValue::Int(2017)), None);
    }
}
