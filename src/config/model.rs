//! The one validated configuration model. Both front-ends (key=value and keepalived.conf)
//! produce exactly this; nothing downstream knows which format a setting came from.

use super::error::ConfigError;
use crate::vrrp::timers::Centis;
use crate::wire::Version;
use core::time::Duration;
use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// keepalived's `global_defs { router_id }`: a name for logs, nothing more.
    pub router_id: Option<String>,
    pub instances: Vec<Instance>,
    /// `vrrp_script` blocks, whether tracked or not.
    pub scripts: Vec<TrackScript>,
    pub sync_groups: Vec<SyncGroup>,
    /// `global_defs { script_user }`: who runs scripts that name no user.
    pub script_user: Option<RunAs>,
    /// `global_defs { enable_script_security }`: refuse scripts that a non-root user
    /// could change but that would run as root.
    pub script_security: bool,
    /// `global_defs { vrrp_rt_priority }`: SCHED_RR priority of the daemon (0: normal
    /// scheduling).
    pub rt_priority: u8,
    /// `global_defs { vrrp_rlimit_rttime }`: CPU µs a real-time daemon may use without
    /// blocking before the kernel stops it.
    pub rlimit_rttime_us: u64,
    /// `global_defs { startup_script CMD; startup_script_timeout S }`: run once before
    /// the instances start, killed after the timeout (keepalived: 10 s).
    pub startup_script: Option<(Command, Duration)>,
    /// `shutdown_script`: run once after the instances have stopped.
    pub shutdown_script: Option<(Command, Duration)>,
    /// `vrrp_startup_delay`: instances stay in INIT this long after the daemon starts
    /// (a router whose links come up slowly must not take over before it hears a Master).
    pub startup_delay: Duration,
    /// `dynamic_interfaces`: an instance whose interface does not exist (yet) waits for
    /// it in FAULT instead of refusing to start.
    pub dynamic_interfaces: bool,
    /// `interface_up_down_delays { IF DOWN [UP] }`: link changes of IF count only once
    /// they have lasted this long (debounce).
    pub link_delays: Vec<LinkDelay>,
    /// `static_ipaddress { }`: addresses set at start, kept through every transition,
    /// removed at stop.
    pub static_addresses: Vec<(Vip, AddrOptions)>,
    /// `static_routes { }`, `static_rules { }`: the same for routes and rules.
    pub static_routes: Vec<Route>,
    pub static_rules: Vec<Rule>,
    /// `vrrp_track_process NAME { }` blocks, whether tracked or not.
    pub processes: Vec<TrackProcess>,
    /// `track_file NAME { }` (`vrrp_track_file`) blocks, whether tracked or not.
    pub files: Vec<TrackFile>,
    /// `notify_fifo` and `vrrp_notify_fifo` (keepalived writes the same lines to both).
    pub fifos: Vec<Fifo>,
    /// `fifo_write_vrrp_states_on_reload`: a reload writes every state to the FIFOs.
    pub fifo_states_on_reload: bool,
    /// Everything accepted but ignored or adjusted, in file and line order: `-t` prints
    /// it, the daemon logs it at start and reload.
    pub warnings: Vec<ConfigError>,
}

/// `notify_fifo FIFO [USER [GROUP]]` (or `vrrp_notify_fifo`) with its `_script`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fifo {
    pub path: String,
    /// Owner of the FIFO when the daemon creates it; None = `script_user`.
    pub owner: Option<RunAs>,
    /// `notify_fifo_script`: started once with the FIFO's name as its last argument.
    pub script: Option<Command>,
}

/// keepalived's route line (`ip route` words): `virtual_routes`, `static_routes`. Numbers
/// are resolved (table, protocol, scope, type); `dev` is resolved when the route is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The line as written, for log lines.
    pub text: String,
    pub dst: IpAddr,
    pub dst_len: u8,
    /// `from PREFIX`: IPv6 source-specific routing.
    pub from: Option<(IpAddr, u8)>,
    /// `src ADDR`: the preferred source address.
    pub src: Option<IpAddr>,
    pub via: Option<IpAddr>,
    pub dev: Option<String>,
    pub table: u32,
    /// `metric` / `priority` / `preference`.
    pub metric: Option<u32>,
    pub scope: Option<u8>,
    /// RTPROT_*: keepalived's 18 unless `no_track` with another `protocol`.
    pub protocol: u8,
    /// RTN_*: unicast (1), local, blackhole, unreachable, prohibit, throw.
    pub kind: u8,
    pub tos: u8,
    pub onlink: bool,
    pub mode: RouteMode,
    /// Not `no_track` (and with a `dev`): a Master whose route is deleted sets it again.
    pub track: bool,
}

