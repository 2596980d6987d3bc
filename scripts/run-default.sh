#!/usr/bin/env bash
# The main job on the embedded default model: offline greedy generation for two prompts, printed as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
model=build/default-model
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/in.jsonl" <<'JSON'
{"prompt_token_ids": [128000, 9906, 11, 1917, 0], "max_tokens": 12, "temperature": 0}
{"prompt_token_ids": [128000, 791, 4062, 14198, 39935], "max_tokens": 12, "temperature": 0.8, "seed": 7}
JSON
build/llm-cluster generate "$model" --input "$tmp/in.jsonl" --output -
