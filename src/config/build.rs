//! The one place where configuration keywords get their meaning. Both front-ends
//! (key=value and keepalived.conf) look a word up in `keywords.rs` and feed the
//! implemented ones as `(Key, args, location)` into a [`Builder`], so each keyword is
//! parsed, range-checked and worded in exactly one place; `finish` then hands the drafts
//! to `validate.rs`, which applies keepalived's cross-keyword rules.

use super::error::{ConfigError, Severity};
use super::keywords::{Key, Place};
use super::lex::{
    self, WEIGHT_MAX, boolean, fixed_point, flag, host_address, ifname, number, one, seconds,
};
use super::model::{
    AddrOptions, Command, Config, InitialState, Instance, LinkDelay, PeerTtl, RunAs, SyncGroup,
    Tracked,
};
use super::track::ScriptDraft;
use super::validate;
use crate::wire::Version;
use core::time::Duration;
use std::net::IpAddr;

/// Where a word was read: the file (index into `Builder::files`) and its line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Loc {
    pub(crate) file: u16,
    pub(crate) line: u32,
}

impl Loc {
    /// Never seen: the `seen` slots start like this.
    pub(crate) const NONE: Loc = Loc { file: 0, line: 0 };

    pub(crate) fn is_set(self) -> bool {
        self.line != 0
    }
}

/// A keyword's outcome besides the value it set: a warning to report at its line.
type Applied = Result<Option<String>, String>;

/// `global_defs` as written; `validate` gives instances their defaults from it.
pub(crate) struct Globals {
    pub(crate) router_id: Option<String>,
    pub(crate) vrrp_version: Option<Version>,
    pub(crate) script_user: Option<RunAs>,
    pub(crate) script_security: bool,
    pub(crate) rt_priority: Option<u8>,
    pub(crate) max_auto_priority: Option<i8>,
    pub(crate) rlimit_rttime_us: u64,
    pub(crate) garp_master_delay: Option<Duration>,
    pub(crate) garp_master_repeat: Option<u8>,
    pub(crate) garp_master_refresh: Option<Duration>,
    pub(crate) garp_master_refresh_repeat: Option<u8>,
    pub(crate) garp_interval: Option<Duration>,
    pub(crate) gna_interval: Option<Duration>,
    pub(crate) garp_lower_prio_delay: Option<Duration>,
    pub(crate) garp_lower_prio_repeat: Option<u8>,
    pub(crate) lower_prio_no_advert: bool,
    pub(crate) higher_prio_send_advert: bool,
    pub(crate) min_garp: bool,
    pub(crate) skip_check_adv_addr: bool,
    pub(crate) strict: bool,
    pub(crate) mcast_group4: Option<IpAddr>,
    pub(crate) mcast_group6: Option<IpAddr>,
    pub(crate) startup_delay: Duration,
    pub(crate) startup_script: Option<Command>,
    pub(crate) startup_script_timeout: Option<Duration>,
    pub(crate) shutdown_script: Option<Command>,
    pub(crate) shutdown_script_timeout: Option<Duration>,
    pub(crate) dynamic_interfaces: bool,
    pub(crate) vmac_prefix: Option<String>,
    pub(crate) link_delays: Vec<LinkDelay>,
}

impl Globals {
    fn new() -> Globals {
        Globals {
            router_id: None,
            vrrp_version: None,
            script_user: None,
            script_security: false,
            rt_priority: None,
            max_auto_priority: None,
            rlimit_rttime_us: super::model::DEFAULT_RLIMIT_RTTIME_US,
            garp_master_delay: None,
            garp_master_repeat: None,
            garp_master_refresh: None,
            garp_master_refresh_repeat: None,
            garp_interval: None,
            gna_interval: None,
            garp_lower_prio_delay: None,
            garp_lower_prio_repeat: None,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            min_garp: false,
            skip_check_adv_addr: false,
            strict: false,
            mcast_group4: None,
            mcast_group6: None,
            startup_delay: Duration::ZERO,
            startup_script: None,
            startup_script_timeout: None,
            shutdown_script: None,
            shutdown_script_timeout: None,
            dynamic_interfaces: false,
            vmac_prefix: None,
            link_delays: Vec::new(),
        }
    }

