#!/usr/bin/env bash
# The trained English model (data/brown-llama, assembled in <build>/brown-llama) through `llm-cluster generate`
# on the CPU:
#  - greedy tokens equal what transformers generated (its reference.json, the fixtures' format);
#  - the text it writes for a few chat and text prompts is made of dictionary words (Debian's wamerican list,
#    /usr/share/dict/american-english, installed by scripts/install-deps.sh) at a high rate, and the random-weight
#    default model (<build>/default-model), sampled the same way, is the control that does not;
#  - a chat answer ends on its own with EOS (finish_reason "stop") well before max_tokens.
# Args: LLM_CLUSTER TRAINED_MODEL_DIR CONTROL_MODEL_DIR [WORD_LIST]
bin=$1 model=$2 control=$3 dict=${4:-/usr/share/dict/american-english}
. "$(dirname "$0")/lib.sh"
if [ ! -r "$dict" ]; then
  echo "FAIL: no word list at $dict (Debian/Ubuntu package wamerican; scripts/install-deps.sh installs it)"; exit 1
fi
gen() { timeout 240 "$bin" generate "$1" --input "$2" --output "$3" --kv-cache-memory 0.25 2>"$tmp/err" \
          || { echo "FAIL generate on $1:"; cat "$tmp/err"; failures=$((failures + 1)); return 1; }; }

# 1. Greedy tokens against transformers.
python3 - "$model/reference.json" > "$tmp/ref.in.jsonl" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    print(json.dumps({"prompt_token_ids": c["prompt_ids"], "max_tokens": len(c["greedy_ids"]),
                      "temperature": 0, "ignore_eos": True}))
PY
if gen "$model" "$tmp/ref.in.jsonl" "$tmp/ref.out.jsonl"; then
  if python3 - "$model/reference.json" "$tmp/ref.out.jsonl" <<'PY'
import json, sys
ref = json.load(open(sys.argv[1]))["cases"]
out = [json.loads(l) for l in open(sys.argv[2])]
bad = [i for i, (c, o) in enumerate(zip(ref, out)) if c["greedy_ids"] != o["token_ids"]]
for i in bad:
    print(f"case {i}: transformers {ref[i]['greedy_ids']}\n        engine       {out[i]['token_ids']}")
sys.exit(1 if bad or len(out) != len(ref) else 0)
PY
  then echo "ok   greedy tokens equal transformers' on all $(wc -l <"$tmp/ref.in.jsonl") reference prompts"
  else echo "FAIL greedy tokens differ from the reference"; failures=$((failures + 1)); fi
fi

# 2. Dictionary words: the same requests to the trained model and to the random-weight control.
python3 - > "$tmp/words.in.jsonl" <<'PY'
import json
system = {"role": "system", "content": "You are a helpful assistant."}
questions = ["Say hello to the cluster.", "What did the jury say about the election?", "Tell me about the weather.",
             "Who are you?", "Describe the city at night.", "What is the best way to learn a language?"]
texts = ["The President said that", "In the morning, the children", "The new church was built"]
lines = []
for seed in (1, 2):
    for q in questions:
        lines.append({"messages": [system, {"role": "user", "content": q}]})
    for t in texts:
        lines.append({"prompt": t})
for i, l in enumerate(lines):
    l.update({"max_tokens": 40, "temperature": 0.8, "top_p": 0.95, "seed": 1000 + i})
for q in questions:  # greedy too: what the main job sends
    lines.append({"messages": [system, {"role": "user", "content": q}], "max_tokens": 40, "temperature": 0})
for l in lines:
    print(json.dumps(l))
PY
if gen "$model" "$tmp/words.in.jsonl" "$tmp/trained.out.jsonl" && gen "$control" "$tmp/words.in.jsonl" "$tmp/control.out.jsonl"; then
  if python3 - "$dict" "$tmp/trained.out.jsonl" "$tmp/control.out.jsonl" <<'PY'
import json, re, sys
words = {w.strip().lower() for w in open(sys.argv[1], encoding="utf-8", errors="replace") if w.strip()}

def known(w):
    w = w.lower().replace("\u2019", "'")
    if re.fullmatch(r"[0-9][0-9.,:%]*", w):
        return True
    return all(p in words or (p.endswith("'s") and p[:-2] in words) or (p.endswith("s'") and p[:-1] in words)
               for p in w.split("-") if p)

def score(texts):
    total = good = 0
    for t in texts:
        for chunk in t.split():
            w = chunk.strip(".,;:!?\"'()[]{}`-\u201c\u201d\u2018\u2019")
            if not w:
                continue  # punctuation alone
            total += 1
            good += known(w)
    return good / max(total, 1), total

trained = [json.loads(l)["text"] for l in open(sys.argv[2])]
control = [json.loads(l)["text"] for l in open(sys.argv[3])]
(tr, tn), (cr, cn) = score(trained), score(control)
(gr, gn) = score(trained[-6:])
print(f"     dictionary-word rate: trained {tr:.3f} of {tn} words (greedy answers {gr:.3f} of {gn}); "
      f"random-weight control {cr:.3f} of {cn}")
print(f"     e.g. trained: {trained[0]!r}\n          control: {control[0]!r}")
ok = tr >= 0.85 and gr >= 0.85 and cr <= 0.5 and tn >= 200
sys.exit(0 if ok else 1)
PY
  then echo "ok   the trained model writes dictionary words at a high rate; the random control does not"
  else echo "FAIL dictionary-word rates (need trained >= 0.85 sampled and greedy, control <= 0.5)"; failures=$((failures + 1)); fi
fi

# 3. EOS: a greedy chat answer stops by itself (the model learned to close its turn with </s>).
echo '{"messages": [{"role": "user", "content": "Say hello to the cluster."}], "max_tokens": 200, "temperature": 0}' \
  > "$tmp/eos.in.jsonl"
if gen "$model" "$tmp/eos.in.jsonl" "$tmp/eos.out.jsonl"; then
  if python3 - "$tmp/eos.out.jsonl" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).readline())
print(f"     finish_reason {o.get('finish_reason')!r} after {len(o['token_ids'])} tokens: {o['text']!r}")
sys.exit(0 if o.get("finish_reason") == "stop" and len(o["token_ids"]) < 200 else 1)
PY
  then echo "ok   a greedy chat answer ends with EOS"; else echo "FAIL the chat answer did not end with EOS"; failures=$((failures + 1)); fi
fi
finish
