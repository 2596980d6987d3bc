#!/usr/bin/env bash
# `llm-cluster tokenize` and `llm-cluster chat-template` as a user runs them: JSON on stdout equal to what
# Hugging Face produced (tests/data/tokenizers/*/expected.json, chat_expected.json), a folder holding only a
# tokenizer_config.json still renders, and bad input is one error line with a non-zero exit.
# Args: LLM_CLUSTER TEST_DATA UNPACKED_TEST_DATA (build/test-data, where tokenizer.json files are unpacked)
bin=$1 data=$2 unpacked=$3
. "$(dirname "$0")/lib.sh"

for m in llama3 qwen3 deepseek_v3 mistral_v0_1 gemma3; do
  dir=$tmp/$m
  mkdir -p "$dir"
  cp "$data/tokenizers/$m/tokenizer_config.json" "$dir/"
  [ -f "$unpacked/tokenizers/$m/tokenizer.json" ] && cp "$unpacked/tokenizers/$m/tokenizer.json" "$dir/"

  if [ -f "$data/tokenizers/$m/expected.json" ]; then
    python3 -c 'import json,sys; print(json.dumps([e["text"] for e in json.load(open(sys.argv[1]))]))' \
      "$data/tokenizers/$m/expected.json" > "$tmp/strings.json"
    if ! timeout 120 "$bin" tokenize "$dir" --input "$tmp/strings.json" >"$tmp/tok.json" 2>"$tmp/err"; then
      echo "FAIL tokenize $m:"; cat "$tmp/err"; failures=$((failures + 1))
    elif python3 - "$data/tokenizers/$m/expected.json" "$tmp/tok.json" <<'PY'
import json, sys
expected, got = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert len(got) == len(expected), f"{len(got)} results for {len(expected)} strings"
bad = [e["text"] for e, g in zip(expected, got)
       if (g["text"], g["ids"], g["ids_with_special"], g["decoded"]) !=
          (e["text"], e["ids"], e["ids_with_special"], e["decoded_raw"])]
if bad: print("differ on", len(bad), "strings, first:", repr(bad[0])[:200]); sys.exit(1)
PY
    then echo "ok   tokenize $m: every corpus string's ids, ids with special tokens and raw decode"
    else echo "FAIL tokenize $m"; failures=$((failures + 1)); fi
  fi

  if [ -f "$data/tokenizers/$m/chat_expected.json" ]; then
    python3 - "$data/tokenizers/$m/chat_expected.json" > "$tmp/conversations.json" <<'PY'
import json, sys
print(json.dumps([{"messages": c["messages"], "add_generation_prompt": c["add_generation_prompt"],
                   "extra_vars": c["extra_vars"]} for c in json.load(open(sys.argv[1]))]))
PY
    if ! timeout 120 "$bin" chat-template "$dir" --input "$tmp/conversations.json" >"$tmp/chat.json" 2>"$tmp/err"; then
      echo "FAIL chat-template $m:"; cat "$tmp/err"; failures=$((failures + 1))
    elif python3 - "$data/tokenizers/$m/chat_expected.json" "$tmp/chat.json" "$dir" <<'PY'
import json, os, sys
expected, got = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
has_tokenizer = os.path.exists(os.path.join(sys.argv[3], "tokenizer.json"))
assert len(got) == len(expected)
for e, g in zip(expected, got):
    assert g["rendered"] == e["rendered"], f'{e["name"]}: rendering differs'
    if has_tokenizer and "rendered_ids" in e:
        assert g["rendered_ids"] == e["rendered_ids"], f'{e["name"]}: rendered_ids differ'
    if not has_tokenizer:
        assert "rendered_ids" not in g, "rendered_ids without a tokenizer.json"
PY
    then echo "ok   chat-template $m: every conversation byte-identical$([ -f "$dir/tokenizer.json" ] && echo ', ids too' || echo ' (tokenizer_config.json only)')"
    else echo "FAIL chat-template $m"; failures=$((failures + 1)); fi
  fi
done

echo '["a", 3]' > "$tmp/not_strings.json"
expect_failure tokenize-non-string "must" "$bin" tokenize "$tmp/llama3" --input "$tmp/not_strings.json"
echo '[1, 2' > "$tmp/broken.json"
expect_failure tokenize-bad-json "broken.json: invalid JSON" "$bin" tokenize "$tmp/llama3" --input "$tmp/broken.json"
expect_failure tokenize-no-tokenizer "tokenizer.json" "$bin" tokenize "$tmp/gemma3" --input "$tmp/strings.json"
echo '[{"messages": "hello"}]' > "$tmp/bad_messages.json"
expect_failure chat-template-bad-messages "messages" "$bin" chat-template "$tmp/qwen3" --input "$tmp/bad_messages.json"
finish