/// How a route is added when a matching one exists: keepalived prepends by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteMode {
    Prepend,
    /// `add`: only if no matching route exists (NLM_F_EXCL).
    Add,
    /// `append`: after the matching ones (NLM_F_APPEND).
    Append,
}

/// keepalived's rule line (`ip rule` words): `virtual_rules`, `static_rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The line as written, for log lines.
    pub text: String,
    pub v6: bool,
    pub from: Option<(IpAddr, u8)>,
    pub to: Option<(IpAddr, u8)>,
    /// FR_ACT_*: 1 table (`table`), 2 goto, 3 nop, 6 blackhole, 7 unreachable, 8 prohibit.
    pub action: u8,
    /// The table of a table action, the target preference of a goto.
    pub target: u32,
    /// `preference`: keepalived assigns one (with a warning) when the line has none.
    pub priority: u32,
    /// `not`.
    pub invert: bool,
    /// `fwmark MARK[/MASK]`.
    pub fwmark: Option<(u32, Option<u32>)>,
    /// `iif` (`dev`), `oif`.
    pub iif: Option<String>,
    pub oif: Option<String>,
    pub tos: u8,
    /// keepalived's 18 unless `no_track` (then none, or `protocol N`).
    pub protocol: Option<u8>,
    pub track: bool,
}

/// `vrrp_track_process NAME { }`: how many processes of a name run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackProcess {
    pub name: String,
    pub line: u32,
    /// The process name (/proc/PID/comm), or with `full_command` the program as
    /// started (the first word of /proc/PID/cmdline).
    pub process: String,
    /// The parameters after it, compared as `param_match` says.
    pub params: Vec<String>,
    pub param_match: ParamMatch,
    pub full_command: bool,
    /// As a `vrrp_script`'s: 0 = no quorum is FAULT.
    pub weight: i16,
    pub reverse: bool,
    /// The process is up while quorum <= count <= quorum_max.
    pub quorum: u32,
    pub quorum_max: u32,
    /// How long quorum must hold after it is gained (lost) before it counts.
    pub fork_delay: Duration,
    pub terminate_delay: Duration,
}

impl TrackProcess {
    /// Whether a process is one of these, by keepalived's rules: its name
    /// (/proc/PID/comm, without the newline) equals `process`, or with `full_command` the
    /// first word of its command line (/proc/PID/cmdline, NUL-separated) does, and the
    /// words after it are `params` as `param_match` says.
    pub fn matches(&self, comm: &[u8], cmdline: &[u8]) -> bool {
        let name = self.process.as_bytes();
        if !self.full_command {
            return comm == name;
        }
        let Some(mut rest) = cmdline
            .strip_prefix(name)
            .filter(|r| r.is_empty() || r[0] == 0)
        else {
            return false;
        };
        rest = rest.get(1..).unwrap_or(&[]);
        let last = self.params.len();
        for (k, p) in self.params.iter().enumerate() {
            let p = p.as_bytes();
            if self.param_match == ParamMatch::Initial && k + 1 == last {
                return rest.starts_with(p);
            }
            match rest.strip_prefix(p).and_then(|t| t.strip_prefix(&[0])) {
                Some(t) => rest = t,
                None => return false,
            }
        }
        // Exact: nothing after them; partial and initial: anything.
        self.param_match != ParamMatch::Exact || rest.is_empty()
    }
}

/// How `process` parameters are compared with a command line's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamMatch {
    /// No parameters given and no `param_match`: the name alone.
    None,
    /// Exactly these parameters (none, if none are given).
    Exact,
    /// These first, more may follow.
    Partial,
    /// As partial, and the last one may be the start of the process's.
    Initial,
}

