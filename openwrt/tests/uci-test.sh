#!/usr/bin/env bash
# Tests of openwrt/files/tinyvrrpd.init without OpenWrt: the UCI -> key=value translation on
# the sample files in openwrt/tests/uci/, and what start/reload hand to procd.
# Usage: openwrt/tests/uci-test.sh TINYVRRPD_BINARY   (a host build, for `-t`)
# Runs the init script under every POSIX shell found among dash, busybox ash and bash
# (OpenWrt's /bin/sh is busybox ash).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
init=$here/../files/tinyvrrpd.init
bin=$(realpath "${1:?usage: $0 TINYVRRPD_BINARY}")
configs=$here/../../tests/configs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

shells=()
command -v dash >/dev/null && shells+=(dash)
command -v busybox >/dev/null && shells+=("busybox ash")
shells+=(bash)

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# translate SHELL SAMPLE -> stdout; exit status of the translation
translate() {
  mkdir -p "$work/uci"
  cp "$2" "$work/uci/tinyvrrpd"
  # shellcheck disable=SC2016,SC2086 # expanded by the inner shell; "busybox ash" is two words
  UCI_CONFIG_DIR=$work/uci $1 -c '. "$0"; . "$1"; tinyvrrpd_load && tinyvrrpd_uci_to_kv' \
    "$here/uci-shim.sh" "$init"
}
# key=value lines only (no comments, no blank lines)
kv() { grep -v -e '^#' -e '^$' "$1"; }

for sh in "${shells[@]}"; do
  # The seed's two nodes: the same settings as the hand-written key=value files.
  for node in syslog1 syslog2; do
    if translate "$sh" "$here/uci/$node.uci" >"$work/$node.conf" &&
      diff <(kv "$work/$node.conf" | sort) <(kv "$configs/$node.kv" | sort) >&2 &&
      "$bin" -t -f "$work/$node.conf" >/dev/null; then
      ok "$sh: $node.uci translates to tests/configs/$node.kv and is valid"
    else
      fail "$sh: $node.uci"
    fi
  done

  if translate "$sh" "$here/uci/many.uci" >"$work/many.conf" &&
    diff <(kv "$work/many.conf") "$here/uci/many.kv" >&2 &&
    "$bin" -t -f "$work/many.conf" >/dev/null; then
    ok "$sh: globals, anonymous and disabled sections, booleans, lists (many.uci)"
  else
    fail "$sh: many.uci"
  fi

  if translate "$sh" "$here/../files/tinyvrrpd.config" >"$work/shipped.conf" &&
    "$bin" -t -f "$work/shipped.conf" >/dev/null; then
    ok "$sh: the shipped /etc/config/tinyvrrpd example is valid"
  else
    fail "$sh: files/tinyvrrpd.config"
  fi

  # Translates; the daemon refuses it with FILE:LINE of the generated file (exit 4).
  translate "$sh" "$here/uci/bad-priority.uci" >"$work/bad.conf"
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
    if translate "$sh" "$here/uci/$sample" >"$work/unknown.conf" 2>"$work/unknown.err"; then
      fail "$sh: $sample was translated: $(cat "$work/unknown.conf")"
    elif grep -qF "$msg" "$work/unknown.err"; then
      ok "$sh: $sample refused: $msg"
    else
      fail "$sh: $sample: wanted \"$msg\", got: $(cat "$work/unknown.err")"
    fi
  done <<'CASES'
