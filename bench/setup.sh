#!/usr/bin/env bash
# Installs the benchmark peers outside the repository, from the package registries only:
# tantivy-cli (crates.io), bm25s with numba and PyStemmer (PyPI), ripgrep, hyperfine, GNU time
# and zstd (Debian). Lucene (Anserini) comes with the quality benchmark's shared runners.
#   bash bench/setup.sh [PREFIX]        (default PREFIX=$HOME/peers)
set -euo pipefail
PREFIX=${1:-$HOME/peers}
mkdir -p "$PREFIX"
[ -x "$PREFIX/tantivy-cli/bin/tantivy" ] || cargo install tantivy-cli --root "$PREFIX/tantivy-cli"
[ -x "$PREFIX/venv/bin/python" ] || python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install -q bm25s PyStemmer numba
if command -v apt-get > /dev/null; then
  apt-get install -y ripgrep hyperfine time zstd > /dev/null
fi
echo "export TANTIVY_BIN=$PREFIX/tantivy-cli/bin/tantivy PEER_PY=$PREFIX/venv/bin/python"
