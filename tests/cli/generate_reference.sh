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

# A file far larger than the request queue (--max-num-queued-requests 32): fed in as the queue drains, every
# line answered in order with the reference's tokens.
python3 - "$data/models/llama/reference.json" > "$tmp/many.in.jsonl" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
for i in range(1100):
    c = cases[i % len(cases)]
    print(json.dumps({"prompt_token_ids": c["prompt_ids"], "max_tokens": 2, "temperature": 0, "ignore_eos": True}))
PY
if ! timeout 240 "$bin" generate "$data/models/llama" --input "$tmp/many.in.jsonl" --output "$tmp/many.out.jsonl" \
    --kv-cache-memory 0.25 --max-num-queued-requests 32 2>"$tmp/err"; then
  echo "FAIL many-requests: generate failed:"; cat "$tmp/err"; failures=$((failures + 1))
elif python3 - "$data/models/llama/reference.json" "$tmp/many.out.jsonl" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
out = [json.loads(l) for l in open(sys.argv[2])]
assert len(out) == 1100, f"{len(out)} results for 1100 requests"
bad = [i for i, o in enumerate(out) if o["index"] != i or o["token_ids"] != cases[i % len(cases)]["greedy_ids"][:2]]
sys.exit(1 if bad else 0)
PY
then echo "ok   many-requests: 1100 lines through a queue of 32, all equal the reference"
else echo "FAIL many-requests: results differ"; failures=$((failures + 1)); fi
finish
