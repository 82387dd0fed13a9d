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
