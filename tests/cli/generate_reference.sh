#!/usr/bin/env bash
# `llm-cluster generate` on every fixture model, all reference prompts batched in one file: greedy tokens equal
# what transformers generated (reference.json).
bin=$1 data=$2
. "$(dirname "$0")/lib.sh"
for m in llama llama3-vocab mistral qwen2 qwen3; do
  python3 - "$data/models/$m/reference.json" > "$tmp/$m.in.jsonl" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    print(json.dumps({"prompt_token_ids": c["prompt_ids"], "max_tokens": len(c["greedy_ids"]),
                      "temperature": 0, "ignore_eos": True}))
PY
  if ! timeout 120 "$bin" generate "$data/models/$m" --input "$tmp/$m.in.jsonl" --output "$tmp/$m.out.jsonl" \
      --kv-cache-memory 0.25 2>"$tmp/err"; then
    echo "FAIL $m: generate failed:"; cat "$tmp/err"; failures=$((failures + 1)); continue
  fi
  if python3 - "$data/models/$m/reference.json" "$tmp/$m.out.jsonl" <<'PY'
import json, sys
ref = json.load(open(sys.argv[1]))["cases"]
out = [json.loads(l) for l in open(sys.argv[2])]
assert len(out) == len(ref), f"{len(out)} results for {len(ref)} requests"
bad = [i for i, (c, o) in enumerate(zip(ref, out)) if c["greedy_ids"] != o["token_ids"] or o["index"] != i]
sys.exit(1 if bad else 0)
PY
  then echo "ok   $m: greedy tokens equal the reference"; else echo "FAIL $m: tokens differ"; failures=$((failures + 1)); fi
done
finish