/// `track_file NAME { file PATH; weight W [reverse]; init_file [V] [overwrite] }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackFile {
    pub name: String,
    pub line: u32,
    pub path: String,
    /// keepalived's default is 1: the file's number is added to the priority.
    pub weight: i16,
    pub reverse: bool,
    /// `init_file [VALUE] [overwrite]`: write VALUE at start if the file is missing
    /// (always, with `overwrite`; never on a reload).
    pub init: Option<(i64, bool)>,
}

/// One line of `interface_up_down_delays`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkDelay {
    pub interface: String,
    pub down: Duration,
    pub up: Duration,
    pub line: u32,
}

/// tinyvrrpd runs real-time by default (keepalived does only when configured): see
/// `os::sched`.
pub const DEFAULT_RT_PRIORITY: u8 = 10;
/// Generous: the loop blocks in ppoll every pass; only a runaway loop gets near it.
pub const DEFAULT_RLIMIT_RTTIME_US: u64 = 1_000_000;

/// `USER [GROUP]` (GROUP defaults to USER's primary group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    pub user: String,
    pub group: Option<String>,
}

/// A command from the configuration, split the way keepalived splits it: words separated
/// by blanks, 'single' or "double" quotes keep blanks inside one word. A command that
/// needs a shell (pipes, redirections, `$`, globs...) runs as `/bin/sh -c TEXT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// As written, for log lines.
    pub text: String,
    /// What gets executed: the program (resolved through PATH at start) and its
    /// arguments, or `/bin/sh -c TEXT`.
    pub argv: Vec<String>,
    /// `notify_* CMD USER [GROUP]` and `vrrp_script { user }`; None = `script_user`.
    pub user: Option<RunAs>,
}

/// `vrrp_script NAME { ... }`: a health check run every `interval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackScript {
    pub name: String,
    pub line: u32,
    pub command: Command,
    pub interval: Duration,
    /// A run still going after this long is killed and counts as a failure.
    pub timeout: Duration,
    /// 0: a failure puts tracking instances in FAULT. >0: added to the priority while
    /// the script succeeds; <0: added while it fails (`reverse` swaps the two).
    pub weight: i16,
    pub reverse: bool,
    /// Consecutive successes that make a failed script good again, and consecutive
    /// failures that make a good one failed.
    pub rise: u32,
    pub fall: u32,
    /// `init_fail`: considered failed until its first success.
    pub init_fail: bool,
}

/// A `track_interface` or `track_script` entry of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// Interface or `vrrp_script` name.
    pub name: String,
    /// `weight N`: for scripts, overrides the script's own weight; None = the script's
    /// weight, or 0 (fault) for interfaces.
    pub weight: Option<i16>,
    pub reverse: bool,
    pub line: u32,
}

/// The `notify*` commands of an instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notify {
    pub master: Option<Command>,
    pub backup: Option<Command>,
    pub fault: Option<Command>,
    pub stop: Option<Command>,
    /// `notify`: run on every transition with `INSTANCE NAME STATE PRIORITY` (a group's:
    /// `GROUP NAME STATE 0`) appended.
    pub any: Option<Command>,
}

/// `vrrp_sync_group NAME { group { A B } }`: instances that change state together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncGroup {
    pub name: String,
    pub line: u32,
    pub members: Vec<String>,
    /// `sync_group_tracking_weight`: members keep their tracking weights. Without it
    /// keepalived drops weighted scripts and zeroes interface weights of members (and
    /// so does the configuration here, with keepalived's warnings).
    pub tracking_weight: bool,
    /// Run once per transition of the group as a whole.
    pub notify: Notify,
    /// Tracked by every member, as if each listed them (weights allowed).
    pub track_interfaces: Vec<Tracked>,
    pub track_scripts: Vec<Tracked>,
    pub track_files: Vec<Tracked>,
    pub track_processes: Vec<Tracked>,
}

/// keepalived's `state` is the machine's start-up hint.
pub use crate::vrrp::machine::InitialState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    pub addr: IpAddr,
    pub prefix_len: u8,
    /// `dev IF`; None means the instance's interface.
    pub dev: Option<String>,
    /// `label L`: the kernel address label (must start with the device name).
    pub label: Option<String>,
}

