//! Checks that need more than one keyword, and keepalived's warn-and-adjust rules
//! (`vrrp_complete_instance` in keepalived's vrrp.c, in its order and with its words,
//! prefixed `(INSTANCE)` as keepalived logs them). Where keepalived adjusts a setting
//! and says so, the model gets the adjusted value and a warning; where it would run
//! something else than the file says without a word, or the file has a typo, it is an
//! error here.

use super::build::{Builder, Draft, GroupDraft};
use super::error::{ConfigError, Severity};
use super::keywords::{Key, Loc, Slots};
use super::model::{
    Config, Fifo, InitialState, Instance, SyncGroup, TrackFile, TrackProcess, TrackScript, Tracked,
};
use crate::vrrp::timers::Centis;
use crate::wire::Version;
use Severity::{Error as E, Warning as W};
use core::time::Duration;
use std::net::IpAddr;

/// Advert address count at keepalived's default MTU (1500): the 8-bit count caps IPv4
/// at 255, the frame caps IPv6 at (1500 - 14 - 40 - 8) / 16.
const MAX_VIPS_V4: usize = 255;
const MAX_VIPS_V6: usize = 89;

/// keepalived's default script timeouts when a startup/shutdown script is set.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The model from a front-end's builder, and every diagnostic.
pub(crate) fn finish(mut b: Builder) -> Result<Config, Vec<ConfigError>> {
    let b = &mut b;
    let (scripts, broken) = scripts(b);
    let (processes, files, broken_other) = trackers(b);
    let known = Known {
        scripts: &scripts,
        processes: &processes,
        files: &files,
        broken: &broken,
        broken_other: &broken_other,
    };
    let mut groups = groups(b);
    let drafts = core::mem::take(&mut b.drafts);
    if drafts.is_empty() && !b.has_errors() {
        b.error(
            Loc { file: 0, line: 1 },
            "no VRRP instance is configured".into(),
        );
    }
    let mut instances: Vec<Instance> = Vec::with_capacity(drafts.len());
    for mut d in drafts {
        let group = groups.iter().find(|g| g.0.members.contains(&d.inst.name));
        complete(b, &mut d, &known, group.map(|g| &g.0));
        unique(b, &mut d, &instances);
        instances.push(d.inst);
    }
    for (g, at, order) in &mut groups {
        group_tracking(b, g, (*at, *order), &known, &instances);
    }
    let groups = groups.into_iter().map(|g| g.0).collect();
    let fifos = fifos(b);
    let static_addresses = core::mem::take(&mut b.globals.static_addresses);
    let static_routes = core::mem::take(&mut b.globals.static_routes);
    let static_rules = core::mem::take(&mut b.globals.static_rules);
    let g = &b.globals;
    let s = &g.slots;
    let rt_priority = match (s.get(Key::VrrpRtPriority), g.max_auto_priority) {
        (Some(p), _) => p as u8,
        // keepalived raises its priority up to this when it is late; tinyvrrpd runs
        // real-time from the start, at this priority.
        (None, Some(p)) if p > 0 => p as u8,
        _ => super::model::DEFAULT_RT_PRIORITY,
    };
    let script = |c: &Option<super::model::Command>, t: Key| {
        let t = s
            .get(t)
            .map_or(SCRIPT_TIMEOUT, |t| Duration::from_secs(t.into()));
        c.clone().map(|c| (c, t))
    };
    let rttime = s.get(Key::VrrpRlimitRttime).or(s.get(Key::VrrpRlimitRtime));
    let config = Config {
        router_id: g.router_id.clone(),
        instances,
        scripts: scripts.into_iter().map(|(s, _)| s).collect(),
        sync_groups: groups,
        script_user: g.script_user.clone(),
        script_security: s.flag(Key::EnableScriptSecurity).unwrap_or(false),
        rt_priority,
        rlimit_rttime_us: rttime.map_or(super::model::DEFAULT_RLIMIT_RTTIME_US, u64::from),
        startup_script: script(&g.startup_script, Key::StartupScriptTimeout),
        shutdown_script: script(&g.shutdown_script, Key::ShutdownScriptTimeout),
        startup_delay: Duration::from_millis(s.get(Key::VrrpStartupDelay).unwrap_or(0).into()),
        dynamic_interfaces: g.dynamic_interfaces,
        link_delays: g.link_delays.clone(),
        static_addresses,
        static_routes,
        static_rules,
        processes: processes.into_iter().map(|p| p.0).collect(),
        files: files.into_iter().map(|f| f.0).collect(),
        fifos,
        fifo_states_on_reload: s.flag(Key::FifoWriteVrrpStatesOnReload).unwrap_or(false),
        warnings: Vec::new(),
    };

    // GARP repeats of 0 are keepalived's old 1; it says so.
    let zero: Vec<(Loc, String)> = [Key::VrrpGarpMasterRepeat, Key::VrrpGarpMasterRefreshRepeat]
        .into_iter()
        .filter(|&k| s.get(k) == Some(0))
        .map(|k| {
            (
                s.at(k),
                format!("{} must be greater than 0, setting to 1", k.name()),
            )
        })
        .collect();
    for (at, msg) in zero {
        b.warn(at, msg);
    }
    let b = core::mem::replace(b, Builder::new(""));
    b.conclude(config)
}

