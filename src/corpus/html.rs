//! HTML pages (`.html`, `.htm`, and a `.txt` that is plainly HTML): the page's main content only,
//! its paragraphs, list items and cells as passages under their headings, with the line each
//! starts on; the title and metadata from what the page says of itself (`og:title`, JSON-LD
//! `schema.org` items, `meta` tags).
//!
//! The main content is chosen as readability does: the page's `article` (the longest if several)
//! or `main`, else the element whose paragraphs hold the most text. Navigation, headers and
//! footers, asides, forms, and boxes for cookies, sharing, newsletters, ads and related links
//! (known by their tag, role, class or id) are left out wherever they are.

use scraper::{ElementRef, Selector};

use super::blocks::{self, Block};
use super::markup::{self, Page};
use super::{facts, Document, InputFile};
use crate::error::{Error, Result};
use crate::meta::{dates, MetaValue, Metadata};

/// Tags that are never main content.
const CHROME_TAGS: [&str; 6] = ["nav", "header", "footer", "aside", "form", "dialog"];

/// Words of a class, id or role that mark chrome: navigation, consent and share boxes, ads.
const CHROME_WORDS: [&str; 40] = [
    "nav",
    "navbar",
    "navigation",
    "menu",
    "breadcrumb",
    "breadcrumbs",
    "header",
    "masthead",
    "footer",
    "sidebar",
    "aside",
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "banner",
    "share",
    "sharing",
    "social",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "ad",
    "ads",
    "advert",
    "advertisement",
    "sponsored",
    "promo",
    "related",
    "recommended",
    "comments",
    "comment",
    "popup",
    "modal",
    "overlay",
    "toolbar",
    "complementary",
    "contentinfo",
    "skip",
];

/// Below this many characters of text, a chosen main element is not trusted: the whole body is
/// read instead.
const MAIN_MIN_CHARS: usize = 140;

/// `schema.org` types whose JSON-LD item describes what the page is about.
const ITEM_TYPES: [&str; 9] = [
    "Movie",
    "TVSeries",
    "TVSeason",
    "TVEpisode",
    "Episode",
    "Review",
    "CriticReview",
    "CreativeWork",
    "VideoObject",
];

/// True when the start of a text file's content is plainly an HTML page.
pub fn looks_like_page(text: &str) -> bool {
    let head: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// Reads an HTML page into its document.
pub fn read(file: &InputFile, bytes: &[u8], _warn: &mut dyn FnMut(&Error)) -> Result<Document> {
    if super::encoding::looks_binary(bytes) {
        return Err(Error::Record {
            path: file.path.clone(),
            line: 1,
            message: "binary file, skipped".into(),
        });
    }
    let text = super::decode(bytes);
    Ok(from_text(file, &text))
}

/// The document of a page's text.
pub fn from_text(file: &InputFile, text: &str) -> Document {
    let page = markup::parse_page(text);
    let mut metadata = Metadata::new();
    let item_title = json_ld(&page, &mut metadata);
    meta_tags(&page, &mut metadata);
    let title = title(&page, item_title);
    let main = main_element(&page);
    let raw = markup::blocks(main, &is_chrome, false);
    let mut out: Vec<Block> = Vec::new();
    let mut heading: Option<String> = None;
    let mut title_seen = false;
    for b in raw {
        if b.heading.is_some() {
            // The page's own title as a heading is the title, not a heading of its passages.
            if !title_seen && b.text == title {
                title_seen = true;
                heading = None;
            } else {
                heading = Some(b.text.replace('\n', " "));
            }
            continue;
        }
        out.push(Block {
            text: b.text,
            line: page.line(b.node),
            heading: heading.clone(),
            ..Block::default()
        });
    }
    let body: String = out
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    // Facts the review states in its prose, where the page's metadata did not give them.
    for (k, v) in facts::extract(&body) {
        metadata.entry(k).or_insert(v);
    }
    crate::meta::vocabulary::complete(&mut metadata);
    blocks::document(file, title, out, metadata)
}

/// True for an element that is page chrome, not content.
fn is_chrome(el: &ElementRef) -> bool {
    let e = el.value();
    if CHROME_TAGS.contains(&e.name()) || e.attr("hidden").is_some() {
        return true;
    }
    if e.attr("aria-hidden") == Some("true") {
        return true;
    }
    let words = |s: &str| {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| CHROME_WORDS.contains(&w.to_ascii_lowercase().as_str()))
    };
    e.attr("role")
        .is_some_and(|r| r != "main" && r != "article" && words(r))
        || e.attr("id").is_some_and(words)
        || e.classes().any(words)
}

