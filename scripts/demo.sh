#!/usr/bin/env bash
# The main job on the shipped sample data, with no key and no network:
# ingest data/ → split into sentences → sentiment per sentence (offline model) → clean, chunk,
# embed and index → what is stored, a search, a question answered with citations, and an HTML report. Own database file.
set -euo pipefail
cd "$(dirname "$0")/.."
export LLMOPS_DB="${LLMOPS_DB:-.llmops/demo.db}"
llmops() { node bin/llmops.js "$@"; }

echo "== ingest data/ (the sample records, not its README) → $LLMOPS_DB" >&2
llmops ingest data/ --glob '*.json*'
echo "== split" >&2
llmops split
echo "== analyse (offline sentiment: no key, no network)" >&2
llmops analyse
echo "== featurize (clean, chunk, embed: MiniLM when its weights are here, else the offline hashing embedder)" >&2
llmops featurize
echo "== what is stored" >&2
llmops inspect collections
llmops inspect search embedded_articles --query "vector search latency" --mode hybrid --k 3
echo "== ask (offline: an extractive answer with its sources, no model)" >&2
llmops ask "What should a team measure before trusting a RAG pipeline?" --k 3
llmops inspect report --out .llmops/demo-report.html
