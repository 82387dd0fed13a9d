//! Retrieval quality of a run against relevance judgments, with trec_eval's conventions:
//! nDCG@10 (gain = grade, log2 discount, ideal from all judged grades), MAP over the run's depth,
//! Recall@100, MRR@10 and P@10; documents ordered by score, ties by document id descending;
//! every judged query with a relevant document is averaged, a query missing from the run scores 0.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// Relevance judgments: query id -> document id -> grade.
pub type Qrels = HashMap<String, HashMap<String, i64>>;

/// A run: query id -> (document id, score), in the order the engine ranked them.
pub type Run = HashMap<String, Vec<(String, f64)>>;

/// The averaged figures (`reel eval --json` prints this object).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// nDCG at 10.
    #[serde(rename = "ndcg@10")]
    pub ndcg10: f64,
    /// Mean average precision over the run's depth.
    pub map: f64,
    /// Recall at 100.
    #[serde(rename = "recall@100")]
    pub recall100: f64,
    /// Mean reciprocal rank of the first relevant document in the top 10.
    #[serde(rename = "mrr@10")]
    pub mrr10: f64,
    /// Precision at 10.
    #[serde(rename = "p@10")]
    pub p10: f64,
    /// Queries averaged.
    pub num_q: usize,
}

/// Reads TREC qrels (`qid 0 doc_id grade`) or BEIR qrels (a `query-id corpus-id score` header,
/// then rows of three columns), whitespace or tab separated.
pub fn read_qrels(path: &Path) -> Result<Qrels> {
    let text = Error::read_utf8(path)?;
    let path = crate::error::shown_path(path);
    let mut qrels = Qrels::new();
    for (i, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let bad = |message: &str| Error::Record {
            path: path.to_path_buf(),
            line: i as u64 + 1,
            message: message.to_string(),
        };
        let (qid, doc, grade) = match parts.as_slice() {
            [] => continue,
            [q, _, d, g] => (*q, *d, *g),
            [q, d, g] => (*q, *d, *g),
            _ => {
                return Err(bad(
                    "expected `qid 0 doc_id grade` or `query-id corpus-id score`",
                ))
            }
        };
        let Ok(grade) = grade.parse::<f64>() else {
            if i == 0 && parts.len() == 3 {
                continue; // the BEIR header
            }
            return Err(bad("the grade is not a number"));
        };
        qrels
            .entry(qid.to_string())
            .or_default()
            .insert(doc.to_string(), grade as i64);
    }
    Ok(qrels)
}

/// Ranks a query's results as trec_eval does: score descending, ties by document id
/// descending, first occurrence of a document kept.
pub fn ranking(results: &[(String, f64)]) -> Vec<&str> {
    let mut seen = HashSet::new();
    let mut rows: Vec<(&str, f64)> = results
        .iter()
        .filter(|(d, _)| seen.insert(d.as_str()))
        .map(|(d, s)| (d.as_str(), *s))
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(a.0)));
    rows.into_iter().map(|(d, _)| d).collect()
}

fn dcg(gains: impl Iterator<Item = f64>) -> f64 {
    gains
        .enumerate()
        .filter(|(_, g)| *g > 0.0)
        .map(|(i, g)| g / ((i + 2) as f64).log2())
        .sum()
}

