//! The nodes on a simulated segment, in virtual time. Each node runs what its daemon
//! runs — the real `Machine` per instance (built by `config::params`, as the daemon
//! builds it), the real `Check` timing per `vrrp_script`, tracking verdicts and sync
//! group following by `vrrp::track` and `vrrp::group` — and does with the machines'
//! actions what the daemon does: adverts cross the segment (with a latency, lost at a
//! seeded rate), VIPs are held or not, and the daemon's log lines are written.
//!
//! What is not simulated: scripts take no time and fail with exit status 1; gratuitous
//! ARP is not sent anywhere (a Master's VIPs count as served from the instant it adds
//! them); the interfaces' own addresses are what the files say or stand-ins.

use super::Cluster;
use super::pairing::Member;
use crate::config::model::Instance;
use crate::config::params;
use crate::os::socket::default_group;
use crate::vrrp::advaddr;
use crate::vrrp::group;
use crate::vrrp::machine::{Action, Advert, Discard, Machine, Reason, State};
use crate::vrrp::ratelimit::LogLimiter;
use crate::vrrp::timers::Instant;
use crate::vrrp::track::{Check, CheckAction, Health, Tracker, Verdict, verdict};
use core::time::Duration;

/// How the simulated segment treats adverts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// One way, every advert alike.
    pub latency: Duration,
    /// Adverts lost, in parts per million, each delivery drawn on its own.
    pub loss_ppm: u32,
    /// The loss draws: the same seed, the same timeline.
    pub seed: u64,
}

impl Default for Segment {
    fn default() -> Segment {
        Segment {
            latency: Duration::ZERO,
            loss_ppm: 0,
            seed: 1,
        }
    }
}

impl Segment {
    /// From the command line: --latency MS and --loss PERCENT (fractions allowed),
    /// --seed N.
    pub fn from_options(
        latency: Option<String>,
        loss: Option<String>,
        seed: Option<String>,
    ) -> Result<Segment, String> {
        let mut seg = Segment::default();
        if let Some(v) = latency {
            let us = decimal(&v, 3).filter(|&us| us <= 10_000_000);
            let us = us.ok_or(format!("--latency {v}: expected milliseconds 0-10000"))?;
            seg.latency = Duration::from_micros(us);
        }
        if let Some(v) = loss {
            let ppm = decimal(&v, 4).filter(|&p| p <= 1_000_000);
            seg.loss_ppm = ppm.ok_or(format!("--loss {v}: expected a percentage 0-100"))? as u32;
        }
        if let Some(v) = seed {
            seg.seed = v
                .parse()
                .map_err(|_| format!("--seed {v}: expected a whole number"))?;
        }
        Ok(seg)
    }
}

/// `D[.F]` scaled by 10^`digits` (`decimal("2.5", 3)` = 2500); None beyond that
/// precision or not a number. Integers only: no float code in the binary.
fn decimal(s: &str, digits: u32) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digit_str = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digit_str(whole) || !(frac.is_empty() || digit_str(frac)) || frac.len() > digits as usize {
        return None;
    }
    let scale = 10u64.pow(digits);
    let f: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let f = f * 10u64.pow(digits - frac.len() as u32);
    whole
        .parse::<u64>()
        .ok()?
        .checked_mul(scale)?
        .checked_add(f)
}

/// How long the daemon waits at most for a new Master before giving up the VIPs on
/// SIGTERM (daemon::SHUTDOWN_GRACE).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// A bound on the events of one run, so that no configuration can loop it forever.
const MAX_EVENTS: u64 = 2_000_000;
/// Exit status of a failing check in the simulation.
const FAILED_STATUS: i32 = 1;

/// What an instance is doing, as the timeline shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The node is not running (crashed, or stopped and gone).
    Down,
    Init,
    Backup,
    Master,
    Fault,
}

impl Role {
    fn of(s: State) -> Role {
        match s {
            State::Initialize => Role::Init,
            State::Backup => Role::Backup,
            State::Master => Role::Master,
            State::Fault => Role::Fault,
        }
    }
}

/// An instance's role or VIPs changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub at: Instant,
    pub member: Member,
    pub role: Role,
    /// Its VIPs are on its interface.
    pub holds: bool,
}

/// A line a node's daemon logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub at: Instant,
    pub node: usize,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Up,
    /// SIGTERM: resigned, still serving VIPs until the new Master is heard.
    Stopping(Instant),
    Down,
}

struct Router {
    m: Machine,
    verdict: Verdict,
    holds: bool,
    recorded: (Role, bool),
}

