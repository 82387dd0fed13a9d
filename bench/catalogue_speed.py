#!/usr/bin/env python3
"""Catalogue indexing speed: the Netflix catalogue repeated 16 times with new ids (141,000 rows,
55 MB), reel on the CSV next to tantivy-cli on the same rows as JSON (id, and title plus
description as its one text field), same machine, same run.

    python3 bench/catalogue_speed.py [--times 16] [--repeat 3] [--threads 2]

reel reads the CSV as a user gives it (twelve columns typed, metadata indexed, passages cut);
tantivy-cli indexes two fields of pre-flattened JSON, so the comparison favours it. A second
tantivy-cli run ("same fields") indexes what reel indexes of each row: the title and the
description stored and searchable with positions, every other column as one searchable text, and
the columns as a stored, indexed JSON object; the ratio to it is the gap per unit of work. Runs
are interleaved; the table gives median wall time, rows/s, peak RSS and the ratio of the speeds.
Needs TANTIVY_BIN (or `tantivy` on PATH) and GNU time; the inputs are generated under
bench/work/catalogue.
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(ROOT, "..", "shared", "corpora", "netflix_titles", "netflix_titles.csv")
TANTIVY_WIZARD = "\n".join(
    ["id", "Text", "Y", "N", "N", "Y"]
    + ["contents", "Text", "N", "N", "Y", "Y", "Y", "Y", "N"]
) + "\n"
# Stored, fast, indexed, tokenized, frequencies, positions, another field (a JSON field asks
# stored and indexed only).
TANTIVY_SAME_WIZARD = "\n".join(
    ["id", "Text", "Y", "N", "N", "Y"]
    + ["title", "Text", "Y", "N", "Y", "Y", "Y", "Y", "Y"]
    + ["text", "Text", "Y", "N", "Y", "Y", "Y", "Y", "Y"]
    + ["meta_text", "Text", "N", "N", "Y", "Y", "Y", "Y", "Y"]
    + ["meta", "Json", "Y", "Y", "N"]
) + "\n"


SAME = "tantivy-cli, same fields"


def timed(cmd, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {p.stderr[-2000:]}")
    return time.perf_counter() - t0, int(p.stderr.strip().splitlines()[-1]) / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--times", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "reel"))
    a = ap.parse_args()
    if not os.path.exists(SRC):
        print(f"skipped: {SRC} is not present", file=sys.stderr)
        return 0
    tantivy = os.environ.get("TANTIVY_BIN") or shutil.which("tantivy")
    work = os.path.join(HERE, "work", "catalogue")
    os.makedirs(work, exist_ok=True)
    rows = list(csv.reader(open(SRC, encoding="utf-8", newline="")))
    head, body = rows[0], rows[1:]
    csv_path = os.path.join(work, f"netflix-x{a.times}.csv")
    json_path = os.path.join(work, f"netflix-x{a.times}.jsonl")
    same_path = os.path.join(work, f"netflix-x{a.times}-same.jsonl")
    n = 0
    with open(csv_path, "w", encoding="utf-8", newline="") as fc, \
            open(json_path, "w", encoding="utf-8") as fj, \
            open(same_path, "w", encoding="utf-8") as fs:
        w = csv.writer(fc)
        w.writerow(head)
        for k in range(a.times):
            for r in body:
                r = list(r)
                r[0] = f"{r[0]}-{k}"
                w.writerow(r)
                d = dict(zip(head, r))
                fj.write(json.dumps({"id": r[0], "contents": f"{d['title']} {d['description']}"},
                                    ensure_ascii=False) + "\n")
                meta = {k: v for k, v in d.items()
                        if k not in ("show_id", "title", "description") and v}
                fs.write(json.dumps({"id": r[0], "title": d["title"], "text": d["description"],
                                     "meta_text": " \n ".join(meta.values()), "meta": meta},
                                    ensure_ascii=False) + "\n")
                n += 1
    mb = os.path.getsize(csv_path) / 1e6
    results = {"reel": [], "tantivy-cli": [], "tantivy-cli, same fields": []}
    for _ in range(a.repeat):
        idx = os.path.join(work, "reel-index")
        shutil.rmtree(idx, ignore_errors=True)
        results["reel"].append(timed([a.bin, "index", "-q", "--threads", str(a.threads),
                                      "--index", idx, csv_path]))
        if tantivy:
            tidx = os.path.join(work, "tantivy-index")
            shutil.rmtree(tidx, ignore_errors=True)
            subprocess.run([tantivy, "new", "-i", tidx], input=TANTIVY_WIZARD, text=True,
                           capture_output=True, check=True)
            results["tantivy-cli"].append(timed([tantivy, "index", "-i", tidx, "-t",
                                                 str(a.threads), "-m", "1000000000",
                                                 "-f", json_path]))
            shutil.rmtree(tidx, ignore_errors=True)
            subprocess.run([tantivy, "new", "-i", tidx], input=TANTIVY_SAME_WIZARD, text=True,
                           capture_output=True, check=True)
            results["tantivy-cli, same fields"].append(
                timed([tantivy, "index", "-i", tidx, "-t", str(a.threads), "-m", "1000000000",
                       "-f", same_path]))
    print(f"Netflix catalogue x{a.times}: {n} rows, {mb:.1f} MB CSV, {a.threads} threads, "
          f"median of {a.repeat}\n")
    print("| engine | wall s | rows/s | peak RSS MB | speed vs tantivy-cli | "
          "vs tantivy-cli, same fields |")
    print("|---|---|---|---|---|---|")
    med = {k: (statistics.median(s for s, _ in v), max(r for _, r in v))
           for k, v in results.items() if v}
    for k, (s, rss) in med.items():
        ratio = med["tantivy-cli"][0] / s if "tantivy-cli" in med else float("nan")
        same = med[SAME][0] / s if SAME in med else float("nan")
        print(f"| {k} | {s:.2f} | {n / s:,.0f} | {rss:.0f} | {ratio:.2f}x | {same:.2f}x |")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "catalogue.json"), "w") as f:
        json.dump({"rows": n, "mb": mb, "runs": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
