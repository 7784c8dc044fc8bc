//! The VRRP sockets: one per interface and family, shared by every instance there, and
//! the buffers they are read into and sent from. Each link (`link::Link`) owns its
//! socket, its multicast membership and its drop counters; what arrives leaves here as a
//! parsed advert or a typed drop, and adverts leave through here. A
//! `LinkId` stays valid as long as an instance holds it: links live in fixed slots, and
//! `sync` closes only the links no instance holds.
//!
//! A link exists whether or not its interface does: an interface that appears after
//! the daemon started (a VLAN, a bridge, PPPoE, WireGuard on a router), or that is
//! deleted and created again, is opened when the kernel says so; a socket that cannot be
//! set up, or a group that cannot be joined, is retried when the interface changes.
//! Meanwhile the link says what its instances lack (`problem`): they wait in FAULT,
//! never deaf or mute as Master.

use super::link::Link;
pub use super::link::Rx;
use crate::config::model::Instance;
use crate::os::iface;
pub use crate::os::socket::default_group;
use crate::vrrp::machine::Advert;
use crate::vrrp::ready::Blocker;
use crate::wire::{self, ah, packet};
use log::debug;
use std::io;
use std::net::IpAddr;
use std::os::fd::RawFd;

/// Largest VRRP datagram: an IPv4 header with options and 255 IPv6 addresses.
const BUF: usize = 4200;

/// Destinations one advert can fail for, reported each (unicast peers beyond are only
/// logged at debug level).
pub type SendFailures = heapless::Vec<(IpAddr, io::ErrorKind), 8>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkId(usize);

/// The links of an instance's VIP interfaces (`dev IF`), and whether it tracks each.
pub type VipLinks = Vec<(LinkId, bool)>;

/// What an AH advert is sealed with (`wire::ah::seal`).
pub struct Seal<'a> {
    pub key: &'a [u8; 8],
    pub seq: u32,
    /// The IPv4 identification (never 0).
    pub id: u16,
}