    fn apply(&mut self, key: Key, args: &[&str], at: Loc) -> Applied {
        let name = key.name();
        match key {
            Key::RouterId => self.router_id = Some(one(name, args)?.to_string()),
            Key::VrrpVersion => self.vrrp_version = Some(lex::version(name, args)?),
            Key::ScriptUser => self.script_user = Some(lex::run_as(name, args)?),
            Key::EnableScriptSecurity => self.script_security = flag(name, args)?,
            Key::VrrpRtPriority => self.rt_priority = Some(number(name, args, 0, 99)? as u8),
            Key::VrrpRlimitRttime | Key::VrrpRlimitRtime => {
                self.rlimit_rttime_us = number(name, args, 1_000, 60_000_000)?;
            }
            Key::MaxAutoPriority => {
                // Bare: the highest SCHED_RR priority.
                self.max_auto_priority = Some(match args {
                    [] => 99,
                    ["-1"] => -1,
                    _ => number(name, args, 0, 99)? as i8,
                });
            }
            Key::VrrpGarpMasterDelay => self.garp_master_delay = Some(whole_secs(name, args)?),
            Key::VrrpGarpMasterRefresh => {
                self.garp_master_refresh =
                    Some(Duration::from_secs(number(name, args, 0, 86_400)?));
            }
            Key::VrrpGarpMasterRepeat | Key::VrrpGarpMasterRefreshRepeat => {
                let (n, warning) = repeat(name, args)?;
                if key == Key::VrrpGarpMasterRepeat {
                    self.garp_master_repeat = Some(n);
                } else {
                    self.garp_master_refresh_repeat = Some(n);
                }
                return Ok(warning);
            }
            Key::VrrpGarpInterval => self.garp_interval = Some(burst_interval(name, args)?),
            Key::VrrpGnaInterval => self.gna_interval = Some(burst_interval(name, args)?),
            Key::VrrpGarpLowerPrioDelay => {
                self.garp_lower_prio_delay = Some(whole_secs(name, args)?);
            }
            Key::VrrpGarpLowerPrioRepeat => {
                self.garp_lower_prio_repeat = Some(number(name, args, 0, 255)? as u8);
            }
            Key::VrrpLowerPrioNoAdvert => self.lower_prio_no_advert = flag(name, args)?,
            Key::VrrpHigherPrioSendAdvert => self.higher_prio_send_advert = flag(name, args)?,
            Key::VrrpMinGarp => self.min_garp = flag(name, args)?,
            Key::VrrpSkipCheckAdvAddr => self.skip_check_adv_addr = flag(name, args)?,
            Key::VrrpStrict => self.strict = flag(name, args)?,
            // tinyvrrpd always listens to configured unicast peers only.
            Key::VrrpCheckUnicastSrc => {
                flag(name, args)?;
            }
            Key::VrrpMcastGroup4 | Key::VrrpMcastGroup6 => {
                let v6 = key == Key::VrrpMcastGroup6;
                let a = lex::address(name, one(name, args)?)?;
                if a.is_ipv6() != v6 || !a.is_multicast() {
                    let fam = if v6 { "IPv6" } else { "IPv4" };
                    return Err(format!(
                        "expected an {fam} multicast address for {name}, found \"{a}\""
                    ));
                }
                if v6 {
                    self.mcast_group6 = Some(a);
                    if !is_link_local_multicast(a) {
                        // keepalived's words.
                        return Ok(Some(format!(
                            "vrrp_mcast_group6 [{a}] should be link-local multicast."
                        )));
                    }
                } else {
                    self.mcast_group4 = Some(a);
                }
            }
            Key::VrrpStartupDelay => {
                let ms = seconds(name, args, 3, 0, 3_600_000, "0-3600")?;
                self.startup_delay = Duration::from_millis(ms);
            }
            Key::StartupScript | Key::ShutdownScript => {
                let c = lex::notify(name, args)?;
                let slot = if key == Key::StartupScript {
                    &mut self.startup_script
                } else {
                    &mut self.shutdown_script
                };
                if slot.is_some() {
                    let kind = &name[..name.len() - "_script".len()];
                    return Ok(Some(format!("{kind} script already specified")));
                }
                *slot = Some(c);
            }
            Key::StartupScriptTimeout => {
                self.startup_script_timeout =
                    Some(Duration::from_secs(number(name, args, 1, 1000)?));
            }
            Key::ShutdownScriptTimeout => {
                self.shutdown_script_timeout =
                    Some(Duration::from_secs(number(name, args, 1, 1000)?));
            }
            Key::DynamicInterfaces => match args {
                // allow_if_changes: an interface re-created with a new index is followed,
                // which tinyvrrpd always does.
                [] | ["allow_if_changes"] => self.dynamic_interfaces = true,
                [o, ..] => return Err(format!("Unknown dynamic_interfaces option '{o}'")),
            },
            Key::VmacPrefix => {
                let p = one(name, args)?;
                // The name is PREFIX.VRID (or PREFIX6.VRID for IPv6): it must fit IFNAMSIZ.
                if p.len() > 10 || p.contains(['/', ':', '.']) {
                    return Err(format!(
                        "expected 1-10 characters without '/', ':' or '.' for vmac_prefix, found \"{p}\""
                    ));
                }
                self.vmac_prefix = Some(p.to_string());
            }
            Key::StaticIpaddress | Key::StaticRoutes | Key::StaticRules => {
                return Err(format!(
                    "{name} entries are not supported by tinyvrrpd yet (routes and rules that follow the VIP); an empty {name} {{ }} is fine"
                ));
            }
            Key::InterfaceUpDownDelays => {
                let (iface, rest) = args.split_first().ok_or("expected IF DOWN [UP]")?;
                let delay = |s: &str| match fixed_point(s, 6) {
                    Some(us) if us <= 255_000_000 => Ok(Duration::from_micros(us)),
                    _ => Err(format!(
                        "expected seconds 0-255 for the delays of {iface}, found \"{s}\""
                    )),
                };
                // keepalived 2.2.7 sets a missing UP delay to 0 (its man page says: to DOWN).
                let (down, up) = match rest {
                    [d] => (delay(d)?, Duration::ZERO),
                    [d, u] => (delay(d)?, delay(u)?),
                    _ => return Err(format!("expected IF DOWN [UP] in {name}")),
                };
                self.link_delays.push(LinkDelay {
                    interface: ifname(name, iface)?,
                    down,
                    up,
                    line: at.line,
                });
            }
            _ => unreachable!("{name} is not a global keyword"),
        }
        Ok(None)
    }
}

