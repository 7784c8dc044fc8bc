# shellcheck shell=dash
# Stand-in for the parts of OpenWrt's /lib/functions.sh (and /sbin/uci) that the init script
# uses, so the UCI -> key=value translation runs on any Linux box. Like OpenWrt's config_load
# (which evals `uci -S export`), it runs the UCI file as shell with `config`/`option`/`list`
# defined as functions, so the sample files must be in uci export's normalised form (single
# quotes).
# Semantics follow functions.sh: named and anonymous (cfgN) sections, lists as _ITEMn and
# _LENGTH and (for config_get) their items joined by spaces, config_get_bool's accepted words.

# As in functions.sh: config_cb/option_cb/list_cb are called for every section, option and
# list while a file loads (defaults do nothing; a script overrides them after sourcing), and
# config_cb once more with no arguments at the end of config_load (uci.sh's uci_load).
config_cb() { return 0; }
option_cb() { return 0; }
list_cb() { return 0; }

package() { :; }
config() {
	CONFIG_NUM_SECTIONS=$((CONFIG_NUM_SECTIONS + 1))
	CONFIG_SECTION=${2:-cfg$CONFIG_NUM_SECTIONS}
	CONFIG_SECTIONS="$CONFIG_SECTIONS $CONFIG_SECTION"
	eval "CONFIG_${CONFIG_SECTION}_TYPE=\$1"
	config_cb "$1" "$CONFIG_SECTION"
}
option() {
	eval "CONFIG_${CONFIG_SECTION}_$1=\$2"
	option_cb "$1" "$2"
}
list() {
	local len
	eval "len=\$((\${CONFIG_${CONFIG_SECTION}_$1_LENGTH:-0} + 1))"
	[ "$len" != 1 ] || CONFIG_LIST_STATE="$CONFIG_LIST_STATE ${CONFIG_SECTION}_$1"
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEM$len=\$2"
	eval "CONFIG_${CONFIG_SECTION}_$1_LENGTH=$len"
	# and, as functions.sh's append, the items joined by spaces for config_get
	eval "CONFIG_${CONFIG_SECTION}_$1=\${CONFIG_${CONFIG_SECTION}_$1:+\$CONFIG_${CONFIG_SECTION}_$1 }\$2"
	list_cb "$1" "$2"
}
# A model of libuci's line parser (file.c uci_parse_line/_config/_option): prints what it
# accepts, keywords spelt out as `uci export` does; for every other line prints
# "Parse error (REASON) at line N, byte 1" on stderr, and then exits 1 (with -v strict=1 at
# the first such line, as uci does without -S). Modelled: an unknown
# keyword, option/list before the first section, a section or option name other than
# [A-Za-z0-9_], and quoted values that run over several lines (not a new command).
uci_parse_file() { # FILE [STRICT]
	awk -v strict="$2" '
	function bad(why) {
		printf "Parse error (%s) at line %d, byte 1\n", why, NR > "/dev/stderr"
		err = 1
		if (strict) exit
	}
	function name_ok(w) { gsub(/^\047|\047$/, "", w); return w ~ /^[A-Za-z0-9_]+$/ }
	# Whether a quote is still open at the end of line s, given the one open at its start.
	function open_quote(s, q,   i, c) {
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (q == "") {
				if (c == "\047" || c == "\"") q = c
				else if (c == "\\") i++
			} else if (c == q) q = ""
			else if (q == "\"" && c == "\\") i++
		}
		return q
	}
	inquote != "" { inquote = open_quote($0, inquote); print; next }
	/^[ \t]*(#|$)/ { next }
	{ kw = $1 }
	kw == "p" || kw == "package" { sub(/^[ \t]*p(ackage)?/, "package") }
	kw == "c" || kw == "config" {
		if (NF >= 3 && !name_ok($3)) { bad("invalid character in name field"); next }
		insection = 1
		sub(/^[ \t]*c(onfig)?/, "config")
	}
	kw == "o" || kw == "option" || kw == "l" || kw == "list" {
		if (!insection) { bad("option/list command found before the first section"); next }
		if (!name_ok($2)) { bad("invalid character in name field"); next }
		if (!sub(/^[ \t]*o(ption)?/, "option")) sub(/^[ \t]*l(ist)?/, "list")
	}
	$1 !~ /^(package|config|option|list)$/ { bad("invalid command"); next }
	{ inquote = open_quote($0, ""); print }
	END { exit err }' "$1"
}

