//! `reel serve`: the index as a local JSON API. This module answers requests (a path and its
//! query string) with a status and a JSON body; the binary carries them over HTTP. It only
//! reads the index: each request checks whether `reel index` committed since the last one
//! (the commit stamp of `meta.json`) and opens the new commit if so, so a running server sees
//! new documents without a restart and never holds a lock.
//!
//! The API (a contract, documented in GUIDE.md):
//! - `GET /api/search?q=&n=&offset=&filter=&sort=&mode=&per_doc=&unit=` → `{"hits": [...],
//!   "total": N, "took_ms": T}`, each hit exactly a `reel search --json` line, ranked as
//!   `reel search --json` ranks them; `filter` may repeat; `total` is what `reel search
//!   --count` prints.
//! - `GET /api/stats` → `reel stats --json`.
//! - `GET /api/facets?field=&q=&filter=` → `{"field", "values": [{"value", "count"}],
//!   "documents": N, "complete": bool}`: the top values of a keyword field over the best
//!   [`MAX_FACET_DOCUMENTS`] documents matching the query (`complete` when that is all of them).
//! - `GET /api/doc/{id}` → `{"doc_id", "title", "metadata", "passages": [...]}`.
//! - `GET /`: the search page ([`page`]), one HTML file with its CSS and script, no network.
//! - Anything else: 404; a bad request: 400 with `{"error": "..."}` in the words of the CLI.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{json, Value};

/// The search page.
pub mod page;

use crate::embed::Model;
use crate::error::Error;
use crate::searcher::{Filter, Mode, SearchOptions, Searcher, Sort, Unit};

/// Most hits one request may ask for (`n`).
pub const MAX_HITS: usize = 1_000;
/// Most hits a request may skip (`offset`).
pub const MAX_OFFSET: usize = 10_000;
/// Longest query string a request may carry, in bytes (the query language's own limit is
/// 4,096 bytes for `q`).
pub const MAX_QUERY_STRING: usize = 16_384;

/// Most documents `/api/facets` counts values over.
pub const MAX_FACET_DOCUMENTS: usize = 2_000;

/// Most values `/api/facets` returns.
pub const MAX_FACET_VALUES: usize = 30;

/// Most passages `/api/doc/{id}` returns of one document.
pub const MAX_DOC_PASSAGES: usize = 100_000;

/// An answer: an HTTP status and a JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// 200, 400, 404 or 500.
    pub status: u16,
    /// The body, JSON text (HTML for the page).
    pub body: String,
    /// Its media type.
    pub content_type: &'static str,
}

/// The media type of the API's answers.
const JSON: &str = "application/json; charset=utf-8";

impl Response {
    fn ok(body: Value) -> Response {
        Response {
            status: 200,
            body: body.to_string(),
            content_type: JSON,
        }
    }

    /// A `{"error": message}` answer.
    pub fn error(status: u16, message: impl Into<String>) -> Response {
        Response {
            status,
            body: json!({ "error": message.into() }).to_string(),
            content_type: JSON,
        }
    }
}

/// The open index, and the commit it is of.
struct Opened {
    searcher: Arc<Searcher>,
    stamp: Option<Vec<u8>>,
}

/// The service: one index, read only.
pub struct Service {
    dir: PathBuf,
    cwd: Option<PathBuf>,
    model: Option<Arc<Model>>,
    opened: Mutex<Opened>,
}

impl Service {
    /// A service for the index in `dir`; `model` embeds queries when the index is semantic;
    /// sources are shown relative to `cwd`, as `reel search` shows them.
    pub fn new(
        dir: PathBuf,
        cwd: Option<PathBuf>,
        model: Option<Arc<Model>>,
    ) -> crate::Result<Service> {
        let stamp = crate::schema::commit_stamp(&dir);
        let searcher = open(&dir, cwd.clone(), model.clone())?;
        Ok(Service {
            dir,
            cwd,
            model,
            opened: Mutex::new(Opened {
                searcher: Arc::new(searcher),
                stamp,
            }),
        })
    }

    /// The searcher of the index's last commit (reopened when `reel index` committed since).
    fn searcher(&self) -> crate::Result<Arc<Searcher>> {
        let mut opened = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        let stamp = crate::schema::commit_stamp(&self.dir);
        if stamp != opened.stamp {
            let searcher = open(&self.dir, self.cwd.clone(), self.model.clone())?;
            *opened = Opened {
                searcher: Arc::new(searcher),
                stamp,
            };
        }
        Ok(opened.searcher.clone())
    }

