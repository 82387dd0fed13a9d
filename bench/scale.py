#!/usr/bin/env python3
"""How reel grows: the IMDB reviews 1, 4 and 16 times over (distinct ids; 16x is 1.6 million
reviews, 4.9 million passages, 2.4 GB), each indexed and searched the same way.

    python3 bench/scale.py [--times 1,4,16] [--threads 2] [--bin target/release/reel] [--keep]

For each size: `reel index` (wall time and peak RSS from /usr/bin/time), segments and index
size; one-shot `reel search` p50 and p99 over 100 queries of two or three common words (a new
process each); batch q/s of 1,000 queries (Netflix titles, `--format trec --unit doc -n 100`, 1
and all threads); an unchanged re-run and a one-file change (each against the full build);
`reel verify` (wall time and peak RSS). The corpora are generated under bench/work/scale (and
removed unless --keep); nothing of them is committed. Prints a Markdown table and writes
bench/results/scale.json.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared", "corpora")
SRC = os.path.join(SHARED, "imdb_aclimdb", "aclimdb_reviews.jsonl.zst")

COMMON = ("film movie story acting plot ending horror comedy great bad love life family "
          "war music characters director performance scenes action funny beautiful worst "
          "best time script budget actor actress effects camera sequel original book "
          "documentary series season episode drama thriller romance children violence "
          "dialogue cast character hero villain murder police school history").split()


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def timed(cmd, **kw):
    """(seconds, peak RSS MB, completed process) of a command run under GNU time."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, **kw)
    secs = time.perf_counter() - t0
    rss = int(p.stderr.strip().splitlines()[-1]) / 1024 if p.stderr.strip() else 0.0
    return secs, rss, p


def make_corpus(work, times):
    """The reviews `times` times over, ids suffixed with the copy number, one JSONL file."""
    out = os.path.join(work, f"imdb-x{times}", "reviews.jsonl")
    if os.path.exists(out):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    base = subprocess.run(["zstd", "-dc", SRC], capture_output=True, check=True).stdout
    lines = [l for l in base.decode("utf-8").split("\n") if l.strip()]
    with open(out + ".part", "w", encoding="utf-8") as f:
        for k in range(times):
            for line in lines:
                d = json.loads(line)
                d["id"] = f"{d['id']}-{k}"
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    os.replace(out + ".part", out)
    return out


def one_shot(binary, index, queries):
    ms = []
    for q in queries:
        t0 = time.perf_counter()
        subprocess.run([binary, "search", "--index", index, "-n", "10", q], capture_output=True)
        ms.append((time.perf_counter() - t0) * 1000)
    ms.sort()
    return statistics.median(ms), ms[min(len(ms) - 1, int(len(ms) * 0.99))]


def netflix_queries(n):
    sys.path.insert(0, HERE)
    import run  # the benchmark suite's own query list
    return run.queries_from_netflix(SHARED, n)


def segments(index):
    meta = json.load(open(os.path.join(index, "meta.json")))
    return len(meta["segments"])


