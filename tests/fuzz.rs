//! Property-based fuzzing of the two places untrusted bytes enter reel: the query path (parsing,
//! filters, sorting, feedback, highlighting) and the corpus readers (every format, compressed or
//! not). The property is the same everywhere: an answer or a typed error, never a panic.
//!
//! By default each test runs a few hundred random cases. `REEL_FUZZ_SECS=600` keeps generating
//! fresh cases for that long (the reliability script does this); a failure is shrunk to a minimal
//! input by proptest and reported.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reel::corpus::{self, records::Plan, records::Roles};
use reel::indexer::{self, IndexOptions};
use reel::searcher::{Filter, SearchOptions, Searcher, Sort, Unit};

const CASES_PER_ROUND: u32 = 256;

/// Runs `check` on cases from `strategy`: one round, or rounds until `REEL_FUZZ_SECS` pass.
fn fuzz<S: Strategy>(name: &str, strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let secs: Option<u64> = std::env::var("REEL_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok());
    let deadline = Instant::now() + Duration::from_secs(secs.unwrap_or(0));
    let mut cases = 0u64;
    loop {
        let mut runner = TestRunner::new(Config {
            cases: CASES_PER_ROUND,
            failure_persistence: None,
            ..Config::default()
        });
        if let Err(e) = runner.run(&strategy, &check) {
            panic!("{name}: {e}");
        }
        cases += u64::from(CASES_PER_ROUND);
        if Instant::now() >= deadline {
            break;
        }
    }
    println!("fuzz {name}: {cases} cases, 0 failures");
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// An index of the seed and the test reviews and structured fixtures, built once.
fn searcher() -> &'static Searcher {
    static SEARCHER: OnceLock<(tempfile::TempDir, Searcher)> = OnceLock::new();
    &SEARCHER
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let opts = IndexOptions::new(
                vec![
                    repo("corpus"),
                    repo("tests/data/reviews"),
                    repo("tests/data/structured"),
                ],
                dir.path().join("index"),
            );
            indexer::run(&opts, &mut |_| {}).unwrap();
            let s = Searcher::open(&dir.path().join("index")).unwrap();
            (dir, s)
        })
        .1
}

/// Pieces of query syntax, words of the corpus and junk, glued in random order.
fn query() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("drug".to_string()),
        Just("court".to_string()),
        Just("Huntington".to_string()),
        Just("the".to_string()),
        Just("AND".to_string()),
        Just("OR".to_string()),
        Just("NOT".to_string()),
        Just("TO".to_string()),
        "[-+\"():^~*\\[\\]{}<>=!\\\\/.,'`|&?]{1,3}",
        Just("title:".to_string()),
        Just("year:".to_string()),
        Just("director:".to_string()),
        Just("meta.year:".to_string()),
        Just("meta_num.year:".to_string()),
        Just("doc_id:".to_string()),
        Just("passage_id:".to_string()),
        Just("nosuch:".to_string()),
        Just("Meta.Yéar:".to_string()),
        Just("cást:".to_string()),
        Just("Heroin(e)".to_string()),
        Just("2021-09".to_string()),
        Just("dru*".to_string()),
        Just("title:her*".to_string()),
        Just("director:el*".to_string()),
        Just("year:>=".to_string()),
        Just("imdb_rating:<".to_string()),
        Just("year:>2015".to_string()),
        Just("\"drug court\"".to_string()),
        Just("忍者ハットリくん".to_string()),
        Just("한국어".to_string()),
        Just("藏龙*".to_string()),
        "[0-9]{1,6}",
        "-?[0-9]{1,3}\\.[0-9]{1,3}",
        "[a-zé漢\u{1f600}]{1,8}",
        any::<String>(),
        "[\u{0}-\u{1f}\u{7f}]{1,3}",
    ];
    let sep = prop_oneof![Just(" "), Just(""), Just("  "), Just("\t")];
    proptest::collection::vec((piece, sep), 0..24)
        .prop_map(|parts| parts.into_iter().map(|(p, s)| p + s).collect::<String>())
}

