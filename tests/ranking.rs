//! Keyword queries as people type them: the passage with every word first, whole names above
//! parts of them, why and where each hit matched, typos, one metadata vocabulary across
//! sources, and batch expansion that leaves keyword queries alone.
//!
//! The fixture (tests/data/keyword/catalogue.csv) is a slice of a streaming catalogue in its
//! own format (`release_year`, `duration`, `listed_in`), next to the seed review.

mod common;

use common::{code, ids, stderr, stdout, Env};

fn catalogue() -> Env {
    let env = Env::with_seed();
    env.copy_fixtures("tests/data/keyword");
    env.index();
    env
}

/// Documents in rank order, each once.
fn doc_order(env: &Env, query: &str) -> Vec<String> {
    let (hits, out) = env.search(query, &["--per-doc", "1", "-n", "20"]);
    assert_eq!(code(&out), 0, "{query}: {}", stderr(&out));
    hits.into_iter().map(|h| h.doc_id).collect()
}

#[test]
fn drug_court_puts_the_passage_with_both_words_first() {
    let env = catalogue();
    let (hits, _) = env.search("drug court", &["-n", "5"]);
    assert_eq!(hits[0].doc_id, "heroine-review");
    assert!(
        hits[0].text.contains("presides over Drug Court"),
        "{}",
        hits[0].text
    );
    // Short texts with one of the two words come after, well below it.
    let court_only = hits.iter().position(|h| h.doc_id == "k1").unwrap();
    assert!(court_only > 0);
    assert!(hits[court_only].score < hits[0].score / 2.0, "{hits:?}");
    // Order does not matter to the words, only to the proximity bonus.
    let (hits, _) = env.search("court drug", &["-n", "1"]);
    assert_eq!(hits[0].doc_id, "heroine-review");
    // Nor do parentheses around optional words, or one left open: the same ranking, scores
    // included.
    let plain = env.search("drug court", &["-n", "10"]).0;
    for q in ["(drug court)", "drug (court)", "(drug court"] {
        let (hits, out) = env.search(q, &["-n", "10"]);
        assert_eq!(code(&out), 0, "{q}: {}", stderr(&out));
        assert_eq!(hits, plain, "{q}");
    }
}

