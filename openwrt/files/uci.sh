# shellcheck shell=dash # OpenWrt's sh is busybox ash; dash has the same `local`
# /lib/functions/tinyvrrpd/uci.sh: UCI -> tinyvrrpd's key=value file, for /etc/init.d/tinyvrrpd.
# Two schemas: our own /etc/config/tinyvrrpd (option names are the daemon's keywords) and
# keepalived's /etc/config/keepalived as OpenWrt's keepalived package and LuCI write it
# (sections that refer to each other by `option name`). Both become the same key=value
# file, which the daemon validates with FILE:LINE (`tinyvrrpd -t`).
#
# Strictness: every section type, option and list must be in the schema table of its file;
# anything else is refused by name, never dropped. A keyword the daemon does not have yet is
# in the table as `soon` and refused with "not supported by tinyvrrpd yet"; when the daemon
# gets it, its line changes to `value` (or `bool`, `cmd`) and nothing else has to.
#
# Needs /lib/functions.sh (config_load, config_get, ...) and, for `option network`,
# /lib/functions/network.sh, both sourced by the caller.

# The native schema: TYPE option|list NAME KIND. KIND says how a value becomes key=value:
#   value  written as it is (`priority = 150`; several words stay several words)
#   bool   a UCI boolean (1/0, yes/no, on/off, true/false, enabled/disabled) -> yes/no
#   cmd    a command: quoted for the daemon unless it already holds keepalived's quoting
#   vmac   a UCI boolean, or the name of the virtual MAC interface
#   init   read by the init script itself, not written
#   soon   a keepalived keyword the daemon does not have yet: refused by name
TINYVRRPD_SCHEMA='
globals option enabled init
globals option config_file init
globals option keepalived_uci init
globals option keepalived_hotplug init
globals option user init
globals option router_id value
globals option vrrp_version value
globals option script_user value
globals option enable_script_security bool
globals option vrrp_rt_priority value
globals option vrrp_rlimit_rttime value
globals option vrrp_garp_master_delay value
globals option vrrp_garp_master_repeat value
globals option vrrp_garp_master_refresh value
globals option vrrp_garp_master_refresh_repeat value
globals option vrrp_garp_interval value
globals option vrrp_gna_interval value
globals option vrrp_strict bool
globals option vrrp_mcast_group4 value
globals option vrrp_mcast_group6 value
globals option vrrp_startup_delay value
globals option startup_script cmd
globals option shutdown_script cmd
globals option startup_script_timeout value
globals option shutdown_script_timeout value
globals option notify_fifo value
globals option notify_fifo_script cmd
globals option vrrp_notify_fifo value
globals option vrrp_notify_fifo_script cmd
globals option fifo_write_vrrp_states_on_reload bool
globals list static_ipaddress value
globals list static_routes value
globals list static_rules value
vrrp_script option name init
vrrp_script option script cmd
vrrp_script option interval value
vrrp_script option timeout value
vrrp_script option weight value
vrrp_script option rise value
vrrp_script option fall value
vrrp_script option user value
vrrp_script option init_fail bool
vrrp_track_process option name init
vrrp_track_process option process value
vrrp_track_process option param_match value
vrrp_track_process option weight value
vrrp_track_process option quorum value
vrrp_track_process option quorum_max value
vrrp_track_process option fork_delay value
vrrp_track_process option terminate_delay value
vrrp_track_process option delay value
vrrp_track_process option full_command bool
track_file option name init
track_file option file value
track_file option weight value
track_file option init_file value
instance option enabled init
instance option name init
instance option network init
instance option state value
instance option interface value
instance option virtual_router_id value
instance option priority value
instance option advert_int value
instance option version value
instance option nopreempt bool
instance option preempt_delay value
instance option unicast_src_ip value
instance option mcast_src_ip value
instance option auth_type value
instance option auth_pass value
instance option use_vmac vmac
instance option vmac_xmit_base bool
instance option accept bool
instance option no_accept bool
instance option garp_master_delay value
instance option garp_master_repeat value
instance option garp_master_refresh value
instance option garp_master_refresh_repeat value
instance option garp_interval value
instance option gna_interval value
instance option garp_lower_prio_delay value
instance option garp_lower_prio_repeat value
instance option dont_track_primary bool
instance option notify_master cmd
instance option notify_backup cmd
instance option notify_fault cmd
instance option notify_stop cmd
instance option notify cmd
instance option notify_deleted cmd
instance option notify_master_rx_lower_pri cmd
instance option use_ipvlan value
instance option unicast_ttl value
instance list unicast_peer value
instance list virtual_ipaddress value
instance list track_interface value
instance list track_script value
instance list virtual_ipaddress_excluded value
instance list virtual_routes value
instance list virtual_rules value
instance list track_process value
instance list track_file value
instance list track_bfd value
vrrp_sync_group option name init
vrrp_sync_group list group init
vrrp_sync_group option notify_master cmd
vrrp_sync_group option notify_backup cmd
vrrp_sync_group option notify_fault cmd
vrrp_sync_group option notify_stop cmd
vrrp_sync_group option notify cmd
vrrp_sync_group list track_interface value
vrrp_sync_group list track_script value
vrrp_sync_group list track_file value
vrrp_sync_group list track_process value
'