    /// Answers `GET path?query`.
    pub fn get(&self, path: &str, query: &str) -> Response {
        if query.len() > MAX_QUERY_STRING {
            return Response::error(
                400,
                format!("the request's query string is over {MAX_QUERY_STRING} bytes"),
            );
        }
        let params = parse_query(query);
        let answer = match path {
            "/" | "/index.html" => {
                return Response {
                    status: 200,
                    body: page::HTML.to_string(),
                    content_type: "text/html; charset=utf-8",
                }
            }
            "/api/search" => self.search(&params),
            "/api/facets" => self.facets(&params),
            "/api/stats" => self.stats(),
            _ => match path.strip_prefix("/api/doc/") {
                Some(id) if !id.is_empty() => self.doc(&percent_decode(id)),
                _ => return Response::error(404, format!("no such endpoint: {path}")),
            },
        };
        match answer {
            Ok(r) => r,
            Err(e @ (Error::Query(_) | Error::Filter(_) | Error::Clause { .. })) => {
                Response::error(400, e.to_string())
            }
            Err(e) => Response::error(500, e.to_string()),
        }
    }

    fn search(&self, params: &[(String, String)]) -> crate::Result<Response> {
        let started = Instant::now();
        let one = |name: &str| last(params, name);
        let Some(q) = one("q") else {
            return Ok(Response::error(400, "`q` is missing: /api/search?q=words"));
        };
        let number = |name: &str, default: usize, most: usize| -> Result<usize, Response> {
            match one(name) {
                None | Some("") => Ok(default),
                Some(v) => match v.parse::<usize>() {
                    Ok(n) if n <= most => Ok(n),
                    Ok(_) => Err(Response::error(400, format!("`{name}` is at most {most}"))),
                    Err(_) => Err(Response::error(
                        400,
                        format!("`{name}` is a whole number, not `{v}`"),
                    )),
                },
            }
        };
        let (n, offset) = match (number("n", 10, MAX_HITS), number("offset", 0, MAX_OFFSET)) {
            (Ok(n), Ok(o)) => (n.max(1), o),
            (Err(r), _) | (_, Err(r)) => return Ok(r),
        };
        let per_doc = match one("per_doc") {
            None | Some("") => None,
            Some(_) => match number("per_doc", 0, usize::MAX) {
                Ok(k) if k > 0 => Some(k),
                Ok(_) => return Ok(Response::error(400, "`per_doc` is at least 1")),
                Err(r) => return Ok(r),
            },
        };
        let unit = match one("unit") {
            None | Some("" | "passage") => Unit::Passage,
            Some("doc") => Unit::Doc,
            Some(u) => {
                return Ok(Response::error(
                    400,
                    format!("`unit` is passage or doc, not `{u}`"),
                ))
            }
        };
        let filters = match filters(params) {
            Ok(f) => f,
            Err(r) => return Ok(r),
        };
        let sort = match one("sort") {
            None | Some("") => None,
            Some(s) => match Sort::from_str(s) {
                Ok(s) => Some(s),
                Err(e) => return Ok(Response::error(400, format!("sort `{s}`: {e}"))),
            },
        };
        let searcher = self.searcher()?;
        let mode = match one("mode") {
            None | Some("") if searcher.is_semantic() && self.model.is_some() => Mode::Hybrid,
            None | Some("") | Some("lexical") => Mode::Lexical,
            Some(m @ ("semantic" | "hybrid")) => {
                if let Err(e) = searcher.require_semantic() {
                    return Ok(Response::error(400, e.to_string()));
                }
                if self.model.is_none() {
                    return Ok(Response::error(
                        400,
                        format!("`mode={m}` needs the model, which the server was started without"),
                    ));
                }
                if m == "semantic" {
                    Mode::Semantic
                } else {
                    Mode::Hybrid
                }
            }
            Some(m) => {
                return Ok(Response::error(
                    400,
                    format!("`mode` is lexical, semantic or hybrid, not `{m}`"),
                ))
            }
        };
        let opts = SearchOptions {
            query: q.to_string(),
            limit: offset + n,
            per_doc,
            filters,
            sort,
            unit,
            mode,
            ..SearchOptions::default()
        };
        let results = searcher.search(&opts)?;
        let total = searcher.count(&opts)?;
        // Each hit exactly as `reel search --json` writes it (its numbers as that writes them).
        let mut body = String::from("{\"hits\":[");
        for (i, mut h) in results.hits.into_iter().skip(offset).enumerate() {
            h.rank = i + 1 + offset;
            if i > 0 {
                body.push(',');
            }
            body.push_str(&serde_json::to_string(&h).unwrap_or_else(|_| "null".into()));
        }
        let rest = json!({
            "total": total,
            "took_ms": started.elapsed().as_secs_f64() * 1000.0,
            "warnings": results.warnings,
            "did_you_mean": results.did_you_mean,
        })
        .to_string();
        body.push_str("],");
        body.push_str(rest.strip_prefix('{').unwrap_or(&rest));
        Ok(Response {
            status: 200,
            body,
            content_type: JSON,
        })
    }