#[test]
fn a_title_typed_whole_ranks_its_document_first() {
    let env = Env::empty();
    env.write(
        "corpus/films.csv",
        "id,title,description\n\
         v1,Virunga,Rangers risk their lives to protect the last mountain gorillas.\n\
         v2,Virunga: Gorillas in Peril,\"In Virunga, the park of Virunga, rangers of Virunga \
         face poachers.\"\n\
         i1,The Irishman,A hit man looks back on his life in organized crime.\n\
         i2,The Irishman: In Conversation,\"The director and cast of The Irishman discuss \
         The Irishman, its making and the Irishman himself.\"\n\
         i3,Kill the Irishman,An Irishman takes on the mob in Cleveland.\n",
    );
    env.index();
    assert_eq!(doc_order(&env, "Virunga")[..2], ["v1", "v2"]);
    assert_eq!(doc_order(&env, "virunga")[..2], ["v1", "v2"], "case aside");
    assert_eq!(doc_order(&env, "The Irishman")[0], "i1");
    // Only the whole title: a part of it, or more than it, is ranked by the words alone.
    assert_eq!(doc_order(&env, "Irishman")[0], "i2");
    assert_eq!(doc_order(&env, "Irishman conversation")[0], "i2");
    // A file of queries ranks them the same, scores included (a file's queries are read
    // without their stop words, so only a title without any is whole there).
    env.write("q.tsv", "a\tVirunga\nb\tvirunga\n");
    let out = env.run(&[
        "search",
        "--queries",
        "q.tsv",
        "--format",
        "trec",
        "--unit",
        "doc",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let trec = stdout(&out);
    let firsts: Vec<&str> = trec
        .lines()
        .filter(|l| l.split(' ').nth(3) == Some("1"))
        .map(|l| l.split(' ').nth(2).unwrap())
        .collect();
    assert_eq!(firsts, ["v1", "v1"]);
    let (one, _) = env.search("Virunga", &["--unit", "doc"]);
    let batch_score: f64 = trec
        .lines()
        .next()
        .unwrap()
        .split(' ')
        .nth(4)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (one[0].score - batch_score).abs() < 1e-5,
        "{} {batch_score}",
        one[0].score
    );
}

#[test]
fn whole_names_rank_above_parts_of_them() {
    let env = catalogue();
    let order = doc_order(&env, "Martin Scorsese");
    assert_eq!(order[..3].len(), 3);
    let mut top: Vec<&str> = order[..3].iter().map(String::as_str).collect();
    top.sort_unstable();
    assert_eq!(top, ["k5", "k6", "k8"], "the three films by him: {order:?}");
    let steve = order
        .iter()
        .position(|d| d == "k7")
        .expect("Steve Martin still found");
    assert!(steve >= 3, "{order:?}");

    let order = doc_order(&env, "Raúl Campos");
    assert_eq!(order[0], "k12", "{order:?}");
    let order = doc_order(&env, "Elaine McMillion Sheldon");
    assert!(
        order[..2].contains(&"heroine-review".to_string()),
        "{order:?}"
    );
    assert!(order[..2].contains(&"k11".to_string()), "{order:?}");
    let order = doc_order(&env, "Oscar nominee");
    assert_eq!(&order[..2], ["k14", "heroine-review"], "{order:?}");
}

#[test]
fn a_hit_says_why_it_matched() {
    let env = catalogue();
    let (hits, _) = env.search("Huntington", &["--per-doc", "1"]);
    assert_eq!(hits[0].doc_id, "heroine-review", "the text match first");
    let sleepover = hits.iter().find(|h| h.doc_id == "k3").expect("cast match");
    assert!(sleepover.highlights.is_empty(), "not in its text");
    let m = &sleepover.metadata_matches;
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].field, "cast");
    let [a, b] = m[0].highlights[0];
    assert_eq!(&m[0].value[a..b], "Huntington");
    assert!(m[0].value.contains("Sam Huntington"));

    // Title matches are highlighted too.
    let (hits, _) = env.search("court", &["--per-doc", "1"]);
    let k1 = hits.iter().find(|h| h.doc_id == "k1").unwrap();
    assert_eq!(k1.title_highlights.len(), 1);
    let [a, b] = k1.title_highlights[0];
    assert_eq!(&k1.title[a..b], "Court");

    // A field query names its field; a number matches as the word it is.
    let (hits, _) = env.search("director:scorsese", &["--per-doc", "1"]);
    assert!(hits
        .iter()
        .all(|h| h.metadata_matches.iter().any(|m| m.field == "director")));
    let (hits, _) = env.search("2004", &["--per-doc", "1"]);
    let fields: Vec<&str> = hits[0]
        .metadata_matches
        .iter()
        .map(|m| m.field.as_str())
        .collect();
    assert_eq!(
        fields,
        ["release_year"],
        "the column, not the year reel derived from it"
    );

    // Human output: the matched field on its own line, with the matched words.
    let out = env.run(&["search", "Huntington", "--per-doc", "1"]);
    let text = stdout(&out);
    assert!(text.contains("    cast: …"), "{text}");
    assert!(text.contains("Sam Huntington"), "{text}");
    let out = env.run(&["search", "Huntington", "--color", "always"]);
    assert!(
        stdout(&out).contains("\x1b[1;31mHuntington\x1b[0m"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_hit_says_where_it_is() {
    let env = catalogue();
    let (hits, _) = env.search("drug court", &["-n", "1"]);
    // The seed review: title, a line, then the paragraphs, one a line.
    let seed = std::fs::read_to_string(env.path("corpus/heroine-review.txt")).unwrap();
    let line = seed
        .lines()
        .position(|l| l.contains("presides over Drug Court"))
        .unwrap() as u64
        + 1;
    assert_eq!(hits[0].line, line);
    let human = stdout(&env.run(&["search", "drug court", "-n", "1"]));
    assert!(
        human.contains(&format!("corpus/heroine-review.txt:{line}")),
        "{human}"
    );

    // A record: the line its row starts on, counting rows that span lines.
    let csv = std::fs::read_to_string(env.path("corpus/catalogue.csv")).unwrap();
    let expected = |id: &str| {
        csv.lines()
            .position(|l| l.starts_with(&format!("{id},")))
            .unwrap() as u64
            + 1
    };
    for (query, id) in [
        ("sleepover", "k3"),
        ("lighthouse", "k17"),
        ("hospital", "k18"),
    ] {
        let (hits, _) = env.search(query, &["-n", "1"]);
        assert_eq!(hits[0].doc_id, id);
        assert_eq!(hits[0].line, expected(id), "{id}");
        assert_eq!(hits[0].source, "corpus/catalogue.csv");
    }
    // k18 comes after the row with a line break inside its description.
    assert_eq!(expected("k18"), 20);
    let human = stdout(&env.run(&["search", "hospital", "-n", "1"]));
    assert!(human.contains("corpus/catalogue.csv:20"), "{human}");
}

#[test]
fn typos_get_a_suggestion_and_never_move_exact_matches() {
    let env = catalogue();
    let out = env.run(&["search", "huntingdon"]);
    // "Huntingdon" is in one description, so this finds that; no suggestion for a word found.
    assert_eq!(code(&out), 0);
    assert!(!stderr(&out).contains("did you mean"));

    let out = env.run(&["search", "huntingtn"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("reel: no passages match \"huntingtn\""),
        "{err}"
    );
    assert!(err.contains("reel: did you mean: huntington"), "{err}");

    // The word found is shown as written in the index, not as its stem.
    let out = env.run(&["search", "heroine adiction"]);
    assert_eq!(code(&out), 0, "heroine alone finds the review");
    assert!(
        stderr(&out).contains("reel: did you mean: heroine addiction"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["search", "--json", "drug cuort"]);
    assert!(stderr(&out).contains("did you mean: drug court"));
    assert!(
        stdout(&out).lines().all(|l| l.starts_with('{')),
        "stdout stays JSON"
    );

    // Fuzzy words: `~1` finds both spellings, the exact one first.
    let order = doc_order(&env, "huntington~1");
    let exact = order.iter().position(|d| d == "heroine-review").unwrap();
    let near = order
        .iter()
        .position(|d| d == "k16")
        .expect("Huntingdon found");
    assert!(exact < near, "{order:?}");
    let order = doc_order(&env, "huntingdon~1");
    assert_eq!(order[0], "k16", "the exact spelling first: {order:?}");
    assert!(order.contains(&"heroine-review".to_string()), "{order:?}");
    let (hits, _) = env.search("huntingdon~1", &[]);
    let seed = hits.iter().find(|h| h.doc_id == "heroine-review").unwrap();
    let [a, b] = seed.highlights[0];
    assert_eq!(
        &seed.text[a..b],
        "Huntington",
        "fuzzy matches are highlighted"
    );

    // A short word is not corrected to a word with a letter dropped or added (`ATT`, an
    // acronym, is not `at`), but is to one with a letter changed.
    let out = env.run(&["search", "ATT"]);
    assert_eq!(code(&out), 1);
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
    let out = env.run(&["search", "drug cuort"]);
    assert!(stderr(&out).contains("did you mean: drug court"));

    // Nothing close: no suggestion.
    let out = env.run(&["search", "xqzzyv"]);
    assert_eq!(code(&out), 1);
    assert!(!stderr(&out).contains("did you mean"));

    // A stem close to the typed word's stem whose word is not close to it: no suggestion
    // (`scorsese` stems two edits from `score`, but the words are three apart).
    let seed = Env::with_seed();
    seed.index();
    let out = seed.run(&["search", "scorsese"]);
    assert_eq!(code(&out), 1);
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
}

#[test]
fn one_vocabulary_covers_catalogues_and_reviews() {
    let env = catalogue();
    let (hits, _) = env.search("sleepover", &["-n", "1"]);
    let m = &hits[0].metadata;
    assert_eq!(m["year"], 2004);
    assert_eq!(m["release_year"], 2004, "the column is kept");
    assert_eq!(m["runtime_minutes"], 89);
    assert_eq!(m["duration"], "89 min");
    assert_eq!(
        m["genres"],
        serde_json::json!(["Comedies", "Romantic Movies"])
    );
    let (hits, _) = env.search("hospital", &["-n", "1"]);
    assert_eq!(hits[0].metadata["seasons"], 2);
    assert!(!hits[0].metadata.contains_key("runtime_minutes"));

    // One filter over the review (its prose says 2017) and the catalogue's release_year.
    let (hits, _) = env.search(
        "*",
        &["--filter", "year>=2017", "--per-doc", "1", "-n", "50"],
    );
    let mut found = ids(&hits);
    found.sort_unstable();
    assert_eq!(
        found,
        [
            "heroine-review",
            "k1",
            "k10",
            "k11",
            "k12",
            "k18",
            "k5",
            "k6",
            "k7"
        ]
    );
    // One sort over both: the review's 40 minutes and the catalogue's films.
    let (hits, _) = env.search(
        "*",
        &["--sort", "runtime_minutes:asc", "--per-doc", "1", "-n", "3"],
    );
    assert_eq!(ids(&hits), ["heroine-review", "k12", "k7"]);
    let (hits, _) = env.search("*", &["--filter", "genres=Documentaries", "--per-doc", "1"]);
    let mut found = ids(&hits);
    found.sort_unstable();
    assert_eq!(found, ["k11", "k14", "k5"]);

    // The human summary shows the fact once, by reel's name.
    let human = stdout(&env.run(&["search", "sleepover", "-n", "1"]));
    let summary = human.lines().nth(1).unwrap();
    assert!(summary.contains("year 2004"), "{summary}");
    assert!(!summary.contains("release_year"), "{summary}");
    assert!(summary.contains("runtime_minutes 89"), "{summary}");

    // A comparison on the text column says where its numbers are.
    let out = env.run(&["search", "x", "--filter", "duration>=90"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "reel: --filter 'duration>=90': `duration` holds text; compare it with = or != \
         (its numbers are in `runtime_minutes` and `seasons`)\n"
    );
    let out = env.run(&["search", "duration:[90 TO 120]"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).ends_with("(its numbers are in `runtime_minutes` and `seasons`)\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn batch_expansion_leaves_keyword_queries_alone() {
    let env = catalogue();
    env.write(
        "queries.tsv",
        "q1\tHuntington\nq2\tdrug court\nq3\tMartin Scorsese\nq4\tOscar nominee\n",
    );
    let out = env.run(&[
        "search",
        "--queries",
        "queries.tsv",
        "--format",
        "trec",
        "-n",
        "5",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let run = stdout(&out);
    for (qid, query) in [
        ("q1", "Huntington"),
        ("q2", "drug court"),
        ("q3", "Martin Scorsese"),
        ("q4", "Oscar nominee"),
    ] {
        let batch: Vec<&str> = run
            .lines()
            .filter(|l| l.starts_with(&format!("{qid} ")))
            .map(|l| l.split_whitespace().nth(2).unwrap())
            .collect();
        let one_shot = doc_order(&env, query);
        assert_eq!(batch[0], one_shot[0], "{query}: {run}");
        assert_eq!(batch, one_shot[..batch.len()], "{query}");
    }
    // Feedback still expands questions: without it a question ranks differently.
    env.write(
        "questions.tsv",
        "q1\twhat do documentaries about the opioid epidemic and addiction show\n",
    );
    let with = env.run(&["search", "--queries", "questions.tsv", "--format", "trec"]);
    let without = env.run(&[
        "search",
        "--queries",
        "questions.tsv",
        "--format",
        "trec",
        "--no-feedback",
    ]);
    assert_ne!(stdout(&with), stdout(&without));
}

#[test]
fn the_judged_keyword_queries_hold_their_figures() {
    let test = "the_judged_keyword_queries_hold_their_figures";
    let Some(csv) = common::shared_corpus(test, "netflix_titles/netflix_titles.csv") else {
        return;
    };
    let env = Env::with_seed();
    let out = env.run(&["index", csv.to_str().unwrap(), "corpus"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let qrels = std::fs::read_to_string(common::repo_path("bench/keyword/qrels.txt")).unwrap();
    let queries = std::fs::read_to_string(common::repo_path("bench/keyword/queries.tsv")).unwrap();
    let mut judged: std::collections::HashMap<&str, std::collections::HashMap<&str, f64>> =
        Default::default();
    for l in qrels.lines() {
        let p: Vec<&str> = l.split_whitespace().collect();
        judged
            .entry(p[0])
            .or_default()
            .insert(p[2], p[3].parse().unwrap());
    }
    let (mut ndcg, mut success, mut n) = (0.0, 0.0, 0.0);
    for l in queries.lines() {
        let (qid, q) = l.split_once('\t').unwrap();
        let (hits, _) = env.search(q, &["-n", "10", "--per-doc", "1"]);
        let grades = &judged[qid];
        let dcg: f64 = hits
            .iter()
            .enumerate()
            .map(|(i, h)| {
                grades.get(h.doc_id.as_str()).copied().unwrap_or(0.0) / (i as f64 + 2.0).log2()
            })
            .sum();
        let mut ideal: Vec<f64> = grades.values().copied().filter(|g| *g > 0.0).collect();
        ideal.sort_by(|a, b| b.total_cmp(a));
        let idcg: f64 = ideal
            .iter()
            .take(10)
            .enumerate()
            .map(|(i, g)| g / (i as f64 + 2.0).log2())
            .sum();
        ndcg += dcg / idcg;
        success += f64::from(u8::from(
            hits.first()
                .and_then(|h| grades.get(h.doc_id.as_str()))
                .copied()
                .unwrap_or(0.0)
                >= 2.0,
        ));
        n += 1.0;
    }
    let (ndcg, success) = (ndcg / n, success / n);
    // Before coordination and metadata phrases: 0.795 and 0.914 (bench/keyword_eval.py).
    assert!(ndcg >= 0.88, "nDCG@10 {ndcg:.4}");
    assert!(success >= 0.95, "success@1 {success:.3}");
}

/// A batch's fast path (ids only: postings read once for every query, its own scorer) ranks
/// as the general path does (JSON, one tantivy search per query), and keyword queries as a
/// search of them alone does (which prunes the passages that cannot make the top): the same
/// documents, ranks and scores.
#[test]
fn a_batch_ranks_as_single_searches_do() {
    let env = catalogue();
    let keyword = [
        "drug court",
        "court",
        "Martin Scorsese",
        "heroin overdose huntington",
        "documentary addiction",
        "family court",
        "Raúl Campos",
        "Hugo",
    ];
    let questions = [
        "first responders who save lives in a town with an overdose crisis",
        "“Brown Bags of Hope”",
        "café 東京 🎬",
        "the family court",
    ];
    let all: Vec<&str> = keyword.iter().chain(&questions).copied().collect();
    let file: String = all
        .iter()
        .enumerate()
        .map(|(i, q)| format!("q{i}\t{q}\n"))
        .collect();
    env.write("queries.tsv", &file);
    // Query id, then the rest of a TREC line.
    let split = |line: &str| {
        let (qid, rest) = line.split_once(' ')?;
        Some((qid.to_string(), rest.to_string()))
    };
    for unit in ["doc", "passage"] {
        let run = |format: &str| {
            let out = env.run(&[
                "search",
                "--queries",
                "queries.tsv",
                "--format",
                format,
                "--unit",
                unit,
                "-n",
                "10",
            ]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            stdout(&out)
        };
        let trec: Vec<(String, String)> = run("trec").lines().filter_map(split).collect();
        // The general path, written as TREC lines.
        let mut general = Vec::new();
        for line in run("json").lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let hit = |k: &str| v[k].clone();
            let id = match unit {
                "doc" => hit("doc_id").as_str().unwrap().to_string(),
                _ => format!("{}#{}", hit("doc_id").as_str().unwrap(), hit("passage_id")),
            };
            general.push((
                hit("qid").as_str().unwrap().to_string(),
                format!(
                    "Q0 {id} {} {:.6} reel",
                    hit("rank"),
                    hit("score").as_f64().unwrap()
                ),
            ));
        }
        assert!(trec.len() >= 30, "too few hits: {}", trec.len());
        // Equal up to the last printed digit (JSON prints the f32 score, TREC six decimals).
        let fields = |(qid, rest): &(String, String)| {
            let f: Vec<&str> = rest.split(' ').collect();
            let score: f64 = f[3].parse().unwrap();
            ((qid.clone(), f[1].to_string(), f[2].to_string()), score)
        };
        assert_eq!(trec.len(), general.len(), "{unit}: {trec:?} {general:?}");
        for (a, b) in trec.iter().zip(&general) {
            let ((ka, sa), (kb, sb)) = (fields(a), fields(b));
            assert_eq!(ka, kb, "{unit}");
            assert!((sa - sb).abs() <= 2e-6, "{unit}: {a:?} {b:?}");
        }
        for (i, q) in keyword.iter().enumerate() {
            let out = env.run(&["search", "--format", "trec", "--unit", unit, "-n", "10", q]);
            let single: Vec<String> = stdout(&out)
                .lines()
                .filter_map(split)
                .map(|(_, r)| r)
                .collect();
            let batched: Vec<String> = trec
                .iter()
                .filter(|(qid, _)| *qid == format!("q{i}"))
                .map(|(_, r)| r.clone())
                .collect();
            assert!(!single.is_empty(), "{q}");
            assert_eq!(batched, single, "{unit}: {q}");
        }
    }
}

/// A long batch on several threads writes each query's hits in the order of the queries file,
/// the same run as on one thread; the library hands results back in order and stops at the
/// first error its caller returns.
#[test]
fn a_long_batch_streams_in_file_order_and_stops_at_an_error() {
    let env = catalogue();
    let texts = [
        "drug court",
        "first responders who save lives",
        "Martin Scorsese",
        "“Brown Bags of Hope”",
        "café 東京 🎬",
        "heroin overdose huntington",
    ];
    let file: String = (0..1_200)
        .map(|i| format!("q{i}\t{}\n", texts[i % texts.len()]))
        .collect();
    env.write("queries.tsv", &file);
    let run = |threads: &str| {
        let out = env.run(&[
            "search",
            "--queries",
            "queries.tsv",
            "--format",
            "trec",
            "-n",
            "5",
            "--threads",
            threads,
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        stdout(&out)
    };
    let one = run("1");
    let three = run("3");
    assert_eq!(one, three);
    let order: Vec<usize> = three
        .lines()
        .map(|l| l.split(' ').next().unwrap()[1..].parse().unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "out of order");
    assert!(order.last() > Some(&1_000), "the run ends early");

    let s = reel::searcher::Searcher::open(&env.path("index")).unwrap();
    let batch: Vec<reel::searcher::BatchQuery> = (0..500)
        .map(|i| reel::searcher::BatchQuery {
            id: format!("q{i}"),
            text: texts[i % texts.len()].into(),
        })
        .collect();
    let opts = reel::searcher::SearchOptions {
        limit: 5,
        ids_only: true,
        literal: true,
        ..Default::default()
    };
    let mut seen = Vec::new();
    // Prepared on the searching threads: the hit count travels to the caller.
    let prepare = |_, r: reel::Result<reel::searcher::SearchResults>| r.map(|r| r.hits.len());
    let outcome = s.search_batch_each(&batch, &opts, 3, prepare, |i, hits| {
        assert!(hits.is_ok(), "query {i}: {hits:?}");
        seen.push(i);
        if i == 40 {
            Err("stop")
        } else {
            Ok(())
        }
    });
    assert_eq!(outcome, Err("stop"));
    assert_eq!(seen, (0..=40).collect::<Vec<_>>());

    // A panic in the caller's hands stops the batch and comes back as a panic (no thread is
    // left waiting for it), and so does one in `prepare`, on a searching thread.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let panicked = |prepare_panics: bool| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let prepare = |i: usize, r: reel::Result<reel::searcher::SearchResults>| {
                    assert!(!(prepare_panics && i == 7), "prepare gives up");
                    r.is_ok()
                };
                let _ = s.search_batch_each(&batch, &opts, 3, prepare, |i, _| {
                    assert!(prepare_panics || i != 5, "the caller gives up");
                    Ok::<(), ()>(())
                });
            }))
            .is_err()
        };
        let _ = tx.send((panicked(false), panicked(true)));
    });
    let outcome = rx.recv_timeout(std::time::Duration::from_secs(120));
    assert_eq!(outcome, Ok((true, true)), "a panic must end the batch");
}

#[test]
fn a_suggestion_is_the_indexed_word_nearest_to_the_typed_one() {
    // The first passage holding the stem shows only `addicted`; a later one has `addiction`.
    let env = Env::empty();
    env.write(
        "corpus/a.txt",
        "First\n\nShe was addicted to the stage for years.\n",
    );
    env.write(
        "corpus/b.txt",
        "Second\n\nA film about addiction and recovery.\n",
    );
    let out = env.run(&["index", "--threads", "1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["search", "adiction"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("reel: did you mean: addiction\n"),
        "{}",
        stderr(&out)
    );
}
