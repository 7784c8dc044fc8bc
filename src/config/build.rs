//! The one place where configuration keywords get their meaning. Both front-ends
//! (key=value and keepalived.conf) feed `(keyword, args, line)` into a [`Builder`], so each
//! keyword is parsed, range-checked and worded in exactly one place; `finish` then
//! cross-checks the instances and turns them into the validated [`Config`].
//!
//! Numbers with fractions ("0.1", "2.5") are parsed as decimal text into integer units,
//! never through floats: 0.1 s must become exactly 10 cs.

use super::error::ConfigError;
use super::model::{Config, InitialState, Instance, RunAs, SyncGroup, Vip};
use super::track::{self, SCRIPT_KEYS, ScriptDraft};
use crate::vrrp::timers::Centis;
use crate::wire::Version;
use core::time::Duration;
use std::net::IpAddr;

/// Instance keywords, named as keepalived names them. The index is the slot in
/// `Draft::seen`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    State,
    Interface,
    VirtualRouterId,
    Priority,
    AdvertInt,
    Version,
    Nopreempt,
    PreemptDelay,
    UnicastSrcIp,
    UnicastPeer,
    AuthType,
    AuthPass,
    VirtualIpaddress,
    GarpMasterDelay,
    GarpMasterRepeat,
    TrackInterface,
    TrackScript,
    NotifyMaster,
    NotifyBackup,
    NotifyFault,
    NotifyStop,
    Notify,
    UseVmac,
    VmacXmitBase,
    GarpMasterRefresh,
    GarpMasterRefreshRepeat,
    GarpInterval,
    GnaInterval,
    Accept,
    NoAccept,
}

const INSTANCE_KEYS: [(&str, Key); 30] = [
    ("state", Key::State),
    ("interface", Key::Interface),
    ("virtual_router_id", Key::VirtualRouterId),
    ("priority", Key::Priority),
    ("advert_int", Key::AdvertInt),
    ("version", Key::Version),
    ("nopreempt", Key::Nopreempt),
    ("preempt_delay", Key::PreemptDelay),
    ("unicast_src_ip", Key::UnicastSrcIp),
    ("unicast_peer", Key::UnicastPeer),
    ("auth_type", Key::AuthType),
    ("auth_pass", Key::AuthPass),
    ("virtual_ipaddress", Key::VirtualIpaddress),
    ("garp_master_delay", Key::GarpMasterDelay),
    ("garp_master_repeat", Key::GarpMasterRepeat),
    ("track_interface", Key::TrackInterface),
    ("track_script", Key::TrackScript),
    ("notify_master", Key::NotifyMaster),
    ("notify_backup", Key::NotifyBackup),
    ("notify_fault", Key::NotifyFault),
    ("notify_stop", Key::NotifyStop),
    ("notify", Key::Notify),
    ("use_vmac", Key::UseVmac),
    ("vmac_xmit_base", Key::VmacXmitBase),
    ("garp_master_refresh", Key::GarpMasterRefresh),
    ("garp_master_refresh_repeat", Key::GarpMasterRefreshRepeat),
    ("garp_interval", Key::GarpInterval),
    ("gna_interval", Key::GnaInterval),
    ("accept", Key::Accept),
    ("no_accept", Key::NoAccept),
];

/// keepalived keywords we know but do not implement. They are named in errors so a user
/// learns it is a gap, not a typo; they are never ignored silently (an ignored
/// `track_script` would mean a failover that never happens).
const NOT_YET: &[&str] = &[
    "vrrp_track_process",
    "track_group",
    "track_process",
    "track_file",
    "track_bfd",
    "notify_deleted",
    "notify_master_rx_lower_pri",
    "notify_priority_changes",
    "smtp_alert",
    "use_ipvlan",
    "virtual_ipaddress_excluded",
    "virtual_routes",
    "virtual_rules",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "include",
    "preempt",
    "mcast_src_ip",
    "mcast_dst_ip",
    "dont_track_primary",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "unicast_ttl",
    "strict_mode",
    "skip_check_adv_addr",
    "native_ipv6",
    "linkbeat_use_polling",
    "promote_secondaries",
    "debug",
];

pub(crate) fn is_instance_key(key: &str) -> bool {
    INSTANCE_KEYS.iter().any(|(k, _)| *k == key)
}

pub(crate) const GLOBAL_KEYS: [&str; 6] = [
    "router_id",
    "vrrp_version",
    "script_user",
    "enable_script_security",
    "vrrp_rt_priority",
    "vrrp_rlimit_rttime",
];

pub(crate) fn is_global_key(key: &str) -> bool {
    GLOBAL_KEYS.contains(&key)
}

pub(crate) fn is_script_key(key: &str) -> bool {
    SCRIPT_KEYS.contains(&key)
}

/// The error for a keyword nobody handles; `noun` is "key" or "keyword" after the format.
pub(crate) fn unknown(noun: &str, key: &str) -> String {
    if NOT_YET.contains(&key) {
        format!("'{key}' is not supported by tinyvrrpd yet")
    } else {
        format!("unknown {noun} '{key}'")
    }
}

