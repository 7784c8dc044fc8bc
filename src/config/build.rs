//! The one place where configuration keywords get their meaning. Both front-ends
//! (key=value and keepalived.conf) look a word up in `keywords.rs` and feed the
//! implemented ones as `(Key, args, location)` into a [`Builder`]: a simple keyword (flag,
//! number, seconds) is read by its `Val` into the section's `Slots`, the others by their
//! own arm below. `validate.rs` then turns the sections into the model with keepalived's
//! rules across keywords.

use super::error::{ConfigError, Severity};
use super::keywords::{Key, Loc, Place, Slots, Val};
use super::lex::{self, WEIGHT_MAX, boolean, fixed_point, flag, host_address, ifname, one};
use super::model::{
    AddrOptions, Command, Config, InitialState, Instance, LinkDelay, Notify, PeerTtl, Route, Rule,
    RunAs, SyncGroup, Tracked, Vip,
};
use super::route::{self, FIRST_RULE_PREFERENCE};
use super::track::{FileDraft, ProcessDraft, ScriptDraft};
use core::time::Duration;
use std::net::IpAddr;

/// A keyword's outcome besides the value it set: a warning to report at its line.
type Applied = Result<Option<String>, String>;

/// `global_defs` as written; `validate` gives instances their defaults from it.
pub(crate) struct Globals {
    pub(crate) slots: Box<Slots>,
    pub(crate) router_id: Option<String>,
    pub(crate) script_user: Option<RunAs>,
    pub(crate) max_auto_priority: Option<i8>,
    pub(crate) mcast_group4: Option<IpAddr>,
    pub(crate) mcast_group6: Option<IpAddr>,
    pub(crate) startup_script: Option<Command>,
    pub(crate) shutdown_script: Option<Command>,
    pub(crate) dynamic_interfaces: bool,
    pub(crate) vmac_prefix: Option<String>,
    pub(crate) link_delays: Vec<LinkDelay>,
    /// Where each of `link_delays` was written.
    pub(crate) link_delays_at: Vec<Loc>,
    pub(crate) static_addresses: Vec<(Vip, AddrOptions)>,
    pub(crate) static_routes: Vec<Route>,
    pub(crate) static_rules: Vec<Rule>,
    /// `notify_fifo` and `vrrp_notify_fifo` as written, each with its `_script`.
    pub(crate) fifos: [FifoDraft; 2],
}

/// A notify FIFO's keywords: the FIFO (path, owner) and the script, each where written.
#[derive(Default)]
pub(crate) struct FifoDraft {
    pub(crate) path: Option<(String, Option<RunAs>, Loc)>,
    pub(crate) script: Option<(Command, Loc)>,
}

