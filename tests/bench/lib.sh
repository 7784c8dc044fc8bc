# shellcheck shell=bash
# Helpers shared by tests/bench/{rss,cpu,stability}.sh: sourced, not run.
# Safety rules they all follow: only namespaces they create (named bn<tag><pid>, refused if
# they exist already), only documentation prefixes (192.0.2.0/24, 198.51.100.0/24), every
# wait bounded, processes stopped by PID, everything undone by bench_cleanup (an EXIT trap).

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

bench_pids=()      # daemons and helpers we started, stopped by PID on exit
bench_labs=()      # labs (tests/lab.sh NAME) we created
bench_hog_pids=()  # CPU hog processes
work=

bench_need_root() {
  [ "$(id -u)" = 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }
}

# bench_install CMD:PACKAGE... — apt-get install the packages whose command is missing.
# Like tests/run.sh: a policy-rc.d (exit 101) keeps packages from starting services, and is
# only ours to add and remove if the machine has none (an existing one is never touched).
bench_install() {
  local spec missing=() own_policy=
  for spec in "$@"; do
    command -v "${spec%%:*}" >/dev/null 2>&1 || missing+=("${spec#*:}")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "== installing ${missing[*]}"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    own_policy=1
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
  fi
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
  if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
  return $rc
}

bench_install_base() {
  bench_install ip:iproute2 ping:iputils-ping keepalived:keepalived ps:procps timeout:coreutils
}

# bench_bin: TINY_BIN = the binary to measure. $TINYVRRPD_BIN if set (all.sh builds once);
# else the static release build from cross/build.sh x86_64, else `cargo build --release`.
bench_bin() {
  if [ -n "${TINYVRRPD_BIN:-}" ] && [ -x "$TINYVRRPD_BIN" ]; then
    TINY_BIN=$TINYVRRPD_BIN
    TINY_KIND=${TINYVRRPD_BIN_KIND:-given by TINYVRRPD_BIN}
  elif [ "$(uname -m)" = x86_64 ] && (cd "$bench_root" && bash cross/build.sh x86_64 >&2); then
    TINY_BIN=$bench_root/cross/out/x86_64/tinyvrrpd
    TINY_KIND="static musl release (cross/build.sh x86_64)"
  else
    echo "cross/build.sh failed or not x86_64: falling back to cargo build --release" >&2
    (cd "$bench_root" && cargo build --release --quiet) || return 1
    TINY_BIN=$bench_root/target/release/tinyvrrpd
    TINY_KIND="cargo build --release (not the static build)"
  fi
  TINY_SIZE=$(stat -c %s "$TINY_BIN")
  export TINYVRRPD_BIN=$TINY_BIN TINYVRRPD_BIN_KIND=$TINY_KIND
}

bench_binline() {
  echo "tinyvrrpd binary: ${TINY_BIN#"$bench_root"/} ($TINY_SIZE bytes, $TINY_KIND); $(keepalived --version 2>&1 | head -1)"
}

# The machine's load, printed beside every figure (others may be running tests).
bench_load() { awk '{ print $1 " " $2 " " $3 }' /proc/loadavg; }

