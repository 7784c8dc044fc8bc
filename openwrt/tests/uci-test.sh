#!/usr/bin/env bash
# Tests of openwrt/files/tinyvrrpd.init and uci.sh without OpenWrt: the translation of
# /etc/config/tinyvrrpd (tests/uci/) and of keepalived's /etc/config/keepalived as LuCI writes
# it (tests/keepalived/) to the daemon's key=value file, checked line by line and with the
# daemon's own `-t`; logical networks; and what start, reload, stop and the triggers hand to
# procd. OpenWrt's functions.sh, uci and network.sh are modelled by uci-shim.sh (what that
# does not prove is said there); procd's functions are stubs that print their arguments.
# Usage: openwrt/tests/uci-test.sh TINYVRRPD_BINARY   (a host build, for `-t`; run as root:
# the keepalived samples run scripts as root, as keepalived's package does)
# Runs the shell code under every POSIX shell found among dash, busybox ash and bash
# (OpenWrt's /bin/sh is busybox ash).
# shellcheck disable=SC2016 # the code given to in_init is expanded by the inner shell
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
files=$here/../files
bin=$(realpath "${1:?usage: $0 TINYVRRPD_BINARY}")
configs=$here/../../tests/configs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BIN=$bin W=$work

shells=()
command -v dash >/dev/null && shells+=(dash)
command -v busybox >/dev/null && shells+=("busybox ash")
shells+=(bash)

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# in_init SHELL CODE: CODE runs in SHELL with the shim and the init script (and through it
# uci.sh) loaded, UCI files from $work/uci, every path of the init script moved into $work,
# keepalived neither running nor enabled, and procd's functions as printing stubs.
in_init() {
  # shellcheck disable=SC2016,SC2086 # expanded by the inner shell; "busybox ash" is two words
  UCI_CONFIG_DIR=$work/uci TINYVRRPD_LIB=$files/uci.sh $1 -c '
    . "$0"; . "$1"
    PROG=$BIN CONF=$W/var/etc/tinyvrrpd.conf RUNDIR=$W/var/run/tinyvrrpd
    NETWORKS=$W/var/etc/tinyvrrpd.networks HOTPLUG_KEEPALIVED=$W/var/etc/tinyvrrpd.hotplug-keepalived
    KEEPALIVED_INIT=$W/etc/init.d/keepalived
    pidof() { return 1; }
    logger() { :; }
    for f in procd_open_instance procd_set_param procd_close_instance procd_send_signal \
      procd_add_reload_trigger procd_add_reload_interface_trigger start; do
      eval "$f() { echo $f \"\$*\"; }"
    done
    '"$2" "$here/uci-shim.sh" "$files/tinyvrrpd.init"
}

# uci_files TINYVRRPD-FILE [KEEPALIVED-FILE]: the UCI directory the next in_init reads
uci_files() {
  rm -rf "${work:?}/uci" "${work:?}/var"
  mkdir -p "$work/uci"
  cp "$1" "$work/uci/tinyvrrpd"
  [[ -z ${2:-} ]] || cp "$2" "$work/uci/keepalived"
}
keepalived_mode() {
  printf "config globals 'globals'\n\toption enabled '1'\n\toption keepalived_uci '1'\n" >"$work/globals.uci"
  uci_files "$work/globals.uci" "$1"
}
# key=value lines only (no comments, no blank lines)
kv() { grep -v -e '^#' -e '^$' "$1"; }
native() { in_init "$1" 'tinyvrrpd_load tinyvrrpd && tinyvrrpd_uci_to_kv'; }
keepalived() { in_init "$1" 'tinyvrrpd_load keepalived && tinyvrrpd_keepalived_to_kv'; }

