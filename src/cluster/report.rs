//! A cluster check's result, for people (text) and for tools (`--json`): the virtual
//! routers found, the cross-check findings, and each scenario's timeline.

use super::Cluster;
use super::checks::{self, Finding, Severity};
use super::json::{Json, ms};
use super::node::Node;
use super::pairing::{Known, Member};
use super::scenario::{self, Outcome, Played};
use super::sim::Segment;
use crate::vrrp::machine::InitialState;
use crate::vrrp::timers::{Instant, master_down_interval, skew_time};
use core::fmt::Write;
use core::time::Duration;

pub struct Report {
    pub cluster: Cluster,
    pub findings: Vec<Finding>,
    pub segment: Segment,
    pub step: Duration,
    pub played: Vec<Played>,
}

/// Pair, cross-check and simulate `nodes`.
pub fn check(nodes: Vec<Node>, segment: Segment) -> Report {
    let cluster = Cluster::new(nodes);
    let findings = checks::run(&cluster);
    let played = scenario::play_all(&cluster, segment);
    Report {
        step: scenario::step_length(&cluster),
        cluster,
        findings,
        segment,
        played,
    }
}

impl Report {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    fn router_name(&self, r: usize) -> &str {
        let c = &self.cluster;
        let m = self.members(r)[0];
        &c.inst(m).name
    }

    /// What a service is called in timelines: its intended Master's instance name,
    /// with the VRIDs when that is not enough.
    fn service_name(&self, s: usize) -> String {
        let c = &self.cluster;
        let routers = &c.pairing.services[s];
        let name = self.router_name(routers[0]);
        let vrids: Vec<String> = routers
            .iter()
            .map(|&r| c.pairing.routers[r].vrid.to_string())
            .collect();
        let same_name = (0..c.pairing.services.len())
            .filter(|&o| o != s)
            .any(|o| self.router_name(c.pairing.services[o][0]) == name);
        match (vrids.len(), same_name) {
            (1, false) => name.to_string(),
            (1, true) => format!("{name} (VRID {})", vrids[0]),
            _ => format!("{name} (VRIDs {})", vrids.join(" and ")),
        }
    }

    /// The members of router `r`, the intended Master first.
    fn members(&self, r: usize) -> Vec<Member> {
        let c = &self.cluster;
        let mut ms = c.pairing.routers[r].members.clone();
        ms.sort_by_key(|m| (core::cmp::Reverse(c.inst(*m).priority), m.node));
        ms
    }

    fn names(&self, nodes: &[usize]) -> String {
        if nodes.is_empty() {
            return "nobody".to_string();
        }
        let names: Vec<&str> = nodes
            .iter()
            .map(|&n| self.cluster.nodes[n].name.as_str())
            .collect();
        names.join(" and ")
    }

    pub fn text(&self) -> String {
        let c = &self.cluster;
        let mut s = String::new();
        let nodes: Vec<String> = c
            .nodes
            .iter()
            .map(|n| format!("{} ({})", n.name, n.file))
            .collect();
        let _ = writeln!(
            s,
            "Cluster of {} nodes: {}",
            c.nodes.len(),
            nodes.join(", ")
        );
        for r in 0..c.pairing.routers.len() {
            self.router_text(&mut s, r);
        }
        s.push('\n');
        if self.findings.is_empty() {
            s.push_str("Cross-checks: nothing to report\n");
        } else {
            let counts: Vec<String> = [Severity::Error, Severity::Warning, Severity::Note]
                .into_iter()
                .filter(|&sev| self.count(sev) > 0)
                .map(|sev| {
                    let n = self.count(sev);
                    format!("{n} {}{}", sev.as_str(), if n == 1 { "" } else { "s" })
                })
                .collect();
            let _ = writeln!(s, "Cross-checks: {}", counts.join(", "));
            for f in &self.findings {
                let at = f.sites[0];
                let _ = writeln!(
                    s,
                    "{}: {}: {}",
                    c.at(at.node, at.line),
                    f.severity.as_str(),
                    f.message
                );
            }
        }
        let seg = &self.segment;
        let _ = writeln!(
            s,
            "\nSimulation (tinyvrrpd's behaviour, virtual time): latency {} ms, loss {} %, seed {}, steps {} s apart",
            ms(seg.latency.as_micros() as u64),
            percent(seg.loss_ppm),
            seg.seed,
            self.step.as_secs()
        );
        for (k, p) in self.played.iter().enumerate() {
            self.played_text(&mut s, k + 1, p);
        }
        self.summary_text(&mut s);
        s
    }

