#!/usr/bin/env bash
# Builds and runs every test through ctest. Labels: unit, mpi, http, gpu (skips without a GPU), slurm, docker, slow.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
# Open MPI refuses to run as root unless told; tests oversubscribe the few cores CI has.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
ctest --test-dir build --output-on-failure -j "${LLMC_TEST_JOBS:-2}" "$@"
