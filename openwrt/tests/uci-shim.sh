# shellcheck shell=dash
# Stand-in for the parts of OpenWrt's /lib/functions.sh that the init script uses, so the
# UCI -> key=value translation runs on any Linux box. Like OpenWrt's config_load (which
# evals `uci export`), it runs the UCI file as shell with `config`/`option`/`list` defined as
# functions, so the sample files must be in uci export's normalised form (single quotes).
# Semantics follow functions.sh: named and anonymous (cfgN) sections, lists as _ITEMn and
# _LENGTH, config_get_bool's accepted words.

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
	eval "CONFIG_${CONFIG_SECTION}_$1_ITEM$len=\$2"
	eval "CONFIG_${CONFIG_SECTION}_$1_LENGTH=$len"
	list_cb "$1" "$2"
}
config_load() {
	CONFIG_SECTIONS=
	CONFIG_NUM_SECTIONS=0
	CONFIG_SECTION=
	# shellcheck disable=SC1090 # the sample file under test
	. "$UCI_CONFIG_DIR/$1"
	if [ -n "$CONFIG_SECTION" ]; then config_cb; fi
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
