#!/usr/bin/env bash
# Configures and builds into build/ (Release-with-debug-info, Ninja). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${LLMC_BUILD_JOBS:-$(nproc)}
cmake -S . -B build -G Ninja "$@" >/dev/null
cmake --build build -j "$jobs"
