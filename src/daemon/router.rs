//! One virtual router at runtime: its configuration and its state machine, with where
//! it is attached to the host (`attach`), what its adverts go through before the machine
//! (`intake`: TTL, base/vmac duplicates), its IPsec AH state (`ah`), what its
//! transitions run (`hooks`) and what it holds in the kernel (`installed`: VIPs, virtual
//! routes and rules). It feeds the machine and carries out what the machine decides —
//! adverts, VIPs and the routes and rules that follow them, gratuitous ARP/NA, notify
//! scripts and FIFO lines, the no_accept rule — through `Io`, the daemon's components it
//! acts on.

use super::ah::Ah;
use super::attach::Attachment;
use super::error::StartError;
use super::firewall;
use super::hooks::Hooks;
use super::installed::Installed;
use super::intake::{self, Intake};
use super::io::Io;
use super::links::{LinkId, VipLinks};
use super::notify::{self, Notifier};
use super::params;
use super::source::Source;
pub use super::transition::Transition;
use super::vips::Vips;
use crate::config::model::Instance;
use crate::os::netlink::AddrEntry;
use crate::os::route::Notice;
use crate::vrrp::advaddr;
use crate::vrrp::machine::{Action, Advert, Machine, Reason, State};
use crate::vrrp::reload::Identity;
use crate::vrrp::routes::follow;
use crate::vrrp::timers::Instant;
use crate::vrrp::track::Verdict;
use log::{debug, info};
use std::net::{IpAddr, Ipv6Addr};

/// A state change the machine made: from, to, why. Sync groups follow these.
pub type Move = (State, State, Reason);
/// As many as one drain can carry (the machine queues at most eight actions).
pub type Moves = heapless::Vec<Move, 8>;

pub struct Router {
    cfg: Instance,
    m: Machine,
    /// Its links, virtual MAC and source, and whether its adverts get out.
    at: Attachment,
    /// The VIPs in advert wire form, built once per (re)configuration.
    wire_addrs: Vec<u8>,
    /// Its adverts' TTL check and duplicate window.
    intake: Intake,
    /// Its notify commands, FIFO lines, hotplug events and no_accept rule.
    hooks: Hooks,
    /// What tracking said last (Pending until a weight-0 check has reported).
    verdict: Verdict,
    /// Its VIPs and virtual routes and rules in the kernel.
    installed: Installed,
    /// Its last state change (status), None before the first.
    last: Option<Transition>,
    /// A reload removed it: its stop notifies as keepalived's does then.
    removed: bool,
    /// `auth_type AH`: the key and the sequence numbers.
    ah: Option<Ah>,
}

impl Router {
    /// Open what the instance needs (links, virtual MAC) and set up its machine. An
    /// interface that does not exist (yet) is no error: the instance waits in FAULT (see
    /// `blocker`). On an error the links it opened are closed by the next `Links::sync`.
    /// `releasing`: the virtual MAC names of instances a reload is about to remove, free
    /// to take over.
    pub fn build(
        mut inst: Instance,
        notify: Notifier,
        io: &mut Io,
        releasing: &[&str],
    ) -> Result<Router, StartError> {
        let installed = Installed::new(&mut inst);
        let link = io.links.open(&inst.interface, inst.is_ipv6(), inst.auth_ah);
        let vip_links = io.links.open_vip_devices(&inst);
        let wire_addrs = params::wire_addrs(&inst).map_err(|source| StartError::Vips {
            instance: inst.name.clone(),
            source,
        })?;
        let at = Attachment::new(&inst, (link, vip_links), io, releasing)?;
        Ok(Router {
            m: Machine::new(params::params(&inst), IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            at,
            wire_addrs,
            intake: Intake::default(),
            hooks: Hooks::new(&inst.name, notify, io),
            verdict: Verdict::Pending,
            installed,
            ah: Ah::new(&inst),
            last: None,
            removed: false,
            cfg: inst,
        })
    }

    /// Undo what `build` created outside the process (the virtual MAC); commands still
    /// queued run to their end without it.
    pub fn discard(mut self, io: &mut Io) {
        self.at.remove_vmac(io);
        self.hooks.retire(io);
    }

    pub fn cfg(&self) -> &Instance {
        &self.cfg
    }
    pub fn machine(&self) -> &Machine {
        &self.m
    }
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }
    pub fn last_transition(&self) -> Option<&Transition> {
        self.last.as_ref()
    }

