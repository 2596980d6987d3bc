#!/usr/bin/env bash
# Where a decode step's GPU time goes: Nsight Compute times every kernel of one decode step per batch size
# (bench_cuda_engine --profile), and this sums them by kernel name beside the step's wall time, so the gap
# between the two is launch overhead and host work. From the repository root, with the bundle sourced:
#   bash bench/gpu/profile_decode.sh [BATCHES] [CONTEXT]      e.g. 1,64,256 1024
set -euo pipefail
batches=${1:-1,64,256}
context=${2:-1024}
out=${OUT:-gpu-logs}
mkdir -p "$out"
# Clocks and caches as in a real run (ncu's defaults lock base clocks and flush caches between kernels).
ncu --profile-from-start off --clock-control none --cache-control none --metrics gpu__time_duration.sum --csv --print-units base \
  bench_cuda_engine --model bench/configs/llama-3.1-8b.json --dummy --prompt 1024 --batch "$batches" \
  --context "$context" --steps 8 --profile >"$out/ncu_decode.csv" 2>"$out/ncu_decode.err" || {
  tail -20 "$out/ncu_decode.err"; exit 1; }
python3 - "$out/ncu_decode.csv" "$batches" <<'PY'
import csv, io, sys, collections
text = open(sys.argv[1]).read()
table = [l for l in text.splitlines() if l.startswith('"')]
rows = list(csv.DictReader(io.StringIO("\n".join(table))))
batches = sys.argv[2].split(",")
# bench prints its table to stdout before ncu's CSV; kernels arrive in launch order, one step per batch.
steps, current, last_id = [], [], None
for r in rows:
    if r.get("Metric Name") != "gpu__time_duration.sum":
        continue
    current.append((r["Kernel Name"], float(r["Metric Value"].replace(",", "")) / 1e3))  # ns -> us
per_step = len(current) // len(batches)
for i, b in enumerate(batches):
    ks = current[i * per_step:(i + 1) * per_step]
    by = collections.defaultdict(lambda: [0, 0.0])
    for name, us in ks:
        short = name.replace("(anonymous namespace)::", "").replace("<unnamed>::", "").replace("void ", "")
        short = short.split("(")[0].split("<")[0]
        short = short.split("::")[-1][:60]
        by[short][0] += 1
        by[short][1] += us
    total = sum(us for _, us in ks)
    print(f"\nbatch {b}: {len(ks)} kernels, {total/1e3:.2f} ms of kernel time")
    for short, (n, us) in sorted(by.items(), key=lambda kv: -kv[1][1])[:12]:
        print(f"  {us/1e3:8.3f} ms {100*us/total:5.1f}%  x{n:<4} {short}")
PY
grep -E '^\| decode|^measured' "$out/ncu_decode.csv" || true
