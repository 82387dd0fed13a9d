//! `reel index`: defaults, metadata from review sentences, bad inputs, re-runs.

mod common;

use common::{code, stderr, Env};
use serde_json::json;

#[test]
fn no_flags_indexes_corpus_into_index_and_reports() {
    let env = Env::with_seed();
    let out = env.index();
    assert!(env.path("index/meta.json").is_file());
    let err = stderr(&out);
    assert!(
        err.contains("1 document") && err.contains("9 passages"),
        "{err}"
    );
    assert!(err.contains("0 skipped"), "{err}");
    assert!(
        !err.contains('\x1b') && !err.contains('\r'),
        "no progress bar when stderr is not a terminal: {err:?}"
    );
    let quiet = env.run(&["index", "--quiet"]);
    assert_eq!(code(&quiet), 0);
    assert_eq!(stderr(&quiet), "", "--quiet prints nothing");
}

#[test]
fn seed_metadata() {
    let env = Env::with_seed();
    env.index();
    let (hits, _) = env.search("heroin", &[]);
    let m = &hits[0].metadata;
    assert_eq!(m["year"], json!(2017));
    assert_eq!(m["imdb_rating"], json!(8.2));
    assert_eq!(m["seasons"], json!(1));
    assert_eq!(m["episodes"], json!(1));
    assert_eq!(m["runtime_minutes"], json!(40));
    assert_eq!(m["director"], json!("Elaine McMillion Sheldon"));
}

#[test]
fn metadata_of_other_reviews_with_the_same_phrasing() {
    let env = Env::with_reviews();
    env.index();
    let (hits, _) = env.search("Treadwell", &["--per-doc", "1"]);
    let grizzly = hits.iter().find(|h| h.doc_id == "grizzly-man").unwrap();
    let m = &grizzly.metadata;
    assert_eq!(m["year"], json!(2005));
    assert_eq!(m["imdb_rating"], json!(7.8));
    assert_eq!(m["runtime_minutes"], json!(103));
    assert_eq!(m["director"], json!("Werner Herzog"));
    assert_eq!(grizzly.title, "Grizzly Man");

    let (hits, _) = env.search("Indonesian", &[]);
    let act = &hits[0];
    assert_eq!(act.doc_id, "the-act-of-killing");
    assert_eq!(act.title, "The Act of Killing", "Markdown heading stripped");
    assert_eq!(act.metadata["year"], json!(2012));
    assert_eq!(act.metadata["director"], json!("Joshua Oppenheimer"));
    assert_eq!(act.metadata["runtime_minutes"], json!(159));
    assert!(
        !act.metadata.contains_key("episodes"),
        "absent, not guessed"
    );

    let (hits, _) = env.search("flickering", &[]);
    assert_eq!(hits[0].doc_id, "no-facts");
    assert!(hits[0].metadata.is_empty(), "{:?}", hits[0].metadata);

    // Filters select by the typed values.
    let (hits, _) = env.search("documentary AND year:[2000 TO 2010]", &["--per-doc", "1"]);
    let ids: Vec<&str> = hits.iter().map(|h| h.doc_id.as_str()).collect();
    assert_eq!(ids, ["grizzly-man"]);
    let (hits, _) = env.search("director:herzog", &["--per-doc", "1"]);
    assert_eq!(hits.len(), 1);
}

#[test]
fn boilerplate_and_title_lines_are_not_passages() {
    let env = Env::with_reviews();
    env.index();
    // The seed's second line, "Where to Watch Heroin(e)", and its title are in the file...
    let seed = std::fs::read_to_string(env.path("corpus/heroine-review.txt")).unwrap();
    assert!(seed.lines().nth(1).unwrap().starts_with("Where to Watch"));
    // ...but in no passage: no passage is the boilerplate line or the bare title.
    let (hits, out) = env.search("\"where to watch\"", &[]);
    assert_eq!(code(&out), 1, "{hits:?}");
    let (all, _) = env.search("doc_id:heroine-review", &["-n", "100"]);
    assert_eq!(all.len(), 9, "the seed's nine paragraphs");
    assert!(all
        .iter()
        .all(|h| !h.text.starts_with("Where to Watch") && h.text != "Heroin(e)"));
    // The words of the boilerplate are still found where the prose uses them.
    let (hits, _) = env.search("watch", &[]);
    assert!(hits.iter().all(|h| !h.text.starts_with("Where to Watch")));
    assert!(!hits.is_empty(), "\"a comfortable watch\" is prose");
}

