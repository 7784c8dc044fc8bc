//! The scenarios operators care about, played on the simulated segment from a settled
//! cluster, and what each step means for every virtual router: who holds the VIPs when,
//! how long the handover took, the client-visible gap, moments with two Masters or none.

use super::Cluster;
use super::pairing::Member;
use super::sim::{Change, Line, Role, Segment, Sim};
use crate::vrrp::timers::{Instant, skew_time};
use core::time::Duration;

/// Something that happens to one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// SIGTERM: the Master resigns with a priority-0 advert.
    Stop(usize),
    /// SIGKILL or power loss: no priority-0 advert.
    Crash(usize),
    /// The daemon starts (again).
    Start(usize),
    /// A tracked check starts failing, right after a successful run (the longest wait).
    ScriptFails(usize, String),
    ScriptRecovers(usize, String),
    LinkDown(usize, String),
    LinkUp(usize, String),
}

impl Event {
    pub fn node(&self) -> usize {
        match self {
            Event::Stop(n) | Event::Start(n) | Event::Crash(n) => *n,
            Event::ScriptFails(n, _) | Event::ScriptRecovers(n, _) => *n,
            Event::LinkDown(n, _) | Event::LinkUp(n, _) => *n,
        }
    }

    pub fn describe(&self, c: &Cluster) -> String {
        let name = &c.nodes[self.node()].name;
        match self {
            Event::Stop(_) => format!("graceful stop of {name} (SIGTERM)"),
            Event::Crash(_) => format!("crash of {name} (no priority-0 advert)"),
            Event::Start(_) => format!("{name} starts again"),
            Event::ScriptFails(_, s) => format!("check {s} starts failing on {name}"),
            Event::ScriptRecovers(_, s) => format!("check {s} succeeds again on {name}"),
            Event::LinkDown(_, i) => format!("{i} goes down on {name}"),
            Event::LinkUp(_, i) => format!("{i} comes back up on {name}"),
        }
    }
}

/// When a scenario's first event strikes, for the events whose effect depends on it:
/// a Backup notices a silent Master one Master_Down_Interval after its last advert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Whenever the step begins.
    Any,
    /// Right after the node's advert has arrived: the longest wait.
    AfterAdvert,
    /// An instant before its next advert leaves: the shortest.
    BeforeAdvert,
}

/// A scenario before it is played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// A stable name for tools: startup, stop, crash, script, link.
    pub kind: &'static str,
    pub events: Vec<Event>,
    pub timing: Timing,
}

/// One step of a played scenario for one service (a virtual router).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Nodes holding the VIPs just before the step and at its end.
    pub before: Vec<usize>,
    pub after: Vec<usize>,
    /// From the step's trigger until the final holders took the VIPs (None: no change).
    pub handover: Option<Duration>,
    /// Time nobody held the VIPs (at start-up: counted once somebody had).
    pub gap: Duration,
    /// Time no instance was Master (VIPs may still be served: make before break).
    pub no_master: Duration,
    /// When two or more were Master; an interval of no length is an instant (the time an
    /// advert takes to arrive).
    pub two_masters: Vec<(Instant, Instant)>,
    /// Each change of who holds the VIPs.
    pub holders: Vec<(Instant, Vec<usize>)>,
    /// Where the step begins and ends (a two-Master interval ending there is still
    /// going on).
    pub start: Instant,
    pub end: Instant,
}

pub struct Step {
    /// None: the start-up of every node.
    pub event: Option<Event>,
    pub at: Instant,
    /// Per service (`Pairing::services`: a virtual router, or routers sharing a VIP).
    pub outcomes: Vec<Outcome>,
}

pub struct Played {
    pub plan: Plan,
    pub steps: Vec<Step>,
    /// What the nodes log from the first step on (start-up: from 0).
    pub lines: Vec<Line>,
    /// A plan timed `AfterAdvert`: per service, the handover when the event
    /// comes just before an advert instead (`steps[0]` has it just after one).
    pub shortest: Option<Vec<Outcome>>,
    /// The event bound was hit: the timeline is cut short.
    pub exhausted: bool,
}

/// How long each step runs: enough for the slowest instance to settle (four intervals,
/// its longest skew, its preempt delay) and the slowest check to change its mind,
/// rounded up to whole seconds.
pub fn step_length(c: &Cluster) -> Duration {
    let mut vrrp = Duration::ZERO;
    let mut checks = Duration::ZERO;
    for node in &c.nodes {
        for i in &node.config.instances {
            let iv = i.advert_interval.as_duration();
            vrrp = vrrp.max(4 * iv + skew_time(i.version, 1, iv) + i.preempt_delay);
        }
        for s in &node.config.scripts {
            checks = checks.max(s.interval * (s.rise.max(s.fall) + 1));
        }
    }
    let total = vrrp + checks + Duration::from_secs(2);
    Duration::from_secs(total.as_secs() + u64::from(total.subsec_nanos() > 0))
}