# keepalived's schema (OpenWrt's net/keepalived init script and luci-app-keepalived), its
# VRRP half. KINDs beyond the native ones:
#   flag   keepalived's init writes the bare keyword for any value: a UCI true -> yes; a
#          false value is refused (keepalived would have turned the flag ON)
#   ref    a list of `option name`s of other sections, resolved below
#   name   the section's name, by which other sections refer to it
#   mail   e-mail alerts: tinyvrrpd sends none; accepted with a warning (they cannot
#          change who holds the VIPs)
#   ipvs   keepalived's load balancer: refused by name
#   bfd    keepalived's BFD: tinyvrrpd runs no BFD sessions; refused by name
#   unread what keepalived's init script never writes, so keepalived ignores it: refused,
#          rather than run what keepalived would not
#   peer   read by keepalived-sync (file synchronisation), not by VRRP: accepted as is
#   inert  only used when another section refers to it (routes): checked there
#   special  handled by name in the code below
TINYVRRPD_KEEPALIVED_SCHEMA='
globals option enabled special
globals option alt_config_file special
globals option router_id value
globals option linkbeat_use_polling special
globals option vrrp_mcast_group4 value
globals option vrrp_mcast_group6 value
globals option vrrp_startup_delay value
globals list notification_email mail
globals option notification_email_from mail
globals option smtp_server mail
globals option smtp_connect_timeout mail
vrrp_instance option name name
vrrp_instance option state value
vrrp_instance option interface value
vrrp_instance option mcast_src_ip value
vrrp_instance option unicast_src_ip value
vrrp_instance option virtual_router_id value
vrrp_instance option version value
vrrp_instance option priority value
vrrp_instance option advert_int value
vrrp_instance option preempt_delay value
vrrp_instance option debug special
vrrp_instance option lvs_sync_daemon_interface ipvs
vrrp_instance option garp_master_delay value
vrrp_instance option garp_master_refresh value
vrrp_instance option garp_master_repeat value
vrrp_instance option garp_master_refresh_repeat value
vrrp_instance option vmac_xmit_base flag
vrrp_instance option native_ipv6 special
vrrp_instance option accept flag
vrrp_instance option dont_track_primary flag
vrrp_instance option smtp_alert mail
vrrp_instance option nopreempt flag
vrrp_instance option use_vmac flag
vrrp_instance option no_accept flag
vrrp_instance option auth_type value
vrrp_instance option auth_pass value
vrrp_instance list virtual_ipaddress ref
vrrp_instance list unicast_peer ref
vrrp_instance list track_interface ref
vrrp_instance list track_script ref
vrrp_instance list virtual_ipaddress_excluded ref
vrrp_instance list virtual_routes ref
vrrp_instance list track_bfd bfd
vrrp_sync_group option name name
vrrp_sync_group list group ref
vrrp_sync_group option smtp_alert mail
vrrp_sync_group option global_tracking flag
vrrp_sync_group list track_script unread
vrrp_script option name name
vrrp_script option script cmd
vrrp_script option interval value
vrrp_script option weight special
vrrp_script option direction special
vrrp_script option fall value
vrrp_script option fail special
vrrp_script option rise value
vrrp_script option timeout value
track_script option name name
track_script option value special
track_script option weight special
track_script option direction special
track_interface option name name
track_interface option value special
track_interface option weight special
ipaddress option name name
ipaddress option address special
ipaddress option device special
ipaddress option label_suffix special
ipaddress option scope special
peer option name name
peer option address special
peer option min_ttl special
peer option max_ttl special
peer option sync peer
peer option sync_mode peer
peer option ssh_port peer
peer option sync_dir peer
peer option ssh_key peer
peer option ssh_pubkey peer
peer list sync_list peer
peer option last_sync_time peer
peer option last_sync_status peer
route option name name
route option address inert
route option gateway inert
route option device inert
route option src_addr inert
route option table inert
route option scope inert
route option blackhole inert
static_ipaddress list address ref
static_routes list route ref
interface_up_down_delays option device special
interface_up_down_delays option down_delay special
interface_up_down_delays option up_delay special
bfd_instance option name special
bfd_instance option neighbor_ip special
bfd_instance option source_ip special
bfd_instance option min_rx special
bfd_instance option min_tx special
bfd_instance option idle_tx special
bfd_instance option hoplimit special
bfd_instance option max_hops special
bfd_instance option weight special
virtual_server option enabled special
virtual_server option ipaddr ipvs
virtual_server option port ipvs
virtual_server option fwmark ipvs
virtual_server option delay_loop ipvs
virtual_server option lb_algo ipvs
virtual_server option lb_kind ipvs
virtual_server option persistence_timeout ipvs
virtual_server option persistence_granularity ipvs
virtual_server option virtualhost ipvs
virtual_server option protocol ipvs
virtual_server option sorry_server_ip ipvs
virtual_server option sorry_server_port ipvs
virtual_server list real_server ipvs
real_server option enabled inert
real_server option name inert
real_server option weight inert
real_server option ipaddr inert
real_server option port inert
real_server option check inert
real_server option connect_port inert
real_server option connect_timeout inert
real_server option misc_path inert
real_server option nb_get_retry inert
real_server option delay_before_retry inert
real_server option notify_up inert
real_server option notify_down inert
real_server list url inert
url option name inert
url option path inert
url option digest inert
'

# The schema the hooks below check against, and the file it belongs to (for messages).
TINYVRRPD_TABLE=$TINYVRRPD_SCHEMA
TINYVRRPD_FILE=/etc/config/tinyvrrpd
TINYVRRPD_PENDING=
TINYVRRPD_BROKEN=0

# An error the admin must see: on the console of whoever ran the init script, and in the
# system log, where a `reload_config` (run by procd, not by a person) leaves it.
tinyvrrpd_err() {
	echo "tinyvrrpd: $*" >&2
	command -v logger >/dev/null 2>&1 && logger -t tinyvrrpd -p daemon.err "$*"
	return 0
}

tinyvrrpd_warn() {
	echo "tinyvrrpd: warning: $*" >&2
	command -v logger >/dev/null 2>&1 && logger -t tinyvrrpd -p daemon.warn "$*"
	return 0
}

# Whether TYPE option|list NAME is in the current table.
tinyvrrpd_known() { # TYPE option|list NAME
	case "$TINYVRRPD_TABLE" in
	*"
$1 $2 $3 "*) return 0 ;;
	esac
	return 1
}

tinyvrrpd_section_known() { # TYPE
	case "$TINYVRRPD_TABLE" in
	*"
$1 "*) return 0 ;;
	esac
	return 1
}

