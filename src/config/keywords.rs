//! Every keepalived keyword tinyvrrpd knows, in one table for both formats, with one of
//! three answers (see README, "keepalived keywords"):
//! - implemented: a [`Key`], given its meaning by `build.rs`;
//! - accepted with a warning: a keepalived subsystem tinyvrrpd does not have and whose
//!   absence cannot change which node holds the VIPs or when (e-mail, SNMP, IPVS
//!   leftovers, process names, keepalived's own tuning);
//! - refused with the reason: anything whose absence would change failover, or what is
//!   planned but not there yet.
//!
//! A word found nowhere is a typo: an error, with the nearest keyword as a suggestion.
//! The table of keywords that are not implemented is packed text (one `PLACE CODE NAME`
//! per line): ~150 names cost ~3 KB this way, about half of a table of string slices.

use super::lex;

/// Where a keyword may stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// Outside any block (keepalived's root keywords).
    Top,
    /// `global_defs { }` (key=value: before the first section).
    Global,
    /// `vrrp_instance NAME { }` (key=value: after `instance = NAME`).
    Instance,
    /// `vrrp_script NAME { }`.
    Script,
    /// `vrrp_sync_group NAME { }`.
    Group,
}

impl Place {
    /// How a user finds the place: "belongs inside {where}".
    pub(crate) fn name(self) -> &'static str {
        match self {
            Place::Top => "the top level",
            Place::Global => "global_defs { }",
            Place::Instance => "a vrrp_instance { }",
            Place::Script => "a vrrp_script { }",
            Place::Group => "a vrrp_sync_group { }",
        }
    }

    fn code(self) -> u8 {
        match self {
            Place::Top => b't',
            Place::Global => b'g',
            Place::Instance => b'i',
            Place::Script => b's',
            Place::Group => b'y',
        }
    }

    const ALL: [Place; 5] = [
        Place::Top,
        Place::Global,
        Place::Instance,
        Place::Script,
        Place::Group,
    ];
}

/// How a keyword is written in keepalived.conf (key=value writes every one `key = args`,
/// a list keyword once per entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `key args...` on one line.
    Line,
    /// `key { entry \n entry }`: one entry per line.
    List,
    /// `key NAME { keywords }` (or `global_defs { }`): a section of its own place.
    Section,
    /// `authentication { auth_type …  auth_pass … }`: keywords of the same place.
    Sub,
}

/// How a keyword's value is read: most are a flag, a number in a range or seconds, all
/// read by [`Val::parse`] into a [`Slots`] entry; `Custom` ones have their own code in
/// `build.rs`. (One path for ~55 keywords instead of one each: ~7 KB less on armv7.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Val {
    Custom,
    /// Bare = on; both formats also take a boolean word.
    Flag,
    /// 0-255.
    Byte,
    /// 1-255 (priority, VRID).
    Prio,
    /// Whole seconds 0-1000.
    Secs,
    /// Whole seconds 0-86400.
    Day,
    /// Whole seconds 1-1000.
    Timeout,
    /// 2 or 3.
    Version,
    /// 0-99.
    RtPrio,
    /// µs 1000-60 000 000.
    Rttime,
    /// 1-1000.
    RiseFall,
    /// Seconds in µs, 0-1.
    BurstUs,
    /// Seconds in µs, 0.01-255.
    AdvertUs,
    /// Seconds in ms, 0-1000.
    DelayMs,
    /// Seconds in ms, 0-3600.
    StartupMs,
    /// Seconds in ms, 0-86400.
    ScriptMs,
}

impl Val {
    /// The value of a simple keyword, in the unit its kind names.
    pub(crate) fn parse(self, name: &str, args: &[&str]) -> Result<u32, String> {
        let n = |lo, hi| lex::number(name, args, lo, hi);
        let s = |scale, lo, hi, range| lex::seconds(name, args, scale, lo, hi, range);
        let v = match self {
            Val::Custom => unreachable!(),
            Val::Flag => lex::flag(name, args).map(u64::from),
            Val::Byte => n(0, 255),
            Val::Prio => n(1, 255),
            Val::Secs => n(0, 1000),
            Val::Day => n(0, 86_400),
            Val::Timeout => n(1, 1000),
            Val::Version => n(2, 3),
            Val::RtPrio => n(0, 99),
            Val::Rttime => n(1000, 60_000_000),
            Val::RiseFall => n(1, 1000),
            Val::BurstUs => s(6, 0, 1_000_000, "0-1"),
            Val::AdvertUs => s(6, 10_000, 255_000_000, "0.01-255"),
            Val::DelayMs => s(3, 0, 1_000_000, "0-1000"),
            Val::StartupMs => s(3, 0, 3_600_000, "0-3600"),
            Val::ScriptMs => s(3, 0, 86_400_000, "0-86400"),
        };
        v.map(|v| v as u32)
    }
}

