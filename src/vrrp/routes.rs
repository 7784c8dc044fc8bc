//! Routes and rules that follow a virtual router (`virtual_routes`, `virtual_rules`) or
//! the node (`static_routes`, `static_rules`, `static_ipaddress`): when they belong in the
//! kernel, and what to add or remove on a transition, a reload, a link coming up or an
//! entry someone deleted. Pure bookkeeping over entry indices; the daemon sends the
//! netlink messages and reports each answer back.
//!
//! keepalived adds a router's routes and rules with its VIPs on becoming Master and
//! removes them (rules, routes, then VIPs) on leaving Master. Here a resigning Master —
//! which keeps its VIPs until the new Master is heard (make before break) — removes its
//! routes and rules at once, so they are never on two nodes.

use super::machine::{Action, State};

/// What to do with one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Del,
}

/// What a machine action means for its router's routes and rules, given the state the
/// machine is in once its actions are drained: `Some(true)` add them (after the VIPs),
/// `Some(false)` remove them (before the VIPs), None nothing.
pub fn follow(action: &Action, state: State) -> Option<bool> {
    match action {
        Action::AddVips => Some(state == State::Master),
        Action::RemoveVips => Some(false),
        Action::Transition { from, to, .. } if *from == State::Master && *to != State::Master => {
            Some(false)
        }
        _ => None,
    }
}

/// One list of routes or rules as the kernel holds it, entry by entry, and whether the
/// list is wanted there now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    wanted: bool,
    /// Entry `i` is in the kernel: we added it, or found it there when adding.
    set: Vec<bool>,
}

impl Held {
    /// A list of `n` entries, none of them set, not wanted yet.
    pub fn new(n: usize) -> Held {
        Held {
            wanted: false,
            set: vec![false; n],
        }
    }

    pub fn is_wanted(&self) -> bool {
        self.wanted
    }

    pub fn is_set(&self, i: usize) -> bool {
        self.set.get(i).copied().unwrap_or(false)
    }

    /// The list becomes wanted (or not): the entries to add, in order, or to remove, in
    /// reverse order. Nothing when it already is.
    pub fn want(&mut self, wanted: bool) -> Vec<(Op, usize)> {
        if self.wanted == wanted {
            return Vec::new();
        }
        self.wanted = wanted;
        let n = self.set.len();
        if wanted {
            (0..n)
                .filter(|&i| !self.set[i])
                .map(|i| (Op::Add, i))
                .collect()
        } else {
            (0..n)
                .rev()
                .filter(|&i| self.set[i])
                .map(|i| (Op::Del, i))
                .collect()
        }
    }

    /// The kernel's answer to `op` on entry `i`: an entry added (or found already there)
    /// is set; one the kernel refused stays unset until `retry`; a removed one, or one
    /// already gone, is unset.
    pub fn done(&mut self, op: Op, i: usize, ok: bool) {
        if let Some(s) = self.set.get_mut(i) {
            *s = op == Op::Add && ok;
        }
    }

    /// Something changed that may let the kernel take what it refused (a link came up):
    /// the wanted entries that are not set, to add again.
    pub fn retry(&self) -> Vec<usize> {
        if !self.wanted {
            return Vec::new();
        }
        (0..self.set.len()).filter(|&i| !self.set[i]).collect()
    }

    /// A link came up: every wanted entry, to add again — those the kernel refused, and
    /// those it may have dropped with the link without a word (an IPv4 route goes with
    /// its device silently); adding one still there changes nothing.
    pub fn refresh(&self) -> Vec<usize> {
        if !self.wanted {
            return Vec::new();
        }
        (0..self.set.len()).collect()
    }

    /// The kernel says entry `i` is gone (someone deleted it, or its interface went).
    /// Returns whether it was wanted and `tracked`: then it counts as gone (keepalived
    /// steps a Master down, or reinstates a static entry). An untracked one (`no_track`)
    /// is left as it is — not chased, not retried — until the list is next wanted.
    pub fn lost(&mut self, i: usize, tracked: bool) -> bool {
        match self.set.get_mut(i) {
            Some(s) if *s && self.wanted && tracked => {
                *s = false;
                true
            }
            _ => false,
        }
    }

