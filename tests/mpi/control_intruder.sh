#!/usr/bin/env bash
# Strangers on the head's control-plane ports while a job runs: raw garbage, and a ZeroMQ peer without CURVE
# (a plain ZMTP 3.0 NULL greeting followed by a forged plan-sized frame) on both the plan and the result port.
# Each must be refused and logged by the head, and the job must finish with exactly the reference tokens.
. "$(dirname "$0")/mpi_lib.sh"
reference_requests llama > "$tmp/in.jsonl"
python3 -c '
import json
for i in range(4):
    print(json.dumps({"prompt_token_ids": [7 + i, 2, 3], "max_tokens": 1200, "ignore_eos": True}))
' >> "$tmp/in.jsonl"
run_mpi 2 generate "$data/models/llama" --tp 2 --input "$tmp/in.jsonl" --output "$tmp/out.jsonl" \
  --max-model-len 2048 >"$tmp/log" 2>&1 &
job=$!
endpoints=""
for _ in $(seq 1 300); do
  sleep 0.05
  endpoints=$(grep -m1 -oE 'plans on tcp://[0-9.]+:[0-9]+, results on tcp://[0-9.]+:[0-9]+' "$tmp/log" || true)
  [ -n "$endpoints" ] && break
done
if [ -z "$endpoints" ]; then
  echo "FAIL: no control-plane endpoints in the head's log"; cat "$tmp/log"; kill -9 "$job"; exit 1
fi
python3 - $(grep -oE '[0-9.]+:[0-9]+' <<<"$endpoints") <<'PY'
import socket, struct, sys, time
for endpoint in sys.argv[1:]:
    host, port = endpoint.rsplit(":", 1)
    # 1. not ZeroMQ at all
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)))
    time.sleep(0.2)
    s.close()
    # 2. ZeroMQ without CURVE: signature, version 3.0, mechanism NULL, as-server 0, filler; then a READY
    #    command and a frame shaped like a plan ("LLMC" magic, version 1, type 1).
    s = socket.create_connection((host, int(port)), timeout=5)
    greeting = b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00" + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31
    s.sendall(greeting)
    ready = b"\x05READY" + struct.pack(">B", 11) + b"Socket-Type" + struct.pack(">I", 4) + b"PUSH"
    s.sendall(b"\x04" + struct.pack(">B", len(ready)) + ready)
    forged = b"LLMC" + struct.pack("<HBiQI", 1, 1, 1, 1, 3) + b"\x00\x00\x00"
    s.sendall(b"\x00" + struct.pack(">B", len(forged)) + forged)
    time.sleep(0.3)
    s.close()
PY
rc=0
wait "$job" || rc=$?
refusals=$(grep -c "control plane: refused a connection" "$tmp/log" || true)
if [ "$rc" -ne 0 ]; then
  echo "FAIL: the job failed (exit $rc)"; tail -20 "$tmp/log"; failures=$((failures + 1))
elif [ "$refusals" -ne 4 ]; then
  echo "FAIL: expected 4 refusals logged (2 ports x 2 intruders), found $refusals:"; grep "control plane" "$tmp/log"
  failures=$((failures + 1))
elif ! python3 - "$data/models/llama/reference.json" "$tmp/out.jsonl" <<'PY'
import json, sys
ref = json.load(open(sys.argv[1]))["cases"]
out = [json.loads(l) for l in open(sys.argv[2])]
assert len(out) == len(ref) + 4
assert all(c["greedy_ids"] == o["token_ids"] for c, o in zip(ref, out)), "tokens differ"
assert all(len(o["token_ids"]) == 1200 for o in out[len(ref):])
PY
then
  echo "FAIL: the results differ from the reference"; failures=$((failures + 1))
else
  echo "ok   $refusals intruder connections refused and logged; results equal the reference"
  grep "control plane: refused" "$tmp/log" | sed "s/^/     /"
fi
finish
