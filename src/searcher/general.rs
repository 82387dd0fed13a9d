//! The general engine: a [`Plan`] carried out with tantivy query trees. The plan's expression is
//! built into a query (coordinated for a keyword query, with its proximity bonus), feedback
//! words are added when the plan says, the filters are ANDed on, and the best passages are
//! collected by score or by the sort's field, the whole-title bonus applied and the cap per
//! document kept; a semantic or hybrid search adds the vector ranking ([`super::fusion`]). Hits
//! are filled in from the stored passages, with "did you mean" when the words found nothing.

use tantivy::query::Query;

use super::hits::{self, SearchResults};
use super::index::Searcher;
use super::query::build::{self, Builder, Built};
use super::query::plan::{Mode, Plan, SearchOptions};
use super::query::{expand, filter, words};
use super::rank::collect::{self, Key, Ranked};
use super::rank::{document, semantic, surface};
use super::suggest;
use crate::error::{Error, Result};

/// A plan's expression as tantivy queries: the query to rank by and, for a keyword query, the
/// passages holding every one of its words.
struct Queries {
    built: Built,
    all_words: Option<Box<dyn Query>>,
    /// How the index read the query (a `word*` with too many words).
    warnings: Vec<String>,
}

impl Searcher {
    /// Runs one search.
    pub fn search(&self, opts: &SearchOptions) -> Result<SearchResults> {
        // A panic inside tantivy fails the search, not the program. The queries reel builds are
        // ones tantivy runs, so what is left is a file tantivy could not read.
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let plan = Plan::new(opts, &|name| build::is_query_field(&self.manifest, name))?;
            self.run(opts, &plan).map_err(|e| at_clause(&plan, e))
        }));
        let result = run.unwrap_or_else(|_| {
            Err(Error::Damaged {
                path: self.dir.clone(),
                reason: crate::error::UNREADABLE.to_string(),
            })
        });
        result.map_err(|e| match e {
            Error::Tantivy(
                tantivy::TantivyError::InvalidArgument(m)
                | tantivy::TantivyError::SchemaError(m)
                | tantivy::TantivyError::FieldNotFound(m),
            ) => Error::Query(format!("cannot be run: {m}")),
            // Reading the index failed: say why, with the index's own folder.
            Error::Tantivy(t) => Error::from_tantivy(&self.dir, t, false),
            other => other,
        })
    }

    /// How many passages (documents, when hits are documents or capped per document) match
    /// the query's words and meet its filters: what `--count` prints and the server's `total`.
    /// A search by meaning alone ranks every passage that meets the filters.
    pub fn count(&self, opts: &SearchOptions) -> Result<u64> {
        let plan = Plan::new(opts, &|name| build::is_query_field(&self.manifest, name))?;
        let query: Box<dyn Query> = if plan.mode == Mode::Semantic {
            Box::new(tantivy::query::AllQuery)
        } else {
            match self.build(&plan).map_err(|e| at_clause(&plan, e))?.built {
                Built::Query(q) => q,
                Built::Nothing(_) => return Ok(0),
            }
        };
        let query = self.with_filters(query, &plan.filters)?;
        let searcher = self.reader.searcher();
        if plan.per_doc.is_none() {
            return Ok(searcher.search(&*query, &tantivy::collector::Count)? as u64);
        }
        let found = searcher.search(&*query, &tantivy::collector::DocSetCollector)?;
        let mut docs = std::collections::HashSet::new();
        let mut columns = std::collections::HashMap::new();
        for addr in found {
            let column = match columns.entry(addr.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                    searcher
                        .segment_reader(addr.segment_ord)
                        .fast_fields()
                        .u64(crate::schema::names::DOC_ORD)?,
                ),
            };
            if let Some(ord) = column.first(addr.doc_id) {
                docs.insert(ord);
            }
        }
        Ok(docs.len() as u64)
    }

    /// The plan's expression built into queries: a keyword query coordinated, a query with
    /// proximity words given its bonus.
    fn build(&self, plan: &Plan) -> Result<Queries> {
        let mut builder = Builder::new(&self.fields, &self.manifest)
            .with_cwd(self.cwd.clone())
            .with_searcher(self.reader.searcher());
        let words: Vec<&str> = plan.proximity.iter().map(String::as_str).collect();
        let proximity = |built: Built| match built {
            Built::Query(q) if !words.is_empty() => {
                Built::Query(expand::with_proximity(&self.fields, &words, q))
            }
            other => other,
        };
        if plan.is_keyword() {
            let built = proximity(builder.build_coordinated(&plan.expr)?);
            let all_words = match builder.build(&expand::every_word(&plan.expr))? {
                Built::Query(q) => Some(q),
                Built::Nothing(_) => None,
            };
            return Ok(Queries {
                built,
                all_words,
                warnings: builder.warnings,
            });
        }
        let built = proximity(builder.build(&plan.expr)?);
        Ok(Queries {
            built,
            all_words: None,
            warnings: builder.warnings,
        })
    }

    /// Carries out a plan.
    fn run(&self, opts: &SearchOptions, plan: &Plan) -> Result<SearchResults> {
        let mut warnings = plan.warnings.clone();
        let Queries {
            built,
            all_words,
            warnings: read,
        } = self.build(plan)?;
        warnings.extend(read);
        if self.reader.searcher().num_docs() == 0 {
            return Ok(SearchResults {
                warnings,
                nothing: Some(format!(
                    "{} holds no passages (a first `reel index` still running, or every path \
                     forgotten)",
                    self.dir.display()
                )),
                ..SearchResults::default()
            });
        }
        let query = match built {
            Built::Query(q) => q,
            Built::Nothing(why) => {
                return Ok(SearchResults {
                    warnings,
                    nothing: Some(why),
                    ..SearchResults::default()
                })
            }
        };
        let searcher = self.reader.searcher();
        let mode = plan.mode;
        let (query, feedback) = if plan.feedback {
            expand::with_feedback(&searcher, &self.fields, query, &self.ids)?
        } else {
            (query, Vec::new())
        };
        let evidence = plan.evidence.as_ref().map(|e| e.with_terms(&feedback));
        // Highlights come from the query itself, not from the filters.
        let terms = self.match_terms(plan, &*query);
        let lexical_query = query;
        let query = self.with_filters(lexical_query.box_clone(), &plan.filters)?;
        let key = match &plan.sort {
            Some(sort) => {
                let (column, desc) = filter::check_sort(&self.manifest, sort)?;
                Key::Field { column, desc }
            }
            None => Key::Score,
        };
        let vector_query = self.vector_query(opts, plan)?;
        // A query that is a document's whole title ranks that document first.
        let exact = if plan.title_words.is_empty() {
            Vec::new()
        } else {
            let words: Vec<&str> = plan.title_words.iter().map(String::as_str).collect();
            expand::exact_title(&searcher, &self.fields, &words)?
        };
        let ranked =
            |q: &dyn Query| self.ranked(&searcher, q, key.clone(), &exact, plan, evidence.as_ref());
        let (mut top, parts): (Vec<Ranked>, Option<Vec<semantic::Fused>>) =
            match (mode, &vector_query) {
                (Mode::Semantic, Some(vq)) => (ranked(&**vq)?, None),
                (Mode::Hybrid, Some(vq)) => {
                    let fused = self.hybrid(&super::fusion::Run {
                        searcher: &searcher,
                        query: &*query,
                        vector: &**vq,
                        exact: &exact,
                        all_words: all_words.as_deref(),
                        plan,
                    })?;
                    (
                        fused.iter().map(|f| f.ranked.clone()).collect(),
                        Some(fused),
                    )
                }
                _ => (ranked(&*query)?, None),
            };
        let found = !top.is_empty();
        top.truncate(plan.limit);
        let hits = if opts.ids_only {
            collect::fill_ids(&searcher, &mut top, &self.ids);
            hits::id_hits(top)
        } else {
            let scored = matches!(key, Key::Score);
            let explain: &dyn Query = match (mode, &vector_query) {
                (Mode::Semantic, Some(vq)) => &**vq,
                _ => &*query,
            };
            let mut hits = hits::full_hits(&searcher, &self.fields, explain, top, scored, &terms)?;
            hits::show_paths(&mut hits, self.cwd.as_deref());
            if let Some(sort) = &plan.sort {
                let field = self
                    .manifest
                    .meta_field(&sort.field)
                    .map_or_else(|| sort.field.clone(), |(key, _)| key);
                for h in &mut hits {
                    h.sorted_by = Some(hits::SortedBy {
                        value: h.metadata.get(&field).cloned(),
                        field: field.clone(),
                    });
                }
            }
            self.part_scores(
                &searcher,
                &mut hits,
                mode,
                parts.as_deref(),
                &*query,
                vector_query.as_deref(),
            )?;
            hits
        };
        let did_you_mean = self.advise(&searcher, opts, plan, found, &mut warnings)?;
        Ok(SearchResults {
            hits,
            warnings,
            nothing: None,
            did_you_mean,
        })
    }

    /// The words highlights are made of: the query's own (not the filters'), and the fuzzy
    /// words analyzed as the index is.
    fn match_terms(&self, plan: &Plan, query: &dyn Query) -> hits::MatchTerms {
        let phrases = words::phrase_texts(&plan.expr);
        let loose = words::sloppy_phrase_texts(&plan.expr);
        let mut terms = hits::MatchTerms::of(&self.fields, query, &phrases, &loose);
        let mut analyzer = crate::analyzer::analyzer();
        for (word, edits) in &plan.fuzzy {
            let mut stream = analyzer.token_stream(word);
            while stream.advance() {
                terms
                    .fuzzy
                    .push((stream.token().text.chars().collect(), usize::from(*edits)));
            }
        }
        terms
    }

    /// What to tell the user when the words found little: a hint about a field name that was
    /// typed as a word (added to `warnings`) and the "did you mean" suggestion returned, when
    /// the words found nothing or a keyword query has a word that matches nothing (a longer
    /// query that finds passages does not need one).
    fn advise(
        &self,
        searcher: &tantivy::Searcher,
        opts: &SearchOptions,
        plan: &Plan,
        found: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Option<String>> {
        if !found && !opts.literal {
            let is_field = |name: &str| build::is_query_field(&self.manifest, name);
            warnings.extend(suggest::field_hint(
                &self.manifest,
                &is_field,
                &plan.typed_words,
            ));
        }
        if plan.typed_words.is_empty() || opts.ids_only || (found && !plan.is_keyword()) {
            return Ok(None);
        }
        suggest::did_you_mean(searcher, &self.fields, &plan.typed_words)
    }

    /// The best passages for `q` in the order of `key`, whole-title bonuses applied, at most
    /// the plan's cap of any document ([`collect::capped`]).
    fn ranked(
        &self,
        searcher: &tantivy::Searcher,
        q: &dyn Query,
        key: Key,
        exact: &[(tantivy::DocAddress, tantivy::Score)],
        plan: &Plan,
        evidence: Option<&document::Evidence>,
    ) -> Result<Vec<Ranked>> {
        let typed: &[String] = if matches!(key, Key::Score) {
            &plan.surface
        } else {
            &[]
        };
        surface::capped(
            searcher,
            &self.fields,
            plan.limit,
            plan.per_doc,
            evidence,
            typed,
            |want| {
                let top = collect::top(searcher, q, want, key.clone(), &self.ids)?;
                let exhausted = top.len() < want;
                let top = collect::with_bonus(searcher, q, top, exact, want, &self.ids)?;
                Ok((top, exhausted))
            },
        )
    }
}

/// A clause's error given where the clause is in the query (`position 5: `year` holds
/// numbers; `abc` is not a number`), from the positions the parser recorded.
fn at_clause(plan: &Plan, e: Error) -> Error {
    match e {
        Error::Clause {
            field,
            value,
            message,
        } => match plan
            .parsed
            .as_ref()
            .and_then(|p| p.position(&field, &value))
        {
            Some(pos) => Error::Query(format!("position {pos}: {message}")),
            None => Error::Query(message),
        },
        other => other,
    }
}