# How a section is named in messages: `TYPE 'NAME'`, NAME being `option name` where the
# schema refers to sections by it (keepalived's anonymous sections), else the section's own.
tinyvrrpd_label() { # SECTION
	local type name
	config_get type "$1" TYPE
	config_get name "$1" name
	if [ -n "$name" ] && [ "$name" != "$1" ]; then
		TINYVRRPD_LABEL="$type '$name' (section $1)"
	else
		TINYVRRPD_LABEL="$type '$1'"
	fi
}

tinyvrrpd_fail() { # SECTION MESSAGE
	tinyvrrpd_label "$1"
	tinyvrrpd_err "$TINYVRRPD_FILE: $TINYVRRPD_LABEL: $2"
	TINYVRRPD_BROKEN=1
}

# functions.sh calls these hooks for each line while config_load reads the file. A
# section's `option name` may come after the line being checked, so the problems are
# collected here and reported once the file is loaded (tinyvrrpd_load).
tinyvrrpd_later() { # SECTION MESSAGE
	TINYVRRPD_PENDING="$TINYVRRPD_PENDING$1	$2
"
}

config_cb() {
	CB_TYPE=$1
	CB_SECTION=$2
	# Called once more with no arguments after the last section.
	[ -n "$1" ] || return 0
	tinyvrrpd_section_known "$1" ||
		tinyvrrpd_later "$2" "unknown section type '$1'"
}

option_cb() {
	tinyvrrpd_section_known "$CB_TYPE" || return 0
	tinyvrrpd_known "$CB_TYPE" option "$1" && return 0
	if tinyvrrpd_known "$CB_TYPE" list "$1"; then
		tinyvrrpd_later "$CB_SECTION" "'$1' must be given as 'list $1', not 'option $1'"
	else
		tinyvrrpd_later "$CB_SECTION" "$(tinyvrrpd_unknown_hint option "$1")"
	fi
}

list_cb() {
	tinyvrrpd_section_known "$CB_TYPE" || return 0
	tinyvrrpd_known "$CB_TYPE" list "$1" && return 0
	if tinyvrrpd_known "$CB_TYPE" option "$1"; then
		tinyvrrpd_later "$CB_SECTION" "'$1' takes one value: 'option $1', not 'list $1'"
	else
		tinyvrrpd_later "$CB_SECTION" "$(tinyvrrpd_unknown_hint list "$1")"
	fi
}

# keepalived's init script writes hotplug calls for the notify keywords itself and ignores
# these options; say so rather than only "unknown".
tinyvrrpd_unknown_hint() { # option|list NAME
	case "$TINYVRRPD_FILE $2" in
	*/keepalived" notify"*)
		echo "unknown $1 '$2' (keepalived's init script ignores it too: scripts in /etc/hotplug.d/keepalived/ run on every transition)"
		;;
	*) echo "unknown $1 '$2'" ;;
	esac
}

# Load a UCI package for the hooks above and config_get. config_load (uci_load) reads it
# with `uci -S`, which skips a line uci cannot parse (a mistyped keyword such as `optoin`,
# an option name with a dash, an option before any `config`) and sends the parse error to
# /dev/null, so no hook ever sees that line. Hence a strict `uci export` first: a line uci
# cannot parse refuses the file, with uci's own message and line number.
tinyvrrpd_load() { # PACKAGE (tinyvrrpd or keepalived)
	local err section message
	if [ "$1" = keepalived ]; then
		TINYVRRPD_TABLE=$TINYVRRPD_KEEPALIVED_SCHEMA
	else
		TINYVRRPD_TABLE=$TINYVRRPD_SCHEMA
	fi
	TINYVRRPD_FILE=/etc/config/$1
	TINYVRRPD_PENDING=
	TINYVRRPD_BROKEN=0
	# Both files have a section named globals: without this, an option of ours that
	# keepalived's globals lacks (uci_load resets only lists) would be read as keepalived's.
	# shellcheck disable=SC2046 # one word per variable name
	unset $(set | sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p')
	if ! err=$(uci ${UCI_CONFIG_DIR:+-c "$UCI_CONFIG_DIR"} export "$1" 2>&1 >/dev/null); then
		tinyvrrpd_err "$TINYVRRPD_FILE: ${err:-uci export failed}"
		return 1
	fi
	config_load "$1"
	while [ -n "$TINYVRRPD_PENDING" ]; do
		section=${TINYVRRPD_PENDING%%"	"*}
		message=${TINYVRRPD_PENDING#*"	"}
		message=${message%%"
"*}
		TINYVRRPD_PENDING=${TINYVRRPD_PENDING#*"
"}
		tinyvrrpd_fail "$section" "$message"
	done
	[ "$TINYVRRPD_BROKEN" = 0 ]
}

# Print one `key = value` line; refuse a value that would break the line format.
tinyvrrpd_kv() { # SECTION KEY VALUE
	case "$3" in
	*"
"*)
		tinyvrrpd_fail "$1" "option $2 has a line break"
		return 1
		;;
	esac
	[ -z "$3" ] || printf '%s = %s\n' "$2" "$3"
}

# A UCI boolean word -> 1/0 in TINYVRRPD_BOOL; status 1 for anything else.
tinyvrrpd_bool() {
	case "$1" in
	1 | on | true | yes | enabled) TINYVRRPD_BOOL=1 ;;
	0 | off | false | no | disabled) TINYVRRPD_BOOL=0 ;;
	*) return 1 ;;
	esac
}

# A command for the daemon. Its key=value format splits values into words and drops a word
# starting with `#`, so a plain command is written in double quotes (one word, exactly as
# given); one that already holds a double quote is keepalived's own quoting (`"/x.sh a"
# nobody` gives notify_master a user) and goes through as written.
tinyvrrpd_cmd() { # SECTION KEY VALUE
	case "$3" in
	*'"'*) tinyvrrpd_kv "$1" "$2" "$3" ;;
	*) tinyvrrpd_kv "$1" "$2" "\"$3\"" ;;
	esac
}

