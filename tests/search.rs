//! `reel search`: the seed queries, the JSON contract, query syntax, exit codes, colour.

mod common;

use common::{code, stderr, stdout, Env};

fn seed() -> Env {
    let env = Env::with_seed();
    env.index();
    env
}

#[test]
fn drug_court_ranks_judge_kellers_passage_first() {
    let env = seed();
    let (hits, out) = env.search("drug court", &[]);
    assert_eq!(code(&out), 0);
    assert!(hits[0]
        .text
        .contains("Judge Patricia Keller presides over Drug Court"));
    // The quoted phrase gives the same first passage.
    let (hits, _) = env.search("\"drug court\"", &[]);
    assert!(hits[0].text.contains("Drug Court"));
    assert_eq!(hits.len(), 1, "only one passage has the phrase");
}

#[test]
fn huntington_ranks_the_passage_naming_huntington_west_virginia_first() {
    let env = seed();
    let (hits, _) = env.search("Huntington", &[]);
    assert!(
        hits[0].text.contains("Huntington, West Virginia"),
        "{}",
        hits[0].text
    );
    assert_eq!(hits.len(), 2, "two passages name Huntington");
}

#[test]
fn brown_bags_of_hope_ranks_necia_freemans_passage_first() {
    let env = seed();
    let (hits, _) = env.search("Brown Bags of Hope", &[]);
    assert!(hits[0].text.contains("Necia Freeman"));
}

#[test]
fn json_contract_fields_and_types() {
    let env = seed();
    let (hits, _) = env.search("drug court", &[]);
    let hit = &hits[0];
    assert_eq!(hit.rank, 1);
    assert!(hit.score > 0.0);
    assert_eq!(hit.doc_id, "heroine-review");
    assert_eq!(hit.title, "Heroin(e)");
    assert_eq!(hit.passage_id, 2);
    assert!(hit.source.ends_with("heroine-review.txt"));
    assert_eq!(hit.metadata["year"], serde_json::json!(2017));
    assert_eq!(hit.metadata["imdb_rating"], serde_json::json!(8.2));
    assert_eq!(hit.metadata["director"], "Elaine McMillion Sheldon");
    // Highlights are byte ranges of the matched words in `text`.
    let words: Vec<String> = hit
        .highlights
        .iter()
        .map(|[a, b]| hit.text[*a..*b].to_lowercase())
        .collect();
    assert!(words.contains(&"drug".to_string()) && words.contains(&"court".to_string()));
    assert!(
        words.iter().all(|w| w == "drug" || w == "court"),
        "{words:?}"
    );
    // The passage text is exactly a piece of the source file.
    let source = std::fs::read_to_string(env.path("corpus/heroine-review.txt")).unwrap();
    assert!(source.contains(&hit.text));
    // Ranks are consecutive and scores never increase.
    let (hits, _) = env.search("drug", &[]);
    for (i, pair) in hits.windows(2).enumerate() {
        assert_eq!(pair[0].rank, i + 1);
        assert!(pair[0].score >= pair[1].score);
    }
}

#[test]
fn stemming_case_and_accents() {
    let env = seed();
    let (hits, _) = env.search("courts", &[]);
    assert!(hits[0].text.contains("Drug Court"));
    let (hits, _) = env.search("HUNTINGTÓN", &[]);
    assert!(hits[0].text.contains("Huntington"));
    let h = &hits[0];
    let [a, b] = h.highlights[0];
    assert_eq!(&h.text[a..b], "Huntington");
}

#[test]
fn metadata_is_searchable_and_filterable() {
    let env = seed();
    let (hits, _) = env.search("Sheldon", &[]);
    assert_eq!(hits[0].doc_id, "heroine-review");
    let (hits, out) = env.search("year:[2015 TO 2019]", &[]);
    assert_eq!(code(&out), 0);
    assert!(!hits.is_empty());
    let (hits, out) = env.search("year:[2018 TO 2019]", &[]);
    assert_eq!(code(&out), 1);
    assert!(hits.is_empty());
    let (hits, _) = env.search("director:sheldon", &[]);
    assert!(!hits.is_empty());
    let (hits, _) = env.search("drug AND imdb_rating:[8 TO 9]", &[]);
    assert!(!hits.is_empty());
    let (hits, _) = env.search("drug AND imdb_rating:[9 TO 10]", &[]);
    assert!(hits.is_empty());
}

