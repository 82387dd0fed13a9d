#!/usr/bin/env python3
"""Updating an index next to building it: the Netflix catalogue CSV plus the 100,000 IMDB reviews
(.jsonl.zst), indexed from scratch (`reel index --rebuild`), re-run on the unchanged corpus, and
re-run after one small file changed. Medians of interleaved runs, as ratios of the full build.

    python3 bench/update_speed.py [--repeat 5]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
NETFLIX = SHARED / "netflix_titles" / "netflix_titles.csv"
IMDB = SHARED / "imdb_aclimdb" / "aclimdb_reviews.jsonl.zst"


def timed(args, cwd):
    t0 = time.time()
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed: {p.stderr}")
    return time.time() - t0, p.stderr.strip().splitlines()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not (NETFLIX.exists() and IMDB.exists()):
        sys.exit(f"skipped: the corpora are not in {SHARED}")
    reel = os.environ.get("REEL_BIN")
    if not reel:
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
        reel = str(ROOT / "target" / "release" / "reel")
    work = ROOT / "bench" / "work" / "update"
    shutil.rmtree(work, ignore_errors=True)
    (work / "corpus").mkdir(parents=True)
    shutil.copy(NETFLIX, work / "corpus" / "netflix_titles.csv")
    shutil.copy(IMDB, work / "corpus" / "aclimdb_reviews.jsonl.zst")
    small = work / "corpus" / "note.txt"
    small.write_text("A Note\n\nA short review that changes between runs.\n")
    cmd = [reel, "index", "corpus", "--threads", "2"]
    full, unchanged, one_changed = [], [], []
    said = {}
    for i in range(args.repeat):
        t, out = timed(cmd + ["--rebuild"], work)
        full.append(t)
        t, out = timed(cmd, work)
        unchanged.append(t)
        said["unchanged"] = out
        small.write_text(f"A Note\n\nA short review that changes between runs: run {i}.\n")
        t, out = timed(cmd, work)
        one_changed.append(t)
        said["one changed"] = out
    f = statistics.median(full)
    rows = [("full build (--rebuild)", full), ("re-run, nothing changed", unchanged),
            ("re-run, one small file changed", one_changed)]
    print(f"reel update speed: Netflix CSV + IMDB 100k (.zst), 2 threads, median of {args.repeat}")
    print()
    print("| run | median s | of the full build |")
    print("|---|---|---|")
    for name, times in rows:
        m = statistics.median(times)
        print(f"| {name} | {m:.3f} | {m / f * 100:.1f}% |")
    print()
    for k, lines in said.items():
        print(f"{k}: " + " / ".join(lines))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
