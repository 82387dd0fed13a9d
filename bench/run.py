#!/usr/bin/env python3
"""The benchmark suite: reel next to the tools a user would pick instead, same machine, one run.

    python3 bench/run.py [--quick] [--repeat 3] [--out bench/results]

Writes OUT/results.md (the tables) and OUT/results.json. Sections:

  indexing   each corpus with reel and tantivy-cli, 1 and 2 threads: median wall time, MB/s,
             docs/s, peak RSS, index size, ratio to tantivy-cli
  one-shot   a new process per query, as a user types it (hyperfine): p50 and p95 over 50
             queries of `reel search` (top 10 with snippets), `tantivy search`, `rg -i`
  batch      queries per second: `reel search --queries`, `tantivy bench`, bm25s (numba)
  memory     peak RSS of one `reel search` on the largest index
  scale      10k, 30k, 100k IMDB reviews and the 100k four times over (distinct ids): indexing
             time, index size, peak RSS, one-shot p50

Corpora (each skipped with a note when absent): the shipped seed corpus, the Netflix CSV,
SciFact, the 100k IMDB reviews, from ../shared/corpora or --corpora DIR.
Peers: bench/setup.sh installs them; TANTIVY_BIN, PEER_PY (python with bm25s + numba) and
`rg`, `hyperfine`, /usr/bin/time on PATH. A missing peer is skipped with a note.
--quick: one repeat, 20 queries, no x4 corpus (for a smoke run).
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import index_speed as ix  # noqa: E402  (shared helpers: corpus building, timing, engines)

ROOT = os.path.dirname(HERE)
NOTES = []


def note(msg):
    NOTES.append(msg)
    print(f"note: {msg}", file=sys.stderr)


def have(cmd):
    return shutil.which(cmd) is not None or os.path.exists(cmd)


def flat_jsonl(rows, out):
    with open(out, "w", encoding="utf-8") as f:
        for i, t, x in rows:
            f.write(json.dumps({"id": i, "title": t, "text": x}, ensure_ascii=False) + "\n")


def prepare(corpora, work):
    """Each corpus as (name, reel input path, flat JSONL for the peers, docs)."""
    out = []
    seed = os.path.join(ROOT, "corpus")
    rows = []
    for name in sorted(os.listdir(seed)):
        p = os.path.join(seed, name)
        if name.endswith((".txt", ".md")):
            lines = open(p, encoding="utf-8").read().splitlines()
            rows.append((os.path.splitext(name)[0], lines[0], "\n".join(lines[1:])))
    flat = os.path.join(work, "seed.jsonl")
    flat_jsonl(rows, flat)
    out.append(("seed corpus", seed, flat, len(rows)))

    netflix = os.path.join(corpora, "netflix_titles", "netflix_titles.csv")
    if os.path.exists(netflix):
        import csv
        with open(netflix, encoding="utf-8", newline="") as f:
            rows = [(r["show_id"], r["title"], r["description"]) for r in csv.DictReader(f)]
        flat = os.path.join(work, "netflix.jsonl")
        flat_jsonl(rows, flat)
        out.append(("Netflix CSV", netflix, flat, len(rows)))
    else:
        note(f"{netflix} absent: Netflix skipped")

    scifact = os.path.join(corpora, "scifact", "beir", "corpus.jsonl")
    if os.path.exists(scifact):
        rows = []
        for line in open(scifact, encoding="utf-8"):
            d = json.loads(line)
            rows.append((d["_id"], d.get("title", ""), d.get("text", "")))
        flat = os.path.join(work, "scifact.jsonl")
        flat_jsonl(rows, flat)
        out.append(("SciFact", scifact, flat, len(rows)))
    else:
        note(f"{scifact} absent: SciFact skipped")

    imdb = os.path.join(work, "imdb.jsonl")
    if not os.path.exists(imdb):
        try:
            ix.build_imdb(imdb)
        except SystemExit as e:
            note(f"IMDB skipped: {e}")
            imdb = None
    if imdb:
        out.append(("IMDB 100k", imdb, imdb, sum(1 for _ in open(imdb, encoding="utf-8"))))
    return out


def tantivy_docs(flat, out):
    with open(out, "w", encoding="utf-8") as f:
        for line in open(flat, encoding="utf-8"):
            d = json.loads(line)
            f.write(json.dumps({"id": d["id"], "contents": f"{d['title']} {d['text']}"},
                               ensure_ascii=False) + "\n")


def mb(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6
    return os.path.getsize(path) / 1e6


def bench_indexing(corpora, a, results):
    rows = []
    for name, src, flat, ndocs in corpora:
        size = mb(src)
        tdocs = os.path.join(ix.WORK, "tantivy-docs.jsonl")
        tantivy_docs(flat, tdocs)
        for threads in (1, 2):
            runs = {"reel": [], "tantivy-cli": []}
            for _ in range(a.repeat):
                runs["reel"].append(ix.run_reel(a.reel, src, threads))
                if have(a.tantivy):
                    runs["tantivy-cli"].append(ix.run_tantivy(a.tantivy, tdocs, threads))
            if not runs["tantivy-cli"]:
                note("tantivy-cli not found: indexing peer skipped")
            # Single-threaded peers are measured once per corpus, in the 1-thread rows; Lucene
            # indexes with as many threads as reel.
            for peer, fn in other_peers(tdocs, threads, a).items():
                runs[peer] = [fn() for _ in range(a.repeat)]
            base = statistics.median(w for w, _, _ in runs["tantivy-cli"]) if runs["tantivy-cli"] else None
            for engine, rs in runs.items():
                if not rs:
                    continue
                wall = statistics.median(w for w, _, _ in rs)
                rows.append({"corpus": name, "engine": engine, "threads": threads,
                             "wall_s": round(wall, 3), "mb_s": round(size / wall, 1),
                             "docs_s": round(ndocs / wall), "peak_rss_mb": round(max(r for _, r, _ in rs), 1),
                             "index_mb": round(statistics.median(s for _, _, s in rs), 1),
                             "speed_vs_tantivy": round(base / wall, 2) if base else None})
    results["indexing"] = rows


def other_peers(tdocs, threads, a):
    """Index builders of SQLite FTS5, bm25s and Lucene (Anserini), where installed."""
    peers = {}
    script = os.path.join(HERE, "peer_index.py")
    if threads == 1:
        db = os.path.join(ix.WORK, "fts5.db")
        peers["SQLite FTS5"] = lambda: (*ix.timed(["python3", script, "sqlite", tdocs, db]), mb(db))
        probe = subprocess.run([a.peer_py, "-c", "import bm25s, Stemmer"], capture_output=True)
        if probe.returncode == 0:
            out = os.path.join(ix.WORK, "bm25s-index")
            peers["bm25s"] = lambda: (*ix.timed([a.peer_py, script, "bm25s", tdocs, out]), mb(out))
        else:
            note("bm25s not installed for PEER_PY: its indexing row skipped")
    jar = os.environ.get("ANSERINI_JAR")
    if jar and os.path.exists(jar) and have("java"):
        coll = os.path.join(ix.WORK, "anserini-input")
        shutil.rmtree(coll, ignore_errors=True)
        os.makedirs(coll)
        shutil.copy(tdocs, os.path.join(coll, "docs.jsonl"))
        idx = os.path.join(ix.WORK, "anserini-index")

        def lucene():
            shutil.rmtree(idx, ignore_errors=True)
            w, r = ix.timed(["java", "-cp", jar, "io.anserini.index.IndexCollection",
                             "-collection", "JsonCollection", "-input", coll, "-index", idx,
                             "-generator", "DefaultLuceneDocumentGenerator",
                             "-threads", str(threads), "-storePositions"])
            return w, r, mb(idx)
        peers["Lucene (Anserini)"] = lucene
    elif threads == 1:
        note("ANSERINI_JAR or java missing: Lucene skipped")
    return peers


def hyperfine(commands, runs):
    """Mean seconds of each command (a new process per run)."""
    out = os.path.join(ix.WORK, "hyperfine.json")
    subprocess.run(["hyperfine", "-N", "--warmup", "1", "--runs", str(runs), "-i",
                    "--export-json", out, "--style", "none"] + commands,
                   check=True, capture_output=True)
    return [r["mean"] for r in json.load(open(out))["results"]]


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def one_shot(reel_idx, tantivy_idx, raw, queries, a):
    """p50/p95 latency in ms per engine over the queries."""
    engines = {"reel search": lambda q: f"{a.reel} search --index {reel_idx} -n 10 --color never {json.dumps(q)}"}
    if tantivy_idx and have(a.tantivy):
        engines["tantivy search"] = lambda q: f"{a.tantivy} search -i {tantivy_idx} -q {json.dumps(q)}"
    if raw and have("rg"):
        engines["rg -i"] = lambda q: f"rg -i -F -- {json.dumps(q)} {raw}"
    out = {}
    for name, cmd in engines.items():
        times = hyperfine([cmd(q) for q in queries], a.runs)
        out[name] = {"p50_ms": round(pct(times, 50) * 1000, 2), "p95_ms": round(pct(times, 95) * 1000, 2)}
    return out


def queries_from_netflix(corpora_dir, n):
    import csv
    import random
    path = os.path.join(corpora_dir, "netflix_titles", "netflix_titles.csv")
    if not os.path.exists(path):
        return ["documentary", "heroin", "drug court", "war", "love story"] * (n // 5)
    titles = [r["title"] for r in csv.DictReader(open(path, encoding="utf-8", newline=""))]
    random.Random(0).shuffle(titles)
    clean = [" ".join(w for w in t.lower().replace('"', " ").split() if w.isalnum()) for t in titles]
    return [q for q in clean if q][:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default=os.path.join(ROOT, "..", "shared", "corpora"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5, help="hyperfine runs per query")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reel", default=os.path.join(ROOT, "target", "release", "reel"))
    ap.add_argument("--tantivy", default=os.environ.get("TANTIVY_BIN", "tantivy"))
    ap.add_argument("--peer-py", default=os.environ.get("PEER_PY", "python3"))
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    a = ap.parse_args()
    if a.quick:
        a.repeat, a.queries, a.runs = 1, 20, 3
    ix.WORK = os.path.join(HERE, "work")
    ix.SHARED = a.corpora
    os.makedirs(ix.WORK, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    if not os.path.exists(a.reel):
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    for tool in ("hyperfine", "/usr/bin/time"):
        if not have(tool):
            sys.exit(f"{tool} is needed (bash bench/setup.sh installs it)")
    results = {"date": time.strftime("%Y-%m-%d"), "machine": machine()}
    corpora = prepare(a.corpora, ix.WORK)
    print(f"corpora: {[c[0] for c in corpora]}", file=sys.stderr)

    bench_indexing(corpora, a, results)

    # The largest corpus is the one searched below.
    name, src, flat, ndocs = corpora[-1]
    reel_idx = os.path.join(ix.WORK, "search-reel")
    shutil.rmtree(reel_idx, ignore_errors=True)
    subprocess.run([a.reel, "index", "-q", "--index", reel_idx, src], check=True)
    tantivy_idx = None
    if have(a.tantivy):
        tdocs = os.path.join(ix.WORK, "tantivy-docs.jsonl")
        tantivy_docs(flat, tdocs)
        ix.run_tantivy(a.tantivy, tdocs, 2)
        tantivy_idx = os.path.join(ix.WORK, "search-tantivy")
        shutil.rmtree(tantivy_idx, ignore_errors=True)
        shutil.move(os.path.join(ix.WORK, "tantivy-index"), tantivy_idx)
    queries = queries_from_netflix(a.corpora, a.queries)
    results["one_shot"] = {"corpus": name, "queries": len(queries),
                           "engines": one_shot(reel_idx, tantivy_idx, flat, queries, a)}

    # Batch: every query in one process.
    qtsv = os.path.join(ix.WORK, "queries.tsv")
    with open(qtsv, "w") as f:
        for i, q in enumerate(queries_from_netflix(a.corpora, 1000)):
            f.write(f"{i}\t{q}\n")
    nq = sum(1 for _ in open(qtsv))
    batch = {}
    t0 = time.perf_counter()
    subprocess.run([a.reel, "search", "--index", reel_idx, "--queries", qtsv, "--format", "trec",
                    "-n", "10"], check=True, stdout=subprocess.DEVNULL)
    batch["reel search --queries"] = round(nq / (time.perf_counter() - t0), 1)
    if tantivy_idx:
        qtxt = os.path.join(ix.WORK, "queries.txt")
        with open(qtxt, "w") as f:
            for line in open(qtsv):
                f.write(line.split("\t", 1)[1])
        t0 = time.perf_counter()
        subprocess.run([a.tantivy, "bench", "-i", tantivy_idx, "-q", qtxt], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        batch["tantivy bench"] = round(nq / (time.perf_counter() - t0), 1)
    r = subprocess.run([a.peer_py, os.path.join(HERE, "bm25s_batch.py"), flat, qtsv],
                       capture_output=True, text=True)
    if r.returncode == 0:
        batch["bm25s (numba)"] = json.loads(r.stdout)["qps"]
    else:
        note(f"bm25s skipped: {r.stderr.strip().splitlines()[-1:] }")
    results["batch_qps"] = {"corpus": name, "queries": nq, "engines": batch}

    # Memory of one search.
    _, rss = ix.timed([a.reel, "search", "--index", reel_idx, "-n", "10", queries[0]])
    results["search_peak_rss_mb"] = round(rss, 1)

    # Scale.
    if name == "IMDB 100k":
        scale = []
        sizes = [10_000, 30_000, 100_000] + ([] if a.quick else [400_000])
        for n in sizes:
            path = os.path.join(ix.WORK, f"imdb-{n}.jsonl")
            if not os.path.exists(path):
                if n <= ndocs:
                    with open(path, "w", encoding="utf-8") as f, open(src, encoding="utf-8") as g:
                        for i, line in enumerate(g):
                            if i == n:
                                break
                            f.write(line)
                else:
                    ix.scaled(src, n // ndocs, path)
            idx = os.path.join(ix.WORK, "scale-index")
            shutil.rmtree(idx, ignore_errors=True)
            wall, rss = ix.timed([a.reel, "index", "-q", "--index", idx, path])
            lat = one_shot(idx, None, None, queries[:20], a)["reel search"]
            scale.append({"docs": n, "input_mb": round(mb(path), 1), "index_s": round(wall, 2),
                          "index_mb": round(mb(idx), 1), "peak_rss_mb": round(rss, 1),
                          "search_p50_ms": lat["p50_ms"]})
        results["scale"] = scale
    results["notes"] = NOTES
    json.dump(results, open(os.path.join(a.out, "results.json"), "w"), indent=1)
    md = render(results)
    open(os.path.join(a.out, "results.md"), "w").write(md)
    print(md)


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count(), "memory_gib": round(mem, 1), "cpu": cpu,
            "system": platform.platform()}


def render(r):
    m = r["machine"]
    out = [f"Machine: {m['cores']} cores, {m['memory_gib']} GiB, {m['cpu']}; {r['date']}.", ""]
    out += ["### Indexing", "",
            "| corpus | engine | threads | wall s | vs tantivy-cli | MB/s | docs/s | peak RSS MB | index MB |",
            "|---|---|---|---|---|---|---|---|---|"]
    for x in r["indexing"]:
        ratio = f"{x['speed_vs_tantivy']:.2f}x" if x["speed_vs_tantivy"] else "-"
        out.append(f"| {x['corpus']} | {x['engine']} | {x['threads']} | {x['wall_s']} | {ratio} | "
                   f"{x['mb_s']} | {x['docs_s']} | {x['peak_rss_mb']} | {x['index_mb']} |")
    o = r["one_shot"]
    out += ["", f"### One-shot search ({o['corpus']}, {o['queries']} queries, a new process each)", "",
            "| command | p50 ms | p95 ms | p50 vs reel |", "|---|---|---|---|"]
    base = o["engines"]["reel search"]["p50_ms"]
    for k, v in o["engines"].items():
        out.append(f"| {k} | {v['p50_ms']} | {v['p95_ms']} | {v['p50_ms'] / base:.1f}x |")
    b = r["batch_qps"]
    out += ["", f"### Batch search ({b['corpus']}, {b['queries']} queries)", "",
            "| engine | queries/s |", "|---|---|"]
    for k, v in b["engines"].items():
        out.append(f"| {k} | {v} |")
    out += ["", f"Peak RSS of one `reel search` on the {o['corpus']} index: {r['search_peak_rss_mb']} MB."]
    if "scale" in r:
        out += ["", "### Scale (IMDB reviews; 400k = the 100k four times, distinct ids)", "",
                "| docs | input MB | index s | index MB | peak RSS MB | search p50 ms |",
                "|---|---|---|---|---|---|"]
        for s in r["scale"]:
            out.append(f"| {s['docs']} | {s['input_mb']} | {s['index_s']} | {s['index_mb']} | "
                       f"{s['peak_rss_mb']} | {s['search_p50_ms']} |")
    if r["notes"]:
        out += ["", "Notes: " + "; ".join(r["notes"])]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
