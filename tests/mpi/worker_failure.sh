#!/usr/bin/env bash
# kill -9 of a worker in the middle of generation: the head fails the requests and exits non-zero within
# 10 seconds, mpirun tears the job down, and no rank is left running.
. "$(dirname "$0")/mpi_lib.sh"
python3 -c '
import json
for i in range(8):
    print(json.dumps({"prompt_token_ids": [1 + i, 2, 3], "max_tokens": 1900, "ignore_eos": True}))
' > "$tmp/in.jsonl"
for layout in "3 --pp 2" "2 --tp 2"; do
  np=${layout%% *} args=${layout#* }
  run_mpi "$np" generate "$data/models/llama" $args --input "$tmp/in.jsonl" --output "$tmp/out.jsonl" \
    --max-model-len 2048 --max-num-seqs 2 >"$tmp/log" 2>&1 &
  job=$!
  victim=""
  for _ in $(seq 1 200); do  # up to 20 s for the job to start generating
    sleep 0.1
    for pid in $(pgrep -f "^$bin generate" || true); do
      rank=$(tr '\0' '\n' < /proc/"$pid"/environ 2>/dev/null | sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
      [ "$rank" = "1" ] && victim=$pid
    done
    [ -n "$victim" ] && grep -q "ready" "$tmp/log" && break
  done
  if [ -z "$victim" ]; then
    echo "FAIL [$layout]: the job did not start"; cat "$tmp/log"; failures=$((failures + 1)); kill -9 $job; continue
  fi
  sleep 1
  kill -9 "$victim"
  killed_at=$(date +%s)
  rc=0
  wait "$job" || rc=$?
  took=$(( $(date +%s) - killed_at ))
  sleep 0.5  # let mpiexec reap what it killed
  left=$(pgrep -fc "^$bin generate" || true)
  if [ "$rc" -eq 0 ] || [ "$took" -gt 10 ] || [ "$left" -ne 0 ]; then
    echo "FAIL [$layout]: exit $rc after $took s, $left rank(s) left"; tail -20 "$tmp/log"; failures=$((failures + 1))
    pkill -9 -f "^$bin generate" || true
  else
    echo "ok   [$layout]: job ended with exit $rc $took s after the kill, no rank left"
  fi
done
finish
