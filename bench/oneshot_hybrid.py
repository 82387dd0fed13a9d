#!/usr/bin/env python3
"""One-shot search latency, a new process per query (model load included), for two or more reel
binaries interleaved in one session: p50 and p90 over 5 questions x ROUNDS, hybrid and lexical.

    python3 bench/oneshot_hybrid.py INDEX BIN [BIN...] [--rounds 6]

INDEX is a semantic index (bench/ranking_eval.py --semantic builds SciFact's); REEL_MODEL
names the model folder."""
import argparse
import os
import statistics
import subprocess
import time

QUESTIONS = [
    "vitamin D deficiency and bone fractures",
    "gene expression in breast cancer cells",
    "antibiotic resistance bacteria",
    "obesity and insulin",
    "stem cell differentiation",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("index")
    ap.add_argument("bins", nargs="+")
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args()
    for mode in ["hybrid", "lexical"]:
        times = {b: [] for b in args.bins}
        for _ in range(args.rounds):
            for q in QUESTIONS:
                for b in args.bins:
                    t = time.perf_counter()
                    subprocess.run(
                        [b, "search", "--index", args.index, "--mode", mode, q, "-n", "10"],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        check=True,
                    )
                    times[b].append((time.perf_counter() - t) * 1000)
        base = statistics.median(times[args.bins[0]])
        for b in args.bins:
            t = sorted(times[b])
            p50 = statistics.median(t)
            print(
                f"{mode:8s} {os.path.basename(b):14s} p50 {p50:6.1f} ms  p90 "
                f"{t[int(len(t) * 0.9)]:6.1f} ms  ({p50 / base:.2f}x of the first)  n={len(t)}"
            )


if __name__ == "__main__":
    main()
