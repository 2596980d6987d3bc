#!/usr/bin/env bash
# Error statuses and the plain endpoints through curl, and /metrics after some traffic.
# Env: LLMC_BASE_URL, LLMC_API_KEY, LLMC_MODEL. The server runs with --max-request-body 1 (MiB) and
# --allowed-origins '["http://ui.example"]'.
set -euo pipefail
base="$LLMC_BASE_URL"
auth=(-H "Authorization: Bearer $LLMC_API_KEY")
json=(-H 'Content-Type: application/json')
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
passed=0

# expect STATUS DESCRIPTION curl-args...: the status must match, and an error status must carry an
# OpenAI-shaped error body.
expect() {
  local want="$1" what="$2"
  shift 2
  local got
  got="$(curl -sS -o "$tmp/body" -w '%{http_code}' --max-time 60 "$@" || echo "curl-failed")"
  if [[ "$got" != "$want" ]]; then
    echo "FAIL $what: status $got, expected $want: $(head -c 300 "$tmp/body")"
    failures=$((failures + 1))
    return
  fi
  if ((want >= 400)); then
    if ! node -e '
      const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const k of ["message", "type", "param", "code"]) if (!(k in b.error)) throw new Error("no error." + k);
      if (typeof b.error.message !== "string") throw new Error("message is not a string");' "$tmp/body"; then
      echo "FAIL $what: not an OpenAI error body: $(head -c 300 "$tmp/body")"
      failures=$((failures + 1))
      return
    fi
  fi
  passed=$((passed + 1))
}

body_has() {  # body_has DESCRIPTION PATTERN: the last body matches the extended regex
  if grep -qE "$2" "$tmp/body"; then passed=$((passed + 1)); else
    echo "FAIL $1: body does not match /$2/: $(head -c 300 "$tmp/body")"
    failures=$((failures + 1))
  fi
}

completion='{"model":"'"$LLMC_MODEL"'","prompt":"Hello","max_tokens":4,"temperature":0,"ignore_eos":true}'

expect 200 "health without a key" "$base/health"
expect 200 "ping" "$base/ping"
expect 200 "ping (POST) without a key" -X POST "$base/ping"
# --api-key guards every route but the health probes: each answers 401 without the key, its own status with it.
for route in "GET /version" "GET /metrics" "POST /tokenize" "POST /detokenize" "POST /generate" \
  "GET /v1/models" "POST /v1/completions" "POST /v1/chat/completions" "GET /no-such-route"; do
  method="${route%% *}" path="${route#* }"
  expect 401 "$route without a key" -X "$method" "${json[@]}" -d '{}' "$base$path"
  body_has "$route without a key: invalid_api_key" '"code":"invalid_api_key"'
  expect 401 "$route with a wrong key" -X "$method" -H "Authorization: Bearer nope" "$base$path"
done
expect 200 "version with the key" "${auth[@]}" "$base/version"
body_has "version body" '"version"'
expect 401 "models without a key" "$base/v1/models"
expect 401 "models with a wrong key" -H "Authorization: Bearer nope" "$base/v1/models"
expect 200 "models with the key" "${auth[@]}" "$base/v1/models"
body_has "models body" "\"id\":\"$LLMC_MODEL\""
expect 404 "unknown route" "${auth[@]}" "$base/v1/embeddings-nope"
expect 404 "unknown route outside /v1" "${auth[@]}" "$base/nothing-here"
expect 405 "wrong method" "${auth[@]}" "$base/v1/completions"
expect 404 "unknown model" "${auth[@]}" "${json[@]}" -d '{"model":"gpt-9","prompt":"x"}' "$base/v1/completions"
expect 400 "malformed JSON" "${auth[@]}" "${json[@]}" -d '{"prompt": "x",' "$base/v1/completions"
expect 400 "wrong type" "${auth[@]}" "${json[@]}" -d '{"prompt":"x","temperature":"hot"}' "$base/v1/completions"
body_has "wrong type names the field" '"param":"temperature"'
expect 400 "out of range" "${auth[@]}" "${json[@]}" -d '{"prompt":"x","top_p":7}' "$base/v1/completions"
expect 400 "over max_model_len" "${auth[@]}" "${json[@]}" -d '{"prompt":"x","max_tokens":100000}' "$base/v1/completions"
body_has "context length code" '"code":"context_length_exceeded"'
expect 400 "empty messages" "${auth[@]}" "${json[@]}" -d '{"messages":[]}' "$base/v1/chat/completions"
expect 400 "image content" "${auth[@]}" "${json[@]}" \
  -d '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}' "$base/v1/chat/completions"
# Numbers beyond a double, and integers beyond their 32-bit fields, are 400 naming the field (not 500, not wrapped).
expect 400 "number beyond a double" "${auth[@]}" "${json[@]}" -d '{"prompt":"x","temperature":1e999}' "$base/v1/completions"
body_has "overflow names the field" '"param":"temperature"'
expect 400 "number beyond a double in an unknown field" "${auth[@]}" "${json[@]}" \
  -d '{"prompt":"x","max_tokens":2,"some_extension":{"a":[-1e400]}}' "$base/v1/completions"
