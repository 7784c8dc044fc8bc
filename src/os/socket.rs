//! The raw sockets for IP protocol 112: one per interface and family.
use super::{cvt, cvt_size, setsockopt, socket};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// RFC 5798 §5.1.1.1: the IPv4 multicast group for VRRP.
pub const VRRP_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// RFC 9568 §5.1.2.2: the IPv6 multicast group for VRRP.
pub const VRRP_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
pub const VRRP_PROTO: libc::c_int = 112;

pub struct VrrpSocket {
    fd: OwnedFd,
    ifindex: u32,
    joined: bool,
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

fn bind_to_device(raw: RawFd, ifname: &str) -> io::Result<()> {
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
}

impl VrrpSocket {
    pub fn open_v4(ifname: &str, ifindex: u32) -> io::Result<VrrpSocket> {
        let fd = socket(libc::AF_INET, libc::SOCK_RAW, VRRP_PROTO)?;
        let raw = fd.as_raw_fd();
        // Receive and send only on this interface, whatever the routing table says.
        bind_to_device(raw, ifname)?;
        // RFC 5798 §5.1.1.3: TTL 255 so receivers can tell the advert was not routed.
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_TTL, &255i32)?;
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, &255i32)?;
        // Precedence "internetwork control", as keepalived sends: QoS treats both alike.
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_TOS, &0xc0i32)?;
        // Our own multicast adverts must not come back to us.
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &0i32)?;
        let mreqn = mreqn(Ipv4Addr::UNSPECIFIED, ifindex);
        setsockopt(raw, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &mreqn)?;
        // Larger receive buffer: a burst of adverts (or junk) must not crowd out the
        // master's adverts while we sleep.
        setsockopt(raw, libc::SOL_SOCKET, libc::SO_RCVBUF, &(256 * 1024i32))?;
        Ok(VrrpSocket {
            fd,
            ifindex,
            joined: false,
            v6: false,
        })
    }

    /// The IPv6 socket (RFC 9568): hop limit 255 on send, reported on receive, with the
    /// destination, so both can be checked; no loopback of our own multicast.
    pub fn open_v6(ifname: &str, ifindex: u32) -> io::Result<VrrpSocket> {
        let fd = socket(libc::AF_INET6, libc::SOCK_RAW, VRRP_PROTO)?;
        let raw = fd.as_raw_fd();
        bind_to_device(raw, ifname)?;
        setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS, &255i32)?;
        setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS, &255i32)?;
        setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, &0i32)?;
        setsockopt(
            raw,
            libc::IPPROTO_IPV6,
            libc::IPV6_MULTICAST_IF,
            &(ifindex as i32),
        )?;
        setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, &1i32)?;
        setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, &1i32)?;
        // Traffic class "internetwork control", as for IPv4.
        setsockopt(raw, libc::IPPROTO_IPV6, libc::IPV6_TCLASS, &0xc0i32)?;
        setsockopt(raw, libc::SOL_SOCKET, libc::SO_RCVBUF, &(256 * 1024i32))?;
        Ok(VrrpSocket {
            fd,
            ifindex,
            joined: false,
            v6: true,
        })
    }

    pub fn is_v6(&self) -> bool {
        self.v6
    }

    /// Join 224.0.0.18 / ff02::12 on this interface (multicast-mode instances only).
    pub fn join_group(&mut self) -> io::Result<()> {
        if !self.joined {
            self.membership(true)?;
            self.joined = true;
        }
        Ok(())
    }

    pub fn leave_group(&mut self) -> io::Result<()> {
        if self.joined {
            self.membership(false)?;
            self.joined = false;
        }
        Ok(())
    }

    fn membership(&self, join: bool) -> io::Result<()> {
        let raw = self.fd.as_raw_fd();
        if self.v6 {
            let m = libc::ipv6_mreq {
                ipv6mr_multiaddr: libc::in6_addr {
                    s6_addr: VRRP_GROUP_V6.octets(),
                },
                ipv6mr_interface: self.ifindex as _,
            };
            let opt = if join {
                libc::IPV6_ADD_MEMBERSHIP
            } else {
                libc::IPV6_DROP_MEMBERSHIP
            };
            setsockopt(raw, libc::IPPROTO_IPV6, opt, &m)
        } else {
            let m = mreqn(VRRP_GROUP_V4, self.ifindex);
            let opt = if join {
                libc::IP_ADD_MEMBERSHIP
            } else {
                libc::IP_DROP_MEMBERSHIP
            };
            setsockopt(raw, libc::IPPROTO_IP, opt, &m)
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
    /// pins the source the checksum covered and the outgoing interface.
    pub fn send_v6(&self, src: Ipv6Addr, dst: Ipv6Addr, payload: &[u8]) -> io::Result<()> {
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
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            info,
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
    /// kernel builds the IP header; IP_PKTINFO pins the source, which the v3 checksum
    /// covered, and the outgoing interface.
    pub fn send(&self, src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> io::Result<()> {
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
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            info,
        )
    }
}

/// sendmsg(2) of `payload` to `addr` with one control message (`level`, `ty`, `info`):
/// the packet-info that pins source address and interface, for both families.
fn send_with_pktinfo<A, P: Copy>(
    fd: RawFd,
    addr: &A,
    payload: &[u8],
    level: libc::c_int,
    ty: libc::c_int,
    info: P,
) -> io::Result<()> {
    // SAFETY: msghdr is plain old data; all-zero is valid.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr() as *mut _,
        iov_len: payload.len(),
    };
    // u64 elements keep the control buffer aligned for cmsghdr.
    let mut cbuf = [0u64; 8];
    let size = core::mem::size_of::<P>() as u32;
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(size) } as usize;
    assert!(
        space <= core::mem::size_of_val(&cbuf),
        "control message too large"
    );
    msg.msg_name = (addr as *const A).cast_mut().cast();
    msg.msg_namelen = core::mem::size_of::<A>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: msg_control points to `space` writable, aligned bytes (checked above), enough
    // for one control message of P; CMSG_FIRSTHDR is therefore non-null.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = level;
        (*cmsg).cmsg_type = ty;
        (*cmsg).cmsg_len = libc::CMSG_LEN(size) as _;
        core::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<P>(), info);
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
