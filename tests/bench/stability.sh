#!/usr/bin/env bash
# False failovers at VRRPv3 advert_int 0.02 under a CPU hog, keepalived vs tinyvrrpd:
#   sudo tests/bench/stability.sh [SECONDS] [INSTANCES]
# Two labs side by side, one per daemon, so both see the same hog and the same machine:
# node a priority 150 (Master), node b 100 (Backup), INSTANCES (default 1, at most 100)
# VRRPv3 multicast instances at advert_int 0.02 (Master_Down_Interval = 3 x 20 ms + skew
# 12.2 ms = 72.2 ms), the same generated keepalived.conf for both daemons. Once each pair
# has settled, a CPU hog (stress-ng --cpu 2 per core, else shell busy loops, at normal
# priority) runs for SECONDS (default 180). Counted in that window:
#   false failovers: "Entering MASTER STATE" in the Backup's log; transitions: any
#   "Entering ... STATE" on either node; and, from a capture on the client (tcpdump, kernel
#   timestamps), the Master's advert gaps per VRID: the longest, how many exceed 2 intervals
#   (an advert late or missing) and how many exceed Master_Down_Interval (the Backup would
#   have been right to take over), and adverts sent by the Backup. The client also pings
#   the first VIP every 10 ms through the window: what a false failover costs it (echo
#   requests left unanswered, longest time without a reply; from the same capture).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

secs=${1:-180}
n=${2:-1}
if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 5 ] || [ "$secs" -gt 3600 ]; then echo "SECONDS: 5-3600" >&2; exit 2; fi
if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 100 ]; then echo "INSTANCES: 1-100" >&2; exit 2; fi
bench_need_root
bench_install_base
bench_install tcpdump:tcpdump stress-ng:stress-ng || echo "(install failed: going on without what is missing)"
bench_bin
bench_setup
bench_lab t
lab_t=$LAB
bench_lab k
lab_k=$LAB
declare -A lab=([tinyvrrpd]=$lab_t [keepalived]=$lab_k)
daemons=(keepalived tinyvrrpd)
interval_ms=20
# Master_Down_Interval of the priority-100 Backup: 3 x 20 ms + (256 - 100) x 20 / 256 ms.
down_ms=72.19
vip1=$(bench_vip 1)

bench_conf "$work/a.conf" "$n" 150 MASTER 3 0.02
bench_conf "$work/b.conf" "$n" 100 BACKUP 3 0.02

declare -A pid off_a off_b dump_pid ping_pid
for d in "${daemons[@]}"; do
  bench_start "$d" "${lab[$d]}" b "$work/b.conf" "$d-b"
  pid[$d-b]=$BENCH_PID
  bench_start "$d" "${lab[$d]}" a "$work/a.conf" "$d-a"
  pid[$d-a]=$BENCH_PID
done
for d in "${daemons[@]}"; do
  bench_wait_vips "${lab[$d]}" a "$n" 30
done
sleep 6
for d in "${daemons[@]}"; do
  if [ "$(bench_vips "${lab[$d]}" a)" != "$n" ] || [ "$(bench_vips "${lab[$d]}" b)" != 0 ]; then
    echo "$d: did not settle to one Master" >&2; exit 1
  fi
done

# The vrrp process of each node: keepalived's child, tinyvrrpd itself.
declare -A sched
vrrp_pid() { # DAEMON HOST
  if [ "$1" = keepalived ]; then
    bench_procs keepalived "${pid[$1-$2]}" "$1-$2" | tail -n 1
  else
    echo "${pid[$1-$2]}"
  fi
}
for d in "${daemons[@]}"; do
  p=$(vrrp_pid "$d" b)
  sched[$d]="$(bench_sched "$p"), VmLck $(bench_status_kb "$p" VmLck) kB"
done

have_tcpdump=
command -v tcpdump >/dev/null 2>&1 && have_tcpdump=1

