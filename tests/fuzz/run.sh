#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60), one after the other, one libFuzzer
# process at a time under `nice -n 19`, and print executions per target.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
# Needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz). New inputs go to
# tests/fuzz/work/TARGET (ignored by git); corpus/TARGET holds the committed seeds and is
# only read. Crashes land in tests/fuzz/artifacts/TARGET/ and make the exit status 1.
# Environment: FUZZ_SANITIZER (default address; `none` is about twice as fast),
# FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(ipv4_vrrp packet config_kv config_keepalived machine)
fi
sanitizer="${FUZZ_SANITIZER:-address}"

# Debug assertions on: an integer overflow is a finding, not a silent wrap.
fuzz=(cargo +nightly fuzz run --fuzz-dir "$here" --sanitizer "$sanitizer" --debug-assertions)

echo "== building (${sanitizer} sanitizer, debug assertions)"
nice -n 19 cargo +nightly fuzz build --fuzz-dir "$here" --sanitizer "$sanitizer" --debug-assertions

status=0
summary=()
for t in "${targets[@]}"; do
  extra=()
  case "$t" in
    config_kv) extra=(-dict="$here/dict/kv.dict" -max_len=8192) ;;
    config_keepalived) extra=(-dict="$here/dict/keepalived.dict" -max_len=8192) ;;
    machine) extra=(-max_len=1024) ;;
  esac
  mkdir -p "$here/work/$t" "$here/artifacts/$t"
  log="$here/work/$t.log"
  echo "== $t: ${secs}s (log: $log)"
  start=$(date +%s)
  rc=0
  # shellcheck disable=SC2086
  nice -n 19 "${fuzz[@]}" "$t" "$here/work/$t" "$here/corpus/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -timeout=10 "${extra[@]}" ${FUZZ_ARGS:-} \
    >"$log" 2>&1 || rc=$?
  wall=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(find "$here/work/$t" -type f | wc -l)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  verdict=ok
  if [ "$rc" -ne 0 ]; then
    verdict="FAILED (exit $rc, see $log and $here/artifacts/$t/)"
    status=1
    grep -E '^(==[0-9]+==|thread .* panicked|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -8 || true
  fi
  line=$(printf '%-18s %6ss %12s execs %8s exec/s  cov %6s  corpus %5s  %s' \
    "$t" "$wall" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$units" "$verdict")
  echo "$line"
  summary+=("$line")
done

echo "== summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
exit "$status"