fn is_link_local_multicast(a: IpAddr) -> bool {
    matches!(a, IpAddr::V6(v6) if v6.segments()[0] & 0xff0f == 0xff02)
}

/// Whole seconds 0-1000 (keepalived's GARP delays take no fractions).
fn whole_secs(name: &str, args: &[&str]) -> Result<Duration, String> {
    Ok(Duration::from_secs(number(name, args, 0, 1000)?))
}

/// A GARP repeat count: keepalived takes 0 (before v2.0.7 it meant 1) and sets 1.
fn repeat(name: &str, args: &[&str]) -> Result<(u8, Option<String>), String> {
    match number(name, args, 0, 255)? {
        0 => Ok((
            1,
            Some(format!("{name} must be greater than 0, setting to 1")),
        )),
        n => Ok((n as u8, None)),
    }
}

/// garp_interval / gna_interval: spacing within a burst, microseconds, at most 1 s.
fn burst_interval(name: &str, args: &[&str]) -> Result<Duration, String> {
    Ok(Duration::from_micros(seconds(
        name, args, 6, 0, 1_000_000, "0-1",
    )?))
}

/// An instance while its keywords arrive: the model plus what validation needs to know
/// about where and whether each setting was written.
pub(crate) struct Draft {
    pub(crate) inst: Instance,
    pub(crate) at: Loc,
    /// Reading order of sections (includes make `Loc` order differ from it).
    pub(crate) order: u32,
    /// Location of the last occurrence of each keyword (NONE = never seen, even if it
    /// failed to parse: validation then stays quiet instead of piling up errors).
    pub(crate) seen: [Loc; Key::COUNT],
    /// `use_vmac` as written: Some(None) = the default name, decided once the VRID is known.
    pub(crate) vmac: Option<Option<String>>,
    /// `version` as written; None falls back to the global `vrrp_version`.
    pub(crate) version: Option<Version>,
    /// `advert_int` in µs as written; rounded for the version in `validate`.
    pub(crate) advert_us: Option<u64>,
    pub(crate) auth_type: bool,
    pub(crate) strict: Option<bool>,
    pub(crate) accept: Option<bool>,
    pub(crate) skip_check_adv_addr: Option<bool>,
    pub(crate) lower_prio_no_advert: Option<bool>,
    pub(crate) higher_prio_send_advert: Option<bool>,
    pub(crate) garp_lower_prio_delay: Option<Duration>,
    pub(crate) garp_lower_prio_repeat: Option<u8>,
    /// Any keyword that makes keepalived think "unicast" (then no peer is a warning).
    pub(crate) unicast_configured: bool,
    pub(crate) fault_no_peer: bool,
    pub(crate) no_vips_ok: bool,
    pub(crate) mcast_dst: Option<IpAddr>,
    pub(crate) vip_lines: Vec<Loc>,
    pub(crate) peer_lines: Vec<Loc>,
}