/// Start every node at 0 and play `plan`'s events one step length apart.
pub fn play(c: &Cluster, seg: Segment, plan: &Plan) -> Played {
    let (mut sim, len) = (Sim::new(c, seg), step_length(c));
    for n in 0..c.nodes.len() {
        sim.start(n);
    }
    sim.run_until(Instant::from_micros(0) + len);
    let mut marks: Vec<(Option<Event>, Instant)> = vec![(None, Instant::from_micros(0))];
    for (k, ev) in plan.events.iter().enumerate() {
        let timing = if k == 0 { plan.timing } else { Timing::Any };
        let at = trigger(&mut sim, seg, ev, timing, len);
        marks.push((Some(ev.clone()), at));
        sim.run_until(at + len);
    }
    let (end, exhausted) = (sim.now(), sim.exhausted());
    let startup_only = plan.events.is_empty();
    let from = if startup_only { 0 } else { 1 };
    let first = marks[from].1;
    let steps = (from..marks.len())
        .map(|k| {
            let (t0, t1) = (marks[k].1, marks.get(k + 1).map_or(end, |m| m.1));
            let outcomes = (0..c.pairing.services.len())
                .map(|r| outcome(c, &sim.changes, r, t0, t1, k == 0))
                .collect();
            Step {
                event: marks[k].0.clone(),
                at: t0,
                outcomes,
            }
        })
        .collect();
    Played {
        plan: plan.clone(),
        steps,
        lines: sim.lines.into_iter().filter(|l| l.at >= first).collect(),
        shortest: None,
        exhausted,
    }
}

/// Apply `ev` at the moment `timing` asks for; returns when.
fn trigger(sim: &mut Sim, seg: Segment, ev: &Event, timing: Timing, len: Duration) -> Instant {
    let n = ev.node();
    if timing != Timing::Any {
        if let Some(t) = sim.run_until_advert(n, sim.now() + len) {
            let at = match timing {
                Timing::BeforeAdvert => t + (shortest_interval(sim, n) - Duration::from_micros(1)),
                _ => t + seg.latency,
            };
            sim.run_until(at);
        }
    }
    match ev {
        Event::Stop(n) => sim.stop(*n),
        Event::Crash(n) => sim.crash(*n),
        Event::Start(n) => sim.start(*n),
        Event::ScriptFails(n, s) => {
            if let Some(t) = sim.next_run(*n, s) {
                sim.run_until(t);
            }
            sim.set_failing(*n, s, true);
        }
        Event::ScriptRecovers(n, s) => sim.set_failing(*n, s, false),
        Event::LinkDown(n, i) => sim.set_link(*n, i, false),
        Event::LinkUp(n, i) => sim.set_link(*n, i, true),
    }
    sim.now()
}

/// The advert interval of node `n`'s quickest instance (the next advert to leave).
fn shortest_interval(sim: &Sim, n: usize) -> Duration {
    sim.cluster().nodes[n]
        .config
        .instances
        .iter()
        .map(|i| i.advert_interval.as_duration())
        .min()
        .unwrap_or(Duration::from_secs(1))
}

/// Service `s` (see `Pairing::services`) in the window [t0, t1) of a run's changes.
fn outcome(
    c: &Cluster,
    changes: &[Change],
    s: usize,
    t0: Instant,
    t1: Instant,
    startup: bool,
) -> Outcome {
    let members = c.pairing.service_members(s);
    let mut state: Vec<(Role, bool)> = vec![(Role::Down, false); members.len()];
    let index = |m: Member| members.iter().position(|&x| x == m);
    let holders = |s: &[(Role, bool)]| -> Vec<usize> {
        let mut nodes: Vec<usize> = members
            .iter()
            .zip(s)
            .filter(|(_, st)| st.1)
            .map(|(m, _)| m.node)
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    };
    let masters = |s: &[(Role, bool)]| s.iter().filter(|st| st.0 == Role::Master).count();
    let mut relevant = changes
        .iter()
        .filter_map(|ch| index(ch.member).map(|k| (ch, k)))
        .peekable();
    while let Some((ch, k)) = relevant.next_if(|(ch, _)| ch.at < t0) {
        state[k] = (ch.role, ch.holds);
    }
    let before = holders(&state);
    let mut o = Outcome {
        before: before.clone(),
        after: Vec::new(),
        handover: None,
        gap: Duration::ZERO,
        no_master: Duration::ZERO,
        two_masters: Vec::new(),
        holders: Vec::new(),
        start: t0,
        end: t1,
    };
    let mut served = !startup || !before.is_empty();
    let mut last_holders = before.clone();
    let mut since = t0;
    let account =
        |o: &mut Outcome, state: &[(Role, bool)], a: Instant, b: Instant, served: bool| {
            if b <= a {
                return;
            }
            if served && holders(state).is_empty() {
                o.gap += b - a;
            }
            if served && masters(state) == 0 {
                o.no_master += b - a;
            }
            if masters(state) >= 2 {
                two(o, a, b);
            }
        };
    for (ch, k) in relevant.take_while(|(ch, _)| ch.at < t1) {
        account(&mut o, &state, since, ch.at, served);
        since = since.max(ch.at);
        state[k] = (ch.role, ch.holds);
        if masters(&state) >= 2 {
            two(&mut o, ch.at, ch.at);
        }
        let now = holders(&state);
        if now != last_holders {
            served |= !now.is_empty();
            o.holders.push((ch.at, now.clone()));
            last_holders = now;
        }
    }
    account(&mut o, &state, since, t1, served);
    o.after = holders(&state);
    if o.after != o.before {
        o.handover = o.holders.last().map(|(at, _)| *at - t0);
    }
    o
}

