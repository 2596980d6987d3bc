#!/usr/bin/env bash
# The HTTP front end's overhead: requests/s and latency of GET /v1/models (no engine work) and of 1-token
# completions (tokenize, schedule, one forward pass of the tiny default model, detokenize, JSON) under wrk,
# for a single process and for `mpirun -n 2 ... --tp 2` (plans over ZeroMQ). Prints one table.
# Usage: bench/http/run.sh [BUILD_DIR]      Env: DURATION (10s), CONNECTIONS (32), THREADS (1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-1}
command -v wrk >/dev/null || { echo "run.sh: needs wrk (Debian package wrk)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

start() {  # start COMMAND...: waits for "listening on"
  "$@" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 600); do
    port=$(grep -m1 -oE 'listening on http://127.0.0.1:[0-9]+' "$work/server.log" | sed 's/.*://' || true)
    [ -n "$port" ] && return
    sleep 0.1
  done
  cat "$work/server.log" >&2; exit 1
}
stop() { kill -USR1 "$server"; wait "$server" || true; server=""; }

# row LABEL WHAT ENDPOINT wrk-args...: one line of the table from wrk's summary.
row() {
  local label=$1 what=$2 endpoint=$3
  shift 3
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" "http://127.0.0.1:$port$endpoint" >"$work/wrk.txt"
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  bad=$(awk '/non-2xx:/ {print $2} /Non-2xx/ {print $NF}' "$work/wrk.txt" | head -1)
  printf '| %-26s | %-24s | %10s | %8s | %8s | %7s |\n' "$label" "$what" "$rps" "$p50" "$p99" "${bad:-0}"
}

echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; wrk -t$threads -c$connections -d$duration"
printf '| %-26s | %-24s | %10s | %8s | %8s | %7s |\n' server request "requests/s" p50 p99 non-2xx
printf '|%s|%s|%s|%s|%s|%s|\n' "----------------------------" "--------------------------" "------------" "----------" "----------" "---------"
common=(serve "$build/default-model" --host 127.0.0.1 --port 0 --served-model-name bench --max-model-len 512
        --max-num-queued-requests 100000)
start "$build/llm-cluster" "${common[@]}"
row "1 process" "GET /v1/models" /v1/models
row "1 process" "1-token completion" /v1/completions -s "$here/completion.lua"
stop
start mpirun --oversubscribe -n 2 "$build/llm-cluster" "${common[@]}" --tp 2
row "mpirun -n 2, --tp 2" "GET /v1/models" /v1/models
row "mpirun -n 2, --tp 2" "1-token completion" /v1/completions -s "$here/completion.lua"
stop