struct Script {
    name: String,
    check: Check,
}

struct SimNode {
    run: Run,
    routers: Vec<Router>,
    scripts: Vec<Script>,
    limiter: LogLimiter,
}

struct Packet {
    at: Instant,
    seq: u64,
    from: Member,
    to: usize,
    adv: Advert,
}

pub struct Sim<'a> {
    c: &'a Cluster,
    seg: Segment,
    now: Instant,
    nodes: Vec<SimNode>,
    flight: Vec<Packet>,
    seq: u64,
    rng: u64,
    events: u64,
    /// Per node: interfaces that are down, and checks that fail (they outlive restarts).
    links_down: Vec<Vec<String>>,
    failing: Vec<Vec<String>>,
    /// Per node: adverts sent (priority above 0), for the scenarios' timing.
    sent: Vec<u64>,
    pub lines: Vec<Line>,
    pub changes: Vec<Change>,
}

impl<'a> Sim<'a> {
    pub fn new(c: &'a Cluster, seg: Segment) -> Sim<'a> {
        let n = c.nodes.len();
        Sim {
            c,
            seg,
            now: Instant::from_micros(0),
            nodes: (0..n)
                .map(|_| SimNode {
                    run: Run::Down,
                    routers: Vec::new(),
                    scripts: Vec::new(),
                    limiter: LogLimiter::default(),
                })
                .collect(),
            flight: Vec::new(),
            seq: 0,
            // xorshift must not start at 0.
            rng: seg.seed ^ 0x9e37_79b9_7f4a_7c15,
            events: 0,
            links_down: vec![Vec::new(); n],
            failing: vec![Vec::new(); n],
            sent: vec![0; n],
            lines: Vec::new(),
            changes: Vec::new(),
        }
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn cluster(&self) -> &'a Cluster {
        self.c
    }

    pub fn is_up(&self, n: usize) -> bool {
        self.nodes[n].run != Run::Down
    }

    /// Whether the run was cut short by MAX_EVENTS.
    pub fn exhausted(&self) -> bool {
        self.events >= MAX_EVENTS
    }

    fn log(&mut self, node: usize, text: String) {
        self.lines.push(Line {
            at: self.now,
            node,
            text,
        });
    }

    /// The daemon starts on node `n`: instances in Initialize until tracking lets them
    /// start, checks due at once.
    pub fn start(&mut self, n: usize) {
        let c = self.c;
        let cfg = &c.nodes[n].config;
        let now = self.now;
        let mut routers = Vec::new();
        for (k, inst) in cfg.instances.iter().enumerate() {
            let mode = if inst.is_unicast() {
                "unicast"
            } else {
                "multicast"
            };
            self.log(
                n,
                format!(
                    "({}) starting: interface {}, VRID {}, priority {}, VRRPv{}, {mode}",
                    inst.name, inst.interface, inst.vrid, inst.priority, inst.version as u8
                ),
            );
            let src = c.pairing.source[n][k].addr;
            let mut m = Machine::new(params::params(inst), src);
            if !cfg.startup_delay.is_zero() {
                m.delay_start(now + cfg.startup_delay);
            }
            m.set_grouped(
                cfg.sync_groups
                    .iter()
                    .any(|g| g.members.contains(&inst.name)),
            );
            routers.push(Router {
                m,
                verdict: Verdict::Pending,
                holds: false,
                recorded: (Role::Down, false),
            });
        }
        // Only tracked scripts run, as in the daemon.
        let tracked = |name: &str| {
            cfg.instances
                .iter()
                .any(|i| i.track_scripts.iter().any(|t| t.name == name))
        };
        let scripts = cfg
            .scripts
            .iter()
            .filter(|s| tracked(&s.name))
            .map(|s| Script {
                name: s.name.clone(),
                check: Check::new(now, s.interval, s.timeout, s.rise, s.fall, s.init_fail),
            })
            .collect();
        let node = &mut self.nodes[n];
        node.run = Run::Up;
        node.routers = routers;
        node.scripts = scripts;
        for k in 0..self.nodes[n].routers.len() {
            self.record(n, k);
        }
        self.run_checks(n);
        self.apply_tracking(n);
    }

    /// SIGTERM on node `n`: every Master resigns and keeps its VIPs until it hears the
    /// new Master (or the grace runs out); checks stop.
    pub fn stop(&mut self, n: usize) {
        if self.nodes[n].run != Run::Up {
            return;
        }
        self.nodes[n].run = Run::Stopping(self.now + SHUTDOWN_GRACE);
        self.nodes[n].scripts.clear();
        for k in 0..self.nodes[n].routers.len() {
            self.nodes[n].routers[k].m.shutdown(self.now);
            self.drain(n, k);
        }
        self.finish_stop(n);
    }

    /// The daemon of node `n` vanishes (SIGKILL, power): nothing more is sent or
    /// logged, and its VIPs no longer serve anyone.
    pub fn crash(&mut self, n: usize) {
        self.nodes[n].run = Run::Down;
        for k in 0..self.nodes[n].routers.len() {
            self.nodes[n].routers[k].holds = false;
            self.record(n, k);
        }
    }

    /// Check `name` on node `n` fails from now on (or succeeds again).
    pub fn set_failing(&mut self, n: usize, name: &str, failing: bool) {
        let list = &mut self.failing[n];
        list.retain(|s| s != name);
        if failing {
            list.push(name.to_string());
        }
    }

    /// Interface `name` on node `n` goes down or up (netlink tells the daemon at once).
    pub fn set_link(&mut self, n: usize, name: &str, up: bool) {
        let list = &mut self.links_down[n];
        let was_up = !list.iter().any(|l| l == name);
        list.retain(|l| l != name);
        if !up {
            list.push(name.to_string());
        }
        if was_up != up && self.nodes[n].run == Run::Up {
            let word = if up { "up" } else { "down" };
            self.log(n, format!("Netlink reports {name} {word}"));
            self.apply_tracking(n);
        }
    }

    fn link_up(&self, n: usize, name: &str) -> bool {
        !self.links_down[n].iter().any(|l| l == name)
    }

    /// When check `name` on node `n` runs next.
    pub fn next_run(&self, n: usize, name: &str) -> Option<Instant> {
        let s = self.nodes[n].scripts.iter().find(|s| s.name == name)?;
        Some(s.check.poll_timeout())
    }

    /// Adverts node `n` has sent so far (priority 0 excluded).
    pub fn sent(&self, n: usize) -> u64 {
        self.sent[n]
    }

    /// Run until `until`, every event in time order.
    pub fn run_until(&mut self, until: Instant) {
        while let Some(t) = self.next_event().filter(|&t| t <= until) {
            if self.exhausted() {
                break;
            }
            self.step(t);
        }
        self.now = self.now.max(until);
    }

    /// Run until node `n` sends an advert (at most until `limit`); returns when it did.
    pub fn run_until_advert(&mut self, n: usize, limit: Instant) -> Option<Instant> {
        let before = self.sent[n];
        while let Some(t) = self.next_event().filter(|&t| t <= limit) {
            if self.exhausted() {
                break;
            }
            self.step(t);
            if self.sent[n] > before {
                return Some(t);
            }
        }
        self.now = self.now.max(limit);
        None
    }

    fn next_event(&self) -> Option<Instant> {
        let mut next = self.flight.iter().map(|p| p.at).min();
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        for node in &self.nodes {
            match node.run {
                Run::Down => continue,
                Run::Stopping(deadline) => consider(Some(deadline)),
                Run::Up => {
                    for s in &node.scripts {
                        consider(Some(s.check.poll_timeout()));
                    }
                }
            }
            for r in &node.routers {
                consider(r.m.poll_timeout());
            }
        }
        next
    }

    /// Everything due at `t`: adverts arriving, machine timers, checks, stop deadlines.
    fn step(&mut self, t: Instant) {
        self.events += 1;
        self.now = t;
        while let Some(i) = (0..self.flight.len())
            .filter(|&i| self.flight[i].at <= t)
            .min_by_key(|&i| (self.flight[i].at, self.flight[i].seq))
        {
            let p = self.flight.swap_remove(i);
            self.deliver(p);
        }
        for n in 0..self.nodes.len() {
            if self.nodes[n].run == Run::Down {
                continue;
            }
            for k in 0..self.nodes[n].routers.len() {
                let m = &mut self.nodes[n].routers[k].m;
                if m.poll_timeout().is_some_and(|d| d <= t) {
                    m.handle_timeout(t);
                    self.drain(n, k);
                }
            }
            self.settle_groups(n);
            if self.nodes[n].run == Run::Up {
                self.run_checks(n);
            }
            self.finish_stop(n);
        }
    }

    /// A stopping node exits once no instance holds VIPs, or at its grace deadline.
    fn finish_stop(&mut self, n: usize) {
        let Run::Stopping(deadline) = self.nodes[n].run else {
            return;
        };
        let holding = self.nodes[n].routers.iter().any(|r| r.m.holds_vips());
        if holding && self.now < deadline {
            return;
        }
        for k in 0..self.nodes[n].routers.len() {
            self.nodes[n].routers[k].m.release_now();
            self.drain(n, k);
        }
        self.nodes[n].run = Run::Down;
        for k in 0..self.nodes[n].routers.len() {
            self.record(n, k);
        }
        self.log(n, "stopped".to_string());
    }

    /// Start due checks; each ends at once (`FAILED_STATUS` when failing).
    fn run_checks(&mut self, n: usize) {
        let now = self.now;
        let mut changed = false;
        for k in 0..self.nodes[n].scripts.len() {
            let s = &mut self.nodes[n].scripts[k];
            if s.check.poll_timeout() > now {
                continue;
            }
            if s.check.handle_timeout(now) != Some(CheckAction::Start) {
                continue;
            }
            let ok = !self.failing[n].contains(&s.name);
            let text = match s.check.finished(now, ok) {
                Some(Health::Good) => format!("VRRP_Script({}) succeeded", s.name),
                Some(Health::Failed) => {
                    format!(
                        "VRRP_Script({}) failed (exit status {FAILED_STATUS})",
                        s.name
                    )
                }
                Some(Health::Pending) | None => continue,
            };
            changed = true;
            self.log(n, text);
        }
        if changed {
            self.apply_tracking(n);
        }
    }

    /// The daemon's `Routers::apply_tracking`: every instance's verdict (its own
    /// trackers, then its sync group's worst), applied.
    fn apply_tracking(&mut self, n: usize) {
        if self.nodes[n].run != Run::Up {
            return;
        }
        let c = self.c;
        let cfg = &c.nodes[n].config;
        let own: Vec<Verdict> = cfg
            .instances
            .iter()
            .map(|inst| {
                // As the daemon's `Router::blocker`.
                if inst.fault_no_peer {
                    return Verdict::Fault;
                }
                let iface = |(name, weight, reverse): params::TrackedIf<'_>| Tracker {
                    weight,
                    reverse,
                    health: if self.link_up(n, name) {
                        Health::Good
                    } else {
                        Health::Failed
                    },
                };
                let tracked = params::tracked_interfaces(inst).into_iter();
                let mut ts: Vec<Tracker> = tracked.map(iface).collect();
                for t in &inst.track_scripts {
                    let cfg_script = cfg.scripts.iter().find(|s| s.name == t.name);
                    let run = self.nodes[n].scripts.iter().find(|s| s.name == t.name);
                    if let (Some(s), Some(run)) = (cfg_script, run) {
                        ts.push(Tracker {
                            weight: params::script_weight(t, s),
                            reverse: t.reverse,
                            health: run.check.health(),
                        });
                    }
                }
                verdict(inst.priority, ts)
            })
            .collect();
        for k in 0..own.len() {
            let mut v = own[k];
            if let Some(g) = self.group_of(n, k) {
                let members = self.members(n, g);
                v = group::verdict(v, members.iter().map(|&j| own[j]));
                let r = &self.nodes[n].routers[k];
                if v == Verdict::Fault && own[k] != Verdict::Fault && r.verdict != v {
                    let (name, group) = (&cfg.instances[k].name, &cfg.sync_groups[g].name);
                    self.log(
                        n,
                        format!("({name}) sync group {group}: another member is in FAULT"),
                    );
                }
            }
            self.set_verdict(n, k, v);
            self.drain(n, k);
        }
    }

