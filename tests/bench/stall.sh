#!/usr/bin/env bash
# What one false failover costs a client, keepalived vs tinyvrrpd, in one run:
#   sudo tests/bench/stall.sh [STALL_MS] [OBSERVE_SECONDS]
# The deterministic form of what stability.sh counts under a CPU hog: two nodes, one
# VRRPv3 multicast instance at advert_int 0.02 (Master_Down_Interval 72.2 ms), the same
# generated keepalived.conf for both daemons. The client pings the VIP every 10 ms; the
# Master's VRRP process is frozen (SIGSTOP) for STALL_MS (default 150) and thawed, so the
# Backup takes over, sends gratuitous ARP, then hears the Master again and steps down.
# Printed: the state changes and the longest time the client went without a reply over
# OBSERVE_SECONDS (default 30) from the stall (a client pointed at the wrong MAC waits
# for its neighbour entry to expire: seconds).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

stall_ms=${1:-150}
observe=${2:-30}
if ! [[ $stall_ms =~ ^[0-9]+$ ]] || [ "$stall_ms" -lt 80 ] || [ "$stall_ms" -gt 5000 ]; then echo "STALL_MS: 80-5000" >&2; exit 2; fi
if ! [[ $observe =~ ^[0-9]+$ ]] || [ "$observe" -lt 5 ] || [ "$observe" -gt 300 ]; then echo "OBSERVE_SECONDS: 5-300" >&2; exit 2; fi
bench_need_root
bench_install_base
bench_bin
bench_setup
bench_lab s
lab=$LAB
vip=$(bench_vip 1)
bench_conf "$work/a.conf" 1 150 MASTER 3 0.02
bench_conf "$work/b.conf" 1 100 BACKUP 3 0.02
stall=$(awk -v m="$stall_ms" 'BEGIN { printf "%.3f", m / 1000 }')

declare -A gap changes load
measure() { # DAEMON
  local d=$1 pa pb victim pp end
  bench_flush_vips "$lab" a
  bench_flush_vips "$lab" b
  ip -n "$lab-c" neigh flush dev enp0s1
  bench_start "$d" "$lab" b "$work/b.conf" "$d-b"
  pb=$BENCH_PID
  bench_start "$d" "$lab" a "$work/a.conf" "$d-a"
  pa=$BENCH_PID
  bench_wait_vips "$lab" a 1 20
  sleep 6
  if [ "$(bench_vips "$lab" a)" != 1 ] || [ "$(bench_vips "$lab" b)" != 0 ]; then
    echo "$d: did not settle to one Master" >&2; exit 1
  fi
  victim=$(bench_procs "$d" "$pa" "$d-a" | tail -n 1)
  local off_b
  off_b=$(stat -c %s "$work/$d-b.log")
  ip netns exec "$lab-c" ping -D -n -i 0.01 -W 1 -w $((observe + 5)) "$vip" > "$work/$d.ping" 2>&1 &
  pp=$!
  bench_pids+=("$pp")
  sleep 2
  kill -STOP "$victim"
  sleep "$stall"
  kill -CONT "$victim"
  sleep "$observe"
  end=$(date +%s.%N)
  kill -INT "$pp" 2>/dev/null || true
  wait "$pp" 2>/dev/null || true
  load[$d]=$(bench_load)
  # Longest time without a reply, counting the end of the window (an outage still
  # running then shows as at least that long).
  gap[$d]=$(awk -F'[][]' -v end="$end" '/bytes from/ { t = $2 + 0; if (prev) { g = (t - prev) * 1000; if (g > max) max = g } prev = t }
    END { g = (end - prev) * 1000; if (g > max) max = g; printf "%.0f\n", max }' "$work/$d.ping")
  changes[$d]=$(tail -c +"$((off_b + 1))" "$work/$d-b.log" | grep -o 'Entering [A-Z]* STATE' | awk '{ printf "%s%s", sep, $2; sep = " " }')
  bench_stop "$pb"
  bench_stop "$pa"
  rm -f "$work/$d-a.vrrp.pid" "$work/$d-b.vrrp.pid"
}

echo "== one false failover: the Master's VRRP process frozen for $stall_ms ms (VRRPv3, 20 ms adverts), client pinging the VIP every 10 ms"
bench_binline
for d in keepalived tinyvrrpd; do measure "$d"; done
printf '%-11s %-28s %-32s %s\n' daemon "Backup's state changes" "longest time without a reply" "load (1/5/15 min)"
for d in keepalived tinyvrrpd; do
  printf '%-11s %-28s %-32s %s\n' "$d" "${changes[$d]:-none}" "${gap[$d]} ms (of ${observe} s observed)" "${load[$d]}"
done
r=$(bench_ratio "${gap[tinyvrrpd]}" "${gap[keepalived]}")
echo "ratio tinyvrrpd/keepalived = $r"
bench_summary "Client outage after one false failover ($stall_ms ms stall)" "${gap[keepalived]} ms" "${gap[tinyvrrpd]} ms" "$r" - "${load[tinyvrrpd]}"