/// The finished `vrrp_script`s with their reading order; duplicates are errors.
fn scripts(b: &mut Builder) -> (Vec<(TrackScript, u32)>, Vec<String>) {
    let mut out: Vec<(TrackScript, u32)> = Vec::new();
    let mut broken = Vec::new();
    for (d, at, order) in core::mem::take(&mut b.scripts) {
        if let Some(first) = out.iter().find(|s| s.0.name == d.name) {
            let msg = format!(
                "vrrp_script {} is already defined on line {}",
                d.name, first.0.line
            );
            b.error(at, msg);
            continue;
        }
        let name = d.name.clone();
        match d.finish() {
            Ok((s, warning)) => {
                if let Some(w) = warning {
                    b.warn(at, w);
                }
                out.push((s, order));
            }
            Err((line, message)) => {
                b.error(Loc { line, ..at }, message);
                broken.push(name);
            }
        }
    }
    (out, broken)
}

/// The finished `vrrp_track_process` and `track_file` blocks, each with its reading
/// order, and the names of those with an error of their own.
type Trackers = (Vec<(TrackProcess, u32)>, Vec<(TrackFile, u32)>, Vec<String>);

/// `vrrp_track_process` and `track_file` blocks as keepalived takes them; duplicates
/// are errors.
fn trackers(b: &mut Builder) -> Trackers {
    let mut broken = Vec::new();
    let mut processes: Vec<(TrackProcess, u32)> = Vec::new();
    for (d, at, order) in core::mem::take(&mut b.processes) {
        if let Some(first) = processes.iter().find(|p| p.0.name == d.name) {
            let msg = format!(
                "vrrp_track_process {} is already defined on line {}",
                d.name, first.0.line
            );
            b.error(at, msg);
            continue;
        }
        let name = d.name.clone();
        match d.finish() {
            Ok((p, warnings)) => {
                for w in warnings {
                    b.warn(at, w);
                }
                processes.push((p, order));
            }
            Err(e) => {
                if let Some((line, message)) = e {
                    b.error(Loc { line, ..at }, message);
                }
                broken.push(name);
            }
        }
    }
    let mut files: Vec<(TrackFile, u32)> = Vec::new();
    for (d, at, order) in core::mem::take(&mut b.track_files) {
        if let Some(first) = files.iter().find(|f| f.0.name == d.name) {
            let msg = format!(
                "track_file {} is already defined on line {}",
                d.name, first.0.line
            );
            b.error(at, msg);
            continue;
        }
        let name = d.name.clone();
        match d.finish() {
            Ok(f) => files.push((f, order)),
            Err(e) => {
                if let Some((line, message)) = e {
                    b.error(Loc { line, ..at }, message);
                }
                broken.push(name);
            }
        }
    }
    (processes, files, broken)
}

/// `notify_fifo` and `vrrp_notify_fifo` with their scripts, as keepalived takes them.
fn fifos(b: &mut Builder) -> Vec<Fifo> {
    let mut out: Vec<Fifo> = Vec::new();
    let drafts = core::mem::take(&mut b.globals.fifos);
    for (d, kind) in drafts.into_iter().zip(["", "vrrp_"]) {
        match (d.path, d.script) {
            (Some((path, owner, at)), script) => {
                if out.iter().any(|f| f.path == path) {
                    // keepalived's words: both would carry every line twice.
                    let msg = format!(
                        "notify FIFO {path} has been specified for global and vrrp FIFO - ignoring vrrp FIFO"
                    );
                    b.warn(at, msg);
                    continue;
                }
                let script = script.map(|s| s.0);
                out.push(Fifo {
                    path,
                    owner,
                    script,
                });
            }
            (None, Some((_, at))) => {
                let msg = format!(
                    "{kind}notify_fifo_script without {kind}notify_fifo: it is not run (keepalived runs it only with its FIFO)"
                );
                b.warn(at, msg);
            }
            (None, None) => {}
        }
    }
    out
}

