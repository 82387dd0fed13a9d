//! Ordinary inputs that once broke reel: each test runs the real binary on the input that
//! failed, and checks what a user expects instead.

mod common;

use common::{code, stderr, stdout, Env};

/// The seed review plus a small catalogue (colons, apostrophes and parentheses in titles,
/// keyword lists, two rows that tie on a query).
fn catalogue() -> Env {
    let env = Env::with_seed();
    env.copy_fixtures("tests/data/catalogue");
    env.index();
    env
}

fn ids(hits: &[common::Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.doc_id.as_str()).collect()
}

// 1. The human printer cut excerpts inside multi-byte characters.

#[test]
fn human_output_cuts_on_character_boundaries() {
    let env = Env::empty();
    let noise = "“é’ ".repeat(40);
    env.write(
        "corpus/r.txt",
        &format!("Quotes\n\n{noise}target and more words after the target, {noise}\n"),
    );
    env.index();
    for color in ["never", "always"] {
        let out = env.run(&["search", "target", "--color", color]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(stdout(&out).contains("target"), "{}", stdout(&out));
        assert!(!stderr(&out).contains("internal error"), "{}", stderr(&out));
    }
}

// 2. Reviews that were silently dropped.

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

// 3. Queries that found nothing or everything.

#[test]
fn titles_with_colons_apostrophes_and_parentheses() {
    let env = catalogue();
    for (query, id) in [
        ("Narcos: Mexico", "s1"),
        ("Schindler's List", "s2"),
        ("Heroin(e)", "s3"),
    ] {
        let (hits, out) = env.search(query, &["--per-doc", "1"]);
        assert_eq!(code(&out), 0, "{query}");
        assert!(
            ids(&hits).iter().take(2).any(|h| *h == id),
            "{query}: {:?}",
            ids(&hits)
        );
        assert_eq!(hits[0].title, query, "{query}");
        assert!(
            !stderr(&out).contains("warning"),
            "{query}: {}",
            stderr(&out)
        );
    }
    // A possessive finds the name.
    let (hits, _) = env.search("Huntington's", &[]);
    assert!(hits[0].text.contains("Huntington"), "{}", hits[0].text);
}

#[test]
fn curly_quotes_make_a_phrase() {
    let env = catalogue();
    let (straight, _) = env.search("\"drug court\"", &[]);
    let (curly, out) = env.search("“drug court”", &[]);
    assert_eq!(code(&out), 0);
    assert_eq!(ids(&curly), ids(&straight));
    assert_eq!(curly.len(), 1, "only the seed passage has the phrase");
}

#[test]
fn a_query_without_a_word_to_search_matches_nothing() {
    let env = catalogue();
    for query in ["!!! ???", "\"\"", "-oscar", "NOT court"] {
        let out = env.run(&["search", "--", query]);
        assert_eq!(code(&out), 1, "{query}: {}", stdout(&out));
        assert_eq!(stdout(&out), "", "{query}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{query}: {err}");
        assert!(
            err.contains("no word to search for") || err.contains("only excludes"),
            "{query}: {err}"
        );
    }
    let out = env.run(&["search", ""]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("the query is empty"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_hits_says_so_on_stderr() {
    let env = catalogue();
    let out = env.run(&["search", "zzyzx"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "reel: no passages match \"zzyzx\"\n");
}

#[test]
fn keyword_filters_match_whole_values_and_never_change_scores() {
    let env = catalogue();
    let (hits, _) = env.search("*", &["--filter", "listed_in=Dramas", "-n", "100"]);
    let mut got = ids(&hits);
    got.sort();
    assert_eq!(got, ["s10", "s2", "s5", "s6", "s8"], "not `TV Dramas`");
    let (hits, _) = env.search("*", &["--filter", "listed_in=tv dramas", "-n", "100"]);
    assert_eq!(hits.len(), 2, "case aside");
    let (hits, out) = env.search("*", &["--filter", "country=United"]);
    assert_eq!(code(&out), 1, "{:?}", ids(&hits));
    let (hits, _) = env.search("*", &["--filter", "country=United States", "-n", "100"]);
    assert_eq!(hits.len(), 4);
    // The same query with and without a filter: the kept hits in the same order, same scores.
    let (all, _) = env.search("court drama family", &["-n", "100"]);
    let (kept, _) = env.search(
        "court drama family",
        &["-n", "100", "--filter", "type=Movie"],
    );
    assert!(!kept.is_empty() && kept.len() < all.len());
    let expected: Vec<(String, f64)> = all
        .iter()
        .filter(|h| h.metadata.get("type").and_then(|t| t.as_str()) == Some("Movie"))
        .map(|h| (h.doc_id.clone(), h.score))
        .collect();
    let got: Vec<(String, f64)> = kept.iter().map(|h| (h.doc_id.clone(), h.score)).collect();
    assert_eq!(got, expected);
}

#[test]
fn trec_runs_list_each_document_once() {
    let env = Env::with_seed();
    env.index();
    let out = env.run(&["search", "drug", "--format", "trec", "-n", "100"]);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 1, "one document: {lines:?}");
    assert!(
        lines[0].starts_with("1 Q0 heroine-review 1 "),
        "{}",
        lines[0]
    );
    let out = env.run(&["search", "drug", "--format", "trec", "--unit", "passage"]);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert!(lines.len() > 1);
    let ids: std::collections::HashSet<&str> =
        lines.iter().map(|l| l.split(' ').nth(2).unwrap()).collect();
    assert_eq!(ids.len(), lines.len(), "passage ids are unique: {lines:?}");
    assert!(lines[0].contains("heroine-review#"), "{}", lines[0]);
}

#[test]
fn the_same_files_give_the_same_results() {
    let env = Env::with_reviews();
    env.copy_fixtures("tests/data/catalogue");
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let index = format!("index-{threads}");
        let out = env.run(&["index", "--threads", threads, "--index", &index]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let mut all = String::new();
        for q in [
            "lighthouse storm",
            "court",
            "documentary",
            "*",
            "drug court",
        ] {
            let out = env.run(&["search", q, "--json", "-n", "50", "--index", &index]);
            all.push_str(&stdout(&out));
        }
        outputs.push(all);
    }
    assert_eq!(outputs[0], outputs[1]);
    // Equal scores are ordered by document id.
    let (hits, _) = env.search("lighthouse", &["--index", "index-2", "--per-doc", "1"]);
    assert_eq!(ids(&hits), ["s6", "s7"]);
    assert_eq!(hits[0].score, hits[1].score);
}

#[test]
fn query_files_with_repeated_ids_and_runs_that_meet_no_judgment() {
    let env = Env::with_seed();
    env.index();
    env.write("q.tsv", "1\tdrug court\n2\topioid\n1\theroin\n");
    let out = env.run(&["search", "--queries", "q.tsv", "--format", "trec"]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("q.tsv:3: query id `1` already used on line 1"),
        "{}",
        stderr(&out)
    );
    let qids: Vec<String> = stdout(&out)
        .lines()
        .map(|l| l.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(qids, ["1", "2"]);
    // Judgments of another collection: an error, not zeros.
    env.write(
        "other.qrels",
        "1 0 doc-from-elsewhere 1\n2 0 another-doc 1\n",
    );
    let out = env.run(&["eval", "--queries", "q.tsv", "--qrels", "other.qrels"]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no document this index returned is judged"),
        "{}",
        stderr(&out)
    );
}

// 4. Facts read from review prose.

#[test]
fn facts_in_every_phrasing() {
    let env = Env::empty();
    env.write(
        "corpus/a.txt",
        "Encounters at the End of the World (2007)\n\nDirected by Werner Herzog and Errol Morris, \
         it wanders. The film runs 2 hours and 1 minute.\n",
    );
    env.write(
        "corpus/b.txt",
        "Dick Johnson Is Dead\n\nDirector: Kirsten Johnson\nRuntime: 1h 45m\n\nA daughter stages \
         her father's death.\n",
    );
    env.write(
        "corpus/c.md",
        "---\nyear: twenty\n---\n# Late\n\nA film about a late year. It premiered in 2019.\n",
    );
    env.write(
        "corpus/d.md",
        "---\nyear: 2001\n---\n# Early\n\nAn early film.\n",
    );
    let out = env.index();
    let err = stderr(&out);
    assert!(
        err.contains("c.md: front matter `year: twenty` is not a number"),
        "{err}"
    );
    let meta = |q: &str| env.search(q, &[]).0.remove(0).metadata;
    let a = meta("wanders");
    assert_eq!(
        a["director"],
        serde_json::json!(["Werner Herzog", "Errol Morris"])
    );
    assert_eq!(a["runtime_minutes"], serde_json::json!(121));
    assert_eq!(a["year"], serde_json::json!(2007));
    assert_eq!(
        env.search("wanders", &[]).0[0].title,
        "Encounters at the End of the World"
    );
    let b = meta("daughter");
    assert_eq!(b["director"], serde_json::json!("Kirsten Johnson"));
    assert_eq!(b["runtime_minutes"], serde_json::json!(105));
    // The bad value did not turn `year` into text for the index: ranges still work.
    assert_eq!(
        meta("late")["year"],
        serde_json::json!(2019),
        "the prose fills it in"
    );
    let (hits, out) = env.search("year:[2000 TO 2002]", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(hits[0].title, "Early");
}

// 5. Export.

#[test]
fn export_refuses_a_folder_with_an_earlier_export_and_exports_an_id_once() {
    let env = Env::with_seed();
    env.write(
        "corpus/a.jsonl",
        "{\"id\":\"x1\",\"text\":\"first\"}\n{\"id\":\"x1\",\"text\":\"again\"}\n",
    );
    let out = env.run(&["export", "--to", "quickwit", "out"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "duplicate document id `x1`: corpus/a.jsonl line 2 skipped, corpus/a.jsonl line 1 kept"
        ),
        "{}",
        stderr(&out)
    );
    let data = std::fs::read_to_string(env.path("out/passages-00001.ndjson")).unwrap();
    assert_eq!(data.matches("\"doc_id\":\"x1\"").count(), 1);
    // Again into the same folder: refused, then replaced with --force.
    let out = env.run(&["export", "--to", "quickwit", "out"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    std::fs::write(env.path("out/passages-00009.ndjson"), "stale").unwrap();
    let out = env.run(&["export", "--to", "quickwit", "out", "--force"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        !env.path("out/passages-00009.ndjson").exists(),
        "stale file left"
    );
    // Other files are never removed.
    std::fs::write(env.path("out/notes.txt"), "mine").unwrap();
    let out = env.run(&["export", "--to", "quickwit", "out", "--force"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("(notes.txt)")
            && stderr(&out).contains("--force removes only an earlier export's own files"),
        "{}",
        stderr(&out)
    );
    assert!(env.path("out/notes.txt").exists());
    // Index names the engines refuse.
    for (to, id) in [
        ("quickwit", "1reel"),
        ("elasticsearch", "Reel"),
        ("elasticsearch", "a:b"),
    ] {
        let out = env.run(&["export", "--to", to, "fresh", "--index-id", id]);
        assert_eq!(code(&out), 2, "{to} {id}");
        assert!(stderr(&out).contains("--index-id"), "{}", stderr(&out));
    }
}

// 6. Error messages and exit codes.

#[test]
fn errors_are_one_line_say_things_once_and_name_the_real_folder() {
    let env = Env::with_seed();
    env.write("afile", "x");
    let out = env.run(&["index", "--index", "afile/sub"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(err.matches("os error").count(), 1, "said twice: {err}");

    // A damaged index named by its own folder: an index whose files of one kind are
    // overwritten, then searched (exit 2, stderr).
    let damaged = |dir: &str, ext: &str| {
        env.run(&["index", "--index", dir]);
        for entry in std::fs::read_dir(env.path(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == ext) {
                std::fs::write(&path, b"garbage").unwrap();
            }
        }
        let out = env.run(&["search", "drug", "--index", dir]);
        assert_eq!(code(&out), 2);
        stderr(&out)
    };
    let err = damaged("dmg", "term");
    assert!(err.starts_with("reel: dmg: index damaged"), "{err}");
    assert!(
        !err.contains("IoError") && !err.contains("tantivy"),
        "{err}"
    );
    // Stored text overwritten: tantivy's reader panics on it, and its words stay out.
    assert_eq!(
        damaged("dmg2", "store"),
        "reel: dmg2: index damaged: a file of it does not hold what its commit says \
         (run `reel verify` for details, `reel index --rebuild` to recreate it)\n"
    );

    // A range on a field that holds text, in words a user knows.
    env.index();
    let out = env.run(&["search", "director:[a TO b]"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("`director` holds text in this index; ranges need numbers"),
        "{err}"
    );
    assert!(!err.contains("RangeQuery"), "{err}");
    // Such an error says where the clause is, as a parse repair does (characters from 0).
    let out = env.run(&["search", "“drug” court year:2017 YEAR:abc"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim(),
        "reel: query: position 23: `year` holds numbers; `abc` is not a number"
    );

    // Paths with no document at all: a warning and exit 2, nothing created.
    std::fs::create_dir_all(env.path("empty")).unwrap();
    let out = env.run(&["index", "empty", "--index", "fresh"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no document to index in empty"),
        "{}",
        stderr(&out)
    );
    assert!(!env.path("fresh").exists(), "no index left behind");
}

#[test]
fn excluded_phrases_leave_exactly_the_other_hits() {
    // `rating!=TV-MA` and `NOT "…"` exclude a phrase whose first passage can come after the
    // query's first: the excluded clause must never be sought backwards (a debug build stopped
    // with "index damaged: … target should be greater than or equal to doc").
    let env = catalogue();
    for query in ["a", "the", "*", "drama OR court OR storm"] {
        let (all, _) = env.search(query, &["-n", "100"]);
        let rating = |h: &common::Hit| {
            h.metadata
                .get("rating")
                .and_then(|r| r.as_str())
                .map(str::to_string)
        };
        let expected: Vec<(String, u64)> = all
            .iter()
            .filter(|h| rating(h).as_deref() != Some("TV-MA"))
            .map(|h| (h.doc_id.clone(), h.passage_id))
            .collect();
        assert!(expected.len() < all.len(), "{query}: some hits are TV-MA");
        let (kept, out) = env.search(query, &["-n", "100", "--filter", "rating!=TV-MA"]);
        assert_eq!(code(&out), 0, "{query}: {}", stderr(&out));
        let got: Vec<(String, u64)> = kept
            .iter()
            .map(|h| (h.doc_id.clone(), h.passage_id))
            .collect();
        assert_eq!(got, expected, "{query} with --filter rating!=TV-MA");
        let (kept, out) = env.search(&format!("{query} NOT rating:\"TV-MA\""), &["-n", "100"]);
        assert_eq!(code(&out), 0, "{query}: {}", stderr(&out));
        assert!(
            kept.iter().all(|h| rating(h).as_deref() != Some("TV-MA")),
            "{query} NOT rating:\"TV-MA\": {:?}",
            ids(&kept)
        );
        assert!(!kept.is_empty(), "{query} NOT rating:\"TV-MA\"");
    }
}
