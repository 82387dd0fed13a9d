//! `reel serve`: the JSON API against a started server on a free loopback port, compared with
//! what the command line says for the same index.

mod common;

use common::{code, stdout, Env, Server};
use serde_json::Value;

fn seed_and_catalogue() -> Env {
    let env = Env::with_seed();
    env.copy_fixtures("tests/data/keyword");
    env.index();
    env
}

/// `reel search --json ARGS`, each line parsed.
fn cli_hits(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    stdout(&env.run(&all))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_search_answers_exactly_as_the_command_line() {
    let env = seed_and_catalogue();
    let server = Server::start(&env);
    for (target, args) in [
        ("/api/search?q=drug+court", vec!["drug court"]),
        ("/api/search?q=Huntington&n=3", vec!["Huntington", "-n", "3"]),
        (
            "/api/search?q=documentary&per_doc=1&n=5",
            vec!["documentary", "--per-doc", "1", "-n", "5"],
        ),
        (
            "/api/search?q=court&unit=doc",
            vec!["court", "--unit", "doc"],
        ),
        (
            "/api/search?q=%22drug%20court%22",
            vec!["\"drug court\""],
        ),
        (
            "/api/search?q=drug&glob=*.txt&glob=%21catalogue*",
            vec!["drug", "-g", "*.txt", "-g", "!catalogue*"],
        ),
        (
            "/api/search?q=documentary&source=%21corpus/heroine-review.txt",
            vec!["documentary", "--source", "!corpus/heroine-review.txt"],
        ),
        (
            "/api/search?q=*&filter=release_year%3E%3D2015&filter=release_year%3C2020&sort=release_year:asc&n=4",
            vec![
                "*",
                "--filter",
                "release_year>=2015",
                "--filter",
                "release_year<2020",
                "--sort",
                "release_year:asc",
                "-n",
                "4",
            ],
        ),
    ] {
        let (status, body) = server.get(target);
        assert_eq!(status, 200, "{target}: {body}");
        let want = cli_hits(&env, &args);
        assert!(!want.is_empty(), "{target}");
        assert_eq!(body["hits"].as_array().unwrap(), &want, "{target}");
        assert!(body["took_ms"].as_f64().unwrap() >= 0.0);
    }
    // `offset` skips hits and keeps their ranks.
    let (_, all) = server.get("/api/search?q=film&n=6");
    let (_, page) = server.get("/api/search?q=film&n=3&offset=3");
    let all = all["hits"].as_array().unwrap().clone();
    assert_eq!(page["hits"].as_array().unwrap(), &all[3..6].to_vec());
    assert_eq!(page["hits"][0]["rank"], 4);
}

#[test]
fn the_total_counts_every_match() {
    let env = seed_and_catalogue();
    let server = Server::start(&env);
    // Every passage the command line finds, however few are asked for.
    let every = cli_hits(&env, &["Huntington", "-n", "1000"]).len() as u64;
    assert!(every >= 2);
    let (_, body) = server.get("/api/search?q=Huntington&n=1");
    assert_eq!(body["total"], every);
    assert_eq!(body["hits"].as_array().unwrap().len(), 1);
    // One passage has the phrase.
    let (_, body) = server.get("/api/search?q=%22drug+court%22");
    assert_eq!(body["total"], 1);
    // Documents, when hits are documents: the seed review is one document of ten passages.
    let (_, passages) = server.get("/api/search?q=heroin");
    let (_, docs) = server.get("/api/search?q=heroin&unit=doc");
    let (p, d) = (
        passages["total"].as_u64().unwrap(),
        docs["total"].as_u64().unwrap(),
    );
    assert!(d < p, "{d} documents, {p} passages");
    let cli_docs = cli_hits(&env, &["heroin", "--unit", "doc", "-n", "1000"]).len() as u64;
    assert_eq!(d, cli_docs);
}

#[test]
fn bad_requests_get_400_in_the_words_of_the_command_line() {
    let env = seed_and_catalogue();
    let server = Server::start(&env);
    let cli_error = |q: &str| {
        let out = env.run(&["search", q]);
        assert_eq!(code(&out), 2);
        common::stderr(&out)
            .trim()
            .trim_start_matches("reel: ")
            .to_string()
    };
    let (status, body) = server.get("/api/search?q=release_year:abc");
    assert_eq!(status, 400);
    assert_eq!(body["error"], cli_error("release_year:abc"));
    let long = "a".repeat(5000);
    let (status, body) = server.get(&format!("/api/search?q={long}"));
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("4096")
            || body["error"].as_str().unwrap().contains("4,096"),
        "{body}"
    );
    for (target, says) in [
        ("/api/search", "`q` is missing"),
        ("/api/search?q=a&n=abc", "`n` is a whole number"),
        ("/api/search?q=a&n=5000", "`n` is at most 1000"),
        ("/api/search?q=a&unit=pages", "`unit` is passage or doc"),
        (
            "/api/search?q=a&mode=fast",
            "`mode` is lexical, semantic or hybrid",
        ),
        ("/api/search?q=a&filter=nosuch", "filter `nosuch`"),
        ("/api/search?q=a&sort=title", "--sort title"),
        ("/api/search?q=a&mode=semantic", "semantic"),
    ] {
        let (status, body) = server.get(target);
        assert_eq!(status, 400, "{target}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(says),
            "{target}: {body}"
        );
    }
    let (status, _) = server.get("/nowhere");
    assert_eq!(status, 404);
    let (status, body) = server.get("/api/doc/no-such-id");
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("no-such-id"));
    // Broken bytes and non-ASCII in every parameter: an answer, never a dropped connection.
    for target in [
        "/api/search?q=%FF%FE",
        "/api/search?q=%E5%BF%8D%E8%80%85&filter=%FF",
        "/api/search?q=%&n=%",
        "/api/search?q=%22&sort=%00",
        "/api/doc/%FF",
    ] {
        let (status, _) = server.get(target);
        assert!([200, 400, 404].contains(&status), "{target}: {status}");
    }
}

