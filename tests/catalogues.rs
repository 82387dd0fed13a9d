//! Catalogues as spreadsheets and databases export them: every filter and sort gives the right
//! answer, and no record is lost without a count. Each test runs the real binary.

mod common;

use common::{code, ids, stderr, stdout, Env};
use serde_json::json;

fn indexed(files: &[(&str, &str)]) -> (Env, String) {
    let env = Env::empty();
    for (name, text) in files {
        env.write(&format!("corpus/{name}"), text);
    }
    let out = env.index();
    let err = stderr(&out);
    (env, err)
}

#[test]
fn dates_far_from_1970_sort_and_filter_in_order() {
    let (env, _) = indexed(&[(
        "contracts.csv",
        "id,title,valid_to,signed\nc1,Open ended,9999-12-31,2021-09-25T10:00:00Z\n\
         c2,Mid,2020-06-30,2021-09-26\nc3,Old charter,1600-01-01,1600-01-01\n",
    )]);
    let (hits, _) = env.search("*", &["--sort", "valid_to:asc"]);
    assert_eq!(ids(&hits), ["c3", "c2", "c1"]);
    let (hits, _) = env.search("*", &["--sort", "valid_to"]);
    assert_eq!(ids(&hits), ["c1", "c2", "c3"]);
    let (hits, _) = env.search("*", &["--filter", "valid_to>=2021-01-01"]);
    assert_eq!(ids(&hits), ["c1"]);
    let (hits, _) = env.search("*", &["--filter", "valid_to<1700-01-01"]);
    assert_eq!(ids(&hits), ["c3"]);
    // The query language takes the same date forms as --filter, and a day matches its times.
    let (hits, _) = env.search("valid_to:[2000-01-01 TO 2030-12-31]", &[]);
    assert_eq!(ids(&hits), ["c2"]);
    let (hits, _) = env.search("valid_to:[\"June 1, 2020\" TO 2020-06-30]", &[]);
    assert_eq!(
        ids(&hits),
        ["c2"],
        "written dates, inclusive of the last day"
    );
    let (hits, _) = env.search("*", &["--filter", "signed=2021-09-25"]);
    assert_eq!(ids(&hits), ["c1"], "a datetime on that day");
    assert_eq!(hits[0].metadata["valid_to"], json!("9999-12-31"));
    // A year or a month is all of its days, in filters and ranges alike.
    for (filter, want) in [
        ("signed=2021", vec!["c1", "c2"]),
        ("signed=2021-09", vec!["c1", "c2"]),
        ("signed<2021", vec!["c3"]),
        ("signed>1600", vec!["c1", "c2"]),
        ("signed<=1600-01", vec!["c3"]),
        ("valid_to>=9999", vec!["c1"]),
        ("valid_to!=2020", vec!["c1", "c3"]),
    ] {
        let (hits, out) = env.search("*", &["--filter", filter, "--sort", "valid_to"]);
        assert_eq!(ids(&hits), want, "{filter}: {}", stderr(&out));
    }
    let (hits, _) = env.search("valid_to:[2020 TO 2020-06]", &[]);
    assert_eq!(ids(&hits), ["c2"]);
    let out = env.run(&["search", "*", "--filter", "signed=2021-13"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("`2021-13` is not a date"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn colliding_names_keep_every_value_with_one_warning() {
    let (env, err) = indexed(&[
        (
            "films.csv",
            "id,title,Release Year,release_year,genre,genre\n\
             f1,First,2001,2002,drama,thriller\nf2,Second,2003,2004,comedy,horror\n",
        ),
        (
            "nested.jsonl",
            "{\"id\":\"j1\",\"a.b\":\"dotted\",\"a\":{\"b\":\"nested\"},\"a_b\":\"plain\"}\n",
        ),
    ]);
    assert_eq!(
        err.matches("films.csv:2: names that are one key").count(),
        1,
        "{err}"
    );
    assert!(err.contains("`release_year` as `release_year_2`"), "{err}");
    assert!(err.contains("`genre` as `genre_2`"), "{err}");
    assert!(
        err.contains("nested.jsonl:1: names that are one key"),
        "{err}"
    );
    let (hits, _) = env.search("thriller", &[]);
    assert_eq!(ids(&hits), ["f1"], "the second genre is searchable");
    let m = &hits[0].metadata;
    assert_eq!(m["release_year"], json!(2001));
    assert_eq!(m["release_year_2"], json!(2002));
    assert_eq!(m["genre_2"], json!("thriller"));
    let (hits, _) = env.search("*", &["--filter", "release_year_2>=2004"]);
    assert_eq!(ids(&hits), ["f2"]);
    let (hits, _) = env.search("doc_id:j1", &[]);
    let m = &hits[0].metadata;
    assert_eq!(
        (&m["a_b"], &m["a_b_2"], &m["a_b_3"]),
        (&json!("dotted"), &json!("nested"), &json!("plain"))
    );
}

#[test]
fn columns_are_typed_from_their_values_not_the_first_rows() {
    let mut csv = String::from("id,title,score,late\n");
    for i in 0..1200 {
        let score = if i < 1100 {
            "8".to_string()
        } else {
            format!("{}.5", i % 10)
        };
        let late = if i < 1050 {
            String::new()
        } else {
            (i % 7).to_string()
        };
        csv.push_str(&format!("r{i},Film {i},{score},{late}\n"));
    }
    csv.push_str("r1200,Odd,unknown,3\n");
    let (env, err) = indexed(&[("big.csv", &csv)]);
    // `late` is empty in the first 1,000 rows and still typed.
    let (hits, out) = env.search("*", &["--filter", "late>=6", "-n", "1000"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(hits
        .iter()
        .all(|h| h.metadata["late"].as_i64().unwrap() >= 6));
    assert_eq!(hits.len(), 21);
    // `score` was integers for 1,100 rows, then decimals: it widens, and 9.5 passes `>= 9`.
    let (hits, _) = env.search("*", &["--filter", "score>=9", "-n", "1000"]);
    assert_eq!(hits.len(), 10, "{:?}", ids(&hits));
    assert!(hits.iter().all(|h| h.metadata["score"] == json!(9.5)));
    let stats = stdout(&env.run(&["stats", "--json"]));
    let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(stats["metadata_fields"]["score"]["type"], "float");
    assert_eq!(stats["metadata_fields"]["late"]["type"], "integer");
    // A value that is no number is kept as text, counted and reported.
    assert!(
        err.contains("big.csv: 1 value of `score` is not numbers (the first on line 1202)"),
        "{err}"
    );
}

#[test]
fn null_markers_are_absent() {
    let (env, _) = indexed(&[
        (
            "films.csv",
            "id,title,year,rating\na,Alpha,2001,null\nb,Beta,NULL,N/A\nc,Gamma,2003,#N/A\n",
        ),
        ("fm.md", "---\ntitle: Delta\nyear: null\n---\nA film.\n"),
    ]);
    let (hits, out) = env.search("*", &["--filter", "year>=2002"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(ids(&hits), ["c"]);
    let (hits, _) = env.search("doc_id:b", &[]);
    assert!(hits[0].metadata.is_empty(), "{:?}", hits[0].metadata);
    let (hits, _) = env.search("delta", &[]);
    assert!(!hits[0].metadata.contains_key("year"));
}

#[test]
fn a_range_with_a_whole_and_a_decimal_bound() {
    let (env, _) = indexed(&[(
        "r.csv",
        "id,title,rating,year\na,A,7.5,2005\nb,B,9.1,2010\nc,C,6,2011\n",
    )]);
    for (q, expected) in [
        ("rating:[7 TO 8.5]", vec!["a"]),
        ("rating:[6.5 TO 10]", vec!["a", "b"]),
        ("year:[2000 TO 2010.5]", vec!["a", "b"]),
    ] {
        let (hits, out) = env.search(q, &[]);
        assert_eq!(code(&out), 0, "{q}: {}", stderr(&out));
        let mut got = ids(&hits);
        got.sort();
        assert_eq!(got, expected, "{q}");
        assert!(!stderr(&out).contains("unwrap"), "{}", stderr(&out));
    }
}

#[test]
fn json_records_are_never_lost() {
    let (env, err) = indexed(&[
        (
            "ids.jsonl",
            "{\"id\": 18446744073709551616, \"text\": \"one\"}\n\
             {\"id\": 18446744073709551617, \"text\": \"two\"}\n\
             {\"id\": 123456789012345678901234567890, \"text\": \"three\"}\n",
        ),
        (
            "lines.json",
            "{\"id\": \"l1\", \"text\": \"lines saved as json one\"}\n\
             {\"id\": \"l2\", \"text\": \"lines saved as json two\"}\n",
        ),
        (
            "arrays.json",
            "[{\"id\": \"a1\", \"text\": \"first array\"}]\n[{\"id\": \"a2\", \"text\": \"second array\"}]\n",
        ),
        ("bom.json", "\u{feff}[{\"id\": \"b1\", \"text\": \"bom array\"}]"),
        (
            "bom.jsonl",
            "\u{feff}{\"id\": \"b2\", \"text\": \"bom line one\"}\n{\"id\": \"b3\", \"text\": \"bom line two\"}\n",
        ),
    ]);
    assert!(!err.contains("duplicate"), "{err}");
    assert!(!err.contains("warning"), "{err}");
    let (hits, _) = env.search("*", &["-n", "100"]);
    let mut got = ids(&hits);
    got.sort();
    assert_eq!(
        got,
        [
            "123456789012345678901234567890",
            "18446744073709551616",
            "18446744073709551617",
            "a1",
            "a2",
            "b1",
            "b2",
            "b3",
            "l1",
            "l2"
        ]
    );
}

#[test]
fn an_unterminated_quote_loses_one_row_and_says_where() {
    let (env, err) = indexed(&[(
        "q.csv",
        "id,title,description\n1,One,\"fine\n2,Two,\"a broken quote\n3,Three,after it\n\
         4,Four,\"quoted, closed\"\n5,Five,last\n",
    )]);
    assert!(
        err.contains("q.csv:2: unterminated quote") || err.contains("q.csv:2: a quote opened here"),
        "{err}"
    );
    let (hits, _) = env.search("*", &["-n", "100"]);
    let mut got = ids(&hits);
    got.sort();
    // Row 1's quote swallows up to row 4's quote: row 1 is lost, the rest is read again.
    assert!(got.contains(&"3") && got.contains(&"5"), "{got:?}");
    assert!(!got.contains(&"1"), "{got:?}");
    assert!(err.contains("2 skipped"), "{err}");
}

#[test]
fn roles_are_chosen_per_record_and_flags_match_as_names_are_normalized() {
    let (env, _) = indexed(&[(
        "mixed.jsonl",
        "{\"id\": \"m1\", \"title\": \"Lower Case\", \"text\": \"a\"}\n\
         {\"ID\": \"m2\", \"Title\": \"Upper Case\", \"Text\": \"b\"}\n\
         {\"id\": \"m3\", \"name\": \"Only A Name\"}\n",
    )]);
    let (hits, _) = env.search("upper", &[]);
    assert_eq!(
        (hits[0].doc_id.as_str(), hits[0].title.as_str()),
        ("m2", "Upper Case")
    );
    let (hits, _) = env.search("only", &[]);
    assert_eq!(
        (hits[0].doc_id.as_str(), hits[0].title.as_str()),
        ("m3", "Only A Name")
    );

    let env = Env::empty();
    env.write(
        "corpus/s.csv",
        "Key,Headline,Synopsis Text\nk1,A Title,a synopsis about owls\n",
    );
    let out = env.run(&[
        "index",
        "--id-field",
        "KEY",
        "--title-field",
        "headline",
        "--text-field",
        "Synopsis Text",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (hits, _) = env.search("owls", &[]);
    assert_eq!(
        (hits[0].doc_id.as_str(), hits[0].title.as_str()),
        ("k1", "A Title")
    );
    let out = env.run(&["index", "--rebuild", "--text-field", "plotz"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out)
            .contains("--text-field plotz: no such column (columns: key, headline, synopsis_text)"),
        "{}",
        stderr(&out)
    );
    // Nothing was lost: the index is still at its last commit.
    assert_eq!(env.search("owls", &[]).0.len(), 1);
}

#[test]
fn fields_are_found_as_they_are_written_in_the_file() {
    let (env, _) = indexed(&[
        (
            "nested.json",
            "[{\"id\": \"a1\", \"title\": \"Man on Wire\", \"text\": \"a walk\",\
              \"meta\": {\"year\": 2008, \"awards\": [\"Oscar\"]}},\
             {\"id\": \"a2\", \"title\": \"Sugar Man\", \"text\": \"a search\",\
              \"meta\": {\"year\": 2012}}]",
        ),
        ("films.csv", "id,title,Box Office\nf1,Honeyland,1.2\n"),
    ]);
    // A nested key as JSON writes it, a column as its header does: in filters, sorts and
    // queries alike.
    let (hits, _) = env.search("*", &["--filter", "meta.year>=2010"]);
    assert_eq!(ids(&hits), ["a2"]);
    let (hits, _) = env.search("*", &["--sort", "Meta.Year:asc", "--filter", "meta.year>0"]);
    assert_eq!(ids(&hits), ["a1", "a2"]);
    let (hits, _) = env.search("meta.awards:oscar", &[]);
    assert_eq!(ids(&hits), ["a1"]);
    let (hits, _) = env.search("meta.year:[2000 TO 2009]", &[]);
    assert_eq!(ids(&hits), ["a1"]);
    let (hits, _) = env.search("*", &["--filter", "box-office>=1"]);
    assert_eq!(ids(&hits), ["f1"]);
    let out = env.run(&["search", "meta.year:abc"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim(),
        "reel: query: position 0: `meta_year` holds numbers; `abc` is not a number"
    );
    // A name that is no field is searched as text; when that finds nothing, the field it
    // likely meant is suggested.
    let out = env.run(&["search", "awards:oscar"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains(
            "`awards` is no field of this index, so `awards:oscar` was searched as text; \
             did you mean `meta_awards:oscar`?"
        ),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["search", "zzz:qqq"]);
    assert!(
        stderr(&out).contains("its fields: title, text, doc_id, source, box_office"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["search", "titel:wire"]);
    assert!(
        stderr(&out).contains("did you mean `title:wire`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn european_and_pipe_delimited_files_and_numbers_with_commas() {
    let (env, _) = indexed(&[
        (
            "eu.csv",
            "id;title;RÉALISATEUR;note;budget\ne1;Amélie;Jean-Pierre Jeunet;8,2;\"1,234\"\n\
             e2;Delicatessen;Marc Caro;7,6;\"2,500\"\n",
        ),
        (
            "pipe.csv",
            "id|title|description\np1|Piped|a film about pipes\n",
        ),
    ]);
    let (hits, _) = env.search("doc_id:e1", &[]);
    let m = &hits[0].metadata;
    assert_eq!(m["réalisateur"], json!("Jean-Pierre Jeunet"));
    assert!(!m["note"].is_array(), "never a list of digit groups: {m:?}");
    assert_eq!(m["budget"], json!(1234));
    let (hits, _) = env.search("*", &["--filter", "budget>2000"]);
    assert_eq!(ids(&hits), ["e2"]);
    let (hits, _) = env.search("pipes", &[]);
    assert_eq!(ids(&hits), ["p1"]);
}

#[test]
fn warnings_give_the_right_line_and_the_summary_counts_files_read() {
    let mut bad = b"id,title,description\n1,One,\"two\nlines\"\n2,Two,ok\n3,Bad,caf".to_vec();
    bad.extend_from_slice(b"\xe9\n");
    let env = Env::empty();
    env.write_bytes("corpus/bad.csv", &bad);
    env.write(
        "corpus/pretty.json",
        "[\n  {\n    \"id\": \"x\"\n  },\n  42,\n  {\n    \"id\": \"y\"\n  }\n]\n",
    );
    // A compressed file cut short: the documents before the cut are indexed.
    let mut lines = String::new();
    for i in 0..2000 {
        lines.push_str(&format!(
            "{{\"id\": \"g{i}\", \"text\": \"review number {i}\"}}\n"
        ));
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, lines.as_bytes()).unwrap();
    let gz = enc.finish().unwrap();
    env.write_bytes("corpus/cut.jsonl.gz", &gz[..gz.len() * 2 / 3]);
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("bad.csv:5: not UTF-8"), "{err}");
    assert!(
        err.contains("pretty.json:5: object 2: expected a JSON object"),
        "{err}"
    );
    assert!(!err.contains("from 0 files"), "{err}");
    assert!(err.contains("from 3 files"), "{err}");
}

// Real exports, read as a person reads them.

/// Twelve rows of a column `f` of one kind, ids `{prefix}0` (the target row, holding `target`)
/// to `{prefix}11`.
fn column_file(prefix: &str, kind: &str, target: &str) -> String {
    let filler = |i: usize| match kind {
        "integer" => format!("{}", 2000 + i),
        "float" => format!("{}.25", i + 3),
        "date" => format!("2010-01-{:02}", i + 1),
        "keywords" => format!("\"tag{i}, other{i}\""),
        _ => format!("a long sentence number {i} about nothing in particular"),
    };
    let mut out = String::from("id,title,f\n");
    let quoted = if target.contains(',') {
        format!("\"{target}\"")
    } else {
        target.to_string()
    };
    out.push_str(&format!("{prefix}0,Target {prefix},{quoted}\n"));
    for i in 1..12 {
        out.push_str(&format!("{prefix}{i},Row {prefix}{i},{}\n", filler(i)));
    }
    out
}

fn sorted_ids(hits: &[common::Hit]) -> Vec<String> {
    let mut v: Vec<String> = hits.iter().map(|h| h.doc_id.clone()).collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn a_field_typed_differently_by_two_files_is_seen_in_both() {
    // (kind in a.csv, value there, kind in b.csv, value there, the value a person filters by)
    let pairs = [
        ("integer", "1994", "float", "1994.0", Some("1994")),
        ("integer", "1994", "text", "1994", Some("1994")),
        ("integer", "1994", "keywords", "1994, 1995", Some("1994")),
        ("integer", "1994", "date", "1994-06-10", Some("1994")),
        ("float", "8.5", "text", "8.5", Some("8.5")),
        ("float", "8.5", "keywords", "8.5, 9.25", Some("8.5")),
        ("float", "8.5", "date", "2021-09-25", None),
        (
            "date",
            "2021-09-25",
            "text",
            "2021-09-25",
            Some("2021-09-25"),
        ),
        (
            "date",
            "2021-09-25",
            "keywords",
            "2021-09-25, 2020-01-01",
            Some("2021-09-25"),
        ),
        (
            "keywords",
            "sierra, mountains",
            "text",
            "sierra",
            Some("sierra"),
        ),
    ];
    for (ka, va, kb, vb, q) in pairs {
        let case = format!("{ka}/{kb}");
        let (env, err) = indexed(&[
            ("a.csv", &column_file("a", ka, va)),
            ("b.csv", &column_file("b", kb, vb)),
        ]);
        let info: serde_json::Value =
            serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
        assert_eq!(info["documents"], 24, "{case}: {err}");
        let filter = |expr: &str| {
            let (hits, out) = env.search("*", &["--filter", expr, "-n", "1000"]);
            assert!(code(&out) <= 1, "{case} {expr}: {}", stderr(&out));
            sorted_ids(&hits)
        };
        let Some(q) = q else {
            // No value both can hold: each file's own value is found.
            assert_eq!(filter(&format!("f={va}")), ["a0"], "{case}");
            assert_eq!(filter(&format!("f={vb}")), ["b0"], "{case}");
            continue;
        };
        assert_eq!(filter(&format!("f={q}")), ["a0", "b0"], "{case} =");
        let rest = filter(&format!("f!={q}"));
        assert_eq!(rest.len(), 22, "{case} != {rest:?}");
        assert!(!rest.contains(&"a0".to_string()) && !rest.contains(&"b0".to_string()));
        let (hits, out) = env.search(&format!("f:\"{q}\""), &["-n", "1000"]);
        assert_eq!(code(&out), 0, "{case}: {}", stderr(&out));
        let found = sorted_ids(&hits);
        assert!(
            found.contains(&"a0".into()) && found.contains(&"b0".into()),
            "{case} clause: {found:?}"
        );
        // Ranges and sorting see every value that reads as a number or date, in both files.
        let low = match ka {
            "date" => "2021-01-01",
            "float" => "8",
            _ => "1990",
        };
        if matches!(
            (ka, kb),
            ("integer", "float" | "text") | ("date", "text") | ("float", "text")
        ) {
            let got = filter(&format!("f>={low}"));
            assert!(
                got.contains(&"a0".into()) && got.contains(&"b0".into()),
                "{case} range: {got:?}"
            );
            let (hits, out) = env.search("*", &["--sort", "f:asc", "-n", "1000"]);
            assert_eq!(code(&out), 0, "{case} sort: {}", stderr(&out));
            let pos = |id: &str| hits.iter().position(|h| h.doc_id == id).unwrap();
            assert_eq!(
                pos("a0").abs_diff(pos("b0")),
                1,
                "{case}: equal values sort together"
            );
        }
        // A field that is keywords anywhere has facets that count every file's values.
        if ka == "keywords" || kb == "keywords" {
            let top = info["metadata_fields"]["f"]["top_values"]
                .as_array()
                .unwrap();
            let target = top.iter().find(|v| v["value"] == q);
            assert_eq!(
                target.map(|v| &v["count"]),
                Some(&json!(2)),
                "{case}: {top:?}"
            );
        }
    }
}

#[test]
fn json_inside_csv_cells_is_read_as_its_items() {
    let mut csv = String::from("id,title,genres,spoken_languages\n");
    for i in 0..12 {
        let genres = if i % 2 == 0 {
            r#"[{""id"": 18, ""name"": ""Drama""}, {""id"": 28, ""name"": ""Action""}]"#
        } else {
            r#"[{""id"": 35, ""name"": ""Comedy""}]"#
        };
        csv.push_str(&format!(
            "m{i},Film {i},\"{genres}\",\"[{{\"\"iso_639_1\"\": \"\"es\"\", \"\"name\"\": \"\"Espa\\u00f1ol\"\"}}]\"\n"
        ));
    }
    let (env, err) = indexed(&[("movies.csv", &csv)]);
    let (hits, _) = env.search("*", &["--filter", "genres=Drama", "-n", "100"]);
    assert_eq!(hits.len(), 6, "{err}");
    assert_eq!(hits[0].metadata["genres"], json!(["Drama", "Action"]));
    let (hits, _) = env.search("*", &["--filter", "spoken_languages=Español", "-n", "100"]);
    assert_eq!(hits.len(), 12);
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    let top = &info["metadata_fields"]["genres"]["top_values"];
    assert!(
        top.as_array()
            .unwrap()
            .contains(&json!({"value": "Drama", "count": 6})),
        "{top}"
    );
    assert!(!top.to_string().contains("\\\"name\\\""), "{top}");
}

#[test]
fn lists_split_by_their_separator_only() {
    let mut csv = String::from("id,title,genres,credits,papers\n");
    let genres = ["Action|Comedy|Drama", "Drama", "Comedy|Romance"];
    for i in 0..12 {
        csv.push_str(&format!(
            "r{i},Film {i},{},\"David Maysles, Albert Maysles, and Charlotte Zwerin\",\"Commercial Appeal (Memphis, TN), The Tennessean\"\n",
            genres[i % 3]
        ));
    }
    let (env, _) = indexed(&[("ratings.csv", &csv)]);
    let count = |expr: &str| env.search("*", &["--filter", expr, "-n", "100"]).0.len();
    assert_eq!(count("genres=Drama"), 8);
    assert_eq!(count("genres=Comedy"), 8);
    assert_eq!(count("credits=Charlotte Zwerin"), 12);
    assert_eq!(count("credits=and Charlotte Zwerin"), 0);
    assert_eq!(count("papers=Commercial Appeal (Memphis, TN)"), 12);
    assert_eq!(count("papers=TN)"), 0);
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    let top = info["metadata_fields"]["genres"]["top_values"].to_string();
    assert!(!top.contains('|'), "no combinations: {top}");
}

#[test]
fn codes_match_whole_and_have_facets() {
    let certs = [
        "PG", "PG-13", "R", "PG", "R", "TV-MA", "PG-13", "R", "G", "PG", "R", "R",
    ];
    let grades = [
        "B+", "A", "B", "B+", "C", "A-", "B", "B+", "A", "C", "B", "B+",
    ];
    let scores = [
        "3/5", "8/10", "3/5", "4/5", "8/10", "3/5", "4/5", "8/10", "3/5", "4/5", "3/5", "8/10",
    ];
    let mut csv = String::from("id,title,certificate,grade,score\n");
    for i in 0..24 {
        let j = i % 12;
        csv.push_str(&format!(
            "c{i},Film {i},{},{},{}\n",
            certs[j], grades[j], scores[j]
        ));
    }
    let (env, _) = indexed(&[("top.csv", &csv)]);
    let count = |expr: &str| env.search("*", &["--filter", expr, "-n", "100"]).0.len();
    assert_eq!(count("certificate=PG"), 6, "not PG-13 too");
    assert_eq!(count("certificate=pg-13"), 4, "case aside");
    assert_eq!(count("grade=B+"), 8);
    assert_eq!(count("grade=B"), 6);
    assert_eq!(count("score=3/5"), 10);
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    assert_eq!(info["metadata_fields"]["certificate"]["type"], "keywords");
    assert_eq!(
        info["metadata_fields"]["certificate"]["top_values"][0],
        json!({"value": "R", "count": 10})
    );
    // A code stays the text it is.
    let (hits, _) = env.search("*", &["--filter", "certificate=TV-MA"]);
    assert_eq!(hits[0].metadata["certificate"], json!("TV-MA"));
}

#[test]
fn money_and_numbers_as_written_are_numbers_in_files_and_filters() {
    let (env, err) = indexed(&[(
        "box-office.csv",
        "id,title,production_budget,gross,rating\n\
         b1,Avatar,\"$425,000,000\",\"2,923,706,026\",\"1,131.6\"\n\
         b2,Small,\"$1,200\",\"28,341,469\",7.5\n\
         b3,Unknown,NA,NA,NA\n\
         b4,Euro,€300000,\"1,000\",6\n",
    )]);
    let count = |expr: &str| {
        let (hits, out) = env.search("*", &["--filter", expr, "-n", "100"]);
        assert!(code(&out) <= 1, "{expr}: {}", stderr(&out));
        sorted_ids(&hits)
    };
    assert_eq!(count("production_budget>=1000000"), ["b1"], "{err}");
    assert_eq!(count("production_budget=$425,000,000"), ["b1"]);
    assert_eq!(count("production_budget=425000000"), ["b1"]);
    assert_eq!(count("gross=28,341,469"), ["b2"]);
    assert_eq!(count("rating>1000"), ["b1"]);
    assert_eq!(count("rating<=7.5"), ["b2", "b4"]);
    let (hits, _) = env.search("*", &["--sort", "production_budget", "-n", "10"]);
    assert_eq!(ids(&hits)[..3], ["b1", "b4", "b2"]);
    // NA among numbers is no value (R's missing value), not text that retypes the column.
    let (hits, _) = env.search("doc_id:b3", &[]);
    assert!(
        !hits[0].metadata.contains_key("gross"),
        "{:?}",
        hits[0].metadata
    );
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    assert_eq!(
        info["metadata_fields"]["production_budget"]["type"],
        "integer"
    );
    assert_eq!(info["metadata_fields"]["rating"]["type"], "float");
    assert!(!err.contains("not numbers"), "{err}");
}

#[test]
fn a_column_that_repeats_is_not_the_id() {
    let mut reviews = String::from("id,critic,review\n");
    for i in 0..300 {
        reviews.push_str(&format!(
            "m{},Critic {i},Review number {i} of this film says something.\n",
            i % 7
        ));
    }
    let (env, err) = indexed(&[("critics.csv", &reviews)]);
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    assert_eq!(info["documents"], 300, "{err}");
    assert!(
        err.contains("`id` is not used as the documents' id: 293 of the first 300 rows repeat an earlier row's value"),
        "{err}"
    );
    assert!(err.contains("--id-field id"), "{err}");
    assert_eq!(err.matches("critics.csv").count(), 1, "said once: {err}");
    // The column is metadata, a filter away.
    let (hits, _) = env.search("*", &["--filter", "id=m3", "-n", "1000"]);
    assert_eq!(hits.len(), 43);
    // Asked for, it is the id, and the repeats are shadowed as duplicates.
    let out = env.run(&["index", "--rebuild", "corpus", "--id-field", "id", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    assert_eq!(info["documents"], 7);
    assert_eq!(info["shadowed"], 293);
    // `--id-field -`: no id column, rows by number.
    let (env, _) = indexed(&[("keyed.csv", "id,title,text\nx,One,first\ny,Two,second\n")]);
    let out = env.run(&["index", "--id-field", "-"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (hits, _) = env.search("second", &[]);
    assert_eq!(hits[0].doc_id, "keyed:2");
}

#[test]
fn one_stray_value_does_not_retype_a_column() {
    let mut csv = String::from("Series_Title,Year,Overview\n");
    for i in 0..200 {
        let year = if i == 57 {
            "PG".to_string()
        } else {
            (1920 + i % 100).to_string()
        };
        csv.push_str(&format!("Film {i},{year},A story about number {i}.\n"));
    }
    let (env, err) = indexed(&[("imdb_top.csv", &csv)]);
    assert!(
        err.contains("imdb_top.csv: 1 value of `year` is not numbers (the first on line 59)"),
        "{err}"
    );
    let (hits, out) = env.search("*", &["--filter", "year>=2010", "-n", "1000"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(hits.len(), 20);
    // The misfit is kept as text, found by its words.
    let (hits, _) = env.search("year:PG", &[]);
    assert_eq!(hits[0].title, "Film 57");
    // Series_Title is the title, Overview the text.
    let (hits, _) = env.search("\"number 42\"", &[]);
    assert_eq!(hits[0].title, "Film 42");
}

#[test]
fn a_json_object_keyed_by_id_is_a_collection() {
    let (env, err) = indexed(&[(
        "diary.json",
        r#"{
  "10Erlj": {"title": "Paris, Texas", "rating": 4.5, "watched": "2021-03-02"},
  "7xYt": {"title": "Stalker", "rating": 5},
  "q9": {"title": "Heat", "id": "own-id", "rating": 3}
}"#,
    )]);
    let info: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    assert_eq!(info["documents"], 3, "{err}");
    let (hits, _) = env.search("stalker", &[]);
    assert_eq!(hits[0].doc_id, "7xYt");
    let (hits, _) = env.search("heat", &[]);
    assert_eq!(hits[0].doc_id, "own-id");
    assert_eq!(hits[0].metadata["key"], json!("q9"));
    assert_eq!(hits[0].line, 4);
}

#[test]
fn facts_that_are_in_the_columns() {
    let (env, err) = indexed(&[
        (
            "movielens.csv",
            "movieId,title,genres,Runtime (mins)\n1,Toy Story (1995),Adventure|Animation|Children,81\n2,Jumanji (1995),Adventure|Children|Fantasy,104\n",
        ),
        (
            "title.basics.tsv",
            "tconst\tprimaryTitle\toriginalTitle\tstartYear\tsynopsis\ntt0111161\tThe Shawshank Redemption\tThe Shawshank Redemption\t1994\tTwo imprisoned men bond over a number of years.\n",
        ),
    ]);
    let (hits, _) = env.search("toy", &[]);
    assert_eq!(hits[0].doc_id, "1", "{err}");
    assert_eq!(hits[0].title, "Toy Story");
    assert_eq!(hits[0].metadata["year"], json!(1995));
    assert_eq!(hits[0].metadata["runtime_minutes"], json!(81));
    let (hits, _) = env.search("*", &["--filter", "runtime_minutes>=100"]);
    assert_eq!(ids(&hits), ["2"]);
    let (hits, _) = env.search("imprisoned", &[]);
    assert_eq!(hits[0].doc_id, "tt0111161");
    assert_eq!(hits[0].title, "The Shawshank Redemption");
    let (hits, _) = env.search("*", &["--filter", "year=1994"]);
    assert_eq!(ids(&hits), ["tt0111161"]);
}

#[test]
fn the_text_hint_names_a_prose_column_and_survives_the_cut() {
    let mut header: Vec<String> = (0..30)
        .map(|i| format!("extra_column_number_{i}"))
        .collect();
    header.extend(["id".into(), "poster".into(), "cast".into(), "blurb".into()]);
    let mut csv = header.join(",") + "\n";
    for i in 0..12 {
        let mut row: Vec<String> = (0..30).map(|j| format!("v{j}")).collect();
        row.push(format!("r{i}"));
        row.push(format!(
            "https://example.org/posters/very/long/path/{i}.jpg"
        ));
        row.push("\"A, B, C\"".into());
        row.push(format!("A short blurb about film {i} and its makers."));
        csv.push_str(&(row.join(",") + "\n"));
    }
    let (_, err) = indexed(&[("wide.csv", &csv)]);
    let line = err
        .lines()
        .find(|l| l.contains("no column is read as text"))
        .unwrap();
    assert!(line.contains("--text-field blurb"), "{line}");
    assert!(line.chars().count() <= 320, "shown within the cut: {line}");
}