policy=
[ -z "${BENCH_CHRT:-}" ] || policy=", daemons started with chrt $BENCH_CHRT"
echo "== stability: $n VRRPv3 instance(s) at advert_int 0.02, ${secs} s under a CPU hog, both daemons side by side$policy"
bench_binline
for d in "${daemons[@]}"; do
  off_a[$d]=$(stat -c %s "$work/$d-a.log")
  off_b[$d]=$(stat -c %s "$work/$d-b.log")
  if [ -n "$have_tcpdump" ]; then
    ip netns exec "${lab[$d]}-c" tcpdump -i enp0s1 -n -s 128 -B 8192 -Z root -w "$work/$d.pcap" \
      "ip proto 112 or (icmp and host $vip1)" \
      2> "$work/$d.tcpdump.err" &
    dump_pid[$d]=$!
    bench_pids+=("$!")
  fi
done
if [ -n "$have_tcpdump" ]; then
  for d in "${daemons[@]}"; do
    for ((i = 0; i < 50; i++)); do grep -q listening "$work/$d.tcpdump.err" && break; sleep 0.1; done
  done
fi
for d in "${daemons[@]}"; do
  # Bounded by -w: it stops by itself 10 s after the window at the latest.
  ip netns exec "${lab[$d]}-c" ping -n -q -i 0.01 -W 1 -w $((secs + 10)) "$vip1" > /dev/null 2>&1 &
  ping_pid[$d]=$!
  bench_pids+=("$!")
done
read -r busy0 steal0 total0 < <(bench_cpustat)
bench_hog_start $((secs + 5))
echo "hog: $HOG_KIND ($(nproc) cores), load before: $(bench_load)"
sleep "$secs"
load_end=$(bench_load)
read -r busy1 steal1 total1 < <(bench_cpustat)
bench_hog_stop
busy=$(awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) 'BEGIN { printf "%.1f", b / t * 100 }')
steal=$(awk -v s=$((steal1 - steal0)) -v t=$((total1 - total0)) 'BEGIN { printf "%.1f", s / t * 100 }')
for d in "${daemons[@]}"; do
  kill -INT "${ping_pid[$d]}" 2>/dev/null || true
  wait "${ping_pid[$d]}" 2>/dev/null || true
  if [ -n "$have_tcpdump" ]; then
    kill -INT "${dump_pid[$d]}" 2>/dev/null || true
    wait "${dump_pid[$d]}" 2>/dev/null || true
  fi
done
echo "CPU busy during the window: $busy % of all cores (steal $steal %); load at the end: $load_end"

count() { # FILE FROM_BYTE PATTERN
  tail -c +"$(($2 + 1))" "$1" | grep -c "$3" || true
}

# Per-VRID gaps of the Master's adverts and the Backup's adverts, from the capture.
gaps() { # PCAP -> "adverts max_gap_ms over_2int over_down backup_adverts"
  tcpdump -n -tt -r "$1" 2>/dev/null | awk -v i2=$((2 * interval_ms)) -v down="$down_ms" '
    / VRRP/ {
      vrid = ""
      for (f = 1; f < NF; f++) if ($f == "vrid") { vrid = $(f + 1); sub(",", "", vrid) }
      if ($3 == "192.0.2.12") { bk++; next }
      if ($3 != "192.0.2.11" || vrid == "") next
      n++
      if (vrid in last) {
        g = ($1 - last[vrid]) * 1000
        if (g > max) max = g
        if (g > i2) o2++
        if (g > down) od++
      }
      last[vrid] = $1
    }
    END { printf "%d %.1f %d %d %d\n", n, max, o2, od, bk }'
}

# The client's pings to the first VIP, from the capture.
pings() { # PCAP -> "requests unanswered longest_gap_between_replies_ms"
  tcpdump -n -tt -r "$1" 2>/dev/null | awk '
    / ICMP echo (request|reply)/ {
      s = ""
      for (f = 1; f < NF; f++) if ($f == "seq") { s = $(f + 1); sub(",", "", s) }
    }
    / ICMP echo request/ { if (!(s in req)) { req[s] = 1; n++ } }
    / ICMP echo reply/ {
      rep[s] = 1
      if (last != "") { g = ($1 - last) * 1000; if (g > max) max = g }
      last = $1
    }
    END { lost = 0; for (s in req) if (!(s in rep)) lost++; printf "%d %d %.0f\n", n, lost, max }'
}