    /// The daemon's `Router::set_verdict`: the machine applies it (`Machine::apply_verdict`).
    fn set_verdict(&mut self, n: usize, k: usize, v: Verdict) {
        let (c, now) = (self.c, self.now);
        let r = &mut self.nodes[n].routers[k];
        r.verdict = v;
        if let Some(old) = r.m.apply_verdict(now, v) {
            let (name, p) = (&c.nodes[n].config.instances[k].name, r.m.priority());
            let text = format!("({name}) Changing effective priority from {old} to {p}");
            self.log(n, text);
        }
    }

    /// Sync group members whose Master_Down_Timer expired take over once their whole
    /// group wants to, all at the same instant (the daemon's `Routers::settle_groups`).
    fn settle_groups(&mut self, n: usize) {
        for k in 0..self.nodes[n].routers.len() {
            let m = &self.nodes[n].routers[k].m;
            if m.state() != State::Backup || !m.wants_master() {
                continue;
            }
            if let Some(g) = self.group_of(n, k) {
                let members = self.members(n, g);
                let routers = &self.nodes[n].routers;
                let others = members.iter().filter(|&&j| j != k);
                if !group::may_become_master(others.map(|&j| routers[j].m.wants_master())) {
                    continue;
                }
                if members
                    .iter()
                    .all(|&j| routers[j].m.state() != State::Master)
                {
                    let name = &self.c.nodes[n].config.sync_groups[g].name;
                    self.log(
                        n,
                        format!("VRRP_Group({name}) Syncing instances to MASTER state"),
                    );
                }
            }
            let now = self.now;
            self.nodes[n].routers[k].m.release_hold(now);
            self.drain(n, k);
        }
    }

