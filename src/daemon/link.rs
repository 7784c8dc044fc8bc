//! One VRRP socket: an interface and family (and whether its adverts come in IPsec AH),
//! the socket while it can be set up, its multicast memberships, what it lacks, and its
//! drop counters; one datagram in at a time, as a parsed advert or a typed drop.

use crate::os::iface::{self, Iface};
use crate::os::socket::{SockError, VrrpSocket};
use crate::vrrp::machine::Advert;
use crate::vrrp::ready::Blocker;
use crate::wire::{self, ah, packet};
use log::{debug, info, warn};
use std::net::{IpAddr, Ipv4Addr};

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

pub struct Link {
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
    pub fn new(name: &str, v6: bool, ah: bool) -> Link {
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
    pub fn open(&mut self) {
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

    pub fn count_drop(&mut self, kind: &'static str) {
        match self.dropped.iter_mut().find(|e| e.0 == kind) {
            Some(e) => e.1 += 1,
            None => self.dropped.push((kind, 1)),
        }
    }

    /// Whether it is the link for interface `name`, family `v6`, AH adverts `ah`.
    pub fn is(&self, name: &str, v6: bool, ah: bool) -> bool {
        self.name == name && self.v6 == v6 && self.ah == ah
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The groups multicast instances listen to here: joined, the others left.
    pub fn set_groups(&mut self, groups: Vec<IpAddr>) {
        self.groups = groups;
        self.join();
    }

    /// The kernel's news of its interface: it exists with `index`, or (None) it was
    /// deleted (see `Links::interface_changed`). Returns whether the link changed.
    pub fn interface_changed(&mut self, index: Option<u32>) -> bool {
        match index {
            None if self.iface.is_some() => {
                self.sock = None;
                self.was = self.iface.take().map(|i| i.index);
                self.problem = Some(Problem::Missing);
                true
            }
            None => false,
            Some(i) => {
                let current = self.iface.is_some_and(|f| f.index == i) && self.sock.is_some();
                if !current {
                    self.open();
                    true
                } else if matches!(self.problem, Some(Problem::Join(..))) {
                    self.join();
                    true
                } else {
                    false
                }
            }
        }
    }

    /// What it lacks for an instance that listens here to multicast `group` (None: a
    /// unicast instance), and why.
    pub fn problem(&self, group: Option<IpAddr>) -> Option<(Blocker, String)> {
        let b = match self.problem.as_ref()? {
            Problem::Missing => Blocker::NoInterface,
            Problem::Socket(_) => Blocker::NoSocket,
            Problem::Join(g, _) if group == Some(*g) => Blocker::Deaf,
            Problem::Join(..) => return None,
        };
        Some((b, Why(self).to_string()))
    }

    /// Index and MAC address of its interface, as last opened.
    pub fn device(&self) -> Option<(u32, [u8; 6])> {
        self.iface.map(|i| (i.index, i.mac))
    }

    pub fn socket(&self) -> Option<&VrrpSocket> {
        self.sock.as_ref()
    }

    /// Datagrams dropped before reaching an instance, by reason.
    pub fn dropped(&self) -> &[(&'static str, u64)] {
        &self.dropped
    }

    /// One datagram, parsed, into `buf` (a sealed one's length in `last`, the address
    /// list of an advert in `addrs`); None when nothing (more) can be read.
    pub fn recv(&mut self, buf: &mut [u8], last: &mut usize, addrs: &mut Vec<u8>) -> Option<Rx> {
        if self.ah {
            return self.recv_sealed(buf, last);
        }
        let sock = self.sock.as_ref()?;
        let mut keep = |p: &packet::Repr<'_>| {
            addrs.clear();
            addrs.extend_from_slice(p.addrs);
        };
        let got = if self.v6 {
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
                self.count_drop(error.kind());
                Some(Rx::Dropped { src, error })
            }
            Ok(None) => None,
            Err(e) => {
                debug!("{}: receive error: {e}", self.name);
                None
            }
        }
    }

    /// One AH datagram off a link's socket into `buf` (its length in `last`): the sender and
    /// the VRID it is for, so the router serving it can check it with its key.
    fn recv_sealed(&mut self, buf: &mut [u8], last: &mut usize) -> Option<Rx> {
        let sock = self.sock.as_ref()?;
        let d = match sock.recv(buf) {
            Ok(Some(d)) => d,
            Ok(None) => return None,
            Err(e) => {
                debug!("{}: receive error: {e}", self.name);
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
                self.count_drop(error.kind());
                let src =
                    IpAddr::V4(wire::ipv4::parse(d).map_or(Ipv4Addr::UNSPECIFIED, |x| x.0.src));
                Some(Rx::Dropped { src, error })
            }
        }
    }
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