fn filter() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("year"),
        Just("imdb_rating"),
        Just("director"),
        Just("date_added"),
        Just("nosuch"),
        Just(""),
    ];
    let op = prop_oneof![
        Just("="),
        Just("!="),
        Just(">"),
        Just(">="),
        Just("<"),
        Just("<="),
        Just("=="),
        Just(""),
    ];
    let value = prop_oneof![
        "[0-9]{1,5}",
        "-?[0-9]{1,3}\\.[0-9]{0,3}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[a-zA-Z ]{0,12}",
        any::<String>(),
    ];
    (name, op, value).prop_map(|(n, o, v)| format!("{n}{o}{v}"))
}

#[test]
fn fuzz_the_query_path() {
    let s = searcher();
    let options = (
        query(),
        proptest::collection::vec(filter(), 0..3),
        proptest::option::of(prop_oneof![
            Just("year"),
            Just("year:asc"),
            Just("imdb_rating:desc"),
            Just("director"),
            Just("nosuch:up"),
        ]),
        any::<(bool, bool, bool, bool)>(),
        0usize..30,
        // `--glob` and `--source` values: globs, paths, broken brackets, non-ASCII names.
        proptest::collection::vec(
            (
                any::<bool>(),
                prop_oneof![
                    "!?[a-z*?/\\[\\]{},.\u{e9}\u{5fcd}\u{1f3ac}]{0,12}",
                    Just("corpus".to_string()),
                    Just("*.txt".to_string()),
                    any::<String>(),
                ],
            ),
            0..3,
        ),
    );
    fuzz(
        "queries",
        options,
        |(q, filters, sort, flags, limit, places)| {
            let (literal, feedback, doc_unit, per_doc) = flags;
            let filters: Vec<Filter> = filters
                .iter()
                .filter_map(|f| Filter::from_str(f).ok())
                .chain(places.iter().map(|(glob, v)| {
                    if *glob {
                        Filter::glob(v)
                    } else {
                        Filter::source(v)
                    }
                }))
                .collect();
            let sort = sort.and_then(|s| Sort::from_str(s).ok());
            let opts = SearchOptions {
                query: q.clone(),
                limit,
                per_doc: per_doc.then_some(1),
                filters,
                sort,
                unit: if doc_unit { Unit::Doc } else { Unit::Passage },
                literal,
                feedback,
                ids_only: false,
                ..SearchOptions::default()
            };
            match s.search(&opts) {
                Ok(results) => {
                    prop_assert!(results.hits.len() <= limit.max(1));
                    for h in &results.hits {
                        for [a, b] in &h.highlights {
                            prop_assert!(a <= b && *b <= h.text.len(), "highlight out of the text");
                            prop_assert!(
                                h.text.is_char_boundary(*a) && h.text.is_char_boundary(*b)
                            );
                        }
                    }
                }
                Err(reel::Error::Query(_) | reel::Error::Filter(_)) => {}
                Err(other) => prop_assert!(false, "unexpected error for {q:?}: {other}"),
            }
            Ok(())
        },
    );
}

/// Text a user's reviews hold: curly quotes, accents, CJK, emoji, combining marks, control
/// characters, and plain words, glued in random order.
fn user_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("“é’ ".to_string()),
        Just("‘Best Documentary Short Subject,’ ".to_string()),
        Just("“Brown Bags of Hope” ".to_string()),
        Just("target ".to_string()),
        Just("Huntington's ".to_string()),
        Just("Heroin(e) ".to_string()),
        Just("drug court ".to_string()),
        "[a-zé漢字\u{1f600}\u{301} ]{1,12}",
        "[\u{0}-\u{1f}\u{7f}\u{2028}]{1,2}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..120).prop_map(|p| p.concat())
}

