//! One virtual router at runtime: its configuration, its state machine, the address it
//! advertises from and its virtual MAC. It feeds the machine and carries out what the
//! machine decides — adverts, VIPs, gratuitous ARP/NA, notify scripts, the no_accept
//! rule — through `Io`, the daemon's components it acts on.

use super::children::QueueId;
use super::error::StartError;
use super::firewall::{self, FIREWALL_TIMEOUT};
use super::io::Io;
use super::links::LinkId;
use super::notify::{self, NOTIFY_TIMEOUT, Notifier};
use super::params;
use super::source;
use super::vips::Vips;
use super::vmac::Vmac;
use crate::config::model::Instance;
use crate::os::netlink::{AddrOp, Outcome};
use crate::vrrp::duplicate::DuplicateFilter;
use crate::vrrp::machine::{Action, Advert, Discard, Machine, Reason, State};
use crate::vrrp::reload::Identity;
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
    link: LinkId,
    /// A second link adverts for this router arrive on (the virtual MAC interface).
    rx_link: Option<LinkId>,
    /// The links of the interfaces its VIPs name (`dev IF`).
    vip_links: Vec<LinkId>,
    /// Source of our adverts: unicast_src_ip or the interface's primary IPv4 address
    /// (IPv4), its link-local address (IPv6). None while that address is still in
    /// duplicate address detection: the instance waits in Initialize.
    src: Option<IpAddr>,
    /// The VIPs in advert wire form, built once per (re)configuration.
    wire_addrs: Vec<u8>,
    /// `use_vmac`: where the VIPs without `dev` live.
    vmac: Option<Vmac>,
    copies: DuplicateFilter<LinkId>,
    notify: Notifier,
    notify_q: QueueId,
    /// no_accept's nft changes, in order.
    firewall_q: QueueId,
    /// What tracking said last (Pending until a weight-0 check has reported).
    verdict: Verdict,
}

impl Router {
    /// Open what the instance needs (links, virtual MAC) and set up its machine. On an
    /// error the links it opened are closed by the next `Links::sync`.
    pub fn build(inst: Instance, notify: Notifier, io: &mut Io) -> Result<Router, StartError> {
        let v6 = inst.is_ipv6();
        let link = io.links.open(&inst.interface, v6)?;
        let src = source::initial(&inst)?;
        let vip_links = io.links.open_vip_devices(&inst)?;
        let wire_addrs = params::wire_addrs(&inst).map_err(|source| StartError::Vips {
            instance: inst.name.clone(),
            source,
        })?;
        let vmac = io.vmacs.create(&inst, &io.netlink)?;
        // Adverts go out on the base interface; they are also read on the virtual MAC
        // interface, where the kernel delivers frames a peer sends from the same virtual
        // MAC (keepalived does that) instead of to the base.
        let rx_link = match &vmac {
            Some(v) if !v6 => match io.links.open(&v.name, false) {
                Ok(l) => Some(l),
                Err(e) => {
                    io.vmacs.remove(v, &io.netlink);
                    return Err(e);
                }
            },
            _ => None,
        };
        let local = src.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        Ok(Router {
            m: Machine::new(params::params(&inst), local),
            link,
            rx_link,
            vip_links,
            src,
            wire_addrs,
            vmac,
            copies: DuplicateFilter::default(),
            notify,
            notify_q: io
                .children
                .queue(&inst.name, NOTIFY_TIMEOUT, notify::report),
            firewall_q: io
                .children
                .queue(&inst.name, FIREWALL_TIMEOUT, firewall::report),
            verdict: Verdict::Pending,
            cfg: inst,
        })
    }

    /// Undo what `build` created outside the process (the virtual MAC); commands still
    /// queued run to their end without it.
    pub fn discard(mut self, io: &mut Io) {
        if let Some(v) = self.vmac.take() {
            io.vmacs.remove(&v, &io.netlink);
        }
        io.children.retire(self.notify_q);
        io.children.retire(self.firewall_q);
    }

