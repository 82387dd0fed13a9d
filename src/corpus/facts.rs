//! Facts stated in a review's own sentences, turned into typed metadata: the year it came out,
//! its IMDb score, seasons, episodes, runtime and director.
//!
//! Each fact is found by a pattern on the phrasing reviews use ("premiered in 2017", "a runtime of
//! approximately 40 minutes", "Directed by ... filmmaker Elaine McMillion Sheldon", "The IMDb score
//! stands at 8.2"), never by anything specific to one review. A fact that is not stated is absent.

use std::sync::LazyLock;

use regex::Regex;

use crate::meta::{MetaValue, Metadata};

/// The facts that are numbers: a value given for one of them (in front matter) must be a number.
pub const NUMERIC_KEYS: [&str; 5] = [
    "year",
    "imdb_rating",
    "seasons",
    "episodes",
    "runtime_minutes",
];

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

/// Words after "directed by" searched for a role word ("Peabody award-winning filmmaker").
const ROLE_WINDOW_WORDS: usize = 6;

/// The most directors read from one sentence.
const MAX_DIRECTORS: usize = 6;

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
/// A length of time as reviews write it: `2 hours and 1 minute`, `1h 45m`, `1 hr 45 min`,
/// `105 minutes`, `1 hour`.
const DURATION: &str = r"(?:(\d{1,2})\s*(?:hours?|hrs?\.?|h)\b\.?(?:\s*,?\s*(?:and\s+)?(\d{1,2})\s*(?:minutes?|mins?\.?|m)\b)?|(\d{1,3})\s*(?:minutes?|mins?\.?|m)\b)";

/// A duration right after a word that says it is the running time ("a runtime of approximately
/// 40 minutes", "Runtime: 1h 45m", "runs 2 hours and 5 minutes", "clocks in at 95 minutes").
static RUNTIME_AFTER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)\b(?:runtime|running time|run time|runs|running|clocks in at|lasts|length|duration)\b[^.!?\d]{{0,30}}?{DURATION}"
    ))
});
/// A duration at the start of a sentence ("At 103 minutes, it never drags") or said to be the
/// film's length ("105 minutes long").
static RUNTIME_AT: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?:^|[.!?]\s+)at\s+(?:just\s+|only\s+|nearly\s+|almost\s+|over\s+|under\s+)?{DURATION}\s*[,;]"
    ))
});
static RUNTIME_LONG: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)\b{DURATION}\s+long\b")));
/// "an 85-minute film": the adjective only counts before a word naming the work itself, so "a
/// 10-minute scene" says nothing about the runtime.
static RUNTIME_ADJECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(\d{1,3})-minute\s+(?:[a-z-]+\s+)?(?:film|documentary|feature|movie|doc|short|portrait|essay)\b",
    )
});
static DIRECTED_BY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(?:directed|helmed|co-directed)\s+by\s+([^;:.!?()]+)"));
static DIRECTOR_BEFORE_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:[Dd]irector|[Ff]ilmmaker)\s+([A-Z][^,;:.!?()]+)"));
/// A labelled line or clause: "Director: Kirsten Johnson", "Directors: A and B".
static DIRECTOR_LABEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?im)(?:^|[.;]\s+)\s*(?:directors?|directed by)\s*:\s*([^.;\n]+)"));

