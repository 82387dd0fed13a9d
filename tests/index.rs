//! `reel index`: defaults, metadata from review sentences, bad inputs, re-runs.

mod common;

use common::{code, stderr, stdout, Env};
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
    // (`doc_id:` answers with the document once; every passage of it is `*` filtered to it.)
    let (one, _) = env.search("doc_id:heroine-review", &["-n", "100"]);
    assert_eq!(one.len(), 1, "{one:?}");
    let (all, _) = env.search("*", &["--filter", "doc_id=heroine-review", "-n", "100"]);
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

// Reviews that were once silently dropped.

#[test]
fn a_one_line_file_is_a_document() {
    let env = Env::empty();
    let review = "A one-line review of a film that I found moving and worth watching again soon.";
    env.write("corpus/0_9.txt", &format!("{review}\n"));
    env.write("corpus/heading.md", "Short Heading\n");
    let out = env.index();
    assert!(stderr(&out).contains("2 documents"), "{}", stderr(&out));
    let (hits, _) = env.search("moving", &[]);
    assert_eq!(hits[0].text, review);
    assert_eq!(
        hits[0].title, "0_9",
        "a long line is no title: the file name is"
    );
    let (hits, _) = env.search("heading", &[]);
    assert_eq!(hits[0].title, "Short Heading");
    assert_eq!(hits[0].text, "Short Heading");
}

#[test]
fn a_title_without_text_is_found_by_its_title() {
    let env = Env::empty();
    env.write(
        "corpus/t.csv",
        "id,title,description\n1,Lonely Lighthouse,\n",
    );
    env.write("corpus/t.md", "---\ntitle: Quiet Harbour\n---\n");
    env.index();
    let (hits, out) = env.search("lighthouse", &[]);
    assert_eq!(code(&out), 0);
    assert_eq!(hits[0].title, "Lonely Lighthouse");
    let (hits, _) = env.search("harbour", &[]);
    assert_eq!(hits[0].title, "Quiet Harbour");
    let text = stdout(&env.run(&["search", "harbour"]));
    assert_eq!(text.lines().count(), 1, "the title line alone: {text}");
}

