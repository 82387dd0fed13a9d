//! What users of ripgrep and fd expect of a command-line tool: completions and a man page made
//! from the same definitions as `--help`, `REEL_INDEX`, a version that names the index format,
//! stems that cannot drift under an index unnoticed, front matter read as YAML, warnings that
//! do not bury the summary, and colour that follows the usual environment variables.

mod common;

use common::{code, ids, stderr, stdout, Env};

/// The subcommands `reel --help` lists (its `Commands:` section), without `help`.
fn subcommands(env: &Env) -> Vec<String> {
    let help = stdout(&env.run(&["--help"]));
    let names: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A name at two spaces; wrapped descriptions are indented further.
        .filter(|l| !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    // The list is read from the help, so check that reading it worked.
    for expected in [
        "index",
        "search",
        "stats",
        "verify",
        "eval",
        "export",
        "completions",
        "man",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    names
}

#[test]
fn completions_for_each_shell_name_every_subcommand() {
    let env = Env::empty();
    let names = subcommands(&env);
    for shell in ["bash", "zsh", "fish"] {
        let out = env.run(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(
            script.len() > 1000,
            "{shell} script is {} bytes",
            script.len()
        );
        for name in &names {
            assert!(
                script.contains(name.as_str()),
                "{shell} completion lacks {name}"
            );
        }
        // Options of subcommands are completed too.
        assert!(
            script.contains("rebuild"),
            "{shell} completion lacks --rebuild"
        );
    }
    // Each shell's own form.
    assert!(stdout(&env.run(&["completions", "bash"])).contains("complete -F"));
    assert!(stdout(&env.run(&["completions", "zsh"])).starts_with("#compdef reel"));
    assert!(stdout(&env.run(&["completions", "fish"])).contains("complete -c reel"));

    let out = env.run(&["completions", "tcsh"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("possible values"), "{}", stderr(&out));
}

#[test]
fn the_man_page_names_every_subcommand_and_the_version() {
    let env = Env::empty();
    let names = subcommands(&env);
    let out = env.run(&["man"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH reel 1"),
        "{}",
        &page[..200]
    );
    assert!(page.contains(".TH reel 1"), "a section 1 page");
    assert!(page.contains(".SH SUBCOMMANDS") || page.contains("SUBCOMMANDS"));
    for name in &names {
        assert!(
            page.contains(&format!("reel\\-{name}")),
            "man page lacks {name}"
        );
    }
    assert!(page.contains("index schema"), "version line in the page");
    assert!(page.contains("REEL_INDEX"), "environment in the page");
    // Examples, exit status and environment are sections of their own, in that order.
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("no {s} in the page"));
    assert!(
        at(".SH EXAMPLES") < at(".SH \"EXIT STATUS\"")
            && at(".SH \"EXIT STATUS\"") < at(".SH ENVIRONMENT")
    );
    assert!(page.contains("\\fBreel search \"drug court\"\\fR"));
    assert!(page.contains("\\fBreel search court \\-g '*.md'"));
}

#[test]
fn search_help_gives_the_query_syntax_with_examples_that_run() {
    let env = Env::with_seed();
    env.copy_fixtures("tests/data/keyword");
    env.index();
    let out = env.run(&["search", "--help"]);
    assert_eq!(code(&out), 0);
    let help = stdout(&out);
    for syntax in [
        "\"drug court\"~2",
        "+drug -oscar",
        "title:heroin",
        "year:[2015 TO 2019]",
        "docu*",
        "huntingdon~1",
        "court^2",
    ] {
        assert!(help.contains(syntax), "--help lacks {syntax}: {help}");
    }
    // Each example, run as a shell runs it, finds hits.
    let examples: Vec<&str> = help
        .lines()
        .skip_while(|l| *l != "Examples:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(examples.len(), 2, "{help}");
    for example in examples {
        let out = env.shell(example);
        assert_eq!(code(&out), 0, "{example}: {}", stderr(&out));
        assert!(!stdout(&out).is_empty(), "{example}");
    }
}

#[test]
fn version_names_tantivy_and_the_index_schema() {
    let env = Env::empty();
    let out = env.run(&["--version"]);
    assert_eq!(code(&out), 0);
    let line = stdout(&out);
    let line = line.trim();
    assert!(
        line.starts_with(&format!("reel {} (tantivy 0.", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
    // The schema version is the one `reel stats` reports of a fresh index.
    let env = Env::with_seed();
    env.index();
    let stats: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    let schema = stats["schema_version"].as_u64().expect("schema_version");
    assert!(
        line.ends_with(&format!(", index schema {schema})")),
        "{line}"
    );
    // The README shows the same line.
    let readme = std::fs::read_to_string(common::repo_path("README.md")).unwrap();
    assert!(readme.contains(&format!("# {line}")), "README: {line}");
}

#[test]
fn reel_index_sets_the_default_index_folder() {
    let env = Env::with_seed();
    let with_env = |args: &[&str]| {
        env.reel()
            .env("REEL_INDEX", "shelf/idx")
            .args(args)
            .output()
            .unwrap()
    };
    let out = with_env(&["index"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(env.path("shelf/idx/meta.json").is_file());
    assert!(
        !env.path("index").exists(),
        "the default folder is not used"
    );

    let out = with_env(&["search", "--json", "drug court"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("heroine-review"));
    for sub in ["stats", "verify"] {
        let out = with_env(&[sub]);
        assert_eq!(code(&out), 0, "{sub}: {}", stderr(&out));
    }
    // Without the variable, the default is ./index, which does not exist here.
    let out = env.run(&["search", "drug court"]);
    assert_eq!(code(&out), 2);
    // --index wins over the variable.
    let out = env
        .reel()
        .env("REEL_INDEX", "nowhere")
        .args(["search", "--index", "shelf/idx", "drug court"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // --help shows the variable, and its value when set.
    let help = stdout(&env.run(&["search", "--help"]));
    assert!(help.contains("[env: REEL_INDEX=]"), "{help}");
    let help = stdout(&with_env(&["index", "--help"]));
    assert!(help.contains("[env: REEL_INDEX=shelf/idx]"), "{help}");
    assert!(stdout(&env.run(&["--help"])).contains("REEL_INDEX"));
}

#[test]
fn the_stemmer_is_pinned_to_one_version() {
    let manifest = std::fs::read_to_string(common::repo_path("Cargo.toml")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.starts_with("frostem"))
        .expect("the stemmer is a direct dependency, so its version can be pinned");
    let pinned = line
        .split("version = \"=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("not pinned with `=`: {line}"));
    // The lock file holds exactly one stemmer, the pinned one (tantivy's own included).
    let lock = std::fs::read_to_string(common::repo_path("Cargo.lock")).unwrap();
    let versions: Vec<&str> = lock
        .split("[[package]]")
        .filter(|p| p.contains("name = \"frostem\""))
        .filter_map(|p| p.split("version = \"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(versions, [pinned]);
}

/// Replaces the analyzer fingerprint recorded in an index's last commit.
fn tamper_fingerprint(env: &Env, value: &str) {
    let path = env.path("index/meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut manifest: serde_json::Value =
        serde_json::from_str(meta["payload"].as_str().unwrap()).unwrap();
    assert!(
        manifest["analyzer"].is_string(),
        "a fingerprint is recorded"
    );
    manifest["analyzer"] = value.into();
    meta["payload"] = manifest.to_string().into();
    std::fs::write(&path, serde_json::to_vec(&meta).unwrap()).unwrap();
}

#[test]
fn an_index_built_with_other_stems_says_so_and_suggests_rebuild() {
    let env = Env::with_seed();
    env.index();
    let (_, out) = env.search("drug court", &[]);
    assert!(!stderr(&out).contains("stems"), "{}", stderr(&out));

    tamper_fingerprint(&env, "0123456789abcdef");
    let (hits, out) = env.search("drug court", &[]);
    assert_eq!(code(&out), 0, "the search still runs");
    assert!(!hits.is_empty());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("reel: warning: index"), "{err}");
    assert!(err.contains("other word stems"), "{err}");
    assert!(err.contains("0123456789abcdef"), "{err}");
    assert!(err.contains("reel index --rebuild"), "{err}");

    // An update says so too, and keeps the old fingerprint: the kept documents have old stems.
    env.write(
        "corpus/new.txt",
        "New film\n\nA documentary about drug courts.\n",
    );
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("reel index --rebuild"),
        "{}",
        stderr(&out)
    );
    let (_, out) = env.search("drug court", &[]);
    assert!(stderr(&out).contains("other word stems"));

    // A rebuild re-reads everything with this analyzer: no more warning.
    let out = env.run(&["index", "--rebuild"]);
    assert_eq!(code(&out), 0);
    assert!(!stderr(&out).contains("stems"), "{}", stderr(&out));
    let (hits, out) = env.search("drug court", &[]);
    assert_eq!(stderr(&out), "");
    assert!(hits.iter().any(|h| h.doc_id == "new"));
}

#[test]
fn front_matter_is_read_as_yaml() {
    let env = Env::empty();
    env.write(
        "corpus/grizzly.md",
        "---\n\
         # reviewed for the festival\n\
         title: \"Grizzly Man: The Lost Tapes\"  # a colon inside quotes\n\
         year: 2005\n\
         code: \"2017\"\n\
         hex: '0x1F'\n\
         plain_hex: 0x1F\n\
         summary: |\n  Timothy Treadwell filmed bears\n  for thirteen summers.\n\
         folded: >\n  one\n  line\n\
         crew:\n  editor: Joe Bini\n  music: Richard Thompson\n\
         genres:\n  - Documentary\n  - Nature\n\
         ---\n\
         # Grizzly Man\n\nWerner Herzog assembles the footage of a man who lived among bears.\n",
    );
    env.write(
        "corpus/broken.md",
        "---\ntitle: Broken\nyear: 2001\n  rating: 7\n---\nBroken front matter\n\nA film about salmon runs.\n",
    );
    let out = env.index();
    let err = stderr(&out);
    assert!(
        err.contains("corpus/broken.md") && err.contains("front matter is not valid YAML (line 4"),
        "{err}"
    );

    let (hits, _) = env.search("bears", &["--limit", "1"]);
    let m = &hits[0].metadata;
    assert_eq!(hits[0].title, "Grizzly Man: The Lost Tapes");
    assert_eq!(m["year"], 2005);
    assert_eq!(m["code"], "2017", "a quoted number stays text");
    assert_eq!(m["hex"], "0x1F", "a quoted YAML number stays text");
    assert_eq!(m["plain_hex"], 31, "an unquoted one is a number");
    assert_eq!(
        m["summary"],
        "Timothy Treadwell filmed bears\nfor thirteen summers."
    );
    assert_eq!(m["folded"], "one line");
    assert_eq!(m["crew_editor"], "Joe Bini");
    assert_eq!(m["crew_music"], "Richard Thompson");
    assert_eq!(m["genres"], serde_json::json!(["Documentary", "Nature"]));
    assert!(!m.contains_key("reviewed"), "comments are not metadata");

    // Nested and block values are searchable as metadata.
    let (hits, _) = env.search("crew_editor:bini", &[]);
    assert!(!hits.is_empty() && hits.iter().all(|h| h.doc_id == "grizzly"));
    let (hits, _) = env.search("thirteen summers", &[]);
    assert_eq!(hits[0].doc_id, "grizzly");

    // The broken front matter is text, so nothing of the file is lost.
    let (hits, _) = env.search("rating", &[]);
    assert_eq!(hits[0].doc_id, "broken");
    let (hits, _) = env.search("salmon", &[]);
    assert_eq!(hits[0].doc_id, "broken");
}

#[test]
fn quickwit_config_keeps_yaml_lookalikes_as_strings() {
    let env = Env::empty();
    env.write(
        "corpus/films.csv",
        "title,text,true,null,0x1F,yes,~\n\
         Honeyland,Beekeeping in the Balkans,a,b,c,d,e\n",
    );
    for id in ["True", "NULL", "yes", "Off"] {
        let out_dir = format!("qw-{id}");
        let out = env.run(&["export", "--to", "quickwit", &out_dir, "--index-id", id]);
        assert_eq!(code(&out), 0, "{id}: {}", stderr(&out));
        let yaml =
            std::fs::read_to_string(env.path(&format!("{out_dir}/index-config.yaml"))).unwrap();
        let docs = yaml_rust2::YamlLoader::load_from_str(&yaml).expect("valid YAML");
        let doc = &docs[0];
        assert_eq!(doc["index_id"].as_str(), Some(id), "{yaml}");
        let names: Vec<&str> = doc["doc_mapping"]["field_mappings"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|f| {
                f["name"]
                    .as_str()
                    .expect("every field name reads back as a string")
            })
            .collect();
        for column in ["true", "null", "0x1f", "yes"] {
            assert!(names.contains(&column), "{column} in {names:?}");
        }
        let search: Vec<&str> = doc["doc_mapping"]["default_search_fields"]
            .as_vec()
            .or_else(|| doc["search_settings"]["default_search_fields"].as_vec())
            .expect("default search fields")
            .iter()
            .map(|f| f.as_str().expect("a string"))
            .collect();
        assert!(search.contains(&"true"), "{search:?}");
    }
}

#[test]
fn impossible_dates_are_text_not_dates() {
    let env = Env::empty();
    env.write(
        "corpus/dates.csv",
        "title,text,released,aired,shown\n\
         One,First film,2021-01-05,2021-+1-05,2021-01-25dn\n\
         Two,Second film,2021-02-07,2021-+2-07,2021-02-14dn\n",
    );
    env.index();
    let stats: serde_json::Value =
        serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    let fields = &stats["metadata_fields"];
    assert_eq!(fields["released"]["type"], "date", "{stats}");
    assert_eq!(
        fields["aired"]["type"], "text",
        "`+1` is not a month: {stats}"
    );
    assert_eq!(
        fields["shown"]["type"], "text",
        "`25dn` is not a day: {stats}"
    );
    let (hits, _) = env.search("released:[2021-02-01 TO 2021-02-28]", &[]);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title, "Two");
    let (hits, _) = env.search("first", &[]);
    assert_eq!(hits[0].metadata["aired"], "2021-+1-05");
}

/// A JSON Lines corpus with `good` documents and `bad` lines that are not JSON.
fn bad_lines(env: &Env, dir: &str, good: usize, bad: usize) {
    let mut lines: Vec<String> = (0..good)
        .map(|i| format!(r#"{{"title":"Film {i}","text":"A documentary about bees."}}"#))
        .collect();
    lines.extend((0..bad).map(|i| format!("{{\"title\": broken {i}")));
    env.write(&format!("{dir}/reviews.jsonl"), &(lines.join("\n") + "\n"));
}

fn warning_lines(err: &str) -> usize {
    err.lines()
        .filter(|l| l.starts_with("reel: warning:"))
        .count()
}

#[test]
fn warnings_are_capped_unless_verbose() {
    let env = Env::empty();
    bad_lines(&env, "corpus", 3, 25);
    let out = env.run(&["index"]);
    assert_eq!(code(&out), 0);
    let err = stderr(&out);
    assert_eq!(warning_lines(&err), 20, "{err}");
    assert!(
        err.contains("reel: 5 more warnings not shown (-v shows them all)"),
        "{err}"
    );
    assert!(
        err.contains("25 skipped"),
        "the summary still counts them: {err}"
    );

    let out = env.run(&["index", "--rebuild", "-v"]);
    let err = stderr(&out);
    assert_eq!(warning_lines(&err), 25, "{err}");
    assert!(
        err.contains("reviews.jsonl:28:"),
        "the last one, by line: {err}"
    );
    assert!(!err.contains("not shown"));

    // -q shows none.
    let out = env.run(&["index", "--rebuild", "-q"]);
    assert_eq!(stderr(&out), "");

    // export takes the same flag.
    let out = env.run(&["export", "--to", "quickwit", "out1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(warning_lines(&stderr(&out)), 20);
    assert!(stderr(&out).contains("5 more warnings not shown"));
    let out = env.run(&["export", "--to", "quickwit", "out2", "--verbose"]);
    assert_eq!(warning_lines(&stderr(&out)), 25, "{}", stderr(&out));
}

#[test]
fn long_warnings_are_cut_unless_verbose() {
    let env = Env::empty();
    let deep = format!("corpus/{}/{}", "a".repeat(150), "b".repeat(150));
    bad_lines(&env, &deep, 1, 1);
    let out = env.run(&["index"]);
    let warning = stderr(&out)
        .lines()
        .find(|l| l.starts_with("reel: warning:"))
        .unwrap()
        .to_string();
    assert!(warning.ends_with('…'), "{warning}");
    assert!(!warning.contains("invalid JSON"), "{warning}");
    let out = env.run(&["index", "--rebuild", "--verbose"]);
    let warning = stderr(&out)
        .lines()
        .find(|l| l.starts_with("reel: warning:"))
        .unwrap()
        .to_string();
    assert!(
        warning.contains("reviews.jsonl:2: invalid JSON"),
        "{warning}"
    );
    assert!(warning.ends_with("line skipped"), "{warning}");
}

#[test]
fn verbose_names_files_passed_over() {
    let env = Env::with_seed();
    env.write_bytes("corpus/poster.png", b"\x89PNG\r\n");
    let out = env.run(&["index"]);
    assert!(!stderr(&out).contains("poster.png"));
    assert!(
        stderr(&out).contains("1 file of unsupported types skipped: .png (1) (-v names them)"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["index", "--rebuild", "-v"]);
    assert!(
        stderr(&out).contains("corpus/poster.png: unsupported file type, skipped"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sizes_are_in_binary_units_everywhere() {
    let env = Env::with_seed();
    let out = env.index();
    let err = stderr(&out);
    assert!(err.contains(" KiB)"), "{err}");
    let stats = stdout(&env.run(&["stats"]));
    assert!(stats.contains(" KiB"), "{stats}");
    let verify = stdout(&env.run(&["verify"]));
    assert!(verify.contains(" KiB)"), "{verify}");
    for text in [err, stats, verify] {
        assert!(!text.contains(" MB") && !text.contains(" kB"), "{text}");
    }
    let help = stdout(&env.run(&["index", "--help"]));
    assert!(help.contains("--memory <MiB>"), "{help}");
    // A compressed input: the size on disk and the size read, both.
    let text = "Title\n\n".to_string() + &"The drug court meets on Tuesdays. ".repeat(400);
    env.write_bytes(
        "z/long.txt.zst",
        &zstd::encode_all(text.as_bytes(), 3).unwrap(),
    );
    let out = env.run(&["index", "z", "--index", "zindex"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(60 B compressed, 13.29 KiB read)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn colour_follows_clicolor_force_no_color_and_the_flag() {
    let env = Env::with_seed();
    env.index();
    let colored = |vars: &[(&str, &str)], flag: Option<&str>| {
        let mut cmd = env.reel();
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.args(["search", "drug court"]);
        if let Some(f) = flag {
            cmd.args(["--color", f]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        stdout(&out).contains("\x1b[")
    };
    // stdout is a pipe here: no colour unless asked.
    assert!(!colored(&[], None));
    assert!(colored(&[("CLICOLOR_FORCE", "1")], None));
    assert!(!colored(&[("CLICOLOR_FORCE", "0")], None));
    assert!(!colored(&[("CLICOLOR_FORCE", "")], None));
    assert!(colored(&[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")], None));
    assert!(!colored(
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        None
    ));
    assert!(!colored(&[("CLICOLOR_FORCE", "1")], Some("never")));
    assert!(colored(&[("NO_COLOR", "1")], Some("always")));
    assert!(!colored(&[("TERM", "dumb")], Some("auto")));
}

// Error messages and exit codes.

#[test]
fn errors_are_one_line_say_things_once_and_name_the_real_folder() {
    let env = Env::with_seed();
    env.write("afile", "x");
    let out = env.run(&["index", "--index", "afile/sub"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(err.matches("os error").count(), 1, "said twice: {err}");

    // A damaged index named by its own folder: an index whose files of one kind are
    // overwritten, then searched (exit 2, stderr).
    let damaged = |dir: &str, ext: &str| {
        env.run(&["index", "--index", dir]);
        for entry in std::fs::read_dir(env.path(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == ext) {
                std::fs::write(&path, b"garbage").unwrap();
            }
        }
        let out = env.run(&["search", "drug", "--index", dir]);
        assert_eq!(code(&out), 2);
        stderr(&out)
    };
    let err = damaged("dmg", "term");
    assert!(err.starts_with("reel: dmg: index damaged"), "{err}");
    assert!(
        !err.contains("IoError") && !err.contains("tantivy"),
        "{err}"
    );
    // Stored text overwritten: tantivy's reader panics on it, and its words stay out.
    assert_eq!(
        damaged("dmg2", "store"),
        "reel: dmg2: index damaged: a file of it does not hold what its commit says \
         (run `reel verify` for details, `reel index --rebuild` to recreate it)\n"
    );

    // A range on a field that holds text, in words a user knows.
    env.index();
    let out = env.run(&["search", "director:[a TO b]"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("`director` holds text in this index; ranges need numbers"),
        "{err}"
    );
    assert!(!err.contains("RangeQuery"), "{err}");
    // Such an error says where the clause is, as a parse repair does (characters from 0).
    let out = env.run(&["search", "“drug” court year:2017 YEAR:abc"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim(),
        "reel: query: position 23: `year` holds numbers; `abc` is not a number"
    );

    // Paths with no document at all: a warning and exit 2, nothing created.
    std::fs::create_dir_all(env.path("empty")).unwrap();
    let out = env.run(&["index", "empty", "--index", "fresh"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("no document to index in empty"),
        "{}",
        stderr(&out)
    );
    assert!(!env.path("fresh").exists(), "no index left behind");
}

#[test]
fn excluded_phrases_leave_exactly_the_other_hits() {
    // `rating!=TV-MA` and `NOT "…"` exclude a phrase whose first passage can come after the
    // query's first: the excluded clause must never be sought backwards (a debug build stopped
    // with "index damaged: … target should be greater than or equal to doc").
    let env = Env::with_catalogue();
    for query in ["a", "the", "*", "drama OR court OR storm"] {
        let (all, _) = env.search(query, &["-n", "100"]);
        let rating = |h: &common::Hit| {
            h.metadata
                .get("rating")
                .and_then(|r| r.as_str())
                .map(str::to_string)
        };
        let expected: Vec<(String, u64)> = all
            .iter()
            .filter(|h| rating(h).as_deref() != Some("TV-MA"))
            .map(|h| (h.doc_id.clone(), h.passage_id))
            .collect();
        assert!(expected.len() < all.len(), "{query}: some hits are TV-MA");
        let (kept, out) = env.search(query, &["-n", "100", "--filter", "rating!=TV-MA"]);
        assert_eq!(code(&out), 0, "{query}: {}", stderr(&out));
        let got: Vec<(String, u64)> = kept
            .iter()
            .map(|h| (h.doc_id.clone(), h.passage_id))
            .collect();
        assert_eq!(got, expected, "{query} with --filter rating!=TV-MA");
        let (kept, out) = env.search(&format!("{query} NOT rating:\"TV-MA\""), &["-n", "100"]);
        assert_eq!(code(&out), 0, "{query}: {}", stderr(&out));
        assert!(
            kept.iter().all(|h| rating(h).as_deref() != Some("TV-MA")),
            "{query} NOT rating:\"TV-MA\": {:?}",
            ids(&kept)
        );
        assert!(!kept.is_empty(), "{query} NOT rating:\"TV-MA\"");
    }
}