impl Draft {
    fn new(name: &str, at: Loc, order: u32) -> Draft {
        Draft {
            inst: Instance::with_defaults(name, at.line),
            at,
            order,
            seen: [Loc::NONE; Key::COUNT],
            vmac: None,
            version: None,
            advert_us: None,
            auth_type: false,
            strict: None,
            accept: None,
            skip_check_adv_addr: None,
            lower_prio_no_advert: None,
            higher_prio_send_advert: None,
            garp_lower_prio_delay: None,
            garp_lower_prio_repeat: None,
            unicast_configured: false,
            fault_no_peer: false,
            no_vips_ok: false,
            mcast_dst: None,
            vip_lines: Vec::new(),
            peer_lines: Vec::new(),
        }
    }

    pub(crate) fn seen(&self, key: Key) -> Loc {
        self.seen[key as usize]
    }

    /// Where `key` was written, or the instance's own line.
    pub(crate) fn at(&self, key: Key) -> Loc {
        match self.seen(key) {
            l if l.is_set() => l,
            _ => self.at,
        }
    }

    /// The shared keyword applier: every instance setting of both formats passes here.
    fn apply(&mut self, key: Key, args: &[&str], at: Loc) -> Applied {
        self.seen[key as usize] = at;
        let name = key.name();
        let iname = self.inst.name.clone();
        let inst = &mut self.inst;
        match key {
            Key::State => match one(name, args)? {
                "MASTER" => inst.initial_state = InitialState::Master,
                "BACKUP" if inst.initial_state == InitialState::Master => {
                    return Ok(Some(format!(
                        "({iname}) state previously set as MASTER - ignoring BACKUP"
                    )));
                }
                "BACKUP" => inst.initial_state = InitialState::Backup,
                s => {
                    // keepalived compares case-sensitively and reads anything else as
                    // BACKUP: "master" would quietly not be a Master.
                    return Err(format!(
                        "expected MASTER or BACKUP (upper case) for state, found \"{s}\""
                    ));
                }
            },
            Key::Interface => inst.interface = ifname(name, one(name, args)?)?,
            Key::VirtualRouterId => inst.vrid = number(name, args, 1, 255)? as u8,
            Key::Priority => inst.priority = number(name, args, 1, 255)? as u8,
            Key::AdvertInt => {
                // µs as keepalived reads it; rounded for the version by `validate`.
                self.advert_us = Some(seconds(name, args, 6, 10_000, 255_000_000, "0.01-255")?);
            }
            Key::Version => self.version = Some(lex::version(name, args)?),
            Key::Nopreempt => inst.preempt = !flag(name, args)?,
            Key::Preempt => inst.preempt = flag(name, args)?,
            Key::PreemptDelay => {
                let ms = seconds(name, args, 3, 0, 1_000_000, "0-1000")?;
                inst.preempt_delay = Duration::from_millis(ms);
            }
            Key::UnicastSrcIp | Key::McastSrcIp => {
                self.unicast_configured |= key == Key::UnicastSrcIp;
                let (a, prefix) = host_address(name, one(name, args)?)?;
                inst.unicast_src = Some(a);
                return Ok(prefix.then(|| prefix_note(name, a)));
            }
            Key::UnicastPeer => {
                self.unicast_configured = true;
                return self.peer(args, at);
            }
            Key::AuthType => {
                match one(name, args)? {
                    "PASS" => self.auth_type = true,
                    "AH" => {
                        return Err("auth_type AH is not supported by tinyvrrpd yet (IPsec AH authentication)".into());
                    }
                    s => return Err(format!("expected PASS for auth_type, found \"{s}\"")),
                }
            }
            Key::AuthPass => {
                let s = one(name, args)?;
                if s.is_empty() {
                    return Err("expected 1-8 characters for auth_pass, found \"\"".into());
                }
                // The wire field is NUL-padded, so "\0" would be an empty password, and
                // keepalived (C strings) would stop reading at the NUL: refuse it.
                if s.contains('\0') {
                    return Err("auth_pass contains a NUL character".into());
                }
                let mut pass = [0u8; 8];
                let n = s.len().min(8);
                pass[..n].copy_from_slice(&s.as_bytes()[..n]);
                inst.auth_pass = Some(pass);
                // The v2 header carries 8 bytes; keepalived sends the first 8.
                if s.len() > 8 {
                    return Ok(Some("Truncating auth_pass to 8 characters".into()));
                }
            }
            Key::VirtualIpaddress | Key::VirtualIpaddressExcluded => {
                let (mut vip, mut opts) = lex::vip(name, args)?;
                // keepalived's words: the kernel has neither for IPv6.
                let mut ignored = Vec::new();
                if vip.addr.is_ipv6() {
                    if vip.label.take().is_some() {
                        ignored.push("label");
                    }
                    if opts.scope.take().is_some() {
                        ignored.push("scope");
                    }
                }
                self.push_vip(key, vip, opts, at);
                let what: Vec<String> = ignored
                    .iter()
                    .map(|w| {
                        format!(
                            "Cannot specify {w} for IPv6 addresses ({}) - ignoring {w}",
                            args[0]
                        )
                    })
                    .collect();
                return Ok((!what.is_empty()).then(|| what.join("; ")));
            }
            Key::NoVirtualIpaddress => self.no_vips_ok = flag(name, args)?,
            Key::GarpMasterDelay => inst.garp_master_delay = whole_secs(name, args)?,
            Key::GarpMasterRepeat | Key::GarpMasterRefreshRepeat => {
                let (n, warning) = repeat(name, args)?;
                if key == Key::GarpMasterRepeat {
                    inst.garp_master_repeat = n;
                } else {
                    inst.garp_master_refresh_repeat = n;
                }
                return Ok(warning.map(|w| format!("({iname}): {w}")));
            }
            Key::GarpMasterRefresh => {
                inst.garp_master_refresh = Duration::from_secs(number(name, args, 0, 86_400)?);
            }
            Key::GarpInterval => inst.garp_interval = burst_interval(name, args)?,
            Key::GnaInterval => inst.gna_interval = burst_interval(name, args)?,
            Key::GarpLowerPrioDelay => self.garp_lower_prio_delay = Some(whole_secs(name, args)?),
            Key::GarpLowerPrioRepeat => {
                self.garp_lower_prio_repeat = Some(number(name, args, 0, 255)? as u8);
            }
            Key::LowerPrioNoAdvert => self.lower_prio_no_advert = Some(flag(name, args)?),
            Key::HigherPrioSendAdvert => self.higher_prio_send_advert = Some(flag(name, args)?),
            Key::TrackInterface | Key::TrackScript => {
                let mut t = lex::tracked(name, args, at.line)?;
                let list = if key == Key::TrackInterface {
                    &mut inst.track_interfaces
                } else {
                    &mut inst.track_scripts
                };
                if list.iter().any(|e| e.name == t.name) {
                    return Ok(Some(format!(
                        "({iname}) duplicate {name} {} - ignoring",
                        t.name
                    )));
                }
                let warning = clamp_weight(&iname, &mut t);
                list.push(t);
                return Ok(warning);
            }
            Key::NotifyMaster
            | Key::NotifyBackup
            | Key::NotifyFault
            | Key::NotifyStop
            | Key::Notify => {
                let c = lex::notify(name, args)?;
                let n = &mut inst.notify;
                let slot = match key {
                    Key::NotifyMaster => &mut n.master,
                    Key::NotifyBackup => &mut n.backup,
                    Key::NotifyFault => &mut n.fault,
                    Key::NotifyStop => &mut n.stop,
                    _ => &mut n.any,
                };
                // keepalived keeps the first and says so.
                if slot.is_some() {
                    let what = if key == Key::Notify { "notify" } else { name };
                    return Ok(Some(format!(
                        "({iname}) {what} script already specified - ignoring {}",
                        args[0]
                    )));
                }
                *slot = Some(c);
            }
            Key::UseVmac => {
                // keepalived: bare, or with the interface name; key=value: yes/no or a name.
                self.vmac = match args {
                    [] => Some(None),
                    [v] => match boolean(v) {
                        Some(true) => Some(None),
                        Some(false) => None,
                        None if v.contains(':') => {
                            return Err("use_vmac with a MAC address is not supported by tinyvrrpd (the MAC is the RFC's)".into());
                        }
                        None => Some(Some(ifname(name, v)?)),
                    },
                    _ => return Err("expected at most one name for use_vmac".into()),
                };
            }
            Key::VmacXmitBase => inst.vmac_xmit_base = flag(name, args)?,
            Key::Accept => self.accept = Some(flag(name, args)?),
            Key::NoAccept => self.accept = Some(!flag(name, args)?),
            Key::StrictMode => self.strict = Some(flag(name, args)?),
            Key::SkipCheckAdvAddr => self.skip_check_adv_addr = Some(flag(name, args)?),
            // tinyvrrpd always listens to configured unicast peers only.
            Key::CheckUnicastSrc => {
                flag(name, args)?;
                self.unicast_configured = true;
            }
            Key::DontTrackPrimary => inst.dont_track_primary = flag(name, args)?,
            Key::McastDstIp => {
                let a = lex::address(name, one(name, args)?)?;
                let ok = match a {
                    IpAddr::V4(v4) => v4.is_multicast(),
                    v6 => is_link_local_multicast(v6),
                };
                if !ok {
                    return Err(format!(
                        "expected an IPv4 or link-local IPv6 multicast address for {name}, found \"{a}\""
                    ));
                }
                self.mcast_dst = Some(a);
            }
            Key::UnicastTtl => inst.unicast_ttl = Some(number(name, args, 0, 255)? as u8),
            Key::UnicastFaultNoPeer => {
                self.fault_no_peer = flag(name, args)?;
                self.unicast_configured = true;
            }
            _ => unreachable!("{name} is not an instance keyword"),
        }
        Ok(None)
    }

