//! The virtual routers together: which one an advert is for, their timers, and every
//! change that reaches them, each router's actions carried out and followed by its sync
//! group (`groups`).

use super::error::StartError;
use super::groups::Groups;
use super::intake;
use super::io::Io;
use super::links::{LinkId, Links, VipLinks};
use super::notify::Notifier;
use super::router::Router;
use super::source;
use super::tracking::Tracking;
use crate::config::model::{Instance, SyncGroup};
use crate::config::params;
use crate::os::netlink::AddrEntry;
use crate::os::route::Notice;
use crate::vrrp::machine::{Advert, Reason, State};
use crate::vrrp::notify::{Subject, fifo_line};
use crate::vrrp::ready;
use crate::vrrp::reload::Identity;
use crate::vrrp::timers::Instant;
use log::info;
use std::net::IpAddr;

#[derive(Default)]
pub struct Routers {
    list: Vec<Router>,
    groups: Groups,
}

impl Routers {
    pub fn iter(&self) -> core::slice::Iter<'_, Router> {
        self.list.iter()
    }

    pub fn push(&mut self, r: Router) {
        self.list.push(r);
    }

    /// The daemon starts: every instance is built, or none (nothing of a failed start
    /// stays behind). Once their sources are known, each `Router::start_up`.
    pub fn start(
        &mut self,
        instances: Vec<Instance>,
        notifiers: Vec<Notifier>,
        io: &mut Io,
    ) -> Result<(), StartError> {
        let mut built = Vec::new();
        for (inst, n) in instances.into_iter().zip(notifiers) {
            match Router::build(inst, n, io, &[]) {
                Ok(r) => built.push(r),
                Err(e) => {
                    for r in built {
                        r.discard(io);
                    }
                    return Err(e);
                }
            }
        }
        self.list = built;
        Ok(())
    }

    /// keepalived's `vrrp_startup_delay`: no router takes over before `until`
    /// (`Machine::delay_start`).
    pub fn delay_start(&mut self, until: Instant) {
        for r in &mut self.list {
            r.machine_mut().delay_start(until);
        }
    }

    /// The configuration's sync groups take effect, with their notify commands; a member
    /// a reload took out of its group and that was held back by it may take over now.
    pub fn set_groups(
        &mut self,
        groups: Vec<SyncGroup>,
        notifiers: Vec<Notifier>,
        now: Instant,
        io: &mut Io,
    ) {
        self.groups.set(groups, notifiers, &self.list, io);
        for i in 0..self.list.len() {
            let grouped = self.groups.index_of(&self.list[i].cfg().name).is_some();
            self.list[i].machine_mut().set_grouped(grouped);
        }
        self.settle_groups(now, io);
    }

    /// The sync groups (status).
    pub fn groups(&self) -> &Groups {
        &self.groups
    }

    pub fn identities(&self) -> Vec<Identity<'_>> {
        self.list.iter().map(Router::identity).collect()
    }

    /// Every link the routers hold, and the multicast group an instance listens to
    /// there, if any.
    pub fn link_uses(&self) -> Vec<(LinkId, Option<std::net::IpAddr>)> {
        let mut uses = Vec::new();
        for r in &self.list {
            r.at().link_uses(r.cfg(), &mut uses);
        }
        uses
    }

    /// The interfaces tracking must follow (`params::tracked_interfaces`), and the sync
    /// groups' `track_interface`s.
    pub fn interfaces(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for c in self.list.iter().map(Router::cfg) {
            names.extend(params::tracked_interfaces(c).into_iter().map(|t| t.0));
        }
        names.extend(self.groups.track_interfaces());
        names
    }

    /// Whether a router still serves VIPs (Master, or resigned and handing over).
    pub fn holds_vips(&self) -> bool {
        self.list.iter().any(|r| r.machine().holds_vips())
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.list
            .iter()
            .filter_map(|r| r.machine().poll_timeout())
            .min()
    }

    pub fn handle_timeouts(&mut self, now: Instant, io: &mut Io) {
        for i in 0..self.list.len() {
            if self.list[i].handle_timeout(now) {
                self.drain(i, now, io);
            }
        }
        self.settle_groups(now, io);
    }

    /// Backups whose Master_Down_Timer expired take over — in a sync group, once their
    /// whole group wants to (`Groups::may_take_over`).
    fn settle_groups(&mut self, now: Instant, io: &mut Io) {
        for i in 0..self.list.len() {
            let m = self.list[i].machine();
            if m.state() != State::Backup || !m.wants_master() {
                continue;
            }
            if !self.groups.may_take_over(i, &self.list) {
                continue;
            }
            self.list[i].machine_mut().release_hold(now);
            self.drain(i, now, io);
        }
    }

    /// Carry out router `i`'s actions; its sync group follows each state change it made
    /// on its own (a change made by following is not followed again), and says so once
    /// the group as a whole is in a new state.
    fn drain(&mut self, i: usize, now: Instant, io: &mut Io) {
        for (from, to, why) in self.list[i].drain(now, io) {
            let Some((g, members)) = self.groups.members_of(i, &self.list) else {
                continue;
            };
            self.groups.member_entered(g, to, why, now);
            if why == Reason::SyncGroup {
                continue;
            }
            for j in members {
                if self.groups.follow(g, (from, to), &mut self.list[j], now) {
                    self.drain(j, now, io);
                }
            }
        }
    }

    /// Sync groups whose state changed are told (`Groups::tell`); the loop calls it when
    /// a pass is over.
    pub fn tell_groups(&mut self, now: Instant, io: &mut Io) {
        self.groups.tell(now, io);
    }

    /// Every instance's and group's state to the FIFOs again
    /// (`fifo_write_vrrp_states_on_reload`).
    pub fn fifo_states(&self, now: Instant, io: &mut Io) {
        for r in &self.list {
            let m = r.machine();
            let line = fifo_line(Subject::Instance, &r.cfg().name, m.state(), m.priority());
            io.fifos.line(line, now);
        }
        self.groups.fifo_states(now, io);
    }

    /// An IPsec AH advert for `vrid` waiting on `via`: to the router serving it there,
    /// which checks it (`Router::receive_sealed`).
    pub fn receive_sealed(
        &mut self,
        via: LinkId,
        src: IpAddr,
        vrid: u8,
        now: Instant,
        io: &mut Io,
    ) {
        let Some(i) = self.serving(via, vrid) else {
            io.links.count_drop(via, "vrid");
            return;
        };
        if self.list[i].receive_sealed(via, src, now, io) {
            self.drain(i, now, io);
        }
    }

    /// The kernel reports a route or rule deleted: a Master whose tracked entry it was
    /// steps down, with its sync group's Masters (keepalived's set_vrrp_backup).
    pub fn route_notice(&mut self, n: &Notice, now: Instant, io: &mut Io) {
        for i in 0..self.list.len() {
            if !self.list[i].route_notice(n, now) {
                continue;
            }
            let mut down = vec![i];
            down.extend(self.groups.step_down_partners(i, &mut self.list, now));
            for j in down {
                self.drain(j, now, io);
            }
        }
    }

    /// A link (`link_up`) or an address changed: routes and rules the kernel refused
    /// are tried again.
    pub fn retry_routes(&mut self, link_up: bool, io: &Io) {
        for r in &mut self.list {
            r.retry_routes(link_up, io);
        }
    }

    /// Whether a router follows its routes and rules.
    pub fn tracks_routes(&self) -> bool {
        self.list.iter().any(Router::tracks_routes)
    }

    /// The router serving `vrid` on link `via`.
    fn serving(&self, via: LinkId, vrid: u8) -> Option<usize> {
        let serves = |r: &Router| r.at().listens_on(via) && r.cfg().vrid == vrid;
        self.list.iter().position(serves)
    }

    /// An advert read on `via`: to the router serving its VRID there (else
    /// `intake::unserved`, with the router whose unicast peer sent it, if any).
    pub fn receive(&mut self, via: LinkId, adv: Advert, ttl: u8, now: Instant, io: &mut Io) {
        let Some(i) = self.serving(via, adv.vrid) else {
            let peer_of = || {
                let r = self
                    .list
                    .iter()
                    .find(|r| r.at().has_peer_on(r.cfg(), via, adv.src))?;
                Some((r.cfg().name.as_str(), r.cfg().vrid))
            };
            intake::unserved(&adv, via, peer_of, now, io);
            return;
        };
        if self.list[i].receive(via, adv, ttl, now, io) {
            self.drain(i, now, io);
        }
    }

    /// Recompute every router's verdict and apply the changes. A router that lacks
    /// what it needs to take part in the election (`Attachment::blocker`) waits in FAULT —
    /// Pending only for an IPv6 link-local address in DAD; a sync group is as faulty, or
    /// as pending, as its worst member.
    pub fn apply_tracking(&mut self, tracking: &Tracking, now: Instant, io: &mut Io) {
        let mut own = Vec::with_capacity(self.list.len());
        for r in &mut self.list {
            let (cfg, at) = r.at_mut();
            let b = at.note_blocker(cfg, &io.links);
            let group = self.groups.of(&cfg.name);
            own.push(ready::verdict(b, tracking.verdict(cfg, group)));
        }
        for i in 0..self.list.len() {
            let v = self.groups.verdict(i, &own, &self.list);
            self.list[i].set_verdict(v, now);
            self.drain(i, now, io);
        }
    }

    /// Pick every router's source again from the host's addresses (`table`). Returns
    /// whether one changed (its verdict may have).
    pub fn set_sources(&mut self, table: &[AddrEntry], links: &Links) -> bool {
        let mut changed = false;
        for r in &mut self.list {
            let index = links.index(r.at().link());
            changed |= r.set_source(source::pick(r.cfg(), index, table));
        }
        changed
    }

    /// Masters one of whose VIPs someone else deleted (the host's addresses are `table`)
    /// leave Master to add them again (`Router::check_vips`).
    pub fn check_vips(&mut self, table: &[AddrEntry], now: Instant, io: &mut Io) {
        for i in 0..self.list.len() {
            if self.list[i].check_vips(table, now, io) {
                self.drain(i, now, io);
            }
        }
    }

    /// Virtual MACs follow their base interfaces (`Attachment::attach`). Returns whether any
    /// changed.
    pub fn attach(&mut self, io: &mut Io) -> bool {
        let mut changed = false;
        for r in &mut self.list {
            let (cfg, at) = r.at_mut();
            changed |= at.attach(cfg, io);
        }
        changed
    }

    /// When a mute router tries again.
    pub fn next_retry(&self) -> Option<Instant> {
        self.list.iter().filter_map(|r| r.at().retry_at()).min()
    }

    /// Mute routers try again: those whose retry time came, and those on interface
    /// `changed` (every one for None: the kernel lost news). Returns whether one did.
    pub fn unmute(&mut self, now: Instant, changed: Option<&str>) -> bool {
        let mut any = false;
        for r in &mut self.list {
            let due = r.at().retry_at().is_some_and(|t| t <= now);
            if due || changed.is_none_or(|n| n == r.cfg().interface) {
                any |= r.at_mut().1.unmute();
            }
        }
        any
    }

    /// Whether a router became mute since the last call (its verdict is due again).
    pub fn take_went_mute(&mut self) -> bool {
        let mut any = false;
        for r in &mut self.list {
            any |= r.at_mut().1.take_went_mute();
        }
        any
    }

    /// SIGTERM: every Master resigns (priority 0) and keeps its VIPs until the new Master
    /// is heard (make before break).
    pub fn resign(&mut self, now: Instant, io: &mut Io) {
        for i in 0..self.list.len() {
            self.list[i].machine_mut().shutdown(now);
            self.drain(i, now, io);
        }
        self.groups.stop(now, io);
    }

    /// The end: VIPs go now, queued commands start, virtual MACs go.
    pub fn finish(&mut self, now: Instant, io: &mut Io) {
        for i in 0..self.list.len() {
            self.list[i].machine_mut().release_now();
            self.drain(i, now, io);
            self.list[i].finish(io);
        }
        self.groups.tell(now, io);
        self.groups.abandon(io);
    }

    /// A reload keeps router `i` as `inst`.
    pub fn update(
        &mut self,
        i: usize,
        inst: Instance,
        notify: Notifier,
        vip_links: VipLinks,
        now: Instant,
        io: &mut Io,
    ) {
        if self.list[i].update(inst, notify, vip_links, now, io) {
            self.drain(i, now, io);
            info!("({}) configuration updated", self.list[i].cfg().name);
        }
    }

    /// A reload removes router `i`: it resigns and releases at once (it is about to go,
    /// so nobody is left to wait for the new Master); its queued commands run on.
    pub fn remove(&mut self, i: usize, now: Instant, io: &mut Io) {
        info!("({}) removed from configuration", self.list[i].cfg().name);
        self.list[i].remove(now);
        self.drain(i, now, io);
        self.list.remove(i).discard(io);
    }
}
