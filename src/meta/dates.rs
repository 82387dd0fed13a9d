//! Dates as catalogues write them: `September 25, 2021`, ` August 4, 2017` (leading space),
//! `25 September 2021`, `25th September 2021`, `Sep 25, 2021`, `2021-09-25`, `2021-09-25 10:30`,
//! and RFC 3339 `2021-09-25T10:00:00Z`. Parsed to seconds since the Unix epoch (UTC) and printed
//! back as ISO 8601. Calendar arithmetic and RFC 3339 are the `time` crate's; this module only
//! says which forms are dates, and is strict about them: `2021-+1-05` has no month `+1`, and
//! `25dn September 2021` no day `25dn`.

use time::format_description::well_known::Rfc3339;
use time::{Month, OffsetDateTime, PrimitiveDateTime, Time};

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
    /// The date and time, in UTC.
    fn utc(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp(self.secs).ok()
    }

    /// `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SSZ` when the time is not midnight.
    pub fn to_iso(self) -> String {
        match self.utc() {
            Some(t) if t.time() == Time::MIDNIGHT => ymd(t),
            Some(t) => self.rfc3339_of(t),
            None => self.secs.to_string(),
        }
    }

    /// RFC 3339 (`YYYY-MM-DDTHH:MM:SSZ`), as Quickwit and Elasticsearch want it.
    pub fn to_rfc3339(self) -> String {
        match self.utc() {
            Some(t) => self.rfc3339_of(t),
            None => self.secs.to_string(),
        }
    }

    fn rfc3339_of(self, t: OffsetDateTime) -> String {
        format!(
            "{}T{:02}:{:02}:{:02}Z",
            ymd(t),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// `YYYY-MM-DD` (years before 1000 padded to four digits).
fn ymd(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
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

/// A year (`2021`) or a month (`2021-09`) as a span of time: its first day and the first day
/// after it (`None` past the last date a date can hold).
pub fn period(s: &str) -> Option<(Date, Option<Date>)> {
    let s = s.trim();
    let (year, month) = match s.split_once('-') {
        None => (digits(s, 4)?, None),
        Some((y, m)) => (digits(y, 4)?, Some(digits(m, 2)?)),
    };
    let (start, next) = match month {
        None => (format!("{year:04}-01-01"), format!("{:04}-01-01", year + 1)),
        Some(m @ 1..=11) => (
            format!("{year:04}-{m:02}-01"),
            format!("{year:04}-{:02}-01", m + 1),
        ),
        Some(12) => (format!("{year:04}-12-01"), format!("{:04}-01-01", year + 1)),
        Some(_) => return None,
    };
    Some((parse(&start)?, parse(&next)))
}

/// `n` ASCII digits exactly (no sign, no space).
fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn calendar(y: i32, m: u32, d: u32) -> Option<time::Date> {
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    time::Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()
}

fn secs_of(date: time::Date, at: Time) -> i64 {
    PrimitiveDateTime::new(date, at)
        .assume_utc()
        .unix_timestamp()
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, or RFC 3339 with `T` and an offset.
fn parse_iso(s: &str) -> Option<Date> {
    let date_part = s.get(..10)?;
    let (y, rest) = date_part.split_at_checked(4)?;
    let y = digits(y, 4)? as i32;
    let m = digits(rest.strip_prefix('-')?.get(..2)?, 2)?;
    let d = digits(rest.get(3..)?.strip_prefix('-')?, 2)?;
    let date = calendar(y, m, d)?;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(Date {
            secs: secs_of(date, Time::MIDNIGHT),
        });
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(Date {
            secs: t.unix_timestamp(),
        });
    }
    // A local time without an offset (`2021-09-25 10:30`, `2021-09-25T10:30:00`): read as UTC.
    let clock = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let mut parts = clock.split(':');
    let h = digits(parts.next()?, 2)?;
    let min = digits(parts.next()?, 2)?;
    let sec = match parts.next() {
        Some(x) => digits(x, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let at = Time::from_hms(
        u8::try_from(h).ok()?,
        u8::try_from(min).ok()?,
        u8::try_from(sec).ok()?,
    )
    .ok()?;
    Some(Date {
        secs: secs_of(date, at),
    })
}

/// A month by its name, in full or in its first three letters (and `Sept`), any case, with
/// an optional full stop.
fn month_of(w: &str) -> Option<u32> {
    let w = w.strip_suffix('.').unwrap_or(w).to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            *m == w || (w.len() == 3 && m.starts_with(&w)) || (w == "sept" && *m == "september")
        })
        .map(|i| i as u32 + 1)
}

/// A day of the month: one or two digits, optionally with its ordinal suffix (`25th`, `1st`,
/// `2nd`, `3rd`); nothing else.
fn day_of(w: &str) -> Option<u32> {
    let lower = w.to_ascii_lowercase();
    let number = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|suffix| lower.strip_suffix(suffix))
        .unwrap_or(&lower);
    if number.is_empty() || number.len() > 2 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok()
}

/// `September 25, 2021`, `Sep 25 2021`, `25 September 2021`, `25th Sept. 2021`.
fn parse_words(s: &str) -> Option<Date> {
    let cleaned = s.replace(',', " ");
    let parts: Vec<&str> = cleaned.split_whitespace().collect();
    if parts.len() != 3 {
        return None;
    }
    let (m, d) = match month_of(parts[0]) {
        Some(m) => (m, day_of(parts[1])?),
        None => (month_of(parts[1])?, day_of(parts[0])?),
    };
    let y = digits(parts[2], 4)? as i32;
    Some(Date {
        secs: secs_of(calendar(y, m, d)?, Time::MIDNIGHT),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Option<String> {
        parse(s).map(Date::to_iso)
    }

    #[test]
    fn years_and_months_are_periods() {
        let span = |s: &str| period(s).map(|(a, b)| (a.to_iso(), b.map(Date::to_iso)));
        let day = |s: &str| Some(s.to_string());
        assert_eq!(span("2021"), Some((s("2021-01-01"), day("2022-01-01"))));
        assert_eq!(
            span(" 2021-09 "),
            Some((s("2021-09-01"), day("2021-10-01")))
        );
        assert_eq!(span("2021-12"), Some((s("2021-12-01"), day("2022-01-01"))));
        assert_eq!(span("9999"), Some((s("9999-01-01"), None)));
        for bad in [
            "2021-13",
            "2021-00",
            "2021-9",
            "21",
            "20210",
            "２０２１",
            "2021-09-25",
            "",
        ] {
            assert_eq!(span(bad), None, "{bad}");
        }
    }

    fn s(x: &str) -> String {
        x.to_string()
    }

    #[test]
    fn catalogue_forms() {
        assert_eq!(iso("September 25, 2021").as_deref(), Some("2021-09-25"));
        assert_eq!(iso(" August 4, 2017").as_deref(), Some("2017-08-04"));
        assert_eq!(iso("25 September 2021").as_deref(), Some("2021-09-25"));
        assert_eq!(iso("25th September 2021").as_deref(), Some("2021-09-25"));
        assert_eq!(iso("Sep 25, 2021").as_deref(), Some("2021-09-25"));
        assert_eq!(iso("Sept. 1st 2021").as_deref(), Some("2021-09-01"));
        assert_eq!(iso("2021-09-25").as_deref(), Some("2021-09-25"));
        assert_eq!(
            iso("2021-09-25T10:30:00Z").as_deref(),
            Some("2021-09-25T10:30:00Z")
        );
        assert_eq!(
            iso("2021-09-25T10:30:00+02:00").as_deref(),
            Some("2021-09-25T08:30:00Z")
        );
        assert_eq!(
            iso("2021-09-25 10:30").as_deref(),
            Some("2021-09-25T10:30:00Z")
        );
        assert_eq!(parse("1970-01-01").unwrap().secs, 0);
        assert_eq!(iso("1969-12-31").as_deref(), Some("1969-12-31"));
        assert_eq!(iso("2000-02-29").as_deref(), Some("2000-02-29"));
        // Any year a date holds: the far future and the far past keep their order.
        assert_eq!(iso("9999-12-31").as_deref(), Some("9999-12-31"));
        assert_eq!(iso("1600-01-01").as_deref(), Some("1600-01-01"));
        assert!(parse("1600-01-01").unwrap() < parse("2020-06-30").unwrap());
        assert!(parse("2020-06-30").unwrap() < parse("9999-12-31").unwrap());
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
            "2021-+1-05",
            "2021-1-05 ",
            "25dn September 2021",
            "25 Septembre 2021",
            "2021-09-25T25:00:00Z",
            "2021-09-25 10:30:00:00",
            "+021-09-25",
            "ye\u{fffd}r: 2021",
            "2021\u{e9}-09-25",
            "20\u{1f3ac}1-09-25",
            "2021-0\u{e9}-25",
            "2021-09-2\u{e9}",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