/// Extracts every fact the text states. Keys: `year`, `imdb_rating`, `seasons`, `episodes`,
/// `runtime_minutes`, `director`.
pub fn extract(text: &str) -> Metadata {
    // Each pattern needs a word of its own ("premiered", "IMDb", "season"...): the text is
    // searched for those first, and a pattern only runs where its word is. The patterns'
    // Unicode word boundaries made them most of the time of reading HTML and Markdown pages
    // (perf: 45% in the regex engines for 21 MB of review pages; 11 MB/s before the check).
    let lower = text.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let mut meta = Metadata::new();
    let year_words = [
        "premiered",
        "released",
        "debuted",
        "came out",
        "aired",
        "first shown",
        "opened",
    ];
    if has(&year_words) {
        if let Some(year) = first_capture(&YEAR, text).and_then(|s| s.parse::<i64>().ok()) {
            meta.insert("year".into(), MetaValue::Int(year));
        }
    }
    if has(&["imdb"]) {
        if let Some(rating) = imdb_rating(text) {
            meta.insert("imdb_rating".into(), MetaValue::Float(rating));
        }
    }
    if has(&["season"]) {
        if let Some(n) = first_capture(&SEASONS, text).and_then(parse_count) {
            meta.insert("seasons".into(), MetaValue::Int(n));
        }
    }
    if has(&["episode"]) {
        if let Some(n) = first_capture(&EPISODES, text).and_then(parse_count) {
            meta.insert("episodes".into(), MetaValue::Int(n));
        }
    }
    if let Some(minutes) = runtime_minutes(text, &lower) {
        meta.insert("runtime_minutes".into(), MetaValue::Int(minutes));
    }
    let mut names = if has(&["direct", "helmed", "filmmaker"]) {
        directors(text)
    } else {
        Vec::new()
    };
    match names.len() {
        0 => {}
        1 => {
            meta.insert("director".into(), MetaValue::Text(names.remove(0)));
        }
        _ => {
            meta.insert("director".into(), MetaValue::List(names));
        }
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

/// The runtime a text states; `lower` is the text in ASCII lower case, searched first for the
/// words each pattern needs.
fn runtime_minutes(text: &str, lower: &str) -> Option<i64> {
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let after_word = [
        "runtime",
        "running",
        "run time",
        "runs",
        "clocks in",
        "lasts",
        "length",
        "duration",
    ];
    // Every duration has a digit and a unit of hours or minutes.
    if !lower.bytes().any(|b| b.is_ascii_digit()) || !has(&["h", "m"]) {
        return None;
    }
    let patterns: [(&Regex, bool); 3] = [
        (&RUNTIME_AFTER_WORD, has(&after_word)),
        (&RUNTIME_AT, has(&["at "])),
        (&RUNTIME_LONG, has(&[" long"])),
    ];
    for (pattern, worth) in patterns {
        if !worth {
            continue;
        }
        if let Some(m) = pattern.captures(text).and_then(|c| duration_minutes(&c)) {
            return Some(m);
        }
    }
    if !has(&["-minute"]) {
        return None;
    }
    first_capture(&RUNTIME_ADJECTIVE, text).and_then(|s| s.parse().ok())
}

/// Minutes of a [`DURATION`] match: hours and minutes together, or minutes alone.
fn duration_minutes(c: &regex::Captures) -> Option<i64> {
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i64>().ok());
    let minutes = match (num(1), num(2), num(3)) {
        (Some(h), m, _) => h * 60 + m.unwrap_or(0),
        (None, _, Some(m)) => m,
        _ => return None,
    };
    (minutes > 0).then_some(minutes)
}

/// The director or directors a review names: "Directed by A", "Directed by A and B", "directed by
/// filmmakers A, B and C", "Director: A", "director A".
fn directors(text: &str) -> Vec<String> {
    for c in DIRECTOR_LABEL.captures_iter(text) {
        let names = names_list(c.get(1).map_or("", |m| m.as_str()));
        if !names.is_empty() {
            return names;
        }
    }
    for c in DIRECTED_BY.captures_iter(text) {
        let Some(clause) = c.get(1) else { continue };
        // "Peabody award-winning filmmaker Elaine McMillion Sheldon": the name follows the role.
        let words: Vec<&str> = clause.as_str().split_whitespace().collect();
        // The role comes within the first few words ("acclaimed German filmmaker").
        let after_role = words
            .iter()
            .take(ROLE_WINDOW_WORDS)
            .rposition(|w| ROLE_WORDS.contains(&w.to_ascii_lowercase().as_str()))
            .map_or(0, |i| i + 1);
        let names = names_list(&words[after_role..].join(" "));
        if !names.is_empty() {
            return names;
        }
    }
    for c in DIRECTOR_BEFORE_NAME.captures_iter(text) {
        let Some(m) = c.get(1) else { continue };
        let words: Vec<&str> = m.as_str().split_whitespace().collect();
        if let Some(name) = name_at_start(&words).filter(|n| n.contains(' ')) {
            return vec![name];
        }
    }
    Vec::new()
}

/// Names joined by commas, `and` or `&` ("Werner Herzog and Errol Morris", "A, B and C"), each
/// a run of capitalized words. The list is the clause's leading run of names and separators; a
/// comma without an `and` in that run ends the first name ("Elaine McMillion Sheldon, Heroin(e)
/// offers" names one director).
fn names_list(clause: &str) -> Vec<String> {
    let words: Vec<&str> = clause.split_whitespace().collect();
    // Groups of name words, split at separators.
    let mut groups: Vec<Vec<&str>> = vec![Vec::new()];
    let mut joined_by_and = false;
    for (i, raw) in words.iter().enumerate() {
        if matches!(*raw, "and" | "&") {
            joined_by_and = true;
            groups.push(Vec::new());
            continue;
        }
        let word = clean_name_word(raw);
        let current = groups.last().map_or(0, Vec::len);
        let capitalized = word.chars().next().is_some_and(char::is_uppercase);
        let particle = current > 0
            && NAME_PARTICLES.contains(&word)
            && words
                .get(i + 1)
                .and_then(|w| w.chars().next())
                .is_some_and(char::is_uppercase);
        if !(capitalized || particle) || current == MAX_NAME_WORDS {
            break;
        }
        if let Some(g) = groups.last_mut() {
            g.push(word);
        }
        if raw.ends_with(',') {
            groups.push(Vec::new());
        }
    }
    let names: Vec<String> = groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|g| g.join(" "))
        .collect();
    if joined_by_and {
        names.into_iter().take(MAX_DIRECTORS).collect()
    } else {
        names.into_iter().take(1).collect()
    }
}

