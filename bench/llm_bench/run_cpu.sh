#!/usr/bin/env bash
# CPU serving figures for docs/perf.md: llm-bench against `llm-cluster serve` in one process on
#  - the tiny default model (build/default-model: llama3-vocab fixture, real Llama 3 tokenizer), and
#  - the Llama-3.2-1B shape with random weights (bench/configs/llama-3.2-1b.json, --load-format dummy,
#    the Llama 3 tokenizer beside it).
# Usage: bench/llm_bench/run_cpu.sh [BUILD_DIR] [OUT_DIR]      Env: THREADS (0: all cores)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build}
out=${2:-$(mktemp -d)}
threads=${THREADS:-0}
mkdir -p "$out"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start() {  # start MODEL_DIR OPTIONS...: waits (at most 10 min) for "listening on"
  "$build/llm-cluster" serve "$@" --host 127.0.0.1 --port 0 --threads "$threads" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 6000); do
    port=$(grep -m1 -oE 'listening on http://127.0.0.1:[0-9]+' "$work/server.log" | sed 's/.*://' || true)
    [ -n "$port" ] && return
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  cat "$work/server.log" >&2
  exit 1
}
stop() { kill -TERM "$server"; wait "$server" || true; server=""; }
bench() {  # bench NAME TOKENIZER_DIR llm-bench-options...
  local name=$1 tok=$2
  shift 2
  echo "### $name: llm-bench $*"
  "$build/llm-bench" --base-url "http://127.0.0.1:$port" --tokenizer "$tok" --disable-tqdm --save-result \
    --result-dir "$out" --result-filename "$name.json" "$@"
}

tiny=$build/default-model
start "$tiny" --max-model-len 2048
# Seeds differ between runs on one server: the same prompts again would be served from the prefix cache.
bench tiny-c1 "$tiny" --dataset-name random --random-input-len 256 --random-output-len 64 --num-prompts 32 \
  --max-concurrency 1 --seed 100
bench tiny-sweep "$tiny" --dataset-name random --random-input-len 256 --random-output-len 64 --num-prompts 64 \
  --sweep 1,4,16 --label tiny
bench tiny-prefix "$tiny" --dataset-name prefix --prefix-repetition-prefix-len 512 --prefix-repetition-suffix-len 64 \
  --prefix-repetition-num-prefixes 4 --prefix-repetition-output-len 32 --num-prompts 32 --max-concurrency 4 \
  --ignore-eos
stop
start "$tiny" --max-model-len 2048 --no-enable-prefix-caching
bench tiny-prefix-nocache "$tiny" --dataset-name prefix --prefix-repetition-prefix-len 512 \
  --prefix-repetition-suffix-len 64 --prefix-repetition-num-prefixes 4 --prefix-repetition-output-len 32 \
  --num-prompts 32 --max-concurrency 4 --ignore-eos
stop

one_b=$work/llama-3.2-1b
mkdir -p "$one_b"
cp "$repo/bench/configs/llama-3.2-1b.json" "$one_b/config.json"
cp "$tiny/tokenizer.json" "$tiny/tokenizer_config.json" "$one_b/"
start "$one_b" --load-format dummy --max-model-len 1024 --kv-cache-memory 1
bench 1b-c1 "$one_b" --dataset-name random --random-input-len 128 --random-output-len 32 --num-prompts 4 \
  --max-concurrency 1
bench 1b-c4 "$one_b" --dataset-name random --random-input-len 128 --random-output-len 32 --num-prompts 8 \
  --max-concurrency 4 --seed 200
stop
echo "results in $out"