/// Sync groups as keepalived resolves them: members must exist (a misspelt name is an
/// error), an instance in a second group is ignored there, empty groups are dropped.
/// Each with where and in which reading order it started, for its tracking.
fn groups(b: &mut Builder) -> Vec<(SyncGroup, Loc, u32)> {
    let mut out: Vec<(SyncGroup, Loc, u32)> = Vec::new();
    let drafts: Vec<GroupDraft> = core::mem::take(&mut b.groups);
    for (gi, g) in drafts.iter().enumerate() {
        let name = &g.group.name;
        if let Some(first) = drafts[..gi].iter().find(|e| e.group.name == *name) {
            let msg = format!(
                "vrrp_sync_group {name} is already defined on line {}",
                first.at.line
            );
            b.error(g.at, msg);
            continue;
        }
        if g.group.members.is_empty() {
            b.warn(
                g.at,
                format!("Warning - sync group {name} has empty group block"),
            );
            continue;
        }
        let s = &g.slots;
        let mut group = SyncGroup {
            members: Vec::new(),
            tracking_weight: s.flag(Key::SyncGroupTrackingWeight).unwrap_or(false)
                || s.flag(Key::GlobalTracking).unwrap_or(false),
            ..g.group.clone()
        };
        if s.at(Key::GlobalTracking).is_set() {
            // keepalived's words.
            let msg = format!(
                "({name}) global_tracking is deprecated. Use track_interface/script/file on the sync group"
            );
            b.warn(s.at(Key::GlobalTracking), msg);
        }
        for (m, &at) in g.group.members.iter().zip(&g.member_lines) {
            if !b.drafts.iter().any(|d| d.inst.name == *m) {
                b.error(
                    at,
                    format!("vrrp_sync_group {name}: no instance {m} is defined"),
                );
            } else if out.iter().any(|o| o.0.members.contains(m)) {
                let msg = format!(
                    "Virtual router {m} cannot exist in more than one sync group; ignoring {name}"
                );
                b.warn(at, msg);
            } else {
                group.members.push(m.clone());
            }
        }
        match group.members.len() {
            0 => {
                let msg = format!(
                    "Sync group {name}, no matching virtual router found in group declaration - removing"
                );
                b.warn(g.at, msg);
                continue;
            }
            1 => {
                let msg = format!(
                    "Sync group {name} has only 1 virtual router(s) - this probably isn't what you want"
                );
                b.warn(g.at, msg);
            }
            _ => {}
        }
        out.push((group, g.at, g.order));
    }
    out
}

