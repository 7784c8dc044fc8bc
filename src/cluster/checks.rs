//! Cross-checks: what each file passes `-t` with but the nodes disagree on. Every
//! finding names the FILE:LINE of both sides; the message says what the nodes will do
//! about it (in the daemon's words where it logs them), which the simulated timeline
//! then shows.

use super::Cluster;
use super::pairing::{self, Evidence, Known, Member};
use crate::config::params;
use crate::vrrp::advaddr;
use crate::vrrp::machine::{Discard, InitialState, PRIORITY_OWNER};
use crate::vrrp::timers::Centis;
use crate::vrrp::track::{Health, Tracker, Verdict, verdict};
use crate::wire::Version;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The nodes cannot work together as written (split brain, adverts discarded).
    Error,
    /// They work, but not as the files suggest.
    Warning,
    /// Worth knowing: how a rule plays out here.
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A line of one node's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    pub node: usize,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// A stable name for tools (`--json`).
    pub check: &'static str,
    /// The first is where the message is reported; the message names the others.
    pub sites: Vec<Site>,
    pub message: String,
}

/// Every cross-check, in the order of the virtual routers, errors first within each.
pub fn run(c: &Cluster) -> Vec<Finding> {
    let mut out = Findings {
        c,
        list: Vec::new(),
    };
    for r in &c.pairing.routers {
        let mut members = r.members.clone();
        // The intended Master first: the highest priority, then the first file.
        members.sort_by_key(|m| (core::cmp::Reverse(c.inst(*m).priority), m.node));
        if members.len() < 2 {
            out.alone(members[0]);
            continue;
        }
        let first = out.list.len();
        for &m in &members[1..] {
            out.pair(members[0], m);
        }
        out.peers(&members);
        out.priorities(&members);
        out.preemption(&members);
        out.weights(&members);
        out.list[first..].sort_by_key(|f| f.severity);
    }
    out.sync_groups();
    out.list
}

struct Findings<'a> {
    c: &'a Cluster,
    list: Vec<Finding>,
}

