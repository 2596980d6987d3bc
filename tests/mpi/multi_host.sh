#!/usr/bin/env bash
# Several hosts on one machine: each "host" is a network namespace with its own hostname and sshd, all joined
# through veth pairs to a bridge in a switch namespace. mpirun, started on the first host, reaches the others
# over ssh as on a real cluster, so the control plane (ZeroMQ) and MPI can only talk across the veth links.
# Checks: a pipeline split over two hosts, and a dedicated head over three, give transformers' greedy tokens and
# the startup table shows each rank's own host and test-subnet address; a loopback head address fails fast
# with one clear message; a head address the workers have no route to, or a route that leads nowhere, fails
# with a message naming the ranks (the latter within --handshake-timeout). After every run no rank is left.
# Exits 77 (ctest: skipped) without root, network namespaces, sshd or Open MPI. Everything it makes
# (namespaces, links, sshd processes, keys) lives in its own namespaces or temp dir and is removed on exit.
. "$(dirname "$0")/mpi_lib.sh"
unset OMPI_MCA_btl_tcp_if_include OMPI_MCA_oob_tcp_if_include  # mpi_lib's loopback-only choice
net=10.77.0.0/24     # the test subnet: host a is 10.77.0.1, b .2, c .3
lonely=10.77.1.1     # an address of host a that no other host can reach
tag=llmc$$
made=()              # namespaces to delete

skip() { echo "SKIP: $*"; exit 77; }
ns() { echo "$tag$1"; }
addr() { case $1 in a) echo 10.77.0.1 ;; b) echo 10.77.0.2 ;; c) echo 10.77.0.3 ;; esac; }

# Processes still alive in our namespaces, optionally only those named in $1 (a regex on /proc/PID/comm).
pids_in_hosts() {
  local n pid
  for n in "${made[@]}"; do
    for pid in $(ip netns pids "$n" 2>/dev/null); do
      grep -qxE "${1:-.*}" "/proc/$pid/comm" 2>/dev/null && echo "$pid"
    done
  done
}

