//! Routes and rules at runtime: a virtual router's (`virtual_routes`, `virtual_rules`,
//! set while it is Master, after its VIPs) and the node's static ones
//! (`static_ipaddress`, `static_routes`, `static_rules`, set from start to stop). Each is
//! sent by rtnetlink and the kernel's answer kept per entry (`vrrp::routes::Held`): a
//! refusal (a gateway not reachable yet, a device not there) is logged with the kernel's
//! reason and tried again when a link or an address changes — never a failure of the
//! daemon; a tracked entry someone deletes makes its Master step down (virtual) or is
//! set again (static), as keepalived does; a reload changes only what changed; an entry
//! a killed run left behind is removed (virtual) or taken over (static) at start.

use crate::config::model::{AddrOptions, Config, Route, RouteMode, Rule, Vip};
use crate::os::iface;
use crate::os::netlink::{AddrOp, Netlink, Outcome};
use crate::os::route::{self, Notice, RouteMonitor, is_route, is_rule};
use crate::vrrp::routes::{Held, Op};
use log::{debug, info, warn};
use std::io;
use std::os::fd::RawFd;

/// A list of routes and rules that come and go together.
#[derive(Default)]
pub struct Entries {
    routes: Vec<Route>,
    routes_held: Held,
    rules: Vec<Rule>,
    rules_held: Held,
}

/// The index of a route's `dev`, if it names one.
fn oif(r: &Route) -> io::Result<Option<u32>> {
    r.dev
        .as_deref()
        .map(|d| iface::lookup(d).map(|i| i.index))
        .transpose()
}

/// Send one route request; log its outcome. Returns whether the kernel holds the route
/// as asked (added, or found there; removed, or found gone).
fn route(netlink: &Netlink, op: Op, r: &Route, who: &str) -> bool {
    let res = oif(r).and_then(|oif| route::change_route(netlink, op, r, oif));
    outcome(res, op, "route", &r.text, who)
}

fn rule(netlink: &Netlink, op: Op, r: &Rule, who: &str) -> bool {
    outcome(route::change_rule(netlink, op, r), op, "rule", &r.text, who)
}

fn outcome(res: io::Result<Outcome>, op: Op, what: &str, text: &str, who: &str) -> bool {
    let verb = if op == Op::Add { "add" } else { "remove" };
    match res {
        Ok(_) => {
            debug!("({who}) {verb} {what} {text}: done");
            true
        }
        Err(e) if op == Op::Add => {
            warn!("({who}) cannot add {what} {text}: {e}; trying again when a link changes");
            false
        }
        Err(e) => {
            warn!("({who}) cannot remove {what} {text}: {e}");
            false
        }
    }
}

impl Entries {
    pub fn new(routes: Vec<Route>, rules: Vec<Rule>) -> Entries {
        Entries {
            routes_held: Held::new(routes.len()),
            rules_held: Held::new(rules.len()),
            routes,
            rules,
        }
    }

    /// Whether a deleted entry of this list is set again (keepalived's tracking).
    pub fn tracks(&self) -> bool {
        self.routes.iter().any(|r| r.track) || self.rules.iter().any(|r| r.track)
    }

    /// The list becomes wanted or not: routes before rules on the way in, rules first on
    /// the way out (a rule may point to a table the routes fill).
    pub fn want(&mut self, wanted: bool, who: &str, netlink: &Netlink) {
        if wanted {
            let ops = self.routes_held.want(true);
            self.routes_op(ops, who, netlink);
            let ops = self.rules_held.want(true);
            self.rules_op(ops, who, netlink);
        } else {
            let ops = self.rules_held.want(false);
            self.rules_op(ops, who, netlink);
            let ops = self.routes_held.want(false);
            self.routes_op(ops, who, netlink);
        }
    }

    fn routes_op(&mut self, ops: Vec<(Op, usize)>, who: &str, netlink: &Netlink) {
        for (op, i) in ops {
            let ok = route(netlink, op, &self.routes[i], who);
            self.routes_held.done(op, i, ok);
        }
    }

    fn rules_op(&mut self, ops: Vec<(Op, usize)>, who: &str, netlink: &Netlink) {
        for (op, i) in ops {
            let ok = rule(netlink, op, &self.rules[i], who);
            self.rules_held.done(op, i, ok);
        }
    }