/// Where a word was read: the file (index into `Builder::files`) and its line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Loc {
    pub(crate) file: u16,
    pub(crate) line: u32,
}

impl Loc {
    pub(crate) fn is_set(self) -> bool {
        self.line != 0
    }
}

/// One section's keywords as written: where each was last seen (line 0 = never; a value
/// that failed to parse is seen but has no value, so validation stays quiet instead of
/// adding to its error) and the value of the simple ones.
pub(crate) struct Slots {
    at: [Loc; Key::COUNT],
    val: [u32; Key::COUNT],
}

/// No value: not a simple keyword, or it failed to parse.
const NO_VALUE: u32 = u32::MAX;

impl Slots {
    pub(crate) fn new() -> Box<Slots> {
        Box::new(Slots {
            at: [Loc::default(); Key::COUNT],
            val: [NO_VALUE; Key::COUNT],
        })
    }

    pub(crate) fn seen(&mut self, key: Key, at: Loc) {
        self.at[key as usize] = at;
    }

    pub(crate) fn set(&mut self, key: Key, v: Option<u32>) {
        self.val[key as usize] = v.unwrap_or(NO_VALUE);
    }

    /// Where `key` was written (line 0: never).
    pub(crate) fn at(&self, key: Key) -> Loc {
        self.at[key as usize]
    }

    /// The value of a simple keyword that was written and read.
    pub(crate) fn get(&self, key: Key) -> Option<u32> {
        Some(self.val[key as usize]).filter(|&v| v != NO_VALUE)
    }

    pub(crate) fn flag(&self, key: Key) -> Option<bool> {
        self.get(key).map(|v| v != 0)
    }
}

/// The implemented keywords. Their name is [`Key::name`]; the variant order is the slot
/// in `Draft::seen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    // Top level.
    GlobalDefs,
    VrrpInstance,
    VrrpScript,
    VrrpSyncGroup,
    StaticIpaddress,
    StaticRoutes,
    StaticRules,
    InterfaceUpDownDelays,
    Include,
    // global_defs.
    RouterId,
    VrrpVersion,
    ScriptUser,
    EnableScriptSecurity,
    VrrpRtPriority,
    VrrpRlimitRttime,
    VrrpRlimitRtime,
    MaxAutoPriority,
    VrrpGarpMasterDelay,
    VrrpGarpMasterRepeat,
    VrrpGarpMasterRefresh,
    VrrpGarpMasterRefreshRepeat,
    VrrpGarpInterval,
    VrrpGnaInterval,
    VrrpGarpLowerPrioDelay,
    VrrpGarpLowerPrioRepeat,
    VrrpLowerPrioNoAdvert,
    VrrpHigherPrioSendAdvert,
    VrrpMinGarp,
    VrrpSkipCheckAdvAddr,
    VrrpStrict,
    VrrpCheckUnicastSrc,
    VrrpMcastGroup4,
    VrrpMcastGroup6,
    VrrpStartupDelay,
    StartupScript,
    StartupScriptTimeout,
    ShutdownScript,
    ShutdownScriptTimeout,
    DynamicInterfaces,
    VmacPrefix,
    // vrrp_instance.
    State,
    Interface,
    VirtualRouterId,
    Priority,
    AdvertInt,
    Version,
    Nopreempt,
    Preempt,
    PreemptDelay,
    UnicastSrcIp,
    McastSrcIp,
    UnicastPeer,
    Authentication,
    AuthType,
    AuthPass,
    VirtualIpaddress,
    VirtualIpaddressExcluded,
    NoVirtualIpaddress,
    GarpMasterDelay,
    GarpMasterRepeat,
    GarpMasterRefresh,
    GarpMasterRefreshRepeat,
    GarpInterval,
    GnaInterval,
    GarpLowerPrioDelay,
    GarpLowerPrioRepeat,
    LowerPrioNoAdvert,
    HigherPrioSendAdvert,
    TrackInterface,
    TrackScript,
    NotifyMaster,
    NotifyBackup,
    NotifyFault,
    NotifyStop,
    Notify,
    UseVmac,
    VmacXmitBase,
    Accept,
    NoAccept,
    StrictMode,
    SkipCheckAdvAddr,
    CheckUnicastSrc,
    DontTrackPrimary,
    McastDstIp,
    UnicastTtl,
    UnicastFaultNoPeer,
    // vrrp_script.
    Script,
    Interval,
    Timeout,
    Weight,
    Rise,
    Fall,
    User,
    InitFail,
    // vrrp_sync_group.
    Group,
    SyncGroupTrackingWeight,
    GlobalTracking,
}

