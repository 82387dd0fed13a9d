//! Searching an index: parse the query (leniently when it does not parse), rank passages with
//! BM25 over text, title (boosted) and metadata, keep at most K passages per document, and return
//! plain [`Hit`] data with the matched words as byte ranges. Printing is the `output` module's job.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, QueryParser, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::corpus::Metadata;
use crate::error::{Error, Result};
use crate::schema::{self, Fields, Manifest};

/// Weight of a title match relative to a passage-text match. Titles are short and name what a
/// document is about, so a title hit is strong evidence; 2 keeps a passage that discusses the
/// words ahead of one that merely belongs to a document with the word in its title.
pub const TITLE_BOOST: f32 = 2.0;

/// Weight of a metadata match (director, year...). Below the text: metadata is repeated on every
/// passage of a document, so it tells which document, not which passage.
pub const META_BOOST: f32 = 0.5;

/// Weight of the bonus for passages where the query's words appear close together in order.
pub const PROXIMITY_BOOST: f32 = 1.0;

/// How far apart (in words) the query's words may be for the proximity bonus.
pub const PROXIMITY_SLOP: u32 = 3;

/// Queries longer than this are refused before parsing: no real query is this long, and the
/// parser's work grows with it.
pub const MAX_QUERY_BYTES: usize = 4096;

/// Deepest parenthesis nesting accepted before parsing (the parser recurses on it).
pub const MAX_QUERY_NESTING: usize = 32;

/// What to search for.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// The query, in reel's query syntax.
    pub query: String,
    /// Most hits to return.
    pub limit: usize,
    /// Most passages to return from any one document.
    pub per_doc: Option<usize>,
}

/// One ranked passage. This is the JSON contract of `reel search --json` (one object per line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// 1-based rank.
    pub rank: usize,
    /// BM25-based relevance score (higher is better).
    pub score: f32,
    /// The document id.
    pub doc_id: String,
    /// The document title.
    pub title: String,
    /// The passage's ordinal within its document, from 0.
    pub passage_id: u64,
    /// The whole passage text.
    pub text: String,
    /// `[start, end)` byte ranges of the matched words in `text`.
    pub highlights: Vec<[usize; 2]>,
    /// The file the document came from.
    pub source: String,
    /// The document's typed metadata.
    pub metadata: Metadata,
}

/// Hits plus the warnings met on the way (a query that had to be read leniently).
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Ranked hits, best first.
    pub hits: Vec<Hit>,
    /// Passages that matched in all (before the limit and the per-document cap).
    pub total_matches: usize,
    /// Warnings for the user (stderr).
    pub warnings: Vec<String>,
}

/// An open index, ready to answer queries.
pub struct Searcher {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    manifest: Manifest,
}