/// keepalived's `vrrp_complete_instance` for one instance, in its order.
fn complete(b: &mut Builder, d: &mut Draft, known: &Known, group: Option<&SyncGroup>) {
    let g = &b.globals;
    let gs = &g.slots;
    let s = &d.slots;
    let strict = s
        .flag(Key::StrictMode)
        .unwrap_or(gs.flag(Key::VrrpStrict) == Some(true));
    let name = d.inst.name.clone();
    let mut out: Vec<(Loc, Severity, String)> = Vec::new();
    // keepalived's "(INSTANCE) text" warnings.
    let mut say = |sev, at: Loc, text: &str| out.push((at, sev, format!("({name}) {text}")));
    let here = d.at;
    let at = |k: Key| match s.at(k) {
        l if l.is_set() => l,
        _ => here,
    };
    let i = &mut d.inst;
    if let Some(v) = s.get(Key::VirtualRouterId) {
        i.vrid = v as u8;
    }

    // One family per instance: keepalived skips, with these words, every address of the
    // other one (vrrp_data.c alloc_vrrp_vip, vrrp_parser.c, alloc_vrrp_unicast_peer).
    let v6 = i.is_ipv6();
    let mut early: Vec<(Loc, String)> = Vec::new();
    let mut n = 0;
    while n < i.vips.len() {
        let a = &i.vips[n];
        if a.addr.is_ipv6() == v6 {
            n += 1;
            continue;
        }
        let full = if v6 { 32 } else { 128 };
        let t = match a.prefix_len {
            p if p == full => format!("{}", a.addr),
            p => format!("{}/{p}", a.addr),
        };
        let t = format!("({name}): address family must match VRRP instance [{t}] - ignoring");
        early.push((d.vip_lines.remove(n), t));
        i.vips.remove(n);
        i.vip_options.remove(n);
    }
    let skip = |what: &str, a: IpAddr| {
        format!(
            "Configuration error: VRRP instance[{name}] and {what}[{a}] MUST be of the same family !!! Skipping..."
        )
    };
    if let Some(a) = i.unicast_src.filter(|a| a.is_ipv6() != v6) {
        let key = match s.at(Key::UnicastSrcIp).is_set() {
            true => Key::UnicastSrcIp,
            false => Key::McastSrcIp,
        };
        early.push((at(key), skip("src address", a)));
        i.unicast_src = None;
    }
    let mut n = 0;
    while n < i.unicast_peers.len() {
        let a = i.unicast_peers[n];
        if a.is_ipv6() == v6 {
            n += 1;
            continue;
        }
        early.push((d.peer_lines.remove(n), skip("unicast peer address", a)));
        i.unicast_peers.remove(n);
        i.peer_ttl.retain(|t| t.addr != a);
    }

    // Version: IPv6 is VRRPv3 unless the instance says otherwise.
    let version = |k: &Slots, key| {
        k.get(key).map(|v| match v {
            2 => Version::V2,
            _ => Version::V3,
        })
    };
    i.version = match (version(s, Key::Version), v6) {
        (Some(Version::V2), true) if strict => {
            let t = "cannot use IPv6 with VRRP version 2; setting version 3";
            say(W, at(Key::Version), t);
            Version::V3
        }
        (Some(v), _) => v,
        (None, true) => Version::V3,
        (None, false) => version(gs, Key::VrrpVersion).unwrap_or(Version::V2),
    };
    let v3 = i.version == Version::V3;

    let mut no_vips_ok = s.flag(Key::NoVirtualIpaddress) == Some(true);
    if no_vips_ok && strict {
        let t = "no_virtual_ipaddress and strict mode incompatible, clearing no_virtual_ipaddress";
        say(W, here, t);
        no_vips_ok = false;
    }
    // A virtual_ipaddress that failed to parse has its error already.
    if i.vips.is_empty() && !no_vips_ok && !s.at(Key::VirtualIpaddress).is_set() {
        if v3 || strict {
            say(E, here, "No VIP specified; at least one is required");
        } else {
            say(W, here, "No VIP specified; at least one is sensible");
        }
    }
    // RFC 5798 §5.2.9: an IPv6 virtual router lists its link-local address first;
    // keepalived says so for multicast instances (vrrp.c, vrrp_complete_instance).
    let first = i.vips.first().map(|v| v.addr).zip(d.vip_lines.first());
    if let Some((IpAddr::V6(a), &l)) = first {
        if i.unicast_peers.is_empty() && a.segments()[0] & 0xffc0 != 0xfe80 {
            let t = match strict {
                true => "the first IPv6 VIP address must be link local",
                false => "the first IPv6 VIP address should be link local",
            };
            say(W, l, t);
        }
    }

    // No priority: the state decides (MASTER is the address owner).
    i.priority = match (s.get(Key::Priority), i.initial_state) {
        (Some(p), _) => p as u8,
        (None, InitialState::Master) => 255,
        (None, InitialState::Backup) => 100,
    };
    let owner = i.priority == 255;
    if strict && (i.initial_state == InitialState::Master) != owner {
        say(
            W,
            at(Key::State),
            "State MASTER must match being address owner",
        );
        i.initial_state = if owner {
            InitialState::Master
        } else {
            InitialState::Backup
        };
    }

    // Authentication.
    let (typ, pass) = (s.at(Key::AuthType), s.at(Key::AuthPass));
    if typ.is_set() || pass.is_set() {
        let at = if typ.is_set() { typ } else { pass };
        let ignored = if strict && typ.is_set() {
            Some("Strict mode does not support authentication. Ignoring.")
        } else if v3 {
            Some("VRRP version 3 does not support authentication. Ignoring.")
        } else if typ.is_set() && i.auth_pass.is_none() {
            Some("Authentication specified but no password given. Ignoring")
        } else if !typ.is_set() {
            Some("auth_pass without auth_type PASS: adverts carry no password (as in keepalived)")
        } else {
            None
        };
        if let Some(t) = ignored {
            say(W, at, t);
            i.auth_pass = None;
        }
    }
    if i.auth_pass.is_none() {
        i.auth_ah = false;
    } else if i.auth_ah && v6 {
        say(
            W,
            at(Key::AuthType),
            "Cannot use AH authentication with IPv6. ignoring",
        );
        (i.auth_pass, i.auth_ah) = (None, false);
    } else if i.auth_ah && i.initial_state == InitialState::Master && !owner {
        // keepalived: a node must hear an advert (its AH sequence number) before it
        // takes over.
        let t = "Initial state master is incompatible with AH authentication - clearing";
        say(W, at(Key::State), t);
        i.initial_state = InitialState::Backup;
    }

    // Unicast.
    if strict && !i.unicast_peers.is_empty() {
        say(
            E,
            at(Key::UnicastPeer),
            "Unicast peers are not supported in strict mode",
        );
    }
    if d.unicast_configured && i.unicast_peers.is_empty() {
        if s.flag(Key::UnicastFaultNoPeer) == Some(true) {
            i.fault_no_peer = true;
        } else {
            say(
                W,
                here,
                "A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.",
            );
        }
    }

    // Virtual MAC.
    let xmit = at(Key::VmacXmitBase);
    i.vmac_xmit_base = s.flag(Key::VmacXmitBase) == Some(true);
    if i.vmac_xmit_base && d.vmac.is_none() {
        say(W, xmit, "vmac_xmit_base is only valid with a vmac");
        i.vmac_xmit_base = false;
    } else if i.vmac_xmit_base && strict {
        say(
            W,
            xmit,
            "xmit_base is incompatible with strict mode - resetting",
        );
        i.vmac_xmit_base = false;
    } else if d.vmac.is_some() && i.is_unicast() && !i.vmac_xmit_base {
        let t = "unicast with use_vmac requires vmac_xmit_base - setting";
        say(W, at(Key::UseVmac), t);
        i.vmac_xmit_base = true;
    }
    let prefix = g.vmac_prefix.as_deref().unwrap_or("vrrp");
    i.vmac = d
        .vmac
        .clone()
        .map(|n| n.unwrap_or_else(|| format!("{prefix}.{}", i.vrid)));

    // What does not fit in one advert moves on to the excluded addresses, as keepalived does.
    let max = if v6 { MAX_VIPS_V6 } else { MAX_VIPS_V4 };
    if i.vips.len() > max {
        let n = i.vips.len();
        let t = format!(
            "Number of VIPs ({n}) exceeds maximum/space available in packet (max {max} addresses) - excess moved to eVIPs"
        );
        say(W, d.vip_lines[max], &t);
        let vips = i.vips.split_off(max);
        let opts = i.vip_options.split_off(max);
        d.vip_lines.truncate(max);
        i.vips_excluded.splice(0..0, vips.into_iter().zip(opts));
    }

    // Preemption.
    i.preempt = d.preempt.unwrap_or(true);
    i.preempt_delay = Duration::from_millis(s.get(Key::PreemptDelay).unwrap_or(0).into());
    let (np, delay_at) = (at(Key::Nopreempt), at(Key::PreemptDelay));
    if owner && !i.preempt {
        say(
            W,
            np,
            "nopreempt is incompatible with priority 255. resetting nopreempt",
        );
        i.preempt = true;
    }
    if i.initial_state == InitialState::Master {
        if !i.preempt {
            let t = "Warning - nopreempt will not work with initial state MASTER - clearing";
            say(W, np, t);
            i.preempt = true;
        }
        if !i.preempt_delay.is_zero() {
            let t = "Warning - preempt delay will not work with initial state MASTER - clearing";
            say(W, delay_at, t);
            i.preempt_delay = Duration::ZERO;
        }
    }
    if !i.preempt_delay.is_zero() && (strict || !i.preempt) {
        let t = if strict {
            "preempt_delay is incompatible with strict mode - resetting"
        } else {
            "preempt_delay is incompatible with nopreempt mode - resetting"
        };
        say(W, delay_at, t);
        i.preempt_delay = Duration::ZERO;
    }

    // Accept mode: strict mode means no_accept unless the instance owns the addresses.
    i.accept = d.accept.unwrap_or(owner || !strict);
    if i.accept && !owner && strict && !v3 {
        let t = "warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting";
        say(W, at(Key::Accept), t);
        i.accept = false;
    }

    // Multicast group.
    if i.is_unicast() && d.mcast_dst.is_some() {
        let t = "multicast destination specified with unicast - ignoring";
        say(W, at(Key::McastDstIp), t);
    } else if !i.is_unicast() {
        let global = if v6 { g.mcast_group6 } else { g.mcast_group4 };
        i.mcast_group = d.mcast_dst.or(global);
    }
    if let Some(a) = i.mcast_group.filter(|a| a.is_ipv6() != v6) {
        say(
            E,
            at(Key::McastDstIp),
            &format!("mcast_dst_ip {a} is not of this instance's family"),
        );
    }

    // GARP settings, else global_defs' (vrrp_min_garp lowers the ones not set there).
    let min = gs.flag(Key::VrrpMinGarp) == Some(true);
    let pick = |key: Key, global: Key, min_value: u32, default: u32| {
        s.get(key)
            .or(gs.get(global))
            .unwrap_or(if min { min_value } else { default })
    };
    let secs = |v: u32| Duration::from_secs(v.into());
    // keepalived takes a repeat of 0 (before v2.0.7 it meant 1) and sets 1.
    let repeat = |v: u32| v.max(1) as u8;
    i.garp_master_delay = secs(pick(Key::GarpMasterDelay, Key::VrrpGarpMasterDelay, 0, 5));
    i.garp_master_repeat = repeat(pick(Key::GarpMasterRepeat, Key::VrrpGarpMasterRepeat, 1, 5));
    i.garp_master_refresh = secs(pick(
        Key::GarpMasterRefresh,
        Key::VrrpGarpMasterRefresh,
        0,
        0,
    ));
    i.garp_master_refresh_repeat = repeat(pick(
        Key::GarpMasterRefreshRepeat,
        Key::VrrpGarpMasterRefreshRepeat,
        1,
        1,
    ));
    for k in [Key::GarpMasterRepeat, Key::GarpMasterRefreshRepeat] {
        if s.get(k) == Some(0) {
            say(
                W,
                s.at(k),
                &format!("{} must be greater than 0, setting to 1", k.name()),
            );
        }
    }
    let us = |k: Key, gk: Key| Duration::from_micros(s.get(k).or(gs.get(gk)).unwrap_or(0).into());
    i.garp_interval = us(Key::GarpInterval, Key::VrrpGarpInterval);
    i.gna_interval = us(Key::GnaInterval, Key::VrrpGnaInterval);
    let flag = |k: Key, gk: Key| s.flag(k).or(gs.flag(gk)).unwrap_or(false);
    i.skip_check_adv_addr = flag(Key::SkipCheckAdvAddr, Key::VrrpSkipCheckAdvAddr);
    i.dont_track_primary = s.flag(Key::DontTrackPrimary).unwrap_or(false);
    i.unicast_ttl = s.get(Key::UnicastTtl).map(|t| t as u8);
    i.strict = strict;

    // Answers to lower priorities: strict mode sends none, and says so when asked to.
    let rep = s.get(Key::GarpLowerPrioRepeat);
    let rep_default = gs
        .get(Key::VrrpGarpLowerPrioRepeat)
        .unwrap_or(i.garp_master_repeat.into());
    let delay = s.get(Key::GarpLowerPrioDelay);
    let delay_default = gs
        .get(Key::VrrpGarpLowerPrioDelay)
        .map_or(i.garp_master_delay, secs);
    let lower = s.flag(Key::LowerPrioNoAdvert);
    let higher = s.flag(Key::HigherPrioSendAdvert);
    if strict {
        let conflicts = [
            (
                rep.is_some_and(|r| r != 0),
                Key::GarpLowerPrioRepeat,
                "Strict mode requires no repeat garps. resetting",
            ),
            (
                delay.is_some_and(|r| r != 0),
                Key::GarpLowerPrioDelay,
                "Strict mode requires no repeat garp delay. resetting",
            ),
            (
                lower == Some(false),
                Key::LowerPrioNoAdvert,
                "Strict mode requires no lower priority advert. resetting",
            ),
            (
                higher == Some(true),
                Key::HigherPrioSendAdvert,
                "strict mode requires higher_prio_send_advert to be clear. resetting",
            ),
        ];
        for (conflict, k, t) in conflicts {
            if conflict {
                say(W, s.at(k), t);
            }
        }
        i.garp_lower_prio_repeat = 0;
        i.garp_lower_prio_delay = Duration::ZERO;
        i.lower_prio_no_advert = true;
        i.higher_prio_send_advert = false;
    } else {
        i.garp_lower_prio_repeat = rep.unwrap_or(rep_default).min(255) as u8;
        i.garp_lower_prio_delay = delay.map_or(delay_default, secs);
        i.lower_prio_no_advert = flag(Key::LowerPrioNoAdvert, Key::VrrpLowerPrioNoAdvert);
        i.higher_prio_send_advert = flag(Key::HigherPrioSendAdvert, Key::VrrpHigherPrioSendAdvert);
    }

    // The advert interval, rounded as the version can carry it.
    let us = s.get(Key::AdvertInt).map_or(1_000_000, u64::from);
    let adv_at = at(Key::AdvertInt);
    let cs = if v3 && us >= 40_960_000 {
        let t = format!(
            "VRRPv3 advertisement interval {}s is out of range. Must be less than 40.96s. Setting to 40.95s",
            decimal(us.div_ceil(10_000) * 10_000, 2)
        );
        say(W, adv_at, &t);
        4095
    } else if v3 {
        if us % 10_000 != 0 {
            let t = format!(
                "VRRPv3 advertisement interval {}s must be in units of 10ms - rounding",
                decimal(us, 6)
            );
            say(W, adv_at, &t);
        }
        ((us + 5_000) / 10_000).max(1)
    } else {
        if us % 1_000_000 != 0 {
            let t = format!(
                "VRRPv2 advertisement interval {}s must be an integer. rounding",
                decimal(us, 6)
            );
            say(W, adv_at, &t);
        }
        ((us + 500_000) / 1_000_000).max(1) * 100
    };
    i.advert_interval = Centis(cs as u16);

    // keepalived's cap on the debounce timers of the instance's interface: less than two
    // advert intervals (else a Backup would take over before a down link counts).
    let adv_us = cs * 10_000;
    let (adv, cap) = (
        Duration::from_micros(adv_us),
        Duration::from_micros(2 * adv_us - adv_us / 256),
    );
    let g = &mut b.globals;
    let mut own = g.link_delays.iter_mut().zip(&g.link_delays_at);
    let own = own.find(|(l, _)| l.interface == i.interface);
    if let Some((l, &at)) = own.filter(|(l, _)| l.down >= 2 * adv || l.up >= 2 * adv) {
        for d in [&mut l.down, &mut l.up] {
            if *d >= 2 * adv {
                *d = cap;
            }
        }
        let t = format!(
            "{name}: interface {} debounce timer(s) not less that 2 * advert_int - resetting",
            i.interface
        );
        early.push((at, t));
    }
    tracking(d, known, group, &mut say);
    for (at, m) in early {
        b.report(at, W, m);
    }
    for (at, sev, m) in out {
        b.report(at, sev, m);
    }
    required(b, d);
    family(b, d);
    labels(b, d);
}