    fn group_of(&self, n: usize, k: usize) -> Option<usize> {
        let cfg = &self.c.nodes[n].config;
        let name = &cfg.instances[k].name;
        cfg.sync_groups
            .iter()
            .position(|g| g.members.iter().any(|m| m == name))
    }

    fn members(&self, n: usize, g: usize) -> Vec<usize> {
        let cfg = &self.c.nodes[n].config;
        let names = &cfg.sync_groups[g].members;
        (0..cfg.instances.len())
            .filter(|&j| names.contains(&cfg.instances[j].name))
            .collect()
    }

    /// Carry out router `k`'s actions as the daemon does; its sync group follows each
    /// state change it made on its own (the daemon's `Routers::drain`).
    fn drain(&mut self, n: usize, k: usize) {
        let mut moves: Vec<(State, State, Reason)> = Vec::new();
        let c = self.c;
        let name = &c.nodes[n].config.instances[k].name;
        while let Some(a) = self.nodes[n].routers[k].m.poll_action() {
            match a {
                Action::Transition {
                    from,
                    to: State::Initialize,
                    ..
                } => self.log(n, format!("({name}) stopped, was {from}")),
                Action::Transition { from, to, why } => {
                    self.log(n, format!("({name}) Entering {to} STATE"));
                    moves.push((from, to, why));
                }
                Action::SendAdvert { priority } => self.send(Member { node: n, inst: k }, priority),
                Action::AddVips => self.nodes[n].routers[k].holds = true,
                Action::RemoveVips => self.nodes[n].routers[k].holds = false,
                Action::SendGarp { .. } => {}
                Action::OwnerConflict { src } => {
                    let src = c.addr_name(src);
                    self.log(
                        n,
                        format!(
                            "({name}) CONFIGURATION ERROR: local instance and {src} are both configured as address owner, please resolve"
                        ),
                    );
                }
                Action::LowerPriorityMaster { src, priority } => {
                    let own = self.nodes[n].routers[k].m.priority();
                    let src = c.addr_name(src);
                    self.log(
                        n,
                        format!(
                            "({name}) Received advert from {src} with lower priority {priority}, ours {own}, forcing new election"
                        ),
                    );
                }
            }
        }
        self.record(n, k);
        for (from, to, why) in moves {
            if why == Reason::SyncGroup {
                continue;
            }
            let Some(g) = self.group_of(n, k) else {
                continue;
            };
            for j in self.members(n, g) {
                let state = self.nodes[n].routers[j].m.state();
                let Some(follow) = group::follow(from, to, state) else {
                    continue;
                };
                let cfg = &c.nodes[n].config;
                let text = format!(
                    "({}) following sync group {} to {follow}",
                    cfg.instances[j].name, cfg.sync_groups[g].name
                );
                self.log(n, text);
                self.nodes[n].routers[j].m.sync_to(self.now, follow);
                self.drain(n, j);
            }
        }
    }