    fn push_vip(&mut self, key: Key, vip: super::model::Vip, opts: AddrOptions, at: Loc) {
        if key == Key::VirtualIpaddress {
            self.inst.vips.push(vip);
            self.inst.vip_options.push(opts);
            self.vip_lines.push(at);
        } else {
            self.inst.vips_excluded.push((vip, opts));
        }
    }

    /// `ADDR[/PLEN] [min_ttl N] [max_ttl M]`.
    fn peer(&mut self, args: &[&str], at: Loc) -> Applied {
        let name = "unicast_peer";
        let (first, opts) = args
            .split_first()
            .ok_or("expected an address for unicast_peer")?;
        let (a, prefix) = host_address(name, first)?;
        let inst = &mut self.inst;
        if inst.unicast_peers.contains(&a) {
            return Err(format!("unicast_peer {a} is listed twice"));
        }
        let (mut min, mut max, mut ttl) = (0, 255, false);
        let mut rest = opts;
        while let [o, tail @ ..] = rest {
            let Some((v, tail)) = tail.split_first() else {
                return Err(format!("expected a value after '{o}' in unicast_peer"));
            };
            let slot = match *o {
                "min_ttl" => &mut min,
                "max_ttl" => &mut max,
                o => {
                    return Err(format!(
                        "unknown unicast_peer option '{o}' (min_ttl, max_ttl)"
                    ));
                }
            };
            *slot = number(o, &[v], 0, 255)? as u8;
            ttl = true;
            rest = tail;
        }
        inst.unicast_peers.push(a);
        self.peer_lines.push(at);
        if ttl {
            inst.peer_ttl.push(PeerTtl { addr: a, min, max });
            if min > max {
                let n = &inst.name;
                return Ok(Some(format!(
                    "({n}) min_ttl {min} > max_ttl {max} - all packets will be discarded"
                )));
            }
        }
        Ok(prefix.then(|| prefix_note(name, a)))
    }
}

