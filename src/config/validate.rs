//! Checks that need more than one keyword, and keepalived's warn-and-adjust rules
//! (`vrrp_complete_instance` in keepalived's vrrp.c, in its order and with its words,
//! prefixed `(INSTANCE)` as keepalived logs them). Where keepalived adjusts a setting
//! and says so, the model gets the adjusted value and a warning; where it would run
//! something else than the file says without a word, or the file has a typo, it is an
//! error here.

use super::build::{Builder, Draft, GroupDraft, Loc};
use super::keywords::Key;
use super::model::{Config, InitialState, Instance, SyncGroup, TrackScript};
use crate::vrrp::timers::Centis;
use crate::wire::Version;
use core::time::Duration;

/// Advert address count at keepalived's default MTU (1500): the 8-bit count caps IPv4
/// at 255, the frame caps IPv6 at (1500 - 14 - 40 - 8) / 16.
const MAX_VIPS_V4: usize = 255;
const MAX_VIPS_V6: usize = 89;

/// keepalived's default script timeouts when a startup/shutdown script is set.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn finish(b: &mut Builder) -> Option<Config> {
    let scripts = scripts(b);
    let groups = groups(b);
    let drafts = core::mem::take(&mut b.drafts);
    if drafts.is_empty() && !b.has_errors() {
        b.error(
            Loc { file: 0, line: 1 },
            "no VRRP instance is configured".into(),
        );
    }
    let mut instances: Vec<Instance> = Vec::with_capacity(drafts.len());
    for mut d in drafts {
        let group = groups.iter().find(|g| g.members.contains(&d.inst.name));
        complete(b, &mut d, &scripts, group);
        unique(b, &d, &instances);
        instances.push(d.inst);
    }
    let g = &b.globals;
    let rt_priority = match (g.rt_priority, g.max_auto_priority) {
        (Some(p), _) => p,
        // keepalived raises its priority up to this when it is late; tinyvrrpd runs
        // real-time from the start, at this priority.
        (None, Some(p)) if p > 0 => p as u8,
        _ => super::model::DEFAULT_RT_PRIORITY,
    };
    let script = |c: &Option<super::model::Command>, t: Option<Duration>| {
        c.clone().map(|c| (c, t.unwrap_or(SCRIPT_TIMEOUT)))
    };
    Some(Config {
        router_id: g.router_id.clone(),
        instances,
        scripts: scripts.into_iter().map(|(s, _)| s).collect(),
        sync_groups: groups,
        script_user: g.script_user.clone(),
        script_security: g.script_security,
        rt_priority,
        rlimit_rttime_us: g.rlimit_rttime_us,
        startup_script: script(&g.startup_script, g.startup_script_timeout),
        shutdown_script: script(&g.shutdown_script, g.shutdown_script_timeout),
        startup_delay: g.startup_delay,
        dynamic_interfaces: g.dynamic_interfaces,
        link_delays: g.link_delays.clone(),
        warnings: Vec::new(),
    })
}

/// The finished `vrrp_script`s with their reading order; duplicates are errors.
fn scripts(b: &mut Builder) -> Vec<(TrackScript, u32)> {
    let mut out: Vec<(TrackScript, u32)> = Vec::new();
    for (d, at, order) in core::mem::take(&mut b.scripts) {
        if let Some(first) = out.iter().find(|s| s.0.name == d.name) {
            let msg = format!(
                "vrrp_script {} is already defined on line {}",
                d.name, first.0.line
            );
            b.error(at, msg);
            continue;
        }
        match d.finish() {
            Ok(s) => out.push((s, order)),
            Err((line, message)) => b.error(Loc { line, ..at }, message),
        }
    }
    out
}

