#!/usr/bin/env python3
"""kill -9 during compaction: a first build that commits 18 segments and compacts them into one,
killed at random moments from just before its commit to its end.

    python3 bench/compaction_kill.py [--trials 20] [--seed 7] [--bin target/release/reel]

The corpus is the IMDB reviews twice over (200,000 reviews, 607,000 passages, distinct ids),
indexed with a 60 MB writer budget so that flushes leave more than 8 segments. One uninterrupted
run finds when its commit lands and when compaction ends (from meta.json); each trial then
kills a fresh build at a uniform moment between the commit minus half a second and the end plus
a fifth of a second. After each kill, when a commit exists: `reel verify`, the document count,
a search, a re-run and `verify` again, and every file in the folder against the commit. A kill
before the first commit leaves an empty index, which is counted apart. Prints one JSON line.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(ROOT, "..", "shared", "corpora", "imdb_aclimdb", "aclimdb_reviews.jsonl.zst")
WORK = os.path.join(HERE, "work", "compaction")
REVIEWS = 200_000


def corpus():
    out = os.path.join(WORK, "reviews.jsonl")
    if not os.path.exists(out):
        base = subprocess.run(["zstd", "-dc", SRC], capture_output=True, check=True).stdout
        lines = [l for l in base.decode("utf-8").split("\n") if l.strip()]
        with open(out, "w", encoding="utf-8") as f:
            for k in range(2):
                for line in lines:
                    d = json.loads(line)
                    d["id"] = f"{d['id']}-{k}"
                    f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return out


def timeline(binary, src, idx):
    """(seconds to the first commit with segments, seconds to the end) of one full build."""
    shutil.rmtree(idx, ignore_errors=True)
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "index", "-q", "--memory", "60", "--index", idx, src])
    meta = os.path.join(idx, "meta.json")
    last, commit = None, None
    while p.poll() is None:
        try:
            m = os.stat(meta).st_mtime_ns
            if m != last:
                last = m
                if commit is None and json.load(open(meta))["segments"]:
                    commit = time.perf_counter() - t0
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return commit, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "reel"))
    a = ap.parse_args()
    if not os.path.exists(SRC):
        print(f"skipped: {SRC} is not present", file=sys.stderr)
        return 0
    os.makedirs(WORK, exist_ok=True)
    src = corpus()
    idx = os.path.join(WORK, "index")
    commit, end = timeline(a.bin, src, idx)
    segments = len(json.load(open(os.path.join(idx, "meta.json")))["segments"])
    rng = random.Random(a.seed)
    run = lambda *args: subprocess.run([a.bin, *args], capture_output=True, text=True)
    r = {"commit_s": round(commit, 2), "end_s": round(end, 2), "segments_at_end": segments,
         "trials": 0, "before_first_commit": 0, "verify_failures": 0, "wrong_counts": 0,
         "search_failures": 0, "rerun_failures": 0, "files_left_behind": 0,
         "segments_after_kill": {}}
    for _ in range(a.trials):
        shutil.rmtree(idx, ignore_errors=True)
        p = subprocess.Popen([a.bin, "index", "-q", "--memory", "60", "--index", idx, src])
        time.sleep(rng.uniform(commit - 0.5, end + 0.2))
        p.kill()
        p.wait()
        r["trials"] += 1
        meta_path = os.path.join(idx, "meta.json")
        try:
            n = len(json.load(open(meta_path))["segments"])
        except (OSError, ValueError):
            n = 0
        if n == 0:
            r["before_first_commit"] += 1
            continue
        r["segments_after_kill"][str(n)] = r["segments_after_kill"].get(str(n), 0) + 1
        if run("verify", "--index", idx).returncode != 0:
            r["verify_failures"] += 1
        stats = run("stats", "--json", "--index", idx)
        if stats.returncode != 0 or json.loads(stats.stdout)["documents"] != REVIEWS:
            r["wrong_counts"] += 1
        if run("search", "--index", idx, "-n", "3", "great movie").returncode != 0:
            r["search_failures"] += 1
        again = run("index", "-q", "--memory", "60", "--index", idx, src)
        if again.returncode != 0 or run("verify", "--index", idx).returncode != 0:
            r["rerun_failures"] += 1
        meta = open(meta_path).read()
        segs = meta.replace("-", "")
        for f in os.listdir(idx):
            known = (f in ("meta.json", ".managed.json") or f.startswith(".tantivy-")
                     or (f.startswith("reel-files-") and f in meta)
                     or f.split(".")[0] in segs)
            if not known:
                r["files_left_behind"] += 1
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
