//! The documents people have: HTML review pages, Markdown posts, subtitles and transcripts, and
//! markup inside text files and catalogue fields. Each is read as a person reads it: no tag,
//! entity, script, boilerplate or timecode in any passage, the title it says it has, each
//! passage's line (and time) right.

mod common;

use common::{code, stderr, stdout, Env, Hit};

fn indexed_pages() -> Env {
    let env = Env::empty();
    for entry in std::fs::read_dir(common::repo_path("tests/data/pages")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        env.write_bytes(&format!("corpus/{name}"), &std::fs::read(&path).unwrap());
    }
    let out = env.index();
    assert!(stderr(&out).contains("5 added"), "{}", stderr(&out));
    env
}

fn all(env: &Env) -> Vec<Hit> {
    env.search("*", &["-n", "1000"]).0
}

/// No markup, script, boilerplate or timecode left in any passage.
fn assert_clean(hits: &[Hit]) {
    for h in hits {
        for bad in [
            "<",
            "&amp;",
            "&#",
            "&mdash;",
            "-->",
            "dataLayer",
            "font-family",
            "cookies",
            "Accept all",
            "Share on",
            "All rights reserved",
            "Breadcrumb",
            "{\\an8}",
            "WEBVTT",
            "00:00:0",
            "https://",
            "](",
            "**",
            "`",
            "editor's note",
            "not = ",
        ] {
            assert!(
                !h.text.contains(bad),
                "{bad:?} in {} #{}: {:?}",
                h.doc_id,
                h.passage_id,
                h.text
            );
            assert!(!h.title.contains(bad), "{bad:?} in the title {:?}", h.title);
        }
    }
}

