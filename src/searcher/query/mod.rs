//! reel's query language, parsed into a small syntax tree ([`Expr`]) that knows nothing of
//! tantivy. Parsing never fails: a query that is not well formed is read the way a person most
//! likely meant it, and each repair is reported as a problem with its position (a character
//! offset, from 0).
//!
//! | syntax | meaning |
//! |---|---|
//! | `drug court` | either word (passages with both rank higher) |
//! | `"drug court"`, `“drug court”`, `"drug court"~2` | a phrase (straight or curly quotes), with slop |
//! | `+drug -oscar`, `drug AND court`, `a OR b`, `NOT a`, `(a OR b) AND c` | boolean logic (AND binds tighter than OR) |
//! | `title:heroin`, `year:[2015 TO 2019]`, `rating:{7 TO *]` | a field; ranges (inclusive `[]`, exclusive `{}`) |
//! | `huntingdon~1`, `court^2` | a fuzzy word (1 or 2 edits), a weight |
//! | `*` | every passage |
//!
//! What a user types that is not syntax is text: `Narcos: Mexico` (a `word:` that names no field),
//! `Schindler's List` and `Huntington's` (apostrophes; a possessive `'s` is dropped),
//! `Heroin(e)` (parentheses inside a word).
//!
//! One file per job: [`expr`] (the syntax tree), [`parser`] (text to tree), [`normalize`] (the
//! operators applied, needless groups opened), [`words`] (the words a tree holds), [`build`]
//! (tree to tantivy query), [`filter`] (`--filter` and `--sort`), [`source`] (`--glob` and
//! `--source`: where to look), [`expand`] (keyword
//! queries, questions, proximity, feedback, the whole-title bonus) and [`plan`] (what a search
//! does, decided once).

pub mod build;
pub mod expand;
pub mod expr;
pub mod filter;
mod normalize;
pub mod parser;
pub mod plan;
pub mod source;
pub mod words;

pub use expr::{is_quote, strip_possessive, Bound, Expr, Occur};
pub use parser::{
    check_limits, parse, Parsed, MAX_FUZZY_DISTANCE, MAX_QUERY_BYTES, MAX_QUERY_NESTING,
};

#[cfg(test)]
mod tests;
