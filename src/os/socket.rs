//! The raw sockets for IP protocol 112: one per interface and family; and for IPsec AH
//! (protocol 51, `auth_type AH`), whose adverts carry an IPv4 header we write ourselves.
use super::{cvt, cvt_size, setsockopt, socket};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// RFC 5798 §5.1.1.1: the IPv4 multicast group for VRRP.
pub const VRRP_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// RFC 9568 §5.1.2.2: the IPv6 multicast group for VRRP.
pub const VRRP_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
pub const VRRP_PROTO: libc::c_int = 112;
const AH_PROTO: libc::c_int = crate::wire::ah::PROTOCOL as libc::c_int;

/// The group adverts of a family go to unless an instance names another
/// (`mcast_dst_ip`, `vrrp_mcast_group4/6`).
pub fn default_group(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(VRRP_GROUP_V6)
    } else {
        IpAddr::V4(VRRP_GROUP_V4)
    }
}

pub struct VrrpSocket {
    fd: OwnedFd,
    ifindex: u32,
    /// The multicast groups joined (224.0.0.18 / ff02::12, or keepalived's
    /// `mcast_dst_ip` / `vrrp_mcast_group4/6`).
    joined: Vec<IpAddr>,
    v6: bool,
}

/// A received IPv6 VRRP message: the kernel strips the IPv6 header, so what VRRP checks
/// in it comes as ancillary data.
pub struct Rx6 {
    pub len: usize,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    /// None if the kernel did not report it (then the packet is dropped).
    pub hop_limit: Option<u8>,
}

/// What a node loses when a set-up step of its VRRP socket fails: what the daemon must
/// weigh before going on without it. A node that cannot hear the Master's adverts takes
/// over beside it (two Masters); one whose adverts the others drop is a Master they
/// cannot hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Cannot hear the other routers on this link.
    Deaf,
    /// The others drop or never get what it sends.
    Mute,
    /// Neither hears nor is heard (no usable socket on this link).
    DeafAndMute,
    /// Failover is unaffected (traffic class, buffer size, a repeated setting).
    Degraded,
}

/// A failed set-up step of a VRRP socket: which option, what it costs the node, and the
/// kernel's answer. Displayed as `OPTION: error`.
#[derive(Debug)]
pub struct SockError {
    /// The socket call or option, by its C name (`IP_ADD_MEMBERSHIP`, ...).
    pub what: &'static str,
    pub loss: Loss,
    pub err: io::Error,
}

impl std::fmt::Display for SockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.err)
    }
}

/// Set-up steps that failed without costing the node its part in the election
/// (`Loss::Degraded`): the socket is used without them, and they are reported.
pub type Degraded = heapless::Vec<SockError, 4>;

/// setsockopt of one set-up step, failing with the option's C name and what a node
/// without it loses.
macro_rules! opt {
    ($raw:expr, $level:ident, $name:ident, $val:expr, $loss:ident) => {
        setsockopt($raw, libc::$level, libc::$name, $val).map_err(|err| SockError {
            what: stringify!($name),
            loss: Loss::$loss,
            err,
        })
    };
}

/// The multicast interface option (IP_MULTICAST_IF, IPV6_MULTICAST_IF) only repeats
/// what SO_BINDTODEVICE (set first) and the packet info on every send already pin: the
/// outgoing interface. qemu-user (7.2, Debian 12's) implements neither option and
/// answers ENOPROTOOPT, which no Linux kernel does for them; exactly that answer is let
/// through, so the router builds run as live nodes under qemu (cross/ci.sh). Any other
/// failure, and any failure on a real kernel, still stops the open.
fn unless_qemu_lacks_it(r: Result<(), SockError>) -> Result<(), SockError> {
    match r {
        Err(e) if e.err.raw_os_error() == Some(libc::ENOPROTOOPT) => Ok(()),
        r => r,
    }
}

fn bind_to_device(raw: RawFd, ifname: &str) -> Result<(), SockError> {
    // SAFETY: the name pointer and length describe a valid byte string.
    cvt(unsafe {
        libc::setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            ifname.as_ptr().cast(),
            ifname.len() as libc::socklen_t,
        )
    })
    .map(drop)
    // Unbound, it would hear other links' routers as this link's and send by route.
    .map_err(|err| SockError {
        what: "SO_BINDTODEVICE",
        loss: Loss::DeafAndMute,
        err,
    })
}

