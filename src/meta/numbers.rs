//! Numbers as catalogues write them, read the same way in a file and in a filter: plain and
//! thousands-grouped whole numbers (`28,341,469`), decimals with a point (`8.2`, `1,131.6`),
//! amounts with a currency sign or code (`$425,000,000`, `€1.5`, `USD 1,200`, `1.2M`), and
//! percentages (`93%`). A leading zero makes a code, not a number (`007`).

/// Currency signs an amount may start with.
const SIGNS: [char; 6] = ['$', '€', '£', '¥', '₹', '₩'];
/// Currency codes an amount may start or end with (a space between or not).
const CODES: [&str; 10] = [
    "USD", "EUR", "GBP", "JPY", "CAD", "AUD", "INR", "CNY", "CHF", "SEK",
];

/// A whole number: plain digits (not `007`, a code), or grouped by thousands (`1,234`), with a
/// sign; an amount (`$425,000,000`) is its number.
pub fn parse_int(s: &str) -> Option<i64> {
    let (s, scale) = strip_amount(s.trim());
    match scale {
        Some(m) => {
            let x = plain_number(s)? * m;
            (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64)
        }
        None => plain_int(s),
    }
}

/// A number: a whole number, a decimal with a point (`8.2`, `1,131.6`; not `1.` or `.5`), an
/// amount, a percentage.
pub fn parse_number(s: &str) -> Option<f64> {
    let (s, scale) = strip_amount(s.trim());
    let x = plain_number(s)? * scale.unwrap_or(1.0);
    x.is_finite().then_some(x)
}

/// True when `s` is written as an amount of money or a percentage (a sign, a code, a scale or
/// `%`), not as a plain number.
pub fn is_amount(s: &str) -> bool {
    let s = s.trim();
    strip_amount(s).0.len() != s.len()
}

/// The number inside an amount, and its scale (`M` is a million; `Some(1.0)` for a currency
/// or a percentage alone; `None` when nothing was stripped).
fn strip_amount(s: &str) -> (&str, Option<f64>) {
    let mut t = s;
    let mut stripped = false;
    let negative_sign = t.starts_with('-') && t[1..].starts_with(SIGNS);
    if negative_sign {
        t = &t[1..];
    }
    if let Some(rest) = t.strip_prefix(SIGNS) {
        t = rest.trim_start();
        stripped = true;
    } else if let Some(code) = CODES.iter().find(|c| t.starts_with(**c)) {
        let rest = &t[code.len()..];
        if rest.starts_with(|c: char| c.is_ascii_digit() || c == ' ' || c == '-') {
            t = rest.trim_start();
            stripped = true;
        }
    }
    if !stripped {
        if let Some(code) = CODES.iter().find(|c| t.ends_with(**c)) {
            let rest = t[..t.len() - code.len()].trim_end();
            if rest.ends_with(|c: char| c.is_ascii_digit()) {
                t = rest;
                stripped = true;
            }
        } else if let Some(rest) = t.strip_suffix(SIGNS) {
            // `1.50 €`, as continental catalogues write it.
            let rest = rest.trim_end();
            if rest.ends_with(|c: char| c.is_ascii_digit()) {
                t = rest;
                stripped = true;
            }
        }
    }
    if let Some(rest) = t.strip_suffix('%') {
        return (rest.trim_end(), Some(1.0));
    }
    let mut scale = stripped.then_some(1.0);
    if stripped {
        for (suffix, m) in [("M", 1e6), ("B", 1e9), ("K", 1e3), ("k", 1e3), ("bn", 1e9)] {
            if let Some(rest) = t.strip_suffix(suffix) {
                if rest.ends_with(|c: char| c.is_ascii_digit()) {
                    t = rest;
                    scale = Some(m);
                    break;
                }
            }
        }
    }
    if negative_sign && stripped {
        // The sign was before the currency; the caller sees the number alone, so negate here.
        return (t, scale.map(|m| -m));
    }
    (t, scale)
}

/// Digits, optionally grouped by thousands, with a sign: no leading zero (`007` is a code).
fn plain_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if is_thousands(digits) {
        return s.replace(',', "").parse().ok();
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

/// A plain whole number, or a decimal with a point whose whole part may be grouped by
/// thousands.
fn plain_number(s: &str) -> Option<f64> {
    if let Some(n) = plain_int(s) {
        return Some(n as f64);
    }
    let (whole, frac) = s.split_once('.')?;
    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    if digits.is_empty() {
        return None;
    }
    let whole_ok = is_thousands(digits) || digits.bytes().all(|b| b.is_ascii_digit());
    if !whole_ok {
        return None;
    }
    format!("{}.{frac}", whole.replace(',', ""))
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
}

/// `1,234` or `12,345,678`: groups of three digits after the first.
pub fn is_thousands(s: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers() {
        assert_eq!(parse_int("2017"), Some(2017));
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(parse_int("007"), None);
        assert_eq!(parse_int("1,234"), Some(1234));
        assert_eq!(parse_int("28,341,469"), Some(28_341_469));
        assert_eq!(parse_int("1,23"), None);
        assert_eq!(parse_int("8.2"), None);
        assert_eq!(parse_int(""), None);
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_number("8.2"), Some(8.2));
        assert_eq!(parse_number("1,131.6"), Some(1131.6));
        assert_eq!(parse_number("1."), None);
        assert_eq!(parse_number(".5"), None);
        assert_eq!(parse_number("8,2"), None);
        assert_eq!(parse_number("1.2.3"), None);
        assert_eq!(parse_number("PG-13"), None);
        assert_eq!(parse_number("3/5"), None);
    }

    #[test]
    fn amounts_and_percentages() {
        assert_eq!(parse_int("$425,000,000"), Some(425_000_000));
        assert_eq!(parse_number("$425,000,000"), Some(425_000_000.0));
        assert_eq!(parse_number("€1.5"), Some(1.5));
        assert_eq!(parse_number("£ 12"), Some(12.0));
        assert_eq!(parse_number("USD 1,200"), Some(1200.0));
        assert_eq!(parse_number("1200 USD"), Some(1200.0));
        assert_eq!(parse_number("1.50 €"), Some(1.5));
        assert_eq!(parse_number("USD 1.2M"), Some(1_200_000.0));
        assert_eq!(parse_int("$2.5B"), Some(2_500_000_000));
        assert_eq!(parse_number("-$5"), Some(-5.0));
        assert_eq!(parse_number("93%"), Some(93.0));
        assert!(is_amount("$5") && is_amount("93%") && !is_amount("5"));
        // A word that starts like a code is not an amount.
        assert_eq!(parse_number("USDA"), None);
        assert_eq!(parse_number("$"), None);
        assert_eq!(parse_number("M"), None);
    }
}