# expect_kv NAME SHELL TRANSLATOR EXPECTED: translation = EXPECTED exactly, and -t accepts it
expect_kv() {
  local out=$work/${1//\//_}.conf
  if "$3" "$2" >"$out" 2>"$out.err" && diff <(kv "$out") "$4" >&2 &&
    "$bin" -t -f "$out" >/dev/null; then
    ok "$2: $1 translates to $(basename "$4") and -t accepts it"
  else
    fail "$2: $1: $(cat "$out.err")"
  fi
}

# expect_refused NAME SHELL TRANSLATOR MESSAGE
expect_refused() {
  if "$3" "$2" >"$work/refused.conf" 2>"$work/refused.err"; then
    fail "$2: $1 was translated: $(cat "$work/refused.conf")"
  elif grep -qF -- "$4" "$work/refused.err"; then
    ok "$2: $1 refused: $4"
  else
    fail "$2: $1: wanted \"$4\", got: $(cat "$work/refused.err")"
  fi
}

for sh in "${shells[@]}"; do
  echo "== $sh"
  # ---- /etc/config/tinyvrrpd --------------------------------------------------------------
  # The seed's two nodes: the same settings as the hand-written key=value files.
  for node in syslog1 syslog2; do
    uci_files "$here/uci/$node.uci"
    if native "$sh" >"$work/$node.conf" &&
      diff <(kv "$work/$node.conf" | sort) <(kv "$configs/$node.kv" | sort) >&2 &&
      "$bin" -t -f "$work/$node.conf" >/dev/null; then
      ok "$sh: $node.uci translates to tests/configs/$node.kv and is valid"
    else
      fail "$sh: $node.uci"
    fi
  done

  uci_files "$here/uci/many.uci"
  expect_kv many.uci "$sh" native "$here/uci/many.kv"
  uci_files "$here/uci/keywords.uci"
  expect_kv "keywords.uci (issue 13's keywords)" "$sh" native "$here/uci/keywords.kv"
  uci_files "$here/uci/full.uci"
  TEST_NETWORKS="lan=br-lan" expect_kv "full.uci (every feature, network lan up on br-lan)" "$sh" native "$here/uci/full.kv"

  uci_files "$here/../files/tinyvrrpd.config"
  if TEST_NETWORKS="lan=br-lan" native "$sh" >"$work/shipped.conf" &&
    grep -q '^interface = br-lan$' "$work/shipped.conf" && "$bin" -t -f "$work/shipped.conf" >/dev/null; then
    ok "$sh: the shipped /etc/config/tinyvrrpd example is valid"
  else
    fail "$sh: files/tinyvrrpd.config"
  fi

  # Translates; the daemon refuses it with FILE:LINE of the generated file (exit 4).
  uci_files "$here/uci/bad-priority.uci"
  native "$sh" >"$work/bad.conf"
  line=$(grep -n '^priority = 300$' "$work/bad.conf" | cut -d: -f1)
  rc=0
  "$bin" -t -f "$work/bad.conf" >"$work/bad.out" 2>&1 || rc=$?
  if [[ $rc == 4 ]] && grep -q "^$work/bad.conf:$line: " "$work/bad.out"; then
    ok "$sh: priority 300 refused by -t at $(basename "$work/bad.conf"):$line (exit 4)"
  else
    fail "$sh: bad-priority.uci: rc=$rc, wanted 4 and line $line: $(cat "$work/bad.out")"
  fi

  # A value that cannot be written, and anything the translation does not carry over, is
  # refused with a message, never silently dropped.
  while IFS='|' read -r sample msg; do
    uci_files "$here/uci/$sample"
    expect_refused "$sample" "$sh" native "$msg"
  done <<'CASES'
bad-newline.uci|instance 'VI_1': option auth_pass has a line break
unknown-option.uci|instance 'VI_1': unknown option 'priorty'
unknown-list.uci|instance 'VI_1': unknown list 'track_scripts'
unknown-global.uci|globals 'globals': unknown option 'notification_email'
unknown-type.uci|virtual_server 'web': unknown section type 'virtual_server'
option-for-list.uci|instance 'VI_1': 'unicast_peer' must be given as 'list unicast_peer'
bad-keyword.uci|uci: Parse error (invalid command) at line 11, byte 1
bad-name.uci|uci: Parse error (invalid character in name field) at line 16, byte 1
CASES

  # Keywords the daemon does not have yet are refused by name; a boolean must be one.
  while IFS='|' read -r line msg; do
    printf '%s\n' "$line" | sed 's/\\n/\n/g; s/\\t/\t/g' >"$work/extra.uci"
    cat "$here/uci/syslog1.uci" "$work/extra.uci" >"$work/case.uci"
    uci_files "$work/case.uci"
    expect_refused "syslog1 +'$line'" "$sh" native "$msg"
  done <<'CASES'
\toption virtual_routes '198.51.100.0/24 via 192.0.2.1'|instance 'VI_1': 'virtual_routes' must be given as 'list virtual_routes'
\toption nopreempt 'maybe'|instance 'VI_1': expected a boolean (1/0, yes/no, on/off, true/false) for nopreempt, found 'maybe'
\toption network 'lan'|instance 'VI_1': give 'interface' (a device) or 'network' (a netifd network), not both
config vrrp_track_process 'p'\n\toption proces 'x'|vrrp_track_process 'p': unknown option 'proces'
config globals 'x'|globals 'x': the globals section must be named 'globals'
CASES

  # keepalived keywords the daemon refuses for good are translated as they are, and the
  # daemon's -t refuses them naming the generated file's line and why.
  while IFS='|' read -r line msg; do
    printf '%s\n' "$line" | sed 's/\\t/\t/g' >"$work/extra.uci"
    cat "$here/uci/syslog1.uci" "$work/extra.uci" >"$work/case.uci"
    uci_files "$work/case.uci"
    native "$sh" >"$work/case.conf" 2>&1 || true
    if ! "$bin" -t -f "$work/case.conf" >"$work/case.out" 2>&1 && grep -qF -- "$msg" "$work/case.out"; then
      ok "$sh: syslog1 +'$line' translated, refused by -t: $msg"
    else
      fail "$sh: syslog1 +'$line': $(cat "$work/case.conf" "$work/case.out")"
    fi
  done <<'CASES'
\toption notify_deleted '/bin/true'|'notify_deleted' is not supported by tinyvrrpd (this notify variant; use notify)
\toption use_ipvlan 'ipvl0'|'use_ipvlan' is not supported by tinyvrrpd (virtual MACs on other interfaces, VRF, ipvlan)
\tlist track_bfd 'bfd1'|'track_bfd' is not supported by tinyvrrpd (BFD)
CASES

  # Why tinyvrrpd_load parses strictly first: config_load alone (uci -S, as on OpenWrt) skips
  # the line it cannot parse and loads the rest, without a word.
  uci_files "$here/uci/bad-keyword.uci"
  out=$(in_init "$sh" 'config_load tinyvrrpd && tinyvrrpd_uci_to_kv' 2>&1) || out="failed: $out"
  if [[ $out == *"virtual_router_id = 1"* && $out != *priority* && $out != *rror* ]]; then
    ok "$sh: the shim's config_load, like uci -S, drops bad-keyword.uci's line 11 silently"
  else
    fail "$sh: config_load of bad-keyword.uci: $out"
  fi

  # ---- logical networks ------------------------------------------------------------------
  uci_files "$here/uci/full.uci"
  while IFS='|' read -r nets dev why; do
    out=$(TEST_NETWORKS=$nets native "$sh" 2>&1) || out="failed: $out"
    got=$(printf '%s\n' "$out" | sed -n '/^instance = VI_6$/{n;p;}')
    if [[ $got == "interface = $dev" ]]; then
      ok "$sh: option network 'lan' ($nets) -> interface = $dev ($why)"
    else
      fail "$sh: network lan ($nets): got '$got': $out"
    fi
  done <<'CASES'
lan=br-lan|br-lan|up: its layer-3 device
lan=eth0.2:pppoe-lan|pppoe-lan|up over PPPoE: the layer-3 device, not eth0.2
lan=br-lan:|br-lan|not up yet: the device netifd will bring it up on
CASES

  # No device yet: the instance waits (and its sync group with it); not a start failure.
  sed '/^config vrrp_sync_group/,$d' "$here/uci/full.uci" >"$work/nogroup.uci"
  uci_files "$work/nogroup.uci"
  out=$(TEST_NETWORKS="lan=" native "$sh" 2>&1) || out="failed: $out"
  if [[ $out == *"instance VI_6 waits for network 'lan', which has no device yet"* &&
    $out == *"instance = VI_4"* && $out != *"instance = VI_6"* ]]; then
    ok "$sh: network 'lan' without a device: VI_6 waits (logged), VI_4 runs"
  else
    fail "$sh: waiting instance: $out"
  fi
  uci_files "$here/uci/full.uci"
  out=$(TEST_NETWORKS="lan=" in_init "$sh" '
    start_service; service_triggers
    echo "networks file: $(cat "$NETWORKS")"
    echo "== ifup lan"; TEST_NETWORKS="lan=br-lan"; reload_service
    start_service' 2>&1) || out="failed: $out"
  if [[ $out == *"sync group G1 waits with its instance VI_6: VI_4 VI_6"* &&
    ${out%%== ifup*} != *procd_open_instance* && ${out%%== ifup*} != *rror* &&
    $out == *"procd_add_reload_interface_trigger lan"* && $out == *"networks file: lan"* &&
    ${out#*== ifup lan} == $'\nstart \nprocd_open_instance'* ]] &&
    grep -q '^interface = br-lan$' "$work/var/etc/tinyvrrpd.conf"; then
    ok "$sh: no device for 'lan': group G1 waits, no procd instance, trigger on lan; its ifup reloads -> start -> instance on br-lan"
  else
    fail "$sh: network trigger: $out"
  fi

  # ---- /etc/config/keepalived as LuCI writes it -----------------------------------------
  for s in minimal typical ipv6 keywords; do
    keepalived_mode "$here/keepalived/$s.uci"
    expect_kv "keepalived/$s.uci" "$sh" keepalived "$here/keepalived/$s.kv"
  done
  keepalived_mode "$here/keepalived/ipvs.uci"
  expect_refused keepalived/ipvs.uci "$sh" keepalived \
    "virtual_server 'cfg5': virtual_server 192.0.2.10 80 (IPVS load balancing) is not supported by tinyvrrpd; disable it (option enabled '0') or remove it"
  keepalived_mode "$here/keepalived/typical.uci"
  keepalived "$sh" >/dev/null 2>"$work/warn.err" || true
  if grep -qF "globals 'globals': notification_email: tinyvrrpd sends no e-mail alerts (ignored)" "$work/warn.err" &&
    grep -qF "vrrp_instance 'VI_LAN' (section cfg14): smtp_alert: tinyvrrpd sends no e-mail alerts (ignored)" "$work/warn.err"; then
    ok "$sh: keepalived/typical.uci: e-mail settings accepted with a warning each"
  else
    fail "$sh: e-mail warnings: $(cat "$work/warn.err")"
  fi

  # What keepalived's init script would do differently, or tinyvrrpd cannot do yet: refused
  # by name. Each case adds lines to minimal.uci.
  while IFS='|' read -r lines msg; do
    printf '%s\n' "$lines" | sed 's/\\n/\n/g; s/\\t/\t/g' >"$work/extra.uci"
    cat "$here/keepalived/minimal.uci" "$work/extra.uci" >"$work/case.uci"
    keepalived_mode "$work/case.uci"
    expect_refused "minimal +'$lines'" "$sh" keepalived "$msg"
  done <<'CASES'
\toption auth_type 'PASS'|auth_type and auth_pass go together (keepalived's init script drops authentication when one is missing)
\toption nopreempt '0'|vrrp_instance 'VI_1' (section cfg3): option nopreempt '0': keepalived's init script turns nopreempt on for any value; set it to '1', or remove it to turn nopreempt off
\toption use_vmac 'vrrp0'|option use_vmac 'vrrp0': keepalived's init script drops the name and uses vrrp.VRID
\tlist unicast_peer '192.0.2.12'|unicast_peer '192.0.2.12' names no a peer section with option name '192.0.2.12' (keepalived's init script drops it silently)
\tlist virtual_ipaddress 'vip_gone'|virtual_ipaddress 'vip_gone' names no an ipaddress section
\tlist track_script 'chk'|track_script 'chk' names no a track_script or vrrp_script section
\tlist virtual_routes 'r1'|virtual_routes 'r1' names no a route section with option name 'r1'
\tlist virtual_routes 'r1'\nconfig route\n\toption name 'r1'\n\toption address '198.51.100.0/24'|route 'r1' (section cfg4): has neither device nor src_addr (keepalived's init script drops it silently)
\tlist track_bfd 'b1'|'track_bfd' (BFD) is not supported by tinyvrrpd
\toption lvs_sync_daemon_interface 'br-lan'|'lvs_sync_daemon_interface' (IPVS load balancing) is not supported by tinyvrrpd
\toption notify_master '/bin/true'|unknown option 'notify_master' (keepalived's init script ignores it too
\toption native_ipv6 '1'|native_ipv6 with IPv4 virtual addresses is not supported by tinyvrrpd yet
config vrrp_instance\n\toption state 'MASTER'|has no option name (keepalived's init script skips it; name it or remove it)
config vrrp_script\n\toption name 'chk'\n\toption script '/bin/true'\n\toption fail '3'|option fail '3': keepalived's init script ignores it (its keyword is 'fall'
config vrrp_sync_group\n\toption name 'G'\n\tlist group 'VI_1'\n\tlist group 'VI_9'|group member 'VI_9' names no vrrp_instance
config vrrp_sync_group\n\toption name 'G'\n\tlist group 'VI_1'\n\tlist track_script 'chk'|'track_script' is never written by keepalived's init script, so keepalived ignores it
config globals 'globals'\n\toption linkbeat_use_polling '1'|'linkbeat_use_polling' is not supported by tinyvrrpd yet
config static_ipaddress\n\tlist address 'vip_gone'|static_ipaddress 'cfg4': address 'vip_gone' names no an ipaddress section with option name 'vip_gone'
config ipaddress\n\toption name 'vip_lan'\n\toption address '192.0.2.11/24'\n\toption scope 'link'|scope 'link' without a device: keepalived's init script drops it without a word
config interface_up_down_delays\n\toption device 'eth1'|interface_up_down_delays 'cfg4': needs a device and a down_delay
config track_file\n\toption name 'f'|track_file 'f' (section cfg4): unknown section type 'track_file'
CASES

  # ---- which file: keepalived_uci, and what goes with it ----------------------------------
  keepalived_mode "$here/keepalived/minimal.uci"
  out=$(in_init "$sh" 'tinyvrrpd_prepare; echo "rc=$? user=$TINYVRRPD_RUN_AS"; service_triggers' 2>&1) || true
  if [[ $out == *"rc=0 user=root"* && $out == *"procd_add_reload_trigger keepalived"* ]] &&
    [[ -e $work/var/etc/tinyvrrpd.hotplug-keepalived ]] &&
    diff <(kv "$work/var/etc/tinyvrrpd.conf") "$here/keepalived/minimal.kv" >&2; then
    ok "$sh: keepalived_uci '1': /etc/config/keepalived used, daemon as root, hotplug forwarded, reload on its changes"
  else
    fail "$sh: keepalived_uci: $out"
  fi
  while IFS='|' read -r setup msg; do
    keepalived_mode "$here/keepalived/minimal.uci"
    out=$(in_init "$sh" "$setup; tinyvrrpd_prepare; echo rc=\$?" 2>&1) || true
    if [[ $out == *"$msg"* && $out == *rc=1 ]]; then
      ok "$sh: keepalived_uci refused: $msg"
    else
      fail "$sh: keepalived_uci with '$setup': $out"
    fi
  done <<'CASES'
printf "config instance 'VI_1'\n" >>"$UCI_CONFIG_DIR/tinyvrrpd"|with keepalived_uci the instances come from /etc/config/keepalived; remove section 'VI_1'
printf "\toption config_file '/etc/keepalived/keepalived.conf'\n" >>"$UCI_CONFIG_DIR/tinyvrrpd"|keepalived_uci and config_file exclude each other
sed -i "s/option enabled '1'/option enabled '0'/" "$UCI_CONFIG_DIR/keepalived"|/etc/config/keepalived: globals.enabled is 0: nothing to run
pidof() { return 0; }|keepalived is running on the configuration tinyvrrpd would use
mkdir -p "${KEEPALIVED_INIT%/*}"; printf '#!/bin/sh\n[ "$1" = enabled ]\n' >"$KEEPALIVED_INIT"; chmod +x "$KEEPALIVED_INIT"|keepalived is enabled at boot and would run beside tinyvrrpd
CASES
  rm -rf "${work:?}/etc"
  # keepalived's alt_config_file (when the file exists) is linked, as keepalived's init does.
  sed "s|^\toption enabled '1'\$|&\n\toption alt_config_file '$configs/syslog1.conf'|" \
    "$here/keepalived/minimal.uci" >"$work/alt.uci"
  keepalived_mode "$work/alt.uci"
  out=$(in_init "$sh" 'tinyvrrpd_prepare; echo rc=$?' 2>&1) || true
  if [[ $out == *rc=0 && $(readlink "$work/var/etc/tinyvrrpd.conf") == "$configs/syslog1.conf" ]]; then
    ok "$sh: keepalived's alt_config_file is linked as the daemon's file"
  else
    fail "$sh: alt_config_file: $out $(ls -l "$work/var/etc/")"
  fi
  # Native mode: the unprivileged user, no forwarding.
  uci_files "$here/uci/syslog1.uci"
  mkdir -p "$work/var/etc" && : >"$work/var/etc/tinyvrrpd.hotplug-keepalived"
  out=$(in_init "$sh" 'tinyvrrpd_prepare; echo "rc=$? user=$TINYVRRPD_RUN_AS"' 2>&1) || true
  if [[ $out == *"rc=0 user=tinyvrrpd"* && ! -e $work/var/etc/tinyvrrpd.hotplug-keepalived ]]; then
    ok "$sh: native mode: user tinyvrrpd, nothing forwarded to /etc/hotplug.d/keepalived"
  else
    fail "$sh: native mode: $out"
  fi

  # ---- start, reload, stop, triggers -----------------------------------------------------
  # start and reload on a refused file: no procd instance, no signal, the last good
  # /var/etc/tinyvrrpd.conf left as it was, the reason on stderr.
  for sample in unknown-option.uci bad-keyword.uci; do
    uci_files "$here/uci/$sample"
    mkdir -p "$work/var/etc"
    echo "# last good" >"$work/var/etc/tinyvrrpd.conf"
    out=$(in_init "$sh" 'start_service; reload_service' 2>&1) || true
    if [[ $out == *"tinyvrrpd: /etc/config/tinyvrrpd: "* && $out != *procd_open_instance* &&
      $out != *procd_send_signal* && $out != *start* &&
      $(cat "$work/var/etc/tinyvrrpd.conf") == "# last good" ]] &&
      ! [[ -e $work/var/etc/tinyvrrpd.conf.new ]]; then
      ok "$sh: $sample: start opens no instance, reload sends no signal, config kept"
    else
      fail "$sh: start/reload with $sample: $out"
    fi
  done

  # start, reload of a running daemon, reload of a stopped one, triggers.
  uci_files "$here/uci/syslog1.uci"
  out=$(in_init "$sh" '
    start_service; echo "conf mode $(stat -c %a "$CONF")"
    echo "== running"; echo $$ >"$RUNDIR/tinyvrrpd.pid"; reload_service
    echo "== stopped"; rm "$RUNDIR/tinyvrrpd.pid"; reload_service
    echo "== triggers"; service_triggers' 2>&1) || true
  expected="procd_open_instance 
procd_set_param command $bin -n -f $work/var/etc/tinyvrrpd.conf -p $work/var/run/tinyvrrpd/tinyvrrpd.pid
procd_set_param respawn
procd_set_param term_timeout 25
procd_close_instance 
conf mode 640
== running
procd_send_signal tinyvrrpd
== stopped
start 
== triggers
procd_add_reload_trigger tinyvrrpd"
  if [[ $out == "$expected" ]]; then
    ok "$sh: start runs '-n -f /var/etc/tinyvrrpd.conf' with respawn, 25 s to stop; reload = SIGHUP, or start when not running; trigger on config"
  else
    fail "$sh: procd calls:"
    diff <(echo "$expected") <(echo "$out") || true
  fi

  # A network named for the first time: start (its trigger), then SIGHUP.
  uci_files "$here/uci/full.uci"
  out=$(TEST_NETWORKS="lan=br-lan" in_init "$sh" '
    mkdir -p "$RUNDIR" "${NETWORKS%/*}"; : >"$NETWORKS"; echo $$ >"$RUNDIR/tinyvrrpd.pid"; reload_service' 2>&1) || true
  if [[ $out == $'start \nprocd_send_signal tinyvrrpd' ]]; then
    ok "$sh: reload naming a new network: start (registers its trigger), then SIGHUP"
  else
    fail "$sh: reload with a new network: $out"
  fi

  # Nothing enabled: start_service opens no instance (procd then runs nothing).
  uci_files "$here/uci/none.uci"
  out=$(in_init "$sh" 'start_service' 2>&1) || true
  if [[ $out == *"no enabled instance in /etc/config/tinyvrrpd"* && $out != *procd_open_instance* ]]; then
    ok "$sh: no enabled instance -> no procd instance"
  else
    fail "$sh: none.uci: $out"
  fi
done

# ---- the schema and the daemon agree ------------------------------------------------------
# Each keyword the translation writes is one the daemon knows, and each one it refuses as
# "not supported yet" the daemon does not know either: when issue 13 or 15 teaches the
# daemon a keyword, this says which line of uci.sh to change.
schema=$(awk "/^TINYVRRPD_SCHEMA='/{on=1; next} on && /^'/{exit} on" "$files/uci.sh")
base='instance = VI_1\ninterface = enp0s1\nvirtual_router_id = 1\nvirtual_ipaddress = 192.0.2.10\n'
checked=0
while read -r type what key kind; do
  [[ $kind == init ]] && continue
  case $type in
    globals) text="$key = 1\n$base" ;;
    instance) text="$base$key = 1\n" ;;
    vrrp_script) text="vrrp_script = s\nscript = /bin/true\n$key = 1\n$base" ;;
    *) continue ;;
  esac
  printf '%b' "$text" >"$work/kw.kv"
  msg=$("$bin" -t -f "$work/kw.kv" 2>&1) || true
  unknown=no
  [[ $msg == *"unknown key '$key'"* || $msg == *"'$key' is not supported by tinyvrrpd yet"* ]] && unknown=yes
  if [[ $kind == soon && $unknown == no ]]; then
    fail "the daemon now knows '$key': make it value/bool/cmd in uci.sh ($type $what $key): $msg"
  elif [[ $kind != soon && $unknown == yes ]]; then
    fail "uci.sh writes '$key' ($type), which the daemon does not know: $msg"
  fi
  checked=$((checked + 1))
done <<<"$schema"
ok "schema: $checked keywords of uci.sh checked against the daemon (written ones known, 'soon' ones unknown)"

echo "uci: $passed passed, $failed failed"
[[ $failed == 0 ]]
