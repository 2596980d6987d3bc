#!/usr/bin/env bash
# CPU engine throughput on every fixture model (their checkpoints) and on Llama-3.2-1B's shape with random
# weights (bench/configs/llama-3.2-1b.json), each beside this machine's limit measured in the same run.
# Usage: bench/engine/run.sh [BUILD_DIR]     Env: THREADS (0: all cores)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
threads=${THREADS:-0}
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
for m in llama llama3-vocab mistral qwen2 qwen3; do
  echo "## $m (fixture checkpoint)"
  "$build/bench/engine/bench_engine" --model "$repo/tests/data/models/$m" --prompt 128 --batch 1,8 --context 128 \
    --steps 32 --threads "$threads" 2>&1 | grep -v '^\['
done
echo "## Llama-3.2-1B shape, dummy weights"
"$build/bench/engine/bench_engine" --model "$repo/bench/configs/llama-3.2-1b.json" --dummy --prompt 256 \
  --batch 1,4,8,16 --context 128 --steps 8 --threads "$threads" 2>&1 | grep -v '^\['
