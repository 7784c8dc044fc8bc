//! Adding and removing addresses through rtnetlink (RTM_NEWADDR / RTM_DELADDR), the
//! addresses of every interface (a dump, and news of their changes: where adverts leave
//! from), and link state events (RTM_NEWLINK / RTM_DELLINK) for interface tracking.
//! The message bytes are built by pure functions so they are unit-tested without root.
use super::{cvt, cvt_size, socket};
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::{AsRawFd, OwnedFd};

const NLMSG_HDRLEN: usize = 16;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_LABEL: u16 = 3;
const IFA_BROADCAST: u16 = 4;
const IFA_FLAGS: u16 = 8;
const NLMSG_DONE: u16 = 3;
const IFADDRMSG_LEN: usize = 8;
/// An IPv4 address that is not the first of its subnet on the interface.
pub const IFA_F_SECONDARY: u32 = 0x01;
pub const IFA_F_DADFAILED: u32 = 0x08;
/// An IPv6 address still in duplicate address detection.
pub const IFA_F_TENTATIVE: u32 = 0x40;
pub const RT_SCOPE_LINK: u8 = 253;
const IFA_F_NODAD: u8 = 0x02;
const NLMSG_ERROR: u16 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrOp {
    Add,
    Del,
}

/// What the kernel said: done, or nothing to do (already there / already gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Unchanged,
}

pub(super) fn push_attr(buf: &mut Vec<u8>, ty: u16, data: &[u8]) {
    let len = 4 + data.len();
    buf.extend_from_slice(&(len as u16).to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.extend_from_slice(data);
    buf.resize(buf.len().next_multiple_of(4), 0);
}

/// An address as the kernel adds it (`ip addr add ADDR/PLEN [brd B] [scope S] [label L]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrSpec<'a> {
    pub addr: IpAddr,
    pub prefix_len: u8,
    pub label: Option<&'a str>,
    /// IPv4 broadcast address.
    pub broadcast: Option<Ipv4Addr>,
    /// RT_SCOPE_* (0: global).
    pub scope: u8,
}

/// One RTM_NEWADDR/RTM_DELADDR request with an ACK requested.
pub fn addr_message(op: AddrOp, seq: u32, ifindex: u32, a: &AddrSpec<'_>) -> Vec<u8> {
    let (ty, flags) = match op {
        AddrOp::Add => (libc::RTM_NEWADDR, libc::NLM_F_CREATE | libc::NLM_F_EXCL),
        AddrOp::Del => (libc::RTM_DELADDR, 0),
    };
    let flags = (flags | libc::NLM_F_REQUEST | libc::NLM_F_ACK) as u16;
    let mut buf = Vec::with_capacity(64);
    buf.extend_from_slice(&[0; NLMSG_HDRLEN]);
    let (family, ifa_flags, bytes): (u8, u8, Vec<u8>) = match a.addr {
        IpAddr::V4(a) => (libc::AF_INET as u8, 0, a.octets().to_vec()),
        // A VIP moving between routers must be usable at once, not after DAD.
        IpAddr::V6(a) => (libc::AF_INET6 as u8, IFA_F_NODAD, a.octets().to_vec()),
    };
    buf.extend_from_slice(&[family, a.prefix_len, ifa_flags, a.scope]);
    buf.extend_from_slice(&ifindex.to_ne_bytes());
    push_attr(&mut buf, IFA_LOCAL, &bytes);
    push_attr(&mut buf, IFA_ADDRESS, &bytes);
    if let Some(b) = a.broadcast {
        push_attr(&mut buf, IFA_BROADCAST, &b.octets());
    }
    if let Some(l) = a.label {
        let mut z = l.as_bytes().to_vec();
        z.push(0);
        push_attr(&mut buf, IFA_LABEL, &z);
    }
    finish_header(&mut buf, ty, flags, seq);
    debug_assert_eq!(buf.len() % 4, 0);
    buf
}

/// The errno of the NLMSG_ERROR answering `seq` (0 = success); None if the reply is
/// something else.
pub fn ack_errno(reply: &[u8], seq: u32) -> Option<i32> {
    let (_, _, body) = messages(reply).find(|&(ty, s, _)| ty == NLMSG_ERROR && s == seq)?;
    Some(-(u32_at(body, 0)? as i32))
}