# One option or list of a native section, by its KIND.
tinyvrrpd_emit() { # SECTION option|list NAME KIND
	local v
	case "$4" in
	init) return 0 ;;
	esac
	if [ "$2" = list ]; then
		TINYVRRPD_ITEM_SECTION=$1 TINYVRRPD_ITEM_KEY=$3 TINYVRRPD_ITEM_KIND=$4
		config_list_foreach "$1" "$3" tinyvrrpd_emit_item
		return
	fi
	config_get v "$1" "$3"
	[ -n "$v" ] || return 0
	tinyvrrpd_emit_value "$1" "$3" "$4" "$v"
}

tinyvrrpd_emit_item() {
	tinyvrrpd_emit_value "$TINYVRRPD_ITEM_SECTION" "$TINYVRRPD_ITEM_KEY" "$TINYVRRPD_ITEM_KIND" "$1"
}

tinyvrrpd_emit_value() { # SECTION KEY KIND VALUE
	case "$3" in
	value) tinyvrrpd_kv "$1" "$2" "$4" ;;
	cmd) tinyvrrpd_cmd "$1" "$2" "$4" ;;
	bool)
		if ! tinyvrrpd_bool "$4"; then
			tinyvrrpd_fail "$1" "expected a boolean (1/0, yes/no, on/off, true/false) for $2, found '$4'"
			return 1
		fi
		if [ "$TINYVRRPD_BOOL" = 1 ]; then echo "$2 = yes"; else echo "$2 = no"; fi
		;;
	vmac)
		if tinyvrrpd_bool "$4"; then
			if [ "$TINYVRRPD_BOOL" = 1 ]; then echo "$2 = yes"; else echo "$2 = no"; fi
		else
			tinyvrrpd_kv "$1" "$2" "$4"
		fi
		;;
	soon)
		tinyvrrpd_fail "$1" "'$2' is not supported by tinyvrrpd yet"
		return 1
		;;
	*)
		tinyvrrpd_fail "$1" "internal error: no rule for '$2' ($3)"
		return 1
		;;
	esac
}

# FUNCTION SECTION option|list NAME KIND for each entry of TYPE in the schema table, in
# table order; stops at the first that fails.
tinyvrrpd_each_entry() { # SECTION TYPE FUNCTION
	local line IFS='
'
	for line in $TINYVRRPD_TABLE; do
		IFS=' '
		# shellcheck disable=SC2086 # split on purpose: TYPE option|list NAME KIND
		set -- "$1" "$2" "$3" $line
		IFS='
'
		[ "$4" = "$2" ] || continue
		"$3" "$1" "$5" "$6" "$7" || return 1
	done
}

# Every option and list of a native section.
tinyvrrpd_emit_section() { # SECTION TYPE
	tinyvrrpd_each_entry "$1" "$2" tinyvrrpd_emit
}

# The first lines of a section in the generated file: where it comes from (so that a
# FILE:LINE error of `tinyvrrpd -t` leads back to the UCI section) and KEY = NAME.
tinyvrrpd_begin() { # SECTION KEY NAME
	tinyvrrpd_label "$1"
	echo
	echo "# from $TINYVRRPD_LABEL of $TINYVRRPD_FILE"
	tinyvrrpd_kv "$1" "$2" "$3"
}

# The name a native section is known by: `option name`, else the section's own name.
tinyvrrpd_name() { # SECTION
	config_get TINYVRRPD_NAME "$1" name "$1"
}

# ---- logical networks ------------------------------------------------------------------

# The device of a netifd network: its layer-3 device (where its addresses live: br-lan for
# a bridge, eth0.2 for a VLAN), else, while the network is not up yet, the device netifd
# will bring it up on. Empty when netifd knows neither (the network does not exist yet, or
# its device is not there).
tinyvrrpd_network_device() { # NETWORK -> TINYVRRPD_DEV
	TINYVRRPD_DEV=
	network_get_device TINYVRRPD_DEV "$1" 2>/dev/null && [ -n "$TINYVRRPD_DEV" ] && return 0
	network_get_physdev TINYVRRPD_DEV "$1" 2>/dev/null && [ -n "$TINYVRRPD_DEV" ] && return 0
	TINYVRRPD_DEV=
	return 1
}

# The networks named by enabled instances, for procd's interface triggers.
tinyvrrpd_networks() {
	TINYVRRPD_NETWORKS=
	config_foreach tinyvrrpd_network_of instance
}

tinyvrrpd_network_of() {
	local enabled net
	config_get_bool enabled "$1" enabled 1
	[ "$enabled" = 1 ] || return 0
	config_get net "$1" network
	[ -n "$net" ] || return 0
	case " $TINYVRRPD_NETWORKS " in
	*" $net "*) ;;
	*) TINYVRRPD_NETWORKS="${TINYVRRPD_NETWORKS:+$TINYVRRPD_NETWORKS }$net" ;;
	esac
}

# ---- /etc/config/tinyvrrpd -> key=value --------------------------------------------------

# Decide, before anything is written, which instances cannot start yet: those whose network
# has no device, and every member of a sync group one of them is in (half a group would
# take its VIPs alone). They are left out and logged; netifd's ifup reloads the service and
# brings them in.
tinyvrrpd_plan_instance() {
	local enabled net iface
	config_get_bool enabled "$1" enabled 1
	[ "$enabled" = 1 ] || return 0
	tinyvrrpd_name "$1"
	config_get net "$1" network
	config_get iface "$1" interface
	if [ -n "$net" ] && [ -n "$iface" ]; then
		tinyvrrpd_fail "$1" "give 'interface' (a device) or 'network' (a netifd network), not both"
		return
	fi
	[ -n "$net" ] || return 0
	if tinyvrrpd_network_device "$net"; then
		eval "TINYVRRPD_DEV_$1=\$TINYVRRPD_DEV"
	else
		TINYVRRPD_WAITING="$TINYVRRPD_WAITING $TINYVRRPD_NAME"
		tinyvrrpd_warn "instance $TINYVRRPD_NAME waits for network '$net', which has no device yet; it starts when netifd brings '$net' up"
	fi
}