/// An instance while its keywords arrive: the model plus what validation needs to know
/// about where each setting came from.
struct Draft {
    inst: Instance,
    /// `use_vmac` as written: Some(None) = the default name, decided once the VRID is known.
    vmac: Option<Option<String>>,
    /// `version` as written; None falls back to the global `vrrp_version`.
    version: Option<Version>,
    auth_type: bool,
    /// Line of the last occurrence of each keyword (0 = never seen, even if it failed to
    /// parse: validation then stays quiet instead of piling a second error on the first).
    seen: [u32; INSTANCE_KEYS.len()],
    vip_lines: Vec<u32>,
}

impl Draft {
    fn seen(&self, key: Key) -> u32 {
        self.seen[key as usize]
    }

    /// The shared keyword applier: every instance setting of both formats passes here.
    fn apply(&mut self, key: Key, name: &str, args: &[&str], line: u32) -> Result<(), String> {
        self.seen[key as usize] = line;
        let inst = &mut self.inst;
        match key {
            Key::State => {
                let s = one(name, args)?;
                inst.initial_state = if s.eq_ignore_ascii_case("MASTER") {
                    InitialState::Master
                } else if s.eq_ignore_ascii_case("BACKUP") {
                    InitialState::Backup
                } else {
                    return Err(format!(
                        "expected MASTER or BACKUP for state, found \"{s}\""
                    ));
                };
            }
            Key::Interface => {
                let s = one(name, args)?;
                // IFNAMSIZ is 16 including the terminating NUL.
                if s.len() > 15 {
                    return Err(format!(
                        "interface name \"{s}\" is longer than 15 characters"
                    ));
                }
                inst.interface = s.to_string();
            }
            Key::VirtualRouterId => inst.vrid = number(name, args, 1, 255)? as u8,
            Key::Priority => inst.priority = number(name, args, 1, 255)? as u8,
            Key::AdvertInt => {
                // Up to 255 s so VRRPv2 fits; the per-version range is checked in `finish`
                // because `version` may come after `advert_int`.
                inst.advert_interval =
                    Centis(seconds(name, args, 2, 1, 25_500, "0.01-255")? as u16);
            }
            Key::Version => self.version = Some(version(name, args)?),
            Key::Nopreempt => {
                // keepalived: the bare keyword; key=value: `nopreempt = yes|no`.
                inst.preempt = !match args {
                    [] => true,
                    [v] => boolean(v).ok_or_else(|| {
                        format!(
                            "expected yes, no, true, false, 1 or 0 for nopreempt, found \"{v}\""
                        )
                    })?,
                    _ => {
                        return Err(format!(
                            "expected one value for nopreempt, found \"{}\"",
                            args.join(" ")
                        ));
                    }
                };
            }
            Key::PreemptDelay => {
                let ms = seconds(name, args, 3, 0, 1_000_000, "0-1000")?;
                inst.preempt_delay = Duration::from_millis(ms);
            }
            Key::UnicastSrcIp => inst.unicast_src = Some(address(name, one(name, args)?)?),
            Key::UnicastPeer => {
                if args.is_empty() {
                    return Err("expected an address for unicast_peer".into());
                }
                for a in args {
                    let ip = address(name, a)?;
                    if inst.unicast_peers.contains(&ip) {
                        return Err(format!("unicast_peer {ip} is listed twice"));
                    }
                    inst.unicast_peers.push(ip);
                }
            }
            Key::AuthType => match one(name, args)? {
                s if s.eq_ignore_ascii_case("PASS") => self.auth_type = true,
                s if s.eq_ignore_ascii_case("AH") => {
                    return Err("auth_type AH is not supported by tinyvrrpd".into());
                }
                s => return Err(format!("expected PASS for auth_type, found \"{s}\"")),
            },
            Key::AuthPass => {
                let s = one(name, args)?;
                // keepalived silently truncates to the 8 bytes the v2 header carries; a
                // truncated secret that still "works" hides a typo, so refuse instead.
                if s.len() > 8 {
                    return Err("auth_pass is longer than 8 characters".into());
                }
                if s.is_empty() {
                    return Err("expected 1-8 characters for auth_pass, found \"\"".into());
                }
                // The wire field is NUL-padded, so "\0" would be an empty password, and
                // keepalived (C strings) would stop reading at the NUL: refuse it.
                if s.contains('\0') {
                    return Err("auth_pass contains a NUL character".into());
                }
                let mut pass = [0u8; 8];
                pass[..s.len()].copy_from_slice(s.as_bytes());
                inst.auth_pass = Some(pass);
            }
            Key::VirtualIpaddress => {
                inst.vips.push(vip(args)?);
                self.vip_lines.push(line);
            }
            Key::GarpMasterDelay => {
                inst.garp_master_delay = Duration::from_secs(number(name, args, 0, 1000)?);
            }
            Key::GarpMasterRepeat => inst.garp_master_repeat = number(name, args, 1, 255)? as u8,
            Key::TrackInterface => {
                let t = track::tracked(name, args, line)?;
                if inst.track_interfaces.iter().any(|e| e.name == t.name) {
                    return Err(format!("track_interface {} is listed twice", t.name));
                }
                inst.track_interfaces.push(t);
            }
            Key::TrackScript => {
                let t = track::tracked(name, args, line)?;
                if inst.track_scripts.iter().any(|e| e.name == t.name) {
                    return Err(format!("track_script {} is listed twice", t.name));
                }
                inst.track_scripts.push(t);
            }
            Key::NotifyMaster => inst.notify.master = Some(track::notify(name, args)?),
            Key::NotifyBackup => inst.notify.backup = Some(track::notify(name, args)?),
            Key::NotifyFault => inst.notify.fault = Some(track::notify(name, args)?),
            Key::NotifyStop => inst.notify.stop = Some(track::notify(name, args)?),
            Key::Notify => inst.notify.any = Some(track::notify(name, args)?),
            Key::UseVmac => {
                // keepalived: bare, or with the interface name; key=value: yes/no or a name.
                self.vmac = match args {
                    [] => Some(None),
                    [v] => match boolean(v) {
                        Some(true) => Some(None),
                        Some(false) => None,
                        None if v.len() <= 15 && !v.contains(['/', ' ']) => {
                            Some(Some(v.to_string()))
                        }
                        None => {
                            return Err(format!(
                                "expected an interface name of at most 15 characters for use_vmac, found \"{v}\""
                            ));
                        }
                    },
                    _ => return Err("expected at most one name for use_vmac".into()),
                };
            }
            Key::VmacXmitBase => inst.vmac_xmit_base = flag(name, args)?,
            Key::Accept => inst.accept = flag(name, args)?,
            Key::NoAccept => inst.accept = !flag(name, args)?,
            Key::GarpMasterRefresh => {
                inst.garp_master_refresh = Duration::from_secs(number(name, args, 0, 86_400)?);
            }
            Key::GarpMasterRefreshRepeat => {
                inst.garp_master_refresh_repeat = number(name, args, 1, 255)? as u8;
            }
            Key::GarpInterval | Key::GnaInterval => {
                // keepalived takes fractions; a burst of 255 must fit in a few seconds.
                let ms = seconds(name, args, 3, 0, 1_000, "0-1")?;
                let d = Duration::from_millis(ms);
                if key == Key::GarpInterval {
                    inst.garp_interval = d;
                } else {
                    inst.gna_interval = d;
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn one<'a>(key: &str, args: &[&'a str]) -> Result<&'a str, String> {
    match args {
        [v] => Ok(v),
        [] => Err(format!("expected a value for {key}")),
        _ => Err(format!(
            "expected one value for {key}, found \"{}\"",
            args.join(" ")
        )),
    }
}

pub(crate) fn number(key: &str, args: &[&str], min: u64, max: u64) -> Result<u64, String> {
    let s = one(key, args)?;
    match s.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) && s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "expected a number {min}-{max} for {key}, found \"{s}\""
        )),
    }
}