/// A step that only degrades the socket: its failure is collected in `degraded`.
fn keep_going(degraded: &mut Degraded, r: Result<(), SockError>) {
    if let Err(e) = r {
        let _ = degraded.push(e);
    }
}

fn raw_socket(domain: libc::c_int, proto: libc::c_int) -> Result<OwnedFd, SockError> {
    socket(domain, libc::SOCK_RAW, proto).map_err(|err| SockError {
        what: "socket",
        loss: Loss::DeafAndMute,
        err,
    })
}

impl VrrpSocket {
    /// The socket for `ifname` (index `ifindex`) in the family `v6` says — for IPsec AH
    /// with `ah` (IPv4 only) — or the step that failed and what the node loses without
    /// it. Steps that only degrade it are skipped and returned beside it.
    pub fn setup(
        ifname: &str,
        ifindex: u32,
        v6: bool,
        ah: bool,
    ) -> Result<(VrrpSocket, Degraded), SockError> {
        if v6 {
            Self::setup_v6(ifname, ifindex)
        } else {
            Self::setup_v4(ifname, ifindex, ah)
        }
    }

    /// The IPv4 socket, bound to `ifname`.
    fn setup_v4(ifname: &str, ifindex: u32, ah: bool) -> Result<(VrrpSocket, Degraded), SockError> {
        let proto = if ah { AH_PROTO } else { VRRP_PROTO };
        let fd = raw_socket(libc::AF_INET, proto)?;
        let raw = fd.as_raw_fd();
        let mut degraded = Degraded::new();
        // Receive and send only on this interface, whatever the routing table says.
        bind_to_device(raw, ifname)?;
        if ah {
            // The ICV covers the IPv4 header: we write it (`wire::ah::seal`).
            opt!(raw, IPPROTO_IP, IP_HDRINCL, &1i32, Mute)?;
        }
        // RFC 5798 §5.1.1.3: TTL 255 so receivers can tell the advert was not routed;
        // they drop anything else.
        opt!(raw, IPPROTO_IP, IP_TTL, &255i32, Mute)?;
        opt!(raw, IPPROTO_IP, IP_MULTICAST_TTL, &255i32, Mute)?;
        // Precedence "internetwork control", as keepalived sends: QoS treats both alike.
        keep_going(
            &mut degraded,
            opt!(raw, IPPROTO_IP, IP_TOS, &0xc0i32, Degraded),
        );
        // Our own multicast adverts must not come back to us (each would be dropped as
        // our own, and counted).
        let no_loop = opt!(raw, IPPROTO_IP, IP_MULTICAST_LOOP, &0i32, Degraded);
        keep_going(&mut degraded, no_loop);
        // On a real kernel this only fails for an index that is no interface (any
        // more): the interface went between its lookup and here.
        let m = mreqn(Ipv4Addr::UNSPECIFIED, ifindex);
        unless_qemu_lacks_it(opt!(raw, IPPROTO_IP, IP_MULTICAST_IF, &m, DeafAndMute))?;
        // Larger receive buffer: a burst of adverts (or junk) must not crowd out the
        // master's adverts while we sleep.
        let rcvbuf = opt!(raw, SOL_SOCKET, SO_RCVBUF, &(256 * 1024i32), Degraded);
        keep_going(&mut degraded, rcvbuf);
        let sock = VrrpSocket {
            fd,
            ifindex,
            joined: Vec::new(),
            v6: false,
        };
        Ok((sock, degraded))
    }