tinyvrrpd_plan_group() {
	local members m
	config_get members "$1" group
	for m in $members; do
		case " $TINYVRRPD_WAITING " in
		*" $m "*)
			tinyvrrpd_name "$1"
			tinyvrrpd_warn "sync group $TINYVRRPD_NAME waits with its instance $m: $members"
			TINYVRRPD_WAITING="$TINYVRRPD_WAITING $members"
			TINYVRRPD_WAITING_GROUPS="$TINYVRRPD_WAITING_GROUPS $1"
			return 0
			;;
		esac
	done
}

# The init script reads `enabled` and friends from the section named globals; another
# name would be a second, silently unread one.
tinyvrrpd_native_globals() {
	if [ "$1" != globals ]; then
		tinyvrrpd_fail "$1" "the globals section must be named 'globals' (config globals 'globals')"
		return 1
	fi
	tinyvrrpd_emit_section "$1" globals
}

tinyvrrpd_native_script() {
	tinyvrrpd_name "$1"
	tinyvrrpd_begin "$1" vrrp_script "$TINYVRRPD_NAME" || return 1
	tinyvrrpd_emit_section "$1" vrrp_script
}

# vrrp_track_process and track_file sections; the daemon's key=value calls the latter
# vrrp_track_file (track_file there is an instance's list).
tinyvrrpd_native_tracker() { # SECTION
	local type
	config_get type "$1" TYPE
	tinyvrrpd_name "$1"
	if [ "$type" = track_file ]; then
		tinyvrrpd_begin "$1" vrrp_track_file "$TINYVRRPD_NAME" || return 1
	else
		tinyvrrpd_begin "$1" "$type" "$TINYVRRPD_NAME" || return 1
	fi
	tinyvrrpd_emit_section "$1" "$type"
}

tinyvrrpd_native_instance() {
	local enabled dev
	config_get_bool enabled "$1" enabled 1
	[ "$enabled" = 1 ] || return 0
	tinyvrrpd_name "$1"
	case " $TINYVRRPD_WAITING " in *" $TINYVRRPD_NAME "*) return 0 ;; esac
	tinyvrrpd_begin "$1" instance "$TINYVRRPD_NAME" || return 1
	eval "dev=\${TINYVRRPD_DEV_$1:-}"
	[ -z "$dev" ] || echo "interface = $dev"
	tinyvrrpd_emit_section "$1" instance || return 1
	TINYVRRPD_INSTANCES=$((TINYVRRPD_INSTANCES + 1))
}

tinyvrrpd_native_group() {
	local members
	case " $TINYVRRPD_WAITING_GROUPS " in *" $1 "*) return 0 ;; esac
	tinyvrrpd_name "$1"
	config_get members "$1" group
	tinyvrrpd_begin "$1" vrrp_sync_group "$TINYVRRPD_NAME" || return 1
	tinyvrrpd_kv "$1" group "$members" || return 1
	tinyvrrpd_emit_section "$1" vrrp_sync_group
}

# The loaded /etc/config/tinyvrrpd on stdout as key=value; the number of instances written
# in TINYVRRPD_INSTANCES. Non-zero if anything was refused (reasons on stderr and in the
# log). config_foreach ignores its callback's status: every refusal goes through
# tinyvrrpd_fail, which records it in TINYVRRPD_BROKEN.
tinyvrrpd_uci_to_kv() {
	TINYVRRPD_INSTANCES=0
	TINYVRRPD_WAITING=
	TINYVRRPD_WAITING_GROUPS=
	[ "$TINYVRRPD_BROKEN" = 0 ] || return 1
	config_foreach tinyvrrpd_plan_instance instance
	config_foreach tinyvrrpd_plan_group vrrp_sync_group
	[ "$TINYVRRPD_BROKEN" = 0 ] || return 1
	echo "# Generated by /etc/init.d/tinyvrrpd from /etc/config/tinyvrrpd: edit that file."
	config_foreach tinyvrrpd_native_globals globals
	[ "$TINYVRRPD_BROKEN" = 0 ] || return 1
	# Tracked blocks before the instances: keepalived (and the daemon) ignore, with a
	# warning, a name defined after the instance tracking it.
	config_foreach tinyvrrpd_native_script vrrp_script
	config_foreach tinyvrrpd_native_tracker vrrp_track_process
	config_foreach tinyvrrpd_native_tracker track_file
	config_foreach tinyvrrpd_native_instance instance
	config_foreach tinyvrrpd_native_group vrrp_sync_group
	[ "$TINYVRRPD_BROKEN" = 0 ]
}

# ---- /etc/config/keepalived -> key=value -------------------------------------------------

# The sections of TYPE whose `option name` is NAME, in TINYVRRPD_FOUND (keepalived's init
# script writes every one of them, so a duplicated name means two entries here too).
tinyvrrpd_find() { # TYPE NAME
	TINYVRRPD_FOUND=
	TINYVRRPD_FIND=$2
	config_foreach tinyvrrpd_find_one "$1"
}

tinyvrrpd_find_one() {
	local name
	config_get name "$1" name
	[ "$name" = "$TINYVRRPD_FIND" ] && TINYVRRPD_FOUND="$TINYVRRPD_FOUND $1"
	return 0
}

# keepalived's flag options: its init script writes the bare keyword for any non-empty
# value, so only a UCI true is taken; a false value or a word would mean something else
# here than under keepalived, and is refused.
tinyvrrpd_ka_flag() { # SECTION NAME VALUE
	if tinyvrrpd_bool "$3" && [ "$TINYVRRPD_BOOL" = 1 ]; then
		echo "$2 = yes"
		return 0
	fi
	if [ "$2" = use_vmac ] && ! tinyvrrpd_bool "$3"; then
		tinyvrrpd_fail "$1" "option use_vmac '$3': keepalived's init script drops the name and uses vrrp.VRID; set it to '1' (tinyvrrpd then does the same)"
	else
		tinyvrrpd_fail "$1" "option $2 '$3': keepalived's init script turns $2 on for any value; set it to '1', or remove it to turn $2 off"
	fi
	return 1
}

