//! The VRRP sockets: one per interface and family, shared by every instance there. Each
//! link owns its socket, its multicast membership and its drop counters; what arrives
//! leaves here as a parsed advert or a typed drop, and adverts leave through here. A
//! `LinkId` stays valid as long as an instance holds it: links live in fixed slots, and
//! `sync` closes only the links no instance holds.
//!
//! A link exists whether or not its interface does: an interface that appears after
//! the daemon started (a VLAN, a bridge, PPPoE, WireGuard on a router), or that is
//! deleted and created again, is opened when the kernel says so; a socket that cannot be
//! set up, or a group that cannot be joined, is retried when the interface changes.
//! Meanwhile the link says what its instances lack (`problem`): they wait in FAULT,
//! never deaf or mute as Master.

use crate::config::model::Instance;
use crate::os::iface::{self, Iface};
pub use crate::os::socket::default_group;
use crate::os::socket::{SockError, VrrpSocket};
use crate::vrrp::machine::Advert;
use crate::vrrp::ready::Blocker;
use crate::wire::{self, ah, packet};
use log::{debug, info, warn};
use std::io;
use std::net::{IpAddr, Ipv4Addr};
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

/// What one read from a link gave.
pub enum Rx {
    /// With the TTL (IPv6: hop limit) it arrived with, which the instance checks; a hop
    /// limit the kernel did not report counts as 0.
    Advert { adv: Advert, ttl: u8 },
    /// Not a valid advert (already counted on the link); `src` as far as it was read.
    Dropped { src: IpAddr, error: wire::Error },
    /// An IPsec AH datagram for `vrid`, not checked yet: the router serving it checks it
    /// with its key (`Links::unseal`) before the next read.
    Sealed { src: IpAddr, vrid: u8 },
}

/// What an AH advert is sealed with (`wire::ah::seal`).
pub struct Seal<'a> {
    pub key: &'a [u8; 8],
    pub seq: u32,
    /// The IPv4 identification (never 0).
    pub id: u16,
}

/// Why a link cannot serve its instances.
#[derive(Debug)]
enum Problem {
    /// The interface does not exist (not yet, or not any more).
    Missing,
    /// The socket cannot be set up (a step that would leave it deaf or mute).
    Socket(SockError),
    /// A multicast group cannot be joined: the instances that listen there would be
    /// deaf.
    Join(IpAddr, SockError),
}

