#!/usr/bin/env bash
# A worker that hangs (SIGSTOP: alive to mpirun, silent to everyone) in the middle of generation. mpirun does
# not notice; the head's watchdog must: it fails the in-flight requests with an error that says which rank
# stopped, ends the job non-zero within 10 s of the stop, and leaves no rank running.
#   generate: the output file still gets one line per request, the unfinished ones with "error".
#   serve:    a streaming client gets an error event and [DONE] instead of a hang or a reset.
# Args: MPIEXEC LLM_CLUSTER TEST_DATA DEFAULT_MODEL_DIR
. "$(dirname "$0")/mpi_lib.sh"
default_model=$4

# ends_in_time JOB_PID SINCE LABEL: the job exits non-zero within 10 s of SINCE and leaves nothing behind.
ends_in_time() {
  local rc=0
  wait "$1" || rc=$?
  local took=$(( $(date +%s) - $2 ))
  sleep 0.5
  local left
  left=$(pgrep -fc "^$bin " || true)
  if [ "$rc" -eq 0 ] || [ "$took" -gt 10 ] || [ "$left" -ne 0 ]; then
    echo "FAIL $3: exit $rc after $took s, $left rank(s) left"; tail -20 "$tmp/log"; failures=$((failures + 1))
    pkill -9 -f "^$bin " || true
    return 1
  fi
  echo "ok   $3: job ended with exit $rc $took s after the stop, no rank left"
}

# --- generate ---
python3 -c '
import json
for i in range(6):
    print(json.dumps({"prompt_token_ids": [1 + i, 2, 3], "max_tokens": 1900, "ignore_eos": True}))
' > "$tmp/in.jsonl"
run_mpi 2 generate "$data/models/llama" --tp 2 --input "$tmp/in.jsonl" --output "$tmp/out.jsonl" \
  --max-model-len 2048 >"$tmp/log" 2>&1 &
job=$!
for _ in $(seq 1 200); do sleep 0.1; grep -q "ready" "$tmp/log" && [ -n "$(rank_pid 1)" ] && break; done
sleep 1
victim=$(rank_pid 1)
kill -STOP "$victim"
stopped_at=$(date +%s)
if ends_in_time "$job" "$stopped_at" "generate, rank 1 hung"; then
  if python3 - "$tmp/out.jsonl" <<'PY'
import json, sys
out = [json.loads(l) for l in open(sys.argv[1])]
assert len(out) == 6, f"{len(out)} lines"
assert all("stopped responding" in o.get("error", "") and "rank 1" in o["error"] for o in out), out[0].get("error")
PY
  then echo "ok   generate: every request ended with an error naming rank 1"
  else echo "FAIL generate: the output does not name the hung rank"; cat "$tmp/out.jsonl" | head -c 600; failures=$((failures + 1)); fi
fi

# --- serve ---
run_mpi 2 serve "$default_model" --tp 2 --host 127.0.0.1 --port 0 --max-model-len 2048 >"$tmp/log" 2>&1 &
job=$!
port=""
for _ in $(seq 1 300); do
  sleep 0.1
  port=$(grep -m1 -oE 'listening on http://127.0.0.1:[0-9]+' "$tmp/log" | sed 's/.*://' || true)
  [ -n "$port" ] && break
done
if [ -z "$port" ]; then
  echo "FAIL serve: did not start"; cat "$tmp/log"; failures=$((failures + 1)); kill -9 "$job"
else
  body='{"model": "'"$default_model"'", "prompt": "Hello", "max_tokens": 1900, "ignore_eos": true, "stream": true}'
  curl -sS -N --max-time 60 -H 'Content-Type: application/json' -d "$body" \
    "http://127.0.0.1:$port/v1/completions" >"$tmp/stream" 2>"$tmp/curl.err" &
  client=$!
  for _ in $(seq 1 200); do sleep 0.05; grep -q '^data: {' "$tmp/stream" && break; done
  kill -STOP "$(rank_pid 1)"
  stopped_at=$(date +%s)
  wait "$client" || true
  if grep -q '^data: {"error"' "$tmp/stream" && grep -q 'stopped responding' "$tmp/stream" &&
     [ "$(tail -c 14 "$tmp/stream" | od -An -c | tr -d ' \n')" = 'data:[DONE]\n\n' ]; then
    echo "ok   serve: the stream ended with an error event naming the hung rank, then [DONE]"
  else
    echo "FAIL serve: the stream did not end with an error event and [DONE]:"; tail -c 600 "$tmp/stream"
    cat "$tmp/curl.err"; failures=$((failures + 1))
  fi
  ends_in_time "$job" "$stopped_at" "serve, rank 1 hung" || true
fi
finish