/// The page's main content: its `article` (the one with the most text), its `main` (or
/// `role=main`), else the element whose paragraphs hold the most text (readability's score: a
/// paragraph's length and commas count for its parent, half for its grandparent); the body when
/// nothing holds enough text.
fn main_element(page: &Page) -> ElementRef<'_> {
    let html = &page.html;
    let root = html.root_element();
    let body = select_first(html, "body").unwrap_or(root);
    let text_len = |el: &ElementRef| -> usize { markup::text_len(*el, &is_chrome) };
    let articles: Vec<(usize, ElementRef)> = select_all(html, "article")
        .into_iter()
        .map(|a| (text_len(&a), a))
        .collect();
    if let Some((len, best)) = articles.into_iter().max_by_key(|(len, _)| *len) {
        if len >= MAIN_MIN_CHARS {
            return best;
        }
    }
    for sel in ["main", "[role=main]"] {
        if let Some(m) = select_first(html, sel) {
            if text_len(&m) >= MAIN_MIN_CHARS {
                return m;
            }
        }
    }
    let mut scores: std::collections::HashMap<ego_tree::NodeId, f64> = Default::default();
    for p in select_all(html, "p") {
        if p.ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| is_chrome(&a))
        {
            continue;
        }
        let t: String = p.text().collect();
        let len = t.trim().len();
        if len < 25 {
            continue;
        }
        let score = 1.0 + t.matches(',').count() as f64 + (len as f64 / 100.0).min(3.0);
        let mut ancestors = p.ancestors().filter_map(ElementRef::wrap);
        if let Some(parent) = ancestors.next() {
            *scores.entry(parent.id()).or_default() += score;
            if let Some(grand) = ancestors.next() {
                *scores.entry(grand.id()).or_default() += score / 2.0;
            }
        }
    }
    let best = scores
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .and_then(|(id, _)| html.tree.get(id).and_then(ElementRef::wrap));
    match best {
        Some(b) if text_len(&b) >= MAIN_MIN_CHARS => b,
        _ => body,
    }
}

fn select_all<'a>(html: &'a scraper::Html, sel: &str) -> Vec<ElementRef<'a>> {
    match Selector::parse(sel) {
        Ok(s) => html.select(&s).collect(),
        Err(_) => Vec::new(),
    }
}

fn select_first<'a>(html: &'a scraper::Html, sel: &str) -> Option<ElementRef<'a>> {
    select_all(html, sel).into_iter().next()
}

fn meta_content(html: &scraper::Html, attr: &str, name: &str) -> Option<String> {
    select_all(html, "meta").into_iter().find_map(|m| {
        let e = m.value();
        e.attr(attr)
            .filter(|v| v.eq_ignore_ascii_case(name))
            .and_then(|_| e.attr("content"))
            .map(blocks::collapse)
            .filter(|c| !c.is_empty())
    })
}

/// The title: `og:title`, the JSON-LD item's name, the first `<h1>`, `<title>` without its
/// site suffix (`Heroin(e) | Where to Watch` is `Heroin(e)`).
fn title(page: &Page, item: Option<String>) -> String {
    let html = &page.html;
    if let Some(t) = meta_content(html, "property", "og:title") {
        return t;
    }
    if let Some(t) = item {
        return t;
    }
    if let Some(h1) = select_first(html, "h1") {
        let t = blocks::collapse(&h1.text().collect::<String>());
        if !t.is_empty() {
            return t;
        }
    }
    let site = meta_content(html, "property", "og:site_name");
    select_first(html, "title")
        .map(|t| blocks::collapse(&t.text().collect::<String>()))
        .map(|t| without_site(&t, site.as_deref()))
        .unwrap_or_default()
}