/// The export configurations: any index id and field names give a Quickwit YAML that reads
/// back with the same strings, and an Elasticsearch body that is valid JSON with every field.
/// The server's requests: paths and query strings of API words, percent escapes (broken ones
/// too), non-ASCII and junk.
#[test]
fn fuzz_the_served_api() {
    let dir = tempfile::tempdir().unwrap();
    let opts = IndexOptions::new(
        vec![repo("corpus"), repo("tests/data/reviews")],
        dir.path().join("index"),
    );
    indexer::run(&opts, &mut |_| {}).unwrap();
    let service = reel::serve::Service::new(dir.path().join("index"), None, None).unwrap();
    let path = prop_oneof![
        Just("/api/search".to_string()),
        Just("/api/facets".to_string()),
        Just("/api/stats".to_string()),
        Just("/api/doc/".to_string()),
        "/api/doc/[a-z%0-9\u{e9}\u{6f22}-]{0,12}",
        Just("/".to_string()),
        any::<String>(),
    ];
    let pair = (
        prop_oneof![
            Just("q"),
            Just("n"),
            Just("offset"),
            Just("filter"),
            Just("sort"),
            Just("mode"),
            Just("per_doc"),
            Just("unit"),
            Just("field"),
            Just("glob"),
            Just("source"),
        ],
        prop_oneof![
            "[a-z +%0-9A-F=<>:\"*()\u{e9}\u{6f22}-]{0,16}",
            query(),
            any::<String>(),
        ],
    );
    let request = (path, proptest::collection::vec(pair, 0..5));
    fuzz("served API", request, |(path, pairs)| {
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let r = service.get(&path, &query.join("&"));
        prop_assert!(
            [200, 400, 404].contains(&r.status),
            "{} for {path}?{query:?}: {}",
            r.status,
            r.body
        );
        if r.content_type.starts_with("application/json") {
            prop_assert!(serde_json::from_str::<serde_json::Value>(&r.body).is_ok());
        }
        Ok(())
    });
}

#[test]
fn fuzz_the_export_configurations() {
    use reel::meta::MetaType;
    let ty = prop_oneof![
        Just(MetaType::Integer),
        Just(MetaType::Float),
        Just(MetaType::Date),
        Just(MetaType::Keywords),
        Just(MetaType::Text),
    ];
    let name = prop_oneof![user_text(), any::<String>()];
    let case = (
        name.clone(),
        proptest::collection::btree_map(name, ty, 0..6),
    );
    fuzz("export configurations", case, |(id, types)| {
        let yaml = reel::export::quickwit_config(&id, &types);
        let docs = yaml_rust2::YamlLoader::load_from_str(&yaml)
            .map_err(|e| TestCaseError::fail(format!("{e}: {yaml}")))?;
        prop_assert_eq!(docs[0]["index_id"].as_str(), Some(id.as_str()));
        let names: Vec<Option<&str>> = docs[0]["doc_mapping"]["field_mappings"]
            .as_vec()
            .expect("field mappings")
            .iter()
            .map(|f| f["name"].as_str())
            .collect();
        for name in types.keys() {
            prop_assert!(
                names.contains(&Some(name.as_str())),
                "{name:?} in {names:?}"
            );
        }
        let body = reel::export::elasticsearch_mapping(&types, Some(384));
        let back: serde_json::Value = serde_json::from_str(&body.to_string()).unwrap();
        for name in types.keys() {
            prop_assert!(back["mappings"]["properties"].get(name).is_some());
        }
        Ok(())
    });
}

/// Every printer, with random (also out-of-range and mid-character) highlight ranges: no panic,
/// and JSON reads back as it was written.
#[test]
fn fuzz_the_printers() {
    use reel::output::{human, json, trec};
    use reel::searcher::Hit;
    let case = (
        user_text(),
        user_text(),
        proptest::collection::vec((0usize..4000, 0usize..4000), 0..6),
        any::<(bool, f32)>(),
    );
    fuzz("printers", case, |(text, title, ranges, (color, score))| {
        let mut metadata = reel::meta::Metadata::new();
        metadata.insert(
            "director".into(),
            reel::meta::MetaValue::Text(title.clone()),
        );
        metadata.insert(
            "cast".into(),
            reel::meta::MetaValue::List(vec![text.chars().take(30).collect(), "Ángel".into()]),
        );
        let highlights: Vec<[usize; 2]> = ranges.iter().map(|(a, b)| [*a, *b]).collect();
        let cast: String = text.chars().take(30).collect();
        let hit = Hit {
            rank: 1,
            score,
            doc_id: title.chars().take(20).collect(),
            title_highlights: highlights.iter().rev().copied().collect(),
            metadata_matches: vec![
                reel::searcher::MetaMatch {
                    field: "director".into(),
                    value: title.clone(),
                    highlights: highlights.clone(),
                },
                reel::searcher::MetaMatch {
                    field: "cast".into(),
                    value: format!("{cast}, Ángel"),
                    highlights: highlights.clone(),
                },
            ],
            title,
            passage_id: 3,
            highlights,
            text,
            source: "corpus/“review”.txt".into(),
            path: "/srv/corpus/“review”.txt".into(),
            line: u64::from(color) * 12,
            start_ms: color.then_some(725_000),
            end_ms: color.then_some(731_500),
            heading: Some(format!("{cast} §")),
            speaker: color.then(|| "Jan Rader".to_string()),
            metadata,
            lexical_score: Some(score),
            semantic_score: color.then_some(0.5),
            sorted_by: Some(reel::searcher::hits::SortedBy {
                field: cast.clone(),
                value: Some(reel::meta::MetaValue::Text(cast.clone())),
            }),
        };
        let mut out = Vec::new();
        human::write_hits(
            &mut out,
            std::slice::from_ref(&hit),
            human::Style {
                color,
                width: color.then_some(24),
            },
        )
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let shown = String::from_utf8(out).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(shown.starts_with(" 1. "));
        if !color {
            prop_assert!(!shown.contains('\x1b'), "escape in uncoloured output");
        }
        let mut out = Vec::new();
        json::write_hits(&mut out, std::slice::from_ref(&hit))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: serde_json::Value = serde_json::from_slice(&out)
            .map_err(|e| TestCaseError::fail(format!("JSON does not read back: {e}")))?;
        prop_assert_eq!(back["text"].as_str(), Some(hit.text.as_str()));
        for ids in [trec::Ids::Documents, trec::Ids::Passages] {
            let mut out = Vec::new();
            trec::write_hits(&mut out, "q “1”", std::slice::from_ref(&hit), ids)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let line = String::from_utf8(out).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(line.split_whitespace().count(), 6, "{}", line);
        }
        Ok(())
    });
}