/// The netlink messages in a datagram: (type, sequence number, body after the header).
/// A malformed length ends the walk.
fn messages(buf: &[u8]) -> impl Iterator<Item = (u16, u32, &[u8])> {
    let mut off = 0;
    core::iter::from_fn(move || {
        let (len, ty, seq) = (
            u32_at(buf, off)? as usize,
            u16_at(buf, off + 4)?,
            u32_at(buf, off + 8)?,
        );
        let body = buf.get(off + NLMSG_HDRLEN..off + len.max(NLMSG_HDRLEN))?;
        off += len.max(NLMSG_HDRLEN).next_multiple_of(4);
        Some((ty, seq, body))
    })
}

/// The attributes after a fixed header of `skip` bytes: (type without its flag bits, data).
/// A malformed length ends the walk.
fn attributes(body: &[u8], skip: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut a = skip;
    core::iter::from_fn(move || {
        let (len, ty) = (u16_at(body, a)? as usize, u16_at(body, a + 2)?);
        let data = body.get(a + 4..a + len.max(4))?;
        a += len.max(4).next_multiple_of(4);
        Some((ty & 0x3fff, data))
    })
}

pub struct Netlink {
    fd: OwnedFd,
    /// A Cell so requests take &self: the daemon is single-threaded and the sequence
    /// number is the only state a request changes.
    seq: core::cell::Cell<u32>,
}

