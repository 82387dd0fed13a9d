//! Updating an index: unchanged runs do nothing, added/changed/removed files are reflected,
//! duplicate ids follow the first-read rule, one writer at a time, damage is found by
//! `reel verify`, and a killed run loses nothing.

mod common;

use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use common::{code, stderr, stdout, Env};
use serde_json::Value;

fn stats(env: &Env, index: &str) -> (u64, u64) {
    let out = env.run(&["stats", "--json", "--index", index]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    (
        v["documents"].as_u64().unwrap(),
        v["passages"].as_u64().unwrap(),
    )
}

fn verify_ok(env: &Env, index: &str) {
    let out = env.run(&["verify", "--index", index]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).ends_with("ok\n"), "{}", stdout(&out));
}

/// Every file in the index folder is the last commit's, its file list or tantivy's bookkeeping.
/// (Segment ids appear with dashes in meta.json, without in file names.)
fn assert_nothing_left_behind(env: &Env) {
    let meta = std::fs::read_to_string(env.path("index/meta.json")).unwrap();
    let segments = meta.replace('-', "");
    for entry in std::fs::read_dir(env.path("index")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let known = name == "meta.json"
            || name == ".managed.json"
            || name.starts_with(".tantivy-")
            || (name.starts_with("reel-files-") && meta.contains(&name))
            || segments.contains(name.split('.').next().unwrap());
        assert!(known, "left behind: {name}");
    }
}

#[test]
fn an_unchanged_corpus_is_not_indexed_again() {
    let env = Env::with_reviews();
    env.index();
    let meta = std::fs::read(env.path("index/meta.json")).unwrap();
    let out = env.index();
    let err = stderr(&out);
    assert!(err.contains("0 added, 0 changed, 0 removed"), "{err}");
    assert!(err.contains("nothing to index"), "{err}");
    assert_eq!(std::fs::read(env.path("index/meta.json")).unwrap(), meta);
}