struct Link {
    name: String,
    v6: bool,
    /// IPsec AH adverts (IP protocol 51) instead of plain ones.
    ah: bool,
    /// The interface as last opened; None while it does not exist.
    iface: Option<Iface>,
    /// The index it had before it went (to say it was re-created).
    was: Option<u32>,
    /// None while the interface does not exist or the socket cannot be set up.
    sock: Option<VrrpSocket>,
    problem: Option<Problem>,
    /// The groups multicast instances listen to here: they must be joined.
    groups: Vec<IpAddr>,
    /// Datagrams dropped before reaching an instance, by reason (codec error kind or
    /// "vrid"); a handful of distinct reasons, so a small vector.
    dropped: Vec<(&'static str, u64)>,
}

impl Link {
    fn new(name: &str, v6: bool, ah: bool) -> Link {
        Link {
            name: name.to_string(),
            v6,
            ah,
            iface: None,
            was: None,
            sock: None,
            problem: None,
            groups: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// The one place a VRRP socket is opened: when an instance first needs the link,
    /// and again when its interface appears or is created again. Logs what changed.
    fn open(&mut self) {
        let name = &self.name;
        let iface = match iface::lookup(name) {
            Ok(i) => i,
            Err(e) => {
                self.sock = None;
                self.iface = None;
                debug!("{name}: {e}");
                self.set_problem(Some(Problem::Missing));
                return;
            }
        };
        let was = self.iface.replace(iface).map(|i| i.index).or(self.was);
        self.sock = None;
        match VrrpSocket::setup(name, iface.index, self.v6, self.ah) {
            Ok((sock, degraded)) => {
                for e in degraded {
                    warn!("{name}: {e}: going on without it");
                }
                self.sock = Some(sock);
                match was {
                    Some(w) if w != iface.index => info!(
                        "{name} was re-created (index {}): socket re-opened",
                        iface.index
                    ),
                    _ => debug!("{name}: VRRP socket open (index {})", iface.index),
                }
                self.set_problem(None);
                self.join();
            }
            Err(e) => self.set_problem(Some(Problem::Socket(e))),
        }
    }

    /// Join the groups multicast instances listen to here, leave the others.
    fn join(&mut self) {
        let Some(sock) = &mut self.sock else {
            return;
        };
        if let Err((g, e)) = sock.leave_groups_but(&self.groups) {
            // Costs nothing but adverts the receive checks drop.
            warn!("{}: cannot leave {g}: {e}", self.name);
        }
        let failed = self
            .groups
            .iter()
            .find_map(|&g| sock.join_group(g).err().map(|e| (g, e)));
        match failed {
            Some((g, e)) => self.set_problem(Some(Problem::Join(g, e))),
            // No (other) join failed: one that did no longer matters.
            None if matches!(self.problem, Some(Problem::Join(..))) => self.set_problem(None),
            None => {}
        }
    }

    /// Record what the link lacks. (Each instance it leaves waiting says why: `Why`.)
    fn set_problem(&mut self, p: Option<Problem>) {
        if p.is_none() && self.problem.is_some() {
            info!("{}: VRRP socket ready", self.name);
        }
        self.problem = p;
    }

    fn count_drop(&mut self, kind: &'static str) {
        match self.dropped.iter_mut().find(|e| e.0 == kind) {
            Some(e) => e.1 += 1,
            None => self.dropped.push((kind, 1)),
        }
    }
}

/// One AH datagram off a link's socket into `buf` (its length in `last`): the sender and
/// the VRID it is for, so the router serving it can check it with its key.
fn recv_sealed(l: &mut Link, buf: &mut [u8], last: &mut usize) -> Option<Rx> {
    let sock = l.sock.as_ref()?;
    let d = match sock.recv(buf) {
        Ok(Some(d)) => d,
        Ok(None) => return None,
        Err(e) => {
            debug!("{}: receive error: {e}", l.name);
            return None;
        }
    };
    *last = d.len();
    let peeked = wire::ipv4::parse(d).and_then(|(ip, payload)| {
        let vrid = payload.get(ah::AH_LEN + 1).copied();
        match vrid {
            _ if ip.protocol != ah::PROTOCOL => Err(wire::Error::Protocol(ip.protocol)),
            Some(v) => Ok((ip.src, v)),
            None => Err(wire::Error::Truncated {
                need: ah::PAYLOAD_AT,
                got: d.len(),
            }),
        }
    });
    match peeked {
        Ok((src, vrid)) => Some(Rx::Sealed {
            src: IpAddr::V4(src),
            vrid,
        }),
        Err(error) => {
            l.count_drop(error.kind());
            let src = IpAddr::V4(wire::ipv4::parse(d).map_or(Ipv4Addr::UNSPECIFIED, |x| x.0.src));
            Some(Rx::Dropped { src, error })
        }
    }
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

/// What a link lacks, in words: "interface X does not exist", "cannot set up the VRRP
/// socket on X: OPTION: error", "cannot join GROUP on X: OPTION: error".
struct Why<'a>(&'a Link);

impl core::fmt::Display for Why<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let l = self.0;
        match &l.problem {
            None => Ok(()),
            Some(Problem::Missing) => write!(f, "interface {} does not exist", l.name),
            Some(Problem::Socket(e)) => {
                write!(f, "cannot set up the VRRP socket on {}: {e}", l.name)
            }
            Some(Problem::Join(g, e)) => write!(f, "cannot join {g} on {}: {e}", l.name),
        }
    }
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
        let found = self.slots.iter().position(|l| {
            l.as_ref()
                .is_some_and(|l| l.name == name && l.v6 == v6 && l.ah == ah)
        });
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
                l.groups = groups;
                l.join();
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
            if l.name != name {
                continue;
            }
            match index {
                None if l.iface.is_some() => {
                    l.sock = None;
                    l.was = l.iface.take().map(|i| i.index);
                    l.problem = Some(Problem::Missing);
                    changed = true;
                }
                None => {}
                Some(i) => {
                    let current = l.iface.is_some_and(|f| f.index == i) && l.sock.is_some();
                    if !current {
                        l.open();
                        changed = true;
                    } else if matches!(l.problem, Some(Problem::Join(..))) {
                        l.join();
                        changed = true;
                    }
                }
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
            .map(|l| l.name.clone())
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
        let b = match l.problem.as_ref()? {
            Problem::Missing => Blocker::NoInterface,
            Problem::Socket(_) => Blocker::NoSocket,
            Problem::Join(g, _) if group == Some(*g) => Blocker::Deaf,
            Problem::Join(..) => return None,
        };
        Some((b, Why(l).to_string()))
    }

