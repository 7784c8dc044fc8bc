//! Where a virtual router is attached to the host: the link its adverts go out on and
//! come in on, a second link for its virtual MAC interface, the links of its VIPs'
//! interfaces, the virtual MAC itself, the address its adverts leave from, and whether
//! they get out — and what of all this it lacks to take part in the election
//! (`blocker`): then it waits in FAULT.

use super::error::StartError;
use super::io::Io;
use super::links::{self, LinkId, Links, Seal, VipLinks};
use super::source::Source;
use super::vips::Vips;
use super::vmac::Vmac;
use crate::config::model::Instance;
use crate::vrrp::ready::{Blocker, SendWatch};
use crate::vrrp::timers::{Instant, master_down_interval};
use crate::wire::packet;
use log::{info, warn};
use std::net::IpAddr;

pub struct Attachment {
    link: LinkId,
    /// A second link adverts for this router arrive on (the virtual MAC interface).
    rx_link: Option<LinkId>,
    /// The links of the interfaces its VIPs name (`dev IF`), and whether it tracks each
    /// (not `no_track`).
    vip_links: VipLinks,
    /// Source of our adverts (`source::pick`), picked again when addresses change.
    src: Source,
    /// `use_vmac`: where the VIPs without `dev` live, and the index of the base it was
    /// made on (the kernel deletes it with its base). Made when the base exists.
    vmac: Option<(Vmac, u32)>,
    /// Why the virtual MAC could not be made, when its base exists.
    vmac_problem: Option<String>,
    /// Its adverts' fate: a Master whose adverts all fail is mute (`vrrp::ready`).
    sends: SendWatch,
    /// It just became mute: its verdict must be looked at again.
    went_mute: bool,
    /// What it lacks to take part in the election, as last logged.
    blocked: Option<(Blocker, String)>,
}

impl Attachment {
    /// `inst`'s links (opened by the caller) and its virtual MAC. The virtual MAC needs
    /// its base: made now if it is there (a failure then is the start's, or the
    /// reload's), else when it appears (`attach`). `releasing`: the virtual MAC names of
    /// instances a reload is about to remove, free to take over.
    pub fn new(
        inst: &Instance,
        (link, vip_links): (LinkId, VipLinks),
        io: &mut Io,
        releasing: &[&str],
    ) -> Result<Attachment, StartError> {
        let vmac = match io.links.index(link) {
            Some(base) => io
                .vmacs
                .create(inst, &io.netlink, releasing)?
                .map(|v| (v, base)),
            None => None,
        };
        let mut at = Attachment {
            link,
            rx_link: None,
            vip_links,
            src: Source::Missing,
            vmac,
            vmac_problem: None,
            sends: SendWatch::default(),
            went_mute: false,
            blocked: None,
        };
        at.open_rx(inst, io);
        Ok(at)
    }

    /// Adverts go out on the base interface; an IPv4 instance also reads them on its
    /// virtual MAC interface, where the kernel delivers frames a peer sends from the same
    /// virtual MAC (keepalived does that) instead of to the base.
    fn open_rx(&mut self, cfg: &Instance, io: &mut Io) {
        if let Some((v, _)) = self.vmac.as_ref().filter(|_| !cfg.is_ipv6()) {
            self.rx_link = Some(io.links.open(&v.name, false, cfg.auth_ah));
            // (Again, if that name was a link already: the interface is a new one.)
            io.links.interface_changed(&v.name, Some(v.index));
        }
    }

    /// `use_vmac` follows its base interface: the macvlan is made when the base appears,
    /// and forgotten when it goes (or comes back as another interface: the kernel deletes
    /// a macvlan with its base). Returns whether anything changed.
    pub fn attach(&mut self, cfg: &Instance, io: &mut Io) -> bool {
        if cfg.vmac.is_none() {
            return false;
        }
        let base = io.links.index(self.link);
        if let Some((v, on)) = &self.vmac {
            if base == Some(*on) {
                return false;
            }
            io.vmacs.remove(v, &io.netlink);
            self.vmac = None;
        }
        let Some(base) = base else {
            return true;
        };
        match io.vmacs.create(cfg, &io.netlink, &[]) {
            Ok(v) => {
                self.vmac = v.map(|v| (v, base));
                self.vmac_problem = None;
                self.open_rx(cfg, io);
            }
            Err(e) => {
                let why = e.to_string();
                if self.vmac_problem.as_ref() != Some(&why) {
                    log::error!("{why}");
                }
                self.vmac_problem = Some(why);
            }
        }
        true
    }

