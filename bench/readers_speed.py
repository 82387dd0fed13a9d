#!/usr/bin/env python3
"""Reader speed: HTML review pages and Markdown posts made from the IMDB reviews, and the
10,000-file tree of aclImdb-style `.txt` reviews (one review a file, `<br />` paragraphs), each
read by one reel next to another (`--baseline BIN`, say the commit before) in the same run,
interleaved, medians.

    python3 bench/readers_speed.py [--pages 4000] [--repeat 3] [--baseline BIN]

For pages, `reel export` with one thread measures the reader (parse, main content, blocks,
passages, written as NDJSON), `reel index --threads 1` the whole indexing path; both as MB/s of
input. The tree is indexed with 2 threads as a user would.
"""
import argparse
import html
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMDB = os.path.join(ROOT, "..", "shared", "corpora", "imdb_aclimdb", "aclimdb_reviews.jsonl.zst")

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} review | Reviews Weekly</title>
<meta property="og:title" content="{title}">
<script type="application/ld+json">{ld}</script>
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"event": "pageview"}});</script>
<style>body {{ font-family: Georgia, serif; }} .cookie-banner {{ position: fixed; }}</style>
</head><body>
<header class="site-header"><nav><a href="/">Home</a> <a href="/reviews">Reviews</a> <a href="/about">About</a></nav></header>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept</button></div>
<main><article>
<h1>{title}</h1>
{body}
<div class="share"><a href="#">Share on Facebook</a></div>
</article></main>
<aside class="related"><h3>Related reviews</h3><ul><li><a href="/r/1">Another film</a></li></ul></aside>
<footer><p>&copy; 2026 Reviews Weekly</p></footer>
</body></html>
"""


def read_reviews(n):
    p = subprocess.run(["zstd", "-dc", IMDB], capture_output=True)
    if p.returncode != 0:
        sys.exit("zstd is needed to read the IMDB reviews")
    out = []
    for line in io.StringIO(p.stdout.decode("utf-8")):
        out.append(json.loads(line))
        if len(out) >= n:
            break
    return out


def paragraphs(text):
    return [p.strip() for p in text.replace("<br /><br />", "\n\n").split("\n\n") if p.strip()]


def make_pages(rows, work):
    hdir, mdir, tdir = (os.path.join(work, d) for d in ("html", "md", "tree"))
    for d in (hdir, mdir, tdir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for i, r in enumerate(rows):
        title = (r.get("title") or f"Film {i}").strip() or f"Film {i}"
        paras = paragraphs(r.get("text") or r.get("review") or "")
        # Three reviews to a page, as long review pages are.
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras * 3)
        ld = json.dumps({"@context": "https://schema.org", "@type": "Review",
                         "itemReviewed": {"@type": "Movie", "name": title},
                         "reviewRating": {"@type": "Rating", "ratingValue": "7"}})
        with open(os.path.join(hdir, f"p{i:05}.html"), "w", encoding="utf-8") as f:
            f.write(PAGE.format(title=html.escape(title), ld=ld, body=body))
        with open(os.path.join(mdir, f"p{i:05}.md"), "w", encoding="utf-8") as f:
            f.write(f"---\ntitle: \"{title.replace(chr(34), '')}\"\nrating: 7\n---\n\n# {title}\n\n")
            for k, p in enumerate(paras * 3):
                if k % 4 == 3:
                    f.write(f"## Part {k // 4}\n\n")
                f.write(f"{p} See [the trailer](https://example.org/t/{i}) and `notes`.\n\n")
    return hdir, mdir


def make_tree(rows, work, n=10_000):
    tdir = os.path.join(work, "tree")
    shutil.rmtree(tdir, ignore_errors=True)
    for i, r in enumerate(rows[:n]):
        sub = os.path.join(tdir, "pos" if i % 2 else "neg", f"{i // 1000}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"{i}_{i % 10}.txt"), "w", encoding="utf-8") as f:
            f.write((r.get("text") or "").replace("\n", " ") + "\n")
    return tdir


def size_mb(d):
    return sum(os.path.getsize(os.path.join(a, f)) for a, _, fs in os.walk(d) for f in fs) / 1e6


def timed(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {p.stderr[-1500:]}")
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "reel"))
    ap.add_argument("--baseline", help="another reel to run beside --bin (the tree only)")
    a = ap.parse_args()
    if not os.path.exists(IMDB):
        print(f"skipped: {IMDB} is not present", file=sys.stderr)
        return 0
    work = os.path.join(HERE, "work", "readers")
    os.makedirs(work, exist_ok=True)
    rows = read_reviews(max(a.pages, 10_000))
    hdir, mdir = make_pages(rows[: a.pages], work)
    tdir = make_tree(rows, work)
    out = os.path.join(work, "out")
    idx = os.path.join(work, "index")
    results = {}
    for _ in range(a.repeat):
        for name, d in (("HTML pages", hdir), ("Markdown posts", mdir)):
            shutil.rmtree(out, ignore_errors=True)
            results.setdefault((name, "read (export, 1 thread)"), []).append(
                timed([a.bin, "export", "-q", "--to", "quickwit", out, d]))
            shutil.rmtree(idx, ignore_errors=True)
            results.setdefault((name, "index (1 thread)"), []).append(
                timed([a.bin, "index", "-q", "--threads", "1", "--index", idx, d]))
        for label, b in (("this reel", a.bin), ("baseline", a.baseline)):
            if not b:
                continue
            shutil.rmtree(idx, ignore_errors=True)
            results.setdefault(("10,000-file tree", f"index (2 threads), {label}"), []).append(
                timed([b, "index", "-q", "--threads", "2", "--index", idx, tdir]))
    sizes = {"HTML pages": size_mb(hdir), "Markdown posts": size_mb(mdir),
             "10,000-file tree": size_mb(tdir)}
    print(f"reel readers, median of {a.repeat} interleaved runs\n")
    print("| input | run | MB | median s | MB/s |")
    print("|---|---|---|---|---|")
    for (name, run), ts in results.items():
        med = statistics.median(ts)
        print(f"| {name} | {run} | {sizes[name]:.1f} | {med:.2f} | {sizes[name] / med:.1f} |")
    base = results.get(("10,000-file tree", "index (2 threads), baseline"))
    this = results.get(("10,000-file tree", "index (2 threads), this reel"))
    if base and this:
        print(f"\ntree: this reel / baseline = {statistics.median(this) / statistics.median(base):.2f}x time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
