#!/usr/bin/env python3
"""Load on `reel serve` (and `tantivy serve` on the same queries, when given): concurrent
clients, each sending its share of requests over fresh connections; p50 and p99 latency,
requests/s, errors, and the server's resident memory before and after.

    python3 bench/serve_load.py [--bin target/release/reel] [--tantivy PATH] \
        [--clients 16] [--requests 400] [--rss-requests 10000]

The index is the Netflix catalogue plus the seed review (built once in bench/work/serve);
the queries are the judged keyword queries (bench/keyword/queries.tsv), cycled. tantivy-cli
indexes the same catalogue (title and description) and serves `/api/?q=...&nhits=10`.
"""
import argparse
import csv
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CSV = os.path.join(REPO, "..", "shared", "corpora", "netflix_titles", "netflix_titles.csv")
WORK = os.path.join(HERE, "work", "serve")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def wait_up(url, secs=30):
    deadline = time.time() + secs
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"server did not come up at {url}")


def load(make_url, queries, clients, per_client):
    latencies, errors = [], [0]
    lock = threading.Lock()

    def client(c):
        mine = []
        for i in range(per_client):
            q = queries[(c * per_client + i) % len(queries)]
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(make_url(q), timeout=30) as r:
                    r.read()
                    ok = r.status == 200
            except Exception:
                ok = False
            mine.append(time.perf_counter() - t)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "rps": len(latencies) / wall,
    }


def run_server(cmd, url, queries, args, make_url):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(url)
        load(make_url, queries, 2, 20)  # warm up
        before = rss_mb(proc.pid)
        result = load(make_url, queries, args.clients, args.requests)
        mid = rss_mb(proc.pid)
        load(make_url, queries, args.clients, max(1, args.rss_requests // args.clients))
        result.update(rss_start_mb=before, rss_after_load_mb=mid, rss_after_more_mb=rss_mb(proc.pid))
        return result
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "reel"))
    ap.add_argument("--tantivy")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=400, help="per client")
    ap.add_argument("--rss-requests", type=int, default=10000)
    args = ap.parse_args()
    queries = [l.rstrip("\n").split("\t", 1)[1] for l in open(os.path.join(HERE, "keyword", "queries.tsv"), encoding="utf-8")]
    os.makedirs(WORK, exist_ok=True)
    index = os.path.join(WORK, "reel-index")
    if not os.path.exists(index):
        subprocess.run([args.bin, "index", "-q", "--index", index, CSV, os.path.join(REPO, "corpus")], check=True)
    rows = []
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    r = run_server(
        [args.bin, "serve", "--index", index, "--addr", f"127.0.0.1:{port}", "--threads", "4"],
        base + "/api/stats", queries, args,
        lambda q: base + "/api/search?" + urllib.parse.urlencode({"q": q, "n": 10}),
    )
    rows.append(("reel serve", r))
    if args.tantivy:
        tdir = os.path.join(WORK, "tantivy-index")
        if not os.path.exists(tdir):
            os.makedirs(tdir)
            schema = [
                {"name": "title", "type": "text", "options": {"indexing": {"record": "position", "tokenizer": "en_stem"}, "stored": True}},
                {"name": "body", "type": "text", "options": {"indexing": {"record": "position", "tokenizer": "en_stem"}, "stored": True}},
            ]
            with open(os.path.join(tdir, "meta.json"), "w") as f:
                json.dump({"segments": [], "schema": schema, "opstamp": 0, "index_settings": {"docstore_compression": "lz4"}}, f)
            docs = []
            with open(CSV, encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    docs.append(json.dumps({"title": row["title"], "body": row["description"]}))
            subprocess.run([args.tantivy, "index", "-i", tdir], input="\n".join(docs).encode(), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = free_port()
        tbase = f"http://127.0.0.1:{port}"
        r = run_server(
            [args.tantivy, "serve", "-i", tdir, "--host", "127.0.0.1", "--port", str(port)],
            tbase + "/api/?q=drug&nhits=1", queries, args,
            lambda q: tbase + "/api/?" + urllib.parse.urlencode({"q": q, "nhits": 10}),
        )
        rows.append(("tantivy serve", r))
    print(f"{args.clients} clients x {args.requests} requests, then {args.rss_requests} more for memory")
    print(f"{'server':<14} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'RSS MB start/after/after more':>30}")
    for name, r in rows:
        print(f"{name:<14} {r['requests']:>8} {r['errors']:>6} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['rps']:>8.0f} "
              f"{r['rss_start_mb']:>10.1f} {r['rss_after_load_mb']:>9.1f} {r['rss_after_more_mb']:>9.1f}")
    if len(rows) == 2:
        a, b = rows[0][1], rows[1][1]
        print(f"reel / tantivy: req/s {a['rps'] / b['rps']:.2f}x, p50 {a['p50_ms'] / b['p50_ms']:.2f}x, p99 {a['p99_ms'] / b['p99_ms']:.2f}x")


if __name__ == "__main__":
    main()