cleanup() {
  local pids n
  pids=$(pids_in_hosts)
  if [ -n "$pids" ]; then
    kill $pids 2>/dev/null
    for _ in $(seq 1 20); do [ -z "$(pids_in_hosts)" ] && break; sleep 0.1; done
    pids=$(pids_in_hosts)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  fi
  for n in "${made[@]}"; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
# Namespaces of earlier runs that were killed before their trap ran (ctest's timeout kills with SIGKILL).
for stale in $(ip netns list 2>/dev/null | grep -oE '^llmc[0-9]+[sabc]\b'); do
  owner=${stale//[!0-9]/}
  kill -0 "$owner" 2>/dev/null && continue
  pids=$(ip netns pids "$stale" 2>/dev/null)
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  ip netns del "$stale" 2>/dev/null
done
for tool in ip unshare ssh ssh-keygen; do command -v "$tool" >/dev/null || skip "$tool is missing"; done
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || skip "sshd is missing (Debian package openssh-server)"
"$mpiexec_bin" --version 2>&1 | grep -qE "Open MPI|OpenRTE" || skip "$mpiexec_bin is not Open MPI"
orted=$(dirname "$(readlink -f "$mpiexec_bin")")/orted
[ -x "$orted" ] || orted=orted

# The network: a bridge in the switch namespace, one veth per host.
ip netns add "$(ns s)" 2>/dev/null || skip "cannot create a network namespace (needs CAP_SYS_ADMIN)"
made+=("$(ns s)")
ip -n "$(ns s)" link add br0 type bridge 2>/dev/null || skip "this kernel cannot make a bridge"
ip -n "$(ns s)" link set br0 up
for h in a b c; do
  ip netns add "$(ns $h)" && made+=("$(ns $h)") || skip "cannot create a network namespace"
  ip link add name llmc0 netns "$(ns $h)" type veth peer name port$h netns "$(ns s)" 2>/dev/null ||
    skip "this kernel cannot make a veth pair"
  ip -n "$(ns s)" link set port$h master br0 up
  ip -n "$(ns $h)" addr add "$(addr $h)/24" dev llmc0
  ip -n "$(ns $h)" link set lo up
  ip -n "$(ns $h)" link set llmc0 up
done
# Host a's second network leads nowhere: a veth pair with both ends in host a.
ip -n "$(ns a)" link add llmcx type veth peer name llmcy
ip -n "$(ns a)" addr add "$lonely/24" dev llmcx
ip -n "$(ns a)" link set llmcy up
ip -n "$(ns a)" link set llmcx up

# Throwaway keys; each sshd gets its hostname and a private /run (for its privilege-separation directory).
ssh-keygen -q -t ed25519 -N '' -C llmc-test -f "$tmp/host_key"
ssh-keygen -q -t ed25519 -N '' -C llmc-test -f "$tmp/client_key"
cp "$tmp/client_key.pub" "$tmp/authorized_keys"
rsh="ssh -F /dev/null -i $tmp/client_key -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
-o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR"

# on_host H CMD...: CMD in host H's network namespace under host H's hostname.
on_host() {
  local h=$1
  shift
  ip netns exec "$(ns "$h")" unshare --uts sh -c 'echo "$0" > /proc/sys/kernel/hostname && exec "$@"' \
    "llmc-host-$h" "$@"
}

for h in a b c; do
  ip netns exec "$(ns $h)" unshare --uts --mount sh -c \
    'echo "$0" > /proc/sys/kernel/hostname && mount -t tmpfs -o mode=755 llmc-run /run && mkdir -m 755 /run/sshd &&
     exec "$@"' "llmc-host-$h" "$sshd" -D -e -f /dev/null -o ListenAddress="$(addr $h)" -o HostKey="$tmp/host_key" \
    -o AuthorizedKeysFile="$tmp/authorized_keys" -o PermitRootLogin=prohibit-password -o PasswordAuthentication=no \
    -o KbdInteractiveAuthentication=no -o UsePAM=no -o StrictModes=no -o PidFile=none -o UseDNS=no \
    >"$tmp/sshd_$h.log" 2>&1 &
done
for h in a b c; do
  for _ in $(seq 1 100); do grep -qs "Server listening" "$tmp/sshd_$h.log" && break; sleep 0.1; done
  seen=$(on_host a timeout 15 $rsh "$(addr $h)" cat /proc/sys/kernel/hostname 2>"$tmp/ssh.err")
  if [ "$seen" != "llmc-host-$h" ]; then
    echo "FAIL: ssh to host $h ($(addr $h)) answered '$seen':"; cat "$tmp/ssh.err" "$tmp/sshd_$h.log"; exit 1
  fi
done
echo "ok   three hosts up: ssh reaches llmc-host-a/b/c at $(addr a), $(addr b), $(addr c)"

reference_requests llama > "$tmp/in.jsonl"
forward=(-x OMPI_ALLOW_RUN_AS_ROOT=1 -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 -x PATH)
[ -n "${LD_LIBRARY_PATH:-}" ] && forward+=(-x LD_LIBRARY_PATH)

# cluster_run LIMIT_S HOSTS ARGS...: llm-cluster generate on the llama fixture, one rank per host in HOSTS
# (letters, rank order), mpirun on host a. --threads 1: every "host" sees all of this machine's cores, so ranks
# left to their default would each start a thread per core and fight over them.
cluster_run() {
  local limit=$1 hosts=$2 list="" h
  shift 2
  for h in $hosts; do list+=${list:+,}$(addr "$h"); done
  on_host a timeout -k 5 "$limit" "$mpiexec_bin" -n "$(wc -w <<<"$hosts")" --host "$list" \
    --mca plm_rsh_agent "$rsh" --mca orte_launch_agent "$orted" --mca oob_tcp_if_include "$net" \
    --mca btl_tcp_if_include "$net" --mca btl self,vader,tcp --mca pml ob1 "${forward[@]}" \
    "$bin" generate "$data/models/llama" --input "$tmp/in.jsonl" --output "$tmp/out.jsonl" \
    --kv-cache-memory 0.125 --threads 1 "$@"
}

# The job's processes must all be gone within 5 s of mpirun's exit; leftovers are reported and killed.
ranks_left() {
  local left=""
  for _ in $(seq 1 50); do
    left=$(pids_in_hosts 'llm-cluster|orted|mpirun|mpiexec|ssh')
    [ -z "$left" ] && break
    sleep 0.1
  done
  [ -n "$left" ] && kill -9 $left 2>/dev/null
  wc -w <<<"$left"
}

# expect_tokens NAME HOSTS ARGS...: greedy tokens equal the reference, each rank's table row shows its host,
# its host's test-subnet address and llmc0.
expect_tokens() {
  local name=$1 hosts=$2 rc=0 start problem="" r=0 h left
  shift 2
  rm -f "$tmp/out.jsonl"
  start=$(date +%s)
  cluster_run 60 "$hosts" "$@" >"$tmp/log" 2>&1 || rc=$?
  local took=$(( $(date +%s) - start ))
  if [ "$rc" -ne 0 ]; then
    problem="exit code $rc"
  elif ! matches_reference llama "$tmp/out.jsonl"; then
    problem="tokens differ from the reference"
  fi
  for h in $hosts; do
    grep -qE "^$r +.+ llmc-host-$h +$(addr "$h" | sed 's/\./\\./g') +llmc0 " "$tmp/log" ||
      problem+="${problem:+; }the table does not show rank $r on llmc-host-$h at $(addr "$h") over llmc0"
    r=$((r + 1))
  done
  left=$(ranks_left)
  [ "$left" -ne 0 ] && problem+="${problem:+; }$left process(es) left running"
  if [ -n "$problem" ]; then
    echo "FAIL $name: $problem"; cat "$tmp/log"; failures=$((failures + 1))
  else
    echo "ok   $name ($took s): tokens equal the reference; table:"
    grep -E "^(rank  role|[0-9]+ +(head|worker))" "$tmp/log" | sed 's/^/       /'
  fi
}

# expect_failure NAME HOSTS MAX_S PATTERN ARGS...: non-zero exit (not the timeout) within MAX_S seconds,
# exactly one output line matching the extended regex PATTERN, no process left.
expect_failure() {
  local name=$1 hosts=$2 max=$3 pattern=$4 rc=0 start problem="" count left
  shift 4
  start=$(date +%s)
  cluster_run $((max + 20)) "$hosts" "$@" >"$tmp/log" 2>&1 || rc=$?
  local took=$(( $(date +%s) - start ))
  count=$(grep -cE -- "$pattern" "$tmp/log")
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then problem="exit code $rc"; fi
  [ "$took" -gt "$max" ] && problem+="${problem:+; }took $took s (limit $max s)"
  [ "$count" -ne 1 ] && problem+="${problem:+; }expected one line matching '$pattern', found $count"
  left=$(ranks_left)
  [ "$left" -ne 0 ] && problem+="${problem:+; }$left process(es) left running"
  if [ -n "$problem" ]; then
    echo "FAIL $name: $problem:"; cat "$tmp/log"; failures=$((failures + 1))
  else
    echo "ok   $name (exit $rc after $took s): $(grep -E -- "$pattern" "$tmp/log")"
  fi
}

expect_tokens "pp=2 over two hosts, head beside worker 0, --ifname llmc0" "a b" --pp 2 --ifname llmc0
expect_tokens "pp=2 over three hosts, dedicated head, --host-ip $(addr a)" "a b c" --pp 2 --host-ip "$(addr a)"
expect_failure "loopback head address with a remote rank" "a b" 20 "is a loopback address" --pp 2 --ifname lo
expect_failure "head address without a route from the workers" "a b" 20 "rank 1: no route from llmc-host-b" \
  --pp 2 --host-ip "$lonely" --handshake-timeout 10
# Now the workers route it through a gateway that does not exist: they connect into the void.
ip -n "$(ns b)" route add "${lonely%.*}.0/24" via 10.77.0.254
ip -n "$(ns c)" route add "${lonely%.*}.0/24" via 10.77.0.254
expect_failure "head address the workers route into the void" "a b c" 25 "rank\(s\) 1, 2 .*did not connect" \
  --pp 2 --host-ip "$lonely" --handshake-timeout 10
finish
