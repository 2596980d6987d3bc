#!/usr/bin/env bash
# The --help texts as the binary prints them are the ones checked in under launch/help/ (so the copies users
# read never rot), every flag they show is documented in docs/flags.md, and every flag docs/flags.md documents
# as ours is one the binary has (so a removed or renamed flag cannot stay documented).
# Args: LLM_CLUSTER SOURCE_DIR [--update]   (--update rewrites launch/help/*.txt from the binary, then checks)
set -u
bin=$1 src=$2 update=${3:-}
. "$(dirname "$0")/lib.sh"

# name -> the command line whose --help output launch/help/<name>.txt holds
declare -A commands=(
  [llm-cluster]="--help" [serve]="serve --help" [generate]="generate --help" [doctor]="doctor --help"
  [tokenize]="tokenize --help" [chat-template]="chat-template --help"
)
for name in "${!commands[@]}"; do
  # shellcheck disable=SC2086  # the command line is split into its words on purpose
  if ! timeout 60 "$bin" ${commands[$name]} >"$tmp/$name.txt" 2>"$tmp/err"; then
    echo "FAIL $name: llm-cluster ${commands[$name]} failed:"; cat "$tmp/err"; failures=$((failures + 1)); continue
  fi
  # Boost pads wrapped lines with spaces; the checked-in files have none (.editorconfig trims them).
  [ "$update" = --update ] && sed 's/ *$//' "$tmp/$name.txt" >"$src/launch/help/$name.txt"
  if diff -u -Z "$src/launch/help/$name.txt" "$tmp/$name.txt" >"$tmp/diff"; then
    echo "ok   $name: launch/help/$name.txt is what llm-cluster ${commands[$name]} prints"
  else
    echo "FAIL $name: launch/help/$name.txt differs from the binary's output (regenerate it:"
    echo "     bash tests/cli/help_text.sh BUILD/llm-cluster . --update):"
    cat "$tmp/diff"; failures=$((failures + 1))
  fi
done

# Every --flag in the option column of every help text ("  -h [ --help ]", "  --tp [ --tensor-parallel-size ]
# arg (=1)": Boost pads that column with two or more spaces before the description), and every flag in the
# first cell of docs/flags.md's table rows up to its section "## vLLM flags we do not take" (the flags after
# that heading are vLLM's, not ours).
cat "$tmp"/*.txt | grep -E '^  -' | sed -E 's/^  //; s/  .*$//' | grep -oE -- '--[a-z0-9-]+' | sort -u >"$tmp/shown"
awk -F'|' '/^## vLLM flags we do not take/ {stop = 1} !stop && $2 ~ /^ `--/ {print $2}' "$src/docs/flags.md" |
  grep -oE -- '--[a-z0-9-]+' | sort -u >"$tmp/documented"
if ! grep -q '^## vLLM flags we do not take' "$src/docs/flags.md"; then
  echo "FAIL docs/flags.md has no section '## vLLM flags we do not take'"; failures=$((failures + 1))
fi
# A documented flag may also be an alias the help texts name only in a description (--tensor-parallel-size).
cat "$tmp"/*.txt | grep -oE -- '--[a-z0-9-]+' | sort -u >"$tmp/mentioned"
undocumented=$(comm -23 "$tmp/shown" "$tmp/documented")
stale=$(comm -13 "$tmp/mentioned" "$tmp/documented")
if [ -n "$undocumented" ]; then
  echo "FAIL flags shown by --help but without a row in docs/flags.md:" $undocumented; failures=$((failures + 1))
else
  echo "ok   docs/flags.md documents all $(wc -l <"$tmp/shown") flags the --help texts show"
fi
if [ -n "$stale" ]; then
  echo "FAIL flags documented in docs/flags.md that no --help shows:" $stale; failures=$((failures + 1))
else
  echo "ok   every flag documented in docs/flags.md exists"
fi
finish
