#!/usr/bin/env python3
"""Batch search speed next to the peers, same machine, same run: every query of a file in one
process, top 100, feedback on (reel's default), one thread and all cores.

    python3 bench/batch_speed.py [--repeat 3] [--threads 2] [--bin target/release/reel]

Two workloads: SciFact's 300 test queries repeated ten times (3,000 queries, 5,183 abstracts;
reel `--unit doc`) and 1,000 Netflix titles against the 100k IMDB reviews. Peers: bm25s (numba,
PEER_PY; its query phase timed, as its own benchmarks do) with top 100 on one thread and on all
cores; `tantivy bench` (TANTIVY_BIN) on the IMDB index, which runs each query on one thread.
Prints medians of --repeat runs as queries per second, with each peer's speed as a multiple of
reel's, and writes bench/results/batch_speed.json.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared", "corpora")
WORK = os.path.join(HERE, "work", "batch")
sys.path.insert(0, HERE)
import index_speed as ix  # noqa: E402
import run  # noqa: E402


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def scifact():
    """(flat corpus JSONL, queries TSV) for SciFact: the test queries ten times over."""
    beir = os.path.join(SHARED, "scifact", "beir")
    corpus = os.path.join(beir, "corpus.jsonl")
    if not os.path.exists(corpus):
        return None
    flat = os.path.join(WORK, "scifact.jsonl")
    with open(flat, "w", encoding="utf-8") as f:
        for line in open(corpus, encoding="utf-8"):
            d = json.loads(line)
            f.write(json.dumps({"id": d["_id"], "title": d.get("title", ""), "text": d["text"]},
                               ensure_ascii=False) + "\n")
    qtext = {}
    for line in open(os.path.join(beir, "queries.jsonl"), encoding="utf-8"):
        d = json.loads(line)
        qtext[d["_id"]] = d["text"]
    test = []
    for line in open(os.path.join(beir, "qrels", "test.tsv"), encoding="utf-8"):
        qid = line.split("\t", 1)[0]
        if qid in qtext and qid not in test:
            test.append(qid)
    qtsv = os.path.join(WORK, "scifact-queries.tsv")
    with open(qtsv, "w", encoding="utf-8") as f:
        for k in range(10):
            for qid in test:
                f.write(f"{qid}-{k}\t{qtext[qid]}\n")
    return flat, qtsv


def imdb():
    flat = os.path.join(WORK, "imdb.jsonl")
    if not os.path.exists(flat):
        ix.build_imdb(flat)
    qtsv = os.path.join(WORK, "imdb-queries.tsv")
    with open(qtsv, "w", encoding="utf-8") as f:
        for i, q in enumerate(run.queries_from_netflix(SHARED, 1000)):
            f.write(f"{i}\t{q}\n")
    return flat, qtsv


def qps(cmd, n, **kw):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    return n / (time.perf_counter() - t0)


def measure(name, flat, qtsv, unit, a):
    n = sum(1 for _ in open(qtsv, encoding="utf-8"))
    idx = os.path.join(WORK, f"reel-{name}")
    shutil.rmtree(idx, ignore_errors=True)
    subprocess.run([a.bin, "index", "-q", "--index", idx, flat], check=True)
    runs = {}

    def add(engine, value):
        runs.setdefault(engine, []).append(value)

    tantivy_idx = None
    tantivy = os.environ.get("TANTIVY_BIN") or shutil.which("tantivy")
    if tantivy and name == "IMDB 100k":
        tdocs = os.path.join(WORK, "tantivy-docs.jsonl")
        run.tantivy_docs(flat, tdocs)
        ix.WORK = WORK
        ix.run_tantivy(tantivy, tdocs, 2)
        tantivy_idx = os.path.join(WORK, "tantivy-index")
        qtxt = os.path.join(WORK, "queries.txt")
        with open(qtxt, "w", encoding="utf-8") as f:
            for line in open(qtsv, encoding="utf-8"):
                f.write(line.split("\t", 1)[1])
    peer_py = os.environ.get("PEER_PY")
    for r in range(a.repeat):
        log(f"{name}: run {r + 1} of {a.repeat}")
        for threads in (1, a.threads):
            add(f"reel, {threads} thread{'s' if threads > 1 else ''}",
                qps([a.bin, "search", "--index", idx, "--queries", qtsv, "--format", "trec",
                     "--unit", unit, "-n", "100", "--threads", str(threads)], n))
        if peer_py:
            for threads, label in ((1, "1 thread"), (-1, "all cores")):
                p = subprocess.run([peer_py, os.path.join(HERE, "bm25s_batch.py"), flat, qtsv,
                                    "100", str(threads)], capture_output=True, text=True)
                if p.returncode == 0:
                    add(f"bm25s (numba), {label}", json.loads(p.stdout)["qps"])
                else:
                    log(f"bm25s failed: {p.stderr.strip()[-300:]}")
        if tantivy_idx:
            add("tantivy bench, 1 thread",
                qps([tantivy, "bench", "-i", tantivy_idx, "-q", qtxt], n,
                    stderr=subprocess.DEVNULL))
    return {"corpus": name, "queries": n,
            "qps": {k: round(statistics.median(v), 1) for k, v in runs.items()}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "reel"))
    a = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    out = []
    sf = scifact()
    if sf:
        out.append(measure("SciFact", *sf, "doc", a))
    else:
        log("SciFact absent: skipped")
    if os.path.exists(os.path.join(SHARED, "imdb_aclimdb", "aclimdb_reviews.jsonl.zst")):
        out.append(measure("IMDB 100k", *imdb(), "doc", a))
    else:
        log("IMDB reviews absent: skipped")
    for r in out:
        print(f"\n{r['corpus']}: {r['queries']} queries, top 100, median of {a.repeat}\n")
        print("| engine | queries/s | vs reel, 1 thread |")
        print("|---|---|---|")
        base = r["qps"].get("reel, 1 thread")
        for k, v in r["qps"].items():
            ratio = f"{v / base:.2f}x" if base else "-"
            print(f"| {k} | {v:,.1f} | {ratio} |")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "batch_speed.json"), "w") as f:
        json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
