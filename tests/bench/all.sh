#!/usr/bin/env bash
# Every benchmark, keepalived vs tinyvrrpd in the same run, then one summary table:
#   sudo tests/bench/all.sh [FAILOVER_RUNS] [STABILITY_SECONDS]
#     FAILOVER_RUNS      runs per daemon and kind in failover.sh (default 5)
#     STABILITY_SECONDS  length of the CPU-hog window in stability.sh (default 180)
#   environment: BENCH_CPU_SECONDS (default 60), BENCH_STABILITY_INSTANCES (default "1";
#   e.g. "1 10" runs the stability window once per count), BENCH_STABILITY_CHRT (e.g.
#   "-r 10": one more 1-instance stability window with both daemons under chrt -r 10,
#   SCHED_RR — what real-time scheduling changes; default: not run)
# Runs, in order: failover.sh v2 and v3 (client-seen outage), rss.sh (memory, 1 and 100
# instances), cpu.sh (100 instances at 100 ms), stall.sh (what one false failover costs a
# client), flood.sh (one host floods the Master, tinyvrrpd only), stability.sh (20 ms
# adverts under a CPU hog). Each prints its own details; the summary repeats the figures with the machine's
# load (others may share it). A benchmark: it reports targets met or not, it does not fail
# on them. It exits non-zero only if a part could not run. With the defaults it takes about
# 15 minutes on a 2-core machine (failover v2 3.5, v3 2.5, rss 1, cpu 2.5, stall 1.5, flood 0.5,
# stability 3.2); each extra stability window adds about 3.2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"

runs=${1:-5}
stab_secs=${2:-180}
cpu_secs=${BENCH_CPU_SECONDS:-60}
stab_counts=${BENCH_STABILITY_INSTANCES:-1}
stab_chrt=${BENCH_STABILITY_CHRT:-}
if ! [[ $runs =~ ^[0-9]+$ ]] || [ "$runs" -lt 1 ] || [ "$runs" -gt 50 ]; then echo "FAILOVER_RUNS: 1-50" >&2; exit 2; fi
if ! [[ $stab_secs =~ ^[0-9]+$ ]] || [ "$stab_secs" -lt 5 ] || [ "$stab_secs" -gt 3600 ]; then echo "STABILITY_SECONDS: 5-3600" >&2; exit 2; fi
if ! [[ $stab_counts =~ ^[0-9]+( [0-9]+)*$ ]]; then echo "BENCH_STABILITY_INSTANCES: counts separated by spaces" >&2; exit 2; fi
if ! [[ $stab_chrt =~ ^(-[rf] [0-9]{1,2})?$ ]]; then echo "BENCH_STABILITY_CHRT: empty, -r N or -f N" >&2; exit 2; fi
bench_need_root
bench_install_base
bench_bin          # once, for every part (exports TINYVRRPD_BIN)
summary=$(mktemp /tmp/tinyvrrpd-bench-summary.XXXXXX)
out=$(mktemp /tmp/tinyvrrpd-bench-out.XXXXXX)
trap 'rm -f "$summary" "$out"' EXIT
export BENCH_SUMMARY=$summary
failed=()

part() { # NAME COMMAND... — run one part, its output also kept in $out
  local name=$1 rc=0
  shift
  echo
  echo "######## $name  ($(date +%H:%M:%S), load $(bench_load))"
  "$@" 2>&1 | tee "$out" || rc=$?
  if [ "$rc" != 0 ]; then
    failed+=("$name (exit $rc)")
    bench_summary "$name: FAILED (exit $rc), see its output" - - - - "$(bench_load)"
  fi
  return 0
}

# failover.sh is called as it is and its lines are read back:
#   "keepalived graceful median   624 ms  min   624  max   624   (...)"
#   "ratio      graceful tinyvrrpd/keepalived median = 0.03"
failover() { # v2|v3 LABEL
  part "failover $1" bash "$here/failover.sh" "$runs" "$1"
  local kind k t r ld
  ld=$(bench_load)
  for kind in graceful crash; do
    k=$(awk -v k="$kind" '$1 == "keepalived" && $2 == k { printf "%s ms (%s-%s)", $4, $7, $9 }' "$out")
    t=$(awk -v k="$kind" '$1 == "tinyvrrpd" && $2 == k { printf "%s ms (%s-%s)", $4, $7, $9 }' "$out")
    r=$(awk -v k="$kind" '$1 == "ratio" && $2 == k { print $NF }' "$out")
    [ -n "$k" ] && bench_summary "Failover $2, $kind" "$k" "$t" "${r:--}" - "$ld"
  done
  return 0
}

failover v2 "v2 1 s unicast"
failover v3 "v3 0.1 s mcast"
part "rss" bash "$here/rss.sh"
part "cpu" bash "$here/cpu.sh" "$cpu_secs" 100
part "stall" bash "$here/stall.sh"
part "flood" bash "$here/flood.sh" 10
ld=$(bench_load)
while read -r kind rate; do
  bench_summary "Flood at the Master, one host, 10 s: $kind" - "$rate/s reached, Master kept" - "300000/s" "$ld"
done < <(awk '/^flood of / { k = $3; sub(":", "", k); for (i = 1; i <= NF; i++) if ($i == "=") print k, $(i + 1) }' "$out" | sed 's#/s$##')
for c in $stab_counts; do
  part "stability $c" bash "$here/stability.sh" "$stab_secs" "$c"
done
if [ -n "$stab_chrt" ]; then
  part "stability 1, chrt $stab_chrt" env BENCH_CHRT="$stab_chrt" bash "$here/stability.sh" "$stab_secs" 1
fi

echo
echo "================ tinyvrrpd vs keepalived: summary ($(date '+%F %H:%M'), $(uname -r), $(nproc) cores)"
bench_binline
echo "failover: client-seen outage, median (min-max) of $runs runs"
echo "load: the machine's 1/5/15-min load averages when the figure was taken"
row() { printf '%-54s %-30s %-22s %-6s %-18s %s\n' "$@"; }
row figure "keepalived 2.2.7" tinyvrrpd ratio target load
while IFS=$'\t' read -r f k t r tg ld; do
  row "$f" "$k" "$t" "$r" "$tg" "$ld"
done < "$summary"
echo "all.sh took $((SECONDS / 60)) min $((SECONDS % 60)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "parts that could not run: ${failed[*]}"
  exit 1
fi