impl Searcher {
    /// Opens the index in `dir` at its last commit.
    pub fn open(dir: &Path) -> Result<Searcher> {
        let (index, fields, manifest) = schema::open(dir)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| Error::Incompatible {
                path: dir.to_path_buf(),
                reason: format!("cannot read the index: {e}"),
            })?;
        Ok(Searcher {
            index,
            reader,
            fields,
            manifest,
        })
    }

    /// The manifest of the commit this searcher reads.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Runs one search.
    pub fn search(&self, opts: &SearchOptions) -> Result<SearchResults> {
        let mut warnings = Vec::new();
        let query = self.parse(&opts.query, &mut warnings)?;
        let searcher = self.reader.searcher();
        let total_matches = searcher.search(&*query, &Count)?;

        let limit = opts.limit.max(1);
        let mut want = match opts.per_doc {
            Some(_) => limit.saturating_mul(8),
            None => limit,
        };
        let top = loop {
            let top = searcher.search(&*query, &TopDocs::with_limit(want).order_by_score())?;
            let capped = cap_per_doc(&searcher, &self.fields, top.clone(), opts.per_doc)?;
            if capped.len() >= limit || top.len() < want {
                break capped;
            }
            want = want.saturating_mul(4);
        };

        let text_terms = self.text_terms(&*query);
        let mut analyzer = schema::analyzer();
        let mut hits = Vec::with_capacity(limit);
        for (score, addr) in top.into_iter().take(limit) {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text = self.str_of(&doc, self.fields.text);
            let highlights = highlight(&mut analyzer, &text, &text_terms);
            let metadata =
                serde_json::from_str(&self.str_of(&doc, self.fields.meta_json)).unwrap_or_default();
            hits.push(Hit {
                rank: hits.len() + 1,
                score,
                doc_id: self.str_of(&doc, self.fields.doc_id),
                title: self.str_of(&doc, self.fields.title),
                passage_id: doc
                    .get_first(self.fields.passage_id)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0),
                text,
                highlights,
                source: self.str_of(&doc, self.fields.source),
                metadata,
            });
        }
        Ok(SearchResults {
            hits,
            total_matches,
            warnings,
        })
    }

    fn str_of(&self, doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
        doc.get_first(field)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Parses the user's query: strictly if it can, leniently (with a warning) if not.
    fn parse(&self, input: &str, warnings: &mut Vec<String>) -> Result<Box<dyn Query>> {
        check_limits(input)?;
        let f = &self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text, f.meta_text]);
        parser.set_field_boost(f.title, TITLE_BOOST);
        parser.set_field_boost(f.meta_text, META_BOOST);
        for problem in syntax_problems(input) {
            warnings.push(problem);
        }
        self.warn_unknown_fields(input, warnings);
        let rewritten = self.route_metadata_fields(input);
        let query = match parser.parse_query(&rewritten) {
            Ok(q) => q,
            Err(e) => {
                let (q, _) = parser.parse_query_lenient(&rewritten);
                warnings.push(format!("query: {e}; searched leniently"));
                q
            }
        };
        Ok(self.with_proximity(input, query))
    }

    /// Rewrites `name:` prefixes that are not schema fields to `meta.name:`, so metadata keys
    /// are addressed by their own names (`year:[2015 TO 2019]`, `director:herzog`).
    fn route_metadata_fields(&self, input: &str) -> String {
        let schema = self.index.schema();
        let mut out = String::with_capacity(input.len() + 16);
        let mut last = 0;
        for (pos, name) in field_prefixes(input) {
            if schema.find_field(&name).is_none() {
                let byte = input
                    .char_indices()
                    .nth(pos)
                    .map_or(input.len(), |(b, _)| b);
                out.push_str(&input[last..byte]);
                out.push_str(schema::names::META);
                out.push('.');
                last = byte;
            }
        }
        out.push_str(&input[last..]);
        out
    }

    /// Warns about `name:` prefixes that name neither a field nor a metadata key.
    fn warn_unknown_fields(&self, input: &str, warnings: &mut Vec<String>) {
        let schema = self.index.schema();
        for (pos, name) in field_prefixes(input) {
            let base = name.strip_prefix("meta.").unwrap_or(&name);
            let known =
                schema.get_field(&name).is_ok() || self.manifest.metadata_fields.contains_key(base);
            if !known {
                warnings.push(format!(
                    "query: position {pos}: unknown field `{name}` (no document has it)"
                ));
            }
        }
    }

    /// Adds a bonus for passages where the query's plain words occur close together, in order:
    /// the passage about "Drug Court" beats one that says "drug" here and "court" there.
    fn with_proximity(&self, input: &str, query: Box<dyn Query>) -> Box<dyn Query> {
        let plain = input
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "'’-".contains(c));
        let has_operator = input
            .split_whitespace()
            .any(|w| matches!(w, "AND" | "OR" | "NOT" | "IN" | "TO"));
        if !plain || has_operator {
            return query;
        }
        let mut analyzer = schema::analyzer();
        let mut stream = analyzer.token_stream(input);
        let mut terms = Vec::new();
        while stream.advance() {
            let t = stream.token();
            terms.push((t.position, Term::from_field_text(self.fields.text, &t.text)));
        }
        if terms.len() < 2 {
            return query;
        }
        let phrase = PhraseQuery::new_with_offset_and_slop(terms, PROXIMITY_SLOP);
        let bonus = BoostQuery::new(Box::new(phrase), PROXIMITY_BOOST);
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Should, Box::new(bonus)),
        ]))
    }

    /// The analyzed words of the query that target passage text (for highlighting).
    fn text_terms(&self, query: &dyn Query) -> HashSet<String> {
        let mut terms = HashSet::new();
        query.query_terms(&mut |term, _| {
            if term.field() == self.fields.text {
                if let Some(s) = term.value().as_str() {
                    terms.insert(s.to_string());
                }
            }
        });
        terms
    }

    /// Passages in the index.
    pub fn num_passages(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Documents in the index (passages with ordinal 0).
    pub fn num_documents(&self) -> Result<u64> {
        let term = Term::from_field_u64(self.fields.passage_id, 0);
        let q = TermQuery::new(term, IndexRecordOption::Basic);
        Ok(self.reader.searcher().search(&q, &Count)? as u64)
    }
}