bad-newline.uci|option auth_pass of section VI_1 has a line break
unknown-option.uci|section 'VI_1': unknown option 'priorty'
unknown-list.uci|section 'VI_1': unknown list 'track_script'
unknown-global.uci|section 'globals': unknown option 'notification_email'
unknown-type.uci|section 'chk_syslog': unknown section type 'vrrp_script'
option-for-list.uci|section 'VI_1': 'unicast_peer' must be given as 'list unicast_peer'
bad-keyword.uci|uci: Parse error (invalid command) at line 11, byte 1
bad-name.uci|uci: Parse error (invalid character in name field) at line 16, byte 1
CASES

  # Why tinyvrrpd_load parses strictly first: config_load alone (uci -S, as on OpenWrt) skips
  # the line it cannot parse and loads the rest, without a word.
  cp "$here/uci/bad-keyword.uci" "$work/uci/tinyvrrpd"
  # shellcheck disable=SC2016,SC2086 # expanded by the inner shell; "busybox ash" is two words
  out=$(UCI_CONFIG_DIR=$work/uci $sh -c '. "$0"; . "$1"; config_load tinyvrrpd && tinyvrrpd_uci_to_kv' \
    "$here/uci-shim.sh" "$init" 2>&1) || out="failed: $out"
  if [[ $out == *"virtual_router_id = 1"* && $out != *priority* && $out != *rror* ]]; then
    ok "$sh: the shim's config_load, like uci -S, drops bad-keyword.uci's line 11 silently"
  else
    fail "$sh: config_load of bad-keyword.uci: $out"
  fi

  # start and reload on a refused file: no procd instance, no signal, the last good
  # /var/etc/tinyvrrpd.conf left as it was, the reason on stderr.
  for sample in unknown-option.uci bad-keyword.uci; do
    mkdir -p "$work/var/etc"
    echo "# last good" >"$work/var/etc/tinyvrrpd.conf"
    cp "$here/uci/$sample" "$work/uci/tinyvrrpd"
    # shellcheck disable=SC2016,SC2086 # expanded by the inner shell; "busybox ash" is two words
    out=$(UCI_CONFIG_DIR=$work/uci $sh -c '
      . "$0"; . "$1"; CONF=$2/var/etc/tinyvrrpd.conf RUNDIR=$2/var/run/tinyvrrpd
      procd_open_instance() { echo opened; }
      procd_send_signal() { echo signalled; }
      start_service; reload_service' "$here/uci-shim.sh" "$init" "$work" 2>&1)
    if [[ $out == *"tinyvrrpd: /etc/config/tinyvrrpd: "* && $out != *opened* &&
      $out != *signalled* && $(cat "$work/var/etc/tinyvrrpd.conf") == "# last good" ]] &&
      ! [[ -e $work/var/etc/tinyvrrpd.conf.new ]]; then
      ok "$sh: $sample: start opens no instance, reload sends no signal, config kept"
    else
      fail "$sh: start/reload with $sample: $out"
    fi
  done

  # start/reload/triggers against stubs of procd's functions, with the paths moved into $work.
  cp "$here/uci/syslog1.uci" "$work/uci/tinyvrrpd"
  rm -rf "${work:?}/var"
  # shellcheck disable=SC2016,SC2086 # expanded by the inner shell; "busybox ash" is two words
  UCI_CONFIG_DIR=$work/uci $sh -c '
    . "$0"; . "$1"
    PROG=$2 CONF=$3/var/etc/tinyvrrpd.conf RUNDIR=$3/var/run/tinyvrrpd
    for f in procd_open_instance procd_set_param procd_close_instance procd_send_signal \
      procd_add_reload_trigger logger; do eval "$f() { echo $f \"\$*\"; }"; done
    start_service; reload_service; service_triggers
    echo "conf mode $(stat -c %a "$CONF")"' "$here/uci-shim.sh" "$init" "$bin" "$work" >"$work/procd.out"
  expected="procd_open_instance 
procd_set_param command $bin -n -f $work/var/etc/tinyvrrpd.conf -p $work/var/run/tinyvrrpd/tinyvrrpd.pid
procd_set_param respawn
procd_close_instance 
procd_send_signal tinyvrrpd
procd_add_reload_trigger tinyvrrpd
conf mode 640"
  if [[ $(cat "$work/procd.out") == "$expected" ]]; then
    ok "$sh: start_service runs '-n -f /var/etc/tinyvrrpd.conf' with respawn; reload = SIGHUP; trigger on config"
  else
    fail "$sh: procd calls:"; diff <(echo "$expected") "$work/procd.out" || true
  fi

  # Nothing enabled: start_service opens no instance (procd then runs nothing).
  cp "$here/uci/none.uci" "$work/uci/tinyvrrpd"
  # shellcheck disable=SC2016,SC2086
  out=$(UCI_CONFIG_DIR=$work/uci $sh -c '
    . "$0"; . "$1"; CONF=$2/var/etc/tinyvrrpd.conf RUNDIR=$2/var/run/tinyvrrpd
    procd_open_instance() { echo opened; }
    start_service' "$here/uci-shim.sh" "$init" "$work" 2>&1)
  if [[ $out == *"no enabled 'config instance'"* && $out != *opened* ]]; then
    ok "$sh: no enabled instance -> no procd instance"
  else
    fail "$sh: none.uci: $out"
  fi
done

echo "uci: $passed passed, $failed failed"
[[ $failed == 0 ]]
