//! Facts stated in a review's own sentences, turned into typed metadata: the year it came out,
//! its IMDb score, seasons, episodes, runtime and director.
//!
//! Each fact is found by a pattern on the phrasing reviews use ("premiered in 2017", "a runtime of
//! approximately 40 minutes", "Directed by ... filmmaker Elaine McMillion Sheldon", "The IMDb score
//! stands at 8.2"), never by anything specific to one review. A fact that is not stated is absent.

use std::sync::LazyLock;

use regex::Regex;

use super::{MetaValue, Metadata};

/// Small numbers reviews spell out ("spanning three seasons").
const NUMBER_WORDS: [&str; 21] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// Words that name the role right before a director's name ("filmmaker Elaine McMillion Sheldon").
const ROLE_WORDS: [&str; 12] = [
    "filmmaker",
    "filmmakers",
    "director",
    "directors",
    "documentarian",
    "documentarians",
    "journalist",
    "photographer",
    "auteur",
    "artist",
    "producer",
    "actor",
];

/// Lower-case words allowed inside a name ("Ava DuVernay", "Vincent van Gogh").
const NAME_PARTICLES: [&str; 9] = ["de", "van", "von", "da", "del", "la", "le", "di", "der"];

/// The most name words taken for one director.
const MAX_NAME_WORDS: usize = 5;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("fact patterns are valid regular expressions")
}

static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:premiered|released|debuted|came out|first aired|aired|first shown|opened)\b[^.!?]{0,60}?\b((?:18|19|20)\d{2})\b",
    )
});
static IMDB_AFTER: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bIMDb\b[^.!?\d]{0,40}?\b(\d{1,2}(?:\.\d{1,2})?)\b"));
static IMDB_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(\d{1,2}(?:\.\d{1,2})?)\s*(?:/\s*10|out of (?:10|ten))?\s+on\s+IMDb\b")
});
static SEASONS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(\d{1,3}|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\s+(?:full\s+)?seasons?\b",
    )
});
static EPISODES: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(\d{1,4}|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\s+episodes?\b",
    )
});
static RUNTIME_MINUTES: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:runtime|running time|run time|runs|running|clocks in at|lasts|length)\b[^.!?\d]{0,30}?\b(\d{1,3})\s*(?:minutes|mins?)\b",
    )
});
static RUNTIME_HOURS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:runtime|running time|run time|runs|running|clocks in at|lasts|length)\b[^.!?\d]{0,30}?\b(\d)\s*(?:hours?|hrs?|h)\b(?:\s*(?:and\s*)?(\d{1,2})\s*(?:minutes|mins?)\b)?",
    )
});
static RUNTIME_ADJECTIVE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(\d{1,3})-minute\b"));
static DIRECTED_BY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(?:directed|helmed)\s+by\s+([^,;:.!?()]+)"));
static DIRECTOR_BEFORE_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:[Dd]irector|[Ff]ilmmaker)\s+([A-Z][^,;:.!?()]+)"));

/// Extracts every fact the text states. Keys: `year`, `imdb_rating`, `seasons`, `episodes`,
/// `runtime_minutes`, `director`.
pub fn extract(text: &str) -> Metadata {
    let mut meta = Metadata::new();
    if let Some(year) = first_capture(&YEAR, text).and_then(|s| s.parse::<i64>().ok()) {
        meta.insert("year".into(), MetaValue::Int(year));
    }
    if let Some(rating) = imdb_rating(text) {
        meta.insert("imdb_rating".into(), MetaValue::Float(rating));
    }
    if let Some(n) = first_capture(&SEASONS, text).and_then(parse_count) {
        meta.insert("seasons".into(), MetaValue::Int(n));
    }
    if let Some(n) = first_capture(&EPISODES, text).and_then(parse_count) {
        meta.insert("episodes".into(), MetaValue::Int(n));
    }
    if let Some(minutes) = runtime_minutes(text) {
        meta.insert("runtime_minutes".into(), MetaValue::Int(minutes));
    }
    if let Some(name) = director(text) {
        meta.insert("director".into(), MetaValue::Text(name));
    }
    meta
}

fn first_capture<'t>(re: &Regex, text: &'t str) -> Option<&'t str> {
    re.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str())
}

fn parse_count(s: &str) -> Option<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let lower = s.to_ascii_lowercase();
    NUMBER_WORDS
        .iter()
        .position(|w| *w == lower)
        .map(|n| n as i64)
}

fn imdb_rating(text: &str) -> Option<f64> {
    [&*IMDB_AFTER, &*IMDB_BEFORE]
        .iter()
        .filter_map(|re| first_capture(re, text))
        .filter_map(|s| s.parse::<f64>().ok())
        .find(|r| (0.0..=10.0).contains(r))
}

fn runtime_minutes(text: &str) -> Option<i64> {
    if let Some(m) = first_capture(&RUNTIME_MINUTES, text).and_then(|s| s.parse().ok()) {
        return Some(m);
    }
    if let Some(c) = RUNTIME_HOURS.captures(text) {
        let hours: i64 = c.get(1)?.as_str().parse().ok()?;
        let minutes: i64 = c.get(2).map_or(Some(0), |m| m.as_str().parse().ok())?;
        return Some(hours * 60 + minutes);
    }
    first_capture(&RUNTIME_ADJECTIVE, text).and_then(|s| s.parse().ok())
}