impl Netlink {
    pub fn open() -> io::Result<Netlink> {
        let fd = socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE)?;
        Ok(Netlink {
            fd,
            seq: core::cell::Cell::new(1),
        })
    }

    /// Add or remove one address and wait for the kernel's answer. Adding an address that
    /// is there already, or removing one that is gone, is `Unchanged`, not an error.
    pub fn addr(&self, op: AddrOp, ifindex: u32, a: &AddrSpec<'_>) -> io::Result<Outcome> {
        let seq = self.next_seq();
        let msg = addr_message(op, seq, ifindex, a);
        match self.request(&msg, seq)? {
            0 => Ok(Outcome::Done),
            libc::EEXIST if op == AddrOp::Add => Ok(Outcome::Unchanged),
            // (ENODEV: the address went with its interface.)
            libc::EADDRNOTAVAIL | libc::ENOENT | libc::ESRCH | libc::ENODEV
                if op == AddrOp::Del =>
            {
                Ok(Outcome::Unchanged)
            }
            e => Err(io::Error::from_raw_os_error(e)),
        }
    }

    /// Create a macvlan (mode private) named `name` on `base` with address `mac`, down.
    pub fn add_macvlan(&self, name: &str, base: u32, mac: [u8; 6]) -> io::Result<()> {
        let seq = self.next_seq();
        let msg = macvlan_message(seq, name, base, mac);
        match self.request(&msg, seq)? {
            0 => Ok(()),
            e => Err(io::Error::from_raw_os_error(e)),
        }
    }

    /// Bring a link up or down.
    pub fn set_link_up(&self, index: u32, up: bool) -> io::Result<()> {
        let seq = self.next_seq();
        let msg = link_message(libc::RTM_NEWLINK, 0, seq, index, up);
        match self.request(&msg, seq)? {
            0 => Ok(()),
            e => Err(io::Error::from_raw_os_error(e)),
        }
    }

    /// Every address of every interface, in the kernel's order (for IPv4 an interface's
    /// primary address before its secondaries).
    pub fn addresses(&self) -> io::Result<Vec<AddrEntry>> {
        let seq = self.next_seq();
        let flags = (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16;
        let mut msg = vec![0u8; NLMSG_HDRLEN + IFADDRMSG_LEN];
        msg[NLMSG_HDRLEN] = libc::AF_UNSPEC as u8;
        finish_header(&mut msg, libc::RTM_GETADDR, flags, seq);
        self.send(&msg)?;
        let mut out = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        // A dump comes in several datagrams, the kernel's answer to our request: bounded
        // waits for each, as for a request's ACK.
        for _ in 0..200 {
            let Some(n) = self.recv_within(&mut buf, 100)? else {
                continue;
            };
            if addr_entries(&buf[..n], Some(seq), &mut out) {
                return Ok(out);
            }
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "no end to the address dump",
        ))
    }

    /// Delete a link; one that is already gone is not an error.
    pub fn del_link(&self, index: u32) -> io::Result<()> {
        let seq = self.next_seq();
        let msg = link_message(libc::RTM_DELLINK, 0, seq, index, false);
        match self.request(&msg, seq)? {
            0 | libc::ENODEV => Ok(()),
            e => Err(io::Error::from_raw_os_error(e)),
        }
    }

    /// What kind of link `name` is, if it exists (RTM_GETLINK).
    pub fn link_info(&self, name: &str) -> io::Result<Option<LinkInfo>> {
        let seq = self.next_seq();
        let mut msg = link_message(libc::RTM_GETLINK, 0, seq, 0, false);
        let mut z = name.as_bytes().to_vec();
        z.push(0);
        push_attr(&mut msg, IFLA_IFNAME, &z);
        // No ACK asked: the answer is the link, or an error.
        finish_header(&mut msg, libc::RTM_GETLINK, libc::NLM_F_REQUEST as u16, seq);
        let mut reply = [0u8; 4096];
        let n = self.exchange(&msg, seq, &mut reply)?;
        match ack_errno(&reply[..n], seq) {
            Some(libc::ENODEV) => Ok(None),
            Some(e) if e != 0 => Err(io::Error::from_raw_os_error(e)),
            _ => Ok(link_info(&reply[..n])),
        }
    }

    /// The one way os/route.rs talks through this socket: one request, built for the
    /// next sequence number, and the errno its ACK carries (0 = success).
    pub(super) fn request_with(&self, msg: impl FnOnce(u32) -> Vec<u8>) -> io::Result<i32> {
        let seq = self.next_seq();
        self.request(&msg(seq), seq)
    }

    fn next_seq(&self) -> u32 {
        let seq = self.seq.get().wrapping_add(1);
        self.seq.set(seq);
        seq
    }

    /// Send one request and wait for its ACK; the errno it carries (0 = success).
    fn request(&self, msg: &[u8], seq: u32) -> io::Result<i32> {
        let mut reply = [0u8; 1024];
        let n = self.exchange(msg, seq, &mut reply)?;
        ack_errno(&reply[..n], seq)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no netlink ACK"))
    }

    /// Send one request; the first datagram answering it (sequence `seq`) is in `reply`.
    fn exchange(&self, msg: &[u8], seq: u32, reply: &mut [u8]) -> io::Result<usize> {
        self.send(msg)?;
        // The kernel answers these requests synchronously, but wait briefly in case it
        // has not queued the answer yet.
        for _ in 0..50 {
            let Some(n) = self.recv_within(reply, 100)? else {
                continue;
            };
            if messages(&reply[..n]).any(|(_, s, _)| s == seq) {
                return Ok(n);
            }
        }
        Err(io::Error::new(io::ErrorKind::TimedOut, "no netlink answer"))
    }

    fn send(&self, msg: &[u8]) -> io::Result<()> {
        // SAFETY: a zeroed sockaddr_nl addresses the kernel (pid 0).
        let mut kernel: libc::sockaddr_nl = unsafe { core::mem::zeroed() };
        kernel.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: msg and kernel are valid for the lengths given.
        cvt_size(unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                msg.as_ptr().cast(),
                msg.len(),
                0,
                (&kernel as *const libc::sockaddr_nl).cast(),
                core::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        })
        .map(drop)
    }

    /// One datagram into `buf`, waiting up to `ms` for it (the socket is non-blocking);
    /// None if none came.
    fn recv_within(&self, buf: &mut [u8], ms: i32) -> io::Result<Option<usize>> {
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        cvt(unsafe { libc::poll(&mut pfd, 1, ms) })?;
        // SAFETY: buf is valid for writes of its length.
        let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        match cvt_size(n) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// One address of one interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrEntry {
    pub index: u32,
    pub addr: IpAddr,
    /// IFA_F_* (IFA_FLAGS when the kernel sends it, else the header's 8 bits).
    pub flags: u32,
    pub scope: u8,
}