def size_mb(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6


def measure(a, times):
    work = os.path.join(HERE, "work", "scale")
    corpus = make_corpus(work, times)
    folder = os.path.dirname(corpus)
    index = os.path.join(folder, "index")
    shutil.rmtree(index, ignore_errors=True)
    r = {"times": times, "reviews": 100_000 * times,
         "input_mb": round(os.path.getsize(corpus) / 1e6, 1)}
    log(f"x{times}: indexing {r['input_mb']} MB")
    secs, rss, p = timed([a.bin, "index", "-q", "--threads", str(a.threads), "--index", index,
                          corpus])
    if p.returncode != 0:
        sys.exit(p.stderr)
    r.update(index_s=round(secs, 1), index_rss_mb=round(rss, 1), segments=segments(index),
             index_mb=round(size_mb(index), 1))
    stats = json.loads(subprocess.run([a.bin, "stats", "--json", "--index", index],
                                      capture_output=True, text=True).stdout)
    r["passages"] = stats["passages"]
    rng = random.Random(0)
    queries = [" ".join(rng.sample(COMMON, rng.choice([2, 3]))) for _ in range(100)]
    log(f"x{times}: one-shot searches")
    one_shot(a.bin, index, queries[:5])  # warm the page cache
    p50, p99 = one_shot(a.bin, index, queries)
    r.update(one_shot_p50_ms=round(p50, 1), one_shot_p99_ms=round(p99, 1))
    _, rss, _ = timed([a.bin, "search", "--index", index, "-n", "10", queries[0]])
    r["one_shot_rss_mb"] = round(rss, 1)
    qtsv = os.path.join(folder, "queries.tsv")
    with open(qtsv, "w", encoding="utf-8") as f:
        for i, q in enumerate(netflix_queries(1000)):
            f.write(f"{i}\t{q}\n")
    for threads in (1, a.threads):
        log(f"x{times}: batch, {threads} thread(s)")
        secs, rss, _ = timed([a.bin, "search", "--index", index, "--queries", qtsv, "--format",
                              "trec", "--unit", "doc", "-n", "100", "--threads", str(threads)])
        r[f"batch_qps_{threads}t"] = round(1000 / secs, 1)
        r[f"batch_rss_mb_{threads}t"] = round(rss, 1)
    log(f"x{times}: unchanged re-run, one-file change")
    secs, _, _ = timed([a.bin, "index", "-q", "--index", index])
    r["unchanged_s"] = round(secs, 2)
    extra = os.path.join(folder, "extra.jsonl")
    with open(extra, "w") as f:
        f.write(json.dumps({"id": "extra-1", "title": "One more", "text": "A late review."}) + "\n")
    secs, _, _ = timed([a.bin, "index", "-q", "--index", index, extra])
    r["one_file_s"] = round(secs, 2)
    r["unchanged_pct"] = round(100 * r["unchanged_s"] / r["index_s"], 2)
    r["one_file_pct"] = round(100 * r["one_file_s"] / r["index_s"], 2)
    log(f"x{times}: verify")
    secs, rss, p = timed([a.bin, "verify", "--index", index])
    r.update(verify_s=round(secs, 1), verify_rss_mb=round(rss, 1), verify_ok=p.returncode == 0)
    if not a.keep:
        shutil.rmtree(folder, ignore_errors=True)
    log(json.dumps(r))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--times", default="1,4,16")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "reel"))
    ap.add_argument("--keep", action="store_true", help="keep the generated corpora")
    a = ap.parse_args()
    if not os.path.exists(SRC):
        print(f"skipped: {SRC} is not present", file=sys.stderr)
        return 0
    rows = [measure(a, int(t)) for t in a.times.split(",")]
    cols = [("reviews", "reviews"), ("passages", "passages"), ("input MB", "input_mb"),
            ("index s", "index_s"), ("index peak RSS MB", "index_rss_mb"),
            ("segments", "segments"), ("index MB", "index_mb"),
            ("one-shot p50 ms", "one_shot_p50_ms"), ("p99 ms", "one_shot_p99_ms"),
            ("one-shot RSS MB", "one_shot_rss_mb"), ("batch q/s 1 thread", "batch_qps_1t"),
            (f"batch q/s {a.threads} threads", f"batch_qps_{a.threads}t"),
            ("unchanged re-run s (% of build)", None), ("one-file change s (%)", None),
            ("verify s", "verify_s"), ("verify RSS MB", "verify_rss_mb")]
    print("| " + " | ".join(c for c, _ in cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        cells = []
        for c, k in cols:
            if c.startswith("unchanged"):
                cells.append(f"{r['unchanged_s']} ({r['unchanged_pct']}%)")
            elif c.startswith("one-file"):
                cells.append(f"{r['one_file_s']} ({r['one_file_pct']}%)")
            else:
                cells.append(str(r[k]))
        print("| " + " | ".join(cells) + " |")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "scale.json"), "w") as f:
        json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
