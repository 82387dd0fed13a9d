//! `reel export`: the Quickwit and Elasticsearch contracts, checked without a cluster.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::{code, stderr, Env};
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// The seed review plus the structured fixtures (every metadata type).
fn corpus() -> Env {
    let env = Env::with_seed();
    env.copy_fixtures("tests/data/structured");
    env
}

fn ndjson_files(env: &Env, dir: &str, prefix: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(env.path(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

fn lines(files: &[std::path::PathBuf]) -> Vec<Value> {
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{l}: {e}")))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn indexed_passages(env: &Env) -> u64 {
    env.index();
    let out = env.run(&["stats", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["passages"].as_u64().unwrap()
}

#[test]
fn quickwit_config_holds_every_field_with_reels_types() {
    let env = corpus();
    let out = env.run(&["export", "--to", "quickwit", "qw", "--index-id", "reviews"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let yaml = std::fs::read_to_string(env.path("qw/index-config.yaml")).unwrap();
    let doc = &YamlLoader::load_from_str(&yaml).expect("valid YAML")[0];
    assert_eq!(doc["index_id"].as_str(), Some("reviews"));
    let fields: BTreeMap<String, &Yaml> = doc["doc_mapping"]["field_mappings"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_string(), f))
        .collect();
    let ty = |name: &str| fields[name]["type"].as_str().unwrap().to_string();
    for base in [
        "doc_id",
        "passage_id",
        "title",
        "text",
        "source",
        "start",
        "end",
    ] {
        assert!(fields.contains_key(base), "{base} missing");
    }
    assert_eq!(ty("text"), "text");
    assert_eq!(fields["text"]["tokenizer"].as_str(), Some("en_stem"));
    assert_eq!(fields["doc_id"]["tokenizer"].as_str(), Some("raw"));
    assert_eq!(ty("release_year"), "i64");
    assert_eq!(ty("imdb_rating"), "f64");
    assert_eq!(ty("date_added"), "datetime");
    assert_eq!(fields["date_added"]["fast"].as_bool(), Some(true));
    assert_eq!(ty("genres"), "array<text>");
    assert_eq!(fields["genres"]["tokenizer"].as_str(), Some("raw"));
    assert_eq!(ty("director"), "text");
    let search: Vec<&str> = doc["search_settings"]["default_search_fields"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(search.contains(&"title") && search.contains(&"text"));

    // Every line parses, carries the base fields, and there is one per passage reel indexes.
    let passages = lines(&ndjson_files(&env, "qw", "passages-"));
    for p in &passages {
        for base in ["doc_id", "passage_id", "title", "text", "source"] {
            assert!(p.get(base).is_some(), "{base} missing in {p}");
        }
    }
    assert_eq!(passages.len() as u64, indexed_passages(&env));
    let f2 = passages.iter().find(|p| p["doc_id"] == "f2").unwrap();
    assert_eq!(f2["release_year"], 2012);
    assert_eq!(f2["date_added"], "2017-08-04T00:00:00Z");
    assert_eq!(
        f2["country"],
        serde_json::json!(["Denmark", "Norway", "United Kingdom"])
    );
}

#[test]
fn reindexing_the_quickwit_ndjson_gives_the_same_passages_and_top_results() {
    // One passage per document, so that each NDJSON line has its own doc_id: lines of one
    // document's passages share their doc_id, and reel keeps only the first of a duplicate id.
    let env = corpus();
    let whole = "--whole-documents";
    let out = env.run(&["export", "--to", "quickwit", "qw", whole]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["index", whole]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["index", "qw", "--index", "from-export", whole]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("duplicate"), "{}", stderr(&out));
    for q in [
        "drug court",
        "Huntington",
        "Brown Bags of Hope",
        "death-squad",
        "beekeeper",
    ] {
        let (a, _) = env.search(q, &["-n", "3"]);
        let (b, _) = env.search(q, &["-n", "3", "--index", "from-export"]);
        assert_eq!(a[0].doc_id, b[0].doc_id, "{q}");
        assert_eq!(a[0].text, b[0].text, "{q}");
    }
    let texts = |index: &str| -> HashSet<String> {
        let (hits, _) = env.search("*", &["-n", "10000", "--index", index]);
        hits.into_iter().map(|h| h.text).collect()
    };
    assert_eq!(texts("index"), texts("from-export"), "the same passages");

    // Passage-level lines repeat their document's id: `doc_id` is no key there, so the lines
    // are keyed by their number, every passage kept, and the user told why.
    let out = env.run(&["export", "--to", "quickwit", "qw-passages"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["index", "qw-passages", "--index", "from-passages"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`doc_id` is not used as the documents' id"),
        "{}",
        stderr(&out)
    );
    let (hits, _) = env.search("*", &["-n", "10000", "--index", "from-passages"]);
    let exported = lines(&ndjson_files(&env, "qw-passages", "passages-")).len();
    assert_eq!(hits.len(), exported, "every passage line is a document");
}

#[test]
fn elasticsearch_mapping_and_bulk_files() {
    let env = corpus();
    let out = env.run(&["export", "--to", "elasticsearch", "es"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mapping: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("es/mapping.json")).unwrap())
            .unwrap();
    let props = &mapping["mappings"]["properties"];
    assert_eq!(props["text"]["analyzer"], "reel_english");
    assert_eq!(props["doc_id"]["type"], "keyword");
    assert_eq!(props["release_year"]["type"], "long");
    assert_eq!(props["imdb_rating"]["type"], "double");
    assert_eq!(props["date_added"]["type"], "date");
    assert_eq!(props["genres"]["type"], "keyword");
    assert_eq!(props["director"]["type"], "text");
    let analyzer = &mapping["settings"]["analysis"]["analyzer"]["reel_english"];
    assert_eq!(analyzer["tokenizer"], "standard");

    let files = ndjson_files(&env, "es", "bulk-");
    let mut ids = HashSet::new();
    let mut sources = 0;
    for f in &files {
        let ls = lines(std::slice::from_ref(f));
        assert_eq!(ls.len() % 2, 0, "{} ends mid-pair", f.display());
        for pair in ls.chunks(2) {
            let id = pair[0]["index"]["_id"].as_str().expect("an action line");
            let src = &pair[1];
            assert_eq!(
                id,
                format!("{}#{}", src["doc_id"].as_str().unwrap(), src["passage_id"])
            );
            assert!(ids.insert(id.to_string()), "duplicate _id {id}");
            sources += 1;
        }
    }
    assert_eq!(sources, indexed_passages(&env));
}

#[test]
fn export_errors_and_warnings() {
    let env = corpus();
    let out = env.run(&["export", "--to", "quickwit", "qw", "missing-folder"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("missing-folder"));
    let out = env.run(&["export", "--to", "quickwit", "qw"]);
    assert!(stderr(&out).contains("films.csv:7"), "{}", stderr(&out));
    assert_eq!(code(&env.run(&["export", "--to", "solr", "x"])), 2);
}

// Export inputs that once broke it.

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
