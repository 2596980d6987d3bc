#!/usr/bin/env bash
# run_live_test.sh CHECK: start a server, run one live check against it, stop it with SIGTERM (exit 0 expected).
# CHECK: openai_client | curl_checks | load | drain. Every wait is bounded.
#
# Server: $LLMC_HTTP_SERVER_CMD when set (any command that serves the llama3-vocab fixture as model
# "llama3-vocab" and prints "listening on http://HOST:PORT"; the extra flags below are appended), else
# $LLMC_HTTP_TEST_SERVER $LLMC_HTTP_MODEL --tokenizer $LLMC_HTTP_TOKENIZER --port 0 ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check="${1:?usage: run_live_test.sh openai_client|curl_checks|load|drain}"
work="$(mktemp -d)"
server_pid=""
export LLMC_API_KEY="sk-live-test-key"
export LLMC_MODEL="llama3-vocab"

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL ($check): $*" >&2
  if [[ -f "$work/server.log" ]]; then
    echo "---- server log (last 40 lines) ----" >&2
    tail -n 40 "$work/server.log" >&2
  fi
  exit 1
}

ensure_openai_client() {
  if [[ -f "$here/node_modules/openai/package.json" ]]; then return; fi
  command -v npm >/dev/null || fail "npm is not installed (needed for the openai client library)"
  echo "installing the openai client library from package-lock.json (npm ci)"
  (cd "$here" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
}

start_server() {
  local extra=("$@")
  local cmd
  if [[ -n "${LLMC_HTTP_SERVER_CMD:-}" ]]; then
    read -r -a cmd <<<"$LLMC_HTTP_SERVER_CMD"
  else
    [[ -x "${LLMC_HTTP_TEST_SERVER:-}" ]] || fail "LLMC_HTTP_TEST_SERVER is not an executable (run through ctest)"
    cmd=("$LLMC_HTTP_TEST_SERVER" "$LLMC_HTTP_MODEL" --tokenizer "$LLMC_HTTP_TOKENIZER" --host 127.0.0.1 --port 0
         --max-model-len 512 --threads 1)
  fi
  "${cmd[@]}" --served-model-name "$LLMC_MODEL" --api-key "$LLMC_API_KEY" "${extra[@]}" >"$work/server.log" 2>&1 &
  server_pid=$!
  local deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$server_pid" 2>/dev/null; then fail "the server exited before listening"; fi
    local line
    line="$(grep -m1 -oE 'listening on http://[^ ]+:[0-9]+' "$work/server.log" || true)"
    if [[ -n "$line" ]]; then
      export LLMC_BASE_URL="http://127.0.0.1:${line##*:}"
      echo "server up at $LLMC_BASE_URL"
      return
    fi
    sleep 0.2
  done
  fail "the server did not print 'listening on' within 120 s"
}

# The stop signal ($LLMC_HTTP_STOP_SIGNAL, default TERM) must drain and exit 0 within the shutdown timeout plus
# a margin. It goes to the server itself (under mpirun: to mpirun, which forwards USR1 to every rank and answers
# its own SIGTERM with SIGCONT, SIGTERM and SIGKILL to every rank, see launch/stop_notice.h), or with
# LLMC_HTTP_SIGNAL_RANK0=1 to the head rank. The drain check expects the exit status $LLMC_HTTP_EXPECT_STATUS
# (default 0; mpirun exits 1 after its own SIGTERM whatever the ranks did, and the ranks' statuses are checked
# instead).
stop_signal="${LLMC_HTTP_STOP_SIGNAL:-TERM}"
signal_target() {
  if [[ "${LLMC_HTTP_SIGNAL_RANK0:-0}" != 1 ]]; then echo "$server_pid"; return; fi
  local pid
  for pid in $(pgrep -P "$server_pid") $(pgrep -f -- " serve " || true); do
    if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=0"; then echo "$pid"; return; fi
  done
  fail "no rank-0 process found under mpirun (pid $server_pid)"
}

stop_server() {
  kill -"$stop_signal" "$(signal_target)"
  local deadline=$((SECONDS + 60))
  while kill -0 "$server_pid" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "the server did not exit within 60 s of SIG$stop_signal"
    sleep 0.2
  done
  local status=0
  wait "$server_pid" || status=$?
  server_pid=""
  [[ "$status" == 0 ]] || fail "the server exited with status $status after SIG$stop_signal"
}

case "$check" in
  openai_client)
    ensure_openai_client
    start_server --tool-call-parser llama3_json --enable-auto-tool-choice
    timeout 300 node "$here/openai_client_test.mjs" || fail "openai client checks failed"
    ;;
  load)
    ensure_openai_client
    start_server --max-num-seqs 256 --max-num-queued-requests 4096 --http-threads 2
    timeout 500 node "$here/load_test.mjs" || fail "load checks failed"
    ;;
  curl_checks)
    command -v curl >/dev/null || fail "curl is not installed"
    start_server --max-request-body 1 --allowed-origins '["http://ui.example"]'
    timeout 300 bash "$here/curl_checks.sh" || fail "curl checks failed"
    ;;
  drain)
    command -v curl >/dev/null || fail "curl is not installed"
    export LLMC_RANK_STATUS_DIR="$work"  # where tests/http/rank_exit.sh, when the command uses it, writes
    start_server --shutdown-timeout "${LLMC_HTTP_DRAIN_TIMEOUT:-60}"
    source "$here/drain_check.sh"
    drain_check
    echo "PASS ($check)"
    exit 0
    ;;
  *)
    fail "unknown check '$check'"
    ;;
esac
stop_server
echo "PASS ($check)"