    /// The IPv6 socket (RFC 9568): hop limit 255 on send, reported on receive, with the
    /// destination, so both can be checked; no loopback of our own multicast.
    fn setup_v6(ifname: &str, ifindex: u32) -> Result<(VrrpSocket, Degraded), SockError> {
        let fd = raw_socket(libc::AF_INET6, VRRP_PROTO)?;
        let raw = fd.as_raw_fd();
        let mut degraded = Degraded::new();
        bind_to_device(raw, ifname)?;
        opt!(raw, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &255i32, Mute)?;
        opt!(raw, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &255i32, Mute)?;
        let no_loop = opt!(raw, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &0i32, Degraded);
        keep_going(&mut degraded, no_loop);
        let i = ifindex as i32;
        unless_qemu_lacks_it(opt!(raw, IPPROTO_IPV6, IPV6_MULTICAST_IF, &i, DeafAndMute))?;
        // Without the hop limit or the destination every received advert is dropped.
        opt!(raw, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &1i32, Deaf)?;
        opt!(raw, IPPROTO_IPV6, IPV6_RECVPKTINFO, &1i32, Deaf)?;
        // Traffic class "internetwork control", as for IPv4.
        keep_going(
            &mut degraded,
            opt!(raw, IPPROTO_IPV6, IPV6_TCLASS, &0xc0i32, Degraded),
        );
        let rcvbuf = opt!(raw, SOL_SOCKET, SO_RCVBUF, &(256 * 1024i32), Degraded);
        keep_going(&mut degraded, rcvbuf);
        let sock = VrrpSocket {
            fd,
            ifindex,
            joined: Vec::new(),
            v6: true,
        };
        Ok((sock, degraded))
    }

    pub fn is_v6(&self) -> bool {
        self.v6
    }

    /// Join `group` on this interface (multicast-mode instances only). Failing leaves
    /// the node deaf to adverts sent there (`Loss::Deaf`); calling again retries.
    pub fn join_group(&mut self, group: IpAddr) -> Result<(), SockError> {
        if !self.joined.contains(&group) {
            self.membership(group, true)?;
            self.joined.push(group);
        }
        Ok(())
    }

    /// Leave every joined group not in `keep` (no multicast instance left there).
    /// Failing costs nothing but unwanted adverts, which the receive checks drop
    /// (`Loss::Degraded`).
    pub fn leave_groups_but(&mut self, keep: &[IpAddr]) -> Result<(), (IpAddr, SockError)> {
        while let Some(k) = self.joined.iter().position(|g| !keep.contains(g)) {
            let group = self.joined.swap_remove(k);
            self.membership(group, false).map_err(|e| (group, e))?;
        }
        Ok(())
    }

    fn membership(&self, group: IpAddr, join: bool) -> Result<(), SockError> {
        let raw = self.fd.as_raw_fd();
        match group {
            IpAddr::V6(g) => {
                let m = libc::ipv6_mreq {
                    ipv6mr_multiaddr: libc::in6_addr {
                        s6_addr: g.octets(),
                    },
                    ipv6mr_interface: self.ifindex as _,
                };
                if join {
                    opt!(raw, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m, Deaf)
                } else {
                    opt!(raw, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &m, Degraded)
                }
            }
            IpAddr::V4(g) => {
                let m = mreqn(g, self.ifindex);
                if join {
                    opt!(raw, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, Deaf)
                } else {
                    opt!(raw, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m, Degraded)
                }
            }
        }
    }

