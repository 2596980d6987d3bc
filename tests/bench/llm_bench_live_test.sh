#!/usr/bin/env bash
# llm_bench_live_test.sh LLM_CLUSTER LLM_BENCH MODEL_DIR SHAREGPT_JSON
# Runs llm-bench against `llm-cluster serve` and checks its result JSON: every request accounted for; input and
# output token totals equal to the server's own counters (vllm:prompt_tokens_total and
# vllm:generation_tokens_total on /metrics, which come from the engine, not from the usage we parse); requested
# output lengths honoured with --ignore-eos; chat, ShareGPT and ranged workloads; cached prompt tokens non-zero
# on the prefix workload with prefix caching on and zero with --no-enable-prefix-caching; refused requests
# counted as failures; a sweep's SVG; and a server that stops answering (SIGSTOP) ending the run with a clear
# message after --timeout. Every wait is bounded.
set -euo pipefail
cluster=${1:?usage: llm_bench_live_test.sh LLM_CLUSTER LLM_BENCH MODEL_DIR SHAREGPT_JSON}
bench=${2:?} model=${3:?} sharegpt=${4:?}
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill -CONT "$server_pid" 2>/dev/null || true; kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  [[ -f "$work/server.log" ]] && { echo "---- server log (last 30 lines) ----" >&2; tail -n 30 "$work/server.log" >&2; }
  exit 1
}

start_server() {  # start_server EXTRA_OPTIONS...
  # A fresh log: the background child may truncate a reused one only after we have grepped the old port.
  rm -f "$work/server.log"
  "$cluster" serve "$model" --host 127.0.0.1 --port 0 --max-model-len 512 --kv-cache-memory 0.25 --threads 1 \
    "$@" >"$work/server.log" 2>&1 &
  server_pid=$!
  local deadline=$((SECONDS + 120)) line
  while ((SECONDS < deadline)); do
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited before listening"
    line=$(grep -m1 -oE 'listening on http://[^ ]+:[0-9]+' "$work/server.log" 2>/dev/null || true)
    if [[ -n "$line" ]]; then url="http://127.0.0.1:${line##*:}"; echo "server up at $url $*"; return; fi
    sleep 0.2
  done
  fail "the server did not print 'listening on' within 120 s"
}

stop_server() {
  kill -TERM "$server_pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$server_pid" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "the server did not exit within 60 s of SIGTERM"
    sleep 0.2
  done
  wait "$server_pid" || true
  server_pid=""
}

counter() {  # counter NAME: the server's Prometheus counter (summed over labels)
  curl -sf --max-time 10 "$url/metrics" | awk -v n="$1" '$1 == n || index($1, n "{") == 1 {s += $2} END {printf "%d", s}'
}

run_bench() {  # run_bench NAME ARGS...: llm-bench writing $work/NAME.json; its output in $work/NAME.log
  local name=$1
  shift
  echo "---- llm-bench $name: $*"
  timeout 300 "$bench" --base-url "$url" --tokenizer "$model" --save-result --result-dir "$work" \
    --result-filename "$name.json" --disable-tqdm --timeout 60 "$@" >"$work/$name.log" 2>&1 ||
    { local status=$?; cat "$work/$name.log"; fail "llm-bench $name exited with $status"; }
  cat "$work/$name.log"
}

check() {  # check NAME PYTHON: assertions on r (the result JSON); extra variables from the environment
  python3 - "$work/$1.json" "$2" <<'PY' || fail "checks on $1 failed"
import json, os, sys
r = json.load(open(sys.argv[1]))
env = os.environ
n = r["num_prompts"]
lists = ["input_lens", "output_lens", "ttfts", "itls", "latencies", "start_times", "errors", "cached_tokens",
         "requested_output_lens", "generated_texts"]
for k in lists:
    assert len(r[k]) == n, f"{k}: {len(r[k])} entries for {n} requests"
assert r["completed"] + r["failed"] == n, (r["completed"], r["failed"], n)
assert r["failed"] == sum(1 for e in r["errors"] if e), "failed must match the requests with an error"
assert r["total_input_tokens"] == sum(l for l, e in zip(r["input_lens"], r["errors"]) if not e)
assert r["total_output_tokens"] == sum(r["output_lens"])
for t, l, e, itl in zip(r["ttfts"], r["latencies"], r["errors"], r["itls"]):
    if not e:
        assert 0 < t <= l + 1e-9 and abs(t + sum(itl) - l) < 1e-6, (t, l, itl)
exec(sys.argv[2])
print("ok", sys.argv[1].rsplit("/", 1)[-1])
PY
}

command -v curl >/dev/null || fail "curl is not installed"
command -v python3 >/dev/null || fail "python3 is not installed"

start_server
# 1. Fixed lengths on /v1/completions: token counts as the engine counted them, exact output lengths.
p0=$(counter vllm:prompt_tokens_total) g0=$(counter vllm:generation_tokens_total)
run_bench fixed --dataset-name random --random-input-len 32 --random-output-len 8 --num-prompts 12 \
  --max-concurrency 4 --percentiles 50,90,99
export PROMPT_DELTA=$(($(counter vllm:prompt_tokens_total) - p0)) GEN_DELTA=$(($(counter vllm:generation_tokens_total) - g0))
check fixed '
assert r["completed"] == 12 and r["failed"] == 0, r["errors"]
assert r["input_lens"] == [32] * 12, r["input_lens"]
assert r["output_lens"] == [8] * 12, r["output_lens"]
assert r["total_input_tokens"] == int(env["PROMPT_DELTA"]), (r["total_input_tokens"], env["PROMPT_DELTA"])
assert r["total_output_tokens"] == int(env["GEN_DELTA"]), (r["total_output_tokens"], env["GEN_DELTA"])
for k in ("mean_ttft_ms", "median_tpot_ms", "p90_itl_ms", "p99_e2el_ms", "p50_ttft_ms", "std_itl_ms"):
    assert k in r and r[k] > 0, k
