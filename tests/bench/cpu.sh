#!/usr/bin/env bash
# CPU use of a busy pair, keepalived vs tinyvrrpd, in one run:
#   sudo tests/bench/cpu.sh [SECONDS] [INSTANCES]
# Two nodes (lab namespaces), each daemon in turn on both with the same generated
# keepalived.conf: INSTANCES (default 100) VRRPv3 multicast instances at advert_int 0.1 on
# enp0s1, node a priority 150 for all (Master), node b 100 (Backup). Once a holds every VIP,
# b none, and 6 s have passed, it reads utime+stime (/proc/PID/stat) of each daemon, waits
# SECONDS (default 60), reads again, and prints the CPU time as % of one core over the
# measured wall time (keepalived: parent + vrrp child; /proc/PID/schedstat's run time as a
# cross-check). The window must see no state change and still one Master at its end.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

secs=${1:-60}
n=${2:-100}
if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 5 ] || [ "$secs" -gt 3600 ]; then echo "SECONDS: 5-3600" >&2; exit 2; fi
if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 100 ]; then echo "INSTANCES: 1-100" >&2; exit 2; fi
bench_need_root
bench_install_base
bench_bin
bench_setup
bench_lab c
lab=$LAB
hz=$(getconf CLK_TCK)

bench_conf "$work/a.conf" "$n" 150 MASTER 3 0.1
bench_conf "$work/b.conf" "$n" 100 BACKUP 3 0.1

# Sum over PIDs of utime+stime (ticks) and schedstat run time (ns).
ticks() { local p s=0; for p in "$@"; do s=$((s + $(bench_ticks "$p"))); done; echo "$s"; }
runns() { local p s=0; for p in "$@"; do s=$((s + $(awk '{ print $1 }' "/proc/$p/schedstat"))); done; echo "$s"; }
transitions() { # LOGFILE FROM_BYTE -> state changes logged after that offset
  tail -c +"$(($2 + 1))" "$1" | grep -c 'Entering .* STATE' || true
}

declare -A pct spct load detail
figures() { # KEY TICKS RUN_NS WALL_NS PIDS
  pct[$1]=$(awk -v t="$2" -v hz="$hz" -v w="$4" 'BEGIN { printf "%.2f", t / hz / (w / 1e9) * 100 }')
  spct[$1]=$(awk -v t="$3" -v w="$4" 'BEGIN { printf "%.2f", t / w * 100 }')
  detail[$1]="$2 ticks in $(awk -v w="$4" 'BEGIN { printf "%.2f", w / 1e9 }') s, pids $5"
}
measure() { # DAEMON
  local d=$1 pa pb p w0 w1 wall off_a off_b ta0 ta1 tb0 tb1 sa0 sa1 sb0 sb1
  bench_flush_vips "$lab" a
  bench_flush_vips "$lab" b
  bench_start "$d" "$lab" b "$work/b.conf" "$d-b"
  pb=$BENCH_PID
  bench_start "$d" "$lab" a "$work/a.conf" "$d-a"
  pa=$BENCH_PID
  bench_wait_vips "$lab" a "$n" 30
  sleep 6
  if [ "$(bench_vips "$lab" a)" != "$n" ] || [ "$(bench_vips "$lab" b)" != 0 ]; then
    echo "$d: did not settle to one Master" >&2; exit 1
  fi
  local -a pids_a pids_b
  mapfile -t pids_a < <(bench_procs "$d" "$pa" "$d-a")
  mapfile -t pids_b < <(bench_procs "$d" "$pb" "$d-b")
  off_a=$(stat -c %s "$work/$d-a.log")
  off_b=$(stat -c %s "$work/$d-b.log")
  w0=$(date +%s%N)
  ta0=$(ticks "${pids_a[@]}") sa0=$(runns "${pids_a[@]}")
  tb0=$(ticks "${pids_b[@]}") sb0=$(runns "${pids_b[@]}")
  sleep "$secs"
  ta1=$(ticks "${pids_a[@]}") sa1=$(runns "${pids_a[@]}")
  tb1=$(ticks "${pids_b[@]}") sb1=$(runns "${pids_b[@]}")
  w1=$(date +%s%N)
  wall=$((w1 - w0))
  for p in "${pids_a[@]}" "${pids_b[@]}"; do
    kill -0 "$p" 2>/dev/null || { echo "$d: process $p died during the window" >&2; exit 1; }
  done
  figures "$d-a" $((ta1 - ta0)) $((sa1 - sa0)) "$wall" "${pids_a[*]}"
  figures "$d-b" $((tb1 - tb0)) $((sb1 - sb0)) "$wall" "${pids_b[*]}"
  load[$d]=$(bench_load)
  local ta tb
  ta=$(transitions "$work/$d-a.log" "$off_a")
  tb=$(transitions "$work/$d-b.log" "$off_b")
  if [ "$ta" != 0 ] || [ "$tb" != 0 ] || [ "$(bench_vips "$lab" a)" != "$n" ] || [ "$(bench_vips "$lab" b)" != 0 ]; then
    echo "$d: state changed during the window (a: $ta transitions, b: $tb; VIPs a $(bench_vips "$lab" a), b $(bench_vips "$lab" b)): figures not comparable" >&2
    exit 1
  fi
  bench_stop "$pb"
  bench_stop "$pa"
}

echo "== CPU: $n VRRPv3 multicast instances, advert_int 0.1 (=$((n * 10)) adverts/s), ${secs} s window, % of one core"
bench_binline
for d in keepalived tinyvrrpd; do measure "$d"; done

printf '%-11s %-7s %-14s %-18s %s\n' daemon node "utime+stime %" "(schedstat %)" "load (1/5/15 min), detail"
for h in a b; do
  role=Master
  [ "$h" = b ] && role=Backup
  for d in keepalived tinyvrrpd; do
    printf '%-11s %-7s %-14s %-18s %s\n' "$d" "$role" "${pct[$d-$h]} %" "(${spct[$d-$h]} %)" "${load[$d]}; ${detail[$d-$h]}"
  done
  r=$(bench_ratio "${pct[tinyvrrpd-$h]}" "${pct[keepalived-$h]}")
  printf '%-11s %-7s tinyvrrpd/keepalived = %s\n' ratio "$role" "$r"
  if awk -v p="${pct[tinyvrrpd-$h]}" 'BEGIN { exit !(p <= 2) }'; then target="≤ 2 %: met"; else target="≤ 2 %: NOT met"; fi
  bench_summary "CPU $n inst @100 ms, $role" "${pct[keepalived-$h]} % of a core" "${pct[tinyvrrpd-$h]} %" "$r" "$target" "${load[tinyvrrpd]}"
done
