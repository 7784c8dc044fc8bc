#!/usr/bin/env bash
# One on-link host floods the Master (issue 18 item 1), as fast as this machine sends:
#   sudo tests/bench/flood.sh [SECONDS]
# tests/flood.rs's flood_benchmark with the static release build (bench_bin): the seed
# pair as VRRPv3 multicast at 1 s in lab namespaces of its own, then from the client's
# namespace lower-priority adverts for the Master's VRID (TTL 255, to 224.0.0.18, from
# 100 addresses), then junk claiming priority 255 — each for SECONDS (default 10, at most
# 60), bounded at 400 000 frames a second. Printed: the rate the generator reached (the
# target is 300 000/s), and the checks that held: the Master alive and still Master, its
# adverts on time (seen from the Backup's namespace), its log within budget. It fails only
# if a check fails.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
. "$(dirname "$0")/lib.sh"

secs=${1:-10}
if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ] || [ "$secs" -gt 60 ]; then echo "SECONDS: 1-60" >&2; exit 2; fi
bench_need_root
bench_install ip:iproute2
bench_bin
bench_binline
echo "load before: $(bench_load)"
cd "$bench_root"
FLOOD_SECONDS=$secs TINYVRRPD_BIN=$TINY_BIN cargo test --release --quiet --test flood -- \
  --ignored --exact flood_benchmark --nocapture 2>&1 | grep -E '^flood of|frames in|panicked|FAILED|test result'
echo "load after: $(bench_load)"
