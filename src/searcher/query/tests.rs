//! Tests of the query language: parsing, repairs and their positions, limits.

use super::parser::split_range;
use super::*;

fn fields(name: &str) -> bool {
    matches!(name, "title" | "year" | "director" | "text")
}

fn p(q: &str) -> Parsed {
    parse(q, &fields)
}

fn term(word: &str) -> Expr {
    Expr::Term {
        field: None,
        word: word.into(),
        fuzzy: None,
    }
}

fn should(exprs: Vec<Expr>) -> Expr {
    Expr::Bool(exprs.into_iter().map(|e| (Occur::Should, e)).collect())
}

#[test]
fn words_are_ored() {
    assert_eq!(
        p("drug court").expr,
        should(vec![term("drug"), term("court")])
    );
    assert!(p("drug court").problems.is_empty());
}

#[test]
fn a_colon_after_a_word_that_is_no_field_is_text() {
    let q = p("Narcos: Mexico");
    assert_eq!(q.expr, should(vec![term("Narcos:"), term("Mexico")]));
    assert!(q.problems.is_empty());
    let q = p("Narcos:Mexico");
    assert_eq!(q.expr, should(vec![term("Narcos:Mexico")]));
    let q = p("director:herzog");
    assert_eq!(
        q.expr,
        should(vec![Expr::Term {
            field: Some("director".into()),
            word: "herzog".into(),
            fuzzy: None
        }])
    );
    // A field name is matched without regard to case.
    assert!(matches!(
        &p("Director:Herzog").expr,
        Expr::Bool(c) if matches!(&c[0].1, Expr::Term { field: Some(f), .. } if f == "director")
    ));
}

#[test]
fn apostrophes_and_parentheses_inside_words() {
    let q = p("Schindler's List");
    assert_eq!(q.expr, should(vec![term("Schindler's"), term("List")]));
    assert!(q.problems.is_empty());
    let q = p("Heroin(e)");
    assert_eq!(q.expr, should(vec![term("Heroin(e)")]));
    assert!(q.problems.is_empty());
    let q = p("(drug court) AND Heroin(e)");
    assert_eq!(
        q.expr,
        should(vec![Expr::Bool(vec![
            (Occur::Must, should(vec![term("drug"), term("court")])),
            (Occur::Must, term("Heroin(e)")),
        ])])
        .pipe_single()
    );
    assert_eq!(strip_possessive("Huntington's"), "Huntington");
    assert_eq!(strip_possessive("Huntington’s"), "Huntington");
    assert_eq!(strip_possessive("films'"), "films");
    assert_eq!(strip_possessive("'s"), "'s");
}

#[test]
fn optional_groups_of_optional_words_are_opened() {
    let words = should(vec![term("drug"), term("court")]);
    assert_eq!(p("(drug court)").expr, words);
    assert_eq!(p("drug (court)").expr, words);
    assert_eq!(p("((drug) court)").expr, words);
    let q = p("drug (court");
    assert_eq!(q.expr, words);
    assert_eq!(q.problems, ["position 5: unclosed `(`, closed at the end"]);
    // A group that requires or excludes something keeps its meaning.
    let q = p("drug (court -judge)");
    assert!(matches!(&q.expr, Expr::Bool(c) if c.len() == 2 && matches!(c[1].1, Expr::Bool(_))));
    let q = p("+(drug court) heroin");
    assert!(matches!(&q.expr, Expr::Bool(c) if c[0].0 == Occur::Must));
    let q = p("(drug court)^2 heroin");
    assert!(matches!(&q.expr, Expr::Bool(c) if matches!(c[0].1, Expr::Boost(..))));
}

#[test]
fn the_parser_records_where_each_field_clause_is() {
    let at = |q: &str, field: &str, value: &str| parse(q, &fields).position(field, value);
    assert_eq!(at("drug year:abc", "year", "abc"), Some(5));
    assert_eq!(at("Year:2000 OR (YEAR:abc)", "year", "abc"), Some(14));
    assert_eq!(at("“é” +year:[abc TO 3]", "year", "abc"), Some(5));
    // The field as keys are stored (`Meta.Year:` is `meta_year`).
    let all = |_: &str| true;
    assert_eq!(
        parse("x Meta.Year:abc", &all).position("meta_year", "abc"),
        Some(2)
    );
    // A field named only inside a word, or not at all: no position.
    assert_eq!(at("midyear:abc", "year", "abc"), None);
    assert_eq!(at("drug court", "year", "abc"), None);
    let p = parse("year:[2015 TO 2019] director:\"werner herzog\"", &fields);
    assert_eq!(
        p.clauses
            .iter()
            .map(|c| (c.field.as_str(), c.value.as_str(), c.start))
            .collect::<Vec<_>>(),
        [
            ("year", "[2015 TO 2019]", 0),
            ("director", "\"werner herzog\"", 20)
        ]
    );
}

