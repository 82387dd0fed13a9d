//! `reel stats`.

mod common;

use common::{code, stderr, stdout, Env};

#[test]
fn stats_reports_documents_passages_fields_and_size() {
    let env = Env::with_reviews();
    env.index();
    let out = env.run(&["stats", "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["documents"], 4);
    assert!(v["passages"].as_u64().unwrap() >= 13);
    assert!(v["size_bytes"].as_u64().unwrap() > 1000);
    assert_eq!(v["metadata_fields"]["year"]["type"], "integer");
    assert_eq!(v["metadata_fields"]["imdb_rating"]["type"], "float");
    assert_eq!(v["metadata_fields"]["director"]["type"], "text");
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(fields.contains(&"text") && fields.contains(&"title"));

    let out = env.run(&["stats"]);
    let text = stdout(&out);
    assert!(text.contains("documents       4"), "{text}");
    assert!(text.contains("imdb_rating"), "{text}");
}

#[test]
fn stats_without_index_is_an_error() {
    let env = Env::empty();
    let out = env.run(&["stats"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("reel index"));
}
