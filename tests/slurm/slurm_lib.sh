# shellcheck shell=bash
# Sourced by the Slurm tests: a single-node Slurm cluster of our own (munged, slurmctld, slurmd from Debian's
# packages slurmctld, slurmd, slurm-client, munge) configured in a temp dir, on free ports, with its own munge
# key and socket, so it touches nothing of the machine's. No cgroups: proctrack/linuxproc tracks a job's
# processes by their parentage, task/none binds nothing, so it runs in containers too.
# slurm_start DIR: starts the cluster (exports SLURM_CONF) or calls skip with the reason; slurm_stop: kills
# the daemons this shell started (by pid) and waits for them.
slurm_pids=()

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

slurm_stop() {
  local pid
  for pid in "${slurm_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${slurm_pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${slurm_pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  slurm_pids=()
}

# slurm_logs: the daemons' logs, for a failure or skip message.
slurm_logs() {
  local f
  for f in "$slurm_dir"/munged.log "$slurm_dir"/slurmctld.log "$slurm_dir"/slurmd.log; do
    [ -s "$f" ] && { echo "--- $f (last 20 lines)"; tail -n 20 "$f"; }
  done
}

# Daemons of earlier runs killed before their cleanup ran (ctest's SIGKILL): each run's dir is
# /tmp/llmc-slurm.<test pid>.*; where that pid is gone, the daemons it lists (checked to be ours by their
# command line naming the dir) are killed and the dir removed.
# Pids of the processes whose environment says SLURM_CONF=$1.
slurm_conf_users() {
  local f pid
  for f in /proc/[0-9]*/environ; do
    pid=${f#/proc/}
    pid=${pid%/environ}
    [ "$pid" = $$ ] && continue
    { tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qxF "SLURM_CONF=$1" && echo "$pid"
  done
}

slurm_reap_stale() {
  local d owner pid pids
  for d in /tmp/llmc-slurm.*; do
    [ -d "$d" ] || continue
    owner=${d#/tmp/llmc-slurm.}
    owner=${owner%%.*}
    kill -0 "$owner" 2>/dev/null && continue
    pids=()
    read -ra pids <"$d/slurm/daemons.pids" 2>/dev/null
    for pid in "${pids[@]}"; do
      { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$d" && kill -9 "$pid" 2>/dev/null
    done
    # Its jobs' processes (slurmstepd, launchers, ranks) carry its SLURM_CONF in their environment.
    for pid in $(slurm_conf_users "$d/slurm/slurm.conf"); do kill -9 "$pid" 2>/dev/null; done
    rm -rf "$d"
  done
}

slurm_start() {
  slurm_dir=$1
  slurm_reap_stale
  local tool
  for tool in munged slurmctld slurmd sbatch srun squeue scontrol scancel sinfo python3; do
    command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null 2>&1 ||
      skip "$tool is missing (Debian packages munge, slurmctld, slurmd, slurm-client)"
  done
  export PATH=$PATH:/usr/sbin
  [ "$(id -u)" -eq 0 ] || skip "a private Slurm cluster needs root here (slurmd runs jobs as their user)"
  mkdir -p "$slurm_dir"/{ctld,spool,munge}
  chmod 700 "$slurm_dir/munge"
  head -c 1024 /dev/urandom >"$slurm_dir/munge/munge.key"
  chmod 400 "$slurm_dir/munge/munge.key"
  local sock=$slurm_dir/munge/munge.sock
  # --force: munged's directory checks reject a key under /tmp (world-writable sticky parent).
  timeout 20 munged --force --socket="$sock" --key-file="$slurm_dir/munge/munge.key" \
    --pid-file="$slurm_dir/munge/munged.pid" --log-file="$slurm_dir/munged.log" \
    --seed-file="$slurm_dir/munge/munged.seed" >"$slurm_dir/munged.out" 2>&1 ||
    { cat "$slurm_dir/munged.out"; skip "munged does not start here"; }
  slurm_pids+=("$(cat "$slurm_dir/munge/munged.pid")")
  echo "${slurm_pids[@]}" >"$slurm_dir/daemons.pids"
  local ctld_port slurmd_port node cpus
  ctld_port=$(free_port)
  slurmd_port=$(free_port)
  node=llmcnode
  # config_overrides: the node offers the CPUs written here whatever the machine has, so 2 tasks fit on CI's
  # 2 cores next to each other job.
  cpus=4
  export SLURM_CONF=$slurm_dir/slurm.conf
  cat >"$SLURM_CONF" <<CONF
ClusterName=llmctest
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$slurm_dir/ctld
SlurmdSpoolDir=$slurm_dir/spool/%n
SlurmctldPidFile=$slurm_dir/slurmctld.pid
SlurmdPidFile=$slurm_dir/slurmd.pid
SlurmctldLogFile=$slurm_dir/slurmctld.log
SlurmdLogFile=$slurm_dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
KillWait=30
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
NodeName=$node NodeHostname=$(hostname -s) NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
  slurmctld -D -i -f "$SLURM_CONF" >"$slurm_dir/slurmctld.out" 2>&1 &
  slurm_pids+=("$!")
  slurmd -D -f "$SLURM_CONF" -N "$node" >"$slurm_dir/slurmd.out" 2>&1 &
  slurm_pids+=("$!")
  echo "${slurm_pids[@]}" >"$slurm_dir/daemons.pids"
  local state=""
  for _ in $(seq 1 60); do
    state=$(timeout 5 sinfo -h -N -n "$node" -o '%T' 2>/dev/null)
    [ "$state" = idle ] && break
    sleep 0.5
  done
  if [ "$state" != idle ]; then
    slurm_logs
    cat "$slurm_dir"/slurmctld.out "$slurm_dir"/slurmd.out 2>/dev/null | tail -n 20
    skip "the private Slurm cluster did not come up within 30 s (node state '${state:-none}')"
  fi
}