    fn record(&mut self, n: usize, k: usize) {
        let r = &self.nodes[n].routers[k];
        let role = if self.nodes[n].run == Run::Down {
            Role::Down
        } else {
            Role::of(r.m.state())
        };
        let now = (role, r.holds);
        if now != r.recorded {
            self.nodes[n].routers[k].recorded = now;
            self.changes.push(Change {
                at: self.now,
                member: Member { node: n, inst: k },
                role,
                holds: now.1,
            });
        }
    }

    /// An advert from `from` onto its segment: to each peer (unicast) or to every node
    /// listening to the group there (multicast); none if its interface is down.
    fn send(&mut self, from: Member, priority: u8) {
        let c = self.c;
        let inst = c.inst(from);
        if priority > 0 {
            self.sent[from.node] += 1;
        }
        if !self.link_up(from.node, &inst.interface) {
            return;
        }
        let adv = Advert {
            src: c.pairing.source(from).addr,
            version: inst.version,
            vrid: inst.vrid,
            priority,
            interval: inst.advert_interval,
            auth: inst.auth_pass,
            mismatch: None,
        };
        let seg = c.pairing.segment[from.node][from.inst];
        let v6 = inst.is_ipv6();
        // Instances of node `b` on this segment and family.
        let there = |b: usize| {
            let instances = c.nodes[b].config.instances.iter().enumerate();
            instances.filter(move |&(k, i)| c.pairing.segment[b][k] == seg && i.is_ipv6() == v6)
        };
        for b in (0..c.nodes.len()).filter(|&b| b != from.node) {
            let copies = if inst.is_unicast() {
                let addrs: Vec<_> = there(b).map(|(k, _)| c.pairing.source[b][k].addr).collect();
                inst.unicast_peers
                    .iter()
                    .filter(|p| addrs.contains(p))
                    .count()
            } else {
                // The same group (`mcast_dst_ip`, `vrrp_mcast_group4/6`, else the RFC's).
                let group = |i: &Instance| i.mcast_group.unwrap_or(default_group(v6));
                usize::from(there(b).any(|(_, i)| !i.is_unicast() && group(i) == group(inst)))
            };
            for _ in 0..copies {
                if self.lost() {
                    continue;
                }
                self.seq += 1;
                self.flight.push(Packet {
                    at: self.now + self.seg.latency,
                    seq: self.seq,
                    from,
                    to: b,
                    adv,
                });
            }
        }
    }

