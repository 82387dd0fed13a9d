//! The parser: query text to a syntax tree, never failing. A query that is not well formed is
//! read the way a person most likely meant it, and each repair is reported as a problem with
//! its position (a character offset, from 0). Where each field's clause is, is recorded, so a
//! clause that cannot be searched is reported at its place ([`Parsed::clauses`]).

use super::expr::{is_quote, Bound, Expr, Occur};
use super::normalize::{combine, flatten, Item};

/// Queries longer than this are refused before parsing: no real query is this long, and the
/// parser's work grows with it.
pub const MAX_QUERY_BYTES: usize = 4096;

/// Deepest parenthesis nesting accepted (the parser recurses on it).
pub const MAX_QUERY_NESTING: usize = 32;

/// Largest edit distance of a fuzzy word (`word~2`): beyond two edits, most words match.
pub const MAX_FUZZY_DISTANCE: u8 = 2;

/// A query and what had to be repaired to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The query.
    pub expr: Expr,
    /// Repairs, as `position N: what` (character offsets from 0).
    pub problems: Vec<String>,
    /// Where each `field:value` clause is.
    pub clauses: Vec<ClauseSpan>,
}

/// Where a `field:value` clause is in the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseSpan {
    /// The field as typed (lower-cased).
    pub field: String,
    /// The value as typed (a word, a quoted phrase, a range with its brackets).
    pub value: String,
    /// The character offset (from 0) where the clause starts, and just past its end.
    pub start: usize,
    /// See [`ClauseSpan::start`].
    pub end: usize,
}

impl Parsed {
    /// Where the clause of `field` (a metadata key, or a field as the user may type it) is,
    /// the one whose value holds `value` if several are: for errors about a clause.
    pub fn position(&self, field: &str, value: &str) -> Option<usize> {
        let of_field: Vec<&ClauseSpan> = self
            .clauses
            .iter()
            .filter(|c| {
                c.field == field || crate::meta::vocabulary::metadata_key(&c.field) == field
            })
            .collect();
        of_field
            .iter()
            .find(|c| c.value.contains(value))
            .or(of_field.first())
            .map(|c| c.start)
    }
}

