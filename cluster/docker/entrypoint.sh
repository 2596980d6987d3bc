#!/usr/bin/env bash
# The container's entrypoint (run_cluster.sh sets its environment; see there).
#   entrypoint.sh worker              sshd on $LLMC_SSH_PORT admitting the cluster's key; waits for mpirun.
#   entrypoint.sh head MODEL ARGS...  waits for every worker's sshd ($LLMC_WORKERS, deadline $LLMC_WAIT_TIMEOUT),
#                                     writes the hostfile and runs mpirun -> llm-cluster serve MODEL ARGS.
# docker stop sends SIGTERM here; it becomes SIGUSR1 to mpirun, which forwards it and on which the head drains
# (mpirun's own SIGTERM would kill the job). Env: LLMC_SSH_DIR (id_ed25519 + .pub), LLMC_SSH_PORT (2222),
# LLMC_HEAD_ADDRESS, LLMC_WORKERS (comma-separated addresses), LLMC_SLOTS (ranks per node; default: GPUs seen
# by nvidia-smi, else 1), LLMC_WAIT_TIMEOUT (300 s), LLMC_BIN (llm-cluster on PATH).
set -uo pipefail
role=${1:-}
shift || true
port=${LLMC_SSH_PORT:-2222}
keydir=${LLMC_SSH_DIR:?LLMC_SSH_DIR is not set}
work=$(mktemp -d /tmp/llmc-entry.XXXXXX)
say() { echo "run_cluster [$role $(hostname)]: $*" >&2; }

sshd_bin=$(command -v sshd || echo /usr/sbin/sshd)
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
cp "$keydir/id_ed25519.pub" "$work/authorized_keys"
mkdir -p /run/sshd
"$sshd_bin" -D -e -f /dev/null -o Port="$port" -o HostKey="$work/host_key" \
  -o AuthorizedKeysFile="$work/authorized_keys" -o PermitRootLogin=prohibit-password \
  -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o UsePAM=no -o StrictModes=no \
  -o PidFile=none -o UseDNS=no -o PermitUserEnvironment=no -o AcceptEnv='OMPI_* NCCL_* LLMC_*' \
  2>"$work/sshd.log" &
sshd_pid=$!

# shellcheck disable=SC2317  # reached through the trap
cleanup() { kill "$sshd_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

if [ "$role" = worker ]; then
  say "sshd on port $port; waiting for mpirun from the head ${LLMC_HEAD_ADDRESS:-}"
  trap 'say "stopping"; exit 0' TERM INT
  wait "$sshd_pid"
  exit $?
fi
[ "$role" = head ] || { say "usage: entrypoint.sh worker | head MODEL [args]"; exit 2; }
model=${1:?MODEL_DIR missing}
shift

rsh="ssh -F /dev/null -p $port -i $keydir/id_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes \
-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR"
IFS=, read -ra workers <<<"${LLMC_WORKERS:-}"
deadline=$((SECONDS + ${LLMC_WAIT_TIMEOUT:-300}))
missing=("${workers[@]}")
while [ ${#missing[@]} -gt 0 ]; do
  still=()
  for w in "${missing[@]}"; do
    # shellcheck disable=SC2086  # rsh is a command line
    timeout 10 $rsh "$w" true </dev/null 2>/dev/null || still+=("$w")
  done
  missing=("${still[@]}")
  [ ${#missing[@]} -eq 0 ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "worker(s) not answering on ssh port $port after ${LLMC_WAIT_TIMEOUT:-300} s: ${missing[*]}" \
        "(start them with run_cluster.sh IMAGE ${LLMC_HEAD_ADDRESS:-HEAD} --worker MODEL, same LLMC_SSH_PORT and key)"
    exit 3
  fi
  sleep 1
done

slots=${LLMC_SLOTS:-$(nvidia-smi -L 2>/dev/null | grep -c '^GPU')}
[ "${slots:-0}" -gt 0 ] || slots=1
{
  echo "${LLMC_HEAD_ADDRESS:-localhost} slots=$slots"
  for w in "${workers[@]}"; do echo "$w slots=$slots"; done
} >"$work/hostfile"
nodes=$((${#workers[@]} + 1))
say "all ${#workers[@]} worker(s) answer; hostfile:"; sed 's/^/    /' "$work/hostfile" >&2

args=("$@")
has_arg() { local a; for a in "${args[@]}"; do case $a in "$1" | "$1="*) return 0 ;; esac; done; return 1; }
extra=()
has_arg --tp || extra+=(--tp "$slots")
has_arg --pp || extra+=(--pp "$nodes")
if ! has_arg --host-ip && ! has_arg --ifname && [ -n "${LLMC_HEAD_ADDRESS:-}" ]; then
  extra+=(--host-ip "$LLMC_HEAD_ADDRESS")
fi
drain=30
for ((i = 0; i < ${#args[@]}; i++)); do [ "${args[i]}" = --shutdown-timeout ] && drain=${args[i + 1]:-30}; done

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
forward=(-x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM -x PATH)
[ -n "${LD_LIBRARY_PATH:-}" ] && forward+=(-x LD_LIBRARY_PATH)
for v in $(compgen -e | grep -E '^(NCCL_|UCX_)'); do forward+=(-x "$v"); done
tcp_if=()
[ -n "${LLMC_MPI_IF:-}" ] && tcp_if=(--mca oob_tcp_if_include "$LLMC_MPI_IF" --mca btl_tcp_if_include "$LLMC_MPI_IF")
bin=${LLMC_BIN:-$(command -v llm-cluster)}
cmd=(mpirun -n "$((slots * nodes))" --hostfile "$work/hostfile" --mca plm_rsh_agent "$rsh"
     --mca orte_launch_agent "$(command -v orted || echo orted)" --mca odls_base_sigkill_timeout "$((drain + 10))"
     "${tcp_if[@]}" "${forward[@]}" "$bin" serve "$model" "${extra[@]}" "${args[@]}")
say "${cmd[*]}"
"${cmd[@]}" &
mpirun_pid=$!
# shellcheck disable=SC2317  # reached through the trap
stop() { say "stop signal: draining (SIGUSR1 to mpirun)"; kill -USR1 "$mpirun_pid" 2>/dev/null; }
trap stop TERM INT
# wait returns early (128+n) when a trapped signal arrives; the last wait gives the exit status.
while kill -0 "$mpirun_pid" 2>/dev/null; do wait "$mpirun_pid"; done
wait "$mpirun_pid"
status=$?
say "mpirun exited with status $status"
exit "$status"
