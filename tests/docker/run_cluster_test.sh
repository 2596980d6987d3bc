#!/usr/bin/env bash
# cluster/docker/run_cluster.sh with a `docker` stand-in (fake_docker.sh: records its arguments, runs the
# entrypoint as the container would) on two "nodes": network namespaces joined by a bridge, as in
# tests/mpi/multi_host.sh. The worker's container runs sshd; the head's waits for it, writes the hostfile and
# mpirun reaches the worker over ssh into the other namespace; a chat completion is served by a pipeline over
# both nodes; SIGTERM to the head's run_cluster.sh (docker stop) drains an in-flight stream and exits 0; a
# worker that is not there ends the head within the deadline with a message naming it; no process is left.
# Usage: run_cluster_test.sh LLM_CLUSTER_BIN MODEL_DIR SOURCE_DIR. Exits 77 without root, namespaces or sshd.
set -uo pipefail
bin=$(readlink -f "$1") model=$(readlink -f "$2") src=$(readlink -f "$3")
tag=llmd$$
tmp=$(mktemp -d)
chmod 755 "$tmp"
made=()
failures=0
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ns() { echo "$tag$1"; }
addr() { case $1 in a) echo 10.78.0.1 ;; b) echo 10.78.0.2 ;; esac; }

pids_in_hosts() {
  local n
  for n in "${made[@]}"; do ip netns pids "$n" 2>/dev/null; done
}
cleanup() {
  local pids
  pids=$(pids_in_hosts)
  # shellcheck disable=SC2086
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  sleep 0.2
  for n in "${made[@]}"; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
for stale in $(ip netns list 2>/dev/null | grep -oE '^llmd[0-9]+[sab]\b'); do
  owner=${stale//[!0-9]/}
  kill -0 "$owner" 2>/dev/null && continue
  pids=$(ip netns pids "$stale" 2>/dev/null)
  # shellcheck disable=SC2086
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  ip netns del "$stale" 2>/dev/null
done
for tool in ip unshare ssh ssh-keygen mpirun orted curl; do command -v "$tool" >/dev/null || skip "$tool is missing"; done
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip "sshd is missing (Debian package openssh-server)"
ip netns add "$(ns s)" 2>/dev/null || skip "cannot create a network namespace (needs CAP_SYS_ADMIN)"
made+=("$(ns s)")
ip -n "$(ns s)" link add br0 type bridge 2>/dev/null || skip "this kernel cannot make a bridge"
ip -n "$(ns s)" link set br0 up
for h in a b; do
  ip netns add "$(ns $h)" || skip "cannot create a network namespace"
  made+=("$(ns $h)")
  ip link add name llmc0 netns "$(ns $h)" type veth peer name port$h netns "$(ns s)" 2>/dev/null ||
    skip "this kernel cannot make a veth pair"
  ip -n "$(ns s)" link set port$h master br0 up
  ip -n "$(ns $h)" addr add "$(addr $h)/24" dev llmc0
  ip -n "$(ns $h)" link set lo up
  ip -n "$(ns $h)" link set llmc0 up
done

# The stand-in docker on PATH, llm-cluster on PATH as in the image.
mkdir -p "$tmp/bin" "$tmp/state"
ln -s "$src/tests/docker/fake_docker.sh" "$tmp/bin/docker"
ln -s "$bin" "$tmp/bin/llm-cluster"
export PATH=$tmp/bin:$PATH:/usr/sbin LLMC_FAKE_DOCKER_LOG=$tmp/docker.log LLMC_FAKE_DOCKER_STATE=$tmp/state
export LLMC_FAKE_ENTRYPOINT=$src/cluster/docker/entrypoint.sh LLMC_SSH_DIR=$tmp/ssh LLMC_SSH_PORT=2299
export LLMC_SLOTS=1 LLMC_MPI_IF=10.78.0.0/24 LLMC_GPUS=none LLMC_STOP_TIMEOUT=40
run_cluster=$src/cluster/docker/run_cluster.sh
on() { local h=$1; shift; ip netns exec "$(ns "$h")" env LLMC_FAKE_HOSTNAME="llmc-node-$h" "$@"; }
port=8123
url=http://$(addr a):$port

# Missing worker: nothing answers at .3; the head names it within its 6 s deadline (+ one ssh try).
bash "$run_cluster" keygen 2>/dev/null
start=$SECONDS
LLMC_WORKERS=10.78.0.3 LLMC_WAIT_TIMEOUT=6 on a timeout 60 bash "$run_cluster" img "$(addr a)" --head "$model" \
  -- --port $port >"$tmp/missing.log" 2>&1
rc=$?
took=$((SECONDS - start))
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || [ "$took" -gt 25 ] ||
   ! grep -q "not answering on ssh port 2299 after 6 s: 10.78.0.3" "$tmp/missing.log"; then
  fail "missing worker: exit $rc after $took s:"; cat "$tmp/missing.log"
else
  echo "ok   missing worker: exit $rc after $took s: $(grep -o 'worker(s) not answering.*10.78.0.3' "$tmp/missing.log")"
fi

# Two nodes: worker on b, head on a; pp 2 over them.
# bash -c 'echo $$; exec ...': the signals below reach run_cluster.sh itself (cleanup bounds the run).
# shellcheck disable=SC2016
on b bash -c 'echo $$ >"$0"; exec bash "$@"' "$tmp/worker.pid" "$run_cluster" img "$(addr a)" --worker "$model" \
  >"$tmp/worker.log" 2>&1 &
# shellcheck disable=SC2016
LLMC_WORKERS=$(addr b) LLMC_WAIT_TIMEOUT=60 on a bash -c 'echo $$ >"$0"; exec bash "$@"' "$tmp/head.pid" \
  "$run_cluster" img "$(addr a)" --head "$model" -- --port $port --host 0.0.0.0 --threads 1 \
  --kv-cache-memory 0.125 --served-model-name fixture --shutdown-timeout 20 >"$tmp/head.log" 2>&1 &
head=$!
deadline=$((SECONDS + 120))
until on a curl -sf --max-time 2 "$url/health" >/dev/null 2>&1; do
  if ! kill -0 "$head" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
    fail "the head did not serve within 120 s:"; cat "$tmp/head.log" "$tmp/worker.log"; exit 1
  fi
  sleep 0.5
done
grep -q "^    $(addr b) slots=1" "$tmp/head.log" || fail "the hostfile does not list the worker"
grep -qE "^1 +worker 1 +llmc-node-b +$(addr b) " "$tmp/head.log" || fail "rank 1 is not on llmc-node-b over ssh"
grep -q -- "--network host --ipc host --ulimit memlock=-1:-1" "$tmp/docker.log" || fail "docker run lacks the defaults"
grep -q -- "-v $model:$model:ro" "$tmp/docker.log" || fail "the model is not mounted at its own path"
body='{"model": "fixture", "max_tokens": 8, "temperature": 0, "messages": [{"role": "user", "content": "Hello"}]}'
on a curl -sS --max-time 60 "$url/v1/chat/completions" -H 'Content-Type: application/json' -d "$body" >"$tmp/chat.json"
if grep -q '"completion_tokens":8' "$tmp/chat.json"; then
  echo "ok   head on llmc-node-a, worker on llmc-node-b over ssh: chat completion served"
  grep -E "^(rank  role|[0-9]+ +(head|worker))" "$tmp/head.log" | sed 's/^/       /'
else
  fail "the chat completion failed: $(head -c 300 "$tmp/chat.json")"
fi

# SIGTERM to the head's run_cluster.sh = docker stop: an in-flight stream finishes, exit 0.
body='{"model": "fixture", "prompt": "Hello", "max_tokens": 150, "ignore_eos": true, "stream": true}'
on a curl -sS -N --max-time 90 "$url/v1/completions" -H 'Content-Type: application/json' -d "$body" \
  >"$tmp/stream.txt" 2>&1 &
stream=$!
for _ in $(seq 1 300); do grep -qs '^data: {' "$tmp/stream.txt" && break; sleep 0.05; done
kill -TERM "$(cat "$tmp/head.pid")"
wait "$stream"
[ "$(tail -c 14 "$tmp/stream.txt" | od -An -c | tr -d ' \n')" = 'data:[DONE]\n\n' ] ||
  fail "the stream in flight at docker stop did not finish: $(tail -c 300 "$tmp/stream.txt")"
status=0
wait "$head" || status=$?
if [ "$status" -ne 0 ]; then fail "the head exited $status after docker stop:"; tail -20 "$tmp/head.log"
else echo "ok   docker stop on the head drained an in-flight stream and exited 0"; fi
kill -TERM "$(cat "$tmp/worker.pid")"
for _ in $(seq 1 100); do
  left=$(pids_in_hosts | tr '\n' ' ')
  [ -z "$left" ] && break
  sleep 0.1
done
if [ -n "$left" ]; then
  fail "processes left in the node namespaces: $left"; ps -o pid,args -p "${left// /,}" 2>/dev/null
else echo "ok   no process left on either node"; fi
if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