/// A `<title>` without the site's name after its last separator.
fn without_site(title: &str, site: Option<&str>) -> String {
    for sep in [" | ", " – ", " — ", " - ", " :: ", " · "] {
        if let Some(i) = title.rfind(sep) {
            let (name, suffix) = (&title[..i], &title[i + sep.len()..]);
            let is_site = site.is_some_and(|s| suffix.trim().eq_ignore_ascii_case(s.trim()))
                || suffix.split_whitespace().count() <= 4;
            if is_site && !name.trim().is_empty() {
                return name.trim().to_string();
            }
        }
    }
    title.to_string()
}

/// Metadata from `meta` tags: author, publication time, keywords.
fn meta_tags(page: &Page, out: &mut Metadata) {
    let html = &page.html;
    if let Some(a) = meta_content(html, "name", "author") {
        out.entry("author".into()).or_insert(MetaValue::Text(a));
    }
    let published =
        meta_content(html, "property", "article:published_time").and_then(|d| dates::parse(&d));
    if let Some(d) = published {
        out.entry("date_published".into())
            .or_insert(MetaValue::Date(d));
    }
    if let Some(k) = meta_content(html, "name", "keywords") {
        let items = crate::meta::lists::split(&k, crate::meta::lists::Separator::Comma);
        if !items.is_empty() {
            out.entry("keywords".into())
                .or_insert(MetaValue::List(items));
        }
    }
}

/// Reads the page's JSON-LD items into `out` in reel's vocabulary and returns the title the
/// main item gives: a Review's name (or its item's), a Movie's or series' name.
fn json_ld(page: &Page, out: &mut Metadata) -> Option<String> {
    let mut items: Vec<serde_json::Value> = Vec::new();
    for script in select_all(&page.html, "script") {
        if !script
            .value()
            .attr("type")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
        {
            continue;
        }
        let text: String = script.text().collect();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text.trim()) {
            flatten_items(v, &mut items);
        }
    }
    let item = items
        .into_iter()
        .find(|i| ITEM_TYPES.iter().any(|t| has_type(i, t)))?;
    let work = if has_type(&item, "Review") || has_type(&item, "CriticReview") {
        if let Some(r) = item.get("reviewRating").and_then(rating) {
            out.insert("review_rating".into(), MetaValue::Float(r));
        }
        if let Some(a) = item.get("author").and_then(names) {
            out.insert("author".into(), one_or_list(a));
        }
        if let Some(d) = item
            .get("datePublished")
            .and_then(|d| d.as_str())
            .and_then(dates::parse)
        {
            out.insert("date_published".into(), MetaValue::Date(d));
        }
        item.get("itemReviewed").cloned()
    } else {
        Some(item.clone())
    };
    if let Some(w) = &work {
        describe_work(w, out);
    }
    let name = |v: &serde_json::Value| {
        v.get("name")
            .and_then(|n| n.as_str())
            .map(blocks::collapse)
            .filter(|n| !n.is_empty())
    };
    name(&item).or_else(|| work.as_ref().and_then(name))
}

/// A film's or series' facts: director, cast, year, runtime, genres, rating.
fn describe_work(w: &serde_json::Value, out: &mut Metadata) {
    if let Some(d) = w.get("director").and_then(names) {
        out.insert("director".into(), one_or_list(d));
    }
    if let Some(a) = w.get("actor").or_else(|| w.get("actors")).and_then(names) {
        out.insert("cast".into(), MetaValue::List(a));
    }
    let year = ["dateCreated", "datePublished", "startDate"]
        .iter()
        .find_map(|k| w.get(*k).and_then(|d| d.as_str()))
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse::<i64>().ok())
        .filter(|y| (1800..=2200).contains(y));
    if let Some(y) = year {
        out.insert("year".into(), MetaValue::Int(y));
    }
    if let Some(m) = w
        .get("duration")
        .and_then(|d| d.as_str())
        .and_then(iso_minutes)
    {
        out.insert("runtime_minutes".into(), MetaValue::Int(m));
    }
    if let Some(g) = w.get("genre").and_then(names) {
        out.insert("genres".into(), MetaValue::List(g));
    }
    if let Some(r) = w.get("aggregateRating").and_then(rating) {
        out.insert("rating".into(), MetaValue::Float(r));
    }
}

