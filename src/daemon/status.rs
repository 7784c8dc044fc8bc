//! What `tinyvrrpd status` prints and SIGUSR1 writes: one snapshot of every instance,
//! taken from the values the daemon acts on (the tracking views are the ones verdicts
//! are computed from), rendered as text (the dump) or JSON (`--json`) — two renderings
//! of one snapshot, so they cannot disagree. The status socket and the dump files that
//! carry it out are `control`'s.

use super::json::{json_counters, json_str, json_transition};
use super::links::Links;
use super::router::Transition;
use super::routers::Routers;
use super::tracking::{TrackView, Tracking};
use crate::config::model::Instance;
use crate::vrrp::machine::{Counters, Discard, State};
use crate::vrrp::timers::Instant;
use std::fmt::Write as _;
use std::net::IpAddr;

/// Who the instance hears as Master.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MasterSeen {
    Peer(IpAddr, u8),
    /// This node is Master: its own address and priority.
    Me(IpAddr, u8),
    Nobody,
}

struct InstanceView<'a> {
    cfg: &'a Instance,
    state: State,
    priority: u8,
    source: Option<IpAddr>,
    /// What it lacks to take part in the election (it waits in FAULT), and why.
    cannot_run: Option<&'a str>,
    master: MasterSeen,
    group: Option<&'a str>,
    tracking: Vec<TrackView<'a>>,
    counters: Counters,
    last: Option<Transition>,
}

struct GroupView<'a> {
    name: &'a str,
    state: State,
    members: &'a [String],
    last: Option<Transition>,
}

