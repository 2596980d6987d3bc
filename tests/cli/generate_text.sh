#!/usr/bin/env bash
# Text in, text out on the default model (llama3-vocab with the Llama 3 tokenizer): a text prompt gives the
# same tokens as its reference ids, chat messages are rendered exactly as transformers renders them, and the
# returned text is the decode of the returned ids.
bin=$1 data=$2 model=$3
. "$(dirname "$0")/lib.sh"
python3 - "$data/tokenizers/llama3/expected.json" "$data/tokenizers/llama3/chat_expected.json" "$tmp" <<'PY'
import json, sys
expected, chats, tmp = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
texts = [e for e in expected if e["text"].strip()][:12]
with open(f"{tmp}/text.jsonl", "w") as t, open(f"{tmp}/ids.jsonl", "w") as i:
    for e in texts:
        common = {"max_tokens": 6, "temperature": 0, "ignore_eos": True}
        t.write(json.dumps({"prompt": e["text"], **common}) + "\n")
        i.write(json.dumps({"prompt_token_ids": e["ids_with_special"], **common}) + "\n")
with open(f"{tmp}/chat.jsonl", "w") as c, open(f"{tmp}/chat_ids.json", "w") as ids:
    cases = [x for x in chats if x["add_generation_prompt"]][:6]
    for x in cases:
        c.write(json.dumps({"messages": x["messages"], "max_tokens": 4, "temperature": 0, "ignore_eos": True}) + "\n")
    json.dump([x["rendered_ids"] for x in cases], ids)
PY
run() { timeout 120 "$bin" generate "$model" --input "$1" --output "$2" --kv-cache-memory 0.25 2>"$tmp/err"; }
if run "$tmp/text.jsonl" "$tmp/text.out" && run "$tmp/ids.jsonl" "$tmp/ids.out" && run "$tmp/chat.jsonl" "$tmp/chat.out"; then
  if python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
load = lambda f: [json.loads(l) for l in open(f"{tmp}/{f}")]
text, ids, chat = load("text.out"), load("ids.out"), load("chat.out")
ok = True
for a, b in zip(text, ids):
    if a["prompt_token_ids"] != b["prompt_token_ids"] or a["token_ids"] != b["token_ids"]:
        print("text prompt differs from its reference ids:", a["prompt_token_ids"], b["prompt_token_ids"]); ok = False
    if not isinstance(a.get("text"), str):
        print("no text in", a); ok = False
for got, want in zip(chat, json.load(open(f"{tmp}/chat_ids.json"))):
    if got["prompt_token_ids"] != want:
        print("chat rendering differs from transformers"); ok = False
sys.exit(0 if ok and len(text) == len(ids) == 12 and len(chat) == 6 else 1)
PY
  then echo "ok   text prompts, chat messages and text output"; else failures=$((failures + 1)); fi
else
  echo "FAIL generate failed:"; cat "$tmp/err"; failures=$((failures + 1))
fi
finish