impl Globals {
    fn apply(&mut self, key: Key, args: &[&str], at: Loc) -> Applied {
        let name = key.name();
        match key {
            Key::RouterId => self.router_id = Some(one(name, args)?.to_string()),
            Key::ScriptUser => self.script_user = Some(lex::run_as(name, args)?),
            Key::MaxAutoPriority => {
                // Bare: the highest SCHED_RR priority.
                self.max_auto_priority = Some(match args {
                    [] => 99,
                    ["-1"] => -1,
                    _ => lex::number(name, args, 0, 99)? as i8,
                });
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
                if !v6 {
                    self.mcast_group4 = Some(a);
                    return Ok(None);
                }
                self.mcast_group6 = Some(a);
                if !is_link_local_multicast(a) {
                    // keepalived's words.
                    return Ok(Some(format!(
                        "vrrp_mcast_group6 [{a}] should be link-local multicast."
                    )));
                }
            }
            Key::StartupScript | Key::ShutdownScript => {
                let c = lex::notify(name, args)?;
                let slot = if key == Key::StartupScript {
                    &mut self.startup_script
                } else {
                    &mut self.shutdown_script
                };
                if slot.is_some() {
                    return Ok(Some(format!("{name} already specified")));
                }
                *slot = Some(c);
            }
            Key::DynamicInterfaces => match args {
                // allow_if_changes: an interface re-created with a new index is followed,
                // which tinyvrrpd always does.
                [] | ["allow_if_changes"] => self.dynamic_interfaces = true,
                [o, ..] => return Err(format!("Unknown dynamic_interfaces option '{o}'")),
            },
            Key::VmacPrefix => {
                let p = one(name, args)?;
                // The name is PREFIX.VRID: it must fit IFNAMSIZ.
                if p.len() > 10 || p.contains(['/', ':', '.']) {
                    return Err(format!(
                        "expected 1-10 characters without '/', ':' or '.' for vmac_prefix, found \"{p}\""
                    ));
                }
                self.vmac_prefix = Some(p.to_string());
            }
            Key::StaticIpaddress => {
                let (vip, opts) = lex::vip(name, args)?;
                if vip.dev.is_none() {
                    return Err(format!(
                        "static_ipaddress {}: expected dev IF (keepalived would use default_interface, eth0)",
                        args[0]
                    ));
                }
                self.static_addresses.push((vip, opts));
            }
            Key::StaticRoutes => {
                let (r, warnings) = route::route(args)?;
                self.static_routes.push(r);
                return Ok(joined(warnings));
            }
            Key::NotifyFifo | Key::VrrpNotifyFifo => {
                let Some((path, owner)) = args.split_first() else {
                    return Err(format!("No {name} name specified"));
                };
                let slot = &mut self.fifos[usize::from(key == Key::VrrpNotifyFifo)];
                if slot.path.is_some() {
                    return Ok(Some(format!("{name} already specified - ignoring {path}")));
                }
                let owner = match owner {
                    [] => None,
                    o => Some(lex::run_as(name, o)?),
                };
                slot.path = Some((path.to_string(), owner, at));
            }
            Key::NotifyFifoScript | Key::VrrpNotifyFifoScript => {
                let c = lex::notify(name, args)?;
                let slot = &mut self.fifos[usize::from(key == Key::VrrpNotifyFifoScript)];
                if slot.script.is_some() {
                    return Ok(Some(format!(
                        "{name} already specified - ignoring {}",
                        args[0]
                    )));
                }
                slot.script = Some((c, at));
            }
            Key::InterfaceUpDownDelays => {
                let delay = |s: &str| match fixed_point(s, 6) {
                    Some(us) if us <= 255_000_000 => Ok(Duration::from_micros(us)),
                    _ => Err(format!(
                        "expected IF DOWN [UP] (seconds 0-255) in {name}, found \"{s}\""
                    )),
                };
                // keepalived 2.2.7 sets a missing UP delay to 0 (its man page says: to DOWN).
                let (iface, down, up) = match args {
                    [i, d] => (i, delay(d)?, Duration::ZERO),
                    [i, d, u] => (i, delay(d)?, delay(u)?),
                    _ => return Err(format!("expected IF DOWN [UP] in {name}")),
                };
                self.link_delays.push(LinkDelay {
                    interface: ifname(name, iface)?,
                    down,
                    up,
                    line: at.line,
                });
                self.link_delays_at.push(at);
            }
            _ => unreachable!("{name}"),
        }
        Ok(None)
    }
}

/// Several warnings of one line as one diagnostic.
fn joined(warnings: Vec<String>) -> Option<String> {
    (!warnings.is_empty()).then(|| warnings.join("; "))
}

fn is_link_local_multicast(a: IpAddr) -> bool {
    matches!(a, IpAddr::V6(v6) if v6.segments()[0] & 0xff0f == 0xff02)
}