/// Items of a JSON-LD value: an object, each of an array, each of a `@graph`.
fn flatten_items(v: serde_json::Value, out: &mut Vec<serde_json::Value>) {
    match v {
        serde_json::Value::Array(a) => a.into_iter().for_each(|i| flatten_items(i, out)),
        serde_json::Value::Object(mut o) => {
            if let Some(g) = o.remove("@graph") {
                flatten_items(g, out);
            }
            out.push(serde_json::Value::Object(o));
        }
        _ => {}
    }
}

fn has_type(v: &serde_json::Value, t: &str) -> bool {
    match v.get("@type") {
        Some(serde_json::Value::String(s)) => s == t,
        Some(serde_json::Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(t)),
        _ => false,
    }
}

/// Names of a person, an organization, a genre: a string, an object's `name`, or several.
fn names(v: &serde_json::Value) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut add = |x: &serde_json::Value| match x {
        serde_json::Value::String(s) => out.push(blocks::collapse(s)),
        serde_json::Value::Object(o) => {
            if let Some(n) = o.get("name").and_then(|n| n.as_str()) {
                out.push(blocks::collapse(n));
            }
        }
        _ => {}
    };
    match v {
        serde_json::Value::Array(a) => a.iter().for_each(&mut add),
        other => add(other),
    }
    out.retain(|n| !n.is_empty());
    (!out.is_empty()).then_some(out)
}

fn one_or_list(mut v: Vec<String>) -> MetaValue {
    if v.len() == 1 {
        MetaValue::Text(v.remove(0))
    } else {
        MetaValue::List(v)
    }
}

/// A rating's value: a `Rating`'s `ratingValue`, as a number or a numeric string.
fn rating(v: &serde_json::Value) -> Option<f64> {
    let r = v.get("ratingValue")?;
    r.as_f64()
        .or_else(|| r.as_str().and_then(crate::meta::numbers::parse_number))
        .filter(|x| x.is_finite())
}