impl Findings<'_> {
    fn push(&mut self, severity: Severity, check: &'static str, sites: &[Site], message: String) {
        self.list.push(Finding {
            severity,
            check,
            sites: sites.to_vec(),
            message,
        });
    }

    fn site(&self, m: Member, keyword: &str) -> Site {
        Site {
            node: m.node,
            line: self.c.line_of(m, keyword),
        }
    }

    fn at(&self, s: Site) -> String {
        self.c.at(s.node, s.line)
    }

    /// Where member `m`'s advert source is written: `unicast_src_ip`, or `mcast_src_ip`
    /// (one setting in keepalived too).
    fn src_site(&self, m: Member) -> Site {
        let site = self.site(m, "unicast_src_ip");
        if site.line == self.c.inst(m).line {
            self.site(m, "mcast_src_ip")
        } else {
            site
        }
    }

    fn name(&self, m: Member) -> &str {
        &self.c.nodes[m.node].name
    }

    /// A setting `a` (the intended Master) and `b` must agree on.
    fn pair(&mut self, a: Member, b: Member) {
        let c = self.c;
        let (x, y) = (c.inst(a), c.inst(b));
        let me = format!("({})", y.name);
        if x.version != y.version {
            let (sa, sb) = (self.site(a, "version"), self.site(b, "version"));
            let why = Discard::Version { got: x.version };
            self.push(
                Severity::Error,
                "version",
                &[sb, sa],
                format!(
                    "{me} VRRPv{} here, v{} at {}: each node discards the other's adverts (\"{why}\") and both become Master",
                    y.version as u8,
                    x.version as u8,
                    self.at(sa)
                ),
            );
            return; // what follows compares settings of one version
        }
        if x.version == Version::V2 {
            self.auth(a, b);
        }
        if x.advert_interval != y.advert_interval {
            let (sa, sb) = (self.site(a, "advert_int"), self.site(b, "advert_int"));
            let (ia, ib) = (secs(x.advert_interval), secs(y.advert_interval));
            if x.version == Version::V2 {
                let why = Discard::Interval {
                    got: x.advert_interval,
                };
                self.push(
                    Severity::Error,
                    "advert_int",
                    &[sb, sa],
                    format!(
                        "{me} advert_int {ib} here, {ia} at {}: VRRPv2 needs the same interval on every node; each discards the other's adverts (\"{why}\") and both become Master",
                        self.at(sa)
                    ),
                );
            } else {
                self.push(
                    Severity::Note,
                    "advert_int",
                    &[sb, sa],
                    format!(
                        "{me} advert_int {ib} here, {ia} at {}: VRRPv3 Backups adopt the Master's interval (RFC 5798 §6.4.2), so Master_Down_Interval follows whichever node is Master",
                        self.at(sa)
                    ),
                );
            }
        }
        self.vips(a, b);
        if !x.is_unicast() && !y.is_unicast() && x.mcast_group != y.mcast_group {
            let (sa, sb) = (self.site(a, "mcast_dst_ip"), self.site(b, "mcast_dst_ip"));
            let group =
                |g: Option<IpAddr>| g.map_or("the RFC's group".to_string(), |g| g.to_string());
            self.push(
                Severity::Error,
                "mcast_group",
                &[sb, sa],
                format!(
                    "{me} adverts go to {} here, to {} at {}: keepalived nodes would not hear each other and both become Master (tinyvrrpd does not act on the group yet: it uses the RFC's)",
                    group(y.mcast_group),
                    group(x.mcast_group),
                    self.at(sa)
                ),
            );
        }
        if x.strict != y.strict {
            let (sa, sb) = (self.site(a, "strict_mode"), self.site(b, "strict_mode"));
            let on = if y.strict { "here" } else { "only at" };
            self.push(
                Severity::Warning,
                "strict",
                &[sb, sa],
                format!(
                    "{me} strict mode (strict_mode or vrrp_strict) {on} {}: keepalived's strict rules changed one node's settings and not the other's (see each file's -t warnings)",
                    if y.strict { format!("but not at {}", self.at(sa)) } else { self.at(sa) }
                ),
            );
        }
        let excluded = |i: &crate::config::model::Instance| -> Vec<IpAddr> {
            let mut v: Vec<IpAddr> = i.vips_excluded.iter().map(|(v, _)| v.addr).collect();
            v.sort_unstable();
            v
        };
        if excluded(x) != excluded(y) {
            let (sa, sb) = (
                self.site(a, "virtual_ipaddress_excluded"),
                self.site(b, "virtual_ipaddress_excluded"),
            );
            self.push(
                Severity::Warning,
                "vips",
                &[sb, sa],
                format!(
                    "{me} virtual_ipaddress_excluded differs from {}: some of those addresses do not follow a failover",
                    self.at(sa)
                ),
            );
        }
        if x.is_unicast() != y.is_unicast() {
            let (uni, multi) = if y.is_unicast() { (b, a) } else { (a, b) };
            let (su, sm) = (
                self.site(uni, "unicast_peer"),
                Site {
                    node: multi.node,
                    line: c.inst(multi).line,
                },
            );
            let (sh, st) = if uni == b { (su, sm) } else { (sm, su) };
            self.push(
                Severity::Error,
                "mode",
                &[sh, st],
                format!(
                    "{me} {} here, {} at {}: {} never hears {}'s multicast adverts (it does not join the group), so whenever {} is Master both are",
                    if y.is_unicast() { "unicast" } else { "multicast" },
                    if x.is_unicast() { "unicast" } else { "multicast" },
                    self.at(st),
                    self.name(uni),
                    self.name(multi),
                    self.name(multi),
                ),
            );
        }
        if x.vmac.is_some() != y.vmac.is_some() {
            let (sa, sb) = (self.site(a, "use_vmac"), self.site(b, "use_vmac"));
            let (with, without) = if y.vmac.is_some() { (b, a) } else { (a, b) };
            let (here, there) = if y.vmac.is_some() {
                ("here", "not")
            } else {
                ("not here", "only")
            };
            self.push(
                Severity::Warning,
                "use_vmac",
                &[sb, sa],
                format!(
                    "{me} use_vmac {here}, {there} at {}: clients' ARP entries change MAC on every failover between {} and {}, and a graceful stop of {} drops the VIPs at once where {} hands over make-before-break",
                    self.at(sa),
                    self.name(with),
                    self.name(without),
                    self.name(with),
                    self.name(without),
                ),
            );
        }
        if x.accept != y.accept {
            let kw =
                |i: &crate::config::model::Instance| if i.accept { "accept" } else { "no_accept" };
            let (sa, sb) = (self.site(a, kw(x)), self.site(b, kw(y)));
            let strict = if x.accept { b } else { a };
            self.push(
                Severity::Warning,
                "accept",
                &[sb, sa],
                format!(
                    "{me} {} here, {} at {}: services on the VIPs answer or not depending on which node is Master (while {} is, traffic to the VIPs is dropped)",
                    kw(y),
                    kw(x),
                    self.at(sa),
                    self.name(strict)
                ),
            );
        }
    }

    fn auth(&mut self, a: Member, b: Member) {
        let (x, y) = (self.c.inst(a), self.c.inst(b));
        if x.auth_pass == y.auth_pass {
            return;
        }
        let me = format!("({})", y.name);
        let (sa, sb) = (self.site(a, "auth_pass"), self.site(b, "auth_pass"));
        let what = match (x.auth_pass.is_some(), y.auth_pass.is_some()) {
            (true, true) => "auth_pass differs from".to_string(),
            (false, true) => "auth_type PASS here, none at".to_string(),
            _ => "no authentication here, auth_type PASS at".to_string(),
        };
        self.push(
            Severity::Error,
            "auth",
            &[sb, sa],
            format!(
                "{me} {what} {}: each node discards the other's adverts (\"{}\") and both become Master",
                self.at(sa),
                Discard::Auth
            ),
        );
    }

    fn vips(&mut self, a: Member, b: Member) {
        let c = self.c;
        let (x, y) = (c.inst(a), c.inst(b));
        let me = format!("({})", y.name);
        let only = |p: &crate::config::model::Instance,
                    q: &crate::config::model::Instance|
         -> Vec<IpAddr> {
            p.vips
                .iter()
                .filter(|v| q.vips.iter().all(|w| w.addr != v.addr))
                .map(|v| v.addr)
                .collect()
        };
        let (only_x, only_y) = (only(x, y), only(y, x));
        let wire = |i| params::wire_addrs(i).unwrap_or_default();
        let why = advaddr::check(y.vrid, y.is_ipv6(), &wire(y), &wire(x));
        if let Err(why) = why {
            let line = |m: Member, list: &[IpAddr]| match list.first() {
                Some(&ip) => c.line_of_addr(m, "virtual_ipaddress", ip),
                None => c.line_of(m, "virtual_ipaddress"),
            };
            let sa = Site {
                node: a.node,
                line: line(a, &only_x),
            };
            let sb = Site {
                node: b.node,
                line: line(b, &only_y),
            };
            let list = |l: &[IpAddr]| {
                if l.is_empty() {
                    "nothing".to_string()
                } else {
                    l.iter()
                        .map(IpAddr::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            self.push(
                Severity::Error,
                "vips",
                &[sb, sa],
                format!(
                    "{me} the VIPs differ: {} only here, {} only at {}: each node drops the other's adverts (keepalived's address-list check, \"{}\"), so both become Master",
                    list(&only_y),
                    list(&only_x),
                    self.at(sa),
                    why
                ),
            );
        }
        for v in &y.vips {
            let Some(w) = x.vips.iter().find(|w| w.addr == v.addr) else {
                continue;
            };
            if w.prefix_len != v.prefix_len {
                let sa = Site {
                    node: a.node,
                    line: c.line_of_addr(a, "virtual_ipaddress", v.addr),
                };
                let sb = Site {
                    node: b.node,
                    line: c.line_of_addr(b, "virtual_ipaddress", v.addr),
                };
                self.push(
                    Severity::Warning,
                    "vips",
                    &[sb, sa],
                    format!(
                        "{me} VIP {}/{} here, /{} at {}: the subnet route clients reach changes with the Master",
                        v.addr,
                        v.prefix_len,
                        w.prefix_len,
                        self.at(sa)
                    ),
                );
            }
        }
    }

    /// Unicast: every node must list every other's source, and no two share one.
    fn peers(&mut self, members: &[Member]) {
        let c = self.c;
        for &a in members {
            for &b in members.iter().filter(|&&b| b != a) {
                let (x, src) = (c.inst(a), c.pairing.source(b));
                let me = format!("({})", x.name);
                if src.known == Known::Configured
                    && c.inst(a).unicast_src == Some(src.addr)
                    && a.node < b.node
                {
                    let (sa, sb) = (self.src_site(a), self.src_site(b));
                    let word = if x.is_unicast() {
                        "unicast_src_ip"
                    } else {
                        "mcast_src_ip"
                    };
                    self.push(
                        Severity::Error,
                        "unicast_src_ip",
                        &[sa, sb],
                        format!(
                            "{me} {word} {} here and at {}: each node takes the other's adverts for its own (\"{}\") and both become Master",
                            src.addr,
                            self.at(sb),
                            Discard::OwnAdvert
                        ),
                    );
                }
                let both_unicast = x.is_unicast() && c.inst(b).is_unicast();
                let range = x.peer_ttl.iter().find(|t| t.addr == src.addr);
                let sent = c.inst(b).unicast_ttl.unwrap_or(255);
                if let Some(r) = range.filter(|r| both_unicast && !(r.min..=r.max).contains(&sent))
                {
                    let sa = Site {
                        node: a.node,
                        line: c.line_of_addr(a, "unicast_peer", src.addr),
                    };
                    let sb = self.site(b, "unicast_ttl");
                    self.push(
                        Severity::Error,
                        "unicast_ttl",
                        &[sa, sb],
                        format!(
                            "{me} unicast_peer {} accepts TTL {}-{} here, but {} sends TTL {sent} ({}): keepalived drops every advert from it, and both become Master (tinyvrrpd does not act on TTL settings yet: it sends and expects 255)",
                            src.addr,
                            r.min,
                            r.max,
                            self.name(b),
                            self.at(sb)
                        ),
                    );
                }
                if !both_unicast || x.unicast_peers.contains(&src.addr) {
                    continue;
                }
                let sa = self.site(a, "unicast_peer");
                match src.known {
                    Known::Configured | Known::Inferred => {
                        let sb = self.src_site(b);
                        let peers: Vec<String> =
                            x.unicast_peers.iter().map(IpAddr::to_string).collect();
                        self.push(
                            Severity::Error,
                            "unicast_peer",
                            &[sa, sb],
                            format!(
                                "{me} unicast_peer {} does not name {}'s source {} ({}): this node neither sends it adverts nor accepts its adverts (\"{}\"), so both become Master",
                                peers.join(", "),
                                self.name(b),
                                src.addr,
                                self.at(sb),
                                Discard::NotPeer
                            ),
                        );
                    }
                    Known::Assumed => {
                        let sb = Site {
                            node: b.node,
                            line: c.inst(b).line,
                        };
                        self.push(
                            Severity::Note,
                            "unicast_peer",
                            &[sa, sb],
                            format!(
                                "{me} cannot tell whether unicast_peer names {}: {} sets no unicast_src_ip, so its adverts leave from {}'s {} address, which must be one of these peers (the simulation assumes it is not)",
                                self.name(b),
                                self.at(sb),
                                c.inst(b).interface,
                                if c.inst(b).is_ipv6() { "link-local" } else { "primary" }
                            ),
                        );
                    }
                }
            }
            // A peer that is none of the nodes checked: fine for a node not given, a typo
            // otherwise. Only said when every other node's source is known.
            let x = c.inst(a);
            if let Some(own) = x.unicast_src.filter(|s| x.unicast_peers.contains(s)) {
                let sa = Site {
                    node: a.node,
                    line: c.line_of_addr(a, "unicast_peer", own),
                };
                let ss = self.src_site(a);
                self.push(
                    Severity::Warning,
                    "unicast_peer",
                    &[sa, ss],
                    format!(
                        "({}) unicast_peer {own} is this node's own unicast_src_ip ({}): it sends adverts to itself",
                        x.name,
                        self.at(ss)
                    ),
                );
            }
            let others: Vec<_> = members
                .iter()
                .filter(|&&b| b != a)
                .map(|&b| c.pairing.source(b))
                .collect();
            if others.iter().all(|s| s.known != Known::Assumed) {
                let strangers = x
                    .unicast_peers
                    .iter()
                    .filter(|&&p| others.iter().all(|s| s.addr != p) && Some(p) != x.unicast_src);
                for p in strangers {
                    let sa = Site {
                        node: a.node,
                        line: c.line_of_addr(a, "unicast_peer", *p),
                    };
                    let node_names: Vec<&str> = members
                        .iter()
                        .filter(|&&b| b != a)
                        .map(|&b| self.name(b))
                        .collect();
                    self.push(
                        Severity::Note,
                        "unicast_peer",
                        &[sa],
                        format!(
                            "({}) unicast_peer {p} is none of the nodes checked ({}): a node not given here, or a typo",
                            x.name,
                            node_names.join(", ")
                        ),
                    );
                }
            }
        }
    }

    fn priorities(&mut self, members: &[Member]) {
        let c = self.c;
        let (top, second) = (members[0], members[1]);
        let (x, y) = (c.inst(top), c.inst(second));
        let owners: Vec<Member> = members
            .iter()
            .copied()
            .filter(|&m| c.inst(m).priority == PRIORITY_OWNER)
            .collect();
        if owners.len() > 1 {
            let sites: Vec<Site> = owners.iter().map(|&m| self.site(m, "priority")).collect();
            let others: Vec<String> = sites[1..].iter().map(|&s| self.at(s)).collect();
            self.push(
                Severity::Error,
                "priority",
                &sites,
                format!(
                    "({}) priority 255 here and at {}: only one node can own the addresses; each becomes Master at once on start, and two owners fight over the VIPs",
                    x.name,
                    others.join(", ")
                ),
            );
        } else if x.priority == y.priority {
            let (sa, sb) = (self.site(top, "priority"), self.site(second, "priority"));
            let (pa, pb) = (c.pairing.source(top), c.pairing.source(second));
            let who = if pa.known == Known::Assumed || pb.known == Known::Assumed {
                "the node whose primary address is higher wins, which the files do not tell"
                    .to_string()
            } else {
                let (w, a) = if pa.addr > pb.addr {
                    (top, pa.addr)
                } else {
                    (second, pb.addr)
                };
                format!("the higher address wins: {} ({a})", self.name(w))
            };
            self.push(
                Severity::Note,
                "priority",
                &[sb, sa],
                format!(
                    "({}) priority {} here and at {}: {who}",
                    y.name,
                    y.priority,
                    self.at(sa)
                ),
            );
        }
        let masters: Vec<Member> = members
            .iter()
            .copied()
            .filter(|&m| c.inst(m).initial_state == InitialState::Master)
            .collect();
        if masters.len() > 1 {
            let sites: Vec<Site> = masters.iter().map(|&m| self.site(m, "state")).collect();
            let others: Vec<String> = sites[1..].iter().map(|&s| self.at(s)).collect();
            self.push(
                Severity::Warning,
                "state",
                &sites,
                format!(
                    "({}) state MASTER here and at {}: started together, each takes over after one advert interval and the lower priority then yields — a moment with two Masters",
                    c.inst(masters[0]).name,
                    others.join(", ")
                ),
            );
        } else if let Some(&m) = masters
            .first()
            .filter(|&&m| c.inst(m).priority < x.priority)
        {
            let (sm, st) = (self.site(m, "state"), self.site(top, "priority"));
            self.push(
                Severity::Note,
                "state",
                &[sm, st],
                format!(
                    "({}) state MASTER here, but {} has the higher priority {} ({}): the hint only makes this node take over sooner at start-up; it yields as soon as it hears {}",
                    c.inst(m).name,
                    self.name(top),
                    x.priority,
                    self.at(st),
                    self.name(top)
                ),
            );
        }
    }

    /// nopreempt and preempt_delay act only on a node that would preempt: one with a
    /// higher priority than the Master it hears.
    fn preemption(&mut self, members: &[Member]) {
        let c = self.c;
        let top = members[0];
        let x = c.inst(top);
        for &m in &members[1..] {
            let y = c.inst(m);
            if y.priority >= x.priority {
                continue;
            }
            for (set, kw) in [
                (!y.preempt, "nopreempt"),
                (!y.preempt_delay.is_zero(), "preempt_delay"),
            ] {
                if set {
                    let (sm, st) = (self.site(m, kw), self.site(top, "priority"));
                    self.push(
                        Severity::Note,
                        "preempt",
                        &[sm, st],
                        format!(
                            "({}) {kw} here has no effect: this node ({}) never preempts {} ({}, {}); set it on {} for the VIPs to stay where they are after a failover",
                            y.name,
                            y.priority,
                            self.name(top),
                            x.priority,
                            self.at(st),
                            self.name(top)
                        ),
                    );
                }
            }
        }
        if !x.preempt {
            let s = self.site(top, "nopreempt");
            let others: Vec<String> = members[1..]
                .iter()
                .map(|&m| self.at(self.site(m, "priority")))
                .collect();
            self.push(
                Severity::Note,
                "preempt",
                &[s, self.site(members[1], "priority")],
                format!(
                    "({}) nopreempt on {}, the highest priority: when it returns after a failover, the VIPs stay on the node that took them ({}) until that one fails",
                    x.name,
                    self.name(top),
                    others.join(", ")
                ),
            );
        } else if !x.preempt_delay.is_zero() {
            let s = self.site(top, "preempt_delay");
            self.push(
                Severity::Note,
                "preempt",
                &[s, self.site(members[1], "priority")],
                format!(
                    "({}) preempt_delay on {}: when it returns it takes the VIPs back from {} only {} s after hearing it",
                    x.name,
                    self.name(top),
                    self.at(self.site(members[1], "priority")),
                    secs_f(x.preempt_delay.as_micros() as u64)
                ),
            );
        }
    }

    /// Weights that can never move the VIP, and ones that move it in normal operation.
    fn weights(&mut self, members: &[Member]) {
        let c = self.c;
        let normal: Vec<Option<u8>> = members.iter().map(|&m| effective(c, m, None)).collect();
        // Who is Master when every check and interface is good.
        let best = (0..members.len())
            .filter(|&k| normal[k].is_some())
            .max_by_key(|&k| (normal[k], core::cmp::Reverse(k)));
        let Some(w) = best else { return };
        let (master, prio) = (members[w], normal[w].unwrap_or(0));
        let top = members[0];
        if w != 0 && normal[0].is_some_and(|p| p < prio) {
            let x = c.inst(master);
            let lines: Vec<Site> = trackers(c, master)
                .into_iter()
                .filter(|t| t.tracker.weight != 0)
                .map(|t| Site {
                    node: master.node,
                    line: t.line,
                })
                .collect();
            let here = lines
                .first()
                .copied()
                .unwrap_or(self.site(master, "priority"));
            let st = self.site(top, "priority");
            self.push(
                Severity::Warning,
                "weight",
                &[here, st],
                format!(
                    "({}) with every check and interface good, {} runs at priority {prio} (base {}) and beats {}'s {} ({}): the weights move the VIPs in normal operation, not only on a failure",
                    x.name,
                    self.name(master),
                    x.priority,
                    self.name(top),
                    normal[0].unwrap_or(0),
                    self.at(st)
                ),
            );
        }
        // The best of the others, as the Master's failing trackers must fall below it.
        let Some(rival) = (0..members.len())
            .filter(|&k| k != w)
            .filter(|&k| normal[k].is_some())
            .max_by_key(|&k| normal[k])
        else {
            return;
        };
        let rival_prio = normal[rival].unwrap_or(0);
        let (ps, pr) = (c.pairing.source(master), c.pairing.source(members[rival]));
        let wins_tie =
            ps.known != Known::Assumed && pr.known != Known::Assumed && ps.addr > pr.addr;
        for (k, t) in trackers(c, master).into_iter().enumerate() {
            if t.tracker.weight == 0 {
                continue;
            }
            let Some(failed) = effective(c, master, Some(k)) else {
                continue;
            };
            if failed > rival_prio || (failed == rival_prio && wins_tie) {
                let sr = self.site(members[rival], "priority");
                let sign = if failed < prio { "−" } else { "+" };
                self.push(
                    Severity::Warning,
                    "weight",
                    &[Site { node: master.node, line: t.line }, sr],
                    format!(
                        "({}) {} {} weight {} can never move the VIPs: when it fails, {} runs at {prio} {sign} {} = {failed}, still above {}'s {rival_prio} ({})",
                        c.inst(master).name,
                        t.kind,
                        t.name,
                        t.tracker.weight,
                        self.name(master),
                        prio.abs_diff(failed),
                        self.name(members[rival]),
                        self.at(sr)
                    ),
                );
            }
        }
    }

    /// An instance no other node pairs with: a VRID that differs for the same
    /// addresses, or a router nothing backs up.
    fn alone(&mut self, m: Member) {
        let c = self.c;
        if c.nodes.len() < 2 {
            return;
        }
        let x = c.inst(m);
        for (n, node) in c.nodes.iter().enumerate().filter(|&(n, _)| n != m.node) {
            for (k, y) in node.config.instances.iter().enumerate() {
                let other = Member { node: n, inst: k };
                let alone_too = c.pairing.routers[c.pairing.router[n][k]].members.len() == 1;
                if y.vrid == x.vrid || pairing::evidence(x, y) != Evidence::Addresses {
                    continue;
                }
                if alone_too && n < m.node {
                    return; // reported from the other side
                }
                let (sm, so) = (
                    self.site(m, "virtual_router_id"),
                    self.site(other, "virtual_router_id"),
                );
                self.push(
                    Severity::Error,
                    "vrid",
                    &[sm, so],
                    format!(
                        "({}) virtual_router_id {} here, {} at {} for the same addresses: neither node has an instance for the other's VRID, so each ignores the other's adverts and both become Master",
                        x.name,
                        x.vrid,
                        y.vrid,
                        self.at(so)
                    ),
                );
                return;
            }
        }
        let s = self.site(m, "virtual_router_id");
        self.push(
            Severity::Warning,
            "alone",
            &[s],
            format!(
                "({}) no other node has VRID {} on this segment: nothing takes over its VIPs when {} fails",
                x.name,
                x.vrid,
                self.name(m)
            ),
        );
    }

    /// The members of a sync group must be paired with members of one sync group on
    /// every other node, or their VIPs can end up on different nodes.
    fn sync_groups(&mut self) {
        let c = self.c;
        for (n, node) in c.nodes.iter().enumerate() {
            for g in &node.config.sync_groups {
                let members: Vec<usize> = g
                    .members
                    .iter()
                    .filter_map(|name| node.config.instances.iter().position(|i| &i.name == name))
                    .collect();
                let here = Site {
                    node: n,
                    line: g.line,
                };
                for (o, other) in c.nodes.iter().enumerate().filter(|&(o, _)| o != n) {
                    let partner = |k: usize| {
                        let r = &c.pairing.routers[c.pairing.router[n][k]];
                        r.members.iter().find(|m| m.node == o).map(|m| m.inst)
                    };
                    let group_of = |k: usize| {
                        let name = &other.config.instances[k].name;
                        other
                            .config
                            .sync_groups
                            .iter()
                            .find(|h| h.members.contains(name))
                    };
                    let mut seen: Option<(&str, u32)> = None;
                    for &k in &members {
                        let inst = &node.config.instances[k];
                        let problem = match partner(k) {
                            None => Some(format!("{} has no partner on {}", inst.name, other.name)),
                            Some(p) => match (group_of(p), seen) {
                                (None, _) => Some(format!(
                                    "{}'s partner {} on {} is in no sync group ({})",
                                    inst.name,
                                    other.config.instances[p].name,
                                    other.name,
                                    c.at(o, other.config.instances[p].line)
                                )),
                                (Some(h), Some((name, _))) if h.name != name => Some(format!(
                                    "on {}, {}'s partner is in sync group {} ({}) but another member's in {name}",
                                    other.name,
                                    inst.name,
                                    h.name,
                                    c.at(o, h.line)
                                )),
                                (Some(h), _) => {
                                    seen = Some((&h.name, h.line));
                                    None
                                }
                            },
                        };
                        if let Some(p) = problem {
                            let there = Site {
                                node: o,
                                line: seen.map_or(
                                    partner(k).map_or(0, |p| other.config.instances[p].line),
                                    |s| s.1,
                                ),
                            };
                            self.push(
                                Severity::Warning,
                                "sync_group",
                                &[here, there],
                                format!(
                                    "sync group {}: {p}: when {} fails over, its VIPs and those of the other members can end up on different nodes",
                                    g.name, inst.name
                                ),
                            );
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// One weighted or fault-making object an instance tracks, as the daemon's tracking
/// sees it (`config::params` has the weights).
pub struct Tracked {
    pub kind: &'static str,
    pub name: String,
    pub line: u32,
    pub tracker: Tracker,
}

/// What member `m` tracks besides its own interface, all good.
pub fn trackers(c: &Cluster, m: Member) -> Vec<Tracked> {
    let node = &c.nodes[m.node];
    let inst = c.inst(m);
    let good = |weight, reverse| Tracker {
        weight,
        reverse,
        health: Health::Good,
    };
    let mut out: Vec<Tracked> = inst
        .track_interfaces
        .iter()
        .map(|t| Tracked {
            kind: "track_interface",
            name: t.name.clone(),
            line: t.line,
            tracker: good(params::interface_weight(t), t.reverse),
        })
        .collect();
    for t in &inst.track_scripts {
        if let Some(s) = node.config.scripts.iter().find(|s| s.name == t.name) {
            out.push(Tracked {
                kind: "track_script",
                name: t.name.clone(),
                line: t.line,
                tracker: good(params::script_weight(t, s), t.reverse),
            });
        }
    }
    out
}

/// Member `m`'s effective priority with everything good, or with tracker `failed`
/// failing (`vrrp::track`'s rules); None in FAULT.
fn effective(c: &Cluster, m: Member, failed: Option<usize>) -> Option<u8> {
    let ts = trackers(c, m)
        .into_iter()
        .enumerate()
        .map(|(k, t)| Tracker {
            health: if Some(k) == failed {
                Health::Failed
            } else {
                Health::Good
            },
            ..t.tracker
        });
    match verdict(c.inst(m).priority, ts) {
        Verdict::Priority(p) => Some(p),
        Verdict::Fault | Verdict::Pending => None,
    }
}

/// An interval as written in a config: whole seconds, or with the fraction.
pub fn secs(i: Centis) -> String {
    secs_f(u64::from(i.0) * 10_000)
}

/// Microseconds as seconds, without trailing zeros (1, 0.5, 3.609375).
pub fn secs_f(us: u64) -> String {
    let (s, frac) = (us / 1_000_000, us % 1_000_000);
    if frac == 0 {
        return s.to_string();
    }
    let f = format!("{frac:06}");
    format!("{s}.{}", f.trim_end_matches('0'))
}

#[cfg(test)]
mod tests;