/// The figures of one query.
pub fn evaluate_query(judged: &HashMap<String, i64>, ranking: &[&str]) -> Metrics {
    let grade = |d: &str| judged.get(d).copied().unwrap_or(0).max(0) as f64;
    let mut ideal: Vec<f64> = judged
        .values()
        .filter(|g| **g > 0)
        .map(|g| *g as f64)
        .collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let num_rel = ideal.len();
    let ideal_dcg = dcg(ideal.iter().take(10).copied());
    let ndcg10 = if ideal_dcg > 0.0 {
        dcg(ranking.iter().take(10).map(|d| grade(d))) / ideal_dcg
    } else {
        0.0
    };
    let mut hits = 0usize;
    let mut ap = 0.0;
    for (i, d) in ranking.iter().enumerate() {
        if grade(d) > 0.0 {
            hits += 1;
            ap += hits as f64 / (i + 1) as f64;
        }
    }
    let relevant_in = |k: usize| ranking.iter().take(k).filter(|d| grade(d) > 0.0).count();
    let mrr10 = ranking
        .iter()
        .take(10)
        .position(|d| grade(d) > 0.0)
        .map_or(0.0, |i| 1.0 / (i + 1) as f64);
    let per_rel = |x: f64| if num_rel > 0 { x / num_rel as f64 } else { 0.0 };
    Metrics {
        ndcg10,
        map: per_rel(ap),
        recall100: per_rel(relevant_in(100) as f64),
        mrr10,
        p10: relevant_in(10) as f64 / 10.0,
        num_q: 1,
    }
}

/// True if at least one document of the run is judged (at any grade) for its query: a run with
/// none comes from another collection, or from ids that do not match the judgments'.
pub fn run_meets_judgments(qrels: &Qrels, run: &Run) -> bool {
    run.iter().any(|(qid, results)| {
        qrels
            .get(qid)
            .is_some_and(|judged| results.iter().any(|(d, _)| judged.contains_key(d)))
    })
}

/// Averages over every query of `qrels` that has a relevant document.
pub fn evaluate(qrels: &Qrels, run: &Run) -> Metrics {
    let empty = Vec::new();
    let mut sum = Metrics::default();
    for (qid, judged) in qrels {
        if !judged.values().any(|g| *g > 0) {
            continue;
        }
        let results = run.get(qid).unwrap_or(&empty);
        let m = evaluate_query(judged, &ranking(results));
        sum.ndcg10 += m.ndcg10;
        sum.map += m.map;
        sum.recall100 += m.recall100;
        sum.mrr10 += m.mrr10;
        sum.p10 += m.p10;
        sum.num_q += 1;
    }
    let n = sum.num_q.max(1) as f64;
    Metrics {
        ndcg10: sum.ndcg10 / n,
        map: sum.map / n,
        recall100: sum.recall100 / n,
        mrr10: sum.mrr10 / n,
        p10: sum.p10 / n,
        num_q: sum.num_q,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(pairs: &[(&str, i64)]) -> HashMap<String, i64> {
        pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
    }

    #[test]
    fn one_query_by_hand() {
        // Relevant: a (grade 2), c (grade 1). Ranking: a, b, c.
        let j = judged(&[("a", 2), ("c", 1), ("x", 0)]);
        let m = evaluate_query(&j, &["a", "b", "c"]);
        let dcg = 2.0 + 1.0 / 4f64.log2();
        let ideal = 2.0 + 1.0 / 3f64.log2();
        assert!((m.ndcg10 - dcg / ideal).abs() < 1e-12);
        assert!((m.map - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        assert_eq!(m.recall100, 1.0);
        assert_eq!(m.mrr10, 1.0);
        assert!((m.p10 - 0.2).abs() < 1e-12);
    }

    #[test]
    fn ties_break_by_doc_id_descending_and_duplicates_keep_the_first() {
        let run = vec![
            ("a".to_string(), 1.0),
            ("b".to_string(), 1.0),
            ("c".to_string(), 2.0),
            ("c".to_string(), 0.5),
        ];
        assert_eq!(ranking(&run), ["c", "b", "a"]);
    }

    #[test]
    fn missing_queries_score_zero_and_unjudged_are_not_averaged() {
        let mut qrels = Qrels::new();
        qrels.insert("1".into(), judged(&[("a", 1)]));
        qrels.insert("2".into(), judged(&[("b", 1)]));
        qrels.insert("3".into(), judged(&[("c", 0)]));
        let mut run = Run::new();
        run.insert("1".into(), vec![("a".into(), 3.0)]);
        let m = evaluate(&qrels, &run);
        assert_eq!(m.num_q, 2);
        assert!((m.ndcg10 - 0.5).abs() < 1e-12);
    }
}