    /// The virtual MAC goes (the router is discarded, or the daemon exits).
    pub fn remove_vmac(&mut self, io: &mut Io) {
        if let Some((v, _)) = self.vmac.take() {
            io.vmacs.remove(&v, &io.netlink);
        }
    }

    /// A reload kept its router, with these VIP links: a reason to try sending again.
    pub fn reloaded(&mut self, vip_links: VipLinks) {
        self.vip_links = vip_links;
        self.sends.clear();
    }

    /// Its virtual MAC interface's name, while it has one.
    pub fn vmac_name(&self) -> Option<&str> {
        self.vmac.as_ref().map(|(v, _)| v.name.as_str())
    }
    pub fn link(&self) -> LinkId {
        self.link
    }
    pub fn src(&self) -> Option<IpAddr> {
        self.src.addr()
    }
    /// What it lacks to take part in the election, and why (status).
    pub fn blocked(&self) -> Option<&str> {
        self.blocked.as_ref().map(|b| b.1.as_str())
    }

    /// `cfg`'s VIPs with what decides where they live.
    pub fn vips<'a>(&'a self, cfg: &'a Instance) -> Vips<'a> {
        Vips {
            inst: cfg,
            vmac: self.vmac.as_ref().map(|v| &v.0),
            src: self.src.addr(),
        }
    }

    /// Whether adverts may come in twice, on the base and the virtual MAC interface.
    pub fn has_rx_link(&self) -> bool {
        self.rx_link.is_some()
    }

    /// Whether adverts for this router arrive on link `id`.
    pub fn listens_on(&self, id: LinkId) -> bool {
        self.link == id || self.rx_link == Some(id)
    }

    /// Whether `peer` is one of its unicast peers on link `id` (a misconfigured peer then
    /// deserves a warning, where an unknown VRID on a shared LAN is normal).
    pub fn has_peer_on(&self, cfg: &Instance, id: LinkId, peer: IpAddr) -> bool {
        self.link == id && cfg.unicast_peers.contains(&peer)
    }

    /// The multicast group it listens and sends to; None in unicast mode.
    fn group(cfg: &Instance) -> Option<IpAddr> {
        let c = cfg;
        let default = || links::default_group(c.is_ipv6());
        (!c.is_unicast()).then(|| c.mcast_group.unwrap_or_else(default))
    }

    /// Every link it holds, and the multicast group it listens to there, if any.
    pub fn link_uses(&self, cfg: &Instance, uses: &mut Vec<(LinkId, Option<IpAddr>)>) {
        let group = Self::group(cfg);
        uses.push((self.link, group));
        uses.extend(self.rx_link.map(|l| (l, group)));
        uses.extend(self.vip_links.iter().map(|&(l, _)| (l, None)));
    }

    /// What it lacks to take part in the election, and why: a unicast peer (with
    /// `unicast_fault_no_peer`), its interface, socket, group membership, the virtual
    /// MAC, a tracked VIP interface, an address to send from, or its adverts going out.
    fn blocker(&self, cfg: &Instance, links: &Links) -> Option<(Blocker, String)> {
        if cfg.fault_no_peer {
            // keepalived's words.
            let why = "Cannot use unicast without any peers (unicast_fault_no_peer)";
            return Some((Blocker::NoPeer, why.to_string()));
        }
        let group = Self::group(cfg);
        if let Some(b) = links.problem(self.link, group) {
            return Some(b);
        }
        if let Some(name) = &cfg.vmac {
            if self.vmac.is_none() {
                let why = self.vmac_problem.clone();
                let why = why.unwrap_or_else(|| format!("use_vmac {name} is not made yet"));
                return Some((Blocker::NoInterface, why));
            }
        }
        let rx = self.rx_link.and_then(|l| links.problem(l, group));
        let mut vips = self.vip_links.iter().filter(|l| l.1);
        if let Some(b) = rx.or_else(|| vips.find_map(|&(l, _)| links.problem(l, None))) {
            return Some(b);
        }
        let c = cfg;
        match (self.src, c.unicast_src) {
            (Source::Ready(_), _) => {}
            (Source::Tentative, _) => {
                let why = format!("{}'s IPv6 link-local address is in DAD", c.interface);
                return Some((Blocker::Tentative, why));
            }
            (Source::Missing, Some(a)) => {
                let why = format!("{a} (unicast_src_ip) is not an address of this host");
                return Some((Blocker::NoSource, why));
            }
            (Source::Missing, None) => {
                let family = if c.is_ipv6() {
                    "IPv6 link-local"
                } else {
                    "IPv4"
                };
                let why = format!(
                    "{} has no {family} address to send adverts from",
                    c.interface
                );
                return Some((Blocker::NoSource, why));
            }
        }
        if self.sends.is_mute() {
            let why = "its adverts could not be sent for a Master_Down_Interval".to_string();
            return Some((Blocker::Mute, why));
        }
        None
    }