/// Every implemented keyword: name, place, form and how its value is read, in `Key`
/// order.
const KEYS: [(Key, &str, Place, Form, Val); Key::COUNT] = {
    use Form::*;
    use Key::*;
    use Val::*;
    [
        (GlobalDefs, "global_defs", Place::Top, Section, Custom),
        (VrrpInstance, "vrrp_instance", Place::Top, Section, Custom),
        (VrrpScript, "vrrp_script", Place::Top, Section, Custom),
        (
            VrrpSyncGroup,
            "vrrp_sync_group",
            Place::Top,
            Section,
            Custom,
        ),
        (
            StaticIpaddress,
            "static_ipaddress",
            Place::Top,
            List,
            Custom,
        ),
        (StaticRoutes, "static_routes", Place::Top, List, Custom),
        (StaticRules, "static_rules", Place::Top, List, Custom),
        (
            InterfaceUpDownDelays,
            "interface_up_down_delays",
            Place::Top,
            List,
            Custom,
        ),
        (Include, "include", Place::Top, Line, Custom),
        (RouterId, "router_id", Place::Global, Line, Custom),
        (
            VrrpVersion,
            "vrrp_version",
            Place::Global,
            Line,
            Val::Version,
        ),
        (ScriptUser, "script_user", Place::Global, Line, Custom),
        (
            EnableScriptSecurity,
            "enable_script_security",
            Place::Global,
            Line,
            Flag,
        ),
        (
            VrrpRtPriority,
            "vrrp_rt_priority",
            Place::Global,
            Line,
            RtPrio,
        ),
        (
            VrrpRlimitRttime,
            "vrrp_rlimit_rttime",
            Place::Global,
            Line,
            Rttime,
        ),
        (
            VrrpRlimitRtime,
            "vrrp_rlimit_rtime",
            Place::Global,
            Line,
            Rttime,
        ),
        (
            MaxAutoPriority,
            "max_auto_priority",
            Place::Global,
            Line,
            Custom,
        ),
        (
            VrrpGarpMasterDelay,
            "vrrp_garp_master_delay",
            Place::Global,
            Line,
            Secs,
        ),
        (
            VrrpGarpMasterRepeat,
            "vrrp_garp_master_repeat",
            Place::Global,
            Line,
            Byte,
        ),
        (
            VrrpGarpMasterRefresh,
            "vrrp_garp_master_refresh",
            Place::Global,
            Line,
            Day,
        ),
        (
            VrrpGarpMasterRefreshRepeat,
            "vrrp_garp_master_refresh_repeat",
            Place::Global,
            Line,
            Byte,
        ),
        (
            VrrpGarpInterval,
            "vrrp_garp_interval",
            Place::Global,
            Line,
            BurstUs,
        ),
        (
            VrrpGnaInterval,
            "vrrp_gna_interval",
            Place::Global,
            Line,
            BurstUs,
        ),
        (
            VrrpGarpLowerPrioDelay,
            "vrrp_garp_lower_prio_delay",
            Place::Global,
            Line,
            Secs,
        ),
        (
            VrrpGarpLowerPrioRepeat,
            "vrrp_garp_lower_prio_repeat",
            Place::Global,
            Line,
            Byte,
        ),
        (
            VrrpLowerPrioNoAdvert,
            "vrrp_lower_prio_no_advert",
            Place::Global,
            Line,
            Flag,
        ),
        (
            VrrpHigherPrioSendAdvert,
            "vrrp_higher_prio_send_advert",
            Place::Global,
            Line,
            Flag,
        ),
        (VrrpMinGarp, "vrrp_min_garp", Place::Global, Line, Flag),
        (
            VrrpSkipCheckAdvAddr,
            "vrrp_skip_check_adv_addr",
            Place::Global,
            Line,
            Flag,
        ),
        (VrrpStrict, "vrrp_strict", Place::Global, Line, Flag),
        (
            VrrpCheckUnicastSrc,
            "vrrp_check_unicast_src",
            Place::Global,
            Line,
            Flag,
        ),
        (
            VrrpMcastGroup4,
            "vrrp_mcast_group4",
            Place::Global,
            Line,
            Custom,
        ),
        (
            VrrpMcastGroup6,
            "vrrp_mcast_group6",
            Place::Global,
            Line,
            Custom,
        ),
        (
            VrrpStartupDelay,
            "vrrp_startup_delay",
            Place::Global,
            Line,
            StartupMs,
        ),
        (StartupScript, "startup_script", Place::Global, Line, Custom),
        (
            StartupScriptTimeout,
            "startup_script_timeout",
            Place::Global,
            Line,
            Val::Timeout,
        ),
        (
            ShutdownScript,
            "shutdown_script",
            Place::Global,
            Line,
            Custom,
        ),
        (
            ShutdownScriptTimeout,
            "shutdown_script_timeout",
            Place::Global,
            Line,
            Val::Timeout,
        ),
        (
            DynamicInterfaces,
            "dynamic_interfaces",
            Place::Global,
            Line,
            Custom,
        ),
        (VmacPrefix, "vmac_prefix", Place::Global, Line, Custom),
        (State, "state", Place::Instance, Line, Custom),
        (Interface, "interface", Place::Instance, Line, Custom),
        (
            VirtualRouterId,
            "virtual_router_id",
            Place::Instance,
            Line,
            Prio,
        ),
        (Priority, "priority", Place::Instance, Line, Prio),
        (AdvertInt, "advert_int", Place::Instance, Line, AdvertUs),
        (Key::Version, "version", Place::Instance, Line, Val::Version),
        (Nopreempt, "nopreempt", Place::Instance, Line, Custom),
        (Preempt, "preempt", Place::Instance, Line, Custom),
        (
            PreemptDelay,
            "preempt_delay",
            Place::Instance,
            Line,
            DelayMs,
        ),
        (
            UnicastSrcIp,
            "unicast_src_ip",
            Place::Instance,
            Line,
            Custom,
        ),
        (McastSrcIp, "mcast_src_ip", Place::Instance, Line, Custom),
        (UnicastPeer, "unicast_peer", Place::Instance, List, Custom),
        (
            Authentication,
            "authentication",
            Place::Instance,
            Sub,
            Custom,
        ),
        (AuthType, "auth_type", Place::Instance, Line, Custom),
        (AuthPass, "auth_pass", Place::Instance, Line, Custom),
        (
            VirtualIpaddress,
            "virtual_ipaddress",
            Place::Instance,
            List,
            Custom,
        ),
        (
            VirtualIpaddressExcluded,
            "virtual_ipaddress_excluded",
            Place::Instance,
            List,
            Custom,
        ),
        (
            NoVirtualIpaddress,
            "no_virtual_ipaddress",
            Place::Instance,
            Line,
            Flag,
        ),
        (
            GarpMasterDelay,
            "garp_master_delay",
            Place::Instance,
            Line,
            Secs,
        ),
        (
            GarpMasterRepeat,
            "garp_master_repeat",
            Place::Instance,
            Line,
            Byte,
        ),
        (
            GarpMasterRefresh,
            "garp_master_refresh",
            Place::Instance,
            Line,
            Day,
        ),
        (
            GarpMasterRefreshRepeat,
            "garp_master_refresh_repeat",
            Place::Instance,
            Line,
            Byte,
        ),
        (
            GarpInterval,
            "garp_interval",
            Place::Instance,
            Line,
            BurstUs,
        ),
        (GnaInterval, "gna_interval", Place::Instance, Line, BurstUs),
        (
            GarpLowerPrioDelay,
            "garp_lower_prio_delay",
            Place::Instance,
            Line,
            Secs,
        ),
        (
            GarpLowerPrioRepeat,
            "garp_lower_prio_repeat",
            Place::Instance,
            Line,
            Byte,
        ),
        (
            LowerPrioNoAdvert,
            "lower_prio_no_advert",
            Place::Instance,
            Line,
            Flag,
        ),
        (
            HigherPrioSendAdvert,
            "higher_prio_send_advert",
            Place::Instance,
            Line,
            Flag,
        ),
        (
            TrackInterface,
            "track_interface",
            Place::Instance,
            List,
            Custom,
        ),
        (TrackScript, "track_script", Place::Instance, List, Custom),
        (NotifyMaster, "notify_master", Place::Instance, Line, Custom),
        (NotifyBackup, "notify_backup", Place::Instance, Line, Custom),
        (NotifyFault, "notify_fault", Place::Instance, Line, Custom),
        (NotifyStop, "notify_stop", Place::Instance, Line, Custom),
        (Notify, "notify", Place::Instance, Line, Custom),
        (UseVmac, "use_vmac", Place::Instance, Line, Custom),
        (VmacXmitBase, "vmac_xmit_base", Place::Instance, Line, Flag),
        (Accept, "accept", Place::Instance, Line, Custom),
        (NoAccept, "no_accept", Place::Instance, Line, Custom),
        (StrictMode, "strict_mode", Place::Instance, Line, Flag),
        (
            SkipCheckAdvAddr,
            "skip_check_adv_addr",
            Place::Instance,
            Line,
            Flag,
        ),
        (
            CheckUnicastSrc,
            "check_unicast_src",
            Place::Instance,
            Line,
            Flag,
        ),
        (
            DontTrackPrimary,
            "dont_track_primary",
            Place::Instance,
            Line,
            Flag,
        ),
        (McastDstIp, "mcast_dst_ip", Place::Instance, Line, Custom),
        (UnicastTtl, "unicast_ttl", Place::Instance, Line, Byte),
        (
            UnicastFaultNoPeer,
            "unicast_fault_no_peer",
            Place::Instance,
            Line,
            Flag,
        ),
        (Key::Script, "script", Place::Script, Line, Custom),
        (Key::Interval, "interval", Place::Script, Line, ScriptMs),
        (Key::Timeout, "timeout", Place::Script, Line, ScriptMs),
        (Weight, "weight", Place::Script, Line, Custom),
        (Rise, "rise", Place::Script, Line, RiseFall),
        (Fall, "fall", Place::Script, Line, RiseFall),
        (User, "user", Place::Script, Line, Custom),
        (InitFail, "init_fail", Place::Script, Line, Flag),
        (Key::Group, "group", Place::Group, List, Custom),
        (
            SyncGroupTrackingWeight,
            "sync_group_tracking_weight",
            Place::Group,
            Line,
            Flag,
        ),
        (GlobalTracking, "global_tracking", Place::Group, Line, Flag),
    ]
};