/// µs as keepalived prints seconds with `%.Nf` (N = 2 or 6), without float formatting,
/// whose code would cost ~10 KB on a router.
fn decimal(us: u64, places: u32) -> String {
    let unit = 10u64.pow(6 - places);
    let frac = us % 1_000_000 / unit;
    format!("{}.{frac:0w$}", us / 1_000_000, w = places as usize)
}

/// The tracked objects an instance or sync group can name, each with its reading order.
struct Known<'a> {
    scripts: &'a [(TrackScript, u32)],
    processes: &'a [(TrackProcess, u32)],
    files: &'a [(TrackFile, u32)],
    /// Names of scripts, and of processes and files, with an error of their own (already
    /// reported: not again where they are tracked).
    broken: &'a [String],
    broken_other: &'a [String],
}

/// The kinds of tracked object that are blocks of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Script,
    Process,
    File,
}

impl Kind {
    /// The word in keepalived's messages and the block's keyword.
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Kind::Script => ("script", "vrrp_script"),
            Kind::Process => ("process", "vrrp_track_process"),
            Kind::File => ("file", "track_file"),
        }
    }
}

impl Known<'_> {
    /// The weight, reverse and reading order of the `kind` object `name`.
    fn find(&self, kind: Kind, name: &str) -> Option<(i16, bool, u32)> {
        match kind {
            Kind::Script => self
                .scripts
                .iter()
                .find(|s| s.0.name == name)
                .map(|s| (s.0.weight, s.0.reverse, s.1)),
            Kind::Process => self
                .processes
                .iter()
                .find(|s| s.0.name == name)
                .map(|s| (s.0.weight, s.0.reverse, s.1)),
            Kind::File => self
                .files
                .iter()
                .find(|s| s.0.name == name)
                .map(|s| (s.0.weight, s.0.reverse, s.1)),
        }
    }

    fn is_broken(&self, kind: Kind, name: &str) -> bool {
        let list = if kind == Kind::Script {
            self.broken
        } else {
            self.broken_other
        };
        list.iter().any(|n| n == name)
    }
}

