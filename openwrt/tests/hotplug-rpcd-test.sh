#!/usr/bin/env bash
# Hotplug and ubus as on OpenWrt, with the real daemon: two tinyvrrpd nodes in lab
# namespaces (owrt-*), configured from a /etc/config/keepalived as LuCI writes it (through
# uci.sh). Each daemon finds a stand-in for OpenWrt's /sbin/hotplug-call (bind-mounted by an
# overlay in a private mount namespace) that runs our /etc/hotplug.d/tinyvrrpd/ scripts,
# which pass the events on to /etc/hotplug.d/keepalived/, where a test script records them.
# The rpcd plugin is called as rpcd calls it (`PLUGIN list`, `PLUGIN call METHOD`), and its
# answers are checked against the fields luci-app-keepalived's views read.
#
# Not proven here (no OpenWrt userland from a registry): that the real hotplug-call,
# ubusd and rpcd behave as the stand-ins (`hotplug-call` sourcing each script in a subshell
# in `ls` order; rpcd accepting a JSON object on stdout), nor LuCI's JavaScript itself:
# the fields it reads are checked, from its views' source as of this writing.
# Usage (root): openwrt/tests/hotplug-rpcd-test.sh TINYVRRPD_BINARY
# Touches only the namespaces it creates and 192.0.2.0/24; bounded waits; cleanup on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
files=$PWD/openwrt/files
tests=$PWD/openwrt/tests
bin=$(realpath "${1:?usage: $0 TINYVRRPD_BINARY}")
lab=owrt
vip=192.0.2.10
vip2=192.0.2.20
work=$(mktemp -d)
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  bash tests/lab.sh down "$lab"
  rm -rf "$work"
}
trap cleanup EXIT

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
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)"; exit 1; }

# What luci-app-keepalived's views read from `ubus call keepalived dump` (view/keepalived/
# overview.js and view/status/include/35_keepalived.js): status is an array; per entry
# data.iname, data.ifp_ifname, data.last_transition (seconds; new Date(x * 1000)), and the
# state either as data.state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT) or as
# stats.become_master - stats.release_master (non-zero: MASTER); stats.advert_sent and
# stats.advert_rcvd.
luci_reads_all='(.status | type == "array") and (.status | all(
  (.data.iname | type == "string") and (.data.ifp_ifname | type == "string") and
  (.data.last_transition | type == "number") and (.data.state | type == "number") and
  ((.stats.become_master - .stats.release_master != 0) == (.data.state == 2)) and
  ([.stats.become_master, .stats.release_master, .stats.advert_sent, .stats.advert_rcvd] | all(type == "number"))))'

shells=()
command -v dash >/dev/null && shells+=("$(command -v dash)")
command -v busybox >/dev/null && shells+=("$(command -v busybox) ash")
shells+=("$(command -v bash)")