#[test]
fn boolean_operators_and_fields() {
    let env = seed();
    let (hits, _) = env.search("court AND NOT drug", &[]);
    assert!(hits.is_empty(), "the only court passage also says drug");
    let (hits, _) = env.search("+opioid -oscar", &[]);
    assert!(!hits.is_empty());
    assert!(hits
        .iter()
        .all(|h| !h.text.to_lowercase().contains("oscar")));
    let (hits, _) = env.search("text:prostitution", &[]);
    assert_eq!(hits.len(), 1);
}

#[test]
fn limit_and_per_doc() {
    let env = Env::with_reviews();
    env.index();
    let (hits, _) = env.search("documentary", &["-n", "2"]);
    assert_eq!(hits.len(), 2);
    let (hits, _) = env.search("documentary", &["--per-doc", "1"]);
    let mut ids: Vec<&str> = hits.iter().map(|h| h.doc_id.as_str()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "one passage per document");
    assert!(n >= 3, "documentary is in at least three reviews: {n}");
}

#[test]
fn lenient_queries_warn_and_still_search() {
    let env = seed();
    for q in ["\"drug court", "drug) court", "(drug", "year:[2015 TO"] {
        let out = env.run(&["search", q]);
        assert!(code(&out) <= 1, "{q}: {}", stderr(&out));
        assert!(stderr(&out).contains("warning"), "{q}: no warning");
        assert!(!stderr(&out).contains("panicked"), "{q}");
    }
    // Not syntax at all: a colon after a word that is no field, a lone operator.
    for q in ["court:", "AND"] {
        let out = env.run(&["search", q]);
        assert!(code(&out) <= 1, "{q}: {}", stderr(&out));
        assert!(!stderr(&out).contains("warning"), "{q}: {}", stderr(&out));
    }
    let out = env.run(&["search", "\"drug court"]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("position 0: unclosed quote"));
}

#[test]
fn oversized_queries_fail_cleanly() {
    let env = seed();
    let long = "drug ".repeat(2000);
    let out = env.run(&["search", &long]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).starts_with("reel: query:"), "{}", stderr(&out));
    let nested = format!("{}drug{}", "(".repeat(1000), ")".repeat(1000));
    let out = env.run(&["search", &nested]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).lines().count(), 1);
}

#[test]
fn exit_codes() {
    let env = seed();
    assert_eq!(code(&env.run(&["search", "heroin"])), 0);
    assert_eq!(code(&env.run(&["search", "zzyzx"])), 1);
    let out = env.run(&["search", "x", "--index", "nowhere"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("nowhere") && err.contains("reel index"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line, no backtrace: {err}");
    assert_eq!(code(&env.run(&["search"])), 2, "a query is required");
    assert_eq!(code(&env.run(&["search", "x", "-n", "0"])), 2);
    assert_eq!(code(&env.run(&["--help"])), 0);
    assert!(stdout(&env.run(&["search", "--help"])).contains("Exit status"));
}

#[test]
fn human_output_has_rank_title_id_metadata_and_no_ansi_when_piped() {
    let env = seed();
    let out = env.run(&["search", "drug court"]);
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "ANSI escapes in piped output");
    let first = text.lines().next().unwrap();
    assert!(first.starts_with(" 1. "), "{first}");
    assert!(first.contains("Heroin(e)") && first.contains("[heroine-review #2]"));
    assert!(text.contains("year 2017"));
    assert!(text.contains("Judge Patricia Keller presides over Drug Court"));
    // Long passages are trimmed with an ellipsis.
    assert!(text.contains('…'));

    let out = env.run(&["search", "--color", "always", "drug court"]);
    assert!(stdout(&out).contains("\x1b[1;31mDrug\x1b[0m"));
    let out = env
        .reel()
        .env("NO_COLOR", "1")
        .args(["search", "drug court"])
        .output()
        .unwrap();
    assert!(!stdout(&out).contains('\x1b'));
}

#[test]
fn broken_pipe_exits_zero_silently() {
    let env = Env::empty();
    let para = "The documentary film follows a court case through the years. ".repeat(3);
    let body: Vec<String> = (0..3000).map(|i| format!("{para} Number {i}.")).collect();
    env.write(
        "corpus/long.txt",
        &format!("Long\n\n{}\n", body.join("\n\n")),
    );
    env.index();
    let bin = assert_cmd::cargo::cargo_bin("reel");
    let out = std::process::Command::new("bash")
        .current_dir(env.dir.path())
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' search court -n 3000 | head -1 >/dev/null",
            bin.display()
        ))
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}