# An option or list of keepalived's table whose kind the generic rules know (value, cmd,
# flag for options; soon, ipvs, bfd, unread, mail for both); the others are done by the
# callers.
tinyvrrpd_ka_entry() { # SECTION option|list NAME KIND
	local v
	config_get v "$1" "$3"
	[ -n "$v" ] || return 0
	case "$2:$4" in
	option:value) tinyvrrpd_kv "$1" "$3" "$v" ;;
	option:cmd) tinyvrrpd_cmd "$1" "$3" "$v" ;;
	option:flag) tinyvrrpd_ka_flag "$1" "$3" "$v" ;;
	*:soon)
		tinyvrrpd_fail "$1" "'$3' is not supported by tinyvrrpd yet"
		return 1
		;;
	*:ipvs)
		tinyvrrpd_fail "$1" "'$3' (IPVS load balancing) is not supported by tinyvrrpd"
		return 1
		;;
	*:bfd)
		tinyvrrpd_fail "$1" "'$3' (BFD) is not supported by tinyvrrpd"
		return 1
		;;
	*:unread)
		tinyvrrpd_fail "$1" "'$3' is never written by keepalived's init script, so keepalived ignores it; track on the instances"
		return 1
		;;
	*:mail)
		tinyvrrpd_label "$1"
		tinyvrrpd_warn "$TINYVRRPD_FILE: $TINYVRRPD_LABEL: $3: tinyvrrpd sends no e-mail alerts (ignored)"
		;;
	esac
}

# Every option and list of a keepalived section the generic rules know, in table order.
tinyvrrpd_ka_options() { # SECTION TYPE
	tinyvrrpd_each_entry "$1" "$2" tinyvrrpd_ka_entry
}

# The sections no instance refers to that still do something under keepalived.
tinyvrrpd_ka_globals() {
	local v
	config_get_bool v "$1" linkbeat_use_polling 0
	if [ "$v" = 1 ]; then
		tinyvrrpd_fail "$1" "'linkbeat_use_polling' is not supported by tinyvrrpd yet (it follows links by netlink)"
		return 1
	fi
	tinyvrrpd_ka_options "$1" globals
}

tinyvrrpd_ka_virtual_server() {
	local enabled ipaddr port
	config_get_bool enabled "$1" enabled 1
	# Disabled, it does nothing under keepalived either.
	[ "$enabled" = 1 ] || return 0
	config_get ipaddr "$1" ipaddr
	config_get port "$1" port
	tinyvrrpd_fail "$1" "virtual_server $ipaddr $port (IPVS load balancing) is not supported by tinyvrrpd; disable it (option enabled '0') or remove it"
	return 1
}

# keepalived's init writes `DEVICE DOWN [UP]`, and nothing without a device or a down delay.
tinyvrrpd_ka_delays() {
	local device down up
	config_get device "$1" device
	config_get down "$1" down_delay
	config_get up "$1" up_delay
	if [ -z "$device" ] || [ -z "$down" ]; then
		tinyvrrpd_fail "$1" "needs a device and a down_delay (keepalived's init script skips it without a word)"
		return 1
	fi
	tinyvrrpd_kv "$1" interface_up_down_delays "$device $down${up:+ $up}"
}

tinyvrrpd_ka_bfd() {
	tinyvrrpd_label "$1"
	tinyvrrpd_warn "$TINYVRRPD_FILE: $TINYVRRPD_LABEL: tinyvrrpd runs no BFD sessions; no instance tracks it (track_bfd would be refused), so nothing changes for VRRP"
}

tinyvrrpd_ka_script() {
	local name weight direction fail
	config_get name "$1" name
	if [ -z "$name" ]; then
		tinyvrrpd_fail "$1" "has no option name (keepalived's init script skips it; name it or remove it)"
		return 1
	fi
	config_get fail "$1" fail
	if [ -n "$fail" ]; then
		tinyvrrpd_fail "$1" "option fail '$fail': keepalived's init script ignores it (its keyword is 'fall', which LuCI's \"Fail\" field means); rename it to 'fall', or remove it for keepalived's default of 1"
		return 1
	fi
	tinyvrrpd_begin "$1" vrrp_script "$name" || return 1
	tinyvrrpd_ka_options "$1" vrrp_script || return 1
	config_get weight "$1" weight
	config_get direction "$1" direction
	tinyvrrpd_ka_weight "$1" "$weight" "$direction" || return 1
	[ -z "$TINYVRRPD_WEIGHT" ] || echo "weight = $TINYVRRPD_WEIGHT"
}

# `weight N` and keepalived's `direction reverse|noreverse` -> "N [reverse]".
tinyvrrpd_ka_weight() { # SECTION WEIGHT DIRECTION
	TINYVRRPD_WEIGHT=$2
	case "$3" in
	'' | noreverse) ;;
	reverse)
		if [ -z "$2" ]; then
			tinyvrrpd_fail "$1" "direction 'reverse' needs a weight"
			return 1
		fi
		TINYVRRPD_WEIGHT="$2 reverse"
		;;
	*)
		tinyvrrpd_fail "$1" "expected reverse or noreverse for direction, found '$3'"
		return 1
		;;
	esac
}