/// Keeps at most `per_doc` hits of any document, in rank order.
fn cap_per_doc(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    top: Vec<(f32, DocAddress)>,
    per_doc: Option<usize>,
) -> Result<Vec<(f32, DocAddress)>> {
    let Some(k) = per_doc else { return Ok(top) };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (score, addr) in top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let id = doc
            .get_first(fields.doc_id)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let n = seen.entry(id).or_insert(0);
        if *n < k {
            *n += 1;
            out.push((score, addr));
        }
    }
    Ok(out)
}

/// Byte ranges of the words of `text` whose analyzed form is one of `terms`.
fn highlight(
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    text: &str,
    terms: &HashSet<String>,
) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    if terms.is_empty() {
        return out;
    }
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        if terms.contains(&t.text) {
            out.push([t.offset_from, t.offset_to]);
        }
    }
    out
}

/// Refuses queries too long or too deeply nested to parse safely.
fn check_limits(input: &str) -> Result<()> {
    if input.len() > MAX_QUERY_BYTES {
        return Err(Error::Query(format!(
            "the query is {} bytes long; the limit is {MAX_QUERY_BYTES}",
            input.len()
        )));
    }
    let mut depth = 0usize;
    for (pos, c) in input.char_indices() {
        match c {
            '(' => {
                depth += 1;
                if depth > MAX_QUERY_NESTING {
                    return Err(Error::Query(format!(
                        "position {pos}: parentheses nested deeper than {MAX_QUERY_NESTING}"
                    )));
                }
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Unbalanced quotes and parentheses, with their positions (character offsets, from 0).
pub fn syntax_problems(input: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut open_quote: Option<usize> = None;
    let mut open_parens: Vec<usize> = Vec::new();
    for (pos, c) in input.chars().enumerate() {
        match c {
            '"' => {
                open_quote = if open_quote.is_some() {
                    None
                } else {
                    Some(pos)
                }
            }
            '(' if open_quote.is_none() => open_parens.push(pos),
            ')' if open_quote.is_none() && open_parens.pop().is_none() => {
                problems.push(format!("query: position {pos}: unmatched `)`"));
            }
            _ => {}
        }
    }
    if let Some(pos) = open_quote {
        problems.push(format!("query: position {pos}: unclosed quote"));
    }
    for pos in open_parens {
        problems.push(format!("query: position {pos}: unclosed `(`"));
    }
    problems
}

/// `name:` prefixes outside quotes, with their character positions.
fn field_prefixes(input: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut in_quote = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            in_quote = !in_quote;
            i += 1;
            continue;
        }
        let at_word_start = i == 0 || matches!(chars[i - 1], ' ' | '(' | '+' | '-' | '\t');
        if !in_quote && at_word_start && (c.is_alphabetic() || c == '_') {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || "_.-".contains(chars[i])) {
                i += 1;
            }
            if i < chars.len() && chars[i] == ':' {
                out.push((start, chars[start..i].iter().collect()));
            }
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_problems_have_positions() {
        assert_eq!(syntax_problems("drug court"), Vec::<String>::new());
        assert_eq!(
            syntax_problems("\"drug court"),
            ["query: position 0: unclosed quote"]
        );
        assert_eq!(
            syntax_problems("a) (b"),
            [
                "query: position 1: unmatched `)`",
                "query: position 3: unclosed `(`"
            ]
        );
    }

    #[test]
    fn limits_are_checked_before_parsing() {
        assert!(check_limits(&"a ".repeat(3000)).is_err());
        assert!(check_limits(&"(".repeat(1000)).is_err());
        assert!(check_limits("(a OR (b AND c))").is_ok());
    }

    #[test]
    fn field_prefixes_outside_quotes() {
        assert_eq!(
            field_prefixes("year:[2015 TO 2019] \"a:b\" director:herzog"),
            [(0, "year".to_string()), (26, "director".to_string())]
        );
    }
}
