//! What users type into a catalogue and a review: clauses about the whole document answer with
//! documents, the word as typed before its stem-mates, `word*`, `field:>=value`, highlights of
//! a phrase where it stands, and words inside Chinese, Japanese and Korean titles.

mod common;

use common::{code, ids, stderr, Env};

/// The seed review (ten passages, director Elaine McMillion Sheldon) beside a small catalogue.
fn catalogue() -> Env {
    let env = Env::with_seed();
    env.write(
        "corpus/films.csv",
        "id,title,director,year,imdb_rating,description\n\
         f1,Heroine,Madhur Bhandarkar,2012,5.6,One woman experiences the highs and lows of fame.\n\
         f2,Heroin(e),Elaine McMillion Sheldon,2017,7.4,Three women battle the opioid epidemic in West Virginia.\n\
         f3,Recovery Boys,Elaine McMillion Sheldon,2018,7.1,Four young men in a farming rehab forge a bond.\n\
         f4,忍者ハットリくん,Hiroshi Sasagawa,1981,6.9,A young ninja moves in with a family.\n\
         f5,卧虎藏龙,Ang Lee,2000,7.9,Warriors fight over a stolen sword.\n\
         f6,한국어 수업,Kim Ji-woon,2019,6.1,A language class in Seoul.\n\
         f7,Docuseries Night,Ann Smith,2020,6.0,A docuseries about documentary makers.\n\
         f8,The Archive,Ann Smith,2015,8.4,A documentary about a film archive.\n",
    );
    env.index();
    env
}

