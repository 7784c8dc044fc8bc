#!/usr/bin/env bash
# All of tinyvrrpd's checks: format, lints, unit tests and the namespace integration tests.
# Run as root on a fresh machine (namespaces need it): sudo tests/run.sh
# Installs what it needs with apt-get when missing: iproute2 and ping for the lab, and
# keepalived and FRR for the interop tests (tests/interop.rs runs them beside tinyvrrpd),
# nftables for the no_accept test, busybox for the OpenWrt files of the keepalived corpus
# (tests/keepalived_corpus.rs; without it those are checked on their diagnostics only).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
command -v keepalived >/dev/null 2>&1 || missing+=(keepalived)
[ -x /usr/lib/frr/vrrpd ] || missing+=(frr)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
[ -x /bin/busybox ] || missing+=(busybox)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  apt-get update -qq
  # policy-rc.d exit 101: the package must not start a keepalived service of its own.
  # Only ours to add and remove if the machine has none.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    own_policy=1
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$own_policy" ]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
fi
for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || rustup component add "$c"
done

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings

# The embedded builds first, while nothing is timed: compiling takes both cores.
echo "== cross/build.sh armv7 aarch64 mipsel x86_64"
bash cross/build.sh armv7 aarch64 mipsel x86_64

echo "== cargo test: build"
bins=$(cargo test --all-targets --no-run 2>&1 | tee /dev/stderr |
  sed -n 's/^ *Executable \(unittests src\|tests\)\/\([a-z_]*\)\.rs (\(.*\))$/\2 \3/p')
bin() { awk -v n="$1" '$1 == n { print $2 }' <<<"$bins"; }

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=0
lane() { # lane NAME COMMAND...: run with its output kept; one line when it ends
  local name=$1 start=$SECONDS
  shift
  if "$@" >"$logs/$name.log" 2>&1; then
    echo "ok   $name ($((SECONDS - start)) s)"
  else
    echo "FAIL $name ($((SECONDS - start)) s)"
    touch "$logs/$name.failed"
  fi
}
show() { # show NAME: a failed lane's whole output, a passed one's summary
  if [[ -e $logs/$1.failed ]]; then
    echo "== $1: failed, its output:"
    cat "$logs/$1.log"
    failed=$((failed + 1))
  else
    grep -E '^test result:|passed, [0-9]+ failed|check\(s\) failed|size [0-9]+ bytes' "$logs/$1.log" | sed "s/^/$1: /"
  fi
}

# What needs no network namespace, in turn.
echo "== cargo test: unit tests, CLI, corpus"
quick=(lib main cli keepalived_corpus)
for t in "${quick[@]}"; do
  lane "$t" "$(bin "$t")"
done
for t in "${quick[@]}"; do show "$t"; done

# The namespace tests and cross/ci.sh (qemu nodes, OpenWrt, init scripts) spend their time
# waiting for VRRP timers, so they run side by side, LANES at a time, the longest first.
# Every test makes its own namespaces; the daemons run SCHED_RR. The flood test, which
# loads the CPU on purpose, runs alone afterwards.
echo "== cargo test: namespace tests and cross/ci.sh, ${LANES:=4} at a time"
slow=(interop failover chaos cross tracking keywords links cluster lifecycle routes)
known=" flood ${slow[*]} ${quick[*]} routers "
while read -r t _; do
  [[ $known == *" $t "* ]] || { echo "tests/run.sh: no lane runs tests/$t.rs" >&2; exit 1; }
done <<<"$bins"
for t in "${slow[@]}"; do
  while (($(jobs -rp | wc -l) >= LANES)); do wait -n || true; done
  case $t in
    cross) lane cross bash cross/ci.sh & ;;
    # Their tests wait on 1 s adverts (23 pairs beside keepalived and FRR; 29 failovers):
    # several labs at once in the binary (tests/common's TINYVRRPD_LABS).
    interop) TINYVRRPD_LABS=3 lane interop "$(bin interop)" --test-threads=3 & ;;
    failover) TINYVRRPD_LABS=2 lane failover "$(bin failover)" & ;;
    *) lane "$t" "$(bin "$t")" & ;;
  esac
done
wait
lane flood "$(bin flood)"
for t in "${slow[@]}" flood; do show "$t"; done
echo "tests/run.sh: $failed of $((${#quick[@]} + ${#slow[@]} + 1)) parts failed"
[[ $failed == 0 ]]
