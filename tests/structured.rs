//! Structured inputs: CSV, TSV, JSON Lines, JSON arrays, Markdown front matter, gz and zst;
//! typed metadata, filters, sorting, field roles, and the real corpora when they are present.

mod common;

use common::{code, ids, repo_path, stderr, stdout, Env};
use serde_json::json;

/// A folder with the structured fixtures in `corpus/`.
fn structured() -> Env {
    let env = Env::empty();
    env.copy_fixtures("tests/data/structured");
    env
}

fn indexed() -> (Env, String) {
    let env = structured();
    let out = env.index();
    let err = stderr(&out);
    (env, err)
}

#[test]
fn bad_rows_and_lines_are_skipped_with_file_and_line() {
    let (env, err) = indexed();
    assert!(
        err.contains("films.csv:7: row has 4 fields, the header has 8"),
        "{err}"
    );
    assert!(err.contains("reviews.jsonl:2: invalid JSON"), "{err}");
    assert!(err.contains("2 skipped"), "{err}");
    assert!(err.contains("14 documents"), "{err}");
    // The rows after the bad one are indexed.
    let (hits, _) = env.search("opioid", &[]);
    assert_eq!(ids(&hits), ["f4"]);
}

#[test]
fn csv_quirks_bom_crlf_embedded_newlines_missing_id() {
    let (env, _) = indexed();
    let (hits, _) = env.search("death-squad", &[]);
    let h = &hits[0];
    assert_eq!(h.doc_id, "f2", "the BOM does not hide the id column");
    assert_eq!(h.title, "The Act of Killing", "a newline inside the title");
    assert!(h.text.contains("killings.\nA second line"), "{:?}", h.text);
    assert!(!h.text.contains('\r'));
    let (hits, _) = env.search("wolves", &[]);
    assert_eq!(
        hits[0].doc_id, "films:3",
        "a row without an id gets <file id>:<row>"
    );
}

