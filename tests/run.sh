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
echo "== cargo test"
cargo test --all-targets
echo "== cross/ci.sh (embedded: cross builds, size budget, qemu, OpenWrt, init scripts)"
bash cross/ci.sh