#[test]
fn passages_split_on_blank_lines_and_long_lines() {
    let env = Env::empty();
    env.write(
        "corpus/wrapped.md",
        "# Wrapped\n\nfirst paragraph line one\nline two of it\n\nsecond paragraph\n",
    );
    env.index();
    let (hits, _) = env.search("paragraph", &[]);
    let mut texts: Vec<(u64, String)> = hits
        .iter()
        .map(|h| (h.passage_id, h.text.clone()))
        .collect();
    texts.sort();
    assert_eq!(
        texts,
        [
            (0, "first paragraph line one\nline two of it".to_string()),
            (1, "second paragraph".to_string())
        ]
    );
}

#[test]
fn long_paragraph_becomes_several_passages() {
    let env = Env::empty();
    let para = "The archive footage of the river town is remarkable. ".repeat(120);
    env.write("corpus/long.txt", &format!("Long\n{para}\n"));
    env.index();
    let (hits, _) = env.search("archive", &["-n", "100"]);
    assert!(hits.len() >= 3, "{} passages", hits.len());
    for h in &hits {
        assert!(h.text.len() <= 2000);
        assert!(h.text.ends_with("remarkable."));
    }
}

#[test]
fn missing_path_is_an_error_naming_it() {
    let env = Env::empty();
    let out = env.run(&["index", "no-such-folder"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("no-such-folder"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!env.path("index/meta.json").exists());
}

#[test]
fn bad_files_are_skipped_with_a_warning_and_the_rest_indexed() {
    let env = Env::with_seed();
    env.write_bytes("corpus/broken.txt", b"GIF89a\x00\x01binary");
    env.write("corpus/empty.txt", "");
    env.write("corpus/notes.csv.bak", "ignored");
    let out = env.index();
    let err = stderr(&out);
    assert!(
        err.contains("broken.txt") && err.contains("binary"),
        "{err}"
    );
    assert!(err.contains("empty.txt"), "{err}");
    assert!(err.contains("2 skipped"), "{err}");
    let (hits, _) = env.search("drug court", &[]);
    assert_eq!(hits[0].doc_id, "heroine-review");
}

#[test]
fn invalid_utf8_is_decoded_lossily() {
    let env = Env::empty();
    env.write_bytes(
        "corpus/latin1.txt",
        b"Caf\xe9 Society\nA review of a caf\xe9 documentary.\n",
    );
    env.index();
    let (hits, out) = env.search("documentary", &[]);
    assert_eq!(code(&out), 0);
    assert!(hits[0].title.starts_with("Caf"));
}

#[test]
fn rerun_replaces_the_index_contents() {
    let env = Env::with_seed();
    env.index();
    env.index();
    let (hits, _) = env.search("drug court", &["-n", "100"]);
    let firsts = hits.iter().filter(|h| h.passage_id == 2).count();
    assert_eq!(firsts, 1, "a re-run must not duplicate passages");

    std::fs::remove_file(env.path("corpus/heroine-review.txt")).unwrap();
    env.write("corpus/other.txt", "Other\nA film about lighthouses.\n");
    env.index();
    let (hits, out) = env.search("drug", &[]);
    assert_eq!(code(&out), 1, "{hits:?}");
    let (hits, _) = env.search("lighthouses", &[]);
    assert_eq!(hits[0].doc_id, "other");
}

#[test]
fn index_and_corpus_paths_can_be_given() {
    let env = Env::with_seed();
    let out = env.run(&["index", "corpus/heroine-review.txt", "--index", "idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (hits, _) = env.search("Huntington", &["--index", "idx"]);
    assert_eq!(hits[0].doc_id, "heroine-review");
    // Nested folders give ids relative to the root.
    env.write("more/2019/film.md", "# Film\n\nA film about bridges.\n");
    let out = env.run(&["index", "more", "--index", "idx2"]);
    assert_eq!(code(&out), 0);
    let (hits, _) = env.search("bridges", &["--index", "idx2"]);
    assert_eq!(hits[0].doc_id, "2019/film");
}

#[test]
fn rebuild_starts_over_and_keeps_other_files() {
    let env = Env::with_seed();
    env.write("index/README.md", "keep me");
    env.index();
    let out = env.run(&["index", "--rebuild"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(env.path("index/README.md")).unwrap(),
        "keep me"
    );
    let (hits, _) = env.search("drug court", &[]);
    assert_eq!(hits[0].passage_id, 2);
}
