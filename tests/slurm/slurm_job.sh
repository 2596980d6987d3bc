#!/usr/bin/env bash
# launch/slurm/llm-cluster.sbatch on a real (private, single-node) Slurm: for each launcher (srun --mpi=pmix,
# then mpirun inside the allocation) a 2-task CPU job on the fixture model serves a chat completion; then a
# stream is in flight when `scancel` arrives, and the stream still finishes with [DONE] (the server drains),
# the job ends CANCELLED, and none of its ranks is left.
# Usage: slurm_job.sh LLM_CLUSTER_BIN MODEL_DIR SOURCE_DIR. Exits 77 (ctest: skipped), saying why, where Slurm
# cannot run here (packages missing, no root, daemons that do not come up, a trivial job that does not run);
# the srun case alone is skipped where Slurm lacks the PMIx plugin. Hard deadlines everywhere; everything it
# starts (daemons, jobs) is stopped by pid on exit.
set -uo pipefail
bin=$(readlink -f "$1") model=$(readlink -f "$2") src=$(readlink -f "$3")
script=$src/launch/slurm/llm-cluster.sbatch
tmp=$(mktemp -d "/tmp/llmc-slurm.$$.XXXXXX")
chmod 755 "$tmp"
failures=0
skipped=""
jobs_made=()

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
# shellcheck source=tests/slurm/slurm_lib.sh
. "$(dirname "$0")/slurm_lib.sh"