    fn router_text(&self, s: &mut String, r: usize) {
        let c = &self.cluster;
        let members = self.members(r);
        let i = c.inst(members[0]);
        let vips: Vec<String> = i
            .vips
            .iter()
            .map(|v| format!("{}/{}", v.addr, v.prefix_len))
            .collect();
        let _ = writeln!(
            s,
            "\nVirtual router {}: VRID {}, VRRPv{}, {}, {}, advert_int {} s, VIP{} {}",
            i.name,
            i.vrid,
            i.version as u8,
            if i.is_ipv6() { "IPv6" } else { "IPv4" },
            if i.is_unicast() {
                "unicast"
            } else {
                "multicast"
            },
            checks::secs(i.advert_interval),
            if vips.len() == 1 { "" } else { "s" },
            vips.join(" ")
        );
        for m in &members {
            let i = c.inst(*m);
            let src = c.pairing.source(*m);
            let from = match src.known {
                Known::Configured => src.addr.to_string(),
                Known::Inferred => format!("{} (a peer of the others)", src.addr),
                Known::Assumed if i.is_ipv6() => {
                    format!("{}'s link-local address (not in the file)", i.interface)
                }
                Known::Assumed => format!("{}'s primary address (not in the file)", i.interface),
            };
            let iv = i.advert_interval.as_duration();
            let _ = writeln!(
                s,
                "  {:<10} {}  {}, priority {}, state {}, from {from}; Skew_Time {} s, Master_Down_Interval {} s",
                c.nodes[m.node].name,
                c.at(m.node, i.line),
                i.name,
                i.priority,
                match i.initial_state {
                    InitialState::Master => "MASTER",
                    InitialState::Backup => "BACKUP",
                },
                secs3(skew_time(i.version, i.priority, iv)),
                secs3(master_down_interval(i.version, i.priority, iv)),
            );
        }
    }

    fn played_text(&self, s: &mut String, k: usize, p: &Played) {
        let c = &self.cluster;
        for (j, step) in p.steps.iter().enumerate() {
            let what = match &step.event {
                None => "start-up: every node starts".to_string(),
                Some(e) => e.describe(c),
            };
            if j == 0 {
                let _ = writeln!(s, "\n{k}. {what} at {} s", secs3(since0(step.at)));
            } else {
                let _ = writeln!(s, "   then {what} at {} s", secs3(since0(step.at)));
            }
            let end = p.steps.get(j + 1).map(|n| n.at);
            for l in p
                .lines
                .iter()
                .filter(|l| l.at >= step.at && end.is_none_or(|e| l.at < e))
            {
                let _ = writeln!(
                    s,
                    "   {:>8}  {:<10} {}",
                    secs3(since0(l.at)),
                    c.nodes[l.node].name,
                    l.text
                );
            }
            for (r, o) in step.outcomes.iter().enumerate() {
                if c.pairing.service_members(r).len() < 2 && o.before == o.after {
                    continue;
                }
                let shortest = p.shortest.as_ref().filter(|_| j == 0).map(|v| &v[r]);
                let _ = writeln!(
                    s,
                    "   -> {}: {}",
                    self.service_name(r),
                    self.outcome_text(o, step.event.is_none(), shortest)
                );
            }
        }
        if p.exhausted {
            s.push_str("   (the simulation stopped early: too many events)\n");
        }
    }

    /// One step's result for one router, in words.
    fn outcome_text(&self, o: &Outcome, startup: bool, shortest: Option<&Outcome>) -> String {
        let mut parts: Vec<String> = Vec::new();
        let gained = o.after.iter().any(|n| !o.before.contains(n));
        match o.handover {
            Some(h) if o.after.is_empty() => {
                parts.push(format!("nobody holds the VIPs from {} s on", secs3(h)))
            }
            Some(h) if !gained => {
                let gone: Vec<usize> = o
                    .before
                    .iter()
                    .copied()
                    .filter(|n| !o.after.contains(n))
                    .collect();
                let when = if h.is_zero() {
                    "at once".to_string()
                } else {
                    format!("after {} s", secs3(h))
                };
                parts.push(format!(
                    "stays on {}; {} lets go {when}",
                    self.names(&o.after),
                    self.names(&gone)
                ));
            }
            Some(h) => {
                let range = range(shortest.and_then(|e| e.handover), h);
                let verb = match (startup, o.after.len()) {
                    (true, 1) => "holds the VIPs after",
                    (true, _) => "hold the VIPs after",
                    (false, 1) => "takes the VIPs after",
                    (false, _) => "take the VIPs after",
                };
                parts.push(format!("{} {verb} {range} s", self.names(&o.after)));
            }
            None if o.after.is_empty() => parts.push("nobody holds the VIPs".to_string()),
            None => parts.push(format!("stays on {}", self.names(&o.after))),
        }
        if !startup && gained || !o.gap.is_zero() {
            if o.gap.is_zero() {
                parts.push("no gap for clients".to_string());
            } else {
                let range = range(shortest.map(|e| e.gap), o.gap);
                parts.push(format!("clients without the VIPs for {range} s"));
            }
        }
        if !o.no_master.is_zero() && o.gap < o.no_master {
            parts.push(format!(
                "no Master for {} s while the VIPs stayed served (make before break)",
                secs3(o.no_master)
            ));
        }
        for &(a, b) in &o.two_masters {
            if a == b {
                parts.push(format!(
                    "two Masters at {} s for as long as an advert takes to arrive",
                    secs3(since0(a))
                ));
            } else if (a, b) == (o.start, o.end) {
                parts.push("two Masters throughout".to_string());
            } else if b == o.end {
                parts.push(format!("two Masters from {} s on", secs3(since0(a))));
            } else {
                parts.push(format!(
                    "two Masters for {} s from {} s",
                    secs3(b - a),
                    secs3(since0(a))
                ));
            }
        }
        parts.join("; ")
    }

