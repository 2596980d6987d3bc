#!/usr/bin/env bash
# One model under every parallel layout: (tp, pp) in {(1,1), (2,1), (1,2), (2,2)}, the head beside worker 0
# and on a dedicated rank, plus uneven pipeline splits. Greedy tokens must equal transformers' reference.
. "$(dirname "$0")/mpi_lib.sh"
model=$4
reference_requests "$model" > "$tmp/in.jsonl"
layers=$(python3 -c "import json; print(json.load(open('$data/models/$model/config.json'))['num_hidden_layers'])")
layouts="1:1 2:1 1:2 2:2"
[ "$layers" -ge 3 ] && layouts="$layouts 1:3"
for layout in $layouts; do
  tp=${layout%%:*} pp=${layout##*:}
  for head in beside dedicated; do
    np=$((tp * pp))
    [ "$head" = dedicated ] && np=$((np + 1))
    extra=()
    [ "$pp" = 2 ] && [ "$layers" -ge 4 ] && [ "$head" = dedicated ] && extra=(--pp-layer-partition 1,$((layers - 1)))
    name="$model tp=$tp pp=$pp head $head ${extra[*]:-}"
    if ! run_mpi "$np" generate "$data/models/$model" --tp "$tp" --pp "$pp" "${extra[@]}" \
        --input "$tmp/in.jsonl" --output "$tmp/out.jsonl" --kv-cache-memory 0.125 >"$tmp/log" 2>&1; then
      echo "FAIL $name: the run failed:"; tail -20 "$tmp/log"; failures=$((failures + 1)); continue
    fi
    if matches_reference "$model" "$tmp/out.jsonl"; then
      echo "ok   $name"
    else
      echo "FAIL $name: tokens differ from the reference"; failures=$((failures + 1))
    fi
  done
done
finish