    /// A link or an address changed: what the kernel refused is tried again. When a
    /// link came up (`link_up`), so are the routes it may have dropped silently with a
    /// link that went down (an IPv4 route leaves without a notice): adding one still
    /// there answers "exists", which is fine — except for `append`/`prepend` routes,
    /// which would be doubled, and rules, which no link takes away.
    pub fn retry(&mut self, link_up: bool, who: &str, netlink: &Netlink) {
        let (routes, held) = (&self.routes, &self.routes_held);
        let ops = held
            .refresh()
            .into_iter()
            .filter(|&i| !held.is_set(i) || (link_up && routes[i].mode == RouteMode::Add));
        let ops = ops.map(|i| (Op::Add, i)).collect();
        self.routes_op(ops, who, netlink);
        let ops = self
            .rules_held
            .retry()
            .into_iter()
            .map(|i| (Op::Add, i))
            .collect();
        self.rules_op(ops, who, netlink);
    }

    /// The kernel reports an entry deleted: whether it was one of ours, wanted and
    /// tracked (not `no_track`) — logged.
    pub fn notice(&mut self, n: &Notice, who: &str) -> bool {
        if !n.deleted {
            return false;
        }
        let mut lost = false;
        for (i, r) in self.routes.iter().enumerate() {
            if is_route(n, r, oif(r).ok().flatten()) && self.routes_held.lost(i, r.track) {
                info!("({who}) route {} was deleted", r.text);
                lost = true;
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            if is_rule(n, r) && self.rules_held.lost(i, r.track) {
                info!("({who}) rule {} was deleted", r.text);
                lost = true;
            }
        }
        lost
    }

    /// A reload brings new lists: entries in both stay as they are, those gone are
    /// removed (rules first), new ones added if the list is wanted. Returns whether the
    /// lists changed.
    pub fn replace(
        &mut self,
        routes: Vec<Route>,
        rules: Vec<Rule>,
        who: &str,
        netlink: &Netlink,
    ) -> bool {
        if (&routes, &rules) == (&self.routes, &self.rules) {
            return false;
        }
        let (old_rules, new_rules) = (core::mem::take(&mut self.rules), rules);
        let (gone, added) = self
            .rules_held
            .reload(old_rules.len(), new_rules.len(), &|o, n| {
                old_rules[o] == new_rules[n]
            });
        for i in gone {
            rule(netlink, Op::Del, &old_rules[i], who);
        }
        let (old_routes, new_routes) = (core::mem::take(&mut self.routes), routes);
        let (gone, added_routes) =
            self.routes_held
                .reload(old_routes.len(), new_routes.len(), &|o, n| {
                    old_routes[o] == new_routes[n]
                });
        for i in gone {
            route(netlink, Op::Del, &old_routes[i], who);
        }
        (self.routes, self.rules) = (new_routes, new_rules);
        self.routes_op(
            added_routes.into_iter().map(|i| (Op::Add, i)).collect(),
            who,
            netlink,
        );
        self.rules_op(
            added.into_iter().map(|i| (Op::Add, i)).collect(),
            who,
            netlink,
        );
        true
    }

    /// At start, before anything else: a virtual entry left by a run that was killed
    /// goes (this node starts as a Backup), as a stale VIP does.
    pub fn remove_stale(&self, who: &str, netlink: &Netlink) {
        for r in &self.rules {
            if let Ok(Outcome::Done) = route::change_rule(netlink, Op::Del, r) {
                info!(
                    "({who}) removed stale rule {} left by a previous run",
                    r.text
                );
            }
        }
        for r in &self.routes {
            let res = oif(r).and_then(|oif| route::change_route(netlink, Op::Del, r, oif));
            if let Ok(Outcome::Done) = res {
                info!(
                    "({who}) removed stale route {} left by a previous run",
                    r.text
                );
            }
        }
    }
}

/// The node's static addresses, routes and rules, and the monitor that tells when one of
/// ours (or a virtual router's) is deleted.
#[derive(Default)]
pub struct Statics {
    addrs: Vec<(Vip, AddrOptions)>,
    addrs_held: Held,
    entries: Entries,
    monitor: Option<RouteMonitor>,
}

/// The configuration's static addresses, routes and rules, taken out of it.
fn take_statics(c: &mut Config) -> (Vec<(Vip, AddrOptions)>, Vec<Route>, Vec<Rule>) {
    (
        core::mem::take(&mut c.static_addresses),
        core::mem::take(&mut c.static_routes),
        core::mem::take(&mut c.static_rules),
    )
}

/// What the node's static entries are called in log lines.
const STATIC: &str = "static";

fn address(netlink: &Netlink, op: Op, (v, o): &(Vip, AddrOptions)) -> bool {
    let aop = if op == Op::Add {
        AddrOp::Add
    } else {
        AddrOp::Del
    };
    // Configuration requires `dev` on a static address.
    let dev = v.dev.as_deref().unwrap_or_default();
    let res =
        iface::lookup(dev).and_then(|i| netlink.addr(aop, i.index, &super::vips::spec(aop, v, o)));
    let text = format!("address {}/{} dev {dev}", v.addr, v.prefix_len);
    outcome(res, op, "static", &text, STATIC)
}

impl Statics {
    /// At start: the configuration's static entries are set (one a killed run left is
    /// found there, and taken over).
    pub fn start(&mut self, config: &mut Config, netlink: &Netlink) {
        let (addrs, routes, rules) = take_statics(config);
        self.addrs_held = Held::new(addrs.len());
        self.addrs = addrs;
        for (op, i) in self.addrs_held.want(true) {
            let ok = address(netlink, op, &self.addrs[i]);
            self.addrs_held.done(op, i, ok);
        }
        self.entries = Entries::new(routes, rules);
        self.entries.want(true, STATIC, netlink);
    }

