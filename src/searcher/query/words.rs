//! The words a query's tree holds, as typed: those checked for typos ("did you mean"), and
//! those searched with edits allowed (for highlighting what they matched).

use super::expr::{strip_possessive, Expr, Occur};

/// The words of a query to check: every word searched in the default fields.
pub fn query_words(expr: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect(expr, &mut out);
    out
}

/// The words of a query with the edits allowed (`word~N`), as typed.
pub fn fuzzy_words(expr: &Expr) -> Vec<(String, u8)> {
    match expr {
        Expr::Bool(clauses) => clauses
            .iter()
            .filter(|(o, _)| *o != Occur::MustNot)
            .flat_map(|(_, e)| fuzzy_words(e))
            .collect(),
        Expr::Term {
            word,
            fuzzy: Some(d),
            ..
        } if *d > 0 => vec![(strip_possessive(word).to_string(), *d)],
        Expr::Boost(e, _) => fuzzy_words(e),
        _ => Vec::new(),
    }
}

/// The words a document's own evidence is scored on ([`crate::searcher::rank::document`]):
/// every word and phrase word searched in the default fields, not excluded, each with its
/// weight (a `^boost`, a question's repeated word).
pub fn text_words(expr: &Expr) -> Vec<(String, f32)> {
    fn walk(expr: &Expr, weight: f32, out: &mut Vec<(String, f32)>) {
        match expr {
            Expr::Bool(clauses) => {
                for (occur, e) in clauses {
                    if *occur != Occur::MustNot {
                        walk(e, weight, out);
                    }
                }
            }
            Expr::Term {
                field: None, word, ..
            } => out.push((strip_possessive(word).to_string(), weight)),
            Expr::Phrase {
                field: None, text, ..
            } => out.extend(text.split_whitespace().map(|w| (w.to_string(), weight))),
            Expr::Boost(e, b) => walk(e, weight * b, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(expr, 1.0, &mut out);
    out
}

/// The texts whose words are highlighted only where they stand together: quoted phrases
/// without slop and words that analyze to several terms (`co-operate`, `忍者ハットリ`), searched
/// in the text or the title and not excluded. A phrase with slop is highlighted word by word.
pub fn phrase_texts(expr: &Expr) -> Vec<String> {
    fn walk(expr: &Expr, out: &mut Vec<String>) {
        let passage_field =
            |f: &Option<String>| f.as_deref().is_none_or(|f| matches!(f, "text" | "title"));
        match expr {
            Expr::Bool(clauses) => {
                for (occur, e) in clauses {
                    if *occur != Occur::MustNot {
                        walk(e, out);
                    }
                }
            }
            Expr::Term {
                field,
                word,
                fuzzy: None,
            } if passage_field(field) => out.push(strip_possessive(word).to_string()),
            Expr::Phrase {
                field,
                text,
                slop: 0,
            } if passage_field(field) => out.push(text.clone()),
            Expr::Boost(e, _) => walk(e, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(expr, &mut out);
    out
}

/// The words of phrases with slop (`"drug court"~3`), highlighted one by one.
pub fn sloppy_phrase_texts(expr: &Expr) -> Vec<String> {
    match expr {
        Expr::Bool(clauses) => clauses
            .iter()
            .filter(|(o, _)| *o != Occur::MustNot)
            .flat_map(|(_, e)| sloppy_phrase_texts(e))
            .collect(),
        Expr::Phrase { text, slop, .. } if *slop > 0 => vec![text.clone()],
        Expr::Boost(e, _) => sloppy_phrase_texts(e),
        _ => Vec::new(),
    }
}

fn collect(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::Bool(clauses) => {
            for (occur, e) in clauses {
                if *occur != Occur::MustNot {
                    collect(e, out);
                }
            }
        }
        Expr::Term {
            field: None,
            word,
            fuzzy: None,
        } => out.push(strip_possessive(word).to_string()),
        Expr::Boost(e, _) => collect(e, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_words_of_the_default_fields_are_checked() {
        let q = super::super::parse("drug director:herzog -court \"a b\" cuort~1", &|f| {
            f == "director"
        });
        assert_eq!(query_words(&q.expr), ["drug"]);
    }
}
