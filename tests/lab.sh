#!/usr/bin/env bash
# The test lab: three hosts on one LAN, each in a network namespace this script creates.
#   <name>-a  syslog1  192.0.2.11/24  2001:db8::11/64 on enp0s1
#   <name>-b  syslog2  192.0.2.12/24  2001:db8::12/64 on enp0s1
#   <name>-c  client   192.0.2.100/24 2001:db8::100/64 on enp0s1
#   <name>-lan  the bridge joining them
# Documentation addresses only (RFC 5737, RFC 3849); nothing outside these namespaces is
# touched. The link-local addresses go through DAD as on a real host.
# Usage: lab.sh up NAME | lab.sh down NAME
set -euo pipefail

cmd=${1:-}
name=${2:-}
[[ $name =~ ^[a-z0-9-]{1,10}$ ]] || { echo "usage: $0 up|down NAME (NAME: 1-10 of a-z 0-9 -)" >&2; exit 2; }

down() {
  for ns in "$name-a" "$name-b" "$name-c" "$name-lan"; do
    ip netns del "$ns" 2>/dev/null || true
  done
}

up() {
  down
  ip netns add "$name-lan"
  ip -n "$name-lan" link add br0 type bridge
  ip -n "$name-lan" link set br0 type bridge mcast_snooping 0
  ip -n "$name-lan" link set br0 up
  local host addr
  for host in a:11 b:12 c:100; do
    addr=${host#*:}; host=${host%%:*}
    ip netns add "$name-$host"
    ip -n "$name-lan" link add name "port-$host" type veth peer name enp0s1 netns "$name-$host"
    ip -n "$name-lan" link set "port-$host" master br0 up
    ip -n "$name-$host" link set lo up
    ip -n "$name-$host" addr add "192.0.2.$addr/24" dev enp0s1
    ip -n "$name-$host" addr add "2001:db8::$addr/64" dev enp0s1 nodad
    ip -n "$name-$host" link set enp0s1 up
  done
}

case $cmd in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down NAME" >&2; exit 2 ;;
esac
