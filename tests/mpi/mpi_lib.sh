# Shared by the MPI tests: an mpiexec that works as root on a small machine, and the reference prompts.
set -u
mpiexec_bin=$1 bin=$2 data=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Loopback TCP and shared memory only; no fabric probing on a CI machine.
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_pml=ob1 OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_mpi NP ARGS...: llm-cluster under mpiexec with a hard deadline.
run_mpi() {
  local np=$1
  shift
  timeout 240 "$mpiexec_bin" --oversubscribe -n "$np" "$bin" "$@"
}

# reference_requests MODEL > file: the reference prompts as greedy requests.
reference_requests() {
  python3 - "$data/models/$1/reference.json" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    print(json.dumps({"prompt_token_ids": c["prompt_ids"], "max_tokens": len(c["greedy_ids"]),
                      "temperature": 0, "ignore_eos": True}))
PY
}

# matches_reference MODEL OUT.jsonl: exit 0 when every greedy sequence equals transformers'.
matches_reference() {
  python3 - "$data/models/$1/reference.json" "$2" <<'PY'
import json, sys
ref = json.load(open(sys.argv[1]))["cases"]
out = [json.loads(l) for l in open(sys.argv[2])]
ok = len(out) == len(ref) and all(c["greedy_ids"] == o.get("token_ids") for c, o in zip(ref, out))
sys.exit(0 if ok else 1)
PY
}

rank_pid() {  # rank_pid RANK: the llm-cluster process of that MPI rank
  local pid
  for pid in $(pgrep -f "^$bin " || true); do
    if tr '\0' '\n' < /proc/"$pid"/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then echo "$pid"; return; fi
  done
}

finish() {
  if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
  echo "all checks passed"
}
