#!/usr/bin/env bash
# The main job: the OpenAI-compatible server on the embedded default model, under mpirun with 2-way tensor
# parallelism, answering a chat request sent with curl. The model: build/brown-llama (a 4M-parameter Llama trained
# from scratch on the Brown Corpus, data/brown-llama/README.md) once its trained files are in the tree; until
# then build/default-model (the tiny llama3-vocab fixture, random weights, with the real Llama 3 tokenizer and
# chat template). It then keeps serving until Ctrl-C, which drains the
# server (in-flight requests finish) and exits 0. LLMC_DEMO_ONCE=1 stops after the request.
# Needs only `scripts/build.sh --main` (llm-cluster and the model folders), not the tests.
# Env: LLMC_PORT (default 8000), LLMC_TP (default 2), LLMC_BUILD_DIR (default build, as scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
port=${LLMC_PORT:-8000}
tp=${LLMC_TP:-2}
build=${LLMC_BUILD_DIR:-build}
model=$build/brown-llama
note="(a 4M-parameter model trained on the Brown Corpus of 1961 American English: it writes English, not sense)"
if [ ! -f "$model/model.safetensors" ]; then
  model=$build/default-model
  note="(the weights are random: the text is gibberish, the serving path is real)"
fi
log=$(mktemp)
# Open MPI refuses root unless told; --oversubscribe lets two ranks share a one-core machine.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun --oversubscribe -n "$tp" "$build/llm-cluster" serve "$model" --tp "$tp" \
  --host 127.0.0.1 --port "$port" --served-model-name default >"$log" 2>&1 &
server=$!

# mpirun kills the job on its own SIGTERM/SIGINT but forwards SIGUSR1, on which the head drains.
stop() {
  kill -USR1 "$server" 2>/dev/null || true
  local status=0
  wait "$server" || status=$?
  rm -f "$log"
  exit "$status"
}
trap stop INT TERM

for _ in $(seq 600); do
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$log" >&2
    echo "run-default: the server exited before it was ready" >&2
    exit 1
  fi
  curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || { cat "$log" >&2; echo "run-default: not ready in 120 s" >&2; exit 1; }

request='{"model": "default", "max_tokens": 48, "temperature": 0,
  "messages": [{"role": "system", "content": "You are a helpful assistant."},
               {"role": "user", "content": "Say hello to the cluster."}]}'
echo "\$ curl http://127.0.0.1:$port/v1/chat/completions -H 'Content-Type: application/json' -d '$request'"
curl -sS --max-time 60 "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' \
  -d "$request"
echo
echo "$note"

if [ "${LLMC_DEMO_ONCE:-0}" = 1 ]; then stop; fi
echo "serving the default model on http://127.0.0.1:$port/v1 (mpirun pid $server); Ctrl-C drains and stops"
tail -n +1 -f "$log" --pid "$server" &
wait "$server"