/// Write `advert` from `src` to `dst` into `buf` — inside IPsec AH with a seal, the
/// IPv4 header ours then (TTL 255, or `unicast_ttl`) — and return its length.
fn emit(
    buf: &mut [u8],
    advert: &packet::Repr<'_>,
    src: IpAddr,
    dst: IpAddr,
    (seal, unicast, ttl): (Option<&Seal<'_>>, bool, Option<u8>),
) -> Result<usize, wire::Error> {
    let (Some(seal), IpAddr::V4(s), IpAddr::V4(d)) = (seal, src, dst) else {
        return advert.emit(buf, src, dst);
    };
    let n = advert.emit(&mut buf[ah::PAYLOAD_AT..], src, dst)?;
    let h = ah::Header {
        src: s,
        dst: d,
        ttl: ttl.unwrap_or(255),
        id: seal.id,
    };
    ah::seal(buf, n, &h, seal.seq, seal.key, unicast)
}

pub struct Links {
    slots: Vec<Option<Link>>,
    /// Received datagrams are read into it, adverts emitted from it (a received advert is
    /// copied out before any answer is sent).
    buf: Box<[u8; BUF]>,
    /// The length of the datagram last read into `buf` (a sealed one waits there).
    last: usize,
    /// The address list of the last advert received, in wire form (`received_addrs`).
    addrs: Vec<u8>,
}

impl Default for Links {
    fn default() -> Self {
        Links {
            slots: Vec::new(),
            buf: Box::new([0; BUF]),
            last: 0,
            addrs: Vec::new(),
        }
    }
}

impl Links {
    /// The link for interface `name` and family `v6` (IPsec AH adverts with `ah`),
    /// opened (if it can be) when no instance has it yet.
    pub fn open(&mut self, name: &str, v6: bool, ah: bool) -> LinkId {
        let found = self
            .slots
            .iter()
            .position(|l| l.as_ref().is_some_and(|l| l.is(name, v6, ah)));
        if let Some(i) = found {
            return LinkId(i);
        }
        let mut link = Link::new(name, v6, ah);
        link.open();
        let link = Some(link);
        match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = link;
                LinkId(i)
            }
            None => {
                self.slots.push(link);
                LinkId(self.slots.len() - 1)
            }
        }
    }

    /// The links of the interfaces an instance's VIPs and excluded VIPs name (`dev
    /// IF`), in their order, with whether the instance tracks that interface (not
    /// `no_track`).
    pub fn open_vip_devices(&mut self, inst: &Instance) -> VipLinks {
        let mut ids = Vec::new();
        for (v, o) in inst.addresses() {
            if let Some(dev) = &v.dev {
                ids.push((self.open(dev, v.addr.is_ipv6(), false), !o.no_track));
            }
        }
        ids
    }

    /// Close the links no instance uses; join the multicast groups instances listen to
    /// (`uses`: every link an instance holds, and the group it listens to there, if it
    /// is a multicast instance), leave the others.
    pub fn sync(&mut self, uses: &[(LinkId, Option<IpAddr>)]) {
        let mut used: Vec<Option<Vec<IpAddr>>> = vec![None; self.slots.len()];
        for &(id, group) in uses {
            if let Some(u) = used.get_mut(id.0) {
                let groups = u.get_or_insert_with(Vec::new);
                groups.extend(group.filter(|g| !groups.contains(g)));
            }
        }
        for (slot, used) in self.slots.iter_mut().zip(used) {
            let Some(groups) = used else {
                *slot = None;
                continue;
            };
            if let Some(l) = slot {
                l.set_groups(groups);
            }
        }
    }

    /// The kernel's news of interface `name`: it exists with `index`, or (None) it was
    /// deleted. A link whose interface appeared, was created again (another index) or
    /// could not be set up is opened (again); one that could not join its group tries
    /// again. Returns whether any link of that name changed (the caller rebuilds the poll
    /// set and looks at its instances again).
    pub fn interface_changed(&mut self, name: &str, index: Option<u32>) -> bool {
        let mut changed = false;
        for l in self.slots.iter_mut().flatten() {
            if l.name() == name {
                changed |= l.interface_changed(index);
            }
        }
        changed
    }

    /// The kernel lost events: look at every link's interface again. Returns whether
    /// any changed.
    pub fn relearn(&mut self) -> bool {
        let names: Vec<String> = self
            .slots
            .iter()
            .flatten()
            .map(|l| l.name().to_string())
            .collect();
        let mut changed = false;
        for name in names {
            let index = iface::lookup(&name).ok().map(|i| i.index);
            changed |= self.interface_changed(&name, index);
        }
        changed
    }

    /// What link `id` lacks for an instance that listens there to multicast `group`
    /// (None: a unicast instance), and why, for its log line and status.
    pub fn problem(&self, id: LinkId, group: Option<IpAddr>) -> Option<(Blocker, String)> {
        let l = self.slots.get(id.0)?.as_ref()?;
        l.problem(group)
    }

    /// The index of link `id`'s interface, while it exists.
    pub fn index(&self, id: LinkId) -> Option<u32> {
        self.slots.get(id.0)?.as_ref()?.device().map(|d| d.0)
    }

    /// The address list of the advert `recv` returned last, as adverts carry it.
    pub fn received_addrs(&self) -> &[u8] {
        &self.addrs
    }

    /// One datagram from link `id`, parsed; None when nothing (more) can be read.
    pub fn recv(&mut self, id: LinkId) -> Option<Rx> {
        let l = self.slots.get_mut(id.0)?.as_mut()?;
        l.recv(&mut self.buf[..], &mut self.last, &mut self.addrs)
    }

    /// The AH datagram `recv` left in the buffer (`Rx::Sealed`), checked with `key`
    /// (`unicast`: the TTL is not covered): the advert, its TTL and its sequence number.
    /// A failure is counted on link `id`.
    pub fn unseal(
        &mut self,
        id: LinkId,
        key: &[u8; 8],
        unicast: bool,
    ) -> Result<(Advert, u8, u32), wire::Error> {
        let (d, addrs) = (&self.buf[..self.last], &mut self.addrs);
        let res = ah::open(d, key, unicast).and_then(|(ip, seq, vrrp)| {
            let (src, dst) = (IpAddr::V4(ip.src), IpAddr::V4(ip.dst));
            match packet::parse(vrrp, src, dst)? {
                p if p.auth == packet::Auth::Ah => {
                    addrs.clear();
                    addrs.extend_from_slice(p.addrs);
                    Ok((Advert::new(src, &p), ip.ttl, seq))
                }
                // keepalived: "received a N auth, expecting 2".
                _ => Err(wire::Error::UnsupportedAuth(vrrp[4])),
            }
        });
        if let (Err(e), Some(Some(l))) = (&res, self.slots.get_mut(id.0)) {
            l.count_drop(e.kind());
        }
        res
    }

    /// Send `advert` from `src` on link `id` to each of `peers` (with `unicast_ttl`, if
    /// set), or to multicast `group` (None: the RFC's) when there are none — inside IPsec
    /// AH with `seal`; `who` names the instance in debug lines. Returns how many
    /// destinations it went to, and those it failed for.
    pub fn send(
        &mut self,
        id: LinkId,
        who: &str,
        advert: &packet::Repr<'_>,
        src: IpAddr,
        (peers, unicast_ttl, group): (&[IpAddr], Option<u8>, Option<IpAddr>),
        seal: Option<&Seal<'_>>,
    ) -> (usize, SendFailures) {
        let mut failures = SendFailures::new();
        let multicast = [group.unwrap_or(default_group(src.is_ipv6()))];
        let (dsts, ttl) = if peers.is_empty() {
            (&multicast[..], None)
        } else {
            (peers, unicast_ttl)
        };
        let sock = self.slots.get(id.0).and_then(Option::as_ref);
        let Some(sock) = sock.and_then(Link::socket) else {
            for &dst in dsts {
                let _ = failures.push((dst, io::ErrorKind::NotConnected));
            }
            return (0, failures);
        };
        let mut sent = 0;
        let unicast = !peers.is_empty();
        for &dst in dsts {
            let res = emit(&mut self.buf[..], advert, src, dst, (seal, unicast, ttl))
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
                .and_then(|n| match (src, dst) {
                    (IpAddr::V4(s), IpAddr::V4(d)) => sock.send(s, d, &self.buf[..n], ttl),
                    (IpAddr::V6(s), IpAddr::V6(d)) => sock.send_v6(s, d, &self.buf[..n], ttl),
                    _ => Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "mixed address families",
                    )),
                });
            match res {
                Ok(()) => sent += 1,
                Err(e) => {
                    let _ = failures.push((dst, e.kind()));
                    debug!("({who}) advert to {dst} failed: {e}");
                }
            }
        }
        (sent, failures)
    }

    /// An advert no instance on link `id` serves.
    pub fn count_drop(&mut self, id: LinkId, kind: &'static str) {
        if let Some(l) = self.slots.get_mut(id.0).and_then(Option::as_mut) {
            l.count_drop(kind);
        }
    }

    pub fn name(&self, id: LinkId) -> &str {
        self.slots
            .get(id.0)
            .and_then(Option::as_ref)
            .map_or("", Link::name)
    }

    /// Index and MAC address of interface `name`, as last opened.
    pub fn device(&self, name: &str) -> Option<(u32, [u8; 6])> {
        let l = self.slots.iter().flatten().find(|l| l.name() == name)?;
        l.device()
    }

    /// Every link with a socket, and the socket, for the poll set.
    pub fn fds(&self) -> impl Iterator<Item = (LinkId, RawFd)> + '_ {
        let open = self.slots.iter().enumerate();
        open.filter_map(|(i, l)| Some((LinkId(i), l.as_ref()?.socket()?.raw_fd())))
    }

    /// Drop counters per interface, for the status.
    pub fn dropped(&self) -> impl Iterator<Item = (&str, &[(&'static str, u64)])> + '_ {
        let open = self.slots.iter().flatten();
        open.map(|l| (l.name(), l.dropped()))
    }
}