impl Key {
    pub(crate) const COUNT: usize = Key::GlobalTracking as usize + 1;

    pub(crate) fn name(self) -> &'static str {
        KEYS[self as usize].1
    }

    pub(crate) fn place(self) -> Place {
        KEYS[self as usize].2
    }

    pub(crate) fn form(self) -> Form {
        KEYS[self as usize].3
    }

    pub(crate) fn val(self) -> Val {
        KEYS[self as usize].4
    }
}

/// Why a known keyword is not implemented. Lowercase codes are accepted with a warning,
/// uppercase ones refused; `planned` ones say "yet".
const REASONS: [(u8, &str); 24] = [
    (b'a', "tinyvrrpd sends no e-mail; use notify scripts"),
    (
        b'b',
        "tinyvrrpd has no SNMP or D-Bus; see tinyvrrpd status --json",
    ),
    (b'c', "tinyvrrpd is one process with one name"),
    (b'd', "tinyvrrpd has no IPVS (LVS) part"),
    (b'e', "tinyvrrpd has no BFD part"),
    (b'f', "keepalived's process tuning, not needed here"),
    (b'g', "no_accept rules go to nftables table inet tinyvrrpd"),
    (b'h', "keepalived's own files and reload handling"),
    (b'i', "log detail is -D"),
    (b'j', "every instance names its interface"),
    (b'k', "IGMP reports are the kernel's"),
    (b'l', "only used by use_vmac_addr"),
    (b'm', "links are followed by rtnetlink, not polled"),
    (b'A', "IPVS load balancing"),
    (b'B', "BFD"),
    (b'C', "process and file tracking"),
    (b'D', "routes and rules that follow the VIP"),
    (b'E', "the notify FIFO"),
    (b'F', "sync-group notify and tracking"),
    (b'G', "this notify variant; use notify"),
    (b'I', "network namespaces; start it with ip netns exec"),
    (b'J', "it changes Master_Down_Interval"),
    (b'K', "virtual MACs on other interfaces, VRF, ipvlan"),
    (b'L', "keepalived's groups, checksum and address variants"),
];

