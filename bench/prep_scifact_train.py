#!/usr/bin/env python3
"""SciFact's train split (809 claims, 919 judged pairs), the split ranking is tuned on, from the
claims file that ships beside the BEIR layout (`corpora/scifact/hf_csv/scifact.zip`): every
train claim is a query and each document it cites is relevant (grade 1), which gives BEIR's
`qrels/train.tsv` (809 queries, 919 pairs). The corpus is BEIR's.

    python3 bench/prep_scifact_train.py OUT_DIR   # OUT_DIR/{corpus.jsonl,queries.tsv,qrels.tsv}
"""
import csv
import io
import re
import os
import shutil
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCIFACT = os.path.join(HERE, "..", "..", "shared", "corpora", "scifact")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with zipfile.ZipFile(os.path.join(SCIFACT, "hf_csv", "scifact.zip")) as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("claims_train.csv"), "utf-8")))
    queries, pairs = {}, set()
    for r in rows:
        queries.setdefault(r["id"], r["claim"].replace("\t", " ").replace("\n", " "))
        # Written as a numpy array: `[ 5152028 11705328]`.
        for doc in re.findall(r"\d+", r["cited_doc_ids"]):
            pairs.add((r["id"], doc))
    with open(os.path.join(out, "queries.tsv"), "w") as f:
        for qid, text in queries.items():
            f.write(f"{qid}\t{text}\n")
    with open(os.path.join(out, "qrels.tsv"), "w") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for qid, doc in sorted(pairs, key=lambda p: (int(p[0]), p[1])):
            f.write(f"{qid}\t{doc}\t1\n")
    shutil.copy(os.path.join(SCIFACT, "beir", "corpus.jsonl"), os.path.join(out, "corpus.jsonl"))
    print(f"{len(queries)} queries, {len(pairs)} judged pairs", file=sys.stderr)


if __name__ == "__main__":
    main()
