#!/usr/bin/env bash
# Quality and batch speed of reel next to its peers on the judged collections, in one run.
#
#   bash bench/eval_peers.sh [WORK_DIR]        (default: bench/work/eval)
#
# Needs the shared bench folder beside the repository (../shared/bench: data preparation, peer
# runners, run_all.py) and the peers installed by ../shared/bench/setup_peers.sh; point
# PEER_PY, TANTIVY_BIN, BM25_BIN and ANSERINI_JAR at them as that script prints. Builds reel,
# prepares SciFact (test split), Cranfield and CISI, runs every peer and reel, and prints each
# collection's table (results.md beside the runs).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$ROOT/../shared
WORK=${1:-$ROOT/bench/work/eval}
mkdir -p "$WORK/data"
(cd "$ROOT" && cargo build --release --locked)
export REEL_BIN=$ROOT/target/release/reel
python3 "$SHARED/bench/prep_beir.py" "$SHARED/corpora/scifact/beir" "$WORK/data/scifact"
python3 "$SHARED/bench/prep_cranfield.py" "$SHARED/corpora/cranfield" "$WORK/data/cranfield"
python3 "$SHARED/bench/prep_cisi.py" "$SHARED/corpora/cisi" "$WORK/data/cisi"
for c in scifact cranfield cisi; do
  python3 "$SHARED/bench/run_all.py" "$WORK/data/$c" "$WORK/runs/$c" --repeat 3 --name "$c"
  cat "$WORK/runs/$c/results.md"
done
