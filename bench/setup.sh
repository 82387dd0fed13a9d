#!/usr/bin/env bash
# Installs the benchmark peers outside the repository, from the package registries only:
# tantivy-cli (crates.io), bm25s with numba and PyStemmer (PyPI), Lucene as the Anserini jar of
# the pyserini 0.22.1 wheel (PyPI), ripgrep, hyperfine, GNU time and zstd (Debian); SQLite FTS5
# is Python's own sqlite3.
#   bash bench/setup.sh [PREFIX]        (default PREFIX=$HOME/peers)
set -euo pipefail
PREFIX=${1:-$HOME/peers}
mkdir -p "$PREFIX"
[ -x "$PREFIX/tantivy-cli/bin/tantivy" ] || cargo install tantivy-cli --root "$PREFIX/tantivy-cli"
[ -x "$PREFIX/venv/bin/python" ] || python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install -q bm25s PyStemmer numba
# Lucene through Anserini: the fat jar inside the pyserini 0.22.1 wheel (the last one whose jar
# runs on Java 11-17); only the jar is used, so no dependencies.
[ -x "$PREFIX/pyserini-venv/bin/python" ] || python3 -m venv "$PREFIX/pyserini-venv"
"$PREFIX/pyserini-venv/bin/pip" install -q --no-deps pyserini==0.22.1
JAR=$(ls "$PREFIX"/pyserini-venv/lib/python3*/site-packages/pyserini/resources/jars/anserini-*-fatjar.jar)
if command -v apt-get > /dev/null; then
  apt-get install -y ripgrep hyperfine time zstd > /dev/null
  command -v java > /dev/null || apt-get install -y default-jre-headless > /dev/null
fi
# SQLite FTS5 comes with Python's sqlite3 module.
echo "export TANTIVY_BIN=$PREFIX/tantivy-cli/bin/tantivy PEER_PY=$PREFIX/venv/bin/python ANSERINI_JAR=$JAR"
