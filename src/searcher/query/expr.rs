//! The syntax tree of reel's query language ([`Expr`]), and the small facts about words and
//! quotes the parser and everything that reads a tree share.

/// How a clause takes part in its query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// The clause must match (`+word`, `a AND b`).
    Must,
    /// The clause may match; matching raises the score.
    Should,
    /// The clause must not match (`-word`, `NOT word`).
    MustNot,
}

/// Most words one `word*` is searched as: the most frequent of those that begin so.
pub const MAX_PREFIX_TERMS: usize = 128;

/// A bound of a range.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// `[x` or `x]`
    Included(String),
    /// `{x` or `x}`
    Excluded(String),
    /// `*`
    Unbounded,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Clauses, each with how it takes part.
    Bool(Vec<(Occur, Expr)>),
    /// A word as typed (it may analyze to several terms, or to none).
    Term {
        /// `field:word`, lower-cased.
        field: Option<String>,
        /// The word.
        word: String,
        /// `word~N`: edits allowed.
        fuzzy: Option<u8>,
    },
    /// A quoted phrase.
    Phrase {
        /// `field:"..."`, lower-cased.
        field: Option<String>,
        /// The words between the quotes.
        text: String,
        /// `"..."~N`: how far apart the words may be.
        slop: u32,
    },
    /// `field:[low TO high]`.
    Range {
        /// The field, lower-cased.
        field: String,
        /// Lower bound.
        lower: Bound,
        /// Upper bound.
        upper: Bound,
    },
    /// `word*`: the words that begin so (at most [`MAX_PREFIX_TERMS`] of them).
    Prefix {
        /// `field:word*`, lower-cased.
        field: Option<String>,
        /// What the words begin with, as typed (without the `*`).
        prefix: String,
    },
    /// `*`: everything.
    All,
    /// `clause^weight`.
    Boost(Box<Expr>, f32),
}

/// Drops a possessive `'s` (or a bare trailing apostrophe) from a word: `Huntington's` searches
/// for Huntington, as the person typing it meant.
pub fn strip_possessive(word: &str) -> &str {
    for suffix in ["'s", "’s", "'S", "’S", "'", "’"] {
        if let Some(base) = word.strip_suffix(suffix) {
            if base.chars().last().is_some_and(char::is_alphanumeric) {
                return base;
            }
        }
    }
    word
}

/// True for the characters that open or close a quoted phrase: straight and typographic double
/// quotes, as word processors and phones write them.
pub fn is_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '”' | '„' | '‟' | '«' | '»')
}