/// The `kind` entries of one instance or group, read at reading order `order`: a name
/// defined further down is not found by keepalived (ignored, with its words; one never
/// defined is a typo, an error); an entry without a weight gets the object's, as
/// keepalived copies it.
fn resolve(
    list: &mut Vec<Tracked>,
    kind: Kind,
    known: &Known,
    (file, order): (u16, u32),
    say: &mut dyn FnMut(Severity, Loc, &str),
) {
    let (word, block) = kind.words();
    list.retain_mut(|t| {
        let (n, at) = (&t.name, Loc { file, line: t.line });
        let Some((weight, reverse, defined)) = known.find(kind, n) else {
            if !known.is_broken(kind, n) {
                let msg = format!("track_{word} {n}: no {block} {n} is defined");
                say(E, at, &msg);
            }
            return false;
        };
        if defined > order {
            say(W, at, &format!("track {word} {n} not found, ignoring..."));
            return false;
        }
        if t.weight.is_none() {
            t.weight = Some(weight);
            t.reverse = reverse;
        }
        true
    });
}

/// Tracked objects as keepalived keeps them: each name resolved (see `resolve`), the own
/// interface tracked anyway, and an address owner or a sync group member (without
/// `sync_group_tracking_weight`) without weights.
fn tracking(
    d: &mut Draft,
    known: &Known,
    group: Option<&SyncGroup>,
    say: &mut dyn FnMut(Severity, Loc, &str),
) {
    let file = d.at.file;
    let at = |line: u32| Loc { file, line };
    let owner = d.inst.priority == 255;
    let sync = group.is_some_and(|g| !g.tracking_weight);
    let why = if sync { "SYNC group" } else { "address_owner" };
    let here = (file, d.order);
    let i = &mut d.inst;
    resolve(&mut i.track_scripts, Kind::Script, known, here, say);
    resolve(&mut i.track_processes, Kind::Process, known, here, say);
    resolve(&mut i.track_files, Kind::File, known, here, say);
    if owner || sync {
        i.track_scripts.retain(|t| {
            let keep = t.weight == Some(0);
            if !keep {
                let msg = format!(
                    "ignoring tracked script {} with weights due to {why}",
                    t.name
                );
                say(W, at(t.line), &msg);
            }
            keep
        });
        // A file's default weight (1) becomes 0; another weight drops the file.
        i.track_files.retain_mut(|t| {
            let msg = match t.weight {
                Some(0) => return true,
                Some(1) => {
                    t.weight = Some(0);
                    format!(
                        "ignoring weight from tracked file {} due to {why}. specify weight 0",
                        t.name
                    )
                }
                w => format!(
                    "ignoring tracked file {} with weight {} due to {why}",
                    t.name,
                    w.unwrap_or(0)
                ),
            };
            say(W, at(t.line), &msg);
            t.weight == Some(0)
        });
    }
    let own = d.inst.interface.clone();
    d.inst.track_interfaces.retain_mut(|t| {
        let n = &t.name;
        let msg = if *n == own {
            format!("Ignoring track_interface {own} since own interface")
        } else if t.weight.unwrap_or(0) == 0 || !(owner || sync) {
            return true;
        } else if sync {
            t.weight = Some(0);
            format!("ignoring {n} tracked interface weight due to SYNC group")
        } else {
            format!("ignoring {n} tracked interface due to address owner")
        };
        say(W, at(t.line), &msg);
        sync && *n != own
    });
}

