#!/usr/bin/env python3
"""Two builds of reel side by side, interleaved in one session (A B A B ...), so a refactor or
an optimisation is judged against the machine's noise rather than against a figure from
another day:

    python3 bench/builds_speed.py OLD_BIN NEW_BIN [--rounds 5]

Per round and build: indexing the 100k IMDB reviews (the shipped zstd JSON Lines, 2 threads),
a batch of SciFact's test queries repeated ten times (TREC run, documents, top 100), and 40
one-shot searches of the same index (`--json`, a new process each, as a user runs them). Prints
the medians and NEW/OLD ratios, and writes bench/results/builds_speed.json.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared", "corpora")
SCIFACT = os.path.join(HERE, "work", "eval", "data", "scifact")
ONE_SHOT = ["drug court", "Huntington", "great acting", "boring plot twist", "Hitchcock",
            "worst movie ever", "special effects", "\"the ending\"", "zombie comedy",
            "documentary about war"]


def imdb_reviews():
    """The IMDB reviews as shipped: zstd JSON Lines, read as a stream."""
    return os.path.join(SHARED, "imdb_aclimdb", "aclimdb_reviews.jsonl.zst")


def scifact_queries(work):
    path = os.path.join(work, "scifact_x10.tsv")
    if not os.path.exists(path):
        lines = open(os.path.join(SCIFACT, "queries.tsv")).read().splitlines()
        with open(path, "w") as f:
            for r in range(10):
                for l in lines:
                    qid, q = l.split("\t", 1)
                    f.write(f"{qid}_{r}\t{q}\n")
    return path


def timed(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t


def one_round(binary, work, corpus, queries):
    out = {}
    idx = os.path.join(work, "idx")
    shutil.rmtree(idx, ignore_errors=True)
    out["index_s"] = timed([binary, "index", corpus, "--index", idx, "--threads", "2"])
    sci = os.path.join(work, "sci")
    if not os.path.exists(sci):
        timed([binary, "index", os.path.join(SCIFACT, "corpus.jsonl"), "--index", sci])
    n = sum(1 for _ in open(queries))
    t = timed([binary, "search", "--index", sci, "--queries", queries, "--format", "trec",
               "--limit", "100", "--threads", "2"])
    out["batch_qps"] = n / t
    times = []
    for q in ONE_SHOT * 4:
        times.append(timed([binary, "search", "--index", idx, "--json", q]))
    out["one_shot_p50_ms"] = statistics.median(times) * 1000
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    base = os.path.join(HERE, "work", "builds")
    os.makedirs(base, exist_ok=True)
    corpus = imdb_reviews()
    queries = scifact_queries(base)
    bins = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    figures = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
            for name in order:
                work = os.path.join(tmp, name)
                os.makedirs(work, exist_ok=True)
                figures[name].append(one_round(bins[name], work, corpus, queries))
            print(f"round {r + 1}: " + "  ".join(
                f"{n} {figures[n][-1]['index_s']:.2f}s {figures[n][-1]['batch_qps']:.0f}q/s "
                f"{figures[n][-1]['one_shot_p50_ms']:.1f}ms" for n in ("old", "new")), flush=True)
    summary = {}
    print(f"{'measure':<26}{'old':>10}{'new':>10}{'new/old':>10}")
    for key, label in [("index_s", "index 100k IMDB (s)"), ("batch_qps", "SciFact batch (q/s)"),
                       ("one_shot_p50_ms", "one-shot p50 (ms)")]:
        o = statistics.median(f[key] for f in figures["old"])
        n = statistics.median(f[key] for f in figures["new"])
        summary[key] = {"old": o, "new": n, "ratio": n / o}
        print(f"{label:<26}{o:>10.2f}{n:>10.2f}{n / o:>10.3f}")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "builds_speed.json"), "w") as f:
        json.dump({"rounds": args.rounds, "runs": figures, "medians": summary}, f, indent=1)


if __name__ == "__main__":
    main()
