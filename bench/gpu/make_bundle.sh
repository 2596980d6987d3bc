#!/usr/bin/env bash
# Packs what bench/gpu/cuda_checks.sh runs into .gpu/ (and .gpu.tar.xz), with ../shared/tools/gpu-bundle.sh.
# Usage (here, after scripts/build.sh): bash bench/gpu/make_bundle.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
bins=("$build/llm-cluster" "$build/bench/gpu/bench_cuda_engine")
for t in cuda_kernels_test cuda_sampling_test cuda_backend_mask_test cuda_model_test nccl_communicator_test; do
  [ -x "$build/tests/gpu/$t" ] && bins+=("$build/tests/gpu/$t")
done
[ -x "$build/llm-bench" ] && bins+=("$build/llm-bench")
bash ../shared/tools/gpu-bundle.sh .gpu "${bins[@]}"
