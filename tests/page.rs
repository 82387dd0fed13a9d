//! The search page of `reel serve` in headless Chromium: results render for a query in the URL,
//! a facet in the URL narrows them, markup in a title is shown as text, and screenshots at 400
//! and 1,400 pixels wide are saved in `target/page-shots/`. Skipped, saying so, where no
//! Chromium is installed (`.ci/run` installs Debian's `chromium`).

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{Env, Server};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// Chromium's arguments for a headless run that lets the page's requests finish.
fn headless(browser: &PathBuf, profile: &std::path::Path) -> Command {
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--virtual-time-budget=10000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .stderr(Stdio::null());
    cmd
}

fn dom(browser: &PathBuf, profile: &std::path::Path, url: &str) -> String {
    let out = headless(browser, profile)
        .args(["--dump-dom", url])
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of the rendered results: the `<div id="hits">` part of the DOM.
fn results(dom: &str) -> &str {
    let start = dom.find("id=\"hits\"").unwrap_or(0);
    let end = dom[start..]
        .find("</section>")
        .map_or(dom.len(), |e| start + e);
    &dom[start..end]
}

#[test]
fn the_page_renders_results_facets_and_titles_as_text_in_chromium() {
    let Some(browser) = chromium() else {
        common::skip(
            "the_page_renders_results_facets_and_titles_as_text_in_chromium",
            "no chromium on PATH",
        );
        return;
    };
    let env = Env::with_seed();
    env.write(
        "corpus/films.csv",
        "id,title,listed_in,description\n\
         m1,&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;b&gt;Bold&lt;/b&gt; Court,Documentaries,A court film with markup in its title.\n\
         m2,Night Court,Comedies,A comedy about a night court judge.\n\
         m3,The Court,Documentaries,A documentary about a drug court in Ohio.\n",
    );
    env.index();
    let server = Server::start(&env);
    let profile = tempfile::tempdir().unwrap();
    let base = format!("http://{}/", server.addr);

    let page = dom(&browser, profile.path(), &format!("{base}?q=drug%20court"));
    let hits = results(&page);
    assert!(
        hits.contains("Judge Patricia Keller presides over <mark>Drug</mark> <mark>Court</mark>"),
        "{hits}"
    );

    // Markup in a title (written as entities in the file, so the title holds the characters
    // `<script>`) is text: escaped in the DOM, never an element that runs.
    let page = dom(&browser, profile.path(), &format!("{base}?q=markup"));
    let hits = results(&page);
    assert!(
        hits.contains("&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;b&gt;Bold&lt;/b&gt;"),
        "{hits}"
    );
    assert!(!hits.contains("<script>window.pwned"), "{hits}");
    assert!(!hits.contains("<b>Bold</b>"), "{hits}");

    // The facets are drawn with counts; one chosen (it is in the URL) narrows the results.
    let all = dom(&browser, profile.path(), &format!("{base}?q=court"));
    let nav = &all
        [all.find("id=\"facets\"").unwrap_or(0)..all.find("id=\"results\"").unwrap_or(all.len())];
    assert!(nav.contains("Documentaries (2)"), "{nav}");
    assert!(
        results(&all).contains("A comedy about a night"),
        "{}",
        results(&all)
    );
    let narrowed = dom(
        &browser,
        profile.path(),
        &format!("{base}?q=court&facet=genres%3DDocumentaries"),
    );
    let hits = results(&narrowed);
    assert!(!hits.contains("A comedy about a night"), "{hits}");
    assert!(hits.contains("A documentary about a drug"), "{hits}");
    assert!(narrowed.contains("aria-pressed=\"true\""), "{narrowed}");

    // Screenshots at a phone's and a desktop's width, kept for a person to look at.
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/page-shots");
    std::fs::create_dir_all(&shots).unwrap();
    for width in [400, 1400] {
        let file = shots.join(format!("drug-court-{width}.png"));
        let _ = std::fs::remove_file(&file);
        headless(&browser, profile.path())
            .arg(format!("--window-size={width},900"))
            .arg(format!("--screenshot={}", file.display()))
            .arg(format!("{base}?q=drug%20court"))
            .output()
            .unwrap();
        let png = std::fs::read(&file).expect("a screenshot");
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 5_000,
            "{}",
            file.display()
        );
    }
}
