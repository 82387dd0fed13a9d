//! Dates as catalogues write them: `September 25, 2021`, ` August 4, 2017` (leading space),
//! `25 September 2021`, `Sep 25, 2021`, `2021-09-25`, and RFC 3339 `2021-09-25T10:00:00Z`.
//! Parsed to seconds since the Unix epoch (UTC) and printed back as ISO 8601.

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A calendar date (and time, if given), in seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Seconds since the Unix epoch.
    pub secs: i64,
}

impl Date {
    /// `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SSZ` when the time is not midnight.
    pub fn to_iso(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if rem == 0 {
            format!("{y:04}-{m:02}-{d:02}")
        } else {
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
                rem / 3600,
                rem % 3600 / 60,
                rem % 60
            )
        }
    }

    /// RFC 3339, as tantivy's query parser wants it.
    pub fn to_rfc3339(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_iso())
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a date: {s}")))
    }
}

/// Parses one of the supported forms; `None` for anything else.
pub fn parse(s: &str) -> Option<Date> {
    let s = s.trim();
    if s.len() < 8 || s.len() > 40 {
        return None;
    }
    parse_iso(s).or_else(|| parse_words(s))
}

fn parse_iso(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: u32 = s.get(5..7)?.parse().ok()?;
    let d: u32 = s.get(8..10)?.parse().ok()?;
    let mut secs = days_from_civil(y, m, d)? * 86_400;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(Date { secs });
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let hh: i64 = rest.get(0..2)?.parse().ok()?;
    let mm: i64 = rest.get(3..5)?.parse().ok()?;
    let ss: i64 = rest.get(6..8).and_then(|x| x.parse().ok()).unwrap_or(0);
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    secs += hh * 3600 + mm * 60 + ss;
    // Skip fractional seconds, then apply the offset.
    let mut tail = rest.get(8..).unwrap_or("");
    if let Some(frac) = tail.strip_prefix('.') {
        tail = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    match tail {
        "" | "Z" | "z" => {}
        t if (t.starts_with('+') || t.starts_with('-')) && t.len() == 6 => {
            let sign = if t.starts_with('-') { -1 } else { 1 };
            let oh: i64 = t.get(1..3)?.parse().ok()?;
            let om: i64 = t.get(4..6)?.parse().ok()?;
            secs -= sign * (oh * 3600 + om * 60);
        }
        _ => return None,
    }
    Some(Date { secs })
}

fn parse_words(s: &str) -> Option<Date> {
    let cleaned = s.replace(',', " ");
    let parts: Vec<&str> = cleaned.split_whitespace().collect();
    if parts.len() != 3 {
        return None;
    }
    let month_of = |w: &str| {
        let w = w.trim_end_matches('.').to_ascii_lowercase();
        if w.len() < 3 {
            return None;
        }
        MONTHS
            .iter()
            .position(|m| m.starts_with(&w) && (w.len() == 3 || *m == w || w == "sept"))
            .map(|i| i as u32 + 1)
    };
    let (m, d, y) = if let Some(m) = month_of(parts[0]) {
        (m, parts[1], parts[2])
    } else {
        (month_of(parts[1])?, parts[0], parts[2])
    };
    let d: u32 = d
        .trim_end_matches(['s', 't', 'n', 'd', 'r', 'h'])
        .parse()
        .ok()?;
    if y.len() != 4 {
        return None;
    }
    let y: i64 = y.parse().ok()?;
    Some(Date {
        secs: days_from_civil(y, m, d)? * 86_400,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Option<String> {
        parse(s).map(Date::to_iso)
    }

    #[test]
    fn catalogue_forms() {
        assert_eq!(iso("September 25, 2021").as_deref(), Some("2021-09-25"));
        assert_eq!(iso(" August 4, 2017").as_deref(), Some("2017-08-04"));
        assert_eq!(iso("25 September 2021").as_deref(), Some("2021-09-25"));
        assert_eq!(iso("Sep 25, 2021").as_deref(), Some("2021-09-25"));
        assert_eq!(iso("2021-09-25").as_deref(), Some("2021-09-25"));
        assert_eq!(
            iso("2021-09-25T10:30:00Z").as_deref(),
            Some("2021-09-25T10:30:00Z")
        );
        assert_eq!(
            iso("2021-09-25T10:30:00+02:00").as_deref(),
            Some("2021-09-25T08:30:00Z")
        );
        assert_eq!(parse("1970-01-01").unwrap().secs, 0);
        assert_eq!(iso("1969-12-31").as_deref(), Some("1969-12-31"));
        assert_eq!(iso("2000-02-29").as_deref(), Some("2000-02-29"));
    }

    #[test]
    fn not_dates() {
        for s in [
            "2017",
            "90 min",
            "February 30, 2020",
            "Documentaries",
            "2021-13-01",
            "may be",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