/// The RTM_NEWADDR messages in one datagram (a dump's answer to `seq`, or, with None,
/// the address groups' news) added to `out`. Returns whether the dump ended (NLMSG_DONE
/// for `seq`). Malformed parts end the walk; they never panic.
pub fn addr_entries(buf: &[u8], seq: Option<u32>, out: &mut Vec<AddrEntry>) -> bool {
    for (ty, s, body) in messages(buf) {
        if seq.is_some_and(|q| q != s) {
            continue;
        }
        if ty == NLMSG_DONE && seq.is_some() {
            return true;
        }
        let Some(h) = body
            .get(..IFADDRMSG_LEN)
            .filter(|_| ty == libc::RTM_NEWADDR)
        else {
            continue;
        };
        let (family, flags, scope) = (h[0], h[2], h[3]);
        let index = u32::from_ne_bytes([h[4], h[5], h[6], h[7]]);
        let (mut local, mut address, mut ext) = (None, None, None);
        for (aty, data) in attributes(body, IFADDRMSG_LEN) {
            let ip = match (i32::from(family), data.len()) {
                (libc::AF_INET, 4) => <[u8; 4]>::try_from(data).ok().map(IpAddr::from),
                (libc::AF_INET6, 16) => <[u8; 16]>::try_from(data).ok().map(IpAddr::from),
                _ => None,
            };
            match aty {
                IFA_LOCAL => local = ip,
                IFA_ADDRESS => address = ip,
                IFA_FLAGS => ext = u32_at(data, 0),
                _ => {}
            }
        }
        // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer's on a point-to-point
        // link, and the only one IPv6 sends.
        if let Some(addr) = local.or(address) {
            let flags = ext.unwrap_or(u32::from(flags));
            out.push(AddrEntry {
                index,
                addr,
                flags,
                scope,
            });
        }
    }
    false
}

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    b.get(o..o + 2).map(|s| u16::from_ne_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    b.get(o..o + 4)
        .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

const IFLA_ADDRESS: u16 = 1;
const IFLA_LINK: u16 = 5;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const IFLA_MACVLAN_MODE: u16 = 1;
const MACVLAN_MODE_PRIVATE: u32 = 1;
const NLA_F_NESTED: u16 = 0x8000;

/// An RTM_NEWLINK/RTM_DELLINK for an existing link: set IFF_UP (or not).
pub fn link_message(ty: u16, extra_flags: i32, seq: u32, index: u32, up: bool) -> Vec<u8> {
    let flags = (libc::NLM_F_REQUEST | libc::NLM_F_ACK | extra_flags) as u16;
    let mut buf = vec![0u8; NLMSG_HDRLEN];
    // ifinfomsg: family, pad, type, index, flags, change
    buf.extend_from_slice(&[libc::AF_UNSPEC as u8, 0, 0, 0]);
    buf.extend_from_slice(&index.to_ne_bytes());
    let iff = if up { libc::IFF_UP as u32 } else { 0 };
    buf.extend_from_slice(&iff.to_ne_bytes());
    let change = if ty == libc::RTM_NEWLINK {
        libc::IFF_UP as u32
    } else {
        0
    };
    buf.extend_from_slice(&change.to_ne_bytes());
    finish_header(&mut buf, ty, flags, seq);
    buf
}

/// RTM_NEWLINK creating `name`: a private macvlan on `base` with address `mac`.
pub fn macvlan_message(seq: u32, name: &str, base: u32, mac: [u8; 6]) -> Vec<u8> {
    let flags = libc::NLM_F_CREATE | libc::NLM_F_EXCL;
    let mut buf = link_message(libc::RTM_NEWLINK, flags, seq, 0, false);
    let mut z = name.as_bytes().to_vec();
    z.push(0);
    push_attr(&mut buf, IFLA_IFNAME, &z);
    push_attr(&mut buf, IFLA_LINK, &base.to_ne_bytes());
    push_attr(&mut buf, IFLA_ADDRESS, &mac);
    let mut data = Vec::new();
    push_attr(
        &mut data,
        IFLA_MACVLAN_MODE,
        &MACVLAN_MODE_PRIVATE.to_ne_bytes(),
    );
    let mut info = Vec::new();
    push_attr(&mut info, IFLA_INFO_KIND, b"macvlan");
    push_attr(&mut info, IFLA_INFO_DATA | NLA_F_NESTED, &data);
    push_attr(&mut buf, IFLA_LINKINFO | NLA_F_NESTED, &info);
    let ty = libc::RTM_NEWLINK;
    let flags = (libc::NLM_F_REQUEST | libc::NLM_F_ACK | flags) as u16;
    finish_header(&mut buf, ty, flags, seq);
    buf
}

pub(super) fn finish_header(buf: &mut [u8], ty: u16, flags: u16, seq: u32) {
    let len = buf.len() as u32;
    buf[0..4].copy_from_slice(&len.to_ne_bytes());
    buf[4..6].copy_from_slice(&ty.to_ne_bytes());
    buf[6..8].copy_from_slice(&flags.to_ne_bytes());
    buf[8..12].copy_from_slice(&seq.to_ne_bytes());
}

const IFLA_IFNAME: u16 = 3;
const IFINFOMSG_LEN: usize = 16;

/// What `link_info` tells about a link: enough to know a virtual MAC interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    pub index: u32,
    pub mac: Option<[u8; 6]>,
    /// IFLA_INFO_KIND: "macvlan", "veth", "bridge"… (None for a physical device).
    pub kind: Option<String>,
    /// A macvlan's mode (MACVLAN_MODE_*).
    pub macvlan_mode: Option<u32>,
}