/// keepalived reads a host address up to a '/' without a word; tinyvrrpd says it.
fn prefix_note(name: &str, a: IpAddr) -> String {
    format!("{name} {a}: prefix length ignored (an address, not a subnet)")
}

/// keepalived still takes ±254 and makes it ±253, with this warning.
fn clamp_weight(iname: &str, t: &mut Tracked) -> Option<String> {
    let w = t.weight?;
    if i64::from(w).abs() <= WEIGHT_MAX {
        return None;
    }
    t.weight = Some(w.signum() * WEIGHT_MAX as i16);
    Some(format!(
        "({iname}) weight for {} cannot be +/-254. Setting to +/-253",
        t.name
    ))
}

/// A sync group while its keywords arrive.
pub(crate) struct GroupDraft {
    pub(crate) group: SyncGroup,
    pub(crate) at: Loc,
    /// Where each member was named.
    pub(crate) member_lines: Vec<Loc>,
}

/// Collects globals, sections and diagnostics from a front-end, then validates.
pub(crate) struct Builder {
    /// File names by `Loc::file`: the main file first, then included ones.
    pub(crate) files: Vec<String>,
    pub(crate) globals: Globals,
    place: Place,
    pub(crate) drafts: Vec<Draft>,
    /// Each with where and in which reading order it started.
    pub(crate) scripts: Vec<(ScriptDraft, Loc, u32)>,
    pub(crate) groups: Vec<GroupDraft>,
    diagnostics: Vec<(Loc, Severity, String)>,
    sections: u32,
}

