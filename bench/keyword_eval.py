#!/usr/bin/env python3
"""Keyword queries as users type them, judged: nDCG@10 and success@1 on the Netflix catalogue
plus the shipped seed review.

    python3 bench/keyword_eval.py [--bin target/release/reel] [--json] [--per-query]
                                  [--semantic] [--mode lexical|semantic|hybrid]

Builds an index of ../shared/corpora/netflix_titles/netflix_titles.csv and corpus/ in
bench/work/keyword (once per binary), then runs each query of bench/keyword/queries.tsv twice:

  one-shot  `reel search --json -n 10 --per-doc 1 QUERY`, as a user types it (documents ranked by
            their best passage)
  batch     `reel search --queries FILE --format trec --unit doc -n 10` (pseudo-relevance
            feedback on, as for a file of queries)

(`--semantic` builds the index with `reel index --semantic`, with the model of REEL_MODEL or
the cache, and `--mode` is passed to both searches) and scores both against
bench/keyword/qrels.txt (graded 0-3; see bench/keyword/README.md):
nDCG@10 with trec_eval's conventions (gain = grade, ideal from every judged document) and
success@1 (the first document has grade 2 or 3).
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CSV = os.path.join(REPO, "..", "shared", "corpora", "netflix_titles", "netflix_titles.csv")


def read_qrels(path):
    qrels = {}
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if len(parts) == 4:
            qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels


def read_queries(path):
    out = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line:
            qid, text = line.split("\t", 1)
            out.append((qid, text))
    return out


def ndcg10(ranked, judged):
    dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def success1(ranked, judged):
    return 1.0 if ranked and judged.get(ranked[0], 0) >= 2 else 0.0


def build_index(binary, work, semantic):
    index = os.path.join(work, "index-semantic" if semantic else "index")
    if semantic and os.path.isdir(index):
        return index  # embedding takes a while: reuse a semantic index already built
    if os.path.isdir(index):
        shutil.rmtree(index)
    corpus = os.path.join(work, "corpus")
    os.makedirs(corpus, exist_ok=True)
    shutil.copy(os.path.join(REPO, "corpus", "heroine-review.txt"), corpus)
    extra = ["--semantic"] if semantic else []
    subprocess.run([binary, "index", "--index", index, CSV, corpus] + extra, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return index


def one_shot(binary, index, queries, mode):
    runs = {}
    for qid, text in queries:
        p = subprocess.run([binary, "search", "--index", index, "--json", "-n", "10",
                            "--per-doc", "1", text] + mode, capture_output=True, text=True)
        runs[qid] = [json.loads(l)["doc_id"] for l in p.stdout.splitlines() if l.strip()]
    return runs


def batch(binary, index, queries_file, mode):
    p = subprocess.run([binary, "search", "--index", index, "--queries", queries_file,
                        "--format", "trec", "--unit", "doc", "-n", "10"] + mode,
                       capture_output=True, text=True, check=True)
    runs = {}
    for line in p.stdout.splitlines():
        qid, _, doc, rank, _score, _tag = line.split()
        runs.setdefault(qid, []).append((int(rank), doc))
    return {q: [d for _, d in sorted(v)] for q, v in runs.items()}


def score(runs, qrels, queries):
    per = {}
    for qid, _ in queries:
        ranked = runs.get(qid, [])
        per[qid] = (ndcg10(ranked, qrels.get(qid, {})), success1(ranked, qrels.get(qid, {})))
    n = len(per)
    return {
        "ndcg@10": sum(v[0] for v in per.values()) / n,
        "success@1": sum(v[1] for v in per.values()) / n,
        "queries": n,
    }, per


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "reel"))
    ap.add_argument("--work", default=os.path.join(HERE, "work", "keyword"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--per-query", action="store_true")
    ap.add_argument("--semantic", action="store_true")
    ap.add_argument("--mode", choices=["lexical", "semantic", "hybrid"])
    args = ap.parse_args()
    if not os.path.isfile(CSV):
        print(f"skipped: {CSV} is not present", file=sys.stderr)
        return 0
    queries_file = os.path.join(HERE, "keyword", "queries.tsv")
    queries = read_queries(queries_file)
    qrels = read_qrels(os.path.join(HERE, "keyword", "qrels.txt"))
    os.makedirs(args.work, exist_ok=True)
    index = build_index(os.path.abspath(args.bin), args.work, args.semantic)
    mode = ["--mode", args.mode] if args.mode else []
    results = {}
    details = {}
    for name, runs in [("one-shot", one_shot(args.bin, index, queries, mode)),
                       ("batch", batch(args.bin, index, queries_file, mode))]:
        results[name], details[name] = score(runs, qrels, queries)
    if args.json:
        print(json.dumps({"results": results, "per_query": details}, indent=1))
        return 0
    print(f"{'mode':10} {'nDCG@10':>8} {'success@1':>10}  ({len(queries)} queries)")
    for name, r in results.items():
        print(f"{name:10} {r['ndcg@10']:8.4f} {r['success@1']:10.3f}")
    if args.per_query:
        text = dict(queries)
        print(f"\n{'qid':5} {'one-shot':>8} {'batch':>8}  query")
        for qid, _ in queries:
            a, b = details["one-shot"][qid], details["batch"][qid]
            print(f"{qid:5} {a[0]:8.3f} {b[0]:8.3f}  {text[qid]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
