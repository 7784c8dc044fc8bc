#!/usr/bin/env bash
# All of tinyvrrpd's checks: format, lints, unit tests and the namespace integration tests.
# Run as root on a fresh machine (namespaces need it): sudo tests/run.sh
# Installs what it needs (iproute2, ping) with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v ip >/dev/null 2>&1 || ! command -v ping >/dev/null 2>&1; then
  echo "== installing iproute2 and iputils-ping"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 iputils-ping >/dev/null
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