    pub fn cfg(&self) -> &Instance {
        &self.cfg
    }
    pub fn machine(&self) -> &Machine {
        &self.m
    }
    pub fn src(&self) -> Option<IpAddr> {
        self.src
    }
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    pub fn identity(&self) -> Identity<'_> {
        params::identity(&self.cfg)
    }

    fn vips(&self) -> Vips<'_> {
        Vips {
            inst: &self.cfg,
            vmac: self.vmac.as_ref(),
            src: self.src,
        }
    }

    /// Whether adverts for this router arrive on link `id`.
    pub fn listens_on(&self, id: LinkId) -> bool {
        self.link == id || self.rx_link == Some(id)
    }

    /// Whether `peer` is one of its unicast peers on link `id` (a misconfigured peer then
    /// deserves a warning, where an unknown VRID on a shared LAN is normal).
    pub fn has_peer_on(&self, id: LinkId, peer: IpAddr) -> bool {
        self.link == id && self.cfg.unicast_peers.contains(&peer)
    }

    /// Every link it holds, and whether it listens there for multicast adverts.
    pub fn link_uses(&self, uses: &mut Vec<(LinkId, bool)>) {
        let multicast = !self.cfg.is_unicast();
        uses.push((self.link, multicast));
        uses.extend(self.rx_link.map(|l| (l, multicast)));
        uses.extend(self.vip_links.iter().map(|&l| (l, false)));
    }

    /// The daemon starts with this router: a node that starts is a Backup, so VIPs left
    /// by a crashed predecessor (SIGKILL) must go before anyone sees two owners.
    pub fn start_up(&self, io: &mut Io) {
        for vip in &self.cfg.vips {
            if let Ok(Outcome::Done) = self.vips().op(AddrOp::Del, vip, &io.links, &io.netlink) {
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

    /// At start, for a no_accept instance: say what it means (it surprises people), and
    /// remove the drop rule a crashed run may have left.
    pub fn start_firewall(&self, now: Instant, io: &mut Io) {
        if firewall::drops_vip_traffic(&self.cfg) {
            warn!(
                "({}) no_accept: while Master, this node drops all traffic addressed to the VIPs (RFC 5798 Accept_Mode off; only an address owner, priority 255, accepts it). Services listening on the VIPs are unreachable; use accept if they must answer",
                self.cfg.name
            );
            self.firewall(false, now, io);
        }
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
        let handled = if self.rx_link.is_some() {
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

    /// Follow a sync group partner into `to` (the caller then drains).
    pub fn sync_to(&mut self, now: Instant, to: State) {
        self.m.sync_to(now, to);
    }

    /// SIGTERM: resign (see `Machine::shutdown`); `release_now` cuts the wait short.
    pub fn resign(&mut self, now: Instant) {
        self.m.shutdown(now);
    }

    pub fn release_now(&mut self) {
        self.m.release_now();
    }

    /// The daemon exits: whatever is still queued starts now, and the virtual MAC goes.
    pub fn finish(&mut self, io: &mut Io) {
        io.children.abandon(self.notify_q);
        io.children.abandon(self.firewall_q);
        if let Some(v) = self.vmac.take() {
            io.vmacs.remove(&v, &io.netlink);
        }
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

    /// An IPv6 instance waiting for its link-local address (DAD takes about a second
    /// after an interface comes up) looks again. Returns whether it has one now.
    pub fn resolve_source(&mut self) -> bool {
        if self.src.is_some() {
            return false;
        }
        let Some(a) = source::link_local(&self.cfg.interface) else {
            return false;
        };
        info!("({}) advertising from {a}", self.cfg.name);
        self.src = Some(a);
        self.m.set_local_addr(a);
        true
    }

    /// Apply a reloaded configuration of the same virtual router without a state change:
    /// VIPs in both old and new stay on the interface (no flap). The effective priority
    /// is kept; the next verdict applies the new base and weights. Returns whether
    /// anything changed (the caller then drains).
    pub fn update(
        &mut self,
        inst: Instance,
        notify: Notifier,
        vip_links: Vec<LinkId>,
        now: Instant,
        io: &mut Io,
    ) -> bool {
        self.notify = notify;
        self.vip_links = vip_links;
        if self.cfg == inst {
            return false;
        }
        let old = core::mem::replace(&mut self.cfg, inst);
        if let Ok(w) = params::wire_addrs(&self.cfg) {
            self.wire_addrs = w;
        }
        if self.m.state() == State::Master {
            let (links, netlink, frames) = (&io.links, &io.netlink, &io.frames);
            let repeat = self.cfg.garp_master_repeat;
            self.vips()
                .replace(&old.vips, repeat, links, netlink, frames);
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

    fn execute(&self, a: Action, now: Instant, io: &mut Io) -> Option<Move> {
        let name = &self.cfg.name;
        match a {
            // Initialize is only re-entered on shutdown; keepalived logs no state there.
            Action::Transition {
                from,
                to: State::Initialize,
                ..
            } => {
                info!("({name}) stopped, was {from}");
                self.notify(State::Initialize, now, io);
            }
            Action::Transition { from, to, why } => {
                info!("({name}) Entering {to} STATE");
                debug!("({name}) reason: {why:?}");
                self.notify(to, now, io);
                return Some((from, to, why));
            }
            Action::SendAdvert { priority } => self.send_advert(priority, now, io),
            Action::AddVips | Action::RemoveVips => {
                let add = a == Action::AddVips;
                let op = if add { AddrOp::Add } else { AddrOp::Del };
                let vips = self.vips();
                for vip in &self.cfg.vips {
                    vips.change(op, vip, &io.links, &io.netlink);
                }
                self.firewall(add, now, io);
            }
            Action::SendGarp { count } => self.vips().announce(None, count, &io.links, &io.frames),
            Action::LowerPriorityMaster { src, priority } => {
                // The machine answers at most once a second; forged sources are each
                // new, so the log's global budget holds them too.
                if io.limiter.admit(now, src, "lower_prio").is_some() {
                    let own = self.m.priority();
                    let forcing = if self.m.params().lower_prio.no_advert {
                        ""
                    } else {
                        ", forcing new election"
                    };
                    info!(
                        "({name}) Received advert from {src} with lower priority {priority}, ours {own}{forcing}"
                    );
                }
            }
        }
        None
    }

    fn notify(&self, to: State, now: Instant, io: &mut Io) {
        let (prio, q) = (self.m.priority(), self.notify_q);
        let children = &mut io.children;
        let run = |job| children.push(q, job, now);
        self.notify
            .jobs(&self.cfg.name, to, prio, io.hotplug.as_ref(), run);
    }

    /// Queue an nft change: the no_accept drop rule (`install`) or its removal.
    fn firewall(&self, install: bool, now: Instant, io: &mut Io) {
        let job = io
            .nft
            .as_ref()
            .and_then(|nft| firewall::job(nft, &self.cfg, install));
        if let Some(job) = job {
            io.children.push(self.firewall_q, job, now);
        }
    }

    fn send_advert(&self, priority: u8, now: Instant, io: &mut Io) {
        let Some(src) = self.src else {
            return; // still waiting for an IPv6 link-local address
        };
        let c = &self.cfg;
        let repr = packet::Repr {
            version: c.version,
            vrid: c.vrid,
            priority,
            interval_cs: c.advert_interval.0,
            auth: c.auth_pass.map_or(packet::Auth::None, packet::Auth::Pass),
            addrs: &self.wire_addrs,
        };
        let failures = io.links.send(
            self.link,
            &c.name,
            &repr,
            src,
            (&c.unicast_peers, c.unicast_ttl),
        );
        for (dst, kind) in failures {
            if io.limiter.admit(now, dst, "send").is_some() {
                warn!("({}) cannot send advert to {dst}: {kind}", c.name);
            }
        }
    }
}
