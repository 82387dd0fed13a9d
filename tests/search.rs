//! `reel search`: the seed queries, the JSON contract, query syntax, exit codes, colour.

mod common;

use common::{code, ids, stderr, stdout, Env};

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

// Excerpts cut on character boundaries (the human printer once cut inside them).

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

// Queries that once found nothing or everything.

#[test]
fn titles_with_colons_apostrophes_and_parentheses() {
    let env = Env::with_catalogue();
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
    let env = Env::with_catalogue();
    let (straight, _) = env.search("\"drug court\"", &[]);
    let (curly, out) = env.search("“drug court”", &[]);
    assert_eq!(code(&out), 0);
    assert_eq!(ids(&curly), ids(&straight));
    assert_eq!(curly.len(), 1, "only the seed passage has the phrase");
}

#[test]
fn a_query_without_a_word_to_search_matches_nothing() {
    let env = Env::with_catalogue();
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
    let env = Env::with_catalogue();
    let out = env.run(&["search", "zzyzx"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "reel: no passages match \"zzyzx\"\n");
}

#[test]
fn keyword_filters_match_whole_values_and_never_change_scores() {
    let env = Env::with_catalogue();
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

#[test]
fn count_prints_how_many_match_as_rg_count_does() {
    let env = seed();
    // Two passages name Huntington; they are of one document.
    let out = env.run(&["search", "--count", "Huntington"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), "2\n");
    let out = env.run(&["search", "--count", "--unit", "doc", "Huntington"]);
    assert_eq!(stdout(&out), "1\n");
    let out = env.run(&["search", "--count", "--per-doc", "1", "Huntington"]);
    assert_eq!(stdout(&out), "1\n");
    // Every passage, not only the first page of hits.
    let (hits, _) = env.search("the", &["-n", "1000"]);
    let out = env.run(&["search", "--count", "-n", "1", "the"]);
    assert_eq!(stdout(&out), format!("{}\n", hits.len()));
    // None: 0 and exit 1, as grep.
    let out = env.run(&["search", "--count", "zanzibar"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "0\n");
    // A file of queries: one line each.
    env.write("q.tsv", "a\tHuntington\nb\tzanzibar\n");
    let out = env.run(&["search", "--count", "--queries", "q.tsv"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), "a\t2\nb\t0\n");
    // With a format it means nothing: refused.
    let out = env.run(&["search", "--count", "--json", "court"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn at_a_terminal_the_hits_end_with_how_many_matched() {
    let env = seed();
    let test = "at_a_terminal_the_hits_end_with_how_many_matched";
    let Some(out) = env.on_terminal(test, "reel search -n 1 Huntington", &[]) else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("2 passages in 1 document (1 shown)"),
        "{text}"
    );
    // Into a pipe, nothing but the hits.
    let out = env.run(&["search", "-n", "1", "Huntington"]);
    assert!(!stdout(&out).contains("passages in"));
    assert!(!stderr(&out).contains("passages in"));
}

#[test]
fn on_a_terminal_passages_wrap_to_its_width_at_word_boundaries() {
    let env = seed();
    let test = "on_a_terminal_passages_wrap_to_its_width_at_word_boundaries";
    let line = "reel search -n 2 --color never 'drug court'";
    let Some(out) = env.on_terminal(test, line, &[("COLUMNS", "40".as_ref())]) else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let body: Vec<&str> = text.lines().filter(|l| l.starts_with("    ")).collect();
    assert!(body.len() > 6, "{text}");
    for l in &body {
        assert!(l.chars().count() <= 40, "{l:?} is wider than 40: {text}");
    }
    // Words stay whole: the passage's text, unwrapped, is the one printed into a pipe.
    let joined = body.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
    assert!(
        joined.contains("Judge Patricia Keller presides over Drug Court, working to break"),
        "{joined}"
    );
    // Into a pipe, one line per passage, however long.
    let piped = stdout(&env.run(&["search", "-n", "1", "drug court"]));
    assert!(piped.lines().any(|l| l.chars().count() > 200), "{piped}");
}

#[test]
fn a_sorted_hit_shows_the_value_it_was_ordered_by() {
    let env = Env::with_seed();
    env.copy_fixtures("tests/data/keyword");
    env.index();
    let (hits, out) = env.search("*", &["--sort", "release_year:asc", "-n", "5"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let years: Vec<i64> = hits
        .iter()
        .map(|h| {
            let s = h.sorted_by.as_ref().expect("sorted_by");
            assert_eq!(s["field"], "release_year");
            s["value"].as_i64().expect("a year")
        })
        .collect();
    assert!(years.windows(2).all(|w| w[0] <= w[1]), "{years:?}");
    // Not sorting: no such field in the JSON.
    let out = env.run(&["search", "--json", "court"]);
    assert!(!stdout(&out).contains("sorted_by"));
    // For people, on each hit's first line.
    let out = env.run(&["search", "*", "--sort", "release_year:asc", "-n", "1"]);
    let first = stdout(&out).lines().next().unwrap_or_default().to_string();
    assert!(
        first.ends_with(&format!("release_year {}", years[0])),
        "{first}"
    );
}

#[test]
fn glob_and_source_limit_a_search_to_part_of_the_corpus() {
    let env = Env::empty();
    env.write(
        "c/f2019/opening.txt",
        "Opening night\n\nThe drug court film opened.\n",
    );
    env.write(
        "c/f2020/opening.txt",
        "Opening night\n\nA drug court story opened.\n",
    );
    env.write(
        "c/drafts/notes.md",
        "# Draft\n\nDrug court notes, unfinished.\n",
    );
    env.write("c/日本/忍者.txt", "忍者\n\nA drug court in Tokyo.\n");
    let out = env.run(&["index", "c"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let sources = |extra: &[&str]| {
        let (hits, out) = env.search("drug court", extra);
        assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
        let mut s: Vec<String> = hits.into_iter().map(|h| h.source).collect();
        s.sort();
        s
    };
    assert_eq!(sources(&[]).len(), 4);
    // A glob without a slash: a file's or a folder's name.
    assert_eq!(sources(&["-g", "*.md"]), ["c/drafts/notes.md"]);
    assert_eq!(sources(&["--glob", "f2019"]), ["c/f2019/opening.txt"]);
    assert_eq!(sources(&["-g", "忍者*"]), ["c/日本/忍者.txt"]);
    // Excluding, and several including globs (any of them).
    assert_eq!(sources(&["-g", "!drafts", "-g", "!日本"]).len(), 2);
    assert_eq!(sources(&["-g", "f2019", "-g", "f2020"]).len(), 2);
    assert_eq!(sources(&["-g", "*.txt", "-g", "!f2019"]).len(), 2);
    // With a slash: the path from here; `*` stops at `/`.
    assert_eq!(sources(&["-g", "c/*/*.txt"]).len(), 3);
    assert!(sources(&["-g", "c/*.txt"]).is_empty());
    // A file or a folder, from here or from anywhere.
    assert_eq!(sources(&["--source", "c/f2020"]), ["c/f2020/opening.txt"]);
    assert_eq!(
        sources(&["--source", "./c/f2020/opening.txt"]),
        ["c/f2020/opening.txt"]
    );
    assert_eq!(
        sources(&["--source", "!c/f2020", "--source", "!c/日本"]).len(),
        2
    );
    let abs = env.path("c/drafts").display().to_string();
    assert_eq!(sources(&["--source", &abs]), ["c/drafts/notes.md"]);
    // With filters, counts, queries files and the other output formats.
    let out = env.run(&["search", "--count", "-g", "f20*", "drug"]);
    assert_eq!(stdout(&out), "2\n");
    let out = env.run(&["search", "--count", "-g", "nothing-here", "drug"]);
    assert_eq!((code(&out), stdout(&out)), (1, "0\n".to_string()));
    env.write("q.tsv", "a\tdrug court\nb\topened\n");
    let out = env.run(&[
        "search",
        "--queries",
        "q.tsv",
        "--format",
        "trec",
        "-g",
        "f2019",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let run = stdout(&out);
    let docs: Vec<&str> = run.lines().map(|l| l.split(' ').nth(2).unwrap()).collect();
    assert_eq!(docs, ["f2019/opening", "f2019/opening"]);
    // A glob that is no glob: exit 2, named.
    let out = env.run(&["search", "-g", "c/[", "drug"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--glob 'c/['"), "{}", stderr(&out));
}
