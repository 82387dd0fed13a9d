#!/usr/bin/env python3
"""Reliability trials for reel: kill -9 during indexing, concurrent writers, searches while
indexing, a corrupted-index matrix, very large and very many inputs, full disks and read-only
disks, and fuzzing.

    python3 bench/reliability.py            # the full run (about 30-40 minutes)
    python3 bench/reliability.py --quick    # a small version of each part (about 2 minutes)

Reads the real corpora from ../shared/corpora when present (the Netflix catalogue CSV and the
IMDB reviews); otherwise generates a review corpus of the same shape. Prints each part's figures
and writes them to bench/results/reliability.json and bench/results/reliability.md.
"""

import argparse
import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora"
NETFLIX = SHARED / "netflix_titles" / "netflix_titles.csv"
IMDB = SHARED / "imdb_aclimdb" / "aclimdb_reviews.jsonl.zst"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def reel_bin():
    if os.environ.get("REEL_BIN"):
        return os.environ["REEL_BIN"]
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    return str(ROOT / "target" / "release" / "reel")


REEL = None


def reel(*args, cwd, timeout=600):
    p = subprocess.run([REEL, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def run_measured(args, cwd):
    """Runs a command; returns exit code, stderr, wall seconds and its peak RSS in MB.

    The RSS comes from GNU time when it is installed: a child's peak RSS as the kernel reports it
    to its parent starts from the parent's own at the fork, and this script may hold a few
    hundred MB."""
    gnu_time = Path("/usr/bin/time").exists()
    prefix = ["/usr/bin/time", "-f", "reliability-rss-kb %M"] if gnu_time else []
    t0 = time.time()
    p = subprocess.Popen(prefix + args, cwd=cwd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    secs = time.time() - t0
    rss = usage.ru_maxrss / 1024
    for line in err.splitlines():
        if line.startswith("reliability-rss-kb "):
            rss = int(line.split()[1]) / 1024
    return os.waitstatus_to_exitcode(status), err, secs, rss


def without_paths(jsonl):
    """Search output without the fields that say where a file is shown from."""
    out = []
    for line in jsonl.splitlines():
        try:
            hit = json.loads(line)
        except ValueError:
            out.append(line)
            continue
        hit.pop("source", None)
        hit.pop("path", None)
        out.append(hit)
    return out


def verify(cwd, index="index"):
    rc, out, err = reel("verify", "--index", index, "--json", cwd=cwd)
    report = json.loads(out) if out.strip().startswith("{") else None
    return rc, report, err


def no_panic(err):
    return "panicked" not in err and "internal error" not in err


# ---------------------------------------------------------------------------------------------
# Corpora: two states of one corpus, so that each run changes something.


def imdb_lines(n):
    """The first n IMDB review lines (JSON Lines), or generated ones without the corpus."""
    if IMDB.exists() and shutil.which("zstd"):
        # Streamed, and only the lines needed: the script stays small (see run_measured). Split
        # on newlines only: reviews hold U+2028 and other characters str.splitlines() splits on.
        p = subprocess.Popen(["zstd", "-dc", str(IMDB)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        lines = []
        for raw in p.stdout:
            lines.append(raw.rstrip(b"\n").decode("utf-8", "replace"))
            if len(lines) >= n:
                break
        p.kill()
        p.wait()
        if len(lines) >= n:
            return lines
    rng = random.Random(7)
    words = ("film story actor scene director plot camera music ending character drama "
             "documentary river bridge lighthouse keeper ferry captain war love family").split()
    out = []
    for i in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(60, 400)))
        out.append(json.dumps({"id": f"gen{i}", "rating": rng.randint(1, 10), "text": text}))
    return out


def netflix_rows():
    if NETFLIX.exists():
        return NETFLIX.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = ["show_id,type,title,director,release_year,description\n"]
    for i in range(8000):
        rows.append(f"s{i},Movie,Title {i},Someone,{1990 + i % 30},A film about thing {i}.\n")
    return rows


class Corpus:
    """Writes corpus state A or B into a folder; B differs from A by an added file, a removed
    file and a changed file."""

    def __init__(self, scale):
        self.imdb = imdb_lines(scale * 2)
        self.netflix = netflix_rows()
        self.seed = (ROOT / "corpus" / "heroine-review.txt").read_text(encoding="utf-8")
        self.scale = scale

    def write(self, folder, state):
        folder = Path(folder)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        half = self.scale
        (folder / "reviews-1.jsonl").write_text("\n".join(self.imdb[:half]) + "\n")
        if state == "A":
            (folder / "heroine-review.txt").write_text(self.seed)
            (folder / "netflix.csv").write_text("".join(self.netflix))
        else:
            (folder / "reviews-2.jsonl").write_text("\n".join(self.imdb[half:]) + "\n")
            # Changed: the catalogue without its last 500 titles.
            rows = list(csv.reader(io.StringIO("".join(self.netflix))))
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows[:-500])
            (folder / "netflix.csv").write_text(out.getvalue())


def expected_counts(work, corpus):
    """Documents and passages of each state, from a fresh build of each."""
    out = {}
    for state in "AB":
        d = work / f"ref-{state}"
        corpus.write(d / "corpus", state)
        rc, _, err = reel("index", cwd=d)
        assert rc == 0, err
        rc, report, _ = verify(d)
        assert rc == 0 and report
        out[state] = (report["documents"], report["passages"])
        shutil.rmtree(d / "index")
    return out


def counts(cwd):
    rc, report, err = verify(cwd)
    if report is None:
        return rc, None, err
    return rc, (report["documents"], report["passages"]), report


def leftovers(index):
    """Files in the index folder that the last commit does not use."""
    meta_path = index / "meta.json"
    if not meta_path.exists():
        return []
    meta = meta_path.read_text()
    segments = meta.replace("-", "")
    left = []
    for f in index.iterdir():
        n = f.name
        known = (n in ("meta.json", ".managed.json") or n.startswith(".tantivy-")
                 or (n.startswith("reel-files-") and n in meta)
                 or n.split(".")[0] in segments or n == "README.md")
        if not known:
            left.append(n)
    return left


# ---------------------------------------------------------------------------------------------
# 1. kill -9 at random moments


def kill_trials(work, corpus, expected, kills, rng,
                kinds=("update", "update", "update", "rebuild", "first build")):
    """Trials until `kills` runs were killed (runs that finish first are counted apart)."""
    d = work / "kill"
    d.mkdir(parents=True, exist_ok=True)

    def start(kind, target):
        corpus.write(d / "corpus", target)
        args = ["index", "--threads", "2", "--memory", "30"]
        if kind == "rebuild":
            args.append("--rebuild")
        if kind == "first build":
            shutil.rmtree(d / "index", ignore_errors=True)
        return subprocess.Popen([REEL, *args], cwd=d, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    # How long each kind of run takes to each state, to spread the kills over it (and a little
    # past it: merges and clean-up run after the commit).
    state = "B"
    duration = {}
    for kind in ("first build", "update", "rebuild"):
        for target in "AB" if state == "B" else "BA":
            t0 = time.time()
            start(kind, target).wait()
            duration[(kind, target)] = time.time() - t0
            state = target
    res = dict(trials=0, killed=0, killed_after_commit=0, finished_first=0, search_errors=0,
               verify_failures=0, wrong_after_kill=0, rerun_failures=0, lost=0, duplicated=0,
               recovered=0, leftover_files=0, kinds={},
               run_seconds={f"{k} to {t}": round(v, 2) for (k, t), v in duration.items()})
    i = -1
    while res["killed"] < kills and res["trials"] < 2 * kills:
        i += 1
        kind = rng.choice(list(kinds))
        res["kinds"][kind] = res["kinds"].get(kind, 0) + 1
        target = "A" if state == "B" else "B"
        delay = rng.uniform(0.0, duration[(kind, target)] * 1.1)
        p = start(kind, target)
        before = None if kind == "first build" else expected[state]
        time.sleep(delay)
        finished = p.poll() is not None
        if not finished:
            p.send_signal(signal.SIGKILL)
        p.wait()
        res["trials"] += 1
        if finished:
            res["finished_first"] += 1
        else:
            res["killed"] += 1
        # Search reads the last commit, without error.
        rc, out, err = reel("search", "lighthouse keeper", cwd=d)
        no_index = "no reel index here" in err
        if rc not in (0, 1) and not (kind == "first build" and no_index):
            res["search_errors"] += 1
            log(f"  trial {i}: search exit {rc}: {err.strip()}")
        # The index is sound and at one of its commits: the one before, or (killed after its
        # commit, while merging or cleaning up) the new one.
        if (d / "index" / "meta.json").exists():
            rc, now, report = counts(d)
            if rc != 0:
                res["verify_failures"] += 1
                log(f"  trial {i}: verify after kill: {report}")
            allowed = {expected[target]}
            allowed.add(before if before else (0, 0))
            if now not in allowed:
                res["wrong_after_kill"] += 1
                log(f"  trial {i} ({kind} {state}->{target}, killed after {delay:.2f} s): {now} "
                    f"after kill, expected one of {allowed}")
            elif not finished and now == expected[target] and now != before:
                res["killed_after_commit"] += 1
        # Re-running completes the update: exactly the corpus, none lost, none twice.
        rc, _, err = reel("index", "--threads", "2", "--memory", "30", cwd=d)
        if rc != 0:
            res["rerun_failures"] += 1
            log(f"  trial {i}: re-run failed: {err.strip()}")
        rc, now, report = counts(d)
        want = expected[target]
        if rc != 0:
            res["verify_failures"] += 1
            log(f"  trial {i}: verify after re-run: {report}")
        if now == want:
            res["recovered"] += 1
        elif now is not None:
            res["lost"] += max(0, want[0] - now[0])
            res["duplicated"] += max(0, now[0] - want[0])
            log(f"  trial {i}: {now} after re-run, expected {want}")
        left = leftovers(d / "index")
        res["leftover_files"] += len(left)
        if left:
            log(f"  trial {i} ({kind} {state}->{target}, killed after {delay:.2f} s, "
                f"{'finished first' if finished else 'killed'}): left behind {left}")
        state = target
        if (i + 1) % 10 == 0:
            log(f"  kill trials: {i + 1}, killed {res['killed']}/{kills}")
    return res


# ---------------------------------------------------------------------------------------------
# 2. concurrent writers


def writer_trials(work, corpus, trials):
    d = work / "writers"
    d.mkdir(parents=True, exist_ok=True)
    corpus.write(d / "corpus", "A")
    reel("index", cwd=d)
    res = dict(trials=0, exactly_one_won=0, both_won=0, none_won=0, clear_message=0,
               verify_failures=0)
    for i in range(trials):
        args = ["index", "--rebuild", "--threads", "1"]
        a = subprocess.Popen([REEL, *args], cwd=d, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        b = subprocess.Popen([REEL, *args], cwd=d, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        ea, eb = a.communicate()[1], b.communicate()[1]
        codes = sorted([a.returncode, b.returncode])
        res["trials"] += 1
        if codes == [0, 2]:
            res["exactly_one_won"] += 1
            loser = ea if a.returncode == 2 else eb
            if loser.strip() == "reel: another reel index is writing to index":
                res["clear_message"] += 1
            else:
                log(f"  writers {i}: loser said {loser.strip()!r}")
        elif codes == [0, 0]:
            res["both_won"] += 1
        else:
            res["none_won"] += 1
            log(f"  writers {i}: exits {codes}: {ea.strip()} / {eb.strip()}")
        rc, _, _ = verify(d)
        if rc != 0:
            res["verify_failures"] += 1
    return res


# ---------------------------------------------------------------------------------------------
# 3. searches while indexing


def searches_while_indexing(work, corpus, expected, searches):
    d = work / "searching"
    d.mkdir(parents=True, exist_ok=True)
    corpus.write(d / "corpus", "A")
    reel("index", cwd=d)
    stop = threading.Event()
    runs = [0]

    def indexer():
        state = "A"
        while not stop.is_set():
            state = "B" if state == "A" else "A"
            corpus.write(d / "corpus.next", state)
            # Swap the corpus folder in one rename so a run never sees half of it.
            shutil.rmtree(d / "corpus.old", ignore_errors=True)
            os.rename(d / "corpus", d / "corpus.old")
            os.rename(d / "corpus.next", d / "corpus")
            reel("index", "--threads", "1", "--memory", "30", cwd=d)
            runs[0] += 1

    t = threading.Thread(target=indexer)
    t.start()
    queries = ["lighthouse keeper", "drug court", "the", "documentary", "war AND love",
               "\"ferry captain\"", "title:river", "release_year:[2000 TO 2010]"]
    res = dict(searches=0, errors=0, stats_not_a_commit=0, index_runs=0, latency_ms=[])
    allowed_docs = {expected["A"][0], expected["B"][0]}
    i = 0
    while res["searches"] < searches:
        q = queries[i % len(queries)]
        i += 1
        t0 = time.time()
        rc, out, err = reel("search", "--json", "-n", "5", q, cwd=d)
        res["latency_ms"].append((time.time() - t0) * 1000)
        res["searches"] += 1
        if rc not in (0, 1) or not no_panic(err) or "error" in err:
            res["errors"] += 1
            log(f"  search {q!r}: exit {rc}: {err.strip()}")
        if i % 10 == 0:
            rc, out, err = reel("stats", "--json", cwd=d)
            if rc != 0 or json.loads(out)["documents"] not in allowed_docs:
                res["stats_not_a_commit"] += 1
                log(f"  stats: exit {rc}: {out[:200]} {err.strip()}")
    stop.set()
    t.join()
    res["index_runs"] = runs[0]
    lat = sorted(res.pop("latency_ms"))
    res["search_p50_ms"] = round(lat[len(lat) // 2], 1)
    res["search_p99_ms"] = round(lat[int(len(lat) * 0.99)], 1)
    return res


# ---------------------------------------------------------------------------------------------
# 4. corrupted-index matrix


def corruption_matrix(work, corpus, flips, rng):
    base = work / "corrupt-base"
    base.mkdir(parents=True, exist_ok=True)
    corpus.write(base / "corpus", "A")
    reel("index", "--threads", "2", cwd=base)
    # An update of it, as indexes usually are.
    corpus.write(base / "corpus", "B")
    reel("index", "--threads", "2", cwd=base)
    # The copies are searched from their own folder: hits name the same files (the index keeps
    # them absolute), shown from elsewhere, so hits are compared without where they are shown.
    baseline = {q: reel("search", "--json", "-n", "10", q, cwd=base)[1]
                for q in ("lighthouse keeper", "drug court", "documentary")}
    files = sorted(p.name for p in (base / "index").iterdir() if p.is_file())
    rows = []
    for name in files:
        kind = name
        if name.startswith("reel-files-"):
            kind = "reel-files-*.json"
        elif name[:32].isalnum() and len(name) > 33:
            kind = "segment ." + name.rsplit(".", 1)[1]
        damages = [("truncated", None), ("deleted", None)] + [("bit flip", k) for k in range(flips)]
        for damage, _ in damages:
            d = work / "corrupt"
            shutil.rmtree(d, ignore_errors=True)
            shutil.copytree(base, d)
            path = d / "index" / name
            data = path.read_bytes()
            if damage == "truncated":
                path.write_bytes(data[: len(data) // 2])
            elif damage == "deleted":
                path.unlink()
            else:
                if not data:
                    continue
                b = bytearray(data)
                pos = rng.randrange(len(b))
                b[pos] ^= 1 << rng.randrange(8)
                path.write_bytes(bytes(b))
            rc, report, err = verify(d)
            caught = rc == 2
            same = True
            panics = not no_panic(err)
            search_codes = set()
            for q, want in baseline.items():
                src, out, serr = reel("search", "--json", "-n", "10", q, cwd=d)
                search_codes.add(src)
                panics |= not no_panic(serr)
                same &= (src in (0, 1) and without_paths(out) == without_paths(want))
            rows.append(dict(file=name, kind=kind, damage=damage, caught=caught,
                             harmless=(not caught and same), panics=panics,
                             search_exits=sorted(search_codes)))
    summary = {}
    for r in rows:
        key = (r["kind"], r["damage"])
        s = summary.setdefault(key, dict(cases=0, caught=0, harmless=0, missed=0, panics=0))
        s["cases"] += 1
        s["caught"] += r["caught"]
        s["harmless"] += r["harmless"]
        s["missed"] += (not r["caught"] and not r["harmless"])
        s["panics"] += r["panics"]
    total = dict(cases=len(rows), caught=sum(r["caught"] for r in rows),
                 harmless=sum(r["harmless"] for r in rows),
                 missed=sum(not r["caught"] and not r["harmless"] for r in rows),
                 panics=sum(r["panics"] for r in rows))
    return dict(total=total, by_kind=[dict(kind=k, damage=dmg, **v)
                                      for (k, dmg), v in sorted(summary.items())],
                missed_cases=[r for r in rows if not r["caught"] and not r["harmless"]])


# ---------------------------------------------------------------------------------------------
# 5. big and many inputs


def big_inputs(work, quick):
    d = work / "big"
    shutil.rmtree(d, ignore_errors=True)
    (d / "corpus").mkdir(parents=True)
    res = {}
    mb = 20 if quick else 200
    words = "river bridge lighthouse keeper ferry captain film story scene".split()
    rng = random.Random(3)
    with open(d / "corpus" / "huge.txt", "w") as f:
        f.write("A Very Long Review\n\n")
        written = 0
        while written < mb * 1_000_000:
            para = " ".join(rng.choice(words) for _ in range(120)) + ".\n\n"
            f.write(para)
            written += len(para)
    with open(d / "corpus" / "one-line.txt", "w") as f:
        f.write("One Line\n\n" + " ".join(rng.choice(words) for _ in range(200_000)) + "\n")
    rc, _, secs, rss = run_measured([REEL, "index"], d)
    res["huge_file_mb"] = mb
    res["huge_file_exit"] = rc
    res["huge_file_seconds"] = round(secs, 1)
    res["huge_file_peak_rss_mb"] = round(rss)
    rc, _, _ = verify(d)
    res["huge_file_verify"] = rc
    n = 2_000 if quick else 100_000
    tiny = d / "tiny"
    for i in range(n):
        sub = tiny / f"{i % 1000:03d}"
        if i < 1000:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"r{i}.txt").write_text(f"Tiny {i}\n\nReview number {i} about puffins.\n")
    rc, _, secs, rss = run_measured([REEL, "index", "tiny", "--index", "tiny-index"], d)
    res["tiny_files"] = n
    res["tiny_files_exit"] = rc
    res["tiny_files_seconds"] = round(secs, 1)
    res["tiny_files_peak_rss_mb"] = round(rss)
    t0 = time.time()
    p = subprocess.run([REEL, "index", "tiny", "--index", "tiny-index"], cwd=d,
                       capture_output=True, text=True)
    res["tiny_files_unchanged_rerun_seconds"] = round(time.time() - t0, 2)
    res["tiny_files_unchanged_rerun_says"] = p.stderr.strip().splitlines()[0]
    shutil.rmtree(d)
    return res


# ---------------------------------------------------------------------------------------------
# 6. full disks and read-only disks (they need mounts: root, as in CI)


def snapshot(folder):
    """Every file of a folder: name -> (mode, bytes)."""
    out = {}
    for f in sorted(Path(folder).iterdir()):
        out[f.name] = (f.stat().st_mode & 0o7777, f.read_bytes())
    return out


def mount(*args):
    p = subprocess.run(["mount", *map(str, args)], capture_output=True, text=True)
    return p.returncode == 0, p.stderr.strip()


def umount(target):
    subprocess.run(["umount", str(target)], capture_output=True)


def limits(work, corpus, trials, rng):
    """Indexing onto tmpfs disks too small for the update (exit 2, one clear line, the index
    exactly as its last commit left it, searchable and verifiable, nothing of the run left), and
    using an index on a read-only bind mount (search, stats, verify, batch search succeed and
    change nothing; indexing fails with one clear line)."""
    res = dict(full_trials=0, full_clear_message=0, full_unchanged=0, full_searchable=0,
               full_verified=0, full_wrong=0, readonly_commands=0, readonly_ok=0,
               readonly_unchanged=0, readonly_index_refused=0, readonly_wrong=0)
    d = work / "limits"
    d.mkdir(parents=True, exist_ok=True)
    corpus.write(d / "corpus", "A")
    (d / "small").mkdir(exist_ok=True)
    for t in range(trials):
        size_mb = rng.choice([2, 3, 4, 6, 8])
        ok, why = mount("-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", d / "small")
        if not ok:
            res["skipped"] = f"cannot mount a tmpfs here ({why}); run as root"
            return res
        try:
            # A first build small enough to fit: the seed review alone.
            (d / "seed").mkdir(exist_ok=True)
            (d / "seed" / "heroine-review.txt").write_text(corpus.seed)
            rc, _, err = reel("index", "seed", "--index", "small/idx", cwd=d)
            if rc != 0:
                res["full_wrong"] += 1
                log(f"  full disk {size_mb} MB: first build failed: {err.strip()}")
                continue
            before = snapshot(d / "small" / "idx")
            rc, _, err = reel("index", "corpus/reviews-1.jsonl", "corpus/netflix.csv",
                              "--index", "small/idx", cwd=d)
            res["full_trials"] += 1
            lines = err.strip().splitlines()
            clear = (rc == 2 and len(lines) == 1
                     and lines[0].startswith("reel: no space left on device writing small/idx")
                     and "the index is unchanged at its last commit" in lines[0])
            res["full_clear_message"] += clear
            unchanged = snapshot(d / "small" / "idx") == before
            res["full_unchanged"] += unchanged
            rc_s, out, _ = reel("search", "--json", "drug court", "--index", "small/idx", cwd=d)
            searchable = rc_s == 0 and json.loads(out.splitlines()[0])["passage_id"] == 2
            res["full_searchable"] += searchable
            rc_v, _, _ = reel("verify", "--index", "small/idx", cwd=d)
            res["full_verified"] += rc_v == 0
            if not (clear and unchanged and searchable and rc_v == 0):
                res["full_wrong"] += 1
                log(f"  full disk {size_mb} MB: exit {rc}, {err.strip()}; unchanged {unchanged}, "
                    f"searchable {searchable}, verify {rc_v}")
        finally:
            umount(d / "small")
    # Read-only: an index on a read-only bind mount.
    rc, _, err = reel("index", "corpus", "--index", "rw", cwd=d)
    assert rc == 0, err
    (d / "ro").mkdir(exist_ok=True)
    ok, why = mount("--bind", d / "rw", d / "ro")
    if not ok:
        res["skipped"] = f"cannot bind-mount here ({why}); run as root"
        return res
    try:
        ok, why = mount("-o", "remount,bind,ro", d / "ro")
        if not ok:
            res["skipped"] = f"cannot remount read-only ({why}); run as root"
            return res
        (d / "q.tsv").write_text("1\tdrug court\n2\tlighthouse keeper\n")
        before = snapshot(d / "ro")
        for args in (["search", "drug court"], ["search", "--json", "war AND love"],
                     ["stats", "--json"], ["verify"],
                     ["search", "--queries", "q.tsv", "--format", "trec"]):
            rc, _, err = reel(*args, "--index", "ro", cwd=d)
            res["readonly_commands"] += 1
            if rc == 0 and no_panic(err):
                res["readonly_ok"] += 1
            else:
                res["readonly_wrong"] += 1
                log(f"  read-only {args}: exit {rc}: {err.strip()}")
        rc, _, err = reel("index", "corpus", "--index", "ro", cwd=d)
        refused = rc == 2 and err.strip() == (
            "reel: ro: read-only file system; searching works, but indexing needs a writable "
            "folder (copy the index to one, or remount it writable)")
        res["readonly_index_refused"] += refused
        res["readonly_wrong"] += not refused
        same = snapshot(d / "ro") == before
        res["readonly_unchanged"] += same
        res["readonly_wrong"] += not same
    finally:
        umount(d / "ro")
    return res


# ---------------------------------------------------------------------------------------------
# 7. fuzzing


def fuzzing(secs):
    env = dict(os.environ, REEL_FUZZ_SECS=str(secs))
    t0 = time.time()
    p = subprocess.run(["cargo", "test", "--release", "--locked", "--test", "fuzz", "--",
                        "--nocapture", "--test-threads", "2"],
                       cwd=ROOT, env=env, capture_output=True, text=True)
    out = p.stdout + p.stderr
    res = dict(seconds_each=secs, wall_seconds=round(time.time() - t0), exit=p.returncode)
    for line in out.splitlines():
        if line.startswith("fuzz ") and "cases" in line:
            name, rest = line[5:].split(":", 1)
            res[name.strip()] = rest.strip()
    if p.returncode != 0:
        res["failure"] = "\n".join(l for l in out.splitlines() if "failed" in l or "minimal" in l)
    return res


# ---------------------------------------------------------------------------------------------


def markdown(r):
    lines = ["# Reliability figures", "", f"Run {r['date']} on {r['machine']}; "
             f"`python3 bench/reliability.py{' --quick' if r['quick'] else ''}`.", ""]
    k = r.get("kill")
    if k:
        lines += ["## kill -9 during indexing", "",
                  f"{k['trials']} trials ({', '.join(f'{v} {n}' for n, v in k['kinds'].items())}), "
                  f"each killed at a random moment of a run "
                  f"(uninterrupted: {', '.join(f'{n} {v} s' for n, v in k['run_seconds'].items())}; "
                  f"{k['killed']} killed, "
                  f"{k['killed_after_commit']} of them after the commit while merging or cleaning "
                  f"up, {k['finished_first']} finished first).", "",
                  "| recovered | lost | duplicated | search errors after kill | verify failures "
                  "| wrong state after kill | re-run failures | files left behind |",
                  "|---|---|---|---|---|---|---|---|",
                  f"| {k['recovered']}/{k['trials']} | {k['lost']} | {k['duplicated']} | "
                  f"{k['search_errors']} | {k['verify_failures']} | {k['wrong_after_kill']} | "
                  f"{k['rerun_failures']} | {k['leftover_files']} |", ""]
    w = r.get("writers")
    if w:
        lines += ["## Concurrent writers", "",
                  f"{w['trials']} trials of two `reel index --rebuild` started together: exactly "
                  f"one won {w['exactly_one_won']} times (both {w['both_won']}, none "
                  f"{w['none_won']}); the loser's message was exactly \"another reel index is "
                  f"writing to index\" {w['clear_message']} times; verify failures "
                  f"{w['verify_failures']}.", ""]
    s = r.get("searching")
    if s:
        lines += ["## Searches while indexing", "",
                  f"{s['searches']} searches during {s['index_runs']} indexing runs: "
                  f"{s['errors']} errors; `reel stats` showed a state other than a commit "
                  f"{s['stats_not_a_commit']} times; search p50 {s['search_p50_ms']} ms, p99 "
                  f"{s['search_p99_ms']} ms.", ""]
    c = r.get("corruption")
    if c:
        t = c["total"]
        lines += ["## Corrupted-index matrix", "",
                  f"{t['cases']} damaged copies of an index (every file truncated, deleted and "
                  f"bit-flipped): `reel verify` caught {t['caught']}, {t['harmless']} were "
                  f"harmless (verify passed and searches gave identical results), {t['missed']} "
                  f"missed; panics in verify or search: {t['panics']}.", "",
                  "| file | damage | cases | caught | harmless | missed |", "|---|---|---|---|---|---|"]
        for row in c["by_kind"]:
            lines.append(f"| {row['kind']} | {row['damage']} | {row['cases']} | {row['caught']} | "
                         f"{row['harmless']} | {row['missed']} |")
        lines.append("")
    b = r.get("big")
    if b:
        lines += ["## Big and many inputs", "",
                  f"- one {b['huge_file_mb']} MB text file plus a file with a 1.3 MB line: exit "
                  f"{b['huge_file_exit']}, {b['huge_file_seconds']} s, peak RSS "
                  f"{b['huge_file_peak_rss_mb']} MB, verify exit {b['huge_file_verify']}",
                  f"- {b['tiny_files']} tiny files in 1,000 folders: exit {b['tiny_files_exit']}, "
                  f"{b['tiny_files_seconds']} s, peak RSS {b['tiny_files_peak_rss_mb']} MB; "
                  f"unchanged re-run {b['tiny_files_unchanged_rerun_seconds']} s "
                  f"(\"{b['tiny_files_unchanged_rerun_says']}\")", ""]
    li = r.get("limits")
    if li:
        if li.get("skipped"):
            lines += ["## Full and read-only disks", "", f"Skipped: {li['skipped']}.", ""]
        else:
            lines += ["## Full and read-only disks", "",
                      f"- full disk: {li['full_trials']} updates onto tmpfs disks of 2 to 8 MB "
                      f"that cannot hold them: exit 2 with the one-line \"no space left on "
                      f"device writing ...; the index is unchanged at its last commit\" "
                      f"{li['full_clear_message']} times; the index byte for byte as before "
                      f"{li['full_unchanged']}; searchable {li['full_searchable']}; verified "
                      f"{li['full_verified']}; wrong outcomes {li['full_wrong']}",
                      f"- read-only bind mount: {li['readonly_commands']} read commands (search, "
                      f"JSON search, stats, verify, batch search): {li['readonly_ok']} succeeded; "
                      f"`reel index` refused with the read-only message "
                      f"{li['readonly_index_refused']} of 1; the index unchanged "
                      f"{li['readonly_unchanged']} of 1; wrong outcomes {li['readonly_wrong']}", ""]
    f = r.get("fuzz")
    if f:
        targets = "; ".join(f"{k}: {v}" for k, v in f.items()
                            if k not in ("seconds_each", "wall_seconds", "exit", "failure"))
        lines += ["## Fuzzing (proptest)", "",
                  f"{f['seconds_each']} s each, exit {f['exit']}: {targets}.", ""]
    return "\n".join(lines)


ALL_PARTS = "kill,writers,searching,corruption,big,limits,fuzz"


def main():
    global REEL
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a small version of every part")
    ap.add_argument("--parts", default=ALL_PARTS, help=f"some of {ALL_PARTS}")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--kill-trials", type=int, default=None,
                    help="runs to kill (default 120, 8 with --quick)")
    ap.add_argument("--kinds", default="update,update,update,rebuild,first build",
                    help="kinds of killed runs, drawn at random")
    ap.add_argument("--work", default=str(ROOT / "bench" / "work" / "reliability"))
    args = ap.parse_args()
    REEL = reel_bin()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    parts = set(args.parts.split(","))
    q = args.quick
    scale = 2_000 if q else 10_000
    corpus = Corpus(scale)
    log(f"corpus: {'real' if IMDB.exists() else 'generated'}; {scale} + {scale} reviews, "
        f"{len(corpus.netflix)} catalogue lines; seed {seed}")
    expected = expected_counts(work, corpus)
    log(f"expected (documents, passages): A {expected['A']}, B {expected['B']}")
    machine = f"{os.cpu_count()} cores"
    r = dict(date=time.strftime("%Y-%m-%d"), machine=machine, quick=q, seed=seed,
             corpus="real" if IMDB.exists() else "generated", expected=expected)
    if "kill" in parts:
        log("kill -9 trials ...")
        n = args.kill_trials or (8 if q else 120)
        r["kill"] = kill_trials(work, corpus, expected, n, rng, args.kinds.split(","))
        log(json.dumps(r["kill"]))
    if "writers" in parts:
        log("concurrent writers ...")
        r["writers"] = writer_trials(work, corpus, 10 if q else 100)
        log(json.dumps(r["writers"]))
    if "searching" in parts:
        log("searches while indexing ...")
        r["searching"] = searches_while_indexing(work, corpus, expected, 100 if q else 1200)
        log(json.dumps(r["searching"]))
    if "corruption" in parts:
        log("corrupted-index matrix ...")
        r["corruption"] = corruption_matrix(work, corpus, 1 if q else 4, rng)
        log(json.dumps(r["corruption"]["total"]))
    if "big" in parts:
        log("big and many inputs ...")
        r["big"] = big_inputs(work, q)
        log(json.dumps(r["big"]))
    if "limits" in parts:
        log("full and read-only disks ...")
        r["limits"] = limits(work, corpus, 2 if q else 10, rng)
        log(json.dumps(r["limits"]))
    if "fuzz" in parts:
        log("fuzzing ...")
        r["fuzz"] = fuzzing(5 if q else 600)
        log(json.dumps(r["fuzz"]))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    name = "reliability-quick" if q else "reliability"
    path = results / f"{name}.json"
    if path.exists() and parts != set(ALL_PARTS.split(",")):
        # Some parts only: keep the other parts' figures from the last run.
        merged = json.loads(path.read_text())
        merged.update(r)
        r = merged
    path.write_text(json.dumps(r, indent=2) + "\n")
    md = markdown(r)
    (results / f"{name}.md").write_text(md + "\n")
    print(md)
    bad = 0
    if "kill" in r:
        k = r["kill"]
        bad += (k["lost"] + k["duplicated"] + k["search_errors"] + k["verify_failures"]
                + k["wrong_after_kill"] + k["rerun_failures"] + k["leftover_files"]
                + (k["trials"] - k["recovered"]))
    if "writers" in r:
        w = r["writers"]
        bad += w["none_won"] + w["both_won"] + w["verify_failures"] + (w["exactly_one_won"] - w["clear_message"])
    if "searching" in r:
        bad += r["searching"]["errors"] + r["searching"]["stats_not_a_commit"]
    if "corruption" in r:
        bad += r["corruption"]["total"]["panics"]
    if "fuzz" in r:
        bad += r["fuzz"]["exit"] != 0
    if "big" in r:
        bad += r["big"]["huge_file_exit"] != 0 or r["big"]["tiny_files_exit"] != 0
    if "limits" in r and not r["limits"].get("skipped"):
        bad += r["limits"]["full_wrong"] + r["limits"]["readonly_wrong"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