#[test]
fn clauses_about_the_document_answer_with_documents() {
    let env = catalogue();
    // Metadata sits on every passage of the review, but the review answers once, and the
    // director's other films come right after it, not at ranks 11 and 12.
    let (hits, out) = env.search("director:\"Elaine McMillion Sheldon\"", &["-n", "10"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut docs = ids(&hits);
    docs.sort();
    assert_eq!(docs, ["f2", "f3", "heroine-review"], "{hits:?}");
    let (hits, _) = env.search("title:Heroin(e)", &["-n", "10"]);
    let mut docs = ids(&hits);
    docs.sort();
    assert_eq!(docs, ["f2", "heroine-review"], "{hits:?}");
    let (hits, _) = env.search("year:[2017 TO 2017]", &["-n", "10"]);
    let mut docs = ids(&hits);
    docs.sort();
    assert_eq!(docs, ["f2", "heroine-review"], "{hits:?}");
    // With words beside it, the passages that hold the words answer.
    let (hits, _) = env.search("+director:sheldon +judge", &["-n", "10"]);
    assert!(!hits.is_empty());
    assert!(
        hits.iter().all(|h| h.text.to_lowercase().contains("judge")),
        "{hits:?}"
    );
}

#[test]
fn the_word_as_typed_ranks_above_its_stem_mates() {
    let env = catalogue();
    // `heroin` and `heroine` share a stem; the title *Heroine* is what `heroine` means, not
    // what `heroin` means.
    let (hits, _) = env.search("heroin", &["--per-doc", "1", "-n", "5"]);
    let first_heroine = hits.iter().position(|h| h.doc_id == "f1").unwrap();
    assert!(first_heroine >= 2, "{:?}", ids(&hits));
    let (hits, _) = env.search("heroine", &["--per-doc", "1", "-n", "5"]);
    assert_eq!(hits[0].doc_id, "f1", "{:?}", ids(&hits));
}

#[test]
fn a_prefix_finds_the_words_that_begin_so() {
    let env = catalogue();
    let (hits, out) = env.search("docu*", &["--per-doc", "1", "-n", "10"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut docs = ids(&hits);
    docs.sort();
    assert_eq!(docs, ["f7", "f8", "heroine-review"], "{hits:?}");
    // Each word it reached is highlighted.
    let f7 = hits.iter().find(|h| h.doc_id == "f7").unwrap();
    let marked: Vec<&str> = f7
        .highlights
        .iter()
        .map(|[a, b]| &f7.text[*a..*b])
        .collect();
    assert_eq!(marked, ["docuseries", "documentary"], "{f7:?}");
    // The stem of the typed word counts: `documentary*` reaches `documentaries`.
    let (hits, _) = env.search("documentary*", &["--per-doc", "1", "-n", "10"]);
    assert!(ids(&hits).contains(&"heroine-review"), "{hits:?}");
    // In a field, and in a metadata field.
    let (hits, _) = env.search("title:heroin*", &["-n", "10"]);
    let mut docs = ids(&hits);
    docs.sort();
    assert_eq!(docs, ["f1", "f2", "heroine-review"]);
    let (hits, _) = env.search("director:elai*", &["-n", "10"]);
    let mut docs = ids(&hits);
    docs.sort();
    assert_eq!(docs, ["f2", "f3", "heroine-review"]);
    // Nothing begins so: no hits, exit 1.
    let (hits, out) = env.search("zqx*", &[]);
    assert!(hits.is_empty());
    assert_eq!(code(&out), 1);
    // A number field has no words: the message says where and what to write.
    let out = env.run(&["search", "year:20*"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("position 0"), "{}", stderr(&out));
    assert!(stderr(&out).contains("year:>="), "{}", stderr(&out));
}

#[test]
fn a_prefix_of_too_many_words_searches_the_most_frequent_and_says_so() {
    let env = Env::empty();
    let mut text = String::new();
    for i in 0..300 {
        // wa0 is the most frequent word, in every file.
        text.push_str(&format!("wa{i} wa0 filler\n\n"));
    }
    env.write("corpus/words.txt", &text);
    env.index();
    let (hits, out) = env.search("wa*", &["-n", "3"]);
    assert_eq!(code(&out), 0);
    assert!(!hits.is_empty());
    assert!(
        stderr(&out).contains("`wa*` begins 300 words; searched the 128 most frequent"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn comparisons_are_ranges_open_on_one_side() {
    let env = catalogue();
    let docs = |q: &str| {
        let (hits, out) = env.search(q, &["--per-doc", "1", "-n", "20"]);
        assert_eq!(code(&out), 0, "{q}: {}", stderr(&out));
        let mut d: Vec<String> = hits.into_iter().map(|h| h.doc_id).collect();
        d.sort();
        d
    };
    assert_eq!(docs("year:>=2018"), docs("year:[2018 TO *]"));
    assert_eq!(docs("year:>=2018"), ["f3", "f6", "f7"]);
    assert_eq!(docs("year:>2018"), ["f6", "f7"]);
    assert_eq!(docs("year:<2000"), ["f4"]);
    assert_eq!(docs("year:<=2000"), ["f4", "f5"]);
    assert_eq!(docs("imdb_rating:>=8"), ["f8", "heroine-review"]);
    // A text field is told it has no order.
    let out = env.run(&["search", "title:>=b"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("ranges need a numeric or date field"),
        "{}",
        stderr(&out)
    );
    // A comparison without a value says so and searches the rest.
    let (hits, out) = env.search("year:>= opioid", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a comparison needs a value"),
        "{}",
        stderr(&out)
    );
    assert!(ids(&hits).contains(&"f2"));
}

#[test]
fn a_phrase_is_highlighted_where_it_stands() {
    let env = catalogue();
    let (hits, _) = env.search("\"drug court\"", &[]);
    let h = &hits[0];
    // The passage also says "drug offenses": only the phrase is marked, as one range.
    assert!(h.text.contains("drug offenses"), "{}", h.text);
    let marked: Vec<&str> = h.highlights.iter().map(|[a, b]| &h.text[*a..*b]).collect();
    assert_eq!(marked, ["Drug Court"], "{h:?}");
    // A phrase of common words marks the phrase, not every "the".
    let (hits, _) = env.search("\"the opioid epidemic\"", &[]);
    let h = hits.iter().find(|h| h.doc_id == "f2").unwrap();
    let marked: Vec<&str> = h.highlights.iter().map(|[a, b]| &h.text[*a..*b]).collect();
    assert_eq!(marked, ["the opioid epidemic"], "{h:?}");
    // Words beside the phrase are marked wherever they are.
    let (hits, _) = env.search("\"drug court\" jail", &["-n", "1"]);
    let h = &hits[0];
    let marked: Vec<&str> = h.highlights.iter().map(|[a, b]| &h.text[*a..*b]).collect();
    assert_eq!(marked, ["Drug Court", "jail"], "{h:?}");
}

#[test]
fn a_word_inside_a_cjk_title_is_found() {
    let env = catalogue();
    for (q, doc) in [
        ("忍者", "f4"),
        ("ハットリ", "f4"),
        ("忍者ハットリくん", "f4"),
        ("藏龙", "f5"),
        ("卧虎", "f5"),
        ("한국", "f6"),
        ("수업", "f6"),
        ("title:ハットリ", "f4"),
    ] {
        let (hits, out) = env.search(q, &["-n", "3"]);
        assert_eq!(code(&out), 0, "{q}: {}", stderr(&out));
        assert_eq!(hits[0].doc_id, doc, "{q}: {hits:?}");
        // The title highlight covers the word typed.
        let word = q.trim_start_matches("title:");
        let marked: Vec<&str> = hits[0]
            .title_highlights
            .iter()
            .map(|[a, b]| &hits[0].title[*a..*b])
            .collect();
        assert_eq!(marked, [word], "{q}: {:?}", hits[0]);
    }
    // Pairs are a phrase: characters apart in the title do not match.
    let (hits, _) = env.search("忍く", &[]);
    assert!(hits.is_empty(), "{hits:?}");
}
