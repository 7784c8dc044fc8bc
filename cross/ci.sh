#!/usr/bin/env bash
# CI for embedded delivery (issue 7), run as root from tests/run.sh: cross builds of the three
# emulated targets and of x86_64, the armv7 size budget, qemu smoke tests, the router builds
# as live VRRP nodes in the namespace lab (tests/routers.rs), the OpenWrt tests (UCI and
# keepalived UCI translation, hotplug and the rpcd plugin with real daemons in namespaces),
# sh -n/shellcheck of every script, and the least-privilege test.
# Installs its own needs from Debian (qemu-user-static, shellcheck, busybox for OpenWrt's ash
# and awk, jq to check the plugin's JSON, nftables for no_accept's `-t`, iproute2 and ping
# for the lab) and PyPI (ziglang, through cross/build.sh). `cross/build.sh all` is for humans.
set -euo pipefail
cd "$(dirname "$0")/.."

BUDGET=300000 # bytes, armv7 stripped (issue 7)
SMOKE_TARGETS=(armv7 aarch64 mipsel)

need=()
command -v qemu-arm-static >/dev/null || need+=(qemu-user-static)
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v busybox >/dev/null || need+=(busybox)
command -v setpriv >/dev/null || need+=(util-linux)
command -v dash >/dev/null || need+=(dash)
command -v jq >/dev/null || need+=(jq)
command -v nft >/dev/null || need+=(nftables)
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
if ((${#need[@]})); then
  echo "== apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

failed=0
check() { # check NAME COMMAND...: run, report, remember a failure, keep going
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; failed=$((failed + 1)); fi
}

# x86_64 too: the static build routers of that kind run, checked natively below.
echo "== cross/build.sh ${SMOKE_TARGETS[*]} x86_64"
cross/build.sh "${SMOKE_TARGETS[@]}" x86_64

size=$(stat -c %s cross/out/armv7/tinyvrrpd)
check "armv7 size $size bytes <= budget $BUDGET" test "$size" -le "$BUDGET"

# Emulated smoke tests: each binary starts, knows its version, and checks configurations
# with the right exit codes (0 valid, 4 invalid with FILE:LINE).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'instance = VI_1\ninterface = enp0s1\nvirtual_router_id = 300\nvirtual_ipaddress = 192.0.2.10/24\n' >"$work/broken.kv"
qemu_for() {
  case $1 in
    armv7) echo qemu-arm-static ;;
    aarch64) echo qemu-aarch64-static ;;
    mipsel) echo qemu-mipsel-static ;;
    mips) echo qemu-mips-static ;;
  esac
}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
smoke() {
  local t=$1 q bin=cross/out/$1/tinyvrrpd out rc
  q=$(qemu_for "$t")
  file -b "$bin" | grep -q 'statically linked' || { echo "  $bin is not static"; return 1; }
  out=$("$q" "$bin" --version) || true
  [[ $out == "tinyvrrpd $version" ]] || { echo "  --version: '$out'"; return 1; }
  for cfg in tests/configs/syslog1.conf tests/configs/syslog1.kv; do
    "$q" "$bin" -t -f "$cfg" >/dev/null || { echo "  -t $cfg failed"; return 1; }
  done
  rc=0
  out=$("$q" "$bin" -t -f "$work/broken.kv" 2>&1) || rc=$?
  [[ $rc == 4 && $out == *"$work/broken.kv:3: "* ]] || { echo "  broken: rc=$rc '$out'"; return 1; }
  # The cluster check: in the PC builds; the router builds say it is not there.
  rc=0
  out=$("$q" "$bin" -t -f tests/configs/syslog1.conf -f tests/configs/syslog2.conf 2>&1) || rc=$?
  case $t in
    aarch64 | x86_64) [[ $rc == 0 && $out == *"Cross-checks: nothing to report"* ]] ;;
    *) [[ $rc == 2 && $out == *"no cluster check in this"* ]] ;;
  esac || { echo "  cluster check: rc=$rc '$out'"; return 1; }
}
command -v file >/dev/null || { apt-get install -y -qq file >/dev/null; }
for t in "${SMOKE_TARGETS[@]}"; do
  check "$t under $(qemu_for "$t"): --version, -t seed configs (0), -t broken (4, FILE:LINE), cluster check (PC builds) or its absence" smoke "$t"
done

# The router builds as live nodes, each beside the native build: the seed pair (VRRPv2
# unicast, PASS) with armv7, mipsel and aarch64 under qemu-user as the Master that stops,
# crashes and preempts; VRRPv3 multicast at 100 ms with armv7 in both roles and mipsel as
# Master (aarch64 is unicast only: qemu-user drops a 64-bit guest's multicast interface
# index); the static x86_64 build running SCHED_RR and its scripts SCHED_OTHER.
check "router builds as live VRRP nodes (tests/routers.rs)" \
  cargo test --locked --quiet --test routers -- --ignored

# Scripts: syntax under the shell each runs with, then shellcheck.
sh_scripts=(openwrt/files/tinyvrrpd.init openwrt/files/uci.sh openwrt/files/tinyvrrpd.rpcd
  openwrt/files/hotplug-keepalived openwrt/files/keepalived-user.hotplug
  openwrt/tests/uci-shim.sh init/tinyvrrpd.sysv init/tinyvrrpd.openrc cross/zigcc)
bash_scripts=(tests/run.sh cross/build.sh cross/ci.sh openwrt/tests/uci-test.sh openwrt/tests/hotplug-rpcd-test.sh
  init/least-privilege-test.sh)
syntax() { # syntax SHELL... -- FILE...
  local shells=() f s
  while [[ $1 != -- ]]; do shells+=("$1"); shift; done
  shift
  for f; do for s in "${shells[@]}"; do $s -n "$f" || return 1; done; done
}
check "sh -n (dash, busybox ash)" syntax dash "busybox ash" -- "${sh_scripts[@]}"
check "bash -n" syntax bash -- "${bash_scripts[@]}"
check "shellcheck" shellcheck "${sh_scripts[@]}" "${bash_scripts[@]}"

# Host binary for -t in the translation tests and for the namespace test.
cargo build --quiet --locked
check "OpenWrt UCI and keepalived UCI -> key=value translation" openwrt/tests/uci-test.sh target/debug/tinyvrrpd
check "OpenWrt hotplug and rpcd plugin (real daemons in namespaces)" openwrt/tests/hotplug-rpcd-test.sh target/debug/tinyvrrpd
check "least privilege (nobody + CAP_NET_RAW/CAP_NET_ADMIN)" init/least-privilege-test.sh target/debug/tinyvrrpd

echo "cross/ci.sh: $failed check(s) failed"
[[ $failed == 0 ]]