/// Add [a, b] to the two-Master intervals, joining one it touches.
fn two(o: &mut Outcome, a: Instant, b: Instant) {
    match o.two_masters.last_mut() {
        Some(last) if last.1 >= a => last.1 = last.1.max(b),
        _ => o.two_masters.push((a, b)),
    }
}

/// The scenarios worth playing for this cluster, from who is Master after start-up:
/// for each node that is Master of something, its graceful stop and its crash (each
/// followed by its return), each check and interface its Master instances track
/// failing (and recovering).
pub fn plans(c: &Cluster, startup: &Played) -> Vec<Plan> {
    let mut masters: Vec<usize> = Vec::new();
    let mut mastered: Vec<Member> = Vec::new();
    for (s, o) in startup.steps[0].outcomes.iter().enumerate() {
        for &n in &o.after {
            if !masters.contains(&n) {
                masters.push(n);
            }
            let members = c.pairing.service_members(s);
            mastered.extend(members.into_iter().filter(|m| m.node == n));
        }
    }
    let mut out = Vec::new();
    for &n in &masters {
        let plan = |kind, events, timing| Plan {
            kind,
            events,
            timing,
        };
        out.push(plan(
            "stop",
            vec![Event::Stop(n), Event::Start(n)],
            Timing::Any,
        ));
        let crash = vec![Event::Crash(n), Event::Start(n)];
        out.push(plan("crash", crash, Timing::AfterAdvert));
        let mut scripts: Vec<&str> = Vec::new();
        let mut links: Vec<&str> = Vec::new();
        for m in mastered.iter().filter(|m| m.node == n) {
            let inst = c.inst(*m);
            let known = |t: &&crate::config::model::Tracked| {
                c.nodes[n].config.scripts.iter().any(|s| s.name == t.name)
            };
            for t in inst.track_scripts.iter().filter(known) {
                if !scripts.contains(&t.name.as_str()) {
                    scripts.push(&t.name);
                }
            }
            // Its own interface (tracked or not, its adverts stop), and every other
            // it tracks.
            let tracked = crate::config::params::tracked_interfaces(inst);
            let tracked = tracked.into_iter().map(|t| t.0);
            for i in core::iter::once(inst.interface.as_str()).chain(tracked) {
                if !links.contains(&i) {
                    links.push(i);
                }
            }
        }
        for s in scripts {
            let events = vec![
                Event::ScriptFails(n, s.into()),
                Event::ScriptRecovers(n, s.into()),
            ];
            out.push(plan("script", events, Timing::Any));
        }
        for i in links {
            let events = vec![Event::LinkDown(n, i.into()), Event::LinkUp(n, i.into())];
            out.push(plan("link", events, Timing::AfterAdvert));
        }
    }
    out
}

/// Everything: the start-up, then each planned scenario (twice if timed by an advert,
/// for the shortest and the longest handover).
pub fn play_all(c: &Cluster, seg: Segment) -> Vec<Played> {
    let startup = play(
        c,
        seg,
        &Plan {
            kind: "startup",
            events: Vec::new(),
            timing: Timing::Any,
        },
    );
    let mut out = Vec::new();
    for plan in plans(c, &startup) {
        let mut p = play(c, seg, &plan);
        if plan.timing == Timing::AfterAdvert {
            let early = Plan {
                timing: Timing::BeforeAdvert,
                ..plan.clone()
            };
            let q = play(c, seg, &early);
            p.shortest = q.steps.into_iter().next().map(|s| s.outcomes);
        }
        out.push(p);
    }
    out.insert(0, startup);
    out
}

#[cfg(test)]
mod tests;