echo "Backup log: false failovers = 'Entering MASTER STATE' lines; transitions = any 'Entering ... STATE' on either node"
printf '%-11s %-15s %-11s %-26s %-8s %-9s %-9s %-8s %s\n' daemon "false failovers" transitions \
  "Master adverts (expected)" "max gap" "> 40 ms" "> 72 ms" "Backup" "scheduling of the vrrp process"
declare -A ff tr mx od pl pg
for d in "${daemons[@]}"; do
  ff[$d]=$(count "$work/$d-b.log" "${off_b[$d]}" 'Entering MASTER STATE')
  tr[$d]=$(($(count "$work/$d-a.log" "${off_a[$d]}" 'Entering .* STATE') + $(count "$work/$d-b.log" "${off_b[$d]}" 'Entering .* STATE')))
  if [ -n "$have_tcpdump" ]; then
    read -r adv max o2 odn bk < <(gaps "$work/$d.pcap")
  else
    adv=- max=- o2=- odn=- bk=-
  fi
  mx[$d]=$max od[$d]=$odn
  printf '%-11s %-15s %-11s %-26s %-8s %-9s %-9s %-8s %s\n' "$d" "${ff[$d]}" "${tr[$d]}" \
    "$adv ($((secs * 1000 * n / interval_ms)))" "$max ms" "$o2" "$odn" "$bk" "${sched[$d]}"
  if [ -n "$have_tcpdump" ]; then
    read -r preq plost pgap < <(pings "$work/$d.pcap")
    pl[$d]=$plost pg[$d]=$pgap
    echo "  $d client pinging the VIP every 10 ms: $preq requests, $plost unanswered, longest time between replies $pgap ms"
    grep -h 'dropped by kernel' "$work/$d.tcpdump.err" | sed "s/^/  $d capture: /" || true
  else
    pl[$d]=- pg[$d]=-
  fi
  if [ "${tr[$d]}" != 0 ]; then
    echo "  $d state changes in the window:"
    for h in a b; do
      if [ "$h" = a ]; then from=${off_a[$d]}; else from=${off_b[$d]}; fi
      tail -c +"$((from + 1))" "$work/$d-$h.log" | grep 'Entering .* STATE' | head -n 10 | sed "s/^/    $h: /" || true
    done
  fi
done
for d in "${daemons[@]}"; do
  if [ "$(bench_vips "${lab[$d]}" a)" != "$n" ] || [ "$(bench_vips "${lab[$d]}" b)" != 0 ]; then
    echo "  $d: NOT one Master at the end (a: $(bench_vips "${lab[$d]}" a) VIPs, b: $(bench_vips "${lab[$d]}" b))"
  fi
done

if [ "${ff[tinyvrrpd]}" = 0 ]; then target="0: met"; else target="0: NOT met"; fi
bench_summary "False failovers 20 ms, $n inst, ${secs} s hog${BENCH_CHRT:+, chrt $BENCH_CHRT}" "${ff[keepalived]} (transitions ${tr[keepalived]})" \
  "${ff[tinyvrrpd]} (transitions ${tr[tinyvrrpd]})" - "$target" "$load_end (busy $busy %)"
bench_summary "  Master advert gap max (> 72 ms)" "${mx[keepalived]} ms (${od[keepalived]})" \
  "${mx[tinyvrrpd]} ms (${od[tinyvrrpd]})" "$(bench_ratio "${mx[tinyvrrpd]}" "${mx[keepalived]}")" - "$load_end"
bench_summary "  Client pings unanswered (longest gap)" "${pl[keepalived]} (${pg[keepalived]} ms)" \
  "${pl[tinyvrrpd]} (${pg[tinyvrrpd]} ms)" "$(bench_ratio "${pg[tinyvrrpd]}" "${pg[keepalived]}")" - "$load_end"