    /// A reload: only what changed is removed or added.
    pub fn reload(&mut self, config: &mut Config, netlink: &Netlink) {
        let (addrs, routes, rules) = take_statics(config);
        let old = core::mem::take(&mut self.addrs);
        let (gone, added) = self
            .addrs_held
            .reload(old.len(), addrs.len(), &|o, n| old[o] == addrs[n]);
        for i in gone {
            address(netlink, Op::Del, &old[i]);
        }
        self.addrs = addrs;
        for i in added {
            let ok = address(netlink, Op::Add, &self.addrs[i]);
            self.addrs_held.done(Op::Add, i, ok);
        }
        self.entries.replace(routes, rules, STATIC, netlink);
    }

    /// Follow the kernel's route and rule news (once any list tracks its entries).
    pub fn monitor(&mut self, wanted: bool) {
        if !wanted {
            self.monitor = None;
        } else if self.monitor.is_none() {
            match RouteMonitor::open() {
                Ok(m) => self.monitor = Some(m),
                Err(e) => warn!(
                    "cannot follow route changes ({e}): a deleted route is set again only when a link comes up"
                ),
            }
        }
    }

    pub fn raw_fd(&self) -> Option<RawFd> {
        self.monitor.as_ref().map(RouteMonitor::raw_fd)
    }

    /// What the monitor has: the notices, or None when nothing (more) is waiting.
    pub fn read(&self) -> Option<Vec<Notice>> {
        let mut buf = [0u8; 8192];
        match self.monitor.as_ref()?.read(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                warn!("route monitor: {e}");
                None
            }
        }
    }

    /// A static route or rule deleted is set again at once (keepalived's
    /// reinstatement), unless `no_track`.
    pub fn notice(&mut self, n: &Notice, netlink: &Netlink) {
        if self.entries.notice(n, STATIC) {
            self.entries.retry(false, STATIC, netlink);
        }
    }

    /// See `Entries::retry`; an address the kernel refused is tried again too (one
    /// still there is left alone).
    pub fn retry(&mut self, link_up: bool, netlink: &Netlink) {
        for i in self.addrs_held.retry() {
            let ok = address(netlink, Op::Add, &self.addrs[i]);
            self.addrs_held.done(Op::Add, i, ok);
        }
        self.entries.retry(link_up, STATIC, netlink);
    }

    pub fn tracks(&self) -> bool {
        self.entries.tracks()
    }

    /// The daemon stops: rules, routes, then addresses go.
    pub fn stop(&mut self, netlink: &Netlink) {
        self.entries.want(false, STATIC, netlink);
        for (op, i) in self.addrs_held.want(false) {
            let ok = address(netlink, op, &self.addrs[i]);
            self.addrs_held.done(op, i, ok);
        }
    }
}
