//! What one virtual router puts into the kernel: its VIPs while Master (and which of
//! them were seen on their interface since, the only ones someone else can have deleted)
//! and its virtual routes and rules (set after the VIPs, removed before them). It removes
//! what a killed run left at start, finds a VIP deleted under a Master, and replaces the
//! VIPs and routes a reload changed without a flap — so that what a router holds in the
//! kernel has one owner.

use super::io::Io;
use super::routes::Entries;
use super::vips::Vips;
use crate::config::model::{Instance, Route, Rule};
use crate::os::netlink::{AddrEntry, AddrOp, Outcome};
use crate::os::route::Notice;
use log::info;

pub struct Installed {
    /// Which of its addresses (`Instance::addresses`) were seen on their interface
    /// since it last added them.
    seen: Vec<bool>,
    /// `virtual_routes`, `virtual_rules`: set while Master.
    routes: Entries,
}

impl Installed {
    /// For `inst`, whose routes and rules it takes (out of the config: not copied).
    pub fn new(inst: &mut Instance) -> Installed {
        let (routes, rules) = take_routes(inst);
        Installed {
            seen: Vec::new(),
            routes: Entries::new(routes, rules),
        }
    }

    /// The daemon starts: a node that starts is a Backup, so VIPs, routes and rules left
    /// by a crashed predecessor (SIGKILL) must go before anyone sees two owners.
    pub fn remove_stale(&self, vips: &Vips<'_>, io: &Io) {
        let name = &vips.inst.name;
        self.routes.remove_stale(name, &io.netlink);
        for vip in vips.inst.addresses() {
            if let Ok(Outcome::Done) = vips.op(AddrOp::Del, vip, &io.links, &io.netlink) {
                let vip = vip.0;
                info!(
                    "({name}) removed stale VIP {}/{} left by a previous run",
                    vip.addr, vip.prefix_len
                );
            }
        }
    }

    /// Add or remove every VIP (none is seen there yet).
    pub fn set_vips(&mut self, add: bool, vips: &Vips<'_>, io: &Io) {
        self.seen.clear();
        let op = if add { AddrOp::Add } else { AddrOp::Del };
        for vip in vips.inst.addresses() {
            vips.change(op, vip, &io.links, &io.netlink);
        }
    }

    /// Whether a VIP (without `no_track`) seen on its interface is missing from the host's
    /// addresses (`table`) now: someone else deleted it (`Vips::lost`). Logged.
    pub fn lost(&mut self, vips: &Vips<'_>, table: &[AddrEntry], io: &Io) -> bool {
        let Some((addr, dev)) = vips.lost(table, &io.links, &mut self.seen) else {
            return false;
        };
        // keepalived's words (its detail log), then what follows.
        info!("Netlink reflector reports IP {addr} removed from {dev}");
        info!(
            "({}) a VIP was removed by someone else: adding them again after Skew_Time",
            vips.inst.name
        );
        true
    }

    /// The routes and rules become wanted or not (`Entries::want`); `who` names the
    /// router in log lines.
    pub fn want_routes(&mut self, wanted: bool, who: &str, io: &Io) {
        self.routes.want(wanted, who, &io.netlink);
    }

    /// Whether a route or rule the kernel reports deleted was one of its tracked ones.
    pub fn route_deleted(&mut self, n: &Notice, who: &str) -> bool {
        self.routes.notice(n, who)
    }

    /// A link or an address changed: what the kernel refused is tried again (see
    /// `Entries::retry`).
    pub fn retry_routes(&mut self, link_up: bool, who: &str, io: &Io) {
        self.routes.retry(link_up, who, &io.netlink);
    }

    /// Whether it follows its routes and rules (the daemon then listens to route news).
    pub fn tracks_routes(&self) -> bool {
        self.routes.tracks()
    }

    /// A reload brings `inst`: its routes and rules (taken out of it) replace these,
    /// changing only what changed. Returns whether they changed.
    pub fn reload_routes(&mut self, inst: &mut Instance, io: &Io) -> bool {
        let (routes, rules) = take_routes(inst);
        self.routes.replace(routes, rules, &inst.name, &io.netlink)
    }

    /// A reload changed the configuration: a Master's VIPs move from `old`'s to those of
    /// `vips` (`Vips::replace`, announced `repeat` times), and none is seen there yet.
    pub fn reload_vips(&mut self, vips: Option<(&Vips<'_>, &Instance, u8)>, io: &Io) {
        self.seen.clear();
        if let Some((vips, old, repeat)) = vips {
            vips.replace(old, repeat, &io.links, &io.netlink, &io.frames);
        }
    }
}

/// An instance's virtual routes and rules, taken out of it.
fn take_routes(inst: &mut Instance) -> (Vec<Route>, Vec<Rule>) {
    let routes = core::mem::take(&mut inst.virtual_routes);
    (routes, core::mem::take(&mut inst.virtual_rules))
}
