#!/usr/bin/env bash
# Least privilege: tinyvrrpd started by init/tinyvrrpd.sysv as an unprivileged user (nobody)
# holding only CAP_NET_RAW and CAP_NET_ADMIN, in a namespace of the test lab, does the whole
# job: becomes Master, adds the VIP, reloads on SIGHUP, dumps state on SIGUSR1, removes the
# VIP on stop. Without the capabilities it refuses to start (exit 1).
# Usage (root): init/least-privilege-test.sh TINYVRRPD_BINARY
# Touches only the lab namespaces it creates (lpriv-*) and 192.0.2.0/24.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:?usage: $0 TINYVRRPD_BINARY}")
lab=lpriv
ns=$lab-a
vip=192.0.2.10
work=$(mktemp -d)
pid=

cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; fi
  bash tests/lab.sh down "$lab"
  rm -rf "$work"
}
trap cleanup EXIT

# The unprivileged user must be able to reach the binary and the file.
chmod 755 "$work"
install -m 755 "$bin" "$work/tinyvrrpd"
install -m 644 tests/configs/syslog1.kv "$work/tinyvrrpd.conf"
export DAEMON=$work/tinyvrrpd CONF=$work/tinyvrrpd.conf RUNDIR=$work/run RUN_AS=nobody
bash tests/lab.sh up "$lab"

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# wait_for SECONDS COMMAND...: poll every 0.1 s, bounded
wait_for() {
  local n=$(($1 * 10)); shift
  until "$@"; do
    ((n-- > 0)) || return 1
    sleep 0.1
  done
}
has_vip() { ip -n "$ns" -4 addr show dev enp0s1 | grep -q "inet $vip/"; }
no_vip() { ! has_vip; }
# Gone, or a zombie waiting for a reaper that this sandbox's pid 1 may never be.
gone() { ! kill -0 "$pid" 2>/dev/null || [[ $(status_field State) == Z ]]; }
status_field() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }

if ip netns exec "$ns" sh init/tinyvrrpd.sysv start; then
  ok "init/tinyvrrpd.sysv start with RUN_AS=nobody"
else
  fail "init/tinyvrrpd.sysv start"
fi
wait_for 5 test -s "$RUNDIR/tinyvrrpd.pid" || true
pid=$(cat "$RUNDIR/tinyvrrpd.pid" 2>/dev/null || true)
if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
  # 0x3000 = bits 12 and 13: CAP_NET_ADMIN and CAP_NET_RAW, nothing else, in every set.
  uid=$(status_field Uid) eff=$(status_field CapEff) prm=$(status_field CapPrm) bnd=$(status_field CapBnd)
  if [[ $uid == 65534 && $eff == 0000000000003000 && $prm == "$eff" && $bnd == "$eff" ]]; then
    ok "daemon (pid $pid) runs as uid $uid with CapEff=CapPrm=CapBnd=$eff (NET_ADMIN+NET_RAW only)"
  else
    fail "daemon credentials: uid=$uid CapEff=$eff CapPrm=$prm CapBnd=$bnd"
  fi
else
  fail "no running daemon after start (pid file: '$pid')"
fi

if wait_for 5 has_vip; then ok "became Master and added VIP $vip"; else fail "VIP $vip not added"; fi

kill -HUP "$pid" 2>/dev/null || true
sleep 0.5
if kill -0 "$pid" 2>/dev/null && has_vip; then ok "SIGHUP reload: still running, VIP kept"; else fail "SIGHUP reload"; fi

kill -USR1 "$pid" 2>/dev/null || true
if wait_for 3 grep -qs VI_1 "$RUNDIR/tinyvrrpd.data"; then
  ok "SIGUSR1 dump written by the unprivileged daemon ($RUNDIR/tinyvrrpd.data)"
else
  fail "SIGUSR1 dump missing"
fi

if ip netns exec "$ns" sh init/tinyvrrpd.sysv stop && wait_for 3 gone && wait_for 3 no_vip; then
  ok "init/tinyvrrpd.sysv stop: daemon gone, VIP removed"
else
  fail "stop: $(gone && echo gone || echo alive), $(has_vip && echo VIP still there || echo no VIP)"
fi

# The capabilities are needed: without them, a clear runtime error and exit 1.
rc=0
ip netns exec "$ns" timeout 10 setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
  --inh-caps=-all --bounding-set=-all \
  "$DAEMON" -n -l -f "$CONF" -p "$RUNDIR/nocaps.pid" >"$work/nocaps.out" 2>&1 || rc=$?
if [[ $rc == 1 ]] && grep -qi "error: cannot start.*not permitted" "$work/nocaps.out"; then
  ok "without CAP_NET_RAW/CAP_NET_ADMIN: exit 1, '$(grep -i -m1 "error: cannot start" "$work/nocaps.out")'"
else
  fail "without capabilities: rc=$rc: $(cat "$work/nocaps.out")"
fi

echo "least-privilege: $passed passed, $failed failed"
[[ $failed == 0 ]]
