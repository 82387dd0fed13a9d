//! Catalogues as spreadsheets and databases export them: every filter and sort gives the right
//! answer, and no record is lost without a count. Each test runs the real binary.

mod common;

use common::{code, stderr, stdout, Env};
use serde_json::json;

fn ids(hits: &[common::Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.doc_id.as_str()).collect()
}

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
        err.contains("big.csv: 1 value of `score` is not numbers (the first in record 1201)"),
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
