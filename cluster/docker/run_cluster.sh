#!/usr/bin/env bash
# run_cluster.sh IMAGE HEAD_ADDRESS --head|--worker MODEL_DIR [docker run args...] [-- llm-cluster args...]
#
# llm-cluster in Docker on bare-metal GPU nodes, without Ray. On each worker node first:
#   LLMC_SSH_DIR=~/.llm-cluster/ssh run_cluster.sh IMAGE 10.0.0.1 --worker /models/Llama-3.1-70B
# then on the head node (10.0.0.1):
#   LLMC_WORKERS=10.0.0.2 run_cluster.sh IMAGE 10.0.0.1 --head /models/Llama-3.1-70B -- --ifname ib0
# A worker's container runs sshd on LLMC_SSH_PORT (2222) and waits. The head's container waits until every
# worker in LLMC_WORKERS answers over ssh (LLMC_WAIT_TIMEOUT, 300 s; it names the missing ones), writes the
# hostfile (LLMC_SLOTS ranks per node, default one per GPU) and runs mpirun -> llm-cluster serve MODEL_DIR with
# --tp <ranks per node> --pp <nodes> --host-ip HEAD_ADDRESS unless the arguments say otherwise.
# The cluster's ssh key: LLMC_SSH_DIR (default ~/.llm-cluster/ssh) holds id_ed25519; the head creates a fresh
# one there when there is none (`run_cluster.sh keygen` makes a new one): copy that folder to every worker.
# Defaults against known failures: --network host, --ipc host, --gpus all (LLMC_GPUS=none: no GPUs),
# unlimited memlock and a large stack, /dev/infiniband with IPC_LOCK when the node has it, the model and the
# key mounted at the same path everywhere, NCCL_*/UCX_* and LLMC_MPI_IF passed through. `docker stop` on the
# head (or Ctrl-C here) drains the server: in-flight streams finish within --shutdown-timeout.
set -uo pipefail
me=run_cluster.sh
die() { echo "$me: $*" >&2; exit 2; }
keydir=${LLMC_SSH_DIR:-$HOME/.llm-cluster/ssh}
docker=${LLMC_DOCKER:-docker}

keygen() {
  mkdir -p "$keydir" && chmod 700 "$keydir"
  rm -f "$keydir/id_ed25519" "$keydir/id_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C llm-cluster -f "$keydir/id_ed25519" || die "ssh-keygen failed"
  echo "$me: new cluster key in $keydir: copy this folder to every worker node" >&2
}
if [ "${1:-}" = keygen ]; then keygen; exit 0; fi
[ $# -ge 4 ] || die "usage: $me IMAGE HEAD_ADDRESS --head|--worker MODEL_DIR [docker args...] [-- llm-cluster args...]"
image=$1 head=$2 role=$3 model=$4
shift 4
case $role in --head) role="head" ;; --worker) role="worker" ;; *) die "the third argument is --head or --worker, not '$role'" ;; esac
docker_args=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do docker_args+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
model=$(cd "$model" 2>/dev/null && pwd) || die "no model folder '$4' here (mount it at the same path on every node)"
[ -f "$model/config.json" ] || die "no config.json in $model"

if [ ! -f "$keydir/id_ed25519" ]; then
  [ "$role" = head ] || die "no cluster key in $keydir: copy the head's $keydir here (or set LLMC_SSH_DIR)"
  keygen
fi
keydir=$(cd "$keydir" && pwd)

name=${LLMC_CONTAINER_NAME:-llmc-$role}
run=(run --rm --name "$name" --network host --ipc host --ulimit memlock=-1:-1 --ulimit stack=67108864
     --stop-timeout "${LLMC_STOP_TIMEOUT:-60}" -v "$model:$model:ro" -v "$keydir:$keydir:ro")
[ "${LLMC_GPUS:-all}" = none ] || run+=(--gpus "${LLMC_GPUS:-all}")
[ -d /dev/infiniband ] && run+=(--device /dev/infiniband --cap-add IPC_LOCK)
for v in LLMC_SSH_PORT LLMC_WORKERS LLMC_SLOTS LLMC_WAIT_TIMEOUT LLMC_MPI_IF $(compgen -e | grep -E '^(NCCL_|UCX_)'); do
  [ -n "${!v:-}" ] && run+=(-e "$v=${!v}")
done
run+=(-e "LLMC_SSH_DIR=$keydir" -e "LLMC_HEAD_ADDRESS=$head" "${docker_args[@]}" "$image")
if [ "$role" = head ]; then
  [ -n "${LLMC_WORKERS:-}" ] || echo "$me: LLMC_WORKERS is empty: a one-node cluster" >&2
  run+=(head "$model" "$@")
else
  run+=(worker)
fi

# Ctrl-C or SIGTERM here: docker stop (SIGTERM to the entrypoint, which drains); the container goes on exit.
stopping=0
# shellcheck disable=SC2317  # reached through the trap
stop() { stopping=1; echo "$me: stopping $name (draining)" >&2; "$docker" stop "$name" >/dev/null 2>&1; }
# shellcheck disable=SC2317
cleanup() { "$docker" rm -f "$name" >/dev/null 2>&1; }
trap stop INT TERM
trap cleanup EXIT
echo "$me: $docker ${run[*]}" >&2
"$docker" "${run[@]}" &
pid=$!
# wait returns early (128+n) when a trapped signal arrives; the last wait gives the exit status.
while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done
wait "$pid"
status=$?
[ "$stopping" = 1 ] && echo "$me: $name stopped (status $status)" >&2
exit "$status"