    /// A reload replaces the list's `old` entries with `new` ones (`same(o, n)`: old
    /// entry `o` is new entry `n`). Entries in both keep their state — no flap; returns
    /// the old entries to remove (those set and gone from the list) and the new ones to
    /// add (those not set while the list is wanted).
    pub fn reload(
        &mut self,
        old: usize,
        new: usize,
        same: &dyn Fn(usize, usize) -> bool,
    ) -> (Vec<usize>, Vec<usize>) {
        let mut set = vec![false; new];
        let mut removed = Vec::new();
        for o in 0..old {
            match (0..new).find(|&n| same(o, n)) {
                Some(n) => set[n] = self.is_set(o),
                None if self.is_set(o) => removed.push(o),
                None => {}
            }
        }
        self.set = set;
        (removed, self.retry())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vrrp::machine::{Advert, Machine, Params};
    use crate::vrrp::timers::{Centis, Instant};
    use crate::wire::Version;
    use std::net::{IpAddr, Ipv4Addr};

    fn ms(n: u64) -> Instant {
        Instant::from_micros(n * 1000)
    }

    /// keepalived's defaults for one IPv4 instance (v2, 1 s adverts) at `priority`.
    fn params(priority: u8) -> Params {
        Params {
            auth: None,
            ..crate::vrrp::machine::tests::params(priority)
        }
    }

    /// One node: its machine and what its kernel holds of one route list (kernel always
    /// says yes) and of its VIPs.
    struct Node {
        m: Machine,
        routes: Held,
        vips: bool,
        addr: IpAddr,
    }

    impl Node {
        fn new(last: u8, priority: u8) -> Node {
            let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, last));
            Node {
                m: Machine::new(params(priority), addr),
                routes: Held::new(2),
                vips: false,
                addr,
            }
        }

        /// Drain as the daemon does: VIPs before routes on the way in, after them on the
        /// way out; returns the adverts it sent.
        fn drain(&mut self) -> Vec<u8> {
            let actions: Vec<Action> = std::iter::from_fn(|| self.m.poll_action()).collect();
            let state = self.m.state();
            let mut sent = Vec::new();
            for a in &actions {
                match a {
                    Action::AddVips => self.vips = true,
                    Action::SendAdvert { priority } => sent.push(*priority),
                    _ => {}
                }
                if let Some(w) = follow(a, state) {
                    for (op, i) in self.routes.want(w) {
                        assert!(op == Op::Del || self.vips, "a route before its VIP");
                        self.routes.done(op, i, true);
                    }
                }
                if *a == Action::RemoveVips {
                    assert!(!self.routes.is_set(0), "a VIP removed before its routes");
                    self.vips = false;
                }
            }
            sent
        }

