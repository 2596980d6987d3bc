#!/usr/bin/env bash
# `llm-cluster doctor` under mpirun: every link of a 2x2 layout measured at every size, with numbers that
# make sense; --device cuda on a machine without a usable GPU is a clear error, not a hang.
. "$(dirname "$0")/mpi_lib.sh"

rc=0
run_mpi 4 doctor "$data/models/llama" --tp 2 --pp 2 >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "FAIL doctor exited $rc"; cat "$tmp/out" "$tmp/err"; failures=$((failures + 1))
elif python3 - "$tmp/out" <<'PY'
import re, sys
rows = [l.split() for l in open(sys.argv[1]) if re.match(r"^(all-reduce|stage \d)", l)]
want = set()
for size in ("4", "256", "4096", "32768"):
    for stage in (0, 1):
        want.add(("all-reduce", stage, size))
    for tp in (0, 1):
        want.add(("pipeline", tp, size))
seen = set()
for r in rows:
    line = " ".join(r)
    m = re.match(r"all-reduce, stage (\d) tp group MPI (\d+) KiB ([\d.]+) us ([\d.]+) GB/s", line) or \
        re.match(r"stage 0 <-> 1 \(tp rank (\d)\) MPI (\d+) KiB ([\d.]+) us ([\d.]+) GB/s", line)
    assert m, f"unexpected row: {line}"
    kind = "all-reduce" if line.startswith("all-reduce") else "pipeline"
    latency, bandwidth = float(m.group(3)), float(m.group(4))
    size = int(m.group(2)) * 1024
    # bandwidth is bytes / latency: the two columns must agree to their printed precision (latency to 0.1 us,
    # which at a few microseconds is itself a few percent; bandwidth to 3 decimals)
    slack = 0.01 + 0.05 / latency if latency > 0 else 0
    assert latency > 0 and abs(bandwidth - size / (latency * 1e-6) / 1e9) <= slack * bandwidth + 0.002, line
    seen.add((kind, int(m.group(1)), m.group(2)))
assert seen == want, f"missing {sorted(want - seen)}, extra {sorted(seen - want)}"
PY
then echo "ok   doctor: 16 links measured (2 tp groups, 2 pipeline links, 4 sizes)"
else echo "FAIL doctor table:"; cat "$tmp/out"; failures=$((failures + 1)); fi

# No GPU on this machine (or a build without CUDA): one clear line, quickly.
rc=0
start=$(date +%s)
run_mpi 2 doctor "$data/models/llama" --tp 2 --device cuda >"$tmp/out" 2>&1 || rc=$?
if nvidia-smi -L >/dev/null 2>&1; then
  echo "ok   doctor --device cuda: a GPU machine, not checked here (tests/gpu covers it)"
elif [ "$rc" -ne 0 ] && grep -q -- "--device cuda: " "$tmp/out" && [ $(( $(date +%s) - start )) -lt 60 ]; then
  echo "ok   doctor --device cuda without a GPU: $(grep -m1 -- '--device cuda: ' "$tmp/out")"
else
  echo "FAIL doctor --device cuda without a GPU (exit $rc):"; cat "$tmp/out"; failures=$((failures + 1))
fi
finish