#[test]
fn indexing_a_file_adds_it_to_what_the_index_follows() {
    let env = Env::with_seed();
    let out = env.index();
    assert!(
        stderr(&out).contains("following corpus"),
        "{}",
        stderr(&out)
    );
    env.write("extra/bears.txt", "Bears\n\nA new review about bears.\n");
    let out = env.run(&["index", "extra/bears.txt"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("1 added, 0 changed, 0 removed, 1 unchanged"),
        "{err}"
    );
    assert!(err.contains("following corpus, extra/bears.txt"), "{err}");
    // Nothing of the catalogue was lost.
    assert_eq!(env.search("heroin", &[]).0[0].doc_id, "heroine-review");
    assert_eq!(env.search("bears", &[]).0[0].doc_id, "bears");
    // A plain `reel index` brings every followed path up to date.
    env.write(
        "extra/bears.txt",
        "Bears\n\nA changed review about grizzlies.\n",
    );
    env.write("corpus/more.txt", "More\n\nA review about wolves.\n");
    let out = env.index();
    let err = stderr(&out);
    assert!(
        err.contains("1 added, 1 changed, 0 removed, 1 unchanged"),
        "{err}"
    );
    assert_eq!(env.search("grizzlies", &[]).0.len(), 1);
    // --forget stops following a path; its documents go.
    let out = env.run(&["index", "--forget", "extra/bears.txt"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("following corpus\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(code(&env.run(&["search", "grizzlies"])), 1);
    assert_eq!(env.search("wolves", &[]).0.len(), 1);
    // A followed path that is gone keeps its documents, with a warning.
    std::fs::rename(env.path("corpus"), env.path("away")).unwrap();
    let out = env.index();
    assert!(
        stderr(&out).contains("corpus: no such file or folder"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.search("wolves", &[]).0.len(), 1);
    // Forgetting the last path empties the index and says so; a search says why it finds
    // nothing; an update then needs a path, and a path fills it again.
    let out = env.run(&["index", "--forget", "corpus"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("following nothing"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["search", "wolves"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("index holds no passages"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("follows no file or folder"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["index", "away"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(env.search("wolves", &[]).0.len(), 1);
}

#[test]
fn unsupported_files_are_counted_and_named_with_verbose() {
    let env = Env::with_seed();
    for name in ["a.docx", "b.docx", "c.pdf", "notes"] {
        env.write(&format!("corpus/{name}"), "x");
    }
    let out = env.index();
    let err = stderr(&out);
    assert!(
        err.contains(
            "4 files of unsupported types skipped: (no extension) (1), .docx (2), .pdf (1)"
        ),
        "{err}"
    );
    assert!(!err.contains("a.docx"), "named only with -v: {err}");
    let out = env.run(&["index", "-v", "--rebuild"]);
    assert!(
        stderr(&out).contains("corpus/a.docx: unsupported file type"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_first_build_without_corpus_says_to_give_a_path() {
    // No index and no `corpus/`: nothing is followed yet, so no "documents stay" warning.
    let env = Env::empty();
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "reel: corpus: no such file or directory (give a file or folder to index)\n"
    );
    let out = env.run(&["stats"]);
    assert_eq!(code(&out), 2, "no index was left behind");
}

#[test]
fn a_folder_of_unsupported_files_says_what_it_holds_and_what_reel_reads() {
    let env = Env::empty();
    env.write("corpus/reviews.zip", "PK");
    env.write("corpus/notes.pdf", "%PDF");
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("only files of types reel does not read: .pdf (1), .zip (1); it reads .txt"),
        "{err}"
    );
    assert!(err.contains("the index is unchanged"), "{err}");
}

#[test]
fn a_csv_without_header_or_text_column_is_reported() {
    let env = Env::empty();
    env.write(
        "corpus/nohead.csv",
        "1,2017,Some film,A long description of a film\n2,2018,Other film,Another one\n",
    );
    env.write(
        "corpus/notext.csv",
        "id,year,blurb\n1,2017,A long blurb about the film\n",
    );
    let out = env.index();
    let err = stderr(&out);
    assert!(
        err.contains("nohead.csv: the first row looks like data, not column names (`1`, `2017`)"),
        "{err}"
    );
    assert!(
        err.contains("notext.csv: no column is read as text, so documents are found by title and metadata only; name the text column with --text-field blurb (columns seen: id, year, blurb)"),
        "{err}"
    );
    assert_eq!(err.matches("notext.csv").count(), 1, "once per file: {err}");
}

#[test]
fn the_index_folder_is_never_the_corpus_or_a_folder_of_other_files() {
    let env = Env::with_seed();
    let out = env.run(&["index", "corpus", "--index", "corpus"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("this folder is being indexed"),
        "{}",
        stderr(&out)
    );
    assert!(!env.path("corpus/meta.json").exists());

    // A folder of the user's files: refused, nothing written, nothing removed.
    let user = [
        ".tmp123",
        "reel-files-x.json",
        "0123456789abcdef0123456789abcdef.idx",
        "notes.txt",
    ];
    for name in user {
        env.write(&format!("mine/{name}"), "the user's");
    }
    let out = env.run(&["index", "corpus", "--index", "mine"]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(
        stderr(&out).contains("mine: not a reel index and not empty"),
        "{}",
        stderr(&out)
    );
    let mut left: Vec<String> = std::fs::read_dir(env.path("mine"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut expected: Vec<String> = user.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(left, expected, "nothing written, nothing removed");
    // A README in an otherwise empty folder is fine (the repository's index/ has one).
    env.write("withreadme/README.md", "the index goes here");
    let out = env.run(&["index", "corpus", "--index", "withreadme"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn clean_up_removes_only_what_reel_or_tantivy_made() {
    let env = Env::with_seed();
    env.index();
    // The user puts files that look like reel's into the index folder.
    let user = [
        ".tmp123",
        "reel-files-x.json",
        "0123456789abcdef0123456789abcdef.idx",
    ];
    for name in user {
        env.write(&format!("index/{name}"), "the user's");
    }
    env.write("corpus/more.txt", "More\n\nWolves.\n");
    env.index();
    env.run(&["index", "--rebuild"]);
    for name in user {
        assert!(
            env.path(&format!("index/{name}")).exists(),
            "{name} was removed"
        );
    }
}

#[test]
fn an_interrupted_run_says_so_and_leaves_the_last_commit() {
    let env = Env::with_seed();
    env.index();
    // A run long enough to interrupt: 300,000 records.
    let mut big = String::with_capacity(30_000_000);
    for i in 0..300_000 {
        big.push_str(&format!(
            "{{\"id\":\"r{i}\",\"title\":\"Review {i}\",\"text\":\"A film about river number {i} and its people.\"}}\n"
        ));
    }
    env.write("corpus/big.jsonl", &big);
    #[allow(deprecated)]
    let bin = assert_cmd::cargo::cargo_bin("reel");
    let child = std::process::Command::new(bin)
        .current_dir(env.path(""))
        .env_clear()
        .arg("index")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: a signal to our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.trim_end()
            .ends_with("reel: interrupted; the index is unchanged at its last commit"),
        "{err}"
    );
    // The seed is searchable, none of the new records is.
    let (hits, _) = env.search("drug court", &[]);
    assert!(!hits.is_empty());
    let out = env.run(&["search", "--count", "river"]);
    assert_eq!(stdout(&out), "0\n");
    // And the next run indexes everything.
    env.index();
    let out = env.run(&["search", "--count", "--unit", "doc", "river"]);
    assert_eq!(stdout(&out), "300000\n");
}

#[test]
fn a_file_that_gives_nothing_new_is_said_so_not_indexed_0_documents() {
    let env = Env::empty();
    env.write("j1.jsonl", "{\"id\":\"x\",\"text\":\"the drug court\"}\n");
    env.write("j2.jsonl", "{\"id\":\"x\",\"text\":\"another court\"}\n");
    assert_eq!(code(&env.run(&["index", "j1.jsonl"])), 0);
    let out = env.run(&["index", "j2.jsonl"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains("indexed 0 documents"), "{err}");
    assert!(
        err.contains("read 1 file (") && err.contains("found no new document in it"),
        "{err}"
    );
    assert!(err.contains("duplicate document id `x`"), "{err}");
}