/// A sync group's own tracking, which every member applies: names resolved as an
/// instance's are, and no weights when a member is the address owner (keepalived's
/// `sync_group_tracking_init`, its words).
fn group_tracking(
    b: &mut Builder,
    g: &mut SyncGroup,
    (at, order): (Loc, u32),
    known: &Known,
    instances: &[Instance],
) {
    let name = g.name.clone();
    let mut out: Vec<(Loc, Severity, String)> = Vec::new();
    let mut say = |sev, at: Loc, text: &str| out.push((at, sev, format!("({name}) {text}")));
    let here = (at.file, order);
    resolve(&mut g.track_scripts, Kind::Script, known, here, &mut say);
    resolve(&mut g.track_processes, Kind::Process, known, here, &mut say);
    resolve(&mut g.track_files, Kind::File, known, here, &mut say);
    let owner = instances
        .iter()
        .any(|i| i.priority == 255 && g.members.contains(&i.name));
    if owner {
        let lists = [
            (&mut g.track_scripts, "script", "clearing weight"),
            (&mut g.track_files, "file", "setting weight 0"),
            (&mut g.track_processes, "process", "setting weight 0"),
            (&mut g.track_interfaces, "interface", "clearing weight"),
        ];
        for (list, what, verb) in lists {
            for t in list.iter_mut().filter(|t| t.weight.unwrap_or(0) != 0) {
                let msg = format!(
                    "Cannot have weighted track {what} '{}' with member having priority 255 - {verb}",
                    t.name
                );
                say(W, Loc { line: t.line, ..at }, &msg);
                t.weight = Some(0);
            }
        }
    }
    for (at, sev, m) in out {
        b.report(at, sev, m);
    }
}