/// Non-ASCII reviews indexed for real, searched with non-ASCII queries, printed by every printer.
#[test]
fn fuzz_search_and_print_non_ascii_reviews() {
    use reel::output::{human, json, trec};
    static INDEX: OnceLock<(tempfile::TempDir, Searcher)> = OnceLock::new();
    let s = &INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let corpus = dir.path().join("corpus");
            std::fs::create_dir_all(&corpus).unwrap();
            let runner_text = |seed: u64| {
                let mut runner = TestRunner::new_with_rng(
                    Config::default(),
                    proptest::test_runner::TestRng::deterministic_rng(
                        proptest::test_runner::RngAlgorithm::ChaCha,
                    ),
                );
                for _ in 0..seed {
                    let _ = user_text().new_tree(&mut runner);
                }
                user_text().new_tree(&mut runner).unwrap().current()
            };
            for i in 0..40u64 {
                let body = format!(
                    "{}\n\n{}\n\n{}",
                    runner_text(i),
                    runner_text(i + 100),
                    "“é’ ".repeat(40) + "target"
                );
                std::fs::write(
                    corpus.join(format!("r{i}.txt")),
                    format!("Review {i} “é”\n\n{body}\n"),
                )
                .unwrap();
            }
            let opts = IndexOptions::new(vec![corpus], dir.path().join("index"));
            indexer::run(&opts, &mut |_| {}).unwrap();
            let s = Searcher::open(&dir.path().join("index")).unwrap();
            (dir, s)
        })
        .1;
    let query = prop_oneof![
        user_text().prop_map(|t| t.chars().take(60).collect::<String>()),
        query()
    ];
    fuzz("search and print", (query, any::<bool>()), |(q, color)| {
        let opts = SearchOptions {
            query: q.clone(),
            limit: 5,
            ..SearchOptions::default()
        };
        match s.search(&opts) {
            Ok(results) => {
                let mut out = Vec::new();
                human::write_hits(
                    &mut out,
                    &results.hits,
                    human::Style {
                        color,
                        width: color.then_some(24),
                    },
                )
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
                json::write_hits(&mut out, &results.hits)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                trec::write_hits(&mut out, "1", &results.hits, trec::Ids::Passages)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            Err(reel::Error::Query(_) | reel::Error::Filter(_)) => {}
            Err(other) => prop_assert!(false, "unexpected error for {q:?}: {other}"),
        }
        // The same text as a batch's question, through the batch's fast path (ids only,
        // literal words: postings read once per batch) and printed as a TREC run.
        // Twice, on two threads: the streaming hand-back in order is on the path too.
        let batch = [
            reel::searcher::BatchQuery {
                id: "q1".into(),
                text: q.clone(),
            },
            reel::searcher::BatchQuery {
                id: "q2".into(),
                text: format!("{q} café"),
            },
        ];
        let opts = SearchOptions {
            query: String::new(),
            limit: 5,
            ids_only: true,
            literal: true,
            ..SearchOptions::default()
        };
        let results = s.search_batch(&batch, &opts, 2);
        prop_assert_eq!(results.len(), batch.len());
        for result in results {
            match result {
                Ok(results) => {
                    let mut out = Vec::new();
                    trec::write_hits(&mut out, "q1", &results.hits, trec::Ids::Documents)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?;
                }
                Err(reel::Error::Query(_)) => {}
                Err(other) => prop_assert!(false, "unexpected batch error for {q:?}: {other}"),
            }
        }
        Ok(())
    });
    // The case that crashed the human printer: a match after many curly quotes and accents.
    let results = s
        .search(&SearchOptions {
            query: "target".into(),
            ..SearchOptions::default()
        })
        .unwrap();
    assert!(!results.hits.is_empty());
    let mut out = Vec::new();
    human::write_hits(
        &mut out,
        &results.hits,
        human::Style {
            color: true,
            width: Some(40),
        },
    )
    .unwrap();
    assert!(String::from_utf8(out).unwrap().contains("target"));
}

