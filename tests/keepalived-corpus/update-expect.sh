#!/usr/bin/env bash
# Rewrite every NAME.expect from the current tinyvrrpd (run as root, with /bin/busybox,
# so the program checks are those the test compares in full), then review `git diff`.
#   tests/keepalived-corpus/update-expect.sh [path/to/tinyvrrpd]
set -euo pipefail
cd "$(dirname "$0")"
bin="$(realpath "${1:-../../target/release/tinyvrrpd}")"
err="$(mktemp)"; out="$(mktemp)"
trap 'rm -f "$err" "$out"' EXIT
for f in *.conf; do
  rc=0
  "$bin" -t -f "$f" >"$out" 2>"$err" || rc=$?
  { echo "exit $rc"; cat "$err" "$out"; } > "${f%.conf}.expect"
done