    fn facets(&self, params: &[(String, String)]) -> crate::Result<Response> {
        let one = |name: &str| last(params, name);
        let Some(field) = one("field").filter(|f| !f.is_empty()) else {
            return Ok(Response::error(
                400,
                "`field` is missing: /api/facets?field=genres",
            ));
        };
        let searcher = self.searcher()?;
        let key = match searcher.manifest().meta_field(field) {
            Some((key, crate::meta::MetaType::Keywords)) => key,
            _ => String::new(),
        };
        if key.is_empty() {
            return Ok(Response::error(
                400,
                format!("`{field}` is no keyword field of this index (facets count keyword lists)"),
            ));
        }
        let filters = match filters(params) {
            Ok(f) => f,
            Err(r) => return Ok(r),
        };
        let q = one("q").filter(|q| !q.trim().is_empty()).unwrap_or("*");
        let opts = SearchOptions {
            query: q.to_string(),
            limit: MAX_FACET_DOCUMENTS,
            unit: Unit::Doc,
            filters,
            ..SearchOptions::default()
        };
        let hits = searcher.search(&opts)?.hits;
        let total = searcher.count(&opts)?;
        let mut counts: std::collections::HashMap<String, u64> = Default::default();
        for h in &hits {
            let values: Vec<String> = match h.metadata.get(&key) {
                Some(crate::meta::MetaValue::List(items)) => items.clone(),
                Some(v) => vec![v.to_text()],
                None => Vec::new(),
            };
            let mut once = std::collections::HashSet::new();
            for v in values {
                if once.insert(v.clone()) {
                    *counts.entry(v).or_default() += 1;
                }
            }
        }
        let mut values: Vec<(String, u64)> = counts.into_iter().collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        values.truncate(MAX_FACET_VALUES);
        Ok(Response::ok(json!({
            "field": key,
            "values": values.iter().map(|(v, c)| json!({"value": v, "count": c})).collect::<Vec<_>>(),
            "documents": hits.len(),
            "complete": hits.len() as u64 >= total,
        })))
    }

    fn stats(&self) -> crate::Result<Response> {
        let info = crate::stats::collect(&self.dir, self.cwd.as_deref())?;
        Ok(Response::ok(
            serde_json::to_value(&info).unwrap_or(Value::Null),
        ))
    }

    fn doc(&self, id: &str) -> crate::Result<Response> {
        let searcher = self.searcher()?;
        let opts = SearchOptions {
            query: "*".into(),
            limit: MAX_DOC_PASSAGES,
            filters: vec![Filter {
                field: "doc_id".into(),
                op: crate::searcher::FilterOp::Eq,
                value: id.to_string(),
                raw: format!("doc_id={id}"),
            }],
            ..SearchOptions::default()
        };
        let mut hits = searcher.search(&opts)?.hits;
        if hits.is_empty() {
            return Ok(Response::error(
                404,
                format!("no document `{id}` in the index"),
            ));
        }
        hits.sort_by_key(|h| h.passage_id);
        let first = &hits[0];
        let passages: Vec<Value> = hits
            .iter()
            .map(|h| {
                json!({
                    "passage_id": h.passage_id,
                    "text": h.text,
                    "line": h.line,
                    "start_ms": h.start_ms,
                    "end_ms": h.end_ms,
                    "heading": h.heading,
                    "speaker": h.speaker,
                })
            })
            .collect();
        Ok(Response::ok(json!({
            "doc_id": first.doc_id,
            "title": first.title,
            "source": first.source,
            "path": first.path,
            "metadata": first.metadata,
            "passages": passages,
        })))
    }
}

/// The last value a request gives parameter `name`.
fn last<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Every `filter=` of a request, read as `--filter` reads it, and every `glob=` and `source=`
/// as `--glob` and `--source`; a bad filter is the request's 400.
fn filters(params: &[(String, String)]) -> Result<Vec<Filter>, Response> {
    params
        .iter()
        .filter_map(|(k, v)| match k.as_str() {
            "filter" => Some(
                Filter::from_str(v).map_err(|e| Response::error(400, format!("filter `{v}`: {e}"))),
            ),
            "glob" => Some(Ok(Filter::glob(v))),
            "source" => Some(Ok(Filter::source(v))),
            _ => None,
        })
        .collect()
}

fn open(
    dir: &std::path::Path,
    cwd: Option<PathBuf>,
    model: Option<Arc<Model>>,
) -> crate::Result<Searcher> {
    let mut searcher = Searcher::open(dir)?;
    searcher.show_paths_from(cwd);
    if let Some(m) = model {
        if searcher.is_semantic() {
            searcher.set_model(m)?;
        }
    }
    Ok(searcher)
}

/// The `name=value` pairs of a query string, `+` and `%XX` decoded (invalid UTF-8 replaced).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// `+` as a space and `%XX` as its byte; a `%` not followed by two hex digits stays as it is.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_decoded() {
        assert_eq!(
            parse_query("q=drug+court&filter=year%3E%3D2015&filter=a%ZZ&x"),
            [
                ("q".to_string(), "drug court".to_string()),
                ("filter".into(), "year>=2015".into()),
                ("filter".into(), "a%ZZ".into()),
                ("x".into(), String::new()),
            ]
        );
        assert_eq!(percent_decode("%E5%BF%8D%E8%80%85"), "忍者");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%F"), "%F");
        assert_eq!(percent_decode("%FF"), "\u{fffd}");
    }
}