impl Builder {
    pub(crate) fn new(file: &str) -> Self {
        Builder {
            files: vec![file.to_string()],
            globals: Globals::new(),
            place: Place::Top,
            drafts: Vec::new(),
            scripts: Vec::new(),
            groups: Vec::new(),
            diagnostics: Vec::new(),
            sections: 0,
        }
    }

    /// Registers an included file; its locations use the returned index.
    pub(crate) fn file(&mut self, name: &str) -> u16 {
        self.files.push(name.to_string());
        (self.files.len() - 1) as u16
    }

    pub(crate) fn error(&mut self, at: Loc, message: String) {
        self.diagnostics.push((at, Severity::Error, message));
    }

    pub(crate) fn warn(&mut self, at: Loc, message: String) {
        self.diagnostics.push((at, Severity::Warning, message));
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.1 == Severity::Error)
    }

    /// The place whose keywords arrive now.
    pub(crate) fn place(&self) -> Place {
        self.place
    }

    /// Whether any section (instance, script, group) has started: globals must come
    /// first in the key=value format.
    pub(crate) fn has_section(&self) -> bool {
        !self.drafts.is_empty() || !self.scripts.is_empty() || !self.groups.is_empty()
    }

    /// The kind and name of the section being filled, for "does not belong here" errors.
    pub(crate) fn section_name(&self) -> String {
        match self.place {
            Place::Instance => format!(
                "instance {}",
                self.drafts.last().map_or("", |d| d.inst.name.as_str())
            ),
            Place::Script => format!(
                "vrrp_script {}",
                self.scripts.last().map_or("", |d| d.0.name.as_str())
            ),
            Place::Group => format!(
                "vrrp_sync_group {}",
                self.groups.last().map_or("", |g| g.group.name.as_str())
            ),
            Place::Global => "global_defs".into(),
            Place::Top => "the global section".into(),
        }
    }

    /// Starts a section: `global_defs` (no name), an instance, a script or a sync group.
    pub(crate) fn begin(&mut self, place: Place, name: &str, at: Loc) {
        self.place = place;
        self.sections += 1;
        let order = self.sections;
        match place {
            Place::Instance => self.drafts.push(Draft::new(name, at, order)),
            Place::Script => self
                .scripts
                .push((ScriptDraft::new(name, at.line), at, order)),
            Place::Group => self.groups.push(GroupDraft {
                group: SyncGroup {
                    name: name.to_string(),
                    line: at.line,
                    members: Vec::new(),
                    tracking_weight: false,
                },
                at,
                member_lines: Vec::new(),
            }),
            Place::Global | Place::Top => {}
        }
    }

    /// Back to the top level (a keepalived.conf block ended).
    pub(crate) fn end(&mut self) {
        self.place = Place::Top;
    }

    /// Applies an implemented keyword of the current place (`key.place()` is the front
    /// end's promise) and records its error or warning.
    pub(crate) fn apply(&mut self, key: Key, args: &[&str], at: Loc) {
        let result = match key.place() {
            Place::Top | Place::Global => self.globals.apply(key, args, at),
            Place::Instance => match self.drafts.last_mut() {
                Some(d) => d.apply(key, args, at),
                None => Err(format!(
                    "'{}' must follow the start of an instance",
                    key.name()
                )),
            },
            Place::Script => match self.scripts.last_mut() {
                Some((d, _, _)) => d.apply(key, args, at.line),
                None => Err(format!(
                    "'{}' must follow the start of a vrrp_script",
                    key.name()
                )),
            },
            Place::Group => self.group_keyword(key, args, at),
        };
        match result {
            Ok(None) => {}
            Ok(Some(w)) => self.warn(at, w),
            Err(e) => self.error(at, e),
        }
    }

    fn group_keyword(&mut self, key: Key, args: &[&str], at: Loc) -> Applied {
        let Some(g) = self.groups.last_mut() else {
            return Err(format!(
                "'{}' must follow the start of a vrrp_sync_group",
                key.name()
            ));
        };
        match key {
            Key::Group => {
                let mut dup = None;
                for n in args {
                    if g.group.members.iter().any(|m| m == n) {
                        dup = Some(n.to_string());
                    } else {
                        g.group.members.push(n.to_string());
                        g.member_lines.push(at);
                    }
                }
                if let Some(n) = dup {
                    return Err(format!("instance {n} is listed twice in the group"));
                }
            }
            Key::SyncGroupTrackingWeight => g.group.tracking_weight = flag(key.name(), args)?,
            Key::GlobalTracking => {
                g.group.tracking_weight = flag(key.name(), args)?;
                // keepalived's words.
                return Ok(Some(format!(
                    "({}) global_tracking is deprecated. Use track_interface/script/file on the sync group",
                    g.group.name
                )));
            }
            _ => unreachable!(),
        }
        Ok(None)
    }

    /// Validates everything (see `validate.rs`) and turns the drafts into the model;
    /// every diagnostic, both severities, in file and line order.
    pub(crate) fn finish(mut self) -> Result<Config, Vec<ConfigError>> {
        let checked = validate::finish(&mut self);
        let mut diags = core::mem::take(&mut self.diagnostics);
        diags.sort_by_key(|d| d.0);
        let files = self.files;
        let diags: Vec<ConfigError> = diags
            .into_iter()
            .map(|(at, severity, message)| ConfigError {
                file: files[usize::from(at.file)].clone(),
                line: at.line,
                severity,
                message,
            })
            .collect();
        match checked {
            Some(mut c) if !diags.iter().any(ConfigError::is_error) => {
                c.warnings = diags;
                Ok(c)
            }
            _ => Err(diags),
        }
    }
}