impl Expr {
    /// `combine` returns a single OR-group's AND-clauses unwrapped.
    fn pipe_single(self) -> Expr {
        match self {
            Expr::Bool(mut c) if c.len() == 1 => c.pop().unwrap().1,
            e => e,
        }
    }
}

#[test]
fn curly_quotes_are_phrases() {
    let phrase = Expr::Phrase {
        field: None,
        text: "drug court".into(),
        slop: 0,
    };
    assert_eq!(p("“drug court”").expr, should(vec![phrase.clone()]));
    assert_eq!(p("\"drug court\"").expr, should(vec![phrase]));
    let q = p("\"drug court\"~3");
    assert!(matches!(&q.expr, Expr::Bool(c) if matches!(c[0].1, Expr::Phrase { slop: 3, .. })));
    let q = p("\"drug court");
    assert_eq!(
        q.problems,
        ["position 0: unclosed quote, closed at the end"]
    );
}

#[test]
fn operators_and_prefixes() {
    assert_eq!(
        p("+drug -oscar court").expr,
        Expr::Bool(vec![
            (Occur::Must, term("drug")),
            (Occur::MustNot, term("oscar")),
            (Occur::Should, term("court")),
        ])
    );
    assert_eq!(
        p("drug AND NOT court").expr,
        Expr::Bool(vec![
            (Occur::Must, term("drug")),
            (Occur::MustNot, term("court"))
        ])
    );
    assert_eq!(
        p("a b AND c").expr,
        Expr::Bool(vec![
            (Occur::Should, term("a")),
            (
                Occur::Should,
                Expr::Bool(vec![(Occur::Must, term("b")), (Occur::Must, term("c"))])
            ),
        ])
    );
    assert_eq!(p("a OR b").expr, should(vec![term("a"), term("b")]));
    // Lower-case operators are words.
    assert_eq!(
        p("war and peace").expr,
        should(vec![term("war"), term("and"), term("peace")])
    );
}

#[test]
fn ranges_boosts_and_fuzzy_words() {
    assert_eq!(
        p("year:[2015 TO 2019]").expr,
        should(vec![Expr::Range {
            field: "year".into(),
            lower: Bound::Included("2015".into()),
            upper: Bound::Included("2019".into())
        }])
    );
    assert_eq!(
        p("year:{7 TO *]").expr,
        should(vec![Expr::Range {
            field: "year".into(),
            lower: Bound::Excluded("7".into()),
            upper: Bound::Unbounded
        }])
    );
    assert_eq!(
        p("huntingdon~1").expr,
        should(vec![Expr::Term {
            field: None,
            word: "huntingdon".into(),
            fuzzy: Some(1)
        }])
    );
    assert_eq!(
        p("court^2").expr,
        should(vec![Expr::Boost(Box::new(term("court")), 2.0)])
    );
    assert_eq!(p("*").expr, should(vec![Expr::All]));
    assert_eq!(
        split_range("\"June 1, 2020\" TO 2020-06-30"),
        Some(("June 1, 2020".into(), "2020-06-30".into()))
    );
    assert_eq!(split_range("1 TO"), None);
    assert_eq!(
        split_range("TOKYO TO 3"),
        Some(("TOKYO".into(), "3".into()))
    );
}

#[test]
fn repairs_have_positions() {
    assert_eq!(
        p("a) (b").problems,
        [
            "position 1: unmatched `)`, ignored",
            "position 3: unclosed `(`, closed at the end"
        ]
    );
    assert!(check_limits(&"a ".repeat(3000)).is_err());
    assert!(check_limits(&"(".repeat(1000)).is_err());
    assert!(check_limits("(a OR (b AND c))").is_ok());
}

#[test]
fn never_stalls_on_junk() {
    for q in [
        "",
        "(",
        ")",
        "\"",
        "+",
        "-",
        "^",
        "~",
        ":",
        "a:",
        "year:[",
        "year:[1 TO",
        "((a)",
        "+-+-",
        "“",
        "\u{0}",
        "AND OR NOT",
        "title:(",
        "*^2",
    ] {
        let _ = p(q);
    }
}
