#!/usr/bin/env bash
# /health means progress (issue 13). A worker is hung by SIGSTOP in the middle of a stream (alive to mpirun,
# silent to everyone), and a prober polls /health and /metrics on fresh connections every 0.1 s, as a load
# balancer would, until the server stops answering.
#
# Two deadlines can notice a hang, and which comes first depends on the flags:
#   defaults        the heartbeat watchdog (--worker-timeout 5 s) kills the engine long before the step
#                   deadline (--step-timeout 300 s); the job then ends. /health can only say so in the moment
#                   between the engine's death and the job's end, so serve keeps answering (503 engine_dead)
#                   for that second instead of closing its listener: this asserts the prober sees it.
#   step deadline   --step-timeout 2 --worker-timeout 60: the engine has work and makes no step for 2 s, so
#   first           /health is 503 (engine_stalled, or engine_dead from the same deadline's step timeout a few
#                   milliseconds later) long before the watchdog would act, and before the job ends.
# Both: while the engine is stuck, llmc:engine_seconds_since_last_step climbs past 1 s on /metrics with
# /health still 200 (inside the deadline); the stream ends with an error event and [DONE]; the job exits
# non-zero within 10 s of the deadline and leaves no rank. The stalled-but-never-killed case (the engine
# thread itself wedged) cannot be made from outside a live job; tests/unit/http/server_test.cpp covers it.
# Args: MPIEXEC LLM_CLUSTER TEST_DATA DEFAULT_MODEL_DIR
. "$(dirname "$0")/mpi_lib.sh"
default_model=$4

# probe PORT OUT: one line per 0.1 s, "SECONDS HEALTH_STATUS GAUGE BODY", until the server stops answering.
probe() {
  local code gauge
  while :; do
    code=$(curl -s -o "$tmp/health" -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/health" || true)
    [ "$code" = 000 ] && break
    gauge=$(curl -s --max-time 2 "http://127.0.0.1:$1/metrics" |
      awk '/^llmc:engine_seconds_since_last_step\{/ {print $2}' || true)
    echo "$(date +%s.%N) $code ${gauge:--} $(head -c 300 "$tmp/health" | tr -d '\n')" >>"$2"
    sleep 0.1
  done
}

# scenario LABEL EXPECTED_503_PATTERN FLAGS...
scenario() {
  local label=$1 pattern=$2
  shift 2
  : >"$tmp/probe"
  run_mpi 2 serve "$default_model" --tp 2 --host 127.0.0.1 --port 0 --max-model-len 2048 "$@" >"$tmp/log" 2>&1 &
  local job=$! port=""
  for _ in $(seq 1 300); do
    sleep 0.1
    port=$(grep -m1 -oE 'listening on http://127.0.0.1:[0-9]+' "$tmp/log" | sed 's/.*://' || true)
    [ -n "$port" ] && break
  done
  if [ -z "$port" ]; then
    echo "FAIL $label: the server did not start"; tail -20 "$tmp/log"; failures=$((failures + 1)); kill -9 "$job"
    return
  fi
  local body='{"model": "'"$default_model"'", "prompt": "Hello", "max_tokens": 1900, "ignore_eos": true, "stream": true}'
  curl -sS -N --max-time 120 -H 'Content-Type: application/json' -d "$body" \
    "http://127.0.0.1:$port/v1/completions" >"$tmp/stream" 2>"$tmp/curl.err" &
  local client=$!
  for _ in $(seq 1 200); do sleep 0.05; grep -q '^data: {' "$tmp/stream" && break; done
  probe "$port" "$tmp/probe" &
  local prober=$!
  sleep 0.3
  kill -STOP "$(rank_pid 1)"
  local stopped_at
  stopped_at=$(date +%s.%N)
  local rc=0
  wait "$job" || rc=$?
  local ended_at
  ended_at=$(date +%s.%N)
  wait "$client" || true
  wait "$prober" || true
  sleep 0.5
  local left
  left=$(pgrep -fc "^$bin " || true)
  # The prober's view, relative to the stop: 200s before and after it, the gauge past 1 s with /health at 200,
  # then a 503 with the expected reason before the server stopped answering.
  if python3 - "$tmp/probe" "$stopped_at" "$pattern" <<'PY'; then
import re, sys
rows = [l.split(" ", 3) for l in open(sys.argv[1]).read().splitlines()]
stop, pattern = float(sys.argv[2]), sys.argv[3]
before = [r for r in rows if float(r[0]) < stop]
after = [r for r in rows if float(r[0]) >= stop]
assert before and all(r[1] == "200" for r in before), f"/health not 200 before the stop: {before[:3]}"
climbing = [r for r in after if r[1] == "200" and r[2] != "-" and float(r[2]) >= 1.0]
assert climbing, "llmc:engine_seconds_since_last_step never passed 1 s while /health said 200: " + str(after[:12])
failed = [r for r in after if r[1] == "503"]
assert failed, "/health never answered 503 before the server went away: " + str(after[-5:])
assert re.search(pattern, failed[0][3] if len(failed[0]) > 3 else ""), f"first 503 body: {failed[0]}"
print(f"   /health 503 {float(failed[0][0]) - stop:.1f} s after the stop ({len(failed)} probe(s) saw it); "
      f"gauge reached {max(float(r[2]) for r in climbing):.1f} s with /health 200")
PY
    echo "ok   $label: /health 200 before, 503 ($pattern) before the job ended, the gauge climbing in between"
  else
    echo "FAIL $label: the prober's timeline:"; tail -40 "$tmp/probe"; tail -20 "$tmp/log"; failures=$((failures + 1))
  fi
  if grep -q '^data: {"error"' "$tmp/stream" &&
    [ "$(tail -c 14 "$tmp/stream" | od -An -c | tr -d ' \n')" = 'data:[DONE]\n\n' ]; then
    echo "ok   $label: the stream ended with an error event and [DONE]"
  else
    echo "FAIL $label: the stream did not end with an error event and [DONE]:"; tail -c 600 "$tmp/stream"
    failures=$((failures + 1))
  fi
  local took
  took=$(python3 -c "print(int(float('$ended_at') - float('$stopped_at')))")
  if [ "$rc" -eq 0 ] || [ "$took" -gt 15 ] || [ "$left" -ne 0 ]; then
    echo "FAIL $label: job exit $rc after $took s, $left rank(s) left"; tail -20 "$tmp/log"; failures=$((failures + 1))
    pkill -9 -f "^$bin " || true
  else
    echo "ok   $label: the job ended with exit $rc $took s after the stop, no rank left"
  fi
}

scenario "watchdog first (defaults)" 'engine_dead.*rank 1.*stopped responding'
scenario "step deadline first (--step-timeout 2)" 'engine_stalled|engine_dead.*no result within' \
  --step-timeout 2 --worker-timeout 60
finish
