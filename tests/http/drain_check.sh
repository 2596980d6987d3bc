# Sourced by run_live_test.sh (needs server_pid, work, fail, LLMC_BASE_URL, LLMC_API_KEY, LLMC_MODEL).
# A stream is running when the stop signal arrives (SIGTERM, or SIGUSR1 to mpirun): the listener closes (new
# connections are refused or get 503), the stream still finishes with [DONE], and the server exits 0.
drain_check() {
  local body
  body="{\"model\":\"$LLMC_MODEL\",\"prompt\":\"Hello\",\"max_tokens\":300,\"ignore_eos\":true,\"stream\":true}"
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
  deadline=$((SECONDS + 20))
  while ((SECONDS < deadline)); do
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$LLMC_BASE_URL/health" || true)"
    if [[ "$code" == "000" || "$code" == "503" ]]; then
      refused="$code"
      break
    fi
    sleep 0.05
  done
  [[ -n "$refused" ]] || fail "new requests were still served 20 s after SIGTERM"
  local status=0
  wait "$curl_pid" || status=$?
  [[ "$status" == 0 ]] || fail "the in-flight stream failed during the drain (curl status $status: $(cat "$work/curl.err"))"
  [[ "$(tail -c 14 "$work/stream.txt" | od -An -c | tr -d ' \n')" == 'data:[DONE]\n\n' ]] ||
    fail "the drained stream did not end with [DONE]"
  grep -q '"finish_reason":"length"' "$work/stream.txt" || fail "the drained stream did not finish normally"
  deadline=$((SECONDS + 60))
  while kill -0 "$server_pid" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "the server did not exit within 60 s after the drain"
    sleep 0.1
  done
  status=0
  wait "$server_pid" || status=$?
  server_pid=""
  [[ "$status" == 0 ]] || fail "the server exited with status $status after SIGTERM"
  echo "drain: new requests refused ($refused), stream finished, exit 0"
}