    /// One IPv6 message (VRRP payload only) with its addresses and hop limit.
    pub fn recv_v6(&self, buf: &mut [u8]) -> io::Result<Option<Rx6>> {
        // SAFETY: plain old data; all-zero is valid.
        let (mut sin6, mut msg): (libc::sockaddr_in6, libc::msghdr) =
            unsafe { core::mem::zeroed() };
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut cbuf = [0u64; 16];
        msg.msg_name = (&mut sin6 as *mut libc::sockaddr_in6).cast();
        msg.msg_namelen = core::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = core::mem::size_of_val(&cbuf) as _;
        // SAFETY: every pointer in msg refers to a live local of the stated size.
        let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, 0) };
        let len = match cvt_size(n) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e),
        };
        if msg.msg_flags & libc::MSG_TRUNC != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "oversized datagram",
            ));
        }
        let mut rx = Rx6 {
            len,
            src: Ipv6Addr::from(sin6.sin6_addr.s6_addr),
            dst: Ipv6Addr::UNSPECIFIED,
            hop_limit: None,
        };
        // SAFETY: the CMSG_* walk stays within msg_control/msg_controllen, which the
        // kernel set; data is read unaligned.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::IPPROTO_IPV6 {
                    let data = libc::CMSG_DATA(c);
                    if (*c).cmsg_type == libc::IPV6_HOPLIMIT {
                        let h = core::ptr::read_unaligned(data.cast::<libc::c_int>());
                        rx.hop_limit = u8::try_from(h).ok();
                    } else if (*c).cmsg_type == libc::IPV6_PKTINFO {
                        let p = core::ptr::read_unaligned(data.cast::<libc::in6_pktinfo>());
                        rx.dst = Ipv6Addr::from(p.ipi6_addr.s6_addr);
                    }
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
        }
        Ok(Some(rx))
    }

    /// Send a VRRP message from `src` (our link-local address) to `dst`; IPV6_PKTINFO
    /// pins the source the checksum covered and the outgoing interface. `hops`: another
    /// hop limit than the socket's 255 for this message (keepalived's `unicast_ttl`).
    pub fn send_v6(
        &self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        payload: &[u8],
        hops: Option<u8>,
    ) -> io::Result<()> {
        // SAFETY: sockaddr_in6 is plain old data; all-zero is valid.
        let mut sin6: libc::sockaddr_in6 = unsafe { core::mem::zeroed() };
        sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
        sin6.sin6_addr.s6_addr = dst.octets();
        // Link-local destinations need their interface.
        sin6.sin6_scope_id = self.ifindex;
        let info = libc::in6_pktinfo {
            ipi6_addr: libc::in6_addr {
                s6_addr: src.octets(),
            },
            ipi6_ifindex: self.ifindex as _,
        };
        send_with_pktinfo(
            self.fd.as_raw_fd(),
            &sin6,
            payload,
            (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, info),
            hops.map(|h| (libc::IPV6_HOPLIMIT, h)),
        )
    }

    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// One datagram, IPv4 header included; None when nothing is queued.
    pub fn recv<'a>(&self, buf: &'a mut [u8]) -> io::Result<Option<&'a [u8]>> {
        // SAFETY: buf is valid for writes of its length.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_TRUNC,
            )
        };
        match cvt_size(n) {
            Ok(n) if n > buf.len() => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "oversized datagram",
            )),
            Ok(n) => Ok(Some(&buf[..n])),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Send a VRRP message from `src` (which must be a local address) to `dst`. The
    /// kernel builds the IP header (on an AH socket, `payload` is the whole datagram);
    /// IP_PKTINFO pins the source, which the v3 checksum covered, and the outgoing
    /// interface. `ttl`: another TTL than the socket's 255 for
    /// this message (keepalived's `unicast_ttl`).
    pub fn send(
        &self,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        payload: &[u8],
        ttl: Option<u8>,
    ) -> io::Result<()> {
        // SAFETY: sockaddr_in is plain old data; all-zero is valid.
        let mut sin: libc::sockaddr_in = unsafe { core::mem::zeroed() };
        sin.sin_family = libc::AF_INET as libc::sa_family_t;
        sin.sin_addr.s_addr = u32::from(dst).to_be();
        let info = libc::in_pktinfo {
            ipi_ifindex: self.ifindex as libc::c_int,
            ipi_spec_dst: libc::in_addr {
                s_addr: u32::from(src).to_be(),
            },
            ipi_addr: libc::in_addr { s_addr: 0 },
        };
        send_with_pktinfo(
            self.fd.as_raw_fd(),
            &sin,
            payload,
            (libc::IPPROTO_IP, libc::IP_PKTINFO, info),
            ttl.map(|t| (libc::IP_TTL, t)),
        )
    }
}

/// sendmsg(2) of `payload` to `addr` with control messages: the packet-info that pins
/// source address and interface (`level`, `ty`, `info`), for both families, and maybe a
/// TTL or hop limit (`ty`, value) at the same level.
fn send_with_pktinfo<A, P: Copy>(
    fd: RawFd,
    addr: &A,
    payload: &[u8],
    (level, ty, info): (libc::c_int, libc::c_int, P),
    ttl: Option<(libc::c_int, u8)>,
) -> io::Result<()> {
    // SAFETY: msghdr is plain old data; all-zero is valid.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr() as *mut _,
        iov_len: payload.len(),
    };
    // u64 elements keep the control buffer aligned for cmsghdr.
    let mut cbuf = [0u64; 10];
    let size = core::mem::size_of::<P>() as u32;
    let int = core::mem::size_of::<libc::c_int>() as u32;
    // SAFETY: CMSG_SPACE is a pure size computation.
    let (first, second) = unsafe { (libc::CMSG_SPACE(size), libc::CMSG_SPACE(int)) };
    let space = first as usize + if ttl.is_some() { second as usize } else { 0 };
    assert!(
        space <= core::mem::size_of_val(&cbuf),
        "control messages too large"
    );
    msg.msg_name = (addr as *const A).cast_mut().cast();
    msg.msg_namelen = core::mem::size_of::<A>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: msg_control points to `space` writable, aligned bytes (checked above),
    // enough for the control messages written here; CMSG_FIRSTHDR is therefore non-null,
    // and so is CMSG_NXTHDR when a second one fits.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = level;
        (*cmsg).cmsg_type = ty;
        (*cmsg).cmsg_len = libc::CMSG_LEN(size) as _;
        core::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<P>(), info);
        if let Some((ty, value)) = ttl {
            let next = libc::CMSG_NXTHDR(&msg, cmsg);
            (*next).cmsg_level = level;
            (*next).cmsg_type = ty;
            (*next).cmsg_len = libc::CMSG_LEN(int) as _;
            let v = libc::c_int::from(value);
            core::ptr::write_unaligned(libc::CMSG_DATA(next).cast::<libc::c_int>(), v);
        }
    }
    // SAFETY: every pointer in msg refers to a live value for the duration of the call.
    cvt_size(unsafe { libc::sendmsg(fd, &msg, 0) }).map(drop)
}