/// Seconds with an optional fraction, in units of 10^-`scale` s, within `min..=max`.
fn seconds(
    key: &str,
    args: &[&str],
    scale: usize,
    min: u64,
    max: u64,
    range: &str,
) -> Result<u64, String> {
    let s = one(key, args)?;
    match fixed_point(s, scale) {
        Some(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(format!(
            "expected seconds {range} for {key} (at most {scale} decimals), found \"{s}\""
        )),
    }
}

/// "2.5" at scale 2 → 250. Digits beyond `scale` are allowed only if they are zeros,
/// so nothing is ever rounded.
pub(crate) fn fixed_point(s: &str, scale: usize) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
        return None;
    }
    if frac.len() > scale && frac.bytes().skip(scale).any(|b| b != b'0') {
        return None;
    }
    let mut v: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    for i in 0..scale {
        let d = frac.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
        v = v.checked_mul(10)?.checked_add(d)?;
    }
    Some(v)
}

/// `version` and the global `vrrp_version`.
fn version(key: &str, args: &[&str]) -> Result<Version, String> {
    match one(key, args)? {
        "2" => Ok(Version::V2),
        "3" => Ok(Version::V3),
        s => Err(format!("expected 2 or 3 for {key}, found \"{s}\"")),
    }
}

/// keepalived's bare flag keywords; key=value gives them a boolean.
fn flag(key: &str, args: &[&str]) -> Result<bool, String> {
    match args {
        [] => Ok(true),
        [v] => boolean(v).ok_or_else(|| {
            format!("expected yes, no, true, false, 1 or 0 for {key}, found \"{v}\"")
        }),
        _ => Err(format!("expected at most one value for {key}")),
    }
}

pub(crate) fn boolean(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" => Some(true),
        "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

fn address(key: &str, s: &str) -> Result<IpAddr, String> {
    s.parse::<IpAddr>()
        .map_err(|_| format!("expected an IPv4 or IPv6 address for {key}, found \"{s}\""))
}

/// `ADDR[/PLEN] [dev IF] [label L]`.
fn vip(args: &[&str]) -> Result<Vip, String> {
    let Some((first, mut rest)) = args.split_first() else {
        return Err("expected an address for virtual_ipaddress".into());
    };
    let (addr, plen) = match first.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (*first, None),
    };
    let addr = address("virtual_ipaddress", addr)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix_len = match plen {
        None => max,
        Some(p) => match p.parse::<u8>() {
            Ok(n) if n <= max && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(format!(
                    "expected a prefix length 0-{max} in virtual_ipaddress, found \"/{p}\""
                ));
            }
        },
    };

    let mut vip = Vip {
        addr,
        prefix_len,
        dev: None,
        label: None,
    };
    while let [opt, tail @ ..] = rest {
        let slot = match *opt {
            "dev" => &mut vip.dev,
            "label" => &mut vip.label,
            o => {
                return Err(format!(
                    "virtual_ipaddress option '{o}' is not supported by tinyvrrpd (only dev and label)"
                ));
            }
        };
        let Some((value, tail)) = tail.split_first() else {
            return Err(format!(
                "expected a value after '{opt}' in virtual_ipaddress"
            ));
        };
        *slot = Some(value.to_string());
        rest = tail;
    }
    Ok(vip)
}

