//! One virtual router at runtime: its configuration and its state machine, with where
//! it is attached to the host (`attach`), its IPsec AH state (`ah`), what its
//! transitions run (`hooks`) and its virtual routes and rules (`routes`). It feeds the
//! machine — adverts after their TTL check and the base/vmac duplicate window — and
//! carries out what the machine decides — adverts, VIPs and the routes and rules that
//! follow them, gratuitous ARP/NA, notify scripts and FIFO lines, the no_accept rule —
//! through `Io`, the daemon's components it acts on.

use super::ah::Ah;
use super::attach::Attachment;
use super::error::StartError;
use super::firewall;
use super::hooks::Hooks;
use super::io::Io;
use super::links::{LinkId, Links, VipLinks};
use super::notify::{self, Notifier};
use super::params;
use super::routes::Entries;
use super::source::Source;
pub use super::transition::Transition;
use super::vips::Vips;
use crate::config::model::{Instance, Route, Rule};
use crate::os::netlink::{AddrEntry, AddrOp, Outcome};
use crate::os::route::Notice;
use crate::vrrp::duplicate::DuplicateFilter;
use crate::vrrp::machine::{Action, Advert, Discard, Machine, Reason, State};
use crate::vrrp::ready::Blocker;
use crate::vrrp::reload::Identity;
use crate::vrrp::routes::follow;
use crate::vrrp::timers::Instant;
use crate::vrrp::track::Verdict;
use crate::vrrp::ttl::{self, TtlError};
use crate::wire::packet;
use log::{debug, info, warn};
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
    copies: DuplicateFilter<LinkId>,
    /// Its notify commands, FIFO lines, hotplug events and no_accept rule.
    hooks: Hooks,
    /// What tracking said last (Pending until a weight-0 check has reported).
    verdict: Verdict,
    /// Which of its addresses (`Instance::addresses`) were seen on their interface
    /// since it last added them: only those can be deleted from under it.
    seen: Vec<bool>,
    /// Its last state change (status), None before the first.
    last: Option<Transition>,
    /// A reload removed it: its stop notifies as keepalived's does then.
    removed: bool,
    /// `virtual_routes`, `virtual_rules`: set while Master.
    routes: Entries,
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
        // Its routes and rules live in `routes` (out of `cfg`: not copied).
        let routes = take_routes(&mut inst);
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
            copies: DuplicateFilter::default(),
            hooks: Hooks::new(&inst.name, notify, io),
            verdict: Verdict::Pending,
            routes: Entries::new(routes.0, routes.1),
            ah: Ah::new(&inst),
            seen: Vec::new(),
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
    /// Its VIPs in advert wire form.
    pub fn wire_addrs(&self) -> &[u8] {
        &self.wire_addrs
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

    /// Its virtual MAC follows its base interface (`Attachment::attach`).
    pub fn attach(&mut self, io: &mut Io) -> bool {
        self.at.attach(&self.cfg, io)
    }

    /// What it lacks to take part in the election (`Attachment::blocker`), said once
    /// when it changes.
    pub fn note_blocker(&mut self, links: &Links) -> Option<Blocker> {
        self.at.note_blocker(&self.cfg, links)
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

    /// Try sending again (`Attachment::unmute`).
    pub fn unmute(&mut self) -> bool {
        self.at.unmute()
    }

    /// Whether it became mute since the last call.
    pub fn take_went_mute(&mut self) -> bool {
        self.at.take_went_mute()
    }

    /// keepalived's rule for a Master one of whose addresses (without `no_track`) was
    /// deleted by someone else, as the host's addresses (`table`) now show: it leaves
    /// Master and takes over again after its Skew_Time (the caller then drains).
    /// Returns whether it did.
    pub fn check_vips(&mut self, table: &[AddrEntry], now: Instant, io: &Io) -> bool {
        if self.m.state() != State::Master {
            return false;
        }
        let mut seen = core::mem::take(&mut self.seen);
        let lost = self
            .vips()
            .lost(table, &io.links, &mut seen)
            .map(|(a, d)| (a, d.to_string()));
        self.seen = seen;
        let Some((addr, dev)) = lost else {
            return false;
        };
        // keepalived's words (its detail log), then what follows.
        info!("Netlink reflector reports IP {addr} removed from {dev}");
        info!(
            "({}) a VIP was removed by someone else: adding them again after Skew_Time",
            self.cfg.name
        );
        self.m.vip_lost(now);
        true
    }

    /// The daemon starts with this router: a node that starts is a Backup, so VIPs left
    /// by a crashed predecessor (SIGKILL) must go before anyone sees two owners.
    pub fn start_up(&self, io: &mut Io) {
        self.routes.remove_stale(&self.cfg.name, &io.netlink);
        for vip in self.cfg.addresses() {
            if let Ok(Outcome::Done) = self.vips().op(AddrOp::Del, vip, &io.links, &io.netlink) {
                let vip = vip.0;
                info!(
                    "({}) removed stale VIP {}/{} left by a previous run",
                    self.cfg.name, vip.addr, vip.prefix_len
                );
            }
        }
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

    /// For a no_accept instance (at start, or when a reload makes it one): say what it
    /// means, it surprises people.
    pub fn warn_no_accept(&self) {
        if firewall::drops_vip_traffic(&self.cfg) {
            warn!(
                "({}) no_accept: while Master, this node drops all traffic addressed to the VIPs (RFC 5798 Accept_Mode off; only an address owner, priority 255, accepts it). Services listening on the VIPs are unreachable; use accept if they must answer",
                self.cfg.name
            );
        }
    }

    /// An IPsec AH advert for this router waiting on `via` (`Rx::Sealed`): opened
    /// (`Ah::open`), then taken as any advert. Returns whether the machine took it (the
    /// caller then drains).
    pub fn receive_sealed(&mut self, via: LinkId, src: IpAddr, now: Instant, io: &mut Io) -> bool {
        let Some(ah) = &mut self.ah else {
            io.links.count_drop(via, "auth");
            return false;
        };
        let got = ah.open(via, src, (&self.cfg, &self.wire_addrs), now, io);
        let Some((adv, ttl)) = got else {
            return false;
        };
        self.receive(via, &adv, ttl, now, io)
    }

    /// An advert for this router read on `via`, with the TTL it arrived with. Returns
    /// whether the machine took it (the caller then drains).
    pub fn receive(
        &mut self,
        via: LinkId,
        adv: &Advert,
        ttl: u8,
        now: Instant,
        io: &mut Io,
    ) -> bool {
        let range = params::peer_ttl(&self.cfg, adv.src);
        if let Err(e) = ttl::check(ttl, self.cfg.is_unicast(), range) {
            io.links.count_drop(via, "ttl");
            if io.limiter.admit(now, adv.src, "ttl").is_some() {
                let (name, src) = (&self.cfg.name, adv.src);
                match e {
                    // keepalived's words for a peer's range.
                    TtlError::OutOfRange { ttl, min, max } => {
                        warn!("({name}) TTL/HL {ttl} from {src} not in range [{min}, {max}]")
                    }
                    TtlError::Not255(_) => {
                        warn!(
                            "{}: dropped VRRP packet from {src}: {e}",
                            io.links.name(via)
                        )
                    }
                }
            }
            return false;
        }
        let m = &mut self.m;
        let handled = if self.at.has_rx_link() {
            let copy = self.copies.admit(adv.src, adv.priority, via, now, || {
                m.handle_advert(now, adv)
            });
            let Some(handled) = copy else {
                return false;
            };
            handled
        } else {
            m.handle_advert(now, adv)
        };
        match handled {
            Ok(()) => true,
            Err(Discard::OwnAdvert) => false,
            Err(d) => {
                if let Some(suppressed) = io.limiter.admit(now, adv.src, d.kind()) {
                    let more = if suppressed > 0 {
                        format!(" ({suppressed} more since last report)")
                    } else {
                        String::new()
                    };
                    warn!(
                        "({}) dropped advert from {}: {d}{more}",
                        self.cfg.name, adv.src
                    );
                }
                false
            }
        }
    }

    /// Fire the machine's due timers (the caller then drains).
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        let due = self.m.poll_timeout().is_some_and(|t| t <= now);
        if due {
            self.m.handle_timeout(now);
        }
        due
    }

    /// keepalived's `vrrp_startup_delay` (`Machine::delay_start`).
    pub fn delay_start(&mut self, until: Instant) {
        self.m.delay_start(until);
    }

    /// Follow a sync group partner into `to` (the caller then drains).
    pub fn sync_to(&mut self, now: Instant, to: State) {
        self.m.sync_to(now, to);
    }

    /// Join or leave a sync group (see `Machine::set_grouped`).
    pub fn set_grouped(&mut self, grouped: bool) {
        self.m.set_grouped(grouped);
    }

    /// Its sync group lets it take over (the caller then drains).
    pub fn release_hold(&mut self, now: Instant) {
        self.m.release_hold(now);
    }

    /// SIGTERM: resign (see `Machine::shutdown`); `release_now` cuts the wait short.
    pub fn resign(&mut self, now: Instant) {
        self.m.shutdown(now);
    }

    pub fn release_now(&mut self) {
        self.m.release_now();
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
        let m = &mut self.m;
        match v {
            Verdict::Pending => {}
            Verdict::Fault => m.set_fault(now, true),
            Verdict::Priority(p) => {
                if m.priority() != p {
                    info!(
                        "({}) Changing effective priority from {} to {p}",
                        self.cfg.name,
                        m.priority()
                    );
                    m.set_priority(now, p);
                }
                match m.state() {
                    State::Initialize => m.start(now),
                    State::Fault => m.set_fault(now, false),
                    State::Backup | State::Master => {}
                }
            }
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
        let (routes, rules) = take_routes(&mut inst);
        let moved = self.routes.replace(routes, rules, &inst.name, &io.netlink);
        if self.cfg == inst {
            return moved;
        }
        let old = core::mem::replace(&mut self.cfg, inst);
        self.seen.clear();
        if let Ok(w) = params::wire_addrs(&self.cfg) {
            self.wire_addrs = w;
        }
        if let (Some(ah), Some(key)) = (&mut self.ah, self.cfg.auth_pass) {
            ah.rekey(key);
        }
        let (dropped, drops) = (
            firewall::drops_vip_traffic(&old),
            firewall::drops_vip_traffic(&self.cfg),
        );
        if drops && !dropped {
            self.warn_no_accept();
        }
        if self.m.state() == State::Master {
            let (links, netlink, frames) = (&io.links, &io.netlink, &io.frames);
            let repeat = self.cfg.garp_master_repeat;
            self.vips().replace(&old, repeat, links, netlink, frames);
            // The drop rule follows: installed (or rewritten for the new VIPs) under
            // no_accept, removed when the instance accepts now.
            if drops && (!dropped || old.vips != self.cfg.vips) {
                self.hooks.nft(&self.cfg, true, now, io);
            } else if dropped && !drops {
                self.hooks.nft(&self.cfg, false, now, io);
            }
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
            self.routes.want(false, name, &io.netlink);
        }
        let moved = self.carry_out(a, now, io);
        if routes == Some(true) {
            self.routes.want(true, &self.cfg.name, &io.netlink);
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
                self.seen.clear();
                let op = if add { AddrOp::Add } else { AddrOp::Del };
                let vips = self.vips();
                for vip in self.cfg.addresses() {
                    vips.change(op, vip, &io.links, &io.netlink);
                }
                self.hooks.firewall(&self.cfg, add, now, io);
            }
            Action::SendGarp { count } => self.vips().announce(None, count, &io.links, &io.frames),
            // keepalived's words; rate-limited, since the other owner repeats every advert.
            Action::OwnerConflict { src } => {
                if io.limiter.admit(now, src, "owner").is_some() {
                    warn!(
                        "({name}) CONFIGURATION ERROR: local instance and {src} are both configured as address owner, please resolve"
                    );
                }
            }
            Action::LowerPriorityMaster { src, priority } => {
                // The machine answers at most once a second; forged sources are each
                // new, so the log's global budget holds them too.
                if io.limiter.admit(now, src, "lower_prio").is_some() {
                    let own = self.m.priority();
                    // keepalived's words, with or without its answer.
                    if self.m.params().lower_prio.no_advert {
                        info!(
                            "({name}) Received advert from {src} with lower priority {priority}, ours {own}"
                        );
                    } else {
                        info!(
                            "({name}) Received advert from {src} with lower priority {priority}, ours {own}, forcing new election"
                        );
                    }
                }
            }
        }
        None
    }

    /// The kernel reports a route or rule deleted: a Master whose tracked entry it was
    /// steps down, as keepalived's does. Returns whether it did (the caller then drains).
    pub fn route_notice(&mut self, n: &Notice, now: Instant) -> bool {
        let name = &self.cfg.name;
        if !self.routes.notice(n, name) || self.m.state() != State::Master {
            return false;
        }
        info!("({name}) a tracked route or rule was deleted: leaving MASTER");
        self.m.step_down(now);
        true
    }

    /// A link or an address changed: what the kernel refused is tried again (see
    /// `Entries::retry`).
    pub fn retry_routes(&mut self, link_up: bool, io: &Io) {
        self.routes.retry(link_up, &self.cfg.name, &io.netlink);
    }

    /// Whether it follows its routes and rules (the daemon then listens to route news).
    pub fn tracks_routes(&self) -> bool {
        self.routes.tracks()
    }

    /// Follow a sync group partner that stepped down (see `route_notice`).
    pub fn step_down(&mut self, now: Instant) {
        self.m.step_down(now);
    }

    fn send_advert(&mut self, priority: u8, now: Instant, io: &mut Io) {
        if self.at.src().is_none() {
            return; // no address to send from: the instance is on its way to FAULT
        }
        let c = &self.cfg;
        let repr = packet::Repr {
            version: c.version,
            vrid: c.vrid,
            priority,
            interval_cs: c.advert_interval.0,
            auth: match (&self.ah, c.auth_pass) {
                (Some(_), _) => packet::Auth::Ah,
                (None, p) => p.map_or(packet::Auth::None, packet::Auth::Pass),
            },
            addrs: &self.wire_addrs,
        };
        let seal = self.ah.as_mut().map(Ah::seal);
        self.at.send(c, &repr, seal.as_ref(), now, io);
    }
}

/// An instance's virtual routes and rules, taken out of it.
fn take_routes(inst: &mut Instance) -> (Vec<Route>, Vec<Rule>) {
    let routes = core::mem::take(&mut inst.virtual_routes);
    (routes, core::mem::take(&mut inst.virtual_rules))
}
