# Sourced by run_live_test.sh (needs server_pid, work, fail, LLMC_BASE_URL, LLMC_API_KEY, LLMC_MODEL).
# A stream is running when the stop signal arrives (SIGTERM, SIGUSR1 or SIGTERM to mpirun): the listener closes
# (new connections are refused or get 503), the stream still finishes with [DONE] and all its tokens
# ($LLMC_HTTP_DRAIN_TOKENS, default 300), the
# server exits with $LLMC_HTTP_EXPECT_STATUS (default 0), every rank that recorded its status
# (tests/http/rank_exit.sh) exited 0, and no process of the job is left.
drain_check() {
  local body ranks
  ranks="$(pgrep -P "$server_pid" | tr '\n' ' ' || true)"  # under mpirun: the ranks it started
  local tokens="${LLMC_HTTP_DRAIN_TOKENS:-300}"
  body="{\"model\":\"$LLMC_MODEL\",\"prompt\":\"Hello\",\"max_tokens\":$tokens,\"ignore_eos\":true,\"stream\":true,"
  body+="\"stream_options\":{\"include_usage\":true}}"
  curl -sS -N --max-time 150 -H "Authorization: Bearer $LLMC_API_KEY" -H 'Content-Type: application/json' \
    -d "$body" "$LLMC_BASE_URL/v1/completions" >"$work/stream.txt" 2>"$work/curl.err" &
  local curl_pid=$!
  local deadline=$((SECONDS + 60))
  until grep -qs '^data: {' "$work/stream.txt"; do
    ((SECONDS < deadline)) || fail "the stream did not start within 60 s"
    sleep 0.05
  done
  kill -"$stop_signal" "$(signal_target)"
  # New work is refused while the stream drains.
  local refused=""
  local within="${LLMC_HTTP_REFUSE_WITHIN:-20}"
  deadline=$((SECONDS + within))
  while ((SECONDS < deadline)); do
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$LLMC_BASE_URL/health" || true)"
    if [[ "$code" == "000" || "$code" == "503" ]]; then
      refused="$code"
      break
    fi
    sleep 0.05
  done
  [[ -n "$refused" ]] || fail "new requests were still served $within s after SIG$stop_signal"
  local status=0
  wait "$curl_pid" || status=$?
  [[ "$status" == 0 ]] || fail "the in-flight stream failed during the drain (curl status $status: $(cat "$work/curl.err"))"
  [[ "$(tail -c 14 "$work/stream.txt" | od -An -c | tr -d ' \n')" == 'data:[DONE]\n\n' ]] ||
    fail "the drained stream did not end with [DONE]"
  grep -q '"finish_reason":"length"' "$work/stream.txt" || fail "the drained stream did not finish normally"
  grep -q "\"completion_tokens\":$tokens[,}]" "$work/stream.txt" || fail "the drained stream did not carry all $tokens tokens"
  deadline=$((SECONDS + ${LLMC_HTTP_DRAIN_TIMEOUT:-60} + 30))
  while kill -0 "$server_pid" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "the server did not exit within the drain timeout + 30 s"
    sleep 0.1
  done
  status=0
  wait "$server_pid" || status=$?
  server_pid=""
  [[ "$status" == "${LLMC_HTTP_EXPECT_STATUS:-0}" ]] ||
    fail "the server exited with status $status after SIG$stop_signal (expected ${LLMC_HTTP_EXPECT_STATUS:-0})"
  local rank_file ranks_ok=""
  for rank_file in "$work"/rank-*; do
    [[ -f "$rank_file" ]] || continue
    [[ "$(cat "$rank_file")" == 0 ]] || fail "${rank_file##*/} exited with status $(cat "$rank_file")"
    ranks_ok+=" ${rank_file##*/}"
  done
  local pid
  for pid in $ranks; do  # a zombie left to an init that does not reap is not running
    if [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == [^Z]* ]]; then
      fail "process of the job still running: $(ps -o pid=,stat=,args= -p "$pid")"
    fi
  done
  echo "drain: new requests refused ($refused), stream finished with $tokens tokens, exit $status," \
    "ranks exited 0:${ranks_ok:- (not recorded)}, none left"
}