    /// The index of link `id`'s interface, while it exists.
    pub fn index(&self, id: LinkId) -> Option<u32> {
        self.slots.get(id.0)?.as_ref()?.iface.map(|i| i.index)
    }

    /// The address list of the advert `recv` returned last, as adverts carry it.
    pub fn received_addrs(&self) -> &[u8] {
        &self.addrs
    }

    /// One datagram from link `id`, parsed; None when nothing (more) can be read.
    pub fn recv(&mut self, id: LinkId) -> Option<Rx> {
        let l = self.slots.get_mut(id.0)?.as_mut()?;
        let sock = l.sock.as_ref()?;
        let buf = &mut self.buf[..];
        if l.ah {
            return recv_sealed(l, buf, &mut self.last);
        }
        let addrs = &mut self.addrs;
        let mut keep = |p: &packet::Repr<'_>| {
            addrs.clear();
            addrs.extend_from_slice(p.addrs);
        };
        let got = if l.v6 {
            sock.recv_v6(buf).map(|r| {
                r.map(|r| {
                    let (src, dst) = (IpAddr::V6(r.src), IpAddr::V6(r.dst));
                    let p = packet::parse(&buf[..r.len], src, dst);
                    let ttl = r.hop_limit.unwrap_or(0);
                    (
                        src,
                        p.map(|p| {
                            keep(&p);
                            (Advert::new(src, &p), ttl)
                        }),
                    )
                })
            })
        } else {
            sock.recv(buf).map(|d| {
                d.map(|d| match wire::ipv4::parse_vrrp(d) {
                    // keepalived's AH type outside an AH header: not ours to take.
                    Ok((ip, p)) if p.auth == packet::Auth::Ah => {
                        (IpAddr::V4(ip.src), Err(wire::Error::UnsupportedAuth(2)))
                    }
                    Ok((ip, p)) => {
                        let src = IpAddr::V4(ip.src);
                        keep(&p);
                        (src, Ok((Advert::new(src, &p), ip.ttl)))
                    }
                    Err(e) => {
                        let src = wire::ipv4::parse(d).map_or(Ipv4Addr::UNSPECIFIED, |x| x.0.src);
                        (IpAddr::V4(src), Err(e))
                    }
                })
            })
        };
        match got {
            Ok(Some((_, Ok((adv, ttl))))) => Some(Rx::Advert { adv, ttl }),
            Ok(Some((src, Err(error)))) => {
                l.count_drop(error.kind());
                Some(Rx::Dropped { src, error })
            }
            Ok(None) => None,
            Err(e) => {
                debug!("{}: receive error: {e}", l.name);
                None
            }
        }
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
        let Some(sock) = sock.and_then(|l| l.sock.as_ref()) else {
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
            .map_or("", |l| l.name.as_str())
    }

    /// Index and MAC address of interface `name`, as last opened.
    pub fn device(&self, name: &str) -> Option<(u32, [u8; 6])> {
        let l = self.slots.iter().flatten().find(|l| l.name == name)?;
        l.iface.map(|i| (i.index, i.mac))
    }

    /// Every link with a socket, and the socket, for the poll set.
    pub fn fds(&self) -> impl Iterator<Item = (LinkId, RawFd)> + '_ {
        let open = self.slots.iter().enumerate();
        open.filter_map(|(i, l)| Some((LinkId(i), l.as_ref()?.sock.as_ref()?.raw_fd())))
    }

    /// Drop counters per interface, for the status.
    pub fn dropped(&self) -> impl Iterator<Item = (&str, &[(&'static str, u64)])> + '_ {
        let open = self.slots.iter().flatten();
        open.map(|l| (l.name.as_str(), l.dropped.as_slice()))
    }
}
