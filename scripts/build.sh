#!/usr/bin/env bash
# Configures and builds into build/ (Release-with-debug-info, Ninja).
#   scripts/build.sh [--main] [cmake configure args...]
# --main builds only what the main job (scripts/run-default.sh) runs: the llm-cluster program and the model it
# serves (the default_model target, build/default-model; and brown_llama, build/brown-llama, once the trained
# files are in data/brown-llama). Without it everything is built, tests and benchmarks included.
# Env: LLMC_BUILD_DIR (default build), LLMC_BUILD_JOBS (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${LLMC_BUILD_JOBS:-$(nproc)}
dir=${LLMC_BUILD_DIR:-build}
targets=()
if [ "${1:-}" = --main ]; then
  shift
  targets=(llm-cluster default_model)
  # data/CMakeLists.txt defines brown_llama only when the trained model is in the tree.
  [ -f data/brown-llama/model.safetensors.xz ] && targets+=(brown_llama)
fi
cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
if [ ${#targets[@]} -gt 0 ]; then
  cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
else
  cmake --build "$dir" -j "$jobs"
fi
