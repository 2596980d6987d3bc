#!/usr/bin/env bash
# --load-format dummy (random weights from config.json alone, for benchmarks and memory planning): a folder with
# only a config.json generates, and since every rank draws exactly its own slice of the same random tensors,
# tensor- and pipeline-parallel layouts give the same tokens as one process.
. "$(dirname "$0")/mpi_lib.sh"
for m in llama qwen3; do
  mkdir -p "$tmp/$m"
  cp "$data/models/$m/config.json" "$tmp/$m/"
  python3 -c '
import json
for i in range(5):
    print(json.dumps({"prompt_token_ids": [3 + i, 17, 40 + i, 2], "max_tokens": 12, "temperature": 0, "ignore_eos": True}))
' > "$tmp/in.jsonl"
  outputs=()
  for layout in "1" "2 --tp 2" "2 --pp 2" "3 --tp 2"; do
    np=${layout%% *} args=${layout#"$np"}
    out=$tmp/$m.$np${args// /}.jsonl
    if ! run_mpi "$np" generate "$tmp/$m" $args --load-format dummy --input "$tmp/in.jsonl" --output "$out" \
        >"$tmp/log" 2>&1; then
      echo "FAIL $m [$layout]: generate failed"; tail -5 "$tmp/log"; failures=$((failures + 1)); continue
    fi
    outputs+=("$out")
  done
  if python3 - "$data/models/$m/config.json" "${outputs[@]}" <<'PY'
import json, sys
vocab = json.load(open(sys.argv[1]))["vocab_size"]
runs = [[json.loads(l)["token_ids"] for l in open(p)] for p in sys.argv[2:]]
assert len(runs) == 4, "a layout failed"
assert all(len(t) == 12 and all(0 <= x < vocab for x in t) for t in runs[0])
assert all(r == runs[0] for r in runs[1:]), "layouts disagree"
PY
  then echo "ok   $m: dummy weights from config.json alone; tp1, tp2, pp2 and a dedicated head give the same tokens"
  else echo "FAIL $m: dummy-weight runs differ or are malformed"; failures=$((failures + 1)); fi
done
finish