    fn summary_text(&self, s: &mut String) {
        let c = &self.cluster;
        let routers: Vec<usize> = (0..c.pairing.services.len()).collect();
        s.push_str(
            "\nSummary (handover: from the event until the new holder has the VIPs alone)\n",
        );
        let what = |e: &Option<scenario::Event>| match e {
            None => "start-up".to_string(),
            Some(e) => e.describe(c),
        };
        let steps = self.played.iter().flat_map(|p| p.steps.iter().enumerate());
        let width = steps
            .map(|(j, st)| what(&st.event).chars().count() + 2 * j.min(1))
            .max()
            .unwrap_or(0);
        for p in &self.played {
            for (j, step) in p.steps.iter().enumerate() {
                let (indent, width) = if j == 0 {
                    ("  ", width)
                } else {
                    ("    ", width - 2)
                };
                let what = what(&step.event);
                let mut cells: Vec<String> = Vec::new();
                for &r in &routers {
                    let o = &step.outcomes[r];
                    let shortest = p.shortest.as_ref().filter(|_| j == 0).map(|v| &v[r]);
                    let gained = o.after.iter().any(|n| !o.before.contains(n));
                    let who = match o.handover {
                        Some(_) if o.after.is_empty() => "nobody".to_string(),
                        Some(h) if gained => {
                            let range = range(shortest.and_then(|e| e.handover), h);
                            format!("{} after {range} s", self.names(&o.after))
                        }
                        _ => format!("stays on {}", self.names(&o.after)),
                    };
                    let gap = if o.gap.is_zero() {
                        String::new()
                    } else {
                        format!(", gap {} s", range(shortest.map(|e| e.gap), o.gap))
                    };
                    let two = match o.two_masters.first() {
                        None => "",
                        Some((a, b)) if a == b && o.two_masters.len() == 1 => {
                            ", two Masters for an instant"
                        }
                        Some(_) => ", two Masters",
                    };
                    cells.push(format!("{}: {who}{gap}{two}", self.service_name(r)));
                }
                let _ = writeln!(s, "{indent}{what:<width$} {}", cells.join("; "));
            }
        }
    }

    pub fn json(&self) -> String {
        let c = &self.cluster;
        let mut j = Json::default();
        j.obj().key("nodes").arr();
        for n in &c.nodes {
            j.obj()
                .key("name")
                .str(&n.name)
                .key("file")
                .str(&n.file)
                .end_obj();
        }
        j.end_arr().key("virtual_routers").arr();
        for r in 0..c.pairing.routers.len() {
            let members = self.members(r);
            let i = c.inst(members[0]);
            j.obj().key("name").str(&i.name).key("vrid").raw(i.vrid);
            j.key("version").raw(i.version as u8);
            j.key("family")
                .str(if i.is_ipv6() { "ipv6" } else { "ipv4" });
            j.key("members").arr();
            for m in &members {
                let i = c.inst(*m);
                let src = c.pairing.source(*m);
                let iv = i.advert_interval.as_duration();
                j.obj().key("node").str(&c.nodes[m.node].name);
                j.key("file")
                    .str(&c.nodes[m.node].file)
                    .key("line")
                    .raw(i.line);
                j.key("instance")
                    .str(&i.name)
                    .key("priority")
                    .raw(i.priority);
                j.key("mode").str(if i.is_unicast() {
                    "unicast"
                } else {
                    "multicast"
                });
                j.key("advert_interval_ms").raw(ms(iv.as_micros() as u64));
                let known = src.known != Known::Assumed;
                let addr = src.addr.to_string();
                j.key("source").opt_str(known.then_some(addr.as_str()));
                let us = |d: Duration| ms(d.as_micros() as u64);
                j.key("skew_time_ms")
                    .raw(us(skew_time(i.version, i.priority, iv)));
                j.key("master_down_interval_ms")
                    .raw(us(master_down_interval(i.version, i.priority, iv)));
                j.end_obj();
            }
            j.end_arr().end_obj();
        }
        j.end_arr().key("findings").arr();
        for f in &self.findings {
            j.obj()
                .key("severity")
                .str(f.severity.as_str())
                .key("check")
                .str(f.check);
            j.key("message").str(&f.message).key("sites").arr();
            for site in &f.sites {
                j.obj()
                    .key("file")
                    .str(&c.nodes[site.node].file)
                    .key("line")
                    .raw(site.line)
                    .end_obj();
            }
            j.end_arr().end_obj();
        }
        j.end_arr();
        j.key("errors").raw(self.count(Severity::Error));
        j.key("warnings").raw(self.count(Severity::Warning));
        let seg = &self.segment;
        j.key("simulation").obj();
        j.key("latency_ms").raw(ms(seg.latency.as_micros() as u64));
        j.key("loss_percent").raw(percent(seg.loss_ppm));
        j.key("seed")
            .raw(seg.seed)
            .key("step_ms")
            .raw(ms(self.step.as_micros() as u64));
        j.key("scenarios").arr();
        for p in &self.played {
            self.played_json(&mut j, p);
        }
        j.end_arr().end_obj().end_obj();
        let mut out = j.finish();
        out.push('\n');
        out
    }