/// Which block the keywords that arrive now belong to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Top,
    Instance,
    Script,
    Group,
}

/// Collects globals, instances and errors from a front-end, then validates.
pub(crate) struct Builder<'f> {
    file: &'f str,
    router_id: Option<String>,
    vrrp_version: Option<Version>,
    script_user: Option<RunAs>,
    script_security: bool,
    rt_priority: u8,
    rlimit_rttime_us: u64,
    section: Section,
    drafts: Vec<Draft>,
    scripts: Vec<ScriptDraft>,
    groups: Vec<SyncGroup>,
    errors: Vec<ConfigError>,
}

impl<'f> Builder<'f> {
    pub(crate) fn new(file: &'f str) -> Self {
        Builder {
            file,
            router_id: None,
            vrrp_version: None,
            script_user: None,
            script_security: false,
            rt_priority: super::model::DEFAULT_RT_PRIORITY,
            rlimit_rttime_us: super::model::DEFAULT_RLIMIT_RTTIME_US,
            section: Section::Top,
            drafts: Vec::new(),
            scripts: Vec::new(),
            groups: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, line: u32, message: String) {
        self.errors.push(ConfigError {
            file: self.file.to_string(),
            line,
            message,
        });
    }

    /// Whether any block (instance, script, group) has started: globals must come first
    /// in the key=value format.
    pub(crate) fn has_section(&self) -> bool {
        self.section != Section::Top
    }

    pub(crate) fn in_instance(&self) -> bool {
        self.section == Section::Instance
    }

    pub(crate) fn in_script(&self) -> bool {
        self.section == Section::Script
    }

    /// The kind and name of the block being filled, for "does not belong here" errors.
    pub(crate) fn section_name(&self) -> String {
        match self.section {
            Section::Top => "the global section".into(),
            Section::Instance => format!(
                "instance {}",
                self.drafts.last().map_or("", |d| d.inst.name.as_str())
            ),
            Section::Script => format!(
                "vrrp_script {}",
                self.scripts.last().map_or("", |d| d.name.as_str())
            ),
            Section::Group => format!(
                "vrrp_sync_group {}",
                self.groups.last().map_or("", |g| g.name.as_str())
            ),
        }
    }

    /// `router_id`, `vrrp_version`, `script_user` and `enable_script_security`.
    pub(crate) fn global(&mut self, key: &str, args: &[&str], line: u32) {
        let result = match key {
            "router_id" => one(key, args).map(|s| self.router_id = Some(s.to_string())),
            "vrrp_version" => version(key, args).map(|v| self.vrrp_version = Some(v)),
            "script_user" => track::run_as(key, args).map(|u| self.script_user = Some(u)),
            "enable_script_security" => match args {
                [] => {
                    self.script_security = true;
                    Ok(())
                }
                [v] => boolean(v)
                    .map(|b| self.script_security = b)
                    .ok_or_else(|| format!("expected yes or no for {key}, found \"{v}\"")),
                _ => Err(format!("expected at most one value for {key}")),
            },
            "vrrp_rt_priority" => number(key, args, 0, 99).map(|n| self.rt_priority = n as u8),
            "vrrp_rlimit_rttime" => {
                number(key, args, 1_000, 60_000_000).map(|n| self.rlimit_rttime_us = n)
            }
            _ => Err(unknown("keyword", key)),
        };
        if let Err(message) = result {
            self.error(line, message);
        }
    }

    /// Starts a new instance; the following `set` calls apply to it.
    pub(crate) fn instance(&mut self, name: &str, line: u32) {
        self.section = Section::Instance;
        self.drafts.push(Draft {
            inst: Instance::with_defaults(name, line),
            version: None,
            vmac: None,
            auth_type: false,
            seen: [0; INSTANCE_KEYS.len()],
            vip_lines: Vec::new(),
        });
    }

    /// Starts a `vrrp_script`; the following `set_script` calls apply to it.
    pub(crate) fn script(&mut self, name: &str, line: u32) {
        self.section = Section::Script;
        self.scripts.push(ScriptDraft::new(name, line));
    }

    /// Starts a `vrrp_sync_group`; `group_members` fills it.
    pub(crate) fn group(&mut self, name: &str, line: u32) {
        self.section = Section::Group;
        self.groups.push(SyncGroup {
            name: name.to_string(),
            line,
            members: Vec::new(),
        });
    }

    /// The instance names of the current sync group's `group`.
    pub(crate) fn group_members(&mut self, names: &[&str], line: u32) {
        let Some(g) = self
            .groups
            .last_mut()
            .filter(|_| self.section == Section::Group)
        else {
            self.error(
                line,
                "'group' must follow the start of a vrrp_sync_group".into(),
            );
            return;
        };
        let mut dup = None;
        for n in names {
            if g.members.iter().any(|m| m == n) {
                dup = Some(n.to_string());
            } else {
                g.members.push(n.to_string());
            }
        }
        if let Some(n) = dup {
            self.error(line, format!("instance {n} is listed twice in the group"));
        }
    }

    /// Applies a `vrrp_script` keyword. Returns false if `key` is not one, so the
    /// front-end can word the "unknown" error its own way.
    pub(crate) fn set_script(&mut self, key: &str, args: &[&str], line: u32) -> bool {
        if !is_script_key(key) {
            return false;
        }
        let result = match self
            .scripts
            .last_mut()
            .filter(|_| self.section == Section::Script)
        {
            Some(d) => d.apply(key, args, line),
            None => Err(format!("'{key}' must follow the start of a vrrp_script")),
        };
        if let Err(message) = result {
            self.error(line, message);
        }
        true
    }

    /// Applies an instance keyword to the current instance. Returns false if `key` is not
    /// an instance keyword, so the front-end can word the "unknown" error its own way.
    pub(crate) fn set(&mut self, key: &str, args: &[&str], line: u32) -> bool {
        let Some(&(_, k)) = INSTANCE_KEYS.iter().find(|(name, _)| *name == key) else {
            return false;
        };
        let result = match self
            .drafts
            .last_mut()
            .filter(|_| self.section == Section::Instance)
        {
            Some(d) => d.apply(k, key, args, line),
            None => Err(format!("'{key}' must follow the start of an instance")),
        };
        if let Err(message) = result {
            self.error(line, message);
        }
        true
    }

    /// Cross-checks everything that needs more than one keyword, collecting every error.
    pub(crate) fn finish(mut self) -> Result<Config, Vec<ConfigError>> {
        if self.drafts.is_empty() && self.errors.is_empty() {
            self.error(1, "no VRRP instance is configured".into());
        }
        let mut scripts = Vec::new();
        for d in core::mem::take(&mut self.scripts) {
            if let Some(first) = scripts
                .iter()
                .find(|s: &&crate::config::model::TrackScript| s.name == d.name)
            {
                let msg = format!(
                    "vrrp_script {} is already defined on line {}",
                    d.name, first.line
                );
                self.error(d.line, msg);
                continue;
            }
            match d.finish() {
                Ok(s) => scripts.push(s),
                Err((line, message)) => self.error(line, message),
            }
        }
        let drafts = core::mem::take(&mut self.drafts);
        let mut instances: Vec<Instance> = Vec::with_capacity(drafts.len());
        for mut d in drafts {
            // VRRPv2 is IPv4-only: an IPv6 instance is VRRPv3 unless it says otherwise
            // itself (then `validate` refuses it).
            let v6 = d.inst.vips.first().is_some_and(|v| v.addr.is_ipv6());
            // keepalived's default virtual MAC interface name (create_vmac_name):
            // vrrp.VRID, or the first of vrrp1.VRID, vrrp2.VRID… no earlier instance
            // uses (IPv6 tries vrrp6.VRID first), so two routers with one VRID on two
            // interfaces never share one.
            d.inst.vmac = d.vmac.take().map(|n| {
                n.unwrap_or_else(|| {
                    let vrid = d.inst.vrid;
                    let used = |n: &str| instances.iter().any(|e| e.vmac.as_deref() == Some(n));
                    let mut name = format!("vrrp.{vrid}");
                    let mut num = 0u16;
                    while used(&name) {
                        num = match (v6, num) {
                            (true, 0) => 6,
                            (true, 6) => 1,
                            (true, 5) => 7,
                            (_, n) => n + 1,
                        };
                        name = format!("vrrp{num}.{vrid}");
                    }
                    name
                })
            });
            d.inst.version = match (d.version, v6) {
                (Some(v), _) => v,
                (None, true) => Version::V3,
                (None, false) => self.vrrp_version.unwrap_or(Version::V2),
            };
            self.validate(&d, &instances);
            self.validate_tracking(&d, &scripts);
            instances.push(d.inst);
        }
        let groups = core::mem::take(&mut self.groups);
        self.validate_groups(&groups, &instances);
        if !self.errors.is_empty() {
            // By line, stable: an insertion sort of a handful, where the standard
            // library's stable sort would cost 2.8 KB of code on armv7.
            let e = &mut self.errors;
            for i in 1..e.len() {
                let mut j = i;
                while j > 0 && e[j - 1].line > e[j].line {
                    e.swap(j - 1, j);
                    j -= 1;
                }
            }
            return Err(self.errors);
        }
        Ok(Config {
            router_id: self.router_id,
            instances,
            scripts,
            sync_groups: groups,
            script_user: self.script_user,
            script_security: self.script_security,
            rt_priority: self.rt_priority,
            rlimit_rttime_us: self.rlimit_rttime_us,
        })
    }

    /// Every `track_script` names a defined `vrrp_script`; an address owner's priority
    /// (255) is fixed, so weights cannot apply to it.
    fn validate_tracking(&mut self, d: &Draft, scripts: &[crate::config::model::TrackScript]) {
        let i = &d.inst;
        for t in &i.track_scripts {
            match scripts.iter().find(|s| s.name == t.name) {
                None => self.error(
                    t.line,
                    format!("track_script {}: no vrrp_script {} is defined", t.name, t.name),
                ),
                Some(s) if i.priority == 255 && t.weight.unwrap_or(s.weight) != 0 => self.error(
                    t.line,
                    format!(
                        "track_script {} has a weight, but priority 255 (address owner) cannot change; use weight 0 (fault) or a lower priority",
                        t.name
                    ),
                ),
                Some(_) => {}
            }
        }
        for t in &i.track_interfaces {
            if i.priority == 255 && t.weight.unwrap_or(0) != 0 {
                self.error(
                    t.line,
                    format!(
                        "track_interface {} has a weight, but priority 255 (address owner) cannot change; use weight 0 (fault) or a lower priority",
                        t.name
                    ),
                );
            }
        }
    }

    /// Members exist, and no instance is in two groups.
    fn validate_groups(&mut self, groups: &[SyncGroup], instances: &[Instance]) {
        for (gi, g) in groups.iter().enumerate() {
            if let Some(first) = groups[..gi].iter().find(|e| e.name == g.name) {
                let msg = format!(
                    "vrrp_sync_group {} is already defined on line {}",
                    g.name, first.line
                );
                self.error(g.line, msg);
            }
            if g.members.is_empty() {
                self.error(
                    g.line,
                    format!("vrrp_sync_group {} has no group {{ }} of instances", g.name),
                );
            }
            for m in &g.members {
                if !instances.iter().any(|i| &i.name == m) {
                    let msg = format!("vrrp_sync_group {}: no instance {m} is defined", g.name);
                    self.error(g.line, msg);
                }
                if let Some(other) = groups[..gi].iter().find(|e| e.members.contains(m)) {
                    let msg = format!(
                        "instance {m} is already in vrrp_sync_group {} (line {})",
                        other.name, other.line
                    );
                    self.error(g.line, msg);
                }
            }
        }
    }

    fn validate(&mut self, d: &Draft, earlier: &[Instance]) {
        let i = &d.inst;
        let at = |key: Key| match d.seen(key) {
            0 => i.line,
            l => l,
        };
        let name = &i.name;
        if d.seen(Key::Interface) == 0 {
            self.error(i.line, format!("instance {name} has no interface"));
        }
        if d.seen(Key::VirtualRouterId) == 0 {
            self.error(
                i.line,
                format!("instance {name} has no virtual_router_id (1-255)"),
            );
        }
        if d.seen(Key::VirtualIpaddress) == 0 {
            self.error(i.line, format!("instance {name} has no virtual_ipaddress"));
        }
        if let Some(e) = earlier.iter().find(|e| e.name == *name) {
            self.error(
                i.line,
                format!("instance name {name} is already used on line {}", e.line),
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
                self.error(at(Key::VirtualRouterId), msg);
            }
        }
        if let Some(n) = &i.vmac {
            if let Some(e) = earlier.iter().find(|e| e.vmac.as_ref() == Some(n)) {
                let msg = format!(
                    "use_vmac {n} is already used by instance {} (line {})",
                    e.name, e.line
                );
                self.error(at(Key::UseVmac), msg);
            }
        }
        // A `version` that failed to parse already has its error; checking against the
        // fallback version would only add noise.
        let version_known = d.version.is_some() || d.seen(Key::Version) == 0;
        let cs = i.advert_interval.0;
        if version_known && i.version == Version::V2 && cs % 100 != 0 {
            let msg = format!(
                "advert_int {} is not whole seconds: VRRPv2 needs 1-255 (set version 3 for fractions)",
                fmt_centis(cs)
            );
            self.error(at(Key::AdvertInt), msg);
        }
        if version_known && i.version == Version::V3 && cs > 4095 {
            let msg = format!(
                "advert_int {} is too long for VRRPv3: expected 0.01-40.95",
                fmt_centis(cs)
            );
            self.error(at(Key::AdvertInt), msg);
        }
        let (auth_type, auth_pass) = (d.seen(Key::AuthType), d.seen(Key::AuthPass));
        if version_known && i.version == Version::V3 && (auth_type != 0 || auth_pass != 0) {
            let line = if auth_type != 0 { auth_type } else { auth_pass };
            self.error(
                line,
                "authentication is VRRPv2-only; remove it or set version 2".into(),
            );
        } else if auth_type != 0 && auth_pass == 0 {
            self.error(auth_type, "auth_type PASS needs an auth_pass".into());
        } else if auth_pass != 0 && auth_type == 0 {
            self.error(auth_pass, "auth_pass needs auth_type PASS".into());
        }
        self.validate_family(d);
        if i.unicast_src.is_some() && d.seen(Key::UnicastPeer) == 0 {
            self.error(
                at(Key::UnicastSrcIp),
                "unicast_src_ip is set but there is no unicast_peer".into(),
            );
        }
        // An advert lists every VIP and counts them in one byte (RFC 5798 §5.2.5): the
        // daemon could not advertise a 256th, so refuse it here rather than at start.
        if let Some(&line) = d.vip_lines.get(255) {
            let msg = format!(
                "instance {name} has {} virtual_ipaddress entries; an advert carries at most 255",
                i.vips.len()
            );
            self.error(line, msg);
        }
        for (vip, &line) in i.vips.iter().zip(&d.vip_lines) {
            let (Some(label), dev) = (&vip.label, vip.dev.as_ref().unwrap_or(&i.interface)) else {
                continue;
            };
            // The kernel only takes labels of the form DEV or DEV:SUFFIX, within IFNAMSIZ.
            let fits = label == dev
                || label
                    .strip_prefix(dev.as_str())
                    .is_some_and(|s| s.starts_with(':'));
            if !fits || label.len() > 15 {
                let msg = format!(
                    "label \"{label}\" must be {dev} or {dev}:SUFFIX, at most 15 characters"
                );
                self.error(line, msg);
            }
        }
    }
}

impl Builder<'_> {
    /// One instance, one family: its first VIP decides (as in keepalived), and every
    /// other VIP and unicast address must match. IPv6 needs VRRPv3.
    fn validate_family(&mut self, d: &Draft) {
        let i = &d.inst;
        let Some(first) = i.vips.first() else {
            return;
        };
        let v6 = first.addr.is_ipv6();
        let fam = |v6: bool| if v6 { "IPv6" } else { "IPv4" };
        let first_line = d.vip_lines.first().copied().unwrap_or(i.line);
        for (vip, &line) in i.vips.iter().zip(&d.vip_lines).skip(1) {
            if vip.addr.is_ipv6() != v6 {
                let msg = format!(
                    "virtual_ipaddress {} is {} but instance {} is {} (its first address, line {first_line}); one instance serves one family — use a second instance",
                    vip.addr,
                    fam(!v6),
                    i.name,
                    fam(v6)
                );
                self.error(line, msg);
            }
        }
        let at = |key: Key| match d.seen(key) {
            0 => i.line,
            l => l,
        };
        if let Some(src) = i.unicast_src.filter(|a| a.is_ipv6() != v6) {
            let msg = format!(
                "unicast_src_ip {src} is {} but instance {} is {} (line {first_line})",
                fam(!v6),
                i.name,
                fam(v6)
            );
            self.error(at(Key::UnicastSrcIp), msg);
        }
        for p in i.unicast_peers.iter().filter(|a| a.is_ipv6() != v6) {
            let msg = format!(
                "unicast_peer {p} is {} but instance {} is {} (line {first_line})",
                fam(!v6),
                i.name,
                fam(v6)
            );
            self.error(at(Key::UnicastPeer), msg);
        }
        if v6 && i.version == Version::V2 {
            self.error(
                at(Key::Version),
                format!(
                    "instance {} is IPv6, which needs VRRPv3: set version 3",
                    i.name
                ),
            );
        }
    }
}