# Processes that carry the job's id in their environment (the job's ranks, launchers, orted).
job_pids() {
  local f pid
  for f in /proc/[0-9]*/environ; do
    pid=${f#/proc/}
    pid=${pid%/environ}
    [ "$pid" = $$ ] && continue
    { tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qx "SLURM_JOB_ID=$1" && echo "$pid"
  done
}

cleanup() {
  local j pids
  for j in "${jobs_made[@]}"; do timeout 10 scancel "$j" 2>/dev/null; done
  for j in "${jobs_made[@]}"; do
    pids=$(job_pids "$j")
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  done
  slurm_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

[ -x "$bin" ] || skip "no llm-cluster binary at $1"
[ -f "$model/config.json" ] || skip "no model at $2"
for tool in curl timeout python3; do command -v "$tool" >/dev/null || skip "$tool is missing"; done
slurm_start "$tmp/slurm"

# Slurm must be able to run a job at all here (slurmstepd needs namespaces/privileges some containers lack).
smoke=$(timeout 30 srun -N1 -n2 --time=1 hostname 2>&1)
[ "$(grep -c . <<<"$smoke")" -eq 2 ] || { echo "$smoke"; slurm_logs; skip "Slurm cannot run a trivial 2-task step here"; }
mpi_list=$(timeout 10 srun --mpi=list 2>&1)
echo "srun --mpi=list: $(tr '\n\t' '  ' <<<"$mpi_list")"

state_of() { timeout 10 scontrol show job "$1" 2>/dev/null | grep -oE 'JobState=[A-Z_]+' | cut -d= -f2; }

# run_case LAUNCHER: submit, serve a chat completion, scancel during a stream, check the drain and the end.
run_case() {
  local launcher=$1 port log j state body pids code curl_pid status start failed_before=$failures
  port=$(free_port)
  log=$tmp/job-$launcher.log
  # --shutdown-timeout 10: under mpirun, Open MPI's SIGKILL comes 10 s after it (the script's margin).
  j=$(cd "$tmp" && LLMC_BIN=$bin LLMC_LAUNCHER=$launcher OMPI_MCA_btl=self,vader,tcp OMPI_MCA_pml=ob1 \
      timeout 20 sbatch --parsable --nodes=1 --ntasks=2 --ntasks-per-node=2 --time=5 --output="$log" "$script" \
      "$model" --served-model-name fixture --host 127.0.0.1 --port "$port" --threads 1 --kv-cache-memory 0.125 \
      --shutdown-timeout 10 2>&1) || { fail "$launcher: sbatch refused the script: $j"; return; }
  jobs_made+=("$j")
  local deadline=$((SECONDS + 120))
  until curl -sf --max-time 2 "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
    state=$(state_of "$j")
    if [ "$state" != RUNNING ] && [ "$state" != PENDING ] && [ "$state" != CONFIGURING ]; then
      fail "$launcher: job $j ended ($state) before serving:"; cat "$log"; return
    fi
    ((SECONDS < deadline)) || { fail "$launcher: job $j did not serve within 120 s (state $state):"; cat "$log"; return; }
    sleep 0.5
  done
  grep -q "OpenAI API at http://.*:$port/v1" "$log" || fail "$launcher: the log does not print the head's address"
  grep -q "launcher $launcher" "$log" || fail "$launcher: the script did not use $launcher"
  grep -qE "^(0 +head\+worker 0|1 +worker 1) " "$log" || fail "$launcher: no rank table with 2 ranks in the log"
  pids=$(job_pids "$j")
  pgrep -f "$bin serve" >/dev/null || fail "$launcher: no llm-cluster rank seen"

  body='{"model": "fixture", "max_tokens": 8, "temperature": 0, "messages": [{"role": "user", "content": "Hello"}]}'
  if ! curl -sS --max-time 60 "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' \
      -d "$body" >"$tmp/chat.json" 2>&1 ||
     ! python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["choices"][0]["message"]["role"]=="assistant"; assert r["usage"]["completion_tokens"]==8' "$tmp/chat.json" 2>/dev/null; then
    fail "$launcher: the chat completion failed: $(head -c 400 "$tmp/chat.json")"
  fi

  # A stream in flight when scancel arrives finishes; then the job ends CANCELLED with no rank left.
  body='{"model": "fixture", "prompt": "Hello", "max_tokens": 200, "ignore_eos": true, "stream": true}'
  curl -sS -N --max-time 90 "http://127.0.0.1:$port/v1/completions" -H 'Content-Type: application/json' \
    -d "$body" >"$tmp/stream.txt" 2>"$tmp/curl.err" &
  curl_pid=$!
  deadline=$((SECONDS + 30))
  until grep -qs '^data: {' "$tmp/stream.txt"; do
    ((SECONDS < deadline)) || break
    sleep 0.05
  done
  start=$SECONDS
  timeout 10 scancel "$j" || fail "$launcher: scancel $j failed"
  status=0
  wait "$curl_pid" || status=$?
  [ "$status" = 0 ] || fail "$launcher: the in-flight stream broke at scancel (curl $status: $(cat "$tmp/curl.err"))"
  if [ "$(tail -c 14 "$tmp/stream.txt" | od -An -c | tr -d ' \n')" != 'data:[DONE]\n\n' ] ||
     ! grep -q '"finish_reason":"length"' "$tmp/stream.txt"; then
    fail "$launcher: the drained stream did not finish ($(grep -c '^data: {' "$tmp/stream.txt") frames)"
  fi
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/health")
  [ "$code" = 000 ] || [ "$code" = 503 ] || fail "$launcher: still serving new requests after the drain ($code)"
  deadline=$((SECONDS + 90))
  while state=$(state_of "$j"); [ "$state" = RUNNING ] || [ "$state" = COMPLETING ]; do
    ((SECONDS < deadline)) || break
    sleep 0.5
  done
  [ "$state" = CANCELLED ] || fail "$launcher: job $j is $state 90 s after scancel, not CANCELLED"
  # The job's state changes a moment before its last processes (srun's client side) have exited.
  local pid left=""
  for _ in $(seq 1 50); do
    left=""
    for pid in $pids $(job_pids "$j"); do
      kill -0 "$pid" 2>/dev/null && left+=" $pid($(cat /proc/"$pid"/comm 2>/dev/null))"
    done
    [ -z "$left" ] && break
    sleep 0.2
  done
  [ -z "$left" ] || fail "$launcher: processes of job $j left 10 s after it ended:$left"
  if [ "$failures" -eq "$failed_before" ]; then
    echo "ok   $launcher: job $j served a chat completion; scancel drained a stream and the job ended" \
         "$state after $((SECONDS - start)) s with no rank left"
  else
    echo "--- job log"; cat "$log"
  fi
}

if grep -q pmix <<<"$mpi_list"; then
  run_case srun
else
  skipped+=" srun(no PMIx plugin in this Slurm)"
fi
if command -v mpirun >/dev/null && mpirun --version 2>&1 | grep -q "Open MPI"; then
  run_case mpirun
else
  skipped+=" mpirun(no Open MPI)"
fi
[ -n "$skipped" ] && echo "not run:$skipped"
if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
