#!/usr/bin/env bash
# Memory of one daemon, keepalived vs tinyvrrpd, in one run:
#   sudo tests/bench/rss.sh [SETTLE_SECONDS]
# Two nodes (lab namespaces), each daemon in turn on both with the same generated
# keepalived.conf: 1 and then 100 VRRPv2 multicast instances on enp0s1 (VRIDs 1-100, one
# VIP each from 192.0.2.0/24 and 198.51.100.0/24, advert_int 1), node a priority 150, node b
# 100. Once node a holds every VIP and node b none, and SETTLE_SECONDS (default 6: past
# the second gratuitous ARP burst at 5 s) have passed, it reads VmRSS (/proc/PID/status) and
# Pss (/proc/PID/smaps_rollup) of the Master's and the Backup's daemon, and VmRSS split into
# RssFile (pages of the binary and libraries: code, read-only data) and RssAnon (heap,
# stack, data). keepalived: the sum over its processes (parent + vrrp child) and the vrrp
# child alone. A benchmark: figures, not a test (it fails only if the pair does not settle
# to one Master).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

settle=${1:-6}
if ! [[ $settle =~ ^[0-9]+$ ]] || [ "$settle" -gt 60 ]; then echo "SETTLE_SECONDS: 0-60" >&2; exit 2; fi
bench_need_root
bench_install_base
bench_bin
bench_setup
bench_lab r
lab=$LAB

counts=(1 100)
for n in "${counts[@]}"; do
  bench_conf "$work/a$n.conf" "$n" 150 MASTER 2 1
  bench_conf "$work/b$n.conf" "$n" 100 BACKUP 2 1
done

declare -A rss pss crss cpss load nprocs rfile ranon
measure() { # DAEMON N
  local d=$1 n=$2 pa pb h p procs sum_r sum_p sum_f sum_a first
  bench_flush_vips "$lab" a
  bench_flush_vips "$lab" b
  bench_start "$d" "$lab" b "$work/b$n.conf" "$d-$n-b"
  pb=$BENCH_PID
  bench_start "$d" "$lab" a "$work/a$n.conf" "$d-$n-a"
  pa=$BENCH_PID
  bench_wait_vips "$lab" a "$n" 30
  sleep "$settle"
  if [ "$(bench_vips "$lab" a)" != "$n" ] || [ "$(bench_vips "$lab" b)" != 0 ]; then
    echo "$d, $n instances: did not settle to one Master (a: $(bench_vips "$lab" a) VIPs, b: $(bench_vips "$lab" b))" >&2
    exit 1
  fi
  for h in a b; do
    if [ "$h" = a ]; then p=$pa; else p=$pb; fi
    procs=$(bench_procs "$d" "$p" "$d-$n-$h")
    sum_r=0 sum_p=0 sum_f=0 sum_a=0 first=1
    for p in $procs; do
      sum_r=$((sum_r + $(bench_status_kb "$p" VmRSS)))
      sum_p=$((sum_p + $(bench_pss_kb "$p")))
      sum_f=$((sum_f + $(bench_status_kb "$p" RssFile)))
      sum_a=$((sum_a + $(bench_status_kb "$p" RssAnon)))
      if [ -z "$first" ]; then
        crss[$d-$n-$h]=$(bench_status_kb "$p" VmRSS)
        cpss[$d-$n-$h]=$(bench_pss_kb "$p")
      fi
      first=
    done
    rss[$d-$n-$h]=$sum_r
    pss[$d-$n-$h]=$sum_p
    rfile[$d-$n-$h]=$sum_f
    ranon[$d-$n-$h]=$sum_a
    nprocs[$d-$n-$h]=$(wc -w <<<"$procs")
  done
  load[$d-$n]=$(bench_load)
  bench_stop "$pb"
  bench_stop "$pa"
  rm -f "$work/$d-$n-a.vrrp.pid" "$work/$d-$n-b.vrrp.pid"
}

echo "== memory after settling: keepalived vs tinyvrrpd, same keepalived.conf"
bench_binline
for n in "${counts[@]}"; do
  for d in keepalived tinyvrrpd; do
    measure "$d" "$n"
  done
done

mib() { awk -v k="$1" 'BEGIN { printf "%.2f", k / 1024 }'; }
printf '%-5s %-7s %-6s %-30s %-18s %-6s %s\n' inst role figure "keepalived KiB (vrrp child)" "tinyvrrpd KiB" ratio "load (1/5/15 min)"
for n in "${counts[@]}"; do
  for h in a b; do
    role=Master
    [ "$h" = b ] && role=Backup
    for f in VmRSS Pss; do
      if [ "$f" = VmRSS ]; then
        k=${rss[keepalived-$n-$h]} kc=${crss[keepalived-$n-$h]:-?} t=${rss[tinyvrrpd-$n-$h]}
      else
        k=${pss[keepalived-$n-$h]} kc=${cpss[keepalived-$n-$h]:-?} t=${pss[tinyvrrpd-$n-$h]}
      fi
      r=$(bench_ratio "$t" "$k")
      ld="ka ${load[keepalived-$n]}, tiny ${load[tinyvrrpd-$n]}"
      printf '%-5s %-7s %-6s %-30s %-18s %-6s %s\n' "$n" "$role" "$f" \
        "$k ($kc) [${nprocs[keepalived-$n-$h]} procs]" "$t ($(mib "$t") MiB)" "$r" "$ld"
      target=-
      if [ "$n" = 1 ]; then
        if [ "$t" -le 409 ]; then target="≤ 0.4 MiB: met"; else target="≤ 0.4 MiB: NOT met"; fi
      fi
      bench_summary "RSS $n inst $role $f" "$k KiB (vrrp child $kc)" "$t KiB" "$r" "$target" "${load[tinyvrrpd-$n]}"
    done
  done
done
echo "VmRSS = RssFile (the binary's and libraries' pages: code, read-only data) + RssAnon (heap, stack, data) + RssShmem:"
for n in "${counts[@]}"; do
  for d in keepalived tinyvrrpd; do
    printf '  %-10s %3s inst  Master RssFile %5s KiB  RssAnon %5s KiB   Backup RssFile %5s KiB  RssAnon %5s KiB\n' "$d" "$n" \
      "${rfile[$d-$n-a]}" "${ranon[$d-$n-a]}" "${rfile[$d-$n-b]}" "${ranon[$d-$n-b]}"
  done
done