    fn played_json(&self, j: &mut Json, p: &Played) {
        let c = &self.cluster;
        let at = |t: Instant| ms(t.as_micros());
        j.obj().key("kind").str(p.plan.kind).key("steps").arr();
        for (k, step) in p.steps.iter().enumerate() {
            j.obj();
            let what = step.event.as_ref().map(|e| e.describe(c));
            j.key("event").opt_str(what.as_deref());
            let node = step.event.as_ref().map(|e| c.nodes[e.node()].name.as_str());
            j.key("node").opt_str(node).key("at_ms").raw(at(step.at));
            j.key("routers").arr();
            for (r, o) in step.outcomes.iter().enumerate() {
                let names = |j: &mut Json, nodes: &[usize]| {
                    j.arr();
                    for &n in nodes {
                        j.str(&c.nodes[n].name);
                    }
                    j.end_arr();
                };
                j.obj()
                    .key("name")
                    .str(&self.service_name(r))
                    .key("vrids")
                    .arr();
                for &v in &c.pairing.services[r] {
                    j.raw(c.pairing.routers[v].vrid);
                }
                j.end_arr().key("before");
                names(j, &o.before);
                j.key("after");
                names(j, &o.after);
                let d = |v: Option<Duration>| {
                    v.map_or("null".to_string(), |d| ms(d.as_micros() as u64))
                };
                j.key("handover_ms").raw(d(o.handover));
                let early = p.shortest.as_ref().filter(|_| k == 0).map(|v| &v[r]);
                if let Some(e) = early {
                    j.key("handover_min_ms").raw(d(e.handover));
                }
                j.key("gap_ms").raw(d(Some(o.gap)));
                if let Some(e) = early {
                    j.key("gap_min_ms").raw(d(Some(e.gap)));
                }
                j.key("no_master_ms").raw(d(Some(o.no_master)));
                j.key("two_masters").arr();
                for &(a, b) in &o.two_masters {
                    j.obj()
                        .key("from_ms")
                        .raw(at(a))
                        .key("to_ms")
                        .raw(at(b))
                        .end_obj();
                }
                j.end_arr().key("holders").arr();
                for (t, nodes) in &o.holders {
                    j.obj().key("at_ms").raw(at(*t)).key("nodes");
                    names(j, nodes);
                    j.end_obj();
                }
                j.end_arr().end_obj();
            }
            j.end_arr().end_obj();
        }
        j.end_arr().key("log").arr();
        for l in &p.lines {
            j.obj()
                .key("at_ms")
                .raw(at(l.at))
                .key("node")
                .str(&c.nodes[l.node].name);
            j.key("line").str(&l.text).end_obj();
        }
        j.end_arr().end_obj();
    }
}

/// `lo–hi` seconds when the shortest case differs, else `hi`.
fn range(lo: Option<Duration>, hi: Duration) -> String {
    match lo {
        Some(lo) if secs3(lo) != secs3(hi) => format!("{}–{}", secs3(lo), secs3(hi)),
        _ => secs3(hi),
    }
}

/// Parts per million as a percentage (1000 → 0.1).
fn percent(ppm: u32) -> String {
    checks::secs_f(u64::from(ppm) * 100)
}

fn since0(t: Instant) -> Duration {
    t.saturating_since(Instant::from_micros(0))
}

/// Seconds with milliseconds, rounded to the nearest: 0.609, 3.609, 12.000.
fn secs3(d: Duration) -> String {
    let ms = (d.as_micros() as u64 + 500) / 1000;
    format!("{}.{:03}", ms / 1000, ms % 1000)
}
