#!/usr/bin/env python3
"""Builds one peer's index from a JSON Lines corpus ({"id", "contents"}), for timing.

    python3 bench/peer_index.py sqlite  DOCS.jsonl OUT.db
    PEER_PY bench/peer_index.py bm25s   DOCS.jsonl OUT_DIR

sqlite: an FTS5 table (porter stemmer over unicode61, diacritics removed), bulk insert, optimize.
bm25s: English stop words, Snowball stemmer, k1=1.5, b=0.75, saved to OUT_DIR.
"""
import json
import os
import shutil
import sys

kind, docs_path, out = sys.argv[1:4]
rows = [json.loads(line) for line in open(docs_path, encoding="utf-8")]
if kind == "sqlite":
    import sqlite3
    if os.path.exists(out):
        os.remove(out)
    con = sqlite3.connect(out)
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(docid UNINDEXED, contents, "
                "tokenize='porter unicode61 remove_diacritics 2')")
    with con:
        con.executemany("INSERT INTO docs(docid, contents) VALUES (?, ?)",
                        ((r["id"], r["contents"]) for r in rows))
    con.execute("INSERT INTO docs(docs) VALUES('optimize')")
    con.commit()
    con.close()
elif kind == "bm25s":
    import bm25s
    import Stemmer
    shutil.rmtree(out, ignore_errors=True)
    tok = bm25s.tokenize([r["contents"] for r in rows], stopwords="en",
                         stemmer=Stemmer.Stemmer("english"), show_progress=False)
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(tok, show_progress=False)
    retriever.save(out)
else:
    sys.exit(f"unknown peer {kind}")
