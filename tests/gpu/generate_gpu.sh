#!/usr/bin/env bash
# llm-cluster generate on the GPU, every fixture model in float32, against transformers' greedy tokens:
# one rank; then 2-way tensor and 2-way pipeline parallel, and both, on one GPU (the ranks share it, so their
# tensors go through the host-staged MPI communicator); then 65 concurrent requests (the reference prompts,
# 13 times each) with prefix caching on and off, every one of which must give its reference tokens.
# Usage: generate_gpu.sh MPIEXEC LLM_CLUSTER TEST_DATA_DIR. Exits 77 (skipped) without a GPU.
# LLMC_GPU_MODELS narrows the fixture list (a short device lease).
. "$(dirname "$0")/../mpi/mpi_lib.sh"
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L 2>/dev/null | grep -q GPU; then
  echo "no GPU: skipped"; exit 77
fi
gpu=(--device cuda --dtype float32 --gpu-memory-utilization 0.3)

check() {  # check NAME MODEL OUT LOG: the run's status is in $?
  local rc=$? name=$1 model=$2 out=$3 log=$4
  if [ "$rc" -ne 0 ]; then
    echo "FAIL $name: the run failed (exit $rc):"; tail -20 "$log"; failures=$((failures + 1))
  elif matches_reference "$model" "$out"; then
    echo "ok   $name"
  else
    echo "FAIL $name: tokens differ from the reference"; failures=$((failures + 1))
  fi
}

for model in ${LLMC_GPU_MODELS:-llama llama3-vocab mistral qwen2 qwen3}; do
  reference_requests "$model" > "$tmp/in.jsonl"
  for layout in 1:1 2:1 1:2 2:2; do
    tp=${layout%%:*} pp=${layout##*:}
    run_mpi $((tp * pp)) generate "$data/models/$model" --tp "$tp" --pp "$pp" "${gpu[@]}" \
      --input "$tmp/in.jsonl" --output "$tmp/out.jsonl" >"$tmp/log" 2>&1
    check "$model cuda tp=$tp pp=$pp" "$model" "$tmp/out.jsonl" "$tmp/log"
  done
  # 65 requests at once; the repeated prompts share their prefixes when caching is on.
  for i in $(seq 13); do cat "$tmp/in.jsonl"; done > "$tmp/many.jsonl"
  for caching in on off; do
    flag=()
    [ "$caching" = off ] && flag=(--no-enable-prefix-caching)
    name="$model cuda 65 concurrent requests, prefix caching $caching"
    if ! run_mpi 1 generate "$data/models/$model" "${gpu[@]}" "${flag[@]}" --input "$tmp/many.jsonl" \
        --output "$tmp/many_out.jsonl" >"$tmp/log" 2>&1; then
      echo "FAIL $name: the run failed:"; tail -20 "$tmp/log"; failures=$((failures + 1)); continue
    fi
    if python3 - "$data/models/$model/reference.json" "$tmp/many_out.jsonl" <<'PY'
import json, sys
ref = json.load(open(sys.argv[1]))["cases"]
out = [json.loads(l) for l in open(sys.argv[2])]
ok = len(out) == 13 * len(ref) and all(ref[i % len(ref)]["greedy_ids"] == o.get("token_ids") for i, o in enumerate(out))
sys.exit(0 if ok else 1)
PY
    then echo "ok   $name"; else echo "FAIL $name: tokens differ from the reference"; failures=$((failures + 1)); fi
  done
done
finish
