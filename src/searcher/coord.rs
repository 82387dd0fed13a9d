//! Coordination: a passage that holds more of a query's words scores more than its BM25 sum
//! says. BM25 alone adds the words' scores, so a short text with one rare word of a two-word
//! query ("court", in a two-line description) can outscore a paragraph that holds both ("drug
//! court"). [`Coordinated`] multiplies the sum by `(matched / words)²`: a passage with half of
//! the words keeps a quarter of its score.
//!
//! It is a union of the words' queries (each word over the title, text and metadata fields)
//! scored by its own scorer, which sees every word on every document (tantivy's boolean union
//! hands a segment where only one word occurs straight to that word's scorer, which would skip
//! the factor there).

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// The exponent of the coordination factor. Measured on the judged keyword queries (nDCG@10,
/// one-shot, coordination on queries of any length): 0.796 without, 0.862 at 1 (Lucene's
/// classic `coord`), 0.887 at 2, 0.888 at 3. A square leaves a passage with one word of two a
/// quarter of its score, which no realistic BM25 gap between a short and a long text makes up
/// for.
pub const COORD_EXPONENT: i32 = 2;

/// A union of word queries, scored by their sum times the share of words matched, squared.
#[derive(Debug)]
pub struct Coordinated {
    words: Vec<Box<dyn Query>>,
}

impl Coordinated {
    /// One clause per query word.
    pub fn new(words: Vec<Box<dyn Query>>) -> Self {
        Coordinated { words }
    }
}

impl Clone for Coordinated {
    fn clone(&self) -> Self {
        Coordinated {
            words: self.words.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl Query for Coordinated {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let words = self
            .words
            .iter()
            .map(|q| q.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(CoordWeight { words }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for q in &self.words {
            q.query_terms(visitor);
        }
    }
}

struct CoordWeight {
    words: Vec<Box<dyn Weight>>,
}

impl Weight for CoordWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.words.len());
        for w in &self.words {
            let s = w.scorer(reader, boost)?;
            if s.doc() != TERMINATED {
                scorers.push(s);
            }
        }
        if scorers.is_empty() {
            return Ok(Box::new(EmptyScorer));
        }
        let mut union = CoordScorer {
            scorers,
            words: self.words.len() as u32,
            doc: 0,
            score: 0.0,
        };
        union.settle();
        Ok(Box::new(union))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let mut e = Explanation::new("coordinated sum of the words", scorer.score());
        for w in &self.words {
            if let Ok(d) = w.explain(reader, doc) {
                e.add_detail(d);
            }
        }
        Ok(e)
    }
}

/// The union of the words' scorers: each document once, its score the sum of the words on it
/// times [`factor`] of how many.
struct CoordScorer {
    scorers: Vec<Box<dyn Scorer>>,
    words: u32,
    doc: DocId,
    score: Score,
}

impl CoordScorer {
    /// Moves to the smallest document any word is on and scores it.
    fn settle(&mut self) {
        self.scorers.retain(|s| s.doc() != TERMINATED);
        let Some(doc) = self.scorers.iter().map(|s| s.doc()).min() else {
            self.doc = TERMINATED;
            self.score = 0.0;
            return;
        };
        let (mut sum, mut matched) = (0.0, 0u32);
        for s in &mut self.scorers {
            if s.doc() == doc {
                sum += s.score();
                matched += 1;
            }
        }
        self.doc = doc;
        self.score = sum * factor(matched, self.words);
    }
}

impl DocSet for CoordScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let current = self.doc;
        for s in &mut self.scorers {
            if s.doc() == current {
                s.advance();
            }
        }
        self.settle();
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for s in &mut self.scorers {
            if s.doc() < target {
                s.seek(target);
            }
        }
        self.settle();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .iter()
            .map(|s| s.size_hint())
            .max()
            .unwrap_or(0)
    }
}

impl Scorer for CoordScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

/// The factor for `matched` of `words` query words.
pub fn factor(matched: u32, words: u32) -> Score {
    if words == 0 || matched >= words {
        return 1.0;
    }
    (matched as Score / words as Score).powi(COORD_EXPONENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factor_rewards_every_word() {
        assert_eq!(factor(2, 2), 1.0);
        assert_eq!(factor(1, 2), 0.25);
        assert!((factor(2, 3) - 4.0 / 9.0).abs() < 1e-6);
        assert_eq!(factor(0, 0), 1.0);
        assert_eq!(factor(5, 3), 1.0);
    }
}
