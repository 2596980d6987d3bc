#!/usr/bin/env bash
# Impossible layouts and unusable addresses: a prompt non-zero exit, the reason printed once.
. "$(dirname "$0")/mpi_lib.sh"
echo '{"prompt_token_ids": [1, 2, 3], "max_tokens": 2}' > "$tmp/in.jsonl"

# expect_topology_error NAME NP EXPECTED ARGS...
expect_topology_error() {
  local name=$1 np=$2 expected=$3
  shift 3
  local start rc=0
  start=$(date +%s)
  run_mpi "$np" generate "$data/models/llama" --input "$tmp/in.jsonl" --output "$tmp/out.jsonl" "$@" \
    >"$tmp/log" 2>&1 || rc=$?
  local took=$(( $(date +%s) - start ))
  local count
  count=$(grep -cF -- "$expected" "$tmp/log" || true)
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
    echo "FAIL $name: exit code $rc"; cat "$tmp/log"; failures=$((failures + 1))
  elif [ "$count" -ne 1 ]; then
    echo "FAIL $name: expected '$expected' once, found it $count times:"; cat "$tmp/log"; failures=$((failures + 1))
  elif [ "$took" -gt 30 ]; then
    echo "FAIL $name: took $took s"; failures=$((failures + 1))
  else
    echo "ok   $name ($took s): $(grep -F -- "$expected" "$tmp/log")"
  fi
}

expect_topology_error wrong-world-size 3 "needs 4 ranks (head beside worker 0) or 5 (dedicated head), but mpirun started 3" --tp 2 --pp 2
expect_topology_error tp-does-not-divide-heads 3 "--tp 3 does not divide the model's 4 attention heads" --tp 3
expect_topology_error too-many-stages 5 "--pp 5 exceeds the model's 4 layers" --pp 5
expect_topology_error bad-partition 2 "--pp-layer-partition sums to 5 layers but the model has 4" --pp 2 --pp-layer-partition 2,3
expect_topology_error unknown-interface 2 "--ifname nosuch0: no such interface" --tp 2 --ifname nosuch0
expect_topology_error foreign-host-ip 2 "--host-ip 192.0.2.77 is not an address of this host" --tp 2 --host-ip 192.0.2.77

# Mixed machines: config.json missing on rank 1 only (a wrapper points that rank at another folder). The job
# must end at once with that rank and host named, not leave the head waiting in a collective.
cat > "$tmp/rank_wrapper.sh" <<SH
#!/usr/bin/env bash
model="$data/models/llama"
[ "\${OMPI_COMM_WORLD_RANK:-0}" = 1 ] && model="$tmp/absent_on_rank1"
exec "$bin" generate "\$model" --tp 2 --input "$tmp/in.jsonl" --output "$tmp/out.jsonl"
SH
chmod +x "$tmp/rank_wrapper.sh"
bin_saved=$bin; bin=$tmp/rank_wrapper.sh
expect_topology_error config-missing-on-one-rank 2 "rank 1 ($(hostname)): $tmp/absent_on_rank1/config.json: cannot open"
bin=$bin_saved
finish