#[test]
fn stats_and_documents() {
    let env = seed_and_catalogue();
    let server = Server::start(&env);
    let (status, stats) = server.get("/api/stats");
    assert_eq!(status, 200);
    let cli: Value = serde_json::from_str(&stdout(&env.run(&["stats", "--json"]))).unwrap();
    assert_eq!(stats, cli);
    let (status, doc) = server.get("/api/doc/heroine-review");
    assert_eq!(status, 200);
    assert_eq!(doc["title"], "Heroin(e)");
    assert_eq!(doc["metadata"]["director"], "Elaine McMillion Sheldon");
    let passages = doc["passages"].as_array().unwrap();
    assert_eq!(passages.len(), 9);
    let ids: Vec<u64> = passages
        .iter()
        .map(|p| p["passage_id"].as_u64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn a_new_commit_is_seen_without_a_restart_and_the_index_is_never_written() {
    let env = seed_and_catalogue();
    let server = Server::start(&env);
    let meta = std::fs::read(env.path("index/meta.json")).unwrap();
    let (_, before) = server.get("/api/search?q=zanzibar");
    assert_eq!(before["total"], 0);
    assert_eq!(std::fs::read(env.path("index/meta.json")).unwrap(), meta);
    // `reel index` runs while the server is up (it holds no lock) and its commit is served.
    env.write(
        "corpus/new.txt",
        "Zanzibar\n\nA film about the spice islands of Zanzibar.\n",
    );
    env.index();
    let (_, after) = server.get("/api/search?q=zanzibar");
    assert_eq!(after["total"], 1, "{after}");
    assert_eq!(after["hits"][0]["doc_id"], "new");
}

#[test]
fn facets_count_the_documents_that_match() {
    let env = seed_and_catalogue();
    let server = Server::start(&env);
    let (status, body) = server.get("/api/facets?field=listed_in&q=documentary");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["field"], "listed_in");
    assert_eq!(body["complete"], true);
    let values = body["values"].as_array().unwrap();
    assert!(!values.is_empty());
    // Each count is what a filter on that value finds among the matches.
    for v in values.iter().take(3) {
        let value = v["value"].as_str().unwrap();
        let filter = format!("listed_in={value}");
        let found = cli_hits(
            &env,
            &[
                "documentary",
                "--unit",
                "doc",
                "-n",
                "1000",
                "--filter",
                &filter,
            ],
        );
        assert_eq!(v["count"].as_u64().unwrap(), found.len() as u64, "{value}");
    }
    let counts: Vec<u64> = values
        .iter()
        .map(|v| v["count"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let (status, body) = server.get("/api/facets?field=release_year");
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("no keyword field"));
    let (status, _) = server.get("/api/facets");
    assert_eq!(status, 400);
}

#[test]
fn the_page_is_one_file_that_needs_no_network() {
    let env = seed_and_catalogue();
    let server = Server::start(&env);
    let (status, head, page) = server.raw("/");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<style>") && page.contains("<script>"));
    // Nothing is fetched from elsewhere: no URL to another host, no external script or sheet.
    for bad in ["http://", "https://", "src=", "<link"] {
        assert!(!page.contains(bad), "the page holds {bad}");
    }
    // Values from the index go in as text, never as markup.
    assert!(!page.contains("innerHTML") && !page.contains("insertAdjacentHTML"));
    assert!(page.contains("textContent"));
    // It reads the API it is served with.
    for api in ["/api/search?", "/api/facets?", "/api/stats"] {
        assert!(page.contains(api), "{api}");
    }
}

#[test]
fn a_signal_stops_it_cleanly_and_a_port_in_use_is_one_line() {
    let env = seed_and_catalogue();
    let mut server = Server::start(&env);
    let (status, _) = server.get("/api/stats");
    assert_eq!(status, 200);
    // A second server on the same address: one line naming it, exit 2.
    let out = env.run(&["serve", "--addr", &server.addr]);
    assert_eq!(code(&out), 2);
    let err = common::stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot listen on {}", server.addr)),
        "{err}"
    );
    // SIGTERM: in-flight requests finish, then exit 0.
    let pid = server.child.id() as i32;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    // A missing index: one line, exit 2.
    let out = env.run(&["serve", "--index", "nowhere", "--addr", "127.0.0.1:0"]);
    assert_eq!(code(&out), 2);
    assert!(common::stderr(&out).contains("nowhere"));
}