# /sbin/uci [-c DIR] [-S] export PACKAGE, as far as the init script and config_load use it:
# strict by default (any parse error fails, "uci: " and the error on stderr); with -S (uci_load)
# the lines that do not parse are skipped and their errors printed, and the rest exported.
uci() {
	local dir=/etc/config strict=1 out
	while [ $# -gt 0 ]; do
		case "$1" in
		-c) dir=$2; shift 2 ;;
		-S) strict=; shift ;;
		export) break ;;
		*) echo "uci-shim: uci $* is not modelled" >&2; return 1 ;;
		esac
	done
	[ -f "$dir/$2" ] || { echo "uci: Entry not found" >&2; return 1; }
	if [ -n "$strict" ]; then
		out=$(uci_parse_file "$dir/$2" 1 2>&1 >/dev/null) || { echo "uci: $out" >&2; return 1; }
	fi
	uci_parse_file "$dir/$2" || [ -z "$strict" ]
}

# uci.sh's uci_load: the lists of the last load emptied (its other options stay), `uci -S
# export`, its stderr discarded, evaluated; config_cb at the end.
config_load() {
	local data ret=0 v
	for v in $CONFIG_LIST_STATE; do
		eval "CONFIG_$v= CONFIG_${v}_LENGTH="
	done
	CONFIG_LIST_STATE=
	CONFIG_SECTIONS=
	CONFIG_NUM_SECTIONS=0
	CONFIG_SECTION=
	data=$(uci ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} -S export "$1" 2>/dev/null) || ret=$?
	[ "$ret" != 0 ] || [ -z "$data" ] || eval "$data"
	if [ -n "$CONFIG_SECTION" ]; then config_cb; fi
	return "$ret"
}
config_get() {
	if [ $# -ge 4 ]; then
		eval "$1=\${CONFIG_$2_$3:-\$4}"
	else
		eval "$1=\${CONFIG_$2_$3:-}"
	fi
}
config_get_bool() {
	local _v
	config_get _v "$2" "$3" "$4"
	case "$_v" in
	1 | on | true | yes | enabled) _v=1 ;;
	0 | off | false | no | disabled) _v=0 ;;
	*) _v=$4 ;;
	esac
	eval "$1=\$_v"
}
config_foreach() {
	local fn="$1" type="$2" s t
	for s in $CONFIG_SECTIONS; do
		eval "t=\${CONFIG_${s}_TYPE}"
		[ -z "$type" ] || [ "$t" = "$type" ] || continue
		# functions.sh ignores the callback's status; so does this.
		"$fn" "$s" || :
	done
}
config_list_foreach() {
	local s="$1" o="$2" fn="$3" len i=1 v
	eval "len=\${CONFIG_${s}_${o}_LENGTH:-0}"
	while [ "$i" -le "$len" ]; do
		eval "v=\${CONFIG_${s}_${o}_ITEM$i}"
		"$fn" "$v" || return 1
		i=$((i + 1))
	done
}
user_exists() { return 1; }

# /lib/functions/network.sh, as far as the translation uses it: the devices of netifd's
# networks from TEST_NETWORKS, entries NAME=DEV (up on DEV), NAME=PHYSDEV:L3DEV (up, the
# layer-3 device differs: PPPoE), NAME=PHYSDEV: (down, its device known) and NAME= (known
# to netifd without a device). The real functions read `ubus call network.interface dump`
# (ifstatus's l3_device and device); this does not prove that they parse it.
test_network() { # NETWORK -> TEST_PHYS, TEST_L3; status 1 if not in TEST_NETWORKS
	local e
	for e in $TEST_NETWORKS; do
		case "$e" in
		"$1="*:*) e=${e#*=}; TEST_PHYS=${e%%:*} TEST_L3=${e#*:}; return 0 ;;
		"$1="*) TEST_PHYS=${e#*=} TEST_L3=${e#*=}; return 0 ;;
		esac
	done
	return 1
}
network_get_device() { # VAR NETWORK: the layer-3 device, while the network is up
	TEST_L3=
	test_network "$2"
	eval "$1=\$TEST_L3"
	[ -n "$TEST_L3" ]
}
network_get_physdev() { # VAR NETWORK: the device netifd brings it up on
	TEST_PHYS=
	test_network "$2"
	eval "$1=\$TEST_PHYS"
	[ -n "$TEST_PHYS" ]
}
