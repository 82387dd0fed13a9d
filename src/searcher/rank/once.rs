//! Clauses about the whole document (`director:"Elaine McMillion Sheldon"`, `title:heroin`,
//! `year:2017`, `source:…`) hold for every passage of it, so a document would answer them with
//! every passage, each scored the same (nine identical hits for one review). [`FirstPassage`]
//! keeps what such a clause matches but scores it on the document's first passage only; a
//! passage that scores nothing at all is then no hit ([`super::collect`]), so the clause
//! answers with documents, and with words beside it, with the passages that hold the words.

use tantivy::columnar::Column;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term};

use crate::schema::names;

/// A query scored only on a document's first passage (it matches what the query matches).
#[derive(Debug)]
pub struct FirstPassage(pub Box<dyn Query>);

impl Clone for FirstPassage {
    fn clone(&self) -> Self {
        FirstPassage(self.0.box_clone())
    }
}

impl Query for FirstPassage {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(FirstWeight(self.0.weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct FirstWeight(Box<dyn Weight>);

fn passage_ids(reader: &SegmentReader) -> tantivy::Result<Column<u64>> {
    reader.fast_fields().u64(names::PASSAGE_ID)
}

impl Weight for FirstWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(FirstScorer {
            inner: self.0.scorer(reader, boost)?,
            passage: passage_ids(reader)?,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.0.explain(reader, doc)?;
        if passage_ids(reader)?.first(doc) == Some(0) {
            return Ok(inner);
        }
        let mut e = Explanation::new("scored on the document's first passage", 0.0);
        e.add_detail(inner);
        Ok(e)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.0.count(reader)
    }
}

struct FirstScorer {
    inner: Box<dyn Scorer>,
    passage: Column<u64>,
}

impl DocSet for FirstScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        self.inner.seek_danger(target)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for FirstScorer {
    fn score(&mut self) -> Score {
        if self.passage.first(self.inner.doc()) == Some(0) {
            self.inner.score()
        } else {
            0.0
        }
    }
}
