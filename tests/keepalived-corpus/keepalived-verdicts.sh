#!/usr/bin/env bash
# keepalived's own verdict on every corpus file, as recorded in each file's header:
# `keepalived -t -l -f FILE` in a network namespace holding every interface the files
# name (veth pairs), messages without the file's path and without repeats.
# Run as root with keepalived 2.2.7 installed:  tests/keepalived-corpus/keepalived-verdicts.sh
# Exit codes: 0 clean, 4 fatal (keepalived does not start), 5 config messages, 6 script
# security message (5 and 6 start).
set -euo pipefail
cd "$(dirname "$0")"
ns=kacorpus-$$
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
n=0
for i in bond0 br-lan enp1s0 enp2s0 ens160 ens192 ens3 ens32 ens33 eth0 eth1 eth2 eth3 \
         lacp0 lacp1 lan0 vmbr0 wan0 wan ha0 ha-vip1 eth0.1 eth1.57 lacp1.901 lacp1.902; do
  n=$((n + 1))
  ip -n "$ns" link add "$i" type veth peer name "peer$n"
  ip -n "$ns" link set "$i" up
done
for f in *.conf; do
  rc=0
  msgs="$(timeout 30 ip netns exec "$ns" keepalived -t -l -f "$PWD/$f" 2>&1)" || rc=$?
  echo "== ${f%.conf}: exit $rc"
  printf '%s\n' "$msgs" | sed "s#($PWD/$f: #(#; s#($PWD/#(#" | awk 'NF && !seen[$0]++ { print "   " $0 }'
done