/// An ISO 8601 duration in whole minutes: `PT1H45M` is 105, `PT105M` 105, `P0DT2H` 120,
/// `PT1H30M30S` 91 (seconds rounded).
pub fn iso_minutes(d: &str) -> Option<i64> {
    let rest = d.trim().strip_prefix(['P', 'p'])?;
    let (days, time) = match rest.split_once(['T', 't']) {
        Some((days, time)) => (days, time),
        None => (rest, ""),
    };
    let mut seconds = 0f64;
    let mut any = false;
    let mut take = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
            } else {
                let (_, secs) = units.iter().find(|(u, _)| u.eq_ignore_ascii_case(&c))?;
                seconds += num.parse::<f64>().ok()? * secs;
                num.clear();
                any = true;
            }
        }
        num.is_empty().then_some(())
    };
    take(days, &[('D', 86_400.0), ('W', 604_800.0)])?;
    take(time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    let minutes = (seconds / 60.0).round() as i64;
    (any && minutes > 0).then_some(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn page(html: &str) -> Document {
        let file = InputFile::new(Path::new("/c/review.html"), 0, Path::new("/c"), None).unwrap();
        from_text(&file, html)
    }

    const REVIEW: &str = r##"<!DOCTYPE html>
<html><head>
<title>Heroin(e) review | Where to Watch</title>
<meta property="og:title" content="Heroin(e)">
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "Review",
 "itemReviewed": {"@type": "Movie", "name": "Heroin(e)", "dateCreated": "2017-09-12",
   "director": {"@type": "Person", "name": "Elaine McMillion Sheldon"},
   "actor": [{"@type": "Person", "name": "Jan Rader"}, {"@type": "Person", "name": "Necia Freeman"}],
   "duration": "PT39M", "genre": ["Documentary", "Short"]},
 "reviewRating": {"@type": "Rating", "ratingValue": "4.5"},
 "author": {"@type": "Person", "name": "A Critic"}}
</script>
<script>var tracking = "do not index";</script>
<style>.x { color: red }</style>
</head>
<body>
<nav><a href="/">Home</a> <a href="/films">Films</a></nav>
<div class="cookie-banner">We use cookies to improve your experience.</div>
<article>
<h1>Heroin(e)</h1>
<p>In Huntington, West Virginia, three women fight the opioid crisis, one overdose at a time.</p>
<h2>The fire chief</h2>
<p>Jan Rader, the first female Fire Chief of Huntington, answers call after call &amp; never stops.</p>
<ul><li>Brown Bags of Hope feeds women on the street.</li><li>Drug Court offers a way out.</li></ul>
<div class="share-box"><a href="#">Share on Facebook</a></div>
</article>
<aside>Related: more films about addiction</aside>
<footer>© 2024 Where to Watch</footer>
</body></html>"##;

    #[test]
    fn the_main_content_under_its_headings() {
        let d = page(REVIEW);
        assert_eq!(d.title, "Heroin(e)");
        let texts: Vec<&str> = d.text.split("\n\n").collect();
        assert_eq!(
            texts,
            [
                "In Huntington, West Virginia, three women fight the opioid crisis, one overdose at a time.",
                "Jan Rader, the first female Fire Chief of Huntington, answers call after call & never stops.",
                "Brown Bags of Hope feeds women on the street.",
                "Drug Court offers a way out.",
            ]
        );
        for gone in [
            "tracking", "color", "cookies", "Home", "Facebook", "Related", "©",
        ] {
            assert!(!d.text.contains(gone), "{gone}");
        }
        assert_eq!(d.origins[0].line, 22);
        assert_eq!(d.origins[0].heading, None);
        assert_eq!(d.origins[1].heading.as_deref(), Some("The fire chief"));
        assert_eq!(d.origins[1].line, 24);
        assert_eq!(d.origins[3].line, 25);
    }

    #[test]
    fn json_ld_gives_metadata_in_reels_words() {
        let d = page(REVIEW);
        let m = &d.metadata;
        assert_eq!(
            m["director"],
            MetaValue::Text("Elaine McMillion Sheldon".into())
        );
        assert_eq!(
            m["cast"],
            MetaValue::List(vec!["Jan Rader".into(), "Necia Freeman".into()])
        );
        assert_eq!(m["year"], MetaValue::Int(2017));
        assert_eq!(m["runtime_minutes"], MetaValue::Int(39));
        assert_eq!(m["review_rating"], MetaValue::Float(4.5));
        assert_eq!(m["author"], MetaValue::Text("A Critic".into()));
        assert_eq!(
            m["genres"],
            MetaValue::List(vec!["Documentary".into(), "Short".into()])
        );
    }

    #[test]
    fn titles_fall_back_in_order() {
        let d = page("<html><head><title>Grizzly Man — Reviews Weekly</title></head><body><p>x</p></body></html>");
        assert_eq!(d.title, "Grizzly Man");
        let d = page(
            "<html><body><h1>The Act of Killing</h1><p>Text of the review here.</p></body></html>",
        );
        assert_eq!(d.title, "The Act of Killing");
        assert!(
            !d.text.contains("The Act of Killing"),
            "the title is no passage"
        );
        assert!(looks_like_page("\u{feff}  <!DOCTYPE HTML>\n<html>"));
        assert!(!looks_like_page("A review that mentions <html> tags"));
    }

    #[test]
    fn without_a_main_element_the_densest_one_is_read() {
        let body = "<p>A long paragraph about the film, its director, its makers, and the people it follows through a year.</p>".repeat(3);
        let html = format!(
            "<html><body><div id=\"menu\"><p>Menu item one, menu item two, and more links here.</p></div><div class=\"story\">{body}</div><div><p>Footer-ish note that is short.</p></div></body></html>"
        );
        let d = page(&html);
        assert!(d.text.contains("A long paragraph"), "{}", d.text);
        assert!(!d.text.contains("Menu item"), "{}", d.text);
        assert!(!d.text.contains("Footer-ish"), "{}", d.text);
    }

    #[test]
    fn iso_durations() {
        assert_eq!(iso_minutes("PT1H45M"), Some(105));
        assert_eq!(iso_minutes("PT105M"), Some(105));
        assert_eq!(iso_minutes("P0DT2H"), Some(120));
        assert_eq!(iso_minutes("PT1H30M30S"), Some(91));
        assert_eq!(iso_minutes("1H45M"), None);
        assert_eq!(iso_minutes("PTXM"), None);
        assert_eq!(iso_minutes("PT"), None);
    }
}