    fn lost(&mut self) -> bool {
        if self.seg.loss_ppm == 0 {
            return false;
        }
        // xorshift64*: small, and the same sequence for the same seed everywhere.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (r >> 32) % 1_000_000 < u64::from(self.seg.loss_ppm)
    }

    /// An advert reaches node `p.to`: to the instance serving its VRID on that segment
    /// (the daemon's `Routers::receive`), checked and counted by the machine.
    fn deliver(&mut self, p: Packet) {
        let (c, b, now) = (self.c, p.to, self.now);
        if self.nodes[b].run == Run::Down {
            return;
        }
        let seg = c.pairing.segment[p.from.node][p.from.inst];
        let v6 = c.inst(p.from).is_ipv6();
        let cfg = &c.nodes[b].config;
        let on_link = |k: usize| {
            let i = &cfg.instances[k];
            c.pairing.segment[b][k] == seg && i.is_ipv6() == v6 && self.link_up(b, &i.interface)
        };
        let Some(k) =
            (0..cfg.instances.len()).find(|&k| on_link(k) && cfg.instances[k].vrid == p.adv.vrid)
        else {
            // Another VRID on a shared LAN is normal; from a unicast peer it is a mistake.
            let peer_of = (0..cfg.instances.len())
                .find(|&k| on_link(k) && cfg.instances[k].unicast_peers.contains(&p.adv.src));
            if let Some(k) = peer_of {
                if self.nodes[b]
                    .limiter
                    .admit(now, p.adv.src, "vrid")
                    .is_some()
                {
                    let i = &cfg.instances[k];
                    let text = format!(
                        "({}) dropped advert from {}: {} (ours is {})",
                        i.name,
                        c.addr_name(p.adv.src),
                        Discard::Vrid { got: p.adv.vrid },
                        i.vrid
                    );
                    self.log(b, text);
                }
            }
            return;
        };
        // keepalived's address-list check, against the receiver's VIPs (the daemon's
        // `Routers::receive`).
        let mut adv = p.adv;
        let sender = params::wire_addrs(c.inst(p.from)).unwrap_or_default();
        let ours = params::wire_addrs(&cfg.instances[k]).unwrap_or_default();
        adv.mismatch = advaddr::check(adv.vrid, v6, &ours, &sender).err();
        match self.nodes[b].routers[k].m.handle_advert(now, &adv) {
            Ok(()) => self.drain(b, k),
            Err(Discard::OwnAdvert) => {}
            Err(d) => {
                if let Some(suppressed) = self.nodes[b].limiter.admit(now, p.adv.src, d.kind()) {
                    let more = if suppressed > 0 {
                        format!(" ({suppressed} more since last report)")
                    } else {
                        String::new()
                    };
                    let text = format!(
                        "({}) dropped advert from {}: {d}{more}",
                        cfg.instances[k].name,
                        c.addr_name(p.adv.src)
                    );
                    self.log(b, text);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