    pub fn identity(&self) -> Identity<'_> {
        params::identity(&self.cfg)
    }

    fn vips(&self) -> Vips<'_> {
        self.at.vips(&self.cfg)
    }

    /// Where it is attached to the host (links, virtual MAC, source, sends).
    pub fn at(&self) -> &Attachment {
        &self.at
    }

    /// Its configuration and where it is attached, to change the attachment (virtual
    /// MAC, what it lacks, whether it is mute): nothing there concerns the machine.
    pub fn at_mut(&mut self) -> (&Instance, &mut Attachment) {
        (&self.cfg, &mut self.at)
    }

    /// The address its adverts leave from, picked again (`source::pick`). Returns
    /// whether it changed.
    pub fn set_source(&mut self, src: Source) -> bool {
        if !self.at.set_source(&self.cfg.name, src) {
            return false;
        }
        if let Source::Ready(a) = src {
            self.m.set_local_addr(a);
        }
        true
    }

    /// keepalived's rule for a Master one of whose addresses (without `no_track`) was
    /// deleted by someone else, as the host's addresses (`table`) now show: it leaves
    /// Master and takes over again after its Skew_Time (the caller then drains).
    /// Returns whether it did.
    pub fn check_vips(&mut self, table: &[AddrEntry], now: Instant, io: &Io) -> bool {
        if self.m.state() != State::Master {
            return false;
        }
        if !self.installed.lost(&self.at.vips(&self.cfg), table, io) {
            return false;
        }
        self.m.vip_lost(now);
        true
    }

    /// The daemon starts with this router: a node that starts is a Backup, so VIPs left
    /// by a crashed predecessor (SIGKILL) must go before anyone sees two owners.
    pub fn start_up(&self, io: &Io) {
        self.installed.remove_stale(&self.vips(), io);
        let c = &self.cfg;
        let mode = if c.is_unicast() {
            "unicast"
        } else {
            "multicast"
        };
        info!(
            "({}) starting: interface {}, VRID {}, priority {}, VRRPv{}, {mode}",
            c.name, c.interface, c.vrid, c.priority, c.version as u8
        );
    }

    /// An IPsec AH advert for this router waiting on `via` (`Rx::Sealed`): opened
    /// (`Ah::open`), then taken as any advert. Returns whether the machine took it (the
    /// caller then drains).
    pub fn receive_sealed(&mut self, via: LinkId, src: IpAddr, now: Instant, io: &mut Io) -> bool {
        let Some(ah) = &mut self.ah else {
            io.links.count_drop(via, "auth");
            return false;
        };
        let Some((adv, ttl)) = ah.open(via, src, &self.cfg, now, io) else {
            return false;
        };
        self.receive(via, adv, ttl, now, io)
    }

    /// An advert for this router read on `via`, with the TTL it arrived with, its address
    /// list (`Links::received_addrs`) compared with ours (keepalived's check; the machine
    /// decides whether it counts). Returns whether the machine took it (the caller then
    /// drains).
    pub fn receive(
        &mut self,
        via: LinkId,
        mut adv: Advert,
        ttl: u8,
        now: Instant,
        io: &mut Io,
    ) -> bool {
        let theirs = io.links.received_addrs();
        adv.mismatch = advaddr::check(adv.vrid, adv.src.is_ipv6(), &self.wire_addrs, theirs).err();
        let (m, twice) = (&mut self.m, self.at.has_rx_link());
        let take = || m.handle_advert(now, &adv);
        self.intake
            .admit(&self.cfg, twice, (via, &adv, ttl), (now, io), take)
    }

    /// Fire the machine's due timers (the caller then drains).
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        let due = self.m.poll_timeout().is_some_and(|t| t <= now);
        if due {
            self.m.handle_timeout(now);
        }
        due
    }

    /// Its machine, for what concerns the machine alone (the startup delay, its sync
    /// group's holds and moves, the stop): what that queues is carried out by the next
    /// `drain`.
    pub fn machine_mut(&mut self) -> &mut Machine {
        &mut self.m
    }

    /// A reload removes it: it resigns and releases at once (the caller then drains).
    pub fn remove(&mut self, now: Instant) {
        self.removed = true;
        self.m.shutdown(now);
        self.m.release_now();
    }

    /// The daemon exits: whatever is still queued starts now, and the virtual MAC goes.
    pub fn finish(&mut self, io: &mut Io) {
        self.hooks.abandon(io);
        self.at.remove_vmac(io);
    }

    /// Apply what tracking says: FAULT in, FAULT out, the effective priority, and the
    /// first start once no weight-0 check is pending (the caller then drains).
    pub fn set_verdict(&mut self, v: Verdict, now: Instant) {
        self.verdict = v;
        if let Some(old) = self.m.apply_verdict(now, v) {
            let p = self.m.priority();
            info!(
                "({}) Changing effective priority from {} to {p}",
                self.cfg.name, old
            );
        }
    }

    /// Apply a reloaded configuration of the same virtual router without a state change:
    /// VIPs in both old and new stay on the interface (no flap). The effective priority
    /// is kept; the next verdict applies the new base and weights. Returns whether
    /// anything changed (the caller then drains).
    pub fn update(
        &mut self,
        mut inst: Instance,
        notify: Notifier,
        vip_links: VipLinks,
        now: Instant,
        io: &mut Io,
    ) -> bool {
        self.hooks.set_notifier(notify);
        self.at.reloaded(vip_links);
        let moved = self.installed.reload_routes(&mut inst, io);
        if self.cfg == inst {
            return moved;
        }
        let old = core::mem::replace(&mut self.cfg, inst);
        if let Ok(w) = params::wire_addrs(&self.cfg) {
            self.wire_addrs = w;
        }
        if let (Some(ah), Some(key)) = (&mut self.ah, self.cfg.auth_pass) {
            ah.rekey(key);
        }
        if !firewall::drops_vip_traffic(&old) {
            firewall::warn_no_accept(&self.cfg);
        }
        let master = self.m.state() == State::Master;
        let (vips, repeat) = (self.at.vips(&self.cfg), self.cfg.garp_master_repeat);
        let replace = master.then_some((&vips, &old, repeat));
        self.installed.reload_vips(replace, io);
        if master {
            self.hooks.reconfigured(&old, &self.cfg, now, io);
        }
        let mut p = params::params(&self.cfg);
        p.priority = self.m.priority();
        self.m.update_params(now, p);
        true
    }

    /// Carry out every action the machine queued. Returns its state changes (a stop
    /// excepted) for the sync group to follow.
    pub fn drain(&mut self, now: Instant, io: &mut Io) -> Moves {
        let mut moves = Moves::new();
        while let Some(a) = self.m.poll_action() {
            if let Some(mv) = self.execute(a, now, io) {
                let _ = moves.push(mv);
            }
        }
        moves
    }

    fn execute(&mut self, a: Action, now: Instant, io: &mut Io) -> Option<Move> {
        if let Action::Transition { from, to, why } = a {
            self.last = Some(Transition::new(now, from, to, why));
        }
        let name = &self.cfg.name;
        // Routes and rules come after the VIPs (a route via or from a VIP needs it) and
        // go before them; and at once when Master is left (make-before-break keeps the
        // VIPs of a resigning Master a moment, never its routes: not on two nodes).
        let routes = follow(&a, self.m.state());
        if routes == Some(false) {
            self.installed.want_routes(false, name, io);
        }
        let moved = self.carry_out(a, now, io);
        if routes == Some(true) {
            self.installed.want_routes(true, &self.cfg.name, io);
        }
        moved
    }

    fn carry_out(&mut self, a: Action, now: Instant, io: &mut Io) -> Option<Move> {
        let name = &self.cfg.name;
        match a {
            // Initialize is only re-entered on shutdown; keepalived logs no state there.
            Action::Transition {
                from,
                to: State::Initialize,
                ..
            } => {
                info!("({name}) stopped, was {from}");
                if let Some(to) = notify::stop_as(from, self.removed) {
                    self.hooks.notify(&self.cfg, to, self.m.priority(), now, io);
                }
            }
            Action::Transition { from, to, why } => {
                info!("({name}) Entering {to} STATE");
                debug!("({name}) reason: {}", why.as_str());
                self.hooks.notify(&self.cfg, to, self.m.priority(), now, io);
                return Some((from, to, why));
            }
            Action::SendAdvert { priority } => self.send_advert(priority, now, io),
            Action::AddVips | Action::RemoveVips => {
                let add = a == Action::AddVips;
                self.installed.set_vips(add, &self.at.vips(&self.cfg), io);
                self.hooks.firewall(&self.cfg, add, now, io);
            }
            Action::SendGarp { count } => self.vips().announce(None, count, &io.links, &io.frames),
            Action::OwnerConflict { .. } | Action::LowerPriorityMaster { .. } => {
                let quiet = self.m.params().lower_prio.no_advert;
                intake::report(name, a, (self.m.priority(), quiet), now, io);
            }
        }
        None
    }

    /// The kernel reports a route or rule deleted: a Master whose tracked entry it was
    /// steps down, as keepalived's does. Returns whether it did (the caller then drains).
    pub fn route_notice(&mut self, n: &Notice, now: Instant) -> bool {
        let name = &self.cfg.name;
        if !self.installed.route_deleted(n, name) || self.m.state() != State::Master {
            return false;
        }
        info!("({name}) a tracked route or rule was deleted: leaving MASTER");
        self.m.step_down(now);
        true
    }

    /// A link or an address changed: what the kernel refused is tried again (see
    /// `Entries::retry`).
    pub fn retry_routes(&mut self, link_up: bool, io: &Io) {
        self.installed.retry_routes(link_up, &self.cfg.name, io);
    }

    /// Whether it follows its routes and rules (the daemon then listens to route news).
    pub fn tracks_routes(&self) -> bool {
        self.installed.tracks_routes()
    }

    fn send_advert(&mut self, priority: u8, now: Instant, io: &mut Io) {
        if self.at.src().is_none() {
            return; // no address to send from: the instance is on its way to FAULT
        }
        let c = &self.cfg;
        let repr = params::advert(c, priority, self.ah.is_some(), &self.wire_addrs);
        let seal = self.ah.as_mut().map(Ah::seal);
        self.at.send(c, &repr, seal.as_ref(), now, io);
    }
}