bench_cleanup() {
  local p i
  bench_hog_stop
  for p in "${bench_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  # Bounded: 5 s for daemons to resign, then SIGKILL.
  for ((i = 0; i < 50; i++)); do
    local alive=
    for p in "${bench_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for p in "${bench_pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  # A SIGKILLed keepalived parent leaves its vrrp child: stop it by the PID it wrote.
  if [ -n "$work" ]; then
    for f in "$work"/*.vrrp.pid; do
      [ -e "$f" ] || continue
      p=$(cat "$f" 2>/dev/null || true)
      if [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = keepalived ]; then kill -KILL "$p" 2>/dev/null || true; fi
    done
  fi
  for p in "${bench_labs[@]}"; do bash "$bench_root/tests/lab.sh" down "$p"; done
  if [ -n "$work" ]; then rm -rf "$work"; fi
}

bench_setup() {
  work=$(mktemp -d /tmp/tinyvrrpd-bench.XXXXXX)
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

# bench_lab TAG -> LAB: a fresh lab bn<TAG><pid>; refuses names that exist (someone else's).
bench_lab() {
  local name="bn$1$$"
  name=${name:0:10}
  if ip netns list | grep -Eq "^$name-(a|b|c|lan)( |$)"; then
    echo "namespace $name-* exists already: not ours, refusing" >&2
    exit 1
  fi
  bench_labs+=("$name")
  bash "$bench_root/tests/lab.sh" up "$name"
  # shellcheck disable=SC2034 # read by the scripts that source this file
  LAB=$name
}

# VIP of instance I (1-100): 192.0.2.151-200, then 198.51.100.1-50.
bench_vip() {
  if [ "$1" -le 50 ]; then echo "192.0.2.$((150 + $1))"; else echo "198.51.100.$(($1 - 50))"; fi
}

# bench_conf FILE N PRIORITY STATE VERSION ADVERT_INT: N multicast instances on enp0s1,
# VRIDs 1..N, one VIP each — a keepalived.conf that both daemons run unchanged.
bench_conf() {
  local f=$1 n=$2 prio=$3 state=$4 ver=$5 adv=$6 i
  if [ "$n" -lt 1 ] || [ "$n" -gt 100 ]; then echo "instances: 1-100" >&2; return 1; fi
  {
    echo "# tests/bench: $n instance(s), VRRPv$ver multicast, advert_int $adv, priority $prio"
    for ((i = 1; i <= n; i++)); do
      printf 'vrrp_instance VI_%d {\n  state %s\n  interface enp0s1\n  virtual_router_id %d\n  priority %d\n' \
        "$i" "$state" "$i" "$prio"
      if [ "$ver" = 3 ]; then echo "  version 3"; fi
      printf '  advert_int %s\n  virtual_ipaddress {\n    %s/24 dev enp0s1\n  }\n}\n' "$adv" "$(bench_vip "$i")"
    done
  } > "$f"
}

# bench_start DAEMON LAB HOST CONF TAG -> BENCH_PID (tinyvrrpd, or keepalived's parent).
# Logs to $work/TAG.log; pid files $work/TAG.pid (and TAG.vrrp.pid for keepalived's child).
bench_start() {
  local d=$1 lab=$2 h=$3 conf=$4 tag=$5
  rm -f "$work/$tag.pid" "$work/$tag.vrrp.pid"
  # BENCH_CHRT (e.g. "-r 10"): start both daemons under chrt, to try a real-time policy.
  local pre=()
  if [ -n "${BENCH_CHRT:-}" ]; then read -ra pre <<<"chrt $BENCH_CHRT"; fi
  if [ "$d" = keepalived ]; then
    "${pre[@]}" ip netns exec "$lab-$h" keepalived -n -l -D -f "$conf" -p "$work/$tag.pid" -r "$work/$tag.vrrp.pid" \
      > "$work/$tag.log" 2>&1 &
  else
    "${pre[@]}" ip netns exec "$lab-$h" "$TINY_BIN" -n -l -f "$conf" -p "$work/$tag.pid" > "$work/$tag.log" 2>&1 &
  fi
  BENCH_PID=$!
  bench_pids+=("$BENCH_PID")
}

# bench_procs DAEMON PID TAG -> the PIDs to account: tinyvrrpd's one; keepalived's parent
# first, then its children (waits up to 10 s for the vrrp child's pid file).
bench_procs() {
  local d=$1 p=$2 tag=$3 i
  echo "$p"
  [ "$d" = keepalived ] || return 0
  for ((i = 0; i < 100; i++)); do [ -s "$work/$tag.vrrp.pid" ] && break; sleep 0.1; done
  ps -o pid= --ppid "$p" | tr -d ' '
}

# bench_stop PID: SIGTERM, wait up to 10 s, then SIGKILL.
bench_stop() {
  local p=$1 i
  kill -TERM "$p" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

# Number of VIPs on HOST's enp0s1 (every IPv4 address but the host's own).
bench_vips() { # LAB HOST
  local n
  n=$(ip -n "$1-$2" -4 -o addr show dev enp0s1 | wc -l)
  echo $((n - 1))
}

# Remove every VIP from HOST's enp0s1 (all IPv4 addresses but the lab's own .11/.12/.100).
bench_flush_vips() { # LAB HOST
  local a
  for a in $(ip -n "$1-$2" -4 -o addr show dev enp0s1 | awk '{ print $4 }'); do
    case $a in
      192.0.2.11/24 | 192.0.2.12/24 | 192.0.2.100/24) ;;
      *) ip -n "$1-$2" addr del "$a" dev enp0s1 2>/dev/null || true ;;
    esac
  done
}

# bench_wait_vips LAB HOST N SECONDS: until HOST holds exactly N VIPs.
bench_wait_vips() {
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    [ "$(bench_vips "$1" "$2")" = "$3" ] && return 0
    sleep 0.1
  done
  echo "timeout: $1-$2 holds $(bench_vips "$1" "$2") VIPs, expected $3" >&2
  return 1
}

# Per-process figures from /proc.
bench_status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; } # PID FIELD
bench_pss_kb() { awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"; }
bench_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; } # utime+stime
bench_sched() { # PID -> "policy nice" (e.g. "SCHED_OTHER nice 0")
  local pol
  pol=$(chrt -p "$1" 2>/dev/null | awk -F': ' '/policy/ { print $2 }')
  echo "${pol:-?} nice $(ps -o ni= -p "$1" | tr -d ' ')"
}

# bench_hog_start SECONDS: 2 busy workers per core at normal priority, bounded by SECONDS
# (stress-ng --timeout, or coreutils timeout around a shell busy loop). HOG_KIND says which.
bench_hog_start() {
  local secs=$1 n i
  n=$(($(nproc) * 2))
  if command -v stress-ng >/dev/null 2>&1; then
    stress-ng --cpu "$n" --timeout "${secs}s" --quiet &
    bench_hog_pids+=("$!")
    # shellcheck disable=SC2034 # read by the scripts that source this file
    HOG_KIND="stress-ng --cpu $n"
  else
    for ((i = 0; i < n; i++)); do
      timeout "$secs" sh -c 'while :; do :; done' &
      bench_hog_pids+=("$!")
    done
    # shellcheck disable=SC2034
    HOG_KIND="$n shell busy loops"
  fi
}

bench_hog_stop() {
  local p c
  for p in "${bench_hog_pids[@]}"; do
    for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do kill -KILL "$c" 2>/dev/null || true; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  bench_hog_pids=()
}

# /proc/stat snapshot: bench_cpustat -> "busy steal total" jiffies (steal: time the
# hypervisor ran something else on our virtual CPUs).
bench_cpustat() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6 - $9, $9, t }' /proc/stat; }

# One row of all.sh's summary table, appended to $BENCH_SUMMARY when all.sh set it:
# bench_summary FIGURE KEEPALIVED TINYVRRPD RATIO TARGET LOAD
bench_summary() {
  [ -n "${BENCH_SUMMARY:-}" ] || return 0
  local IFS=$'\t'
  echo "$*" >> "$BENCH_SUMMARY"
}

# ratio A B -> A/B with 2 decimals (or "-" when B is 0)
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
