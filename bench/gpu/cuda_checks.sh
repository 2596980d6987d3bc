#!/usr/bin/env bash
# The CUDA backend on a GPU machine, in one call: unpack nothing, build nothing; run the gpu-labelled tests, then
# the benchmarks beside HF transformers on the same GPU, then serve an 8B-shaped model to 256 concurrent streams.
# Prints a short table last; full logs go to $OUT (the device tool's folder) or ./gpu-logs.
# From the repository root, with the bundle made by bench/gpu/make_bundle.sh:
#   source .gpu/env.sh; bash bench/gpu/cuda_checks.sh [tests|bench|serve|all]...
set -uo pipefail
what=${*:-all}
out=${OUT:-gpu-logs}
mkdir -p "$out"
export LLMC_TEST_DATA=$PWD/tests/data
export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
results=()
record() { results+=("$(printf '%-58s %s' "$1" "$2")"); }
want() { [[ " $what " == *" $1 "* || " $what " == *" all "* ]]; }
gtest() {  # gtest NAME: a bundled gtest binary; the summary line goes to the table
  local name=$1
  command -v "$name" >/dev/null || { record "$name" "not in the bundle"; return; }
  timeout 500 "$name" >"$out/$name.log" 2>&1
  local rc=$?
  local summary
  summary=$(grep -E '^\[  (PASSED|FAILED|SKIPPED)' "$out/$name.log" | tr '\n' ' ')
  record "$name" "$([ $rc -eq 0 ] && echo pass || echo "FAIL ($rc)") $summary"
  grep -E '^\[  FAILED  \]' "$out/$name.log" | head -20
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
if want tests; then
  gtest cuda_kernels_test
  gtest cuda_sampling_test
  gtest cuda_model_test
  grep -E 'logit error|not compared' "$out/cuda_model_test.log" | head -40
  timeout 580 bash tests/gpu/generate_gpu.sh mpirun "$(command -v llm-cluster)" tests/data >"$out/generate.log" 2>&1
  rc=$?
  grep -E '^(ok|FAIL)' "$out/generate.log" | tail -40
  record "generate_gpu.sh (fixtures x layouts x batches)" "$([ $rc -eq 0 ] && echo pass || echo "FAIL ($rc)")"
fi
if want bench; then
  batches=${LLMC_BENCH_BATCHES:-1,8,32,64,128,256}
  timeout 400 bench_cuda_engine --model bench/configs/llama-3.1-8b.json --dummy --batch "$batches" --context 1024 \
    --steps 16 >"$out/bench.log" 2>&1
  record "bench_cuda_engine 8B dummy" "exit $?"
  timeout 400 python3 bench/gpu/hf_baseline.py bench/configs/llama-3.1-8b.json --batch "$batches" --context 1024 \
    --steps 16 >"$out/hf.log" 2>&1
  record "HF transformers baseline 8B" "exit $?"
fi
if want serve; then
  model=/tmp/llama-8b-dummy
  mkdir -p "$model"
  cp bench/configs/llama-3.1-8b.json "$model/config.json"
  cp tests/data/tokenizers/llama3/tokenizer_config.json "$model/"
  python3 -c "import lzma,sys; open(sys.argv[2],'wb').write(lzma.open(sys.argv[1]).read())" \
    tests/data/tokenizers/llama3/tokenizer.json.xz "$model/tokenizer.json"
  llm-cluster serve "$model" --load-format dummy --port 8123 --max-model-len 4096 >"$out/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do grep -q "listening on" "$out/serve.log" && break; sleep 1; done
  timeout 300 python3 bench/gpu/stream_load.py 8123 "$model" --requests 256 --max-tokens 128 >"$out/load.log" 2>&1
  rc=$?
  record "serve 8B dummy: 256 concurrent streams" "$([ $rc -eq 0 ] && echo pass || echo "FAIL ($rc)")"
  if command -v llm-bench >/dev/null; then
    timeout 240 llm-bench --base-url http://127.0.0.1:8123 --model "$model" --dataset-name random \
      --random-input-len 1024 --random-output-len 128 --num-prompts "${LLMC_BENCH_PROMPTS:-512}" --max-concurrency 256 --ignore-eos \
      --save-result --result-dir "$out" --result-filename serve_8b.json >"$out/llm-bench.log" 2>&1
    record "llm-bench 8B dummy, ${LLMC_BENCH_PROMPTS:-512} prompts 1024/128, concurrency 256" "exit $?"
    tail -30 "$out/llm-bench.log"
    # Standing in for ShareGPT (issue 11): 1,000 random prompts of ~256 tokens in and ~256 out, all at once.
    timeout 240 llm-bench --base-url http://127.0.0.1:8123 --model "$model" --dataset-name random \
      --random-input-len 256 --random-output-len 256 --random-range-ratio 0.9 --num-prompts 1000 --ignore-eos \
      --seed 11 --save-result --result-dir "$out" --result-filename serve_8b_256.json >"$out/llm-bench-256.log" 2>&1
    record "llm-bench 8B dummy, 1000 prompts ~256/~256, request rate inf" "exit $?"
    tail -30 "$out/llm-bench-256.log"
    # Low load: one request at a time, TPOT through the whole HTTP path.
    timeout 120 llm-bench --base-url http://127.0.0.1:8123 --model "$model" --dataset-name random \
      --random-input-len 128 --random-output-len 128 --num-prompts 8 --max-concurrency 1 --ignore-eos \
      --seed 12 --save-result --result-dir "$out" --result-filename serve_8b_c1.json >"$out/llm-bench-c1.log" 2>&1
    record "llm-bench 8B dummy, 8 prompts 128/128, concurrency 1" "exit $?"
    tail -30 "$out/llm-bench-c1.log"
  fi
  kill -USR1 $server; wait $server
  grep -E 'memory plan|KV cache of|loaded layers|decode graphs|eagerly' "$out/serve.log" | head -6
  cat "$out/load.log"
fi
echo
[ -f "$out/bench.log" ] && cat "$out/bench.log"
[ -f "$out/hf.log" ] && cat "$out/hf.log"
echo
echo "check                                                      result"
printf '%s\n' "${results[@]}"
