#!/usr/bin/env bash
# Failover outage as a client sees it, keepalived vs tinyvrrpd, in one run.
#   sudo tests/bench/failover.sh [RUNS] [v2|v3]
# v2: the seed article's configs (VRRPv2, unicast, PASS, advert_int 1).
# v3: the same nodes over multicast, VRRPv3, advert_int 0.1.
# For each daemon (on both nodes) and each kind of failure, RUNS times: start syslog2 and
# syslog1, let syslog1 own the VIP, ping the VIP from the client every 10 ms, then
#   graceful: SIGTERM syslog1's daemon;
#   crash:    kill syslog1's daemon (SIGKILL; keepalived's processes frozen first so
#             neither can resign) and take its link down at the same moment (node loss).
# The outage is the longest gap between two ping replies. Prints median/min/max per
# daemon and kind and tinyvrrpd/keepalived ratios. A benchmark, not a test: nothing fails
# on slow figures. tinyvrrpd is the static build routers run (lib.sh's bench_bin).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh

runs=${1:-5}
mode=${2:-v2}
if ! [[ $runs =~ ^[0-9]+$ ]] || [ "$runs" -lt 1 ] || [ "$runs" -gt 50 ]; then echo "RUNS: 1-50" >&2; exit 2; fi
[[ $mode == v2 || $mode == v3 ]] || { echo "mode: v2 or v3" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }
missing=()
command -v ip >/dev/null || missing+=(iproute2)
command -v ping >/dev/null || missing+=(iputils-ping)
command -v keepalived >/dev/null || missing+=(keepalived)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bench_bin
bin=$TINY_BIN

lab=bench$$
lab=${lab:0:10}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -KILL "$p" 2>/dev/null || true; done
  bash tests/lab.sh down "$lab"
  rm -rf "$work"
}
trap cleanup EXIT
bash tests/lab.sh up "$lab"

# Configs: the seed's keepalived.conf runs under both daemons unchanged.
for h in 1 2; do
  if [ "$mode" = v2 ]; then
    cp "tests/configs/syslog$h.conf" "$work/syslog$h.conf"
  else
    awk '/unicast_peer \{|authentication \{/ {skip=1} !skip && !/unicast_src_ip/ {print} skip && /}/ {skip=0}' \
      "tests/configs/syslog$h.conf" | sed -E 's/advert_int 1( .*)?$/version 3\n  advert_int 0.1/' > "$work/syslog$h.conf"
    grep -q 'advert_int 0.1' "$work/syslog$h.conf" || { echo "v3 rewrite of syslog$h.conf failed" >&2; exit 1; }
  fi
done

has_vip() { ip -n "$lab-$1" -4 -o addr show dev enp0s1 | grep -q ' 192\.0\.2\.10/'; }
wait_vip() { # host seconds
  local i
  for ((i = 0; i < $2 * 100; i++)); do has_vip "$1" && return 0; sleep 0.01; done
  echo "timeout waiting for the VIP on $1" >&2; return 1
}

start() { # daemon host(a|b) -> sets pid_<host>
  local h=$2 n=1 p
  [ "$h" = b ] && n=2
  if [ "$1" = keepalived ]; then
    ip netns exec "$lab-$h" keepalived -n -P --no-syslog -f "$work/syslog$n.conf" \
      -p "$work/$h.pid" -r "$work/$h.vrrp.pid" >/dev/null 2>&1 &
  else
    ip netns exec "$lab-$h" "$bin" -n -f "$work/syslog$n.conf" -p "$work/$h.pid" >/dev/null 2>&1 &
  fi
  p=$!
  pids+=("$p")
  printf -v "pid_$h" %s "$p"
}

stop() { # daemon host signal
  local var="pid_$2" child
  local p=${!var}
  if [ "$1" = keepalived ] && [ "$3" = KILL ]; then
    child=$(cat "$work/$2.vrrp.pid" 2>/dev/null || true)
    kill -STOP "$p" ${child:+"$child"} 2>/dev/null || true
    kill -KILL ${child:+"$child"} "$p" 2>/dev/null || true
  else
    kill "-$3" "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
  rm -f "$work/$2.pid" "$work/$2.vrrp.pid"
}

# Paired sampling: run r of each daemon fails at the same moment within the advert interval
# (a crash's outage depends on how long before it the last advert went out), so the two
# daemons are compared on the same draws rather than on two independent ones.
RANDOM=42
phases=()
for ((r = 0; r < runs; r++)); do phases+=("$(printf %03d $((RANDOM % 1000)))"); done

one_run() { # daemon kind run -> prints the outage in ms
  local d=$1 kind=$2 run=$3 ping_pid
  start "$d" b
  start "$d" a
  wait_vip a 10
  sleep 2
  # Measure only a sound setup: exactly one owner (a misconfigured pair would both be
  # Master and show no outage at all).
  if ! has_vip a || has_vip b; then echo "not exactly one VIP owner before the failure" >&2; exit 1; fi
  ip netns exec "$lab-c" ping -D -n -i 0.01 -W 1 192.0.2.10 > "$work/ping.txt" 2>/dev/null &
  ping_pid=$!
  pids+=("$ping_pid")
  sleep "1.${phases[$run]}"
  if [ "$kind" = graceful ]; then
    stop "$d" a TERM
  else
    ip -n "$lab-a" link set enp0s1 down
    stop "$d" a KILL
  fi
  wait_vip b 15
  sleep 1
  kill -INT "$ping_pid"; wait "$ping_pid" 2>/dev/null || true
  stop "$d" b TERM
  ip -n "$lab-a" link set enp0s1 up
  ip -n "$lab-a" addr del 192.0.2.10/24 dev enp0s1 2>/dev/null || true
  ip -n "$lab-b" addr del 192.0.2.10/24 dev enp0s1 2>/dev/null || true
  # Longest gap between two replies, in ms.
  awk -F'[][]' '/bytes from/ { t = $2 + 0; if (prev) { g = (t - prev) * 1000; if (g > max) max = g } prev = t }
    END { printf "%.0f\n", max }' "$work/ping.txt"
}

stats() { # values... -> "median min max"
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%d %d %d", m, v[1], v[NR] }'
}

echo "failover outage seen by a client pinging the VIP every 10 ms ($mode, $runs runs each)"
bench_binline
declare -A median
for kind in graceful crash; do
  for d in keepalived tinyvrrpd; do
    vals=()
    for ((r = 0; r < runs; r++)); do vals+=("$(one_run "$d" "$kind" "$r")"); done
    read -r med min max <<< "$(stats "${vals[@]}")"
    median[$d-$kind]=$med
    printf '%-10s %-9s median %5d ms  min %5d  max %5d   (%s)\n' "$d" "$kind" "$med" "$min" "$max" "${vals[*]}"
  done
  awk -v t="${median[tinyvrrpd-$kind]}" -v k="${median[keepalived-$kind]}" -v kind="$kind" \
    'BEGIN { if (k > 0) printf "ratio      %-9s tinyvrrpd/keepalived median = %.2f\n", kind, t / k }'
done