/// A word of a name without what clings to it: a possessive, quotes, a trailing comma.
fn clean_name_word(word: &str) -> &str {
    word.trim_end_matches([',', ';'])
        .trim_end_matches("'s")
        .trim_end_matches("’s")
        .trim_matches(|c: char| c == '"' || c == '“' || c == '”')
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
    fn hours_and_minutes_together() {
        for (text, minutes) in [
            ("The film runs 2 hours and 1 minute.", 121),
            ("It runs 1 hour and 1 minute, no more.", 61),
            ("Runtime: 1h 45m", 105),
            ("It has a running time of 1 hr 45 min.", 105),
            ("The documentary runs 105 minutes.", 105),
            ("At 103 minutes, it never drags.", 103),
            ("Great. At just 88 minutes, it flies by.", 88),
            ("The cut we saw was 97 minutes long.", 97),
            ("A runtime of 2 hours.", 120),
            ("Length: 1 h 5 min.", 65),
            ("A taut 85-minute documentary.", 85),
        ] {
            assert_eq!(
                int(&extract(text), "runtime_minutes"),
                Some(minutes),
                "{text}"
            );
        }
        for text in [
            "Ten minutes in, the film finds its subject.",
            "After 20 minutes the camera finally moves.",
            "A 10-minute scene at the border is the best part.",
            "They spent 3 hours on a bus.",
            "It ran in cinemas for 12 weeks.",
        ] {
            assert_eq!(int(&extract(text), "runtime_minutes"), None, "{text}");
        }
    }

    #[test]
    fn several_directors_and_labels() {
        let list = |v: &[&str]| MetaValue::List(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            extract("Directed by Werner Herzog and Errol Morris, it is odd.").get("director"),
            Some(&list(&["Werner Herzog", "Errol Morris"]))
        );
        assert_eq!(
            extract("It was directed by Lucien Castaing-Taylor, Véréna Paravel and Ernst Karel.")
                .get("director"),
            Some(&list(&[
                "Lucien Castaing-Taylor",
                "Véréna Paravel",
                "Ernst Karel"
            ]))
        );
        assert_eq!(
            extract("Director: Kirsten Johnson\nA daughter stages her father's death.")
                .get("director"),
            Some(&MetaValue::Text("Kirsten Johnson".into()))
        );
        assert_eq!(
            extract("Directors: Rachel Grady & Heidi Ewing").get("director"),
            Some(&list(&["Rachel Grady", "Heidi Ewing"]))
        );
        // A comma without `and` ends the name; a capitalized word after it is not a director.
        assert_eq!(
            extract("Directed by Elaine McMillion Sheldon, Heroin(e) offers a look.")
                .get("director"),
            Some(&MetaValue::Text("Elaine McMillion Sheldon".into()))
        );
        assert_eq!(
            extract("The film was directed by Ava DuVernay and produced by others.")
                .get("director"),
            Some(&MetaValue::Text("Ava DuVernay".into()))
        );
        assert_eq!(
            extract("The directors say little. It was directed by nobody.").get("director"),
            None
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
