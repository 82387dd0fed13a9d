#!/usr/bin/env bash
# The runs a change to the searcher must leave byte for byte as they were: TREC runs of the
# judged collections (batch, with and without feedback, documents and passages), the judged
# keyword queries one at a time (JSON) and as a batch, and with REEL_MODEL set the same in
# hybrid mode. Run it with the binary before and after a change and compare the folders:
#
#   bash bench/golden_runs.sh OLD_BIN bench/work/golden/before
#   bash bench/golden_runs.sh target/release/reel bench/work/golden/after
#   diff -r bench/work/golden/before bench/work/golden/after && echo same
#
# Needs the prepared collections (bench/eval_peers.sh prepares them into bench/work/eval/data).
set -euo pipefail
BIN=$(realpath "$1")
OUT=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=$ROOT/bench/work/eval/data
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# One line of hits: doc_id (#passage), score, and with `h` the number of highlights.
cat > "$WORK/line.py" <<'PY'
import json, sys
kind = sys.argv[1]
out = []
for l in sys.stdin:
    h = json.loads(l)
    item = h["doc_id"]
    if "p" in kind:
        item += "#" + str(h["passage_id"])
    item += ":%.5f" % h["score"]
    if "h" in kind:
        item += ":" + str(len(h["highlights"]))
    out.append(item)
print(" ".join(out))
PY
for c in scifact cranfield cisi; do
  "$BIN" index -q --threads 1 --index "$WORK/$c" "$DATA/$c/corpus.jsonl"
  q=$DATA/$c/queries.tsv
  "$BIN" search --index "$WORK/$c" --queries "$q" --format trec -n 100 > "$OUT/$c.doc.trec"
  "$BIN" search --index "$WORK/$c" --queries "$q" --format trec -n 100 --no-feedback > "$OUT/$c.doc.nofb.trec"
  "$BIN" search --index "$WORK/$c" --queries "$q" --format trec --unit passage -n 50 > "$OUT/$c.passage.trec"
  "$BIN" search --index "$WORK/$c" --queries "$q" --format json -n 5 > "$OUT/$c.batch.json"
  # One-shot, as typed: the first 40 questions through the query language.
  head -40 "$q" | while IFS=$'\t' read -r qid text; do
    printf '%s\t' "$qid"
    "$BIN" search --index "$WORK/$c" --json -n 10 --per-doc 1 -- "$text" 2>/dev/null \
      | python3 "$WORK/line.py" d || echo
  done > "$OUT/$c.oneshot.txt"
done
# The judged keyword queries over the Netflix catalogue and the seed review.
"$BIN" index -q --threads 1 --index "$WORK/kw" "$ROOT/corpus" "$ROOT/../shared/corpora/netflix_titles/netflix_titles.csv"
kq=$ROOT/bench/keyword/queries.tsv
"$BIN" search --index "$WORK/kw" --queries "$kq" --format trec --unit doc -n 10 > "$OUT/keyword.batch.trec"
while IFS=$'\t' read -r qid text; do
  printf '%s\t' "$qid"
  "$BIN" search --index "$WORK/kw" --json -n 10 --per-doc 1 -- "$text" 2>/dev/null \
    | python3 "$WORK/line.py" ph || echo
done < "$kq" > "$OUT/keyword.oneshot.txt"
for f in "director:sheldon" "year:[2015 TO 2019] documentary" "\"drug court\"" "drug -court" "court^2 judge" "huntingdon~1" "listed_in:documentaries family"; do
  printf '%s\t' "$f"
  "$BIN" search --index "$WORK/kw" --json -n 10 -- "$f" 2>/dev/null \
    | python3 "$WORK/line.py" p || echo
done > "$OUT/syntax.oneshot.txt"
"$BIN" search --index "$WORK/kw" --json -n 10 --sort release_year:asc --filter 'listed_in=Documentaries' -- family > "$OUT/sorted.json"
if [ -n "${REEL_MODEL:-}" ]; then
  "$BIN" index -q --threads 1 --index "$WORK/kws" --semantic --model "$REEL_MODEL" "$ROOT/corpus" "$ROOT/../shared/corpora/netflix_titles/netflix_titles.csv"
  "$BIN" search --index "$WORK/kws" --model "$REEL_MODEL" --queries "$kq" --format trec --unit doc -n 10 > "$OUT/keyword.hybrid.trec"
  while IFS=$'\t' read -r qid text; do
    printf '%s\t' "$qid"
    "$BIN" search --index "$WORK/kws" --model "$REEL_MODEL" --json -n 10 --per-doc 1 -- "$text" 2>/dev/null \
      | python3 "$WORK/line.py" d || echo
  done < "$kq" > "$OUT/keyword.hybrid.oneshot.txt"
fi
ls "$OUT" | wc -l
