#!/usr/bin/env python3
"""Indexing speed and memory: reel next to tantivy-cli, same file, same machine, same run.

    python3 bench/index_speed.py [--corpus corpus.jsonl] [--repeat 3] [--threads 2] [--scale 4]

The corpus is JSON Lines with `id`, `title`, `text` (default: the 100k IMDB reviews, built from
../shared/corpora/imdb_aclimdb/aclimdb_reviews.jsonl.zst into bench/work/imdb.jsonl, with
`<br />` turned into spaces and the IMDb title id as title). Each engine indexes it `--repeat`
times, runs interleaved; the table gives the median wall time, the ratio to tantivy-cli, peak RSS
(from /usr/bin/time -v), throughput and index size. `--scale N` also indexes the corpus repeated
N times (distinct ids) with reel, to show that memory does not grow with corpus size.

Needs: the reel binary (cargo build --release), tantivy-cli (TANTIVY_BIN or `tantivy` on PATH;
`cargo install tantivy-cli`), GNU time (/usr/bin/time), zstd. Standard library only.
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

# `tantivy new` asks its questions on stdin: an `id` field (text, stored, not indexed) and a
# `contents` field (text, indexed with en_stem, frequencies and positions), then stop.
TANTIVY_WIZARD = "\n".join(
    ["id", "Text", "Y", "N", "N", "Y"]
    + ["contents", "Text", "N", "N", "Y", "Y", "Y", "Y", "N"]
) + "\n"


def build_imdb(out):
    src = os.path.join(SHARED, "imdb_aclimdb", "aclimdb_reviews.jsonl.zst")
    if not os.path.exists(src):
        sys.exit(f"no corpus given and {src} is absent")
    p = subprocess.Popen(["zstd", "-dc", src], stdout=subprocess.PIPE, text=True)
    with open(out, "w", encoding="utf-8") as f:
        for line in p.stdout:
            d = json.loads(line)
            text = d["text"].replace("<br />", " ")
            f.write(json.dumps({"id": d["id"].replace("/", "_"), "title": d["imdb_title_id"],
                                "text": text}, ensure_ascii=False) + "\n")
    p.wait()


def scaled(src, n, out):
    with open(out, "w", encoding="utf-8") as f:
        for k in range(n):
            with open(src, encoding="utf-8") as g:
                for line in g:
                    d = json.loads(line)
                    d["id"] = f"{d['id']}#{k}"
                    f.write(json.dumps(d, ensure_ascii=False) + "\n")


def timed(cmd, stdin=None):
    """Runs cmd under GNU time; returns (wall seconds, peak RSS MB)."""
    tfile = os.path.join(WORK, "time.txt")
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-v", "-o", tfile] + cmd, input=stdin, text=True,
                       capture_output=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    rss = 0.0
    for line in open(tfile):
        if "Maximum resident set size" in line:
            rss = int(line.rsplit(":", 1)[1]) / 1024.0
    return wall, rss


def dir_mb(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6


def run_tantivy(bin_, docs, threads):
    idx = os.path.join(WORK, "tantivy-index")
    shutil.rmtree(idx, ignore_errors=True)
    r = subprocess.run([bin_, "new", "-i", idx], input=TANTIVY_WIZARD, text=True,
                       capture_output=True)
    if r.returncode != 0:
        sys.exit(f"tantivy new failed: {r.stderr[-1000:]}")
    wall, rss = timed([bin_, "index", "-i", idx, "-t", str(threads), "-m", "1000000000",
                       "-f", docs])
    return wall, rss, dir_mb(idx)


def run_reel(bin_, corpus, threads, extra=()):
    idx = os.path.join(WORK, "reel-index")
    shutil.rmtree(idx, ignore_errors=True)
    wall, rss = timed([bin_, "index", "-q", "--threads", str(threads), "--index", idx, corpus,
                       *extra])
    return wall, rss, dir_mb(idx)


def main():
    global WORK
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", help="JSON Lines with id, title, text")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scale", type=int, default=0, help="also index the corpus N times over")
    ap.add_argument("--reel", default=os.path.join(ROOT, "target", "release", "reel"))
    ap.add_argument("--tantivy", default=os.environ.get("TANTIVY_BIN", "tantivy"))
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--json", help="also write the figures here")
    a = ap.parse_args()
    WORK = a.work
    os.makedirs(WORK, exist_ok=True)
    corpus = a.corpus or os.path.join(WORK, "imdb.jsonl")
    if not os.path.exists(corpus):
        print(f"building {corpus} ...", file=sys.stderr)
        build_imdb(corpus)
    size_mb = os.path.getsize(corpus) / 1e6
    ndocs = sum(1 for _ in open(corpus, encoding="utf-8"))
    # tantivy-cli's schema has one `contents` field: give it title and text together.
    tdocs = os.path.join(WORK, "tantivy-docs.jsonl")
    with open(tdocs, "w", encoding="utf-8") as f:
        for line in open(corpus, encoding="utf-8"):
            d = json.loads(line)
            f.write(json.dumps({"id": d["id"], "contents": f"{d.get('title', '')} {d['text']}"},
                               ensure_ascii=False) + "\n")

    engines = {
        "tantivy-cli": lambda: run_tantivy(a.tantivy, tdocs, a.threads),
        "reel (passages)": lambda: run_reel(a.reel, corpus, a.threads),
        "reel --whole-documents": lambda: run_reel(a.reel, corpus, a.threads,
                                                   ["--whole-documents"]),
    }
    runs = {name: [] for name in engines}
    for i in range(a.repeat):
        for name, fn in engines.items():
            runs[name].append(fn())
            w, r, s = runs[name][-1]
            print(f"run {i + 1} {name}: {w:.2f} s, {r:.0f} MB RSS, {s:.0f} MB index",
                  file=sys.stderr)

    base = statistics.median(w for w, _, _ in runs["tantivy-cli"])
    rows = []
    for name, rs in runs.items():
        wall = statistics.median(w for w, _, _ in rs)
        rows.append({
            "engine": name, "wall_s": round(wall, 2),
            "speed_vs_tantivy": round(base / wall, 2),
            "peak_rss_mb": round(max(r for _, r, _ in rs), 1),
            "mb_per_s": round(size_mb / wall, 1), "docs_per_s": round(ndocs / wall),
            "index_mb": round(statistics.median(s for _, _, s in rs), 1),
            "runs_s": [round(w, 2) for w, _, _ in rs],
        })
    if a.scale > 1:
        big = os.path.join(WORK, f"x{a.scale}.jsonl")
        if not os.path.exists(big):
            scaled(corpus, a.scale, big)
        w, r, s = run_reel(a.reel, big, a.threads)
        bsize = os.path.getsize(big) / 1e6
        rows.append({"engine": f"reel (passages), corpus x{a.scale}", "wall_s": round(w, 2),
                     "speed_vs_tantivy": None, "peak_rss_mb": round(r, 1),
                     "mb_per_s": round(bsize / w, 1), "docs_per_s": round(ndocs * a.scale / w),
                     "index_mb": round(s, 1), "runs_s": [round(w, 2)]})

    print(f"\nIndexing {os.path.basename(corpus)}: {ndocs} documents, {size_mb:.0f} MB, "
          f"{a.threads} threads, median of {a.repeat} interleaved runs\n")
    print("| engine | wall s (median) | speed vs tantivy-cli | peak RSS MB | MB/s | docs/s | index MB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = "-" if r["speed_vs_tantivy"] is None else f"{r['speed_vs_tantivy']:.2f}x"
        print(f"| {r['engine']} | {r['wall_s']:.2f} | {ratio} | {r['peak_rss_mb']:.0f} | "
              f"{r['mb_per_s']:.1f} | {r['docs_per_s']} | {r['index_mb']:.0f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"corpus": corpus, "docs": ndocs, "mb": size_mb, "threads": a.threads,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