/// An instance while its keywords arrive: the model plus what validation needs to know
/// about where and whether each setting was written.
pub(crate) struct Draft {
    pub(crate) inst: Instance,
    pub(crate) slots: Box<Slots>,
    pub(crate) at: Loc,
    /// Reading order of sections (includes make `Loc` order differ from it).
    pub(crate) order: u32,
    /// `use_vmac` as written: Some(None) = the default name, decided once the VRID is known.
    pub(crate) vmac: Option<Option<String>>,
    /// The last of `nopreempt` / `preempt`, and of `accept` / `no_accept`.
    pub(crate) preempt: Option<bool>,
    pub(crate) accept: Option<bool>,
    pub(crate) auth_type: bool,
    /// Any keyword that makes keepalived think "unicast" (then no peer is a warning).
    pub(crate) unicast_configured: bool,
    pub(crate) mcast_dst: Option<IpAddr>,
    pub(crate) vip_lines: Vec<Loc>,
    pub(crate) peer_lines: Vec<Loc>,
}

impl Draft {
    /// Where `key` was written, or the instance's own line.
    pub(crate) fn at(&self, key: Key) -> Loc {
        match self.slots.at(key) {
            l if l.is_set() => l,
            _ => self.at,
        }
    }

    /// The applier for the instance keywords that are more than a flag or a number.
    fn apply(&mut self, key: Key, args: &[&str], at: Loc) -> Applied {
        let name = key.name();
        let iname = self.inst.name.clone();
        let iname = iname.as_str();
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
                // keepalived compares case-sensitively and reads anything else as
                // BACKUP: "master" would quietly not be a Master.
                s => {
                    return Err(format!(
                        "expected MASTER or BACKUP (upper case) for state, found \"{s}\""
                    ));
                }
            },
            Key::Interface => inst.interface = ifname(name, one(name, args)?)?,
            Key::Nopreempt => self.preempt = Some(!flag(name, args)?),
            Key::Preempt => self.preempt = Some(flag(name, args)?),
            Key::Accept => self.accept = Some(flag(name, args)?),
            Key::NoAccept => self.accept = Some(!flag(name, args)?),
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
                inst.auth_ah = match one(name, args)? {
                    "PASS" => false,
                    "AH" => true,
                    s => return Err(format!("expected PASS or AH for auth_type, found \"{s}\"")),
                };
                self.auth_type = true;
            }
            Key::AuthPass => {
                let s = one(name, args)?;
                // The wire field is NUL-padded, so "\0" would be an empty password, and
                // keepalived (C strings) would stop reading at the NUL: refuse it.
                if s.is_empty() || s.contains('\0') {
                    return Err("expected 1-8 characters without NUL for auth_pass".into());
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
            Key::TrackInterface | Key::TrackScript | Key::TrackFile | Key::TrackProcess => {
                let list = match key {
                    Key::TrackInterface => &mut inst.track_interfaces,
                    Key::TrackScript => &mut inst.track_scripts,
                    Key::TrackFile => &mut inst.track_files,
                    _ => &mut inst.track_processes,
                };
                return track(list, iname, name, args, at);
            }
            Key::VirtualRoutes => {
                let (r, warnings) = route::route(args)?;
                inst.virtual_routes.push(r);
                return Ok(joined(warnings));
            }
            Key::NotifyMaster
            | Key::NotifyBackup
            | Key::NotifyFault
            | Key::NotifyStop
            | Key::Notify => return notify(&mut inst.notify, iname, key, args),
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
            _ => unreachable!("{name}"),
        }
        Ok(None)
    }

    fn push_vip(&mut self, key: Key, vip: Vip, opts: AddrOptions, at: Loc) {
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
        let (mut ttl, mut rest) = (None, opts);
        while let [o, tail @ ..] = rest {
            let Some((v, tail)) = tail.split_first() else {
                return Err(format!("expected a value after '{o}' in unicast_peer"));
            };
            let (min, max) = ttl.get_or_insert((0, 255));
            let slot = match *o {
                "min_ttl" => min,
                "max_ttl" => max,
                o => {
                    return Err(format!(
                        "unknown unicast_peer option '{o}' (min_ttl, max_ttl)"
                    ));
                }
            };
            *slot = lex::number(o, &[v], 0, 255)? as u8;
            rest = tail;
        }
        inst.unicast_peers.push(a);
        self.peer_lines.push(at);
        if let Some((min, max)) = ttl {
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

/// A `track_*` entry of an instance or sync group named `owner`: duplicates are ignored
/// as keepalived ignores them; weights of ±254 are ±253 for interfaces and scripts (files
/// and processes take ±254, the weight multiplies their value).
fn track(list: &mut Vec<Tracked>, owner: &str, name: &str, args: &[&str], at: Loc) -> Applied {
    let mut t = lex::tracked(name, args, at.line)?;
    if list.iter().any(|e| e.name == t.name) {
        return Ok(Some(format!(
            "({owner}) duplicate {name} {} - ignoring",
            t.name
        )));
    }
    let warning = match name {
        "track_interface" | "track_script" => clamp_weight(owner, &mut t),
        _ => None,
    };
    list.push(t);
    Ok(warning)
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
    pub(crate) slots: Box<Slots>,
    pub(crate) at: Loc,
    /// Reading order of sections, as `Draft::order`.
    pub(crate) order: u32,
    /// Where each member was named.
    pub(crate) member_lines: Vec<Loc>,
}

impl GroupDraft {
    fn apply(&mut self, key: Key, args: &[&str], at: Loc) -> Applied {
        let g = &mut self.group;
        let name = key.name();
        let list = match key {
            Key::Group => {
                let mut dup = None;
                for n in args {
                    if g.members.iter().any(|m| m == n) {
                        dup = Some(n);
                    } else {
                        g.members.push(n.to_string());
                        self.member_lines.push(at);
                    }
                }
                return dup.map_or(Ok(None), |n| {
                    Err(format!("instance {n} is listed twice in the group"))
                });
            }
            Key::GroupTrackInterface => &mut g.track_interfaces,
            Key::GroupTrackScript => &mut g.track_scripts,
            Key::GroupTrackFile => &mut g.track_files,
            Key::GroupTrackProcess => &mut g.track_processes,
            _ => return notify(&mut g.notify, &g.name, key, args),
        };
        track(list, &g.name, name, args, at)
    }
}

/// A `notify*` keyword of an instance or sync group named `owner`.
fn notify(n: &mut Notify, owner: &str, key: Key, args: &[&str]) -> Applied {
    let name = key.name();
    let c = lex::notify(name, args)?;
    let slot = match key {
        Key::NotifyMaster | Key::GroupNotifyMaster => &mut n.master,
        Key::NotifyBackup | Key::GroupNotifyBackup => &mut n.backup,
        Key::NotifyFault | Key::GroupNotifyFault => &mut n.fault,
        Key::NotifyStop | Key::GroupNotifyStop => &mut n.stop,
        _ => &mut n.any,
    };
    // keepalived keeps the first and says so.
    if slot.is_some() {
        return Ok(Some(format!(
            "({owner}) {name} script already specified - ignoring {}",
            args[0]
        )));
    }
    *slot = Some(c);
    Ok(None)
}

/// Collects globals, sections and diagnostics from a front-end; `validate::finish`
/// turns them into the model.
pub(crate) struct Builder {
    /// File names by `Loc::file`: the main file first, then included ones.
    pub(crate) files: Vec<String>,
    pub(crate) globals: Globals,
    place: Place,
    pub(crate) drafts: Vec<Draft>,
    /// Each with where and in which reading order it started.
    pub(crate) scripts: Vec<(ScriptDraft, Loc, u32)>,
    pub(crate) groups: Vec<GroupDraft>,
    /// `vrrp_track_process` and `track_file` blocks, each with where and in which
    /// reading order it started.
    pub(crate) processes: Vec<(ProcessDraft, Loc, u32)>,
    pub(crate) track_files: Vec<(FileDraft, Loc, u32)>,
    /// The preference keepalived gives the next rule without one, IPv4 and IPv6.
    rule_preference: [u32; 2],
    diagnostics: Vec<(Loc, Severity, String)>,
    sections: u32,
}

impl Builder {
    pub(crate) fn new(file: &str) -> Self {
        Builder {
            files: vec![file.to_string()],
            globals: Globals {
                slots: Slots::new(),
                router_id: None,
                script_user: None,
                max_auto_priority: None,
                mcast_group4: None,
                mcast_group6: None,
                startup_script: None,
                shutdown_script: None,
                dynamic_interfaces: false,
                vmac_prefix: None,
                link_delays: Vec::new(),
                static_addresses: Vec::new(),
                static_routes: Vec::new(),
                static_rules: Vec::new(),
                fifos: Default::default(),
                link_delays_at: Vec::new(),
            },
            place: Place::Top,
            drafts: Vec::new(),
            scripts: Vec::new(),
            groups: Vec::new(),
            processes: Vec::new(),
            track_files: Vec::new(),
            rule_preference: [FIRST_RULE_PREFERENCE; 2],
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
        self.report(at, Severity::Error, message);
    }

    pub(crate) fn warn(&mut self, at: Loc, message: String) {
        self.report(at, Severity::Warning, message);
    }

    /// Kept in file and line order as they come (a sort's code costs ~3 KB on armv7).
    pub(crate) fn report(&mut self, at: Loc, severity: Severity, message: String) {
        let i = self.diagnostics.partition_point(|d| d.0 <= at);
        self.diagnostics.insert(i, (at, severity, message));
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
        self.sections > 0
    }

    /// The kind and name of the section being filled, for "does not belong here" errors.
    pub(crate) fn section_name(&self) -> String {
        let (kind, name) = match self.place {
            Place::Instance => ("instance", self.drafts.last().map(|d| &d.inst.name)),
            Place::Script => ("vrrp_script", self.scripts.last().map(|d| &d.0.name)),
            Place::Group => ("vrrp_sync_group", self.groups.last().map(|g| &g.group.name)),
            Place::Process => (
                "vrrp_track_process",
                self.processes.last().map(|p| &p.0.name),
            ),
            Place::File => ("track_file", self.track_files.last().map(|f| &f.0.name)),
            _ => return "global_defs".into(),
        };
        format!("{kind} {}", name.map_or("", |n| n.as_str()))
    }

    /// Starts a section: `global_defs` (no name), an instance, a script or a sync group.
    pub(crate) fn begin(&mut self, place: Place, name: &str, at: Loc) {
        self.place = place;
        if place == Place::Global {
            return;
        }
        self.sections += 1;
        let order = self.sections;
        match place {
            Place::Instance => self.drafts.push(Draft {
                inst: Instance::with_defaults(name, at.line),
                slots: Slots::new(),
                at,
                order,
                vmac: None,
                preempt: None,
                accept: None,
                auth_type: false,
                unicast_configured: false,
                mcast_dst: None,
                vip_lines: Vec::new(),
                peer_lines: Vec::new(),
            }),
            Place::Script => self
                .scripts
                .push((ScriptDraft::new(name, at.line), at, order)),
            Place::Process => self
                .processes
                .push((ProcessDraft::new(name, at.line), at, order)),
            Place::File => self
                .track_files
                .push((FileDraft::new(name, at.line), at, order)),
            _ => self.groups.push(GroupDraft {
                group: SyncGroup {
                    name: name.to_string(),
                    line: at.line,
                    members: Vec::new(),
                    tracking_weight: false,
                    notify: Notify::default(),
                    track_interfaces: Vec::new(),
                    track_scripts: Vec::new(),
                    track_files: Vec::new(),
                    track_processes: Vec::new(),
                },
                slots: Slots::new(),
                at,
                order,
                member_lines: Vec::new(),
            }),
        }
    }

    /// Back to the top level (a keepalived.conf block ended).
    pub(crate) fn end(&mut self) {
        self.place = Place::Top;
    }

    /// Applies an implemented keyword of its place (the current section of that place)
    /// and records its error or warning.
    pub(crate) fn apply(&mut self, key: Key, args: &[&str], at: Loc) {
        match self.apply_to_section(key, args, at) {
            Ok(None) => {}
            Ok(Some(w)) => self.warn(at, w),
            Err(e) => self.error(at, e),
        }
    }

    fn apply_to_section(&mut self, key: Key, args: &[&str], at: Loc) -> Applied {
        let place = key.place();
        let slots = match place {
            Place::Top | Place::Global => Some(&mut self.globals.slots),
            Place::Instance => self.drafts.last_mut().map(|d| &mut d.slots),
            Place::Script => self.scripts.last_mut().map(|s| &mut s.0.slots),
            Place::Group => self.groups.last_mut().map(|g| &mut g.slots),
            Place::Process => self.processes.last_mut().map(|p| &mut p.0.slots),
            Place::File => self.track_files.last_mut().map(|f| &mut f.0.slots),
        };
        let Some(slots) = slots else {
            return Err(format!(
                "'{}' must follow the start of {}",
                key.name(),
                place.name()
            ));
        };
        slots.seen(key, at);
        if key.val() != Val::Custom {
            let v = key.val().parse(key.name(), args);
            slots.set(key, v.as_ref().ok().copied());
            return v.map(|_| None);
        }
        if matches!(key, Key::StaticRules | Key::VirtualRules) {
            return self.rule(key, args);
        }
        match place {
            Place::Top | Place::Global => self.globals.apply(key, args, at),
            Place::Instance => self
                .drafts
                .last_mut()
                .map_or(Ok(None), |d| d.apply(key, args, at)),
            Place::Script => self
                .scripts
                .last_mut()
                .map_or(Ok(None), |s| s.0.apply(key, args, at.line)),
            Place::Group => self
                .groups
                .last_mut()
                .map_or(Ok(None), |g| g.apply(key, args, at)),
            Place::Process => self
                .processes
                .last_mut()
                .map_or(Ok(None), |p| p.0.apply(key, args)),
            Place::File => self
                .track_files
                .last_mut()
                .map_or(Ok(None), |f| f.0.apply(key, args)),
        }
    }

    /// A `static_rules` or `virtual_rules` line. A rule without a preference gets the
    /// next one keepalived would give it (counting down from 16384 per family, in
    /// reading order), with its warning.
    fn rule(&mut self, key: Key, args: &[&str]) -> Applied {
        let (mut r, has_pref, mut warnings) = route::rule(args)?;
        if !has_pref {
            let next = &mut self.rule_preference[usize::from(r.v6)];
            r.priority = *next;
            *next = next.saturating_sub(1);
            warnings.push(format!(
                "Rule has no preference specified - setting to {}. This is probably not what you want.",
                r.priority
            ));
        }
        match (key, self.drafts.last_mut()) {
            (Key::StaticRules, _) => self.globals.static_rules.push(r),
            (_, Some(d)) => d.inst.virtual_rules.push(r),
            (_, None) => {}
        }
        Ok(joined(warnings))
    }

    /// Every diagnostic, both severities, in file and line order, and the configuration
    /// if none of them is an error.
    pub(crate) fn conclude(self, config: Config) -> Result<Config, Vec<ConfigError>> {
        let files = self.files;
        let diags: Vec<ConfigError> = self
            .diagnostics
            .into_iter()
            .map(|(at, severity, message)| ConfigError {
                file: files[usize::from(at.file)].clone(),
                line: at.line,
                severity,
                message,
            })
            .collect();
        if diags.iter().any(ConfigError::is_error) {
            return Err(diags);
        }
        Ok(Config {
            warnings: diags,
            ..config
        })
    }
}
