#!/usr/bin/env bash
# On a GPU machine, from the repository root, after `source .gpu/env.sh` (the bundle made by
# ../shared/tools/gpu-bundle.sh .gpu build/llm-cluster build/tests/gpu/nccl_communicator_test):
# the NCCL communicator test at every world size the GPUs allow, and doctor --device cuda. Builds nothing.
# Prints a short table last. Env: MODEL (default tests/data/models/llama).
set -uo pipefail
model=${MODEL:-tests/data/models/llama}
gpus=$(nvidia-smi -L | wc -l)
results=()
record() { results+=("$(printf '%-44s %s' "$1" "$2")"); }

nvidia-smi -L
for np in 1 2 4 8; do
  [ "$np" -le "$gpus" ] || break
  if timeout 300 mpirun -n "$np" nccl_communicator_test; then record "nccl_communicator_test -n $np" pass
  else record "nccl_communicator_test -n $np" "FAIL ($?)"; fi
done

out=$(timeout 120 mpirun -n 1 llm-cluster doctor "$model" --device cuda 2>&1)
echo "$out"
if grep -q "cuda:0 " <<<"$out"; then record "doctor --device cuda -n 1 (device reported)" pass
else record "doctor --device cuda -n 1" FAIL; fi
# The rank's cores: near its GPU when hwloc knows the GPU's PCI locality (said in the cores column).
binding=$(grep -oE '[0-9,-]+ \((near the device|device locality unknown)\)' <<<"$out" | head -1)
record "binding of the GPU rank" "${binding:-FAIL (no binding reported)}"

if [ "$gpus" -ge 2 ]; then
  out=$(timeout 120 mpirun -n 2 llm-cluster doctor "$model" --tp 2 --device cuda 2>&1)
  echo "$out"
  if grep -q "NCCL " <<<"$out"; then record "doctor --device cuda -n 2 --tp 2 (links)" pass
  else record "doctor --device cuda -n 2 --tp 2" FAIL; fi
else
  # Two ranks on the one GPU: refused at startup as a duplicate device, in seconds.
  out=$(timeout 120 mpirun -n 2 llm-cluster doctor "$model" --tp 2 --device cuda 2>&1); rc=$?
  echo "$out" | grep -v '^\['
  if [ "$rc" -ne 0 ] && grep -q "both use" <<<"$out"; then record "doctor -n 2 on one GPU (refused: duplicate)" pass
  else record "doctor -n 2 on one GPU" "FAIL (exit $rc)"; fi
fi

echo
echo "check                                        result"
printf '%s\n' "${results[@]}"