#[test]
fn added_changed_and_removed_files_are_reflected_in_one_update() {
    let env = Env::with_reviews();
    env.index();
    let (docs, _) = stats(&env, "index");
    let names: Vec<String> = std::fs::read_dir(env.path("corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "heroine-review.txt")
        .collect();
    assert!(names.len() >= 2, "{names:?}");
    // Remove one review, change another, add a new one.
    std::fs::remove_file(env.path(&format!("corpus/{}", names[0]))).unwrap();
    env.write(
        &format!("corpus/{}", names[1]),
        "Changed Title\n\nA review now about quokkas on Rottnest Island.\n",
    );
    env.write(
        "corpus/new-review.txt",
        "Zanzibar Nights\n\nA documentary about the spice markets of Stone Town.\n",
    );
    let out = env.index();
    let err = stderr(&out);
    assert!(err.contains("1 added, 1 changed, 1 removed"), "{err}");
    assert_eq!(stats(&env, "index").0, docs);
    let (hits, _) = env.search("quokkas", &[]);
    assert_eq!(hits[0].title, "Changed Title");
    let (hits, _) = env.search("spice markets", &[]);
    assert_eq!(hits[0].doc_id, "new-review");
    // Nothing of the removed or the old version of the changed file is left.
    let removed_id = names[0].rsplit_once('.').unwrap().0.to_string();
    let changed_id = names[1].rsplit_once('.').unwrap().0.to_string();
    for id in [removed_id.as_str(), changed_id.as_str()] {
        let (hits, _) = env.search("*", &["-n", "1000"]);
        let passages = hits.iter().filter(|h| h.doc_id == id).count();
        let expected = usize::from(id == changed_id);
        assert_eq!(passages, expected, "{id}");
    }
    verify_ok(&env, "index");
}

#[test]
fn a_change_that_keeps_size_and_time_is_found_by_content() {
    let env = Env::with_seed();
    env.write("corpus/film.txt", "Film\n\nA story about owls.\n");
    env.index();
    let path = env.path("corpus/film.txt");
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    owls_become_elks_keeping(&env, mtime);
}

/// Sets a file's modification time.
fn set_mtime(path: &std::path::Path, time: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

/// Rewrites corpus/film.txt with a word changed, same size, its time put back to `mtime`; the
/// next run must see the change.
fn owls_become_elks_keeping(env: &Env, mtime: std::time::SystemTime) {
    env.write("corpus/film.txt", "Film\n\nA story about elks.\n");
    set_mtime(&env.path("corpus/film.txt"), mtime);
    let out = env.index();
    assert!(
        stderr(&out).contains("0 added, 1 changed"),
        "{}",
        stderr(&out)
    );
    let (hits, _) = env.search("elks", &[]);
    assert_eq!(hits[0].doc_id, "film");
    assert_eq!(code(&env.run(&["search", "owls"])), 1);
}

/// A file left alone for a while is known by its stat key on the next run (not read again); an
/// edit of the same size with its old time put back still changes the inode's change time, so
/// it is found.
#[test]
fn a_settled_file_is_known_by_its_stat_and_an_edit_is_still_found() {
    let env = Env::with_seed();
    env.write("corpus/film.txt", "Film\n\nA story about owls.\n");
    let path = env.path("corpus/film.txt");
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    set_mtime(&path, old);
    // Settled: its inode changed more than two seconds before the run.
    std::thread::sleep(Duration::from_millis(2200));
    env.index();
    let lists: Vec<String> = std::fs::read_dir(env.path("index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("reel-files-")
        })
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        lists.iter().any(|l| l.contains("\"stat\"")),
        "no stat key recorded: {lists:?}"
    );
    let out = env.index();
    assert!(
        stderr(&out).contains("0 added, 0 changed, 0 removed"),
        "{}",
        stderr(&out)
    );
    owls_become_elks_keeping(&env, old);
}

#[test]
fn a_changed_csv_replaces_all_its_rows() {
    let env = Env::empty();
    env.write(
        "corpus/films.csv",
        "id,title,description\na1,Alpha,about alpacas\nb2,Beta,about beavers\nc3,Gamma,about cranes\n",
    );
    env.index();
    assert_eq!(stats(&env, "index").0, 3);
    env.write(
        "corpus/films.csv",
        "id,title,description\na1,Alpha,about alpacas\nc3,Gamma,about crows\n",
    );
    env.index();
    assert_eq!(stats(&env, "index").0, 2);
    assert_eq!(code(&env.run(&["search", "beavers"])), 1);
    assert_eq!(code(&env.run(&["search", "cranes"])), 1);
    let (hits, _) = env.search("crows", &[]);
    assert_eq!(hits[0].doc_id, "c3");
    verify_ok(&env, "index");
}

#[test]
fn duplicate_ids_keep_the_first_read_and_name_both_places() {
    let env = Env::empty();
    env.write(
        "corpus/a.jsonl",
        "{\"id\":\"x1\",\"text\":\"first copy about herons\"}\n{\"id\":\"x2\",\"text\":\"other\"}\n{\"id\":\"x1\",\"text\":\"second copy about ibises\"}\n",
    );
    env.write(
        "corpus/b.jsonl",
        "{\"id\":\"x2\",\"text\":\"third copy about storks\"}\n",
    );
    let out = env.index();
    let err = stderr(&out);
    assert!(
        err.contains("duplicate document id `x1`: corpus/a.jsonl record 3 skipped, corpus/a.jsonl record 1 kept"),
        "{err}"
    );
    assert!(
        err.contains("duplicate document id `x2`: corpus/b.jsonl record 1 skipped, corpus/a.jsonl record 2 kept"),
        "{err}"
    );
    assert_eq!(stats(&env, "index").0, 2);
    assert_eq!(env.search("herons", &[]).0[0].doc_id, "x1");
    assert_eq!(code(&env.run(&["search", "ibises"])), 1);
    assert_eq!(code(&env.run(&["search", "storks"])), 1);
    verify_ok(&env, "index");

    // Reading order decides, whenever a file came: a file that sorts first takes the id from
    // a document indexed before.
    env.write(
        "corpus/0-early.jsonl",
        "{\"id\":\"x1\",\"text\":\"a late copy about egrets\"}\n",
    );
    let out = env.index();
    let err = stderr(&out);
    assert!(
        err.contains("duplicate document id `x1`: corpus/a.jsonl (indexed before) skipped, corpus/0-early.jsonl record 1 kept"),
        "{err}"
    );
    assert_eq!(env.search("egrets", &[]).0[0].doc_id, "x1");
    assert_eq!(code(&env.run(&["search", "herons"])), 1);
    assert_eq!(stats(&env, "index").0, 2);
    verify_ok(&env, "index");
    // And gives it back when it goes.
    std::fs::remove_file(env.path("corpus/0-early.jsonl")).unwrap();
    env.index();
    assert_eq!(env.search("herons", &[]).0[0].doc_id, "x1");
    assert_eq!(code(&env.run(&["search", "egrets"])), 1);
    assert_eq!(stats(&env, "index").0, 2);
    verify_ok(&env, "index");
}

#[test]
fn other_read_options_rebuild_every_file() {
    let env = Env::with_reviews();
    env.index();
    let out = env.run(&["index", "--whole-documents"]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains(
            "corpus: read settings changed (the defaults -> --whole-documents); re-reading its files"
        ),
        "{}",
        stderr(&out)
    );
    let (docs, passages) = stats(&env, "index");
    assert_eq!(docs, passages);
    verify_ok(&env, "index");
}

#[test]
fn a_second_writer_fails_at_once_and_search_still_answers() {
    let env = Env::with_seed();
    env.index();
    // Hold the writer lock the way a running `reel index` does.
    let lock = std::fs::File::options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(env.path("index/.tantivy-writer.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    env.write("corpus/new.txt", "New\n\nA new review about ferries.\n");
    let started = Instant::now();
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim_end(),
        "reel: another reel index is writing to index"
    );
    assert!(started.elapsed() < Duration::from_secs(30), "it waited");
    let (hits, out) = env.search("drug court", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(hits[0].passage_id, 2);
    // A rebuild waits its turn too: nothing is removed under the running writer.
    let out = env.run(&["index", "--rebuild"]);
    assert_eq!(code(&out), 2);
    assert_eq!(env.search("drug court", &[]).0[0].passage_id, 2);
    lock.unlock().unwrap();
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(env.search("ferries", &[]).0[0].doc_id, "new");
}

#[test]
fn reads_while_updates_commit_never_report_damage() {
    // Each update commits, and merges and clean-ups remove files of earlier commits: a reader
    // opening the index meanwhile may find a file of the commit it read gone. Search, stats and
    // verify must answer for some commit, never call the index damaged.
    let env = Env::with_seed();
    let mut lines = String::new();
    for i in 0..2000 {
        lines.push_str(&format!(
            "{{\"id\":\"a{i}\",\"text\":\"words of review {i} about film and court\"}}\n"
        ));
    }
    env.write("corpus/a.jsonl", &lines);
    env.index();
    let writer = {
        let root = env.path("");
        let bin = env!("CARGO_BIN_EXE_reel");
        std::thread::spawn(move || {
            for i in 0..40 {
                let name = root.join(format!("corpus/b{}.jsonl", i % 12));
                std::fs::write(&name, format!("{{\"id\":\"b{i}\",\"text\":\"new {i}\"}}\n"))
                    .unwrap();
                let _ = std::fs::remove_file(root.join(format!("corpus/b{}.jsonl", (i + 6) % 12)));
                let out = StdCommand::new(bin)
                    .args(["index", "-q"])
                    .current_dir(&root)
                    .output()
                    .unwrap();
                assert_eq!(code(&out), 0, "{}", stderr(&out));
            }
        })
    };
    let mut reads = 0;
    let mut failures = Vec::new();
    while !writer.is_finished() {
        for args in [
            &["stats", "--json"][..],
            &["search", "film court", "-n", "3"][..],
            &["verify"][..],
        ] {
            let out = env.run(args);
            reads += 1;
            if code(&out) != 0 {
                failures.push(format!("{args:?}: {}{}", stdout(&out), stderr(&out)));
            }
        }
    }
    writer.join().unwrap();
    assert!(reads >= 3, "no read ran while the updates did");
    assert!(
        failures.is_empty(),
        "{} of {reads} reads failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
}

#[test]
fn verify_finds_damage_and_search_says_rebuild_without_a_panic() {
    let env = Env::with_reviews();
    env.index();
    verify_ok(&env, "index");
    let store = std::fs::read_dir(env.path("index"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "store"))
        .unwrap();
    let mut bytes = std::fs::read(&store).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&store, &bytes).unwrap();
    let out = env.run(&["verify"]);
    assert_eq!(code(&out), 2);
    let name = store.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        stdout(&out).contains(&format!("{name}: checksum mismatch")),
        "{}",
        stdout(&out)
    );
    let out = env.run(&["verify", "--json"]);
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["problems"].as_array().unwrap().len(), 1);

    // A missing file: search fails in one line that suggests a rebuild.
    let term = store.with_extension("term");
    std::fs::remove_file(&term).unwrap();
    let out = env.run(&["search", "drug court"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("reel index --rebuild"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(code(&env.run(&["index"])), 2);
    let out = env.run(&["index", "--rebuild"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    verify_ok(&env, "index");
}

#[test]
fn a_damaged_commit_record_is_said_in_plain_words_and_rebuild_mends_it() {
    let env = Env::with_seed();
    for (content, said) in [
        (
            "{\"segments\": [\n",
            "is damaged (not JSON: EOF while parsing a list at line 2, column 0)",
        ),
        ("", "is empty"),
        ("[1, \"\u{5fcd}\"]", "is JSON but not a commit record"),
        ("\u{feff}garbage \u{1f3ac}", "is damaged (not JSON"),
    ] {
        env.index();
        std::fs::write(env.path("index/meta.json"), content).unwrap();
        for args in [
            &["search", "drug court"][..],
            &["stats"][..],
            &["index"][..],
        ] {
            let out = env.run(args);
            assert_eq!(code(&out), 2);
            let err = stderr(&out);
            assert!(
                err.contains(&format!("meta.json, the record of the last commit, {said}")),
                "{args:?}: {err}"
            );
            assert!(err.contains("reel index --rebuild"), "{err}");
            assert!(
                !err.contains("Data corrupt") && !err.contains("Content:"),
                "tantivy's words: {err}"
            );
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        let out = env.run(&["verify"]);
        assert_eq!(code(&out), 2);
        assert!(stdout(&out).contains(said), "{}", stdout(&out));
        // The advice works: the index is whole again, with every document it followed.
        let out = env.run(&["index", "--rebuild"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        verify_ok(&env, "index");
        assert_eq!(env.search("drug court", &[]).0[0].passage_id, 2);
    }
}

#[test]
fn an_index_of_another_version_is_refused_until_rebuilt() {
    let env = Env::with_seed();
    env.index();
    let meta_path = env.path("index/meta.json");
    let meta = std::fs::read_to_string(&meta_path).unwrap();
    let mut v: Value = serde_json::from_str(&meta).unwrap();
    let payload = v["payload"].as_str().unwrap().to_string();
    let mut manifest: Value = serde_json::from_str(&payload).unwrap();
    manifest["schema_version"] = Value::from(3);
    v["payload"] = Value::from(manifest.to_string());
    std::fs::write(&meta_path, v.to_string()).unwrap();
    for args in [&["search", "drug court"][..], &["index"][..]] {
        let out = env.run(args);
        assert_eq!(code(&out), 2);
        let err = stderr(&out);
        assert!(err.contains("schema version 3"), "{err}");
        assert!(err.contains("reel index --rebuild"), "{err}");
    }
    assert_eq!(code(&env.run(&["verify"])), 2);
    let out = env.run(&["index", "--rebuild"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(env.search("drug court", &[]).0[0].passage_id, 2);
}

/// Writes a CSV of `rows` reviews, big enough that indexing it takes a while.
fn write_big_csv(env: &Env, rel: &str, rows: usize, tag: &str) {
    let mut csv = String::from("id,title,review\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "{tag}{i},Film {i},\"A {tag} review number {i} about rivers, bridges and the people who cross them every day. \
             The second sentence mentions lighthouse keepers and ferry captains.\n\nA second paragraph, for passages.\"\n"
        ));
    }
    env.write(rel, &csv);
}

#[test]
fn a_killed_run_leaves_the_last_commit_and_a_rerun_completes_it() {
    let env = Env::empty();
    write_big_csv(&env, "corpus/a.csv", 20_000, "a");
    env.index();
    let before = stats(&env, "index");
    write_big_csv(&env, "corpus/b.csv", 60_000, "b");
    let bin = assert_cmd::cargo::cargo_bin("reel");
    for delay_ms in [50u64, 300, 900] {
        let mut child = StdCommand::new(&bin)
            .args(["index", "--threads", "2"])
            .current_dir(env.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let after = stats(&env, "index");
        if status.success() {
            // It finished first: then it is complete.
            assert_eq!(after.0, 80_000);
            break;
        }
        assert_eq!(after, before, "killed after {delay_ms} ms");
        let out = env.run(&["search", "lighthouse"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        verify_ok(&env, "index");
    }
    let out = env.index();
    assert!(
        stderr(&out).contains("holds 80000 documents"),
        "{}",
        stderr(&out)
    );
    verify_ok(&env, "index");
    assert_nothing_left_behind(&env);
}

#[test]
fn a_rebuild_giving_the_same_file_list_keeps_a_sound_index() {
    let env = Env::with_reviews();
    env.index();
    for _ in 0..2 {
        let out = env.run(&["index", "--rebuild"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        verify_ok(&env, "index");
    }
    let out = env.index();
    assert!(
        stderr(&out).contains("0 added, 0 changed, 0 removed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_update_leaves_no_file_the_commit_does_not_use() {
    let env = Env::empty();
    env.write("corpus/a.txt", "A\n\nA review about alpacas.\n");
    env.index();
    // A second run: b's passages go into a segment of their own.
    env.write("corpus/b.txt", "B\n\nA review about bison.\n");
    env.index();
    // Changing b empties that segment; a stays, so its old documents are looked up meanwhile.
    env.write("corpus/b.txt", "B\n\nA review about buffalo.\n");
    env.index();
    assert_nothing_left_behind(&env);
    verify_ok(&env, "index");
}

#[test]
fn segment_files_the_commit_does_not_use_are_removed_by_the_next_run() {
    let env = Env::with_seed();
    env.index();
    let names = || -> Vec<String> {
        std::fs::read_dir(env.path("index"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let live = names().into_iter().find(|n| n.ends_with(".store")).unwrap();
    let live_bytes = std::fs::read(env.path(&format!("index/{live}"))).unwrap();
    // What a killed run can leave: a segment nobody names, a stale delete file, a file list
    // nobody names. They are tantivy's and reel's by their content (a tantivy footer, a list).
    let orphan = "0123456789abcdef0123456789abcdef";
    for ext in ["idx", "term", "store", "7.del"] {
        env.write_bytes(&format!("index/{orphan}.{ext}"), &live_bytes);
    }
    let stale_delete = format!("{}.3.del", &live[..32]);
    env.write_bytes(&format!("index/{stale_delete}"), &live_bytes);
    let committed_list = names()
        .into_iter()
        .find(|n| n.starts_with("reel-files-"))
        .unwrap();
    let list = std::fs::read(env.path(&format!("index/{committed_list}"))).unwrap();
    env.write_bytes(
        "index/reel-files-00000000000000000000000000000000.json",
        &list,
    );
    // Look-alikes of the user's: the same kinds of names, other content. They stay.
    let user = "fedcba9876543210fedcba9876543210";
    env.write(&format!("index/{user}.idx"), "my notes");
    env.write(
        "index/reel-files-11111111111111111111111111111111.json",
        "{}",
    );
    let out = env.index();
    assert!(
        stderr(&out).contains("nothing to index"),
        "{}",
        stderr(&out)
    );
    let left = names();
    for name in &left {
        assert!(!name.starts_with(orphan), "{name} left");
        assert_ne!(name, &stale_delete);
        assert!(!name.starts_with("reel-files-0000"), "{name} left");
    }
    assert!(left.contains(&format!("{user}.idx")), "{left:?}");
    assert!(
        left.contains(&"reel-files-11111111111111111111111111111111.json".to_string()),
        "{left:?}"
    );
    std::fs::remove_file(env.path(&format!("index/{user}.idx"))).unwrap();
    std::fs::remove_file(env.path("index/reel-files-11111111111111111111111111111111.json"))
        .unwrap();
    verify_ok(&env, "index");
    assert_eq!(env.search("drug court", &[]).0[0].passage_id, 2);
}