fn mreqn(group: Ipv4Addr, ifindex: u32) -> libc::ip_mreqn {
    libc::ip_mreqn {
        imr_multiaddr: libc::in_addr {
            s_addr: u32::from(group).to_be(),
        },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as libc::c_int,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(errno: i32) -> Result<(), SockError> {
        Err(SockError {
            what: "IP_MULTICAST_IF",
            loss: Loss::Degraded,
            err: io::Error::from_raw_os_error(errno),
        })
    }

    #[test]
    fn only_qemus_missing_multicast_if_is_tolerated() {
        assert!(unless_qemu_lacks_it(failed(libc::ENOPROTOOPT)).is_ok());
        for errno in [libc::ENODEV, libc::EINVAL, libc::EPERM, libc::ENOMEM] {
            assert!(unless_qemu_lacks_it(failed(errno)).is_err(), "{errno}");
        }
    }

    /// Raw sockets need CAP_NET_RAW; without it these tests have nothing to open.
    fn can_open() -> bool {
        // SAFETY: geteuid has no preconditions.
        unsafe { libc::geteuid() == 0 }
    }

    #[test]
    fn on_a_real_kernel_multicast_if_still_fails_for_a_missing_interface() {
        if !can_open() {
            return;
        }
        // lo exists everywhere; index 1 is lo, an index this high is no interface.
        let (_, degraded) = VrrpSocket::setup_v4("lo", 1, false).unwrap();
        assert!(degraded.is_empty(), "{degraded:?}");
        let (_, degraded) = VrrpSocket::setup_v6("lo", 1).unwrap();
        assert!(degraded.is_empty(), "{degraded:?}");
        // (Linux answers EADDRNOTAVAIL.)
        let e = VrrpSocket::setup_v4("lo", 999_999, false).err().unwrap();
        assert_eq!(e.what, "IP_MULTICAST_IF", "{e}");
        let e = VrrpSocket::setup_v6("lo", 999_999).err().unwrap();
        assert_eq!(e.what, "IPV6_MULTICAST_IF");
        let e = VrrpSocket::setup_v4("no-such-if0", 1, false).err().unwrap();
        assert_eq!((e.what, e.loss), ("SO_BINDTODEVICE", Loss::DeafAndMute));
    }

    #[test]
    fn a_failed_join_says_the_node_is_deaf_and_can_be_retried() {
        if !can_open() {
            return;
        }
        for v6 in [false, true] {
            let (mut sock, _) = VrrpSocket::setup("lo", 1, v6, false).unwrap();
            // The interface is gone (another index): the join cannot succeed.
            sock.ifindex = 999_999;
            let e = sock.join_group(default_group(v6)).err().unwrap();
            assert_eq!(e.loss, Loss::Deaf);
            let want = if v6 {
                "IPV6_ADD_MEMBERSHIP"
            } else {
                "IP_ADD_MEMBERSHIP"
            };
            assert_eq!(e.what, want);
            assert!(e.to_string().starts_with(&format!("{want}: ")), "{e}");
            assert!(sock.joined.is_empty());
            // Nothing joined, nothing to leave.
            assert!(sock.leave_groups_but(&[]).is_ok());
        }
    }
}