    /// What it lacks (`blocker`), said once when it changes.
    pub fn note_blocker(&mut self, cfg: &Instance, links: &Links) -> Option<Blocker> {
        let b = self.blocker(cfg, links);
        let kind = b.as_ref().map(|b| b.0);
        if self.blocked == b {
            return kind;
        }
        let name = &cfg.name;
        match (&self.blocked, &b) {
            // DAD at boot is a second's wait, said by `set_source` when done.
            (_, Some((Blocker::Tentative, _))) => {}
            (_, Some((_, why))) => warn!("({name}) {why}: waiting in FAULT"),
            (Some((Blocker::Tentative, _)), None) | (None, None) => {}
            (Some(_), None) => info!("({name}) has what it needs to run again"),
        }
        self.blocked = b;
        kind
    }

    /// The address its adverts leave from, picked again (`source::pick`). Returns
    /// whether it changed (the caller tells its machine).
    pub fn set_source(&mut self, name: &str, src: Source) -> bool {
        if src == self.src {
            return false;
        }
        match (self.src, src) {
            (Source::Ready(old), Source::Ready(new)) => {
                info!("({name}) advertising from {new} (was {old})")
            }
            (_, Source::Ready(new)) => info!("({name}) advertising from {new}"),
            _ => {}
        }
        self.src = src;
        // Adverts from another address may go out: try.
        self.sends.clear();
        true
    }

    /// When it tries again after being mute.
    pub fn retry_at(&self) -> Option<Instant> {
        self.sends.retry_at()
    }

    /// Try sending again (the retry time came, or its interface or addresses changed).
    /// Returns whether it was mute.
    pub fn unmute(&mut self) -> bool {
        let was = self.sends.is_mute();
        self.sends.clear();
        was
    }

    /// Whether it became mute since the last call.
    pub fn take_went_mute(&mut self) -> bool {
        core::mem::take(&mut self.went_mute)
    }

    /// Send `repr` (sealed with `seal`, if AH) from its source to `cfg`'s unicast peers
    /// or multicast group: failures logged per destination, and a Master none of whose
    /// adverts went out for a Master_Down_Interval is mute.
    pub fn send(
        &mut self,
        cfg: &Instance,
        repr: &packet::Repr<'_>,
        seal: Option<&Seal<'_>>,
        now: Instant,
        io: &mut Io,
    ) {
        let Some(src) = self.src.addr() else {
            return;
        };
        let c = cfg;
        let group = Self::group(c);
        let (sent, failures) = io.links.send(
            self.link,
            &c.name,
            repr,
            src,
            (&c.unicast_peers, c.unicast_ttl, group),
            seal,
        );
        for &(dst, kind) in &failures {
            if io.limiter.admit(now, dst, "send").is_some() {
                warn!("({}) cannot send advert to {dst}: {kind}", c.name);
            }
        }
        // By the slowest Backup's Master_Down_Interval every Backup has taken over.
        let interval = c.advert_interval.as_duration();
        let mdi = master_down_interval(c.version, 1, interval);
        if self.sends.sent(now, sent > 0, mdi) {
            warn!(
                "({}) no advert could be sent for a Master_Down_Interval: the others cannot hear this node",
                c.name
            );
            self.went_mute = true;
        }
    }
}