/// Codes whose feature is planned (issue "router features"): their refusal says "yet".
const PLANNED: &[u8] = b"CDEF";

/// `PLACE CODE NAME` per line: the keepalived keywords that are not implemented (code
/// `=`: nothing to do, what the keyword asks for is how tinyvrrpd works).
const KNOWN: &str = "\
ga notification_email
ga notification_email_from
ga smtp_server
ga smtp_helo_name
ga smtp_connect_timeout
ga smtp_alert
ga smtp_alert_vrrp
ga smtp_alert_checker
ga no_email_faults
ia smtp_alert
ya smtp_alert
gb enable_snmp_vrrp
gb enable_snmp_keepalived
gb enable_snmp_rfc
gb enable_snmp_rfcv2
gb enable_snmp_rfcv3
gb enable_snmp_checker
gb enable_traps
gb snmp_socket
gb enable_dbus
gb dbus_service_name
g= process_names
gc process_name
gc vrrp_process_name
gc checker_process_name
gc lvs_process_name
gc bfd_process_name
gd lvs_id
gd lvs_timeouts
gd lvs_flush
gd lvs_flush_on_stop
gd lvs_flush_onstop
gd lvs_sync_daemon
gd lvs_notify_fifo
gd lvs_notify_fifo_script
gd lvs_netlink_cmd_rcv_bufs
gd lvs_netlink_cmd_rcv_bufs_force
gd lvs_netlink_monitor_rcv_bufs
gd lvs_netlink_monitor_rcv_bufs_force
gd checker_priority
gd checker_no_swap
gd checker_rt_priority
gd checker_cpu_affinity
gd checker_rlimit_rttime
gd checker_rlimit_rtime
gd checker_log_all_failures
gd rs_init_notifies
gd no_checker_emails
gd nftables_ipvs
gd nftables_ipvs_priority
gd nftables_ipvs_start_fwmark
td net_namespace_ipvs
id lvs_sync_daemon_interface
ge bfd_priority
ge bfd_no_swap
ge bfd_rt_priority
ge bfd_cpu_affinity
ge bfd_rlimit_rttime
ge bfd_rlimit_rtime
gf vrrp_priority
gf vrrp_no_swap
gf vrrp_cpu_affinity
gf vrrp_netlink_cmd_rcv_bufs
gf vrrp_netlink_cmd_rcv_bufs_force
gf vrrp_netlink_monitor_rcv_bufs
gf vrrp_netlink_monitor_rcv_bufs_force
gf process_monitor_rcv_bufs
gf process_monitor_rcv_bufs_force
gf vrrp_rx_bufs_policy
gf vrrp_rx_bufs_multiplier
gf min_auto_priority_delay
gf umask
gf random_seed
tf child_wait_time
if kernel_rx_buf_size
gg vrrp_iptables
gg vrrp_ipsets
gg nftables
gg nftables_priority
gg nftables_ifindex
gg nftables_counters
tg namespace_with_ipsets
gh config_save_dir
gh tmp_config_directory
gh reload_check_config
gh reload_time_file
gh reload_repeat
gh reload_file
gh include_check
gh data_use_instance
th use_pid_dir
th instance
gi log_unknown_vrids
ii debug
gj default_interface
gk disable_local_igmp
gl vmac_addr_prefix
tA virtual_server
tA virtual_server_group
tB bfd_instance
iB track_bfd
yB track_bfd
tC vrrp_track_process
tC track_file
tC vrrp_track_file
iC track_process
iC track_file
iD virtual_routes
iD virtual_rules
gE notify_fifo
gE notify_fifo_script
gE vrrp_notify_fifo
gE vrrp_notify_fifo_script
gE fifo_write_vrrp_states_on_reload
yF notify_master
yF notify_backup
yF notify_fault
yF notify_stop
yF notify
yF track_interface
yF track_script
yF track_file
yF track_process
iG notify_deleted
iG notify_master_rx_lower_pri
iG notify_priority_changes
yG notify_priority_changes
gG vrrp_notify_priority_changes
tm linkbeat_use_polling
tm linkbeat_interfaces
im linkbeat_use_polling
tI net_namespace
gJ vrrp_down_timer_adverts
iJ down_timer_adverts
gK vrrp_garp_extra_if
gK vrrp_vmac_garp_intvl
iK garp_extra_if
iK vmac_garp_intvl
iK use_vmac_addr
iK use_ipvlan
iK vrf
iL track_src_ip
iL native_ipv6
iL old_unicast_checksum
iL promote_secondaries
tL track_group
tL garp_group
";