#[test]
fn an_html_review_page_is_its_main_content() {
    let env = indexed_pages();
    let hits = all(&env);
    assert_clean(&hits);
    let page: Vec<&Hit> = hits
        .iter()
        .filter(|h| h.doc_id == "heroine-review")
        .collect();
    assert_eq!(page[0].title, "Heroin(e)");
    let mut texts: Vec<(u64, &str)> = page
        .iter()
        .map(|h| (h.passage_id, h.text.as_str()))
        .collect();
    texts.sort();
    assert_eq!(texts.len(), 5, "{texts:?}");
    assert!(texts[0]
        .1
        .starts_with("Heroin(e) is a 2017 short documentary"));
    assert!(
        texts[1].1.contains("— sometimes the same people"),
        "entities decoded"
    );
    assert!(texts[4].1.contains("it’s on Netflix"));
    // Where each passage is: the line its text starts on, under its heading.
    let (hits, _) = env.search("\"fire chief\"", &["--per-doc", "1"]);
    let h = hits.iter().find(|h| h.doc_id == "heroine-review").unwrap();
    assert_eq!(h.line, 32);
    assert_eq!(h.heading.as_deref(), Some("The fire chief"));
    assert!(h.text.starts_with("Jan Rader, the first female fire chief"));
    let (hits, _) = env.search("Thursdays", &[]);
    assert!(hits.iter().all(|h| h.doc_id != "heroine-review"));
    // JSON-LD in reel's vocabulary: the director a filter away, runtime a number.
    let (hits, out) = env.search(
        "*",
        &["--filter", "director=Elaine McMillion Sheldon", "-n", "100"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(hits.iter().all(|h| h.doc_id == "heroine-review"));
    let m = &hits[0].metadata;
    assert_eq!(m["runtime_minutes"], 39);
    assert_eq!(m["year"], 2017);
    assert_eq!(m["review_rating"], 4.5);
    assert_eq!(m["rating"], 8.2);
    assert_eq!(m["cast"][2], "Patricia Keller");
    let (hits, _) = env.search("*", &["--filter", "cast=Jan Rader", "-n", "100"]);
    assert!(!hits.is_empty());
}

#[test]
fn a_txt_that_is_plainly_html_is_read_as_a_page() {
    let env = Env::empty();
    let page =
        std::fs::read_to_string(common::repo_path("tests/data/pages/heroine-review.html")).unwrap();
    env.write("corpus/saved.txt", &page);
    env.index();
    let hits = all(&env);
    assert_clean(&hits);
    assert_eq!(hits[0].title, "Heroin(e)", "not <!DOCTYPE html>");
}

#[test]
fn markdown_is_text_without_its_markup_under_its_headings() {
    let env = indexed_pages();
    let md: Vec<Hit> = all(&env)
        .into_iter()
        .filter(|h| h.doc_id == "fire-chief")
        .collect();
    assert_clean(&md);
    assert_eq!(
        md[0].title, "The chief who answers every call",
        "front matter first"
    );
    assert_eq!(md[0].metadata["year"], 2017);
    let mut texts: Vec<(u64, String)> = md.iter().map(|h| (h.passage_id, h.text.clone())).collect();
    texts.sort();
    let texts: Vec<&str> = texts.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        [
            "A short documentary by Elaine McMillion Sheldon about three\nwomen in Huntington, West Virginia.",
            "Jan Rader keeps Narcan in every truck and answers call after call.",
            "Judge Patricia Keller runs the Drug Court.",
            "Necia Freeman runs Brown Bags of Hope.",
        ]
    );
    // A heading is the context of the passages under it, found with them, never alone.
    let (hits, _) = env.search("\"fire chief\"", &[]);
    let h = hits.iter().find(|h| h.doc_id == "fire-chief").unwrap();
    assert_eq!(
        h.text,
        "Jan Rader keeps Narcan in every truck and answers call after call."
    );
    assert_eq!(h.heading.as_deref(), Some("The fire chief"));
    assert_eq!(h.line, 17);
    let (hits, _) = env.search("judge keller", &[]);
    let h = hits.iter().find(|h| h.doc_id == "fire-chief").unwrap();
    assert_eq!(h.heading.as_deref(), Some("The judge"));
    // An image line is never the title.
    let env = Env::empty();
    env.write("corpus/post.md", "![poster](p.jpg)\n\nSome review text that is long enough to be prose and not a heading at all.\n\nMore text.\n");
    env.index();
    let (hits, _) = env.search("review", &[]);
    assert_eq!(hits[0].title, "post");
}

#[test]
fn subtitles_are_passages_that_say_when() {
    let env = indexed_pages();
    let (hits, out) = env.search("\"every call\"", &[]);
    assert_eq!(code(&out), 0);
    let srt = hits.iter().find(|h| h.doc_id == "heroine").unwrap();
    assert_eq!(srt.title, "heroine");
    assert_eq!(
        srt.text,
        "We answer every call, even the same people twice a day."
    );
    assert_eq!((srt.start_ms, srt.end_ms), (Some(725_000), Some(732_000)));
    assert_eq!(srt.line, 12);
    assert_eq!(srt.speaker.as_deref(), Some("JAN RADER"));
    let vtt = hits.iter().find(|h| h.doc_id == "heroine.vtt").unwrap();
    assert_eq!(vtt.title, "Heroin(e), captions");
    assert_eq!(vtt.speaker.as_deref(), Some("Jan Rader"));
    assert_eq!(vtt.start_ms, Some(725_000));
    assert_eq!(vtt.metadata["language"], "en");
    // Merged at pauses: the opening cues are one passage, the court another.
    let (hits, _) = env.search("huntington", &[]);
    let h = hits.iter().find(|h| h.doc_id == "heroine").unwrap();
    assert_eq!(
        h.text,
        "Huntington, West Virginia. The city with the highest overdose rate in America."
    );
    assert_eq!(
        (h.start_ms, h.end_ms, h.line),
        (Some(1_000), Some(7_500), 3)
    );
    // The speaker is the passage's metadata.
    let (hits, out) = env.search("*", &["--filter", "speaker=Patricia Keller"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(hits
        .iter()
        .all(|h| h.doc_id == "heroine.vtt" && h.text.contains("Drug Court")));
    // Human output: file:line and the time.
    let out = env.run(&["search", "Thursdays", "--color", "never"]);
    let text = stdout(&out);
    assert!(text.contains("corpus/heroine.srt:20 00:12:30"), "{text}");
    assert!(text.contains("Patricia Keller: "), "{text}");
    assert_clean(&all(&env));
}

#[test]
fn a_text_transcript_with_timestamps_says_when_too() {
    let env = indexed_pages();
    let (hits, _) = env.search("same person twice", &[]);
    let h = hits.iter().find(|h| h.doc_id == "interview").unwrap();
    assert_eq!(h.title, "Interview with Jan Rader");
    assert_eq!(h.start_ms, Some(70_000));
    assert_eq!(h.line, 6);
    assert_eq!(h.speaker.as_deref(), Some("Jan Rader"));
    assert!(!h.text.contains("[00:"), "{}", h.text);
    let (hits, _) = env.search("1994 expected", &[]);
    let h = hits.iter().find(|h| h.doc_id == "interview").unwrap();
    assert_eq!(
        h.text,
        "I joined the fire department in 1994. I never expected this."
    );
    assert_eq!(h.end_ms, Some(20_000));
}

#[test]
fn br_and_entities_in_text_reviews_and_fields_are_text() {
    let env = Env::empty();
    // aclImdb: one line, paragraphs split by <br /><br />, entities.
    env.write(
        "corpus/0_9.txt",
        "A moving film.<br /><br />The second paragraph &amp; its point, it&#8217;s <i>good</i>.<br />Still second.\n",
    );
    env.write(
        "corpus/reviews.jsonl",
        "{\"id\": \"j1\", \"title\": \"Tom &amp; Jerry\", \"text\": \"<p>First para.</p><p>Second &#8217;quoted&#8217; para.</p>\"}\n",
    );
    env.write(
        "corpus/films.csv",
        "id,title,description,notes\nc1,Safe,\"Plain prose with a < sign & an ampersand.\",\"Fran&ccedil;ois &amp; Co\"\n",
    );
    env.index();
    assert_eq!(
        code(&env.run(&["search", "br"])),
        1,
        "the word br is no word of a review"
    );
    let (hits, _) = env.search("second", &[]);
    let txt = hits.iter().find(|h| h.doc_id == "0_9").unwrap();
    assert_eq!(
        txt.text,
        "The second paragraph & its point, it’s good.\nStill second."
    );
    assert_eq!(txt.line, 1);
    let json = hits.iter().find(|h| h.doc_id == "j1").unwrap();
    assert_eq!(json.text, "Second ’quoted’ para.");
    assert_eq!(json.title, "Tom & Jerry");
    let (hits, _) = env.search("ampersand", &[]);
    assert_eq!(
        hits[0].text, "Plain prose with a < sign & an ampersand.",
        "a lone < and & stay"
    );
    assert_eq!(hits[0].metadata["notes"], "François & Co");
}

#[test]
fn broken_pages_and_subtitles_are_read_with_a_warning() {
    let env = Env::empty();
    env.write("corpus/unclosed.html", "<html><body><article><p>Unclosed <b>bold <i>and more text about the film that goes on.<p>Second paragraph without an end");
    env.write(
        "corpus/bad.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nGood cue.\n\n2\n00:00:xx,000 --> 00:00:03,000\nBad time.\n\n3\n00:00:04,000 --> 00:00:05,000\nAnother good cue.\n",
    );
    let mut binary =
        b"1\n00:00:01,000 --> 00:00:02,000\nText \xff\xfe with bytes \x01\x02.\n\n".to_vec();
    binary.extend_from_slice(b"2\n00:00:03,000 --> 00:00:04,000\nSecond.\n");
    env.write_bytes("corpus/bytes.srt", &binary);
    env.write("corpus/empty.vtt", "WEBVTT\n\nNOTE nothing here\n");
    let out = env.index();
    let err = stderr(&out);
    assert!(
        err.contains("corpus/bad.srt:6: timing line `00:00:xx,000 --> 00:00:03,000` cannot be read; cue skipped"),
        "{err}"
    );
    assert!(err.contains("corpus/empty.vtt"), "{err}");
    let (hits, _) = env.search("another good", &[]);
    assert_eq!(hits[0].start_ms, Some(4_000));
    let (hits, _) = env.search("second", &[]);
    assert!(hits.iter().any(|h| h.doc_id == "unclosed"));
    assert!(hits.iter().any(|h| h.doc_id == "bytes"));
}

#[test]
fn a_big_html_page_is_read() {
    let env = Env::empty();
    let mut page = String::from("<html><body><article>\n");
    let para = "<p>A paragraph of a very long page about documentaries, their makers and the people in them, repeated.</p>\n";
    while page.len() < 50 * 1024 * 1024 {
        page.push_str(para);
    }
    page.push_str("<p>The last paragraph names the zebra.</p></article></body></html>\n");
    env.write("corpus/big.html", &page);
    let out = env.index();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (hits, _) = env.search("zebra", &[]);
    assert_eq!(hits[0].doc_id, "big");
    assert!(hits[0].line > 400_000, "{}", hits[0].line);
}