/// The fixture files: real examples of every format, as seeds for mutation.
fn fixtures() -> &'static Vec<(String, Vec<u8>)> {
    static FIXTURES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let mut out = Vec::new();
        for dir in [
            "corpus",
            "tests/data/reviews",
            "tests/data/structured",
            "tests/data/fuzz",
            "tests/data/pages",
        ] {
            for entry in std::fs::read_dir(repo(dir)).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
        out.sort();
        out
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
    Repeat(usize, usize),
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len().max(1);
    match m {
        Mutation::Flip(at, mask) => {
            if !bytes.is_empty() {
                bytes[at % n] ^= mask;
            }
        }
        Mutation::Insert(at, junk) => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, junk.iter().copied());
        }
        Mutation::Delete(at, len) => {
            let at = at % n;
            let end = (at + len).min(bytes.len());
            if at < end {
                bytes.drain(at..end);
            }
        }
        Mutation::Truncate(at) => bytes.truncate(at % n),
        Mutation::Repeat(at, len) => {
            let at = at % n;
            let end = (at + len).min(bytes.len());
            if at < end {
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let junk = prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..16),
        prop_oneof![
            Just(b"\"".to_vec()),
            Just(b",".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"{".to_vec()),
            Just(b"}".to_vec()),
            Just(b"[".to_vec()),
            Just(b"---\n".to_vec()),
            Just(b"\t".to_vec()),
            Just(b"\xff\xfe".to_vec()),
            Just("\u{feff}".as_bytes().to_vec()),
            Just(b"\x00".to_vec()),
            Just(b"<".to_vec()),
            Just(b"</p>".to_vec()),
            Just(b"<p>".to_vec()),
            Just(b"<br />".to_vec()),
            Just(b"&amp".to_vec()),
            Just(b"&#x".to_vec()),
            Just(b"<!--".to_vec()),
            Just(b"<script>".to_vec()),
            Just(b" --> ".to_vec()),
            Just(b"00:00:01,000".to_vec()),
            Just(b"<v ".to_vec()),
            Just(b"[00:12:05] ".to_vec()),
            Just(b"# ".to_vec()),
            Just(b"```".to_vec()),
            Just("“é” 忍者 👍🏽".as_bytes().to_vec()),
        ],
    ];
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(a, m)| Mutation::Flip(a, m)),
        (any::<usize>(), junk).prop_map(|(a, j)| Mutation::Insert(a, j)),
        (any::<usize>(), 1usize..64).prop_map(|(a, l)| Mutation::Delete(a, l)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..256).prop_map(|(a, l)| Mutation::Repeat(a, l)),
    ]
}

const EXTENSIONS: &[&str] = &[
    "txt", "md", "csv", "tsv", "jsonl", "json", "csv.gz", "jsonl.gz", "csv.zst", "txt.zst", "html",
    "htm", "srt", "vtt", "md.gz",
];

