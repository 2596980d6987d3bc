#!/usr/bin/env bash
# Single-thread encode throughput: llmc::Tokenizer (bench_tokenizer) against Hugging Face's own `tokenizers`
# (its Node binding, npm package pinned in package.json), on the same inputs, and a check that both produce
# the same ids on them.
#
# Usage: bench/tokenizer/run.sh [BUILD_DIR]      (BUILD_DIR defaults to ./build; must contain bench_tokenizer)
# Env:   MODELS="llama3 qwen3 deepseek_v3 mistral_v0_1"  MIN_SECONDS=2  TEXT_BYTES=4000000
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build}
models=${MODELS:-llama3 qwen3 deepseek_v3 mistral_v0_1}
min_seconds=${MIN_SECONDS:-2}
text_bytes=${TEXT_BYTES:-4000000}

bin=$(find "$build" -type f -name bench_tokenizer -perm -u+x | head -n 1)
[[ -n "$bin" ]] || { echo "run.sh: no bench_tokenizer under $build (build it with LLMC_BUILD_BENCH=ON)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A large English text: the Debian copyright files on this machine (valid UTF-8 ones, sorted by path), until
# text_bytes is passed. Its size and hash are printed so runs on different machines can be told apart.
text=$work/english.txt
: >"$text"
for f in /usr/share/common-licenses/* /usr/share/doc/*/copyright; do
  [[ -f "$f" ]] && iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || continue
  cat "$f" >>"$text"
  (( $(stat -c %s "$text") >= text_bytes )) && break
done
corpus=$repo/tests/data/tokenizers/corpus.json
echo "# text: $(stat -c %s "$text") bytes, sha256 $(sha256sum "$text" | cut -c1-16); corpus: $(node -e \
  "console.log(JSON.parse(require('fs').readFileSync('$corpus','utf8')).length)") strings"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); one thread each; warm (one pass first)"

hf=1
if [[ ! -d "$here/node_modules/tokenizers" ]]; then
  (cd "$here" && npm install --no-audit --no-fund >"$work/npm.log" 2>&1) || {
    hf=0
    echo "# Hugging Face tokenizers: npm install failed, its rows are missing:" >&2
    tail -n 5 "$work/npm.log" >&2
  }
fi

printf '%-14s %-8s %-6s %10s %8s %8s %9s %10s\n' model input impl bytes calls seconds MB/s tokens
for m in $models; do
  dir=$work/$m
  mkdir -p "$dir"
  xz -dc "$repo/tests/data/tokenizers/$m/tokenizer.json.xz" >"$dir/tokenizer.json"
  cp "$repo/tests/data/tokenizers/$m/tokenizer_config.json" "$dir/"
  common=(--model "$m" --dir "$dir" --corpus "$corpus" --text "$text" --min-seconds "$min_seconds")
  "$bin" "${common[@]}" --ids-out "$work/$m.llmc.json" | grep -v '^#' | awk '{$3 = "llmc " $3; print}' |
    xargs -L1 printf '%-14s %-8s %-6s %10s %8s %8s %9s %10s\n'
  if ((hf)); then
    # RAYON_NUM_THREADS=1: tokenizers must not parallelise inside a call either.
    RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node "$here/bench_hf.mjs" "${common[@]}" \
      --ids-out "$work/$m.hf.json" | grep -v '^#' | awk '{$3 = "hf " $3; print}' |
      xargs -L1 printf '%-14s %-8s %-6s %10s %8s %8s %9s %10s\n'
    node -e "const f=require('fs'),r=(p)=>JSON.parse(f.readFileSync(p,'utf8'));
      const a=r('$work/$m.llmc.json'),b=r('$work/$m.hf.json');
      const same=(x,y)=>x.length===y.length&&x.every((v,i)=>v===y[i]);
      const bad=a.corpus.filter((ids,i)=>!same(ids,b.corpus[i])).length+(same(a.text,b.text)?0:1);
      console.log(bad?'# $m: ids DIFFER from Hugging Face tokenizers on '+bad+' inputs':
                      '# $m: ids identical to Hugging Face tokenizers (text and every corpus string)');
      if(bad)process.exitCode=1"
  fi
done