        fn has_routes(&self) -> bool {
            self.routes.is_set(0) && self.routes.is_set(1)
        }
    }

    fn advert(from: &Node, priority: u8) -> Advert {
        Advert {
            src: from.addr,
            version: Version::V2,
            vrid: 1,
            priority,
            interval: Centis(100),
            auth: None,
            mismatch: None,
        }
    }

    /// Runs both nodes in virtual time until `until`, delivering every advert at once;
    /// checks at every step that the routes are never on both.
    fn run(a: &mut Node, b: &mut Node, until: Instant) {
        loop {
            let next = [a.m.poll_timeout(), b.m.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(now) = next.filter(|&t| t <= until) else {
                return;
            };
            step(a, b, now);
            step(b, a, now);
        }
    }

    /// `x`'s due timers, its adverts delivered to `y` at once.
    fn step(x: &mut Node, y: &mut Node, now: Instant) {
        if x.m.poll_timeout().is_some_and(|t| t <= now) {
            x.m.handle_timeout(now);
            for p in x.drain() {
                let _ = y.m.handle_advert(now, &advert(x, p));
                y.drain();
            }
        }
        assert!(
            !(x.has_routes() && y.has_routes()),
            "routes on both at {now:?}"
        );
    }

    #[test]
    fn routes_follow_the_master_on_failover_and_preemption_and_are_never_on_both() {
        let mut a = Node::new(11, 150);
        let mut b = Node::new(12, 100);
        a.m.start(ms(0));
        b.m.start(ms(0));
        a.drain();
        b.drain();
        run(&mut a, &mut b, ms(5000));
        assert!(a.has_routes() && !b.has_routes());
        // Graceful stop: A resigns and keeps its VIPs for the handover, not its routes.
        a.m.shutdown(ms(5000));
        for p in a.drain() {
            let _ = b.m.handle_advert(ms(5000), &advert(&a, p));
            b.drain();
        }
        assert!(a.vips && !a.has_routes(), "make before break: VIPs only");
        run(&mut a, &mut b, ms(6000));
        assert!(b.has_routes());
        // A comes back and preempts B.
        a.m = Machine::new(params(150), a.addr);
        a.m.start(ms(6000));
        a.drain();
        run(&mut a, &mut b, ms(12_000));
        assert!(a.has_routes() && !b.has_routes());
    }

    #[test]
    fn a_refused_entry_is_retried_and_a_deleted_tracked_one_reinstated() {
        let mut h = Held::new(3);
        assert_eq!(h.want(true), [(Op::Add, 0), (Op::Add, 1), (Op::Add, 2)]);
        h.done(Op::Add, 0, true);
        h.done(Op::Add, 1, false); // e.g. ENETUNREACH: the gateway is not reachable yet
        h.done(Op::Add, 2, true);
        assert_eq!(h.retry(), [1]);
        h.done(Op::Add, 1, true);
        assert!(h.retry().is_empty());
        // Someone deletes entry 2: tracked, it counts as gone and a retry sets it again;
        // untracked, it is not chased (nothing to retry).
        assert!(h.lost(2, true));
        assert_eq!(h.retry(), [2]);
        h.done(Op::Add, 2, true);
        assert!(!h.lost(0, false));
        assert!(h.retry().is_empty());
        assert_eq!(h.refresh(), [0, 1, 2]);
        // Not wanted, nothing is retried or reinstated; removal goes backwards.
        h.done(Op::Add, 0, true);
        assert_eq!(h.want(false), [(Op::Del, 2), (Op::Del, 1), (Op::Del, 0)]);
        assert!(h.want(false).is_empty());
        for i in 0..3 {
            h.done(Op::Del, i, true);
        }
        assert!(h.retry().is_empty() && h.refresh().is_empty());
        assert!(!h.lost(1, true));
    }

    #[test]
    fn a_reload_changes_only_what_changed() {
        let mut h = Held::new(3);
        for (op, i) in h.want(true) {
            h.done(op, i, true);
        }
        // Old [r0, r1, r2] -> new [r1, r3]: r1 stays, r0 and r2 go, r3 comes.
        let old = ["r0", "r1", "r2"];
        let new = ["r1", "r3"];
        let (removed, added) = h.reload(3, 2, &|o, n| old[o] == new[n]);
        assert_eq!((removed, added), (vec![0, 2], vec![1]));
        assert!(h.is_set(0) && !h.is_set(1));
        // Not wanted (a Backup): nothing to add, nothing set to remove.
        let mut h = Held::new(2);
        let (removed, added) = h.reload(2, 1, &|_, _| false);
        assert!(removed.is_empty() && added.is_empty());
    }

    #[test]
    fn a_transition_away_from_master_removes_even_while_the_vips_stay() {
        use crate::vrrp::machine::Reason;
        let t = |from, to| Action::Transition {
            from,
            to,
            why: Reason::Shutdown,
        };
        assert_eq!(
            follow(&t(State::Master, State::Initialize), State::Initialize),
            Some(false)
        );
        assert_eq!(
            follow(&t(State::Backup, State::Master), State::Master),
            None
        );
        assert_eq!(follow(&Action::AddVips, State::Master), Some(true));
        // VIPs added by a machine that left Master again in the same drain: no routes.
        assert_eq!(follow(&Action::AddVips, State::Backup), Some(false));
        assert_eq!(follow(&Action::RemoveVips, State::Backup), Some(false));
    }
}