# One name of an instance's list -> the lines for it; a name no section has is refused
# (keepalived's init script would drop it without a word).
tinyvrrpd_ka_ref() { # INSTANCE-SECTION LIST NAME
	local s found
	case "$2" in
	virtual_ipaddress | virtual_ipaddress_excluded)
		tinyvrrpd_find ipaddress "$3"
		for s in $TINYVRRPD_FOUND; do
			tinyvrrpd_ka_vip "$s" "$2" || return 1
			found=1
		done
		;;
	unicast_peer)
		tinyvrrpd_find peer "$3"
		for s in $TINYVRRPD_FOUND; do
			tinyvrrpd_ka_peer "$s" || return 1
			found=1
		done
		;;
	track_interface)
		tinyvrrpd_find track_interface "$3"
		for s in $TINYVRRPD_FOUND; do
			tinyvrrpd_ka_track_interface "$s" || return 1
			found=1
		done
		;;
	virtual_routes)
		tinyvrrpd_find route "$3"
		for s in $TINYVRRPD_FOUND; do
			tinyvrrpd_ka_route "$s" virtual_routes || return 1
			found=1
		done
		;;
	track_script)
		# luci-app-keepalived names a `track_script` section (which names the vrrp_script
		# and may set its own weight); OpenWrt's newer keepalived names the vrrp_script.
		tinyvrrpd_find track_script "$3"
		for s in $TINYVRRPD_FOUND; do
			tinyvrrpd_ka_track_script "$s" value || return 1
			found=1
		done
		if [ -z "$found" ]; then
			tinyvrrpd_find vrrp_script "$3"
			for s in $TINYVRRPD_FOUND; do
				tinyvrrpd_ka_track_script "$s" name || return 1
				found=1
			done
		fi
		;;
	esac
	[ -n "$found" ] && return 0
	case "$2" in
	virtual_ipaddress*) s="an ipaddress section" ;;
	unicast_peer) s="a peer section" ;;
	track_interface) s="a track_interface section" ;;
	track_script) s="a track_script or vrrp_script section" ;;
	virtual_routes) s="a route section" ;;
	esac
	tinyvrrpd_fail "$1" "$2 '$3' names no $s with option name '$3' (keepalived's init script drops it silently)"
	return 1
}

tinyvrrpd_ka_vip() { # SECTION KEY (virtual_ipaddress, virtual_ipaddress_excluded or static_ipaddress)
	local address device label scope
	config_get address "$1" address
	config_get device "$1" device
	config_get label "$1" label_suffix vip
	config_get scope "$1" scope
	if [ -z "$address" ]; then
		tinyvrrpd_fail "$1" "has no address"
		return 1
	fi
	# keepalived's init labels a VIP with a device DEVICE:SUFFIX (default suffix vip), and
	# writes its scope only then; keepalived drops the label of an IPv6 address (Linux has
	# none) with a warning.
	if [ -z "$device" ]; then
		if [ -n "$scope" ]; then
			tinyvrrpd_fail "$1" "scope '$scope' without a device: keepalived's init script drops it without a word; give the device or remove the scope"
			return 1
		fi
		tinyvrrpd_kv "$1" "$2" "$address"
	else
		case "$address" in
		*:*)
			tinyvrrpd_label "$1"
			tinyvrrpd_warn "$TINYVRRPD_FILE: $TINYVRRPD_LABEL: Cannot specify label for IPv6 addresses ($address) - ignoring label"
			tinyvrrpd_kv "$1" "$2" "$address dev $device${scope:+ scope $scope}"
			;;
		*) tinyvrrpd_kv "$1" "$2" "$address dev $device label $device:$label${scope:+ scope $scope}" ;;
		esac
	fi
}

# A route section, as keepalived's init script writes it into virtual_routes or
# static_routes: `blackhole ADDRESS`, or `[src SRC] ADDRESS [via GATEWAY] dev DEVICE
# [table T]`; the scope, which that script reads into nothing, is written too.
tinyvrrpd_ka_route() { # SECTION KEY
	local blackhole address src gateway device table scope line
	config_get_bool blackhole "$1" blackhole 0
	config_get address "$1" address
	config_get src "$1" src_addr
	config_get gateway "$1" gateway
	config_get device "$1" device
	config_get table "$1" table
	config_get scope "$1" scope
	if [ -z "$address" ]; then
		tinyvrrpd_fail "$1" "has no address"
		return 1
	fi
	if [ "$blackhole" = 1 ]; then
		tinyvrrpd_kv "$1" "$2" "blackhole $address"
		return
	fi
	if [ -z "$src$device" ]; then
		tinyvrrpd_fail "$1" "has neither device nor src_addr (keepalived's init script drops it silently)"
		return 1
	fi
	line="${src:+src $src }$address${gateway:+ via $gateway}${device:+ dev $device}"
	tinyvrrpd_kv "$1" "$2" "$line${scope:+ scope $scope}${table:+ table $table}"
}

# static_ipaddress and static_routes sections: their lists name ipaddress and route
# sections, as an instance's do.
tinyvrrpd_ka_static() { # SECTION
	local type list key what names n s found
	config_get type "$1" TYPE
	case "$type" in
	static_ipaddress) list=address key=static_ipaddress what="an ipaddress" ;;
	*) list=route key=static_routes what="a route" ;;
	esac
	config_get names "$1" "$list"
	for n in $names; do
		found=
		if [ "$list" = address ]; then tinyvrrpd_find ipaddress "$n"; else tinyvrrpd_find route "$n"; fi
		for s in $TINYVRRPD_FOUND; do
			if [ "$list" = address ]; then
				tinyvrrpd_ka_vip "$s" "$key" || return 1
			else
				tinyvrrpd_ka_route "$s" "$key" || return 1
			fi
			found=1
		done
		if [ -z "$found" ]; then
			tinyvrrpd_fail "$1" "$list '$n' names no $what section with option name '$n' (keepalived's init script drops it silently)"
			return 1
		fi
	done
}

tinyvrrpd_ka_peer() {
	local address min max
	config_get address "$1" address
	config_get min "$1" min_ttl
	config_get max "$1" max_ttl
	tinyvrrpd_ka_options "$1" peer || return 1
	if [ -z "$address" ]; then
		tinyvrrpd_fail "$1" "has no address"
		return 1
	fi
	tinyvrrpd_kv "$1" unicast_peer "$address${min:+ min_ttl $min}${max:+ max_ttl $max}"
}