/// What a keyword found in the table means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Meaning {
    Set(Key),
    /// Accepted with this warning.
    Ignored(String),
    /// Accepted without a word: what it asks for is already so here.
    Holds,
    /// Refused with this error.
    Refused(String),
}

/// What `name` means at `place`, or None if it is not a keyword there.
pub(crate) fn lookup(place: Place, name: &str) -> Option<Meaning> {
    if let Some(k) = KEYS.iter().find(|k| k.1 == name && k.2 == place) {
        return Some(Meaning::Set(k.0));
    }
    let code = known(place, name)?;
    if code == b'=' {
        return Some(Meaning::Holds);
    }
    let (_, why) = REASONS.iter().find(|r| r.0 == code)?;
    Some(if code.is_ascii_lowercase() {
        Meaning::Ignored(format!("'{name}' ignored: {why}"))
    } else {
        let yet = if PLANNED.contains(&code) { " yet" } else { "" };
        Meaning::Refused(format!(
            "'{name}' is not supported by tinyvrrpd{yet} ({why})"
        ))
    })
}

fn known(place: Place, name: &str) -> Option<u8> {
    KNOWN.lines().find_map(|l| {
        let b = l.as_bytes();
        (b.first() == Some(&place.code()) && l.get(3..) == Some(name)).then(|| b[1])
    })
}

