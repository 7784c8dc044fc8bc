#!/usr/bin/env bash
# The seed article's failover demo, end to end, in network namespaces:
# syslog1 (192.0.2.11, MASTER, priority 150) and syslog2 (192.0.2.12, BACKUP, 100) share
# the VIP 192.0.2.10/24 with the article's keepalived.conf files (tests/configs/).
# Run as root from the repository: sudo tests/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
if ! need ip || ! need ping; then
  echo "== installing iproute2 and ping"
  apt-get update -qq && apt-get install -y -qq iproute2 iputils-ping >/dev/null
fi
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces): sudo $0" >&2; exit 1; }

echo "== building the release binary"
cargo build --release --quiet
bin=$PWD/target/release/tinyvrrpd
echo "   $(stat -c %s "$bin") bytes: $bin"

lab=demo$$
lab=${lab:0:10}
work=$(mktemp -d)
pid_a='' pid_b=''
cleanup() {
  for p in $pid_a $pid_b; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  for p in $pid_a $pid_b; do kill -9 "$p" 2>/dev/null || true; done
  bash tests/lab.sh down "$lab"
  rm -rf "$work"
}
trap cleanup EXIT

bash tests/lab.sh up "$lab"
start() { # host config: runs in this shell so the daemon stays our child
  ip netns exec "$lab-$1" "$bin" -n -l -f "tests/configs/$2" -p "$work/$1.pid" >>"$work/$1.log" 2>&1 &
  printf -v "pid_$1" %s $!
}
stop() { # host signal
  local var="pid_$1"
  kill "-$2" "${!var}"
  wait "${!var}" 2>/dev/null || true
  printf -v "$var" %s ""
}
has_vip() { ip -n "$lab-$1" -4 -o addr show dev enp0s1 | grep -q ' 192\.0\.2\.10/'; }
owner() { local o=; has_vip a && o="syslog1"; has_vip b && o="$o${o:+ and }syslog2"; echo "${o:-nobody}"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_owner() { # host limit_ms -> prints elapsed ms
  local t0; t0=$(now_ms)
  for _ in $(seq 1 2000); do
    if has_vip "$1"; then echo $(( $(now_ms) - t0 )); return 0; fi
    [ $(( $(now_ms) - t0 )) -gt "$2" ] && break
    sleep 0.01
  done
  echo "timeout"; return 1
}

echo "== starting syslog1 and syslog2 with the article's keepalived.conf"
start a syslog1.conf
start b syslog2.conf
echo "   syslog1 took the VIP after $(wait_owner a 5000) ms"
sleep 2
echo "   VIP owner: $(owner)"
ip netns exec "$lab-c" ping -c 1 -W 1 192.0.2.10 >/dev/null && echo "   client 192.0.2.100 pings the VIP 192.0.2.10: ok"

echo "== stopping syslog1 (SIGTERM, like 'systemctl stop keepalived')"
stop a TERM
echo "   syslog2 took the VIP after $(wait_owner b 5000) ms; VIP owner: $(owner)"
ip netns exec "$lab-c" ping -c 1 -W 1 192.0.2.10 >/dev/null && echo "   client pings the VIP: ok"

echo "== starting syslog1 again: it preempts"
start a syslog1.conf
echo "   syslog1 took the VIP back after $(wait_owner a 5000) ms"
sleep 1
echo "   VIP owner: $(owner)"

echo "== killing syslog1 (SIGKILL: no goodbye advert)"
stop a KILL
echo "   syslog2 took the VIP after $(wait_owner b 6000) ms (Master_Down_Interval 3.6 s)"

echo "== starting syslog1 again"
start a syslog1.conf
echo "   syslog1 took the VIP back after $(wait_owner a 5000) ms"
sleep 1
echo "   VIP owner: $(owner)"

echo "== stopping both"
stop a TERM; stop b TERM
echo "   VIP owner: $(owner)"

echo "== what the logs said (state changes)"
for h in a b; do
  name=syslog1; [ $h = b ] && name=syslog2
  grep -E "Entering|stale|stopped|starting" "$work/$h.log" | sed "s/^/   $name: /"
done