/// 250 → "2.5", 10 → "0.1", 105 → "1.05", 300 → "3".
fn fmt_centis(cs: u16) -> String {
    let (whole, frac) = (cs / 100, cs % 100);
    match frac {
        0 => format!("{whole}"),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(key: &str, args: &[&str]) -> Result<Instance, String> {
        let mut b = Builder::new("t.conf");
        b.instance("VI_1", 1);
        assert!(b.set(key, args, 2));
        match b.errors.pop() {
            Some(e) => Err(e.message),
            None => Ok(b.drafts.pop().unwrap().inst),
        }
    }

    #[test]
    fn fractional_seconds_parse_exactly_without_floats() {
        assert_eq!(fixed_point("1", 2), Some(100));
        assert_eq!(fixed_point("0.1", 2), Some(10));
        assert_eq!(fixed_point("2.5", 2), Some(250));
        assert_eq!(fixed_point("40.95", 2), Some(4095));
        assert_eq!(fixed_point(".5", 2), Some(50));
        assert_eq!(fixed_point("1.500", 2), Some(150));
        assert_eq!(fixed_point("0.29", 2), Some(29));
        assert_eq!(fixed_point("0.125", 2), None);
        assert_eq!(fixed_point("1e2", 2), None);
        assert_eq!(fixed_point("-1", 2), None);
        assert_eq!(fixed_point(".", 2), None);
        assert_eq!(fixed_point("", 2), None);
        assert_eq!(fixed_point("99999999999999999999", 2), None);
    }

    #[test]
    fn advert_int_outside_parse_range_is_rejected_with_the_range() {
        assert_eq!(
            apply("advert_int", &["0"]).unwrap_err(),
            "expected seconds 0.01-255 for advert_int (at most 2 decimals), found \"0\""
        );
        assert!(apply("advert_int", &["256"]).is_err());
        assert_eq!(
            apply("advert_int", &["255"]).unwrap().advert_interval,
            Centis(25_500)
        );
    }

    #[test]
    fn preempt_delay_takes_fractional_seconds_up_to_1000() {
        let i = apply("preempt_delay", &["2.5"]).unwrap();
        assert_eq!(i.preempt_delay, Duration::from_millis(2500));
        assert!(apply("preempt_delay", &["1000.001"]).is_err());
    }

    #[test]
    fn nopreempt_bare_means_true_and_takes_yes_no() {
        assert!(!apply("nopreempt", &[]).unwrap().preempt);
        assert!(!apply("nopreempt", &["yes"]).unwrap().preempt);
        assert!(apply("nopreempt", &["no"]).unwrap().preempt);
        assert!(apply("nopreempt", &["0"]).unwrap().preempt);
        assert!(apply("nopreempt", &["maybe"]).is_err());
    }

    #[test]
    fn virtual_router_id_out_of_range_says_what_was_expected() {
        assert_eq!(
            apply("virtual_router_id", &["300"]).unwrap_err(),
            "expected a number 1-255 for virtual_router_id, found \"300\""
        );
        assert!(apply("virtual_router_id", &["0"]).is_err());
        assert!(apply("priority", &["-1"]).is_err());
        assert_eq!(apply("priority", &["255"]).unwrap().priority, 255);
    }

    #[test]
    fn auth_type_ah_and_long_auth_pass_are_refused() {
        assert_eq!(
            apply("auth_type", &["AH"]).unwrap_err(),
            "auth_type AH is not supported by tinyvrrpd"
        );
        assert_eq!(
            apply("auth_pass", &["123456789"]).unwrap_err(),
            "auth_pass is longer than 8 characters"
        );
        assert_eq!(
            apply("auth_pass", &["12345678"]).unwrap().auth_pass,
            Some(*b"12345678")
        );
        assert_eq!(
            apply("auth_pass", &["abc"]).unwrap().auth_pass,
            Some(*b"abc\0\0\0\0\0")
        );
    }

    #[test]
    fn auth_pass_with_a_nul_character_is_refused() {
        // Found by the config_kv fuzz target: NUL + "1secret" passed as an 8-character
        // password whose wire form starts with a NUL (keepalived would read it as empty).
        for pass in ["\x001secret", "\0", "ab\0"] {
            assert_eq!(
                apply("auth_pass", &[pass]).unwrap_err(),
                "auth_pass contains a NUL character"
            );
        }
    }

    #[test]
    fn vip_prefix_defaults_to_32_and_options_other_than_dev_and_label_are_named() {
        let v = &apply("virtual_ipaddress", &["192.0.2.10"]).unwrap().vips[0];
        assert_eq!(
            (v.prefix_len, v.dev.as_deref(), v.label.as_deref()),
            (32, None, None)
        );
        let v = &apply(
            "virtual_ipaddress",
            &["192.0.2.10/24", "dev", "eth0", "label", "eth0:1"],
        )
        .unwrap()
        .vips[0];
        assert_eq!(
            (v.prefix_len, v.dev.as_deref(), v.label.as_deref()),
            (24, Some("eth0"), Some("eth0:1"))
        );
        assert_eq!(
            apply("virtual_ipaddress", &["192.0.2.10/33"]).unwrap_err(),
            "expected a prefix length 0-32 in virtual_ipaddress, found \"/33\""
        );
        assert_eq!(
            apply(
                "virtual_ipaddress",
                &["192.0.2.10/24", "brd", "192.0.2.255"]
            )
            .unwrap_err(),
            "virtual_ipaddress option 'brd' is not supported by tinyvrrpd (only dev and label)"
        );
        assert!(apply("virtual_ipaddress", &["192.0.2.10", "dev"]).is_err());
    }

    #[test]
    fn ipv6_addresses_parse_with_prefixes_up_to_128() {
        let v = &apply("virtual_ipaddress", &["2001:db8::10/64", "dev", "eth0"])
            .unwrap()
            .vips[0];
        assert_eq!(
            (v.addr.to_string(), v.prefix_len),
            ("2001:db8::10".into(), 64)
        );
        assert_eq!(
            apply("virtual_ipaddress", &["2001:db8::10"]).unwrap().vips[0].prefix_len,
            128
        );
        assert_eq!(
            apply("virtual_ipaddress", &["2001:db8::10/129"]).unwrap_err(),
            "expected a prefix length 0-128 in virtual_ipaddress, found \"/129\""
        );
        assert!(apply("unicast_peer", &["fe80::2"]).is_ok());
        assert_eq!(
            apply("unicast_src_ip", &["2001:db8::zz"]).unwrap_err(),
            "expected an IPv4 or IPv6 address for unicast_src_ip, found \"2001:db8::zz\""
        );
    }

    #[test]
    fn more_vips_than_an_advert_can_carry_are_refused_at_the_256th() {
        let build = |count: u32| {
            let mut b = Builder::new("t.conf");
            b.instance("VI_1", 1);
            b.set("interface", &["eth0"], 2);
            b.set("virtual_router_id", &["1"], 3);
            for n in 0..count {
                let addr = format!("10.0.{}.{}", n / 256, n % 256);
                b.set("virtual_ipaddress", &[&addr], 4 + n);
            }
            b.finish()
        };
        assert_eq!(build(255).unwrap().instances[0].vips.len(), 255);
        let errors = build(256).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            [
                "t.conf:259: instance VI_1 has 256 virtual_ipaddress entries; an advert carries at most 255"
            ]
        );
    }

    #[test]
    fn centiseconds_print_as_the_user_wrote_them() {
        assert_eq!(fmt_centis(250), "2.5");
        assert_eq!(fmt_centis(10), "0.1");
        assert_eq!(fmt_centis(105), "1.05");
        assert_eq!(fmt_centis(300), "3");
    }
}
