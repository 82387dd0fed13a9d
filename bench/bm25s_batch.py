#!/usr/bin/env python3
"""bm25s (numba backend) batch speed: index a flat JSONL corpus, then time all queries.

    PEER_PY bench/bm25s_batch.py CORPUS.jsonl QUERIES.tsv [K] [THREADS]
        ->  {"qps": ..., "seconds": ...}

Tokenization as bm25s recommends (English stop words, Snowball stemmer), k1=1.5, b=0.75, top K
(default 10), THREADS threads (default 1; -1 for all cores); the JIT is warmed up before timing.
"""
import json
import sys
import time

import bm25s
import Stemmer

docs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
queries = [line.rstrip("\n").split("\t", 1)[1] for line in open(sys.argv[2], encoding="utf-8") if "\t" in line]
stemmer = Stemmer.Stemmer("english")
tok = bm25s.tokenize([f"{d['title']} {d['text']}" for d in docs], stopwords="en", stemmer=stemmer,
                     show_progress=False)
retriever = bm25s.BM25(backend="numba")
retriever.index(tok, show_progress=False)
k = min(int(sys.argv[3]) if len(sys.argv) > 3 else 10, len(docs))
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
warm = bm25s.tokenize(queries[:1], stopwords="en", stemmer=stemmer, show_progress=False)
retriever.retrieve(warm, k=k, show_progress=False, n_threads=threads)
t0 = time.perf_counter()
qt = bm25s.tokenize(queries, stopwords="en", stemmer=stemmer, show_progress=False)
retriever.retrieve(qt, k=k, show_progress=False, n_threads=threads)
s = time.perf_counter() - t0
print(json.dumps({"qps": round(len(queries) / s, 1), "seconds": round(s, 4)}))
