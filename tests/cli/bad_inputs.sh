#!/usr/bin/env bash
# Bad models and bad requests: every one is a single error line naming what and where, and a non-zero exit.
bin=$1 data=$2
. "$(dirname "$0")/lib.sh"

model() {  # model NAME: a writable copy of the llama fixture
  mkdir -p "$tmp/$1" && cp "$data/models/llama/"{config.json,generation_config.json,model.safetensors} "$tmp/$1/"
  echo "$tmp/$1"
}
edit_config() {  # edit_config DIR PYTHON-EXPRESSION-ON-c
  python3 - "$1/config.json" "$2" <<'PY'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
c = json.load(open(path))
exec(expr)
json.dump(c, open(path, "w"))
PY
}
echo '{"prompt_token_ids": [1, 2, 3], "max_tokens": 2}' > "$tmp/ok.jsonl"

m=$(model missing_key); edit_config "$m" 'del c["hidden_size"]'
expect_failure missing-config-key "missing required key 'hidden_size'" "$bin" generate "$m" --input "$tmp/ok.jsonl"

m=$(model unknown_arch); edit_config "$m" 'c["architectures"] = ["FalconForCausalLM"]'
expect_failure unknown-architecture "unsupported architecture 'FalconForCausalLM'" "$bin" generate "$m" --input "$tmp/ok.jsonl"

m=$(model bad_rope); edit_config "$m" 'c["rope_parameters"]["rope_type"] = "longrope-x"'
expect_failure unknown-rope "unsupported rope type 'longrope-x'" "$bin" generate "$m" --input "$tmp/ok.jsonl"

m=$(model wrong_shape); edit_config "$m" 'c["intermediate_size"] = 512'
expect_failure wrong-tensor-shape "but config.json implies [512, 128]" "$bin" generate "$m" --input "$tmp/ok.jsonl"

m=$(model truncated); head -c 700000 "$data/models/llama/model.safetensors" > "$m/model.safetensors"
expect_failure truncated-safetensors "model.safetensors" "$bin" generate "$m" --input "$tmp/ok.jsonl"

m=$(model bad_header); printf '\x10\x00\x00\x00\x00\x00\x00\x00{"a": [1, 2, 3' > "$m/model.safetensors"
expect_failure malformed-header "model.safetensors" "$bin" generate "$m" --input "$tmp/ok.jsonl"

m=$(model no_weights); rm "$m/model.safetensors"
expect_failure no-weights "$m" "$bin" generate "$m" --input "$tmp/ok.jsonl"

expect_failure missing-model-dir "$tmp/nowhere/config.json" "$bin" generate "$tmp/nowhere" --input "$tmp/ok.jsonl"

printf '{"prompt_token_ids": [1]}\n{"prompt_token_ids": [1, 2\n' > "$tmp/bad_json.jsonl"
expect_failure bad-json-line "bad_json.jsonl line 2: invalid JSON" "$bin" generate "$data/models/llama" --input "$tmp/bad_json.jsonl"

echo '{"prompt_token_ids": [1], "temperature": "hot"}' > "$tmp/bad_type.jsonl"
expect_failure wrong-field-type "'temperature' must be a number" "$bin" generate "$data/models/llama" --input "$tmp/bad_type.jsonl"

echo '{"prompt_token_ids": [1], "max_tokens": 4294967297}' > "$tmp/wide_int.jsonl"
expect_failure integer-past-32-bits "wide_int.jsonl line 1: 'max_tokens' must be an integer in [1, 2147483647], got 4294967297" "$bin" generate "$data/models/llama" --input "$tmp/wide_int.jsonl"

echo '{"prompt_token_ids": [1], "temperature": 1e999}' > "$tmp/huge_number.jsonl"
expect_failure number-beyond-double "huge_number.jsonl line 1: 'temperature' holds a number too large" "$bin" generate "$data/models/llama" --input "$tmp/huge_number.jsonl"

echo '{"prompt_token_ids": [1, 2], "priority": 3}' > "$tmp/priority.jsonl"
expect_failure priority-under-fcfs "priority" "$bin" generate "$data/models/llama" --input "$tmp/priority.jsonl"

echo '{"prompt_token_ids": [1, 99999]}' > "$tmp/bad_token.jsonl"
expect_failure token-out-of-vocab "99999" "$bin" generate "$data/models/llama" --input "$tmp/bad_token.jsonl"

python3 -c 'import json; print(json.dumps({"prompt_token_ids": [5] * 600, "max_tokens": 8}))' > "$tmp/too_long.jsonl"
expect_failure prompt-too-long "too_long.jsonl line 1" "$bin" generate "$data/models/llama" --input "$tmp/too_long.jsonl" --max-model-len 512

# A request that could never run, after requests that could: refused before anything is generated, naming
# its line (the earlier requests must not be running when the error unwinds).
python3 -c '
import json
for i in range(40): print(json.dumps({"prompt_token_ids": [5, 6, 7], "max_tokens": 30, "ignore_eos": True}))
print(json.dumps({"prompt_token_ids": [5] * 600, "max_tokens": 8}))' > "$tmp/late_too_long.jsonl"
expect_failure late-prompt-too-long "late_too_long.jsonl line 41" "$bin" generate "$data/models/llama" --input "$tmp/late_too_long.jsonl" --max-model-len 512

expect_failure cache-smaller-than-model-len "pass --max-model-len 128 or less" "$bin" generate "$data/models/llama" --input "$tmp/ok.jsonl" --num-kv-blocks 8 --max-model-len 2048

expect_failure bad-block-size "--block-size" "$bin" generate "$data/models/llama" --input "$tmp/ok.jsonl" --block-size 12
expect_failure bad-device "--device must be auto, cuda or cpu, got 'tpu'" "$bin" generate "$data/models/llama" --input "$tmp/ok.jsonl" --device tpu
expect_failure bad-dtype "--dtype must be auto, bfloat16, float16 or float32, got 'int4'" "$bin" generate "$data/models/llama" --input "$tmp/ok.jsonl" --dtype int4
expect_failure bad-gpu-memory-utilization "--gpu-memory-utilization must be in (0, 1], got 1.5" "$bin" generate "$data/models/llama" --input "$tmp/ok.jsonl" --gpu-memory-utilization 1.5
# Asking for the GPU where there is none (CI) is one line naming the cause, not a crash.
if ! nvidia-smi -L >/dev/null 2>&1; then
  expect_failure cuda-without-gpu "--device cuda: " "$bin" generate "$data/models/llama" --input "$tmp/ok.jsonl" --device cuda
fi
expect_failure unknown-option "unrecognised option '--frobnicate'" "$bin" generate "$data/models/llama" --input "$tmp/ok.jsonl" --frobnicate
finish