fn required(b: &mut Builder, d: &Draft) {
    let name = &d.inst.name;
    if !d.slots.at(Key::Interface).is_set() {
        b.error(d.at, format!("instance {name} has no interface"));
    }
    if !d.slots.at(Key::VirtualRouterId).is_set() {
        b.error(
            d.at,
            format!("instance {name} has no virtual_router_id (1-255)"),
        );
    }
}

/// Names and (interface, VRID, family) triples are unique (an IPv4 and an IPv6 router may
/// share a VRID: RFC 5798 keeps them apart, and so does the daemon's per-family socket).
/// A default VMAC name taken by an earlier instance becomes the next free one, as
/// keepalived's create_vmac_name does (IPv6 tries vrrp6.N first, then vrrp1.N, vrrp2.N…).
fn unique(b: &mut Builder, d: &mut Draft, earlier: &[Instance]) {
    let (at, vrid_at, vmac_at) = (d.at, d.at(Key::VirtualRouterId), d.at(Key::UseVmac));
    let i = &mut d.inst;
    if let Some(e) = earlier.iter().find(|e| e.name == i.name) {
        b.error(
            at,
            format!(
                "instance name {} is already used on line {}",
                i.name, e.line
            ),
        );
    }
    let v6 = i.is_ipv6();
    if i.vrid != 0 && !i.interface.is_empty() {
        if let Some(e) = earlier
            .iter()
            .find(|e| e.vrid == i.vrid && e.interface == i.interface && e.is_ipv6() == v6)
        {
            let msg = format!(
                "virtual_router_id {} on {} is already used by instance {} (line {})",
                i.vrid, i.interface, e.name, e.line
            );
            b.error(vrid_at, msg);
        }
    }
    let Some(name) = i.vmac.take() else { return };
    let used = |n: &str| earlier.iter().find(|e| e.vmac.as_deref() == Some(n));
    let prefix = b.globals.vmac_prefix.as_deref().unwrap_or("vrrp");
    // A name written out is the user's, even one equal to a default: never renamed.
    let written = matches!(d.vmac, Some(Some(_)));
    let mut pick = name.clone();
    if !written {
        let mut num = 0u16;
        while used(&pick).is_some() {
            num = match (v6, num) {
                (true, 0) => 6,
                (true, 6) => 1,
                (true, 5) => 7,
                (_, n) => n + 1,
            };
            pick = format!("{prefix}{num}.{}", i.vrid);
        }
    } else if let Some(e) = used(&name) {
        let msg = format!(
            "use_vmac {name} is already used by instance {} (line {})",
            e.name, e.line
        );
        b.error(vmac_at, msg);
    }
    i.vmac = Some(pick);
}

/// IPv6 needs VRRPv3 (keepalived's own VRRPv2-over-IPv6 is not a protocol any other
/// router speaks). The addresses of the other family are already skipped.
fn family(b: &mut Builder, d: &Draft) {
    let i = &d.inst;
    let v6 = i.is_ipv6();
    if v6 && i.version == Version::V2 {
        let msg = format!(
            "instance {} is IPv6, which needs VRRPv3: set version 3",
            i.name
        );
        b.error(d.at(Key::Version), msg);
    }
}

/// The kernel only takes labels of the form DEV or DEV:SUFFIX, within IFNAMSIZ.
fn labels(b: &mut Builder, d: &Draft) {
    let i = &d.inst;
    for (vip, &at) in i.vips.iter().zip(&d.vip_lines) {
        let (Some(label), dev) = (&vip.label, vip.dev.as_ref().unwrap_or(&i.interface)) else {
            continue;
        };
        let fits = label == dev
            || label
                .strip_prefix(dev.as_str())
                .is_some_and(|s| s.starts_with(':'));
        if !fits {
            let msg =
                format!("label \"{label}\" must be {dev} or {dev}:SUFFIX, at most 15 characters");
            b.error(at, msg);
        }
    }
}
