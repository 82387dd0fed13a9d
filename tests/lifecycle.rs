//! The life of a corpus: folders renamed and moved, `--rebuild` after an upgrade, `reel index`
//! typed in another folder, two folders with a file of the same name, one id in two files,
//! symbolic links, remembered read settings. After every run that succeeds the index holds
//! exactly the documents of what it follows; a run that cannot make it so changes nothing.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{code, stderr, stdout, Env, Hit};
use serde_json::Value;

/// Every passage of the index in `index` (run from `cwd`, a folder of `env`): `(doc_id,
/// source as shown, text)`.
fn all(env: &Env, cwd: &str, index: &str) -> Vec<Hit> {
    let out = env
        .reel()
        .current_dir(env.path(cwd))
        .args(["search", "*", "--json", "-n", "100000", "--index", index])
        .output()
        .unwrap();
    assert!(code(&out) <= 1, "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The documents of the index as `(doc_id, source)`, from the folder of `env`.
fn documents(env: &Env) -> BTreeSet<(String, String)> {
    all(env, ".", "index")
        .into_iter()
        .filter(|h| h.passage_id == 0)
        .map(|h| (h.doc_id, h.source))
        .collect()
}

fn docs(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn ok(env: &Env, args: &[&str]) -> String {
    let out = env.run(args);
    assert_eq!(code(&out), 0, "reel {args:?}: {}", stderr(&out));
    stderr(&out)
}

fn verify_sources_ok(env: &Env) {
    let out = env.run(&["verify", "--sources"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).ends_with("sources ok\n"), "{}", stdout(&out));
}

fn jsonl(records: &[(&str, &str)]) -> String {
    records
        .iter()
        .map(|(id, text)| format!("{{\"id\":\"{id}\",\"title\":\"{text}\",\"text\":\"{text}\"}}\n"))
        .collect()
}

// 1. The same id in two files.

#[test]
fn a_shadowed_record_takes_its_id_over_when_the_holder_goes() {
    for how in ["delete", "remove the line", "rename"] {
        let env = Env::empty();
        env.write("c/a.jsonl", &jsonl(&[("x1", "alpha"), ("x2", "beta")]));
        env.write("c/b.jsonl", &jsonl(&[("x1", "gamma"), ("x3", "delta")]));
        let err = ok(&env, &["index", "c"]);
        assert!(
            err.contains(
                "duplicate document id `x1`: c/b.jsonl record 1 skipped, c/a.jsonl record 1 kept"
            ),
            "{err}"
        );
        assert!(
            err.contains("(1 record shadowed by a duplicate id)"),
            "{err}"
        );
        let info: Value = serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
        assert_eq!(info["shadowed"], 1);
        match how {
            "delete" => std::fs::remove_file(env.path("c/a.jsonl")).unwrap(),
            "remove the line" => env.write("c/a.jsonl", &jsonl(&[("x2", "beta")])),
            _ => std::fs::rename(env.path("c/a.jsonl"), env.path("c/z.jsonl")).unwrap(),
        }
        ok(&env, &["index", "c"]);
        let want = match how {
            "delete" => docs(&[("x1", "c/b.jsonl"), ("x3", "c/b.jsonl")]),
            "remove the line" => docs(&[
                ("x1", "c/b.jsonl"),
                ("x2", "c/a.jsonl"),
                ("x3", "c/b.jsonl"),
            ]),
            // z.jsonl now reads after b.jsonl: b's x1 comes first.
            _ => docs(&[
                ("x1", "c/b.jsonl"),
                ("x2", "c/z.jsonl"),
                ("x3", "c/b.jsonl"),
            ]),
        };
        assert_eq!(documents(&env), want, "{how}");
        assert_eq!(env.search("gamma", &[]).0[0].doc_id, "x1", "{how}");
        assert_eq!(code(&env.run(&["search", "alpha"])), 1, "{how}");
        verify_sources_ok(&env);
    }
}

#[test]
fn when_the_last_file_goes_its_documents_go() {
    let env = Env::empty();
    env.write("c/a.jsonl", &jsonl(&[("x1", "alpha")]));
    env.write("c/b.jsonl", &jsonl(&[("x1", "gamma")]));
    ok(&env, &["index", "c"]);
    std::fs::remove_file(env.path("c/a.jsonl")).unwrap();
    std::fs::remove_file(env.path("c/b.jsonl")).unwrap();
    let err = ok(&env, &["index", "c"]);
    assert!(
        err.contains("the followed paths hold no document now"),
        "{err}"
    );
    assert!(documents(&env).is_empty());
    assert_eq!(code(&env.run(&["search", "alpha"])), 1);
    // A first build that finds nothing is refused, as before.
    let env = Env::empty();
    env.write("empty/notes.docx", "x");
    let out = env.run(&["index", "empty"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!env.path("index/meta.json").exists());
}

// 2. A renamed folder.

#[test]
fn a_renamed_folder_is_followed_under_its_new_name() {
    let env = Env::empty();
    for i in 1..=3 {
        env.write(
            &format!("reviews/r{i}.txt"),
            &format!("Film {i}\n\nA review of film number {i}.\n"),
        );
    }
    ok(&env, &["index", "reviews"]);
    std::fs::rename(env.path("reviews"), env.path("reviews-2017")).unwrap();
    let err = ok(&env, &["index", "reviews-2017"]);
    assert!(
        err.contains("reviews: no such file or folder; its documents stay"),
        "{err}"
    );
    // Both are there meanwhile, under ids that differ.
    let both = documents(&env);
    assert_eq!(both.len(), 6, "{both:?}");
    ok(&env, &["index", "--forget", "reviews"]);
    ok(&env, &["index"]);
    assert_eq!(
        documents(&env),
        docs(&[
            ("r1", "reviews-2017/r1.txt"),
            ("r2", "reviews-2017/r2.txt"),
            ("r3", "reviews-2017/r3.txt"),
        ])
    );
    verify_sources_ok(&env);
}

// 3. Two folders with a file of the same name.

#[test]
fn two_files_of_one_name_are_two_documents() {
    let env = Env::empty();
    env.write(
        "festival-2019/opening.txt",
        "Opening 2019\n\nThe first night's film.\n",
    );
    env.write(
        "festival-2020/opening.txt",
        "Opening 2020\n\nThe second night's film.\n",
    );
    env.write("festival-2019/notes.txt", "Notes\n\nText notes.\n");
    env.write("festival-2019/notes.md", "# Notes\n\nMarkdown notes.\n");
    ok(&env, &["index", "festival-2019", "festival-2020"]);
    assert_eq!(
        documents(&env),
        docs(&[
            ("notes", "festival-2019/notes.md"),
            ("notes.txt", "festival-2019/notes.txt"),
            ("opening", "festival-2019/opening.txt"),
            ("festival-2020/opening", "festival-2020/opening.txt"),
        ])
    );
    assert_eq!(
        env.search("second", &[]).0[0].doc_id,
        "festival-2020/opening"
    );
    verify_sources_ok(&env);
    // The first keeps its id when the second comes and goes.
    std::fs::remove_dir_all(env.path("festival-2020")).unwrap();
    ok(&env, &["index", "--forget", "festival-2020"]);
    assert!(documents(&env).contains(&("opening".into(), "festival-2019/opening.txt".into())));
}

// 4. --rebuild re-reads what the index followed, from anywhere, or changes nothing.

/// An index made by reel with schema 8 (paths kept relative to where it ran, read settings for
/// the whole index), beside its corpus, in `proj/`.
fn schema8(env: &Env) {
    let fixture = common::repo_path("tests/data/schema8");
    let mut stack = vec![fixture.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&fixture).unwrap();
                env.write_bytes(
                    &format!("proj/{}", rel.display()),
                    &std::fs::read(&p).unwrap(),
                );
            }
        }
    }
}

#[test]
fn a_rebuild_after_an_upgrade_re_reads_what_was_followed_from_any_folder() {
    let env = Env::empty();
    schema8(&env);
    std::fs::create_dir_all(env.path("elsewhere")).unwrap();
    let index_files = || -> BTreeSet<String> {
        std::fs::read_dir(env.path("proj/index"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with(".tantivy-"))
            .collect()
    };
    let files_before = index_files();
    let meta_before = std::fs::read(env.path("proj/index/meta.json")).unwrap();
    // Searching says to rebuild.
    let out = env.run(&["search", "shark", "--index", "proj/index"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("schema version 8"),
        "{}",
        stderr(&out)
    );
    // With a followed file missing, the rebuild changes nothing.
    std::fs::rename(env.path("proj/top.csv"), env.path("proj/top.bak")).unwrap();
    let out = env
        .reel()
        .current_dir(env.path("elsewhere"))
        .args(["index", "--rebuild", "--index", "../proj/index"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("reel: top.csv: ")
            && stderr(&out).contains("the index is unchanged"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        files_before,
        index_files(),
        "the old index is left as it was"
    );
    assert_eq!(
        std::fs::read(env.path("proj/index/meta.json")).unwrap(),
        meta_before
    );
    std::fs::rename(env.path("proj/top.bak"), env.path("proj/top.csv")).unwrap();
    // From another folder, the rebuild finds the paths the old index recorded beside it, and
    // reads the catalogue with the roles it was read with.
    let out = env
        .reel()
        .current_dir(env.path("elsewhere"))
        .args(["index", "--rebuild", "--index", "../proj/index"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let hits = all(&env, "elsewhere", "../proj/index");
    let titles: BTreeSet<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    assert!(
        titles.contains("Jaws") && titles.contains("Heroin(e)"),
        "{titles:?}"
    );
    let info: Value = serde_json::from_str(&stdout(&env.run(&[
        "stats",
        "--json",
        "--index",
        "proj/index",
    ])))
    .unwrap();
    assert_eq!(info["documents"], 3);
    assert_eq!(info["followed"][1]["read"]["title_field"], "Series_Title");
    let out = env.run(&["verify", "--index", "proj/index", "--sources"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    // The old index's files are gone.
    for name in &files_before {
        if name.len() > 32 && name.as_bytes()[32] == b'.' {
            assert!(
                !env.path(&format!("proj/index/{name}")).exists(),
                "{name} left"
            );
        }
    }
}

#[test]
fn a_rebuild_never_empties_the_index_when_a_path_is_missing() {
    let env = Env::with_seed();
    env.write("extra/one.txt", "One\n\nA short review.\n");
    ok(&env, &["index", "corpus", "extra"]);
    std::fs::rename(env.path("extra"), env.path("extra.away")).unwrap();
    let out = env.run(&["index", "--rebuild"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(documents(&env).len(), 2);
    // Given paths, a rebuild follows exactly those.
    ok(&env, &["index", "--rebuild", "corpus"]);
    assert_eq!(documents(&env).len(), 1);
}

// 5. `reel index` from another folder.

#[test]
fn an_update_from_another_folder_updates_what_the_index_follows() {
    let env = Env::empty();
    env.write("a/corpus/a1.txt", "A1\n\nalpha one\n");
    env.write("a/corpus/a2.txt", "A2\n\nalpha two\n");
    env.write("b/corpus/b1.txt", "B1\n\nbeta\n");
    env.write("reviews/r.txt", "R\n\nanother corpus\n");
    let index = env.path("idx");
    let index = index.to_str().unwrap();
    let run = |cwd: &str| {
        env.reel()
            .current_dir(env.path(cwd))
            .env("REEL_INDEX", index)
            .arg("index")
            .output()
            .unwrap()
    };
    assert_eq!(code(&run("a")), 0);
    for cwd in ["b", "."] {
        let out = run(cwd);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("0 added, 0 changed, 0 removed, 2 unchanged files"),
            "{}",
            stderr(&out)
        );
    }
    // Paths are shown from where reel runs: below it relative, else absolute.
    let from_root = all(&env, ".", index);
    assert_eq!(from_root.len(), 2);
    assert!(from_root.iter().all(|h| h.source.starts_with("a/corpus/")));
    let from_b = all(&env, "b", index);
    let abs = env.path("a/corpus").canonicalize().unwrap();
    for h in &from_b {
        assert!(Path::new(&h.source).starts_with(&abs), "{}", h.source);
        assert_eq!(h.source, h.path);
    }
    let from_a = all(&env, "a/corpus", index);
    assert!(from_a.iter().all(|h| !h.source.contains('/')), "{from_a:?}");
}

// 6. Paths in `source:` and `--filter source=` are read from where reel runs.

#[test]
fn a_source_is_named_from_the_current_folder() {
    let env = Env::with_reviews();
    env.index();
    let (hits, out) = env.search("source:corpus/heroine-review.txt", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(hits.iter().all(|h| h.doc_id == "heroine-review"));
    let abs = env
        .path("corpus/heroine-review.txt")
        .canonicalize()
        .unwrap();
    assert_eq!(hits[0].path, abs.to_str().unwrap());
    let out = env
        .reel()
        .current_dir(env.path("corpus"))
        .args([
            "search",
            "--json",
            "drug",
            "--index",
            "../index",
            "--filter",
            "source=heroine-review.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let hit: Hit = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(hit.source, "heroine-review.txt");
}

// 7. Roles remembered per followed path.

#[test]
fn read_settings_are_remembered_for_their_path() {
    let env = Env::with_seed();
    env.write(
        "top.csv",
        "Series_Title,Overview,Released_Year\nThe Godfather,A crime family saga,1972\nJaws,A shark terrorizes a beach town,1975\n",
    );
    ok(
        &env,
        &[
            "index",
            "corpus",
            "top.csv",
            "--title-field",
            "Series_Title",
            "--text-field",
            "Overview",
        ],
    );
    // The seed was read with them too (it is a text file: they do not apply), and a later plain
    // run keeps them.
    let err = ok(&env, &["index"]);
    assert!(err.contains("nothing to index"), "{err}");
    let (hits, _) = env.search("shark", &[]);
    assert_eq!(hits[0].title, "Jaws");
    assert_eq!(hits[0].text, "A shark terrorizes a beach town");
    // Another file added without flags is read its own way.
    env.write(
        "more.csv",
        "title,description\nHoneyland,A beekeeper in Macedonia\n",
    );
    ok(&env, &["index", "more.csv"]);
    assert_eq!(env.search("beekeeper", &[]).0[0].title, "Honeyland");
    let info: Value = serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    let followed = info["followed"].as_array().unwrap();
    assert_eq!(followed.len(), 3);
    assert_eq!(followed[1]["path"], "top.csv");
    assert_eq!(followed[1]["read"]["title_field"], "Series_Title");
    assert_eq!(followed[1]["read"]["text_fields"][0], "Overview");
    assert!(followed[2]["read"].as_object().unwrap().is_empty());
    let text = stdout(&env.run(&["stats"]));
    assert!(
        text.contains("top.csv  2 files") || text.contains("--title-field Series_Title"),
        "{text}"
    );
    // Giving a flag again changes it for that path alone.
    let err = ok(&env, &["index", "top.csv", "--title-field", "Overview"]);
    assert!(err.contains("read settings changed"), "{err}");
    assert_eq!(
        env.search("shark", &[]).0[0].title,
        "A shark terrorizes a beach town"
    );
    assert_eq!(env.search("beekeeper", &[]).0[0].title, "Honeyland");
}

// 9. A symbolic link named on the command line is followed.

#[test]
fn a_linked_folder_named_on_the_command_line_is_followed() {
    let env = Env::empty();
    env.write("real/linked.txt", "Linked\n\nwords behind a link\n");
    env.write("real/inner/deep.txt", "Deep\n\nfurther in\n");
    std::os::unix::fs::symlink(env.path("real"), env.path("link")).unwrap();
    std::os::unix::fs::symlink(env.path("real/inner"), env.path("real/inner-link")).unwrap();
    let err = ok(&env, &["index", "link"]);
    // Inside a folder, links are still not followed.
    assert!(err.contains("symbolic link (not followed)"), "{err}");
    assert_eq!(
        documents(&env),
        docs(&[
            ("inner/deep", "real/inner/deep.txt"),
            ("linked", "real/linked.txt")
        ])
    );
    // The same folder spelled another way is one path.
    let err = ok(&env, &["index", "./real/"]);
    assert!(err.contains("following real\n"), "{err}");
}

// Bad input: one line, exit 2, nothing lost.

#[test]
fn a_followed_path_of_another_kind_or_that_cannot_be_followed_changes_nothing() {
    let env = Env::with_seed();
    env.write("extra/a.txt", "A\n\nalpha\n");
    ok(&env, &["index", "corpus", "extra"]);
    let meta = std::fs::read(env.path("index/meta.json")).unwrap();
    std::fs::remove_dir_all(env.path("extra")).unwrap();
    env.write("extra", "now a file");
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim_end().lines().last().unwrap(),
        "reel: extra: followed as a folder, now a file; the index is unchanged (to follow it as it is now: reel index --forget extra, then reel index extra)"
    );
    assert_eq!(std::fs::read(env.path("index/meta.json")).unwrap(), meta);
    // A dangling link given on the command line.
    std::os::unix::fs::symlink(env.path("nowhere"), env.path("dangling")).unwrap();
    let out = env.run(&["index", "dangling"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("reel: dangling: cannot be followed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
    assert_eq!(std::fs::read(env.path("index/meta.json")).unwrap(), meta);
}

#[test]
fn a_damaged_record_of_what_is_followed_says_how_to_give_the_paths_again() {
    let env = Env::with_seed();
    env.index();
    let list = std::fs::read_dir(env.path("index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("reel-files-")
        })
        .unwrap();
    let mut bytes = std::fs::read(&list).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    std::fs::write(&list, bytes).unwrap();
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("the index's record of the paths it follows is damaged or missing")
            && err.contains("reel index --rebuild --index index PATH..."),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // Its searches still answer; a rebuild given the paths makes it whole.
    assert_eq!(code(&env.run(&["search", "drug"])), 0);
    let out = env.run(&["index", "--rebuild"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    ok(&env, &["index", "--rebuild", "corpus"]);
    verify_sources_ok(&env);
}

// reel verify --sources.

#[test]
fn verify_sources_lists_what_is_missing_extra_or_stale() {
    let env = Env::with_seed();
    env.write("corpus/a.jsonl", &jsonl(&[("x1", "alpha"), ("x2", "beta")]));
    env.index();
    verify_sources_ok(&env);
    env.write(
        "corpus/a.jsonl",
        &jsonl(&[("x1", "alpha"), ("x3", "gamma")]),
    );
    env.write("corpus/new.txt", "New\n\nA new review.\n");
    std::fs::remove_file(env.path("corpus/heroine-review.txt")).unwrap();
    let out = env.run(&["verify", "--sources"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    for line in [
        "stale: corpus/a.jsonl (changed since it was indexed)",
        "stale: corpus/new.txt (on disk, not indexed yet)",
        "stale: corpus/heroine-review.txt (indexed, no longer on disk)",
        "missing: x3 (corpus/a.jsonl): in the files, not in the index",
        "missing: new (corpus/new.txt): in the files, not in the index",
        "extra: x2 (corpus/a.jsonl): in the index, not in the files",
        "extra: heroine-review (corpus/heroine-review.txt): in the index, not in the files",
        "sources differ: 2 missing, 2 extra, 3 stale",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let out = env.run(&["verify", "--sources", "--json"]);
    assert_eq!(code(&out), 1);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["sources"]["missing"].as_array().unwrap().len(), 2);
    assert_eq!(v["sources"]["extra"][0]["id"], "heroine-review");
    env.index();
    verify_sources_ok(&env);
    // Without --sources, verify checks the index alone.
    env.write("corpus/new.txt", "New\n\nChanged.\n");
    assert_eq!(code(&env.run(&["verify"])), 0);
}