impl LinkInfo {
    /// A macvlan in private mode with address `mac`: how a virtual MAC is made.
    pub fn is_private_macvlan(&self, mac: [u8; 6]) -> bool {
        self.kind.as_deref() == Some("macvlan")
            && self.macvlan_mode == Some(MACVLAN_MODE_PRIVATE)
            && self.mac == Some(mac)
    }
}

/// The RTM_NEWLINK message at the start of `buf`; None if it is something else.
pub fn link_info(buf: &[u8]) -> Option<LinkInfo> {
    let (ty, _, body) = messages(buf).next()?;
    if ty != libc::RTM_NEWLINK {
        return None;
    }
    let mut info = LinkInfo {
        index: u32_at(body, 4)?,
        mac: None,
        kind: None,
        macvlan_mode: None,
    };
    for (ty, data) in attributes(body, IFINFOMSG_LEN) {
        match ty {
            IFLA_ADDRESS => info.mac = data.try_into().ok(),
            IFLA_LINKINFO => {
                for (ty, data) in attributes(data, 0) {
                    match ty {
                        IFLA_INFO_KIND => {
                            let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                            info.kind = Some(String::from_utf8_lossy(&data[..end]).into_owned());
                        }
                        IFLA_INFO_DATA => {
                            info.macvlan_mode = attributes(data, 0)
                                .find(|a| a.0 == IFLA_MACVLAN_MODE)
                                .and_then(|(_, d)| u32_at(d, 0));
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Some(info)
}

/// A link changed state (or was deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEvent {
    pub index: u32,
    pub name: String,
    /// IFF_UP and IFF_RUNNING (carrier); false for a deleted link.
    pub up: bool,
    /// RTM_DELLINK: the interface is gone.
    pub gone: bool,
}

/// The link events in one datagram from the RTMGRP_LINK group, and whether it also
/// carried address news (RTM_NEWADDR / RTM_DELADDR). Malformed parts end the walk; they
/// never panic.
pub fn link_events(buf: &[u8]) -> (Vec<LinkEvent>, bool) {
    let mut out = Vec::new();
    let mut addresses = false;
    for (ty, _, body) in messages(buf) {
        if ty == libc::RTM_NEWADDR || ty == libc::RTM_DELADDR {
            addresses = true;
            continue;
        }
        if ty != libc::RTM_NEWLINK && ty != libc::RTM_DELLINK {
            continue;
        }
        let (Some(index), Some(flags)) = (u32_at(body, 4), u32_at(body, 8)) else {
            continue;
        };
        let mut name = String::new();
        for (aty, data) in attributes(body, IFINFOMSG_LEN) {
            if aty == IFLA_IFNAME {
                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                name = String::from_utf8_lossy(&data[..end]).into_owned();
            }
        }
        let want = (libc::IFF_UP | libc::IFF_RUNNING) as u32;
        out.push(LinkEvent {
            index,
            name,
            up: ty == libc::RTM_NEWLINK && flags & want == want,
            gone: ty == libc::RTM_DELLINK,
        });
    }
    (out, addresses)
}

/// A netlink socket subscribed to link and address changes.
pub struct LinkMonitor {
    fd: OwnedFd,
}

/// What a read of the monitor gave.
pub enum LinkNews {
    /// Link events, and whether addresses changed (read them again: `addresses`).
    Events(Vec<LinkEvent>, bool),
    /// The kernel dropped events (socket buffer full): the caller must re-read the state
    /// of every interface it cares about.
    Lost,
    Nothing,
}

/// A netlink socket of `protocol` listening to the multicast `groups` (a bitmask): the
/// monitors' (links, routes, process events). The kernel picks its port.
pub(super) fn subscribed(protocol: libc::c_int, groups: u32) -> io::Result<OwnedFd> {
    let fd = socket(libc::AF_NETLINK, libc::SOCK_RAW, protocol)?;
    // SAFETY: a zeroed sockaddr_nl with the groups set; pid 0 lets the kernel choose.
    let mut sa: libc::sockaddr_nl = unsafe { core::mem::zeroed() };
    sa.nl_family = libc::AF_NETLINK as u16;
    sa.nl_groups = groups;
    // SAFETY: sa is valid for its size.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sa as *const libc::sockaddr_nl).cast(),
            core::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    })?;
    Ok(fd)
}

impl LinkMonitor {
    pub fn open() -> io::Result<LinkMonitor> {
        let groups = libc::RTMGRP_LINK | libc::RTMGRP_IPV4_IFADDR | libc::RTMGRP_IPV6_IFADDR;
        let fd = subscribed(libc::NETLINK_ROUTE, groups as u32)?;
        Ok(LinkMonitor { fd })
    }

    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        self.fd.as_raw_fd()
    }

    /// One datagram's worth of events (non-blocking).
    pub fn read(&self, buf: &mut [u8]) -> io::Result<LinkNews> {
        // SAFETY: buf is valid for writes of its length.
        let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        match cvt_size(n) {
            Ok(n) => {
                let (events, addresses) = link_events(&buf[..n]);
                Ok(LinkNews::Events(events, addresses))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(LinkNews::Nothing),
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => Ok(LinkNews::Lost),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_message_carries_local_address_and_label_padded_to_four_bytes() {
        let m = addr_message(
            AddrOp::Add,
            7,
            3,
            &AddrSpec {
                addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
                prefix_len: 24,
                label: Some("eth0:vip"),
                broadcast: None,
                scope: 0,
            },
        );
        assert_eq!(
            m.len() as u32,
            u32::from_ne_bytes(m[0..4].try_into().unwrap())
        );
        assert_eq!(
            u16::from_ne_bytes(m[4..6].try_into().unwrap()),
            libc::RTM_NEWADDR
        );
        assert_eq!(u32::from_ne_bytes(m[8..12].try_into().unwrap()), 7);
        assert_eq!(&m[16..20], &[libc::AF_INET as u8, 24, 0, 0]);
        assert_eq!(u32::from_ne_bytes(m[20..24].try_into().unwrap()), 3);
        // IFA_LOCAL
        assert_eq!(&m[24..32], &[8, 0, 2, 0, 192, 0, 2, 10]);
        // IFA_ADDRESS
        assert_eq!(&m[32..40], &[8, 0, 1, 0, 192, 0, 2, 10]);
        // IFA_LABEL "eth0:vip\0" = 9 bytes + 4 header = 13, padded to 16
        assert_eq!(&m[40..44], &[13, 0, 3, 0]);
        assert_eq!(&m[44..53], b"eth0:vip\0");
        assert_eq!(m.len(), 56);
    }

    /// keepalived's `brd` and `scope` VIP options (issue 13 item 5).
    #[test]
    fn add_message_carries_broadcast_and_scope() {
        let m = addr_message(
            AddrOp::Add,
            7,
            3,
            &AddrSpec {
                addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10)),
                prefix_len: 24,
                label: None,
                broadcast: Some(Ipv4Addr::new(192, 0, 2, 255)),
                scope: RT_SCOPE_LINK,
            },
        );
        assert_eq!(&m[16..20], &[libc::AF_INET as u8, 24, 0, RT_SCOPE_LINK]);
        // IFA_BROADCAST after IFA_LOCAL and IFA_ADDRESS
        assert_eq!(&m[40..48], &[8, 0, 4, 0, 192, 0, 2, 255]);
        assert_eq!(m.len(), 48);
    }

    #[test]
    fn ack_is_found_by_sequence_and_negated() {
        let mut reply = vec![0u8; 36];
        reply[0..4].copy_from_slice(&36u32.to_ne_bytes());
        reply[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
        reply[8..12].copy_from_slice(&9u32.to_ne_bytes());
        reply[16..20].copy_from_slice(&(-libc::EEXIST).to_ne_bytes());
        assert_eq!(ack_errno(&reply, 9), Some(libc::EEXIST));
        assert_eq!(ack_errno(&reply, 8), None);
        assert_eq!(ack_errno(&reply[..10], 9), None);
    }

    #[test]
    fn link_events_carry_index_name_and_up_state() {
        let msg = |ty: u16, index: u32, flags: u32, name: &str| {
            let mut m = vec![0u8; NLMSG_HDRLEN + IFINFOMSG_LEN];
            m[4..6].copy_from_slice(&ty.to_ne_bytes());
            m[NLMSG_HDRLEN + 4..NLMSG_HDRLEN + 8].copy_from_slice(&index.to_ne_bytes());
            m[NLMSG_HDRLEN + 8..NLMSG_HDRLEN + 12].copy_from_slice(&flags.to_ne_bytes());
            let mut z = name.as_bytes().to_vec();
            z.push(0);
            push_attr(&mut m, IFLA_IFNAME, &z);
            let len = m.len() as u32;
            m[0..4].copy_from_slice(&len.to_ne_bytes());
            m
        };
        let up = (libc::IFF_UP | libc::IFF_RUNNING) as u32;
        let mut buf = msg(libc::RTM_NEWLINK, 2, up, "enp0s1");
        buf.extend(msg(libc::RTM_NEWLINK, 3, libc::IFF_UP as u32, "eth1"));
        buf.extend(msg(libc::RTM_DELLINK, 4, up, "eth2"));
        let (ev, addresses) = link_events(&buf);
        let got: Vec<_> = ev
            .iter()
            .map(|e| (e.index, e.name.as_str(), e.up, e.gone))
            .collect();
        assert_eq!(
            got,
            [
                (2, "enp0s1", true, false),
                (3, "eth1", false, false),
                (4, "eth2", false, true)
            ]
        );
        assert!(!addresses);
        // Truncations never panic and never invent events.
        for cut in 0..buf.len() {
            assert!(link_events(&buf[..cut]).0.len() <= 3);
        }
    }

    #[test]
    fn a_link_reply_tells_a_private_macvlan_with_its_mac() {
        // The kernel's RTM_NEWLINK answer has the layout of the request that creates it.
        let mac = [0, 0, 0x5e, 0, 1, 7];
        let mut m = macvlan_message(9, "vrrp.7", 2, mac);
        m[4..6].copy_from_slice(&libc::RTM_NEWLINK.to_ne_bytes());
        m[NLMSG_HDRLEN + 4..NLMSG_HDRLEN + 8].copy_from_slice(&12u32.to_ne_bytes());
        let info = link_info(&m).unwrap();
        assert_eq!(info.index, 12);
        assert_eq!(info.kind.as_deref(), Some("macvlan"));
        assert!(info.is_private_macvlan(mac));
        assert!(!info.is_private_macvlan([0, 0, 0x5e, 0, 2, 7]));
        // A veth of that name (no private mode, another MAC) is not one.
        let veth = LinkInfo {
            kind: Some("veth".into()),
            macvlan_mode: None,
            ..info
        };
        assert!(!veth.is_private_macvlan(mac));
        // Truncated or other messages: nothing, no panic.
        for n in 0..m.len() {
            let _ = link_info(&m[..n]);
        }
    }

    #[test]
    fn macvlan_message_nests_kind_and_private_mode() {
        let m = macvlan_message(5, "vrrp.1", 2, [0, 0, 0x5e, 0, 1, 1]);
        assert_eq!(
            u32::from_ne_bytes(m[0..4].try_into().unwrap()) as usize,
            m.len()
        );
        assert_eq!(
            u16::from_ne_bytes(m[4..6].try_into().unwrap()),
            libc::RTM_NEWLINK
        );
        let flags = u16::from_ne_bytes(m[6..8].try_into().unwrap()) as i32;
        assert_eq!(
            flags,
            libc::NLM_F_REQUEST | libc::NLM_F_ACK | libc::NLM_F_CREATE | libc::NLM_F_EXCL
        );
        let body = &m[NLMSG_HDRLEN + IFINFOMSG_LEN..];
        // IFLA_IFNAME "vrrp.1\0" (7 + 4 = 11, padded 12), IFLA_LINK 2, IFLA_ADDRESS
        assert_eq!(&body[0..4], &[11, 0, 3, 0]);
        assert_eq!(&body[4..11], b"vrrp.1\0");
        assert_eq!(&body[12..20], &[8, 0, 5, 0, 2, 0, 0, 0]);
        assert_eq!(&body[20..30], &[10, 0, 1, 0, 0, 0, 0x5e, 0, 1, 1]);
        // IFLA_LINKINFO (nested) { KIND "macvlan", DATA (nested) { MODE 1 } }
        let li = &body[32..];
        assert_eq!(
            u16::from_ne_bytes([li[2], li[3]]),
            IFLA_LINKINFO | NLA_F_NESTED
        );
        // (the kind without a NUL, as iproute2 sends it; padded to 12)
        assert_eq!(&li[4..8], &[11, 0, 1, 0]);
        assert_eq!(&li[8..15], b"macvlan");
        assert_eq!(&li[16..20], &[12, 0, 2, 0x80]);
        assert_eq!(&li[20..28], &[8, 0, 1, 0, 1, 0, 0, 0]);
        assert_eq!(li.len(), 28);
    }

    /// One RTM_NEWADDR as the kernel sends it (dump or news).
    fn newaddr(
        seq: u32,
        family: u8,
        flags: u8,
        scope: u8,
        index: u32,
        attrs: &[(u16, &[u8])],
    ) -> Vec<u8> {
        let mut m = vec![0u8; NLMSG_HDRLEN];
        m.extend_from_slice(&[family, 64, flags, scope]);
        m.extend_from_slice(&index.to_ne_bytes());
        for (ty, data) in attrs {
            push_attr(&mut m, *ty, data);
        }
        finish_header(&mut m, libc::RTM_NEWADDR, libc::NLM_F_MULTI as u16, seq);
        m
    }

    #[test]
    fn address_dumps_carry_index_address_flags_and_scope_and_end_at_done() {
        let v4 = [192, 0, 2, 11];
        let ll: [u8; 16] = "fe80::b".parse::<std::net::Ipv6Addr>().unwrap().octets();
        let mut buf = newaddr(
            7,
            libc::AF_INET as u8,
            0,
            0,
            2,
            &[(IFA_ADDRESS, &v4), (IFA_LOCAL, &v4)],
        );
        // IPv6: IFA_ADDRESS only; the extended flags say tentative.
        let tentative = IFA_F_TENTATIVE.to_ne_bytes();
        buf.extend(newaddr(
            7,
            libc::AF_INET6 as u8,
            0,
            RT_SCOPE_LINK,
            2,
            &[(IFA_ADDRESS, &ll), (IFA_FLAGS, &tentative)],
        ));
        // Another request's answer is not ours.
        buf.extend(newaddr(
            8,
            libc::AF_INET as u8,
            0,
            0,
            3,
            &[(IFA_LOCAL, &[198, 51, 100, 1])],
        ));
        let mut out = Vec::new();
        assert!(!addr_entries(&buf, Some(7), &mut out));
        assert_eq!(
            out,
            [
                AddrEntry {
                    index: 2,
                    addr: IpAddr::from(v4),
                    flags: 0,
                    scope: 0
                },
                AddrEntry {
                    index: 2,
                    addr: IpAddr::from(ll),
                    flags: IFA_F_TENTATIVE,
                    scope: RT_SCOPE_LINK
                },
            ]
        );
        let mut done = vec![0u8; NLMSG_HDRLEN + 4];
        finish_header(&mut done, NLMSG_DONE, 0, 7);
        assert!(addr_entries(&done, Some(7), &mut out));
        // News (no sequence) is read whoever asked; truncations never panic.
        let mut news = Vec::new();
        addr_entries(&buf, None, &mut news);
        assert_eq!(news.len(), 3);
        for cut in 0..buf.len() {
            let mut v = Vec::new();
            addr_entries(&buf[..cut], None, &mut v);
            assert!(v.len() <= 3);
        }
        // The address groups' news shows in link_events' second answer.
        assert!(link_events(&buf).1);
    }
}
