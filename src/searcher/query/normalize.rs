//! The tree normalizer: the operators applied to a sequence of clauses (`AND` binds tighter
//! than `OR`, side-by-side words are ORed), and groups that change nothing opened, so that
//! `(drug court)` is the query `drug court`.

use super::expr::{Expr, Occur};

/// One element of a clause sequence before the operators are applied.
pub(super) enum Item {
    /// A clause: how it takes part, the prefix it was typed with, the clause.
    Clause(Occur, Option<Occur>, Expr),
    /// `AND`.
    And,
    /// `OR`.
    Or,
}

/// Applies the operators: `AND` binds tighter than `OR`, and words side by side are ORed (the
/// default), so `a b AND c` is `a OR (b AND c)`. Without operators each clause keeps its own
/// prefix (`+` must, `-` must not, none should).
pub(super) fn combine(items: Vec<Item>) -> Expr {
    let has_ops = items.iter().any(|i| matches!(i, Item::And | Item::Or));
    if !has_ops {
        return Expr::Bool(
            items
                .into_iter()
                .filter_map(|i| match i {
                    Item::Clause(occur, _, e) => Some((occur, e)),
                    _ => None,
                })
                .collect(),
        );
    }
    // Split into OR-groups: an OR, or two clauses side by side, starts a new group; an AND
    // joins the next clause to the current group.
    let mut groups: Vec<Vec<(Option<Occur>, Expr)>> = Vec::new();
    let mut joined = false;
    for item in items {
        match item {
            Item::And => joined = true,
            Item::Or => joined = false,
            Item::Clause(_, prefix, e) => {
                match groups.last_mut() {
                    Some(g) if joined => g.push((prefix, e)),
                    _ => groups.push(vec![(prefix, e)]),
                }
                joined = false;
            }
        }
    }
    let mut top: Vec<(Occur, Expr)> = Vec::new();
    for group in groups {
        if group.len() == 1 {
            let (prefix, e) = group.into_iter().next().expect("a group of one");
            top.push((prefix.unwrap_or(Occur::Should), e));
            continue;
        }
        let clauses: Vec<(Occur, Expr)> = group
            .into_iter()
            .map(|(prefix, e)| {
                let occur = if prefix == Some(Occur::MustNot) {
                    Occur::MustNot
                } else {
                    Occur::Must
                };
                (occur, e)
            })
            .collect();
        top.push((Occur::Should, Expr::Bool(clauses)));
    }
    if top.len() == 1 && top[0].0 == Occur::Should {
        if let Expr::Bool(_) = top[0].1 {
            return top.pop().expect("one clause").1;
        }
    }
    Expr::Bool(top)
}

/// Opens groups that change nothing: in clauses that are all optional, an optional group of
/// optional clauses is its clauses (the scores add the same way), so `(drug court)` and
/// `drug (court)` are the query `drug court`, ranked as keywords are.
pub(super) fn flatten(expr: Expr) -> Expr {
    let all_should = |c: &[(Occur, Expr)]| c.iter().all(|(o, _)| *o == Occur::Should);
    match expr {
        Expr::Bool(clauses) => {
            let clauses: Vec<(Occur, Expr)> =
                clauses.into_iter().map(|(o, e)| (o, flatten(e))).collect();
            if !all_should(&clauses) {
                return Expr::Bool(clauses);
            }
            let mut out = Vec::with_capacity(clauses.len());
            for (o, e) in clauses {
                match e {
                    Expr::Bool(inner) if all_should(&inner) => out.extend(inner),
                    e => out.push((o, e)),
                }
            }
            Expr::Bool(out)
        }
        Expr::Boost(e, b) => Expr::Boost(Box::new(flatten(*e)), b),
        e => e,
    }
}
