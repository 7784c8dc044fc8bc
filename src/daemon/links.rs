//! The VRRP sockets: one per interface and family, shared by every instance there. Each
//! link owns its socket, its multicast membership and its drop counters; what arrives
//! leaves here as a parsed advert or a typed drop, and adverts leave through here. A
//! `LinkId` stays valid as long as an instance holds it: links live in fixed slots, and
//! `sync` closes only the links no instance holds.

use super::error::StartError;
use crate::config::model::Instance;
use crate::os::iface::{self, Iface};
use crate::os::socket::{VRRP_GROUP_V4, VRRP_GROUP_V6, VrrpSocket};
use crate::vrrp::machine::Advert;
use crate::wire::{self, packet};
use log::{debug, error, info, warn};
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

/// What one read from a link gave.
pub enum Rx {
    /// With the TTL (IPv6: hop limit) it arrived with, which the instance checks; a hop
    /// limit the kernel did not report counts as 0.
    Advert { adv: Advert, ttl: u8 },
    /// Not a valid advert (already counted on the link); `src` as far as it was read.
    Dropped { src: IpAddr, error: wire::Error },
}

struct Link {
    name: String,
    iface: Iface,
    sock: VrrpSocket,
    /// Datagrams dropped before reaching an instance, by reason (codec error kind or
    /// "vrid"); a handful of distinct reasons, so a small vector.
    dropped: Vec<(&'static str, u64)>,
}

impl Link {
    /// The one place a VRRP socket is opened: at start, on reload, and again when its
    /// interface was re-created.
    fn open(name: &str, v6: bool) -> Result<(Iface, VrrpSocket), StartError> {
        let iface = iface::lookup(name).map_err(|source| StartError::Interface {
            name: name.into(),
            source,
        })?;
        let sock = if v6 {
            VrrpSocket::open_v6(name, iface.index)
        } else {
            VrrpSocket::open_v4(name, iface.index)
        };
        let sock = sock.map_err(|source| StartError::VrrpSocket {
            interface: name.into(),
            source,
        })?;
        Ok((iface, sock))
    }

    fn count_drop(&mut self, kind: &'static str) {
        match self.dropped.iter_mut().find(|e| e.0 == kind) {
            Some(e) => e.1 += 1,
            None => self.dropped.push((kind, 1)),
        }
    }
}

/// The multicast group adverts of a family go to (RFC 5798 §5.1.1.2, RFC 9568 §5.1.2.2).
fn group(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(VRRP_GROUP_V6)
    } else {
        IpAddr::V4(VRRP_GROUP_V4)
    }
}

pub struct Links {
    slots: Vec<Option<Link>>,
    /// Received datagrams are read into it, adverts emitted from it (a received advert is
    /// copied out before any answer is sent).
    buf: Box<[u8; BUF]>,
}

impl Default for Links {
    fn default() -> Self {
        Links {
            slots: Vec::new(),
            buf: Box::new([0; BUF]),
        }
    }
}

