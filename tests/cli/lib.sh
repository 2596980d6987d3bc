# Helpers for CLI tests: expect_failure runs a command that must fail fast with one line on stderr.
set -u
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_failure NAME EXPECTED_SUBSTRING COMMAND...
expect_failure() {
  local name=$1 expected=$2
  shift 2
  local rc=0
  timeout 60 "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  local lines
  lines=$(grep -vc '^\[.*\] \[.*\] \[info\]' "$tmp/err" || true)
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
    echo "FAIL $name: exit code $rc (expected a prompt non-zero exit)"; failures=$((failures + 1)); return
  fi
  if [ "$lines" -ne 1 ]; then
    echo "FAIL $name: expected one error line, got $lines:"; cat "$tmp/err"; failures=$((failures + 1)); return
  fi
  if ! grep -qF -- "$expected" "$tmp/err"; then
    echo "FAIL $name: error does not mention '$expected':"; cat "$tmp/err"; failures=$((failures + 1)); return
  fi
  echo "ok   $name: $(grep -v '\[info\]' "$tmp/err")"
}

finish() {
  if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
  echo "all checks passed"
}