body_has "overflow names the unknown field" '"param":"some_extension"'
expect 400 "max_tokens 2^32+1" "${auth[@]}" "${json[@]}" -d '{"prompt":"x","max_tokens":4294967297}' "$base/v1/completions"
body_has "max_tokens named" '"param":"max_tokens"'
body_has "max_tokens range given" 'in \[1, 2147483647\], got 4294967297'
expect 400 "max_tokens 2^31" "${auth[@]}" "${json[@]}" -d '{"prompt":"x","max_tokens":2147483648}' "$base/v1/completions"
if grep -q -- '-2147483648' "$tmp/body"; then
  echo "FAIL max_tokens 2^31 reported as a negative number: $(head -c 300 "$tmp/body")"
  failures=$((failures + 1))
else passed=$((passed + 1)); fi
for field in top_k min_tokens n priority; do
  expect 400 "chat $field 2^32+1" "${auth[@]}" "${json[@]}" \
    -d '{"messages":[{"role":"user","content":"x"}],"max_tokens":2,"'"$field"'":4294967297}' "$base/v1/chat/completions"
  body_has "chat $field named" "\"param\":\"$field\""
done
expect 400 "generate top_k 2^32+1" "${auth[@]}" "${json[@]}" -d '{"prompt":"x","top_k":4294967297}' "$base/generate"
expect 400 "tokenize 1e999" "${auth[@]}" "${json[@]}" -d '{"prompt":"x","add_special_tokens":1e999}' "$base/tokenize"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$tmp/big.json"
expect 413 "body over --max-request-body" "${auth[@]}" "${json[@]}" --data-binary "@$tmp/big.json" "$base/v1/completions"

# CORS preflight and headers.
curl -sS -o /dev/null -D "$tmp/headers" -X OPTIONS -H 'Origin: http://ui.example' \
  -H 'Access-Control-Request-Method: POST' "$base/v1/chat/completions"
if grep -qi '^access-control-allow-origin: http://ui.example' "$tmp/headers"; then passed=$((passed + 1)); else
  echo "FAIL CORS preflight: $(cat "$tmp/headers")"
  failures=$((failures + 1))
fi

# Generation through curl: a plain completion, an SSE stream ending in [DONE], /generate, tokenize round trip.
expect 200 "completion" "${auth[@]}" "${json[@]}" -d "$completion" "$base/v1/completions"
body_has "completion usage" '"completion_tokens":4'
curl -sS -N --max-time 60 "${auth[@]}" "${json[@]}" \
  -d '{"model":"'"$LLMC_MODEL"'","messages":[{"role":"user","content":"Hi"}],"max_tokens":4,"stream":true}' \
  "$base/v1/chat/completions" >"$tmp/stream"
if [[ "$(head -c 6 "$tmp/stream")" == "data: " && "$(tail -c 14 "$tmp/stream" | od -An -c | tr -d ' \n')" == 'data:[DONE]\n\n' ]] &&
  grep -q '"role":"assistant"' "$tmp/stream"; then passed=$((passed + 1)); else
  echo "FAIL chat SSE framing: $(head -c 300 "$tmp/stream")"
  failures=$((failures + 1))
fi
expect 200 "generate" "${auth[@]}" "${json[@]}" -d '{"prompt":"Hello","max_tokens":3}' "$base/generate"
body_has "generate body" '^\{"text":\["Hello'
expect 200 "tokenize" "${auth[@]}" "${json[@]}" -d '{"prompt":"Hello world"}' "$base/tokenize"
body_has "tokenize ids" '"tokens":\[128000,9906,1917\]'
expect 200 "detokenize" "${auth[@]}" "${json[@]}" -d '{"tokens":[9906,1917]}' "$base/detokenize"
body_has "detokenize text" '"prompt":"Hello world"'

# Metrics after that traffic.
expect 200 "metrics" "${auth[@]}" "$base/metrics"
for name in vllm:num_requests_running vllm:num_requests_waiting vllm:kv_cache_usage_perc \
  vllm:prefix_cache_queries_total vllm:prefix_cache_hits_total vllm:prompt_tokens_total \
  vllm:generation_tokens_total 'vllm:time_to_first_token_seconds_bucket' 'vllm:inter_token_latency_seconds_bucket' \
  'vllm:e2e_request_latency_seconds_count'; do
  body_has "metric $name" "^$name\\{"
done
body_has "finished requests counted" 'vllm:request_success_total\{model_name="[^"]*",finished_reason="length"\} [1-9]'
body_has "prompt tokens counted" '^vllm:prompt_tokens_total\{[^}]*\} [1-9]'
body_has "cumulative +Inf bucket" 'vllm:e2e_request_latency_seconds_bucket\{[^}]*le="\+Inf"\} [1-9]'

echo "$passed curl checks passed, $failures failed"
((failures == 0))