/// Reads a file the way `reel index` does, down to documents and passages.
fn read_all(path: &Path) -> Result<u64, TestCaseError> {
    let inputs = corpus::walk(&[path.to_path_buf()], None, None)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut documents = 0u64;
    for file in &inputs.files {
        let mut docs = Vec::new();
        if file.format.is_records() {
            let mut records = Vec::new();
            let _ = corpus::stream_records(file, None, &mut |item| {
                if let Ok(r) = item.and_then(|i| i.into_record(&file.path)) {
                    records.push(r);
                }
                records.len() < 2000
            });
            let plan = Plan::infer(&records, &Roles::default(), &file.file_id(), "fuzz");
            let mut seen = Default::default();
            docs.extend(records.into_iter().map(|r| plan.document(r, &mut seen)));
            plan.observe(seen);
            let _ = plan.metadata_types();
            let _ = plan.misfits();
        } else if let Ok(doc) = corpus::read_text(file, None, &mut |_| {}) {
            docs.push(doc);
        }
        for doc in &docs {
            for p in reel::passage::split(doc)
                .iter()
                .chain(&reel::passage::whole(doc))
            {
                prop_assert!(p.start <= p.end && p.end <= doc.text.len());
                let _ = p.text(doc);
            }
            // Where each passage is: a line in the file, times in order.
            let passages = reel::passage::cut(doc, false);
            for place in reel::passage::places(doc, &passages) {
                if let (Some(a), Some(b)) = (place.start_ms, place.end_ms) {
                    prop_assert!(a <= b, "a passage ends before it starts");
                }
            }
            documents += 1;
        }
    }
    Ok(documents)
}

#[test]
fn fuzz_the_readers() {
    let dir = tempfile::tempdir().unwrap();
    let n = fixtures().len();
    let case = (
        0..n,
        proptest::collection::vec(mutation(), 0..8),
        proptest::option::of(0..EXTENSIONS.len()),
        any::<bool>(),
        any::<bool>(),
    );
    fuzz(
        "readers",
        case,
        |(which, mutations, ext, compress_after, utf16)| {
            let (name, original) = &fixtures()[which];
            let mut bytes = original.clone();
            for m in &mutations {
                apply(&mut bytes, m);
            }
            // The same text as UTF-16 with its byte order mark, as Windows tools save it.
            if utf16 {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                bytes = vec![0xFF, 0xFE];
                bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            }
            let ext = match ext {
                Some(i) => EXTENSIONS[i].to_string(),
                None => name.split_once('.').map_or("txt", |(_, e)| e).to_string(),
            };
            // Mutate plain bytes and then compress them, or mutate the compressed stream itself.
            if compress_after {
                if ext.ends_with(".gz") {
                    let mut enc =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    enc.write_all(&bytes).unwrap();
                    bytes = enc.finish().unwrap();
                } else if ext.ends_with(".zst") {
                    bytes = zstd::encode_all(&bytes[..], 1).unwrap();
                }
            }
            let path = dir.path().join(format!("case.{ext}"));
            std::fs::write(&path, &bytes).unwrap();
            read_all(&path)?;
            Ok(())
        },
    );
}

/// The model's path for user text (tokenizer, truncation, the encoder, pooling): any text gives
/// a unit vector, or zeros for text with no token, and never a panic.
#[test]
fn fuzz_the_embedder() {
    let Some(dir) = std::env::var_os("REEL_MODEL").map(PathBuf::from) else {
        eprintln!("SKIPPED fuzz_the_embedder: REEL_MODEL is not set");
        return;
    };
    let model = reel::embed::Model::load(&dir).expect("the model loads");
    let case = proptest::collection::vec(user_text(), 1..4);
    fuzz("embedder", case, |texts| {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let (vectors, stats) = model.embed(&refs, 2);
        prop_assert_eq!(vectors.len(), texts.len());
        prop_assert!(stats.tokens <= texts.len() * model.max_tokens());
        for v in &vectors {
            prop_assert_eq!(v.len(), model.dims());
            prop_assert!(v.iter().all(|x| x.is_finite()));
            let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            prop_assert!((norm - 1.0).abs() < 1e-3 || norm == 0.0, "norm {}", norm);
            let stored = reel::embed::quantize(v);
            prop_assert!(reel::embed::dot(v, &stored).is_some());
        }
        Ok(())
    });
}

#[test]
fn fuzzing_finds_what_it_is_looking_for() {
    // The harness itself: a property that is false must fail, or the runs above prove nothing.
    let result = std::panic::catch_unwind(|| {
        fuzz("self-check", any::<u8>(), |b| {
            prop_assert!(b < 128);
            Ok(())
        })
    });
    assert!(result.is_err());
}