impl Links {
    /// The link for interface `name` and family `v6`, opened if no instance has it yet.
    pub fn open(&mut self, name: &str, v6: bool) -> Result<LinkId, StartError> {
        let found = self.slots.iter().position(|l| {
            l.as_ref()
                .is_some_and(|l| l.name == name && l.sock.is_v6() == v6)
        });
        if let Some(i) = found {
            return Ok(LinkId(i));
        }
        let (iface, sock) = Link::open(name, v6)?;
        let link = Some(Link {
            name: name.to_string(),
            iface,
            sock,
            dropped: Vec::new(),
        });
        match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = link;
                Ok(LinkId(i))
            }
            None => {
                self.slots.push(link);
                Ok(LinkId(self.slots.len() - 1))
            }
        }
    }

    /// The links of the interfaces an instance's VIPs name (`dev IF`): they must exist.
    pub fn open_vip_devices(&mut self, inst: &Instance) -> Result<Vec<LinkId>, StartError> {
        let mut ids = Vec::new();
        for v in &inst.vips {
            if let Some(dev) = &v.dev {
                ids.push(self.open(dev, v.addr.is_ipv6())?);
            }
        }
        Ok(ids)
    }

    /// Close the links no instance uses; join the VRRP group where a multicast instance
    /// listens (`uses`: every link an instance holds, and whether it listens there for
    /// multicast adverts), leave it elsewhere.
    pub fn sync(&mut self, uses: &[(LinkId, bool)]) {
        let mut used = vec![None; self.slots.len()];
        for &(id, multicast) in uses {
            if let Some(u) = used.get_mut(id.0) {
                *u = Some(u.unwrap_or(false) | multicast);
            }
        }
        for (slot, used) in self.slots.iter_mut().zip(used) {
            let Some(multicast) = used else {
                *slot = None;
                continue;
            };
            let Some(l) = slot else {
                continue;
            };
            let res = if multicast {
                l.sock.join_group()
            } else {
                l.sock.leave_group()
            };
            if let Err(e) = res {
                let group = group(l.sock.is_v6());
                warn!("{}: cannot change membership of {group}: {e}", l.name);
            }
        }
    }

    /// Interface `name` came up with a new index: it was deleted and created again, so
    /// its links' sockets are opened again (both families). Returns whether any was; the
    /// caller then runs `sync` to restore group membership.
    pub fn reopen(&mut self, name: &str, index: u32) -> bool {
        let mut reopened = false;
        for l in self.slots.iter_mut().flatten() {
            if l.name != name || l.iface.index == index {
                continue;
            }
            reopened = true;
            match Link::open(name, l.sock.is_v6()) {
                Ok((iface, sock)) => {
                    info!(
                        "{name} was re-created (index {}): socket re-opened",
                        iface.index
                    );
                    l.iface = iface;
                    l.sock = sock;
                }
                Err(
                    StartError::Interface { source, .. } | StartError::VrrpSocket { source, .. },
                ) => error!("{name} was re-created but cannot be opened again: {source}"),
                Err(e) => error!("{name} was re-created but cannot be opened again: {e}"),
            }
        }
        reopened
    }

    /// One datagram from link `id`, parsed; None when nothing (more) can be read.
    pub fn recv(&mut self, id: LinkId) -> Option<Rx> {
        let l = self.slots.get_mut(id.0)?.as_mut()?;
        let buf = &mut self.buf[..];
        let got = if l.sock.is_v6() {
            l.sock.recv_v6(buf).map(|r| {
                r.map(|r| {
                    let (src, dst) = (IpAddr::V6(r.src), IpAddr::V6(r.dst));
                    let p = packet::parse(&buf[..r.len], src, dst);
                    let ttl = r.hop_limit.unwrap_or(0);
                    (src, p.map(|p| (Advert::new(src, &p), ttl)))
                })
            })
        } else {
            l.sock.recv(buf).map(|d| {
                d.map(|d| match wire::ipv4::parse_vrrp(d) {
                    Ok((ip, p)) => {
                        let src = IpAddr::V4(ip.src);
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

    /// Send `advert` from `src` on link `id` to each of `peers` (with `unicast_ttl`, if
    /// set), or to the VRRP group when there are none; `who` names the instance in debug
    /// lines.
    pub fn send(
        &mut self,
        id: LinkId,
        who: &str,
        advert: &packet::Repr<'_>,
        src: IpAddr,
        (peers, unicast_ttl): (&[IpAddr], Option<u8>),
    ) -> SendFailures {
        let mut failures = SendFailures::new();
        let Some(l) = self.slots.get(id.0).and_then(Option::as_ref) else {
            return failures;
        };
        let multicast = [group(src.is_ipv6())];
        let (dsts, ttl) = if peers.is_empty() {
            (&multicast[..], None)
        } else {
            (peers, unicast_ttl)
        };
        for &dst in dsts {
            let res = advert
                .emit(&mut self.buf[..], src, dst)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
                .and_then(|n| match (src, dst) {
                    (IpAddr::V4(s), IpAddr::V4(d)) => l.sock.send(s, d, &self.buf[..n], ttl),
                    (IpAddr::V6(s), IpAddr::V6(d)) => l.sock.send_v6(s, d, &self.buf[..n], ttl),
                    _ => Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "mixed address families",
                    )),
                });
            if let Err(e) = res {
                let _ = failures.push((dst, e.kind()));
                debug!("({who}) advert to {dst} failed: {e}");
            }
        }
        failures
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
        Some((l.iface.index, l.iface.mac))
    }

    /// Every open link and its socket, for the poll set.
    pub fn fds(&self) -> impl Iterator<Item = (LinkId, RawFd)> + '_ {
        let open = self.slots.iter().enumerate();
        open.filter_map(|(i, l)| Some((LinkId(i), l.as_ref()?.sock.raw_fd())))
    }

    /// Drop counters per interface, for the status.
    pub fn dropped(&self) -> impl Iterator<Item = (&str, &[(&'static str, u64)])> + '_ {
        let open = self.slots.iter().flatten();
        open.map(|l| (l.name.as_str(), l.dropped.as_slice()))
    }
}