tinyvrrpd_ka_track_interface() {
	local value weight
	config_get value "$1" value
	config_get weight "$1" weight
	if [ -z "$value" ]; then
		tinyvrrpd_fail "$1" "has no value (the device to track)"
		return 1
	fi
	tinyvrrpd_kv "$1" track_interface "$value${weight:+ weight $weight}"
}

tinyvrrpd_ka_track_script() { # SECTION value|name (the option naming the vrrp_script)
	local script weight direction
	config_get script "$1" "$2"
	config_get weight "$1" weight
	config_get direction "$1" direction
	if [ -z "$script" ]; then
		tinyvrrpd_fail "$1" "has no value (the vrrp_script to track)"
		return 1
	fi
	tinyvrrpd_ka_weight "$1" "$weight" "$direction" || return 1
	tinyvrrpd_kv "$1" track_script "$script${TINYVRRPD_WEIGHT:+ weight $TINYVRRPD_WEIGHT}"
}

tinyvrrpd_ka_list() { # INSTANCE-SECTION LIST
	local names n
	config_get names "$1" "$2"
	for n in $names; do
		tinyvrrpd_ka_ref "$1" "$2" "$n" || return 1
	done
}

tinyvrrpd_ka_instance() {
	local name v first
	config_get name "$1" name
	if [ -z "$name" ]; then
		tinyvrrpd_fail "$1" "has no option name (keepalived's init script skips it; name it or remove it)"
		return 1
	fi
	# keepalived's init writes authentication only when both are set.
	config_get v "$1" auth_type
	config_get first "$1" auth_pass
	if [ -n "$v$first" ] && { [ -z "$v" ] || [ -z "$first" ]; }; then
		tinyvrrpd_fail "$1" "auth_type and auth_pass go together (keepalived's init script drops authentication when one is missing): set both, or neither"
		return 1
	fi
	tinyvrrpd_begin "$1" instance "$name" || return 1
	tinyvrrpd_ka_options "$1" vrrp_instance || return 1
	config_get v "$1" debug
	case "$v" in
	'' | 0) ;;
	*) tinyvrrpd_label "$1" && tinyvrrpd_warn "$TINYVRRPD_FILE: $TINYVRRPD_LABEL: debug $v: tinyvrrpd has no per-instance debug level (ignored)" ;;
	esac
	for v in virtual_ipaddress virtual_ipaddress_excluded unicast_peer track_interface track_script virtual_routes; do
		tinyvrrpd_ka_list "$1" "$v" || return 1
	done
	# native_ipv6 makes keepalived run the instance over IPv6; tinyvrrpd takes the family
	# from the first VIP, so the two agree when that is IPv6.
	config_get v "$1" native_ipv6
	if [ -n "$v" ]; then
		if ! tinyvrrpd_bool "$v" || [ "$TINYVRRPD_BOOL" = 0 ]; then
			tinyvrrpd_ka_flag "$1" native_ipv6 "$v"
			return 1
		fi
		first=$(tinyvrrpd_ka_list "$1" virtual_ipaddress 2>/dev/null | head -n 1)
		first=${first#*= }
		case "${first%% *}" in
		*:*) ;;
		*)
			tinyvrrpd_fail "$1" "native_ipv6 with IPv4 virtual addresses is not supported by tinyvrrpd yet (an instance's family is its first VIP's)"
			return 1
			;;
		esac
	fi
	TINYVRRPD_INSTANCES=$((TINYVRRPD_INSTANCES + 1))
}

tinyvrrpd_ka_group() {
	local name members m
	config_get name "$1" name
	if [ -z "$name" ]; then
		tinyvrrpd_fail "$1" "has no option name (keepalived's init script skips it; name it or remove it)"
		return 1
	fi
	config_get members "$1" group
	for m in $members; do
		tinyvrrpd_find vrrp_instance "$m"
		if [ -z "$TINYVRRPD_FOUND" ]; then
			tinyvrrpd_fail "$1" "group member '$m' names no vrrp_instance (keepalived's init script drops it silently)"
			return 1
		fi
	done
	if [ -z "$members" ]; then
		tinyvrrpd_fail "$1" "has no list group (keepalived's init script skips it; add its instances or remove it)"
		return 1
	fi
	tinyvrrpd_begin "$1" vrrp_sync_group "$name" || return 1
	tinyvrrpd_kv "$1" group "$members" || return 1
	tinyvrrpd_ka_options "$1" vrrp_sync_group
}

# The loaded /etc/config/keepalived on stdout as key=value. keepalived's init script always
# writes `script_user root` and `enable_script_security`; so does this, so scripts run as
# they did (the daemon then runs as root, see the init script).
tinyvrrpd_keepalived_to_kv() {
	TINYVRRPD_INSTANCES=0
	[ "$TINYVRRPD_BROKEN" = 0 ] || return 1
	echo "# Generated by /etc/init.d/tinyvrrpd from /etc/config/keepalived (keepalived_uci): edit that file."
	echo "script_user = root"
	echo "enable_script_security = yes"
	config_foreach tinyvrrpd_ka_globals globals
	config_foreach tinyvrrpd_ka_static static_ipaddress
	config_foreach tinyvrrpd_ka_static static_routes
	config_foreach tinyvrrpd_ka_delays interface_up_down_delays
	config_foreach tinyvrrpd_ka_virtual_server virtual_server
	config_foreach tinyvrrpd_ka_bfd bfd_instance
	[ "$TINYVRRPD_BROKEN" = 0 ] || return 1
	config_foreach tinyvrrpd_ka_script vrrp_script
	config_foreach tinyvrrpd_ka_instance vrrp_instance
	config_foreach tinyvrrpd_ka_group vrrp_sync_group
	[ "$TINYVRRPD_BROKEN" = 0 ]
}