fn director(text: &str) -> Option<String> {
    for c in DIRECTED_BY.captures_iter(text) {
        let clause = c.get(1)?.as_str();
        // "Peabody award-winning filmmaker Elaine McMillion Sheldon": the name follows the role.
        let words: Vec<&str> = clause.split_whitespace().collect();
        let after_role = words
            .iter()
            .rposition(|w| ROLE_WORDS.contains(&w.to_ascii_lowercase().as_str()))
            .map_or(0, |i| i + 1);
        if let Some(name) = name_at_start(&words[after_role..]) {
            return Some(name);
        }
    }
    for c in DIRECTOR_BEFORE_NAME.captures_iter(text) {
        let words: Vec<&str> = c.get(1)?.as_str().split_whitespace().collect();
        if let Some(name) = name_at_start(&words).filter(|n| n.contains(' ')) {
            return Some(name);
        }
    }
    None
}

/// The run of capitalized words (with particles between them) at the start of `words`.
fn name_at_start(words: &[&str]) -> Option<String> {
    let mut name: Vec<&str> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if name.len() == MAX_NAME_WORDS {
            break;
        }
        let word = word
            .trim_end_matches("'s")
            .trim_end_matches("’s")
            .trim_matches(|c: char| c == '"' || c == '“' || c == '”');
        let capitalized = word.chars().next().is_some_and(char::is_uppercase);
        let particle = !name.is_empty()
            && NAME_PARTICLES.contains(&word)
            && words
                .get(i + 1)
                .and_then(|w| w.chars().next())
                .is_some_and(char::is_uppercase);
        if capitalized || particle {
            name.push(word);
        } else {
            break;
        }
    }
    (!name.is_empty()).then(|| name.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(meta: &Metadata, key: &str) -> Option<i64> {
        match meta.get(key) {
            Some(MetaValue::Int(n)) => Some(*n),
            _ => None,
        }
    }

    #[test]
    fn seed_phrasing() {
        let text = "Heroin(e) is a documentary short film that premiered in 2017. \
            Directed by Peabody award-winning filmmaker Elaine McMillion Sheldon, it looks closely. \
            This powerful documentary has a runtime of approximately 40 minutes. \
            Spanning 1 seasons with a total of 1 episodes, the show debuted on 2017. \
            The IMDb score stands at 8.2.";
        let meta = extract(text);
        assert_eq!(int(&meta, "year"), Some(2017));
        assert_eq!(int(&meta, "seasons"), Some(1));
        assert_eq!(int(&meta, "episodes"), Some(1));
        assert_eq!(int(&meta, "runtime_minutes"), Some(40));
        assert_eq!(meta.get("imdb_rating"), Some(&MetaValue::Float(8.2)));
        assert_eq!(
            meta.get("director"),
            Some(&MetaValue::Text("Elaine McMillion Sheldon".into()))
        );
    }

    #[test]
    fn other_values_same_phrasing() {
        let text = "Grizzly Man premiered in 2005. Directed by acclaimed documentarian \
            Werner Herzog, it follows Timothy Treadwell. It has a runtime of about 103 minutes. \
            Spanning three seasons with a total of 24 episodes. The IMDb score stands at 7.8.";
        let meta = extract(text);
        assert_eq!(int(&meta, "year"), Some(2005));
        assert_eq!(int(&meta, "seasons"), Some(3));
        assert_eq!(int(&meta, "episodes"), Some(24));
        assert_eq!(int(&meta, "runtime_minutes"), Some(103));
        assert_eq!(meta.get("imdb_rating"), Some(&MetaValue::Float(7.8)));
        assert_eq!(
            meta.get("director"),
            Some(&MetaValue::Text("Werner Herzog".into()))
        );
    }

    #[test]
    fn other_phrasings() {
        let meta = extract(
            "Released on March 3, 1994, the film runs 2 hours and 5 minutes. \
             It is rated 6.9 on IMDb. Directed by Agnès Varda with warmth.",
        );
        assert_eq!(int(&meta, "year"), Some(1994));
        assert_eq!(int(&meta, "runtime_minutes"), Some(125));
        assert_eq!(meta.get("imdb_rating"), Some(&MetaValue::Float(6.9)));
        assert_eq!(
            meta.get("director"),
            Some(&MetaValue::Text("Agnès Varda".into()))
        );
        let meta = extract("A taut 85-minute portrait by director Ava DuVernay.");
        assert_eq!(int(&meta, "runtime_minutes"), Some(85));
        assert_eq!(
            meta.get("director"),
            Some(&MetaValue::Text("Ava DuVernay".into()))
        );
    }

    #[test]
    fn absent_facts_are_absent() {
        let meta = extract(
            "A moving film about a town in 1999 with 10 times the overdoses. \
             It was directed by someone unnamed.",
        );
        assert!(meta.is_empty(), "{meta:?}");
    }
}
