//! Hostile inputs and queries: each gets a defined outcome (a warning naming the file and line,
//! or a one-line error), never a panic or a hang, and the good documents around it are indexed.

mod common;

use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use common::{code, stderr, stdout, Env};

/// Runs `reel ARGS` in the test folder, killing it if it runs past `secs` (a hang guard, not a
/// speed check: every case here takes milliseconds).
fn run_bounded(env: &Env, args: &[&std::ffi::OsStr], secs: u64) -> Output {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("reel"))
        .args(args)
        .current_dir(env.dir.path())
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("reel {args:?} did not finish in {secs} s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("internal error"), "{}", stderr(&out));
    out
}

fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
    args.iter().map(|a| a.into()).collect()
}

fn run(env: &Env, args: &[&str]) -> Output {
    let args = os(args);
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    run_bounded(env, &refs, 120)
}

fn search_ids(env: &Env, query: &str) -> Vec<String> {
    let out = run(env, &["search", "--json", "-n", "100", query]);
    stdout(&out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["doc_id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn bad_files_get_a_warning_each_and_the_good_ones_are_indexed() {
    let env = Env::with_seed();
    env.write("corpus/good.txt", "Good\n\nA good review about lanterns.\n");
    env.write_bytes(
        "corpus/latin1.txt",
        b"Latin\n\nCaf\xe9 review about kettles \xff\nline \xe9 again\n",
    );
    env.write_bytes(
        "corpus/latin1.jsonl",
        b"{\"id\":\"l1\",\"text\":\"caf\xe9 about teapots\"}\n{\"id\":\"l2\",\"text\":\"\xff again\"}\n",
    );
    env.write_bytes(
        "corpus/latin1.json",
        b"[{\"id\":\"a1\",\"text\":\"about herons\"},\n {\"id\":\"a2\",\"text\":\"caf\xe9 about cranes\"},\n {\"id\":\"a3\",\"text\":\"about storks\"}]\n",
    );
    env.write_bytes("corpus/binary.txt", b"Bin\x00\x01\x02\x03 data");
    env.write_bytes("corpus/binary.csv", b"id,text\n1,x\x00y\n");
    for name in ["empty.txt", "empty.csv", "empty.jsonl", "empty.json"] {
        env.write(&format!("corpus/{name}"), "");
    }
    env.write(
        "corpus/reviews.jsonl",
        "{\"id\":\"j1\",\"text\":\"about otters\"}\n{broken\n{\"id\":\"j3\",\"text\":\"about badgers\"}\n",
    );
    env.write(
        "corpus/rows.csv",
        "id,text\nr1,about voles\nr2,b,c\nr3,about moles\n",
    );
    let out = run(&env, &["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    for expected in [
        "corpus/latin1.txt:3: not UTF-8; read as Windows-1252 (Latin-1)",
        "corpus/latin1.jsonl:1: not UTF-8; read as Windows-1252",
        "corpus/latin1.json:2: not UTF-8; read as Windows-1252",
        "corpus/binary.txt:1: binary file, skipped",
        "corpus/binary.csv:1: binary file, skipped",
        "corpus/empty.txt: empty file, skipped",
        "corpus/empty.csv: empty file, skipped",
        "corpus/empty.jsonl: empty file, skipped",
        "corpus/empty.json: empty file, skipped",
        "corpus/reviews.jsonl:2: invalid JSON",
        "corpus/rows.csv:3: row has 3 fields, the header has 2; row skipped",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
    // Invalid UTF-8 is reported once per file.
    assert_eq!(err.matches("latin1.txt").count(), 1, "{err}");
    assert_eq!(err.matches("latin1.jsonl").count(), 1, "{err}");
    for (query, id) in [
        ("lanterns", "good"),
        ("kettles", "latin1"),
        ("teapots", "l1"),
        ("otters", "j1"),
        ("badgers", "j3"),
        ("voles", "r1"),
        ("moles", "r3"),
        ("\"drug court\"", "heroine-review"),
    ] {
        assert_eq!(
            search_ids(&env, query).first().map(String::as_str),
            Some(id)
        );
    }
    // Bytes that are not UTF-8 read as the Windows-1252 text they most likely are: `Caf\xe9`
    // is "Café", found by `café` and `cafe`; valid lines of the same file are left as they are.
    let mut cafe = search_ids(&env, "café");
    cafe.sort();
    assert_eq!(cafe, ["a2", "l1", "latin1"]);
    assert_eq!(search_ids(&env, "cafe").len(), 3);
    // A JSON array loses nothing to such a byte: the objects after it are read.
    assert_eq!(search_ids(&env, "storks"), ["a3"]);
    let out = run(&env, &["search", "--json", "kettles"]);
    let hit: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert!(
        hit["text"]
            .as_str()
            .unwrap()
            .starts_with("Café review about kettles ÿ"),
        "{hit}"
    );
}

#[test]
fn utf16_files_with_a_byte_order_mark_are_read() {
    let env = Env::empty();
    // A spreadsheet's "Unicode text" export: UTF-16 little-endian TSV with CRLF lines.
    let tsv = "Title\tYear\tPlot\r\nAmélie\t2001\tA shy waitress “helps” others.\r\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(tsv.encode_utf16().flat_map(u16::to_le_bytes));
    env.write_bytes("corpus/unicode.tsv", &le);
    // Big-endian text, as some editors save it.
    let txt = "Über Bienen\n\nA review about beekeepers in the Alps.\n";
    let mut be = vec![0xFE, 0xFF];
    be.extend(txt.encode_utf16().flat_map(u16::to_be_bytes));
    env.write_bytes("corpus/bienen.txt", &be);
    let out = run(&env, &["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("binary"), "{}", stderr(&out));
    let out = run(&env, &["search", "--json", "amelie"]);
    let hit: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(hit["title"], "Amélie");
    assert_eq!(hit["metadata"]["year"], 2001);
    assert_eq!(hit["line"], 2);
    assert_eq!(search_ids(&env, "beekeepers"), ["bienen"]);
    let out = run(&env, &["search", "--json", "beekeepers"]);
    let hit: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(hit["title"], "Über Bienen");
}

#[test]
fn a_one_megabyte_line_is_cut_into_bounded_passages() {
    let env = Env::empty();
    let words: Vec<String> = (0..120_000).map(|i| format!("w{i}")).collect();
    env.write("corpus/long.txt", &format!("Long\n\n{}\n", words.join(" ")));
    env.write(
        "corpus/nospace.txt",
        &format!("No Space\n\n{} tail\n", "x".repeat(1 << 20)),
    );
    let out = run(&env, &["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&env, &["search", "--json", "w119999"]);
    let hit: serde_json::Value =
        serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert!(hit["text"].as_str().unwrap().len() <= 2000 + 8);
    assert_eq!(search_ids(&env, "tail"), vec!["nospace"]);
}

#[test]
fn many_files_deep_folders_links_and_pipes() {
    let env = Env::empty();
    for i in 0..3000 {
        env.write(
            &format!("corpus/many/{:02}/r{i}.txt", i % 50),
            &format!("Review {i}\n\nTiny review number n{i} about puffins.\n"),
        );
    }
    let mut deep = String::from("corpus/deep");
    for _ in 0..100 {
        deep.push_str("/d");
    }
    env.write(
        &format!("{deep}/bottom.txt"),
        "Bottom\n\nA review about wells.\n",
    );
    std::os::unix::fs::symlink(".", env.path("corpus/loop")).unwrap();
    std::os::unix::fs::symlink("../corpus", env.path("corpus/many/up")).unwrap();
    let fifo = env.path("corpus/pipe.txt");
    let made = StdCommand::new("mkfifo").arg(&fifo).status();
    let have_fifo = made.is_ok_and(|s| s.success());
    if !have_fifo {
        common::skip("fifos", "mkfifo is not available");
    }
    let out = run(&env, &["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("3001 documents"), "{err}");
    assert!(
        err.contains("corpus/loop: symbolic link (not followed), skipped"),
        "{err}"
    );
    if have_fifo {
        assert!(err.contains("corpus/pipe.txt: not a regular file"), "{err}");
        // Named on the command line, it is refused without being opened too.
        let out = run(&env, &["index", "corpus/pipe.txt", "--index", "other"]);
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(search_ids(&env, "n2999"), vec!["many/49/r2999"]);
    assert_eq!(search_ids(&env, "wells").len(), 1);
    // An unchanged re-run over all of them does nothing.
    let out = run(&env, &["index"]);
    assert!(
        stderr(&out).contains("0 added, 0 changed, 0 removed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unreadable_files_are_skipped_with_a_warning() {
    let env = Env::with_seed();
    env.write("corpus/secret.txt", "Secret\n\nA locked review.\n");
    let path = env.path("corpus/secret.txt");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        common::skip(
            "unreadable_files_are_skipped_with_a_warning",
            "this user (root) reads files whatever their permissions",
        );
        return;
    }
    let out = run(&env, &["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("corpus/secret.txt"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("skipped"), "{}", stderr(&out));
    assert_eq!(search_ids(&env, "\"drug court\"")[0], "heroine-review");
}

#[test]
fn an_index_folder_inside_the_corpus_is_not_read() {
    let env = Env::with_seed();
    let out = run(&env, &["index", "corpus", "--index", "corpus/idx"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&env, &["index", "corpus", "--index", "corpus/idx"]);
    assert_eq!(code(&out), 0);
    let err = stderr(&out);
    assert!(
        err.contains("0 added, 0 changed, 0 removed, 1 unchanged file"),
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn non_utf8_names_and_arguments() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::empty();
    let name = std::ffi::OsStr::from_bytes(b"corpus/caf\xe9.txt");
    std::fs::create_dir_all(env.path("corpus")).unwrap();
    std::fs::write(
        env.dir.path().join(name),
        "Odd Name\n\nA review about moths.\n",
    )
    .unwrap();
    let index = std::ffi::OsStr::new("index");
    let out = run_bounded(&env, &["index".as_ref(), name], 60);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(search_ids(&env, "moths"), vec!["caf\u{fffd}"]);
    // A folder of such names.
    let out = run_bounded(
        &env,
        &[
            "index".as_ref(),
            "corpus".as_ref(),
            "--index".as_ref(),
            index,
        ],
        60,
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // A query that is not UTF-8: one clear error, exit 2.
    let query = std::ffi::OsStr::from_bytes(b"moth\xff");
    let out = run_bounded(&env, &["search".as_ref(), query], 60);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("invalid UTF-8"), "{}", stderr(&out));
}

#[test]
fn hostile_queries_answer_or_fail_in_one_line() {
    let env = Env::with_seed();
    run(&env, &["index"]);
    let long = "court ".repeat(1700);
    let nested = format!("{}court{}", "(".repeat(1000), ")".repeat(1000));
    let cases: Vec<(&str, &[i32])> = vec![
        ("\"drug court", &[0, 1]),
        ("(drug court", &[0]),
        ("drug court)", &[0]),
        ("AND", &[0, 1]),
        ("OR", &[0, 1]),
        ("NOT", &[0, 1]),
        ("-", &[0, 1]),
        ("+", &[0, 1]),
        ("the of and", &[0, 1]),
        (long.as_str(), &[2]),
        (nested.as_str(), &[2]),
        ("nosuchfield:court", &[0, 1]),
        ("drug\u{1}court\u{7}\u{1b}[31m", &[0]),
        ("year:[2000 TO", &[0, 1, 2]),
        ("title:", &[0, 1]),
        ("\"\"", &[0, 1]),
        ("\\", &[0, 1]),
        ("court^1e40", &[0, 1]),
        ("court~99999", &[0, 1]),
        ("*:*", &[0, 1]),
        ("year:>abc", &[0, 1, 2]),
        // An integer and a decimal bound: tantivy panics on it; reel reports a query error.
        ("year:[0 TO 0.1]", &[0, 1, 2]),
        ("year: { 0  0.1 ", &[0, 1, 2]),
    ];
    for (query, allowed) in cases {
        let out = run(&env, &["search", query]);
        let c = code(&out);
        let err = stderr(&out);
        let shown: String = query.chars().take(40).collect();
        assert!(allowed.contains(&c), "{shown:?}: exit {c}\n{err}");
        if c == 2 {
            assert_eq!(err.lines().count(), 1, "{shown:?}: {err}");
        }
        // Nothing from the query reaches the terminal raw.
        assert!(!err.contains('\u{1b}'), "{shown:?}: {err:?}");
        assert!(!stdout(&out).contains('\u{1b}'), "{shown:?}");
    }
}