/// keepalived's address options beyond `dev` and `label`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddrOptions {
    /// `brd ADDR` (`+`/`-` already resolved): IPv4 broadcast address of the VIP.
    pub broadcast: Option<Ipv4Addr>,
    /// `scope S`: the address scope (RT_SCOPE_*, 0 = global) the kernel records.
    pub scope: Option<u8>,
    /// `no_track`: the VIP's interface going down does not fault the instance.
    pub no_track: bool,
}

/// `unicast_peer { ADDR min_ttl N max_ttl M }`: adverts from ADDR must arrive with a TTL
/// (hop limit) in N..=M; keepalived then also checks that unicast senders are peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerTtl {
    pub addr: IpAddr,
    pub min: u8,
    pub max: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    /// Line where the instance starts, for messages after parsing (reload, runtime errors).
    pub line: u32,
    pub interface: String,
    pub vrid: u8,
    pub priority: u8,
    pub initial_state: InitialState,
    pub version: Version,
    pub advert_interval: Centis,
    pub preempt: bool,
    pub preempt_delay: Duration,
    /// Source address of adverts, unicast or multicast: keepalived's `unicast_src_ip` or
    /// `mcast_src_ip` (one setting there too); None = the interface's primary address.
    pub unicast_src: Option<IpAddr>,
    /// Non-empty = unicast mode: adverts go to each peer and only peers are listened to.
    pub unicast_peers: Vec<IpAddr>,
    /// VRRPv2 simple text password (auth type 1), zero-padded to 8 bytes; with `auth_ah`
    /// the key of IPsec AH's HMAC-MD5-96 instead.
    pub auth_pass: Option<[u8; 8]>,
    /// `auth_type AH`: adverts carry an IPsec Authentication Header (IP protocol 51).
    pub auth_ah: bool,
    pub vips: Vec<Vip>,
    /// Options of each VIP, index for index with `vips` (kept apart so `Vip` stays the
    /// identity the reload diff compares).
    pub vip_options: Vec<AddrOptions>,
    /// `virtual_ipaddress_excluded`: added and removed with the VIPs but not advertised
    /// (not in the advert's address list, so no 255 limit and no family rule).
    pub vips_excluded: Vec<(Vip, AddrOptions)>,
    /// keepalived's garp_master_delay: the second gratuitous ARP burst after becoming
    /// master; zero disables it.
    pub garp_master_delay: Duration,
    /// keepalived's garp_master_repeat: gratuitous ARPs per VIP in each burst.
    pub garp_master_repeat: u8,
    /// keepalived's garp_master_refresh: re-announce the VIPs this often while Master
    /// (zero: never), garp_master_refresh_repeat GARPs per VIP each time.
    pub garp_master_refresh: Duration,
    pub garp_master_refresh_repeat: u8,
    /// keepalived's garp_interval (IPv4) and gna_interval (IPv6): spacing of the GARPs
    /// or NAs within a burst.
    pub garp_interval: Duration,
    pub gna_interval: Duration,
    /// Interfaces besides `interface` (which is always tracked, as in keepalived).
    pub track_interfaces: Vec<Tracked>,
    pub track_scripts: Vec<Tracked>,
    /// `track_file` and `track_process` entries (their weights may be ±254).
    pub track_files: Vec<Tracked>,
    pub track_processes: Vec<Tracked>,
    pub notify: Notify,
    /// `virtual_routes`, `virtual_rules`: set on becoming Master (after the VIPs),
    /// removed on leaving it (rules first).
    pub virtual_routes: Vec<Route>,
    pub virtual_rules: Vec<Rule>,
    /// `use_vmac`: the macvlan carrying the virtual MAC (00-00-5E-00-01-VRID, IPv6
    /// 00-00-5E-00-02-VRID) and the VIPs.
    pub vmac: Option<String>,
    /// `vmac_xmit_base`: adverts go out on `interface` (what tinyvrrpd always does).
    pub vmac_xmit_base: bool,
    /// RFC 5798 Accept_Mode: `accept` (keepalived's default) or `no_accept`, under which
    /// a Master that is not the address owner drops traffic to its VIPs.
    pub accept: bool,
    /// `strict_mode` / the global `vrrp_strict`: RFC conformance as keepalived enforces
    /// it. What it implies for the other settings is already applied (see validate.rs).
    pub strict: bool,
    /// `skip_check_adv_addr` / `vrrp_skip_check_adv_addr`: a Backup does not compare the
    /// address list of adverts from the Master it already follows with its own.
    pub skip_check_adv_addr: bool,
    /// `dont_track_primary`: `interface` going down does not fault the instance.
    pub dont_track_primary: bool,
    /// Multicast group of the adverts: `mcast_dst_ip`, else the global
    /// `vrrp_mcast_group4`/`6` of the instance's family; None = the RFC's group.
    pub mcast_group: Option<IpAddr>,
    /// `unicast_ttl`: TTL (hop limit) of unicast adverts; None = 255.
    pub unicast_ttl: Option<u8>,
    /// Peers with a `min_ttl`/`max_ttl` range.
    pub peer_ttl: Vec<PeerTtl>,
    /// `unicast_fault_no_peer` on an instance left with no unicast_peer: it stays in FAULT
    /// instead of falling back to multicast.
    pub fault_no_peer: bool,
    /// `lower_prio_no_advert`: a Master hearing a lower-priority advert does not answer.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`: a Master hearing a higher priority sends one advert
    /// before it yields.
    pub higher_prio_send_advert: bool,
    /// `garp_lower_prio_delay` / `_repeat`: gratuitous ARPs (NAs) per VIP a Master sends
    /// when it hears a lower priority, and the delay of a second such burst.
    pub garp_lower_prio_delay: Duration,
    pub garp_lower_prio_repeat: u8,
}

