#!/usr/bin/env python3
"""Ranking quality on every judged collection at hand, lexical and (with --semantic) semantic and
hybrid, in one table: the figures EVALUATION.md reports, for one binary.

    python3 bench/ranking_eval.py [--bin target/release/reel] [--semantic] [--only NAME,...]
                                  [--json OUT] [--per-query OUT]

Collections (prepared into bench/work/eval/data by bench/eval_peers.sh and
bench/prep_scifact_train.py):

  scifact_train  809 claims (tuning)        scifact   300 test claims (reported only)
  cranfield      225 questions (tuning)     cisi      76 questions (reported only)

and, built here from the same documents, their long-document versions (`*_long`): every
document's text cut into paragraphs of two sentences, as news articles and web pages are laid
out, so nearly every document has several passages and its words are spread over them (the
judgments still name whole documents). Ranking documents by their best passage alone is at its
weakest there.

Indexes are built once per binary (bench/work/ranking/<binary hash>/). nDCG@10 of `reel search
--queries --format trec --unit doc -n 100` by ../shared/bench/ndcg.py (trec_eval conventions), documents, top 100, feedback on as `reel eval` runs it.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))
import ndcg  # noqa: E402

DATA = os.path.join(HERE, "work", "eval", "data")
COLLECTIONS = ["scifact_train", "cranfield", "scifact", "cisi"]
TUNING = {"scifact_train", "cranfield", "scifact_train_long", "cranfield_long"}


def qrels_of(name):
    d = os.path.join(DATA, name)
    for f in ("qrels.tsv", "qrels.trec"):
        if os.path.exists(os.path.join(d, f)):
            return os.path.join(d, f)
    raise SystemExit(f"{d}: no qrels (run bench/eval_peers.sh and bench/prep_scifact_train.py)")


SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


def long_version(name):
    """The collection with every document cut into two-sentence paragraphs."""
    src = os.path.join(DATA, name)
    out = os.path.join(DATA, name + "_long")
    path = os.path.join(out, "corpus.jsonl")
    if not os.path.exists(path):
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(src, "corpus.jsonl")) as f, open(path + ".tmp", "w") as g:
            for line in f:
                d = json.loads(line)
                sentences = SENTENCE.split(" ".join(d.get("text", "").split()))
                paras = [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]
                d["text"] = "\n\n".join(paras)
                g.write(json.dumps(d) + "\n")
        os.replace(path + ".tmp", path)
        for f in os.listdir(src):
            if f != "corpus.jsonl":
                with open(os.path.join(src, f), "rb") as a, open(os.path.join(out, f), "wb") as b:
                    b.write(a.read())
    return name + "_long"


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "reel"))
    ap.add_argument("--semantic", action="store_true")
    ap.add_argument("--only")
    ap.add_argument("--no-long", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--per-query")
    ap.add_argument("--indexes", help="folder name under bench/work/ranking to keep indexes in "
                    "(default: one per binary); builds of one index format can share one")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    tag = hashlib.sha1(open(binary, "rb").read()).hexdigest()[:12]
    work = os.path.join(HERE, "work", "ranking", args.indexes or tag)
    names = list(COLLECTIONS)
    if not args.no_long:
        names += [long_version(n) for n in COLLECTIONS]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    modes = ["lexical"] + (["semantic", "hybrid"] if args.semantic else [])
    results, per_query = {}, {}
    for name in names:
        idx = os.path.join(work, name + ("-sem" if args.semantic else ""))
        if not os.path.exists(os.path.join(idx, ".done")):
            cmd = [binary, "index", os.path.join(DATA, name, "corpus.jsonl"), "--index", idx,
                   "--rebuild", "-q"]
            if args.semantic:
                cmd.append("--semantic")
            run(cmd)
            open(os.path.join(idx, ".done"), "w").close()
        queries = os.path.join(DATA, name, "queries.tsv")
        for mode in modes:
            trec = os.path.join(work, f"{name}.{mode}.trec")
            with open(trec, "w") as f:
                f.write(run([binary, "search", "--index", idx, "--queries", queries,
                             "--format", "trec", "--unit", "doc", "-n", "100",
                             "--mode", mode]))
            means, pq = ndcg.evaluate(ndcg.read_qrels(qrels_of(name)), ndcg.read_run(trec))
            results[(name, mode)] = means
            per_query[f"{name}/{mode}"] = {q: v["ndcg@10"] for q, v in pq.items()}
            print(f"{name:<22}{mode:<9}nDCG@10 {means['ndcg@10']:.4f}  MAP {means['map']:.4f}  "
                  f"R@100 {means['recall@100']:.4f}{'  (tuning)' if name in TUNING else ''}",
                  flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({f"{n}/{m}": r for (n, m), r in results.items()}, f, indent=1)
    if args.per_query:
        with open(args.per_query, "w") as f:
            json.dump(per_query, f)


if __name__ == "__main__":
    main()
