#!/usr/bin/env python3
"""Titles typed as queries: does the document a user names by its title come first?

    python3 bench/title_eval.py [--bin target/release/reel] [--sample 300] [--seed 7]

Indexes the Netflix catalogue plus the shipped seed review (bench/work/titles, rebuilt each
run), draws --sample catalogue rows at random (--seed), and searches each row's title as typed
(`reel search --json -n 10 --per-doc 1 TITLE`). A hit is right when its document has that
title (any of the rows sharing it, case aside). Prints success@1 and MRR@10. The judgment needs
no assessor: a title names its document.
"""
import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CSV = os.path.join(REPO, "..", "shared", "corpora", "netflix_titles", "netflix_titles.csv")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "reel"))
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", default=os.path.join(HERE, "work", "titles"))
    a = ap.parse_args()
    if not os.path.exists(CSV):
        print(f"skipped: {CSV} is not present", file=sys.stderr)
        return 0
    binary = os.path.abspath(a.bin)
    index = os.path.join(a.work, "index")
    corpus = os.path.join(a.work, "corpus")
    shutil.rmtree(index, ignore_errors=True)
    os.makedirs(corpus, exist_ok=True)
    shutil.copy(os.path.join(REPO, "corpus", "heroine-review.txt"), corpus)
    subprocess.run([binary, "index", "--index", index, CSV, corpus], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = list(csv.DictReader(open(CSV, encoding="utf-8", newline="")))
    by_title = {}
    for r in rows:
        by_title.setdefault(r["title"].lower(), set()).add(r["show_id"])
    random.seed(a.seed)
    sample = random.sample(rows, min(a.sample, len(rows)))
    first = rr = 0.0
    misses = []
    for r in sample:
        p = subprocess.run([binary, "search", "--index", index, "--json", "-n", "10",
                            "--per-doc", "1", "--", r["title"]], capture_output=True, text=True)
        ids = [json.loads(l)["doc_id"] for l in p.stdout.splitlines() if l.strip()]
        want = by_title[r["title"].lower()]
        rank = next((k + 1 for k, d in enumerate(ids) if d in want), None)
        first += rank == 1
        rr += 1 / rank if rank else 0
        if rank != 1:
            misses.append((r["title"], rank))
    n = len(sample)
    print(f"{n} titles (seed {a.seed}): success@1 {first / n:.3f}  MRR@10 {rr / n:.3f}")
    for title, rank in misses:
        print(f"  not first: {title!r} (rank {rank})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