impl Instance {
    /// keepalived's defaults for everything a config may leave out.
    pub fn with_defaults(name: &str, line: u32) -> Instance {
        Instance {
            name: name.to_string(),
            line,
            interface: String::new(),
            vrid: 0,
            priority: 100,
            initial_state: InitialState::Backup,
            version: Version::V2,
            advert_interval: Centis(100),
            preempt: true,
            preempt_delay: Duration::ZERO,
            unicast_src: None,
            unicast_peers: Vec::new(),
            auth_pass: None,
            auth_ah: false,
            vips: Vec::new(),
            vip_options: Vec::new(),
            vips_excluded: Vec::new(),
            garp_master_delay: Duration::from_secs(5),
            garp_master_repeat: 5,
            garp_master_refresh: Duration::ZERO,
            garp_master_refresh_repeat: 1,
            garp_interval: Duration::ZERO,
            gna_interval: Duration::ZERO,
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            track_files: Vec::new(),
            track_processes: Vec::new(),
            notify: Notify::default(),
            virtual_routes: Vec::new(),
            virtual_rules: Vec::new(),
            vmac: None,
            vmac_xmit_base: false,
            accept: true,
            strict: false,
            skip_check_adv_addr: false,
            dont_track_primary: false,
            mcast_group: None,
            unicast_ttl: None,
            peer_ttl: Vec::new(),
            fault_no_peer: false,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            garp_lower_prio_delay: Duration::from_secs(5),
            garp_lower_prio_repeat: 5,
        }
    }

    /// The VIPs with their options.
    pub fn vips_with_options(&self) -> impl Iterator<Item = (&Vip, &AddrOptions)> {
        static NONE: AddrOptions = AddrOptions {
            broadcast: None,
            scope: None,
            no_track: false,
        };
        let opts = (0..).map(|k| self.vip_options.get(k).unwrap_or(&NONE));
        self.vips.iter().zip(opts)
    }

    /// Every address the instance holds as Master: its VIPs, then
    /// `virtual_ipaddress_excluded` (added, removed and announced with them, but not in
    /// adverts), each with its options.
    pub fn addresses(&self) -> impl Iterator<Item = (&Vip, &AddrOptions)> {
        let excluded = self.vips_excluded.iter().map(|(v, o)| (v, o));
        self.vips_with_options().chain(excluded)
    }

    pub fn is_unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }

    /// An instance serves one family (validated): that of its first VIP, or without VIPs
    /// that of its source or peer addresses (as keepalived decides); IPv4 otherwise.
    pub fn is_ipv6(&self) -> bool {
        let first = self.vips.first().map(|v| v.addr);
        first
            .or(self.unicast_src)
            .or(self.unicast_peers.first().copied())
            .is_some_and(|a| a.is_ipv6())
    }
}