/// Sync groups as keepalived resolves them: members must exist (a misspelt name is an
/// error), an instance in a second group is ignored there, empty groups are dropped.
fn groups(b: &mut Builder) -> Vec<SyncGroup> {
    let mut out: Vec<SyncGroup> = Vec::new();
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
        let mut group = SyncGroup {
            members: Vec::new(),
            ..g.group.clone()
        };
        for (m, &at) in g.group.members.iter().zip(&g.member_lines) {
            if !b.drafts.iter().any(|d| d.inst.name == *m) {
                b.error(
                    at,
                    format!("vrrp_sync_group {name}: no instance {m} is defined"),
                );
            } else if out.iter().any(|o| o.members.contains(m)) {
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
        out.push(group);
    }
    out
}

/// keepalived's `vrrp_complete_instance` for one instance, in its order.
fn complete(
    b: &mut Builder,
    d: &mut Draft,
    scripts: &[(TrackScript, u32)],
    group: Option<&SyncGroup>,
) {
    let g = &b.globals;
    let strict = d.strict.unwrap_or(g.strict);
    let name = d.inst.name.clone();
    let mut notes: Vec<(Loc, String)> = Vec::new();
    let mut note = |at: Loc, msg: String| notes.push((at, msg));
    let mut errors: Vec<(Loc, String)> = Vec::new();

    // Family and version: IPv6 is VRRPv3 unless the instance says otherwise.
    let v6 = d.inst.is_ipv6();
    d.inst.version = match (d.version, v6) {
        (Some(Version::V2), true) if strict => {
            note(
                d.at(Key::Version),
                format!("({name}) cannot use IPv6 with VRRP version 2; setting version 3"),
            );
            Version::V3
        }
        (Some(v), _) => v,
        (None, true) => Version::V3,
        (None, false) => g.vrrp_version.unwrap_or(Version::V2),
    };
    let v3 = d.inst.version == Version::V3;

    if d.no_vips_ok && strict {
        note(
            d.at,
            format!(
                "({name}) no_virtual_ipaddress and strict mode incompatible, clearing no_virtual_ipaddress"
            ),
        );
        d.no_vips_ok = false;
    }
    // A virtual_ipaddress that failed to parse has its error already.
    if d.inst.vips.is_empty() && !d.no_vips_ok && !d.seen(Key::VirtualIpaddress).is_set() {
        if v3 || strict {
            errors.push((
                d.at,
                format!("({name}) No VIP specified; at least one is required"),
            ));
        } else {
            note(
                d.at,
                format!("({name}) No VIP specified; at least one is sensible"),
            );
        }
    }

    // No priority: the state decides (MASTER is the address owner).
    if !d.seen(Key::Priority).is_set() {
        d.inst.priority = match d.inst.initial_state {
            InitialState::Master => 255,
            InitialState::Backup => 100,
        };
    }
    let owner = d.inst.priority == 255;
    let master = d.inst.initial_state == InitialState::Master;
    if strict && master != owner {
        note(
            d.at(Key::State),
            format!("({name}) State MASTER must match being address owner"),
        );
        d.inst.initial_state = if owner {
            InitialState::Master
        } else {
            InitialState::Backup
        };
    }

    // Authentication.
    let (typ, pass) = (d.seen(Key::AuthType), d.seen(Key::AuthPass));
    if typ.is_set() || pass.is_set() {
        let at = if typ.is_set() { typ } else { pass };
        if strict && typ.is_set() {
            note(
                at,
                format!("({name}) Strict mode does not support authentication. Ignoring."),
            );
            d.inst.auth_pass = None;
        } else if v3 {
            note(
                at,
                format!("({name}) VRRP version 3 does not support authentication. Ignoring."),
            );
            d.inst.auth_pass = None;
        } else if typ.is_set() && d.inst.auth_pass.is_none() {
            note(
                at,
                format!("({name}) Authentication specified but no password given. Ignoring"),
            );
        } else if !typ.is_set() {
            note(
                pass,
                format!(
                    "({name}) auth_pass without auth_type PASS: adverts carry no password (as in keepalived)"
                ),
            );
            d.inst.auth_pass = None;
        }
    }

    // Unicast.
    if strict && !d.inst.unicast_peers.is_empty() {
        errors.push((
            d.at(Key::UnicastPeer),
            format!("({name}) Unicast peers are not supported in strict mode"),
        ));
    }
    if d.unicast_configured && d.inst.unicast_peers.is_empty() {
        if d.fault_no_peer {
            d.inst.fault_no_peer = true;
        } else {
            note(
                d.at,
                format!(
                    "({name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration."
                ),
            );
        }
    }

    // Virtual MAC.
    let xmit = d.at(Key::VmacXmitBase);
    if d.inst.vmac_xmit_base && d.vmac.is_none() {
        note(
            xmit,
            format!("({name}) vmac_xmit_base is only valid with a vmac"),
        );
        d.inst.vmac_xmit_base = false;
    } else if d.inst.vmac_xmit_base && strict {
        note(
            xmit,
            format!("({name}) xmit_base is incompatible with strict mode - resetting"),
        );
        d.inst.vmac_xmit_base = false;
    } else if d.vmac.is_some() && d.inst.is_unicast() && !d.inst.vmac_xmit_base {
        note(
            d.at(Key::UseVmac),
            format!("({name}) unicast with use_vmac requires vmac_xmit_base - setting"),
        );
        d.inst.vmac_xmit_base = true;
    }
    let prefix = g.vmac_prefix.as_deref().unwrap_or("vrrp");
    d.inst.vmac = d
        .vmac
        .take()
        .map(|n| n.unwrap_or_else(|| format!("{prefix}.{}", d.inst.vrid)));

    // What fits in one advert moves on to the excluded addresses, as keepalived does.
    let max = if v6 { MAX_VIPS_V6 } else { MAX_VIPS_V4 };
    if d.inst.vips.len() > max {
        let n = d.inst.vips.len();
        note(
            d.vip_lines[max],
            format!(
                "({name}) Number of VIPs ({n}) exceeds maximum/space available in packet (max {max} addresses) - excess moved to eVIPs"
            ),
        );
        let vips = d.inst.vips.split_off(max);
        let opts = d.inst.vip_options.split_off(max);
        d.vip_lines.truncate(max);
        d.inst
            .vips_excluded
            .splice(0..0, vips.into_iter().zip(opts));
    }

    // Preemption.
    let delay_at = d.at(Key::PreemptDelay);
    if owner && !d.inst.preempt {
        note(
            d.at(Key::Nopreempt),
            format!("({name}) nopreempt is incompatible with priority 255. resetting nopreempt"),
        );
        d.inst.preempt = true;
    }
    if d.inst.initial_state == InitialState::Master {
        if !d.inst.preempt {
            note(
                d.at(Key::Nopreempt),
                format!(
                    "({name}) Warning - nopreempt will not work with initial state MASTER - clearing"
                ),
            );
            d.inst.preempt = true;
        }
        if !d.inst.preempt_delay.is_zero() {
            note(
                delay_at,
                format!(
                    "({name}) Warning - preempt delay will not work with initial state MASTER - clearing"
                ),
            );
            d.inst.preempt_delay = Duration::ZERO;
        }
    }
    if !d.inst.preempt_delay.is_zero() {
        if strict {
            note(
                delay_at,
                format!("({name}) preempt_delay is incompatible with strict mode - resetting"),
            );
            d.inst.preempt_delay = Duration::ZERO;
        } else if !d.inst.preempt {
            note(
                delay_at,
                format!("({name}) preempt_delay is incompatible with nopreempt mode - resetting"),
            );
            d.inst.preempt_delay = Duration::ZERO;
        }
    }

    // Accept mode: strict mode means no_accept unless the instance owns the addresses.
    d.inst.accept = d.accept.unwrap_or(owner || !strict);
    if d.inst.accept && !owner && strict && !v3 {
        note(
            d.at(Key::Accept),
            format!(
                "({name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"
            ),
        );
        d.inst.accept = false;
    }

    // Multicast group.
    if d.inst.is_unicast() && d.mcast_dst.is_some() {
        note(
            d.at(Key::McastDstIp),
            format!("({name}) multicast destination specified with unicast - ignoring"),
        );
    } else if !d.inst.is_unicast() {
        let global = if v6 { g.mcast_group6 } else { g.mcast_group4 };
        d.inst.mcast_group = d.mcast_dst.or(global);
    }
    if let Some(a) = d.inst.mcast_group.filter(|a| a.is_ipv6() != v6) {
        errors.push((
            d.at(Key::McastDstIp),
            format!("mcast_dst_ip {a} is not of instance {name}'s family"),
        ));
    }

    // GARP defaults from global_defs (vrrp_min_garp lowers the ones not set there).
    let min = g.min_garp;
    let i = &mut d.inst;
    let seen = |k: Key| d.seen[k as usize].is_set();
    if !seen(Key::GarpMasterDelay) {
        i.garp_master_delay = g.garp_master_delay.unwrap_or(if min {
            Duration::ZERO
        } else {
            i.garp_master_delay
        });
    }
    if !seen(Key::GarpMasterRepeat) {
        i.garp_master_repeat =
            g.garp_master_repeat
                .unwrap_or(if min { 1 } else { i.garp_master_repeat });
    }
    if !seen(Key::GarpMasterRefresh) {
        i.garp_master_refresh = g.garp_master_refresh.unwrap_or(i.garp_master_refresh);
    }
    if !seen(Key::GarpMasterRefreshRepeat) {
        i.garp_master_refresh_repeat = g
            .garp_master_refresh_repeat
            .unwrap_or(i.garp_master_refresh_repeat);
    }
    if !seen(Key::GarpInterval) {
        i.garp_interval = g.garp_interval.unwrap_or(i.garp_interval);
    }
    if !seen(Key::GnaInterval) {
        i.gna_interval = g.gna_interval.unwrap_or(i.gna_interval);
    }
    i.skip_check_adv_addr = d.skip_check_adv_addr.unwrap_or(g.skip_check_adv_addr);
    i.strict = strict;

    // Answers to lower priorities: strict mode sends none.
    let global_rep = g.garp_lower_prio_repeat.unwrap_or(i.garp_master_repeat);
    let global_delay = g.garp_lower_prio_delay.unwrap_or(i.garp_master_delay);
    i.garp_lower_prio_repeat = match d.garp_lower_prio_repeat {
        Some(n) if strict && n != 0 => {
            note(
                d.seen[Key::GarpLowerPrioRepeat as usize],
                format!("({name}) Strict mode requires no repeat garps. resetting"),
            );
            0
        }
        Some(n) => n,
        None if strict => 0,
        None => global_rep,
    };
    i.garp_lower_prio_delay = match d.garp_lower_prio_delay {
        Some(t) if strict && !t.is_zero() => {
            note(
                d.seen[Key::GarpLowerPrioDelay as usize],
                format!("({name}) Strict mode requires no repeat garp delay. resetting"),
            );
            Duration::ZERO
        }
        Some(t) => t,
        None if strict => Duration::ZERO,
        None => global_delay,
    };
    i.lower_prio_no_advert = match d.lower_prio_no_advert {
        Some(false) if strict => {
            note(
                d.seen[Key::LowerPrioNoAdvert as usize],
                format!("({name}) Strict mode requires no lower priority advert. resetting"),
            );
            true
        }
        Some(v) => v,
        None => strict || g.lower_prio_no_advert,
    };
    i.higher_prio_send_advert = match d.higher_prio_send_advert {
        Some(true) if strict => {
            note(
                d.seen[Key::HigherPrioSendAdvert as usize],
                format!(
                    "({name}) strict mode requires higher_prio_send_advert to be clear. resetting"
                ),
            );
            false
        }
        Some(v) => v,
        None => !strict && g.higher_prio_send_advert,
    };

    // The advert interval, rounded as the version can carry it.
    let us = d.advert_us.unwrap_or(1_000_000);
    let at = d.at(Key::AdvertInt);
    let cs = if v3 {
        if us >= 40_960_000 {
            note(
                at,
                format!(
                    "({name}) VRRPv3 advertisement interval {:.2}s is out of range. Must be less than 40.96s. Setting to 40.95s",
                    us as f64 / 1e6
                ),
            );
            4095
        } else {
            if us % 10_000 != 0 {
                note(
                    at,
                    format!(
                        "({name}) VRRPv3 advertisement interval {:.6}s must be in units of 10ms - rounding",
                        us as f64 / 1e6
                    ),
                );
            }
            ((us + 5_000) / 10_000).max(1)
        }
    } else {
        if us % 1_000_000 != 0 {
            note(
                at,
                format!(
                    "({name}) VRRPv2 advertisement interval {:.6}s must be an integer. rounding",
                    us as f64 / 1e6
                ),
            );
        }
        ((us + 500_000) / 1_000_000).max(1) * 100
    };
    d.inst.advert_interval = Centis(cs as u16);

    tracking(d, scripts, group, &mut note, &mut errors);
    for (at, m) in notes {
        b.warn(at, m);
    }
    for (at, m) in errors {
        b.error(at, m);
    }
    required(b, d);
    family(b, d);
    labels(b, d);
}

/// Tracked scripts and interfaces as keepalived keeps them: a script defined after the
/// instance is not found by keepalived (ignored, with its words; one never defined is a
/// typo, an error), the own interface is tracked anyway, and an address owner or a sync
/// group member (without `sync_group_tracking_weight`) cannot have weights.
fn tracking(
    d: &mut Draft,
    scripts: &[(TrackScript, u32)],
    group: Option<&SyncGroup>,
    note: &mut impl FnMut(Loc, String),
    errors: &mut Vec<(Loc, String)>,
) {
    let name = d.inst.name.clone();
    let file = d.at.file;
    let at = |line: u32| Loc { file, line };
    let owner = d.inst.priority == 255;
    let sync = group.is_some_and(|g| !g.tracking_weight);
    let why = if sync { "SYNC group" } else { "address_owner" };
    let order = d.order;
    d.inst.track_scripts.retain_mut(|t| {
        let Some((s, defined)) = scripts.iter().find(|s| s.0.name == t.name) else {
            errors.push((
                at(t.line),
                format!(
                    "track_script {}: no vrrp_script {} is defined",
                    t.name, t.name
                ),
            ));
            return true;
        };
        if *defined > order {
            note(
                at(t.line),
                format!("({name}) track script {} not found, ignoring...", t.name),
            );
            return false;
        }
        // keepalived copies the script's weight into the entry; so does the model.
        if t.weight.is_none() {
            t.weight = Some(s.weight);
            t.reverse = s.reverse;
        }
        if (owner || sync) && t.weight != Some(0) {
            note(
                at(t.line),
                format!(
                    "({name}) ignoring tracked script {} with weights due to {why}",
                    t.name
                ),
            );
            return false;
        }
        true
    });
    let own = d.inst.interface.clone();
    d.inst.track_interfaces.retain_mut(|t| {
        if t.name == own {
            note(
                at(t.line),
                format!("({name}) Ignoring track_interface {own} since own interface"),
            );
            return false;
        }
        if t.weight.unwrap_or(0) == 0 || !(owner || sync) {
            return true;
        }
        if sync {
            note(
                at(t.line),
                format!(
                    "({name}) ignoring {} tracked interface weight due to SYNC group",
                    t.name
                ),
            );
            t.weight = Some(0);
            true
        } else {
            note(
                at(t.line),
                format!(
                    "({name}) ignoring {} tracked interface due to address owner",
                    t.name
                ),
            );
            false
        }
    });
}

fn required(b: &mut Builder, d: &Draft) {
    let name = &d.inst.name;
    if !d.seen(Key::Interface).is_set() {
        b.error(d.at, format!("instance {name} has no interface"));
    }
    if !d.seen(Key::VirtualRouterId).is_set() {
        b.error(
            d.at,
            format!("instance {name} has no virtual_router_id (1-255)"),
        );
    }
}

/// Names and (interface, VRID) pairs are unique.
fn unique(b: &mut Builder, d: &Draft, earlier: &[Instance]) {
    let i = &d.inst;
    if let Some(e) = earlier.iter().find(|e| e.name == i.name) {
        b.error(
            d.at,
            format!(
                "instance name {} is already used on line {}",
                i.name, e.line
            ),
        );
    }
    if i.vrid != 0 && !i.interface.is_empty() {
        if let Some(e) = earlier
            .iter()
            .find(|e| e.vrid == i.vrid && e.interface == i.interface)
        {
            let msg = format!(
                "virtual_router_id {} on {} is already used by instance {} (line {})",
                i.vrid, i.interface, e.name, e.line
            );
            b.error(d.at(Key::VirtualRouterId), msg);
        }
    }
}

/// One instance, one family: its first VIP decides (as in keepalived), and every other
/// VIP and unicast address must match. IPv6 needs VRRPv3.
fn family(b: &mut Builder, d: &Draft) {
    let i = &d.inst;
    let v6 = i.is_ipv6();
    let fam = |v6: bool| if v6 { "IPv6" } else { "IPv4" };
    let first_line = d.vip_lines.first().map_or(d.at.line, |l| l.line);
    for (vip, &at) in i.vips.iter().zip(&d.vip_lines).skip(1) {
        if vip.addr.is_ipv6() != v6 {
            let msg = format!(
                "virtual_ipaddress {} is {} but instance {} is {} (its first address, line {first_line}); one instance serves one family — use a second instance",
                vip.addr,
                fam(!v6),
                i.name,
                fam(v6)
            );
            b.error(at, msg);
        }
    }
    if let Some(src) = i.unicast_src.filter(|a| a.is_ipv6() != v6) {
        let key = if d.seen(Key::UnicastSrcIp).is_set() {
            Key::UnicastSrcIp
        } else {
            Key::McastSrcIp
        };
        let msg = format!(
            "{} {src} is {} but instance {} is {} (line {first_line})",
            key.name(),
            fam(!v6),
            i.name,
            fam(v6)
        );
        b.error(d.at(key), msg);
    }
    for (p, &at) in i.unicast_peers.iter().zip(&d.peer_lines) {
        if p.is_ipv6() != v6 {
            let msg = format!(
                "unicast_peer {p} is {} but instance {} is {} (line {first_line})",
                fam(!v6),
                i.name,
                fam(v6)
            );
            b.error(at, msg);
        }
    }
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