#[test]
fn metadata_is_typed_by_its_values() {
    let (env, _) = indexed();
    let (hits, _) = env.search("death-squad", &[]);
    let m = &hits[0].metadata;
    assert_eq!(m["release_year"], json!(2012));
    assert_eq!(
        m["date_added"],
        json!("2017-08-04"),
        "leading space, long month"
    );
    assert_eq!(m["country"], json!(["Denmark", "Norway", "United Kingdom"]));
    assert_eq!(
        m["genres"],
        json!(["Documentaries", "International Movies"])
    );
    assert_eq!(m["director"], json!("Joshua Oppenheimer"));
    assert!(
        !m.contains_key("description"),
        "the text column is not metadata"
    );

    let out = env.run(&["stats", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = &v["metadata_fields"];
    assert_eq!(f["release_year"]["type"], "integer");
    assert_eq!(f["date_added"]["type"], "date");
    assert_eq!(f["genres"]["type"], "keywords");
    assert_eq!(f["score"]["type"], "float");
    assert_eq!(
        f["genres"]["top_values"][0],
        json!({"value": "Documentaries", "count": 4})
    );
    assert!(f["release_year"].get("top_values").is_none());
    let human = stdout(&env.run(&["stats"]));
    assert!(human.contains("Documentaries (4)"), "{human}");
}

#[test]
fn metadata_fields_in_query_syntax() {
    let (env, _) = indexed();
    let (hits, _) = env.search("+release_year:[2000 TO 2010] +genres:documentaries", &[]);
    assert_eq!(ids(&hits), ["f1"]);
    let (hits, _) = env.search("director:herzog", &[]);
    assert_eq!(ids(&hits), ["f1"]);
    let (hits, _) = env.search("country:norway", &[]);
    assert_eq!(ids(&hits), ["f2"]);
    // Metadata is also plain searchable text.
    let (hits, _) = env.search("Oppenheimer", &[]);
    assert_eq!(ids(&hits), ["f2"]);
}

#[test]
fn filters_flags() {
    let (env, _) = indexed();
    let (hits, out) = env.search(
        "*",
        &[
            "--filter",
            "release_year>=2010",
            "--filter",
            "genres=Documentaries",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut got = ids(&hits);
    got.sort();
    assert_eq!(got, ["f2", "f4", "films:3"]);
    let (hits, _) = env.search("*", &["--filter", "date_added<2018-01-01"]);
    let mut got = ids(&hits);
    got.sort();
    assert_eq!(got, ["f2", "f4"]);
    let (hits, _) = env.search(
        "*",
        &[
            "--filter",
            "country!=United States",
            "--filter",
            "release_year>0",
        ],
    );
    let mut got = ids(&hits);
    got.sort();
    assert_eq!(got, ["f2", "films:3"]);

    for (filter, expect) in [
        ("nosuch=1", "unknown field `nosuch`; metadata fields here: "),
        (
            "nosuch=1",
            "; and title, text, doc_id, source (= and != only)",
        ),
        ("release_year>=soon", "is not a number"),
        ("date_added>=someday", "is not a date"),
        ("genres>=3", "compare it with = or !="),
        ("release_year", "expected FIELD=VALUE"),
    ] {
        let out = env.run(&["search", "*", "--filter", filter]);
        assert_eq!(code(&out), 2, "{filter}");
        assert!(stderr(&out).contains(expect), "{filter}: {}", stderr(&out));
    }
}

#[test]
fn sort_by_numbers_and_dates() {
    let (env, _) = indexed();
    let (hits, _) = env.search("*", &["--sort", "release_year:asc", "-n", "3"]);
    assert_eq!(ids(&hits), ["f1", "f2", "f4"], "2005, 2012, 2017");
    let (hits, _) = env.search("*", &["--sort", "release_year", "-n", "2"]);
    assert_eq!(ids(&hits), ["films:3", "f4"], "2019, 2017");
    let (hits, _) = env.search("*", &["--sort", "date_added:desc", "-n", "1"]);
    assert_eq!(ids(&hits), ["f1"]);
    let out = env.run(&["search", "*", "--sort", "genres"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("only numbers and dates sort"));
    // The title is a field, not an unknown one.
    let out = env.run(&["search", "*", "--sort", "title"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("--sort title: the field holds text; only numbers and dates sort"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_lines_nested_lists_nulls_html_breaks() {
    let (env, _) = indexed();
    let (hits, _) = env.search("basketball", &[]);
    let h = &hits[0];
    assert_eq!(h.doc_id, "r1");
    assert_eq!(h.metadata["metadata_rating"], json!(9));
    assert_eq!(h.metadata["metadata_source"], json!("critic"));
    assert_eq!(h.metadata["tags"], json!(["sports", "family"]));
    assert_eq!(h.metadata["score"], json!(8.3));
    assert!(!h.metadata.contains_key("missing"), "null is absent");
    assert_eq!(h.text, "Two Chicago teenagers chase basketball dreams.");
    let (hits, _) = env.search("\"Steve James\"", &[]);
    assert_eq!((hits[0].doc_id.as_str(), hits[0].passage_id), ("r1", 1));
    let (hits, _) = env.search("lighthouse", &[]);
    assert_eq!(hits[0].doc_id, "reviews:5", "line 5 has no id");
}

#[test]
fn json_array_tsv_front_matter_and_compressed_files() {
    let (env, _) = indexed();
    let (hits, _) = env.search("Glass", &[]);
    assert_eq!(hits[0].doc_id, "a1");
    assert_eq!(hits[0].title, "Koyaanisqatsi", "`name` is a title column");
    assert_eq!(hits[0].metadata["year"], json!(1982));
    let (hits, _) = env.search("Petit", &[]);
    assert_eq!(
        (hits[0].doc_id.as_str(), hits[0].title.as_str()),
        ("t1", "Man on Wire")
    );
    let (hits, _) = env.search("piglets", &[]);
    assert_eq!(hits[0].doc_id, "g1");
    assert!(hits[0].source.ends_with("reviews-gz.jsonl.gz"));
    let (hits, _) = env.search("beekeeper", &[]);
    assert_eq!(hits[0].doc_id, "z1");
    let (hits, _) = env.search("Honnold", &[]);
    let h = &hits[0];
    assert_eq!(
        (h.doc_id.as_str(), h.title.as_str()),
        ("front-matter", "Free Solo")
    );
    assert_eq!(h.metadata["year"], json!(2018));
    assert_eq!(h.metadata["imdb_rating"], json!(8.1));
    assert_eq!(h.metadata["released"], json!("2018-09-28"));
    assert_eq!(h.metadata["genres"], json!(["Documentary", "Sport"]));
    let (hits, _) = env.search("\"free solo\"", &["-n", "50"]);
    assert!(
        hits.iter().all(|h| h.text != "# Free Solo"),
        "heading is not a passage"
    );
}

#[test]
fn explicit_field_roles() {
    let env = Env::empty();
    env.write(
        "corpus/odd.csv",
        "key,headline,summary,notes,year\nk1,Sherpa,Guides strike on Everest.,Filmed in 2014.,2015\n,Untitled,Ice and rock.,,2016\n",
    );
    let out = env.run(&[
        "index",
        "--id-field",
        "key",
        "--title-field",
        "headline",
        "--text-field",
        "summary",
        "--text-field",
        "notes",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (hits, _) = env.search("Everest", &[]);
    let h = &hits[0];
    assert_eq!((h.doc_id.as_str(), h.title.as_str()), ("k1", "Sherpa"));
    assert_eq!(h.metadata, [("year".to_string(), json!(2015))].into());
    let (hits, _) = env.search("2014", &[]);
    assert_eq!((hits[0].doc_id.as_str(), hits[0].passage_id), ("k1", 1));
    let (hits, _) = env.search("ice", &[]);
    assert_eq!(hits[0].doc_id, "odd:2");
}

#[test]
fn truncated_compressed_file_keeps_what_came_before() {
    let env = Env::with_seed();
    let zst = std::fs::read(repo_path("tests/data/structured/films-zst.csv.zst")).unwrap();
    env.write_bytes("corpus/cut.csv.zst", &zst[..zst.len() / 2]);
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("cut.csv.zst"), "{}", stderr(&out));
    let (hits, _) = env.search("drug court", &[]);
    assert_eq!(hits[0].doc_id, "heroine-review");
}

// The real corpora. They are not in the repository; where they are absent, each test says it
// skips on stderr (past the harness's capture).

#[test]
fn netflix_catalogue_and_seed_review() {
    let Some(csv) = common::shared_corpus(
        "netflix_catalogue_and_seed_review",
        "netflix_titles/netflix_titles.csv",
    ) else {
        return;
    };
    let env = Env::with_seed();
    let out = env.run(&["index", csv.to_str().unwrap(), "corpus"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("8808 documents"), "{}", stderr(&out));
    assert!(stderr(&out).contains("0 skipped"), "{}", stderr(&out));

    let (hits, _) = env.search("Elaine McMillion Sheldon", &["-n", "3"]);
    let mut top = ids(&hits);
    top.sort();
    assert_eq!(top, ["heroine-review", "s4812", "s5276"]);

    // The quirky rows are all there.
    let (hits, _) = env.search("doc_id:s8420", &[]);
    assert_eq!(
        hits[0].title,
        "The Memphis Belle: A Story of a Flying Fortress"
    );
    let (hits, _) = env.search("doc_id:s5542", &[]);
    assert_eq!(hits[0].metadata["rating"], json!("74 min"));
    let (hits, _) = env.search("*", &["--filter", "listed_in=Documentaries", "-n", "2000"]);
    assert_eq!(hits.len(), 869);
    let (hits, _) = env.search(
        "*",
        &[
            "--filter",
            "listed_in=Documentaries",
            "--filter",
            "release_year>=2015",
            "--filter",
            "release_year<=2019",
            "-n",
            "2000",
        ],
    );
    assert!(hits.iter().all(|h| {
        let y = h.metadata["release_year"].as_i64().unwrap();
        (2015..=2019).contains(&y)
    }));
    let (hits, _) = env.search("*", &["--filter", "date_added>=2021-09-25"]);
    assert_eq!(ids(&hits).len(), 1);
}

#[test]
fn scifact_beir_corpus() {
    let Some(jsonl) = common::shared_corpus("scifact_beir_corpus", "scifact/beir/corpus.jsonl")
    else {
        return;
    };
    let env = Env::empty();
    let out = env.run(&["index", jsonl.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("5183 documents"), "{}", stderr(&out));
    let (hits, _) = env.search(
        "microstructural development newborn cerebral white matter",
        &[],
    );
    assert_eq!(hits[0].doc_id, "4983");
}

#[test]
fn imdb_reviews_compressed() {
    let Some(zst) = common::shared_corpus(
        "imdb_reviews_compressed",
        "imdb_aclimdb/aclimdb_reviews.jsonl.zst",
    ) else {
        return;
    };
    let env = Env::empty();
    let out = env.run(&["index", zst.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("100000 documents"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("0 skipped"), "{}", stderr(&out));
    let (hits, _) = env.search("Bromwell High", &["--per-doc", "1"]);
    assert_eq!(hits[0].doc_id, "train/pos/0_9");
    assert_eq!(hits[0].metadata["rating"], json!(9));
    let (hits, _) = env.search(
        "*",
        &["--filter", "rating>=10", "--filter", "label=pos", "-n", "3"],
    );
    assert!(hits.iter().all(|h| h.metadata["rating"] == json!(10)));
}

// Facts read from review prose, in every phrasing.

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
