//! Batch search (`--queries`, `--format trec|json`, `--unit doc`) and `reel eval`.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::{code, repo_path, stderr, stdout, Env};

/// A small judged collection: six documents, three queries, qrels in both formats.
fn judged() -> Env {
    let env = Env::empty();
    let docs = [
        (
            "d1",
            "Bees in winter",
            "Honeybees cluster in winter and shiver to keep the queen warm.",
        ),
        (
            "d2",
            "Bridges",
            "Suspension bridges carry roads across wide rivers on steel cables.",
        ),
        (
            "d3",
            "Ice roads",
            "Ice roads cross frozen lakes in the far north.",
        ),
        (
            "d4",
            "Wild bees",
            "Solitary bees nest in the ground and pollinate wild flowers.",
        ),
        (
            "d5",
            "Cables",
            "Steel cables are spun from thousands of wires on site.",
        ),
        (
            "d6",
            "Rivers",
            "Rivers carve valleys and carry silt to the sea.",
        ),
    ];
    let corpus: Vec<String> = docs
        .iter()
        .map(|(id, t, x)| serde_json::json!({"id": id, "title": t, "text": x}).to_string())
        .collect();
    env.write("corpus/docs.jsonl", &(corpus.join("\n") + "\n"));
    env.write(
        "queries.tsv",
        "q1\tHow do bees survive the winter?\nq2\tsteel cables of suspension bridges\nq3\tzzyzx\n",
    );
    env.write(
        "qrels.trec",
        "q1 0 d1 2\nq1 0 d4 1\nq2 0 d2 1\nq2 0 d5 1\nq3 0 d6 1\n",
    );
    env.write(
        "qrels.tsv",
        "query-id\tcorpus-id\tscore\r\nq1\td1\t2\r\nq1\td4\t1\r\nq2\td2\t1\r\nq2\td5\t1\r\nq3\td6\t1\r\n",
    );
    env.index();
    env
}