pub struct Snapshot<'a> {
    router_id: &'a str,
    /// When it was taken (for how long ago a transition was).
    now: Instant,
    instances: Vec<InstanceView<'a>>,
    groups: Vec<GroupView<'a>>,
    /// Datagrams dropped before reaching an instance, per interface, by reason.
    dropped: Vec<(&'a str, &'a [(&'static str, u64)])>,
}

impl<'a> Snapshot<'a> {
    pub fn take(
        router_id: &'a str,
        routers: &'a Routers,
        tracking: &'a Tracking,
        links: &'a Links,
        now: Instant,
    ) -> Snapshot<'a> {
        let instances = routers
            .iter()
            .map(|r| {
                let m = r.machine();
                InstanceView {
                    cfg: r.cfg(),
                    state: m.state(),
                    priority: m.priority(),
                    source: r.at().src(),
                    cannot_run: r.at().blocked(),
                    master: match (m.master_seen(), m.state()) {
                        (Some((a, p)), _) => MasterSeen::Peer(a, p),
                        (None, State::Master) => MasterSeen::Me(m.local_addr(), m.priority()),
                        (None, _) => MasterSeen::Nobody,
                    },
                    group: routers.groups().of(&r.cfg().name).map(|g| g.name.as_str()),
                    tracking: tracking.views(r.cfg(), routers.groups().of(&r.cfg().name)),
                    counters: *m.counters(),
                    last: r.last_transition().copied(),
                }
            })
            .collect();
        let groups = routers.groups().iter().map(|(g, state, last)| GroupView {
            name: &g.name,
            state,
            members: &g.members,
            last: last.copied(),
        });
        Snapshot {
            router_id,
            now,
            instances,
            groups: groups.collect(),
            dropped: links.dropped().filter(|d| !d.1.is_empty()).collect(),
        }
    }

    /// The SIGUSR1 dump and `tinyvrrpd status`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Router ID: {}", self.router_id);
        for i in &self.instances {
            let c = i.cfg;
            let _ = writeln!(s, "VRRP Instance: {}", c.name);
            let _ = writeln!(s, "  State: {}", i.state);
            if let Some(why) = i.cannot_run {
                let _ = writeln!(s, "  Cannot run: {why}");
            }
            if let Some(t) = &i.last {
                let ago = self.now.saturating_since(t.at).as_millis() / 100;
                let _ = writeln!(
                    s,
                    "  Last transition: {} -> {} ({}), {}.{} s ago",
                    t.from,
                    t.to,
                    t.why.as_str(),
                    ago / 10,
                    ago % 10
                );
            }
            let _ = writeln!(s, "  Interface: {}", c.interface);
            let _ = writeln!(s, "  Virtual Router ID: {}", c.vrid);
            let _ = writeln!(s, "  Version: {}", c.version as u8);
            let _ = writeln!(s, "  Priority: {} (base {})", i.priority, c.priority);
            let cs = c.advert_interval.0;
            let _ = writeln!(s, "  Advert interval: {}.{:02}s", cs / 100, cs % 100);
            match i.source {
                Some(a) => {
                    let _ = writeln!(s, "  Source address: {a}");
                }
                None => s.push_str("  Source address: none\n"),
            }
            match i.master {
                MasterSeen::Peer(a, p) => {
                    let _ = writeln!(s, "  Master seen: {a} priority {p}");
                }
                MasterSeen::Me(..) => s.push_str("  Master seen: self\n"),
                MasterSeen::Nobody => s.push_str("  Master seen: none\n"),
            }
            let _ = writeln!(s, "  Preempt: {}", if c.preempt { "yes" } else { "no" });
            if let Some(g) = i.group {
                let _ = writeln!(s, "  Sync group: {g}");
            }
            for v in &c.vips {
                let dev = v.dev.as_deref().unwrap_or(&c.interface);
                let _ = writeln!(s, "  VIP: {}/{} dev {dev}", v.addr, v.prefix_len);
            }
            for t in &i.tracking {
                let _ = write!(
                    s,
                    "  Track {}: {} weight {}{}: {}",
                    t.kind,
                    t.name,
                    t.tracker.weight,
                    if t.tracker.reverse { " reverse" } else { "" },
                    t.tracker.health.as_str()
                );
                // A file's number, a process block's count.
                if let Some(v) = t.value {
                    let _ = write!(s, " (value {v})");
                }
                s.push('\n');
            }
            s.push_str("  Counters:");
            for (kind, n) in i.counters.named() {
                let _ = write!(s, " {kind}={n}");
            }
            s.push_str("\n  Discarded:");
            for (kind, n) in Discard::KINDS.iter().zip(i.counters.discarded) {
                let _ = write!(s, " {kind}={n}");
            }
            s.push('\n');
        }
        for g in &self.groups {
            let _ = writeln!(s, "Sync group {}: {}", g.name, g.state);
        }
        for (name, dropped) in &self.dropped {
            for (kind, n) in *dropped {
                let _ = writeln!(s, "Dropped on {name}: {kind}={n}");
            }
        }
        s
    }

    /// SIGUSR2: the counters in the layout of keepalived's /tmp/keepalived.stats, with
    /// the reasons counted per instance; what is dropped before an advert reaches an
    /// instance (TTL, length, checksum, …) is counted per interface, after them.
    pub fn stats(&self) -> String {
        let mut s = String::new();
        for i in &self.instances {
            let c = &i.counters;
            let [vrid, version, not_peer, auth, interval, _own, addr_list] = c.discarded;
            let _ = write!(
                s,
                "VRRP Instance: {}
  Advertisements:
    Received: {}
    Sent: {}
  Became master: {}
  Released master: {}
  Packet Errors:
    Advertisement Interval: {interval}
    Address List: {addr_list}
    Version: {version}
    VRID: {vrid}
    Not a unicast peer: {not_peer}
  Authentication Errors:
    Failure: {auth}
  Priority Zero:
    Received: {}
    Sent: {}
",
                i.cfg.name,
                c.adverts_rx,
                c.adverts_tx,
                c.became_master,
                c.released_master,
                c.priority_zero_rx,
                c.priority_zero_tx
            );
        }
        for (name, dropped) in &self.dropped {
            let _ = writeln!(s, "Interface: {name}\n  Dropped:");
            for (kind, n) in *dropped {
                let _ = writeln!(s, "    {kind}: {n}");
            }
        }
        s
    }

    /// The same snapshot as JSON (`tinyvrrpd status --json`).
    pub fn json(&self) -> String {
        let mut s = String::from("{\"router_id\":");
        json_str(&mut s, self.router_id);
        s.push_str(",\"instances\":[");
        for (k, i) in self.instances.iter().enumerate() {
            let c = i.cfg;
            s.push_str(if k > 0 { ",{\"name\":" } else { "{\"name\":" });
            json_str(&mut s, &c.name);
            s.push_str(",\"state\":");
            json_str(&mut s, i.state.as_str());
            s.push_str(",\"interface\":");
            json_str(&mut s, &c.interface);
            let _ = write!(
                s,
                ",\"vrid\":{},\"version\":{},\"priority\":{{\"base\":{},\"effective\":{}}},\"advert_interval_ms\":{},\"preempt\":{}",
                c.vrid,
                c.version as u8,
                c.priority,
                i.priority,
                u32::from(c.advert_interval.0) * 10,
                c.preempt
            );
            match i.source {
                Some(a) => {
                    let _ = write!(s, ",\"source\":\"{a}\"");
                }
                None => s.push_str(",\"source\":null"),
            }
            s.push_str(",\"cannot_run\":");
            match i.cannot_run {
                Some(why) => json_str(&mut s, why),
                None => s.push_str("null"),
            }
            s.push_str(",\"master_seen\":");
            match i.master {
                MasterSeen::Peer(a, p) | MasterSeen::Me(a, p) => {
                    let _ = write!(s, "{{\"address\":\"{a}\",\"priority\":{p}}}");
                }
                MasterSeen::Nobody => s.push_str("null"),
            }
            s.push_str(",\"sync_group\":");
            match i.group {
                Some(g) => json_str(&mut s, g),
                None => s.push_str("null"),
            }
            s.push_str(",\"vips\":[");
            for (n, v) in c.vips.iter().enumerate() {
                let sep = if n > 0 { "," } else { "" };
                let _ = write!(
                    s,
                    "{sep}{{\"address\":\"{}\",\"prefix\":{},\"dev\":",
                    v.addr, v.prefix_len
                );
                json_str(&mut s, v.dev.as_deref().unwrap_or(&c.interface));
                s.push('}');
            }
            s.push_str("],\"tracking\":[");
            for (n, t) in i.tracking.iter().enumerate() {
                let sep = if n > 0 { "," } else { "" };
                let _ = write!(s, "{sep}{{\"type\":\"{}\",\"name\":", t.kind);
                json_str(&mut s, t.name);
                let _ = write!(
                    s,
                    ",\"weight\":{},\"reverse\":{},\"result\":\"{}\"",
                    t.tracker.weight,
                    t.tracker.reverse,
                    t.tracker.health.as_str()
                );
                if let Some(v) = t.value {
                    let _ = write!(s, ",\"value\":{v}");
                }
                s.push('}');
            }
            s.push_str("],\"counters\":");
            json_counters(&mut s, &i.counters);
            json_transition(&mut s, i.last.as_ref());
            s.push('}');
        }
        s.push_str("],\"sync_groups\":[");
        for (k, g) in self.groups.iter().enumerate() {
            s.push_str(if k > 0 { ",{\"name\":" } else { "{\"name\":" });
            json_str(&mut s, g.name);
            let _ = write!(s, ",\"state\":\"{}\",\"members\":[", g.state);
            for (n, m) in g.members.iter().enumerate() {
                if n > 0 {
                    s.push(',');
                }
                json_str(&mut s, m);
            }
            s.push(']');
            json_transition(&mut s, g.last.as_ref());
            s.push('}');
        }
        s.push_str("],\"dropped\":{");
        for (k, (name, dropped)) in self.dropped.iter().enumerate() {
            if k > 0 {
                s.push(',');
            }
            json_str(&mut s, name);
            s.push_str(":{");
            for (n, (kind, count)) in dropped.iter().enumerate() {
                let sep = if n > 0 { "," } else { "" };
                let _ = write!(s, "{sep}\"{kind}\":{count}");
            }
            s.push('}');
        }
        s.push_str("}}\n");
        s
    }
}

#[cfg(test)]
mod tests;