/// Refuses queries too long or too deeply nested to parse safely.
pub fn check_limits(input: &str) -> Result<(), String> {
    if input.len() > MAX_QUERY_BYTES {
        return Err(format!(
            "the query is {} bytes long; the limit is {MAX_QUERY_BYTES} bytes",
            input.len()
        ));
    }
    let mut depth = 0usize;
    for (pos, c) in input.chars().enumerate() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_QUERY_NESTING {
                    return Err(format!(
                        "position {pos}: parentheses nested deeper than {MAX_QUERY_NESTING}"
                    ));
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses a query. `is_field` says whether a name (lower-cased) is a field of the index: a
/// `name:` prefix that is not one is read as text.
pub fn parse(input: &str, is_field: &dyn Fn(&str) -> bool) -> Parsed {
    let mut p = Parser {
        chars: input.chars().collect(),
        at: 0,
        problems: Vec::new(),
        is_field,
        depth: 0,
        clauses: Vec::new(),
    };
    let items = p.sequence(None);
    let expr = flatten(combine(items));
    Parsed {
        expr,
        problems: p.problems,
        clauses: p.clauses,
    }
}

struct Parser<'a> {
    chars: Vec<char>,
    at: usize,
    problems: Vec<String>,
    is_field: &'a dyn Fn(&str) -> bool,
    depth: usize,
    clauses: Vec<ClauseSpan>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn problem(&mut self, pos: usize, what: &str) {
        self.problems.push(format!("position {pos}: {what}"));
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// Clauses and operators up to the end, or up to the `)` closing a group opened at
    /// `open` (consumed).
    fn sequence(&mut self, open: Option<usize>) -> Vec<Item> {
        let mut items = Vec::new();
        // A `NOT` or a prefix waiting for its clause.
        loop {
            self.skip_space();
            let Some(c) = self.peek() else {
                if let Some(pos) = open {
                    self.problem(pos, "unclosed `(`, closed at the end");
                }
                break;
            };
            if c == ')' {
                if open.is_some() {
                    self.at += 1;
                    break;
                }
                let pos = self.at;
                self.problem(pos, "unmatched `)`, ignored");
                self.at += 1;
                continue;
            }
            let start = self.at;
            let word = self.peek_bare_word();
            match word.as_str() {
                "AND" => {
                    self.at += 3;
                    items.push(Item::And);
                    continue;
                }
                "OR" => {
                    self.at += 2;
                    items.push(Item::Or);
                    continue;
                }
                "NOT" => {
                    self.at += 3;
                    self.skip_space();
                    if let Some(expr) = self.clause() {
                        items.push(Item::Clause(Occur::MustNot, Some(Occur::MustNot), expr));
                    }
                    continue;
                }
                _ => {}
            }
            let prefix = match c {
                '+' | '-' => {
                    let next = self.chars.get(self.at + 1).copied();
                    if next.is_none_or(char::is_whitespace) {
                        // A lone sign is not an operator, and not a word either.
                        self.at += 1;
                        continue;
                    }
                    self.at += 1;
                    Some(if c == '+' {
                        Occur::Must
                    } else {
                        Occur::MustNot
                    })
                }
                _ => None,
            };
            match self.clause() {
                Some(expr) => {
                    items.push(Item::Clause(prefix.unwrap_or(Occur::Should), prefix, expr))
                }
                None if self.at == start => self.at += 1, // never stall
                None => {}
            }
        }
        items
    }

    /// The run of letters at the cursor (for spotting `AND`, `OR`, `NOT` as whole words).
    fn peek_bare_word(&self) -> String {
        let mut end = self.at;
        while end < self.chars.len() && self.chars[end].is_ascii_alphabetic() {
            end += 1;
        }
        let next = self.chars.get(end).copied();
        if next.is_none_or(|c| c.is_whitespace() || c == '(' || c == ')' || is_quote(c)) {
            self.chars[self.at..end].iter().collect()
        } else {
            String::new()
        }
    }

    /// One clause: a group, a phrase, `*`, a field clause or a word, with `^boost`.
    fn clause(&mut self) -> Option<Expr> {
        let c = self.peek()?;
        let expr = if c == '(' {
            let pos = self.at;
            self.at += 1;
            self.group(pos, None)
        } else if is_quote(c) {
            self.phrase(None)
        } else {
            self.word_or_field()?
        };
        Some(self.boost(expr))
    }

    /// A parenthesized group; `field` is given to the words inside (`title:(a b)`).
    fn group(&mut self, open: usize, field: Option<&str>) -> Expr {
        if self.depth >= MAX_QUERY_NESTING {
            // check_limits refuses such queries; this keeps the parser safe on its own.
            self.at = self.chars.len();
            return Expr::Bool(Vec::new());
        }
        self.depth += 1;
        let items = self.sequence(Some(open));
        self.depth -= 1;
        let expr = combine(items);
        match field {
            Some(f) => with_field(expr, f),
            None => expr,
        }
    }

    /// A phrase from the quote at the cursor to the next quote (or the end, with a problem),
    /// then an optional `~slop`.
    fn phrase(&mut self, field: Option<String>) -> Expr {
        let open = self.at;
        self.at += 1;
        let start = self.at;
        while self.peek().is_some_and(|c| !is_quote(c)) {
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().collect();
        if self.peek().is_some() {
            self.at += 1;
        } else {
            self.problem(open, "unclosed quote, closed at the end");
        }
        let mut slop = 0;
        if self.peek() == Some('~') {
            let digits = self.digits_after(1);
            if let Some(n) = digits.as_deref().and_then(|d| d.parse::<u32>().ok()) {
                self.at += 1 + digits.map_or(0, |d| d.chars().count());
                slop = n.min(1000);
            }
        }
        Expr::Phrase { field, text, slop }
    }

    /// The ASCII digits starting `offset` characters after the cursor, if any.
    fn digits_after(&self, offset: usize) -> Option<String> {
        let mut end = self.at + offset;
        while end < self.chars.len() && self.chars[end].is_ascii_digit() {
            end += 1;
        }
        (end > self.at + offset).then(|| self.chars[self.at + offset..end].iter().collect())
    }

    /// `^weight` after a clause.
    fn boost(&mut self, expr: Expr) -> Expr {
        if self.peek() != Some('^') {
            return expr;
        }
        let mut end = self.at + 1;
        while end < self.chars.len() && (self.chars[end].is_ascii_digit() || self.chars[end] == '.')
        {
            end += 1;
        }
        let number: String = self.chars[self.at + 1..end].iter().collect();
        match number.parse::<f32>() {
            Ok(w) if w.is_finite() && w >= 0.0 => {
                self.at = end;
                Expr::Boost(Box::new(expr), w.min(1000.0))
            }
            _ => {
                let pos = self.at;
                self.problem(pos, "`^` needs a weight such as `^2`, ignored");
                self.at = end.max(self.at + 1);
                expr
            }
        }
    }

    /// A word, a `field:value` clause, or `*`.
    fn word_or_field(&mut self) -> Option<Expr> {
        let start = self.at;
        // A field name: letters, digits, `_`, `.`, `-`, starting with a letter or `_`, then `:`
        // directly followed by the value.
        let mut end = self.at;
        if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            while end < self.chars.len()
                && (self.chars[end].is_alphanumeric() || "_.-".contains(self.chars[end]))
            {
                end += 1;
            }
        }
        let after_colon = self.chars.get(end + 1).copied();
        if end > start
            && self.chars.get(end) == Some(&':')
            && after_colon.is_some_and(|c| !c.is_whitespace() && c != ')')
        {
            let name: String = self.chars[start..end]
                .iter()
                .collect::<String>()
                .to_lowercase();
            if (self.is_field)(&name) {
                self.at = end + 1;
                let expr = self.field_value(name.clone());
                let value: String = self.chars[end + 1..self.at.min(self.chars.len())]
                    .iter()
                    .collect();
                self.clauses.push(ClauseSpan {
                    field: name,
                    value,
                    start,
                    end: self.at,
                });
                return Some(expr);
            }
        }
        let word = self.word();
        if word.is_empty() {
            return None;
        }
        if word == "*" {
            return Some(Expr::All);
        }
        Some(prefix_or_word(None, word))
    }

    /// What follows `field:`: a range, a phrase, a group or a word.
    fn field_value(&mut self, field: String) -> Expr {
        match self.peek() {
            Some('[' | '{') => self.range(field),
            Some(c) if is_quote(c) => self.phrase(Some(field)),
            Some('(') => {
                let pos = self.at;
                self.at += 1;
                self.group(pos, Some(&field))
            }
            Some('>' | '<') => self.comparison(field),
            _ => {
                let word = self.word();
                prefix_or_word(Some(field), word)
            }
        }
    }

    /// `>=value`, `>value`, `<=value`, `<value` after `field:` (as Elasticsearch and Quickwit
    /// write them): a range open on one side.
    fn comparison(&mut self, field: String) -> Expr {
        let open = self.at;
        let upper_side = self.chars[open] == '<';
        let inclusive = self.chars.get(open + 1) == Some(&'=');
        self.at = open + 1 + usize::from(inclusive);
        let value = if self.peek().is_some_and(is_quote) {
            match self.phrase(None) {
                Expr::Phrase { text, .. } => text,
                _ => String::new(),
            }
        } else {
            self.word()
        };
        let value = value.trim().to_string();
        if value.is_empty() {
            self.problem(
                open,
                "a comparison needs a value, as in `year:>=2015`; ignored",
            );
            return Expr::Bool(Vec::new());
        }
        let bound = if inclusive {
            Bound::Included(value)
        } else {
            Bound::Excluded(value)
        };
        let (lower, upper) = if upper_side {
            (Bound::Unbounded, bound)
        } else {
            (bound, Bound::Unbounded)
        };
        Expr::Range {
            field,
            lower,
            upper,
        }
    }

    /// `[low TO high]` with `[`/`{` and `]`/`}`; a malformed range is read as its words.
    fn range(&mut self, field: String) -> Expr {
        let open = self.at;
        let inclusive_low = self.chars[open] == '[';
        let mut end = open + 1;
        while end < self.chars.len() && !matches!(self.chars[end], ']' | '}') {
            end += 1;
        }
        let inner: String = self.chars[open + 1..end.min(self.chars.len())]
            .iter()
            .collect();
        let closed = end < self.chars.len();
        let inclusive_high = closed && self.chars[end] == ']';
        let bound = |s: &str, inclusive: bool| {
            if s == "*" {
                Bound::Unbounded
            } else if inclusive {
                Bound::Included(s.to_string())
            } else {
                Bound::Excluded(s.to_string())
            }
        };
        match (split_range(&inner), closed) {
            (Some((low, high)), true) => {
                self.at = end + 1;
                Expr::Range {
                    field,
                    lower: bound(&low, inclusive_low),
                    upper: bound(&high, inclusive_high),
                }
            }
            _ => {
                self.problem(
                    open,
                    "a range is written `[low TO high]`; read as words instead",
                );
                self.at = if closed { end + 1 } else { self.chars.len() };
                let words: Vec<(Occur, Expr)> = inner
                    .split_whitespace()
                    .filter(|w| *w != "TO")
                    .map(|w| {
                        (
                            Occur::Should,
                            Expr::Term {
                                field: Some(field.clone()),
                                word: w.to_string(),
                                fuzzy: None,
                            },
                        )
                    })
                    .collect();
                Expr::Bool(words)
            }
        }
    }

    /// A word: everything up to whitespace, a `^` weight, or a `)` that closes no `(` of the
    /// word itself (so `Heroin(e)` is one word and `(drug court)` ends before its `)`).
    fn word(&mut self) -> String {
        let start = self.at;
        let mut inner_parens = 0usize;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || is_quote(c) && self.at > start {
                break;
            }
            if c == '(' {
                if self.at == start {
                    break;
                }
                inner_parens += 1;
            } else if c == ')' {
                if inner_parens == 0 {
                    break;
                }
                inner_parens -= 1;
            } else if c == '^' && self.at > start {
                let digits = self.digits_after(1);
                if digits.is_some() {
                    break;
                }
            }
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }
}

/// The two bounds of a range's inside (`2015 TO 2019`, `"June 1, 2020" TO 2020-06-30`): the
/// text on each side of a `TO` that stands alone outside quotes, unquoted.
pub(super) fn split_range(inner: &str) -> Option<(String, String)> {
    let chars: Vec<char> = inner.chars().collect();
    let mut quoted = false;
    let mut split = None;
    for i in 0..chars.len() {
        if is_quote(chars[i]) {
            quoted = !quoted;
        }
        let alone = (i == 0 || chars[i - 1].is_whitespace())
            && chars.get(i + 2).is_none_or(|c| c.is_whitespace());
        if !quoted && alone && chars[i] == 'T' && chars.get(i + 1) == Some(&'O') {
            split = Some(i);
            break;
        }
    }
    let at = split?;
    let clean = |s: String| {
        let t = s.trim();
        let t = t.strip_prefix(is_quote).unwrap_or(t);
        let t = t.strip_suffix(is_quote).unwrap_or(t);
        t.trim().to_string()
    };
    let low = clean(chars[..at].iter().collect());
    let high = clean(chars[at + 2..].iter().collect());
    (!low.is_empty() && !high.is_empty()).then_some((low, high))
}

/// `word*`: the words that begin so; anything else as [`fuzzy_suffix`] reads it.
fn prefix_or_word(field: Option<String>, word: String) -> Expr {
    if let Some(base) = word.strip_suffix('*') {
        if !base.contains('*') && base.chars().last().is_some_and(char::is_alphanumeric) {
            return Expr::Prefix {
                field,
                prefix: base.to_string(),
            };
        }
    }
    fuzzy_suffix(field, word)
}

/// `word~`, `word~1`, `word~2`: a fuzzy word; anything else is the word as typed.
fn fuzzy_suffix(field: Option<String>, word: String) -> Expr {
    if let Some((base, n)) = word.rsplit_once('~') {
        let distance = if n.is_empty() {
            Some(1)
        } else {
            n.parse::<u8>().ok()
        };
        if let Some(d) = distance.filter(|_| !base.is_empty()) {
            return Expr::Term {
                field,
                word: base.to_string(),
                fuzzy: Some(d.min(MAX_FUZZY_DISTANCE)),
            };
        }
    }
    Expr::Term {
        field,
        word,
        fuzzy: None,
    }
}

/// Gives `field` to every word and phrase without one (`title:(a b)`).
fn with_field(expr: Expr, field: &str) -> Expr {
    match expr {
        Expr::Bool(clauses) => Expr::Bool(
            clauses
                .into_iter()
                .map(|(o, e)| (o, with_field(e, field)))
                .collect(),
        ),
        Expr::Term {
            field: None,
            word,
            fuzzy,
        } => Expr::Term {
            field: Some(field.to_string()),
            word,
            fuzzy,
        },
        Expr::Phrase {
            field: None,
            text,
            slop,
        } => Expr::Phrase {
            field: Some(field.to_string()),
            text,
            slop,
        },
        Expr::Prefix {
            field: None,
            prefix,
        } => Expr::Prefix {
            field: Some(field.to_string()),
            prefix,
        },
        Expr::Boost(e, w) => Expr::Boost(Box::new(with_field(*e, field)), w),
        other => other,
    }
}