fn trec_lines(text: &str) -> Vec<(String, String, usize, f64)> {
    text.lines()
        .map(|l| {
            let p: Vec<&str> = l.split(' ').collect();
            assert_eq!(p.len(), 6, "{l}");
            assert_eq!((p[1], p[5]), ("Q0", "reel"));
            (
                p[0].into(),
                p[2].into(),
                p[3].parse().unwrap(),
                p[4].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn batch_trec_run_ranks_documents_per_query() {
    let env = judged();
    let out = env.run(&[
        "search",
        "--queries",
        "queries.tsv",
        "--format",
        "trec",
        "--unit",
        "doc",
        "-n",
        "100",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = trec_lines(&stdout(&out));
    let q1: Vec<&str> = lines
        .iter()
        .filter(|l| l.0 == "q1")
        .map(|l| l.1.as_str())
        .collect();
    assert_eq!(&q1[..2], ["d1", "d4"].as_slice(), "{q1:?}");
    let q2: Vec<&str> = lines
        .iter()
        .filter(|l| l.0 == "q2")
        .map(|l| l.1.as_str())
        .collect();
    assert!(q2[..2].contains(&"d2") && q2[..2].contains(&"d5"), "{q2:?}");
    assert!(lines.iter().all(|l| l.0 != "q3"), "no hits for q3");
    for q in ["q1", "q2"] {
        let ranked: Vec<_> = lines.iter().filter(|l| l.0 == q).collect();
        let ids: HashSet<&str> = ranked.iter().map(|l| l.1.as_str()).collect();
        assert_eq!(ids.len(), ranked.len(), "one line per document");
        for (i, pair) in ranked.windows(2).enumerate() {
            assert_eq!(pair[0].2, i + 1);
            assert!(pair[0].3 >= pair[1].3);
        }
    }
}

#[test]
fn batch_json_carries_the_query_id() {
    let env = judged();
    let out = env.run(&["search", "--queries", "queries.tsv", "--json", "-n", "1"]);
    assert_eq!(code(&out), 0);
    let qids: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["qid"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(qids, ["q1", "q2"]);
    let human = stdout(&env.run(&["search", "--queries", "queries.tsv", "-n", "1"]));
    assert!(
        human.contains("== q1 How do bees survive the winter?"),
        "{human}"
    );

    // `-` reads the queries from standard input, and messages call it `<stdin>`.
    let file = std::fs::read(env.path("queries.tsv")).unwrap();
    let piped = env
        .reel()
        .args(["search", "--queries", "-", "--json", "-n", "1"])
        .write_stdin(file)
        .output()
        .unwrap();
    assert_eq!(code(&piped), 0, "{}", stderr(&piped));
    assert_eq!(stdout(&piped), stdout(&out));
    let piped = env
        .reel()
        .args(["search", "--queries", "-"])
        .write_stdin("no tab here\n")
        .output()
        .unwrap();
    assert_eq!(code(&piped), 2);
    assert_eq!(
        stderr(&piped),
        "reel: <stdin>:1: expected `qid<TAB>query text`\n"
    );
}

#[test]
fn batch_queries_are_plain_words() {
    let env = judged();
    // Operators, colons and quotes in a question are just words (or nothing).
    env.write("odd.tsv", "x1\tbees: \"winter\" AND (NOT cables\n");
    let out = env.run(&[
        "search",
        "--queries",
        "odd.tsv",
        "--format",
        "trec",
        "--unit",
        "doc",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "no parse warnings for plain words");
    assert_eq!(trec_lines(&stdout(&out))[0].1, "d1");
}

#[test]
fn eval_reads_trec_and_beir_qrels() {
    let env = judged();
    let mut figures = Vec::new();
    for qrels in ["qrels.trec", "qrels.tsv"] {
        let out = env.run(&[
            "eval",
            "--queries",
            "queries.tsv",
            "--qrels",
            qrels,
            "--json",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let v: BTreeMap<String, f64> = serde_json::from_str(&stdout(&out)).unwrap();
        let keys: Vec<&str> = v.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["map", "mrr@10", "ndcg@10", "num_q", "p@10", "recall@100"]
        );
        assert_eq!(v["num_q"], 3.0);
        // q3 finds nothing and scores 0; q1 and q2 rank their relevant documents first.
        assert!((v["mrr@10"] - 2.0 / 3.0).abs() < 1e-9, "{v:?}");
        assert!((v["ndcg@10"] - 2.0 / 3.0).abs() < 1e-9, "{v:?}");
        figures.push(v);
    }
    assert_eq!(figures[0], figures[1]);
    let human = stdout(&env.run(&["eval", "--queries", "queries.tsv", "--qrels", "qrels.trec"]));
    assert!(human.contains("nDCG@10     0.6667"), "{human}");
}

#[test]
fn bad_queries_and_qrels_files_name_the_line() {
    let env = judged();
    env.write("bad.tsv", "q1\tbees\nno tab here\n");
    let out = env.run(&["search", "--queries", "bad.tsv"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("bad.tsv:2"), "{}", stderr(&out));
    std::fs::write(env.path("latin1.tsv"), b"q1\tbees\nq2\tcaf\xe9 au lait\n").unwrap();
    let out = env.run(&["search", "--queries", "latin1.tsv"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("latin1.tsv:2: invalid UTF-8"),
        "{}",
        stderr(&out)
    );
    env.write("bad.qrels", "q1 0 d1 2\nq1 d1\n");
    let out = env.run(&["eval", "--queries", "queries.tsv", "--qrels", "bad.qrels"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("bad.qrels:2"), "{}", stderr(&out));
}

/// `reel eval` and the shared evaluator give the same figures on the same run.
fn same_as_ndcg_py(test: &str, env: &Env, queries: &str, qrels: &str) {
    let ndcg_py = repo_path("../shared/bench/ndcg.py");
    if !ndcg_py.is_file() {
        common::skip(test, &format!("{} is not present", ndcg_py.display()));
        return;
    }
    let run = env.run(&[
        "search",
        "--queries",
        queries,
        "--format",
        "trec",
        "--unit",
        "doc",
        "-n",
        "100",
    ]);
    env.write_bytes("reel.run", &run.stdout);
    let theirs = std::process::Command::new("python3")
        .arg(&ndcg_py)
        .arg(qrels)
        .arg(env.path("reel.run"))
        .arg("--json")
        .output()
        .expect("python3");
    assert!(
        theirs.status.success(),
        "{}",
        String::from_utf8_lossy(&theirs.stderr)
    );
    let theirs: BTreeMap<String, f64> = serde_json::from_slice(&theirs.stdout).unwrap();
    let ours = env.run(&["eval", "--queries", queries, "--qrels", qrels, "--json"]);
    let ours: BTreeMap<String, f64> = serde_json::from_str(&stdout(&ours)).unwrap();
    for key in ["ndcg@10", "map", "recall@100", "mrr@10", "p@10", "num_q"] {
        assert!(
            (ours[key] - theirs[key]).abs() < 5e-5,
            "{key}: reel {} ndcg.py {}",
            ours[key],
            theirs[key]
        );
    }
}

#[test]
fn eval_equals_the_shared_evaluator_on_the_small_collection() {
    let env = judged();
    same_as_ndcg_py(
        "eval_equals_the_shared_evaluator_on_the_small_collection",
        &env,
        "queries.tsv",
        env.path("qrels.tsv").to_str().unwrap(),
    );
}

#[test]
fn eval_equals_the_shared_evaluator_on_scifact() {
    let test = "eval_equals_the_shared_evaluator_on_scifact";
    let Some(corpus) = common::shared_corpus(test, "scifact/beir/corpus.jsonl") else {
        return;
    };
    let beir = corpus.parent().unwrap().to_path_buf();
    let env = Env::empty();
    let out = env.run(&["index", beir.join("corpus.jsonl").to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The test split's queries, as `qid<TAB>text`.
    let judged: HashSet<String> = std::fs::read_to_string(beir.join("qrels/test.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next().map(str::to_string))
        .collect();
    let mut tsv = String::new();
    for line in std::fs::read_to_string(beir.join("queries.jsonl"))
        .unwrap()
        .lines()
    {
        let q: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = q["_id"].as_str().unwrap();
        if judged.contains(id) {
            tsv.push_str(&format!(
                "{id}\t{}\n",
                q["text"].as_str().unwrap().replace('\t', " ")
            ));
        }
    }
    env.write("queries.tsv", &tsv);
    same_as_ndcg_py(
        test,
        &env,
        "queries.tsv",
        beir.join("qrels/test.tsv").to_str().unwrap(),
    );
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_query_id() {
    // Files saved by Windows tools start with a BOM: q1 must still be q1 in the run and in
    // the judgments, or its figures silently drop to zero.
    let env = judged();
    env.write(
        "bom-queries.tsv",
        "\u{feff}q1\tHow do bees survive the winter?\r\nq2\tsteel cables of suspension bridges\r\nq3\tzzyzx\r\n",
    );
    env.write(
        "bom.qrels",
        "\u{feff}q1 0 d1 2\nq1 0 d4 1\nq2 0 d2 1\nq2 0 d5 1\nq3 0 d6 1\n",
    );
    let out = env.run(&["search", "--queries", "bom-queries.tsv", "--format", "trec"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let first = stdout(&out).lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with("q1 Q0 "), "{first:?}");
    let figures = |queries: &str, qrels: &str| -> BTreeMap<String, f64> {
        let out = env.run(&["eval", "--queries", queries, "--qrels", qrels, "--json"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    let plain = figures("queries.tsv", "qrels.trec");
    assert_eq!(figures("bom-queries.tsv", "bom.qrels"), plain);
    assert!(plain["ndcg@10"] > 0.6, "{plain:?}");
}