# A node's OpenWrt-like root: hotplug.d with our scripts, a recorder for keepalived's
# directory (one line per event: environment and arguments; LEAKED shows any of the
# daemon's own variables that got through `env -i`), and hotplug-call.
# make_root DIR SHELL
make_root() {
  local d=$1 sh=$2
  mkdir -p "$d/etc/hotplug.d/tinyvrrpd" "$d/etc/hotplug.d/keepalived" "$d/sbin" "$d/run" "$d/var/etc"
  cp "$files/hotplug-keepalived" "$d/etc/hotplug.d/tinyvrrpd/10-keepalived"
  # shellcheck disable=SC2016 # written for the recorder's shell
  printf '%s\n' 'echo "ACTION=${ACTION-} TYPE=${TYPE-unset} NAME=${NAME-unset} ARGS=$* LEAKED=${INSTANCE-}${STATE-}${PRIORITY-}${GROUP-}" >>"$TEST_LOG"' \
    >"$d/etc/hotplug.d/keepalived/50-record"
  # The stand-in for OpenWrt's hotplug-call: exports HOTPLUG_TYPE, PATH, LOGNAME, USER and
  # sources each script of /etc/hotplug.d/$1/ in a subshell, in ls order. The test's paths
  # are baked in: keepalived's events come through `env -i`.
  cat >"$d/sbin/hotplug-call" <<EOF
#!$sh
export HOTPLUG_TYPE="\$1"
PATH=/usr/sbin:/usr/bin:/sbin:/bin LOGNAME=root USER=root
export PATH LOGNAME USER
export TEST_LOG=$d/keepalived.log
export TINYVRRPD_HOTPLUG_KEEPALIVED="\${TINYVRRPD_HOTPLUG_KEEPALIVED:-$d/var/etc/tinyvrrpd.hotplug-keepalived}"
export TINYVRRPD_HOTPLUG_CALL=$d/sbin/hotplug-call
for script in \$(ls $d/etc/hotplug.d/"\$1"/* 2>/dev/null); do (
	[ -f "\$script" ] && . "\$script"
); done
EOF
  chmod +x "$d/sbin/hotplug-call"
  : >"$d/var/etc/tinyvrrpd.hotplug-keepalived"
}

# ---- the hotplug scripts alone, under each shell ----------------------------------------
for sh in "${shells[@]}"; do
  name=${sh##*/}
  d=$work/unit
  rm -rf "$d"
  make_root "$d" "$sh"
  log=$d/keepalived.log
  event() { env "$@" "$d/sbin/hotplug-call" tinyvrrpd; }
  # As the daemon emits them (src/daemon/notify.rs: instances' and sync groups' events;
  # lifecycle.rs: startup and shutdown).
  event ACTION=NOTIFY_MASTER TYPE=INSTANCE NAME=VI_1 INSTANCE=VI_1 STATE=MASTER PRIORITY=150
  event ACTION=NOTIFY_STOP TYPE=INSTANCE NAME=VI_1 INSTANCE=VI_1 STATE=STOP PRIORITY=150
  event ACTION=NOTIFY_BACKUP TYPE=GROUP NAME=G1 GROUP=G1 STATE=BACKUP
  event ACTION=NOTIFY_STOP TYPE=GROUP NAME=G1 GROUP=G1 STATE=STOP
  event ACTION=startup
  event ACTION=shutdown
  event ACTION=NOTIFY_PRIORITY TYPE=INSTANCE NAME=VI_1
  expected="ACTION=NOTIFY_MASTER TYPE=INSTANCE NAME=VI_1 ARGS=keepalived LEAKED=
ACTION=NOTIFY_STOP TYPE=INSTANCE NAME=VI_1 ARGS=keepalived LEAKED=
ACTION=NOTIFY_BACKUP TYPE=GROUP NAME=G1 ARGS=keepalived LEAKED=
ACTION=NOTIFY TYPE=GROUP NAME=G1 ARGS=keepalived GROUP G1 BACKUP 0 LEAKED=
ACTION=NOTIFY TYPE=GROUP NAME=G1 ARGS=keepalived GROUP G1 STOP 0 LEAKED=
ACTION=startup TYPE=unset NAME=unset ARGS=keepalived LEAKED=
ACTION=shutdown TYPE=unset NAME=unset ARGS=keepalived LEAKED="
  if [[ $(cat "$log") == "$expected" ]]; then
    ok "$name: hotplug.d/tinyvrrpd -> hotplug-call keepalived as keepalived's package calls it (INSTANCE, GROUP + NOTIFY, startup/shutdown, clean env)"
  else
    fail "$name: hotplug events:"; diff <(echo "$expected") "$log" || true
  fi
  rm "$d/var/etc/tinyvrrpd.hotplug-keepalived" "$log"
  event ACTION=NOTIFY_MASTER TYPE=INSTANCE NAME=VI_1
  if [[ ! -e $log ]]; then
    ok "$name: forwarding off (native mode): nothing reaches /etc/hotplug.d/keepalived"
  else
    fail "$name: forwarded while off: $(cat "$log")"
  fi
  : >"$d/var/etc/tinyvrrpd.hotplug-keepalived"
done

# ---- the rpcd plugin on given JSON, under each shell and awk ------------------------------
# The daemon's JSON as src/daemon/status.rs writes it (two instances in a sync group, with
# their last transitions and the group's), and the answers expected; then the same before
# VI_WAN's and the group's first transition (null: no entry in `status`, no field in `dump`).
mkdir -p "$work/fake/run" "$work/awk"
cat >"$work/fake/status.json" <<'EOF'
{"router_id":"edge1","instances":[{"name":"VI_LAN","state":"MASTER","interface":"br-lan","vrid":51,"version":3,"priority":{"base":150,"effective":150},"advert_interval_ms":500,"preempt":false,"source":"192.0.2.11","master_seen":{"address":"192.0.2.11","priority":150},"sync_group":"G1","vips":[{"address":"192.0.2.10","prefix":24,"dev":"br-lan"}],"tracking":[{"type":"interface","name":"br-lan","weight":0,"reverse":false,"result":"good"}],"counters":{"adverts_rx":7,"adverts_tx":42,"priority0_rx":1,"priority0_tx":0,"became_master":3,"transitions":6,"discarded":{"vrid":0,"version":0,"not_peer":0,"auth":0,"interval":0,"own":0}},"last_transition":{"time":1700000000.250,"from":"BACKUP","to":"MASTER","reason":"master_down"}},{"name":"VI_WAN","state":"FAULT","interface":"eth1","vrid":52,"version":2,"priority":{"base":100,"effective":100},"advert_interval_ms":1000,"preempt":true,"source":null,"master_seen":null,"sync_group":"G1","vips":[],"tracking":[],"counters":{"adverts_rx":0,"adverts_tx":0,"priority0_rx":0,"priority0_tx":0,"became_master":0,"transitions":1,"discarded":{"vrid":0,"version":0,"not_peer":0,"auth":0,"interval":0,"own":0}},"last_transition":{"time":1700000100.125,"from":"MASTER","to":"FAULT","reason":"fault"}}],"sync_groups":[{"name":"G1","state":"FAULT","members":["VI_LAN","VI_WAN"],"last_transition":{"time":1700000100.125,"from":"MASTER","to":"FAULT","reason":"fault"}}],"dropped":{}}
EOF
sed 's/"last_transition":{"time":1700000100[^}]*}/"last_transition":null/g' "$work/fake/status.json" >"$work/fake/status-null.json"
# shellcheck disable=SC2016 # expanded by the fake's shell
printf '#!/bin/sh\ncat "${TEST_JSON:-%s}"\n' "$work/fake/status.json" >"$work/fake/tinyvrrpd"
chmod +x "$work/fake/tinyvrrpd"
dump='{"status":[{"data":{"iname":"VI_LAN","ifp_ifname":"br-lan","vrid":51,"version":3,"base_priority":150,"effective_priority":150,"adver_int":0.5,"nopreempt":true,"state":2,"last_transition":1700000000.250},"stats":{"advert_rcvd":7,"advert_sent":42,"become_master":3,"release_master":2,"pri_zero_rcvd":1,"pri_zero_sent":0}},{"data":{"iname":"VI_WAN","ifp_ifname":"eth1","vrid":52,"version":2,"base_priority":100,"effective_priority":100,"adver_int":1,"nopreempt":false,"state":3,"last_transition":1700000100.125},"stats":{"advert_rcvd":0,"advert_sent":0,"become_master":0,"release_master":0,"pri_zero_rcvd":0,"pri_zero_sent":0}}]}'
status='{"instance":[{"name":"VI_LAN","event":1700000000,"status":"NOTIFY_MASTER"},{"name":"VI_WAN","event":1700000100,"status":"NOTIFY_FAULT"}],"group":[{"name":"G1","event":1700000100,"status":"NOTIFY_FAULT"}]}'
dump_null=${dump/,\"last_transition\":1700000100.125/}
status_null='{"instance":[{"name":"VI_LAN","event":1700000000,"status":"NOTIFY_MASTER"}],"group":[]}'
awks=("$(command -v awk)")
if command -v busybox >/dev/null; then
  ln -sf "$(command -v busybox)" "$work/awk/awk"
  awks+=("$work/awk/awk")
fi
for sh in "${shells[@]}"; do
  for awk in "${awks[@]}"; do
    label="${sh##*/}, $(basename "$(readlink -f "$awk")") awk"
    plugin() { PATH=${awk%/*}:$PATH TINYVRRPD_PROG=$work/fake/tinyvrrpd TINYVRRPD_RUNDIR=$work/fake/run \
      TINYVRRPD_RPCD_OBJECT=keepalived $sh "$files/tinyvrrpd.rpcd" call "$1" </dev/null; }
    got_dump=$(plugin dump) got_status=$(plugin status)
    if [[ $got_dump == "$dump" && $got_status == "$status" ]] &&
      jq -e "$luci_reads_all" <<<"$got_dump" >/dev/null; then
      ok "$label: dump and status from given JSON (last transitions and the group's state from the daemon)"
    else
      fail "$label: plugin:"; diff <(echo "$dump"; echo "$status") <(echo "$got_dump"; echo "$got_status") || true
    fi
    export TEST_JSON=$work/fake/status-null.json
    got_dump=$(plugin dump) got_status=$(plugin status)
    unset TEST_JSON
    if [[ $got_dump == "$dump_null" && $got_status == "$status_null" ]]; then
      ok "$label: before a first transition (null): no last_transition in dump, no entry in status"
    else
      fail "$label: plugin on null:"; diff <(echo "$dump_null"; echo "$status_null") <(echo "$got_dump"; echo "$got_status") || true
    fi
  done
done

# ---- two real daemons ---------------------------------------------------------------------
# /etc/config/keepalived of each node, as LuCI writes it (two instances in a sync group);
# translated by uci.sh.
luci_config() { # STATE PRIORITY
  cat <<EOF
config globals 'globals'
	option enabled '1'

config ipaddress
	option name 'vip_lan'
	option address '$vip/24'
	option device 'enp0s1'

config vrrp_instance
	option name 'VI_1'
	option state '$1'
	option interface 'enp0s1'
	option virtual_router_id '51'
	option priority '$2'
	option advert_int '1'
	list virtual_ipaddress 'vip_lan'
	option debug '0'

config ipaddress
	option name 'vip_lan2'
	option address '$vip2/24'
	option device 'enp0s1'

config vrrp_instance
	option name 'VI_2'
	option state '$1'
	option interface 'enp0s1'
	option virtual_router_id '52'
	option priority '$2'
	option advert_int '1'
	list virtual_ipaddress 'vip_lan2'

config vrrp_sync_group
	option name 'G1'
	list group 'VI_1'
	list group 'VI_2'
EOF
}
translate() { # NODE STATE PRIORITY
  mkdir -p "$work/$1/uci"
  luci_config "$2" "$3" >"$work/$1/uci/keepalived"
  # shellcheck disable=SC2016 # expanded by the inner shell
  UCI_CONFIG_DIR=$work/$1/uci sh -c '. "$0"; . "$1"; tinyvrrpd_load keepalived && tinyvrrpd_keepalived_to_kv' \
    "$tests/uci-shim.sh" "$files/uci.sh" >"$work/$1/tinyvrrpd.conf"
}
start_node() { # NODE NAMESPACE
  local d=$work/$1
  make_root "$d" "$(command -v sh)"
  # Slow to answer the startup event and NOTIFY_STOP: a daemon that did not wait for them
  # before its first transition, or before its shutdown event, would be recorded out of
  # order.
  # shellcheck disable=SC2016 # written for hotplug-call's shell
  printf '%s\n' 'case $ACTION in startup) sleep 1 ;; NOTIFY_STOP) sleep 0.5 ;; esac' \
    >"$d/etc/hotplug.d/keepalived/40-slow"
  mkdir -p "$d/overlay"
  cp "$d/sbin/hotplug-call" "$d/overlay/hotplug-call"
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare -m sh -c 'mount -t overlay overlay -o "lowerdir=$0:/usr/sbin" /usr/sbin &&
    exec ip netns exec "$1" "$3" -n -l -f "$2/tinyvrrpd.conf" -p "$2/run/tinyvrrpd.pid"' \
    "$d/overlay" "$2" "$d" "$bin" >"$d/daemon.log" 2>&1 &
  pids+=($!)
}
# has_vip NAMESPACE: both VIPs (the group's members move together); has_no_vip: neither.
has_vip() { local a; a=$(ip -n "$1" -4 addr show dev enp0s1); [[ $a == *"inet $vip/"* && $a == *"inet $vip2/"* ]]; }
has_no_vip() { local a; a=$(ip -n "$1" -4 addr show dev enp0s1); [[ $a != *"inet $vip/"* && $a != *"inet $vip2/"* ]]; }
logged() { grep -qx -- "$2" "$work/$1/keepalived.log" 2>/dev/null; }

bash tests/lab.sh up "$lab"
translate a MASTER 150
translate b BACKUP 100
t0=$(date +%s)
start_node a "$lab-a"
start_node b "$lab-b"
if wait_for 8 has_vip "$lab-a" && has_no_vip "$lab-b"; then
  ok "LuCI-style /etc/config/keepalived on two nodes: a (150) holds $vip and $vip2, b (100) is Backup"
else
  fail "election: a $(has_vip "$lab-a" && echo has || echo lacks) the VIP; logs: $(cat "$work/a/daemon.log")"
fi
master_line="ACTION=NOTIFY_MASTER TYPE=INSTANCE NAME=VI_1 ARGS=keepalived LEAKED="
if wait_for 5 logged a "$master_line" && wait_for 5 logged b "ACTION=NOTIFY_BACKUP TYPE=INSTANCE NAME=VI_1 ARGS=keepalived LEAKED="; then
  ok "the daemon's hotplug-call reached /etc/hotplug.d/keepalived as keepalived's: a '$master_line', b NOTIFY_BACKUP"
else
  fail "hotplug from the daemon: a: $(cat "$work/a/keepalived.log" 2>&1) b: $(cat "$work/b/keepalived.log" 2>&1)"
fi
# The sync group's own events (TYPE=GROUP), forwarded as keepalived's package has them:
# NOTIFY_X, then NOTIFY with `GROUP NAME STATE 0`; a stop as the latter only.
group_line() { # STATE
  [[ $1 == STOP ]] || echo "ACTION=NOTIFY_$1 TYPE=GROUP NAME=G1 ARGS=keepalived LEAKED="
  echo "ACTION=NOTIFY TYPE=GROUP NAME=G1 ARGS=keepalived GROUP G1 $1 0 LEAKED="
}
group_logged() { # NODE STATE
  local l
  while read -r l; do logged "$1" "$l" || return 1; done < <(group_line "$2")
}
if wait_for 5 group_logged a MASTER && wait_for 5 group_logged b BACKUP; then
  ok "sync group G1's events from the daemons reached /etc/hotplug.d/keepalived: a NOTIFY_MASTER + NOTIFY GROUP G1 MASTER 0, b BACKUP"
else
  fail "group events: a: $(cat "$work/a/keepalived.log" 2>&1) b: $(cat "$work/b/keepalived.log" 2>&1)"
fi
startup_line="ACTION=startup TYPE=unset NAME=unset ARGS=keepalived LEAKED="
shutdown_line="ACTION=shutdown TYPE=unset NAME=unset ARGS=keepalived LEAKED="
stop_line="ACTION=NOTIFY_STOP TYPE=INSTANCE NAME=VI_1 ARGS=keepalived LEAKED="
if [[ $(head -n 1 "$work/a/keepalived.log") == "$startup_line" &&
  $(head -n 1 "$work/b/keepalived.log") == "$startup_line" ]] &&
  [[ $(grep -c . "$work/a/keepalived.log") -ge 2 ]]; then
  ok "each daemon emitted ACTION=startup (forwarded as keepalived's startup_script does it) before its instance's first event, though the event took 1 s"
else
  fail "startup events: a: $(cat "$work/a/keepalived.log") b: $(cat "$work/b/keepalived.log")"
fi

# rpcd's view: `PLUGIN list`, then `PLUGIN call METHOD` with the (empty) arguments on stdin;
# the answer must be a JSON object and the method one the list names.
mkdir -p "$work/rpcd"
cp "$files/tinyvrrpd.rpcd" "$work/rpcd/tinyvrrpd"
cp "$files/tinyvrrpd.rpcd" "$work/rpcd/keepalived"
chmod +x "$work/rpcd/"*
ubus_call() { # NODE OBJECT METHOD
  local list
  list=$(TINYVRRPD_PROG=$bin TINYVRRPD_RUNDIR=$work/$1/run "$work/rpcd/$2" list) || return 1
  jq -e --arg m "$3" 'type == "object" and has($m)' <<<"$list" >/dev/null || { echo "list: $list" >&2; return 1; }
  echo '{}' | TINYVRRPD_PROG=$bin TINYVRRPD_RUNDIR=$work/$1/run "$work/rpcd/$2" call "$3" |
    tee "$work/$1.$2.$3.json" | jq -e 'type == "object"' >/dev/null
}

luci_reads="$luci_reads_all and (.status | length == 2)"
now=$(date +%s)
for node in a:2:MASTER b:1:BACKUP; do
  IFS=: read -r n state word <<<"$node"
  if ubus_call "$n" keepalived dump &&
    jq -e "$luci_reads" "$work/$n.keepalived.dump.json" >/dev/null &&
    jq -e --argjson s "$state" --argjson t0 "$t0" --argjson now "$now" '.status[0] |
      .data.iname == "VI_1" and .data.ifp_ifname == "enp0s1" and .data.state == $s and
      ((.stats.become_master - .stats.release_master != 0) == ($s == 2)) and
      .data.last_transition >= $t0 and .data.last_transition <= $now + 1 and
      .data.vrid == 51' "$work/$n.keepalived.dump.json" >/dev/null; then
    ok "node $n: ubus call keepalived dump has every field LuCI reads; LuCI shows VI_1 on enp0s1 as $word (state $state; become-release agrees), last transition in this run"
  else
    fail "node $n: keepalived dump: $(cat "$work/$n.keepalived.dump.json" 2>&1)"
  fi
done
if jq -e '.status[0].stats.advert_sent > 0' "$work/a.keepalived.dump.json" >/dev/null &&
  jq -e '.status[0].stats.advert_rcvd > 0' "$work/b.keepalived.dump.json" >/dev/null; then
  ok "Probes Sent on the Master and Probes Received on the Backup are counting"
else
  fail "advert counters: $(cat "$work/a.keepalived.dump.json" "$work/b.keepalived.dump.json")"
fi
if ubus_call a keepalived status &&
  jq -e '.instance | length == 2 and .[0].name == "VI_1" and .[0].status == "NOTIFY_MASTER" and (.[0].event | type == "number")' \
    "$work/a.keepalived.status.json" >/dev/null &&
  jq -e --argjson t0 "$t0" '.group | length == 1 and .[0].name == "G1" and .[0].status == "NOTIFY_MASTER" and .[0].event >= $t0' \
    "$work/a.keepalived.status.json" >/dev/null; then
  ok "ubus call keepalived status: {instance: [{name, event, status: NOTIFY_MASTER}, ...], group: [G1 NOTIFY_MASTER, from the daemon's sync_groups]} as keepalived's package"
else
  fail "keepalived status: $(cat "$work/a.keepalived.status.json" 2>&1)"
fi
if ubus_call a tinyvrrpd status &&
  jq -e '.instances[0].name == "VI_1" and .instances[0].state == "MASTER" and .instances[0].counters.became_master == 1' \
    "$work/a.tinyvrrpd.status.json" >/dev/null; then
  ok "ubus call tinyvrrpd status: the daemon's own JSON"
else
  fail "tinyvrrpd status: $(cat "$work/a.tinyvrrpd.status.json" 2>&1)"
fi
if ubus_call a keepalived nonsense 2>/dev/null; then
  fail "an unknown method was answered"
else
  ok "an unknown method is not in the list: refused"
fi

# a stops: NOTIFY_STOP from a's instances and group, NOTIFY_MASTER from b's; the plugins
# follow.
kill -TERM "${pids[0]}"
stop2_line=${stop_line/VI_1/VI_2}
if wait_for 8 has_vip "$lab-b" && wait_for 5 logged a "$stop_line" && wait_for 5 logged a "$stop2_line" &&
  wait_for 5 group_logged a STOP && wait_for 5 logged b "$master_line" && wait_for 5 group_logged b MASTER; then
  ok "a stopped (SIGTERM): a's NOTIFY_STOP (VI_1, VI_2; NOTIFY GROUP G1 STOP 0) and b's NOTIFY_MASTER (VI_1, group G1) reached /etc/hotplug.d/keepalived; b holds $vip and $vip2"
else
  fail "handover: a: $(cat "$work/a/keepalived.log") b: $(cat "$work/b/keepalived.log")"
fi
# Each NOTIFY_STOP takes 0.5 s (40-slow), on its instance's queue.
if wait_for 5 logged a "$shutdown_line" && [[ $(tail -n 1 "$work/a/keepalived.log") == "$shutdown_line" ]] &&
  [[ $(grep -c -- "ACTION=NOTIFY_STOP" "$work/a/keepalived.log") == 2 && $(grep -cx -- "$shutdown_line" "$work/a/keepalived.log") == 1 ]] &&
  wait_for 5 sh -c "! kill -0 ${pids[0]} 2>/dev/null"; then
  ok "a's ACTION=shutdown came last, after its instances' NOTIFY_STOPs had run (0.5 s each), and a exited after it"
else
  fail "shutdown event: a: $(cat "$work/a/keepalived.log")"
fi
out=$(TINYVRRPD_PROG=$bin TINYVRRPD_RUNDIR=$work/a/run "$work/rpcd/keepalived" call dump </dev/null)
if [[ $out == "{}" ]] && ubus_call b keepalived dump &&
  jq -e '.status[0].data.state == 2 and .status[1].data.state == 2' "$work/b.keepalived.dump.json" >/dev/null &&
  ubus_call b keepalived status &&
  jq -e '.group | length == 1 and .[0].name == "G1" and .[0].status == "NOTIFY_MASTER"' "$work/b.keepalived.status.json" >/dev/null; then
  ok "dump of the stopped node: {} (LuCI: no active instances); b's dump: MASTER (both), its status: group G1 NOTIFY_MASTER"
else
  fail "after the stop: a: $out b: $(cat "$work/b.keepalived.dump.json" "$work/b.keepalived.status.json")"
fi

echo "hotplug-rpcd: $passed passed, $failed failed"
[[ $failed == 0 ]]