assert abs(r["request_throughput"] - 12 / r["duration"]) < 1e-9
assert r["max_concurrency"] == 4 and 1 <= r["max_concurrent_requests"] <= 4
'
# 2. Ranged lengths: every request gets exactly the length it asked for, and the lengths vary.
run_bench ranged --dataset-name random --random-input-len 40 --random-output-len 10 --random-range-ratio 0.5 \
  --num-prompts 10 --request-rate 50 --seed 5
check ranged '
assert r["failed"] == 0, r["errors"]
assert r["output_lens"] == r["requested_output_lens"], (r["output_lens"], r["requested_output_lens"])
assert all(20 <= l <= 60 for l in r["input_lens"]) and len(set(r["input_lens"])) > 1, r["input_lens"]
assert all(5 <= l <= 15 for l in r["output_lens"]) and len(set(r["output_lens"])) > 1
assert r["request_rate"] == 50
'
# 3. Chat API and 4. ShareGPT prompts, both with --ignore-eos.
p0=$(counter vllm:prompt_tokens_total) g0=$(counter vllm:generation_tokens_total)
run_bench chat --backend openai-chat --dataset-name random --random-input-len 16 --random-output-len 4 --num-prompts 4
export PROMPT_DELTA=$(($(counter vllm:prompt_tokens_total) - p0)) GEN_DELTA=$(($(counter vllm:generation_tokens_total) - g0))
check chat '
assert r["completed"] == 4 and r["output_lens"] == [4] * 4, (r["errors"], r["output_lens"])
assert all(l > 16 for l in r["input_lens"]), "the chat template adds tokens around the prompt"
assert r["total_input_tokens"] == int(env["PROMPT_DELTA"]) and r["total_output_tokens"] == int(env["GEN_DELTA"])
'
run_bench sharegpt --dataset-name sharegpt --dataset-path "$sharegpt" --sharegpt-output-len 6 --ignore-eos \
  --num-prompts 5
check sharegpt 'assert r["completed"] == 5 and r["output_lens"] == [6] * 5, (r["errors"], r["output_lens"])'
# 5. Prefix workload with prefix caching on: requests after the first of each group hit the cache.
prefix_args=(--dataset-name prefix --prefix-repetition-prefix-len 64 --prefix-repetition-suffix-len 16
  --prefix-repetition-num-prefixes 2 --prefix-repetition-output-len 4 --num-prompts 8 --max-concurrency 1 --ignore-eos)
h0=$(counter vllm:prefix_cache_hits_total)
run_bench prefix_on "${prefix_args[@]}"
export HIT_DELTA=$(($(counter vllm:prefix_cache_hits_total) - h0))
check prefix_on '
assert r["completed"] == 8, r["errors"]
hits = [c for c in r["cached_tokens"] if c > 0]
assert len(hits) >= 6 and all(c >= 64 for c in hits), r["cached_tokens"]
assert r["total_cached_tokens"] == sum(r["cached_tokens"]) == int(env["HIT_DELTA"]), (r["cached_tokens"], env["HIT_DELTA"])
'
# 6. Refused requests are counted: prompts longer than --max-model-len 512 get 400 from the server.
run_bench refused --dataset-name random --random-input-len 600 --random-output-len 4 --num-prompts 3
check refused '
assert r["completed"] == 0 and r["failed"] == 3
assert all(e.startswith("HTTP 400") for e in r["errors"]), r["errors"]
'
grep -q "Failed requests:  *3" "$work/refused.log" || fail "the table does not report 3 failed requests"
# 7. A sweep over concurrency levels writes its chart.
run_bench sweep --dataset-name random --random-input-len 16 --random-output-len 4 --num-prompts 4 --sweep 1,2
svg=$(ls "$work"/openai-sweep-*.svg 2>/dev/null | head -1)
[[ -n "$svg" ]] || fail "no sweep chart written"
grep -q "<polyline" "$svg" && grep -q "c=2" "$svg" || fail "the sweep chart has no series"
# 8. The server stops answering mid-run (SIGSTOP): the run ends with a clear message after --timeout, exit 1.
timeout 120 "$bench" --base-url "$url" --tokenizer "$model" --dataset-name random --random-input-len 32 \
  --random-output-len 64 --num-prompts 200 --max-concurrency 2 --timeout 3 --disable-tqdm --save-result \
  --result-dir "$work" --result-filename stopped.json >"$work/stopped.log" 2>&1 &
bench_pid=$!
sleep 2
kill -STOP "$server_pid"
status=0
wait "$bench_pid" || status=$?
kill -CONT "$server_pid"
cat "$work/stopped.log"
[[ "$status" == 1 ]] || fail "llm-bench exited with $status when the server stopped answering (expected 1)"
grep -q "the run stopped: the server stopped answering: the server did not answer for 3 s" "$work/stopped.log" ||
  fail "no clear message about the silent server"
check stopped 'assert r["failed"] > 0 and r["stopped"], r["stopped"]'
stop_server

# 9. The same prefix workload with prefix caching off: nothing is served from cache.
start_server --no-enable-prefix-caching
run_bench prefix_off "${prefix_args[@]}"
check prefix_off 'assert r["completed"] == 8 and r["cached_tokens"] == [0] * 8, r["cached_tokens"]'
stop_server
echo "PASS llm_bench_live"