/// Every place where `name` is a keyword.
pub(crate) fn places(name: &str) -> Vec<Place> {
    Place::ALL
        .into_iter()
        .filter(|&p| KEYS.iter().any(|k| k.1 == name && k.2 == p) || known(p, name).is_some())
        .collect()
}

/// The error for `name` at `place` where it is not a keyword: where it belongs if it is
/// one elsewhere, else "unknown" with the nearest keyword of this place.
pub(crate) fn misplaced_or_unknown(place: Place, name: &str) -> String {
    if let Some(p) = places(name).first() {
        return format!("'{name}' belongs inside {}", p.name());
    }
    match suggest(place, name) {
        Some(s) => format!("unknown keyword '{name}' (did you mean '{s}'?)"),
        None => format!("unknown keyword '{name}'"),
    }
}

/// The keyword of `place` nearest to `name`, if it is near enough to be a typo of it:
/// one edit for short words, two for longer ones (a swap of neighbours counts one).
pub(crate) fn suggest(place: Place, name: &str) -> Option<&'static str> {
    let max = if name.len() < 5 { 1 } else { 2 };
    let implemented = KEYS.iter().filter(|k| k.2 == place).map(|k| k.1);
    let others = KNOWN
        .lines()
        .filter(|l| l.as_bytes().first() == Some(&place.code()))
        .filter_map(|l| l.get(3..));
    implemented
        .chain(others)
        .map(|k| (distance(name, k), k))
        .filter(|&(d, _)| d <= max)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Optimal string alignment distance (Levenshtein plus swaps of neighbours), on bytes.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > 2 {
        return usize::MAX;
    }
    // Three rows are enough for a swap of neighbours.
    let mut rows = [
        vec![0; b.len() + 1],
        vec![0; b.len() + 1],
        vec![0; b.len() + 1],
    ];
    for (j, c) in rows[1].iter_mut().enumerate() {
        *c = j;
    }
    for i in 1..=a.len() {
        rows.rotate_left(1);
        rows[2][0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[1][j] + 1)
                .min(rows[2][j - 1] + 1)
                .min(rows[1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[0][j - 2] + 1);
            }
            rows[2][j] = d;
        }
    }
    rows[2][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_matches_the_table() {
        for (i, k) in KEYS.iter().enumerate() {
            assert_eq!(k.0 as usize, i, "{:?}", k.0);
        }
        assert_eq!(Key::Priority.name(), "priority");
        assert_eq!(Key::GlobalTracking.name(), "global_tracking");
    }

    #[test]
    fn the_tables_are_well_formed_and_have_no_duplicates() {
        for l in KNOWN.lines() {
            let b = l.as_bytes();
            assert!(b.len() > 3 && b[2] == b' ', "{l}");
            assert!(Place::ALL.iter().any(|p| p.code() == b[0]), "{l}");
            assert!(b[1] == b'=' || REASONS.iter().any(|r| r.0 == b[1]), "{l}");
        }
        let mut all: Vec<(u8, &str)> = KEYS.iter().map(|k| (k.2.code(), k.1)).collect();
        all.extend(KNOWN.lines().map(|l| (l.as_bytes()[0], &l[3..])));
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "a keyword is listed twice at one place");
    }

    #[test]
    fn three_answers() {
        assert_eq!(
            lookup(Place::Instance, "priority"),
            Some(Meaning::Set(Key::Priority))
        );
        assert_eq!(
            lookup(Place::Global, "smtp_server"),
            Some(Meaning::Ignored(
                "'smtp_server' ignored: tinyvrrpd sends no e-mail; use notify scripts".into()
            ))
        );
        assert_eq!(
            lookup(Place::Instance, "virtual_routes"),
            Some(Meaning::Refused(
                "'virtual_routes' is not supported by tinyvrrpd yet (routes and rules that follow the VIP)"
                    .into()
            ))
        );
        assert_eq!(
            lookup(Place::Top, "virtual_server"),
            Some(Meaning::Refused(
                "'virtual_server' is not supported by tinyvrrpd (IPVS load balancing)".into()
            ))
        );
        // keepalived's default process names: tinyvrrpd is one process, named already.
        assert_eq!(lookup(Place::Global, "process_names"), Some(Meaning::Holds));
        assert_eq!(lookup(Place::Instance, "prioirty"), None);
        assert_eq!(lookup(Place::Global, "priority"), None);
    }

    #[test]
    fn typos_get_a_suggestion_and_misplaced_keywords_their_place() {
        assert_eq!(
            misplaced_or_unknown(Place::Instance, "prioirty"),
            "unknown keyword 'prioirty' (did you mean 'priority'?)"
        );
        assert_eq!(
            misplaced_or_unknown(Place::Instance, "virtual_ipadress"),
            "unknown keyword 'virtual_ipadress' (did you mean 'virtual_ipaddress'?)"
        );
        assert_eq!(
            misplaced_or_unknown(Place::Global, "smtp_sever"),
            "unknown keyword 'smtp_sever' (did you mean 'smtp_server'?)"
        );
        assert_eq!(
            misplaced_or_unknown(Place::Instance, "bogus"),
            "unknown keyword 'bogus'"
        );
        assert_eq!(
            misplaced_or_unknown(Place::Global, "priority"),
            "'priority' belongs inside a vrrp_instance { }"
        );
        assert_eq!(
            misplaced_or_unknown(Place::Instance, "router_id"),
            "'router_id' belongs inside global_defs { }"
        );
    }

    #[test]
    fn distance_counts_a_swap_as_one_edit() {
        assert_eq!(distance("prioirty", "priority"), 1);
        assert_eq!(distance("state", "state"), 0);
        assert_eq!(distance("stat", "state"), 1);
        assert_eq!(distance("abc", "abcdefg"), usize::MAX);
    }
}
